/*
 * etfs.c: host files in the kernel's namespace (rump_pub_etfs_register,
 * rump_pub_etfs_remove): each type, the data path both ways, device
 * numbers, and every error the calls return.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "check.h"
#include "host_dir.h"

static char hdir[] = "/tmp/etfs_test.XXXXXX";
static char hfile[300], hsub[300];

static void
host_put(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(data, f);
	fclose(f);
}

static const char *
host_get(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
setup(void)
{
	char p[320];

	cr_assert_not_null(mkdtemp(hdir));
	snprintf(hfile, sizeof(hfile), "%s/data", hdir);
	host_put(hfile, "0123456789abcdef");
	snprintf(hsub, sizeof(hsub), "%s/sub", hdir);
	cr_assert_eq(mkdir(hsub, 0755), 0);
	snprintf(p, sizeof(p), "%s/sub/deep", hdir);
	host_put(p, "deep\n");
	cr_assert_eq(rump_init(), 0);
}

static void
teardown(void)
{
	host_rmtree_or_say(hdir);
}

TestSuite(etfs, .init = setup, .fini = teardown);

static int
open_ok(const char *path, int flags)
{
	int fd = rump_sys_open(path, flags);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	return fd;
}

Test(etfs, regular_file_both_ways)
{
	struct stat st;
	char buf[64];
	int fd;

	cr_assert_eq(rump_pub_etfs_register("/hostfile", hfile, RUMP_ETFS_REG),
		     0);
	RETURNS(rump_sys_stat("/hostfile", &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_size, 16);
	fd = open_ok("/hostfile", O_RDWR);
	RETURNS(rump_sys_read(fd, buf, 4), 4);
	cr_assert(memcmp(buf, "0123", 4) == 0);
	RETURNS(rump_sys_pwrite(fd, "XY", 2, 10), 2);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_END), 16);
	RETURNS(rump_sys_write(fd, "!", 1), 1);
	RETURNS(rump_sys_close(fd), 0);
	cr_assert_str_eq(host_get(hfile), "0123456789XYcdef!");
	/* Busy while open; then gone from the namespace, kept on the host. */
	fd = open_ok("/hostfile", O_RDONLY);
	cr_assert_eq(rump_pub_etfs_remove("/hostfile"), EBUSY);
	RETURNS(rump_sys_close(fd), 0);
	cr_assert_eq(rump_pub_etfs_remove("/hostfile"), 0);
	FAILS(rump_sys_stat("/hostfile", &st), ENOENT);
	cr_assert_eq(rump_pub_etfs_remove("/hostfile"), ENOENT);
	cr_assert_str_eq(host_get(hfile), "0123456789XYcdef!");
	/* The key can be registered again. */
	cr_assert_eq(rump_pub_etfs_register("/hostfile", hfile, RUMP_ETFS_REG),
		     0);
	cr_assert_eq(rump_pub_etfs_remove("/hostfile"), 0);
}

static void
check_device(enum rump_etfs_type type, const char *key)
{
	struct stat st;
	char buf[64];
	int fd;

	cr_assert_eq(rump_pub_etfs_register(key, hfile, type), 0);
	RETURNS(rump_sys_stat(key, &st), 0);
	if (type == RUMP_ETFS_BLK)
		cr_assert(S_ISBLK(st.st_mode));
	else
		cr_assert(S_ISCHR(st.st_mode));
	cr_assert_eq(major(st.st_rdev), 240);
	fd = open_ok(key, O_RDWR);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_END), 16);
	RETURNS(rump_sys_pread(fd, buf, 6, 10), 6);
	cr_assert(memcmp(buf, "abcdef", 6) == 0);
	RETURNS(rump_sys_lseek(fd, 2, SEEK_SET), 2);
	RETURNS(rump_sys_write(fd, "**", 2), 2);
	RETURNS(rump_sys_read(fd, buf, 2), 2);
	cr_assert(memcmp(buf, "45", 2) == 0);
	RETURNS(rump_sys_close(fd), 0);
	cr_assert_str_eq(host_get(hfile), "01**456789abcdef");
	/* A node made with mknod with that number reaches the same file. */
	RETURNS(rump_sys_mknod("/alias",
			       (type == RUMP_ETFS_BLK ? S_IFBLK : S_IFCHR) |
				       0600,
			       st.st_rdev),
		0);
	fd = open_ok("/alias", O_RDONLY);
	RETURNS(rump_sys_read(fd, buf, 4), 4);
	cr_assert(memcmp(buf, "01**", 4) == 0);
	/* Open through the alias, the device is busy. */
	cr_assert_eq(rump_pub_etfs_remove(key), EBUSY);
	RETURNS(rump_sys_close(fd), 0);
	cr_assert_eq(rump_pub_etfs_remove(key), 0);
	/* The number now reaches nothing. */
	FAILS(rump_sys_open("/alias", O_RDONLY), ENXIO);
	RETURNS(rump_sys_unlink("/alias"), 0);
}

