/*
 * xattr.c: extended attributes (setxattr, getxattr, listxattr,
 * removexattr in their path, l- and f- forms, and the *xattrat calls):
 * tmpfs keeps them, with Linux's rules and errors (each probed on the
 * host's tmpfs, Linux 6.18); devfs and files without a vnode answer as
 * Linux's file systems without attributes do (hostfs keeps them on the
 * host file: tests/hostfs_xattr.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "host_dir.h"
#include "proc_util.h"
#include "vfs_util.h"

TestSuite(xattr, .init = vfs_boot, .timeout = 60);

static char big[70000];

static void
mkfile(const char *path, mode_t mode)
{
	int fd = rump_sys_open(path, O_CREAT | O_RDWR | O_EXCL, mode);

	cr_assert_geq(fd, 0, "open(%s): %s", path, strerror(errno));
	RETURNS(rump_sys_fchmod(fd, mode), 0);
	rump_sys_close(fd);
}

static void
set_ok(const char *path, const char *name, const char *val)
{
	RETURNS(rump_sys_setxattr(path, name, val, strlen(val), 0), 0);
}

/* The value of name on path, as a string (must exist). */
static const char *
get_str(const char *path, const char *name)
{
	static char buf[256];
	ssize_t n = rump_sys_getxattr(path, name, buf, sizeof(buf) - 1);

	cr_assert_geq(n, 0, "getxattr(%s, %s): %s", path, name,
		      strerror(errno));
	buf[n] = '\0';
	return buf;
}

/* The list of path's attributes with '|' for each NUL. */
static const char *
list_str(ssize_t (*fn)(const char *, char *, size_t), const char *path)
{
	static char buf[1024];
	ssize_t n = fn(path, buf, sizeof(buf) - 1);

	cr_assert_geq(n, 0, "listxattr(%s): %s", path, strerror(errno));
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = '|';
	buf[n] = '\0';
	return buf;
}

static struct timespec
ctime_of(const char *path)
{
	struct stat st;

	RETURNS(rump_sys_lstat(path, &st), 0);
	return st.st_ctim;
}

static bool
ts_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* Become a new process with these ids (the test's process is its own). */
static void
become(uid_t uid, gid_t gid)
{
	rfork_ok(RUMP_RFFDG);
	RETURNS(rump_sys_setgroups(0, NULL), 0);
	RETURNS(rump_sys_setresgid(gid, gid, gid), 0);
	RETURNS(rump_sys_setresuid(uid, uid, uid), 0);
}

/* ---- set, get, flags ------------------------------------------------------ */

Test(xattr, set_then_get)
{
	char buf[16];

	mkfile("/f", 0644);
	RETURNS(rump_sys_setxattr("/f", "user.a", "hello", 5, 0), 0);
	RETURNS(rump_sys_getxattr("/f", "user.a", buf, sizeof(buf)), 5);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	RETURNS(rump_sys_setxattr("/f", "user.a", "hi", 2, 0), 0);
	cr_assert_str_eq(get_str("/f", "user.a"), "hi");
}

Test(xattr, create_flag_on_existing_is_eexist)
{
	mkfile("/f", 0644);
	set_ok("/f", "user.a", "1");
	FAILS(rump_sys_setxattr("/f", "user.a", "2", 1, XATTR_CREATE), EEXIST);
	cr_assert_str_eq(get_str("/f", "user.a"), "1");
	RETURNS(rump_sys_setxattr("/f", "user.b", "2", 1, XATTR_CREATE), 0);
}

Test(xattr, replace_flag_on_missing_is_enodata)
{
	mkfile("/f", 0644);
	FAILS(rump_sys_setxattr("/f", "user.a", "2", 1, XATTR_REPLACE),
	      ENODATA);
	FAILS(rump_sys_getxattr("/f", "user.a", NULL, 0), ENODATA);
	set_ok("/f", "user.a", "1");
	RETURNS(rump_sys_setxattr("/f", "user.a", "2", 1, XATTR_REPLACE), 0);
	cr_assert_str_eq(get_str("/f", "user.a"), "2");
}

Test(xattr, both_flags_refuse_either_way)
{
	mkfile("/f", 0644);
	set_ok("/f", "user.a", "1");
	FAILS(rump_sys_setxattr("/f", "user.a", "2", 1, 3), EEXIST);
	FAILS(rump_sys_setxattr("/f", "user.z", "2", 1, 3), ENODATA);
}

Test(xattr, unknown_flags_are_einval_before_lookup)
{
	mkfile("/f", 0644);
	FAILS(rump_sys_setxattr("/f", "user.a", "1", 1, 4), EINVAL);
	FAILS(rump_sys_setxattr("/f", "user.a", "1", 1, -1), EINVAL);
	FAILS(rump_sys_setxattr("/nonexist", "user.a", "1", 1, 4), EINVAL);
	FAILS(rump_sys_fsetxattr(999, "user.a", "1", 1, 4), EINVAL);
}

Test(xattr, empty_value)
{
	char buf[4];

	mkfile("/f", 0644);
	RETURNS(rump_sys_setxattr("/f", "user.e", NULL, 0, 0), 0);
	RETURNS(rump_sys_getxattr("/f", "user.e", buf, sizeof(buf)), 0);
	RETURNS(rump_sys_getxattr("/f", "user.e", NULL, 0), 0);
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/f"), "user.e|");
}

/* ---- names ----------------------------------------------------------------- */

Test(xattr, empty_name_is_erange)
{
	mkfile("/f", 0644);
	FAILS(rump_sys_setxattr("/f", "", "1", 1, 0), ERANGE);
	FAILS(rump_sys_getxattr("/f", "", NULL, 0), ERANGE);
	FAILS(rump_sys_removexattr("/f", ""), ERANGE);
	/* before the path is looked up */
	FAILS(rump_sys_setxattr("/nonexist", "", "1", 1, 0), ERANGE);
	FAILS(rump_sys_getxattr("/nonexist", "", NULL, 0), ERANGE);
	FAILS(rump_sys_removexattr("/nonexist", ""), ERANGE);
	FAILS(rump_sys_fgetxattr(999, "", NULL, 0), ERANGE);
}

Test(xattr, name_over_255_is_erange)
{
	char n255[256], n256[257];

	memset(n255, 'b', 255);
	n255[255] = '\0';
	memcpy(n255, "user.", 5);
	memset(n256, 'a', 256);
	n256[256] = '\0';
	memcpy(n256, "user.", 5);
	mkfile("/f", 0644);
	FAILS(rump_sys_setxattr("/f", n256, "1", 1, 0), ERANGE);
	FAILS(rump_sys_getxattr("/f", n256, NULL, 0), ERANGE);
	FAILS(rump_sys_removexattr("/f", n256), ERANGE);
	RETURNS(rump_sys_setxattr("/f", n255, "1", 1, 0), 0);
	RETURNS(rump_sys_getxattr("/f", n255, NULL, 0), 1);
	RETURNS(rump_sys_listxattr("/f", NULL, 0), 256);
}

Test(xattr, bare_prefix_is_einval)
{
	mkfile("/f", 0644);
	FAILS(rump_sys_setxattr("/f", "user.", "1", 1, 0), EINVAL);
	FAILS(rump_sys_setxattr("/f", "trusted.", "1", 1, 0), EINVAL);
	FAILS(rump_sys_setxattr("/f", "security.", "1", 1, 0), EINVAL);
	FAILS(rump_sys_getxattr("/f", "user.", NULL, 0), EINVAL);
	FAILS(rump_sys_removexattr("/f", "user."), EINVAL);
}

Test(xattr, unknown_namespace_is_eopnotsupp)
{
	mkfile("/f", 0644);
	FAILS(rump_sys_setxattr("/f", "foo.bar", "1", 1, 0), EOPNOTSUPP);
	FAILS(rump_sys_setxattr("/f", "user", "1", 1, 0), EOPNOTSUPP);
	FAILS(rump_sys_setxattr("/f", "USER.x", "1", 1, 0), EOPNOTSUPP);
	FAILS(rump_sys_getxattr("/f", "foo.bar", NULL, 0), EOPNOTSUPP);
	FAILS(rump_sys_removexattr("/f", "foo.bar"), EOPNOTSUPP);
	/* the path first: no namespace check without a file */
	FAILS(rump_sys_setxattr("/nonexist", "foo.bar", "1", 1, 0), ENOENT);
}

/* No POSIX ACLs: system.* is a namespace nobody keeps (Linux's tmpfs
 * without CONFIG_TMPFS_POSIX_ACL, and system.foo on any tmpfs). */
Test(xattr, system_namespace_is_eopnotsupp)
{
	mkfile("/f", 0644);
	FAILS(rump_sys_setxattr("/f", "system.foo", "1", 1, 0), EOPNOTSUPP);
	FAILS(rump_sys_getxattr("/f", "system.foo", NULL, 0), EOPNOTSUPP);
	FAILS(rump_sys_removexattr("/f", "system.foo"), EOPNOTSUPP);
	/* The ACLs are system.* names tmpfs has (tests/acl.c). */
	FAILS(rump_sys_getxattr("/f", "system.posix_acl_access", NULL, 0),
	      ENODATA);
	FAILS(rump_sys_setxattr("/f", "system.posix_acl_accesx", "1", 1, 0),
	      EOPNOTSUPP);
}

/* ---- sizes ------------------------------------------------------------------ */

Test(xattr, value_over_64k_is_e2big)
{
	mkfile("/f", 0644);
	FAILS(rump_sys_setxattr("/f", "user.big", big, 65537, 0), E2BIG);
	FAILS(rump_sys_setxattr("/nonexist", "user.big", big, 65537, 0), E2BIG);
	RETURNS(rump_sys_setxattr("/f", "user.big", big, 65536, 0), 0);
	RETURNS(rump_sys_getxattr("/f", "user.big", NULL, 0), 65536);
	/* a buffer over 64 KiB is as good as 64 KiB */
	RETURNS(rump_sys_getxattr("/f", "user.big", big, sizeof(big)), 65536);
	FAILS(rump_sys_getxattr("/f", "user.big", big, 65535), ERANGE);
}

Test(xattr, size_zero_returns_the_size)
{
	char buf[8];

	mkfile("/f", 0644);
	set_ok("/f", "user.a", "12345");
	RETURNS(rump_sys_getxattr("/f", "user.a", NULL, 0), 5);
	RETURNS(rump_sys_getxattr("/f", "user.a", buf, 0), 5);
	RETURNS(rump_sys_fgetxattr(rump_sys_open("/f", O_RDONLY), "user.a",
				   NULL, 0),
		5);
}

Test(xattr, small_buffer_is_erange)
{
	char buf[8];

	mkfile("/f", 0644);
	set_ok("/f", "user.a", "12345");
	FAILS(rump_sys_getxattr("/f", "user.a", buf, 4), ERANGE);
	RETURNS(rump_sys_getxattr("/f", "user.a", buf, 5), 5);
}

Test(xattr, missing_is_enodata)
{
	mkfile("/f", 0644);
	FAILS(rump_sys_getxattr("/f", "user.nope", NULL, 0), ENODATA);
	set_ok("/f", "user.a", "1");
	FAILS(rump_sys_getxattr("/f", "user.nope", NULL, 0), ENODATA);
	FAILS(rump_sys_removexattr("/f", "user.nope"), ENODATA);
}

Test(xattr, bad_pointers_are_efault)
{
	char buf[8];

	mkfile("/f", 0644);
	set_ok("/f", "user.a", "1");
	FAILS(rump_sys_setxattr("/f", "user.b", NULL, 5, 0), EFAULT);
	FAILS(rump_sys_setxattr("/f", "user.b", (void *)1, 5, 0), EFAULT);
	FAILS(rump_sys_setxattr("/f", (void *)1, "v", 1, 0), EFAULT);
	FAILS(rump_sys_setxattr((void *)1, "user.b", "v", 1, 0), EFAULT);
	FAILS(rump_sys_getxattr("/f", "user.a", NULL, 10), EFAULT);
	FAILS(rump_sys_getxattr("/f", (void *)1, buf, 10), EFAULT);
	FAILS(rump_sys_listxattr("/f", (void *)1, 100), EFAULT);
	/* a missing value is ENODATA before the buffer is used */
	FAILS(rump_sys_getxattr("/f", "user.nope", NULL, 10), ENODATA);
	FAILS(rump_sys_getxattr("/f", "user.b", buf, 10), ENODATA);
}

/* ---- lists and removal ----------------------------------------------------- */

Test(xattr, list_is_names_greatest_first)
{
	mkfile("/f", 0644);
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/f"), "");
	RETURNS(rump_sys_listxattr("/f", NULL, 0), 0);
	set_ok("/f", "user.b", "1");
	set_ok("/f", "user.a", "1");
	set_ok("/f", "user.c", "1");
	set_ok("/f", "trusted.t", "1");
	set_ok("/f", "security.s", "1");
	set_ok("/f", "user.aa", "1");
	/* Linux's tmpfs order, from the host */
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/f"),
			 "user.c|user.b|user.aa|user.a|trusted.t|security.s|");
	set_ok("/f", "user.b", "22"); /* a new value keeps the place */
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/f"),
			 "user.c|user.b|user.aa|user.a|trusted.t|security.s|");
	RETURNS(rump_sys_listxattr("/f", NULL, 0), 50);
}

