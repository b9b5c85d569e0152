/*
 * pipe.c: pipes (pipe, pipe2) and the pipe object behind FIFOs.
 *
 * A pipe is a ring buffer whose capacity is a power of two of pages
 * (64 KiB by default, F_SETPIPE_SZ changes it), allocated on the first
 * write.  Its lock protects the indices, the counts of open ends and the
 * wait queue; the bytes themselves are copied with the lock dropped, by
 * at most one reader and one writer at a time (pi_rbusy, pi_wbusy), so a
 * reader drains one part of the ring while a writer fills another, on
 * two CPUs at once.  A writer waiting for space gives up pi_wbusy, so
 * other writers may interleave with a large write, as on Linux, while a
 * write of at most PIPE_BUF bytes goes in whole.
 *
 * Two wait queues, as Linux's rd_wait and wr_wait: on pi_rwq readers
 * (POLLIN), callers waiting for pi_rbusy (the private PI_RBUSY bit),
 * FIFO opens waiting for a partner (PI_OPENWAIT) and pollers of ends
 * open for reading; on pi_wwq writers (POLLOUT), callers waiting for
 * pi_wbusy (PI_WBUSY) and pollers of ends open for writing.  Which queue
 * a wakeup goes to is visible to edge-triggered epoll: an end open for
 * writing only does not hear what wakes the readers.
 */
#include <linux/stat.h>

#include "cred.h"
#include "fd.h"
#include "ipc.h"
#include "ktime.h"
#include "proc.h"
#include "sigio.h"
#include "syscall.h"
#include "../vfs/vfs.h"

#define PIPE_DEF_SIZE (16 * IPC_PAGE)
#define PIPE_MAX_SIZE (1024 * 1024) /* /proc/sys/fs/pipe-max-size */
#define PIPE_HARD_MAX (1UL << 31)   /* Linux refuses beyond this */
#define PI_RBUSY 0x40000000u
#define PI_WBUSY 0x20000000u
#define PIPE_DEV 0x0c           /* st_dev of pipefs */
#define PI_OPENWAIT 0x10000000u /* FIFO open waiting for its partner */
/* Linux's keyless wake_up_interruptible_all: every waiter of a queue,
 * and every epoll item on it looks at its file again. */
#define PI_WAKE_ALL (~0u)

struct pipe {
	kmutex_t pi_lock;
	struct waitq pi_rwq;  /* readers' queue */
	struct waitq pi_wwq;  /* writers' queue */
	char *pi_buf;         /* NULL until the first write */
	size_t pi_size;       /* capacity, a power of two */
	size_t pi_head;       /* read index */
	size_t pi_len;        /* bytes in the ring */
	unsigned pi_readers;  /* open read ends */
	unsigned pi_writers;  /* open write ends */
	unsigned pi_rcounter; /* FIFO: read opens so far */
	unsigned pi_wcounter; /* FIFO: write opens so far */
	bool pi_rbusy, pi_wbusy;
	bool pi_fifo;
	unsigned long pi_ino;
	/* An anonymous pipe's inode attributes (a FIFO's are its
	 * vnode's). */
	struct ipc_inode pi_inode;
};

static unsigned long pipe_lastino = 4096; /* atomic */

struct pipe *
pipe_create(bool fifo)
{
	struct pipe *pi = kmem_zalloc(sizeof(*pi));

	if (pi == NULL)
		return NULL;
	mutex_init(&pi->pi_lock);
	waitq_init(&pi->pi_rwq);
	waitq_init(&pi->pi_wwq);
	pi->pi_size = PIPE_DEF_SIZE;
	pi->pi_fifo = fifo;
	pi->pi_ino = __atomic_add_fetch(&pipe_lastino, 1, __ATOMIC_RELAXED);
	return pi;
}

void
pipe_destroy(struct pipe *pi)
{
	KASSERT(waitq_empty(&pi->pi_rwq) && waitq_empty(&pi->pi_wwq));
	if (pi->pi_buf != NULL)
		kmem_free(pi->pi_buf, pi->pi_size);
	ipc_inode_fini(&pi->pi_inode);
	mutex_destroy(&pi->pi_lock);
	kmem_free(pi, sizeof(*pi));
}

/* The queue of a busy flag's waiters: pi_rbusy's is the readers'. */
static struct waitq *
pipe_busy_wq(struct pipe *pi, unsigned key)
{
	return key == PI_RBUSY ? &pi->pi_rwq : &pi->pi_wwq;
}

