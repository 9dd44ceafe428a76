"""Personal data: e-mails never reach a mart (the quarantine mart included), PII in quarantined
rows is a salted hash, and neither the salt nor an e-mail is written to target/ or logs/."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
from warehouse_checks import MART_SCHEMA, vars_text

from conftest import (
    PLANTED_EMAILS,
    PLANTED_ROWS,
    PLANTED_SALT,
    DbtResult,
    run_dbt,
    write_planted_source_dir,
)

EMAIL_PATTERN = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"


def email_like_values(database: Path, schema: str = MART_SCHEMA) -> dict[str, int]:
    """Per `mart.column` of text, how many values look like an e-mail address."""
    found = {}
    with duckdb.connect(str(database), read_only=True) as connection:
        columns = connection.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = ? and data_type = 'VARCHAR' order by 1, 2",
            [schema],
        ).fetchall()
        assert columns, f"no text column in {schema}"
        for table, column in columns:
            count = connection.execute(
                f'select count(*) from {schema}."{table}" '
                f"where regexp_matches(\"{column}\", '{EMAIL_PATTERN}')"
            ).fetchone()[0]
            if count:
                found[f"{table}.{column}"] = count
    return found


def test_no_mart_holds_an_email(planted_warehouse: DbtResult) -> None:
    quarantined = planted_warehouse.query(
        "select quarantine_reason from main_marts.fct_quarantined_rows "
        "where source_name = 'customers'"
    )
    # the planted rows did reach the quarantine mart...
    assert sorted(reason for (reason,) in quarantined) == sorted(PLANTED_ROWS)
    # ...without their e-mails, and no other mart holds one
    assert email_like_values(planted_warehouse.database) == {}


def test_staging_keeps_the_emails_the_scan_looks_for(planted_warehouse: DbtResult) -> None:
    """The scan is able to find e-mails: staging (not a mart) holds every valid customer's."""
    found = email_like_values(planted_warehouse.database, "main_staging")
    assert found.get("stg_shop__customers.email", 0) >= 150


def test_the_scan_fails_on_an_email_in_a_mart(planted_warehouse: DbtResult, tmp_path: Path) -> None:
    """The scan can fail: a quarantined row with its raw e-mail, as the mart kept it before."""
    database = tmp_path / "warehouse.duckdb"
    shutil.copyfile(planted_warehouse.database, database)
    with duckdb.connect(str(database)) as connection:
        connection.execute(
            "insert into main_marts.fct_quarantined_rows "
            "(source_name, quarantine_reason, raw_record) values (?, ?, ?)",
            ["customers", "unparseable_signup_at", f"customer_id=q1; email={PLANTED_EMAILS[0]}"],
        )
    assert email_like_values(database) == {"fct_quarantined_rows.raw_record": 1}


def test_quarantined_pii_is_a_salted_hash(planted_warehouse: DbtResult) -> None:
    records = dict(
        planted_warehouse.query(
            "select quarantine_reason, raw_record from main_marts.fct_quarantined_rows "
            "where source_name = 'customers'"
        )
    )
    for reason, (_, email) in PLANTED_ROWS.items():
        digest = hashlib.sha256((PLANTED_SALT + email).encode()).hexdigest()
        # the hash is a key: whoever holds the salt can find the source row of a quarantined one
        assert f"email=sha256:{digest}" in records[reason], records[reason]
        assert email not in records[reason]


def test_no_secret_in_target_or_logs(planted_warehouse: DbtResult) -> None:
    """The salt is passed as a bound parameter and e-mails stay in the warehouse: neither is in
    the compiled SQL, the manifest, run results or dbt.log."""
    roots = [planted_warehouse.target_dir, planted_warehouse.target_dir.parent / "logs"]
    files = [path for root in roots for path in root.rglob("*") if path.is_file()]
    assert any(path.name == "dbt.log" for path in files)
    assert any(path.suffix == ".sql" for path in files)
    secrets = [PLANTED_SALT, *PLANTED_EMAILS]
    leaks = [
        f"{path}: {secret}"
        for path in files
        for secret in secrets
        if secret.encode() in path.read_bytes()
    ]
    assert leaks == []


@pytest.mark.slow
def test_without_a_salt_pii_is_redacted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEGMENTATION_PII_SALT", raising=False)
    source_dir = write_planted_source_dir(tmp_path / "files", customers=20)
    result = run_dbt(
        tmp_path,
        "run",
        "--select",
        "base_shop__customers",
        "--vars",
        vars_text({"segmentation__source_dir": str(source_dir)}),
    )
    assert result.returncode == 0, result.output[-3000:]
    records = [
        record
        for (record,) in result.query(
            "select raw_record from main_staging.base_shop__customers "
            "where quarantine_reason is not null"
        )
    ]
    assert len(records) == len(PLANTED_ROWS)
    assert all("email=<redacted>" in record for record in records), records
