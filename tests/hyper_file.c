/*
 * hyper_file.c: host files: open/close, file info, vectored I/O, sync,
 * and asynchronous block I/O.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rump/rumpuser.h>

static char dir[] = "/tmp/hyper_file.XXXXXX";
static char path[64];
static int nunsched, nsched;
/* Unschedules by one thread in particular, when set. */
static pthread_t watched;
static int watching, nunsched_watched;

static void
on_unsched(int nlocks, int *countp, void *interlock)
{
	(void)nlocks, (void)interlock;
	__atomic_add_fetch(&nunsched, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&watching, __ATOMIC_SEQ_CST) &&
	    pthread_equal(pthread_self(), watched))
		__atomic_add_fetch(&nunsched_watched, 1, __ATOMIC_SEQ_CST);
	*countp = 0;
}

static void
on_sched(int nlocks, void *interlock)
{
	(void)nlocks, (void)interlock;
	__atomic_add_fetch(&nsched, 1, __ATOMIC_SEQ_CST);
}

/* Unschedules not yet matched by a schedule. */
static int
load_count(void)
{
	return __atomic_load_n(&nunsched, __ATOMIC_SEQ_CST) -
	       __atomic_load_n(&nsched, __ATOMIC_SEQ_CST);
}

/* Whether every unschedule is matched within a second. */
static bool
settled_load_count(void)
{
	for (int i = 0; i < 1000; i++) {
		if (load_count() == 0)
			return true;
		usleep(1000);
	}
	return false;
}

static void
boot(void)
{
	struct rumpuser_hyperup hyp;

	memset(&hyp, 0, sizeof(hyp));
	hyp.hyp_backend_unschedule = on_unsched;
	hyp.hyp_backend_schedule = on_sched;
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &hyp), 0);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
}

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

static int
open_new(void)
{
	int fd = -1;

	cr_assert_eq(rumpuser_open(path,
				   RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE,
				   &fd),
		     0);
	cr_assert_geq(fd, 0);
	return fd;
}

TestSuite(hyper_file, .init = boot, .fini = cleanup, .timeout = 10);

Test(hyper_file, open_modes)
{
	struct stat st;
	mode_t um = umask(022);
	int fd;

	fd = open_new();
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644);
	/* Not inherited across exec. */
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	cr_assert_eq(rumpuser_close(fd), 0);
	cr_assert_eq(rumpuser_open(path, RUMPUSER_OPEN_RDONLY, &fd), 0);
	cr_assert_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	cr_assert_eq(rumpuser_close(fd), 0);
	cr_assert_eq(rumpuser_open(path,
				   RUMPUSER_OPEN_WRONLY | RUMPUSER_OPEN_BIO,
				   &fd),
		     0);
	cr_assert_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	cr_assert_eq(rumpuser_close(fd), 0);
	umask(um);
	cr_assert_eq(load_count(), 0);
}

Test(hyper_file, open_errors)
{
	int fd = -7;

	cr_assert_eq(rumpuser_open(path, RUMPUSER_OPEN_ACCMODE, &fd), EINVAL);
	cr_assert_eq(rumpuser_open(path, RUMPUSER_OPEN_RDWR | 0x20, &fd),
		     EINVAL);
	cr_assert_eq(rumpuser_open(path, 0x1000, &fd), EINVAL);
	cr_assert_eq(rumpuser_open(path, RUMPUSER_OPEN_RDONLY, &fd), ENOENT);
	cr_assert_eq(rumpuser_open("/nonexistent/dir/f",
				   RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE,
				   &fd),
		     ENOENT);
	cr_assert_eq(fd, -7); /* untouched on failure */
	rumpuser_close(open_new());
	cr_assert_eq(rumpuser_open(path,
				   RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE |
					   RUMPUSER_OPEN_EXCL,
				   &fd),
		     EEXIST);
	cr_assert_eq(rumpuser_open(dir, RUMPUSER_OPEN_RDWR, &fd), EISDIR);
}

