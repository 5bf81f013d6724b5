"""Writing a file without writing through a link: a temporary file beside it, renamed over the name.

A report folder can hold links planted by someone else (``live-report.html`` pointing at a file outside
the project); ``open(path, "w")`` would overwrite what the link points at. Renaming replaces the link
itself, and a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path


def replace_file(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) at ``path``, replacing whatever is there, a link included."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def check_writable(folder: Path) -> str | None:
    """Whether the run will be able to write its files into ``folder`` (made if missing), tried with a temporary
    file that is removed at once: the reason it cannot, in a few words, else None. Asked before anything is
    sent, so a run never ends with every call made and half its report written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return None
    except OSError as error:
        return error.strerror or type(error).__name__


def unlink_if_link(path: Path) -> None:
    """Remove ``path`` when it is a link (not what it points at), so a writer that opens it by name (pytest-html)
    writes a file of its own."""
    if path.is_symlink():
        path.unlink()


def json_text(document: object) -> str:
    """A report file's JSON: indented, non-ASCII kept as written, one final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
