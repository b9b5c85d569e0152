/*
 * rumpuser.h: the hypercall interface between the rumpkit kernel and its
 * host.
 *
 * The kernel (kern/, vfs/, ipc/) reaches the host only through the
 * functions declared here.  The interface follows NetBSD's rumpuser(3),
 * version 17: the same names and meanings wherever they fit, so a port to
 * another platform has a known target.  Differences, all deliberate:
 *
 *  - errno values and signal numbers are Linux's, because the kernel's
 *    ABI is Linux's: there are no translation tables.
 *  - There is no virtual-CPU scheduler: the kernel has no big lock and
 *    uses fine-grained locks, so blocking hypercalls simply block.  The
 *    hyp_backend_schedule/unschedule upcalls are kept for the ABI and
 *    called around blocking points, but they are cheap bookkeeping.
 *  - Two additions: a host-thread-exit upcall (so an lwp bound to a
 *    thread that exits is not leaked) and fault-safe user-memory copies
 *    (so copyin from a bad pointer gives EFAULT instead of a crash).
 *  - No dynamic-loading hypercall: components are linked statically.
 *
 * Conventions: functions returning int return 0 or a positive errno.
 * void functions cannot fail; if the host primitive fails the hypercall
 * layer aborts the process (that is a host bug, not a kernel error).
 */
#ifndef RUMP_RUMPUSER_H
#define RUMP_RUMPUSER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RUMPUSER_VERSION 17

struct lwp;
struct rumpuser_mtx;
struct rumpuser_rw;
struct rumpuser_cv;

/*
 * Upcalls: the kernel's entry points that the hypercall layer may call.
 * Field order is ABI.  The layer copies the table at rumpuser_init().
 */
struct rumpuser_hyperup {
	/* Full kernel entry/exit for a hypercall-owned thread. */
	void (*hyp_schedule)(void);
	void (*hyp_unschedule)(void);
	/* Around a blocking point inside a hypercall. */
	void (*hyp_backend_unschedule)(int nlocks, int *countp,
				       void *interlock);
	void (*hyp_backend_schedule)(int nlocks, void *interlock);
	/* rump_lwproc(3) operations for the hypercall layer. */
	void (*hyp_lwproc_switch)(struct lwp *l);
	void (*hyp_lwproc_release)(void);
	int (*hyp_lwproc_rfork)(void *priv, int flags, const char *comm);
	int (*hyp_lwproc_newlwp)(int pid);
	struct lwp *(*hyp_lwproc_curlwp)(void);
	/* Remote-client services (ENXIO until sysproxy exists). */
	int (*hyp_syscall)(int num, void *args, long *retval);
	void (*hyp_lwpexit)(void);
	void (*hyp_execnotify)(const char *comm);
	int (*hyp_getpid)(void);
	/*
	 * rumpkit addition (NetBSD's first reserved slot): a host thread
	 * that still had lwp `l' set as its context is exiting.  Called
	 * from the exiting thread, after its context was cleared.
	 */
	void (*hyp_hostthread_exit)(struct lwp *l);
	void *hyp__extra[7];
};

/*
 * rumpuser_init: check `version' (must equal RUMPUSER_VERSION, else
 * returns EINVAL without aborting), copy the upcall table, set up host
 * state (random source, thread-local storage).  Must be called once,
 * before any other hypercall except rumpuser_daemonize_begin() and
 * rumpuser_dprintf().  Errors: EINVAL (version), or the host's errno.
 */
int rumpuser_init(int version, const struct rumpuser_hyperup *hyp);

/* Parameters. */
#define RUMPUSER_PARAM_NCPU "_RUMPUSER_NCPU"
#define RUMPUSER_PARAM_HOSTNAME "_RUMPUSER_HOSTNAME"

/*
 * rumpuser_getparam: copy the value of parameter `name' as a NUL-
 * terminated string into buf[buflen].  _RUMPUSER_NCPU comes from
 * RUMP_NCPU (default "2", "host" = online host CPUs);
 * _RUMPUSER_HOSTNAME is "rump-<pid>.<host name>".  Other names are read
 * from the environment.  Errors: ENOENT (not set), EINVAL (unknown
 * mandatory "_" name), ENOMEM (value does not fit in buflen).
 */
int rumpuser_getparam(const char *name, void *buf, size_t buflen);

