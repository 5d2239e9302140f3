# Two commands set everything up on a fresh machine with python3 (3.11+) and make:
#   make render   bootstrap .venv from pyproject.toml, render the example environments into rendered/
#   make test     bootstrap .venv with the dev extras, run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
CLI := $(BIN)/kuberay-gitops

.PHONY: render validate check test lint golden diff corpus docs schemas bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	touch $@ $(RUNTIME_STAMP)

render: $(RUNTIME_STAMP)
	$(CLI) render

validate: $(RUNTIME_STAMP)
	$(CLI) validate

check: $(RUNTIME_STAMP)
	$(CLI) check

test: $(DEV_STAMP)
	$(BIN)/pytest -q

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Regenerate the golden files of the test fixtures and the golden diffs (review the diff like code).
golden: $(RUNTIME_STAMP)
	$(CLI) --environments tests/fixtures/environments --output tests/golden render
	$(BIN)/python -m scripts.write_golden_diffs

# What the working tree changes against the merge base with origin/main (or main): objects, Ray impact,
# capacity. BASE=<git ref or rendered folder> compares with something else; FORMAT=markdown for a comment.
diff: $(RUNTIME_STAMP)
	$(CLI) diff $(if $(BASE),--base $(BASE)) $(if $(FORMAT),--format $(FORMAT))

# Regenerate the exact expected messages of the invalid corpus (review the diff like code).
corpus: $(DEV_STAMP)
	$(BIN)/python -m scripts.write_corpus_expectations

# Regenerate docs/rules.md and docs/troubleshooting.md from the checks' declarations and the corpus
# messages (a test fails when either is stale).
docs: $(RUNTIME_STAMP)
	$(BIN)/python -m scripts.write_rules_doc
	$(BIN)/python -m scripts.write_troubleshooting

# Re-derive schemas/ and the upstream sample fixtures from ../shared (the only step that reads it). Git
# directories of ray-project/kuberay (KUBERAY_GIT, the operator's feature gates) and fluxcd/notification-controller
# (NOTIFICATION_CONTROLLER_GIT, the Alert schema) re-derive the files ../shared has no source for.
schemas: $(RUNTIME_STAMP)
	$(BIN)/python -m scripts.derive_upstream $(if $(KUBERAY_GIT),--kuberay $(KUBERAY_GIT)) \
		$(if $(NOTIFICATION_CONTROLLER_GIT),--notification-controller $(NOTIFICATION_CONTROLLER_GIT))
	$(BIN)/python -m scripts.write_environment_schema

# kapitan 0.36 in a virtual environment of its own (its pinned dependencies would clash with ours), for the
# comparison issue 13 asks for
KAPITAN_VENV := .venv-kapitan
$(KAPITAN_VENV)/bin/kapitan:
	$(PYTHON) -m venv $(KAPITAN_VENV)
	$(KAPITAN_VENV)/bin/python -m pip install --quiet 'kapitan==0.36.0'

bench: $(DEV_STAMP) $(KAPITAN_VENV)/bin/kapitan
	$(BIN)/python benchmarks/run.py --kapitan $(KAPITAN_VENV)/bin/kapitan

clean:
	rm -rf $(VENV) $(KAPITAN_VENV) .mypy_cache .pytest_cache .ruff_cache
