// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for hot-plugged sparsemem sections (mm/sparse_hotplug.c).
 *
 * Built in or as a module (CONFIG_SPARSE_HOTPLUG_KUNIT_TEST); the helpers it
 * tests are exported to it with CONFIG_KUNIT.  The subsection map arithmetic
 * runs on local bitmaps, and the memmap states of an offline section on
 * local sections, so no section of the machine is touched; the memmap cost
 * is checked against the size of struct page.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/mm_types.h>
#include <linux/mmzone.h>
#include <linux/module.h>

#include "hotplug_kunit_helpers.h"

#define SUB PAGES_PER_SUBSECTION
#define SEC PAGES_PER_SECTION

/* A whole section sets every subsection bit; one subsection sets one. */
static void sparse_test_mask_covers_the_part(struct kunit *test)
{
	DECLARE_BITMAP(mask, SUBSECTIONS_PER_SECTION);

	subsection_mask(mask, 5 * SEC, SEC);
	KUNIT_EXPECT_TRUE(test, bitmap_full(mask, SUBSECTIONS_PER_SECTION));
	subsection_mask(mask, 5 * SEC + 3 * SUB, SUB);
	KUNIT_EXPECT_EQ(test, 1U, bitmap_weight(mask, SUBSECTIONS_PER_SECTION));
	KUNIT_EXPECT_TRUE(test, test_bit(3, mask));
	subsection_mask(mask, 5 * SEC + SUB, 2 * SUB);
	KUNIT_EXPECT_EQ(test, 2U, bitmap_weight(mask, SUBSECTIONS_PER_SECTION));
	KUNIT_EXPECT_TRUE(test, test_bit(1, mask) && test_bit(2, mask));
	subsection_mask(mask, 5 * SEC, 0);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(mask, SUBSECTIONS_PER_SECTION));
}

/* Claiming a taken subsection fails with -EEXIST and changes nothing. */
static void sparse_test_claim_refuses_overlap(struct kunit *test)
{
	DECLARE_BITMAP(map, SUBSECTIONS_PER_SECTION);
	DECLARE_BITMAP(before, SUBSECTIONS_PER_SECTION);

	bitmap_zero(map, SUBSECTIONS_PER_SECTION);
	KUNIT_ASSERT_EQ(test, 0, subsections_claim(map, 2 * SUB, 2 * SUB));
	bitmap_copy(before, map, SUBSECTIONS_PER_SECTION);
	KUNIT_EXPECT_EQ(test, -EEXIST, subsections_claim(map, 3 * SUB, 2 * SUB));
	KUNIT_EXPECT_TRUE(test, bitmap_equal(before, map, SUBSECTIONS_PER_SECTION));
	KUNIT_EXPECT_EQ(test, -EINVAL, subsections_claim(map, 8 * SUB, 0));
	KUNIT_EXPECT_EQ(test, 0, subsections_claim(map, 4 * SUB, SUB));
	KUNIT_EXPECT_EQ(test, 3U, bitmap_weight(map, SUBSECTIONS_PER_SECTION));
}

/* Releasing what is not (all) claimed fails and changes nothing. */
static void sparse_test_release_needs_all_of_the_part(struct kunit *test)
{
	DECLARE_BITMAP(map, SUBSECTIONS_PER_SECTION);

	bitmap_zero(map, SUBSECTIONS_PER_SECTION);
	KUNIT_ASSERT_EQ(test, 0, subsections_claim(map, 0, 2 * SUB));
	KUNIT_EXPECT_EQ(test, -EINVAL, subsections_release(map, SUB, 2 * SUB));
	KUNIT_EXPECT_EQ(test, 2U, bitmap_weight(map, SUBSECTIONS_PER_SECTION));
	KUNIT_EXPECT_EQ(test, -EINVAL, subsections_release(NULL, 0, SUB));
	KUNIT_EXPECT_EQ(test, 0, subsections_release(map, SUB, SUB));
	KUNIT_EXPECT_EQ(test, 0, subsections_release(map, 0, SUB));
	KUNIT_EXPECT_TRUE(test, bitmap_empty(map, SUBSECTIONS_PER_SECTION));
}

/* Claim and release of every subsection in turn leaves the map empty. */
static void sparse_test_claim_release_round_trip(struct kunit *test)
{
	DECLARE_BITMAP(map, SUBSECTIONS_PER_SECTION);
	unsigned long i;

	bitmap_zero(map, SUBSECTIONS_PER_SECTION);
	for (i = 0; i < SUBSECTIONS_PER_SECTION; i++)
		KUNIT_ASSERT_EQ(test, 0, subsections_claim(map, 7 * SEC + i * SUB, SUB));
	KUNIT_EXPECT_TRUE(test, bitmap_full(map, SUBSECTIONS_PER_SECTION));
	KUNIT_EXPECT_EQ(test, -EEXIST, subsections_claim(map, 7 * SEC, SEC));
	for (i = SUBSECTIONS_PER_SECTION; i-- > 0;)
		KUNIT_ASSERT_EQ(test, 0, subsections_release(map, 7 * SEC + i * SUB, SUB));
	KUNIT_EXPECT_TRUE(test, bitmap_empty(map, SUBSECTIONS_PER_SECTION));
}