/* Console and termination. */
void rumpuser_putchar(int ch); /* one character to the host's stdout */
/* Formatted debug output to stderr; safe in any state, takes no lock. */
void rumpuser_dprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#define RUMPUSER_PANIC (-1)
/*
 * rumpuser_exit: end the host process with `value'; RUMPUSER_PANIC
 * prints "halted" and aborts (SIGABRT, a core dump where enabled).
 */
void rumpuser_exit(int value) __attribute__((noreturn));

/*
 * Memory.  rumpuser_malloc: `len' bytes aligned to `alignment' (0 means
 * pointer size; otherwise a power of two).  Errors: ENOMEM, EINVAL
 * (alignment not a power of two).  rumpuser_free: `len' is the size
 * passed to malloc.
 */
int rumpuser_malloc(size_t len, int alignment, void **memp);
void rumpuser_free(void *mem, size_t len);
/*
 * rumpuser_anonmmap: zero-filled private memory, `size' bytes, aligned to
 * 2^alignbit (0: page), executable if `exec'.  `prefaddr' is a hint.
 * A region of whole 2 MiB units aligned to at least 2 MiB is offered to
 * the host's huge pages.  Errors: ENOMEM, EINVAL.  rumpuser_unmap undoes
 * it.
 */
int rumpuser_anonmmap(void *prefaddr, size_t size, int alignbit, int exec,
		      void **memp);
void rumpuser_unmap(void *addr, size_t len);

/*
 * User-memory copies (rumpkit addition).  Copy `len' bytes from `src' to
 * `dst' where either may be a caller's (user) pointer.  A fault on either
 * side is caught and reported as EFAULT instead of killing the host; so
 * are NULL, the first page and non-canonical addresses.  The copy may be
 * partial when it fails.
 */
int rumpuser_ucopy(void *dst, const void *src, size_t len);
/*
 * Copy a NUL-terminated string of at most `maxlen' bytes including the
 * NUL.  *donep (if not NULL) gets the bytes copied including the NUL.
 * Errors: EFAULT, ENAMETOOLONG (no NUL within maxlen).
 */
int rumpuser_ucopystr(void *dst, const void *src, size_t maxlen, size_t *donep);

/* Files and block I/O.  Handles are small integers. */
#define RUMPUSER_OPEN_RDONLY 0x0000
#define RUMPUSER_OPEN_WRONLY 0x0001
#define RUMPUSER_OPEN_RDWR 0x0002
#define RUMPUSER_OPEN_ACCMODE 0x0003
#define RUMPUSER_OPEN_CREATE 0x0004
#define RUMPUSER_OPEN_EXCL 0x0008
#define RUMPUSER_OPEN_BIO 0x0010

/*
 * rumpuser_open: open host file `name' with `mode' (one access mode plus
 * CREATE, EXCL, BIO).  Created files get 0644 before the host umask.
 * Errors: EINVAL (bad access mode or unknown bits), host errno.
 */
int rumpuser_open(const char *name, int mode, int *fdp);
/* rumpuser_close: flush to storage and close; always returns 0. */
int rumpuser_close(int fd);

#define RUMPUSER_FT_OTHER 0
#define RUMPUSER_FT_DIR 1
#define RUMPUSER_FT_REG 2
#define RUMPUSER_FT_BLK 3
#define RUMPUSER_FT_CHR 4
/*
 * rumpuser_getfileinfo: size and RUMPUSER_FT_* type of host file `name'
 * (either out pointer may be NULL).  Devices are sized by seeking to the
 * end.  Errors: host errno, EOPNOTSUPP for a device of size 0.
 */
int rumpuser_getfileinfo(const char *name, uint64_t *size, int *type);

#define RUMPUSER_BIO_READ 0x01
#define RUMPUSER_BIO_WRITE 0x02
#define RUMPUSER_BIO_SYNC 0x04
typedef void (*rump_biodone_fn)(void *donearg, size_t done, int error);
/*
 * rumpuser_bio: start asynchronous block I/O of `dlen' bytes at `off' on
 * `fd' (opened with BIO); `op' is READ or WRITE, optionally | SYNC (data
 * durable before completion).  Returns at once; a host I/O thread calls
 * biodone(donearg, bytes, error) exactly once (bytes is 0 on error).
 */
void rumpuser_bio(int fd, int op, void *data, size_t dlen, int64_t off,
		  rump_biodone_fn biodone, void *donearg);

