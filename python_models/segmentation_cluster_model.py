"""Fit the behavioural clustering on a bounded sample; return its parameters as one long table.

Thin on purpose: the maths lives in segmentation.clustering (unit-tested). Every customer and
every history period is assigned to its nearest centroid later, in SQL
(int_customer_clusters_monthly), from the scaling and centroid rows this model writes.
"""

from segmentation.clustering import fit_segmentation_model
from segmentation.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    catalog = to_pandas(dbt.ref("cluster_feature_catalog"))
    transforms = dict(zip(catalog["feature_name"], catalog["transform"], strict=True))
    features = dbt.config.get("cluster_features").split(",")
    config = {
        "features": [{"name": name, "transform": transforms[name]} for name in features],
        "k_min": int(dbt.config.get("k_min")),
        "k_max": int(dbt.config.get("k_max")),
        "min_segment_share": float(dbt.config.get("min_segment_share")),
        "max_training_rows": int(dbt.config.get("max_training_rows")),
        "seed": int(dbt.config.get("seed")),
        "silhouette_sample_size": int(dbt.config.get("silhouette_sample_size")),
        "n_init": int(dbt.config.get("n_init")),
        "stability_resamples": int(dbt.config.get("stability_resamples")),
        "value_feature": "monetary" if "monetary" in features else features[0],
    }
    sample = to_pandas(dbt.ref("int_cluster_training_sample"), max_rows=config["max_training_rows"])
    return fit_segmentation_model(sample[["customer_id", *features]], config)
