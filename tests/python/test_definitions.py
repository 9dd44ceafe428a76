"""Tests for segmentation.definitions: PSI, the refit policy, stable ids and the registry rows."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_clustering import make_blobs, make_config

from segmentation.definitions import (
    decide_refit,
    feature_bins,
    match_clusters,
    population_stability,
    psi,
    reassigned_share,
    version_definition,
)

AS_OF = "2025-06-30"


def request(**overrides: Any) -> dict[str, Any]:
    base = {
        "setting": "auto",
        "as_of_month_end": AS_OF,
        "interval_months": 3,
        "full_refresh": False,
        "psi_threshold": 0.25,
        "reassigned_threshold": 0.25,
        "match_max_distance": 1.0,
    }
    base.update(overrides)
    return base


def test_psi_matches_the_formula() -> None:
    # (0.6 - 0.5) ln(0.6 / 0.5) + (0.4 - 0.5) ln(0.4 / 0.5)
    expected = 0.1 * math.log(1.2) + (-0.1) * math.log(0.8)
    assert psi([0.5, 0.5], [0.6, 0.4]) == pytest.approx(expected, rel=1e-12)
    assert psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0
    # an empty bin on one side is floored, on both sides ignored
    assert math.isfinite(psi([0.5, 0.5, 0.0], [1.0, 0.0, 0.0]))


def test_feature_bins_are_deciles_and_psi_flags_a_shift() -> None:
    rng = np.random.default_rng(3)
    fit = pd.DataFrame({"x": rng.normal(0, 1, 5000)})
    bins = feature_bins(fit, ["x"])
    shares = bins[bins["bin"] > 0]["share"].to_numpy()
    assert len(shares) == 10 and np.allclose(shares, 0.1, atol=0.002)
    same = pd.DataFrame({"x": rng.normal(0, 1, 5000)})
    shifted = pd.DataFrame({"x": rng.normal(1.0, 1, 5000)})
    assert population_stability(same, bins)["x"] < 0.02
    assert population_stability(shifted, bins)["x"] > 0.25


def test_ties_make_fewer_bins_and_nulls_their_own() -> None:
    values = pd.DataFrame({"x": [0.0] * 80 + [1.0, 2.0, 3.0, 4.0] * 4 + [np.nan] * 4})
    bins = feature_bins(values, ["x"])
    assert bins["share"].sum() == pytest.approx(1.0)
    assert bins.loc[bins["bin"] == 0, "share"].iloc[0] == pytest.approx(0.04)
    assert len(bins) < 12
    assert population_stability(values, bins)["x"] == pytest.approx(0.0, abs=1e-12)
    # features with different numbers of bins side by side: each keeps its own bins
    rng = np.random.default_rng(1)
    both = values.assign(y=rng.normal(0, 1, len(values)))
    result = population_stability(both, feature_bins(both, ["x", "y"]))
    assert set(result) == {"x", "y"}
    assert all(value == pytest.approx(0.0, abs=1e-12) for value in result.values())


def test_a_feature_constant_at_the_fit_has_one_bin_and_no_shift() -> None:
    # every customer signed up the same day: a month later the same tenure is 30 days older, which
    # is no drift of the segments (the feature had no weight in the scaled clustering)
    fit = pd.DataFrame({"tenure_days": [600.0] * 30, "orders": np.arange(30.0)})
    bins = feature_bins(fit, ["tenure_days", "orders"])
    tenure = bins[bins["feature_name"] == "tenure_days"]
    assert tenure["bin"].tolist() == [0, 1] and tenure["share"].tolist() == [0.0, 1.0]
    older = fit.assign(tenure_days=630.0)
    result = population_stability(older, bins)
    assert result["tenure_days"] == pytest.approx(0.0, abs=1e-12)
    assert result["orders"] == pytest.approx(0.0, abs=1e-12)
    # a change in the share of nulls still counts
    missing = older.assign(tenure_days=[np.nan] * 15 + [630.0] * 15)
    assert population_stability(missing, bins)["tenure_days"] > 0.25


def test_a_cluster_with_the_same_customers_keeps_its_id_when_the_population_moved() -> None:
    # every profile moved by 3 standard deviations (a closed cohort a month older): no pair is
    # within the distance, but clusters 1 and 2 kept most of their members
    stored = {1: np.array([0.0, 0.0]), 2: np.array([5.0, 0.0]), 3: np.array([0.0, 5.0])}
    new = {7: np.array([3.0, 0.0]), 8: np.array([8.0, 0.0]), 9: np.array([3.0, 5.0])}
    jaccard = {(1, 7): 0.8, (2, 8): 0.55, (2, 9): 0.1, (3, 9): 0.5}
    mapping, lineage = match_clusters(stored, new, max_distance=1.0, next_id=10, jaccard=jaccard)
    assert mapping == {7: 1, 8: 2, 9: 10}
    notes = {(event, stable_id): note for event, stable_id, _, note in lineage}
    assert notes[("kept", 1)] == "the same customers (Jaccard 0.800)"
    assert ("born", 10) in notes
    # 3 had half of its members in 9, not more: not the same segment; retired (nearest new
    # cluster 9 carries no stored id)
    assert ("retired", 3) in notes


def test_match_clusters_recovers_a_permutation_and_records_births_and_merges() -> None:
    stored = {1: np.array([0.0, 0.0]), 2: np.array([5.0, 0.0]), 3: np.array([0.0, 5.0])}
    new = {1: np.array([5.1, 0.0]), 2: np.array([0.0, 4.9]), 3: np.array([0.1, 0.0])}
    mapping, lineage = match_clusters(stored, new, max_distance=1.0, next_id=5)
    assert mapping == {1: 2, 2: 3, 3: 1}
    assert sorted(event for event, *_ in lineage) == ["kept", "kept", "kept"]
    # a new far cluster is born with the next id; a stored cluster left without a match
    # whose nearest new cluster kept another id is merged into it
    new = {1: np.array([0.0, 0.2]), 2: np.array([20.0, 20.0])}
    mapping, lineage = match_clusters(stored, new, max_distance=1.0, next_id=5)
    assert mapping == {1: 1, 2: 5}
    events = {(event, stable_id, related) for event, stable_id, related, _ in lineage}
    assert ("born", 5, None) in events
    assert ("merged", 2, 1) in events and ("merged", 3, 1) in events


def test_reassigned_share_is_zero_on_the_fit_data_and_large_after_a_move() -> None:
    rng = np.random.default_rng(5)
    centres = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    X = np.vstack([c + rng.normal(0, 0.3, (200, 2)) for c in centres])
    assert reassigned_share(X, centres, seed=1) < 0.01
    # the same customers, but the structure moved: two groups merged, one split
    moved = np.vstack(
        [rng.normal([2.0, 0.0], 0.3, (400, 2)), rng.normal([0.0, 4.0], 1.5, (200, 2))]
    )
    assert reassigned_share(moved, centres, seed=1) > 0.1


def test_decide_refit_policy() -> None:
    stored = {
        "definition_version": 2,
        "fitted_on_month_end": "2025-03-31",
        "config_fingerprint": "f",
    }
    common = {
        "as_of_month_end": "2025-05-31",
        "interval_months": 3,
        "fingerprint": "f",
        "full_refresh": False,
        "max_psi": 0.05,
        "psi_threshold": 0.25,
        "reassigned": 0.01,
        "reassigned_threshold": 0.25,
    }
    assert decide_refit(setting="auto", stored=None, **common)[0]
    assert decide_refit(setting="never", stored=None, **common)[0]
    assert not decide_refit(setting="auto", stored=stored, **common)[0]
    assert decide_refit(setting="always", stored=stored, **common)[0]
    assert not decide_refit(setting="never", stored=stored, **common | {"full_refresh": True})[0]
    assert decide_refit(setting="auto", stored=stored, **common | {"full_refresh": True})[0]
    refit, reason = decide_refit(
        setting="auto", stored=stored, **common | {"as_of_month_end": "2025-06-30"}
    )
    assert refit and "segmentation__refit_interval_months=3" in reason
    refit, reason = decide_refit(setting="auto", stored=stored, **common | {"max_psi": 0.4})
    assert refit and "segmentation__drift_psi_threshold" in reason
    refit, reason = decide_refit(setting="auto", stored=stored, **common | {"reassigned": 0.3})
    assert refit and "segmentation__drift_reassigned_share" in reason
    assert decide_refit(setting="auto", stored=stored, **common | {"fingerprint": "g"})[0]
    with pytest.raises(ValueError, match="segmentation__refit must be one of"):
        decide_refit(setting="sometimes", stored=stored, **common)


def definition_rows(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[rows["artifact"] != "check"]


def check(rows: pd.DataFrame, parameter: str) -> Any:
    found = rows[(rows["artifact"] == "check") & (rows["parameter_name"] == parameter)]
    value = found["text_value"].iloc[0]
    return found["numeric_value"].iloc[0] if pd.isna(value) else value


def cluster_names(rows: pd.DataFrame) -> dict[int, str]:
    names = rows[(rows["artifact"] == "cluster") & (rows["parameter_name"] == "cluster_name")]
    return dict(zip(names["cluster_id"].astype(int), names["text_value"], strict=True))


@pytest.fixture(scope="module")
def first() -> pd.DataFrame:
    return version_definition(make_blobs(), make_config(), None, request())


def test_first_fit_is_version_one_with_bins_and_ranks(first: pd.DataFrame) -> None:
    assert set(first["definition_version"]) == {1}
    assert check(first, "decision") == "refit"
    assert set(first["artifact"]) >= {"scaling", "centroid", "cluster", "drift_bin", "definition"}
    ranks = first[(first["artifact"] == "cluster") & (first["parameter_name"] == "cluster_rank")]
    assert sorted(ranks["cluster_id"].astype(int)) == sorted(ranks["numeric_value"].astype(int))
    again = version_definition(make_blobs(), make_config(), None, request())
    pd.testing.assert_frame_equal(first, again)


def test_unchanged_data_keeps_the_definition(first: pd.DataFrame) -> None:
    later = version_definition(
        make_blobs(seed=8), make_config(), first, request(as_of_month_end="2025-07-31")
    )
    assert check(later, "decision") == "kept"
    assert definition_rows(later).empty
    assert set(later["definition_version"]) == {1}
    assert check(later, "reassigned_share") < 0.05
    psis = later[(later["artifact"] == "check") & (later["parameter_name"] == "psi")]
    assert len(psis) == 3 and psis["numeric_value"].notna().all()
    assert psis["numeric_value"].max() < 0.25


def test_refit_on_the_same_data_reproduces_the_definition(first: pd.DataFrame) -> None:
    again = version_definition(make_blobs(), make_config(), first, request(setting="always"))
    assert check(again, "decision") == "refit reproduced the stored definition"
    assert definition_rows(again).empty and set(again["definition_version"]) == {1}


def test_a_refit_on_new_data_keeps_ids_and_names_of_the_same_segments(first: pd.DataFrame) -> None:
    later = version_definition(
        make_blobs(seed=9),
        make_config(),
        first,
        request(setting="always", as_of_month_end="2025-07-31"),
    )
    assert check(later, "decision") == "refit"
    new = definition_rows(later)
    assert set(new["definition_version"]) == {2}
    assert cluster_names(new) == cluster_names(first)
    lineage = new[new["artifact"] == "lineage"]
    assert set(lineage["parameter_name"]) == {"kept"}


def structureless(seed: int, n: int = 300) -> pd.DataFrame:
    """Customers with six features and no cluster structure (k-means silhouettes about 0.15)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "monetary": np.exp(rng.normal(4, 0.8, n)),
            "frequency": rng.gamma(2, 2, n),
            "discount_share": rng.beta(2, 5, n),
            "recency_days": rng.exponential(100, n),
            "return_rate": rng.beta(1, 8, n),
            "tenure_days": rng.uniform(0, 2000, n),
        }
    )
    frame.insert(0, "customer_id", [f"c{i:04d}" for i in range(n)])
    return frame


