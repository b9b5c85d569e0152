/*
 * kern_dirtab.c: a tmpfs directory's entry table (vfs/tmpfs/dirtab.h) on
 * its own: finding, adding and removing names short and long, places
 * that never move and are reused, the index growing and shrinking, the
 * memory given back when the table empties, and a randomized run
 * against a plain array.  Nodes are stand-in pointers: the table never
 * looks inside them.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rump/rump.h>

#include "../vfs/tmpfs/dirtab.h"

static struct dirtab dt;
static char nodes[8];
#define NODE(i) ((struct tmpfs_node *)(void *)&nodes[(i)&7])

static void
setup(void)
{
	cr_assert_eq(rump_init(), 0);
	dirtab_init(&dt);
}

static void
teardown(void)
{
	dirtab_fini(&dt);
}

TestSuite(kern_dirtab, .init = setup, .fini = teardown);

static int
add(const char *name, int node)
{
	size_t len = strlen(name);

	return dirtab_add(&dt, name, len, dirtab_hash(name, len), NODE(node));
}

static struct tmpfs_dirent *
find(const char *name)
{
	size_t len = strlen(name);

	return dirtab_find(&dt, name, len, dirtab_hash(name, len));
}

static void
remove_name(const char *name)
{
	struct tmpfs_dirent *de = find(name);

	cr_assert_not_null(de, "%s is not in the table", name);
	dirtab_remove(&dt, de);
}

Test(kern_dirtab, empty_table_finds_nothing_and_holds_no_memory)
{
	uint64_t pos = 0;

	cr_assert_null(find("a"));
	cr_assert_null(dirtab_next(&dt, &pos));
	cr_assert_eq(pos, 0);
	cr_assert_null(dt.dt_chunk);
	cr_assert_null(dt.dt_slot);
}

Test(kern_dirtab, add_find_remove)
{
	struct tmpfs_dirent *de;

	cr_assert_eq(add("alpha", 1), 0);
	cr_assert_eq(add("beta", 2), 0);
	cr_assert_eq(dt.dt_count, 2);
	de = find("alpha");
	cr_assert_not_null(de);
	cr_assert_eq(de->td_node, NODE(1));
	cr_assert_eq(de->td_len, 5);
	cr_assert_eq(memcmp(dirtab_name(de), "alpha", 5), 0);
	cr_assert_eq(find("beta")->td_node, NODE(2));
	cr_assert_null(find("alph"));
	cr_assert_null(find("alphaa"));
	cr_assert_null(find("gamma"));
	remove_name("alpha");
	cr_assert_null(find("alpha"));
	cr_assert_eq(find("beta")->td_node, NODE(2));
	cr_assert_eq(dt.dt_count, 1);
}

Test(kern_dirtab, a_matching_hash_is_not_enough)
{
	/* The same hash with another name: the name decides. */
	cr_assert_eq(add("abc", 1), 0);
	cr_assert_null(dirtab_find(&dt, "abd", 3, dirtab_hash("abc", 3)));
	cr_assert_null(dirtab_find(&dt, "ab", 2, dirtab_hash("abc", 3)));
	cr_assert_not_null(dirtab_find(&dt, "abc", 3, dirtab_hash("abc", 3)));
}

Test(kern_dirtab, long_and_short_names)
{
	char n40[41], n41[42], n255[256];

	memset(n40, 'a', 40);
	n40[40] = '\0';
	memset(n41, 'a', 41);
	n41[41] = '\0';
	memset(n255, 'z', 255);
	n255[255] = '\0';
	cr_assert_eq(add(n40, 1), 0);
	cr_assert_eq(add(n41, 2), 0);
	cr_assert_eq(add(n255, 3), 0);
	cr_assert_eq(add("", 4),
		     0); /* the table allows it; tmpfs never adds it */
	cr_assert_eq(find(n40)->td_node, NODE(1));
	cr_assert_eq(find(n41)->td_node, NODE(2));
	cr_assert_eq(find(n255)->td_node, NODE(3));
	cr_assert_eq(memcmp(dirtab_name(find(n255)), n255, 255), 0);
	cr_assert_eq(find("")->td_node, NODE(4));
	remove_name(n41);
	remove_name(n255);
	cr_assert_null(find(n41));
	cr_assert_eq(find(n40)->td_node, NODE(1));
	/* fini frees the long names still in the table (ASan checks). */
	cr_assert_eq(add(n255, 5), 0);
}

