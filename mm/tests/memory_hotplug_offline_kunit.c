// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for offlining memory (mm/memory_hotplug_offline.c).
 *
 * Built in or as a module (CONFIG_MEMORY_HOTPLUG_OFFLINE_KUNIT_TEST); the
 * helpers it tests are exported to it with CONFIG_KUNIT.  The page scan of an
 * offline reads struct pages it holds no reference on; what it reads may
 * be stale by the time it steps.  These cases pin down the step arithmetic
 * with answers worked out by hand: every step moves forward by at least
 * one pfn, ends where the chunk or folio it saw ends, and never leaves the
 * range.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "hotplug_kunit_helpers.h"

/* A free chunk seen at its head is skipped whole. */
static void offline_test_free_chunk_at_its_head_is_skipped_whole(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1UL, chunk_tail(0x1000, 0));
	KUNIT_EXPECT_EQ(test, 8UL, chunk_tail(0x1000, 3));
	KUNIT_EXPECT_EQ(test, 1024UL, chunk_tail(0x40000, 10));
}

/* A stale order read inside a chunk still stops at that chunk's end. */
static void offline_test_stale_order_stops_at_the_chunk_end(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 5UL, chunk_tail(0x1003, 3));	/* 0x1003..0x1007 */
	KUNIT_EXPECT_EQ(test, 1UL, chunk_tail(0x1007, 3));
	KUNIT_EXPECT_EQ(test, 1023UL, chunk_tail(0x40001, 10));
}

/* A folio seen from inside is skipped to its end. */
static void offline_test_folio_is_skipped_to_its_end(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 512UL, tail_or_one(0x200, 0x400));
	KUNIT_EXPECT_EQ(test, 1UL, tail_or_one(0x3ff, 0x400));
}

/* A folio freed or split under the scan never moves it backwards. */
static void offline_test_folio_behind_the_scan_steps_one_pfn(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1UL, tail_or_one(0x400, 0x400));
	KUNIT_EXPECT_EQ(test, 1UL, tail_or_one(0x400, 0x200));
	KUNIT_EXPECT_EQ(test, 1UL, tail_or_one(0x400, 0));
}

/* Every step is at least one pfn and stays inside the range. */
static void offline_test_step_is_forward_and_inside_the_range(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1UL, sweep_step(0, 0x100, 0x200));
	KUNIT_EXPECT_EQ(test, 16UL, sweep_step(16, 0x100, 0x200));
	KUNIT_EXPECT_EQ(test, 0x100UL, sweep_step(0x1000, 0x100, 0x200));
	KUNIT_EXPECT_EQ(test, 1UL, sweep_step(ULONG_MAX, 0x1ff, 0x200));
}

static struct kunit_case offline_test_cases[] = {
	KUNIT_CASE(offline_test_free_chunk_at_its_head_is_skipped_whole),
	KUNIT_CASE(offline_test_stale_order_stops_at_the_chunk_end),
	KUNIT_CASE(offline_test_folio_is_skipped_to_its_end),
	KUNIT_CASE(offline_test_folio_behind_the_scan_steps_one_pfn),
	KUNIT_CASE(offline_test_step_is_forward_and_inside_the_range),
	{}
};

static struct kunit_suite offline_test_suite = {
	.name = "memory_hotplug_offline",
	.test_cases = offline_test_cases,
};

kunit_test_suite(offline_test_suite);

MODULE_DESCRIPTION("KUnit tests for the page scan of a memory offline");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
