/*
 * membar.c: rumpuser_membar_threads, a memory barrier run in every
 * thread of this host process, through Linux's membarrier(2).
 *
 * The private expedited command interrupts only the CPUs that run one of
 * our threads, but the process must register for it first.  Registering
 * is cheap while the process has one thread and waits for an RCU grace
 * period once it has more, so rumpuser_init registers (normally before
 * the kernel starts threads).  A call that finds no registration (EPERM:
 * made before rumpuser_init) registers then.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rumpuser_int.h"

static int
membarrier(int cmd)
{
	return syscall(SYS_membarrier, cmd, 0, 0) == 0 ? 0 : errno;
}

int
rumpuser__membar_init(void)
{
	/* Without membarrier the kernel does without it: not an error. */
	(void)membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED);
	return 0;
}

RUMPUSER_API int
rumpuser_membar_threads(void)
{
	int error = membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);

	/* EPERM: not registered yet. */
	if (error == EPERM &&
	    (error = membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED)) ==
		    0)
		error = membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
	return error;
}
