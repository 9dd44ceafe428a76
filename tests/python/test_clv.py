"""Tests for segmentation.clv: BG/NBD and Gamma-Gamma customer value models."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.optimize import check_grad
from scipy.special import betaln, hyp2f1

from segmentation import clv
from segmentation.clv import (
    bgnbd_expected_purchases,
    bgnbd_log_likelihood,
    bgnbd_probability_alive,
    chosen_params,
    collapse_summary,
    discounted_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_value_models,
    gamma_gamma_expected_value,
    gamma_gamma_log_likelihood,
    score_customers,
    simulate_bgnbd,
    simulate_gamma_gamma,
    validate_config,
)

# Known parameters in days: the CDNOW estimates (FHL 2005; r=0.243, alpha=4.414 weeks, a=0.793,
# b=2.426) rounded, with alpha converted to days (lambda per day = lambda per week / 7).
TRUE_BGNBD = {"r": 0.25, "alpha": 28.0, "a": 0.8, "b": 2.5}
TRUE_GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "v": 15.0}
CDNOW_WEEKS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CONFIG = {"time_unit": "day", "penalizer": 0.0}
# Parameter recovery: 40,000 customers with ages uniform on 30..730 days. At this size the
# asymptotic standard errors (inverse observed information, measured once for this design)
# are about 1.5% (r), 2.5% (alpha), 4% (a) and 5% (b) for BG/NBD, and 4% (p), 1.6% (q) and 5%
# (v) for Gamma-Gamma on the ~18,500 customers with repeat purchases. 15% is therefore at
# least 3 standard errors for every parameter.
RECOVERY_CUSTOMERS = 40_000
RECOVERY_TOLERANCE = 0.15


def _ages(n: int, seed: int, low: float = 30.0, high: float = 730.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, n)


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    """Summaries of 40,000 simulated customers with a simulated next year of purchases."""
    n = RECOVERY_CUSTOMERS
    frame = simulate_bgnbd(n, **TRUE_BGNBD, T=_ages(n, 11), seed=12, horizon=365.0)
    frame["monetary_value"] = simulate_gamma_gamma(frame["frequency"], **TRUE_GAMMA_GAMMA, seed=13)
    return frame


@pytest.fixture(scope="module")
def daily_summary() -> pd.DataFrame:
    """5,000 customers in whole days (as SQL computes them), spend in cents, with ids."""
    n = 5_000
    ages = np.random.default_rng(21).integers(1, 731, n).astype(float)
    frame = simulate_bgnbd(n, **TRUE_BGNBD, T=ages, seed=22).drop(columns="alive")
    frame["recency"] = np.floor(frame["recency"])
    spend = simulate_gamma_gamma(frame["frequency"], **TRUE_GAMMA_GAMMA, seed=23)
    frame["monetary_value"] = np.where(frame["frequency"] > 0, np.round(spend, 0), np.nan)
    return frame


# --------------------------------------------------------------------------- references


def paper_bgnbd_likelihood(params: dict[str, float], x: int, t_x: float, T: float) -> float:
    """FHL 2005 eq. 6 evaluated literally (no logs), one customer at a time."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))

    def beta(u: float, v: float) -> float:
        return math.gamma(u) * math.gamma(v) / math.gamma(u + v)

    common = math.gamma(r + x) * alpha**r / math.gamma(r)
    value = beta(a, b + x) / beta(a, b) * common / (alpha + T) ** (r + x)
    if x > 0:
        value += beta(a + 1, b + x - 1) / beta(a, b) * common / (alpha + t_x) ** (r + x)
    return value


def paper_gamma_gamma_log_density(params: dict[str, float], x: int, m: float) -> float:
    """Log of the Gamma-Gamma density of a mean spend m over x orders (FHL 2005 RFM/CLV)."""
    p, q, v = (params[k] for k in ("p", "q", "v"))
    return (
        math.lgamma(p * x + q)
        - math.lgamma(p * x)
        - math.lgamma(q)
        + q * math.log(v)
        + (p * x - 1) * math.log(m)
        + p * x * math.log(x)
        - (p * x + q) * math.log(v + x * m)
    )


def integral_expected_purchases(
    params: dict[str, float], t: float, x: int, t_x: float, T: float
) -> float:
    """E[Y(t) | x, t_x, T] by numerical integration over the posterior, independent of 2F1.

    Given alive at T, lambda ~ Gamma(r + x, alpha + T) and p ~ Beta(a, b + x) a posteriori and
    E[Y(t) | lambda, p, alive] = (1 - exp(-lambda p t)) / p; integrating lambda out leaves
    P(alive) * E_p[(1 - (1 + p t / (alpha + T))^-(r + x)) / p].
    """
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    s = t / (alpha + T)

    def integrand(p: float) -> float:
        return -math.expm1(-(r + x) * math.log1p(p * s)) / p if p > 0 else (r + x) * s

    value, _ = integrate.quad(
        integrand, 0, 1, weight="alg", wvar=(a - 1, b + x - 1), epsabs=0, epsrel=1e-11, limit=200
    )
    alive = 1.0
    if x > 0:
        alive = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    return alive * value * math.exp(-betaln(a, b + x))


