# Two commands on a fresh machine:  make install  &&  make test
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install test test-all bench lint priors
install:
	./scripts/setup.sh

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
