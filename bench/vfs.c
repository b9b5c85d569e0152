/*
 * vfs.c: file-system benchmarks, rump's tmpfs against the host's tmpfs
 * (/dev/shm) in the same run.
 *
 *  - 64 KiB sequential writes of a fresh 256 MiB file, then sequential
 *    reads of it (targets: writes at least 2x the host's throughput,
 *    reads 1.2x: ratios <= 0.50 and <= 0.83);
 *  - create (open O_CREAT + close), stat and unlink of 100,000 empty
 *    files in one directory (target 3x: ratio <= 0.33), and the same
 *    for 10,000 files to show the cost per file does not grow;
 *  - stat of a 10-component path (target 3x: ratio <= 0.33).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "bench.h"

#define FILE_SIZE (256L << 20)
#define IO_SIZE (64L << 10)
#define IO_ROUNDS 3

struct ops {
	int (*open)(const char *, int, ...);
	int (*close)(int);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	int (*stat)(const char *, struct stat *);
	int (*unlink)(const char *);
	int (*mkdir)(const char *, mode_t);
	int (*rmdir)(const char *);
	const char *root;
};

static const struct ops rump_ops = {
	rump_sys_open,  rump_sys_close, rump_sys_read,
	rump_sys_write, rump_sys_stat,  rump_sys_unlink,
	rump_sys_mkdir, rump_sys_rmdir, "",
};
static char host_root[64];
static const struct ops host_ops = {
	open, close, read, write, stat, unlink, mkdir, rmdir, host_root,
};

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static void
path(char *buf, size_t n, const struct ops *o, const char *rel)
{
	snprintf(buf, n, "%s%s", o->root, rel);
}

/* Best of IO_ROUNDS: ns per 64 KiB write of a fresh file, and per read. */
static void
seqio(const struct ops *o, char *buf, double *wns, double *rns)
{
	char p[128];

	*wns = *rns = INFINITY;
	path(p, sizeof(p), o, "/seqfile");
	for (int r = 0; r < IO_ROUNDS; r++) {
		int fd = o->open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
		uint64_t t0;
		double t;

		if (fd < 0)
			die("open seqfile");
		t0 = bench_now_ns();
		for (long off = 0; off < FILE_SIZE; off += IO_SIZE)
			if (o->write(fd, buf, IO_SIZE) != IO_SIZE)
				die("write");
		t = (double)(bench_now_ns() - t0) / (FILE_SIZE / IO_SIZE);
		if (t < *wns)
			*wns = t;
		o->close(fd);
		for (int k = 0; k < 2; k++) {
			fd = o->open(p, O_RDONLY, 0);
			t0 = bench_now_ns();
			for (long off = 0; off < FILE_SIZE; off += IO_SIZE)
				if (o->read(fd, buf, IO_SIZE) != IO_SIZE)
					die("read");
			t = (double)(bench_now_ns() - t0) /
			    (FILE_SIZE / IO_SIZE);
			if (t < *rns)
				*rns = t;
			o->close(fd);
		}
		o->unlink(p);
	}
}

#define MANY_ALTERNATIONS 5
#define NAME_DIGITS 6 /* f000000 ... f099999: one length for every round */

/*
 * The names of the many-files rounds, counted in place like an odometer.
 * Formatting each name with snprintf cost about as much as a third of
 * rump's whole create and grew with the number's length, and names one
 * character longer on average at 100,000 files made every call do more
 * work: both were billed to the directory's size.
 */
struct names {
	char path[160];
	size_t last; /* index of the last digit */
};

static void
names_start(struct names *nm, const char *dir)
{
	snprintf(nm->path, sizeof(nm->path), "%s/f%0*d", dir, NAME_DIGITS, 0);
	nm->last = strlen(nm->path) - 1;
}

static void
names_next(struct names *nm)
{
	char *c = &nm->path[nm->last];

	while (*c == '9')
		*c-- = '0';
	(*c)++;
}

/*
 * ns per file for create + stat + unlink of n files in one directory,
 * done in `dirs' directories one after another and timed as a whole.
 * The growth figure compares ten directories of 10,000 files with one of
 * 100,000: the same number of files and about the same time per sample,
 * so the best of a few samples is not biased towards the shorter runs.
 */
