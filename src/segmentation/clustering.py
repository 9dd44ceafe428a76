"""K-means customer segmentation: scaling, choice of k, cluster naming, stability and artifacts.

`fit_segmentation_model` is the entry point for the dbt Python model; it returns one long table
holding everything the SQL scoring needs (scaling parameters and centroids) plus diagnostics.
`assign_clusters` is the reference implementation of that SQL scoring.
"""

from __future__ import annotations

import decimal
import math
import numbers
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score, davies_bouldin_score, silhouette_score

ID_COLUMN = "customer_id"
TRANSFORMS = ("log1p", "identity")
K_RANGE = (2, 15)
MAX_SEED = 2**32 - 1
SILHOUETTE_TIE_TOLERANCE = 0.01
NAME_MIN_ABS_Z = 0.5
NAME_MAX_FEATURES = 2
# On small data the fewest customers behind a cluster name or persona is min_segment_share of all
# customers, but never under this floor (see name_min_customers_for).
SMALL_DATA_MIN_CUSTOMERS = 10
DESCRIPTION_MAX_FEATURES = 4
TYPICAL_NAME = "Typical customers"
TYPICAL_TRAIT = "typical"
PROSPECT_NAME = "Prospects (no completed order)"
PROSPECT_TRAIT = "prospect"
PROSPECT_DESCRIPTION = "No completed order yet: not clustered (clusters are fitted on buyers)."
# Optional keys of a feature spec: the naming words and traits of the feature catalog seed.
FEATURE_TEXT_KEYS = ("word_above", "word_below", "trait_above", "trait_below")

CONFIG_KEYS = (
    "features",
    "k_min",
    "k_max",
    "min_segment_share",
    "max_training_rows",
    "seed",
    "silhouette_sample_size",
    "n_init",
    "stability_resamples",
    "value_feature",
)
# Optional config keys and their defaults: the share of all customers that the clustered rows
# (buyers) stand for, so that min_segment_share is a share of all customers.
# name_min_customers: a cluster with fewer training customers is not described (no claim is made
# from fewer customers); on small data the minimum is scaled down (name_min_customers_for).
OPTIONAL_CONFIG_KEYS = {"population_share": 1.0, "name_min_customers": 1}
SCALER_COLUMNS = ("feature_name", "transform", "fill_value", "center", "scale", "feature_order")
K_CANDIDATE_COLUMNS = (
    "k",
    "inertia",
    "silhouette",
    "davies_bouldin",
    "smallest_segment_share",
    "is_eligible",
    "is_chosen",
    "reason",
)
ARTIFACT_DTYPES = {
    "artifact": "string",
    "cluster_id": "Int64",
    "centroid_id": "Int64",
    "k": "Int64",
    "feature_name": "string",
    "parameter_name": "string",
    "numeric_value": "Float64",
    "text_value": "string",
}

# Distinct random streams derived from the one configured seed.
_STREAM_TRAINING_SAMPLE = 0
_STREAM_SILHOUETTE_SAMPLE = 1
_STREAM_STABILITY = 2


# --------------------------------------------------------------------------- validation


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_int(value: Any, label: str, low: int, high: int | None = None, rule: str = "") -> int:
    if not _is_int(value) or value < low or (high is not None and value > high):
        allowed = rule or (f"in [{low}, {high}]" if high is not None else f">= {low}")
        raise ValueError(f"{label} must be an int {allowed} (got {value!r})")
    return int(value)


def _check_share(value: Any, label: str) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not 0 < value < 0.5:
        raise ValueError(f"{label} must be a float in (0, 0.5) (got {value!r})")
    return float(value)


def _check_features(features: Any, label: str = "config['features']") -> list[dict[str, str]]:
    if isinstance(features, (str, bytes, Mapping)) or not isinstance(features, Sequence):
        raise ValueError(
            f"{label} must be a list of {{name: str, transform: one of {list(TRANSFORMS)}}} "
            f"(got {type(features).__name__})"
        )
    checked: list[dict[str, str]] = []
    for i, spec in enumerate(features):
        keys = set(spec) if isinstance(spec, Mapping) else set()
        if not {"name", "transform"} <= keys or keys - {"name", "transform", *FEATURE_TEXT_KEYS}:
            raise ValueError(
                f"{label}[{i}] must be a mapping with the keys 'name' and 'transform' and "
                f"optionally {list(FEATURE_TEXT_KEYS)} (got {spec!r})"
            )
        for key in FEATURE_TEXT_KEYS:
            if key in spec and not (isinstance(spec[key], str) and spec[key].strip()):
                raise ValueError(
                    f"{label}[{i}][{key!r}] must be a non-empty string (got {spec[key]!r}); "
                    "every feature of seeds/cluster_feature_catalog.csv needs its words and traits"
                )
        name, transform = spec["name"], spec["transform"]
        if not isinstance(name, str) or not name or name == ID_COLUMN:
            raise ValueError(
                f"{label}[{i}]['name'] must be a non-empty column name other than "
                f"{ID_COLUMN!r} (got {name!r})"
            )
        if transform not in TRANSFORMS:
            raise ValueError(
                f"{label}[{i}]['transform'] must be one of {list(TRANSFORMS)} (got {transform!r})"
            )
        checked.append(
            {"name": name, "transform": transform}
            | {key: str(spec[key]).strip() for key in FEATURE_TEXT_KEYS if key in spec}
        )
    names = [f["name"] for f in checked]
    if len(checked) < 2:
        raise ValueError(f"{label} must list at least 2 features (got {len(checked)})")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{label} names must be unique (duplicated: {duplicates})")
    return checked


