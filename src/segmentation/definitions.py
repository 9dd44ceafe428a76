"""Segment definitions as versioned artifacts: the refit policy, drift and stable cluster ids.

A fitted clustering (``segmentation.clustering.fit_segmentation_model``) is a *definition*: it is
stored with a ``definition_version`` and the month end it was fitted on, and reused by later
builds until the refit policy says otherwise (``decide_refit``):

- ``always``: refit on every build; ``never``: fit only when no definition is stored;
- ``auto`` (the default): refit when no definition is stored, on ``--full-refresh``, when the
  settings the fit depends on changed (``config_fingerprint``), when the stored definition is at
  least ``interval_months`` of data time old, or when drift exceeds a bound.

Drift is measured on every build against the stored definition (``measure_drift``):

- the population stability index (PSI) of each clustering feature, the current buyers' shares in
  the fit sample's decile bins (``feature_bins``) against the fit sample's own shares:
  PSI = sum over bins of (actual - expected) * ln(actual / expected) (Siddiqi 2006, *Credit Risk
  Scorecards*, ch. 8; Yurdakul 2018 for its sampling distribution). Below 0.1 is read as stable,
  0.1-0.25 as a moderate shift, above 0.25 as a significant one;
- the reassigned share: k-means refitted at the stored k on today's sample, started from the stored
  centroids, and the share of today's sample whose cluster under that refit differs from its
  cluster under the stored centroids (after matching the refitted centroids to the stored ones).

After a refit, cluster ids stay stable where the segment is the same (``match_clusters``): a new
cluster that holds mostly the same customers as a stored one (Jaccard index of their members in
today's sample above 0.5: MONIC's survival, Spiliopoulou et al. 2006) keeps that id and name; the
other new clusters are matched to the other stored ones by the distance between their mean
profiles, in the new fit's scaled space (Hungarian assignment,
``scipy.optimize.linear_sum_assignment``), and keep the id when the distance is at most
``max_distance``; an unmatched new cluster is *born* with a new id, an unmatched stored cluster is
*retired*, or *merged* when its nearest new cluster carries another stored id.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans

from segmentation.clustering import (
    ARTIFACT_DTYPES,
    _scaler_from_artifacts,
    apply_scaler,
    assign_clusters,
    centroid_frame,
    fit_segmentation_model,
    validate_config,
)
from segmentation.clv import fit_value_model_periods, score_purchase_summaries
from segmentation.value.fitting import PURCHASE_MODELS, SIMPLE_MODEL

REFIT_SETTINGS = ("auto", "always", "never")
N_BINS = 10
PSI_EPSILON = 1e-4
# a feature drifts when its PSI exceeds both the bound and what sampling alone gives 1 time in 100
PSI_FLOOR_QUANTILE = 0.99
PSI_FLOOR_DRAWS = 2000


def config_fingerprint(config: Mapping[str, Any]) -> str:
    """A short stable hash of the settings a clustering fit depends on (features, k bounds,
    shares, seed, sample sizes): a change of any of them invalidates the stored definition."""
    keys = sorted(config)
    payload = json.dumps({key: config[key] for key in keys}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def feature_bins(
    values: pd.DataFrame, features: Sequence[str], n_bins: int = N_BINS
) -> pd.DataFrame:
    """Decile bins of each feature on the fit sample, and the sample's share in each.

    Columns: feature_name, bin (1..), upper_edge (inclusive; NaN for the last, open bin), share.
    Edges are the distinct interior deciles, so a feature with many ties (zeros) has fewer bins;
    nulls count in the first bin's left neighbour as their own bin 0 with upper_edge NaN. A
    feature with one value on the fit sample (every customer signed up the same day, one
    customer) has no spread to compare and no weight in the scaled clustering: it gets one open
    bin, so that only a change in its share of nulls counts (a single edge at that value made any
    later value, such as the same tenure a month older, a shift of every customer: PSI 18.4).
    """
    rows = []
    for feature in features:
        column = pd.to_numeric(values[feature], errors="coerce").astype(float)
        present = column.dropna().to_numpy()
        edges: list[float] = []
        if present.size and present.min() < present.max():
            quantiles = np.quantile(present, np.linspace(0, 1, n_bins + 1)[1:-1])
            edges = sorted({float(q) for q in quantiles})
        shares = _bin_shares(column.to_numpy(), edges)
        for index, share in enumerate(shares):
            upper = edges[index - 1] if 1 <= index <= len(edges) else math.nan
            rows.append((feature, index, upper, share))
    return pd.DataFrame(rows, columns=["feature_name", "bin", "upper_edge", "share"])


def _bin_shares(values: np.ndarray, edges: Sequence[float]) -> list[float]:
    """Shares of ``values`` in bin 0 (null), bins 1..len(edges) (x <= edge) and the open bin."""
    values = np.asarray(values, dtype=float)
    n = values.size
    if n == 0:
        return [0.0] * (len(edges) + 2)
    null = np.isnan(values)
    present = values[~null]
    index = np.searchsorted(np.asarray(edges, dtype=float), present, side="left") + 1
    counts = np.bincount(index, minlength=len(edges) + 2).astype(float)
    counts[0] = null.sum()
    return (counts / n).tolist()


def population_stability(values: pd.DataFrame, bins: pd.DataFrame) -> dict[str, float]:
    """PSI of each binned feature: ``values`` (today's sample) against the stored ``bins``."""
    result = {}
    for feature, feature_rows in bins.groupby("feature_name", sort=True):
        ordered = feature_rows.sort_values("bin")
        edges = [float(e) for e in ordered["upper_edge"].iloc[1:-1]]
        expected = ordered["share"].to_numpy(float)
        if feature not in values.columns:
            continue
        column = pd.to_numeric(values[feature], errors="coerce").to_numpy(float)
        actual = np.asarray(_bin_shares(column, edges))
        result[str(feature)] = psi(expected, actual)
    return result


def psi_sampling_floor(
    shares: Sequence[float],
    reference_size: int,
    today_size: int,
    quantile: float = PSI_FLOOR_QUANTILE,
    draws: int = PSI_FLOOR_DRAWS,
    seed: int = 0,
) -> float:
    """The PSI that sampling alone exceeds with probability 1 - ``quantile`` when nothing changed.

    Two samples of ``reference_size`` and ``today_size`` customers are drawn (multinomial) from
    the same bin ``shares`` and their PSI taken, ``draws`` times, with a fixed seed.
    Asymptotically PSI / (1/M + 1/N) is chi-squared with B - 1 degrees of freedom (Yurdakul
    2018, see DECISIONS.md); the draws are used instead because on small samples empty bins,
    floored at PSI_EPSILON, add about 0.1 ln(1000) each and dominate. With 10 equal bins the
    floor is about 3.4 on 30 customers (against 30), 0.15 on 300 and 0.009 on 5,000, below the
    usual 0.25 bound.
    """
    p = np.asarray(shares, dtype=float)
    p = p[p > 0]
    if p.size <= 1 or reference_size <= 0 or today_size <= 0:
        return 0.0
    p = p / p.sum()
    rng = np.random.default_rng(seed)
    reference = rng.multinomial(int(reference_size), p, size=draws) / float(reference_size)
    today = rng.multinomial(int(today_size), p, size=draws) / float(today_size)
    values = [psi(e, a) for e, a in zip(reference, today, strict=True)]
    return float(np.quantile(values, quantile))


def psi(expected: Sequence[float], actual: Sequence[float], epsilon: float = PSI_EPSILON) -> float:
    """Population stability index of two share vectors over the same bins; empty bins are
    floored at ``epsilon`` so that the logarithm stays finite (bins empty in both add nothing)."""
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if e.shape != a.shape:
        raise ValueError(f"expected and actual have different bins ({e.shape} and {a.shape})")
    both_empty = (e <= 0) & (a <= 0)
    e = np.maximum(e[~both_empty], epsilon)
    a = np.maximum(a[~both_empty], epsilon)
    return float(np.sum((a - e) * np.log(a / e)))


def reassigned_share(X: np.ndarray, centroids: np.ndarray, seed: int, max_iter: int = 300) -> float:
    """Share of the (scaled) rows ``X`` whose cluster changes when k-means is refitted at the same
    k on them, started from the stored ``centroids``: 0 when today's customers still sit around the
    stored centroids, large when the structure moved. Refitted centroids are matched to the stored
    ones (Hungarian, squared distance) before the assignments are compared."""
    X = np.asarray(X, dtype=float)
    centroids = np.asarray(centroids, dtype=float)
    k = centroids.shape[0]
    if X.shape[0] <= k or k < 2:
        return 0.0
    stored = _nearest(X, centroids)
    model = KMeans(n_clusters=k, init=centroids, n_init=1, random_state=seed, max_iter=max_iter)
    model.fit(X)
    cost = ((model.cluster_centers_[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    new_index, old_index = linear_sum_assignment(cost)
    to_old = dict(zip(new_index.tolist(), old_index.tolist(), strict=True))
    refitted = np.array([to_old[label] for label in model.labels_])
    return float(np.mean(refitted != stored))


def _nearest(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    distances = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(distances, axis=1)


def months_between(earlier_month_end: Any, later_month_end: Any) -> int:
    """Whole months from one month end to another (0 for the same month)."""
    a = pd.Timestamp(earlier_month_end)
    b = pd.Timestamp(later_month_end)
    return (b.year - a.year) * 12 + (b.month - a.month)


def decide_refit(
    *,
    setting: str,
    stored: Mapping[str, Any] | None,
    as_of_month_end: Any,
    interval_months: int,
    fingerprint: str,
    full_refresh: bool,
    max_psi: float | None,
    psi_threshold: float,
    reassigned: float | None,
    reassigned_threshold: float,
    settings_label: str = "clustering settings (features, k bounds, shares, seed)",
) -> tuple[bool, str]:
    """Whether to refit, and why (one sentence that names the setting involved).

    ``stored`` is None when no definition is stored, else a mapping with ``definition_version``,
    ``fitted_on_month_end`` and ``config_fingerprint``. ``settings_label`` names the settings the
    fingerprint covers, in the reasons.
    """
    if setting not in REFIT_SETTINGS:
        raise ValueError(
            f"segmentation__refit must be one of {list(REFIT_SETTINGS)}, not {setting!r}"
        )
    if stored is None:
        return True, "first fit: no stored definition"
    version = int(stored["definition_version"])
    if setting == "always":
        return True, "segmentation__refit is always"
    if setting == "never":
        kept = f"definition {version} kept: segmentation__refit is never"
        if stored["config_fingerprint"] != fingerprint:
            kept += f" (the {settings_label} changed since it was fitted; refit to apply them)"
        return False, kept
    if full_refresh:
        return True, "--full-refresh with segmentation__refit auto"
    if stored["config_fingerprint"] != fingerprint:
        return True, f"the {settings_label} changed"
    age = months_between(stored["fitted_on_month_end"], as_of_month_end)
    if age < 0:
        return True, (
            f"the as-of month {pd.Timestamp(as_of_month_end).date()} is before the fit month of "
            f"definition {version}"
        )
    if age >= interval_months:
        return True, (
            f"definition {version} is {age} months old (segmentation__refit_interval_months="
            f"{interval_months})"
        )
    if max_psi is not None and max_psi > psi_threshold:
        return True, (
            f"feature drift: largest PSI {max_psi:.3f} > segmentation__drift_psi_threshold="
            f"{psi_threshold:g}"
        )
    if reassigned is not None and reassigned > reassigned_threshold:
        return True, (
            f"centroid drift: {reassigned:.3f} of customers reassigned by a refit > "
            f"segmentation__drift_reassigned_share={reassigned_threshold:g}"
        )
    return False, f"definition {version} kept: {age} months old, drift within bounds"


def match_clusters(
    stored: Mapping[int, np.ndarray],
    new: Mapping[int, np.ndarray],
    max_distance: float,
    next_id: int,
    jaccard: Mapping[tuple[int, int], float] | None = None,
) -> tuple[dict[int, int], list[tuple[str, int, int | None, str]]]:
    """Map new cluster ids to stable ids; return (mapping, lineage).

    ``stored`` and ``new`` map cluster id to its mean profile in one common scaled space;
    ``jaccard`` (optional) maps (stored id, new id) to the Jaccard index of their members among
    today's customers. A pair above 0.5 holds mostly the same customers, and no cluster can have
    such a pair with two others (the new clusters partition the customers), so it is matched
    first: the segment survived (Spiliopoulou et al. 2006, MONIC, survival at a 0.5 overlap),
    even when the whole population moved (a closed cohort a month older). The other new clusters
    are matched (Hungarian, Euclidean distance) to the other stored ones within
    ``max_distance``. Matched clusters keep the stored id; the others get ids from ``next_id``
    up, in their own id order. Lineage rows are (event, stable id, related id, note) with event
    'kept', 'born', 'retired' or 'merged' (a retired cluster whose nearest new cluster carries
    another stored id: merged into it).
    """
    stored_ids = sorted(stored)
    new_ids = sorted(new)
    mapping: dict[int, int] = {}
    lineage: list[tuple[str, int, int | None, str]] = []
    for (old_id, new_id), value in sorted((jaccard or {}).items()):
        if value > 0.5 and old_id in stored and new_id in new:
            mapping[new_id] = old_id
            lineage.append(("kept", old_id, None, f"the same customers (Jaccard {value:.3f})"))
    rest_old = [i for i in stored_ids if i not in mapping.values()]
    rest_new = [i for i in new_ids if i not in mapping]
    if rest_old and rest_new:
        old_matrix = np.array([stored[i] for i in rest_old], dtype=float)
        new_matrix = np.array([new[i] for i in rest_new], dtype=float)
        distance = np.sqrt(((new_matrix[:, None, :] - old_matrix[None, :, :]) ** 2).sum(axis=2))
        rows, cols = linear_sum_assignment(distance)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if distance[r, c] <= max_distance:
                mapping[rest_new[r]] = rest_old[c]
                lineage.append(
                    ("kept", rest_old[c], None, f"matched at distance {distance[r, c]:.3f}")
                )
    for new_id in new_ids:
        if new_id not in mapping:
            mapping[new_id] = next_id
            lineage.append(("born", next_id, None, "no stored cluster within the match distance"))
            next_id += 1
    kept = set(mapping.values())
    for old_id in stored_ids:
        if old_id in kept:
            continue
        if new_ids:
            old_vector = np.asarray(stored[old_id], dtype=float)
            gaps = [
                float(np.linalg.norm(np.asarray(new[i], dtype=float) - old_vector)) for i in new_ids
            ]
            nearest_new = new_ids[int(np.argmin(gaps))]
            nearest_id = mapping[nearest_new]
            if nearest_id in stored:
                lineage.append(
                    ("merged", old_id, nearest_id, f"nearest new cluster is {nearest_id}")
                )
                continue
        lineage.append(("retired", old_id, None, "no new cluster within the match distance"))
    return mapping, lineage


# --------------------------------------------------------------------------- the registry

# Columns the registry (segmentation_cluster_model) adds to the fit's artifact table.
REGISTRY_COLUMNS = ("check_month_end", "definition_version", "fitted_on_month_end")
# Artifacts of one fit; 'drift_bin', 'definition' and 'lineage' rows are added by the registry,
# 'check' rows on every build.
FIT_ARTIFACTS = ("scaling", "centroid", "cluster", "merge", "k_candidate", "summary")
DEFINITION_ARTIFACTS = (*FIT_ARTIFACTS, "drift_bin", "definition", "lineage")
# the fit settings a stored definition depends on (population_share is data, not a setting)
FINGERPRINT_EXCLUDED = ("population_share",)


def fit_fingerprint(config: Mapping[str, Any]) -> str:
    """``config_fingerprint`` of a clustering config without its data-derived keys."""
    return config_fingerprint(
        {key: value for key, value in config.items() if key not in FINGERPRINT_EXCLUDED}
    )


def _rows(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=list(ARTIFACT_DTYPES))
    return frame.astype(ARTIFACT_DTYPES)


def _latest_definition(stored: pd.DataFrame | None) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    """The rows of the newest stored definition and its metadata (None when none is stored)."""
    if stored is None or stored.empty:
        return pd.DataFrame(), None
    fitted = stored[stored["artifact"] == "definition"]
    if fitted.empty:
        return pd.DataFrame(), None
    checks = stored[stored["artifact"] == "check"]
    if checks.empty:
        version = int(fitted["definition_version"].max())
    else:
        # the definition in force is the one the latest check names (a definition superseded by a
        # rerun of its check month is stored too, and may carry a higher number)
        latest_check = checks[checks["check_month_end"] == checks["check_month_end"].max()]
        version = int(latest_check["definition_version"].iloc[0])
    rows = stored[
        (stored["definition_version"] == version) & stored["artifact"].isin(DEFINITION_ARTIFACTS)
    ]
    meta_rows = rows[rows["artifact"] == "definition"]
    texts = dict(zip(meta_rows["parameter_name"], meta_rows["text_value"], strict=True))
    sample_size = texts.get("fit_sample_customers")
    meta = {
        "definition_version": version,
        "fitted_on_month_end": pd.Timestamp(rows["fitted_on_month_end"].iloc[0]).date(),
        "config_fingerprint": texts.get("config_fingerprint"),
        "features": (texts.get("features") or "").split(","),
        # definitions stored before it was recorded: None (today's sample size stands in)
        "fit_sample_customers": int(sample_size) if sample_size else None,
    }
    return rows, meta


def _bins_frame(rows: pd.DataFrame) -> pd.DataFrame:
    bins = rows[rows["artifact"] == "drift_bin"]
    wide = bins.pivot_table(
        index=["feature_name", "k"],
        columns="parameter_name",
        values="numeric_value",
        aggfunc="first",
        dropna=False,
    ).reset_index()
    # pivot_table with dropna=False spans every (feature, bin) pair: keep the bins each has
    wide = wide[wide["bin_share"].notna()]
    return pd.DataFrame(
        {
            "feature_name": wide["feature_name"].astype(str),
            "bin": wide["k"].astype(int),
            "upper_edge": wide["bin_upper_edge"].astype(float),
            "share": wide["bin_share"].astype(float),
        }
    ).reset_index(drop=True)


def _cluster_profiles(
    rows: pd.DataFrame,
) -> tuple[dict[int, dict[str, float]], int | None, dict[int, str]]:
    """Mean profile (original units) of each non-prospect cluster, the prospects' id, the names."""
    clusters = rows[rows["artifact"] == "cluster"]
    traits = clusters[clusters["parameter_name"] == "defining_trait"]
    prospect_ids = traits.loc[traits["text_value"] == "prospect", "cluster_id"].astype(int).tolist()
    names = clusters[clusters["parameter_name"] == "cluster_name"]
    name_of = dict(
        zip(names["cluster_id"].astype(int), names["text_value"].astype(str), strict=True)
    )
    means = clusters[clusters["parameter_name"] == "profile_mean"]
    profiles: dict[int, dict[str, float]] = {}
    for cluster_id, group in means.groupby("cluster_id"):
        profiles[int(cluster_id)] = dict(
            zip(
                group["feature_name"].astype(str), group["numeric_value"].astype(float), strict=True
            )
        )
    return profiles, (prospect_ids[0] if prospect_ids else None), name_of


# Two fits are the same definition when their numbers agree to this relative tolerance: a refit
# on the same data may differ in the last bits (an optimizer's path, a parallel sum), and a rerun
# must not number the same fit twice.
SAME_FIT_RELATIVE_TOLERANCE = 1e-6


def _same_rows(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> bool:
    """Whether two lists of (key, number) rows hold the same keys, as often, with numbers equal
    within SAME_FIT_RELATIVE_TOLERANCE (None only equal to None)."""

    def grouped(rows: list[tuple[Any, ...]]) -> dict[Any, list[float | None]]:
        groups: dict[Any, list[float | None]] = {}
        for key, number in rows:
            groups.setdefault(key, []).append(number)
        for numbers in groups.values():
            numbers.sort(key=lambda n: (n is None, 0.0 if n is None else n))
        return groups

    left, right = grouped(a), grouped(b)
    if left.keys() != right.keys():
        return False
    for key, numbers in left.items():
        others = right[key]
        if len(numbers) != len(others):
            return False
        for x, y in zip(numbers, others, strict=True):
            if (x is None) != (y is None):
                return False
            if x is not None and not math.isclose(
                x, y, rel_tol=SAME_FIT_RELATIVE_TOLERANCE, abs_tol=1e-12
            ):
                return False
    return True


def _comparable(rows: pd.DataFrame) -> list[tuple[Any, ...]]:
    fitted = rows[rows["artifact"].isin(FIT_ARTIFACTS)]
    result = []
    for r in fitted.itertuples(index=False):
        number = None if pd.isna(r.numeric_value) else float(r.numeric_value)
        key = (
            r.artifact,
            None if pd.isna(r.cluster_id) else int(r.cluster_id),
            None if pd.isna(r.centroid_id) else int(r.centroid_id),
            None if pd.isna(r.k) else int(r.k),
            None if pd.isna(r.feature_name) else str(r.feature_name),
            str(r.parameter_name),
            None if pd.isna(r.text_value) else str(r.text_value),
        )
        result.append((key, number))
    return result


def _same_definition(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two clustering fits' artifacts are the same definition (see _same_rows)."""
    return _same_rows(_comparable(a), _comparable(b))


def _member_jaccard(
    sample: pd.DataFrame, stored: pd.DataFrame, fitted: pd.DataFrame
) -> dict[tuple[int, int], float]:
    """Jaccard index of the members of each (stored cluster, new cluster) pair among today's
    sample: customers in both / customers in either."""
    old = assign_clusters(sample, stored).to_numpy(dtype="int64")
    new = assign_clusters(sample, fitted).to_numpy(dtype="int64")
    pairs = pd.crosstab(old, new)
    old_sizes = pairs.sum(axis=1)
    new_sizes = pairs.sum(axis=0)
    result = {}
    for old_id in pairs.index:
        for new_id in pairs.columns:
            both = int(pairs.at[old_id, new_id])
            if both:
                either = int(old_sizes[old_id] + new_sizes[new_id] - both)
                result[(int(old_id), int(new_id))] = both / either
    return result


def _remap(
    artifacts: pd.DataFrame, mapping: dict[int, int], keep_names: dict[int, str]
) -> pd.DataFrame:
    """Artifacts with stable cluster ids (and stored names where a cluster was kept); the value
    order of this fit stays in a 'cluster_rank' row per cluster."""
    out = artifacts.copy()
    ranks = []
    for fitted_id in sorted(mapping):
        ranks.append(
            {
                "artifact": "cluster",
                "cluster_id": fitted_id,
                "parameter_name": "cluster_rank",
                "numeric_value": float(fitted_id),
            }
        )
    out = pd.concat([out, _rows(ranks).astype(out.dtypes.to_dict())], ignore_index=True)
    out["cluster_id"] = (
        out["cluster_id"]
        .map(lambda value: pd.NA if pd.isna(value) else mapping.get(int(value), int(value)))
        .astype("Int64")
    )

    def renumber(text: Any) -> Any:
        if pd.isna(text):
            return text
        return re.sub(
            r"cluster (\d+)",
            lambda m: f"cluster {mapping.get(int(m.group(1)), int(m.group(1)))}",
            str(text),
        )

    merge_text = out["artifact"].isin(["merge", "summary"])
    out.loc[merge_text, "text_value"] = out.loc[merge_text, "text_value"].map(renumber)
    names = out[(out["artifact"] == "cluster") & (out["parameter_name"] == "cluster_name")]
    for stable_id, name in keep_names.items():
        taken = names[(names["cluster_id"] != stable_id) & (names["text_value"] == name)]
        if len(taken):  # another cluster of this fit carries the name now: names stay unique
            continue
        is_name = (
            (out["artifact"] == "cluster")
            & (out["cluster_id"] == stable_id)
            & (out["parameter_name"] == "cluster_name")
        )
        out.loc[is_name, "text_value"] = name
    return out.astype(artifacts.dtypes.to_dict())


def _registry_versions(*frames: pd.DataFrame | None) -> list[int]:
    return [
        int(v)
        for frame in frames
        if frame is not None and not frame.empty
        for v in frame["definition_version"].dropna().unique()
    ]


def _new_version(
    stored: pd.DataFrame | None,
    replaced: pd.DataFrame | None,
    same_as: Any,
) -> int:
    """The version number of a new definition: the number of the definition fitted in the check
    month being replaced (a rerun) when ``same_as`` its rows, else one past every number stored,
    the replaced rows' included, so that a number always means one definition (a rerun after a
    code change never writes a different definition under a number the history already holds)."""
    fitted_here = _fitted_in_month(replaced)
    for version in sorted(fitted_here["definition_version"].dropna().unique()):
        if same_as(fitted_here[fitted_here["definition_version"] == version]):
            return int(version)
    return max([0, *_registry_versions(stored, replaced)]) + 1


def _fitted_in_month(replaced: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of the replaced check month that record definitions fitted in that month."""
    if replaced is None or replaced.empty:
        return pd.DataFrame(columns=["definition_version"])
    as_of = replaced["check_month_end"].iloc[0]
    return replaced[pd.to_datetime(replaced["fitted_on_month_end"]) == pd.to_datetime(as_of)]


def _fitted_in_replaced(replaced: pd.DataFrame | None, version: int) -> pd.DataFrame:
    """The rows of definition ``version`` when the replaced check month fitted it, else none."""
    fitted_here = _fitted_in_month(replaced)
    return fitted_here[fitted_here["definition_version"] == version]


def _superseded(replaced: pd.DataFrame | None, in_force_version: int) -> pd.DataFrame:
    """The rows of the replaced check month that record definitions fitted in that month other
    than the one now in force: a rerun of the month supersedes them, but the history built with
    them keeps their number, so they are written again (marked superseded where the registry has
    a decision column)."""
    if replaced is None or replaced.empty:
        return pd.DataFrame()
    as_of = pd.to_datetime(replaced["check_month_end"].iloc[0])
    rows = replaced[
        (pd.to_datetime(replaced["fitted_on_month_end"]) == as_of)
        & (replaced["definition_version"] != in_force_version)
    ]
    return rows.reset_index(drop=True)


SUPERSEDED_DECISION = "superseded"


def registry_inputs(
    dbt: Any, session: Any, requested: pd.DataFrame, setting: Any, interval_months: Any
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, dict[str, Any]]:
    """What a registry Python model reads before deciding: the stored rows of other check months,
    the rows of this check month from an earlier build (a rerun; both None on a first build), and
    the refit request common to every registry (setting, as_of_month_end, interval_months,
    full_refresh). ``requested`` is int_cluster_refit_request; the model passes it and its
    settings in, since dbt reads a Python model's refs and config keys from the model's own
    source."""
    row = requested.iloc[0]
    as_of = row["as_of_month_end"]
    stored = replaced = None
    if dbt.is_incremental:
        rows = session.execute(f"select * from {dbt.this}").df()
        this_month = pd.to_datetime(rows["check_month_end"]) == pd.Timestamp(as_of)
        stored = rows[~this_month].reset_index(drop=True)
        replaced = rows[this_month].reset_index(drop=True)
    request = {
        "setting": setting,
        "as_of_month_end": as_of,
        "interval_months": int(interval_months),
        "full_refresh": bool(row["is_full_refresh"]),
    }
    return stored, replaced, request


def version_definition(
    sample: pd.DataFrame,
    config: Mapping[str, Any],
    stored: pd.DataFrame | None,
    request: Mapping[str, Any],
    replaced: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The registry rows one build appends: a new definition when the policy refits (and the refit
    differs from the stored one), and this build's 'check' rows (decision, reason, drift).

    ``sample`` is today's training sample (customer_id and the features), ``config`` the
    clustering config of ``fit_segmentation_model``, ``stored`` the registry rows of earlier
    check months (None on a first or fully refreshed build), ``request`` the policy: setting,
    as_of_month_end, interval_months, full_refresh, psi_threshold, reassigned_threshold,
    match_max_distance; ``replaced`` the rows of this check month written by an earlier build (a
    rerun), whose definitions other than the one in force are written again (``_superseded``).
    Columns: the artifact columns, then REGISTRY_COLUMNS.
    """
    cfg = validate_config(config)
    names = [f["name"] for f in cfg["features"]]
    fingerprint = fit_fingerprint(config)
    as_of = pd.Timestamp(request["as_of_month_end"]).date()
    latest, meta = _latest_definition(stored)
    if meta is not None and request["setting"] == "never" and meta["features"] != names:
        raise ValueError(
            f"segmentation__refit is never, but segmentation__cluster_features "
            f"({','.join(names)}) differ from those of stored definition "
            f"{meta['definition_version']} ({','.join(meta['features'])}): set segmentation__refit "
            "to auto or always to refit, or restore the features"
        )

    drift: dict[str, float] = {}
    floors: dict[str, float] = {}
    reassigned = None
    buyers = sample[names]
    if meta is not None and meta["features"] == names and len(sample):
        stored_bins = _bins_frame(latest)
        drift = population_stability(buyers, stored_bins)
        reference_size = meta["fit_sample_customers"] or len(sample)
        floors = {
            feature: psi_sampling_floor(
                stored_bins.loc[stored_bins["feature_name"] == feature].sort_values("bin")["share"],
                reference_size,
                len(sample),
            )
            for feature in drift
        }
        scaler = _scaler_from_artifacts(latest)
        centroids = centroid_frame(latest, scaler["feature_name"]).to_numpy(dtype=float)
        reassigned = reassigned_share(apply_scaler(sample, scaler), centroids, cfg["seed"])
    # only a feature whose PSI is beyond its sampling floor can count as drift
    beyond_floor = [value for feature, value in drift.items() if value > floors[feature]]
    max_psi = max(beyond_floor) if beyond_floor else None
    refit, reason = decide_refit(
        setting=request["setting"],
        stored=meta,
        as_of_month_end=as_of,
        interval_months=int(request["interval_months"]),
        fingerprint=fingerprint,
        full_refresh=bool(request["full_refresh"]),
        max_psi=max_psi,
        psi_threshold=float(request["psi_threshold"]),
        reassigned=reassigned,
        reassigned_threshold=float(request["reassigned_threshold"]),
    )

    version = meta["definition_version"] if meta else 0
    appended = []
    decision = "kept"
    if refit:
        # a refit auto decides (age, drift) starts k-means from the stored centroids too: one for
        # the definition's age alone re-estimates them (k is chosen afresh on drift); one for
        # drift keeps them when they score as well as a fresh fit. always, --full-refresh and
        # changed settings start afresh
        warm = (
            meta is not None
            and request["setting"] == "auto"
            and not bool(request["full_refresh"])
            and meta["config_fingerprint"] == fingerprint
            and months_between(meta["fitted_on_month_end"], as_of) >= 0
        )
        drifted = (max_psi is not None and max_psi > float(request["psi_threshold"])) or (
            reassigned is not None and reassigned > float(request["reassigned_threshold"])
        )
        artifacts = fit_segmentation_model(
            sample,
            config,
            previous=latest if warm else None,
            scheduled=warm and not drifted,
        )
        lineage: list[tuple[str, int, int | None, str]] = []
        if meta is not None:
            old_profiles, old_prospect, old_names = _cluster_profiles(latest)
            new_profiles, new_prospect, _ = _cluster_profiles(artifacts)
            new_scaler = _scaler_from_artifacts(artifacts)

            def scaled(profiles: dict[int, dict[str, float]]) -> dict[int, np.ndarray]:
                if not profiles:
                    return {}
                ids = sorted(profiles)
                frame = pd.DataFrame([profiles[i] for i in ids])
                matrix = apply_scaler(frame, new_scaler)
                return {i: matrix[n] for n, i in enumerate(ids)}

            ever = stored["cluster_id"].dropna().astype(int)
            next_id = int(ever.max()) + 1 if len(ever) else 1
            jaccard = (
                _member_jaccard(sample, latest, artifacts)
                if meta["features"] == names and len(sample)
                else None
            )
            mapping, lineage = match_clusters(
                scaled({i: p for i, p in old_profiles.items() if i != old_prospect}),
                scaled({i: p for i, p in new_profiles.items() if i != new_prospect}),
                float(request["match_max_distance"]),
                next_id,
                jaccard,
            )
            keep_names = {}
            for event, stable_id, _, _ in lineage:
                if event == "kept" and stable_id in old_names:
                    keep_names[stable_id] = old_names[stable_id]
            if new_prospect is not None:
                if old_prospect is not None:
                    mapping[new_prospect] = old_prospect
                else:
                    mapping[new_prospect] = max([next_id - 1, *mapping.values()]) + 1
            artifacts = _remap(artifacts, mapping, keep_names)
        else:
            ids = sorted(artifacts["cluster_id"].dropna().astype(int).unique())
            artifacts = _remap(artifacts, {i: i for i in ids}, {})
        if meta is not None and _same_definition(artifacts, latest):
            decision = "refit reproduced the stored definition"
            reason = f"{reason}; the refit reproduced definition {version}, which is kept"
        else:
            version = _new_version(
                stored,
                replaced,
                lambda rows: _same_definition(rows[rows["artifact"] != "check"], artifacts),
            )
            decision = "refit"
            bins = feature_bins(sample, names)
            extra = []
            for b in bins.itertuples(index=False):
                extra.append(
                    {
                        "artifact": "drift_bin",
                        "k": int(b.bin),
                        "feature_name": b.feature_name,
                        "parameter_name": "bin_share",
                        "numeric_value": float(b.share),
                    }
                )
                extra.append(
                    {
                        "artifact": "drift_bin",
                        "k": int(b.bin),
                        "feature_name": b.feature_name,
                        "parameter_name": "bin_upper_edge",
                        "numeric_value": None if math.isnan(b.upper_edge) else float(b.upper_edge),
                    }
                )
            for parameter, text in (
                ("config_fingerprint", fingerprint),
                ("features", ",".join(names)),
                ("refit_reason", reason),
                ("fit_sample_customers", str(len(sample))),
            ):
                extra.append(
                    {"artifact": "definition", "parameter_name": parameter, "text_value": text}
                )
            for event, stable_id, related, note in lineage:
                extra.append(
                    {
                        "artifact": "lineage",
                        "cluster_id": stable_id,
                        "parameter_name": event,
                        "numeric_value": None if related is None else float(related),
                        "text_value": note,
                    }
                )
            artifacts = pd.concat([artifacts, _rows(extra)], ignore_index=True)
            artifacts["fitted_on_month_end"] = as_of
            artifacts["definition_version"] = version
            appended.append(artifacts)

    checks: list[dict[str, Any]] = [
        {"artifact": "check", "parameter_name": "decision", "text_value": decision},
        {"artifact": "check", "parameter_name": "reason", "text_value": reason},
        {"artifact": "check", "parameter_name": "refit_setting", "text_value": request["setting"]},
        {
            "artifact": "check",
            "parameter_name": "psi_threshold",
            "numeric_value": float(request["psi_threshold"]),
        },
        {
            "artifact": "check",
            "parameter_name": "reassigned_threshold",
            "numeric_value": float(request["reassigned_threshold"]),
        },
        {
            "artifact": "check",
            "parameter_name": "sample_customers",
            "numeric_value": float(len(sample)),
        },
    ]
    if meta is not None:
        checks.append(
            {
                "artifact": "check",
                "parameter_name": "checked_definition_version",
                "numeric_value": float(meta["definition_version"]),
            }
        )
    if reassigned is not None:
        checks.append(
            {"artifact": "check", "parameter_name": "reassigned_share", "numeric_value": reassigned}
        )
    for feature, value in sorted(drift.items()):
        checks.append(
            {
                "artifact": "check",
                "feature_name": feature,
                "parameter_name": "psi",
                "numeric_value": value,
            }
        )
        checks.append(
            {
                "artifact": "check",
                "feature_name": feature,
                "parameter_name": "psi_sampling_floor",
                "numeric_value": floors[feature],
            }
        )
    check_rows = _rows(checks)
    fitted_on = (
        appended[0]["fitted_on_month_end"].iloc[0] if appended else meta["fitted_on_month_end"]
    )
    check_rows["fitted_on_month_end"] = fitted_on
    check_rows["definition_version"] = version
    appended.append(check_rows)
    superseded = _superseded(replaced, version)
    if not superseded.empty:
        appended.append(superseded[superseded["artifact"] != "check"])
    result = pd.concat(appended, ignore_index=True)
    result["check_month_end"] = as_of
    result["fitted_on_month_end"] = [pd.Timestamp(d).date() for d in result["fitted_on_month_end"]]
    result["definition_version"] = result["definition_version"].astype("int64")
    return result[[*ARTIFACT_DTYPES, *REGISTRY_COLUMNS]]


# --------------------------------------------------------------------------- the value model

# The columns of one value-model fit (segmentation.value.fitting.fit_value_model_periods, plus
# fit_end_date) and what the value registry (value_model_registry) adds to them.
VALUE_FIT_COLUMNS = (
    "fit_period",
    "model",
    "parameter_name",
    "parameter_value",
    "time_unit",
    "customers_used",
    "is_chosen",
    "fit_status",
    "choice_reason",
    "fit_end_date",
)
VALUE_REGISTRY_COLUMNS = (
    "definition_version",
    "fitted_on_month_end",
    "config_fingerprint",
    "check_month_end",
    "checked_definition_version",
    "refit_setting",
    "refit_decision",
    "refit_reason",
    "holdout_error",
    "holdout_error_threshold",
)
VALUE_SETTINGS_LABEL = "value-model settings (penalizer, holdout months, sample size, seed)"


def value_holdout_error(summary: pd.DataFrame, calibration_fit: pd.DataFrame) -> float | None:
    """Relative error |predicted - actual| / actual of the purchase days a stored calibration fit
    predicts for today's holdout: the fit is applied to today's calibration summaries
    (``fit_period`` 'calibration' rows of int_value_model_training_summary, weighted by their
    customer counts) over their holdout days. None when there is no holdout or no purchase in it,
    or when the stored fit cannot score (its chosen model is missing)."""
    rows = summary[(summary["fit_period"] == "calibration") & summary["holdout_days"].notna()]
    if rows.empty or calibration_fit.empty:
        return None
    weights = rows["customers"].to_numpy(float)
    actual = float((rows["holdout_purchases"].to_numpy(float) * weights).sum())
    if actual <= 0:
        return None
    inputs = pd.DataFrame(
        {
            "frequency": rows["frequency"].to_numpy(),
            "recency_days": rows["recency_days"].to_numpy(),
            "age_days": rows["age_days"].to_numpy(),
            "horizon_days": rows["holdout_days"].to_numpy(),
        }
    )
    try:
        scored = score_purchase_summaries(inputs, calibration_fit)
    except ValueError:
        return None
    predicted = float((scored["expected_orders"].to_numpy(float) * weights).sum())
    return abs(predicted - actual) / actual


# The diagnostic row a value fit carries for the holdout-drift check: the calibration fit's own
# value_holdout_error on the holdout it was chosen on, the baseline today's error is compared to.
FIT_HOLDOUT_ERROR = "fit_holdout_error"


def _with_fit_holdout_error(fitted: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """``fitted`` with a FIT_HOLDOUT_ERROR row on the calibration fit's chosen purchase model
    (none when there is no holdout with a purchase in it)."""
    calibration = fitted[fitted["fit_period"] == "calibration"]
    error = value_holdout_error(summary, calibration)
    if error is None or not math.isfinite(error):
        return fitted
    chosen = calibration[
        calibration["is_chosen"] & calibration["model"].isin([*PURCHASE_MODELS, SIMPLE_MODEL])
    ]
    if chosen.empty:
        return fitted
    row = chosen.iloc[[0]].copy()
    row["parameter_name"] = FIT_HOLDOUT_ERROR
    row["parameter_value"] = error
    return pd.concat([fitted, row], ignore_index=True)


def _fit_holdout_error(fits: pd.DataFrame) -> float | None:
    """The FIT_HOLDOUT_ERROR a stored fit carries (None on fits stored before it was kept)."""
    rows = fits[
        (fits["fit_period"] == "calibration") & (fits["parameter_name"] == FIT_HOLDOUT_ERROR)
    ]
    return None if rows.empty else float(rows["parameter_value"].iloc[0])


def _same_value_fit(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two value-model fits are the same definition (see _same_rows)."""

    def rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
        return [
            (
                (r.fit_period, r.model, r.parameter_name, bool(r.is_chosen), str(r.fit_status)),
                None if pd.isna(r.parameter_value) else float(r.parameter_value),
            )
            for r in frame.itertuples(index=False)
        ]

    return _same_rows(rows(a), rows(b))


def version_value_fit(
    summary: pd.DataFrame,
    fit_config: Mapping[str, Any],
    fingerprint_settings: Mapping[str, Any],
    stored: pd.DataFrame | None,
    request: Mapping[str, Any],
    replaced: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The value registry rows of one build: the value-model fit in force after this build's
    check, written for its check month (``request['as_of_month_end']``).

    ``summary`` is int_value_model_training_summary (fit_period, frequency, recency_days,
    age_days, repeat_purchase_day_value, purchase_day_value, holdout_purchases, holdout_days,
    customers, fit_end_date); ``fit_config`` the config of ``fit_value_model_periods``;
    ``fingerprint_settings`` every setting the fit depends on; ``stored`` the registry rows of
    other check months (None on a first build); ``request`` the policy (setting,
    as_of_month_end, interval_months, full_refresh, holdout_error_threshold).

    The fit is refitted by ``decide_refit`` (first fit, always, --full-refresh under auto, changed
    settings, age) or, under auto, when the stored calibration fit's holdout error on today's
    holdout (``value_holdout_error``) exceeds the threshold. Otherwise the stored fit is kept and
    written again for this check month; a refit that reproduces the stored fit keeps its version.
    ``replaced`` holds the rows of this check month from an earlier build (a rerun): a new fit
    takes the number of the one fitted then when equal to it, else a new number, and the fits
    fitted then and no longer in force are written again with refit_decision 'superseded'.
    """
    as_of = pd.Timestamp(request["as_of_month_end"]).date()
    fingerprint = config_fingerprint(dict(fingerprint_settings))
    threshold = float(request["holdout_error_threshold"])
    latest = pd.DataFrame(columns=[*VALUE_FIT_COLUMNS, *VALUE_REGISTRY_COLUMNS])
    meta = None
    if stored is not None:
        stored = stored[stored["refit_decision"] != SUPERSEDED_DECISION]
    if stored is not None and not stored.empty:
        last_check = stored["check_month_end"].max()
        latest = stored[stored["check_month_end"] == last_check]
        meta = {
            "definition_version": int(latest["definition_version"].iloc[0]),
            "fitted_on_month_end": pd.Timestamp(latest["fitted_on_month_end"].iloc[0]).date(),
            "config_fingerprint": str(latest["config_fingerprint"].iloc[0]),
        }
    error = None
    if meta is not None:
        error = value_holdout_error(
            summary, latest[latest["fit_period"] == "calibration"][list(VALUE_FIT_COLUMNS)]
        )
    refit, reason = decide_refit(
        setting=request["setting"],
        stored=meta,
        as_of_month_end=as_of,
        interval_months=int(request["interval_months"]),
        fingerprint=fingerprint,
        full_refresh=bool(request["full_refresh"]),
        max_psi=None,
        psi_threshold=math.inf,
        reassigned=None,
        reassigned_threshold=math.inf,
        settings_label=VALUE_SETTINGS_LABEL,
    )
    baseline = _fit_holdout_error(latest) if meta is not None else None
    # drift is the forecast getting worse than it was on the fit's own holdout: a fit that never
    # validated (off by 0.6 when fitted) is not refitted every month for being off by 0.6
    bound = threshold + (baseline or 0.0)
    if not refit and request["setting"] == "auto" and error is not None and error > bound:
        at_fit = "" if baseline is None else f" (off by {baseline:.3f} on its own holdout)"
        refit, reason = (
            True,
            (
                f"holdout drift: the stored fit's purchase-day forecast is off by {error:.3f}"
                f"{at_fit} > {bound:.3f}, its error at the fit + "
                f"segmentation__drift_value_holdout_error={threshold:g}"
            ),
        )
    version = meta["definition_version"] if meta else 0
    fitted_on = meta["fitted_on_month_end"] if meta else as_of
    stored_fingerprint = meta["config_fingerprint"] if meta else fingerprint
    decision = "kept"
    fits = latest[list(VALUE_FIT_COLUMNS)].copy()
    if refit:
        # the fit is a function of the set of summary rows, not of the order the query gave them
        summary = summary.sort_values(list(summary.columns), kind="stable").reset_index(drop=True)
        renamed = summary.rename(
            columns={
                "recency_days": "recency",
                "age_days": "T",
                "repeat_purchase_day_value": "monetary_value",
                "purchase_day_value": "purchase_value",
            }
        )
        fitted = _with_fit_holdout_error(fit_value_model_periods(renamed, fit_config), summary)
        end_dates = summary.groupby("fit_period")["fit_end_date"].first()
        fitted["fit_end_date"] = [pd.Timestamp(end_dates[p]).date() for p in fitted["fit_period"]]
        if meta is not None and _same_value_fit(fitted, fits):
            decision = "refit reproduced the stored definition"
            reason = f"{reason}; the refit reproduced definition {version}, which is kept"
        else:
            fits = fitted[list(VALUE_FIT_COLUMNS)].copy()
            version = _new_version(stored, replaced, lambda rows: _same_value_fit(rows, fitted))
            earlier = _fitted_in_replaced(replaced, version)
            if not earlier.empty:
                # a rerun that reproduced the fit of its first run writes that fit's numbers,
                # so that a version number always means the same parameters to the last bit
                fits = earlier[list(VALUE_FIT_COLUMNS)].copy()
            decision = "refit"
            fitted_on = as_of
            stored_fingerprint = fingerprint
    fits = fits.reset_index(drop=True)
    fits["fit_end_date"] = [pd.Timestamp(d).date() for d in fits["fit_end_date"]]
    fits["definition_version"] = version
    fits["fitted_on_month_end"] = fitted_on
    fits["config_fingerprint"] = stored_fingerprint
    fits["check_month_end"] = as_of
    fits["checked_definition_version"] = pd.array(
        [meta["definition_version"] if meta else None] * len(fits), dtype="Int64"
    )
    fits["refit_setting"] = request["setting"]
    fits["refit_decision"] = decision
    fits["refit_reason"] = reason
    fits["holdout_error"] = error
    fits["holdout_error_threshold"] = bound
    superseded = _superseded(replaced, version)
    if not superseded.empty:
        superseded = superseded.copy()
        superseded["refit_decision"] = SUPERSEDED_DECISION
        superseded["refit_reason"] = [
            f"definition {v} was superseded by a rerun of check month {as_of} (definition "
            f"{version} is in force); the history built with it keeps its number"
            for v in superseded["definition_version"]
        ]
        superseded["fit_end_date"] = [pd.Timestamp(d).date() for d in superseded["fit_end_date"]]
        fits = pd.concat(
            [fits, superseded[[*VALUE_FIT_COLUMNS, *VALUE_REGISTRY_COLUMNS]]], ignore_index=True
        )
        fits["check_month_end"] = as_of
        fits["fitted_on_month_end"] = [pd.Timestamp(d).date() for d in fits["fitted_on_month_end"]]
        fits["checked_definition_version"] = fits["checked_definition_version"].astype("Int64")
    fits["definition_version"] = fits["definition_version"].astype("int64")
    fits["holdout_error"] = fits["holdout_error"].astype("float64")
    return fits[[*VALUE_FIT_COLUMNS, *VALUE_REGISTRY_COLUMNS]]
