/*
 * acl.c: POSIX ACLs on tmpfs (system.posix_acl_access and
 * system.posix_acl_default): the xattr format and its validation with
 * every errno, access decisions for processes made by rfork under other
 * uids, gids and supplementary groups, chmod's effect, inheritance by
 * new files, directories, nodes and O_TMPFILE files, removal.  The
 * expected answers are what Linux 6.18's tmpfs gives (each probed on
 * the host; tests/xattr_diff.c compares random sequences with it).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "host_dir.h"
#include "vfs_util.h"

TestSuite(acl, .init = vfs_boot, .timeout = 60);

#define A "system.posix_acl_access"
#define D "system.posix_acl_default"

enum { UO = 1, U = 2, GO = 4, G = 8, M = 0x10, O = 0x20 };
#define NOID 0xffffffffu

struct ent {
	unsigned tag, perm, id;
};

/* An ACL's xattr value in buf: n entries; its size. */
static size_t
acl_make(char *buf, const struct ent *e, int n)
{
	uint32_t ver = 2;

	memcpy(buf, &ver, 4);
	for (int i = 0; i < n; i++) {
		uint16_t tag = (uint16_t)e[i].tag, perm = (uint16_t)e[i].perm;
		uint32_t id = e[i].id;

		memcpy(buf + 4 + 8 * i, &tag, 2);
		memcpy(buf + 6 + 8 * i, &perm, 2);
		memcpy(buf + 8 + 8 * i, &id, 4);
	}
	return 4 + 8 * (size_t)n;
}

#define NENT(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define SETACL(path, name, ents)                                               \
	({                                                                     \
		char b_[512];                                                  \
		size_t n_ = acl_make(b_, ents, NENT(ents));                    \
		rump_sys_setxattr(path, name, b_, n_, 0);                      \
	})

/* An ACL read back, as "tag:perm:id,..." (ids of *_OBJ, MASK, OTHER
 * shown only when not undefined). */
static const char *
acl_str(const char *path, const char *name)
{
	static char out[512];
	char buf[512];
	size_t used = 0;
	ssize_t n = rump_sys_getxattr(path, name, buf, sizeof(buf));
	uint32_t ver;

	cr_assert_geq(n, 4, "getxattr(%s, %s): %s", path, name,
		      strerror(errno));
	memcpy(&ver, buf, 4);
	cr_assert_eq(ver, 2);
	out[0] = '\0';
	for (ssize_t i = 4; i + 8 <= n; i += 8) {
		uint16_t tag, perm;
		uint32_t id;

		memcpy(&tag, buf + i, 2);
		memcpy(&perm, buf + i + 2, 2);
		memcpy(&id, buf + i + 4, 4);
		if (id == NOID)
			used += snprintf(out + used, sizeof(out) - used,
					 "%s%x:%o", used ? "," : "", tag, perm);
		else
			used += snprintf(out + used, sizeof(out) - used,
					 "%s%x:%o:%u", used ? "," : "", tag,
					 perm, id);
	}
	return out;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	RETURNS(rump_sys_lstat(path, &st), 0);
	return st.st_mode & 07777;
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

static void
mkfile(const char *p, uid_t uid, gid_t gid, mode_t mode)
{
	int fd = xopen(p, O_CREAT | O_RDWR | O_EXCL, 0600);

	RETURNS(rump_sys_write(fd, "data", 4), 4);
	close_ok(fd);
	RETURNS(rump_sys_chown(p, uid, gid), 0);
	RETURNS(rump_sys_chmod(p, mode), 0);
}

static void
mkdir_as(const char *p, uid_t uid, gid_t gid, mode_t mode)
{
	RETURNS(rump_sys_mkdir(p, 0700), 0);
	RETURNS(rump_sys_chown(p, uid, gid), 0);
	RETURNS(rump_sys_chmod(p, mode), 0);
}

/* Become a new process with these ids (n supplementary groups). */
static void
become(uid_t uid, gid_t gid, int n, const gid_t *groups)
{
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setgroups((size_t)n, groups), 0);
	RETURNS(rump_sys_setresgid(gid, gid, gid), 0);
	RETURNS(rump_sys_setresuid(uid, uid, uid), 0);
}

static void
back(void)
{
	rump_pub_lwproc_releaselwp();
}

/* The access(2) answers of the current process for R, W, X: "rw-". */
static const char *
rights(const char *p)
{
	static char out[4];

	out[0] = rump_sys_access(p, R_OK) == 0 ? 'r' : '-';
	out[1] = rump_sys_access(p, W_OK) == 0 ? 'w' : '-';
	out[2] = rump_sys_access(p, X_OK) == 0 ? 'x' : '-';
	out[3] = '\0';
	return out;
}

static const struct ent acl_named[] = {
	{ UO, 6, NOID }, { U, 6, 2000 }, { GO, 4, NOID },
	{ G, 4, 300 },   { M, 6, NOID }, { O, 0, NOID },
};

/* ---- the format ------------------------------------------------------------ */