def test_a_scheduled_refit_re_estimates_the_stored_segments() -> None:
    """On data without cluster structure a fresh k-means draws other segments every time
    (long_history_1990s: 4 of 8 clusters retired and 61% of customers moved at a quarterly refit
    with no drift). A refit for the definition's age starts from the stored centroids at the
    stored k; `always` starts afresh."""
    from test_clustering import described

    from segmentation.clustering import assign_clusters

    features = [
        {"name": "monetary", "transform": "log1p"},
        *(
            {"name": name, "transform": "identity"}
            for name in ("frequency", "discount_share", "recency_days", "return_rate")
        ),
        {"name": "tenure_days", "transform": "identity"},
    ]
    config = make_config(features=described(features), k_min=4, k_max=8, n_init=4)
    first = version_definition(structureless(3), config, None, request())
    today = structureless(103)
    moved = {}
    for setting in ("auto", "always"):
        later = version_definition(
            today, config, first, request(setting=setting, as_of_month_end="2025-09-30")
        )
        assert check(later, "decision") == "refit"
        new = definition_rows(later)
        reason = new[(new["artifact"] == "summary") & (new["parameter_name"] == "chosen_k_reason")]
        scheduled = reason["text_value"].iloc[0].startswith("chosen: a scheduled refit")
        assert scheduled == (setting == "auto")
        before = assign_clusters(today, first[first["artifact"] != "check"]).to_numpy()
        after = assign_clusters(today, new).to_numpy()
        moved[setting] = float((before != after).mean())
    assert moved["auto"] < 0.2 < 0.35 < moved["always"], moved


