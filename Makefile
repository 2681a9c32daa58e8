# Two commands do everything: `make replicate` (set up, then run the whole replication) and
# `make test` (set up, then run the linters and the test suite). The virtual environment is
# created on first use from the pinned requirements.txt.

PYTHON ?= python3
VENV ?= .venv
CONFIG ?= config/config.yaml
# Empty: the cores of the default profile (profiles/default/config.yaml), as plain `snakemake`.
CORES ?=
CORPUS ?=
CORPUS_FILE ?=
SET ?=
SNAKEMAKE_ARGS ?=

# The environment's bin folder as an absolute path; quoted wherever it is used, so that a
# checkout path with a space works (make's own path functions would split it into words).
BIN := $(if $(filter /%,$(VENV)),$(VENV),$(CURDIR)/$(VENV))/bin
# Rules call the package's console script, `discrete-gan <step>`: the environment's.
export PATH := $(BIN):$(PATH)
# Config overrides go into one --config (a second --config would replace the first), placed
# last: Snakemake would read a target written after `--config k=v` as one more config entry.
# SNAKEMAKE_ARGS come after the targets too: an option taking several values (--forcerun,
# --until) would read the targets after it as its own values.
# CORPUS_FILE, your own list (one item per line), sets corpus_file.
OVERRIDES := $(SNAKEMAKE_ARGS) \
	$(if $(CORPUS)$(CORPUS_FILE)$(SET),--config $(if $(CORPUS),corpus_source=$(CORPUS)) \
		$(if $(CORPUS_FILE),corpus_file="$(CORPUS_FILE)") $(SET))
# The Snakefile reads config/config.yaml itself; another CONFIG is laid over it (written with
# `=`, so that the targets after it are not read as more config files). The default profile,
# which Snakemake reads by itself, sets the rest (--cores, and --show-failed-logs: a failing
# step's one-sentence error is printed on the terminal), for make and plain `snakemake` alike.
CONFIGFILE := $(if $(filter-out config/config.yaml,$(CONFIG)),--configfile=$(CONFIG))
CORES_FLAG := $(if $(CORES),--cores $(CORES))
SNAKEMAKE := "$(BIN)/snakemake" $(CORES_FLAG) $(CONFIGFILE)

.PHONY: setup replicate smoke comparison benchmark generality figure5 figure6 verify docs report test lint bench clean

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv "$(VENV)"
	"$(BIN)/python" -m pip install --quiet --upgrade pip
	"$(BIN)/python" -m pip install --quiet -r requirements.txt
	"$(BIN)/python" -m pip install --quiet --no-deps -e .
	"$(BIN)/python" src/discrete_gan/backends/fused_build.py
	touch $@

setup: $(VENV)/.installed

replicate: setup
	$(SNAKEMAKE) $(OVERRIDES)

