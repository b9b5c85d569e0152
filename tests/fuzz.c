/*
 * fuzz.c: random system calls with hostile arguments.
 *
 * Every call must come back with a result or -errno (1 .. 4095), and the
 * kernel must keep working: no crash, no sanitizer report, no hang (the
 * suite's timeout), and a fresh process is served as usual afterwards.
 *
 * A rump kernel's user memory is its host process's memory, so a pointer
 * handed in, or read by the kernel from user memory (an iovec, a
 * msghdr), must never reach the test's own data: it points into a
 * scratch region that ends at an inaccessible guard page, at the guard,
 * or at nothing mapped.  The region is filled with such "safe words"
 * before every call.
 *
 * Blocking is the one thing a call may rightly do, so the generator
 * makes every descriptor non-blocking (O_NONBLOCK and friends are forced
 * on, waits get a zero timeout), never names a console device (its reads
 * wait for the host's stdin) and ignores every signal it may raise.
 *
 * FUZZ_TRACE=1 in the environment prints each call, then its result;
 * FUZZ_SEEDS=n runs n seeds in one process (30 in CI) and n / 8 + 1
 * rounds of three threads (4).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "check.h"

#define PAGE 4096
#define REGION (4 * PAGE) /* then the guard page */
#define STRINGS 1024      /* room for each path argument's copy */

/* Argument kinds, one letter per argument. */
#define K_FD 'F'    /* a descriptor */
#define K_DIRFD 'D' /* a descriptor or AT_FDCWD */
#define K_PATH 'P'  /* a path name */
#define K_PTR 'B'   /* a buffer or structure */
#define K_SIZE 'N'  /* a length or count */
#define K_INT 'I'   /* flags, modes, ids, commands */
#define K_OFF 'O'   /* a file offset */
#define K_ADDR 'A'  /* a Unix socket address */
#define K_ALEN 'L'  /* its length */
#define K_MSG 'M'   /* a msghdr, or an array of mmsghdr */

struct call {
	long nr;
	const char *kinds;
};

/* System calls that cannot block once fixup() has made their
 * descriptors non-blocking.  Left out: creat (no flags, so it waits for
 * a FIFO's reader), pipe and eventfd (blocking descriptors), sleeps and
 * signal waits, and signal actions (a handler would be called). */
