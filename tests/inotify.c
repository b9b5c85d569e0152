/*
 * inotify.c: inotify_init, inotify_init1, inotify_add_watch,
 * inotify_rm_watch, the instance file, and the events the VFS reports
 * (vfs/vfs_inotify.c).
 *
 * Expected event streams are what Linux 6.18 gives for the same calls
 * on tmpfs (probed on /dev/shm); one test runs a sequence of calls on
 * rumpkit and on a host directory under /dev/shm with the same watches
 * and compares the two streams.  Streams are compared as text: one
 * event per line "wd MASK[|MASK..] [name] [cN]", cookies numbered by
 * first appearance, so that pairing is what is compared.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "check.h"
#include "host_dir.h"
#include "host_thread.h"
#include "proc_util.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(inotify, .init = boot);

/* ---- helpers ------------------------------------------------------------- */

/* The event stream as text (see the header), from a read function. */
static const char *const evnames[] = {
	"ACCESS",        "MODIFY",  "ATTRIB",      "CLOSE_WRITE",
	"CLOSE_NOWRITE", "OPEN",    "MOVED_FROM",  "MOVED_TO",
	"CREATE",        "DELETE",  "DELETE_SELF", "MOVE_SELF",
	"0x1000",        "UNMOUNT", "Q_OVERFLOW",  "IGNORED",
};

struct fmt {
	char text[8192];
	size_t len;
	uint32_t cookies[64];
	int ncookies;
};

static void
fmt_event(struct fmt *f, const struct inotify_event *e)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%d ", e->wd);
	bool first = true;

	for (int i = 0; i < 16; i++) {
		if (e->mask & (1u << i)) {
			n += snprintf(line + n, sizeof(line) - n, "%s%s",
				      first ? "" : "|", evnames[i]);
			first = false;
		}
	}
	if (e->mask & IN_ISDIR)
		n += snprintf(line + n, sizeof(line) - n, "|ISDIR");
	if (e->len != 0)
		n += snprintf(line + n, sizeof(line) - n, " %s", e->name);
	if (e->cookie != 0) {
		int c;

		for (c = 0; c < f->ncookies && f->cookies[c] != e->cookie; c++)
			continue;
		if (c == f->ncookies && c < 64)
			f->cookies[f->ncookies++] = e->cookie;
		n += snprintf(line + n, sizeof(line) - n, " c%d", c + 1);
	}
	n += snprintf(line + n, sizeof(line) - n, "\n");
	if (f->len + (size_t)n < sizeof(f->text)) {
		memcpy(f->text + f->len, line, (size_t)n + 1);
		f->len += (size_t)n;
	}
}

static void
fmt_buf(struct fmt *f, const char *buf, ssize_t n)
{
	for (const char *p = buf; p < buf + n;) {
		const struct inotify_event *e = (const void *)p;

		fmt_event(f, e);
		p += sizeof(*e) + e->len;
	}
}

/* Everything queued on rump instance `in' (non-blocking), as text. */
static const char *
drain(int in)
{
	static struct fmt f;
	char buf[16384] __attribute__((aligned(8)));
	ssize_t n;

	memset(&f, 0, sizeof(f));
	while ((n = rump_sys_read(in, buf, sizeof(buf))) > 0)
		fmt_buf(&f, buf, n);
	cr_assert_eq(n, -1);
	cr_assert_eq(errno, EAGAIN, "drain: %s", strerror(errno));
	return f.text;
}

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define EXPECT(in, want)                                                       \
	do {                                                                   \
		const char *got_ = drain(in);                                  \
		cr_assert_str_eq(got_, want, "got:\n%swanted:\n%s", got_,      \
				 want);                                        \
	} while (0)

static int
inst(void)
{
	int in = rump_sys_inotify_init1(IN_NONBLOCK);

	cr_assert_geq(in, 0, "inotify_init1: %s", strerror(errno));
	return in;
}

static int
watch(int in, const char *path, uint32_t mask)
{
	int wd = rump_sys_inotify_add_watch(in, path, mask);

	cr_assert_geq(wd, 1, "add_watch %s: %s", path, strerror(errno));
	return wd;
}

static void
mkfile(const char *path, const char *data)
{
	int fd = rump_sys_open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	if (data != NULL)
		cr_assert_eq(rump_sys_write(fd, data, strlen(data)),
			     (ssize_t)strlen(data));
	rump_sys_close(fd);
}

static void
mkdir_ok(const char *path)
{
	RETURNS(rump_sys_mkdir(path, 0755), 0);
}

/* /d with a file /d/f holding "abc", and an instance watching both. */
static int
setup_df(int *wdd, int *wdf)
{
	int in;

	mkdir_ok("/d");
	mkfile("/d/f", "abc");
	in = inst();
	*wdd = watch(in, "/d", IN_ALL_EVENTS);
	*wdf = watch(in, "/d/f", IN_ALL_EVENTS);
	return in;
}

/* ---- the syscalls --------------------------------------------------------- */

Test(inotify, init1_flags)
{
	int in;

	FAILS(rump_sys_inotify_init1(1), EINVAL);
	FAILS(rump_sys_inotify_init1(0x4000), EINVAL);
	FAILS(rump_sys_inotify_init1(IN_NONBLOCK | IN_CLOEXEC | 1), EINVAL);
	in = rump_sys_inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	cr_assert_geq(in, 0);
	RETURNS(rump_sys_fcntl(in, F_GETFL), O_RDONLY | O_NONBLOCK);
	RETURNS(rump_sys_fcntl(in, F_GETFD), FD_CLOEXEC);
	in = rump_sys_inotify_init();
	cr_assert_geq(in, 0);
	RETURNS(rump_sys_fcntl(in, F_GETFL), O_RDONLY);
	RETURNS(rump_sys_fcntl(in, F_GETFD), 0);
}

Test(inotify, add_watch_bad_masks_are_einval)
{
	int in = inst();

	mkfile("/f", NULL);
	FAILS(rump_sys_inotify_add_watch(in, "/f", 0), EINVAL);
	FAILS(rump_sys_inotify_add_watch(in, "/f", 0x1000), EINVAL);
	FAILS(rump_sys_inotify_add_watch(in, "/f", IN_MODIFY | 0x1000), EINVAL);
	FAILS(rump_sys_inotify_add_watch(in, "/f", IN_MODIFY | 0x8000000),
	      EINVAL);
	FAILS(rump_sys_inotify_add_watch(
		      in, "/f", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE),
	      EINVAL);
	/* The mask is checked before the descriptor and the path. */
	FAILS(rump_sys_inotify_add_watch(99, "/nonexistent", 0), EINVAL);
	/* Flags and the reserved event bits are accepted, as Linux does. */
	RETURNS(rump_sys_inotify_add_watch(in, "/f", IN_MODIFY | IN_ISDIR), 1);
	RETURNS(rump_sys_inotify_add_watch(in, "/f", IN_MODIFY | IN_IGNORED),
		1);
	RETURNS(rump_sys_inotify_add_watch(in, "/f", IN_ONESHOT), 1);
}

Test(inotify, add_watch_descriptor_errors)
{
	int in = inst(), fd;

	mkfile("/f", NULL);
	fd = rump_sys_open("/f", O_RDONLY);
	FAILS(rump_sys_inotify_add_watch(99, "/f", IN_MODIFY), EBADF);
	FAILS(rump_sys_inotify_add_watch(-1, "/f", IN_MODIFY), EBADF);
	FAILS(rump_sys_inotify_add_watch(fd, "/f", IN_MODIFY), EINVAL);
	/* The descriptor before the path. */
	FAILS(rump_sys_inotify_add_watch(99, "/nonexistent", IN_MODIFY), EBADF);
	FAILS(rump_sys_inotify_add_watch(fd, "/nonexistent", IN_MODIFY),
	      EINVAL);
	RETURNS(rump_sys_inotify_add_watch(in, "/f", IN_MODIFY), 1);
}

