"""Near-duplicate texts in a stream: MinHash over character shingles, LSH banding, verification.

``NearDupIndex.add(key, text)`` returns the key of the earliest indexed text whose estimated
Jaccard similarity of character ``shingle``-grams (5 by default: no word segmentation needed for
Chinese) with ``text`` is at least ``threshold``, or indexes ``text`` and returns ``None``. A
duplicate is not indexed itself, so every flagged item points at the first item of its cluster.
``add_many`` does the same for a batch, with identical results, and is the fast path.

What the threshold means with 5-grams: a substituted character changes up to 5 shingles. A
60-character sentence (about 52 shingles once punctuation is dropped) keeps J >= 0.88 after
punctuation or spacing changes, a character or two added or cut at either end, or a
substitution among its last few characters; one substitution mid-sentence gives J ~0.82, right
at the default threshold, where the estimate goes either way; three scattered substitutions give
~0.57, not a near-duplicate. To catch such looser edits use e.g. ``shingle=3, threshold=0.6``.

Normalization before shingling: case folding, and whitespace and punctuation (Unicode P*) are
dropped, so ``你好，世界`` and ``你好 世界!`` are the same text. NFKC is assumed done (texts come
from ``clean_text``); other text works, its full-width forms just count as other characters.
Texts that normalize to fewer than ``shingle`` characters are matched by exact normalized text
only; texts that normalize to nothing (only punctuation) are never matched nor indexed.

Why not ``datasketch``: measured on this 2-core machine, its ``MinHash`` costs ~270 µs per
40-character text (a SHA-1 per shingle and Python-level work per item), 27 s for 100k items;
the budget for the whole ingest of 100k items is 2 s. Here the work is vectorised over a batch
with numpy: shingle hashes are a polynomial over code points plus a splitmix64 finalizer; the
``num_perm`` hash functions are ``a*x + b mod 2**32`` on the 32-bit shingle hash (odd ``a``),
checked to estimate Jaccard without bias and with the binomial variance of true permutations;
the band index is an open-addressing hash table in one numpy array (8 bytes a slot, at most
3/4 full: ~200 bytes a text with its signature and key, where a dict of Python ints would take
~80 bytes per band key; ``reserve`` sizes it once for a known count). Results are
deterministic for a given ``seed``, so re-adding the stored items of a resumed ingest rebuilds
the same index.

LSH shape: ``rows`` per band is the largest for which a pair at exactly ``threshold`` still
becomes a candidate with probability >= 0.95 (64 perms, 0.8 -> 10 bands of 6 rows); every
candidate is then verified on its full signature, stored as the low 8 bits of each minhash
(two different minima agree by chance 1 time in 256: the estimate rises by (1-J)/256, 0.001
at J=0.7), so false candidates cost time, never a wrong answer. The estimate has standard
deviation sqrt(J(1-J)/num_perm), 0.05 at J=0.8 with 64 perms: pairs near the threshold go
either way.
A band key shared by ``_BUCKET_CAP`` (4) indexed texts takes no more, and a batch adds at most
4 per key: in templated corpora (notifications, reviews that differ by an order number) where
thousands of texts are J ~0.6-0.8 apart, every lookup would otherwise return thousands of
candidates. Later texts are still found through their other bands; on such a corpus the cap
costs ~4% of the flagged items and halves the time.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

_CHUNK = 1024  # items vectorised together: large enough to amortise numpy calls, cache-sized
_ROW_LOOP_MAX = 256  # texts with more shingles get their minhash block by block
_ROW_LOOP_MIN = 16  # fewer texts than this also go block by block
_BLOCK = 4096
_BUCKET_CAP = 4
_SEP = "\x00"
_RETIRED = 2  # a slot value whose key part is 0, which no band key is
_SMALL = 64  # at most this many keys: probe the table in a Python loop
_REHASH = 1 << 20  # old slots rehashed at a time when the band table grows
_MAX32 = np.uint32(0xFFFFFFFF)
_POLY = 0x100000001B3  # odd multiplier for the shingle polynomial (the FNV-1 64-bit prime)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_EMPTY_U32: U32 = np.empty(0, dtype=np.uint32)
_EMPTY_I64: I64 = np.empty(0, dtype=np.int64)


def _mix(x: U64) -> U64:
    """splitmix64's finalizer, in place: every output bit depends on every input bit."""
    x ^= x >> np.uint64(30)
    x *= _MIX1
    x ^= x >> np.uint64(27)
    x *= _MIX2
    x ^= x >> np.uint64(31)
    return x


