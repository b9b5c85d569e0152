/*
 * bench.h: the harness every benchmark includes.  Header only.
 *
 * A benchmark measures the same work done by the rump kernel and by the
 * host kernel in the same run and reports the ratio, because these
 * machines are too noisy for absolute figures to mean anything.
 *
 *	static void
 *	getpid_rump(void *arg, long n)
 *	{
 *		while (n-- > 0)
 *			bench_keep(rump_sys_getpid());
 *	}
 *	...
 *	bench_json_begin();
 *	r = bench_run("getpid rump", getpid_rump, NULL, 0);
 *	h = bench_run("getpid host", getpid_host, NULL, 0);
 *	bench_report("getpid", r, h, 3.0);
 *	bench_json_end();
 *
 * Each bench_report also prints a line for people.  The figures are
 * collected as one JSON object that bench_json_end writes to the file
 * named by RUMP_BENCH_JSON (scripts/runbench.sh sets it) or, without it,
 * to stdout after those lines.
 */
#ifndef RUMP_BENCH_H
#define RUMP_BENCH_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Timed rounds per measurement; the fastest is the result. */
#define BENCH_ROUNDS 5
/* With iterations 0, bench_run sizes a round to take about this long. */
#define BENCH_ROUND_NS 20000000.0

/* The work to time: do one operation `n' times. */
typedef void bench_fn(void *arg, long n);

/* Monotonic clock in nanoseconds. */
static inline uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * bench_settle: pause before a timed round that follows heavy work of
 * the other side.  The host kernel finishes some work after its calls
 * return (an unlink's inode and dentry are freed later, by RCU and
 * kernel threads); without a pause that work runs during the next
 * round and is billed to it.
 */
#define BENCH_SETTLE_NS 200000000L

static inline void
bench_settle(void)
{
	struct timespec ts = { 0, BENCH_SETTLE_NS };

	while (nanosleep(&ts, &ts) != 0)
		continue;
}

/* Keep `v' alive so the compiler cannot drop the work that made it. */
static inline void
bench_keep(long v)
{
	__asm__ volatile("" : : "r"(v) : "memory");
}

static inline double
bench_time_once(bench_fn *fn, void *arg, long n)
{
	uint64_t t0 = bench_now_ns();

	fn(arg, n);
	return (double)(bench_now_ns() - t0);
}

/*
 * bench_run: time fn(arg, iterations) in BENCH_ROUNDS rounds after a
 * warm-up and return the fastest round's time per operation in ns (noise
 * only ever adds time).  iterations 0: choose a count that makes a round
 * last about BENCH_ROUND_NS.  With RUMP_BENCH_VERBOSE set, each round is
 * printed to stderr under `name'.
 */
static inline double
bench_run(const char *name, bench_fn *fn, void *arg, long iterations)
{
	double best = INFINITY, t = 0, scale;
	int verbose = getenv("RUMP_BENCH_VERBOSE") != NULL;

	if (iterations <= 0) {
		/* Double the count until a round takes a tenth of the goal. */
		for (iterations = 1; iterations < (1L << 40); iterations *= 2) {
			t = bench_time_once(fn, arg, iterations);
			if (t >= BENCH_ROUND_NS / 10)
				break;
		}
		scale = BENCH_ROUND_NS / (t > 1 ? t : 1);
		iterations = (long)((double)iterations * scale) + 1;
	} else {
		bench_time_once(fn, arg, iterations / 10 + 1);
	}
	for (int i = 0; i < BENCH_ROUNDS; i++) {
		t = bench_time_once(fn, arg, iterations) / (double)iterations;
		if (verbose)
			fprintf(stderr, "%s: round %d: %ld ops, %.2f ns/op\n",
				name, i, iterations, t);
		if (t < best)
			best = t;
	}
	return best;
}

/* ---- JSON output ---------------------------------------------------- */

struct bench_json {
	FILE *fp; /* collects the object in memory until bench_json_end */
	char *buf;
	size_t len;
	int depth;
	int nitems[8]; /* members written so far at each depth */
};

static inline struct bench_json *
bench_json_state(void)
{
	static struct bench_json state;

	return &state;
}

static inline void
bench_json_string(FILE *fp, const char *s)
{
	putc('"', fp);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20)
			fprintf(fp, "\\u%04x", c);
		else
			putc(c, fp);
	}
	putc('"', fp);
}

