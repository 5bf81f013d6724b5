"""API keys that sign: HMAC-SHA256, RSA (PKCS#1 v1.5, SHA-256) and Ed25519.

A key object keeps its secret to itself: ``repr`` and ``str`` show only a fingerprint of the API
key (first 4 and last 4 characters), never the secret or the whole key. Every problem with the
input is a :class:`KeyConfigError` whose message is one line saying what to fix.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import warnings
from typing import Protocol

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from p2p_conformance.signer.errors import KeyConfigError, KeyFormatWarning

HMAC_KEY_LENGTH = 64
PKCS8_MARKERS = (b"-----BEGIN PRIVATE KEY-----", b"-----BEGIN ENCRYPTED PRIVATE KEY-----")


def fingerprint(api_key: str) -> str:
    """The first 4 and last 4 characters of an API key; nothing at all of a short one."""
    return f"{api_key[:4]}...{api_key[-4:]}" if len(api_key) >= 16 else "****"


def text_shape(value: str) -> str:
    """``64 characters, letters and digits``: a credential's length and kinds of character, never its text
    (support can compare it with what Binance issued without seeing it)."""
    kinds = [
        kind
        for kind, present in (
            ("letters", any(c.isascii() and c.isalpha() for c in value)),
            ("digits", any(c.isascii() and c.isdigit() for c in value)),
            ("other characters", any(not (c.isascii() and c.isalnum()) for c in value)),
        )
        if present
    ]
    listed = " and ".join(kinds) if len(kinds) < 3 else f"{kinds[0]}, {kinds[1]} and {kinds[2]}"
    return f"{len(value)} characters, {listed}"


def validate_credential_text(value: str, name: str) -> None:
    """Raise :class:`KeyConfigError` naming ``name`` when ``value`` was pasted wrongly."""
    if not value:
        raise KeyConfigError(f"{name} is empty: paste the value from Binance's API management page")
    if "-----BEGIN" in value:
        raise KeyConfigError(
            f"{name} holds a PEM private key: put the PEM in a file and set "
            "BINANCE_PRIVATE_KEY_PATH to that file instead"
        )
    if value[0] in "\"'" or value[-1] in "\"'":
        raise KeyConfigError(f"{name} is wrapped in quotes: remove the quote characters")
    if value != value.strip():
        where = "a newline" if value.strip(" \t") != value.strip() else "spaces"
        raise KeyConfigError(f"{name} has {where} around the value (pasted with it?): remove them")
    if any(ch.isspace() for ch in value):
        raise KeyConfigError(f"{name} has whitespace inside the value (wrapped when pasted?): paste it as one line")
    bad = next((i for i, ch in enumerate(value) if not (ch.isascii() and ch.isprintable())), None)
    if bad is not None:
        raise KeyConfigError(
            f"{name} has a non-ASCII or control character at position {bad + 1}: "
            "copy the value again from Binance's API management page"
        )


def _validate_api_key(api_key: str) -> None:
    validate_credential_text(api_key, "API key")
    if not api_key.isalnum():
        warnings.warn(
            f"API key {fingerprint(api_key)} has characters other than letters and digits "
            "(a redacted or truncated copy?)",
            KeyFormatWarning,
            stacklevel=3,
        )


def base64_signature(*sizes: int) -> str:
    """A regex for a standard-base64 signature of one of these byte lengths, not part of a longer run."""
    bodies = []
    for size in sizes:
        characters, padding_characters = 4 * -(-size // 3), (3 - size % 3) % 3
        body = f"[A-Za-z0-9+/]{{{characters - padding_characters}}}" + "=" * padding_characters
        bodies.append(body if padding_characters else f"{body}(?![A-Za-z0-9+/=])")
    return "(?<![A-Za-z0-9+/])(?:" + "|".join(bodies) + ")"


class KeyType(enum.StrEnum):
    """The kinds of API key Binance issues, as the reports name them."""

    HMAC = "HMAC"
    RSA = "RSA"
    ED25519 = "Ed25519"


class Key(Protocol):
    """What the signer needs from a key."""

    api_key: str
    key_type: KeyType

    @property
    def fingerprint(self) -> str: ...

    @property
    def shape(self) -> str: ...

    def sign(self, payload: str) -> str: ...


class _ApiKeyHolder:
    """Shared part of every key: the API key, its fingerprint and a repr that hides secrets."""

    key_type: KeyType
    signature_pattern: str  # a regex that finds one of its signatures standing alone in text (for leak guards)
    __slots__ = ("api_key",)

    def __init__(self, api_key: str) -> None:
        _validate_api_key(api_key)
        self.api_key = api_key

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.api_key)

    @property
    def shape(self) -> str:
        """The key's lengths and kinds of character (:func:`text_shape`), for the report's first screen."""
        return f"API key: {text_shape(self.api_key)}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_key='{self.fingerprint}')"

    __str__ = __repr__


class HmacKey(_ApiKeyHolder):
    """An HMAC-SHA256 key: the API key and its secret. Signatures are lowercase hex."""

    key_type = KeyType.HMAC
    signature_pattern = r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])"  # lowercase hex of 32 bytes
    __slots__ = ("_secret",)

    def __init__(self, api_key: str, secret: str) -> None:
        super().__init__(api_key)
        validate_credential_text(secret, "secret")
        if secret == api_key:
            raise KeyConfigError(
                "the secret equals the API key: the secret is the second value Binance shows when the key is created"
            )
        for name, value in (("API key", api_key), ("secret", secret)):
            if len(value) != HMAC_KEY_LENGTH:
                warnings.warn(
                    f"HMAC {name} is {len(value)} characters, Binance issues {HMAC_KEY_LENGTH}: "
                    "check that nothing was added or cut when copying",
                    KeyFormatWarning,
                    stacklevel=2,
                )
        self._secret = secret.encode("utf-8")

    def sign(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode("utf-8"), hashlib.sha256).hexdigest()

    @property
    def shape(self) -> str:
        return f"API key: {text_shape(self.api_key)}; secret: {text_shape(self.reveal_secret())}"

    def reveal_secret(self) -> str:
        """The secret itself: for redaction, and for handing to Binance's own SDK code; never print or store it."""
        return self._secret.decode("utf-8")


PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


def load_private_key(pem: str | bytes, passphrase: str | bytes | None = None) -> PrivateKey:
    """Parse PKCS#8 PEM text into an RSA or Ed25519 private key, or say in one line what is wrong."""
    data = pem.encode("utf-8") if isinstance(pem, str) else pem
    password = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
    if b"-----BEGIN" not in data:
        raise KeyConfigError(
            "the private key is not PEM text (no '-----BEGIN' line): use the PEM file "
            "whose public key you registered with Binance"
        )
    if not any(marker in data for marker in PKCS8_MARKERS):
        found = data[data.index(b"-----BEGIN") :].split(b"\n", 1)[0].decode("ascii", "replace").strip("-")
        raise KeyConfigError(
            f"the private key is not PKCS#8 (found '{found}'), Binance accepts PKCS#8 only: "
            "convert it with `openssl pkcs8 -topk8 -nocrypt -in OLD.pem -out NEW.pem` (leave out -nocrypt to "
            "encrypt it with a passphrase)"
        )
    encrypted = PKCS8_MARKERS[1] in data
    if encrypted and password is None:
        raise KeyConfigError("the private key is encrypted: set BINANCE_PRIVATE_KEY_PASSPHRASE")
    if not encrypted and password is not None:
        raise KeyConfigError(
            "a passphrase was given but the private key is not encrypted: unset BINANCE_PRIVATE_KEY_PASSPHRASE"
        )
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        problem = "the passphrase does not decrypt it (wrong passphrase?)" if encrypted else "it is damaged"
        raise KeyConfigError(f"the private key could not be read: {problem}") from None
    if _asymmetric_class(key) is None:
        raise KeyConfigError(
            f"the private key is {type(key).__name__.removeprefix('_')}; Binance accepts "
            f"{' or '.join(cls.key_type for cls in ASYMMETRIC_KEYS)} keys"
        )
    return key  # type: ignore[return-value]  # one of the registry's private key types


