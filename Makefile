# Everything installs into .venv from nothing; `make run` and `make test` are the only two commands.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install bench mutation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python app.py $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# docs/performance.md: about 2 minutes; run it when `uptime` shows the machine quiet
bench: $(STAMP)
	@uptime
	$(BIN)/python bench/burst_bench.py
	$(BIN)/python bench/health_bench.py 200 20
	$(BIN)/python bench/health_bench.py 80 80 hang
	$(BIN)/python bench/storage_bench.py
	$(BIN)/python bench/outbox_bench.py
	@uptime

# Mutation testing of the pure rule modules against their own unit tests (not part of `make test`
# or CI; one worker process). ARGS="sla damping" runs some of them.
mutation: $(STAMP)
	$(BIN)/python tests/mutation/run.py $(ARGS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache occ.db occ.db-*
