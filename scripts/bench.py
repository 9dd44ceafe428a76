"""Benchmark the warehouse at scale: generate demo data, time dbt builds, compare with pandas.

Steps (each a separate process, timed on the wall clock, peak RSS of its whole process tree
sampled with psutil):

1. generate Parquet with ``segmentation.demo_data`` into ``<workdir>/data/c<N>_m<M>_s<seed>``
   (reused when a finished data set for these settings is already there);
2. ``full``: ``dbt build`` (models, seeds and data tests; unit tests excluded, they do not depend
   on the data) from an empty DuckDB file;
3. ``incremental``: the history model back one month (``dbt run --full-refresh`` of
   ``+int_customer_features_monthly`` with ``segmentation__as_of_date`` = the previous month end,
   reported as ``incremental-prep``), then ``dbt build`` with the default as-of date, so the
   incremental history appends one month while every other model is rebuilt as usual;
4. ``pandas``: ``python -m segmentation.baseline`` on the same files.

Usage: ``python scripts/bench.py --customers 100000`` (``make bench`` runs the defaults).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import psutil

from segmentation.publishing import default_build_path

PROJECT_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LINES_PER_CUSTOMER = 13.94  # order_items per customer of the generator (seed 42, 36 months)
MARK_BEGIN, MARK_END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"
MACHINE_BEGIN, MACHINE_END = "<!-- bench:machine:begin -->", "<!-- bench:machine:end -->"
TABLE_HEADER = (
    "| date | customers | order lines | input rows | run | wall s | peak RSS GB "
    "| input rows/s | threads | memory limit | status |\n"
    "|---|---:|---:|---:|---|---:|---:|---:|---:|---|---|"
)


@dataclass
class Run:
    """One timed process: wall time, peak RSS of its tree, exit status, slowest nodes."""

    name: str
    wall_s: float = 0.0
    peak_rss: int = 0
    peak_spill: int = 0
    returncode: int = 0
    timed_out: bool = False
    slowest: list[tuple[str, float]] = field(default_factory=list)
    totals: dict[str, float] = field(default_factory=dict)
    note: str = ""

    @property
    def status(self) -> str:
        if self.timed_out:
            return "timed out"
        return "ok" if self.returncode == 0 else f"failed ({self.returncode})"


def machine() -> dict[str, str]:
    """CPU model, cores, RAM, OS and the versions that matter."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return {
        "CPU": cpu,
        "cores": f"{psutil.cpu_count(logical=False)} physical, {os.cpu_count()} logical",
        "RAM": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "duckdb": version("duckdb"),
        "dbt-core": version("dbt-core"),
        "dbt-duckdb": version("dbt-duckdb"),
        "pandas": version("pandas"),
        "scikit-learn": version("scikit-learn"),
        "load average at start (1, 5, 15 min)": load,
    }


def directory_size(path: Path) -> int:
    """Bytes in the files directly under path (0 when it does not exist)."""
    total = 0
    try:
        for entry in os.scandir(path):
            try:
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                pass
    except OSError:
        pass
    return total


def timed(
    name: str,
    command: list[str],
    env: dict[str, str],
    log: Path,
    timeout: float | None,
    spill_dir: Path | None = None,
):
    """Run command, sampling every 0.2 s the RSS of its process tree and the size of spill_dir
    (DuckDB's temporary directory); output goes to log."""
    result = Run(name)
    began = time.perf_counter()
    with log.open("w") as handle:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=handle, stderr=subprocess.STDOUT
        )
        stop = threading.Event()

        def sample() -> None:
            try:
                parent = psutil.Process(process.pid)
            except psutil.NoSuchProcess:
                return
            while not stop.is_set():
                total = 0
                try:
                    for proc in [parent, *parent.children(recursive=True)]:
                        try:
                            total += proc.memory_info().rss
                        except psutil.NoSuchProcess:
                            pass
                except psutil.NoSuchProcess:
                    break
                result.peak_rss = max(result.peak_rss, total)
                if spill_dir is not None:
                    result.peak_spill = max(result.peak_spill, directory_size(spill_dir))
                stop.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            result.returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            result.timed_out = True
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            result.returncode = process.returncode
        stop.set()
        sampler.join()
    result.wall_s = time.perf_counter() - began
    return result