class _AsymmetricKey(_ApiKeyHolder):
    """An API key with a private key; signatures are standard base64, not yet percent-encoded."""

    __slots__ = ("_private_key",)
    _expected: type

    def __init__(self, api_key: str, pem: str | bytes, passphrase: str | bytes | None = None) -> None:
        self._adopt(api_key, load_private_key(pem, passphrase))

    def _adopt(self, api_key: str, private_key: PrivateKey) -> None:
        super().__init__(api_key)
        if not isinstance(private_key, self._expected):
            other = _asymmetric_class(private_key)
            use = f": use {other.__name__}" if other is not None else ""
            raise KeyConfigError(f"the PEM holds a key of another type than {self.key_type}{use}")
        self._private_key = private_key

    @property
    def shape(self) -> str:
        size = getattr(self._private_key, "key_size", None)
        private = f"{self.key_type} private key" + (f" of {size} bits" if size else "")
        return f"API key: {text_shape(self.api_key)}; {private}"

    def public_key_pem(self) -> bytes:
        """The public key, as the PEM to register with Binance (and to verify signatures)."""
        return self._private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def _raw_signature(self, data: bytes) -> bytes:
        raise NotImplementedError

    def sign(self, payload: str) -> str:
        return base64.b64encode(self._raw_signature(payload.encode("utf-8"))).decode("ascii")


class RsaKey(_AsymmetricKey):
    """An RSA key (PKCS#8 PEM); signs with RSASSA-PKCS1-v1_5 over SHA-256."""

    key_type = KeyType.RSA
    signature_pattern = base64_signature(256, 384, 512)  # 2048, 3072 and 4096-bit moduli
    __slots__ = ()
    _expected = rsa.RSAPrivateKey

    def _raw_signature(self, data: bytes) -> bytes:
        assert isinstance(self._private_key, rsa.RSAPrivateKey)
        return self._private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


class Ed25519Key(_AsymmetricKey):
    """An Ed25519 key (PKCS#8 PEM)."""

    key_type = KeyType.ED25519
    signature_pattern = base64_signature(64)
    __slots__ = ()
    _expected = ed25519.Ed25519PrivateKey

    def _raw_signature(self, data: bytes) -> bytes:
        assert isinstance(self._private_key, ed25519.Ed25519PrivateKey)
        return self._private_key.sign(data)


# Every key type, each a class that knows its name, how it signs and what its signatures look like. A new
# type is one class here, listed below; the emulator verifies its signatures on its own
# (p2p_conformance/emulator/gateway.py).
KEY_CLASSES: tuple[type[HmacKey] | type[RsaKey] | type[Ed25519Key], ...] = (HmacKey, RsaKey, Ed25519Key)
ASYMMETRIC_KEYS: tuple[type[RsaKey] | type[Ed25519Key], ...] = (RsaKey, Ed25519Key)


def _asymmetric_class(private_key: object) -> type[RsaKey] | type[Ed25519Key] | None:
    """The key class of a loaded private key, or None when Binance accepts no such key."""
    return next((cls for cls in ASYMMETRIC_KEYS if isinstance(private_key, cls._expected)), None)


def asymmetric_key(api_key: str, pem: str | bytes, passphrase: str | bytes | None = None) -> RsaKey | Ed25519Key:
    """An :class:`RsaKey` or :class:`Ed25519Key`, whichever the PEM holds."""
    private_key = load_private_key(pem, passphrase)
    key_class = _asymmetric_class(private_key)
    assert key_class is not None  # load_private_key accepts only the registry's types
    key = key_class.__new__(key_class)
    key._adopt(api_key, private_key)
    return key


def secret_texts(key: Key) -> tuple[str, ...]:
    """The texts that must never appear in a file or log: the API key, and an HMAC key's secret.

    The one way to get them, for leak guards and redaction (cassette writer, report writer, log
    filters): never print or store what it returns. An RSA or Ed25519 private key never leaves its
    ``cryptography`` object, so only its API key is listed.
    """
    if isinstance(key, HmacKey):
        return key.api_key, key.reveal_secret()
    return (key.api_key,)
