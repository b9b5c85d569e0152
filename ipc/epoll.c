/*
 * epoll.c: epoll_create, epoll_create1, epoll_ctl, epoll_wait,
 * epoll_pwait over the fo_poll contract (poll.h).
 *
 * Each registration (epitem) keeps a callback waiter on the queue(s) its
 * file names.  When the file's object wakes its queue with bits the item
 * wants, the callback (under the object's lock) puts the item on the
 * epoll's ready list and wakes the epoll's waiters: epoll_wait then
 * looks only at ready items, so its cost does not grow with the number
 * registered.  Level-triggered items go back on the ready list after
 * each report and drop off when a later poll finds them idle; edge-
 * triggered ones wait for the next wakeup; one-shot ones are disabled
 * until EPOLL_CTL_MOD.  EPOLLEXCLUSIVE items are exclusive waiters
 * (sleepq.h): a wakeup of their file goes to the first one whose epoll
 * has a waiter, not to all of them.
 *
 * Locks (see also ipc.h):
 *   ep_ctl_lock: global; the file -> items lists (f_epoll) and the loop
 *     check of nested epolls.  Taken by epoll_ctl, the close of an epoll
 *     and the last release of a registered file.
 *   ep_mtx: one epoll's item table; held by epoll_ctl and while
 *     epoll_wait reports items, so an item (and its file: its last
 *     release waits for ep_mtx in epoll_file_gone) stays while in use.
 *   ep_lock: the ready list and ep_wq; a leaf under object locks.
 * Order: ep_ctl_lock > ep_mtx > object lock > ep_lock > park lock.
 * A file is never released with ep_mtx held.
 */
#include <linux/eventpoll.h>
#include <linux/stat.h>

#include "fd.h"
#include "ipc.h"
#include "proc.h"
#include "syscall.h"

#define EP_MAX_QUEUES 2 /* wait queues one file may name */
#define EP_MAX_NESTS 4  /* Linux's EP_MAX_NESTS */
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EP_EXCLUSIVE_OK                                                        \
	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET |    \
	 EPOLLEXCLUSIVE | EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM |            \
	 EPOLLWRBAND)
#define EP_MAXEVENTS (0x7fffffff / sizeof(struct epoll_event))
#define EP_HASH_MIN 16

struct eventpoll;

struct epitem {
	struct eventpoll *ei_ep;
	struct file *ei_fp; /* not held: see epoll_file_gone */
	int ei_fd;
	uint32_t ei_events; /* under ep_mtx and ep_lock (both to change) */
	uint64_t ei_data;   /* under ep_mtx */
	int ei_nwait;
	struct waiter ei_w[EP_MAX_QUEUES];
	struct waitq *ei_wq[EP_MAX_QUEUES];
	kmutex_t *ei_wlock[EP_MAX_QUEUES];
	bool ei_ready;            /* on the ready list; ep_lock */
	struct epitem *ei_rdnext; /* ep_lock */
	/* ep_harvest's own, under ep_mtx: a callback may put the item back
	 * on the ready list while a harvest holds it, so the harvest keeps
	 * its items on a list of their own. */
	unsigned ei_gen; /* the harvest that last saw it */
	bool ei_kept;    /* on that harvest's keep list */
	struct epitem *ei_keepnext;
	struct epitem *ei_hnext; /* ep_mtx */
	struct epitem *ei_fnext; /* ep_ctl_lock */
};

struct eventpoll {
	kmutex_t ep_mtx;
	struct epitem **ep_hash; /* ep_mtx */
	unsigned ep_hsize, ep_count;
	kmutex_t ep_lock;
	struct waitq ep_wq;
	struct epitem *ep_rdhead, *ep_rdtail; /* ep_lock */
	struct file *ep_file; /* the epoll's own file (not held) */
	unsigned ep_gen;      /* harvests so far; ep_mtx */
};

static kmutex_t ep_ctl_lock;
static int ep_ctl_ready; /* atomic: ep_ctl_lock made */

