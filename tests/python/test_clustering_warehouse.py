"""The clustering in the built demo warehouse: SQL scoring matches the fit, personas are found."""

from __future__ import annotations

import pandas as pd
from sklearn.metrics import adjusted_rand_score

from conftest import PROJECT_DIR, DbtResult
from segmentation.clustering import assign_clusters


def test_sql_assignment_agrees_with_the_fitted_model(demo_warehouse: DbtResult) -> None:
    sample = demo_warehouse.frame("select * from main_intermediate.int_cluster_training_sample")
    artifacts = demo_warehouse.frame("select * from main_intermediate.segmentation_cluster_model")
    features = list(
        artifacts.loc[artifacts["artifact"] == "scaling", "feature_name"].drop_duplicates()
    )
    expected = assign_clusters(sample[["customer_id", *features]], artifacts)
    scored = demo_warehouse.frame(
        "select customer_id, cluster_id from main_intermediate.int_customer_clusters_monthly "
        "where period_month_end = (select as_of_month_end from "
        "main_intermediate.int_analysis_window)",
    )
    merged = sample[["customer_id"]].assign(expected=expected.to_numpy()).merge(scored)
    assert len(merged) == len(sample)
    assert (merged["expected"] == merged["cluster_id"]).all()


def test_clusters_recover_the_planted_personas(demo_warehouse: DbtResult) -> None:
    clusters = demo_warehouse.frame("select customer_id, cluster_id from main_marts.dim_customers")
    truth = pd.read_csv(
        PROJECT_DIR / "tests" / "fixtures" / "demo_personas.csv", dtype={"customer_id": str}
    )
    merged = clusters.merge(truth, on="customer_id", validate="one_to_one")
    assert len(merged) == len(truth)
    assert adjusted_rand_score(merged["persona"], merged["cluster_id"]) >= 0.8


def test_every_cluster_is_large_enough_to_act_on(demo_warehouse: DbtResult) -> None:
    shares = demo_warehouse.frame(
        "select segment, customer_share from main_marts.dim_segments "
        "where segmentation = 'cluster'",
    )
    assert len(shares) >= 3
    assert (shares["customer_share"] >= 0.05).all(), shares


def test_cluster_ids_follow_value_and_names_are_unique(demo_warehouse: DbtResult) -> None:
    segments = demo_warehouse.frame(
        "select segment_rank, segment, avg_monetary from main_marts.dim_segments "
        "where segmentation = 'cluster' order by segment_rank",
    )
    assert list(segments["segment_rank"]) == list(range(1, len(segments) + 1))
    assert segments["segment"].is_unique
    assert segments["avg_monetary"].iloc[0] == segments["avg_monetary"].max()
    diagnostics = demo_warehouse.frame("select * from main_marts.fct_cluster_diagnostics")
    chosen = diagnostics[diagnostics["is_chosen"]]
    assert list(chosen["k"]) == [len(segments)]
    assert diagnostics["stability_ari_mean"].iloc[0] >= 0.8
