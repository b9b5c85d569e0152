/*
 * vfs_stress.c: concurrency (host threads writing and reading one file,
 * creating, renaming and removing names in one directory) and a
 * randomized differential test: the same operations on rump's tmpfs, and
 * on a hostfs mount of a host directory, and on another host directory
 * under /tmp, comparing every result, errno and the attributes that must
 * match (type, size, mode, link count, owner, status flags, the times
 * utimensat set and whether later calls moved them).  Each side keeps
 * a cwd that chdir moves around its tree (getcwd, calls relative to it),
 * slots of open files that dup may share (vectored I/O, flock between
 * them, record locks).
 *
 * Environment: VFSDIFF_SEEDS=n runs n seeds in each differential (the
 * default is a few for CI), VFSDIFF_FIRST=k starts at seed k (default 1),
 * VFSDIFF_TRACE=1 prints every operation and both results.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "vfs_util.h"
#include "host_dir.h"

TestSuite(vfs_stress, .init = vfs_boot, .timeout = 60);

#define NTHREADS 4

static void
run_threads(void *(*fn)(void *), int n)
{
	pthread_t t[NTHREADS];
	long i;

	for (i = 0; i < n; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, fn, (void *)i), 0);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/* ---- one file ------------------------------------------------------------- */

#define REC 64
#define NREC 500

static void *
appender(void *arg)
{
	long id = (long)arg;
	char rec[REC];
	int fd = rump_sys_open("/appendfile", O_WRONLY | O_APPEND);

	memset(rec, 'a' + (int)id, REC);
	for (int i = 0; i < NREC; i++) {
		rec[0] = (char)('0' + (int)id);
		if (rump_sys_write(fd, rec, REC) != REC)
			abort();
	}
	rump_sys_close(fd);
	return NULL;
}

Test(vfs_stress, appenders_never_interleave)
{
	char rec[REC];
	int counts[NTHREADS] = { 0 };
	int fd = xopen("/appendfile", O_CREAT | O_RDWR, 0600);

	run_threads(appender, NTHREADS);
	cr_assert_eq(fsize(fd), (off_t)REC * NREC * NTHREADS);
	for (int i = 0; i < NREC * NTHREADS; i++) {
		RETURNS(rump_sys_read(fd, rec, REC), REC);
		int id = rec[0] - '0';
		cr_assert(id >= 0 && id < NTHREADS);
		for (int k = 1; k < REC; k++)
			cr_assert_eq(rec[k], 'a' + id, "record torn");
		counts[id]++;
	}
	for (int i = 0; i < NTHREADS; i++)
		cr_assert_eq(counts[i], NREC);
	close_ok(fd);
}

#define REGION (256 * 1024)
static atomic_int writers_done;

static void *
region_writer(void *arg)
{
	long id = (long)arg;
	char *buf = malloc(4096);
	int fd = rump_sys_open("/shared", O_RDWR);

	for (int pass = 0; pass < 4; pass++)
		for (off_t off = 0; off < REGION; off += 4096) {
			memset(buf, (int)('A' + id * 4 + pass), 4096);
			if (rump_sys_pwrite(fd, buf, 4096, id * REGION + off) !=
			    4096)
				abort();
		}
	rump_sys_close(fd);
	free(buf);
	atomic_fetch_add(&writers_done, 1);
	return NULL;
}

static void *
region_reader(void *arg)
{
	char *buf = malloc(4096);
	int fd = rump_sys_open("/shared", O_RDONLY);

	while (atomic_load(&writers_done) < 2) {
		for (off_t off = 0; off < 2 * REGION; off += 4096) {
			ssize_t n = rump_sys_pread(fd, buf, 4096, off);
			if (n < 0)
				abort();
			/* A page is written whole: all one byte. */
			for (ssize_t k = 1; k < n; k++)
				if (buf[k] != buf[0] && buf[k] != 0 &&
				    buf[0] != 0)
					abort();
		}
	}
	rump_sys_close(fd);
	free(buf);
	return NULL;
}

static void *
mixed(void *arg)
{
	long id = (long)arg;

	return id < 2 ? region_writer(arg) : region_reader(arg);
}

Test(vfs_stress, writers_and_readers_on_one_file)
{
	char *buf = malloc(REGION);
	int fd = xopen("/shared", O_CREAT | O_RDWR, 0600);

	atomic_store(&writers_done, 0);
	run_threads(mixed, NTHREADS);
	for (int id = 0; id < 2; id++) {
		RETURNS(rump_sys_pread(fd, buf, REGION, id * REGION), REGION);
		for (int k = 0; k < REGION; k++)
			cr_assert_eq(buf[k], 'A' + id * 4 + 3);
	}
	close_ok(fd);
	free(buf);
}

/* stat reads the size and block count without the file's lock: while a
 * writer grows and truncates a file, fstat from other threads sees only
 * sizes the writer set, never smaller than before unless a truncation
 * ran in between (`truncs' is odd during one), and sane block counts. */
#define GROW_STEPS 2000
static atomic_int grower_done, truncs;

static void *
grower(void *arg)
{
	char page[4096];
	int fd = rump_sys_open("/growing", O_WRONLY);

	(void)arg;
	memset(page, 'g', sizeof(page));
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < GROW_STEPS / 4; i++)
			if (rump_sys_write(fd, page, sizeof(page)) != 4096)
				abort();
		if (round == 3)
			break;
		atomic_fetch_add(&truncs, 1);
		if (rump_sys_ftruncate(fd, 0) != 0 ||
		    rump_sys_lseek(fd, 0, SEEK_SET) != 0)
			abort();
		atomic_fetch_add(&truncs, 1);
	}
	rump_sys_close(fd);
	atomic_store(&grower_done, 1);
	return NULL;
}

static void *
stat_watcher(void *arg)
{
	struct stat st;
	int fd = rump_sys_open("/growing", O_RDONLY);
	off_t last = 0;
	int last_gen = 0, g1, g2;

	(void)arg;
	while (!atomic_load(&grower_done)) {
		g1 = atomic_load(&truncs);
		if (rump_sys_fstat(fd, &st) != 0)
			abort();
		g2 = atomic_load(&truncs);
		/* Whole pages are written. */
		if (st.st_size % 4096 != 0 ||
		    st.st_size > (off_t)GROW_STEPS / 4 * 4096 ||
		    st.st_blocks < 0 ||
		    st.st_blocks > (blkcnt_t)GROW_STEPS / 4 * 8)
			abort();
		if (g1 != g2 || (g1 & 1) != 0)
			continue; /* a truncation overlapped: anything goes */
		if (st.st_size < last && g1 == last_gen)
			abort(); /* shrank with no truncation in between */
		last = st.st_size;
		last_gen = g1;
	}
	rump_sys_close(fd);
	return NULL;
}

static void *
grow_or_watch(void *arg)
{
	return (long)arg == 0 ? grower(arg) : stat_watcher(arg);
}

Test(vfs_stress, stat_while_a_file_grows_and_shrinks)
{
	struct stat st;
	int fd = xopen("/growing", O_CREAT | O_RDWR, 0600);

	atomic_store(&grower_done, 0);
	atomic_store(&truncs, 0);
	run_threads(grow_or_watch, 3);
	RETURNS(rump_sys_fstat(fd, &st), 0);
	cr_assert_eq(st.st_size, (off_t)GROW_STEPS / 4 * 4096);
	cr_assert_eq(st.st_blocks, (blkcnt_t)GROW_STEPS / 4 * 8);
	close_ok(fd);
}