def validate_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Return a normalised copy of the segmentation config, or raise ValueError naming the key.

    Every key in CONFIG_KEYS is required, the keys of OPTIONAL_CONFIG_KEYS take their default
    when absent, and no other key is accepted.
    """
    if not isinstance(config, Mapping):
        raise ValueError(f"config must be a mapping with keys {list(CONFIG_KEYS)}")
    missing = [key for key in CONFIG_KEYS if key not in config]
    if missing:
        raise ValueError(f"config is missing key(s) {missing}; required: {list(CONFIG_KEYS)}")
    allowed = [*CONFIG_KEYS, *OPTIONAL_CONFIG_KEYS]
    unknown = sorted(str(key) for key in config if key not in allowed)
    if unknown:
        raise ValueError(f"config has unknown key(s) {unknown}; allowed: {allowed}")

    def label(key: str) -> str:
        return f"config[{key!r}]"

    low_k, high_k = K_RANGE
    checked: dict[str, Any] = {"features": _check_features(config["features"])}
    checked["k_min"] = _check_int(config["k_min"], label("k_min"), low_k, high_k)
    checked["k_max"] = _check_int(
        config["k_max"],
        label("k_max"),
        checked["k_min"],
        high_k,
        rule=f"with k_min <= k_max <= {high_k} (k_min is {checked['k_min']})",
    )
    checked["min_segment_share"] = _check_share(
        config["min_segment_share"], label("min_segment_share")
    )
    checked["max_training_rows"] = _check_int(
        config["max_training_rows"], label("max_training_rows"), 100
    )
    checked["seed"] = _check_int(config["seed"], label("seed"), 0, MAX_SEED)
    checked["silhouette_sample_size"] = _check_int(
        config["silhouette_sample_size"], label("silhouette_sample_size"), 100
    )
    checked["n_init"] = _check_int(config["n_init"], label("n_init"), 1)
    checked["stability_resamples"] = _check_int(
        config["stability_resamples"], label("stability_resamples"), 0
    )
    names = [f["name"] for f in checked["features"]]
    if config["value_feature"] not in names:
        raise ValueError(
            f"{label('value_feature')} must be one of the feature names {names} "
            f"(got {config['value_feature']!r})"
        )
    checked["value_feature"] = config["value_feature"]
    share = config.get("population_share", OPTIONAL_CONFIG_KEYS["population_share"])
    valid = isinstance(share, numbers.Real) and not isinstance(share, bool)
    if not valid or not math.isfinite(share) or not 0 < share <= 1:
        raise ValueError(
            f"{label('population_share')} must be a float in (0, 1]: the share of all customers "
            f"that the clustered rows stand for (got {share!r})"
        )
    checked["population_share"] = float(share)
    checked["name_min_customers"] = _check_int(
        config.get("name_min_customers", OPTIONAL_CONFIG_KEYS["name_min_customers"]),
        label("name_min_customers"),
        1,
    )
    return checked


# --------------------------------------------------------------------------- scaling


def _raw_values(df: pd.DataFrame, name: str) -> np.ndarray:
    """Return a feature column as float64 with NaN for nulls; reject non-numeric or inf data."""
    if name not in df.columns:
        raise ValueError(
            f"config['features'] names {name!r}, which is not a column of df "
            f"(columns: {[str(c) for c in df.columns]})"
        )
    column = df[name]
    numeric = pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(
        column.dtype
    )
    if not numeric and column.dtype == object:
        numeric = all(isinstance(v, (numbers.Real, decimal.Decimal)) for v in column.dropna())
        column = pd.to_numeric(column) if numeric else column
    if not numeric:
        raise ValueError(
            f"config['features'] feature {name!r} must be numeric (column dtype {column.dtype})"
        )
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    if np.isinf(values).any():
        raise ValueError(f"config['features'] feature {name!r} contains infinite values")
    return values


def _filled_and_transformed(
    df: pd.DataFrame, name: str, transform: str, fill_value: float
) -> tuple[np.ndarray, np.ndarray]:
    filled = _raw_values(df, name).copy()
    filled[np.isnan(filled)] = fill_value
    if transform == "log1p":
        if filled.size and filled.min() < 0:
            raise ValueError(
                f"config['features'] feature {name!r} uses transform 'log1p', which requires "
                f"values >= 0 after filling nulls (minimum is {filled.min()!r})"
            )
        return filled, np.log1p(filled)
    return filled, filled


def fit_scaler(df: pd.DataFrame, features: Sequence[Mapping[str, str]]) -> pd.DataFrame:
    """Fit per-feature null fill, transform, centering and scaling on the training rows.

    Returns one row per feature with columns feature_name, transform, fill_value (median of the
    raw column, 0 if all null), center (mean after fill and transform), scale (population std,
    1.0 for a constant column) and feature_order (1-based position of the feature).
    """
    checked = _check_features(features, label="features")
    rows = []
    for order, spec in enumerate(checked, start=1):
        raw = _raw_values(df, spec["name"])
        present = raw[~np.isnan(raw)]
        fill_value = float(np.median(present)) if present.size else 0.0
        _, transformed = _filled_and_transformed(df, spec["name"], spec["transform"], fill_value)
        if transformed.size == 0:
            raise ValueError("df must have at least one row to fit the scaler")
        constant = np.ptp(transformed) == 0
        rows.append(
            {
                "feature_name": spec["name"],
                "transform": spec["transform"],
                "fill_value": fill_value,
                "center": float(np.mean(transformed)),
                "scale": 1.0 if constant else float(np.std(transformed)),
                "feature_order": order,
            }
        )
    return pd.DataFrame(rows, columns=list(SCALER_COLUMNS))


def _ordered_scaler(scaler: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in SCALER_COLUMNS if c not in scaler.columns]
    if missing:
        raise ValueError(f"scaler is missing column(s) {missing}; expected {list(SCALER_COLUMNS)}")
    return scaler.sort_values("feature_order", kind="mergesort").reset_index(drop=True)


def _original_units(df: pd.DataFrame, scaler: pd.DataFrame) -> np.ndarray:
    """Feature matrix in original units with nulls replaced by each feature's fill value."""
    scaler = _ordered_scaler(scaler)
    columns = [
        _filled_and_transformed(df, row.feature_name, row.transform, row.fill_value)[0]
        for row in scaler.itertuples(index=False)
    ]
    return np.column_stack(columns) if columns else np.empty((len(df), 0))


def apply_scaler(df: pd.DataFrame, scaler: pd.DataFrame) -> np.ndarray:
    """Return the scaled matrix z for df under a fitted scaler (columns in feature_order)."""
    scaler = _ordered_scaler(scaler)
    columns = []
    for row in scaler.itertuples(index=False):
        _, transformed = _filled_and_transformed(
            df, row.feature_name, row.transform, row.fill_value
        )
        columns.append((transformed - row.center) / row.scale)
    return np.column_stack(columns) if columns else np.empty((len(df), 0))


# --------------------------------------------------------------------------- choice of k


