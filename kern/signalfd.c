/*
 * signalfd.c: signalfd and signalfd4: taking signals through a
 * descriptor (signal.h has the signal state they read).
 *
 * A signalfd holds only a signal set.  Reading it dequeues, from the
 * READING lwp's own pending set and then its process's shared one,
 * pending signals of the set, lowest number first, as whole 128-byte
 * struct signalfd_siginfo records: as many as fit, blocking for the
 * first (EAGAIN with O_NONBLOCK).  So after rfork, a child reading a
 * descriptor its parent made sees the child's signals.  A standard
 * signal is one record however often it was sent; a real-time one is a
 * record per queued instance, in order, with its value.  A signal taken
 * this way is gone: no handler runs for it.  poll, select and epoll see
 * a signalfd readable while a signal of its set is pending for the
 * polling lwp or its process.
 *
 * The descriptor does not change delivery: a signal of the set that the
 * receiving lwp does not block is delivered (handler or default action)
 * as before, on its way out of the kernel; a blocked read is ended by
 * it as any interruptible sleep is (EINTR, or a restart under
 * SA_RESTART).  Programs block the signals they read, as on Linux.
 *
 * Wakeups: readers and pollers of every signalfd wait on one queue,
 * sfd_wq.  Every signal that becomes pending, in any process, wakes it
 * (while some signalfd exists at all); each waiter then looks at its own
 * lwp and process again.  A queue per process would wake fewer, but a
 * poller's registration (epoll's stays queued until removed) would have
 * to outlive the process it was made in; one queue has no such tie, and
 * programs that use signalfd take few signals.
 *
 * Lock order: p_lock (posting under it calls signalfd_notify_locked)
 *   > sfd_lock (the queue) > epoll's ep_lock > an lwp's park lock.
 * A reader or poller never holds sfd_lock and p_lock together.
 *
 * fstat shows Linux's one anonymous inode (as eventfd and epoll do);
 * write is EINVAL, pread ESPIPE, and lseek stays at 0.
 */
#include <linux/signalfd.h>
#include <linux/stat.h>

#include "fd.h"
#include "file.h"
#include "poll.h"
#include "proc.h"
#include "signal.h"
#include "sleepq.h"
#include "syscall.h"
#include "../vfs/lockf.h"

struct signalfd {
	ksigset_t sfd_mask; /* atomic: signalfd4 may replace it any time */
};

static kmutex_t sfd_lock;
static struct waitq sfd_wq; /* readers and pollers; sfd_lock */
static unsigned sfd_nfiles; /* live signalfds; atomic */

void
signalfd_init(void)
{
	mutex_init(&sfd_lock);
	waitq_init(&sfd_wq);
}

static void
sfd_wakeup(void)
{
	mutex_enter(&sfd_lock);
	if (!waitq_empty(&sfd_wq))
		waitq_wakeup_key(&sfd_wq, POLLIN | POLLRDNORM);
	mutex_exit(&sfd_lock);
}

void
signalfd_notify_locked(struct proc *p, int sig)
{
	(void)p;
	(void)sig;
	/* A signalfd made after this load was made after the poster took
	 * p_lock; its first look at the pending sets (under p_lock) then
	 * comes after the post. */
	if (atomic_load_relaxed(&sfd_nfiles) != 0)
		sfd_wakeup();
}

/* The signals of `mask' pending for `l' (its own and its process's). */
static ksigset_t
sfd_pending(struct lwp *l, ksigset_t mask)
{
	struct proc *p = l->l_proc;
	ksigset_t set;

	mutex_enter(&p->p_lock);
	set = (l->l_sigpend.sp_set | p->p_sigpend.sp_set) & mask;
	mutex_exit(&p->p_lock);
	return set;
}

/*
 * How Linux lays out a siginfo (its siginfo_layout), which decides
 * the fields a record carries.
 */
enum sfd_layout {
	SFL_KILL,
	SFL_TIMER,
	SFL_POLL,
	SFL_FAULT,
	SFL_CHLD,
	SFL_RT,
	SFL_SYS
};

