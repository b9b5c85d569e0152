/*
 * vfs_util.h: helpers shared by the file-system suites (tests/vfs_*.c).
 */
#ifndef RUMP_TESTS_VFS_UTIL_H
#define RUMP_TESTS_VFS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif

/*
 * Appends " cwd X" to buf: the calling thread's cwd in rump (rump true)
 * or on the host, as differential tests compare it: with `base' (the
 * test's tree) shown as "~", Linux's "(unreachable)" mark kept, and
 * -errno on failure.  getcwd goes by number: libc's would add its own
 * checks.
 */
static inline void
append_cwd_of(bool rump, const char *base, char *buf, size_t len)
{
	static const char unr[] = "(unreachable)";
	size_t used = strlen(buf), blen = strlen(base);
	const char *c, *mark = "";
	char cwd[512];
	long n;

	if (rump) {
		long args[6] = { (long)cwd, (long)sizeof(cwd) };

		n = rump_syscall(RUMP_SYS_getcwd, args);
	} else if ((n = syscall(SYS_getcwd, cwd, sizeof(cwd))) < 0) {
		n = -errno;
	}
	c = cwd;
	if (n >= 0 && strncmp(c, unr, sizeof(unr) - 1) == 0) {
		c += sizeof(unr) - 1;
		mark = unr;
	}
	if (n < 0)
		snprintf(buf + used, len - used, " cwd %ld", n);
	else if (strncmp(c, base, blen) == 0)
		snprintf(buf + used, len - used, " cwd %s~%s", mark, c + blen);
	else
		snprintf(buf + used, len - used, " cwd %s%s", mark, c);
}

static inline void
vfs_boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

#include "check.h"

static inline int
xopen(const char *path, int flags, mode_t mode)
{
	int fd = rump_sys_open(path, flags, mode);

	cr_assert_geq(fd, 0, "open(%s): %s", path, strerror(errno));
	return fd;
}

static inline void
close_ok(int fd)
{
	cr_assert_eq(rump_sys_close(fd), 0, "close: %s", strerror(errno));
}

static inline off_t
fsize(int fd)
{
	struct stat st;

	cr_assert_eq(rump_sys_fstat(fd, &st), 0);
	return st.st_size;
}

#endif