Test(kern_dirtab, entries_never_move)
{
	struct tmpfs_dirent *first;
	char name[32];

	cr_assert_eq(add("first", 1), 0);
	first = find("first");
	for (int i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		cr_assert_eq(add(name, i), 0);
	}
	cr_assert_eq(find("first"), first);
	cr_assert_eq(first->td_place, 0);
	cr_assert_eq(memcmp(dirtab_name(first), "first", 5), 0);
}

Test(kern_dirtab, places_are_positions_and_are_reused)
{
	struct tmpfs_dirent *de;
	uint64_t pos = 0;

	cr_assert_eq(add("a", 1), 0);
	cr_assert_eq(add("b", 2), 0);
	cr_assert_eq(add("c", 3), 0);
	cr_assert_eq(find("a")->td_place, 0);
	cr_assert_eq(find("c")->td_place, 2);
	remove_name("b");
	/* next skips the hole. */
	de = dirtab_next(&dt, &pos);
	cr_assert_eq(de->td_node, NODE(1));
	cr_assert_eq(pos, 0);
	pos = 1;
	de = dirtab_next(&dt, &pos);
	cr_assert_eq(de->td_node, NODE(3));
	cr_assert_eq(pos, 2);
	pos = 3;
	cr_assert_null(dirtab_next(&dt, &pos));
	cr_assert_eq(pos, 3);
	pos = 1000; /* past the end stays past the end */
	cr_assert_null(dirtab_next(&dt, &pos));
	cr_assert_eq(pos, 1000);
	/* The hole is the next place handed out. */
	cr_assert_eq(add("d", 4), 0);
	cr_assert_eq(find("d")->td_place, 1);
	cr_assert_eq(add("e", 5), 0);
	cr_assert_eq(find("e")->td_place, 3);
}

Test(kern_dirtab, emptied_table_gives_its_memory_back)
{
	char name[32];

	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "x%d", i);
		cr_assert_eq(add(name, i), 0);
	}
	cr_assert_gt(dt.dt_mask + 1, 2000);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "x%d", i);
		remove_name(name);
		/* The index shrinks as the table empties, never too full
		 * and never more than 32 slots an entry once past 64. */
		if (dt.dt_count > 0) {
			cr_assert_leq(dt.dt_count * 2, dt.dt_mask + 1);
			cr_assert(dt.dt_mask + 1 <= 64 ||
					  dt.dt_mask + 1 <= 32 * dt.dt_count,
				  "%u slots for %u entries", dt.dt_mask + 1,
				  dt.dt_count);
		}
	}
	cr_assert_eq(dt.dt_count, 0);
	cr_assert_null(dt.dt_chunk);
	cr_assert_null(dt.dt_slot);
	cr_assert_eq(dt.dt_end, 0);
	/* And it works again from scratch. */
	cr_assert_eq(add("again", 9), 0);
	cr_assert_eq(find("again")->td_place, 0);
}

Test(kern_dirtab, names_differing_in_the_last_byte)
{
	/* All 255 one-byte endings of one prefix: neighbours in the index. */
	char name[4] = "pq";

	for (int c = 1; c < 256; c++) {
		name[2] = (char)c;
		cr_assert_eq(add(name, c), 0);
	}
	for (int c = 1; c < 256; c += 2) {
		name[2] = (char)c;
		remove_name(name);
	}
	for (int c = 1; c < 256; c++) {
		name[2] = (char)c;
		if (c % 2)
			cr_assert_null(find(name));
		else
			cr_assert_eq(find(name)->td_node, NODE(c));
	}
}

/* A randomized run against a plain array: find, next and count agree
 * after every step, across growth, shrinking and reuse. */