def log_text(log: Path) -> str:
    """A dbt log without its colour codes."""
    return re.sub(r"\x1b\[[0-9;]*m", "", log.read_text(errors="replace"))


def read_log(log: Path, run: Run, top: int = 10) -> None:
    """Fallback when dbt was stopped before writing run_results.json: finished models from the
    log, and the nodes still running when it stopped."""
    text = log_text(log)
    done = re.findall(r"\d+ of \d+ OK created .*?model (\S+) \.*.*?in ([\d.]+)s\]", text)
    finished = sorted(
        ((name.split(".")[-1], float(secs)) for name, secs in done), key=lambda x: -x[1]
    )
    run.slowest = finished[:top]
    started = re.findall(r"\d+ of \d+ START \S+ .*?model (\S+) ", text)
    running = [name for name in started if name not in {n for n, _ in done}]
    run.note += (
        f"; stopped: {len(done)} models finished, still running: {', '.join(running) or '-'}"
    )


def read_run_results(target: Path, run: Run, top: int = 10) -> None:
    """Fill run.slowest (models) and run.totals (summed execution time per resource type)."""
    path = target / "run_results.json"
    if not path.exists():
        return
    results = json.loads(path.read_text())["results"]
    models = [r for r in results if r["unique_id"].startswith("model.")]
    models.sort(key=lambda r: -r["execution_time"])
    run.slowest = [(r["unique_id"].split(".")[-1], r["execution_time"]) for r in models[:top]]
    for r in results:
        kind = r["unique_id"].split(".")[0]
        run.totals[kind] = run.totals.get(kind, 0.0) + r["execution_time"]


def previous_month_end(end_date: str) -> str:
    """Last day of the month before end_date's month."""
    day = dt.date.fromisoformat(end_date)
    return (day.replace(day=1) - dt.timedelta(days=1)).isoformat()


def ensure_data(args: argparse.Namespace) -> tuple[Path, dict[str, int], Run | None]:
    """Generate the Parquet sources unless a finished set for these settings exists."""
    data = args.workdir / "data" / f"c{args.customers}_m{args.months}_s{args.seed}"
    marker = data / "_row_counts.json"
    if args.reuse_data and marker.exists():
        print(f"reusing data in {data}")
        return data, json.loads(marker.read_text()), None
    shutil.rmtree(data, ignore_errors=True)
    command = [str(BIN / "python"), "-m", "segmentation.demo_data"]
    command += ["--customers", str(args.customers), "--months", str(args.months)]
    command += ["--seed", str(args.seed), "--format", "parquet", "--out", str(data), "--truth", ""]
    data.parent.mkdir(parents=True, exist_ok=True)
    log = args.workdir / f"generate_c{args.customers}.log"
    run = timed("generate", command, dict(os.environ), log, None)
    if run.returncode != 0:
        sys.exit(f"data generation failed, see {log}")
    counts = {}
    for line in log.read_text().splitlines():
        match = re.match(r"^(\w+)\s+([\d,]+) rows$", line)
        if match:
            counts[match.group(1)] = int(match.group(2).replace(",", ""))
    marker.write_text(json.dumps(counts, indent=2))
    return data, counts, run


def dbt_env(args: argparse.Namespace, database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        SEGMENTATION_DUCKDB_PATH=str(database),
        SEGMENTATION_DUCKDB_THREADS=str(args.threads),
        SEGMENTATION_DBT_THREADS=str(args.dbt_threads),
        SEGMENTATION_MEMORY_LIMIT=args.memory_limit,
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
    )
    return env


def dbt(args: argparse.Namespace, name: str, run_dir: Path, dbt_args: list[str], env) -> Run:
    target = run_dir / f"target_{name}"
    command = [str(BIN / "dbt"), *dbt_args, "--target-path", str(target)]
    command += ["--log-path", str(run_dir / "logs")]
    print(f"  {name}: {' '.join(dbt_args)}", flush=True)
    # DuckDB spills to <build file>.tmp unless temp_directory says otherwise
    build_file = default_build_path(env["SEGMENTATION_DUCKDB_PATH"])
    spill_dir = build_file.with_name(build_file.name + ".tmp")
    run = timed(name, command, env, run_dir / f"{name}.log", args.timeout, spill_dir)
    if run.timed_out:
        read_log(run_dir / f"{name}.log", run)
    else:
        read_run_results(target, run)
    if run.returncode != 0 and not run.timed_out:
        run.note += failure_reason(run_dir / f"{name}.log")
    return run