def lsh_shape(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows): the most selective banding that keeps P(candidate | J=threshold) >= 0.95."""
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= 0.95:
            return bands, rows
    return num_perm, 1


@dataclass(frozen=True)
class Sketches:
    """A batch of texts as the index compares them (``NearDupIndex.sketch``).

    ``long_rows``: the texts long enough to shingle, with their band keys and 8-bit signatures
    row by row; ``exact``: the normalized code points of the short ones, by position. Texts that
    normalize to nothing are in neither.
    """

    size: int  # texts sketched
    long_rows: I64
    band_keys: U32  # (len(long_rows), bands)
    sig8: U8  # (len(long_rows), num_perm)
    exact: dict[int, bytes]

    def take(self, rows: list[int]) -> Sketches:
        """The sketches of the texts at ``rows`` (increasing positions), renumbered from 0."""
        position = np.full(self.size, -1, dtype=np.int64)
        position[rows] = np.arange(len(rows))
        renumbered = position[self.long_rows]
        keep = renumbered >= 0
        exact = {int(position[i]): b for i, b in self.exact.items() if position[i] >= 0}
        return Sketches(len(rows), renumbered[keep], self.band_keys[keep], self.sig8[keep], exact)


NearDupParams = tuple[float, int, int, int]  # threshold, num_perm, shingle, seed


class NearDupIndex:
    def __init__(
        self, threshold: float = 0.8, num_perm: int = 64, shingle: int = 5, *, seed: int = 1
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if not 8 <= num_perm <= 1024 or shingle < 1:
            raise ValueError("num_perm must be in 8..1024 and shingle at least 1")
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle = shingle
        self.seed = seed
        self.bands, self.rows = lsh_shape(threshold, num_perm)
        self._min_equal = math.ceil(threshold * num_perm - 1e-9)
        rng = np.random.default_rng(seed)
        self._a = rng.integers(0, 2**32, num_perm, dtype=np.uint32) | np.uint32(1)
        self._b = rng.integers(0, 2**32, num_perm, dtype=np.uint32)
        self._row_mult = rng.integers(0, 2**64, self.rows, dtype=np.uint64) | np.uint64(1)
        self._band_salt = rng.integers(0, 2**64, self.bands, dtype=np.uint64)
        self._powers = np.array(
            [pow(_POLY, shingle - 1 - j, 2**64) for j in range(shingle)], dtype=np.uint64
        )
        # Internal id -> caller's key (duplicates too), and its signature: the first ``_count``
        # rows are used, the rest is room to grow into (see ``reserve``).
        self._count = 0
        self._keys: I64 = np.empty(1024, dtype=np.int64)
        self._indexed = 0
        self._sigs: U8 = np.empty((1024, num_perm), dtype=np.uint8)
        self._table = _BandTable()
        self._exact: dict[bytes, int] = {}

    @property
    def params(self) -> NearDupParams:
        """Enough to build an index that sketches texts the same way (in another process)."""
        return (self.threshold, self.num_perm, self.shingle, self.seed)

    def reserve(self, texts: int) -> None:
        """Make room for ``texts`` more texts at once. Growing while adding copies the arrays
        and rehashes the band table, and for a million texts those copies made the peak memory
        several times what the index holds; an ingest reserves from the file's size."""
        needed = self._count + texts
        if needed > self._keys.size:
            self._resize(needed)
        self._table.reserve(texts * self.bands)

    def _resize(self, capacity: int) -> None:
        keys = np.empty(capacity, dtype=np.int64)
        keys[: self._count] = self._keys[: self._count]
        sigs = np.empty((capacity, self.num_perm), dtype=np.uint8)
        sigs[: self._count] = self._sigs[: self._count]
        self._keys, self._sigs = keys, sigs

    def __len__(self) -> int:
        """Indexed texts (the first of each cluster), short ones included."""
        return self._indexed + len(self._exact)

    def add(self, key: int, text: str) -> int | None:
        """One text. Costs ~150-250 µs (numpy call overhead): use ``add_many`` for batches."""
        return self.add_many([(key, text)])[0]

    def add_many(self, items: Iterable[tuple[int, str]]) -> list[int | None]:
        """For each item in order, what ``add`` would have returned."""
        out: list[int | None] = []
        it = iter(items)
        while batch := list(itertools.islice(it, _CHUNK)):
            keys = [key for key, _ in batch]
            out.extend(self.add_sketched(keys, self.sketch([text for _, text in batch])))
        return out

    def sketch(self, texts: list[str]) -> Sketches:
        """What ``add_sketched`` needs of each text, computed without touching the index: pure
        and deterministic for the index's parameters, so worker processes can sketch batches
        (most of the cost) while the index itself is kept in one place."""
        cps, starts, lengths = _normalize(texts) if texts else (_EMPTY_U32, _EMPTY_I64, _EMPTY_I64)
        is_long = lengths >= self.shingle
        long_rows = np.flatnonzero(is_long)
        if long_rows.size == len(texts):
            sig = self._signatures(cps, starts, lengths)
        else:
            sig = self._signatures(cps, starts[long_rows], lengths[long_rows])
        exact = {
            i: cps[starts[i] : starts[i] + lengths[i]].tobytes()
            for i in np.flatnonzero(~is_long & (lengths > 0)).tolist()
        }
        # The low bits: a minimum's high bits are mostly zero, its low bits uniform.
        return Sketches(len(texts), long_rows, self._band_keys(sig), sig.astype(np.uint8), exact)

    def add_sketched(self, keys: list[int], sketches: Sketches) -> list[int | None]:
        """``add_many`` for texts sketched by ``sketch`` (of an index with the same parameters),
        one key per sketched text, in order."""
        result: list[int | None] = [None] * len(keys)
        for i, exact in sketches.exact.items():
            prev = self._exact.get(exact)
            if prev is None:
                self._exact[exact] = keys[i]
            else:
                result[i] = prev
        rows = sketches.long_rows.tolist()
        for lo in range(0, len(rows), _CHUNK):
            part = rows[lo : lo + _CHUNK]
            found = self._add_long(
                [keys[i] for i in part],
                sketches.band_keys[lo : lo + _CHUNK],
                sketches.sig8[lo : lo + _CHUNK],
            )
            for i, match in zip(part, found, strict=True):
                result[i] = match
        return result

    def _add_long(self, keys: list[int], band_keys: U32, sig8: U8) -> list[int | None]:
        n = len(keys)
        flat = band_keys.ravel()
        owner = np.repeat(np.arange(n, dtype=np.int64), self.bands)
        # Every item of the chunk is stored first, so one lookup also finds earlier items of
        # the same chunk; the entries of items that turn out to be duplicates are then retired.
        first = self._store(keys, sig8)
        if n > _BUCKET_CAP:
            placed = _first_of_each_key(flat, _BUCKET_CAP)
            self._table.insert(flat[placed], owner[placed] + first)
        else:
            self._table.insert(flat, owner + first)
        query, found, slot = self._table.lookup(flat)
        own = owner[query] + first
        own_slot = np.full(flat.size, -1, dtype=np.int64)
        is_own = found == own
        own_slot[query[is_own]] = slot[is_own]
        earlier = found < own
        query, found = query[earlier], found[earlier]
        if not query.size:
            return [None] * n
        crowded = np.bincount(query, minlength=flat.size) >= _BUCKET_CAP
        self._table.retire(own_slot[crowded & (own_slot >= 0)])

        # A pair met in several bands is verified once; the codes sort by item, then by id.
        pairs = _distinct((owner[query] << 32) | found)
        item, found = pairs >> 32, pairs & 0xFFFFFFFF
        # Each item's earliest candidate first: a duplicate usually matches its cluster's first
        # item, and a verified candidate from an earlier chunk is the answer; only the items it
        # leaves open have their other candidates verified.
        best = np.full(n, -1, dtype=np.int64)
        lead = _leading(item)
        head = lead[found[lead] < first]
        ok = self._similar(sig8[item[head]], self._sigs[found[head]])
        best[item[head[ok]]] = found[head[ok]]
        rest = best[item] < 0
        rest[head] = False
        item, found = item[rest], found[rest]
        ok = self._similar(sig8[item], self._sigs[found])
        best = _earliest_valid(item[ok], found[ok], first, best)
        duplicate = best >= 0
        if not duplicate.any():
            return [None] * n
        self._table.retire(own_slot[duplicate[owner] & (own_slot >= 0)])
        self._indexed -= int(np.count_nonzero(duplicate))
        result: list[int | None] = [None] * n
        for i, cand in zip(
            np.flatnonzero(duplicate).tolist(), best[duplicate].tolist(), strict=True
        ):
            result[i] = int(self._keys[cand])
        return result

    def _store(self, keys: list[int], sig8: U8) -> int:
        """Append the chunk's keys and signatures; returns the first new internal id."""
        first = self._count
        needed = first + len(keys)
        if needed > self._keys.size:
            self._resize(max(needed, 2 * self._keys.size))
        self._keys[first:needed] = keys
        self._sigs[first:needed] = sig8
        self._count = needed
        self._indexed += len(keys)
        return first

    def _similar(self, a: U8, b: U8) -> npt.NDArray[np.bool_]:
        equal: I64 = np.count_nonzero(a == b, axis=1)
        return equal >= self._min_equal

    def _signatures(self, cps: U32, starts: I64, lengths: I64) -> U32:
        """(n, num_perm) minhash values of each text's shingle set."""
        k = self.shingle
        hashes = self._shingle_hashes(cps)
        counts = lengths - (k - 1)
        sig = np.empty((starts.size, self.num_perm), dtype=np.uint32)
        order = np.argsort(counts, kind="stable")
        short = order[counts[order] <= _ROW_LOOP_MAX]
        if short.size < _ROW_LOOP_MIN:
            short = short[:0]  # a handful of texts: one call per text beats one per shingle
        if short.size:
            sig[short] = self._minhash_rows(hashes, starts[short], counts[short])
        for i in order[short.size :].tolist():
            sig[i] = self._minhash_blocks(hashes[starts[i] : starts[i] + counts[i]])
        return sig

    def _shingle_hashes(self, cps: U32) -> U32:
        """32-bit hash of the shingle starting at every position (across text boundaries too:
        those positions are never read)."""
        k = self.shingle
        wide = cps.astype(np.uint64)
        n = max(wide.size - k + 1, 0)
        h = wide[:n] * self._powers[0]
        for j in range(1, k):
            h += wide[j : j + n] * self._powers[j]
        return (_mix(h) >> np.uint64(32)).astype(np.uint32)

    def _minhash_rows(self, hashes: U32, starts: I64, counts: I64) -> U32:
        """Texts sorted by shingle count: step l updates the texts that have an l-th shingle
        (a suffix of the sorted list), so no padding and one numpy call per step, not per text."""
        acc = np.full((starts.size, self.num_perm), _MAX32, dtype=np.uint32)
        buf = np.empty_like(acc)
        first = np.searchsorted(counts, np.arange(int(counts[-1])), side="right")
        for step, lo in enumerate(first.tolist()):
            col = hashes[starts[lo:] + step]
            part = buf[lo:]
            np.multiply(col[:, None], self._a, out=part)
            part += self._b
            np.minimum(acc[lo:], part, out=acc[lo:])
        return acc

    def _minhash_blocks(self, hashes: U32) -> U32:
        acc = np.full(self.num_perm, _MAX32, dtype=np.uint32)
        for lo in range(0, hashes.size, _BLOCK):
            block = hashes[lo : lo + _BLOCK, None] * self._a
            block += self._b
            np.minimum(acc, block.min(axis=0), out=acc)
        return acc

    def _band_keys(self, sig: U32) -> U32:
        """(n, bands) odd 32-bit keys, one per band of ``rows`` minhash values.
        Bands with different values share a key with probability 2**-31: a wasted check."""
        used = sig[:, : self.bands * self.rows].astype(np.uint64)
        per_band = used.reshape(sig.shape[0], self.bands, self.rows) * self._row_mult
        keys: U64 = per_band.sum(axis=2, dtype=np.uint64) ^ self._band_salt
        return (_mix(keys) >> np.uint64(32)).astype(np.uint32) | np.uint32(1)  # 0: empty slot


