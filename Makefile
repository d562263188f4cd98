# Set up a local virtual environment (reused when present) and run the demo or the tests.
# torch is pinned to a CPU build (see TORCH_INDEX_URL below); never let pip pick a CUDA build.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.deepgrade-installed

.PHONY: setup demo test test-fast validate examples clean

# torch comes from PyTorch's CPU wheel index (a plain `pip install torch` on Linux pulls the
# CUDA build, about 5 GB). Override with TORCH_INDEX_URL=...; where that index cannot be reached
# (offline mirrors, pip configurations that already serve the CPU wheel) pip's own configuration
# is used instead, and the result is checked to be a CPU build either way.
TORCH_INDEX_URL ?= https://download.pytorch.org/whl/cpu
TORCH_SPEC      ?= torch==2.13.0

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --timeout 20 --retries 1 --index-url "$(TORCH_INDEX_URL)" "$(TORCH_SPEC)" \
	  || $(PY) -m pip install -q "$(TORCH_SPEC)"
	$(PY) -c "import torch, sys; sys.exit('a CUDA build of torch was installed; set TORCH_INDEX_URL to a CPU wheel index' if torch.version.cuda else 0)"
	$(PY) -m pip install -q -e ".[dev,dask,notebook,nbgrader,report]"
	touch $(STAMP)

setup: $(STAMP)

# The sandbox needs root; the bundled examples are trusted code, so others grade them without it.
DEMO_SANDBOX := $(if $(filter 0,$(shell id -u 2>/dev/null || echo 0)),,--no-sandbox)

demo: $(STAMP)
	rm -rf build/demo
	@if [ -n "$(DEMO_SANDBOX)" ]; then echo "make demo: not root, so the bundled trusted examples are graded without the sandbox (--no-sandbox)."; fi
	$(PY) -m grader grade examples/submissions/01_02 -a 01,02 -o build/demo/01_02 --config examples/demo.toml $(DEMO_SANDBOX)
	$(PY) -m grader grade examples/submissions/03_04 -a 03,04 -o build/demo/03_04 --config examples/demo.toml $(DEMO_SANDBOX)
	$(PY) -m grader grade examples/submissions/05_06 -a 05,06 -o build/demo/05_06 --config examples/demo.toml $(DEMO_SANDBOX)

# Two pytest-xdist workers; each file's tests stay on one worker, notebook runs spread (tests/conftest.py).
# PYTHONDONTWRITEBYTECODE is cleared for pytest alone so that its assertion-rewritten modules
# are cached between runs instead of being rewritten by every worker each time.
PYTEST := PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n 2 --dist loadfile

test: $(STAMP)
	$(PYTEST)

# Everything but the tests marked slow or sandbox (pyproject: [tool.pytest.ini_options] markers).
test-fast: $(STAMP)
	$(PYTEST) -m "not slow and not sandbox"

# Self-test of the exercises (see grader/validation.py); exits non-zero and says what to fix.
validate: $(STAMP)
	$(PY) -m grader validate

# Regrade the bundled examples; rewrite their EXPECTED.json and README score tables (grader/examples.py).
examples: $(STAMP)
	$(PY) -m grader.examples

clean:
	rm -rf build