/* Without compound pages a part costs its struct pages, rounded up. */
static void sparse_test_memmap_cost_is_struct_pages(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, DIV_ROUND_UP(SEC * sizeof(struct page), PAGE_SIZE),
			part_memmap_pages(0, SEC, NULL, NULL));
	KUNIT_EXPECT_EQ(test, DIV_ROUND_UP(SUB * sizeof(struct page), PAGE_SIZE),
			part_memmap_pages(SUB, SUB, NULL, NULL));
}

/* A section of our own, present with a (made-up) memmap and every subsection. */
static struct mem_section *whole_offline_section(struct kunit *test)
{
	struct mem_section *ms = kunit_kzalloc(test, sizeof(*ms), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ms);
	ms->usage = kunit_kzalloc(test, sizeof(*ms->usage), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ms->usage);
	bitmap_fill(ms->usage->subsection_map, SUBSECTIONS_PER_SECTION);
	ms->section_mem_map = BIT(SECTION_MAP_LAST_BIT + 3) |
			      SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP;
	return ms;
}

/* Only a whole, offline section with a memmap gives its memmap back. */
static void sparse_test_only_whole_offline_sections_release(struct kunit *test)
{
	struct mem_section *ms = whole_offline_section(test);

	KUNIT_EXPECT_TRUE(test, memmap_releasable(ms));
	ms->section_mem_map |= SECTION_IS_ONLINE;
	KUNIT_EXPECT_FALSE(test, memmap_releasable(ms));
	ms->section_mem_map &= ~SECTION_IS_ONLINE;
	clear_bit(1, ms->usage->subsection_map);
	KUNIT_EXPECT_FALSE(test, memmap_releasable(ms));
	set_bit(1, ms->usage->subsection_map);
	ms->usage = NULL;
	KUNIT_EXPECT_FALSE(test, memmap_releasable(ms));
}

/*
 * An invalidated section is no longer valid but keeps its memmap pointer
 * until the memmap is freed; then it is released, and still present.
 */
static void sparse_test_invalidated_until_freed_then_released(struct kunit *test)
{
	struct mem_section *ms = whole_offline_section(test);

	KUNIT_EXPECT_FALSE(test, memmap_invalidated(ms));
	KUNIT_EXPECT_FALSE(test, memmap_released(ms));
	memmap_invalidate(ms);
	KUNIT_EXPECT_FALSE(test, valid_section(ms));
	KUNIT_EXPECT_TRUE(test, memmap_invalidated(ms));
	KUNIT_EXPECT_FALSE(test, memmap_released(ms));
	KUNIT_EXPECT_FALSE(test, memmap_releasable(ms));
	ms->section_mem_map &= ~SECTION_MAP_MASK;
	KUNIT_EXPECT_FALSE(test, memmap_invalidated(ms));
	KUNIT_EXPECT_TRUE(test, memmap_released(ms));
	KUNIT_EXPECT_TRUE(test, present_section(ms));
}

/* A section never added is neither released nor invalidated. */
static void sparse_test_absent_section_has_no_memmap_state(struct kunit *test)
{
	struct mem_section ms = {};

	KUNIT_EXPECT_FALSE(test, memmap_released(&ms));
	KUNIT_EXPECT_FALSE(test, memmap_invalidated(&ms));
	KUNIT_EXPECT_FALSE(test, memmap_releasable(&ms));
	ms.section_mem_map = SECTION_MARKED_PRESENT;
	KUNIT_EXPECT_TRUE(test, memmap_released(&ms));
}

static struct kunit_case sparse_test_cases[] = {
	KUNIT_CASE(sparse_test_mask_covers_the_part),
	KUNIT_CASE(sparse_test_claim_refuses_overlap),
	KUNIT_CASE(sparse_test_release_needs_all_of_the_part),
	KUNIT_CASE(sparse_test_claim_release_round_trip),
	KUNIT_CASE(sparse_test_memmap_cost_is_struct_pages),
	KUNIT_CASE(sparse_test_only_whole_offline_sections_release),
	KUNIT_CASE(sparse_test_invalidated_until_freed_then_released),
	KUNIT_CASE(sparse_test_absent_section_has_no_memmap_state),
	{}
};

static struct kunit_suite sparse_test_suite = {
	.name = "sparse_hotplug",
	.test_cases = sparse_test_cases,
};

kunit_test_suite(sparse_test_suite);

MODULE_DESCRIPTION("KUnit tests for hot-plugged sparsemem sections");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
