/*
 * cred.c: user and group ids and supplementary groups (kern/sys_cred.c).
 *
 * The rule tables below are Linux's documented behaviour (setuid(2),
 * setreuid(2), setresuid(2), setfsuid(2), setgroups(2)), written out case
 * by case; each row runs in a fresh process made with rfork, once for
 * uids and once for gids.  Privilege is "effective uid 0" for both.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define NONE ((unsigned)-1)
#define BADPTR ((void *)1)

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(cred, .init = boot);

/* A new process, child of init, with the given ids (fs ids follow the
 * effective ones); it becomes the calling thread's current lwp. */
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
spawn_uid(uid_t uid)
{
	return spawn(uid, uid, uid, uid, uid, uid);
}

/* Release `l' (making it current first) and return to the implicit
 * context. */
static void
release(struct lwp *l)
{
	rump_pub_lwproc_switch(l);
	rump_pub_lwproc_releaselwp();
}

struct ids {
	unsigned r, e, s, fs;
};

static struct ids
uids_now(void)
{
	struct ids v;

	cr_assert_eq(rump_sys_getresuid(&v.r, &v.e, &v.s), 0);
	v.fs = (unsigned)rump_sys_setfsuid(NONE);
	return v;
}

static struct ids
gids_now(void)
{
	struct ids v;

	cr_assert_eq(rump_sys_getresgid(&v.r, &v.e, &v.s), 0);
	v.fs = (unsigned)rump_sys_setfsgid(NONE);
	return v;
}

/* ---- the rule table ------------------------------------------------- */

enum call { SETID, SETREID, SETRESID };

struct rule {
	enum call call;
	unsigned start[3]; /* r, e, s before; fs = e */
	unsigned arg[3];
	int error;      /* 0 or the expected errno */
	struct ids end; /* after the call (== start on error) */
};

