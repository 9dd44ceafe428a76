"""The benchmark reports why a dbt run failed and how much DuckDB spilled."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import bench  # noqa: E402

DBT_FAILURE_LOG = """\
\x1b[0m22:21:26  Completed with 2 errors, 0 partial successes, and 0 warnings:
22:21:26
22:21:26  Failure in model int_customer_activity_monthly (models/intermediate/a.sql)
22:21:26    Runtime Error in model int_customer_activity_monthly (models/intermediate/a.sql)
  IO Error: Could not write file "/tmp/x.duckdb.tmp/t-4.tmp": No space left on device
22:21:26
22:21:26  Failure in test unique_fct_x_id (models/marts/_m.yml)
22:21:26    Database Error in test unique_fct_x_id (models/marts/_m.yml)
  Out of Memory Error: could not allocate block of size 256.0 KiB (3.7 GiB/3.7 GiB used)
22:21:26
"""


def test_failure_reason_names_each_failed_node_and_its_error(tmp_path: Path) -> None:
    log = tmp_path / "full.log"
    log.write_text(DBT_FAILURE_LOG)
    assert bench.failure_reason(log) == (
        "; failed: int_customer_activity_monthly: IO Error: Could not write file "
        '"/tmp/x.duckdb.tmp/t-4.tmp": No space left on device'
        "; failed: unique_fct_x_id: Out of Memory Error: could not allocate block of size "
        "256.0 KiB (3.7 GiB/3.7 GiB used)"
    )


def test_failure_reason_is_empty_for_a_clean_log(tmp_path: Path) -> None:
    log = tmp_path / "full.log"
    log.write_text("22:21:26  Done. PASS=269 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=269\n")
    assert bench.failure_reason(log) == ""


def test_directory_size_counts_the_files_of_the_spill_directory(tmp_path: Path) -> None:
    spill = tmp_path / "bench.duckdb.tmp"
    assert bench.directory_size(spill) == 0  # DuckDB creates it only when it spills
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"x" * 1000)
    (spill / "duckdb_temp_storage-1.tmp").write_bytes(b"x" * 24)
    assert bench.directory_size(spill) == 1024


# --- issue 15: the side-by-side figures and the targets, from fake timings ---------------------

import json  # noqa: E402

import pytest  # noqa: E402


def _size(key: str, order_lines: int, **walls: float) -> bench.Size:
    """A size whose runs took the given wall times (a negative one: the run failed)."""
    size = bench.Size(key, order_lines // 14, {"order_items": order_lines, "orders": 7})
    for name, wall in walls.items():
        size.runs[name] = bench.Run(name, wall_s=abs(wall), returncode=1 if wall < 0 else 0)
    return size


def _verdicts(targets: list[bench.Target]) -> dict[str, tuple[str, str]]:
    return {target.name.split(" at ")[0]: (target.shown, target.verdict) for target in targets}


def test_parse_sizes_reads_counts_with_k_and_m() -> None:
    assert bench.parse_sizes("50M,200k,10000000") == [200_000, 10_000_000, 50_000_000]
    assert bench.parse_sizes("1.5M") == [1_500_000]
    with pytest.raises(Exception, match="not a count: 'ten'"):
        bench.parse_sizes("10M,ten")


def test_ratios_at_one_size_are_the_measured_wall_times_divided() -> None:
    size = _size(
        "order-lines=10000000", 10_000_000, full=400, incremental=36, polars=80, pandas=100
    )
    got = _verdicts(bench.size_targets(size))
    assert got == {
        "one-month incremental build / full build": ("9.0%", "PASS"),
        "full build / polars reference": ("5.00x", "PASS"),  # the limit is inclusive
        "full build / pandas baseline": ("4.00x", "-"),  # printed, no target
    }
    size = _size("order-lines=10000000", 10_000_000, full=400, incremental=44, polars=79)
    got = _verdicts(bench.size_targets(size))
    assert got == {
        "one-month incremental build / full build": ("11.0%", "MISS"),
        "full build / polars reference": ("5.06x", "MISS"),
        # pandas was not asked for: no line
    }


def test_a_failed_run_gives_no_ratio() -> None:
    size = _size("customers=10", 140, full=-400, incremental=10, polars=80)
    got = _verdicts(bench.size_targets(size))
    assert got == {
        "one-month incremental build / full build": ("-", "not measured"),
        "full build / polars reference": ("-", "not measured"),
    }


def test_growth_rss_and_spill_targets_at_the_larger_size() -> None:
    small = _size("order-lines=10000000", 10_000_000, full=300)
    large = _size("order-lines=50000000", 50_000_000, full=1_640)
    large.runs["full"].peak_rss, large.runs["full"].peak_spill = 5_900_000_000, 10_500_000_000
    targets = bench.scaling_targets(small, large)
    assert [(t.shown, t.limit, t.verdict) for t in targets] == [
        ("5.47x", pytest.approx(5.5), "PASS"),
        ("5.90 GB (5.49 GiB)", 6.0, "PASS"),
        ("10.50 GB (9.78 GiB)", 10.0, "MISS"),  # GB = 10^9 bytes, not GiB
    ]
    assert targets[0].name == "full build time 50M / 10M (5.00x the order lines)"
    large.runs["full"].wall_s = 1_660
    assert bench.scaling_targets(small, large)[0].verdict == "MISS"
    # an incremental build that ran at the large size counts towards the peaks
    large.runs["incremental"] = bench.Run("incremental", peak_rss=7_000_000_000)
    assert bench.scaling_targets(small, large)[1].verdict == "MISS"
    # no full build at the large size: nothing to judge
    large.runs["full"].returncode = 1
    assert {t.verdict for t in bench.scaling_targets(small, large)} == {"not measured"}


def test_growth_limit_follows_the_measured_order_lines() -> None:
    small = _size("order-lines=200000", 199_131, full=50)
    large = _size("order-lines=400000", 398_262, full=100)  # exactly twice the lines
    growth = bench.scaling_targets(small, large)[0]
    assert growth.limit == pytest.approx(2.2) and growth.measured == pytest.approx(2.0)
    one_size = [target.name for target in bench.all_targets([large])]
    assert not any("full build time" in name for name in one_size)  # one size: no growth
    assert one_size[-2:] == [
        "peak RSS of the dbt builds at 398k order lines",
        "peak spill of the dbt builds at 398k order lines",
    ]


def test_summary_blocks_are_replaced_by_key_and_nothing_else_moves(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(f"# B\n\nintro\n\n{bench.SUMMARIES}\n\n## Older\n\nkept\n")
    bench.write_summary(path, "order-lines=200000", "first")
    bench.write_summary(path, "order-lines=10000000+order-lines=50000000", "to be measured")
    bench.write_summary(path, "order-lines=200000", "second")
    text = path.read_text()
    assert "first" not in text and text.count("second") == 1
    assert text.index("to be measured") < text.index("second") < text.index("## Older")
    assert text.startswith("# B\n\nintro\n") and text.endswith("## Older\n\nkept\n")
    assert "\n\n\n" not in text


def test_tests_share_is_of_the_summed_node_time_and_unknown_without_tests() -> None:
    run = bench.Run("full", totals={"model": 60.0, "seed": 10.0, "test": 30.0})
    assert run.tests_share() == pytest.approx(0.3)
    assert bench.Run("incremental-prep", totals={"model": 60.0}).tests_share() is None
    assert bench.Run("timed out").tests_share() is None


class FakeProcesses:
    """Stands in for bench.timed: records each command and returns planned figures, writing the
    log and (for dbt) the run_results.json that the real processes would."""

    def __init__(self, walls: dict[str, float]) -> None:
        self.walls = walls
        self.commands: list[tuple[str, list[str], dict[str, str]]] = []

    def __call__(self, name, command, env, log, timeout, spill_dir=None) -> bench.Run:
        self.commands.append((name, command, env))
        log.write_text("rows (customer x month): 1\ntimings: total 1.0s\n")
        lines = 50 if "c3586801" in str(log) or "c3586801" in " ".join(command) else 10
        if "--target-path" in command:
            target = Path(command[command.index("--target-path") + 1])
            target.mkdir(parents=True, exist_ok=True)
            results = [
                {"unique_id": f"model.p.m{i}", "execution_time": float(i)} for i in range(1, 13)
            ] + [{"unique_id": "test.p.t", "execution_time": 26.0}]  # 78 s of models
            (target / "run_results.json").write_text(json.dumps({"results": results}))
        wall = self.walls[name] * (5.2 if lines == 50 else 1.0)
        return bench.Run(name, wall_s=wall, peak_rss=3 * 2**30, peak_spill=2**30)


def _fake_data(args, customers):
    counts = {"order_items": round(customers * 13.94), "orders": customers}
    return Path(f"/data/c{customers}"), counts, None


def test_one_run_of_two_sizes_prints_every_target_from_the_measured_figures(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    fake = FakeProcesses({"full": 400, "incremental-prep": 390, "incremental": 30, "pandas": 100})
    fake.walls["polars"] = 160
    monkeypatch.setattr(bench, "timed", fake)
    monkeypatch.setattr(bench, "ensure_data", _fake_data)
    markdown = tmp_path / "BENCHMARKS.md"
    markdown.write_text(
        f"# B\n\n{bench.SUMMARIES}\n\n<!-- bench:summary:order-lines=10000000+order-lines=50000000"
        ":begin -->\nto be measured\n<!-- bench:summary:order-lines=10000000+order-lines=50000000"
        ":end -->\n\n## Older\n"
    )
    argv = ["--order-lines", "50M,10M", "--workdir", str(tmp_path), "--dbt-threads", "1"]
    assert bench.main([*argv, "--write-markdown", str(markdown)]) == 0
    out = capsys.readouterr().out

    # the runs, in order: full build, then the incremental pair from an empty file; the
    # references on the same files; at 50M the full build only
    names = [name for name, _, _ in fake.commands]
    assert names == ["full", "incremental-prep", "incremental", "pandas", "polars", "full"]
    prep = fake.commands[1][1]
    assert "segmentation__as_of_date: '2026-09-30'" in " ".join(prep)
    assert prep[1] == "build" and "test" in prep  # set-up: models and seeds, no tests
    assert "segmentation__as_of_date" not in " ".join(fake.commands[2][1])
    assert fake.commands[4][1][2] == "segmentation.polars_reference"
    assert fake.commands[4][2]["POLARS_MAX_THREADS"] == "2"
    assert all("/data/c717360" in " ".join(cmd) for _, cmd, _ in fake.commands[:5])

    def line(text: str) -> str:
        return next(row for row in out.splitlines() if text in row)

    assert "7.5%" in line("incremental build / full build at 10M")
    assert line("incremental build / full build at 10M").endswith("PASS")
    assert "2.50x" in line("full build / polars reference at 10M")
    assert "4.00x" in line("full build / pandas baseline at 10M")
    growth = line("full build time 50M / 10M")
    assert "5.20x" in growth and growth.endswith("PASS")
    assert "3.22 GB (3.00 GiB)" in line("peak RSS of the dbt builds at 50M")
    assert line("peak spill of the dbt builds at 50M").endswith("PASS")
    # the slowest ten models and the tests' share (26 of 104 s of summed node time)
    assert "tests' share 25.0%" in out
    assert "12.0 s  m12" in out and "3.0 s  m3" in out and " s  m2\n" not in out

    text = markdown.read_text()
    assert "to be measured" not in text and text.index("## Older") > text.index("polars reference")
    block = text.split("order-lines=50000000:begin -->")[1]
    assert "| full build / polars reference at 10M order lines | 2.50x | <= 5x" in block
    assert "DuckDB threads 2, memory_limit 4GB; dbt threads 1" in block
    assert "| 9,999,998 | 717,360 | incremental | ok | 30.0 | 3.00 | 1.00 | 25.0% |" in block

    # a later run of the large size alone, compared with the saved 10M figures
    saved = tmp_path / "results" / "order-lines=10000000_t2_d1_4GB.json"
    assert bench.Size.from_dict(json.loads(saved.read_text())).runs["incremental"].wall_s == 30
    fake.commands.clear()
    argv = ["--order-lines", "50M", "--runs", "full", "--workdir", str(tmp_path)]
    assert bench.main([*argv, "--dbt-threads", "1", "--compare-with", str(saved)]) == 0
    assert [name for name, _, _ in fake.commands] == ["full"]
    assert "5.20x" in capsys.readouterr().out.split("full build time 50M / 10M")[1].splitlines()[0]
