"""Bad keys, secrets and PEMs get one clear line before anything is sent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from p2p_conformance.signer import Ed25519Key, HmacKey, KeyConfigError, KeyFormatWarning, RsaKey, load_key
from p2p_conformance.signer import vectors as v
from p2p_conformance.signer.keys import text_shape

API_KEY, SECRET = v.BINANCE_API_KEY, v.BINANCE_SECRET


def pem_of(
    private_key: object,
    fmt: serialization.PrivateFormat = serialization.PrivateFormat.PKCS8,
    passphrase: bytes | None = None,
) -> bytes:
    encryption = serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    return private_key.private_bytes(serialization.Encoding.PEM, fmt, encryption)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def rsa_private() -> rsa.RSAPrivateKey:
    """One RSA key for the module; generating RSA keys is slow."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_env(tmp_path: Path, **values: str) -> Path:
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    return env_file


def assert_one_line(error: pytest.ExceptionInfo[KeyConfigError], expected: str) -> None:
    message = str(error.value)
    assert "\n" not in message, f"received a multi-line message: {message!r}"
    assert re.search(expected, message), f"received {message!r}, expected it to match {expected!r}"
    assert SECRET not in message and API_KEY not in message


@pytest.mark.parametrize(
    ("api_key", "secret", "expected"),
    [
        pytest.param("", SECRET, "API key is empty", id="empty-key"),
        pytest.param(API_KEY, "", "secret is empty", id="empty-secret"),
        pytest.param(API_KEY + "\n", SECRET, "API key has a newline around the value", id="key-newline"),
        pytest.param(API_KEY, " " + SECRET, "secret has spaces around the value", id="secret-space"),
        pytest.param(API_KEY[:30] + "\n" + API_KEY[30:], SECRET, "whitespace inside", id="key-wrapped"),
        pytest.param(f'"{API_KEY}"', SECRET, "API key is wrapped in quotes", id="key-quoted"),
        pytest.param(API_KEY, f"'{SECRET}'", "secret is wrapped in quotes", id="secret-quoted"),
        pytest.param(API_KEY, API_KEY, "secret equals the API key", id="key-as-secret"),
        pytest.param("-----BEGIN PRIVATE KEY-----abc", SECRET, "API key holds a PEM private key", id="pem-as-key"),
        pytest.param(
            API_KEY,
            "-----BEGIN PRIVATE KEY-----x",
            "secret holds a PEM private key.*BINANCE_PRIVATE_KEY_PATH",
            id="pem-as-secret",
        ),
        pytest.param(API_KEY[:-1] + "é", SECRET, "non-ASCII or control character at position 64", id="key-non-ascii"),
    ],
)
def test_bad_hmac_input_is_refused_with_one_line(api_key: str, secret: str, expected: str) -> None:
    with pytest.raises(KeyConfigError) as error:
        HmacKey(api_key, secret)
    assert_one_line(error, expected)


@pytest.mark.parametrize(
    ("api_key", "secret", "which", "length"),
    [
        (API_KEY + "abcd", SECRET, "API key", 68),
        (API_KEY, SECRET[:60], "secret", 60),
    ],
)
def test_hmac_key_or_secret_not_64_characters_warns(api_key: str, secret: str, which: str, length: int) -> None:
    with pytest.warns(KeyFormatWarning, match=f"HMAC {which} is {length} characters, Binance issues 64"):
        HmacKey(api_key, secret)


def test_redacted_copy_of_a_key_warns() -> None:
    with pytest.warns(KeyFormatWarning, match=r"JvVV\.\.\.\*\*\*\* has characters other than letters and digits"):
        HmacKey("JvVVofVMJiytU1gscA2BODmUd***REDACTED***" + "*" * 25, SECRET)


def test_key_repr_and_str_show_only_a_fingerprint() -> None:
    key = HmacKey(API_KEY, SECRET)
    for text in (repr(key), str(key), f"{key}", repr([key])):
        assert SECRET not in text and API_KEY not in text
        assert "vmPU...Eh8A" in text


