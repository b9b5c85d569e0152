# rumpkit: one non-recursive makefile.  Everything is built out of tree:
# the normal build in build/, a sanitizer build in build/san-<list>/.
#
#   make                   libraries and tools
#   make test              every Criterion suite (installs deps first)
#   make bench             benchmarks; figures in build/bench/results.json
#   make run               builds and runs examples/
#   make install PREFIX=D  headers, libraries, pkg-config file
#   make SANITIZE=address,undefined test
#
# New sources are picked up by wildcard: a .c file in kern/, vfs/, ipc/
# joins librump, in hyper/posix/ joins librumpuser, in tests/ is a suite,
# in bench/ a benchmark, in examples/ an example, in tools/ a tool.

comma := ,
SANITIZE ?=
PREFIX ?= /usr/local
CC ?= cc
AWK ?= awk

ifeq ($(SANITIZE),)
O := build
else
O := build/san-$(subst $(comma),-,$(SANITIZE))
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter
OPT ?= -O2
BASE_CFLAGS := -std=gnu11 $(OPT) -g -fPIC $(WARN) -Iinclude -I$(O)/include \
	-D_GNU_SOURCE -MMD -MP
ifneq ($(SANITIZE),)
BASE_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
SAN_LDFLAGS := -fsanitize=$(SANITIZE)
endif
CFLAGS_ALL := $(BASE_CFLAGS) $(CFLAGS)
# Kernel code exports only what is marked RUMP_API.
KERN_CFLAGS := $(CFLAGS_ALL) -fvisibility=hidden -Ikern -I$(O)/gen \
	-fno-strict-aliasing -fno-semantic-interposition -ffreestanding
HYPER_CFLAGS := $(CFLAGS_ALL) -fvisibility=hidden
LDLIBS_ALL := -lpthread

