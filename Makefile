# monocell: the one entry point.
#
#   make run     install what is missing, build, boot the hello app as a KVM guest
#   make demo    the ring demo: every Envelope between a host and a stand-in guest process
#   make test    install what is missing, build, run every test (also under ASan+UBSan, and fuzz briefly)
#   make rig-kvm the KVM and end-to-end tests on hardware-style nested KVM under QEMU (ci/rig-kvm; part of make test)
#   make rig-xen-smoke  Xen 4.17 with a Debian dom0 under QEMU: xl info and one PVH guest (ci/rig-xen)
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

.PHONY: all deps build-guest build build-asan build-fuzz run demo test test-release test-asan test-fuzz rig-kvm fuzz bench clean

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

# The main job: the hello app boots as a KVM guest and greets from inside it.
run: build
	@$(BIN)/monocell run --hypervisor kvm hello

# The ring demo: a host process and a stand-in guest process print every Envelope that crosses.
demo: build
	@$(BIN)/monocell-ring-demo

test-release: build
	ctest --test-dir $(BUILD)/release $(CTEST_FLAGS)

test-asan: build-asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir $(BUILD)/asan $(CTEST_FLAGS)

test-fuzz: build-fuzz
	ctest --test-dir $(BUILD)/fuzz $(CTEST_FLAGS)

# The KVM tests and the end-to-end tests (on KVM) on hardware-style KVM: QEMU TCG with nested SVM boots Debian's kernel with
# kvm_amd, where guest ring 0 is real and `syscall` enters it (ci/rig-kvm, KVM-NOTES.md). Twice:
# a CPU without FSGSBASE and XSAVE (qemu64), and one with FSGSBASE, XSAVE and AVX, as AMD Zen has.
rig-kvm: build
	RIG_TIMEOUT=$${RIG_TIMEOUT:-300} bash ci/rig-kvm/run-kvm-tests.sh $(BUILD)/release $(BUILD)/images $(BIN)
	RIG_TIMEOUT=$${RIG_TIMEOUT:-300} RIG_CPU=qemu64,+svm,+npt,+rdrand,+fsgsbase,+xsave,+xsaveopt,+avx \
	  bash ci/rig-kvm/run-kvm-tests.sh $(BUILD)/release $(BUILD)/images $(BIN)

# The Xen rig's smoke test: Debian's Xen 4.17 and dom0 under QEMU TCG, `xl info`, and a tiny PVH
# guest created, given a console pty and shut down (ci/rig-xen; packages fetched into build/rig-xen).
.PHONY: rig-xen-smoke
rig-xen-smoke:
	bash ci/rig-xen/smoke.sh

test: test-release rig-kvm test-asan test-fuzz

fuzz: build-fuzz
	@for t in $(BUILD)/fuzz/fuzz-targets/*; do \
	  echo "fuzz: $$(basename $$t) for $(FUZZ_SECONDS)s"; \
	  seeds=$(BUILD)/fuzz/seeds/$$(basename $$t); [ -d $$seeds ] || seeds=; \
	  bash tests/fuzz/run.sh $(FUZZ_SECONDS) $$t $(BUILD)/fuzz/corpus/$$(basename $$t) $$seeds || exit 1; \
	done

bench: build
	@$(BIN)/monocell-bench-ring
	@$(BIN)/monocell-bench-e2e --hypervisor process
	@$(BIN)/monocell-bench-e2e --hypervisor kvm
	@$(BIN)/monocell-bench-kvm

clean:
	rm -rf $(BUILD)
