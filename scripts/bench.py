"""Benchmark the warehouse at scale: generate data, time dbt builds, compare with pandas and polars.

For each size (``--order-lines 10M,50M`` or ``--customers``), each step a separate process,
timed on the wall clock, with the peak RSS of its whole process tree and the peak size of
DuckDB's temporary directory (spill) sampled with psutil:

1. generate Parquet with ``segmentation.demo_data`` into ``<workdir>/data/c<N>_m<M>_s<seed>``
   (reused when a finished data set for these settings is already there);
2. ``full``: ``dbt build`` (models, seeds and data tests; unit tests excluded, they do not depend
   on the data) from an empty DuckDB file;
3. ``incremental``: from another empty file, the project built as of the previous month end
   (``segmentation__as_of_date``; models and seeds, reported as ``incremental-prep``, set-up
   only), then the same ``dbt build`` as ``full`` with the default as-of date: the scheduled
   monthly run, one new month of data, measuring whatever the models on this commit do with it;
4. ``pandas``: ``python -m segmentation.baseline``, and ``polars``: ``python -m
   segmentation.polars_reference``, the same job (RFM history, scores, k-means) on the same files.

It then prints the runs side by side and the targets of issue 15 with PASS or MISS: incremental /
full <= 10 %, full / polars <= 5x (and full / pandas, no target) at the first size; with two
sizes (or ``--compare-with`` an earlier run's saved figures) the full build's time ratio <= 1.1x
the ratio of order lines (5.5x for 50M / 10M), and peak RSS <= 6 GB and peak spill <= 10 GB at
the largest size; and, per dbt run, the slowest ten models and the tests' share of the summed
node time. Sizes after the first run only ``--large-runs`` (default: the full build). The
figures of each size are saved as JSON under ``<workdir>/results``; ``--write-markdown`` writes
them into BENCHMARKS.md.

Usage: ``python scripts/bench.py --order-lines 200k`` (``make bench`` runs the defaults).
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
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import psutil

from segmentation.publishing import default_build_path

PROJECT_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LINES_PER_CUSTOMER = 13.94  # order_items per customer of the generator (seed 42, 36 months)
MARK_BEGIN, MARK_END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"
MACHINE_BEGIN, MACHINE_END = "<!-- bench:machine:begin -->", "<!-- bench:machine:end -->"
SUMMARIES = "<!-- bench:summaries -->"  # new summary blocks go after this line
DEFAULT_END_DATE = "2026-10-31"
GB = 10**9  # the targets are in GB; the per-run figures in GiB, as in every earlier run
RUN_NAMES = ("full", "models", "incremental", "pandas", "polars")
REFERENCES = ("pandas", "polars")
DBT_RUNS = ("full", "models", "incremental")
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

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def tests_share(self) -> float | None:
        """Tests' share of the summed node time (dbt's run_results), None when not known."""
        total = sum(self.totals.values())
        return self.totals["test"] / total if total and "test" in self.totals else None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Run:
        data = dict(data)
        data["slowest"] = [tuple(item) for item in data.get("slowest", [])]
        return cls(**data)


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
        "polars": version("polars"),
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


def ensure_data(
    args: argparse.Namespace, customers: int
) -> tuple[Path, dict[str, int], Run | None]:
    """Generate the Parquet sources unless a finished set for these settings exists."""
    name = f"c{customers}_m{args.months}_s{args.seed}"
    if args.end_date != DEFAULT_END_DATE:  # the default's data sets keep their earlier names
        name += f"_e{args.end_date}"
    data = args.workdir / "data" / name
    marker = data / "_row_counts.json"
    if args.reuse_data and marker.exists():
        print(f"reusing data in {data}")
        return data, json.loads(marker.read_text()), None
    shutil.rmtree(data, ignore_errors=True)
    command = [str(BIN / "python"), "-m", "segmentation.demo_data"]
    command += ["--customers", str(customers), "--months", str(args.months)]
    command += ["--seed", str(args.seed), "--end-date", args.end_date]
    command += ["--format", "parquet", "--out", str(data), "--truth", ""]
    data.parent.mkdir(parents=True, exist_ok=True)
    log = args.workdir / f"generate_c{customers}.log"
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


@dataclass
class Size:
    """The runs of one data size, all on the same generated files."""

    key: str  # what was asked: "order-lines=10000000" or "customers=100000"
    customers: int
    counts: dict[str, int]
    runs: dict[str, Run] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def order_lines(self) -> int:
        return self.counts.get("order_items", 0)

    @property
    def input_rows(self) -> int:
        return sum(self.counts.values())

    def short(self) -> str:
        return short_count(self.order_lines)

    def label(self) -> str:
        return (
            f"{self.order_lines:,} order lines ({self.customers:,} customers, "
            f"{self.input_rows:,} input rows in all sources)"
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        data["runs"] = {name: run.to_dict() for name, run in self.runs.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Size:
        data = dict(data)
        data["runs"] = {name: Run.from_dict(run) for name, run in data.get("runs", {}).items()}
        return cls(**data)


@dataclass
class Target:
    """One figure of issue 15 against its limit (None: no target)."""

    name: str
    measured: float | None
    limit: float | None
    shown: str
    limit_shown: str

    @property
    def verdict(self) -> str:
        if self.measured is None:
            return "not measured"
        if self.limit is None:
            return "-"
        return "PASS" if self.measured <= self.limit else "MISS"


def short_count(value: int) -> str:
    """200000 -> '200k', 10000000 -> '10M', 9979359 -> '9.98M'."""
    for unit, scale in (("M", 10**6), ("k", 10**3)):
        if value >= scale:
            return f"{value / scale:.3g}{unit}"
    return str(value)


def parse_sizes(text: str) -> list[int]:
    """A comma list of counts, each an integer with an optional k or M: '200k,10M,50000000'."""
    sizes = []
    for item in text.split(","):
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", item)
        if not match:
            raise argparse.ArgumentTypeError(
                f"not a count: {item!r} (expected e.g. 200000, 200k or 10M, comma-separated)"
            )
        scale = {"": 1, "k": 10**3, "m": 10**6}[match.group(2).lower()]
        value = round(float(match.group(1)) * scale)
        if value < 1:
            raise argparse.ArgumentTypeError(f"a size must be at least 1: {item!r}")
        sizes.append(value)
    return sorted(set(sizes))


def wall_ratio(numerator: Run | None, denominator: Run | None) -> float | None:
    """numerator's wall time over denominator's, None unless both ran to the end."""
    if numerator is None or denominator is None or not (numerator.ok and denominator.ok):
        return None
    if denominator.wall_s <= 0:
        return None
    return numerator.wall_s / denominator.wall_s


def _times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def size_targets(size: Size) -> list[Target]:
    """Incremental / full, full / polars and full / pandas at one size, those whose two runs were
    asked for (a run that failed gives "not measured")."""
    runs = size.runs
    at = f" at {size.short()} order lines"
    targets = []
    for name, numerator, denominator, limit, limit_shown in (
        ("one-month incremental build / full build", "incremental", "full", 0.10, "<= 10 %"),
        ("full build / polars reference", "full", "polars", 5.0, "<= 5x"),
        ("full build / pandas baseline", "full", "pandas", None, "no target"),
    ):
        if numerator not in runs or denominator not in runs:
            continue
        ratio = wall_ratio(runs[numerator], runs[denominator])
        if ratio is None:
            shown = "-"
        elif numerator == "incremental":
            shown = f"{ratio:.1%}"
        else:
            shown = _times(ratio)
        stated = " (stated at 10M)" if limit is not None else ""
        targets.append(Target(name + at, ratio, limit, shown, limit_shown + stated))
    return targets


def scaling_targets(small: Size | None, large: Size) -> list[Target]:
    """The full build's growth from small to large (when two sizes were measured), and peak RSS
    and spill of the dbt runs at the large size (only when its full build finished)."""
    targets = []
    if small is not None and small.order_lines and small.key != large.key:
        lines = large.order_lines / small.order_lines
        limit = 1.1 * lines
        ratio = wall_ratio(large.runs.get("full"), small.runs.get("full"))
        targets.append(
            Target(
                f"full build time {large.short()} / {small.short()} ({lines:.2f}x the order lines)",
                ratio,
                limit,
                _times(ratio),
                f"<= {limit:.2f}x (1.1 x the line ratio: 5.5x for 50M / 10M)",
            )
        )
    full = large.runs.get("full")
    finished = [run for name, run in large.runs.items() if name in DBT_RUNS and run.ok]
    measured = full is not None and full.ok
    for what, attribute, limit in (("RSS", "peak_rss", 6), ("spill", "peak_spill", 10)):
        peak = max(getattr(run, attribute) for run in finished) if measured else None
        targets.append(
            Target(
                f"peak {what} of the dbt builds at {large.short()} order lines",
                None if peak is None else peak / GB,
                float(limit),
                "-" if peak is None else f"{peak / GB:.2f} GB ({peak / 2**30:.2f} GiB)",
                f"<= {limit} GB (stated at 50M)",
            )
        )
    return targets


def all_targets(sizes: list[Size]) -> list[Target]:
    """Every target of issue 15 for sizes (ascending): the ratios at each size, the growth from
    the first to the last, RSS and spill at the last."""
    targets = [target for size in sizes for target in size_targets(size)]
    small = sizes[0] if len(sizes) > 1 else None
    return targets + scaling_targets(small, sizes[-1])


RUN_ORDER = ("full", "models", "incremental-prep", "incremental", "pandas", "polars")


def side_by_side(sizes: list[Size]) -> str:
    """The runs of each size in one table: status, wall time, peak RSS and spill, tests' share."""
    lines = []
    header = (
        f"  {'run':<18}{'status':<14}{'wall s':>10}{'peak RSS GiB':>14}"
        f"{'peak spill GiB':>16}{'tests share':>13}"
    )
    for size in sizes:
        lines += ["", f"{size.label()}:", header]
        for name in RUN_ORDER:
            run = size.runs.get(name)
            if run is None:
                continue
            share = run.tests_share()
            lines.append(
                f"  {name:<18}{run.status:<14}{run.wall_s:>10,.1f}{run.peak_rss / 2**30:>14.2f}"
                f"{run.peak_spill / 2**30:>16.2f}{'-' if share is None else f'{share:.1%}':>13}"
            )
    return "\n".join(lines)