Test(xattr, list_small_buffer_is_erange)
{
	char buf[8];

	mkfile("/f", 0644);
	set_ok("/f", "user.abc", "1");
	FAILS(rump_sys_listxattr("/f", buf, 3), ERANGE);
	FAILS(rump_sys_listxattr("/f", buf, 8), ERANGE);
	RETURNS(rump_sys_listxattr("/f", buf, 9), 9);
	RETURNS(rump_sys_listxattr("/f", big, 0x7fffffff), 9);
}

/* A list longer than 64 KiB: its size, ERANGE for a small buffer,
 * E2BIG for any of 64 KiB or more (the host's figures). */
Test(xattr, list_over_64k_is_e2big)
{
	static char lbig[200000];
	char n[256];

	mkfile("/f", 0644);
	for (int i = 0; i < 300; i++) {
		memset(n, 'a', 255);
		n[255] = '\0';
		memcpy(n, "user.", 5);
		snprintf(n + 5, 8, "%05d", i);
		n[10] = 'x';
		RETURNS(rump_sys_setxattr("/f", n, "", 0, 0), 0);
	}
	RETURNS(rump_sys_listxattr("/f", NULL, 0), 76800);
	FAILS(rump_sys_listxattr("/f", lbig, 1000), ERANGE);
	FAILS(rump_sys_listxattr("/f", lbig, 65536), E2BIG);
	FAILS(rump_sys_listxattr("/f", lbig, sizeof(lbig)), E2BIG);
}

Test(xattr, remove)
{
	mkfile("/f", 0644);
	set_ok("/f", "user.a", "1");
	set_ok("/f", "user.b", "1");
	RETURNS(rump_sys_removexattr("/f", "user.a"), 0);
	FAILS(rump_sys_removexattr("/f", "user.a"), ENODATA);
	FAILS(rump_sys_getxattr("/f", "user.a", NULL, 0), ENODATA);
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/f"), "user.b|");
	RETURNS(rump_sys_removexattr("/f", "user.b"), 0);
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/f"), "");
}

Test(xattr, ctime_changes_on_set_and_remove_only)
{
	struct timespec t0, t1;

	mkfile("/f", 0644);
	t0 = ctime_of("/f");
	sleep_ms(5);
	set_ok("/f", "user.c", "1");
	t1 = ctime_of("/f");
	cr_assert(!ts_eq(t0, t1), "set left ctime");
	sleep_ms(5);
	FAILS(rump_sys_setxattr("/f", "user.c", "1", 1, XATTR_CREATE), EEXIST);
	FAILS(rump_sys_removexattr("/f", "user.nope"), ENODATA);
	RETURNS(rump_sys_getxattr("/f", "user.c", NULL, 0), 1);
	RETURNS(rump_sys_listxattr("/f", NULL, 0), 7);
	cr_assert(ts_eq(t1, ctime_of("/f")), "a failure or a read moved ctime");
	RETURNS(rump_sys_removexattr("/f", "user.c"), 0);
	cr_assert(!ts_eq(t1, ctime_of("/f")), "remove left ctime");
}

/* ---- file types ------------------------------------------------------------ */

Test(xattr, symlinks_and_the_l_forms)
{
	char buf[8];

	mkfile("/f", 0644);
	RETURNS(rump_sys_symlink("f", "/l"), 0);
	RETURNS(rump_sys_symlink("nowhere", "/dl"), 0);
	/* the plain forms follow */
	set_ok("/l", "user.viaL", "1");
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/f"), "user.viaL|");
	/* the l- forms act on the link: no user.* there */
	FAILS(rump_sys_lsetxattr("/l", "user.x", "1", 1, 0), EPERM);
	FAILS(rump_sys_lgetxattr("/l", "user.x", buf, 8), ENODATA);
	FAILS(rump_sys_lremovexattr("/l", "user.x"), EPERM);
	RETURNS(rump_sys_llistxattr("/l", buf, 8), 0);
	RETURNS(rump_sys_lsetxattr("/l", "trusted.x", "1", 1, 0), 0);
	cr_assert_str_eq(list_str(rump_sys_llistxattr, "/l"), "trusted.x|");
	RETURNS(rump_sys_lgetxattr("/l", "trusted.x", buf, 8), 1);
	RETURNS(rump_sys_lremovexattr("/l", "trusted.x"), 0);
	FAILS(rump_sys_setxattr("/dl", "user.x", "1", 1, 0), ENOENT);
	FAILS(rump_sys_getxattr("/dl", "user.x", buf, 8), ENOENT);
}