Test(inotify, add_watch_lookup_errors)
{
	int in = inst();

	mkdir_ok("/d");
	mkfile("/f", NULL);
	RETURNS(rump_sys_symlink("loop", "/loop"), 0);
	RETURNS(rump_sys_symlink("f", "/sf"), 0);
	FAILS(rump_sys_inotify_add_watch(in, "/nonexistent", IN_MODIFY),
	      ENOENT);
	FAILS(rump_sys_inotify_add_watch(in, "", IN_MODIFY), ENOENT);
	FAILS(rump_sys_inotify_add_watch(in, NULL, IN_MODIFY), EFAULT);
	FAILS(rump_sys_inotify_add_watch(in, "/f/x", IN_MODIFY), ENOTDIR);
	FAILS(rump_sys_inotify_add_watch(in, "/f", IN_MODIFY | IN_ONLYDIR),
	      ENOTDIR);
	FAILS(rump_sys_inotify_add_watch(in, "/sf", IN_MODIFY | IN_ONLYDIR),
	      ENOTDIR);
	FAILS(rump_sys_inotify_add_watch(in, "/loop", IN_MODIFY), ELOOP);
	/* IN_DONT_FOLLOW watches the link itself. */
	RETURNS(rump_sys_inotify_add_watch(in, "/loop",
					   IN_MODIFY | IN_DONT_FOLLOW),
		1);
	RETURNS(rump_sys_inotify_add_watch(in, "/d", IN_MODIFY | IN_ONLYDIR),
		2);
}

Test(inotify, add_watch_needs_read_permission)
{
	int in;

	mkfile("/secret", NULL);
	mkfile("/open", NULL);
	RETURNS(rump_sys_chmod("/secret", 0600), 0);
	RETURNS(rump_sys_chmod("/open", 0644), 0);
	rfork_ok(RUMP_RFCFDG);
	RETURNS(rump_sys_setuid(1000), 0);
	in = inst();
	FAILS(rump_sys_inotify_add_watch(in, "/secret", IN_MODIFY), EACCES);
	RETURNS(rump_sys_inotify_add_watch(in, "/open", IN_MODIFY), 1);
}

Test(inotify, same_inode_same_wd_and_mask_updates)
{
	int in = inst(), fd;

	mkfile("/f", NULL);
	RETURNS(rump_sys_link("/f", "/g"), 0);
	RETURNS(rump_sys_symlink("f", "/s"), 0);
	RETURNS(rump_sys_inotify_add_watch(in, "/f", IN_MODIFY), 1);
	RETURNS(rump_sys_inotify_add_watch(in, "/g", IN_MODIFY), 1);
	RETURNS(rump_sys_inotify_add_watch(in, "/s", IN_MODIFY), 1);
	RETURNS(rump_sys_inotify_add_watch(in, "/s",
					   IN_MODIFY | IN_DONT_FOLLOW),
		2);
	FAILS(rump_sys_inotify_add_watch(in, "/f", IN_MODIFY | IN_MASK_CREATE),
	      EEXIST);
	/* Replace the mask, then add to it. */
	RETURNS(rump_sys_inotify_add_watch(in, "/f", IN_ATTRIB), 1);
	RETURNS(rump_sys_inotify_add_watch(in, "/f", IN_ACCESS | IN_MASK_ADD),
		1);
	fd = rump_sys_open("/f", O_RDWR);
	RETURNS(rump_sys_write(fd, "a", 1), 1);
	RETURNS(rump_sys_chmod("/f", 0644), 0);
	RETURNS(rump_sys_pread(fd, &(char){ 0 }, 1, 0), 1);
	EXPECT(in, "1 ATTRIB\n1 ACCESS\n");
	/* Another instance gets its own descriptors. */
	RETURNS(rump_sys_inotify_add_watch(inst(), "/f", IN_MODIFY), 1);
}

Test(inotify, rm_watch_queues_ignored)
{
	int in = inst(), fd;

	mkfile("/f", NULL);
	fd = rump_sys_open("/f", O_RDONLY);
	RETURNS(rump_sys_inotify_add_watch(in, "/f", IN_MODIFY), 1);
	RETURNS(rump_sys_inotify_rm_watch(in, 1), 0);
	FAILS(rump_sys_inotify_rm_watch(in, 1), EINVAL);
	FAILS(rump_sys_inotify_rm_watch(in, 0), EINVAL);
	FAILS(rump_sys_inotify_rm_watch(in, -1), EINVAL);
	FAILS(rump_sys_inotify_rm_watch(fd, 1), EINVAL);
	FAILS(rump_sys_inotify_rm_watch(99, 1), EBADF);
	EXPECT(in, "1 IGNORED\n");
	/* Descriptors are not reused. */
	RETURNS(rump_sys_inotify_add_watch(in, "/f", IN_MODIFY), 2);
}

/* ---- the instance file ----------------------------------------------------- */

Test(inotify, read_whole_records_padded_names)
{
	char buf[256] __attribute__((aligned(8)));
	struct inotify_event *e = (void *)buf;
	int in = inst(), n = -1;

	mkdir_ok("/d");
	RETURNS(rump_sys_inotify_add_watch(in, "/d", IN_CREATE), 1);
	mkfile("/d/123456789012345", NULL);  /* 15 bytes: len 16 */
	mkfile("/d/1234567890123456", NULL); /* 16 bytes: len 32 */
	mkfile("/d/1", NULL);
	RETURNS(rump_sys_ioctl(in, FIONREAD, &n), 0);
	cr_assert_eq(n, 32 + 48 + 32);
	FAILS(rump_sys_read(in, buf, 0), EINVAL);
	FAILS(rump_sys_read(in, buf, 15), EINVAL);
	FAILS(rump_sys_read(in, buf, 16), EINVAL);
	FAILS(rump_sys_read(in, buf, 31), EINVAL);
	RETURNS(rump_sys_read(in, buf, 47), 32);
	cr_assert_eq(e->wd, 1);
	cr_assert_eq(e->mask, IN_CREATE);
	cr_assert_eq(e->cookie, 0);
	cr_assert_eq(e->len, 16);
	cr_assert_str_eq(e->name, "123456789012345");
	RETURNS(rump_sys_read(in, buf, 48), 48);
	cr_assert_eq(e->len, 32);
	cr_assert_str_eq(e->name, "1234567890123456");
	for (int i = 16; i < 32; i++)
		cr_assert_eq(e->name[i], 0, "NUL padding");
	RETURNS(rump_sys_ioctl(in, FIONREAD, &n), 0);
	cr_assert_eq(n, 32);
	RETURNS(rump_sys_read(in, buf, sizeof(buf)), 32);
	cr_assert_str_eq(e->name, "1");
	RETURNS(rump_sys_ioctl(in, FIONREAD, &n), 0);
	cr_assert_eq(n, 0);
	FAILS(rump_sys_read(in, buf, sizeof(buf)), EAGAIN);
	FAILS(rump_sys_ioctl(in, FIONREAD, NULL), EFAULT);
}

Test(inotify, read_several_records_at_once)
{
	char buf[4096] __attribute__((aligned(8)));
	int in = inst();

	mkdir_ok("/d");
	watch(in, "/d", IN_CREATE | IN_DELETE);
	mkfile("/d/a", NULL);
	RETURNS(rump_sys_unlink("/d/a"), 0);
	RETURNS(rump_sys_read(in, buf, sizeof(buf)), 64);
	FAILS(rump_sys_read(in, (void *)8, sizeof(buf)), EAGAIN);
	mkfile("/d/b", NULL);
	FAILS(rump_sys_read(in, (void *)8, sizeof(buf)), EFAULT);
}

Test(inotify, file_is_an_anonymous_inode)
{
	struct stat st;
	int in = inst();

	RETURNS(rump_sys_fstat(in, &st), 0);
	cr_assert_eq(st.st_mode, 0600);
	cr_assert_eq(st.st_uid, 0);
	cr_assert_eq(st.st_nlink, 1);
	FAILS(rump_sys_write(in, "x", 1), EBADF);
	RETURNS(rump_sys_lseek(in, 0, SEEK_SET), 0);
	FAILS(rump_sys_pread(in, &st, 16, 0), ESPIPE);
	FAILS(rump_sys_ioctl(in, TCGETS, &st), ENOTTY);
}

Test(inotify, identical_consecutive_events_coalesce)
{
	int in = inst(), fd, wf, wd;

	mkdir_ok("/d");
	mkfile("/d/f", NULL);
	wf = watch(in, "/d/f", IN_MODIFY);
	cr_assert_eq(wf, 1);
	fd = rump_sys_open("/d/f", O_WRONLY);
	for (int i = 0; i < 3; i++)
		RETURNS(rump_sys_write(fd, "a", 1), 1);
	EXPECT(in, "1 MODIFY\n");
	/* Two watches alternate: nothing is identical to the last. */
	wd = watch(in, "/d", IN_MODIFY);
	cr_assert_eq(wd, 2);
	for (int i = 0; i < 2; i++)
		RETURNS(rump_sys_write(fd, "a", 1), 1);
	EXPECT(in, "2 MODIFY f\n1 MODIFY\n2 MODIFY f\n1 MODIFY\n");
}