def test_a_planted_shift_refits_under_auto(first: pd.DataFrame) -> None:
    shifted = make_blobs(seed=9)
    shifted["discount_share"] = shifted["discount_share"] + 0.3
    later = version_definition(shifted, make_config(), first, request(as_of_month_end="2025-07-31"))
    assert check(later, "decision") == "refit"
    assert "segmentation__drift_psi_threshold" in check(later, "reason")


def test_the_psi_sampling_floor_shrinks_with_the_sample() -> None:
    from segmentation.definitions import psi_sampling_floor

    shares = [0.1] * 10
    floors = {n: psi_sampling_floor(shares, n, n) for n in (30, 300, 5000)}
    assert floors[30] > 2.0 > 0.25 > floors[300] > 0.05 > 0.02 > floors[5000]
    # the large-sample limit: PSI / (1/M + 1/N) is chi-squared with B - 1 = 9 degrees of freedom
    # (Yurdakul 2018), whose 99th percentile is 21.67
    assert floors[5000] == pytest.approx(21.67 * 2 / 5000, rel=0.15)
    # deterministic, and no spread means no floor
    assert psi_sampling_floor(shares, 30, 30) == floors[30]
    assert psi_sampling_floor([0.0, 1.0], 30, 30) == 0.0
    # 1 time in 100: about 1% of same-distribution samples exceed it
    rng = np.random.default_rng(11)
    draws = [psi(shares, rng.multinomial(300, shares) / 300) for _ in range(4000)]
    assert 0.001 < np.mean(np.asarray(draws) > psi_sampling_floor(shares, 10**9, 300)) < 0.03


