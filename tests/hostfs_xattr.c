/*
 * hostfs_xattr.c: extended attributes on hostfs (vfs/hostfs/), kept on
 * the host file itself.  What the kernel sets the host sees and the
 * other way round, across a remount; the flags, ENODATA, ERANGE, E2BIG,
 * EROFS on a read-only mount, an unprivileged process's EPERM and
 * EACCES, symlinks (the l- forms reach the link itself), ctime.  A
 * differential part runs the same calls on two copies of a tree in a
 * host directory under /tmp (ext4 here: user.*, trusted.* and
 * security.* kept), one through a hostfs mount, the other with the
 * host's own calls, and compares every result, errno and byte.
 * POSIX ACLs: set through the kernel or on the host, each side sees
 * the other's, and the kernel's access decisions for unprivileged
 * users (named-user entries granting and denying, the mask, a default
 * ACL's inheritance) are the host's, asked by a forked child.
 * The host side runs as root (as CI does).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <grp.h>
#include <pthread.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "check.h"
#include "host_dir.h"
#include "proc_util.h"

static char hdir[] = "/tmp/hostfs_xattr.XXXXXX";

/* hdir/rel in a static buffer (one of two, so two may be in use). */
static const char *
hp(const char *rel)
{
	static char buf[2][512];
	static int i;

	i ^= 1;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", hdir, rel);
	return buf[i];
}

static void
host_file(const char *rel, mode_t mode)
{
	int fd = open(hp(rel), O_CREAT | O_RDWR | O_TRUNC, mode);

	cr_assert_geq(fd, 0, "create %s: %s", rel, strerror(errno));
	fchmod(fd, mode);
	close(fd);
}

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(hdir));
	cr_assert_eq(chmod(hdir, 0755), 0); /* others may search it */
	host_file("f", 0644);
	cr_assert_eq(mkdir(hp("d"), 0755), 0);
	cr_assert_eq(symlink("f", hp("l")), 0);
	cr_assert_eq(rump_init(), 0);
	RETURNS(rump_sys_mkdir("/mnt", 0755), 0);
	RETURNS(rump_sys_mount(hdir, "/mnt", "hostfs", 0, ""), 0);
}

static void
teardown(void)
{
	host_rmtree_or_say(hdir);
}

TestSuite(hostfs_xattr, .init = setup, .fini = teardown, .timeout = 60);

/* The value of `name' on the host file (l- form), NUL-terminated. */
static const char *
host_get(const char *rel, const char *name)
{
	static char buf[256];
	ssize_t n = lgetxattr(hp(rel), name, buf, sizeof(buf) - 1);

	cr_assert_geq(n, 0, "host lgetxattr(%s, %s): %s", rel, name,
		      strerror(errno));
	buf[n] = '\0';
	return buf;
}

static const char *
rump_get(const char *path, const char *name)
{
	static char buf[256];
	ssize_t n = rump_sys_lgetxattr(path, name, buf, sizeof(buf) - 1);

	cr_assert_geq(n, 0, "lgetxattr(%s, %s): %s", path, name,
		      strerror(errno));
	buf[n] = '\0';
	return buf;
}

/* A list with '|' for each NUL. */
static const char *
bars(char *buf, ssize_t n)
{
	cr_assert_geq(n, 0, "listxattr: %s", strerror(errno));
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = '|';
	buf[n] = '\0';
	return buf;
}

static const char *
rump_list(const char *path)
{
	static char buf[1024];

	return bars(buf, rump_sys_llistxattr(path, buf, sizeof(buf) - 1));
}

static const char *
host_list(const char *rel)
{
	static char buf[1024];

	return bars(buf, llistxattr(hp(rel), buf, sizeof(buf) - 1));
}

static void
become(uid_t uid, gid_t gid)
{
	rfork_ok(RUMP_RFFDG);
	RETURNS(rump_sys_setgroups(0, NULL), 0);
	RETURNS(rump_sys_setresgid(gid, gid, gid), 0);
	RETURNS(rump_sys_setresuid(uid, uid, uid), 0);
}

/* ---- the host and the kernel see the same attributes --------------------- */

Test(hostfs_xattr, every_namespace_reaches_the_host)
{
	RETURNS(rump_sys_setxattr("/mnt/f", "user.a", "ua", 2, 0), 0);
	RETURNS(rump_sys_setxattr("/mnt/f", "trusted.t", "tt", 2, 0), 0);
	RETURNS(rump_sys_setxattr("/mnt/f", "security.rumpkit", "ss", 2, 0), 0);
	RETURNS(rump_sys_setxattr("/mnt/d", "user.dir", "dd", 2, 0), 0);
	cr_assert_str_eq(host_get("f", "user.a"), "ua");
	cr_assert_str_eq(host_get("f", "trusted.t"), "tt");
	cr_assert_str_eq(host_get("f", "security.rumpkit"), "ss");
	cr_assert_str_eq(host_get("d", "user.dir"), "dd");
	/* The host's order, byte for byte. */
	cr_assert_str_eq(rump_list("/mnt/f"), host_list("f"));
	RETURNS(rump_sys_removexattr("/mnt/f", "trusted.t"), 0);
	cr_assert_lt(lgetxattr(hp("f"), "trusted.t", NULL, 0), 0);
	cr_assert_eq(errno, ENODATA);
	/* Other namespaces are the VFS's to refuse. */
	FAILS(rump_sys_setxattr("/mnt/f", "system.foo", "x", 1, 0), EOPNOTSUPP);
	FAILS(rump_sys_setxattr("/mnt/f", "other.foo", "x", 1, 0), EOPNOTSUPP);
	FAILS(rump_sys_setxattr("/mnt/f", "user.", "x", 1, 0), EINVAL);
}