/* Wait (lock held) until the busy flag `*busy' is free, then take it.
 * 0 or the interrupting errno. */
static int
pipe_busy_enter(struct pipe *pi, bool *busy, unsigned key)
{
	int error;

	while (*busy)
		if ((error = ipc_sleep(pipe_busy_wq(pi, key), &pi->pi_lock, key,
				       DEADLINE_NONE)) != 0)
			return error;
	*busy = true;
	return 0;
}

static void
pipe_busy_exit(struct pipe *pi, bool *busy, unsigned key)
{
	*busy = false;
	ipc_wakeup(pipe_busy_wq(pi, key), key);
}

/* Linux's pipe_release: when one side has ends and the other none,
 * everybody on both queues looks again (a reader sees its end of file,
 * a writer its EPIPE, pollers their POLLHUP or POLLERR), whether or not
 * this close made it so. */
static void
pipe_wake_sides(struct pipe *pi)
{
	if ((pi->pi_readers == 0) != (pi->pi_writers == 0)) {
		ipc_wakeup(&pi->pi_rwq, PI_WAKE_ALL);
		ipc_wakeup(&pi->pi_wwq, PI_WAKE_ALL);
		sigio_wakeup(&pi->pi_rwq, POLL_IN);
		sigio_wakeup(&pi->pi_wwq, POLL_OUT);
	}
}

static int
pipe_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	struct pipe *pi = fp->f_data;
	struct wakelist wl = WAKELIST_INIT;
	size_t resid = uio->uio_resid, n, before;
	bool full;
	int error;

	if (resid == 0) /* as Linux: nothing asked, nothing waited for */
		return 0;
	mutex_enter(&pi->pi_lock);
	if ((error = pipe_busy_enter(pi, &pi->pi_rbusy, PI_RBUSY)) != 0) {
		mutex_exit(&pi->pi_lock);
		return error == EINTR ? ERESTARTSYS : error;
	}
	for (;;) {
		if (pi->pi_len > 0) {
			/* One contiguous piece, copied unlocked. */
			n = MIN(pi->pi_len, pi->pi_size - pi->pi_head);
			n = MIN(n, uio->uio_resid);
			char *src = pi->pi_buf + pi->pi_head;
			mutex_exit(&pi->pi_lock);
			wakelist_kick(&wl);
			before = uio->uio_resid;
			error = uiomove(src, n, uio);
			n = before - uio->uio_resid;
			mutex_enter(&pi->pi_lock);
			/* As Linux: writers hear of it only if the pipe was
			 * full (not writable: every waiting writer waits for
			 * that), so an edge-triggered EPOLLOUT comes again
			 * only when room came back. */
			full = pi->pi_size - pi->pi_len < PIPE_BUF_;
			pi->pi_head = (pi->pi_head + n) & (pi->pi_size - 1);
			pi->pi_len -= n;
			if (full && n > 0)
				ipc_wakeup_defer(&pi->pi_wwq,
						 POLLOUT | POLLWRNORM, &wl);
			if (error != 0 || uio->uio_resid == 0 ||
			    pi->pi_len == 0)
				break;
			continue;
		}
		if (uio->uio_resid != resid || pi->pi_writers == 0)
			break; /* data read, or end of file */
		if (ioflags & IO_NONBLOCK) {
			error = EAGAIN;
			break;
		}
		/* Let another reader in while we wait, as Linux does; its
		 * O_ASYNC writers hear of every read (pipe_read's
		 * kill_fasync), this one before it sleeps. */
		wakelist_kick(&wl);
		sigio_wakeup(&pi->pi_wwq, POLL_OUT);
		pipe_busy_exit(pi, &pi->pi_rbusy, PI_RBUSY);
		error = ipc_sleep(&pi->pi_rwq, &pi->pi_lock, POLLIN | POLLHUP,
				  DEADLINE_NONE);
		if (error == 0)
			error = pipe_busy_enter(pi, &pi->pi_rbusy, PI_RBUSY);
		if (error != 0) {
			mutex_exit(&pi->pi_lock);
			return ERESTARTSYS;
		}
	}
	sigio_wakeup(&pi->pi_wwq, POLL_OUT);
	pipe_busy_exit(pi, &pi->pi_rbusy, PI_RBUSY);
	mutex_exit(&pi->pi_lock);
	wakelist_kick(&wl);
	return error;
}