struct rumpuser_iovec {
	void *iov_base;
	size_t iov_len;
};
#define RUMPUSER_IOV_NOSEEK (-1)
/*
 * Synchronous vectored I/O.  `off' >= 0 is positioned I/O, NOSEEK uses
 * the handle's position.  *retv gets the bytes moved.  Errors: host
 * errno.
 */
int rumpuser_iovread(int fd, struct rumpuser_iovec *iov, size_t iovlen,
		     int64_t off, size_t *retv);
int rumpuser_iovwrite(int fd, const struct rumpuser_iovec *iov, size_t iovlen,
		      int64_t off, size_t *retv);

#define RUMPUSER_SYNCFD_READ 0x01
#define RUMPUSER_SYNCFD_WRITE 0x02
#define RUMPUSER_SYNCFD_BOTH (RUMPUSER_SYNCFD_READ | RUMPUSER_SYNCFD_WRITE)
#define RUMPUSER_SYNCFD_BARRIER 0x04
#define RUMPUSER_SYNCFD_SYNC 0x08
/*
 * rumpuser_syncfd: synchronise [start, start+len) (len 0: to the end).
 * Errors: EINVAL (neither READ nor WRITE), host errno.
 */
int rumpuser_syncfd(int fd, int flags, uint64_t start, uint64_t len);

/*
 * Console streams (rumpkit addition): the handles of the host's standard
 * input, output and error, usable with rumpuser_iovread/iovwrite (with
 * RUMPUSER_IOV_NOSEEK).  The kernel's console device reads and writes
 * them; they are never closed by the kernel.
 */
#define RUMPUSER_FD_STDIN 0
#define RUMPUSER_FD_STDOUT 1
#define RUMPUSER_FD_STDERR 2

/*
 * Host directory trees (rumpkit addition, for hostfs and etfs).  Names
 * are resolved relative to a directory handle `dirfd' (RUMPUSER_FS_CWD:
 * the host's working directory, or an absolute name) as the host's *at
 * calls do; flags, modes and file types are Linux's (O_*, AT_*, S_IF*,
 * RENAME_*), and errors are the host's errno.  Handles are closed with
 * rumpuser_fs_close, which does not sync (rumpuser_close does).  Every
 * call may block in the host; none takes a kernel lock.
 */
#define RUMPUSER_FS_CWD (-100)

struct rumpuser_stat {
	uint64_t st_dev, st_ino, st_nlink, st_rdev;
	int64_t st_size, st_blocks; /* blocks in 512-byte units */
	uint32_t st_mode, st_uid, st_gid, st_blksize;
	int64_t st_atime_ns, st_mtime_ns, st_ctime_ns; /* since the epoch */
};

struct rumpuser_statfs {
	uint64_t f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree,
		f_namelen, f_frsize;
};

/* Open `name' (O_* flags; O_CLOEXEC is always added), mode for O_CREAT.
 * O_PATH handles work as dirfd and with rumpuser_fs_fstat. */
int rumpuser_fs_openat(int dirfd, const char *name, int flags, int mode,
		       int *fdp);
/* A new handle on the same host file as `fd' (any handle, O_PATH ones
 * included) opened with `flags' (O_ACCMODE | O_APPEND | O_TRUNC ...). */
int rumpuser_fs_reopen(int fd, int flags, int *fdp);
/* Close a handle; returns 0 or the host's error. */
int rumpuser_fs_close(int fd);
/* Attributes of `name' (flags AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH with
 * name "" for dirfd itself). */
int rumpuser_fs_fstatat(int dirfd, const char *name, int flags,
			struct rumpuser_stat *st);
int rumpuser_fs_fstatfs(int fd, struct rumpuser_statfs *sf);
/* syncfs(2): write back the whole host file system holding the file of
 * `fd' (a handle that is not O_PATH). */
int rumpuser_fs_syncfs(int fd);
int rumpuser_fs_mkdirat(int dirfd, const char *name, int mode);
/* A FIFO, socket or regular node (mode has the type); devices need host
 * privilege (EPERM without). */
int rumpuser_fs_mknodat(int dirfd, const char *name, int mode, uint64_t dev);
int rumpuser_fs_symlinkat(const char *target, int dirfd, const char *name);
/* Link target into buf[size]; *lenp gets its length (not terminated). */
int rumpuser_fs_readlinkat(int dirfd, const char *name, char *buf, size_t size,
			   size_t *lenp);
