/*
 * proc.h: processes and lwps (rump_lwproc(3)).
 *
 * A process is a resource container: pid, parent, credentials, umask,
 * limits, descriptor table and its lwps.  An lwp is an execution context
 * inside exactly one process.  Each host thread is bound to an lwp (the
 * hypercall layer's curlwp) or enters with an implicit context: an lwp of
 * pid 1 kept per host thread, so concurrent entries share no lock.
 *
 * Lock order (take in this order, never the reverse):
 *   setid_lock (sys_cred.c: one id change at a time, so each checks
 *   against the credential it replaces)
 *   > proc_lock (pid table, process list, parent/child links, lwp counts,
 *                process groups and sessions)
 *     > p_lock (p_cred, p_limit, p_umask, p_cwd, p_root of one process; its lwp list
 *               (written under both locks); its signal state and its
 *               lwps' (signal.h); its timers (timer.h))
 *       > callout_lock (callout.h)
 *       > implicit_lock (the pool of spare implicit lwps)
 *       > sfd_lock (signalfd.c: the queue of signalfd readers and
 *                   pollers, woken by posts) > epoll's ep_lock
 *     > lf_lock (vfs/lockf.h: advisory locks; the signal clean-up drops
 *               a killed process's record locks under proc_lock)
 *       > an lwp's park lock (sleepq.h, a leaf)
 * The descriptor table's own lock (fd.h) is never held with these.
 * Above proc_lock: the wait-queue locks of file types that can signal
 * (pipes, sockets, inotify, the console): an O_ASYNC wakeup posts its
 * signal under them (kern/sigio.h), so they are never taken under
 * proc_lock or p_lock.
 */
#ifndef RUMP_KERN_PROC_H
#define RUMP_KERN_PROC_H

#include <linux/resource.h>

#include "kernel.h"
#include "lock.h"
#include "signal.h"
#include "sleepq.h"

struct kauth_cred;
struct filedesc;
struct vnode;

#define PID_MAX 32768    /* pids and tids are 1 .. PID_MAX-1 */
#define PID_RESERVED 300 /* where allocation restarts after a wrap */
#define RLIM_NLIMITS 16
#define COMM_LEN 16

struct plimit {
	struct rlimit pl_rlimit[RLIM_NLIMITS];
};

struct proc {
	pid_t p_pid;
	pid_t p_ppid; /* under proc_lock; read with atomic_load */
	pid_t p_pgid, p_sid;
	struct proc *p_pptr;                 /* parent, under proc_lock */
	struct proc *p_children, *p_sibling; /* under proc_lock */
	struct proc *p_next, *p_prev;        /* allproc, under proc_lock */
	struct lwp *p_lwps;                  /* under proc_lock */
	int p_nlwps;                         /* under proc_lock */
	bool p_dead;                         /* under proc_lock */

	kmutex_t p_lock;
	struct kauth_cred *p_cred; /* p_lock to change; atomic to read */
	struct plimit p_limit;     /* p_lock */
	mode_t p_umask;            /* p_lock to change; atomic to read */
	struct filedesc *p_fd; /* p_lock to change (fd_unshare), with one lwp */
	char p_comm[COMM_LEN];

	/* Time and signals (signal.h, timer.h); p_lock unless noted. */
	struct rump_ksigaction p_sigact[KNSIG]; /* [sig - 1] */
	struct sigpend p_sigpend; /* process-directed pending signals */
	int p_nqueued;            /* queued instances, for the rlimit */
	int p_xsig;      /* ending signal (atomic; set once, under p_lock) */
	bool p_stopped;  /* stopped by a stop signal until SIGCONT */
	int p_stopsig;   /* the signal that stopped it */
	int p_cldnotify; /* CLD_STOPPED/CLD_CONTINUED for the parent, or 0 */
	struct waitq p_stopq;     /* lwps waiting out a stop */
	bool p_termdone;          /* kernel thread cleaned up; proc_lock */
	struct ptimers *p_timers; /* itimers and POSIX timers, made on use */
	uint64_t p_cpu_dead;      /* CPU ns of its released lwps */
	uint64_t p_cpu_children;  /* CPU ns of its ended children */

	/* File systems (vfs/): working directory and root, held vnodes;
	 * p_lock to change or to take a reference. */
	struct vnode *p_cwd;
	struct vnode *p_root;
};

/* l_flags */
#define LW_IMPLICIT 0x01 /* an implicit context of pid 1 */
#define LW_SYSTEM 0x02   /* a kernel thread's lwp (pid 0) */

