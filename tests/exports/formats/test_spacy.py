"""spaCy: ``spacy convert`` (its JSON converter) turns the export into a ``.spacy`` corpus whose
documents are the items' texts exactly, with the spans as entities or the classes as cats."""

from __future__ import annotations

import importlib
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin
from spacy.training import offsets_to_biluo_tags

from app.exports.records import ExportItem, ExportJob
from tests.exports.formats.records import export_job, run, save, spans, text_item

LABELS = ("PER", "ORG", "LOC")

ZH = "张三在北京大学读书，去年去了上海。"
SPACED = "  小明 用 iPhone 15 在 深圳\n\n拍照  \t北京上海 "
EN = "Angela  Merkel visited Paris, then New York-based firms.\n"


def convert(tmp_path: Path, job: ExportJob, items: list[ExportItem]) -> list[Doc]:
    """``python -m spacy convert export.json corpus/ --converter json``, then the corpus read."""
    data, _ = run("spacy", job, items)
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = save(tmp_path, "export.json", data)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    cli = importlib.import_module("spacy.cli.convert")  # the module, not its re-exported command
    cli.convert(source, corpus, file_type="spacy", converter="json", n_sents=0)
    nlp = spacy.blank("xx")
    return list(DocBin().from_disk(corpus / "export.spacy").get_docs(nlp.vocab))


def ents(doc: Doc) -> list[tuple[int, int, str]]:
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents]


def expected(item: ExportItem) -> list[tuple[int, int, str]]:
    assert item.answer is not None
    return [(s["start"], s["end"], s["label"]) for s in item.answer["spans"]]


def test_spans_become_entities_of_documents_with_the_exact_text(tmp_path: Path) -> None:
    items = [
        text_item(1, ZH, spans(ZH, ("张三", "PER"), ("北京大学", "ORG"), ("上海", "LOC"))),
        text_item(
            2, SPACED, spans(SPACED, ("iPhone 15", "ORG"), ("深圳\n\n拍照", "LOC"), ("上海", "LOC"))
        ),
        text_item(3, "没有实体", {"spans": []}),
    ]
    docs = convert(tmp_path, export_job("text_spans", LABELS), items)

    assert [d.text for d in docs] == [item.text for item in items]
    for doc, item in zip(docs, items, strict=True):
        assert ents(doc) == expected(item)
    assert [t.text for t in docs[0]][:3] == ["张", "三", "在"]


def test_whitespace_tokens_follow_spacys_conventions(tmp_path: Path) -> None:
    job = export_job("text_spans", LABELS, tokenize="whitespace")
    item = text_item(1, EN, spans(EN, ("Angela  Merkel", "PER"), ("New York", "LOC")))
    (doc,) = convert(tmp_path, job, [item])

    assert doc.text == EN
    assert ents(doc) == expected(item)
    assert [(t.text, t.whitespace_) for t in doc][:3] == [
        ("Angela", " "),
        (" ", ""),
        ("Merkel", " "),
    ]
    assert [t.text for t in doc][-3:] == ["-based", "firms.", "\n"]


def test_character_tokens_agree_with_spacys_chinese_tokenizer() -> None:
    """spaCy's own blank Chinese pipeline (character segmentation) finds every span aligned."""
    nlp = spacy.blank("zh")
    for text, answer in [
        (ZH, spans(ZH, ("张三", "PER"), ("北京大学", "ORG"), ("上海", "LOC"))),
        (SPACED, spans(SPACED, ("iPhone 15", "ORG"), ("上海", "LOC"))),
    ]:
        offsets = [(s["start"], s["end"], s["label"]) for s in answer["spans"]]
        assert "-" not in offsets_to_biluo_tags(nlp.make_doc(text), offsets)


def test_text_classification_fills_cats(tmp_path: Path) -> None:
    items = [
        text_item(1, "这家店很好吃", {"label": "正面"}),
        text_item(2, "一般", {"label": "中性"}),
    ]
    docs = convert(tmp_path, export_job("text_classification", ("正面", "负面", "中性")), items)
    assert [d.text for d in docs] == ["这家店很好吃", "一般"]
    assert docs[0].cats == {"正面": 1.0, "负面": 0.0, "中性": 0.0}
    assert docs[1].cats == {"正面": 0.0, "负面": 0.0, "中性": 1.0}

    multi = export_job("text_classification", ("food", "service"), multi=True)
    (doc,) = convert(
        tmp_path / "multi", multi, [text_item(3, "ok", {"labels": ["food", "service"]})]
    )
    assert doc.cats == {"food": 1.0, "service": 1.0}
