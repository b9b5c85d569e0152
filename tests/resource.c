/*
 * resource.c: resource limits (kern/sys_resource.c): getrlimit,
 * setrlimit, prlimit64 and libc's prlimit, with Linux's rules
 * (getrlimit(2)): soft <= hard, raising a hard limit is privileged,
 * RLIMIT_NOFILE is capped by nr_open, another process's limits need
 * privilege or matching ids.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <sys/resource.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define NONE ((unsigned)-1)
#define BADPTR ((void *)1)
#define NR_OPEN (1024 * 1024)
#define NOPID 30000 /* no process has it in a fresh kernel */

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(rlimit, .init = boot);

/* A new process, child of init, with the given real/effective/saved
 * uids and gids; it becomes the calling thread's current lwp. */
static struct lwp *
spawn(uid_t ru, uid_t eu, uid_t su, gid_t rg, gid_t eg, gid_t sg)
{
	rump_pub_lwproc_switch(NULL);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_sys_setresgid(rg, eg, sg), 0);
	cr_assert_eq(rump_sys_setresuid(ru, eu, su), 0);
	return rump_pub_lwproc_curlwp();
}

static struct lwp *
spawn_uid(uid_t uid, gid_t gid)
{
	return spawn(uid, uid, uid, gid, gid, gid);
}

static void
release(struct lwp *l)
{
	rump_pub_lwproc_switch(l);
	rump_pub_lwproc_releaselwp();
}

static struct rlimit
lim(int resource)
{
	struct rlimit r;

	cr_assert_eq(rump_sys_getrlimit(resource, &r), 0);
	return r;
}

static int
setlim(int resource, rlim_t cur, rlim_t max)
{
	struct rlimit r = { cur, max };

	return rump_sys_setrlimit(resource, &r);
}

/* ---- own limits ----------------------------------------------------- */

Test(rlimit, boot_defaults)
{
	struct rlimit r = lim(RLIMIT_NOFILE);

	cr_assert(r.rlim_cur == 1024 && r.rlim_max == 4096);
	r = lim(RLIMIT_STACK);
	cr_assert(r.rlim_cur == 8 << 20 && r.rlim_max == RLIM_INFINITY);
	r = lim(RLIMIT_CORE);
	cr_assert(r.rlim_cur == 0 && r.rlim_max == RLIM_INFINITY);
	r = lim(RLIMIT_CPU);
	cr_assert(r.rlim_cur == RLIM_INFINITY && r.rlim_max == RLIM_INFINITY);
	r = lim(RLIMIT_RTTIME);
	cr_assert(r.rlim_cur == RLIM_INFINITY);
}

Test(rlimit, set_then_get)
{
	cr_assert_eq(setlim(RLIMIT_NOFILE, 100, 200), 0);
	struct rlimit r = lim(RLIMIT_NOFILE);
	cr_assert(r.rlim_cur == 100 && r.rlim_max == 200);
	/* Soft may go up to hard, and equal it. */
	cr_assert_eq(setlim(RLIMIT_NOFILE, 200, 200), 0);
	r = lim(RLIMIT_NOFILE);
	cr_assert(r.rlim_cur == 200 && r.rlim_max == 200);
	/* Other limits are untouched. */
	r = lim(RLIMIT_STACK);
	cr_assert_eq(r.rlim_cur, 8 << 20);
}