static const struct call calls[] = {
	{ SYS_read, "FBN" },
	{ SYS_write, "FBN" },
	{ SYS_pread64, "FBNO" },
	{ SYS_pwrite64, "FBNO" },
	{ SYS_readv, "FBN" },
	{ SYS_writev, "FBN" },
	{ SYS_preadv, "FBNOO" },
	{ SYS_pwritev, "FBNOO" },
	{ SYS_close, "F" },
	{ SYS_fstat, "FB" },
	{ SYS_lseek, "FOI" },
	{ SYS_ftruncate, "FO" },
	{ SYS_dup, "F" },
	{ SYS_dup2, "FF" },
	{ SYS_dup3, "FFI" },
	{ SYS_fcntl, "FII" },
	{ SYS_flock, "FI" },
	{ SYS_memfd_create, "PI" },
	{ SYS_open, "PII" },
	{ SYS_openat, "DPII" },
	{ SYS_stat, "PB" },
	{ SYS_lstat, "PB" },
	{ SYS_newfstatat, "DPBI" },
	{ SYS_statx, "DPIIB" },
	{ SYS_statfs, "PB" },
	{ SYS_fstatfs, "FB" },
	{ SYS_access, "PI" },
	{ SYS_faccessat, "DPI" },
	{ SYS_faccessat2, "DPII" },
	{ SYS_mkdir, "PI" },
	{ SYS_mkdirat, "DPI" },
	{ SYS_mknod, "PII" },
	{ SYS_mknodat, "DPII" },
	{ SYS_rmdir, "P" },
	{ SYS_unlink, "P" },
	{ SYS_unlinkat, "DPI" },
	{ SYS_rename, "PP" },
	{ SYS_renameat, "DPDP" },
	{ SYS_renameat2, "DPDPI" },
	{ SYS_link, "PP" },
	{ SYS_linkat, "DPDPI" },
	{ SYS_symlink, "PP" },
	{ SYS_symlinkat, "PDP" },
	{ SYS_readlink, "PBN" },
	{ SYS_readlinkat, "DPBN" },
	{ SYS_chmod, "PI" },
	{ SYS_fchmod, "FI" },
	{ SYS_fchmodat, "DPI" },
	{ SYS_chown, "PII" },
	{ SYS_fchown, "FII" },
	{ SYS_lchown, "PII" },
	{ SYS_fchownat, "DPIII" },
	{ SYS_utimensat, "DPBI" },
	{ SYS_utimes, "PB" },
	{ SYS_truncate, "PO" },
	{ SYS_fallocate, "FIOO" },
	{ SYS_getdents64, "FBN" },
	{ SYS_chdir, "P" },
	{ SYS_fchdir, "F" },
	{ SYS_getcwd, "BN" },
	{ SYS_chroot, "P" },
	{ SYS_sync, "" },
	{ SYS_fsync, "F" },
	{ SYS_fdatasync, "F" },
	{ SYS_copy_file_range, "FBFBNI" },
	{ SYS_sendfile, "FFBN" },
	{ SYS_splice, "FBFBNI" },
	{ SYS_tee, "FFNI" },
	{ SYS_vmsplice, "FBNI" },
	{ SYS_fadvise64, "FOOI" },
	{ SYS_readahead, "FON" },
	{ SYS_sync_file_range, "FOOI" },
	{ SYS_syncfs, "F" },
	{ SYS_mount, "PPPIP" },
	{ SYS_umount2, "PI" },
	{ SYS_umask, "I" },
	{ SYS_pipe2, "BI" },
	{ SYS_eventfd2, "II" },
	{ SYS_poll, "BNI" },
	{ SYS_ppoll, "BNBBN" },
	{ SYS_select, "IBBBB" },
	{ SYS_pselect6, "IBBBBB" },
	{ SYS_epoll_create1, "I" },
	{ SYS_epoll_ctl, "FIFB" },
	{ SYS_epoll_wait, "FBII" },
	{ SYS_epoll_pwait, "FBIIBN" },
	{ SYS_socket, "III" },
	{ SYS_socketpair, "IIIB" },
	{ SYS_bind, "FAL" },
	{ SYS_listen, "FI" },
	{ SYS_accept, "FBB" },
	{ SYS_accept4, "FBBI" },
	{ SYS_connect, "FAL" },
	{ SYS_sendto, "FBNIAL" },
	{ SYS_recvfrom, "FBNIBB" },
	{ SYS_sendmsg, "FMI" },
	{ SYS_recvmsg, "FMI" },
	{ SYS_sendmmsg, "FMNI" },
	{ SYS_recvmmsg, "FMNIB" },
	{ SYS_shutdown, "FI" },
	{ SYS_getsockname, "FBB" },
	{ SYS_getpeername, "FBB" },
	{ SYS_setsockopt, "FIIBN" },
	{ SYS_getsockopt, "FIIBB" },
	{ SYS_ioctl, "FIB" },
	{ SYS_timerfd_create, "II" },
	{ SYS_timerfd_settime, "FIBB" },
	{ SYS_timerfd_gettime, "FB" },
	{ SYS_rt_sigprocmask, "IBBN" },
	{ SYS_rt_sigpending, "BN" },
	{ SYS_kill, "II" },
	{ SYS_getrlimit, "IB" },
	{ SYS_setrlimit, "IB" },
	{ SYS_prlimit64, "IIBB" },
	{ SYS_setuid, "I" },
	{ SYS_setgid, "I" },
	{ SYS_setgroups, "NB" },
	{ SYS_getgroups, "NB" },
	{ SYS_setsid, "" },
	{ SYS_setpgid, "II" },
	{ SYS_clock_gettime, "IB" },
	{ SYS_clock_getres, "IB" },
	{ SYS_gettimeofday, "BB" },
	{ SYS_uname, "B" },
	{ SYS_setreuid, "II" },
	{ SYS_setresuid, "III" },
	{ SYS_setfsuid, "I" },
	{ SYS_setresgid, "III" },
	{ SYS_getresuid, "BBB" },
	{ SYS_getresgid, "BBB" },
	{ SYS_clock_settime, "IB" },
	{ SYS_settimeofday, "BB" },
	{ SYS_time, "B" },
	{ SYS_times, "B" },
	{ SYS_getrusage, "IB" },
	{ SYS_setitimer, "IBB" },
	{ SYS_getitimer, "IB" },
	{ SYS_alarm, "I" },
	{ SYS_timer_create, "IBB" },
	{ SYS_timer_settime, "IIBB" },
	{ SYS_timer_gettime, "IB" },
	{ SYS_timer_getoverrun, "I" },
	{ SYS_timer_delete, "I" },
	{ SYS_nanosleep, "BB" },
	{ SYS_clock_nanosleep, "IIBB" },
	{ SYS_rt_sigtimedwait, "BBBN" },
	{ SYS_rt_sigqueueinfo, "IIB" },
	{ SYS_tkill, "II" },
	{ SYS_tgkill, "III" },
	{ SYS_sigaltstack, "BB" },
	{ SYS_getpgid, "I" },
	{ SYS_getsid, "I" },
	{ SYS_epoll_create, "I" },
};
#define NCALLS (int)(sizeof(calls) / sizeof(calls[0]))

