/*
 * uipc.c: AF_UNIX sockets: SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, in
 * the abstract namespace (and at paths once the VFS is there), with
 * descriptor passing (SCM_RIGHTS) and credentials (SCM_CREDENTIALS).
 *
 * A socket (struct usock) has one lock, one wait queue and a receive
 * queue of messages (struct umsg).  A sender appends to the receiver's
 * queue under the receiver's lock; the bytes it has queued anywhere are
 * charged to its own so_wqueued (SO_SNDBUF bounds it), and a receiver
 * that consumes a message gives the charge back and wakes the sender.
 * Two sockets' locks are never held together: a peer is reached through
 * a reference taken under one lock and used under the other.  Stream
 * sockets keep message boundaries internally only for ancillary data;
 * DGRAM and SEQPACKET deliver whole messages.
 *
 * Data is copied from the sender's buffer into the message with no lock
 * held and out of it by the one receiver that holds so_rbusy (the copy
 * happens unlocked too), so a sender and a receiver run in parallel.
 *
 * Descriptors in flight (SCM_RIGHTS) hold references to their files;
 * a message never received drops them when its queue is purged (the
 * receiver's close).  A socket whose only references are in flight in
 * its own or other such sockets' queues is found by unp_gc(), which runs
 * when a socket with descriptors in flight is closed, and purged.
 *
 * Lock order: unp_names_lock > nothing (a socket's lock is taken after
 * dropping it); unp_gc_lock > socket locks; a socket's so_pwmtx > a
 * socket's so_lock > another socket's so_spacelock (the peer-wake
 * relay) > epoll's ep_lock > park locks (ipc.h).
 */
#include <asm/socket.h>
#include <linux/un.h>
#include <linux/stat.h>

#include "cred.h"
#include "fd.h"
#include "ipc.h"
#include "ktime.h"
#include "proc.h"
#include "sigio.h"
#include "syscall.h"
#include "xattr.h"
#include "../vfs/vfs.h"

/* ---- the socket ABI (Linux x86_64) ------------------------------------ */

#define AF_UNSPEC 0
#define AF_UNIX 1
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_CLOEXEC O_CLOEXEC
#define SOCK_NONBLOCK O_NONBLOCK

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_CTRUNC 0x8
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_WAITFORONE_ 0x10000
#define MSG_CMSG_CLOEXEC 0x40000000
#define MSG_CMSG_COMPAT_ 0x80000000u

#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define SCM_MAX_FD 253

#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2

#define FIONREAD_ 0x541B
#define FIOSETOWN_ 0x8901
#define SIOCSPGRP_ 0x8902
#define FIOGETOWN_ 0x8903
#define SIOCGPGRP_ 0x8904
#define SIOCATMARK_ 0x8905
#define SIOCOUTQ_ 0x5411 /* TIOCOUTQ */

#define WMEM_DEFAULT 212992
#define WMEM_MAX 212992
#define SOCK_MIN_SNDBUF 4608
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83 /* Linux 6.16 */
#endif
/* so_optflags: the SOL_SOCKET flags that read back as set. */
#define SOF_DEBUG 0x01
#define SOF_DONTROUTE 0x02
#define SOF_BROADCAST 0x04
#define SOF_KEEPALIVE 0x08
#define SOF_OOBINLINE 0x10
#define SOF_NO_CHECK 0x20
#define SOF_LINGER 0x40
#define TC_PRIO_MAX_UNPRIV 6 /* TC_PRIO_INTERACTIVE */
#define LINGER_HZ 250        /* SO_LINGER keeps ticks of the host's HZ */
#define SOCK_MIN_RCVBUF 2304
#define MAX_DGRAM_QLEN 10 /* net.unix.max_dgram_qlen */
#define SOMAXCONN_ 4096
#define UNP_MSG_OVERHEAD 256 /* charged per message, like skb truesize */
#define UNP_STREAM_CHUNK (64 * 1024)
#define OVERFLOW_ID 65534

/* Private wait keys. */
#define UNP_KEY_RBUSY 0x40000000u
#define UNP_KEY_ACCSPACE 0x20000000u /* room in a listener's backlog */
#define UNP_KEY_DGSPACE 0x10000000u  /* room in a DGRAM receive queue */
#define UNP_KEY_DW 0x08000000u       /* a direct write was taken/done */

/* Direct writes (see unp_dw_offer): the least a write must carry, and
 * how long a writer waits for a reader to take its offer. */
#define UNP_DW_MIN (16 * 1024)
#define UNP_DW_WAIT_NS 100000ULL
#define UNP_DW_FAST_NS 10000ULL /* a hand-over this quick keeps it on */

enum { DW_OFFERED, DW_TAKEN, DW_DONE };

/* For the kern_unix_direct suite (it links the kernel's objects):
 * unp_dw_always offers to a waiting reader even when it is asleep in
 * the host, and waits up to UNP_DW_ALWAYS_NS for it (waking a sleeper
 * can take longer than UNP_DW_WAIT_NS on a loaded host), so that tests
 * reach the hand-over's edges whatever the timing; unp_dw_taken counts
 * hand-overs (atomic). */
#define UNP_DW_ALWAYS_NS 2000000000ULL
bool unp_dw_always;
unsigned long unp_dw_taken;

/* A writer's offer of its data to the receiver: on the writer's stack,
 * published in the receiving socket's so_dw; under that socket's lock. */
struct unp_dw {
	struct uio *dw_uio; /* the writer's data (user space) */
	int dw_state;       /* DW_* */
};

struct sockaddr {
	unsigned short sa_family;
	char sa_data[14];
};

struct msghdr {
	void *msg_name;
	int msg_namelen;
	struct iovec *msg_iov;
	size_t msg_iovlen;
	void *msg_control;
	size_t msg_controllen;
	int msg_flags;
};

struct cmsghdr {
	size_t cmsg_len;
	int cmsg_level;
	int cmsg_type;
};

struct ucred {
	int pid;
	uid_t uid;
	gid_t gid;
};

struct ktimeval {
	long tv_sec;
	long tv_usec;
};

/* SO_TIMESTAMP and friends (asm/socket.h names them by the libc's time
 * size; these are the x86_64 values), and what so_tsflags keeps of them
 * (Linux's SOCK_RCVTSTAMP, SOCK_RCVTSTAMPNS and SOCK_TSTAMP_NEW). */
#define SO_TIMESTAMP_OLD_ 29
#define SO_TIMESTAMPNS_OLD_ 35
#define SO_TIMESTAMP_NEW_ 63
#define SO_TIMESTAMPNS_NEW_ 64
#define SOT_RCV 0x1
#define SOT_NS 0x2
#define SOT_NEW 0x4

#define CMSG_ALIGN_(n) (((n) + sizeof(long) - 1) & ~(sizeof(long) - 1))
#define CMSG_HDRLEN CMSG_ALIGN_(sizeof(struct cmsghdr))
#define CMSG_LEN_(n) (CMSG_HDRLEN + (n))
#define CMSG_SPACE_(n) (CMSG_HDRLEN + CMSG_ALIGN_(n))

/* ---- objects ---------------------------------------------------------- */

struct unp_addr {
	unsigned ua_len; /* bytes of ua_sun used (family + name) */
	struct sockaddr_un ua_sun;
};

struct usock;

struct umsg {
	struct umsg *m_next;
	struct usock *m_sender; /* held: its so_wqueued carries m_charge */
	size_t m_len, m_off;
	size_t m_charge;
	struct ucred m_cred;
	bool m_hascred; /* SCM_CREDENTIALS given: m_cred stays */
	struct file **m_fds;
	int m_nfds;
	bool m_peeked; /* an empty datagram a peek returned (MSG_PEEK) */
	/* SO_TIMESTAMP (DGRAM, SEQPACKET): the realtime of the send, or of
	 * the first receive when the receiver asked for none then; in a
	 * receive's shell, with the receiver's SOT_* flags. */
	bool m_hasts;
	unsigned char m_tsflags;
	int64_t m_tstamp;
	char m_data[];
};

enum { SS_UNCONNECTED, SS_LISTENING, SS_CONNECTED, SS_CLOSED };

struct usock {
	unsigned so_refs; /* atomic */
	kmutex_t so_lock;
	struct waitq so_wq;
	int so_type;
	int so_state;
	unsigned so_shutdown; /* RCV_SHUTDOWN | SEND_SHUTDOWN */
	bool so_dead;         /* closed: its file is gone */
	bool so_connecting;
	bool so_rbusy;
	struct usock *so_peer; /* held */
	struct umsg *so_rhead, *so_rtail;
	size_t so_rbytes;
	unsigned so_rcount;
	size_t so_wqueued; /* atomic */
	int so_sndbuf, so_rcvbuf;
	int so_backlog;
	struct usock *so_acchead, *so_acctail, *so_accnext;
	unsigned so_qlen;
	struct unp_addr *so_addr; /* set once, under unp_names_lock too */
	struct ucred so_peercred;
	bool so_haspeercred;
	bool so_passcred, so_reuseaddr;
	bool so_norights; /* SO_PASSRIGHTS off: descriptors refused */
	/* Generic SOL_SOCKET options (Linux's sock.c keeps them for any
	 * socket; AF_UNIX does nothing with them but report them), and the
	 * stream receive's low-water mark.  Under so_lock. */
	unsigned so_optflags; /* SOF_* */
	int so_priority;
	unsigned so_mark;
	int so_linger;   /* SO_LINGER's seconds (SOF_LINGER on) */
	int so_rcvlowat; /* at least 1 */
	/* SO_PEEK_OFF: where MSG_PEEK starts, -1 (any negative): off.  Under
	 * so_lock; set only while no receive runs (so_rbusy clear), as
	 * Linux sets it under the receive's iolock. */
	int so_peekoff;
	unsigned char so_tsflags; /* SOT_*, under so_lock */
	/*
	 * MSG_OOB (STREAM, Linux's CONFIG_AF_UNIX_OOB): the message of one
	 * byte in so's queue that is the pending out-of-band byte, or NULL.
	 * Once taken by recv(MSG_OOB) it stays, emptied, as the mark a read
	 * stops at.  Under so_lock; changed by the receiver holding
	 * so_rbusy, or by a sender (a new one replaces it).  Its file's
	 * owner (sigio.h) gets SIGURG when one arrives.
	 */
	struct umsg *so_oob;
	/* A send found the send budget spent (Linux's SOCKWQ_ASYNC_NOSPACE):
	 * the next room made signals O_ASYNC owners (POLL_OUT), and clears
	 * it.  Under so_lock. */
	bool so_nospace;
	/* STREAM receives asleep for data (Linux's SOCKWQ_ASYNC_WAITDATA):
	 * while there are any, data and shutdowns signal no O_ASYNC owner.
	 * Under so_lock. */
	unsigned so_rsleep;
	int so_error;
	uint64_t so_rcvtimeo, so_sndtimeo; /* ns; 0: none */
	/* Descriptor passing: times this socket's file is in flight. */
	unsigned so_inflight;                /* under unp_gc_lock */
	struct usock *so_gcnext, *so_gcprev; /* on unp_gclist while in flight */
	struct file *so_file;                /* not held; for the collector */
	unsigned so_gcmark;
	struct usock *so_hnext; /* the names table */
	struct vnode *so_vp;    /* bound to a path: its VSOCK vnode, held */
	/* A full-sized stream message its receiver gave back, for this
	 * socket's next send (atomic pointer): no allocation per chunk. */
	struct umsg *so_spare;
	/*
	 * DGRAM POLLOUT when the connected peer's queue is full (Linux's
	 * peer_wake): so_pw waits on the peer's so_wq (so_pw_on, held) for
	 * room and relays the wakeup to so_spacewq, where this socket's
	 * pollers wait for POLLOUT.  so_pwmtx serializes moving so_pw
	 * (taken with no socket lock held); so_spacelock guards
	 * so_spacewq and is taken under the peer's so_lock by the relay.
	 */
	kmutex_t so_pwmtx;
	struct waiter so_pw;
	struct usock *so_pw_on;
	kmutex_t so_spacelock;
	struct waitq so_spacewq;
	/* STREAM direct writes, under so_lock: a writer's pending offer,
	 * readers asleep in unp_recv and the last of them to go to sleep
	 * (while it is there), and whether the last offer was taken
	 * quickly (then writers offer even before a reader waits). */
	struct unp_dw *so_dw;
	unsigned so_rwait;
	struct lwp *so_rlwp;
	bool so_dwmode;
	/* Its sockfs inode's mode, owner and times (ipc.h). */
	struct ipc_inode so_inode;
};

static kmutex_t unp_names_lock, unp_gc_lock;
#define UNP_NHASH 256
static struct usock *unp_names[UNP_NHASH];
static struct usock *unp_gclist;
static bool unp_gc_running;   /* under unp_gc_lock */
static unsigned unp_autoname; /* under unp_names_lock */

static void usock_rele(struct usock *so);

static void
usock_hold(struct usock *so)
{
	atomic_inc(&so->so_refs);
}

static struct usock *
usock_alloc(int type)
{
	struct usock *so = kmem_zalloc(sizeof(*so));

	if (so == NULL)
		return NULL;
	so->so_refs = 1;
	mutex_init(&so->so_lock);
	waitq_init(&so->so_wq);
	mutex_init(&so->so_pwmtx);
	mutex_init(&so->so_spacelock);
	waitq_init(&so->so_spacewq);
	so->so_type = type;
	so->so_state = SS_UNCONNECTED;
	so->so_sndbuf = WMEM_DEFAULT;
	so->so_rcvbuf = WMEM_DEFAULT;
	so->so_rcvlowat = 1;
	so->so_peekoff = -1;
	return so;
}

static void
addr_free(struct unp_addr *a)
{
	if (a != NULL)
		kmem_free(a, sizeof(*a));
}

static struct unp_addr *
addr_dup(const struct unp_addr *a)
{
	struct unp_addr *n;

	if (a == NULL || (n = kmem_alloc(sizeof(*n))) == NULL)
		return NULL;
	*n = *a;
	return n;
}

static void
usock_rele(struct usock *so)
{
	if (atomic_dec(&so->so_refs) != 0)
		return;
	KASSERT(so->so_rhead == NULL && so->so_peer == NULL);
	KASSERT(so->so_pw_on == NULL && waitq_empty(&so->so_spacewq));
	KASSERT(so->so_dw == NULL);
	mutex_destroy(&so->so_pwmtx);
	mutex_destroy(&so->so_spacelock);
	if (so->so_spare != NULL)
		kmem_free(so->so_spare,
			  sizeof(struct umsg) + so->so_spare->m_len);
	addr_free(so->so_addr);
	ipc_inode_fini(&so->so_inode);
	mutex_destroy(&so->so_lock);
	kmem_free(so, sizeof(*so));
}

static void
fill_cred(struct lwp *l, struct ucred *uc, bool effective)
{
	uc->pid = l->l_proc->p_pid;
	uc->uid = effective ? l->l_cred->cr_euid : l->l_cred->cr_uid;
	uc->gid = effective ? l->l_cred->cr_egid : l->l_cred->cr_gid;
}

/* ---- messages ----------------------------------------------------------- */

static struct umsg *
umsg_alloc(size_t len)
{
	struct umsg *m = kmem_alloc(sizeof(*m) + len);

	if (m == NULL)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->m_len = len;
	return m;
}

static void unp_gc_inflight(struct file *fp, int delta);

static bool so_writable(struct usock *so);

/* Data or a shutdown for `so': O_ASYNC owners hear `reason', unless a
 * STREAM receive sleeps waiting for data (Linux's SOCK_WAKE_WAITD).
 * so_lock held. */
static void
data_sigio(struct usock *so, int reason)
{
	if (so->so_type != SOCK_STREAM || so->so_rsleep == 0)
		sigio_wakeup(&so->so_wq, reason);
}

/* Room came back in so's send budget after a send found none: O_ASYNC
 * owners hear POLL_OUT once (Linux's unix_write_space, with
 * SOCK_WAKE_SPACE).  so_lock held. */
static void
space_sigio(struct usock *so)
{
	if (so->so_nospace && so->so_wq.wq_nsigio != 0 && so_writable(so)) {
		so->so_nospace = false;
		sigio_wakeup(&so->so_wq, POLL_OUT);
	}
}

/* Free a message: give its charge back to its sender and wake it, drop
 * the descriptors it still carries.  No lock held. */
