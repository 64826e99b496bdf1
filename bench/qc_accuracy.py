"""Accuracy of Brigade's majority vote and Dawid-Skene on real crowd labels with known truth.

    .venv/bin/python bench/qc_accuracy.py [--data /work/shared/data/crowd] [--smoothing 0.01]
                                          [--replica]

Each folder under ``--data`` holds ``answers.csv`` (item,worker,label) and ``truth.csv``
(item,label); see its README.md. Every answer is used for fitting, only items with truth are
scored. Classes are the labels seen in either file, in numeric order where they are numbers: that
order breaks majority-vote ties. The reference columns are read from the README's table (crowd-kit
1.4.2 and the best method in the paper); ``!`` marks a set where Brigade's Dawid-Skene is more than
0.3 points below crowd-kit's.

``--replica`` adds two columns from a numpy re-implementation of crowd-kit 1.4.2's Dawid-Skene
loop (majority-vote start, unsmoothed confusion clipped at 1e-10, stop when its per-vote evidence
lower bound gains less than 1e-5): with its own stopping rule, which should reproduce the README's
crowd-kit column, and run for its full 100 iterations. Where the two differ, the README's figure
comes from where crowd-kit happened to stop, not from the model.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.quality.consensus import Votes, dawid_skene, encode_votes, majority_vote
from app.quality.consensus.encoding import FloatArray, IntArray, vote_counts

DATA = Path("/work/shared/data/crowd")
TOLERANCE = 0.3  # points


@dataclass(frozen=True)
class Reference:
    majority: float | None
    crowd_kit: float | None
    paper: float | None


def read_references(readme: Path) -> dict[str, Reference]:
    """The README's "| set | majority vote | crowd-kit DS | paper's best |" rows."""
    refs: dict[str, Reference] = {}
    for line in readme.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0] or cells[0] == "set":
            continue
        numbers = [_first_number(c) for c in cells[1:]]
        refs[cells[0].split()[0]] = Reference(*numbers)
    return refs


def _first_number(cell: str) -> float | None:
    match = re.match(r"\s*(\d+(?:\.\d+)?)", cell)
    return float(match.group(1)) if match else None


def _class_order(labels: set[str]) -> list[str]:
    if all(re.fullmatch(r"-?\d+", x) for x in labels):
        return sorted(labels, key=int)
    return sorted(labels)


@dataclass(frozen=True)
class Score:
    scored: int
    majority: float
    dawid_skene: float
    iterations: int
    seconds: float
    replica: float | None  # crowd-kit's loop with its stopping rule
    replica_100: float | None  # crowd-kit's loop, 100 iterations


def load(folder: Path) -> tuple[Votes, IntArray, IntArray]:
    """A set's votes, the positions of its items with truth, and their true class indices."""
    with (folder / "answers.csv").open(newline="") as f:
        rows = [(r["item"], r["worker"], r["label"]) for r in csv.DictReader(f)]
    with (folder / "truth.csv").open(newline="") as f:
        truth = {r["item"]: r["label"] for r in csv.DictReader(f)}
    classes = _class_order({r[2] for r in rows} | set(truth.values()))
    votes = encode_votes(rows, classes)
    position = votes.item_position()
    scored = np.asarray([position[i] for i in truth if i in position], dtype=np.int64)
    expected = np.asarray([classes.index(truth[votes.items[i]]) for i in scored], dtype=np.int64)
    return votes, scored, expected


def score(folder: Path, smoothing: float, replica: bool) -> Score:
    votes, scored, expected = load(folder)
    mv = majority_vote(votes)
    start = time.perf_counter()
    ds = dawid_skene(votes, smoothing=smoothing)
    seconds = time.perf_counter() - start

    def pct(label: IntArray) -> float:
        return 100.0 * float(np.mean(label[scored] == expected))

    ck = ck_100 = None
    if replica:
        ck, ck_100 = pct(crowdkit_replica(votes)), pct(crowdkit_replica(votes, stop=False))
    return Score(len(scored), pct(mv.label), pct(ds.label), ds.iterations, seconds, ck, ck_100)


