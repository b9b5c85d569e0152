/*
 * poll.c: poll, ppoll, select, pselect6: one engine (do_poll) over the
 * fo_poll contract of poll.h.
 *
 * A poller registers a callback waiter on each queue a file names (the
 * callback unparks the polling lwp) and keeps it there, with a
 * reference to the file, until the call returns; a wakeup thus goes from
 * the object's queue straight to lwp_unpark, and only for the bits the
 * poller asked for.  Registration stops at the first ready descriptor,
 * as on Linux: the call will not sleep then.
 */
#include <linux/time.h>

#include "fd.h"
#include "ipc.h"
#include "proc.h"
#include "syscall.h"

#define POLL_STACK_ENTS 32
#define POLL_CHUNK_ENTS 128
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
#define NSEC_PER_SEC 1000000000LL
#define KSIGSET_SIZE 8

struct pollent {
	struct waiter pe_w;
	struct waitq *pe_wq;
	kmutex_t *pe_lock;
	struct file *pe_fp; /* held while pe_w is queued */
};

struct pollchunk {
	struct pollchunk *pc_next;
	int pc_n, pc_max;
	struct pollent pc_ents[];
};

struct pollctx {
	struct polltable pt; /* first: the callback gets &pt */
	struct lwp *l;
	struct file *cur; /* the file being polled */
	struct pollchunk *chunks;
	int nomem;
	union {
		struct pollchunk c;
		char space[sizeof(struct pollchunk) +
			   POLL_STACK_ENTS * sizeof(struct pollent)];
	} stack;
};

static bool
poll_wake(struct waiter *w, unsigned key)
{
	lwp_unpark(w->w_arg);
	return false;
}

static void
poll_queue(struct polltable *pt, struct waitq *wq, kmutex_t *lock)
{
	struct pollctx *pc = (struct pollctx *)pt;
	struct pollchunk *c = pc->chunks;
	struct pollent *pe;

	if (c->pc_n == c->pc_max) {
		c = kmem_alloc(sizeof(*c) +
			       POLL_CHUNK_ENTS * sizeof(struct pollent));
		if (c == NULL) {
			pc->nomem = 1;
			return;
		}
		c->pc_n = 0;
		c->pc_max = POLL_CHUNK_ENTS;
		c->pc_next = pc->chunks;
		pc->chunks = c;
	}
	pe = &c->pc_ents[c->pc_n++];
	pe->pe_wq = wq;
	pe->pe_lock = lock;
	pe->pe_fp = pc->cur;
	file_hold(pc->cur);
	mutex_enter(lock);
	waitq_enqueue_func(wq, &pe->pe_w, poll_wake, pc->l,
			   pt->pt_events | POLL_ALWAYS);
	mutex_exit(lock);
}

static void
pollctx_init(struct pollctx *pc, struct lwp *l)
{
	pc->pt.pt_queue = poll_queue;
	pc->pt.pt_events = 0;
	pc->l = l;
	pc->cur = NULL;
	pc->nomem = 0;
	pc->chunks = &pc->stack.c;
	pc->chunks->pc_next = NULL;
	pc->chunks->pc_n = 0;
	pc->chunks->pc_max = POLL_STACK_ENTS;
}

static void
pollctx_fini(struct pollctx *pc)
{
	struct pollchunk *c, *next;

	for (c = pc->chunks; c != NULL; c = next) {
		next = c->pc_next;
		for (int i = 0; i < c->pc_n; i++) {
			struct pollent *pe = &c->pc_ents[i];

			mutex_enter(pe->pe_lock);
			waitq_dequeue(pe->pe_wq, &pe->pe_w);
			mutex_exit(pe->pe_lock);
			file_release(pe->pe_fp);
		}
		if (c != &pc->stack.c)
			kmem_free(c,
				  sizeof(*c) + POLL_CHUNK_ENTS *
						       sizeof(struct pollent));
	}
}

/* The ready subset of `events' of one open file. */
static int
file_poll(struct file *fp, int events, struct polltable *pt)
{
	if (fp->f_ops->fo_poll == NULL)
		return DEFAULT_POLLMASK & events;
	return fp->f_ops->fo_poll(fp, events, pt);
}

