"""The segmentation report: one self-contained HTML file drawn from the marts."""

from segmentation.report.queries import ReportData, ReportDataError, read_report_data
from segmentation.report.render import build_charts, render_report, write_report

__all__ = [
    "ReportData",
    "ReportDataError",
    "build_charts",
    "read_report_data",
    "render_report",
    "write_report",
]
