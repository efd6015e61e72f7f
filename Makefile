# monocell: the one entry point.
#
#   make run     install what is missing, build, boot the hello app as a KVM guest
#   make demo    the ring demo: every Envelope between a host and a stand-in guest process
#   make test    install what is missing, build, run every test (also under ASan+UBSan, and fuzz briefly)
#   make rig-kvm the KVM and end-to-end tests on hardware-style nested KVM under QEMU (ci/rig-kvm; part of make test)
#   make rig-xen-smoke  Xen 4.17 with a Debian dom0 under QEMU: xl info and one PVH guest (ci/rig-xen)
#   make rig-xen the Xen backend's tests and the end-to-end suite in dom0 of a real Xen under QEMU (ci/rig-xen; part of make test)
#   make rig-systemd  monocell's units under Debian's systemd as PID 1, guests on nested KVM under QEMU (ci/rig-systemd; part of make test)
#   make rig     every rig
#   make conformance  the end-to-end suite on every target, summarised as one table (the end of make test)
#   make bench   benchmarks, printed as ratios measured side by side (and density: 1000 guests, 10000 churn cycles)
#   make fuzz    the libFuzzer targets for FUZZ_SECONDS each
#   make deb     build/monocell_VERSION_amd64.deb: what make install installs, as a Debian package (packaging/deb)
#   make test-deb  that package through lintian, installed into a root of its own and purged (part of make test)
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
# Each target's conformance results ("monocell-conformance:" lines), read by the table.
CONFORMANCE := $(BUILD)/conformance
# The suites the conformance runs target by target; ctest leaves them to it in the release build.
CONFORMANCE_SUITES := ^(e2e_tests|kvm_tests|xen_tests):
# The Xen backend's suite needs a dom0: it runs in the Xen rig (make rig-xen), never here.
DOM0_SUITES := ^xen_tests:

.PHONY: all deps build-guest build build-asan build-fuzz run demo test test-release test-local rig rig-kvm rig-xen rig-systemd install deb test-deb \
  conformance-table conformance test-asan test-fuzz fuzz bench clean

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

# The main job: the hello app boots as a KVM guest and greets from inside it. Where this machine
# offers no /dev/kvm it says so and runs the same app as a plain process (make rig-kvm and
# make rig-xen boot it on real KVM and Xen under QEMU).
run: build
	@if [ -c /dev/kvm ]; then \
	  $(BIN)/monocell run --hypervisor kvm hello; \
	else \
	  echo "make run: this machine has no /dev/kvm; hello runs as a plain process (--hypervisor process)" >&2; \
	  $(BIN)/monocell run --hypervisor process hello; \
	fi

# The ring demo: a host process and a stand-in guest process print every Envelope that crosses.
demo: build
	@$(BIN)/monocell-ring-demo

test-release: build
	ctest --test-dir $(BUILD)/release $(CTEST_FLAGS) -E '$(CONFORMANCE_SUITES)'

# The conformance suites on this machine: end to end on the process backend, the KVM suite and
# end to end on /dev/kvm (ci/conformance/local.sh).
test-local: build
	bash ci/conformance/local.sh $(BUILD)/release $(BUILD)/images $(CONFORMANCE)

test-asan: build-asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir $(BUILD)/asan $(CTEST_FLAGS) -E '$(DOM0_SUITES)'

test-fuzz: build-fuzz
	ctest --test-dir $(BUILD)/fuzz $(CTEST_FLAGS)

# The KVM tests and the end-to-end tests (on KVM) on hardware-style KVM: QEMU TCG with nested SVM boots Debian's kernel with
# kvm_amd, where guest ring 0 is real and `syscall` enters it (ci/rig-kvm, KVM-NOTES.md). Twice:
# a CPU without FSGSBASE and XSAVE (qemu64), and one with FSGSBASE, XSAVE and AVX, as AMD Zen has.
rig-kvm: build
	RIG_TIMEOUT=$${RIG_TIMEOUT:-600} RIG_TARGET=kvm-rig-qemu64 CONFORMANCE_DIR=$(CONFORMANCE) \
	  bash ci/rig-kvm/run-kvm-tests.sh $(BUILD)/release $(BUILD)/images $(BIN)
	RIG_TIMEOUT=$${RIG_TIMEOUT:-600} RIG_TARGET=kvm-rig-zen RIG_CPU=qemu64,+svm,+npt,+rdrand,+fsgsbase,+xsave,+xsaveopt,+avx \
	  CONFORMANCE_DIR=$(CONFORMANCE) bash ci/rig-kvm/run-kvm-tests.sh $(BUILD)/release $(BUILD)/images $(BIN)