Test(acl, set_and_get_back)
{
	mkfile("/f", 0, 0, 0644);
	RETURNS(SETACL("/f", A, acl_named), 0);
	cr_assert_str_eq(acl_str("/f", A),
			 "1:6,2:6:2000,4:4,8:4:300,10:6,20:0");
	/* The group class shows the mask. */
	cr_assert_eq(mode_of("/f"), 0660);
	RETURNS(rump_sys_getxattr("/f", A, NULL, 0), 4 + 6 * 8);
	/* The ids of the *_OBJ, MASK and OTHER entries read as undefined. */
	const struct ent ids[] = {
		{ UO, 7, 55 },
		{ GO, 5, 66 },
		{ M, 7, 77 },
		{ O, 1, 88 },
	};
	RETURNS(SETACL("/f", A, ids), 0);
	cr_assert_str_eq(acl_str("/f", A), "1:7,4:5,10:7,20:1");
	cr_assert_eq(mode_of("/f"), 0771);
}

Test(acl, small_buffer_is_erange)
{
	char buf[64];

	mkfile("/f", 0, 0, 0644);
	RETURNS(SETACL("/f", A, acl_named), 0);
	FAILS(rump_sys_getxattr("/f", A, buf, 8), ERANGE);
	FAILS(rump_sys_getxattr("/f", A, buf, 51), ERANGE);
	RETURNS(rump_sys_getxattr("/f", A, buf, 52), 52);
	FAILS(rump_sys_getxattr("/f", A, (void *)8, 52), EFAULT);
}

Test(acl, absent_is_enodata)
{
	mkfile("/f", 0, 0, 0644);
	RETURNS(rump_sys_mkdir("/d", 0755), 0);
	FAILS(rump_sys_getxattr("/f", A, NULL, 0), ENODATA);
	FAILS(rump_sys_getxattr("/f", D, NULL, 0), ENODATA);
	FAILS(rump_sys_getxattr("/d", D, NULL, 0), ENODATA);
	/* Removing what is not there succeeds, as on Linux. */
	RETURNS(rump_sys_removexattr("/f", A), 0);
	RETURNS(rump_sys_removexattr("/d", D), 0);
}

Test(acl, malformed_values_are_einval)
{
	char buf[512];
	uint32_t v;

	mkfile("/f", 0, 0, 0644);
	v = 2;
	FAILS(rump_sys_setxattr("/f", A, &v, 3, 0), EINVAL); /* short */
	acl_make(buf, acl_named, NENT(acl_named));
	FAILS(rump_sys_setxattr("/f", A, buf, 13, 0), EINVAL); /* part */
	v = 3;
	FAILS(rump_sys_setxattr("/f", A, &v, 4, 0), EOPNOTSUPP);
	v = 1;
	memcpy(buf, &v, 4);
	FAILS(rump_sys_setxattr("/f", A, buf, 4 + 6 * 8, 0), EOPNOTSUPP);

	const struct ent badtag[] = { { UO, 6, NOID },
				      { GO, 4, NOID },
				      { 0x40, 4, NOID },
				      { O, 4, NOID } };
	const struct ent badperm[] = { { UO, 016, NOID },
				       { GO, 4, NOID },
				       { O, 4, NOID } };
	const struct ent nomask[] = {
		{ UO, 6, NOID }, { U, 5, 1000 }, { GO, 4, NOID }, { O, 4, NOID }
	};
	const struct ent gnomask[] = {
		{ UO, 6, NOID }, { GO, 4, NOID }, { G, 5, 10 }, { O, 4, NOID }
	};
	const struct ent badid[] = { { UO, 6, NOID },
				     { U, 5, NOID },
				     { GO, 4, NOID },
				     { M, 7, NOID },
				     { O, 4, NOID } };
	const struct ent badgid[] = { { UO, 6, NOID },
				      { GO, 4, NOID },
				      { G, 5, NOID },
				      { M, 7, NOID },
				      { O, 4, NOID } };
	const struct ent twouo[] = { { UO, 6, NOID },
				     { UO, 6, NOID },
				     { GO, 4, NOID },
				     { O, 4, NOID } };
	const struct ent nouo[] = { { GO, 4, NOID }, { O, 4, NOID } };
	const struct ent nogo[] = { { UO, 4, NOID }, { O, 4, NOID } };
	const struct ent noother[] = { { UO, 6, NOID }, { GO, 4, NOID } };
	const struct ent twomask[] = { { UO, 6, NOID },
				       { GO, 4, NOID },
				       { M, 4, NOID },
				       { M, 4, NOID },
				       { O, 4, NOID } };
	const struct ent afterother[] = {
		{ UO, 6, NOID }, { GO, 4, NOID }, { O, 4, NOID }, { O, 4, NOID }
	};
	const struct ent order[] = { { UO, 6, NOID },
				     { GO, 4, NOID },
				     { U, 4, 7 },
				     { M, 4, NOID },
				     { O, 4, NOID } };
	const struct ent maskfirst[] = {
		{ M, 6, NOID }, { UO, 6, NOID }, { GO, 4, NOID }, { O, 4, NOID }
	};
	FAILS(SETACL("/f", A, badtag), EINVAL);
	FAILS(SETACL("/f", A, badperm), EINVAL);
	FAILS(SETACL("/f", A, nomask), EINVAL);
	FAILS(SETACL("/f", A, gnomask), EINVAL);
	FAILS(SETACL("/f", A, badid), EINVAL);
	FAILS(SETACL("/f", A, badgid), EINVAL);
	FAILS(SETACL("/f", A, twouo), EINVAL);
	FAILS(SETACL("/f", A, nouo), EINVAL);
	FAILS(SETACL("/f", A, nogo), EINVAL);
	FAILS(SETACL("/f", A, noother), EINVAL);
	FAILS(SETACL("/f", A, twomask), EINVAL);
	FAILS(SETACL("/f", A, afterother), EINVAL);
	FAILS(SETACL("/f", A, order), EINVAL);
	FAILS(SETACL("/f", A, maskfirst), EINVAL);
	/* Nothing changed. */
	FAILS(rump_sys_getxattr("/f", A, NULL, 0), ENODATA);
	cr_assert_eq(mode_of("/f"), 0644);

	/* Linux neither sorts nor refuses repeated or unsorted ids. */
	const struct ent unsorted[] = {
		{ UO, 6, NOID }, { U, 5, 1001 }, { U, 5, 1000 },
		{ GO, 4, NOID }, { G, 1, 20 },   { G, 2, 20 },
		{ M, 7, NOID },  { O, 4, NOID },
	};
	RETURNS(SETACL("/f", A, unsorted), 0);
	cr_assert_str_eq(acl_str("/f", A),
			 "1:6,2:5:1001,2:5:1000,4:4,8:1:20,8:2:20,10:7,20:4");
}

