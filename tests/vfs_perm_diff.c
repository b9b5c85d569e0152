/*
 * vfs_perm_diff.c: a randomized differential test of permission
 * decisions.  The same operations run on rump's tmpfs (or on a hostfs
 * mount of another host directory) and on a host directory, each under
 * a randomly chosen credential: on the rump side a process per
 * credential (rfork'ed from a root process, sharing its descriptor
 * table), on the host the test thread itself, its ids changed
 * for the one call with raw, per-thread set*id syscalls (glibc's change
 * every thread).  Results, errnos and the owner, group and mode of the
 * names involved (read as root afterwards), and mtimes utimensat set,
 * must match.  Besides files opened by name, the descriptor slots hold
 * memfds, pipe ends and sockets, whose inodes fchmod, fchown and
 * futimens (and their AT_EMPTY_PATH forms) change by the same rules.
 *
 * The host side runs as root.  A credential with a non-zero uid is set
 * with setresuid(uid, uid, 0): real, effective and file-system uid are
 * the caller's, as in the rump process, and the saved uid 0 lets the
 * thread return to root.  One credential keeps uid 0 and changes only
 * the file-system ids (setfsuid), as the rump process does too: Linux
 * then drops the file capabilities (CAP_CHOWN, CAP_DAC_OVERRIDE,
 * CAP_FOWNER, CAP_FSETID, CAP_MKNOD, ...), and rump must too.
 *
 * Environment: VFSPERM_SEEDS=n runs n seeds in each test (default: a few
 * for CI), VFSPERM_FIRST=k starts at seed k (default 1).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "host_dir.h"
#include "vfs_util.h"

TestSuite(vfs_perm_diff, .init = vfs_boot, .timeout = 120);

/* ---- credentials ----------------------------------------------------------- */

struct cred {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[2];
	bool fsonly; /* uid 0 with only the file-system ids changed */
};

static const struct cred creds[] = {
	{ 0, 0, 0, { 0 }, false },
	{ 1000, 1000, 1, { 2000 }, false },
	{ 1001, 2000, 0, { 0 }, false },
	{ 1002, 3000, 1, { 1000 }, false },
	{ 1003, 2000, 2, { 1000, 3000 }, true },
};
#define NCREDS (int)(sizeof(creds) / sizeof(creds[0]))

static struct lwp *rump_lwp[NCREDS]; /* [0] is the root process */

/* The rump processes: a root one, and one child per other credential
 * sharing its descriptor table, so that any of them can use a
 * descriptor another opened. */
