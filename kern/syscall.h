/*
 * syscall.h: the dispatch table generated from kern/syscalls.tbl.
 *
 * A handler returns its result or -errno, as the raw Linux ABI does, and
 * reaches user memory only through copyin/copyout/copyinstr.
 */
#ifndef RUMP_KERN_SYSCALL_H
#define RUMP_KERN_SYSCALL_H

#include "kernel.h"
#include "sys_handlers.h"

struct lwp;

struct sysent {
	long (*sy_call)(struct lwp *l, const long *args);
	const char *sy_name;
	/* One letter per argument for tracing: s string, p pointer,
	 * o octal, x hex flags, u unsigned, d signed. */
	const char *sy_argfmt;
};

extern const struct sysent sysent[SYS_NMAX];

/* Trace switch, set from RUMP_TRACE at boot. */
extern int syscall_trace;
long syscall_traced(struct lwp *l, long nr, const long *args);

#endif /* RUMP_KERN_SYSCALL_H */