Test(acl, equivalent_acl_only_sets_the_mode)
{
	const struct ent equiv[] = { { UO, 7, NOID },
				     { GO, 5, NOID },
				     { O, 1, NOID } };
	char buf[16];
	struct timespec t0;

	mkfile("/f", 0, 0, 0644);
	t0 = ctime_of("/f");
	RETURNS(SETACL("/f", A, equiv), 0);
	cr_assert_eq(mode_of("/f"), 0751);
	cr_assert(!ts_eq(t0, ctime_of("/f")));
	FAILS(rump_sys_getxattr("/f", A, NULL, 0), ENODATA);
	RETURNS(rump_sys_listxattr("/f", buf, sizeof(buf)), 0);
	/* A mask alone is more than the mode: kept. */
	const struct ent m4[] = {
		{ UO, 7, NOID }, { GO, 5, NOID }, { M, 1, NOID }, { O, 1, NOID }
	};
	RETURNS(SETACL("/f", A, m4), 0);
	cr_assert_eq(mode_of("/f"), 0711);
	cr_assert_str_eq(acl_str("/f", A), "1:7,4:5,10:1,20:1");
}

Test(acl, empty_value_or_bare_header_removes)
{
	uint32_t v = 2;

	mkfile("/f", 0, 0, 0644);
	RETURNS(SETACL("/f", A, acl_named), 0);
	RETURNS(rump_sys_setxattr("/f", A, &v, 4, 0), 0);
	FAILS(rump_sys_getxattr("/f", A, NULL, 0), ENODATA);
	cr_assert_eq(mode_of("/f"), 0660); /* the mode stays */
	RETURNS(SETACL("/f", A, acl_named), 0);
	RETURNS(rump_sys_setxattr("/f", A, "", 0, 0), 0);
	FAILS(rump_sys_getxattr("/f", A, NULL, 0), ENODATA);
	RETURNS(SETACL("/f", A, acl_named), 0);
	RETURNS(rump_sys_removexattr("/f", A), 0);
	FAILS(rump_sys_getxattr("/f", A, NULL, 0), ENODATA);
}

Test(acl, set_flags_are_ignored)
{
	char buf[512];
	size_t n = acl_make(buf, acl_named, NENT(acl_named));

	mkfile("/f", 0, 0, 0644);
	RETURNS(rump_sys_setxattr("/f", A, buf, n, XATTR_REPLACE), 0);
	RETURNS(rump_sys_setxattr("/f", A, buf, n, XATTR_CREATE), 0);
	FAILS(rump_sys_setxattr("/f", A, buf, n, 4), EINVAL);
}

Test(acl, default_only_on_directories)
{
	const struct ent dflt[] = { { UO, 7, NOID },
				    { GO, 5, NOID },
				    { O, 5, NOID } };
	struct timespec t0;

	mkfile("/f", 0, 0, 0644);
	RETURNS(rump_sys_mknod("/fifo", S_IFIFO | 0644, 0), 0);
	RETURNS(rump_sys_mkdir("/d", 0755), 0);
	FAILS(SETACL("/f", D, dflt), EACCES);
	FAILS(SETACL("/fifo", D, dflt), EACCES);
	/* Removing one from a file succeeds and changes nothing. */
	t0 = ctime_of("/f");
	RETURNS(rump_sys_removexattr("/f", D), 0);
	RETURNS(rump_sys_setxattr("/f", D, "", 0, 0), 0);
	cr_assert(ts_eq(t0, ctime_of("/f")));
	/* A minimal default ACL is kept as it is. */
	RETURNS(SETACL("/d", D, dflt), 0);
	cr_assert_str_eq(acl_str("/d", D), "1:7,4:5,20:5");
	cr_assert_eq(mode_of("/d"), 0755);
	/* Device nodes and FIFOs have access ACLs. */
	RETURNS(SETACL("/fifo", A, acl_named), 0);
	cr_assert_eq(mode_of("/fifo"), 0660);
}

