/*
 * xattr_diff.c: a randomized differential test of extended attributes.
 * The same calls (set, get, list, remove in their path, l-, f- and *at
 * forms, with random names, sizes, flags and buffers) run on a tree in
 * rump's tmpfs and on the same tree in a host directory under /dev/shm
 * (the host's tmpfs), each under a random credential: on the rump side
 * a process per credential (rfork'ed from a root process, sharing its
 * descriptor table), on the host the test thread itself with its ids
 * changed for the one call by raw, per-thread set*id syscalls.  Every
 * result and errno must match, the bytes a get or list returned too,
 * and after each call the attributes of every node (read as root) and
 * whether its ctime moved.
 *
 * POSIX ACLs take part: system.posix_acl_access and _default are
 * set (from a table of valid and broken values), read, listed and
 * removed like the rest, and three more operations show what they do:
 * access checks (faccessat2 with AT_EACCESS, for every credential,
 * some with supplementary groups), chmod (which rewrites the ACL's
 * owner, mask and other entries) and creations under a random umask in
 * the tree's directories (which inherit default ACLs), whose mode and
 * ACLs are compared before the node is removed again.  The snapshot
 * holds every node's mode too.
 *
 * The host side runs as root.  Environment: XATTRDIFF_SEEDS=n runs n
 * seeds (default 3), XATTRDIFF_FIRST=k starts at seed k (default 1),
 * XATTRDIFF_TRACE prints each call and its result.
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "host_dir.h"
#include "vfs_util.h"

TestSuite(xattr_diff, .init = vfs_boot, .timeout = 120);

#define SYS_setxattrat_ 463
#define SYS_getxattrat_ 464
#define SYS_listxattrat_ 465
#define SYS_removexattrat_ 466

/* ---- credentials ----------------------------------------------------------- */

struct cred {
	uid_t uid;
	gid_t gid;
	bool fsonly; /* root with only the file-system ids changed */
	int ngroups; /* supplementary groups */
	gid_t groups[2];
};

static const struct cred creds[] = {
	{ 0, 0, false, 0, { 0 } },
	{ 1000, 1000, false, 0, { 0 } },
	{ 1001, 2000, false, 0, { 0 } },
	{ 1000, 1000, true, 0, { 0 } },
	{ 1002, 1002, false, 2, { 2000, 1000 } },
	{ 1003, 1003, false, 1, { 1000 } },
};
#define NCREDS (int)(sizeof(creds) / sizeof(creds[0]))

static struct lwp *rump_lwp[NCREDS];

static void
rump_creds_init(void)
{
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	rump_lwp[0] = rump_pub_lwproc_curlwp();
	for (int i = 1; i < NCREDS; i++) {
		const struct cred *c = &creds[i];

		rump_pub_lwproc_switch(rump_lwp[0]);
		cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFD_SHARE), 0);
		RETURNS(rump_sys_setgroups((size_t)c->ngroups, c->groups), 0);
		if (c->fsonly) {
			rump_sys_setfsgid(c->gid);
			rump_sys_setfsuid(c->uid);
		} else {
			RETURNS(rump_sys_setresgid(c->gid, c->gid, c->gid), 0);
			RETURNS(rump_sys_setresuid(c->uid, c->uid, c->uid), 0);
		}
		rump_lwp[i] = rump_pub_lwproc_curlwp();
	}
	rump_pub_lwproc_switch(rump_lwp[0]);
}

static void
host_become(int ci)
{
	const struct cred *c = &creds[ci];

	if (ci == 0)
		return;
	cr_assert_eq(syscall(SYS_setgroups, c->ngroups, c->groups), 0);
	if (c->fsonly) {
		syscall(SYS_setfsgid, c->gid);
		syscall(SYS_setfsuid, c->uid);
		return;
	}
	cr_assert_eq(syscall(SYS_setresgid, c->gid, c->gid, c->gid), 0);
	cr_assert_eq(syscall(SYS_setresuid, c->uid, c->uid, 0), 0);
}

static void
host_root(int ci)
{
	if (ci == 0)
		return;
	syscall(SYS_setfsuid, 0);
	cr_assert_eq(syscall(SYS_setresuid, 0, 0, 0), 0);
	cr_assert_eq(syscall(SYS_setresgid, 0, 0, 0), 0);
	cr_assert_eq(syscall(SYS_setgroups, 0, NULL), 0);
	syscall(SYS_setfsgid, 0);
	cr_assert_eq(syscall(SYS_setfsuid, -1), 0);
}

/* ---- the tree ----------------------------------------------------------------- */

struct node {
	const char *name;
	mode_t mode; /* with the type; a symlink's target in `target' */
	uid_t uid;
	gid_t gid;
	const char *target;
};

static const struct node tree[] = {
	{ "f", S_IFREG | 0644, 0, 0, NULL },
	{ "w", S_IFREG | 0666, 1000, 1000, NULL },
	{ "z", S_IFREG | 0000, 0, 0, NULL },
	{ "o", S_IFREG | 0640, 1001, 2000, NULL },
	{ "d", S_IFDIR | 0755, 0, 0, NULL },
	{ "d/g", S_IFREG | 0664, 1000, 2000, NULL },
	{ "dw", S_IFDIR | 0777, 1000, 1000, NULL },
	{ "sticky", S_IFDIR | 01777, 0, 0, NULL },
	{ "stickyo", S_IFDIR | 01777, 1000, 1000, NULL },
	{ "nox", S_IFDIR | 0700, 0, 0, NULL },
	{ "nox/in", S_IFREG | 0666, 0, 0, NULL },
	{ "l", S_IFLNK, 1000, 1000, "f" },
	{ "dl", S_IFLNK, 0, 0, "nowhere" },
	{ "fifo", S_IFIFO | 0666, 0, 0, NULL },
};
#define NTREE (int)(sizeof(tree) / sizeof(tree[0]))
/* Descriptor targets: the tree's nodes, a memfd, a pipe, a socket. */
#define NFD (NTREE + 3)

struct side {
	bool rump;
	char base[128]; /* the tree's directory */
	int dir;
	int fd[NFD];
	int pipe[2];
	struct timespec ctime[NTREE];
};