Test(hostfs_xattr, host_changes_show_in_the_kernel)
{
	char buf[64];

	cr_assert_eq(lsetxattr(hp("f"), "user.h", "host", 4, 0), 0);
	cr_assert_str_eq(rump_get("/mnt/f", "user.h"), "host");
	cr_assert_eq(lsetxattr(hp("f"), "user.h", "again", 5, 0), 0);
	cr_assert_str_eq(rump_get("/mnt/f", "user.h"), "again");
	cr_assert_eq(lremovexattr(hp("f"), "user.h"), 0);
	FAILS(rump_sys_getxattr("/mnt/f", "user.h", buf, sizeof(buf)), ENODATA);
	RETURNS(rump_sys_listxattr("/mnt/f", buf, sizeof(buf)), 0);
}

Test(hostfs_xattr, attributes_outlive_a_remount)
{
	RETURNS(rump_sys_setxattr("/mnt/f", "user.keep", "kept", 4, 0), 0);
	RETURNS(rump_sys_umount("/mnt"), 0);
	RETURNS(rump_sys_mount(hdir, "/mnt", "hostfs", 0, ""), 0);
	cr_assert_str_eq(rump_get("/mnt/f", "user.keep"), "kept");
}

#define A "system.posix_acl_access"
#define D "system.posix_acl_default"

/* An ACL in Linux's xattr form: version 2, then (tag, perm, id)
 * entries; returns its size. */
static size_t
acl_value(unsigned char *buf, const unsigned (*ent)[3], size_t n)
{
	buf[0] = 2;
	buf[1] = buf[2] = buf[3] = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char *e = buf + 4 + 8 * i;

		e[0] = (unsigned char)ent[i][0];
		e[1] = (unsigned char)(ent[i][0] >> 8);
		e[2] = (unsigned char)ent[i][1];
		e[3] = 0;
		for (int b = 0; b < 4; b++)
			e[4 + b] = (unsigned char)(ent[i][2] >> (8 * b));
	}
	return 4 + 8 * n;
}

/* USER_OBJ rw, USER 1000 r, GROUP_OBJ r, MASK r, OTHER none. */
static const unsigned acl_named[][3] = {
	{ 0x01, 6, ~0u }, { 0x02, 4, 1000 }, { 0x04, 4, ~0u },
	{ 0x10, 4, ~0u }, { 0x20, 0, ~0u },
};

/* The host's ACLs are listed first, as the VFS lists every file's,
 * then its other attributes in its order. */
Test(hostfs_xattr, host_acl_names_come_first)
{
	unsigned char acl[64];
	size_t n = acl_value(acl, acl_named, 5);

	cr_assert_eq(lsetxattr(hp("f"), "user.x", "1", 1, 0), 0);
	cr_assert_eq(setxattr(hp("f"), A, acl, n, 0), 0);
	cr_assert_str_eq(rump_list("/mnt/f"), A "|user.x|");
	RETURNS(rump_sys_listxattr("/mnt/f", NULL, 0), sizeof(A) + 7);
}

/* ---- flags and sizes ----------------------------------------------------- */

Test(hostfs_xattr, create_and_replace)
{
	RETURNS(rump_sys_setxattr("/mnt/f", "user.a", "1", 1, XATTR_REPLACE),
		-1);
	cr_assert_eq(errno, ENODATA);
	RETURNS(rump_sys_setxattr("/mnt/f", "user.a", "1", 1, XATTR_CREATE), 0);
	FAILS(rump_sys_setxattr("/mnt/f", "user.a", "2", 1, XATTR_CREATE),
	      EEXIST);
	cr_assert_str_eq(host_get("f", "user.a"), "1");
	RETURNS(rump_sys_setxattr("/mnt/f", "user.a", "22", 2, XATTR_REPLACE),
		0);
	cr_assert_str_eq(host_get("f", "user.a"), "22");
	FAILS(rump_sys_setxattr("/mnt/f", "user.a", "2", 1, 4), EINVAL);
	/* An empty value is a value. */
	RETURNS(rump_sys_setxattr("/mnt/f", "user.e", "", 0, 0), 0);
	RETURNS(rump_sys_getxattr("/mnt/f", "user.e", NULL, 0), 0);
}

Test(hostfs_xattr, enodata)
{
	char buf[8];

	FAILS(rump_sys_getxattr("/mnt/f", "user.none", buf, sizeof(buf)),
	      ENODATA);
	FAILS(rump_sys_getxattr("/mnt/f", "user.none", NULL, 0), ENODATA);
	FAILS(rump_sys_removexattr("/mnt/f", "user.none"), ENODATA);
	FAILS(rump_sys_removexattr("/mnt/d", "trusted.none"), ENODATA);
}

