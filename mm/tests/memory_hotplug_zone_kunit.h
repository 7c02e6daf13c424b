/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests for the zone choice of onlined memory (mm/memory_hotplug_zone.c).
 *
 * Included at the end of memory_hotplug_zone.c.  The ratio arithmetic is
 * driven with tables; zone choice runs against the real zones of the first
 * online node, with ranges chosen so the answer does not depend on how much
 * memory the machine has.  Parameters a test changes are restored by KUnit
 * actions.
 */
#ifndef _MM_TESTS_MEMORY_HOTPLUG_ZONE_KUNIT_H
#define _MM_TESTS_MEMORY_HOTPLUG_ZONE_KUNIT_H

#include <kunit/test.h>
#include <linux/memblock.h>
#include <linux/sizes.h>

/* ---- memory_hotplug.online_policy parsing ---- */

struct policy_case {
	const char *input;
	int expect;
};

static const struct policy_case policy_cases[] = {
	{ "contig-zones", POLICY_CONTIG_ZONES },
	{ "auto-movable", POLICY_AUTO_MOVABLE },
	{ "auto-movable\n", POLICY_AUTO_MOVABLE },
	{ "Auto-Movable", -EINVAL },
	{ "auto-movable ", -EINVAL },
	{ "contig", -EINVAL },
	{ "", -EINVAL },
};

static void policy_case_desc(const struct policy_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "'%.20s' -> %d", c->input, c->expect);
}

KUNIT_ARRAY_PARAM(policy, policy_cases, policy_case_desc);

/* online_policy takes exactly the two names, case and all. */
static void memhp_zone_test_policy_names_parse(struct kunit *test)
{
	const struct policy_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, c->expect, policy_parse(c->input));
}

/* ---- the auto-movable ratio ---- */

#define GIB_PAGES (SZ_1G >> PAGE_SHIFT)

struct ratio_case {
	const char *what;
	struct movable_stats st;
	struct group_claims claims;
	unsigned long own_kernel;
	unsigned long nr_pages;
	unsigned int ratio;
	bool expect;
};

static const struct ratio_case ratio_cases[] = {
	{ "1G kernel takes 3G movable at 301%",
	  { GIB_PAGES, 0 }, {}, 0, 3 * GIB_PAGES, 301, true },
	{ "1G kernel refuses 3.25G movable at 301%",
	  { GIB_PAGES, 0 }, {}, 0, 3 * GIB_PAGES + GIB_PAGES / 4, 301, false },
	{ "movable memory already online counts",
	  { GIB_PAGES, 3 * GIB_PAGES }, {}, 0, GIB_PAGES / 4, 301, false },
	{ "ratio 100 allows exactly as much as kernel",
	  { GIB_PAGES, 0 }, {}, 0, GIB_PAGES, 100, true },
	{ "ratio 100 refuses one page more",
	  { GIB_PAGES, 0 }, {}, 0, GIB_PAGES + 1, 100, false },
	{ "ratio 0 refuses everything",
	  { GIB_PAGES, 0 }, {}, 0, 1, 0, false },
	{ "other groups' needs shrink the kernel budget",
	  { GIB_PAGES, 0 }, { 0, GIB_PAGES / 2 }, 0, GIB_PAGES, 301, true },
	{ "... and can exhaust it",
	  { GIB_PAGES, 0 }, { 0, GIB_PAGES / 2 }, 0, 2 * GIB_PAGES, 301, false },
	{ "needs that eat all kernel memory refuse movable",
	  { GIB_PAGES, 0 }, { 0, GIB_PAGES }, 0, 1, 301, false },
	{ "other groups' movable memory is set aside, not counted",
	  { GIB_PAGES, 2 * GIB_PAGES }, { 2 * GIB_PAGES, 0 }, 0, 3 * GIB_PAGES, 301, true },
	{ "a dynamic group's own kernel memory backs its movable memory",
	  { GIB_PAGES, 0 }, {}, GIB_PAGES, 6 * GIB_PAGES, 301, true },
	{ "no kernel memory, no movable memory",
	  { 0, 0 }, {}, 0, 1, 301, false },
};

