"""How much a slow network slows a live run (run it, it is not a test).

    python benchmarks/live_latency.py [--latency 0.2] [--runs 3] [--concurrency 8]

Runs ``pytest -m live --emulator`` on the endpoint tests in fresh processes, against the
all-ok scenario as it is and with ``latency`` seconds added before every answer (a target that
far away), alternating the two; prints the median wall time of each, their ratio, and the
network line each run printed last (calls, time on the network).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ALL_OK = ROOT / "p2p_conformance" / "emulator" / "scenarios" / "all-ok.yaml"


def live_run(scenario: Path, reports: Path, concurrency: int) -> tuple[float, str]:
    """One whole live run in a fresh process: its wall time and the network line it printed last."""
    command = [sys.executable, "-m", "pytest", "--pyargs", "p2p_conformance.suite", "-p", "no:cacheprovider"]
    command += ["-m", "live", "--emulator", "--scenario", str(scenario), "--report-dir", str(reports), "-q"]
    command += ["--concurrency", str(concurrency)]
    started = time.perf_counter()
    finished = subprocess.run(command, cwd=reports.parent, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"the live run failed (exit {finished.returncode}):\n{finished.stdout[-3000:]}")
    return seconds, finished.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2, help="seconds added before each answer (default 0.2)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each kind (default 3)")
    parser.add_argument("--concurrency", type=int, default=8, help="calls in flight at once (default 8)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        document = yaml.safe_load(ALL_OK.read_text())
        scenarios = {0.0: base / "near.yaml", args.latency: base / "far.yaml"}
        for latency, path in scenarios.items():
            path.write_text(yaml.safe_dump({**document, "latency": latency}))
        times: dict[float, list[float]] = {latency: [] for latency in scenarios}
        lines: dict[float, str] = {}
        for run in range(args.runs):
            for latency, path in scenarios.items():
                seconds, lines[latency] = live_run(path, base / f"reports-{latency}-{run}", args.concurrency)
                times[latency].append(seconds)
    near, far = (statistics.median(times[latency]) for latency in scenarios)
    for latency in scenarios:
        print(f"latency {latency * 1000:.0f} ms: median {statistics.median(times[latency]):.2f} s of {args.runs} runs")
        print(f"  {lines[latency]}")
    print(f"ratio: x{far / near:.2f} (concurrency {args.concurrency})")


if __name__ == "__main__":
    main()