static enum sfd_layout
sfd_layout(int sig, int code)
{
	if (code == SI_TIMER)
		return SFL_TIMER;
	if (code == SI_SIGIO)
		return SFL_POLL;
	if (code < 0)
		return SFL_RT;
	if (code == SI_USER || code >= SI_KERNEL)
		return SFL_KILL;
	/* A kernel code of the signal's own. */
	switch (sig) {
	case SIGILL:
		if (code <= NSIGILL)
			return SFL_FAULT;
		break;
	case SIGFPE:
		if (code <= NSIGFPE)
			return SFL_FAULT;
		break;
	case SIGSEGV:
		if (code <= NSIGSEGV)
			return SFL_FAULT;
		break;
	case SIGBUS:
		if (code <= NSIGBUS)
			return SFL_FAULT;
		break;
	case SIGTRAP:
		if (code <= NSIGTRAP)
			return SFL_FAULT;
		break;
	case SIGCHLD:
		if (code <= NSIGCHLD)
			return SFL_CHLD;
		break;
	case SIGSYS:
		if (code <= NSIGSYS)
			return SFL_SYS;
		break;
	}
	return code <= NSIGPOLL ? SFL_POLL : SFL_KILL;
}

static void
sfd_record(struct signalfd_siginfo *ssi, const siginfo_t *si)
{
	memset(ssi, 0, sizeof(*ssi));
	ssi->ssi_signo = (uint32_t)si->si_signo;
	ssi->ssi_errno = si->si_errno;
	ssi->ssi_code = si->si_code;
	switch (sfd_layout(si->si_signo, si->si_code)) {
	case SFL_KILL:
		ssi->ssi_pid = (uint32_t)si->si_pid;
		ssi->ssi_uid = (uint32_t)si->si_uid;
		break;
	case SFL_TIMER:
		ssi->ssi_tid = (uint32_t)si->si_tid;
		ssi->ssi_overrun = (uint32_t)si->si_overrun;
		ssi->ssi_int = si->si_int;
		ssi->ssi_ptr = (uint64_t)(uintptr_t)si->si_ptr;
		break;
	case SFL_POLL:
		ssi->ssi_band = (uint32_t)si->si_band;
		ssi->ssi_fd = si->si_fd;
		break;
	case SFL_FAULT:
		ssi->ssi_addr = (uint64_t)(uintptr_t)si->si_addr;
		if (si->si_signo == SIGBUS && (si->si_code == BUS_MCEERR_AR ||
					       si->si_code == BUS_MCEERR_AO))
			ssi->ssi_addr_lsb = (uint16_t)si->si_addr_lsb;
		break;
	case SFL_CHLD:
		ssi->ssi_pid = (uint32_t)si->si_pid;
		ssi->ssi_uid = (uint32_t)si->si_uid;
		ssi->ssi_status = si->si_status;
		ssi->ssi_utime = (uint64_t)si->si_utime;
		ssi->ssi_stime = (uint64_t)si->si_stime;
		break;
	case SFL_RT:
		ssi->ssi_pid = (uint32_t)si->si_pid;
		ssi->ssi_uid = (uint32_t)si->si_uid;
		ssi->ssi_int = si->si_int;
		ssi->ssi_ptr = (uint64_t)(uintptr_t)si->si_ptr;
		break;
	case SFL_SYS:
		ssi->ssi_call_addr = (uint64_t)(uintptr_t)si->si_call_addr;
		ssi->ssi_syscall = si->si_syscall;
		ssi->ssi_arch = si->si_arch;
		break;
	}
}

/*
 * Sleep until some signal may have become pending for `l' (a post
 * anywhere, a mask change), unless one of `mask' is pending already.
 * Returns 0 or ERESTARTSYS (a signal to deliver, or the process ends).
 */
static int
sfd_wait(struct lwp *l, ksigset_t mask)
{
	struct waiter w;
	int error = 0;

	park_prepare(l);
	mutex_enter(&sfd_lock);
	waitq_enqueue(&sfd_wq, &w, l, POLLIN | POLLRDNORM);
	mutex_exit(&sfd_lock);
	if (sfd_pending(l, mask) == 0)
		error = lwp_park(l, DEADLINE_NONE, SLEEP_INTR);
	mutex_enter(&sfd_lock);
	waitq_dequeue(&sfd_wq, &w);
	mutex_exit(&sfd_lock);
	return error == EINTR ? ERESTARTSYS : 0;
}

