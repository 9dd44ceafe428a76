"""Robust fitting: degenerate estimates detected and replaced, the choice, finite predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation import clv
from segmentation.value import fitting
from segmentation.value.summary import btyd_summary
from segmentation.value.utils import _minimise

CONFIG = {"time_unit": "day", "penalizer": 0.0}
TRUE_MBGNBD = {"r": 0.5, "alpha": 40.0, "a": 0.9, "b": 1.6}


def _summary(frame: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = frame.copy()
    frame["recency"] = np.floor(frame["recency"])
    frame["T"] = np.floor(frame["T"])
    spend = np.round(rng.lognormal(3.5, 0.3, len(frame)), 2)
    frame["monetary_value"] = np.where(frame["frequency"] > 0, spend, np.nan)
    return frame


def _auc(score: np.ndarray, positive: np.ndarray) -> float:
    ranks = pd.Series(score).rank().to_numpy()
    n1, n0 = positive.sum(), (~positive).sum()
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def test_mbgnbd_recovers_known_parameters() -> None:
    ages = np.random.default_rng(3).uniform(30, 730, 30_000)
    frame = clv.simulate_mbgnbd(30_000, **TRUE_MBGNBD, T=ages, seed=4)
    fit = clv.fit_mbgnbd(frame["frequency"], frame["recency"], frame["T"])
    assert fit["converged"], fit
    for name, value in TRUE_MBGNBD.items():
        assert fit[name] == pytest.approx(value, rel=0.15), (name, fit[name])


def test_mbgnbd_one_time_buyers_fade_with_silence() -> None:
    # BG/NBD: every one-time buyer is alive; MBG/NBD: less so the longer ago they bought
    T = np.array([10.0, 100.0, 700.0])
    zeros = np.zeros(3)
    assert np.all(clv.bgnbd_probability_alive(TRUE_MBGNBD, zeros, zeros, T) == 1.0)
    alive = clv.mbgnbd_probability_alive(TRUE_MBGNBD, zeros, zeros, T)
    assert np.all(np.diff(alive) < 0) and alive[-1] < 0.5


def test_mbgnbd_expectation_is_finite_at_extremes() -> None:
    x = np.array([0, 1, 50, 5_000, 100_000], dtype=float)
    T = np.array([1, 5_000, 9_000, 9_125, 9_125], dtype=float)
    tx = np.minimum(T, x * 0.09)
    for params in (TRUE_MBGNBD, {"r": 50.0, "alpha": 0.01, "a": 1.0, "b": 1e5}):
        expected = clv.mbgnbd_expected_purchases(params, 365.0, x, tx, T)
        assert np.all(np.isfinite(expected)) and np.all(expected >= 0), (params, expected)


def test_an_estimate_at_the_bound_is_degenerate() -> None:
    # a likelihood that keeps rising as the parameter goes to 0: the optimiser ends on its bound
    def loglik(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.array([-np.exp(theta[0])]), np.array([-np.exp(theta[0])])

    _, total, reason = _minimise(loglik, np.array([0.0]), np.ones(1), 0.0, ["a"])
    assert np.isfinite(total)
    assert reason is not None and reason.startswith("parameter at its bound: a = 1"), reason


def test_a_degenerate_model_is_replaced_and_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    ages = np.floor(np.random.default_rng(8).uniform(60, 700, 3_000))
    frame = _summary(clv.simulate_bgnbd(3_000, **TRUE_MBGNBD, T=ages, seed=9))
    real_fit = fitting.fit_bgnbd

    def degenerate_fit(*args, **kwargs):
        fit = real_fit(*args, **kwargs)
        return {
            **fit,
            "r": 1e8,
            "converged": False,
            "degenerate_reason": "parameter at its bound: r = 1e+08",
        }

    monkeypatch.setattr(fitting, "fit_bgnbd", degenerate_fit)
    table = clv.fit_value_models(frame, CONFIG)
    status = table.groupby("model")["fit_status"].first()
    assert status["bg_nbd"] == "degenerate: parameter at its bound: r = 1e+08"
    chosen = table.loc[table["is_chosen"], "model"].unique().tolist()
    assert chosen == ["mbg_nbd", "gamma_gamma"]
    assert (
        table["choice_reason"]
        .iloc[0]
        .startswith(
            "mbg_nbd: the only non-degenerate model; bg_nbd degenerate: parameter at its bound"
        )
    )
    # both degenerate: the simple estimate, stated as such
    real_mbg = fitting.fit_mbgnbd
    monkeypatch.setattr(
        fitting,
        "fit_mbgnbd",
        lambda *a, **k: {
            **real_mbg(*a, **k),
            "converged": False,
            "degenerate_reason": "optimiser failed (test)",
        },
    )
    table = clv.fit_value_models(frame, CONFIG)
    assert table.loc[table["is_chosen"], "model"].unique().tolist() == ["simple", "gamma_gamma"]
    assert "simple estimate used" in table["choice_reason"].iloc[0]
    frame["customer_id"] = np.arange(len(frame))
    scores = clv.score_customers(frame, table, 365.0, annual_discount_rate=0.1)
    assert np.all(np.isfinite(scores.drop(columns="customer_id").to_numpy()))


@pytest.mark.parametrize(("a", "b"), [(9.5e-7, 2.0), (1.27e-6, 2.0), (1e-8, 2.0), (0.5, 1e7)])
def test_the_no_dropout_limit_is_used_and_said_so(
    a: float, b: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a -> 0 (or b -> infinity): the dropout probability vanishes and BG/NBD-family models reduce
    # to the NBD (Fader, Hardie & Lee 2005). The cut at 1e-6 made a = 9.5e-7 "degenerate" and
    # 1.27e-6 not, so the calibration and current fits of one data set chose different models;
    # now both sides of the cut are the same usable estimate, reported as such
    ages = np.floor(np.random.default_rng(8).uniform(60, 700, 2_000))
    frame = _summary(clv.simulate_bgnbd(2_000, **TRUE_MBGNBD, T=ages, seed=9))
    real_fit = fitting.fit_mbgnbd
    flagged = "parameter at its bound" if a < 1e-6 or b > 1e6 else None

    def limit_fit(*args, **kwargs):
        fit = real_fit(*args, **kwargs)
        return {**fit, "a": a, "b": b, "converged": flagged is None, "degenerate_reason": flagged}

    monkeypatch.setattr(fitting, "fit_mbgnbd", limit_fit)
    monkeypatch.setattr(  # BG/NBD out of the way: the choice is MBG/NBD's
        fitting,
        "fit_bgnbd",
        lambda *args, **kwargs: {"converged": False, "degenerate_reason": "optimiser failed (t)"},
    )
    table = clv.fit_value_models(frame, CONFIG)
    status = table.groupby("model")["fit_status"].first()
    assert status["mbg_nbd"] == "ok"
    assert set(table.loc[table["is_chosen"], "model"]) == {"mbg_nbd", "gamma_gamma"}
    reason = table["choice_reason"].iloc[0]
    assert reason.startswith("mbg_nbd: the only non-degenerate model"), reason
    assert "mbg_nbd finds no dropout" in reason and "probability alive is about 1" in reason
    # the other limits stay degenerate: a at the upper bound, or r / alpha at a bound
    for bad in ({"a": 1e7}, {"r": 1e-7}, {"alpha": 1e9}):
        fit = {"r": 0.5, "alpha": 3.0, "a": 1e-7, "b": 2.0, **bad}
        fit["degenerate_reason"] = "parameter at its bound: x"
        assert not fitting._no_dropout_limit(fit)
        assert fit["degenerate_reason"] == "parameter at its bound: x"


def test_a_fit_without_dropout_gives_way_to_one_with_dropout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the demo's BG/NBD ends at a = 1e-8: usable (the NBD limit), but it cannot say who is
    # alive, so MBG/NBD is chosen while it is usable and has dropout
    ages = np.floor(np.random.default_rng(8).uniform(60, 700, 2_000))
    frame = _summary(clv.simulate_bgnbd(2_000, **TRUE_MBGNBD, T=ages, seed=9))
    real_fit = fitting.fit_bgnbd

    def no_dropout(*args, **kwargs):
        fit = real_fit(*args, **kwargs)
        return {**fit, "a": 1e-8, "log_likelihood": fit["log_likelihood"] + 50, "converged": False,
                "degenerate_reason": "parameter at its bound: a = 1e-08"}  # fmt: skip

    monkeypatch.setattr(fitting, "fit_bgnbd", no_dropout)
    table = clv.fit_value_models(frame, CONFIG)
    assert table.groupby("model")["fit_status"].first()["bg_nbd"] == "ok"
    assert "mbg_nbd" in set(table.loc[table["is_chosen"], "model"])
    assert (
        table["choice_reason"]
        .iloc[0]
        .startswith(
            "mbg_nbd: bg_nbd finds no dropout (its probability alive would be about 1 for every "
            "customer)"
        )
    )


@pytest.mark.parametrize(("advantage", "chosen"), [(0.5, "mbg_nbd"), (1.5, "bg_nbd")])
def test_mostly_one_time_buyers_prefer_mbgnbd_over_bgnbd(
    advantage: float, chosen: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # most customers without a repeat purchase: BG/NBD would give all of them a probability alive
    # of 1 by construction, so MBG/NBD is chosen while its AIC is within 2 of BG/NBD's (here
    # BG/NBD's log-likelihood is made 0.5 higher, then 1.5: then BG/NBD, with a warning)
    rng = np.random.default_rng(4)
    n = 3_000
    ages = np.floor(rng.uniform(100, 700, n))
    frame = _summary(clv.simulate_mbgnbd(n, r=0.1, alpha=20.0, a=0.8, b=1.5, T=ages, seed=3))
    non_repeaters = (frame["frequency"] == 0).mean()
    assert non_repeaters > 0.5
    real_bg, real_mbg = fitting.fit_bgnbd, fitting.fit_mbgnbd

    def better_bg(*args, **kwargs):
        mbg = real_mbg(*args, **kwargs)
        return {**real_bg(*args, **kwargs), "log_likelihood": mbg["log_likelihood"] + advantage}

    monkeypatch.setattr(fitting, "fit_bgnbd", better_bg)
    table = clv.fit_value_models(frame, CONFIG)
    assert set(table["fit_status"]) == {"ok"}
    assert chosen in set(table.loc[table["is_chosen"], "model"])
    reason = table["choice_reason"].iloc[0]
    if chosen == "mbg_nbd":
        assert reason.startswith(
            f"mbg_nbd: preferred, {non_repeaters:.0%} of customers have no repeat purchase "
            "and bg_nbd gives them a probability alive of 1 by construction (AIC within 2; "
            "log-likelihood "
        ), reason
        frame["customer_id"] = np.arange(n)
        scores = clv.score_customers(frame, table, 365.0)
        one_time = scores.loc[frame["frequency"].to_numpy() == 0, "probability_alive"]
        assert one_time.max() < 0.999 and one_time.std() > 0.01  # it ranks the one-time buyers
    else:
        assert reason.startswith("bg_nbd: higher log-likelihood"), reason
        assert (
            f"warning: bg_nbd gives the {non_repeaters:.0%} of customers without a repeat "
            "purchase a probability alive of 1 by construction"
        ) in reason


def test_one_time_buyers_only_get_the_simple_estimate_not_an_error() -> None:
    T = np.floor(np.random.default_rng(2).uniform(1, 700, 300))
    frame = pd.DataFrame(
        {"customer_id": np.arange(300), "frequency": 0, "recency": 0.0, "T": T}
    ).assign(monetary_value=np.nan, purchase_value=np.linspace(10, 50, 300))
    table = clv.fit_value_models(frame, CONFIG)
    status = table.groupby("model")["fit_status"].first()
    assert (
        status["bg_nbd"] == "degenerate: no customer with a repeat purchase day (BG/NBD needs one)"
    )
    assert (
        status["mbg_nbd"]
        == "degenerate: no customer with a repeat purchase day (MBG/NBD needs one)"
    )
    assert status["gamma_gamma"].startswith("degenerate: no customer with a repeat")
    chosen = set(table.loc[table["is_chosen"], "model"])
    assert chosen == {"simple", "simple_spend"}
    values = table.set_index(["model", "parameter_name"])["parameter_value"]
    assert values["simple_spend", "population_mean"] == pytest.approx(30.0)
    scores = clv.score_customers(frame, table, 365.0)
    assert np.all(np.isfinite(scores.drop(columns="customer_id").to_numpy()))
    assert (scores["predicted_value"] > 0).all()
    # the longer the silence, the lower the probability alive, and a recent buyer is alive
    order = np.argsort(frame["T"].to_numpy())
    assert np.all(np.diff(scores["probability_alive"].to_numpy()[order]) <= 1e-12)
    assert scores.loc[frame["T"].to_numpy() < 30, "probability_alive"].min() > 0.9


def test_the_holdout_error_chooses_the_model_and_the_current_fit_keeps_it() -> None:
    ages = np.floor(np.random.default_rng(5).uniform(60, 700, 6_000))
    frame = clv.simulate_mbgnbd(6_000, **TRUE_MBGNBD, T=ages, seed=6, horizon=365.0)
    frame = _summary(frame).assign(holdout_purchases=frame["future_purchases"], holdout_days=365)
    calibration = frame.assign(fit_period="calibration")
    current = frame.drop(columns=["holdout_purchases", "holdout_days"]).assign(fit_period="current")
    table = clv.fit_value_model_periods(pd.concat([calibration, current]), CONFIG)
    by_period = table.groupby("fit_period")
    reasons = by_period["choice_reason"].first()
    assert reasons["calibration"].startswith("mbg_nbd: lower holdout error by repeat-purchase")
    assert reasons["current"].startswith("mbg_nbd: chosen on the calibration fit")
    errors = table[table["parameter_name"] == "holdout_error"].set_index("model")
    assert errors.loc["mbg_nbd", "parameter_value"] < errors.loc["bg_nbd", "parameter_value"]


def test_holdout_error_counts_every_bucket() -> None:
    x = np.array([0, 0, 1, 1, 9])
    actual = np.array([1.0, 1.0, 2.0, 2.0, 10.0])
    w = np.ones(5)
    # the total is right but buckets 0 and 7+ are off by 2 each way: 4 / 16
    predicted = np.array([2.0, 2.0, 2.0, 2.0, 8.0])
    assert clv.holdout_error(x, predicted, actual, w) == pytest.approx(4 / 16)
    assert clv.holdout_error(x, actual, actual, w) == 0.0


def test_probability_alive_ranks_dropped_out_customers_below_alive_ones() -> None:
    # transactions with known dropout, not drawn from either model: exponential lifetimes
    rng = np.random.default_rng(11)
    rows, alive = [], []
    span = 1095
    for customer in range(3_000):
        first = rng.uniform(0, span * 0.8)
        rate = rng.gamma(2.0, 1 / 60)
        death = first + rng.exponential(400)
        alive.append(death > span)
        t = first
        while t <= min(death, span):
            rows.append((customer, pd.Timestamp("2022-01-01") + pd.Timedelta(days=t), 50.0))
            t += rng.exponential(1 / rate)
    orders = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    summary = btyd_summary(orders, pd.Timestamp("2022-01-01") + pd.Timedelta(days=span))
    summary = summary.rename(
        columns={
            "repeat_purchase_days": "frequency",
            "first_to_last_days": "recency",
            "age_days": "T",
            "repeat_purchase_day_value": "monetary_value",
        }
    )
    table = clv.fit_value_models(summary, CONFIG)
    scores = clv.score_customers(summary, table, 365.0)
    truth = np.asarray(alive)[summary["customer_id"].to_numpy()]
    assert _auc(scores["probability_alive"].to_numpy(), truth) >= 0.8


def test_rows_the_chosen_model_cannot_evaluate_get_the_simple_estimate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ages = np.floor(np.random.default_rng(12).uniform(60, 700, 500))
    frame = _summary(clv.simulate_bgnbd(500, **TRUE_MBGNBD, T=ages, seed=13))
    table = clv.fit_value_models(frame, CONFIG)
    inputs = frame.rename(columns={"recency": "recency_days", "T": "age_days"}).assign(
        horizon_days=365
    )[["frequency", "recency_days", "age_days", "horizon_days"]]
    expected = clv.score_purchase_summaries(inputs, table, 0.1)
    from segmentation.value import scoring

    real = scoring.expected_purchases

    def overflowing(model, params, t, x, tx, age):
        values = np.asarray(real(model, params, t, x, tx, age), dtype=float).copy()
        if model != "simple":
            values[np.asarray(x) > 5] = np.nan
        return values

    monkeypatch.setattr(scoring, "expected_purchases", overflowing)
    scored = clv.score_purchase_summaries(inputs, table, 0.1)
    columns = ["probability_alive", "expected_orders", "discounted_expected_orders"]
    assert np.all(np.isfinite(scored[columns].to_numpy()))
    fine = inputs["frequency"].to_numpy() <= 5
    assert (~fine).any()
    pd.testing.assert_frame_equal(scored[fine], expected[fine])
