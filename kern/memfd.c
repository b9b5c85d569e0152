/*
 * memfd.c: memfd_create(2): an anonymous regular file whose data is a
 * page store (pgstore.h), with Linux's sealing (F_ADD_SEALS,
 * F_GET_SEALS) and the file attributes Linux shows for it: mode
 * S_IFREG|0777, no links (it has no name), owner from the creator's
 * fsuid/fsgid, times kept with relatime semantics.  fchmod, fchown and
 * futimens change them (fo_setattr) by the VFS's rules.
 */
#include <linux/memfd.h>
#include <linux/stat.h>

#include "cred.h"
#include "fd.h"
#include "file.h"
#include "fsize.h"
#include "ktime.h"
#include "pgstore.h"
#include "acl.h"
#include "xattr.h"
#include "proc.h"
#include "syscall.h"
#include "../vfs/lockf.h"
#include "../vfs/vfs.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#define MFD_ALL_FLAGS                                                          \
	(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL |     \
	 MFD_EXEC)
#define MFD_HUGE_BITS ((unsigned)MFD_HUGE_MASK << MFD_HUGE_SHIFT)
/* Linux: NAME_MAX less the "memfd:" prefix its names get. */
#define MFD_NAME_MAX_LEN (255 - 6)

#define MEMFD_DEV 1 /* st_dev of every memfd: one internal mount */
#define NSEC_PER_SEC 1000000000LL

struct memfd {
	struct pgstore m_store;
	unsigned long m_ino;
	/* Changed under m_alock, read atomically (fstat).  m_alock comes
	 * after the file's f_poslock and before the store's ps_lock. */
	kmutex_t m_alock;
	uid_t m_uid;
	gid_t m_gid;
	mode_t m_mode;
	/* Nanoseconds since the epoch; atomic, no lock needed. */
	int64_t m_atime, m_mtime, m_ctime;
	char m_name[6 + MFD_NAME_MAX_LEN + 1]; /* "memfd:" + name */
	struct lockf_head m_locks;             /* fcntl and flock locks */
	/* Extended attributes (a memfd is a tmpfs file on Linux), made on
	 * the first set: published under m_alock, read with
	 * atomic_load_acq; the store has its own lock (xattr.h). */
	struct xattrs *m_xattrs;
	/* POSIX ACLs (acl.h), under m_alock: access and default (which a
	 * memfd, no directory, never gets). */
	struct acl *m_acl[2];
};

static unsigned long memfd_lastino = 1024; /* atomic */

static int64_t
now_ns(void)
{
	int64_t sec = 0;
	long nsec = 0;

	rumpuser_clock_gettime(RUMPUSER_CLOCK_RELWALL, &sec, &nsec);
	return sec * NSEC_PER_SEC + nsec;
}

/* Data changed: mtime and ctime, as Linux's file_update_time. */
static void
memfd_modified(struct memfd *m)
{
	int64_t now = now_ns();

	atomic_store_relaxed(&m->m_mtime, now);
	atomic_store_relaxed(&m->m_ctime, now);
}

/* A read: the access time, under relatime. */
static void
memfd_accessed(struct memfd *m)
{
	int64_t now = now_ns();

	if (relatime_due(atomic_load_relaxed(&m->m_atime),
			 atomic_load_relaxed(&m->m_mtime),
			 atomic_load_relaxed(&m->m_ctime), now))
		atomic_store_relaxed(&m->m_atime, now);
}

static void memfd_attrs(struct memfd *m, struct vattr *va);

/* A write, truncation or allocation by a caller without CAP_FSETID
 * drops set-id bits, by the rules of a vnode's (Linux's
 * file_remove_privs, which shmem runs too). */
static void
memfd_kill_privs(struct file *fp)
{
	struct memfd *m = fp->f_data;
	struct vattr cur, va = { 0 };
	struct xattrs *xs = atomic_load_acq(&m->m_xattrs);

	if (xs != NULL)
		xattrs_killpriv(xs);
	if (!(atomic_load_relaxed(&m->m_mode) & (S_ISUID | S_ISGID)))
		return; /* the common case, without the lock */
	mutex_enter(&m->m_alock);
	memfd_attrs(m, &cur);
	if (vattr_kill_privs(&cur, vfs_writer_cred(fp), &va)) {
		atomic_store_relaxed(&m->m_mode, va.va_mode);
		atomic_store_relaxed(&m->m_ctime, now_ns());
	}
	mutex_exit(&m->m_alock);
}

