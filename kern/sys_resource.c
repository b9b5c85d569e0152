/*
 * sys_resource.c: resource limits: getrlimit, setrlimit, prlimit64.
 *
 * Limits are per process (p_limit under p_lock) and inherited by rfork.
 * The rules are Linux's: a soft limit above its hard limit is EINVAL,
 * raising a hard limit needs CAP_SYS_RESOURCE (here: effective uid 0),
 * and RLIMIT_NOFILE never goes above nr_open.
 */
#include "cred.h"
#include "proc.h"
#include "syscall.h"

#define NR_OPEN (1024 * 1024) /* Linux's default fs.nr_open */

/* Whether `nv' may be a limit at all, whoever sets it: 0 or an errno. */
static int
rlimit_valid(unsigned resource, const struct rlimit *nv)
{
	if (nv->rlim_cur > nv->rlim_max)
		return EINVAL;
	if (resource == RLIMIT_NOFILE && nv->rlim_max > NR_OPEN)
		return EPERM;
	return 0;
}

/*
 * Linux's do_prlimit: in p, read the limit `resource' into *old and/or
 * replace it with *nv (either may be NULL), in one step under p_lock.
 * `cr' is the caller's credential.  Returns 0, EINVAL or EPERM.
 */
static int
rlimit_swap(struct proc *p, const struct kauth_cred *cr, unsigned resource,
	    const struct rlimit *nv, struct rlimit *old)
{
	struct rlimit *lim;
	int error = 0;

	if (resource >= RLIM_NLIMITS)
		return EINVAL;
	if (nv != NULL && (error = rlimit_valid(resource, nv)) != 0)
		return error;
	mutex_enter(&p->p_lock);
	lim = &p->p_limit.pl_rlimit[resource];
	if (nv != NULL && nv->rlim_max > lim->rlim_max &&
	    !cred_privileged(cr)) {
		error = EPERM;
	} else {
		if (old != NULL)
			*old = *lim;
		/* Stored atomically: the fd table (RLIMIT_NOFILE) and the
		 * writers of files (RLIMIT_FSIZE, fsize.h) read them without
		 * p_lock. */
		if (nv != NULL) {
			atomic_store_relaxed(&lim->rlim_cur, nv->rlim_cur);
			atomic_store_relaxed(&lim->rlim_max, nv->rlim_max);
		}
	}
	mutex_exit(&p->p_lock);
	return error;
}

long
sys_getrlimit(struct lwp *l, int resource, struct rlimit *rlim)
{
	struct rlimit cur;
	int error;

	error = rlimit_swap(l->l_proc, l->l_cred, (unsigned)resource, NULL,
			    &cur);
	if (error == 0 && copyout(&cur, rlim, sizeof(cur)) != 0)
		error = EFAULT;
	return -error;
}

long
sys_setrlimit(struct lwp *l, int resource, const struct rlimit *rlim)
{
	struct rlimit nv;

	/* Linux reads the new limit before it looks at the resource. */
	if (copyin(rlim, &nv, sizeof(nv)) != 0)
		return -EFAULT;
	return -rlimit_swap(l->l_proc, l->l_cred, (unsigned)resource, &nv,
			    NULL);
}

/*
 * Linux's rule for touching another process's limits: privileged, or
 * the caller's real uid is each of the target's real, effective and
 * saved uids, and likewise for the real gid.  Caller holds proc_lock,
 * which keeps `p' alive; p_lock keeps its credential.
 */
static int
prlimit_permitted(const struct kauth_cred *cr, struct proc *p)
{
	const struct kauth_cred *tc;
	bool match;

	if (cred_privileged(cr))
		return 0;
	mutex_enter(&p->p_lock);
	tc = p->p_cred;
	match = cr->cr_uid == tc->cr_uid && cr->cr_uid == tc->cr_euid &&
		cr->cr_uid == tc->cr_suid && cr->cr_gid == tc->cr_gid &&
		cr->cr_gid == tc->cr_egid && cr->cr_gid == tc->cr_sgid;
	mutex_exit(&p->p_lock);
	return match ? 0 : EPERM;
}

/* rlimit_swap on process `pid' (0: the caller's). */
static int
prlimit_pid(struct lwp *l, pid_t pid, unsigned resource,
	    const struct rlimit *nv, struct rlimit *old)
{
	struct proc *p;
	int error;

	if (pid == 0 || pid == l->l_proc->p_pid)
		return rlimit_swap(l->l_proc, l->l_cred, resource, nv, old);
	proc_lock_enter();
	if ((p = proc_find_locked(pid)) == NULL)
		error = ESRCH;
	else if ((error = prlimit_permitted(l->l_cred, p)) == 0)
		error = rlimit_swap(p, l->l_cred, resource, nv, old);
	proc_lock_exit();
	return error;
}

/*
 * prlimit64, in Linux's order of checks: read the new limit (EFAULT),
 * find the process (ESRCH), permission (EPERM), then the limit itself.
 * A fault writing the old limit is reported after the new one is set,
 * as on Linux.  On x86_64 struct rlimit64 and struct rlimit agree.
 */
long
sys_prlimit64(struct lwp *l, pid_t pid, int resource,
	      const struct rlimit64 *new_limit, struct rlimit64 *old_limit)
{
	struct rlimit64 nv64, old64;
	struct rlimit nv, old;
	int error;

	if (new_limit != NULL) {
		if (copyin(new_limit, &nv64, sizeof(nv64)) != 0)
			return -EFAULT;
		nv.rlim_cur = nv64.rlim_cur;
		nv.rlim_max = nv64.rlim_max;
	}
	error = prlimit_pid(l, pid, (unsigned)resource,
			    new_limit != NULL ? &nv : NULL,
			    old_limit != NULL ? &old : NULL);
	if (error == 0 && old_limit != NULL) {
		old64.rlim_cur = old.rlim_cur;
		old64.rlim_max = old.rlim_max;
		if (copyout(&old64, old_limit, sizeof(old64)) != 0)
			error = EFAULT;
	}
	return -error;
}