def textbook_expected_purchases(
    params: dict[str, float], t: float, x: int, t_x: float, T: float
) -> float:
    """FHL 2005 eq. 10 with scipy's hyp2f1 on the untransformed parameters."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    with np.errstate(all="ignore"):
        hyper = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        term = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyper)
        odds = a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x) if x > 0 else 0.0
        alive = 1 / (1 + odds)
    return float(alive * term)


# --------------------------------------------------------------------------- likelihoods


def test_bgnbd_log_likelihood_matches_the_paper_formula_customer_by_customer() -> None:
    sample = simulate_bgnbd(300, **CDNOW_WEEKS, T=_ages(300, 3, 27.0, 39.0), seed=4)
    assert sample["frequency"].max() <= 60  # small enough for the literal formula
    ours = bgnbd_log_likelihood(CDNOW_WEEKS, sample["frequency"], sample["recency"], sample["T"])
    reference = [
        math.log(paper_bgnbd_likelihood(CDNOW_WEEKS, int(x), t_x, T))
        for x, t_x, T in zip(sample["frequency"], sample["recency"], sample["T"], strict=True)
    ]
    np.testing.assert_allclose(ours, reference, rtol=1e-11, atol=1e-11)


def test_fitted_log_likelihood_is_a_maximum_of_the_paper_likelihood() -> None:
    sample = simulate_bgnbd(2_000, **CDNOW_WEEKS, T=_ages(2_000, 5, 27.0, 39.0), seed=6)
    fit = fit_bgnbd(sample["frequency"], sample["recency"], sample["T"])
    assert fit["converged"]

    def paper_total(params: dict[str, float]) -> float:
        return sum(
            math.log(paper_bgnbd_likelihood(params, int(x), t_x, T))
            for x, t_x, T in zip(sample["frequency"], sample["recency"], sample["T"], strict=True)
        )

    best = {k: fit[k] for k in clv.BGNBD_PARAMS}
    assert fit["log_likelihood"] == pytest.approx(paper_total(best), rel=1e-12)
    for name in clv.BGNBD_PARAMS:
        for factor in (0.99, 1.01):
            assert paper_total({**best, name: best[name] * factor}) < fit["log_likelihood"]


def test_gamma_gamma_log_likelihood_matches_the_density_formula() -> None:
    x = np.arange(1, 41)
    m = simulate_gamma_gamma(x, **TRUE_GAMMA_GAMMA, seed=8)
    ours = gamma_gamma_log_likelihood(TRUE_GAMMA_GAMMA, x, m)
    reference = [
        paper_gamma_gamma_log_density(TRUE_GAMMA_GAMMA, int(k), v)
        for k, v in zip(x, m, strict=True)
    ]
    np.testing.assert_allclose(ours, reference, rtol=1e-12)


def test_analytic_gradients_match_finite_differences(population: pd.DataFrame) -> None:
    rows = population.head(3_000)
    x, t_x, T = (rows[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    w = np.random.default_rng(0).integers(1, 4, x.size).astype(float)
    theta = np.log([0.4, 20.0, 1.3, 3.0])

    def total(th: np.ndarray) -> float:
        return float(w @ clv._bgnbd_loglik(th, x, t_x, T, w)[0])

    error = check_grad(total, lambda th: clv._bgnbd_loglik(th, x, t_x, T, w)[1], theta)
    assert error < 1e-4 * np.abs(clv._bgnbd_loglik(theta, x, t_x, T, w)[1]).max()

    positive = x > 0
    m = rows["monetary_value"].to_numpy()[positive]
    xg, wg = x[positive], w[positive]
    theta = np.log([3.0, 5.0, 30.0])

    def total_gg(th: np.ndarray) -> float:
        return float(wg @ clv._gamma_gamma_loglik(th, xg, m, wg)[0])

    error = check_grad(total_gg, lambda th: clv._gamma_gamma_loglik(th, xg, m, wg)[1], theta)
    assert error < 1e-4 * np.abs(clv._gamma_gamma_loglik(theta, xg, m, wg)[1]).max()


# --------------------------------------------------------------------------- fits


def test_bgnbd_recovers_known_parameters(population: pd.DataFrame) -> None:
    fit = fit_bgnbd(population["frequency"], population["recency"], population["T"])
    assert fit["converged"]
    assert fit["n_customers"] == RECOVERY_CUSTOMERS
    for name, truth in TRUE_BGNBD.items():
        assert fit[name] == pytest.approx(truth, rel=RECOVERY_TOLERANCE), name


def test_gamma_gamma_recovers_known_parameters(population: pd.DataFrame) -> None:
    fit = fit_gamma_gamma(population["frequency"], population["monetary_value"])
    assert fit["converged"]
    assert fit["n_customers"] == int((population["frequency"] > 0).sum())
    for name, truth in TRUE_GAMMA_GAMMA.items():
        assert fit[name] == pytest.approx(truth, rel=RECOVERY_TOLERANCE), name


def test_fits_are_deterministic(daily_summary: pd.DataFrame) -> None:
    args = (daily_summary["frequency"], daily_summary["recency"], daily_summary["T"])
    assert fit_bgnbd(*args) == fit_bgnbd(*args)
    gg = (daily_summary["frequency"], daily_summary["monetary_value"])
    assert fit_gamma_gamma(*gg) == fit_gamma_gamma(*gg)
    pd.testing.assert_frame_equal(
        fit_value_models(daily_summary, CONFIG), fit_value_models(daily_summary, CONFIG)
    )


def test_collapsed_summary_fits_like_the_expanded_one(daily_summary: pd.DataFrame) -> None:
    collapsed = collapse_summary(daily_summary)
    assert list(collapsed.columns) == ["frequency", "recency", "T", "customers"]
    assert collapsed["customers"].sum() == len(daily_summary)
    assert len(collapsed) < len(daily_summary)
    assert not collapsed.duplicated(["frequency", "recency", "T"]).any()
    expanded = fit_bgnbd(daily_summary["frequency"], daily_summary["recency"], daily_summary["T"])
    weighted = fit_bgnbd(
        collapsed["frequency"], collapsed["recency"], collapsed["T"], weights=collapsed["customers"]
    )
    assert weighted["n_customers"] == expanded["n_customers"] == len(daily_summary)
    assert weighted["log_likelihood"] == pytest.approx(expanded["log_likelihood"], rel=1e-10)
    for name in clv.BGNBD_PARAMS:
        assert weighted[name] == pytest.approx(expanded[name], rel=1e-6), name

    spend = collapse_summary(daily_summary[daily_summary["frequency"] > 0], clv.GAMMA_GAMMA_COLUMNS)
    expanded = fit_gamma_gamma(daily_summary["frequency"], daily_summary["monetary_value"])
    weighted = fit_gamma_gamma(spend["frequency"], spend["monetary_value"], spend["customers"])
    assert weighted["n_customers"] == expanded["n_customers"]
    for name in clv.GAMMA_GAMMA_PARAMS:
        assert weighted[name] == pytest.approx(expanded[name], rel=1e-6), name


def test_collapse_summary_sums_existing_counts() -> None:
    summary = pd.DataFrame(
        {"frequency": [1, 1, 0], "recency": [5.0, 5.0, 0.0], "T": [9.0, 9.0, 3.0]},
    )
    once = collapse_summary(summary)
    twice = collapse_summary(pd.concat([once, once]))
    assert twice.to_dict("list") == {
        "frequency": [0, 1],
        "recency": [0.0, 5.0],
        "T": [3.0, 9.0],
        "customers": [2, 4],
    }


def test_penalizer_shrinks_parameters(daily_summary: pd.DataFrame) -> None:
    args = (daily_summary["frequency"], daily_summary["recency"], daily_summary["T"])
    plain, penalised = fit_bgnbd(*args), fit_bgnbd(*args, penalizer=0.01)
    assert fit_bgnbd(*args, penalizer=0.0) == plain

    def size(fit: dict) -> float:
        return sum(fit[k] ** 2 for k in clv.BGNBD_PARAMS)

    assert size(penalised) < size(plain)
    assert penalised["log_likelihood"] < plain["log_likelihood"]


# --------------------------------------------------------------------------- predictions


def test_probability_alive_follows_the_model_definition() -> None:
    params = TRUE_BGNBD
    # x = 0: a BG/NBD customer can only drop out right after a repeat purchase.
    ages = np.array([0.0, 1.0, 100.0, 2000.0, 1e6])
    np.testing.assert_array_equal(bgnbd_probability_alive(params, 0, 0.0, ages), 1.0)
    # x > 0: the closed form, decreasing in T, increasing in t_x, in (0, 1).
    ages = np.linspace(50.0, 2000.0, 40)
    alive = bgnbd_probability_alive(params, 3, 50.0, ages)
    r, alpha, a, b = params.values()
    expected = 1 / (1 + a / (b + 2) * ((alpha + ages) / (alpha + 50.0)) ** (r + 3))
    np.testing.assert_allclose(alive, expected, rtol=1e-13)
    assert np.all(np.diff(alive) < 0)
    assert np.all((alive > 0) & (alive < 1))
    by_recency = bgnbd_probability_alive(params, 3, np.linspace(0.0, 500.0, 30), 500.0)
    assert np.all(np.diff(by_recency) > 0)
    assert by_recency[-1] == pytest.approx(1 / (1 + a / (b + 2)))


def test_probability_alive_is_calibrated_on_simulated_customers(population: pd.DataFrame) -> None:
    alive = bgnbd_probability_alive(
        TRUE_BGNBD, population["frequency"], population["recency"], population["T"]
    )
    assert alive.mean() == pytest.approx(population["alive"].mean(), abs=0.01)
    for low, high in ((1, 2), (3, 9), (10, 10**9)):
        group = population["frequency"].between(low, high).to_numpy()
        assert alive[group].mean() == pytest.approx(population["alive"][group].mean(), abs=0.03)


def test_expected_purchases_match_simulated_future(population: pd.DataFrame) -> None:
    expected = bgnbd_expected_purchases(
        TRUE_BGNBD, 365.0, population["frequency"], population["recency"], population["T"]
    )
    future = population["future_purchases"].to_numpy()
    assert expected.sum() == pytest.approx(future.sum(), rel=0.05)
    for low, high in ((0, 0), (1, 2), (3, 9), (10, 10**9)):
        group = population["frequency"].between(low, high).to_numpy()
        assert expected[group].sum() == pytest.approx(future[group].sum(), rel=0.08)


def test_expected_purchases_match_posterior_integral() -> None:
    cases = [
        (params, t, x, T)
        for params in (TRUE_BGNBD, CDNOW_WEEKS, {"r": 2.0, "alpha": 4.0, "a": 3.0, "b": 0.7})
        for t in (0.5, 30.0, 365.0, 5000.0)
        for x in (0, 1, 7, 60, 300)
        for T in (10.0, 400.0, 2000.0)
    ]
    for params, t, x, T in cases:
        t_x = 0.0 if x == 0 else 0.6 * T
        ours = float(bgnbd_expected_purchases(params, t, x, t_x, T))
        reference = integral_expected_purchases(params, t, x, t_x, T)
        assert ours == pytest.approx(reference, rel=1e-7), (params, t, x, T)


def test_expected_purchases_stay_finite_where_the_textbook_formula_fails() -> None:
    # scipy's hyp2f1 on the paper's parameters overflows for large x; on the transformed ones
    # it returns NaN for z > 0.9 with a large third parameter (handled by direct summation).
    params = {"r": 2.0, "alpha": 28.0, "a": 3.0, "b": 2.5}
    cases = [(365.0, 300, 1000.0, 2000.0), (5000.0, 300, 300.0, 365.0), (365.0, 300, 8.0, 10.0)]
    textbook_failures = 0
    for t, x, t_x, T in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            textbook = textbook_expected_purchases(params, t, x, t_x, T)
        reference = integral_expected_purchases(params, t, x, t_x, T)
        ours = float(bgnbd_expected_purchases(params, t, x, t_x, T))
        textbook_failures += not math.isclose(textbook, reference, rel_tol=1e-3)  # NaN, inf, wrong
        assert ours == pytest.approx(reference, rel=1e-7), (t, x, t_x, T)
    assert textbook_failures >= 1  # the cases exercise what the textbook formula gets wrong


def test_expected_purchases_when_the_fit_finds_one_dropout_probability_for_all() -> None:
    """A fit on orders-only data found a = 7.3e4, b = 3.2e6 (a Beta(a, b) concentrated at
    p = a / (a + b)): the closed form's 2F1(., a - 1; .) overflowed for every customer and the
    scores fell back to the simple model unseen. The posterior mean over p is finite, and at
    this concentration it is the fixed-p limit
    (1 - ((alpha + T) / (alpha + T + p t))^(r + x)) / p."""
    from segmentation.value.beta_geo import QUADRATURE_ABOVE_A
    from segmentation.value.modified_beta_geo import mbgnbd_expected_purchases

    r, alpha, a, b = 0.9, 40.0, 7.3e4, 3.2e6
    assert a > QUADRATURE_ABOVE_A
    params = {"r": r, "alpha": alpha, "a": a, "b": b}
    x = np.array([0.0, 1.0, 4.0, 30.0, 2.0])
    T = np.array([20.0, 400.0, 700.0, 1500.0, 30.0])
    t_x = np.array([0.0, 100.0, 650.0, 1400.0, 29.0])
    t = 365.0
    with np.errstate(all="ignore"):
        z = t / (alpha + T + t)
        closed_form = hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)
    assert not np.isfinite(closed_form).any()  # what the closed form meets here
    for expected, b_alive in (
        (bgnbd_expected_purchases(params, t, x, t_x, T), b + x),
        (mbgnbd_expected_purchases(params, t, x, t_x, T), b + x + 1.0),
    ):
        p0 = a / (a + b_alive)
        limit = -np.expm1(-(r + x) * np.log1p(p0 * t / (alpha + T))) / p0
        assert np.all(np.isfinite(expected)) and np.all(expected > 0)
        # P(alive) times the given-alive part, which is the limit within 1e-4
        ratio = expected / limit
        assert np.all(ratio <= 1 + 1e-4) and np.all(ratio > 0)
    from segmentation.value.beta_geo import _expected_given_alive

    given_alive = _expected_given_alive(r, alpha, a, b, np.full(x.size, t), x, T)
    p0 = a / (a + b + x)
    limit = -np.expm1(-(r + x) * np.log1p(p0 * t / (alpha + T))) / p0
    np.testing.assert_allclose(given_alive, limit, rtol=1e-4)


def test_the_posterior_quadrature_matches_the_posterior_integral() -> None:
    from segmentation.value.beta_geo import _expected_given_alive_by_quadrature

    for params in (CDNOW_WEEKS, TRUE_BGNBD, {"r": 2.0, "alpha": 4.0, "a": 12.0, "b": 60.0}):
        r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
        for t in (1.0, 52.0, 365.0):
            for x in (0, 3, 40):
                T = 300.0
                ours = float(_expected_given_alive_by_quadrature(r, alpha, a, b, t, x, T))
                # the reference times P(alive) at t_x = T, which is 1 / (1 + a / (b + x - 1))
                reference = integral_expected_purchases(params, t, x, T, T)
                alive = 1.0 if x == 0 else 1 / (1 + a / (b + x - 1))
                assert ours * alive == pytest.approx(reference, rel=1e-5), (params, t, x)


def test_a_customer_scores_the_same_alone_and_in_a_batch() -> None:
    """Scores are a function of the customer's own summary, to the last bit: the warehouse's
    score cache scores only new summaries, so a build of one more month must give the scores a
    full refresh gives. BLAS's g @ w summed a row in an order that depended on the batch size."""
    from segmentation.value.beta_geo import QUADRATURE_ABOVE_A

    params = {"r": 6.4, "alpha": 8600.0, "a": 2.1e6, "b": 1.0e8}
    assert params["a"] > QUADRATURE_ABOVE_A  # the quadrature path, where the batch mattered
    rng = np.random.default_rng(3)
    x = rng.integers(0, 40, 257).astype(float)
    T = rng.integers(30, 6000, 257).astype(float)
    t_x = np.floor(T * rng.uniform(0, 1, 257)) * (x > 0)
    together = bgnbd_expected_purchases(params, 365.0, x, t_x, T)
    for size in (1, 2, 3, 5, 17):
        for start in range(0, 257, 41):
            part = slice(start, start + size)
            alone = bgnbd_expected_purchases(params, 365.0, x[part], t_x[part], T[part])
            assert alone.tolist() == together[part].tolist(), (size, start)


