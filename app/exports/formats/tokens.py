"""Tokens and entity tags for the token-level formats (CoNLL, spaCy), from character spans.

Tokenization (``ExportJob.tokenize``):

* ``char``: every non-whitespace code point is a token (Chinese NER corpora do the same, Latin
  letters and digits included);
* ``whitespace``: maximal runs of non-whitespace, additionally cut at every entity boundary, so
  that an entity covering part of a run ("Paris" in "Paris,") keeps its exact extent.

Entities are the answer's spans, made fit for one tag per token: surrounding whitespace is
trimmed off a span (a span of only whitespace is dropped), and where spans overlap (jobs that
allow it) the one starting first, the longer on a tie, is kept and the others are dropped, each
with a warning. With these rules every token lies wholly inside one entity or outside all, so the
tags give back the entities exactly.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from app.exports.formats.base import WriteSummary

Tokenize = Literal["char", "whitespace"]
Token = tuple[int, int]  # [start, end) in code points


@dataclass(frozen=True, slots=True)
class Entity:
    start: int
    end: int
    label: str


@dataclass(frozen=True, slots=True)
class Tagged:
    tokens: list[Token]
    tags: list[str]  # BIO: "O", "B-<label>", "I-<label>"
    entities: list[Entity]


def tag(
    text: str,
    answer: Mapping[str, Any] | None,
    *,
    mode: Tokenize,
    known: Container[str],
    item_id: int,
    summary: WriteSummary,
) -> Tagged:
    """The text's tokens with the BIO tags of the answer's spans."""
    found = entities(text, answer, known=known, item_id=item_id, summary=summary)
    tokens = tokenize(text, mode, found)
    return Tagged(tokens, bio(tokens, found), found)


def entities(
    text: str,
    answer: Mapping[str, Any] | None,
    *,
    known: Container[str],
    item_id: int,
    summary: WriteSummary,
) -> list[Entity]:
    """The answer's spans as non-overlapping entities in text order (see the module)."""
    trimmed: list[Entity] = []
    for span in (answer or {}).get("spans", ()):
        start, end, label = span["start"], span["end"], span["label"]
        where = f"item {item_id}: span [{start}, {end}) {label!r}"
        if label not in known:
            summary.warn(f"{where} is not a label of the job; left out")
            continue
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            summary.warn(f"{where} covers only whitespace; left out")
            continue
        trimmed.append(Entity(start, end, label))
    trimmed.sort(key=lambda e: (e.start, -e.end, e.label))
    kept: list[Entity] = []
    for entity in trimmed:
        if kept and entity.start < kept[-1].end:
            other = kept[-1]
            summary.warn(
                f"item {item_id}: span [{entity.start}, {entity.end}) {entity.label!r} overlaps"
                f" [{other.start}, {other.end}) {other.label!r}; one tag per token keeps the"
                " first, this one is left out"
            )
            continue
        kept.append(entity)
    return kept


def tokenize(text: str, mode: Tokenize, cuts: list[Entity]) -> list[Token]:
    if mode == "char":
        return [(i, i + 1) for i, c in enumerate(text) if not c.isspace()]
    bounds = sorted({e.start for e in cuts} | {e.end for e in cuts})
    tokens: list[Token] = []
    start: int | None = None
    b = 0
    for i, c in enumerate(text):
        while b < len(bounds) and bounds[b] < i:
            b += 1
        cut = b < len(bounds) and bounds[b] == i
        if c.isspace() or cut:
            if start is not None:
                tokens.append((start, i))
            start = None if c.isspace() else i
        elif start is None:
            start = i
    if start is not None:
        tokens.append((start, len(text)))
    return tokens


def bio(tokens: list[Token], found: list[Entity]) -> list[str]:
    """Tags for tokens sorted by offset; an entity's first token is B-, the others I-."""
    tags: list[str] = []
    e = 0
    inside = False
    for start, end in tokens:
        while e < len(found) and found[e].end <= start:
            e += 1
            inside = False
        if e < len(found) and found[e].start <= start and end <= found[e].end:
            tags.append(("I-" if inside else "B-") + found[e].label)
            inside = True
        else:
            tags.append("O")
    return tags


def biluo(tags: list[str]) -> list[str]:
    """BIO tags as BILUO (spaCy's scheme): a one-token entity is U-, an entity's last token L-."""
    out: list[str] = []
    for i, current in enumerate(tags):
        following = tags[i + 1] if i + 1 < len(tags) else "O"
        continues = following.startswith("I-")
        if current.startswith("B-"):
            out.append(("B-" if continues else "U-") + current[2:])
        elif current.startswith("I-"):
            out.append(("I-" if continues else "L-") + current[2:])
        else:
            out.append(current)
    return out
