# SPDX-License-Identifier: GPL-2.0
#
# memhp driver Makefile (the kernel's own Makefile is in build/*/src).
#
#   make deps              install what is missing (apt-get), quietly
#   make [kernel]          build build/$(IMPL)/bzImage (IMPL=ours by default)
#   make check             build, lint (IMPL=ours, all scenarios), then run
#                          every scenario in QEMU (KTAP)
#   make lint              checkpatch --strict, W=1 + sparse, kernel-doc on our files
#   make check-all         make check for IMPL=ours and IMPL=upstream
#   make demo              boot and narrate one full hot-plug cycle
#   make shell             boot a guest with a shell and a QMP bridge
#   make soak              256 random hot-plug cycles under load, data
#                          checked (memhp_soak.sh; CYCLES=N for another count)
#   make bench             memhp against the stock kernel (see bench.py)
#   make compat            the API's in-tree callers built against ours and
#                          stock: x86_64 allmodconfig, arm64, ppc64le, s390;
#                          an arm64 ACPI boot hot-plugs a DIMM (compat.sh)
#   make patches           the series for review: build/patches/ (series.py)
#   make patches-verify    git am it patch by patch to a fresh base; each
#                          prefix must build and pass checkpatch --strict
#   make fixes             the stock bugs the rewrite fixed, as standalone
#                          fixes to the stock files: build/fixes/ (fixes.py)
#   make fixes-verify      each fix: checkpatch, applies alone; its reproducer
#                          fails on stock without it and passes with it
#
#   IMPL=ours|upstream     which kernel: ours = base + our files + patches/
#                          (IMPL=fix: stock + the one fix MEMHP_FIX names)
#   T="dimm probe"         run only these scenarios
#   FIX="08 09"            make fixes-verify: only the fixes of those numbers
#   TARGETS="x86 arm64"    make compat: only these of x86 arm64 ppc64le s390
#   FAULTS=all             fault injection scenarios fail every step, not a subset
#                          (the default with PROFILE=debug; FAULTS=subset there)
#   PROFILE=debug          the sanitizer kernels (memhp-debug.config), in build/debug
#   PROFILE=release        the kernels without debugging options that make bench
#                          measures first (memhp-release.config), in build/release
#   APPEND="kmemleak=off"  more kernel command line for every guest (MEMHP_APPEND)
#   GUESTS=N               make check: up to N guests at once (default: one
#                          per host CPU; memhp-alone scenarios run alone)
#   JOBS=N                 parallel build jobs

IMPL ?= ours
T ?=
ifeq ($(PROFILE),debug)
FAULTS ?= all
export MEMHP_PROFILE := debug
export MEMHP_BUILD ?= $(CURDIR)/build/debug
else ifeq ($(PROFILE),release)
export MEMHP_PROFILE := release
export MEMHP_BUILD ?= $(CURDIR)/build/release
else ifneq ($(PROFILE),)
$(error PROFILE=$(PROFILE): the profiles are PROFILE=debug and PROFILE=release)
endif
export MEMHP_BUILD ?= $(CURDIR)/build
export MEMHP_APPEND := $(strip $(APPEND) $(if $(FAULTS),memhp.faults=$(FAULTS)))
ifdef GUESTS
export MEMHP_GUESTS := $(GUESTS)
endif
ifdef BASE_SHA256
export MEMHP_BASE_SHA256 := $(BASE_SHA256)
endif

HARNESS := tools/testing/memory-hotplug
PY := $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)

# The base kernel's package at the version BASE pins (Debian moves its
# candidate on), or whatever version is there when BASE_SHA256= overrides
# the pin.
BASE_PIN := $(shell . ./BASE && echo "$$BASE_PACKAGE=$$BASE_VERSION")
BASE_DEP := $(if $(BASE_SHA256),$(firstword $(subst =, ,$(BASE_PIN))),$(BASE_PIN))

# Debian packages the build, the harness and the guest tools need
# ("package=version": that version exactly).
DEPS := $(BASE_DEP) qemu-system-x86 busybox-static flex bison bc \
	libelf-dev libssl-dev cpio util-linux stress-ng kmod python3 udev \
	gcc libc6-dev make perl xz-utils ccache rsync acpica-tools sparse \
	python3-docutils python3-ply python3-git