#define CALL(s, fn, ...)                                                       \
	((s)->rump ? rump_sys_##fn(__VA_ARGS__) : fn(__VA_ARGS__))

static long
at_call(struct side *s, long nr, long a, long b, long c, long d, long e, long f)
{
	if (s->rump) {
		long args[6] = { a, b, c, d, e, f };
		long r = rump_syscall(nr, args);

		if (r < 0) {
			errno = (int)-r;
			return -1;
		}
		return r;
	}
	return syscall(nr, a, b, c, d, e, f);
}

static void
node_path(struct side *s, int i, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", s->base, tree[i].name);
}

static void
build_tree(struct side *s)
{
	char p[256];

	for (int i = 0; i < NTREE; i++) {
		const struct node *n = &tree[i];
		int fd;

		node_path(s, i, p, sizeof(p));
		if (S_ISDIR(n->mode)) {
			cr_assert_eq(CALL(s, mkdir, p, 0700), 0);
		} else if (S_ISLNK(n->mode)) {
			cr_assert_eq(CALL(s, symlink, n->target, p), 0);
		} else if (S_ISFIFO(n->mode)) {
			cr_assert_eq(CALL(s, mknod, p, S_IFIFO | 0600, 0), 0);
		} else {
			fd = CALL(s, open, p, O_CREAT | O_EXCL | O_WRONLY,
				  0600);
			cr_assert_geq(fd, 0, "%s: %s", p, strerror(errno));
			CALL(s, close, fd);
		}
		cr_assert_eq(CALL(s, lchown, p, n->uid, n->gid), 0);
		if (!S_ISLNK(n->mode))
			cr_assert_eq(CALL(s, chmod, p, n->mode & 07777), 0);
	}
	for (int i = 0; i < NTREE; i++) {
		node_path(s, i, p, sizeof(p));
		s->fd[i] = CALL(s, open, p,
				(S_ISREG(tree[i].mode) || S_ISDIR(tree[i].mode))
					? O_RDONLY
					: O_PATH | O_NOFOLLOW);
		cr_assert_geq(s->fd[i], 0, "%s: %s", p, strerror(errno));
	}
	/* Attributes to start with, so that lists hold several. */
	for (int i = 0; i < NTREE; i++) {
		node_path(s, i, p, sizeof(p));
		if (S_ISREG(tree[i].mode) || S_ISDIR(tree[i].mode)) {
			cr_assert_eq(CALL(s, setxattr, p, "user.b", "1", 1, 0),
				     0);
			cr_assert_eq(CALL(s, setxattr, p, "user.a", "22", 2, 0),
				     0);
		}
		cr_assert_eq(CALL(s, lsetxattr, p, "trusted.t", "", 0, 0), 0);
	}
	s->fd[NTREE] = CALL(s, memfd_create, "m", 0);
	cr_assert_geq(s->fd[NTREE], 0);
	cr_assert_eq(CALL(s, pipe, s->pipe), 0);
	s->fd[NTREE + 1] = s->pipe[0];
	s->fd[NTREE + 2] = CALL(s, socket, AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(s->fd[NTREE + 2], 0);
}

static void
side_fini(struct side *s)
{
	for (int i = 0; i < NFD; i++)
		CALL(s, close, s->fd[i]);
	CALL(s, close, s->pipe[1]);
}

/* Every node's attributes (as root), and whether its ctime moved since
 * the last look. */
static void
snapshot(struct side *s, char *out, size_t outlen)
{
	char p[256], list[4096], val[70000];
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < NTREE; i++) {
		struct stat st;
		ssize_t n;

		node_path(s, i, p, sizeof(p));
		cr_assert_eq(CALL(s, lstat, p, &st), 0);
		used += snprintf(out + used, outlen - used,
				 "%s%s:%o:", tree[i].name,
				 st.st_ctim.tv_sec != s->ctime[i].tv_sec ||
						 st.st_ctim.tv_nsec !=
							 s->ctime[i].tv_nsec
					 ? "*"
					 : "",
				 st.st_mode & 07777);
		s->ctime[i] = st.st_ctim;
		n = CALL(s, llistxattr, p, list, sizeof(list));
		if (n < 0) {
			used += snprintf(out + used, outlen - used, "E%d ",
					 errno);
			continue;
		}
		for (ssize_t j = 0; j < n; j += strlen(list + j) + 1) {
			ssize_t v = CALL(s, lgetxattr, p, list + j, val,
					 sizeof(val));
			unsigned sum = 0;

			for (ssize_t k = 0; k < v; k++)
				sum = sum * 31 + (unsigned char)val[k];
			used += snprintf(out + used, outlen - used,
					 "%s=%zd/%08x,", list + j, v, sum);
		}
		used += snprintf(out + used, outlen - used, " ");
		cr_assert_lt(used, outlen);
	}
}

/* ---- operations ---------------------------------------------------------------- */

static char n256[257];
static const char *const xnames[] = {
	"user.a",
	"user.b",
	"user.long.name.here",
	"trusted.t",
	"security.s",
	"foo.x",
	"user.",
	"",
	n256,
	"user",
	"USER.a",
	"trusted.",
	"security.capability",
	"system.sockprotoname",
	"system.posix_acl_access",
	"system.posix_acl_default",
};
#define NXNAMES (int)(sizeof(xnames) / sizeof(xnames[0]))
#define NGOOD 5               /* the first five are names that can be set */
#define XACCESS (NXNAMES - 2) /* the ACLs' names */
#define XDEFAULT (NXNAMES - 1)

/* ACL values (struct posix_acl_xattr_*): valid ones naming the test's
 * users and groups, and broken ones. */
enum { UO = 1, U = 2, GO = 4, G = 8, M = 0x10, O = 0x20 };
#define NOID 0xffffffffu
#define ACL_MAXENT 9
static const struct aclspec {
	int version; /* 2 */
	int n;       /* entries; -1: a 3-byte value */
	unsigned e[ACL_MAXENT][3];
} aclspecs[] = {
	{ 2,
	  6,
	  { { UO, 6, NOID },
	    { U, 7, 1001 },
	    { GO, 4, NOID },
	    { G, 6, 2000 },
	    { M, 7, NOID },
	    { O, 0, NOID } } },
	{ 2, 3, { { UO, 7, NOID }, { GO, 5, NOID }, { O, 1, NOID } } },
	{ 2,
	  7,
	  { { UO, 6, NOID },
	    { U, 4, 1000 },
	    { U, 2, 1002 },
	    { GO, 0, NOID },
	    { G, 1, 1002 },
	    { M, 6, NOID },
	    { O, 4, NOID } } },
	{ 2,
	  5,
	  { { UO, 4, NOID },
	    { GO, 7, NOID },
	    { G, 1, 1000 },
	    { M, 5, NOID },
	    { O, 6, NOID } } },
	{ 2,
	  4,
	  { { UO, 7, NOID },
	    { GO, 7, NOID },
	    { M, 0, NOID },
	    { O, 7, NOID } } },
	{ 2,
	  8,
	  { { UO, 7, NOID },
	    { U, 3, 1003 },
	    { U, 5, 1001 },
	    { U, 1, 1003 },
	    { GO, 2, NOID },
	    { G, 4, 2000 },
	    { M, 7, NOID },
	    { O, 0, NOID } } },
	{ 2,
	  5,
	  { { UO, 7, NOID },
	    { U, 7, 1002 },
	    { GO, 5, NOID },
	    { M, 7, NOID },
	    { O, 5, NOID } } },
	/* broken: no mask with a named entry; an unknown tag; a perm
	 * out of range; an undefined id; the order; no OTHER */
	{ 2,
	  4,
	  { { UO, 6, NOID },
	    { U, 5, 1000 },
	    { GO, 4, NOID },
	    { O, 4, NOID } } },
	{ 2,
	  4,
	  { { UO, 6, NOID },
	    { GO, 4, NOID },
	    { 0x40, 4, NOID },
	    { O, 4, NOID } } },
	{ 2, 3, { { UO, 016, NOID }, { GO, 4, NOID }, { O, 4, NOID } } },
	{ 2,
	  5,
	  { { UO, 6, NOID },
	    { U, 5, NOID },
	    { GO, 4, NOID },
	    { M, 7, NOID },
	    { O, 4, NOID } } },
	{ 2,
	  4,
	  { { GO, 4, NOID },
	    { UO, 6, NOID },
	    { M, 4, NOID },
	    { O, 4, NOID } } },
	{ 2, 2, { { UO, 6, NOID }, { GO, 4, NOID } } },
	{ 1, 3, { { UO, 7, NOID }, { GO, 5, NOID }, { O, 1, NOID } } },
	{ 2, 0, { { 0 } } },
	{ 2, -1, { { 0 } } },
};
#define NACLS (int)(sizeof(aclspecs) / sizeof(aclspecs[0]))
static char aclval[NACLS][4 + 8 * ACL_MAXENT];
static size_t aclsize[NACLS];

static void
acl_values(void)
{
	for (int i = 0; i < NACLS; i++) {
		const struct aclspec *a = &aclspecs[i];
		uint32_t ver = (uint32_t)a->version;
		char *p = aclval[i];

		memcpy(p, &ver, 4);
		aclsize[i] = a->n < 0 ? 3 : 4 + 8 * (size_t)a->n;
		for (int k = 0; k < a->n; k++) {
			uint16_t tag = (uint16_t)a->e[k][0];
			uint16_t perm = (uint16_t)a->e[k][1];
			uint32_t id = a->e[k][2];

			memcpy(p + 4 + 8 * k, &tag, 2);
			memcpy(p + 6 + 8 * k, &perm, 2);
			memcpy(p + 8 + 8 * k, &id, 4);
		}
	}
}

/* Modes for chmod and creations, and umasks. */
static const mode_t cmodes[] = { 0644, 0600,  0750, 02775, 0640, 0777,
				 0,    01777, 0604, 04755, 0666, 0710 };
#define NCMODES (int)(sizeof(cmodes) / sizeof(cmodes[0]))
static const mode_t umasks[] = { 0, 022, 077, 027 };
/* Where creations happen: the tree's directories. */
static const char *const cdirs[] = { "d", "dw", "sticky", "stickyo", "nox" };
#define NCDIRS (int)(sizeof(cdirs) / sizeof(cdirs[0]))
enum ckind { CK_FILE, CK_DIR, CK_FIFO, CK_TMPFILE, NCKINDS };
static const char *const cknames[] = { "file", "dir", "fifo", "tmpfile" };
static const size_t vsizes[] = { 0, 1, 7, 300, 65536, 65537 };
static const int xflags[] = { 0, 0, 0, XATTR_CREATE, XATTR_REPLACE, 3, 8 };
static const size_t bufsizes[] = { 0, 1, 6, 64, 1000, 70000 };
static char vbuf[70000];

/* The xattr calls come in NFORMS forms; the rest are one call each. */
enum op {
	OP_SET,
	OP_GET,
	OP_LIST,
	OP_REMOVE,
	NOPS,
	OP_ACCESS = NOPS,
	OP_CHMOD,
	OP_CREATE,
	NALLOPS
};
enum form { F_PATH, F_L, F_FD, F_AT, NFORMS };
static const char *const opnames[] = { "set",    "get",   "list",  "remove",
				       "access", "chmod", "create" };
static const char *const formnames[] = { "", "l", "f", "at" };

struct req {
	enum op op;
	enum form form;
	int ci, target, name, flags, atflags;
	size_t vsize, bufsize;
	int acl;            /* an ACL value (aclspecs) for a set, or -1 */
	int amode;          /* OP_ACCESS: R_OK | W_OK | X_OK bits */
	mode_t mode, umask; /* OP_CHMOD, OP_CREATE */
	int cdir;           /* OP_CREATE: cdirs[] */
	enum ckind ckind;   /* OP_CREATE */
};

static unsigned
rnd(unsigned *st, unsigned n)
{
	*st = *st * 1103515245u + 12345u;
	return (*st >> 16) % n;
}

#define SYS_faccessat2_ 439

/* A value read by getxattr, in hex, or its errno, appended to out. */
static size_t
show_xattr(struct side *s, int fd, const char *path, const char *name,
	   char *out, size_t outlen)
{
	char v[512];
	ssize_t n = fd >= 0 ? CALL(s, fgetxattr, fd, name, v, sizeof(v))
			    : CALL(s, lgetxattr, path, name, v, sizeof(v));
	size_t used = 0;

	if (n < 0)
		return (size_t)snprintf(out, outlen, " %s",
					strerrorname_np(errno));
	used += (size_t)snprintf(out, outlen, " ");
	for (ssize_t k = 0; k < n; k++)
		used += (size_t)snprintf(out + used, outlen - used, "%02x",
					 (unsigned char)v[k]);
	return used;
}

/* The other operations: access, chmod, create (see the top). */
static void
run_other(struct side *s, const struct req *rq, char *out, size_t outlen)
{
	const char *tname = tree[rq->target].name;
	char p[300], dir[256];
	struct stat st;
	long r = -1;
	int e, fd = -1;

	snprintf(dir, sizeof(dir), "%s/%s", s->base, cdirs[rq->cdir]);
	if (rq->op == OP_CREATE)
		snprintf(p, sizeof(p), "%s/n", dir);
	else
		node_path(s, rq->target, p, sizeof(p));
	if (s->rump) {
		rump_pub_lwproc_switch(rump_lwp[rq->ci]);
		rump_sys_umask(rq->umask);
	} else {
		host_become(rq->ci);
		umask(rq->umask);
	}
	errno = 0;
	switch (rq->op) {
	case OP_ACCESS:
		r = at_call(s, SYS_faccessat2_, s->dir, (long)tname, rq->amode,
			    AT_EACCESS, 0, 0);
		break;
	case OP_CHMOD:
		r = CALL(s, chmod, p, rq->mode);
		break;
	default:
		switch (rq->ckind) {
		case CK_FILE:
			r = fd = CALL(s, open, p, O_CREAT | O_EXCL | O_RDWR,
				      rq->mode);
			break;
		case CK_DIR:
			r = CALL(s, mkdir, p, rq->mode);
			break;
		case CK_FIFO:
			r = CALL(s, mknod, p, S_IFIFO | rq->mode, 0);
			break;
		default:
			r = fd = CALL(s, open, dir, O_TMPFILE | O_RDWR,
				      rq->mode);
			break;
		}
		break;
	}
	e = r < 0 ? errno : 0;
	if (s->rump) {
		rump_sys_umask(0);
		rump_pub_lwproc_switch(rump_lwp[0]);
	} else {
		umask(0);
		host_root(rq->ci);
	}
	size_t used = (size_t)snprintf(out, outlen, "%ld %s", r >= 0 ? 0 : r,
				       e ? strerrorname_np(e) : "");
	if (rq->op != OP_CREATE || r < 0)
		return;
	/* What was made: its mode and ACLs, then it goes again. */
	if (rq->ckind == CK_TMPFILE) {
		cr_assert_eq(CALL(s, fstat, fd, &st), 0);
	} else {
		cr_assert_eq(CALL(s, lstat, p, &st), 0);
		fd = -1;
	}
	used += (size_t)snprintf(out + used, outlen - used, " %o/%u",
				 st.st_mode, st.st_gid);
	used += show_xattr(s, fd, p, xnames[XACCESS], out + used,
			   outlen - used);
	used += show_xattr(s, fd, p, xnames[XDEFAULT], out + used,
			   outlen - used);
	if (rq->ckind == CK_TMPFILE || rq->ckind == CK_FILE)
		CALL(s, close, (int)r);
	if (rq->ckind == CK_DIR)
		cr_assert_eq(CALL(s, rmdir, p), 0);
	else if (rq->ckind != CK_TMPFILE)
		cr_assert_eq(CALL(s, unlink, p), 0);
}

/* Run one request on a side; the result, errno and returned bytes. */
static void
run(struct side *s, const struct req *rq, char *out, size_t outlen)
{
	static char buf[70000];
	const char *name = xnames[rq->name];
	const char *val = vbuf;
	size_t vsize = rq->vsize;
	char p[256];
	long r = -1;
	int target = rq->target, fd;

	if (target < NTREE)
		node_path(s, target, p, sizeof(p));
	else
		snprintf(p, sizeof(p), "%s/f", s->base);
	fd = s->fd[target];
	memset(buf, 0xa5,
	       rq->bufsize + 16 < sizeof(buf) ? rq->bufsize + 16 : sizeof(buf));
	if (rq->op >= NOPS) {
		run_other(s, rq, out, outlen);
		return;
	}
	if (rq->acl >= 0) {
		val = aclval[rq->acl];
		vsize = aclsize[rq->acl];
	}
	if (s->rump)
		rump_pub_lwproc_switch(rump_lwp[rq->ci]);
	else
		host_become(rq->ci);
	errno = 0;
	switch (rq->form * NOPS + rq->op) {
	case F_PATH *NOPS + OP_SET:
		r = CALL(s, setxattr, p, name, val, vsize, rq->flags);
		break;
	case F_L *NOPS + OP_SET:
		r = CALL(s, lsetxattr, p, name, val, vsize, rq->flags);
		break;
	case F_FD *NOPS + OP_SET:
		r = CALL(s, fsetxattr, fd, name, val, vsize, rq->flags);
		break;
	case F_PATH *NOPS + OP_GET:
		r = CALL(s, getxattr, p, name, buf, rq->bufsize);
		break;
	case F_L *NOPS + OP_GET:
		r = CALL(s, lgetxattr, p, name, buf, rq->bufsize);
		break;
	case F_FD *NOPS + OP_GET:
		r = CALL(s, fgetxattr, fd, name, buf, rq->bufsize);
		break;
	case F_PATH *NOPS + OP_LIST:
		r = CALL(s, listxattr, p, buf, rq->bufsize);
		break;
	case F_L *NOPS + OP_LIST:
		r = CALL(s, llistxattr, p, buf, rq->bufsize);
		break;
	case F_FD *NOPS + OP_LIST:
		r = CALL(s, flistxattr, fd, buf, rq->bufsize);
		break;
	case F_PATH *NOPS + OP_REMOVE:
		r = CALL(s, removexattr, p, name);
		break;
	case F_L *NOPS + OP_REMOVE:
		r = CALL(s, lremovexattr, p, name);
		break;
	case F_FD *NOPS + OP_REMOVE:
		r = CALL(s, fremovexattr, fd, name);
		break;
	default: {
		/* *at: relative to the tree's directory, or "" on the
		 * target's descriptor with AT_EMPTY_PATH */
		bool empty = rq->atflags & AT_EMPTY_PATH;
		int dfd = empty ? fd : s->dir;
		const char *rel = empty            ? ""
				  : target < NTREE ? tree[target].name
						   : "f";
		struct xattr_args a = { 0, 0, 0 };

		switch (rq->op) {
		case OP_SET:
			a.value = (uintptr_t)val;
			a.size = (uint32_t)vsize;
			a.flags = (uint32_t)rq->flags;
			r = at_call(s, SYS_setxattrat_, dfd, (long)rel,
				    rq->atflags, (long)name, (long)&a,
				    sizeof(a));
			break;
		case OP_GET:
			a.value = (uintptr_t)buf;
			a.size = (uint32_t)rq->bufsize;
			r = at_call(s, SYS_getxattrat_, dfd, (long)rel,
				    rq->atflags, (long)name, (long)&a,
				    sizeof(a));
			break;
		case OP_LIST:
			r = at_call(s, SYS_listxattrat_, dfd, (long)rel,
				    rq->atflags, (long)buf, (long)rq->bufsize,
				    0);
			break;
		default:
			r = at_call(s, SYS_removexattrat_, dfd, (long)rel,
				    rq->atflags, (long)name, 0, 0);
			break;
		}
	}
	}
	int e = r < 0 ? errno : 0;

	if (s->rump)
		rump_pub_lwproc_switch(rump_lwp[0]);
	else
		host_root(rq->ci);
	size_t used = (size_t)snprintf(out, outlen, "%ld %s", r,
				       e ? strerrorname_np(e) : "");
	if (r > 0 && (rq->op == OP_GET || rq->op == OP_LIST)) {
		for (long k = 0; k < r && k < 200; k++)
			used += snprintf(out + used, outlen - used, "%02x",
					 (unsigned char)buf[k]);
	}
}

static const char *
target_name(int t)
{
	static const char *const extra[] = { "memfd", "pipe", "socket" };

	return t < NTREE ? tree[t].name : extra[t - NTREE];
}

static void
describe(const struct req *rq, char *out, size_t n)
{
	if (rq->op == OP_ACCESS) {
		snprintf(out, n, "access %d of %s as %u%s", rq->amode,
			 target_name(rq->target), creds[rq->ci].uid,
			 creds[rq->ci].fsonly ? " (fs)" : "");
		return;
	}
	if (rq->op == OP_CHMOD) {
		snprintf(out, n, "chmod %s %o as %u%s", target_name(rq->target),
			 rq->mode, creds[rq->ci].uid,
			 creds[rq->ci].fsonly ? " (fs)" : "");
		return;
	}
	if (rq->op == OP_CREATE) {
		snprintf(out, n, "create %s in %s mode %o umask %o as %u%s",
			 cknames[rq->ckind], cdirs[rq->cdir], rq->mode,
			 rq->umask, creds[rq->ci].uid,
			 creds[rq->ci].fsonly ? " (fs)" : "");
		return;
	}
	snprintf(out, n,
		 "%s%sxattr%s on %s as %u%s name '%.20s' size %zu flags %d "
		 "buf %zu at_flags %#x acl %d",
		 formnames[rq->form], opnames[rq->op],
		 rq->form == F_AT ? "at" : "", target_name(rq->target),
		 creds[rq->ci].uid, creds[rq->ci].fsonly ? " (fs)" : "",
		 xnames[rq->name], rq->vsize, rq->flags, rq->bufsize,
		 rq->atflags, rq->acl);
}

static bool acls; /* ACL names and operations take part */

static void
random_req(unsigned *st, struct req *rq)
{
	static const int atfl[] = { 0, 0, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH,
				    0x800 };

	/* Mostly calls that can succeed: good names, root, no flags. */
	rq->op = (enum op)rnd(st, NOPS);
	rq->form = (enum form)rnd(st, NFORMS);
	rq->ci = rnd(st, 3) == 0 ? 0 : (int)rnd(st, NCREDS);
	rq->target = (int)rnd(st, rq->form == F_FD ? NFD : NTREE);
	rq->name = (int)rnd(st, rnd(st, 4) != 0 ? NGOOD : NXNAMES);
	rq->vsize = vsizes[rnd(st, rnd(st, 4) != 0 ? 4 : 6)];
	rq->flags = rnd(st, 2) == 0 ? 0 : xflags[rnd(st, 7)];
	rq->bufsize = bufsizes[rnd(st, 6)];
	rq->atflags = atfl[rnd(st, 5)];
	/* The memfd and the pipe have no path: the f- forms reach them,
	 * and the *at forms through AT_EMPTY_PATH. */
	if (rq->form == F_AT && rnd(st, 4) == 0) {
		rq->target = NTREE + (int)rnd(st, 3);
		rq->atflags = AT_EMPTY_PATH;
	}
	/* ACLs: a third of the names, mostly with a value of the table. */
	rq->acl = -1;
	if (acls && rnd(st, 3) == 0)
		rq->name = rnd(st, 3) == 0 ? XDEFAULT : XACCESS;
	if ((rq->name == XACCESS || rq->name == XDEFAULT) && rnd(st, 8) != 0)
		rq->acl = (int)rnd(st, NACLS);
	/* Sets that can succeed: often by root, default ACLs mostly on
	 * directories. */
	if (rq->acl >= 0 && rq->op == OP_SET && rnd(st, 2) == 0) {
		static const int dirs[] = { 4, 6, 7, 8, 9 };

		rq->ci = 0;
		if (rq->form == F_FD || rq->form == F_AT)
			rq->form = F_PATH;
		if (rq->name == XDEFAULT || rnd(st, 3) == 0)
			rq->target = dirs[rnd(st, 5)];
	}
	/* And the operations that show what ACLs do. */
	rq->mode = cmodes[rnd(st, NCMODES)];
	rq->umask = umasks[rnd(st, 4)];
	rq->amode = (int)rnd(st, 8);
	rq->cdir = (int)rnd(st, NCDIRS);
	rq->ckind = (enum ckind)rnd(st, NCKINDS);
	if (acls && rnd(st, 3) == 0) {
		rq->op = (enum op)(NOPS + rnd(st, NALLOPS - NOPS));
		rq->target = (int)rnd(st, NTREE);
	}
}

static bool trace;

/* With `opts', each side's tree is a tmpfs mount of its own with those
 * options (nr_inodes: the inode space attributes take). */
static void
differential(unsigned seed, int nops, const char *hbase, const char *opts)
{
	static char rsnap[16384], hsnap[16384];
	struct side rs = { .rump = true }, hs = { .rump = false };
	char rres[600], hres[600], what[256];
	unsigned st = seed;

	snprintf(rs.base, sizeof(rs.base), "/x%u", seed);
	snprintf(hs.base, sizeof(hs.base), "%s/x%u", hbase, seed);
	RETURNS(rump_sys_mkdir(rs.base, 0755), 0);
	cr_assert_eq(mkdir(hs.base, 0755), 0);
	if (opts != NULL) {
		RETURNS(rump_sys_mount("none", rs.base, "tmpfs", 0, opts), 0);
		cr_assert_eq(mount("none", hs.base, "tmpfs", 0, opts), 0,
			     "host mount: %s", strerror(errno));
	}
	RETURNS(rump_sys_chmod(rs.base, 0755), 0);
	cr_assert_eq(chmod(hs.base, 0755), 0);
	rs.dir = rump_sys_open(rs.base, O_RDONLY | O_DIRECTORY);
	hs.dir = open(hs.base, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(rs.dir, 0);
	cr_assert_geq(hs.dir, 0);
	build_tree(&rs);
	build_tree(&hs);
	for (size_t i = 0; i < sizeof(vbuf); i++)
		vbuf[i] = (char)(seed * 7 + i * 13);
	snapshot(&rs, rsnap, sizeof(rsnap));
	snapshot(&hs, hsnap, sizeof(hsnap));
	for (int i = 0; i < nops; i++) {
		struct req rq;

		random_req(&st, &rq);
		run(&rs, &rq, rres, sizeof(rres));
		run(&hs, &rq, hres, sizeof(hres));
		describe(&rq, what, sizeof(what));
		if (trace)
			fprintf(stderr, "%u/%d %s: %.300s\n", seed, i, what,
				rres);
		cr_assert_str_eq(rres, hres,
				 "seed %u op %d: %s:\nrump %s\nhost %s", seed,
				 i, what, rres, hres);
		snapshot(&rs, rsnap, sizeof(rsnap));
		snapshot(&hs, hsnap, sizeof(hsnap));
		cr_assert_str_eq(rsnap, hsnap,
				 "seed %u after op %d (%s): state differs\n"
				 "rump %s\nhost %s",
				 seed, i, what, rsnap, hsnap);
	}
	side_fini(&rs);
	side_fini(&hs);
	rump_sys_close(rs.dir);
	close(hs.dir);
	if (opts != NULL) {
		RETURNS(rump_sys_umount(rs.base), 0);
		cr_assert_eq(umount2(hs.base, MNT_DETACH), 0);
	}
}

static unsigned
env_num(const char *name, unsigned dflt)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? (unsigned)strtoul(v, NULL, 10) : dflt;
}

Test(xattr_diff, random_calls_match_the_hosts_tmpfs)
{
	char hbase[] = "/dev/shm/rump-xattrdiff-XXXXXX";
	unsigned first = env_num("XATTRDIFF_FIRST", 1);
	unsigned nseeds = env_num("XATTRDIFF_SEEDS", 3);

	if (geteuid() != 0)
		cr_skip_test("the host side needs root");
	trace = getenv("XATTRDIFF_TRACE") != NULL;
	memset(n256, 'n', 256);
	memcpy(n256, "user.", 5);
	umask(0);
	cr_assert_not_null(mkdtemp(hbase));
	cr_assert_eq(chmod(hbase, 0755), 0);
	rump_creds_init();
	rump_sys_umask(0);
	for (unsigned seed = first; seed < first + nseeds; seed++)
		differential(seed, 400, hbase, NULL);
	host_rmtree(hbase);
}

/* The same on a mount with little inode space: 15 nodes of 17, the
 * rest for attributes, so sets run into ENOSPC as on the host. */
Test(xattr_diff, random_calls_on_a_full_mount)
{
	char hbase[] = "/dev/shm/rump-xattrdiff-XXXXXX";
	unsigned first = env_num("XATTRDIFF_FIRST", 1);
	unsigned nseeds = env_num("XATTRDIFF_SEEDS", 3);

	if (geteuid() != 0)
		cr_skip_test("the host side needs root");
	trace = getenv("XATTRDIFF_TRACE") != NULL;
	memset(n256, 'n', 256);
	memcpy(n256, "user.", 5);
	umask(0);
	cr_assert_not_null(mkdtemp(hbase));
	cr_assert_eq(chmod(hbase, 0755), 0);
	rump_creds_init();
	rump_sys_umask(0);
	/* The host mounts live in a mount namespace of this test's own, so
	 * that a failure leaves none behind. */
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	for (unsigned seed = first; seed < first + nseeds; seed++)
		differential(seed, 400, hbase, "nr_inodes=17");
	host_rmtree(hbase);
}

/* With POSIX ACLs: their names and values among the calls, and access
 * checks, chmod and creations that show what they do. */
Test(xattr_diff, random_acl_calls_match_the_hosts_tmpfs)
{
	char hbase[] = "/dev/shm/rump-xattrdiff-XXXXXX";
	unsigned first = env_num("XATTRDIFF_FIRST", 1);
	unsigned nseeds = env_num("XATTRDIFF_SEEDS", 3);

	if (geteuid() != 0)
		cr_skip_test("the host side needs root");
	trace = getenv("XATTRDIFF_TRACE") != NULL;
	memset(n256, 'n', 256);
	memcpy(n256, "user.", 5);
	acl_values();
	acls = true;
	umask(0);
	cr_assert_not_null(mkdtemp(hbase));
	cr_assert_eq(chmod(hbase, 0755), 0);
	rump_creds_init();
	rump_sys_umask(0);
	for (unsigned seed = first; seed < first + nseeds; seed++)
		differential(seed, 600, hbase, NULL);
	host_rmtree(hbase);
}