/* Remove a name; AT_REMOVEDIR for a directory. */
int rumpuser_fs_unlinkat(int dirfd, const char *name, int flags);
/* renameat2: flags RENAME_NOREPLACE, RENAME_EXCHANGE. */
int rumpuser_fs_renameat(int olddirfd, const char *oldname, int newdirfd,
			 const char *newname, unsigned flags);
/* linkat(2); AT_SYMLINK_FOLLOW with a /proc/self/fd name links an open
 * (even O_PATH) handle's file. */
int rumpuser_fs_linkat(int olddirfd, const char *oldname, int newdirfd,
		       const char *newname, int flags);
/* Directory entries of open directory `fd' from its position, as Linux
 * struct linux_dirent64 records into buf[size]; *retp gets the bytes
 * filled (0 at the end).  EINVAL: buf too small for the next entry. */
int rumpuser_fs_getdents(int fd, void *buf, size_t size, size_t *retp);
/* lseek on a handle (directories: a getdents position). */
int rumpuser_fs_seek(int fd, int64_t off, int whence, int64_t *resp);
int rumpuser_fs_ftruncate(int fd, int64_t length);
/* fallocate(2) with Linux's mode bits. */
int rumpuser_fs_fallocate(int fd, int mode, int64_t off, int64_t len);
/* Permission bits, owner (-1 keeps), times in ns since the epoch with
 * RUMPUSER_FS_UTIME_NOW/OMIT, each on `name' relative to dirfd
 * (AT_EMPTY_PATH with "" for dirfd itself, AT_SYMLINK_NOFOLLOW). */
#define RUMPUSER_FS_UTIME_NOW (-1LL)
#define RUMPUSER_FS_UTIME_OMIT (-2LL)
int rumpuser_fs_fchmodat(int dirfd, const char *name, int mode, int flags);
int rumpuser_fs_fchownat(int dirfd, const char *name, int64_t uid, int64_t gid,
			 int flags);
int rumpuser_fs_utimensat(int dirfd, const char *name, int64_t atime_ns,
			  int64_t mtime_ns, int flags);
/*
 * Extended attributes of the host file behind handle `fd' (any handle:
 * O_PATH ones included, and a handle on a symlink reaches the link
 * itself, not its target).  The host's f*xattr calls refuse O_PATH
 * handles, so these go through the handle's /proc/self/fd magic link
 * with the following *xattr calls: a magic link leads to the open file
 * itself and is not resolved further.  Names are full ("user.x"), sizes
 * Linux's; errors are the host's: ENODATA (no such attribute), ERANGE
 * (buf too small; size 0 asks only the length), E2BIG, EEXIST and
 * ENODATA for the flags, EOPNOTSUPP (the host file system keeps none,
 * or not in that namespace), EPERM, EACCES, ENOSPC, EDQUOT.
 */
#define RUMPUSER_FS_XATTR_CREATE 0x1  /* Linux's XATTR_CREATE */
#define RUMPUSER_FS_XATTR_REPLACE 0x2 /* Linux's XATTR_REPLACE */
/* The value of `name' into buf[size]; *lenp gets its length. */
int rumpuser_fs_getxattr(int fd, const char *name, void *buf, size_t size,
			 size_t *lenp);
/* Set `name' to buf[size] (flags RUMPUSER_FS_XATTR_*, or 0). */
int rumpuser_fs_setxattr(int fd, const char *name, const void *buf,
			 size_t size, int flags);
/* The names (each NUL-terminated) in the host's order, into buf[size];
 * *lenp gets the list's length.  Every name the host process may see
 * is listed (trusted.* only to a privileged host process). */
int rumpuser_fs_listxattr(int fd, char *buf, size_t size, size_t *lenp);
int rumpuser_fs_removexattr(int fd, const char *name);

/* Clocks and sleeping. */
#define RUMPUSER_CLOCK_RELWALL 0 /* wall clock; relative sleeps */
#define RUMPUSER_CLOCK_ABSMONO 1 /* monotonic; absolute sleeps */
/*
 * rumpkit additions, read-only clocks for the kernel's clock_gettime:
 * the host's CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME (counts suspend), and
 * the coarse (tick-resolution, cheaper) wall and monotonic clocks.  They
 * cannot be slept on.
 */
#define RUMPUSER_CLOCK_MONORAW 2
#define RUMPUSER_CLOCK_BOOTTIME 3
#define RUMPUSER_CLOCK_RELWALL_COARSE 4
#define RUMPUSER_CLOCK_ABSMONO_COARSE 5
/*
 * Read a clock.  Cheap (no lock, no system call where the host has a
 * vDSO): the kernel's clock_gettime is this call.  Errors: EINVAL
 * (unknown clock).
 */
