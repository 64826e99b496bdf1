"""Personal data in Chinese text: what is found, what is not, and what masking leaves behind."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ingest.pii import MASKS, PiiKind, PiiMatch, find_pii, mask_pii

hsettings = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
TODAY = date(2025, 6, 1)


# Reference implementations, written from the standards rather than imported from the module.
def id_number(region: str, born: str, seq: str) -> str:
    """GB 11643-1999: weights 2**(17-i) mod 11, check = (12 - sum mod 11) mod 11, 10 -> X."""
    body = region + born + seq
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    check = (12 - total % 11) % 11
    return body + ("X" if check == 10 else str(check))


def luhn_complete(partial: str) -> str:
    """Append the Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:  # doubled: these will be at odd positions from the right once completed
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return partial + str((10 - total % 10) % 10)


def luhn_ok(digits: str) -> bool:
    return luhn_complete(digits[:-1]) == digits


def kinds(text: str) -> list[tuple[PiiKind, str]]:
    return [(m.kind, text[m.start : m.end]) for m in find_pii(text, today=TODAY)]


ID = id_number("110105", "19491231", "002")
ID_X = next(
    v for v in (id_number("440305", "19900307", f"{s:03d}") for s in range(1000)) if v[-1] == "X"
)
CARD16 = luhn_complete("622202123456789")
CARD19 = luhn_complete("621700001234567890")


def test_reference_helpers_agree_with_known_values() -> None:
    assert id_number("11010519491231002", "", "") [:17] == "11010519491231002"  # fmt: skip
    assert luhn_ok("4111111111111111")
    assert luhn_complete("411111111111111") == "4111111111111111"
    assert ID_X.endswith("X")


def test_valid_resident_ids_are_found() -> None:
    assert kinds(f"身份证号{ID}。") == [(PiiKind.ID_CARD, ID)]
    assert kinds(f"号码：{ID_X}") == [(PiiKind.ID_CARD, ID_X)]
    assert kinds(f"号码：{ID_X.lower()}") == [(PiiKind.ID_CARD, ID_X.lower())]


def test_an_id_with_a_wrong_check_character_is_not_an_id() -> None:
    wrong = ID[:-1] + str((int(ID[-1]) + 1) % 10) if ID[-1] != "X" else ID[:-1] + "0"
    assert all(kind != PiiKind.ID_CARD for kind, _ in kinds(f"身份证{wrong}"))


@pytest.mark.parametrize(
    ("born", "valid"),
    [
        ("20000229", True),  # divisible by 400: leap
        ("20240229", True),
        ("19000229", False),  # divisible by 100, not 400
        ("20230229", False),
        ("19991301", False),
        ("19990431", False),
        ("18991231", False),  # before 1900
        ("19000101", True),
        ("20250601", True),  # today
        ("20250602", False),  # the future
    ],
)
def test_id_birth_dates_must_be_real_and_plausible(born: str, valid: bool) -> None:
    value = id_number("310104", born, "123")
    found = [kind for kind, _ in kinds(f"证件{value}")]
    assert (PiiKind.ID_CARD in found) is valid


def test_id_region_must_be_a_province() -> None:
    assert all(kind != PiiKind.ID_CARD for kind, _ in kinds(id_number("990101", "19800101", "001")))
    assert kinds(id_number("810000", "19800101", "001"))[0][0] == PiiKind.ID_CARD


def test_an_id_inside_a_longer_digit_run_is_not_found() -> None:
    assert kinds(f"单号9{ID}") == []
    assert kinds(f"单号{ID}7") == []


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "19912345678",
        "+8613812345678",
        "8613812345678",
        "008613812345678",
        "+86 13812345678",
        "+86-138-1234-5678",
        "86 138 1234 5678",
        "138-1234-5678",
        "138 1234 5678",
    ],
)
def test_mobile_numbers_are_found_with_prefix_and_separators(phone: str) -> None:
    assert kinds(f"电话：{phone}，谢谢") == [(PiiKind.PHONE, phone)]


