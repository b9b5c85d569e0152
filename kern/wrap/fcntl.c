/*
 * fcntl.c: rump_sys_fcntl(), the variadic wrapper: libc's fcntl takes
 * its third argument only for some commands, so the generator cannot
 * make it.  The argument is fetched as an unsigned long either way, as
 * libc does: on x86_64 reading an absent one yields junk that the
 * kernel ignores for commands without an argument.  F_GETOWN goes
 * through F_GETOWN_EX, as glibc's does: the raw call's negative answer
 * for a process group would read as an error.
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

	struct f_owner_ex ex;

	va_start(ap, cmd);
	args[2] = (long)va_arg(ap, unsigned long);
	va_end(ap);
	if (cmd == F_GETOWN) {
		args[1] = F_GETOWN_EX;
		args[2] = (long)&ex;
	}
	rv = rump_syscall(RUMP_SYS_fcntl, args);
	/* Linux returns -4095..-1 for errors. */
	if (__builtin_expect((unsigned long)rv > -4096UL, 0)) {
		rumpuser_seterrno((int)-rv);
		return -1;
	}
	if (cmd == F_GETOWN)
		return ex.type == F_OWNER_PGRP ? -ex.pid : ex.pid;
	return (int)rv;
}
