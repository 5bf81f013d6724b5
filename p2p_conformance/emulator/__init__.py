"""A local, Binance-like C2C gateway on loopback: for demos, recording cassettes and testing live mode."""

from p2p_conformance.emulator.app import Call, Emulator
from p2p_conformance.emulator.scenario import Scenario, ScenarioError, load_scenario, parse_scenario
from p2p_conformance.emulator.server import running_emulator

__all__ = ["Call", "Emulator", "Scenario", "ScenarioError", "load_scenario", "parse_scenario", "running_emulator"]
