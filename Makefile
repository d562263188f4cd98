# Set up a local virtual environment (reused when present) and run the demo or the tests.
# torch is pinned to the CPU build that these machines keep on disk; never let pip pick a CUDA build.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.deepgrade-installed

.PHONY: setup demo test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[dev,report]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	rm -rf build/demo
	$(PY) -m grader grade examples/submissions/01_02 -a 01,02 -o build/demo/01_02 --config examples/demo.toml
	$(PY) -m grader grade examples/submissions/03_04 -a 03,04 -o build/demo/03_04 --config examples/demo.toml
	$(PY) -m grader grade examples/submissions/05_06 -a 05,06 -o build/demo/05_06 --config examples/demo.toml

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf build