def test_small_samples_drift_only_beyond_their_sampling_floor() -> None:
    # 45 customers a month from an unchanged population: PSI per feature is often over 0.25 by
    # chance alone, which refitted the clustering every month; now only a shift beyond the floor
    # counts, and the drift rows record the floor
    small = make_blobs(sizes=(15, 15, 15))
    first_small = version_definition(small, make_config(), None, request())
    later = version_definition(
        make_blobs(sizes=(15, 15, 15), seed=8),
        make_config(),
        first_small,
        request(as_of_month_end="2025-07-31"),
    )
    checks = later[later["artifact"] == "check"]
    psis = checks[checks["parameter_name"] == "psi"].set_index("feature_name")["numeric_value"]
    floors = checks[checks["parameter_name"] == "psi_sampling_floor"].set_index("feature_name")
    assert psis.max() > 0.25
    assert (floors["numeric_value"] > psis).all()
    assert check(later, "decision") == "kept"
    shifted = make_blobs(sizes=(15, 15, 15), seed=8)
    shifted["discount_share"] = shifted["discount_share"] + 0.3
    moved = version_definition(
        shifted, make_config(), first_small, request(as_of_month_end="2025-07-31")
    )
    assert check(moved, "decision") == "refit"
    assert "segmentation__drift_psi_threshold" in check(moved, "reason")


def test_never_refuses_changed_features(first: pd.DataFrame) -> None:
    config = make_config(features=make_config()["features"][:2])
    with pytest.raises(ValueError, match="segmentation__refit is never"):
        version_definition(make_blobs(), config, first, request(setting="never"))


def test_drift_is_measured_on_features_with_ties_after_a_round_trip() -> None:
    """Features with fewer bins (ties at zero) next to continuous ones: the bins stored in the
    registry are read back per feature, so every feature gets a PSI (none is null)."""
    sample = make_blobs()
    sample.loc[sample.index % 5 != 0, "discount_share"] = 0.0
    stored = version_definition(sample, make_config(), None, request())
    later = version_definition(sample, make_config(), stored, request(as_of_month_end="2025-07-31"))
    psis = later[(later["artifact"] == "check") & (later["parameter_name"] == "psi")]
    assert set(psis["feature_name"]) == {"monetary", "frequency", "discount_share"}
    assert psis["numeric_value"].notna().all()
    assert psis["numeric_value"].max() == pytest.approx(0.0, abs=1e-12)


