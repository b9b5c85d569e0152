/*
 * pgstore.h: the data of a regular in-memory file (memfd and tmpfs): a
 * sparse array of 4 KiB pages in a radix tree whose height
 * grows with the highest page, so any offset up to OFF_MAX works and
 * costs only the pages written plus one node per level.  Holes read as
 * zeros; bytes past the end of the file inside a page are always zero,
 * so growing the size never exposes old data.
 *
 * Seals (Linux's F_SEAL_* values) live here because they are checked
 * against the size under the same lock as the writes they forbid.
 *
 * Space accounting: stores may share a struct pgstore_acct (one per
 * tmpfs mount) that counts their pages against a limit.  A write that
 * runs out writes what fits and returns a short count, or ENOSPC when
 * nothing fit; data already written is never lost.
 *
 * Lock order: a file's f_poslock > ps_lock (one store; reader/writer)
 * > nothing: the accounting counter is atomic.  pgstore_copy holds two
 * stores' locks at once, the store at the lower address first.
 */
#ifndef RUMP_KERN_PGSTORE_H
#define RUMP_KERN_PGSTORE_H

#include <linux/fcntl.h>

#include "kernel.h"
#include "lock.h"

struct uio;

#define PGS_PAGESHIFT 12
#define PGS_PAGESIZE (1 << PGS_PAGESHIFT)

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#define PGS_ALL_SEALS                                                          \
	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |            \
	 F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)

/* Shared page budget.  pa_limit 0 means unlimited. */
struct pgstore_acct {
	uint64_t pa_limit; /* pages; atomic (a remount may change it) */
	uint64_t pa_used;  /* pages held by all stores; atomic */
};

struct pgstore {
	krwlock_t ps_lock;  /* made on first use (pgstore.c's ps_lock) */
	void *ps_root;      /* a page (height 0) or a node; under ps_lock */
	unsigned ps_height; /* node levels above the pages */
	unsigned ps_seals;  /* F_SEAL_*; under ps_lock */
	off_t ps_size;      /* under ps_lock */
	uint64_t ps_npages; /* allocated data pages; under ps_lock */
	struct pgstore_acct *ps_acct; /* NULL: no limit */
};

/* pgstore_init: an empty store with `seals' (F_SEAL_SEAL for a file that
 * may not be sealed) charging `acct' (may be NULL).  Cannot fail. */
void pgstore_init(struct pgstore *ps, struct pgstore_acct *acct,
		  unsigned seals);
/* pgstore_fini: free every page and node (no other user may remain). */
void pgstore_fini(struct pgstore *ps);

/*
 * pgstore_read: copy from offset `off' (>= 0) into the uio, up to the end
 * of the file; the uio shows how much moved.  Returns 0 or EFAULT (the
 * uio has advanced over what was copied).  Takes ps_lock shared.
 */
int pgstore_read(struct pgstore *ps, off_t off, struct uio *uio);

#define PGS_APPEND 0x01 /* write at the end of the file */
/*
 * pgstore_write: copy the uio into the store at *offp (or at the end for
 * PGS_APPEND), growing the file, and set *offp past the data written
 * (for an EFBIG: to where the write would have begun).  Stops at `wlim'
 * (at most OFF_MAX: the writer's file size limit, fsize.h's fsize_wlim,
 * checked against the append position under the lock).  The uio shows
 * how much moved; a partial write is reported by the caller as a count.
 * Errors (when they stop the write): EPERM (F_SEAL_WRITE/
 * F_SEAL_FUTURE_WRITE, or F_SEAL_GROW and the write would grow the
 * file: checked page by page, as Linux does), EFBIG (starts at or past
 * wlim), ENOSPC (the accounting limit), ENOMEM, EFAULT.  Takes ps_lock
 * exclusive.
 */
int pgstore_write(struct pgstore *ps, off_t *offp, struct uio *uio, int flags,
		  off_t wlim);

/*
 * pgstore_copy: copy up to `len' bytes of store `src' from offset
 * `soff' (>= 0) into store `dst' (another store) at *doffp, page by
 * page straight from one store's pages to the other's (holes of src
 * are written as zeros, as a read and a write would), stopping at the
 * end of src and at `wlim' (as pgstore_write's); *doffp moves past what
 * was written and *donep says how much.  Nothing to copy (soff at or
 * past the end of src, len 0) is 0 without any check.  Errors as
 * pgstore_write (EPERM for seals, EFBIG, ENOSPC, ENOMEM), returned only
 * when nothing was copied: what was copied before is kept.  Takes both
 * stores' locks (src shared, dst exclusive) for the whole copy: callers
 * give a bounded len.
 */
