# Entry points. `make run` and `make test` do all set-up on a fresh Debian 12
# machine (they install missing packages with apt-get first).
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
ARGS       ?=
FUZZ_SECONDS ?= 60

.PHONY: all deps build run test asan-test tsan-test fuzz bench clean

all: build

deps:
	@bash tools/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOBBYD_TSAN=ON

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)
	bash tools/build-web.sh

run: build
	$(BUILD)/bin/lobbyd $(ARGS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j 2

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLOBBYD_SANITIZE=ON -DLOBBYD_BENCH=OFF

asan-test: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 LOBBYD_SANITIZED=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j 2

# ThreadSanitizer over the whole server: lobbyd (and every library in it) is
# built with -fsanitize=thread and the integration suite runs against it.
# Every test server has threads = 2, so sessions, lobbies and tables really
# cross workers. A race (or lock-order inversion) makes lobbyd exit 66, which
# fails the test that started it; the full reports are printed at the end.
# TSAN_CTEST_ARGS narrows the run (e.g. TSAN_CTEST_ARGS="-R integ_tables").
TSAN_REPORTS = $(abspath $(TSAN_BUILD))/tsan-reports
TSAN_CTEST_ARGS ?=
$(TSAN_BUILD)/build.ninja:
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOBBYD_TSAN_SERVER=ON -DLOBBYD_BENCH=OFF

tsan-test: deps $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target lobbyd lobbyd-load
	rm -rf $(TSAN_REPORTS) && mkdir -p $(TSAN_REPORTS)
	TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:log_path=$(TSAN_REPORTS)/race" \
	  LOBBYD_SANITIZED=1 ctest --test-dir $(TSAN_BUILD) --output-on-failure -j 2 -L integration $(TSAN_CTEST_ARGS) \
	  || { for f in $(TSAN_REPORTS)/race.*; do [ -e "$$f" ] && { echo "==== $$f"; cat "$$f"; }; done; exit 1; }
	@for f in $(TSAN_REPORTS)/race.*; do [ -e "$$f" ] && { echo "==== $$f"; cat "$$f"; exit 1; }; done; true

$(FUZZ_BUILD)/build.ninja:
	CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DLOBBYD_FUZZ=ON -DLOBBYD_TESTS=OFF -DLOBBYD_BENCH=OFF

# Each target runs for an equal share of FUZZ_SECONDS (parser, games, ws,
# session),
# with its own seeds in fuzz/corpus/<target> and a scratch corpus in
# the build dir (new inputs found in CI are not committed).
FUZZ_TARGETS := parser games ws session
fuzz: $(FUZZ_BUILD)/build.ninja
	@bash tools/install-deps.sh --ci
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@set -e; share=$$(( $(FUZZ_SECONDS) / $(words $(FUZZ_TARGETS)) )); [ $$share -ge 1 ] || share=1; \
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
	  echo "== fuzz_$$t for $$share s"; \
	  $(FUZZ_BUILD)/bin/fuzz_$$t -max_total_time=$$share -max_len=9000 -artifact_prefix=$(FUZZ_BUILD)/$$t- \
	    $(FUZZ_BUILD)/corpus/$$t fuzz/corpus/$$t; \
	done

bench: build
	$(BUILD)/bin/bench_proto

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
