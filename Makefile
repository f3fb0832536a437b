# paperkg: `make demo` (sample library + app) and `make test` (the whole suite).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOME_DIR ?= .paperkg
PORT ?= 8501
# Debian installs wait for a busy package manager instead of failing.
APT := apt-get -o DPkg::Lock::Timeout=600
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FAST := not model and not bolt and not browser and not slow

.PHONY: demo test test-fast setup setup-test system-deps bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch is pinned to the CPU wheel first so nothing pulls a CUDA build.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[app]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[bench]"
	touch $@

setup: $(VENV)/.installed-app
setup-test: $(VENV)/.installed-test

# What the tests need beyond Python: chromium and CJK fonts for the browser tests (Noto Sans CJK,
# the companion of the app's Latin face, which the app asks for first; WenQuanYi Micro Hei for xelatex).
# The export tests' independent readers: xmllint and the GraphML XSD (libjgrapht-java ships it),
# pandoc, BibTeX/biber with pdflatex, xelatex and biblatex (the smallest texlive set with them),
# and the npm readers pinned in tests/js (graphology, Cytoscape.js).
EXPORT_DEBS := libxml2-utils libjgrapht-java pandoc biber texlive-latex-base texlive-xetex texlive-bibtex-extra
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wqy || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK SC"; then \
		$(SUDO) $(APT) update -qq && $(SUDO) $(APT) install -y -qq chromium fonts-wqy-microhei fonts-noto-cjk >/dev/null; \
	fi
	@if ! dpkg -s $(EXPORT_DEBS) >/dev/null 2>&1; then \
		$(SUDO) $(APT) update -qq && $(SUDO) $(APT) install -y -qq --no-install-recommends $(EXPORT_DEBS) >/dev/null; \
	fi
	@if [ ! -f tests/js/node_modules/.package-lock.json ] || [ tests/js/package-lock.json -nt tests/js/node_modules/.package-lock.json ]; then \
		npm ci --prefix tests/js --no-audit --no-fund --loglevel=error; \
	fi

demo: setup
	$(BIN)/paperkg --home $(HOME_DIR) ingest data/digests
	$(BIN)/paperkg --home $(HOME_DIR) ui --port $(PORT)

test: setup-test system-deps
	$(BIN)/python -m pytest -q

# The pure core: no model, JVM or browser (under 2 minutes).
test-fast: setup-test
	$(BIN)/python -m pytest -q -m "$(FAST)"

bench: setup-test
	for b in bench_ingest bench_parse_adversarial bench_entities bench_search bench_search_quality bench_relevance bench_related bench_embed bench_ann bench_export bench_neo4j bench_app bench_crash_loops; do $(BIN)/python -m bench.$$b || exit 1; done

clean:
	rm -rf $(VENV) $(HOME_DIR) bench/out artifacts
