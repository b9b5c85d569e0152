/*
 * ucopy.c: fault-safe copies between kernel and user memory.
 *
 * The kernel never dereferences a user pointer itself; it calls these.
 * Addresses that can never be user memory (NULL and the first page,
 * anything from the top of the x86_64 lower half up) are refused before
 * touching them.  Everything else is copied by the assembly routines,
 * and a fault there is turned into EFAULT by a SIGSEGV/SIGBUS handler
 * that redirects the faulting instruction to a fixup (see the .S file).
 * Faults anywhere else are passed on to whoever handled the signal
 * before us (a sanitizer, the application), or kill the process just as
 * they would have without us.
 *
 * The handler is installed once, by rumpuser_init().  A handler
 * installed later by someone else must chain to ours for ucopy to keep
 * working; sanitizers install theirs before main and are chained to.
 * A thread that blocks SIGSEGV or SIGBUS cannot use these copies: Linux
 * kills a process whose fault signal is blocked.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

#include "rumpuser_int.h"

#ifndef __x86_64__
#error "ucopy: only x86_64 so far; a port needs ucopy_<arch>.S and its PC"
#endif

#define USER_MIN 4096UL
/* Top of the 47-bit lower half: the kernel's, or non-canonical, above. */
#define USER_END 0x0000800000000000UL

static struct sigaction prev_segv, prev_bus;

/* Whether [p, p+len) may be user memory at all. */
static inline bool
range_ok(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;

	return a >= USER_MIN && a < USER_END && len <= USER_END - a;
}

RUMPUSER_API int
rumpuser_ucopy(void *dst, const void *src, size_t len)
{
	if (len == 0)
		return 0;
	if (!range_ok(src, len) || !range_ok(dst, len))
		return EFAULT;
	return rumpuser__ucopy_asm(dst, src, len);
}

RUMPUSER_API int
rumpuser_ucopystr(void *dst, const void *src, size_t maxlen, size_t *donep)
{
	size_t lim = maxlen, done = 0;
	int error;

	if (maxlen == 0) {
		error = ENAMETOOLONG;
	} else if (!range_ok(src, 1) || !range_ok(dst, 1)) {
		error = EFAULT;
	} else {
		/* Stop where user space ends: the next byte would fault. */
		if (lim > USER_END - (uintptr_t)src)
			lim = USER_END - (uintptr_t)src;
		if (lim > USER_END - (uintptr_t)dst)
			lim = USER_END - (uintptr_t)dst;
		error = rumpuser__ucopystr_asm(dst, src, lim, &done);
		if (error == ENAMETOOLONG && lim < maxlen)
			error = EFAULT;
	}
	if (donep != NULL)
		*donep = done;
	return error;
}

/* A fault in a copy?  Then resume at its fixup, which returns EFAULT. */
static bool
fixup(ucontext_t *uc)
{
	greg_t *rip = &uc->uc_mcontext.gregs[REG_RIP];
	uintptr_t pc = (uintptr_t)*rip;

	if (pc >= (uintptr_t)rumpuser__ucopy_fault_begin &&
	    pc < (uintptr_t)rumpuser__ucopy_fault_end) {
		*rip = (greg_t)(uintptr_t)rumpuser__ucopy_fixup;
		return true;
	}
	if (pc >= (uintptr_t)rumpuser__ucopystr_fault_begin &&
	    pc < (uintptr_t)rumpuser__ucopystr_fault_end) {
		*rip = (greg_t)(uintptr_t)rumpuser__ucopystr_fixup;
		return true;
	}
	return false;
}

/*
 * Not ours: do what would have happened without us.  For the default
 * action, put it back and return: a fault re-executes and kills the
 * process with the right signal and core; a signal sent with kill(2)
 * does not recur by itself, so it is sent again.
 */
static void
chain(int sig, siginfo_t *si, void *ctx)
{
	const struct sigaction *prev = sig == SIGSEGV ? &prev_segv : &prev_bus;
	struct sigaction dfl;

	if (prev->sa_handler == SIG_IGN && si->si_code <= 0)
		return;
	if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
		if (prev->sa_flags & SA_SIGINFO)
			prev->sa_sigaction(sig, si, ctx);
		else
			prev->sa_handler(sig);
		return;
	}
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	if (si->si_code <= 0)
		raise(sig);
}

static void
fault_handler(int sig, siginfo_t *si, void *ctx)
{
	int saved = errno;

	/* si_code > 0: raised by the CPU, not sent by someone. */
	if (si->si_code <= 0 || !fixup(ctx))
		chain(sig, si, ctx);
	errno = saved;
}

int
rumpuser__ucopy_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_handler;
	/* NODEFER: a fault in a chained handler must not be blocked. */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &prev_segv) != 0 ||
	    sigaction(SIGBUS, &sa, &prev_bus) != 0)
		return errno;
	return 0;
}