int rumpuser_clock_gettime(int clk, int64_t *sec, long *nsec);
/* rumpkit addition: the resolution of a clock.  Errors: EINVAL. */
int rumpuser_clock_getres(int clk, int64_t *sec, long *nsec);

/*
 * rumpkit addition: host threads' CPU time (user plus system), for the
 * kernel's thread and process CPU-time clocks.  rumpuser_thread_cpuclock
 * stores in *handlep a handle for the calling thread's CPU clock (cheap:
 * no system call); rumpuser_clock_thread reads the CPU time of the
 * thread a handle names, or of the calling thread for handle 0.  Errors:
 * ESRCH (that thread has exited), EINVAL.  A handle also names its thread
 * among the live ones: no two live threads of the host process have the
 * same, and none has 0 (the kernel tells its host threads apart by it).
 */
int rumpuser_thread_cpuclock(int64_t *handlep);
int rumpuser_clock_thread(int64_t handle, int64_t *sec, long *nsec);
/*
 * Sleep: RELWALL for at least the relative time, ABSMONO until the
 * monotonic clock reaches the absolute time.  Host EINTR is retried.
 * Errors: EINVAL (unknown clock, nsec out of [0, 1e9)).
 */
int rumpuser_clock_sleep(int clk, int64_t sec, long nsec);

/* Randomness. */
#define RUMPUSER_RANDOM_HARD 0x01
#define RUMPUSER_RANDOM_NOWAIT 0x02
/*
 * Fill up to `buflen' bytes from the host's random source; *retp gets
 * the count (may be short).  Errors: EINVAL (unknown flags), EAGAIN
 * (NOWAIT and no entropy yet), host errno.
 */
int rumpuser_getrandom(void *buf, size_t buflen, int flags, size_t *retp);

/* Threads. */
/*
 * rumpuser_thread_create: run fun(arg) on a new host thread with no lwp
 * set.  With `mustjoin' a join handle is stored in *cookie.  name,
 * priority and cpuidx are hints.  Errors: host errno (EAGAIN after
 * retries).
 */
int rumpuser_thread_create(void *(*fun)(void *), void *arg, const char *name,
			   int mustjoin, int priority, int cpuidx,
			   void **cookie);
void rumpuser_thread_exit(void) __attribute__((noreturn));
/* Wait for a mustjoin thread.  Errors: host errno. */
int rumpuser_thread_join(void *cookie);

/* Current lwp bookkeeping, per host thread. */
#define RUMPUSER_LWP_CREATE 0
#define RUMPUSER_LWP_DESTROY 1
#define RUMPUSER_LWP_SET 2
#define RUMPUSER_LWP_CLEAR 3
/*
 * rumpuser_curlwpop: CREATE/DESTROY announce a context's life; SET binds
 * `l' to the calling thread (none may be set); CLEAR unbinds it (`l' is
 * the current one).  A thread that exits with a context set reports it
 * through hyp_hostthread_exit.
 */
void rumpuser_curlwpop(int op, struct lwp *l);
/* The calling thread's context or NULL.  A thread-local load. */
struct lwp *rumpuser_curlwp(void);
/*
 * rumpuser_curlwp_exchange: rumpkit's addition.  Make `l' (or NULL) the
 * calling thread's context and return the previous one, in one call: a
 * SET after a CLEAR, for the kernel's context switch.  Whether `l' is
 * free is the kernel's to know (it claims `l' itself, and panics if it
 * cannot): nothing is checked here.
 */
struct lwp *rumpuser_curlwp_exchange(struct lwp *l);
/*
 * rumpuser_membar_threads: rumpkit's addition.  A full memory barrier in
 * the caller and in every other thread of the host process: when it
 * returns, each of them has passed a barrier since the call began.  So a
 * fast path may order its store and later load with no fence of its own
 * (a compiler barrier only) against a rare slow path that stores, calls
 * this and then loads: one of the two loads sees the other's store.  On
 * Linux, membarrier(2)'s private expedited command.  Costs a system call
 * and an interrupt of each CPU running one of those threads.  Errors:
 * host errno (ENOSYS, EINVAL: the host has none, the caller must not rely
 * on it).
 */
int rumpuser_membar_threads(void);

