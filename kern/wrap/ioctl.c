/*
 * ioctl.c: rump_sys_ioctl(), the variadic wrapper: libc's ioctl takes an
 * optional third argument (a pointer or an integer, by request).  It is
 * fetched as an unsigned long either way, as libc does.
 */
#include <stdarg.h>

#include <rump/rump_syscalls.h>
#include <rump/rumpuser.h>

int
rump_sys_ioctl(int fd, unsigned long request, ...)
{
	long args[6] = { fd, (long)request };
	va_list ap;
	long rv;

	va_start(ap, request);
	args[2] = (long)va_arg(ap, unsigned long);
	va_end(ap);
	rv = rump_syscall(RUMP_SYS_ioctl, args);
	if (__builtin_expect((unsigned long)rv > -4096UL, 0)) {
		rumpuser_seterrno((int)-rv);
		return -1;
	}
	return (int)rv;
}