Test(xattr, user_only_on_regular_files_and_directories)
{
	static const char *const paths[] = { "/fifo", "/sock", "/chr" };
	char buf[8];

	RETURNS(rump_sys_mknod("/fifo", S_IFIFO | 0644, 0), 0);
	RETURNS(rump_sys_mknod("/sock", S_IFSOCK | 0644, 0), 0);
	RETURNS(rump_sys_mknod("/chr", S_IFCHR | 0644, makedev(1, 3)), 0);
	RETURNS(rump_sys_mkdir("/d", 0755), 0);
	for (size_t i = 0; i < 3; i++) {
		FAILS(rump_sys_lsetxattr(paths[i], "user.x", "1", 1, 0), EPERM);
		FAILS(rump_sys_lgetxattr(paths[i], "user.x", buf, 8), ENODATA);
		FAILS(rump_sys_lremovexattr(paths[i], "user.x"), EPERM);
		/* other namespaces are there */
		RETURNS(rump_sys_lsetxattr(paths[i], "trusted.x", "1", 1, 0),
			0);
		FAILS(rump_sys_lsetxattr(paths[i], "foo.x", "1", 1, 0),
		      EOPNOTSUPP);
	}
	RETURNS(rump_sys_setxattr("/d", "user.x", "1", 1, 0), 0);
	RETURNS(rump_sys_setxattr("/d/", "user.y", "1", 1, 0), 0);
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/d"), "user.y|user.x|");
	mkfile("/f", 0644);
	FAILS(rump_sys_setxattr("/f/", "user.x", "1", 1, 0), ENOTDIR);
}

Test(xattr, lookup_errors)
{
	char buf[8];

	mkfile("/f", 0644);
	FAILS(rump_sys_setxattr("", "user.a", "1", 1, 0), ENOENT);
	FAILS(rump_sys_listxattr("", buf, 8), ENOENT);
	FAILS(rump_sys_listxattr("/nonexist", buf, 8), ENOENT);
	FAILS(rump_sys_listxattr("/f/x", buf, 8), ENOTDIR);
	FAILS(rump_sys_removexattr("/nonexist", "user.a"), ENOENT);
}

/* ---- privilege and permission --------------------------------------------- */

Test(xattr, trusted_needs_privilege)
{
	char buf[8];

	mkfile("/f", 0666);
	set_ok("/f", "trusted.t", "1");
	set_ok("/f", "user.u", "1");
	become(1000, 1000);
	FAILS(rump_sys_setxattr("/f", "trusted.x", "1", 1, 0), EPERM);
	FAILS(rump_sys_getxattr("/f", "trusted.t", buf, 8), ENODATA);
	FAILS(rump_sys_removexattr("/f", "trusted.t"), EPERM);
	/* and hidden from lists */
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/f"), "user.u|");
	RETURNS(rump_sys_listxattr("/f", NULL, 0), 7);
}

Test(xattr, security_changes_need_privilege)
{
	char buf[8];

	mkfile("/f", 0666);
	set_ok("/f", "security.s", "1");
	become(1000, 1000);
	/* read freely, even without read permission on the file */
	RETURNS(rump_sys_getxattr("/f", "security.s", buf, 8), 1);
	FAILS(rump_sys_setxattr("/f", "security.x", "1", 1, 0), EPERM);
	FAILS(rump_sys_setxattr("/f", "security.", "1", 1, 0), EPERM);
	FAILS(rump_sys_removexattr("/f", "security.s"), EPERM);
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/f"), "security.s|");
}

Test(xattr, user_needs_file_permission)
{
	char buf[8];

	mkfile("/f", 0644);
	mkfile("/z", 0000);
	set_ok("/f", "user.a", "1");
	set_ok("/z", "user.a", "1");
	RETURNS(rump_sys_mkdir("/nox", 0700), 0);
	mkfile("/nox/in", 0666);
	become(1000, 1000);
	FAILS(rump_sys_setxattr("/f", "user.x", "1", 1, 0), EACCES);
	FAILS(rump_sys_removexattr("/f", "user.a"), EACCES);
	FAILS(rump_sys_removexattr("/f", "user.nope"), EACCES);
	RETURNS(rump_sys_getxattr("/f", "user.a", buf, 8), 1);
	FAILS(rump_sys_getxattr("/z", "user.a", buf, 8), EACCES);
	/* lists need no permission on the file */
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/z"), "user.a|");
	/* unknown namespaces: permission first */
	FAILS(rump_sys_setxattr("/f", "foo.x", "1", 1, 0), EACCES);
	FAILS(rump_sys_getxattr("/z", "foo.x", buf, 8), EACCES);
	RETURNS(rump_sys_getxattr("/f", "foo.x", buf, 8), -1);
	/* a path it cannot search */
	FAILS(rump_sys_getxattr("/nox/in", "user.y", buf, 8), EACCES);
	FAILS(rump_sys_listxattr("/nox/in", buf, 8), EACCES);
	/* a descriptor is no permission: the inode's rules */
	int fd = rump_sys_open("/f", O_RDONLY);
	cr_assert_geq(fd, 0);
	FAILS(rump_sys_fsetxattr(fd, "user.q", "1", 1, 0), EACCES);
	FAILS(rump_sys_fremovexattr(fd, "user.a"), EACCES);
	RETURNS(rump_sys_fgetxattr(fd, "user.a", buf, 8), 1);
}

Test(xattr, owner_needs_write_permission_too)
{
	mkfile("/o", 0644);
	mkfile("/o0", 0444);
	RETURNS(rump_sys_chown("/o", 1000, 1000), 0);
	RETURNS(rump_sys_chown("/o0", 1000, 1000), 0);
	become(1000, 1000);
	set_ok("/o", "user.y", "1");
	FAILS(rump_sys_setxattr("/o0", "user.y", "1", 1, 0), EACCES);
	FAILS(rump_sys_removexattr("/o0", "user.y"), EACCES);
}

Test(xattr, root_overrides_permission_bits)
{
	char buf[8];

	mkfile("/z", 0000);
	set_ok("/z", "user.y", "1");
	RETURNS(rump_sys_getxattr("/z", "user.y", buf, 8), 1);
	int fd = rump_sys_open("/z", O_RDONLY);
	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_fsetxattr(fd, "user.ro", "1", 1, 0), 0);
}

Test(xattr, sticky_directory_needs_owner_for_user)
{
	char buf[8];

	RETURNS(rump_sys_mkdir("/sticky", 01777), 0);
	RETURNS(rump_sys_chmod("/sticky", 01777), 0);
	RETURNS(rump_sys_mkdir("/stickyo", 01777), 0);
	RETURNS(rump_sys_chmod("/stickyo", 01777), 0);
	RETURNS(rump_sys_chown("/stickyo", 1000, 1000), 0);
	RETURNS(rump_sys_mkdir("/open", 0777), 0);
	RETURNS(rump_sys_chmod("/open", 0777), 0);
	set_ok("/sticky", "user.x", "1");
	become(1000, 1000);
	/* write permission is there, but not ownership */
	FAILS(rump_sys_setxattr("/sticky", "user.y", "1", 1, 0), EPERM);
	FAILS(rump_sys_removexattr("/sticky", "user.x"), EPERM);
	RETURNS(rump_sys_getxattr("/sticky", "user.x", buf, 8), 1);
	set_ok("/stickyo", "user.y", "1");
	set_ok("/open", "user.y", "1");
}

/* Root with another file-system uid: the file capabilities are gone
 * (CAP_DAC_OVERRIDE, CAP_FOWNER), CAP_SYS_ADMIN stays (host-checked). */
Test(xattr, fsuid_drops_file_caps_not_sys_admin)
{
	char buf[8];

	mkfile("/f", 0644);
	mkfile("/z", 0000);
	set_ok("/z", "trusted.x", "1");
	set_ok("/z", "user.x", "1");
	RETURNS(rump_sys_mkdir("/sticky", 01777), 0);
	RETURNS(rump_sys_chmod("/sticky", 01777), 0);
	rfork_ok(RUMP_RFFDG);
	rump_sys_setfsgid(1000);
	rump_sys_setfsuid(1000);
	FAILS(rump_sys_setxattr("/f", "user.x", "1", 1, 0), EACCES);
	RETURNS(rump_sys_getxattr("/z", "trusted.x", buf, 8), 1);
	FAILS(rump_sys_getxattr("/z", "user.x", buf, 8), EACCES);
	FAILS(rump_sys_setxattr("/sticky", "user.y", "1", 1, 0), EPERM);
	RETURNS(rump_sys_setxattr("/sticky", "trusted.y", "1", 1, 0), 0);
	RETURNS(rump_sys_setxattr("/z", "security.q", "1", 1, 0), 0);
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/z"),
			 "user.x|trusted.x|security.q|");
}

