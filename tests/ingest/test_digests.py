"""The dataset's set of content digests: new-ness per batch, repeats within and across batches,
growth, and the all-zero digest."""

from __future__ import annotations

import hashlib
import random

import numpy as np

from app.ingest.digests import DigestSet, digests


def _shas(values: list[int]) -> list[str]:
    return [hashlib.sha256(str(v).encode()).hexdigest() for v in values]


def test_a_digest_is_new_once_within_and_across_batches() -> None:
    rng = random.Random(3)
    seen_before: set[int] = set()
    digest_set = DigestSet(bits=4)  # grows many times
    for _ in range(40):
        values = [rng.randrange(3000) for _ in range(500)]
        new = digest_set.add(*digests(_shas(values)))
        expected = []
        for v in values:
            expected.append(v not in seen_before)
            seen_before.add(v)
        assert new.tolist() == expected
    assert len(digest_set) == len(seen_before)


def test_the_halves_are_the_first_128_bits() -> None:
    sha = "0123456789abcdef" + "fedcba9876543210" + "0" * 32
    hi, lo = digests([sha])
    assert (int(hi[0]), int(lo[0])) == (0x0123456789ABCDEF, 0xFEDCBA9876543210)


def test_the_all_zero_prefix_is_stored_too() -> None:
    zero, one = np.zeros(1, dtype=np.uint64), np.ones(1, dtype=np.uint64)
    digest_set = DigestSet()
    assert digest_set.add(zero, zero).tolist() == [True]
    assert digest_set.add(zero, zero).tolist() == [False]
    assert digest_set.add(zero, one).tolist() == [False]  # the one pair it cannot tell apart


def test_reserving_keeps_what_is_stored() -> None:
    digest_set = DigestSet(bits=2)
    first = digests(_shas(list(range(10))))
    digest_set.add(*first)
    digest_set.reserve(100_000)
    assert not digest_set.add(*first).any()
    assert digest_set.add(*digests(_shas([10]))).tolist() == [True]
