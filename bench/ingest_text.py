"""Benchmark text dataset ingest: N JSONL items cleaned, de-duplicated, stored and split.

    .venv/bin/python bench/ingest_text.py --items 100000 [--items 1000000] [--mask-pii]
                                          [--format jsonl|csv] [--s3] [--cold]

Runs the real ingest job (``app.ingest.service.run``) on a fresh embedded PostgreSQL database
with local storage, the way a worker runs it. Prints wall time, items/s and the process's peak
RSS. The input is synthetic Chinese e-commerce reviews (20-80 characters) with metadata, 1%
exact duplicates, 2% near-duplicates and a phone number in every 50th.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.demo.samples import REVIEWS
from app.ingest.pool import warm
from app.models import DataKind
from bench.ingest_common import (
    bench_settings,
    bench_store,
    create_dataset,
    maybe_s3,
    timed_ingest,
)

# Reviews are composed from independent parts, so most are distinct the way real ones are;
# 1% are exact copies and ~2% are lightly edited copies of an earlier review.
_BRANDS = ["华为", "小米", "海尔", "美的", "格力", "李宁", "安踏", "联想", "大疆", "OPPO", "vivo"]
_GOODS = ["手机", "耳机", "冰箱", "空调", "跑鞋", "电饭煲", "羽绒服", "笔记本", "无人机", "台灯"]
_CITIES = ["杭州", "深圳", "上海", "北京", "成都", "武汉", "西安", "南京", "重庆", "广州"]
_CLAUSES = [
    "物流很快",
    "包装完好",
    "客服态度好",
    "性价比高",
    "做工精细",
    "颜色和图片一致",
    "安装师傅很专业",
    "有点小瑕疵",
    "尺码偏小",
    "电池续航一般",
    "声音有点大",
    "送货上门",
    "第二天就到了",
    "比实体店便宜",
    "会回购",
    "推荐给朋友",
    "说明书看不懂",
    "赠品很实用",
]


def _review(rng: random.Random) -> str:
    clauses = rng.sample(_CLAUSES, rng.randint(2, 5))
    return (
        f"在{rng.choice(_CITIES)}买的{rng.choice(_BRANDS)}{rng.choice(_GOODS)}，"
        + "，".join(clauses)
        + f"，{rng.choice(REVIEWS)[: rng.randint(6, 14)]}。"
    )


def reviews(n: int, seed: int = 1) -> Iterator[tuple[int, str]]:
    rng = random.Random(seed)
    recent: list[str] = []
    for i in range(n):
        roll = rng.random()
        if recent and roll < 0.01:
            text = rng.choice(recent)  # an exact duplicate
        elif recent and roll < 0.03:
            text = rng.choice(recent)[:-1] + "！"  # a near-duplicate
        else:
            text = _review(rng)
            if i % 50 == 0:
                text += f"联系电话138{rng.randrange(10**8):08d}"
        recent = [*recent[-999:], text]
        yield i, text


def make_jsonl(path: Path, n: int, seed: int = 1) -> None:
    with path.open("wb") as fh:
        for i, text in reviews(n, seed):
            fh.write(orjson.dumps({"text": text, "order": i, "shop": f"s{i % 97}"}) + b"\n")


def make_csv(path: Path, n: int, seed: int = 1) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "order", "shop"])
        for i, text in reviews(n, seed):
            writer.writerow([text, i, f"s{i % 97}"])


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, action="append")
    parser.add_argument("--mask-pii", action="store_true")
    parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    parser.add_argument(
        "--cold", action="store_true", help="do not start the worker processes before timing"
    )
    parser.add_argument(
        "--s3", action="store_true", help="store objects on a SeaweedFS S3 server, not locally"
    )
    args = parser.parse_args()
    for n in args.items or [100_000]:
        with (
            tempfile.TemporaryDirectory(prefix="brigade-bench-") as tmp,
            maybe_s3(args.s3) as s3,
        ):
            settings = bench_settings(Path(tmp), s3)
            raw = Path(tmp) / f"data.{args.format}"
            (make_csv if args.format == "csv" else make_jsonl)(raw, n)
            store = await bench_store(settings)
            obj = await store.put_file(
                raw, "text/csv" if args.format == "csv" else "application/x-ndjson"
            )
            dataset_id = await create_dataset(
                settings, obj.key, DataKind.TEXT, args.format, {"mask_pii": args.mask_pii}
            )
            if not args.cold:
                await warm()  # as a worker process that has ingested before
            r = await timed_ingest(settings, store, dataset_id)
            print(
                f"{n:>9,} items  {r.seconds:6.2f} s  {n / r.seconds:9,.0f} items/s  "
                f"peak RSS {r.peak_rss_mib:6.0f} MiB (before ingest {r.rss_before_mib:.0f})  "
                f"all slots open +{r.queue_seconds:.2f} s  "
                f"received/accepted/dup/near/rejected/tasks {r.counts}  mask_pii={args.mask_pii}\n"
                f"  {r.cpu_text()}"
            )


if __name__ == "__main__":
    asyncio.run(main())