/*
 * do_poll: fill revents of `fds' (kernel memory), waiting until one is
 * ready, `deadline' passes (DEADLINE_NONE: never; `nowait': do not
 * wait at all) or the lwp is interrupted.  Returns the number of
 * entries with revents, or -EINTR, -ENOMEM.
 */
static long
do_poll(struct lwp *l, struct pollfd *fds, unsigned nfds, uint64_t deadline,
	bool nowait)
{
	struct pollctx pc;
	struct polltable *pt;
	bool timedout = false;
	long count;
	int error;

	pollctx_init(&pc, l);
	pt = nowait ? NULL : &pc.pt;
	for (;;) {
		count = 0;
		park_prepare(l);
		for (unsigned i = 0; i < nfds; i++) {
			struct file *fp;
			int events, mask;

			fds[i].revents = 0;
			if (fds[i].fd < 0)
				continue;
			if ((fp = fd_getfile(l->l_proc, fds[i].fd)) == NULL) {
				fds[i].revents = POLLNVAL;
				count++;
				pt = NULL;
				continue;
			}
			events = (unsigned short)fds[i].events | POLL_ALWAYS;
			pc.cur = fp;
			if (pt != NULL)
				pt->pt_events = (unsigned)events;
			mask = file_poll(fp, events, pt) & events;
			file_release(fp);
			if (mask != 0) {
				fds[i].revents = (short)mask;
				count++;
				pt = NULL; /* no need to register further */
			}
		}
		pt = NULL;
		if (pc.nomem && count == 0) {
			count = -ENOMEM;
			break;
		}
		if (count != 0 || nowait || timedout)
			break;
		error = lwp_park(l, deadline, SLEEP_INTR);
		if (error == EINTR) {
			count = -EINTR;
			break;
		}
		timedout = error == ETIMEDOUT;
	}
	pollctx_fini(&pc);
	return count;
}

/* Relative timespec -> absolute deadline; EINVAL for a bad one. */
static int
ts_to_deadline(const struct timespec *ts, uint64_t *deadline, bool *nowait)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= NSEC_PER_SEC)
		return EINVAL;
	*nowait = ts->tv_sec == 0 && ts->tv_nsec == 0;
	if ((uint64_t)ts->tv_sec >= UINT64_MAX / NSEC_PER_SEC / 2)
		*deadline = DEADLINE_NONE;
	else
		*deadline =
			ipc_deadline_after((uint64_t)ts->tv_sec * NSEC_PER_SEC +
					   (uint64_t)ts->tv_nsec);
	return 0;
}

/* What is left until `deadline', as a timespec (zero when past). */
static void
deadline_left(uint64_t deadline, struct timespec *ts)
{
	uint64_t now = clock_monotonic_ns(), left;

	left = deadline > now ? deadline - now : 0;
	ts->tv_sec = (long)(left / NSEC_PER_SEC);
	ts->tv_nsec = (long)(left % NSEC_PER_SEC);
}

static long
poll_common(struct lwp *l, struct pollfd *ufds, nfds_t nfds, uint64_t deadline,
	    bool nowait)
{
	struct pollfd stack[64], *fds = stack;
	size_t size = sizeof(*fds) * nfds;
	long rv;

	if (nfds > (nfds_t)fd_limit(l->l_proc))
		return -EINVAL;
	if (nfds > ARRAY_SIZE(stack) && (fds = kmem_alloc(size)) == NULL)
		return -ENOMEM;
	if (copyin(ufds, fds, size) != 0) {
		rv = -EFAULT;
		goto out;
	}
	rv = do_poll(l, fds, (unsigned)nfds, deadline, nowait);
	/* Only revents goes back, entry by entry, as Linux writes it. */
	for (unsigned i = 0; rv >= 0 && i < nfds; i++)
		if (copyout(&fds[i].revents, UADDR_OF(ufds, i, revents),
			    sizeof(fds[i].revents)) != 0)
			rv = -EFAULT;
out:
	if (fds != stack)
		kmem_free(fds, size);
	return rv;
}

long
sys_poll(struct lwp *l, struct pollfd *ufds, nfds_t nfds, int timeout)
{
	uint64_t deadline = DEADLINE_NONE;

	if (timeout > 0)
		deadline = ipc_deadline_after((uint64_t)timeout * 1000000ULL);
	return poll_common(l, ufds, nfds, deadline, timeout == 0);
}