Test(hostfs_xattr, erange_and_e2big)
{
	static char big[65537];
	char buf[16], name[300];

	RETURNS(rump_sys_setxattr("/mnt/f", "user.v", "0123456789", 10, 0), 0);
	RETURNS(rump_sys_getxattr("/mnt/f", "user.v", NULL, 0), 10);
	FAILS(rump_sys_getxattr("/mnt/f", "user.v", buf, 9), ERANGE);
	RETURNS(rump_sys_getxattr("/mnt/f", "user.v", buf, 10), 10);
	RETURNS(rump_sys_setxattr("/mnt/f", "user.w", "x", 1, 0), 0);
	RETURNS(rump_sys_listxattr("/mnt/f", NULL, 0), 14);
	FAILS(rump_sys_listxattr("/mnt/f", buf, 13), ERANGE);
	RETURNS(rump_sys_listxattr("/mnt/f", buf, 14), 14);
	/* Sizes: over 64 KiB is E2BIG before the host is asked; a name
	 * over 255 bytes or empty is ERANGE. */
	FAILS(rump_sys_setxattr("/mnt/f", "user.big", big, sizeof(big), 0),
	      E2BIG);
	memset(name, 'n', sizeof(name));
	memcpy(name, "user.", 5);
	name[256] = '\0';
	FAILS(rump_sys_setxattr("/mnt/f", name, "x", 1, 0), ERANGE);
	FAILS(rump_sys_getxattr("/mnt/f", name, buf, sizeof(buf)), ERANGE);
	FAILS(rump_sys_setxattr("/mnt/f", "", "x", 1, 0), ERANGE);
	name[255] = '\0';
	RETURNS(rump_sys_setxattr("/mnt/f", name, "x", 1, 0), 0);
	cr_assert_str_eq(host_get("f", name), "x");
	/* The host's own limit (an ext4 value lives in one block). */
	errno = 0;
	long r = rump_sys_setxattr("/mnt/f", "user.big", big, 65536, 0);
	int e = errno;
	long h = lsetxattr(hp("d"), "user.big", big, 65536, 0);
	cr_assert_eq(r, h);
	if (r != 0)
		cr_assert_eq(e, errno);
}

Test(hostfs_xattr, a_change_moves_ctime)
{
	struct stat a, b, h;

	RETURNS(rump_sys_stat("/mnt/f", &a), 0);
	usleep(20000);
	RETURNS(rump_sys_setxattr("/mnt/f", "user.t", "1", 1, 0), 0);
	RETURNS(rump_sys_stat("/mnt/f", &b), 0);
	cr_assert(b.st_ctim.tv_sec != a.st_ctim.tv_sec ||
		  b.st_ctim.tv_nsec != a.st_ctim.tv_nsec);
	cr_assert_eq(lstat(hp("f"), &h), 0);
	cr_assert_eq(h.st_ctim.tv_sec, b.st_ctim.tv_sec);
	cr_assert_eq(h.st_ctim.tv_nsec, b.st_ctim.tv_nsec);
	usleep(20000);
	RETURNS(rump_sys_removexattr("/mnt/f", "user.t"), 0);
	RETURNS(rump_sys_stat("/mnt/f", &a), 0);
	cr_assert(b.st_ctim.tv_sec != a.st_ctim.tv_sec ||
		  b.st_ctim.tv_nsec != a.st_ctim.tv_nsec);
}

Test(hostfs_xattr, the_f_forms)
{
	char buf[8];
	int fd;

	RETURNS(fd = rump_sys_open("/mnt/f", O_RDONLY), 3);
	RETURNS(rump_sys_fsetxattr(fd, "user.fd", "f", 1, 0), 0);
	RETURNS(rump_sys_fgetxattr(fd, "user.fd", buf, sizeof(buf)), 1);
	RETURNS(rump_sys_flistxattr(fd, buf, sizeof(buf)), 8);
	RETURNS(rump_sys_fremovexattr(fd, "user.fd"), 0);
	rump_sys_close(fd);
	/* An O_PATH descriptor names no open file here (as on Linux). */
	RETURNS(fd = rump_sys_open("/mnt/f", O_PATH), 3);
	FAILS(rump_sys_fgetxattr(fd, "user.fd", buf, sizeof(buf)), EBADF);
	rump_sys_close(fd);
}

/* ---- read-only mounts ------------------------------------------------------ */

Test(hostfs_xattr, read_only_mount_refuses_changes)
{
	char buf[8];

	cr_assert_eq(lsetxattr(hp("f"), "user.r", "r", 1, 0), 0);
	RETURNS(rump_sys_umount("/mnt"), 0);
	RETURNS(rump_sys_mount(hdir, "/mnt", "hostfs", MS_RDONLY, ""), 0);
	FAILS(rump_sys_setxattr("/mnt/f", "user.r", "w", 1, 0), EROFS);
	FAILS(rump_sys_setxattr("/mnt/f", "trusted.r", "w", 1, 0), EROFS);
	FAILS(rump_sys_removexattr("/mnt/f", "user.r"), EROFS);
	FAILS(rump_sys_removexattr("/mnt/f", "user.none"), EROFS);
	RETURNS(rump_sys_getxattr("/mnt/f", "user.r", buf, sizeof(buf)), 1);
	cr_assert_str_eq(rump_list("/mnt/f"), "user.r|");
	cr_assert_str_eq(host_get("f", "user.r"), "r");
	/* The "ro" option is the same. */
	RETURNS(rump_sys_umount("/mnt"), 0);
	RETURNS(rump_sys_mount(hdir, "/mnt", "hostfs", 0, "ro"), 0);
	FAILS(rump_sys_setxattr("/mnt/d", "user.r", "w", 1, 0), EROFS);
}