def _kmeans(X: np.ndarray, k: int, seed: int, n_init: int) -> KMeans:
    # a bootstrap resample of a small sample may hold fewer distinct points than k: k-means then
    # leaves a cluster empty, which the scores already account for, so its warning is noise
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return KMeans(n_clusters=k, random_state=seed, n_init=n_init).fit(X)


def _as_matrix(X: Any) -> np.ndarray:
    matrix = np.asarray(X, dtype="float64")
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise ValueError(f"X must be a non-empty 2-D array (got shape {matrix.shape})")
    if not np.isfinite(matrix).all():
        raise ValueError("X must contain only finite values")
    return matrix


def _silhouette(X: np.ndarray, labels: np.ndarray) -> float:
    n_labels = np.unique(labels).size
    if n_labels < 2 or n_labels > len(labels) - 1:
        return math.nan
    return float(silhouette_score(X, labels))


def _davies_bouldin(X: np.ndarray, labels: np.ndarray) -> float:
    n_labels = np.unique(labels).size
    if n_labels < 2 or n_labels > len(labels) - 1:
        return math.nan
    return float(davies_bouldin_score(X, labels))


def _choose_k(table: pd.DataFrame, min_segment_share: float) -> tuple[int, list[str]]:
    """Return the chosen k and one reason per candidate row."""
    share_rule = f"min_segment_share {min_segment_share:g}"
    eligible = table[table["is_eligible"]]
    if eligible.empty:
        fallback = table.sort_values(
            ["smallest_segment_share", "k"], ascending=[False, True], kind="mergesort"
        ).iloc[0]
        chosen = int(fallback["k"])
        reasons = []
        for row in table.itertuples(index=False):
            if row.k == chosen:
                reasons.append(
                    f"chosen as fallback: no k met {share_rule}; this k has the largest smallest "
                    f"segment share ({row.smallest_segment_share:.3f})"
                )
            else:
                reasons.append(
                    f"ineligible: smallest segment share {row.smallest_segment_share:.3f} "
                    f"< {share_rule}"
                )
        return chosen, reasons

    silhouettes = eligible["silhouette"].fillna(-math.inf)
    best = float(silhouettes.max())
    tied = eligible[silhouettes >= best - SILHOUETTE_TIE_TOLERANCE]
    winner = tied.sort_values(["davies_bouldin", "k"], na_position="last", kind="mergesort").iloc[0]
    chosen = int(winner["k"])
    tied_ks = [int(k) for k in tied["k"]]
    reasons = []
    for row in table.itertuples(index=False):
        if not row.is_eligible:
            reasons.append(
                f"ineligible: smallest segment share {row.smallest_segment_share:.3f} "
                f"< {share_rule}"
            )
        elif row.k == chosen and len(tied_ks) == 1:
            reasons.append(
                f"chosen: best silhouette ({row.silhouette:.3f}) among {len(eligible)} eligible k"
            )
        elif row.k == chosen:
            reasons.append(
                f"chosen: silhouette {row.silhouette:.3f} within {SILHOUETTE_TIE_TOLERANCE} of "
                f"the best eligible ({best:.3f}) for k in {tied_ks}; lowest Davies-Bouldin "
                f"({row.davies_bouldin:.3f}) among them, then smallest k"
            )
        elif row.k not in tied_ks:
            reasons.append(
                f"eligible, not chosen: silhouette {row.silhouette:.3f} is more than "
                f"{SILHOUETTE_TIE_TOLERANCE} below the best eligible ({best:.3f})"
            )
        else:
            reasons.append(
                f"eligible, not chosen: silhouette {row.silhouette:.3f} within "
                f"{SILHOUETTE_TIE_TOLERANCE} of the best, but Davies-Bouldin "
                f"{row.davies_bouldin:.3f} vs {winner['davies_bouldin']:.3f} for chosen "
                f"k={chosen} (ties go to the smaller k)"
            )
    return chosen, reasons


def evaluate_k(
    X: np.ndarray,
    k_min: int,
    k_max: int,
    min_segment_share: float,
    seed: int,
    silhouette_sample_size: int,
    n_init: int,
    population_share: float = 1.0,
) -> pd.DataFrame:
    """Score every candidate k in [k_min, k_max] and mark the chosen one.

    One row per k with columns k, inertia, silhouette (on a seeded sample of at most
    silhouette_sample_size rows, the same sample for every k), davies_bouldin,
    smallest_segment_share (share of all customers: the smallest cluster's share of the rows of X
    times population_share, the share of all customers that X stands for), is_eligible
    (smallest share >= min_segment_share), is_chosen and reason. Among eligible k the best
    silhouette wins; candidates within 0.01 of it are decided by lower Davies-Bouldin, then
    smaller k. With no eligible k, the k with the largest smallest segment share is chosen.
    """
    X = _as_matrix(X)
    low_k, high_k = K_RANGE
    k_min = _check_int(k_min, "k_min", low_k, high_k)
    k_max = _check_int(k_max, "k_max", k_min, high_k, rule=f"with k_min <= k_max <= {high_k}")
    min_segment_share = _check_share(min_segment_share, "min_segment_share")
    seed = _check_int(seed, "seed", 0, MAX_SEED)
    silhouette_sample_size = _check_int(silhouette_sample_size, "silhouette_sample_size", 100)
    n_init = _check_int(n_init, "n_init", 1)
    n_rows = X.shape[0]
    if n_rows < k_max:
        raise ValueError(f"k_max ({k_max}) must not exceed the number of rows of X ({n_rows})")

    sample = _sample_indices(n_rows, silhouette_sample_size, seed, _STREAM_SILHOUETTE_SAMPLE)
    rows = []
    for k in range(k_min, k_max + 1):
        model = _kmeans(X, k, seed, n_init)
        labels = model.labels_
        rows.append(
            {
                "k": k,
                "inertia": float(model.inertia_),
                "silhouette": _silhouette(X[sample], labels[sample]),
                "davies_bouldin": _davies_bouldin(X, labels),
                "smallest_segment_share": float(
                    np.bincount(labels, minlength=k).min() / n_rows * population_share
                ),
            }
        )
    table = pd.DataFrame(rows)
    table["is_eligible"] = table["smallest_segment_share"] >= min_segment_share
    chosen, reasons = _choose_k(table, min_segment_share)
    table["is_chosen"] = table["k"] == chosen
    table["reason"] = reasons
    return table[list(K_CANDIDATE_COLUMNS)]


