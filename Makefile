# berth: `make` builds into build/, `make check` runs every test (unit, then integration).
CC      ?= gcc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-format-truncation -Wjump-misses-init \
           -D_GNU_SOURCE -MMD -MP $(SANITIZE)
PKGS    := jansson libarchive libcrypto zlib libzstd libcurl libseccomp
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS)) -lpthread
B       := build

# Every module but the programs' mains goes into one static library; the dependency
# direction between folders is documented in docs/architecture.md.
LIB_DIRS := common http api engine image registry runtime volume network
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard src/$(d)/*.c))
LIB_OBJ  := $(LIB_SRC:src/%.c=$(B)/obj/%.o)
DAEMON_OBJ := $(patsubst src/%.c,$(B)/obj/%.o,$(wildcard src/daemon/*.c))
SHIM_SRC := $(wildcard src/shim/*.c)
UNTAR_SRC := $(wildcard src/untar/*.c)
CLI_SRC := $(wildcard src/cli/*.c)
UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

PROGS := $(B)/berthd $(B)/berth-shim $(B)/berth-untar $(if $(CLI_SRC),$(B)/berth)

TOOL_BIN := $(patsubst tests/tools/%.c,$(B)/tests/%,$(wildcard tests/tools/*.c))

all: $(PROGS) $(UNIT_BIN) $(TOOL_BIN)

$(B)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(B)/libberth.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/berthd: $(DAEMON_OBJ) $(B)/libberth.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# The shim stays small and static: it lives as long as its container, one per container.
$(B)/berth-shim: $(SHIM_SRC) $(wildcard src/shim/*.h)
	@mkdir -p $(B)
	$(CC) $(filter-out -fsanitize%,$(CFLAGS)) -Os -static -o $@ $(SHIM_SRC)

$(B)/berth-untar: $(UNTAR_SRC) $(wildcard src/untar/*.h) $(B)/libberth.a
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $(UNTAR_SRC) $(B)/libberth.a $(PKG_LIBS)

# The CLI uses only common/ (and its own HTTP client), like any other API client.
$(B)/berth: $(CLI_SRC) $(wildcard src/cli/*.h) $(B)/libberth.a
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $(CLI_SRC) $(B)/libberth.a $(PKG_LIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libberth.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Isrc -o $@ $< $(B)/libberth.a $(PKG_LIBS)

# Helpers the integration tests run inside containers: static, so any image can run them.
$(B)/tests/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -fsanitize%,$(CFLAGS)) -Os -static -o $@ $<

PYTHON ?= /usr/bin/python3

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do echo "# $$t"; $$t || fail=1; done; exit $$fail

integration: $(PROGS) $(TOOL_BIN)
	BERTH_BUILD=$(abspath $(B)) $(PYTHON) -m pytest -q tests/integration $(PYTEST_ARGS)

check: all unit integration

# The whole suite again on an AddressSanitizer + UBSan build (the static shim excepted).
# Leak checking is off: berth-untar chroot()s and LeakSanitizer cannot read /proc there.
check-asan:
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(MAKE) B=build-asan \
		SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer" check

clean:
	rm -rf $(B) build-asan

.PHONY: all unit integration check check-asan clean

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
