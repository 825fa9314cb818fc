# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared

.PHONY: demo test lint eval fit distill bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/newstrace compare $(SHARED)/examples/seed_source.txt $(SHARED)/examples/seed_rewrite.txt

test: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/pytest -q

eval: $(VENV)/.installed
	$(BIN)/newstrace eval $(SHARED)/data

fit: $(VENV)/.installed
	$(BIN)/python scripts/fit_calibration.py $(SHARED)/data --encoder minilm
	$(BIN)/python scripts/fit_calibration.py $(SHARED)/data --encoder static

distill: $(VENV)/.installed
	$(BIN)/python scripts/distill_static.py $(SHARED)/data

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/compare_speed.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
