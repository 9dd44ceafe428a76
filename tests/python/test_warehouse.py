"""End-to-end: the demo warehouse builds, its marts hold what they promise, and rebuilds agree."""

from __future__ import annotations

import json
import re

import pandas as pd

from conftest import PROJECT_DIR, DbtResult, run_dbt

MARTS = [
    "dim_customers",
    "dim_segments",
    "fct_customer_segments_monthly",
    "fct_segment_migrations",
    "fct_segment_kpis_monthly",
    "fct_cluster_diagnostics",
    "dim_value_model_parameters",
    "fct_value_model_holdout",
    "fct_value_model_alive_calibration",
    "dim_segment_playbook",
    "dim_migration_pathways",
    "fct_customer_actions",
    "fct_action_outcomes_monthly",
    "fct_quarantined_rows",
    "fct_source_row_counts",
]
NON_EMPTY_MARTS = MARTS[:13]


def test_every_mart_is_built_and_not_empty(demo_warehouse: DbtResult) -> None:
    for mart in NON_EMPTY_MARTS:
        rows = demo_warehouse.query(f"select count(*) from main_marts.{mart}")[0][0]
        assert rows > 0, mart


def test_every_demo_customer_has_one_row_and_one_segment_per_axis(
    demo_warehouse: DbtResult,
) -> None:
    customers = pd.read_csv(PROJECT_DIR / "seeds" / "demo" / "customers.csv")
    rows = demo_warehouse.query(
        """
        select
            count(*),
            count(distinct customer_id),
            count(rfm_segment),
            count(cluster_id)
        from main_marts.dim_customers
        """
    )[0]
    assert rows == (len(customers),) * 4


def test_segment_shares_add_up_per_segmentation(demo_warehouse: DbtResult) -> None:
    rows = demo_warehouse.query(
        """
        select segmentation, sum(customer_share), sum(revenue_share)
        from main_marts.dim_segments group by 1
        """
    )
    assert {row[0] for row in rows} == {"rfm", "cluster", "value_tier", "composite", "potential"}
    for _, customer_share, revenue_share in rows:
        assert abs(customer_share - 1) < 1e-9
        assert abs(revenue_share - 1) < 1e-9


def test_prospects_have_no_scores_and_scored_customers_have_an_order(
    demo_warehouse: DbtResult,
) -> None:
    rows = demo_warehouse.query(
        """
        select rfm_segment = 'Prospects', r_score is null, frequency > 0, count(*)
        from main_marts.dim_customers group by all order by all
        """
    )
    assert [row[:3] for row in rows] == [(False, False, True), (True, True, False)]


def test_demo_data_has_no_quarantined_rows(demo_warehouse: DbtResult) -> None:
    assert demo_warehouse.query("select count(*) from main_marts.fct_quarantined_rows") == [(0,)]


def test_every_column_of_every_model_is_documented(demo_warehouse: DbtResult) -> None:
    manifest = json.loads((demo_warehouse.target_dir / "manifest.json").read_text())
    missing = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed") or node["package_name"] != "segmentation":
            continue
        if not node["description"].strip():
            missing.append(f"{node['name']} (model description)")
        documented = {
            name.lower() for name, column in node["columns"].items() if column["description"]
        }
        built = demo_warehouse.query(
            "select column_name from information_schema.columns "
            f"where table_schema = '{node['schema']}' and table_name = '{node['alias']}'"
        )
        assert built, f"{node['name']} was not built"
        missing += [f"{node['name']}.{name}" for (name,) in built if name.lower() not in documented]
    assert not missing, "undocumented: " + ", ".join(sorted(missing))


def test_every_macro_is_documented(demo_warehouse: DbtResult) -> None:
    manifest = json.loads((demo_warehouse.target_dir / "manifest.json").read_text())
    macros = {
        macro["name"]: macro["description"].strip()
        for macro in manifest["macros"].values()
        if macro["package_name"] == "segmentation"
    }
    # adapter implementations (default__x, bigquery__x) are documented by their dispatcher x
    missing = [
        name
        for name, description in macros.items()
        if not description and not macros.get(name.split("__", 1)[-1] if "__" in name else "")
    ]
    assert not missing, "macros without a description: " + ", ".join(sorted(missing))


