/*
 * syscall.c: the system call machinery: rump_syscall()'s number checks,
 * the generated rump_sys_*() wrappers and their errno convention, the
 * generated numbers against the host's, EFAULT for bad user pointers,
 * the RUMP_TRACE tracer, and the table generator's error checks.
 *
 * Tests that need a particular system call are compiled when it is in
 * the generated <rump/rump_syscalls.h>.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include "host_dir.h"

/* ---- helpers ---------------------------------------------------------- */

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

static long
call0(long nr)
{
	long a[6] = { 0 };

	return rump_syscall(nr, a);
}

/* The directory two levels above this executable (<build>/tests/x). */
static void
build_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	cr_assert_gt(n, 0);
	buf[n] = '\0';
	for (int i = 0; i < 2; i++) {
		slash = strrchr(buf, '/');
		cr_assert_not_null(slash);
		*slash = '\0';
	}
}

/* The source tree: the nearest ancestor of the build directory holding
 * kern/syscalls.tbl; RUMPKIT_SRCDIR overrides. */
static void
source_dir(char *buf, size_t size)
{
	const char *env = getenv("RUMPKIT_SRCDIR");
	char probe[PATH_MAX + 32];
	char *slash;

	if (env != NULL && env[0] != '\0') {
		snprintf(buf, size, "%s", env);
		return;
	}
	build_dir(buf, size);
	for (;;) {
		snprintf(probe, sizeof(probe), "%s/kern/syscalls.tbl", buf);
		if (access(probe, R_OK) == 0)
			return;
		slash = strrchr(buf, '/');
		cr_assert(slash != NULL && slash != buf,
			  "no kern/syscalls.tbl above the test binary");
		*slash = '\0';
	}
}

/* Run a shell command; its stdout and stderr into out[size]; returns
 * the wait status. */
static int
run(const char *cmd, char *out, size_t size)
{
	char *full;
	size_t n = 0;
	FILE *f;

	cr_assert_gt(asprintf(&full, "%s 2>&1", cmd), 0);
	fflush(NULL);
	f = popen(full, "r");
	free(full);
	cr_assert_not_null(f, "popen %s", cmd);
	while (n < size - 1 && !feof(f)) {
		size_t r = fread(out + n, 1, size - 1 - n, f);

		if (r == 0)
			break;
		n += r;
	}
	out[n] = '\0';
	return pclose(f);
}

/* An address with nothing mapped at it. */
static void *
unmapped_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(munmap(p, 4096), 0);
	return p;
}

/* The last `tail' bytes of a page followed by an unmapped one. */
static void *
before_hole(size_t tail)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(munmap(p + 4096, 4096), 0);
	return p + 4096 - tail;
}

static void *
readonly_page(void)
{
	void *p =
		mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	return p;
}

#define NONCANONICAL ((void *)0x8000000000000000UL)
#define KERNELHALF ((void *)0xffff888000000000UL)

/* ---- rump_syscall: numbers -------------------------------------------- */

TestSuite(syscall, .init = boot, .timeout = 20);

Test(syscall, known_number_dispatches)
{
	cr_assert_eq(call0(SYS_getpid), 1);
	cr_assert_eq(call0(SYS_getppid), 0);
	cr_assert_gt(call0(SYS_gettid), 1);
}

/* Linux x86_64 leaves 335..423 unassigned, and 511 below the x32
 * range: nothing can ever be there. */
Test(syscall, unassigned_number_is_enosys)
{
	static const long nrs[] = { 335, 400, 423, 511 };

	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		cr_assert_eq(call0(nrs[i]), -ENOSYS, "nr %ld", nrs[i]);
}

Test(syscall, negative_number_is_enosys)
{
	static const long nrs[] = { -1,   -2,       -39,
				    -512, LONG_MIN, LONG_MIN + SYS_getpid };

	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		cr_assert_eq(call0(nrs[i]), -ENOSYS, "nr %ld", nrs[i]);
}

Test(syscall, number_512_and_above_is_enosys)
{
	static const long nrs[] = { 512, 513, 547, 1000, 4096, LONG_MAX };

	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		cr_assert_eq(call0(nrs[i]), -ENOSYS, "nr %ld", nrs[i]);
}