static const struct rule rules[] = {
	/* setuid: privileged sets all four ... */
	{ SETID, { 0, 0, 0 }, { 10 }, 0, { 10, 10, 10, 10 } },
	{ SETID, { 10, 0, 0 }, { 20 }, 0, { 20, 20, 20, 20 } },
	{ SETID, { 10, 0, 20 }, { 0 }, 0, { 0, 0, 0, 0 } },
	/* ... unprivileged: only to the real or saved id, and then only
	 * the effective (and fs) id changes. */
	{ SETID, { 10, 10, 10 }, { 10 }, 0, { 10, 10, 10, 10 } },
	{ SETID, { 10, 10, 10 }, { 0 }, EPERM, { 10, 10, 10, 10 } },
	{ SETID, { 10, 20, 30 }, { 10 }, 0, { 10, 10, 30, 10 } },
	{ SETID, { 10, 20, 30 }, { 30 }, 0, { 10, 30, 30, 30 } },
	{ SETID, { 10, 20, 30 }, { 20 }, EPERM, { 10, 20, 30, 20 } },
	{ SETID, { 0, 10, 0 }, { 0 }, 0, { 0, 0, 0, 0 } },
	{ SETID, { 0, 10, 20 }, { 20 }, 0, { 0, 20, 20, 20 } },
	/* -1 is not an id. */
	{ SETID, { 0, 0, 0 }, { NONE }, EINVAL, { 0, 0, 0, 0 } },
	{ SETID, { 10, 10, 10 }, { NONE }, EINVAL, { 10, 10, 10, 10 } },

	/* setreuid: -1 leaves an id; fs follows e even then. */
	{ SETREID, { 10, 20, 30 }, { NONE, NONE }, 0, { 10, 20, 30, 20 } },
	/* real id to the effective one; saved := new effective */
	{ SETREID, { 10, 20, 30 }, { 20, NONE }, 0, { 20, 20, 20, 20 } },
	/* real id to the saved one is not allowed */
	{ SETREID, { 10, 20, 30 }, { 30, NONE }, EPERM, { 10, 20, 30, 20 } },
	{ SETREID, { 10, 20, 30 }, { 40, NONE }, EPERM, { 10, 20, 30, 20 } },
	/* effective to saved: differs from old real, so saved := effective */
	{ SETREID, { 10, 20, 30 }, { NONE, 30 }, 0, { 10, 30, 30, 30 } },
	/* effective to old real, real untouched: saved stays */
	{ SETREID, { 10, 20, 30 }, { NONE, 10 }, 0, { 10, 10, 30, 10 } },
	{ SETREID, { 10, 20, 30 }, { NONE, 40 }, EPERM, { 10, 20, 30, 20 } },
	/* swap real and effective; real set, so saved := new effective */
	{ SETREID, { 10, 20, 30 }, { 20, 10 }, 0, { 20, 10, 10, 10 } },
	{ SETREID, { 10, 20, 30 }, { 10, 20 }, 0, { 10, 20, 20, 20 } },
	/* one bad half refuses the whole call */
	{ SETREID, { 10, 20, 30 }, { 20, 40 }, EPERM, { 10, 20, 30, 20 } },
	{ SETREID, { 10, 20, 30 }, { 40, 20 }, EPERM, { 10, 20, 30, 20 } },
	/* privileged: anything */
	{ SETREID, { 0, 0, 0 }, { 10, 20 }, 0, { 10, 20, 20, 20 } },
	{ SETREID, { 0, 0, 0 }, { NONE, 10 }, 0, { 0, 10, 10, 10 } },
	{ SETREID, { 0, 0, 0 }, { 10, NONE }, 0, { 10, 0, 0, 0 } },
	{ SETREID, { 0, 0, 0 }, { NONE, 0 }, 0, { 0, 0, 0, 0 } },
	/* unprivileged with real id 0 may take effective 0 back */
	{ SETREID, { 0, 10, 10 }, { NONE, 0 }, 0, { 0, 0, 10, 0 } },

	/* setresuid: unprivileged, each to one of the old r, e, s */
	{ SETRESID, { 10, 20, 30 }, { 30, 10, 20 }, 0, { 30, 10, 20, 10 } },
	{ SETRESID, { 10, 20, 30 }, { 10, 10, 10 }, 0, { 10, 10, 10, 10 } },
	{ SETRESID,
	  { 10, 20, 30 },
	  { NONE, NONE, NONE },
	  0,
	  { 10, 20, 30, 20 } },
	{ SETRESID,
	  { 10, 20, 30 },
	  { NONE, NONE, 40 },
	  EPERM,
	  { 10, 20, 30, 20 } },
	{ SETRESID,
	  { 10, 20, 30 },
	  { 40, NONE, NONE },
	  EPERM,
	  { 10, 20, 30, 20 } },
	{ SETRESID,
	  { 10, 20, 30 },
	  { NONE, 40, NONE },
	  EPERM,
	  { 10, 20, 30, 20 } },
	{ SETRESID, { 10, 20, 30 }, { 10, 40, 10 }, EPERM, { 10, 20, 30, 20 } },
	{ SETRESID, { 10, 20, 30 }, { NONE, 30, NONE }, 0, { 10, 30, 30, 30 } },
	{ SETRESID, { 0, 10, 0 }, { NONE, 0, NONE }, 0, { 0, 0, 0, 0 } },
	/* privileged: anything, and may drop everything */
	{ SETRESID, { 0, 0, 0 }, { 5, 6, 7 }, 0, { 5, 6, 7, 6 } },
	{ SETRESID, { 10, 0, 10 }, { 5, NONE, 7 }, 0, { 5, 0, 7, 0 } },
};

/* Make the call of `r' on uids (kind 0) or gids (kind 1). */
static int
rule_call(const struct rule *r, int kind)
{
	const unsigned *a = r->arg;

	switch (r->call) {
	case SETID:
		return kind == 0 ? rump_sys_setuid(a[0])
				 : rump_sys_setgid(a[0]);
	case SETREID:
		return kind == 0 ? rump_sys_setreuid(a[0], a[1])
				 : rump_sys_setregid(a[0], a[1]);
	case SETRESID:
		return kind == 0 ? rump_sys_setresuid(a[0], a[1], a[2])
				 : rump_sys_setresgid(a[0], a[1], a[2]);
	}
	return -2;
}

static void
expect_ids(struct ids got, struct ids want, size_t row, const char *what)
{
	cr_assert(got.r == want.r && got.e == want.e && got.s == want.s &&
			  got.fs == want.fs,
		  "row %zu (%s): got %u/%u/%u/%u, want %u/%u/%u/%u", row, what,
		  got.r, got.e, got.s, got.fs, want.r, want.e, want.s, want.fs);
}