/* A file's lock is made by its first reader or writer: threads that
 * race to be first on fresh files agree on one lock (the others' are
 * freed: ASan's leak check sees any that is not) and lose no write. */
#define FRESH_FILES 200
static atomic_int fresh_turn;

static void *
fresh_racer(void *arg)
{
	long id = (long)arg;
	char path[32], c = (char)('a' + id), got;

	for (int i = 0; i < FRESH_FILES; i++) {
		snprintf(path, sizeof(path), "/fresh%d", i);
		while (atomic_load(&fresh_turn) < i)
			sched_yield(); /* all start on file i together */
		int fd = rump_sys_open(path, O_RDWR);
		if (fd < 0 || rump_sys_pwrite(fd, &c, 1, id) != 1 ||
		    rump_sys_pread(fd, &got, 1, id) != 1 || got != c)
			abort();
		rump_sys_close(fd);
		if (id == 0) {
			/* Wait for the others' writes, then open the next. */
			struct stat st;
			do {
				if (rump_sys_stat(path, &st) != 0)
					abort();
			} while (st.st_size < NTHREADS);
			atomic_store(&fresh_turn, i + 1);
		}
	}
	return NULL;
}

Test(vfs_stress, first_users_of_fresh_files_race)
{
	char path[32], buf[NTHREADS];

	for (int i = 0; i < FRESH_FILES; i++) {
		snprintf(path, sizeof(path), "/fresh%d", i);
		close_ok(xopen(path, O_CREAT | O_RDWR, 0600));
	}
	atomic_store(&fresh_turn, 0);
	run_threads(fresh_racer, NTHREADS);
	for (int i = 0; i < FRESH_FILES; i++) {
		int fd;

		snprintf(path, sizeof(path), "/fresh%d", i);
		fd = xopen(path, O_RDONLY, 0);
		RETURNS(rump_sys_read(fd, buf, sizeof(buf)), NTHREADS);
		for (int k = 0; k < NTHREADS; k++)
			cr_assert_eq(buf[k], 'a' + k);
		close_ok(fd);
	}
}

/* ---- one directory ---------------------------------------------------------- */

#define NFILES 300
static atomic_int dir_done;

static void *
dir_worker(void *arg)
{
	long id = (long)arg;
	char p[64], q[64];
	struct stat st;

	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < NFILES; i++) {
			snprintf(p, sizeof(p), "/cdir/t%ld_%d", id, i);
			int fd = rump_sys_open(p, O_CREAT | O_EXCL | O_RDWR,
					       0600);
			if (fd < 0)
				abort();
			rump_sys_close(fd);
		}
		for (int i = 0; i < NFILES; i++) {
			snprintf(p, sizeof(p), "/cdir/t%ld_%d", id, i);
			snprintf(q, sizeof(q), "/cdir/r%ld_%d", id, i);
			if (rump_sys_rename(p, q) != 0 ||
			    rump_sys_stat(q, &st) != 0)
				abort();
		}
		for (int i = 0; i < NFILES; i++) {
			snprintf(q, sizeof(q), "/cdir/r%ld_%d", id, i);
			if (rump_sys_unlink(q) != 0)
				abort();
		}
	}
	atomic_fetch_add(&dir_done, 1);
	return NULL;
}

static void *
dir_lister(void *arg)
{
	char buf[2048];

	while (atomic_load(&dir_done) < NTHREADS - 1) {
		int fd = rump_sys_open("/cdir", O_RDONLY | O_DIRECTORY);
		ssize_t n;

		if (fd < 0)
			abort();
		while ((n = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0)
			continue;
		if (n < 0)
			abort();
		rump_sys_close(fd);
	}
	return NULL;
}

static void *
dir_mixed(void *arg)
{
	return (long)arg == NTHREADS - 1 ? dir_lister(arg) : dir_worker(arg);
}

Test(vfs_stress, one_directory_many_threads)
{
	struct stat st;
	char buf[256];
	int fd;

	RETURNS(rump_sys_mkdir("/cdir", 0755), 0);
	atomic_store(&dir_done, 0);
	run_threads(dir_mixed, NTHREADS);
	RETURNS(rump_sys_stat("/cdir", &st), 0);
	cr_assert_eq(st.st_nlink, 2);
	cr_assert_eq(st.st_size, 40);
	fd = xopen("/cdir", O_RDONLY | O_DIRECTORY, 0);
	/* Only "." and "..". */
	ssize_t n = rump_sys_getdents64(fd, buf, sizeof(buf));
	cr_assert_eq(n, 48);
	close_ok(fd);
}

/* ---- in-order lookups racing changes --------------------------------------- */

#define ORDER_FILES 600
static ino_t order_ino[ORDER_FILES];
static atomic_int order_done;

/* Stats every name in creation order, again and again: the order the
 * directory's lookup hint learns, while another thread moves places. */
static void *
order_reader(void *arg)
{
	long id = (long)arg;
	struct stat st;
	char p[32];

	for (int round = 0; round < 20; round++)
		for (int k = 0; k < ORDER_FILES; k++) {
			int i = (k + (int)id * 97) % ORDER_FILES;

			snprintf(p, sizeof(p), "/odir/f%d", i);
			if (rump_sys_stat(p, &st) != 0 ||
			    st.st_ino != order_ino[i])
				abort();
			snprintf(p, sizeof(p), "/odir/g%d", i);
			if (rump_sys_stat(p, &st) == 0 &&
			    st.st_ino == order_ino[i])
				abort();
		}
	atomic_fetch_add(&order_done, 1);
	return NULL;
}

/* Creates and removes other names among them, so places are freed,
 * reused and the index grows and shrinks under the readers. */
static void *
order_churner(void *arg)
{
	char p[32];

	for (int n = 0; atomic_load(&order_done) < NTHREADS - 1; n++) {
		int i = n % ORDER_FILES;

		snprintf(p, sizeof(p), "/odir/g%d", i);
		int fd = rump_sys_open(p, O_CREAT | O_EXCL | O_WRONLY, 0600);
		if (fd < 0)
			abort();
		rump_sys_close(fd);
		if (n % 3 == 0) {
			snprintf(p, sizeof(p), "/odir/g%d",
				 (n / 3) % ORDER_FILES);
			rump_sys_unlink(p);
		}
		if (i == ORDER_FILES - 1)
			for (int j = 0; j < ORDER_FILES; j++) {
				snprintf(p, sizeof(p), "/odir/g%d", j);
				rump_sys_unlink(p);
			}
	}
	return NULL;
}

static void *
order_mixed(void *arg)
{
	return (long)arg == NTHREADS - 1 ? order_churner(arg)
					 : order_reader(arg);
}

Test(vfs_stress, in_order_lookups_race_changes_to_the_directory)
{
	struct stat st;
	char p[32];

	RETURNS(rump_sys_mkdir("/odir", 0755), 0);
	for (int i = 0; i < ORDER_FILES; i++) {
		snprintf(p, sizeof(p), "/odir/f%d", i);
		close_ok(xopen(p, O_CREAT | O_EXCL | O_WRONLY, 0600));
		RETURNS(rump_sys_stat(p, &st), 0);
		order_ino[i] = st.st_ino;
	}
	atomic_store(&order_done, 0);
	run_threads(order_mixed, NTHREADS);
	for (int i = 0; i < ORDER_FILES; i++) {
		snprintf(p, sizeof(p), "/odir/f%d", i);
		RETURNS(rump_sys_stat(p, &st), 0);
		cr_assert_eq(st.st_ino, order_ino[i]);
	}
}

static atomic_int excl_wins;

static void *
excl_creator(void *arg)
{
	for (int i = 0; i < 200; i++) {
		char p[32];

		snprintf(p, sizeof(p), "/excl%d", i);
		int fd = rump_sys_open(p, O_CREAT | O_EXCL | O_RDWR, 0600);
		if (fd >= 0) {
			atomic_fetch_add(&excl_wins, 1);
			rump_sys_close(fd);
		} else if (errno != EEXIST) {
			abort();
		}
	}
	return NULL;
}

Test(vfs_stress, o_excl_has_one_winner)
{
	atomic_store(&excl_wins, 0);
	run_threads(excl_creator, NTHREADS);
	cr_assert_eq(atomic_load(&excl_wins), 200);
}

/* Directory renames in both directions at once: no deadlock, and the
 * tree stays a tree. */
static void *
renamer(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < 2000; i++) {
		switch ((id + i) % 4) {
		case 0:
			rump_sys_rename("/rt/a/x", "/rt/b/x");
			break;
		case 1:
			rump_sys_rename("/rt/b/x", "/rt/a/x");
			break;
		case 2:
			rump_sys_rename("/rt/a", "/rt/b/x/a");
			rump_sys_rename("/rt/b/x/a", "/rt/a");
			break;
		default:
			rump_sys_rename("/rt/b", "/rt/a/x/b");
			rump_sys_rename("/rt/a/x/b", "/rt/b");
			break;
		}
	}
	return NULL;
}

