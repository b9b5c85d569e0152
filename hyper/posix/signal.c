/*
 * signal.c: rumpuser_kill, a kernel-generated signal for the host.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "rumpuser_int.h"

/*
 * Linux numbers, as the kernel speaks them.  The pid is only a hint:
 * the local processes all live in this host process.  A real signal is
 * raised in the calling thread, so that one caused by a system call
 * (SIGPIPE, say) arrives before that call returns, as on Linux.
 */
RUMPUSER_API int
rumpuser_kill(int64_t pid, int sig)
{
	sigset_t cur;

	(void)pid;
	if (sig < 0 || sig > 64)
		return EINVAL;
	if (sig == 0)
		return kill(getpid(), 0) == 0 ? 0 : errno;
	/* A thread that blocks it (a kernel thread, which takes no host
	 * signals) sends it to the process instead. */
	if (pthread_sigmask(SIG_BLOCK, NULL, &cur) == 0 &&
	    sigismember(&cur, sig) == 1) {
		if (kill(getpid(), sig) != 0)
			return errno;
		return 0;
	}
	if (raise(sig) != 0)
		return errno;
	return 0;
}