static const char *const paths[] = {
	"",
	"/",
	".",
	"..",
	"/f",
	"/d",
	"/d/g",
	"/d/..",
	"/d/g/",
	"/l",
	"/l/x",
	"/loop",
	"/none",
	"/f/x",
	"d",
	"f",
	"g",
	"x",
	"/dev",
	"/dev/null",
	"/dev/zero",
	"/dev/full",
	"/dev/urandom",
	"/mnt",
	"/mnt/x",
	"/mnt/d",
	"/s",
	"/p",
	"//d//g/",
	"/d/g/h",
	"tmpfs",
	"nosuchfs",
	"size=64k",
	"mode=0700",
	"size=abc,x",
};
#define NPATHS (int)(sizeof(paths) / sizeof(paths[0]))

struct fuzzer {
	uint64_t rng;
	char *region; /* REGION bytes, then the guard page */
	char *guard;
	int nstr;     /* path arguments placed in this call */
	long addrlen; /* of the last K_ADDR made */
	bool trace;
};

static uint64_t
rnd(struct fuzzer *fz)
{
	/* xorshift64*: deterministic per seed, good enough to pick from. */
	fz->rng ^= fz->rng >> 12;
	fz->rng ^= fz->rng << 25;
	fz->rng ^= fz->rng >> 27;
	return fz->rng * 2685821657736338717ull;
}

static long
pick(struct fuzzer *fz, const long *v, int n)
{
	return v[rnd(fz) % (uint64_t)n];
}

/* Fill the region with words that are harmless as pointers or lengths. */
static void
fill_region(struct fuzzer *fz)
{
	long *w = (long *)fz->region;

	for (size_t i = 0; i < REGION / sizeof(long); i++) {
		switch (i % 4) {
		case 0:
			w[i] = (long)(fz->region + (i * 40) % REGION);
			break;
		case 1:
			w[i] = (long)(i % 17);
			break;
		case 2:
			w[i] = (long)fz->guard;
			break;
		default:
			w[i] = 0;
		}
	}
}

static long
gen_ptr(struct fuzzer *fz)
{
	switch (rnd(fz) % 12) {
	case 0:
		return 0;
	case 1:
		return (long)fz->guard;
	case 2:
		return -1L;
	case 3: /* near the guard: anything long runs into it */
		return (long)(fz->guard - 1 - (long)(rnd(fz) % 64));
	default:
		return (long)(fz->region + STRINGS +
			      rnd(fz) % (REGION - STRINGS) / 8 * 8);
	}
}

static long
gen_path(struct fuzzer *fz)
{
	uint64_t r = rnd(fz) % 40;
	char *s;

	if (r == 0)
		return 0;
	if (r == 1)
		return (long)fz->guard;
	if (r == 2) { /* no NUL before the guard */
		memset(fz->guard - 16, 'a', 16);
		return (long)(fz->guard - 16);
	}
	s = fz->region + (fz->nstr++ % 4) * (STRINGS / 4);
	if (r == 3) { /* a component too long */
		memset(s, 'n', 255);
		s[0] = '/';
		s[255] = '\0';
		return (long)s;
	}
	snprintf(s, STRINGS / 4, "%s", paths[rnd(fz) % NPATHS]);
	return (long)s;
}

