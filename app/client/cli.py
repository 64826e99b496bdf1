"""Client commands of ``brigade`` (for companies' programs and people at a terminal, with an
API token): ``jobs create|start|status``, ``datasets upload``, ``export``. Built on the SDK only.

Exit codes: 0 done, 1 the server refused or could not be reached, 2 bad arguments, 3 ingest or
export failed, 4 gave up waiting (the work goes on on the server).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, NoReturn

import httpx
import typer

from app.client.errors import (
    ApiError,
    BrigadeError,
    ExportFailed,
    IngestFailed,
    InvalidArguments,
    WaitTimeout,
)
from app.client.models import (
    Dataset,
    DatasetFormat,
    ExportFormat,
    ExportLabels,
    JobProgress,
    LabelKind,
    Model,
)
from app.client.sync import Brigade
from app.client.transfer import Progress

PANEL = "Client (API token)"

jobs = typer.Typer(help="Labeling jobs: create, start, follow.", no_args_is_help=True)
datasets = typer.Typer(help="Data for a job: upload files.", no_args_is_help=True)

Url = Annotated[
    str | None,
    typer.Option("--url", envvar="BRIGADE_URL", help="Server, e.g. https://brigade.example.com"),
]
Token = Annotated[
    str | None,
    typer.Option("--token", envvar="BRIGADE_TOKEN", help="API token (brg_…)", show_default=False),
]
Json = Annotated[bool, typer.Option("--json", help="Print the API's JSON instead")]
Timeout = Annotated[float, typer.Option(help="Seconds to wait at most")]


def _fail(message: str, code: int) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@contextmanager
def _brigade(ctx: typer.Context, url: str | None, token: str | None) -> Iterator[Brigade]:
    """The SDK client, and the SDK's errors as messages and exit codes. ``ctx.obj`` may hold
    an httpx transport to use (tests reach an app in-process that way)."""
    transport = ctx.obj if isinstance(ctx.obj, httpx.BaseTransport) else None
    try:
        with Brigade(url, token, transport=transport) as brigade:
            yield brigade
    except ApiError as exc:
        for field in exc.fields:
            typer.echo(f"  {field.field}: {field.message}", err=True)
        _fail(f"{exc.detail} ({exc.status_code} {exc.error})", 1)
    except InvalidArguments as exc:
        _fail(str(exc), 2)
    except (IngestFailed, ExportFailed) as exc:
        _fail(str(exc), 3)
    except WaitTimeout as exc:
        _fail(str(exc), 4)
    except BrigadeError as exc:
        _fail(str(exc), 1)


def _print_json(model: Model) -> None:
    typer.echo(model.model_dump_json(indent=2))


class _Bar:
    """A progress bar on stderr, shown from the first bytes on (rich's if installed, else one
    line rewritten in place)."""

    def __init__(self, description: str) -> None:
        self.description = description
        self._update: Progress | None = None
        self._stop: Callable[[], None] = lambda: None

    def __call__(self, done: int, total: int | None) -> None:
        if self._update is None:
            self._update = self._start()
        self._update(done, total)

    def _start(self) -> Progress:
        try:
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, TextColumn, TransferSpeedColumn
            from rich.progress import Progress as RichProgress
        except ImportError:  # pragma: no cover - typer brings rich
            self._stop = lambda: print(file=sys.stderr)
            return self._line
        columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
        bar = RichProgress(*columns, TransferSpeedColumn(), console=Console(stderr=True))
        bar.start()
        self._stop = bar.stop
        task = bar.add_task(self.description, total=None)
        return lambda done, total: bar.update(task, completed=done, total=total)

    def _line(self, done: int, total: int | None) -> None:
        shown = f"{done * 100 // total}%" if total else f"{done} bytes"
        print(f"\r{self.description} {shown}", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        self._stop()


@contextmanager
def _progress(description: str) -> Iterator[Progress]:
    bar = _Bar(description)
    try:
        yield bar
    finally:
        bar.close()


# -- jobs -----------------------------------------------------------------------------------


@jobs.command("create")
def create_job(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Unique among your jobs")],
    kind: Annotated[LabelKind, typer.Option(help="What annotators produce")],
    labels: Annotated[str, typer.Option(help="Label names, comma-separated: car,person")],
    price: Annotated[Decimal, typer.Option(help="CNY per accepted item, e.g. 0.35")],
    overlap: Annotated[int, typer.Option(help="Labels per item")] = 3,
    domain: Annotated[str, typer.Option(help="ecommerce, search, maps, medical, …")] = "other",
    vendor: Annotated[
        list[str] | None, typer.Option(help="A vendor to admit (repeat for several)")
    ] = None,
    instructions: Annotated[str, typer.Option(help="Shown to annotators")] = "",
    start: Annotated[bool, typer.Option(help="Open it to annotators at once")] = False,
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Create a labeling job (a draft, unless --start)."""
    names = [n.strip() for n in labels.split(",") if n.strip()]
    with _brigade(ctx, url, token) as brigade:
        job = brigade.create_job(
            name=name,
            kind=kind,
            labels=names,
            price_per_item=price,
            domain=domain,
            overlap=overlap,
            instructions=instructions,
            vendor_ids=vendor or [],
        )
        if start:
            job = brigade.start_job(job.id)
    if json:
        _print_json(job)
    else:
        typer.echo(
            f"Job {job.id} created: {job.name} ({kind}, {overlap} labels/item, {job.status})"
        )


