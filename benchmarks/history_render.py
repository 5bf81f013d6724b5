"""How long the history report takes to render from a large history (run it, it is not a test).

    python benchmarks/history_render.py [--runs 10000] [--endpoints 43] [--keys 1]
    python benchmarks/history_render.py --runs 1 --endpoints 1 --keys 24000   # one run of many keys

Fills a throwaway history file with synthetic runs (a mix of working, failing and flapping
endpoints), then renders the report in a fresh process three times: the best time, and that
process's peak memory (what a merchant's machine needs for the report alone).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from p2p_conformance.report.history import validate_history


def fill(path: Path, runs: int, endpoints: int, keys: int) -> None:
    validate_history(path)  # creates the schema
    rng = random.Random(7)
    start = datetime(2025, 7, 1, tzinfo=UTC)
    behaviour = [rng.choice(["ok", "fail", "flap"]) for _ in range(endpoints)]
    with sqlite3.connect(path) as connection:
        for run in range(runs):
            run_id = f"run{run:06d}"
            at = (start + timedelta(minutes=10 * run)).strftime("%Y-%m-%dT%H:%M:%SZ")
            connection.execute(
                "INSERT INTO runs (run_id, started_at, base_url) VALUES (?, ?, ?)",
                (run_id, at, "https://api.binance.com"),
            )
            rows = []
            for key in range(keys):
                for endpoint, kind in enumerate(behaviour):
                    working = kind == "ok" or (kind == "flap" and rng.random() < 0.5)
                    rows.append(
                        (
                            run_id,
                            f"endpoint/{endpoint}",
                            f"key{key}...abcd",
                            "pass" if working else "fail",
                            200 if working else 400,
                            "000000" if working else "-2008",
                            "none" if working else "binance",
                            100.0,
                        )
                    )
            connection.executemany(
                "INSERT INTO results (run_id, endpoint_id, key_fingerprint, outcome, http_status, code, side, "
                "latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )


RENDER = """
import resource, sys, time
from pathlib import Path
from p2p_conformance.report.history_report import render_history
timings = []
for _ in range(3):
    started = time.perf_counter()
    page = render_history([Path(sys.argv[1])])
    timings.append(time.perf_counter() - started)
print(min(timings), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(page))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--endpoints", type=int, default=43)
    parser.add_argument("--keys", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite3"
        started = time.perf_counter()
        fill(path, args.runs, args.endpoints, args.keys)
        filled = time.perf_counter() - started
        measured = subprocess.run(
            [sys.executable, "-c", RENDER, str(path)], capture_output=True, text=True, check=True
        ).stdout.split()
    best, peak_kib, page = float(measured[0]), int(measured[1]), int(measured[2])
    rows = args.runs * args.endpoints * args.keys
    print(
        f"{args.runs} runs x {args.endpoints} endpoints x {args.keys} key(s) = {rows} rows "
        f"(filled in {filled:.1f} s); render: best {best:.2f} s of 3, peak memory {peak_kib / 1024:.0f} MiB, "
        f"page {page} bytes"
    )


if __name__ == "__main__":
    main()