/* Made on first use; racing makers agree through the flag. */
static kmutex_t *
ctl_lock(void)
{
	int st = atomic_load_acq(&ep_ctl_ready);

	if (__predict_true(st == 2))
		return &ep_ctl_lock;
	if (st == 0 &&
	    __atomic_compare_exchange_n(&ep_ctl_ready, &st, 1, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		mutex_init(&ep_ctl_lock);
		atomic_store_rel(&ep_ctl_ready, 2);
	}
	while (atomic_load_acq(&ep_ctl_ready) != 2)
		;
	return &ep_ctl_lock;
}

/* ---- ready list (ep_lock held) ---------------------------------------- */

static void
rd_append(struct eventpoll *ep, struct epitem *ei)
{
	ei->ei_ready = true;
	ei->ei_rdnext = NULL;
	if (ep->ep_rdtail != NULL)
		ep->ep_rdtail->ei_rdnext = ei;
	else
		ep->ep_rdhead = ei;
	ep->ep_rdtail = ei;
}

/* Back at the head, where rd_pop took it from. */
static void
rd_prepend(struct eventpoll *ep, struct epitem *ei)
{
	ei->ei_ready = true;
	ei->ei_rdnext = ep->ep_rdhead;
	ep->ep_rdhead = ei;
	if (ep->ep_rdtail == NULL)
		ep->ep_rdtail = ei;
}

/* The first item of the ready list, taken off it, or NULL. */
static struct epitem *
rd_take(struct eventpoll *ep)
{
	struct epitem *ei;

	mutex_enter(&ep->ep_lock);
	if ((ei = ep->ep_rdhead) != NULL) {
		ep->ep_rdhead = ei->ei_rdnext;
		if (ep->ep_rdhead == NULL)
			ep->ep_rdtail = NULL;
		ei->ei_ready = false;
	}
	mutex_exit(&ep->ep_lock);
	return ei;
}

static void
rd_remove(struct eventpoll *ep, struct epitem *ei)
{
	struct epitem **pp, *prev = NULL;

	if (!ei->ei_ready)
		return;
	for (pp = &ep->ep_rdhead; *pp != ei; pp = &(*pp)->ei_rdnext)
		prev = *pp;
	*pp = ei->ei_rdnext;
	if (ep->ep_rdtail == ei)
		ep->ep_rdtail = prev;
	ei->ei_ready = false;
}

/*
 * The callback of an item's waiter: under the object's lock.  An
 * EPOLLEXCLUSIVE item takes the wakeup (so the file's other exclusive
 * items are not told) when its epoll has a waiter to wake and the
 * wakeup is for the direction it wants, as Linux's ep_poll_callback.
 */
static bool
ep_callback(struct waiter *w, unsigned key)
{
	struct epitem *ei = w->w_arg;
	struct eventpoll *ep = ei->ei_ep;
	bool took = false;
	unsigned inout;

	mutex_enter(&ep->ep_lock);
	if (!(key & ei->ei_events & ~EP_PRIVATE_BITS)) {
		mutex_exit(&ep->ep_lock);
		return false;
	}
	if (!ei->ei_ready)
		rd_append(ep, ei);
	if (!waitq_empty(&ep->ep_wq)) {
		if (ei->ei_events & EPOLLEXCLUSIVE) {
			inout = key & (EPOLLIN | EPOLLOUT);
			took = inout == 0 ||
			       (inout == EPOLLIN &&
				(ei->ei_events & EPOLLIN)) ||
			       (inout == EPOLLOUT &&
				(ei->ei_events & EPOLLOUT));
		}
		waitq_wakeup_key(&ep->ep_wq, POLLIN | POLLRDNORM);
	}
	mutex_exit(&ep->ep_lock);
	return took;
}

/* ---- item table (ep_mtx held) ----------------------------------------- */

static unsigned
ep_hashof(struct eventpoll *ep, struct file *fp, int fd)
{
	uintptr_t h = ((uintptr_t)fp >> 4) ^ (uintptr_t)fd * 0x9e3779b1u;

	return (unsigned)(h ^ (h >> 16)) & (ep->ep_hsize - 1);
}

static struct epitem *
ep_find(struct eventpoll *ep, struct file *fp, int fd)
{
	struct epitem *ei;

	if (ep->ep_hsize == 0)
		return NULL;
	for (ei = ep->ep_hash[ep_hashof(ep, fp, fd)]; ei != NULL;
	     ei = ei->ei_hnext)
		if (ei->ei_fp == fp && ei->ei_fd == fd)
			return ei;
	return NULL;
}

static int
ep_hash_insert(struct eventpoll *ep, struct epitem *ei)
{
	unsigned h;

	if (ep->ep_count + 1 > ep->ep_hsize) {
		unsigned nsize = ep->ep_hsize ? ep->ep_hsize * 2 : EP_HASH_MIN;
		struct epitem **nh = kmem_zalloc(sizeof(*nh) * nsize);
		struct epitem **oh = ep->ep_hash;
		unsigned osize = ep->ep_hsize;

		if (nh == NULL)
			return ENOMEM;
		ep->ep_hash = nh;
		ep->ep_hsize = nsize;
		for (unsigned i = 0; i < osize; i++) {
			struct epitem *e, *next;

			for (e = oh[i]; e != NULL; e = next) {
				next = e->ei_hnext;
				h = ep_hashof(ep, e->ei_fp, e->ei_fd);
				e->ei_hnext = nh[h];
				nh[h] = e;
			}
		}
		if (oh != NULL)
			kmem_free(oh, sizeof(*oh) * osize);
	}
	h = ep_hashof(ep, ei->ei_fp, ei->ei_fd);
	ei->ei_hnext = ep->ep_hash[h];
	ep->ep_hash[h] = ei;
	ep->ep_count++;
	return 0;
}

static void
ep_hash_remove(struct eventpoll *ep, struct epitem *ei)
{
	struct epitem **pp = &ep->ep_hash[ep_hashof(ep, ei->ei_fp, ei->ei_fd)];

	while (*pp != ei)
		pp = &(*pp)->ei_hnext;
	*pp = ei->ei_hnext;
	ep->ep_count--;
}

/* ---- registration ------------------------------------------------------ */

struct ep_ptable {
	struct polltable pt;
	struct epitem *ei;
};

static void
ep_ptable_queue(struct polltable *pt, struct waitq *wq, kmutex_t *lock)
{
	struct epitem *ei = ((struct ep_ptable *)pt)->ei;
	int i = ei->ei_nwait;

	if (i == EP_MAX_QUEUES)
		panic("epoll: a file named more than %d wait queues",
		      EP_MAX_QUEUES);
	ei->ei_wq[i] = wq;
	ei->ei_wlock[i] = lock;
	mutex_enter(lock);
	waitq_enqueue_func(wq, &ei->ei_w[i], ep_callback, ei,
			   pt->pt_events | POLL_ALWAYS);
	ei->ei_w[i].w_excl = (ei->ei_events & EPOLLEXCLUSIVE) != 0;
	mutex_exit(lock);
	ei->ei_nwait++;
}

/* Take `ei' off its file's queues (ep_mtx held). */
static void
ep_unregister(struct epitem *ei)
{
	for (int i = 0; i < ei->ei_nwait; i++) {
		mutex_enter(ei->ei_wlock[i]);
		waitq_dequeue(ei->ei_wq[i], &ei->ei_w[i]);
		mutex_exit(ei->ei_wlock[i]);
	}
	ei->ei_nwait = 0;
}

/* Unlink `ei' from its file's list (ep_ctl_lock held). */
static void
ep_file_unlink(struct epitem *ei)
{
	struct file *fp = ei->ei_fp;
	struct epitem **pp = &fp->f_epoll;

	while (*pp != ei)
		pp = &(*pp)->ei_fnext;
	if (pp == &fp->f_epoll)
		atomic_store_rel(&fp->f_epoll, ei->ei_fnext);
	else
		*pp = ei->ei_fnext;
}

/* Remove and free `ei' (ep_ctl_lock and ep_mtx held). */
static void
ep_remove(struct eventpoll *ep, struct epitem *ei)
{
	ep_unregister(ei);
	ep_file_unlink(ei);
	ep_hash_remove(ep, ei);
	mutex_enter(&ep->ep_lock);
	rd_remove(ep, ei);
	mutex_exit(&ep->ep_lock);
	kmem_free(ei, sizeof(*ei));
}

void
epoll_file_gone(struct file *fp)
{
	kmutex_t *cl = ctl_lock();
	struct epitem *ei;

	mutex_enter(cl);
	while ((ei = fp->f_epoll) != NULL) {
		struct eventpoll *ep = ei->ei_ep;

		mutex_enter(&ep->ep_mtx);
		ep_remove(ep, ei);
		mutex_exit(&ep->ep_mtx);
	}
	mutex_exit(cl);
}

/* ---- the epoll file ----------------------------------------------------- */

static const struct fileops epoll_fileops;

static bool
is_epoll(struct file *fp)
{
	return fp->f_ops == &epoll_fileops;
}

static int
ep_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	return EINVAL;
}