Test(inotify, queue_overflow)
{
	char buf[16384] __attribute__((aligned(8)));
	int in = inst(), fd, n = 0, count = 0;
	struct inotify_event *last = NULL;
	ssize_t r;

	mkfile("/f", NULL);
	watch(in, "/f", IN_MODIFY | IN_ATTRIB);
	fd = rump_sys_open("/f", O_WRONLY);
	for (int i = 0; i < 8200; i++) {
		RETURNS(rump_sys_write(fd, "a", 1), 1);
		RETURNS(rump_sys_fchmod(fd, 0644), 0);
	}
	RETURNS(rump_sys_ioctl(in, FIONREAD, &n), 0);
	cr_assert_eq(n, 16385 * 16);
	while ((r = rump_sys_read(in, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + r; count++) {
			last = (void *)p;
			p += sizeof(*last) + last->len;
		}
	}
	cr_assert_eq(count, 16385);
	cr_assert_eq(last->wd, -1);
	cr_assert_eq(last->mask, IN_Q_OVERFLOW);
	cr_assert_eq(last->len, 0);
	/* Read, the queue takes events again. */
	RETURNS(rump_sys_write(fd, "a", 1), 1);
	EXPECT(in, "1 MODIFY\n");
}

Test(inotify, oneshot_watch_goes_after_its_event)
{
	int in = inst(), fd;

	mkfile("/f", NULL);
	RETURNS(rump_sys_inotify_add_watch(in, "/f", IN_MODIFY | IN_ONESHOT),
		1);
	fd = rump_sys_open("/f", O_WRONLY);
	RETURNS(rump_sys_write(fd, "a", 1), 1);
	RETURNS(rump_sys_write(fd, "a", 1), 1);
	EXPECT(in, "1 MODIFY\n1 IGNORED\n");
	FAILS(rump_sys_inotify_rm_watch(in, 1), EINVAL);
	RETURNS(rump_sys_inotify_add_watch(in, "/f", IN_MODIFY | IN_ONESHOT),
		2);
	FAILS(rump_sys_inotify_add_watch(
		      in, "/f", IN_MODIFY | IN_ONESHOT | IN_MASK_CREATE),
	      EEXIST);
}

/* ---- events ------------------------------------------------------------------ */

Test(inotify, open_read_write_close)
{
	char b[8];
	int wd, wf, in = setup_df(&wd, &wf), fd;

	fd = rump_sys_open("/d/f", O_RDONLY);
	EXPECT(in, "1 OPEN f\n2 OPEN\n");
	RETURNS(rump_sys_read(fd, b, 2), 2);
	EXPECT(in, "1 ACCESS f\n2 ACCESS\n");
	RETURNS(rump_sys_read(fd, b, 2), 1);
	RETURNS(rump_sys_read(fd, b, 2), 0);
	RETURNS(rump_sys_read(fd, b, 0), 0);
	EXPECT(in, "1 ACCESS f\n2 ACCESS\n");
	RETURNS(rump_sys_close(fd), 0);
	EXPECT(in, "1 CLOSE_NOWRITE f\n2 CLOSE_NOWRITE\n");
	fd = rump_sys_open("/d/f", O_WRONLY);
	RETURNS(rump_sys_write(fd, "x", 1), 1);
	RETURNS(rump_sys_write(fd, "", 0), 0);
	RETURNS(rump_sys_fsync(fd), 0);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	RETURNS(rump_sys_close(fd), 0);
	EXPECT(in, "1 OPEN f\n2 OPEN\n1 MODIFY f\n2 MODIFY\n"
		   "1 CLOSE_WRITE f\n2 CLOSE_WRITE\n");
	/* O_RDWR closes as a writer; a dup'ed file closes once. */
	fd = rump_sys_open("/d/f", O_RDWR);
	RETURNS(rump_sys_dup(fd), fd + 1);
	RETURNS(rump_sys_close(fd), 0);
	EXPECT(in, "1 OPEN f\n2 OPEN\n");
	RETURNS(rump_sys_close(fd + 1), 0);
	EXPECT(in, "1 CLOSE_WRITE f\n2 CLOSE_WRITE\n");
	/* O_PATH is no open. */
	fd = rump_sys_open("/d/f", O_PATH);
	RETURNS(rump_sys_close(fd), 0);
	EXPECT(in, "");
	/* Looking is no event. */
	struct stat st;
	RETURNS(rump_sys_stat("/d/f", &st), 0);
	RETURNS(rump_sys_access("/d/f", R_OK), 0);
	EXPECT(in, "");
}

Test(inotify, positional_and_vector_io)
{
	char b[4];
	struct iovec iov = { b, 1 };
	int wd, wf, in = setup_df(&wd, &wf), fd;

	fd = rump_sys_open("/d/f", O_RDWR);
	(void)drain(in);
	RETURNS(rump_sys_pread(fd, b, 1, 0), 1);
	RETURNS(rump_sys_pwrite(fd, b, 1, 0), 1);
	RETURNS(rump_sys_readv(fd, &iov, 1), 1);
	RETURNS(rump_sys_writev(fd, &iov, 1), 1);
	EXPECT(in, "1 ACCESS f\n2 ACCESS\n1 MODIFY f\n2 MODIFY\n"
		   "1 ACCESS f\n2 ACCESS\n1 MODIFY f\n2 MODIFY\n");
}

Test(inotify, truncation_is_modify)
{
	int wd, wf, in = setup_df(&wd, &wf), fd;

	fd = rump_sys_open("/d/f", O_WRONLY);
	(void)drain(in);
	RETURNS(rump_sys_ftruncate(fd, 1), 0);
	EXPECT(in, "1 MODIFY f\n2 MODIFY\n");
	RETURNS(rump_sys_ftruncate(fd, 1), 0); /* the same size still is */
	EXPECT(in, "1 MODIFY f\n2 MODIFY\n");
	RETURNS(rump_sys_fallocate(fd, 0, 0, 100), 0);
	EXPECT(in, "1 MODIFY f\n2 MODIFY\n");
	RETURNS(rump_sys_truncate("/d/f", 5), 0);
	EXPECT(in, "1 MODIFY f\n2 MODIFY\n");
	RETURNS(rump_sys_close(fd), 0);
	(void)drain(in);
	/* O_TRUNC: the open first, then the truncation. */
	fd = rump_sys_open("/d/f", O_WRONLY | O_TRUNC);
	EXPECT(in, "1 OPEN f\n2 OPEN\n1 MODIFY f\n2 MODIFY\n");
	RETURNS(rump_sys_close(fd), 0);
	/* Failed calls say nothing. */
	(void)drain(in);
	FAILS(rump_sys_truncate("/d/f", -1), EINVAL);
	FAILS(rump_sys_open("/d/f", O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST);
	EXPECT(in, "");
}

Test(inotify, attribute_changes)
{
	struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };
	int wd, wf, in = setup_df(&wd, &wf), fd;

	RETURNS(rump_sys_chmod("/d/f", 0600), 0);
	RETURNS(rump_sys_chmod("/d/f", 0600), 0);
	EXPECT(in, "1 ATTRIB f\n2 ATTRIB\n1 ATTRIB f\n2 ATTRIB\n");
	RETURNS(rump_sys_chown("/d/f", 0, 0), 0);
	EXPECT(in, "1 ATTRIB f\n2 ATTRIB\n");
	RETURNS(rump_sys_chown("/d/f", -1, -1), 0);
	EXPECT(in, "");
	RETURNS(rump_sys_utimes("/d/f", NULL), 0);
	EXPECT(in, "1 ATTRIB f\n2 ATTRIB\n");
	/* One time alone is an access or a modification. */
	ts[1].tv_nsec = UTIME_OMIT;
	RETURNS(rump_sys_utimensat(AT_FDCWD, "/d/f", ts, 0), 0);
	EXPECT(in, "1 ACCESS f\n2 ACCESS\n");
	ts[1].tv_nsec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	RETURNS(rump_sys_utimensat(AT_FDCWD, "/d/f", ts, 0), 0);
	EXPECT(in, "1 MODIFY f\n2 MODIFY\n");
	RETURNS(rump_sys_setxattr("/d/f", "user.a", "1", 1, 0), 0);
	EXPECT(in, "1 ATTRIB f\n2 ATTRIB\n");
	RETURNS(rump_sys_removexattr("/d/f", "user.a"), 0);
	EXPECT(in, "1 ATTRIB f\n2 ATTRIB\n");
	/* Through a descriptor. */
	fd = rump_sys_open("/d/f", O_RDONLY);
	(void)drain(in);
	RETURNS(rump_sys_fchmod(fd, 0644), 0);
	EXPECT(in, "1 ATTRIB f\n2 ATTRIB\n");
	RETURNS(rump_sys_fsetxattr(fd, "user.b", "1", 1, 0), 0);
	EXPECT(in, "1 ATTRIB f\n2 ATTRIB\n");
	RETURNS(rump_sys_futimens(fd, NULL), 0);
	EXPECT(in, "1 ATTRIB f\n2 ATTRIB\n");
	RETURNS(rump_sys_fchownat(fd, "", 0, 0, AT_EMPTY_PATH), 0);
	EXPECT(in, "1 ATTRIB f\n2 ATTRIB\n");
	/* A failed change says nothing. */
	FAILS(rump_sys_removexattr("/d/f", "user.none"), ENODATA);
	EXPECT(in, "");
}

Test(inotify, directory_entries)
{
	int in = inst();

	mkdir_ok("/d");
	RETURNS(watch(in, "/d", IN_ALL_EVENTS), 1);
	mkfile("/d/n", NULL);
	EXPECT(in, "1 CREATE n\n1 OPEN n\n1 CLOSE_WRITE n\n");
	mkdir_ok("/d/sub");
	RETURNS(rump_sys_symlink("n", "/d/s"), 0);
	RETURNS(rump_sys_mknod("/d/fifo", S_IFIFO | 0644, 0), 0);
	EXPECT(in, "1 CREATE|ISDIR sub\n1 CREATE s\n1 CREATE fifo\n");
	RETURNS(rump_sys_link("/d/n", "/d/n2"), 0);
	EXPECT(in, "1 CREATE n2\n");
	RETURNS(rump_sys_unlink("/d/n2"), 0);
	RETURNS(rump_sys_unlink("/d/s"), 0);
	RETURNS(rump_sys_rmdir("/d/sub"), 0);
	EXPECT(in, "1 DELETE n2\n1 DELETE s\n1 DELETE|ISDIR sub\n");
	/* Reading a symlink or failing to create is nothing. */
	FAILS(rump_sys_mkdir("/d/n", 0755), EEXIST);
	FAILS(rump_sys_open("/d/nodir/x", O_CREAT | O_RDWR, 0644), ENOENT);
	EXPECT(in, "");
}

Test(inotify, the_watched_directory_itself)
{
	char b[4096];
	int in = inst(), fd;

	mkdir_ok("/d");
	RETURNS(watch(in, "/d", IN_ALL_EVENTS), 1);
	fd = rump_sys_open("/d", O_RDONLY | O_DIRECTORY);
	cr_assert_gt(rump_sys_getdents64(fd, b, sizeof(b)), 0);
	RETURNS(rump_sys_close(fd), 0);
	RETURNS(rump_sys_chmod("/d", 0700), 0);
	EXPECT(in, "1 OPEN|ISDIR\n1 ACCESS|ISDIR\n1 CLOSE_NOWRITE|ISDIR\n"
		   "1 ATTRIB|ISDIR\n");
}

Test(inotify, link_count_changes_are_attrib)
{
	int wd, wf, in = setup_df(&wd, &wf);

	RETURNS(rump_sys_link("/d/f", "/d/g"), 0);
	EXPECT(in, "2 ATTRIB\n1 CREATE g\n");
	RETURNS(rump_sys_unlink("/d/f"), 0);
	EXPECT(in, "2 ATTRIB\n1 DELETE f\n");
	RETURNS(rump_sys_unlink("/d/g"), 0);
	EXPECT(in, "2 ATTRIB\n2 DELETE_SELF\n2 IGNORED\n1 DELETE g\n");
	FAILS(rump_sys_inotify_rm_watch(in, 2), EINVAL);
}

Test(inotify, delete_self_waits_for_the_last_close)
{
	int wd, wf, in = setup_df(&wd, &wf), fd;

	fd = rump_sys_open("/d/f", O_RDONLY);
	(void)drain(in);
	RETURNS(rump_sys_unlink("/d/f"), 0);
	EXPECT(in, "2 ATTRIB\n1 DELETE f\n");
	RETURNS(rump_sys_close(fd), 0);
	EXPECT(in, "1 CLOSE_NOWRITE f\n2 CLOSE_NOWRITE\n2 DELETE_SELF\n"
		   "2 IGNORED\n");
}

Test(inotify, rmdir_of_a_watched_directory)
{
	int in = inst();

	mkdir_ok("/d");
	mkdir_ok("/d/dd");
	RETURNS(watch(in, "/d", IN_ALL_EVENTS), 1);
	RETURNS(watch(in, "/d/dd", IN_ALL_EVENTS), 2);
	RETURNS(rump_sys_rmdir("/d/dd"), 0);
	EXPECT(in, "2 DELETE_SELF\n2 IGNORED\n1 DELETE|ISDIR dd\n");
}

Test(inotify, rename_pairs_cookies)
{
	int in = inst();

	mkdir_ok("/d");
	mkdir_ok("/d/sub");
	mkfile("/d/n", NULL);
	mkfile("/d/t", NULL);
	RETURNS(watch(in, "/d", IN_ALL_EVENTS), 1);
	RETURNS(watch(in, "/d/sub", IN_ALL_EVENTS), 2);
	RETURNS(watch(in, "/d/t", IN_ALL_EVENTS), 3);
	RETURNS(rump_sys_rename("/d/n", "/d/m"), 0);
	EXPECT(in, "1 MOVED_FROM n c1\n1 MOVED_TO m c1\n");
	RETURNS(rump_sys_rename("/d/m", "/d/sub/m"), 0);
	RETURNS(rump_sys_rename("/d/t", "/d/t2"), 0);
	EXPECT(in, "1 MOVED_FROM m c1\n2 MOVED_TO m c1\n"
		   "1 MOVED_FROM t c2\n1 MOVED_TO t2 c2\n3 MOVE_SELF\n");
	RETURNS(rump_sys_rename("/d/sub", "/d/sub2"), 0);
	EXPECT(in, "1 MOVED_FROM|ISDIR sub c1\n1 MOVED_TO|ISDIR sub2 c1\n"
		   "2 MOVE_SELF\n");
	/* A rename onto itself or of a missing name is nothing. */
	RETURNS(rump_sys_rename("/d/t2", "/d/t2"), 0);
	FAILS(rump_sys_rename("/d/none", "/d/x"), ENOENT);
	EXPECT(in, "");
}

Test(inotify, rename_over_a_watched_file)
{
	int in = inst();

	mkdir_ok("/d");
	mkfile("/d/a", NULL);
	mkfile("/d/b", NULL);
	RETURNS(watch(in, "/d", IN_ALL_EVENTS), 1);
	RETURNS(watch(in, "/d/b", IN_ALL_EVENTS), 2);
	RETURNS(rump_sys_rename("/d/a", "/d/b"), 0);
	EXPECT(in, "1 MOVED_FROM a c1\n1 MOVED_TO b c1\n2 ATTRIB\n"
		   "2 DELETE_SELF\n2 IGNORED\n");
	mkdir_ok("/d/c");
	mkdir_ok("/d/e");
	RETURNS(watch(in, "/d/c", IN_ALL_EVENTS), 3);
	(void)drain(in);
	RETURNS(rump_sys_rename("/d/e", "/d/c"), 0);
	EXPECT(in, "1 MOVED_FROM|ISDIR e c1\n1 MOVED_TO|ISDIR c c1\n"
		   "3 ATTRIB|ISDIR\n3 DELETE_SELF\n3 IGNORED\n");
}

Test(inotify, rename_exchange)
{
	int in = inst();

	mkdir_ok("/d");
	mkfile("/d/t", NULL);
	mkfile("/d/u", NULL);
	RETURNS(watch(in, "/d", IN_MOVE), 1);
	RETURNS(watch(in, "/d/t", IN_ALL_EVENTS), 2);
	RETURNS(watch(in, "/d/u", IN_ALL_EVENTS), 3);
	RETURNS(rump_sys_renameat2(AT_FDCWD, "/d/t", AT_FDCWD, "/d/u",
				   RENAME_EXCHANGE),
		0);
	EXPECT(in, "1 MOVED_FROM t c1\n1 MOVED_TO u c1\n2 MOVE_SELF\n"
		   "1 MOVED_FROM u c2\n1 MOVED_TO t c2\n3 MOVE_SELF\n");
}

Test(inotify, creat_and_tmpfile)
{
	char name[32];
	struct stat st;
	int in = inst(), fd;

	mkdir_ok("/d");
	RETURNS(watch(in, "/d", IN_ALL_EVENTS), 1);
	fd = rump_sys_open("/d/v", O_CREAT | O_RDWR | O_TRUNC, 0644);
	EXPECT(in, "1 CREATE v\n1 OPEN v\n");
	RETURNS(rump_sys_close(fd), 0);
	fd = rump_sys_creat("/d/v", 0644);
	EXPECT(in, "1 CLOSE_WRITE v\n1 OPEN v\n1 MODIFY v\n");
	RETURNS(rump_sys_close(fd), 0);
	(void)drain(in);
	fd = rump_sys_open("/d", O_TMPFILE | O_RDWR, 0600);
	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_fstat(fd, &st), 0);
	RETURNS(rump_sys_write(fd, "a", 1), 1);
	RETURNS(rump_sys_close(fd), 0);
	snprintf(name, sizeof(name), "#%lu", (unsigned long)st.st_ino);
	char want[256];
	snprintf(want, sizeof(want),
		 "1 OPEN %s\n1 MODIFY %s\n1 CLOSE_WRITE %s\n", name, name,
		 name);
	EXPECT(in, want);
}

