"""The offline HTML report (Jinja2 templates) and its parts."""

from journeymining.report.html import ReportSection, find_external_references, write_report  # noqa: F401

__all__ = ["ReportSection", "write_report", "find_external_references"]
