/*
 * openat2.c: openat2 (vfs/vfs_syscalls.c, vfs/vfs_lookup.c): the
 * extensible struct open_how, the flags open ignores and openat2
 * refuses, and the RESOLVE_* scoping of the walk.  The same steps run
 * on the host kernel (a tree under /dev/shm, a tmpfs mount) and on
 * rumpkit (a tree under a tmpfs mounted at /m), and the results must
 * agree; the facts they show are asserted too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "check.h"
#include "host_dir.h"

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(openat2, .init = boot);

/* One side of the comparison: its calls and where its tree is. */
struct side {
	bool rump;
	char mnt[64];  /* the tmpfs mount the tree is on */
	char top[128]; /* the tree: top/a is where the walks start */
};

static long
side_openat2(const struct side *s, int dirfd, const char *path, const void *how,
	     size_t size)
{
	if (s->rump)
		return rump_sys_openat2(dirfd, path, (struct open_how *)how,
					size);
	return syscall(SYS_openat2, dirfd, path, how, size);
}

static int
side_open(const struct side *s, const char *path, int flags)
{
	return s->rump ? rump_sys_open(path, flags, 0644)
		       : open(path, flags, 0644);
}

static void
side_close(const struct side *s, int fd)
{
	if (s->rump)
		rump_sys_close(fd);
	else
		close(fd);
}

static void
side_mkdir(const struct side *s, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", s->top, rel);
	cr_assert_eq(s->rump ? rump_sys_mkdir(p, 0755) : mkdir(p, 0755), 0,
		     "mkdir %s: %s", p, strerror(errno));
}

static void
side_symlink(const struct side *s, const char *target, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", s->top, rel);
	cr_assert_eq(s->rump ? rump_sys_symlink(target, p) : symlink(target, p),
		     0, "symlink %s: %s", p, strerror(errno));
}

static void
side_file(const struct side *s, const char *rel)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", s->top, rel);
	fd = side_open(s, p, O_CREAT | O_WRONLY | O_EXCL);
	cr_assert_geq(fd, 0, "create %s: %s", p, strerror(errno));
	cr_assert_eq(s->rump ? rump_sys_write(fd, "abc", 3)
			     : write(fd, "abc", 3),
		     3);
	side_close(s, fd);
}

/*
 * The tree, under top:
 *   a/f ("abc"), a/b/, a/b/rel -> ../f, a/abs -> /etc, a/up -> ../../..,
 *   a/lf -> f, a/ldir -> b, a/loop -> loop, a/dang -> /nonexistent
 */
static void
side_setup(struct side *s, bool rump)
{
	s->rump = rump;
	if (rump) {
		snprintf(s->mnt, sizeof(s->mnt), "/m");
		if (rump_sys_mkdir("/m", 0755) == 0)
			RETURNS(rump_sys_mount("none", "/m", "tmpfs", 0, NULL),
				0);
	} else {
		snprintf(s->mnt, sizeof(s->mnt), "/dev/shm");
	}
	snprintf(s->top, sizeof(s->top), "%s/rk-o2.%d", s->mnt, (int)getpid());
	cr_assert_eq(rump ? rump_sys_mkdir(s->top, 0755) : mkdir(s->top, 0755),
		     0, "mkdir %s: %s", s->top, strerror(errno));
	side_mkdir(s, "a");
	side_mkdir(s, "a/b");
	side_file(s, "a/f");
	side_symlink(s, "../f", "a/b/rel");
	side_symlink(s, "/etc", "a/abs");
	side_symlink(s, "../../..", "a/up");
	side_symlink(s, "f", "a/lf");
	side_symlink(s, "b", "a/ldir");
	side_symlink(s, "loop", "a/loop");
	side_symlink(s, "/nonexistent", "a/dang");
}

static void
side_teardown(const struct side *s)
{
	if (!s->rump)
		host_rmtree(s->top);
}

struct step {
	const char *path; /* "%M": the side's mount */
	uint64_t flags, mode, resolve;
};

