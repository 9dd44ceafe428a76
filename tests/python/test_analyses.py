"""Every example query in analyses/ compiles through dbt and runs on the demo warehouse; the five of
README "Ask the warehouse" answer with rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_DIR, DbtResult, run_dbt

ANALYSES = sorted(path.stem for path in (PROJECT_DIR / "analyses").glob("*.sql"))
README_QUESTIONS = [
    "rfm_segments_by_value_tier",
    "valuable_customers_without_an_action",
    "customers_who_moved_up_last_month",
    "champions_by_acquisition_channel",
    "rows_rejected_by_source",
]


@pytest.fixture(scope="module")
def compiled(demo_warehouse: DbtResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("analyses")
    result = run_dbt(
        workdir, "compile", "--select", "path:analyses", database=demo_warehouse.database
    )
    assert result.returncode == 0, result.output[-3000:]
    return result.target_dir / "compiled" / "segmentation" / "analyses"


def test_the_readme_questions_are_in_analyses_and_the_readme() -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    section = readme.split("## Ask the warehouse", 1)[1].split("\n## ", 1)[0]
    for name in README_QUESTIONS:
        assert name in ANALYSES
        assert f"analyses/{name}.sql" in section, name


@pytest.mark.parametrize("name", ANALYSES)
def test_every_analysis_runs_and_the_readme_questions_answer_with_rows(
    demo_warehouse: DbtResult, compiled: Path, name: str
) -> None:
    sql = (compiled / f"{name}.sql").read_text()
    assert "{{" not in sql
    with duckdb.connect(str(demo_warehouse.database), read_only=True) as connection:
        cursor = connection.execute(sql)
        columns = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    assert len(columns) >= 2
    # The README's questions have answers on the demo data. (Another analysis may rightly find
    # none: no Champion lapsed to At Risk last month is an answer.)
    if name in README_QUESTIONS:
        assert rows, f"{name} returned no rows"
