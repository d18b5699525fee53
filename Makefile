# Convenience entry points; the build itself is CMake.
#   make demo   install missing Debian packages, build, profile the julia kernel, print the report
#   make test   install missing packages, build, run every test tier but bench, and the unit
#               and golden tiers again under ASan/UBSan (docs/testing.md)
#   make bench  the bench tier (timing budgets, printed), hpprof against perf and
#               heaptrack (docs/performance.md), and the fuzzers for a fixed budget
#   make fuzz   the libFuzzer targets (clang, ASan/UBSan) for FUZZ_SECONDS each
#               (default 60; docs/reliability.md)
#   make man    render the man pages (docs/man/*.md) into $(BUILD)/docs/man1;
#               `make install` installs them with hpprof (man hpprof-run)

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: all deps build build-asan demo test test-fast test-asan bench fuzz man install clean

# The tiers under ASan/UBSan (tests that time things are in bench, never here).
ASAN_CTEST = cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	ctest --output-on-failure -j$(JOBS) -L '^(unit|golden)$$'
# Every tier but bench: the bench label holds the timing budgets, which
# belong to `make bench` only.
CTEST_ALL = cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -LE '^bench$$'

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	cd $(BUILD) && ./hpprof run -o demo.db -k julia
	cd $(BUILD) && ./hpprof report -n 10 demo.db

# Both test runs happen even when the first fails; the status is the worse.
test: build build-asan
	@status=0; \
	( $(ASAN_CTEST) ) || status=1; \
	( $(CTEST_ALL) ) || status=1; \
	exit $$status

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -L unit

build-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DHPPROF_SANITIZE=ON $(CMAKE_ARGS)
	cmake --build $(BUILD_ASAN) -j$(JOBS)

test-asan: build-asan
	$(ASAN_CTEST)

bench: build
	cd $(BUILD) && ctest --output-on-failure -V -L '^bench$$'
	./bench/run.sh $(BUILD)
	./bench/memory.sh $(BUILD)
	$(MAKE) fuzz

fuzz: deps
	CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHPPROF_FUZZ=ON $(CMAKE_ARGS)
	cmake --build $(BUILD_FUZZ) -j$(JOBS)
	cd $(BUILD_FUZZ) && HP_FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --output-on-failure -R '^fuzz_[a-z_]*$$' -L bench

man: deps $(BUILD)/Makefile
	cmake --build $(BUILD) --target man

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