/*
 * The start of every write into the pipe: with readers (else SIGPIPE,
 * unless IO_NOSIGNAL is in `ioflags', and EPIPE), as its one writer
 * (pi_wbusy), and with its ring when
 * `ring' (the first data allocates it, unlocked: a resize waits for
 * pi_wbusy).  0 with pi_lock held; an errno (EPIPE, ERESTARTSYS,
 * ENOMEM) with it released.
 */
static int
pipe_write_enter(struct pipe *pi, bool ring, int ioflags)
{
	char *buf;

	mutex_enter(&pi->pi_lock);
	if (pi->pi_readers == 0) {
		mutex_exit(&pi->pi_lock);
		if (!(ioflags & IO_NOSIGNAL))
			ipc_sigpipe(rumpuser_curlwp());
		return EPIPE;
	}
	if (pipe_busy_enter(pi, &pi->pi_wbusy, PI_WBUSY) != 0) {
		mutex_exit(&pi->pi_lock);
		return ERESTARTSYS;
	}
	if (pi->pi_buf == NULL && ring) {
		size_t size = pi->pi_size;

		mutex_exit(&pi->pi_lock);
		buf = kmem_alloc(size);
		mutex_enter(&pi->pi_lock);
		if (buf == NULL) {
			pipe_busy_exit(pi, &pi->pi_wbusy, PI_WBUSY);
			mutex_exit(&pi->pi_lock);
			return ENOMEM;
		}
		KASSERT(pi->pi_size == size && pi->pi_buf == NULL);
		pi->pi_buf = buf;
	}
	return 0;
}

/* A writer waits for room, letting go of pi_wbusy meanwhile, after
 * telling the readers of what it wrote so far (wl's wakeups and
 * SIGIO): 0 with pi_wbusy and pi_lock held again, or ERESTARTSYS (a
 * signal) with pi_lock released. */
static int
pipe_write_wait(struct pipe *pi, struct wakelist *wl)
{
	int error;

	wakelist_kick(wl);
	/* O_ASYNC readers hear of every write (pipe_write's kill_fasync),
	 * this one before it sleeps. */
	sigio_wakeup(&pi->pi_rwq, POLL_IN);
	pipe_busy_exit(pi, &pi->pi_wbusy, PI_WBUSY);
	error = ipc_sleep(&pi->pi_wwq, &pi->pi_lock, POLLOUT | POLLERR,
			  DEADLINE_NONE);
	if (error == 0)
		error = pipe_busy_enter(pi, &pi->pi_wbusy, PI_WBUSY);
	if (error != 0) {
		mutex_exit(&pi->pi_lock);
		return ERESTARTSYS;
	}
	return 0;
}

/* The end of a write or splice into the pipe: readers told, the lock and
 * the writer's turn given up. */
static void
pipe_write_end(struct pipe *pi, struct wakelist *wl)
{
	sigio_wakeup(&pi->pi_rwq, POLL_IN);
	pipe_busy_exit(pi, &pi->pi_wbusy, PI_WBUSY);
	mutex_exit(&pi->pi_lock);
	wakelist_kick(wl);
}

static int
pipe_write(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	struct pipe *pi = fp->f_data;
	struct wakelist wl = WAKELIST_INIT;
	size_t resid = uio->uio_resid, n, avail, tail, before;
	bool atomic = resid <= PIPE_BUF_;
	char *buf;
	int error = 0;

	if (resid == 0) /* as Linux: before the check for readers */
		return 0;
	if ((error = pipe_write_enter(pi, true, ioflags)) != 0)
		return error;
	for (;;) {
		if (pi->pi_readers == 0) {
			if (!(ioflags & IO_NOSIGNAL))
				ipc_sigpipe(rumpuser_curlwp());
			error = EPIPE;
			break;
		}
		avail = pi->pi_size - pi->pi_len;
		if (avail > 0 && (!atomic || avail >= uio->uio_resid)) {
			tail = (pi->pi_head + pi->pi_len) & (pi->pi_size - 1);
			n = MIN(avail, pi->pi_size - tail);
			n = MIN(n, uio->uio_resid);
			buf = pi->pi_buf + tail;
			mutex_exit(&pi->pi_lock);
			wakelist_kick(&wl);
			before = uio->uio_resid;
			error = uiomove(buf, n, uio);
			n = before - uio->uio_resid;
			mutex_enter(&pi->pi_lock);
			pi->pi_len += n;
			if (n > 0)
				ipc_wakeup_defer(&pi->pi_rwq,
						 POLLIN | POLLRDNORM, &wl);
			if (error != 0 || uio->uio_resid == 0)
				break;
			continue;
		}
		if (ioflags & IO_NONBLOCK) {
			error = EAGAIN;
			break;
		}
		if (pipe_write_wait(pi, &wl) != 0)
			return ERESTARTSYS;
	}
	pipe_write_end(pi, &wl);
	return error;
}

