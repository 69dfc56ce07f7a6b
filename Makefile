# Faiss Case Studies. `make run` and `make test` set everything up themselves (.venv, pinned packages).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# faiss-gpu where a GPU answers, faiss-cpu elsewhere (the two ship the same module: never both)
FAISS := $(shell nvidia-smi >/dev/null 2>&1 && echo gpu || echo cpu)
EXTRAS := $(FAISS),peers
STAMP := $(VENV)/.installed-$(FAISS)

.PHONY: help install run quick test test-helpers test-notebooks outputs report lab clean distclean

help:
	@echo "make run     all ten notebooks at full scale, then build/report/ (and the README's results table)"
	@echo "make quick   all notebooks at their quick defaults, then build/report/"
	@echo "make test    pytest on tests/ + nbval on every notebook (what CI runs)"
	@echo "make lab     JupyterLab on notebooks/"
	@echo "make outputs re-run the notebooks in place with their defaults (the committed outputs)"
	@echo "make clean   remove build outputs (never data/ or .venv)"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	$(PY) -c "import faiss, helpers; print('faiss', faiss.__version__, 'GPUs:', faiss.get_num_gpus())"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	$(PY) -m helpers.run --profile full --update-readme

quick: install
	$(PY) -m helpers.run --profile quick

test: test-helpers test-notebooks

test-helpers: install
	$(PY) -m pytest -q tests

test-notebooks: install
	$(PY) -m pytest -q --nbval-lax --nbval-current-env notebooks

outputs: install
	$(PY) -m helpers.run --in-place $(NOTEBOOKS)

report: install
	$(PY) -m helpers.report

lab: install
	$(VENV)/bin/jupyter lab notebooks

clean:
	rm -rf build .pytest_cache *.egg-info
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
