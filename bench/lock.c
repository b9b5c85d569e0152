/*
 * lock.c: advisory locks and hostfs against the host kernel.
 *   - fcntl F_SETLK write lock + unlock of one byte (tmpfs vs /dev/shm)
 *   - flock LOCK_EX + LOCK_UN
 *   - hostfs: stat of a host file and a 4 KiB pread through the kernel,
 *     against the host doing the same directly (hostfs's overhead)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "bench.h"

struct lk {
	int fd;
	int (*fcntl_fn)(int, int, ...);
	int (*flock_fn)(int, int);
};

static void
do_setlk(void *arg, long n)
{
	struct lk *l = arg;
	struct flock lk = { .l_type = F_WRLCK,
			    .l_whence = SEEK_SET,
			    .l_start = 7,
			    .l_len = 1 };
	struct flock un = lk;

	un.l_type = F_UNLCK;
	while (n-- > 0) {
		if (l->fcntl_fn(l->fd, F_SETLK, &lk) != 0 ||
		    l->fcntl_fn(l->fd, F_SETLK, &un) != 0)
			abort();
	}
}

static void
do_flock(void *arg, long n)
{
	struct lk *l = arg;

	while (n-- > 0)
		if (l->flock_fn(l->fd, LOCK_EX) != 0 ||
		    l->flock_fn(l->fd, LOCK_UN) != 0)
			abort();
}

struct st {
	const char *path;
	int fd;
	int (*stat_fn)(const char *, struct stat *);
	ssize_t (*pread_fn)(int, void *, size_t, off_t);
};

static void
do_stat(void *arg, long n)
{
	struct st *s = arg;
	struct stat sb;

	while (n-- > 0)
		if (s->stat_fn(s->path, &sb) != 0)
			abort();
}

static void
do_pread(void *arg, long n)
{
	struct st *s = arg;
	static char buf[4096];

	while (n-- > 0)
		if (s->pread_fn(s->fd, buf, sizeof(buf), 0) != sizeof(buf))
			abort();
}

static int
host_stat(const char *p, struct stat *sb)
{
	return stat(p, sb);
}

int
main(void)
{
	char hdir[] = "/dev/shm/rump_lockbench.XXXXXX", hpath[300], ppath[300];
	struct lk r, h;
	struct st rs, hs;
	double rt, ht;
	static char page[4096];

	if (rump_init() != 0 || mkdtemp(hdir) == NULL)
		return 1;
	snprintf(hpath, sizeof(hpath), "%s/f", hdir);
	h.fd = open(hpath, O_CREAT | O_RDWR, 0644);
	if (h.fd < 0 || write(h.fd, page, sizeof(page)) != sizeof(page))
		return 1;
	r.fd = rump_sys_open("/lockbench", O_CREAT | O_RDWR, 0644);
	if (r.fd < 0)
		return 1;
	r.fcntl_fn = rump_sys_fcntl;
	h.fcntl_fn = fcntl;
	r.flock_fn = rump_sys_flock;
	h.flock_fn = flock;

	bench_json_begin();
	rt = bench_run("setlk rump", do_setlk, &r, 0);
	ht = bench_run("setlk host", do_setlk, &h, 0);
	bench_report("fcntl F_SETLK lock+unlock", rt, ht, 1.0);
	rt = bench_run("flock rump", do_flock, &r, 0);
	ht = bench_run("flock host", do_flock, &h, 0);
	bench_report("flock LOCK_EX+LOCK_UN", rt, ht, 1.0);

	/* hostfs: the host directory mounted at /mnt. */
	if (rump_sys_mkdir("/mnt", 0755) != 0 ||
	    rump_sys_mount(hdir, "/mnt", "hostfs", 0, "") != 0)
		return 1;
	rs.path = "/mnt/f";
	rs.stat_fn = rump_sys_stat;
	rs.pread_fn = rump_sys_pread;
	rs.fd = rump_sys_open("/mnt/f", O_RDONLY);
	hs.path = hpath;
	hs.stat_fn = host_stat;
	hs.pread_fn = pread;
	hs.fd = h.fd;
	if (rs.fd < 0)
		return 1;
	rt = bench_run("hostfs stat rump", do_stat, &rs, 0);
	ht = bench_run("hostfs stat host", do_stat, &hs, 0);
	bench_report("hostfs stat", rt, ht, 0);
	rt = bench_run("hostfs pread rump", do_pread, &rs, 0);
	ht = bench_run("hostfs pread host", do_pread, &hs, 0);
	bench_report("hostfs pread 4KiB", rt, ht, 0);
	bench_json_end();
	snprintf(ppath, sizeof(ppath), "rm -rf %s", hdir);
	return system(ppath) == 0 ? 0 : 1;
}
