/*
 * hyper_misc.c: parameters, console, errno, signals, randomness, exit
 * and daemonizing.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rump/rumpuser.h>

static const struct rumpuser_hyperup nohyp;

static void
boot(void)
{
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &nohyp), 0);
}

/* ---- parameters -------------------------------------------------------- */

TestSuite(hyper_param, .init = boot, .timeout = 10);

Test(hyper_param, ncpu_default)
{
	char buf[16];

	unsetenv("RUMP_NCPU");
	cr_assert_eq(rumpuser_getparam(RUMPUSER_PARAM_NCPU, buf, sizeof(buf)),
		     0);
	cr_assert_str_eq(buf, "2");
}

Test(hyper_param, ncpu_from_env)
{
	char buf[16];

	setenv("RUMP_NCPU", "7", 1);
	cr_assert_eq(rumpuser_getparam(RUMPUSER_PARAM_NCPU, buf, sizeof(buf)),
		     0);
	cr_assert_str_eq(buf, "7");
}

Test(hyper_param, ncpu_host)
{
	char buf[16], want[16];

	setenv("RUMP_NCPU", "host", 1);
	snprintf(want, sizeof(want), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	cr_assert_eq(rumpuser_getparam(RUMPUSER_PARAM_NCPU, buf, sizeof(buf)),
		     0);
	cr_assert_str_eq(buf, want);
}

Test(hyper_param, hostname)
{
	char buf[512], host[256], want[600];

	cr_assert_eq(gethostname(host, sizeof(host)), 0);
	snprintf(want, sizeof(want), "rump-%05d.%s", (int)getpid(), host);
	cr_assert_eq(
		rumpuser_getparam(RUMPUSER_PARAM_HOSTNAME, buf, sizeof(buf)),
		0);
	cr_assert_str_eq(buf, want);
	cr_assert_eq(rumpuser_getparam(RUMPUSER_PARAM_HOSTNAME, buf, 6),
		     ENOMEM);
}

Test(hyper_param, unknown_mandatory)
{
	char buf[16];

	cr_assert_eq(rumpuser_getparam("_RUMPUSER_NOPE", buf, sizeof(buf)),
		     EINVAL);
	cr_assert_eq(rumpuser_getparam("_", buf, sizeof(buf)), EINVAL);
}

Test(hyper_param, environment)
{
	char buf[8];

	unsetenv("RUMP_TEST_PARAM");
	cr_assert_eq(rumpuser_getparam("RUMP_TEST_PARAM", buf, sizeof(buf)),
		     ENOENT);
	setenv("RUMP_TEST_PARAM", "1234567", 1);
	cr_assert_eq(rumpuser_getparam("RUMP_TEST_PARAM", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "1234567");
	/* The NUL must fit too. */
	setenv("RUMP_TEST_PARAM", "12345678", 1);
	cr_assert_eq(rumpuser_getparam("RUMP_TEST_PARAM", buf, sizeof(buf)),
		     ENOMEM);
	setenv("RUMP_TEST_PARAM", "", 1);
	cr_assert_eq(rumpuser_getparam("RUMP_TEST_PARAM", buf, 1), 0);
	cr_assert_str_eq(buf, "");
	cr_assert_eq(rumpuser_getparam("RUMP_TEST_PARAM", buf, 0), ENOMEM);
}

/* ---- console, errno, exit ---------------------------------------------- */

TestSuite(hyper_console, .init = boot, .timeout = 10);

static void
boot_redirected(void)
{
	cr_redirect_stdout();
	cr_redirect_stderr();
	boot();
}

Test(hyper_console, putchar_and_dprintf, .init = boot_redirected)
{
	const char *s = "hello\nworld\n";

	while (*s != '\0')
		rumpuser_putchar(*s++);
	rumpuser_dprintf("%s %d\n", "debug", 42);
	fflush(stdout);
	fflush(stderr);
	cr_assert_stdout_eq_str("hello\nworld\n");
	cr_assert_stderr_eq_str("debug 42\n");
}

Test(hyper_console, seterrno)
{
	rumpuser_seterrno(ENOENT);
	cr_assert_eq(errno, ENOENT);
	rumpuser_seterrno(0);
	cr_assert_eq(errno, 0);
	rumpuser_seterrno(EHWPOISON); /* Linux numbers, untranslated */
	cr_assert_eq(errno, EHWPOISON);
}

Test(hyper_console, exit_value, .exit_code = 3)
{
	rumpuser_exit(3);
}

Test(hyper_console, exit_zero, .exit_code = 0)
{
	rumpuser_exit(0);
}

Test(hyper_console, panic_aborts, .init = boot_redirected, .signal = SIGABRT)
{
	rumpuser_exit(RUMPUSER_PANIC);
}

/* ---- signals ----------------------------------------------------------- */

TestSuite(hyper_kill, .init = boot, .timeout = 10);

static volatile sig_atomic_t got;

static void
on_signal(int sig)
{
	got = sig;
}

Test(hyper_kill, raises)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGRTMIN + 3, &sa, NULL);
	cr_assert_eq(rumpuser_kill(RUMPUSER_PID_SELF, SIGUSR1), 0);
	cr_assert_eq(got, SIGUSR1);
	cr_assert_eq(rumpuser_kill(12345, SIGRTMIN + 3), 0);
	cr_assert_eq(got, SIGRTMIN + 3);
}