Test(vfs_stress, rename_storm)
{
	struct stat st;

	RETURNS(rump_sys_mkdir("/rt", 0755), 0);
	RETURNS(rump_sys_mkdir("/rt/a", 0755), 0);
	RETURNS(rump_sys_mkdir("/rt/b", 0755), 0);
	RETURNS(rump_sys_mkdir("/rt/a/x", 0755), 0);
	run_threads(renamer, NTHREADS);
	/* Put everything back where it can be found, then check counts. */
	rump_sys_rename("/rt/b/x/a", "/rt/a");
	rump_sys_rename("/rt/a/x/b", "/rt/b");
	RETURNS(rump_sys_stat("/rt", &st), 0);
	cr_assert_eq(st.st_nlink, 4);
	int nx = (rump_sys_stat("/rt/a/x", &st) == 0) +
		 (rump_sys_stat("/rt/b/x", &st) == 0);
	cr_assert_eq(nx, 1);
}

/* ---- a full mount ------------------------------------------------------------ */

/* Writers on a size-limited tmpfs run it full together, then keep going
 * while others free space (truncate, punch, unlink of open files): every
 * byte a write reported is there afterwards, every refusal is ENOSPC,
 * and the mount never holds more than its size. */
#define FULL_PAGES 32
#define FULL_WRITERS 3
static atomic_int full_done, full_refused;

static void *
full_writer(void *arg)
{
	long id = (long)arg;
	char path[32], buf[3000], check[3000];
	off_t off = 0;

	snprintf(path, sizeof(path), "/full/w%ld", id);
	int fd = rump_sys_open(path, O_CREAT | O_RDWR, 0600);
	if (fd < 0)
		abort();
	for (int i = 0; i < 400; i++) {
		/* Odd sizes: writes straddle pages, so some fit in part. */
		size_t n = 1000 + (size_t)((i * 977 + id * 131) % 2000);
		ssize_t w;

		memset(buf, 'a' + (int)((i + id) % 26), n);
		w = rump_sys_pwrite(fd, buf, n, off);
		if (w < 0 && errno != ENOSPC)
			abort();
		if (w < 0 || (size_t)w < n)
			atomic_fetch_add(&full_refused, 1);
		if (w > 0) {
			if (rump_sys_pread(fd, check, (size_t)w, off) != w ||
			    memcmp(check, buf, (size_t)w) != 0)
				abort();
			off += w;
		}
		if (i % 100 == 99) {
			/* Give back all but the first page, then check it. */
			if (rump_sys_ftruncate(fd, off > 4096 ? 4096 : off) !=
			    0)
				abort();
			off = off > 4096 ? 4096 : off;
		}
	}
	struct stat st;
	if (rump_sys_fstat(fd, &st) != 0 || st.st_size != off)
		abort();
	rump_sys_close(fd);
	atomic_fetch_add(&full_done, 1);
	return NULL;
}

static void *
full_freer(void *arg)
{
	char page[4096];

	(void)arg;
	memset(page, 'z', sizeof(page));
	while (atomic_load(&full_done) < FULL_WRITERS) {
		/* Take pages, hold them through an unlink, then let go. */
		int fd = rump_sys_open("/full/tmp", O_CREAT | O_RDWR, 0600);
		off_t got = 0;

		if (fd < 0)
			abort();
		for (int i = 0; i < 8; i++)
			if (rump_sys_pwrite(fd, page, sizeof(page), got) ==
			    sizeof(page))
				got += sizeof(page);
		rump_sys_unlink("/full/tmp");
		for (off_t o = 0; o < got; o += sizeof(page)) {
			char c;
			if (rump_sys_pread(fd, &c, 1, o) != 1 || c != 'z')
				abort(); /* unlinked, still readable */
		}
		if (got > 0 && rump_sys_fallocate(fd,
						  FALLOC_FL_PUNCH_HOLE |
							  FALLOC_FL_KEEP_SIZE,
						  0, 4096) != 0)
			abort();
		rump_sys_close(fd);
	}
	return NULL;
}

static void *
full_mixed(void *arg)
{
	return (long)arg < FULL_WRITERS ? full_writer(arg) : full_freer(arg);
}

Test(vfs_stress, writers_on_a_full_mount_lose_nothing)
{
	struct statfs sf;
	char opts[32];

	RETURNS(rump_sys_mkdir("/full", 0755), 0);
	snprintf(opts, sizeof(opts), "size=%dk", FULL_PAGES * 4);
	RETURNS(rump_sys_mount("none", "/full", "tmpfs", 0, opts), 0);
	atomic_store(&full_done, 0);
	atomic_store(&full_refused, 0);
	run_threads(full_mixed, FULL_WRITERS + 1);
	cr_assert_gt(atomic_load(&full_refused), 0, "the mount never filled");
	RETURNS(rump_sys_statfs("/full", &sf), 0);
	cr_assert_eq(sf.f_blocks, FULL_PAGES);
	cr_assert_leq(sf.f_blocks - sf.f_bfree, FULL_PAGES);
	/* What is left is the writers' files: nothing else holds pages. */
	long pages = 0;
	for (int id = 0; id < FULL_WRITERS; id++) {
		struct stat st;
		char path[32];

		snprintf(path, sizeof(path), "/full/w%d", id);
		RETURNS(rump_sys_stat(path, &st), 0);
		pages += (long)st.st_blocks / 8;
		RETURNS(rump_sys_unlink(path), 0);
	}
	cr_assert_eq((long)(sf.f_blocks - sf.f_bfree), pages);
	RETURNS(rump_sys_statfs("/full", &sf), 0);
	cr_assert_eq(sf.f_bfree, FULL_PAGES);
	RETURNS(rump_sys_umount("/full"), 0);
}

