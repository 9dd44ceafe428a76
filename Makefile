# Two commands for a newcomer: `make build` and `make test`. Everything else is a helper.
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV ?= .venv
DBT_ARGS ?=
BIN := $(VENV)/bin
export DBT_PROFILES_DIR := $(CURDIR)
# The serving file that BI tools and SQL users open (read-only). dbt builds into a build file
# (SEGMENTATION_DUCKDB_BUILD_PATH, default .build/<same name> beside it; see profiles.yml) and
# publishes it onto the serving file at the end of a successful run.
export SEGMENTATION_DUCKDB_PATH ?= $(CURDIR)/warehouse/segmentation.duckdb
export DBT_SEND_ANONYMOUS_USAGE_STATS := False

.PHONY: install build publish export test test-quick lint lint-sql lint-python dbt-test pytest demo-data clean help report setup-browser mf

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/.installed: requirements.txt requirements-nodeps.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-nodeps.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# A DuckDB 1.x client in its own environment: the tests open the serving file with it, as a BI
# tool still on DuckDB 1.x would.
DUCKDB1_VENV ?= .venv-duckdb1
$(DUCKDB1_VENV)/.installed: requirements-duckdb1.txt
	$(PYTHON) -m venv $(DUCKDB1_VENV)
	$(DUCKDB1_VENV)/bin/pip install --quiet -r requirements-duckdb1.txt
	touch $@

install: $(BIN)/.installed $(DUCKDB1_VENV)/.installed  ## Create the virtualenvs and install the pinned dependencies

build: install  ## Build the warehouse (every model, seed and test) on the demo data
	mkdir -p "$$(dirname "$$SEGMENTATION_DUCKDB_PATH")"
	$(BIN)/dbt build $(DBT_ARGS)
	echo
	echo "Warehouse built and published: $$SEGMENTATION_DUCKDB_PATH"
	echo "Marts (schema main_marts; open the file read-only with any DuckDB client, see README):"
	echo "  segments:  dim_customers, dim_segments, fct_customer_segments_monthly,"
	echo "             fct_segment_migrations, fct_segment_kpis_monthly, fct_cluster_diagnostics"
	echo "  value:     dim_value_model_parameters, fct_value_model_holdout"
	echo "  action:    dim_segment_playbook, dim_migration_pathways, fct_customer_actions,"
	echo "             fct_action_outcomes_monthly"
	echo "  quality:   fct_quarantined_rows, fct_source_row_counts"

publish: install  ## Publish the build file onto the serving file (what every successful dbt run does at its end)
	$(BIN)/dbt run-operation segmentation_publish

export: install  ## Write every pathway's audience (and named segments') as CSV and Parquet to warehouse/exports
	# DBT_ARGS="--vars '{segmentation__export_segments: [\"rfm:Champions\"], segmentation__export_include_email: true}'"
	$(BIN)/dbt run-operation segmentation_export_audiences $(DBT_ARGS)

lint-sql: install  ## Lint the SQL with sqlfluff
	# against an empty scratch database, so that models render as on a first build (not incremental)
	mkdir -p target && rm -rf target/lint.duckdb target/lint.duckdb.wal target/.build
	SEGMENTATION_DUCKDB_PATH=$(CURDIR)/target/lint.duckdb $(BIN)/sqlfluff lint models tests analyses

lint-python: install  ## Lint and format-check the Python with ruff
	$(BIN)/ruff check src tests python_models scripts
	$(BIN)/ruff format --check src tests python_models scripts

lint: lint-sql lint-python  ## All linters

dbt-test: install  ## dbt build (models, seeds and every dbt test) on the demo data
	mkdir -p "$$(dirname "$$SEGMENTATION_DUCKDB_PATH")"
	$(BIN)/dbt build $(DBT_ARGS)

# pytest runs in PYTEST_WORKERS processes (pytest-xdist); each test module, or the modules sharing
# a session warehouse, is one unit of work (tests/python/conftest.py). PYTEST_WORKERS=0: one process.
PYTEST_WORKERS ?= 2
pytest: install setup-browser  ## Python unit tests and the end-to-end warehouse tests
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

# make test builds the demo once: its dbt-test step builds into a fresh directory of its own, and
# pytest's demo_warehouse fixture uses that build (SEGMENTATION_TEST_DEMO_DIR; tests/python/
# conftest.py checks it is a complete, successful, plain `dbt build` newer than the project files).
TEST_DEMO_DIR := $(CURDIR)/target/test-demo
test: lint  ## Everything CI runs: linters, dbt build with tests, pytest
	rm -rf "$(TEST_DEMO_DIR)"
	SEGMENTATION_DUCKDB_PATH="$(TEST_DEMO_DIR)/warehouse.duckdb" \
	SEGMENTATION_DUCKDB_BUILD_PATH="$(TEST_DEMO_DIR)/.build/warehouse.duckdb" \
	DBT_TARGET_PATH="$(TEST_DEMO_DIR)/target" DBT_LOG_PATH="$(TEST_DEMO_DIR)/logs" \
		$(MAKE) --no-print-directory dbt-test
	SEGMENTATION_TEST_DEMO_DIR="$(TEST_DEMO_DIR)" $(MAKE) --no-print-directory pytest

# The quick subset while working: ruff, and pytest without the tests marked slow (the extra
# warehouse builds of other data, the load and crash tests, the browser). make test runs all.
test-quick: lint-python  ## Ruff, then pytest without the slow tests (-m "not slow")
	$(BIN)/python -m pytest -m "not slow"

REPORT ?= reports/segmentation_report.html
report: install  ## Write the segmentation report (one offline HTML file) from the serving warehouse, read-only
	$(BIN)/python -m segmentation.report --database "$$SEGMENTATION_DUCKDB_PATH" --out "$(REPORT)"

setup-browser:  ## Install Debian's chromium (the report's browser test) when it is missing; needs root
	if command -v chromium >/dev/null 2>&1; then exit 0; fi
	if [ "$$(id -u)" != 0 ]; then
		echo "chromium is missing: run 'sudo apt-get update && sudo apt-get install -y chromium'" >&2
		exit 1
	fi
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

MF_ARGS ?= validate-configs
mf: install  ## MetricFlow on the warehouse: make mf MF_ARGS="query --saved-query revenue_and_retention_by_segment_month"
	# mf reads target/semantic_manifest.json, whose relations must name this warehouse file
	$(BIN)/dbt parse --quiet
	$(BIN)/python -m segmentation.mf $(MF_ARGS)

demo-data: install  ## Regenerate the bundled demo data in seeds/demo
	$(BIN)/python -m segmentation.demo_data --out seeds/demo --truth tests/fixtures/demo_personas.csv

clean:  ## Remove build output (keeps the virtualenv)
	rm -rf target logs warehouse/*.duckdb warehouse/*.wal warehouse/.build

.PHONY: bench
BENCH_ARGS ?=
bench: install  ## Benchmark dbt build and incremental build against pandas and polars (1M customers; BENCH_ARGS="--order-lines 10M,50M")
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

.PHONY: bench-value-model
bench-value-model: install  ## Time the customer-value fit and scoring on simulated customers (BENCH_ARGS="--customers 1000000")
	$(BIN)/python scripts/bench_value_model.py $(BENCH_ARGS)
