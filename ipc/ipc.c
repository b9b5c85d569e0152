/*
 * ipc.c: what the IPC sources share: the keyed sleep, the signal hooks,
 * boot.
 */
#include <linux/stat.h>

#include "cred.h"
#include "ipc.h"
#include "proc.h"
#include "../vfs/vfs.h"

static kmutex_t ipc_inode_lock; /* changes of any ipc_inode */

void
ipc_inode_init(struct ipc_inode *ii, mode_t mode, const struct kauth_cred *cr,
	       int64_t t)
{
	ii->ii_mode = mode;
	ii->ii_uid = cr->cr_fsuid;
	ii->ii_gid = cr->cr_fsgid;
	ii->ii_atime = ii->ii_mtime = ii->ii_ctime = t;
	lf_head_init(&ii->ii_locks);
}

void
ipc_inode_fini(struct ipc_inode *ii)
{
	lf_head_destroy(&ii->ii_locks);
}

void
ipc_inode_stat(const struct ipc_inode *ii, struct stat *st)
{
	st->st_mode = atomic_load_relaxed(&ii->ii_mode);
	st->st_uid = atomic_load_relaxed(&ii->ii_uid);
	st->st_gid = atomic_load_relaxed(&ii->ii_gid);
	vfs_ns_split(atomic_load_relaxed(&ii->ii_atime), &st->st_atime,
		     &st->st_atime_nsec);
	vfs_ns_split(atomic_load_relaxed(&ii->ii_mtime), &st->st_mtime,
		     &st->st_mtime_nsec);
	vfs_ns_split(atomic_load_relaxed(&ii->ii_ctime), &st->st_ctime,
		     &st->st_ctime_nsec);
}

int
ipc_inode_setattr(struct ipc_inode *ii,
		  int (*decide)(void *arg, const struct vattr *cur,
				struct vattr *va),
		  void *arg)
{
	struct vattr cur = { 0 }, va = { 0 };
	mode_t mode;
	int error;

	mutex_enter(&ipc_inode_lock);
	mode = ii->ii_mode;
	cur.va_type = S_ISSOCK(mode) ? VSOCK : VFIFO;
	cur.va_mode = mode & 07777;
	cur.va_uid = ii->ii_uid;
	cur.va_gid = ii->ii_gid;
	if ((error = decide(arg, &cur, &va)) == 0) {
		if (va.va_mask & VA_MODE)
			atomic_store_relaxed(&ii->ii_mode,
					     (mode & S_IFMT) |
						     (va.va_mode & 07777));
		if (va.va_mask & VA_UID)
			atomic_store_relaxed(&ii->ii_uid, va.va_uid);
		if (va.va_mask & VA_GID)
			atomic_store_relaxed(&ii->ii_gid, va.va_gid);
		if (va.va_mask & VA_ATIME)
			atomic_store_relaxed(&ii->ii_atime, va.va_atime);
		if (va.va_mask & VA_MTIME)
			atomic_store_relaxed(&ii->ii_mtime, va.va_mtime);
		atomic_store_relaxed(&ii->ii_ctime, (va.va_mask & VA_CTIME)
							    ? va.va_ctime
							    : vfs_now_ns());
	}
	mutex_exit(&ipc_inode_lock);
	return error;
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

	mutex_init(&ipc_inode_lock);
	if ((error = fifo_init()) != 0)
		return error;
	return unp_init();
}

/* ---- F_SETOWN owners (ipc.h) ------------------------------------------ */

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
 * pid_task); proc_lock held. */
static bool
owner_alive_locked(int type, int id)
{
	if (id <= 0)
		return false;
	switch (type) {
	case IPC_OWNER_TID:
		return lwp_find_locked(id) != NULL;
	case IPC_OWNER_PID:
		return proc_find_locked(id) != NULL;
	default:
		for (struct proc *p = proc_first_locked(); p != NULL;
		     p = p->p_next)
			if (!p->p_dead && p->p_pid != 0 && p->p_pgid == id)
				return true;
		return false;
	}
}

int
ipc_owner_check(int type, int id)
{
	bool ok;

	if (type != IPC_OWNER_TID && type != IPC_OWNER_PID &&
	    type != IPC_OWNER_PGRP)
		return EINVAL;
	if (id == 0)
		return 0;
	if (id < 0)
		return ESRCH;
	proc_lock_enter();
	ok = id_exists_locked(id);
	proc_lock_exit();
	return ok ? 0 : ESRCH;
}

int
ipc_owner_get(const struct ipc_owner *o)
{
	bool ok;

	proc_lock_enter();
	ok = owner_alive_locked(o->io_type, o->io_id);
	proc_lock_exit();
	return ok ? o->io_id : 0;
}

/* Linux's sigio_perm: the setter's uid or euid is the target's uid or
 * saved uid, or the setter's euid is root. */
static bool
owner_may_signal(const struct ipc_owner *o, struct proc *p)
{
	const struct kauth_cred *c = atomic_load_relaxed(&p->p_cred);

	return o->io_euid == 0 || o->io_euid == c->cr_suid ||
	       o->io_euid == c->cr_uid || o->io_uid == c->cr_suid ||
	       o->io_uid == c->cr_uid;
}

void
ipc_owner_signal(const struct ipc_owner *o, int sig)
{
	struct proc *p;
	struct lwp *t;

	if (o->io_id <= 0)
		return;
	proc_lock_enter();
	switch (o->io_type) {
	case IPC_OWNER_TID:
		if ((t = lwp_find_locked(o->io_id)) != NULL &&
		    owner_may_signal(o, t->l_proc))
			(void)sig_post_lwp(t, sig, NULL);
		break;
	case IPC_OWNER_PID:
		if ((p = proc_find_locked(o->io_id)) != NULL &&
		    owner_may_signal(o, p))
			(void)sig_post_proc(p, sig, NULL);
		break;
	default:
		for (p = proc_first_locked(); p != NULL; p = p->p_next)
			if (!p->p_dead && p->p_pid != 0 &&
			    p->p_pgid == o->io_id && owner_may_signal(o, p))
				(void)sig_post_proc(p, sig, NULL);
		break;
	}
	proc_lock_exit();
}