Test(cred, uid_rules_as_linux)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct rule *r = &rules[i];
		const unsigned *s = r->start;
		struct lwp *l = spawn(s[0], s[1], s[2], 42, 42, 42);
		int rv;

		errno = 0;
		rv = rule_call(r, 0);
		cr_assert_eq(rv, r->error ? -1 : 0, "row %zu: returned %d", i,
			     rv);
		if (r->error)
			cr_assert_eq(errno, r->error, "row %zu: errno %d", i,
				     errno);
		expect_ids(uids_now(), r->end, i, "uids");
		expect_ids(gids_now(), (struct ids){ 42, 42, 42, 42 }, i,
			   "gids untouched");
		release(l);
	}
}

/* The same table for gids: the privilege is still the effective uid's,
 * so a row's "start e == 0" becomes uid 0 and otherwise uid 7777. */
Test(cred, gid_rules_as_linux)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct rule *r = &rules[i];
		const unsigned *s = r->start;
		uid_t u = s[1] == 0 ? 0 : 7777;
		struct lwp *l = spawn(u, u, u, s[0], s[1], s[2]);
		int rv;

		errno = 0;
		rv = rule_call(r, 1);
		cr_assert_eq(rv, r->error ? -1 : 0, "row %zu: returned %d", i,
			     rv);
		if (r->error)
			cr_assert_eq(errno, r->error, "row %zu: errno %d", i,
				     errno);
		expect_ids(gids_now(), r->end, i, "gids");
		expect_ids(uids_now(), (struct ids){ u, u, u, u }, i,
			   "uids untouched");
		release(l);
	}
}

Test(cred, gid_privilege_is_effective_uid_not_gid)
{
	struct lwp *l = spawn(1000, 1000, 1000, 0, 0, 0);

	cr_assert_eq(rump_sys_setgid(5), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_setgroups(0, NULL), -1);
	cr_assert_eq(errno, EPERM);
	release(l);
	/* Effective uid 0 with real uid 1000 is privileged. */
	l = spawn(1000, 0, 1000, 1000, 1000, 1000);
	cr_assert_eq(rump_sys_setgid(5), 0);
	cr_assert_eq(rump_sys_getgid(), 5);
	cr_assert_eq(rump_sys_getegid(), 5);
	release(l);
}

/* ---- fs ids -------------------------------------------------------- */

Test(cred, setfsuid_returns_old_and_checks_permission)
{
	struct lwp *l = spawn(1000, 2000, 3000, 10, 20, 30);

	cr_assert_eq(rump_sys_setfsuid(3000), 2000); /* saved: allowed */
	cr_assert_eq(rump_sys_setfsuid(NONE), 3000); /* -1 only asks */
	cr_assert_eq(rump_sys_setfsuid(4000), 3000); /* refused, silent */
	cr_assert_eq(rump_sys_setfsuid(1000), 3000); /* real: allowed */
	cr_assert_eq(rump_sys_setfsuid(0), 1000);    /* refused */
	cr_assert_eq(rump_sys_setfsuid(NONE), 1000);
	expect_ids(uids_now(), (struct ids){ 1000, 2000, 3000, 1000 }, 0,
		   "r/e/s untouched");
	cr_assert_eq(rump_sys_setfsgid(10), 20);
	cr_assert_eq(rump_sys_setfsgid(99), 10);
	cr_assert_eq(rump_sys_setfsgid(NONE), 10);
	release(l);

	/* Privileged: any value, r/e/s unchanged. */
	l = spawn(0, 0, 0, 0, 0, 0);
	cr_assert_eq(rump_sys_setfsuid(4242), 0);
	cr_assert_eq(rump_sys_setfsgid(4343), 0);
	expect_ids(uids_now(), (struct ids){ 0, 0, 0, 4242 }, 0, "priv uid");
	expect_ids(gids_now(), (struct ids){ 0, 0, 0, 4343 }, 0, "priv gid");
	release(l);
}

