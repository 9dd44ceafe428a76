"""Tests for segmentation.clustering."""

from __future__ import annotations

import math
import re
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans

from conftest import PROJECT_DIR
from segmentation import clustering
from segmentation.clustering import (
    ARTIFACT_DTYPES,
    PROSPECT_NAME,
    SMALL_DATA_MIN_CUSTOMERS,
    apply_scaler,
    assign_clusters,
    defining_traits,
    evaluate_k,
    fit_scaler,
    fit_segmentation_model,
    merge_small_clusters,
    name_clusters,
    name_min_customers_for,
    naming_profile,
    stability,
    validate_config,
)

CATALOG = pd.read_csv(PROJECT_DIR / "seeds" / "cluster_feature_catalog.csv").set_index(
    "feature_name"
)
WORDS = {name: (row.word_above, row.word_below) for name, row in CATALOG.iterrows()}
TRAITS = {name: (row.trait_above, row.trait_below) for name, row in CATALOG.iterrows()}

IDENTITY = "identity"
FEATURES = [
    {"name": "monetary", "transform": "log1p"},
    {"name": "frequency", "transform": IDENTITY},
    {"name": "discount_share", "transform": IDENTITY},
]
# Blob centres in original units; the second blob spends the most.
BLOB_CENTRES = [(20.0, 8.0, 0.10), (400.0, 3.0, 0.05), (5.0, 1.0, 0.60)]


def make_blobs(sizes: tuple[int, ...] = (200, 200, 200), seed: int = 7) -> pd.DataFrame:
    """Three well-separated customer groups, with a few nulls, in original units."""
    rng = np.random.default_rng(seed)
    parts = []
    for (monetary, frequency, discount), size in zip(BLOB_CENTRES, sizes, strict=True):
        parts.append(
            pd.DataFrame(
                {
                    "monetary": monetary * np.exp(rng.normal(0, 0.1, size)),
                    "frequency": rng.normal(frequency, 0.3, size),
                    "discount_share": rng.normal(discount, 0.02, size),
                }
            )
        )
    df = pd.concat(parts, ignore_index=True)
    df.insert(0, "customer_id", [f"c{i:04d}" for i in range(len(df))])
    df.loc[[i for i in (5, 250) if i < len(df)], "frequency"] = np.nan
    return df


def described(features: list[dict[str, str]]) -> list[dict[str, str]]:
    """The feature specs with their words and traits from the catalog seed (as the model does)."""
    keys = ("word_above", "word_below", "trait_above", "trait_below")
    return [spec | {key: CATALOG.loc[spec["name"], key] for key in keys} for spec in features]


def make_config(**overrides: Any) -> dict[str, Any]:
    config = {
        "features": described(FEATURES),
        "k_min": 2,
        "k_max": 4,
        "min_segment_share": 0.05,
        "max_training_rows": 1000,
        "seed": 11,
        "silhouette_sample_size": 300,
        "n_init": 2,
        "stability_resamples": 2,
        "value_feature": "monetary",
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="module")
def blobs() -> pd.DataFrame:
    return make_blobs()


@pytest.fixture(scope="module")
def artifacts(blobs: pd.DataFrame) -> pd.DataFrame:
    return fit_segmentation_model(blobs, make_config())


def rows(artifacts: pd.DataFrame, artifact: str, parameter: str) -> pd.DataFrame:
    mask = (artifacts["artifact"] == artifact) & (artifacts["parameter_name"] == parameter)
    return artifacts[mask]


def summary(artifacts: pd.DataFrame, parameter: str) -> float:
    value = rows(artifacts, "summary", parameter)["numeric_value"].iloc[0]
    return math.nan if pd.isna(value) else float(value)


# --------------------------------------------------------------------------- scaling


