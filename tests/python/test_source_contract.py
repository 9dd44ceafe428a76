"""One home for the source contract: the README, the dbt sources file, the generators and the
base models all agree with macros/sources/segmentation_source_contract.sql."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml

from conftest import PROJECT_DIR, DbtResult
from segmentation import demo_data
from segmentation.contract import SOURCES_YML, load_contract, readme_table
from segmentation.shapes import SHAPES, write_shape

CONTRACT = load_contract()


def test_orders_is_the_one_required_source_and_keys_are_required_columns() -> None:
    assert [name for name, source in CONTRACT.items() if source.required] == ["orders"]
    for source in CONTRACT.values():
        assert set(source.key) <= set(source.required_columns), source.name


def test_readme_table_is_the_contract() -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    found = re.search(
        r"<!-- source-contract-table:start[^>]*-->\n(.*?)<!-- source-contract-table:end -->",
        readme,
        re.S,
    )
    assert found, "README has no source-contract table markers"
    assert found.group(1) == readme_table(), (
        "README source table drifted from the contract: paste `python -m segmentation.contract "
        "--readme` between the markers"
    )


def test_sources_yml_has_the_contract_tables_and_columns() -> None:
    document = yaml.safe_load(SOURCES_YML.read_text())
    (shop,) = [source for source in document["sources"] if source["name"] == "shop"]
    tables = {table["name"]: table for table in shop["tables"]}
    assert list(tables) == list(CONTRACT)
    for name, source in CONTRACT.items():
        columns = [column["name"] for column in tables[name]["columns"]]
        assert columns == source.column_names, name
        for column in tables[name]["columns"]:
            assert column["description"].startswith(source.column(column["name"]).description)


def test_demo_generator_writes_the_contract_columns(tmp_path: Path) -> None:
    assert list(demo_data.SOURCES) == list(CONTRACT)
    demo_data.generate(20, tmp_path, seed=1)
    for name, source in CONTRACT.items():
        header = (tmp_path / f"{name}.csv").read_text().splitlines()[0]
        assert header.split(",") == source.column_names, name


def test_shapes_write_only_contract_columns_in_contract_order(tmp_path: Path) -> None:
    for shape in SHAPES.values():
        write_shape(shape.name, tmp_path / shape.name)
        for path in (tmp_path / shape.name).iterdir():
            source = CONTRACT[path.stem]
            if path.suffix == ".csv":
                columns = path.read_text().splitlines()[0].split(",")
            else:
                columns = list(pd.read_parquet(path).columns)
            expected = [column for column in source.column_names if column in columns]
            assert columns == expected, (shape.name, path.name)
            assert set(source.required_columns) <= set(columns), (shape.name, path.name)


def test_base_models_and_landed_sources_have_the_contract_columns(
    demo_warehouse: DbtResult,
) -> None:
    rows = demo_warehouse.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "order by table_schema, table_name, ordinal_position"
    )
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in rows:
        columns.setdefault((schema, table), []).append(column)
    for name, source in CONTRACT.items():
        base = [cols for (_, table), cols in columns.items() if table == f"base_shop__{name}"]
        assert base == [[*source.column_names, "raw_record", "quarantine_reason"]], name
        landed = columns[("raw", name)]
        assert landed == source.column_names, name
    quarantine_sources = {
        row[0]
        for row in demo_warehouse.query("select source_name from main_marts.fct_source_row_counts")
    }
    assert quarantine_sources == set(CONTRACT)
