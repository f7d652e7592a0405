# Two commands do all the set-up on a fresh machine:
#   make train   -> virtualenv, install, train the lecture's MNIST network, draw its graph
#   make test    -> virtualenv, install with test extras (+ graphviz, chromium), run the tests
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-test

.PHONY: train test venv system-deps clean notebooks

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e .
	touch $@

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[test,torch]'
	touch $@

venv: $(VENV)/.installed

$(VENV)/.installed-lessons: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[lessons]'
	touch $@

# graphviz's `dot` draws the graph pictures; chromium + chromium-driver run the stepper's browser test.
system-deps:
	@bash scripts/system_deps.sh

train: $(VENV)/.installed
	@bash scripts/system_deps.sh graphviz
	$(PY) -m tinygrad_edu.main

# The lesson notebooks: lessons/NN_topic.py (Jupytext percent format) -> lessons/NN_topic.ipynb;
# then `.venv/bin/jupyter lab lessons/` (or any Jupyter; with jupytext installed the .py opens too).
notebooks: $(VENV)/.installed-lessons
	$(PY) -m jupytext --to ipynb lessons/[0-9][0-9]_*.py
	$(PY) lessons/spanish.py  # the Spanish edition: lessons/es/NN_topic.ipynb

test: $(STAMP) system-deps
	$(PY) -m pytest -q -n 2 -m "not slow"

clean:
	rm -rf $(VENV) runs .pytest_cache
