"""``p2p-report reports/live-summary.json [--out DIR]``: the support page, the Markdown and the Postman collection
rendered again from a run's ``live-summary.json``, without pytest and without calling anything: after an
upgrade, or from a colleague's file. The files are the ones the run wrote (they are rendered from that file)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from p2p_conformance.report.files import rendered
from p2p_conformance.report.summary import SummaryError
from p2p_conformance.safety.writing import replace_file

MAX_SUMMARY_BYTES = 64 * 1024 * 1024  # a run of many keys and rounds is a few MB; a larger file is not one


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p2p-report", description=__doc__)
    parser.add_argument("summary", type=Path, help="a run's live-summary.json, e.g. reports/live-summary.json")
    parser.add_argument("--out", type=Path, help="where to write the files (default: the summary's folder)")
    args = parser.parse_args(argv)
    try:
        if args.summary.stat().st_size > MAX_SUMMARY_BYTES:
            raise SummaryError(f"larger than {MAX_SUMMARY_BYTES // 2**20} MB: not a live-summary.json")
        files = rendered(args.summary.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, SummaryError, RecursionError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)[:200]
        sys.stderr.write(f"p2p-report: {args.summary}: {reason}\n")
        return 2
    out = args.out or args.summary.parent
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        replace_file(out / name, text)
    sys.stderr.write(f"p2p-report: {', '.join(files)} written to {out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
