"""Moving over from Label Studio: a project's JSON export brought into a job whose data is
already uploaded here.

Each task is matched to an item of the job: a text uploaded from the same export by its Label
Studio id (ingest keeps it), else by its exact text; an image by the file name it was uploaded
under (Label Studio's upload prefix ``1a2b3c4d-`` ignored). Its annotations and predictions
are kept as they were made (``imported_labels``, with their authors, scores and times) after
the same validation as any submitted answer. An item with annotations is answered by them
(consensus ``imported``: one annotation is the answer; several classifications vote, other
kinds take the latest) and gets no labeling slots; predictions never answer. Importing the same
file again adds nothing. Tasks that are wrong are reported one by one and the rest imported.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import unquote, urlparse

import anyio
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.auth.principal import Principal
from app.datasets.service import target_job
from app.errors import InvalidInput
from app.exports.formats.label_studio_import import (
    ImportedTask,
    LabelStudioFileError,
    TaskProblem,
    read_tasks,
)
from app.imports import repository as repo
from app.imports.schemas import ImportReport
from app.labeling.answers import ItemFacts, LabelSchemaModel, parse_schema, validate_answer

BATCH = 500
MAX_PROBLEMS = 100
_LS_UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-")


def file_name_of(reference: str) -> str:
    """The file name in a Label Studio image reference (a URL, an ``s3://`` key or a path)."""
    path = unquote(urlparse(reference).path or reference)
    return PurePosixPath(path).name


class _Report:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.problems: list[str] = []
        self.more = 0

    def problem(self, message: str, *, count: str = "rejected") -> None:
        self.counts[count] += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)
        else:
            self.more += 1

    def out(self) -> ImportReport:
        c = self.counts
        return ImportReport(
            tasks=c["tasks"],
            matched=c["matched"],
            unmatched=c["unmatched"],
            rejected=c["rejected"],
            annotations=c["annotation"],
            predictions=c["prediction"],
            cancelled=c["cancelled"],
            already_imported=c["already"],
            prelabeled_items=c["prelabeled"],
            problems=self.problems,
            more_problems=self.more,
        )


class _Matcher:
    """Finds the item a task is about."""

    def __init__(self, refs: list[Any]) -> None:
        self.by_ls_id = {r.ls_id: r for r in refs if r.ls_id is not None}
        self.by_name: dict[str, Any] = {}
        ambiguous: set[str] = set()
        for r in refs:
            if r.source:
                name = PurePosixPath(r.source).name
                if name in self.by_name:
                    ambiguous.add(name)
                self.by_name[name] = r
        for name in ambiguous:
            self.by_name[name] = None  # two items with that name: cannot tell which

    def image(self, task: ImportedTask) -> Any | str | None:
        name = file_name_of(task.image or "")
        for candidate in (name, _LS_UPLOAD_PREFIX.sub("", name)):
            if candidate in self.by_name:
                found = self.by_name[candidate]
                return found if found is not None else f"two items are named {candidate!r}"
        return None


def _consensus(
    annotations: list[tuple[dict[str, Any], str | None]],
) -> tuple[dict[str, Any], float]:
    """The answer imported annotations (validated answer, when made) give their item, and the
    share that agree with it."""
    if len(annotations) == 1:
        return annotations[0][0], 1.0
    keyed = [orjson.dumps(answer, option=orjson.OPT_SORT_KEYS) for answer, _ in annotations]
    first = annotations[0][0]
    if "label" in first or "labels" in first:
        votes = Counter(keyed)
        best = max(votes, key=lambda k: (votes[k], -keyed.index(k)))  # ties: the first
    else:  # shapes and spans: the latest annotation (Label Studio's own "last one wins")
        latest = max(range(len(annotations)), key=lambda i: (annotations[i][1] or "", i))
        best = keyed[latest]
    chosen: dict[str, Any] = orjson.loads(best)
    return chosen, keyed.count(best) / len(keyed)


