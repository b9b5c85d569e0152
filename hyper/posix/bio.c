/*
 * bio.c: asynchronous block I/O for the kernel's disk drivers.
 *
 * One host thread does all block I/O, fed through a ring of requests:
 * submission costs the kernel a lock and a signal, never the I/O
 * itself.  Submitters wait while the ring is full, which bounds the
 * memory held by requests in flight.  With RUMP_THREADS=0 (no kernel
 * threads wanted) or no thread to be had, I/O is done in the caller.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rumpuser_int.h"

#define RING_SIZE 128

struct bio_req {
	int fd;
	int op;
	void *data;
	size_t dlen;
	int64_t off;
	rump_biodone_fn biodone;
	void *donearg;
};

static struct {
	pthread_mutex_t mtx;
	pthread_cond_t nonempty, nonfull;
	/* Free-running counters: head is next out, tail next in. */
	unsigned int head, tail;
	struct bio_req ring[RING_SIZE];
} q = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.nonempty = PTHREAD_COND_INITIALIZER,
	.nonfull = PTHREAD_COND_INITIALIZER,
};

static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static int synchronous; /* decided once, before any request */

/* The whole transfer, short only at end of file; bytes or 0. */
static size_t
transfer(const struct bio_req *r, int *errorp)
{
	char *p = r->data;
	size_t done = 0;
	ssize_t n;

	while (done < r->dlen) {
		if (r->op & RUMPUSER_BIO_WRITE)
			n = pwrite(r->fd, p + done, r->dlen - done,
				   r->off + (off_t)done);
		else
			n = pread(r->fd, p + done, r->dlen - done,
				  r->off + (off_t)done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*errorp = errno;
			return 0;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return done;
}

static void
perform(const struct bio_req *r, size_t *donep, int *errorp)
{
	int dir = r->op & (RUMPUSER_BIO_READ | RUMPUSER_BIO_WRITE);
	const int known =
		RUMPUSER_BIO_READ | RUMPUSER_BIO_WRITE | RUMPUSER_BIO_SYNC;

	*errorp = 0;
	*donep = 0;
	if ((r->op & ~known) != 0 || dir == 0 ||
	    dir == (RUMPUSER_BIO_READ | RUMPUSER_BIO_WRITE) || r->off < 0) {
		*errorp = EINVAL;
		return;
	}
	*donep = transfer(r, errorp);
	if (*errorp == 0 && (r->op & RUMPUSER_BIO_WRITE) &&
	    (r->op & RUMPUSER_BIO_SYNC) && fdatasync(r->fd) == -1) {
		*errorp = errno;
		*donep = 0;
	}
}

static struct bio_req
dequeue(void)
{
	struct bio_req r;

	pthread_mutex_lock(&q.mtx);
	while (q.head == q.tail)
		pthread_cond_wait(&q.nonempty, &q.mtx);
	r = q.ring[q.head++ % RING_SIZE];
	pthread_cond_signal(&q.nonfull);
	pthread_mutex_unlock(&q.mtx);
	return r;
}

/*
 * The completion enters the kernel, which wants a context for it: the
 * thread gets an lwp of its own in the kernel's process once, and the
 * CPU around each callback.
 */
static void *
io_thread(void *arg)
{
	const struct rumpuser_hyperup *h = &rumpuser__hyp;
	struct bio_req r;
	size_t done;
	int error, dummy;

	(void)arg;
	if (h->hyp_schedule != NULL && h->hyp_lwproc_newlwp != NULL &&
	    h->hyp_unschedule != NULL) {
		h->hyp_schedule();
		h->hyp_lwproc_newlwp(0); /* else: the implicit context */
		h->hyp_unschedule();
	}
	for (;;) {
		r = dequeue();
		perform(&r, &done, &error);
		rumpuser__schedule(0, NULL);
		r.biodone(r.donearg, done, error);
		rumpuser__unschedule(&dummy, NULL);
	}
	return NULL;
}

/* Host signals are for the application's threads, not this one. */
static int
spawn(void)
{
	sigset_t all, old;
	pthread_t t;
	int error;

	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	error = pthread_create(&t, NULL, io_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (error != 0)
		return error;
	pthread_setname_np(t, "rumpuser_bio");
	pthread_detach(t);
	return 0;
}

static void
start(void)
{
	const char *threads = getenv("RUMP_THREADS");

	if ((threads != NULL && strcmp(threads, "0") == 0) || spawn() != 0)
		synchronous = 1;
}

static void
enqueue(const struct bio_req *r)
{
	int nlocks;

	pthread_mutex_lock(&q.mtx);
	if (q.tail - q.head == RING_SIZE) {
		/* Blocking: give the CPU back for as long as we wait. */
		pthread_mutex_unlock(&q.mtx);
		rumpuser__unschedule(&nlocks, NULL);
		pthread_mutex_lock(&q.mtx);
		while (q.tail - q.head == RING_SIZE)
			pthread_cond_wait(&q.nonfull, &q.mtx);
		q.ring[q.tail++ % RING_SIZE] = *r;
		pthread_cond_signal(&q.nonempty);
		pthread_mutex_unlock(&q.mtx);
		rumpuser__schedule(nlocks, NULL);
		return;
	}
	q.ring[q.tail++ % RING_SIZE] = *r;
	pthread_cond_signal(&q.nonempty);
	pthread_mutex_unlock(&q.mtx);
}

RUMPUSER_API void
rumpuser_bio(int fd, int op, void *data, size_t dlen, int64_t off,
	     rump_biodone_fn biodone, void *donearg)
{
	struct bio_req r = { fd, op, data, dlen, off, biodone, donearg };
	size_t done;
	int error;

	pthread_once(&start_once, start);
	if (synchronous) {
		/* Already in the kernel: call back as we stand. */
		perform(&r, &done, &error);
		biodone(donearg, done, error);
		return;
	}
	enqueue(&r);
}