/* The temporary mask of ppoll/pselect6/epoll_pwait: check and copy in.
 * Returns 0 (mask in *mask, *have set when there is one) or an errno. */
int ipc_sigmask_in(const void *umask, size_t size, uint64_t *mask, bool *have);

int
ipc_sigmask_in(const void *umask, size_t size, uint64_t *mask, bool *have)
{
	*have = false;
	if (umask == NULL)
		return 0;
	if (size != KSIGSET_SIZE)
		return EINVAL;
	if (copyin(umask, mask, sizeof(*mask)) != 0)
		return EFAULT;
	*have = true;
	return 0;
}

long
sys_ppoll(struct lwp *l, struct pollfd *ufds, nfds_t nfds, struct timespec *tsp,
	  const void *sigmask, size_t sigsetsize)
{
	uint64_t deadline = DEADLINE_NONE, mask, old;
	bool nowait = false, have;
	struct timespec ts;
	long rv;
	int error;

	if (tsp != NULL) {
		if (copyin(tsp, &ts, sizeof(ts)) != 0)
			return -EFAULT;
		if ((error = ts_to_deadline(&ts, &deadline, &nowait)) != 0)
			return -error;
	}
	if ((error = ipc_sigmask_in(sigmask, sigsetsize, &mask, &have)) != 0)
		return -error;
	if (have)
		ipc_sigmask_swap(l, &mask, &old);
	rv = poll_common(l, ufds, nfds, deadline, nowait);
	if (have)
		ipc_sigmask_restore(l, &old);
	if (tsp != NULL && deadline != DEADLINE_NONE && !nowait) {
		deadline_left(deadline, &ts);
		(void)copyout(&ts, tsp, sizeof(ts)); /* Linux ignores EFAULT */
	}
	return rv;
}

/* ---- select ---------------------------------------------------------- */

#define POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET (POLLPRI)
#define NFDBITS_ (8 * sizeof(unsigned long))

static bool
bit_isset(const unsigned long *set, int fd)
{
	return set != NULL && (set[fd / NFDBITS_] >> (fd % NFDBITS_)) & 1;
}

static void
bit_set(unsigned long *set, int fd)
{
	set[fd / NFDBITS_] |= 1UL << (fd % NFDBITS_);
}

static long
select_common(struct lwp *l, int n, void *uin, void *uout, void *uex,
	      uint64_t deadline, bool nowait)
{
	void *uset[3] = { uin, uout, uex };
	unsigned long *in[3] = { NULL }, *out;
	struct pollfd *fds = NULL;
	size_t words, bytes;
	unsigned nfds = 0;
	long rv;
	int fd, limit;

	if (n < 0)
		return -EINVAL;
	limit = fd_limit(l->l_proc);
	if (n > limit)
		n = limit;
	words = ((size_t)n + NFDBITS_ - 1) / NFDBITS_;
	bytes = words * sizeof(unsigned long);
	/* in[0..2] and out (3 sets) in one allocation. */
	if (bytes > 0 && (out = kmem_zalloc(bytes * 4)) == NULL)
		return -ENOMEM;
	if (bytes == 0)
		out = NULL;
	for (int s = 0; s < 3 && bytes > 0; s++) {
		if (uset[s] == NULL)
			continue;
		in[s] = out + words * (size_t)(s + 1);
		if (copyin(uset[s], in[s], bytes) != 0) {
			rv = -EFAULT;
			goto done;
		}
	}
	/* Linux checks every descriptor named before waiting: EBADF. */
	for (fd = 0; fd < n; fd++) {
		if (!bit_isset(in[0], fd) && !bit_isset(in[1], fd) &&
		    !bit_isset(in[2], fd))
			continue;
		nfds++;
	}
	if (nfds > 0 && (fds = kmem_alloc(sizeof(*fds) * nfds)) == NULL) {
		rv = -ENOMEM;
		goto done;
	}
	nfds = 0;
	for (fd = 0; fd < n; fd++) {
		short ev = 0;

		if (bit_isset(in[0], fd))
			ev |= POLLIN_SET;
		if (bit_isset(in[1], fd))
			ev |= POLLOUT_SET;
		if (bit_isset(in[2], fd))
			ev |= POLLEX_SET;
		if (ev == 0)
			continue;
		fds[nfds].fd = fd;
		fds[nfds].events = ev;
		nfds++;
	}
	rv = do_poll(l, fds, nfds, deadline, nowait);
	if (rv < 0)
		goto done;
	rv = 0;
	for (unsigned i = 0; i < nfds; i++) {
		short re = fds[i].revents, ev = fds[i].events;

		if (re & POLLNVAL) {
			rv = -EBADF;
			goto done;
		}
		if ((ev & POLLIN) && (re & POLLIN_SET))
			rv++;
		if ((ev & POLLOUT) && (re & POLLOUT_SET))
			rv++;
		if ((ev & POLLPRI) && (re & POLLEX_SET))
			rv++;
	}
	/* Write back: each set becomes its result (cleared, then the
	 * ready bits).  Reuse `out' as the scratch for each set. */
	for (int s = 0; s < 3 && bytes > 0; s++) {
		if (uset[s] == NULL)
			continue;
		memset(out, 0, bytes);
		for (unsigned i = 0; i < nfds; i++) {
			short re = fds[i].revents, ev = fds[i].events;
			bool hit =
				(s == 0 && (ev & POLLIN) &&
				 (re & POLLIN_SET)) ||
				(s == 1 && (ev & POLLOUT) &&
				 (re & POLLOUT_SET)) ||
				(s == 2 && (ev & POLLPRI) && (re & POLLEX_SET));
			if (hit)
				bit_set(out, fds[i].fd);
		}
		if (copyout(out, uset[s], bytes) != 0) {
			rv = -EFAULT;
			goto done;
		}
	}
done:
	if (fds != NULL)
		kmem_free(fds, sizeof(*fds) * nfds);
	if (out != NULL)
		kmem_free(out, bytes * 4);
	return rv;
}