Test(acl, symlinks_have_none)
{
	char buf[512];
	size_t n = acl_make(buf, acl_named, NENT(acl_named));

	mkfile("/f", 0, 0, 0644);
	RETURNS(rump_sys_symlink("/f", "/l"), 0);
	FAILS(rump_sys_lsetxattr("/l", A, buf, n, 0), EOPNOTSUPP);
	FAILS(rump_sys_lgetxattr("/l", A, buf, sizeof(buf)), EOPNOTSUPP);
	FAILS(rump_sys_lremovexattr("/l", A), EOPNOTSUPP);
	FAILS(rump_sys_lremovexattr("/l", D), EOPNOTSUPP);
	/* A malformed value is refused first. */
	FAILS(rump_sys_lsetxattr("/l", A, buf, 5, 0), EINVAL);
	/* Through the link: the file's. */
	RETURNS(rump_sys_setxattr("/l", A, buf, n, 0), 0);
	cr_assert_eq(mode_of("/f"), 0660);
}

/* Pipes keep none (hostfs keeps the host's: tests/hostfs_xattr.c). */
Test(acl, other_files_have_none)
{
	char buf[512];
	size_t n;
	int pfd[2];

	RETURNS(rump_sys_pipe(pfd), 0);
	n = acl_make(buf, acl_named, NENT(acl_named));
	FAILS(rump_sys_fsetxattr(pfd[0], A, buf, n, 0), EOPNOTSUPP);
	FAILS(rump_sys_fgetxattr(pfd[0], A, buf, sizeof(buf)), EOPNOTSUPP);
	FAILS(rump_sys_fremovexattr(pfd[0], A), EOPNOTSUPP);
	rump_sys_close(pfd[0]);
	rump_sys_close(pfd[1]);
}

Test(acl, read_only_mount_is_erofs)
{
	char buf[512];
	size_t n = acl_make(buf, acl_named, NENT(acl_named));

	RETURNS(rump_sys_mkdir("/mnt", 0755), 0);
	RETURNS(rump_sys_mount("none", "/mnt", "tmpfs", 0, NULL), 0);
	mkfile("/mnt/f", 0, 0, 0644);
	RETURNS(rump_sys_setxattr("/mnt/f", A, buf, n, 0), 0);
	RETURNS(rump_sys_mount("none", "/mnt", NULL, MS_REMOUNT | MS_RDONLY,
			       NULL),
		0);
	FAILS(rump_sys_setxattr("/mnt/f", A, buf, n, 0), EROFS);
	FAILS(rump_sys_setxattr("/mnt/f", A, buf, 3, 0), EROFS);
	FAILS(rump_sys_removexattr("/mnt/f", A), EROFS);
	RETURNS(rump_sys_getxattr("/mnt/f", A, buf, sizeof(buf)), (long)n);
	RETURNS(rump_sys_umount("/mnt"), 0);
}

/* ---- who may set ----------------------------------------------------------- */

Test(acl, only_the_owner_or_cap_fowner_sets)
{
	char buf[512];
	size_t n = acl_make(buf, acl_named, NENT(acl_named));
	uint32_t v = 3;

	mkfile("/f", 1000, 1000, 0666);
	RETURNS(rump_sys_mkdir("/d", 0777), 0);
	become(2000, 2000, 0, NULL);
	FAILS(rump_sys_setxattr("/f", A, buf, n, 0), EPERM);
	FAILS(rump_sys_removexattr("/f", A), EPERM);
	FAILS(rump_sys_removexattr("/d", D), EPERM);
	FAILS(rump_sys_setxattr("/d", D, buf, n, 0), EPERM);
	/* The format is checked before the owner, the validity after. */
	FAILS(rump_sys_setxattr("/f", A, buf, 5, 0), EINVAL);
	FAILS(rump_sys_setxattr("/f", A, &v, 4, 0), EOPNOTSUPP);
	buf[4 + 8 * 4] = 0x7f; /* the MASK's tag: unknown */
	FAILS(rump_sys_setxattr("/f", A, buf, n, 0), EINVAL);
	acl_make(buf, acl_named, NENT(acl_named));
	buf[4 + 8 * 4 + 2] = 010; /* the MASK's perm: invalid */
	FAILS(rump_sys_setxattr("/f", A, buf, n, 0), EPERM);
	/* Reading needs no permission at all. */
	FAILS(rump_sys_getxattr("/f", A, NULL, 0), ENODATA);
	back();

	become(1000, 1000, 0, NULL);
	FAILS(rump_sys_setxattr("/f", A, buf, n, 0), EINVAL); /* the perm */
	acl_make(buf, acl_named, NENT(acl_named));
	RETURNS(rump_sys_setxattr("/f", A, buf, n, 0), 0);
	back();

	/* fsuid 0 is CAP_FOWNER; a root whose fsuid is not 0 is not. */
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	rump_sys_setfsuid(3000);
	FAILS(rump_sys_removexattr("/f", A), EPERM);
	rump_sys_setfsuid(0);
	RETURNS(rump_sys_removexattr("/f", A), 0);
	back();
}

