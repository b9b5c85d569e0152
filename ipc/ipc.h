/*
 * ipc.h: what the IPC sources share: pipes and FIFOs (pipe.c), eventfd
 * (eventfd.c), poll/select (poll.c), epoll (epoll.c), AF_UNIX sockets
 * (uipc.c), and the hooks through which they meet the signal work.
 *
 * Every object here has its own lock and one wait queue (sleepq.h) on
 * which blocking callers and pollers wait with a key of POLL* bits; a
 * change of state wakes the queue with the bits that became true
 * (poll.h), so a reader is woken by data, a writer by space, and a
 * poller only by what it asked for.
 *
 * Lock order:
 *   ep_ctl_lock (epoll.c: registrations of files in epolls)
 *     > an object's lock (pipe, eventfd, socket, epoll as a polled file)
 *       > an epoll's ep_lock (taken by the wakeup callback under the
 *         object's lock; an epoll polled by another epoll is an object
 *         of the outer one)
 *         > an lwp's park lock (sleepq.h, a leaf)
 * Two sockets' locks are never held together.
 */
#ifndef RUMP_IPC_IPC_H
#define RUMP_IPC_IPC_H

#include <linux/poll.h>

#include "file.h"
#include "kernel.h"
#include "lock.h"
#include "poll.h"
#include "sleepq.h"
#include "../vfs/lockf.h"

struct lwp;

#define IPC_PAGE 4096
#define PIPE_BUF_ 4096 /* writes up to this size are atomic */

/*
 * ipc_sleep: with `lock' held (it protects `wq'), sleep on `wq' as a
 * waiter interested in `key' until woken by a matching wakeup, until
 * `deadline' (DEADLINE_NONE: none), or until the lwp is interrupted.
 * Drops and retakes `lock'.  Returns 0, ETIMEDOUT or EINTR.
 */
int ipc_sleep(struct waitq *wq, kmutex_t *lock, unsigned key,
	      uint64_t deadline);

/* Wake the waiters of `wq' interested in `key' if there are any; the
 * caller holds the queue's lock. */
static inline void
ipc_wakeup(struct waitq *wq, unsigned key)
{
	if (!waitq_empty(wq))
		waitq_wakeup_key(wq, key);
}

/* The same, with the host wakeups left in `wl' for wakelist_kick after
 * the caller drops the queue's lock (sleepq.h). */
static inline void
ipc_wakeup_defer(struct waitq *wq, unsigned key, struct wakelist *wl)
{
	if (!waitq_empty(wq))
		waitq_wakeup_key_defer(wq, key, wl);
}

/* The POLL* bits a waiter always hears about. */
#define POLL_ALWAYS (POLLERR | POLLHUP)

/*
 * ipc_sigpipe: the one place where a write to a pipe or socket with no
 * reader raises SIGPIPE in the writing lwp (send with MSG_NOSIGNAL does
 * not call it).  Until signals are kernel state (kern/signal.h on main)
 * it cannot post anything: the signal work wires it to its posting
 * function (sig_post_lwp) here and nowhere else.
 */
void ipc_sigpipe(struct lwp *l);

/*
 * ipc_sigmask_swap: apply the temporary signal mask of ppoll, pselect6
 * and epoll_pwait around the wait (*mask in, the old mask out in *old)
 * and ipc_sigmask_restore to put the old one back.  These are the single
 * hook for the signal work: until signals are kernel state the mask
 * (validated and copied in by the callers) is not applied.
 */
void ipc_sigmask_swap(struct lwp *l, const uint64_t *mask, uint64_t *old);
void ipc_sigmask_restore(struct lwp *l, const uint64_t *old);

/*
 * The inode attributes of a pipe (both ends) or a socket, which Linux
 * keeps on its pipefs or sockfs inode: type and mode, owner, group and
 * times, set at creation and changed by fchmod, fchown and futimens
 * (fo_setattr, file.h).  Read atomically; changed under one lock of all
 * of them (ipc.c), a leaf.  The inode also holds the advisory locks
 * (fcntl, flock) of its files, as Linux's does: a pipe's two ends share
 * them, a socketpair's two sockets do not.
 */
