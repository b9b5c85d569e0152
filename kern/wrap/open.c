/*
 * open.c: the variadic wrappers rump_sys_open() and rump_sys_openat(),
 * and rump_sys_getcwd() and rump_sys_sync(), whose libc forms differ
 * from the raw calls.  As libc, open takes its mode argument only when
 * O_CREAT or O_TMPFILE asks for one.
 */
#include <errno.h>
#include <stdarg.h>

#include <rump/rump_syscalls.h>
#include <rump/rumpuser.h>

#define KO_TMPFILE_FLAG 020000000 /* __O_TMPFILE */

static long
ret(long rv)
{
	if (__builtin_expect((unsigned long)rv > -4096UL, 0)) {
		rumpuser_seterrno((int)-rv);
		return -1;
	}
	return rv;
}

int
rump_sys_open(const char *pathname, int flags, ...)
{
	long args[6] = { (long)pathname, flags, 0 };
	va_list ap;

	if (flags & (O_CREAT | KO_TMPFILE_FLAG)) {
		va_start(ap, flags);
		args[2] = (long)va_arg(ap, unsigned int);
		va_end(ap);
	}
	return (int)ret(rump_syscall(RUMP_SYS_open, args));
}

int
rump_sys_openat(int dirfd, const char *pathname, int flags, ...)
{
	long args[6] = { dirfd, (long)pathname, flags, 0 };
	va_list ap;

	if (flags & (O_CREAT | KO_TMPFILE_FLAG)) {
		va_start(ap, flags);
		args[3] = (long)va_arg(ap, unsigned int);
		va_end(ap);
	}
	return (int)ret(rump_syscall(RUMP_SYS_openat, args));
}

char *
rump_sys_getcwd(char *buf, size_t size)
{
	long args[6] = { (long)buf, (long)size };

	if (ret(rump_syscall(RUMP_SYS_getcwd, args)) < 0)
		return NULL;
	return buf;
}

/* As glibc: with AT_SYMLINK_NOFOLLOW a symlink cannot change mode
 * (EOPNOTSUPP), anything else is changed as fchmodat(2) would. */
int
rump_sys_fchmodat(int dirfd, const char *pathname, mode_t mode, int flags)
{
	long args[6] = { dirfd, (long)pathname, (long)mode };
	struct stat st;

	if (flags & ~AT_SYMLINK_NOFOLLOW) {
		rumpuser_seterrno(EINVAL);
		return -1;
	}
	if (flags & AT_SYMLINK_NOFOLLOW) {
		if (rump_sys_fstatat(dirfd, pathname, &st,
				     AT_SYMLINK_NOFOLLOW) < 0)
			return -1;
		if (S_ISLNK(st.st_mode)) {
			rumpuser_seterrno(EOPNOTSUPP);
			return -1;
		}
	}
	return (int)ret(rump_syscall(RUMP_SYS_fchmodat, args));
}

void
rump_sys_sync(void)
{
	long args[6] = { 0 };

	(void)rump_syscall(RUMP_SYS_sync, args);
}
