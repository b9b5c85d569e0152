/*
 * hyper_init.c: rumpuser_init, the handshake.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

#include <rump/rumpuser.h>

static int unsched_a, unsched_b;

static void
unsched_count_a(int nlocks, int *countp, void *interlock)
{
	(void)nlocks, (void)interlock;
	unsched_a++;
	*countp = 0;
}

static void
unsched_count_b(int nlocks, int *countp, void *interlock)
{
	(void)nlocks, (void)interlock;
	unsched_b++;
	*countp = 0;
}

static void *
nothing(void *arg)
{
	return arg;
}

/* thread_join always unschedules: a way to see which table is in use. */
static void
join_one(void)
{
	void *cookie;

	cr_assert_eq(
		rumpuser_thread_create(nothing, NULL, "t", 1, 0, -1, &cookie),
		0);
	cr_assert_eq(rumpuser_thread_join(cookie), 0);
}

TestSuite(hyper_init, .timeout = 10);

Test(hyper_init, accepts_our_version)
{
	struct rumpuser_hyperup hyp;

	memset(&hyp, 0, sizeof(hyp));
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &hyp), 0);
}

Test(hyper_init, version_mismatch_is_einval)
{
	struct rumpuser_hyperup hyp;

	memset(&hyp, 0, sizeof(hyp));
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION - 1, &hyp), EINVAL);
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION + 1, &hyp), EINVAL);
	cr_assert_eq(rumpuser_init(0, &hyp), EINVAL);
	cr_assert_eq(rumpuser_init(-1, &hyp), EINVAL);
	/* Refusal leaves nothing behind: a good call still works. */
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &hyp), 0);
}

Test(hyper_init, null_table_is_einval)
{
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, NULL), EINVAL);
}

Test(hyper_init, again_is_harmless)
{
	struct rumpuser_hyperup hyp;

	memset(&hyp, 0, sizeof(hyp));
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &hyp), 0);
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &hyp), 0);
}

Test(hyper_init, copies_the_table)
{
	struct rumpuser_hyperup hyp;

	memset(&hyp, 0, sizeof(hyp));
	hyp.hyp_backend_unschedule = unsched_count_a;
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &hyp), 0);
	/* Changing the kernel's table afterwards changes nothing. */
	hyp.hyp_backend_unschedule = unsched_count_b;
	join_one();
	cr_assert_eq(unsched_a, 1);
	cr_assert_eq(unsched_b, 0);
	/* A later init replaces it. */
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &hyp), 0);
	join_one();
	cr_assert_eq(unsched_a, 1);
	cr_assert_eq(unsched_b, 1);
}

Test(hyper_init, table_layout)
{
	/* Thirteen NetBSD upcalls, ours, then seven reserved slots. */
	cr_assert_eq(sizeof(struct rumpuser_hyperup), 21 * sizeof(void *));
	cr_assert_eq(offsetof(struct rumpuser_hyperup, hyp_hostthread_exit),
		     13 * sizeof(void *));
}

/* Binding an lwp needs init's thread-exit key: before it, a loud stop. */
Test(hyper_init, curlwp_before_init_aborts, .signal = SIGABRT)
{
	rumpuser_curlwpop(RUMPUSER_LWP_SET, (struct lwp *)0x1000);
}