Test(cred, fsuid_follows_euid_on_every_change)
{
	struct lwp *l = spawn(1000, 2000, 3000, 1, 1, 1);

	cr_assert_eq(rump_sys_setfsuid(1000), 2000);
	/* setresuid that changes nothing returns early and keeps fs ... */
	cr_assert_eq(rump_sys_setresuid(NONE, NONE, NONE), 0);
	cr_assert_eq(rump_sys_setfsuid(NONE), 1000);
	/* ... naming the effective id resets fs ... */
	cr_assert_eq(rump_sys_setresuid(NONE, 2000, NONE), 0);
	cr_assert_eq(rump_sys_setfsuid(NONE), 2000);
	/* ... and setreuid(-1, -1) resets it too. */
	cr_assert_eq(rump_sys_setfsuid(3000), 2000);
	cr_assert_eq(rump_sys_setreuid(NONE, NONE), 0);
	cr_assert_eq(rump_sys_setfsuid(NONE), 2000);
	/* A refused call leaves fs alone. */
	cr_assert_eq(rump_sys_setfsuid(3000), 2000);
	cr_assert_eq(rump_sys_setuid(2000), -1);
	cr_assert_eq(rump_sys_setfsuid(NONE), 3000);
	release(l);
}

/* ---- getters ------------------------------------------------------- */

Test(cred, getters_see_all_ids)
{
	struct lwp *l = spawn(1, 2, 3, 4, 5, 6);
	uid_t r, e, s;
	gid_t gr, ge, gs;

	cr_assert_eq(rump_sys_getuid(), 1);
	cr_assert_eq(rump_sys_geteuid(), 2);
	cr_assert_eq(rump_sys_getgid(), 4);
	cr_assert_eq(rump_sys_getegid(), 5);
	cr_assert_eq(rump_sys_getresuid(&r, &e, &s), 0);
	cr_assert(r == 1 && e == 2 && s == 3);
	cr_assert_eq(rump_sys_getresgid(&gr, &ge, &gs), 0);
	cr_assert(gr == 4 && ge == 5 && gs == 6);
	release(l);
}

Test(cred, boot_context_is_root)
{
	uid_t r = 9, e = 9, s = 9;

	cr_assert_eq(rump_sys_getpid(), 1);
	cr_assert_eq(rump_sys_getuid(), 0);
	cr_assert_eq(rump_sys_geteuid(), 0);
	cr_assert_eq(rump_sys_getgid(), 0);
	cr_assert_eq(rump_sys_getegid(), 0);
	cr_assert_eq(rump_sys_getresuid(&r, &e, &s), 0);
	cr_assert(r == 0 && e == 0 && s == 0);
	cr_assert_eq(rump_sys_getgroups(0, NULL), 0);
}

Test(cred, getresid_bad_pointer_is_efault)
{
	uid_t a = 9, b = 9, c = 9;

	for (int bad = 0; bad < 3; bad++) {
		uid_t *p[3] = { &a, &b, &c };

		p[bad] = BADPTR;
		errno = 0;
		cr_assert_eq(rump_sys_getresuid(p[0], p[1], p[2]), -1);
		cr_assert_eq(errno, EFAULT);
		errno = 0;
		cr_assert_eq(rump_sys_getresgid(p[0], p[1], p[2]), -1);
		cr_assert_eq(errno, EFAULT);
	}
	/* Linux writes the ids in order, up to the bad one. */
	a = 9;
	cr_assert_eq(rump_sys_getresuid(&a, NULL, &c), -1);
	cr_assert_eq(a, 0);
}

Test(cred, raw_calls_take_linux_registers)
{
	/* A trapped program passes -1 as a 64-bit register: only the low
	 * 32 bits are the id, as on Linux. */
	long none[6] = { -1L, -1L, -1L }, one[6] = { 0x100000000L + 7 };

	cr_assert_eq(rump_syscall(RUMP_SYS_setresuid, none), 0);
	cr_assert_eq(rump_syscall(RUMP_SYS_setuid, none), -EINVAL);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_syscall(RUMP_SYS_setuid, one), 0);
	cr_assert_eq(rump_syscall(RUMP_SYS_getuid, none), 7);
	rump_pub_lwproc_releaselwp();
}

/* ---- seteuid / setegid (glibc: setresuid(-1, id, -1)) --------------- */

