// SPDX-License-Identifier: GPL-2.0
/*
 * Onlining memory: from offline sections to pages in the buddy
 * allocator.
 */

/**
 * DOC: onlining a range of memory
 *
 * drivers/base/memory.c onlines one block at a time, in this order:
 *
 * 0. sparse_memmap_restore() when the block's memmap was given back while
 *    it was offline (memory_hotplug.free_memmap_on_offline).
 * 1. mhp_init_memmap_on_memory() when the block carries its own memmap:
 *    those leading pages join the zone and are marked self-hosted.
 * 2. online_pages() for the rest: the range joins the zone (memmap written,
 *    pageblocks isolated), subscribers get MEM_GOING_ONLINE and may veto,
 *    a zone's first pages get its per-CPU pagesets (if they cannot be
 *    allocated, MEM_CANCEL_ONLINE undoes the online), then the pages go
 *    to the buddy allocator in the largest aligned chunks (on several
 *    CPUs at once, as the memmap was written: mhp_pfn_work()), the zone and
 *    node are accounted, the node gains its N_MEMORY / N_NORMAL_MEMORY
 *    states, zonelists are rebuilt if the zone was empty, the pageblocks
 *    become movable, and watermarks, kswapd, kcompactd and the writeback
 *    limits follow.  MEM_ONLINE ends it.
 *
 * Cost: every step is linear in the range except the global refreshes
 * (watermarks, writeback ratelimit), which are linear in the number of
 * zones.  In particular the zone's span is never rescanned per block to
 * decide zone->contiguous: see "Zone contiguity" in
 * memory_hotplug_zone.c.
 *
 * Locking: all of it runs with mem_hotplug_lock held for writing (the
 * caller's mem_hotplug_begin()), under the device hotplug lock.  The zone
 * and node spans (memory_hotplug_zone.c) change under pgdat_resize_lock()
 * and the zone span seqlock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/error-injection.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/compaction.h>
#include <linux/export.h>
#include <linux/kasan.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/page-isolation.h>
#include <linux/swap.h>
#include <linux/timekeeping.h>
#include <linux/writeback.h>

#include "internal.h"
#include "shuffle.h"

#include <trace/events/memory_hotplug.h>

/* ------------------------------------------------------------------------
 * How onlined pages reach the page allocator
 */

/*
 * Serializes replacing online_page_callback.  Readers (onlining) hold
 * mem_hotplug_lock, which the writers take for reading around the swap, so
 * the callback never changes under an online in progress.
 */
static DEFINE_MUTEX(online_callback_lock);
static online_page_callback_t online_page_callback = generic_online_page;

/**
 * generic_online_page() - give a freshly onlined chunk to the buddy allocator
 * @page: first page of the chunk.
 * @order: the chunk is 2^@order pages, naturally aligned.
 *
 * Context: Process context, mem_hotplug_lock held.
 */
void generic_online_page(struct page *page, unsigned int order)
{
	__free_pages_core(page, order, MEMINIT_HOTPLUG);
}
EXPORT_SYMBOL_GPL(generic_online_page);

/* Replace the callback @from by @to; -EINVAL when @from is not current. */
static int replace_online_callback(online_page_callback_t from,
				   online_page_callback_t to)
{
	int ret = -EINVAL;

	get_online_mems();
	scoped_guard(mutex, &online_callback_lock) {
		if (online_page_callback == from) {
			online_page_callback = to;
			ret = 0;
		}
	}
	put_online_mems();
	return ret;
}

/**
 * set_online_page_callback() - take over how onlined pages are released
 * @callback: called for each naturally aligned chunk instead of
 *	generic_online_page().
 *
 * Only one driver at a time may do this.
 *
 * Context: Process context, may sleep.
 * Return: 0, or -EINVAL when another callback is installed.
 */
int set_online_page_callback(online_page_callback_t callback)
{
	return replace_online_callback(generic_online_page, callback);
}
EXPORT_SYMBOL_GPL(set_online_page_callback);

/**
 * restore_online_page_callback() - give page release back to the kernel
 * @callback: the callback set_online_page_callback() installed.
 *
 * Context: Process context, may sleep.
 * Return: 0, or -EINVAL when @callback is not the installed one.
 */
int restore_online_page_callback(online_page_callback_t callback)
{
	return replace_online_callback(callback, generic_online_page);
}
EXPORT_SYMBOL_GPL(restore_online_page_callback);

/*
 * Release [pfn, end) in naturally aligned chunks of up to MAX_PAGE_ORDER,
 * never past @end.
 */
static void release_chunks(unsigned long pfn, unsigned long end, void *unused)
{
	unsigned int order;

	while (pfn < end) {
		order = pfn ? __ffs(pfn) : MAX_PAGE_ORDER;
		order = min3(order, (unsigned int)MAX_PAGE_ORDER,
			     (unsigned int)ilog2(end - pfn));
		online_page_callback(pfn_to_page(pfn), order);
		pfn += 1UL << order;
	}
}