long
sys_select(struct lwp *l, int nfds, fd_set *readfds, fd_set *writefds,
	   fd_set *exceptfds, struct timeval *tvp)
{
	uint64_t deadline = DEADLINE_NONE;
	bool nowait = false;
	struct timeval tv;
	struct timespec ts;
	long rv;
	int error;

	if (tvp != NULL) {
		if (copyin(tvp, &tv, sizeof(tv)) != 0)
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		/* Linux normalises microseconds past a second. */
		ts.tv_sec = tv.tv_sec + tv.tv_usec / 1000000;
		ts.tv_nsec = (tv.tv_usec % 1000000) * 1000;
		if ((error = ts_to_deadline(&ts, &deadline, &nowait)) != 0)
			return -error;
	}
	rv = select_common(l, nfds, readfds, writefds, exceptfds, deadline,
			   nowait);
	if (tvp != NULL && deadline != DEADLINE_NONE && !nowait) {
		deadline_left(deadline, &ts);
		tv.tv_sec = ts.tv_sec;
		tv.tv_usec = ts.tv_nsec / 1000;
		(void)copyout(&tv, tvp, sizeof(tv));
	}
	return rv;
}

long
sys_pselect6(struct lwp *l, int nfds, fd_set *readfds, fd_set *writefds,
	     fd_set *exceptfds, struct timespec *tsp, void *sig)
{
	struct {
		const void *ss;
		size_t ss_len;
	} sigarg;
	uint64_t deadline = DEADLINE_NONE, mask, old;
	bool nowait = false, have = false;
	struct timespec ts;
	long rv;
	int error;

	if (tsp != NULL) {
		if (copyin(tsp, &ts, sizeof(ts)) != 0)
			return -EFAULT;
		if ((error = ts_to_deadline(&ts, &deadline, &nowait)) != 0)
			return -error;
	}
	if (sig != NULL) {
		if (copyin(sig, &sigarg, sizeof(sigarg)) != 0)
			return -EFAULT;
		if ((error = ipc_sigmask_in(sigarg.ss, sigarg.ss_len, &mask,
					    &have)) != 0)
			return -error;
	}
	if (have)
		ipc_sigmask_swap(l, &mask, &old);
	rv = select_common(l, nfds, readfds, writefds, exceptfds, deadline,
			   nowait);
	if (have)
		ipc_sigmask_restore(l, &old);
	if (tsp != NULL && deadline != DEADLINE_NONE && !nowait) {
		deadline_left(deadline, &ts);
		(void)copyout(&ts, tsp, sizeof(ts));
	}
	return rv;
}
