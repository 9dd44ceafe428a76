"""Two-sample experiment statistics: the Python reference of the SQL macros in
``macros/measurement/`` (``segmentation_difference_and_error``, ``segmentation_interval_and_test``,
``segmentation_two_sided_p_value``).

The difference of two group means with its unpooled standard error
``sqrt(var_t / n_t + var_c / n_c)`` (Kohavi, Tang & Xu 2020, *Trustworthy Online Controlled
Experiments*, ch. 17-18): for a proportion ``var = p (1 - p)`` (the two-sample z-test), for a mean
the sample variance (Welch's standard error, with the normal reference at experiment sizes). The
95% interval is ``difference +- z_0.975 SE``, the p-value two-sided, and the minimum detectable
effect ``(z_0.975 + z_0.8) SE`` at alpha 0.05 and power 0.8.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import norm

Z_975 = float(norm.ppf(0.975))
Z_80 = float(norm.ppf(0.8))


@dataclass(frozen=True)
class Difference:
    """Treated minus control with its standard error, 95% interval, p-value and MDE."""

    difference: float
    standard_error: float
    ci_low: float
    ci_high: float
    p_value: float
    minimum_detectable_effect: float


def difference_of_means(
    mean_t: float, mean_c: float, var_t: float, var_c: float, n_t: int, n_c: int
) -> Difference:
    """The two-sample comparison of group means given each group's per-customer variance."""
    difference = mean_t - mean_c
    standard_error = (var_t / n_t + var_c / n_c) ** 0.5
    z = difference / standard_error if standard_error > 0 else float("nan")
    return Difference(
        difference=difference,
        standard_error=standard_error,
        ci_low=difference - Z_975 * standard_error,
        ci_high=difference + Z_975 * standard_error,
        p_value=float(2 * norm.sf(abs(z))),
        minimum_detectable_effect=(Z_975 + Z_80) * standard_error,
    )


def difference_of_proportions(successes_t: int, n_t: int, successes_c: int, n_c: int) -> Difference:
    """The two-sample z comparison of two proportions (unpooled standard error)."""
    p_t, p_c = successes_t / n_t, successes_c / n_c
    return difference_of_means(p_t, p_c, p_t * (1 - p_t), p_c * (1 - p_c), n_t, n_c)
