/*
 * file.h: open files and the uio that carries data to and from them.
 *
 * A struct file is one open file description (what open(2) makes and
 * dup(2) shares): its type's operations, access mode and status flags,
 * offset, the opener's credentials.  It is reference counted: each
 * descriptor slot holds a reference and so does each syscall using the
 * file, so a close in one thread never frees a file another is reading.
 *
 * Lock order:
 *   f_poslock (the offset of one file, held across a read or write that
 *   uses it)
 *     > the file type's own locks (pgstore.h's ps_lock, ...)
 * A descriptor table's fd_lock (fd.h) is never held with f_poslock.
 */
#ifndef RUMP_KERN_FILE_H
#define RUMP_KERN_FILE_H

/* struct stat has a member named __unused, which kernel.h defines. */
#pragma push_macro("__unused")
#undef __unused
#include <asm/stat.h>
#pragma pop_macro("__unused")
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/uio.h>

#include "kernel.h"
#include "lock.h"

struct file;
struct fown;
struct kauth_cred;
struct sigio_reg;
struct filedesc;
struct lockf_head;
struct pgstore;
struct proc;
struct polltable;
struct vattr;
struct vnode;
struct xattr_req;

/*
 * A uio describes the caller's buffers for one transfer: an iovec array
 * in user space (reached with copyin/copyout) or in the kernel.  UIO_READ
 * moves data from the kernel into the buffers (read(2)), UIO_WRITE from
 * them into the kernel.  uio_resid may be less than the iovecs' total: a
 * transfer stops at uio_resid.
 */
enum uio_rw { UIO_READ, UIO_WRITE };
enum uio_seg { UIO_USERSPACE, UIO_SYSSPACE };

struct uio {
	struct iovec *uio_iov; /* the next segment to use */
	int uio_iovcnt;        /* segments left */
	size_t uio_resid;      /* bytes left to move */
	enum uio_rw uio_rw;
	enum uio_seg uio_segflg;
};

/*
 * uiomove: move up to `n' bytes between `buf' and the uio's buffers, in
 * the uio's direction, and advance the uio by what was moved.  Returns 0
 * or EFAULT (a user buffer is bad); after EFAULT the uio has advanced
 * over the bytes that were copied, up to the first bad user page, as
 * Linux counts a partial transfer; bytes past that point at buf may have
 * been overwritten.
 */
int uiomove(void *buf, size_t n, struct uio *uio);
/* uiozero: like uiomove for UIO_READ from `n' zero bytes (holes). */
int uiozero(size_t n, struct uio *uio);
/* A uio over one kernel buffer (`iov' is the caller's storage). */
void uio_kinit(struct uio *uio, struct iovec *iov, void *buf, size_t len,
	       enum uio_rw rw);
/*
 * For host I/O straight into or out of the uio's buffers, which are host
 * addresses for kernel buffers and for local callers (the host reports a
 * bad user address as EFAULT, as a copy would; remote callers' buffers
 * are not, and will need uiomove's copies): uio_hostiov gives up to
 * `max' of the next segments as host iovecs, clipped to uio_resid, and
 * returns how many; uio_advance moves the uio on over `n' bytes the
 * host moved (n <= uio_resid).
 */
size_t uio_hostiov(const struct uio *uio, struct rumpuser_iovec *iov,
		   size_t max);
void uio_advance(struct uio *uio, size_t n);

/* Linux's largest user address (TASK_SIZE_MAX, 4-level paging). */
#define USER_ADDR_MAX 0x00007ffffffff000UL
/* Linux's access_ok(): [p, p+len) lies in user space.  A read or write
 * checks it first, so a huge length gives EFAULT before EINVAL. */
static inline bool
user_range_ok(const void *p, size_t len)
{
	return len <= USER_ADDR_MAX && (uintptr_t)p <= USER_ADDR_MAX - len;
}

/*
 * uio_import: copy in a user iovec array of `iovcnt' segments for a
 * readv-style call.  Uses `stack' (nstack entries) when it fits, else
 * allocates (free it with uio_import_done).  The total is capped at
 * MAX_RW_COUNT as Linux does.  Returns 0, EINVAL (iovcnt < 0 or >
 * UIO_MAXIOV, a length above SSIZE_MAX), EFAULT (bad array, or a
 * segment outside user space), ENOMEM.
 */