#define NOFOL O_NOFOLLOW
static const struct step steps[] = {
	{ "f", O_RDONLY, 0, 0 },
	{ "f", O_RDONLY, 0644, 0 },
	{ "f", O_RDONLY | 0x4000000, 0, 0 },
	{ "f", O_RDONLY | (1ull << 40), 0, 0 },
	{ "f", 3, 0, 0 },
	{ "new", O_CREAT | O_RDWR, 01000000, 0 },
	{ "new", O_CREAT | O_RDWR, 0640, 0 },
	{ "new", O_CREAT | O_EXCL | O_RDWR, 0640, 0 },
	{ "f", O_RDONLY, 0, 1 << 6 },
	{ "f", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT },
	{ "f", O_PATH | O_RDWR, 0, 0 },
	{ "f", O_PATH | O_APPEND, 0, 0 },
	{ "f", O_PATH | O_CLOEXEC | NOFOL | O_DIRECTORY, 0, 0 },
	{ ".", O_PATH, 0, 0 },
	{ "f", O_RDONLY | O_TRUNC | O_CREAT, 0, RESOLVE_CACHED },
	{ "f", O_RDONLY, 0, RESOLVE_CACHED },
	{ ".", O_RDWR | O_TMPFILE, 0600, RESOLVE_CACHED },
	{ ".", O_RDONLY | O_TMPFILE, 0600, RESOLVE_CACHED },
	{ "f", O_RDWR | O_TMPFILE, 0, 0 },
	{ "f", O_RDONLY | O_CREAT | O_DIRECTORY, 0, 0 },
	/* RESOLVE_BENEATH */
	{ "b/rel", O_RDONLY, 0, RESOLVE_BENEATH },
	{ "abs", O_RDONLY, 0, RESOLVE_BENEATH },
	{ "/etc", O_RDONLY, 0, RESOLVE_BENEATH },
	{ "..", O_RDONLY, 0, RESOLVE_BENEATH },
	{ "b/..", O_RDONLY, 0, RESOLVE_BENEATH },
	{ "b/../..", O_RDONLY, 0, RESOLVE_BENEATH },
	{ "up", O_RDONLY, 0, RESOLVE_BENEATH },
	{ "nonexist/..", O_RDONLY, 0, RESOLVE_BENEATH },
	{ "../a/f", O_RDONLY, 0, RESOLVE_BENEATH },
	{ ".", O_RDONLY | O_DIRECTORY, 0, RESOLVE_BENEATH },
	{ "", O_RDONLY, 0, RESOLVE_BENEATH },
	{ "nosuch", O_CREAT | O_RDWR, 0600, RESOLVE_BENEATH },
	{ "b/../../x", O_CREAT | O_RDWR, 0600, RESOLVE_BENEATH },
	{ "dang", O_CREAT | O_RDWR, 0600, RESOLVE_BENEATH },
	{ "ldir/rel", O_RDONLY, 0, RESOLVE_BENEATH },
	/* RESOLVE_IN_ROOT */
	{ "/f", O_RDONLY, 0, RESOLVE_IN_ROOT },
	{ "../../f", O_RDONLY, 0, RESOLVE_IN_ROOT },
	{ "up/f", O_RDONLY, 0, RESOLVE_IN_ROOT },
	{ "abs", O_RDONLY, 0, RESOLVE_IN_ROOT },
	{ "..", O_RDONLY | O_DIRECTORY, 0, RESOLVE_IN_ROOT },
	{ "/b/rel", O_RDONLY, 0, RESOLVE_IN_ROOT },
	{ "/b/newin", O_CREAT | O_RDWR, 0600, RESOLVE_IN_ROOT },
	{ "/b/newin", O_RDONLY, 0, 0 },
	{ "b/newin", O_RDONLY, 0, 0 },
	/* RESOLVE_NO_SYMLINKS */
	{ "lf", O_RDONLY, 0, RESOLVE_NO_SYMLINKS },
	{ "lf", O_RDONLY | NOFOL, 0, RESOLVE_NO_SYMLINKS },
	{ "lf", O_PATH | NOFOL, 0, RESOLVE_NO_SYMLINKS },
	{ "b/rel", O_PATH | NOFOL, 0, RESOLVE_NO_SYMLINKS },
	{ "lf", O_CREAT | O_RDWR, 0600, RESOLVE_NO_SYMLINKS },
	{ "ldir/rel", O_PATH | NOFOL, 0, RESOLVE_NO_SYMLINKS },
	{ "f", O_RDONLY, 0, RESOLVE_NO_SYMLINKS },
	{ "loop", O_RDONLY, 0, 0 },
	{ "loop", O_RDONLY, 0, RESOLVE_NO_SYMLINKS },
	/* RESOLVE_NO_XDEV */
	{ "f", O_RDONLY, 0, RESOLVE_NO_XDEV },
	{ "..", O_RDONLY, 0, RESOLVE_NO_XDEV },
	{ "../../..", O_RDONLY, 0, RESOLVE_NO_XDEV },
	{ "%M", O_RDONLY, 0, RESOLVE_NO_XDEV },
	{ "abs", O_RDONLY, 0, RESOLVE_NO_XDEV },
	{ "up", O_RDONLY, 0, RESOLVE_NO_XDEV },
	{ "up", O_PATH | NOFOL, 0, RESOLVE_NO_XDEV },
	{ "../x", O_CREAT | O_RDWR, 0600, RESOLVE_NO_XDEV },
	{ "f", O_RDONLY, 0, RESOLVE_NO_XDEV | RESOLVE_IN_ROOT },
	{ "/f", O_RDONLY, 0, RESOLVE_NO_XDEV | RESOLVE_IN_ROOT },
	{ "f", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS },
};

