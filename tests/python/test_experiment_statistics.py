"""Experiment statistics: the SQL macros (rendered from macros/measurement/ as they are, run in
DuckDB) agree with the Python reference and scipy, find a planted effect, and with no effect
their 95% intervals cover zero at the nominal rate across many generated data sets."""

from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from segmentation.experiments import difference_of_means, difference_of_proportions

MACROS = Path(__file__).resolve().parents[2] / "macros" / "measurement"
FILES = ["segmentation_two_sided_p_value.sql", "segmentation_experiment_statistics.sql"]


def run_statistics(groups: pd.DataFrame) -> pd.DataFrame:
    """Run the macros' SQL on a frame of group moments (treated/control mean, variance, n)."""
    source = "\n".join((MACROS / name).read_text() for name in FILES)
    module = jinja2.Environment().from_string(source).module
    errors = str(module.segmentation_difference_and_error("m"))
    tests = str(module.segmentation_interval_and_test("m"))
    connection = duckdb.connect()
    connection.register("groups", groups)
    return connection.execute(
        f"with errors as (select *, {errors} from groups) select *, {tests} from errors"
    ).df()


def proportion_groups(rng: np.random.Generator, seeds: int, n: int, p_t: float, p_c: float):
    successes_t = rng.binomial(n, p_t, size=seeds)
    successes_c = rng.binomial(n, p_c, size=seeds)
    mean_t, mean_c = successes_t / n, successes_c / n
    return pd.DataFrame(
        {
            "treated_m_mean": mean_t,
            "control_m_mean": mean_c,
            "treated_m_variance": mean_t * (1 - mean_t),
            "control_m_variance": mean_c * (1 - mean_c),
            "treated_n": n,
            "control_n": n,
        }
    )


def revenue_groups(rng: np.random.Generator, seeds: int, n_t: int, n_c: int, lift: float):
    """Revenue per customer: most customers spend nothing, buyers spend a skewed amount."""
    rows = []
    for _ in range(seeds):
        treated = rng.binomial(1, 0.3, n_t) * rng.gamma(2.0, 40.0, n_t) + lift
        control = rng.binomial(1, 0.3, n_c) * rng.gamma(2.0, 40.0, n_c)
        rows.append(
            {
                "treated_m_mean": treated.mean(),
                "control_m_mean": control.mean(),
                "treated_m_variance": treated.var(ddof=1),
                "control_m_variance": control.var(ddof=1),
                "treated_n": n_t,
                "control_n": n_c,
            }
        )
    return pd.DataFrame(rows)


def test_sql_matches_the_python_reference_and_scipy() -> None:
    result = run_statistics(
        pd.DataFrame(
            {
                "treated_m_mean": [0.36, 52.0, 0.5],
                "control_m_mean": [0.30, 47.5, 0.5],
                "treated_m_variance": [0.36 * 0.64, 900.0, 0.25],
                "control_m_variance": [0.30 * 0.70, 1100.0, 0.25],
                "treated_n": [2000, 800, 40],
                "control_n": [220, 90, 40],
            }
        )
    )
    references = [
        difference_of_proportions(720, 2000, 66, 220),
        difference_of_means(52.0, 47.5, 900.0, 1100.0, 800, 90),
        difference_of_proportions(20, 40, 20, 40),
    ]
    for row, reference in zip(result.itertuples(), references, strict=True):
        assert row.m_difference == pytest.approx(reference.difference, abs=1e-12)
        assert row.m_standard_error == pytest.approx(reference.standard_error, rel=1e-12)
        assert row.m_ci_low == pytest.approx(reference.ci_low, abs=1e-6)
        assert row.m_ci_high == pytest.approx(reference.ci_high, abs=1e-6)
        assert row.m_p_value == pytest.approx(reference.p_value, abs=2e-7)
        assert row.m_minimum_detectable_effect == pytest.approx(
            reference.minimum_detectable_effect, rel=1e-6
        )
    # 6 points on 2000 vs 220 customers: sqrt(.36 x .64 / 2000 + .3 x .7 / 220) = 3.27 points
    assert result.m_standard_error[0] == pytest.approx(0.032707, abs=1e-6)
    assert result.m_p_value[2] == pytest.approx(1.0, abs=2e-7)