@pytest.mark.parametrize(
    "text",
    [
        "12812345678",  # 12x is no mobile prefix
        "1381234567",  # 10 digits
        "913812345678",  # inside a longer run
        "13812345678901",
        "订单2024013812345678",
        "138-1234-567",
        "138 12345 678",
        "138  1234 5678",  # two spaces split the number
    ],
)
def test_non_phones_are_not_found(text: str) -> None:
    assert [k for k, _ in kinds(text) if k == PiiKind.PHONE] == []


def test_numbers_next_to_each_other_are_read_separately() -> None:
    assert kinds("2024 13812345678") == [(PiiKind.PHONE, "13812345678")]
    assert kinds(f"13912345678 {CARD16}") == [
        (PiiKind.PHONE, "13912345678"),
        (PiiKind.BANK_CARD, CARD16),
    ]


def test_emails_are_found() -> None:
    assert kinds("邮箱zhang.san@example.com。") == [(PiiKind.EMAIL, "zhang.san@example.com")]
    assert kinds("写信给 Li_Si+tag@mail.company.com.cn!") == [
        (PiiKind.EMAIL, "Li_Si+tag@mail.company.com.cn")
    ]
    assert kinds("a@b") == []
    assert kinds("@example.com") == []
    assert kinds("x@example.c0m") == []


def test_an_email_with_a_phone_number_is_one_email() -> None:
    assert kinds("13812345678@163.com") == [(PiiKind.EMAIL, "13812345678@163.com")]


def test_a_long_run_of_letters_before_at_is_fast_and_no_email() -> None:
    text = "a" * 100_000 + "@example.com " + "b@" * 1000
    assert kinds(text) == []


@pytest.mark.parametrize("card", [CARD16, CARD19, luhn_complete("622588012345")])
def test_luhn_valid_cards_are_found(card: str) -> None:
    assert kinds(f"卡号{card}") == [(PiiKind.BANK_CARD, card)]


def test_grouped_cards_are_found() -> None:
    grouped16 = " ".join(CARD16[i : i + 4] for i in range(0, 16, 4))
    grouped19 = "-".join(CARD19[i : i + 4] for i in range(0, 19, 4))
    assert kinds(f"卡号 {grouped16} 。") == [(PiiKind.BANK_CARD, grouped16)]
    assert kinds(f"卡号 {grouped19}") == [(PiiKind.BANK_CARD, grouped19)]


def test_luhn_invalid_or_wrong_length_numbers_are_not_cards() -> None:
    bad = CARD16[:-1] + str((int(CARD16[-1]) + 1) % 10)
    assert kinds(bad) == []
    assert kinds(luhn_complete("62220212345")) == []  # 12 digits
    assert kinds(luhn_complete("6222021234567890123")) == []  # 20 digits


def test_a_luhn_valid_id_is_an_id_not_a_card() -> None:
    both = next(
        v
        for v in (id_number("320102", "19850612", f"{s:03d}") for s in range(1000))
        if v[-1] != "X" and luhn_ok(v)
    )
    assert kinds(both) == [(PiiKind.ID_CARD, both)]


def test_text_without_digits_or_at_sign_has_nothing() -> None:
    assert find_pii("这是一段没有任何个人信息的中文文本。") == []
    assert mask_pii("没有") == ("没有", [])


def test_mixed_chinese_text_is_masked_with_spans_on_the_tokens() -> None:
    text = (
        f"客户张三（身份证{ID}）的手机是+86 138-1234-5678，"
        f"邮箱zhangsan@qq.com，工资卡{CARD19}。订单号20240601共3件。"
    )
    masked, spans = mask_pii(text, today=TODAY)
    assert masked == (
        "客户张三（身份证[身份证号]）的手机是[手机号]，邮箱[邮箱]，工资卡[银行卡号]。订单号20240601共3件。"
    )
    assert [s.kind for s in spans] == [
        PiiKind.ID_CARD,
        PiiKind.PHONE,
        PiiKind.EMAIL,
        PiiKind.BANK_CARD,
    ]
    for span in spans:
        assert masked[span.start : span.end] == span.mask == MASKS[span.kind]