Test(kern_dirtab, randomized_against_an_array)
{
	enum { N = 3000, STEPS = 60000 };
	static bool in[N];
	static struct tmpfs_dirent *at[N];
	char name[64];
	unsigned seed = 12345;
	unsigned live = 0;

	for (int step = 0; step < STEPS; step++) {
		int i = rand_r(&seed) % N;
		/* Every 7th name is long, so both kinds move around. */
		if (i % 7 == 0)
			snprintf(name, sizeof(name),
				 "a-long-name-of-more-than-forty-bytes-%d", i);
		else
			snprintf(name, sizeof(name), "s%d", i);
		if (in[i]) {
			cr_assert_eq(find(name), at[i]);
			dirtab_remove(&dt, at[i]);
			in[i] = false;
			live--;
		} else {
			cr_assert_null(find(name));
			cr_assert_eq(add(name, i), 0);
			at[i] = find(name);
			cr_assert_not_null(at[i]);
			in[i] = true;
			live++;
		}
		cr_assert_eq(dt.dt_count, live);
		if (step % 5000 == 0) {
			uint64_t pos = 0;
			unsigned seen = 0;
			struct tmpfs_dirent *de;

			while ((de = dirtab_next(&dt, &pos)) != NULL) {
				cr_assert_eq(de->td_place, pos);
				seen++;
				pos++;
			}
			cr_assert_eq(seen, live);
			for (int j = 0; j < N; j++)
				if (in[j])
					cr_assert_eq(at[j]->td_place <
							     dt.dt_end,
						     true);
		}
	}
}

/* ---- the lookup hint (dt_hint) ------------------------------------- */

static uint32_t
hint(void)
{
	return __atomic_load_n(&dt.dt_hint, __ATOMIC_RELAXED);
}

Test(kern_dirtab, names_found_in_order_arm_the_hint)
{
	char name[16];

	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		cr_assert_eq(add(name, i), 0);
	}
	/* A sequence starts only at a multiple of DIRTAB_HINT_START. */
	cr_assert_eq(find("f10")->td_place, 10);
	cr_assert_eq(hint(), 0);
	cr_assert_eq(find("f16")->td_place, 16);
	/* One lookup says where the next may be, but not yet that names
	 * come in order. */
	cr_assert_eq(hint(), 17);
	cr_assert_eq(find("f17")->td_place, 17);
	cr_assert_eq(hint(), 18 | DIRTAB_HINT_SEQ);
	for (int i = 18; i < 100; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		cr_assert_eq(find(name)->td_node, NODE(i));
		cr_assert_eq(hint(), (uint32_t)(i + 1) | DIRTAB_HINT_SEQ);
	}
	/* Past the end: the index answers, names or no names, and the
	 * first name found elsewhere disarms the hint. */
	cr_assert_null(find("f100"));
	cr_assert_eq(hint(), 100 | DIRTAB_HINT_SEQ);
	cr_assert_eq(find("f3")->td_place, 3);
	cr_assert_eq(hint(), 4);
	/* Any walk in order arms it again within DIRTAB_HINT_START names. */
	for (int i = 50; i < 50 + DIRTAB_HINT_START + 1; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		cr_assert_eq(find(name)->td_node, NODE(i));
	}
	cr_assert_eq(hint(), (50 + DIRTAB_HINT_START + 1) | DIRTAB_HINT_SEQ);
}

Test(kern_dirtab, lookups_out_of_order_seldom_write_the_hint)
{
	char name[16];
	unsigned seed = 7, writes = 0, starts = 0;

	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		cr_assert_eq(add(name, i), 0);
	}
	for (int k = 0; k < 1000; k++) {
		int i = rand_r(&seed) % 200;
		uint32_t before = hint();

		uint32_t hp = before & DIRTAB_HINT_PLACE, u = (uint32_t)i;
		bool down = (before & DIRTAB_HINT_DOWN) != 0;
		bool turn = down ? u == hp + 2 : u + 2 == hp;

		snprintf(name, sizeof(name), "n%d", i);
		cr_assert_eq(find(name)->td_place, u);
		/* Armed when found where the hint said (but at place 0 going
		 * down), or two places the other way (a turn), else not. */
		if (hint() & DIRTAB_HINT_SEQ)
			cr_assert(hp == u || turn, "armed at %d", i);
		else
			cr_assert(!(hp == u || turn) || u <= 1,
				  "not armed at %d", i);
		writes += hint() != before;
		starts += i % DIRTAB_HINT_START == 0;
	}
	/* Each write is a sequence start, or the arming or disarming that
	 * follows one. */
	cr_assert_leq(writes, 3 * starts);
	cr_assert_lt(writes, 1000 / 4);
}

