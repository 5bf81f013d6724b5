"""The package's one exception root, at the bottom of every layer (it imports nothing of the package).

Every error this package raises on purpose is a :class:`P2PConformanceError`; each keeps the builtin base it
had (``ValueError``, ``RuntimeError``) for callers that catch those::

    P2PConformanceError
    ├── InputError              bad input, said in one line before anything is sent
    │   ├── KeyConfigError      (signer) a key, secret or PEM that cannot be used
    │   ├── CatalogError        (contracts) an endpoint catalog, contract or --variant that is wrong
    │   ├── ScenarioError       (emulator) an emulator scenario that is wrong
    │   ├── RouteError          (engine.transport) a proxy or CA bundle the environment names that cannot be used
    │   └── FeedSourceError     (engine.feeds) a --compare-with source that is neither an https:// URL nor a file
    ├── TargetError             the target did not answer as a server must
    │   ├── TargetUnreachable   (engine.live) no connection, or a server time that cannot be believed
    │   ├── UnreadableJson      (contracts.checks) an answer that is not JSON within an answer's bounds
    │   ├── InterimAnswers      (engine.transport) informational (1xx) answers that do not end in an answer
    │   ├── UnusableCredential  (engine.chat_socket) a chat credential that makes no socket address
    │   └── FeedUnavailable     (engine.feeds) another merchant's status feed that could not be had
    ├── FileError               a file the suite reads or writes cannot be used
    │   ├── HistoryError        (report.history) the history database
    │   ├── SummaryError        (report.summary) a live-summary.json that cannot be read back
    │   ├── BundleLeakError     (report.bundle) an evidence bundle that would hold a secret
    │   ├── CassetteLeakError   (safety.cassettes) a cassette that would hold a secret
    │   ├── FeedError           (report.status_feed) a status feed not of its schema, or not for this run's target
    │   ├── FolderInUse         (safety.writing) a report folder another run is writing into now
    │   ├── SetNotWritten       (safety.writing) report files not all written (a full disk): none replaced
    │   └── UnsafeCassette      (safety.cassettes) a cassette that is not plain YAML data, refused before vcrpy reads it
    ├── NotSent                 (engine.transport) the run held a call back (a ban, Retry-After, the deadline)
    └── Rejection               (emulator.gateway) the emulator refusing a call with a Binance error code

``AnswerTooSlow`` (engine.transport) stays a ``requests.RequestException``: requests' own handling needs it so.
The signer's errors are importable from ``p2p_conformance.signer`` alone, as its public API.
"""

from __future__ import annotations


class P2PConformanceError(Exception):
    """Every error this package raises on purpose."""


class InputError(P2PConformanceError):
    """Bad input: a key, an option, a catalog or a scenario; the message is one line saying what to fix."""


class TargetError(P2PConformanceError):
    """The target (Binance, a proxy, the emulator) did not answer as a server must."""


class FileError(P2PConformanceError):
    """A file the suite reads or writes cannot be used: the message names it and what to do."""
