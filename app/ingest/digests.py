"""The content already in a dataset, as a set of 128-bit digest prefixes in numpy arrays.

A Python set of 16-byte ``bytes`` costs about 75 bytes an item (the object and its slot); two
uint64 arrays at load at most 1/2 cost 32, in two allocations, and a batch is checked with a
few vectorized probe rounds instead of a Python loop over its items. 128 bits: two different
contents sharing a prefix would need about 2**64 items.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


def digests(shas: list[str]) -> tuple[U64, U64]:
    """The first 128 bits of hex SHA-256 digests, as (high, low) 64-bit halves."""
    raw = np.frombuffer(bytes.fromhex("".join(sha[:32] for sha in shas)), dtype=">u8")
    pairs = raw.reshape(-1, 2).astype(np.uint64)
    return pairs[:, 0].copy(), pairs[:, 1].copy()


class DigestSet:
    """Open addressing with linear probing; (0, 0) marks an empty slot, so that one digest
    prefix is stored as (0, 1): the only two prefixes it cannot tell apart."""

    def __init__(self, bits: int = 12) -> None:
        self._bits = bits
        self._hi: U64 = np.zeros(1 << bits, dtype=np.uint64)
        self._lo: U64 = np.zeros(1 << bits, dtype=np.uint64)
        self._used = 0

    def __len__(self) -> int:
        return self._used

    def reserve(self, count: int) -> None:
        """Room for ``count`` more at load 1/2 without growing again."""
        if 2 * (self._used + count) > self._hi.size:
            self._grow(count)

    def add(self, hi: U64, lo: U64) -> Mask:
        """Add a batch; True where the digest is new: neither in the set before nor earlier in
        the batch."""
        lo = np.where((hi == 0) & (lo == 0), np.uint64(1), lo)
        first = _first_occurrences(hi, lo)
        cand = np.flatnonzero(first)
        self.reserve(cand.size)
        slot, present = self._probe(hi[cand], lo[cand])
        new = first.copy()
        new[cand[present]] = False
        absent = ~present
        self._place(hi[cand[absent]], lo[cand[absent]], slot[absent])
        return new

    def _probe(self, hi: U64, lo: U64) -> tuple[I64, Mask]:
        """Per digest: the slot holding it, or the empty slot its probe ended at; and whether
        it was found."""
        mask = np.int64(self._hi.size - 1)
        slot = (lo & np.uint64(self._hi.size - 1)).astype(np.int64)
        found = np.zeros(hi.size, dtype=bool)
        active = np.arange(hi.size)
        while active.size:
            s = slot[active]
            shi, slo = self._hi[s], self._lo[s]
            equal = (shi == hi[active]) & (slo == lo[active])
            found[active[equal]] = True
            going = ~equal & ((shi != 0) | (slo != 0))
            active = active[going]
            slot[active] = (slot[active] + 1) & mask
        return slot, found

    def _place(self, hi: U64, lo: U64, slot: I64) -> None:
        """Store distinct absent digests, starting at the empty slots their probes ended at;
        where several want one slot, the first takes it and the others probe on."""
        mask = np.int64(self._hi.size - 1)
        while hi.size:
            _, winner = np.unique(slot, return_index=True)
            empty = (self._hi[slot[winner]] == 0) & (self._lo[slot[winner]] == 0)
            placed = winner[empty]
            self._hi[slot[placed]], self._lo[slot[placed]] = hi[placed], lo[placed]
            self._used += placed.size
            rest = np.ones(hi.size, dtype=bool)
            rest[placed] = False
            hi, lo, slot = hi[rest], lo[rest], (slot[rest] + 1) & mask

    def _grow(self, extra: int) -> None:
        old_hi, old_lo = self._hi, self._lo
        while 2 * (self._used + extra) > (1 << self._bits):
            self._bits += 1
        self._hi = np.zeros(1 << self._bits, dtype=np.uint64)
        self._lo = np.zeros(1 << self._bits, dtype=np.uint64)
        self._used = 0
        keep = (old_hi != 0) | (old_lo != 0)
        hi, lo = old_hi[keep], old_lo[keep]
        slot, _ = self._probe(hi, lo)
        self._place(hi, lo, slot)


def _first_occurrences(hi: U64, lo: U64) -> Mask:
    """True at the first position of each distinct (hi, lo) pair."""
    order = np.lexsort((lo, hi))
    same = np.zeros(hi.size, dtype=bool)
    same[1:] = (hi[order][1:] == hi[order][:-1]) & (lo[order][1:] == lo[order][:-1])
    # Within a run of equal pairs lexsort keeps positions increasing (it is stable), so the
    # run's first element is the earliest position.
    first = np.ones(hi.size, dtype=bool)
    first[order[same]] = False
    return first
