/*
 * setid.c: rump_sys_seteuid() and rump_sys_setegid().  glibc makes them
 * setresuid(-1, id, -1) and setresgid(-1, id, -1), but first refuses an
 * id of -1 with EINVAL (which setres*id would take as "unchanged"), so
 * they are written by hand.
 */
#include <errno.h>

#include <rump/rump_syscalls.h>
#include <rump/rumpuser.h>

static int
setres(long nr, unsigned id)
{
	long args[6] = { -1, (long)id, -1 };
	long rv;

	if (id == (unsigned)-1) {
		rumpuser_seterrno(EINVAL);
		return -1;
	}
	rv = rump_syscall(nr, args);
	if (rv < 0) {
		rumpuser_seterrno((int)-rv);
		return -1;
	}
	return 0;
}

int
rump_sys_seteuid(uid_t euid)
{
	return setres(RUMP_SYS_setresuid, euid);
}

int
rump_sys_setegid(gid_t egid)
{
	return setres(RUMP_SYS_setresgid, egid);
}