/*
 * Release [pfn, end) to the buddy allocator, then mark its sections
 * online.  The kernel's own release may run on several CPUs at once (the
 * page allocator frees concurrently anyway); a driver's callback runs on
 * this CPU only, as it always has.
 */
static void release_to_buddy(struct zone *zone, unsigned long pfn,
			     unsigned long end)
{
	if (online_page_callback == generic_online_page)
		mhp_pfn_work(zone_to_nid(zone), pfn, end, MAX_ORDER_NR_PAGES,
			     release_chunks, NULL);
	else
		release_chunks(pfn, end, NULL);
	online_mem_sections(pfn, end);
}

/* ------------------------------------------------------------------------
 * memmap_on_memory pages
 */

/**
 * mhp_init_memmap_on_memory() - bring a block's self-hosted memmap online
 * @pfn: first pfn of the block (where its memmap starts).
 * @nr_pages: pages holding the memmap.
 * @zone: the zone the block goes to.
 * @mhp_off_inaccessible: the memmap was never written while offline.
 *
 * Context: Process context, mem_hotplug_lock held for writing.
 * Return: 0, or the KASAN shadow allocation error.
 */
noinline int mhp_init_memmap_on_memory(unsigned long pfn,
				       unsigned long nr_pages,
				       struct zone *zone,
				       bool mhp_off_inaccessible)
{
	struct page *first = pfn_to_page(pfn), *page;
	int ret = kasan_add_zero_shadow(__va(PFN_PHYS(pfn)), PFN_PHYS(nr_pages));

	if (ret)
		return ret;
	/* never-written struct pages must look poisoned before first use */
	if (mhp_off_inaccessible)
		page_init_poison(first, sizeof(struct page) * nr_pages);
	move_pfn_range_to_zone(zone, pfn, nr_pages, NULL, MIGRATE_UNMOVABLE);
	/* they hold memmap, in use for good: not PageOffline, self-hosted */
	for (page = first; page < first + nr_pages; page++) {
		__ClearPageOffline(page);
		SetPageVmemmapSelfHosted(page);
	}
	/* whole sections of memmap pages are online from now on */
	if (nr_pages >= PAGES_PER_SECTION)
		online_mem_sections(pfn, pfn + ALIGN_DOWN(nr_pages, PAGES_PER_SECTION));
	return 0;
}
ALLOW_ERROR_INJECTION(mhp_init_memmap_on_memory, ERRNO);

/**
 * mhp_deinit_memmap_on_memory() - undo mhp_init_memmap_on_memory()
 * @pfn: first pfn of the block.
 * @nr_pages: pages holding the memmap.
 *
 * Context: Process context, mem_hotplug_lock held for writing.
 */
void mhp_deinit_memmap_on_memory(unsigned long pfn, unsigned long nr_pages)
{
	if (nr_pages >= PAGES_PER_SECTION)
		offline_mem_sections(pfn, ALIGN_DOWN(pfn + nr_pages,
						     PAGES_PER_SECTION));
	remove_pfn_range_from_zone(page_zone(pfn_to_page(pfn)), pfn, nr_pages);
	kasan_remove_zero_shadow(__va(PFN_PHYS(pfn)), PFN_PHYS(nr_pages));
}

/* ------------------------------------------------------------------------
 * online_pages()
 */

/*
 * Will [pfn, end), once online, leave @zone contiguous?  Asked before the
 * range joins the zone; see "Zone contiguity" in
 * memory_hotplug_zone.c.
 */
static bool extends_contiguous_zone(struct zone *zone, unsigned long pfn,
				    unsigned long end)
{
	if (zone_is_empty(zone))
		return true;
	return zone->contiguous &&
	       (pfn == zone_end_pfn(zone) || end == zone->zone_start_pfn);
}

/* The node states the range's node gains by onlining into @zone. */
static void online_state_changes(struct zone *zone, struct memory_notify *arg)
{
	int nid = zone_to_nid(zone);
	bool normal = zone_idx(zone) <= ZONE_NORMAL;

	arg->status_change_nid = node_state(nid, N_MEMORY) ? NUMA_NO_NODE : nid;
	arg->status_change_nid_normal =
		normal && !node_state(nid, N_NORMAL_MEMORY) ? nid : NUMA_NO_NODE;
}

static void apply_online_states(const struct memory_notify *arg)
{
	if (arg->status_change_nid_normal != NUMA_NO_NODE)
		node_set_state(arg->status_change_nid_normal, N_NORMAL_MEMORY);
	if (arg->status_change_nid != NUMA_NO_NODE)
		node_set_state(arg->status_change_nid, N_MEMORY);
}

