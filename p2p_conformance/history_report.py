"""``python -m p2p_conformance.history_report --db A --db B``: the same as ``p2p-history-report``."""

from p2p_conformance.report.history_report import main

if __name__ == "__main__":
    raise SystemExit(main())
