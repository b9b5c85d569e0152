/*
 * ipc.c: what the IPC sources share: the keyed sleep, the signal hooks,
 * boot.
 */
#include "ipc.h"
#include "proc.h"

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

/*
 * SIGPIPE hook (see ipc.h).  Signals are not kernel state yet: the
 * signal work makes this post SIGPIPE to `l' (sig_post_lwp), the only
 * change needed for pipes and sockets to raise it.
 */
void
ipc_sigpipe(struct lwp *l)
{
	(void)l;
}

/*
 * Temporary signal masks of ppoll, pselect6 and epoll_pwait (see
 * ipc.h).  The callers have validated the size and copied the mask in;
 * the signal work sets l's mask to *mask here (saving the old one in
 * *old) and restores it in ipc_sigmask_restore, taking a signal that the
 * temporary mask let through before the old mask comes back.
 */
void
ipc_sigmask_swap(struct lwp *l, const uint64_t *mask, uint64_t *old)
{
	(void)l;
	(void)mask;
	*old = 0;
}

void
ipc_sigmask_restore(struct lwp *l, const uint64_t *old)
{
	(void)l;
	(void)old;
}

int
ipc_init(void)
{
	return 0;
}
