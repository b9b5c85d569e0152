/*
 * fsize.h: RLIMIT_FSIZE, the largest file a process may make, enforced
 * as Linux enforces it, on regular files only (pipes, sockets and
 * devices are not limited).
 *
 * - A write (write, pwrite64, writev, pwritev, an O_APPEND write at the
 *   end, what sendfile and splice write into a file) that starts below
 *   the limit is cut to end at it: a short count.  One that starts at or
 *   past it changes nothing, fails with EFBIG, and SIGXFSZ goes to the
 *   writing lwp (Linux's send_sig: thread-directed, si_code SI_USER, the
 *   sender its own process).  A write of nothing is 0 whatever the
 *   position.  Linux compares the position with the limit as a signed
 *   loff_t, so a limit of 2^63 or more (but not RLIM_INFINITY) refuses
 *   every write; fsize_wlim gives that bound.
 * - Growing a file past the limit with truncate, ftruncate or fallocate
 *   (tmpfs and memfd: FALLOC_FL_KEEP_SIZE too; hostfs: only what grows
 *   the size, as ext4 and FUSE) is EFBIG with SIGXFSZ; shrinking, or a
 *   size that stays at or below the current one, is not limited (Linux's
 *   inode_newsize_ok, an unsigned comparison: fsize_glim).
 * - copy_file_range cuts the count to the limit before it copies (no
 *   signal for the short count) and is EFBIG with SIGXFSZ when the output
 *   offset is at or past it, even for a count of 0.  sendfile and splice
 *   write as a loop of writes: after a cut write, the next write of bytes
 *   the source still had gets EFBIG and SIGXFSZ, and the call returns the
 *   count written before it.
 *
 * The limit is read once per operation, with one load of the calling
 * process's own rlimit (p_limit, written atomically by setrlimit and
 * prlimit64 under p_lock, copied by rfork).  A kernel thread without an
 * lwp has none.  The signal is posted (fsize_xfsz) after the file
 * system's locks are dropped.
 */
#ifndef RUMP_KERN_FSIZE_H
#define RUMP_KERN_FSIZE_H

#include "file.h"
#include "proc.h"

/* The calling lwp's RLIMIT_FSIZE soft limit; RLIM_INFINITY if none. */
static inline rlim_t
fsize_rlimit(void)
{
	struct lwp *l = rumpuser_curlwp();

	if (__predict_false(l == NULL))
		return RLIM_INFINITY;
	return atomic_load_relaxed(
		&l->l_proc->p_limit.pl_rlimit[RLIMIT_FSIZE].rlim_cur);
}

/* The bound a write may not start at or cross: OFF_MAX when unlimited,
 * else the limit as Linux's signed loff_t (negative for 2^63 and more,
 * which every position is past). */
static inline off_t
fsize_wlim(rlim_t r)
{
	return r == RLIM_INFINITY ? OFF_MAX : (off_t)r;
}

/* The size a truncate or fallocate may grow a file to (Linux's unsigned
 * comparison: a limit of OFF_MAX or more limits nothing). */
static inline off_t
fsize_glim(rlim_t r)
{
	return r >= (rlim_t)OFF_MAX ? OFF_MAX : (off_t)r;
}

/*
 * Linux's generic_write_check_limits for a write of *countp (> 0) bytes
 * at `pos' under write bound `wlim' (fsize_wlim, which OFF_MAX also
 * caps): EFBIG when pos is at or past it, else 0 with *countp cut to end
 * there.  The caller posts SIGXFSZ for the EFBIG of a limited caller.
 */
static inline int
fsize_write_check(off_t wlim, off_t pos, size_t *countp)
{
	if (__predict_false(pos >= wlim))
		return EFBIG;
	if (__predict_false((uint64_t)*countp > (uint64_t)(wlim - pos)))
		*countp = (size_t)(wlim - pos);
	return 0;
}

/* Linux's inode_newsize_ok for a size change of a regular file of size
 * `cur' to `len' under growth bound `glim' (fsize_glim): EFBIG when it
 * grows the file past the bound (the caller posts SIGXFSZ), else 0. */
static inline int
fsize_grow_check(off_t glim, off_t cur, off_t len)
{
	return len > cur && len > glim ? EFBIG : 0;
}

/* SIGXFSZ to the calling lwp, as Linux's send_sig(SIGXFSZ, current). */
void fsize_xfsz(void);

/* The usual ending: `error' as it is, and SIGXFSZ first when it is an
 * EFBIG that limit `r' caused (r not RLIM_INFINITY: every EFBIG of the
 * checks above is then the limit's, OFF_MAX being at or past it). */
static inline int
fsize_efbig(rlim_t r, int error)
{
	if (__predict_false(error == EFBIG) && r != RLIM_INFINITY)
		fsize_xfsz();
	return error;
}

#endif /* RUMP_KERN_FSIZE_H */
