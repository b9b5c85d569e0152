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

/* ---- time and signals (kern/kern_sig.c, kern/kern_time.c) ----------- */

/*
 * The kernel layout of rt_sigaction's argument (Linux x86_64), for the
 * raw rump_sys_rt_sigaction().  rump_sys_sigaction() takes glibc's
 * struct sigaction instead and converts.
 */
struct rump_ksigaction {
	void *sa_handler_; /* SIG_DFL (0), SIG_IGN (1) or the handler */
	unsigned long sa_flags;
	void *sa_restorer;
	uint64_t sa_mask; /* bit (sig - 1) */
};

/*
 * Host signal models (NetBSD's numbering).  A model says what the host
 * sees when a signal's default action ends a rump process; signals that
 * a process catches or ignores never reach the host:
 *   PANIC    the kernel panics (except for SIGSYS and SIGPIPE, which
 *            then only end the rump process);
 *   IGNORE   nothing happens on the host;
 *   RAISE    rumpuser_kill() raises the signal in the host process (HOST,
 *            the obsolete value 2, is treated as RAISE);
 *   RECORD   nothing on the host: the signal stays recorded as the rump
 *            process's termination status (rump_proc_exitstatus).
 * The rump process ends in every model.  With no model chosen
 * (RUMP_SIGMODEL_KERNEL, the default) signals stay in the kernel:
 * handlers run as delivered, and a terminating default action ends only
 * the rump process, never the host.
 */
#define RUMP_SIGMODEL_PANIC 0
#define RUMP_SIGMODEL_IGNORE 1
#define RUMP_SIGMODEL_HOST 2
#define RUMP_SIGMODEL_RAISE 3
#define RUMP_SIGMODEL_RECORD 4
#define RUMP_SIGMODEL_KERNEL (-1)
/* Set the model, before or after rump_init.  Returns 0 or EINVAL. */
RUMP_API int rump_boot_setsigmodel(int model);

/*
 * rump_signal_post: post Linux signal `sig' to rump process `pid' from
 * anywhere, a host signal handler included: it is async-signal-safe (an
 * atomic slot and a semaphore post; the kernel thread does the posting
 * a moment later, as kill(2) from the kernel would, with si_code
 * SI_KERNEL).  A blocking rump syscall of that process then ends with
 * EINTR (or restarts) as for any other signal.  Returns 0, EINVAL (bad
 * signal number or pid < 1), ENXIO (kernel not initialised), EAGAIN (too
 * many posts outstanding).  No error if `pid' does not exist: the
 * kernel thread finds out and drops the post.
 */
RUMP_API int rump_signal_post(int pid, int sig);

/*
 * Delivery to callers that are not local clients.  A local client's
 * handler is a host function that the kernel calls on the calling thread
 * before rump_sys_*() returns.  The app runtime and remote clients
 * install a hook in their lwp instead: the syscall exit path then hands
 * each signal to deliver(arg, frame), with no kernel lock held and the
 * lwp's mask already set to the handler's mask; the hook runs (or
 * queues) the handler in the caller's own world and, when the handler
 * has returned, restores the mask with rump_sigreturn(frame).  When the
 * hook returns, the interrupted call restarts (SA_RESTART) or returns
 * EINTR.
 */
struct rump_sigframe {
	int sf_signo;
	unsigned long sf_flags;     /* SA_* of the action */
	void *sf_handler;           /* the caller's handler address */
	void *sf_restorer;          /* sa_restorer as registered */
	uint64_t sf_mask;           /* the mask to restore afterwards */
	unsigned char sf_info[128]; /* siginfo_t, Linux layout */
	void *sf_altstack;          /* sigaltstack if SA_ONSTACK, else NULL */
	size_t sf_altsize;
};
typedef void rump_sigdeliver_fn(void *arg, const struct rump_sigframe *sf);
/* Install (fn non-NULL) or remove the hook of the calling thread's lwp.
 * Returns 0 or ENXIO (kernel not initialised). */
