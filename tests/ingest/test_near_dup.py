"""Near-duplicate detection over a stream of texts (MinHash + LSH, verified candidates)."""

from __future__ import annotations

import random
import unicodedata

import pytest

from app.ingest.near_dup import NearDupIndex, lsh_shape

# A 60-character sentence and unrelated sentences of similar length and vocabulary.
SENTENCE = (
    "这家店的羊肉串烤得外焦里嫩，孜然和辣椒放得恰到好处，老板还热情地送了我们一盘拍黄瓜和两瓶冰啤酒，"
    "下次一定还会带朋友再来。"
)
OTHERS = [
    "快递小哥冒雨把包裹送到楼下，电话里还提醒我注意台阶湿滑，这样的服务值得五星好评，感谢辛苦付出。",
    "酒店房间干净整洁，早餐种类丰富，就是隔音效果一般，半夜能听到走廊里推车的声音，希望以后改进。",
    "这本小说的前半部分节奏很慢，读到第三章才慢慢进入状态，结局出人意料，整体来说还是值得一读的。",
    "保险理赔流程比想象中简单，上传材料后三个工作日就到账了，客服经理全程跟进，解答问题也很耐心。",
    "地图导航在高架桥下经常定位漂移，好几次让我错过出口，希望能优化一下城市峡谷场景的定位精度。",
]
CJK = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]


def substitute(text: str, positions: list[int]) -> str:
    chars = list(text)
    for pos in positions:
        chars[pos] = "鑫" if chars[pos] != "鑫" else "淼"
    return "".join(chars)


def random_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(CJK, k=n))


def test_lsh_shape_keeps_pairs_at_the_threshold() -> None:
    assert lsh_shape(0.8, 64) == (10, 6)
    bands, rows = lsh_shape(0.5, 128)
    assert bands * rows <= 128
    assert 1 - (1 - 0.5**rows) ** bands >= 0.95


def jaccard(a: str, b: str, k: int) -> float:
    """Exact Jaccard of character k-shingles after the index's normalization."""

    def shingles(text: str) -> set[str]:
        kept = "".join(
            ch for ch in text.casefold() if not ch.isspace() and ch not in "，。！？,.!?【】"
        )
        return {kept[i : i + k] for i in range(len(kept) - k + 1)}

    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def test_an_edited_copy_is_found() -> None:
    assert len(SENTENCE) == 60
    edits = {
        # punctuation and spacing changes, one character cut at the end
        10: SENTENCE.replace("，", ", ").replace("。", "!")[:-2],
        11: substitute(SENTENCE, [57]),  # near the end: fewer shingles touched
        12: "【转发】" + SENTENCE,
        13: SENTENCE + "好评",
    }
    index = NearDupIndex()
    assert (
        index.add_many([(1, SENTENCE)] + [(i + 2, t) for i, t in enumerate(OTHERS)]) == [None] * 6
    )
    for key, edited in edits.items():
        assert jaccard(SENTENCE, edited, 5) >= 0.88
        assert index.add(key, edited) == 1


def test_the_threshold_is_on_5_gram_jaccard() -> None:
    # One substitution mid-sentence touches 5 shingles of 52: J ~0.82, right at the threshold,
    # where a 64-permutation estimate (sd 0.05) goes either way; three scattered ones: ~0.57.
    assert 0.8 < jaccard(SENTENCE, substitute(SENTENCE, [30]), 5) < 0.83
    scattered = substitute(SENTENCE, [10, 25, 40])
    assert jaccard(SENTENCE, scattered, 5) < 0.6
    assert NearDupIndex().add_many([(1, SENTENCE), (2, scattered)]) == [None, None]


def test_looser_settings_catch_scattered_edits() -> None:
    scattered = substitute(SENTENCE, [10, 25, 40])
    assert jaccard(SENTENCE, scattered, 3) > 0.7
    loose = NearDupIndex(threshold=0.55, shingle=3)
    assert loose.add_many([(1, SENTENCE), (2, scattered), (3, OTHERS[0])]) == [None, 1, None]


def test_unrelated_sentences_are_not_flagged() -> None:
    index = NearDupIndex()
    assert index.add_many(enumerate([SENTENCE, *OTHERS])) == [None] * 6
    assert len(index) == 6


def test_short_texts_compare_by_exact_normalized_text() -> None:
    index = NearDupIndex()
    got = index.add_many(
        [
            (1, "好评"),
            (2, "好评！"),
            (3, " 好 评 "),
            (4, "差评"),
            (5, "OK"),
            (6, "ok."),
            (7, "好评啊"),
        ]
    )
    assert got == [None, 1, 1, None, None, 5, None]


def test_punctuation_only_texts_are_never_matched() -> None:
    index = NearDupIndex()
    assert index.add_many([(1, "！！！"), (2, "？"), (3, "……")]) == [None, None, None]
    assert len(index) == 0


def test_the_earliest_item_wins_and_duplicates_are_not_indexed() -> None:
    index = NearDupIndex()
    assert index.add(1, SENTENCE) is None
    assert index.add(2, SENTENCE + "好") == 1
    assert index.add(3, SENTENCE + "好的") == 1
    assert len(index) == 1


