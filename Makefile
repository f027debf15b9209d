# The doors in: `make demo`, `make test`, `make bench`. Each installs missing system packages first.
SWIFT ?= swift
APT_PACKAGES := pkg-config git libgit2-dev libyaml-dev libpq-dev postgresql chromium chromium-driver
# command=package: what the tests run, and the PyPI package that brings it.
PIP_TOOLS := check-jsonschema=check-jsonschema moto_server=moto[server] st=schemathesis
# module=package: Python libraries the tests import (the browser tests drive Chromium with Selenium).
PIP_MODULES := selenium=selenium
TALAB := .build/debug/talab
SWIFT_FILES = $(shell git ls-files --cached --others --exclude-standard '*.swift')

.PHONY: deps build test lint format demo bench

deps:
	@missing=""; \
	for package in $(APT_PACKAGES); do \
		dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@for pair in $(PIP_TOOLS); do \
		tool=$${pair%%=*}; package=$${pair#*=}; \
		command -v $$tool >/dev/null 2>&1 || { echo "installing $$package (PyPI)"; python3 -m pip install -q "$$package"; }; \
	done
	@for pair in $(PIP_MODULES); do \
		module=$${pair%%=*}; package=$${pair#*=}; \
		python3 -c "import $$module" >/dev/null 2>&1 || { echo "installing $$package (PyPI)"; python3 -m pip install -q "$$package"; }; \
	done

build: deps
	$(SWIFT) build

lint:
	@echo "swift format lint --strict ($(words $(SWIFT_FILES)) files)"
	@$(SWIFT) format lint --strict --parallel $(SWIFT_FILES)

format:
	$(SWIFT) format --in-place --parallel $(SWIFT_FILES)

test: deps
	$(SWIFT) build --build-tests
	$(MAKE) --no-print-directory lint
	$(SWIFT) test

# The scripted demonstration (Demo/run): talab dev on the embedded Tenants/, conversations in four
# languages, a court and a salon booking, the orders. Its keys stay in .talab/, never in git.
demo: build
	@Demo/run

# Every benchmark on this machine, then one table of their figures beside floor and aim
# (`talab bench table`). A benchmark below its own goal does not stop the others; the table says so.
BENCH_SCORECARD := .build/bench-scorecard.jsonl
bench: export TALAB_BENCH_SCORECARD := $(abspath $(BENCH_SCORECARD))
bench: deps
	$(SWIFT) build -c release
	@rm -f $(BENCH_SCORECARD)
	-.build/release/talab bench db
	-.build/release/talab bench config
	-.build/release/talab bench reconcile
	-.build/release/talab bench webhook --workers 0 --rates 0
	-.build/release/talab bench webhook
	-.build/release/talab bench webhook --servers 3
	-.build/release/talab bench conversation --conversations 200
	-.build/release/talab bench attack
	@echo
	.build/release/talab bench table $(BENCH_SCORECARD)
