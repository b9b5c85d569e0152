/*
 * uname.c: the kernel's identity (kern/sys_uname.c): rumpkit's own
 * names, the node name from the hypercall layer, Linux's layout.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpuser.h>

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(uname, .init = boot);

/* What the node name must be: the hypercall parameter, cut to 64. */
static void
expected_nodename(char *buf)
{
	char param[512];

	cr_assert_eq(rumpuser_getparam(RUMPUSER_PARAM_HOSTNAME, param,
				       sizeof(param)),
		     0);
	memset(buf, 0, 65);
	memcpy(buf, param, strnlen(param, 64));
}

Test(uname, fields)
{
	struct utsname u;
	char node[65];

	memset(&u, 0x7f, sizeof(u));
	cr_assert_eq(rump_sys_uname(&u), 0);
	cr_assert_str_eq(u.sysname, "rumpkit");
	cr_assert_str_eq(u.release, "0.1.0");
	cr_assert_str_eq(u.version, "#1 rumpkit");
	cr_assert_str_eq(u.machine, "x86_64");
	cr_assert_str_eq(u.domainname, "(none)");
	expected_nodename(node);
	cr_assert_str_eq(u.nodename, node);
	cr_assert_eq(strncmp(u.nodename, "rump-", 5), 0);
	/* Every field is padded with NULs: none of the fill is left. */
	for (size_t i = 0; i < sizeof(u); i++)
		cr_assert_neq(((char *)&u)[i], 0x7f, "byte %zu", i);
}

Test(uname, layout_is_linux_new_utsname)
{
	cr_assert_eq(sizeof(struct utsname), 6 * 65);
	cr_assert_eq(offsetof(struct utsname, nodename), 65);
	cr_assert_eq(offsetof(struct utsname, domainname), 5 * 65);
}

Test(uname, nodename_is_stable)
{
	struct utsname a, b;

	cr_assert_eq(rump_sys_uname(&a), 0);
	cr_assert_eq(rump_sys_uname(&b), 0);
	cr_assert_str_eq(a.nodename, b.nodename);
	/* The same for every process. */
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_sys_setuid(1000), 0);
	cr_assert_eq(rump_sys_uname(&b), 0);
	cr_assert_str_eq(a.nodename, b.nodename);
	rump_pub_lwproc_releaselwp();
}

Test(uname, bad_pointer_is_efault)
{
	long pagesz = sysconf(_SC_PAGESIZE);
	char *p;

	cr_assert_eq(rump_sys_uname(NULL), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_uname((void *)1), -1);
	cr_assert_eq(errno, EFAULT);
	/* A buffer that runs into an unmapped page. */
	p = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(munmap(p + pagesz, pagesz), 0);
	cr_assert_eq(rump_sys_uname((void *)(p + pagesz - 100)), -1);
	cr_assert_eq(errno, EFAULT);
	/* Read-only memory. */
	cr_assert_eq(mprotect(p, pagesz, PROT_READ), 0);
	cr_assert_eq(rump_sys_uname((void *)p), -1);
	cr_assert_eq(errno, EFAULT);
	munmap(p, pagesz);
}

Test(uname, raw_syscall)
{
	struct utsname u;
	long args[6] = { (long)&u };

	cr_assert_eq(rump_syscall(RUMP_SYS_uname, args), 0);
	cr_assert_str_eq(u.sysname, "rumpkit");
	args[0] = 0;
	cr_assert_eq(rump_syscall(RUMP_SYS_uname, args), -EFAULT);
}

#define NTHREADS 8

static void *
racer(void *arg)
{
	struct utsname *u = arg;

	return (void *)(long)rump_sys_uname(u);
}

/* The first calls race to read the node name: all agree. */
Test(uname, first_calls_race)
{
	pthread_t t[NTHREADS];
	struct utsname u[NTHREADS];
	void *rv;

	for (int i = 0; i < NTHREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, racer, &u[i]), 0);
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], &rv);
		cr_assert_null(rv);
	}
	for (int i = 1; i < NTHREADS; i++)
		cr_assert_str_eq(u[i].nodename, u[0].nodename);
}
