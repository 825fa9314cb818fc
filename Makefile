# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared

.PHONY: demo scan-demo serve test lint eval fit distill bench bench-serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/newstrace compare $(SHARED)/examples/seed_source.txt $(SHARED)/examples/seed_rewrite.txt

SERVE_INDEX ?= .newstrace-serve
PORT ?= 8000

# a small index of the bundled real articles (examples/corpus) and the seed source, then the server
serve: $(VENV)/.installed
	$(BIN)/newstrace index add examples/corpus $(SHARED)/examples/seed_source.txt --index $(SERVE_INDEX)
	@echo "open http://127.0.0.1:$(PORT)/ and paste $(SHARED)/examples/seed_rewrite.txt"
	$(BIN)/newstrace serve --index $(SERVE_INDEX) --port $(PORT)

# the second example: a scan of the 30 bundled real articles plus the seed pair
scan-demo: $(VENV)/.installed
	$(BIN)/newstrace scan examples/corpus $(SHARED)/examples/seed_source.txt $(SHARED)/examples/seed_rewrite.txt --out .newstrace-scan --encoder static
	@echo "report: .newstrace-scan/report.html"

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

bench-serve: $(VENV)/.installed
	$(BIN)/python benchmarks/serve_load.py --shared $(SHARED)

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache artifacts $(SERVE_INDEX)