def test_asymmetric_key_repr_hides_the_private_key() -> None:
    key = Ed25519Key(API_KEY, v.RFC8032_PEM)
    assert repr(key) == "Ed25519Key(api_key='vmPU...Eh8A')"


def test_pkcs1_pem_is_refused_with_the_conversion_command(rsa_private: rsa.RSAPrivateKey) -> None:
    with pytest.raises(KeyConfigError) as error:
        RsaKey(API_KEY, pem_of(rsa_private, serialization.PrivateFormat.TraditionalOpenSSL))
    assert_one_line(error, r"not PKCS#8 \(found 'BEGIN RSA PRIVATE KEY'\).*openssl pkcs8 -topk8")


def test_text_that_is_not_pem_is_refused() -> None:
    with pytest.raises(KeyConfigError) as error:
        Ed25519Key(API_KEY, "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v")
    assert_one_line(error, "not PEM text")


def test_damaged_pem_is_refused() -> None:
    with pytest.raises(KeyConfigError) as error:
        Ed25519Key(API_KEY, v.RFC8032_PEM.replace("MC4C", "MC5C"))
    assert_one_line(error, "could not be read: it is damaged")


def test_wrong_passphrase_is_refused(rsa_private: rsa.RSAPrivateKey) -> None:
    with pytest.raises(KeyConfigError) as error:
        RsaKey(API_KEY, pem_of(rsa_private, passphrase=b"right"), "wrong")
    assert_one_line(error, r"passphrase does not decrypt it \(wrong passphrase\?\)")


def test_missing_passphrase_is_refused(rsa_private: rsa.RSAPrivateKey) -> None:
    with pytest.raises(KeyConfigError) as error:
        RsaKey(API_KEY, pem_of(rsa_private, passphrase=b"right"))
    assert_one_line(error, "encrypted: set BINANCE_PRIVATE_KEY_PASSPHRASE")


def test_passphrase_for_an_unencrypted_key_is_refused() -> None:
    with pytest.raises(KeyConfigError) as error:
        Ed25519Key(API_KEY, v.RFC8032_PEM, "pass")
    assert_one_line(error, "not encrypted: unset BINANCE_PRIVATE_KEY_PASSPHRASE")


def test_key_of_the_other_type_is_refused() -> None:
    with pytest.raises(KeyConfigError) as error:
        RsaKey(API_KEY, v.RFC8032_PEM)
    assert_one_line(error, "another type than RSA: use Ed25519Key")


def test_unsupported_key_algorithm_is_refused() -> None:
    with pytest.raises(KeyConfigError) as error:
        RsaKey(API_KEY, pem_of(ec.generate_private_key(ec.SECP256R1())))
    assert_one_line(error, "ECPrivateKey; Binance accepts RSA or Ed25519")


def test_encrypted_pkcs8_key_with_the_right_passphrase_signs(rsa_private: rsa.RSAPrivateKey) -> None:
    assert RsaKey(API_KEY, pem_of(rsa_private, passphrase=b"right"), "right").sign("x")


# Loading from the environment and .env


def test_hmac_key_from_dotenv(tmp_path: Path) -> None:
    key = load_key({}, write_env(tmp_path, BINANCE_API_KEY=API_KEY, BINANCE_API_SECRET=SECRET))
    assert isinstance(key, HmacKey) and key.sign(v.ASCII_PAYLOAD) == v.ASCII_SIGNATURE


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = write_env(tmp_path, BINANCE_API_KEY="x" * 64, BINANCE_API_SECRET=SECRET)
    assert load_key({"BINANCE_API_KEY": API_KEY}, env_file).api_key == API_KEY