def crowdkit_replica(votes: Votes, *, n_iter: int = 100, stop: bool = True) -> IntArray:
    """crowd-kit 1.4.2's DawidSkene.fit, re-done on arrays (see the module doc)."""
    eps = 1e-10
    n_w, k = len(votes.annotators), len(votes.classes)
    counts = vote_counts(votes)
    a = sp.csr_matrix(
        (np.ones(votes.n_votes), (votes.item, votes.annotator * k + votes.label)),
        shape=(len(votes.items), n_w * k),
    )
    a_t = a.T.tocsr()
    seen = np.zeros(n_w * k, dtype=bool)
    seen[votes.annotator * k + votes.label] = True
    seen_wl = seen.reshape(n_w, k, 1)

    def errors(probas: FloatArray) -> FloatArray:  # [worker, given, true], unseen labels 0
        e = np.where(seen_wl, np.maximum(np.asarray(a_t @ probas).reshape(n_w, k, k), eps), 0)
        out: FloatArray = e / e.sum(axis=1, keepdims=True)
        return out

    def log_errors(e: FloatArray) -> FloatArray:
        out: FloatArray = np.log(np.where(e > 0, e, 1.0)).reshape(n_w * k, k)
        return out

    probas = counts / counts.sum(axis=1, keepdims=True)
    priors, e = probas.mean(axis=0), errors(probas)
    loss = -np.inf
    for _ in range(n_iter):
        log_joint = np.asarray(a @ log_errors(e)) + np.log(priors)
        joint = np.exp(log_joint - log_joint.max(axis=1, keepdims=True))
        probas = joint / joint.sum(axis=1, keepdims=True)
        priors, e = probas.mean(axis=0), errors(probas)
        # Its bound adds the log prior once per vote, not once per item: kept as it is.
        expected_log = np.sum(np.asarray(a @ log_errors(e)) * probas)
        expected_log += np.sum(counts.sum(axis=1, keepdims=True) * probas * np.log(priors))
        with np.errstate(divide="ignore", invalid="ignore"):
            entropy = -np.nansum(np.log(probas) * probas)
        new_loss = (expected_log + entropy) / votes.n_votes
        if stop and new_loss - loss < 1e-5:
            break
        loss = new_loss
    best: IntArray = np.argmax(probas, axis=1)
    return best


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--smoothing", type=float, default=0.01)
    parser.add_argument("--replica", action="store_true", help="add the crowd-kit replica columns")
    args = parser.parse_args()
    refs = read_references(args.data / "README.md")
    columns = ["set", "scored", "MV", "DS", "iter", "DS s", "ref MV", "crowd-kit DS", "paper best"]
    if args.replica:
        columns += ["replica", "replica 100 it"]
    columns.append("flag")
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    at_kit = at_paper = with_paper = 0
    folders = sorted(p for p in args.data.iterdir() if (p / "answers.csv").exists())
    for folder in folders:
        s = score(folder, args.smoothing, args.replica)
        ref = refs.get(folder.name, Reference(None, None, None))
        flag = ""
        if ref.crowd_kit is not None:
            if s.dawid_skene < ref.crowd_kit - TOLERANCE:
                flag = "! below crowd-kit"
            else:
                at_kit += 1
        if ref.paper is not None:
            with_paper += 1
            at_paper += s.dawid_skene >= ref.paper
        cells = [
            folder.name,
            str(s.scored),
            _fmt(s.majority),
            _fmt(s.dawid_skene),
            str(s.iterations),
            f"{s.seconds:.2f}",
            _fmt(ref.majority),
            _fmt(ref.crowd_kit),
            _fmt(ref.paper),
        ]
        if args.replica:
            cells += [_fmt(s.replica), _fmt(s.replica_100)]
        print("| " + " | ".join([*cells, flag]) + " |")
    print(
        f"\nDS within {TOLERANCE} points of crowd-kit or above: {at_kit}/{len(folders)} sets; "
        f"at or above the paper's best: {at_paper}/{with_paper} sets that have one."
    )


if __name__ == "__main__":
    main()