/* security.capability takes a revision 2 or 3 header only, from a
 * privileged caller; revision 3 with root 0 reads back as revision 2. */
Test(xattr, security_capability)
{
	unsigned char v2[20] = { 0, 0, 0, 2, 0x20 }, v3[24] = { 1, 0, 0, 3, 1 };
	unsigned char buf[32];

	mkfile("/f", 0666);
	FAILS(rump_sys_setxattr("/f", "security.capability", "v", 1, 0),
	      EINVAL);
	FAILS(rump_sys_setxattr("/f", "security.capability", v2, 19, 0),
	      EINVAL);
	FAILS(rump_sys_setxattr("/f", "security.capability", v3, 20, 0),
	      EINVAL);
	RETURNS(rump_sys_setxattr("/f", "security.capability", v2, 20, 0), 0);
	RETURNS(rump_sys_getxattr("/f", "security.capability", buf, 32), 20);
	cr_assert_eq(memcmp(buf, v2, 20), 0);
	RETURNS(rump_sys_setxattr("/f", "security.capability", v3, 24, 0), 0);
	RETURNS(rump_sys_getxattr("/f", "security.capability", buf, 32), 20);
	cr_assert_eq(buf[3], 2);
	cr_assert_eq(buf[0], 1); /* the effective flag stays */
	cr_assert_eq(buf[4], 1);
	v3[20] = 7; /* a root of uid 7 */
	RETURNS(rump_sys_setxattr("/f", "security.capability", v3, 24, 0), 0);
	RETURNS(rump_sys_getxattr("/f", "security.capability", buf, 32), 24);
	cr_assert_eq(buf[20], 7);
	/* an empty value is taken (and unreadable), even from a user */
	RETURNS(rump_sys_setxattr("/f", "security.capability", "", 0, 0), 0);
	FAILS(rump_sys_getxattr("/f", "security.capability", buf, 32), EINVAL);
	FAILS(rump_sys_getxattr("/f", "security.capability", NULL, 0), EINVAL);
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/f"),
			 "security.capability|");
	RETURNS(rump_sys_removexattr("/f", "security.capability"), 0);
	mkfile("/g", 0644);
	become(1000, 1000);
	RETURNS(rump_sys_setxattr("/g", "security.capability", "", 0, 0), 0);
	FAILS(rump_sys_setxattr("/f", "security.capability", "v", 1, 0),
	      EINVAL);
	FAILS(rump_sys_setxattr("/f", "security.capability", v2, 20, 0), EPERM);
	FAILS(rump_sys_removexattr("/f", "security.capability"), EPERM);
}

/* A write, truncation, allocation or chown drops the file
 * capabilities, whoever does it; a read, chmod or touch does not (the
 * host's tmpfs, probed as root). */
static void
caps_set(const char *p)
{
	static const unsigned char v2[20] = { 0, 0, 0, 2, 0x20 };

	RETURNS(rump_sys_setxattr(p, "security.capability", v2, 20, 0), 0);
}

static bool
caps_there(const char *p)
{
	return rump_sys_getxattr(p, "security.capability", NULL, 0) == 20;
}

static void
caps_dropped_by_changes(const char *p, int fd)
{
	char buf[4];

	caps_set(p);
	set_ok(p, "user.keep", "1");
	RETURNS(rump_sys_write(fd, "x", 1), 1);
	cr_assert(!caps_there(p), "write kept the capabilities");
	cr_assert_str_eq(get_str(p, "user.keep"), "1");
	caps_set(p);
	RETURNS(rump_sys_pwrite(fd, "", 0, 0), 0);
	cr_assert(caps_there(p), "an empty write dropped them");
	RETURNS(rump_sys_ftruncate(fd, 10), 0);
	cr_assert(!caps_there(p), "ftruncate kept them");
	caps_set(p);
	RETURNS(rump_sys_fallocate(fd, 0, 0, 100), 0);
	cr_assert(!caps_there(p), "fallocate kept them");
	caps_set(p);
	RETURNS(rump_sys_fchown(fd, -1, -1), 0);
	cr_assert(!caps_there(p), "fchown kept them");
	caps_set(p);
	RETURNS(rump_sys_fchmod(fd, 0755), 0);
	RETURNS(rump_sys_pread(fd, buf, 1, 0), 1);
	RETURNS(rump_sys_futimens(fd, NULL), 0);
	cr_assert(caps_there(p), "chmod, read or touch dropped them");
}

Test(xattr, changes_drop_file_capabilities)
{
	int fd;

	mkfile("/f", 0755);
	fd = rump_sys_open("/f", O_RDWR);
	cr_assert_geq(fd, 0);
	caps_dropped_by_changes("/f", fd);
	RETURNS(rump_sys_truncate("/f", 1), 0);
	cr_assert(!caps_there("/f"));
	caps_set("/f");
	RETURNS(rump_sys_chown("/f", 0, 0), 0);
	cr_assert(!caps_there("/f"));
	/* O_TRUNC is a truncation */
	caps_set("/f");
	rump_sys_close(rump_sys_open("/f", O_RDWR | O_TRUNC));
	cr_assert(!caps_there("/f"));
}

/* Copies into the file are writes (copy_file_range, sendfile); one of
 * no bytes is none. */
Test(xattr, copies_drop_file_capabilities)
{
	loff_t a = 0, b = 0;
	off_t o = 0;
	int s, fd, m;

	mkfile("/src", 0644);
	s = rump_sys_open("/src", O_RDWR);
	RETURNS(rump_sys_write(s, "hello", 5), 5);
	mkfile("/f", 0755);
	fd = rump_sys_open("/f", O_RDWR);
	caps_set("/f");
	RETURNS(rump_sys_copy_file_range(s, &a, fd, &b, 0, 0), 0);
	cr_assert(caps_there("/f"));
	RETURNS(rump_sys_copy_file_range(s, &a, fd, &b, 5, 0), 5);
	cr_assert(!caps_there("/f"));
	caps_set("/f");
	RETURNS(rump_sys_sendfile(fd, s, &o, 5), 5);
	cr_assert(!caps_there("/f"));
	/* and into a memfd */
	static const unsigned char v2[20] = { 0, 0, 0, 2, 0x20 };
	m = rump_sys_memfd_create("m", 0);
	RETURNS(rump_sys_fsetxattr(m, "security.capability", v2, 20, 0), 0);
	o = 0;
	RETURNS(rump_sys_sendfile(m, s, &o, 5), 5);
	FAILS(rump_sys_fgetxattr(m, "security.capability", NULL, 0), ENODATA);
}

Test(xattr, memfd_changes_drop_file_capabilities)
{
	static const unsigned char v2[20] = { 0, 0, 0, 2, 0x20 };
	int m = rump_sys_memfd_create("m", 0);

	cr_assert_geq(m, 0);
	RETURNS(rump_sys_fsetxattr(m, "security.capability", v2, 20, 0), 0);
	RETURNS(rump_sys_write(m, "x", 1), 1);
	FAILS(rump_sys_fgetxattr(m, "security.capability", NULL, 0), ENODATA);
	RETURNS(rump_sys_fsetxattr(m, "security.capability", v2, 20, 0), 0);
	RETURNS(rump_sys_fchmod(m, 0700), 0);
	RETURNS(rump_sys_fgetxattr(m, "security.capability", NULL, 0), 20);
	RETURNS(rump_sys_fchown(m, -1, -1), 0);
	FAILS(rump_sys_fgetxattr(m, "security.capability", NULL, 0), ENODATA);
	RETURNS(rump_sys_fsetxattr(m, "security.capability", v2, 20, 0), 0);
	RETURNS(rump_sys_ftruncate(m, 0), 0);
	FAILS(rump_sys_fgetxattr(m, "security.capability", NULL, 0), ENODATA);
}

/* ---- the inode's life ----------------------------------------------------- */

Test(xattr, hard_links_share_rename_keeps)
{
	mkfile("/f", 0644);
	set_ok("/f", "user.a", "1");
	RETURNS(rump_sys_link("/f", "/f2"), 0);
	cr_assert_str_eq(get_str("/f2", "user.a"), "1");
	set_ok("/f2", "user.b", "2");
	cr_assert_str_eq(get_str("/f", "user.b"), "2");
	RETURNS(rump_sys_rename("/f2", "/f3"), 0);
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/f3"), "user.b|user.a|");
	RETURNS(rump_sys_mkdir("/d", 0755), 0);
	set_ok("/d", "user.d", "1");
	RETURNS(rump_sys_rename("/d", "/e"), 0);
	cr_assert_str_eq(get_str("/e", "user.d"), "1");
}

