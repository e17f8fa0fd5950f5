# The two commands of the quick start: `make demo` and `make test`. Both install what is missing first.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= 2
DEMO_DATA  ?= demo-data
LISTEN     ?= 127.0.0.1:8080

.PHONY: all deps web build build-asan test test-release test-asan demo bench bench-vault format clean

all: build

deps:
	@scripts/install-deps.sh

# The browser UI (web/, docs/web.md): its npm packages are installed again only when package-lock.json changed,
# and it is rebuilt into web/dist only when one of its sources did.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts \
               web/tsconfig.json web/package.json

web: deps web/dist/index.html

web/node_modules/.installed: web/package-lock.json
	@echo "== npm ci (web/)"
	@cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	@echo "== building the web UI (web/dist)"
	@cd web && npm run --silent build

# Debug information is line tables only (-g1): enough for profiles and sanitizer reports, at half the build
# time of full -g.
build: deps web
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps web
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O1" \
	  -DHOLDFAST_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# The whole suite runs twice: an optimised build, then under AddressSanitizer and UBSan.
test: test-release test-asan

test-release: build
	@echo "== tests (release build)"
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	@echo "== tests (address + undefined sanitizers)"
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

demo: build
	@$(BUILD)/holdfast demo --data $(DEMO_DATA) --listen $(LISTEN)

bench: build
	@bench/run.sh
	@bench/run.sh --workload counter
	@bench/run.sh --workload catchup

# A city's decade (10,000,000 events) backed up, restored and served, beside restic; then RPO drills. About 10 GB
# under TMPDIR and tens of minutes.
bench-vault: build
	@bench/vault.sh

format:
	@clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
