# ruff: noqa: RUF001, RUF002  (full-width characters are the subject of this module)
"""Text cleaning for uploaded items: decode, normalize, and record what was changed.

Offsets everywhere (PII spans, annotators' NER spans) are code-point indices (Python ``str``
indices) into the *cleaned* text, which is what gets stored; the original is not kept.

Cleaning, in order (each step records a count in ``CleanText.steps`` only when it changed
something, so ``steps == {}`` means the text arrived clean):

1. ``line_endings``: ``\\r\\n``, ``\\r``, ``\\v``, ``\\f``, NEL (U+0085), LS and PS
   (U+2028/9) become ``\\n``.
2. ``control_chars``: control (Cc), format (Cf) and surrogate (Cs) code points are removed,
   except ``\\n`` and ``\\t`` (tabs become spaces in step 4). Zero-width joiner U+200D is kept
   only between two emoji-like characters (So symbols, skin-tone modifiers, VS16), so ZWJ
   sequences such as 👩‍💻 or 🏳️‍🌈 survive while stray ZWJs are removed like ZWSP, bidi marks,
   soft hyphens and BOMs. Tag characters (Cf) are removed, so flag subdivision sequences
   (🏴 + tags, e.g. Scotland) degrade to 🏴. Removal runs *before* NFKC so that a removed
   character cannot leave a not-yet-normalized sequence behind (idempotence).
3. ``nfkc``: Unicode NFKC, except the full-width punctuation a Chinese input method types:
   ``，！？：；（）～`` and ``…`` (so ``……``) and ``￥``. Plain NFKC would turn these into ASCII
   (``，`` -> ``,``, ``……`` -> ``......``) and change what annotators read; ``。、【】《》“”‘’—·``
   are not touched by NFKC at all. Everything else NFKC does stays: full-width Latin and digits
   become ASCII (``ＡＢＣ１２３`` -> ``ABC123``), ideographic space U+3000 and NBSP become spaces,
   half-width katakana become full-width, CJK compatibility ideographs and Kangxi radicals
   become the unified ideographs (visually identical), and compatibility symbols are spelled
   out (``①`` -> ``1``, ``㎡`` -> ``m2``, ``℃`` -> ``°C``, ``™`` -> ``TM``, ``m²`` -> ``m2``).
   CJK ideographs themselves are unchanged.
4. ``whitespace``: every run of horizontal whitespace (spaces, tabs, other spaces left by NFKC)
   becomes one space; the count is the number of runs replaced.
5. ``trimmed``: characters removed by trimming spaces at line ends and spaces/newlines at both
   ends of the text.
6. ``blank_lines``: runs of 3+ newlines become 2 (at most one empty line).
7. Length checks on the cleaned text: ``TextRejected`` ``"too_long"``, then (after masking)
   ``"empty"`` / ``"too_short"``.
8. ``pii`` (only with ``mask_pii=True``): see ``app.ingest.pii``; masking never makes a text
   longer, and its spans are offsets into the final text.

``sha256`` is the hex digest of the final text's UTF-8, the exact-duplicate key. With masking on,
texts that differ only in masked values get the same key: they are stored identically.

Cleaning is idempotent: ``clean_text(clean_text(x).text)`` returns the same text with empty steps.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from app.ingest.pii import PiiSpan
from app.ingest.pii import mask_pii as mask_pii_in

RejectCode = Literal["invalid_utf8", "empty", "too_short", "too_long"]

_BOM = "\ufeff"
# Full-width punctuation kept as typed (see the module docstring, step 3).
_KEEP_PUNCT = "，！？：；（）～…￥"
_KEEP_SPLIT = re.compile(f"([{_KEEP_PUNCT}]+)")
_LINE_ENDINGS = re.compile("\r\n|[\r\v\f\x85\u2028\u2029]")
# Anything step 4-6 would change: a non-space blank, two blanks in a row, a space beside a
# newline, three newlines, or a blank at either end.
_WS_WORK = re.compile(r"[^\S\n ]| [ \n]|\n |\n\n\n|\A[ \n]|[ \n]\Z")
_HWS_RUN = re.compile(r"[^\S\n]{2,}|[^\S\n ]")
_BLANK_LINES = re.compile(r"\n{3,}")
# Planes that hold every Cc, Cf, Cs, P* and So code point (the rest are ideographs, private
# use and unassigned): scanning only these keeps the lazy class build at ~30 ms.
_SCANNED = (range(0x0, 0x20000), range(0xE0000, 0xE1000))


class TextRejected(Exception):
    """An item that cannot be stored; ``code`` is stable for programs, the message for people."""

    def __init__(self, code: RejectCode, message: str, *, byte_offset: int | None = None) -> None:
        super().__init__(message)
        self.code: RejectCode = code
        self.message = message
        self.byte_offset = byte_offset


@dataclass(frozen=True, slots=True)
class CleanText:
    text: str
    sha256: str
    steps: dict[str, int | bool]
    pii_spans: list[PiiSpan]


def decode_utf8(raw: bytes) -> str:
    """Strict UTF-8 (no overlongs, no encoded surrogates); a leading BOM is dropped."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start]
        raise TextRejected(
            "invalid_utf8",
            f"not valid UTF-8 at byte offset {exc.start} (byte 0x{bad:02x}: {exc.reason}); "
            "re-export the file as UTF-8",
            byte_offset=exc.start,
        ) from None
    return text[1:] if text.startswith(_BOM) else text