/* A sockaddr_un in the region naming one of a few sockets. */
static long
gen_addr(struct fuzzer *fz)
{
	static const char *const names[] = { "/s", "/x", "/mnt/s", "/d/g/s",
					     "/f/s" };
	struct sockaddr_un *sun;
	uint64_t r = rnd(fz) % 10;

	if (r == 0)
		return gen_ptr(fz);
	sun = (struct sockaddr_un *)(fz->region + STRINGS + 512);
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = r == 1 ? AF_INET : AF_UNIX;
	if (r == 2) /* abstract */
		memcpy(sun->sun_path, "\0abs", 4);
	else
		strcpy(sun->sun_path, names[rnd(fz) % 5]);
	fz->addrlen = r == 3 ? (long)sizeof(sa_family_t) : (long)sizeof(*sun);
	return (long)sun;
}

/* An iovec array of n in the region, each a piece of its data area. */
static struct iovec *
gen_iov(struct fuzzer *fz, char *at, int n)
{
	struct iovec *iov = (struct iovec *)at;

	for (int i = 0; i < n; i++) {
		iov[i].iov_base = fz->region + 2 * PAGE + rnd(fz) % PAGE;
		iov[i].iov_len = rnd(fz) % 600;
	}
	return iov;
}

/* A msghdr (sendmsg, recvmsg) or mmsghdr array (sendmmsg, recvmmsg) in
 * the region; some carry descriptors (SCM_RIGHTS) or credentials. */
static long
gen_msg(struct fuzzer *fz)
{
	struct mmsghdr *mm = (struct mmsghdr *)(fz->region + STRINGS + 768);
	char *ctl = fz->region + PAGE + 1024;

	if (rnd(fz) % 10 == 0)
		return gen_ptr(fz);
	for (int i = 0; i < 3; i++) {
		struct msghdr *m = &mm[i].msg_hdr;

		memset(&mm[i], 0, sizeof(mm[i]));
		m->msg_iovlen = rnd(fz) % 4;
		m->msg_iov = gen_iov(fz, fz->region + PAGE + 64 * i,
				     (int)m->msg_iovlen);
		if (rnd(fz) % 3 == 0) {
			m->msg_name = (void *)gen_addr(fz);
			m->msg_namelen = (socklen_t)fz->addrlen;
		}
		if (rnd(fz) % 3 == 0) {
			struct cmsghdr *cm = (struct cmsghdr *)(ctl + 256 * i);
			int nfd = (int)(rnd(fz) % 3);

			memset(cm, 0, 256);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type =
				rnd(fz) % 4 ? SCM_RIGHTS : SCM_CREDENTIALS;
			cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfd);
			for (int k = 0; k < nfd; k++)
				((int *)CMSG_DATA(cm))[k] = (int)(rnd(fz) % 6);
			m->msg_control = cm;
			m->msg_controllen =
				rnd(fz) % 5
					? CMSG_SPACE(sizeof(int) * (size_t)nfd)
					: 256;
		}
	}
	return (long)mm;
}

static long
gen_arg(struct fuzzer *fz, char kind)
{
	static const long fds[] = { 0, 1, 2, 3, 4, 5, 6, 7, -1, 1023, 1 << 30 };
	static const long sizes[] = { 0,    1,       16,        100, 4096,
				      8192, 1 << 20, INT32_MAX, -1L, LONG_MAX };
	static const long offs[] = { 0,     1,        4096,     -1,
				     -4096, 1L << 40, LONG_MAX, LONG_MIN };

	switch (kind) {
	case K_FD:
		return pick(fz, fds, sizeof(fds) / sizeof(fds[0]));
	case K_DIRFD:
		return rnd(fz) % 3 == 0
			       ? AT_FDCWD
			       : pick(fz, fds, sizeof(fds) / sizeof(fds[0]));
	case K_PATH:
		return gen_path(fz);
	case K_PTR:
		return gen_ptr(fz);
	case K_ADDR:
		return gen_addr(fz);
	case K_ALEN:
		return rnd(fz) % 5 ? fz->addrlen : (long)(rnd(fz) % 200) - 1;
	case K_MSG:
		return gen_msg(fz);
	case K_SIZE:
		return rnd(fz) % 2 ? (long)(rnd(fz) % 300)
				   : pick(fz, sizes,
					  sizeof(sizes) / sizeof(sizes[0]));
	case K_OFF:
		return rnd(fz) % 2
			       ? (long)(rnd(fz) % 20000)
			       : pick(fz, offs, sizeof(offs) / sizeof(offs[0]));
	default: /* K_INT */
		switch (rnd(fz) % 10) {
		case 0:
		case 1:
		case 2:
		case 3:
			return (long)(rnd(fz) % 8);
		case 4:
			return (long)(rnd(fz) & 07777);
		case 5:
			return 1L << (rnd(fz) % 32);
		case 6:
			return (long)(1UL << (rnd(fz) % 64));
		case 7:
			return (long)(int)rnd(fz);
		case 8:
			return (long)rnd(fz);
		default:
			return -1;
		}
	}
}

