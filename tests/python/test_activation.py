"""Activation: the trigger grammar rejects anything but whitelisted pieces, and the activation
list, playbook and control group in the demo warehouse hold what they promise."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import DbtResult, run_dbt

CONTROL_SHARE = 0.1  # segmentation__control_group_share in dbt_project.yml


@pytest.fixture(scope="module")
def operation_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One work dir for every run-operation, so that dbt parses the project once."""
    return tmp_path_factory.mktemp("trigger_grammar")


def compile_trigger(workdir: Path, trigger: str, pathway_id: str = "bad_pathway") -> DbtResult:
    arguments = json.dumps({"pathway_id": pathway_id, "trigger_expression": trigger})
    return run_dbt(workdir, "run-operation", "segmentation_print_trigger", "--args", arguments)


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [
        (
            "recency_days > 1; drop table x",
            'value "1; drop table x" of recency_days is not a number',
        ),
        ("recency_days > 30 or 1 = 1", 'value "30 or 1 = 1" of recency_days is not a number'),
        ("days_since_signup > 30", 'unknown feature "days_since_signup"'),
        ("orders_last_90_days => 2", 'unknown operator "=>"'),
        ("orders_last_90_days ~ 2", 'unknown operator "~"'),
        ("email_open_rate < abc", 'value "abc" of email_open_rate is not a number'),
        ("previous_segment = 'Loyal' or true", "must be a segment name in single quotes"),
        ("previous_segment > 'Loyal'", 'unknown operator ">" after "previous_segment"'),
        ("recency_days", 'missing operator after "recency_days"'),
        ("", "the trigger is empty"),
    ],
)
def test_invalid_trigger_is_rejected_with_a_clear_message(
    operation_dir: Path, trigger: str, expected: str
) -> None:
    result = compile_trigger(operation_dir, trigger)
    assert result.returncode != 0, result.output[-3000:]
    assert "Invalid trigger of migration pathway 'bad_pathway'" in result.output
    assert expected in result.output, result.output[-3000:]
    assert "Allowed features: " in result.output and "recency_days" in result.output
    assert "Allowed operators: < <= > >= = !=" in result.output


def test_unsafe_pathway_id_is_rejected(operation_dir: Path) -> None:
    result = compile_trigger(operation_dir, "recency_days > 1", pathway_id="x'; drop table y")
    assert result.returncode != 0
    assert "Invalid migration pathway id" in result.output


def test_valid_trigger_compiles_to_whitelisted_sql(operation_dir: Path) -> None:
    result = compile_trigger(
        operation_dir,
        "recency_days >= 30 and email_open_rate < 0.2 and previous_segment != 'Can''t Lose Them'",
        pathway_id="good_pathway",
    )
    assert result.returncode == 0, result.output[-3000:]
    assert (
        "((recency_days >= 30) and (email_open_rate < 0.2) "
        "and (previous_segment <> 'Can''t Lose Them'))"
    ) in result.output


def test_control_flag_is_the_documented_portable_hash(demo_warehouse: DbtResult) -> None:
    rows = demo_warehouse.query(
        "select customer_id, pathway_id, control_bucket, is_control "
        "from main_marts.fct_customer_actions"
    )
    assert len(rows) > 500
    for customer_id, pathway_id, bucket, is_control in rows:
        digest = hashlib.md5(str(customer_id).encode()).hexdigest()
        expected = int(digest[:6], 16) / 16**6
        assert bucket == pytest.approx(expected, abs=1e-12), (customer_id, pathway_id)
        assert is_control == (expected < CONTROL_SHARE), (customer_id, pathway_id)


def test_control_share_is_close_to_the_setting(demo_warehouse: DbtResult) -> None:
    pairs, share = demo_warehouse.query(
        """
        select count(*), avg(case when is_control then 1.0 else 0.0 end)
        from (
            select distinct customer_id, is_control
            from main_intermediate.int_customer_actions_monthly
        )
        """
    )[0]
    assert pairs >= 1000
    assert abs(share - CONTROL_SHARE) <= 0.03


def test_actions_fire_only_for_customers_in_the_from_segment(demo_warehouse: DbtResult) -> None:
    wrong = demo_warehouse.query(
        """
        select actions.customer_id, actions.pathway_id
        from main_marts.fct_customer_actions as actions
        inner join main_marts.dim_customers as customers
            on actions.customer_id = customers.customer_id
        where
            (actions.segmentation = 'rfm' and customers.rfm_segment <> actions.from_segment)
            or (
                actions.segmentation = 'value_tier'
                and customers.value_tier <> actions.from_segment
            )
        """
    )
    assert wrong == []


def test_every_current_segment_has_a_playbook(demo_warehouse: DbtResult) -> None:
    missing = demo_warehouse.query(
        """
        select segments.segmentation, segments.segment
        from main_marts.dim_segments as segments
        left join main_marts.dim_segment_playbook as playbook
            on
                segments.segmentation = playbook.segmentation
                and segments.segment = playbook.segment
        where playbook.objective is null
        """
    )
    assert missing == []