Test(rlimit, bad_resource_is_einval)
{
	struct rlimit r = { 1, 1 };

	cr_assert_eq(rump_sys_getrlimit(RLIM_NLIMITS, &r), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_getrlimit(-1, &r), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_setrlimit(RLIM_NLIMITS, &r), -1);
	cr_assert_eq(errno, EINVAL);
	/* The new limit is read before the resource is checked. */
	cr_assert_eq(rump_sys_setrlimit(RLIM_NLIMITS, BADPTR), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_prlimit(0, RLIM_NLIMITS, NULL, &r), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_prlimit(0, 1000, &r, NULL), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(rlimit, soft_above_hard_is_einval)
{
	cr_assert_eq(setlim(RLIMIT_NOFILE, 300, 200), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(setlim(RLIMIT_CPU, RLIM_INFINITY, 10), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(lim(RLIMIT_NOFILE).rlim_cur, 1024, "nothing changed");
}

Test(rlimit, bad_pointer_is_efault)
{
	cr_assert_eq(rump_sys_getrlimit(RLIMIT_NOFILE, BADPTR), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_getrlimit(RLIMIT_NOFILE, NULL), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_setrlimit(RLIMIT_NOFILE, BADPTR), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_setrlimit(RLIMIT_NOFILE, NULL), -1);
	cr_assert_eq(errno, EFAULT);
}

Test(rlimit, nofile_capped_by_nr_open)
{
	/* Even privileged: EPERM above nr_open, infinity included. */
	cr_assert_eq(setlim(RLIMIT_NOFILE, 1024, NR_OPEN + 1), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(setlim(RLIMIT_NOFILE, 1024, RLIM_INFINITY), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(setlim(RLIMIT_NOFILE, NR_OPEN, NR_OPEN), 0);
	cr_assert_eq(lim(RLIMIT_NOFILE).rlim_max, NR_OPEN);
	/* Other limits have no such cap. */
	cr_assert_eq(setlim(RLIMIT_STACK, RLIM_INFINITY, RLIM_INFINITY), 0);
}

Test(rlimit, raising_hard_limit_needs_privilege)
{
	struct lwp *l;

	/* Root may raise it. */
	l = spawn_uid(0, 0);
	cr_assert_eq(setlim(RLIMIT_NOFILE, 10, 20), 0);
	cr_assert_eq(setlim(RLIMIT_NOFILE, 10, 5000), 0);
	release(l);

	l = spawn_uid(1000, 1000);
	/* Lowering the hard limit and moving the soft one are allowed ... */
	cr_assert_eq(setlim(RLIMIT_NOFILE, 100, 2000), 0);
	cr_assert_eq(setlim(RLIMIT_NOFILE, 2000, 2000), 0);
	cr_assert_eq(setlim(RLIMIT_NOFILE, 5, 2000), 0);
	/* ... raising it is not, not even back to where it was. */
	cr_assert_eq(setlim(RLIMIT_NOFILE, 5, 2001), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(setlim(RLIMIT_NOFILE, 5, 4096), -1);
	cr_assert_eq(errno, EPERM);
	struct rlimit r = lim(RLIMIT_NOFILE);
	cr_assert(r.rlim_cur == 5 && r.rlim_max == 2000);
	/* Unprivileged, the nr_open cap still comes first as EPERM. */
	cr_assert_eq(setlim(RLIMIT_NOFILE, 5, RLIM_INFINITY), -1);
	cr_assert_eq(errno, EPERM);
	release(l);

	/* Privilege is the effective uid's. */
	l = spawn(1000, 0, 1000, 1, 1, 1);
	cr_assert_eq(setlim(RLIMIT_NOFILE, 10, 4000), 0);
	cr_assert_eq(setlim(RLIMIT_NOFILE, 10, 5000), 0);
	release(l);
}

/* ---- prlimit -------------------------------------------------------- */

Test(rlimit, prlimit_self)
{
	struct rlimit nv = { 64, 128 }, old;
	pid_t self;

	cr_assert_eq(rump_sys_prlimit(0, RLIMIT_NOFILE, NULL, &old), 0);
	cr_assert(old.rlim_cur == 1024 && old.rlim_max == 4096);
	/* Old and new in one call: old is the value before. */
	cr_assert_eq(rump_sys_prlimit(0, RLIMIT_NOFILE, &nv, &old), 0);
	cr_assert(old.rlim_cur == 1024 && old.rlim_max == 4096);
	cr_assert_eq(lim(RLIMIT_NOFILE).rlim_cur, 64);
	/* Its own pid works as 0 does. */
	self = rump_sys_getpid();
	nv.rlim_cur = 32;
	cr_assert_eq(rump_sys_prlimit(self, RLIMIT_NOFILE, &nv, NULL), 0);
	cr_assert_eq(lim(RLIMIT_NOFILE).rlim_cur, 32);
	/* Neither: a no-op that succeeds. */
	cr_assert_eq(rump_sys_prlimit(0, RLIMIT_NOFILE, NULL, NULL), 0);
}

Test(rlimit, prlimit64_raw_layout)
{
	struct rlimit64 nv = { 7, 9 }, old;

	cr_assert_eq(rump_sys_prlimit64(0, RLIMIT_CORE, &nv, &old), 0);
	cr_assert(old.rlim_cur == 0 && old.rlim_max == RLIM64_INFINITY);
	cr_assert_eq(rump_sys_prlimit64(0, RLIMIT_CORE, NULL, &old), 0);
	cr_assert(old.rlim_cur == 7 && old.rlim_max == 9);
}

Test(rlimit, prlimit_errors)
{
	struct rlimit nv = { 1, 2 }, old;

	cr_assert_eq(rump_sys_prlimit(NOPID, RLIMIT_NOFILE, NULL, &old), -1);
	cr_assert_eq(errno, ESRCH);
	cr_assert_eq(rump_sys_prlimit(-5, RLIMIT_NOFILE, NULL, &old), -1);
	cr_assert_eq(errno, ESRCH);
	/* The new limit is read first: a bad pointer beats ESRCH. */
	cr_assert_eq(rump_sys_prlimit(NOPID, RLIMIT_NOFILE, BADPTR, NULL), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_prlimit(0, RLIM_NLIMITS, BADPTR, NULL), -1);
	cr_assert_eq(errno, EFAULT);
	/* A bad old pointer: the new limit is set, and EFAULT reported. */
	cr_assert_eq(rump_sys_prlimit(0, RLIMIT_NOFILE, &nv, BADPTR), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(lim(RLIMIT_NOFILE).rlim_max, 2);
	nv.rlim_cur = 3;
	cr_assert_eq(rump_sys_prlimit(0, RLIMIT_NOFILE, &nv, NULL), -1);
	cr_assert_eq(errno, EINVAL);
}

/* Linux's rule for other processes, case by case: the caller's real uid
 * must equal the target's real, effective and saved uids, and its real
 * gid the target's three gids; or the caller is privileged. */
struct perm_case {
	unsigned caller[6]; /* ruid euid suid rgid egid sgid */
	unsigned target[6];
	int error;
};

static const struct perm_case perm_cases[] = {
	/* same ids */
	{ { 1000, 1000, 1000, 50, 50, 50 },
	  { 1000, 1000, 1000, 50, 50, 50 },
	  0 },
	/* caller's effective/saved ids do not matter, only its real ones */
	{ { 1000, 2000, 3000, 50, 60, 70 },
	  { 1000, 1000, 1000, 50, 50, 50 },
	  0 },
	/* target's effective or saved uid differs */
	{ { 1000, 1000, 1000, 50, 50, 50 },
	  { 1000, 2000, 1000, 50, 50, 50 },
	  EPERM },
	{ { 1000, 1000, 1000, 50, 50, 50 },
	  { 1000, 1000, 2000, 50, 50, 50 },
	  EPERM },
	{ { 1000, 1000, 1000, 50, 50, 50 },
	  { 2000, 1000, 1000, 50, 50, 50 },
	  EPERM },
	/* uids match, a gid does not */
	{ { 1000, 1000, 1000, 50, 50, 50 },
	  { 1000, 1000, 1000, 60, 50, 50 },
	  EPERM },
	{ { 1000, 1000, 1000, 50, 50, 50 },
	  { 1000, 1000, 1000, 50, 60, 50 },
	  EPERM },
	{ { 1000, 1000, 1000, 50, 50, 50 },
	  { 1000, 1000, 1000, 50, 50, 60 },
	  EPERM },
	/* caller's real uid equals the target's effective only */
	{ { 2000, 2000, 2000, 50, 50, 50 },
	  { 1000, 2000, 2000, 50, 50, 50 },
	  EPERM },
	/* privileged: always */
	{ { 0, 0, 0, 0, 0, 0 }, { 1000, 2000, 3000, 4, 5, 6 }, 0 },
	{ { 1000, 0, 1000, 50, 50, 50 }, { 2000, 2000, 2000, 60, 60, 60 }, 0 },
	/* unprivileged against root */
	{ { 1000, 1000, 1000, 0, 0, 0 }, { 0, 0, 0, 0, 0, 0 }, EPERM },
	/* real uid 0 but effective not: the ids must match */
	{ { 0, 1000, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0, 0 }, 0 },
	{ { 0, 1000, 0, 0, 0, 0 }, { 0, 5, 0, 0, 0, 0 }, EPERM },
};

Test(rlimit, prlimit_other_process_permission_as_linux)
{
	for (size_t i = 0; i < sizeof(perm_cases) / sizeof(perm_cases[0]);
	     i++) {
		const struct perm_case *c = &perm_cases[i];
		const unsigned *t = c->target, *k = c->caller;
		struct lwp *target = spawn(t[0], t[1], t[2], t[3], t[4], t[5]);
		pid_t tpid = rump_sys_getpid();
		struct lwp *caller = spawn(k[0], k[1], k[2], k[3], k[4], k[5]);
		struct rlimit old, nv = { 100, 4096 };
		int rv;

		errno = 0;
		rv = rump_sys_prlimit(tpid, RLIMIT_NOFILE, NULL, &old);
		cr_assert_eq(rv, c->error ? -1 : 0, "case %zu: read gave %d", i,
			     rv);
		if (c->error) {
			cr_assert_eq(errno, c->error, "case %zu", i);
		} else {
			cr_assert(old.rlim_cur == 1024 && old.rlim_max == 4096,
				  "case %zu", i);
		}
		rv = rump_sys_prlimit(tpid, RLIMIT_NOFILE, &nv, NULL);
		cr_assert_eq(rv, c->error ? -1 : 0, "case %zu: write gave %d",
			     i, rv);
		/* The target sees the change, the caller does not. */
		cr_assert_eq(lim(RLIMIT_NOFILE).rlim_cur, 1024, "case %zu", i);
		rump_pub_lwproc_switch(target);
		cr_assert_eq(lim(RLIMIT_NOFILE).rlim_cur, c->error ? 1024 : 100,
			     "case %zu", i);
		release(caller);
		release(target);
	}
}

Test(rlimit, prlimit_other_raise_needs_callers_privilege)
{
	struct lwp *target = spawn_uid(1000, 50), *caller;
	pid_t tpid = rump_sys_getpid();
	struct rlimit nv = { 10, 100 }, old;

	cr_assert_eq(setlim(RLIMIT_NOFILE, 10, 100), 0);
	/* Same ids, unprivileged: may lower, may not raise. */
	caller = spawn_uid(1000, 50);
	nv.rlim_max = 50;
	cr_assert_eq(rump_sys_prlimit(tpid, RLIMIT_NOFILE, &nv, NULL), 0);
	nv.rlim_max = 60;
	cr_assert_eq(rump_sys_prlimit(tpid, RLIMIT_NOFILE, &nv, NULL), -1);
	cr_assert_eq(errno, EPERM);
	release(caller);
	/* A privileged caller may raise an unprivileged target's limit. */
	caller = spawn_uid(0, 0);
	nv.rlim_max = 3000;
	cr_assert_eq(rump_sys_prlimit(tpid, RLIMIT_NOFILE, &nv, &old), 0);
	cr_assert(old.rlim_cur == 10 && old.rlim_max == 50);
	release(caller);
	release(target);
}

/* ---- inheritance and isolation -------------------------------------- */

Test(rlimit, inherited_by_rfork_then_private)
{
	struct lwp *parent = spawn_uid(0, 0), *child;

	cr_assert_eq(setlim(RLIMIT_NOFILE, 77, 88), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(0), 0);
	child = rump_pub_lwproc_curlwp();
	struct rlimit r = lim(RLIMIT_NOFILE);
	cr_assert(r.rlim_cur == 77 && r.rlim_max == 88, "inherited");
	cr_assert_eq(setlim(RLIMIT_NOFILE, 5, 6), 0);
	rump_pub_lwproc_switch(parent);
	r = lim(RLIMIT_NOFILE);
	cr_assert(r.rlim_cur == 77 && r.rlim_max == 88, "child's is private");
	cr_assert_eq(setlim(RLIMIT_NOFILE, 70, 80), 0);
	rump_pub_lwproc_switch(child);
	cr_assert_eq(lim(RLIMIT_NOFILE).rlim_cur, 5, "parent's is private");
	release(child);
	release(parent);
	cr_assert_eq(lim(RLIMIT_NOFILE).rlim_cur, 1024, "init untouched");
}

Test(rlimit, shared_by_lwps_of_a_process)
{
	struct lwp *l1 = spawn_uid(0, 0), *l2;

	cr_assert_eq(rump_pub_lwproc_newlwp(rump_sys_getpid()), 0);
	l2 = rump_pub_lwproc_curlwp();
	cr_assert_eq(setlim(RLIMIT_CORE, 4096, 8192), 0);
	rump_pub_lwproc_switch(l1);
	cr_assert_eq(lim(RLIMIT_CORE).rlim_cur, 4096);
	release(l2);
	release(l1);
}