Test(hyper_file, close_always_succeeds)
{
	cr_assert_eq(rumpuser_close(-1), 0);
	cr_assert_eq(rumpuser_close(open_new()), 0);
}

Test(hyper_file, fileinfo)
{
	uint64_t size = 1;
	int fd = open_new(), type = -1;

	cr_assert_eq(write(fd, "hello", 5), 5);
	cr_assert_eq(rumpuser_getfileinfo(path, &size, &type), 0);
	cr_assert_eq(size, 5);
	cr_assert_eq(type, RUMPUSER_FT_REG);
	cr_assert_eq(rumpuser_getfileinfo(path, NULL, &type), 0);
	cr_assert_eq(rumpuser_getfileinfo(path, &size, NULL), 0);
	cr_assert_eq(rumpuser_getfileinfo(dir, NULL, &type), 0);
	cr_assert_eq(type, RUMPUSER_FT_DIR);
	cr_assert_eq(rumpuser_getfileinfo("/nonexistent", &size, &type),
		     ENOENT);
	rumpuser_close(fd);
}

Test(hyper_file, fileinfo_devices)
{
	uint64_t size = 0;
	int type = -1;

	/* /dev/null is a device without a size. */
	cr_assert_eq(rumpuser_getfileinfo("/dev/null", NULL, &type), 0);
	cr_assert_eq(type, RUMPUSER_FT_CHR);
	cr_assert_eq(rumpuser_getfileinfo("/dev/null", &size, &type),
		     EOPNOTSUPP);
}

Test(hyper_file, fileinfo_other)
{
	char fifo[80];
	int type = -1;

	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_eq(rumpuser_getfileinfo(fifo, NULL, &type), 0);
	cr_assert_eq(type, RUMPUSER_FT_OTHER);
	unlink(fifo);
}

Test(hyper_file, iov_positioned)
{
	char a[] = "hello, ", b[] = "world", r1[4], r2[20];
	struct rumpuser_iovec wv[] = { { a, 7 }, { b, 5 } };
	struct rumpuser_iovec rv[] = { { r1, 4 }, { r2, sizeof(r2) } };
	size_t n = 0;
	int fd = open_new();

	cr_assert_eq(rumpuser_iovwrite(fd, wv, 2, 100, &n), 0);
	cr_assert_eq(n, 12);
	memset(r2, 0, sizeof(r2));
	cr_assert_eq(rumpuser_iovread(fd, rv, 2, 100, &n), 0);
	cr_assert_eq(n, 12);
	cr_assert_arr_eq(r1, "hell", 4);
	cr_assert_str_eq(r2, "o, world");
	/* The hole before it reads as zeros; past the end reads nothing. */
	cr_assert_eq(rumpuser_iovread(fd, rv, 1, 0, &n), 0);
	cr_assert_eq(n, 4);
	cr_assert_arr_eq(r1, "\0\0\0\0", 4);
	cr_assert_eq(rumpuser_iovread(fd, rv, 2, 5000, &n), 0);
	cr_assert_eq(n, 0);
	rumpuser_close(fd);
}

/* One segment takes the plain pread/pwrite: the same results, and the
 * file offset stays where it was. */
Test(hyper_file, iov_one_segment_positioned)
{
	char w[] = "segment", r[16] = "";
	struct rumpuser_iovec v = { w, 7 };
	size_t n = 0;
	int fd = open_new();

	cr_assert_eq(rumpuser_iovwrite(fd, &v, 1, 4096, &n), 0);
	cr_assert_eq(n, 7);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), 0);
	v.iov_base = r;
	v.iov_len = sizeof(r);
	cr_assert_eq(rumpuser_iovread(fd, &v, 1, 4093, &n), 0);
	cr_assert_eq(n, 10);
	cr_assert_arr_eq(r, "\0\0\0segment", 10);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), 0);
	/* A zero-length segment moves nothing. */
	v.iov_len = 0;
	cr_assert_eq(rumpuser_iovread(fd, &v, 1, 0, &n), 0);
	cr_assert_eq(n, 0);
	rumpuser_close(fd);
}

