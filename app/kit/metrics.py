"""Prometheus metrics. Route templates, not raw paths, label the latency histogram."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

registry = CollectorRegistry(auto_describe=True)

REQUEST_LATENCY = Histogram(
    "brigade_http_request_duration_seconds",
    "HTTP request latency by route",
    ["method", "route", "status"],
    registry=registry,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUESTS_IN_FLIGHT = Gauge(
    "brigade_http_requests_in_flight", "Requests being served", registry=registry
)
JOB_QUEUE_DEPTH = Gauge(
    "brigade_job_queue_depth", "Background jobs by status", ["status"], registry=registry
)
REJECTED_OVERSIZE = Counter(
    "brigade_http_oversized_requests_total", "Requests refused for size", registry=registry
)
LABELING_POOL = Gauge(
    "brigade_labeling_pool_connections",
    "This process's connections for the annotators' next/submit, by state",
    ["state"],
    registry=registry,
)
LABELING_WAITING = Gauge(
    "brigade_labeling_pool_waiting",
    "Annotators' requests in this process waiting for a labeling connection",
    registry=registry,
)
LABELING_AT_CAPACITY = Counter(
    "brigade_labeling_at_capacity_total",
    "Annotators' requests answered 503 after waiting the pool timeout for a connection",
    registry=registry,
)