static int
ep_poll(struct file *fp, int events, struct polltable *pt)
{
	struct eventpoll *ep = fp->f_data;
	int mask = 0;

	struct epitem *ei;
	unsigned gen;

	poll_wait(pt, &ep->ep_wq, &ep->ep_lock);
	/*
	 * As Linux's ep_eventpoll_poll: readable if an item on the ready
	 * list is ready now.  Those that are not (drained since the wakeup
	 * that put them there, one-shot ones disabled) leave the list; one
	 * a callback puts back meanwhile stays.  ep_mtx keeps epoll_wait
	 * out and the items' files alive (an epoll inside this one is
	 * polled with its own ep_mtx: nesting has no loops).
	 */
	mutex_enter(&ep->ep_mtx);
	gen = ++ep->ep_gen;
	for (;;) {
		if ((ei = rd_take(ep)) == NULL)
			break;
		if (ei->ei_gen == gen) {
			/* Put back by a callback during this scan. */
			mutex_enter(&ep->ep_lock);
			if (!ei->ei_ready)
				rd_prepend(ep, ei);
			mutex_exit(&ep->ep_lock);
			break;
		}
		ei->ei_gen = gen;
		if (ei->ei_fp->f_ops->fo_poll(
			    ei->ei_fp, (int)(ei->ei_events & ~EP_PRIVATE_BITS),
			    NULL) &
		    (int)ei->ei_events) {
			mutex_enter(&ep->ep_lock);
			if (!ei->ei_ready)
				rd_prepend(ep, ei);
			mutex_exit(&ep->ep_lock);
			mask = POLLIN | POLLRDNORM;
			break;
		}
	}
	mutex_exit(&ep->ep_mtx);
	return mask & events;
}