Test(xattr, unlinked_open_file_keeps_them)
{
	char buf[8];
	int fd;

	mkfile("/f", 0644);
	set_ok("/f", "user.a", "1");
	fd = rump_sys_open("/f", O_RDWR);
	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_unlink("/f"), 0);
	RETURNS(rump_sys_fgetxattr(fd, "user.a", buf, 8), 1);
	RETURNS(rump_sys_fsetxattr(fd, "user.q", "v", 1, 0), 0);
	FAILS(rump_sys_flistxattr(fd, buf, 8), ERANGE);
	RETURNS(rump_sys_flistxattr(fd, NULL, 0), 14);
}

Test(xattr, a_new_file_on_a_reused_node_has_none)
{
	/* Nodes come from a pool: a freed node's attributes must go. */
	for (int i = 0; i < 50; i++) {
		char p[32];

		snprintf(p, sizeof(p), "/f%d", i);
		mkfile(p, 0644);
		set_ok(p, "user.a", "1");
		RETURNS(rump_sys_unlink(p), 0);
		mkfile(p, 0644);
		RETURNS(rump_sys_listxattr(p, NULL, 0), 0);
		RETURNS(rump_sys_unlink(p), 0);
	}
}

/* Many nodes with attributes (the mount's table grows), then unmount:
 * everything freed (ASan's leak check). */
Test(xattr, many_files_then_unmount)
{
	char p[64];

	RETURNS(rump_sys_mkdir("/mnt", 0755), 0);
	RETURNS(rump_sys_mount("none", "/mnt", "tmpfs", 0, NULL), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(p, sizeof(p), "/mnt/f%d", i);
		mkfile(p, 0644);
		set_ok(p, "user.a", p);
		set_ok(p, "trusted.b", "x");
	}
	for (int i = 0; i < 300; i += 7) {
		snprintf(p, sizeof(p), "/mnt/f%d", i);
		cr_assert_str_eq(get_str(p, "user.a"), p);
	}
	for (int i = 0; i < 300; i += 2) {
		snprintf(p, sizeof(p), "/mnt/f%d", i);
		RETURNS(rump_sys_unlink(p), 0);
	}
	RETURNS(rump_sys_umount("/mnt"), 0);
}

/* ---- inode space: nr_inodes, not size= ------------------------------------ */

static long
ffree_of(const char *path)
{
	struct statfs sf;

	RETURNS(rump_sys_statfs(path, &sf), 0);
	return (long)sf.f_ffree;
}

/* Attributes take the mount's inode space (nr_inodes * 1024 bytes; 40
 * plus name plus value each), not its size= pages: the figures of the
 * host's tmpfs with size=16k,nr_inodes=3. */
Test(xattr, attributes_take_inode_space)
{
	char n[32];
	int i;

	RETURNS(rump_sys_mkdir("/mnt", 0755), 0);
	RETURNS(rump_sys_mount("none", "/mnt", "tmpfs", 0,
			       "size=16k,nr_inodes=3"),
		0);
	mkfile("/mnt/f", 0644);
	for (i = 0; i < 2000; i++) {
		snprintf(n, sizeof(n), "user.n%d", i);
		if (rump_sys_setxattr("/mnt/f", n, "", 0, 0) != 0)
			break;
	}
	cr_assert_eq(i, 21, "%d empty attributes fit, the host's 21", i);
	cr_assert_eq(errno, ENOSPC);
	FAILS(rump_sys_setxattr("/mnt/f", "user.n1", "abc", 3, 0), ENOSPC);
	RETURNS(rump_sys_removexattr("/mnt/f", "user.n1"), 0);
	RETURNS(rump_sys_setxattr("/mnt/f", "user.n1", "abc", 3, 0), 0);
	/* the new value's space first: ENOSPC before the flags */
	FAILS(rump_sys_setxattr("/mnt/f", "user.n2", "", 0, XATTR_REPLACE),
	      ENOSPC);
	FAILS(rump_sys_setxattr("/mnt/f", "user.none", "", 0, XATTR_REPLACE),
	      ENOSPC);
	FAILS(rump_sys_open("/mnt/g", O_CREAT | O_RDWR, 0644), ENOSPC);
	RETURNS(ffree_of("/mnt"), 0);
	/* the file goes, and its attributes' space with it */
	RETURNS(rump_sys_unlink("/mnt/f"), 0);
	RETURNS(ffree_of("/mnt"), 2);
	RETURNS(rump_sys_umount("/mnt"), 0);
}

Test(xattr, size_limit_does_not_count_attributes)
{
	char n[32];

	RETURNS(rump_sys_mkdir("/mnt", 0755), 0);
	RETURNS(rump_sys_mount("none", "/mnt", "tmpfs", 0, "size=16k"), 0);
	mkfile("/mnt/f", 0644);
	for (int i = 0; i < 20; i++) {
		snprintf(n, sizeof(n), "user.n%d", i);
		RETURNS(rump_sys_setxattr("/mnt/f", n, big, 60000, 0), 0);
	}
	RETURNS(rump_sys_umount("/mnt"), 0);
}

/* nr_inodes as the host's tmpfs counts it: each node, each link beyond
 * the first (given back when it goes, also by a rename over it). */
Test(xattr, nr_inodes_counts_nodes_and_links)
{
	struct statfs sf;
	int fd;

	RETURNS(rump_sys_mkdir("/mnt", 0755), 0);
	RETURNS(rump_sys_mount("none", "/mnt", "tmpfs", 0, "nr_inodes=3"), 0);
	RETURNS(rump_sys_statfs("/mnt", &sf), 0);
	cr_assert_eq(sf.f_files, 3);
	cr_assert_eq(sf.f_ffree, 2);
	mkfile("/mnt/f", 0644);
	RETURNS(ffree_of("/mnt"), 1);
	RETURNS(rump_sys_link("/mnt/f", "/mnt/f2"), 0);
	RETURNS(ffree_of("/mnt"), 0);
	FAILS(rump_sys_link("/mnt/f", "/mnt/f3"), ENOSPC);
	FAILS(rump_sys_open("/mnt/g", O_CREAT | O_RDWR, 0644), ENOSPC);
	FAILS(rump_sys_open("/mnt", O_TMPFILE | O_RDWR, 0644), ENOSPC);
	FAILS(rump_sys_mkdir("/mnt/d", 0755), ENOSPC);
	FAILS(rump_sys_symlink("x", "/mnt/s"), ENOSPC);
	FAILS(rump_sys_setxattr("/mnt/f", "user.a", "", 0, 0), ENOSPC);
	RETURNS(rump_sys_unlink("/mnt/f2"), 0);
	RETURNS(ffree_of("/mnt"), 1);
	RETURNS(rump_sys_setxattr("/mnt/f", "user.a", "", 0, 0), 0);
	RETURNS(rump_sys_setxattr("/mnt/f", "user.b", "0123456789", 10, 0), 0);
	RETURNS(ffree_of("/mnt"), 0);
	/* remount: not below what is used */
	FAILS(rump_sys_mount("none", "/mnt", NULL, MS_REMOUNT, "nr_inodes=2"),
	      EINVAL);
	RETURNS(rump_sys_mount("none", "/mnt", NULL, MS_REMOUNT, "nr_inodes=3"),
		0);
	RETURNS(rump_sys_mount("none", "/mnt", NULL, MS_REMOUNT,
			       "nr_inodes=10"),
		0);
	RETURNS(ffree_of("/mnt"), 7);
	RETURNS(rump_sys_rename("/mnt/f", "/mnt/f9"), 0);
	RETURNS(rump_sys_link("/mnt/f9", "/mnt/h"), 0);
	RETURNS(ffree_of("/mnt"), 6);
	fd = rump_sys_open("/mnt/g", O_CREAT | O_RDWR, 0644);
	cr_assert_geq(fd, 0);
	rump_sys_close(fd);
	RETURNS(ffree_of("/mnt"), 5);
	RETURNS(rump_sys_rename("/mnt/g", "/mnt/h"), 0); /* over a link */
	RETURNS(ffree_of("/mnt"), 6);
	/* 0 lifts the limit, which cannot come back */
	RETURNS(rump_sys_mount("none", "/mnt", NULL, MS_REMOUNT, "nr_inodes=0"),
		0);
	RETURNS(rump_sys_statfs("/mnt", &sf), 0);
	cr_assert_eq(sf.f_files, 0);
	cr_assert_eq(sf.f_ffree, 0);
	FAILS(rump_sys_mount("none", "/mnt", NULL, MS_REMOUNT, "nr_inodes=5"),
	      EINVAL);
	RETURNS(rump_sys_umount("/mnt"), 0);
	RETURNS(rump_sys_mount("none", "/mnt", "tmpfs", 0, "nr_inodes=1k"), 0);
	RETURNS(rump_sys_statfs("/mnt", &sf), 0);
	cr_assert_eq(sf.f_files, 1024);
	cr_assert_eq(sf.f_ffree, 1023);
	RETURNS(rump_sys_umount("/mnt"), 0);
	FAILS(rump_sys_mount("none", "/mnt", "tmpfs", 0, "nr_inodes=x"),
	      EINVAL);
	FAILS(rump_sys_mount("none", "/mnt", "tmpfs", 0, "nr_inodes="), EINVAL);
	RETURNS(rump_sys_mount("none", "/mnt", "tmpfs", 0, "nr_inodes=1"), 0);
	FAILS(rump_sys_open("/mnt/g", O_CREAT | O_RDWR, 0644), ENOSPC);
	RETURNS(rump_sys_umount("/mnt"), 0);
}

