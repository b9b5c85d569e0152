/*
 * memfd.c: memfd throughput, rump against the host in the same run.
 *
 * 64 KiB pwrite and pread, sequential over a 64 MiB memfd whose pages
 * are already allocated (the steady state; target: at least the host's
 * throughput), the first pass that allocates them (a fresh memfd each
 * round), and a 1-byte pread for the per-call cost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "bench.h"

#define FILE_SIZE (64L << 20)
#define IO_SIZE (64L << 10)
#define FILL_ROUNDS 5

typedef ssize_t pwrite_fn(int, const void *, size_t, off_t);
typedef ssize_t pread_fn(int, void *, size_t, off_t);

struct io {
	int fd;
	off_t off;
	size_t len;
	char *buf;
	pwrite_fn *pw;
	pread_fn *pr;
};

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

/* The next offset, wrapping at the end of the file. */
static off_t
next(struct io *io)
{
	off_t off = io->off;

	io->off = (off + IO_SIZE) % FILE_SIZE;
	return off;
}

static void
do_pwrite(void *arg, long n)
{
	struct io *io = arg;

	while (n-- > 0)
		if (io->pw(io->fd, io->buf, io->len, next(io)) !=
		    (ssize_t)io->len)
			die("pwrite");
}

static void
do_pread(void *arg, long n)
{
	struct io *io = arg;

	while (n-- > 0)
		if (io->pr(io->fd, io->buf, io->len, next(io)) !=
		    (ssize_t)io->len)
			die("pread");
}

static int
make_memfd(int rump)
{
	int fd = rump ? rump_sys_memfd_create("bench", 0)
		      : memfd_create("bench", 0);

	if (fd < 0)
		die("memfd_create");
	return fd;
}

static void
io_init(struct io *io, int rump, char *buf, size_t len)
{
	io->fd = make_memfd(rump);
	io->off = 0;
	io->len = len;
	io->buf = buf;
	io->pw = rump ? rump_sys_pwrite : pwrite;
	io->pr = rump ? rump_sys_pread : pread;
	/* Allocate every page, so the timed passes only copy. */
	do_pwrite(io, FILE_SIZE / IO_SIZE);
}

static void
io_fini(struct io *io)
{
	if ((io->pw == pwrite ? close(io->fd) : rump_sys_close(io->fd)) != 0)
		die("close");
}

/* Filling a fresh memfd: the best of FILL_ROUNDS, ns per 64 KiB write. */
static double
first_pass(int rump, char *buf)
{
	double best = INFINITY;
	struct io io;

	for (int i = 0; i < FILL_ROUNDS; i++) {
		io.fd = make_memfd(rump);
		io.off = 0;
		io.len = IO_SIZE;
		io.buf = buf;
		io.pw = rump ? rump_sys_pwrite : pwrite;
		uint64_t t0 = bench_now_ns();
		do_pwrite(&io, FILE_SIZE / IO_SIZE);
		double t =
			(double)(bench_now_ns() - t0) / (FILE_SIZE / IO_SIZE);
		if (t < best)
			best = t;
		io_fini(&io);
	}
	return best;
}

/* GB/s from ns per operation of `len' bytes. */
static double
gbps(double ns, size_t len)
{
	return (double)len / ns;
}

static void
throughput(const char *name, double rump_ns, double host_ns, size_t len)
{
	printf("  %s: rump %.2f GB/s, host %.2f GB/s\n", name,
	       gbps(rump_ns, len), gbps(host_ns, len));
	bench_json_object(name);
	bench_json_add_number("rump_gbps", gbps(rump_ns, len));
	bench_json_add_number("host_gbps", gbps(host_ns, len));
	bench_json_object_end();
}

int
main(void)
{
	struct io rio, hio;
	double r, h;
	char *buf;

	if (rump_init() != 0)
		die("rump_init");
	if ((buf = malloc(IO_SIZE)) == NULL)
		die("malloc");
	memset(buf, 0x5a, IO_SIZE);
	bench_json_begin();

	r = first_pass(1, buf);
	h = first_pass(0, buf);
	bench_report("memfd first-pass pwrite 64KiB", r, h, 0);
	throughput("memfd first-pass pwrite 64KiB GB/s", r, h, IO_SIZE);

	io_init(&rio, 1, buf, IO_SIZE);
	io_init(&hio, 0, buf, IO_SIZE);
	r = bench_run("memfd pwrite 64KiB rump", do_pwrite, &rio, 0);
	h = bench_run("memfd pwrite 64KiB host", do_pwrite, &hio, 0);
	bench_report("memfd pwrite 64KiB", r, h, 1.0);
	throughput("memfd pwrite 64KiB GB/s", r, h, IO_SIZE);
	r = bench_run("memfd pread 64KiB rump", do_pread, &rio, 0);
	h = bench_run("memfd pread 64KiB host", do_pread, &hio, 0);
	bench_report("memfd pread 64KiB", r, h, 1.0);
	throughput("memfd pread 64KiB GB/s", r, h, IO_SIZE);

	/* The per-call cost: one byte from each 64 KiB step. */
	rio.len = hio.len = 1;
	rio.off = hio.off = 0;
	r = bench_run("memfd pread 1B rump", do_pread, &rio, 0);
	h = bench_run("memfd pread 1B host", do_pread, &hio, 0);
	bench_report("memfd pread 1B", r, h, 1.0);

	io_fini(&rio);
	io_fini(&hio);
	free(buf);
	bench_json_end();
	return 0;
}