Test(inotify, excl_unlink_skips_unlinked_children)
{
	int in = inst(), fd;

	mkdir_ok("/d");
	mkfile("/d/f", NULL);
	RETURNS(watch(in, "/d", IN_MODIFY | IN_EXCL_UNLINK), 1);
	fd = rump_sys_open("/d/f", O_WRONLY);
	RETURNS(rump_sys_write(fd, "a", 1), 1);
	EXPECT(in, "1 MODIFY f\n");
	RETURNS(rump_sys_unlink("/d/f"), 0);
	RETURNS(rump_sys_write(fd, "a", 1), 1);
	EXPECT(in, "");
	/* Without it, the directory still hears of the unlinked file. */
	RETURNS(watch(in, "/d", IN_MODIFY), 1);
	RETURNS(rump_sys_write(fd, "a", 1), 1);
	EXPECT(in, "1 MODIFY f\n");
}

Test(inotify, copies_access_and_modify)
{
	off_t off = 0;
	loff_t oi = 0, oo = 0;
	int in = inst(), a, b;

	mkdir_ok("/d");
	mkfile("/d/v", "hello");
	RETURNS(watch(in, "/d", IN_ACCESS | IN_MODIFY), 1);
	a = rump_sys_open("/d/v", O_RDONLY);
	b = rump_sys_open("/d/w", O_CREAT | O_RDWR, 0644);
	RETURNS(rump_sys_sendfile(b, a, &off, 2), 2);
	EXPECT(in, "1 ACCESS v\n1 MODIFY w\n");
	RETURNS(rump_sys_copy_file_range(a, &oi, b, &oo, 2, 0), 2);
	EXPECT(in, "1 ACCESS v\n1 MODIFY w\n");
}

