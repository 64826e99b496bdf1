"""Benchmark text dataset ingest: N JSONL items cleaned, de-duplicated, stored and split.

    .venv/bin/python bench/ingest_text.py --items 100000 [--items 1000000] [--s3]

Runs the real ingest job (``app.ingest.service.run``) on a fresh embedded PostgreSQL database
with local storage (or SeaweedFS S3 with ``--s3``), the way a worker runs it. Prints wall time,
items/s and the process's peak RSS. The input is synthetic Chinese e-commerce reviews with
realistic length (20-80 characters), metadata, 1% exact duplicates and some PII.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import orjson
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import AuthSettings, Settings, StorageSettings
from app.demo.samples import REVIEWS
from app.ingest import service as ingest
from app.kit.db import (
    create_engine,
    create_sessionmaker,
    session_scope,
)
from app.kit.storage import ObjectStore, create_store
from app.models import (
    DataKind,
    Dataset,
    DatasetStatus,
    Domain,
    Enterprise,
    EnterpriseKind,
    LabelingJob,
)
from app.runtime import database_url, migrate

SCHEMA = {"kind": "text_classification", "labels": [{"name": "pos"}, {"name": "neg"}]}


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


def make_jsonl(path: Path, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    recent: list[str] = []
    with path.open("wb") as fh:
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
            fh.write(orjson.dumps({"text": text, "order": i, "shop": f"s{i % 97}"}) + b"\n")


async def setup(settings: Settings, store: ObjectStore, raw: Path, mask: bool) -> uuid.UUID:
    url = database_url(settings)
    migrate(url)
    engine = create_engine(settings, url)
    maker = create_sessionmaker(engine)
    obj = await store.put_file(raw, "application/x-ndjson")
    async with session_scope(maker) as session:
        client = Enterprise(name=f"bench-{uuid.uuid4().hex[:6]}", kind=EnterpriseKind.CLIENT)
        session.add(client)
        await session.flush()
        job = LabelingJob(
            client_id=client.id,
            name="bench",
            domain=Domain.ECOMMERCE,
            data_kind=DataKind.TEXT,
            label_schema=SCHEMA,
            overlap=3,
            price_per_item=Decimal("0.1"),
            task_size=1,
        )
        session.add(job)
        await session.flush()
        ds = Dataset(
            job_id=job.id,
            client_id=client.id,
            name="bench",
            kind=DataKind.TEXT,
            format="jsonl",
            options={"mask_pii": mask},
            raw_key=obj.key,
            raw_size=obj.size,
        )
        session.add(ds)
        await session.flush()
        dataset_id = ds.id
    await engine.dispose()
    return dataset_id


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, action="append")
    parser.add_argument("--mask-pii", action="store_true")
    args = parser.parse_args()
    for n in args.items or [100_000]:
        with tempfile.TemporaryDirectory(prefix="brigade-bench-") as tmp:
            settings = Settings(
                environment="test",
                data_dir=Path(tmp),
                storage=StorageSettings(backend="local"),
                auth=AuthSettings(secret_key=SecretStr("bench" * 8)),
                log_level="WARNING",
                log_json=False,
            )
            raw = Path(tmp) / "data.jsonl"
            make_jsonl(raw, n)
            store = create_store(settings, b"bench-signing-key-0123456789")
            await store.ensure_ready()
            dataset_id = await setup(settings, store, raw, args.mask_pii)
            engine = create_engine(settings, database_url(settings))
            maker = create_sessionmaker(engine)
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            start = time.perf_counter()
            await ingest.run(maker, store, dataset_id)
            elapsed = time.perf_counter() - start
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            async with session_scope(maker) as session:
                ds = await session.get_one(Dataset, dataset_id)
                assert ds.status is DatasetStatus.READY, ds.error
                counts = (ds.received, ds.accepted, ds.duplicates, ds.near_duplicates, ds.tasks)
            await engine.dispose()
            print(
                f"{n:>9,} items  {elapsed:6.2f} s  {n / elapsed:9,.0f} items/s  "
                f"peak RSS {peak:6.0f} MiB (before ingest {rss_before:.0f})  "
                f"received/accepted/dup/near/tasks {counts}  mask_pii={args.mask_pii}"
            )


if __name__ == "__main__":
    asyncio.run(main())