# Only `make bench` needs these (the plot); `make compat` the cross tools.
BENCH_DEPS := python3-matplotlib
COMPAT_DEPS := universal-ctags gcc-aarch64-linux-gnu gcc-powerpc64le-linux-gnu \
	gcc-s390x-linux-gnu qemu-system-arm qemu-efi-aarch64

.PHONY: all kernel deps install-missing check check-all lint demo shell bench compat initrd clean distclean help \
	patches patches-verify fixes fixes-verify soak

all: kernel

help:
	@sed -n '3,40p' Makefile

deps:
	@$(MAKE) --no-print-directory install-missing PKGS="$(DEPS)"

install-missing:
	@missing=; for p in $(PKGS); do \
		got=$$(dpkg-query -W -f='$${Status} $${Version}' $${p%%=*} 2>/dev/null); \
		case $$p in \
		*=*) [ "$$got" = "install ok installed $${p#*=}" ] ;; \
		*) [ "$${got% *}" = "install ok installed" ] ;; \
		esac || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "  DEPS    installing:$$missing"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends --allow-downgrades $$missing \
			>/dev/null || exit 1; \
	fi

kernel: deps
	@$(HARNESS)/tree.sh impl $(IMPL)
	@$(HARNESS)/kbuild.sh $(IMPL)

initrd: kernel
	@$(HARNESS)/mkinitramfs.sh $(IMPL)

check: initrd
ifeq ($(IMPL)$(T),ours)
	@$(HARNESS)/lint.sh
endif
	@$(PY) $(HARNESS)/memhp_vm.py check $(IMPL) $(T)

lint:
	@$(MAKE) --no-print-directory kernel IMPL=ours
	@$(HARNESS)/lint.sh

check-all:
	@rc=0; \
	$(MAKE) --no-print-directory check IMPL=ours || rc=1; \
	$(MAKE) --no-print-directory check IMPL=upstream || rc=1; \
	exit $$rc

demo: initrd
	@$(PY) $(HARNESS)/memhp_vm.py demo $(IMPL)

shell: initrd
	@$(PY) $(HARNESS)/memhp_vm.py shell $(IMPL)

compat: deps
	@$(MAKE) --no-print-directory install-missing PKGS="$(COMPAT_DEPS)"
	@$(HARNESS)/compat.sh $(TARGETS)

soak: initrd
	@MEMHP_SOAK_CYCLES=$(or $(CYCLES),256) $(PY) $(HARNESS)/memhp_vm.py check $(IMPL) soak

bench: deps
ifneq ($(PROFILE),)
	$(error make bench builds and measures both profiles itself: no PROFILE=)
endif
	@$(MAKE) --no-print-directory install-missing PKGS="$(BENCH_DEPS)"
	@$(MAKE) --no-print-directory initrd IMPL=ours
	@$(MAKE) --no-print-directory initrd IMPL=upstream
	@$(MAKE) --no-print-directory initrd IMPL=ours PROFILE=release MEMHP_BUILD=$(CURDIR)/build/release
	@$(MAKE) --no-print-directory initrd IMPL=upstream PROFILE=release MEMHP_BUILD=$(CURDIR)/build/release
	@$(PY) $(HARNESS)/bench.py $(if $(QUICK),--quick) $(if $(AA),--aa) $(BENCH_ARGS)

patches: deps
	@$(PY) $(HARNESS)/series.py make

patches-verify: deps
	@$(PY) $(HARNESS)/series.py verify

fixes: deps
	@$(PY) $(HARNESS)/fixes.py make

fixes-verify: fixes
	@MEMHP_FIXES="$(FIX)" $(PY) $(HARNESS)/fixes.py verify

clean:
	rm -rf $(MEMHP_BUILD)/ours $(MEMHP_BUILD)/upstream $(MEMHP_BUILD)/initramfs \
		$(MEMHP_BUILD)/patches $(MEMHP_BUILD)/patches-work $(MEMHP_BUILD)/verify \
		$(MEMHP_BUILD)/fix $(MEMHP_BUILD)/fixes $(MEMHP_BUILD)/fixes-work

distclean:
	rm -rf $(MEMHP_BUILD)
