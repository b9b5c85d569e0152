/*
 * sigio.c: file owners (F_SETOWN and friends) and signal-driven I/O
 * (O_ASYNC, F_SETSIG), as sigio.h describes.
 */
#include <asm/siginfo.h>
#include <linux/fcntl.h>

#include "cred.h"
#include "file.h"
#include "proc.h"
#include "sigio.h"
#include "signal.h"

static kmutex_t sigio_lock;    /* registrations and FASYNC changes */
static kmutex_t sigio_ownlock; /* owners' fields: a leaf */

void
sigio_init(void)
{
	mutex_init(&sigio_lock);
	mutex_init(&sigio_ownlock);
}

/* ---- owners ------------------------------------------------------------ */

/* fp's owner state, made on first use.  NULL when out of memory. */
static struct fown *
fown_get(struct file *fp)
{
	struct fown *fo = atomic_load_acq(&fp->f_owner), *expect = NULL;

	if (fo != NULL)
		return fo;
	if ((fo = kmem_zalloc(sizeof(*fo))) == NULL)
		return NULL;
	if (!__atomic_compare_exchange_n(&fp->f_owner, &expect, fo, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		kmem_free(fo, sizeof(*fo));
		return expect;
	}
	return fo;
}

void
sigio_owner_get(struct file *fp, struct sigio_owner *o)
{
	struct fown *fo = atomic_load_acq(&fp->f_owner);

	if (fo == NULL) {
		memset(o, 0, sizeof(*o));
		return;
	}
	mutex_enter(&sigio_ownlock);
	*o = fo->fo_own;
	mutex_exit(&sigio_ownlock);
}

/* Whether a process, thread, process group or session has the number
 * `id' (Linux's find_vpid); proc_lock held. */
static bool
id_exists_locked(int id)
{
	if (proc_find_locked(id) != NULL || lwp_find_locked(id) != NULL)
		return true;
	for (struct proc *p = proc_first_locked(); p != NULL; p = p->p_next)
		if (!p->p_dead && p->p_pid != 0 &&
		    (p->p_pgid == id || p->p_sid == id))
			return true;
	return false;
}

/* Whether someone of the owner's kind answers to its number (Linux's
 * pid_task with the owner's pid type); proc_lock held. */
static bool
owner_alive_locked(int type, int id)
{
	if (id <= 0)
		return false;
	switch (type) {
	case OWNER_TID:
		return lwp_find_locked(id) != NULL;
	case OWNER_PID:
		return proc_find_locked(id) != NULL;
	default:
		for (struct proc *p = proc_first_locked(); p != NULL;
		     p = p->p_next)
			if (!p->p_dead && p->p_pid != 0 && p->p_pgid == id)
				return true;
		return false;
	}
}

/* Set fp's owner (Linux's __f_setown with force): the setter's ids are
 * kept to decide later whether it may signal the target. */
static int
sigio_setown(struct file *fp, int type, int id)
{
	const struct kauth_cred *cr = rumpuser_curlwp()->l_cred;
	struct fown *fo;
	bool ok = true;

	if (type != OWNER_TID && type != OWNER_PID && type != OWNER_PGRP)
		return EINVAL;
	if (id < 0)
		return ESRCH;
	if (id != 0) {
		proc_lock_enter();
		ok = id_exists_locked(id);
		proc_lock_exit();
	}
	if (!ok)
		return ESRCH;
	if ((fo = fown_get(fp)) == NULL)
		return ENOMEM;
	mutex_enter(&sigio_ownlock);
	fo->fo_own.so_type = type;
	fo->fo_own.so_id = id;
	if (id != 0) { /* as Linux: the ids of whoever named someone */
		fo->fo_own.so_uid = cr->cr_uid;
		fo->fo_own.so_euid = cr->cr_euid;
	}
	mutex_exit(&sigio_ownlock);
	return 0;
}

int
sigio_setown_who(struct file *fp, int who)
{
	if (who == INT32_MIN)
		return EINVAL;
	return who < 0 ? sigio_setown(fp, OWNER_PGRP, -who)
		       : sigio_setown(fp, OWNER_PID, who);
}

/* The owner's number, or 0 once nobody of its kind answers to it. */
static int
owner_id_alive(const struct sigio_owner *o)
{
	bool ok;

	if (o->so_id <= 0)
		return 0;
	proc_lock_enter();
	ok = owner_alive_locked(o->so_type, o->so_id);
	proc_lock_exit();
	return ok ? o->so_id : 0;
}

int
sigio_getown_who(struct file *fp)
{
	struct sigio_owner o;
	int id;

	sigio_owner_get(fp, &o);
	id = owner_id_alive(&o);
	return o.so_type == OWNER_PGRP ? -id : id;
}

/* F_SETOWN_EX's and F_GETOWN_EX's argument. */
struct f_owner_ex_ {
	int type;
	int pid;
};

int
sigio_fcntl(struct lwp *l, struct file *fp, int cmd, unsigned long arg,
	    long *rv, bool *handled)
{
	struct f_owner_ex_ ex;
	struct sigio_owner o;
	struct fown *fo;
	int sig;

	*handled = true;
	switch (cmd) {
	case F_SETOWN:
		return sigio_setown_who(fp, (int)arg);
	case F_GETOWN:
		*rv = sigio_getown_who(fp);
		return 0;
	case F_SETOWN_EX:
		if (copyin((void *)arg, &ex, sizeof(ex)) != 0)
			return EFAULT;
		return sigio_setown(fp, ex.type, ex.pid);
	case F_GETOWN_EX:
		sigio_owner_get(fp, &o);
		ex.type = o.so_type;
		ex.pid = owner_id_alive(&o);
		return copyout(&ex, (void *)arg, sizeof(ex)) != 0 ? EFAULT : 0;
	case F_SETSIG:
		/* Linux's valid_signal of the int argument: 0 .. 64. */
		sig = (int)arg;
		if (sig < 0 || sig > KNSIG)
			return EINVAL;
		if ((fo = fown_get(fp)) == NULL)
			return ENOMEM;
		mutex_enter(&sigio_ownlock);
		fo->fo_own.so_sig = sig;
		mutex_exit(&sigio_ownlock);
		return 0;
	case F_GETSIG:
		sigio_owner_get(fp, &o);
		*rv = o.so_sig;
		return 0;
	default:
		*handled = false;
		return 0;
	}
}

/* Linux's sigio_perm: the setter's uid or euid is the target's uid or
 * saved uid, or the setter's euid is root. */
static bool
owner_may_signal(const struct sigio_owner *o, struct proc *p)
{
	const struct kauth_cred *c = atomic_load_relaxed(&p->p_cred);

	return o->so_euid == 0 || o->so_euid == c->cr_suid ||
	       o->so_euid == c->cr_uid || o->so_uid == c->cr_suid ||
	       o->so_uid == c->cr_uid;
}

/* Signals that have si_codes of their own: for them a queued SIGIO
 * replacement says SI_SIGIO, not POLL_*, as Linux. */
static bool
sig_has_codes(int sig)
{
	return sig == SIGILL || sig == SIGFPE || sig == SIGSEGV ||
	       sig == SIGBUS || sig == SIGTRAP || sig == SIGCHLD ||
	       sig == SIGPOLL || sig == SIGSYS;
}

/* Linux's band_table: si_band of each reason, POLL_IN .. POLL_HUP. */
static const long sigio_band[NSIGPOLL] = {
	POLLIN | POLLRDNORM,           POLLOUT | POLLWRNORM | POLLWRBAND,
	POLLIN | POLLRDNORM | POLLMSG, POLLERR,
	POLLPRI | POLLRDBAND,          POLLHUP | POLLERR,
};

/* One target of a signal: its process `p' (and thread `t' for a
 * thread owner).  `reason' 0: a plain signal `sig' (SIGURG).
 * proc_lock held. */
static void
owner_post(const struct sigio_owner *o, struct proc *p, struct lwp *t, int sig,
	   int fd, int reason)
{
	siginfo_t si;

	if (!owner_may_signal(o, p))
		return;
	if (reason != 0 && sig != 0) {
		memset(&si, 0, sizeof(si));
		si.si_signo = sig;
		si.si_errno = 0;
		si.si_code = sig != SIGPOLL && sig_has_codes(sig) ? SI_SIGIO
								  : reason;
		si.si_band = sigio_band[reason - POLL_IN];
		si.si_fd = fd;
		if ((t != NULL ? sig_post_lwp(t, sig, &si)
			       : sig_post_proc(p, sig, &si)) != EAGAIN)
			return;
		/* A real-time signal that cannot be queued: plain SIGIO. */
	}
	if (reason != 0)
		sig = SIGIO;
	if (t != NULL)
		(void)sig_post_lwp(t, sig, NULL);
	else
		(void)sig_post_proc(p, sig, NULL);
}

/* Post to each target of owner `o' (Linux's send_sigio and
 * send_sigurg): a thread, the process of the task with the number (a
 * thread of it names it too), or each process of the group.  Takes
 * proc_lock. */
static void
owner_send(const struct sigio_owner *o, int sig, int fd, int reason)
{
	struct proc *p;
	struct lwp *t;

	if (o->so_id <= 0)
		return;
	proc_lock_enter();
	switch (o->so_type) {
	case OWNER_TID:
		if ((t = lwp_find_locked(o->so_id)) != NULL)
			owner_post(o, t->l_proc, t, sig, fd, reason);
		break;
	case OWNER_PID:
		if ((p = proc_find_locked(o->so_id)) == NULL &&
		    (t = lwp_find_locked(o->so_id)) != NULL)
			p = t->l_proc;
		if (p != NULL)
			owner_post(o, p, NULL, sig, fd, reason);
		break;
	default:
		for (p = proc_first_locked(); p != NULL; p = p->p_next)
			if (!p->p_dead && p->p_pid != 0 &&
			    p->p_pgid == o->so_id)
				owner_post(o, p, NULL, sig, fd, reason);
		break;
	}
	proc_lock_exit();
}

void
sigio_owner_signal(const struct sigio_owner *o, int sig)
{
	owner_send(o, sig, 0, 0);
}

/* ---- O_ASYNC registrations --------------------------------------------- */

#define SIGIO_NQ 4 /* wait queues one file may name in fo_poll */

struct sigio_reg;
struct sigio_q {
	struct waiter sq_w;
	struct waitq *sq_wq;
	kmutex_t *sq_lock;
	struct sigio_reg *sq_reg;
};

/* fp->f_async: set and cleared under sigio_lock, read by the wakeups
 * (under a queue lock, which the clearing takes to dequeue first). */
struct sigio_reg {
	struct polltable sr_pt; /* first: the pt_queue callback's */
	struct file *sr_fp;
	int sr_fd; /* the descriptor FASYNC came through (si_fd); atomic */
	int sr_nq;
	struct sigio_q sr_q[SIGIO_NQ];
};

/* A wakeup of a queue the file is registered on: signal its owner. */
static bool
sigio_wake(struct waiter *w, unsigned key)
{
	struct sigio_q *q = w->w_arg;
	struct sigio_reg *reg = q->sq_reg;
	int reason = (int)((key >> SIGIO_KEY_SHIFT) & 0xf);
	struct sigio_owner o;

	/* Keyless wakeups (~0) carry no reason: only sigio_wakeup's do. */
	if (key == ~0u || reason < POLL_IN || reason > POLL_HUP)
		return false;
	sigio_owner_get(reg->sr_fp, &o);
	/* SIGURG's companion only for an owner with its own signal. */
	if ((key & SIGIO_KEY_URG) && o.so_sig == 0)
		return false;
	owner_send(&o, o.so_sig, atomic_load_relaxed(&reg->sr_fd), reason);
	return false;
}

/* fo_poll's poll_wait: join the queue as a callback waiter. */
static void
sigio_ptqueue(struct polltable *pt, struct waitq *wq, kmutex_t *lock)
{
	struct sigio_reg *reg = (struct sigio_reg *)pt;
	struct sigio_q *q;

	for (int i = 0; i < reg->sr_nq; i++)
		if (reg->sr_q[i].sq_wq == wq)
			return;
	if (reg->sr_nq == SIGIO_NQ)
		panic("sigio: a file names more than %d wait queues", SIGIO_NQ);
	q = &reg->sr_q[reg->sr_nq++];
	q->sq_wq = wq;
	q->sq_lock = lock;
	q->sq_reg = reg;
	mutex_enter(lock);
	waitq_enqueue_func(wq, &q->sq_w, sigio_wake, q, POLL_SIGIO);
	wq->wq_nsigio++;
	mutex_exit(lock);
}

static void
sigio_reg_free(struct sigio_reg *reg)
{
	for (int i = 0; i < reg->sr_nq; i++) {
		struct sigio_q *q = &reg->sr_q[i];

		mutex_enter(q->sq_lock);
		waitq_dequeue(q->sq_wq, &q->sq_w);
		q->sq_wq->wq_nsigio--;
		mutex_exit(q->sq_lock);
	}
	kmem_free(reg, sizeof(*reg));
}

static void
fasync_bit(struct file *fp, bool on)
{
	unsigned old = file_flag(fp), new;

	do {
		new = on ? (old | FASYNC) : (old & ~FASYNC);
	} while (!__atomic_compare_exchange_n(&fp->f_flag, &old, new, true,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
}

int
sigio_fasync(struct file *fp, int fd, bool on)
{
	struct sigio_reg *reg;
	struct fown *fo;

	mutex_enter(&sigio_lock);
	reg = fp->f_async;
	if (!on) {
		/* As Linux: a file that registered nothing keeps the flag
		 * (O_ASYNC given to open). */
		if (reg != NULL) {
			atomic_store_rel(&fp->f_async, NULL);
			sigio_reg_free(reg);
			fasync_bit(fp, false);
		}
		mutex_exit(&sigio_lock);
		return 0;
	}
	if (reg != NULL) {
		atomic_store_relaxed(&reg->sr_fd, fd);
		fasync_bit(fp, true);
		mutex_exit(&sigio_lock);
		return 0;
	}
	if ((reg = kmem_zalloc(sizeof(*reg))) == NULL) {
		mutex_exit(&sigio_lock);
		return ENOMEM;
	}
	/* A terminal names the caller its owner if it has none (Linux's
	 * tty_fasync), so that its input signals someone. */
	if (fp->f_ops->fo_caps & FO_ASYNC_OWNS) {
		struct lwp *l = rumpuser_curlwp();

		if ((fo = fown_get(fp)) == NULL) {
			kmem_free(reg, sizeof(*reg));
			mutex_exit(&sigio_lock);
			return ENOMEM;
		}
		mutex_enter(&sigio_ownlock);
		if (fo->fo_own.so_id == 0) {
			fo->fo_own.so_type = OWNER_PID;
			fo->fo_own.so_id = l->l_proc->p_pid;
			fo->fo_own.so_uid = l->l_cred->cr_uid;
			fo->fo_own.so_euid = l->l_cred->cr_euid;
		}
		mutex_exit(&sigio_ownlock);
	}
	reg->sr_pt.pt_queue = sigio_ptqueue;
	reg->sr_pt.pt_events = POLLIN | POLLRDNORM | POLLPRI;
	reg->sr_fp = fp;
	reg->sr_fd = fd;
	/* The type names its queues (poll.h); the answer does not matter. */
	if (fp->f_ops->fo_poll != NULL)
		(void)fp->f_ops->fo_poll(fp, (int)reg->sr_pt.pt_events,
					 &reg->sr_pt);
	atomic_store_rel(&fp->f_async, reg);
	fasync_bit(fp, true);
	mutex_exit(&sigio_lock);
	return 0;
}

void
sigio_file_gone(struct file *fp)
{
	struct sigio_reg *reg;

	mutex_enter(&sigio_lock);
	if ((reg = fp->f_async) != NULL) {
		atomic_store_rel(&fp->f_async, NULL);
		sigio_reg_free(reg);
	}
	mutex_exit(&sigio_lock);
}

void
sigio_owner_free(struct file *fp)
{
	kmem_free(fp->f_owner, sizeof(*fp->f_owner));
	fp->f_owner = NULL;
}