static int
pipe_stat(struct file *fp, struct stat *st)
{
	struct pipe *pi = fp->f_data;

	memset(st, 0, sizeof(*st));
	st->st_dev = PIPE_DEV;
	st->st_ino = pi->pi_ino;
	st->st_nlink = 1;
	st->st_blksize = IPC_PAGE;
	/* Linux 6.x leaves a pipefs inode's times as they were made, or
	 * as futimens set them. */
	ipc_inode_stat(&pi->pi_inode, st);
	return 0;
}

/* fo_lockf: the one inode of both ends holds the locks. */
static struct lockf_head *
pipe_lockf(struct file *fp)
{
	return &((struct pipe *)fp->f_data)->pi_inode.ii_locks;
}

/* fo_setattr: the one inode of both ends. */
static int
pipe_setattr(struct file *fp,
	     int (*decide)(void *arg, const struct vattr *cur,
			   struct vattr *va),
	     void *arg)
{
	struct pipe *pi = fp->f_data;

	return ipc_inode_setattr(&pi->pi_inode, decide, arg);
}

static int
pipe_poll(struct file *fp, int events, struct polltable *pt)
{
	struct pipe *pi = fp->f_data;
	int mask = 0;

	if (file_readable(fp))
		poll_wait(pt, &pi->pi_rwq, &pi->pi_lock);
	if (file_writable(fp))
		poll_wait(pt, &pi->pi_wwq, &pi->pi_lock);
	mutex_enter(&pi->pi_lock);
	if (file_readable(fp)) {
		if (pi->pi_len > 0)
			mask |= POLLIN | POLLRDNORM;
		/* As Linux: a FIFO reader that opened O_NONBLOCK before any
		 * writer sees no POLLHUP until a writer came and went. */
		if (pi->pi_writers == 0 &&
		    (!pi->pi_fifo || fp->f_pipever != pi->pi_wcounter))
			mask |= POLLHUP;
	}
	if (file_writable(fp)) {
		if (pi->pi_size - pi->pi_len >= PIPE_BUF_)
			mask |= POLLOUT | POLLWRNORM;
		if (pi->pi_readers == 0)
			mask |= POLLERR;
	}
	mutex_exit(&pi->pi_lock);
	return mask & (events | POLL_ALWAYS);
}

/* Linux's round_pipe_size: a power of two of pages, at least one. */
static size_t
pipe_round_size(unsigned long arg)
{
	size_t size = IPC_PAGE;

	if (arg > PIPE_HARD_MAX)
		return 0;
	while (size < arg)
		size <<= 1;
	return size;
}

static int
pipe_resize(struct file *fp, struct pipe *pi, unsigned long arg, long *rv)
{
	size_t size = pipe_round_size(arg), first;
	char *buf = NULL;
	int error;

	if (size == 0)
		return EINVAL;
	if (size > PIPE_MAX_SIZE && !cred_privileged(rumpuser_curlwp()->l_cred))
		return EPERM;
	mutex_enter(&pi->pi_lock);
	if ((error = pipe_busy_enter(pi, &pi->pi_rbusy, PI_RBUSY)) != 0)
		goto out;
	if ((error = pipe_busy_enter(pi, &pi->pi_wbusy, PI_WBUSY)) != 0) {
		pipe_busy_exit(pi, &pi->pi_rbusy, PI_RBUSY);
		goto out;
	}
	if (pi->pi_len > size) {
		error = EBUSY;
	} else if (size != pi->pi_size && pi->pi_buf != NULL) {
		/* Both busy flags are ours: nobody touches the ring. */
		mutex_exit(&pi->pi_lock);
		buf = kmem_alloc(size);
		mutex_enter(&pi->pi_lock);
		if (buf == NULL) {
			error = ENOMEM;
		} else {
			first = MIN(pi->pi_len, pi->pi_size - pi->pi_head);
			memcpy(buf, pi->pi_buf + pi->pi_head, first);
			memcpy(buf + first, pi->pi_buf, pi->pi_len - first);
			kmem_free(pi->pi_buf, pi->pi_size);
			pi->pi_buf = buf;
			pi->pi_head = 0;
			pi->pi_size = size;
		}
	} else {
		pi->pi_size = size;
	}
	if (error == 0) {
		*rv = (long)size;
		ipc_wakeup(&pi->pi_wwq, POLLOUT | POLLWRNORM);
	}
	pipe_busy_exit(pi, &pi->pi_wbusy, PI_WBUSY);
	pipe_busy_exit(pi, &pi->pi_rbusy, PI_RBUSY);
out:
	mutex_exit(&pi->pi_lock);
	return error == EINTR ? ERESTARTSYS : error;
}