# --------------------------------------------------------------------------- the value model


def value_summary(holdout_factor: float = 1.0, seed: int = 7) -> pd.DataFrame:
    """A BG/NBD training summary as int_value_model_training_summary has it: 'calibration' rows
    with what happened in a 365-day holdout, and the same customers as 'current' rows."""
    from segmentation.value.beta_geo import simulate_bgnbd

    rng = np.random.default_rng(seed)
    ages = rng.integers(200, 700, size=800)
    drawn = simulate_bgnbd(800, r=0.8, alpha=60.0, a=0.6, b=2.5, T=ages, seed=seed, horizon=365)
    spend = np.where(drawn["frequency"] > 0, rng.gamma(4.0, 12.0, size=800).round(2), np.nan)
    calibration = pd.DataFrame(
        {
            "fit_period": "calibration",
            "fit_end_date": pd.Timestamp("2024-06-30"),
            "frequency": drawn["frequency"].to_numpy(),
            "recency_days": np.floor(drawn["recency"]).astype(int).to_numpy(),
            "age_days": drawn["T"].astype(int).to_numpy(),
            "repeat_purchase_day_value": spend,
            "purchase_day_value": np.nan_to_num(spend, nan=40.0),
            "holdout_purchases": np.round(drawn["future_purchases"] * holdout_factor).astype(int),
            "holdout_days": 365,
            "customers": 1,
        }
    )
    current = calibration.assign(
        fit_period="current",
        fit_end_date=pd.Timestamp("2025-06-30"),
        holdout_purchases=np.nan,
        holdout_days=np.nan,
    )
    return pd.concat([calibration, current], ignore_index=True)


VALUE_CONFIG = {"time_unit": "day", "penalizer": 0.0}


def value_request(**overrides: Any) -> dict[str, Any]:
    base = {
        "setting": "auto",
        "as_of_month_end": AS_OF,
        "interval_months": 3,
        "full_refresh": False,
        "holdout_error_threshold": 0.25,
    }
    base.update(overrides)
    return base


def test_the_value_fit_is_versioned_and_kept_until_the_policy_refits() -> None:
    from segmentation.definitions import (
        VALUE_FIT_COLUMNS,
        VALUE_REGISTRY_COLUMNS,
        version_value_fit,
    )

    summary = value_summary()
    first = version_value_fit(summary, VALUE_CONFIG, VALUE_CONFIG, None, value_request())
    assert list(first.columns) == [*VALUE_FIT_COLUMNS, *VALUE_REGISTRY_COLUMNS]
    assert set(first["refit_decision"]) == {"refit"}
    assert set(first["definition_version"]) == {1}
    assert first["refit_reason"].iloc[0] == "first fit: no stored definition"
    assert first["holdout_error"].isna().all()

    # a month later, same data: kept, the same fit written again for the new check month
    kept = version_value_fit(
        summary, VALUE_CONFIG, VALUE_CONFIG, first, value_request(as_of_month_end="2025-07-31")
    )
    assert set(kept["refit_decision"]) == {"kept"}
    assert set(kept["definition_version"]) == {1}
    assert str(kept["check_month_end"].iloc[0]) == "2025-07-31"
    assert str(kept["fitted_on_month_end"].iloc[0]) == AS_OF
    pd.testing.assert_frame_equal(
        kept[list(VALUE_FIT_COLUMNS)].reset_index(drop=True),
        first[list(VALUE_FIT_COLUMNS)].reset_index(drop=True),
    )
    # the stored calibration fit forecasts the (BG/NBD-drawn) holdout well
    assert 0 <= kept["holdout_error"].iloc[0] < 0.25

    # the interval reached: refitted; on the same data the refit reproduces version 1
    stored = pd.concat([first, kept], ignore_index=True)
    aged = version_value_fit(
        summary, VALUE_CONFIG, VALUE_CONFIG, stored, value_request(as_of_month_end="2025-09-30")
    )
    assert set(aged["refit_decision"]) == {"refit reproduced the stored definition"}
    assert set(aged["definition_version"]) == {1}
    assert aged["refit_reason"].iloc[0].startswith("definition 1 is 3 months old")

    # never: kept, and says that the settings changed
    changed = {**VALUE_CONFIG, "penalizer": 0.1}
    never = version_value_fit(
        summary,
        changed,
        changed,
        stored,
        value_request(setting="never", as_of_month_end="2025-08-31"),
    )
    assert set(never["refit_decision"]) == {"kept"}
    assert "value-model settings" in never["refit_reason"].iloc[0]
    # auto with the changed settings: a new version
    auto = version_value_fit(
        summary, changed, changed, stored, value_request(as_of_month_end="2025-08-31")
    )
    assert set(auto["definition_version"]) == {2}
    assert auto["refit_reason"].iloc[0].startswith("the value-model settings")


