SHELL := /bin/bash
.DEFAULT_GOAL := test

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
DEMO   ?= projects/stdp_demo.snnproj
PYTEST_ARGS ?=
# make test reruns these with NUMBA_DISABLE_JIT=1, so that the kernels' Python form runs too.
JIT_FREE_TESTS = tests/engine

# System libraries Qt needs for the offscreen platform (Debian package names).
SYSDEPS_PKGS ?= libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 \
                libglib2.0-0 libxkbcommon0
# Extra libraries Qt's X11 (xcb) platform needs to open a real window.
DISPLAY_PKGS ?= libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
                libxcb-render-util0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-randr0 \
                libxcb-shape0 libxcb-xinerama0

.PHONY: all venv venv-test sysdeps test run bench bench-env clean distclean format schema

all: test

# --- virtualenv ---------------------------------------------------------------
# The stamps are real files: pip only runs when pyproject.toml is newer than them.
venv: venv-test

venv-test: $(VENV)/.installed-test

$(VPY):
	$(PYTHON) -m venv $(VENV)

# Installing also compiles the simulation kernels into Numba's cache (about 25 s, once), so that
# the first run does not wait for them.
WARM_UP = $(VPY) -c 'from engine.sim.simulator import warm_up_kernels as w; \
                     print(f"Simulation kernels ready ({w():.0f} s)")'

$(VENV)/.installed-test: pyproject.toml | $(VPY)
	$(VPY) -m pip install -e '.[test,reference]'
	$(WARM_UP)
	touch $(VENV)/.installed $@

$(VENV)/.installed: pyproject.toml | $(VPY)
	$(VPY) -m pip install -e .
	$(WARM_UP)
	touch $@

# --- system libraries ---------------------------------------------------------
sysdeps:
	@missing=""; \
	for p in $(SYSDEPS_PKGS); do \
	  dpkg -s "$$p" >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then \
	  echo "sysdeps: all Qt offscreen libraries present"; \
	elif [ "$$(id -u)" = "0" ]; then \
	  echo "sysdeps: installing missing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update && apt-get install -y --no-install-recommends $$missing; \
	else \
	  echo "sysdeps: missing system libraries:$$missing"; \
	  echo "Run: sudo apt-get install -y --no-install-recommends$$missing"; \
	  exit 1; \
	fi

# --- checks -------------------------------------------------------------------
test: sysdeps venv-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	QT_QPA_PLATFORM=offscreen $(VPY) -m pytest $(PYTEST_ARGS)
	NUMBA_DISABLE_JIT=1 QT_QPA_PLATFORM=offscreen $(VPY) -m pytest -m "not slow" -q $(JIT_FREE_TESTS)

# Regenerate the JSON schema and the node-type reference in docs/file-format.md from the
# catalog (tests/engine/test_schema.py fails until this is run after a catalog change).
schema: venv-test
	$(VPY) -m engine.io.schema --write

format: venv-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# --- running ------------------------------------------------------------------
run: $(VENV)/.installed
	@if [ -n "$${DISPLAY:-}" ]; then \
	  $(MAKE) --no-print-directory sysdeps SYSDEPS_PKGS="$(SYSDEPS_PKGS) $(DISPLAY_PKGS)"; \
	else \
	  $(MAKE) --no-print-directory sysdeps; \
	fi
	@if [ -z "$${DISPLAY:-}" ] && [ -z "$${WAYLAND_DISPLAY:-}" ] && [ -z "$${QT_QPA_PLATFORM:-}" ]; then \
	  echo "No display found: running the demo headless; report in out/"; \
	  QT_QPA_PLATFORM=offscreen $(VENV)/bin/spikestudio run $(DEMO) --out out; \
	else \
	  $(VENV)/bin/spikestudio open $(DEMO); \
	fi

# --- benchmarks ---------------------------------------------------------------
# SpikeStudio runs in $(VENV); the peers (Brian2 cpp_standalone, NEST) in their own venv, so the
# main one is untouched (Brian2 needs numpy<2.4 on Python 3.11). A peer that cannot be
# installed gives rows that say "not installed". Options: make bench BENCH_ARGS="--quick".
PEERS_VENV ?= .venv-peers
BENCH_ARGS ?=

bench-env: $(PEERS_VENV)/.installed

$(PEERS_VENV)/.installed: benchmarks/requirements-peers.txt
	$(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install -r benchmarks/requirements-peers.txt
	touch $@

bench: $(VENV)/.installed
	@$(MAKE) --no-print-directory bench-env || \
	  echo "bench: could not set up $(PEERS_VENV); the peers' rows will say 'not installed'"
	$(VPY) benchmarks/run_all.py --peers-python $(PEERS_VENV)/bin/python $(BENCH_ARGS)

# --- cleaning -----------------------------------------------------------------
clean:
	rm -rf out .pytest_cache .ruff_cache .numba_cache .hypothesis
	find . -path ./$(VENV) -prune -o -path ./.git -prune -o \
	  -type d -name __pycache__ -print0 | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV)
