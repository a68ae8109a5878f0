# Card-on-file tokenization consent service. `make help` lists the targets.

GO      ?= go
ADDR    ?= 127.0.0.1:8080
BIN     := bin/server
PG_URL  := postgres://postgres@127.0.0.1:5432/test?sslmode=disable

# The PostgreSQL suite runs when PostgreSQL answers on 127.0.0.1:5432 (or
# TEST_DATABASE_URL names one); CI also sets REQUIRE_POSTGRES=1 so that an
# unreachable database fails the run instead of skipping.
TEST_DATABASE_URL ?= $(shell pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo '$(PG_URL)')
export TEST_DATABASE_URL

.PHONY: help generate check-generated wasm axe sdk build run test bench bench-console load scaleout e2e attack crash screenshots fuzz vet clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

generate: ## regenerate templ components
	$(GO) tool templ generate

check-generated: generate ## fail if generated files are not committed
	git diff --exit-code -- components

wasm: ## build the go-app frontend into web/ (app.wasm, precompressed .br and .gz)
	@mkdir -p web
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o web/app.wasm.new ./wasm
	@if cmp -s web/app.wasm.new web/app.wasm && [ web/app.wasm.br -nt web/app.wasm ] && [ web/app.wasm.gz -nt web/app.wasm ]; then \
		rm web/app.wasm.new; echo "web/app.wasm unchanged"; \
	else mv web/app.wasm.new web/app.wasm && $(GO) run ./precompress web/app.wasm; fi

build: wasm ## build the server binary into bin/ (and the frontend)
	$(GO) build -trimpath -o $(BIN) ./server

run: build ## run the service on $(ADDR) with SQLite under ./data and the sandbox
	ADDR=$(ADDR) ./$(BIN)

vet: ## go vet and gofmt
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo 'gofmt needed'; exit 1)

test: vet wasm axe sdk ## run every test (PostgreSQL too when it answers; browser tests in Chromium)
	@if [ -z "$(TEST_DATABASE_URL)" ]; then echo "PostgreSQL not reachable: its suite will be skipped"; fi
	$(GO) test -count=1 -timeout 20m ./...

axe: e2e/axe/node_modules/axe-core/axe.min.js ## install axe-core (npm) for the accessibility tests

e2e/axe/node_modules/axe-core/axe.min.js: e2e/axe/package.json e2e/axe/package-lock.json
	npm ci --prefix e2e/axe --no-audit --no-fund --loglevel=error
	@touch $@

sdk: e2e/sdk/node_modules/expresscheckout-nodejs/package.json ## install Juspay's Node SDK (npm), the judge of the compatibility test

e2e/sdk/node_modules/expresscheckout-nodejs/package.json: e2e/sdk/package.json e2e/sdk/package-lock.json
	npm ci --prefix e2e/sdk --no-audit --no-fund --loglevel=error
	@touch $@

e2e: wasm axe sdk ## only the browser tests
	$(GO) test -count=1 -v ./e2e

attack: wasm ## the counted attack suite against the real server; prints attempts, refusals and status codes per category
	$(GO) test -count=1 -run '^TestAttackSuite$$' -v ./e2e

CRASH_CHECKOUTS ?= 200
CRASH_KILLS     ?= 5
crash: wasm axe ## SIGKILL the server at random moments during CRASH_CHECKOUTS (200) checkouts, on SQLite and PostgreSQL; prints what survived (CRASH_SEED replays)
	CRASH_CHECKOUTS=$(CRASH_CHECKOUTS) CRASH_KILLS=$(CRASH_KILLS) $(GO) test -count=1 -timeout 30m -run '^TestCheckoutsSurviveSIGKILL$$' -v ./e2e

screenshots: wasm ## write the consent dialog at three sizes to docs/screenshots/
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run TestDialogLayout -v ./e2e

bench: ## Go benchmarks and the HTTP load run against a bare baseline
	$(GO) test -run '^$$' -bench . -benchmem ./bintable ./sqlstore ./locker ./authtoken
	$(GO) run ./loadtest

bench-console: ## the console's orders list and order page with 1,000,000 orders on SQLite (the data is made once, ~5 min)
	$(GO) test -run '^$$' -bench ConsoleOrders -benchtime 400x ./console

LOAD_SHOPPERS ?= 500
LOAD_TIME     ?= 30s
load: ## LOAD_SHOPPERS (500) concurrent end-to-end checkouts on SQLite, then PostgreSQL, against the bare baseline
	$(GO) run ./loadtest -checkout -c $(LOAD_SHOPPERS) -d $(LOAD_TIME) -warmup 5s -strict
	@if [ -z "$(TEST_DATABASE_URL)" ]; then echo "PostgreSQL not reachable: its load run is skipped"; \
	else $(GO) run ./loadtest -checkout -c $(LOAD_SHOPPERS) -d $(LOAD_TIME) -warmup 5s -strict -database-url '$(TEST_DATABASE_URL)'; fi

scaleout: ## two instances on one PostgreSQL: checkouts whose every request goes to the other instance, webhooks sent once
	@test -n "$(TEST_DATABASE_URL)" || (echo "scaleout needs PostgreSQL (TEST_DATABASE_URL)"; exit 1)
	$(GO) run ./loadtest -checkout -instances 2 -c 100 -d $(LOAD_TIME) -warmup 5s -strict -database-url '$(TEST_DATABASE_URL)'
	$(GO) test -count=1 -run '^(TestCheckoutAcrossInstances|TestWebhooksTwoInstancesPostgres)$$' -v ./e2e

FUZZTIME ?= 10s
FUZZ_TARGETS = \
	./authtoken:FuzzVerifyClientAuthToken ./authtoken:FuzzVerifyCardToken \
	.:FuzzParseAmount .:FuzzMatchLocale .:FuzzParseNetworks .:FuzzNewTheme .:FuzzOnboardingValidate \
	./httpapi:FuzzEndpoints ./httpapi:FuzzReadBody ./httpapi:FuzzSignature ./bintable:FuzzLookup ./cardjwe:FuzzOpen

fuzz: ## run every fuzz target for FUZZTIME each (default 10s); failures land in testdata/fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "== $$name ($$pkg)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

clean: ## remove build output (not ./data)
	rm -rf bin