int uio_import(const struct iovec *uiov, int iovcnt, struct iovec *stack,
	       int nstack, struct iovec **iovp, size_t *totalp);
void uio_import_done(struct iovec *iov, int iovcnt, struct iovec *stack);

/* Linux's cap on one read or write: INT_MAX rounded down to a page. */
#define MAX_RW_COUNT 0x7ffff000UL
#define SSIZE_MAX_ ((size_t)(~(size_t)0 >> 1))
#define OFF_MAX ((off_t)0x7fffffffffffffffLL) /* MAX_LFS_FILESIZE */

/* ioflags of fo_read/fo_write. */
#define IO_APPEND 0x01   /* write at the end (O_APPEND), atomically */
#define IO_NONBLOCK 0x02 /* O_NONBLOCK: do not sleep */
#define IO_NOATIME 0x04  /* O_NOATIME: leave the access time alone */
#define IO_NOSIGNAL 0x08 /* RWF_NOSIGNAL: EPIPE without SIGPIPE */

/* fo_caps: what a file type supports, consulted by fcntl(F_SETFL). */
#define FO_CAN_DIRECT 0x01 /* O_DIRECT may be set */
#define FO_CAN_ASYNC 0x02  /* FASYNC (O_ASYNC, SIGIO) is implemented */
#define FO_ASYNC_OWNS 0x04 /* FASYNC on names the caller owner if none
			    * is set (a terminal's, Linux's tty_fasync) */

/*
 * The operations of one file type.  Every function returns 0 or an
 * errno.  fo_read/fo_write/fo_stat are required; the others may be
 * NULL, which gives Linux's answer for a file without that operation.
 */
