"""The files a run's record is rendered into, each an output handed the same :class:`~.view.ReportView`: the one
place that lists them. An output format is a module with a render function and one line here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from p2p_conformance.report import postman
from p2p_conformance.report.html import HTML_NAME, support_page
from p2p_conformance.report.junit import junit_xml
from p2p_conformance.report.markdown import SUMMARY_MD_NAME, markdown_summary, text_summary
from p2p_conformance.report.view import ReportView
from p2p_conformance.safety.writing import json_text


@dataclass(frozen=True)
class Output:
    """A file of the report: its name, and how it is rendered from the run's view."""

    name: str
    render: Callable[[ReportView], str]


OUTPUTS: tuple[Output, ...] = (
    Output(HTML_NAME, support_page),  # the support page
    Output(SUMMARY_MD_NAME, markdown_summary),  # the summary to paste into a ticket
    Output("live-summary.txt", text_summary),  # the same, for a ticket form that does not render Markdown
    Output("live-postman.json", lambda view: json_text(postman.collection(view.run))),  # the run as Postman requests
    Output("live-postman-environment.json", lambda view: json_text(postman.environment(view.run))),  # its variables
    Output("live-junit.xml", junit_xml),  # the conclusions as JUnit XML, for CI systems
)