/* A zeroed timeout in the region, for calls that would otherwise wait. */
static long
zero_time(struct fuzzer *fz)
{
	char *t = fz->region + REGION - 64;

	memset(t, 0, 32);
	return (long)t;
}

/* Force whatever could make the call block, signal or leave the kernel. */
static void
fixup(struct fuzzer *fz, long nr, long *a, pid_t pid)
{
	switch (nr) {
	case SYS_open:
		a[1] |= O_NONBLOCK;
		break;
	case SYS_openat:
		a[2] |= O_NONBLOCK;
		break;
	case SYS_fcntl:
		if (a[1] == F_SETLKW || a[1] == F_OFD_SETLKW)
			a[1] = F_GETLK;
		if (rnd(fz) % 2) {
			static const long cmds[] = {
				F_DUPFD,         F_GETFD,      F_SETFD,
				F_GETFL,         F_SETFL,      F_GETLK,
				F_SETLK,         F_OFD_GETLK,  F_OFD_SETLK,
				F_DUPFD_CLOEXEC, F_GETPIPE_SZ, F_SETPIPE_SZ,
			};
			a[1] = pick(fz, cmds, sizeof(cmds) / sizeof(cmds[0]));
			if (a[1] >= F_GETLK && a[1] <= F_SETLK)
				a[2] = gen_ptr(fz);
			if (a[1] >= F_OFD_GETLK && a[1] <= F_OFD_SETLK)
				a[2] = gen_ptr(fz);
		}
		if (a[1] == F_SETFL)
			a[2] |= O_NONBLOCK;
		break;
	case SYS_flock:
		a[1] |= LOCK_NB;
		break;
	case SYS_mknod:
	case SYS_mknodat: { /* never a console (major 5) */
		static const long devs[] = { 0, 0x103, 0x105, 0x109, 0xc801 };

		a[nr == SYS_mknod ? 2 : 3] =
			pick(fz, devs, sizeof(devs) / sizeof(devs[0]));
		break;
	}
	case SYS_mount: { /* never hostfs: the host is not the calls' */
		static const char *const types[] = { "tmpfs", "tmpfs",
						     "nosuchfs", "" };

		a[2] = rnd(fz) % 8 == 0 ? gen_ptr(fz)
					: (long)types[rnd(fz) % 4];
		break;
	}
	/* Copies make real pages from sparse files, and vmsplice waits
	 * whatever O_NONBLOCK says: keep them small and nonblocking. */
	case SYS_copy_file_range:
	case SYS_splice:
		a[4] = (long)(rnd(fz) % (1 << 20));
		a[5] |= 2; /* SPLICE_F_NONBLOCK */
		if (nr == SYS_copy_file_range && rnd(fz) % 2)
			a[5] = 0;
		break;
	case SYS_sendfile:
		a[3] = (long)(rnd(fz) % (1 << 20));
		break;
	case SYS_tee:
	case SYS_vmsplice:
		a[3] |= 2; /* SPLICE_F_NONBLOCK */
		break;
	case SYS_fallocate: /* real pages: keep it small */
		a[3] = (long)(rnd(fz) % (1 << 20)) - (rnd(fz) % 4 == 0);
		break;
	case SYS_pipe2:
	case SYS_eventfd2:
	case SYS_timerfd_create:
		a[1] |= O_NONBLOCK; /* EFD_, TFD_NONBLOCK are O_NONBLOCK */
		break;
	case SYS_socket:
	case SYS_socketpair:
		a[0] = rnd(fz) % 4 ? AF_UNIX : a[0];
		a[1] = (rnd(fz) % 4 ? (long)(rnd(fz) % 6) : a[1]) |
		       SOCK_NONBLOCK;
		break;
	case SYS_accept4:
		a[3] |= SOCK_NONBLOCK;
		break;
	case SYS_sendto:
	case SYS_recvfrom:
	case SYS_sendmsg:
	case SYS_recvmsg:
		a[nr == SYS_sendto || nr == SYS_recvfrom ? 3 : 2] |=
			MSG_DONTWAIT;
		break;
	case SYS_sendmmsg:
	case SYS_recvmmsg:
		a[3] |= MSG_DONTWAIT;
		a[3] &= ~(long)MSG_WAITFORONE;
		if (nr == SYS_recvmmsg && a[4] == 0)
			a[4] = zero_time(fz);
		break;
	case SYS_poll:
	case SYS_epoll_wait:
		a[2 + (nr != SYS_poll)] = 0;
		break;
	case SYS_select:
		a[4] = zero_time(fz);
		break;
	case SYS_pselect6:
		a[4] = zero_time(fz);
		break;
	case SYS_ioctl:
		if (a[1] == FIONBIO || rnd(fz) % 2) {
			static const long cmds[] = { FIONREAD, FIOCLEX,
						     FIONCLEX, 0x5401, 0x8912 };
			a[1] = pick(fz, cmds, sizeof(cmds) / sizeof(cmds[0]));
		}
		break;
	case SYS_kill: /* only this process, never a stopping signal */
		a[0] = rnd(fz) % 2 ? pid : 1 << 29;
		a[1] = rnd(fz) % 2 ? 0 : SIGUSR1;
		break;
	case SYS_setrlimit:
	case SYS_prlimit64: { /* not CPU or FSIZE, whose signals kill */
		static const long res[] = { RLIMIT_NOFILE, RLIMIT_STACK,
					    RLIMIT_NPROC, 99, -1 };
		int i = nr == SYS_prlimit64;

		if (i)
			a[0] = rnd(fz) % 2 ? 0 : pid;
		a[i] = pick(fz, res, sizeof(res) / sizeof(res[0]));
		break;
	}
	case SYS_rt_sigprocmask: /* the size is checked first: mostly right */
	case SYS_rt_sigpending:
	case SYS_ppoll:
	case SYS_epoll_pwait: {
		int i = nr == SYS_rt_sigprocmask  ? 3
			: nr == SYS_rt_sigpending ? 1
			: nr == SYS_ppoll         ? 4
						  : 5;

		if (rnd(fz) % 4)
			a[i] = 8;
		if (nr == SYS_ppoll)
			a[2] = zero_time(fz);
		if (nr == SYS_epoll_pwait)
			a[3] = 0;
		break;
	}
	case SYS_setuid: /* mostly stay root, or little else is reached */
	case SYS_setgid:
		if (rnd(fz) % 4)
			a[0] = 0;
		break;
	case SYS_setpgid:
		a[0] = rnd(fz) % 2 ? 0 : a[0];
		break;
	case SYS_nanosleep: /* no time at all: past at once */
		a[0] = zero_time(fz);
		break;
	case SYS_clock_nanosleep:
		a[2] = zero_time(fz);
		break;
	case SYS_rt_sigtimedwait:
		a[2] = zero_time(fz);
		if (rnd(fz) % 4)
			a[3] = 8;
		break;
	case SYS_rt_sigqueueinfo: /* to this process; every signal ignored */
	case SYS_tkill:
	case SYS_tgkill:
		a[0] = rnd(fz) % 8 ? pid : a[0];
		if (nr == SYS_tgkill)
			a[1] = rnd(fz) % 2 ? (long)rump_sys_gettid() : a[1];
		if (a[nr == SYS_tgkill ? 2 : 1] == SIGKILL ||
		    a[nr == SYS_tgkill ? 2 : 1] == SIGSTOP)
			a[nr == SYS_tgkill ? 2 : 1] = SIGUSR2;
		if (nr == SYS_tkill && rnd(fz) % 2)
			a[0] = (long)rump_sys_gettid();
		break;
	case SYS_alarm:
		a[0] &= 3;
		break;
	default:
		break;
	}
}

