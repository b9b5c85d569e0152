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
