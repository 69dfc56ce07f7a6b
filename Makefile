# Faiss Case Studies. `make run` and `make test` set everything up themselves (.venv, pinned packages).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# faiss-gpu where a GPU answers, faiss-cpu elsewhere (the two ship the same module: never both)
FAISS := $(shell nvidia-smi >/dev/null 2>&1 && echo gpu || echo cpu)
EXTRAS := $(FAISS),peers,real
STAMP := $(VENV)/.installed-$(FAISS)

.PHONY: help install run glove quick test lint test-helpers test-notebooks outputs report lab clean distclean

help:
	@echo "make run     all ten notebooks at full scale on synthetic data, then on GloVe; build/report/ and the README's results"
	@echo "make glove   the GloVe pass alone (profile glove of notebooks/profiles.yaml)"
	@echo "make quick   all notebooks at the quick sizes of notebooks/profiles.yaml, then build/report/"
	@echo "make test    pytest on tests/ + nbval on quick copies of every notebook (what CI runs)"
	@echo "make lab     JupyterLab on notebooks/"
	@echo "make outputs re-run notebooks in place at full scale: the committed outputs (NOTEBOOKS=02 07 for some)"
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
	$(PY) -m helpers.run --no-report
	$(PY) -m helpers.run --profile glove --update-readme

glove: install
	$(PY) -m helpers.run --profile glove

quick: install
	$(PY) -m helpers.run --profile quick

test: lint test-helpers test-notebooks

lint: install
	$(VENV)/bin/ruff check .

test-helpers: install
	$(PY) -m pytest -q tests

# nbval executes quick copies (papermill-prepared: quick sizes injected, the committed full-scale outputs
# kept) and compares the cells marked NBVAL_CHECK_OUTPUT, which print nothing that depends on the scale.
test-notebooks: install
	rm -rf build/nbval
	$(PY) -m helpers.run --profile quick --prepare-only build/nbval
	TQDM_DISABLE=1 FAISS_CASE_STUDIES_BUILD=$(CURDIR)/build/nbval-results \
		$(PY) -m pytest -q --nbval-lax --nbval-current-env build/nbval

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
