# croft — top-level build.
#
# Every module is a static archive built from the .c files of its folder;
# binaries and unit tests link the archives they need.  `make check` installs
# what a fresh Debian 12 machine lacks, builds, and runs every suite.

CC      ?= cc
BUILD   ?= build
CSTD     = -std=c11 -D_GNU_SOURCE
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
OPT     ?= -O2 -g
CFLAGS  += $(CSTD) $(WARN) $(OPT) -I. $(EXTRA_CFLAGS)
LDFLAGS += $(EXTRA_LDFLAGS)

LIBS_COMMON = -ljansson
LIBS_STORE  = -lsqlite3
LIBS_CMOCKA = -lcmocka
LIBS_NETD   = -lnftnl -lmnl
LIBS_HTTP   = -lmicrohttpd
LIBS_INIH   = -linih
LIBS_CURSES = $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
# The console hashes cloud-init passwords with crypt(3) (libcrypt-dev).
LIBS_CRYPT  = -lcrypt
# croftd and croft-netd tell systemd when they are ready (libsystemd-dev).
LIBS_NOTIFY = -lsystemd

COMMON_SRC = $(wildcard common/*.c)
STORE_SRC  = $(wildcard store/*.c)
CORE_SRC   = $(filter-out core/croftd.c,$(wildcard core/*.c))
TUI_SRC    = $(filter-out tui/croft.c,$(wildcard tui/*.c))
NETD_SRC   = $(filter-out netd/netd_main.c,$(wildcard netd/*.c))
INSTALLER_SRC = $(filter-out installer/croft_install.c installer/ui_main.c,$(wildcard installer/*.c))
TESTLIB_SRC = $(wildcard tests/unit/testlib*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBCOMMON = $(BUILD)/libcommon.a
LIBSTORE  = $(BUILD)/libstore.a
LIBCORE   = $(BUILD)/libcore.a
LIBTUI    = $(BUILD)/libtui.a
LIBNETD   = $(BUILD)/libnetd.a
LIBINSTALLER = $(BUILD)/libinstaller.a
LIBTESTLIB = $(BUILD)/libtestlib.a

CROFTD = $(BUILD)/croftd
CROFT  = $(BUILD)/croft
NETD   = $(BUILD)/croft-netd
INSTALL_BIN = $(BUILD)/croft-install
INSTALLER_UI = $(BUILD)/croft-installer
# The preload library croftd gives QEMU for userfaultfd (preload/): a shared
# object of its own, never built with the sanitizers (it runs inside QEMU).
UFFD_SHIM = $(BUILD)/lib/croft-qemu-uffd.so
PRELOAD_CFLAGS = $(filter-out -fsanitize%,$(CFLAGS)) -fPIC
PRELOAD_LDFLAGS = $(filter-out -fsanitize%,$(LDFLAGS))

UNIT_SRC   = $(wildcard tests/unit/test_*.c)
UNIT_BINS  = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
FUZZ_SRC   = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS  = $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

DEPFLAGS = -MMD -MP

.PHONY: all deps setup check unit integration asan fuzz bench run clean guest deb iso check-image

all: $(CROFTD) $(CROFT) $(NETD) $(INSTALL_BIN) $(INSTALLER_UI) $(UFFD_SHIM)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(LIBCOMMON): $(call obj,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(LIBSTORE): $(call obj,$(STORE_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(LIBCORE): $(call obj,$(CORE_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(LIBTUI): $(call obj,$(TUI_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(LIBNETD): $(call obj,$(NETD_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(LIBINSTALLER): $(call obj,$(INSTALLER_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(LIBTESTLIB): $(call obj,$(TESTLIB_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CROFTD): $(call obj,core/croftd.c) $(LIBCORE) $(LIBSTORE) $(LIBCOMMON)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LIBS_HTTP) $(LIBS_STORE) $(LIBS_COMMON) $(LIBS_NOTIFY)

$(CROFT): $(call obj,tui/croft.c) $(LIBTUI) $(LIBCOMMON)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LIBS_CURSES) $(LIBS_CRYPT) $(LIBS_COMMON)

$(NETD): $(call obj,netd/netd_main.c) $(LIBNETD) $(LIBCOMMON)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LIBS_NETD) $(LIBS_COMMON) $(LIBS_NOTIFY)

$(INSTALL_BIN): $(call obj,installer/croft_install.c) $(LIBINSTALLER) $(LIBCOMMON)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LIBS_INIH) $(LIBS_COMMON)

$(INSTALLER_UI): $(call obj,installer/ui_main.c) $(LIBINSTALLER) $(LIBTUI) $(LIBCOMMON)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LIBS_INIH) $(LIBS_CRYPT) $(LIBS_CURSES) $(LIBS_COMMON)

$(UFFD_SHIM): preload/croft_qemu_uffd.c
	@mkdir -p $(dir $@)
	$(CC) $(PRELOAD_CFLAGS) -shared -o $@ $< $(PRELOAD_LDFLAGS) -ldl

# test_uffd_shim runs the library in a plain (uninstrumented) program.
$(BUILD)/tests/uffd_probe: tests/unit/uffd_probe.c
	@mkdir -p $(dir $@)
	$(CC) $(PRELOAD_CFLAGS) -o $@ $< $(PRELOAD_LDFLAGS)
$(BUILD)/tests/test_uffd_shim: | $(UFFD_SHIM) $(BUILD)/tests/uffd_probe

# Unit tests link every archive; the linker keeps only what a test uses.
$(BUILD)/tests/%: tests/unit/%.c $(LIBTESTLIB) $(LIBINSTALLER) $(LIBTUI) $(LIBCORE) $(LIBNETD) $(LIBSTORE) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DCROFT_SRCDIR='"$(CURDIR)"' -o $@ $^ $(LDFLAGS) $(LIBS_CMOCKA) $(LIBS_INIH) $(LIBS_CURSES) $(LIBS_CRYPT) $(LIBS_NETD) $(LIBS_HTTP) $(LIBS_STORE) $(LIBS_COMMON)

# Fuzz targets link like unit tests (fuzz_api runs a fake croftd from the
# test harness); FUZZ_LINK is -fsanitize=fuzzer in a libFuzzer build.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(wildcard tests/fuzz/*.inc) $(LIBTESTLIB) $(LIBINSTALLER) $(LIBTUI) $(LIBCORE) $(LIBNETD) $(LIBSTORE) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(FUZZ_LINK) -o $@ $< $(LIBTESTLIB) $(LIBINSTALLER) $(LIBTUI) $(LIBCORE) $(LIBNETD) $(LIBSTORE) $(LIBCOMMON) $(LDFLAGS) $(LIBS_CMOCKA) $(LIBS_INIH) $(LIBS_CURSES) $(LIBS_CRYPT) $(LIBS_NETD) $(LIBS_HTTP) $(LIBS_STORE) $(LIBS_COMMON) -lpthread

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# --- setup --------------------------------------------------------------

# Packages and the host accounts (croft group, croft-qemu user).  Idempotent.
deps:
	installer/install-deps.sh
	installer/setup-host.sh

# The tiny test guest (kernel + busybox initramfs + ISO), cached in $(BUILD).
guest:
	tests/fixtures/build-guest.sh $(BUILD)/guest

# --- tests --------------------------------------------------------------

unit: $(UNIT_BINS)
	tests/run-unit.sh $(UNIT_BINS)

integration: all guest
	tests/run-integration.sh $(BUILD)

# With clang and its libFuzzer runtime (Debian: clang, libclang-rt-dev) every
# target is built coverage-guided with ASan and UBSan in $(BUILD)/libfuzzer
# and fuzzed FUZZ_SECONDS each; otherwise the plain driver (fuzz_main.inc)
# runs its fixed mutation loop.
FUZZ_CC ?= clang
FUZZ_LF_BINS = $(patsubst $(BUILD)/fuzz/%,$(BUILD)/libfuzzer/fuzz/%,$(FUZZ_BINS))

fuzz:
	@if tests/run-fuzz.sh --have-libfuzzer $(FUZZ_CC); then \
		$(MAKE) BUILD=$(BUILD)/libfuzzer CC=$(FUZZ_CC) OPT='-O1 -g -fno-omit-frame-pointer' \
			EXTRA_CFLAGS='-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -DCROFT_LIBFUZZER' \
			EXTRA_LDFLAGS='-fsanitize=address,undefined' FUZZ_LINK='-fsanitize=fuzzer' \
			$(FUZZ_LF_BINS) && \
		tests/run-fuzz.sh --libfuzzer $(FUZZ_LF_BINS); \
	else \
		echo "fuzz: no libFuzzer ($(FUZZ_CC) -fsanitize=fuzzer); using the plain driver"; \
		$(MAKE) $(FUZZ_BINS) && tests/run-fuzz.sh $(FUZZ_BINS); \
	fi

check: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) fuzz
	$(MAKE) integration

asan:
	$(MAKE) BUILD=$(BUILD)/asan OPT='-O1 -g -fno-omit-frame-pointer' \
		EXTRA_CFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all' \
		EXTRA_LDFLAGS='-fsanitize=address,undefined' unit

bench: all guest
	bench/run.sh $(BUILD)

# --- run ----------------------------------------------------------------

run: deps
	$(MAKE) all guest
	tests/run-local.sh $(BUILD) $(ARGS)

clean:
	rm -rf $(BUILD)

# --- the appliance ------------------------------------------------------

# The croft .deb (debian/, dpkg-buildpackage) in $(BUILD)/deb.
deb:
	installer/build-deb.sh $(BUILD)/deb

# The appliance image $(BUILD)/iso/croft-VERSION-amd64.iso (iso/build-iso.sh;
# root, mmdebstrap from Debian's archive).
iso: deb
	iso/build-iso.sh $(BUILD)/iso "$$(ls -t $(BUILD)/deb/croft_*.deb | grep -v dbgsym | head -1)"

# Boot the image under QEMU (TCG, SeaBIOS and OVMF) and check the live
# system over its serial line (tests/image/check-image.sh).
check-image:
	tests/image/check-image.sh $(BUILD)

# --- nftables benchmark (bench/bench_nft.c, run by bench/run.sh) -----------

$(BUILD)/bench/bench_nft: bench/bench_nft.c $(LIBNETD) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LIBS_NETD) $(LIBS_COMMON)

bench: $(BUILD)/bench/bench_nft
