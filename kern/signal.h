/*
 * signal.h: POSIX signals as kernel state (kern_sig.c).
 *
 * A process has its dispositions (p_sigact) and a pending set for
 * process-directed signals; each lwp has its mask and a pending set for
 * signals sent to it (tkill, tgkill, SIGEV_THREAD_ID timers, SIGPIPE).  A
 * pending instance carries its siginfo: standard signals (1..31) are
 * pending at most once, real-time ones (32..64) queue with their values
 * up to RLIMIT_SIGPENDING.
 *
 * Locking: a process's signal state (p_sigact, p_sigpend, p_stopped and
 * its lwps' l_sigmask, l_sigpend, l_sigwait, l_sigstk) is under that
 * process's p_lock, and so is its lwp list (p_lwps is written under both
 * proc_lock and p_lock, so either one is enough to walk it).  An lwp
 * reads its own mask without the lock.  Lock order (see proc.h):
 *   proc_lock > p_lock > callout_lock > an lwp's park lock (a leaf)
 *   p_lock > sfd_lock (signalfd.c) > epoll's ep_lock > park lock
 * Callout handlers (callout.h) run with no lock held and take p_lock.
 *
 * Delivery: when a signal becomes pending for an lwp that does not block
 * it, the lwp's l_sigpending flag is set and one lwp's interruptible
 * sleeps end (lwp_interrupt).  syscall_exit() tests the flag on the way
 * out of every syscall and, if set, syscall_exit_work() takes the
 * signals: ignore, stop, end the process, or run the handler (a local
 * caller's on the calling host thread; others' through the lwp's
 * delivery hook, rump.h), and decides whether an interrupted call
 * (-ERESTART*, kernel.h) restarts.
 *
 * A signal whose default action terminates ends the process when it is
 * posted (or, if blocked, when it is unblocked): its lwps' blocking
 * calls return at once, the kernel thread closes its descriptors (when
 * no other process shares the table) and deletes its timers, its parent
 * gets SIGCHLD (CLD_KILLED/CLD_DUMPED), the status stays readable with
 * rump_proc_exitstatus(), and the host sees what the signal model says
 * (rump_boot_setsigmodel).  pid 0 and init (pid 1) are never ended.
 */
#ifndef RUMP_KERN_SIGNAL_H
#define RUMP_KERN_SIGNAL_H

#include <asm/signal.h>
#include <asm/siginfo.h>
#include <rump/rump.h>

#include "kernel.h"

struct proc;
struct lwp;

#define KNSIG 64
/* A signal set: bit (sig - 1), as the kernel's sigset_t on x86_64. */
typedef uint64_t ksigset_t;
#define SIGBIT(sig) (1ULL << ((sig)-1))
/* What can never be blocked or caught. */
#define SIG_CANTMASK (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define KSIGRTMIN 32
#define SIG_VALID(sig) ((sig) >= 1 && (sig) <= KNSIG)

/* The kernel layout of rt_sigaction's argument is rump.h's
 * struct rump_ksigaction. */
#define KSIG_DFL ((void *)0)
#define KSIG_IGN ((void *)1)
#define SA_RESTORER_ 0x04000000
#define SA_KNOWN                                                               \
	(SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART |  \
	 SA_NODEFER | SA_RESETHAND | SA_RESTORER_)

/* One pending instance. */
struct ksiginfo {
	struct ksiginfo *ksi_next;
	siginfo_t ksi_info;
};

struct sigpend {
	ksigset_t sp_set;
	struct ksiginfo *sp_head, **sp_tailp; /* FIFO of instances */
};

static inline void
sigpend_init(struct sigpend *sp)
{
	sp->sp_set = 0;
	sp->sp_head = NULL;
	sp->sp_tailp = &sp->sp_head;
}

/* The restart block of -ERESTART_RESTARTBLOCK (nanosleep and friends):
 * the call to make instead of the original on a restart. */
struct restart_block {
	long (*rb_fn)(struct lwp *l, struct restart_block *rb);
	int rb_clock;
	uint64_t rb_deadline; /* absolute, on rb_clock, in ns */
	void *rb_rmtp;        /* where the remaining time goes */
};

/* si_code values Linux uses for kernel-made signals. */
#ifndef SI_KERNEL
#define SI_KERNEL 0x80
#endif