Test(inotify, unmount_ends_watches)
{
	int in = inst();

	mkdir_ok("/mnt2");
	RETURNS(rump_sys_mount("none", "/mnt2", "tmpfs", 0, NULL), 0);
	mkdir_ok("/mnt2/d");
	mkfile("/mnt2/f", NULL);
	RETURNS(watch(in, "/mnt2/f", IN_ATTRIB), 1);
	RETURNS(watch(in, "/mnt2/d", IN_ALL_EVENTS), 2);
	RETURNS(watch(in, "/mnt2", IN_ALL_EVENTS), 3);
	RETURNS(watch(in, "/", IN_ALL_EVENTS), 4);
	/* Watches do not make the mount busy. */
	RETURNS(rump_sys_umount2("/mnt2", 0), 0);
	const char *got = drain(in);
	cr_assert(strstr(got, "1 UNMOUNT\n1 IGNORED\n") != NULL, "%s", got);
	cr_assert(strstr(got, "2 UNMOUNT|ISDIR\n2 IGNORED\n") != NULL, "%s",
		  got);
	cr_assert(strstr(got, "3 UNMOUNT|ISDIR\n3 IGNORED\n") != NULL, "%s",
		  got);
	cr_assert_eq(strlen(got), strlen("1 UNMOUNT\n1 IGNORED\n") * 3 + 12,
		     "%s", got);
	FAILS(rump_sys_inotify_rm_watch(in, 3), EINVAL);
	RETURNS(rump_sys_inotify_rm_watch(in, 4), 0);
}

Test(inotify, devices_report_io)
{
	char b[4];
	int in = inst(), fd;

	RETURNS(watch(in, "/dev/null", IN_ALL_EVENTS), 1);
	RETURNS(watch(in, "/dev/zero", IN_ALL_EVENTS), 2);
	fd = rump_sys_open("/dev/null", O_RDWR);
	RETURNS(rump_sys_write(fd, "x", 1), 1);
	RETURNS(rump_sys_read(fd, b, 1), 0);
	RETURNS(rump_sys_close(fd), 0);
	fd = rump_sys_open("/dev/zero", O_RDONLY);
	RETURNS(rump_sys_read(fd, b, 4), 4);
	RETURNS(rump_sys_close(fd), 0);
	EXPECT(in, "1 OPEN\n1 MODIFY\n1 CLOSE_WRITE\n2 OPEN\n2 ACCESS\n"
		   "2 CLOSE_NOWRITE\n");
}

Test(inotify, fifo_opens_and_closes_only)
{
	char b[4];
	int in = inst(), r, w;

	mkdir_ok("/d");
	RETURNS(rump_sys_mknod("/d/fi", S_IFIFO | 0644, 0), 0);
	RETURNS(watch(in, "/d", IN_ALL_EVENTS), 1);
	r = rump_sys_open("/d/fi", O_RDONLY | O_NONBLOCK);
	w = rump_sys_open("/d/fi", O_WRONLY);
	RETURNS(rump_sys_write(w, "x", 1), 1);
	RETURNS(rump_sys_read(r, b, 1), 1);
	RETURNS(rump_sys_close(w), 0);
	RETURNS(rump_sys_close(r), 0);
	EXPECT(in, "1 OPEN fi\n1 CLOSE_WRITE fi\n1 CLOSE_NOWRITE fi\n");
}

Test(inotify, closing_the_instance_drops_its_watches)
{
	int in = inst(), in2 = inst();

	mkdir_ok("/mnt2");
	RETURNS(rump_sys_mount("none", "/mnt2", "tmpfs", 0, NULL), 0);
	mkfile("/mnt2/f", NULL);
	RETURNS(watch(in, "/mnt2/f", IN_ALL_EVENTS), 1);
	RETURNS(watch(in2, "/mnt2/f", IN_ALL_EVENTS), 1);
	RETURNS(rump_sys_close(in), 0);
	RETURNS(rump_sys_unlink("/mnt2/f"), 0);
	EXPECT(in2, "1 ATTRIB\n1 DELETE_SELF\n1 IGNORED\n");
	RETURNS(rump_sys_close(in2), 0);
	RETURNS(rump_sys_umount2("/mnt2", 0), 0);
}

Test(inotify, per_user_instance_limit)
{
	int n = 0, fd;

	rfork_ok(RUMP_RFCFDG);
	RETURNS(rump_sys_setuid(1234), 0);
	while ((fd = rump_sys_inotify_init1(0)) >= 0)
		n++;
	cr_assert_eq(errno, EMFILE);
	cr_assert_eq(n, 128);
	RETURNS(rump_sys_close(3), 0);
	cr_assert_geq(rump_sys_inotify_init1(0), 0);
}

Test(inotify, per_user_watch_limit)
{
	char path[32];
	int in, n;

	mkdir_ok("/many");
	for (int i = 0; i < 8193; i++) {
		snprintf(path, sizeof(path), "/many/%d", i);
		RETURNS(rump_sys_mknod(path, S_IFREG | 0644, 0), 0);
	}
	rfork_ok(RUMP_RFCFDG);
	RETURNS(rump_sys_setuid(1234), 0);
	in = inst();
	for (n = 0; n < 8193; n++) {
		snprintf(path, sizeof(path), "/many/%d", n);
		if (rump_sys_inotify_add_watch(in, path, IN_MODIFY) < 0)
			break;
	}
	cr_assert_eq(n, 8192);
	cr_assert_eq(errno, ENOSPC);
	/* Updating an existing watch needs no new one. */
	RETURNS(rump_sys_inotify_add_watch(in, "/many/0", IN_ATTRIB), 1);
	RETURNS(rump_sys_inotify_rm_watch(in, 1), 0);
	cr_assert_geq(rump_sys_inotify_add_watch(in, path, IN_MODIFY), 1);
}