def test_scaler_identity_is_hand_checkable() -> None:
    df = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [4, 4, 4, 4]})
    scaler = fit_scaler(
        df, [{"name": "a", "transform": IDENTITY}, {"name": "b", "transform": IDENTITY}]
    )
    assert list(scaler.columns) == [
        "feature_name",
        "transform",
        "fill_value",
        "center",
        "scale",
        "feature_order",
    ]
    a, b = scaler.iloc[0], scaler.iloc[1]
    assert (a["feature_name"], a["transform"], a["feature_order"]) == ("a", IDENTITY, 1)
    assert a.fill_value == 1.5
    assert a.center == 1.5
    assert a.scale == pytest.approx(math.sqrt(1.25))
    assert (b.center, b.scale, b.feature_order) == (4.0, 1.0, 2)  # constant column: scale 1
    z = apply_scaler(df, scaler)
    np.testing.assert_allclose(z[:, 0], (np.array([0, 1, 2, 3]) - 1.5) / math.sqrt(1.25))
    np.testing.assert_allclose(z[:, 1], 0.0)


def test_scaler_log1p() -> None:
    e = math.e
    df = pd.DataFrame({"m": [0.0, e - 1, e**2 - 1], "n": [1.0, 2.0, 3.0]})
    scaler = fit_scaler(
        df, [{"name": "m", "transform": "log1p"}, {"name": "n", "transform": IDENTITY}]
    )
    m = scaler.iloc[0]
    assert m.fill_value == pytest.approx(e - 1)
    assert m.center == pytest.approx(1.0)  # log1p values are 0, 1, 2
    assert m.scale == pytest.approx(math.sqrt(2 / 3))
    np.testing.assert_allclose(
        apply_scaler(df, scaler)[:, 0], np.array([-1, 0, 1]) / math.sqrt(2 / 3)
    )


def test_scaler_fills_nulls_with_median_and_all_null_with_zero() -> None:
    df = pd.DataFrame(
        {
            "x": pd.array([1, None, 3, 10], dtype="Int64"),
            "empty": [None, None, None, None],
        }
    )
    scaler = fit_scaler(
        df, [{"name": "x", "transform": IDENTITY}, {"name": "empty", "transform": "log1p"}]
    )
    x, empty = scaler.iloc[0], scaler.iloc[1]
    assert x.fill_value == 3.0  # median of 1, 3, 10
    assert x.center == pytest.approx((1 + 3 + 3 + 10) / 4)
    assert (empty.fill_value, empty.center, empty.scale) == (0.0, 0.0, 1.0)
    z = apply_scaler(df, scaler)
    assert z[1, 0] == pytest.approx((3 - 4.25) / x.scale)


