-- The R x F grid of the as-of date: customers with a completed order by recency score and
-- frequency score, with their net revenue and the RFM segment most of them hold. The report's
-- grid chart reads it as is.
with

customers as (
    select * from {{ ref('dim_customers') }}
    where r_score is not null and f_score is not null
),

cell_segments as (
    select
        r_score,
        f_score,
        rfm_segment,
        count(*) as segment_customers
    from customers
    group by r_score, f_score, rfm_segment
),

ranked_cell_segments as (
    select
        r_score,
        f_score,
        rfm_segment,
        row_number() over (
            partition by r_score, f_score order by segment_customers desc, rfm_segment asc
        ) as segment_order
    from cell_segments
),

dominant_segments as (
    select
        r_score,
        f_score,
        rfm_segment as dominant_rfm_segment
    from ranked_cell_segments
    where segment_order = 1
),

cells as (
    select
        r_score,
        f_score,
        cast(count(*) as {{ dbt.type_bigint() }}) as customers,
        sum(monetary_to_date) as net_revenue
    from customers
    group by r_score, f_score
),

grid as (
    select
        -- keys
        cells.r_score,
        cells.f_score,
        -- numerics
        cells.customers,
        cells.customers * 1.0 / sum(cells.customers) over () as customer_share,
        cells.net_revenue,
        -- labels
        dominant_segments.dominant_rfm_segment
    from cells
    inner join dominant_segments
        on cells.r_score = dominant_segments.r_score and cells.f_score = dominant_segments.f_score
)

select * from grid