RUMP_API int rump_sigdeliver_sethook(rump_sigdeliver_fn *fn, void *arg);
/* The handler of `sf' has returned: restore the mask it saved. */
RUMP_API void rump_sigreturn(const struct rump_sigframe *sf);

/*
 * rump_proc_exitstatus: how process `pid' ended, as a wait(2) status
 * (WIFSIGNALED, WTERMSIG, WCOREDUMP) in *statusp, once a signal's default
 * action has ended it.  Returns 0 when it has ended (the process exists
 * until its last lwp is released), EBUSY while it runs, ESRCH when no
 * such process exists.  Its parent also gets SIGCHLD with CLD_KILLED or
 * CLD_DUMPED and the signal in si_status.
 */
RUMP_API int rump_proc_exitstatus(int pid, int *statusp);

/* ---- extended attributes (vfs/vfs_xattr.c) --------------------------- */

/*
 * The argument block of rump_sys_setxattrat/getxattrat (Linux 6.13's
 * struct xattr_args), for libc headers that do not have it yet.
 */
#ifndef XATTR_ARGS_SIZE_VER0
struct xattr_args {
	uint64_t value __attribute__((aligned(8))); /* a pointer */
	uint32_t size;
	uint32_t flags;
};
#define XATTR_ARGS_SIZE_VER0 16
#endif

/* ---- host files in the kernel's namespace (vfs/hostfs/etfs.c) ------- */

/*
 * etfs, as in NetBSD's rump kernels: a host file or directory appears at
 * kernel path `key' and its I/O goes to the host through the hypercall
 * layer.  The types:
 *   RUMP_ETFS_REG          a regular file at `key'
 *   RUMP_ETFS_BLK          a block device node at `key' (its data: the
 *                          host file's)
 *   RUMP_ETFS_CHR          a character device node likewise
 *   RUMP_ETFS_DIR          the host directory's files at `key' (no
 *                          subdirectories are shown)
 *   RUMP_ETFS_DIR_SUBDIRS  the host directory's whole tree at `key'
 * `key' is an absolute kernel path whose parent directory exists; the
 * node is made there unless (for the directory types) a directory is
 * already there, which is then covered.  The device nodes' numbers are
 * major 240, one minor per registration; a node made with mknod with
 * that number reaches the same host file.
 *
 * Each returns 0 or an errno (not -1): EEXIST (`key' is registered, or
 * a file is already at `key'), ENOENT (no such host path, the parent of
 * `key' is missing; for remove: `key' is not registered), ENOTDIR (a
 * directory type on a host file), EISDIR (a file type on a host
 * directory), EINVAL (a relative key, an unknown type), EBUSY (remove
 * while a file there is open), ENOSPC (too many devices).
 */
enum rump_etfs_type {
	RUMP_ETFS_REG,
	RUMP_ETFS_BLK,
	RUMP_ETFS_CHR,
	RUMP_ETFS_DIR,
	RUMP_ETFS_DIR_SUBDIRS
};
RUMP_API int rump_pub_etfs_register(const char *key, const char *hostpath,
				    enum rump_etfs_type ftype);
/*
 * _withsize: the key shows only `size' bytes of the host file from
 * offset `begin' (RUMP_ETFS_SIZE_ENDOFF: to its end), for the file and
 * device types: reads past the window's end see end of file, writes
 * there get ENOSPC.  EINVAL for a window on a directory type.
 */
#define RUMP_ETFS_SIZE_ENDOFF ((uint64_t)-1)
RUMP_API int rump_pub_etfs_register_withsize(const char *key,
					     const char *hostpath,
					     enum rump_etfs_type ftype,
					     uint64_t begin, uint64_t size);
RUMP_API int rump_etfs_register_withsize(const char *key, const char *hostpath,
					 enum rump_etfs_type ftype,
					 uint64_t begin, uint64_t size);
RUMP_API int rump_pub_etfs_remove(const char *key);
RUMP_API int rump_etfs_register(const char *key, const char *hostpath,
				enum rump_etfs_type ftype);
RUMP_API int rump_etfs_remove(const char *key);

#ifdef __cplusplus
}
#endif

#endif /* RUMP_RUMP_H */
