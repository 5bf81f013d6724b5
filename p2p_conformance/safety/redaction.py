"""Keeping secrets and personal data out of everything the suite writes.

Scrubbing removes what we know to be sensitive (the key header, signatures, chat credentials,
nicknames); :func:`find_leaks` is the last guard before a file is written: it refuses anything
that still looks like a key, a signature or a known secret.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import Any

from p2p_conformance.contracts.checks import UnreadableJson, read_json
from p2p_conformance.signer.keys import KEY_CLASSES

REDACTED = "REDACTED"
# Response fields that are credentials (chat), personal data (counterparties' names) or what a merchant's
# customers wrote and sent (chat messages: their text and the images they uploaded, payment proofs among them;
# a message keeps its shape, its fields and their types, never its content).
SENSITIVE_FIELDS = frozenset(
    {
        "listenKey",
        "listenToken",
        "chatWssUrl",
        "content",
        "imageUrl",
        "thumbnailUrl",
        "nickName",
        "counterPartNickName",
        "buyerNickname",
        "sellerNickname",
        "fromNickName",
        "realName",
        "buyerRealName",
        "sellerRealName",
    }
)
KEY_LIKE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
# A signature's value, not ours and not a placeholder; a backslash ends it (JSON's escaped quote stays whole).
SIGNATURE_PARAM = re.compile(r"signature=(?!REDACTED|\{signature\})[^&\s'\"<\\]+")
# A signature without its name, of any key type the signer knows (each key class gives its pattern).
BARE_SIGNATURE = re.compile("|".join(key_class.signature_pattern for key_class in KEY_CLASSES))
# A chat credential in JSON, escaped JSON, HTML-escaped JSON or a query string.
QUOTE = r"(?:\\?\"|&quot;|&#34;|&#x22;)?"
CHAT_CREDENTIAL = re.compile(rf"({QUOTE}(?:listenKey|listenToken){QUOTE}\s*[:=]\s*{QUOTE})(?!REDACTED)[^\s\"\\&,}}<]+")


def scrub_json(value: Any) -> Any:
    """A copy of a parsed JSON value with every sensitive field's value replaced."""
    if isinstance(value, dict):
        return {k: REDACTED if k in SENSITIVE_FIELDS else scrub_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_json(item) for item in value]
    return value


def scrub_body(text: str) -> str:
    """A JSON body with sensitive fields replaced; text that is not JSON (within an answer's bounds, so the
    scrubbing's recursion is bounded too) is returned as it is."""
    try:
        document = read_json(text)
    except UnreadableJson:
        return text
    return json.dumps(scrub_json(document), ensure_ascii=False)


def find_leaks(text: str, secrets: Iterable[str] = (), key_like: bool = True) -> list[str]:
    """What in ``text`` looks like a secret: known secrets, signatures, chat credentials and, unless
    ``key_like`` is false (reports quote long ids), any 64-character key-like value."""
    leaks = [f"a known secret ({secret[:4]}...)" for secret in secrets if secret and secret in text]
    if key_like and KEY_LIKE.search(text):
        leaks.append("a 64-character key-like value")
    if SIGNATURE_PARAM.search(text) or BARE_SIGNATURE.search(text):
        leaks.append("a signature")
    if CHAT_CREDENTIAL.search(text):
        leaks.append("a chat credential")
    return leaks


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every known secret, signature and chat credential replaced (escaping left intact)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = SIGNATURE_PARAM.sub(f"signature={REDACTED}", text)
    text = BARE_SIGNATURE.sub(REDACTED, text)
    return CHAT_CREDENTIAL.sub(rf"\g<1>{REDACTED}", text)


def redact_data(value: Any, secrets: Iterable[str]) -> Any:
    """A copy of parsed JSON with :func:`redact_text` applied to every string: redaction on data, before it
    is serialised again, so the result is always valid JSON."""
    secrets = tuple(secrets)
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, list):
        return [redact_data(item, secrets) for item in value]
    if isinstance(value, dict):
        return {key: redact_data(item, secrets) for key, item in value.items()}
    return value


class RedactingFilter(logging.Filter):
    """Redacts signatures and known secrets in log records (urllib3 and vcrpy log every URL at DEBUG)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = secrets  # read at each record: a run's secrets grow as it learns them

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message, self.secrets)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