static int
signalfd_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	struct signalfd *sfd = fp->f_data;
	struct lwp *l = rumpuser_curlwp();
	struct signalfd_siginfo ssi;
	struct proc *p;
	ksigset_t mask;
	siginfo_t si;
	bool some = false;
	int error, sig;

	(void)offp;
	if (uio->uio_resid < sizeof(ssi))
		return EINVAL;
	if (l == NULL)
		return EINVAL;
	p = l->l_proc;
	do {
		mask = atomic_load_relaxed(&sfd->sfd_mask);
		mutex_enter(&p->p_lock);
		sig = sig_dequeue_locked(l, mask, &si);
		mutex_exit(&p->p_lock);
		if (sig == 0) {
			if (some)
				break;
			if ((ioflags & IO_NONBLOCK) ||
			    (file_flag(fp) & O_NONBLOCK))
				return EAGAIN;
			if ((error = sfd_wait(l, mask)) != 0)
				return error;
			continue;
		}
		sfd_record(&ssi, &si);
		/* A record that cannot be copied out is lost, as on Linux;
		 * the caller returns what was copied before it, if any. */
		if ((error = uiomove(&ssi, sizeof(ssi), uio)) != 0)
			return error;
		some = true;
	} while (uio->uio_resid >= sizeof(ssi));
	return 0;
}

static int
signalfd_write(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	(void)fp;
	(void)offp;
	(void)uio;
	(void)ioflags;
	return EINVAL;
}

static int
signalfd_poll(struct file *fp, int events, struct polltable *pt)
{
	struct signalfd *sfd = fp->f_data;
	struct lwp *l = rumpuser_curlwp();

	poll_wait(pt, &sfd_wq, &sfd_lock);
	if (l == NULL ||
	    sfd_pending(l, atomic_load_relaxed(&sfd->sfd_mask)) == 0)
		return 0;
	return events & (POLLIN | POLLRDNORM);
}

static void
signalfd_close(struct file *fp)
{
	kmem_free(fp->f_data, sizeof(struct signalfd));
	atomic_dec(&sfd_nfiles);
}

static const struct fileops signalfd_ops = {
	.fo_seek = fo_seek_none, /* Linux's noop_llseek */
	.fo_lockf = fo_lockf_anon,
	.fo_read = signalfd_read,
	.fo_write = signalfd_write,
	.fo_stat = fo_stat_anon,
	.fo_poll = signalfd_poll,
	.fo_close = signalfd_close,
};

static long
do_signalfd(struct lwp *l, int ufd, const sigset_t *umask, size_t sizemask,
	    int flags)
{
	struct signalfd *sfd;
	struct file *fp;
	ksigset_t mask;
	int error, fd;

	/* Linux's order: flags, size, the mask, then the descriptor. */
	if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
		return -EINVAL;
	if (sizemask != sizeof(ksigset_t))
		return -EINVAL;
	if (copyin(umask, &mask, sizeof(mask)))
		return -EFAULT;
	mask &= ~SIG_CANTMASK;

	if (ufd != -1) {
		/* Replace the set of an existing signalfd; its flags stay. */
		if ((fp = fd_getfile(l->l_proc, ufd)) == NULL)
			return -EBADF;
		if (fp->f_ops != &signalfd_ops) {
			file_release(fp);
			return -EINVAL;
		}
		sfd = fp->f_data;
		atomic_store_relaxed(&sfd->sfd_mask, mask);
		file_release(fp);
		/* Waiters look again with the new set. */
		sfd_wakeup();
		return ufd;
	}

	if ((sfd = kmem_zalloc(sizeof(*sfd))) == NULL)
		return -ENOMEM;
	sfd->sfd_mask = mask;
	error = file_alloc(&signalfd_ops, sfd,
			   O_RDWR | (flags & SFD_NONBLOCK ? O_NONBLOCK : 0),
			   l->l_cred, &fp);
	if (error != 0) {
		kmem_free(sfd, sizeof(*sfd));
		return -error;
	}
	atomic_inc(&sfd_nfiles);
	error = fd_alloc(l->l_proc, fp, 0, (flags & SFD_CLOEXEC) != 0, &fd);
	file_release(fp);
	return error != 0 ? -error : fd;
}

long
sys_signalfd(struct lwp *l, int fd, const sigset_t *mask, size_t sizemask)
{
	return do_signalfd(l, fd, mask, sizemask, 0);
}

long
sys_signalfd4(struct lwp *l, int fd, const sigset_t *mask, size_t sizemask,
	      int flags)
{
	return do_signalfd(l, fd, mask, sizemask, flags);
}