static int
pipe_fcntl(struct file *fp, int cmd, unsigned long arg, long *rv)
{
	struct pipe *pi = fp->f_data;

	switch (cmd) {
	case F_GETPIPE_SZ:
		mutex_enter(&pi->pi_lock);
		*rv = (long)pi->pi_size;
		mutex_exit(&pi->pi_lock);
		return 0;
	case F_SETPIPE_SZ:
		return pipe_resize(fp, pi, arg, rv);
	default:
		return EINVAL;
	}
}

static int
pipe_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct pipe *pi = fp->f_data;
	int n;

	if (cmd != 0x541B) /* FIONREAD */
		return ENOTTY;
	mutex_enter(&pi->pi_lock);
	n = (int)pi->pi_len;
	mutex_exit(&pi->pi_lock);
	return copyout(&n, data, sizeof(n));
}

static void
pipe_close(struct file *fp)
{
	struct pipe *pi = fp->f_data;
	bool gone;

	mutex_enter(&pi->pi_lock);
	if (file_readable(fp))
		pi->pi_readers--;
	if (file_writable(fp))
		pi->pi_writers--;
	pipe_wake_sides(pi);
	gone = !pi->pi_fifo && pi->pi_readers == 0 && pi->pi_writers == 0;
	if (pi->pi_fifo && pi->pi_readers == 0 && pi->pi_writers == 0 &&
	    pi->pi_buf != NULL) {
		/* A FIFO with no ends open keeps no data. */
		kmem_free(pi->pi_buf, pi->pi_size);
		pi->pi_buf = NULL;
		pi->pi_head = pi->pi_len = 0;
	}
	mutex_exit(&pi->pi_lock);
	if (gone)
		pipe_destroy(pi);
}

const struct fileops pipe_fileops = {
	.fo_read = pipe_read,
	.fo_write = pipe_write,
	.fo_stat = pipe_stat,
	.fo_fcntl = pipe_fcntl,
	.fo_ioctl = pipe_ioctl,
	.fo_poll = pipe_poll,
	.fo_close = pipe_close,
	.fo_setattr = pipe_setattr,
	.fo_lockf = pipe_lockf,
	.fo_caps = FO_CAN_ASYNC,
};

/* ---- FIFOs ------------------------------------------------------------- */

/*
 * A FIFO's pipe hangs off its vnode (v_ipc), made by the first open and
 * freed with the vnode; fifo_lock guards its creation.  Opens follow
 * Linux: a reader waits for a writer and a writer for a reader (each
 * counts the other side's opens, so one that came and went still
 * counts), O_RDWR never waits, O_NONBLOCK readers do not wait and
 * O_NONBLOCK writers without a reader get ENXIO.
 */
static kmutex_t fifo_lock;

/*
 * A FIFO's times are its node's, and Linux stamps them as the FIFO is
 * used: mtime and ctime when a write moved bytes (pipe_write's
 * file_update_time), atime when a read did (pipe_read's file_accessed,
 * under relatime, ktime.h).  They go through the node's file system
 * (setattr), and not on a read-only mount, as on Linux.
 */
static bool
fifo_times_frozen(struct vnode *vp)
{
	return vp->v_mount != NULL &&
	       (atomic_load_relaxed(&vp->v_mount->mnt_flags) & MNT_RDONLY);
}

