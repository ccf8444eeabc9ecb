# The two commands of the README. Everything else is in scripts/ and infra/.
.PHONY: run test install lint

VENV ?= .venv

## Install into .venv, build the Mini App (cached), seed the demo catalog on first start (idempotent),
## serve the API and the app on the embedded default (no servers needed).
run: install
	bash scripts/install-system.sh
	bash scripts/build-miniapp.sh || echo "(Mini App not built: needs Node.js 20+ and npm; the API still starts)"
	$(VENV)/bin/tuneton demo --if-empty || echo "(demo catalog not seeded; the API still starts)"
	$(VENV)/bin/tuneton serve

## Run the whole suite: installs, starts Kafka + schema registry + PostgreSQL, lints, tests.
test:
	bash scripts/test.sh

install:
	bash scripts/install.sh

lint: install
	bash scripts/lint.sh
