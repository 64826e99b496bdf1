"""CoNLL-2003 style NER (BIO) for text spans (docs/exports.md).

Four space-separated columns per token, ``token -X- _ TAG`` (CoNLL-2003's layout with the POS and
chunk columns as placeholders, as Label Studio writes it), one document per item, each opened by
spaCy's document delimiter ``-DOCSTART- -X- O O`` and a blank line and closed by a blank line.
Tokens and tags follow ``tokens.py``; whitespace inside a label name becomes ``_`` in its tags
(columns are split on whitespace).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import BinaryIO

from app.exports.formats.base import WriteSummary, consensus_only, selected
from app.exports.formats.tokens import tag
from app.exports.records import ExportItem, ExportJob

DOCSTART = "-DOCSTART- -X- O O"
_SPACE = re.compile(r"\s")


def write(job: ExportJob, items: Iterable[ExportItem], out: BinaryIO, *, raw: bool) -> WriteSummary:
    consensus_only("conll", raw)
    summary = WriteSummary()
    known = set(job.labels)
    for item in selected(items, summary, raw=raw):
        text = item.text or ""
        tagged = tag(
            text, item.answer, mode=job.tokenize, known=known, item_id=item.item_id, summary=summary
        )
        if not tagged.tokens:
            summary.warn(f"item {item.item_id}: the text has no tokens; left out")
            summary.skipped += 1
            continue
        lines = [DOCSTART, ""]
        for (start, end), bio in zip(tagged.tokens, tagged.tags, strict=True):
            lines.append(f"{text[start:end]} -X- _ {_SPACE.sub('_', bio)}")
        lines.append("\n")
        out.write("\n".join(lines).encode())
        summary.items += 1
        summary.annotations += len(tagged.entities)
    return summary
