# The two commands of the README. Everything else is in scripts/ and infra/.
.PHONY: run test install lint

VENV ?= .venv

## Install into .venv and serve the API on the embedded default (no servers needed).
run: install
	$(VENV)/bin/tuneton serve

## Run the whole suite: installs, starts Kafka + schema registry + PostgreSQL, lints, tests.
test:
	bash scripts/test.sh

install:
	bash scripts/install.sh

lint: install
	bash scripts/lint.sh
