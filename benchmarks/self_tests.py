"""How long the README's offline command takes, as whole processes (run it, it is not a test).

    python benchmarks/self_tests.py [--runs 5] [--serial]

Times ``pytest -n auto`` as the README runs it from the checkout (the endpoint suite and the self-tests, one
pytest-xdist worker per core), after one warm-up run; with ``--serial`` also plain ``pytest``, alternated with it.
Python runs as it does by default, keeping the bytecode it compiles, here in a temporary folder
(``PYTHONPYCACHEPREFIX``) rather than the checkout; ``PYTHONDONTWRITEBYTECODE``, which some machines and CI images
set, is left out: with it, every process (each pytest-xdist worker, each nested run) compiles the package again.
Prints the median wall time of each and the machine's core count. The goal (issue 35): at most 40 s on a 2-core
machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

from live_run import ROOT, timed  # a sibling script: run as python benchmarks/self_tests.py

GOAL_SECONDS = 40.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    parser.add_argument("--serial", action="store_true", help="also time plain pytest (one process)")
    args = parser.parse_args()
    pytest_run = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    commands = {"pytest -n auto": [*pytest_run, "-n", "auto"]}
    if args.serial:
        commands["pytest"] = pytest_run
    with tempfile.TemporaryDirectory() as cache:
        env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        timed(commands["pytest -n auto"], ROOT, env)  # a warm-up: bytecode compiled, files in the page cache
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(timed(command, ROOT, env))
    print(f"{os.cpu_count()} cores")
    for name, values in times.items():
        spread = f"min {min(values):.1f}, max {max(values):.1f}"
        print(f"{name}: median {statistics.median(values):.1f} s of {args.runs} runs ({spread})")
    print(f"goal: pytest -n auto in at most {GOAL_SECONDS:g} s on 2 cores")


if __name__ == "__main__":
    main()
