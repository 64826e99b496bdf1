"""The client commands of ``brigade`` against the real app: the blocking SDK underneath reaches
it through ``AppBridge`` (handed to the command as its context object), on a worker thread."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cli import cli
from app.models import Enterprise
from tests.client.bridge import AppBridge
from tests.client.conftest import BASE_URL, Customer


async def brigade(bridge: AppBridge, customer: Customer | None, *args: str) -> Result:
    env = {"BRIGADE_URL": BASE_URL, "BRIGADE_TOKEN": customer.token if customer else ""}
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, cli, list(args), env=env, obj=bridge)


async def make_job(bridge: AppBridge, customer: Customer, vendor: Enterprise) -> str:
    result = await brigade(
        bridge,
        customer,
        *("jobs", "create", "--name", "Reviews", "--kind", "text_classification"),
        *("--labels", "positive, negative,neutral", "--price", "0.05", "--overlap", "2"),
        *("--vendor", str(vendor.id), "--start", "--json"),
    )
    assert result.exit_code == 0, result.output
    job = json.loads(result.stdout)
    assert [x["name"] for x in job["label_schema"]["labels"]] == ["positive", "negative", "neutral"]
    assert (job["status"], job["overlap"], job["vendor_ids"]) == ("running", 2, [str(vendor.id)])
    job_id: str = job["id"]
    return job_id


async def upload_into_new_job(
    bridge: AppBridge, customer: Customer, vendor: Enterprise, file: Path
) -> tuple[str, Result]:
    """A running job, and what ``brigade datasets upload JOB FILE --wait`` said."""
    job_id = await make_job(bridge, customer, vendor)
    return job_id, await brigade(
        bridge, customer, "datasets", "upload", job_id, str(file), "--wait"
    )


@pytest.mark.usefixtures("worker")
async def test_create_upload_and_follow_a_job(
    bridge: AppBridge, customer: Customer, vendor: Enterprise, tmp_path: Path
) -> None:
    file = tmp_path / "reviews.txt"
    file.write_text("好评\n差评\n一般\n")
    job_id, upload = await upload_into_new_job(bridge, customer, vendor, file)
    status = await brigade(bridge, customer, "jobs", "status", job_id)
    as_json = await brigade(bridge, customer, "jobs", "status", job_id, "--json")

    assert upload.exit_code == 0, upload.output
    assert "ready: 3 received, 3 accepted, 0 rejected, 0 duplicates, 3 tasks" in upload.stdout
    assert "Uploading" in upload.stderr
    assert status.exit_code == 0, status.output
    lines = status.stdout.splitlines()
    assert lines[0].startswith(f"Job      {job_id}  running")
    assert "Items    0 / 3 done (0%), 3 to go" in lines[1]
    assert "Labels   0 / 6" in lines[2]
    assert lines[3].startswith("Rate     -")
    assert lines[5].startswith(f"Vendor   {vendor.id}: 0 labels")
    assert json.loads(as_json.stdout)["items_total"] == 3


async def test_refusals_show_the_servers_detail_and_fields(
    bridge: AppBridge, customer: Customer
) -> None:
    bad = await brigade(
        bridge,
        customer,
        *("jobs", "create", "--name", " ", "--kind", "image_boxes", "--labels", "car"),
        *("--price", "5000000"),
    )
    missing = await brigade(bridge, customer, "jobs", "status", "0" * 32)

    assert bad.exit_code == 1
    assert "  name: " in bad.stderr
    assert "  price_per_item: " in bad.stderr
    assert "(422 ValidationError)" in bad.stderr
    assert missing.exit_code == 1
    assert "(404 NotFound)" in missing.stderr


async def test_usage_errors_exit_2(bridge: AppBridge, customer: Customer, tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("text\nx\n")
    b.write_text("text\ny\n")

    no_token = await brigade(bridge, None, "jobs", "status", "0" * 32)
    two_files = await brigade(bridge, customer, "datasets", "upload", "0" * 32, str(a), str(b))

    assert (no_token.exit_code, two_files.exit_code) == (2, 2)
    assert "BRIGADE_TOKEN" in no_token.stderr
    assert "csv is one file per upload; 2 were given" in two_files.stderr


@pytest.mark.usefixtures("worker")
async def test_a_failed_ingest_exits_3(
    bridge: AppBridge, customer: Customer, vendor: Enterprise, tmp_path: Path
) -> None:
    file = tmp_path / "reviews.csv"
    file.write_text("id,body\n1,good\n")
    _, result = await upload_into_new_job(bridge, customer, vendor, file)

    assert result.exit_code == 3, result.output
    assert "failed to ingest" in result.stderr


@pytest.mark.usefixtures("worker")
async def test_export_waits_and_downloads_the_file(
    bridge: AppBridge, customer: Customer, vendor: Enterprise, tmp_path: Path
) -> None:
    file = tmp_path / "reviews.txt"
    file.write_text("好评\n差评\n")
    job_id, upload = await upload_into_new_job(bridge, customer, vendor, file)
    assert upload.exit_code == 0, upload.output
    out = tmp_path / "labels.jsonl"

    queued = await brigade(bridge, customer, "export", job_id, "--format", "jsonl", "--no-wait")
    options = ("--format", "jsonl", "--out", str(out), "--timeout", "10")
    result = await brigade(bridge, customer, "export", job_id, *options)
    unfit = await brigade(bridge, customer, "export", job_id, "--format", "coco")

    assert queued.exit_code == 0, queued.output
    assert queued.stdout.startswith("Export ")
    assert queued.stdout.rstrip().endswith(" queued.")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{out}  (2 items, jsonl, consensus labels)")
    assert len(out.read_text().splitlines()) == 2
    assert unfit.exit_code == 1
    assert "format: coco cannot hold text_classification labels" in unfit.stderr