def _distinct(codes: I64) -> I64:
    """Sorted distinct values (a sort and a compare: several times faster than ``np.unique``)."""
    codes = np.sort(codes)
    keep = np.ones(codes.size, dtype=bool)
    np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    return codes[keep]


def _first_of_each_key(keys: U32, cap: int) -> npt.NDArray[np.bool_]:
    """Mask of the first ``cap`` occurrences of each key (in order): a key shared by hundreds of
    a chunk's items would otherwise make the chunk's lookups quadratic."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    position = np.arange(keys.size)
    run_start = np.ones(keys.size, dtype=bool)
    run_start[1:] = ordered[1:] != ordered[:-1]
    rank = position - np.maximum.accumulate(np.where(run_start, position, 0))
    keep = np.empty(keys.size, dtype=bool)
    keep[order] = rank < cap
    return keep


def _leading(item: I64) -> I64:
    """Positions where a new value starts in the sorted ``item``."""
    lead = np.ones(item.size, dtype=bool)
    np.not_equal(item[1:], item[:-1], out=lead[1:])
    return np.flatnonzero(lead)


def _earliest_valid(item: I64, cand: I64, first: int, best: I64) -> I64:
    """``best`` completed: per chunk item still open (-1), its earliest verified candidate that
    is indexed. ``item``/``cand`` are sorted by item, then candidate; ids from ``first`` on are
    this chunk's, which count only if not duplicates themselves."""
    if not item.size:
        return best
    group_start = _leading(item)
    lead_item, lead_cand = item[group_start], cand[group_start]
    # Earlier chunks hold only indexed items, and their ids come first.
    cross = lead_cand < first
    best[lead_item[cross]] = lead_cand[cross]
    group_end = np.append(group_start[1:], item.size)
    settled = best.tolist()
    for g in np.flatnonzero(~cross).tolist():  # in item order
        for c in cand[group_start[g] : group_end[g]].tolist():
            if settled[c - first] < 0:
                settled[int(lead_item[g])] = c
                break
    return np.array(settled, dtype=np.int64)