def test_no_nan_or_inf_for_large_frequency_and_age() -> None:
    x = np.array([0, 1, 50, 300, 300, 1000, 300])
    T = np.array([2000.0, 2000.0, 2000.0, 2000.0, 2000.0, 5000.0, 310.0])
    t_x = np.array([0.0, 1.0, 1999.0, 1999.0, 10.0, 4990.0, 309.0])
    for params in (TRUE_BGNBD, {"r": 0.25, "alpha": 28.0, "a": 3.0, "b": 0.7}):
        for t in (1.0, 365.0, 3650.0, 1e5):
            expected = bgnbd_expected_purchases(params, t, x, t_x, T)
            alive = bgnbd_probability_alive(params, x, t_x, T)
            assert np.all(np.isfinite(expected)) and np.all(expected >= 0)
            assert np.all(np.isfinite(alive)) and np.all((alive >= 0) & (alive <= 1))
        assert np.all(np.isfinite(bgnbd_log_likelihood(params, x, t_x, T)))
    value = gamma_gamma_expected_value(TRUE_GAMMA_GAMMA, x, np.full(x.size, 1e5))
    assert np.all(np.isfinite(value))


def test_expected_purchases_grow_with_frequency_and_horizon() -> None:
    x = np.arange(0, 60)
    recent = bgnbd_expected_purchases(TRUE_BGNBD, 365.0, x, np.where(x > 0, 700.0, 0.0), 700.0)
    assert np.all(np.diff(recent) > 0)
    horizons = np.array([0.0, 1.0, 30.0, 365.0, 3650.0])
    by_horizon = bgnbd_expected_purchases(TRUE_BGNBD, horizons, 4, 200.0, 300.0)
    assert by_horizon[0] == 0.0
    assert np.all(np.diff(by_horizon) > 0)