def test_log1p_rejects_negative_values() -> None:
    df = pd.DataFrame({"m": [1.0, -2.0, 3.0], "n": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"features.*'m'.*log1p.*>= 0"):
        fit_scaler(df, [{"name": "m", "transform": "log1p"}, {"name": "n", "transform": IDENTITY}])


def test_non_numeric_feature_is_rejected() -> None:
    df = pd.DataFrame({"m": ["a", "b"], "n": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"features.*'m'.*numeric"):
        fit_scaler(df, [{"name": "m", "transform": IDENTITY}, {"name": "n", "transform": IDENTITY}])


# --------------------------------------------------------------------------- choice of k


def scaled(df: pd.DataFrame) -> np.ndarray:
    return apply_scaler(df, fit_scaler(df, FEATURES))


def test_evaluate_k_chooses_three_on_three_blobs(blobs: pd.DataFrame, monkeypatch: Any) -> None:
    sample_sizes: list[int] = []
    original = clustering.silhouette_score

    def spy(X: np.ndarray, labels: np.ndarray) -> float:
        sample_sizes.append(len(X))
        return original(X, labels)

    monkeypatch.setattr(clustering, "silhouette_score", spy)
    table = evaluate_k(scaled(blobs), 2, 4, 0.05, 3, 150, 2)
    assert list(table.columns) == [
        "k",
        "inertia",
        "silhouette",
        "davies_bouldin",
        "smallest_segment_share",
        "is_eligible",
        "is_chosen",
        "reason",
    ]
    assert table["k"].tolist() == [2, 3, 4]
    assert table.loc[table["is_chosen"], "k"].tolist() == [3]
    assert table["is_eligible"].all()
    chosen = table[table["is_chosen"]].iloc[0]
    assert chosen["reason"].startswith("chosen: best silhouette")
    assert chosen["smallest_segment_share"] == pytest.approx(1 / 3)
    assert sample_sizes == [150, 150, 150]  # silhouette only ever on the seeded sample


def test_small_cluster_makes_k_ineligible() -> None:
    df = make_blobs(sizes=(200, 200, 12))
    table = evaluate_k(scaled(df), 2, 3, 0.1, 3, 500, 2).set_index("k")
    assert table.loc[3, "smallest_segment_share"] == pytest.approx(12 / 412)
    assert not table.loc[3, "is_eligible"]
    assert table.loc[3, "reason"].startswith("ineligible: smallest segment share 0.029")
    assert table.loc[2, "is_chosen"]


def test_no_eligible_k_falls_back_to_largest_smallest_share(blobs: pd.DataFrame) -> None:
    table = evaluate_k(scaled(blobs), 3, 4, 0.45, 3, 300, 1).set_index("k")
    assert not table["is_eligible"].any()
    assert table.loc[3, "is_chosen"]
    assert "no k met min_segment_share 0.45" in table.loc[3, "reason"]
    assert "largest smallest segment share" in table.loc[3, "reason"]


def test_silhouette_ties_are_broken_by_davies_bouldin_then_k() -> None:
    table = pd.DataFrame(
        {
            "k": [2, 3, 4, 5],
            "silhouette": [0.800, 0.795, 0.795, 0.600],
            "davies_bouldin": [0.50, 0.40, 0.40, 0.10],
            "smallest_segment_share": [0.3, 0.2, 0.1, 0.1],
            "is_eligible": [True, True, True, True],
        }
    )
    chosen, reasons = clustering._choose_k(table, 0.05)
    assert chosen == 3  # within 0.01 of the best, lower Davies-Bouldin, smaller than k=4
    assert "within 0.01" in reasons[1]
    assert "Davies-Bouldin 0.500" in reasons[0]
    assert "more than 0.01 below" in reasons[3]


# --------------------------------------------------------------------------- the model


def test_artifact_schema_and_row_counts(artifacts: pd.DataFrame) -> None:
    assert list(artifacts.columns) == list(ARTIFACT_DTYPES)
    assert artifacts.dtypes.astype(str).to_dict() == ARTIFACT_DTYPES
    assert artifacts.index.equals(pd.RangeIndex(len(artifacts)))
    n_features, k, n_candidates = 3, 3, 3
    counts = artifacts["artifact"].value_counts().to_dict()
    assert counts == {
        "scaling": 5 * n_features,
        "centroid": 2 * k * n_features,
        # per cluster: name, description, trait, share, customers and a z and a mean per
        # feature; then the prospects segment (no profile)
        "cluster": (5 + 2 * n_features) * k + 5,
        "k_candidate": 7 * n_candidates,
        "summary": 12,
    }
    assert artifacts["artifact"].drop_duplicates().tolist() == [
        "scaling",
        "centroid",
        "cluster",
        "k_candidate",
        "summary",
    ]
    params = artifacts.groupby("artifact")["parameter_name"].agg(lambda s: sorted(set(s)))
    assert params["scaling"] == ["center", "feature_order", "fill_value", "scale", "transform"]
    assert params["centroid"] == ["centroid_mean", "centroid_z"]
    assert params["summary"] == sorted(
        [
            "chosen_k",
            "clusters",
            "merged_centroids",
            "smallest_cluster_share",
            "population_share",
            "training_rows",
            "stability_ari_mean",
            "stability_ari_min",
            "stability_ari_max",
            "seed",
            "chosen_k_reason",
            "merges",
        ]
    )
    text_params = {
        "transform",
        "cluster_name",
        "cluster_description",
        "defining_trait",
        "reason",
        "chosen_k_reason",
        "merges",
    }
    is_text = artifacts["parameter_name"].isin(text_params)
    assert artifacts.loc[is_text, "numeric_value"].isna().all()
    assert artifacts.loc[is_text, "text_value"].notna().all()
    assert artifacts.loc[~is_text, "text_value"].isna().all()
    assert summary(artifacts, "chosen_k") == 3
    assert summary(artifacts, "training_rows") == 600
    assert summary(artifacts, "seed") == 11


def test_nulls_reach_duckdb_as_null(artifacts: pd.DataFrame) -> None:
    result = duckdb.sql(
        "select count(*) filter (where cluster_id is null), "
        "count(*) filter (where numeric_value is null and text_value is null) from artifacts"
    ).fetchall()
    assert result == [(15 + 21 + 12, 0)]


def test_cluster_one_is_the_highest_value_blob(artifacts: pd.DataFrame) -> None:
    means = rows(artifacts, "centroid", "centroid_mean")
    monetary = means[means["feature_name"] == "monetary"].set_index("cluster_id")["numeric_value"]
    assert monetary.index.tolist() == [1, 2, 3]
    assert monetary.is_monotonic_decreasing
    assert monetary[1] == pytest.approx(400, rel=0.05)  # the second generated blob
    shares = rows(artifacts, "cluster", "training_share")["numeric_value"].tolist()
    assert shares == pytest.approx([1 / 3] * 3 + [0.0])  # the last is the prospects segment


def test_identical_and_shuffled_input_give_identical_artifacts(
    blobs: pd.DataFrame, artifacts: pd.DataFrame
) -> None:
    pd.testing.assert_frame_equal(fit_segmentation_model(blobs, make_config()), artifacts)
    shuffled = blobs.sample(frac=1.0, random_state=3).reset_index(drop=True)
    shuffled = shuffled[list(reversed(shuffled.columns))]
    pd.testing.assert_frame_equal(fit_segmentation_model(shuffled, make_config()), artifacts)


def test_training_sample_is_bounded_and_order_independent(blobs: pd.DataFrame) -> None:
    config = make_config(max_training_rows=150, k_max=3, stability_resamples=0)
    first = fit_segmentation_model(blobs, config)
    shuffled = blobs.sample(frac=1.0, random_state=5)
    pd.testing.assert_frame_equal(fit_segmentation_model(shuffled, config), first)
    assert summary(first, "training_rows") == 150
    assert math.isnan(summary(first, "stability_ari_mean"))


def test_relabel_order_ignores_kmeans_label_order() -> None:
    centers = np.array([[0.0, 1.0], [2.0, -1.0], [2.0, 3.0], [-1.0, 0.0]])
    value_means = np.array([10.0, 50.0, 50.0, 30.0])  # tie between labels 1 and 2
    expected = [centers[i] for i in clustering._relabel_order(value_means, centers)]
    np.testing.assert_array_equal(expected, [[2.0, 3.0], [2.0, -1.0], [-1.0, 0.0], [0.0, 1.0]])
    permutation = [2, 0, 3, 1]
    permuted = clustering._relabel_order(value_means[permutation], centers[permutation])
    np.testing.assert_array_equal([centers[permutation][i] for i in permuted], expected)


def test_assign_clusters_matches_kmeans_predict(
    blobs: pd.DataFrame, artifacts: pd.DataFrame
) -> None:
    config = make_config()
    X = scaled(blobs.sort_values("customer_id"))
    model = KMeans(n_clusters=3, random_state=config["seed"], n_init=config["n_init"]).fit(X)
    centroids = rows(artifacts, "centroid", "centroid_z").pivot(
        index="cluster_id", columns="feature_name", values="numeric_value"
    )[[f["name"] for f in FEATURES]]
    label_to_id = {
        label: int(centroids.index[np.argmin(((centroids.to_numpy() - centre) ** 2).sum(axis=1))])
        for label, centre in enumerate(model.cluster_centers_)
    }
    np.testing.assert_allclose(
        [centroids.loc[label_to_id[i]].to_numpy(float) for i in range(3)], model.cluster_centers_
    )
    # no merge on equal blobs: every centroid is a cluster of its own
    centroid_rows = rows(artifacts, "centroid", "centroid_z")
    assert (centroid_rows["centroid_id"] == centroid_rows["cluster_id"]).all()
    shuffled = blobs.sample(frac=1.0, random_state=1)
    assigned = assign_clusters(shuffled, artifacts)
    assert assigned.name == "cluster_id"
    assert str(assigned.dtype) == "Int64"
    assert assigned.index.equals(shuffled.index)
    expected = pd.Series(model.predict(scaled(shuffled)), index=shuffled.index).map(label_to_id)
    assert (assigned.astype(int) == expected).all()


def test_assign_clusters_ties_go_to_lower_cluster_id() -> None:
    def row(artifact: str, parameter: str, cid: Any, feature: str, value: float | None, text: Any):
        return (artifact, cid, cid, None, feature, parameter, value, text)

    records = []
    for order, feature in enumerate(["a", "b"], start=1):
        for parameter, value in [("fill_value", 0.0), ("center", 1.0), ("scale", 2.0)]:
            records.append(row("scaling", parameter, None, feature, value, None))
        records.append(row("scaling", "feature_order", None, feature, float(order), None))
        records.append(row("scaling", "transform", None, feature, None, IDENTITY))
    for cid, centre in [(2, (-1.0, 0.0)), (1, (1.0, 0.0))]:
        for feature, value in zip(["a", "b"], centre, strict=True):
            records.append(row("centroid", "centroid_z", cid, feature, value, None))
    artifacts = pd.DataFrame(records, columns=list(ARTIFACT_DTYPES)).astype(ARTIFACT_DTYPES)
    df = pd.DataFrame({"a": [1.0, 2.0, 0.0, None], "b": [1.0, 1.0, 1.0, 1.0]})
    # z(a) = (a - 1) / 2: 0 is equidistant, 0.5 is nearer cluster 1, -0.5 (and the null) cluster 2
    assert assign_clusters(df, artifacts).tolist() == [1, 1, 2, 2]


# --------------------------------------------------------------------------- naming


def test_name_clusters_direction_words_and_descriptions() -> None:
    centroids = pd.DataFrame(
        [
            [-1.2, 1.8, 1.5, 0.0],
            [1.5, -0.2, 0.1, 0.0],
            [0.1, 0.2, -0.3, 0.4],
            [0.0, 0.0, 0.0, -2.0],
            [-0.6, -0.9, 0.0, 0.0],
        ],
        columns=["recency_days", "frequency", "monetary", "web_visits"],
        index=[1, 2, 3, 4, 5],
    )
    named = name_clusters(centroids, WORDS)
    assert named[0] == (
        "Frequent, high-spending customers",
        "Frequency 1.8 sd above average, monetary 1.5 sd above average, "
        "recency days 1.2 sd below average.",
    )
    assert named[1][0] == "Lapsed customers"
    assert named[2] == ("Typical customers", "Within 0.5 sd of average on every feature.")
    assert named[3] == ("Low web visits customers", "Web visits 2.0 sd below average.")
    assert named[4][0] == "Infrequent, recent customers"
    custom = name_clusters(centroids, {"web_visits": ("web-loyal", "offline")})
    assert custom[3][0] == "Offline customers"
    assert custom[0][0] == "High frequency, high monetary customers"  # no words: generic


def test_name_clusters_are_unique() -> None:
    centroids = pd.DataFrame(
        [
            [2.0, 1.5, 0.9, 0.0],
            [2.0, 1.5, -0.9, 0.0],
            [2.0, 1.5, -0.9, 0.0],
            [0.1, 0.0, 0.0, 0.0],
            [0.0, 0.2, 0.0, 0.0],
        ],
        columns=["frequency", "monetary", "discount_share", "tenure_days"],
    )
    names = [name for name, _ in name_clusters(centroids, WORDS)]
    assert names == [
        "Frequent, high-spending, discount-driven customers",
        "Frequent, high-spending, full-price customers",
        "Frequent, high-spending, full-price customers (2)",
        "Typical customers",
        "Typical customers (2)",
    ]
    assert len(set(names)) == len(names)


def test_fitted_cluster_names_are_unique_and_directional(artifacts: pd.DataFrame) -> None:
    names = rows(artifacts, "cluster", "cluster_name")["text_value"].tolist()
    assert len(set(names)) == 4
    assert names[-1] == PROSPECT_NAME  # the last cluster is the prospects segment
    assert "high-spending" in names[0].lower()  # cluster 1 is the big spender
    assert "discount-driven" in " ".join(names).lower()
    traits = rows(artifacts, "cluster", "defining_trait")["text_value"].tolist()
    assert traits[-1] == "prospect"
    assert "discount_driven" in traits


# --------------------------------------------------------------------------- stability


def test_stability_is_near_one_on_blobs(blobs: pd.DataFrame, artifacts: pd.DataFrame) -> None:
    result = stability(scaled(blobs.sort_values("customer_id")), 3, 11, 3, 1)
    assert result["n_resamples"] == 3
    assert result["ari_min"] <= result["ari_mean"] <= result["ari_max"] <= 1.0
    assert result["ari_mean"] > 0.95
    assert summary(artifacts, "stability_ari_mean") > 0.95
    empty = stability(scaled(blobs), 3, 11, 0, 1)
    assert math.isnan(empty["ari_mean"]) and empty["n_resamples"] == 0


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("features", [FEATURES[0]], "at least 2"),
        ("features", [FEATURES[0], {"name": "frequency", "transform": "log"}], "'log1p'"),
        ("features", [FEATURES[0], FEATURES[0]], "unique"),
        ("features", "monetary", "must be a list"),
        ("k_min", 1, r"in \[2, 15\]"),
        ("k_max", 16, "k_max <= 15"),
        ("k_max", 1, "k_min <= k_max"),
        ("min_segment_share", 0.5, r"in \(0, 0.5\)"),
        ("min_segment_share", 0, r"in \(0, 0.5\)"),
        ("max_training_rows", 99, ">= 100"),
        ("seed", -1, r"in \[0, 4294967295\]"),
        ("seed", 1.0, "must be an int"),
        ("silhouette_sample_size", 50, ">= 100"),
        ("n_init", 0, ">= 1"),
        ("stability_resamples", -1, ">= 0"),
        ("n_init", True, "must be an int"),
        ("value_feature", "recency_days", "one of the feature names"),
    ],
)
def test_config_validation_names_the_key(key: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=rf"config\['{key}'\].*{message}"):
        validate_config(make_config(**{key: value}))


