"""The benchmark reports why a dbt run failed and how much DuckDB spilled."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import bench  # noqa: E402

DBT_FAILURE_LOG = """\
\x1b[0m22:21:26  Completed with 2 errors, 0 partial successes, and 0 warnings:
22:21:26
22:21:26  Failure in model int_customer_activity_monthly (models/intermediate/a.sql)
22:21:26    Runtime Error in model int_customer_activity_monthly (models/intermediate/a.sql)
  IO Error: Could not write file "/tmp/x.duckdb.tmp/t-4.tmp": No space left on device
22:21:26
22:21:26  Failure in test unique_fct_x_id (models/marts/_m.yml)
22:21:26    Database Error in test unique_fct_x_id (models/marts/_m.yml)
  Out of Memory Error: could not allocate block of size 256.0 KiB (3.7 GiB/3.7 GiB used)
22:21:26
"""


def test_failure_reason_names_each_failed_node_and_its_error(tmp_path: Path) -> None:
    log = tmp_path / "full.log"
    log.write_text(DBT_FAILURE_LOG)
    assert bench.failure_reason(log) == (
        "; failed: int_customer_activity_monthly: IO Error: Could not write file "
        '"/tmp/x.duckdb.tmp/t-4.tmp": No space left on device'
        "; failed: unique_fct_x_id: Out of Memory Error: could not allocate block of size "
        "256.0 KiB (3.7 GiB/3.7 GiB used)"
    )


def test_failure_reason_is_empty_for_a_clean_log(tmp_path: Path) -> None:
    log = tmp_path / "full.log"
    log.write_text("22:21:26  Done. PASS=269 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=269\n")
    assert bench.failure_reason(log) == ""


def test_directory_size_counts_the_files_of_the_spill_directory(tmp_path: Path) -> None:
    spill = tmp_path / "bench.duckdb.tmp"
    assert bench.directory_size(spill) == 0  # DuckDB creates it only when it spills
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"x" * 1000)
    (spill / "duckdb_temp_storage-1.tmp").write_bytes(b"x" * 24)
    assert bench.directory_size(spill) == 1024