int pgstore_copy(struct pgstore *dst, off_t *doffp, struct pgstore *src,
		 off_t soff, size_t len, size_t *donep, off_t wlim);

/*
 * pgstore_truncate: set the size to `len' (>= 0): shrinking frees the
 * pages past it and zeroes the tail of the last partial page; growing
 * makes a hole.  Errors: EFBIG (growing past `glim', the caller's file
 * size limit: fsize.h's fsize_glim; OFF_MAX for none), then EPERM
 * (F_SEAL_SHRINK / F_SEAL_GROW).  Takes ps_lock exclusive.
 */
int pgstore_truncate(struct pgstore *ps, off_t len, off_t glim);

/*
 * pgstore_allocate: fallocate(2): allocate (zeroed) every missing page of
 * [off, off+len) (off >= 0, len > 0, off+len <= OFF_MAX) and, unless
 * keep_size, grow the size to off+len.  Pages past the end stay zero.
 * Errors: EFBIG (off+len past both the end and `glim', as
 * pgstore_truncate's, keep_size or not, as Linux's shmem), EPERM
 * (F_SEAL_GROW and off+len past the end, keep_size or not, as Linux;
 * F_SEAL_WRITE does not forbid it), ENOSPC (before
 * anything is allocated when the range cannot fit the budget, counting
 * the pages the store has; or later, with what was allocated kept),
 * ENOMEM (pages allocated before the error stay).  ps_lock exclusive.
 */
int pgstore_allocate(struct pgstore *ps, off_t off, off_t len, bool keep_size,
		     off_t glim);

/*
 * pgstore_punch: fallocate(2)'s FALLOC_FL_PUNCH_HOLE: make [off,
 * off+len) (off >= 0, len > 0, off+len <= OFF_MAX) read as zeros.
 * Whole pages in it are freed and their pages go back to the budget
 * (pages past the end that fallocate reserved too); pages it covers
 * only in part are zeroed there.  The size never changes.  Errors:
 * EPERM (F_SEAL_WRITE or F_SEAL_FUTURE_WRITE).  ps_lock exclusive, so
 * a read or write sees the range whole or punched, never half.
 */
int pgstore_punch(struct pgstore *ps, off_t off, off_t len);

/*
 * pgstore_fallocate: fallocate(2) of a file on the store, as Linux's
 * shmem: mode 0 or FALLOC_FL_KEEP_SIZE allocate (pgstore_allocate),
 * FALLOC_FL_PUNCH_HOLE (with KEEP_SIZE, the VFS's rule) punches
 * (pgstore_punch); any other bit is EOPNOTSUPP.  Arguments as those
 * (`glim' for allocating only: a punch is not limited).
 */
int pgstore_fallocate(struct pgstore *ps, int mode, off_t off, off_t len,
		      off_t glim);

/* Size and allocated pages, each read atomically without ps_lock (a
 * concurrent write may be seen in one and not yet the other, as in
 * Linux's stat). */
void pgstore_getsize(struct pgstore *ps, off_t *sizep, uint64_t *npagesp);

/*
 * pgstore_seekhole: lseek's SEEK_DATA (`data' true) or SEEK_HOLE from
 * `off': the next allocated or unallocated page boundary (or `off' itself
 * when it is already in one), with the end of the file counting as a
 * hole.  Returns 0 with *resp set, or ENXIO (off negative or not below
 * the size, or no data after off).  ps_lock shared.
 */
int pgstore_seekhole(struct pgstore *ps, off_t off, bool data, off_t *resp);

/*
 * Seals.  pgstore_seals: the current set.  pgstore_add_seals: add
 * `seals' (already validated against PGS_ALL_SEALS).  Errors: EPERM
 * (F_SEAL_SEAL already set).  ps_lock exclusive, so no write is in
 * progress when a seal takes effect.
 */
unsigned pgstore_seals(struct pgstore *ps);
int pgstore_add_seals(struct pgstore *ps, unsigned seals);

#endif /* RUMP_KERN_PGSTORE_H */