@jobs.command("start")
def start_job(ctx: typer.Context, job_id: str, url: Url = None, token: Token = None) -> None:
    """Open a draft (or paused) job to annotators."""
    with _brigade(ctx, url, token) as brigade:
        job = brigade.start_job(job_id)
    typer.echo(f"Job {job.id} is {job.status}.")


def _eta(eta: datetime | None) -> str:
    if eta is None:
        return "-"
    hours = (eta - datetime.now(UTC)).total_seconds() / 3600
    return f"{eta:%Y-%m-%d %H:%M} UTC (in {hours:.1f} h)"


def _show_progress(p: JobProgress) -> None:
    share = f"{p.items_done * 100 / p.items_total:.0f}%" if p.items_total else "-"
    rate = f"{p.rate_per_hour:.1f} labels/hour" if p.rate_per_hour is not None else "-"
    rows = [
        ("Job", f"{p.job_id}  {p.status}  ({p.overlap} labels/item)"),
        (
            "Items",
            f"{p.items_done} / {p.items_total} done ({share}), {p.items_remaining} to go, "
            f"{p.items_in_progress} in progress",
        ),
        ("Labels", f"{p.labels_submitted} / {p.labels_needed}, {p.leases_held} leases held"),
        ("Rate", f"{rate} (last hour {p.labels_last_hour}, last 24 h {p.labels_last_24h})"),
        ("ETA", _eta(p.eta)),
    ]
    rows += [
        (
            "Vendor",
            f"{v.vendor_id}: {v.labels} labels, {v.annotators} annotators, "
            f"{v.held} held, {v.skips} skips",
        )
        for v in p.vendors
    ]
    if p.datasets_processing:
        rows.append(("Datasets", f"{p.datasets_processing} still ingesting"))
    for title, text in rows:
        typer.echo(f"{title:<9}{text}")


@jobs.command("status")
def job_status(
    ctx: typer.Context, job_id: str, url: Url = None, token: Token = None, json: Json = False
) -> None:
    """How far a job is: items, labels, the current rate and the ETA."""
    with _brigade(ctx, url, token) as brigade:
        progress = brigade.get_job_progress(job_id)
    _print_json(progress) if json else _show_progress(progress)


# -- datasets -------------------------------------------------------------------------------


def _dataset_line(d: Dataset) -> str:
    counts = (
        f"{d.received} received, {d.accepted} accepted, {d.rejected} rejected, "
        f"{d.duplicates} duplicates, {d.tasks} tasks"
    )
    return f"Dataset {d.id} {d.status}: {counts}" if d.finished else f"Dataset {d.id} {d.status}"


@datasets.command("upload")
def upload(
    ctx: typer.Context,
    job_id: str,
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)],
    format: Annotated[
        DatasetFormat | None,
        typer.Option(help="Default: from the suffixes (image files: images)"),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Default: the file name")] = None,
    gold: Annotated[bool, typer.Option(help="Known-answer items for quality control")] = False,
    wait: Annotated[bool, typer.Option(help="Wait for ingest to finish")] = False,
    timeout: Timeout = 3600,
    url: Url = None,
    token: Token = None,
    json: Json = False,
) -> None:
    """Upload files into a job (streamed, with a progress bar); ingest runs on the server."""
    with _brigade(ctx, url, token) as brigade:
        with _progress("Uploading") as progress:
            dataset = brigade.upload_dataset(
                job_id, files, format=format, name=name, gold=gold, progress=progress
            )
        if wait:
            typer.echo(f"Dataset {dataset.id} uploaded; waiting for ingest…", err=True)
            dataset = brigade.wait_for_dataset(dataset.id, timeout=timeout)
    if json:
        _print_json(dataset)
    else:
        typer.echo(_dataset_line(dataset))


# -- export ---------------------------------------------------------------------------------


def export(
    ctx: typer.Context,
    job_id: str,
    format: Annotated[ExportFormat, typer.Option(help="File format")],
    labels: Annotated[
        ExportLabels, typer.Option(help="consensus: one answer per item; raw: every label")
    ] = "consensus",
    only_accepted: Annotated[bool, typer.Option(help="Only labels QC accepted")] = False,
    min_confidence: Annotated[
        float | None, typer.Option(help="Only items decided at least this sure (0-1)")
    ] = None,
    out: Annotated[
        Path, typer.Option(help="File to write, or a directory for the server's file name")
    ] = Path("."),
    wait: Annotated[bool, typer.Option(help="Wait for the export and download it")] = True,
    timeout: Timeout = 3600,
    url: Url = None,
    token: Token = None,
) -> None:
    """Export a job's labels (COCO, YOLO, VOC, CSV, CoNLL, …) and download the file."""
    with _brigade(ctx, url, token) as brigade:
        started = brigade.create_export(
            job_id,
            format=format,
            labels=labels,
            only_accepted=only_accepted,
            min_confidence=min_confidence,
        )
        if not wait:
            typer.echo(f"Export {started.id} {started.status}.")
            return
        typer.echo(f"Export {started.id} {started.status}; waiting…", err=True)
        done = brigade.wait_for_export(started.id, timeout=timeout)
        with _progress("Downloading") as progress:
            path = brigade.download_export(done.id, out, progress=progress)
    typer.echo(f"{path}  ({done.items_written} items, {done.format}, {done.labels} labels)")


def register(cli: typer.Typer) -> None:
    """Add the client commands to a ``brigade`` command line."""
    cli.add_typer(jobs, name="jobs", rich_help_panel=PANEL)
    cli.add_typer(datasets, name="datasets", rich_help_panel=PANEL)
    cli.command("export", rich_help_panel=PANEL)(export)
