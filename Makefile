# Two commands do all the set-up: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_OUT ?= demo-output

.PHONY: setup demo test unit notebooks bench clean graphviz

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "journeymining needs Python 3.11 or newer; found " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

graphviz:
	@sh scripts/ensure-graphviz.sh

setup: $(STAMP) graphviz

# The main analysis on data/samples/: generated tickets against the intended map that generated
# them, and the real help-desk log against the intended help-desk journey.
demo: setup
	$(BIN)/journeymining analyze data/samples/generated/tickets_events.csv \
		--mapping data/samples/mappings/generated_events.yaml \
		--map data/samples/intended_journey.yaml --out $(DEMO_OUT)/generated --overwrite
	$(BIN)/journeymining analyze data/samples/helpdesk.csv.gz \
		--mapping data/samples/mappings/helpdesk.yaml \
		--map data/samples/helpdesk_intended_journey.yaml --out $(DEMO_OUT)/helpdesk --overwrite
	@echo "journeymining demo: open $(DEMO_OUT)/generated/index.html and $(DEMO_OUT)/helpdesk/index.html"

# Unit tests, doctests and every notebook under nbval, in one pytest run.
test: setup
	@sh scripts/ensure-chromium.sh
	@sh scripts/ensure-java.sh
	$(BIN)/python -m pytest journeymining tests notebooks --nbval --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider

unit: setup
	@sh scripts/ensure-java.sh
	$(BIN)/python -m pytest journeymining tests -p no:cacheprovider

notebooks: setup
	$(BIN)/python -m pytest notebooks --nbval --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider

bench: setup
	$(BIN)/python benchmarks/bench_conversion.py
	$(BIN)/python benchmarks/bench_conformance.py
	$(BIN)/python benchmarks/bench_clustering.py
	$(BIN)/python benchmarks/bench_analyze.py
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache
