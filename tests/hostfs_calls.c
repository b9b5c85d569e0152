/*
 * hostfs_calls.c: how many host calls hostfs makes.  Every host stat is a
 * system call of the host, so how many a kernel stat makes is hostfs's
 * speed: lookup hands the attributes it got on to stat and to the next
 * directory's search check (vnode.h, vop_lookup), and the file-system
 * uid 0 searches directories without asking.  The Makefile links this
 * suite with --wrap=rumpuser_fs_fstatat to count the calls.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpuser.h>

#include "check.h"
#include "host_dir.h"

static unsigned long nstat; /* host stats made */

int __real_rumpuser_fs_fstatat(int, const char *, int, struct rumpuser_stat *);
int __wrap_rumpuser_fs_fstatat(int, const char *, int, struct rumpuser_stat *);

int
__wrap_rumpuser_fs_fstatat(int dirfd, const char *name, int flags,
			   struct rumpuser_stat *st)
{
	__atomic_add_fetch(&nstat, 1, __ATOMIC_RELAXED);
	return __real_rumpuser_fs_fstatat(dirfd, name, flags, st);
}

static char hdir[] = "/tmp/hostfs_calls.XXXXXX";

static void
setup(void)
{
	char p[300];
	int fd;

	cr_assert_not_null(mkdtemp(hdir));
	cr_assert_eq(chmod(hdir, 0755), 0);
	snprintf(p, sizeof(p), "%s/sub", hdir);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/sub/f", hdir);
	cr_assert_geq(fd = open(p, O_CREAT | O_WRONLY, 0644), 0);
	cr_assert_eq(write(fd, "data", 4), 4);
	close(fd);
	cr_assert_eq(rump_init(), 0);
	RETURNS(rump_sys_mkdir("/mnt", 0755), 0);
	RETURNS(rump_sys_mount(hdir, "/mnt", "hostfs", 0, ""), 0);
}

static void
teardown(void)
{
	host_rmtree_or_say(hdir);
}

/* Host stats made by one stat of `path' (its nodes already known). */
static unsigned long
stats_for(const char *path)
{
	struct stat st;
	unsigned long before;

	RETURNS(rump_sys_stat(path, &st), 0); /* nodes made, if new */
	before = __atomic_load_n(&nstat, __ATOMIC_RELAXED);
	RETURNS(rump_sys_stat(path, &st), 0);
	return __atomic_load_n(&nstat, __ATOMIC_RELAXED) - before;
}

TestSuite(hostfs_calls, .init = setup, .fini = teardown);

Test(hostfs_calls, a_stat_by_root_is_one_host_stat_per_component)
{
	struct statx stx;
	unsigned long before;

	cr_assert_eq(stats_for("/mnt/sub"), 1);
	cr_assert_eq(stats_for("/mnt/sub/f"), 2);
	before = nstat;
	RETURNS(rump_sys_statx(AT_FDCWD, "/mnt/sub/f", 0, STATX_BASIC_STATS,
			       &stx),
		0);
	cr_assert_eq(nstat - before, 2);
	cr_assert_eq(stx.stx_size, 4);
	/* The mounted directory itself has no lookup: one getattr. */
	cr_assert_eq(stats_for("/mnt"), 1);
}

Test(hostfs_calls, a_user_searches_with_the_attributes_lookup_brought)
{
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setuid(1000), 0);
	/* The mounted directory's search needs a getattr; sub's comes with
	 * its lookup. */
	cr_assert_eq(stats_for("/mnt/sub/f"), 3);
	rump_pub_lwproc_releaselwp();
}

Test(hostfs_calls, fstat_asks_the_host)
{
	struct stat st;
	unsigned long before;
	int fd;

	cr_assert_geq(fd = rump_sys_open("/mnt/sub/f", O_RDONLY), 0);
	before = nstat;
	RETURNS(rump_sys_fstat(fd, &st), 0);
	cr_assert_eq(nstat - before, 1);
	cr_assert_eq(st.st_size, 4);
	RETURNS(rump_sys_close(fd), 0);
}

/* Host stats made by access(path, mode), which must give `want'. */
static unsigned long
access_stats(const char *path, int mode, int want)
{
	unsigned long before = __atomic_load_n(&nstat, __ATOMIC_RELAXED);

	RETURNS(rump_sys_access(path, mode), want);
	return __atomic_load_n(&nstat, __ATOMIC_RELAXED) - before;
}

Test(hostfs_calls, a_users_access_check_uses_the_attributes_lookup_brought)
{
	char p[300];

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setuid(1000), 0);
	access_stats("/mnt/sub/f", R_OK, 0); /* nodes made, if new */
	/* /mnt's getattr, then sub's and f's lookups: f's check is free. */
	cr_assert_eq(access_stats("/mnt/sub/f", R_OK, 0), 3);
	cr_assert_eq(access_stats("/mnt/sub/f", W_OK, -1), 3);
	cr_assert_eq(errno, EACCES);
	/* The attributes are the host's of this call, not remembered.
	 * Whether f has an access ACL is: its ctime moved, so the first
	 * check reads the ACL again (a stat and the attribute), the next
	 * knows. */
	snprintf(p, sizeof(p), "%s/sub/f", hdir);
	cr_assert_eq(chmod(p, 0600), 0);
	cr_assert_eq(access_stats("/mnt/sub/f", R_OK, -1), 4);
	cr_assert_eq(errno, EACCES);
	cr_assert_eq(access_stats("/mnt/sub/f", R_OK, -1), 3);
	cr_assert_eq(errno, EACCES);
	cr_assert_eq(chmod(p, 0644), 0);
	rump_pub_lwproc_releaselwp();
}

Test(hostfs_calls, a_users_create_checks_the_parent_it_looked_up)
{
	unsigned long before;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setuid(1000), 0);
	access_stats("/mnt/sub/f", R_OK, 0); /* nodes made, if new */
	before = nstat;
	/* /mnt's getattr, sub's lookup, the new name's failed lookup; the
	 * write check on sub needs no more. */
	RETURNS(rump_sys_open("/mnt/sub/new", O_CREAT | O_WRONLY, 0644), -1);
	cr_assert_eq(errno, EACCES);
	cr_assert_eq(nstat - before, 3);
	rump_pub_lwproc_releaselwp();
}