def test_expected_purchases_are_continuous_through_removable_singularities() -> None:
    # a = 1 divides by zero; a + b = 1 with x = 0 is 0 * inf; both are interpolated.
    x, t_x, T = np.array([0, 2, 40]), np.array([0.0, 100.0, 390.0]), np.array([200.0, 200.0, 400.0])
    t_x[1] = 150.0
    for a, b in ((1.0, 2.5), (0.3, 0.7)):
        exact = [
            integral_expected_purchases({**TRUE_BGNBD, "a": a, "b": b}, 180.0, int(k), tx, age)
            for k, tx, age in zip(x, t_x, T, strict=True)
        ]
        for shift in (0.0, 3e-5, -3e-5, 3e-4, -3e-4):
            params = {**TRUE_BGNBD, "a": a + shift, "b": b}
            ours = bgnbd_expected_purchases(params, 180.0, x, t_x, T)
            np.testing.assert_allclose(ours, exact, rtol=1e-3)
        at_point = bgnbd_expected_purchases({**TRUE_BGNBD, "a": a, "b": b}, 180.0, x, t_x, T)
        np.testing.assert_allclose(at_point, exact, rtol=1e-7)


def test_gamma_gamma_expected_value() -> None:
    p, q, v = TRUE_GAMMA_GAMMA.values()
    population_mean = p * v / (q - 1)
    x = np.array([0, 1, 5, 500])
    m = np.array([np.nan, 10.0, 40.0, 40.0])
    value = gamma_gamma_expected_value(TRUE_GAMMA_GAMMA, x, m)
    assert value[0] == pytest.approx(population_mean)
    weight = p * x[1:] / (p * x[1:] + q - 1)
    np.testing.assert_allclose(value[1:], (1 - weight) * population_mean + weight * m[1:])
    assert value[3] == pytest.approx(40.0, rel=0.01)  # many orders: the customer's own mean
    with pytest.raises(ValueError, match="q must be > 1"):
        gamma_gamma_expected_value({"p": 6.0, "q": 0.9, "v": 15.0}, x, m)