/* A number is a long: the high bits must not be dropped on the way to
 * the table. */
Test(syscall, number_is_not_truncated)
{
	cr_assert_eq(call0((1L << 32) + SYS_getpid), -ENOSYS);
	cr_assert_eq(call0((1L << 31) + SYS_getpid), -ENOSYS);
	cr_assert_eq(call0(512 + SYS_getpid), -ENOSYS);
}

Test(syscall, enosys_through_the_wrapper_convention)
{
	errno = 0;
	cr_assert_eq(call0(400), -ENOSYS);
	cr_assert_eq(errno, 0, "rump_syscall does not set errno");
}

/* ---- before rump_init ------------------------------------------------- */

TestSuite(preinit, .timeout = 20);

Test(preinit, rump_syscall_before_init_is_enxio)
{
	cr_assert_eq(call0(SYS_getpid), -ENXIO);
	cr_assert_eq(call0(SYS_gettid), -ENXIO);
}

Test(preinit, wrapper_before_init_fails_with_enxio)
{
	errno = 0;
	cr_assert_eq(rump_sys_getpid(), -1);
	cr_assert_eq(errno, ENXIO);
}

Test(preinit, bad_number_before_init_is_still_enosys)
{
	cr_assert_eq(call0(-1), -ENOSYS);
	cr_assert_eq(call0(512), -ENOSYS);
}

Test(preinit, syscalls_work_after_a_failed_early_call)
{
	cr_assert_eq(rump_sys_getpid(), -1);
	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_sys_getpid(), 1);
}

/* ---- wrappers ----------------------------------------------------------- */

Test(syscall, wrapper_success_leaves_errno_alone)
{
	errno = 12345;
	cr_assert_eq(rump_sys_getpid(), 1);
	cr_assert_eq(errno, 12345);
	errno = 0;
	cr_assert_gt(rump_sys_gettid(), 1);
	cr_assert_eq(errno, 0);
}

Test(syscall, wrapper_returns_the_result)
{
	cr_assert_eq(rump_sys_getpid(), call0(SYS_getpid));
	cr_assert_eq(rump_sys_gettid(), call0(SYS_gettid));
	cr_assert_eq(rump_sys_getppid(), call0(SYS_getppid));
}

#ifdef RUMP_SYS_close
Test(syscall, wrapper_failure_returns_minus_one_and_sets_errno)
{
	errno = 0;
	cr_assert_eq(rump_sys_close(-1), -1);
	cr_assert_eq(errno, EBADF);
	errno = 0;
	cr_assert_eq(rump_sys_close(INT_MAX), -1);
	cr_assert_eq(errno, EBADF);
}

Test(syscall, raw_call_returns_minus_errno)
{
	long a[6] = { -1 };

	cr_assert_eq(rump_syscall(RUMP_SYS_close, a), -EBADF);
}
#endif

#if defined(RUMP_SYS_setuid) && defined(RUMP_SYS_getuid)
Test(syscall, wrapper_failure_after_success_sets_errno_each_time)
{
	cr_assert_eq(rump_pub_lwproc_rfork(0), 0);
	cr_assert_eq(rump_sys_setuid(66), 0);
	errno = 0;
	cr_assert_eq(rump_sys_setuid(0), -1);
	cr_assert_eq(errno, EPERM);
	errno = 777;
	cr_assert_eq(rump_sys_getuid(), 66);
	cr_assert_eq(errno, 777);
}
#endif

#if defined(RUMP_SYS_setuid) && defined(RUMP_SYS_getuid)
/* A result that is a large unsigned id is not an error. */
Test(syscall, large_unsigned_results_are_not_errors)
{
	cr_assert_eq(rump_pub_lwproc_rfork(0), 0);
	errno = 0;
	cr_assert_eq(rump_sys_setuid(4294967294U), 0);
	cr_assert_eq(rump_sys_getuid(), 4294967294U);
	cr_assert_eq(errno, 0);
}
#endif

/* ---- generated numbers --------------------------------------------------- */

