# Two commands on a fresh machine:  make install  &&  make test
# make install pins the versions in constraints.txt; make install-latest tries the newest
# releases in a venv of its own (.venv-latest); make lock refreshes constraints.txt.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install install-latest lock test test-all test-latest bench lint priors docs
install:
	./scripts/setup.sh

install-latest:
	VENV=.venv-latest CONSTRAINTS= ./scripts/setup.sh

test-latest:
	MUJOCO_GL=$${MUJOCO_GL:-egl} .venv-latest/bin/python -m pytest -q

lock:
	./scripts/lock.sh

test:
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(PY) -m pytest -q

test-all:
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(PY) -m pytest -q -m ""

bench:
	$(PY) -m bench all

lint:
	$(PY) -m ruff check mwx_sdk plugins skills cli tests bench

priors:
	$(PY) scripts/build_priors.py

docs:
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site