def test_discounted_purchases_discount_each_month_at_the_annual_rate() -> None:
    bg = TRUE_BGNBD
    x, t_x, T = np.array([0.0, 3.0, 12.0]), np.array([0.0, 100.0, 300.0]), np.full(3, 320.0)
    month = 365.25 / 12
    horizon = np.full(3, 12 * month)
    undiscounted = discounted_purchases("bg_nbd", bg, horizon, x, t_x, T, 0.0, 1.0)
    np.testing.assert_allclose(undiscounted, bgnbd_expected_purchases(bg, 12 * month, x, t_x, T))
    # Twelve whole months, month k discounted by 1.1^-(k/12).
    cumulative = [bgnbd_expected_purchases(bg, k * month, x, t_x, T) for k in range(13)]
    by_month = sum((cumulative[k] - cumulative[k - 1]) / 1.1 ** (k / 12) for k in range(1, 13))
    discounted = discounted_purchases("bg_nbd", bg, horizon, x, t_x, T, 0.1, 1.0)
    np.testing.assert_allclose(discounted, by_month)
    assert np.all(discounted < undiscounted)
    # a partial last month is discounted by the fraction of the year it ends at
    partial = discounted_purchases("bg_nbd", bg, np.full(3, 1.5 * month), x, t_x, T, 0.1, 1.0)
    first = cumulative[1] / 1.1 ** (1 / 12)
    rest = (bgnbd_expected_purchases(bg, 1.5 * month, x, t_x, T) - cumulative[1]) / 1.1 ** (
        1.5 / 12
    )
    np.testing.assert_allclose(partial, first + rest)
    weekly = discounted_purchases(
        "bg_nbd", {**bg, "alpha": bg["alpha"] / 7}, horizon / 7, x, t_x / 7, T / 7, 0.1, 7.0
    )
    np.testing.assert_allclose(weekly, discounted, rtol=1e-9)


