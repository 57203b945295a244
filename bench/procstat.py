"""CPU accounting from /proc: a process tree's CPU seconds and the whole machine's busy time.

A server's CPU is its processes' user+system time. Children that exited in between (a PostgreSQL
backend that closed, a restarted worker) are not lost: once reaped, their time is in the parent's
cutime/cstime, so `tree_cpu` counts live descendants plus every reaped child.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class _Stat:
    ppid: int
    own: float  # utime + stime, seconds
    reaped: float  # cutime + cstime, seconds


def _read_stat(pid: int) -> _Stat | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: split after the last ')'.
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return _Stat(ppid=int(fields[1]), own=(utime + stime) / TICKS, reaped=(cutime + cstime) / TICKS)


def _all_stats() -> dict[int, _Stat]:
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _read_stat(int(entry))
            if stat is not None:
                stats[int(entry)] = stat
    return stats


def tree_cpu(root_pid: int) -> float:
    """CPU seconds used so far by `root_pid` and all its descendants (live or reaped)."""
    stats = _all_stats()
    children: dict[int, list[int]] = {}
    for pid, stat in stats.items():
        children.setdefault(stat.ppid, []).append(pid)
    total, todo = 0.0, [root_pid]
    while todo:
        pid = todo.pop()
        stat = stats.get(pid)
        if stat is None:
            continue
        total += stat.own + stat.reaped
        todo.extend(children.get(pid, []))
    return total


def tree_pids(root_pid: int) -> list[int]:
    stats = _all_stats()
    found, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        if pid in stats:
            found.append(pid)
            todo.extend(p for p, s in stats.items() if s.ppid == pid)
    return found


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICKS


def children_cpu() -> float:
    """CPU seconds of this process's reaped children (the load generator, pgbench)."""
    times = os.times()
    return times.children_user + times.children_system


def load_average() -> float:
    return os.getloadavg()[0]