Test(syscall, generated_numbers_equal_the_hosts_for_known_calls)
{
	cr_assert_eq(RUMP_SYS_getpid, SYS_getpid);
	cr_assert_eq(RUMP_SYS_getppid, SYS_getppid);
	cr_assert_eq(RUMP_SYS_gettid, SYS_gettid);
#ifdef RUMP_SYS_getuid
	cr_assert_eq(RUMP_SYS_getuid, SYS_getuid);
	cr_assert_eq(RUMP_SYS_setuid, SYS_setuid);
	cr_assert_eq(RUMP_SYS_getresuid, SYS_getresuid);
	cr_assert_eq(RUMP_SYS_setgroups, SYS_setgroups);
	cr_assert_eq(RUMP_SYS_umask, SYS_umask);
	cr_assert_eq(RUMP_SYS_prlimit64, SYS_prlimit64);
	cr_assert_eq(RUMP_SYS_uname, SYS_uname);
#endif
#ifdef RUMP_SYS_close
	cr_assert_eq(RUMP_SYS_read, SYS_read);
	cr_assert_eq(RUMP_SYS_write, SYS_write);
	cr_assert_eq(RUMP_SYS_close, SYS_close);
	cr_assert_eq(RUMP_SYS_pread64, SYS_pread64);
	cr_assert_eq(RUMP_SYS_preadv, SYS_preadv);
	cr_assert_eq(RUMP_SYS_dup3, SYS_dup3);
	cr_assert_eq(RUMP_SYS_fcntl, SYS_fcntl);
	cr_assert_eq(RUMP_SYS_memfd_create, SYS_memfd_create);
#endif
}

/* The host's numbers, from its UAPI header: name -> number. */
struct nrtab {
	char name[64];
	long nr;
};

static int
read_defines(const char *path, const char *prefix, struct nrtab *tab, int max)
{
	char line[512], name[64];
	long nr;
	int n = 0;
	size_t plen = strlen(prefix);
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL && n < max) {
		char fmt[64];

		snprintf(fmt, sizeof(fmt), "#define %s%%63s %%ld", prefix);
		if (strncmp(line, "#define ", 8) != 0 ||
		    strncmp(line + 8, prefix, plen) != 0)
			continue;
		if (sscanf(line, fmt, name, &nr) != 2)
			continue;
		snprintf(tab[n].name, sizeof(tab[n].name), "%s", name);
		tab[n].nr = nr;
		n++;
	}
	fclose(f);
	return n;
}

static const char *const host_unistd[] = {
	"/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
	"/usr/include/asm/unistd_64.h",
};

/* Calls newer than the headers of Debian 12 (Linux 6.1), with the
 * numbers Linux gave them, for hosts whose headers lack them. */
static const struct nrtab newer_calls[] = {
	{ "fchmodat2", 452 },  /* Linux 6.6 */
	{ "setxattrat", 463 }, /* Linux 6.13 */
	{ "getxattrat", 464 }, { "listxattrat", 465 }, { "removexattrat", 466 },
};

/* Every RUMP_SYS_x of the generated header is the host's __NR_x. */
Test(syscall, generated_numbers_equal_the_hosts_for_every_call)
{
	static struct nrtab host[1024], ours[1024];
	char bdir[PATH_MAX], path[PATH_MAX + 64];
	int nhost = -1, nours;

	for (size_t i = 0;
	     i < sizeof(host_unistd) / sizeof(host_unistd[0]) && nhost < 0; i++)
		nhost = read_defines(host_unistd[i], "__NR_", host, 1024);
	cr_assert_gt(nhost, 300, "host's asm/unistd_64.h not found");
	for (size_t i = 0; i < sizeof(newer_calls) / sizeof(newer_calls[0]);
	     i++) {
		bool known = false;

		for (int j = 0; j < nhost && !known; j++)
			known = strcmp(host[j].name, newer_calls[i].name) == 0;
		if (!known && nhost < 1024)
			host[nhost++] = newer_calls[i];
	}
	build_dir(bdir, sizeof(bdir));
	snprintf(path, sizeof(path), "%s/include/rump/rump_syscalls.h", bdir);
	nours = read_defines(path, "RUMP_SYS_", ours, 1024);
	cr_assert_gt(nours, 0, "cannot read %s", path);
	for (int i = 0; i < nours; i++) {
		int found = 0;

		for (int j = 0; j < nhost && !found; j++)
			if (strcmp(ours[i].name, host[j].name) == 0) {
				cr_expect_eq(ours[i].nr, host[j].nr,
					     "%s: ours %ld, host %ld",
					     ours[i].name, ours[i].nr,
					     host[j].nr);
				found = 1;
			}
		cr_expect(found, "RUMP_SYS_%s: no such host syscall",
			  ours[i].name);
	}
}

