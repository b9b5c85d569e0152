/*
 * umask.c: the file mode creation mask (kern/sys_umask.c): one per
 * process, inherited by rfork, never shared, even by processes that
 * share a descriptor table.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sys/stat.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(umask, .init = boot);

Test(umask, boot_default_is_022)
{
	cr_assert_eq(rump_sys_umask(022), 022);
}

Test(umask, returns_old_and_keeps_permission_bits)
{
	cr_assert_eq(rump_sys_umask(077), 022);
	cr_assert_eq(rump_sys_umask(0), 077);
	/* Only the 0777 bits are kept: setuid/setgid/sticky are dropped. */
	cr_assert_eq(rump_sys_umask(07777), 0);
	cr_assert_eq(rump_sys_umask(S_ISUID | 0123), 0777);
	cr_assert_eq(rump_sys_umask(0), 0123);
	/* The raw call takes any int; only the low bits matter. */
	cr_assert_eq(rump_sys_umask((mode_t)-1), 0);
	cr_assert_eq(rump_sys_umask(0), 0777);
}

Test(umask, inherited_by_rfork_then_private)
{
	struct lwp *parent, *child;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	parent = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_sys_umask(027), 022);
	/* Flags 0 share the descriptor table, never the umask. */
	cr_assert_eq(rump_pub_lwproc_rfork(0), 0);
	child = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_sys_umask(007), 027, "inherited");
	rump_pub_lwproc_switch(parent);
	cr_assert_eq(rump_sys_umask(027), 027, "child's change is private");
	cr_assert_eq(rump_sys_umask(066), 027);
	rump_pub_lwproc_switch(child);
	cr_assert_eq(rump_sys_umask(007), 007, "parent's change is private");
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(parent);
	rump_pub_lwproc_releaselwp();
	cr_assert_eq(rump_sys_umask(022), 022, "init's mask is untouched");
}

Test(umask, shared_by_lwps_of_a_process)
{
	struct lwp *l1;
	pid_t pid;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	l1 = rump_pub_lwproc_curlwp();
	pid = rump_sys_getpid();
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	cr_assert_eq(rump_sys_umask(0700), 022);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(l1);
	cr_assert_eq(rump_sys_umask(0), 0700);
	rump_pub_lwproc_releaselwp();
}

#define NTHREADS 8
#define ROUNDS 500

/* Each thread's process sets and reads back its own mask. */
static void *
worker(void *arg)
{
	mode_t mine = (mode_t)(uintptr_t)arg, other = mine ^ 0777;
	intptr_t failures = 0;

	if (rump_pub_lwproc_rfork(RUMP_RFCFDG) != 0)
		return (void *)1;
	failures += rump_sys_umask(mine) != 022;
	for (int i = 0; i < ROUNDS; i++) {
		failures += rump_sys_umask(other) != mine;
		failures += rump_sys_umask(mine) != other;
	}
	rump_pub_lwproc_releaselwp();
	return (void *)failures;
}

Test(umask, concurrent_processes_are_independent)
{
	pthread_t t[NTHREADS];
	void *failures;

	for (int i = 0; i < NTHREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, worker,
					    (void *)(uintptr_t)(i * 011)),
			     0);
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], &failures);
		cr_assert_null(failures, "thread %d saw another's mask", i);
	}
	cr_assert_eq(rump_sys_umask(022), 022);
}