def test_private_key_path_gives_the_matching_key_type(tmp_path: Path, rsa_private: rsa.RSAPrivateKey) -> None:
    (tmp_path / "ed.pem").write_text(v.RFC8032_PEM)
    (tmp_path / "rsa.pem").write_bytes(pem_of(rsa_private, passphrase=b"pw"))
    ed = load_key({"BINANCE_API_KEY": API_KEY, "BINANCE_PRIVATE_KEY_PATH": str(tmp_path / "ed.pem")}, tmp_path / "none")
    assert isinstance(ed, Ed25519Key)
    settings = {
        "BINANCE_API_KEY": API_KEY,
        "BINANCE_PRIVATE_KEY_PATH": str(tmp_path / "rsa.pem"),
        "BINANCE_PRIVATE_KEY_PASSPHRASE": "pw",
    }
    assert isinstance(load_key(settings, tmp_path / "none"), RsaKey)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        pytest.param({}, "BINANCE_API_KEY is not set: put it in the environment or in .env", id="nothing"),
        pytest.param(
            {"BINANCE_API_KEY": API_KEY}, "neither BINANCE_API_SECRET .* nor BINANCE_PRIVATE_KEY_PATH", id="no-secret"
        ),
        pytest.param(
            {"BINANCE_API_KEY": API_KEY, "BINANCE_API_SECRET": SECRET, "BINANCE_PRIVATE_KEY_PATH": "k.pem"},
            "both BINANCE_API_SECRET and BINANCE_PRIVATE_KEY_PATH are set",
            id="both",
        ),
        pytest.param(
            {"BINANCE_API_KEY": API_KEY + "\n", "BINANCE_API_SECRET": SECRET},
            "BINANCE_API_KEY has a newline around the value",
            id="key-newline",
        ),
        pytest.param(
            {"BINANCE_API_KEY": API_KEY, "BINANCE_API_SECRET": f'"{SECRET}"'},
            "BINANCE_API_SECRET is wrapped in quotes",
            id="secret-quoted",
        ),
        pytest.param(
            {"BINANCE_API_KEY": API_KEY, "BINANCE_API_SECRET": ""}, "BINANCE_API_SECRET is empty", id="secret-empty"
        ),
        pytest.param(
            {"BINANCE_API_KEY": API_KEY, "BINANCE_PRIVATE_KEY_PATH": "/nonexistent/key.pem"},
            "BINANCE_PRIVATE_KEY_PATH names /nonexistent/key.pem, which does not exist",
            id="pem-missing",
        ),
    ],
)
def test_bad_environment_is_refused_with_one_line(tmp_path: Path, settings: dict, expected: str) -> None:
    with pytest.raises(KeyConfigError) as error:
        load_key(settings, tmp_path / "no.env")
    assert_one_line(error, expected)


def test_a_folder_as_pem_file_says_it_is_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "key.pem"
    folder.mkdir()
    with pytest.raises(KeyConfigError) as error:
        load_key({"BINANCE_API_KEY": API_KEY, "BINANCE_PRIVATE_KEY_PATH": str(folder)}, tmp_path / "no.env")
    assert_one_line(error, "which is a folder: give the path of the PEM file inside it")


def test_dotenv_quotes_are_removed_by_dotenv_not_reported(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"BINANCE_API_KEY=\"{API_KEY}\"\nBINANCE_API_SECRET='{SECRET}'\n")
    assert load_key({}, env_file).api_key == API_KEY


@pytest.mark.parametrize(
    ("value", "shape"),
    [
        ("a" * 60 + "1234", "64 characters, letters and digits"),
        ("abc-def", "7 characters, letters and other characters"),
        ("ab1 ", "4 characters, letters, digits and other characters"),
    ],
)
def test_a_credential_is_described_by_its_length_and_kinds_of_character_never_its_text(value: str, shape: str) -> None:
    assert text_shape(value) == shape


def test_a_key_s_shape_names_both_of_its_parts() -> None:
    assert HmacKey(API_KEY, "s" * 63 + "1").shape == (
        "API key: 64 characters, letters and digits; secret: 64 characters, letters and digits"
    )