/* ---- an unprivileged process ----------------------------------------------- */

Test(hostfs_xattr, unprivileged_rules)
{
	char buf[64];

	host_file("mine", 0644);
	cr_assert_eq(chown(hp("mine"), 1000, 1000), 0);
	host_file("open", 0666);
	cr_assert_eq(lsetxattr(hp("f"), "user.a", "a", 1, 0), 0);
	cr_assert_eq(lsetxattr(hp("f"), "trusted.t", "t", 1, 0), 0);
	cr_assert_eq(lsetxattr(hp("f"), "security.s", "s", 1, 0), 0);
	cr_assert_eq(chmod(hp("f"), 0640), 0);
	become(1000, 1000);
	/* No read permission: EACCES; trusted.* is root's. */
	FAILS(rump_sys_getxattr("/mnt/f", "user.a", buf, sizeof(buf)), EACCES);
	FAILS(rump_sys_setxattr("/mnt/f", "user.a", "b", 1, 0), EACCES);
	FAILS(rump_sys_removexattr("/mnt/f", "user.a"), EACCES);
	FAILS(rump_sys_getxattr("/mnt/f", "trusted.t", buf, sizeof(buf)),
	      ENODATA);
	FAILS(rump_sys_setxattr("/mnt/f", "trusted.t", "u", 1, 0), EPERM);
	FAILS(rump_sys_removexattr("/mnt/f", "trusted.t"), EPERM);
	/* security.* reads (no permission check), changes need privilege. */
	RETURNS(rump_sys_getxattr("/mnt/f", "security.s", buf, sizeof(buf)), 1);
	FAILS(rump_sys_setxattr("/mnt/f", "security.s", "u", 1, 0), EPERM);
	/* The list needs no permission, hides trusted.* and keeps the
	 * host's order. */
	cr_assert_str_eq(rump_list("/mnt/f"), "user.a|security.s|");
	/* Own file, or a writable one: allowed, and on the host. */
	RETURNS(rump_sys_setxattr("/mnt/mine", "user.m", "m", 1, 0), 0);
	RETURNS(rump_sys_setxattr("/mnt/open", "user.o", "o", 1, 0), 0);
	FAILS(rump_sys_setxattr("/mnt/open", "trusted.o", "o", 1, 0), EPERM);
	rump_pub_lwproc_releaselwp();
	cr_assert_str_eq(host_get("mine", "user.m"), "m");
	cr_assert_str_eq(host_get("open", "user.o"), "o");
	/* Root sees trusted.* in the list. */
	cr_assert_str_eq(rump_list("/mnt/f"), host_list("f"));
}

Test(hostfs_xattr, sticky_directory_user_attrs_are_the_owners)
{
	cr_assert_eq(mkdir(hp("sticky"), 01777), 0);
	cr_assert_eq(chmod(hp("sticky"), 01777), 0);
	become(1000, 1000);
	FAILS(rump_sys_setxattr("/mnt/sticky", "user.s", "s", 1, 0), EPERM);
	rump_pub_lwproc_releaselwp();
	RETURNS(rump_sys_setxattr("/mnt/sticky", "user.s", "s", 1, 0), 0);
}

/* ---- symlinks -------------------------------------------------------------- */

Test(hostfs_xattr, symlinks_have_their_own)
{
	char buf[64];

	/* user.* does not live on symlinks (EPERM, as on Linux). */
	FAILS(rump_sys_lsetxattr("/mnt/l", "user.a", "x", 1, 0), EPERM);
	FAILS(rump_sys_lgetxattr("/mnt/l", "user.a", buf, sizeof(buf)),
	      ENODATA);
	/* trusted.* does, on the link itself, not its target. */
	RETURNS(rump_sys_lsetxattr("/mnt/l", "trusted.link", "L", 1, 0), 0);
	cr_assert_str_eq(host_get("l", "trusted.link"), "L");
	cr_assert_lt(getxattr(hp("f"), "trusted.link", buf, sizeof(buf)), 0);
	cr_assert_eq(errno, ENODATA);
	cr_assert_str_eq(rump_list("/mnt/l"), "trusted.link|");
	/* The plain forms follow the link. */
	RETURNS(rump_sys_setxattr("/mnt/l", "user.t", "T", 1, 0), 0);
	cr_assert_str_eq(host_get("f", "user.t"), "T");
	FAILS(rump_sys_getxattr("/mnt/l", "trusted.link", buf, sizeof(buf)),
	      ENODATA);
	RETURNS(rump_sys_lremovexattr("/mnt/l", "trusted.link"), 0);
	cr_assert_str_eq(host_list("l"), "");
	/* A link set on the host shows too. */
	cr_assert_eq(lsetxattr(hp("l"), "trusted.h", "H", 1, 0), 0);
	cr_assert_str_eq(rump_get("/mnt/l", "trusted.h"), "H");
}