def test_config_missing_unknown_keys_and_missing_columns(blobs: pd.DataFrame) -> None:
    config = make_config()
    del config["seed"]
    with pytest.raises(ValueError, match=r"missing key\(s\) \['seed'\]"):
        validate_config(config)
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['sed'\]"):
        validate_config(make_config(sed=1))
    bad_features = [FEATURES[0], {"name": "web_sessions", "transform": IDENTITY}]
    with pytest.raises(ValueError, match=r"config\['features'\].*web_sessions"):
        fit_segmentation_model(blobs, make_config(features=bad_features))
    with pytest.raises(ValueError, match="customer_id"):
        fit_segmentation_model(blobs.drop(columns="customer_id"), make_config())
    with pytest.raises(ValueError, match="unique"):
        fit_segmentation_model(pd.concat([blobs, blobs.head(1)]), make_config())


# --------------------------------------------------------------------------- merges and traits


def test_merge_small_clusters_joins_the_nearest_neighbour() -> None:
    X = np.array([[0.0, 0.0]] * 10 + [[10.0, 0.0]] * 10 + [[8.0, 0.0]] * 2 + [[-3.0, 0.0]] * 3)
    labels = np.array([0] * 10 + [1] * 10 + [2] * 2 + [3] * 3)
    group, merges = merge_small_clusters(X, labels, 4, min_count=4)
    # the smallest (2 rows at 8) goes to its neighbour at 10, then the 3 rows at -3 to the one at 0
    assert group.tolist() == [0, 1, 1, 0]
    assert [(m["merged"], m["into"], m["rows"]) for m in merges] == [(2, 1, 2), (3, 0, 3)]
    assert merges[0]["distance"] == pytest.approx(2.0)
    # nothing under the count: nothing merged; everything under it: one cluster left
    assert merge_small_clusters(X, labels, 4, min_count=2)[1] == []
    assert set(merge_small_clusters(X, labels, 4, min_count=100)[0].tolist()) == {0}