# ---- sources ---------------------------------------------------------
KERN_SRCS := $(sort $(wildcard kern/*.c kern/wrap/*.c vfs/*.c vfs/*/*.c \
	ipc/*.c))
HYPER_SRCS := $(sort $(wildcard hyper/posix/*.c))
HYPER_ASRCS := $(sort $(wildcard hyper/posix/*.S))
TEST_SRCS := $(sort $(wildcard tests/*.c))
BENCH_SRCS := $(sort $(wildcard bench/*.c))
EXAMPLE_SRCS := $(sort $(wildcard examples/*.c))
TOOL_SRCS := $(sort $(wildcard tools/*.c))

GEN_C := $(O)/gen/sysent.c $(O)/gen/rump_syscalls.c $(O)/gen/errnames.c
GEN_H := $(O)/gen/sys_handlers.h $(O)/include/rump/rump_syscalls.h
KERN_OBJS := $(KERN_SRCS:%.c=$(O)/obj/%.o) $(GEN_C:$(O)/gen/%.c=$(O)/obj/gen/%.o)
HYPER_OBJS := $(HYPER_SRCS:%.c=$(O)/obj/%.o) $(HYPER_ASRCS:%.S=$(O)/obj/%.o)
TEST_BINS := $(TEST_SRCS:tests/%.c=$(O)/tests/%)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(O)/bench/%)
EXAMPLE_BINS := $(EXAMPLE_SRCS:examples/%.c=$(O)/examples/%)
TOOL_BINS := $(TOOL_SRCS:tools/%.c=$(O)/bin/%)

LIBS_A := $(O)/lib/librump.a $(O)/lib/librumpuser.a
LIBS_SO := $(O)/lib/librump.so $(O)/lib/librumpuser.so

.PHONY: all libs test bench run install clean format deps tests benches
all: libs $(TOOL_BINS)
libs: $(LIBS_A) $(LIBS_SO)

# ---- generated syscall machinery ------------------------------------
$(filter-out %/errnames.c,$(GEN_C)) $(GEN_H) &: kern/syscalls.tbl scripts/gensyscalls.awk
	@mkdir -p $(O)/gen $(O)/include/rump
	$(AWK) -v gendir=$(O)/gen -v incdir=$(O)/include/rump \
		-f scripts/gensyscalls.awk kern/syscalls.tbl

ERRNO_HDRS := $(firstword $(wildcard /usr/include/asm-generic/errno-base.h)) \
	$(firstword $(wildcard /usr/include/asm-generic/errno.h))
$(O)/gen/errnames.c: scripts/generrnames.awk $(ERRNO_HDRS)
	@mkdir -p $(@D)
	$(AWK) -f scripts/generrnames.awk $(ERRNO_HDRS) > $@

# ---- objects -----------------------------------------------------------
# The wrappers are the client's side: libc's headers, not the kernel's
# (without -Ikern, <poll.h> is libc's).
$(O)/obj/kern/wrap/%.o: kern/wrap/%.c Makefile | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -fvisibility=hidden -ffreestanding -c $< -o $@
$(O)/obj/gen/rump_syscalls.o: $(O)/gen/rump_syscalls.c Makefile | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -fvisibility=hidden -ffreestanding -c $< -o $@
$(O)/obj/kern/%.o: kern/%.c Makefile | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(KERN_CFLAGS) -c $< -o $@
$(O)/obj/vfs/%.o: vfs/%.c Makefile | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(KERN_CFLAGS) -c $< -o $@
$(O)/obj/ipc/%.o: ipc/%.c Makefile | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(KERN_CFLAGS) -c $< -o $@
$(O)/obj/gen/%.o: $(O)/gen/%.c Makefile | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(KERN_CFLAGS) -c $< -o $@
$(O)/obj/hyper/%.o: hyper/%.c Makefile
	@mkdir -p $(@D)
	$(CC) $(HYPER_CFLAGS) -c $< -o $@
$(O)/obj/hyper/%.o: hyper/%.S Makefile
	@mkdir -p $(@D)
	$(CC) $(HYPER_CFLAGS) -c $< -o $@

# ---- libraries ---------------------------------------------------------
# The static kernel is one relocatable object with every symbol not
# marked RUMP_API made local, so a client's own names never clash with it.
$(O)/lib/librump.a: $(KERN_OBJS)
	@mkdir -p $(@D) $(O)/obj/rump
	ld -r -o $(O)/obj/rump/rumpkern.o $^
	objcopy --localize-hidden $(O)/obj/rump/rumpkern.o
	rm -f $@ && ar rcs $@ $(O)/obj/rump/rumpkern.o
$(O)/lib/librumpuser.a: $(HYPER_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
$(O)/lib/librumpuser.so: $(HYPER_OBJS)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,librumpuser.so $(SAN_LDFLAGS) -o $@ $^ \
		$(LDLIBS_ALL)
# librump.so finds librumpuser.so beside itself ($$ORIGIN): a client's
# own run path does not reach the libraries its libraries need.
$(O)/lib/librump.so: $(KERN_OBJS) $(O)/lib/librumpuser.so
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,librump.so -Wl,-rpath,'$$ORIGIN' \
		$(SAN_LDFLAGS) -o $@ $(KERN_OBJS) -L$(O)/lib -lrumpuser

# Programs link the static libraries: no run-time path to set up.
LINK_RUMP := $(O)/lib/librump.a $(O)/lib/librumpuser.a $(LDLIBS_ALL)

# Under ThreadSanitizer, Criterion cannot place its shared arena unless
# the test binaries carry scripts/criterion_tsan.c (see there).
ifneq ($(filter thread,$(subst $(comma), ,$(SANITIZE))),)
TEST_SUPPORT := $(O)/obj/scripts/criterion_tsan.o
endif
$(O)/obj/scripts/%.o: scripts/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(O)/tests/%: tests/%.c $(TEST_SUPPORT) $(LIBS_A) | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Itests -o $@ $< $(TEST_SUPPORT) $(LINK_RUMP) \
		-lcriterion $(SAN_LDFLAGS) $(WRAP_$*)
# A suite may wrap hypercalls (WRAP_<suite>) to stage or count them.
# White-box suites (tests/kern_*.c) link the kernel's objects directly so
# they can call internal functions.  The kernel's headers are reached as
# "name.h" only (-iquote), so its signal.h and poll.h do not stand in for
# the host's <signal.h> and <poll.h>.
$(O)/tests/kern_%: tests/kern_%.c $(TEST_SUPPORT) $(KERN_OBJS) \
		$(O)/lib/librumpuser.a | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Itests -iquote kern -iquote $(O)/gen -o $@ $< \
		$(TEST_SUPPORT) \
		$(KERN_OBJS) $(O)/lib/librumpuser.a $(LDLIBS_ALL) -lcriterion \
		$(SAN_LDFLAGS) $(WRAP_$*)
# kern_kmem stages a host out of memory by wrapping two hypercalls.
WRAP_kmem := -Wl,--wrap=rumpuser_anonmmap -Wl,--wrap=rumpuser_malloc
# hostfs_calls counts hostfs's host stats.
WRAP_hostfs_calls := -Wl,--wrap=rumpuser_fs_fstatat
# lwproc counts the kernel's thread barriers and can refuse them.
WRAP_lwproc := -Wl,--wrap=rumpuser_membar_threads
$(O)/bench/%: bench/%.c bench/bench.h $(LIBS_A) | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Ibench -o $@ $< $(LINK_RUMP) -lm $(SAN_LDFLAGS)
$(O)/examples/%: examples/%.c $(LIBS_A) | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LINK_RUMP) $(SAN_LDFLAGS)
$(O)/bin/%: tools/%.c $(LIBS_A) | $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LINK_RUMP) $(SAN_LDFLAGS)

# ---- top-level actions ---------------------------------------------------
deps:
	@bash scripts/deps.sh

tests: $(TEST_BINS)
test: deps
	@$(MAKE) --no-print-directory tests
	@bash scripts/runtests.sh $(O) $(TEST_BINS)

benches: $(BENCH_BINS)
bench: deps
	@$(MAKE) --no-print-directory OPT=-O2 benches
	@bash scripts/runbench.sh $(O) $(BENCH_BINS)

run: deps
	@$(MAKE) --no-print-directory $(EXAMPLE_BINS)
	@for e in $(EXAMPLE_BINS); do \
		echo "==== $$e"; $$e || exit 1; done

install: libs
	install -d $(PREFIX)/include/rump $(PREFIX)/lib/pkgconfig
	install -m 644 include/rump/*.h $(O)/include/rump/rump_syscalls.h \
		$(PREFIX)/include/rump/
	install -m 644 $(LIBS_A) $(PREFIX)/lib/
	install -m 755 $(LIBS_SO) $(PREFIX)/lib/
	sed -e 's|@PREFIX@|$(PREFIX)|g' scripts/rump.pc.in \
		> $(PREFIX)/lib/pkgconfig/rump.pc

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(shell find $(O)/obj $(O)/tests $(O)/bench $(O)/examples \
	$(O)/bin -name '*.d' 2>/dev/null)