/* One random call; false (with the call in *what) on a result no
 * system call may give. */
static bool
fuzz_one(struct fuzzer *fz, pid_t pid, long *what, long *result)
{
	const struct call *c = &calls[rnd(fz) % NCALLS];
	long a[6] = { 0 }, r;

	fill_region(fz);
	fz->nstr = 0;
	for (int k = 0; c->kinds[k] != '\0'; k++)
		a[k] = gen_arg(fz, c->kinds[k]);
	fixup(fz, c->nr, a, pid);
	if (fz->trace)
		fprintf(stderr,
			"syscall %ld(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n",
			c->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	r = rump_syscall(c->nr, a);
	if (fz->trace)
		fprintf(stderr, "  = %ld\n", r);
	*what = c->nr;
	*result = r;
	return r >= -4095;
}

static void
fuzzer_init(struct fuzzer *fz, unsigned seed)
{
	memset(fz, 0, sizeof(*fz));
	fz->rng = 0x9e3779b97f4a7c15ull * (seed + 1);
	fz->region = mmap(NULL, REGION + PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(fz->region, MAP_FAILED);
	fz->guard = fz->region + REGION;
	cr_assert_eq(mprotect(fz->guard, PAGE, PROT_NONE), 0);
	fz->trace = getenv("FUZZ_TRACE") != NULL;
}

static void
fuzzer_fini(struct fuzzer *fz)
{
	munmap(fz->region, REGION + PAGE);
}

/* In the current process: every signal that can be ignored is. */
static void
ignore_signals(void)
{
	struct rump_ksigaction sa = { .sa_handler_ = (void *)1 }; /* SIG_IGN */

	for (int sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			RETURNS(rump_sys_rt_sigaction(sig, &sa, NULL, 8), 0);
}

/* The files the paths name, made before the calls start. */
static void
make_world(void)
{
	int fd;

	RETURNS(rump_sys_mkdir("/d", 0755), 0);
	RETURNS(rump_sys_mkdir("/d/g", 0700), 0);
	fd = rump_sys_open("/f", O_CREAT | O_RDWR, 0644);
	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_write(fd, "hello", 5), 5);
	RETURNS(rump_sys_close(fd), 0);
	RETURNS(rump_sys_symlink("/d", "/l"), 0);
	RETURNS(rump_sys_symlink("/loop", "/loop"), 0);
	RETURNS(rump_sys_mknod("/p", S_IFIFO | 0666, 0), 0);
	RETURNS(rump_sys_mkdir("/mnt", 0755), 0);
	RETURNS(rump_sys_mount("tmpfs", "/mnt", "tmpfs", 0, "size=64k"), 0);
}

/* Remove everything under directory `path' that can go: a mounted
 * file system is unmounted first (its mount point then stays). */
static void
remove_tree(const char *path)
{
	char buf[2048], sub[512];
	bool removed = true;
	long n;
	int dfd;

	while (removed) {
		removed = false;
		if ((dfd = rump_sys_open(path, O_RDONLY | O_DIRECTORY)) < 0)
			return;
		while ((n = rump_sys_getdents64(dfd, buf, sizeof(buf))) > 0) {
			for (long o = 0; o < n;) {
				struct dirent64 *d =
					(struct dirent64 *)(buf + o);

				o += d->d_reclen;
				if (strcmp(d->d_name, ".") == 0 ||
				    strcmp(d->d_name, "..") == 0)
					continue;
				snprintf(sub, sizeof(sub), "%s/%s",
					 strcmp(path, "/") ? path : "",
					 d->d_name);
				if (rump_sys_unlink(sub) == 0)
					removed = true;
				else if (d->d_type != DT_DIR)
					continue;
				while (rump_sys_umount2(sub, MNT_DETACH) == 0)
					continue;
				remove_tree(sub);
				if (rump_sys_rmdir(sub) == 0)
					removed = true;
			}
		}
		rump_sys_close(dfd);
	}
}

/* After the calls: a new process finds a kernel that works, and once
 * every file is gone the root file system holds no page: nothing the
 * calls did leaked file data. */
static void
check_kernel_works(void)
{
	struct statfs sf;
	char buf[8];
	int fd;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	/* Undo what the calls may have done to "/": file systems mounted
	 * on it, a read-only remount, a size limit.  These must work. */
	for (int i = 0; i < 10000 && rump_sys_umount2("/", MNT_DETACH) == 0;
	     i++)
		continue;
	RETURNS(rump_sys_mount("", "/", "", MS_REMOUNT, "size=0"), 0);
	fd = rump_sys_open("/after", O_CREAT | O_EXCL | O_RDWR, 0600);
	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_pwrite(fd, "check", 5, 0), 5);
	RETURNS(rump_sys_pread(fd, buf, 5, 0), 5);
	cr_assert_eq(memcmp(buf, "check", 5), 0);
	RETURNS(rump_sys_close(fd), 0);
	remove_tree("/");
	RETURNS(rump_sys_statfs("/", &sf), 0);
	cr_assert_eq(sf.f_blocks - sf.f_bfree, 0, "%ld pages still held",
		     (long)(sf.f_blocks - sf.f_bfree));
	rump_pub_lwproc_releaselwp();
}

static void
fuzz_process(unsigned seed, int ncalls)
{
	struct fuzzer fz;
	pid_t pid;

	fuzzer_init(&fz, seed);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	pid = (pid_t)rump_sys_getpid();
	ignore_signals();
	for (int i = 0; i < ncalls; i++) {
		long nr, r;

		cr_assert(fuzz_one(&fz, pid, &nr, &r),
			  "seed %u call %d: syscall %ld returned %ld", seed, i,
			  nr, r);
	}
	rump_pub_lwproc_releaselwp(); /* closes what the calls opened */
	fuzzer_fini(&fz);
}

static void
setup(void)
{
	cr_assert_eq(rump_init(), 0);
	make_world();
}

TestSuite(fuzz, .init = setup, .timeout = 120);

Test(fuzz, random_calls_in_one_process)
{
	const char *env = getenv("FUZZ_SEEDS");
	unsigned nseeds = env != NULL ? (unsigned)atoi(env) : 30;

	for (unsigned seed = 1; seed <= nseeds; seed++)
		fuzz_process(seed, 2000);
	check_kernel_works();
}

struct lwp_arg {
	unsigned seed;
	pid_t pid; /* 0: make a process; else an lwp in this one */
	struct lwp *l;
};

static void *
fuzz_thread(void *arg)
{
	struct lwp_arg *la = arg;
	struct fuzzer fz;

	fuzzer_init(&fz, la->seed);
	rump_pub_lwproc_switch(la->l);
	for (int i = 0; i < 3000; i++) {
		long nr, r;

		if (!fuzz_one(&fz, la->pid, &nr, &r)) {
			fprintf(stderr,
				"seed %u call %d: syscall %ld returned "
				"%ld\n",
				la->seed, i, nr, r);
			abort(); /* cr_assert is for the test's own thread */
		}
	}
	rump_pub_lwproc_releaselwp();
	fuzzer_fini(&fz);
	return NULL;
}

Test(fuzz, two_lwps_of_one_process_and_another_process)
{
	struct lwp_arg la[3];
	pthread_t t[3];

	const char *env = getenv("FUZZ_SEEDS");
	unsigned rounds = env != NULL ? (unsigned)atoi(env) / 8 + 1 : 4;

	for (unsigned round = 0; round < rounds; round++) {
		/* lwps 0 and 1 share a process (its descriptors, cwd, root);
		 * lwp 2 is a process of its own. */
		cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
		ignore_signals();
		la[0].pid = la[1].pid = (pid_t)rump_sys_getpid();
		la[0].l = rump_pub_lwproc_curlwp();
		cr_assert_eq(rump_pub_lwproc_newlwp(la[0].pid), 0);
		la[1].l = rump_pub_lwproc_curlwp();
		rump_pub_lwproc_switch(NULL);
		cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
		ignore_signals();
		la[2].pid = (pid_t)rump_sys_getpid();
		la[2].l = rump_pub_lwproc_curlwp();
		rump_pub_lwproc_switch(NULL);
		for (int i = 0; i < 3; i++) {
			la[i].seed = 100 + round * 3 + (unsigned)i;
			cr_assert_eq(pthread_create(&t[i], NULL, fuzz_thread,
						    &la[i]),
				     0);
		}
		for (int i = 0; i < 3; i++)
			pthread_join(t[i], NULL);
	}
	check_kernel_works();
}