static void ratio_case_desc(const struct ratio_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ratio, ratio_cases, ratio_case_desc);

/* The MOVABLE:KERNEL limit holds for each table row. */
static void memhp_zone_test_ratio_arithmetic(struct kunit *test)
{
	const struct ratio_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, c->expect,
			movable_fits_ratio(&c->st, &c->claims, c->own_kernel,
					   c->nr_pages, c->ratio));
}

/* ---- what a group asks for ---- */

/* Without a group the range itself is the plan. */
static void memhp_zone_test_plan_without_group_is_the_range(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 4096L, movable_plan(NULL, 0, 4096));
}

/* A DIMM is judged whole: what it will still bring as movable. */
static void memhp_zone_test_plan_of_static_group_is_its_remainder(struct kunit *test)
{
	struct memory_group dimm = { .s.max_pages = 8 * 32768,
				     .present_movable_pages = 3 * 32768 };

	KUNIT_EXPECT_EQ(test, 5L * 32768, movable_plan(&dimm, 0, 32768));
}

/* A DIMM that has kernel memory keeps the rest kernel too. */
static void memhp_zone_test_static_group_with_kernel_memory_stays_kernel(struct kunit *test)
{
	struct memory_group dimm = { .s.max_pages = 8 * 32768,
				     .present_kernel_pages = 32768 };

	KUNIT_EXPECT_EQ(test, -1L, movable_plan(&dimm, 0, 32768));
}

/* A dynamic group onlining a whole unit plans that unit. */
static void memhp_zone_test_dynamic_whole_unit_plans_the_unit(struct kunit *test)
{
	struct memory_group vmem = { .is_dynamic = true, .d.unit_pages = 65536 };

	KUNIT_EXPECT_EQ(test, 65536L, movable_plan(&vmem, 0, 65536));
}

/* ---- zone choice on the first online node ---- */

static void restore_ratio(void *old)
{
	WRITE_ONCE(auto_movable_ratio, (unsigned int)(long)old);
}

static void restore_policy(void *old)
{
	WRITE_ONCE(online_policy, (int)(long)old);
}

/* Switch to auto-movable with @ratio until the test ends. */
static void use_auto_movable(struct kunit *test, unsigned int ratio)
{
	void *old_ratio = (void *)(long)READ_ONCE(auto_movable_ratio);
	void *old_policy = (void *)(long)READ_ONCE(online_policy);

	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, restore_ratio, old_ratio));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, restore_policy, old_policy));
	WRITE_ONCE(online_policy, POLICY_AUTO_MOVABLE);
	WRITE_ONCE(auto_movable_ratio, ratio);
}

/* A pfn range far above any memory, so it intersects no zone. */
static unsigned long far_pfn(void)
{
	return ALIGN(max_pfn + (1UL << 22), PAGES_PER_SECTION);
}

/* The zone plain "online" picks for a section far above all memory. */
static enum zone_type plain_online_zone_far_up(void)
{
	return zone_idx(zone_for_pfn_range(MMOP_ONLINE, first_online_node, NULL,
					   far_pfn(), PAGES_PER_SECTION));
}

/* online_movable always means the node's ZONE_MOVABLE. */
static void memhp_zone_test_online_movable_is_zone_movable(struct kunit *test)
{
	int nid = first_online_node;
	struct zone *zone = zone_for_pfn_range(MMOP_ONLINE_MOVABLE, nid, NULL,
					       far_pfn(), PAGES_PER_SECTION);

	KUNIT_EXPECT_PTR_EQ(test, &NODE_DATA(nid)->node_zones[ZONE_MOVABLE], zone);
}