def test_the_value_fit_refits_when_its_holdout_forecast_drifts() -> None:
    from segmentation.definitions import version_value_fit

    first = version_value_fit(value_summary(), VALUE_CONFIG, VALUE_CONFIG, None, value_request())
    # the same customers now buy three times as often in the holdout as the model expects
    drifted = value_summary(holdout_factor=3.0)
    checked = version_value_fit(
        drifted, VALUE_CONFIG, VALUE_CONFIG, first, value_request(as_of_month_end="2025-07-31")
    )
    # |P - 3A| / 3A with P close to A: about 2/3
    assert 0.55 < checked["holdout_error"].iloc[0] < 0.75
    assert checked["refit_reason"].iloc[0].startswith("holdout drift")
    assert set(checked["refit_decision"]) == {"refit"}
    assert set(checked["definition_version"]) == {2}
    assert str(checked["fitted_on_month_end"].iloc[0]) == "2025-07-31"
    # under never the same drift is measured and reported, and the fit is kept
    never = version_value_fit(
        drifted,
        VALUE_CONFIG,
        VALUE_CONFIG,
        first,
        value_request(setting="never", as_of_month_end="2025-07-31"),
    )
    assert set(never["refit_decision"]) == {"kept"}
    assert never["holdout_error"].iloc[0] == pytest.approx(checked["holdout_error"].iloc[0])


def test_a_value_fit_that_never_validated_is_not_refitted_for_the_same_error() -> None:
    """Holdout drift is the forecast getting worse than on the fit's own holdout: a fit off by
    about half when fitted (the holdout doubled) is kept while it stays off by half, and
    refitted once it is off by more than its error at the fit + the bound."""
    from segmentation.definitions import FIT_HOLDOUT_ERROR, version_value_fit

    doubled = value_summary(holdout_factor=2.0)
    first = version_value_fit(doubled, VALUE_CONFIG, VALUE_CONFIG, None, value_request())
    stored_error = first.loc[first["parameter_name"] == FIT_HOLDOUT_ERROR, "parameter_value"]
    assert len(stored_error) == 1
    assert 0.4 < stored_error.iloc[0] < 0.6  # |P - 2A| / 2A with P close to A
    kept = version_value_fit(
        doubled, VALUE_CONFIG, VALUE_CONFIG, first, value_request(as_of_month_end="2025-07-31")
    )
    assert set(kept["refit_decision"]) == {"kept"}
    assert kept["holdout_error"].iloc[0] == pytest.approx(stored_error.iloc[0])
    assert kept["holdout_error_threshold"].iloc[0] == pytest.approx(stored_error.iloc[0] + 0.25)
    # five times the holdout: off by about 0.8 > 0.5 + 0.25
    worse = version_value_fit(
        value_summary(holdout_factor=5.0),
        VALUE_CONFIG,
        VALUE_CONFIG,
        first,
        value_request(as_of_month_end="2025-07-31"),
    )
    assert set(worse["refit_decision"]) == {"refit"}
    assert "its error at the fit" in worse["refit_reason"].iloc[0]


