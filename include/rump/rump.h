/*
 * rump.h: the public interface of a rumpkit kernel for local clients.
 *
 * A local client links librump and librumpuser, calls rump_init() once
 * and then makes system calls with rump_sys_*() (<rump/rump_syscalls.h>)
 * or rump_syscall().  Which process a call runs in is decided by the
 * calling host thread's current lwp: see rump_lwproc(3), implemented
 * below.  This header uses only freestanding types so the kernel itself
 * can include it.
 */
#ifndef RUMP_RUMP_H
#define RUMP_RUMP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RUMP_API __attribute__((visibility("default")))

struct lwp;

/*
 * rump_init: boot the kernel: proc0 (pid 0, the kernel) and init (pid 1,
 * the process implicit contexts belong to, with descriptors 0, 1 and 2
 * open on the console once the console exists).  Idempotent: a later
 * call returns 0 and does nothing.  Returns 0 or an errno (EINVAL when
 * the hypercall layer refuses our version, ENOMEM).  Thread-safe.
 */
RUMP_API int rump_init(void);

/* The kernel's syscall entry, raw Linux x86_64 numbering and ABI:
 * returns the result or -errno (-ENOSYS for an unknown number).  `args'
 * holds six longs (unused ones are ignored).  Calls made before
 * rump_init() return -ENXIO. */
RUMP_API long rump_syscall(long nr, const long *args);

/* rfork flags (rump_lwproc(3)). */
#define RUMP_RFFDG 0x01  /* copy the descriptor table, as fork(2) does */
#define RUMP_RFCFDG 0x02 /* start with an empty descriptor table */
#define RUMP_RFFD_SHARE 0x00
#define RUMP_RFFD_COPY RUMP_RFFDG
#define RUMP_RFFD_CLEAR RUMP_RFCFDG

/*
 * rump_pub_lwproc_rfork: create a process, a child of the current one,
 * with one lwp, and make that lwp the calling thread's curlwp.  flags 0
 * shares the parent's descriptor table, RUMP_RFFDG copies it,
 * RUMP_RFCFDG gives an empty one.  Credentials, cwd, root, umask,
 * limits and the signal mask are inherited.  The previous curlwp is not
 * released.  Returns 0, EINVAL (unknown flags, or both flags), EAGAIN
 * (no free pid), ENOMEM, ENXIO (kernel not initialised).
 */
RUMP_API int rump_pub_lwproc_rfork(int flags);
/*
 * rump_pub_lwproc_newlwp: create an lwp in process `pid' and make it
 * curlwp.  Returns 0, ESRCH (no such process), EAGAIN (no free id),
 * ENOMEM, ENXIO (kernel not initialised).
 */
RUMP_API int rump_pub_lwproc_newlwp(int pid);
/*
 * rump_pub_lwproc_switch: make `l' the calling thread's curlwp, NULL for
 * the implicit context.  Switching to an lwp that is current in another
 * host thread is a fatal error (panic).
 */
RUMP_API void rump_pub_lwproc_switch(struct lwp *l);
/*
 * rump_pub_lwproc_releaselwp: release curlwp and return to the implicit
 * context; the process goes with its last lwp (its descriptors are
 * closed, its children are given to init).  Fatal error (panic) without
 * a dedicated curlwp.
 */
RUMP_API void rump_pub_lwproc_releaselwp(void);
/* rump_pub_lwproc_curlwp: curlwp, or NULL in an implicit context. */
RUMP_API struct lwp *rump_pub_lwproc_curlwp(void);

/* The same interface under the kernel-internal names. */
RUMP_API int rump_lwproc_rfork(int flags);
RUMP_API int rump_lwproc_newlwp(int pid);
RUMP_API void rump_lwproc_switch(struct lwp *l);
RUMP_API void rump_lwproc_releaselwp(void);
RUMP_API struct lwp *rump_lwproc_curlwp(void);

#ifdef __cplusplus
}
#endif

#endif /* RUMP_RUMP_H */