def test_p_value_approximation_is_within_2e7_of_the_normal_distribution() -> None:
    z = np.linspace(-6, 6, 241)
    frame = pd.DataFrame(
        {
            "treated_m_mean": z,
            "control_m_mean": 0.0,
            "treated_m_variance": 1.0,
            "control_m_variance": 0.0,
            "treated_n": 1,
            "control_n": 1,
        }
    )
    # standard error sqrt(4 / 4 + 0 / 4) = 1, so the statistic is z itself
    frame["treated_n"], frame["control_n"], frame["treated_m_variance"] = 4, 4, 4.0
    result = run_statistics(frame)
    expected = 2 * norm.sf(np.abs(z))
    assert np.max(np.abs(result.m_p_value.to_numpy() - expected)) < 2e-7


def test_a_planted_effect_is_found() -> None:
    rng = np.random.default_rng(7)
    result = run_statistics(proportion_groups(rng, seeds=200, n=2000, p_t=0.36, p_c=0.30))
    found = (result.m_ci_low > 0).mean()
    covered = ((result.m_ci_low <= 0.06) & (result.m_ci_high >= 0.06)).mean()
    assert found >= 0.95  # power at 6 points and n = 2000 per group is about 0.98
    assert 0.92 <= covered <= 0.98
    revenue = run_statistics(revenue_groups(rng, seeds=200, n_t=3000, n_c=3000, lift=6.0))
    assert (revenue.m_ci_low > 0).mean() >= 0.9


@pytest.mark.parametrize(
    ("kind", "n_t", "n_c"),
    [("proportion", 500, 500), ("proportion", 1800, 200), ("revenue", 900, 100)],
)
def test_with_no_effect_intervals_cover_zero_at_the_nominal_rate(
    kind: str, n_t: int, n_c: int
) -> None:
    rng = np.random.default_rng(2026)
    seeds = 2000
    if kind == "proportion":
        successes_t = rng.binomial(n_t, 0.3, size=seeds)
        successes_c = rng.binomial(n_c, 0.3, size=seeds)
        groups = pd.DataFrame(
            {
                "treated_m_mean": successes_t / n_t,
                "control_m_mean": successes_c / n_c,
                "treated_m_variance": successes_t / n_t * (1 - successes_t / n_t),
                "control_m_variance": successes_c / n_c * (1 - successes_c / n_c),
                "treated_n": n_t,
                "control_n": n_c,
            }
        )
    else:
        groups = revenue_groups(rng, seeds=seeds, n_t=n_t, n_c=n_c, lift=0.0)
    result = run_statistics(groups)
    coverage = ((result.m_ci_low <= 0) & (result.m_ci_high >= 0)).mean()
    # 2000 data sets: the coverage of a 95% interval is 0.95 +- 0.005 (one standard error)
    assert 0.935 <= coverage <= 0.965, coverage
    # and p-values are uniform: about 5% below 0.05
    assert 0.035 <= (result.m_p_value < 0.05).mean() <= 0.065


def test_demo_pathways_excluding_zero_are_no_more_than_chance(demo_warehouse) -> None:
    """Nothing is sent on the demo: every readable pathway is an A/A comparison, so the number
    whose 95% interval excludes zero must stay within the 95th percentile of Binomial(k, 0.05)."""
    from scipy.stats import binom

    rows = demo_warehouse.frame(
        """
        select
            pathway_id,
            comparison_basis,
            is_too_small_to_read,
            purchase_rate_ci_low > 0 or purchase_rate_ci_high < 0 as purchase_excludes_zero,
            revenue_per_customer_ci_low > 0 or revenue_per_customer_ci_high < 0
                as revenue_excludes_zero,
            treated_customers,
            control_customers
        from main_marts.fct_action_experiments
        """
    )
    assert set(rows.comparison_basis) == {"would_have_been_sent"}
    readable = rows[~rows.is_too_small_to_read]
    assert len(readable) >= 3, rows
    allowed = binom.ppf(0.95, len(readable), 0.05)
    for column in ["purchase_excludes_zero", "revenue_excludes_zero"]:
        assert readable[column].sum() <= allowed, readable
    # per customer, not per customer-month: a customer is counted once per pathway
    counts = demo_warehouse.query(
        """
        select sum(treated_customers + control_customers),
            (select count(*) from (select distinct customer_id, pathway_id
             from main_intermediate.int_action_outcomes))
        from main_marts.fct_action_experiments
        """
    )[0]
    assert counts[0] == counts[1]
