/*
 * vfs_util.h: helpers shared by the file-system suites (tests/vfs_*.c).
 */
#ifndef RUMP_TESTS_VFS_UTIL_H
#define RUMP_TESTS_VFS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

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
