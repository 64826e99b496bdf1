"""Every SDK call, written once, without I/O ("sans-I/O"): an operation is a generator that
yields the steps it needs (send this request, sleep this long, hand the caller this item) and
gets each request's response sent back in. The blocking client (``sync.py``) and the asyncio
client (``aio.py``) only carry the steps out, so retries, polling and pagination behave the
same in both and are tested once.

A transport error while a step runs is thrown into the operation at its ``yield``; the retry
loop in ``Operations.call`` decides whether to try again.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Generic, Literal, NamedTuple, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from app.client.errors import (
    ConnectionFailed,
    ExportFailed,
    IngestFailed,
    InvalidArguments,
    WaitTimeout,
    api_error,
)
from app.client.models import (
    Dataset,
    DatasetFormat,
    Export,
    ExportFormat,
    ExportFormatInfo,
    ExportLabels,
    Identity,
    Job,
    JobProgress,
    JobStatus,
    LabelKind,
    Page,
    Tracked,
)
from app.client.retry import RetryPolicy
from app.client.transfer import DownloadSink, Progress, dataset_form, guess_format, with_progress

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
W = TypeVar("W", bound=Tracked)
Id = uuid.UUID | str
PathLike = str | os.PathLike[str]

try:
    _VERSION = version("brigade")
except PackageNotFoundError:  # a source tree without install
    _VERSION = "0"
USER_AGENT = f"brigade-python/{_VERSION}"


@dataclass(frozen=True)
class Send:
    request: httpx.Request
    follow_redirects: bool = False
    sink: DownloadSink | None = None
    """Stream a successful response's body here instead of reading it into memory."""


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Emit(Generic[T]):
    item: T


Op = Generator[Send | Sleep, httpx.Response | None, T]
"""An operation that returns a T."""
Stream = Generator[Send | Sleep | Emit[T], httpx.Response | None, None]
"""An operation that hands out Ts one by one (pagination)."""


S = TypeVar("S", bound=Send | Sleep | Emit[Any])


def resume(
    op: Generator[S, httpx.Response | None, Any], outcome: httpx.Response | Exception | None
) -> S:
    """Hand an operation its step's outcome (an error is raised inside it) and get its next
    step; ``StopIteration`` carries its result."""
    if isinstance(outcome, Exception):
        return op.throw(outcome)
    return op.send(outcome)


class Route(NamedTuple):
    """An API operation the SDK calls; ``tests/client/test_openapi.py`` checks each exists in
    the server's OpenAPI document and that ``returns`` fits its answer: one object, a page
    (``Page`` of them) or a plain list."""

    method: str
    path: str
    returns: type[BaseModel] | None = None
    shape: Literal["one", "page", "list"] = "one"

    def url(self, **params: Id) -> str:
        return self.path.format(**{k: quote(str(v), safe="") for k, v in params.items()})


WHOAMI = Route("GET", "/auth/me", Identity)
CREATE_JOB = Route("POST", "/jobs", Job)
LIST_JOBS = Route("GET", "/jobs", Job, "page")
GET_JOB = Route("GET", "/jobs/{job_id}", Job)
UPDATE_JOB = Route("PATCH", "/jobs/{job_id}", Job)
CHANGE_JOB_STATUS = Route("POST", "/jobs/{job_id}/status", Job)
GET_JOB_PROGRESS = Route("GET", "/jobs/{job_id}/progress", JobProgress)
UPLOAD_DATASET = Route("POST", "/jobs/{job_id}/datasets", Dataset)
LIST_DATASETS = Route("GET", "/jobs/{job_id}/datasets", Dataset, "page")
GET_DATASET = Route("GET", "/datasets/{dataset_id}", Dataset)
CREATE_EXPORT = Route("POST", "/jobs/{job_id}/exports", Export)
LIST_EXPORTS = Route("GET", "/jobs/{job_id}/exports", Export, "page")
GET_EXPORT = Route("GET", "/exports/{export_id}", Export)
EXPORT_FORMATS = Route("GET", "/exports/formats", ExportFormatInfo, "list")
DOWNLOAD_EXPORT = Route("GET", "/exports/{export_id}/download")
ROUTES = (
    WHOAMI,
    CREATE_JOB,
    LIST_JOBS,
    GET_JOB,
    UPDATE_JOB,
    CHANGE_JOB_STATUS,
    GET_JOB_PROGRESS,
    UPLOAD_DATASET,
    LIST_DATASETS,
    GET_DATASET,
    CREATE_EXPORT,
    LIST_EXPORTS,
    GET_EXPORT,
    EXPORT_FORMATS,
    DOWNLOAD_EXPORT,
)