def _sample_indices(n_rows: int, size: int, seed: int, stream: int) -> np.ndarray:
    """Sorted seeded sample of at most `size` row positions (all rows when n_rows <= size)."""
    if n_rows <= size:
        return np.arange(n_rows)
    rng = np.random.default_rng([seed, stream])
    return np.sort(rng.choice(n_rows, size=size, replace=False))


# --------------------------------------------------------------------------- naming


def _display(feature: str) -> str:
    return feature.replace("_", " ")


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _feature_words(
    features: Sequence[str], labels: Mapping[str, Sequence[str]] | None
) -> dict[str, tuple[str, str]]:
    """(word above average, word below average) per feature; 'high x' / 'low x' without words."""
    words: dict[str, tuple[str, str]] = {}
    for feature in features:
        pair = (labels or {}).get(feature)
        if pair is None:
            words[feature] = (f"high {_display(feature)}", f"low {_display(feature)}")
            continue
        valid = isinstance(pair, (tuple, list)) and len(pair) == 2
        if not valid or not all(isinstance(w, str) and w.strip() for w in pair):
            raise ValueError(
                f"labels[{feature!r}] must be a (word above average, word below average) pair "
                f"of non-empty strings (got {pair!r})"
            )
        words[feature] = (pair[0].strip(), pair[1].strip())
    return words


def _ranked_features(z: np.ndarray) -> list[list[int]]:
    """Per row, the feature positions with |z| >= NAME_MIN_ABS_Z, largest |z| first."""
    return [
        [
            j
            for j in sorted(range(z.shape[1]), key=lambda j: (-abs(row[j]), j))
            if abs(row[j]) >= NAME_MIN_ABS_Z
        ]
        for row in z
    ]


