"""Write a persona sentence per segment from what sets it apart (segmentation.personas).

Thin on purpose: reads int_segment_traits (one row per segment and trait: a few hundred rows,
whatever the number of customers) and returns one persona per segmentation and segment.
"""

from segmentation.frames import to_pandas
from segmentation.personas import write_personas


def model(dbt, session):
    dbt.config(materialized="table")
    traits = to_pandas(dbt.ref("int_segment_traits"))
    return write_personas(
        traits,
        int(dbt.config.get("min_customers")),
        min_segment_share=float(dbt.config.get("min_segment_share")),
    )