_FORMATS = TypeAdapter(list[ExportFormatInfo])

API_PREFIX = "/api/v1"
DEFAULT_WAIT = 3600.0  # seconds a wait_for_* call waits at most
FIRST_POLL = 0.1
POLL_EVERY = 5.0


def api_base(url: str) -> str:
    """``https://host[/prefix]`` → ``https://host[/prefix]/api/v1`` (given either way)."""
    url = url.rstrip("/")
    return url if url.endswith(API_PREFIX) else url + API_PREFIX


def _query(params: Mapping[str, Any]) -> dict[str, str | int | float | bool]:
    return {
        k: str(v) if isinstance(v, uuid.UUID) else v for k, v in params.items() if v is not None
    }


class Operations:
    """The calls, given a server, a token and a retry policy. Use ``Brigade`` or
    ``AsyncBrigade``; they run these."""

    def __init__(
        self, url: str | None = None, token: str | None = None, retry: RetryPolicy | None = None
    ) -> None:
        url = url or os.environ.get("BRIGADE_URL")
        token = token or os.environ.get("BRIGADE_TOKEN")
        if not url:
            raise InvalidArguments("No server: pass url= or set BRIGADE_URL.")
        if not token:
            raise InvalidArguments("No API token: pass token= or set BRIGADE_TOKEN.")
        self.base = api_base(url)
        self.retry = retry or RetryPolicy()
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }

    def request(
        self,
        route: Route,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Request:
        path = route.url(**kwargs.pop("path", {}))
        return httpx.Request(
            route.method,
            self.base + path,
            params=_query(params or {}),
            headers={**self._headers, **(headers or {})},
            **kwargs,
        )

    def call(
        self, request: httpx.Request, *, sink: DownloadSink | None = None, redirects: bool = False
    ) -> Op[httpx.Response]:
        """Send ``request`` until it succeeds, the policy gives up (raising the API's error or
        ``ConnectionFailed``), or an error arrives that must not be retried."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = yield Send(request, redirects, sink)
            except httpx.TransportError as exc:
                wait = self.retry.after_error(request, exc, attempt)
                if wait is None:
                    where = request.url.copy_with(query=None)  # presigned queries are secrets
                    tries = f"{attempt} tries" if attempt > 1 else "1 try"
                    raise ConnectionFailed(f"{request.method} {where}: {exc!r}, {tries}") from exc
            else:
                assert response is not None
                if response.is_success:
                    return response
                wait = self.retry.after_response(request, response, attempt)
                if wait is None:
                    raise api_error(response)
            yield Sleep(wait)

    def fetch(self, model: type[M], route: Route, **kwargs: Any) -> Op[M]:
        response = yield from self.call(self.request(route, **kwargs))
        return model.model_validate_json(response.content)

    def pages(self, model: type[M], route: Route, page_size: int, **kwargs: Any) -> Stream[M]:
        params = dict(kwargs.pop("params", {}))
        offset = 0
        while True:
            query = {**params, "limit": page_size, "offset": offset}
            page = yield from self.fetch(Page[model], route, params=query, **kwargs)  # type: ignore[valid-type]
            for item in page.items:
                yield Emit(item)
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return

    def poll(self, get: Callable[[], Op[W]], timeout: float, interval: float) -> Op[W]:
        """``get()`` until what it returns is finished. Quick at first (small uploads are
        ingested in a second), then every ``interval`` seconds; ``WaitTimeout`` after
        ``timeout``."""
        deadline = time.monotonic() + timeout
        pause = FIRST_POLL
        while True:
            tracked = yield from get()
            left = deadline - time.monotonic()
            if tracked.finished:
                return tracked
            if left <= 0:
                what = type(tracked).__name__.lower()
                raise WaitTimeout(f"Gave up waiting: {what} {tracked.id} is {tracked.status}.")
            yield Sleep(min(pause, left))
            pause = min(interval, pause * 1.5)

    # -- who am I ---------------------------------------------------------------------------

    def whoami(self) -> Op[Identity]:
        """The token's enterprise and role: a cheap check that url and token are right."""
        return self.fetch(Identity, WHOAMI)

    # -- jobs -------------------------------------------------------------------------------

    def create_job(
        self,
        *,
        name: str,
        kind: LabelKind,
        labels: Sequence[str | Mapping[str, Any]],
        price_per_item: Decimal | str | int,
        domain: str = "other",
        overlap: int = 3,
        instructions: str = "",
        vendor_ids: Sequence[Id] = (),
        deadline: datetime | None = None,
        label_options: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> Op[Job]:
        """Create a labeling job (a draft; ``start_job`` opens it to annotators).

        ``labels`` are names, or ``{"name", "title", "color", "shortcut"}`` objects;
        ``label_options`` adds the kind's own schema settings (``multi``, ``min_size_px``,
        ``max_points``, ``allow_overlap``); ``settings`` any other field of the API's
        ``JobCreate`` (quality control, lease_seconds, gold_rate …)."""
        schema = {
            "kind": kind,
            "labels": [{"name": x} if isinstance(x, str) else dict(x) for x in labels],
            **(label_options or {}),
        }
        body = {
            "name": name,
            "domain": domain,
            "label_schema": schema,
            "price_per_item": str(price_per_item),
            "overlap": overlap,
            "instructions": instructions,
            "vendor_ids": [str(v) for v in vendor_ids],
            "deadline": deadline.isoformat() if deadline else None,
            **(settings or {}),
        }
        return self.fetch(Job, CREATE_JOB, json={k: v for k, v in body.items() if v is not None})

    def get_job(self, job_id: Id) -> Op[Job]:
        return self.fetch(Job, GET_JOB, path={"job_id": job_id})

    def iter_jobs(self, *, status: JobStatus | None = None, page_size: int = 100) -> Stream[Job]:
        """Every job the token may see (all pages), newest first."""
        return self.pages(Job, LIST_JOBS, page_size, params={"status": status})

    def update_job(self, job_id: Id, changes: Mapping[str, Any]) -> Op[Job]:
        """Change fields of a job (the API's ``JobUpdate``); the label schema only in a draft."""
        return self.fetch(Job, UPDATE_JOB, path={"job_id": job_id}, json=dict(changes))

    def set_job_status(self, job_id: Id, status: JobStatus) -> Op[Job]:
        """draft → running | cancelled; running → paused | completed | cancelled; paused →
        running | completed | cancelled."""
        return self.fetch(Job, CHANGE_JOB_STATUS, path={"job_id": job_id}, json={"status": status})

    def start_job(self, job_id: Id) -> Op[Job]:
        return self.set_job_status(job_id, "running")

    def get_job_progress(self, job_id: Id) -> Op[JobProgress]:
        """Items done and remaining, labels, the current rate and the ETA, per vendor."""
        return self.fetch(JobProgress, GET_JOB_PROGRESS, path={"job_id": job_id})

    # -- datasets ---------------------------------------------------------------------------

    def upload_dataset(
        self,
        job_id: Id,
        files: PathLike | Sequence[PathLike],
        *,
        format: DatasetFormat | None = None,
        name: str | None = None,
        gold: bool = False,
        options: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        progress: Progress | None = None,
        wait: bool = False,
        timeout: float = DEFAULT_WAIT,
    ) -> Op[Dataset]:
        """Upload files into a job, streamed; returns the dataset as queued for ingest (or,
        with ``wait``, as ingest left it; ``IngestFailed`` if it failed).

        ``format`` is guessed from the suffixes when omitted (image files → ``images``).
        ``options`` are the API's other ingest options (``text_field``, ``answer_field``,
        ``mask_pii``, ``near_duplicates``, ``max_chars`` …). A fresh ``Idempotency-Key`` is
        sent unless one is given, which makes the upload safe to retry: a repeat returns the
        first dataset instead of a copy."""
        paths = [Path(files)] if isinstance(files, str | os.PathLike) else [Path(f) for f in files]
        fmt = format or guess_format(paths)
        fields = {"name": name, "gold": gold, **(options or {})}
        data, parts = dataset_form(paths, fmt, fields)
        key = idempotency_key or str(uuid.uuid4())
        request = self.request(
            UPLOAD_DATASET,
            path={"job_id": job_id},
            headers={"Idempotency-Key": key},
            data=data,
            files=parts,
        )
        try:
            response = yield from self.call(with_progress(request, progress))
        finally:
            for _, (_, handle) in parts:
                handle.close()
        dataset = Dataset.model_validate_json(response.content)
        if wait:
            dataset = yield from self.wait_for_dataset(dataset.id, timeout=timeout)
        return dataset

    def get_dataset(self, dataset_id: Id) -> Op[Dataset]:
        return self.fetch(Dataset, GET_DATASET, path={"dataset_id": dataset_id})

    def iter_datasets(self, job_id: Id, *, page_size: int = 100) -> Stream[Dataset]:
        return self.pages(Dataset, LIST_DATASETS, page_size, path={"job_id": job_id})

    def wait_for_dataset(
        self, dataset_id: Id, *, timeout: float = DEFAULT_WAIT, interval: float = POLL_EVERY
    ) -> Op[Dataset]:
        """Poll until ingest is over: the ready dataset, or ``IngestFailed``; ``WaitTimeout``
        after ``timeout`` seconds."""
        dataset = yield from self.poll(lambda: self.get_dataset(dataset_id), timeout, interval)
        if dataset.status == "failed":
            raise IngestFailed(dataset)
        return dataset

    # -- exports ----------------------------------------------------------------------------

    def create_export(
        self,
        job_id: Id,
        *,
        format: ExportFormat,
        labels: ExportLabels = "consensus",
        only_accepted: bool = False,
        min_confidence: float | None = None,
        submitted_from: datetime | None = None,
        submitted_to: datetime | None = None,
        include_gold: bool = False,
        image_urls: bool = True,
    ) -> Op[Export]:
        """Start an export of the job's labels (it runs in the background: see
        ``wait_for_export`` and ``download_export``). ``labels="consensus"`` gives one answer
        per item, ``"raw"`` every annotator's label too. ``only_accepted``: decided items
        (consensus) or accepted labels (raw); ``submitted_from``/``to`` (with a time zone):
        labels submitted, or items decided, in that window; ``image_urls``: a 7-day link to
        each image in the file."""
        body = {
            "format": format,
            "labels": labels,
            "only_accepted": only_accepted,
            "min_confidence": min_confidence,
            "submitted_from": submitted_from.isoformat() if submitted_from else None,
            "submitted_to": submitted_to.isoformat() if submitted_to else None,
            "include_gold": include_gold,
            "image_urls": image_urls,
        }
        return self.fetch(Export, CREATE_EXPORT, path={"job_id": job_id}, json=body)

    def export_formats(self) -> Op[list[ExportFormatInfo]]:
        """Every export format, with the label kinds it can hold."""
        response = yield from self.call(self.request(EXPORT_FORMATS))
        return _FORMATS.validate_json(response.content)

    def get_export(self, export_id: Id) -> Op[Export]:
        return self.fetch(Export, GET_EXPORT, path={"export_id": export_id})

    def iter_exports(self, job_id: Id, *, page_size: int = 100) -> Stream[Export]:
        return self.pages(Export, LIST_EXPORTS, page_size, path={"job_id": job_id})

    def wait_for_export(
        self, export_id: Id, *, timeout: float = DEFAULT_WAIT, interval: float = POLL_EVERY
    ) -> Op[Export]:
        """Poll until the export is done (returned) or failed (``ExportFailed``)."""
        export = yield from self.poll(lambda: self.get_export(export_id), timeout, interval)
        if export.status == "failed":
            raise ExportFailed(export)
        return export

    def download_export(
        self, export_id: Id, dest: PathLike = ".", *, progress: Progress | None = None
    ) -> Op[Path]:
        """Stream a finished export's file to ``dest`` (a file path, or a directory to put it
        in under the export's file name); returns the path written. The file is checked
        against the export's SHA-256; a broken transfer is retried from the start and never
        leaves a partial file at ``dest``."""
        export = yield from self.get_export(export_id)
        name = export.file_name or f"export-{export.id}"
        sink = DownloadSink(Path(dest), name, progress, sha256=export.sha256)
        request = self.request(DOWNLOAD_EXPORT, path={"export_id": export_id})
        try:
            # The API answers with a redirect to a short-lived presigned URL (object storage);
            # httpx drops the Authorization header when that URL is on another host.
            response = yield from self.call(request, sink=sink, redirects=True)
            return sink.finish(response)
        finally:
            sink.discard()