Test(cred, seteuid_keeps_saved_id)
{
	struct lwp *l = spawn(0, 0, 0, 0, 0, 0);

	cr_assert_eq(rump_sys_setegid(50), 0);
	expect_ids(gids_now(), (struct ids){ 0, 50, 0, 50 }, 0, "setegid");
	cr_assert_eq(rump_sys_seteuid(1000), 0);
	/* Unlike setreuid(-1, 1000), the saved id stays 0 ... */
	expect_ids(uids_now(), (struct ids){ 0, 1000, 0, 1000 }, 0, "seteuid");
	cr_assert_eq(rump_sys_setegid(77), -1);
	cr_assert_eq(errno, EPERM, "effective uid 1000 is unprivileged");
	cr_assert_eq(rump_sys_setegid(0), 0, "0 is the real gid");
	/* ... so privilege can be taken back. */
	cr_assert_eq(rump_sys_seteuid(0), 0);
	cr_assert_eq(rump_sys_geteuid(), 0);
	cr_assert_eq(rump_sys_setegid(0), 0);
	release(l);

	l = spawn(1000, 1000, 1000, 1, 1, 1);
	cr_assert_eq(rump_sys_seteuid(0), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_setegid(0), -1);
	cr_assert_eq(errno, EPERM);
	release(l);
}

/* ---- supplementary groups ------------------------------------------ */

static int
groups_now(gid_t *buf, int size)
{
	return rump_sys_getgroups(size, buf);
}

Test(cred, setgroups_sorts_and_keeps_duplicates)
{
	struct lwp *l = spawn(0, 0, 0, 0, 0, 0);
	gid_t in[] = { 30, 5, 20, 5, 10 }, out[8];

	cr_assert_eq(rump_sys_setgroups(5, in), 0);
	cr_assert_eq(groups_now(NULL, 0), 5);
	cr_assert_eq(groups_now(out, 8), 5);
	cr_assert(out[0] == 5 && out[1] == 5 && out[2] == 10 && out[3] == 20 &&
		  out[4] == 30);
	/* Exactly enough room is enough. */
	cr_assert_eq(groups_now(out, 5), 5);
	/* Clearing. */
	cr_assert_eq(rump_sys_setgroups(0, NULL), 0);
	cr_assert_eq(groups_now(NULL, 0), 0);
	cr_assert_eq(groups_now(out, 8), 0);
	release(l);
}

Test(cred, getgroups_errors)
{
	struct lwp *l = spawn(0, 0, 0, 0, 0, 0);
	gid_t in[] = { 1, 2, 3 }, out[3];

	cr_assert_eq(rump_sys_setgroups(3, in), 0);
	cr_assert_eq(groups_now(out, 2), -1, "too small");
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(groups_now(out, -1), -1, "negative");
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(groups_now(BADPTR, 3), -1);
	cr_assert_eq(errno, EFAULT);
	/* Size 0 only counts: the pointer is not touched. */
	cr_assert_eq(groups_now(BADPTR, 0), 3);
	release(l);
}

