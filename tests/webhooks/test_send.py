"""One POST, without the database: where it may go and what a failure says."""

from __future__ import annotations

import pytest

from app.config import WebhookSettings
from app.webhooks.delivery import send
from tests.webhooks.conftest import Receiver

PUBLIC_ONLY = WebhookSettings()
ANYWHERE = WebhookSettings(allow_private_networks=True, timeout_seconds=2)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://localhost:9/",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://0.0.0.0/",
        "http://[::1]:9/",
        "http://[::ffff:127.0.0.1]:9/",
        "http://[fe80::1]/",
        "https://[fd00::1]/",
        "http://224.0.0.1/",
    ],
)
async def test_private_loopback_and_link_local_addresses_are_refused(url: str) -> None:
    attempt = await send(url, b"{}", {}, PUBLIC_ONLY)
    assert attempt.status_code is None
    assert attempt.error is not None
    assert "webhooks only call public addresses" in attempt.error


async def test_redirects_are_not_followed(receiver: Receiver) -> None:
    receiver.answers = [302]
    attempt = await send(receiver.url, b"{}", {}, ANYWHERE)
    assert attempt.status_code == 302
    assert attempt.error == "HTTP 302: redirects are not followed: register the URL it points to"
    assert len(receiver.requests) == 1


async def test_an_unreachable_or_unknown_host_is_a_failed_attempt() -> None:
    refused = await send("http://127.0.0.1:9/", b"{}", {}, ANYWHERE)  # discard port: closed
    assert refused.status_code is None
    assert refused.error is not None
    assert refused.error.startswith("ConnectError")
    unknown = await send("https://no-such-host.invalid/hook", b"{}", {}, ANYWHERE)
    assert unknown.error is not None
    assert unknown.error.startswith("cannot resolve no-such-host.invalid")
