/*
 * fcntl.c: rump_sys_fcntl(), the variadic wrapper: libc's fcntl takes
 * its third argument only for some commands, so the generator cannot
 * make it.  The argument is fetched as an unsigned long either way, as
 * libc does: on x86_64 reading an absent one yields junk that the
 * kernel ignores for commands without an argument.
 */
#include <stdarg.h>

#include <rump/rump_syscalls.h>
#include <rump/rumpuser.h>

int
rump_sys_fcntl(int fd, int cmd, ...)
{
	long args[6] = { fd, cmd };
	va_list ap;
	long rv;

	va_start(ap, cmd);
	args[2] = (long)va_arg(ap, unsigned long);
	va_end(ap);
	rv = rump_syscall(RUMP_SYS_fcntl, args);
	/* Linux returns -4095..-1 for errors. */
	if (__builtin_expect((unsigned long)rv > -4096UL, 0)) {
		rumpuser_seterrno((int)-rv);
		return -1;
	}
	return (int)rv;
}
