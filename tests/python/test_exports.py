"""Audience exports: every pathway and each named segment as CSV and Parquet, control customers
in a holdout file of their own, no PII unless opted in; read back and reconciled with the marts."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import DbtResult, run_dbt

COLUMNS = [
    "customer_id",
    "segmentation",
    "segment",
    "pathway_id",
    "target_segment",
    "intervention",
    "channel",
    "priority",
    "is_control",
    "as_of_date",
]
SEGMENTS = ["rfm:Champions", "rfm:Can't Lose Them", "value_tier:high"]


def _export(demo_warehouse: DbtResult, workdir: Path, **settings: object) -> DbtResult:
    # --vars is YAML; json.dumps would do, but this keeps the apostrophe of "Can't" readable.
    settings = {"segmentation__export_dir": str(workdir / "exports"), **settings}
    text = ", ".join(f"{key}: {_yaml(value)}" for key, value in settings.items())
    return run_dbt(
        workdir,
        "run-operation",
        "segmentation_export_audiences",
        "--vars",
        "{" + text + "}",
        database=demo_warehouse.database,
    )


def _yaml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(item) for item in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _read(directory: Path, stem: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    with duckdb.connect() as connection:
        csv = connection.execute(
            f"select * from read_csv('{directory / stem}.csv', header = true) order by all"
        ).df()
        parquet = connection.execute(
            f"select * from read_parquet('{directory / stem}.parquet') order by all"
        ).df()
    return csv, parquet


@pytest.fixture(scope="module")
def exported(demo_warehouse: DbtResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("exports")
    result = _export(demo_warehouse, workdir, segmentation__export_segments=SEGMENTS)
    assert result.returncode == 0, result.output[-3000:]
    assert "without PII" in result.output
    return workdir / "exports"


def test_every_pathway_and_named_segment_has_a_send_and_a_holdout_list(
    demo_warehouse: DbtResult, exported: Path
) -> None:
    manifest = pd.read_csv(exported / "audiences.csv")
    pathways = [
        row[0]
        for row in demo_warehouse.query(
            "select pathway_id from main_marts.dim_migration_pathways order by 1"
        )
    ]
    expected = {f"pathway__{pathway}" for pathway in pathways} | {
        "segment__rfm__champions",
        "segment__rfm__can_t_lose_them",
        "segment__value_tier__high",
    }
    assert set(manifest["audience"]) == expected
    assert sorted(manifest.groupby("audience")["list"].apply(sorted).map(tuple).unique()) == [
        ("holdout", "send")
    ]
    for row in manifest.itertuples():
        for name in (row.csv_file, row.parquet_file):
            path = exported / name
            assert path.stat().st_mode & 0o777 == 0o600, name
        assert len(pd.read_parquet(exported / row.parquet_file)) == row.customers
    assert {path.name for path in exported.iterdir()} == (
        {"audiences.csv"} | set(manifest["csv_file"]) | set(manifest["parquet_file"])
    )


def test_pathway_lists_add_up_to_the_activation_list(
    demo_warehouse: DbtResult, exported: Path
) -> None:
    actions = demo_warehouse.frame(
        "select customer_id, pathway_id, is_control from main_marts.fct_customer_actions"
    )
    assert len(actions) > 0 and actions["is_control"].any()
    checked = 0
    for pathway_id, audience in actions.groupby("pathway_id"):
        send_csv, send = _read(exported, f"pathway__{pathway_id}__send")
        holdout_csv, holdout = _read(exported, f"pathway__{pathway_id}__holdout")
        assert list(send.columns) == COLUMNS and list(holdout.columns) == COLUMNS
        # send + holdout = audience; no control customer in the send list
        assert len(send) + len(holdout) == len(audience)
        assert not send["is_control"].any()
        assert holdout["is_control"].all() or holdout.empty
        assert set(send["customer_id"].astype(str)) == set(
            audience.loc[~audience["is_control"], "customer_id"].astype(str)
        )
        assert set(holdout["customer_id"].astype(str)) == set(
            audience.loc[audience["is_control"], "customer_id"].astype(str)
        )
        assert (send["pathway_id"] == pathway_id).all()
        # the CSV holds the same rows as the Parquet file
        assert len(send_csv) == len(send) and len(holdout_csv) == len(holdout)
        as_text = sorted(send["customer_id"].astype(str))
        assert sorted(send_csv["customer_id"].astype(str)) == as_text
        checked += 1
    assert checked >= 5


def test_segment_lists_add_up_to_the_segment(demo_warehouse: DbtResult, exported: Path) -> None:
    for segmentation, column, segment, stem in [
        ("rfm", "rfm_segment", "Champions", "segment__rfm__champions"),
        ("rfm", "rfm_segment", "Can't Lose Them", "segment__rfm__can_t_lose_them"),
        ("value_tier", "value_tier", "high", "segment__value_tier__high"),
    ]:
        size = demo_warehouse.query(
            f"select count(*) from main_marts.dim_customers where {column} = ?".replace(
                "?", "'" + segment.replace("'", "''") + "'"
            )
        )[0][0]
        _, send = _read(exported, f"{stem}__send")
        _, holdout = _read(exported, f"{stem}__holdout")
        assert size > 0
        assert len(send) + len(holdout) == size
        assert not send["is_control"].any() and (holdout["is_control"].all() or holdout.empty)
        assert set(send["segment"]) | set(holdout["segment"]) == {segment}
        assert set(send["segmentation"]) == {segmentation}
        # the playbook's channel and priority come with the list
        assert send["channel"].notna().all() and send["priority"].notna().all()
        assert "email" not in send.columns


def test_email_only_when_opted_in(demo_warehouse: DbtResult, tmp_path: Path) -> None:
    result = _export(
        demo_warehouse,
        tmp_path,
        segmentation__export_segments=["rfm:Champions"],
        segmentation__export_include_email=True,
    )
    assert result.returncode == 0, result.output[-3000:]
    _, send = _read(tmp_path / "exports", "segment__rfm__champions__send")
    assert list(send.columns) == [*COLUMNS, "email"]
    emails = demo_warehouse.frame("select customer_id, email from main_staging.stg_shop__customers")
    merged = send.merge(emails, on="customer_id", suffixes=("", "_source"))
    assert len(merged) == len(send)
    assert (merged["email"].fillna("") == merged["email_source"].fillna("")).all()
    assert merged["email"].notna().any()


@pytest.mark.parametrize(
    ("segments", "message"),
    [
        (["rfm:Nope"], "is not a segment now; rfm segments: Champions"),
        (["rfm:x'; drop table main_marts.dim_customers; --"], 'segment names hold no ";"'),
        (["rfm:x' or '1'='1"], "is not a segment now"),
        (["Champions"], "Invalid var segmentation__export_segments"),
        (["colour:Red"], "Invalid var segmentation__export_segments"),
    ],
)
def test_a_segment_that_does_not_exist_is_a_clear_error(
    demo_warehouse: DbtResult, tmp_path: Path, segments: list[str], message: str
) -> None:
    result = _export(demo_warehouse, tmp_path, segmentation__export_segments=segments)
    assert result.returncode != 0
    assert message in result.output
    assert demo_warehouse.query("select count(*) > 0 from main_marts.dim_customers") == [(True,)]


def test_include_email_must_be_a_boolean(demo_warehouse: DbtResult, tmp_path: Path) -> None:
    result = _export(demo_warehouse, tmp_path, segmentation__export_include_email="yes")
    assert result.returncode != 0
    assert "Invalid var segmentation__export_include_email" in result.output
    assert "true or false" in result.output


def test_docs_generate_shows_the_exposures(demo_warehouse: DbtResult, tmp_path: Path) -> None:
    result = run_dbt(tmp_path, "docs", "generate", database=demo_warehouse.database)
    assert result.returncode == 0, result.output[-3000:]
    manifest = json.loads((result.target_dir / "manifest.json").read_text())
    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    assert set(exposures) >= {"audience_exports", "segmentation_report", "semantic_layer"}
    assert (
        "model.segmentation.fct_customer_actions"
        in (exposures["audience_exports"]["depends_on"]["nodes"])
    )
    for exposure in exposures.values():
        assert exposure["description"] and exposure["depends_on"]["nodes"], exposure["name"]
    catalog = json.loads((result.target_dir / "catalog.json").read_text())
    assert "model.segmentation.fct_customer_actions" in catalog["nodes"]
