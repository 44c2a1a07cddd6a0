# Two commands do all the set-up on a fresh machine:
#   make demo   installs mteval with its model extra (CPU torch) and runs the bundled demo (configs/demo.yaml)
#   make test   installs mteval with its test, model and ray extras and runs the tests
PY ?= python3
PIP = $(PY) -m pip install -q --disable-pip-version-check

.PHONY: install install-models demo test

install:
	$(PIP) -e .

# torch's CPU wheel first: a plain torch requirement would pull the multi-GB CUDA build.
install-models:
	$(PIP) torch==2.13.0
	$(PIP) -e '.[models]'

demo: install-models
	mteval run configs/demo.yaml

test:
	bash scripts/install-test-deps.sh
	$(PIP) torch==2.13.0
	$(PIP) -e '.[test,models,ray]'
	$(PY) -m pytest -q -rs