Test(hyper_file, iov_noseek)
{
	char a[] = "abc", b[] = "def", r[8] = "";
	struct rumpuser_iovec v = { a, 3 };
	size_t n;
	int fd = open_new();

	cr_assert_eq(rumpuser_iovwrite(fd, &v, 1, RUMPUSER_IOV_NOSEEK, &n), 0);
	v.iov_base = b;
	cr_assert_eq(rumpuser_iovwrite(fd, &v, 1, RUMPUSER_IOV_NOSEEK, &n), 0);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), 6);
	cr_assert_eq(lseek(fd, 2, SEEK_SET), 2);
	v.iov_base = r;
	v.iov_len = sizeof(r);
	cr_assert_eq(rumpuser_iovread(fd, &v, 1, RUMPUSER_IOV_NOSEEK, &n), 0);
	cr_assert_eq(n, 4);
	cr_assert_arr_eq(r, "cdef", 4);
	rumpuser_close(fd);
}

Test(hyper_file, iov_errors)
{
	char buf[4];
	struct rumpuser_iovec v = { buf, 4 };
	size_t n = 99;
	int fd = open_new();

	cr_assert_eq(rumpuser_iovread(-1, &v, 1, 0, &n), EBADF);
	cr_assert_eq(rumpuser_iovwrite(-1, &v, 1, RUMPUSER_IOV_NOSEEK, &n),
		     EBADF);
	cr_assert_eq(rumpuser_iovread(fd, &v, 1, -2, &n), EINVAL);
	cr_assert_eq(rumpuser_iovwrite(fd, &v, (size_t)1 << 40, 0, &n), EINVAL);
	cr_assert_eq(n, 99);
	rumpuser_close(fd);
	cr_assert_eq(rumpuser_open(path, RUMPUSER_OPEN_RDONLY, &fd), 0);
	cr_assert_eq(rumpuser_iovwrite(fd, &v, 1, 0, &n), EBADF);
	rumpuser_close(fd);
}

Test(hyper_file, syncfd)
{
	int fd = open_new();

	cr_assert_eq(rumpuser_syncfd(fd, 0, 0, 0), EINVAL);
	cr_assert_eq(rumpuser_syncfd(fd, RUMPUSER_SYNCFD_BARRIER, 0, 0),
		     EINVAL);
	cr_assert_eq(rumpuser_syncfd(fd, RUMPUSER_SYNCFD_WRITE | 0x100, 0, 0),
		     EINVAL);
	cr_assert_eq(rumpuser_syncfd(fd, RUMPUSER_SYNCFD_READ, 0, 0), 0);
	cr_assert_eq(rumpuser_syncfd(fd, RUMPUSER_SYNCFD_WRITE, 0, 100), 0);
	cr_assert_eq(rumpuser_syncfd(fd,
				     RUMPUSER_SYNCFD_BOTH |
					     RUMPUSER_SYNCFD_BARRIER |
					     RUMPUSER_SYNCFD_SYNC,
				     0, 0),
		     0);
	cr_assert_eq(rumpuser_syncfd(-1, RUMPUSER_SYNCFD_WRITE, 0, 0), EBADF);
	cr_assert_eq(rumpuser_syncfd(-1, RUMPUSER_SYNCFD_READ, 0, 0), EBADF);
	rumpuser_close(fd);
}

/* ---- block I/O --------------------------------------------------------- */

struct done {
	pthread_mutex_t mtx;
	pthread_cond_t cv;
	int calls;
	size_t bytes;
	int error;
};

static void
done_init(struct done *d)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->mtx, NULL);
	pthread_cond_init(&d->cv, NULL);
}

static void
biodone(void *arg, size_t bytes, int error)
{
	struct done *d = arg;

	pthread_mutex_lock(&d->mtx);
	d->calls++;
	d->bytes += bytes;
	if (error != 0)
		d->error = error;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mtx);
}

