"""`python -m segmentation.mf ...`: MetricFlow's `mf` command without its version check.

The `mf` CLI of dbt-metricflow asks PyPI for a newer release on every run; the project pins its
dependencies and nothing reaches the network at run time, so this entry point switches that
check off and is otherwise `mf` itself (same commands and options).
"""

from __future__ import annotations

import update_checker


def _no_update_check(self: object, *args: object, **kwargs: object) -> None:
    return None


def main() -> None:
    """Run the `mf` command line with the update check disabled."""
    update_checker.UpdateChecker.check = _no_update_check
    from dbt_metricflow.cli.main import cli

    cli()


if __name__ == "__main__":
    main()