struct fileops {
	/*
	 * Move data at offset *offp (the file's f_offset, held under
	 * f_poslock, or the caller's pread position) to or from the uio,
	 * and set *offp past the bytes moved (for IO_APPEND: past the end
	 * the data went to).  Bytes moved show in uio_resid; when some
	 * moved before an error the caller returns the count.
	 */
	int (*fo_read)(struct file *fp, off_t *offp, struct uio *uio,
		       int ioflags);
	int (*fo_write)(struct file *fp, off_t *offp, struct uio *uio,
			int ioflags);
	/* Fill a Linux struct stat (kernel memory). */
	int (*fo_stat)(struct file *fp, struct stat *st);
	/* Set the size (length >= 0).  NULL: EINVAL (not a regular file). */
	int (*fo_truncate)(struct file *fp, off_t length);
	/*
	 * fallocate(2) of a regular file without a vnode (memfd): `mode'
	 * is one operation Linux's VFS accepts, the file is writable,
	 * offset >= 0, len > 0, offset+len <= OFF_MAX (sys_fallocate has
	 * checked).  What the file cannot do is EOPNOTSUPP.  NULL: none.
	 */
	int (*fo_allocate)(struct file *fp, int mode, off_t offset, off_t len);
	/*
	 * lseek: from the current offset *offp compute and store the new
	 * one for `whence' (SEEK_SET..SEEK_HOLE, already range-checked).
	 * Called with f_poslock held.  NULL: ESPIPE, and the file has no
	 * position: pread/pwrite give ESPIPE, read/write skip f_poslock.
	 * fo_seek_none: no position either, but lseek gives 0.
	 */
	int (*fo_seek)(struct file *fp, off_t *offp, off_t off, int whence);
	/*
	 * Type-specific fcntl commands (F_ADD_SEALS, F_SETPIPE_SZ, ...);
	 * the generic ones never get here.  *retval is the result.
	 * NULL, or an unknown cmd: EINVAL.
	 */
	int (*fo_fcntl)(struct file *fp, int cmd, unsigned long arg,
			long *retval);
	/*
	 * ioctl(2) requests of the file type (FIONREAD, TCGETS, ...):
	 * `data' is the user argument (a user pointer for most).  The
	 * generic requests (FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC, and
	 * FIONREAD/FIOQSIZE of regular files) are served by sys_ioctl and
	 * never get here.  NULL, or an unknown cmd: ENOTTY.
	 */
	int (*fo_ioctl)(struct file *fp, unsigned long cmd, void *data);
	/* Readiness for poll/select/epoll: the ready subset of `events',
	 * registering on `pt' (if not NULL) as poll.h describes.  NULL:
	 * always readable and writable (Linux's DEFAULT_POLLMASK). */
	int (*fo_poll)(struct file *fp, int events, struct polltable *pt);
	/* The last reference is gone: free f_data.  NULL: nothing to do. */
	void (*fo_close)(struct file *fp);
	unsigned fo_caps; /* FO_CAN_* */
	/*
	 * The advisory lock state (vfs/lockf.h) of the file's object, for
	 * fcntl record locks and flock.  Every close of a descriptor drops
	 * the closing process's record locks there; the last close of the
	 * file drops its OFD and flock locks (before fo_close).  NULL: the
	 * file cannot be locked (ENOLCK).
	 */
	struct lockf_head *(*fo_lockf)(struct file *fp);
	/*
	 * fchmod, fchown, futimens and their AT_EMPTY_PATH forms on a file
	 * without a vnode (f_vnode NULL; a file with one goes to its
	 * vnode).  Linux keeps these attributes on the file's inode, which
	 * every descriptor and end sharing it sees.  With the type's
	 * attribute lock held: fill a vattr `cur' with the inode's va_type,
	 * va_mode (the 07777 bits), va_uid and va_gid, call
	 * decide(arg, &cur, &va) on a zeroed `va', and if it returns 0
	 * apply va.va_mask (VA_MODE, VA_UID, VA_GID, VA_ATIME, VA_MTIME;
	 * ctime becomes va_ctime with VA_CTIME, else now), so that fo_stat
	 * shows the result; else return its errno and change nothing.
	 * decide is the VFS's rules (vfs.h, vattr_chmod...): it takes no
	 * lock and never sleeps.  The type may refuse what its inode cannot
	 * take (a memfd's F_SEAL_EXEC: a change of x bits is EPERM).  NULL:
	 * the file is on Linux's one anonymous inode (eventfd, epoll,
	 * timerfd, signalfd), owned by root with mode 0600, whose setattr
	 * is EOPNOTSUPP: the VFS answers that after checking a touch
	 * (futimens to now) as it checks one for any inode (EACCES for a
	 * caller neither root nor allowed to write it).
	 */
	int (*fo_setattr)(struct file *fp,
			  int (*decide)(void *arg, const struct vattr *cur,
					struct vattr *va),
			  void *arg);
	/*
	 * Extended attributes of a file without a vnode whose inode has
	 * some (a memfd: Linux's tmpfs; a socket: sockfs's
	 * system.sockprotoname), as vop_xattr (vnode.h, xattr.h), except
	 * that the type also answers for the name's namespace (EOPNOTSUPP
	 * for one it has not, EINVAL for a prefix alone: xattr_tmpfs_name,
	 * xattr_sockfs_request).  NULL: the inode has none (a pipe, the
	 * anonymous inode): EOPNOTSUPP after the namespace rules, an empty
	 * list.
	 */
	int (*fo_xattr)(struct file *fp, struct xattr_req *rq);
	/*
	 * Regular files whose data is a page store (pgstore.h: memfd,
	 * tmpfs): the store, so that copy_file_range, sendfile and splice
	 * copy straight from store to store (pgstore_copy).  `role' says
	 * why the caller asks: FO_STORE_PEEK just asking; FO_STORE_DST
	 * about to write to it (the writer's set-id bits go, as a write
	 * drops them before writing); after a copy that moved bytes,
	 * FO_STORE_WROTE (mtime and ctime are stamped) and FO_STORE_READ
	 * (the access time, as a read stamps it, unless IO_NOATIME is or-ed
	 * in).  NULL, or a NULL result: the data goes through
	 * fo_read/fo_write.
	 */
	struct pgstore *(*fo_pgstore)(struct file *fp, int role);
};
#define FO_STORE_PEEK 0x00
#define FO_STORE_DST 0x10
#define FO_STORE_WROTE 0x20
#define FO_STORE_READ 0x40

/*
 * fo_seek of files with no position that lseek nonetheless accepts,
 * leaving it at 0: Linux's noop_llseek of the anonymous-inode files
 * (eventfd, timerfd, signalfd, epoll).  Such files are unpositioned
 * as if fo_seek were NULL (file_positioned), except for lseek.
 */
int fo_seek_none(struct file *fp, off_t *offp, off_t off, int whence);