/* Mutexes.  Non-recursive. */
#define RUMPUSER_MTX_SPIN 0x01   /* never release the virtual CPU */
#define RUMPUSER_MTX_KMUTEX 0x02 /* track the owning lwp */
void rumpuser_mutex_init(struct rumpuser_mtx **mtxp, int flags);
void rumpuser_mutex_enter(struct rumpuser_mtx *mtx);
void rumpuser_mutex_enter_nowrap(struct rumpuser_mtx *mtx);
/* 0 if acquired, EBUSY if held. */
int rumpuser_mutex_tryenter(struct rumpuser_mtx *mtx);
void rumpuser_mutex_exit(struct rumpuser_mtx *mtx);
void rumpuser_mutex_destroy(struct rumpuser_mtx *mtx);
/* Owner lwp (KMUTEX mutexes only) or NULL. */
void rumpuser_mutex_owner(struct rumpuser_mtx *mtx, struct lwp **lp);

/* Reader/writer locks. */
#define RUMPUSER_RW_READER 0
#define RUMPUSER_RW_WRITER 1
void rumpuser_rw_init(struct rumpuser_rw **rwp);
void rumpuser_rw_enter(int mode, struct rumpuser_rw *rw);
/* 0 if acquired, EBUSY if not; EINVAL for a bad mode. */
int rumpuser_rw_tryenter(int mode, struct rumpuser_rw *rw);
/* Shared to exclusive if this is the only reader: 0, or EBUSY. */
int rumpuser_rw_tryupgrade(struct rumpuser_rw *rw);
/* Exclusive to shared, no writer can get in between. */
void rumpuser_rw_downgrade(struct rumpuser_rw *rw);
void rumpuser_rw_exit(struct rumpuser_rw *rw);
void rumpuser_rw_destroy(struct rumpuser_rw *rw);
/*
 * *heldp: WRITER: non-zero iff the calling lwp holds it exclusively;
 * READER: non-zero iff anyone holds it shared.
 */
void rumpuser_rw_held(int mode, struct rumpuser_rw *rw, int *heldp);

/* Condition variables. */
void rumpuser_cv_init(struct rumpuser_cv **cvp);
void rumpuser_cv_destroy(struct rumpuser_cv *cv);
void rumpuser_cv_wait(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx);
void rumpuser_cv_wait_nowrap(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx);
/* Relative timeout.  0 if signalled, ETIMEDOUT if it expired. */
int rumpuser_cv_timedwait(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx,
			  int64_t sec, int64_t nsec);
void rumpuser_cv_signal(struct rumpuser_cv *cv);
void rumpuser_cv_broadcast(struct rumpuser_cv *cv);
/* *waitersp: the number of threads waiting. */
void rumpuser_cv_has_waiters(struct rumpuser_cv *cv, int *waitersp);

/* Set the calling thread's errno (Linux numbering, no translation). */
void rumpuser_seterrno(int error);

/* Signals. */
#define RUMPUSER_PID_SELF ((int64_t)-1)
/*
 * Raise Linux signal `sig' in the host process (pid is a hint).
 * Errors: EINVAL (bad signal number), host errno.
 */
int rumpuser_kill(int64_t pid, int sig);

/*
 * rumpkit addition: a counting event for a kernel thread that must be
 * woken from a host signal handler (rump_signal_post).  post is
 * async-signal-safe (no lock, no allocation).  wait takes one count,
 * sleeping until there is one or until the monotonic clock reaches
 * (sec, nsec); sec < 0 means no deadline.  Returns 0 or ETIMEDOUT; a
 * host signal never ends the wait early.  init cannot fail (a host
 * failure aborts).
 */
struct rumpuser_sem;
void rumpuser_sem_init(struct rumpuser_sem **semp);
void rumpuser_sem_destroy(struct rumpuser_sem *sem);
void rumpuser_sem_post(struct rumpuser_sem *sem);
int rumpuser_sem_timedwait(struct rumpuser_sem *sem, int64_t sec, long nsec);

/*
 * Daemonizing.  begin (before rump_init): fork; the parent waits for the
 * child's done(error) and exits with it.  Errors: EINPROGRESS (already
 * begun), host errno.  done: ENOENT (not daemonizing), EPIPE.
 */
#define RUMP_DAEMONIZE_SUCCESS 0
int rumpuser_daemonize_begin(void);
int rumpuser_daemonize_done(int error);

#ifdef __cplusplus
}
#endif

#endif /* RUMP_RUMPUSER_H */