async def import_label_studio(
    session: AsyncSession, principal: Principal, job_id: Any, upload: BinaryIO
) -> ImportReport:
    job = await target_job(session, principal, job_id)
    schema = parse_schema(job.label_schema)
    tasks = read_tasks(
        upload,
        kind=schema.kind,
        labels=[label.name for label in schema.labels],
        multi=bool(getattr(schema, "multi", False)),
    )
    matcher = _Matcher(await repo.item_refs(session, job.id))
    report = _Report()
    while True:
        try:
            # Parsing is CPU work: a batch at a time in a thread, the loop stays free.
            batch = await anyio.to_thread.run_sync(lambda: list(islice(tasks, BATCH)))
        except LabelStudioFileError as exc:
            raise InvalidInput(f"file: {exc}") from None
        if not batch:
            break
        await _import_batch(session, job.id, principal, schema, matcher, batch, report)
    result = report.out()
    record(
        session,
        principal,
        "job.import_label_studio",
        target_type="job",
        target_id=job.id,
        enterprise_id=job.client_id,
        changes=result.model_dump(exclude={"problems"}),
    )
    return result


async def _import_batch(
    session: AsyncSession,
    job_id: Any,
    principal: Principal,
    schema: LabelSchemaModel,
    matcher: _Matcher,
    batch: list[ImportedTask | TaskProblem],
    report: _Report,
) -> None:
    found = await _by_text(session, job_id, matcher, batch)
    rows: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    for task in batch:
        report.counts["tasks"] += 1
        if isinstance(task, TaskProblem):
            report.problem(task.message())
            continue
        where = f"task {task.index}" + (f" (id {task.task_id})" if task.task_id is not None else "")
        item = matcher.image(task) if task.data_kind == "image" else found.get(task.index)
        if isinstance(item, str):
            report.problem(f"{where}: {item}")
            continue
        if item is None:
            report.problem(
                f"{where}: no item of this job matches it; upload its data first",
                count="unmatched",
            )
            continue
        facts = ItemFacts(width=item.width, height=item.height, text=item.text)
        try:
            valid = [
                (origin, n, a, validate_answer(schema, a.answer, facts, field=f"{origin}s[{n}]"))
                for origin, given in (
                    ("annotation", task.annotations),
                    ("prediction", task.predictions),
                )
                for n, a in enumerate(given)
            ]
        except InvalidInput as exc:
            shown = "; ".join(f"{f.field}: {f.message}" for f in exc.fields or ())
            report.problem(f"{where}: {shown or exc.detail}")
            continue
        report.counts["matched"] += 1
        report.counts["cancelled"] += task.cancelled
        for origin, n, a, answer in valid:
            rows.append(
                {
                    "item_id": item.id,
                    "origin": origin,
                    "source_id": str(a.ref) if a.ref is not None else f"task-{task.index}-{n}",
                    "author": a.author,
                    "answer": answer,
                    "score": a.score,
                    "made_at": a.created_at,
                }
            )
        annotated = [
            (answer, a.created_at) for origin, _, a, answer in valid if origin == "annotation"
        ]
        if annotated:
            chosen, share = _consensus(annotated)
            answers.append(
                {"item_id": item.id, "answer": chosen, "confidence": share, "n": len(annotated)}
            )
    new = await repo.insert_labels(session, job_id, principal.user_id, rows)
    for r in new:
        report.counts[r.origin] += 1
    report.counts["already"] += len(rows) - len(new)
    await repo.answer_items(session, job_id, answers)
    report.counts["prelabeled"] += len(answers)


async def _by_text(
    session: AsyncSession, job_id: Any, matcher: _Matcher, batch: list[ImportedTask | TaskProblem]
) -> dict[int, Any]:
    """Text tasks' items: by the Label Studio id ingest kept, else by the exact text."""
    found: dict[int, Any] = {}
    wanted: dict[str, list[int]] = {}
    for task in _texts(batch):
        known = matcher.by_ls_id.get(str(task.task_id)) if task.task_id is not None else None
        if known is not None:
            found[task.index] = known
        elif task.text is not None:
            digest = hashlib.sha256(task.text.encode("utf-8")).hexdigest()
            wanted.setdefault(digest, []).append(task.index)
    if wanted:
        for r in await repo.items_by_hash(session, job_id, list(wanted)):
            for index in wanted[r.content_sha256]:
                found[index] = r
    return found


def _texts(batch: list[ImportedTask | TaskProblem]) -> Iterator[ImportedTask]:
    return (t for t in batch if isinstance(t, ImportedTask) and t.data_kind == "text")