def targets_text(targets: list[Target]) -> str:
    width = max(len(target.name) for target in targets)
    shown = max(len(target.shown) for target in targets)
    limits = max(len(target.limit_shown) for target in targets)
    return "\n".join(
        f"  {target.name:<{width}}  {target.shown:>{shown}}  {target.limit_shown:<{limits}}  "
        f"{target.verdict}"
        for target in targets
    )


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
        share = run.tests_share()
        shown = "no tests" if share is None else f"{share:.1%}"
        print(f"  summed node time (threads overlap): {summed}; tests' share {shown}")
    if run.slowest:
        print("  slowest models:")
        for model, seconds in run.slowest:
            print(f"    {seconds:8.1f} s  {model}")


def write_markdown(path: Path, info: dict[str, str], rows: list[str]) -> None:
    """Update the machine block and upsert result rows (keyed on customers, run, threads, limit)."""
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


def summary_key(sizes: list[Size]) -> str:
    return "+".join(size.key for size in sizes)


def summary_markdown(sizes: list[Size], targets: list[Target], command: str) -> str:
    """The side-by-side figures, the targets and the slowest models as a BENCHMARKS.md block."""
    settings = sizes[-1].settings
    lines = [
        f"Measured {settings.get('date', '?')} at commit {settings.get('commit', '?')} with "
        f"`{command}`.",
        "",
        f"Machine: {settings.get('cpu', '?')}, {settings.get('cores', '?')} cores, "
        f"{settings.get('ram', '?')} RAM; DuckDB threads {settings.get('threads', '?')}, "
        f"memory_limit {settings.get('memory_limit', '?')}; dbt threads "
        f"{settings.get('dbt_threads', '?')}; load average at the start "
        f"{settings.get('load', '?')}.",
        "",
        "| order lines | customers | run | status | wall s | peak RSS GiB | peak spill GiB "
        "| tests' share of node time |",
        "|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    for size in sizes:
        for name in RUN_ORDER:
            run = size.runs.get(name)
            if run is None:
                continue
            share = run.tests_share()
            lines.append(
                f"| {size.order_lines:,} | {size.customers:,} | {name} | {run.status} "
                f"| {run.wall_s:,.1f} | {run.peak_rss / 2**30:.2f} | {run.peak_spill / 2**30:.2f} "
                f"| {'-' if share is None else f'{share:.1%}'} |"
            )
    lines += ["", "| target (issue 15) | measured | limit | verdict |", "|---|---:|---|---|"]
    for target in targets:
        lines.append(
            f"| {target.name} | {target.shown} | {target.limit_shown} | {target.verdict} |"
        )
    for size in sizes:
        for name in ("full", "incremental"):
            run = size.runs.get(name)
            if run is not None and run.slowest:
                slowest = ", ".join(f"`{model}` {seconds:.1f} s" for model, seconds in run.slowest)
                lines += ["", f"Slowest models, {name} at {size.short()}: {slowest}."]
    return "\n".join(lines)


def write_summary(path: Path, key: str, block: str) -> None:
    """Replace the summary block of key in path (or add it after the summaries marker, or at the
    end), leaving everything else as it is."""
    begin, end = f"<!-- bench:summary:{key}:begin -->", f"<!-- bench:summary:{key}:end -->"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{begin}\n{block}\n{end}{tail}"
    elif SUMMARIES in text:
        head, tail = text.split(SUMMARIES, 1)
        text = f"{head}{SUMMARIES}\n\n{begin}\n{block}\n{end}\n\n{tail.lstrip(chr(10))}"
    else:
        text = f"{text.rstrip()}\n\n{begin}\n{block}\n{end}\n"
    path.write_text(text)


def reset_database(database: Path) -> None:
    """Remove the serving file, the build file, their WALs and DuckDB's spill directories."""
    for path in (database, default_build_path(database)):
        for candidate in (path, path.with_name(path.name + ".wal")):
            candidate.unlink(missing_ok=True)
        shutil.rmtree(path.with_name(path.name + ".tmp"), ignore_errors=True)


def commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head or 'unknown'}{' (with uncommitted changes)' if dirty else ''}"