static void
fifo_stamp_write(struct vnode *vp)
{
	struct vattr va = { .va_mask = VA_MTIME | VA_CTIME };

	if (fifo_times_frozen(vp))
		return;
	va.va_mtime = va.va_ctime = vfs_now_ns();
	(void)vp->v_op->vop_setattr(vp, &va);
}

/* The atime alone (VA_KEEPCTIME), as Linux's touch_atime: nothing a
 * racing chmod or write stamps is written over.  The relatime look and
 * the update are not atomic, on Linux either: a racing reader stamps the
 * same atime, a racing writer's newer mtime makes the next read stamp
 * again. */
static void
fifo_stamp_read(struct vnode *vp)
{
	struct vattr cur, va = { .va_mask = VA_ATIME | VA_KEEPCTIME };
	int64_t now;

	if (fifo_times_frozen(vp))
		return;
	now = vfs_now_ns();
	if (vp->v_op->vop_getattr(vp, &cur) == 0 &&
	    relatime_due(cur.va_atime, cur.va_mtime, cur.va_ctime, now)) {
		va.va_atime = now;
		(void)vp->v_op->vop_setattr(vp, &va);
	}
}

static int
fifo_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	size_t resid = uio->uio_resid;
	int error = pipe_read(fp, offp, uio, ioflags);

	if (uio->uio_resid != resid && !(ioflags & IO_NOATIME))
		fifo_stamp_read(fp->f_vnode);
	return error;
}

static int
fifo_write(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	size_t resid = uio->uio_resid;
	int error = pipe_write(fp, offp, uio, ioflags);

	if (uio->uio_resid != resid)
		fifo_stamp_write(fp->f_vnode);
	return error;
}

static const struct fileops fifo_fileops = {
	.fo_read = fifo_read,
	.fo_write = fifo_write,
	.fo_stat = vn_fo_stat,
	.fo_fcntl = pipe_fcntl,
	.fo_ioctl = pipe_ioctl,
	.fo_poll = pipe_poll,
	.fo_close = pipe_close,
	.fo_caps = FO_CAN_ASYNC,
};

/* Wait (lock held) until *counter moves past `seen'. */
static int
fifo_wait_partner(struct pipe *pi, unsigned *counter, unsigned seen)
{
	int error;

	while (*counter == seen)
		if ((error = ipc_sleep(&pi->pi_rwq, &pi->pi_lock, PI_OPENWAIT,
				       DEADLINE_NONE)) != 0)
			return ERESTARTSYS;
	return 0;
}

static int
fifo_open(struct vnode *vp, unsigned flags, struct file *fp)
{
	unsigned acc = flags & O_ACCMODE;
	struct pipe *pi;
	int error = 0;

	mutex_enter(&fifo_lock);
	if ((pi = vp->v_ipc) == NULL) {
		if ((pi = pipe_create(true)) == NULL) {
			mutex_exit(&fifo_lock);
			return ENOMEM;
		}
		atomic_store_rel(&vp->v_ipc, pi);
	}
	mutex_exit(&fifo_lock);
	mutex_enter(&pi->pi_lock);
	switch (acc) {
	case O_RDONLY:
		pi->pi_rcounter++;
		if (pi->pi_readers++ == 0)
			ipc_wakeup(&pi->pi_rwq, PI_WAKE_ALL);
		if (pi->pi_writers == 0 && !(flags & O_NONBLOCK))
			error = fifo_wait_partner(pi, &pi->pi_wcounter,
						  pi->pi_wcounter);
		else if (pi->pi_writers == 0)
			fp->f_pipever = pi->pi_wcounter; /* no POLLHUP yet */
		if (error != 0 && --pi->pi_readers == 0)
			ipc_wakeup(&pi->pi_wwq, PI_WAKE_ALL);
		break;
	case O_WRONLY:
		if (pi->pi_readers == 0 && (flags & O_NONBLOCK)) {
			error = ENXIO;
			break;
		}
		pi->pi_wcounter++;
		if (pi->pi_writers++ == 0)
			ipc_wakeup(&pi->pi_rwq, PI_WAKE_ALL);
		if (pi->pi_readers == 0)
			error = fifo_wait_partner(pi, &pi->pi_rcounter,
						  pi->pi_rcounter);
		if (error != 0 && --pi->pi_writers == 0)
			ipc_wakeup(&pi->pi_rwq, PI_WAKE_ALL);
		break;
	case O_RDWR:
		pi->pi_readers++;
		pi->pi_writers++;
		pi->pi_rcounter++;
		pi->pi_wcounter++;
		if (pi->pi_readers == 1 || pi->pi_writers == 1)
			ipc_wakeup(&pi->pi_rwq, PI_WAKE_ALL);
		break;
	default:
		error = EINVAL;
		break;
	}
	if (error == 0 && pi->pi_readers == 0 && pi->pi_writers == 0 &&
	    pi->pi_buf != NULL) {
		kmem_free(pi->pi_buf, pi->pi_size);
		pi->pi_buf = NULL;
		pi->pi_head = pi->pi_len = 0;
	}
	mutex_exit(&pi->pi_lock);
	if (error != 0)
		return error;
	fp->f_ops = &fifo_fileops;
	fp->f_data = pi;
	return 0;
}