/*
 * fo_stat of the files on Linux's one anonymous inode (eventfd,
 * timerfd, signalfd, epoll): every one shows that inode, root's, mode
 * 0600 with no type bits, its times those of boot.  file_anon_init
 * stamps them (rump_boot, once the clock runs).
 */
#define ANON_INODE_DEV 0x0e /* st_dev of anon_inodefs */
int fo_stat_anon(struct file *fp, struct stat *st);
void file_anon_init(void);

struct file {
	unsigned f_count; /* references; atomic */
	unsigned f_flag;  /* O_ACCMODE | status flags; atomic (F_SETFL) */
	const struct fileops *f_ops;
	void *f_data;              /* the file type's object */
	struct kauth_cred *f_cred; /* the opener's, held */
	kmutex_t f_poslock;        /* f_offset users, if the file seeks */
	off_t f_offset;            /* under f_poslock */
	/* ipc/epoll.c: the epoll registrations of this file, changed under
	 * epoll's ep_ctl_lock; read atomically.  file_release drops them
	 * (epoll_file_gone) before fo_close. */
	struct epitem *f_epoll;
	/* File systems (vfs/): the vnode a file opened by path refers to,
	 * held by the file and released after fo_close; NULL otherwise. */
	struct vnode *f_vnode;
	/* ipc/pipe.c: a FIFO reader's count of writer opens seen at its
	 * open (Linux's f_pipe): POLLHUP only once a writer came and went. */
	unsigned f_pipever;
	/* kern/sigio.h: the owner (F_SETOWN, F_SETSIG), made on first use
	 * (atomic pointer, freed with the file), and the O_ASYNC
	 * registration (under sigio.c's sigio_lock; read atomically). */
	struct fown *f_owner;
	struct sigio_reg *f_async;
};

/* Whether fp has a position: pread/pwrite work, read/write move it. */
static inline bool
file_positioned(const struct file *fp)
{
	return fp->f_ops->fo_seek != NULL && fp->f_ops->fo_seek != fo_seek_none;
}

/* Status flags F_SETFL may change (Linux's SETFL_MASK); FASYNC changes
 * only through sigio_fasync (sigio.h). */
#define FILE_SETFL_MASK (O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME)

/*
 * file_alloc: a new file with one reference, offset 0, f_flag `flag'
 * (access mode | status flags, O_LARGEFILE where Linux has it), a
 * reference to `cred'.  Returns 0 or ENOMEM.  Does not call fo_close on
 * failure: `data' stays the caller's.
 */
int file_alloc(const struct fileops *ops, void *data, unsigned flag,
	       struct kauth_cred *cred, struct file **fpp);
/* Another reference (the caller holds one already). */
static inline void
file_hold(struct file *fp)
{
	atomic_inc(&fp->f_count);
}
/* Drop a reference; the last one drops the file's epoll registrations,
 * calls fo_close and frees the file.
 * Takes no lock besides what fo_close takes. */
void file_release(struct file *fp);
/*
 * file_close: a descriptor of table `fdp' referring to `fp' was closed
 * (close, dup2 over it, close-on-exec, exit): drop the table's record
 * locks on the file's object, then the descriptor's reference.
 */
void file_close(struct file *fp, struct filedesc *fdp);

static inline unsigned
file_flag(struct file *fp)
{
	return atomic_load_relaxed(&fp->f_flag);
}
/* Access mode checks: O_RDONLY and O_RDWR read; O_WRONLY, O_RDWR write. */
static inline bool
file_readable(struct file *fp)
{
	unsigned acc = file_flag(fp) & O_ACCMODE;

	return acc == O_RDONLY || acc == O_RDWR;
}
static inline bool
file_writable(struct file *fp)
{
	unsigned acc = file_flag(fp) & O_ACCMODE;

	return acc == O_WRONLY || acc == O_RDWR;
}

/*
 * file_seek_generic: lseek arithmetic for a file of size `size' at offset
 * `cur': SEEK_SET, SEEK_CUR, SEEK_END, and SEEK_DATA/SEEK_HOLE for a file
 * that is all data.  Stores the result in *resp.  Returns 0, EINVAL
 * (negative result or overflow, unknown whence), ENXIO (DATA/HOLE at or
 * past the end).
 */
int file_seek_generic(off_t cur, off_t size, off_t off, int whence,
		      off_t *resp);

#endif /* RUMP_KERN_FILE_H */