/* ---- EFAULT ------------------------------------------------------------- */

#ifdef RUMP_SYS_uname
Test(syscall, uname_null_is_efault)
{
	errno = 0;
	cr_assert_eq(rump_sys_uname(NULL), -1);
	cr_assert_eq(errno, EFAULT);
}

Test(syscall, uname_bad_pointers_are_efault)
{
	void *bad[] = { (void *)1,       (void *)4095,    unmapped_page(),
			before_hole(10), readonly_page(), NONCANONICAL,
			KERNELHALF,      (void *)-1L };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		cr_assert_eq(rump_sys_uname(bad[i]), -1, "%p", bad[i]);
		cr_assert_eq(errno, EFAULT, "%p: errno %d", bad[i], errno);
	}
}

Test(syscall, uname_good_pointer_works)
{
	struct utsname u;

	cr_assert_eq(rump_sys_uname(&u), 0);
	cr_assert_gt(strlen(u.sysname), 0);
}
#endif

#ifdef RUMP_SYS_getresuid
Test(syscall, getresuid_null_is_efault)
{
	uid_t r, e, s;

	errno = 0;
	cr_assert_eq(rump_sys_getresuid(NULL, &e, &s), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_getresuid(&r, NULL, &s), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_getresuid(&r, &e, unmapped_page()), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_getresuid(&r, &e, &s), 0);
}
#endif

#ifdef RUMP_SYS_getrlimit
Test(syscall, rlimit_bad_pointers_are_efault)
{
	errno = 0;
	cr_assert_eq(rump_sys_getrlimit(RLIMIT_NOFILE, NULL), -1);
	cr_assert_eq(errno, EFAULT);
	errno = 0;
	cr_assert_eq(rump_sys_setrlimit(RLIMIT_NOFILE, unmapped_page()), -1);
	cr_assert_eq(errno, EFAULT);
	errno = 0;
	cr_assert_eq(rump_sys_getrlimit(RLIMIT_NOFILE, readonly_page()), -1);
	cr_assert_eq(errno, EFAULT);
}
#endif

#if defined(RUMP_SYS_memfd_create) && defined(RUMP_SYS_fstat) &&               \
	defined(RUMP_SYS_write) && defined(RUMP_SYS_pread64)
Test(syscall, descriptor_calls_with_bad_pointers_are_efault)
{
	int fd = rump_sys_memfd_create("efault", 0);
	char buf[8];

	cr_assert_geq(fd, 0);
	errno = 0;
	cr_assert_eq(rump_sys_fstat(fd, NULL), -1);
	cr_assert_eq(errno, EFAULT);
	errno = 0;
	cr_assert_eq(rump_sys_fstat(fd, unmapped_page()), -1);
	cr_assert_eq(errno, EFAULT);
	errno = 0;
	cr_assert_eq(rump_sys_write(fd, unmapped_page(), 8), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_write(fd, "abcdefgh", 8), 8);
	cr_assert_eq(rump_sys_pread(fd, readonly_page(), 8, 0), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_pread(fd, buf, 8, 0), 8);
	cr_assert_eq(memcmp(buf, "abcdefgh", 8), 0);
}

Test(syscall, string_argument_bad_pointer_is_efault)
{
	errno = 0;
	cr_assert_eq(rump_sys_memfd_create(NULL, 0), -1);
	cr_assert_eq(errno, EFAULT);
	errno = 0;
	cr_assert_eq(rump_sys_memfd_create(unmapped_page(), 0), -1);
	cr_assert_eq(errno, EFAULT);
	/* A name that runs into a hole without a NUL. */
	char *p = before_hole(4);
	memcpy(p, "abcd", 4);
	errno = 0;
	cr_assert_eq(rump_sys_memfd_create(p, 0), -1);
	cr_assert_eq(errno, EFAULT);
}
#endif

