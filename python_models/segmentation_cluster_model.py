"""Fit the behavioural clustering on a bounded sample of buyers; return its parameters as one table.

Thin on purpose: the maths lives in segmentation.clustering (unit-tested). Every customer and
every history period is assigned to its nearest centroid later, in SQL
(int_customer_clusters_monthly), from the scaling and centroid rows this model writes. The
features, their transforms and their naming words and traits come from the feature catalog seed
(seeds/cluster_feature_catalog.csv), the only list of them.
"""

from segmentation.clustering import FEATURE_TEXT_KEYS, fit_segmentation_model
from segmentation.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    catalog = to_pandas(dbt.ref("cluster_feature_catalog")).set_index("feature_name")
    features = dbt.config.get("cluster_features").split(",")
    specs = []
    for name in features:
        entry = catalog.loc[name]
        text = {key: entry[key] for key in FEATURE_TEXT_KEYS if isinstance(entry[key], str)}
        specs.append({"name": name, "transform": entry["transform"], **text})
    sample = to_pandas(
        dbt.ref("int_cluster_training_sample"), max_rows=int(dbt.config.get("max_training_rows"))
    )
    config = {
        "features": specs,
        "k_min": int(dbt.config.get("k_min")),
        "k_max": int(dbt.config.get("k_max")),
        "min_segment_share": float(dbt.config.get("min_segment_share")),
        "max_training_rows": int(dbt.config.get("max_training_rows")),
        "seed": int(dbt.config.get("seed")),
        "silhouette_sample_size": int(dbt.config.get("silhouette_sample_size")),
        "n_init": int(dbt.config.get("n_init")),
        "stability_resamples": int(dbt.config.get("stability_resamples")),
        "value_feature": "monetary" if "monetary" in features else features[0],
        # the buyers' share of all customers: clusters are held to min_segment_share of all
        "population_share": float(sample["buyer_share"].iloc[0]) if len(sample) else 1.0,
        "name_min_customers": int(dbt.config.get("persona_min_customers")),
    }
    return fit_segmentation_model(sample[["customer_id", *features]], config)