Test(etfs, block_device)
{
	check_device(RUMP_ETFS_BLK, "/blk0");
}

Test(etfs, character_device)
{
	check_device(RUMP_ETFS_CHR, "/chr0");
}

/* The names in kernel directory `path', joined by spaces, sorted by the
 * caller's expectations: a bit per expected name. */
static unsigned
listing(const char *path, const char *const *names, int n)
{
	char buf[4096];
	unsigned seen = 0;
	int fd = open_ok(path, O_RDONLY | O_DIRECTORY);
	long got;

	while ((got = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < got;) {
			struct dirent64 *d = (void *)(buf + off);
			for (int i = 0; i < n; i++)
				if (strcmp(d->d_name, names[i]) == 0)
					seen |= 1u << i;
			off += d->d_reclen;
		}
	rump_sys_close(fd);
	return seen;
}

Test(etfs, directory_without_and_with_subdirectories)
{
	const char *names[] = { "data", "sub" };
	struct stat st;

	cr_assert_eq(rump_pub_etfs_register("/flat", hdir, RUMP_ETFS_DIR), 0);
	cr_assert_eq(listing("/flat", names, 2), 1u, "only the file");
	RETURNS(rump_sys_stat("/flat/data", &st), 0);
	FAILS(rump_sys_stat("/flat/sub", &st), ENOENT);
	FAILS(rump_sys_mkdir("/flat/newdir", 0755), EPERM);
	int fd = rump_sys_open("/flat/created", O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_close(fd), 0);
	char p[320];
	snprintf(p, sizeof(p), "%s/created", hdir);
	cr_assert_eq(access(p, F_OK), 0);

	cr_assert_eq(
		rump_pub_etfs_register("/tree", hdir, RUMP_ETFS_DIR_SUBDIRS),
		0);
	cr_assert_eq(listing("/tree", names, 2), 3u);
	fd = open_ok("/tree/sub/deep", O_RDONLY);
	char buf[16] = { 0 };
	RETURNS(rump_sys_read(fd, buf, sizeof(buf)), 5);
	cr_assert_str_eq(buf, "deep\n");
	RETURNS(rump_sys_close(fd), 0);
	cr_assert_eq(rump_pub_etfs_remove("/flat"), 0);
	cr_assert_eq(rump_pub_etfs_remove("/tree"), 0);
	FAILS(rump_sys_stat("/tree", &st), ENOENT);
}

Test(etfs, directory_over_an_existing_one_is_kept)
{
	struct stat st;

	RETURNS(rump_sys_mkdir("/vol", 0700), 0);
	cr_assert_eq(rump_pub_etfs_register("/vol", hsub, RUMP_ETFS_DIR), 0);
	RETURNS(rump_sys_stat("/vol/deep", &st), 0);
	/* A second directory registration there: the key is taken. */
	cr_assert_eq(rump_pub_etfs_register("/vol", hdir, RUMP_ETFS_DIR),
		     EEXIST);
	cr_assert_eq(rump_pub_etfs_remove("/vol"), 0);
	RETURNS(rump_sys_stat("/vol", &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0700, "our directory is back");
	FAILS(rump_sys_stat("/vol/deep", &st), ENOENT);
}

Test(etfs, errors)
{
	char missing[320];

	snprintf(missing, sizeof(missing), "%s/missing", hdir);
	cr_assert_eq(rump_pub_etfs_register("/x", missing, RUMP_ETFS_REG),
		     ENOENT);
	cr_assert_eq(rump_pub_etfs_register("/nodir/x", hfile, RUMP_ETFS_REG),
		     ENOENT);
	cr_assert_eq(rump_pub_etfs_register("relative", hfile, RUMP_ETFS_REG),
		     EINVAL);
	cr_assert_eq(
		rump_pub_etfs_register("/x", hfile, (enum rump_etfs_type)9),
		EINVAL);
	cr_assert_eq(rump_pub_etfs_register("/x", hfile, RUMP_ETFS_DIR),
		     ENOTDIR);
	cr_assert_eq(rump_pub_etfs_register("/x", hdir, RUMP_ETFS_REG), EISDIR);
	cr_assert_eq(rump_pub_etfs_register("/x", hdir, RUMP_ETFS_BLK), EISDIR);
	cr_assert_eq(rump_pub_etfs_remove("/x"), ENOENT);
	cr_assert_eq(rump_pub_etfs_remove(NULL), EINVAL);
	/* A file already at the key. */
	int fd = rump_sys_open("/taken", O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	rump_sys_close(fd);
	cr_assert_eq(rump_pub_etfs_register("/taken", hfile, RUMP_ETFS_REG),
		     EEXIST);
	cr_assert_eq(rump_pub_etfs_register("/taken", hdir, RUMP_ETFS_DIR),
		     EEXIST);
	/* A registered key. */
	cr_assert_eq(rump_pub_etfs_register("/k", hfile, RUMP_ETFS_REG), 0);
	cr_assert_eq(rump_pub_etfs_register("/k", hfile, RUMP_ETFS_REG),
		     EEXIST);
	cr_assert_eq(rump_pub_etfs_register("/k", hfile, RUMP_ETFS_CHR),
		     EEXIST);
	/* Its name cannot be removed or replaced under it. */
	FAILS(rump_sys_unlink("/k"), EBUSY);
	cr_assert_eq(rump_pub_etfs_remove("/k"), 0);
	/* Names are NetBSD's too. */
	cr_assert_eq(rump_etfs_register("/k2", hfile, RUMP_ETFS_REG), 0);
	cr_assert_eq(rump_etfs_remove("/k2"), 0);
}

struct reader {
	pthread_t thr;
	int errors;
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	char buf[16];

	for (int i = 0; i < 200; i++) {
		int fd = rump_sys_open("/shared", O_RDONLY);
		if (fd < 0 || rump_sys_pread(fd, buf, 16, 0) != 16 ||
		    memcmp(buf, "0123456789abcdef", 16) != 0)
			r->errors++;
		if (fd >= 0)
			rump_sys_close(fd);
	}
	return NULL;
}

Test(etfs, many_threads_read_one_host_file)
{
	enum { N = 4 };
	struct reader r[N];

	cr_assert_eq(rump_pub_etfs_register("/shared", hfile, RUMP_ETFS_REG),
		     0);
	for (int i = 0; i < N; i++) {
		r[i].errors = 0;
		cr_assert_eq(
			pthread_create(&r[i].thr, NULL, reader_main, &r[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(r[i].thr, NULL);
		cr_assert_eq(r[i].errors, 0);
	}
	cr_assert_eq(rump_pub_etfs_remove("/shared"), 0);
}

Test(etfs, a_window_of_the_host_file)
{
	struct stat st;
	char buf[32];
	int fd;

	cr_assert_eq(rump_pub_etfs_register_withsize("/win", hfile,
						     RUMP_ETFS_REG, 4, 6),
		     0);
	RETURNS(rump_sys_stat("/win", &st), 0);
	cr_assert_eq(st.st_size, 6);
	fd = open_ok("/win", O_RDWR);
	memset(buf, 0, sizeof(buf));
	RETURNS(rump_sys_read(fd, buf, sizeof(buf)), 6);
	cr_assert_str_eq(buf, "456789");
	RETURNS(rump_sys_read(fd, buf, sizeof(buf)), 0);
	RETURNS(rump_sys_pwrite(fd, "AB", 2, 0), 2);
	RETURNS(rump_sys_pwrite(fd, "WXYZ", 4, 4), 2); /* cut at the end */
	FAILS(rump_sys_pwrite(fd, "Q", 1, 6), ENOSPC);
	FAILS(rump_sys_ftruncate(fd, 2), EINVAL);
	RETURNS(rump_sys_close(fd), 0);
	cr_assert_str_eq(host_get(hfile), "0123AB67WXabcdef");
	cr_assert_eq(rump_pub_etfs_remove("/win"), 0);
	/* To the end, as a block device. */
	cr_assert_eq(rump_pub_etfs_register_withsize("/wblk", hfile,
						     RUMP_ETFS_BLK, 10,
						     RUMP_ETFS_SIZE_ENDOFF),
		     0);
	fd = open_ok("/wblk", O_RDONLY);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_END), 6);
	RETURNS(rump_sys_pread(fd, buf, 3, 0), 3);
	cr_assert(memcmp(buf, "abc", 3) == 0);
	RETURNS(rump_sys_close(fd), 0);
	cr_assert_eq(rump_pub_etfs_remove("/wblk"), 0);
	/* Windows are for files. */
	cr_assert_eq(rump_pub_etfs_register_withsize("/wd", hdir, RUMP_ETFS_DIR,
						     1, 2),
		     EINVAL);
	cr_assert_eq(rump_pub_etfs_register_withsize(
			     "/wd", hfile, RUMP_ETFS_REG, 1ULL << 63, 2),
		     EINVAL);
	cr_assert_eq(rump_pub_etfs_register_withsize("/wd", hdir, RUMP_ETFS_DIR,
						     0, RUMP_ETFS_SIZE_ENDOFF),
		     0);
	cr_assert_eq(rump_pub_etfs_remove("/wd"), 0);
}
