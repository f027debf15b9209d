# The doors in: `make demo`, `make test`, `make bench`. Each installs missing system packages first.
SWIFT ?= swift
APT_PACKAGES := pkg-config git libgit2-dev libyaml-dev libpq-dev postgresql
PIP_TOOLS := check-jsonschema
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
	@for tool in $(PIP_TOOLS); do \
		command -v $$tool >/dev/null 2>&1 || { echo "installing $$tool (PyPI)"; python3 -m pip install -q $$tool; }; \
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

# The demo's own master key (kept in .talab/, never in git) and stand-in tokens for the example
# tenants, which talk to a local fake of the Graph API, never to Meta.
DEMO_ENV = TALAB_MASTER_KEY="$$(cat .talab/master.key)" ABU_SALIM_WA_TOKEN=demo-token \
	ABU_SALIM_HAMRA_WA_TOKEN=demo-token PADEL_FIVE_WA_TOKEN=demo-token SALON_RIMA_WA_TOKEN=demo-token

demo: build
	@mkdir -p .talab
	@[ -s .talab/master.key ] || head -c 32 /dev/urandom | base64 > .talab/master.key
	$(TALAB) validate
	$(TALAB) db start
	$(TALAB) migrate
	@$(DEMO_ENV) $(TALAB) apply
	$(TALAB) db tables
	@echo
	@echo "The database keeps running. Connect with:  psql \"$$($(TALAB) db url)\""
	@echo "Stop it with:  $(TALAB) db stop"

bench: deps
	$(SWIFT) build -c release
	.build/release/talab bench db
	.build/release/talab bench config
	.build/release/talab bench reconcile
	.build/release/talab bench webhook