Test(hyper_kill, probe_and_bad_numbers)
{
	cr_assert_eq(rumpuser_kill(RUMPUSER_PID_SELF, 0), 0);
	cr_assert_eq(rumpuser_kill(RUMPUSER_PID_SELF, -1), EINVAL);
	cr_assert_eq(rumpuser_kill(RUMPUSER_PID_SELF, 65), EINVAL);
	cr_assert_eq(rumpuser_kill(RUMPUSER_PID_SELF, 1000), EINVAL);
}

Test(hyper_kill, default_action, .signal = SIGTERM)
{
	rumpuser_kill(RUMPUSER_PID_SELF, SIGTERM);
}

/* ---- randomness -------------------------------------------------------- */

TestSuite(hyper_random, .init = boot, .timeout = 10);

Test(hyper_random, fills)
{
	unsigned char a[64], b[64];
	int flags[] = { 0, RUMPUSER_RANDOM_HARD, RUMPUSER_RANDOM_NOWAIT,
			RUMPUSER_RANDOM_HARD | RUMPUSER_RANDOM_NOWAIT };
	size_t i, n;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		cr_assert_eq(rumpuser_getrandom(a, sizeof(a), flags[i], &n), 0);
		cr_assert_gt(n, 0);
		cr_assert_leq(n, sizeof(a));
		cr_assert_eq(rumpuser_getrandom(b, sizeof(b), flags[i], &n), 0);
		/* 64 random bytes twice the same: not in this universe. */
		cr_assert_arr_neq(a, b, sizeof(a));
	}
	cr_assert_eq(rumpuser_getrandom(a, 0, 0, &n), 0);
	cr_assert_eq(n, 0);
}

Test(hyper_random, bad_flags)
{
	unsigned char a[8];
	size_t n = 99;

	cr_assert_eq(rumpuser_getrandom(a, sizeof(a), 0x4, &n), EINVAL);
	cr_assert_eq(rumpuser_getrandom(a, sizeof(a), -1, &n), EINVAL);
	cr_assert_eq(n, 99);
}

Test(hyper_random, bad_buffer)
{
	size_t n;

	cr_assert_eq(rumpuser_getrandom((void *)8, 16, 0, &n), EFAULT);
}

/* ---- daemonize --------------------------------------------------------- */

TestSuite(hyper_daemon, .timeout = 10);

Test(hyper_daemon, done_without_begin)
{
	cr_assert_eq(rumpuser_daemonize_done(0), ENOENT);
}

/*
 * The test forks a "server" that daemonizes: the server's foreground
 * half must exit with the status its background half reports.  The
 * background half tells the test what it saw through a pipe.
 */
static int
run_server(int error, int report_fd)
{
	struct stat st, null;
	pid_t pid;
	int status, rv;
	char verdict;

	if ((pid = fork()) == 0) {
		if (rumpuser_daemonize_begin() != 0)
			_exit(100);
		/* Background now: a session of our own. */
		verdict = getsid(0) == getpid() ? 'y' : 's';
		if (rumpuser_daemonize_begin() != EINPROGRESS)
			verdict = 'p';
		rv = rumpuser_daemonize_done(error);
		if (rv != 0)
			verdict = 'd';
		if (error == 0 &&
		    (fstat(1, &st) != 0 || stat("/dev/null", &null) != 0 ||
		     st.st_rdev != null.st_rdev))
			verdict = 'n';
		if (rumpuser_daemonize_done(0) != ENOENT)
			verdict = 'e';
		if (write(report_fd, &verdict, 1) != 1)
			_exit(101);
		_exit(0);
	}
	cr_assert_gt(pid, 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static char
verdict_of(int fd)
{
	char c = '?';

	cr_assert_eq(read(fd, &c, 1), 1);
	return c;
}

Test(hyper_daemon, success)
{
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(run_server(0, p[1]), 0);
	close(p[1]);
	cr_assert_eq(verdict_of(p[0]), 'y');
}

Test(hyper_daemon, failure_is_reported)
{
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(run_server(ENOTCONN, p[1]), ENOTCONN);
	close(p[1]);
	cr_assert_eq(verdict_of(p[0]), 'y');
}

/* A child that dies without a word: its parent reports ESRCH. */
Test(hyper_daemon, silent_child)
{
	pid_t pid;
	int status;

	if ((pid = fork()) == 0) {
		if (rumpuser_daemonize_begin() != 0)
			_exit(100);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), ESRCH);
}