Test(acl, setgid_dropped_for_a_setter_outside_the_group)
{
	const struct ent equiv[] = { { UO, 7, NOID },
				     { GO, 7, NOID },
				     { O, 5, NOID } };
	gid_t sup[] = { 500 };

	mkfile("/f", 1000, 500, 02755);
	mkfile("/g", 1000, 500, 02755);
	become(1000, 1000, 0, NULL);
	RETURNS(SETACL("/f", A, acl_named), 0);
	cr_assert_eq(mode_of("/f"), 0660);
	/* Even a removal of nothing, as posix_acl_update_mode. */
	RETURNS(rump_sys_chmod("/g", 02755), 0);
	cr_assert_eq(mode_of("/g"), 0755); /* chmod's own rule */
	back();
	RETURNS(rump_sys_chmod("/g", 02755), 0);
	become(1000, 1000, 0, NULL);
	RETURNS(rump_sys_removexattr("/g", A), 0);
	cr_assert_eq(mode_of("/g"), 0755);
	back();
	RETURNS(rump_sys_chmod("/g", 02755), 0);
	become(1000, 1000, 1, sup); /* in the group: kept */
	RETURNS(SETACL("/g", A, equiv), 0);
	cr_assert_eq(mode_of("/g"), 02775);
	back();
	/* root keeps it too. */
	RETURNS(SETACL("/g", A, acl_named), 0);
	cr_assert_eq(mode_of("/g"), 02660);
}

/* ---- access decisions ------------------------------------------------------- */

Test(acl, named_users_groups_and_the_mask)
{
	gid_t g300[] = { 300 }, g100[] = { 100 }, both[] = { 300, 400 };
	const struct ent e[] = {
		{ UO, 6, NOID }, { U, 6, 2000 }, { U, 1, 2005 },
		{ GO, 4, NOID }, { G, 4, 300 },  { G, 2, 400 },
		{ M, 7, NOID },  { O, 0, NOID },
	};

	mkfile("/f", 1000, 100, 0600);
	RETURNS(SETACL("/f", A, e), 0);
	cr_assert_eq(mode_of("/f"), 0670);

	become(1000, 1000, 0, NULL); /* the owner: the mode's bits */
	cr_assert_str_eq(rights("/f"), "rw-");
	back();
	become(2000, 2000, 0, NULL); /* a named user */
	cr_assert_str_eq(rights("/f"), "rw-");
	close_ok(xopen("/f", O_RDWR, 0));
	back();
	become(2005, 300, 0, NULL); /* a named user in a named group:
				     * the user entry decides */
	cr_assert_str_eq(rights("/f"), "--x");
	back();
	become(3000, 100, 0, NULL); /* the owning group */
	cr_assert_str_eq(rights("/f"), "r--");
	FAILS(rump_sys_open("/f", O_WRONLY), EACCES);
	back();
	become(3000, 3000, 1, g100); /* owning group, supplementary */
	cr_assert_str_eq(rights("/f"), "r--");
	back();
	become(3000, 3000, 1, g300); /* a named group */
	cr_assert_str_eq(rights("/f"), "r--");
	back();
	become(3000, 3000, 2, both); /* one entry must grant all: r or w,
				      * never rw */
	cr_assert_str_eq(rights("/f"), "rw-");
	FAILS(rump_sys_open("/f", O_RDWR), EACCES);
	close_ok(xopen("/f", O_RDONLY, 0));
	close_ok(xopen("/f", O_WRONLY, 0));
	back();
	become(3000, 3000, 0, NULL); /* other */
	cr_assert_str_eq(rights("/f"), "---");
	back();

	/* The mask bounds named entries and the owning group. */
	RETURNS(rump_sys_chmod("/f", 0640), 0);
	cr_assert_str_eq(acl_str("/f", A),
			 "1:6,2:6:2000,2:1:2005,4:4,8:4:300,8:2:400,10:4,20:0");
	become(2000, 2000, 0, NULL);
	cr_assert_str_eq(rights("/f"), "r--");
	back();
	become(3000, 3000, 2, both);
	cr_assert_str_eq(rights("/f"), "r--");
	back();
	/* A matching group that does not grant: other is not asked. */
	RETURNS(rump_sys_chmod("/f", 0646), 0);
	become(3000, 3000, 1, g300);
	cr_assert_str_eq(rights("/f"), "r--");
	back();
	become(3000, 3000, 0, NULL);
	cr_assert_str_eq(rights("/f"), "rw-");
	back();
}

/* With an empty group class Linux asks no ACL: a named user is judged
 * by the mode (other bits, or the group's as a member). */
Test(acl, empty_mask_falls_back_to_the_mode)
{
	gid_t g100[] = { 100 };

	mkfile("/f", 1000, 100, 0600);
	RETURNS(SETACL("/f", A, acl_named), 0);
	RETURNS(rump_sys_chmod("/f", 0604), 0);
	cr_assert_str_eq(acl_str("/f", A),
			 "1:6,2:6:2000,4:4,8:4:300,10:0,20:4");
	become(2000, 2000, 0, NULL);
	cr_assert_str_eq(rights("/f"), "r--");
	back();
	become(2000, 2000, 1, g100);
	cr_assert_str_eq(rights("/f"), "---");
	back();
}

Test(acl, root_overrides_unchanged)
{
	const struct ent noexec[] = { { UO, 6, NOID },
				      { U, 6, 2000 },
				      { GO, 0, NOID },
				      { M, 6, NOID },
				      { O, 0, NOID } };
	const struct ent xuser[] = { { UO, 6, NOID },
				     { U, 7, 2000 },
				     { GO, 0, NOID },
				     { M, 7, NOID },
				     { O, 0, NOID } };

	mkfile("/f", 1000, 100, 0600);
	RETURNS(SETACL("/f", A, noexec), 0);
	cr_assert_str_eq(rights("/f"), "rw-"); /* no x bit anywhere */
	RETURNS(SETACL("/f", A, xuser), 0);
	cr_assert_eq(mode_of("/f"), 0670);
	cr_assert_str_eq(rights("/f"), "rwx"); /* the mask's x counts */
}

