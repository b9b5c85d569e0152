/*
 * time.c: rump_sys_clock_nanosleep() (glibc's returns the error number
 * instead of setting errno) and rump_sys_timer_create() (the kernel's
 * timer ids are ints, glibc's timer_t a pointer: the id is carried in
 * it, and the other timer_* wrappers take it back out).
 */
#include <stdint.h>

#include <rump/rump_syscalls.h>
#include <rump/rumpuser.h>

int
rump_sys_clock_nanosleep(clockid_t clockid, int flags,
			 const struct timespec *req, struct timespec *rem)
{
	long args[6] = { clockid, flags, (long)req, (long)rem };
	long rv = rump_syscall(RUMP_SYS_clock_nanosleep, args);

	return rv < 0 ? (int)-rv : 0;
}

int
rump_sys_timer_create(clockid_t clockid, struct sigevent *sevp,
		      timer_t *timerid)
{
	int id = -1;
	long args[6] = { clockid, (long)sevp, (long)&id };
	long rv = rump_syscall(RUMP_SYS_timer_create, args);

	if (rv < 0) {
		rumpuser_seterrno((int)-rv);
		return -1;
	}
	*timerid = (timer_t)(intptr_t)id;
	return 0;
}