/* ---- the differential part -------------------------------------------------- */

static uint64_t rng;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/*
 * Random calls on two copies of a tree: "a" through the kernel (mounted
 * on /mnt/a), "b" with the host's calls.  Each result, errno and the
 * bytes returned must match.
 */
Test(hostfs_xattr, differential)
{
	static const char *const nodes[] = { "f", "d", "l" };
	static const char *const names[] = {
		"user.a",    "user.bb",   "user.a_longer_name",
		"trusted.t", "trusted.u", "security.s",
		"user.",     "system.x",
	};
	static const size_t sizes[] = { 0, 1, 7, 100, 3000, 65536, 65537 };
	static const size_t bufs[] = { 0, 1, 6, 20, 64, 4096, 70000 };
	static char val[70000], rbuf[70000], hbuf[70000];
	char ra[64], hb[64];

	for (size_t i = 0; i < sizeof(val); i++)
		val[i] = (char)('a' + i % 26);
	for (int side = 0; side < 2; side++) {
		const char *top = side == 0 ? "a" : "b";
		char p[128];

		cr_assert_eq(mkdir(hp(top), 0755), 0);
		snprintf(p, sizeof(p), "%s/f", top);
		host_file(p, 0644);
		snprintf(p, sizeof(p), "%s/d", top);
		cr_assert_eq(mkdir(hp(p), 0755), 0);
		snprintf(p, sizeof(p), "%s/l", top);
		cr_assert_eq(symlink("f", hp(p)), 0);
	}
	rng = 0x9e3779b97f4a7c15ULL;
	for (int op = 0; op < 600; op++) {
		const char *node = nodes[rnd(3)];
		const char *name = names[rnd(sizeof(names) / sizeof(names[0]))];
		bool nofollow = rnd(2);
		long r = 0, h = 0;
		int re, he, kind = rnd(4);
		size_t sz = 0;

		snprintf(ra, sizeof(ra), "/mnt/a/%s", node);
		snprintf(hb, sizeof(hb), "%s/b/%s", hdir, node);
		errno = 0;
		switch (kind) {
		case 0: {
			int flags = (int)rnd(3);

			sz = sizes[rnd(sizeof(sizes) / sizeof(sizes[0]))];
			r = nofollow ? rump_sys_lsetxattr(ra, name, val, sz,
							  flags)
				     : rump_sys_setxattr(ra, name, val, sz,
							 flags);
			re = errno;
			errno = 0;
			h = nofollow ? lsetxattr(hb, name, val, sz, flags)
				     : setxattr(hb, name, val, sz, flags);
			he = errno;
			break;
		}
		case 1:
			sz = bufs[rnd(sizeof(bufs) / sizeof(bufs[0]))];
			r = nofollow ? rump_sys_lgetxattr(ra, name, rbuf, sz)
				     : rump_sys_getxattr(ra, name, rbuf, sz);
			re = errno;
			errno = 0;
			h = nofollow ? lgetxattr(hb, name, hbuf, sz)
				     : getxattr(hb, name, hbuf, sz);
			he = errno;
			break;
		case 2:
			sz = bufs[rnd(sizeof(bufs) / sizeof(bufs[0]))];
			r = nofollow ? rump_sys_llistxattr(ra, rbuf, sz)
				     : rump_sys_listxattr(ra, rbuf, sz);
			re = errno;
			errno = 0;
			h = nofollow ? llistxattr(hb, hbuf, sz)
				     : listxattr(hb, hbuf, sz);
			he = errno;
			break;
		default:
			r = nofollow ? rump_sys_lremovexattr(ra, name)
				     : rump_sys_removexattr(ra, name);
			re = errno;
			errno = 0;
			h = nofollow ? lremovexattr(hb, name)
				     : removexattr(hb, name);
			he = errno;
			break;
		}
		cr_assert_eq(r, h,
			     "op %d: kind %d %s %s %s size %zu: rump %ld (%s), "
			     "host %ld (%s)",
			     op, kind, nofollow ? "l" : "", node, name, sz, r,
			     strerror(re), h, strerror(he));
		if (r < 0)
			cr_assert_eq(
				re, he,
				"op %d: kind %d %s %s %s: rump %s, host %s", op,
				kind, nofollow ? "l" : "", node, name,
				strerror(re), strerror(he));
		else if ((kind == 1 || kind == 2) && sz != 0)
			cr_assert_eq(memcmp(rbuf, hbuf, (size_t)r), 0,
				     "op %d: the bytes differ", op);
	}
}

/* ---- POSIX ACLs ------------------------------------------------------------ */

/* USER_OBJ rw, GROUP_OBJ r, OTHER none: only the mode's. */
static const unsigned acl_plain[][3] = {
	{ 0x01, 6, ~0u },
	{ 0x04, 4, ~0u },
	{ 0x20, 0, ~0u },
};