Test(kern_dirtab, an_armed_hint_at_another_name_is_not_taken)
{
	/* Same hash, other name: the hinted entry must not answer. */
	uint32_t h = dirtab_hash("x", 1);

	cr_assert_eq(dirtab_add(&dt, "w", 1, h, NODE(0)), 0);
	cr_assert_eq(dirtab_add(&dt, "x", 1, h, NODE(1)), 0);
	cr_assert_eq(dirtab_add(&dt, "y", 1, h, NODE(2)), 0);
	cr_assert_eq(dirtab_add(&dt, "z", 1, h, NODE(3)), 0);
	cr_assert_not_null(dirtab_find(&dt, "w", 1, h));
	cr_assert_not_null(dirtab_find(&dt, "x", 1, h));
	cr_assert_eq(hint(), 2 | DIRTAB_HINT_SEQ); /* at "y" */
	cr_assert_null(dirtab_find(&dt, "v", 1, h));
	cr_assert_null(dirtab_find(&dt, "yy", 2, h));
	cr_assert_eq(dirtab_find(&dt, "z", 1, h)->td_node, NODE(3));
	/* And a different hash with the same name is another name. */
	cr_assert_null(dirtab_find(&dt, "w", 1, h + 1));
}

/* Walks names[0..n) in order, which arms the hint from place 0. */
static void
walk_in_order(const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		cr_assert_not_null(find(names[i]), "%s", names[i]);
}

Test(kern_dirtab, an_armed_hint_at_a_removed_or_reused_place)
{
	static const char *const r[] = { "r0", "r1", "r2", "r3", "r4",
					 "r5", "r6", "r7", "r8", "r9" };

	for (int i = 0; i < 10; i++)
		cr_assert_eq(add(r[i], i), 0);
	walk_in_order(r, 5);
	cr_assert_eq(hint(), 5 | DIRTAB_HINT_SEQ);
	remove_name("r5"); /* the hinted place is free */
	cr_assert_null(find("r5"));
	cr_assert_eq(find("r6")->td_node, NODE(6));
	walk_in_order(r, 5);
	cr_assert_eq(hint(), 5 | DIRTAB_HINT_SEQ);
	cr_assert_eq(add("other", 9), 0); /* takes place 5 again */
	cr_assert_eq(find("other")->td_place, 5);
	walk_in_order(r, 5);
	cr_assert_eq(hint(), 5 | DIRTAB_HINT_SEQ);
	cr_assert_null(find("r5"));
	cr_assert_eq(find("other")->td_node, NODE(9));
}

Test(kern_dirtab, the_name_just_found_is_found_again_by_the_hint)
{
	static const char *const r[] = { "r0", "r1", "r2", "r3", "r4",
					 "r5", "r6", "r7", "r8", "r9" };

	for (int i = 0; i < 10; i++)
		cr_assert_eq(add(r[i], i), 0);
	walk_in_order(r, 5);
	cr_assert_eq(hint(), 5 | DIRTAB_HINT_SEQ);
	/* As unlink does: namei finds it, the removal finds it again. */
	cr_assert_eq(find("r4")->td_node, NODE(4));
	cr_assert_eq(hint(), 5 | DIRTAB_HINT_SEQ, "the sequence stays armed");
	cr_assert_eq(find("r5")->td_node, NODE(5));
	cr_assert_eq(hint(), 6 | DIRTAB_HINT_SEQ);
	/* Another name with the same hash at that place is not taken. */
	cr_assert_null(dirtab_find(&dt, "r6", 2, dirtab_hash("r5", 2)));
	/* Once the place is free, the old name is gone. */
	remove_name("r5");
	cr_assert_null(find("r5"));
	/* And when another name takes the place, only that name is there. */
	cr_assert_eq(add("new", 7), 0);
	cr_assert_eq(find("new")->td_place, 5);
	walk_in_order(r, 5);
	cr_assert_eq(find("r4")->td_node, NODE(4));
	cr_assert_null(find("r5"));
	cr_assert_eq(find("new")->td_node, NODE(7));
}

Test(kern_dirtab, removals_in_order_keep_the_sequence)
{
	enum { N = 300 };
	char name[16];

	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		cr_assert_eq(add(name, i), 0);
	}
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		cr_assert_not_null(find(name), "%s", name); /* namei */
		remove_name(name); /* finds it again, then removes it */
		cr_assert_null(find(name), "%s", name);
		if (i >= DIRTAB_HINT_START && i + 1 < N)
			cr_assert_eq(hint(),
				     (uint32_t)(i + 1) | DIRTAB_HINT_SEQ,
				     "after %s", name);
	}
	cr_assert_eq(dt.dt_count, 0);
}

/* readdir lists from the highest place down (tmpfs.c): stat in that
 * order arms the hint downwards, and going up again turns it round. */
Test(kern_dirtab, names_found_in_readdir_order_arm_the_hint_downwards)
{
	enum { N = 200 };
	char name[16];

	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		cr_assert_eq(add(name, i), 0);
	}
	for (int i = N - 1; i >= 0; i--) {
		snprintf(name, sizeof(name), "d%d", i);
		cr_assert_eq(find(name)->td_place, (uint32_t)i);
		/* 192 starts a sequence, 191 turns it down. */
		if (i <= 191 && i > 0)
			cr_assert_eq(hint(),
				     (uint32_t)(i - 1) | DIRTAB_HINT_SEQ |
					     DIRTAB_HINT_DOWN,
				     "after %s", name);
	}
	cr_assert_eq(hint(), 0, "nothing below place 0");
	/* Down from 99 to 94 (96 starts, 95 turns), then up from 95:
	 * turned round at once. */
	for (int i = 99; i >= 94; i--) {
		snprintf(name, sizeof(name), "d%d", i);
		cr_assert_not_null(find(name));
	}
	cr_assert_eq(hint(), 93 | DIRTAB_HINT_SEQ | DIRTAB_HINT_DOWN);
	cr_assert_not_null(find("d95"));
	cr_assert_eq(hint(), 96 | DIRTAB_HINT_SEQ);
	cr_assert_not_null(find("d96"));
	cr_assert_eq(hint(), 97 | DIRTAB_HINT_SEQ);
}

/* rm -r removes in readdir order: each removal finds again the name its
 * namei found, and the sequence goes on down. */
Test(kern_dirtab, removals_in_readdir_order_keep_the_sequence)
{
	enum { N = 300 };
	char name[16];

	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		cr_assert_eq(add(name, i), 0);
	}
	for (int i = N - 1; i >= 0; i--) {
		snprintf(name, sizeof(name), "v%d", i);
		cr_assert_not_null(find(name), "%s", name); /* namei */
		remove_name(name); /* finds it again, then removes it */
		cr_assert_null(find(name), "%s", name);
		if (i < N - 2 * DIRTAB_HINT_START && i > 0)
			cr_assert_eq(hint(),
				     (uint32_t)(i - 1) | DIRTAB_HINT_SEQ |
					     DIRTAB_HINT_DOWN,
				     "after %s", name);
	}
	cr_assert_eq(dt.dt_count, 0);
}

Test(kern_dirtab, an_armed_hint_at_a_free_place_is_not_taken)
{
	/* A free entry keeps its name, and its free-list link shares the
	 * hash's word: "k" gets hash 5, the link it has once p5 (place 5)
	 * was freed before it. */
	static const char *const p[] = { "p0", "p1", "p2", "p3" };

	for (int i = 0; i < 4; i++)
		cr_assert_eq(add(p[i], i), 0);
	cr_assert_eq(dirtab_add(&dt, "k", 1, 5, NODE(4)), 0);
	cr_assert_eq(add("p5", 5), 0);
	remove_name("p5");
	dirtab_remove(&dt, dirtab_find(&dt, "k", 1, 5));
	walk_in_order(p, 4);
	cr_assert_eq(hint(), 4 | DIRTAB_HINT_SEQ); /* at the free "k" */
	cr_assert_null(dirtab_find(&dt, "k", 1, 5));
}

Test(kern_dirtab, an_armed_hint_past_an_emptied_table)
{
	find("nothing");
	cr_assert_eq(add("a", 0), 0);
	cr_assert_eq(add("b", 1), 0);
	find("a");
	find("b");
	cr_assert_eq(hint(), 2 | DIRTAB_HINT_SEQ);
	remove_name("a");
	remove_name("b"); /* the table is freed */
	cr_assert_eq(hint(), 0);
	cr_assert_null(find("a"));
	cr_assert_eq(add("c", 2), 0);
	cr_assert_eq(find("c")->td_node, NODE(2));
}

/* As randomized_against_an_array, but most lookups follow the places in
 * order, so the hint answers most of them, across reuse and shrinking. */
Test(kern_dirtab, randomized_in_order_lookups)
{
	enum { N = 2000, STEPS = 60000 };
	static int at_place[4 * N];
	static bool in[N];
	static struct tmpfs_dirent *at[N];
	char name[64];
	unsigned seed = 99;
	uint32_t next = 0;

	for (int p = 0; p < 4 * N; p++)
		at_place[p] = -1;
	for (int step = 0; step < STEPS; step++) {
		int i, r = rand_r(&seed) % 10;

		if (r < 7 && next < dt.dt_end && at_place[next] >= 0)
			i = at_place[next];
		else
			i = rand_r(&seed) % N;
		if (i % 5 == 0)
			snprintf(name, sizeof(name),
				 "a-long-name-of-more-than-forty-bytes-%d", i);
		else
			snprintf(name, sizeof(name), "q%d", i);
		if (!in[i] || r < 8) {
			struct tmpfs_dirent *de = find(name);

			cr_assert_eq(de, in[i] ? at[i] : NULL, "step %d", step);
			next = in[i] ? at[i]->td_place + 1 : next + 1;
		}
		if (r >= 8 && in[i]) {
			at_place[at[i]->td_place] = -1;
			dirtab_remove(&dt, at[i]);
			in[i] = false;
		} else if (!in[i]) {
			cr_assert_eq(add(name, i), 0);
			at[i] = find(name);
			at_place[at[i]->td_place] = i;
			in[i] = true;
		}
	}
}

/* Each addition is numbered after the last; removals leave the numbers
 * alone; an emptied table starts again from 1. */
Test(kern_dirtab, additions_are_numbered_in_order)
{
	char name[16];

	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		cr_assert_eq(add(name, i), 0);
		cr_assert_eq(find(name)->td_seq, (uint32_t)i + 1);
		cr_assert_eq(dirtab_seq(&dt), (uint32_t)i + 1);
	}
	remove_name("n3");
	cr_assert_eq(add("n3", 3), 0); /* into the freed place, numbered 21 */
	cr_assert_eq(find("n3")->td_seq, 21);
	cr_assert_eq(find("n4")->td_seq, 5);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		remove_name(name);
	}
	cr_assert_eq(add("again", 0), 0);
	cr_assert_eq(find("again")->td_seq, 1);
}

/* At the limit every entry becomes 0, so a listing that began before
 * hides none of them; numbering goes on from 1. */
Test(kern_dirtab, numbers_at_the_limit_start_again_from_0)
{
	cr_assert_eq(add("a", 0), 0);
	cr_assert_eq(add("b", 1), 0);
	remove_name("a"); /* a free place is not an entry: left alone */
	dt.dt_seq = DIRTAB_SEQ_MAX - 1;
	cr_assert_eq(add("c", 2), 0);
	cr_assert_eq(find("c")->td_seq, DIRTAB_SEQ_MAX);
	cr_assert_eq(add("d", 3), 0);
	cr_assert_eq(find("b")->td_seq, 0);
	cr_assert_eq(find("c")->td_seq, 0);
	cr_assert_eq(find("d")->td_seq, 1);
	cr_assert_eq(dirtab_seq(&dt), 1);
	cr_assert_eq(add("e", 4), 0);
	cr_assert_eq(find("e")->td_seq, 2);
}
