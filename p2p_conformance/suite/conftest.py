"""The suite's fixtures and its parametrization over the catalog, for the suite's tests alone.

They live in :mod:`p2p_conformance.pytest_plugin.fixtures`; naming them here, in the suite's own conftest, is
what scopes them: pytest gives a conftest's fixtures and ``pytest_generate_tests`` to the tests of its folder
only, so another project's tests in any run keep pytest-recording's defaults.
"""

from __future__ import annotations

import pytest

from p2p_conformance.pytest_plugin.fixtures import catalog as catalog
from p2p_conformance.pytest_plugin.fixtures import default_cassette_name as default_cassette_name
from p2p_conformance.pytest_plugin.fixtures import emulator_instance as emulator_instance
from p2p_conformance.pytest_plugin.fixtures import key_name as key_name
from p2p_conformance.pytest_plugin.fixtures import live_call as live_call
from p2p_conformance.pytest_plugin.fixtures import live_run as live_run
from p2p_conformance.pytest_plugin.fixtures import pytest_generate_tests as pytest_generate_tests
from p2p_conformance.pytest_plugin.fixtures import round_number as round_number
from p2p_conformance.pytest_plugin.fixtures import run_settings as run_settings
from p2p_conformance.pytest_plugin.fixtures import vcr_cassette_dir as vcr_cassette_dir
from p2p_conformance.pytest_plugin.fixtures import vcr_config as vcr_config
from p2p_conformance.pytest_plugin.settings import SETTINGS


def pytest_configure(config: pytest.Config) -> None:
    """The suite needs its plugin's settings: collected without them, it says so in one line (``--help`` and
    ``--version`` collect nothing, and need none)."""
    if SETTINGS not in config.stash and not (config.option.help or config.option.version):
        raise pytest.UsageError(
            "p2p-conformance's suite was collected without its plugin's settings (is it disabled with "
            "-p no:p2p_conformance?): run pytest --pyargs p2p_conformance.suite"
        )