/* ---- differential: rump file systems against a host directory -------------- */

/* The seeds to run: VFSDIFF_FIRST.. for VFSDIFF_SEEDS of them, or by
 * default 1..dflt. */
static void
seed_range(unsigned dflt, unsigned *first, unsigned *last)
{
	const char *f = getenv("VFSDIFF_FIRST"), *n = getenv("VFSDIFF_SEEDS");

	*first = f != NULL ? (unsigned)strtoul(f, NULL, 0) : 1;
	*last = *first + (n != NULL ? (unsigned)strtoul(n, NULL, 0) : dflt) - 1;
}

#define X51 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define X255 X51 X51 X51 X51 X51
/* The longest name ("b/" X255) and one too long; "m" is a mount point
 * (a small tmpfs) where the host lets the test mount one. */
static const char *const names[] = {
	"a",     "b",     "c",       "a/x",    "a/y", "b/x",  "c/d",
	"a/x/z", "b/x/z", "l",       "a/l",    "a/",  "b/x/", ".",
	"a/..",  "",      "b/" X255, X255 "y", "m",   "m/a",  "m/x/",
};
#define NNAMES (int)(sizeof(names) / sizeof(names[0]))
#define NFD 4
#define NKINDS 44 /* kinds of operation in do_op */

struct side {
	bool rump;
	const char *path; /* of the directory, for calls that take no dirfd */
	int dir;
	int fd[NFD];
	int root; /* the real root, to come back from a chroot */
};

/* A timestamp: the value utimensat set (small), or "now" for any other. */
static void
fmt_time(char *buf, size_t len, const char *what, long sec, long nsec)
{
	size_t n = strlen(buf);

	if (sec < 100000)
		snprintf(buf + n, len - n, " %s %ld.%09ld", what, sec, nsec);
	else
		snprintf(buf + n, len - n, " %s now", what);
}

/* A checksum of bytes read: position and value. */
static unsigned
sum_bytes(const char *p, long n)
{
	unsigned sum = 0;

	for (long i = 0; i < n; i++)
		sum = sum * 31 + (unsigned char)p[i];
	return sum;
}

static int
s_openat(struct side *s, const char *p, int fl, mode_t m)
{
	return s->rump ? rump_sys_openat(s->dir, p, fl, m)
		       : openat(s->dir, p, fl, m);
}

/* lseek, except on directories: what their offsets are is the file
 * system's own business. */
static long
s_lseek(struct side *s, int fd, off_t off, int whence)
{
	struct stat st;

	if ((s->rump ? rump_sys_fstat(fd, &st) : fstat(fd, &st)) == 0 &&
	    S_ISDIR(st.st_mode))
		return 0;
	return s->rump ? rump_sys_lseek(fd, off, whence)
		       : lseek(fd, off, whence);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted "name/type" list of an open directory into out. */
static void
list_dir(struct side *s, int dfd, char *out, size_t outlen)
{
	char buf[2048], *ents[64];
	int n = 0;
	long got;

	while ((got = s->rump ? rump_sys_getdents64(dfd, buf, sizeof(buf))
			      : syscall(SYS_getdents64, dfd, buf,
					sizeof(buf))) > 0) {
		for (long o = 0; o < got;) {
			struct dirent64 *d = (struct dirent64 *)(buf + o);

			if (n < 64 && asprintf(&ents[n], "%s/%d", d->d_name,
					       d->d_type) > 0)
				n++;
			o += d->d_reclen;
		}
	}
	qsort(ents, (size_t)n, sizeof(ents[0]), cmpstr);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t len = strlen(out);

		snprintf(out + len, outlen - len, " %s", ents[i]);
		free(ents[i]);
	}
}

/* The attributes both sides must agree on.  A directory's size is the
 * file system's own business (tmpfs and the host's differ). */
static void
fmt_attrs(char *buf, size_t len, unsigned mode, unsigned long nlink, long size,
	  unsigned uid, unsigned gid)
{
	snprintf(buf, len, " mode %o nlink %lu size %ld owner %u:%u", mode,
		 nlink, S_ISDIR(mode) ? 0L : size, uid, gid);
}

static void
fmt_stat(char *buf, size_t len, const struct stat *st)
{
	fmt_attrs(buf, len, st->st_mode, (unsigned long)st->st_nlink,
		  (long)st->st_size, st->st_uid, st->st_gid);
}

/* A lock call from another process: a fork with copies of the slots
 * (the same open files).  Its own record locks go when it exits; a flock
 * it takes is the open file's, and stays. */
static void
other_process_lock(struct side *s, int fd, unsigned b, unsigned c, char *buf,
		   size_t len)
{
	static const short types[] = { F_RDLCK, F_WRLCK, F_UNLCK };
	struct flock fl = {
		.l_type = types[c % 3],
		.l_whence = SEEK_SET,
		.l_start = (off_t)(b % 100),
		.l_len = (off_t)((c >> 2) % 50),
	};
	int what = (int)((c >> 8) % 3), res[6];
	long parent = s->rump ? rump_sys_getpid() : getpid();

	if (s->rump) {
		if (rump_pub_lwproc_rfork(RUMP_RFFDG) != 0)
			abort();
		errno = 0;
		res[0] = what == 0 ? rump_sys_fcntl(fd, F_GETLK, &fl)
			 : what == 1
				 ? rump_sys_fcntl(fd, F_SETLK, &fl)
				 : rump_sys_flock(fd, (int)(c % 2 ? LOCK_EX
								  : LOCK_SH) |
							      LOCK_NB);
		res[1] = res[0] < 0 ? errno : 0;
		rump_pub_lwproc_releaselwp();
	} else {
		int p[2];
		pid_t pid;

		if (pipe(p) != 0 || (pid = fork()) < 0)
			abort();
		if (pid == 0) {
			errno = 0;
			res[0] = what == 0   ? fcntl(fd, F_GETLK, &fl)
				 : what == 1 ? fcntl(fd, F_SETLK, &fl)
					     : flock(fd, (c % 2 ? LOCK_EX
								: LOCK_SH) |
								 LOCK_NB);
			res[1] = res[0] < 0 ? errno : 0;
			res[2] = fl.l_type;
			res[3] = (int)fl.l_start;
			res[4] = fl.l_pid == parent;
			res[5] = (int)fl.l_len;
			if (write(p[1], res, sizeof(res)) != sizeof(res))
				_exit(1);
			_exit(0);
		}
		close(p[1]);
		if (read(p[0], res, sizeof(res)) != sizeof(res))
			abort();
		close(p[0]);
		waitpid(pid, NULL, 0);
		fl.l_type = (short)res[2];
		fl.l_start = res[3];
		fl.l_pid = res[4] ? (pid_t)parent : 0;
		fl.l_len = res[5];
	}
	snprintf(buf, len, " %d/%d", res[0] < 0 ? -1 : res[0], res[1]);
	if (what == 0 && res[0] == 0) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, " type %d", fl.l_type);
		if (fl.l_type != F_UNLCK)
			snprintf(buf + n, len - n,
				 " type %d start %ld len %ld %s", fl.l_type,
				 (long)fl.l_start, (long)fl.l_len,
				 fl.l_pid == parent ? "parent's" : "other's");
	}
}

