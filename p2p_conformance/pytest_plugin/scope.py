"""Which runs and tests are the suite's own. Installed anywhere, the plugin is a guest: it adds its options,
and acts only in a run that names the suite and only on the suite's tests.

A run is the suite's own when one of its paths reaches the suite's folder (``p2p_conformance/suite``), or
when it is given as ``--pyargs p2p_conformance.suite``. Nothing here imports the suite or a foreign project.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SUITE_DIR = Path(__file__).resolve().parents[1] / "suite"
SUITE_MODULE = "p2p_conformance.suite"


def installed(folder: Path) -> bool:
    """A copy installed in an environment (a wheel), not a checkout's folder."""
    return any(part in ("site-packages", "dist-packages") for part in folder.parts)


def _reaches_the_suite(path: Path) -> bool:
    """A test path inside the suite, or a folder that holds it in a checkout. A folder that holds an installed
    copy (a project whose virtualenv is inside it) does not: pytest does not collect virtualenvs."""
    if path == SUITE_DIR or SUITE_DIR in path.parents:
        return True
    return path in SUITE_DIR.parents and not installed(SUITE_DIR)


def runs_the_suite(config: pytest.Config) -> bool:
    """Whether this run collects the suite's tests (decided before collection, from the run's arguments)."""
    for argument in config.args:
        target = argument.split("::")[0]
        named = target in ("p2p_conformance", SUITE_MODULE) or target.startswith(f"{SUITE_MODULE}.")
        if config.option.pyargs and named:
            return True
        if _reaches_the_suite((config.invocation_params.dir / target).resolve()):
            return True
    return False


def why_not_the_suite(config: pytest.Config) -> str:
    """Why a run that was given the suite's options does not collect the suite, in words that say what to do: an
    argument pytest took for a path that is none (an unquoted list after an option), a folder of the checkout
    other than its root, or another project's tests."""
    here = config.invocation_params.dir
    strays = [a for a in config.args if not config.option.pyargs and not (here / a.split("::")[0]).exists()]
    if strays:
        return (
            f"pytest took {strays[0]!r} for a path to test, and there is none: an option takes one value (a list "
            f"after --focus is joined by commas, no space: --focus ads/getAds,ads/search)"
        )
    checkout = SUITE_DIR.parents[1]
    if not installed(SUITE_DIR) and (here == checkout or checkout in here.parents):
        return f"run it from the checkout's root ({checkout}), or: pytest --pyargs {SUITE_MODULE} ..."
    return f"run pytest --pyargs {SUITE_MODULE} ... (or pytest in a p2p-conformance checkout)"


def is_suite_item(item: pytest.Item) -> bool:
    """A test of the suite (its endpoint tests), as opposed to a test of another project in the same run."""
    return SUITE_DIR in item.path.resolve().parents
