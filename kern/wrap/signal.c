/*
 * signal.c: rump_sys_sigaction() and rump_sys_sigqueue(), the wrappers
 * with glibc's types.  glibc's struct sigaction has a 128-byte sigset_t
 * in the middle and an int for the flags; the kernel's (struct
 * rump_ksigaction) keeps the flags first and an 8-byte mask last.
 * sigqueue fills the siginfo as glibc does, with the caller's rump pid
 * and uid.
 */
#include <string.h>

#include <rump/rump_syscalls.h>
#include <rump/rumpuser.h>

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
rump_sys_sigaction(int sig, const struct sigaction *act, struct sigaction *oact)
{
	struct rump_ksigaction k, ko;
	long args[6];
	int rv;

	if (act != NULL) {
		memset(&k, 0, sizeof(k));
		k.sa_handler_ = (void *)act->sa_handler;
		k.sa_flags = (unsigned int)act->sa_flags;
		k.sa_restorer = (void *)act->sa_restorer;
		memcpy(&k.sa_mask, &act->sa_mask, sizeof(k.sa_mask));
	}
	args[0] = sig;
	args[1] = (long)(act != NULL ? &k : NULL);
	args[2] = (long)(oact != NULL ? &ko : NULL);
	args[3] = sizeof(uint64_t);
	if ((rv = ret(rump_syscall(RUMP_SYS_rt_sigaction, args))) != 0)
		return rv;
	if (oact != NULL) {
		memset(oact, 0, sizeof(*oact));
		oact->sa_handler = (void (*)(int))ko.sa_handler_;
		oact->sa_flags = (int)ko.sa_flags;
		oact->sa_restorer = (void (*)(void))ko.sa_restorer;
		memcpy(&oact->sa_mask, &ko.sa_mask, sizeof(ko.sa_mask));
	}
	return 0;
}

int
rump_sys_sigqueue(pid_t pid, int sig, const union sigval value)
{
	siginfo_t si;
	long args[6];

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = rump_sys_getpid();
	si.si_uid = rump_sys_getuid();
	si.si_value = value;
	args[0] = pid;
	args[1] = sig;
	args[2] = (long)&si;
	return ret(rump_syscall(RUMP_SYS_rt_sigqueueinfo, args));
}