/* USER_OBJ rwx, USER 1000 rwx, GROUP_OBJ rx, MASK rwx, OTHER rx. */
static const unsigned acl_dir[][3] = {
	{ 0x01, 7, ~0u }, { 0x02, 7, 1000 }, { 0x04, 5, ~0u },
	{ 0x10, 7, ~0u }, { 0x20, 5, ~0u },
};

/* The host's access decision for uid/gid (no groups): a child process
 * changes its ids and asks; 0 or the errno. */
static int
host_access_as(uid_t uid, gid_t gid, const char *path, int mode)
{
	int status;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
		    setresuid(uid, uid, uid) != 0)
			_exit(255);
		_exit(access(path, mode) == 0 ? 0 : errno);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The kernel's access decision for uid/gid: 0 or the errno. */
static int
rump_access_as(uid_t uid, gid_t gid, const char *path, int mode)
{
	int r, e;

	become(uid, gid);
	errno = 0;
	r = rump_sys_access(path, mode);
	e = errno;
	rump_pub_lwproc_releaselwp();
	return r == 0 ? 0 : e;
}

/* Both decide alike for uid/gid on `rel', and as `want' says. */
static void
same_access(uid_t uid, const char *rel, int mode, int want)
{
	char rp[256];
	int r, h;

	snprintf(rp, sizeof(rp), "/mnt/%s", rel);
	r = rump_access_as(uid, uid, rp, mode);
	h = host_access_as(uid, uid, hp(rel), mode);
	cr_assert_eq(r, h, "uid %u %s mode %o: rump %s, host %s", uid, rel,
		     mode, strerror(r), strerror(h));
	cr_assert_eq(r, want, "uid %u %s mode %o: %s", uid, rel, mode,
		     strerror(r));
}

static void
same_acl(const char *rel, const char *name)
{
	unsigned char r[256], h[256];
	char rp[256];
	ssize_t rn, hn;

	snprintf(rp, sizeof(rp), "/mnt/%s", rel);
	errno = 0;
	rn = rump_sys_getxattr(rp, name, r, sizeof(r));
	int re = errno;
	errno = 0;
	hn = getxattr(hp(rel), name, h, sizeof(h));
	cr_assert_eq(rn, hn, "%s %s: rump %zd (%s), host %zd (%s)", rel, name,
		     rn, strerror(re), hn, strerror(errno));
	if (rn > 0)
		cr_assert_eq(memcmp(r, h, (size_t)rn), 0, "%s %s differ", rel,
			     name);
}

static mode_t
host_mode(const char *rel)
{
	struct stat st;

	cr_assert_eq(lstat(hp(rel), &st), 0);
	return st.st_mode & 07777;
}

static mode_t
rump_mode(const char *rel)
{
	struct stat st;
	char rp[256];

	snprintf(rp, sizeof(rp), "/mnt/%s", rel);
	RETURNS(rump_sys_lstat(rp, &st), 0);
	return st.st_mode & 07777;
}

Test(hostfs_xattr, acl_set_through_the_kernel_reaches_the_host)
{
	unsigned char acl[64];
	size_t n = acl_value(acl, acl_named, 5);

	host_file("a", 0640);
	same_access(1000, "a", R_OK, EACCES);
	RETURNS(rump_sys_setxattr("/mnt/a", A, acl, n, 0), 0);
	same_acl("a", A);
	/* The mode's group bits are the mask. */
	cr_assert_eq(host_mode("a"), 0640);
	cr_assert_eq(rump_mode("a"), 0640);
	/* The named user may read, nobody else. */
	same_access(1000, "a", R_OK, 0);
	same_access(1000, "a", W_OK, EACCES);
	same_access(1001, "a", R_OK, EACCES);
	become(1000, 1000);
	int fd = rump_sys_open("/mnt/a", O_RDONLY);
	cr_assert_geq(fd, 0, "open: %s", strerror(errno));
	rump_sys_close(fd);
	FAILS(rump_sys_open("/mnt/a", O_WRONLY), EACCES);
	rump_pub_lwproc_releaselwp();
	/* chmod moves the mask on both sides. */
	RETURNS(rump_sys_chmod("/mnt/a", 0600), 0);
	same_acl("a", A);
	same_access(1000, "a", R_OK, EACCES);
	RETURNS(rump_sys_chmod("/mnt/a", 0660), 0);
	same_access(1000, "a", R_OK, 0);
	same_access(1000, "a", W_OK, EACCES);
	/* Removed: the mode alone decides again. */
	RETURNS(rump_sys_removexattr("/mnt/a", A), 0);
	cr_assert_lt(getxattr(hp("a"), A, NULL, 0), 0);
	cr_assert_eq(errno, ENODATA);
	same_access(1000, "a", R_OK, EACCES);
	RETURNS(rump_sys_removexattr("/mnt/a", A), 0);
	FAILS(rump_sys_getxattr("/mnt/a", A, acl, sizeof(acl)), ENODATA);
}

/* A change made on the host shows at the kernel's next check: the
 * host's ctime moved. */
