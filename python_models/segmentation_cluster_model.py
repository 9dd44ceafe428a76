"""The clustering definitions, versioned: a registry of fitted definitions and of every build's
refit check (segmentation.definitions).

Incremental and never dropped by --full-refresh (full_refresh=False): each build replaces the
rows of its own check month (the as-of month end, delete+insert), reads the definitions stored
before it, and appends either a new definition (when the refit policy refits and the refit
differs from the stored one) or only its check rows (decision, reason, drift). A rerun in the
same month therefore writes the same rows. The fit itself is segmentation.clustering on
int_cluster_training_sample (a bounded sample of buyers); features, transforms, naming words and
traits come from seeds/cluster_feature_catalog.csv.
"""

from segmentation.clustering import FEATURE_TEXT_KEYS
from segmentation.definitions import registry_inputs, version_definition
from segmentation.frames import to_pandas


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key="check_month_end",
        full_refresh=False,
        on_schema_change="fail",
    )
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
    stored, replaced, request = registry_inputs(
        dbt,
        session,
        to_pandas(dbt.ref("int_cluster_refit_request")),
        dbt.config.get("refit"),
        dbt.config.get("refit_interval_months"),
    )
    request.update(
        {
            "psi_threshold": float(dbt.config.get("drift_psi_threshold")),
            "reassigned_threshold": float(dbt.config.get("drift_reassigned_share")),
            "match_max_distance": float(dbt.config.get("cluster_match_max_distance")),
        }
    )
    return version_definition(sample[["customer_id", *features]], config, stored, request, replaced)
