# paperkg: `make demo` (sample library + app) and `make test` (the whole suite).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOME_DIR ?= .paperkg
PORT ?= 8501

.PHONY: demo test setup system-deps bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch is pinned to the CPU wheel first so nothing pulls a CUDA build.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

setup: $(VENV)/.installed

# Chromium and a CJK font for the browser tests (Debian; needs root or sudo).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wqy; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	fi

demo: setup
	$(BIN)/paperkg --home $(HOME_DIR) ingest data/digests
	$(BIN)/paperkg --home $(HOME_DIR) ui --port $(PORT)

test: setup system-deps
	$(BIN)/python -m pytest -q

bench: setup
	for b in bench_ingest bench_search bench_embed bench_ann bench_export bench_neo4j bench_app; do $(BIN)/python -m bench.$$b || exit 1; done

clean:
	rm -rf $(VENV) $(HOME_DIR) bench/out artifacts