/* Start a member "key": of the innermost open object. */
static inline void
bench_json_key(const char *key)
{
	struct bench_json *j = bench_json_state();

	if (j->fp == NULL)
		return;
	fprintf(j->fp, "%s\n%*s", j->nitems[j->depth]++ ? "," : "",
		2 * j->depth, "");
	bench_json_string(j->fp, key);
	fputs(": ", j->fp);
}

/* bench_json_begin: start the top-level object. */
static inline void
bench_json_begin(void)
{
	struct bench_json *j = bench_json_state();

	memset(j, 0, sizeof(*j));
	if ((j->fp = open_memstream(&j->buf, &j->len)) == NULL) {
		perror("open_memstream");
		exit(1);
	}
	fputc('{', j->fp);
	j->depth = 1;
}

/* Start a nested object under `key'; bench_json_object_end closes it. */
static inline void
bench_json_object(const char *key)
{
	struct bench_json *j = bench_json_state();

	if (j->fp == NULL || j->depth + 1 >= 8)
		return;
	bench_json_key(key);
	fputc('{', j->fp);
	j->nitems[++j->depth] = 0;
}

static inline void
bench_json_object_end(void)
{
	struct bench_json *j = bench_json_state();

	if (j->fp == NULL || j->depth <= 1)
		return;
	j->depth--;
	fprintf(j->fp, "\n%*s}", 2 * j->depth, "");
}

/* A number member; NaN and infinities become null. */
static inline void
bench_json_add_number(const char *key, double v)
{
	struct bench_json *j = bench_json_state();

	if (j->fp == NULL)
		return;
	bench_json_key(key);
	if (isfinite(v))
		fprintf(j->fp, "%.6g", v);
	else
		fputs("null", j->fp);
}

static inline void
bench_json_add_string(const char *key, const char *v)
{
	struct bench_json *j = bench_json_state();

	if (j->fp == NULL)
		return;
	bench_json_key(key);
	bench_json_string(j->fp, v);
}

static inline void
bench_json_add_bool(const char *key, int v)
{
	struct bench_json *j = bench_json_state();

	if (j->fp == NULL)
		return;
	bench_json_key(key);
	fputs(v ? "true" : "false", j->fp);
}

/*
 * bench_json_end: close every open object and write the whole object to
 * the file named by RUMP_BENCH_JSON, or to stdout without it.  Exits if
 * the file cannot be written.
 */
static inline void
bench_json_end(void)
{
	struct bench_json *j = bench_json_state();
	const char *path = getenv("RUMP_BENCH_JSON");
	FILE *out = stdout;

	if (j->fp == NULL)
		return;
	while (j->depth > 1)
		bench_json_object_end();
	fputs("\n}\n", j->fp);
	fclose(j->fp);
	j->fp = NULL;
	if (path != NULL && *path != '\0' && (out = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fwrite(j->buf, 1, j->len, out);
	if (out == stdout ? fflush(out) != 0 : fclose(out) != 0) {
		perror(path != NULL ? path : "stdout");
		exit(1);
	}
	free(j->buf);
	j->buf = NULL;
}

/*
 * bench_report: print
 *	name: rump X ns/op, host Y ns/op, ratio Z (target <= T)
 * and add "name": {"rump_ns", "host_ns", "ratio", "target", "met"} to the
 * JSON object (between bench_json_begin and bench_json_end).  The ratio
 * is rump/host: lower is better.  target <= 0 means none.  Returns the
 * ratio.
 */
static inline double
bench_report(const char *name, double rump_ns, double host_ns, double target)
{
	double ratio = host_ns > 0 ? rump_ns / host_ns : INFINITY;

	printf("%s: rump %.2f ns/op, host %.2f ns/op, ratio %.2f", name,
	       rump_ns, host_ns, ratio);
	if (target > 0)
		printf(" (target <= %.2f%s)", target,
		       ratio <= target ? "" : ", MISSED");
	putchar('\n');
	fflush(stdout);

	bench_json_object(name);
	bench_json_add_number("rump_ns", rump_ns);
	bench_json_add_number("host_ns", host_ns);
	bench_json_add_number("ratio", ratio);
	if (target > 0) {
		bench_json_add_number("target", target);
		bench_json_add_bool("met", ratio <= target);
	}
	bench_json_object_end();
	return ratio;
}

#endif /* RUMP_BENCH_H */