Test(cred, setgroups_errors)
{
	struct lwp *l = spawn(0, 0, 0, 0, 0, 0);
	gid_t bad[] = { 1, (gid_t)-1, 3 }, one = 1;

	cr_assert_eq(rump_sys_setgroups(NGROUPS_MAX + 1, &one), -1);
	cr_assert_eq(errno, EINVAL);
	/* The kernel's count is an int: (size_t)-1 is -1, too big. */
	cr_assert_eq(rump_sys_setgroups((size_t)-1, &one), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_setgroups(3, bad), -1);
	cr_assert_eq(errno, EINVAL, "-1 is not a gid");
	cr_assert_eq(rump_sys_setgroups(1, BADPTR), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(groups_now(NULL, 0), 0, "failed calls change nothing");
	release(l);

	/* Unprivileged: EPERM, checked before anything else. */
	l = spawn(1000, 1000, 1000, 0, 0, 0);
	cr_assert_eq(rump_sys_setgroups(0, NULL), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_setgroups(NGROUPS_MAX + 1, BADPTR), -1);
	cr_assert_eq(errno, EPERM);
	release(l);
}

Test(cred, setgroups_ngroups_max)
{
	struct lwp *l = spawn(0, 0, 0, 0, 0, 0);
	size_t n = NGROUPS_MAX;
	gid_t *g = malloc(n * sizeof(*g));

	cr_assert_not_null(g);
	for (size_t i = 0; i < n; i++)
		g[i] = (gid_t)(n - i); /* descending: the sort's worst case */
	cr_assert_eq(rump_sys_setgroups(n, g), 0);
	memset(g, 0, n * sizeof(*g));
	cr_assert_eq(groups_now(g, (int)n), (int)n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(g[i], i + 1);
	free(g);
	release(l);
}

/* ---- isolation, inheritance, lwps ---------------------------------- */

Test(cred, change_in_one_process_invisible_in_another)
{
	struct lwp *a = spawn_uid(1000), *b = spawn_uid(2000);

	rump_pub_lwproc_switch(a);
	cr_assert_eq(rump_sys_setresuid(NONE, NONE, NONE), 0);
	cr_assert_eq(rump_sys_getuid(), 1000);
	rump_pub_lwproc_switch(b);
	cr_assert_eq(rump_sys_getuid(), 2000);
	cr_assert_eq(rump_sys_setuid(2000), 0);
	rump_pub_lwproc_switch(a);
	cr_assert_eq(rump_sys_getuid(), 1000);
	release(a);
	release(b);
	cr_assert_eq(rump_sys_getuid(), 0, "implicit context is root");
}

Test(cred, rfork_shares_then_copies_on_write)
{
	struct lwp *parent, *child;
	gid_t groups[] = { 7, 8 }, out[4];
	pid_t ppid;

	parent = spawn(0, 0, 0, 1, 2, 3);
	ppid = rump_sys_getpid();
	cr_assert_eq(rump_sys_setgroups(2, groups), 0);
	/* The child starts with the parent's credential object itself. */
	cr_assert_eq(rump_pub_lwproc_rfork(0), 0);
	child = rump_pub_lwproc_curlwp();
	expect_ids(gids_now(), (struct ids){ 1, 2, 3, 2 }, 0, "inherited");
	cr_assert_eq(groups_now(out, 4), 2);
	cr_assert(out[0] == 7 && out[1] == 8);
	cr_assert_eq(rump_sys_getppid(), ppid);

	/* The child's change is its own ... */
	cr_assert_eq(rump_sys_setresuid(10, 11, 12), 0);
	cr_assert_eq(rump_sys_setgroups(0, NULL), -1, "no longer root");
	rump_pub_lwproc_switch(parent);
	expect_ids(uids_now(), (struct ids){ 0, 0, 0, 0 }, 0, "parent uids");
	cr_assert_eq(groups_now(NULL, 0), 2);
	/* ... and so is the parent's. */
	cr_assert_eq(rump_sys_setgid(99), 0);
	rump_pub_lwproc_switch(child);
	expect_ids(gids_now(), (struct ids){ 1, 2, 3, 2 }, 0, "child gids");
	expect_ids(uids_now(), (struct ids){ 10, 11, 12, 11 }, 0, "child uids");
	release(child);
	release(parent);
}

Test(cred, rfork_of_unprivileged_process_inherits)
{
	struct lwp *parent = spawn(1000, 2000, 3000, 4, 5, 6), *child;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	child = rump_pub_lwproc_curlwp();
	expect_ids(uids_now(), (struct ids){ 1000, 2000, 3000, 2000 }, 0,
		   "child");
	cr_assert_eq(rump_sys_setuid(0), -1, "still unprivileged");
	cr_assert_eq(errno, EPERM);
	release(child);
	release(parent);
}

Test(cred, new_lwp_sees_current_creds)
{
	struct lwp *l1 = spawn(0, 0, 0, 0, 0, 0), *l2, *l3;
	pid_t pid = rump_sys_getpid();

	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	l2 = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_sys_getuid(), 0);
	cr_assert_eq(rump_sys_setresuid(5, 5, 5), 0);
	/* l1 held the old credential; it sees the new one on entry. */
	rump_pub_lwproc_switch(l1);
	cr_assert_eq(rump_sys_getuid(), 5);
	cr_assert_eq(rump_sys_geteuid(), 5);
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	l3 = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_sys_getuid(), 5);
	cr_assert_eq(rump_sys_getpid(), pid);
	release(l3);
	release(l2);
	release(l1);
}

Test(cred, release_returns_to_root_implicit_context)
{
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_sys_setresuid(1000, 1000, 1000), 0);
	cr_assert_eq(rump_sys_setresgid(1000, 1000, 1000), -1, "not root");
	rump_pub_lwproc_releaselwp();
	cr_assert_eq(rump_sys_getpid(), 1);
	cr_assert_eq(rump_sys_getuid(), 0);
	cr_assert_eq(rump_sys_geteuid(), 0);
	cr_assert_eq(rump_sys_getgid(), 0);
}

