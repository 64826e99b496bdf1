"""Personal data in Chinese text: find it, or replace it with a fixed token per kind.

Kinds and what counts (the input is expected to be NFKC text, as ``clean_text`` produces: only
ASCII digits, ``+``, ``-``, ``@`` are recognized, not their full-width forms):

- ``id_card``: an 18-character mainland resident ID number: a province-level region code
  (GB/T 2260 first two digits, plus 81/82/83 for the Hong Kong/Macao/Taiwan residence permits
  that share the format), a real birth date between 1900-01-01 and today, three digits, and a
  valid GB 11643-1999 check character (``0-9`` or ``X``/``x``). Only the province is checked
  (county codes change over time and old IDs keep theirs). Not recognized: 15-digit
  first-generation IDs (expired since 2013) and IDs written with spaces inside.
- ``phone``: a mainland mobile number ``1[3-9]`` + 9 digits, written ``13812345678``,
  ``138 1234 5678`` or ``138-1234-5678``, optionally after ``+86``/``86``/``0086`` (attached or
  followed by a space or dash).
- ``email``: ``local@domain.tld`` with an ASCII local part of at most 64 characters and a
  letters-only top-level domain.
- ``bank_card``: 13 to 19 digits passing the Luhn check, written in one run or in groups of 4
  (``6222 0212 3456 7890 123``), that is not a valid resident ID.

"Not part of a longer digit run": numbers are read as runs of digit groups joined by single
spaces or dashes (``2024 13812345678``, ``138-1234-5678-9``); a value is always a whole number of
groups, so the 11 digits inside ``913812345678`` or ``13812345678901`` are no phone number. Where
matches overlap, an email wins (``13812345678@163.com`` is one email, masked whole), then a
resident ID, then a phone, then a bank card.

Masking replaces each value with a fixed Chinese token (users and annotators are
Chinese-speaking first): ``[身份证号]``, ``[手机号]``, ``[邮箱]``, ``[银行卡号]``. A fixed
token tells the annotator what stood there (useful for NER and for judging the text) without
leaking the value or its length; a length-preserving mask (``***``) would keep offsets of the
original, but the original is never stored, and every offset is defined on the masked text
anyway. Each token is shorter than any value of its kind, so masking never lengthens a text.
Spans report the kind, the token and where it now stands; never the original value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class PiiKind(StrEnum):
    ID_CARD = "id_card"
    PHONE = "phone"
    EMAIL = "email"
    BANK_CARD = "bank_card"


MASKS: dict[PiiKind, str] = {
    PiiKind.ID_CARD: "[身份证号]",
    PiiKind.PHONE: "[手机号]",
    PiiKind.EMAIL: "[邮箱]",
    PiiKind.BANK_CARD: "[银行卡号]",
}


@dataclass(frozen=True, slots=True)
class PiiMatch:
    """A value found in the text: ``text[start:end]`` (the value itself is not copied here)."""

    kind: PiiKind
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """A mask token in the masked text: ``masked[start:end] == mask``."""

    kind: PiiKind
    start: int
    end: int
    mask: str


_DIGIT = re.compile(r"[0-9]")
# A run of digit groups joined by single spaces/dashes; the check character X only at the very
# end (the end of an ID). Starting with a digit class lets the regex engine skip ahead fast; a
# "+" before "86" is picked up afterwards.
_NUMBER = re.compile(r"[0-9]+(?:[ -][0-9]+)*(?:[Xx](?![0-9]))?")
_GROUP = re.compile(r"[0-9]+[Xx]?")
_MIN_NUMBER = 11  # the shortest value read from digits: a phone number without prefix
_PHONE = re.compile(r"1[3-9][0-9]{9}")
_PHONE_PREFIXES = ("+86", "0086", "86")
_LOCAL_MAX = 64
_LOCAL_REVERSED = re.compile(r"[A-Za-z0-9._%+-]+")
_DOMAIN = re.compile(r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])")
_DOMAIN_MAX = 255

# GB/T 2260 provinces (11-15 north, 21-23 north-east, 31-37 east, 41-46 south-central, 50-54
# south-west, 61-65 north-west, 71 Taiwan) and the 81/82/83 residence-permit codes.
_PROVINCE_RANGES = ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71), (81, 83))
_PROVINCES = frozenset(str(c) for lo, hi in _PROVINCE_RANGES for c in range(lo, hi + 1))
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# Group = (start, end, text) of one digit group inside the scanned text.
_Group = tuple[int, int, str]


def find_pii(text: str, *, today: date | None = None) -> list[PiiMatch]:
    """Non-overlapping matches in text order. ``today`` bounds ID birth dates (tests pin it)."""
    emails = _find_emails(text) if "@" in text else []
    if _DIGIT.search(text) is None:
        return emails
    numbers = _find_numbers(text, today)
    if not emails:
        return numbers
    kept = [m for m in numbers if not any(m.start < e.end and e.start < m.end for e in emails)]
    return sorted([*emails, *kept], key=lambda m: m.start)


def mask_pii(text: str, *, today: date | None = None) -> tuple[str, list[PiiSpan]]:
    """``text`` with every match replaced by its kind's token, and where the tokens are."""
    matches = find_pii(text, today=today)
    if not matches:
        return text, []
    pieces: list[str] = []
    spans: list[PiiSpan] = []
    pos = 0
    length = 0
    for m in matches:
        pieces.append(text[pos : m.start])
        length += m.start - pos
        token = MASKS[m.kind]
        pieces.append(token)
        spans.append(PiiSpan(m.kind, length, length + len(token), token))
        length += len(token)
        pos = m.end
    pieces.append(text[pos:])
    return "".join(pieces), spans