static void
rump_creds_init(void)
{
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	rump_sys_umask(022);
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
rump_creds_fini(void)
{
	for (int i = NCREDS - 1; i >= 0; i--) {
		rump_pub_lwproc_switch(rump_lwp[i]);
		rump_pub_lwproc_releaselwp();
	}
}

/* This host thread takes credential c (the thread alone: raw syscalls). */
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

/* Back to root.  setfsuid(0) first: it alone gives back the file
 * capabilities a setfsuid took away (setresuid(0, 0, 0) after it would
 * find the effective uid unchanged and leave them dropped). */
static void
host_root(int ci)
{
	if (ci == 0)
		return;
	syscall(SYS_setfsuid, 0);
	cr_assert_eq(syscall(SYS_setresuid, 0, 0, 0), 0);
	cr_assert_eq(syscall(SYS_setresgid, 0, 0, 0), 0);
	syscall(SYS_setfsgid, 0);
	cr_assert_eq(syscall(SYS_setgroups, 0, NULL), 0);
	cr_assert_eq(syscall(SYS_setfsuid, -1), 0);
}

/* This thread's effective capabilities, from /proc. */
static unsigned long long
host_caps(void)
{
	unsigned long long caps = 0;
	char line[128];
	FILE *f = fopen("/proc/thread-self/status", "r");

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps;
}

/* Each credential, and back, leaves this thread root with all its
 * capabilities: what the test stands on. */
static void
host_creds_check(void)
{
	unsigned long long caps = host_caps();

	for (int i = 1; i < NCREDS; i++) {
		host_become(i);
		cr_assert_eq(syscall(SYS_setfsuid, -1), (long)creds[i].uid);
		cr_assert_neq(host_caps(), caps, "credential %d kept its caps",
			      i);
		host_root(i);
		cr_assert_eq(host_caps(), caps, "credential %d: caps lost", i);
	}
}

/* A host sysctl under /proc/sys/fs, or 0. */
static int
host_fs_sysctl(const char *name)
{
	char path[96];
	int v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/fs/%s", name);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* Host policies rump does not have (Linux's are off by default):
 * fs.protected_hardlinks refuses links to others' files, and the
 * symlink/regular/fifo ones act in sticky directories. */
static bool protected_hardlinks, protected_sticky;

/* ---- the tree ----------------------------------------------------------------- */

/* Built as root on both sides at the start of each seed. */
struct node {
	const char *name;
	mode_t mode; /* S_IFDIR, S_IFLNK (the target in `target') or a file */
	uid_t uid;
	gid_t gid;
	const char *target;
};

static const struct node tree[] = {
	{ "pub", S_IFDIR | 0777, 1000, 1000, NULL },
	{ "pub/f1", 0644, 1000, 1000, NULL },
	{ "pub/f2", 0660, 1001, 2000, NULL },
	{ "pub/f3", 0606, 1002, 1000, NULL },
	{ "pub/x1", 04755, 0, 0, NULL },
	{ "pub/ln", S_IFLNK, 1001, 2000, "f1" },
	{ "sticky", S_IFDIR | 01777, 0, 0, NULL },
	{ "sticky/s1", 0666, 1000, 1000, NULL },
	{ "sticky/s2", 0644, 1001, 2000, NULL },
	{ "sticky/d", S_IFDIR | 0777, 1002, 3000, NULL },
	{ "sg", S_IFDIR | 02775, 0, 2000, NULL },
	{ "sg/g1", 02755, 1000, 2000, NULL },
	{ "sg/g2", 02664, 1001, 3000, NULL },
	{ "sg/sub", S_IFDIR | 02770, 1000, 2000, NULL },
	{ "priv", S_IFDIR | 0700, 1001, 2000, NULL },
	{ "priv/p1", 0644, 1001, 2000, NULL },
	{ "nox", S_IFDIR | 0766, 1000, 1000, NULL },
	{ "nox/n1", 0666, 1000, 1000, NULL },
	{ "nor", S_IFDIR | 0733, 1002, 3000, NULL },
	{ "nor/r1", 0666, 1002, 3000, NULL },
	{ "top", 0640, 1000, 3000, NULL },
	{ "sl", S_IFLNK, 1002, 3000, "sticky/s1" },
};
#define NTREE (int)(sizeof(tree) / sizeof(tree[0]))

/* The names operations use: the tree's, and new ones in each directory. */
static const char *const names[] = {
	"pub",     "pub/f1",   "pub/f2",    "pub/f3",    "pub/x1",
	"pub/ln",  "sticky",   "sticky/s1", "sticky/s2", "sticky/d",
	"sg",      "sg/g1",    "sg/g2",     "sg/sub",    "priv",
	"priv/p1", "nox",      "nox/n1",    "nor",       "nor/r1",
	"top",     "sl",       "pub/n",     "sticky/n",  "sticky/d/n",
	"sg/n",    "sg/sub/n", "priv/n",    "nox/n",     "nor/n",
	"n",       "pub/ln/",  "sg/sub/",
};
#define NNAMES (int)(sizeof(names) / sizeof(names[0]))

/* Targets of new symbolic links: relative to the link's directory, and
 * never above the test's directory. */
static const char *const targets[] = { "f1", "n", "s1", "sub", "g1", "d" };
#define NTARGETS (int)(sizeof(targets) / sizeof(targets[0]))

#define NFD 4

struct side {
	bool rump;
	const char *path; /* of the test's directory */
	int dir;
	int fd[NFD];
	int fdcred[NFD]; /* which credential opened it */
	int peer[NFD];   /* a pipe's other end, a socketpair's peer, or -1 */
	int root;        /* the real root, to come back from a chroot */
};

/* Switch to credential ci on this side, or back to root. */
static void
side_become(struct side *s, int ci)
{
	if (s->rump)
		rump_pub_lwproc_switch(rump_lwp[ci]);
	else
		host_become(ci);
}

static void
side_root(struct side *s, int ci)
{
	if (s->rump)
		rump_pub_lwproc_switch(rump_lwp[0]);
	else
		host_root(ci);
}

/* The same call on either side: rump's wrappers carry libc's names and
 * signatures. */
#define CALL(s, fn, ...)                                                       \
	((s)->rump ? rump_sys_##fn(__VA_ARGS__) : fn(__VA_ARGS__))

static void
side_close_fd(struct side *s, int fd)
{
	(void)CALL(s, close, fd);
}

static void
build_tree(struct side *s)
{
	for (int i = 0; i < NTREE; i++) {
		const struct node *n = &tree[i];
		int fd;

		if (S_ISDIR(n->mode)) {
			cr_assert_eq(CALL(s, mkdirat, s->dir, n->name, 0700),
				     0);
		} else if (S_ISLNK(n->mode)) {
			cr_assert_eq(
				CALL(s, symlinkat, n->target, s->dir, n->name),
				0);
		} else {
			fd = CALL(s, openat, s->dir, n->name,
				  O_CREAT | O_EXCL | O_WRONLY, 0600);
			cr_assert_geq(fd, 0, "%s: %s", n->name,
				      strerror(errno));
			cr_assert_eq(CALL(s, write, fd, "data", 4), 4);
			side_close_fd(s, fd);
		}
		cr_assert_eq(CALL(s, fchownat, s->dir, n->name, n->uid, n->gid,
				  AT_SYMLINK_NOFOLLOW),
			     0);
		if (S_ISLNK(n->mode))
			continue;
		mode_t m = n->mode & 07777;

		if (protected_sticky)
			m &= ~(mode_t)S_ISVTX;
		cr_assert_eq(CALL(s, fchmodat, s->dir, n->name, m, 0), 0);
	}
}

/* ---- reading state (as root) ------------------------------------------------ */

/* An mtime utimensat set (they are all near 1970), or 0 for "some time
 * now".  A FIFO's is left out: writes to it update it on Linux, not yet
 * in rump's pipes (ipc/pipe.c).  So is a socket's: Linux does not set
 * the times of a new sockfs inode, which keeps those of the freed one
 * it reuses (0 only when none was freed before). */
static struct timespec
set_mtime(const struct stat *st)
{
	struct timespec none = { 0, 0 };

	if (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode) ||
	    st->st_mtim.tv_sec >= 100000000)
		return none;
	return st->st_mtim;
}

static void
fmt_stat(char *buf, size_t len, const struct stat *st)
{
	struct timespec m = set_mtime(st);

	/* A directory's size is the file system's business. */
	snprintf(buf, len, "%o %u:%u n%lu s%ld m%ld.%ld", st->st_mode,
		 st->st_uid, st->st_gid, (unsigned long)st->st_nlink,
		 S_ISDIR(st->st_mode) ? 0L : (long)st->st_size, (long)m.tv_sec,
		 m.tv_nsec);
}

/* " name=attrs" (or "=errno") of name, not following a last symlink. */
static void
append_lstat(struct side *s, const char *name, char *out, size_t len)
{
	struct stat st;
	char a[96];
	size_t used = strlen(out);

	if (CALL(s, fstatat, s->dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		fmt_stat(a, sizeof(a), &st);
	else
		snprintf(a, sizeof(a), "e%d", errno);
	snprintf(out + used, len - used, " %s=%s", name, a);
}

static void
append_fstat(struct side *s, int fd, char *out, size_t len)
{
	struct stat st;
	char a[96];
	size_t used = strlen(out);

	if (CALL(s, fstat, fd, &st) == 0)
		fmt_stat(a, sizeof(a), &st);
	else
		snprintf(a, sizeof(a), "e%d", errno);
	snprintf(out + used, len - used, " fd=%s", a);
}

static long
side_getdents(struct side *s, int fd, void *buf, size_t len)
{
	return s->rump ? rump_sys_getdents64(fd, buf, len)
		       : syscall(SYS_getdents64, fd, buf, len);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

#define MAXENTS 64

/* The sorted entries (but "." and "..") of an open directory; returns
 * how many, or -1 with errno. */
static int
read_names(struct side *s, int dfd, char **ents)
{
	char buf[2048];
	long got;
	int n = 0;

	while ((got = side_getdents(s, dfd, buf, sizeof(buf))) > 0) {
		for (long o = 0; o < got;) {
			struct dirent64 *d = (struct dirent64 *)(buf + o);

			o += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0 || n == MAXENTS)
				continue;
			if (asprintf(&ents[n], "%s/%d", d->d_name, d->d_type) >
			    0)
				n++;
		}
	}
	if (got < 0) {
		int e = errno;

		while (n > 0)
			free(ents[--n]);
		errno = e;
		return -1;
	}
	qsort(ents, (size_t)n, sizeof(ents[0]), cmpstr);
	return n;
}

/* Everything under rel, as root: names, types and attributes. */
static void
dump_tree(struct side *s, const char *rel, char *out, size_t len, int depth)
{
	char *ents[MAXENTS];
	int dfd, n;

	if (depth > 8)
		return;
	dfd = CALL(s, openat, s->dir, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
		   0);
	if (dfd < 0)
		return;
	n = read_names(s, dfd, ents);
	side_close_fd(s, dfd);
	for (int i = 0; i < n; i++) {
		char path[256], *slash = strrchr(ents[i], '/');

		*slash = '\0';
		snprintf(path, sizeof(path), "%s/%s", rel, ents[i]);
		append_lstat(s, path, out, len);
		if (atoi(slash + 1) == DT_DIR)
			dump_tree(s, path, out, len, depth + 1);
		free(ents[i]);
	}
}

/* ---- the operations ---------------------------------------------------------- */

enum {
	OP_OPEN,
	OP_MKDIR,
	OP_UNLINK,
	OP_RMDIR,
	OP_RENAME,
	OP_LINK,
	OP_SYMLINK,
	OP_CHMOD,
	OP_CHOWN,
	OP_UTIMENS,
	OP_TRUNCATE,
	OP_ACCESS,
	OP_LIST,
	OP_STAT,
	OP_WRITE,
	OP_FTRUNCATE,
	OP_FCHMOD,
	OP_FCHOWN,
	OP_MKNOD,
	OP_RENAME2,
	OP_NOATIME,
	OP_FLINK,
	OP_READ,
	OP_SETFL,
	OP_CHDIR,
	OP_FCHDIR,
	OP_CHROOT,
	OP_MKFD,
	OP_FUTIMENS,
	OP_FALLOCATE,
	NOPS
};

static const char *const opnames[NOPS] = {
	"open",    "mkdir",     "unlink",  "rmdir",     "rename",   "link",
	"symlink", "chmod",     "chown",   "utimensat", "truncate", "access",
	"list",    "stat",      "write",   "ftruncate", "fchmod",   "fchown",
	"mknod",   "renameat2", "noatime", "flink",     "read",     "setfl",
	"chdir",   "fchdir",    "chroot",  "mkfd",      "futimens", "fallocate",
};

/* O_NONBLOCK everywhere: a FIFO's open must not wait. */
static const int oflags[] = {
	O_RDONLY,
	O_WRONLY,
	O_RDWR,
	O_RDONLY | O_TRUNC,
	O_WRONLY | O_TRUNC,
	O_WRONLY | O_CREAT,
	O_RDWR | O_CREAT | O_TRUNC,
	O_RDWR | O_CREAT | O_EXCL,
	O_RDONLY | O_CREAT,
	O_RDONLY | O_DIRECTORY,
	O_WRONLY | O_APPEND,
	O_RDWR | O_TMPFILE,
};
#define NOFLAGS (int)(sizeof(oflags) / sizeof(oflags[0]))

static const mode_t fmodes[] = { 0644,  0600, 0666, 02755, 04755,
				 02644, 0640, 0777, 06711, 0000 };
static const mode_t dmodes[] = { 0755, 0777, 01777, 02775,
				 0700, 0733, 0766,  0311 };
static const mode_t cmodes[] = { 0644,  0600, 0666,  02755, 04755, 02644,
				 06755, 0777, 01777, 0700,  0755,  02770,
				 0000,  0311, 0766,  0733,  02070, 04000 };
static const uid_t uids[] = { (uid_t)-1, 0, 1000, 1001, 1002, 1003 };
static const gid_t gids[] = { (gid_t)-1, 0, 1000, 2000, 3000 };
#define N(a) (unsigned)(sizeof(a) / sizeof(a[0]))

static mode_t
pick_mode(const mode_t *set, unsigned n, unsigned v)
{
	mode_t m = set[v % n];

	return protected_sticky ? m & ~(mode_t)S_ISVTX : m;
}

/* utimensat's times: NULL, both now, explicit, and mixes with OMIT. */
static const struct timespec *
pick_times(unsigned v, struct timespec *ts)
{
	static const long nsec[][2] = {
		{ UTIME_NOW, UTIME_NOW },  { 5, 7 },
		{ UTIME_OMIT, 9 },         { UTIME_NOW, UTIME_OMIT },
		{ UTIME_OMIT, UTIME_NOW },
	};
	unsigned k = v % (N(nsec) + 1);

	if (k == N(nsec))
		return NULL;
	for (int i = 0; i < 2; i++) {
		ts[i].tv_sec = 1000000 + i;
		ts[i].tv_nsec = nsec[k][i];
	}
	return ts;
}

static long
side_faccessat(struct side *s, const char *p, int mode, int flags)
{
	/* The raw faccessat2: glibc may emulate AT_EACCESS otherwise. */
	return s->rump ? rump_sys_faccessat(s->dir, p, mode, flags)
		       : syscall(SYS_faccessat2, s->dir, p, mode, flags);
}

/* Put fd (and its peer, or -1) in a slot, opened by credential ci. */
static void
slot_set(struct side *s, int slot, int fd, int peer, int ci)
{
	if (s->fd[slot] >= 0)
		side_close_fd(s, s->fd[slot]);
	if (s->peer[slot] >= 0)
		side_close_fd(s, s->peer[slot]);
	s->fd[slot] = fd;
	s->peer[slot] = peer;
	s->fdcred[slot] = ci;
}

static long
op_open(struct side *s, int ci, const char *p, unsigned b, unsigned c,
	char *buf, size_t len)
{
	long r = CALL(s, openat, s->dir, p, oflags[b % NOFLAGS] | O_NONBLOCK,
		      pick_mode(fmodes, N(fmodes), c >> 2));

	if (r < 0)
		return r;
	slot_set(s, (int)(c % NFD), (int)r, -1, ci);
	append_fstat(s, (int)r, buf, len);
	return 0;
}

/* A descriptor without a vnode in a slot: a memfd, either end of a
 * pipe, a socket of a pair (the other end kept open), made by ci.  The
 * fd operations then change their inodes' attributes. */
static long
op_mkfd(struct side *s, int ci, unsigned b, unsigned c, char *buf, size_t len)
{
	int p[2] = { -1, -1 }, k = (int)(b % 4);
	long r;

	if (k == 0)
		r = p[0] = CALL(s, memfd_create, "diff", 0);
	else if (k < 3)
		r = CALL(s, pipe2, p, O_NONBLOCK);
	else
		r = CALL(s, socketpair, AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
			 p);
	if (r < 0)
		return r;
	if (k == 2)
		slot_set(s, (int)(c % NFD), p[1], p[0], ci);
	else
		slot_set(s, (int)(c % NFD), p[0], p[1], ci);
	append_fstat(s, s->fd[c % NFD], buf, len);
	return 0;
}

static long
side_fchmodat2(struct side *s, int fd, const char *p, mode_t mode, int flags)
{
	return s->rump ? rump_sys_fchmodat2(fd, p, mode, (unsigned)flags)
		       : syscall(452, fd, p, mode, flags);
}

static long
op_list(struct side *s, const char *p, char *buf, size_t len)
{
	char *ents[MAXENTS];
	int dfd = CALL(s, openat, s->dir, p, O_RDONLY | O_DIRECTORY, 0);
	int n;

	if (dfd < 0)
		return -1;
	n = read_names(s, dfd, ents);
	for (int i = 0; i < n; i++) {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, " %s", ents[i]);
		free(ents[i]);
	}
	side_close_fd(s, dfd);
	return n < 0 ? -1 : 0;
}

static long
op_truncate(struct side *s, const char *p, unsigned b)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", s->path, p);
	return CALL(s, truncate, path, b % 100);
}

/* getcwd, under the test's directory. */
static void
append_cwd(struct side *s, char *buf, size_t len)
{
	append_cwd_of(s->rump, s->path, buf, len);
}

/* What the caller can do from its new cwd: read it, look in it. */
static void
append_from_cwd(struct side *s, char *buf, size_t len)
{
	struct stat st;
	size_t used;
	long r;

	append_cwd(s, buf, len);
	used = strlen(buf);
	r = CALL(s, openat, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY, 0);
	snprintf(buf + used, len - used, " open. %d", r < 0 ? errno : 0);
	if (r >= 0)
		side_close_fd(s, (int)r);
	used = strlen(buf);
	r = CALL(s, fstatat, AT_FDCWD, "n", &st, AT_SYMLINK_NOFOLLOW);
	snprintf(buf + used, len - used, " n %d", r < 0 ? errno : 0);
}

/* chdir, fchdir, chroot under the caller's credential; each leaves the
 * caller's cwd (and root) where they were. */
static long
op_cwd(struct side *s, unsigned op, const char *p, int fd, char *buf,
       size_t len)
{
	struct stat st, st2;
	long r;
	int e;

	/* Names are relative to the test's directory. */
	if (CALL(s, fchdir, s->dir) != 0)
		abort();
	if (op == OP_CHDIR) {
		r = CALL(s, chdir, p);
	} else if (op == OP_FCHDIR) {
		r = CALL(s, fchdir, fd);
	} else {
		r = CALL(s, chroot, p);
		if (r == 0) {
			/* ".." of the new root is itself. */
			size_t used = strlen(buf);

			if (CALL(s, stat, "/", &st) == 0 &&
			    CALL(s, stat, "/..", &st2) == 0)
				snprintf(buf + used, len - used, " root.. %s",
					 st.st_ino == st2.st_ino ? "same"
								 : "other");
			append_from_cwd(s, buf, len);
			if (CALL(s, fchdir, s->root) != 0 ||
			    CALL(s, chroot, ".") != 0)
				abort();
		}
	}
	e = errno;
	if (r == 0 && op != OP_CHROOT)
		append_from_cwd(s, buf, len);
	if (CALL(s, fchdir, s->dir) != 0)
		abort();
	errno = e;
	return r;
}

/* The operation itself, under the credential in force; returns the
 * result (or -1 with errno) and adds what it read to buf. */
static long
run_op(struct side *s, int ci, unsigned op, unsigned a, unsigned b, unsigned c,
       char *buf, size_t len)
{
	const char *p = names[a % NNAMES], *q = names[b % NNAMES];
	int fd = s->fd[c % NFD];
	struct timespec ts[2];
	struct stat st;
	long r;

	switch (op) {
	case OP_OPEN:
		return op_open(s, ci, p, b, c, buf, len);
	case OP_MKDIR:
		return CALL(s, mkdirat, s->dir, p,
			    pick_mode(dmodes, N(dmodes), c));
	case OP_UNLINK:
		return CALL(s, unlinkat, s->dir, p, 0);
	case OP_RMDIR:
		return CALL(s, unlinkat, s->dir, p, AT_REMOVEDIR);
	case OP_RENAME:
		return CALL(s, renameat, s->dir, p, s->dir, q);
	case OP_LINK:
		return CALL(s, linkat, s->dir, p, s->dir, q,
			    c % 2 ? AT_SYMLINK_FOLLOW : 0);
	case OP_SYMLINK:
		return CALL(s, symlinkat, targets[c % NTARGETS], s->dir, q);
	case OP_CHMOD:
		return CALL(s, fchmodat, s->dir, p,
			    pick_mode(cmodes, N(cmodes), c), 0);
	case OP_CHOWN:
		return CALL(s, fchownat, s->dir, p, uids[c % N(uids)],
			    gids[(c >> 3) % N(gids)],
			    (c >> 6) % 2 ? AT_SYMLINK_NOFOLLOW : 0);
	case OP_UTIMENS:
		return CALL(s, utimensat, s->dir, p, pick_times(c, ts),
			    (c >> 3) % 2 ? AT_SYMLINK_NOFOLLOW : 0);
	case OP_TRUNCATE:
		return op_truncate(s, p, b);
	case OP_ACCESS:
		return side_faccessat(s, p, (int)(c % 8),
				      (c >> 3) % 2 ? AT_EACCESS : 0);
	case OP_LIST:
		return op_list(s, p, buf, len);
	case OP_STAT:
		r = CALL(s, fstatat, s->dir, p, &st,
			 c % 2 ? AT_SYMLINK_NOFOLLOW : 0);
		if (r == 0)
			fmt_stat(buf + strlen(buf), len - strlen(buf), &st);
		return r;
	case OP_WRITE:
		return CALL(s, write, fd, "written", 1 + b % 7);
	case OP_FTRUNCATE:
		return CALL(s, ftruncate, fd, b % 100);
	case OP_FCHMOD:
		if (c % 2)
			return side_fchmodat2(s, fd, "",
					      pick_mode(cmodes, N(cmodes), b),
					      AT_EMPTY_PATH);
		return CALL(s, fchmod, fd, pick_mode(cmodes, N(cmodes), b));
	case OP_FCHOWN:
		if (c % 2)
			return CALL(s, fchownat, fd, "", uids[b % N(uids)],
				    gids[(b >> 3) % N(gids)], AT_EMPTY_PATH);
		return CALL(s, fchown, fd, uids[b % N(uids)],
			    gids[(b >> 3) % N(gids)]);
	case OP_MKFD:
		return op_mkfd(s, ci, b, c, buf, len);
	case OP_FALLOCATE:
		return CALL(s, fallocate, fd,
			    c % 2 ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
				  : 0,
			    b % 64, 1 + (c >> 1) % 100);
	case OP_FUTIMENS:
		if (c % 2)
			return CALL(s, utimensat, fd, "", pick_times(b, ts),
				    AT_EMPTY_PATH);
		return CALL(s, futimens, fd, pick_times(b, ts));
	case OP_MKNOD:
		/* A device for the unprivileged (refused); root makes a FIFO
		 * (an openable device on a nodev host mount would differ). */
		return CALL(s, mknodat, s->dir, q,
			    (ci != 0 && c % 2 ? S_IFCHR : S_IFIFO) | 0666,
			    makedev(1, 3));
	case OP_RENAME2:
		return CALL(s, renameat2, s->dir, p, s->dir, q,
			    c % 2 ? RENAME_NOREPLACE : RENAME_EXCHANGE);
	case OP_NOATIME:
		r = CALL(s, openat, s->dir, p,
			 O_RDONLY | O_NOATIME | O_NONBLOCK, 0);
		if (r >= 0) {
			side_close_fd(s, (int)r);
			r = 0;
		}
		return r;
	case OP_FLINK:
		return CALL(s, linkat, fd, "", s->dir, q, AT_EMPTY_PATH);
	case OP_CHDIR:
	case OP_FCHDIR:
	case OP_CHROOT:
		return op_cwd(s, op, p, fd, buf, len);
	case OP_SETFL: /* O_NOATIME: the owner's, or CAP_FOWNER */
		return CALL(s, fcntl, fd, F_SETFL,
			    O_NONBLOCK | (c % 2 ? O_NOATIME : O_APPEND));
	default: { /* OP_READ */
		char data[16];

		r = CALL(s, pread, fd, data, sizeof(data), 0);
		return r < 0 ? -1 : 0;
	}
	}
}

/* One operation on one side under credential ci: the result and errno,
 * what it read, then (as root) the state of the names it touched. */
static void
do_op(struct side *s, int ci, unsigned op, unsigned a, unsigned b, unsigned c,
      char *out, size_t len)
{
	char buf[1024];
	long r;
	int e;

	buf[0] = '\0';
	side_become(s, ci);
	errno = 0;
	r = run_op(s, ci, op, a, b, c, buf, sizeof(buf));
	e = errno;
	side_root(s, ci);
	snprintf(out, len, "%ld/%d%s |", r < 0 ? -1L : r, r < 0 ? e : 0, buf);
	append_lstat(s, names[a % NNAMES], out, len);
	append_lstat(s, names[b % NNAMES], out, len);
	if ((op >= OP_WRITE && op <= OP_FCHOWN) || op >= OP_MKFD)
		append_fstat(s, s->fd[c % NFD], out, len);
}

/*
 * Whether an operation must be left out because the host decides it by
 * a policy rump does not model (see protected_hardlinks), or by
 * something the test cannot reproduce: Linux lets linkat(AT_EMPTY_PATH)
 * through for the very credential that opened the file, and this thread
 * gets a new one each time it changes ids.
 */
static bool
incomparable(struct side *hs, int ci, unsigned op, unsigned a, unsigned c)
{
	const struct cred *cr = &creds[ci];
	struct stat st;

	if (op == OP_FLINK)
		return ci != 0 && hs->fdcred[c % NFD] == ci;
	if (op != OP_LINK || !protected_hardlinks || ci == 0)
		return false;
	if (fstatat(hs->dir, names[a % NNAMES], &st,
		    c % 2 ? 0 : AT_SYMLINK_NOFOLLOW) != 0)
		return false;
	return st.st_uid != cr->uid;
}

static void
side_open(struct side *s, const char *path)
{
	s->path = path;
	s->dir = CALL(s, open, path, O_RDONLY | O_DIRECTORY, 0);
	cr_assert_geq(s->dir, 0);
	s->root = CALL(s, open, "/", O_PATH | O_DIRECTORY, 0);
	cr_assert_geq(s->root, 0);
	for (int i = 0; i < NFD; i++)
		s->fd[i] = s->fdcred[i] = s->peer[i] = -1;
}

static void
side_close(struct side *s)
{
	for (int i = 0; i < NFD; i++)
		slot_set(s, i, -1, -1, -1);
	side_close_fd(s, s->dir);
	side_close_fd(s, s->root);
}

/* The first entry where two dumps part (they are long for a message). */
static const char *
first_difference(const char *a, const char *b)
{
	const char *entry = a;

	for (; *a != '\0' && *a == *b; a++, b++)
		if (*a == ' ')
			entry = a;
	return entry;
}

static void
compare_trees(struct side *rs, struct side *hs, unsigned seed, int i)
{
	static char rt[16384], ht[16384];

	rt[0] = ht[0] = '\0';
	dump_tree(rs, ".", rt, sizeof(rt), 0);
	dump_tree(hs, ".", ht, sizeof(ht), 0);
	if (strcmp(rt, ht) == 0)
		return;
	cr_assert_fail("seed %u after op %d: trees differ at\nrump %.120s\n"
		       "host %.120s",
		       seed, i, first_difference(rt, ht),
		       first_difference(ht, rt));
}

/*
 * `nops' random operations from `seed', on the rump side in a fresh
 * directory under `rbase' (a tmpfs directory, or a hostfs mount point:
 * "" is the root), on the host in a fresh one under /tmp.  The starting
 * tree is built as root on each side through its own calls, so both
 * start equal.
 */
static void
differential(const char *rbase, unsigned seed, int nops)
{
	struct side rs = { .rump = true }, hs = { .rump = false };
	char rdir[64], hdir[64] = "/tmp/rumpperm.XXXXXX";
	char rout[2048], hout[2048];
	unsigned st = seed;

	cr_assert_not_null(mkdtemp(hdir));
	cr_assert_eq(chmod(hdir, 0755), 0);
	snprintf(rdir, sizeof(rdir), "%s/perm%u", rbase, seed);
	RETURNS(rump_sys_mkdir(rdir, 0755), 0);
	side_open(&rs, rdir);
	side_open(&hs, hdir);
	build_tree(&rs);
	build_tree(&hs);
	compare_trees(&rs, &hs, seed, -1);
	for (int i = 0; i < nops; i++) {
		unsigned v[5];

		for (int k = 0; k < 5; k++) {
			st = st * 1103515245u + 12345u;
			v[k] = (st >> 8) & 0xffff;
		}
		int ci = (int)(v[4] % NCREDS);
		unsigned op = v[0] % NOPS;

		if (incomparable(&hs, ci, op, v[1], v[3]))
			continue;
		do_op(&rs, ci, op, v[1], v[2], v[3], rout, sizeof(rout));
		do_op(&hs, ci, op, v[1], v[2], v[3], hout, sizeof(hout));
		cr_assert_str_eq(rout, hout,
				 "%s: seed %u op %d: %s as %u (%s, %s, %u):\n"
				 "rump %s\nhost %s",
				 rdir, seed, i, opnames[op], creds[ci].uid,
				 names[v[1] % NNAMES], names[v[2] % NNAMES],
				 v[3], rout, hout);
		if (i % 256 == 255)
			compare_trees(&rs, &hs, seed, i);
	}
	compare_trees(&rs, &hs, seed, nops);
	side_close(&rs);
	side_close(&hs);
	cr_assert_eq(host_rmtree(hdir), 0);
}

/* The seeds to run: VFSPERM_FIRST.. for VFSPERM_SEEDS of them, or by
 * default 1..dflt. */
static void
seed_range(unsigned dflt, unsigned *first, unsigned *last)
{
	const char *f = getenv("VFSPERM_FIRST"), *n = getenv("VFSPERM_SEEDS");

	*first = f != NULL ? (unsigned)strtoul(f, NULL, 0) : 1;
	*last = *first + (n != NULL ? (unsigned)strtoul(n, NULL, 0) : dflt) - 1;
}

/* What both tests stand on: a root host thread that can take each
 * credential and come back, SIGPIPE ignored on both sides, the same
 * umask, the host's policies read, and the rump processes. */
static void
perm_setup(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };

	if (geteuid() != 0)
		cr_skip_test("the host side must be root (to chown)");
	host_creds_check();

	/* A write to a FIFO whose reader went is EPIPE on both sides. */
	signal(SIGPIPE, SIG_IGN);
	RETURNS(rump_sys_sigaction(SIGPIPE, &sa, NULL), 0);
	umask(022);
	protected_hardlinks = host_fs_sysctl("protected_hardlinks") != 0;
	protected_sticky = host_fs_sysctl("protected_symlinks") != 0 ||
			   host_fs_sysctl("protected_regular") != 0 ||
			   host_fs_sysctl("protected_fifos") != 0;
	if (protected_sticky)
		cr_log_warn("host fs.protected_* set: no sticky directories");
	rump_creds_init();
}

Test(vfs_perm_diff, against_host)
{
	unsigned first, last;

	seed_range(20, &first, &last);
	perm_setup();
	for (unsigned seed = first; seed <= last; seed++)
		differential("", seed, 2000);
	rump_creds_fini();
}

/*
 * The same through hostfs.  The VFS decides by the attributes the host
 * shows, but the host calls are made by this process, root on the host:
 * what the host does on its own (owners of new files, its umask, set-id
 * bits) must still come out as Linux would for the rump caller.  The
 * backing directory is another host directory than the one compared.
 */
Test(vfs_perm_diff, hostfs_against_host)
{
	char mdir[] = "/tmp/rumpperm_mnt.XXXXXX";
	unsigned first, last;

	seed_range(10, &first, &last);
	perm_setup();
	cr_assert_not_null(mkdtemp(mdir));
	cr_assert_eq(chmod(mdir, 0755), 0);
	RETURNS(rump_sys_mkdir("/hmnt", 0755), 0);
	RETURNS(rump_sys_mount(mdir, "/hmnt", "hostfs", 0, ""), 0);
	/* Fewer than on tmpfs: every rump operation is host calls too. */
	for (unsigned seed = first; seed <= last; seed++)
		differential("/hmnt", seed, 2000);
	rump_creds_fini();
	/* Nothing of the kernel's is left open on it. */
	RETURNS(rump_sys_umount("/hmnt"), 0);
	cr_assert_eq(host_rmtree(mdir), 0);
}
