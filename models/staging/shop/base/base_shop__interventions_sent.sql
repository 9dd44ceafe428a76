-- Every raw row of interventions_sent (what was really sent, per customer and pathway), typed,
-- with the reason it is quarantined (null when valid). Columns, types, required flags and key:
-- the source contract (segmentation_source_contract); a pathway that is not in the
-- migration_pathways seed is quarantined as unknown_pathway_id.
{{ segmentation_checked_source(
    source('shop', 'interventions_sent'),
    'interventions_sent',
    checks=[
        ['sent_at < ' ~ segmentation_valid_window_start(), 'sent_at_before_data_window'],
        ['sent_at >= ' ~ segmentation_valid_window_end(), 'sent_at_after_data_window'],
        ['pathway_id not in (select known.pathway_id from ' ~ ref('migration_pathways') ~ ' as known)', 'unknown_pathway_id'],
    ],
) }}
