/* sys_proc.c: process and thread identity: getpid, getppid, gettid. */
#include "proc.h"
#include "syscall.h"

long
sys_getpid(struct lwp *l)
{
	return l->l_proc->p_pid;
}

long
sys_getppid(struct lwp *l)
{
	return atomic_load_relaxed(&l->l_proc->p_ppid);
}

long
sys_gettid(struct lwp *l)
{
	return l->l_lid;
}