def reference(args, name: str, module: str, data: Path, run_dir: Path) -> Run:
    """Time python -m <module> <data> with as many threads as DuckDB has."""
    command = [str(BIN / "python"), "-m", module, str(data), "--out", str(run_dir / name)]
    env = dict(os.environ, POLARS_MAX_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads))
    print(f"  {name}: python -m {module}", flush=True)
    run = timed(name, command, env, run_dir / f"{name}.log", args.timeout)
    lines = (run_dir / f"{name}.log").read_text(errors="replace").strip().splitlines()
    run.note = lines[-1] if lines else ""
    return run


def measure(args, key: str, customers: int, runs: list[str], info: dict[str, str]) -> Size:
    """Generate (or reuse) the data of one size and time the runs asked for on it."""
    data, counts, generated = ensure_data(args, customers)
    size = Size(key, customers, counts)
    size.settings = {
        "date": dt.date.today().isoformat(),
        "commit": commit(),
        "cpu": info["CPU"],
        "cores": info["cores"],
        "ram": info["RAM"],
        "threads": str(args.threads),
        "memory_limit": args.memory_limit,
        "dbt_threads": str(args.dbt_threads),
        "load": info["load average at start (1, 5, 15 min)"],
    }
    print(f"\ndata: {data}")
    for name, rows in counts.items():
        print(f"  {name:<20} {rows:>13,}")
    print(f"  {'total':<20} {size.input_rows:>13,}")
    if generated:
        print(f"  generated in {generated.wall_s:.1f} s")

    run_dir = args.workdir / "runs" / f"c{customers}_t{args.threads}_d{args.dbt_threads}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    source_vars = f"{{segmentation__source_dir: '{data}'}}"
    base = ["--exclude-resource-type", "unit_test", "--vars", source_vars]
    no_tests = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    database = run_dir / "bench.duckdb"
    env = dbt_env(args, database)
    print("\nruns:")
    if "models" in runs:
        run = dbt(args, "models", run_dir, ["build", *no_tests, "--vars", source_vars], env)
        run.note = "models and seeds, no tests (dbt run needs the seeds)" + run.note
        size.runs["models"] = run
        reset_database(database)
    if "full" in runs:
        run = dbt(args, "full", run_dir, ["build", *base], env)
        run.note = "dbt build from an empty file: models, seeds, data tests" + run.note
        size.runs["full"] = run
    if "incremental" in runs:
        reset_database(database)
        previous = previous_month_end(args.end_date)
        prep_vars = (
            f"{{segmentation__source_dir: '{data}', segmentation__as_of_date: '{previous}'}}"
        )
        run = dbt(args, "incremental-prep", run_dir, ["build", *no_tests, "--vars", prep_vars], env)
        run.note = f"built as of {previous} from an empty file (set-up, not the measure)" + run.note
        size.runs["incremental-prep"] = run
        if run.ok:
            run = dbt(args, "incremental", run_dir, ["build", *base], env)
            run.note = "dbt build with the default as-of date: one month more" + run.note
        else:
            run = Run("incremental", returncode=run.returncode, note="not run: the set-up failed")
        size.runs["incremental"] = run
    if "pandas" in runs:
        size.runs["pandas"] = reference(args, "pandas", "segmentation.baseline", data, run_dir)
    if "polars" in runs:
        size.runs["polars"] = reference(
            args, "polars", "segmentation.polars_reference", data, run_dir
        )
    for run in size.runs.values():
        report(run, size.input_rows)
    print(f"\nlogs and run_results: {run_dir}")
    results = args.workdir / "results"
    results.mkdir(parents=True, exist_ok=True)
    saved = results / f"{key}_t{args.threads}_d{args.dbt_threads}_{args.memory_limit}.json"
    saved.write_text(json.dumps(size.to_dict(), indent=2))
    print(f"figures saved to {saved} (--compare-with it from a later run)")
    return size