/* ---- concurrency ---------------------------------------------------- */

#define NTHREADS 8
#define ROUNDS 300

struct worker {
	pthread_t thr;
	unsigned base;
	int failures;
};

/* Each host thread runs its own process, flipping its effective uid
 * and its gids, and checks it only ever sees its own ids. */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned id = w->base;

	if (rump_pub_lwproc_rfork(RUMP_RFCFDG) != 0) {
		w->failures++;
		return NULL;
	}
	for (int i = 0; i < ROUNDS; i++) {
		id = w->base + (unsigned)(i % 7);
		w->failures += rump_sys_setresgid(id, id, id) != 0;
		w->failures += rump_sys_seteuid(id) != 0;
		w->failures += rump_sys_geteuid() != id;
		w->failures += rump_sys_getuid() != 0;
		w->failures += rump_sys_getgid() != id;
		w->failures += rump_sys_setfsuid(NONE) != (int)id;
		w->failures += rump_sys_seteuid(0) != 0;
		w->failures += rump_sys_geteuid() != 0;
		w->failures += rump_sys_getegid() != id;
	}
	rump_pub_lwproc_releaselwp();
	w->failures += rump_sys_getuid() != 0;
	return NULL;
}

Test(cred, concurrent_processes_see_only_their_own_ids)
{
	struct worker w[NTHREADS];

	for (int i = 0; i < NTHREADS; i++) {
		w[i].base = 1000u * (unsigned)(i + 1);
		w[i].failures = 0;
		cr_assert_eq(
			pthread_create(&w[i].thr, NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(w[i].thr, NULL);
		cr_assert_eq(w[i].failures, 0, "thread %d saw %d wrong ids", i,
			     w[i].failures);
	}
	cr_assert_eq(rump_sys_getuid(), 0);
}

struct sibling {
	pthread_t thr;
	pid_t pid;
	int failures;
};

/* Several lwps of one process change its ids at once: each reads back a
 * whole credential (no mix of two), and nothing is leaked or freed twice
 * (the sanitizer build checks that).  They stay root, so every change
 * is allowed. */
static void *
sibling_main(void *arg)
{
	struct sibling *s = arg;
	gid_t list[8], out[8];

	if (rump_pub_lwproc_newlwp(s->pid) != 0) {
		s->failures++;
		return NULL;
	}
	for (int i = 0; i < ROUNDS; i++) {
		gid_t id = 100 + (gid_t)(i % 5), r, e, sg;
		int n = 1 + i % 8, got;

		s->failures += rump_sys_setresgid(id, id, id) != 0;
		s->failures += rump_sys_getresgid(&r, &e, &sg) != 0;
		s->failures += r != e || e != sg;
		for (int k = 0; k < n; k++)
			list[k] = (gid_t)n;
		s->failures += rump_sys_setgroups((size_t)n, list) != 0;
		got = rump_sys_getgroups(8, out);
		s->failures += got < 1 || got > 8;
		for (int k = 0; k < got && k < 8; k++)
			s->failures += out[k] != (gid_t)got;
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(cred, concurrent_lwps_of_one_process)
{
	struct sibling s[NTHREADS];
	struct lwp *l = spawn(0, 0, 0, 0, 0, 0);
	pid_t pid = rump_sys_getpid();

	for (int i = 0; i < NTHREADS; i++) {
		s[i].pid = pid;
		s[i].failures = 0;
		cr_assert_eq(
			pthread_create(&s[i].thr, NULL, sibling_main, &s[i]),
			0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(s[i].thr, NULL);
		cr_assert_eq(s[i].failures, 0, "lwp %d: %d failures", i,
			     s[i].failures);
	}
	cr_assert_eq(rump_sys_geteuid(), 0);
	cr_assert_eq(rump_sys_getuid(), 0);
	release(l);
}

/* glibc refuses an id of -1 rather than passing it on as "unchanged". */
Test(cred, seteuid_and_setegid_refuse_minus_one)
{
	errno = 0;
	cr_assert_eq(rump_sys_seteuid((uid_t)-1), -1);
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_eq(rump_sys_setegid((gid_t)-1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_geteuid(), 0, "nothing changed");
}
