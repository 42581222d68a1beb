# The two commands of a fresh machine: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench handout clean

$(VENV)/.ready: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	print('\n'.join(p['dependencies'] + p['optional-dependencies']['test']))" > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt
	$(PY) -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project'] \
	['optional-dependencies']['oracle']))" > $(VENV)/oracle.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(VENV)/oracle.txt \
	  || echo "make: PyTorch (optional) did not install; tests/test_torch_oracle.py will be skipped"
	touch $@

demo: $(VENV)/.ready
	$(PY) -m autograder demo

test: $(VENV)/.ready
	$(PY) -m pytest -q

bench: $(VENV)/.ready
	$(PY) -m benchmarks

handout: $(VENV)/.ready
	$(PY) -m autograder handout

clean:
	rm -rf $(VENV) build demo_output
