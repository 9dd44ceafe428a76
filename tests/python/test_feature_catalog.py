"""The cluster feature catalog seed is the only list of cluster features, words and traits."""

from __future__ import annotations

import re

import pandas as pd
import yaml

from conftest import PROJECT_DIR, DbtResult
from segmentation import clustering

CATALOG = pd.read_csv(PROJECT_DIR / "seeds" / "cluster_feature_catalog.csv", dtype=str)
TEXT_COLUMNS = ["word_above", "word_below", "trait_above", "trait_below"]
KEYS = {"customer_id", "period_month_end", "period_end_date", "is_current_period", "is_buyer"}


def _missing_words(features: list[str]) -> list[str]:
    described = CATALOG.set_index("feature_name")[TEXT_COLUMNS]
    return [
        f
        for f in features
        if f not in described.index
        or described.loc[f].isna().any()
        or (described.loc[f].str.strip() == "").any()
    ]


def test_every_catalog_feature_has_words_and_traits() -> None:
    assert CATALOG["feature_name"].is_unique
    assert _missing_words(list(CATALOG["feature_name"])) == []
    # the Python package keeps no vocabulary of its own any more
    assert not hasattr(clustering, "DEFAULT_VOCABULARY")


def test_the_var_default_lists_only_described_features() -> None:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    default = project["vars"]["segmentation__cluster_features"]
    assert len(default) >= 2
    assert _missing_words(default) == []


def test_the_settings_validation_allows_exactly_the_catalog() -> None:
    spec = (PROJECT_DIR / "macros" / "settings" / "segmentation_settings_spec.sql").read_text()
    body = spec[spec.index("macro segmentation_cluster_feature_names") :]
    listed = re.findall(r"'([a-z0-9_]+)'", body[: body.index("endmacro")])
    assert sorted(listed) == sorted(CATALOG["feature_name"])


def test_the_sql_features_are_exactly_the_catalog(demo_warehouse: DbtResult) -> None:
    columns = demo_warehouse.query(
        "select column_name from information_schema.columns "
        "where table_name = 'int_cluster_features_monthly'"
    )
    features = sorted({c for (c,) in columns} - KEYS)
    assert features == sorted(CATALOG["feature_name"])
    assert _missing_words(features) == []


def test_every_trait_has_its_own_cluster_playbook_row() -> None:
    playbook = pd.read_csv(PROJECT_DIR / "seeds" / "segment_playbook.csv")
    cluster_rows = playbook[playbook["segmentation"] == "cluster"]
    traits = set(CATALOG["trait_above"]) | set(CATALOG["trait_below"])
    expected = traits | {clustering.PROSPECT_TRAIT, clustering.TYPICAL_TRAIT}
    assert set(cluster_rows["segment"]) == expected
    # different traits, different rows: no two traits share an objective or an offer
    assert cluster_rows["objective"].is_unique
    assert cluster_rows["offer"].is_unique
