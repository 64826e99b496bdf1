"""Benchmark image dataset ingest: N JPEGs of 640x480 in a zip, verified, EXIF-checked,
thumbnailed, perceptually hashed, stored and split.

    .venv/bin/python bench/ingest_images.py --images 2000 [--images 10000]

Runs the real ingest job on a fresh embedded PostgreSQL with local storage. The JPEGs are
drawn shelf scenes (``app.demo.samples``) with a per-image colour shift and noise, so they
differ the way photos do; 1% are exact copies. Image decoding runs in the ingest's process
pool (one worker per core), so the peak RSS printed is the ingest process's own; the pool's
workers are reported separately.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import sys
import tempfile
import zipfile
from pathlib import Path

from PIL import Image, ImageEnhance

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.demo.samples import shelf_images
from app.ingest.pool import warm
from app.models import DataKind
from bench.ingest_common import (
    bench_settings,
    bench_store,
    create_dataset,
    maybe_s3,
    timed_ingest,
)


def make_zip(path: Path, n: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    bases = [Image.open(io.BytesIO(s.png)).convert("RGB") for s in shelf_images(24, seed)]
    made: list[bytes] = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for i in range(n):
            if made and rng.random() < 0.01:
                data = rng.choice(made)
            else:
                img = ImageEnhance.Color(rng.choice(bases)).enhance(rng.uniform(0.4, 1.6))
                img = ImageEnhance.Brightness(img).enhance(rng.uniform(0.7, 1.3))
                img = img.rotate(rng.uniform(-4, 4), fillcolor=(236, 228, 214))
                buf = io.BytesIO()
                img.save(buf, "JPEG", quality=rng.randint(75, 92))
                data = buf.getvalue()
                made = [*made[-200:], data]
            z.writestr(f"shelf/{i:06d}.jpg", data)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, action="append")
    parser.add_argument(
        "--cold", action="store_true", help="do not start the worker processes before timing"
    )
    parser.add_argument(
        "--s3", action="store_true", help="store objects on a SeaweedFS S3 server, not locally"
    )
    args = parser.parse_args()
    for n in args.images or [2000]:
        with (
            tempfile.TemporaryDirectory(prefix="brigade-bench-") as tmp,
            maybe_s3(args.s3) as s3,
        ):
            settings = bench_settings(Path(tmp), s3)
            raw = Path(tmp) / "images.zip"
            make_zip(raw, n)
            store = await bench_store(settings)
            obj = await store.put_file(raw, "application/zip")
            dataset_id = await create_dataset(settings, obj.key, DataKind.IMAGE, "zip", {})
            if not args.cold:
                await warm()  # as a worker process that has ingested before
            r = await timed_ingest(settings, store, dataset_id)
            print(
                f"{n:>7,} images  {r.seconds:6.2f} s  {n / r.seconds:7,.0f} images/s  "
                f"peak RSS {r.peak_rss_mib:5.0f} MiB  "
                f"all slots open +{r.queue_seconds:.2f} s  "
                f"received/accepted/dup/near/rejected/tasks {r.counts}  "
                f"zip {raw.stat().st_size >> 20} MiB\n  {r.cpu_text()}"
            )


if __name__ == "__main__":
    asyncio.run(main())