def _normalize(texts: list[str]) -> tuple[U32, I64, I64]:
    """Code points of all texts, case-folded, without whitespace and punctuation; with each
    text's start and length in that array. One pass over the joined batch, not per text."""
    joined = _SEP.join(texts)
    if joined.count(_SEP) != len(texts) - 1:
        joined = _SEP.join(t.replace(_SEP, "") for t in texts)
    # surrogatepass: a lone surrogate (possible in text that did not go through clean_text) is
    # just another code point here.
    encoded = joined.casefold().encode("utf-32-le", "surrogatepass")
    raw = np.frombuffer(encoded, dtype="<u4")
    cps: U32 = raw[~_dropped()[raw]].astype(np.uint32)
    ends = np.flatnonzero(cps == 0)
    starts = np.empty(len(texts), dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends + 1
    lengths = np.append(ends, cps.size) - starts
    return cps, starts, lengths.astype(np.int64)


@cache
def _dropped() -> npt.NDArray[np.bool_]:
    """Per code point: ignored when comparing texts (whitespace, punctuation). ~30 ms, once."""
    table = np.zeros(0x110000, dtype=bool)
    for cp in range(0x20000):  # every P* and whitespace code point is below U+20000
        ch = chr(cp)
        if ch.isspace() or unicodedata.category(ch).startswith("P"):
            table[cp] = True
    table[0] = False  # the separator between texts
    return table


class _BandTable:
    """Multimap band key -> internal id, used a batch of keys at a time: linear probing over one
    uint64 array whose slots pack ``key << 32 | id`` (8 bytes, one memory access per probe;
    random access into this table is where the index spends its time). Keys are odd 32-bit
    numbers, so 0 marks an empty slot and ``_RETIRED`` (key 0) an entry taken back: it still
    fills its slot so probe chains stay intact, and is dropped when the table grows. The load
    stays at most 3/4 (at 1/2 a million texts took twice the memory and no less time)."""

    def __init__(self, bits: int = 14) -> None:
        self._bits = bits
        self._slots: U64 = np.zeros(1 << bits, dtype=np.uint64)
        self._used = 0

    def lookup(self, query: U32) -> tuple[I64, I64, I64]:
        """(query position, id, slot) of every live entry whose key equals the query's."""
        if query.size <= _SMALL:
            return self._lookup_few(query.tolist())
        mask = np.int64((1 << self._bits) - 1)
        wanted = query.astype(np.uint64)
        active = np.arange(query.size, dtype=np.int64)
        slot = (query >> np.uint32(32 - self._bits)).astype(np.int64)
        hits: list[tuple[I64, U64, I64]] = []
        while active.size:
            found = self._slots[slot]
            hit = (found >> np.uint64(32)) == wanted
            if hit.any():
                hits.append((active[hit], found[hit], slot[hit]))
            busy = found != 0
            active = active[busy]
            wanted = wanted[busy]
            slot = (slot[busy] + 1) & mask
        if not hits:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, empty
        ids = np.concatenate([h[1] for h in hits]) & np.uint64(0xFFFFFFFF)
        return (
            np.concatenate([h[0] for h in hits]),
            ids.astype(np.int64),
            np.concatenate([h[2] for h in hits]),
        )

    def _lookup_few(self, query: list[int]) -> tuple[I64, I64, I64]:
        """``lookup`` one key at a time: for a handful of keys, ~50 numpy calls per probe step
        cost more than a Python loop."""
        slots, mask, shift = self._slots, (1 << self._bits) - 1, 32 - self._bits
        hits: list[tuple[int, int, int]] = []
        for position, key in enumerate(query):
            slot = key >> shift
            while value := int(slots[slot]):
                if value >> 32 == key:
                    hits.append((position, value & 0xFFFFFFFF, slot))
                slot = (slot + 1) & mask
        found = np.array(hits, dtype=np.int64).reshape(-1, 3)
        return found[:, 0], found[:, 1], found[:, 2]

    def reserve(self, entries: int) -> None:
        """Room for ``entries`` more at load 3/4 without growing again."""
        if 4 * (self._used + entries) > 3 * self._slots.size:
            self._grow(entries)

    def insert(self, keys: U32, ids: I64) -> None:
        if 4 * (self._used + keys.size) > 3 * self._slots.size:
            self._grow(max(keys.size, self._used))  # doubling
        packed = (keys.astype(np.uint64) << np.uint64(32)) | ids.astype(np.uint64)
        if packed.size <= _SMALL:
            self._place_few(packed.tolist())
        else:
            self._place(packed)

    def _place_few(self, packed: list[int]) -> None:
        slots, mask, shift = self._slots, (1 << self._bits) - 1, 64 - self._bits
        for value in packed:
            slot = value >> shift
            while (current := int(slots[slot])) not in (0, _RETIRED):
                slot = (slot + 1) & mask
            slots[slot] = value
            self._used += current == 0

    def retire(self, slots: I64) -> None:
        self._slots[slots] = np.uint64(_RETIRED)

    def _place(self, packed: U64) -> None:
        mask = np.int64((1 << self._bits) - 1)
        slot = (packed >> np.uint64(64 - self._bits)).astype(np.int64)
        while packed.size:
            current = self._slots[slot]
            # Retired slots are reused, so a hot key's probe chain does not grow forever.
            free = np.flatnonzero((current == 0) | (current == np.uint64(_RETIRED)))
            # Several entries may race for one free slot: all write, the last writer wins.
            target = slot[free]
            self._slots[target] = packed[free]
            won = free[self._slots[target] == packed[free]]
            self._used += int(np.count_nonzero(current[won] == 0))
            rest = np.ones(packed.size, dtype=bool)
            rest[won] = False
            packed = packed[rest]
            slot = (slot[rest] + 1) & mask

    def _grow(self, extra: int) -> None:
        """Rehash the live entries (retired ones are dropped) into a table that fits ``extra``
        more at load 3/4: usually twice as large, the same size when it is mostly retired."""
        old = self._slots
        live = np.count_nonzero((old != 0) & (old != np.uint64(_RETIRED)))
        while 4 * (live + extra) > 3 * (1 << self._bits):
            self._bits += 1
        self._slots = np.zeros(1 << self._bits, dtype=np.uint64)
        self._used = 0
        # A piece of the old table at a time: placing tens of millions of entries at once
        # makes several temporaries of that size.
        for lo in range(0, old.size, _REHASH):
            part = old[lo : lo + _REHASH]
            self._place(part[(part != 0) & (part != np.uint64(_RETIRED))])