/* What a step gives: "ok <type> <size>" or the errno's name. */
static void
step_result(const struct side *s, int dirfd, const struct step *st, char *out,
	    size_t olen)
{
	struct open_how how = { st->flags, st->mode, st->resolve };
	char path[256];
	struct stat sb;
	long fd;

	if (strcmp(st->path, "%M") == 0)
		snprintf(path, sizeof(path), "%s", s->mnt);
	else
		snprintf(path, sizeof(path), "%s", st->path);
	errno = 0;
	fd = side_openat2(s, dirfd, path, &how, sizeof(how));
	if (fd < 0) {
		snprintf(out, olen, "%s", strerrorname_np(errno));
		return;
	}
	cr_assert_eq(s->rump ? rump_sys_fstat((int)fd, &sb)
			     : fstat((int)fd, &sb),
		     0);
	snprintf(out, olen, "ok %o %lld", (unsigned)(sb.st_mode & S_IFMT),
		 S_ISREG(sb.st_mode) ? (long long)sb.st_size : 0LL);
	side_close(s, (int)fd);
}

static int
side_dirfd(const struct side *s)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/a", s->top);
	fd = side_open(s, p, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(fd, 0, "open %s: %s", p, strerror(errno));
	return fd;
}

Test(openat2, same_as_host)
{
	struct side h, r;
	char hr[64], rr[64];
	int hd, rd;

	side_setup(&h, false);
	side_setup(&r, true);
	hd = side_dirfd(&h);
	rd = side_dirfd(&r);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		step_result(&h, hd, &steps[i], hr, sizeof(hr));
		step_result(&r, rd, &steps[i], rr, sizeof(rr));
		cr_expect_str_eq(rr, hr,
				 "step %zu (\"%s\" flags %#llo mode %#llo "
				 "resolve %#llx): rump %s, host %s",
				 i, steps[i].path,
				 (unsigned long long)steps[i].flags,
				 (unsigned long long)steps[i].mode,
				 (unsigned long long)steps[i].resolve, rr, hr);
	}
	close(hd);
	rump_sys_close(rd);
	side_teardown(&h);
}

/* The facts, on rumpkit alone, for reading. */
Test(openat2, scoping)
{
	struct side r;
	struct open_how how = { O_RDONLY, 0, RESOLVE_BENEATH };
	int d, fd;

	side_setup(&r, true);
	d = side_dirfd(&r);
	FAILS(rump_sys_openat2(d, "..", &how, sizeof(how)), EXDEV);
	FAILS(rump_sys_openat2(d, "b/../..", &how, sizeof(how)), EXDEV);
	FAILS(rump_sys_openat2(d, "/etc", &how, sizeof(how)), EXDEV);
	FAILS(rump_sys_openat2(d, "abs", &how, sizeof(how)), EXDEV);
	cr_assert_geq(fd = rump_sys_openat2(d, "b/rel", &how, sizeof(how)), 0);
	rump_sys_close(fd);
	how.resolve = RESOLVE_IN_ROOT;
	cr_assert_geq(fd = rump_sys_openat2(d, "../../../f", &how, sizeof(how)),
		      0);
	rump_sys_close(fd);
	FAILS(rump_sys_openat2(d, "abs", &how, sizeof(how)), ENOENT);
	how.resolve = RESOLVE_NO_SYMLINKS;
	FAILS(rump_sys_openat2(d, "ldir/f", &how, sizeof(how)), ELOOP);
	how.resolve = RESOLVE_NO_XDEV;
	FAILS(rump_sys_openat2(d, "../../..", &how, sizeof(how)), EXDEV);
	FAILS(rump_sys_openat2(d, "/m", &how, sizeof(how)), EXDEV);
	cr_assert_geq(fd = rump_sys_openat2(d, "..", &how, sizeof(how)), 0);
	rump_sys_close(fd);
	/* A scoped walk changes nothing for the next plain one. */
	cr_assert_geq(fd = rump_sys_openat(d, "abs", O_PATH | O_NOFOLLOW), 0);
	rump_sys_close(fd);
	cr_assert_geq(fd = rump_sys_openat(d, "../../..", O_RDONLY), 0);
	rump_sys_close(fd);
	rump_sys_close(d);
}

