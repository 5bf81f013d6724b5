"""Writing a file without writing through a link: a temporary file beside it, renamed over the name.

A report folder can hold links planted by someone else (``live-report.html`` pointing at a file outside
the project); ``open(path, "w")`` would overwrite what the link points at. Renaming replaces the link
itself, and a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

from p2p_conformance.errors import FileError


def replace_file(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) at ``path``, replacing whatever is there, a link included."""
    temporary = _temporary_beside(path, content.encode("utf-8") if isinstance(content, str) else content)
    try:
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class SetNotWritten(FileError, RuntimeError):
    """A set of files could not all be written (a full disk, a folder made read-only meanwhile): none of them was
    replaced, the files already there were kept."""


def _temporary_beside(path: Path, data: bytes) -> str:
    """``data`` in a temporary file beside ``path`` (removed again if writing it fails); its name."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return temporary


def replace_files(contents: dict[Path, str | bytes]) -> None:
    """Replace every file of ``contents`` or none: each is written beside its name first, and only when all are
    written are they renamed over their names (a rename needs no room). A write that fails (a full disk) removes
    what was written and raises :class:`SetNotWritten`, the files already there kept as a set."""
    written: dict[Path, str] = {}
    try:
        for path, content in contents.items():
            written[path] = _temporary_beside(path, content.encode("utf-8") if isinstance(content, str) else content)
    except OSError as error:
        for temporary in written.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        folders = ", ".join(sorted({str(path.parent) for path in contents}))
        raise SetNotWritten(
            f"{folders}: the report files could not be written ({error.strerror or type(error).__name__}); "
            "the files already there were kept, as a set"
        ) from None
    for path, temporary in written.items():
        os.replace(temporary, path)


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


class FolderInUse(FileError, RuntimeError):
    """Another run is writing its reports into the same folder now."""


class FolderHold:
    """A live run's hold on its report folder: a second run into the same folder while this one runs stops in one
    line, before anything is sent (two runs' files would swap: a bundle of one case holding the other's report).
    An advisory lock (``flock``) on a file of the system's temporary folder named after the report folder (the
    report folder itself is left as it was): released when the run ends, or its process does."""

    def __init__(self, folder: Path) -> None:
        self._fd: int | None = None
        try:
            import fcntl  # POSIX: elsewhere, runs are not held apart
        except ImportError:
            return
        digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:24]
        path = Path(tempfile.gettempdir()) / f"p2p-conformance-{digest}.lock"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)  # never through a link
        except OSError as error:  # a link or a file of another user planted at the name
            raise FolderInUse(
                f"{folder}: cannot be held for this run ({error.strerror or type(error).__name__} at {path}): "
                "remove that file, or give --report-dir"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise FolderInUse(
                f"{folder}: another run is writing its reports there now: wait for it to end, or give --report-dir"
            ) from None
        self._fd = fd

    def __repr__(self) -> str:
        return f"FolderHold({'held' if self._fd is not None else 'not held'})"

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
