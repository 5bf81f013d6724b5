"""Server text shown as data, never as control: what a terminal, a Markdown renderer or a browser would act on is
written out as an escape (``\\x1b``, ``\\r``, ``\\u202e``) wherever the suite shows text it did not write.

A code or message with ESC sequences could clear a support agent's terminal or set its title; a newline could
start a line that GitHub Actions runs as a workflow command (``::add-mask::``); a lone CR ends a Markdown line
(CommonMark); a right-to-left override turns the suite's own sentences around in a browser.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # marks, embeddings, overrides, isolates
_CONTROLS = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")
_CONTROLS_BUT_LINES = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")
_NOT_IN_XML = re.compile("[\\ud800-\\udfff\\ufffe\\uffff]")  # what XML 1.0 forbids beyond the controls


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: str) -> str:
    """``text`` on one line, every control and bidirectional character written as an escape: for the terminal,
    the Markdown and names (Postman's)."""
    return _CONTROLS.sub(_escape, text)


def inert_for_pages(text: str) -> str:
    """``text`` for a page (a ``<pre>`` keeps its lines and tabs): every other control and every bidirectional
    character written as an escape."""
    return _CONTROLS_BUT_LINES.sub(_escape, text)


def inert_for_xml(text: str) -> str:
    """``text`` on one line for an XML file (JUnit's): the controls as :func:`one_line` writes them, and the
    characters XML 1.0 has no place for (surrogates, U+FFFE, U+FFFF) as escapes too, so the file always parses."""
    return _NOT_IN_XML.sub(_escape, one_line(text))