# --------------------------------------------------------------------------- tables


def test_fit_value_models_returns_one_tidy_parameter_table(daily_summary: pd.DataFrame) -> None:
    table = fit_value_models(daily_summary, CONFIG)
    assert list(table.columns) == list(clv.FIT_TABLE_COLUMNS)
    assert table["parameter_value"].dtype == np.float64
    assert table["customers_used"].dtype == np.int64
    assert set(table["time_unit"]) == {"day"}
    assert np.all(np.isfinite(table["parameter_value"]))
    names = table.groupby("model")["parameter_name"].apply(list).to_dict()
    assert names == {
        "bg_nbd": ["r", "alpha", "a", "b", "log_likelihood", "converged"],
        "mbg_nbd": ["r", "alpha", "a", "b", "log_likelihood", "converged"],
        "simple": ["population_rate", "mean_gap", "converged"],
        "gamma_gamma": [
            "p", "q", "v", "log_likelihood", "converged", "frequency_monetary_correlation",
        ],
        "simple_spend": ["population_mean", "converged"],
    }  # fmt: skip
    used = table.groupby("model")["customers_used"].unique().to_dict()
    assert list(used["bg_nbd"]) == [len(daily_summary)]
    assert list(used["gamma_gamma"]) == [int((daily_summary["frequency"] > 0).sum())]
    values = table.set_index(["model", "parameter_name"])["parameter_value"]
    assert values["bg_nbd", "converged"] == values["gamma_gamma", "converged"] == 1.0
    direct = fit_bgnbd(daily_summary["frequency"], daily_summary["recency"], daily_summary["T"])
    for name in clv.BGNBD_PARAMS:
        assert values["bg_nbd", name] == pytest.approx(direct[name], rel=1e-6)
    # simulated from BG/NBD, both models fit; without a holdout the likelihood decides
    chosen = set(table.loc[table["is_chosen"], "model"])
    assert chosen == {"bg_nbd", "gamma_gamma"}, table["choice_reason"].iloc[0]
    assert table["choice_reason"].iloc[0].startswith("bg_nbd: higher log-likelihood")
    assert set(table["fit_status"]) == {"ok"}
    purchase, bg, spend, gg, unit = chosen_params(table)
    assert (purchase, spend, unit) == ("bg_nbd", "gamma_gamma", "day")
    assert list(bg) == list(clv.BGNBD_PARAMS) and list(gg) == ["p", "q", "v"]


