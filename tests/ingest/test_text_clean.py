# ruff: noqa: RUF001  (full-width characters are what these tests are about)
"""Cleaning of uploaded text items: decoding, normalization, recorded steps, limits, idempotence."""

from __future__ import annotations

import hashlib
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ingest.pii import PiiKind
from app.ingest.text_clean import TextRejected, clean_text, decode_utf8

# The autouse DB fixture of tests/conftest.py is function-scoped; these tests do not use it.
hsettings = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


@pytest.mark.parametrize(
    ("raw", "offset"),
    [
        (b"abc\xff", 3),
        ("你好".encode() + b"\xe4\xb8", 6),  # truncated sequence at the end
        (b"ok\xc0\xaf", 2),  # overlong "/"
        (b"\xed\xa0\x80", 0),  # an encoded surrogate
        ("第一行\n".encode() + b"\x80rest", 10),
    ],
)
def test_invalid_utf8_reports_the_byte_offset(raw: bytes, offset: int) -> None:
    with pytest.raises(TextRejected) as info:
        decode_utf8(raw)
    assert info.value.code == "invalid_utf8"
    assert info.value.byte_offset == offset
    assert f"byte offset {offset}" in str(info.value)


def test_decode_strips_a_leading_bom_only() -> None:
    assert decode_utf8(b"\xef\xbb\xbf\xe4\xbd\xa0\xe5\xa5\xbd") == "你好"
    assert decode_utf8("a\ufeffb".encode()) == "a\ufeffb"  # not leading: cleaning removes it
    assert clean_text("a\ufeffb").text == "ab"


def test_full_width_latin_digits_and_space_become_ascii() -> None:
    result = clean_text("ＡＢＣ１２３\u3000ｘｙｚ")
    assert result.text == "ABC123 xyz"
    assert result.steps == {"nfkc": True}


def test_chinese_punctuation_is_kept() -> None:
    text = "你好，世界！真的吗？是的：好；（括号）～……￥100。、【书】《书名》“引号”‘单’——·"
    # Plain NFKC would rewrite several of these; cleaning must not.
    assert unicodedata.normalize("NFKC", "，！？：；（）～…￥") == ",!?:;()~...¥"
    result = clean_text(text)
    assert result.text == text
    assert result.steps == {}


def test_nfkc_applies_around_kept_punctuation() -> None:
    result = clean_text("Ｈｅｌｌｏ，世界！ＡＢＣ")
    assert result.text == "Hello，世界！ABC"
    assert result.steps == {"nfkc": True}


def test_compatibility_characters_are_spelled_out() -> None:
    assert clean_text("①㈱㎡℃ﾊﾝｶｸ").text == "1(株)m2°Cハンカク"


def test_whitespace_is_collapsed_and_trimmed() -> None:
    result = clean_text("  第一行 \t\t 还是第一行  \n\n\n\n   第二段\t")
    assert result.text == "第一行 还是第一行\n\n第二段"
    # Runs become one space first, so four single spaces are trimmed.
    assert result.steps == {"whitespace": 5, "trimmed": 4, "blank_lines": 1}


def test_a_single_tab_becomes_a_space() -> None:
    result = clean_text("名称\t数量")
    assert result.text == "名称 数量"
    assert result.steps == {"whitespace": 1}


def test_line_endings_become_newlines() -> None:
    result = clean_text("a\r\nb\rc\u2028d\x85e\x0bf\x0cg")
    assert result.text == "a\nb\nc\nd\ne\nf\ng"
    assert result.steps == {"line_endings": 6}


def test_control_and_format_characters_are_removed() -> None:
    result = clean_text("a\x00b\u200bc\u202ed\x7fe\u00adf\ud800g")
    assert result.text == "abcdefg"
    assert result.steps == {"control_chars": 6}


def test_zwj_is_kept_inside_emoji_sequences_only() -> None:
    assert (
        clean_text("程序员👩\u200d💻和🏳\ufe0f\u200d🌈").text == "程序员👩\u200d💻和🏳\ufe0f\u200d🌈"
    )
    assert clean_text("👩🏽\u200d🚀").text == "👩🏽\u200d🚀"
    result = clean_text("a\u200db 👩\u200d 💻")
    assert result.text == "ab 👩 💻"
    assert result.steps == {"control_chars": 2}
    # A symbol that NFKC spells out does not keep its ZWJ (the result would not be stable).
    assert clean_text("™\u200d🚀").text == "TM🚀"


def test_an_empty_text_is_rejected() -> None:
    with pytest.raises(TextRejected) as info:
        clean_text(" \t\n\u200b\u3000\r\n")
    assert info.value.code == "empty"


