"""A local, Binance-like C2C gateway on loopback: for demos, recording cassettes and testing live mode."""

from emulator.app import Call, Emulator
from emulator.scenario import Scenario, ScenarioError, load_scenario, parse_scenario
from emulator.server import running_emulator

__all__ = ["Call", "Emulator", "Scenario", "ScenarioError", "load_scenario", "parse_scenario", "running_emulator"]
