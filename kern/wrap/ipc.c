/*
 * ipc.c: rump_sys_ppoll() and rump_sys_pselect() with libc's signatures.
 * The raw calls write the time left into the timeout and take the
 * signal set's size (and pselect6 a pointer to both); glibc passes a
 * copy of the timeout, so the caller's is never changed.
 */
#include <rump/rump_syscalls.h>
#include <rump/rumpuser.h>

#define KSIGSET_SIZE 8 /* the kernel's sigset_t on x86_64 */

static int
ret(long rv)
{
	if (__builtin_expect((unsigned long)rv > -4096UL, 0)) {
		rumpuser_seterrno((int)-rv);
		return -1;
	}
	return (int)rv;
}

int
rump_sys_ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo_p,
	       const sigset_t *sigmask)
{
	struct timespec ts;
	long args[6] = { (long)fds, (long)nfds, 0, (long)sigmask,
			 KSIGSET_SIZE };

	if (tmo_p != NULL) {
		ts = *tmo_p;
		args[2] = (long)&ts;
	}
	return ret(rump_syscall(RUMP_SYS_ppoll, args));
}

int
rump_sys_pselect(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
		 const struct timespec *timeout, const sigset_t *sigmask)
{
	struct timespec ts;
	struct {
		const sigset_t *ss;
		size_t ss_len;
	} sig = { sigmask, KSIGSET_SIZE };
	long args[6] = { nfds, (long)readfds, (long)writefds, (long)exceptfds,
			 0,    (long)&sig };

	if (timeout != NULL) {
		ts = *timeout;
		args[4] = (long)&ts;
	}
	return ret(rump_syscall(RUMP_SYS_pselect6, args));
}