def test_length_limits_apply_to_the_cleaned_text() -> None:
    assert clean_text("a" + " " * 50, max_chars=1).text == "a"
    assert clean_text("a" * 10, max_chars=10).text == "a" * 10
    with pytest.raises(TextRejected) as info:
        clean_text("a" * 11, max_chars=10)
    assert info.value.code == "too_long"
    assert "11 characters" in str(info.value)
    assert "at most 10" in str(info.value)
    with pytest.raises(TextRejected) as info:
        clean_text("好 ", min_chars=2)
    assert info.value.code == "too_short"
    assert "at least 2" in str(info.value)


def test_sha256_is_of_the_cleaned_text() -> None:
    a = clean_text("  你好，世界\r\n")
    b = clean_text("你好，世界")
    assert a.sha256 == b.sha256 == hashlib.sha256("你好，世界".encode()).hexdigest()


def test_pii_is_masked_only_on_request() -> None:
    text = "请联系 138-1234-5678 或 li.si@example.cn 。"
    plain = clean_text(text)
    assert plain.text == text
    assert plain.pii_spans == []
    assert "pii" not in plain.steps
    masked = clean_text(text, mask_pii=True)
    assert masked.text == "请联系 [手机号] 或 [邮箱] 。"
    assert masked.steps == {"pii": 2}
    assert [s.kind for s in masked.pii_spans] == [PiiKind.PHONE, PiiKind.EMAIL]
    for span in masked.pii_spans:
        assert masked.text[span.start : span.end] == span.mask
    assert masked.sha256 == hashlib.sha256(masked.text.encode()).hexdigest()


def test_masking_after_cleaning_sees_normalized_digits() -> None:
    masked = clean_text("手机：１３８１２３４５６７８", mask_pii=True)
    assert masked.text == "手机：[手机号]"
    assert masked.steps == {"nfkc": True, "pii": 1}


TRICKY = [
    " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\u3000", "\u00a0",
    "\u200b", "\u200d", "\ufeff", "\u202e", "\ud800", "\x00", "，", "！", "…", "￥", "。",
    "Ａ", "１", "a", "e", "\u0301", "\u00b4", "™", "👩", "💻", "\ufe0f", "🏽", "㈱", "ｶ",
    "\u3099", "가", "\u1100", "\u1161", "你", "好", "1", "3", "8", "@", "-", "+",
]  # fmt: skip


def _clean_or_none(text: str, **kwargs: bool) -> str | None:
    try:
        return clean_text(text, **kwargs).text
    except TextRejected:
        return None


@hsettings
@given(st.text(alphabet=st.sampled_from(TRICKY), max_size=40) | st.text(max_size=60))
def test_cleaning_is_idempotent(text: str) -> None:
    once = _clean_or_none(text)
    if once is None:
        return
    again = clean_text(once)
    assert again.text == once
    assert again.steps == {}


@hsettings
@given(st.text(alphabet=st.sampled_from(TRICKY), max_size=40))
def test_cleaning_with_masking_is_idempotent(text: str) -> None:
    once = _clean_or_none(text, mask_pii=True)
    if once is not None:
        assert clean_text(once, mask_pii=True).text == once


@hsettings
@given(st.text(alphabet=st.sampled_from(TRICKY), max_size=40) | st.text(max_size=60))
def test_cleaned_text_has_no_control_or_stray_blanks(text: str) -> None:
    cleaned = _clean_or_none(text)
    if cleaned is None:
        return
    assert cleaned == cleaned.strip()
    for bad in ("  ", " \n", "\n ", "\n\n\n", "\t", "\r"):
        assert bad not in cleaned
    for i, ch in enumerate(cleaned):
        category = unicodedata.category(ch)
        if ch == "\u200d":
            assert 0 < i < len(cleaned) - 1
        else:
            assert category not in ("Cf", "Cs", "Zl", "Zp")
            assert category != "Cc" or ch == "\n"


def test_control_and_format_code_points_outside_the_bmp_are_removed_too() -> None:
    # The removal class (and the emoji class for ZWJ) is built by scanning planes 0, 1 and 14
    # only; check that no Cc, Cf, Cs or So code point lives elsewhere in this Python's Unicode.
    elsewhere = [
        cp
        for cp in range(0x20000, 0x110000)
        if not 0xE0000 <= cp < 0xE1000 and unicodedata.category(chr(cp)) in ("Cc", "Cf", "Cs", "So")
    ]
    assert elsewhere == []
    tagged = "旗\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f子"
    assert clean_text(tagged).text == "旗\U0001f3f4子"
    assert clean_text("a\U0001bca0b\U0001d173c").text == "abc"