/* ---- readiness ------------------------------------------------------------- */

Test(inotify, poll_select_epoll_readiness)
{
	struct pollfd p;
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct timeval tv = { 0, 0 };
	fd_set rs;
	int in = inst(), ep, fd;

	mkfile("/f", NULL);
	watch(in, "/f", IN_MODIFY);
	ep = rump_sys_epoll_create1(0);
	RETURNS(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev), 0);
	p.fd = in;
	p.events = POLLIN | POLLOUT;
	RETURNS(rump_sys_poll(&p, 1, 0), 0);
	RETURNS(rump_sys_epoll_wait(ep, &out, 1, 0), 0);
	fd = rump_sys_open("/f", O_WRONLY);
	RETURNS(rump_sys_write(fd, "a", 1), 1);
	RETURNS(rump_sys_poll(&p, 1, 0), 1);
	cr_assert_eq(p.revents, POLLIN);
	FD_ZERO(&rs);
	FD_SET(in, &rs);
	RETURNS(rump_sys_select(in + 1, &rs, NULL, NULL, &tv), 1);
	RETURNS(rump_sys_epoll_wait(ep, &out, 1, 0), 1);
	cr_assert_eq(out.events, EPOLLIN);
	(void)drain(in);
	RETURNS(rump_sys_poll(&p, 1, 0), 0);
	RETURNS(rump_sys_epoll_wait(ep, &out, 1, 0), 0);
}

/* ---- threads --------------------------------------------------------------- */

struct reader {
	struct lwp *lwp;
	int in, ep;
	int tid;
	pid_t lid;
	_Atomic int done;
	long rv;
	int err;
	char buf[4096] __attribute__((aligned(8)));
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	struct epoll_event ev;

	rump_pub_lwproc_switch(r->lwp);
	r->lid = rump_sys_gettid();
	__atomic_store_n(&r->tid, gettid(), __ATOMIC_RELEASE);
	if (r->ep >= 0) {
		r->rv = rump_sys_epoll_wait(r->ep, &ev, 1, 10000);
		if (r->rv == 1)
			r->rv = rump_sys_read(r->in, r->buf, sizeof(r->buf));
	} else {
		r->rv = rump_sys_read(r->in, r->buf, sizeof(r->buf));
	}
	r->err = errno;
	r->done = 1;
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

static void
start_reader(pthread_t *t, struct reader *r, int in, int ep)
{
	struct lwp *me = rump_pub_lwproc_curlwp();

	memset(r, 0, sizeof(*r));
	r->in = in;
	r->ep = ep;
	cr_assert_eq(rump_pub_lwproc_newlwp(rump_sys_getpid()), 0);
	r->lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	cr_assert_eq(pthread_create(t, NULL, reader_main, r), 0);
	wait_host_sleeping(&r->tid);
}

static void *
writer_main(void *arg)
{
	int fd = rump_sys_open((const char *)arg, O_WRONLY);

	for (int i = 0; i < 200; i++)
		rump_sys_write(fd, "a", 1);
	rump_sys_close(fd);
	return NULL;
}

static void
blocked_reader_woken_by_writer(bool use_epoll)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct reader r;
	pthread_t t, w;
	int in, ep = -1;

	rfork_ok(RUMP_RFFDG);
	in = rump_sys_inotify_init1(0);
	cr_assert_geq(in, 0);
	mkfile("/f", NULL);
	RETURNS(rump_sys_inotify_add_watch(in, "/f", IN_MODIFY | IN_CLOSE), 1);
	if (use_epoll) {
		ep = rump_sys_epoll_create1(0);
		RETURNS(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev), 0);
	}
	start_reader(&t, &r, in, ep);
	cr_assert_eq(r.done, 0, "the reader blocks");
	cr_assert_eq(pthread_create(&w, NULL, writer_main, "/f"), 0);
	pthread_join(w, NULL);
	pthread_join(t, NULL);
	cr_assert_geq(r.rv, 16, "read: %s", strerror(r.err));
	cr_assert_eq(((struct inotify_event *)r.buf)->mask, IN_MODIFY);
	/* What the reader did not take is still queued, in order: all of
	 * it is writes, then the close. */
	RETURNS(rump_sys_fcntl(in, F_SETFL, O_NONBLOCK), 0);
	static struct fmt all;
	fmt_buf(&all, r.buf, r.rv);
	const char *rest = drain(in);
	cr_assert_lt(all.len + strlen(rest), sizeof(all.text));
	strcat(all.text, rest);
	const char *p = all.text;
	while (strncmp(p, "1 MODIFY\n", 9) == 0)
		p += 9;
	cr_assert_str_eq(p, "1 CLOSE_WRITE\n", "%s", all.text);
}

Test(inotify, writer_thread_wakes_a_blocked_read)
{
	blocked_reader_woken_by_writer(false);
}

Test(inotify, writer_thread_wakes_epoll_wait)
{
	blocked_reader_woken_by_writer(true);
}

static _Atomic int hits;

static void
count_handler(int sig)
{
	(void)sig;
	hits++;
}

static void
set_handler(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = flags;
	sa.sa_handler = count_handler;
	cr_assert_eq(rump_sys_sigaction(sig, &sa, NULL), 0);
}

Test(inotify, signal_interrupts_a_blocked_read)
{
	struct reader r;
	pthread_t t;
	int in;

	rfork_ok(RUMP_RFFDG);
	in = rump_sys_inotify_init1(0);
	mkfile("/f", NULL);
	watch(in, "/f", IN_MODIFY);
	set_handler(SIGUSR1, 0);
	start_reader(&t, &r, in, -1);
	cr_assert_eq(r.done, 0);
	RETURNS(rump_sys_tkill(r.lid, SIGUSR1), 0);
	pthread_join(t, NULL);
	cr_assert_eq(r.rv, -1);
	cr_assert_eq(r.err, EINTR);
	cr_assert_eq(hits, 1);
}

Test(inotify, blocked_read_restarts_under_sa_restart)
{
	struct reader r;
	pthread_t t;
	int in, fd;

	rfork_ok(RUMP_RFFDG);
	in = rump_sys_inotify_init1(0);
	mkfile("/f", NULL);
	watch(in, "/f", IN_MODIFY);
	set_handler(SIGUSR1, SA_RESTART);
	start_reader(&t, &r, in, -1);
	RETURNS(rump_sys_tkill(r.lid, SIGUSR1), 0);
	for (int i = 0; i < 2000 && hits == 0; i++)
		sleep_ms(1);
	cr_assert_eq(hits, 1);
	sleep_ms(10);
	cr_assert_eq(r.done, 0, "restarted, still blocked");
	fd = rump_sys_open("/f", O_WRONLY);
	RETURNS(rump_sys_write(fd, "a", 1), 1);
	pthread_join(t, NULL);
	cr_assert_eq(r.rv, 16);
}

/* ---- the same calls on the host -------------------------------------------- */

/*
 * One side of the differential test: a root directory, the calls, and
 * an inotify instance.  The host side makes the host's calls on a
 * directory under /dev/shm (tmpfs, as rumpkit's root).
 */
struct side {
	bool host;
	char root[64];
	int in;
	int held; /* a descriptor kept open across calls, or -1 */
	struct fmt f;
};

static void
side_path(const struct side *s, const char *rel, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", s->root, rel);
}

/* Each call returns its result, or -errno. */
#define SIDECALL(s, hostcall, rumpcall)                                        \
	((s)->host ? ((hostcall) < 0 ? -errno : 0)                             \
		   : ((rumpcall) < 0 ? -errno : 0))