def test_add_many_equals_one_add_at_a_time() -> None:
    rng = random.Random(7)
    texts: list[str] = []
    for i in range(2500):  # crosses batch boundaries
        if i > 10 and rng.random() < 0.3:
            base = texts[rng.randrange(len(texts))]
            texts.append(base[:-1] + rng.choice(CJK) if rng.random() < 0.5 else base + "。")
        else:
            texts.append(random_text(rng, rng.randint(2, 70)))
    batch = NearDupIndex().add_many(enumerate(texts))
    single = NearDupIndex()
    assert [single.add(i, t) for i, t in enumerate(texts)] == batch
    assert sum(match is not None for match in batch) > 300


def test_sketches_made_elsewhere_give_the_same_answers() -> None:
    """Workers sketch whole batches; the writer indexes only the rows it keeps (``take``)."""
    rng = random.Random(11)
    texts: list[str] = []
    for i in range(3000):
        if i > 10 and rng.random() < 0.3:
            base = texts[rng.randrange(len(texts))]
            texts.append(base + "！")
        else:  # short ones (exact matching), punctuation-only ones and long ones
            texts.append(rng.choice(["。。", random_text(rng, 3), random_text(rng, 40)]))
    keep = [i for i in range(len(texts)) if i % 7 != 3]  # e.g. exact repeats left out
    expected = NearDupIndex().add_many((i, texts[i]) for i in keep)
    index, sketcher = NearDupIndex(), NearDupIndex(*NearDupIndex().params[:3])
    got: list[int | None] = []
    for lo in range(0, len(texts), 1700):  # batches unlike add_many's chunks
        rows = [i - lo for i in keep if lo <= i < lo + 1700]
        sketches = sketcher.sketch(texts[lo : lo + 1700]).take(rows)
        got += index.add_sketched([lo + r for r in rows], sketches)
    assert got == expected
    assert sum(m is not None for m in got) > 300


def test_duplicates_within_one_batch_are_found() -> None:
    rng = random.Random(3)
    base = random_text(rng, 50)
    items = [(i, random_text(rng, 50)) for i in range(100)]
    items[40] = (40, base)
    items[41] = (41, base + "。")
    items[90] = (90, base[1:])
    got = NearDupIndex().add_many(items)
    assert got[41] == 40
    assert got[90] == 40
    assert sum(match is not None for match in got) == 2


def test_an_early_item_is_found_after_the_index_grew() -> None:
    rng = random.Random(11)
    index = NearDupIndex()
    first = random_text(rng, 40)
    index.add_many([(0, first)] + [(i, random_text(rng, 40)) for i in range(1, 20_000)])
    assert index.add(20_000, first[:-1]) == 0
    assert len(index) == 20_000


def test_long_texts_are_compared_too() -> None:
    rng = random.Random(5)
    for length in (600, 9000):  # a row-loop batch and the block-wise path
        base = random_text(rng, length)
        edited = substitute(base, [length // 2])
        index = NearDupIndex()
        assert index.add_many([(1, base), (2, random_text(rng, length)), (3, edited)]) == [
            None,
            None,
            1,
        ]


def test_templated_texts_stay_correct() -> None:
    # Every text shares a 40-character template (Jaccard ~0.47 between any two), so many band
    # buckets overflow their cap; none is a near-duplicate, planted copies still are.
    rng = random.Random(9)
    template = random_text(rng, 40)
    texts = [template + random_text(rng, 20) for _ in range(3000)]
    texts += [texts[1500][:-1] + "鑫", texts[10] + "啊"]
    got = NearDupIndex().add_many(enumerate(texts))
    assert got[-2:] == [1500, 10]
    assert all(match is None for match in got[:-2])


def test_results_are_deterministic() -> None:
    rng = random.Random(1)
    texts = [random_text(rng, 30) for _ in range(300)]
    texts += [t[:-2] for t in texts[:50]]
    assert NearDupIndex().add_many(enumerate(texts)) == NearDupIndex().add_many(enumerate(texts))


def test_odd_code_points_are_handled() -> None:
    index = NearDupIndex()
    assert index.add_many([(1, "\x00" + SENTENCE), (2, SENTENCE + "\x00\x00")]) == [None, 1]
    assert index.add_many([(3, "\ud800" + OTHERS[0]), (4, OTHERS[0] + "\udfff")]) == [None, 3]
    assert index.add_many([(5, ""), (6, "\U0001f600" * 3), (7, "\U0001f600" * 3)]) == [
        None,
        None,
        6,
    ]


def test_ignored_characters_all_lie_below_u20000() -> None:
    # The whitespace/punctuation table is filled by scanning code points below U+20000 only.
    assert not any(
        chr(cp).isspace() or unicodedata.category(chr(cp)).startswith("P")
        for cp in range(0x20000, 0x110000)
    )


@pytest.mark.parametrize(
    "kwargs", [{"threshold": 0.0}, {"threshold": 1.5}, {"num_perm": 4}, {"shingle": 0}]
)
def test_invalid_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        NearDupIndex(**kwargs)  # type: ignore[arg-type]
