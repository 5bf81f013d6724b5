"""Bad input gets one clear line naming what to fix, before anything is sent."""

from __future__ import annotations

import contextlib
import socket
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from p2p_conformance.emulator.__main__ import main as emulator_command
from p2p_conformance.emulator.scenario import SCENARIOS
from p2p_conformance.signer import KeyConfigError, KeyFormatWarning, load_key

if TYPE_CHECKING:
    from conftest import EndpointSuite


@pytest.mark.parametrize(
    ("arguments", "line"),
    [
        (["--recv-window", "abc"], "ERROR: --recv-window 'abc': give a whole number"),
        (["--repeat", "two"], "ERROR: --repeat 'two': give a whole number"),
        (["--deadline", "0"], "ERROR: --deadline 0: give a number of seconds from 0.1 to 604800"),
        (["--deadline", "nan"], "ERROR: --deadline nan: give a number of seconds from 0.1 to 604800"),
        (["--interval", "inf"], "ERROR: --interval inf: give a number of seconds from 0 to 604800"),
        (["--max-wait", "nan"], "ERROR: --max-wait nan: give a number of seconds from 0 to 604800"),
        (["--concurrency", "0"], "ERROR: --concurrency must be from 1 to 32 calls at once"),
        (
            ["--repeat", "3", "--interval", "600"],
            "ERROR: --repeat 3 --interval 600 waits 1200 s between rounds, past --deadline 300: give --deadline 1500 "
            "(the waits and 300 s for the calls)",
        ),
        (
            ["--emulator", "--repeat", "100000"],
            "ERROR: --repeat 100000 with 1 key(s) makes * live tests (* a round and key): at most 20000; give fewer "
            "rounds or keys",
        ),
        (["--request-timeout", "nan"], "ERROR: --request-timeout nan: give a number of seconds from 0.1 to 300"),
        (["--origin", "<eu>"], "ERROR: --origin '<eu>': give a label of up to 60 letters, digits, spaces*"),
        (["--max-wait", "soon"], "ERROR: --max-wait 'soon': give a number"),
        (["--scenario", "july-9"], "ERROR: --scenario, --phase and --strict-emulator are about the local emulator*"),
        (["--focus", "ads/nothing"], "ERROR: --focus 'ads/nothing': not an endpoint id of the catalog*"),
        (["--focus", "chat/websocket"], "ERROR: --focus chat/websocket: the chat socket is opened only with --socket*"),
        (["--socket-listen", "5"], "ERROR: --socket-listen reads the chat socket, which only --socket opens*"),
        (["--emulator", "--keys-file", "keys.toml"], "ERROR: --keys-file names keys for a real target; --emulator*"),
        (["--case-id", "1" * 311], f"ERROR: --case-id '{'1' * 60}': give a label of up to 60 letters, digits, dots*"),
        (["--case-id", "../../x"], "ERROR: --case-id '../../x': give a label of up to 60 letters, *(e.g. 144098731)"),
        (
            ["--id", "order-number={{apiSecret}}"],
            "ERROR: --id order-number=...: not an order-number (expected ^[[]0-9]{1,32}$, e.g. 20219644646554779648)",
        ),
        # a device or a pipe has no size to ask: at most the bound is read (issue 37)
        (["--keys-file", "/dev/zero"], "ERROR: keys file /dev/zero: larger than 1 MB, not a keys file"),
        (["--emulator", "--scenario", "/dev/zero"], "ERROR: --scenario: scenario /dev/zero: larger than * KB, not a*"),
        (
            ["--emulator", "--scenario", "july-10"],
            "ERROR: --scenario: cannot read scenario july-10: No such file or directory (give a scenario file, "
            f"or one of: {', '.join(sorted(path.stem for path in SCENARIOS.glob('*.yaml')))})",
        ),
    ],
)
def test_a_bad_option_stops_the_run_with_one_line(
    endpoint_suite: EndpointSuite, arguments: list[str], line: str
) -> None:
    result = endpoint_suite.run("-m", "live", *arguments)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [text for text in result.stderr.lines if text.strip()]
    assert len(lines) == 1, lines
    result.stderr.fnmatch_lines([line])


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--port", "99999"], "'99999' is not a port: give a number from 1 to 65535"),
        (["--port", "-1"], "'-1' is not a port"),
        (["--advance-every", "-5"], "'-5': give a number of seconds above 0"),
    ],
)
def test_the_emulator_command_refuses_bad_input_in_one_line(
    arguments: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        emulator_command(arguments)
    assert stopped.value.code == 2 and words in capsys.readouterr().err.splitlines()[-1]


def test_the_emulator_command_names_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            emulator_command(["--port", str(port)])
    line = capsys.readouterr().err.splitlines()[-1]
    assert stopped.value.code == 2 and line.endswith(
        f"cannot listen on 127.0.0.1:{port} (Address already in use): choose another --port"
    )


def test_a_dotenv_line_that_cannot_be_read_is_named_with_its_file(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text('BINANCE_API_KEY="unterminated\nBINANCE_API_SECRET=' + "s" * 64 + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.suppress(KeyConfigError):
            load_key({}, dotenv_path=dotenv)
    messages = [str(w.message) for w in caught if issubclass(w.category, KeyFormatWarning)]
    assert any(message.startswith(f"{dotenv}: could not parse statement starting at line") for message in messages)


# A YAML "billion laughs": nine levels of nine aliases, 9**9 strings once expanded, a few hundred bytes on disk.
ALIAS_BOMB = "\n".join(
    [
        'description: bomb\nkeys: {k: {api_key: "' + "A" * 64 + '", secret: "' + "B" * 64 + '"}}',
        'a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]',
        *(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)),
        "endpoints: {ads/getAds: {ok: *a8}}",
    ]
)


@pytest.mark.parametrize(
    ("option", "name", "content", "line"),
    [
        (
            "--scenario",
            "bomb.yaml",
            ALIAS_BOMB,
            "ERROR: --scenario: scenario *bomb.yaml: more than 100000 values once*",
        ),
        (
            "--scenario",
            "big.yaml",
            "description: big\n" + "#" * 2_000_000,
            "ERROR: --scenario: scenario *big.yaml: larger*",
        ),
        ("--scenario", "broken.yaml", "keys: [\n", "ERROR: --scenario: scenario *broken.yaml: not readable as YAML*"),
        (
            "--keys-file",
            "keys.toml",
            "#" * 2_000_000,
            "ERROR: keys file *keys.toml: larger than 1 MB, not a keys file",
        ),
    ],
)
def test_a_scenario_or_keys_file_that_explodes_is_one_line_at_once(
    endpoint_suite: EndpointSuite, tmp_path: Path, option: str, name: str, content: str, line: str
) -> None:
    """Bounded before anything reads them through: size, then values and depth with every alias expanded."""
    path = tmp_path / name
    path.write_text(content)
    emulator = ["--emulator"] if option == "--scenario" else []
    result = endpoint_suite.run("-m", "live", *emulator, option, str(path))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert len([text for text in result.stderr.lines if text.strip()]) == 1, result.stderr.str()
    result.stderr.fnmatch_lines([line])


@pytest.mark.parametrize(
    ("content", "saved"),
    [
        ("BINANCE_API_KEY=abc\n".encode("utf-16"), "UTF-16 (as some editors save it)"),
        (b"BINANCE_API_KEY=caf\xe9\n", "not UTF-8 (another encoding)"),
    ],
    ids=["utf-16", "latin-1"],
)
def test_a_dotenv_that_is_not_utf_8_is_one_line_saying_how_to_save_it(
    endpoint_suite: EndpointSuite, content: bytes, saved: str
) -> None:
    """Issue 37: an editor's UTF-16, or one Latin-1 byte, ended in a 50-line INTERNALERROR."""
    (endpoint_suite.pytester.path / ".env").write_bytes(content)
    result = endpoint_suite.run("-m", "live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [text for text in result.stderr.lines if text.strip()] == [
        f"ERROR: {endpoint_suite.pytester.path / '.env'} is {saved}: save it as UTF-8"
    ]