Test(openat2, dirfd_errors)
{
	struct side r;
	struct open_how how = { O_RDONLY, 0, RESOLVE_BENEATH };
	int d, f;
	char p[256];

	side_setup(&r, true);
	d = side_dirfd(&r);
	snprintf(p, sizeof(p), "%s/a/f", r.top);
	f = rump_sys_open(p, O_RDONLY);
	cr_assert_geq(f, 0);
	FAILS(rump_sys_openat2(-1, "f", &how, sizeof(how)), EBADF);
	FAILS(rump_sys_openat2(f, "x", &how, sizeof(how)), ENOTDIR);
	how.resolve = RESOLVE_IN_ROOT;
	FAILS(rump_sys_openat2(f, "/f", &how, sizeof(how)), ENOTDIR);
	FAILS(rump_sys_openat2(99, "f", &how, sizeof(how)), EBADF);
	/* AT_FDCWD scopes the walk to the cwd. */
	how.resolve = RESOLVE_BENEATH;
	FAILS(rump_sys_openat2(AT_FDCWD, p, &how, sizeof(how)), EXDEV);
	FAILS(rump_sys_openat2(d, NULL, &how, sizeof(how)), EFAULT);
	rump_sys_close(f);
	rump_sys_close(d);
}

/* struct open_how is extensible: the size rules, on both kernels. */
Test(openat2, struct_sizes)
{
	struct side h, r;
	unsigned char big[64] = { 0 };
	struct open_how how = { O_RDONLY, 0, 0 };
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *two;
	int hd, rd;

	side_setup(&h, false);
	side_setup(&r, true);
	hd = side_dirfd(&h);
	rd = side_dirfd(&r);
	memcpy(big, &how, sizeof(how));
	/* The last 24 bytes of a page before an unmapped one. */
	two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(two, MAP_FAILED);
	cr_assert_eq(munmap(two + pg, pg), 0);
	memcpy(two + pg - sizeof(how), &how, sizeof(how));
	for (int side = 0; side < 2; side++) {
		const struct side *s = side ? &r : &h;
		int d = side ? rd : hd;
		long fd;

		errno = 0;
		fd = side_openat2(s, d, "f", &how, sizeof(how));
		cr_assert_geq(fd, 0, "side %d: %s", side, strerror(errno));
		side_close(s, (int)fd);
		fd = side_openat2(s, d, "f", big, sizeof(big));
		cr_assert_geq(fd, 0, "side %d", side);
		side_close(s, (int)fd);
		fd = side_openat2(s, d, "f", two + pg - sizeof(how),
				  sizeof(how));
		cr_assert_geq(fd, 0, "side %d", side);
		side_close(s, (int)fd);
		FAILS(side_openat2(s, d, "f", &how, 16), EINVAL);
		FAILS(side_openat2(s, d, "f", &how, 0), EINVAL);
		FAILS(side_openat2(s, d, "f", big, 4097), E2BIG);
		FAILS(side_openat2(s, d, "f", NULL, sizeof(how)), EFAULT);
		FAILS(side_openat2(s, d, "f", (void *)1, sizeof(how)), EFAULT);
		/* A tail past the kernel's struct that faults. */
		FAILS(side_openat2(s, d, "f", two + pg - sizeof(how),
				   sizeof(how) + 8),
		      EFAULT);
		big[40] = 1;
		FAILS(side_openat2(s, d, "f", big, sizeof(big)), E2BIG);
		big[40] = 0;
	}
	munmap(two, pg);
	close(hd);
	rump_sys_close(rd);
	side_teardown(&h);
}
