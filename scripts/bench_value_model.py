"""Benchmark the customer-value fit and scoring at scale (issue: 1M customers in under a minute).

Simulates customers from known BG/NBD and Gamma-Gamma parameters (whole days, as the warehouse
summarises them), then times what the warehouse does: collapse to distinct summaries, fit both
models, and score every distinct summary. Prints wall time, peak memory and the recovered
parameters. Usage: python scripts/bench_value_model.py --customers 1000000 [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
import pandas as pd

TRUE_BGNBD = {"r": 0.8, "alpha": 40.0, "a": 0.6, "b": 2.5}
TRUE_GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "v": 15.0}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))

    from threadpoolctl import threadpool_limits

    from segmentation.clv import (
        collapse_summary,
        fit_value_models,
        score_purchase_summaries,
        simulate_bgnbd,
        simulate_gamma_gamma,
    )

    rng = np.random.default_rng(args.seed)
    age = rng.integers(30, 1096, args.customers).astype(float)
    started = time.perf_counter()
    customers = simulate_bgnbd(args.customers, **TRUE_BGNBD, T=age, seed=args.seed)
    customers["recency"] = np.floor(customers["recency"])  # whole days, like the warehouse
    customers["monetary_value"] = np.round(
        simulate_gamma_gamma(customers["frequency"], **TRUE_GAMMA_GAMMA, seed=args.seed + 1), 2
    )
    customers.loc[customers["frequency"] == 0, "monetary_value"] = np.nan
    simulated = time.perf_counter() - started

    with threadpool_limits(limits=args.threads):
        started = time.perf_counter()
        summary = collapse_summary(
            customers, ("frequency", "recency", "T", "monetary_value")
        )  # what int_value_model_training_summary does in SQL
        collapsed = time.perf_counter() - started
        started = time.perf_counter()
        params = fit_value_models(summary, {"time_unit": "day", "penalizer": 0.0})
        fitted = time.perf_counter() - started
        inputs = (
            customers[["frequency", "recency", "T"]]
            .drop_duplicates()
            .rename(columns={"recency": "recency_days", "T": "age_days"})
            .assign(horizon_days=365)
        )
        started = time.perf_counter()
        scored = pd.concat(
            score_purchase_summaries(inputs.iloc[i : i + 200_000], params)
            for i in range(0, len(inputs), 200_000)
        )
        scoring = time.perf_counter() - started

    values = params.set_index(["model", "parameter_name"])["parameter_value"]
    print(f"customers                 {args.customers:>12,}")
    print(f"distinct fit rows         {len(summary):>12,}")
    print(f"distinct scored summaries {len(scored):>12,}")
    print(f"simulate (not timed work) {simulated:>11.1f}s")
    print(f"collapse                  {collapsed:>11.1f}s")
    print(f"fit BG/NBD + Gamma-Gamma  {fitted:>11.1f}s")
    print(f"score                     {scoring:>11.1f}s")
    print(f"fit + score               {fitted + scoring:>11.1f}s")
    print(f"peak memory               {peak_rss_mb():>10.0f} MB")
    for model, truth in (("bg_nbd", TRUE_BGNBD), ("gamma_gamma", TRUE_GAMMA_GAMMA)):
        for name, true_value in truth.items():
            fitted_value = values[(model, name)]
            error = fitted_value / true_value - 1
            print(
                f"{model:>11} {name:<6} true {true_value:8.3f} fitted {fitted_value:8.3f} "
                f"({error:+.1%})"
            )


if __name__ == "__main__":
    main()
