"""spaCy's JSON training format (docs/exports.md): what ``python -m spacy convert export.json
corpus/`` turns into a ``.spacy`` file for ``spacy train``.

A JSON array with one document per item: ``{"id", "paragraphs": [{"raw": text, "sentences":
[{"tokens": [{"id", "orth", "space", "ner"}]}], "cats": [...]}]}``. Tokens follow ``tokens.py``
plus spaCy's convention for whitespace (``space`` when one " " follows a token, any other
whitespace a token of its own), so the document's text is the item's text exactly; ``ner`` holds
BILUO tags (text spans). Text classification fills ``cats`` (1.0 for the chosen labels, 0.0 for
the others) instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO

from app.exports.formats.base import WriteSummary, classes, consensus_only, dumps, selected
from app.exports.formats.tokens import Token, biluo, bio, entities, tokenize
from app.exports.records import ExportItem, ExportJob


def write(job: ExportJob, items: Iterable[ExportItem], out: BinaryIO, *, raw: bool) -> WriteSummary:
    consensus_only("spacy", raw)
    summary = WriteSummary()
    known = set(job.labels)
    out.write(b"[")
    for item in selected(items, summary, raw=raw):
        text = item.text or ""
        paragraph: dict[str, Any] = {"raw": text}
        found = []
        if job.kind == "text_spans":
            found = entities(text, item.answer, known=known, item_id=item.item_id, summary=summary)
        words = tokenize(text, job.tokenize, found)
        if not words:
            summary.warn(f"item {item.item_id}: the text has no tokens; left out")
            summary.skipped += 1
            continue
        tokens = spacy_tokens(text, words)
        tags: list[str | None] = [None] * len(tokens)
        if job.kind == "text_spans":
            tags = list(biluo(bio([span for span, _ in tokens], found)))
            summary.annotations += len(found)
        else:
            chosen = set(classes(item.answer))
            paragraph["cats"] = [
                {"label": name, "value": 1.0 if name in chosen else 0.0} for name in job.labels
            ]
            summary.annotations += 1
        paragraph["sentences"] = [
            {"tokens": [_token(i, text, *token, tags[i]) for i, token in enumerate(tokens)]}
        ]
        out.write(b",\n" if summary.items else b"\n")
        out.write(dumps({"id": item.item_id, "paragraphs": [paragraph]}))
        summary.items += 1
    out.write(b"\n]\n")
    return summary


def spacy_tokens(text: str, tokens: list[Token]) -> list[tuple[Token, bool]]:
    """The tokens with spaCy's trailing-space flag, and whitespace other than a single space
    after a token as tokens of their own (without the flag)."""
    out: list[tuple[Token, bool]] = []
    position = 0
    for start, end in [*tokens, (len(text), len(text))]:
        if start > position:  # whitespace before this token
            gap_start = position
            if out and text[position] == " ":
                out[-1] = (out[-1][0], True)
                gap_start += 1
            if gap_start < start:
                out.append(((gap_start, start), False))
        if end > start:
            out.append(((start, end), False))
        position = end
    return out


def _token(i: int, text: str, span: Token, space: bool, ner: str | None) -> dict[str, Any]:
    token: dict[str, Any] = {"id": i, "orth": text[span[0] : span[1]], "space": space}
    if ner is not None:
        token["ner"] = ner
    return token