def result_rows(size: Size, args) -> list[str]:
    """The rows of the results table of BENCHMARKS.md for one size."""
    today = dt.date.today().isoformat()
    return [
        f"| {today} | {size.customers:,} | {size.order_lines:,} | {size.input_rows:,} "
        f"| {run.name} | {run.wall_s:,.0f} | {run.peak_rss / 2**30:.2f} "
        f"| {size.input_rows / run.wall_s if run.wall_s else 0:,.0f} | {args.threads} "
        f"| {args.memory_limit} | {run.status} |"
        for run in size.runs.values()
    ]


def parse_runs(text: str) -> list[str]:
    runs = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(runs) - set(RUN_NAMES))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown run(s) {', '.join(unknown)}; allowed: {', '.join(RUN_NAMES)}"
        )
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--customers",
        type=parse_sizes,
        default=[1_000_000],
        help="customers of the generator, a comma list for several sizes (default 1M)",
    )
    parser.add_argument(
        "--order-lines",
        type=parse_sizes,
        default=None,
        help="target order lines instead of --customers, a comma list (10M,50M): the generator "
        f"is driven by customers, about {LINES_PER_CUSTOMER} lines and 10 orders per customer",
    )
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-date", default=DEFAULT_END_DATE, help="generator's last day")
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
    parser.add_argument("--timeout", type=float, default=None, help="seconds per run")
    parser.add_argument(
        "--runs",
        type=parse_runs,
        default=["full", "incremental", "pandas", "polars"],
        help=f"comma list at the first size, of {', '.join(RUN_NAMES)} "
        "(models: dbt build without tests)",
    )
    parser.add_argument(
        "--large-runs",
        type=parse_runs,
        default=["full"],
        help="comma list at every size after the first (default full: what the 50M targets need; "
        "pandas needs about 1 GB per 1M order lines)",
    )
    parser.add_argument("--skip-baseline", action="store_true", help="do not run pandas")
    parser.add_argument("--skip-polars", action="store_true", help="do not run polars")
    parser.add_argument(
        "--compare-with",
        type=Path,
        default=None,
        help="figures saved by an earlier run (<workdir>/results/*.json) of a smaller size: the "
        "growth targets compare this run's largest size with it",
    )
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
        requested = [
            (f"order-lines={lines}", max(1, round(lines / LINES_PER_CUSTOMER)))
            for lines in args.order_lines
        ]
    else:
        requested = [(f"customers={customers}", customers) for customers in args.customers]
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    skipped = {"pandas"} if args.skip_baseline else set()
    skipped |= {"polars"} if args.skip_polars else set()

    info = machine()
    info["DuckDB threads"] = str(args.threads)
    info["DuckDB memory_limit"] = args.memory_limit
    info["dbt threads"] = str(args.dbt_threads)
    print("machine:")
    for key, value in info.items():
        print(f"  {key}: {value}")

    earlier = []
    if args.compare_with:
        earlier.append(Size.from_dict(json.loads(args.compare_with.read_text())))
        print(f"\ncompared with {args.compare_with}: {earlier[0].label()}")
    measured = []
    for index, (key, customers) in enumerate(requested):
        runs = args.runs if index == 0 else args.large_runs
        measured.append(measure(args, key, customers, [r for r in runs if r not in skipped], info))
    sizes = sorted(earlier + measured, key=lambda size: size.order_lines)

    targets = all_targets(sizes)
    print("\nside by side (each size: one run of each on the same files):")
    print(side_by_side(sizes))
    print("\ntargets of issue 15 (ratios of wall times; GB = 10^9 bytes):")
    print(targets_text(targets))

    if args.write_markdown:
        rows = [row for size in measured for row in result_rows(size, args)]
        write_markdown(args.write_markdown, info, rows)
        command = "python scripts/bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_summary(
            args.write_markdown, summary_key(sizes), summary_markdown(sizes, targets, command)
        )
        print(f"updated the summary block {summary_key(sizes)} of {args.write_markdown}")
    return 0 if all(run.ok for size in measured for run in size.runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
