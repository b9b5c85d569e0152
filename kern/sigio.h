/*
 * sigio.h: file owners and signal-driven I/O (F_SETOWN, F_SETSIG,
 * O_ASYNC), as Linux's fown_struct and fasync lists.
 *
 * The owner.  Every file may have one (F_SETOWN, F_SETOWN_EX, and a
 * socket's FIOSETOWN/SIOCSPGRP): a thread (F_OWNER_TID), a process
 * (F_OWNER_PID) or a process group (F_OWNER_PGRP), with the uid and
 * euid of whoever set it, and the signal F_SETSIG chose (0: plain
 * SIGIO).  It is made on first use (f_owner) and lives as long as the
 * file.  SIGURG of sockets and the signals below go to it, each target
 * only if the setter's ids may signal it (Linux's sigio_perm).
 *
 * O_ASYNC.  A file type that can signal sets FO_CAN_ASYNC.  Turning
 * FASYNC on (F_SETFL, FIOASYNC) registers the file on the wait queues
 * its fo_poll names (poll.h), as a callback waiter that listens only to
 * the POLL_SIGIO key: the type decides, where Linux calls kill_fasync,
 * to call sigio_wakeup(wq, POLL_IN...), which costs one predictable
 * branch (wq_nsigio) when nobody asked.  The registered file's owner
 * then gets its signal: with F_SETSIG 0 a plain SIGIO (SI_KERNEL, no
 * fields); otherwise that signal with si_code the reason (SI_SIGIO for
 * a signal that has codes of its own), si_band Linux's band of the
 * reason and si_fd the descriptor FASYNC was set through; a real-time
 * one that cannot be queued (RLIMIT_SIGPENDING) becomes a plain SIGIO.
 * Turning FASYNC off, or the last close, takes the file off the queues.
 * As Linux, O_ASYNC given to open() shows in F_GETFL but registers
 * nothing, and then F_SETFL cannot change it (it only acts on a change
 * of the flag, and clearing a flag that registered nothing leaves it).
 *
 * Locking: sigio_lock (sigio.c: registrations, FASYNC changes) > the
 * queue locks of file types (pipe, socket, inotify, console) > proc_lock
 * > p_lock (a signal is posted from the wakeup, under the queue lock;
 * so no queue lock of a file that can signal may be taken under
 * proc_lock or p_lock) > sigio_ownlock (owners' fields, a leaf taken
 * for a copy).
 */
#ifndef RUMP_KERN_SIGIO_H
#define RUMP_KERN_SIGIO_H

#include "kernel.h"
#include "poll.h"

struct file;
struct lwp;

/* F_OWNER_* */
#define OWNER_TID 0
#define OWNER_PID 1
#define OWNER_PGRP 2

/* A copy of a file's owner.  A zero one is Linux's unset owner. */
struct sigio_owner {
	int so_type;  /* OWNER_* */
	int so_id;    /* 0: none */
	uid_t so_uid; /* the setter's */
	uid_t so_euid;
	int so_sig; /* F_SETSIG */
};

/* The state behind fp->f_owner, made on first use; under sigio_ownlock. */
struct fown {
	struct sigio_owner fo_own;
};

/*
 * The generic fcntl commands F_SETOWN, F_GETOWN, F_SETOWN_EX,
 * F_GETOWN_EX, F_SETSIG, F_GETSIG of any file: *handled false for
 * other commands.  0 or an errno (EINVAL, ESRCH, EFAULT, ENOMEM).
 */
int sigio_fcntl(struct lwp *l, struct file *fp, int cmd, unsigned long arg,
		long *rv, bool *handled);
/* F_SETOWN's `who' (> 0 a process, < 0 a group, 0 none) and F_GETOWN's
 * answer (0 once the owner is gone), for a socket's FIOSETOWN too. */
int sigio_setown_who(struct file *fp, int who);
int sigio_getown_who(struct file *fp);
/* A copy of fp's owner (zero if none). */
void sigio_owner_get(struct file *fp, struct sigio_owner *o);
/* Post `sig' (SIGURG) to the owner `o' as Linux's send_sigurg: without
 * fields, to every target the setter may signal.  Takes proc_lock. */
void sigio_owner_signal(const struct sigio_owner *o, int sig);

/*
 * FASYNC on or off for `fp' through descriptor `fd' (F_SETFL, FIOASYNC:
 * the caller saw the flag differ).  Only for files with FO_CAN_ASYNC.
 * 0 or ENOMEM; sets or clears FASYNC in f_flag.
 */
int sigio_fasync(struct file *fp, int fd, bool on);
/* The file's last reference is gone: sigio_file_gone drops its
 * registration (file_release, before fo_close), sigio_owner_free its
 * owner (after fo_close, which a socket's SIGURG senders wait for). */
void sigio_file_gone(struct file *fp);
void sigio_owner_free(struct file *fp);

/* The wakeup key of signal-driven I/O and how a reason (POLL_IN ..
 * POLL_HUP, 1..6) rides in it; SIGIO_KEY_URG: only for an owner with
 * an F_SETSIG signal (Linux sends SIGURG's companion only then). */
#define POLL_SIGIO 0x00800000u
#define SIGIO_KEY_SHIFT 16
#define SIGIO_KEY_URG 0x00400000u

/*
 * sigio_wakeup: the event `reason' (POLL_IN, POLL_OUT, POLL_MSG,
 * POLL_ERR, POLL_PRI, POLL_HUP) happened on the object of `wq': the
 * files registered there for O_ASYNC signal their owners.  Call with
 * the queue's lock held, where Linux calls kill_fasync.
 */
static inline void
sigio_wakeup(struct waitq *wq, int reason)
{
	if (__predict_false(wq->wq_nsigio != 0))
		waitq_wakeup_key(
			wq, POLL_SIGIO | ((unsigned)reason << SIGIO_KEY_SHIFT));
}
/* The companion of SIGURG (POLL_PRI, for owners with F_SETSIG). */
static inline void
sigio_wakeup_urg(struct waitq *wq)
{
	if (__predict_false(wq->wq_nsigio != 0))
		waitq_wakeup_key(wq, POLL_SIGIO | SIGIO_KEY_URG |
					     (POLL_PRI << SIGIO_KEY_SHIFT));
}

void sigio_init(void);

#endif /* RUMP_KERN_SIGIO_H */