/* l_biasrun: the lwp's owner thread's claim (lwproc.c) */
#define LWP_BIAS_IDLE 0
#define LWP_BIAS_CLAIMING 1 /* stored, l_shared not yet rechecked */
#define LWP_BIAS_HELD 2     /* current in its owner thread */

struct lwp {
	struct proc *l_proc;
	pid_t l_lid; /* thread id, unique kernel-wide like Linux's */
	unsigned l_flags;
	/* Which host thread has it current (lwproc.c, "Claiming an lwp"):
	 * through l_running, or through l_biasrun by its owner thread. */
	int l_running;  /* atomic: claimed by an atomic exchange */
	int l_biasrun;  /* atomic; written only by the l_bias thread */
	int64_t l_bias; /* owner thread's host handle, or 0; set at birth */
	int l_shared;   /* atomic: set once, then no thread uses l_biasrun */
	struct kauth_cred
		*l_cred; /* this lwp's reference, refreshed at entry */
	struct lwp *l_next, *l_prev; /* in p_lwps, under proc_lock */
	struct lwp *l_freenext;      /* in the implicit pool */
	/* Sleeping (sleepq.h): the park is made on first use. */
	struct lwp_park *l_park; /* atomic pointer, set once */
	int l_unparked;          /* under the park lock */
	int l_intr;              /* atomic: interruptible sleeps end */
	/* Time and signals (signal.h): under p_lock; the lwp reads its own
	 * mask without it. */
	int l_sigpending; /* atomic: the syscall exit path has work */
	ksigset_t l_sigmask;
	struct sigpend l_sigpend;
	ksigset_t l_sigwait;   /* sigtimedwait's set while it waits */
	ksigset_t l_sigsaved;  /* mask to restore after delivery ... */
	bool l_sigsaved_valid; /* ... set by sigsuspend */
	stack_t l_sigstk;      /* sigaltstack, recorded and reported */
	struct restart_block l_restart;
	/* Delivery hook of non-local callers (rump.h); NULL: call the
	 * handler on the calling host thread. */
	rump_sigdeliver_fn *l_sigdeliver;
	void *l_sigdeliver_arg;
	int64_t l_hostclk;   /* CPU clock of the host thread it is bound to;
			    * 0 once that thread has exited */
	uint64_t l_cpufinal; /* that thread's CPU time when it exited */
	uint64_t l_born;     /* monotonic ns at creation */
	/* A spare PATH_MAX_ buffer for path_alloc (vfs.h), or NULL: a path
	 * syscall then needs no allocation.  Only the lwp's thread uses it. */
	char *l_pathbuf;
};

extern struct proc proc0;     /* pid 0, the kernel */
extern struct proc *initproc; /* pid 1 */
extern struct lwp lwp0;

/*
 * curlwp: the calling host thread's lwp, set up for a kernel entry: an
 * implicit lwp of pid 1 is bound if the thread had none.  NULL only when
 * the kernel is not initialised (or memory ran out).
 */
struct lwp *lwp_enter(void);
/* Called on entry when l_cred is stale: take the process's new cred. */
void lwp_cred_refresh(struct lwp *l);

static inline struct lwp *
curlwp_enter(void)
{
	struct lwp *l = rumpuser_curlwp();

	if (__predict_false(l == NULL))
		l = lwp_enter();
	else if (__predict_false(l->l_cred !=
				 atomic_load_relaxed(&l->l_proc->p_cred)))
		lwp_cred_refresh(l);
	return l;
}

/* Whether `l' is current in some host thread now (a hint: it may change
 * at once unless the caller is that thread). */
static inline bool
lwp_is_running(struct lwp *l)
{
	return atomic_load_relaxed(&l->l_running) ||
	       atomic_load_relaxed(&l->l_biasrun) == LWP_BIAS_HELD;
}

/* Process lookup by pid; the caller holds proc_lock.  NULL if none. */
struct proc *proc_find_locked(pid_t pid);
/* The lwp with thread id `tid' (of a live process); proc_lock held. */
struct lwp *lwp_find_locked(pid_t tid);
/* The first process of the process list (then p_next); proc_lock held. */
struct proc *proc_first_locked(void);
void proc_lock_enter(void);
void proc_lock_exit(void);

/* Install a new credential in `p' and in lwp `l' of p; takes over the
 * caller's reference to `cr'. */
void proc_setcred(struct proc *p, struct lwp *l, struct kauth_cred *cr);

/* Default limits for init, as Linux's boot defaults. */
void plimit_init(struct plimit *pl);

/* Boot: proc0/lwp0 and init.  Returns 0 or an errno. */
int proc_bootstrap(void);

#endif /* RUMP_KERN_PROC_H */