static int
memfd_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	struct memfd *m = fp->f_data;
	size_t resid = uio->uio_resid;
	int error;

	if (resid == 0) /* as Linux's shmem read: no atime */
		return 0;
	error = pgstore_read(&m->m_store, *offp, uio);
	*offp += (off_t)(resid - uio->uio_resid);
	if (!(ioflags & IO_NOATIME))
		memfd_accessed(m);
	return error;
}

static int
memfd_write(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	struct memfd *m = fp->f_data;
	size_t resid = uio->uio_resid;
	rlim_t lim;
	int error;

	/* Linux's generic_write_checks: nothing to write is 0 before the
	 * size limit (EFBIG) or the seals are looked at. */
	if (resid == 0)
		return 0;
	lim = fsize_rlimit();
	memfd_kill_privs(fp);
	error = pgstore_write(&m->m_store, offp, uio,
			      (ioflags & IO_APPEND) ? PGS_APPEND : 0,
			      fsize_wlim(lim));
	if (uio->uio_resid != resid)
		memfd_modified(m);
	return fsize_efbig(lim, error);
}

static int
memfd_stat(struct file *fp, struct stat *st)
{
	struct memfd *m = fp->f_data;
	uint64_t npages;
	off_t size;

	pgstore_getsize(&m->m_store, &size, &npages);
	memset(st, 0, sizeof(*st));
	st->st_dev = MEMFD_DEV;
	st->st_ino = m->m_ino;
	st->st_nlink = 0; /* Linux: the file is unlinked from birth */
	st->st_mode = S_IFREG | atomic_load_relaxed(&m->m_mode);
	st->st_uid = atomic_load_relaxed(&m->m_uid);
	st->st_gid = atomic_load_relaxed(&m->m_gid);
	st->st_size = size;
	st->st_blksize = PGS_PAGESIZE;
	st->st_blocks = (long)(npages * (PGS_PAGESIZE / 512));
	vfs_ns_split(atomic_load_relaxed(&m->m_atime), &st->st_atime,
		     &st->st_atime_nsec);
	vfs_ns_split(atomic_load_relaxed(&m->m_mtime), &st->st_mtime,
		     &st->st_mtime_nsec);
	vfs_ns_split(atomic_load_relaxed(&m->m_ctime), &st->st_ctime,
		     &st->st_ctime_nsec);
	return 0;
}

static int
memfd_truncate(struct file *fp, off_t length)
{
	struct memfd *m = fp->f_data;
	rlim_t lim = fsize_rlimit();
	off_t size;
	int error;

	/* RLIMIT_FSIZE comes first and changes nothing (Linux's
	 * setattr_prepare); the store checks it again under its lock. */
	pgstore_getsize(&m->m_store, &size, NULL);
	if (fsize_grow_check(fsize_glim(lim), size, length) != 0)
		return fsize_efbig(lim, EFBIG);
	memfd_kill_privs(fp);
	/* Linux stamps the times even when the size does not change. */
	if ((error = pgstore_truncate(&m->m_store, length, fsize_glim(lim))) ==
	    0)
		memfd_modified(m);
	return fsize_efbig(lim, error);
}

/* The modes and the seals are the store's to check. */
static int
memfd_allocate(struct file *fp, int mode, off_t offset, off_t len)
{
	struct memfd *m = fp->f_data;
	rlim_t lim = fsize_rlimit();
	int error = pgstore_fallocate(&m->m_store, mode, offset, len,
				      fsize_glim(lim));

	if (error == 0) {
		memfd_kill_privs(fp);
		memfd_modified(m);
	}
	return fsize_efbig(lim, error);
}

static int
memfd_seek(struct file *fp, off_t *offp, off_t off, int whence)
{
	struct memfd *m = fp->f_data;
	off_t size;

	if (whence == SEEK_DATA || whence == SEEK_HOLE)
		return pgstore_seekhole(&m->m_store, off, whence == SEEK_DATA,
					offp);
	pgstore_getsize(&m->m_store, &size, NULL);
	return file_seek_generic(*offp, size, off, whence, offp);
}

static int
memfd_fcntl(struct file *fp, int cmd, unsigned long arg, long *retval)
{
	struct memfd *m = fp->f_data;
	unsigned seals = (unsigned)arg; /* Linux takes an unsigned int */
	int error;

	switch (cmd) {
	case F_GET_SEALS:
		*retval = pgstore_seals(&m->m_store);
		return 0;
	case F_ADD_SEALS:
		if (!file_writable(fp))
			return EPERM;
		if (seals & ~PGS_ALL_SEALS)
			return EINVAL;
		/* Sealing exec on an executable file also seals writes, so
		 * its contents cannot change under a later exec.  The mode
		 * cannot change meanwhile (memfd_setattr). */
		mutex_enter(&m->m_alock);
		if ((seals & F_SEAL_EXEC) && (m->m_mode & 0111))
			seals |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
				 F_SEAL_FUTURE_WRITE;
		*retval = 0;
		error = pgstore_add_seals(&m->m_store, seals);
		mutex_exit(&m->m_alock);
		return error;
	default:
		return EINVAL;
	}
}

