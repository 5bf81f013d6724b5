"""Redaction: every form a secret can take in an artifact is found and replaced, and what is redacted
stays what it was (valid JSON stays valid JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from p2p_conformance.report.files import guard_file
from p2p_conformance.safety.redaction import REDACTED, find_leaks, redact_data, redact_text
from p2p_conformance.signer import HmacKey, vectors
from p2p_conformance.signer.keys import KEY_CLASSES, asymmetric_key

NO_ENCRYPTION = serialization.NoEncryption()

SECRET = "CanarySecretR3d" + "x" * 49
SIGNATURE = vectors.ASCII_SIGNATURE  # 64 hex digits
ED25519_SIGNATURE = vectors.ED25519_ORDER_SIGNATURE  # 88 base64 characters


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /p?a=1&signature=" + SIGNATURE + "&b=2", "GET /p?a=1&signature=REDACTED&b=2"),
        ("signed: " + SIGNATURE + ".", "signed: REDACTED."),
        ("ed25519 " + ED25519_SIGNATURE + " sent", "ed25519 REDACTED sent"),
        ('{"listenKey": "abc123", "x": 1}', '{"listenKey": "REDACTED", "x": 1}'),
        ('"{\\"listenToken\\": \\"tok-9\\"}"', '"{\\"listenToken\\": \\"REDACTED\\"}"'),
        ("&quot;listenKey&quot;: &quot;abc123&quot;", "&quot;listenKey&quot;: &quot;REDACTED&quot;"),
        ("wss://chat/x?listenKey=abc123&clientType=web", "wss://chat/x?listenKey=REDACTED&clientType=web"),
        ("the secret is " + SECRET, "the secret is REDACTED"),
    ],
)
def test_every_form_is_found_and_replaced(text: str, expected: str) -> None:
    assert find_leaks(text, [SECRET], key_like=False)
    assert redact_text(text, [SECRET]) == expected
    assert find_leaks(expected, [SECRET], key_like=False) == []


def test_an_escaped_quote_after_a_signature_survives_so_json_stays_valid() -> None:
    document = {"curl": f'curl "https://x/p?signature={SIGNATURE}"', "list": [f"signature={SIGNATURE}"]}
    text = json.dumps(document)
    assert json.loads(redact_text(text, [])) == {
        "curl": f'curl "https://x/p?signature={REDACTED}"',
        "list": [f"signature={REDACTED}"],
    }
    assert redact_data(document, []) == json.loads(redact_text(text, []))


def test_the_final_check_of_a_report_file_keeps_json_parseable_and_says_what_it_replaced(tmp_path: Path) -> None:
    summary = tmp_path / "live-summary.json"
    summary.write_text(json.dumps({"msg": f'echo \\"{SECRET}\\"', "body": '{"listenKey": "k1"}'}, indent=2))
    assert guard_file(summary, (SECRET,)) == ["a known secret (Cana...)", "a chat credential"]
    assert json.loads(summary.read_text()) == {"msg": 'echo \\"REDACTED\\"', "body": '{"listenKey": "REDACTED"}'}
    assert guard_file(summary, (SECRET,)) == []


def _pem(private_key: PrivateKeyTypes) -> bytes:
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, NO_ENCRYPTION)


# A key of every size each key class signs with: RSA's moduli included, so a new size cannot pass the guard.
PRIVATE_KEYS = {
    "HMAC": None,
    "Ed25519": ed25519.Ed25519PrivateKey.generate(),
    **{f"RSA-{bits}": rsa.generate_private_key(public_exponent=65537, key_size=bits) for bits in (2048, 3072, 4096)},
}


@pytest.mark.parametrize("kind", list(PRIVATE_KEYS))
def test_a_bare_signature_of_every_key_type_the_signer_knows_is_found(kind: str) -> None:
    private_key = PRIVATE_KEYS[kind]
    key = HmacKey(vectors.BINANCE_API_KEY, vectors.BINANCE_SECRET) if private_key is None else None
    key = key or asymmetric_key(vectors.BINANCE_API_KEY, _pem(private_key))
    assert type(key) in KEY_CLASSES  # the registry the guard's pattern is made from
    signature = key.sign("timestamp=1499827319559")
    text = f"Binance echoed {signature} back"
    assert find_leaks(text, [], key_like=False) and redact_text(text, []) == "Binance echoed REDACTED back"