def test_a_second_build_changes_no_row(demo_warehouse: DbtResult, tmp_path) -> None:
    before = {
        mart: demo_warehouse.query(f"select * from main_marts.{mart} order by all")
        for mart in MARTS
    }
    again = run_dbt(tmp_path, "build", database=demo_warehouse.database)
    assert again.returncode == 0, again.output[-5000:]
    for mart in MARTS:
        assert again.query(f"select * from main_marts.{mart} order by all") == before[mart], mart


def test_warehouse_file_is_readable_by_duckdb_1x_clients(demo_warehouse: DbtResult) -> None:
    tags = demo_warehouse.query(
        "select tags['storage_version'] from duckdb_databases() "
        "where database_name = current_database()"
    )
    assert tags[0][0].startswith("v1.0.0"), tags
    # The file header's storage format number: 64 is the format DuckDB 1.0 to 1.x read and write.
    header = demo_warehouse.database.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    assert int.from_bytes(header[12:20], "little") == 64


def test_no_mart_column_is_a_128_bit_integer(demo_warehouse: DbtResult) -> None:
    # DuckDB's sum() of integers is HUGEINT, a DuckDB-only type that many BI clients and drivers
    # cannot map (DECIMAL(38, s) sums are standard SQL and Arrow decimal128, and stay).
    hugeint = demo_warehouse.query(
        """
        select table_name, column_name
        from information_schema.columns
        where table_schema = 'main_marts' and data_type in ('HUGEINT', 'UHUGEINT')
        order by all
        """
    )
    assert hugeint == []


def _number_after(text: str, prefix: str) -> float:
    match = re.search(re.escape(prefix) + r"(-?[0-9]+(?:\.[0-9]+)?)", text)
    assert match, f"{prefix!r} not in {text!r}"
    return float(match.group(1))


def test_persona_quotes_the_figures_of_its_own_row(demo_warehouse: DbtResult) -> None:
    rows = demo_warehouse.query(
        "select persona, customers, customer_share, revenue_share from main_marts.dim_segments"
    )
    assert len(rows) > 20
    for persona, customers, share, revenue in rows:
        # each printed figure is the row's value rounded (0.05 for one decimal)
        noun = "customer" if customers == 1 else "customers"
        assert persona.startswith(f"{customers:,} {noun} (")
        assert abs(_number_after(persona, f" {noun} (") - 100 * share) <= 0.05 + 1e-9
        if revenue is not None:
            assert abs(_number_after(persona, "of all) with ") - 100 * revenue) <= 0.05 + 1e-9


def test_personas_claim_only_what_differs_with_its_count(demo_warehouse: DbtResult) -> None:
    claims = demo_warehouse.frame(
        """
        select personas.segmentation, personas.segment, personas.persona,
            personas.persona_traits, traits.trait, traits.level, traits.measured_customers,
            traits.standardized_difference
        from main_intermediate.segment_personas as personas
        left join main_intermediate.int_segment_traits as traits
            on personas.segmentation = traits.segmentation and personas.segment = traits.segment
            and list_contains(string_split(personas.persona_traits, ','),
                traits.trait || coalesce('=' || traits.level, ''))
        """
    )
    claimed = claims[claims["trait"].notna()]
    assert len(claimed) > 20
    assert (claimed["standardized_difference"].abs() >= 0.5).all()
    assert (claimed["measured_customers"] >= 30).all()
    for persona in claims["persona"].unique():
        # the near-uniform region of the demo is never a trait; every count shown is >= 30
        assert "North America" not in persona and "mostly in" not in persona
        assert all(int(n.replace(",", "")) >= 30 for n in re.findall(r"n = ([0-9,]+)", persona))
        assert all(
            int(n.replace(",", "")) >= 30 for n in re.findall(r"from ([0-9,]+) answers", persona)
        )
