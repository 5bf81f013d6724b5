"""Reading a file the suite is given (a keys file, a cassette, a feed, a summary): never more than it could be.

The bound is read, not asked for: a pipe or a device (``/dev/zero``) has no size to ask, and a file can grow between
asking and reading. What is too large is refused in the caller's words, with the bound said the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def read_bounded(path: Path, limit: int, too_large: Callable[[str], Exception]) -> bytes:
    """At most ``limit`` bytes of ``path``; for more, raises ``too_large("larger than 1 MB")``. An ``OSError`` of
    opening or reading is the caller's to word."""
    with path.open("rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise too_large(f"larger than {size_words(limit)}")
    return data


def size_words(size: int) -> str:
    """``1 MB``, ``64 KB``: a bound as the messages say it (decimal units, as the constants are written)."""
    for unit, factor in (("MB", 1_000_000), ("KB", 1_000)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size:,} bytes"