static double
manyfiles(const struct ops *o, long n, int dirs)
{
	char dir[128];
	struct names nm;
	struct stat st;
	uint64_t t0 = bench_now_ns();

	path(dir, sizeof(dir), o, "/many");
	for (int r = 0; r < dirs; r++) {
		if (o->mkdir(dir, 0755) != 0)
			die("mkdir many");
		names_start(&nm, dir);
		for (long i = 0; i < n; i++, names_next(&nm)) {
			int fd = o->open(nm.path, O_CREAT | O_WRONLY | O_EXCL,
					 0644);
			if (fd < 0)
				die("create");
			o->close(fd);
		}
		names_start(&nm, dir);
		for (long i = 0; i < n; i++, names_next(&nm))
			if (o->stat(nm.path, &st) != 0)
				die("stat");
		names_start(&nm, dir);
		for (long i = 0; i < n; i++, names_next(&nm))
			if (o->unlink(nm.path) != 0)
				die("unlink");
		if (o->rmdir(dir) != 0)
			die("rmdir many");
	}
	return (double)(bench_now_ns() - t0) / (double)(n * dirs);
}

struct lookup {
	const struct ops *o;
	char path[256];
};

static void
do_lookup(void *arg, long n)
{
	struct lookup *lk = arg;
	struct stat st;

	while (n-- > 0)
		if (lk->o->stat(lk->path, &st) != 0)
			die("stat deep");
}

static void
deep_init(struct lookup *lk, const struct ops *o)
{
	static const char *const comp[10] = { "usr", "local", "share",
					      "lib", "pkg",   "data",
					      "sub", "dir",   "leaf" };
	char p[256];
	int fd;

	lk->o = o;
	path(p, sizeof(p), o, "");
	for (int i = 0; i < 9; i++) {
		strcat(p, "/");
		strcat(p, comp[i]);
		if (o->mkdir(p, 0755) != 0)
			die("mkdir deep");
	}
	strcat(p, "/file");
	if ((fd = o->open(p, O_CREAT | O_RDWR, 0644)) < 0)
		die("create deep");
	o->close(fd);
	snprintf(lk->path, sizeof(lk->path), "%s", p);
}

static void
throughput(const char *name, double rump_ns, double host_ns)
{
	printf("  %s: rump %.2f GB/s, host %.2f GB/s\n", name,
	       IO_SIZE / rump_ns, IO_SIZE / host_ns);
}

int
main(int argc, char **argv)
{
	struct lookup rl, hl;
	double r, h, r10, h10;
	char *buf;

	if (rump_init() != 0)
		die("rump_init");
	snprintf(host_root, sizeof(host_root), "/dev/shm/rumpvfs.%d",
		 (int)getpid());
	if (mkdir(host_root, 0755) != 0)
		die(host_root);
	if ((buf = malloc(IO_SIZE)) == NULL)
		die("malloc");
	memset(buf, 0x5a, IO_SIZE);
	bench_json_begin();

	double rw, rr, hw, hr;
	seqio(&rump_ops, buf, &rw, &rr);
	seqio(&host_ops, buf, &hw, &hr);
	bench_report("vfs seq write 64KiB (256 MiB file)", rw, hw, 0.5);
	throughput("write", rw, hw);
	bench_report("vfs seq read 64KiB (256 MiB file)", rr, hr, 1 / 1.2);
	throughput("read", rr, hr);

	/*
	 * The sizes alternate, so both see the same spells of noise.  Each
	 * round starts settled: the host's 100,000 unlinks leave it freeing
	 * inodes for a while after, which would be billed to the next round.
	 */
	r10 = h10 = r = h = INFINITY;
	for (int i = 0; i < MANY_ALTERNATIONS; i++) {
		bench_settle();
		r10 = fmin(r10, manyfiles(&rump_ops, 10000, 10));
		bench_settle();
		h10 = fmin(h10, manyfiles(&host_ops, 10000, 10));
		bench_settle();
		r = fmin(r, manyfiles(&rump_ops, 100000, 1));
		bench_settle();
		h = fmin(h, manyfiles(&host_ops, 100000, 1));
	}
	bench_report("vfs create+stat+unlink, 10k files (per file)", r10, h10,
		     1 / 3.0);
	bench_report("vfs create+stat+unlink, 100k files (per file)", r, h,
		     1 / 3.0);
	printf("  per-file cost 100k/10k: rump %.2f, host %.2f\n", r / r10,
	       h / h10);
	bench_json_object("vfs 100k/10k per-file growth");
	bench_json_add_number("rump", r / r10);
	bench_json_add_number("host", h / h10);
	bench_json_object_end();

	deep_init(&rl, &rump_ops);
	deep_init(&hl, &host_ops);
	r = bench_run("vfs stat 10-component rump", do_lookup, &rl, 0);
	h = bench_run("vfs stat 10-component host", do_lookup, &hl, 0);
	bench_report("vfs stat of a 10-component path", r, h, 1 / 3.0);

	bench_json_end();
	/* Clean the host side up. */
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", host_root);
	if (system(cmd) != 0)
		return 1;
	free(buf);
	return 0;
}