/* ---- descriptors ----------------------------------------------------------- */

Test(xattr, f_forms)
{
	char buf[16];
	int fd, dfd;

	mkfile("/f", 0644);
	RETURNS(rump_sys_mkdir("/d", 0755), 0);
	fd = rump_sys_open("/f", O_WRONLY);
	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_fsetxattr(fd, "user.wo", "v", 1, 0), 0);
	RETURNS(rump_sys_fgetxattr(fd, "user.wo", buf, 16), 1);
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/f"), "user.wo|");
	RETURNS(rump_sys_flistxattr(fd, buf, 16), 8);
	RETURNS(rump_sys_fremovexattr(fd, "user.wo"), 0);
	dfd = rump_sys_open("/d", O_RDONLY | O_DIRECTORY);
	RETURNS(rump_sys_fsetxattr(dfd, "user.dir", "v", 1, 0), 0);
	cr_assert_str_eq(get_str("/d", "user.dir"), "v");
}

Test(xattr, bad_and_o_path_descriptors_are_ebadf)
{
	char buf[8];
	int fd;

	mkfile("/f", 0644);
	FAILS(rump_sys_fsetxattr(-1, "user.x", "v", 1, 0), EBADF);
	FAILS(rump_sys_fsetxattr(999, "user.x", "v", 1, 0), EBADF);
	FAILS(rump_sys_fgetxattr(999, "user.x", buf, 1), EBADF);
	FAILS(rump_sys_flistxattr(999, buf, 1), EBADF);
	FAILS(rump_sys_fremovexattr(999, "user.x"), EBADF);
	/* the arguments are checked first */
	FAILS(rump_sys_fsetxattr(999, "", "v", 1, 0), ERANGE);
	FAILS(rump_sys_fsetxattr(999, "user.x", big, 65537, 0), E2BIG);
	fd = rump_sys_open("/f", O_PATH);
	cr_assert_geq(fd, 0);
	FAILS(rump_sys_fsetxattr(fd, "user.p", "v", 1, 0), EBADF);
	FAILS(rump_sys_fgetxattr(fd, "user.p", buf, 8), EBADF);
	FAILS(rump_sys_flistxattr(fd, buf, 8), EBADF);
	FAILS(rump_sys_fremovexattr(fd, "user.p"), EBADF);
}

/* A memfd is a tmpfs file on Linux: it keeps attributes. */
Test(xattr, memfd_keeps_them)
{
	char buf[32];
	struct stat st0, st1;
	int m = rump_sys_memfd_create("m", 0);

	cr_assert_geq(m, 0);
	RETURNS(rump_sys_fstat(m, &st0), 0);
	sleep_ms(5);
	RETURNS(rump_sys_fsetxattr(m, "user.x", "v", 1, 0), 0);
	RETURNS(rump_sys_fstat(m, &st1), 0);
	cr_assert(!ts_eq(st0.st_ctim, st1.st_ctim));
	RETURNS(rump_sys_fgetxattr(m, "user.x", buf, sizeof(buf)), 1);
	RETURNS(rump_sys_flistxattr(m, buf, sizeof(buf)), 7);
	RETURNS(rump_sys_fsetxattr(m, "trusted.x", "v", 1, 0), 0);
	RETURNS(rump_sys_flistxattr(m, buf, sizeof(buf)), 17);
	FAILS(rump_sys_fsetxattr(m, "user.x", "v", 1, XATTR_CREATE), EEXIST);
	RETURNS(rump_sys_fremovexattr(m, "user.x"), 0);
	FAILS(rump_sys_fremovexattr(m, "user.x"), ENODATA);
	FAILS(rump_sys_fgetxattr(m, "foo.x", buf, 10), EOPNOTSUPP);
	/* shared by every descriptor of it */
	int m2 = rump_sys_dup(m);
	RETURNS(rump_sys_fgetxattr(m2, "trusted.x", buf, sizeof(buf)), 1);
}

/* Pipes, sockets and the anonymous inode keep none; user.* is refused
 * first, as on files that are neither regular nor directories. */
Test(xattr, files_without_a_vnode)
{
	char buf[32];
	int p[2], e, s, fds[3];

	RETURNS(rump_sys_pipe(p), 0);
	e = rump_sys_eventfd(0, 0);
	s = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(e, 0);
	cr_assert_geq(s, 0);
	fds[0] = p[0];
	fds[1] = e;
	fds[2] = s;
	for (int i = 0; i < 3; i++) {
		int fd = fds[i];

		FAILS(rump_sys_fsetxattr(fd, "user.x", "v", 1, 0), EPERM);
		FAILS(rump_sys_fgetxattr(fd, "user.x", buf, 10), ENODATA);
		FAILS(rump_sys_fremovexattr(fd, "user.x"), EPERM);
		FAILS(rump_sys_fsetxattr(fd, "trusted.x", "v", 1, 0),
		      EOPNOTSUPP);
		FAILS(rump_sys_fgetxattr(fd, "trusted.x", buf, 10), EOPNOTSUPP);
		FAILS(rump_sys_fremovexattr(fd, "trusted.x"), EOPNOTSUPP);
		FAILS(rump_sys_fsetxattr(fd, "security.x", "v", 1, 0),
		      EOPNOTSUPP);
		FAILS(rump_sys_fgetxattr(fd, "foo.x", buf, 10), EOPNOTSUPP);
		FAILS(rump_sys_fsetxattr(fd, "foo.x", "v", 1, 0), EOPNOTSUPP);
		FAILS(rump_sys_fgetxattr(fd, "system.x", buf, 10), EOPNOTSUPP);
		if (fd != s) {
			RETURNS(rump_sys_flistxattr(fd, buf, sizeof(buf)), 0);
			FAILS(rump_sys_fgetxattr(fd, "security.", buf, 10),
			      EOPNOTSUPP);
			FAILS(rump_sys_fgetxattr(fd, "system.sockprotoname",
						 buf, 10),
			      EOPNOTSUPP);
		}
	}
	FAILS(rump_sys_fsetxattr(p[1], "user.x", "v", 1, 0), EPERM);
}

/* A socket's inode (Linux's sockfs) has one attribute: the protocol's
 * name, listed too; its security.* goes to an LSM with nothing. */
