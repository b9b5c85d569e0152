/*
 * lockf.h: advisory file locks with Linux's semantics.
 *
 * Three kinds of lock live on one object (a vnode, a memfd...), each
 * object holding a `struct lockf_head':
 *
 *  - POSIX record locks (fcntl F_SETLK/F_SETLKW/F_GETLK): byte ranges
 *    owned, as in Linux, by a descriptor table (struct filedesc): by a
 *    process, unless processes share their table (rfork without
 *    RUMP_RFFDG or RUMP_RFCFDG), when they share their locks too.  An
 *    owner's locks on an object never conflict with each other: a new
 *    lock replaces the owner's locks in its range (splitting and merging
 *    them), an unlock splits them.  All of an owner's locks on an object
 *    go when ANY descriptor of that object in the table is closed, and
 *    all of them when the table goes (its last process exits).  Blocking
 *    requests (F_SETLKW) detect deadlocks: a request that would close a
 *    cycle in the wait-for graph among owners fails with EDEADLK.
 *  - Open file description locks (F_OFD_SETLK/F_OFD_SETLKW/F_OFD_GETLK):
 *    the same byte ranges, owned by the open file (struct file), so they
 *    are shared across dup and fork and go at the last close of the
 *    description.  They conflict with POSIX locks; no deadlock detection
 *    (Linux has none for them).
 *  - flock(2) locks: whole-file shared or exclusive, owned by the open
 *    file, released with LOCK_UN or at the last close of the description.
 *    A conversion drops the old lock before taking the new one, as Linux
 *    does (so a failed LOCK_NB upgrade loses the shared lock).  They do
 *    not interact with POSIX or OFD locks.
 *
 * Blocking goes through sleepq (interruptible): an interrupted wait
 * returns ERESTARTSYS, which the syscall exit path turns into a restart
 * or EINTR.
 *
 * Lock order: one global lock (lockf.c's lf_lock) protects every head's
 * lists, the wait-for graph and the per-owner index; it is a leaf apart
 * from the sleep queue's lwp park lock.  Callers hold no vnode or file
 * lock across these calls that a lock holder might need to release.
 */
#ifndef RUMP_VFS_LOCKF_H
#define RUMP_VFS_LOCKF_H

#include "kernel.h"
#include "sleepq.h"

struct file;
struct filedesc;
struct lockf;
struct lwp;
struct proc;

/* The lock state of one object.  Embed it; zero-filled is not enough:
 * use lf_head_init. */
struct lockf_head {
	struct lockf *lh_ranges; /* POSIX and OFD locks, sorted by start */
	struct lockf *lh_flocks; /* flock locks */
};

/* The end of a range that runs to the end of file (l_len == 0). */
#define LF_EOF ((off_t)0x7fffffffffffffffLL)

enum lf_kind {
	LF_POSIX = 1, /* owner: struct filedesc * */
	LF_OFD,       /* owner: struct file * */
	LF_FLOCK,     /* owner: struct file * */
};

/*
 * A lock or a request for one.  lr_start..lr_end is inclusive; lr_end
 * LF_EOF runs to the end of file.  lr_pid is what F_GETLK reports of the
 * lock (the owning process's pid; -1 for OFD and flock locks).
 */
struct lf_req {
	enum lf_kind lr_kind;
	void *lr_owner;
	pid_t lr_pid;
	short lr_type; /* F_RDLCK, F_WRLCK, F_UNLCK */
	off_t lr_start, lr_end;
};

void lf_head_init(struct lockf_head *h);
/* The object is going away: drop whatever locks remain (a process may
 * still hold POSIX locks on it) and free them.  No request may be
 * waiting (waiters hold a reference to the object through their file). */
void lf_head_destroy(struct lockf_head *h);

/*
 * lf_range: Linux's translation of a struct flock's l_whence, l_start,
 * l_len into an inclusive range, given the file's offset `cur' (SEEK_CUR)
 * and size (SEEK_END).  0, EINVAL (bad whence, a start before 0 or a
 * negative length reaching before 0) or EOVERFLOW (the end overflows).
 */
int lf_range(int whence, off_t start, off_t len, off_t cur, off_t size,
	     off_t *startp, off_t *endp);

/* lf_setlk flags */
#define LF_WAIT 0x01 /* F_SETLKW: sleep until the lock can be had */

/*
 * lf_setlk: set (F_RDLCK, F_WRLCK) or clear (F_UNLCK) the range of
 * `rq' (kind LF_POSIX or LF_OFD) for its owner.  Without LF_WAIT a
 * conflict gives EAGAIN; with it the calling lwp sleeps until the
 * range is free (EDEADLK if a POSIX wait would deadlock, ERESTARTSYS if
 * interrupted).  ENOLCK when out of memory.
 */
int lf_setlk(struct lockf_head *h, const struct lf_req *rq, int flags);

/*
 * lf_getlk: F_GETLK.  If a lock of another owner conflicts with `rq',
 * overwrite *rq with the first such lock (lowest start); otherwise set
 * rq->lr_type to F_UNLCK.
 */
void lf_getlk(struct lockf_head *h, struct lf_req *rq);

/*
 * lf_flock: flock(2) for open file `owner': type F_RDLCK (LOCK_SH),
 * F_WRLCK (LOCK_EX) or F_UNLCK (LOCK_UN).  Without LF_WAIT a conflict
 * gives EWOULDBLOCK; with it sleeps (ERESTARTSYS if interrupted).
 */
int lf_flock(struct lockf_head *h, void *owner, short type, int flags);

/* Close of any descriptor of the object in table `fdp': drop the
 * table's POSIX locks on it.  Cheap when the object has none. */
void lf_close_posix(struct lockf_head *h, struct filedesc *fdp);
/* Last close of open file `fp': drop its OFD and flock locks. */
void lf_close_file(struct lockf_head *h, struct file *fp);
/* The table goes (its last reference): drop every POSIX lock it holds
 * anywhere. */
void lf_fdtable_gone(struct filedesc *fdp);

/* The lock state of an open file's object: its vnode's, or what the
 * file type's fo_lockf gives; NULL if it has none. */
struct lockf_head *file_lockhead(struct file *fp);

/* fo_lockf of the files on Linux's one anonymous inode (eventfd,
 * timerfd, signalfd, epoll): one lock state for all of them, so a lock
 * on one eventfd conflicts with one on any other such file. */
struct lockf_head *fo_lockf_anon(struct file *fp);

/*
 * fcntl_lock: fcntl(fd, cmd, arg) for the lock commands F_GETLK,
 * F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW; `arg' is
 * the user's struct flock.  Returns 0 or an errno (ERESTARTSYS when a
 * wait was interrupted).
 */
int fcntl_lock(struct lwp *l, struct file *fp, int cmd, unsigned long arg);

/* How many locks of any kind exist (tests and leak checks). */
unsigned long lf_count(void);

#endif /* RUMP_VFS_LOCKF_H */