struct ipc_inode {
	mode_t ii_mode; /* S_IFIFO or S_IFSOCK | 07777 bits */
	uid_t ii_uid;
	gid_t ii_gid;
	int64_t ii_atime, ii_mtime, ii_ctime; /* ns since the epoch */
	struct lockf_head ii_locks;
};
struct kauth_cred;
struct vattr;
/* Owned by cr's fsuid and fsgid, all three times `t', no locks. */
void ipc_inode_init(struct ipc_inode *ii, mode_t mode,
		    const struct kauth_cred *cr, int64_t t);
/* The inode goes: drop the locks left on it (lf_head_destroy).  Also
 * right for a zero-filled one that was never initialised. */
void ipc_inode_fini(struct ipc_inode *ii);
/* st_mode, st_uid, st_gid and the times of a struct stat. */
void ipc_inode_stat(const struct ipc_inode *ii, struct stat *st);
/* fo_setattr on these attributes. */
int ipc_inode_setattr(struct ipc_inode *ii,
		      int (*decide)(void *arg, const struct vattr *cur,
				    struct vattr *va),
		      void *arg);

/* Absolute monotonic deadline `ns' from now (saturating). */
static inline uint64_t
ipc_deadline_after(uint64_t ns)
{
	uint64_t now = clock_monotonic_ns(), d;

	if (__builtin_add_overflow(now, ns, &d))
		return UINT64_MAX;
	return d == DEADLINE_NONE ? 1 : d;
}

/* ---- pipes and FIFOs (pipe.c) ---- */
struct pipe;
/* A pipe object with no ends open; NULL when out of memory.  `fifo':
 * it lives as long as its vnode, not its ends. */
struct pipe *pipe_create(bool fifo);
void pipe_destroy(struct pipe *pi);
extern const struct fileops pipe_fileops;
/* FIFOs: register the VFS hooks (boot). */
int fifo_init(void);

/*
 * splice, tee and vmsplice (vfs/vfs_copy.c) move a pipe's bytes in
 * place.  file_is_pipe: fp is a pipe end or an open FIFO; pipe_same:
 * two such files are ends of one pipe.
 *
 * A transfer function gets `n' bytes of the ring at `buf' (the pipe's
 * lock dropped, its reader's or writer's busy flag held: it may sleep)
 * and stores in *donep how many it took or filled; taking fewer than
 * `n', or an error, ends the transfer.
 *
 * pipe_splice_read: as read(2) of up to `len' bytes (waits for data
 * unless IO_NONBLOCK, EAGAIN; 0 at end of file), but the bytes go to
 * `sink', and only those it takes leave the ring; with `peek' none do
 * (tee).  pipe_splice_write: as write(2) (EPIPE and SIGPIPE without a
 * reader; waits for room unless IO_NONBLOCK, EAGAIN), but `source'
 * fills the ring's free space; once some room was filled it never
 * waits again (Linux's splice into a pipe); with `len' 0 it still
 * checks for readers and waits for room.  Both store the bytes
 * moved in *movedp and return 0 when some moved, else the error
 * (ERESTARTSYS when a signal interrupted the wait).
 */
typedef int (*pipe_xfer_fn)(void *arg, char *buf, size_t n, size_t *donep);
bool file_is_pipe(struct file *fp);
bool pipe_same(struct file *a, struct file *b);
int pipe_splice_read(struct file *fp, size_t len, int ioflags, bool peek,
		     pipe_xfer_fn sink, void *arg, size_t *movedp);
int pipe_splice_write(struct file *fp, size_t len, int ioflags,
		      pipe_xfer_fn source, void *arg, size_t *movedp);

/* ---- epoll (epoll.c) ---- */
/* A file with epoll registrations is going away: drop them. */
void epoll_file_gone(struct file *fp);

/* ---- sockets (uipc.c) ---- */
int unp_init(void);

/* Boot: 0 or an errno. */
int ipc_init(void);

#endif /* RUMP_IPC_IPC_H */