/* ---- RUMP_TRACE ---------------------------------------------------------- */

/*
 * Run scenario `name' (see run_scenario at the end) in a fresh host
 * process, this binary exec'd again, with RUMP_TRACE set to `trace'
 * (NULL: unset) and its stderr in out[size].  The scenario boots the
 * kernel and makes its calls; its exit status must be 0.  A fresh
 * process rather than a fork, so that a kernel that starts threads at
 * boot is no trouble to ThreadSanitizer.
 */
#define SCENARIO_ENV "RUMPKIT_SYSCALL_SCENARIO"

static void
traced_child(const char *trace, const char *name, char *out, size_t size)
{
	int p[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t child;

	cr_assert_eq(pipe(p), 0);
	fflush(NULL);
	child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		char *argv[] = { "syscall-scenario", NULL };

		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		close(p[1]);
		if (trace != NULL)
			setenv("RUMP_TRACE", trace, 1);
		else
			unsetenv("RUMP_TRACE");
		setenv(SCENARIO_ENV, name, 1);
		execv("/proc/self/exe", argv);
		_exit(126);
	}
	close(p[1]);
	while (n < size - 1 && (r = read(p[0], out + n, size - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(p[0]);
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "traced child status %#x; stderr:\n%s", status, out);
}

static int
some_calls(void)
{
	long a[6] = { 0 };

	if (rump_sys_getpid() != 1)
		return 1;
	if (rump_sys_gettid() <= 1)
		return 2;
	if (rump_syscall(400, a) != -ENOSYS)
		return 3;
	if (rump_pub_lwproc_rfork(0) != 0 || rump_sys_getpid() != 2)
		return 4;
#ifdef RUMP_SYS_close
	if (rump_sys_close(-1) != -1)
		return 5;
#endif
#ifdef RUMP_SYS_uname
	if (rump_sys_uname(NULL) != -1)
		return 6;
#endif
#ifdef RUMP_SYS_memfd_create
	if (rump_sys_memfd_create("tracedname", 0) < 0)
		return 7;
#endif
	return 0;
}

/* The tid the trace shows for gettid's result. */
static long
traced_tid(const char *out)
{
	const char *p = strstr(out, "gettid() = ");

	cr_assert_not_null(p, "no gettid line:\n%s", out);
	return strtol(p + strlen("gettid() = "), NULL, 10);
}

Test(preinit, trace_shows_pid_tid_call_and_result)
{
	char out[16384], line[128];
	long tid;

	traced_child("1", "some_calls", out, sizeof(out));
	tid = traced_tid(out);
	cr_assert_gt(tid, 1);
	snprintf(line, sizeof(line), "[pid 1 tid %ld] getpid() = 1\n", tid);
	cr_assert_not_null(strstr(out, line), "no \"%s\" in:\n%s", line, out);
	snprintf(line, sizeof(line), "[pid 1 tid %ld] gettid() = %ld\n", tid,
		 tid);
	cr_assert_not_null(strstr(out, line), "no \"%s\" in:\n%s", line, out);
	cr_assert_not_null(strstr(out, "[pid 2 tid 2] getpid() = 2\n"),
			   "the child process's call:\n%s", out);
}

Test(preinit, trace_shows_unknown_call_as_enosys)
{
	char out[16384];

	traced_child("1", "some_calls", out, sizeof(out));
	cr_assert_not_null(strstr(out, "syscall_400("), "%s", out);
	cr_assert_not_null(strstr(out, ") = -1 ENOSYS ("), "%s", out);
}

#ifdef RUMP_SYS_close
Test(preinit, trace_shows_errors_by_name)
{
	char out[16384];

	traced_child("1", "some_calls", out, sizeof(out));
	cr_assert_not_null(strstr(out, "] close(-1) = -1 EBADF ("), "%s", out);
}
#endif

#ifdef RUMP_SYS_uname
Test(preinit, trace_shows_null_pointer_and_efault)
{
	char out[16384];

	traced_child("1", "some_calls", out, sizeof(out));
	cr_assert_not_null(strstr(out, "] uname(NULL) = -1 EFAULT ("), "%s",
			   out);
}
#endif

#ifdef RUMP_SYS_memfd_create
Test(preinit, trace_shows_string_arguments)
{
	char out[16384];

	traced_child("1", "some_calls", out, sizeof(out));
	cr_assert_not_null(strstr(out, "] memfd_create(\"tracedname\", "), "%s",
			   out);
}
#endif

Test(preinit, trace_lines_are_whole_lines)
{
	char out[16384];
	char *save = NULL;

	traced_child("1", "some_calls", out, sizeof(out));
	for (char *l = strtok_r(out, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		cr_assert_eq(strncmp(l, "[pid ", 5), 0, "line: %s", l);
		cr_assert_not_null(strstr(l, ") = "), "line: %s", l);
	}
}

Test(preinit, no_trace_without_rump_trace)
{
	char out[16384];

	traced_child(NULL, "some_calls", out, sizeof(out));
	cr_assert_eq(out[0], '\0', "unexpected output:\n%s", out);
}

Test(preinit, no_trace_with_rump_trace_0)
{
	char out[16384];

	traced_child("0", "some_calls", out, sizeof(out));
	cr_assert_eq(out[0], '\0', "unexpected output:\n%s", out);
}

static int
fifty_getpids(void)
{
	for (int i = 0; i < 50; i++)
		if (rump_sys_getpid() != 1)
			return 1;
	return 0;
}

Test(preinit, trace_shows_every_call)
{
	char out[65536];
	int n = 0;

	traced_child("1", "fifty_getpids", out, sizeof(out));
	for (char *p = out; (p = strstr(p, "getpid() = 1\n")) != NULL; p++)
		n++;
	cr_assert_eq(n, 50);
}

/* ---- the generator ------------------------------------------------------- */

TestSuite(gensyscalls, .timeout = 20);

struct gen {
	char dir[64];
	char out[16384];
	int status;
};

/* Run scripts/gensyscalls.awk over `table' in a fresh directory. */
static void
gen_run(struct gen *g, const char *table)
{
	char src[PATH_MAX], path[128], cmd[2 * PATH_MAX];
	const char *awk = getenv("AWK");
	FILE *f;

	source_dir(src, sizeof(src));
	snprintf(g->dir, sizeof(g->dir), "/tmp/rumpkit-gen-XXXXXX");
	cr_assert_not_null(mkdtemp(g->dir));
	snprintf(path, sizeof(path), "%s/t.tbl", g->dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(table, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "%s -v gendir=%s -v incdir=%s -f %s/scripts/gensyscalls.awk "
		 "%s",
		 awk != NULL && awk[0] != '\0' ? awk : "awk", g->dir, g->dir,
		 src, path);
	g->status = run(cmd, g->out, sizeof(g->out));
}

static void
gen_cleanup(struct gen *g)
{
	cr_assert_eq(host_rmtree(g->dir), 0);
}

/* The table must be refused with a message containing `what'. */
static void
gen_refuses(const char *table, const char *what)
{
	struct gen g;

	gen_run(&g, table);
	gen_cleanup(&g);
	cr_assert(WIFEXITED(g.status) && WEXITSTATUS(g.status) != 0,
		  "generator accepted:\n%s\noutput:\n%s", table, g.out);
	cr_assert_not_null(strstr(g.out, what),
			   "message does not name \"%s\":\n%s", what, g.out);
}

#define GOOD_LINES                                                             \
	"# a comment\n"                                                        \
	"include | <sys/types.h>\n"                                            \
	"sys | 39 | getpid | pid_t | void\n"                                   \
	"sys | 17 | pread64 | ssize_t | int fd, void *buf, size_t count, "     \
	"off_t offset\n"                                                       \
	"libc | pread | ssize_t | int fd, void *buf, size_t count, off_t "     \
	"offset | pread64(fd, buf, count, offset)\n"

Test(gensyscalls, good_table_is_accepted)
{
	struct gen g;
	char cmd[512], out[4096];

	gen_run(&g, GOOD_LINES);
	cr_assert(WIFEXITED(g.status) && WEXITSTATUS(g.status) == 0,
		  "output:\n%s", g.out);
	snprintf(cmd, sizeof(cmd),
		 "grep -c -e 'define RUMP_SYS_getpid 39' -e 'rump_sys_pread(' "
		 "%s/rump_syscalls.h",
		 g.dir);
	cr_assert_eq(run(cmd, out, sizeof(out)), 0);
	cr_assert_eq(atoi(out), 2, "header:\n%s", out);
	snprintf(cmd, sizeof(cmd),
		 "test -s %s/sysent.c -a -s %s/sys_handlers.h"
		 " -a -s %s/rump_syscalls.c",
		 g.dir, g.dir, g.dir);
	cr_assert_eq(run(cmd, out, sizeof(out)), 0);
	gen_cleanup(&g);
}

Test(gensyscalls, real_table_is_accepted)
{
	char src[PATH_MAX], tbl[PATH_MAX + 32], table[65536];
	size_t n;
	FILE *f;
	struct gen g;

	source_dir(src, sizeof(src));
	snprintf(tbl, sizeof(tbl), "%s/kern/syscalls.tbl", src);
	f = fopen(tbl, "r");
	cr_assert_not_null(f);
	n = fread(table, 1, sizeof(table) - 1, f);
	table[n] = '\0';
	fclose(f);
	gen_run(&g, table);
	gen_cleanup(&g);
	cr_assert(WIFEXITED(g.status) && WEXITSTATUS(g.status) == 0,
		  "output:\n%s", g.out);
}

Test(gensyscalls, unknown_line_kind_is_refused)
{
	gen_refuses(GOOD_LINES "syscall | 40 | foo | int | void\n",
		    "unknown line kind syscall");
}

Test(gensyscalls, error_names_the_line)
{
	gen_refuses(GOOD_LINES "bogus | 1\n", "t.tbl:6:");
}

Test(gensyscalls, duplicate_number_is_refused)
{
	gen_refuses(GOOD_LINES "sys | 39 | getpid2 | pid_t | void\n",
		    "number 39 listed twice");
}

Test(gensyscalls, duplicate_name_is_refused)
{
	gen_refuses(GOOD_LINES "sys | 40 | getpid | pid_t | void\n",
		    "getpid listed twice");
}

Test(gensyscalls, more_than_six_arguments_is_refused)
{
	gen_refuses(GOOD_LINES "sys | 40 | seven | int | int a, int b, int c, "
			       "int d, int e, int f, int g\n",
		    "more than six arguments");
}

Test(gensyscalls, libc_line_calling_unknown_syscall_is_refused)
{
	gen_refuses(GOOD_LINES "libc | foo | int | int x | nosuchcall(x)\n",
		    "unknown syscall nosuchcall");
}

Test(gensyscalls, number_512_is_refused)
{
	gen_refuses(GOOD_LINES "sys | 512 | big | int | void\n", "bad number");
}

Test(gensyscalls, non_numeric_number_is_refused)
{
	gen_refuses(GOOD_LINES "sys | 4x | odd | int | void\n", "bad number");
}

Test(gensyscalls, unknown_option_is_refused)
{
	gen_refuses(GOOD_LINES "sys | 40 | opt | int | void | fast\n",
		    "unknown option fast");
}

Test(gensyscalls, varargs_on_a_sys_line_is_refused)
{
	gen_refuses(GOOD_LINES "sys | 40 | va | int | int fd, ...\n",
		    "custom line");
}

Test(gensyscalls, argument_without_name_is_refused)
{
	gen_refuses(GOOD_LINES "sys | 40 | anon | int | int\n",
		    "argument without");
}

Test(gensyscalls, wrapper_defined_twice_is_refused)
{
	gen_refuses(GOOD_LINES "custom | pread | int | int fd, ...\n",
		    "wrapper pread defined twice");
}

/* ---- scenarios for traced_child ------------------------------------------ */

static const struct {
	const char *name;
	int (*fn)(void);
} scenarios[] = {
	{ "some_calls", some_calls },
	{ "fifty_getpids", fifty_getpids },
};

/* Before Criterion's main: when exec'd for a scenario, run it instead. */
__attribute__((constructor)) static void
run_scenario(void)
{
	const char *name = getenv(SCENARIO_ENV);

	if (name == NULL)
		return;
	if (rump_init() != 0)
		_exit(100);
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(name, scenarios[i].name) == 0)
			_exit(scenarios[i].fn());
	_exit(127);
}