def test_tokens_are_shorter_than_any_value_of_their_kind() -> None:
    shortest = {PiiKind.ID_CARD: 18, PiiKind.PHONE: 11, PiiKind.EMAIL: 6, PiiKind.BANK_CARD: 13}
    assert all(len(MASKS[kind]) < n for kind, n in shortest.items())


# --- properties -------------------------------------------------------------------------------

FILLER = st.text(
    alphabet=st.sampled_from("的一是在了不和有大这主中人上为们地个用工时要动。，、：（）"),
    min_size=1,
)


@st.composite
def ids(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["110105", "310104", "440305", "510107", "820000"]))
    born = draw(st.dates(date(1900, 1, 1), TODAY)).strftime("%Y%m%d")
    return id_number(region, born, f"{draw(st.integers(0, 999)):03d}")


@st.composite
def phones(draw: st.DrawFn) -> str:
    digits = (
        "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    )
    sep = draw(st.sampled_from(["", " ", "-"]))
    body = digits if not sep else sep.join((digits[:3], digits[3:7], digits[7:]))
    prefix = draw(st.sampled_from(["", "+86", "86", "0086", "+86 ", "+86-", "0086 "]))
    return prefix + body


@st.composite
def emails(draw: st.DrawFn) -> str:
    local = draw(st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,20}", fullmatch=True))
    domain = draw(
        st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,8}){0,2}\.(com|cn|net|org)", fullmatch=True)
    )
    return f"{local.lstrip('.')}@{domain}" if local.lstrip(".") else f"x@{domain}"


@st.composite
def cards(draw: st.DrawFn) -> str:
    n = draw(st.sampled_from([16, 19]))
    card = luhn_complete("62" + draw(st.text("0123456789", min_size=n - 3, max_size=n - 3)))
    if draw(st.booleans()):
        return draw(st.sampled_from([" ", "-"])).join(card[i : i + 4] for i in range(0, n, 4))
    return card


PII = st.one_of(
    ids().map(lambda v: (PiiKind.ID_CARD, v)),
    phones().map(lambda v: (PiiKind.PHONE, v)),
    emails().map(lambda v: (PiiKind.EMAIL, v)),
    cards().map(lambda v: (PiiKind.BANK_CARD, v)),
)


@hsettings
@given(FILLER, st.lists(st.tuples(PII, FILLER), max_size=5))
def test_planted_values_are_found_and_masked(
    head: str, parts: list[tuple[tuple[PiiKind, str], str]]
) -> None:
    text = head
    planted: list[PiiMatch] = []
    for (kind, value), filler in parts:
        planted.append(PiiMatch(kind, len(text), len(text) + len(value)))
        text += value + filler
    assert find_pii(text, today=TODAY) == planted

    masked, spans = mask_pii(text, today=TODAY)
    assert [s.kind for s in spans] == [m.kind for m in planted]
    for span in spans:
        assert masked[span.start : span.end] == span.mask
    for m in planted:
        assert text[m.start : m.end] not in masked


@hsettings
@given(
    st.text(alphabet=st.sampled_from("0123456789 -+@.xX的a"), max_size=80) | st.text(max_size=80)
)
def test_spans_are_in_bounds_ordered_and_disjoint(text: str) -> None:
    matches = find_pii(text, today=TODAY)
    for prev, cur in itertools.pairwise(matches):
        assert prev.end <= cur.start
    assert all(0 <= m.start < m.end <= len(text) for m in matches)
    masked, spans = mask_pii(text, today=TODAY)
    assert len(masked) <= len(text)
    for before, after in itertools.pairwise(spans):
        assert before.end <= after.start
    for span in spans:
        assert 0 <= span.start < span.end <= len(masked)
        assert masked[span.start : span.end] == span.mask