static void
ep_close(struct file *fp)
{
	struct eventpoll *ep = fp->f_data;
	kmutex_t *cl = ctl_lock();

	mutex_enter(cl);
	mutex_enter(&ep->ep_mtx);
	for (unsigned i = 0; i < ep->ep_hsize; i++)
		while (ep->ep_hash[i] != NULL)
			ep_remove(ep, ep->ep_hash[i]);
	mutex_exit(&ep->ep_mtx);
	mutex_exit(cl);
	if (ep->ep_hash != NULL)
		kmem_free(ep->ep_hash, sizeof(*ep->ep_hash) * ep->ep_hsize);
	KASSERT(waitq_empty(&ep->ep_wq));
	mutex_destroy(&ep->ep_lock);
	mutex_destroy(&ep->ep_mtx);
	kmem_free(ep, sizeof(*ep));
}

#define FIOQSIZE_ 0x5460

/* Linux 6.9+ epoll has ioctls of its own (busy-poll parameters) and
 * answers every other command with EINVAL, FIONREAD included; FIOQSIZE
 * is the VFS's and never reaches it (ENOTTY). */
static int
ep_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	return cmd == FIOQSIZE_ ? ENOTTY : EINVAL;
}

static const struct fileops epoll_fileops = {
	.fo_seek = fo_seek_none, /* Linux's noop_llseek */
	.fo_lockf = fo_lockf_anon,
	.fo_read = ep_read,
	.fo_write = ep_read,
	.fo_stat = fo_stat_anon,
	.fo_ioctl = ep_ioctl,
	.fo_poll = ep_poll,
	.fo_close = ep_close,
};

