/*
 * copy.c: copying a 64 MiB file without user buffers, rump's tmpfs
 * against the host's /dev/shm in the same run: copy_file_range and
 * sendfile of the whole file into a second file whose pages exist (the
 * steady state of a copy over an older one), and the same bytes through
 * a pipe with splice in 64 KiB steps.  Ratios are rump/host time
 * (lower is better); the target is the host's speed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "bench.h"

#define FILE_SIZE (64L << 20)
#define STEP (64L << 10)

struct side {
	int rump;
	int src, dst, p[2];
};

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static int
s_open(struct side *s, const char *path)
{
	int fd = s->rump ? rump_sys_open(path, O_CREAT | O_RDWR | O_TRUNC, 0644)
			 : open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);

	if (fd < 0)
		die(path);
	return fd;
}

static void
side_init(struct side *s, int rump, const char *dir)
{
	char p[256];
	char *buf = malloc(STEP);

	s->rump = rump;
	snprintf(p, sizeof(p), "%s/src", dir);
	s->src = s_open(s, p);
	snprintf(p, sizeof(p), "%s/dst", dir);
	s->dst = s_open(s, p);
	for (long i = 0; i < STEP; i++)
		buf[i] = (char)(i * 31 + 7);
	for (off_t off = 0; off < FILE_SIZE; off += STEP) {
		ssize_t n = rump ? rump_sys_pwrite(s->src, buf, STEP, off)
				 : pwrite(s->src, buf, STEP, off);
		ssize_t m = rump ? rump_sys_pwrite(s->dst, buf, STEP, off)
				 : pwrite(s->dst, buf, STEP, off);
		if (n != STEP || m != STEP)
			die("pwrite");
	}
	if ((rump ? rump_sys_pipe(s->p) : pipe(s->p)) != 0)
		die("pipe");
	free(buf);
}

static void
do_cfr(void *arg, long n)
{
	struct side *s = arg;

	while (n-- > 0) {
		off_t oi = 0, oo = 0;
		long done = 0, r;

		while (done < FILE_SIZE) {
			r = s->rump ? rump_sys_copy_file_range(
					      s->src, &oi, s->dst, &oo,
					      (size_t)(FILE_SIZE - done), 0)
				    : copy_file_range(
					      s->src, &oi, s->dst, &oo,
					      (size_t)(FILE_SIZE - done), 0);
			if (r <= 0)
				die("copy_file_range");
			done += r;
		}
	}
}

static void
do_sendfile(void *arg, long n)
{
	struct side *s = arg;

	while (n-- > 0) {
		off_t oi = 0;
		long done = 0, r;

		if ((s->rump ? rump_sys_lseek(s->dst, 0, SEEK_SET)
			     : lseek(s->dst, 0, SEEK_SET)) != 0)
			die("lseek");
		while (done < FILE_SIZE) {
			r = s->rump ? rump_sys_sendfile(
					      s->dst, s->src, &oi,
					      (size_t)(FILE_SIZE - done))
				    : sendfile(s->dst, s->src, &oi,
					       (size_t)(FILE_SIZE - done));
			if (r <= 0)
				die("sendfile");
			done += r;
		}
	}
}

static void
do_splice(void *arg, long n)
{
	struct side *s = arg;

	while (n-- > 0) {
		off_t oi = 0, oo = 0;
		long r, w;

		while (oi < FILE_SIZE) {
			r = s->rump ? rump_sys_splice(s->src, &oi, s->p[1],
						      NULL, STEP, SPLICE_F_MOVE)
				    : splice(s->src, &oi, s->p[1], NULL, STEP,
					     SPLICE_F_MOVE);
			if (r <= 0)
				die("splice in");
			while (r > 0) {
				w = s->rump ? rump_sys_splice(s->p[0], NULL,
							      s->dst, &oo, r,
							      SPLICE_F_MOVE)
					    : splice(s->p[0], NULL, s->dst, &oo,
						     r, SPLICE_F_MOVE);
				if (w <= 0)
					die("splice out");
				r -= w;
			}
		}
	}
}

static void
throughput(const char *name, double rump_ns, double host_ns)
{
	printf("  %s: rump %.2f GB/s, host %.2f GB/s\n", name,
	       (double)FILE_SIZE / rump_ns, (double)FILE_SIZE / host_ns);
}

int
main(void)
{
	char hdir[] = "/dev/shm/rumpkit_bench_copy.XXXXXX", p[300];
	struct side r, h;
	double tr, th;

	if (rump_init() != 0)
		die("rump_init");
	if (mkdtemp(hdir) == NULL)
		die("mkdtemp");
	side_init(&r, 1, "");
	side_init(&h, 0, hdir);
	bench_json_begin();

	tr = bench_run("copy_file_range 64MiB rump", do_cfr, &r, 2);
	th = bench_run("copy_file_range 64MiB host", do_cfr, &h, 2);
	bench_report("copy_file_range 64MiB", tr, th, 1.0);
	throughput("copy_file_range 64MiB", tr, th);

	tr = bench_run("sendfile 64MiB rump", do_sendfile, &r, 2);
	th = bench_run("sendfile 64MiB host", do_sendfile, &h, 2);
	bench_report("sendfile 64MiB", tr, th, 1.0);
	throughput("sendfile 64MiB", tr, th);

	tr = bench_run("splice 64MiB via pipe rump", do_splice, &r, 2);
	th = bench_run("splice 64MiB via pipe host", do_splice, &h, 2);
	bench_report("splice 64MiB via pipe, 64KiB steps", tr, th, 1.0);
	throughput("splice 64MiB via pipe", tr, th);

	bench_json_end();
	snprintf(p, sizeof(p), "%s/src", hdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/dst", hdir);
	unlink(p);
	rmdir(hdir);
	return 0;
}