def test_a_cluster_under_the_share_of_all_customers_is_merged_away() -> None:
    df = make_blobs(sizes=(200, 200, 30))
    # 30 of 430 buyers is 7% of them, but buyers are half of all customers: 3.5% < 5% of all
    config = make_config(k_min=3, k_max=3, population_share=0.5, stability_resamples=0)
    artifacts = fit_segmentation_model(df, config)
    assert summary(artifacts, "chosen_k") == 3
    assert summary(artifacts, "clusters") == 2
    assert summary(artifacts, "merged_centroids") == 1
    assert summary(artifacts, "smallest_cluster_share") >= 0.05
    merge = rows(artifacts, "merge", "merge_step")
    assert len(merge) == 1 and "0.035 of all customers" in merge["text_value"].iloc[0]
    shares = rows(artifacts, "cluster", "training_share").set_index("cluster_id")["numeric_value"]
    assert (shares.iloc[:-1] * 0.5 >= 0.05).all() and shares.iloc[-1] == 0
    # three centroids, two clusters: the small blob is scored into its neighbour's cluster
    centroid_rows = rows(artifacts, "centroid", "centroid_z")
    assert centroid_rows["centroid_id"].nunique() == 3
    assert centroid_rows["cluster_id"].nunique() == 2
    assigned = assign_clusters(df, artifacts)
    assert assigned.nunique() == 2
    assert assigned.iloc[400:].nunique() == 1  # the whole small blob in one cluster
    # without the population share the same blob is 7% of all customers and stays
    kept = fit_segmentation_model(df, make_config(k_min=3, k_max=3, stability_resamples=0))
    assert summary(kept, "clusters") == 3 and rows(kept, "merge", "merge_step").empty