def failure_reason(log: Path) -> str:
    """'; failed: <node>: <first error line>' for each failure dbt lists at the end of its log."""
    text = log_text(log)
    found = re.findall(r"Failure in (?:model|test|seed) (\S+).*\n.*Error in .*\n\s*(.+)", text)
    return "".join(f"; failed: {node}: {reason.strip()[:300]}" for node, reason in found)


def report(run: Run, input_rows: int) -> None:
    rate = input_rows / run.wall_s if run.wall_s else 0.0
    print(
        f"\n{run.name}: {run.status}, wall {run.wall_s:,.1f} s, peak RSS "
        f"{run.peak_rss / 2**30:.2f} GiB, peak spill {run.peak_spill / 2**30:.2f} GiB, "
        f"{rate:,.0f} input rows/s"
    )
    if run.note:
        print(f"  {run.note}")
    if run.totals:
        summed = ", ".join(f"{kind} {seconds:,.1f} s" for kind, seconds in run.totals.items())
        print(f"  summed node time (threads overlap): {summed}")
    if run.slowest:
        print("  slowest models:")
        for model, seconds in run.slowest:
            print(f"    {seconds:8.1f} s  {model}")


def write_markdown(path: Path, info: dict[str, str], rows: list[str]) -> None:
    """Update the machine block and upsert result rows (keyed on date..run, threads, limit)."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    machine_block = "\n".join(f"- {key}: {value}" for key, value in info.items())
    if MACHINE_BEGIN not in text:
        text += f"\n## Machine\n\n{MACHINE_BEGIN}\n{MACHINE_END}\n"
    if MARK_BEGIN not in text:
        text += f"\n## Results\n\n{MARK_BEGIN}\n{TABLE_HEADER}\n{MARK_END}\n"
    head, rest = text.split(MACHINE_BEGIN, 1)
    _, tail = rest.split(MACHINE_END, 1)
    text = f"{head}{MACHINE_BEGIN}\n{machine_block}\n{MACHINE_END}{tail}"
    head, rest = text.split(MARK_BEGIN, 1)
    table, tail = rest.split(MARK_END, 1)
    existing = [line for line in table.strip().splitlines()[2:] if line.startswith("|")]

    def key(line: str) -> tuple[str, ...]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        return (cells[1], cells[4], cells[8], cells[9])

    new_keys = {key(row) for row in rows}
    kept = [line for line in existing if key(line) not in new_keys]
    body = "\n".join([TABLE_HEADER, *kept, *rows])
    path.write_text(f"{head}{MARK_BEGIN}\n{body}\n{MARK_END}{tail}")
    print(f"\nupdated {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument(
        "--order-lines",
        type=int,
        default=None,
        help="target order lines instead of --customers (the generator is driven by customers; "
        f"about {LINES_PER_CUSTOMER} lines and 10 orders per customer)",
    )
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-date", default="2026-10-31", help="generator's last day")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/segmentation-bench"))
    parser.add_argument("--threads", type=int, default=2, help="DuckDB and dbt threads")
    parser.add_argument(
        "--dbt-threads",
        type=int,
        default=None,
        help="dbt threads (models built at once) when not --threads; they share DuckDB's threads "
        "and memory limit",
    )
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB memory_limit")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per dbt run")
    parser.add_argument(
        "--runs",
        default="full,incremental",
        help="comma list of full (dbt build), models (no tests), incremental",
    )
    parser.add_argument("--skip-baseline", action="store_true", help="do not run pandas")
    parser.add_argument(
        "--reuse-data",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="reuse generated data for the same settings (default: yes)",
    )
    parser.add_argument(
        "--write-markdown", nargs="?", const=PROJECT_DIR / "BENCHMARKS.md", type=Path
    )
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress survives if the run is interrupted
    if args.dbt_threads is None:
        args.dbt_threads = args.threads
    if args.order_lines:
        args.customers = max(1, round(args.order_lines / LINES_PER_CUSTOMER))
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    runs = [name.strip() for name in args.runs.split(",") if name.strip()]

    info = machine()
    print("machine:")
    for key, value in info.items():
        print(f"  {key}: {value}")
    print(
        f"  memory_limit {args.memory_limit}, threads {args.threads}, "
        f"dbt threads {args.dbt_threads}"
    )

    data, counts, generated = ensure_data(args)
    input_rows = sum(counts.values())
    print(f"\ndata: {data}")
    for name, rows in counts.items():
        print(f"  {name:<20} {rows:>13,}")
    print(f"  {'total':<20} {input_rows:>13,}")
    if generated:
        print(f"  generated in {generated.wall_s:.1f} s")

    run_dir = args.workdir / "runs" / f"c{args.customers}_t{args.threads}_d{args.dbt_threads}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    source_vars = f"{{segmentation__source_dir: '{data}'}}"
    base = ["--exclude-resource-type", "unit_test", "--vars", source_vars]
    results: list[Run] = []
    database = run_dir / "bench.duckdb"
    env = dbt_env(args, database)
    print("\nruns:")
    if "models" in runs:
        models_only = [
            "build",
            "--exclude-resource-type",
            "test",
            "--exclude-resource-type",
            "unit_test",
        ]
        results.append(dbt(args, "models", run_dir, [*models_only, "--vars", source_vars], env))
        results[-1].note = "models and seeds, no tests (dbt run needs the seeds)" + results[-1].note
        database.unlink(missing_ok=True)
        default_build_path(database).unlink(missing_ok=True)
    if "full" in runs:
        results.append(dbt(args, "full", run_dir, ["build", *base], env))
        results[-1].note = "dbt build: models, seeds, data tests (no unit tests)" + results[-1].note
    if "incremental" in runs:
        previous = previous_month_end(args.end_date)
        prep_vars = (
            f"{{segmentation__source_dir: '{data}', segmentation__as_of_date: '{previous}'}}"
        )
        prep_args = ["run", "--full-refresh", "--select", "+int_customer_features_monthly"]
        results.append(
            dbt(args, "incremental-prep", run_dir, [*prep_args, "--vars", prep_vars], env)
        )
        results[-1].note = f"history rebuilt as of {previous} (setup, not the measure)"
        results.append(dbt(args, "incremental", run_dir, ["build", *base], env))
        results[-1].note = "dbt build, history appends one month" + results[-1].note
    if not args.skip_baseline:
        command = [str(BIN / "python"), "-m", "segmentation.baseline", str(data)]
        command += ["--out", str(run_dir / "baseline")]
        print("  pandas: python -m segmentation.baseline", flush=True)
        pandas_run = timed("pandas", command, dict(os.environ), run_dir / "pandas.log", None)
        pandas_run.note = (run_dir / "pandas.log").read_text().strip().splitlines()[-1]
        results.append(pandas_run)

    for run in results:
        report(run, input_rows)
    pandas_run = next((run for run in results if run.name == "pandas"), None)
    if pandas_run and pandas_run.returncode == 0:
        print()
        for run in results:
            if run.name != "pandas":
                print(
                    f"{run.name} / pandas: time {run.wall_s / pandas_run.wall_s:.1f}x, "
                    f"peak memory {run.peak_rss / max(pandas_run.peak_rss, 1):.1f}x"
                )
    print(f"\nlogs and run_results: {run_dir}")

    if args.write_markdown:
        today = dt.date.today().isoformat()
        rows = [
            f"| {today} | {args.customers:,} | {counts.get('order_items', 0):,} | {input_rows:,} "
            f"| {run.name} | {run.wall_s:,.0f} | {run.peak_rss / 2**30:.2f} "
            f"| {input_rows / run.wall_s:,.0f} | {args.threads} | {args.memory_limit} "
            f"| {run.status} |"
            for run in results
        ]
        write_markdown(args.write_markdown, info, rows)
    return 0 if all(run.returncode == 0 for run in results) else 1


if __name__ == "__main__":
    sys.exit(main())