static void
umsg_free(struct umsg *m)
{
	struct usock *s = m->m_sender;

	for (int i = 0; i < m->m_nfds; i++) {
		unp_gc_inflight(m->m_fds[i], -1);
		file_release(m->m_fds[i]);
	}
	if (m->m_fds != NULL)
		kmem_free(m->m_fds, sizeof(struct file *) * (size_t)m->m_nfds);
	if (s != NULL) {
		struct wakelist wl = WAKELIST_INIT;

		__atomic_sub_fetch(&s->so_wqueued, m->m_charge,
				   __ATOMIC_RELAXED);
		mutex_enter(&s->so_lock);
		ipc_wakeup_defer(&s->so_wq, POLLOUT | POLLWRNORM | POLLWRBAND,
				 &wl);
		if (__predict_false(s->so_nospace))
			space_sigio(s);
		mutex_exit(&s->so_lock);
		wakelist_kick(&wl);
		if (m->m_len == UNP_STREAM_CHUNK) {
			struct umsg *expect = NULL;

			if (__atomic_compare_exchange_n(
				    &s->so_spare, &expect, m, false,
				    __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
				usock_rele(s);
				return;
			}
		}
		usock_rele(s);
	}
	kmem_free(m, sizeof(*m) + m->m_len);
}

static void
umsg_free_list(struct umsg *m)
{
	struct umsg *next;

	for (; m != NULL; m = next) {
		next = m->m_next;
		umsg_free(m);
	}
}

/* Append `m' to so's queue and wake its readers (their host wakeups
 * in `wl', for after so_lock is dropped), and O_ASYNC owners unless
 * `quiet' (the caller signals them itself); so_lock held. */
static void
rcv_append(struct usock *so, struct umsg *m, struct wakelist *wl, bool quiet)
{
	m->m_next = NULL;
	if (so->so_rtail != NULL)
		so->so_rtail->m_next = m;
	else
		so->so_rhead = m;
	so->so_rtail = m;
	so->so_rbytes += m->m_len;
	so->so_rcount++;
	ipc_wakeup_defer(&so->so_wq, POLLIN | POLLRDNORM, wl);
	if (!quiet)
		data_sigio(so, POLL_IN); /* Linux's sock_def_readable */
}

/* Unlink the head message; so_lock held. */
static struct umsg *
rcv_unlink_head(struct usock *so)
{
	struct umsg *m = so->so_rhead;

	so->so_rhead = m->m_next;
	if (so->so_rhead == NULL)
		so->so_rtail = NULL;
	so->so_rbytes -= m->m_len - m->m_off;
	so->so_rcount--;
	m->m_next = NULL;
	if (so->so_type != SOCK_STREAM)
		ipc_wakeup(&so->so_wq, UNP_KEY_DGSPACE);
	return m;
}

/* ---- names ---------------------------------------------------------------- */

static unsigned
name_hash(const struct unp_addr *a)
{
	unsigned h = 2166136261u;
	const unsigned char *p = (const unsigned char *)&a->ua_sun;

	for (unsigned i = 0; i < a->ua_len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h % UNP_NHASH;
}

static bool
name_eq(const struct unp_addr *a, const struct unp_addr *b)
{
	return a->ua_len == b->ua_len &&
	       memcmp(&a->ua_sun, &b->ua_sun, a->ua_len) == 0;
}

/* The socket of `type' bound to abstract name `a', held; NULL if none.
 * As on Linux, each socket type has an abstract namespace of its own. */
static struct usock *
name_lookup(const struct unp_addr *a, int type)
{
	struct usock *so;

	mutex_enter(&unp_names_lock);
	for (so = unp_names[name_hash(a)]; so != NULL; so = so->so_hnext)
		if (so->so_type == type && name_eq(so->so_addr, a)) {
			usock_hold(so);
			break;
		}
	mutex_exit(&unp_names_lock);
	return so;
}

static void
name_remove(struct usock *so)
{
	struct usock **pp;

	mutex_enter(&unp_names_lock);
	for (pp = &unp_names[name_hash(so->so_addr)]; *pp != NULL;
	     pp = &(*pp)->so_hnext)
		if (*pp == so) {
			*pp = so->so_hnext;
			break;
		}
	mutex_exit(&unp_names_lock);
}

/* Parse a user sockaddr_un of `len' bytes into *a.  0, EINVAL, EFAULT.
 * *abstract tells the namespace. */
static int
addr_in(const void *uaddr, int len, struct unp_addr *a, bool *abstract)
{
	if (len < (int)sizeof(unsigned short) ||
	    len > (int)sizeof(struct sockaddr_un))
		return EINVAL;
	memset(a, 0, sizeof(*a));
	if (copyin(uaddr, &a->ua_sun, (size_t)len) != 0)
		return EFAULT;
	if (a->ua_sun.sun_family != AF_UNIX)
		return EINVAL;
	a->ua_len = (unsigned)len;
	*abstract = len > 2 && a->ua_sun.sun_path[0] == '\0';
	if (!*abstract && len > 2) {
		/* A path: up to its NUL, as Linux's unix_mkname. */
		size_t n = kstrnlen(a->ua_sun.sun_path, (size_t)len - 2);
		a->ua_len = (unsigned)(2 + n + 1);
		if (a->ua_len > sizeof(a->ua_sun))
			a->ua_len = sizeof(a->ua_sun);
	}
	return 0;
}

static bool
addr_is_path(const struct unp_addr *a)
{
	return a->ua_len > 2 && a->ua_sun.sun_path[0] != '\0';
}

/* The path of a path name, NUL-terminated, in `buf' (UNIX_PATH_MAX+1). */
static void
addr_kpath(const struct unp_addr *a, char *buf)
{
	size_t n = kstrnlen(a->ua_sun.sun_path, UNIX_PATH_MAX);

	memcpy(buf, a->ua_sun.sun_path, n);
	buf[n] = '\0';
}

/* Copy the name `a' (NULL: unnamed) out to a user sockaddr with its
 * length at `ulen' (in: room, out: the full length). */
static int
addr_out(const struct unp_addr *a, void *uaddr, int *ulen)
{
	struct unp_addr unnamed = { .ua_len = 2, .ua_sun.sun_family = AF_UNIX };
	int room;

	if (a == NULL)
		a = &unnamed;
	if (copyin(ulen, &room, sizeof(room)) != 0)
		return EFAULT;
	if (room < 0)
		return EINVAL;
	if (copyout(&a->ua_sun, uaddr, MIN((size_t)room, a->ua_len)) != 0)
		return EFAULT;
	room = (int)a->ua_len;
	return copyout(&room, ulen, sizeof(room));
}

/* ---- descriptors in flight and the collector ------------------------- */

static const struct fileops unp_fileops_;

static struct usock *
file_usock(struct file *fp)
{
	return fp->f_ops == &unp_fileops_ ? fp->f_data : NULL;
}

/* A socket file enters or leaves flight. */
static void
unp_gc_inflight(struct file *fp, int delta)
{
	struct usock *so = file_usock(fp);

	if (so == NULL)
		return;
	mutex_enter(&unp_gc_lock);
	if (delta > 0 && so->so_inflight++ == 0) {
		so->so_gcprev = NULL;
		so->so_gcnext = unp_gclist;
		if (unp_gclist != NULL)
			unp_gclist->so_gcprev = so;
		unp_gclist = so;
	} else if (delta < 0 && --so->so_inflight == 0) {
		if (so->so_gcprev != NULL)
			so->so_gcprev->so_gcnext = so->so_gcnext;
		else
			unp_gclist = so->so_gcnext;
		if (so->so_gcnext != NULL)
			so->so_gcnext->so_gcprev = so->so_gcprev;
	}
	mutex_exit(&unp_gc_lock);
}

/*
 * The collector.  Candidates: sockets in flight all of whose file
 * references are in flight.  A candidate is alive if it is reachable
 * from outside: some of its in-flight references sit in the queue of a
 * socket that is not a dead candidate.  What stays dead is garbage:
 * its queues are purged, which drops the references and frees it.
 */
static void
unp_gc(void)
{
	struct usock *so;
	struct umsg *m, *purge = NULL;
	bool changed;

	mutex_enter(&unp_gc_lock);
	if (unp_gc_running) {
		mutex_exit(&unp_gc_lock);
		return; /* a release from our own purge */
	}
	unp_gc_running = true;
	/* Mark candidates (1) and count the references from candidates. */
	for (so = unp_gclist; so != NULL; so = so->so_gcnext)
		so->so_gcmark = atomic_load_relaxed(&so->so_file->f_count) ==
						so->so_inflight
					? 1
					: 0;
	do {
		changed = false;
		for (so = unp_gclist; so != NULL; so = so->so_gcnext) {
			unsigned internal = 0;

			if (so->so_gcmark != 1)
				continue;
			/* References held by queues of dead candidates. */
			for (struct usock *q = unp_gclist; q != NULL;
			     q = q->so_gcnext) {
				if (q->so_gcmark != 1)
					continue;
				mutex_enter(&q->so_lock);
				for (m = q->so_rhead; m != NULL; m = m->m_next)
					for (int i = 0; i < m->m_nfds; i++)
						if (m->m_fds[i]->f_data == so)
							internal++;
				mutex_exit(&q->so_lock);
			}
			if (internal < so->so_inflight) {
				so->so_gcmark = 0; /* reachable */
				changed = true;
			}
		}
	} while (changed);
	/* Take the garbage's queues; hold each so it survives the purge. */
	for (so = unp_gclist; so != NULL; so = so->so_gcnext) {
		if (so->so_gcmark != 1)
			continue;
		mutex_enter(&so->so_lock);
		m = so->so_rhead;
		so->so_rhead = so->so_rtail = NULL;
		so->so_oob = NULL;
		so->so_rbytes = 0;
		so->so_rcount = 0;
		mutex_exit(&so->so_lock);
		if (m != NULL) {
			struct umsg *t = m;
			while (t->m_next != NULL)
				t = t->m_next;
			t->m_next = purge;
			purge = m;
		}
	}
	mutex_exit(&unp_gc_lock);
	umsg_free_list(purge);
	mutex_enter(&unp_gc_lock);
	unp_gc_running = false;
	mutex_exit(&unp_gc_lock);
}

/* ---- socket lifecycle -------------------------------------------------- */

/* Wake everyone on `so' (state changed); so_lock held. */
static void
wake_all(struct usock *so)
{
	ipc_wakeup(&so->so_wq, ~0u);
}

static void peerwake_set(struct usock *so, struct usock *peer);

/*
 * DGRAM `so' left its peer `old' (a send found it gone, AF_UNSPEC, a
 * connect elsewhere).  As Linux, what waits in so's own queue is dropped
 * and, if there was any and `old' is connected back to `so', `old' gets
 * ECONNRESET: the two-way link broke and messages were lost.  A head
 * message a receiver is copying out (so_rbusy) stays for it to take.
 * No lock held; the caller holds `old'.
 */
static void
dgram_disconnected(struct usock *so, struct usock *old)
{
	struct umsg *purge, *keep;

	mutex_enter(&so->so_lock);
	keep = so->so_rbusy ? so->so_rhead : NULL;
	purge = keep != NULL ? keep->m_next : so->so_rhead;
	if (keep != NULL) {
		keep->m_next = NULL;
		so->so_rtail = keep;
		so->so_rbytes = keep->m_len - keep->m_off;
		so->so_rcount = 1;
	} else {
		so->so_rhead = so->so_rtail = NULL;
		so->so_rbytes = 0;
		so->so_rcount = 0;
	}
	if (purge != NULL)
		wake_all(so);
	mutex_exit(&so->so_lock);
	if (purge == NULL)
		return;
	mutex_enter(&old->so_lock);
	if (!old->so_dead && old->so_peer == so) {
		old->so_error = ECONNRESET;
		wake_all(old);
	}
	mutex_exit(&old->so_lock);
	umsg_free_list(purge);
}

/* Tear down `so': its file is gone (or, for an `embryo', its
 * listener). */
static void
usock_teardown(struct usock *so, bool embryo)
{
	struct usock *peer, *emb, *next;
	struct umsg *purge;
	bool had_data, inflight;

	if (so->so_addr != NULL && !addr_is_path(so->so_addr))
		name_remove(so);
	peerwake_set(so, NULL);
	if (so->so_vp != NULL) {
		/* The name stays in the file system, refusing connections. */
		mutex_enter(&unp_names_lock);
		atomic_store_rel(&so->so_vp->v_ipc, NULL);
		mutex_exit(&unp_names_lock);
		vnode_rele(so->so_vp);
		so->so_vp = NULL;
	}
	mutex_enter(&so->so_lock);
	so->so_dead = true;
	so->so_state = SS_CLOSED;
	so->so_shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
	peer = so->so_peer;
	so->so_peer = NULL;
	purge = so->so_rhead;
	so->so_oob = NULL;
	/* Linux skips a head of no bytes (a consumed OOB byte's rest, for
	 * it) when it decides whether data was lost. */
	had_data = purge != NULL &&
		   (purge->m_len > purge->m_off || purge->m_next != NULL);
	so->so_rhead = so->so_rtail = NULL;
	so->so_rbytes = 0;
	so->so_rcount = 0;
	emb = so->so_acchead;
	so->so_acchead = so->so_acctail = NULL;
	so->so_qlen = 0;
	wake_all(so);
	mutex_exit(&so->so_lock);

	if (peer != NULL) {
		mutex_enter(&peer->so_lock);
		/* A connection's other end learns of the close; a DGRAM
		 * peer does not (Linux leaves it untouched and unwoken, so
		 * an edge-triggered poller sees no event).  Lost data, or
		 * a connection nobody accepted, is a reset (Linux's
		 * unix_release_sock). */
		if (peer->so_peer == so && so->so_type != SOCK_DGRAM) {
			peer->so_shutdown = RCV_SHUTDOWN | SEND_SHUTDOWN;
			if (had_data || embryo)
				peer->so_error = ECONNRESET;
			wake_all(peer);
			data_sigio(peer, POLL_HUP);
		}
		mutex_exit(&peer->so_lock);
		usock_rele(peer);
	}
	/* Connections nobody accepted: their clients see the end. */
	for (; emb != NULL; emb = next) {
		next = emb->so_accnext;
		usock_teardown(emb, true);
		usock_rele(emb);
	}
	mutex_enter(&unp_gc_lock);
	inflight = unp_gclist != NULL;
	mutex_exit(&unp_gc_lock);
	umsg_free_list(purge);
	if (inflight)
		unp_gc();
}

static void
usock_close(struct usock *so)
{
	usock_teardown(so, false);
}

/* ---- the socket file --------------------------------------------------- */

static int unp_send(struct lwp *l, struct usock *so, struct uio *uio, int flags,
		    const struct unp_addr *to, struct umsg *anc, bool nonblock,
		    size_t *sent);
static int unp_recv(struct lwp *l, struct usock *so, struct uio *uio,
		    int *flags, struct unp_addr **fromp, struct umsg **ancp,
		    bool nonblock, size_t *lenp);

static int
soo_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	int flags = 0;
	size_t len;

	/* Linux's sock_read_iter: a read of nothing returns at once (recv
	 * of 0 bytes still waits for data, as there). */
	if (uio->uio_resid == 0)
		return 0;
	return unp_recv(rumpuser_curlwp(), fp->f_data, uio, &flags, NULL, NULL,
			(ioflags & IO_NONBLOCK) != 0, &len);
}

static int
soo_write(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	size_t sent;

	return unp_send(rumpuser_curlwp(), fp->f_data, uio,
			(ioflags & IO_NOSIGNAL) ? MSG_NOSIGNAL : 0, NULL, NULL,
			(ioflags & IO_NONBLOCK) != 0, &sent);
}

static int
soo_stat(struct file *fp, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 0x08; /* sockfs */
	st->st_ino = (unsigned long)((uintptr_t)fp->f_data >> 4) & 0xffffff;
	st->st_nlink = 1;
	st->st_blksize = IPC_PAGE;
	ipc_inode_stat(&((struct usock *)fp->f_data)->so_inode, st);
	return 0;
}

/* fo_lockf: the socket's inode holds the locks. */
static struct lockf_head *
soo_lockf(struct file *fp)
{
	return &((struct usock *)fp->f_data)->so_inode.ii_locks;
}

static int
soo_setattr(struct file *fp,
	    int (*decide)(void *arg, const struct vattr *cur, struct vattr *va),
	    void *arg)
{
	return ipc_inode_setattr(&((struct usock *)fp->f_data)->so_inode,
				 decide, arg);
}

static bool
so_writable(struct usock *so)
{
	return atomic_load_relaxed(&so->so_wqueued) * 4 <=
	       (size_t)so->so_sndbuf;
}

/* The peer's queue of `so' has room, or the peer changed state: wake
 * so's POLLOUT pollers.  Under the peer's so_lock. */
static bool
peerwake_relay(struct waiter *w, unsigned key)
{
	struct usock *so = w->w_arg;

	mutex_enter(&so->so_spacelock);
	ipc_wakeup(&so->so_spacewq, POLLOUT | POLLWRNORM | POLLWRBAND);
	mutex_exit(&so->so_spacelock);
	return false;
}

/* Put so's relay on `peer''s queue (NULL: take it off).  No socket
 * lock held. */
static void
peerwake_set(struct usock *so, struct usock *peer)
{
	struct usock *old;

	mutex_enter(&so->so_pwmtx);
	old = so->so_pw_on;
	if (old == peer) {
		mutex_exit(&so->so_pwmtx);
		return;
	}
	if (old != NULL) {
		mutex_enter(&old->so_lock);
		waitq_dequeue(&old->so_wq, &so->so_pw);
		mutex_exit(&old->so_lock);
	}
	if (peer != NULL) {
		usock_hold(peer);
		mutex_enter(&peer->so_lock);
		waitq_enqueue_func(&peer->so_wq, &so->so_pw, peerwake_relay, so,
				   UNP_KEY_DGSPACE | POLL_ALWAYS);
		mutex_exit(&peer->so_lock);
	}
	so->so_pw_on = peer;
	mutex_exit(&so->so_pwmtx);
	if (old != NULL)
		usock_rele(old);
}

/* Whether `peer' (held), the connected peer of DGRAM socket `so', has
 * no room for so's datagrams: as Linux, a peer connected elsewhere
 * whose queue is over max_dgram_qlen. */
static bool
peer_full(struct usock *so, struct usock *peer)
{
	bool full;

	mutex_enter(&peer->so_lock);
	full = !peer->so_dead && peer->so_peer != so &&
	       peer->so_rcount > MAX_DGRAM_QLEN;
	mutex_exit(&peer->so_lock);
	return full;
}

static int
soo_poll(struct file *fp, int events, struct polltable *pt)
{
	struct usock *so = fp->f_data, *peer = NULL;
	const int out = POLLOUT | POLLWRNORM | POLLWRBAND;
	int mask = 0;

	poll_wait(pt, &so->so_wq, &so->so_lock);
	if (so->so_type == SOCK_DGRAM && (events & out))
		poll_wait(pt, &so->so_spacewq, &so->so_spacelock);
	mutex_enter(&so->so_lock);
	if (so->so_error != 0)
		mask |= POLLERR;
	if (so->so_shutdown == (RCV_SHUTDOWN | SEND_SHUTDOWN))
		mask |= POLLHUP;
	if (so->so_shutdown & RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (so->so_rhead != NULL || so->so_acchead != NULL || so->so_dw != NULL)
		mask |= POLLIN | POLLRDNORM;
	if (so->so_oob != NULL)
		mask |= POLLPRI;
	if (so->so_type != SOCK_DGRAM && so->so_state == SS_UNCONNECTED)
		mask |= POLLHUP;
	if (so->so_state != SS_LISTENING && so_writable(so) &&
	    !(so->so_shutdown & SEND_SHUTDOWN))
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	else if (so->so_state != SS_LISTENING &&
		 (so->so_shutdown & SEND_SHUTDOWN))
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	if (so->so_type == SOCK_DGRAM && (mask & events & out) &&
	    !(so->so_shutdown & SEND_SHUTDOWN) && so->so_peer != NULL) {
		peer = so->so_peer;
		usock_hold(peer);
	}
	mutex_exit(&so->so_lock);
	if (peer != NULL) {
		/* Relay first, then look: room made meanwhile wakes us. */
		if (peer_full(so, peer)) {
			peerwake_set(so, peer);
			if (peer_full(so, peer))
				mask &= ~out;
		}
		usock_rele(peer);
	}
	return mask & (events | POLL_ALWAYS);
}

static int
soo_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct usock *so = fp->f_data;
	int n;

	switch (cmd) {
	case FIONREAD_: /* SIOCINQ */
		/* Linux's unix_inq_len: the bytes queued for STREAM and
		 * SEQPACKET, the next datagram's size for DGRAM. */
		mutex_enter(&so->so_lock);
		if (so->so_state == SS_LISTENING) {
			mutex_exit(&so->so_lock);
			return EINVAL;
		}
		n = so->so_type != SOCK_DGRAM
			    ? (int)so->so_rbytes
			    : (so->so_rhead != NULL ? (int)so->so_rhead->m_len
						    : 0);
		if (so->so_dw != NULL) /* a writer's offer counts too */
			n += (int)so->so_dw->dw_uio->uio_resid;
		mutex_exit(&so->so_lock);
		return copyout(&n, data, sizeof(n));
	case SIOCATMARK_:
		/* Linux's: whether a read is at the pending out-of-band
		 * byte, or at the mark a taken one left (streams only). */
		if (so->so_type != SOCK_STREAM)
			return EOPNOTSUPP;
		mutex_enter(&so->so_lock);
		n = so->so_rhead != NULL &&
		    (so->so_rhead == so->so_oob ||
		     (so->so_rhead->m_off == so->so_rhead->m_len &&
		      (so->so_oob == NULL ||
		       so->so_rhead->m_next == so->so_oob)));
		mutex_exit(&so->so_lock);
		return copyout(&n, data, sizeof(n));
	case FIOSETOWN_:
	case SIOCSPGRP_:
		if (copyin(data, &n, sizeof(n)) != 0)
			return EFAULT;
		return sigio_setown_who(fp, n);
	case FIOGETOWN_:
	case SIOCGPGRP_:
		n = sigio_getown_who(fp);
		return copyout(&n, data, sizeof(n));
	case SIOCOUTQ_:
		/* What this socket sent that its receiver has not taken
		 * (with the per-message overhead, as Linux's wmem_alloc). */
		mutex_enter(&so->so_lock);
		if (so->so_state == SS_LISTENING) {
			mutex_exit(&so->so_lock);
			return EINVAL;
		}
		mutex_exit(&so->so_lock);
		n = (int)atomic_load_relaxed(&so->so_wqueued);
		return copyout(&n, data, sizeof(n));
	default:
		return ENOTTY;
	}
}

static void
soo_close(struct file *fp)
{
	struct usock *so = fp->f_data;

	usock_close(so);
	usock_rele(so);
}

/* Linux's sockfs names the protocol in system.sockprotoname. */
static int
soo_xattr(struct file *fp, struct xattr_req *rq)
{
	struct usock *so = fp->f_data;

	return xattr_sockfs_request(
		rq, so->so_type == SOCK_STREAM ? "UNIX-STREAM" : "UNIX");
}

static const struct fileops unp_fileops_ = {
	.fo_read = soo_read,
	.fo_write = soo_write,
	.fo_stat = soo_stat,
	.fo_ioctl = soo_ioctl,
	.fo_poll = soo_poll,
	.fo_close = soo_close,
	.fo_setattr = soo_setattr,
	.fo_lockf = soo_lockf,
	.fo_xattr = soo_xattr,
	.fo_caps = FO_CAN_ASYNC,
};

/* A file for `so' (taking over the caller's reference) at a new fd. */
static int
usock_install(struct lwp *l, struct usock *so, int flags, int *fdp)
{
	struct file *fp;
	int error;

	if ((error = file_alloc(&unp_fileops_, so,
				O_RDWR | (flags & SOCK_NONBLOCK), l->l_cred,
				&fp)) != 0) {
		usock_close(so);
		usock_rele(so);
		return error;
	}
	/* Linux's sock_alloc: the installer's, times 0. */
	ipc_inode_init(&so->so_inode, S_IFSOCK | 0777, l->l_cred, 0);
	atomic_store_rel(&so->so_file, fp); /* see msg_creds */
	error = fd_alloc(l->l_proc, fp, 0, (flags & SOCK_CLOEXEC) != 0, fdp);
	file_release(fp);
	return error;
}

/* The socket open on `fd', its file held in *fpp.  EBADF, ENOTSOCK. */
static int
getsock(struct lwp *l, int fd, struct file **fpp, struct usock **sop)
{
	struct file *fp = fd_getfile(l->l_proc, fd);

	if (fp == NULL)
		return EBADF;
	if (fp->f_ops != &unp_fileops_) {
		file_release(fp);
		return ENOTSOCK;
	}
	*fpp = fp;
	*sop = fp->f_data;
	return 0;
}

static int
check_type(int type, int *kindp)
{
	int kind = type & SOCK_TYPE_MASK;

	if (type & ~(SOCK_TYPE_MASK | SOCK_CLOEXEC | SOCK_NONBLOCK))
		return EINVAL;
	if (kind == SOCK_RAW)
		kind = SOCK_DGRAM; /* as Linux's unix_create */
	if (kind != SOCK_STREAM && kind != SOCK_DGRAM && kind != SOCK_SEQPACKET)
		return ESOCKTNOSUPPORT;
	*kindp = kind;
	return 0;
}

long
sys_socket(struct lwp *l, int domain, int type, int protocol)
{
	struct usock *so;
	int error, kind, fd;

	if (domain != AF_UNIX)
		return -EAFNOSUPPORT;
	if ((error = check_type(type, &kind)) != 0)
		return -error;
	if (protocol != 0 && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if ((so = usock_alloc(kind)) == NULL)
		return -ENOMEM;
	error = usock_install(l, so, type, &fd);
	return error != 0 ? -error : fd;
}

long
sys_socketpair(struct lwp *l, int domain, int type, int protocol, int *sv)
{
	struct usock *a, *b;
	int error, kind, fds[2] = { -1, -1 };

	if (domain != AF_UNIX)
		return -EAFNOSUPPORT;
	if ((error = check_type(type, &kind)) != 0)
		return -error;
	if (protocol != 0 && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	a = usock_alloc(kind);
	b = usock_alloc(kind);
	if (a == NULL || b == NULL) {
		if (a != NULL)
			usock_rele(a);
		if (b != NULL)
			usock_rele(b);
		return -ENOMEM;
	}
	usock_hold(a);
	usock_hold(b);
	a->so_peer = b;
	b->so_peer = a;
	a->so_state = b->so_state = SS_CONNECTED;
	fill_cred(l, &a->so_peercred, true);
	b->so_peercred = a->so_peercred;
	a->so_haspeercred = b->so_haspeercred = true;
	if ((error = usock_install(l, a, type, &fds[0])) != 0) {
		usock_close(b);
		usock_rele(b);
		return -error;
	}
	if ((error = usock_install(l, b, type, &fds[1])) != 0) {
		fd_close(l->l_proc, fds[0]);
		return -error;
	}
	if (copyout(fds, sv, sizeof(fds)) != 0) {
		fd_close(l->l_proc, fds[0]);
		fd_close(l->l_proc, fds[1]);
		return -EFAULT;
	}
	return 0;
}

/* Give `so' the name `a' (abstract) or an automatic one (a == NULL). */
static int
bind_abstract(struct usock *so, struct unp_addr *a)
{
	struct unp_addr *n;
	struct usock *o;
	unsigned h;
	int error = 0;

	if ((n = kmem_zalloc(sizeof(*n))) == NULL)
		return ENOMEM;
	mutex_enter(&unp_names_lock);
	if (so->so_addr != NULL) {
		error = EINVAL;
		goto out;
	}
	if (a != NULL) {
		*n = *a;
	} else {
		/* Linux's autobind: 5 hex digits in the abstract space. */
		for (unsigned tries = 0;; tries++) {
			unsigned v = (unp_autoname++) & 0xfffff;
			n->ua_sun.sun_family = AF_UNIX;
			n->ua_sun.sun_path[0] = '\0';
			ksnprintf(n->ua_sun.sun_path + 1, 6, "%05x", v);
			n->ua_len = 2 + 1 + 5;
			for (o = unp_names[name_hash(n)]; o != NULL;
			     o = o->so_hnext)
				if (name_eq(o->so_addr, n))
					break;
			if (o == NULL)
				break;
			if (tries > 0xfffff) {
				error = ENOSPC;
				goto out;
			}
		}
	}
	h = name_hash(n);
	for (o = unp_names[h]; o != NULL; o = o->so_hnext)
		if (o->so_type == so->so_type && name_eq(o->so_addr, n)) {
			error = EADDRINUSE;
			goto out;
		}
	mutex_enter(&so->so_lock);
	so->so_addr = n;
	mutex_exit(&so->so_lock);
	so->so_hnext = unp_names[h];
	unp_names[h] = so;
	n = NULL;
out:
	mutex_exit(&unp_names_lock);
	addr_free(n);
	return error;
}

/* Linux autobinds an unnamed socket with SO_PASSCRED when it connects
 * or sends, so its peer can name it. */
static void
passcred_autobind(struct usock *so)
{
	bool need;

	mutex_enter(&so->so_lock);
	need = so->so_passcred && so->so_addr == NULL;
	mutex_exit(&so->so_lock);
	if (need)
		(void)bind_abstract(so, NULL); /* EINVAL: raced, bound */
}

/* The autobind of a send: DGRAM always; SEQPACKET, as on Linux, only
 * once it is connected with no error pending (its send goes through the
 * DGRAM one after those checks), even if the send then fails. */
static void
send_autobind(struct usock *so)
{
	bool seq_ready;

	if (so->so_type == SOCK_DGRAM) {
		passcred_autobind(so);
		return;
	}
	if (so->so_type != SOCK_SEQPACKET)
		return;
	mutex_enter(&so->so_lock);
	seq_ready = so->so_state == SS_CONNECTED && so->so_error == 0;
	mutex_exit(&so->so_lock);
	if (seq_ready)
		passcred_autobind(so);
}

/* Bind `so' to the path name `a' in the file system. */
static int
bind_path(struct lwp *l, struct usock *so, const struct unp_addr *a)
{
	char kpath[UNIX_PATH_MAX + 1];
	struct unp_addr *n;
	struct vnode *vp;
	int error;

	if ((n = addr_dup(a)) == NULL)
		return ENOMEM;
	addr_kpath(a, kpath);
	mutex_enter(&unp_names_lock);
	mutex_enter(&so->so_lock);
	if (so->so_addr != NULL) {
		mutex_exit(&so->so_lock);
		mutex_exit(&unp_names_lock);
		addr_free(n);
		/* As Linux's unix_bind_bsd: the node is made first (its
		 * errors win), then the socket is found bound and the node
		 * goes again. */
		error = vfs_bind_socket(l, AT_FDCWD, kpath, 0777, NULL);
		return error == EEXIST ? EADDRINUSE
		       : error != 0    ? error
				       : EINVAL;
	}
	so->so_addr = n; /* reserved: a racing bind sees EINVAL */
	mutex_exit(&so->so_lock);
	mutex_exit(&unp_names_lock);
	error = vfs_bind_socket(l, AT_FDCWD, kpath, 0777, &vp);
	mutex_enter(&unp_names_lock);
	mutex_enter(&so->so_lock);
	if (error != 0) {
		so->so_addr = NULL;
	} else {
		so->so_vp = vp;
		atomic_store_rel(&vp->v_ipc, so);
	}
	mutex_exit(&so->so_lock);
	mutex_exit(&unp_names_lock);
	if (error != 0)
		addr_free(n);
	return error == EEXIST ? EADDRINUSE : error;
}

long
sys_bind(struct lwp *l, int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	struct unp_addr a;
	struct usock *so;
	struct file *fp;
	bool abstract;
	int error;

	if ((error = getsock(l, fd, &fp, &so)) != 0)
		return -error;
	if ((error = addr_in(addr, (int)addrlen, &a, &abstract)) != 0)
		goto out;
	if (a.ua_len == 2)
		error = bind_abstract(so, NULL);
	else if (abstract)
		error = bind_abstract(so, &a);
	else
		error = bind_path(l, so, &a);
out:
	file_release(fp);
	return -error;
}

long
sys_listen(struct lwp *l, int fd, int backlog)
{
	struct usock *so;
	struct file *fp;
	int error = 0;

	if ((error = getsock(l, fd, &fp, &so)) != 0)
		return -error;
	mutex_enter(&so->so_lock);
	if (so->so_type == SOCK_DGRAM)
		error = EOPNOTSUPP;
	else if (so->so_addr == NULL || (so->so_state != SS_UNCONNECTED &&
					 so->so_state != SS_LISTENING))
		error = EINVAL;
	if (error == 0) {
		if ((unsigned)backlog > SOMAXCONN_)
			backlog = SOMAXCONN_;
		so->so_backlog = backlog;
		so->so_state = SS_LISTENING;
		fill_cred(l, &so->so_peercred, true);
		so->so_haspeercred = true;
		ipc_wakeup(&so->so_wq, UNP_KEY_ACCSPACE);
	}
	mutex_exit(&so->so_lock);
	file_release(fp);
	return -error;
}

static uint64_t
timeo_deadline(uint64_t timeo)
{
	return timeo == 0 ? DEADLINE_NONE : ipc_deadline_after(timeo);
}

/* An interrupted or timed-out sleep as Linux reports it. */
static int
sleep_error(int error, uint64_t timeo)
{
	if (error == ETIMEDOUT)
		return EAGAIN;
	return timeo == 0 ? ERESTARTSYS : EINTR;
}

/* Resolve a destination name to a held socket; an abstract name only
 * to one of `type's. */
static int
lookup_dest(struct lwp *l, const struct unp_addr *a, int type,
	    struct usock **sop)
{
	char kpath[UNIX_PATH_MAX + 1];
	struct vnode *vp;
	int error;

	if (a->ua_len <= 2)
		return EINVAL;
	if (!addr_is_path(a)) {
		if ((*sop = name_lookup(a, type)) == NULL)
			return ECONNREFUSED;
		return 0;
	}
	addr_kpath(a, kpath);
	if ((error = vfs_lookup_socket(l, kpath, &vp)) != 0)
		return error;
	mutex_enter(&unp_names_lock);
	if ((*sop = atomic_load_acq(&vp->v_ipc)) != NULL)
		usock_hold(*sop);
	mutex_exit(&unp_names_lock);
	vnode_rele(vp);
	return *sop == NULL ? ECONNREFUSED : 0;
}

/* The errno for a destination of another type. */
static int
wrong_type(const struct unp_addr *a)
{
	return addr_is_path(a) ? EPROTOTYPE : ECONNREFUSED;
}

/* Linux finds the listener before it looks at the connecting socket's
 * state: what a connect to `a' fails with on the listener's side (no
 * one there, another type, not listening or shut down, a full backlog),
 * or 0. */
static int
connect_target_error(struct lwp *l, struct usock *so, const struct unp_addr *a,
		     bool nonblock)
{
	struct usock *lis;
	int error;

	if ((error = lookup_dest(l, a, so->so_type, &lis)) != 0)
		return error;
	if (lis->so_type != so->so_type) {
		error = wrong_type(a);
	} else {
		mutex_enter(&lis->so_lock);
		if (lis->so_state != SS_LISTENING ||
		    (lis->so_shutdown & RCV_SHUTDOWN))
			error = ECONNREFUSED;
		else if (nonblock && lis->so_qlen > (unsigned)lis->so_backlog)
			error = EAGAIN;
		mutex_exit(&lis->so_lock);
	}
	usock_rele(lis);
	return error;
}

static int
connect_stream(struct lwp *l, struct usock *so, const struct unp_addr *a,
	       bool nonblock)
{
	struct usock *lis, *emb;
	uint64_t deadline;
	int error, state;

	mutex_enter(&so->so_lock);
	state = so->so_state;
	mutex_exit(&so->so_lock);
	if (state == SS_CONNECTED || state == SS_LISTENING) {
		if ((error = connect_target_error(l, so, a, nonblock)) != 0)
			return error;
	}
	mutex_enter(&so->so_lock);
	if (so->so_state == SS_CONNECTED)
		error = EISCONN;
	else if (so->so_state == SS_LISTENING)
		error = EINVAL;
	else if (so->so_connecting)
		error = EALREADY;
	else
		error = 0;
	if (error == 0)
		so->so_connecting = true;
	deadline = timeo_deadline(so->so_sndtimeo);
	mutex_exit(&so->so_lock);
	if (error != 0)
		return error;
	if ((error = lookup_dest(l, a, so->so_type, &lis)) != 0)
		goto out;
	if (lis->so_type != so->so_type) {
		error = wrong_type(a);
		usock_rele(lis);
		goto out;
	}
	if ((emb = usock_alloc(so->so_type)) == NULL) {
		error = ENOMEM;
		usock_rele(lis);
		goto out;
	}
	/* The server's end: connected to us, named as the listener. */
	usock_hold(so);
	emb->so_peer = so;
	emb->so_state = SS_CONNECTED;
	fill_cred(l, &emb->so_peercred, true);
	emb->so_haspeercred = true;
	emb->so_sndbuf = lis->so_sndbuf;
	emb->so_rcvbuf = lis->so_rcvbuf;
	mutex_enter(&lis->so_lock);
	emb->so_addr = addr_dup(lis->so_addr);
	emb->so_passcred = lis->so_passcred;
	emb->so_norights = lis->so_norights;
	for (;;) {
		if (lis->so_state != SS_LISTENING ||
		    (lis->so_shutdown & RCV_SHUTDOWN)) {
			error = ECONNREFUSED;
			break;
		}
		if (lis->so_qlen <= (unsigned)lis->so_backlog)
			break;
		if (nonblock) {
			error = EAGAIN;
			break;
		}
		if ((error = ipc_sleep(&lis->so_wq, &lis->so_lock,
				       UNP_KEY_ACCSPACE, deadline)) != 0) {
			error = sleep_error(error,
					    deadline == DEADLINE_NONE ? 0 : 1);
			break;
		}
	}
	if (error == 0) {
		/* Our side first: the server may talk at once. */
		mutex_enter(&so->so_lock);
		usock_hold(emb);
		so->so_peer = emb;
		so->so_state = SS_CONNECTED;
		so->so_peercred = lis->so_peercred;
		so->so_haspeercred = true;
		mutex_exit(&so->so_lock);
		emb->so_accnext = NULL;
		if (lis->so_acctail != NULL)
			lis->so_acctail->so_accnext = emb;
		else
			lis->so_acchead = emb;
		lis->so_acctail = emb;
		lis->so_qlen++;
		ipc_wakeup(&lis->so_wq, POLLIN | POLLRDNORM);
		sigio_wakeup(&lis->so_wq, POLL_IN);
	}
	mutex_exit(&lis->so_lock);
	usock_rele(lis);
	if (error != 0) {
		emb->so_peer = NULL;
		usock_rele(so);
		usock_rele(emb);
	}
out:
	mutex_enter(&so->so_lock);
	so->so_connecting = false;
	mutex_exit(&so->so_lock);
	return error;
}

long
sys_connect(struct lwp *l, int fd, const struct sockaddr *addr,
	    socklen_t addrlen)
{
	struct unp_addr a;
	struct usock *so, *to, *old;
	struct file *fp;
	bool abstract;
	unsigned short family;
	int error;

	if ((error = getsock(l, fd, &fp, &so)) != 0)
		return -error;
	if (addrlen >= sizeof(family) && so->so_type == SOCK_DGRAM &&
	    copyin(addr, &family, sizeof(family)) == 0 && family == AF_UNSPEC) {
		/* DGRAM: dissolve the association. */
		mutex_enter(&so->so_lock);
		old = so->so_peer;
		so->so_peer = NULL;
		so->so_state = SS_UNCONNECTED;
		mutex_exit(&so->so_lock);
		if (old != NULL) {
			dgram_disconnected(so, old);
			usock_rele(old);
		}
		goto out;
	}
	if ((error = addr_in(addr, (int)addrlen, &a, &abstract)) != 0)
		goto out;
	passcred_autobind(so);
	if (so->so_type != SOCK_DGRAM) {
		error = connect_stream(l, so, &a,
				       (file_flag(fp) & O_NONBLOCK) != 0);
		goto out;
	}
	if ((error = lookup_dest(l, &a, so->so_type, &to)) != 0)
		goto out;
	if (to->so_type != SOCK_DGRAM) {
		usock_rele(to);
		error = wrong_type(&a);
		goto out;
	}
	/* One connected to another takes nothing from us: EPERM, as a send
	 * would be (Linux's connect checks unix_may_send too). */
	mutex_enter(&to->so_lock);
	if (to->so_peer != NULL && to->so_peer != so)
		error = EPERM;
	mutex_exit(&to->so_lock);
	if (error != 0) {
		usock_rele(to);
		goto out;
	}
	mutex_enter(&so->so_lock);
	old = so->so_peer;
	so->so_peer = to;
	so->so_state = SS_CONNECTED;
	mutex_exit(&so->so_lock);
	if (old != NULL) {
		if (old != to)
			dgram_disconnected(so, old);
		usock_rele(old);
	}
out:
	file_release(fp);
	return -error;
}

static long
do_accept(struct lwp *l, int fd, struct sockaddr *addr, int *addrlen, int flags)
{
	struct usock *so, *emb;
	struct file *fp;
	struct unp_addr *peername = NULL;
	uint64_t deadline;
	int error = 0, nfd = -1, room;

	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	if ((error = getsock(l, fd, &fp, &so)) != 0)
		return -error;
	if (addr != NULL && addrlen != NULL &&
	    (copyin(addrlen, &room, sizeof(room)) != 0 || room < 0)) {
		file_release(fp);
		return room < 0 ? -EINVAL : -EFAULT;
	}
	mutex_enter(&so->so_lock);
	deadline = timeo_deadline(so->so_rcvtimeo);
	for (;;) {
		if (so->so_type == SOCK_DGRAM) {
			error = EOPNOTSUPP;
			break;
		}
		if (so->so_state != SS_LISTENING) {
			error = EINVAL;
			break;
		}
		if (so->so_acchead != NULL)
			break;
		if (file_flag(fp) & O_NONBLOCK) {
			error = EAGAIN;
			break;
		}
		if ((error = ipc_sleep(&so->so_wq, &so->so_lock,
				       POLLIN | POLLRDNORM | POLL_ALWAYS,
				       deadline)) != 0) {
			error = sleep_error(error, so->so_rcvtimeo);
			break;
		}
	}
	if (error == 0) {
		emb = so->so_acchead;
		so->so_acchead = emb->so_accnext;
		if (so->so_acchead == NULL)
			so->so_acctail = NULL;
		so->so_qlen--;
		ipc_wakeup(&so->so_wq, UNP_KEY_ACCSPACE);
	}
	mutex_exit(&so->so_lock);
	file_release(fp);
	if (error != 0)
		return -error;
	/* The peer's name for accept's address. */
	mutex_enter(&emb->so_lock);
	if (emb->so_peer != NULL) {
		struct usock *p = emb->so_peer;
		usock_hold(p);
		mutex_exit(&emb->so_lock);
		mutex_enter(&unp_names_lock);
		peername = addr_dup(p->so_addr);
		mutex_exit(&unp_names_lock);
		usock_rele(p);
	} else {
		mutex_exit(&emb->so_lock);
	}
	if ((error = usock_install(l, emb, flags, &nfd)) != 0) {
		addr_free(peername);
		return -error;
	}
	if (addr != NULL && addrlen != NULL &&
	    (error = addr_out(peername, addr, addrlen)) != 0) {
		fd_close(l->l_proc, nfd);
		addr_free(peername);
		return -error;
	}
	addr_free(peername);
	return nfd;
}

long
sys_accept(struct lwp *l, int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	return do_accept(l, fd, addr, (int *)addrlen, 0);
}

long
sys_accept4(struct lwp *l, int fd, struct sockaddr *addr, socklen_t *addrlen,
	    int flags)
{
	return do_accept(l, fd, addr, (int *)addrlen, flags);
}

long
sys_shutdown(struct lwp *l, int fd, int how)
{
	struct usock *so, *peer = NULL;
	struct file *fp;
	unsigned bits;
	int error;

	if ((error = getsock(l, fd, &fp, &so)) != 0)
		return -error;
	if (how < SHUT_RD || how > SHUT_RDWR) {
		file_release(fp);
		return -EINVAL;
	}
	bits = (unsigned)how + 1; /* RD 1, WR 2, RDWR 3 */
	/* Linux shuts down a socket in any state, connected or not. */
	mutex_enter(&so->so_lock);
	so->so_shutdown |= bits;
	wake_all(so);
	if (so->so_type != SOCK_DGRAM && (peer = so->so_peer) != NULL)
		usock_hold(peer);
	mutex_exit(&so->so_lock);
	if (peer != NULL) {
		unsigned pbits = 0;
		if (bits & RCV_SHUTDOWN)
			pbits |= SEND_SHUTDOWN;
		if (bits & SEND_SHUTDOWN)
			pbits |= RCV_SHUTDOWN;
		mutex_enter(&peer->so_lock);
		peer->so_shutdown |= pbits;
		wake_all(peer);
		/* As Linux's unix_shutdown: the peer's O_ASYNC owners hear of
		 * a shutdown of both ways, or of its receiving end. */
		if (pbits == (RCV_SHUTDOWN | SEND_SHUTDOWN))
			data_sigio(peer, POLL_HUP);
		else if (pbits & RCV_SHUTDOWN)
			data_sigio(peer, POLL_IN);
		mutex_exit(&peer->so_lock);
		usock_rele(peer);
	}
	file_release(fp);
	return -error;
}

static long
getname(struct lwp *l, int fd, struct sockaddr *addr, int *addrlen, bool peer)
{
	struct usock *so, *p;
	struct file *fp;
	struct unp_addr *a = NULL;
	int error;

	if ((error = getsock(l, fd, &fp, &so)) != 0)
		return -error;
	mutex_enter(&so->so_lock);
	p = peer ? so->so_peer : so;
	if (p != NULL)
		usock_hold(p);
	mutex_exit(&so->so_lock);
	if (p == NULL) {
		file_release(fp);
		return -ENOTCONN;
	}
	mutex_enter(&unp_names_lock);
	mutex_enter(&p->so_lock);
	if (p->so_addr != NULL)
		a = addr_dup(p->so_addr);
	mutex_exit(&p->so_lock);
	mutex_exit(&unp_names_lock);
	usock_rele(p);
	error = addr_out(a, addr, addrlen);
	addr_free(a);
	file_release(fp);
	return -error;
}

long
sys_getsockname(struct lwp *l, int fd, struct sockaddr *addr,
		socklen_t *addrlen)
{
	return getname(l, fd, addr, (int *)addrlen, false);
}

long
sys_getpeername(struct lwp *l, int fd, struct sockaddr *addr,
		socklen_t *addrlen)
{
	return getname(l, fd, addr, (int *)addrlen, true);
}

/* ---- options ------------------------------------------------------------ */

/* The SOF_* bit of an option Linux only stores and reports, or 0. */
static unsigned
sof_flag(int optname)
{
	switch (optname) {
	case SO_DEBUG:
		return SOF_DEBUG;
	case SO_DONTROUTE:
		return SOF_DONTROUTE;
	case SO_BROADCAST:
		return SOF_BROADCAST;
	case SO_KEEPALIVE:
		return SOF_KEEPALIVE;
	case SO_OOBINLINE:
		return SOF_OOBINLINE;
	case SO_NO_CHECK:
		return SOF_NO_CHECK;
	default:
		return 0;
	}
}

static void
sof_set(struct usock *so, unsigned flag, int v)
{
	if (v != 0)
		so->so_optflags |= flag;
	else
		so->so_optflags &= ~flag;
}

long
sys_setsockopt(struct lwp *l, int fd, int level, int optname,
	       const void *optval, socklen_t optlen)
{
	struct usock *so;
	struct file *fp;
	struct ktimeval tv;
	int error, v = 0;

	if ((error = getsock(l, fd, &fp, &so)) != 0)
		return -error;
	if (level != SOL_SOCKET) {
		error = EOPNOTSUPP;
		goto out;
	}
	if (optname == SO_RCVTIMEO_OLD || optname == SO_SNDTIMEO_OLD) {
		uint64_t ns;

		if (optlen < sizeof(tv)) {
			error = EINVAL;
			goto out;
		}
		if (copyin(optval, &tv, sizeof(tv)) != 0) {
			error = EFAULT;
			goto out;
		}
		if (tv.tv_usec < 0 || tv.tv_usec >= 1000000) {
			error = EDOM;
			goto out;
		}
		if (tv.tv_sec < 0)
			ns = 1; /* Linux: an immediate timeout */
		else if ((uint64_t)tv.tv_sec > UINT64_MAX / 2000000000ULL)
			ns = 0;
		else
			ns = (uint64_t)tv.tv_sec * 1000000000ULL +
			     (uint64_t)tv.tv_usec * 1000ULL;
		mutex_enter(&so->so_lock);
		if (optname == SO_RCVTIMEO_OLD)
			so->so_rcvtimeo = ns;
		else
			so->so_sndtimeo = ns;
		mutex_exit(&so->so_lock);
		goto out;
	}
	if (optlen < sizeof(int)) {
		error = EINVAL;
		goto out;
	}
	if (copyin(optval, &v, sizeof(v)) != 0) {
		error = EFAULT;
		goto out;
	}
	if (optname == SO_LINGER) {
		struct linger_ {
			int l_onoff, l_linger;
		} lg;

		if (optlen < sizeof(lg)) {
			error = EINVAL;
			goto out;
		}
		if (copyin(optval, &lg, sizeof(lg)) != 0) {
			error = EFAULT;
			goto out;
		}
		mutex_enter(&so->so_lock);
		if (lg.l_onoff == 0) {
			so->so_optflags &= ~SOF_LINGER;
		} else {
			/* A negative time is Linux's unbounded one, read
			 * back as its tick count over HZ, cut to an int. */
			so->so_linger =
				lg.l_linger >= 0
					? lg.l_linger
					: (int)(unsigned)(__INT64_MAX__ /
							  LINGER_HZ);
			so->so_optflags |= SOF_LINGER;
		}
		mutex_exit(&so->so_lock);
		goto out;
	}
	mutex_enter(&so->so_lock);
	switch (optname) {
	case SO_SNDBUF:
	case SO_SNDBUFFORCE:
		if (optname == SO_SNDBUFFORCE && !cred_privileged(l->l_cred)) {
			error = EPERM;
			break;
		}
		if (optname == SO_SNDBUF)
			v = MIN((unsigned)v, WMEM_MAX);
		so->so_sndbuf = MAX((int)MIN((unsigned)v, 0x3fffffffu) * 2,
				    SOCK_MIN_SNDBUF);
		ipc_wakeup(&so->so_wq, POLLOUT | POLLWRNORM);
		space_sigio(so);
		break;
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
		if (optname == SO_RCVBUFFORCE && !cred_privileged(l->l_cred)) {
			error = EPERM;
			break;
		}
		if (optname == SO_RCVBUF)
			v = MIN((unsigned)v, WMEM_MAX);
		so->so_rcvbuf = MAX((int)MIN((unsigned)v, 0x3fffffffu) * 2,
				    SOCK_MIN_RCVBUF);
		break;
	case SO_PASSCRED:
		so->so_passcred = v != 0;
		break;
	case SO_REUSEADDR:
		so->so_reuseaddr = v != 0;
		break;
	case SO_DEBUG:
		if (v != 0 && !cred_privileged(l->l_cred)) {
			error = EACCES;
			break;
		}
		/* FALLTHROUGH */
	case SO_DONTROUTE:
	case SO_BROADCAST:
	case SO_KEEPALIVE:
	case SO_OOBINLINE:
	case SO_NO_CHECK:
		sof_set(so, sof_flag(optname), v);
		break;
	case SO_PRIORITY:
		if ((v < 0 || v > TC_PRIO_MAX_UNPRIV) &&
		    !cred_privileged(l->l_cred))
			error = EPERM;
		else
			so->so_priority = v;
		break;
	case SO_MARK:
		if (!cred_privileged(l->l_cred))
			error = EPERM;
		else
			so->so_mark = (unsigned)v;
		break;
	case SO_BSDCOMPAT:
		break;
	case SO_PASSRIGHTS:
		so->so_norights = v == 0;
		break;
	case SO_REUSEPORT:
		/* Only for inet sockets; turning it off is allowed. */
		if (v != 0)
			error = EOPNOTSUPP;
		break;
	case SO_RCVLOWAT:
		so->so_rcvlowat = v < 0 ? __INT_MAX__ : v == 0 ? 1 : v;
		break;
	case SO_PEEK_OFF:
		/* Any value, negative ones turn it off.  As Linux's
		 * unix_set_peek_off, it waits for a receive that runs (one
		 * waiting for data is not running) and may be interrupted. */
		while (so->so_rbusy && error == 0)
			if (ipc_sleep(&so->so_wq, &so->so_lock, UNP_KEY_RBUSY,
				      DEADLINE_NONE) != 0)
				error = EINTR;
		if (error == 0)
			so->so_peekoff = v;
		break;
	case SO_TIMESTAMP_OLD_:
	case SO_TIMESTAMPNS_OLD_:
	case SO_TIMESTAMP_NEW_:
	case SO_TIMESTAMPNS_NEW_:
		/* As Linux's sock_set_timestamp: on, the last one named
		 * decides the format; off (by any of them), none. */
		if (v != 0) {
			so->so_tsflags = SOT_RCV;
			if (optname == SO_TIMESTAMPNS_OLD_ ||
			    optname == SO_TIMESTAMPNS_NEW_)
				so->so_tsflags |= SOT_NS;
			if (optname == SO_TIMESTAMP_NEW_ ||
			    optname == SO_TIMESTAMPNS_NEW_)
				so->so_tsflags |= SOT_NEW;
		} else {
			so->so_tsflags &= (unsigned char)~(SOT_RCV | SOT_NS);
		}
		break;
	default:
		error = ENOPROTOOPT;
		break;
	}
	mutex_exit(&so->so_lock);
out:
	file_release(fp);
	return -error;
}

long
sys_getsockopt(struct lwp *l, int fd, int level, int optname, void *optval,
	       socklen_t *optlen)
{
	struct usock *so;
	struct file *fp;
	struct ucred uc;
	struct ktimeval tv;
	const void *src;
	int error, len, v = 0, lg[2];
	size_t size = sizeof(int);

	if ((error = getsock(l, fd, &fp, &so)) != 0)
		return -error;
	if (copyin(optlen, &len, sizeof(len)) != 0) {
		error = EFAULT;
		goto out;
	}
	if (len < 0) {
		error = EINVAL;
		goto out;
	}
	if (level != SOL_SOCKET) {
		error = EOPNOTSUPP;
		goto out;
	}
	src = &v;
	mutex_enter(&so->so_lock);
	switch (optname) {
	case SO_TYPE:
		v = so->so_type;
		break;
	case SO_DOMAIN:
		v = AF_UNIX;
		break;
	case SO_PROTOCOL:
		v = 0;
		break;
	case SO_ERROR:
		v = so->so_error;
		so->so_error = 0;
		break;
	case SO_SNDBUF:
		v = so->so_sndbuf;
		break;
	case SO_RCVBUF:
		v = so->so_rcvbuf;
		break;
	case SO_PASSCRED:
		v = so->so_passcred;
		break;
	case SO_REUSEADDR:
		v = so->so_reuseaddr;
		break;
	case SO_ACCEPTCONN:
		v = so->so_state == SS_LISTENING;
		break;
	case SO_DEBUG:
	case SO_DONTROUTE:
	case SO_BROADCAST:
	case SO_KEEPALIVE:
	case SO_OOBINLINE:
	case SO_NO_CHECK:
		v = (so->so_optflags & sof_flag(optname)) != 0;
		break;
	case SO_PRIORITY:
		v = so->so_priority;
		break;
	case SO_MARK:
		v = (int)so->so_mark;
		break;
	case SO_BSDCOMPAT:
	case SO_REUSEPORT:
		v = 0;
		break;
	case SO_RCVLOWAT:
		v = so->so_rcvlowat;
		break;
	case SO_SNDLOWAT:
		v = 1;
		break;
	case SO_PASSRIGHTS:
		v = !so->so_norights;
		break;
	case SO_PEEK_OFF:
		v = so->so_peekoff;
		break;
	case SO_TIMESTAMP_OLD_:
		v = (so->so_tsflags & (SOT_RCV | SOT_NS | SOT_NEW)) == SOT_RCV;
		break;
	case SO_TIMESTAMPNS_OLD_:
		v = (so->so_tsflags & (SOT_NS | SOT_NEW)) == SOT_NS;
		break;
	case SO_TIMESTAMP_NEW_:
		v = (so->so_tsflags & (SOT_RCV | SOT_NEW)) ==
		    (SOT_RCV | SOT_NEW);
		break;
	case SO_TIMESTAMPNS_NEW_:
		v = (so->so_tsflags & (SOT_NS | SOT_NEW)) == (SOT_NS | SOT_NEW);
		break;
	case SO_LINGER:
		lg[0] = (so->so_optflags & SOF_LINGER) != 0;
		lg[1] = so->so_linger;
		src = lg;
		size = sizeof(lg);
		break;
	case SO_PEERCRED:
		if (so->so_haspeercred) {
			uc = so->so_peercred;
		} else {
			uc.pid = 0;
			uc.uid = OVERFLOW_ID;
			uc.gid = OVERFLOW_ID;
		}
		src = &uc;
		size = sizeof(uc);
		break;
	case SO_RCVTIMEO_OLD:
	case SO_SNDTIMEO_OLD: {
		uint64_t ns = optname == SO_RCVTIMEO_OLD ? so->so_rcvtimeo
							 : so->so_sndtimeo;
		tv.tv_sec = (long)(ns / 1000000000ULL);
		tv.tv_usec = (long)(ns % 1000000000ULL / 1000);
		src = &tv;
		size = sizeof(tv);
		break;
	}
	default:
		error = ENOPROTOOPT;
		break;
	}
	mutex_exit(&so->so_lock);
	if (error != 0)
		goto out;
	size = MIN(size, (size_t)len);
	if (copyout(src, optval, size) != 0) {
		error = EFAULT;
		goto out;
	}
	len = (int)size;
	if (copyout(&len, optlen, sizeof(len)) != 0)
		error = EFAULT;
out:
	file_release(fp);
	return -error;
}

/* ---- data -------------------------------------------------------------- */

/*
 * Direct writes.  Between two threads on two CPUs, a stream's cost is
 * the copies: into a message, and out of it on the other CPU, which
 * pulls every line the writer just wrote.  When a reader is waiting
 * and not asleep in the host (or none waits yet but the last offer was
 * taken quickly), a blocking writer of at least UNP_DW_MIN bytes with
 * nothing queued ahead instead offers its own buffer (so_dw) and waits;
 * the reader copies straight from it into its buffer (one copy, no
 * message) and hands back.  The writer waits at most UNP_DW_WAIT_NS for
 * a reader to take the offer, then withdraws it and queues as usual, so
 * a write never depends on a reader coming: only its timing changes.
 * Each write decides afresh: one slow hand-over (a preempted reader)
 * does not send the writes after it down the two-copy path.  Both
 * buffers are user memory of local callers (copies through
 * rumpuser_ucopy); a remote caller's buffers (sysproxy, later) must
 * not be offered: see the UIO_USERSPACE tests in unp_send/unp_recv.
 */

/* Copy user to user between two uios, segment by segment; a segment
 * that faults stops the copy (neither uio advances over it).  Returns
 * the bytes moved. */
static size_t
uio_xfer(struct uio *dst, struct uio *src)
{
	size_t moved = 0;

	while (dst->uio_resid > 0 && src->uio_resid > 0) {
		struct iovec *d = dst->uio_iov, *sv = src->uio_iov;
		size_t n;

		if (d->iov_len == 0) {
			dst->uio_iov++;
			dst->uio_iovcnt--;
			continue;
		}
		if (sv->iov_len == 0) {
			src->uio_iov++;
			src->uio_iovcnt--;
			continue;
		}
		n = MIN(MIN(d->iov_len, sv->iov_len),
			MIN(dst->uio_resid, src->uio_resid));
		if (rumpuser_ucopy(d->iov_base, sv->iov_base, n) != 0)
			break;
		uio_advance(dst, n);
		uio_advance(src, n);
		moved += n;
	}
	return moved;
}

/* Sleep on so_wq for the reader's hand-back, not interruptible: the
 * reader is copying from the caller's buffers (a short copy). */
static void
dw_wait_done(struct usock *dst, struct unp_dw *dw)
{
	struct lwp *l = rumpuser_curlwp();
	struct waiter w;

	while (dw->dw_state != DW_DONE) {
		park_prepare(l);
		waitq_enqueue(&dst->so_wq, &w, l, UNP_KEY_DW);
		mutex_exit(&dst->so_lock);
		(void)lwp_park(l, DEADLINE_NONE, 0);
		mutex_enter(&dst->so_lock);
		waitq_dequeue(&dst->so_wq, &w);
	}
}

/*
 * Whether an offer to `so''s reader would be taken soon (so_lock held):
 * a reader waits in unp_recv and its park spins (one asleep in the host
 * would make the writer wait for two host wakeups, its own and the
 * reader's: queueing costs less), or none waits yet but the last offer
 * was taken quickly.
 */
static bool
dw_reader_near(struct usock *so)
{
	if (so->so_rwait == 0)
		return so->so_dwmode;
	if (atomic_load_relaxed(&unp_dw_always))
		return true;
	return so->so_rlwp != NULL && !lwp_park_asleep(so->so_rlwp);
}

/*
 * Offer the rest of `uio' to `dst''s reader.  Returns the bytes the
 * reader took (0: not taken, or not offered).  dst is held; no lock.
 */
static size_t
unp_dw_offer(struct usock *dst, struct uio *uio)
{
	struct unp_dw dw = { .dw_uio = uio, .dw_state = DW_OFFERED };
	size_t before = uio->uio_resid;
	uint64_t deadline, start;
	int error = 0;

	mutex_enter(&dst->so_lock);
	if (dst->so_dw != NULL || dst->so_rhead != NULL || dst->so_dead ||
	    (dst->so_shutdown & RCV_SHUTDOWN) || dst->so_passcred ||
	    !dw_reader_near(dst)) {
		mutex_exit(&dst->so_lock);
		return 0;
	}
	dst->so_dw = &dw;
	ipc_wakeup(&dst->so_wq, POLLIN | POLLRDNORM);
	start = clock_monotonic_ns();
	deadline =
		start + (atomic_load_relaxed(&unp_dw_always) ? UNP_DW_ALWAYS_NS
							     : UNP_DW_WAIT_NS);
	while (dw.dw_state == DW_OFFERED && error == 0 && !dst->so_dead &&
	       !(dst->so_shutdown & RCV_SHUTDOWN))
		error = ipc_sleep(&dst->so_wq, &dst->so_lock,
				  UNP_KEY_DW | POLL_ALWAYS, deadline);
	if (dw.dw_state == DW_OFFERED) {
		/* Nobody came: withdraw; offer again only to a reader
		 * that waits. */
		dst->so_dw = NULL;
		dst->so_dwmode = false;
	} else {
		dw_wait_done(dst, &dw);
		/* Only a quick reader is worth offering to before it
		 * waits. */
		dst->so_dwmode = clock_monotonic_ns() - start < UNP_DW_FAST_NS;
	}
	mutex_exit(&dst->so_lock);
	return before - uio->uio_resid;
}

/* The reader of `so' (so_rbusy held, so_lock held) takes a pending
 * offer: copies from the writer's buffer into `uio'.  Returns the
 * bytes moved. */
static size_t
unp_dw_take(struct usock *so, struct uio *uio)
{
	struct unp_dw *dw = so->so_dw;
	size_t n;

	so->so_dw = NULL;
	dw->dw_state = DW_TAKEN;
	atomic_inc(&unp_dw_taken);
	mutex_exit(&so->so_lock);
	n = uio_xfer(uio, dw->dw_uio);
	mutex_enter(&so->so_lock);
	dw->dw_state = DW_DONE; /* the writer may return from here on */
	ipc_wakeup(&so->so_wq, UNP_KEY_DW);
	return n;
}

/*
 * Linux attaches the sender's credentials to a message only when one of
 * the two ends has SO_PASSCRED as it is sent, or the receiver is not
 * accepted yet (maybe_add_creds), or they were given (SCM_CREDENTIALS).
 * Without, a receiver that asks later sees none: pid 0 and the overflow
 * ids, and a stream read does not join such bytes with credentialed
 * ones.  dst's lock held.
 */
static void
msg_creds(struct umsg *m, bool own_passcred, const struct usock *dst)
{
	static const struct ucred none = { 0, OVERFLOW_ID, OVERFLOW_ID };

	if (!m->m_hascred && !own_passcred && !dst->so_passcred &&
	    atomic_load_acq(&dst->so_file) != NULL)
		m->m_cred = none;
}

/* Linux's SEQPACKET sendmsg looks at a pending error and at being
 * connected before it parses the control data: those errors win over a
 * bad descriptor in SCM_RIGHTS.  0 or the error (a pending one is
 * taken). */
static int
seqpacket_precheck(struct usock *so)
{
	int error = 0;

	if (so->so_type != SOCK_SEQPACKET)
		return 0;
	mutex_enter(&so->so_lock);
	if (so->so_error != 0) {
		error = so->so_error;
		so->so_error = 0;
	} else if (so->so_state != SS_CONNECTED) {
		error = ENOTCONN;
	}
	mutex_exit(&so->so_lock);
	return error;
}

/*
 * Send `uio' from `so' to its peer or to `to'.  `anc' carries ancillary
 * data (descriptors, credentials) for the first message; it is consumed
 * (freed) whatever happens.  *sent gets the bytes sent.
 */
static int
unp_send(struct lwp *l, struct usock *so, struct uio *uio, int flags,
	 const struct unp_addr *to, struct umsg *anc, bool nonblock,
	 size_t *sent)
{
	struct usock *dst = NULL;
	struct wakelist wl = WAKELIST_INIT;
	struct sigio_owner urg = { 0 };
	uint64_t deadline;
	size_t total = uio->uio_resid, chunk;
	bool stream = so->so_type == SOCK_STREAM, own_passcred, oob = false;
	int error = 0;

	*sent = 0;
	if (flags & MSG_DONTWAIT)
		nonblock = true;
	/* Linux's SEQPACKET send takes a pending error, then ENOTCONN,
	 * before it goes through the DGRAM send's checks. */
	if ((error = seqpacket_precheck(so)) != 0)
		goto done;
	if (flags & MSG_OOB) {
		/* A stream's last byte goes out of band (Linux's
		 * CONFIG_AF_UNIX_OOB); no byte, or another type: none. */
		if (!stream || total == 0) {
			error = EOPNOTSUPP;
			goto done;
		}
		oob = true;
	}
	send_autobind(so);
	/* Linux's bound, seen before a pending error, a shutdown, a
	 * missing peer or the receiver's lookup (unix_dgram_sendmsg). */
	if (!stream && total > (size_t)so->so_sndbuf - 32) {
		error = EMSGSIZE;
		goto done;
	}
	mutex_enter(&so->so_lock);
	deadline = timeo_deadline(so->so_sndtimeo);
	/* Linux drops a SEQPACKET send's address unlooked-at: it goes to
	 * the peer or is ENOTCONN, like a send without one. */
	if (so->so_type == SOCK_SEQPACKET)
		to = NULL;
	if (so->so_type != SOCK_STREAM && so->so_error != 0) {
		/* Linux's SEQPACKET and DGRAM sends take a pending error
		 * first: before a shutdown or the lack of a peer. */
		error = so->so_error;
		so->so_error = 0;
	} else if (so->so_type != SOCK_DGRAM) {
		/* Not connected comes before a shutdown, as on Linux. */
		if (to != NULL)
			error = so->so_state == SS_CONNECTED ? EISCONN
							     : EOPNOTSUPP;
		else if (so->so_state != SS_CONNECTED)
			error = ENOTCONN;
		else if (so->so_shutdown & SEND_SHUTDOWN)
			error = EPIPE;
		else if ((dst = so->so_peer) == NULL)
			error = EPIPE;
	} else {
		if (so->so_shutdown & SEND_SHUTDOWN)
			error = EPIPE;
		else if (to == NULL && (dst = so->so_peer) == NULL)
			error = ENOTCONN;
	}
	if (dst != NULL)
		usock_hold(dst);
	own_passcred = so->so_passcred;
	mutex_exit(&so->so_lock);
	if (error != 0)
		goto done;
	if (to != NULL && (error = lookup_dest(l, to, so->so_type, &dst)) != 0)
		goto done;
	if (to != NULL && dst->so_type != so->so_type) {
		error = wrong_type(to);
		goto done;
	}
	/* A stream has no empty message to queue: Linux sends while bytes
	 * remain, so none makes the peer readable and ancillary data sent
	 * with no bytes is dropped. */
	if (stream && total == 0)
		goto done;
	do {
		struct umsg *m;
		size_t before;

		/* Room in our send budget. */
		mutex_enter(&so->so_lock);
		while (atomic_load_relaxed(&so->so_wqueued) >=
		       (size_t)so->so_sndbuf) {
			so->so_nospace = true;
			if (nonblock) {
				error = EAGAIN;
				break;
			}
			if ((error = ipc_sleep(&so->so_wq, &so->so_lock,
					       POLLOUT | POLL_ALWAYS,
					       deadline)) != 0) {
				error = sleep_error(error, so->so_sndtimeo);
				break;
			}
			if (so->so_shutdown & SEND_SHUTDOWN) {
				error = EPIPE;
				break;
			}
		}
		mutex_exit(&so->so_lock);
		if (error != 0)
			break;
		if (stream && anc == NULL && !nonblock && !oob &&
		    uio->uio_segflg == UIO_USERSPACE &&
		    uio->uio_resid >= UNP_DW_MIN && unp_dw_offer(dst, uio) > 0)
			continue; /* the reader took some: go on */
		chunk = uio->uio_resid;
		if (oob && chunk > 1)
			chunk--; /* the bytes before the out-of-band one */
		if (stream)
			chunk = MIN(chunk, UNP_STREAM_CHUNK);
		m = NULL;
		if (chunk == UNP_STREAM_CHUNK &&
		    (m = __atomic_exchange_n(&so->so_spare, NULL,
					     __ATOMIC_ACQUIRE)) != NULL) {
			memset(m, 0, sizeof(*m));
			m->m_len = chunk;
		}
		if (m == NULL && (m = umsg_alloc(chunk)) == NULL) {
			error = ENOMEM;
			break;
		}
		before = uio->uio_resid;
		if ((error = uiomove(m->m_data, chunk, uio)) != 0) {
			uio->uio_resid = before;
			kmem_free(m, sizeof(*m) + chunk);
			break;
		}
		fill_cred(l, &m->m_cred, false);
		if (anc != NULL) {
			m->m_cred = anc->m_cred;
			m->m_hascred = anc->m_hascred;
			m->m_fds = anc->m_fds;
			m->m_nfds = anc->m_nfds;
			anc->m_fds = NULL;
			anc->m_nfds = 0;
		}
		usock_hold(so);
		m->m_sender = so;
		m->m_charge = chunk + UNP_MSG_OVERHEAD;
		__atomic_add_fetch(&so->so_wqueued, m->m_charge,
				   __ATOMIC_RELAXED);
		mutex_enter(&dst->so_lock);
		for (;;) {
			/* Connected to another, it takes nothing else: not
			 * even its own sends to itself.  As Linux, this comes
			 * first (unix_may_send), then death, then shutdown. */
			if (so->so_type == SOCK_DGRAM && dst->so_peer != NULL &&
			    dst->so_peer != so) {
				error = EPERM;
				break;
			}
			if (dst->so_dead) {
				error = so->so_type == SOCK_DGRAM ? ECONNREFUSED
								  : EPIPE;
				break;
			}
			if (dst->so_shutdown & RCV_SHUTDOWN) {
				error = EPIPE;
				break;
			}
			/* Linux 6.16's SO_PASSRIGHTS, turned off. */
			if (m->m_nfds > 0 && dst->so_norights) {
				error = EPERM;
				break;
			}
			if (so->so_type != SOCK_DGRAM || dst == so ||
			    dst->so_peer == so ||
			    dst->so_rcount <= MAX_DGRAM_QLEN)
				break;
			if (nonblock) {
				error = EAGAIN;
				break;
			}
			if ((error = ipc_sleep(&dst->so_wq, &dst->so_lock,
					       UNP_KEY_DGSPACE, deadline)) !=
			    0) {
				error = sleep_error(error, so->so_sndtimeo);
				break;
			}
		}
		if (error == 0) {
			msg_creds(m, own_passcred, dst);
			if (!stream && (dst->so_tsflags & SOT_RCV)) {
				/* Linux stamps it as sent when its receiver
				 * wants stamps then (unix_dgram_sendmsg). */
				m->m_tstamp = time_realtime_ns();
				m->m_hasts = true;
			}
			bool urgent = oob && uio->uio_resid == 0;

			rcv_append(dst, m, &wl, urgent);
			urg.so_id = 0;
			if (urgent) {
				/* The last byte: now the pending one (an
				 * earlier one becomes data), SIGURG to the
				 * receiver's owner (Linux's queue_oob). */
				dst->so_oob = m;
				ipc_wakeup_defer(&dst->so_wq,
						 POLLPRI | POLLRDBAND, &wl);
				if (!dst->so_dead &&
				    atomic_load_acq(&dst->so_file) != NULL)
					sigio_owner_get(dst->so_file, &urg);
				/* With an owner, its F_SETSIG signal too for
				 * O_ASYNC (Linux's sk_send_sigurg). */
				if (urg.so_id > 0)
					sigio_wakeup_urg(&dst->so_wq);
				/* Then the data (Linux's queue_oob). */
				data_sigio(dst, POLL_IN);
			}
		}
		mutex_exit(&dst->so_lock);
		wakelist_kick(&wl);
		if (error == 0 && urg.so_id > 0)
			sigio_owner_signal(&urg, SIGURG);
		if (error != 0) {
			uio->uio_resid = before;
			if (anc != NULL && m->m_fds != NULL) {
				anc->m_fds = m->m_fds;
				anc->m_nfds = m->m_nfds;
				m->m_fds = NULL;
				m->m_nfds = 0;
			}
			umsg_free(m);
			if (error == ECONNREFUSED && to == NULL) {
				/* The peer is gone: forget it. */
				bool was = false;

				mutex_enter(&so->so_lock);
				if (so->so_peer == dst) {
					so->so_peer = NULL;
					so->so_state = SS_UNCONNECTED;
					was = true;
				}
				mutex_exit(&so->so_lock);
				if (was) {
					dgram_disconnected(so, dst);
					usock_rele(dst); /* so_peer's */
				}
			}
			break;
		}
		if (anc != NULL) {
			umsg_free(anc); /* the shell: its contents moved */
			anc = NULL;
		}
	} while (uio->uio_resid > 0);
done:
	*sent = total - uio->uio_resid;
	if (error == EPIPE && !(flags & MSG_NOSIGNAL))
		ipc_sigpipe(l);
	if (dst != NULL)
		usock_rele(dst);
	if (anc != NULL)
		umsg_free(anc);
	/* As Linux's stream send (return sent ?: err): bytes sent win over
	 * what stopped the rest, a fault in the buffer's tail too. */
	if (*sent > 0 &&
	    (error == EAGAIN || error == EPIPE || error == ERESTARTSYS ||
	     error == EINTR || error == EFAULT))
		error = 0;
	return error;
}

/*
 * MSG_PEEK of a message carrying descriptors: as Linux, the peeker gets
 * them too (new references in `anc'), and the message keeps its own for
 * the real receive.  so_lock held: the in-flight counts are the
 * caller's to raise after dropping it.  0 or ENOMEM (no descriptors).
 */
static int
anc_peek_fds(struct umsg *anc, const struct umsg *m)
{
	anc->m_fds = kmem_alloc(sizeof(struct file *) * (size_t)m->m_nfds);
	if (anc->m_fds == NULL)
		return ENOMEM;
	for (int i = 0; i < m->m_nfds; i++) {
		file_hold(m->m_fds[i]);
		anc->m_fds[i] = m->m_fds[i];
	}
	anc->m_nfds = m->m_nfds;
	return 0;
}

/*
 * A stream peek whose buffer is full: as Linux (unix_stream_read_generic
 * moves to the next message before it looks at what room is left), it
 * goes on through the messages after `m', taking no bytes, to the first
 * one carrying descriptors and peeks those into *ancp, unless another
 * writer's credentials come first (SO_PASSCRED).  so_lock held.  True if
 * descriptors were peeked.
 */
static bool
peek_rights_after(struct usock *so, struct umsg *m, struct umsg **ancp,
		  const struct ucred *cred)
{
	for (; m != NULL; m = m->m_next) {
		if (so->so_passcred &&
		    (m->m_cred.pid != cred->pid || m->m_cred.uid != cred->uid ||
		     m->m_cred.gid != cred->gid))
			return false;
		if (m->m_nfds > 0) {
			if (*ancp == NULL && (*ancp = umsg_alloc(0)) == NULL)
				return false;
			return anc_peek_fds(*ancp, m) == 0;
		}
	}
	return false;
}

/* A copy of the name `so' has now, or NULL.  A path bind in progress
 * shows its name already (it is reserved before the node is made): a
 * reader racing with a bind that then fails may see it. */
static struct unp_addr *
sender_name(struct usock *so)
{
	struct unp_addr *a = NULL;

	mutex_enter(&unp_names_lock);
	if (so->so_addr != NULL)
		a = addr_dup(so->so_addr);
	mutex_exit(&unp_names_lock);
	return a;
}

/* SO_PEEK_OFF moves on by what a peek copied and back by what a read
 * took, if it is on, and never below 0 (Linux's sk_peek_offset_fwd and
 * _bwd).  so_lock held. */
static void
peekoff_fwd(struct usock *so, size_t n)
{
	if (so->so_peekoff >= 0)
		so->so_peekoff += (int)n;
}

static void
peekoff_bwd(struct usock *so, size_t n)
{
	if (so->so_peekoff >= 0)
		so->so_peekoff = n >= (size_t)so->so_peekoff
					 ? 0
					 : so->so_peekoff - (int)n;
}

/*
 * The datagram a DGRAM or SEQPACKET peek reads, and in *skipp where in
 * it: as Linux's __skb_try_recv_from_queue, an offset `off' (SO_PEEK_OFF,
 * negative: none) passes over whole datagrams it covers, and over an
 * empty one that was peeked before (at offset 0 too).  A peeked empty
 * one is marked.  so_lock held.
 */
static struct umsg *
dgram_peek_at(struct usock *so, int off, size_t *skipp)
{
	size_t o = off > 0 ? (size_t)off : 0;
	struct umsg *m;

	for (m = so->so_rhead; m != NULL; m = m->m_next) {
		if (off >= 0 && o >= m->m_len && (o > 0 || m->m_peeked)) {
			o -= m->m_len;
			continue;
		}
		if (m->m_len == 0)
			m->m_peeked = true;
		break;
	}
	*skipp = m != NULL ? o : 0;
	return m;
}

/*
 * What a stream receive does at `m' (so_lock and so_rbusy held) when it
 * is an emptied message (a taken out-of-band byte's mark) or the pending
 * out-of-band byte, as Linux's manage_oob: a receive that has bytes
 * stops there; else a mark is passed (a read drops it), and the pending
 * byte is passed too (a read drops it and it is gone) unless
 * SO_OOBINLINE makes it data.  Returns the message to go on with, or
 * NULL.  Dropped messages go on the `*donetailp' list.
 */
static struct umsg *
oob_manage(struct usock *so, struct umsg *m, bool peek, bool copied,
	   struct umsg ***donetailp)
{
	bool inl = (so->so_optflags & SOF_OOBINLINE) != 0;
	struct umsg *x;

	if (m->m_off == m->m_len) {
		if (copied && (so->so_oob == NULL || m == so->so_oob))
			return NULL;
		if (peek) {
			m = m->m_next;
		} else {
			x = rcv_unlink_head(so); /* a read starts at the head */
			**donetailp = x;
			*donetailp = &x->m_next;
			m = so->so_rhead;
		}
		if (m == NULL)
			return NULL;
	}
	if (m != so->so_oob)
		return m;
	if (copied)
		return NULL;
	if (!peek) {
		so->so_oob = NULL;
		if (!inl) {
			x = rcv_unlink_head(so);
			**donetailp = x;
			*donetailp = &x->m_next;
			m = so->so_rhead;
		}
	} else if (!inl) {
		m = m->m_next;
	}
	return m;
}

/*
 * recv(MSG_OOB) of a stream (so_lock held, dropped on return), as
 * Linux's unix_stream_recv_urg: the pending byte, EINVAL if none or
 * SO_OOBINLINE.  A read takes it (even into no room, or a buffer that
 * faults) and leaves its emptied message as the mark; an emptied one
 * just before goes.  *lenp: 1.
 */
static int
unp_recv_oob(struct usock *so, struct uio *uio, bool peek, uint64_t deadline,
	     int *oflags, size_t *lenp)
{
	struct umsg *m, **pp, *drop = NULL;
	int error;
	char c;

	while (so->so_rbusy) {
		if ((error = ipc_sleep(&so->so_wq, &so->so_lock, UNP_KEY_RBUSY,
				       deadline)) != 0) {
			mutex_exit(&so->so_lock);
			return sleep_error(error, so->so_rcvtimeo);
		}
	}
	if ((so->so_optflags & SOF_OOBINLINE) || (m = so->so_oob) == NULL) {
		mutex_exit(&so->so_lock);
		return EINVAL;
	}
	c = m->m_data[0];
	if (!peek) {
		so->so_oob = NULL;
		m->m_off = m->m_len;
		so->so_rbytes -= m->m_len;
		for (pp = &so->so_rhead; *pp != m && (*pp)->m_next != m;
		     pp = &(*pp)->m_next)
			;
		if (*pp != m && (*pp)->m_off == (*pp)->m_len) {
			drop = *pp;
			*pp = m;
			drop->m_next = NULL;
			so->so_rcount--;
		}
	}
	mutex_exit(&so->so_lock);
	if (drop != NULL)
		umsg_free(drop);
	*lenp = 1;
	*oflags |= MSG_OOB;
	if (uio->uio_resid > 0 && uiomove(&c, 1, uio) != 0)
		return EFAULT;
	return 0;
}

/*
 * Receive into `uio'.  *flags in: MSG_*; out: MSG_TRUNC/MSG_CTRUNC bits
 * the caller reports.  *fromp (if fromp) gets the sender's name, as it
 * is now (Linux names the sending socket when a message is read, so a
 * sender bound after it sent is named); *ancp (if ancp) a message shell carrying the
 * descriptors and credentials of what was read.  *lenp: the length to
 * return (the real length under MSG_TRUNC).  With SO_PASSCRED a stream
 * read that took nothing (EOF, an empty read) still has credentials, as
 * on Linux: zeroed ones.
 */
static int
unp_recv(struct lwp *l, struct usock *so, struct uio *uio, int *flags,
	 struct unp_addr **fromp, struct umsg **ancp, bool nonblock,
	 size_t *lenp)
{
	struct umsg *m, *done = NULL, **donetail = &done;
	struct usock *sender = NULL; /* held: whose name *fromp gets */
	struct umsg *dropanc = NULL;
	size_t total = uio->uio_resid, n, before;
	bool peek = (*flags & MSG_PEEK) != 0;
	bool waitall = (*flags & MSG_WAITALL) != 0 && !peek;
	bool stream = so->so_type == SOCK_STREAM;
	/* Can take a writer's offer (see unp_dw_offer). */
	bool dwok = stream && !peek && uio->uio_segflg == UIO_USERSPACE;
	bool have_anc = false, peeked = false;
	struct ucred firstcred = { 0 };
	uint64_t deadline;
	size_t target, pskip = 0, sk = 0;
	/* A stream peek goes on after what it copied (pcont) at pnext. */
	struct umsg *pnext = NULL;
	bool pcont = false;
	int error = 0, oflags = 0, inflags = *flags, poff = -1;

	*lenp = 0;
	if (*flags & MSG_DONTWAIT)
		nonblock = true;
	if ((*flags & MSG_OOB) && so->so_type == SOCK_DGRAM)
		return EOPNOTSUPP;
	/* A stream read takes the descriptors of what it reads (and stops
	 * after them) whether or not its caller wants them: they go. */
	if (stream && ancp == NULL)
		ancp = &dropanc;
	mutex_enter(&so->so_lock);
	deadline = timeo_deadline(so->so_rcvtimeo);
	if (so->so_type != SOCK_DGRAM && so->so_state != SS_CONNECTED &&
	    so->so_state != SS_CLOSED) {
		mutex_exit(&so->so_lock);
		return so->so_type == SOCK_STREAM ? EINVAL : ENOTCONN;
	}
	if (*flags & MSG_OOB) {
		if (!stream) {
			mutex_exit(&so->so_lock);
			return EOPNOTSUPP;
		}
		error = unp_recv_oob(so, uio, peek, deadline, &oflags, lenp);
		*flags = oflags;
		return error;
	}
	while (so->so_rbusy) {
		if ((error = ipc_sleep(&so->so_wq, &so->so_lock, UNP_KEY_RBUSY,
				       deadline)) != 0) {
			mutex_exit(&so->so_lock);
			return sleep_error(error, so->so_rcvtimeo);
		}
	}
	so->so_rbusy = true;
	/* A stream receive ends once it has this much (Linux's
	 * sock_rcvlowat): all with MSG_WAITALL, else SO_RCVLOWAT. */
	target = !stream   ? 1
		 : waitall ? total
			   : MIN((size_t)so->so_rcvlowat, total);
	for (;;) {
		/* Linux's datagram receive takes a pending error before
		 * anything queued; a stream's only when it is empty. */
		if (!stream && so->so_error != 0) {
			error = so->so_error;
			so->so_error = 0;
			break;
		}
		if (!pcont) {
			/* SO_PEEK_OFF: where a peek starts (looked at again
			 * after a wait, as Linux does). */
			poff = so->so_peekoff;
			pskip = peek && poff > 0 ? (size_t)poff : 0;
		}
		sk = 0;
		if (!stream) {
			m = peek ? dgram_peek_at(so, poff, &sk) : so->so_rhead;
		} else if (pcont && (m = pnext) == NULL) {
			break; /* as Linux, a peek ends with the queue */
		} else {
			if (!pcont)
				m = so->so_rhead;
			if (m != NULL &&
			    (m->m_off == m->m_len || m == so->so_oob)) {
				m = oob_manage(so, m, peek,
					       total != uio->uio_resid,
					       &donetail);
				if (m == NULL && total != uio->uio_resid)
					break;
			}
			if (peek) {
				/* Skip SO_PEEK_OFF's bytes, and empty
				 * messages on the way. */
				sk = pcont ? 0 : pskip;
				while (m != NULL && sk >= m->m_len - m->m_off) {
					sk -= m->m_len - m->m_off;
					m = m->m_next;
				}
			}
		}
		if (m == NULL && dwok && so->so_dw != NULL &&
		    so->so_dw->dw_state == DW_OFFERED && !so->so_passcred &&
		    uio->uio_resid > 0) {
			/* A writer's offer: straight from its buffer. */
			if (fromp != NULL && sender == NULL &&
			    so->so_peer != NULL) {
				sender = so->so_peer;
				usock_hold(sender);
			}
			(void)unp_dw_take(so, uio);
			continue;
		}
		if (m == NULL) {
			size_t got = total - uio->uio_resid;

			if (got > 0 &&
			    (got >= target || uio->uio_resid == 0 || pcont))
				break;
			/* Short of its target (none, or MSG_WAITALL's), the
			 * receive takes a pending error, as Linux's
			 * sock_error: with bytes in hand it is cleared and
			 * the bytes are the result. */
			if (so->so_error != 0) {
				if (got == 0)
					error = so->so_error;
				so->so_error = 0;
				break;
			}
			/* Linux's datagram receive looks at the shutdown
			 * only when it would wait: a non-blocking DGRAM
			 * receive is EAGAIN. */
			if ((so->so_shutdown & RCV_SHUTDOWN) &&
			    !(nonblock && so->so_type == SOCK_DGRAM))
				break;
			if (nonblock) {
				if (got == 0)
					error = EAGAIN;
				break;
			}
			so->so_rbusy = false;
			/* Not running while it waits: a setsockopt of
			 * SO_PEEK_OFF or another receive may go on. */
			ipc_wakeup(&so->so_wq, UNP_KEY_RBUSY);
			if (dwok) {
				so->so_rwait++;
				so->so_rlwp = l;
			}
			if (stream)
				so->so_rsleep++;
			error = ipc_sleep(&so->so_wq, &so->so_lock,
					  POLLIN | POLLRDNORM | POLLRDHUP |
						  POLL_ALWAYS,
					  deadline);
			if (stream)
				so->so_rsleep--;
			if (dwok) {
				so->so_rwait--;
				if (so->so_rlwp == l)
					so->so_rlwp = NULL;
			}
			while (error == 0 && so->so_rbusy)
				error = ipc_sleep(&so->so_wq, &so->so_lock,
						  UNP_KEY_RBUSY, deadline);
			if (error != 0) {
				error = sleep_error(error, so->so_rcvtimeo);
				goto out_unbusy_noflag;
			}
			so->so_rbusy = true;
			continue;
		}
		if (stream && total != uio->uio_resid) {
			/* Never glue past descriptors (Linux joins up to
			 * and including them) or across other writers'
			 * credentials. */
			if (have_anc)
				break;
			if (so->so_passcred &&
			    (m->m_cred.pid != firstcred.pid ||
			     m->m_cred.uid != firstcred.uid ||
			     m->m_cred.gid != firstcred.gid))
				break;
		}
		if (total == uio->uio_resid)
			firstcred = m->m_cred;
		/* Copy with the lock dropped: we own the head (rbusy) and
		 * senders only append. */
		size_t off = m->m_off + sk;
		n = MIN(m->m_len - off, uio->uio_resid);
		mutex_exit(&so->so_lock);
		before = uio->uio_resid;
		error = uiomove(m->m_data + off, n, uio);
		n = before - uio->uio_resid;
		mutex_enter(&so->so_lock);
		if (error != 0) {
			/* As Linux: a copy that faults part way takes
			 * nothing of the stream (its bytes stay queued), so
			 * what it put in the first segments is not counted:
			 * EFAULT, or the bytes of earlier messages.  A
			 * datagram is consumed by the failed receive (Linux
			 * dequeues it before the copy): dropped, with its
			 * descriptors, unless it was only peeked. */
			uio->uio_resid = before;
			if (!stream && !peek) {
				m = rcv_unlink_head(so);
				*donetail = m;
				donetail = &m->m_next;
			}
			break;
		}
		if (!stream) {
			*lenp = m->m_len - off;
			if (m->m_len - off > n)
				oflags |= MSG_TRUNC;
			if (so->so_tsflags & SOT_RCV) {
				/* Not stamped as sent: now (Linux's
				 * __sock_recv_timestamp), for good. */
				if (!m->m_hasts) {
					m->m_tstamp = time_realtime_ns();
					m->m_hasts = true;
				}
				if (ancp != NULL && *ancp == NULL)
					*ancp = umsg_alloc(0);
				if (ancp != NULL && *ancp != NULL) {
					(*ancp)->m_hasts = true;
					(*ancp)->m_tstamp = m->m_tstamp;
					(*ancp)->m_tsflags = so->so_tsflags;
				}
			}
		}
		if (fromp != NULL && sender == NULL && m->m_sender != NULL) {
			sender = m->m_sender;
			usock_hold(sender);
		}
		if (ancp != NULL && (m->m_nfds > 0 || so->so_passcred)) {
			if (*ancp == NULL)
				*ancp = umsg_alloc(0);
			if (*ancp != NULL && !have_anc) {
				(*ancp)->m_cred = m->m_cred;
				if (!peek && m->m_nfds > 0) {
					(*ancp)->m_fds = m->m_fds;
					(*ancp)->m_nfds = m->m_nfds;
					m->m_fds = NULL;
					m->m_nfds = 0;
				} else if (m->m_nfds > 0 &&
					   anc_peek_fds(*ancp, m) == 0) {
					peeked = true;
				}
				have_anc = m->m_nfds > 0 || (*ancp)->m_nfds > 0;
			}
		}
		if (peek) {
			peekoff_fwd(so, n);
			if (stream && uio->uio_resid == 0 && !have_anc &&
			    ancp != NULL &&
			    peek_rights_after(so, m->m_next, ancp, &firstcred))
				peeked = true;
			/* As Linux: a peek stops after descriptors. */
			if (!stream || uio->uio_resid == 0 || have_anc)
				break;
			pcont = true;
			pnext = m->m_next;
			continue;
		}
		if (stream) {
			m->m_off += n;
			so->so_rbytes -= n;
			peekoff_bwd(so, n);
			if (m->m_off < m->m_len)
				break; /* the reader's buffer is full */
		} else {
			peekoff_bwd(so, m->m_len); /* the whole datagram */
		}
		m = rcv_unlink_head(so);
		*donetail = m;
		donetail = &m->m_next;
		if (!stream || have_anc)
			break;
		if (uio->uio_resid == 0)
			break;
	}
	if (stream && error == 0 && so->so_passcred && ancp != NULL &&
	    *ancp == NULL)
		*ancp = umsg_alloc(0);
	so->so_rbusy = false;
	ipc_wakeup(&so->so_wq, UNP_KEY_RBUSY);
out_unbusy_noflag:
	mutex_exit(&so->so_lock);
	if (peeked) {
		/* The copies are in flight until installed (unp_gc_lock
		 * comes before socket locks: counted now). */
		for (int i = 0; i < (*ancp)->m_nfds; i++)
			unp_gc_inflight((*ancp)->m_fds[i], 1);
	}
	umsg_free_list(done);
	if (dropanc != NULL)
		umsg_free(dropanc);
	if (sender != NULL) {
		*fromp = sender_name(sender);
		usock_rele(sender);
	}
	/* MSG_TRUNC asks DGRAM/SEQPACKET for the message's real length. */
	if (stream || !(inflags & MSG_TRUNC) || *lenp == 0)
		*lenp = total - uio->uio_resid;
	if (total != uio->uio_resid || (!stream && error == 0))
		error = error == EFAULT && total == uio->uio_resid ? EFAULT : 0;
	*flags = oflags;
	return error;
}

/* ---- send/recv syscalls ------------------------------------------------- */

/* Parse the control buffer of sendmsg into a shell message `*ancp'. */
static int
control_in(struct lwp *l, const struct msghdr *mh, struct umsg **ancp)
{
	struct umsg *anc = NULL;
	char *buf = NULL;
	size_t len = mh->msg_controllen, off = 0;
	int error = 0;

	*ancp = NULL;
	if (len == 0)
		return 0;
	if (len < sizeof(struct cmsghdr) || len > 65536)
		return EINVAL;
	if ((buf = kmem_alloc(len)) == NULL)
		return ENOMEM;
	if (copyin(mh->msg_control, buf, len) != 0) {
		error = EFAULT;
		goto out;
	}
	if ((anc = umsg_alloc(0)) == NULL) {
		error = ENOMEM;
		goto out;
	}
	fill_cred(l, &anc->m_cred, false);
	while (off + sizeof(struct cmsghdr) <= len) {
		struct cmsghdr ch;
		size_t dlen;

		memcpy(&ch, buf + off, sizeof(ch));
		if (ch.cmsg_len < sizeof(ch) || ch.cmsg_len > len - off) {
			error = EINVAL;
			goto out;
		}
		dlen = ch.cmsg_len - CMSG_HDRLEN;
		if (ch.cmsg_level != SOL_SOCKET) {
			error = EINVAL;
			goto out;
		}
		if (ch.cmsg_type == SCM_RIGHTS) {
			int nfd = (int)(dlen / sizeof(int));
			if (nfd <= 0 || nfd > SCM_MAX_FD ||
			    anc->m_fds != NULL) {
				error = EINVAL;
				goto out;
			}
			anc->m_fds = kmem_zalloc(sizeof(struct file *) *
						 (size_t)nfd);
			if (anc->m_fds == NULL) {
				error = ENOMEM;
				goto out;
			}
			for (int i = 0; i < nfd; i++) {
				int fd;
				memcpy(&fd,
				       buf + off + CMSG_HDRLEN +
					       (size_t)i * sizeof(int),
				       sizeof(int));
				struct file *fp = fd_getfile(l->l_proc, fd);
				if (fp == NULL) {
					error = EBADF;
					goto out;
				}
				anc->m_fds[anc->m_nfds++] = fp;
				unp_gc_inflight(fp, 1);
			}
		} else if (ch.cmsg_type == SCM_CREDENTIALS) {
			struct ucred uc;
			const struct kauth_cred *cr = l->l_cred;
			if (dlen != sizeof(uc)) {
				error = EINVAL;
				goto out;
			}
			memcpy(&uc, buf + off + CMSG_HDRLEN, sizeof(uc));
			/* Linux's scm_check_creds. */
			if (!cred_privileged(cr) &&
			    (uc.pid != l->l_proc->p_pid ||
			     (uc.uid != cr->cr_uid && uc.uid != cr->cr_euid &&
			      uc.uid != cr->cr_suid) ||
			     (uc.gid != cr->cr_gid && uc.gid != cr->cr_egid &&
			      uc.gid != cr->cr_sgid))) {
				error = EPERM;
				goto out;
			}
			anc->m_cred = uc;
			anc->m_hascred = true;
		} else {
			error = EINVAL;
			goto out;
		}
		off += CMSG_ALIGN_(ch.cmsg_len);
	}
out:
	if (buf != NULL)
		kmem_free(buf, len);
	if (error != 0 && anc != NULL) {
		umsg_free(anc);
		anc = NULL;
	}
	*ancp = anc;
	return error;
}

/*
 * The SO_TIMESTAMP message of a receive, first in the control buffer
 * (`room' bytes at `uctl'), as Linux's put_cmsg: cut short (and
 * MSG_CTRUNC) when it does not fit, a fault ignored.  Returns the bytes
 * used.
 */
static size_t
control_tstamp(const struct umsg *anc, void *uctl, size_t room, int *oflags)
{
	char buf[CMSG_SPACE_(2 * sizeof(int64_t))];
	int64_t ns = anc->m_tstamp, t[2];
	struct cmsghdr ch;
	size_t len = CMSG_LEN_(sizeof(t));

	if (room < sizeof(ch)) {
		*oflags |= MSG_CTRUNC;
		return 0;
	}
	t[0] = ns / 1000000000;
	t[1] = ns % 1000000000;
	if (t[1] < 0) { /* a realtime before the epoch */
		t[0]--;
		t[1] += 1000000000;
	}
	if (!(anc->m_tsflags & SOT_NS))
		t[1] /= 1000;
	ch.cmsg_level = SOL_SOCKET;
	ch.cmsg_type = anc->m_tsflags & SOT_NEW
			       ? (anc->m_tsflags & SOT_NS ? SO_TIMESTAMPNS_NEW_
							  : SO_TIMESTAMP_NEW_)
			       : (anc->m_tsflags & SOT_NS ? SO_TIMESTAMPNS_OLD_
							  : SO_TIMESTAMP_OLD_);
	if (room < len) {
		*oflags |= MSG_CTRUNC;
		len = room;
	}
	ch.cmsg_len = len;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &ch, sizeof(ch));
	memcpy(buf + CMSG_HDRLEN, t, sizeof(t));
	if (copyout(buf, uctl, len) != 0)
		return 0;
	return MIN(room, CMSG_SPACE_(sizeof(t)));
}

/* Write the ancillary data of a received message to the user's control
 * buffer; descriptors go into l's table.  Updates *controllen and the
 * flags. */
static int
control_out(struct lwp *l, struct usock *so, struct umsg *anc, void *uctl,
	    size_t *controllen, int *oflags, bool cloexec)
{
	size_t room = *controllen, used = 0;
	char buf[CMSG_SPACE_(sizeof(struct ucred))];
	struct cmsghdr ch;
	int error = 0;

	if (anc == NULL) {
		*controllen = 0;
		return 0;
	}
	if (anc->m_hasts)
		used = control_tstamp(anc, uctl, room, oflags);
	if (so->so_passcred) {
		struct ucred uc = anc->m_cred;
		size_t need = CMSG_LEN_(sizeof(uc));
		if (room - used < sizeof(ch)) {
			*oflags |= MSG_CTRUNC;
		} else {
			/* Cut short, it says how much of it is there. */
			ch.cmsg_len = MIN(need, room - used);
			ch.cmsg_level = SOL_SOCKET;
			ch.cmsg_type = SCM_CREDENTIALS;
			memset(buf, 0, sizeof(buf));
			memcpy(buf, &ch, sizeof(ch));
			memcpy(buf + CMSG_HDRLEN, &uc, sizeof(uc));
			if (room - used < need)
				*oflags |= MSG_CTRUNC;
			size_t n = MIN(room - used, CMSG_SPACE_(sizeof(uc)));
			if (copyout(buf, (char *)uctl + used, n) != 0)
				return EFAULT;
			used += n;
		}
	}
	if (anc->m_nfds > 0) {
		int fit = 0, i;
		if (room - used >= CMSG_LEN_(sizeof(int)))
			fit = (int)((room - used - CMSG_HDRLEN) / sizeof(int));
		fit = MIN(fit, anc->m_nfds);
		if (fit < anc->m_nfds)
			*oflags |= MSG_CTRUNC;
		for (i = 0; i < fit; i++) {
			int fd;
			if ((error = fd_alloc(l->l_proc, anc->m_fds[i], 0,
					      cloexec, &fd)) != 0) {
				*oflags |= MSG_CTRUNC;
				break;
			}
			if (copyout(&fd,
				    (char *)uctl + used + CMSG_HDRLEN +
					    (size_t)i * sizeof(int),
				    sizeof(int)) != 0) {
				fd_close(l->l_proc, fd);
				error = EFAULT;
				break;
			}
		}
		fit = i;
		error = error == EMFILE ? 0 : error;
		if (fit > 0) {
			ch.cmsg_len = CMSG_LEN_((size_t)fit * sizeof(int));
			ch.cmsg_level = SOL_SOCKET;
			ch.cmsg_type = SCM_RIGHTS;
			if (copyout(&ch, (char *)uctl + used, sizeof(ch)) != 0)
				error = EFAULT;
			used += MIN(room - used,
				    CMSG_SPACE_((size_t)fit * sizeof(int)));
		}
		/* Installed or not, the in-flight references go now. */
	}
	*controllen = used;
	return error;
}

static long
do_send(struct lwp *l, int fd, struct uio *uio, int flags, const void *uaddr,
	int addrlen, struct umsg *anc)
{
	struct usock *so;
	struct file *fp;
	struct unp_addr a;
	bool abstract;
	size_t sent;
	int error;

	if ((error = getsock(l, fd, &fp, &so)) != 0) {
		if (anc != NULL)
			umsg_free(anc);
		return -error;
	}
	if (uaddr != NULL &&
	    (error = addr_in(uaddr, addrlen, &a, &abstract)) != 0) {
		if (anc != NULL)
			umsg_free(anc);
		file_release(fp);
		return -error;
	}
	error = unp_send(l, so, uio, flags, uaddr != NULL ? &a : NULL, anc,
			 (file_flag(fp) & O_NONBLOCK) != 0, &sent);
	file_release(fp);
	return error != 0 ? -error : (long)sent;
}

long
sys_sendto(struct lwp *l, int fd, const void *buf, size_t len, int flags,
	   const struct sockaddr *dest_addr, socklen_t addrlen)
{
	struct iovec iov;
	struct uio uio;

	if (!user_range_ok(buf, len))
		return -EFAULT;
	uio_kinit(&uio, &iov, (void *)buf, MIN(len, MAX_RW_COUNT), UIO_WRITE);
	uio.uio_segflg = UIO_USERSPACE;
	return do_send(l, fd, &uio, flags, dest_addr, (int)addrlen, NULL);
}

/* Receive on `fd'; *fromp gets the sender's name if fromp. */
static long
do_recv(struct lwp *l, int fd, struct uio *uio, int *flags,
	struct unp_addr **fromp, struct umsg **ancp, struct usock **sop)
{
	struct usock *so;
	struct file *fp;
	size_t len;
	int error;

	if ((error = getsock(l, fd, &fp, &so)) != 0)
		return -error;
	error = unp_recv(l, so, uio, flags, fromp, ancp,
			 (file_flag(fp) & O_NONBLOCK) != 0, &len);
	if (sop != NULL) {
		usock_hold(so);
		*sop = so;
	}
	file_release(fp);
	return error != 0 ? -error : (long)len;
}

long
sys_recvfrom(struct lwp *l, int fd, void *buf, size_t len, int flags,
	     struct sockaddr *src_addr, socklen_t *addrlen)
{
	struct iovec iov;
	struct uio uio;
	long rv;

	if (!user_range_ok(buf, len))
		return -EFAULT;
	uio_kinit(&uio, &iov, buf, MIN(len, MAX_RW_COUNT), UIO_READ);
	uio.uio_segflg = UIO_USERSPACE;
	struct unp_addr *from = NULL;
	int f = flags, error;

	rv = do_recv(l, fd, &uio, &f, src_addr != NULL ? &from : NULL, NULL,
		     NULL);
	if (rv >= 0 && src_addr != NULL && addrlen != NULL) {
		if (from != NULL) {
			error = addr_out(from, src_addr, (int *)addrlen);
		} else {
			int zero = 0; /* no name: Linux reports length 0 */
			error = copyout(&zero, addrlen, sizeof(zero));
		}
		if (error != 0)
			rv = -error;
	}
	addr_free(from);
	return rv;
}

/* One sendmsg: the user's msghdr at `umsg'.  Bytes sent or -errno. */
static long
sendmsg_user(struct lwp *l, int fd, const struct msghdr *umsg, int flags)
{
	struct iovec stack[8], *iov;
	struct msghdr mh;
	struct umsg *anc;
	struct uio uio;
	size_t total;
	struct usock *so;
	struct file *fp;
	long rv;
	int error;

	/* The descriptor first (EBADF, ENOTSOCK), as Linux has it, before
	 * the message and the descriptors it carries. */
	if ((error = getsock(l, fd, &fp, &so)) != 0)
		return -error;
	if (copyin(umsg, &mh, sizeof(mh)) != 0)
		error = EFAULT;
	else if (mh.msg_iovlen > 1024)
		error = EMSGSIZE;
	else
		error = uio_import(mh.msg_iov, (int)mh.msg_iovlen, stack, 8,
				   &iov, &total);
	if (error != 0) {
		file_release(fp);
		return -error;
	}
	error = seqpacket_precheck(so);
	file_release(fp);
	if (error == 0)
		error = control_in(l, &mh, &anc);
	if (error != 0) {
		uio_import_done(iov, (int)mh.msg_iovlen, stack);
		return -error;
	}
	uio.uio_iov = iov;
	uio.uio_iovcnt = (int)mh.msg_iovlen;
	uio.uio_resid = total;
	uio.uio_rw = UIO_WRITE;
	uio.uio_segflg = UIO_USERSPACE;
	rv = do_send(l, fd, &uio, flags, mh.msg_name, mh.msg_namelen, anc);
	uio_import_done(iov, (int)mh.msg_iovlen, stack);
	return rv;
}

/* One recvmsg into the user's msghdr at `umsg' (its namelen,
 * controllen and flags are written back).  Bytes or -errno. */
static long
recvmsg_user(struct lwp *l, int fd, struct msghdr *umsg, int flags)
{
	struct iovec stack[8], *iov;
	struct msghdr mh;
	struct umsg *anc = NULL;
	struct usock *so = NULL;
	struct unp_addr *from = NULL;
	struct uio uio;
	size_t total, controllen;
	int error = 0, f = flags, namelen = 0;
	long rv;

	if (copyin(umsg, &mh, sizeof(mh)) != 0)
		return -EFAULT;
	if (mh.msg_iovlen > 1024)
		return -EMSGSIZE;
	if ((error = uio_import(mh.msg_iov, (int)mh.msg_iovlen, stack, 8, &iov,
				&total)) != 0)
		return -error;
	uio.uio_iov = iov;
	uio.uio_iovcnt = (int)mh.msg_iovlen;
	uio.uio_resid = total;
	uio.uio_rw = UIO_READ;
	uio.uio_segflg = UIO_USERSPACE;
	rv = do_recv(l, fd, &uio, &f, mh.msg_name != NULL ? &from : NULL, &anc,
		     &so);
	uio_import_done(iov, (int)mh.msg_iovlen, stack);
	if (rv < 0)
		goto out;
	if (mh.msg_name != NULL && from != NULL) {
		if (mh.msg_namelen < 0) {
			rv = -EINVAL;
			goto out;
		}
		if (copyout(&from->ua_sun, mh.msg_name,
			    MIN((size_t)mh.msg_namelen, from->ua_len)) != 0) {
			rv = -EFAULT;
			goto out;
		}
		namelen = (int)from->ua_len;
	}
	controllen = mh.msg_control != NULL ? mh.msg_controllen : 0;
	error = control_out(l, so, anc, mh.msg_control, &controllen, &f,
			    (flags & MSG_CMSG_CLOEXEC) != 0);
	if (error != 0) {
		rv = -error;
		goto out;
	}
	mh.msg_controllen = controllen;
	/* Linux hands MSG_CMSG_CLOEXEC of the call back in msg_flags. */
	mh.msg_flags = f | (flags & MSG_CMSG_CLOEXEC);
	mh.msg_namelen = namelen;
	if (copyout(&mh.msg_namelen, &umsg->msg_namelen,
		    sizeof(mh.msg_namelen)) != 0 ||
	    copyout(&mh.msg_controllen, &umsg->msg_controllen,
		    sizeof(mh.msg_controllen)) != 0 ||
	    copyout(&mh.msg_flags, &umsg->msg_flags, sizeof(mh.msg_flags)) != 0)
		rv = -EFAULT;
out:
	if (anc != NULL)
		umsg_free(anc);
	addr_free(from);
	if (so != NULL)
		usock_rele(so);
	return rv;
}

long
sys_sendmsg(struct lwp *l, int fd, const struct msghdr *umsg, int flags)
{
	if (flags & MSG_CMSG_COMPAT_)
		return -EINVAL;
	return sendmsg_user(l, fd, umsg, flags);
}

long
sys_recvmsg(struct lwp *l, int fd, struct msghdr *umsg, int flags)
{
	if (flags & MSG_CMSG_COMPAT_)
		return -EINVAL;
	return recvmsg_user(l, fd, umsg, flags);
}

/* ---- sendmmsg, recvmmsg ------------------------------------------------- */

struct mmsghdr {
	struct msghdr msg_hdr;
	unsigned msg_len;
};

/* The socket on `fd' exists (the errors come before any message). */
static int
checksock(struct lwp *l, int fd)
{
	struct usock *so;
	struct file *fp;
	int error;

	if ((error = getsock(l, fd, &fp, &so)) != 0)
		return error;
	file_release(fp);
	return 0;
}

/*
 * sendmmsg: up to `vlen' (at most UIO_MAXIOV) messages in order, each
 * as sendmsg with `flags'; each one's byte count goes to its msg_len.
 * As Linux: the number sent if any was, else the first one's error.
 */
long
sys_sendmmsg(struct lwp *l, int fd, struct mmsghdr *msgvec, unsigned int vlen,
	     int flags)
{
	unsigned done = 0, len;
	long rv = 0;
	int error;

	if (flags & MSG_CMSG_COMPAT_)
		return -EINVAL;
	if ((error = checksock(l, fd)) != 0)
		return -error;
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	while (done < vlen) {
		rv = sendmsg_user(l, fd, UADDR_OF(msgvec, done, msg_hdr),
				  flags);
		if (rv < 0)
			break;
		len = (unsigned)rv;
		if (copyout(&len, UADDR_OF(msgvec, done, msg_len),
			    sizeof(len)) != 0) {
			rv = -EFAULT;
			break;
		}
		done++;
	}
	return done > 0 ? (long)done : (rv < 0 ? rv : 0);
}

/* Linux's timespec64_valid for a relative timeout. */
static bool
ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000L;
}

/*
 * recvmmsg: up to `vlen' (at most UIO_MAXIOV) messages, each as recvmsg
 * with `flags' (MSG_WAITFORONE: MSG_DONTWAIT after the first); each
 * one's length goes to its msg_len.  As Linux, the timeout is looked at
 * only between messages (the first may wait without bound): once it has
 * passed no more are taken, and the time left is written back.  A
 * pending socket error is returned first; an error after some messages
 * were taken is kept for the next call (SO_ERROR), except EAGAIN.
 */
long
sys_recvmmsg(struct lwp *l, int fd, struct mmsghdr *msgvec, unsigned int vlen,
	     int flags, struct timespec *timeout)
{
	struct timespec ts;
	struct usock *so;
	struct file *fp;
	uint64_t end = 0, now;
	unsigned done = 0, len;
	long rv = 0;
	int error;

	if (flags & MSG_CMSG_COMPAT_)
		return -EINVAL;
	if (timeout != NULL) {
		if (copyin(timeout, &ts, sizeof(ts)) != 0)
			return -EFAULT;
		if (!ts_valid(&ts))
			return -EINVAL;
		if (ts.tv_sec != 0 || ts.tv_nsec != 0) {
			uint64_t ns =
				(uint64_t)ts.tv_sec > UINT64_MAX / 2000000000ULL
					? UINT64_MAX / 2
					: (uint64_t)ts.tv_sec * 1000000000ULL +
						  (uint64_t)ts.tv_nsec;
			end = ipc_deadline_after(ns);
		}
	}
	if ((error = getsock(l, fd, &fp, &so)) != 0)
		return -error;
	mutex_enter(&so->so_lock);
	error = so->so_error;
	so->so_error = 0;
	mutex_exit(&so->so_lock);
	if (error != 0) {
		file_release(fp);
		return -error;
	}
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	while (done < vlen) {
		rv = recvmsg_user(l, fd, UADDR_OF(msgvec, done, msg_hdr),
				  flags);
		if (rv < 0)
			break;
		len = (unsigned)rv;
		if (copyout(&len, UADDR_OF(msgvec, done, msg_len),
			    sizeof(len)) != 0) {
			rv = -EFAULT;
			break;
		}
		done++;
		if (flags & MSG_WAITFORONE_)
			flags |= MSG_DONTWAIT;
		if (timeout != NULL) {
			now = clock_monotonic_ns();
			if (end <= now) {
				ts.tv_sec = ts.tv_nsec = 0;
				break;
			}
			ts.tv_sec = (long)((end - now) / 1000000000ULL);
			ts.tv_nsec = (long)((end - now) % 1000000000ULL);
		}
	}
	if (done == 0) {
		file_release(fp);
		return rv < 0 ? rv : 0;
	}
	if (rv < 0 && rv != -EAGAIN) {
		/* Reported by the next call, or SO_ERROR. */
		mutex_enter(&so->so_lock);
		so->so_error = (int)-rv;
		mutex_exit(&so->so_lock);
	}
	file_release(fp);
	if (timeout != NULL && copyout(&ts, timeout, sizeof(ts)) != 0)
		return -EFAULT;
	return (long)done;
}

int
unp_init(void)
{
	mutex_init(&unp_names_lock);
	mutex_init(&unp_gc_lock);
	return 0;
}
