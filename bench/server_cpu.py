"""A server's CPU time, read from ``/proc``: the benchmarks' steadier per-request figure.

Requests per second on a small shared machine move with whatever else runs, and with how
gunicorn's workers happen to share the load generator's connections. The CPU time a server
spends per answered request moves much less, so the page and feed benchmarks report it
beside the throughput. Linux only.
"""

from __future__ import annotations

import os
from pathlib import Path


def group_cpu_seconds(group: int) -> float:
    """User and system CPU time used so far by every process of one process group (a server
    started in its own session: its master and every worker)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) == group:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")
