/*
 * kern.c: the cost of entering the kernel and of the rump_lwproc(3)
 * operations, each against a host figure from the same run.
 *
 *  (a) rump_sys_getpid() on a dedicated lwp vs syscall(SYS_getpid):
 *      target rump <= 1/10 of the host.
 *  (b) rump_sys_getpid() from an implicit context, one thread: target
 *      <= 2x the dedicated time; two threads at once: aggregate rate
 *      >= 1.5x the single thread's (implicit contexts must not contend).
 *  (c) rump_pub_lwproc_switch() between lwps of two processes: target
 *      <= one dedicated rump_sys_getpid().  Host figure: SYS_getpid, the
 *      cheapest host kernel entry (the host has no such operation).
 *  (d) rump_pub_lwproc_rfork(RUMP_RFCFDG) + releaselwp: target < 500 ns.
 *      Host figure: vfork() + _exit() + waitpid(), the cheapest way to
 *      make and reap a host process.
 *
 * Every line ends with whether its target is met; the JSON object has
 * the same figures (bench.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "bench.h"

static void
die(const char *what, int error)
{
	fprintf(stderr, "bench kern: %s: error %d\n", what, error);
	exit(1);
}

/*
 * A target that is not a ratio against the host: print
 *	name: X unit (target OP T, met|MISSED)
 * and record "name": {"value", "target", "cmp", "met"}.
 */
static int
check(const char *name, double value, const char *unit, const char *cmp,
      double target)
{
	int met = cmp[0] == '<' ? value <= target : value >= target;

	printf("%s: %.2f%s (target %s %.2f%s)\n", name, value, unit, cmp,
	       target, met ? "" : ", MISSED");
	fflush(stdout);
	bench_json_object(name);
	bench_json_add_number("value", value);
	bench_json_add_number("target", target);
	bench_json_add_string("cmp", cmp);
	bench_json_add_bool("met", met);
	bench_json_object_end();
	return met;
}

/* ---- the operations ------------------------------------------------------ */

static void
getpid_rump(void *arg, long n)
{
	while (n-- > 0)
		bench_keep(rump_sys_getpid());
}

static void
getpid_host(void *arg, long n)
{
	while (n-- > 0)
		bench_keep(syscall(SYS_getpid));
}

struct pair {
	struct lwp *a, *b;
};

/* One switch per operation, alternating between the two lwps. */
static void
switch_rump(void *arg, long n)
{
	struct pair *p = arg;

	for (; n > 0; n--)
		rump_pub_lwproc_switch(n & 1 ? p->a : p->b);
}

static void
rfork_rump(void *arg, long n)
{
	int error;

	while (n-- > 0) {
		if ((error = rump_pub_lwproc_rfork(RUMP_RFCFDG)) != 0)
			die("rfork", error);
		rump_pub_lwproc_releaselwp();
	}
}

static void
vfork_host(void *arg, long n)
{
	while (n-- > 0) {
		pid_t pid = vfork();
		int status;

		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, &status, 0) != pid)
			die("vfork", pid < 0 ? -1 : 0);
	}
}

/* ---- two threads at once --------------------------------------------------- */

/*
 * Two worker threads that run `fn' together, round after round; the
 * caller times each round from the start barrier to the end barrier.
 */
struct duo {
	pthread_barrier_t start, end;
	pthread_t t[2];
	bench_fn *fn;
	long n;
	int quit;
};

static void *
duo_worker(void *arg)
{
	struct duo *d = arg;

	for (;;) {
		pthread_barrier_wait(&d->start);
		if (d->quit)
			return NULL;
		d->fn(NULL, d->n);
		pthread_barrier_wait(&d->end);
	}
}

/*
 * Time per operation of the pair together: wall time / (2n), best of
 * BENCH_ROUNDS rounds.  n is sized on this thread alone, so that a slow
 * barrier cannot shrink the rounds to nothing.
 */
static double
duo_run(bench_fn *fn)
{
	struct duo d = { .fn = fn };
	double best = INFINITY, t;
	long n = 1;

	while ((t = bench_time_once(fn, NULL, n)) < BENCH_ROUND_NS / 10)
		n *= 2;
	d.n = (long)((double)n * BENCH_ROUND_NS / t) + 1;
	pthread_barrier_init(&d.start, NULL, 3);
	pthread_barrier_init(&d.end, NULL, 3);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&d.t[i], NULL, duo_worker, &d) != 0)
			die("pthread_create", 0);
	for (int round = -1; round < BENCH_ROUNDS; round++) {
		uint64_t t0 = bench_now_ns();

		pthread_barrier_wait(&d.start);
		pthread_barrier_wait(&d.end);
		t = (double)(bench_now_ns() - t0) / (2.0 * (double)d.n);
		if (getenv("RUMP_BENCH_VERBOSE") != NULL)
			fprintf(stderr,
				"two threads: round %d: %ld ops each, "
				"%.2f ns/op\n",
				round, d.n, t);
		if (round >= 0 && t < best) /* round -1 warms up */
			best = t;
	}
	d.quit = 1;
	pthread_barrier_wait(&d.start);
	for (int i = 0; i < 2; i++)
		pthread_join(d.t[i], NULL);
	pthread_barrier_destroy(&d.start);
	pthread_barrier_destroy(&d.end);
	return best;
}

/* ---- main ------------------------------------------------------------------ */

int
main(void)
{
	double ded, host_getpid, imp, imp2, host2, sw, rf, vf;
	struct pair p;
	int error;

	if ((error = rump_init()) != 0)
		die("rump_init", error);
	bench_json_begin();

	/* (a) a dedicated lwp. */
	if ((error = rump_pub_lwproc_rfork(RUMP_RFCFDG)) != 0)
		die("rfork", error);
	p.a = rump_pub_lwproc_curlwp();
	ded = bench_run("getpid dedicated", getpid_rump, NULL, 0);
	host_getpid = bench_run("getpid host", getpid_host, NULL, 0);
	bench_report("getpid dedicated lwp", ded, host_getpid, 0.1);

	/* (b) the implicit context: this thread, then two at once. */
	rump_pub_lwproc_switch(NULL);
	if (rump_sys_getpid() != 1)
		die("implicit context", 0);
	imp = bench_run("getpid implicit", getpid_rump, NULL, 0);
	bench_report("getpid implicit", imp, host_getpid, 0);
	check("getpid implicit / dedicated", imp / ded, "x", "<=", 2.0);
	imp2 = duo_run(getpid_rump);
	host2 = duo_run(getpid_host);
	bench_report("getpid implicit 2 threads (aggregate)", imp2, host2, 0);
	check("getpid implicit 2 threads speedup", imp / imp2, "x", ">=", 1.5);

	/* (c) switching between two processes' lwps. */
	if ((error = rump_pub_lwproc_rfork(RUMP_RFCFDG)) != 0)
		die("rfork", error);
	p.b = rump_pub_lwproc_curlwp();
	sw = bench_run("switch", switch_rump, &p, 0);
	bench_report("switch between processes (host: getpid)", sw, host_getpid,
		     0);
	check("switch / dedicated getpid", sw / ded, "x", "<=", 1.0);
	rump_pub_lwproc_switch(NULL);

	/* (d) a process's whole life. */
	rf = bench_run("rfork+release", rfork_rump, NULL, 0);
	vf = bench_run("vfork+wait", vfork_host, NULL, 0);
	bench_report("rfork(RFCFDG)+releaselwp (host: vfork+_exit+waitpid)", rf,
		     vf, 0);
	check("rfork(RFCFDG)+releaselwp", rf, " ns", "<", 500.0);

	bench_json_end();
	return 0;
}