def test_defining_trait_is_the_trait_of_the_most_distinct_feature() -> None:
    profile = pd.DataFrame(
        [[0.2, 2.0, -0.1], [-1.5, 0.3, 0.9], [0.1, 0.2, -0.3], [0.0, -0.7, 0.0]],
        columns=["frequency", "discount_share", "web_visits"],
    )
    traits = defining_traits(profile, TRAITS)
    assert traits == [
        ("discount_driven", "discount_share", "above"),
        ("infrequent", "frequency", "below"),
        ("typical", None, None),  # nothing 0.5 sd from average
        ("full_price", "discount_share", "below"),
    ]
    # a feature without a trait is skipped: the next most distinct one decides
    assert defining_traits(profile.iloc[[1]], {"discount_share": ("a", "b")}) == [
        ("typical", None, None)
    ]


def test_clusters_too_small_to_describe_claim_nothing() -> None:
    # 20 + 20 + 9 customers, min_segment_share 0.05 (2.45 customers): every cluster is kept, the
    # configured 30 is scaled down to the floor of 10, and only the cluster of 9 is not described
    blobs = make_blobs(sizes=(20, 20, 9))
    config = make_config(k_min=3, k_max=3, stability_resamples=0, name_min_customers=30)
    artifacts = fit_segmentation_model(blobs, config)
    names = rows(artifacts, "cluster", "cluster_name")["text_value"].tolist()
    counts = rows(artifacts, "cluster", "training_customers")["numeric_value"].tolist()
    assert sorted(counts[:3]) == [9, 20, 20]
    small = counts.index(9)
    assert names[small] == f"Cluster {small + 1} (too few customers to describe)"
    assert all("too few" not in name for i, name in enumerate(names) if i != small)
    traits = rows(artifacts, "cluster", "defining_trait")["text_value"].tolist()
    assert traits[small] == "typical" and traits[-1] == "prospect"