/* The attributes the VFS's rules decide on. */
static void
memfd_attrs(struct memfd *m, struct vattr *va)
{
	memset(va, 0, sizeof(*va));
	va->va_type = VREG;
	va->va_mode = m->m_mode;
	va->va_uid = m->m_uid;
	va->va_gid = m->m_gid;
}

/* fo_setattr (file.h), as Linux's shmem_setattr. */
static int
memfd_setattr(struct file *fp,
	      int (*decide)(void *arg, const struct vattr *cur,
			    struct vattr *va),
	      void *arg)
{
	struct memfd *m = fp->f_data;
	struct vattr cur, va = { 0 };
	int error;

	mutex_enter(&m->m_alock);
	memfd_attrs(m, &cur);
	if ((error = decide(arg, &cur, &va)) != 0)
		goto out;
	/* Under F_SEAL_EXEC the x bits stay as they are. */
	if ((va.va_mask & VA_MODE) &&
	    (pgstore_seals(&m->m_store) & F_SEAL_EXEC) &&
	    ((cur.va_mode ^ va.va_mode) & 0111)) {
		error = EPERM;
		goto out;
	}
	if (va.va_mask & VA_MODE)
		atomic_store_relaxed(&m->m_mode, va.va_mode & 07777);
	if ((va.va_mask & VA_KILLPRIV) && m->m_xattrs != NULL)
		xattrs_killpriv(m->m_xattrs);
	if (va.va_mask & VA_UID)
		atomic_store_relaxed(&m->m_uid, va.va_uid);
	if (va.va_mask & VA_GID)
		atomic_store_relaxed(&m->m_gid, va.va_gid);
	if (va.va_mask & VA_ATIME)
		atomic_store_relaxed(&m->m_atime, va.va_atime);
	if (va.va_mask & VA_MTIME)
		atomic_store_relaxed(&m->m_mtime, va.va_mtime);
	atomic_store_relaxed(&m->m_ctime,
			     (va.va_mask & VA_CTIME) ? va.va_ctime : now_ns());
out:
	mutex_exit(&m->m_alock);
	return error;
}

static int
memfd_xattr(struct file *fp, struct xattr_req *rq)
{
	struct memfd *m = fp->f_data;
	struct xattrs *xs = atomic_load_acq(&m->m_xattrs), *n;
	struct acl *old;
	int error;

	/* POSIX ACLs, as Linux's tmpfs keeps them for a memfd too. */
	if (rq->xr_op == XOP_GETACL || rq->xr_op == XOP_SETACL) {
		mutex_enter(&m->m_alock);
		if (rq->xr_op == XOP_GETACL) {
			rq->xr_acl = acl_hold(m->m_acl[rq->xr_acltype]);
			rq->xr_mode = m->m_mode & 07777;
			mutex_exit(&m->m_alock);
			return 0;
		}
		old = m->m_acl[rq->xr_acltype];
		m->m_acl[rq->xr_acltype] = acl_hold(rq->xr_acl);
		if (rq->xr_setmode)
			atomic_store_relaxed(&m->m_mode, rq->xr_mode & 07777);
		atomic_store_relaxed(&m->m_ctime, now_ns());
		mutex_exit(&m->m_alock);
		acl_rele(old);
		return 0;
	}
	if (rq->xr_op != XOP_LIST &&
	    (error = xattr_tmpfs_name(rq->xr_name)) != 0)
		return error;
	if (xs == NULL && rq->xr_op == XOP_SET) {
		if ((n = kmem_alloc(sizeof(*n))) == NULL)
			return ENOMEM;
		xattrs_init(n);
		mutex_enter(&m->m_alock);
		if ((xs = m->m_xattrs) == NULL) {
			__atomic_store_n(&m->m_xattrs, n, __ATOMIC_RELEASE);
			xs = n;
			n = NULL;
		}
		mutex_exit(&m->m_alock);
		if (n != NULL) {
			xattrs_fini(n);
			kmem_free(n, sizeof(*n));
		}
	}
	if (xs == NULL) {
		rq->xr_len = 0;
		return rq->xr_op == XOP_LIST ? 0 : ENODATA;
	}
	error = xattrs_request(xs, rq, NULL);
	if (error == 0 && (rq->xr_op == XOP_SET || rq->xr_op == XOP_REMOVE))
		atomic_store_relaxed(&m->m_ctime, now_ns());
	return error;
}