long
sys_epoll_create1(struct lwp *l, int flags)
{
	struct eventpoll *ep;
	struct file *fp;
	int error, fd;

	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	(void)ctl_lock();
	if ((ep = kmem_zalloc(sizeof(*ep))) == NULL)
		return -ENOMEM;
	mutex_init(&ep->ep_mtx);
	mutex_init(&ep->ep_lock);
	waitq_init(&ep->ep_wq);
	if ((error = file_alloc(&epoll_fileops, ep, O_RDWR, l->l_cred, &fp)) !=
	    0) {
		mutex_destroy(&ep->ep_lock);
		mutex_destroy(&ep->ep_mtx);
		kmem_free(ep, sizeof(*ep));
		return -error;
	}
	ep->ep_file = fp;
	error = fd_alloc(l->l_proc, fp, 0, (flags & EPOLL_CLOEXEC) != 0, &fd);
	file_release(fp);
	return error != 0 ? -error : fd;
}

long
sys_epoll_create(struct lwp *l, int size)
{
	if (size <= 0)
		return -EINVAL;
	return sys_epoll_create1(l, 0);
}

/*
 * Whether adding epoll `target' to `ep' would make a loop or nest deeper
 * than Linux allows (ep_ctl_lock held): walk what `target' watches.
 */
static bool
ep_loops(struct eventpoll *ep, struct eventpoll *target, int depth)
{
	if (target == ep || depth > EP_MAX_NESTS)
		return true;
	for (unsigned i = 0; i < target->ep_hsize; i++)
		for (struct epitem *ei = target->ep_hash[i]; ei != NULL;
		     ei = ei->ei_hnext)
			if (is_epoll(ei->ei_fp) &&
			    ep_loops(ep, ei->ei_fp->f_data, depth + 1))
				return true;
	return false;
}

static int
ep_insert(struct eventpoll *ep, struct file *fp, int fd,
	  const struct epoll_event *ev)
{
	struct ep_ptable ept;
	struct epitem *ei;
	int mask, error;

	if ((ei = kmem_zalloc(sizeof(*ei))) == NULL)
		return ENOMEM;
	ei->ei_ep = ep;
	ei->ei_fp = fp;
	ei->ei_fd = fd;
	ei->ei_events = ev->events | EPOLLERR | EPOLLHUP;
	ei->ei_data = ev->data;
	if ((error = ep_hash_insert(ep, ei)) != 0) {
		kmem_free(ei, sizeof(*ei));
		return error;
	}
	ei->ei_fnext = fp->f_epoll;
	atomic_store_rel(&fp->f_epoll, ei);
	ept.pt.pt_queue = ep_ptable_queue;
	ept.pt.pt_events = ei->ei_events & ~EP_PRIVATE_BITS;
	ept.ei = ei;
	mask = fp->f_ops->fo_poll(fp, (int)ept.pt.pt_events, &ept.pt);
	mutex_enter(&ep->ep_lock);
	if ((mask & ei->ei_events) && !ei->ei_ready) {
		rd_append(ep, ei);
		ipc_wakeup(&ep->ep_wq, POLLIN | POLLRDNORM);
	}
	mutex_exit(&ep->ep_lock);
	return 0;
}

