"""`python -m segmentation.report`: write the segmentation report from the serving warehouse."""

from __future__ import annotations

import argparse
import os
import sys

from segmentation.report.queries import ReportDataError, read_report_data
from segmentation.report.render import write_report


def main(argv: list[str] | None = None) -> int:
    """Read the marts (read-only) and write the HTML report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database",
        default=os.environ.get("SEGMENTATION_DUCKDB_PATH", "warehouse/segmentation.duckdb"),
        help="the serving warehouse file (default: $SEGMENTATION_DUCKDB_PATH)",
    )
    parser.add_argument("--out", default="reports/segmentation_report.html")
    parser.add_argument("--marts-schema", default="main_marts")
    parser.add_argument("--rules-schema", default="main_rules")
    args = parser.parse_args(argv)
    try:
        data = read_report_data(args.database, args.marts_schema, args.rules_schema)
    except ReportDataError as error:
        print(f"make report: {error}", file=sys.stderr)
        return 2
    path = write_report(data, args.out)
    print(f"Report written: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
