/*
 * syscall.c: rump_syscall(), the one entry point of every caller (local
 * wrappers, remote clients, trapped programs), and its tracer.
 */
#include <rump/rump.h>

#include "proc.h"
#include "syscall.h"

int syscall_trace;

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
	return syscall_exit(l, nr, args, sysent[nr].sy_call(l, args));
}
