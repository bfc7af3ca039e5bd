# Two commands for a newcomer: `make run` and `make test`. Each installs what it needs, once.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
SOLC_BIN := $(CURDIR)/scripts/solc/bin
SOLC_VERSION := 0.8.30
NPM_BIN := $(CURDIR)/node_modules/.bin

# py-solc-x and ape-solidity find the solcjs wrapper here; ape-foundry finds anvil on PATH.
export SOLCX_BINARY_PATH := $(SOLC_BIN)
export PATH := $(BIN):$(PATH)

# geth v1.13.15, the last release that seals clique, built once from the Go module proxy into a
# cache outside the repository (next_node/chain/geth.py looks there too), rebuilt where missing.
GETH_VERSION := 1.13.15
GETH_DIR := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/next-node/geth-v$(GETH_VERSION)
GETH := $(GETH_DIR)/geth

PY_STAMP := $(VENV)/.installed
JS_STAMP := node_modules/.installed
WEB_DIST := src/next_node/web/dist/index.html

.PHONY: setup geth postgres chromium prometheus webapp webapp-types run demo network test test-quick test-deep lint artifacts bench-gas gas-snapshot bench-index bench-api bench-e2e bench-network bench-sign bench-audit bench-smoke clean

setup: $(PY_STAMP) $(JS_STAMP) $(BIN)/anvil $(BIN)/solc-v$(SOLC_VERSION) geth $(WEB_DIST)

# The members' web app (webapp/), bundled with ethers.js by esbuild from npm into the folder the
# gateway serves at /app/: nothing is fetched from outside at run time.
$(WEB_DIST): $(JS_STAMP) src/next_contracts/messages.json $(wildcard webapp/* webapp/src/* webapp/src/views/* webapp/src/generated/*)
	node webapp/build.mjs

webapp: $(JS_STAMP)
	node webapp/build.mjs

$(PY_STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[node,dev]'
	@# See pyproject.toml: its declared evm-trace bound conflicts with eth-ape's and is unused.
	$(BIN)/pip install --quiet --no-deps ape-foundry==0.8.12
	touch $@

$(JS_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The native anvil binary ships in an npm package per platform (linux-amd64 is pinned); link it
# where ape-foundry and next-node look.
$(BIN)/anvil: $(JS_STAMP) $(PY_STAMP)
	@anvil=$$(ls $(CURDIR)/node_modules/@foundry-rs/anvil-*/bin/anvil 2>/dev/null | head -n 1); \
	  test -n "$$anvil" || { echo "no anvil binary for this platform in node_modules/@foundry-rs" >&2; exit 1; }; \
	  ln -sf "$$anvil" $@

# The pinned solcjs wrapper beside the installed commands, where next_contracts.build.find_solc looks
# when SOLCX_BINARY_PATH is not set: an installed `next-audit` rebuilds the contracts by itself.
$(BIN)/solc-v$(SOLC_VERSION): $(PY_STAMP)
	ln -sf $(SOLC_BIN)/solc-v$(SOLC_VERSION) $@

# -checklinkname=0: geth's memsize dependency links a runtime symbol that Go 1.23 and later refuse.
geth:
	@$(GETH) version 2>/dev/null | grep -q '^Version: $(GETH_VERSION)-stable' || { \
	  command -v go >/dev/null || { echo "Go is needed once, to build geth v$(GETH_VERSION)" >&2; exit 1; }; \
	  echo "building geth v$(GETH_VERSION) into $(GETH_DIR) (once; a few minutes) ..."; \
	  GOBIN=$(GETH_DIR) GOFLAGS=-buildvcs=false go install -ldflags='-checklinkname=0 -s -w' \
	    github.com/ethereum/go-ethereum/cmd/geth@v$(GETH_VERSION) && \
	  $(GETH) version | grep -q '^Version: $(GETH_VERSION)-stable'; }

run: setup
	$(BIN)/next-node up

# The same node, seeded on its first start with a small community (see src/next_node/demo.py).
demo: setup
	$(BIN)/next-node up --demo --data-dir data-demo

# Three geth validators on loopback (RPC 8545-8547, peers 30303-30305), written once into
# ./network, and the node following the first; see the README's operator guide.
network: setup
	test -f network/network.json || $(BIN)/next-node network init --data-dir network --validators 3
	$(BIN)/next-node network up --data-dir network

# The gateway's tests run on PostgreSQL too: Debian's server, started by the tests on loopback.
postgres:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# The web app's tests drive Debian's Chromium (playwright-core, never a downloaded browser).
chromium:
	@command -v chromium >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The operator's metrics are scraped in the tests by Debian's Prometheus, as an operator runs it.
prometheus:
	@command -v prometheus >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null; }

