# Entry points. `make run` and `make test` do all set-up on a fresh Debian 12
# machine (they install missing packages with apt-get first).
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
ARGS       ?=
FUZZ_SECONDS ?= 60

.PHONY: all deps build run test asan-test fuzz bench clean

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

$(FUZZ_BUILD)/build.ninja:
	CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DLOBBYD_FUZZ=ON -DLOBBYD_TESTS=OFF -DLOBBYD_BENCH=OFF

fuzz: $(FUZZ_BUILD)/build.ninja
	@bash tools/install-deps.sh --ci
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_parser
	mkdir -p $(FUZZ_BUILD)/corpus
	$(FUZZ_BUILD)/bin/fuzz_parser -max_total_time=$(FUZZ_SECONDS) -max_len=9000 -artifact_prefix=$(FUZZ_BUILD)/ \
	  $(FUZZ_BUILD)/corpus fuzz/corpus

bench: build
	$(BUILD)/bin/bench_proto

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