def _find_emails(text: str) -> list[PiiMatch]:
    found: list[PiiMatch] = []
    at = text.find("@")
    while at != -1:
        match = _email_at(text, at)
        if match is not None and (not found or match.start >= found[-1].end):
            found.append(match)
        at = text.find("@", at + 1)
    return found


def _email_at(text: str, at: int) -> PiiMatch | None:
    # The local part is matched backwards from "@" over a bounded window: a forward regex would
    # retry from every start position of a long letter run (quadratic time).
    window_start = max(0, at - _LOCAL_MAX - 1)
    local = _LOCAL_REVERSED.match(text[window_start:at][::-1])
    if local is None or local.end() > _LOCAL_MAX:
        return None
    start = at - local.end()
    while start < at and text[start] == ".":
        start += 1
    domain = _DOMAIN.match(text, at + 1, at + 1 + _DOMAIN_MAX)
    if start == at or domain is None:
        return None
    return PiiMatch(PiiKind.EMAIL, start, domain.end())


def _find_numbers(text: str, today: date | None) -> list[PiiMatch]:
    found: list[PiiMatch] = []
    for number in _NUMBER.finditer(text):
        base = number.start()
        if number.end() - base < _MIN_NUMBER:
            continue  # prices, dates, counts: the common case, rejected before any parsing
        groups = [(base + g.start(), base + g.end(), g.group()) for g in _GROUP.finditer(number[0])]
        if base and text[base - 1] == "+" and text.startswith("86", base):
            groups[0] = (base - 1, groups[0][1], "+" + groups[0][2])
        i = 0
        while i < len(groups):
            hit = _value_at(groups, i, today)
            if hit is None:
                i += 1
                continue
            kind, last = hit
            found.append(PiiMatch(kind, groups[i][0], groups[last][1]))
            i = last + 1
    return found


def _value_at(groups: list[_Group], i: int, today: date | None) -> tuple[PiiKind, int] | None:
    """The value starting at group ``i`` and the index of its last group, by kind priority."""
    first = groups[i][2]
    if len(first) == 18 and _valid_id(first, today):
        return PiiKind.ID_CARD, i
    phone_end = _phone_end(groups, i)
    if phone_end is not None:
        return PiiKind.PHONE, phone_end
    card_end = _card_end(groups, i)
    if card_end is not None:
        return PiiKind.BANK_CARD, card_end
    return None


def _phone_end(groups: list[_Group], i: int) -> int | None:
    first = groups[i][2]
    bare = _strip_prefix(first, 11)
    if bare is not None and _is_phone(bare):
        return i  # 13812345678, +8613812345678, 008613812345678
    body = i
    if first in _PHONE_PREFIXES:
        body = i + 1
        if body < len(groups) and _is_phone(groups[body][2]):
            return body  # +86 13812345678
    if body + 2 < len(groups):
        a = _strip_prefix(groups[body][2], 3) if body == i else groups[body][2]
        b, c = groups[body + 1][2], groups[body + 2][2]
        if a is not None and len(a) == 3 and len(b) == 4 and len(c) == 4 and _is_phone(a + b + c):
            return body + 2  # 138 1234 5678, +86-138-1234-5678, +86138 1234 5678
    return None


def _strip_prefix(group: str, length: int) -> str | None:
    """``group`` without a country prefix, if that leaves ``length`` characters."""
    if len(group) == length:
        return group
    for prefix in _PHONE_PREFIXES:
        if group.startswith(prefix) and len(group) == len(prefix) + length:
            return group[len(prefix) :]
    return None


def _is_phone(digits: str) -> bool:
    return len(digits) == 11 and _PHONE.fullmatch(digits) is not None


def _card_end(groups: list[_Group], i: int) -> int | None:
    first = groups[i][2]
    if not first.isdigit():
        return None
    if 13 <= len(first) <= 19:
        return i if _luhn(first) else None
    if len(first) != 4:
        return None
    # 4-4-4-4, 4-4-4-4-3 ...: full groups of 4 then a last group of 1-4; longest valid wins.
    digits = first
    best: int | None = None
    j = i + 1
    while j < len(groups) and len(digits) < 19:
        group = groups[j][2]
        if not group.isdigit() or len(group) > 4 or len(digits) + len(group) > 19:
            break
        digits += group
        if len(digits) >= 13 and _luhn(digits):
            best = j
        if len(group) < 4:
            break
        j += 1
    return best


def _luhn(digits: str) -> bool:
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if k % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _valid_id(value: str, today: date | None) -> bool:
    body, check = value[:17], value[17].upper()
    if not body.isdigit() or body[:2] not in _PROVINCES:
        return False
    total = sum(int(ch) * w for ch, w in zip(body, _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != check:
        return False
    year, month, day = int(body[6:10]), int(body[10:12]), int(body[12:14])
    if year < 1900:
        return False
    try:
        born = date(year, month, day)
    except ValueError:
        return False  # 0230, 1301, 0229 in a common year
    return born <= (today or date.today())
