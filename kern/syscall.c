/*
 * syscall.c: rump_syscall(), the one entry point of every caller (local
 * wrappers, remote clients, trapped programs), and its tracer.
 */
#include <rump/rump.h>

#include "proc.h"
#include "syscall.h"

int syscall_trace;

/*
 * The cold half of the exit path.  Until signals are kernel state
 * nothing can restart a call, so an interrupted call is EINTR.
 */
long
syscall_exit_work(struct lwp *l, long ret)
{
	(void)l;
	return errno_is_restart(ret) ? -EINTR : ret;
}

RUMP_API long
rump_syscall(long nr, const long *args)
{
	struct lwp *l;

	if (__predict_false((unsigned long)nr >= SYS_NMAX))
		return -ENOSYS;
	if (__predict_false((l = curlwp_enter()) == NULL))
		return initproc == NULL ? -ENXIO : -ENOMEM;
	if (__predict_false(syscall_trace))
		return syscall_traced(l, nr, args);
	if (__predict_false(sysent[nr].sy_call == NULL))
		return -ENOSYS;
	return syscall_exit(l, sysent[nr].sy_call(l, args));
}