test: setup postgres chromium prometheus
	$(BIN)/ruff check src scripts bench tests
	$(BIN)/ruff format --check src scripts bench tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(NPM_BIN)/solhint --max-warnings 0 'contracts/**/*.sol'
	$(NPM_BIN)/prettier --check 'contracts/**/*.sol' 'webapp/**/*.{js,mjs,ts,css,html}' 'tests/web/*.mjs'
	$(NPM_BIN)/tsc -p webapp
	@# One session: the shared fixtures in tests/conftest.py, ape's beside the contract tests.
	@# Three workers on two cores: most of these tests wait on one-second blocks, not on the CPU.
	@# By file, so that a module's chain and database stay in one worker. The 25 slowest tests are
	@# printed at the end: what to move to test-deep when the session passes 20 minutes.
	$(BIN)/python -m pytest tests -q -p no:warnings -n 3 --dist loadfile --durations=25

# A newcomer's first answer, in about 9 minutes: no linters, no test marked slow (networks of validators,
# the demo, browsers, fuzzing runs). Not a substitute for `make test`.
test-quick: setup postgres prometheus
	HYPOTHESIS_PROFILE=quick $(BIN)/python -m pytest tests -q -p no:warnings -n 3 --dist loadfile -m "not deep and not slow"

# The deeper run, after `make test` in CI (about 40 minutes): the stateful tests' long histories
# (each about a quarter of an hour), the validators failing and joining one at a time, a partition,
# the demo's audit on three validators, the SIGKILL and validator runs on PostgreSQL; then every
# benchmark once at a tiny size, so that none can silently break.
test-deep: setup postgres chromium prometheus
	HYPOTHESIS_PROFILE=deep $(BIN)/python -m pytest tests -q -p no:warnings -n 3 --dist loadfile -m deep --durations=10
	$(MAKE) --no-print-directory bench-smoke

lint: setup
	$(BIN)/ruff check --fix src scripts bench tests
	$(BIN)/ruff format src scripts bench tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(NPM_BIN)/prettier --write --log-level warn 'contracts/**/*.sol' 'webapp/**/*.{js,mjs,ts,css,html}' 'tests/web/*.mjs'
	$(NPM_BIN)/solhint --max-warnings 0 'contracts/**/*.sol'
	$(NPM_BIN)/tsc -p webapp

# The web app's generated TypeScript (webapp/src/generated/): the contracts' functions from the
# artifacts, the vocabulary, the API's types from the gateway's OpenAPI schema. Run it after a change
# to any of them; tests/test_webapp_types.py fails until it is run.
webapp-types: $(PY_STAMP) $(JS_STAMP)
	$(BIN)/python scripts/webapp_types.py

# Rebuilds the committed artifacts from contracts/ with the pinned compiler.
artifacts: setup
	$(BIN)/python -m next_contracts.build --write

bench-gas: setup
	$(BIN)/ape run bench_gas

# The indexer's catch-up rate over 100,000 payments, against the naive path (SQLite, PostgreSQL).
bench-index: setup postgres
	$(BIN)/python -m bench.index

# API latency with 1,000,000 members and 5,000,000 transfers in the index.
bench-api: setup
	$(BIN)/python -m bench.api

# Payments per second from a signed raw transaction to its indexed row.
bench-e2e: setup
	$(BIN)/python -m bench.e2e

# The auditor's rate over 100,000 payments, beside the indexer's on the same chain.
bench-audit: setup
	$(BIN)/python -m bench.audit

# Payments per second from signed to indexed on 3 geth validators, and through the relay.
bench-network: setup
	$(BIN)/python -m bench.network

# Signing rate with coincurve against the pure-Python backend, one core.
bench-sign: setup
	$(BIN)/python -m bench.sign

# Every benchmark once at a tiny size (a few seconds each): they must run, not measure. `make test`
# ends with it. Each benchmark takes its size from the environment, as here.
bench-smoke: setup postgres
	PAYMENTS=1000 MEMBERS=20 STORE_MEMBERS=1000 NAIVE_EVENTS=500 $(BIN)/python -m bench.index
	MEMBERS=2000 TRANSFERS=10000 REQUESTS=50 $(BIN)/python -m bench.api
	PAYMENTS=20 $(BIN)/python -m bench.e2e
	PAYMENTS=1000 MEMBERS=20 $(BIN)/python -m bench.audit
	SECONDS_PER_SIDE=0.2 $(BIN)/python -m bench.sign
	PAYMENTS=300 RELAY_PAYMENTS=40 PAYERS=30 $(BIN)/python -m bench.network
	@# Once more if ape-foundry's anvil did not answer within its fixed 20 s (seen once, right after
	@# the network benchmark's validators stopped); a real failure fails both runs.
	$(BIN)/ape run bench_gas || $(BIN)/ape run bench_gas

# Rewrites snapshots/gas.json after a deliberate change in gas.
gas-snapshot: setup
	$(BIN)/ape run bench_gas --write-snapshot

clean:
	rm -rf $(VENV) node_modules .build
