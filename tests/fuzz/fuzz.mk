# Fuzz targets (libFuzzer through clang-19, with ASan and UBSan), included
# by the Makefile. Each tests/fuzz/fuzz_<name>.c is one target, linked
# against the library sources compiled with the same instrumentation into
# $(BUILD)/fuzz/obj (not libubee.a).
#
#   make fuzz                  every target for FUZZ_TIME seconds (60)
#   make fuzz FUZZ_TIME=3600 FUZZ_TARGETS=fuzz_btf
#   make fuzz-ci               every target for 10 seconds
#   make fuzz-build            only build them
#
# Each target runs on its own corpus copy, $(BUILD)/fuzz/work/<name>
# (seeded from tests/fuzz/corpus/<name>), with -rss_limit_mb=2048
# -timeout=10 and tests/fuzz/<name>.dict when it exists; crashes land in
# $(BUILD)/fuzz/artifacts/<name>/ and the log in $(BUILD)/fuzz/logs/.
# FUZZ_ARGS adds libFuzzer options. docs/FUZZING.md has the rest.

FUZZ_CC      ?= clang-19
FUZZ_TIME    ?= 60
FUZZ_ARGS    ?=
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := -std=gnu11 $(WARN) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) \
		-fsanitize=fuzzer-no-link -pthread -Iinclude -Isrc -Itests/lib -MMD -MP
ALL_FUZZ_TARGETS := $(sort $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_TARGETS ?= $(ALL_FUZZ_TARGETS)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BINS    := $(ALL_FUZZ_TARGETS:%=$(FUZZ_DIR)/%)

.PHONY: fuzz fuzz-ci fuzz-build fuzz-deps

# libFuzzer's runtime is in libclang-rt-19-dev, which clang-19 only
# recommends: say so instead of failing at the first link.
FUZZ_RT = $(shell $(FUZZ_CC) -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null)
fuzz-deps:
	@case "$(FUZZ_RT)" in /*) ;; *) echo "fuzz: $(FUZZ_CC) has no libFuzzer runtime (Debian: apt-get install libclang-rt-19-dev)" >&2; exit 1 ;; esac

# clang's UBSan checks an indirect call by reading a signature just before
# the callee; JIT code has none (and the page before it may be unmapped).
$(FUZZ_DIR)/obj/src/jit/%.o: FUZZ_CFLAGS += -fno-sanitize=function

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

# The link line names every library object: print only the target.
$(FUZZ_BINS): $(FUZZ_DIR)/%: $(FUZZ_DIR)/obj/tests/fuzz/%.o $(FUZZ_LIB_OBJS)
	@echo "$(FUZZ_CC) -fsanitize=fuzzer -o $@ $< <library objects>"
	@$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJS) $(LDLIBS)

fuzz-build: fuzz-deps $(FUZZ_BINS)

fuzz: fuzz-deps $(FUZZ_BINS)
	@FUZZ_DIR=$(FUZZ_DIR) FUZZ_TIME=$(FUZZ_TIME) FUZZ_ARGS="$(FUZZ_ARGS)" \
		tests/fuzz/run.sh $(FUZZ_TARGETS)

fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZ_TIME=10

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