# The Xen backend's suite and the end-to-end suite on --hypervisor xen, in dom0 of Debian's Xen
# 4.17 under QEMU TCG with nested SVM (ci/rig-xen, XEN-RIG.md); packages come from Debian's
# archive into build/rig-xen/, nothing is installed as a hypervisor here.
rig-xen: build
	RIG_TIMEOUT=$${RIG_TIMEOUT:-2400} RIG_TARGET=xen-rig CONFORMANCE_DIR=$(CONFORMANCE) \
	  bash ci/rig-xen/run-xen-tests.sh $(BUILD)/release $(BUILD)/images $(BIN)

# The Xen rig's smoke test: Debian's Xen 4.17 and dom0 under QEMU TCG, `xl info`, and a tiny PVH
# guest created, given a console pty and shut down (ci/rig-xen; packages fetched into build/rig-xen).
.PHONY: rig-xen-smoke
rig-xen-smoke:
	bash ci/rig-xen/smoke.sh

# monocell under a real systemd: this machine's systemd 252 boots as PID 1 under QEMU TCG with
# nested SVM, and a unit there checks generated units, the generator, readiness, the journal's
# fields, stop and the watchdog with KVM guests (ci/rig-systemd, SYSTEMD-RIG.md). About a minute.
rig-systemd: build
	bash ci/rig-systemd/run.sh $(BUILD)/release $(BUILD)/images $(BIN)

rig: rig-kvm rig-xen rig-systemd

CONFORMANCE_TARGETS := process kvm kvm-rig-qemu64 kvm-rig-zen xen-rig
conformance-table:
	@bash ci/conformance/table.sh $(CONFORMANCE) $(CONFORMANCE_TARGETS)

# Every target from scratch, then the table.
conformance:
	rm -rf $(CONFORMANCE)
	$(MAKE) test-local rig
	$(MAKE) conformance-table

test:
	rm -rf $(CONFORMANCE)
	$(MAKE) test-release test-deb test-local rig test-asan test-fuzz
	$(MAKE) conformance-table

fuzz: build-fuzz
	@for t in $(BUILD)/fuzz/fuzz-targets/*; do \
	  echo "fuzz: $$(basename $$t) for $(FUZZ_SECONDS)s"; \
	  seeds=$(BUILD)/fuzz/seeds/$$(basename $$t); [ -d $$seeds ] || seeds=; \
	  bash tests/fuzz/run.sh $(FUZZ_SECONDS) $$t $(BUILD)/fuzz/corpus/$$(basename $$t) $$seeds || exit 1; \
	done

bench: build
	@$(BIN)/monocell-bench-ring
	@$(BIN)/monocell-bench-e2e --hypervisor process
	@if [ -c /dev/kvm ]; then \
	  $(BIN)/monocell-bench-e2e --hypervisor kvm && $(BIN)/monocell-bench-kvm; \
	else \
	  echo "kvm: not measured: this machine has no /dev/kvm"; \
	fi
	@$(BIN)/monocell-bench-image
	@$(BIN)/monocell-bench-density
	@bash ci/rig-xen/run-xen-bench.sh $(BUILD)/images $(BIN)

# The CLI, the sample apps, the systemd generator and template unit, and the SDK into PREFIX
# (default /usr/local), under DESTDIR if given (a package's root): sdk/CMakeLists.txt says what
# goes where.
PREFIX ?= /usr/local
DESTDIR ?=
install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)/guest --prefix $(PREFIX)
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)/release --prefix $(PREFIX)

# A Debian package of what make install installs with PREFIX=/usr: the stage is made afresh
# each time (nothing stale may reach the package), packaging/deb/build-deb.sh strips it, adds
# the docs, control files and maintainer scripts, and builds build/monocell_VERSION_amd64.deb.
DEB_STAGE := $(BUILD)/deb/root
DEB := $(BUILD)/monocell_$(shell sed -n 's/^project.monocell VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)_amd64.deb
deb: build
	@rm -rf $(DEB_STAGE) && mkdir -p $(DEB_STAGE)
	@$(MAKE) --no-print-directory install PREFIX=/usr DESTDIR=$(CURDIR)/$(DEB_STAGE) > $(BUILD)/deb/install.log
	@bash packaging/deb/build-deb.sh . $(DEB_STAGE) $(BUILD)

# The package as Debian and dpkg see it: lintian finds no error or warning (the tags that are
# intended are overridden in packaging/deb/lintian-overrides, each with its reason), and it
# installs into a root of its own, runs hello from there and purges to nothing. About 30 s.
test-deb: deb
	lintian --fail-on error,warning $(DEB)
	bash packaging/deb/test-install-purge.sh $(DEB)

clean:
	rm -rf $(BUILD)