/* online_kernel of a range no low zone spans means ZONE_NORMAL. */
static void memhp_zone_test_online_kernel_far_up_is_normal(struct kunit *test)
{
	int nid = first_online_node;
	struct zone *zone = zone_for_pfn_range(MMOP_ONLINE_KERNEL, nid, NULL,
					       far_pfn(), PAGES_PER_SECTION);

	KUNIT_EXPECT_PTR_EQ(test, &NODE_DATA(nid)->node_zones[ZONE_NORMAL], zone);
}

/* online_kernel inside a low zone's span stays in that low zone. */
static void memhp_zone_test_online_kernel_in_low_zone_stays_there(struct kunit *test)
{
	int nid = first_online_node;
	struct zone *low = NULL, *zone;
	enum zone_type zid;

	for (zid = 0; zid < ZONE_NORMAL && !low; zid++)
		if (populated_zone(&NODE_DATA(nid)->node_zones[zid]))
			low = &NODE_DATA(nid)->node_zones[zid];
	if (!low)
		kunit_skip(test, "no populated zone below ZONE_NORMAL");
	zone = zone_for_pfn_range(MMOP_ONLINE_KERNEL, nid, NULL,
				  low->zone_start_pfn, 1);
	KUNIT_EXPECT_PTR_EQ(test, low, zone);
}

/* contig-zones puts a range that touches no zone in the kernel zone. */
static void memhp_zone_test_contig_zones_defaults_to_kernel(struct kunit *test)
{
	if (movable_node_is_enabled())
		kunit_skip(test, "movable_node is set");
	if (READ_ONCE(online_policy) != POLICY_CONTIG_ZONES)
		kunit_skip(test, "online_policy is not contig-zones");
	KUNIT_EXPECT_EQ(test, ZONE_NORMAL, plain_online_zone_far_up());
}

/* auto-movable with ratio 0 never picks ZONE_MOVABLE. */
static void memhp_zone_test_auto_movable_ratio_zero_is_kernel(struct kunit *test)
{
	use_auto_movable(test, 0);
	KUNIT_EXPECT_EQ(test, ZONE_NORMAL, plain_online_zone_far_up());
}

/* auto-movable with a huge ratio picks ZONE_MOVABLE for a small range. */
static void memhp_zone_test_auto_movable_generous_ratio_is_movable(struct kunit *test)
{
	use_auto_movable(test, 100000);
	KUNIT_EXPECT_EQ(test, ZONE_MOVABLE, plain_online_zone_far_up());
}

static struct kunit_case memhp_zone_test_cases[] = {
	KUNIT_CASE_PARAM(memhp_zone_test_policy_names_parse, policy_gen_params),
	KUNIT_CASE_PARAM(memhp_zone_test_ratio_arithmetic, ratio_gen_params),
	KUNIT_CASE(memhp_zone_test_plan_without_group_is_the_range),
	KUNIT_CASE(memhp_zone_test_plan_of_static_group_is_its_remainder),
	KUNIT_CASE(memhp_zone_test_static_group_with_kernel_memory_stays_kernel),
	KUNIT_CASE(memhp_zone_test_dynamic_whole_unit_plans_the_unit),
	KUNIT_CASE(memhp_zone_test_online_movable_is_zone_movable),
	KUNIT_CASE(memhp_zone_test_online_kernel_far_up_is_normal),
	KUNIT_CASE(memhp_zone_test_online_kernel_in_low_zone_stays_there),
	KUNIT_CASE(memhp_zone_test_contig_zones_defaults_to_kernel),
	KUNIT_CASE(memhp_zone_test_auto_movable_ratio_zero_is_kernel),
	KUNIT_CASE(memhp_zone_test_auto_movable_generous_ratio_is_movable),
	{}
};

static struct kunit_suite memhp_zone_test_suite = {
	.name = "memory_hotplug_zone",
	.test_cases = memhp_zone_test_cases,
};

kunit_test_suite(memhp_zone_test_suite);

#endif /* _MM_TESTS_MEMORY_HOTPLUG_ZONE_KUNIT_H */
