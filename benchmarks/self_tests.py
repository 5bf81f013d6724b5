"""How long the README's offline command takes, as whole processes (run it, it is not a test).

    python benchmarks/self_tests.py [--runs 5] [--serial]

Times ``pytest -n auto`` as the README runs it from the checkout (the endpoint suite and the self-tests, one
pytest-xdist worker per core), after one warm-up run; with ``--serial`` also plain ``pytest``, alternated with it.
Each is timed twice over, alternated: as Python runs by default (it keeps compiled bytecode in ``__pycache__``,
ignored by git) and with ``PYTHONDONTWRITEBYTECODE=1`` (set on some machines and CI images: every process, each
pytest-xdist worker and nested run among them, compiles the package again). Prints the median wall time of each
and the machine's core count. The goal (issue 35): at most 40 s on a 2-core machine, as Python runs by default.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

from live_run import ROOT, timed  # a sibling script: run as python benchmarks/self_tests.py

GOAL_SECONDS = 40.0
NO_BYTECODE = {"PYTHONDONTWRITEBYTECODE": "1"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    parser.add_argument("--serial", action="store_true", help="also time plain pytest (one process)")
    args = parser.parse_args()
    pytest_run = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    commands = {"pytest -n auto": [*pytest_run, "-n", "auto"]}
    if args.serial:
        commands["pytest"] = pytest_run
    default = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    settings = {"as Python runs by default": default, "with PYTHONDONTWRITEBYTECODE=1": default | NO_BYTECODE}
    timed(commands["pytest -n auto"], ROOT, default)  # a warm-up: bytecode compiled, files in the page cache
    times: dict[str, list[float]] = {f"{name}, {said}": [] for name in commands for said in settings}
    for _ in range(args.runs):
        for name, command in commands.items():
            for said, env in settings.items():
                times[f"{name}, {said}"].append(timed(command, ROOT, env))
    print(f"{os.cpu_count()} cores")
    for name, values in times.items():
        spread = f"min {min(values):.1f}, max {max(values):.1f}"
        print(f"{name}: median {statistics.median(values):.1f} s of {args.runs} runs ({spread})")
    print(f"goal: pytest -n auto in at most {GOAL_SECONDS:g} s on 2 cores, as Python runs by default")


if __name__ == "__main__":
    main()