Test(xattr, sockets_name_their_protocol)
{
	static const struct {
		int type;
		const char *proto;
	} socks[] = { { SOCK_STREAM, "UNIX-STREAM" },
		      { SOCK_DGRAM, "UNIX" },
		      { SOCK_SEQPACKET, "UNIX" } };
	char buf[64];
	int sv[2];

	for (size_t i = 0; i < 3; i++) {
		int s = rump_sys_socket(AF_UNIX, socks[i].type, 0);
		size_t len = strlen(socks[i].proto) + 1;

		cr_assert_geq(s, 0);
		memset(buf, 0, sizeof(buf));
		RETURNS(rump_sys_fgetxattr(s, "system.sockprotoname", buf, 64),
			len);
		cr_assert_str_eq(buf, socks[i].proto);
		RETURNS(rump_sys_fgetxattr(s, "system.sockprotoname", NULL, 0),
			len);
		FAILS(rump_sys_fgetxattr(s, "system.sockprotoname", buf, 3),
		      ERANGE);
		FAILS(rump_sys_fgetxattr(s, "system.sockprotoname", (void *)1,
					 64),
		      EFAULT);
		FAILS(rump_sys_fsetxattr(s, "system.sockprotoname", "x", 1, 0),
		      EOPNOTSUPP);
		FAILS(rump_sys_fremovexattr(s, "system.sockprotoname"),
		      EOPNOTSUPP);
		FAILS(rump_sys_fgetxattr(s, "system.sockprotonameX", buf, 64),
		      EOPNOTSUPP);
		RETURNS(rump_sys_flistxattr(s, NULL, 0), 21);
		RETURNS(rump_sys_flistxattr(s, buf, 21), 21);
		cr_assert_str_eq(buf, "system.sockprotoname");
		FAILS(rump_sys_flistxattr(s, buf, 20), ERANGE);
		FAILS(rump_sys_fgetxattr(s, "security.", buf, 64), EINVAL);
		FAILS(rump_sys_fsetxattr(s, "security.", "x", 1, 0), EINVAL);
		FAILS(rump_sys_fremovexattr(s, "security."), EINVAL);
		FAILS(rump_sys_fremovexattr(s, "security.x"), EAGAIN);
		FAILS(rump_sys_fgetxattr(s, "trusted.", buf, 64), EOPNOTSUPP);
		FAILS(rump_sys_fgetxattr(s, "user.", buf, 64), ENODATA);
	}
	RETURNS(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	RETURNS(rump_sys_fgetxattr(sv[0], "system.sockprotoname", buf, 64), 12);
	/* no permission needed; security.* changes need privilege first */
	become(1000, 1000);
	RETURNS(rump_sys_fgetxattr(sv[1], "system.sockprotoname", buf, 64), 12);
	FAILS(rump_sys_fgetxattr(sv[1], "security.", buf, 64), EINVAL);
	FAILS(rump_sys_fsetxattr(sv[1], "security.x", "x", 1, 0), EPERM);
	FAILS(rump_sys_fgetxattr(sv[1], "trusted.x", buf, 64), ENODATA);
	RETURNS(rump_sys_flistxattr(sv[1], buf, 64), 21);
}

/* ---- other file systems ---------------------------------------------------- */

Test(xattr, read_only_mount_is_erofs)
{
	char buf[8];

	RETURNS(rump_sys_mkdir("/mnt", 0755), 0);
	RETURNS(rump_sys_mount("none", "/mnt", "tmpfs", 0, NULL), 0);
	mkfile("/mnt/f", 0644);
	set_ok("/mnt/f", "user.a", "1");
	RETURNS(rump_sys_mount("none", "/mnt", NULL, MS_REMOUNT | MS_RDONLY,
			       NULL),
		0);
	FAILS(rump_sys_setxattr("/mnt/f", "user.b", "", 0, 0), EROFS);
	FAILS(rump_sys_setxattr("/mnt/f", "foo.b", "", 0, 0), EROFS);
	FAILS(rump_sys_lsetxattr("/mnt/f", "trusted.x", "", 0, 0), EROFS);
	FAILS(rump_sys_removexattr("/mnt/f", "user.a"), EROFS);
	FAILS(rump_sys_setxattr("/mnt/f", "user.b", "", 0, 4), EINVAL);
	RETURNS(rump_sys_getxattr("/mnt/f", "user.a", buf, 8), 1);
	FAILS(rump_sys_getxattr("/mnt/f", "user.b", buf, 8), ENODATA);
	cr_assert_str_eq(list_str(rump_sys_listxattr, "/mnt/f"), "user.a|");
}

/* devfs: devices refuse user.* as the host's devtmpfs does; nothing
 * else is kept. */
Test(xattr, devfs_devices)
{
	char buf[8];

	FAILS(rump_sys_getxattr("/dev/null", "user.x", buf, 8), ENODATA);
	FAILS(rump_sys_setxattr("/dev/null", "user.x", "1", 1, 0), EPERM);
	FAILS(rump_sys_removexattr("/dev/null", "user.x"), EPERM);
	RETURNS(rump_sys_listxattr("/dev/null", buf, 8), 0);
	FAILS(rump_sys_getxattr("/dev/null", "foo.x", buf, 8), EOPNOTSUPP);
	FAILS(rump_sys_getxattr("/dev/null", "system.foo", buf, 8), EOPNOTSUPP);
	FAILS(rump_sys_getxattr("/dev/null", "trusted.x", buf, 8), EOPNOTSUPP);
	FAILS(rump_sys_getxattr("/dev", "user.x", buf, 8), EOPNOTSUPP);
	RETURNS(rump_sys_listxattr("/dev", buf, 8), 0);
	int fd = rump_sys_open("/dev/null", O_RDWR);
	cr_assert_geq(fd, 0);
	FAILS(rump_sys_fsetxattr(fd, "user.x", "1", 1, 0), EPERM);
	FAILS(rump_sys_fgetxattr(fd, "user.x", buf, 8), ENODATA);
}

/* ---- the *xattrat calls ---------------------------------------------------- */

Test(xattr, at_calls)
{
	struct xattr_args a = { (uintptr_t) "hello", 5, 0 };
	char buf[64];
	int dfd;

	mkfile("/f", 0644);
	RETURNS(rump_sys_symlink("f", "/lnk"), 0);
	dfd = rump_sys_open("/", O_RDONLY | O_DIRECTORY);
	RETURNS(rump_sys_setxattrat(dfd, "f", 0, "user.at", &a, sizeof(a)), 0);
	a.value = (uintptr_t)buf;
	a.size = sizeof(buf);
	RETURNS(rump_sys_getxattrat(dfd, "f", 0, "user.at", &a, sizeof(a)), 5);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	a.size = 2;
	FAILS(rump_sys_getxattrat(dfd, "f", 0, "user.at", &a, sizeof(a)),
	      ERANGE);
	a.size = 0;
	RETURNS(rump_sys_getxattrat(dfd, "f", 0, "user.at", &a, sizeof(a)), 5);
	RETURNS(rump_sys_getxattrat(AT_FDCWD, "/f", AT_SYMLINK_NOFOLLOW,
				    "user.at", &a, sizeof(a)),
		5);
	RETURNS(rump_sys_listxattrat(dfd, "f", 0, buf, sizeof(buf)), 8);
	RETURNS(rump_sys_listxattrat(dfd, "lnk", 0, buf, sizeof(buf)), 8);
	RETURNS(rump_sys_listxattrat(dfd, "lnk", AT_SYMLINK_NOFOLLOW, buf,
				     sizeof(buf)),
		0);
	a.value = (uintptr_t) "zz";
	a.size = 2;
	FAILS(rump_sys_setxattrat(dfd, "lnk", AT_SYMLINK_NOFOLLOW, "user.at",
				  &a, sizeof(a)),
	      EPERM);
	RETURNS(rump_sys_setxattrat(dfd, "lnk", AT_SYMLINK_NOFOLLOW,
				    "trusted.at", &a, sizeof(a)),
		0);
	a.flags = XATTR_CREATE;
	FAILS(rump_sys_setxattrat(dfd, "f", 0, "user.at", &a, sizeof(a)),
	      EEXIST);
	a.flags = 4;
	FAILS(rump_sys_setxattrat(dfd, "f", 0, "user.at", &a, sizeof(a)),
	      EINVAL);
	a.flags = 0;
	a.size = 65537;
	FAILS(rump_sys_setxattrat(dfd, "f", 0, "user.at", &a, sizeof(a)),
	      E2BIG);
	a.size = 0;
	a.value = 12345; /* no value: never read */
	RETURNS(rump_sys_setxattrat(dfd, "f", 0, "user.at0", &a, sizeof(a)), 0);
	a.size = 3;
	a.value = 0;
	FAILS(rump_sys_setxattrat(dfd, "f", 0, "user.at1", &a, sizeof(a)),
	      EFAULT);
	RETURNS(rump_sys_removexattrat(dfd, "f", 0, "user.at"), 0);
	FAILS(rump_sys_removexattrat(dfd, "f", 0, "user.at"), ENODATA);
	/* the value is read before the path is looked up */
	FAILS(rump_sys_setxattrat(999, "lnk", 0, "user.at", &a, sizeof(a)),
	      EFAULT);
	a.value = (uintptr_t) "v";
	a.size = 1;
	FAILS(rump_sys_setxattrat(999, "lnk", 0, "user.at", &a, sizeof(a)),
	      EBADF);
	/* an absolute path ignores dirfd */
	RETURNS(rump_sys_setxattrat(999, "/f", 0, "user.abs", &a, sizeof(a)),
		0);
}

Test(xattr, at_argument_block)
{
	struct xattr_args a = { 0, 0, 0 };
	unsigned char blk[5000];

	mkfile("/f", 0644);
	set_ok("/f", "user.at", "hello");
	FAILS(rump_sys_getxattrat(AT_FDCWD, "/f", 0, "user.at", &a, 8), EINVAL);
	FAILS(rump_sys_getxattrat(AT_FDCWD, "/f", 0, "user.at", &a, 0), EINVAL);
	FAILS(rump_sys_setxattrat(AT_FDCWD, "/f", 0, "user.at", &a, 8), EINVAL);
	FAILS(rump_sys_getxattrat(AT_FDCWD, "/f", 0, "user.at", NULL,
				  sizeof(a)),
	      EFAULT);
	memset(blk, 0, sizeof(blk));
	/* larger blocks: zeros past what we know are fine, up to a page */
	RETURNS(rump_sys_getxattrat(AT_FDCWD, "/f", 0, "user.at",
				    (struct xattr_args *)blk, 24),
		5);
	RETURNS(rump_sys_getxattrat(AT_FDCWD, "/f", 0, "user.at",
				    (struct xattr_args *)blk, 4096),
		5);
	FAILS(rump_sys_getxattrat(AT_FDCWD, "/f", 0, "user.at",
				  (struct xattr_args *)blk, 4097),
	      E2BIG);
	FAILS(rump_sys_setxattrat(AT_FDCWD, "/f", 0, "user.at",
				  (struct xattr_args *)blk, 4097),
	      E2BIG);
	blk[20] = 1;
	FAILS(rump_sys_getxattrat(AT_FDCWD, "/f", 0, "user.at",
				  (struct xattr_args *)blk, 24),
	      E2BIG);
	/* getxattrat takes no flags in the block */
	a.flags = 1;
	FAILS(rump_sys_getxattrat(AT_FDCWD, "/f", 0, "user.at", &a, sizeof(a)),
	      EINVAL);
	a.flags = 0;
	/* at_flags: AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH only, checked
	 * before the path */
	FAILS(rump_sys_getxattrat(AT_FDCWD, "/f", 0x800, "user.at", &a,
				  sizeof(a)),
	      EINVAL);
	FAILS(rump_sys_setxattrat(AT_FDCWD, "/nonexist", 0x400, "user.at", &a,
				  sizeof(a)),
	      EINVAL);
	FAILS(rump_sys_listxattrat(AT_FDCWD, "/f", 4, NULL, 0), EINVAL);
	FAILS(rump_sys_removexattrat(AT_FDCWD, "/f", 4, "user.at"), EINVAL);
	FAILS(rump_sys_setxattrat(AT_FDCWD, "/nonexist", 0, "", &a, sizeof(a)),
	      ERANGE);
}

Test(xattr, at_empty_path)
{
	struct xattr_args a = { 0, 0, 0 };
	char buf[16];
	int fd, pfd;

	mkfile("/f", 0644);
	set_ok("/f", "user.at", "hello");
	fd = rump_sys_open("/f", O_RDONLY);
	pfd = rump_sys_open("/f", O_PATH);
	cr_assert_geq(fd, 0);
	cr_assert_geq(pfd, 0);
	RETURNS(rump_sys_getxattrat(fd, "", AT_EMPTY_PATH, "user.at", &a,
				    sizeof(a)),
		5);
	RETURNS(rump_sys_getxattrat(fd, NULL, AT_EMPTY_PATH, "user.at", &a,
				    sizeof(a)),
		5);
	FAILS(rump_sys_getxattrat(fd, NULL, 0, "user.at", &a, sizeof(a)),
	      EFAULT);
	FAILS(rump_sys_getxattrat(fd, "", 0, "user.at", &a, sizeof(a)), ENOENT);
	/* an O_PATH descriptor is no open file for these either */
	FAILS(rump_sys_getxattrat(pfd, "", AT_EMPTY_PATH, "user.at", &a,
				  sizeof(a)),
	      EBADF);
	FAILS(rump_sys_listxattrat(pfd, "", AT_EMPTY_PATH, buf, 16), EBADF);
	FAILS(rump_sys_removexattrat(pfd, "", AT_EMPTY_PATH, "user.at"), EBADF);
	/* AT_FDCWD with an empty path: the cwd */
	RETURNS(rump_sys_chdir("/"), 0);
	RETURNS(rump_sys_setxattr("/", "user.root", "r", 1, 0), 0);
	RETURNS(rump_sys_getxattrat(AT_FDCWD, NULL, AT_EMPTY_PATH, "user.root",
				    &a, sizeof(a)),
		1);
	RETURNS(rump_sys_listxattrat(AT_FDCWD, "", AT_EMPTY_PATH, buf, 16), 10);
	/* a file without a vnode through AT_EMPTY_PATH */
	int m = rump_sys_memfd_create("m", 0);
	a.value = (uintptr_t) "x";
	a.size = 1;
	RETURNS(rump_sys_setxattrat(m, "", AT_EMPTY_PATH, "user.m", &a,
				    sizeof(a)),
		0);
	RETURNS(rump_sys_fgetxattr(m, "user.m", buf, 16), 1);
}

/* ---- concurrency ----------------------------------------------------------- */

#define NTHREADS 4
#define ROUNDS 400

struct racer {
	int id;
	int fd;
};

static void *
racer_main(void *arg)
{
	struct racer *r = arg;
	char name[32], val[64], buf[4096];

	for (int i = 0; i < ROUNDS; i++) {
		int k = (i * 7 + r->id) % 16;
		ssize_t n;

		snprintf(name, sizeof(name), "user.k%d", k);
		snprintf(val, sizeof(val), "v%d-%d", r->id, i);
		if (i % 8 == 7) {
			/* capabilities, and a write that drops them */
			static const unsigned char v2[20] = { 0, 0, 0, 2 };

			if (rump_sys_fsetxattr(r->fd, "security.capability", v2,
					       20, 0) != 0)
				return (void *)"set caps";
			if (rump_sys_pwrite(r->fd, "w", 1, r->id) != 1)
				return (void *)"write";
			continue;
		}
		switch ((i + r->id) % 4) {
		case 0:
			if (rump_sys_fsetxattr(r->fd, name, val, strlen(val),
					       0) != 0)
				return (void *)"set";
			break;
		case 1:
			n = rump_sys_fgetxattr(r->fd, name, buf, sizeof(buf));
			if (n < 0 && errno != ENODATA)
				return (void *)"get";
			if (n >= 0 && (n < 4 || buf[0] != 'v'))
				return (void *)"get value";
			break;
		case 2:
			n = rump_sys_flistxattr(r->fd, buf, sizeof(buf));
			if (n < 0)
				return (void *)"list";
			for (ssize_t j = 0; j < n; j += strlen(buf + j) + 1)
				if (strncmp(buf + j, "user.k", 6) != 0 &&
				    strcmp(buf + j, "security.capability") != 0)
					return (void *)"list names";
			break;
		default:
			if (rump_sys_fremovexattr(r->fd, name) != 0 &&
			    errno != ENODATA)
				return (void *)"remove";
			break;
		}
	}
	return NULL;
}

Test(xattr, threads_on_one_file)
{
	pthread_t t[NTHREADS];
	struct racer r[NTHREADS];
	int fd;

	mkfile("/f", 0644);
	fd = rump_sys_open("/f", O_RDWR);
	cr_assert_geq(fd, 0);
	for (int i = 0; i < NTHREADS; i++) {
		r[i].id = i;
		r[i].fd = fd;
		cr_assert_eq(pthread_create(&t[i], NULL, racer_main, &r[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		void *res;

		pthread_join(t[i], &res);
		cr_assert_null(res, "thread %d: %s", i, (char *)res);
	}
	/* whatever is left is consistent: every listed name reads */
	char buf[4096];
	ssize_t n = rump_sys_flistxattr(fd, buf, sizeof(buf));
	cr_assert_geq(n, 0);
	for (ssize_t j = 0; j < n; j += strlen(buf + j) + 1)
		cr_assert_geq(rump_sys_fgetxattr(fd, buf + j, NULL, 0), 4);
	/* and a last write leaves no capabilities */
	RETURNS(rump_sys_pwrite(fd, "w", 1, 0), 1);
	FAILS(rump_sys_fgetxattr(fd, "security.capability", NULL, 0), ENODATA);
}

/* Threads making the first attribute of many files at once, and
 * removing the files: the mount's table under contention. */
static void *
maker_main(void *arg)
{
	int id = *(int *)arg;
	char p[32];

	for (int i = 0; i < 100; i++) {
		snprintf(p, sizeof(p), "/t%d-%d", id, i);
		int fd = rump_sys_open(p, O_CREAT | O_RDWR, 0644);
		if (fd < 0)
			return (void *)"open";
		if (rump_sys_fsetxattr(fd, "user.a", p, strlen(p), 0) != 0)
			return (void *)"set";
		rump_sys_close(fd);
		if (i % 2 == 0 && rump_sys_unlink(p) != 0)
			return (void *)"unlink";
	}
	return NULL;
}

Test(xattr, threads_on_many_files)
{
	pthread_t t[NTHREADS];
	int ids[NTHREADS];

	for (int i = 0; i < NTHREADS; i++) {
		ids[i] = i;
		cr_assert_eq(pthread_create(&t[i], NULL, maker_main, &ids[i]),
			     0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		void *res;

		pthread_join(t[i], &res);
		cr_assert_null(res, "thread %d: %s", i, (char *)res);
	}
	cr_assert_str_eq(get_str("/t2-51", "user.a"), "/t2-51");
}
