"""CoNLL: every token line aligns with the text, tags follow BIO, the entities read back from the
tags are the spans; spaCy's CoNLL-2003 reader (``spacy convert --converter ner``) agrees."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, cast

from spacy.tokens import Doc
from spacy.training.converters.conll_ner_to_docs import conll_ner_to_docs

from app.exports.formats.conll import DOCSTART
from app.exports.records import ExportItem
from tests.exports.formats.records import export_job, run, spans, text_item

LABELS = ("PER", "ORG", "LOC", "street name")

ZH = "张三在北京大学读书，去年去了上海。"
ZH_MIXED = "小明 用 iPhone 15 在 深圳 拍照\n北京上海"
EN = "Angela Merkel visited Paris, then New York-based firms."


def documents(data: str) -> list[list[tuple[str, str]]]:
    """The (token, tag) lines of each document, checking the layout on the way."""
    assert data.startswith(DOCSTART + "\n\n")
    docs = []
    for block in data.split(DOCSTART + "\n")[1:]:
        assert block.startswith("\n")
        assert block.endswith("\n\n")
        lines = block.strip("\n").split("\n")
        rows = [line.split(" ") for line in lines]
        assert all(len(row) == 4 and row[1:3] == ["-X-", "_"] for row in rows), lines
        docs.append([(row[0], row[3]) for row in rows])
    return docs


def entities_from_bio(text: str, lines: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Entities as character offsets, finding each token in the text (whitespace skipped)."""
    found: list[list[Any]] = []
    position = 0
    previous = "O"
    for token, tag in lines:
        while text[position].isspace():
            position += 1
        assert text.startswith(token, position), (token, text[position:])
        start, position = position, position + len(token)
        assert re.fullmatch(r"O|[BI]-\S+", tag), tag
        if tag.startswith("I-"):
            # BIO: I- only continues an entity of the same label
            assert previous != "O", tag
            assert previous[2:] == tag[2:], (previous, tag)
            found[-1][1] = position
        elif tag.startswith("B-"):
            found.append([start, position, tag[2:]])
        previous = tag
    assert text[position:].strip() == ""
    return [(s, e, label) for s, e, label in found]


def expected(item: ExportItem) -> list[tuple[int, int, str]]:
    assert item.answer is not None
    return [(s["start"], s["end"], s["label"]) for s in item.answer["spans"]]


def test_chinese_is_tokenized_by_character_and_tags_give_back_the_spans() -> None:
    items = [
        text_item(1, ZH, spans(ZH, ("张三", "PER"), ("北京大学", "ORG"), ("上海", "LOC"))),
        text_item(
            2, ZH_MIXED, spans(ZH_MIXED, ("iPhone 15", "ORG"), ("北京", "LOC"), ("上海", "LOC"))
        ),
    ]
    data, summary = run("conll", export_job("text_spans", LABELS), items)
    docs = documents(data.decode())

    assert len(docs) == 2
    for item, lines in zip(items, docs, strict=True):
        assert item.text is not None
        assert "".join(t for t, _ in lines) == re.sub(r"\s", "", item.text)
        assert all(len(token) == 1 for token, _ in lines)
        assert entities_from_bio(item.text, lines) == expected(item)
    assert docs[0][:4] == [("张", "B-PER"), ("三", "I-PER"), ("在", "O"), ("北", "B-ORG")]
    # two entities side by side: the second starts again with B-
    assert docs[1][-4:] == [("北", "B-LOC"), ("京", "I-LOC"), ("上", "B-LOC"), ("海", "I-LOC")]
    assert (summary.items, summary.annotations, summary.warnings) == (2, 6, [])


def test_whitespace_tokens_are_cut_where_a_span_starts_or_ends() -> None:
    job = export_job("text_spans", LABELS, tokenize="whitespace")
    item = text_item(
        1, EN, spans(EN, ("Angela Merkel", "PER"), ("Paris", "LOC"), ("New York", "LOC"))
    )
    data, _ = run("conll", job, [item])
    (lines,) = documents(data.decode())

    assert [t for t, _ in lines] == [
        "Angela", "Merkel", "visited", "Paris", ",", "then", "New", "York", "-based", "firms.",
    ]  # fmt: skip
    assert entities_from_bio(EN, lines) == expected(item)


def test_spans_are_trimmed_and_overlaps_resolved_with_warnings() -> None:
    text = "住在 北京 朝阳区 的 李四"
    answer = {
        "spans": [
            {"label": "LOC", "start": 2, "end": 6, "text": " 北京 "},  # whitespace around
            {"label": "LOC", "start": 6, "end": 9, "text": "朝阳区"},
            {"label": "street name", "start": 7, "end": 9, "text": "阳区"},  # overlaps
            {"label": "PER", "start": 9, "end": 10, "text": " "},  # only whitespace
            {"label": "street name", "start": 12, "end": 14, "text": "李四"},
        ]
    }
    data, summary = run("conll", export_job("text_spans", LABELS), [text_item(1, text, answer)])
    (lines,) = documents(data.decode())

    assert entities_from_bio(text, lines) == [(3, 5, "LOC"), (6, 9, "LOC"), (12, 14, "street_name")]
    assert lines[-2:] == [("李", "B-street_name"), ("四", "I-street_name")]
    assert summary.warnings == [
        "item 1: span [9, 10) 'PER' covers only whitespace; left out",
        "item 1: span [7, 9) 'street name' overlaps [6, 9) 'LOC'; one tag per token keeps the"
        " first, this one is left out",
    ]


def test_spacy_reads_the_file_as_conll_2003() -> None:
    items = [
        text_item(1, ZH, spans(ZH, ("张三", "PER"), ("北京大学", "ORG"), ("上海", "LOC"))),
        text_item(2, "没有实体。", {"spans": []}),
        text_item(3, "   ", {"spans": []}),  # no tokens: left out
        text_item(4, "还没定", None),  # open: left out
    ]
    data, summary = run("conll", export_job("text_spans", LABELS), items)
    read = cast(Callable[..., Iterator[Doc]], conll_ner_to_docs)  # spaCy leaves it untyped
    docs = list(read(data.decode(), no_print=True))

    assert [d.text.replace(" ", "") for d in docs] == [
        "张三在北京大学读书，去年去了上海。",
        "没有实体。",
    ]
    assert [(e.text.replace(" ", ""), e.label_) for e in docs[0].ents] == [
        ("张三", "PER"),
        ("北京大学", "ORG"),
        ("上海", "LOC"),
    ]
    assert list(docs[1].ents) == []
    assert (summary.items, summary.skipped) == (2, 2)
