/*
 * fd.h: per-process descriptor tables.
 *
 * A table maps descriptor numbers to open files (file.h), each slot with
 * its close-on-exec flag.  It is shared by reference between processes
 * made with rump_lwproc_rfork(0), copied for RUMP_RFFDG and new for
 * RUMP_RFCFDG.  New descriptors are the lowest free numbers, below the
 * calling process's RLIMIT_NOFILE.
 *
 * Lock order: the table's fd_lock is a leaf.  Nothing else is taken while
 * it is held except a file's reference count (atomic) and the host
 * allocator; files are released (fo_close) only after it is dropped.
 * It is never held with proc.h's locks or a file's f_poslock.  Every
 * function below that takes a process works on p->p_fd under fd_lock;
 * none may be called with it held.
 */
#ifndef RUMP_KERN_FD_H
#define RUMP_KERN_FD_H

#include "kernel.h"

struct filedesc;
struct file;
struct proc;

/* An empty table with one reference.  NULL when out of memory. */
struct filedesc *fd_create(void);
/* A copy (as fork(2) makes) with one reference: the same open files
 * (each gets a reference), close-on-exec flags kept.  NULL when out of
 * memory. */
struct filedesc *fd_copy(struct filedesc *fdp);
/* Another reference to a shared table. */
void fd_hold(struct filedesc *fdp);
/* Drop a reference; the last one closes every descriptor. */
void fd_release(struct filedesc *fdp);

/* The process's RLIMIT_NOFILE as a descriptor bound (relaxed read). */
int fd_limit(struct proc *p);

/*
 * fd_getfile: the file open on `fd' in p's table, with a reference the
 * caller drops with file_release().  NULL when fd is not open (EBADF).
 * Cost: the table lock, one atomic increment.
 */
struct file *fd_getfile(struct proc *p, int fd);

/*
 * fd_alloc: install `fp' (which gets a new reference) at the lowest free
 * descriptor >= minfd, with close-on-exec if `cloexec'; store it in
 * *fdp.  Returns 0, EMFILE (nothing free below the limit), ENOMEM.
 * minfd must be >= 0; callers check it against the limit themselves
 * because the errno differs (F_DUPFD: EINVAL).
 */
int fd_alloc(struct proc *p, struct file *fp, int minfd, bool cloexec,
	     int *fdp);

/*
 * fd_dup2: make `newfd' refer to the file open on `oldfd', closing what
 * newfd had.  Returns 0, EBADF (oldfd not open, newfd negative or beyond
 * the limit), ENOMEM.  oldfd == newfd is the caller's business.
 */
int fd_dup2(struct proc *p, int oldfd, int newfd, bool cloexec);

/* fd_close: free descriptor `fd' and drop its file.  0 or EBADF. */
int fd_close(struct proc *p, int fd);

/* Close-on-exec flag of `fd': get into *cloexecp or set.  0 or EBADF. */
int fd_getcloexec(struct proc *p, int fd, bool *cloexecp);
int fd_setcloexec(struct proc *p, int fd, bool cloexec);

/* Close every close-on-exec descriptor (for execve). */
void fd_closeexec(struct filedesc *fdp);
/* Close every descriptor (`all') or the close-on-exec ones. */
void fd_closeif(struct filedesc *fdp, bool all);
/*
 * fd_unshare: give p a table of its own when it shares one with another
 * process (a copy, as fork makes).  Its lwps share p->p_fd and read it
 * without a lock, so the table changes only while p has one lwp: with
 * more, a shared table stays shared (EINVAL).  0, ENOMEM, EINVAL.
 * Takes fd_lock, then p_lock, one after the other.
 */
int fd_unshare(struct proc *p);
/* close_range: close the open descriptors from first to last, or
 * (`cloexec') mark them close-on-exec.  Never fails. */
void fd_close_range(struct proc *p, unsigned first, unsigned last,
		    bool cloexec);
/* How many processes (and holders) share the table; a hint. */
int fd_refs(struct filedesc *fdp);

#endif /* RUMP_KERN_FD_H */