static void
done_wait(struct done *d, int calls)
{
	pthread_mutex_lock(&d->mtx);
	while (d->calls < calls)
		pthread_cond_wait(&d->cv, &d->mtx);
	pthread_mutex_unlock(&d->mtx);
}

Test(hyper_file, bio_write_read)
{
	static char out[4096], in[4096];
	struct done d;
	int fd, i;

	cr_assert_eq(rumpuser_open(path,
				   RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE |
					   RUMPUSER_OPEN_BIO,
				   &fd),
		     0);
	for (i = 0; i < 4096; i++)
		out[i] = (char)(i * 13);
	done_init(&d);
	rumpuser_bio(fd, RUMPUSER_BIO_WRITE, out, 4096, 8192, biodone, &d);
	done_wait(&d, 1);
	cr_assert_eq(d.bytes, 4096);
	cr_assert_eq(d.error, 0);
	rumpuser_bio(fd, RUMPUSER_BIO_WRITE | RUMPUSER_BIO_SYNC, out, 512, 0,
		     biodone, &d);
	done_wait(&d, 2);
	cr_assert_eq(d.bytes, 4096 + 512);
	cr_assert_eq(d.error, 0);
	rumpuser_bio(fd, RUMPUSER_BIO_READ, in, 4096, 8192, biodone, &d);
	done_wait(&d, 3);
	cr_assert_eq(d.bytes, 2 * 4096 + 512);
	cr_assert_eq(d.error, 0);
	cr_assert_arr_eq(in, out, 4096);
	/* A read that runs past the end of the file is short. */
	rumpuser_bio(fd, RUMPUSER_BIO_READ, in, 4096, 8192 + 3584, biodone, &d);
	done_wait(&d, 4);
	cr_assert_eq(d.bytes, 2 * 4096 + 512 + 512);
	rumpuser_close(fd);
	/* Each completion ran with the CPU, and gave it back: the I/O thread
	 * gives it back just after the callback, so allow it a moment. */
	cr_assert(settled_load_count());
}

Test(hyper_file, bio_errors)
{
	char buf[512];
	struct done d;
	int fd;

	done_init(&d);
	rumpuser_bio(-1, RUMPUSER_BIO_READ, buf, 512, 0, biodone, &d);
	done_wait(&d, 1);
	cr_assert_eq(d.error, EBADF);
	cr_assert_eq(d.bytes, 0);
	d.error = 0;
	rumpuser_bio(-1, RUMPUSER_BIO_READ | RUMPUSER_BIO_WRITE, buf, 512, 0,
		     biodone, &d);
	done_wait(&d, 2);
	cr_assert_eq(d.error, EINVAL);
	d.error = 0;
	cr_assert_eq(rumpuser_open(path,
				   RUMPUSER_OPEN_RDONLY | RUMPUSER_OPEN_CREATE,
				   &fd),
		     0);
	rumpuser_bio(fd, RUMPUSER_BIO_WRITE, buf, 512, 0, biodone, &d);
	done_wait(&d, 3);
	cr_assert_eq(d.error, EBADF);
	cr_assert_eq(d.bytes, 0);
	rumpuser_close(fd);
}

/* More requests than the ring holds, from several threads at once. */
#define NREQ 600

static int bio_fd;
static struct done bio_many;

static void *
submit_many(void *arg)
{
	static char buf[512];
	int i;

	(void)arg;
	for (i = 0; i < NREQ; i++)
		rumpuser_bio(
			bio_fd, i % 2 ? RUMPUSER_BIO_READ : RUMPUSER_BIO_WRITE,
			buf, 512, (int64_t)(i % 64) * 512, biodone, &bio_many);
	return NULL;
}

Test(hyper_file, bio_many)
{
	pthread_t t[3];
	int i;

	bio_fd = open_new();
	cr_assert_eq(ftruncate(bio_fd, 64 * 512), 0); /* no short reads */
	done_init(&bio_many);
	for (i = 0; i < 3; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, submit_many, NULL), 0);
	for (i = 0; i < 3; i++)
		cr_assert_eq(pthread_join(t[i], NULL), 0);
	done_wait(&bio_many, 3 * NREQ);
	cr_assert_eq(bio_many.calls, 3 * NREQ);
	cr_assert_eq(bio_many.error, 0);
	cr_assert_eq(bio_many.bytes, (size_t)3 * NREQ * 512);
	rumpuser_close(bio_fd);
	cr_assert(settled_load_count());
}

