"""Loading a key from the environment and from a ``.env`` file (python-dotenv).

``BINANCE_API_KEY`` with either ``BINANCE_API_SECRET`` (HMAC) or ``BINANCE_PRIVATE_KEY_PATH``
(RSA or Ed25519, PKCS#8 PEM; ``BINANCE_PRIVATE_KEY_PASSPHRASE`` if it is encrypted). The process
environment wins over ``.env``. Values are read into memory only: ``os.environ`` is not changed.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

from p2p_conformance.signer.errors import KeyConfigError, KeyFormatWarning
from p2p_conformance.signer.keys import ASYMMETRIC_KEYS, HmacKey, Key, asymmetric_key, validate_credential_text

ASYMMETRIC_NAMES = "/".join(key_class.key_type for key_class in ASYMMETRIC_KEYS)  # "RSA/Ed25519"

API_KEY = "BINANCE_API_KEY"
API_SECRET = "BINANCE_API_SECRET"
PRIVATE_KEY_PATH = "BINANCE_PRIVATE_KEY_PATH"
PRIVATE_KEY_PASSPHRASE = "BINANCE_PRIVATE_KEY_PASSPHRASE"
BASE_URL = "BINANCE_BASE_URL"
DEFAULT_BASE_URL = "https://api.binance.com"  # the target when neither an option nor BASE_URL names one
KEYS_FILE = "BINANCE_KEYS_FILE"  # several keys, for the suite's live runs (see .env.example)
SETTING_VARIABLES = (API_KEY, API_SECRET, PRIVATE_KEY_PATH, PRIVATE_KEY_PASSPHRASE, BASE_URL, KEYS_FILE)


def binance_settings(environ: Mapping[str, str] | None = None, dotenv_path: str | Path = ".env") -> dict[str, str]:
    """The ``BINANCE_*`` settings from ``.env`` overlaid with the environment."""
    environ = os.environ if environ is None else environ
    from_file = _read_dotenv(Path(dotenv_path)) if Path(dotenv_path).is_file() else {}
    merged = {name: value for name, value in from_file.items() if value is not None}
    merged.update(environ)
    return {name: merged[name] for name in SETTING_VARIABLES if name in merged}


class _UnparsedLines(logging.Handler):
    """Collects python-dotenv's warnings about lines it could not read, to say them with the file's name."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


MAX_DOTENV_BYTES = 1024 * 1024


def _dotenv_text(path: Path) -> str:
    """``.env`` as text: at most :data:`MAX_DOTENV_BYTES` read, UTF-8 (with or without its byte order mark), or
    one line saying how to save it."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_DOTENV_BYTES + 1)
    except OSError as error:
        raise KeyConfigError(f"{path}: cannot be read ({error.strerror or type(error).__name__})") from None
    if len(data) > MAX_DOTENV_BYTES:
        raise KeyConfigError(f"{path}: larger than {MAX_DOTENV_BYTES // 1024} KB, not a .env file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
        saved = "UTF-16 (as some editors save it)" if utf16 else "not UTF-8 (another encoding)"
        raise KeyConfigError(f"{path} is {saved}: save it as UTF-8") from None


def _read_dotenv(path: Path) -> dict[str, str | None]:
    text = _dotenv_text(path)
    dotenv_log = logging.getLogger("dotenv.main")
    collector, propagate = _UnparsedLines(), dotenv_log.propagate
    dotenv_log.addHandler(collector)
    dotenv_log.propagate = False
    try:
        values = dotenv_values(stream=io.StringIO(text))
    finally:
        dotenv_log.removeHandler(collector)
        dotenv_log.propagate = propagate
    for message in collector.messages:  # "python-dotenv could not parse statement starting at line 3"
        said = message.split(" ", 1)[1] if message.lower().startswith("python-dotenv ") else message
        warnings.warn(f"{path}: {said}", KeyFormatWarning, stacklevel=3)
    return values


def _read_pem(path_text: str) -> bytes:
    validate_credential_text(path_text, PRIVATE_KEY_PATH)
    path = Path(path_text).expanduser()
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise KeyConfigError(
            f"{PRIVATE_KEY_PATH} names {path}, which does not exist: give the path of your PKCS#8 PEM private key file"
        ) from None
    except IsADirectoryError:
        raise KeyConfigError(
            f"{PRIVATE_KEY_PATH} names {path}, which is a folder: give the path of the PEM file inside it"
        ) from None
    except OSError as error:
        raise KeyConfigError(
            f"{PRIVATE_KEY_PATH} names {path}, which cannot be read ({error.strerror}): check its permissions"
        ) from None


def key_from_settings(settings: Mapping[str, str]) -> Key:
    """Build the key that ``settings`` describe, or raise :class:`KeyConfigError` saying what to set."""
    if API_KEY not in settings:
        raise KeyConfigError(f"{API_KEY} is not set: put it in the environment or in .env (see .env.example)")
    validate_credential_text(settings[API_KEY], API_KEY)
    secret, pem_path = settings.get(API_SECRET), settings.get(PRIVATE_KEY_PATH)
    if secret is not None and pem_path is not None:
        raise KeyConfigError(
            f"both {API_SECRET} and {PRIVATE_KEY_PATH} are set: keep the one that matches "
            f"the key type ({HmacKey.key_type} secret, or {ASYMMETRIC_NAMES} private key file)"
        )
    if secret is not None:
        validate_credential_text(secret, API_SECRET)
        return HmacKey(settings[API_KEY], secret)
    if pem_path is None:
        raise KeyConfigError(
            f"{API_KEY} is set but neither {API_SECRET} ({HmacKey.key_type}) nor {PRIVATE_KEY_PATH} "
            f"({ASYMMETRIC_NAMES}) is: set one of them"
        )
    return asymmetric_key(settings[API_KEY], _read_pem(pem_path), settings.get(PRIVATE_KEY_PASSPHRASE))


def load_key(environ: Mapping[str, str] | None = None, dotenv_path: str | Path = ".env") -> Key:
    """The key configured in the environment and ``.env``; see the module docstring."""
    return key_from_settings(binance_settings(environ, dotenv_path))
