"""Near-duplicate images by perceptual hash: Hamming distance <= ``max_distance`` (64-bit dHash).

Banding makes it sub-linear: the hash is cut into 8 bands of 8 bits; two hashes within distance
d <= 7 differ in at most d bands, so they agree exactly on at least 8 - d of them and always
share a bucket. Candidates are verified on the full hash. Keys are item ids; like the text index,
a near-duplicate is not indexed itself, so flags point at the first image of a cluster.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

_BANDS = 8
_BUCKET_CAP = 64  # a band value shared by many images (plain backgrounds) stops growing


class PhashIndex:
    def __init__(self, max_distance: int = 6) -> None:
        if not 0 <= max_distance < _BANDS:
            raise ValueError(f"max_distance must be 0..{_BANDS - 1}")
        self.max_distance = max_distance
        self._buckets: list[defaultdict[int, list[tuple[int, int]]]] = [
            defaultdict(list) for _ in range(_BANDS)
        ]

    def add(self, key: int, phash: int | None) -> int | None:
        if phash is None:
            return None
        h = phash & 0xFFFF_FFFF_FFFF_FFFF
        bands = [(h >> (8 * b)) & 0xFF for b in range(_BANDS)]
        best: tuple[int, int] | None = None  # (key, distance) of the earliest close match
        for b, value in enumerate(bands):
            for other_key, other in self._buckets[b].get(value, ()):
                d = (h ^ other).bit_count()
                if d <= self.max_distance and (best is None or other_key < best[0]):
                    best = (other_key, d)
        if best is not None:
            return best[0]
        for b, value in enumerate(bands):
            bucket = self._buckets[b][value]
            if len(bucket) < _BUCKET_CAP:
                bucket.append((key, h))
        return None

    def add_many(self, items: Iterable[tuple[int, int | None]]) -> list[int | None]:
        return [self.add(key, phash) for key, phash in items]