def test_a_rerun_after_a_code_change_never_reuses_a_version_number(first: pd.DataFrame) -> None:
    # the check month's rows as an older code wrote them: the same fit, other cluster names
    older = first.copy()
    named = (older["artifact"] == "cluster") & (older["parameter_name"] == "cluster_name")
    older.loc[named, "text_value"] = "Old " + older.loc[named, "text_value"]
    rerun = version_definition(make_blobs(), make_config(), None, request(), replaced=older)
    assert check(rerun, "decision") == "refit"
    # the new names get a new number; the definition the history was built with keeps its own
    in_force = rerun[rerun["artifact"] == "check"]["definition_version"].unique()
    assert list(in_force) == [2]
    superseded = definition_rows(rerun[rerun["definition_version"] == 1])
    assert set(cluster_names(superseded).values()) == set(cluster_names(older).values())
    assert set(cluster_names(rerun[rerun["definition_version"] == 2]).values()) == set(
        cluster_names(first).values()
    )
    # a rerun of unchanged code writes what it replaces, row for row
    same = version_definition(make_blobs(), make_config(), None, request(), replaced=first)
    pd.testing.assert_frame_equal(same, first)
    # a month on, an older code refitted (version 2, other names); the rerun keeps version 1
    # (same data), so the superseded version 2 carries the higher number: the definition in
    # force is the one the latest check names, not the highest number written
    month_two = pd.Timestamp("2025-07-31").date()
    older_two = older.copy()
    older_two["definition_version"] = 2
    older_two["fitted_on_month_end"] = month_two
    older_two["check_month_end"] = month_two
    kept_rerun = version_definition(
        make_blobs(),
        make_config(),
        first,
        request(as_of_month_end="2025-07-31"),
        replaced=older_two,
    )
    assert set(kept_rerun[kept_rerun["artifact"] == "check"]["definition_version"]) == {1}
    assert set(cluster_names(kept_rerun[kept_rerun["definition_version"] == 2]).values()) == set(
        cluster_names(older).values()
    )
    later = version_definition(
        make_blobs(),
        make_config(),
        pd.concat([first, kept_rerun], ignore_index=True),
        request(as_of_month_end="2025-08-31"),
    )
    assert check(later, "checked_definition_version") == 1
    assert check(later, "decision") == "kept"


def test_a_value_rerun_after_a_code_change_never_reuses_a_version_number() -> None:
    from segmentation.definitions import version_value_fit

    summary = value_summary()
    first = version_value_fit(summary, VALUE_CONFIG, VALUE_CONFIG, None, value_request())
    older = first.copy()
    older["parameter_value"] = older["parameter_value"] * 1.01
    rerun = version_value_fit(
        summary, VALUE_CONFIG, VALUE_CONFIG, None, value_request(), replaced=older
    )
    in_force = rerun[rerun["refit_decision"] != "superseded"]
    assert set(in_force["definition_version"]) == {2}
    superseded = rerun[rerun["refit_decision"] == "superseded"]
    assert set(superseded["definition_version"]) == {1}
    np.testing.assert_allclose(
        superseded["parameter_value"].to_numpy(dtype=float),
        older["parameter_value"].to_numpy(dtype=float),
    )
    assert superseded["refit_reason"].str.contains("superseded by a rerun").all()
    # unchanged code: the rerun writes what it replaces
    same = version_value_fit(
        summary, VALUE_CONFIG, VALUE_CONFIG, None, value_request(), replaced=first
    )
    pd.testing.assert_frame_equal(same, first)
    # a month on, the superseded fit is not taken for the stored one
    kept = version_value_fit(
        summary, VALUE_CONFIG, VALUE_CONFIG, rerun, value_request(as_of_month_end="2025-07-31")
    )
    assert set(kept["definition_version"]) == {2}
    assert set(kept["refit_decision"]) == {"kept"}


def test_a_value_rerun_that_differs_in_the_last_bits_writes_the_same_rows() -> None:
    """A rerun of a check month on the same data (rows in another order, as a parallel query
    gives them; a first run whose numbers differ in the last bits, as an optimizer's path may)
    keeps the version number and writes the first run's numbers: the marts do not change."""
    from segmentation.definitions import version_value_fit

    summary = value_summary()
    first = version_value_fit(summary, VALUE_CONFIG, VALUE_CONFIG, None, value_request())
    shuffled = summary.sample(frac=1.0, random_state=3).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        version_value_fit(shuffled, VALUE_CONFIG, VALUE_CONFIG, None, value_request()), first
    )
    jittered = first.copy()
    jittered["parameter_value"] = jittered["parameter_value"] * (1 + 1e-12)
    rerun = version_value_fit(
        shuffled, VALUE_CONFIG, VALUE_CONFIG, None, value_request(), replaced=jittered
    )
    pd.testing.assert_frame_equal(rerun, jittered)
    # beyond the tolerance it is another fit, with another number
    moved = first.copy()
    moved["parameter_value"] = moved["parameter_value"] * (1 + 1e-4)
    other = version_value_fit(
        summary, VALUE_CONFIG, VALUE_CONFIG, None, value_request(), replaced=moved
    )
    assert set(other.loc[other["refit_decision"] == "refit", "definition_version"]) == {2}