Test(acl, directories_searched_through_an_acl)
{
	const struct ent e[] = { { UO, 7, NOID },
				 { U, 1, 2000 },
				 { GO, 0, NOID },
				 { M, 1, NOID },
				 { O, 0, NOID } };

	mkdir_as("/d", 1000, 1000, 0700);
	mkfile("/d/f", 2000, 2000, 0600);
	become(2000, 2000, 0, NULL);
	FAILS(rump_sys_open("/d/f", O_RDONLY), EACCES);
	back();
	RETURNS(SETACL("/d", A, e), 0);
	become(2000, 2000, 0, NULL);
	close_ok(xopen("/d/f", O_RDONLY, 0));
	FAILS(rump_sys_open("/d", O_RDONLY | O_DIRECTORY), EACCES);
	FAILS(rump_sys_mkdir("/d/x", 0700), EACCES);
	back();
	become(2001, 2000, 0, NULL);
	FAILS(rump_sys_open("/d/f", O_RDONLY), EACCES);
	back();
}

Test(acl, write_permission_by_acl_allows_a_touch)
{
	const struct ent e[] = { { UO, 6, NOID },
				 { U, 2, 2000 },
				 { GO, 0, NOID },
				 { M, 2, NOID },
				 { O, 0, NOID } };
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };

	mkfile("/f", 1000, 1000, 0600);
	become(2000, 2000, 0, NULL);
	FAILS(rump_sys_utimensat(AT_FDCWD, "/f", NULL, 0), EACCES);
	back();
	RETURNS(SETACL("/f", A, e), 0);
	become(2000, 2000, 0, NULL);
	RETURNS(rump_sys_utimensat(AT_FDCWD, "/f", NULL, 0), 0);
	FAILS(rump_sys_utimensat(AT_FDCWD, "/f", ts, 0), EPERM);
	RETURNS(rump_sys_truncate("/f", 0), 0);
	back();
}

/* ---- chmod ------------------------------------------------------------------------ */

Test(acl, chmod_changes_owner_mask_and_other)
{
	const struct ent nomask[] = {
		{ UO, 7, NOID }, { GO, 5, NOID }, { M, 7, NOID }, { O, 5, NOID }
	};
	struct timespec t0;

	mkfile("/f", 1000, 100, 0644);
	RETURNS(SETACL("/f", A, acl_named), 0);
	RETURNS(rump_sys_chmod("/f", 0751), 0);
	cr_assert_str_eq(acl_str("/f", A),
			 "1:7,2:6:2000,4:4,8:4:300,10:5,20:1");
	RETURNS(rump_sys_chmod("/f", 04000), 0);
	cr_assert_str_eq(acl_str("/f", A),
			 "1:0,2:6:2000,4:4,8:4:300,10:0,20:0");
	cr_assert_eq(mode_of("/f"), 04000);
	RETURNS(SETACL("/f", A, nomask), 0);
	cr_assert_eq(mode_of("/f"), 04775);
	t0 = ctime_of("/f");
	RETURNS(rump_sys_removexattr("/f", A), 0);
	cr_assert(!ts_eq(t0, ctime_of("/f")));
	/* The group class keeps what the mask was. */
	cr_assert_eq(mode_of("/f"), 04775);
}

/* ---- inheritance -------------------------------------------------------------------- */

static const struct ent dflt[] = {
	{ UO, 7, NOID }, { U, 7, 2000 }, { GO, 5, NOID },
	{ M, 7, NOID },  { O, 0, NOID },
};

Test(acl, new_files_inherit_without_the_umask)
{
	int fd;

	rump_sys_umask(022);
	RETURNS(rump_sys_mkdir("/d", 0755), 0);
	RETURNS(SETACL("/d", D, dflt), 0);
	close_ok(xopen("/d/f", O_CREAT | O_RDWR, 0666));
	cr_assert_eq(mode_of("/d/f"), 0660);
	cr_assert_str_eq(acl_str("/d/f", A), "1:6,2:7:2000,4:5,10:6,20:0");
	FAILS(rump_sys_getxattr("/d/f", D, NULL, 0), ENODATA);
	/* The creation mode bounds the ACL. */
	close_ok(xopen("/d/g", O_CREAT | O_RDWR, 0400));
	cr_assert_eq(mode_of("/d/g"), 0400);
	cr_assert_str_eq(acl_str("/d/g", A), "1:4,2:7:2000,4:5,10:0,20:0");
	/* mknod, and creat. */
	RETURNS(rump_sys_mknod("/d/p", S_IFIFO | 0644, 0), 0);
	cr_assert_eq(mode_of("/d/p"), 0640);
	cr_assert_str_eq(acl_str("/d/p", A), "1:6,2:7:2000,4:5,10:4,20:0");
	close_ok(xopen("/d/c", O_CREAT | O_WRONLY | O_TRUNC, 0777));
	cr_assert_eq(mode_of("/d/c"), 0770);
	/* Symlinks get none. */
	RETURNS(rump_sys_symlink("f", "/d/l"), 0);
	cr_assert_eq(mode_of("/d/l"), 0777);
	FAILS(rump_sys_lgetxattr("/d/l", A, NULL, 0), EOPNOTSUPP);
	/* O_TMPFILE, and its name by linkat. */
	fd = rump_sys_open("/d", O_TMPFILE | O_RDWR, 0640);
	cr_assert_geq(fd, 0, "O_TMPFILE: %s", strerror(errno));
	RETURNS(rump_sys_linkat(fd, "", AT_FDCWD, "/d/t", AT_EMPTY_PATH), 0);
	close_ok(fd);
	cr_assert_eq(mode_of("/d/t"), 0640);
	cr_assert_str_eq(acl_str("/d/t", A), "1:6,2:7:2000,4:5,10:4,20:0");
	/* The inherited ACL grants. */
	become(2000, 2000, 0, NULL);
	close_ok(xopen("/d/f", O_RDWR, 0));
	back();
	rump_sys_umask(022);
	/* Outside the directory the umask applies again. */
	close_ok(xopen("/h", O_CREAT | O_RDWR, 0666));
	cr_assert_eq(mode_of("/h"), 0644);
	FAILS(rump_sys_getxattr("/h", A, NULL, 0), ENODATA);
}