def test_the_minimum_behind_a_name_scales_with_small_data() -> None:
    # 120 customers with min_segment_share 0.05: 6 customers, raised to the floor of 10; from 600
    # customers on, the configured 30 holds
    assert name_min_customers_for(30, 0.05 * 120) == SMALL_DATA_MIN_CUSTOMERS == 10
    assert name_min_customers_for(30, 0.05 * 400) == 20
    assert name_min_customers_for(30, 0.05 * 600) == 30
    assert name_min_customers_for(30, 0.05 * 100_000) == 30
    assert name_min_customers_for(5, 0.05 * 120) == 5  # a smaller configured minimum is kept
    # a small shop (75 customers, 3 clusters of 25) gets every cluster named; before, with 30
    # customers behind each name, all three were "too few customers to describe"
    blobs = make_blobs(sizes=(25, 25, 25))
    config = make_config(k_min=3, k_max=3, stability_resamples=0, name_min_customers=30)
    names = rows(fit_segmentation_model(blobs, config), "cluster", "cluster_name")
    assert not names["text_value"].str.contains("too few").any()


def test_names_with_the_same_words_in_another_order_are_told_apart() -> None:
    # clusters 1 and 2 differ on the same two features in the opposite order of size: as strings
    # "Low-spending, small-basket" and "Small-basket, low-spending" differ, as names they do not
    centroids = pd.DataFrame(
        [[-1.5, -1.0, 0.7, 0.0], [-1.0, -1.5, -0.8, 0.0], [-1.2, -0.9, 0.0, 0.0]],
        columns=["monetary", "avg_order_value", "discount_share", "tenure_days"],
    )
    names = [name for name, _ in name_clusters(centroids, WORDS)]
    word_sets = [frozenset(re.findall(r"[a-z-]+", name.lower())) for name in names]
    assert len(set(word_sets)) == len(names), names
    assert names[0] == "Low-spending, small-basket, discount-driven customers"
    assert names[1] == "Small-basket, low-spending, full-price customers"
    # cluster 3 has no third feature: it keeps the two words, the others took a third
    assert names[2] == "Low-spending, small-basket customers"