def test_fit_value_models_in_weeks_rescales_alpha_only(daily_summary: pd.DataFrame) -> None:
    days = fit_value_models(daily_summary, CONFIG).set_index(["model", "parameter_name"])
    weeks = fit_value_models(daily_summary, {**CONFIG, "time_unit": "week"})
    assert set(weeks["time_unit"]) == {"week"}
    weeks = weeks.set_index(["model", "parameter_name"])
    day, week = days["parameter_value"], weeks["parameter_value"]
    assert week["bg_nbd", "alpha"] == pytest.approx(day["bg_nbd", "alpha"] / 7, rel=1e-5)
    for name in ("r", "a", "b"):
        assert week["bg_nbd", name] == pytest.approx(day["bg_nbd", name], rel=1e-5)
    for name in clv.GAMMA_GAMMA_PARAMS:
        assert week["gamma_gamma", name] == day["gamma_gamma", name]


def test_fit_value_models_accepts_a_collapsed_summary(daily_summary: pd.DataFrame) -> None:
    collapsed = (
        daily_summary.fillna({"monetary_value": -1.0})
        .groupby(list(clv.SUMMARY_COLUMNS), as_index=False)
        .size()
        .rename(columns={"size": "customers"})
    )
    assert len(collapsed) < len(daily_summary)
    expanded = fit_value_models(daily_summary, CONFIG)
    weighted = fit_value_models(collapsed, CONFIG)
    assert weighted["customers_used"].tolist() == expanded["customers_used"].tolist()
    np.testing.assert_allclose(
        weighted["parameter_value"], expanded["parameter_value"], rtol=1e-6, atol=1e-9
    )