Test(acl, new_directories_inherit_both)
{
	rump_sys_umask(077);
	RETURNS(rump_sys_mkdir("/d", 0755), 0);
	RETURNS(SETACL("/d", D, dflt), 0);
	RETURNS(rump_sys_mkdir("/d/s", 0777), 0);
	cr_assert_eq(mode_of("/d/s"), 0770);
	cr_assert_str_eq(acl_str("/d/s", A), "1:7,2:7:2000,4:5,10:7,20:0");
	cr_assert_str_eq(acl_str("/d/s", D), "1:7,2:7:2000,4:5,10:7,20:0");
	/* And pass them on. */
	RETURNS(rump_sys_mkdir("/d/s/t", 0750), 0);
	cr_assert_eq(mode_of("/d/s/t"), 0750);
	cr_assert_str_eq(acl_str("/d/s/t", A), "1:7,2:7:2000,4:5,10:5,20:0");
	cr_assert_str_eq(acl_str("/d/s/t", D), "1:7,2:7:2000,4:5,10:7,20:0");
	/* A set-group-id directory still passes its group and bit on. */
	RETURNS(rump_sys_chown("/d", 0, 600), 0);
	RETURNS(rump_sys_chmod("/d", 02755), 0);
	RETURNS(rump_sys_mkdir("/d/g", 0700), 0);
	cr_assert_eq(mode_of("/d/g"), 02700);
	rump_sys_umask(022);
}

Test(acl, minimal_default_masks_the_mode_only)
{
	const struct ent min[] = { { UO, 7, NOID },
				   { GO, 5, NOID },
				   { O, 0, NOID } };

	rump_sys_umask(0);
	RETURNS(rump_sys_mkdir("/d", 0755), 0);
	RETURNS(SETACL("/d", D, min), 0);
	close_ok(xopen("/d/f", O_CREAT | O_RDWR, 0666));
	cr_assert_eq(mode_of("/d/f"), 0640);
	FAILS(rump_sys_getxattr("/d/f", A, NULL, 0), ENODATA);
	RETURNS(rump_sys_mkdir("/d/s", 0777), 0);
	cr_assert_eq(mode_of("/d/s"), 0750);
	FAILS(rump_sys_getxattr("/d/s", A, NULL, 0), ENODATA);
	cr_assert_str_eq(acl_str("/d/s", D), "1:7,4:5,20:0");
	/* Removing the default ACL brings the umask back. */
	rump_sys_umask(027);
	RETURNS(rump_sys_removexattr("/d", D), 0);
	close_ok(xopen("/d/g", O_CREAT | O_RDWR, 0666));
	cr_assert_eq(mode_of("/d/g"), 0640);
	rump_sys_umask(022);
}

/* ---- lists ------------------------------------------------------------------------------ */

Test(acl, listed_before_other_attributes)
{
	char buf[256];
	const char expect[] = A "\0" D "\0user.x";

	RETURNS(rump_sys_mkdir("/d", 0755), 0);
	RETURNS(rump_sys_setxattr("/d", "user.x", "1", 1, 0), 0);
	RETURNS(SETACL("/d", D, dflt), 0);
	RETURNS(rump_sys_listxattr("/d", buf, sizeof(buf)), 32);
	cr_assert_eq(memcmp(buf, D "\0user.x", 32), 0);
	RETURNS(SETACL("/d", A, acl_named), 0);
	RETURNS(rump_sys_listxattr("/d", NULL, 0), (long)sizeof(expect));
	RETURNS(rump_sys_listxattr("/d", buf, sizeof(buf)),
		(long)sizeof(expect));
	cr_assert_eq(memcmp(buf, expect, sizeof(expect)), 0);
	FAILS(rump_sys_listxattr("/d", buf, 10), ERANGE);
	FAILS(rump_sys_listxattr("/d", buf, 24), ERANGE);
	FAILS(rump_sys_listxattr("/d", buf, 49), ERANGE);
	FAILS(rump_sys_listxattr("/d", buf, sizeof(expect) - 1), ERANGE);
	/* Listing needs no permission. */
	RETURNS(rump_sys_chmod("/d", 0), 0);
	become(2000, 2000, 0, NULL);
	RETURNS(rump_sys_listxattr("/d", buf, sizeof(buf)),
		(long)sizeof(expect));
	back();
	RETURNS(rump_sys_removexattr("/d", A), 0);
	RETURNS(rump_sys_removexattr("/d", D), 0);
	RETURNS(rump_sys_listxattr("/d", buf, sizeof(buf)), 7);
}