static void
ipc_vnode_reclaim(struct vnode *vp)
{
	if (vp->v_type == VFIFO && vp->v_ipc != NULL) {
		pipe_destroy(vp->v_ipc);
		vp->v_ipc = NULL;
	}
}

static const struct vfs_ipc_hooks ipc_hooks = {
	.fifo_open = fifo_open,
	.vnode_reclaim = ipc_vnode_reclaim,
};

int
fifo_init(void)
{
	mutex_init(&fifo_lock);
	vfs_set_ipc_hooks(&ipc_hooks);
	return 0;
}

long
sys_pipe2(struct lwp *l, int *fds, int flags)
{
	struct proc *p = l->l_proc;
	struct file *rf = NULL, *wf = NULL;
	struct pipe *pi;
	int error, kfds[2] = { -1, -1 };
	unsigned st;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	st = flags & O_NONBLOCK;
	if ((pi = pipe_create(false)) == NULL)
		return -ENOMEM;
	ipc_inode_init(&pi->pi_inode, S_IFIFO | 0600, l->l_cred, vfs_now_ns());
	pi->pi_readers = pi->pi_writers = 1;
	if ((error = file_alloc(&pipe_fileops, pi, O_RDONLY | st, l->l_cred,
				&rf)) != 0) {
		pipe_destroy(pi);
		return -error;
	}
	if ((error = file_alloc(&pipe_fileops, pi, O_WRONLY | st, l->l_cred,
				&wf)) != 0) {
		pi->pi_writers = 0;
		file_release(rf);
		return -error;
	}
	error = fd_alloc(p, rf, 0, (flags & O_CLOEXEC) != 0, &kfds[0]);
	if (error == 0)
		error = fd_alloc(p, wf, 0, (flags & O_CLOEXEC) != 0, &kfds[1]);
	if (error == 0 && (error = copyout(kfds, fds, sizeof(kfds))) != 0) {
		fd_close(p, kfds[1]);
		kfds[1] = -1;
	}
	if (error != 0 && kfds[0] >= 0)
		fd_close(p, kfds[0]);
	file_release(rf);
	file_release(wf);
	return -error;
}

long
sys_pipe(struct lwp *l, int *fds)
{
	return sys_pipe2(l, fds, 0);
}

/* ---- splice, tee, vmsplice (ipc.h; the syscalls are vfs/vfs_copy.c) ---- */

bool
file_is_pipe(struct file *fp)
{
	return fp->f_ops == &pipe_fileops || fp->f_ops == &fifo_fileops;
}

bool
pipe_same(struct file *a, struct file *b)
{
	return a->f_data == b->f_data;
}

