/*
 * vfs_perm.c: permission checks as Linux makes them, for processes made
 * with rump_pub_lwproc_rfork and given other credentials: owner, group
 * (effective and supplementary), other; root's overrides; sticky
 * directories; ownership changes; set-id bits; real-id access(2).
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "vfs_util.h"

TestSuite(vfs_perm, .init = vfs_boot);

/* Become a new process with these ids (groups: n supplementary). */
static void
become(uid_t uid, gid_t gid, int n, const gid_t *groups)
{
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	cr_assert_eq(rump_sys_setgroups((size_t)n, groups), 0, "setgroups: %s",
		     strerror(errno));
	cr_assert_eq(rump_sys_setresgid(gid, gid, gid), 0);
	cr_assert_eq(rump_sys_setresuid(uid, uid, uid), 0);
}

static void
back(void)
{
	rump_pub_lwproc_releaselwp();
}

/* A file owned by uid:gid with mode, containing "data". */
static void
mkfile(const char *p, uid_t uid, gid_t gid, mode_t mode)
{
	int fd = xopen(p, O_CREAT | O_RDWR | O_TRUNC, 0600);

	RETURNS(rump_sys_write(fd, "data", 4), 4);
	close_ok(fd);
	RETURNS(rump_sys_chown(p, uid, gid), 0);
	RETURNS(rump_sys_chmod(p, mode), 0);
}

Test(vfs_perm, owner_group_other_classes)
{
	gid_t sup[] = { 300 };

	mkfile("/f_owner", 1000, 100, 0640);
	mkfile("/f_none", 1000, 100, 0070); /* owner class denies */

	become(1000, 1000, 0, NULL);
	close_ok(xopen("/f_owner", O_RDWR, 0));
	FAILS(rump_sys_open("/f_none", O_RDONLY), EACCES);
	back();

	become(2000, 100, 0, NULL); /* group by egid */
	close_ok(xopen("/f_owner", O_RDONLY, 0));
	FAILS(rump_sys_open("/f_owner", O_WRONLY), EACCES);
	FAILS(rump_sys_open("/f_owner", O_RDONLY | O_TRUNC), EACCES);
	back();

	RETURNS(rump_sys_chown("/f_owner", 1000, 300), 0);
	become(2000, 2000, 1, sup); /* group by supplementary group */
	close_ok(xopen("/f_owner", O_RDONLY, 0));
	back();

	become(2000, 2000, 0, NULL); /* other */
	FAILS(rump_sys_open("/f_owner", O_RDONLY), EACCES);
	FAILS(rump_sys_truncate("/f_owner", 0), EACCES);
	FAILS(rump_sys_access("/f_owner", R_OK), EACCES);
	RETURNS(rump_sys_access("/f_owner", F_OK), 0);
	back();
}

Test(vfs_perm, directories)
{
	struct stat st;
	int fd;

	RETURNS(rump_sys_mkdir("/pd", 0755), 0);
	RETURNS(rump_sys_mkdir("/pd/nox", 0700), 0);
	mkfile("/pd/nox/inner", 0, 0, 0644);
	RETURNS(rump_sys_chmod("/pd/nox", 0766), 0); /* others: rw, no x */
	RETURNS(rump_sys_mkdir("/pd/nor", 0733), 0); /* others: wx, no r */
	RETURNS(rump_sys_chmod("/pd/nor", 0733), 0);
	RETURNS(rump_sys_mkdir("/pd/now", 0755), 0);

	become(1000, 1000, 0, NULL);
	FAILS(rump_sys_stat("/pd/nox/inner", &st), EACCES);
	FAILS(rump_sys_open("/pd/nox/new", O_CREAT | O_RDWR, 0600), EACCES);
	FAILS(rump_sys_chdir("/pd/nox"), EACCES);
	RETURNS(rump_sys_stat("/pd/nox", &st), 0);
	/* listing needs r, not x */
	fd = xopen("/pd/nox", O_RDONLY | O_DIRECTORY, 0);
	close_ok(fd);
	FAILS(rump_sys_open("/pd/nor", O_RDONLY | O_DIRECTORY), EACCES);
	close_ok(xopen("/pd/nor/created", O_CREAT | O_RDWR, 0600));
	FAILS(rump_sys_open("/pd/now/x", O_CREAT | O_RDWR, 0600), EACCES);
	FAILS(rump_sys_mkdir("/pd/now/x", 0755), EACCES);
	FAILS(rump_sys_mknod("/pd/now/x", S_IFIFO | 0644, 0), EACCES);
	FAILS(rump_sys_symlink("t", "/pd/now/x"), EACCES);
	FAILS(rump_sys_link("/pd/nor/created", "/pd/now/x"), EACCES);
	FAILS(rump_sys_rename("/pd/nor/created", "/pd/now/x"), EACCES);
	/* An existing name is EEXIST before EACCES, as Linux. */
	FAILS(rump_sys_mkdir("/pd/now", 0755), EEXIST);
	FAILS(rump_sys_mkdir("/pd/now/..", 0755), EEXIST);
	FAILS(rump_sys_mkdir("/pd/newone", 0755), EACCES);
	FAILS(rump_sys_unlink("/pd/nox/inner"), EACCES);
	FAILS(rump_sys_rmdir("/pd/now"), EACCES);
	back();
}

