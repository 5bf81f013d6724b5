"""One exception root: every error the package raises on purpose is a P2PConformanceError, and the tree in
``p2p_conformance/errors.py``'s docstring is the tree the classes make."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import p2p_conformance
from p2p_conformance import errors
from p2p_conformance.errors import P2PConformanceError

# Not ours to root: requests' handling needs its own exception, and a warning is not an error.
OTHER_ROOTS = {"AnswerTooSlow": "requests.RequestException", "KeyFormatWarning": "UserWarning"}
TREE_LINE = re.compile(r"^ {4}[│ ]*[├└]── (\w+)", re.MULTILINE)


def _package_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module_info in pkgutil.walk_packages(p2p_conformance.__path__, "p2p_conformance."):
        if ".suite." in module_info.name or module_info.name.endswith((".suite", "__main__")):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__.startswith("p2p_conformance.")
            ):
                found[name] = value
    return found


def test_every_error_of_the_package_has_the_one_root() -> None:
    exceptions = _package_exceptions()
    unrooted = sorted(name for name, kind in exceptions.items() if not issubclass(kind, P2PConformanceError))
    assert unrooted == sorted(OTHER_ROOTS)


def test_the_docstring_tree_names_every_error_under_its_parent() -> None:
    exceptions = _package_exceptions()
    doc = errors.__doc__ or ""
    named = TREE_LINE.findall(doc)
    assert sorted(named) == sorted(set(exceptions) - set(OTHER_ROOTS) - {"P2PConformanceError"})
    parents: list[tuple[int, str]] = []  # the chain of (indent, name) above the current line
    for line in doc.splitlines():
        found = re.match(r"^ {4}([│ ]*)[├└]── (\w+)", line)
        if found is None:
            continue
        depth, name = len(found.group(1)) // 4, found.group(2)
        parents = parents[:depth]
        expected_parent = parents[-1][1] if parents else "P2PConformanceError"
        assert exceptions[name].__mro__[1].__name__ == expected_parent, (name, expected_parent)
        parents.append((depth, name))
