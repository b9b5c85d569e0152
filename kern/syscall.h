/*
 * syscall.h: the dispatch table generated from kern/syscalls.tbl.
 *
 * A handler returns its result or -errno, as the raw Linux ABI does, and
 * reaches user memory only through copyin/copyout/copyinstr.
 */
#ifndef RUMP_KERN_SYSCALL_H
#define RUMP_KERN_SYSCALL_H

#include "kernel.h"
#include "proc.h"
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

/*
 * syscall_exit: the way out of every syscall `nr' (with `args'), with
 * the handler's result.  One predictable branch on the fast path: the
 * lwp's l_sigpending flag (signal.h) or an interrupted call's restart
 * code sends it to syscall_exit_work(), which delivers signals and
 * restarts the call or makes it -EINTR; what comes back is what the
 * caller sees.
 */
long syscall_exit_work(struct lwp *l, long nr, const long *args, long ret)
	__attribute__((cold));

static inline long
syscall_exit(struct lwp *l, long nr, const long *args, long ret)
{
	if (__predict_false(atomic_load_relaxed(&l->l_sigpending) |
			    errno_is_restart(ret)))
		return syscall_exit_work(l, nr, args, ret);
	return ret;
}

#endif /* RUMP_KERN_SYSCALL_H */
