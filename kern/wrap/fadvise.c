/*
 * fadvise.c: rump_sys_posix_fadvise(): glibc's posix_fadvise returns
 * the error number instead of setting errno (fadvise64 is the raw
 * call).
 */
#include <rump/rump_syscalls.h>
#include <rump/rumpuser.h>

int
rump_sys_posix_fadvise(int fd, off_t offset, off_t len, int advice)
{
	long args[6] = { fd, (long)offset, (long)len, advice };
	long rv = rump_syscall(RUMP_SYS_fadvise64, args);

	return rv < 0 ? (int)-rv : 0;
}
