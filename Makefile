# monocell: the one entry point.
#
#   make run     install what is missing, build, run the main job
#   make test    install what is missing, build, run every test (also under ASan+UBSan, and fuzz briefly)
#   make bench   benchmarks, printed as ratios measured side by side
#   make fuzz    the libFuzzer targets for FUZZ_SECONDS each
#
# Host code is built by CMake + Ninja in three configurations under build/:
#   build/release  (binaries in build/bin)   build/asan (ASan+UBSan)   build/fuzz (clang + libFuzzer)
# and guest images in a fourth, with guest flags and no sanitizers:
#   build/guest    (images in build/images)

SHELL := /bin/bash
BUILD := build
BIN := $(BUILD)/bin
FUZZ_SECONDS ?= 300
CTEST_FLAGS := --output-on-failure --timeout 900

.PHONY: all deps build-guest build build-asan build-fuzz run test test-release test-asan test-fuzz fuzz bench clean

all: build

deps:
	@bash ci/install-deps.sh

IMAGES := -DMONOCELL_IMAGE_DIR=$(CURDIR)/$(BUILD)/images

build-guest: deps
	@cmake -S . -B $(BUILD)/guest -G Ninja -DCMAKE_BUILD_TYPE=Release -DMONOCELL_GUEST=ON $(IMAGES) >/dev/null
	@cmake --build $(BUILD)/guest

build: build-guest
	@cmake -S . -B $(BUILD)/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DMONOCELL_BIN_DIR=$(CURDIR)/$(BIN) $(IMAGES) >/dev/null
	@cmake --build $(BUILD)/release

build-asan: build-guest
	@cmake -S . -B $(BUILD)/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMONOCELL_SANITIZE=ON $(IMAGES) >/dev/null
	@cmake --build $(BUILD)/asan

build-fuzz: deps
	@cmake -S . -B $(BUILD)/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMONOCELL_FUZZ=ON \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
	@cmake --build $(BUILD)/fuzz

run: build
	@$(BIN)/monocell-ring-demo

test-release: build
	ctest --test-dir $(BUILD)/release $(CTEST_FLAGS)

test-asan: build-asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir $(BUILD)/asan $(CTEST_FLAGS)

test-fuzz: build-fuzz
	ctest --test-dir $(BUILD)/fuzz $(CTEST_FLAGS)

test: test-release test-asan test-fuzz

fuzz: build-fuzz
	@for t in $(BUILD)/fuzz/fuzz-targets/*; do \
	  echo "fuzz: $$(basename $$t) for $(FUZZ_SECONDS)s"; \
	  bash tests/fuzz/run.sh $(FUZZ_SECONDS) $$t $(BUILD)/fuzz/corpus/$$(basename $$t) || exit 1; \
	done

bench: build
	@$(BIN)/monocell-bench-ring
	@$(BIN)/monocell-bench-e2e --hypervisor process

clean:
	rm -rf $(BUILD)