/* Whether fd is an O_PATH descriptor (1), or not (0). */
static int
fd_is_path(struct side *s, int fd)
{
	int fl = s->rump ? rump_sys_fcntl(fd, F_GETFL) : fcntl(fd, F_GETFL);

	return fl >= 0 && (fl & O_PATH) ? 1 : 0;
}

/* One operation on one side; returns the result and errno packed into
 * a string that must match the other side's. */
static void
do_op(struct side *s, unsigned op, unsigned a, unsigned b, unsigned c,
      char *out, size_t outlen)
{
	const char *p = names[a % NNAMES], *q = names[b % NNAMES];
	struct stat st;
	char buf[1024];
	long r = 0;
	int slot = (int)(c % NFD), fd = s->fd[slot];
	/* O_NONBLOCK everywhere: a FIFO's open must not wait for a partner
	 * (it changes nothing for other files). */
	static const int oflags[] = {
		O_RDONLY,
		O_WRONLY | O_CREAT,
		O_RDWR | O_CREAT | O_EXCL,
		O_RDWR | O_TRUNC,
		O_RDONLY | O_DIRECTORY,
		O_WRONLY | O_APPEND,
		O_RDWR | O_CREAT | O_NOFOLLOW,
		O_RDWR | O_CREAT,
		O_WRONLY | O_CREAT | O_TRUNC | O_APPEND,
		O_PATH | O_NOFOLLOW,
		O_RDWR,
		O_TMPFILE | O_RDWR,
		O_TMPFILE | O_WRONLY | O_EXCL,
		O_CREAT | O_DIRECTORY,
		O_WRONLY | O_DIRECTORY,
		O_PATH | O_DIRECTORY,
		O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
		O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY,
		O_RDONLY | O_TRUNC,
	};
	const int noflags = (int)(sizeof(oflags) / sizeof(oflags[0]));

	errno = 0;
	buf[0] = '\0';
	switch (op % NKINDS) {
	case 0: /* open into a slot; a failed open leaves it as it was */
		r = s_openat(s, p, oflags[b % noflags] | O_NONBLOCK, 0640);
		if (r >= 0) {
			if (fd >= 0)
				s->rump ? rump_sys_close(fd) : close(fd);
			s->fd[slot] = (int)r;
			r = 0;
		}
		break;
	case 1:
		r = s->rump ? rump_sys_mkdirat(s->dir, p, 0750)
			    : mkdirat(s->dir, p, 0750);
		break;
	case 2:
		r = s->rump ? rump_sys_unlinkat(s->dir, p, 0)
			    : unlinkat(s->dir, p, 0);
		break;
	case 3:
		r = s->rump ? rump_sys_unlinkat(s->dir, p, AT_REMOVEDIR)
			    : unlinkat(s->dir, p, AT_REMOVEDIR);
		break;
	case 4:
		r = s->rump ? rump_sys_renameat(s->dir, p, s->dir, q)
			    : renameat(s->dir, p, s->dir, q);
		break;
	case 5:
		r = s->rump ? rump_sys_linkat(s->dir, p, s->dir, q, 0)
			    : linkat(s->dir, p, s->dir, q, 0);
		break;
	case 6:
		r = s->rump ? rump_sys_symlinkat(names[c % 11], s->dir, q)
			    : symlinkat(names[c % 11], s->dir, q);
		break;
	case 7:
	case 8: {
		int fl = op % NKINDS == 7 ? 0 : AT_SYMLINK_NOFOLLOW;

		r = s->rump ? rump_sys_fstatat(s->dir, p, &st, fl)
			    : fstatat(s->dir, p, &st, fl);
		if (r == 0)
			fmt_stat(buf, sizeof(buf), &st);
		break;
	}
	case 9: { /* readlink by name, or of a slot with "" */
		char lb[64];
		int dfd = c % 4 == 0 ? fd : s->dir;
		const char *nm = c % 4 == 0 ? "" : p;
		size_t sz = (c >> 2) % 3 == 0 ? 1 + (b % 8) : sizeof(lb);

		r = s->rump ? rump_sys_readlinkat(dfd, nm, lb, sz)
			    : readlinkat(dfd, nm, lb, sz);
		if (r > 0)
			snprintf(buf, sizeof(buf), " %.*s", (int)r, lb);
		break;
	}
	case 10:
		r = s->rump ? rump_sys_fchmodat(s->dir, p, 0700 | (c & 077), 0)
			    : fchmodat(s->dir, p, 0700 | (c & 077), 0);
		break;
	case 11: { /* write through a slot */
		char data[300];

		memset(data, 'a' + (int)(c % 26), sizeof(data));
		size_t n = (b * 37) % sizeof(data);
		r = s->rump ? rump_sys_write(fd, data, n) : write(fd, data, n);
		break;
	}
	case 12: { /* read through a slot */
		char data[200];

		r = s->rump ? rump_sys_pread(fd, data, sizeof(data), b % 300)
			    : pread(fd, data, sizeof(data), b % 300);
		if (r > 0)
			snprintf(buf, sizeof(buf), " %02x%02x",
				 (unsigned char)data[0],
				 (unsigned char)data[r - 1]);
		break;
	}
	case 13:
		r = s->rump ? rump_sys_ftruncate(fd, b % 5000)
			    : ftruncate(fd, b % 5000);
		break;
	case 14:
		r = s->rump ? rump_sys_fstat(fd, &st) : fstat(fd, &st);
		if (r == 0)
			fmt_stat(buf, sizeof(buf), &st);
		break;
	case 15:
		r = s->rump ? rump_sys_renameat2(s->dir, p, s->dir, q,
						 c % 2 ? RENAME_NOREPLACE
						       : RENAME_EXCHANGE)
			    : renameat2(s->dir, p, s->dir, q,
					c % 2 ? RENAME_NOREPLACE
					      : RENAME_EXCHANGE);
		break;
	case 16:
		r = s->rump ? rump_sys_faccessat(s->dir, p, (int)(c % 8), 0)
			    : faccessat(s->dir, p, (int)(c % 8), 0);
		break;
	case 17: /* list a directory: sorted names and types */
		r = s_openat(s, p, O_RDONLY | O_DIRECTORY, 0);
		if (r >= 0) {
			int dfd = (int)r;

			list_dir(s, dfd, buf, sizeof(buf));
			s->rump ? rump_sys_close(dfd) : close(dfd);
			r = 0;
		}
		break;
	case 18:
		r = s->rump ? rump_sys_mknodat(s->dir, q, S_IFSOCK | 0640, 0)
			    : mknodat(s->dir, q, S_IFSOCK | 0640, 0);
		break;
	case 19: /* a hard link to what a symlink names */
		r = s->rump ? rump_sys_linkat(s->dir, p, s->dir, q,
					      AT_SYMLINK_FOLLOW)
			    : linkat(s->dir, p, s->dir, q, AT_SYMLINK_FOLLOW);
		break;
	case 20: { /* truncate by path: there is no truncateat */
		char path[256];

		snprintf(path, sizeof(path), "%s/%s", s->path, p);
		r = s->rump ? rump_sys_truncate(path, b % 5000)
			    : truncate(path, b % 5000);
		break;
	}
	case 21: { /* a FIFO, or a regular file (type 0 is one too) */
		static const mode_t types[] = { S_IFIFO, S_IFREG, 0 };
		mode_t m = types[c % 3] | 0640;

		r = s->rump ? rump_sys_mknodat(s->dir, q, m, 0)
			    : mknodat(s->dir, q, m, 0);
		break;
	}
	case 23: { /* lseek through a slot, SEEK_DATA and SEEK_HOLE too */
		int whence = (int)((c >> 2) % 5);

		off_t off = whence >= SEEK_DATA
				    ? (off_t)((b * 7) % 9000) - 100
				    : (off_t)(b % 400) - (whence ? 200 : 0);

		r = s_lseek(s, fd, off, whence);
		break;
	}
	case 24: { /* read at the slot's offset */
		char data[100];

		r = s->rump ? rump_sys_read(fd, data, sizeof(data))
			    : read(fd, data, sizeof(data));
		if (r > 0)
			snprintf(buf, sizeof(buf), " %02x%02x",
				 (unsigned char)data[0],
				 (unsigned char)data[r - 1]);
		break;
	}
	case 25: {
		uid_t u = c % 3 == 0 ? (uid_t)-1 : 1000 + c % 2;
		gid_t g = 100 + (c >> 1) % 2;
		int fl = (c >> 2) % 2 ? AT_SYMLINK_NOFOLLOW : 0;

		r = s->rump ? rump_sys_fchownat(s->dir, p, u, g, fl)
			    : fchownat(s->dir, p, u, g, fl);
		break;
	}
	case 26:
		r = s->rump ? rump_sys_fchmod(fd, 0700 | (c & 077))
			    : fchmod(fd, 0700 | (c & 077));
		break;
	case 27: { /* the status flags, with O_APPEND toggled first */
		int fl = s->rump ? rump_sys_fcntl(fd, F_GETFL)
				 : fcntl(fd, F_GETFL);

		if (fl >= 0 && c % 2)
			fl = s->rump ? rump_sys_fcntl(fd, F_SETFL,
						      fl ^ O_APPEND)
				     : fcntl(fd, F_SETFL, fl ^ O_APPEND);
		if (fl >= 0)
			fl = s->rump ? rump_sys_fcntl(fd, F_GETFL)
				     : fcntl(fd, F_GETFL);
		r = fl < 0 ? -1 : 0;
		if (fl >= 0)
			snprintf(buf, sizeof(buf), " %#x", fl);
		break;
	}
	case 28: /* a name for a slot's file (an O_TMPFILE one too) */
		r = s->rump ? rump_sys_linkat(fd, "", s->dir, q, AT_EMPTY_PATH)
			    : linkat(fd, "", s->dir, q, AT_EMPTY_PATH);
		break;
	case 29: { /* allocate, keep the size, or punch a hole (ext4,
		    * xfs and tmpfs agree on sizes and contents) */
		static const int modes[] = { 0, FALLOC_FL_KEEP_SIZE,
					     FALLOC_FL_PUNCH_HOLE |
						     FALLOC_FL_KEEP_SIZE };
		int mode = modes[(c >> 2) % 3];
		off_t len = 1 + (off_t)((c * 13) % 3000);

		r = s->rump ? rump_sys_fallocate(fd, mode, b % 3000, len)
			    : fallocate(fd, mode, b % 3000, len);
		break;
	}
	case 30: { /* writev or pwritev through a slot, empty pieces too */
		char d1[64], d2[128];
		struct iovec iov[3] = {
			{ d1, (b * 7) % sizeof(d1) },
			{ d2, c % 4 == 0 ? 0 : (c * 11) % sizeof(d2) },
			{ d1, (b >> 3) % 3 },
		};

		memset(d1, 'A' + (int)(c % 26), sizeof(d1));
		memset(d2, 'a' + (int)(b % 26), sizeof(d2));
		if (c % 2)
			r = s->rump ? rump_sys_writev(fd, iov, 3)
				    : writev(fd, iov, 3);
		else
			r = s->rump ? rump_sys_pwritev(fd, iov, 3, b % 300)
				    : pwritev(fd, iov, 3, b % 300);
		break;
	}
	case 31: { /* readv or preadv through a slot */
		char data[260];
		struct iovec iov[3] = {
			{ data, (b * 3) % 40 },
			{ data + 40, c % 4 == 0 ? 0 : (c * 7) % 120 },
			{ data + 160, 100 },
		};

		memset(data, 0, sizeof(data));
		if (c % 2)
			r = s->rump ? rump_sys_readv(fd, iov, 3)
				    : readv(fd, iov, 3);
		else
			r = s->rump ? rump_sys_preadv(fd, iov, 3, b % 300)
				    : preadv(fd, iov, 3, b % 300);
		if (r > 0)
			snprintf(buf, sizeof(buf), " %08x",
				 sum_bytes(data, (long)sizeof(data)));
		break;
	}
	case 32: /* chdir: to a slot, or to a name under the directory */
		if (c % 4 == 0) {
			r = s->rump ? rump_sys_fchdir(fd) : fchdir(fd);
		} else {
			r = s->rump ? rump_sys_fchdir(s->dir) : fchdir(s->dir);
			if (r == 0)
				r = s->rump ? rump_sys_chdir(p) : chdir(p);
		}
		break;
	case 33: { /* getcwd, under the directory's path; small buffers */
		char cwd[512];
		size_t plen = strlen(s->path);
		size_t size = c % 3 == 0 ? plen + (c >> 2) % 10 : sizeof(cwd);

		if (s->rump) {
			long args[6] = { (long)cwd, (long)size };

			r = rump_syscall(RUMP_SYS_getcwd, args);
			if (r < 0) {
				errno = (int)-r;
				r = -1;
			}
		} else {
			r = syscall(SYS_getcwd, cwd, size);
		}
		if (r > 0) {
			if (strncmp(cwd, s->path, plen) == 0)
				snprintf(buf, sizeof(buf), " ~%s", cwd + plen);
			else
				snprintf(buf, sizeof(buf), " %s", cwd);
			r -= (long)plen;
		}
		break;
	}
	case 34: /* relative to the cwd */
		switch (c % 4) {
		case 0:
			r = s->rump ? rump_sys_fstatat(AT_FDCWD, p, &st,
						       AT_SYMLINK_NOFOLLOW)
				    : fstatat(AT_FDCWD, p, &st,
					      AT_SYMLINK_NOFOLLOW);
			if (r == 0)
				fmt_stat(buf, sizeof(buf), &st);
			break;
		case 1:
			r = s->rump ? rump_sys_mkdirat(AT_FDCWD, p, 0750)
				    : mkdirat(AT_FDCWD, p, 0750);
			break;
		case 2:
			r = s->rump ? rump_sys_renameat(AT_FDCWD, p, s->dir, q)
				    : renameat(AT_FDCWD, p, s->dir, q);
			break;
		default:
			r = s->rump ? rump_sys_unlinkat(
					      AT_FDCWD, p,
					      (c >> 2) % 2 ? AT_REMOVEDIR : 0)
				    : unlinkat(AT_FDCWD, p,
					       (c >> 2) % 2 ? AT_REMOVEDIR : 0);
			break;
		}
		break;
	case 35: { /* set times: by name, or through a slot */
		struct timespec ts[2] = {
			{ 1000 + (c % 97),
			  c % 5 == 0 ? UTIME_OMIT : (long)c * 1000 },
			{ 2000 + (b % 97), c % 6 == 0    ? UTIME_NOW
					   : c % 11 == 0 ? UTIME_OMIT
							 : (long)b * 1000 + 7 },
		};
		struct timespec *tp = c % 13 == 0 ? NULL : ts;
		int fl = c % 3 == 0 ? AT_SYMLINK_NOFOLLOW : 0;

		if (c % 17 == 0)
			ts[1].tv_nsec = 1000000000; /* EINVAL */
		if (b % 4 == 0) /* the kernel's futimens (glibc's checks
				 * for fd -1 itself) */
			r = s->rump ? rump_sys_utimensat(fd, NULL, tp, 0)
				    : syscall(SYS_utimensat, fd, NULL, tp, 0);
		else
			r = s->rump ? rump_sys_utimensat(s->dir, p, tp, fl)
				    : utimensat(s->dir, p, tp, fl);
		break;
	}
	case 36: { /* the times utimensat set, and whether calls changed
		    * them since */
		int fl = c % 2 ? AT_SYMLINK_NOFOLLOW : 0;

		r = s->rump ? rump_sys_fstatat(s->dir, p, &st, fl)
			    : fstatat(s->dir, p, &st, fl);
		if (r == 0) {
			fmt_time(buf, sizeof(buf), "atime",
				 (long)st.st_atim.tv_sec, st.st_atim.tv_nsec);
			fmt_time(buf, sizeof(buf), "mtime",
				 (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		}
		break;
	}
	case 37: { /* flock: the slots are separate open files (but dup) */
		static const int ops[] = {
			LOCK_SH | LOCK_NB, LOCK_EX | LOCK_NB,
			LOCK_UN,           LOCK_SH | LOCK_EX | LOCK_NB,
			LOCK_NB,           LOCK_UN | LOCK_NB,
		};

		r = s->rump ? rump_sys_flock(fd, ops[c % 6])
			    : flock(fd, ops[c % 6]);
		break;
	}
	case 38: { /* dup a slot into another: one open file, two slots */
		int to = (int)((c + 1 + b % (NFD - 1)) % NFD);

		r = s->rump ? rump_sys_dup(fd) : dup(fd);
		if (r >= 0) {
			if (s->fd[to] >= 0)
				s->rump ? rump_sys_close(s->fd[to])
					: close(s->fd[to]);
			s->fd[to] = (int)r;
			r = 0;
		}
		break;
	}
	case 39: { /* statfs by name, or fstatfs of a slot */
		struct statfs sf;

		if (b % 3 == 0)
			r = s->rump ? rump_sys_fstatfs(fd, &sf)
				    : fstatfs(fd, &sf);
		else
			r = s->rump ? rump_sys_statfs(p[0] ? p : ".", &sf)
				    : statfs(p[0] ? p : ".", &sf);
		if (r == 0)
			snprintf(buf, sizeof(buf), " namelen %ld",
				 (long)sf.f_namelen);
		break;
	}
	case 40: { /* POSIX record locks: one process, so never a conflict,
		    * but the open mode and the range are checked */
		static const short types[] = { F_RDLCK, F_WRLCK, F_UNLCK, 7 };
		struct flock fl = {
			.l_type = types[c % 4],
			.l_whence = (short)((c >> 2) % 3),
			.l_start = (off_t)(b % 200) - 100,
			.l_len = (off_t)((c >> 4) % 60) - 10,
		};
		int cmd = (b >> 8) % 3 == 0 ? F_GETLK : F_SETLK;

		/* A directory's size and offset, which SEEK_END and
		 * SEEK_CUR count from, are the file system's own business. */
		if ((s->rump ? rump_sys_fstat(fd, &st) : fstat(fd, &st)) == 0 &&
		    S_ISDIR(st.st_mode))
			fl.l_whence = SEEK_SET;

		r = s->rump ? rump_sys_fcntl(fd, cmd, &fl)
			    : fcntl(fd, cmd, &fl);
		if (r == 0 && cmd == F_GETLK)
			snprintf(buf, sizeof(buf), " type %d", fl.l_type);
		break;
	}
	case 41: { /* chroot to a name (from the cwd), look around, and
		    * come back through a descriptor of the real root */
		int here = s->rump ? rump_sys_open(".", O_PATH | O_DIRECTORY)
				   : open(".", O_PATH | O_DIRECTORY);
		struct stat st2;

		if (here < 0)
			abort();
		r = s->rump ? rump_sys_chroot(p) : chroot(p);
		if (r != 0) {
			s->rump ? rump_sys_close(here) : close(here);
			break;
		}
		/* ".." of the root is the root. */
		if ((s->rump ? rump_sys_stat("/", &st) : stat("/", &st)) == 0 &&
		    (s->rump ? rump_sys_stat("/..", &st2)
			     : stat("/..", &st2)) == 0)
			snprintf(buf, sizeof(buf), " root.. %s",
				 st.st_ino == st2.st_ino ? "same" : "other");
		/* The cwd, maybe outside the new root. */
		append_cwd_of(s->rump, s->path, buf, sizeof(buf));
		/* The new root's entries, by absolute name. */
		int dfd = s->rump ? rump_sys_open("/", O_RDONLY | O_DIRECTORY)
				  : open("/", O_RDONLY | O_DIRECTORY);
		if (dfd >= 0) {
			size_t len = strlen(buf);

			list_dir(s, dfd, buf + len, sizeof(buf) - len);
			s->rump ? rump_sys_close(dfd) : close(dfd);
		}
		/* Back to the real root, and to the cwd. */
		if ((s->rump ? rump_sys_fchdir(s->root) : fchdir(s->root)) !=
			    0 ||
		    (s->rump ? rump_sys_chroot(".") : chroot(".")) != 0 ||
		    (s->rump ? rump_sys_fchdir(here) : fchdir(here)) != 0)
			abort();
		s->rump ? rump_sys_close(here) : close(here);
		break;
	}
	case 42:
		other_process_lock(s, fd, b, c, buf, sizeof(buf));
		break;
	case 43: { /* getdents64 through a slot, small buffers too: what
		    * it returns depends on the slot's position and on what
		    * each file system shows of names made since (POSIX
		    * leaves that open), so only its errors */
		char d[512];
		size_t sz = c % 3 == 0 ? (c >> 2) % 40 : sizeof(d);

		if ((s->rump ? rump_sys_fstat(fd, &st) : fstat(fd, &st)) == 0 &&
		    S_ISDIR(st.st_mode) && fd_is_path(s, fd) == 0) {
			/* A fresh descriptor of the directory, and room for
			 * any first entry (which comes first is the file
			 * system's business: ext4's hash order). */
			int dfd =
				s->rump ? rump_sys_openat(fd, ".", O_RDONLY, 0)
					: openat(fd, ".", O_RDONLY);

			if (dfd < 0)
				break;
			fd = dfd;
			sz = sizeof(d);
		}
		r = s->rump ? rump_sys_getdents64(fd, d, sz)
			    : syscall(SYS_getdents64, fd, d, sz);
		if (r > 0)
			r = 0;
		if (fd != s->fd[slot])
			s->rump ? rump_sys_close(fd) : close(fd);
		break;
	}
	default: { /* 22: statx, of the directory itself too (""), or
		    * from a slot: any kind of descriptor as dirfd */
		struct statx sx;
		int fl = (c % 3 == 0 ? AT_SYMLINK_NOFOLLOW : 0) |
			 (c % 5 == 0 ? AT_EMPTY_PATH : 0);
		int dfd = b % 4 == 0 ? fd : s->dir;

		r = s->rump ? rump_sys_statx(dfd, p, fl, STATX_BASIC_STATS, &sx)
			    : statx(dfd, p, fl, STATX_BASIC_STATS, &sx);
		if (r == 0)
			fmt_attrs(buf, sizeof(buf), sx.stx_mode, sx.stx_nlink,
				  (long)sx.stx_size, sx.stx_uid, sx.stx_gid);
		break;
	}
	}
	snprintf(out, outlen, "%ld/%d%s", r < 0 ? -1L : r, r < 0 ? errno : 0,
		 buf);
}

static void
side_close(struct side *s)
{
	for (int i = 0; i < NFD; i++)
		if (s->fd[i] >= 0)
			s->rump ? rump_sys_close(s->fd[i]) : close(s->fd[i]);
	s->rump ? rump_sys_close(s->dir) : close(s->dir);
	s->rump ? rump_sys_close(s->root) : close(s->root);
}

/* A write to a FIFO whose reader went is EPIPE on both sides, not the
 * end of the test. */
static void
ignore_sigpipe(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };

	signal(SIGPIPE, SIG_IGN);
	RETURNS(rump_sys_sigaction(SIGPIPE, &sa, NULL), 0);
}

static bool mounts_ok;
#define MOUNT_OPTS "size=8k,mode=755"

/*
 * `nops' random operations from `seed' on both sides, each in a fresh
 * directory: on the rump side one made under `rbase' (a directory of
 * tmpfs, or a hostfs mount point: "" is the root), on the host one
 * under /tmp.  Every result must match.
 */
static void
differential(const char *rbase, const char *htemplate, unsigned seed, int nops)
{
	struct side rs = { .rump = true }, hs = { .rump = false };
	char rdir[64], hdir[64];
	char rout[1200], hout[1200];
	unsigned st = seed;
	bool trace = getenv("VFSDIFF_TRACE") != NULL;

	umask(022);
	rump_sys_umask(022);
	ignore_sigpipe();
	snprintf(hdir, sizeof(hdir), "%s", htemplate);
	cr_assert_not_null(mkdtemp(hdir));
	chmod(hdir, 0755);
	snprintf(rdir, sizeof(rdir), "%s/diff%u", rbase, seed);
	RETURNS(rump_sys_mkdir(rdir, 0755), 0);
	rs.path = rdir;
	hs.path = hdir;
	rs.dir = xopen(rdir, O_RDONLY | O_DIRECTORY, 0);
	hs.dir = open(hdir, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(hs.dir, 0);
	for (int i = 0; i < NFD; i++)
		rs.fd[i] = hs.fd[i] = -1;
	rs.root = xopen("/", O_PATH | O_DIRECTORY, 0);
	hs.root = open("/", O_PATH | O_DIRECTORY);
	cr_assert_geq(hs.root, 0);
	/* "m": a small tmpfs on both sides, if the host lets us mount. */
	char rm[80], hm[80];
	snprintf(rm, sizeof(rm), "%s/m", rdir);
	snprintf(hm, sizeof(hm), "%s/m", hdir);
	if (mounts_ok) {
		RETURNS(rump_sys_mkdir(rm, 0755), 0);
		cr_assert_eq(mkdir(hm, 0755), 0);
		RETURNS(rump_sys_mount("none", rm, "tmpfs", 0, MOUNT_OPTS), 0);
		cr_assert_eq(mount("none", hm, "tmpfs", 0, MOUNT_OPTS), 0,
			     "mount: %s", strerror(errno));
	}
	/* Each side works in its directory; chdir may move it below. */
	RETURNS(rump_sys_fchdir(rs.dir), 0);
	cr_assert_eq(fchdir(hs.dir), 0);
	for (int i = 0; i < nops; i++) {
		unsigned v[4];

		for (int k = 0; k < 4; k++) {
			st = st * 1103515245u + 12345u;
			v[k] = (st >> 8) & 0xffff;
		}
		do_op(&rs, v[0], v[1], v[2], v[3], rout, sizeof(rout));
		do_op(&hs, v[0], v[1], v[2], v[3], hout, sizeof(hout));
		if (trace)
			fprintf(stderr,
				"seed %u op %d: kind %u %s %s %u: %s%s\n", seed,
				i, v[0] % NKINDS, names[v[1] % NNAMES],
				names[v[2] % NNAMES], v[3], rout,
				strcmp(rout, hout) != 0 ? " DIFFERS" : "");
		cr_assert_str_eq(rout, hout,
				 "%s: seed %u op %d (kind %u, %s, %s, %u): "
				 "rump %s, host %s",
				 rbase[0] != '\0' ? rbase : "/", seed, i,
				 v[0] % NKINDS, names[v[1] % NNAMES],
				 names[v[2] % NNAMES], v[3], rout, hout);
	}
	side_close(&rs);
	side_close(&hs);
	RETURNS(rump_sys_chdir("/"), 0);
	cr_assert_eq(chdir("/"), 0);
	if (mounts_ok) {
		RETURNS(rump_sys_umount2(rm, MNT_DETACH), 0);
		cr_assert_eq(umount2(hm, MNT_DETACH), 0);
	}
	cr_assert_eq(host_rmtree(hdir), 0);
}

/* Mounts of the host side in a mount namespace of the test's own
 * thread (gone when the test process ends), if the host allows. */
static void
private_mounts(void)
{
	mounts_ok = unshare(CLONE_NEWNS) == 0 &&
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	if (!mounts_ok)
		cr_log_warn("no mount namespace: the differential mounts "
			    "nothing");
}

/* Against the host's tmpfs when it has one (what fallocate leaves for
 * SEEK_DATA, say, is each file system's own), else a directory. */
Test(vfs_stress, differential_against_host)
{
	struct statfs sf;
	const char *tmpl = statfs("/dev/shm", &sf) == 0 &&
					   sf.f_type == 0x01021994 /* TMPFS */
				   ? "/dev/shm/rumpdiff.XXXXXX"
				   : "/tmp/rumpdiff.XXXXXX";
	unsigned first, last;

	seed_range(16, &first, &last);
	private_mounts();
	for (unsigned seed = first; seed <= last; seed++)
		differential("", tmpl, seed, 5000);
}

/* The same through hostfs: rump's calls end as host calls on a mounted
 * directory, and must come out as the host's own on another. */
Test(vfs_stress, differential_hostfs_against_host)
{
	char mdir[] = "/tmp/rumpdiff_mnt.XXXXXX";
	unsigned first, last;

	seed_range(8, &first, &last);
	private_mounts();
	cr_assert_not_null(mkdtemp(mdir));
	RETURNS(rump_sys_mkdir("/hmnt", 0755), 0);
	RETURNS(rump_sys_mount(mdir, "/hmnt", "hostfs", 0, ""), 0);
	/* Fewer than on tmpfs: each operation is host calls on both sides. */
	for (unsigned seed = first; seed <= last; seed++)
		differential("/hmnt", "/tmp/rumpdiff.XXXXXX", seed, 4000);
	/* Nothing of the kernel's is left open on it. */
	RETURNS(rump_sys_umount("/hmnt"), 0);
	cr_assert_eq(host_rmtree(mdir), 0);
}