static long
side_op(struct side *s, int op, const char *a, const char *b, int arg)
{
	char pa[128], pb[128], buf[8];
	struct timespec ts[2] = { { arg, 0 }, { arg + 1, 0 } };
	long rv;
	int fd;

	side_path(s, a, pa, sizeof(pa));
	side_path(s, b, pb, sizeof(pb));
	switch (op) {
	case 0: /* open with flags, maybe write or read, close */
	case 1:
	case 2:
	case 3: {
		static const int flags[] = { O_CREAT | O_WRONLY, O_WRONLY,
					     O_RDONLY, O_WRONLY | O_TRUNC };

		fd = s->host ? open(pa, flags[op], 0644)
			     : rump_sys_open(pa, flags[op], 0644);
		if (fd < 0)
			return -errno;
		if (op == 1)
			rv = s->host ? write(fd, "xy", 2)
				     : rump_sys_write(fd, "xy", 2);
		else if (op == 2)
			rv = s->host ? read(fd, buf, sizeof(buf))
				     : rump_sys_read(fd, buf, sizeof(buf));
		else
			rv = 0;
		if (rv < 0)
			rv = -errno;
		if (s->host)
			close(fd);
		else
			rump_sys_close(fd);
		return rv;
	}
	case 4:
		return SIDECALL(s, chmod(pa, arg & 1 ? 0600 : 0644),
				rump_sys_chmod(pa, arg & 1 ? 0600 : 0644));
	case 5:
		return SIDECALL(s, truncate(pa, arg & 3),
				rump_sys_truncate(pa, arg & 3));
	case 6:
		return SIDECALL(s, rename(pa, pb), rump_sys_rename(pa, pb));
	case 7:
		return SIDECALL(s, unlink(pa), rump_sys_unlink(pa));
	case 8:
		return SIDECALL(s, mkdir(pa, 0755), rump_sys_mkdir(pa, 0755));
	case 9:
		return SIDECALL(s, rmdir(pa), rump_sys_rmdir(pa));
	case 10:
		return SIDECALL(s, link(pa, pb), rump_sys_link(pa, pb));
	case 11:
		return SIDECALL(s, symlink(a, pb), rump_sys_symlink(a, pb));
	case 12:
		return SIDECALL(s, utimensat(AT_FDCWD, pa, ts, 0),
				rump_sys_utimensat(AT_FDCWD, pa, ts, 0));
	case 13:
		return SIDECALL(s, setxattr(pa, "user.k", "v", 1, 0),
				rump_sys_setxattr(pa, "user.k", "v", 1, 0));
	case 14:
		rv = s->host ? inotify_add_watch(s->in, pa, IN_ALL_EVENTS)
			     : rump_sys_inotify_add_watch(s->in, pa,
							  IN_ALL_EVENTS);
		return rv < 0 ? -errno : rv;
	case 15:
		return SIDECALL(s, inotify_rm_watch(s->in, arg % 8 + 1),
				rump_sys_inotify_rm_watch(s->in, arg % 8 + 1));
	case 17: /* keep a file open (instead of the one kept before) */
		if (s->held >= 0)
			(void)(s->host ? close(s->held)
				       : rump_sys_close(s->held));
		s->held =
			s->host ? open(pa, O_RDWR) : rump_sys_open(pa, O_RDWR);
		return s->held < 0 ? -errno : 0;
	case 18: /* write through it */
		if (s->held < 0)
			return 0;
		rv = s->host ? write(s->held, "z", 1)
			     : rump_sys_write(s->held, "z", 1);
		return rv < 0 ? -errno : rv;
	case 19:
		if (s->held >= 0)
			(void)(s->host ? close(s->held)
				       : rump_sys_close(s->held));
		s->held = -1;
		return 0;
	default:
		return SIDECALL(s,
				syscall(SYS_renameat2, AT_FDCWD, pa, AT_FDCWD,
					pb, RENAME_EXCHANGE),
				rump_sys_renameat2(AT_FDCWD, pa, AT_FDCWD, pb,
						   RENAME_EXCHANGE));
	}
}

static const char *
side_events(struct side *s)
{
	char buf[16384] __attribute__((aligned(8)));
	ssize_t n;

	/* Cookies are numbered across the whole run. */
	s->f.len = 0;
	s->f.text[0] = '\0';
	while ((n = s->host ? read(s->in, buf, sizeof(buf))
			    : rump_sys_read(s->in, buf, sizeof(buf))) > 0)
		fmt_buf(&s->f, buf, n);
	return s->f.text;
}

static void
diff_run(unsigned seed, int *totals)
{
	static const char *const names[] = { "a", "b", "c", "s/a", "s/b", "s" };
	static const char *const opnames[] = {
		"creat",    "write",    "read",    "trunc-open", "chmod",
		"truncate", "rename",   "unlink",  "mkdir",      "rmdir",
		"link",     "symlink",  "utimens", "setxattr",   "add_watch",
		"rm_watch", "exchange", "hold",    "write-held", "close-held"
	};
	static struct side h, r;
	char path[128], rpath[128];
	int events = 0, moves = 0, selfdel = 0, errors = 0;

	memset(&h, 0, sizeof(h));
	memset(&r, 0, sizeof(r));
	h.held = r.held = -1;
	h.host = true;
	snprintf(h.root, sizeof(h.root), "/dev/shm/rump-inotify.XXXXXX");
	cr_assert_not_null(mkdtemp(h.root));
	snprintf(r.root, sizeof(r.root), "/t%u", seed);
	mkdir_ok(r.root);
	snprintf(path, sizeof(path), "%s/s", h.root);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(rpath, sizeof(rpath), "%s/s", r.root);
	mkdir_ok(rpath);
	h.in = inotify_init1(IN_NONBLOCK);
	r.in = inst();
	cr_assert_eq(inotify_add_watch(h.in, h.root, IN_ALL_EVENTS), 1);
	RETURNS(watch(r.in, r.root, IN_ALL_EVENTS), 1);
	snprintf(path, sizeof(path), "%s/s", h.root);
	cr_assert_eq(inotify_add_watch(h.in, path, IN_ALL_EVENTS), 2);
	RETURNS(watch(r.in, rpath, IN_ALL_EVENTS), 2);

	for (int i = 0; i < 3000; i++) {
		/* Creations weigh more, so that names exist to work on;
		 * watches come and go less often. */
		static const int ops[] = { 0,  0,  0,  0,  1,  1,  2,
					   3,  4,  5,  6,  6,  7,  8,
					   8,  9,  10, 11, 12, 13, 14,
					   14, 15, 16, 17, 18, 18, 19 };
		int op = ops[rand_r(&seed) % ARRAY_LEN(ops)];
		int arg = rand_r(&seed) % 16;
		const char *a = names[rand_r(&seed) % 6];
		const char *b = names[rand_r(&seed) % 6];
		long hr = side_op(&h, op, a, b, arg);
		long rr = side_op(&r, op, a, b, arg);

		cr_assert_eq(rr, hr, "step %d: %s %s %s: rump %ld, host %ld", i,
			     opnames[op], a, b, rr, hr);
		const char *he = side_events(&h);
		const char *re = side_events(&r);
		cr_assert_str_eq(re, he,
				 "step %d: %s %s %s:\nrump:\n%shost:\n%s", i,
				 opnames[op], a, b, re, he);
		for (const char *p = re; (p = strchr(p, '\n')) != NULL; p++)
			events++;
		moves += strstr(re, "MOVED_TO") != NULL;
		selfdel += strstr(re, "DELETE_SELF") != NULL;
		errors += rr < 0;
	}
	totals[0] += events;
	totals[1] += moves;
	totals[2] += selfdel;
	totals[3] += errors;
	if (h.held >= 0)
		close(h.held);
	close(h.in);
	host_rmtree(h.root);
}

Test(inotify, same_events_as_the_host)
{
	int t[4] = { 0 };

	for (unsigned seed = 1; seed <= 4; seed++)
		diff_run(seed, t);
	/* The sequences did exercise something. */
	cr_log_info("%d events, %d moves, %d DELETE_SELF, %d errors", t[0],
		    t[1], t[2], t[3]);
	cr_assert_gt(t[0], 4000, "%d events", t[0]);
	cr_assert_gt(t[1], 50, "%d moves", t[1]);
	cr_assert_gt(t[2], 10, "%d deletions of watched files", t[2]);
	cr_assert_gt(t[3], 300, "%d failed calls", t[3]);
}

Test(inotify, an_open_file_follows_its_renames)
{
	int in = inst(), fd;

	mkdir_ok("/d");
	mkdir_ok("/d/sub");
	RETURNS(watch(in, "/d", IN_MODIFY | IN_CLOSE), 1);
	RETURNS(watch(in, "/d/sub", IN_MODIFY | IN_CLOSE), 2);
	mkfile("/d/f", NULL);
	(void)drain(in);
	fd = rump_sys_open("/d/f", O_WRONLY);
	RETURNS(rump_sys_rename("/d/f", "/d/g"), 0);
	RETURNS(rump_sys_write(fd, "a", 1), 1);
	EXPECT(in, "1 MODIFY g\n");
	RETURNS(rump_sys_rename("/d/g", "/d/sub/h"), 0);
	RETURNS(rump_sys_write(fd, "a", 1), 1);
	EXPECT(in, "2 MODIFY h\n");
	/* Unlinked, it keeps its last name, as Linux's dentry does. */
	RETURNS(rump_sys_unlink("/d/sub/h"), 0);
	RETURNS(rump_sys_close(fd), 0);
	EXPECT(in, "2 CLOSE_WRITE h\n");
}

