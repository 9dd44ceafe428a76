"""Customer value models: the public names of `segmentation.value`, kept importable from here.

The models live one per module in `segmentation.value` (the pymc-marketing layout):
`beta_geo` (BG/NBD), `modified_beta_geo` (MBG/NBD), `gamma_gamma`, `simple` (the fallback
estimates), `fitting` (fit, detect degenerate estimates, choose), `scoring` and `summary`.
"""

from segmentation.value.beta_geo import (
    _bgnbd_loglik,
    _expected_given_alive,
    bgnbd_expected_purchases,
    bgnbd_log_likelihood,
    bgnbd_probability_alive,
    fit_bgnbd,
    simulate_bgnbd,
)
from segmentation.value.fitting import (
    FIT_TABLE_COLUMNS,
    chosen_params,
    fit_value_model_periods,
    fit_value_models,
    holdout_error,
    validate_config,
)
from segmentation.value.gamma_gamma import (
    _gamma_gamma_loglik,
    fit_gamma_gamma,
    gamma_gamma_expected_value,
    gamma_gamma_log_likelihood,
    simulate_gamma_gamma,
)
from segmentation.value.modified_beta_geo import (
    _mbgnbd_loglik,
    fit_mbgnbd,
    mbgnbd_expected_purchases,
    mbgnbd_log_likelihood,
    mbgnbd_probability_alive,
    simulate_mbgnbd,
)
from segmentation.value.scoring import (
    SCORE_COLUMNS,
    discounted_purchases,
    expected_order_value,
    score_customers,
    score_purchase_summaries,
)
from segmentation.value.utils import (
    BGNBD_COLUMNS,
    BGNBD_MODEL,
    BGNBD_PARAMS,
    GAMMA_GAMMA_COLUMNS,
    GAMMA_GAMMA_MODEL,
    GAMMA_GAMMA_PARAMS,
    MBGNBD_MODEL,
    SUMMARY_COLUMNS,
    collapse_summary,
)

__all__ = [
    "BGNBD_COLUMNS",
    "BGNBD_MODEL",
    "BGNBD_PARAMS",
    "FIT_TABLE_COLUMNS",
    "GAMMA_GAMMA_COLUMNS",
    "GAMMA_GAMMA_MODEL",
    "GAMMA_GAMMA_PARAMS",
    "MBGNBD_MODEL",
    "SCORE_COLUMNS",
    "SUMMARY_COLUMNS",
    "_bgnbd_loglik",
    "_expected_given_alive",
    "_gamma_gamma_loglik",
    "_mbgnbd_loglik",
    "bgnbd_expected_purchases",
    "bgnbd_log_likelihood",
    "bgnbd_probability_alive",
    "chosen_params",
    "collapse_summary",
    "discounted_purchases",
    "expected_order_value",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_mbgnbd",
    "fit_value_model_periods",
    "fit_value_models",
    "gamma_gamma_expected_value",
    "gamma_gamma_log_likelihood",
    "holdout_error",
    "mbgnbd_expected_purchases",
    "mbgnbd_log_likelihood",
    "mbgnbd_probability_alive",
    "score_customers",
    "score_purchase_summaries",
    "simulate_bgnbd",
    "simulate_gamma_gamma",
    "simulate_mbgnbd",
    "validate_config",
]
