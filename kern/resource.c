/* resource.c: resource limits' boot values, as Linux sets them for init,
 * and RLIMIT_FSIZE's signal (fsize.h). */
#include "fsize.h"
#include "proc.h"

#define RLIM_INF (~0UL)

void
plimit_init(struct plimit *pl)
{
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		pl->pl_rlimit[i].rlim_cur = RLIM_INF;
		pl->pl_rlimit[i].rlim_max = RLIM_INF;
	}
	pl->pl_rlimit[RLIMIT_STACK].rlim_cur = 8UL << 20;
	pl->pl_rlimit[RLIMIT_CORE].rlim_cur = 0;
	pl->pl_rlimit[RLIMIT_NPROC].rlim_cur = PID_MAX / 2;
	pl->pl_rlimit[RLIMIT_NPROC].rlim_max = PID_MAX / 2;
	pl->pl_rlimit[RLIMIT_NOFILE].rlim_cur = 1024;
	pl->pl_rlimit[RLIMIT_NOFILE].rlim_max = 4096;
	pl->pl_rlimit[RLIMIT_MEMLOCK].rlim_cur = 8UL << 20;
	pl->pl_rlimit[RLIMIT_MEMLOCK].rlim_max = 8UL << 20;
	pl->pl_rlimit[RLIMIT_SIGPENDING].rlim_cur = PID_MAX / 2;
	pl->pl_rlimit[RLIMIT_SIGPENDING].rlim_max = PID_MAX / 2;
	pl->pl_rlimit[RLIMIT_MSGQUEUE].rlim_cur = 819200;
	pl->pl_rlimit[RLIMIT_MSGQUEUE].rlim_max = 819200;
	pl->pl_rlimit[RLIMIT_NICE].rlim_cur = 0;
	pl->pl_rlimit[RLIMIT_NICE].rlim_max = 0;
	pl->pl_rlimit[RLIMIT_RTPRIO].rlim_cur = 0;
	pl->pl_rlimit[RLIMIT_RTPRIO].rlim_max = 0;
}

/* fsize.h: RLIMIT_FSIZE's signal, to the writing lwp as Linux's
 * send_sig(SIGXFSZ, current, 0): SI_USER from its own process.  An lwp
 * that ignores it gets the EFBIG alone; one that blocks it finds it
 * pending on itself, not on the process. */
void
fsize_xfsz(void)
{
	struct lwp *l = rumpuser_curlwp();
	siginfo_t si;

	if (l == NULL)
		return;
	sig_info_init(&si, SIGXFSZ, SI_USER, l);
	(void)sig_post_lwp(l, SIGXFSZ, &si);
}