static int
ep_modify(struct eventpoll *ep, struct epitem *ei, const struct epoll_event *ev)
{
	struct file *fp = ei->ei_fp;
	uint32_t events = ev->events | EPOLLERR | EPOLLHUP;
	int mask;

	for (int i = 0; i < ei->ei_nwait; i++) {
		mutex_enter(ei->ei_wlock[i]);
		ei->ei_w[i].w_key = (events & ~EP_PRIVATE_BITS) | POLL_ALWAYS;
		mutex_exit(ei->ei_wlock[i]);
	}
	mutex_enter(&ep->ep_lock);
	ei->ei_events = events;
	mutex_exit(&ep->ep_lock);
	ei->ei_data = ev->data;
	mask = fp->f_ops->fo_poll(fp, (int)(events & ~EP_PRIVATE_BITS), NULL);
	mutex_enter(&ep->ep_lock);
	if ((mask & events) && !ei->ei_ready) {
		rd_append(ep, ei);
		ipc_wakeup(&ep->ep_wq, POLLIN | POLLRDNORM);
	}
	mutex_exit(&ep->ep_lock);
	return 0;
}

long
sys_epoll_ctl(struct lwp *l, int epfd, int op, int fd,
	      struct epoll_event *event)
{
	struct file *epf, *fp = NULL;
	struct eventpoll *ep;
	struct epoll_event ev = { 0 };
	struct epitem *ei;
	kmutex_t *cl;
	int error = 0;

	if (op != EPOLL_CTL_DEL && copyin(event, &ev, sizeof(ev)) != 0)
		return -EFAULT;
	if ((epf = fd_getfile(l->l_proc, epfd)) == NULL)
		return -EBADF;
	if ((fp = fd_getfile(l->l_proc, fd)) == NULL) {
		error = EBADF;
		goto out;
	}
	if (fp->f_ops->fo_poll == NULL) {
		error = EPERM;
		goto out;
	}
	if (!is_epoll(epf) || epf == fp) {
		error = EINVAL;
		goto out;
	}
	if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_DEL && op != EPOLL_CTL_MOD) {
		error = EINVAL;
		goto out;
	}
	if (ev.events & EPOLLEXCLUSIVE) {
		if (op == EPOLL_CTL_MOD ||
		    (op == EPOLL_CTL_ADD &&
		     (is_epoll(fp) || (ev.events & ~EP_EXCLUSIVE_OK)))) {
			error = EINVAL;
			goto out;
		}
	}
	ep = epf->f_data;
	cl = ctl_lock();
	mutex_enter(cl);
	if (op == EPOLL_CTL_ADD && is_epoll(fp) &&
	    ep_loops(ep, fp->f_data, 0)) {
		mutex_exit(cl);
		error = ELOOP;
		goto out;
	}
	mutex_enter(&ep->ep_mtx);
	ei = ep_find(ep, fp, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		error = ei != NULL ? EEXIST : ep_insert(ep, fp, fd, &ev);
		break;
	case EPOLL_CTL_DEL:
		if (ei == NULL)
			error = ENOENT;
		else
			ep_remove(ep, ei);
		break;
	case EPOLL_CTL_MOD:
		if (ei == NULL)
			error = ENOENT;
		else if (ei->ei_events & EPOLLEXCLUSIVE)
			error = EINVAL;
		else
			error = ep_modify(ep, ei, &ev);
		break;
	}
	mutex_exit(&ep->ep_mtx);
	mutex_exit(cl);
out:
	if (fp != NULL)
		file_release(fp);
	file_release(epf);
	return -error;
}

/* Keep `ei' on the harvest's list, to go back on the ready list. */
static void
keep(struct epitem *ei, struct epitem ***tailp)
{
	if (ei->ei_kept)
		return;
	ei->ei_kept = true;
	ei->ei_keepnext = NULL;
	**tailp = ei;
	*tailp = &ei->ei_keepnext;
}

/*
 * Report up to `max' ready events to `uevents'.  Returns the count or
 * -EFAULT.  ep_mtx is held: items and their files stay.  An item is
 * reported once a call: one that comes round again (a callback put it
 * back meanwhile) ends the harvest and waits for the next call.
 */
