"""CPU time of process trees, for the benchmarks' accounting (Linux ``/proc``)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def own_cpu(pid: int) -> float:
    """CPU seconds (user + system) of one process, its reaped children included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants: the live ones,
    and the ones that exited and were reaped (their time is in the parent's cutime/cstime;
    PostgreSQL backends of closed connections count too)."""
    total = own_cpu(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        with contextlib.suppress(FileNotFoundError):  # a backend that just exited
            total += tree_cpu(int(child))
    return total


def postmaster(data_dir: Path | str) -> int:
    """The embedded PostgreSQL's main process for a Brigade data directory."""
    pid_file = Path(data_dir) / "postgres" / "postmaster.pid"
    return int(pid_file.read_text().split()[0])


def pool_workers(pid: int) -> list[int]:
    """The live ``multiprocessing`` pool workers among a process's children (not its resource
    tracker, nor a server the benchmark started)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = []
    for child in children.read_text().split() if children.exists() else []:
        with contextlib.suppress(FileNotFoundError):
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"spawn_main" in cmdline:
                found.append(int(child))
    return found


def peak_rss_mib(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
