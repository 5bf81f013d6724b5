"""What a live run costs beside pytest's own start-up (run it, it is not a test).

    python benchmarks/live_run.py [--runs 5]

Times, in fresh processes and alternated, ``pytest -m live --emulator`` as the README runs it (from the
checkout, every read-only endpoint against the local emulator, no chat socket, reports into a temporary folder) and
pytest's start-up with the plugin installed (``pytest`` on one empty test file in an empty folder); prints the
median wall time of each and the ratio of the medians. The goal (issue 26): a live run costs at most 1.6
times pytest's start-up.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 1.6


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """One run's wall time (in ``env``, else this process's environment); a failed run stops the benchmark with
    its output."""
    started = time.perf_counter()
    finished = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed (exit {finished.returncode}):\n{finished.stdout[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    args = parser.parse_args()
    pytest_run = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "empty"
        empty.mkdir()
        (empty / "test_empty.py").write_text("def test_nothing():\n    pass\n")
        live = [*pytest_run, "-m", "live", "--emulator", "--report-dir", str(Path(folder) / "reports")]
        start_up = [*pytest_run, "test_empty.py"]
        timed(live, ROOT)  # a warm-up of each: bytecode compiled, files in the page cache
        timed(start_up, empty)
        times: dict[str, list[float]] = {"live": [], "start-up": []}
        for _ in range(args.runs):
            times["live"].append(timed(live, ROOT))
            times["start-up"].append(timed(start_up, empty))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        spread = f"min {min(values):.2f}, max {max(values):.2f}"
        print(f"{name}: median {medians[name]:.2f} s of {args.runs} runs ({spread})")
    ratio = medians["live"] / medians["start-up"]
    print(f"pytest -m live --emulator / pytest start-up: x{ratio:.2f} (goal: at most x{GOAL})")


if __name__ == "__main__":
    main()