Test(hostfs_xattr, acl_set_on_the_host_is_followed)
{
	unsigned char acl[64];
	size_t n = acl_value(acl, acl_named, 5);

	host_file("h", 0640);
	/* The kernel learns there is none... */
	same_access(1000, "h", R_OK, EACCES);
	same_access(1000, "h", R_OK, EACCES);
	/* ...then the host grants uid 1000. */
	cr_assert_eq(setxattr(hp("h"), A, acl, n, 0), 0);
	same_access(1000, "h", R_OK, 0);
	same_acl("h", A);
	/* and takes it back with a narrower entry. */
	acl[4 + 8 + 2] = 0; /* USER 1000: no permissions */
	cr_assert_eq(setxattr(hp("h"), A, acl, n, 0), 0);
	same_access(1000, "h", R_OK, EACCES);
	same_acl("h", A);
	cr_assert_eq(removexattr(hp("h"), A), 0);
	same_access(1000, "h", R_OK, EACCES);
	FAILS(rump_sys_getxattr("/mnt/h", A, acl, sizeof(acl)), ENODATA);
}

/* An access ACL the mode can say is only a mode, as on the host. */
Test(hostfs_xattr, acl_equivalent_to_the_mode)
{
	unsigned char acl[64];
	size_t n = acl_value(acl, acl_plain, 3);

	host_file("p", 0777);
	RETURNS(rump_sys_setxattr("/mnt/p", A, acl, n, 0), 0);
	cr_assert_eq(host_mode("p"), 0640);
	same_acl("p", A);
	FAILS(rump_sys_getxattr("/mnt/p", A, acl, sizeof(acl)), ENODATA);
}

/* A directory's default ACL: what a node made through the kernel
 * inherits is what the host gives one it makes. */
Test(hostfs_xattr, default_acl_is_inherited)
{
	unsigned char acl[64];
	size_t n = acl_value(acl, acl_dir, 5);
	mode_t um = umask(077);

	cr_assert_eq(mkdir(hp("dd"), 0755), 0);
	cr_assert_eq(chmod(hp("dd"), 0755), 0);
	RETURNS(rump_sys_setxattr("/mnt/dd", D, acl, n, 0), 0);
	same_acl("dd", D);
	/* Files and directories made by each side, under a umask that the
	 * default ACL overrides. */
	RETURNS(rump_sys_umask(077), 022);
	int fd = rump_sys_open("/mnt/dd/k", O_CREAT | O_WRONLY, 0664);
	cr_assert_geq(fd, 0);
	rump_sys_close(fd);
	RETURNS(rump_sys_mkdir("/mnt/dd/kd", 0775), 0);
	close(open(hp("dd/h"), O_CREAT | O_WRONLY, 0664));
	cr_assert_eq(mkdir(hp("dd/hd"), 0775), 0);
	umask(um);
	cr_assert_eq(host_mode("dd/k"), host_mode("dd/h"));
	cr_assert_eq(host_mode("dd/kd"), host_mode("dd/hd"));
	cr_assert_eq(rump_mode("dd/k"), host_mode("dd/h"));
	{
		unsigned char a[256], b[256];
		ssize_t an = getxattr(hp("dd/k"), A, a, sizeof(a));
		ssize_t bn = getxattr(hp("dd/h"), A, b, sizeof(b));

		cr_assert_gt(an, 0);
		cr_assert_eq(an, bn);
		cr_assert_eq(memcmp(a, b, (size_t)an), 0);
		an = getxattr(hp("dd/kd"), D, a, sizeof(a));
		bn = getxattr(hp("dd/hd"), D, b, sizeof(b));
		cr_assert_eq(an, bn);
		cr_assert_eq(memcmp(a, b, (size_t)an), 0);
	}
	same_acl("dd/k", A);
	same_acl("dd/kd", D);
	/* A FIFO and an unnamed file too. */
	RETURNS(rump_sys_mknod("/mnt/dd/kf", S_IFIFO | 0660, 0), 0);
	cr_assert_eq(mknod(hp("dd/hf"), S_IFIFO | 0660, 0), 0);
	cr_assert_eq(host_mode("dd/kf"), host_mode("dd/hf"));
	{
		unsigned char a[256], b[256];
		ssize_t an = getxattr(hp("dd/kf"), A, a, sizeof(a));
		ssize_t bn = getxattr(hp("dd/hf"), A, b, sizeof(b));
		int tfd = rump_sys_open("/mnt/dd", O_TMPFILE | O_RDWR, 0664);

		cr_assert_gt(an, 0);
		cr_assert_eq(an, bn);
		cr_assert_eq(memcmp(a, b, (size_t)an), 0);
		cr_assert_geq(tfd, 0, "O_TMPFILE: %s", strerror(errno));
		bn = getxattr(hp("dd/h"), A, b, sizeof(b));
		RETURNS(rump_sys_fgetxattr(tfd, A, a, sizeof(a)), bn);
		cr_assert_eq(memcmp(a, b, (size_t)bn), 0);
		rump_sys_close(tfd);
	}
	/* A default ACL grants nothing on its directory; the new one's
	 * access ACL lets uid 1000 write there by its named entry. */
	same_access(1000, "dd", W_OK, EACCES);
	same_access(1000, "dd/kd", W_OK, 0);
	same_access(1001, "dd/kd", W_OK, EACCES);
	become(1000, 1000);
	RETURNS(rump_sys_mkdir("/mnt/dd/kd/by1000", 0700), 0);
	rump_pub_lwproc_releaselwp();
	/* A default ACL lives on directories only. */
	FAILS(rump_sys_setxattr("/mnt/f", D, acl, n, 0), EACCES);
	RETURNS(rump_sys_removexattr("/mnt/dd", D), 0);
	cr_assert_lt(getxattr(hp("dd"), D, NULL, 0), 0);
}