static void
memfd_free(struct memfd *m)
{
	acl_rele(m->m_acl[0]);
	acl_rele(m->m_acl[1]);
	if (m->m_xattrs != NULL) {
		xattrs_fini(m->m_xattrs);
		kmem_free(m->m_xattrs, sizeof(*m->m_xattrs));
	}
	mutex_destroy(&m->m_alock);
	lf_head_destroy(&m->m_locks);
	pgstore_fini(&m->m_store);
	kmem_free(m, sizeof(*m));
}

static void
memfd_close(struct file *fp)
{
	memfd_free(fp->f_data);
}

static struct lockf_head *
memfd_lockf(struct file *fp)
{
	return &((struct memfd *)fp->f_data)->m_locks;
}

/* fo_pgstore: copies straight into or out of the store (file.h). */
static struct pgstore *
memfd_pgstore(struct file *fp, int role)
{
	struct memfd *m = fp->f_data;

	if (role & FO_STORE_DST)
		memfd_kill_privs(fp);
	if (role & FO_STORE_WROTE)
		memfd_modified(m);
	if ((role & FO_STORE_READ) && !(role & IO_NOATIME))
		memfd_accessed(m);
	return &m->m_store;
}

static const struct fileops memfd_ops = {
	.fo_read = memfd_read,
	.fo_write = memfd_write,
	.fo_stat = memfd_stat,
	.fo_truncate = memfd_truncate,
	.fo_allocate = memfd_allocate,
	.fo_seek = memfd_seek,
	.fo_fcntl = memfd_fcntl,
	.fo_close = memfd_close,
	.fo_lockf = memfd_lockf,
	.fo_setattr = memfd_setattr,
	.fo_xattr = memfd_xattr,
	.fo_pgstore = memfd_pgstore,
};

/* A new memfd object owned by `cr'. */
static struct memfd *
memfd_new(const char *name, unsigned flags, const struct kauth_cred *cr)
{
	struct memfd *m = kmem_zalloc(sizeof(*m));
	unsigned seals = F_SEAL_SEAL;
	int64_t now = now_ns();

	if (m == NULL)
		return NULL;
	m->m_mode = 0777;
	if (flags & MFD_NOEXEC_SEAL) {
		m->m_mode = 0666;
		seals = F_SEAL_EXEC;
	} else if (flags & MFD_ALLOW_SEALING) {
		seals = 0;
	}
	pgstore_init(&m->m_store, NULL, seals);
	mutex_init(&m->m_alock);
	lf_head_init(&m->m_locks);
	m->m_ino = __atomic_add_fetch(&memfd_lastino, 1, __ATOMIC_RELAXED);
	m->m_uid = cr->cr_fsuid;
	m->m_gid = cr->cr_fsgid;
	m->m_atime = m->m_mtime = m->m_ctime = now;
	ksnprintf(m->m_name, sizeof(m->m_name), "memfd:%s", name);
	return m;
}

/* Linux's checks, in its order: flags first, then the name. */
static int
memfd_checkflags(unsigned flags)
{
	unsigned allowed = MFD_ALL_FLAGS;

	if (flags & MFD_HUGETLB)
		allowed |= MFD_HUGE_BITS;
	if (flags & ~allowed)
		return EINVAL;
	if ((flags & MFD_EXEC) && (flags & MFD_NOEXEC_SEAL))
		return EINVAL;
	return 0;
}

long
sys_memfd_create(struct lwp *l, const char *uname, unsigned int flags)
{
	char name[MFD_NAME_MAX_LEN + 1];
	struct memfd *m;
	struct file *fp;
	int error, fd;

	if ((error = memfd_checkflags(flags)) != 0)
		return -error;
	error = copyinstr(uname, name, sizeof(name), NULL);
	if (error != 0)
		return error == ENAMETOOLONG ? -EINVAL : -error;
	if (flags & MFD_HUGETLB)
		return -EINVAL; /* no huge pages here */
	if ((m = memfd_new(name, flags, l->l_cred)) == NULL)
		return -ENOMEM;
	/* Linux opens a memfd large, as open() does a file. */
	if ((error = file_alloc(&memfd_ops, m, O_RDWR | O_LARGEFILE, l->l_cred,
				&fp)) != 0) {
		memfd_free(m);
		return -error;
	}
	error = fd_alloc(l->l_proc, fp, 0, (flags & MFD_CLOEXEC) != 0, &fd);
	file_release(fp); /* the table holds it now, or it goes */
	return error != 0 ? -error : fd;
}
