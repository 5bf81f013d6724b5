"""``live-junit.xml``: the conclusions as JUnit XML, so CI systems show them natively (GitHub, GitLab, Jenkins).

One test case per endpoint, key and round, named by the endpoint (its class the round and key); a failure where
the endpoint failed, its message the diagnosis and its type the side, its text the answer, the reasoning and the
next step; a mutating endpoint skipped, as a live run never sends it. Every text is the run's record's, made
inert for XML (server text included): the file always parses.
"""

from __future__ import annotations

from xml.etree import ElementTree

from p2p_conformance.model import EndpointRecord, Outcome
from p2p_conformance.report.view import ReportView
from p2p_conformance.safety.text import inert_for_xml

SUITE_NAME = "Binance C2C conformance"


def _case(record: EndpointRecord) -> ElementTree.Element:
    case = ElementTree.Element(
        "testcase",
        classname=inert_for_xml(f"round{record.round}.{record.key_name}"),
        name=inert_for_xml(record.id),
        time=f"{(record.answer.latency_ms or 0.0) / 1000:.3f}",
    )
    if record.outcome is Outcome.SKIPPED:
        ElementTree.SubElement(case, "skipped", message=inert_for_xml(record.diagnosis))
    elif not record.worked:
        failure = ElementTree.SubElement(
            case, "failure", message=inert_for_xml(record.diagnosis), type=inert_for_xml(str(record.side))
        )
        failure.text = "\n".join(
            inert_for_xml(line)
            for line in (f"Answer: {record.answer.text}", f"Why: {record.reasoning}", f"Next: {record.next_step}")
        )
    return case


def junit_xml(view: ReportView) -> str:
    """The run's conclusions as one JUnit test suite (its properties: the verdict and the case)."""
    records = view.run.results
    suite = ElementTree.Element(
        "testsuite",
        name=SUITE_NAME,
        tests=str(len(records)),
        failures=str(sum(r.outcome is not Outcome.SKIPPED and not r.worked for r in records)),
        skipped=str(sum(r.outcome is Outcome.SKIPPED for r in records)),
        timestamp=view.run.started_at,
    )
    properties = ElementTree.SubElement(suite, "properties")
    for name, value in (("verdict", view.verdict.text), ("case", view.run.case_id or "")):
        ElementTree.SubElement(properties, "property", name=name, value=inert_for_xml(value))
    suite.extend(_case(record) for record in records)
    ElementTree.indent(suite)
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
