# ubee build. Sources are discovered: src/<subsystem>/*.c form the library,
# cli/*.c the `ubee` command, tests/unit/*.c one test binary each (linked
# with tests/lib/*.c), tests/sh/*.sh shell tests, bench/ the benchmarks.
#
#   make              library (build/libubee.a, .so) and build/ubee
#   make test         every test; ends with "N passed, N failed, N skipped"
#   make test SANITIZE=1   the same under ASan+UBSan (in build/san)
#   make test VALGRIND=1   the test binaries under valgrind memcheck
#   make bench        benchmark table (build/bench.json)
#   make demo         assemble, validate and run an example program
#   make install      PREFIX=/usr/local, with a pkg-config file

CC       ?= cc
PREFIX   ?= /usr/local
SANITIZE ?=
ifeq ($(origin CC),default)
CC := cc
endif

ifeq ($(SANITIZE),1)
BUILD    ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
BUILD    ?= build
SANFLAGS :=
endif

WARN     := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -fPIC -pthread -Iinclude -Isrc -Itests/lib -MMD -MP
LDLIBS   := -pthread -lm -lpcap
# The CLI alone disassembles x86-64 (ubee disasm --jited): capstone.
CLI_LDLIBS := -lcapstone

LIB_SRCS  := $(sort $(wildcard src/*/*.c))
CLI_SRCS  := $(sort $(wildcard cli/*.c))
TLIB_SRCS := $(sort $(wildcard tests/lib/*.c))
TEST_SRCS := $(sort $(wildcard tests/unit/*.c))
EX_SRCS   := $(sort $(wildcard examples/*.c))
# BPF C sources used by tests, compiled for every -mcpu into $(BUILD)/bpf.
BPF_SRCS  := $(sort $(wildcard tests/bpf/*.c))
BPF_CPUS  := v1 v2 v3 v4
BPF_OBJS  := $(foreach c,$(BPF_CPUS),$(BPF_SRCS:tests/bpf/%.c=$(BUILD)/bpf/%.$(c).o))
BPF_CLANG ?= clang-19
BPF_CFLAGS := -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -Wall
# BPF C examples (examples/bpf/*.c), built with -mcpu=v3 into $(BUILD)/examples/bpf.
EXBPF_SRCS := $(sort $(wildcard examples/bpf/*.c))
EXBPF_OBJS := $(EXBPF_SRCS:examples/bpf/%.c=$(BUILD)/examples/bpf/%.o)

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
TLIB_OBJS := $(TLIB_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
EX_BINS   := $(EX_SRCS:examples/%.c=$(BUILD)/examples/%)

LIBA  := $(BUILD)/libubee.a
LIBSO := $(BUILD)/libubee.so
UBEE  := $(BUILD)/ubee

.PHONY: all test check bench demo install uninstall clean deps format
# Keep intermediate objects: no rebuilds, and no "rm" after the test summary.
.SECONDARY:
all: $(LIBA) $(LIBSO) $(UBEE) $(EX_BINS) $(EXBPF_OBJS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBA): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBSO): $(LIB_OBJS)
	$(CC) -shared $(SANFLAGS) -Wl,-soname,libubee.so.$(shell sed -n 's/^#define UBEE_VERSION_MAJOR //p' include/ubee/ubee.h) -o $@ $^ $(LDLIBS)

$(UBEE): $(CLI_OBJS) $(LIBA)
	$(CC) $(SANFLAGS) -o $@ $(CLI_OBJS) $(LIBA) $(LDLIBS) $(CLI_LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TLIB_OBJS) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(SANFLAGS) -o $@ $< $(TLIB_OBJS) $(LIBA) $(LDLIBS)

$(BUILD)/examples/%: $(BUILD)/obj/examples/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(SANFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(BUILD)/examples/bpf/%.o: examples/bpf/%.c
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BPF_CFLAGS) -mcpu=v3 -c $< -o $@

define bpf_rule
$(BUILD)/bpf/%.$(1).o: tests/bpf/%.c
	@mkdir -p $$(dir $$@)
	$$(BPF_CLANG) $$(BPF_CFLAGS) -mcpu=$(1) -c $$< -o $$@
endef
$(foreach c,$(BPF_CPUS),$(eval $(call bpf_rule,$(c))))

deps:
	@scripts/deps.sh

test: deps all $(TEST_BINS) $(BPF_OBJS)
	@BUILD=$(BUILD) UBEE=$(abspath $(UBEE)) SANITIZE=$(SANITIZE) VALGRIND=$(VALGRIND) tests/run-all.sh $(TEST_BINS)

check: test

bench: deps all
	@BUILD=$(BUILD) CC="$(CC)" bench/run.sh

demo: deps all
	@BUILD=$(BUILD) UBEE=$(abspath $(UBEE)) examples/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/ubee $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(UBEE) $(DESTDIR)$(PREFIX)/bin/ubee
	install -m 644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/libubee.a
	install -m 755 $(LIBSO) $(DESTDIR)$(PREFIX)/lib/libubee.so.0
	ln -sf libubee.so.0 $(DESTDIR)$(PREFIX)/lib/libubee.so
	install -m 644 include/ubee/*.h $(DESTDIR)$(PREFIX)/include/ubee/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell scripts/version.sh)|g' ubee.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/ubee.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/ubee $(DESTDIR)$(PREFIX)/lib/libubee.* $(DESTDIR)$(PREFIX)/lib/pkgconfig/ubee.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/ubee

format:
	clang-format-19 -i $(LIB_SRCS) $(CLI_SRCS) $(TEST_SRCS) $(wildcard src/*/*.h include/ubee/*.h)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# Fuzz targets (libFuzzer, clang-19): `make fuzz` and CI's short runs.
-include tests/fuzz/fuzz.mk