/*
 * Posting.  sig_post_proc: a process-directed signal (kill, itimers,
 * rump_signal_post): pending in the process, one lwp that does not block
 * it is interrupted.  sig_post_lwp: a thread-directed one (tkill,
 * SIGPIPE, SIGEV_THREAD_ID).  `info' may be NULL (SI_KERNEL, no sender).
 * The _locked forms need p_lock (of l's process for sig_post_lwp).
 * Return 0, EINVAL (bad signal), or EAGAIN when a real-time signal
 * cannot be queued.  A signal that is ignored is dropped, as Linux does.
 * Callers need no other lock and may hold their own object locks as
 * long as those come before p_lock.
 */
int sig_post_proc(struct proc *p, int sig, const siginfo_t *info);
int sig_post_lwp(struct lwp *l, int sig, const siginfo_t *info);
int sig_post_proc_locked(struct proc *p, int sig, const siginfo_t *info);
int sig_post_lwp_locked(struct lwp *l, int sig, const siginfo_t *info);
/* The same, leaving the park of the lwp to wake in *kickp (if NULL so
 * far) for park_kick() after p_lock is dropped (sleepq.h); kickp NULL:
 * woken at once. */
struct lwp_park;
int sig_post_kick_locked(struct proc *p, struct lwp *target, int sig,
			 const siginfo_t *info, struct lwp_park **kickp);
/* A siginfo for signal `sig' with `code' (SI_USER...), sent by `l' (its
 * pid and real uid), NULL for the kernel. */
void sig_info_init(siginfo_t *si, int sig, int code, struct lwp *l);

/*
 * A call's temporary mask (ppoll, pselect6, epoll_pwait): swap puts
 * `mask' in place and stores the old one in *old; restore puts it back,
 * unless a signal the temporary mask lets through is pending: then it
 * is delivered first, on the way out of the call, and the old mask
 * comes back after its handler (as sigsuspend does).  `l' is curlwp.
 */
void sig_mask_swap(struct lwp *l, ksigset_t mask, ksigset_t *old);
void sig_mask_restore(struct lwp *l, ksigset_t old);

/* Dequeue the most urgent pending signal of `set' for `l' (its own
 * before the process's, then the lowest number) into *si, or 0.  A
 * timer's gets its overrun count.  p_lock held. */
int sig_dequeue_locked(struct lwp *l, ksigset_t set, siginfo_t *si);

/*
 * signalfd (signalfd.c): signalfd_notify_locked is told of every signal
 * that became pending in `p' (p_lock held), to wake signalfd readers
 * and pollers; signalfd_init makes its queue at boot.
 */
void signalfd_notify_locked(struct proc *p, int sig);
void signalfd_init(void);

/* Recompute l's l_sigpending after its mask or the pending sets
 * changed; p_lock held. */
void sig_update_lwp_locked(struct lwp *l);
/* Every lwp of `p'; p_lock held. */
void sig_update_proc_locked(struct proc *p);

/*
 * syscall_exit_work (syscall.h): the slow half of the syscall exit path:
 * delivers pending signals and turns restart codes into a restart of
 * call `nr' with `args' (or of the restart block), or -EINTR.
 */

/* The process was ended by a signal (its number), or 0.  Atomic. */
int proc_xsig(struct proc *p);

/* Process life cycle hooks, called by lwproc.c. */
void sig_proc_fork(struct proc *p, struct proc *parent, struct lwp *parent_lwp,
		   struct lwp *l);
void sig_lwp_init(struct lwp *l);
/* A process is gone (no lwps, unlinked): free its signal state and
 * timers.  No lock held. */
void sig_proc_free(struct proc *p);
/* An lwp is unlinked from its process: drop its pending signals. */
void sig_lwp_free(struct lwp *l);
/* CPU time of an lwp (the host thread it is bound to), nanoseconds. */
uint64_t lwp_cputime_ns(struct lwp *l);
/* CPU time of a process: its lwps' and its dead lwps'. p_lock held. */
uint64_t proc_cputime_ns_locked(struct proc *p);

/* Boot: the kernel thread (callout.h) and signal state of proc0/init. */
int sig_init(void);

/* The kernel thread's part: processes ended by a signal get their
 * descriptors closed, timers deleted and their parent told. */
void sig_termwork(void);
/* Posts queued by rump_signal_post() from host signal handlers. */
void sig_hostposts(void);

#endif /* RUMP_KERN_SIGNAL_H */
