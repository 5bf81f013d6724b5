"""Errors and warnings raised before any request is sent."""

from __future__ import annotations

from p2p_conformance.errors import InputError


class KeyConfigError(InputError, ValueError):
    """A key, secret or PEM that cannot be used; the message is one line saying what to fix."""


class KeyFormatWarning(UserWarning):
    """A key that is usable but unusual (for example an HMAC key that is not 64 characters)."""
