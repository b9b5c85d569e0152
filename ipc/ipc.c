/*
 * ipc.c: what the IPC sources share: the keyed sleep, the signal hooks,
 * boot.
 */
#include "ipc.h"
#include "proc.h"

int
ipc_anon_stat(struct file *fp, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 0x0e; /* anon_inodefs */
	st->st_ino = 1;
	st->st_nlink = 1;
	st->st_mode = 0600;
	st->st_blksize = IPC_PAGE;
	return 0;
}

int
ipc_sleep(struct waitq *wq, kmutex_t *lock, unsigned key, uint64_t deadline)
{
	struct lwp *l = rumpuser_curlwp();
	struct waiter w;
	int error;

	KASSERT(l != NULL);
	park_prepare(l);
	waitq_enqueue(wq, &w, l, key);
	mutex_exit(lock);
	error = lwp_park(l, deadline, SLEEP_INTR);
	mutex_enter(lock);
	if (w.w_queue == NULL)
		return 0; /* a waker chose us: the wakeup wins */
	waitq_dequeue(wq, &w);
	return error;
}

/* SIGPIPE hook (see ipc.h): to the writing lwp, as Linux's send_sig. */
void
ipc_sigpipe(struct lwp *l)
{
	siginfo_t si;

	sig_info_init(&si, SIGPIPE, SI_USER, l);
	sig_post_lwp(l, SIGPIPE, &si);
}

/* Temporary signal masks of ppoll, pselect6 and epoll_pwait (see
 * ipc.h): signal.h's sig_mask_swap/sig_mask_restore. */
void
ipc_sigmask_swap(struct lwp *l, const uint64_t *mask, uint64_t *old)
{
	sig_mask_swap(l, *mask, old);
}

void
ipc_sigmask_restore(struct lwp *l, const uint64_t *old)
{
	sig_mask_restore(l, *old);
}

int
ipc_init(void)
{
	int error;

	if ((error = fifo_init()) != 0)
		return error;
	return unp_init();
}