def _name_words(name: str) -> frozenset[str]:
    """The words of a cluster name as a set, case and punctuation aside: two names with the same
    words in another order read as the same segment."""
    return frozenset(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", name.lower()))


def name_min_customers_for(configured: int, min_segment_count: float) -> int:
    """The fewest customers behind a cluster name or persona: ``configured``
    (segmentation__persona_min_customers), but on data so small that ``min_segment_count``
    (min_segment_share of all customers, the smallest segment the clustering keeps) is under it,
    that count, never under SMALL_DATA_MIN_CUSTOMERS, so a small shop's segments are named and
    tiny clusters still are not."""
    scaled = max(SMALL_DATA_MIN_CUSTOMERS, math.ceil(min_segment_count - 1e-9))
    return int(min(configured, scaled))


def naming_profile(profile_z: pd.DataFrame, original_d: pd.DataFrame) -> pd.DataFrame:
    """The profile a name may use: a feature's z where the cluster also differs from all
    clustered customers by NAME_MIN_ABS_Z sd or more in the feature's own units (``original_d``,
    same shape) in the same direction, else 0. k-means sees transformed features (log of days,
    of money), the personas the figures in days and money: a name from the transformed scale
    alone ("Lapsed customers") could be one the persona, on days, cannot back ("Nothing sets
    them apart")."""
    z = profile_z.to_numpy(dtype="float64")
    d = original_d.to_numpy(dtype="float64")
    agrees = (np.abs(d) >= NAME_MIN_ABS_Z) & (np.sign(d) == np.sign(z))
    return pd.DataFrame(np.where(agrees, z, 0.0), index=profile_z.index, columns=profile_z.columns)


def _profile_matrix(centroids_z: pd.DataFrame) -> np.ndarray:
    z = centroids_z.to_numpy(dtype="float64")
    if not np.isfinite(z).all():
        raise ValueError("centroids_z must contain only finite values")
    return z


def name_clusters(
    centroids_z: pd.DataFrame, labels: Mapping[str, Sequence[str]] | None = None
) -> list[tuple[str, str]]:
    """Return a unique (name, one-sentence description) per centroid row, in row order.

    Columns of `centroids_z` are features and values are the clusters' standardised differences
    from all clustered customers (z-scores). A cluster is named after its features with the
    largest |z| (at most 2 in the name, up to 4 in the description, only |z| >= 0.5), using
    `labels` (feature -> (word above average, word below average), the words of the feature
    catalog seed), else "high <feature>" / "low <feature>". Clusters with no such feature are
    "Typical customers". Names with the same words (in any order: "Low-spending, small-basket" and
    "Small-basket, low-spending" are one name to a reader) are told apart by further
    distinguishing features, then by a numeric suffix.
    """
    features = [str(c) for c in centroids_z.columns]
    vocabulary = _feature_words(features, labels)
    z = _profile_matrix(centroids_z)
    ranked = _ranked_features(z)

    def word(i: int, j: int) -> str:
        high, low = vocabulary[features[j]]
        return high if z[i, j] > 0 else low

    def name(i: int, depth: int) -> str:
        if depth == 0:
            return TYPICAL_NAME
        return _capitalise(", ".join(word(i, j) for j in ranked[i][:depth]) + " customers")

    depth = [min(NAME_MAX_FEATURES, len(r)) for r in ranked]
    while True:
        names = [name(i, d) for i, d in enumerate(depth)]
        keys = [_name_words(n) for n in names]
        clashing = [i for i, key in enumerate(keys) if keys.count(key) > 1]
        extendable = [i for i in clashing if depth[i] < len(ranked[i])]
        if not extendable:
            break
        for i in extendable:
            depth[i] += 1

    unique: list[str] = []
    taken = {_name_words(PROSPECT_NAME)}
    for candidate in names:
        final, suffix = candidate, 2
        while _name_words(final) in taken:
            final, suffix = f"{candidate} ({suffix})", suffix + 1
        taken.add(_name_words(final))
        unique.append(final)

    result = []
    for i, cluster_name in enumerate(unique):
        shown = ranked[i][:DESCRIPTION_MAX_FEATURES]
        if not shown:
            description = f"Within {NAME_MIN_ABS_Z} sd of average on every feature."
        else:
            parts = [
                f"{_display(features[j])} {abs(z[i, j]):.1f} sd "
                f"{'above' if z[i, j] > 0 else 'below'} average"
                for j in shown
            ]
            description = _capitalise(", ".join(parts)) + "."
        result.append((cluster_name, description))
    return result


def defining_traits(
    centroids_z: pd.DataFrame, traits: Mapping[str, Sequence[str]] | None = None
) -> list[tuple[str, str | None, str | None]]:
    """Return (trait, feature, direction) per centroid row: what sets the cluster apart most.

    The trait is the one of the feature with the largest |z| >= 0.5 (the first word of the
    cluster's name), from `traits` (feature -> (trait above average, trait below average), the
    traits of the feature catalog seed; the playbook has one row per trait). Features without
    traits are skipped; with no feature far enough from average the trait is "typical".
    direction is "above" or "below" (None for "typical").
    """
    features = [str(c) for c in centroids_z.columns]
    z = _profile_matrix(centroids_z)
    result: list[tuple[str, str | None, str | None]] = []
    for i, ranked in enumerate(_ranked_features(z)):
        found: tuple[str, str | None, str | None] = (TYPICAL_TRAIT, None, None)
        for j in ranked:
            pair = (traits or {}).get(features[j])
            if pair:
                above = z[i, j] > 0
                found = (
                    str(pair[0] if above else pair[1]),
                    features[j],
                    "above" if above else "below",
                )
                break
        result.append(found)
    return result


def merge_small_clusters(
    X: np.ndarray, labels: np.ndarray, k: int, min_count: float
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Merge every cluster with fewer than min_count rows into its nearest neighbour.

    Repeatedly takes the smallest cluster (ties: lowest label) while it is under min_count and
    more than one cluster is left, and merges it into the cluster whose mean (in the scaled
    space of X) is nearest to its own mean (ties: lowest label). Returns the group of every
    label (group = the label of the surviving cluster) and one record per merge: merged and into
    (labels), rows and distance.
    """
    group = np.arange(k)
    merges: list[dict[str, Any]] = []
    while True:
        alive = sorted(set(group.tolist()))
        if len(alive) < 2:
            break
        row_group = group[labels]
        counts = {g: int((row_group == g).sum()) for g in alive}
        smallest = min(alive, key=lambda g: (counts[g], g))
        if counts[smallest] >= min_count:
            break
        means = {g: X[row_group == g].mean(axis=0) for g in alive if counts[g]}
        others = [g for g in alive if g != smallest and g in means]
        if smallest in means:
            distance = {
                g: float(np.sqrt(((means[g] - means[smallest]) ** 2).sum())) for g in others
            }
        else:  # an empty cluster goes to the largest one
            distance = {g: -float(counts[g]) for g in others}
        into = min(others, key=lambda g: (distance[g], g))
        merges.append(
            {
                "merged": smallest,
                "into": into,
                "rows": counts[smallest],
                "distance": max(distance[into], 0.0),
            }
        )
        group[group == smallest] = into
    return group, merges


# --------------------------------------------------------------------------- stability


def _stability_against(
    X: np.ndarray, reference: np.ndarray, k: int, seed: int, n_resamples: int, n_init: int
) -> dict[str, float]:
    rng = np.random.default_rng([seed, _STREAM_STABILITY])
    n_rows = X.shape[0]
    scores = []
    for _ in range(n_resamples):
        rows = rng.integers(0, n_rows, size=n_rows)
        refit = _kmeans(X[rows], k, seed, n_init)
        scores.append(float(adjusted_rand_score(reference, refit.predict(X))))
    if not scores:
        return {"ari_mean": math.nan, "ari_min": math.nan, "ari_max": math.nan, "n_resamples": 0}
    return {
        "ari_mean": float(np.mean(scores)),
        "ari_min": float(min(scores)),
        "ari_max": float(max(scores)),
        "n_resamples": n_resamples,
    }


def stability(X: np.ndarray, k: int, seed: int, n_resamples: int, n_init: int) -> dict[str, float]:
    """Agreement (adjusted Rand index) between the k-means labels of X and seeded bootstrap refits.

    Each refit is trained on a bootstrap resample and predicts all of X. Returns ari_mean,
    ari_min, ari_max (NaN when n_resamples is 0) and n_resamples.
    """
    X = _as_matrix(X)
    k = _check_int(k, "k", K_RANGE[0], min(K_RANGE[1], X.shape[0]))
    seed = _check_int(seed, "seed", 0, MAX_SEED)
    n_resamples = _check_int(n_resamples, "n_resamples", 0)
    n_init = _check_int(n_init, "n_init", 1)
    reference = _kmeans(X, k, seed, n_init).labels_
    return _stability_against(X, reference, k, seed, n_resamples, n_init)


# --------------------------------------------------------------------------- the model


def _training_rows(df: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    """Rows sorted by customer_id, down-sampled (seeded) to max_rows; independent of row order."""
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"df must be a pandas DataFrame (got {type(df).__name__})")
    if ID_COLUMN not in df.columns:
        raise ValueError(f"df must have a {ID_COLUMN!r} column")
    ids = df[ID_COLUMN]
    if ids.isna().any():
        raise ValueError(f"df[{ID_COLUMN!r}] must not contain nulls")
    if ids.duplicated().any():
        raise ValueError(f"df[{ID_COLUMN!r}] must be unique")
    ordered = df.sort_values(ID_COLUMN, kind="mergesort").reset_index(drop=True)
    sample = _sample_indices(len(ordered), max_rows, seed, _STREAM_TRAINING_SAMPLE)
    return ordered.iloc[sample].reset_index(drop=True)


def _relabel_order(value_means: np.ndarray, centers: np.ndarray) -> list[int]:
    """KMeans labels in cluster_id order: value mean descending, then centroid descending."""

    def key(label: int) -> tuple[float, ...]:
        value = value_means[label]
        primary = -value if math.isfinite(value) else math.inf
        return (primary, *(-c for c in centers[label]))

    return sorted(range(len(centers)), key=key)


BOUNDED_BY_DATA = "k bounded by the data"
NOT_FITTED = "not fitted"


def bound_k(X: np.ndarray, k_min: int, k_max: int) -> tuple[int, int, str]:
    """The k range the training rows support: k_max at most the number of distinct (scaled)
    rows, k_min at most that k_max. Returns (k_min, k_max, note); the note is empty when the
    configured range stands, and names the vars segmentation__k_min / segmentation__k_max when
    it was lowered. k_max < 2 means no clustering can be fitted (one segment holds everyone)."""
    distinct = int(np.unique(np.round(np.asarray(X, dtype=float), 9), axis=0).shape[0])
    if distinct >= k_max:
        return k_min, k_max, ""
    bounded_max = distinct
    bounded_min = min(k_min, bounded_max)
    if bounded_max < 2:
        note = (
            f"{NOT_FITTED}: the training sample has {distinct} distinct customer profile"
            f"{'s' if distinct != 1 else ''} ({X.shape[0]} customers), and clustering needs at "
            f"least 2 (segmentation__k_min={k_min}, segmentation__k_max={k_max}); every customer "
            "is in one segment"
        )
    else:
        note = (
            f"{BOUNDED_BY_DATA}: segmentation__k_max={k_max} lowered to {bounded_max}"
            + (f" and segmentation__k_min={k_min} to {bounded_min}" if bounded_min < k_min else "")
            + f", the number of distinct customer profiles in the training sample ({X.shape[0]}"
            " customers)"
        )
    return bounded_min, bounded_max, note


def centroid_frame(artifacts: pd.DataFrame, feature_names: Sequence[str]) -> pd.DataFrame:
    """The centroid_z rows of a fit's artifacts as a centroid_id x feature frame (centroid_id
    order, the given feature order); empty when the artifacts hold no centroid."""
    rows = artifacts[
        (artifacts["artifact"] == "centroid") & (artifacts["parameter_name"] == "centroid_z")
    ]
    if rows.empty:
        return pd.DataFrame(columns=list(feature_names), dtype="float64")
    frame = rows.pivot(index="centroid_id", columns="feature_name", values="numeric_value")
    return frame.sort_index()[list(feature_names)].astype("float64")


def _previous_centroids(previous: pd.DataFrame, scaler: pd.DataFrame) -> np.ndarray | None:
    """A stored definition's k-means centroids moved into today's scaled space (its z back to
    transformed units with its own center and scale, then standardised with today's), or None
    when its features or transforms differ from today's."""
    old_scaler = _scaler_from_artifacts(previous)
    if list(old_scaler["feature_name"]) != list(scaler["feature_name"]) or list(
        old_scaler["transform"]
    ) != list(scaler["transform"]):
        return None
    centroids = centroid_frame(previous, scaler["feature_name"])
    if centroids.empty:
        return None
    z = centroids.to_numpy(dtype=float)
    old_scale = old_scaler["scale"].to_numpy(float)
    transformed = z * np.where(old_scale > 0, old_scale, 1.0) + old_scaler["center"].to_numpy(float)
    scale = scaler["scale"].to_numpy(float)
    moved = (transformed - scaler["center"].to_numpy(float)) / np.where(scale > 0, scale, 1.0)
    if not np.isfinite(moved).all() or len(np.unique(moved, axis=0)) < len(moved):
        return None
    return moved


def _warm_start(
    X: np.ndarray,
    init: np.ndarray,
    candidates: pd.DataFrame,
    cfg: Mapping[str, Any],
    k_range: tuple[int, int],
    scheduled: bool,
) -> tuple[KMeans, pd.DataFrame] | None:
    """k-means started from a stored definition's centroids (a warm start), when it is taken.

    Its smallest segment must meet min_segment_share, and its k be among the candidates. A
    ``scheduled`` refit (the definition's age, no drift) then takes it: it re-estimates the stored
    segments on today's data, and k is chosen afresh only on drift or a fresh start. Otherwise it
    is taken when its silhouette (on the candidates' sample) is within SILHOUETTE_TIE_TOLERANCE of
    the best eligible fresh fit: the rule that decides between k decides between two partitions
    of equal quality for the one customers already hold. Returns the model and the candidates
    with the choice and reasons updated, or None.
    """
    k = len(init)
    eligible = candidates[candidates["is_eligible"]]
    if not (k_range[0] <= k <= k_range[1]) or eligible.empty or X.shape[0] <= k:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KMeans(n_clusters=k, init=init, n_init=1, random_state=cfg["seed"]).fit(X)
    labels = model.labels_
    sample = _sample_indices(
        X.shape[0], cfg["silhouette_sample_size"], cfg["seed"], _STREAM_SILHOUETTE_SAMPLE
    )
    silhouette = _silhouette(X[sample], labels[sample])
    smallest = float(np.bincount(labels, minlength=k).min() / X.shape[0] * cfg["population_share"])
    best = float(eligible["silhouette"].fillna(-math.inf).max())
    if smallest < cfg["min_segment_share"] or not math.isfinite(silhouette):
        return None
    if not scheduled and silhouette < best - SILHOUETTE_TIE_TOLERANCE:
        return None
    table = candidates.copy()
    fresh = table["is_chosen"]
    table.loc[fresh, "reason"] = (
        "a fresh fit's choice, not taken: the stored definition's centroids were refitted from "
        "where they were; " + table.loc[fresh, "reason"]
    )
    chosen = table["k"] == k
    table["is_chosen"] = chosen
    if scheduled:
        why = (
            f"chosen: a scheduled refit re-estimates the stored definition's {k} centroids on "
            f"today's data (k-means started from them), silhouette {silhouette:.3f} (best fresh "
            f"fit {best:.3f}), smallest segment share {smallest:.3f}; k is chosen afresh on drift, "
            "changed settings, --full-refresh or segmentation__refit always"
        )
    else:
        why = (
            f"chosen: the stored definition's {k} centroids refitted from where they were (k-means "
            f"started from them), silhouette {silhouette:.3f} within {SILHOUETTE_TIE_TOLERANCE} of "
            f"the best eligible fresh fit ({best:.3f}), smallest segment share {smallest:.3f}: as "
            "good a partition, and the one customers already hold"
        )
    table.loc[chosen, "reason"] = why
    return model, table


def fit_segmentation_model(
    df: pd.DataFrame,
    config: Mapping[str, Any],
    previous: pd.DataFrame | None = None,
    scheduled: bool = False,
) -> pd.DataFrame:
    """Fit the segmentation on a training sample and return all artifacts as one long table.

    Columns: artifact, cluster_id, centroid_id, k, feature_name, parameter_name, numeric_value,
    text_value (see ARTIFACT_DTYPES). Artifacts are 'scaling', 'centroid', 'cluster', 'merge',
    'k_candidate' and 'summary', in that order. k-means fits the chosen k centroids
    (centroid_id 1..k); a cluster smaller than min_segment_share of all customers (its share of
    the training rows times population_share) is merged into its nearest neighbour
    (merge_small_clusters), so a cluster (cluster_id) is one or more centroids: a customer
    belongs to the cluster of its nearest centroid. Cluster 1 has the highest mean value_feature.
    Cluster rows hold the name, description, defining trait and standardised profile
    (profile_z: the cluster's mean z per feature), from the words and traits of the feature
    specs; one more cluster row set, the last cluster_id, is the prospects segment (customers
    without a completed order, who are not clustered). centroid_mean is in original units with
    nulls counted at the feature's fill_value. The result depends only on the set of input rows
    and the config (and ``previous``), not on their order.

    ``previous`` (optional) holds the artifacts of a stored definition being refitted: k-means is
    then also started from its centroids, and that partition is kept when ``scheduled`` (a refit
    for the definition's age) or when it scores as well as the fresh one (``_warm_start``), so
    that a refit on data without a strong cluster structure does not reshuffle segments that a
    fresh k-means++ start would draw elsewhere.
    """
    cfg = validate_config(config)
    features = cfg["features"]
    names = [f["name"] for f in features]
    missing = [n for n in names if n not in df.columns] if isinstance(df, pd.DataFrame) else []
    if missing:
        raise ValueError(f"config['features'] names columns missing from df: {missing}")
    train = _training_rows(df, cfg["max_training_rows"], cfg["seed"])
    if train.empty:
        raise ValueError("the training sample has no customer with a completed order")
    population_share = cfg["population_share"]

    scaler = fit_scaler(train, features)
    X = apply_scaler(train, scaler)
    k_min, k_max, bound_note = bound_k(X, cfg["k_min"], cfg["k_max"])
    if k_max >= 2:
        candidates = evaluate_k(
            X,
            k_min,
            k_max,
            cfg["min_segment_share"],
            cfg["seed"],
            cfg["silhouette_sample_size"],
            cfg["n_init"],
            population_share,
        )
    else:  # not fitted: one segment holds every customer, and the reason says why
        candidates = pd.DataFrame(
            [[1, 0.0, math.nan, math.nan, population_share, False, True, ""]],
            columns=list(K_CANDIDATE_COLUMNS),
        )
    if bound_note:
        candidates["reason"] = candidates["reason"].where(
            ~candidates["is_chosen"], (bound_note + "; " + candidates["reason"]).str.rstrip("; ")
        )
    chosen = candidates[candidates["is_chosen"]].iloc[0]
    k = int(chosen["k"])
    model = _kmeans(X, k, cfg["seed"], cfg["n_init"])
    init = _previous_centroids(previous, scaler) if previous is not None and k_max >= 2 else None
    warm = (
        _warm_start(X, init, candidates, cfg, (k_min, k_max), scheduled)
        if init is not None
        else None
    )
    if warm is not None:
        model, candidates = warm
        chosen = candidates[candidates["is_chosen"]].iloc[0]
        k = int(chosen["k"])
    labels = model.labels_

    # centroids in value order (centroid_id), then small clusters merged into their neighbours
    original = _original_units(train, scaler)
    value_j = names.index(cfg["value_feature"])
    counts = np.bincount(labels, minlength=k)
    means = np.full((k, len(names)), np.nan)
    for label in range(k):
        if counts[label]:
            means[label] = original[labels == label].mean(axis=0)
    centroid_order = _relabel_order(means[:, value_j], model.cluster_centers_)
    min_count = cfg["min_segment_share"] * len(train) / population_share
    group, merges = merge_small_clusters(X, labels, k, min_count)
    groups = sorted(set(group.tolist()))
    row_group = group[labels]
    group_counts = np.array([(row_group == g).sum() for g in groups])
    group_means = np.array([original[row_group == g].mean(axis=0) for g in groups])
    group_z = np.array([X[row_group == g].mean(axis=0) for g in groups])
    group_order = [groups[i] for i in _relabel_order(group_means[:, value_j], group_z)]
    cluster_of_group = {g: i for i, g in enumerate(group_order, start=1)}
    position = {g: i for i, g in enumerate(groups)}
    centroid_ids = {label: i for i, label in enumerate(centroid_order, start=1)}

    profile = pd.DataFrame(
        [group_z[position[g]] for g in group_order],
        index=range(1, len(groups) + 1),
        columns=names,
    )
    words = {f["name"]: (f["word_above"], f["word_below"]) for f in features if "word_above" in f}
    traits = {
        f["name"]: (f["trait_above"], f["trait_below"]) for f in features if "trait_above" in f
    }
    # the standardised difference in original units (days, money), as the personas measure it
    spread = original.std(axis=0)
    original_d = pd.DataFrame(
        np.divide(
            np.array([group_means[position[g]] for g in group_order]) - original.mean(axis=0),
            spread,
            out=np.zeros((len(group_order), len(names))),
            where=spread > 0,
        ),
        index=profile.index,
        columns=names,
    )
    naming = naming_profile(profile, original_d)
    cluster_text = name_clusters(naming, words)
    cluster_traits = defining_traits(naming, traits)
    name_min = name_min_customers_for(cfg["name_min_customers"], min_count)
    for i, g in enumerate(group_order):
        n_rows = int(group_counts[position[g]])
        if n_rows < name_min:  # too few customers to claim anything
            cluster_text[i] = (
                f"Cluster {i + 1} (too few customers to describe)",
                f"{n_rows} training customers: fewer than the {name_min} a description needs.",
            )
            cluster_traits[i] = (TYPICAL_TRAIT, None, None)
    stable = _stability_against(
        X, labels, k, cfg["seed"], cfg["stability_resamples"], cfg["n_init"]
    )

    rows: list[tuple[Any, ...]] = []

    def add(
        artifact: str,
        parameter: str,
        *,
        cluster_id: int | None = None,
        centroid_id: int | None = None,
        k_value: int | None = None,
        feature: str | None = None,
        number: float | None = None,
        text: str | None = None,
    ) -> None:
        rows.append((artifact, cluster_id, centroid_id, k_value, feature, parameter, number, text))

    for s in scaler.itertuples(index=False):
        for parameter in ("fill_value", "center", "scale", "feature_order"):
            add("scaling", parameter, feature=s.feature_name, number=float(getattr(s, parameter)))
        add("scaling", "transform", feature=s.feature_name, text=s.transform)
    for label in centroid_order:
        ids = {
            "cluster_id": cluster_of_group[int(group[label])],
            "centroid_id": centroid_ids[label],
        }
        for j, feature in enumerate(names):
            z_value = float(model.cluster_centers_[label, j])
            add("centroid", "centroid_z", **ids, k_value=k, feature=feature, number=z_value)
            mean = float(means[label, j])
            add("centroid", "centroid_mean", **ids, k_value=k, feature=feature, number=mean)
    n_clusters = len(groups)
    for cluster_id, g in enumerate(group_order, start=1):
        cluster_name, description = cluster_text[cluster_id - 1]
        trait, trait_feature, direction = cluster_traits[cluster_id - 1]
        n_rows = float(group_counts[position[g]])
        ids = {"cluster_id": cluster_id, "k_value": k}
        add("cluster", "cluster_name", **ids, text=cluster_name)
        add("cluster", "cluster_description", **ids, text=description)
        add("cluster", "defining_trait", **ids, feature=trait_feature, text=trait)
        add("cluster", "training_share", **ids, number=n_rows / len(train))
        add("cluster", "training_customers", **ids, number=n_rows)
        for j, feature in enumerate(names):
            add(
                "cluster",
                "profile_z",
                **ids,
                feature=feature,
                number=float(profile.iat[cluster_id - 1, j]),
            )
        for j, feature in enumerate(names):
            add(
                "cluster",
                "profile_mean",
                **ids,
                feature=feature,
                number=float(group_means[position[g], j]),
            )
    prospects = {"cluster_id": n_clusters + 1, "k_value": k}
    add("cluster", "cluster_name", **prospects, text=PROSPECT_NAME)
    add("cluster", "cluster_description", **prospects, text=PROSPECT_DESCRIPTION)
    add("cluster", "defining_trait", **prospects, text=PROSPECT_TRAIT)
    add("cluster", "training_share", **prospects, number=0.0)
    add("cluster", "training_customers", **prospects, number=0.0)
    merge_lines = []
    for step, merge in enumerate(merges, start=1):
        merged = [centroid_ids[label] for label in np.flatnonzero(group == merge["into"])]
        into = cluster_of_group[int(group[merge["into"]])]
        share = merge["rows"] / len(train) * population_share
        merge_lines.append(
            f"centroid {centroid_ids[merge['merged']]} held {merge['rows']} training "
            f"customers ({share:.3f} of all customers < min_segment_share "
            f"{cfg['min_segment_share']:g}): merged into its nearest neighbour (distance "
            f"{merge['distance']:.2f} in scaled space); cluster {into} is centroids "
            f"{sorted(merged)}"
        )
        add(
            "merge",
            "merge_step",
            cluster_id=into,
            centroid_id=centroid_ids[merge["merged"]],
            k_value=k,
            number=float(step),
            text=merge_lines[-1],
        )
    for c in candidates.itertuples(index=False):
        for parameter in ("inertia", "silhouette", "davies_bouldin", "smallest_segment_share"):
            add("k_candidate", parameter, k_value=int(c.k), number=float(getattr(c, parameter)))
        add("k_candidate", "is_eligible", k_value=int(c.k), number=float(c.is_eligible))
        add("k_candidate", "is_chosen", k_value=int(c.k), number=float(c.is_chosen))
        add("k_candidate", "reason", k_value=int(c.k), text=c.reason)
    final_shares = group_counts / len(train) * population_share
    add("summary", "chosen_k", number=float(k))
    add("summary", "clusters", number=float(n_clusters))
    add("summary", "merged_centroids", number=float(len(merges)))
    add("summary", "smallest_cluster_share", number=float(final_shares.min()))
    add("summary", "population_share", number=population_share)
    add("summary", "training_rows", number=float(len(train)))
    add("summary", "stability_ari_mean", number=stable["ari_mean"])
    add("summary", "stability_ari_min", number=stable["ari_min"])
    add("summary", "stability_ari_max", number=stable["ari_max"])
    add("summary", "seed", number=float(cfg["seed"]))
    add("summary", "chosen_k_reason", text=str(chosen["reason"]))
    add("summary", "merges", text="; ".join(merge_lines) or "none")

    columns = list(ARTIFACT_DTYPES)
    data = {
        column: pd.array([row[i] for row in rows], dtype=ARTIFACT_DTYPES[column])
        for i, column in enumerate(columns)
    }
    return pd.DataFrame(data, columns=columns)


# --------------------------------------------------------------------------- scoring


def _scaler_from_artifacts(artifacts: pd.DataFrame) -> pd.DataFrame:
    scaling = artifacts[artifacts["artifact"] == "scaling"]
    if scaling.empty:
        raise ValueError("artifacts contain no 'scaling' rows")
    rows = []
    for feature, group in scaling.groupby("feature_name", sort=True):
        params = dict(zip(group["parameter_name"], group["numeric_value"], strict=True))
        texts = dict(zip(group["parameter_name"], group["text_value"], strict=True))
        rows.append(
            {
                "feature_name": str(feature),
                "transform": str(texts["transform"]),
                "fill_value": float(params["fill_value"]),
                "center": float(params["center"]),
                "scale": float(params["scale"]),
                "feature_order": int(params["feature_order"]),
            }
        )
    return _ordered_scaler(pd.DataFrame(rows, columns=list(SCALER_COLUMNS)))


def assign_clusters(df: pd.DataFrame, artifacts: pd.DataFrame) -> pd.Series:
    """Assign each row of df (buyers) to the cluster of its nearest centroid in z space.

    Reference implementation of the SQL scoring: z = (transform(coalesce(x, fill_value)) -
    center) / scale per feature, then the smallest squared Euclidean distance to centroid_z
    (ties to the lower centroid_id), and the cluster that centroid was merged into. Returns an
    Int64 Series named cluster_id aligned with df's index.
    """
    scaler = _scaler_from_artifacts(artifacts)
    centroids = centroid_frame(artifacts, scaler["feature_name"])
    if centroids.empty:
        raise ValueError("artifacts contain no 'centroid' rows")
    centroid_rows = artifacts[artifacts["artifact"] == "centroid"]
    cluster_of = centroid_rows.drop_duplicates("centroid_id").set_index("centroid_id")["cluster_id"]
    Z = apply_scaler(df, scaler)
    distances = np.column_stack([((Z - c) ** 2).sum(axis=1) for c in centroids.to_numpy()])
    nearest = centroids.index.to_numpy(dtype="int64")[np.argmin(distances, axis=1)]
    ids = cluster_of.loc[nearest].to_numpy(dtype="int64")
    return pd.Series(pd.array(ids, dtype="Int64"), index=df.index, name="cluster_id")