/*
 * A full ring blocks the submitter (and unschedules it) until the I/O
 * thread takes requests out again.  The first completion holds the I/O
 * thread up until the ring is full and one more submitter waits.
 */
static sem_t gate;
static int gate_fd;
static struct done gated;

static void
gated_done(void *arg, size_t bytes, int error)
{
	static int first = 1;

	if (first) {
		first = 0;
		sem_wait(&gate);
	}
	biodone(arg, bytes, error);
}

static void *
submit_past_full(void *arg)
{
	static char buf[512];
	int i;

	(void)arg;
	watched = pthread_self();
	__atomic_store_n(&watching, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < 1 + 128 + 1; i++)
		rumpuser_bio(gate_fd, RUMPUSER_BIO_WRITE, buf, 512, 0,
			     gated_done, &gated);
	return NULL;
}

Test(hyper_file, bio_full_ring_blocks)
{
	pthread_t t;
	struct timespec ms = { 0, 1000000 };

	gate_fd = open_new();
	done_init(&gated);
	sem_init(&gate, 0, 0);
	cr_assert_eq(pthread_create(&t, NULL, submit_past_full, NULL), 0);
	while (__atomic_load_n(&nunsched_watched, __ATOMIC_SEQ_CST) == 0)
		nanosleep(&ms, NULL);
	cr_assert_eq(gated.calls, 0);
	sem_post(&gate);
	cr_assert_eq(pthread_join(t, NULL), 0);
	done_wait(&gated, 130);
	cr_assert_eq(gated.bytes, 130 * 512);
	/* Once, or twice if the I/O thread was slow to take the first. */
	cr_assert_geq(nunsched_watched, 1);
	cr_assert_leq(nunsched_watched, 2);
	rumpuser_close(gate_fd);
}

/* The I/O thread calls back into the kernel as an lwp of pid 0. */
static int newlwp_pid = -1, nschedule;
static struct lwp *done_lwp;

static void
full_schedule(void)
{
	nschedule++;
}

static int
newlwp(int pid)
{
	newlwp_pid = pid;
	rumpuser_curlwpop(RUMPUSER_LWP_SET, (struct lwp *)0x5000);
	return 0;
}

static void
record_lwp(void *arg, size_t bytes, int error)
{
	done_lwp = rumpuser_curlwp();
	biodone(arg, bytes, error);
}

Test(hyper_file, bio_thread_gets_an_lwp)
{
	struct rumpuser_hyperup hyp;
	char buf[512];
	struct done d;
	int fd = open_new();

	memset(&hyp, 0, sizeof(hyp));
	hyp.hyp_schedule = full_schedule;
	hyp.hyp_unschedule = full_schedule;
	hyp.hyp_lwproc_newlwp = newlwp;
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &hyp), 0);
	done_init(&d);
	rumpuser_bio(fd, RUMPUSER_BIO_READ, buf, 512, 0, record_lwp, &d);
	done_wait(&d, 1);
	cr_assert_eq(newlwp_pid, 0);
	cr_assert_eq(nschedule, 2);
	cr_assert_eq(done_lwp, (struct lwp *)0x5000);
	rumpuser_close(fd);
}

Test(hyper_file, bio_synchronous_without_threads)
{
	char buf[512] = "sync";
	struct done d;
	int fd = open_new();

	setenv("RUMP_THREADS", "0", 1);
	done_init(&d);
	rumpuser_bio(fd, RUMPUSER_BIO_WRITE, buf, 512, 0, biodone, &d);
	/* Done before returning, in this thread. */
	cr_assert_eq(d.calls, 1);
	cr_assert_eq(d.bytes, 512);
	rumpuser_close(fd);
}