/* Watermarks, reclaim/compaction threads and dirty limits see the memory. */
static void refresh_after_online(struct zone *zone)
{
	int nid = zone_to_nid(zone);

	shuffle_zone(zone);
	init_per_zone_wmark_min();
	kswapd_run(nid);
	kcompactd_run(nid);
	writeback_set_ratelimit();
}

/* A zone getting its first pages needs per-CPU pagesets of its own. */
static noinline int zone_pagesets_new(struct zone *zone)
{
	return setup_zone_pageset(zone);
}
ALLOW_ERROR_INJECTION(zone_pagesets_new, ERRNO);

/* Hand the isolated, accounted range to the buddy allocator. */
static void populate_range(struct zone *zone, struct memory_group *group,
			   const struct memory_notify *arg)
{
	unsigned long pfn = arg->start_pfn, end = pfn + arg->nr_pages;
	bool first_pages = !populated_zone(zone);
	unsigned long flags;

	/* undo_isolate_page_range() below expects them counted as isolated */
	spin_lock_irqsave(&zone->lock, flags);
	zone->nr_isolate_pageblock += arg->nr_pages / pageblock_nr_pages;
	spin_unlock_irqrestore(&zone->lock, flags);

	release_to_buddy(zone, pfn, end);
	adjust_present_page_count(pfn_to_page(pfn), group, arg->nr_pages);
	apply_online_states(arg);
	if (first_pages)
		build_all_zonelists(NULL);
	undo_isolate_page_range(pfn, end, MIGRATE_MOVABLE);
}

/* online_pages() for a range it checked: the steps and their undo. */
static int online_range(unsigned long pfn, unsigned long nr_pages,
			struct zone *zone, struct memory_group *group)
{
	struct memory_notify arg = { .start_pfn = pfn, .nr_pages = nr_pages };
	bool extends = extends_contiguous_zone(zone, pfn, pfn + nr_pages);
	int ret;

	/* isolated until every page is accounted, so none is allocated early */
	move_pfn_range_to_zone(zone, pfn, nr_pages, NULL, MIGRATE_ISOLATE);
	online_state_changes(zone, &arg);
	ret = memory_notify_or_cancel(MEM_GOING_ONLINE, MEM_CANCEL_ONLINE, &arg);
	if (ret) {
		pr_debug("online of pfns %#lx-%#lx vetoed: %d\n",
			 pfn, pfn + nr_pages - 1, ret);
		/* the notifier chain has sent MEM_CANCEL_ONLINE */
		goto remove_from_zone;
	}
	if (!populated_zone(zone)) {
		ret = zone_pagesets_new(zone);
		if (ret)
			goto cancel_online;
	}
	populate_range(zone, group, &arg);
	/* every pfn of the grown span is online in this zone again */
	if (extends) {
		/*
		 * memmap, sections and span are written before the flag:
		 * pairs with pageblock_pfn_to_page()
		 */
		smp_store_release(&zone->contiguous, true);
	}
	refresh_after_online(zone);
	memory_notify(MEM_ONLINE, &arg);
	return 0;

cancel_online:
	memory_notify(MEM_CANCEL_ONLINE, &arg);
remove_from_zone:
	remove_pfn_range_from_zone(zone, pfn, nr_pages);
	return ret;
}

/**
 * online_pages() - online a range of a memory block into a zone
 * @pfn: first pfn; pageblock aligned.
 * @nr_pages: number of pages; the range ends on a section boundary.
 * @zone: the zone, from zone_for_pfn_range().
 * @group: the block's memory group, or NULL.
 *
 * Context: Process context, mem_hotplug_lock held for writing, under the
 * device hotplug lock.
 * Return: 0; -EINVAL for a misaligned range; -ENOMEM when a zone's first
 * pages get no per-CPU pagesets; or the errno of a MEM_GOING_ONLINE veto.
 * Nothing has changed after an error, except that zone->contiguous may be
 * left clear (a hint only: walks then check each pageblock).
 */
noinline int online_pages(unsigned long pfn, unsigned long nr_pages,
			  struct zone *zone, struct memory_group *group)
{
	u64 t0 = ktime_get_ns();
	int ret;

	mem_hotplug_assert_held();
	if (WARN_ON_ONCE(!nr_pages || !pageblock_aligned(pfn) ||
			 !IS_ALIGNED(pfn + nr_pages, PAGES_PER_SECTION)))
		ret = -EINVAL;
	else
		ret = online_range(pfn, nr_pages, zone, group);
	trace_mhp_online(pfn, nr_pages, zone, group ? group->id : -1, ret,
			 ktime_get_ns() - t0);
	return ret;
}
ALLOW_ERROR_INJECTION(online_pages, ERRNO);