def clean_text(
    text: str, *, max_chars: int = 100_000, min_chars: int = 1, mask_pii: bool = False
) -> CleanText:
    steps: dict[str, int | bool] = {}
    # isprintable() is False for every Cc/Cf/Cs/Zl/Zp and every blank but " ": one fast C loop
    # decides that most items need neither of the first two (regex) steps.
    if not text.isprintable():
        text = _breaks_and_controls(text, steps)
    if not unicodedata.is_normalized("NFKC", text):
        normalized = _nfkc(text)
        if normalized != text:
            steps["nfkc"] = True
            text = normalized
    if _needs_whitespace_work(text):
        text = _whitespace(text, steps)

    if len(text) > max_chars:
        raise TextRejected(
            "too_long",
            f"text has {len(text)} characters after cleaning; at most {max_chars} are allowed",
        )
    spans: list[PiiSpan] = []
    if mask_pii:
        text, spans = mask_pii_in(text)
        if spans:
            steps["pii"] = len(spans)
    if len(text) < min_chars:
        if not text:
            raise TextRejected(
                "empty", "text is empty after removing whitespace and control characters"
            )
        raise TextRejected(
            "too_short",
            f"text has {len(text)} characters after cleaning; at least {min_chars} are required",
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return CleanText(text=text, sha256=digest, steps=steps, pii_spans=spans)


def _breaks_and_controls(text: str, steps: dict[str, int | bool]) -> str:
    text, n = _LINE_ENDINGS.subn("\n", text)
    if n:
        steps["line_endings"] = n
    text, n = _controls().subn("", text)
    if n:
        steps["control_chars"] = n
    return text


def _nfkc(text: str) -> str:
    """NFKC except the kept Chinese punctuation (for a text that is not NFKC already)."""
    without_kept = text
    for ch in _KEEP_PUNCT:
        if ch in without_kept:
            without_kept = without_kept.replace(ch, "")
    if without_kept is text:
        return unicodedata.normalize("NFKC", text)
    # Typical Chinese prose is NFKC apart from its ，！？: checked before any splitting.
    if unicodedata.is_normalized("NFKC", without_kept):
        return text
    # The kept characters are starters with no compositions, so normalizing the pieces between
    # them equals normalizing the whole text minus their own mapping.
    parts = _KEEP_SPLIT.split(text)
    parts[::2] = [unicodedata.normalize("NFKC", p) for p in parts[::2]]
    return "".join(parts)


def _needs_whitespace_work(text: str) -> bool:
    if text.isprintable():  # the only blank left is " "
        return "  " in text or text.startswith(" ") or text.endswith(" ")
    return _WS_WORK.search(text) is not None


def _whitespace(text: str, steps: dict[str, int | bool]) -> str:
    text, n = _HWS_RUN.subn(" ", text)
    if n:
        steps["whitespace"] = n
    length = len(text)
    # Runs are single spaces now, so one pass each way trims every line.
    if " \n" in text or "\n " in text:
        text = text.replace(" \n", "\n").replace("\n ", "\n")
    text = text.strip(" \n")
    if length != len(text):
        steps["trimmed"] = length - len(text)
    text, n = _BLANK_LINES.subn("\n\n", text)
    if n:
        steps["blank_lines"] = n
    return text


def _char_class(predicate: Callable[[str], bool], planes: Iterable[range] = _SCANNED) -> str:
    """Body of a regex character class (ranges) for the code points where ``predicate`` holds."""
    parts: list[str] = []
    points = (cp for cp in itertools.chain.from_iterable(planes) if predicate(chr(cp)))
    for _, run in itertools.groupby(enumerate(points), key=lambda t: t[1] - t[0]):
        cps = [cp for _, cp in run]
        first, last = cps[0], cps[-1]
        parts.append(_escape(first) if first == last else f"{_escape(first)}-{_escape(last)}")
    return "".join(parts)


def _escape(cp: int) -> str:
    return f"\\U{cp:08x}"


@cache
def _controls() -> re.Pattern[str]:
    """Built from the running Python's Unicode database, once per process (~30 ms)."""
    controls = _char_class(
        lambda c: unicodedata.category(c) in ("Cc", "Cf", "Cs") and c not in "\n\t\u200d"
    )
    emoji = _char_class(_emoji_like)
    # A ZWJ goes unless an emoji-like character stands on both sides of it.
    return re.compile(f"[{controls}]|\u200d(?:(?<![{emoji}]\u200d)|(?![{emoji}]))")


def _emoji_like(c: str) -> bool:
    cp = ord(c)
    if cp == 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF:  # VS16, skin-tone modifiers
        return True
    # NFKC-stable only: a symbol NFKC spells out (™ -> TM) must not keep a ZWJ it then loses.
    return unicodedata.category(c) == "So" and unicodedata.normalize("NFKC", c) == c