def test_a_name_claims_only_what_the_figures_in_their_own_units_back() -> None:
    # z on the transformed scale says "lapsed" (recency 0.6 sd above), the days say 0.3 sd:
    # the name leaves recency out (the persona, in days, could not back it); monetary agrees
    profile = pd.DataFrame([[0.6, -0.9], [-0.6, 0.9]], columns=["recency_days", "monetary"])
    days = pd.DataFrame([[0.3, -0.7], [-0.8, 0.6]], columns=["recency_days", "monetary"])
    naming = naming_profile(profile, days)
    assert naming.to_numpy().tolist() == [[0.0, -0.9], [-0.6, 0.9]]
    names = [name for name, _ in name_clusters(naming, WORDS)]
    assert names[0] == "Low-spending customers"
    assert "lapsed" not in names[0].lower() and "recent" in names[1].lower()
    # opposite signs never name a feature
    flipped = naming_profile(profile, -days)
    assert (flipped.to_numpy() == 0).all()


# ---- data that supports fewer segments than configured ------------------------------------


def test_k_is_bounded_by_distinct_profiles_and_the_reason_names_the_vars(
    blobs: pd.DataFrame,
) -> None:
    three = blobs.iloc[[0, 1, 2]].copy()
    three[["monetary", "frequency", "discount_share"]] = [
        [10.0, 1, 0.0],
        [50.0, 3, 0.1],
        [90, 9, 0.5],
    ]
    artifacts = fit_segmentation_model(three, make_config(k_min=3, k_max=6, min_segment_share=0.01))
    assert summary(artifacts, "chosen_k") == 3
    reason = artifacts.loc[artifacts["parameter_name"] == "chosen_k_reason", "text_value"].iloc[0]
    assert reason.startswith("k bounded by the data: segmentation__k_max=6 lowered to 3")
    assert set(artifacts.loc[artifacts["artifact"] == "k_candidate", "k"]) == {3}


def test_one_profile_cannot_be_clustered_and_says_so_with_one_segment(
    blobs: pd.DataFrame,
) -> None:
    same = blobs.iloc[:5].copy()
    same[["monetary", "frequency", "discount_share"]] = [20.0, 2, 0.1]
    artifacts = fit_segmentation_model(same, make_config(k_min=2, k_max=4))
    reason = artifacts.loc[artifacts["parameter_name"] == "chosen_k_reason", "text_value"].iloc[0]
    assert reason.startswith("not fitted: the training sample has 1 distinct customer profile")
    assert "segmentation__k_min=2, segmentation__k_max=4" in reason
    assert summary(artifacts, "chosen_k") == 1
    # every row is assigned to the one segment by the reference scoring
    assert assign_clusters(same, artifacts).nunique() == 1