Test(hostfs_xattr, acl_rules)
{
	unsigned char acl[64];
	size_t n = acl_value(acl, acl_named, 5);

	host_file("mine", 0644);
	cr_assert_eq(chown(hp("mine"), 1000, 1000), 0);
	/* Only the owner (or CAP_FOWNER) sets one. */
	become(1001, 1001);
	FAILS(rump_sys_setxattr("/mnt/mine", A, acl, n, 0), EPERM);
	FAILS(rump_sys_removexattr("/mnt/mine", A), EPERM);
	rump_pub_lwproc_releaselwp();
	become(1000, 1000);
	RETURNS(rump_sys_setxattr("/mnt/mine", A, acl, n, 0), 0);
	rump_pub_lwproc_releaselwp();
	same_acl("mine", A);
	/* Malformed values and other versions, before the host. */
	FAILS(rump_sys_setxattr("/mnt/f", A, acl, 5, 0), EINVAL);
	acl[0] = 1;
	FAILS(rump_sys_setxattr("/mnt/f", A, acl, n, 0), EOPNOTSUPP);
	acl[0] = 2;
	/* Symlinks have none. */
	FAILS(rump_sys_lsetxattr("/mnt/l", A, acl, n, 0), EOPNOTSUPP);
	FAILS(rump_sys_lgetxattr("/mnt/l", A, acl, n), EOPNOTSUPP);
	/* A read-only mount refuses them. */
	RETURNS(rump_sys_umount("/mnt"), 0);
	RETURNS(rump_sys_mount(hdir, "/mnt", "hostfs", MS_RDONLY, ""), 0);
	FAILS(rump_sys_setxattr("/mnt/f", A, acl, n, 0), EROFS);
	FAILS(rump_sys_removexattr("/mnt/mine", A), EROFS);
	same_acl("mine", A);
}

/* Checks by several processes at once while the ACL comes and goes:
 * every answer is one of the two right ones (ThreadSanitizer's case). */
struct checker {
	pthread_t thr;
	pthread_barrier_t *go;
};

static void *
checker_main(void *arg)
{
	struct checker *c = arg;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_sys_setuid(1000), 0);
	pthread_barrier_wait(c->go);
	for (int i = 0; i < 200; i++) {
		int r = rump_sys_access("/mnt/c", R_OK);

		cr_assert(r == 0 || errno == EACCES, "access: %s",
			  strerror(errno));
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(hostfs_xattr, acl_checks_race_with_changes)
{
	unsigned char acl[64];
	size_t n = acl_value(acl, acl_named, 5);
	struct checker c[3];
	pthread_barrier_t go;

	host_file("c", 0640);
	cr_assert_eq(pthread_barrier_init(&go, NULL, 4), 0);
	for (int i = 0; i < 3; i++) {
		c[i].go = &go;
		cr_assert_eq(
			pthread_create(&c[i].thr, NULL, checker_main, &c[i]),
			0);
	}
	pthread_barrier_wait(&go);
	for (int i = 0; i < 40; i++) {
		if (i % 2 == 0)
			RETURNS(rump_sys_setxattr("/mnt/c", A, acl, n, 0), 0);
		else
			RETURNS(rump_sys_removexattr("/mnt/c", A), 0);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(c[i].thr, NULL);
	pthread_barrier_destroy(&go);
	/* Settled: no ACL, and the kernel knows. */
	same_access(1000, "c", R_OK, EACCES);
}

/* An ACL longer than hostfs's first read (40 named users). */
Test(hostfs_xattr, a_long_acl)
{
	unsigned ent[44][3];
	unsigned char acl[4 + 8 * 44];
	size_t n;
	int k = 0;

	ent[k][0] = 0x01, ent[k][1] = 6, ent[k++][2] = ~0u;
	for (unsigned u = 0; u < 40; u++)
		ent[k][0] = 0x02, ent[k][1] = u == 39 ? 4 : 0,
		ent[k++][2] = 2000 + u;
	ent[k][0] = 0x04, ent[k][1] = 0, ent[k++][2] = ~0u;
	ent[k][0] = 0x10, ent[k][1] = 4, ent[k++][2] = ~0u;
	ent[k][0] = 0x20, ent[k][1] = 0, ent[k++][2] = ~0u;
	n = acl_value(acl, (const unsigned(*)[3])ent, (size_t)k);
	host_file("long", 0600);
	cr_assert_eq(setxattr(hp("long"), A, acl, n, 0), 0);
	same_acl("long", A);
	same_access(2039, "long", R_OK, 0);
	same_access(2038, "long", R_OK, EACCES);
	/* Through the kernel too. */
	host_file("long2", 0600);
	RETURNS(rump_sys_setxattr("/mnt/long2", A, acl, n, 0), 0);
	same_acl("long2", A);
	same_access(2039, "long2", R_OK, 0);
}