Test(inotify, hostfs_files)
{
	char hdir[] = "/dev/shm/rump-inotify-h.XXXXXX", path[64];
	int in = inst(), fd;

	cr_assert_not_null(mkdtemp(hdir));
	mkdir_ok("/h");
	RETURNS(rump_sys_mount(hdir, "/h", "hostfs", 0, ""), 0);
	mkfile("/h/f", "x");
	RETURNS(watch(in, "/h", IN_ALL_EVENTS), 1);
	RETURNS(watch(in, "/h/f", IN_ALL_EVENTS), 2);
	/* Enough other files that an unwatched node would leave the
	 * mount's cache: the watched one stays, with its watch. */
	for (int i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "/h/o%d", i);
		mkfile(path, NULL);
	}
	(void)drain(in);
	RETURNS(rump_sys_inotify_add_watch(in, "/h/f", IN_ALL_EVENTS), 2);
	fd = rump_sys_open("/h/f", O_WRONLY);
	RETURNS(rump_sys_write(fd, "y", 1), 1);
	RETURNS(rump_sys_close(fd), 0);
	RETURNS(rump_sys_rename("/h/f", "/h/g"), 0);
	RETURNS(rump_sys_chmod("/h/g", 0600), 0);
	/* Its link count's IN_ATTRIB is the same as the last: one. */
	RETURNS(rump_sys_unlink("/h/g"), 0);
	EXPECT(in, "1 OPEN f\n2 OPEN\n1 MODIFY f\n2 MODIFY\n1 CLOSE_WRITE f\n"
		   "2 CLOSE_WRITE\n1 MOVED_FROM f c1\n1 MOVED_TO g c1\n"
		   "2 MOVE_SELF\n1 ATTRIB g\n2 ATTRIB\n"
		   "2 DELETE_SELF\n2 IGNORED\n1 DELETE g\n");
	RETURNS(rump_sys_umount2("/h", 0), 0);
	EXPECT(in, "1 UNMOUNT|ISDIR\n1 IGNORED\n");
	host_rmtree(hdir);
}

Test(inotify, a_file_opened_before_any_watch_is_named)
{
	int in = inst(), fd, fd2;

	mkdir_ok("/d");
	mkdir_ok("/d/sub");
	mkfile("/d/sub/f", NULL);
	fd = rump_sys_open("/d/sub/f", O_WRONLY);
	fd2 = rump_sys_open("/d/sub/f", O_RDONLY);
	/* A watch elsewhere on the mount: the directory is not watched. */
	RETURNS(watch(in, "/d", IN_MODIFY | IN_CLOSE), 1);
	RETURNS(rump_sys_write(fd, "a", 1), 1);
	EXPECT(in, "");
	/* Now it is: the file's name is found there. */
	RETURNS(watch(in, "/d/sub", IN_MODIFY | IN_CLOSE), 2);
	RETURNS(rump_sys_write(fd, "a", 1), 1);
	RETURNS(rump_sys_close(fd), 0);
	RETURNS(rump_sys_close(fd2), 0);
	EXPECT(in, "2 MODIFY f\n2 CLOSE_WRITE f\n2 CLOSE_NOWRITE f\n");
}

Test(inotify, socket_names)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int in = inst(), s;

	mkdir_ok("/d");
	RETURNS(watch(in, "/d", IN_ALL_EVENTS), 1);
	s = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(s, 0);
	strcpy(a.sun_path, "/d/sock");
	RETURNS(rump_sys_bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	EXPECT(in, "1 CREATE sock\n");
	/* A bound socket's second bind makes the name, then takes it away. */
	strcpy(a.sun_path, "/d/sock2");
	FAILS(rump_sys_bind(s, (struct sockaddr *)&a, sizeof(a)), EINVAL);
	EXPECT(in, "1 CREATE sock2\n1 DELETE sock2\n");
	RETURNS(rump_sys_unlink("/d/sock"), 0);
	EXPECT(in, "1 DELETE sock\n");
}

/* Watches come and go, instances close, while another thread changes
 * the watched files and a third reads: nothing deadlocks or leaks. */
static _Atomic int stress_stop, stress_files_done;

static void *
stress_files(void *arg)
{
	char path[32];
	int fd;

	(void)arg;
	for (int i = 0; i < 3000; i++) {
		snprintf(path, sizeof(path), "/d/f%d", i % 4);
		fd = rump_sys_open(path, O_CREAT | O_WRONLY, 0644);
		if (fd >= 0) {
			rump_sys_write(fd, "a", 1);
			rump_sys_close(fd);
		}
		if (i % 3 == 0)
			rump_sys_rename(path, "/d/g");
		if (i % 5 == 0)
			rump_sys_unlink("/d/g");
	}
	stress_files_done = 1;
	return NULL;
}

static void *
stress_reader(void *arg)
{
	char buf[4096] __attribute__((aligned(8)));
	int in = *(int *)arg;

	while (!stress_stop)
		(void)rump_sys_read(in, buf, sizeof(buf));
	return NULL;
}

Test(inotify, watches_churn_under_concurrent_changes)
{
	pthread_t f, r;
	char path[32];
	int keep = inst(), in;

	mkdir_ok("/d");
	watch(keep, "/d", IN_ALL_EVENTS);
	cr_assert_eq(pthread_create(&f, NULL, stress_files, NULL), 0);
	cr_assert_eq(pthread_create(&r, NULL, stress_reader, &keep), 0);
	for (int i = 0; i < 300 || !stress_files_done; i++) {
		in = inst();
		rump_sys_inotify_add_watch(in, "/d", IN_ALL_EVENTS);
		snprintf(path, sizeof(path), "/d/f%d", i % 4);
		rump_sys_inotify_add_watch(in, path,
					   IN_ALL_EVENTS | IN_ONESHOT);
		rump_sys_inotify_add_watch(keep, path, IN_MODIFY);
		rump_sys_inotify_rm_watch(in, 1);
		RETURNS(rump_sys_close(in), 0);
	}
	stress_stop = 1;
	pthread_join(f, NULL);
	pthread_join(r, NULL);
	RETURNS(rump_sys_close(keep), 0);
}

Test(inotify, removed_open_directory_is_deleted_at_its_close)
{
	int in = inst(), fd;

	mkdir_ok("/d");
	mkdir_ok("/d/dd");
	RETURNS(watch(in, "/d", IN_ALL_EVENTS), 1);
	RETURNS(watch(in, "/d/dd", IN_ALL_EVENTS), 2);
	fd = rump_sys_open("/d/dd", O_RDONLY | O_DIRECTORY);
	EXPECT(in, "1 OPEN|ISDIR dd\n2 OPEN|ISDIR\n");
	RETURNS(rump_sys_rmdir("/d/dd"), 0);
	EXPECT(in, "1 DELETE|ISDIR dd\n");
	RETURNS(rump_sys_close(fd), 0);
	EXPECT(in, "1 CLOSE_NOWRITE|ISDIR dd\n2 CLOSE_NOWRITE|ISDIR\n"
		   "2 DELETE_SELF\n2 IGNORED\n");
}

Test(inotify, removed_cwd_is_deleted_when_left)
{
	int in = inst();

	mkdir_ok("/d");
	mkdir_ok("/d/dd");
	RETURNS(watch(in, "/d/dd", IN_ALL_EVENTS), 1);
	rfork_ok(RUMP_RFFDG);
	RETURNS(rump_sys_chdir("/d/dd"), 0);
	RETURNS(rump_sys_rmdir("/d/dd"), 0);
	EXPECT(in, "");
	RETURNS(rump_sys_chdir("/"), 0);
	EXPECT(in, "1 DELETE_SELF\n1 IGNORED\n");
	/* A process ending in one is the same. */
	mkdir_ok("/d/ee");
	RETURNS(watch(in, "/d/ee", IN_ALL_EVENTS), 2);
	RETURNS(rump_sys_chdir("/d/ee"), 0);
	RETURNS(rump_sys_rmdir("/d/ee"), 0);
	EXPECT(in, "");
	rump_pub_lwproc_releaselwp();
	EXPECT(in, "2 DELETE_SELF\n2 IGNORED\n");
}