/* ---- lifetimes and concurrency ---------------------------------------------------- */

Test(acl, freed_with_the_node_and_the_mount)
{
	RETURNS(rump_sys_mkdir("/mnt", 0755), 0);
	RETURNS(rump_sys_mount("none", "/mnt", "tmpfs", 0, NULL), 0);
	RETURNS(rump_sys_mkdir("/mnt/d", 0755), 0);
	RETURNS(SETACL("/mnt/d", D, dflt), 0);
	RETURNS(rump_sys_mkdir("/mnt/d/s", 0755), 0);
	close_ok(xopen("/mnt/d/f", O_CREAT | O_RDWR, 0666));
	close_ok(xopen("/mnt/d/g", O_CREAT | O_RDWR, 0666));
	RETURNS(rump_sys_unlink("/mnt/d/g"), 0);
	RETURNS(rump_sys_rename("/mnt/d/f", "/mnt/f"), 0);
	cr_assert_str_eq(acl_str("/mnt/f", A), "1:6,2:7:2000,4:5,10:6,20:0");
	RETURNS(rump_sys_umount("/mnt"), 0);
}

struct race {
	_Atomic bool stop;
};

static void *
race_setter(void *arg)
{
	struct race *r = arg;
	char buf[512];
	size_t n = acl_make(buf, acl_named, NENT(acl_named));

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setresuid(1000, 1000, 1000), 0);
	for (int i = 0; i < 2000; i++) {
		RETURNS(rump_sys_setxattr("/f", A, buf, n, 0), 0);
		RETURNS(rump_sys_chmod("/f", 0664), 0);
		RETURNS(rump_sys_removexattr("/f", A), 0);
	}
	rump_pub_lwproc_releaselwp();
	r->stop = true;
	return NULL;
}

static void *
race_checker(void *arg)
{
	struct race *r = arg;
	char buf[512];

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setgroups(0, NULL), 0);
	RETURNS(rump_sys_setresgid(2000, 2000, 2000), 0);
	RETURNS(rump_sys_setresuid(2000, 2000, 2000), 0);
	while (!r->stop) {
		/* The named user's rw, or other's r: read always works. */
		int fd = rump_sys_open("/f", O_RDONLY);

		cr_assert_geq(fd, 0, "%s", strerror(errno));
		rump_sys_close(fd);
		ssize_t n = rump_sys_getxattr("/f", A, buf, sizeof(buf));
		cr_assert(n == 52 || (n == -1 && errno == ENODATA));
		n = rump_sys_listxattr("/f", buf, sizeof(buf));
		cr_assert(n == 0 || n == 24, "%zd", n);
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(acl, set_and_remove_race_with_checks)
{
	struct race r = { .stop = false };
	pthread_t t[3];

	mkfile("/f", 1000, 1000, 0664);
	pthread_create(&t[0], NULL, race_setter, &r);
	pthread_create(&t[1], NULL, race_checker, &r);
	pthread_create(&t[2], NULL, race_checker, &r);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
}

/* A memfd is a tmpfs file on Linux, ACLs included. */
Test(acl, memfds_keep_them)
{
	char buf[512], list[64];
	size_t n = acl_make(buf, acl_named, NENT(acl_named));
	struct stat st;
	int fd = rump_sys_memfd_create("m", 0);

	cr_assert_geq(fd, 0);
	FAILS(rump_sys_fgetxattr(fd, A, buf, sizeof(buf)), ENODATA);
	RETURNS(rump_sys_fsetxattr(fd, A, buf, n, 0), 0);
	RETURNS(rump_sys_fstat(fd, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0660);
	RETURNS(rump_sys_flistxattr(fd, list, sizeof(list)), 24);
	cr_assert_str_eq(list, A);
	RETURNS(rump_sys_fchmod(fd, 0751), 0);
	RETURNS(rump_sys_fgetxattr(fd, A, buf, sizeof(buf)), (long)n);
	RETURNS(rump_sys_fsetxattr(fd, D, buf, n, 0), -1);
	cr_assert_eq(errno, EACCES);
	RETURNS(rump_sys_fremovexattr(fd, A), 0);
	FAILS(rump_sys_fgetxattr(fd, A, buf, sizeof(buf)), ENODATA);
	RETURNS(rump_sys_fsetxattr(fd, A, buf, n, 0), 0);
	rump_sys_close(fd); /* freed with the file */
}

Test(acl, bound_sockets_inherit)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int s = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);

	rump_sys_umask(022);
	RETURNS(rump_sys_mkdir("/d", 0755), 0);
	RETURNS(SETACL("/d", D, dflt), 0);
	strcpy(sun.sun_path, "/d/s");
	cr_assert_geq(s, 0);
	RETURNS(rump_sys_bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	/* The umask first (unix_bind's), then the ACL. */
	cr_assert_eq(mode_of("/d/s"), 0750);
	cr_assert_str_eq(acl_str("/d/s", A), "1:7,2:7:2000,4:5,10:5,20:0");
	rump_sys_close(s);
}