def test_score_customers_is_the_reference_for_sql_scoring(daily_summary: pd.DataFrame) -> None:
    table = fit_value_models(daily_summary, CONFIG)
    scores = score_customers(daily_summary, table, horizon=365.0)
    assert list(scores.columns) == ["customer_id", *clv.SCORE_COLUMNS]
    assert scores["customer_id"].tolist() == daily_summary["customer_id"].tolist()
    assert np.all(np.isfinite(scores[list(clv.SCORE_COLUMNS)].to_numpy()))
    _, bg, _, gg, _ = chosen_params(table)
    x, t_x, T = (daily_summary[c] for c in ("frequency", "recency", "T"))
    np.testing.assert_allclose(scores["probability_alive"], bgnbd_probability_alive(bg, x, t_x, T))
    np.testing.assert_allclose(
        scores["expected_orders"], bgnbd_expected_purchases(bg, 365.0, x, t_x, T)
    )
    np.testing.assert_allclose(
        scores["expected_order_value"],
        gamma_gamma_expected_value(gg, x, daily_summary["monetary_value"].fillna(0)),
    )
    np.testing.assert_allclose(
        scores["predicted_revenue"], scores["expected_orders"] * scores["expected_order_value"]
    )
    # no discount and a margin of 1: the value is the revenue
    np.testing.assert_allclose(scores["predicted_value"], scores["predicted_revenue"])
    # A table in weeks scores the same customers (days in, horizon in days) identically.
    weeks = table.copy()
    weeks["time_unit"] = "week"
    is_alpha = weeks["model"].isin(["bg_nbd", "mbg_nbd"]) & (weeks["parameter_name"] == "alpha")
    weeks.loc[is_alpha, "parameter_value"] /= 7
    weeks = weeks[weeks["model"] != "simple"]  # not chosen, and its rate is per day
    pd.testing.assert_frame_equal(score_customers(daily_summary, weeks, horizon=365.0), scores)
    money = score_customers(
        daily_summary, table, horizon=365.0, annual_discount_rate=0.1, margin=0.3
    )
    np.testing.assert_allclose(money["predicted_revenue"], scores["predicted_revenue"])
    assert np.all(money["predicted_value"] < 0.3 * scores["predicted_revenue"] + 1e-12)
    assert np.all(money["predicted_value"] > 0.3 * scores["predicted_revenue"] / 1.1 - 1e-12)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"penalizer": 0.0}, r"missing key\(s\) \['time_unit'\]"),
        ({"time_unit": "day"}, r"missing key\(s\) \['penalizer'\]"),
        ({**CONFIG, "horizon": 365}, r"unknown key\(s\) \['horizon'\]"),
        ({**CONFIG, "time_unit": "month"}, r"config\['time_unit'\]"),
        ({**CONFIG, "penalizer": -0.1}, r"config\['penalizer'\]"),
        ({**CONFIG, "penalizer": True}, r"config\['penalizer'\]"),
        ({**CONFIG, "penalizer": float("nan")}, r"config\['penalizer'\]"),
        ({**CONFIG, "penalizer": "0.1"}, r"config\['penalizer'\]"),
    ],
)
def test_bad_config_names_the_key(config: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_config(config)
    with pytest.raises(ValueError, match=message):
        fit_value_models(pd.DataFrame(columns=list(clv.SUMMARY_COLUMNS)), config)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"frequency": [-1, 2, 0]}, "whole numbers >= 0"),
        ({"frequency": [1.5, 2, 0]}, "whole numbers >= 0"),
        ({"recency": [11.0, 4.0, 0.0]}, "recency must be <= T"),
        ({"recency": [-1.0, 4.0, 0.0]}, "recency must be >= 0"),
        ({"recency": [3.0, 4.0, 6.0]}, "not the time since the last purchase"),
        ({"T": [10.0, np.nan, 7.0]}, "T must contain only finite values"),
        ({"monetary_value": [20.0, np.nan, np.nan]}, "finite where frequency > 0"),
        ({"monetary_value": [20.0, 0.0, np.nan]}, "> 0 where frequency > 0"),
    ],
)
def test_bad_summary_is_rejected(change: dict, message: str) -> None:
    summary = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "frequency": [1, 2, 0],
            "recency": [3.0, 4.0, 0.0],
            "T": [10.0, 8.0, 7.0],
            "monetary_value": [20.0, 30.0, np.nan],
        }
    ).assign(**change)
    with pytest.raises(ValueError, match=message):
        fit_value_models(summary, CONFIG)


def test_missing_columns_and_degenerate_data_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"missing column\(s\) \['monetary_value'\]"):
        fit_value_models(pd.DataFrame(columns=["frequency", "recency", "T"]), CONFIG)
    with pytest.raises(ValueError, match="at least one customer with a repeat purchase"):
        fit_bgnbd([0, 0], [0.0, 0.0], [5.0, 9.0])
    with pytest.raises(ValueError, match="one value per row"):
        fit_bgnbd([1, 0], [2.0, 0.0], [5.0, 9.0], weights=[1.0])
    with pytest.raises(ValueError, match="frequency > 0"):
        fit_gamma_gamma([0, 0], [np.nan, np.nan])
    with pytest.raises(ValueError, match="params are missing 'b'"):
        bgnbd_probability_alive({"r": 1.0, "alpha": 1.0, "a": 1.0}, 1, 1.0, 2.0)


def test_simulators_are_reproducible_and_consistent() -> None:
    first = simulate_bgnbd(2_000, **TRUE_BGNBD, T=_ages(2_000, 1), seed=2, horizon=30.0)
    again = simulate_bgnbd(2_000, **TRUE_BGNBD, T=_ages(2_000, 1), seed=2, horizon=30.0)
    pd.testing.assert_frame_equal(first, again)
    assert (first["recency"] <= first["T"]).all()
    assert (first.loc[first["frequency"] == 0, "recency"] == 0).all()
    assert (first.loc[first["frequency"] > 0, "recency"] > 0).all()
    assert first.loc[~first["alive"], "future_purchases"].eq(0).all()
    assert first.loc[first["frequency"] == 0, "alive"].all()
    spend = simulate_gamma_gamma(first["frequency"], **TRUE_GAMMA_GAMMA, seed=3)
    np.testing.assert_array_equal(spend, simulate_gamma_gamma(first["frequency"], 6, 4, 15, 3))
    assert np.all(spend[first["frequency"] > 0] > 0)
    assert np.all(spend[first["frequency"] == 0] == 0)