# The smoke config (2 runs x 3 epochs) runs in smoke/: its own data, results, figures and
# logs, never over a full run's. A local CORPUS= or CORPUS_FILE= is made absolute for that folder.
SMOKE_DIR := smoke
SMOKE_CORPUS := $(if $(findstring ://,$(CORPUS)),$(CORPUS),$(if $(CORPUS),$(abspath $(CORPUS))))
SMOKE_CORPUS_FILE := $(if $(CORPUS_FILE),$(abspath $(CORPUS_FILE)))
smoke: setup
	mkdir -p "$(SMOKE_DIR)"
	"$(BIN)/snakemake" $(CORES_FLAG) --directory "$(SMOKE_DIR)" --configfile=config/smoke.yaml \
		$(SNAKEMAKE_ARGS) \
		$(if $(SMOKE_CORPUS)$(SMOKE_CORPUS_FILE)$(SET),--config \
			$(if $(SMOKE_CORPUS),corpus_source=$(SMOKE_CORPUS)) \
			$(if $(SMOKE_CORPUS_FILE),corpus_file=$(SMOKE_CORPUS_FILE)) $(SET))

comparison: setup
	$(SNAKEMAKE) comparison $(OVERRIDES)

# Each variant's figure, and all variants side by side.
figure5: setup
	$(SNAKEMAKE) figure5_all $(OVERRIDES)

figure6: setup
	$(SNAKEMAKE) figure6_all $(OVERRIDES)

# The benchmark of generator objectives (tuned, two regimes, intervals; about 40 minutes on 2
# cores) and its docs page.
benchmark: setup
	$(SNAKEMAKE) benchmark docs_benchmark $(OVERRIDES)

# The reference run's findings on other corpora: two word lists built from pinned packages
# (requirements-generality.txt, installed here) and the names corpus (`names`, from CORPUS= as
# ever), each trained in its own folder under GENERALITY_DIR with GENERALITY_CONFIG (one or more
# config files laid over config/config.yaml), then docs/generality.md from them all.
GENERALITY_DIR ?= generality
GENERALITY_CONFIG ?= config/generality.yaml
GENERALITY_CORPORA ?= names english_words german_words
GENERALITY_PAGE ?= docs/generality.md
GENERALITY_LISTS := $(patsubst %,$(GENERALITY_DIR)/corpora/%.txt,$(filter-out names,$(GENERALITY_CORPORA)))

$(VENV)/.generality-installed: requirements-generality.txt $(VENV)/.installed
	"$(BIN)/python" -m pip install --quiet -r requirements-generality.txt
	touch $@

$(GENERALITY_DIR)/corpora/%.txt: $(VENV)/.generality-installed
	"$(BIN)/discrete-gan" corpora --out "$(GENERALITY_DIR)/corpora" --only $*

# Each corpus's --config: the names corpus's source (CORPUS=, if given) or the list's path,
# absolute for its folder, then SET; `--config` only when there is something to set.
generality: setup $(GENERALITY_LISTS)
	for corpus in $(GENERALITY_CORPORA); do \
		case $$corpus in \
			names) set -- $(if $(SMOKE_CORPUS),corpus_source=$(SMOKE_CORPUS)) ;; \
			*) set -- "corpus_file=$(abspath $(GENERALITY_DIR))/corpora/$$corpus.txt" ;; \
		esac; \
		set -- "$$@" $(SET); \
		mkdir -p "$(GENERALITY_DIR)/$$corpus" && \
		"$(BIN)/snakemake" all generality $(CORES_FLAG) --directory "$(GENERALITY_DIR)/$$corpus" \
			$(SNAKEMAKE_ARGS) --configfile $(GENERALITY_CONFIG) \
			$$(if [ $$# -gt 0 ]; then echo --config; fi) "$$@" || exit 1; \
	done
	"$(BIN)/discrete-gan" generality page --manifests "$(GENERALITY_DIR)/corpora" \
		--out "$(GENERALITY_PAGE)" --corpus $(foreach c,$(GENERALITY_CORPORA),$(c)=$(GENERALITY_DIR)/$(c))

# Check a finished run's numbers against config's expectations (trains whatever is missing).
verify: setup
	$(SNAKEMAKE) verify $(OVERRIDES)

# The docs/ pages of a finished run (results, configuration, performance, and the methods
# comparison, which this trains first if it was not run), stamped with the run's provenance.
docs: setup
	$(SNAKEMAKE) docs docs_comparison $(OVERRIDES)

report: setup
	$(SNAKEMAKE) --report report.html $(OVERRIDES)

# check-jsonschema (pinned in requirements.txt, like every other tool) checks the GitHub
# Actions workflow against the workflow schema it ships.
lint: setup
	"$(BIN)/ruff" check src tests benchmarks scripts
	"$(BIN)/ruff" format --check src tests benchmarks scripts
	"$(BIN)/snakefmt" --check Snakefile workflow
	"$(BIN)/snakemake" --lint --configfile config/config.yaml > /dev/null
	"$(BIN)/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml

# Test files run side by side, one worker more than the cores (the SLURM tests mostly wait on
# their cluster); each file's tests stay on one worker, so a module's shared run (the smoke run,
# the CI config's run) happens once; the longest files go first (tests/conftest.py).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
# The numba kernels are compiled once first (scripts/compile_kernels.py), so that the workers and
# the workflows they start load them instead of each compiling its own.
test: lint
	"$(BIN)/python" scripts/compile_kernels.py
	"$(BIN)/pytest" -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15

bench: setup
	"$(BIN)/python" benchmarks/bench.py $(if $(CORPUS),--corpus $(CORPUS))

# Keeps data/cache, the verified corpus zip, so that a clean tree rebuilds offline.
clean:
	rm -rf "$(SMOKE_DIR)" "$(GENERALITY_DIR)" data/raw data/processed logs .snakemake report.html
	find results figures -mindepth 1 -not -name README.md -delete
