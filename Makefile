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

demo: setup
	$(BIN)/python scripts/demo.py --out $(DEMO_OUT)

# Unit tests, doctests and every notebook under nbval, in one pytest run.
test: setup
	$(BIN)/python -m pytest journeymining tests notebooks --nbval --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider

unit: setup
	$(BIN)/python -m pytest journeymining tests -p no:cacheprovider

notebooks: setup
	$(BIN)/python -m pytest notebooks --nbval --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider

bench: setup
	$(BIN)/python benchmarks/bench_conversion.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache
