/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests for memory block devices (drivers/base/memory.c).
 *
 * Included at the end of memory.c, so the tests see its static helpers.
 * They run at boot on the real memory bus: the boot blocks exist, and
 * everything a test creates (groups, notifier chains) is private to it and
 * torn down by KUnit actions even when an assertion stops the test.
 */
#ifndef _DRIVERS_BASE_TEST_MEMORY_BLOCK_KUNIT_H
#define _DRIVERS_BASE_TEST_MEMORY_BLOCK_KUNIT_H

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/kallsyms.h>
#include <linux/sizes.h>
#include <linux/string_helpers.h>

/* ---- parsing: online types (state, auto_online_blocks) ---- */

struct parse_case {
	const char *input;
	int expect;		/* enum mmop value, or -errno */
};

static const struct parse_case online_type_cases[] = {
	{ "offline", MMOP_OFFLINE },
	{ "offline\n", MMOP_OFFLINE },
	{ "online", MMOP_ONLINE },
	{ "online\n", MMOP_ONLINE },
	{ "online_kernel\n", MMOP_ONLINE_KERNEL },
	{ "online_movable\n", MMOP_ONLINE_MOVABLE },
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ "ONLINE", -EINVAL },
	{ "Online_Movable", -EINVAL },
	{ " online", -EINVAL },
	{ "online ", -EINVAL },
	{ "online\n\n", -EINVAL },
	{ "onlinex", -EINVAL },
	{ "online junk", -EINVAL },
	{ "online_movable2", -EINVAL },
	{ "1", -EINVAL },
	{ "99999999999999999999999", -EINVAL },
};

/* Case names show the written bytes escaped, and the expected result. */
static void describe_input(const char *input, int expect, char *desc)
{
	char shown[32];

	string_escape_str(input, shown, sizeof(shown), ESCAPE_ANY_NP, NULL);
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\" -> %d", shown, expect);
}

static void parse_case_desc(const struct parse_case *c, char *desc)
{
	describe_input(c->input, c->expect, desc);
}

KUNIT_ARRAY_PARAM(online_type, online_type_cases, parse_case_desc);

/* Each written string maps to the online type its ABI documents. */
static void memory_block_test_online_type_parses_like_sysfs(struct kunit *test)
{
	const struct parse_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, c->expect, mhp_online_type_from_str(c->input));
}

/* Every online type reads back as the string that selects it. */
static void memory_block_test_online_type_names_round_trip(struct kunit *test)
{
	enum mmop type;

	for (type = MMOP_OFFLINE; type <= MMOP_ONLINE_MOVABLE; type++)
		KUNIT_EXPECT_EQ(test, (int)type,
				mhp_online_type_from_str(online_type_name(type)));
}

/* ---- parsing: probe addresses ---- */

struct probe_case {
	const char *input;
	int expect;		/* 0 or -errno */
	u64 addr;		/* when expect == 0 */
};

static const struct probe_case probe_cases[] = {
	{ "0x100000000", 0, 0x100000000ULL },
	{ "0x100000000\n", 0, 0x100000000ULL },
	{ "4294967296", 0, 0x100000000ULL },
	{ "0", 0, 0 },
	{ "0x100001000", -EINVAL },
	{ "010", -EINVAL },		/* octal 8: not block aligned */
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ "0x", -EINVAL },
	{ "-1", -EINVAL },
	{ "garbage", -EINVAL },
	{ "0x100000000 junk", -EINVAL },
	{ "99999999999999999999999", -ERANGE },
	{ "0x10000000000000000", -ERANGE },
};

static void probe_case_desc(const struct probe_case *c, char *desc)
{
	describe_input(c->input, c->expect, desc);
}

KUNIT_ARRAY_PARAM(probe, probe_cases, probe_case_desc);

/* A probe address must be a block-aligned number in C notation. */
static void memory_block_test_probe_address_parses_like_sysfs(struct kunit *test)
{
	const struct probe_case *c = test->param_value;
	u64 addr = 0;

	if (memory_block_size_bytes() != SZ_128M)
		kunit_skip(test, "cases assume 128 MiB blocks");
	KUNIT_EXPECT_EQ(test, c->expect, probe_addr_parse(c->input, &addr));
	if (!c->expect)
		KUNIT_EXPECT_EQ(test, c->addr, addr);
}

/* ---- the notifier chain ---- */

#define MAX_CALLS 16

struct chain_log;

/* One recording callback: its slot number and what it answers GOING_*. */
struct recorder {
	struct notifier_block nb;
	struct chain_log *log;
	int who;
	int veto;
};

/* Which callback saw which event, in call order. */
struct chain_log {
	struct recorder slot[4];
	int n;
	struct {
		int who;
		unsigned long event;
	} calls[MAX_CALLS];
};

static int record_event(struct notifier_block *nb, unsigned long event, void *v)
{
	struct recorder *r = container_of(nb, struct recorder, nb);
	struct chain_log *log = r->log;

	if (log->n < MAX_CALLS) {
		log->calls[log->n].who = r->who;
		log->calls[log->n].event = event;
	}
	log->n++;
	return event == MEM_GOING_ONLINE ? r->veto : NOTIFY_OK;
}

/* A private chain with @n recorders of the given priorities. */
static struct chain_log *new_chain_log(struct kunit *test,
				       struct blocking_notifier_head *chain,
				       const int *priorities, int n)
{
	struct chain_log *log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, log);
	BLOCKING_INIT_NOTIFIER_HEAD(chain);
	for (i = 0; i < n; i++) {
		struct recorder *r = &log->slot[i];

		r->nb.notifier_call = record_event;
		r->nb.priority = priorities[i];
		r->log = log;
		r->who = i;
		r->veto = NOTIFY_OK;
		KUNIT_ASSERT_EQ(test, 0,
				blocking_notifier_chain_register(chain, &r->nb));
	}
	return log;
}

/* Callbacks run highest priority first, and in registration order on ties. */
static void memory_block_test_notifiers_run_by_priority(struct kunit *test)
{
	static const int prio[] = { 0, 10, 100, 10 };
	struct blocking_notifier_head chain;
	struct memory_notify arg = {};
	struct chain_log *log = new_chain_log(test, &chain, prio, 4);

	blocking_notifier_call_chain(&chain, MEM_ONLINE, &arg);
	KUNIT_ASSERT_EQ(test, 4, log->n);
	/* expected: slot 2 (100), slot 1 (10), slot 3 (10), slot 0 (0) */
	KUNIT_EXPECT_EQ(test, 2, log->calls[0].who);
	KUNIT_EXPECT_EQ(test, 1, log->calls[1].who);
	KUNIT_EXPECT_EQ(test, 3, log->calls[2].who);
	KUNIT_EXPECT_EQ(test, 0, log->calls[3].who);
}

/*
 * NOTIFY_BAD stops the GOING event and fails with -EPERM; then every
 * callback, also the one after the veto, gets the cancel event.
 */
static void memory_block_test_notify_bad_sends_cancel_to_all(struct kunit *test)
{
	static const int prio[] = { 30, 20, 10 };
	struct blocking_notifier_head chain;
	struct memory_notify arg = {};
	struct chain_log *log = new_chain_log(test, &chain, prio, 3);

	log->slot[1].veto = NOTIFY_BAD;
	KUNIT_EXPECT_EQ(test, -EPERM,
			memory_chain_notify_or_cancel(&chain, MEM_GOING_ONLINE,
						      MEM_CANCEL_ONLINE, &arg));
	/* GOING to 30, 20 (veto); CANCEL to 30, 20, 10 */
	KUNIT_ASSERT_EQ(test, 5, log->n);
	KUNIT_EXPECT_EQ(test, (unsigned long)MEM_GOING_ONLINE, log->calls[1].event);
	KUNIT_EXPECT_EQ(test, 1, log->calls[1].who);
	KUNIT_EXPECT_EQ(test, (unsigned long)MEM_CANCEL_ONLINE, log->calls[2].event);
	KUNIT_EXPECT_EQ(test, 2, log->calls[4].who);
	KUNIT_EXPECT_EQ(test, (unsigned long)MEM_CANCEL_ONLINE, log->calls[4].event);
}

/* A veto by notifier_from_errno() fails with that errno. */
static void memory_block_test_errno_veto_keeps_its_errno(struct kunit *test)
{
	static const int prio[] = { 1 };
	struct blocking_notifier_head chain;
	struct memory_notify arg = {};
	struct chain_log *log = new_chain_log(test, &chain, prio, 1);

	log->slot[0].veto = notifier_from_errno(-EBUSY);
	KUNIT_EXPECT_EQ(test, -EBUSY,
			memory_chain_notify_or_cancel(&chain, MEM_GOING_ONLINE,
						      MEM_CANCEL_ONLINE, &arg));
	KUNIT_EXPECT_EQ(test, 2, log->n);
}

/* Without a veto nothing is cancelled. */
static void memory_block_test_no_veto_no_cancel(struct kunit *test)
{
	static const int prio[] = { 1, 2 };
	struct blocking_notifier_head chain;
	struct memory_notify arg = {};
	struct chain_log *log = new_chain_log(test, &chain, prio, 2);

	KUNIT_EXPECT_EQ(test, 0,
			memory_chain_notify_or_cancel(&chain, MEM_GOING_ONLINE,
						      MEM_CANCEL_ONLINE, &arg));
	KUNIT_EXPECT_EQ(test, 2, log->n);
}

/* ---- memory groups ---- */

static void unregister_group(void *mgid)
{
	memory_group_unregister((int)(long)mgid);
}

static int register_group_cleanup(struct kunit *test, int ret)
{
	if (ret < 0)
		return ret;
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, unregister_group,
							   (void *)(long)ret));
	return ret;
}

/* Bad sizes and impossible nodes are refused with -EINVAL. */
static void memory_block_test_group_rejects_bad_arguments(struct kunit *test)
{
	unsigned long block = pages_per_block();
	int nid;

	KUNIT_EXPECT_EQ(test, -EINVAL, memory_group_register_static(0, 0));
	KUNIT_EXPECT_EQ(test, -EINVAL, memory_group_register_dynamic(0, 0));
	KUNIT_EXPECT_EQ(test, -EINVAL, memory_group_register_dynamic(0, block + 1));
	KUNIT_EXPECT_EQ(test, -EINVAL, memory_group_register_dynamic(0, block / 2));
	for (nid = 0; nid < MAX_NUMNODES && node_possible(nid); nid++)
		;
	if (nid == MAX_NUMNODES)
		kunit_skip(test, "every node is possible");
	KUNIT_EXPECT_EQ(test, -EINVAL, memory_group_register_static(nid, block));
}

/* A registered group is found by id with the fields it was given. */
static void memory_block_test_group_is_found_by_id(struct kunit *test)
{
	int id = register_group_cleanup(test,
					memory_group_register_static(0, 12345));
	struct memory_group *group;

	KUNIT_ASSERT_GE(test, id, 0);
	group = memory_group_find_by_id(id);
	KUNIT_ASSERT_NOT_NULL(test, group);
	KUNIT_EXPECT_FALSE(test, group->is_dynamic);
	KUNIT_EXPECT_EQ(test, 12345ul, group->s.max_pages);
	KUNIT_EXPECT_EQ(test, 0, group->nid);
	KUNIT_EXPECT_EQ(test, 0ul, group->present_kernel_pages);
	KUNIT_EXPECT_TRUE(test, list_empty(&group->memory_blocks));
	KUNIT_EXPECT_NULL(test, memory_group_find_by_id(-1));
}

static int count_group(struct memory_group *group, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static int stop_at_group(struct memory_group *group, void *arg)
{
	return group == arg ? 42 : 0;
}

/* Only dynamic groups are walked; the excluded one and other nodes are not. */
static void memory_block_test_walk_sees_only_dynamic_groups(struct kunit *test)
{
	unsigned long unit = pages_per_block() * 2;
	int before = 0, after = 0, excl = 0, id;
	struct memory_group *dyn;

	walk_dynamic_memory_groups(NUMA_NO_NODE, count_group, NULL, &before);
	register_group_cleanup(test, memory_group_register_static(0, unit));
	id = register_group_cleanup(test, memory_group_register_dynamic(0, unit));
	KUNIT_ASSERT_GE(test, id, 0);
	dyn = memory_group_find_by_id(id);
	KUNIT_EXPECT_TRUE(test, dyn->is_dynamic);
	KUNIT_EXPECT_EQ(test, unit, dyn->d.unit_pages);

	walk_dynamic_memory_groups(NUMA_NO_NODE, count_group, NULL, &after);
	KUNIT_EXPECT_EQ(test, before + 1, after);
	walk_dynamic_memory_groups(NUMA_NO_NODE, count_group, dyn, &excl);
	KUNIT_EXPECT_EQ(test, before, excl);
	KUNIT_EXPECT_EQ(test, 42, walk_dynamic_memory_groups(0, stop_at_group,
							     NULL, dyn));
	if (IS_ENABLED(CONFIG_NUMA) && MAX_NUMNODES > 1)
		KUNIT_EXPECT_EQ(test, 0, walk_dynamic_memory_groups(1, stop_at_group,
								    NULL, dyn));
}

/* A group with blocks cannot go; an empty one goes once. */
static void memory_block_test_group_unregister_rules(struct kunit *test)
{
	int id = memory_group_register_static(0, pages_per_block());
	struct memory_group *group;
	struct list_head fake_block;

	KUNIT_ASSERT_GE(test, id, 0);
	group = memory_group_find_by_id(id);
	list_add(&fake_block, &group->memory_blocks);
	KUNIT_EXPECT_EQ(test, -EBUSY, memory_group_unregister(id));
	list_del(&fake_block);
	KUNIT_EXPECT_EQ(test, 0, memory_group_unregister(id));
	KUNIT_EXPECT_EQ(test, -EINVAL, memory_group_unregister(id));
	KUNIT_EXPECT_EQ(test, -EINVAL, memory_group_unregister(-1));
}

static unsigned int refs_of(struct device *dev)
{
	return kref_read(&dev->kobj.kref);
}

/*
 * A group names its provider once, before it has blocks, holds a reference
 * to it, and drops it when it is unregistered.
 */
static void memory_block_test_group_names_its_provider_once(struct kunit *test)
{
	struct device *dev = kunit_device_register(test, "memory-provider");
	struct list_head fake_block;
	struct memory_group *group;
	unsigned int refs;
	int id;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	id = register_group_cleanup(test,
				    memory_group_register_static(0, pages_per_block()));
	KUNIT_ASSERT_GE(test, id, 0);
	group = memory_group_find_by_id(id);
	KUNIT_ASSERT_NOT_NULL(test, group);
	refs = refs_of(dev);
	KUNIT_EXPECT_EQ(test, -EINVAL, memory_group_set_provider(-1, dev));
	KUNIT_EXPECT_EQ(test, -EINVAL, memory_group_set_provider(id, NULL));
	list_add(&fake_block, &group->memory_blocks);
	KUNIT_EXPECT_EQ(test, -EBUSY, memory_group_set_provider(id, dev));
	list_del(&fake_block);
	KUNIT_EXPECT_EQ(test, refs, refs_of(dev));

	KUNIT_EXPECT_EQ(test, 0, memory_group_set_provider(id, dev));
	KUNIT_EXPECT_PTR_EQ(test, dev, group->provider);
	KUNIT_EXPECT_EQ(test, refs + 1, refs_of(dev));
	KUNIT_EXPECT_EQ(test, -EBUSY, memory_group_set_provider(id, dev));
	KUNIT_EXPECT_EQ(test, refs + 1, refs_of(dev));

	/* the cleanup action unregisters the group, once */
	kunit_release_action(test, unregister_group, (void *)(long)id);
	KUNIT_EXPECT_NULL(test, memory_group_find_by_id(id));
	KUNIT_EXPECT_EQ(test, refs, refs_of(dev));
}

/* ---- block lookups and walks over the boot blocks ---- */

struct walk_count {
	int calls;
	unsigned long last_id;
	bool ascending;
};

static int count_block(struct memory_block *mem, void *arg)
{
	struct walk_count *c = arg;

	if (c->calls && block_id(mem) <= c->last_id)
		c->ascending = false;
	c->last_id = block_id(mem);
	c->calls++;
	return 0;
}

static int stop_at_second(struct memory_block *mem, void *arg)
{
	return ++(*(int *)arg) == 2 ? -ENOSPC : 0;
}

static unsigned long first_block_id(struct kunit *test)
{
	unsigned long id = 0;

	if (!xa_find(&memory_blocks, &id, ULONG_MAX, XA_PRESENT))
		kunit_skip(test, "no memory blocks");
	return id;
}

/*
 * The tests below take the device hotplug lock like real callers.  KUnit
 * runs cleanup actions in another thread, so each test unlocks by itself
 * and asserts nothing while it holds the lock.
 */

/* The walkers visit every block once, in ascending order. */
static void memory_block_test_walks_visit_every_block_ascending(struct kunit *test)
{
	struct walk_count all = { .ascending = true }, range = { .ascending = true };
	unsigned long bytes = memory_block_size_bytes();
	int ret_all, ret_range;

	lock_device_hotplug();
	ret_all = for_each_memory_block(&all, count_block);
	ret_range = walk_memory_blocks(0, (all.last_id + 1) * bytes, &range,
				       count_block);
	unlock_device_hotplug();

	KUNIT_EXPECT_EQ(test, 0, ret_all);
	KUNIT_EXPECT_EQ(test, 0, ret_range);
	KUNIT_EXPECT_GT(test, all.calls, 0);
	KUNIT_EXPECT_TRUE(test, all.ascending);
	KUNIT_EXPECT_EQ(test, all.calls, range.calls);
	KUNIT_EXPECT_TRUE(test, range.ascending);
}

/* A range that starts and ends inside one block walks exactly that block. */
static void memory_block_test_partial_range_walks_its_block(struct kunit *test)
{
	struct walk_count c = { .ascending = true };
	unsigned long bytes = memory_block_size_bytes();
	unsigned long id = first_block_id(test);
	int ret;

	lock_device_hotplug();
	ret = walk_memory_blocks(id * bytes + PAGE_SIZE, PAGE_SIZE, &c,
				 count_block);
	unlock_device_hotplug();

	KUNIT_EXPECT_EQ(test, 0, ret);
	KUNIT_EXPECT_EQ(test, 1, c.calls);
	KUNIT_EXPECT_EQ(test, id, c.last_id);
}

/* An empty range walks nothing; a non-zero return stops and is returned. */
static void memory_block_test_walk_stops_and_empty_walks_nothing(struct kunit *test)
{
	struct walk_count empty = { .ascending = true }, all = { .ascending = true };
	int seen = 0, ret_empty, ret_stop;

	lock_device_hotplug();
	ret_empty = walk_memory_blocks(0, 0, &empty, count_block);
	for_each_memory_block(&all, count_block);
	ret_stop = for_each_memory_block(&seen, stop_at_second);
	unlock_device_hotplug();

	KUNIT_EXPECT_EQ(test, 0, ret_empty);
	KUNIT_EXPECT_EQ(test, 0, empty.calls);
	if (all.calls < 2)
		kunit_skip(test, "needs two blocks");
	KUNIT_EXPECT_EQ(test, -ENOSPC, ret_stop);
	KUNIT_EXPECT_EQ(test, 2, seen);
}

/* count_block() for a downward walk: ->ascending says a step went up. */
static int count_block_down(struct memory_block *mem, void *arg)
{
	struct walk_count *c = arg;

	if (c->calls && block_id(mem) >= c->last_id)
		c->ascending = true;
	c->last_id = block_id(mem);
	c->calls++;
	return 0;
}

/*
 * The downward walk visits the blocks the upward one does, once each, from
 * the top; a partial range walks its block, an empty one nothing, and a
 * non-zero return stops it.
 */
static void memory_block_test_walk_down_mirrors_walk_up(struct kunit *test)
{
	struct walk_count up = { .ascending = true }, down = { },
			  part = { }, empty = { };
	unsigned long bytes = memory_block_size_bytes();
	unsigned long first = first_block_id(test);
	int seen = 0, ret_down, ret_stop;

	lock_device_hotplug();
	for_each_memory_block(&up, count_block);
	ret_down = walk_memory_blocks_down(0, (up.last_id + 1) * bytes, &down,
					   count_block_down);
	walk_memory_blocks_down(first * bytes + PAGE_SIZE, PAGE_SIZE, &part,
				count_block_down);
	walk_memory_blocks_down(0, 0, &empty, count_block_down);
	ret_stop = walk_memory_blocks_down(0, (up.last_id + 1) * bytes, &seen,
					   stop_at_second);
	unlock_device_hotplug();

	KUNIT_EXPECT_EQ(test, 0, ret_down);
	KUNIT_EXPECT_EQ(test, up.calls, down.calls);
	KUNIT_EXPECT_FALSE(test, down.ascending);	/* never a step up */
	KUNIT_EXPECT_EQ(test, first, down.last_id);
	KUNIT_EXPECT_EQ(test, 1, part.calls);
	KUNIT_EXPECT_EQ(test, first, part.last_id);
	KUNIT_EXPECT_EQ(test, 0, empty.calls);
	if (up.calls < 2)
		kunit_skip(test, "needs two blocks");
	KUNIT_EXPECT_EQ(test, -ENOSPC, ret_stop);
	KUNIT_EXPECT_EQ(test, 2, seen);
}

/* find_memory_block() maps a section to its block and takes a reference. */
static void memory_block_test_find_by_section(struct kunit *test)
{
	unsigned long id = first_block_id(test);
	struct memory_block *mem;
	unsigned int refs = 0;

	lock_device_hotplug();
	mem = find_memory_block(id * sections_per_block + sections_per_block - 1);
	if (mem) {
		refs = kref_read(&mem->dev.kobj.kref);
		put_device(&mem->dev);
	}
	unlock_device_hotplug();

	KUNIT_ASSERT_NOT_NULL(test, mem);
	KUNIT_EXPECT_EQ(test, id, block_id(mem));
	KUNIT_EXPECT_EQ(test, id, (unsigned long)mem->dev.id);
	KUNIT_EXPECT_EQ(test, MEM_ONLINE, mem->state);
	KUNIT_EXPECT_GE(test, refs, 2u);
}

/* Registering a block id that exists fails with -EEXIST and adds nothing. */
static void memory_block_test_duplicate_block_is_refused(struct kunit *test)
{
	struct walk_count before = { .ascending = true }, after = { .ascending = true };
	unsigned long id = first_block_id(test);
	int ret;

	lock_device_hotplug();
	for_each_memory_block(&before, count_block);
	ret = register_memory_block(id, MEM_OFFLINE, NULL, NULL);
	for_each_memory_block(&after, count_block);
	unlock_device_hotplug();

	KUNIT_EXPECT_EQ(test, -EEXIST, ret);
	KUNIT_EXPECT_EQ(test, before.calls, after.calls);
}

/* ---- creating and removing block devices, and their failure paths ---- */

/*
 * The tests below register devices for block ids above every real block.
 * Nothing backs those ids, and nothing needs to: creating and removing the
 * devices never touches memory, and at boot no one is there to online them.
 */

/* The first of @nr unused block ids, one past a gap above the last block. */
static unsigned long unused_block_ids(struct kunit *test, unsigned long nr)
{
	unsigned long id, last = 0;
	struct memory_block *mem;

	/* after boot udev or a driver could try to online them */
	if (system_state == SYSTEM_RUNNING)
		kunit_skip(test, "blocks without memory are only safe at boot");
	xa_for_each(&memory_blocks, id, mem)
		last = id;
	if (last + 2 + nr > ULONG_MAX / memory_block_size_bytes())
		kunit_skip(test, "no free block ids above memory%lu", last);
	return last + 2;
}

static bool block_exists(unsigned long id)
{
	return xa_load(&memory_blocks, id);
}

static bool block_is_offline(unsigned long id)
{
	struct memory_block *mem = xa_load(&memory_blocks, id);

	return mem && mem->state == MEM_OFFLINE;
}

/* Registered blocks; the caller holds the device hotplug lock. */
static int nr_registered_blocks(void)
{
	struct walk_count c = { .ascending = true };

	for_each_memory_block(&c, count_block);
	return c.calls;
}

/* New blocks appear offline, and removing them leaves no trace. */
static void memory_block_test_create_then_remove_leaves_no_trace(struct kunit *test)
{
	unsigned long bytes = memory_block_size_bytes();
	unsigned long id = unused_block_ids(test, 2);
	int before, during = 0, after;
	bool offline = false;
	int ret;

	lock_device_hotplug();
	before = nr_registered_blocks();
	ret = create_memory_block_devices(id * bytes, 2 * bytes, NULL, NULL);
	if (!ret) {
		during = nr_registered_blocks();
		offline = block_is_offline(id) && block_is_offline(id + 1);
		remove_memory_block_devices(id * bytes, 2 * bytes);
	}
	after = nr_registered_blocks();
	unlock_device_hotplug();

	KUNIT_ASSERT_EQ(test, 0, ret);
	KUNIT_EXPECT_EQ(test, before + 2, during);
	KUNIT_EXPECT_TRUE(test, offline);
	KUNIT_EXPECT_EQ(test, before, after);
	KUNIT_EXPECT_FALSE(test, block_exists(id));
}

/*
 * Block 0 is taken, so a range from block 0 fails at its first id: the
 * rollback has nothing to remove, and must not take every block with it.
 */
static void
memory_block_test_rollback_from_block_zero_removes_only_what_it_added(struct kunit *test)
{
	unsigned long bytes = memory_block_size_bytes();
	int before, after, ret;

	if (!block_exists(0))
		kunit_skip(test, "no memory0 to collide with");
	lock_device_hotplug();
	before = nr_registered_blocks();
	ret = create_memory_block_devices(0, 2 * bytes, NULL, NULL);
	after = nr_registered_blocks();
	unlock_device_hotplug();

	KUNIT_EXPECT_EQ(test, -EEXIST, ret);
	KUNIT_EXPECT_EQ(test, before, after);
	KUNIT_EXPECT_TRUE(test, block_exists(0));
}

/* Removing no blocks from block 0 on removes nothing. */
static void memory_block_test_removing_no_blocks_from_zero_removes_nothing(struct kunit *test)
{
	int before, after;

	lock_device_hotplug();
	before = nr_registered_blocks();
	unregister_blocks(0, 0);
	after = nr_registered_blocks();
	unlock_device_hotplug();

	KUNIT_EXPECT_GT(test, before, 0);
	KUNIT_EXPECT_EQ(test, before, after);
}

/*
 * A range whose third block exists: the first two are registered, then
 * removed again, and the block in the way stays.
 */
static void memory_block_test_rollback_keeps_the_block_in_its_way(struct kunit *test)
{
	unsigned long bytes = memory_block_size_bytes();
	unsigned long id = unused_block_ids(test, 3);
	bool first, second, third;
	int blocker, ret;

	lock_device_hotplug();
	blocker = create_memory_block_devices((id + 2) * bytes, bytes, NULL, NULL);
	ret = create_memory_block_devices(id * bytes, 3 * bytes, NULL, NULL);
	first = block_exists(id);
	second = block_exists(id + 1);
	third = block_exists(id + 2);
	if (!blocker)
		remove_memory_block_devices((id + 2) * bytes, bytes);
	unlock_device_hotplug();

	KUNIT_ASSERT_EQ(test, 0, blocker);
	KUNIT_EXPECT_EQ(test, -EEXIST, ret);
	KUNIT_EXPECT_FALSE(test, first);
	KUNIT_EXPECT_FALSE(test, second);
	KUNIT_EXPECT_TRUE(test, third);
}

/* Blocks removed by a rollback leave their group, which can then go. */
static void memory_block_test_rollback_leaves_the_group_empty(struct kunit *test)
{
	unsigned long bytes = memory_block_size_bytes();
	unsigned long id = unused_block_ids(test, 2);
	struct memory_group *group;
	int mgid, blocker, ret;
	bool empty;

	mgid = memory_group_register_static(0, 2 * pages_per_block());
	register_group_cleanup(test, mgid);
	KUNIT_ASSERT_GE(test, mgid, 0);
	group = memory_group_find_by_id(mgid);

	lock_device_hotplug();
	blocker = create_memory_block_devices((id + 1) * bytes, bytes, NULL, NULL);
	ret = create_memory_block_devices(id * bytes, 2 * bytes, NULL, group);
	empty = list_empty(&group->memory_blocks);
	if (!blocker)
		remove_memory_block_devices((id + 1) * bytes, bytes);
	unlock_device_hotplug();

	KUNIT_ASSERT_EQ(test, 0, blocker);
	KUNIT_EXPECT_EQ(test, -EEXIST, ret);
	KUNIT_EXPECT_TRUE(test, empty);
	KUNIT_EXPECT_EQ(test, 0, memory_group_unregister(mgid));
}

/* Where block @id's "provider" link leads (compared, never followed). */
static const struct kernfs_node *provider_link_target(unsigned long id)
{
	struct memory_block *mem = xa_load(&memory_blocks, id);
	const struct kernfs_node *target = NULL;
	struct kernfs_node *kn;

	if (!mem)
		return NULL;
	kn = kernfs_find_and_get(mem->dev.kobj.sd, "provider");
	if (kn && kernfs_type(kn) == KERNFS_LINK)
		target = kn->symlink.target_kn;
	kernfs_put(kn);
	return target;
}

/*
 * The blocks of a group with a provider link to it; blocks of no group do
 * not.
 */
static void memory_block_test_blocks_link_to_their_provider(struct kunit *test)
{
	struct device *dev = kunit_device_register(test, "memory-provider");
	unsigned long bytes = memory_block_size_bytes();
	unsigned long id = unused_block_ids(test, 3);
	const struct kernfs_node *target[3];
	int mgid, ret, ret2, i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	mgid = register_group_cleanup(test,
				      memory_group_register_static(0, 2 * pages_per_block()));
	KUNIT_ASSERT_GE(test, mgid, 0);
	KUNIT_ASSERT_EQ(test, 0, memory_group_set_provider(mgid, dev));

	lock_device_hotplug();
	ret = create_memory_block_devices(id * bytes, 2 * bytes, NULL,
					  memory_group_find_by_id(mgid));
	ret2 = create_memory_block_devices((id + 2) * bytes, bytes, NULL, NULL);
	for (i = 0; i < 3; i++)
		target[i] = provider_link_target(id + i);
	if (!ret)
		remove_memory_block_devices(id * bytes, 2 * bytes);
	if (!ret2)
		remove_memory_block_devices((id + 2) * bytes, bytes);
	unlock_device_hotplug();

	KUNIT_ASSERT_EQ(test, 0, ret);
	KUNIT_ASSERT_EQ(test, 0, ret2);
	KUNIT_EXPECT_PTR_EQ(test, dev->kobj.sd, target[0]);
	KUNIT_EXPECT_PTR_EQ(test, dev->kobj.sd, target[1]);
	KUNIT_EXPECT_NULL(test, target[2]);
}

#if defined(CONFIG_MEMORY_HOTREMOVE) && defined(CONFIG_STACKDEPOT)
/* offline_page_stack of a block whose record is @f, into @buf */
static ssize_t stack_file_of(unsigned long id,
			     const struct memory_offline_failure *f, char *buf)
{
	struct memory_block *mem = find_memory_block_by_id(id);
	ssize_t len;

	if (!mem)
		return -ENODEV;
	spin_lock(&offline_failure_lock);
	mem->offline_failure = *f;
	spin_unlock(&offline_failure_lock);
	len = offline_page_stack_show(&mem->dev, NULL, buf);
	put_device(&mem->dev);
	return len;
}

/* A frame whose line is long enough that 64 of them overflow a 4 KiB page */
static noinline void memory_block_test_frame_named_long_enough_to_overflow_a_page(void)
{
}

/*
 * A failed offline's record prints the stack it keeps one frame a line,
 * prints nothing when no page was to blame or no stack was known, and
 * leaves out whole the frames a page has no room for.
 */
static void memory_block_test_offline_record_prints_its_stack(struct kunit *test)
{
	static unsigned long deep[CONFIG_STACKDEPOT_MAX_FRAMES];
	unsigned long frames[] = {
		(unsigned long)offline_page_stack_show,
		(unsigned long)memory_block_test_offline_record_prints_its_stack,
	};
	struct memory_offline_failure f = {
		.err = -EBUSY, .reason = "pages could not be isolated",
		.pfn = 1, .page_kind = "anon",
	};
	unsigned long bytes = memory_block_size_bytes();
	unsigned long id = unused_block_ids(test, 1);
	depot_stack_handle_t two, many;
	size_t whole_lines;
	bool overflows;
	char *buf[4], *want;
	ssize_t len[4];
	int ret, i, line;

	for (i = 0; i < ARRAY_SIZE(deep); i++)
		deep[i] = (unsigned long)
			  memory_block_test_frame_named_long_enough_to_overflow_a_page;
	/* The depot's table, once allocated, stays for the kernel's life. */
	KUNIT_ASSERT_EQ(test, 0, stack_depot_init());
	two = stack_depot_save(frames, ARRAY_SIZE(frames), GFP_KERNEL);
	many = stack_depot_save(deep, ARRAY_SIZE(deep), GFP_KERNEL);
	if (!two || !many)
		kunit_skip(test, "the stack depot is disabled");
	want = kunit_kzalloc(test, 2 * KSYM_SYMBOL_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, want);
	snprintf(want, 2 * KSYM_SYMBOL_LEN, "%pS\n%pS\n", (void *)frames[0],
		 (void *)frames[1]);
	line = snprintf(NULL, 0, "%pS\n", (void *)deep[0]);
	/* sysfs show buffers are whole pages: kmalloc aligns this size */
	for (i = 0; i < ARRAY_SIZE(buf); i++) {
		buf[i] = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf[i]);
		KUNIT_ASSERT_TRUE(test, PAGE_ALIGNED(buf[i]));
	}

	lock_device_hotplug();
	ret = create_memory_block_devices(id * bytes, bytes, NULL, NULL);
	if (!ret) {
		f.alloc_stack = two;
		len[0] = stack_file_of(id, &f, buf[0]);
		f.page_kind = NULL;
		len[1] = stack_file_of(id, &f, buf[1]);
		f.page_kind = "anon";
		f.alloc_stack = 0;
		len[2] = stack_file_of(id, &f, buf[2]);
		f.alloc_stack = many;
		len[3] = stack_file_of(id, &f, buf[3]);
		remove_memory_block_devices(id * bytes, bytes);
	}
	unlock_device_hotplug();

	KUNIT_ASSERT_EQ(test, 0, ret);
	KUNIT_EXPECT_EQ(test, (ssize_t)strlen(want), len[0]);
	KUNIT_EXPECT_STREQ(test, want, buf[0]);
	KUNIT_EXPECT_EQ(test, 0, len[1]);
	KUNIT_EXPECT_EQ(test, 0, len[2]);
	/*
	 * With symbols, 4 KiB pages and 64 frames the deep stack overflows
	 * the page; the frame's name is long enough for that, and must not
	 * divide the room exactly, or a frame cut short would go unseen.
	 */
	overflows = IS_ENABLED(CONFIG_KALLSYMS) && PAGE_SIZE == SZ_4K &&
		    ARRAY_SIZE(deep) >= 64;
	if (overflows)
		KUNIT_ASSERT_NE(test, 0, (PAGE_SIZE - 1) % line);
	/* as many whole lines as fit in the page */
	whole_lines = min(ARRAY_SIZE(deep), (PAGE_SIZE - 1) / line) * line;
	KUNIT_EXPECT_EQ(test, whole_lines, (size_t)len[3]);
	if (overflows)
		KUNIT_EXPECT_LT(test, (size_t)len[3], ARRAY_SIZE(deep) * line);
}
#endif

/* A lookup of an id without a block finds nothing and takes nothing. */
static void memory_block_test_lookup_of_a_missing_block_is_null(struct kunit *test)
{
	unsigned long id = unused_block_ids(test, 1);

	KUNIT_EXPECT_NULL(test, find_memory_block(id * sections_per_block));
}

/* Block ids follow from addresses, pfns and sections alike. */
static void memory_block_test_ids_from_address_pfn_section(struct kunit *test)
{
	unsigned long bytes = memory_block_size_bytes();

	KUNIT_EXPECT_EQ(test, 5ul, phys_to_block_id(5 * (u64)bytes));
	KUNIT_EXPECT_EQ(test, 5ul, phys_to_block_id(6 * (u64)bytes - 1));
	KUNIT_EXPECT_EQ(test, 5ul, pfn_to_block_id(PHYS_PFN(5 * (u64)bytes)));
	KUNIT_EXPECT_EQ(test, 5ul, section_to_block_id(5 * sections_per_block));
	KUNIT_EXPECT_EQ(test, bytes >> PAGE_SHIFT, pages_per_block());
}

static struct kunit_case memory_block_test_cases[] = {
	KUNIT_CASE_PARAM(memory_block_test_online_type_parses_like_sysfs,
			 online_type_gen_params),
	KUNIT_CASE(memory_block_test_online_type_names_round_trip),
	KUNIT_CASE_PARAM(memory_block_test_probe_address_parses_like_sysfs,
			 probe_gen_params),
	KUNIT_CASE(memory_block_test_notifiers_run_by_priority),
	KUNIT_CASE(memory_block_test_notify_bad_sends_cancel_to_all),
	KUNIT_CASE(memory_block_test_errno_veto_keeps_its_errno),
	KUNIT_CASE(memory_block_test_no_veto_no_cancel),
	KUNIT_CASE(memory_block_test_group_rejects_bad_arguments),
	KUNIT_CASE(memory_block_test_group_is_found_by_id),
	KUNIT_CASE(memory_block_test_walk_sees_only_dynamic_groups),
	KUNIT_CASE(memory_block_test_group_unregister_rules),
	KUNIT_CASE(memory_block_test_group_names_its_provider_once),
	KUNIT_CASE(memory_block_test_blocks_link_to_their_provider),
#if defined(CONFIG_MEMORY_HOTREMOVE) && defined(CONFIG_STACKDEPOT)
	KUNIT_CASE(memory_block_test_offline_record_prints_its_stack),
#endif
	KUNIT_CASE(memory_block_test_walks_visit_every_block_ascending),
	KUNIT_CASE(memory_block_test_partial_range_walks_its_block),
	KUNIT_CASE(memory_block_test_walk_stops_and_empty_walks_nothing),
	KUNIT_CASE(memory_block_test_walk_down_mirrors_walk_up),
	KUNIT_CASE(memory_block_test_find_by_section),
	KUNIT_CASE(memory_block_test_duplicate_block_is_refused),
	KUNIT_CASE(memory_block_test_create_then_remove_leaves_no_trace),
	KUNIT_CASE(memory_block_test_rollback_from_block_zero_removes_only_what_it_added),
	KUNIT_CASE(memory_block_test_removing_no_blocks_from_zero_removes_nothing),
	KUNIT_CASE(memory_block_test_rollback_keeps_the_block_in_its_way),
	KUNIT_CASE(memory_block_test_rollback_leaves_the_group_empty),
	KUNIT_CASE(memory_block_test_lookup_of_a_missing_block_is_null),
	KUNIT_CASE(memory_block_test_ids_from_address_pfn_section),
	{}
};

static struct kunit_suite memory_block_test_suite = {
	.name = "memory_block",
	.test_cases = memory_block_test_cases,
};

kunit_test_suite(memory_block_test_suite);

#endif /* _DRIVERS_BASE_TEST_MEMORY_BLOCK_KUNIT_H */