int
pipe_splice_read(struct file *fp, size_t len, int ioflags, bool peek,
		 pipe_xfer_fn sink, void *arg, size_t *movedp)
{
	struct pipe *pi = fp->f_data;
	struct wakelist wl = WAKELIST_INIT;
	size_t moved = 0, skip, start, n, done;
	bool full;
	int error;

	*movedp = 0;
	if (len == 0)
		return 0;
	mutex_enter(&pi->pi_lock);
	if ((error = pipe_busy_enter(pi, &pi->pi_rbusy, PI_RBUSY)) != 0) {
		mutex_exit(&pi->pi_lock);
		return ERESTARTSYS;
	}
	for (;;) {
		/* A peek (tee) leaves the bytes it passed on in the ring. */
		skip = peek ? moved : 0;
		if (pi->pi_len > skip) {
			/* One contiguous piece, passed on unlocked: the
			 * busy flag keeps other readers and resizes out. */
			start = (pi->pi_head + skip) & (pi->pi_size - 1);
			n = MIN(pi->pi_len - skip, pi->pi_size - start);
			n = MIN(n, len - moved);
			char *src = pi->pi_buf + start;
			mutex_exit(&pi->pi_lock);
			wakelist_kick(&wl);
			done = 0;
			error = sink(arg, src, n, &done);
			KASSERT(done <= n);
			mutex_enter(&pi->pi_lock);
			if (!peek) {
				full = pi->pi_size - pi->pi_len < PIPE_BUF_;
				pi->pi_head = (pi->pi_head + done) &
					      (pi->pi_size - 1);
				pi->pi_len -= done;
				if (full && done > 0)
					ipc_wakeup_defer(&pi->pi_wwq,
							 POLLOUT | POLLWRNORM,
							 &wl);
			}
			moved += done;
			if (error != 0 || done < n || moved == len)
				break;
			continue;
		}
		if (moved > 0 || pi->pi_writers == 0)
			break; /* data passed on, or end of file */
		if (ioflags & IO_NONBLOCK) {
			error = EAGAIN;
			break;
		}
		wakelist_kick(&wl);
		pipe_busy_exit(pi, &pi->pi_rbusy, PI_RBUSY);
		error = ipc_sleep(&pi->pi_rwq, &pi->pi_lock, POLLIN | POLLHUP,
				  DEADLINE_NONE);
		if (error == 0)
			error = pipe_busy_enter(pi, &pi->pi_rbusy, PI_RBUSY);
		if (error != 0) {
			mutex_exit(&pi->pi_lock);
			return ERESTARTSYS;
		}
	}
	if (!peek) /* a tee leaves the room as it was */
		sigio_wakeup(&pi->pi_wwq, POLL_OUT);
	pipe_busy_exit(pi, &pi->pi_rbusy, PI_RBUSY);
	mutex_exit(&pi->pi_lock);
	wakelist_kick(&wl);
	if (moved > 0 && !peek && fp->f_ops == &fifo_fileops &&
	    !(ioflags & IO_NOATIME))
		fifo_stamp_read(fp->f_vnode);
	*movedp = moved;
	return moved > 0 ? 0 : error;
}

int
pipe_splice_write(struct file *fp, size_t len, int ioflags, pipe_xfer_fn source,
		  void *arg, size_t *movedp)
{
	struct pipe *pi = fp->f_data;
	struct wakelist wl = WAKELIST_INIT;
	size_t moved = 0, avail, tail, n, done;
	char *buf;
	int error = 0;

	*movedp = 0;
	/* Even for nothing (a sendfile of 0 bytes into a pipe), the
	 * readers and the room are looked at, as Linux's wait_for_space. */
	if ((error = pipe_write_enter(pi, len > 0, ioflags)) != 0)
		return error;
	for (;;) {
		if (pi->pi_readers == 0) {
			if (moved == 0) {
				ipc_sigpipe(rumpuser_curlwp());
				error = EPIPE;
			}
			break;
		}
		avail = pi->pi_size - pi->pi_len;
		if (avail > 0 && moved == len)
			break; /* len 0: there is room, nothing to move */
		if (avail > 0) {
			tail = (pi->pi_head + pi->pi_len) & (pi->pi_size - 1);
			n = MIN(avail, pi->pi_size - tail);
			n = MIN(n, len - moved);
			buf = pi->pi_buf + tail;
			mutex_exit(&pi->pi_lock);
			wakelist_kick(&wl);
			done = 0;
			error = source(arg, buf, n, &done);
			KASSERT(done <= n);
			mutex_enter(&pi->pi_lock);
			pi->pi_len += done;
			if (done > 0)
				ipc_wakeup_defer(&pi->pi_rwq,
						 POLLIN | POLLRDNORM, &wl);
			moved += done;
			if (error != 0 || done < n || moved == len)
				break;
			continue;
		}
		/* As Linux's splice: wait for room once, then pass on what
		 * fits. */
		if (moved > 0)
			break;
		if (ioflags & IO_NONBLOCK) {
			error = EAGAIN;
			break;
		}
		if (pipe_write_wait(pi, &wl) != 0)
			return ERESTARTSYS;
	}
	pipe_write_end(pi, &wl);
	if (moved > 0 && fp->f_ops == &fifo_fileops)
		fifo_stamp_write(fp->f_vnode);
	*movedp = moved;
	return moved > 0 ? 0 : error;
}