static long
ep_harvest(struct eventpoll *ep, struct epoll_event *uevents, int max)
{
	struct epitem *ei, *kept = NULL, **kept_tail = &kept;
	unsigned gen = ++ep->ep_gen;
	struct epoll_event ev;
	long n = 0;
	int mask;

	while (n < max) {
		if ((ei = rd_take(ep)) == NULL)
			break;
		if (ei->ei_gen == gen) {
			keep(ei, &kept_tail);
			break;
		}
		ei->ei_gen = gen;
		mask = ei->ei_fp->f_ops->fo_poll(
			ei->ei_fp, (int)(ei->ei_events & ~EP_PRIVATE_BITS),
			NULL);
		mask &= (int)ei->ei_events;
		if (mask == 0)
			continue; /* no longer ready */
		ev.events = (uint32_t)mask;
		ev.data = ei->ei_data;
		if (copyout(&ev, &uevents[n], sizeof(ev)) != 0) {
			keep(ei, &kept_tail); /* for the next caller */
			if (n == 0)
				n = -EFAULT;
			break;
		}
		n++;
		if (ei->ei_events & EPOLLONESHOT) {
			mutex_enter(&ep->ep_lock);
			ei->ei_events &= EP_PRIVATE_BITS;
			mutex_exit(&ep->ep_lock);
		} else if (!(ei->ei_events & EPOLLET)) {
			keep(ei, &kept_tail); /* level-triggered: look again */
		}
	}
	mutex_enter(&ep->ep_lock);
	while ((ei = kept) != NULL) {
		kept = ei->ei_keepnext;
		ei->ei_kept = false;
		if (!ei->ei_ready)
			rd_append(ep, ei);
	}
	mutex_exit(&ep->ep_lock);
	return n;
}

static long
ep_wait(struct lwp *l, int epfd, struct epoll_event *events, int maxevents,
	int timeout)
{
	uint64_t deadline = DEADLINE_NONE;
	struct eventpoll *ep;
	struct file *epf;
	long n;
	int error;

	if (maxevents <= 0 || (size_t)maxevents > EP_MAXEVENTS)
		return -EINVAL;
	if (!user_range_ok(events, sizeof(*events) * (size_t)maxevents))
		return -EFAULT;
	if ((epf = fd_getfile(l->l_proc, epfd)) == NULL)
		return -EBADF;
	if (!is_epoll(epf)) {
		file_release(epf);
		return -EINVAL;
	}
	ep = epf->f_data;
	if (timeout > 0)
		deadline = ipc_deadline_after((uint64_t)timeout * 1000000ULL);
	for (;;) {
		mutex_enter(&ep->ep_mtx);
		n = ep_harvest(ep, events, maxevents);
		mutex_exit(&ep->ep_mtx);
		if (n != 0 || timeout == 0)
			break;
		mutex_enter(&ep->ep_lock);
		error = 0;
		if (ep->ep_rdhead == NULL)
			error = ipc_sleep(&ep->ep_wq, &ep->ep_lock,
					  POLLIN | POLLRDNORM, deadline);
		mutex_exit(&ep->ep_lock);
		if (error == EINTR) {
			n = -EINTR;
			break;
		}
		if (error == ETIMEDOUT) {
			/* One last look, as Linux does. */
			mutex_enter(&ep->ep_mtx);
			n = ep_harvest(ep, events, maxevents);
			mutex_exit(&ep->ep_mtx);
			break;
		}
	}
	file_release(epf);
	return n;
}

long
sys_epoll_wait(struct lwp *l, int epfd, struct epoll_event *events,
	       int maxevents, int timeout)
{
	return ep_wait(l, epfd, events, maxevents, timeout);
}

int ipc_sigmask_in(const void *umask, size_t size, uint64_t *mask, bool *have);

long
sys_epoll_pwait(struct lwp *l, int epfd, struct epoll_event *events,
		int maxevents, int timeout, const void *sigmask,
		size_t sigsetsize)
{
	uint64_t mask, old;
	bool have;
	long n;
	int error;

	if ((error = ipc_sigmask_in(sigmask, sigsetsize, &mask, &have)) != 0)
		return -error;
	if (have)
		ipc_sigmask_swap(l, &mask, &old);
	n = ep_wait(l, epfd, events, maxevents, timeout);
	if (have)
		ipc_sigmask_restore(l, &old);
	return n;
}