Test(vfs_perm, root_overrides)
{
	struct stat st;

	mkfile("/r0", 1000, 1000, 0000);
	mkfile("/rx", 1000, 1000, 0100);
	RETURNS(rump_sys_mkdir("/rd", 0000), 0);
	mkfile("/rd/f", 0, 0, 0000);
	/* root (fsuid 0) reads and writes anything... */
	close_ok(xopen("/r0", O_RDWR, 0));
	RETURNS(rump_sys_stat("/rd/f", &st), 0);
	RETURNS(rump_sys_access("/r0", R_OK | W_OK), 0);
	/* ...but executes only what has some x bit. */
	FAILS(rump_sys_access("/r0", X_OK), EACCES);
	RETURNS(rump_sys_access("/rx", X_OK), 0);
	RETURNS(rump_sys_access("/rd", X_OK), 0);
	/* A root process with fsuid changed loses the override. */
	RETURNS(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	rump_sys_setfsuid(1234);
	FAILS(rump_sys_open("/r0", O_RDONLY), EACCES);
	back();
}

Test(vfs_perm, access_uses_real_ids)
{
	mkfile("/acc", 0, 0, 0600);
	RETURNS(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setresuid(1000, 0, 0), 0); /* real 1000, eff 0 */
	close_ok(xopen("/acc", O_RDONLY, 0));
	FAILS(rump_sys_access("/acc", R_OK), EACCES);
	RETURNS(rump_sys_faccessat(AT_FDCWD, "/acc", R_OK, AT_EACCESS), 0);
	FAILS(rump_sys_faccessat(AT_FDCWD, "/acc", 8, 0), EINVAL);
	FAILS(rump_sys_faccessat(AT_FDCWD, "/acc", R_OK, 0x1), EINVAL);
	back();
}

Test(vfs_perm, sticky_directory)
{
	RETURNS(rump_sys_mkdir("/tmp", 01777), 0);
	RETURNS(rump_sys_chmod("/tmp", 01777), 0);
	become(1000, 1000, 0, NULL);
	mkfile("/tmp/mine", 1000, 1000, 0666);
	RETURNS(rump_sys_mkdir("/tmp/mydir", 0777), 0);
	RETURNS(rump_sys_chmod("/tmp/mydir", 0777), 0);
	back();
	become(1001, 1001, 0, NULL);
	FAILS(rump_sys_unlink("/tmp/mine"), EPERM);
	FAILS(rump_sys_rename("/tmp/mine", "/tmp/theirs"), EPERM);
	FAILS(rump_sys_rmdir("/tmp/mydir"), EPERM);
	/* Writing the file itself is allowed by its mode. */
	close_ok(xopen("/tmp/mine", O_WRONLY, 0));
	/* Replacing it by rename is a removal too. */
	mkfile("/tmp/other", 1001, 1001, 0644);
	FAILS(rump_sys_rename("/tmp/other", "/tmp/mine"), EPERM);
	back();
	/* Root and the owner may. */
	become(1000, 1000, 0, NULL);
	RETURNS(rump_sys_rename("/tmp/mine", "/tmp/mine2"), 0);
	back();
	RETURNS(rump_sys_unlink("/tmp/mine2"), 0);
}

Test(vfs_perm, chmod_chown_rules)
{
	struct stat st;
	gid_t sup[] = { 500 };

	mkfile("/own", 1000, 1000, 0644);
	become(1001, 1001, 0, NULL);
	FAILS(rump_sys_chmod("/own", 0777), EPERM);
	FAILS(rump_sys_chown("/own", 1001, -1), EPERM);
	FAILS(rump_sys_utimensat(AT_FDCWD, "/own",
				 (struct timespec[2]){ { 1, 0 }, { 1, 0 } }, 0),
	      EPERM);
	FAILS(rump_sys_utimensat(AT_FDCWD, "/own", NULL, 0), EACCES);
	back();
	become(1000, 1000, 1, sup);
	RETURNS(rump_sys_chmod("/own", 0600), 0);
	RETURNS(rump_sys_chown("/own", -1, 500), 0); /* a group of mine */
	FAILS(rump_sys_chown("/own", -1, 501), EPERM);
	FAILS(rump_sys_chown("/own", 1001, -1), EPERM);
	RETURNS(rump_sys_chown("/own", 1000, -1), 0); /* no change: ok */
	/* Set-gid on a group I am not in is dropped. */
	RETURNS(rump_sys_chown("/own", -1, 1000), 0);
	RETURNS(rump_sys_chmod("/own", 02755), 0);
	RETURNS(rump_sys_stat("/own", &st), 0);
	cr_assert_eq(st.st_mode & 07777, 02755);
	back();
	RETURNS(rump_sys_chown("/own", -1, 777), 0);
	RETURNS(rump_sys_chmod("/own", 0755), 0);
	become(1000, 1000, 0, NULL);
	RETURNS(rump_sys_chmod("/own", 02755), 0);
	RETURNS(rump_sys_stat("/own", &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0755);
	back();
	/* chown drops set-id bits of a regular file, even root's. */
	RETURNS(rump_sys_chmod("/own", 06755), 0);
	RETURNS(rump_sys_chown("/own", 0, 0), 0);
	RETURNS(rump_sys_stat("/own", &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0755);
	cr_assert_eq(st.st_uid, 0);
	/* A write by a non-root user drops them too. */
	RETURNS(rump_sys_chmod("/own", 06777), 0);
	become(1000, 1000, 0, NULL);
	int fd = xopen("/own", O_WRONLY, 0);
	RETURNS(rump_sys_write(fd, "x", 1), 1);
	close_ok(fd);
	back();
	RETURNS(rump_sys_stat("/own", &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0777);
}

Test(vfs_perm, privileged_calls)
{
	struct stat st;

	RETURNS(rump_sys_mkdir("/priv", 0777), 0);
	RETURNS(rump_sys_chmod("/priv", 0777), 0);
	mkfile("/priv/rootfile", 0, 0, 0644);
	become(1000, 1000, 0, NULL);
	FAILS(rump_sys_mknod("/priv/c", S_IFCHR | 0644, makedev(1, 3)), EPERM);
	RETURNS(rump_sys_mknod("/priv/p", S_IFIFO | 0644, 0), 0);
	FAILS(rump_sys_mount("none", "/priv", "tmpfs", 0, NULL), EPERM);
	FAILS(rump_sys_umount("/priv"), EPERM);
	FAILS(rump_sys_chroot("/priv"), EPERM);
	FAILS(rump_sys_open("/priv/rootfile", O_RDONLY | O_NOATIME), EPERM);
	close_ok(xopen("/priv/rootfile", O_RDONLY, 0));
	/* New files belong to the creator. */
	close_ok(xopen("/priv/mine", O_CREAT | O_RDWR, 0600));
	RETURNS(rump_sys_stat("/priv/mine", &st), 0);
	cr_assert_eq(st.st_uid, 1000);
	cr_assert_eq(st.st_gid, 1000);
	back();
}

Test(vfs_perm, setgid_directory_inherits)
{
	struct stat st;

	RETURNS(rump_sys_mkdir("/sg", 0777), 0);
	RETURNS(rump_sys_chown("/sg", 0, 600), 0);
	RETURNS(rump_sys_chmod("/sg", 02777), 0);
	become(1000, 1000, 0, NULL);
	close_ok(xopen("/sg/f", O_CREAT | O_RDWR, 02755));
	RETURNS(rump_sys_stat("/sg/f", &st), 0);
	cr_assert_eq(st.st_gid, 600);
	cr_assert_eq(st.st_mode & 02000, 0); /* not in group 600 */
	RETURNS(rump_sys_mkdir("/sg/d", 0755), 0);
	RETURNS(rump_sys_stat("/sg/d", &st), 0);
	cr_assert_eq(st.st_gid, 600);
	cr_assert_eq(st.st_mode & 02000, 02000);
	back();
}

Test(vfs_perm, children_inherit_cwd_root_umask)
{
	char buf[64];

	RETURNS(rump_sys_mkdir("/inh", 0755), 0);
	RETURNS(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	struct lwp *child = rump_pub_lwproc_curlwp();
	RETURNS(rump_sys_chdir("/inh"), 0);
	rump_sys_umask(077);
	RETURNS(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	cr_assert_str_eq(rump_sys_getcwd(buf, sizeof(buf)), "/inh");
	close_ok(xopen("f", O_CREAT | O_RDWR, 0666));
	struct stat st;
	RETURNS(rump_sys_stat("/inh/f", &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	back();
	rump_pub_lwproc_switch(child);
	back();
	cr_assert_str_eq(rump_sys_getcwd(buf, sizeof(buf)), "/");
}

/* linkat(AT_EMPTY_PATH) from a descriptor: for the credentials that
 * opened it, or with CAP_DAC_READ_SEARCH (file-system uid 0); anyone
 * else gets ENOENT, even with a name relative to that descriptor.  A
 * bad descriptor is EBADF first (Linux since 6.10). */
Test(vfs_perm, flink_needs_the_openers_credentials)
{
	int rootfd, dfd, fd;

	RETURNS(rump_sys_mkdir("/fl", 0777), 0);
	RETURNS(rump_sys_chmod("/fl", 0777), 0);
	mkfile("/fl/f", 1000, 1000, 0666);
	rootfd = xopen("/fl/f", O_RDONLY, 0);
	dfd = xopen("/fl", O_RDONLY | O_DIRECTORY, 0);
	RETURNS(rump_pub_lwproc_rfork(0), 0); /* shares the descriptors */
	RETURNS(rump_sys_setresuid(1000, 1000, 1000), 0);
	FAILS(rump_sys_linkat(-1, "", AT_FDCWD, "/fl/a", AT_EMPTY_PATH), EBADF);
	FAILS(rump_sys_linkat(rootfd, "", AT_FDCWD, "/fl/a", AT_EMPTY_PATH),
	      ENOENT);
	FAILS(rump_sys_linkat(dfd, "f", AT_FDCWD, "/fl/a", AT_EMPTY_PATH),
	      ENOENT);
	RETURNS(rump_sys_linkat(dfd, "f", AT_FDCWD, "/fl/a", 0), 0);
	/* The directory itself (the cwd): EPERM, as for any directory. */
	FAILS(rump_sys_linkat(AT_FDCWD, "", AT_FDCWD, "/fl/b", AT_EMPTY_PATH),
	      EPERM);
	fd = xopen("/fl/f", O_RDONLY, 0);
	RETURNS(rump_sys_linkat(fd, "", AT_FDCWD, "/fl/b", AT_EMPTY_PATH), 0);
	close_ok(fd);
	back();
	/* Root with another file-system uid has no CAP_DAC_READ_SEARCH. */
	RETURNS(rump_pub_lwproc_rfork(0), 0);
	rump_sys_setfsuid(1003);
	FAILS(rump_sys_linkat(rootfd, "", AT_FDCWD, "/fl/c", AT_EMPTY_PATH),
	      ENOENT);
	back();
	RETURNS(rump_sys_linkat(rootfd, "", AT_FDCWD, "/fl/c", AT_EMPTY_PATH),
		0);
	close_ok(rootfd);
	close_ok(dfd);
}

/* utimensat: only NULL, or UTIME_NOW for both, is a "touch" that write
 * permission allows; any other times (UTIME_OMIT with UTIME_NOW too) are
 * set times, for the owner alone. */
Test(vfs_perm, utimensat_set_times_needs_ownership)
{
	static const long mixed[][2] = {
		{ UTIME_NOW, UTIME_OMIT },
		{ UTIME_OMIT, UTIME_NOW },
		{ UTIME_OMIT, 5 },
	};
	struct timespec ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };

	mkfile("/ut", 1000, 1000, 0666);
	become(1001, 1001, 0, NULL);
	RETURNS(rump_sys_utimensat(AT_FDCWD, "/ut", NULL, 0), 0);
	RETURNS(rump_sys_utimensat(AT_FDCWD, "/ut", ts, 0), 0);
	for (unsigned i = 0; i < sizeof(mixed) / sizeof(mixed[0]); i++) {
		ts[0].tv_nsec = mixed[i][0];
		ts[1].tv_nsec = mixed[i][1];
		FAILS(rump_sys_utimensat(AT_FDCWD, "/ut", ts, 0), EPERM);
	}
	back();
	RETURNS(rump_sys_chmod("/ut", 0644), 0);
	become(1001, 1001, 0, NULL);
	FAILS(rump_sys_utimensat(AT_FDCWD, "/ut", NULL, 0), EACCES);
	FAILS(rump_sys_utimensat(AT_FDCWD, "/ut", ts, 0), EPERM);
	back();
}

/* CAP_MKNOD and CAP_FOWNER are file capabilities: Linux drops them while
 * the file-system uid is not 0, whatever the effective uid, and gives
 * them back with fsuid 0. */
Test(vfs_perm, file_capabilities_follow_the_fsuid)
{
	int fd;

	RETURNS(rump_sys_mkdir("/fc", 0777), 0);
	RETURNS(rump_sys_chmod("/fc", 0777), 0);
	mkfile("/fc/f", 1000, 1000, 0644);
	RETURNS(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	rump_sys_setfsuid(1003);
	FAILS(rump_sys_mknod("/fc/c", S_IFCHR | 0644, makedev(1, 3)), EPERM);
	fd = xopen("/fc/f", O_RDONLY, 0);
	FAILS(rump_sys_fcntl(fd, F_SETFL, O_NOATIME), EPERM);
	close_ok(fd);
	back();
	/* Effective uid 1000, fsuid 0 (allowed: the real uid is 0). */
	RETURNS(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setresuid(0, 1000, 0), 0);
	rump_sys_setfsuid(0);
	RETURNS(rump_sys_mknod("/fc/c", S_IFCHR | 0644, makedev(1, 3)), 0);
	fd = xopen("/fc/f", O_RDONLY, 0);
	RETURNS(rump_sys_fcntl(fd, F_SETFL, O_NOATIME), 0);
	close_ok(fd);
	back();
}

static mode_t
mode_of(const char *p)
{
	struct stat st;

	RETURNS(rump_sys_stat(p, &st), 0);
	return st.st_mode & 07777;
}

/* A write or truncation drops set-id bits by the writer's credentials
 * (not the opener's): S_ISUID always, S_ISGID when group-executable or
 * when the writer is not in the file's group; nothing for fsuid 0. */
Test(vfs_perm, writes_drop_set_id_bits_by_the_writer)
{
	int rootfd, fd;

	mkfile("/wr", 1000, 1000, 06777);
	rootfd = xopen("/wr", O_RDWR, 0);
	RETURNS(rump_pub_lwproc_rfork(0), 0); /* shares rootfd */
	RETURNS(rump_sys_setresuid(1001, 1001, 1001), 0);
	RETURNS(rump_sys_write(rootfd, "x", 1), 1);
	back();
	cr_assert_eq(mode_of("/wr"), 0777);

	/* S_ISGID without group x: kept for a member, dropped otherwise. */
	RETURNS(rump_sys_chmod("/wr", 02666), 0);
	become(1001, 1000, 0, NULL);
	RETURNS(rump_sys_write(rootfd, "x", 1), 1);
	RETURNS(rump_sys_ftruncate(rootfd, 1), 0);
	RETURNS(rump_sys_truncate("/wr", 1), 0);
	back();
	cr_assert_eq(mode_of("/wr"), 02666);
	become(1001, 1001, 0, NULL);
	RETURNS(rump_sys_ftruncate(rootfd, 2), 0);
	back();
	cr_assert_eq(mode_of("/wr"), 0666);
	RETURNS(rump_sys_chmod("/wr", 02666), 0);
	become(1001, 1001, 0, NULL);
	RETURNS(rump_sys_truncate("/wr", 2), 0);
	back();
	cr_assert_eq(mode_of("/wr"), 0666);
	RETURNS(rump_sys_chmod("/wr", 02666), 0);
	become(1001, 1001, 0, NULL);
	close_ok(xopen("/wr", O_WRONLY | O_TRUNC, 0));
	back();
	cr_assert_eq(mode_of("/wr"), 0666);

	/* An unprivileged opener's descriptor, written by root: kept. */
	RETURNS(rump_sys_chmod("/wr", 06777), 0);
	RETURNS(rump_pub_lwproc_rfork(0), 0);
	RETURNS(rump_sys_setresuid(1001, 1001, 1001), 0);
	fd = xopen("/wr", O_RDWR, 0);
	back();
	RETURNS(rump_sys_write(fd, "x", 1), 1);
	cr_assert_eq(mode_of("/wr"), 06777);
	close_ok(fd);
	close_ok(rootfd);
}

/* A trailing slash after a symlink follows it and wants a directory,
 * but asks no search permission of that directory ("l/" is not
 * "l/."), as on Linux. */
Test(vfs_perm, trailing_slash_needs_no_search_permission)
{
	struct stat st;

	RETURNS(rump_sys_mkdir("/ts", 0755), 0);
	RETURNS(rump_sys_mkdir("/ts/d", 0700), 0);
	RETURNS(rump_sys_symlink("d", "/ts/l"), 0);
	RETURNS(rump_sys_symlink("l", "/ts/ll"), 0);
	mkfile("/ts/f", 0, 0, 0644);
	RETURNS(rump_sys_symlink("f", "/ts/lf"), 0);
	become(1001, 1001, 0, NULL);
	RETURNS(rump_sys_stat("/ts/d/", &st), 0);
	RETURNS(rump_sys_stat("/ts/l/", &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	RETURNS(rump_sys_lstat("/ts/ll/", &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	FAILS(rump_sys_stat("/ts/l/.", &st), EACCES);
	FAILS(rump_sys_stat("/ts/lf/", &st), ENOTDIR);
	RETURNS(rump_sys_access("/ts/l/", F_OK), 0);
	back();
}

/* chown of a non-directory drops S_ISUID, and S_ISGID when group-
 * executable or when the caller is not in the file's group (nor fsuid
 * 0); a change of mode is for the owner, so even chown(-1, -1) by
 * another is EPERM when it would drop a bit. */
Test(vfs_perm, chown_drops_set_id_bits_as_the_owner)
{
	gid_t sup[] = { 1000 };

	mkfile("/co", 0, 1000, 04644);
	become(1001, 1001, 0, NULL);
	FAILS(rump_sys_chown("/co", -1, -1), EPERM);
	back();
	cr_assert_eq(mode_of("/co"), 04644);
	RETURNS(rump_sys_chmod("/co", 02644), 0);
	become(1001, 1001, 0, NULL);
	FAILS(rump_sys_chown("/co", -1, -1), EPERM);
	back();
	become(1001, 1001, 1, sup); /* in the file's group: nothing to drop */
	RETURNS(rump_sys_chown("/co", -1, -1), 0);
	back();
	cr_assert_eq(mode_of("/co"), 02644);
	RETURNS(rump_sys_chmod("/co", 0644), 0);
	become(1001, 1001, 0, NULL);
	RETURNS(rump_sys_chown("/co", -1, -1), 0);
	back();
	/* Root keeps a non-executable S_ISGID, drops S_ISUID. */
	RETURNS(rump_sys_chmod("/co", 06644), 0);
	RETURNS(rump_sys_chown("/co", 1001, -1), 0);
	cr_assert_eq(mode_of("/co"), 02644);
	/* The owner, not in the group: both go. */
	RETURNS(rump_sys_chmod("/co", 06644), 0);
	become(1001, 1001, 0, NULL);
	RETURNS(rump_sys_chown("/co", -1, -1), 0);
	back();
	cr_assert_eq(mode_of("/co"), 0644);
}

/* ---- descriptors without a vnode ------------------------------------------ */

/*
 * Linux keeps an owner, a mode and times on the inode of a memfd, of a
 * pipe (one inode for both ends) and of a socket (one per socket), and
 * fchmod, fchown, futimens and their AT_EMPTY_PATH forms change them by
 * the rules of named files; fstat shows the result.  eventfd, epoll and
 * timerfd descriptors share one anonymous inode (root's, mode 0600)
 * whose setattr is EOPNOTSUPP.  Checked against Linux 6.18, as root and
 * as uid 1000.
 */

struct fdkind {
	const char *name;
	mode_t type;      /* S_IF* fstat shows */
	mode_t mode;      /* the permission bits it starts with */
	int (*mk)(int *); /* a new one; *other: its pipe's other end or its
			   * socketpair's peer, or -1 */
	bool shared;      /* *other is the same inode */
};

static int
mk_memfd(int *other)
{
	*other = -1;
	return rump_sys_memfd_create("attrs", 0);
}

static int
mk_pipe_r(int *other)
{
	int p[2];

	if (rump_sys_pipe(p) != 0)
		return -1;
	*other = p[1];
	return p[0];
}

static int
mk_pipe_w(int *other)
{
	int p[2];

	if (rump_sys_pipe(p) != 0)
		return -1;
	*other = p[0];
	return p[1];
}

static int
mk_socketpair(int *other)
{
	int sv[2];

	if (rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return -1;
	*other = sv[1];
	return sv[0];
}

/* A listening socket on a new abstract name. */
static int
mk_listener(int *other)
{
	static atomic_int seq;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);

	*other = -1;
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "vfs_perm%d",
		 atomic_fetch_add(&seq, 1));
	if (fd < 0 ||
	    rump_sys_bind(fd, (struct sockaddr *)&sun,
			  (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				      1 + strlen(sun.sun_path + 1))) != 0 ||
	    rump_sys_listen(fd, 1) != 0)
		return -1;
	return fd;
}

static const struct fdkind inode_kinds[] = {
	{ "memfd", S_IFREG, 0777, mk_memfd, false },
	{ "pipe read end", S_IFIFO, 0600, mk_pipe_r, true },
	{ "pipe write end", S_IFIFO, 0600, mk_pipe_w, true },
	{ "socketpair", S_IFSOCK, 0777, mk_socketpair, false },
	{ "listening socket", S_IFSOCK, 0777, mk_listener, false },
};
#define NINODE (sizeof(inode_kinds) / sizeof(inode_kinds[0]))

static int
mk_eventfd(int *other)
{
	*other = -1;
	return rump_sys_eventfd(0, 0);
}

static int
mk_epoll(int *other)
{
	*other = -1;
	return rump_sys_epoll_create1(0);
}

static int
mk_timerfd(int *other)
{
	*other = -1;
	return rump_sys_timerfd_create(CLOCK_MONOTONIC, 0);
}

static const struct fdkind anon_kinds[] = {
	{ "eventfd", 0, 0600, mk_eventfd, false },
	{ "epoll", 0, 0600, mk_epoll, false },
	{ "timerfd", 0, 0600, mk_timerfd, false },
};
#define NANON (sizeof(anon_kinds) / sizeof(anon_kinds[0]))

static int
kind_new(const struct fdkind *k, int *other)
{
	int fd = k->mk(other);

	cr_assert_geq(fd, 0, "%s: %s", k->name, strerror(errno));
	return fd;
}

static struct stat
fd_stat(int fd)
{
	struct stat st;

	cr_assert_eq(rump_sys_fstat(fd, &st), 0, "fstat: %s", strerror(errno));
	return st;
}

static long long
ts_ns(struct timespec ts)
{
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#define TS(a, an, m, mn) ((struct timespec[2]){ { (a), (an) }, { (m), (mn) } })

/* fd's permission bits are `mode' (and its type k's), and so are its
 * other end's when that is the same inode. */
static void
mode_is(const struct fdkind *k, int fd, int other, mode_t mode)
{
	cr_assert_eq(fd_stat(fd).st_mode, k->type | mode, "%s: mode %o",
		     k->name, fd_stat(fd).st_mode);
	if (other >= 0)
		cr_assert_eq(fd_stat(other).st_mode,
			     k->type | (k->shared ? mode : k->mode),
			     "%s: other end's mode", k->name);
}

Test(vfs_perm, fd_attrs_root)
{
	for (unsigned i = 0; i < NINODE; i++) {
		const struct fdkind *k = &inode_kinds[i];
		struct stat a, b;
		int other, fd = kind_new(k, &other);

		a = fd_stat(fd);
		cr_assert_eq(a.st_mode, k->type | k->mode, "%s", k->name);
		usleep(2000);
		RETURNS(rump_sys_fchmod(fd, 0640), 0);
		b = fd_stat(fd);
		mode_is(k, fd, other, 0640);
		cr_assert_gt(ts_ns(b.st_ctim), ts_ns(a.st_ctim),
			     "%s: chmod stamps ctime", k->name);
		cr_assert_eq(ts_ns(b.st_mtim), ts_ns(a.st_mtim));
		RETURNS(rump_sys_fchown(fd, 4000, 5000), 0);
		cr_assert_eq(fd_stat(fd).st_uid, 4000, "%s", k->name);
		cr_assert_eq(fd_stat(fd).st_gid, 5000, "%s", k->name);
		if (other >= 0)
			cr_assert_eq(fd_stat(other).st_uid,
				     k->shared ? 4000u : 0u);
		/* A change of owner drops S_ISUID, and S_ISGID with group
		 * execute, also for root, also with -1, -1. */
		RETURNS(rump_sys_fchmod(fd, 06777), 0);
		mode_is(k, fd, other, 06777);
		a = fd_stat(fd);
		usleep(2000);
		RETURNS(rump_sys_fchown(fd, -1, -1), 0);
		mode_is(k, fd, other, 0777);
		cr_assert_gt(ts_ns(fd_stat(fd).st_ctim), ts_ns(a.st_ctim));
		RETURNS(rump_sys_fchmod(fd, 02767), 0);
		RETURNS(rump_sys_fchownat(fd, "", 0, 0, AT_EMPTY_PATH), 0);
		mode_is(k, fd, other, 02767);
		cr_assert_eq(fd_stat(fd).st_uid, 0);
		/* Times. */
		RETURNS(rump_sys_futimens(fd, TS(1000, 5, 2000, 7)), 0);
		b = fd_stat(fd);
		cr_assert_eq(ts_ns(b.st_atim), 1000000000005LL, "%s", k->name);
		cr_assert_eq(ts_ns(b.st_mtim), 2000000000007LL);
		RETURNS(rump_sys_futimens(fd, TS(0, UTIME_NOW, 0, UTIME_OMIT)),
			0);
		a = fd_stat(fd);
		cr_assert_geq(ts_ns(a.st_atim), ts_ns(b.st_ctim));
		cr_assert_eq(ts_ns(a.st_mtim), 2000000000007LL);
		cr_assert_eq(ts_ns(a.st_ctim), ts_ns(a.st_atim));
		usleep(2000);
		RETURNS(rump_sys_futimens(fd, TS(0, UTIME_OMIT, 0, UTIME_OMIT)),
			0);
		cr_assert_eq(ts_ns(fd_stat(fd).st_ctim), ts_ns(a.st_ctim),
			     "two UTIME_OMITs change nothing");
		RETURNS(rump_sys_futimens(fd, NULL), 0);
		b = fd_stat(fd);
		cr_assert_gt(ts_ns(b.st_mtim), ts_ns(a.st_ctim));
		cr_assert_eq(ts_ns(b.st_atim), ts_ns(b.st_mtim));
		cr_assert_eq(ts_ns(b.st_ctim), ts_ns(b.st_mtim));
		RETURNS(rump_sys_utimensat(fd, "", TS(3, 1, 4, 2),
					   AT_EMPTY_PATH),
			0);
		b = fd_stat(fd);
		cr_assert_eq(ts_ns(b.st_atim), 3000000001LL);
		cr_assert_eq(ts_ns(b.st_mtim), 4000000002LL);
		if (other >= 0 && k->shared)
			cr_assert_eq(ts_ns(fd_stat(other).st_mtim),
				     4000000002LL);
		RETURNS(rump_sys_fchmodat2(fd, "", 0604, AT_EMPTY_PATH), 0);
		mode_is(k, fd, other, 0604);
		/* Any uid but -1 is one (the initial user namespace maps
		 * them all). */
		RETURNS(rump_sys_fchown(fd, 4294967294u, -1), 0);
		cr_assert_eq(fd_stat(fd).st_uid, 4294967294u);
		RETURNS(rump_sys_fchown(fd, 0, -1), 0);
		/* Bad input. */
		FAILS(rump_sys_futimens(fd, TS(0, 1000000000, 0, 0)), EINVAL);
		FAILS(rump_sys_futimens(fd, TS(0, 0, 0, -1)), EINVAL);
		FAILS(rump_sys_utimensat(fd, "", TS(0, -2, 0, 0),
					 AT_EMPTY_PATH),
		      EINVAL);
		FAILS(rump_sys_utimensat(fd, "", NULL, 0), ENOENT);
		FAILS(rump_sys_utimensat(fd, "", NULL, 0x8000), EINVAL);
		FAILS(rump_sys_fchownat(fd, "", 0, 0, 0), ENOENT);
		FAILS(rump_sys_fchownat(fd, "", 0, 0, 0x8000), EINVAL);
		FAILS(rump_sys_fchmodat(fd, "", 0644, 0), ENOENT);
		FAILS(rump_sys_fchmodat2(fd, "", 0644, 0), ENOENT);
		FAILS(rump_sys_fchmodat2(fd, "", 0644, 0x10000), EINVAL);
		FAILS(rump_sys_fchownat(fd, "x", 0, 0, AT_EMPTY_PATH), ENOTDIR);
		cr_assert_eq(fd_stat(fd).st_mode, k->type | 0604);
		close_ok(fd);
		if (other >= 0)
			close_ok(other);
	}
}

/* The owner, not root, in groups 1000 and 3000. */
Test(vfs_perm, fd_attrs_owner)
{
	gid_t sup[] = { 3000 };

	become(1000, 1000, 1, sup);
	for (unsigned i = 0; i < NINODE; i++) {
		const struct fdkind *k = &inode_kinds[i];
		int other, fd = kind_new(k, &other);
		struct stat st = fd_stat(fd);

		cr_assert_eq(st.st_uid, 1000, "%s", k->name);
		cr_assert_eq(st.st_gid, 1000, "%s", k->name);
		RETURNS(rump_sys_fcntl(fd, F_SETFL, O_NOATIME), 0);
		RETURNS(rump_sys_fcntl(fd, F_SETFL, 0), 0);
		RETURNS(rump_sys_fchmod(fd, 0640), 0);
		mode_is(k, fd, other, 0640);
		RETURNS(rump_sys_fchown(fd, -1, 3000), 0);
		cr_assert_eq(fd_stat(fd).st_gid, 3000);
		FAILS(rump_sys_fchown(fd, -1, 4000), EPERM);
		FAILS(rump_sys_fchown(fd, 4000, -1), EPERM);
		FAILS(rump_sys_fchownat(fd, "", 4000, -1, AT_EMPTY_PATH),
		      EPERM);
		RETURNS(rump_sys_fchown(fd, 1000, 1000), 0);
		cr_assert_eq(fd_stat(fd).st_gid, 1000);
		/* A member of the group keeps S_ISGID in chmod; a change of
		 * owner drops both bits (group execute). */
		RETURNS(rump_sys_fchmod(fd, 06777), 0);
		mode_is(k, fd, other, 06777);
		RETURNS(rump_sys_fchown(fd, -1, -1), 0);
		mode_is(k, fd, other, 0777);
		RETURNS(rump_sys_fchmod(fd, 0600), 0);
		RETURNS(rump_sys_futimens(fd, TS(10, 0, 20, 0)), 0);
		cr_assert_eq(fd_stat(fd).st_mtim.tv_sec, 20);
		RETURNS(rump_sys_utimensat(fd, "", TS(0, UTIME_OMIT, 30, 0),
					   AT_EMPTY_PATH),
			0);
		cr_assert_eq(fd_stat(fd).st_mtim.tv_sec, 30);
		cr_assert_eq(fd_stat(fd).st_atim.tv_sec, 10);
		RETURNS(rump_sys_fchmodat2(fd, "", 0644, AT_EMPTY_PATH), 0);
		mode_is(k, fd, other, 0644);
		FAILS(rump_sys_fchown(fd, 4294967294u, -1), EPERM);
		close_ok(fd);
		if (other >= 0)
			close_ok(other);
	}
	back();
}

/* Another user: what the owner alone may do is EPERM, a touch needs
 * write permission on the inode (not the descriptor's access mode), a
 * chmod by a non-member of the group drops S_ISGID. */
Test(vfs_perm, fd_attrs_other_users)
{
	gid_t sup[] = { 3000 };

	for (unsigned i = 0; i < NINODE; i++) {
		const struct fdkind *k = &inode_kinds[i];
		int other, fd = kind_new(k, &other);
		struct stat st;

		RETURNS(rump_sys_fchmod(fd, 0600), 0);
		become(1000, 1000, 1, sup);
		FAILS(rump_sys_fchmod(fd, 0644), EPERM);
		FAILS(rump_sys_fcntl(fd, F_SETFL, O_NOATIME), EPERM);
		FAILS(rump_sys_fchmodat2(fd, "", 0644, AT_EMPTY_PATH), EPERM);
		FAILS(rump_sys_fchown(fd, 1000, -1), EPERM);
		FAILS(rump_sys_fchown(fd, -1, 1000), EPERM);
		st = fd_stat(fd);
		usleep(2000);
		RETURNS(rump_sys_fchown(fd, -1, -1), 0);
		cr_assert_gt(ts_ns(fd_stat(fd).st_ctim), ts_ns(st.st_ctim),
			     "%s: chown -1 -1 stamps ctime", k->name);
		FAILS(rump_sys_futimens(fd, TS(1, 0, 1, 0)), EPERM);
		FAILS(rump_sys_futimens(fd, NULL), EACCES);
		FAILS(rump_sys_futimens(fd, TS(0, UTIME_NOW, 0, UTIME_NOW)),
		      EACCES);
		FAILS(rump_sys_futimens(fd, TS(0, UTIME_NOW, 0, UTIME_OMIT)),
		      EPERM);
		FAILS(rump_sys_utimensat(fd, "", NULL, AT_EMPTY_PATH), EACCES);
		RETURNS(rump_sys_futimens(fd, TS(0, UTIME_OMIT, 0, UTIME_OMIT)),
			0);
		back();
		RETURNS(rump_sys_fchmod(fd, 0666), 0);
		become(1000, 1000, 1, sup);
		RETURNS(rump_sys_futimens(fd, NULL), 0);
		RETURNS(rump_sys_utimensat(fd, "", NULL, AT_EMPTY_PATH), 0);
		FAILS(rump_sys_futimens(fd, TS(0, UTIME_OMIT, 0, UTIME_NOW)),
		      EPERM);
		back();
		/* Owned by 1000 in group 5000, which 1000 is not in. */
		RETURNS(rump_sys_fchown(fd, 1000, 5000), 0);
		become(1000, 1000, 1, sup);
		RETURNS(rump_sys_fchmod(fd, 02755), 0);
		mode_is(k, fd, other, 0755);
		RETURNS(rump_sys_fchmod(fd, 07777), 0);
		mode_is(k, fd, other, 05777);
		RETURNS(rump_sys_fchown(fd, -1, 5000), 0);
		mode_is(k, fd, other, 01777); /* S_ISUID goes, S_ISVTX stays */
		RETURNS(rump_sys_fchown(fd, -1, 3000), 0);
		FAILS(rump_sys_fchown(fd, -1, 5000), EPERM);
		back();
		close_ok(fd);
		if (other >= 0)
			close_ok(other);
	}
}

/* eventfd, epoll, timerfd: Linux's anonymous inode refuses every change
 * (EOPNOTSUPP), after the check a touch makes: write permission on an
 * inode that root owns with mode 0600. */
static void
anon_refuses(int fd, bool root)
{
	int touch = root ? EOPNOTSUPP : EACCES;

	FAILS(rump_sys_fchmod(fd, 0644), EOPNOTSUPP);
	FAILS(rump_sys_fchmod(fd, 0600), EOPNOTSUPP);
	FAILS(rump_sys_fchown(fd, -1, -1), EOPNOTSUPP);
	FAILS(rump_sys_fchown(fd, 0, 0), EOPNOTSUPP);
	FAILS(rump_sys_fchownat(fd, "", -1, -1, AT_EMPTY_PATH), EOPNOTSUPP);
	FAILS(rump_sys_fchmodat2(fd, "", 0600, AT_EMPTY_PATH), EOPNOTSUPP);
	FAILS(rump_sys_futimens(fd, TS(1, 0, 1, 0)), EOPNOTSUPP);
	FAILS(rump_sys_futimens(fd, TS(0, UTIME_NOW, 0, UTIME_OMIT)),
	      EOPNOTSUPP);
	FAILS(rump_sys_futimens(fd, NULL), touch);
	FAILS(rump_sys_futimens(fd, TS(0, UTIME_NOW, 0, UTIME_NOW)), touch);
	FAILS(rump_sys_utimensat(fd, "", NULL, AT_EMPTY_PATH), touch);
	FAILS(rump_sys_utimensat(fd, "", TS(1, 0, 1, 0), AT_EMPTY_PATH),
	      EOPNOTSUPP);
	RETURNS(rump_sys_futimens(fd, TS(0, UTIME_OMIT, 0, UTIME_OMIT)), 0);
	FAILS(rump_sys_futimens(fd, TS(0, 1000000000, 0, 0)), EINVAL);
	FAILS(rump_sys_fchownat(fd, "", 0, 0, 0), ENOENT);
}

Test(vfs_perm, fd_attrs_anonymous_inode)
{
	for (unsigned i = 0; i < NANON; i++) {
		const struct fdkind *k = &anon_kinds[i];
		int other, fd = kind_new(k, &other);
		struct stat a = fd_stat(fd), b;

		anon_refuses(fd, true);
		become(1000, 1000, 0, NULL);
		anon_refuses(fd, false);
		close_ok(fd);
		fd = kind_new(k, &other);
		anon_refuses(fd, false);
		/* The one inode is root's whoever made the file. */
		b = fd_stat(fd);
		cr_assert_eq(b.st_uid, 0, "%s: uid %u", k->name, b.st_uid);
		cr_assert_eq(b.st_gid, 0, "%s", k->name);
		cr_assert_eq(b.st_mode, 0600, "%s", k->name);
		/* O_NOATIME is the owner's: root's here. */
		FAILS(rump_sys_fcntl(fd, F_SETFL, O_NOATIME), EPERM);
		close_ok(fd);
		back();
		b = fd_stat(fd);
		cr_assert_eq(b.st_mode, a.st_mode, "%s", k->name);
		cr_assert_eq(ts_ns(b.st_ctim), ts_ns(a.st_ctim));
		close_ok(fd);
	}
}

Test(vfs_perm, fd_attrs_bad_descriptors)
{
	int fd = xopen("/opath", O_CREAT | O_RDWR, 0644), pfd;

	close_ok(fd);
	FAILS(rump_sys_fchmod(-1, 0644), EBADF);
	FAILS(rump_sys_fchmod(9999, 0644), EBADF);
	FAILS(rump_sys_fchown(-1, 0, 0), EBADF);
	FAILS(rump_sys_futimens(-1, NULL), EBADF);
	FAILS(rump_sys_fchownat(-1, "", 0, 0, AT_EMPTY_PATH), EBADF);
	FAILS(rump_sys_utimensat(-1, "", NULL, AT_EMPTY_PATH), EBADF);
	FAILS(rump_sys_fchmodat2(-1, "", 0644, AT_EMPTY_PATH), EBADF);
	/* An O_PATH descriptor is no open file for the f-calls, while the
	 * AT_EMPTY_PATH forms take it. */
	pfd = xopen("/opath", O_PATH, 0);
	FAILS(rump_sys_fchmod(pfd, 0600), EBADF);
	FAILS(rump_sys_fchown(pfd, -1, -1), EBADF);
	FAILS(rump_sys_futimens(pfd, NULL), EBADF);
	RETURNS(rump_sys_fchownat(pfd, "", -1, -1, AT_EMPTY_PATH), 0);
	RETURNS(rump_sys_utimensat(pfd, "", NULL, AT_EMPTY_PATH), 0);
	RETURNS(rump_sys_fchmodat2(pfd, "", 0600, AT_EMPTY_PATH), 0);
	cr_assert_eq(mode_of("/opath"), 0600);
	close_ok(pfd);
}

/* linkat(AT_EMPTY_PATH) of a memfd, a pipe or a socket finds the file,
 * which is on an internal mount of its own: EXDEV once the new name's
 * checks passed (Linux 6.18). */
Test(vfs_perm, flink_of_a_file_without_a_vnode)
{
	for (unsigned i = 0; i < NINODE; i++) {
		const struct fdkind *k = &inode_kinds[i];
		int other, fd = kind_new(k, &other);

		FAILS(rump_sys_linkat(fd, "", AT_FDCWD, "/flnew",
				      AT_EMPTY_PATH),
		      EXDEV);
		FAILS(rump_sys_linkat(fd, "", AT_FDCWD, "/", AT_EMPTY_PATH),
		      EEXIST);
		FAILS(rump_sys_linkat(fd, "", AT_FDCWD, "/none/x",
				      AT_EMPTY_PATH),
		      ENOENT);
		FAILS(rump_sys_linkat(fd, "", AT_FDCWD, "/flnew", 0), ENOENT);
		FAILS(rump_sys_linkat(fd, "x", AT_FDCWD, "/flnew",
				      AT_EMPTY_PATH),
		      ENOTDIR);
		/* Another credential than the opener's, without
		 * CAP_DAC_READ_SEARCH, does not find it. */
		become(1000, 1000, 0, NULL);
		FAILS(rump_sys_linkat(fd, "", AT_FDCWD, "/flnew",
				      AT_EMPTY_PATH),
		      ENOENT);
		back();
		close_ok(fd);
		if (other >= 0)
			close_ok(other);
	}
}

/* fallocate by a caller without CAP_FSETID drops set-id bits as a write
 * does, once it succeeded (checked on Linux 6.18's tmpfs). */
Test(vfs_perm, fallocate_drops_set_id_bits)
{
	int fd;

	mkfile("/fa", 1000, 1000, 06777);
	fd = xopen("/fa", O_RDWR, 0);
	RETURNS(rump_sys_fallocate(fd, 0, 0, 8192), 0);
	cr_assert_eq(mode_of("/fa"), 06777, "root drops nothing");
	become(1001, 1001, 0, NULL);
	RETURNS(rump_sys_fallocate(fd,
				   FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
				   0, 4096),
		0);
	back();
	cr_assert_eq(mode_of("/fa"), 0777);
	RETURNS(rump_sys_chmod("/fa", 06777), 0);
	become(1001, 1001, 0, NULL);
	FAILS(rump_sys_fallocate(fd, 0, -1, 1), EINVAL);
	back();
	cr_assert_eq(mode_of("/fa"), 06777, "a failed call drops nothing");
	/* Without group execute, for a member of the group: S_ISGID
	 * stays. */
	RETURNS(rump_sys_chmod("/fa", 06767), 0);
	become(1001, 1000, 0, NULL);
	RETURNS(rump_sys_fallocate(fd, 0, 0, 100), 0);
	back();
	cr_assert_eq(mode_of("/fa"), 02767);
	close_ok(fd);
}

/* Host threads change one inode's attributes at once while another
 * reads them: each fstat shows a mode one of the changes made, and the
 * ends of a pipe agree at the end. */
struct attr_race {
	int fd;
	int iters;
};

static void *
race_chmod(void *arg)
{
	struct attr_race *r = arg;

	for (int i = 0; i < r->iters; i++)
		if (rump_sys_fchmod(r->fd, i % 2 ? 0640 : 06750) != 0)
			return (void *)1;
	return NULL;
}

static void *
race_chown_utimes(void *arg)
{
	struct attr_race *r = arg;

	for (int i = 0; i < r->iters; i++) {
		struct timespec ts[2] = { { i, 0 }, { i, 1 } };

		if (rump_sys_fchown(r->fd, -1, -1) != 0 ||
		    rump_sys_futimens(r->fd, ts) != 0)
			return (void *)1;
	}
	return NULL;
}

Test(vfs_perm, fd_attrs_threads)
{
	for (unsigned i = 0; i < NINODE; i++) {
		const struct fdkind *k = &inode_kinds[i];
		int other, fd = kind_new(k, &other);
		struct attr_race r = { fd, 2000 };
		pthread_t t1, t2;
		void *v1, *v2;

		cr_assert_eq(pthread_create(&t1, NULL, race_chmod, &r), 0);
		cr_assert_eq(pthread_create(&t2, NULL, race_chown_utimes, &r),
			     0);
		for (int n = 0; n < 2000; n++) {
			mode_t m = fd_stat(other >= 0 && k->shared ? other : fd)
					   .st_mode &
				   07777;

			cr_assert(m == k->mode || m == 0640 || m == 06750 ||
					  m == 0750,
				  "%s: mode %o", k->name, m);
		}
		cr_assert_eq(pthread_join(t1, &v1), 0);
		cr_assert_eq(pthread_join(t2, &v2), 0);
		cr_assert_null(v1, "%s: fchmod failed", k->name);
		cr_assert_null(v2, "%s: fchown or futimens failed", k->name);
		if (other >= 0 && k->shared)
			cr_assert_eq(fd_stat(other).st_mode,
				     fd_stat(fd).st_mode);
		close_ok(fd);
		if (other >= 0)
			close_ok(other);
	}
}
