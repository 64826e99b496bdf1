"""Sending one delivery: the signed POST, where it may go, and what each attempt records.

Called by the ``brigade.deliver_webhook`` job (workers/jobs.py). No database transaction is
held while the receiver answers: the row is read, the POST made, then the attempt recorded.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import socket
import time
import uuid
from dataclasses import dataclass

import anyio
import httpx
import orjson
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import WebhookSettings
from app.kit.crypto import unseal
from app.kit.db import session_scope
from app.models import DeliveryStatus, Webhook, WebhookDelivery
from app.webhooks import repository

log = structlog.get_logger(__name__)

SECRET_PURPOSE = "webhook-signing-secret"
USER_AGENT = "Brigade-Webhooks/1"
_MAX_ERROR = 500
_MAX_ANSWER = 300  # characters of a failing receiver's answer kept in the log

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class DeliveryFailed(Exception):
    """An attempt failed and another will follow (the job raises it so procrastinate retries)."""


@dataclass(frozen=True)
class Attempt:
    status_code: int | None
    error: str | None  # None: the receiver answered 2xx


def body_of(delivery: WebhookDelivery) -> bytes:
    """The POST body: the same bytes at every attempt of one delivery."""
    envelope = {
        "id": str(delivery.id),
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return orjson.dumps(envelope)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``: the time is signed with the body,
    so a receiver can refuse old (replayed) requests."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _public(ip: IPAddress) -> bool:
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return (mapped or ip).is_global and not ip.is_multicast


async def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]


async def _target(url: httpx.URL, settings: WebhookSettings) -> tuple[httpx.URL, str | None]:
    """The URL with its host replaced by the address checked here, so the connection goes where
    the check allowed (a DNS answer changing in between cannot redirect it), and the name TLS
    must verify. Raises ``DeliveryFailed`` for a private address unless the settings allow it."""
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        addresses = await _resolve(url.host, port)
    except OSError as exc:
        raise DeliveryFailed(f"cannot resolve {url.host}: {exc}") from None
    if not addresses:
        raise DeliveryFailed(f"{url.host} has no address")
    if not settings.allow_private_networks:
        for ip in addresses:
            if not _public(ip):
                raise DeliveryFailed(
                    f"{url.host} resolves to {ip}, a private, loopback or link-local address:"
                    " webhooks only call public addresses"
                )
    named = url.host if str(addresses[0]) != url.host else None
    return url.copy_with(host=str(addresses[0])), named


async def _answer_head(response: httpx.Response) -> str:
    head = b""
    async for chunk in response.aiter_bytes():
        head += chunk
        if len(head) >= _MAX_ANSWER:
            break
    return head[:_MAX_ANSWER].decode("utf-8", "replace").strip()


async def send(
    url: str, body: bytes, headers: dict[str, str], settings: WebhookSettings
) -> Attempt:
    """POST once, within ``timeout_seconds`` all told; never follows redirects."""
    parsed = httpx.URL(url)
    try:
        pinned, tls_name = await _target(parsed, settings)
    except DeliveryFailed as exc:
        return Attempt(None, str(exc))
    headers = {**headers, "Host": parsed.netloc.decode("ascii")}
    extensions = {"sni_hostname": tls_name} if tls_name and parsed.scheme == "https" else {}
    timeout = settings.timeout_seconds
    try:
        async with (
            asyncio.timeout(timeout),
            httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream(
                "POST", pinned, content=body, headers=headers, extensions=extensions
            ) as response,
        ):
            code = response.status_code
            answer = "" if response.is_success else await _answer_head(response)
    except (httpx.TimeoutException, TimeoutError):
        return Attempt(None, f"no answer within {timeout:g} s")
    except (httpx.HTTPError, OSError) as exc:
        return Attempt(None, f"{type(exc).__name__}: {exc}"[:_MAX_ERROR])
    if response.is_success:
        return Attempt(code, None)
    if response.is_redirect:
        answer = "redirects are not followed: register the URL it points to"
    return Attempt(code, (f"HTTP {code}: {answer}" if answer else f"HTTP {code}")[:_MAX_ERROR])


async def _load(
    session: AsyncSession, delivery_id: uuid.UUID
) -> tuple[WebhookDelivery, Webhook] | None:
    stmt = (
        select(WebhookDelivery, Webhook)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.id == delivery_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else (row[0], row[1])


PAUSED = "not sent: the webhook is paused; resume it, then redeliver"


async def _attempt(
    webhook: Webhook, delivery: WebhookDelivery, secret: str, settings: WebhookSettings
) -> Attempt:
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Brigade-Event": delivery.event,
        "Brigade-Delivery": str(delivery.id),
        "Brigade-Signature": sign(secret, int(time.time()), body),
    }
    return await send(webhook.url, body, headers, settings)


async def deliver(
    maker: async_sessionmaker[AsyncSession],
    server_secret: bytes,
    delivery_id: uuid.UUID,
    settings: WebhookSettings,
    *,
    final: bool,
) -> DeliveryStatus | None:
    """One attempt, recorded on the delivery. Raises ``DeliveryFailed`` when it failed and it
    was not the ``final`` one; None when the delivery is gone (its webhook was deleted)."""
    async with session_scope(maker) as session:
        loaded = await _load(session, delivery_id)
    if loaded is None:
        return None
    delivery, webhook = loaded
    if delivery.status is DeliveryStatus.SUCCEEDED:
        return delivery.status  # a duplicate of a job that already delivered it
    try:
        secret = unseal(server_secret, SECRET_PURPOSE, webhook.secret_sealed)
    except ValueError as exc:  # the server's secret changed since the webhook was made
        attempt, final = Attempt(None, f"{exc}: delete the webhook and create it again"), True
    else:
        if not webhook.is_active:  # paused after this was queued: not sent, and no retries
            attempt, final = Attempt(None, PAUSED), True
        else:
            attempt = await _attempt(webhook, delivery, secret, settings)
    async with session_scope(maker) as session:
        status = await repository.record_attempt(
            session,
            delivery_id,
            status_code=attempt.status_code,
            error=attempt.error,
            final=final,
        )
    log.info(
        "webhook_attempt",
        delivery_id=str(delivery_id),
        webhook_id=str(webhook.id),
        webhook_event=delivery.event,
        status_code=attempt.status_code,
        error=attempt.error,
        outcome=status,
    )
    if attempt.error is not None and not final:
        raise DeliveryFailed(attempt.error)
    return status
