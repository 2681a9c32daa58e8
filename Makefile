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

BIN := $(CURDIR)/$(VENV)/bin
# Rules call `python -m discrete_gan.<step>`: make that the environment's python.
export PATH := $(BIN):$(PATH)
# Config overrides go into one --config (a second --config would replace the first).
OVERRIDES := $(if $(CORPUS)$(SET),--config $(if $(CORPUS),corpus_source=$(CORPUS)) $(SET))
SNAKEMAKE := $(BIN)/snakemake --cores $(CORES) --configfile $(CONFIG) $(OVERRIDES) $(SNAKEMAKE_ARGS)

.PHONY: setup replicate smoke comparison figure5 figure6 report test lint bench clean

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

setup: $(VENV)/.installed

replicate: setup
	$(SNAKEMAKE)

smoke: CONFIG = config/smoke.yaml
smoke: replicate

comparison: setup
	$(SNAKEMAKE) comparison

# Each variant's figure and both side by side (the default variants: corrected, paper_code).
figure5: setup
	$(SNAKEMAKE) figures/corrected/figure5.png figures/paper_code/figure5.png \
		figures/figure5_variants.png

figure6: setup
	$(SNAKEMAKE) figures/corrected/figure6.png figures/paper_code/figure6.png \
		figures/figure6_variants.png

report: setup
	$(SNAKEMAKE) --report report.html

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/snakefmt --check Snakefile workflow

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/bench.py $(if $(CORPUS),--corpus $(CORPUS))

clean:
	rm -rf data/raw data/processed logs .snakemake report.html
	find results figures -mindepth 1 -not -name README.md -delete
