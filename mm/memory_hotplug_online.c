// SPDX-License-Identifier: GPL-2.0
/*
 * Onlining memory: from offline sections to pages in the buddy allocator
 * (memhp).
 *
 * Copyright (C) 2026 The memhp authors
 */

/**
 * DOC: onlining a range of memory
 *
 * drivers/base/memory.c onlines one block at a time, in this order:
 *
 * 1. mhp_init_memmap_on_memory() when the block carries its own memmap:
 *    those leading pages join the zone and are marked self-hosted.
 * 2. online_pages() for the rest: the range joins the zone (memmap written,
 *    pageblocks isolated), subscribers get MEM_GOING_ONLINE and may veto,
 *    a zone's first pages get its per-CPU pagesets (if they cannot be
 *    allocated, MEM_CANCEL_ONLINE undoes the online), then the pages go
 *    to the buddy allocator in the largest aligned chunks, the zone and
 *    node are accounted, the node gains its N_MEMORY / N_NORMAL_MEMORY
 *    states, zonelists are rebuilt if the zone was empty, the pageblocks
 *    become movable, and watermarks, kswapd, kcompactd and the writeback
 *    limits follow.  MEM_ONLINE ends it.
 *
 * Cost: every step is linear in the range except the global refreshes
 * (watermarks, writeback ratelimit), which are linear in the number of
 * zones.  In particular the zone's span is never rescanned per block to
 * decide zone->contiguous (stock Linux does, at O(zone) per block): see
 * "Zone contiguity" below.
 *
 * Locking: all of it runs with mem_hotplug_lock held for writing (the
 * caller's mem_hotplug_begin()), under the device hotplug lock.  Zone and
 * node spans change under pgdat_resize_lock() and the zone span seqlock.
 */

#define pr_fmt(fmt) "memhp: " fmt

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
#include <linux/writeback.h>

#include "internal.h"
#include "shuffle.h"

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
 * never past @end, then mark its sections online.
 */
static void release_to_buddy(unsigned long pfn, unsigned long end)
{
	unsigned long first = pfn;
	unsigned int order;

	while (pfn < end) {
		order = pfn ? __ffs(pfn) : MAX_PAGE_ORDER;
		order = min3(order, (unsigned int)MAX_PAGE_ORDER,
			     (unsigned int)ilog2(end - pfn));
		online_page_callback(pfn_to_page(pfn), order);
		pfn += 1UL << order;
	}
	online_mem_sections(first, end);
}

/* ------------------------------------------------------------------------
 * Zone and node spans
 */

/* Grow a span [*start, *start + *spanned) to cover [pfn, pfn + nr). */
static void span_cover(unsigned long *start, unsigned long *spanned,
		       bool empty, unsigned long pfn, unsigned long nr)
{
	unsigned long end = pfn + nr;

	if (!empty) {
		end = max(end, *start + *spanned);
		pfn = min(pfn, *start);
	}
	*start = pfn;
	*spanned = end - pfn;
}

#ifdef CONFIG_ZONE_DEVICE
/* A section partly ZONE_DEVICE makes pfn walkers take the slow path. */
static void taint_partial_device_sections(unsigned long pfn, unsigned long end)
{
	if (!IS_ALIGNED(pfn, PAGES_PER_SECTION))
		__pfn_to_section(pfn)->section_mem_map |= SECTION_TAINT_ZONE_DEVICE;
	if (!IS_ALIGNED(end, PAGES_PER_SECTION))
		__pfn_to_section(end)->section_mem_map |= SECTION_TAINT_ZONE_DEVICE;
}
#else
static void taint_partial_device_sections(unsigned long pfn, unsigned long end)
{
}
#endif

/**
 * move_pfn_range_to_zone() - make a range of pfns part of a zone
 * @zone: the zone.
 * @start_pfn: first pfn.
 * @nr_pages: number of pages.
 * @altmap: where the range's memmap lives, or NULL.
 * @migratetype: migratetype of the range's pageblocks.
 *
 * Grows the zone's and node's spans and initializes the memmap of the
 * range; the pages are not online yet.  A zone that was contiguous stops
 * being so, and memmap walks that trusted it end, before its span grows.
 *
 * Context: Process context, mem_hotplug_lock held for writing; may sleep,
 * never inside a memmap walk.
 */
void move_pfn_range_to_zone(struct zone *zone, unsigned long start_pfn,
			    unsigned long nr_pages, struct vmem_altmap *altmap,
			    int migratetype)
{
	struct pglist_data *pgdat = zone->zone_pgdat;
	bool already_online = pfn_to_online_page(start_pfn);
	bool was_contiguous = zone->contiguous;
	unsigned long flags;

	clear_zone_contiguous(zone);
	/*
	 * A walk that read the flag as set trusts the span: it must end
	 * before the span covers a memmap that is not initialised yet.
	 */
	if (was_contiguous)
		memmap_walkers_sync();
	if (zone_is_empty(zone))
		init_currently_empty_zone(zone, start_pfn, nr_pages);
	pgdat_resize_lock(pgdat, &flags);
	zone_span_writelock(zone);
	span_cover(&zone->zone_start_pfn, &zone->spanned_pages,
		   zone_is_empty(zone), start_pfn, nr_pages);
	zone_span_writeunlock(zone);
	span_cover(&pgdat->node_start_pfn, &pgdat->node_spanned_pages,
		   !pgdat->node_spanned_pages, start_pfn, nr_pages);
	pgdat_resize_unlock(pgdat, &flags);

	if (zone_is_zone_device(zone))
		taint_partial_device_sections(start_pfn, start_pfn + nr_pages);
	/* the zone now spans pages that are reserved until onlined */
	memmap_init_range(nr_pages, pgdat->node_id, zone_idx(zone), start_pfn,
			  0, MEMINIT_HOTPLUG, altmap, migratetype);
	/*
	 * The range's sections are not online yet, so the zone cannot be
	 * contiguous now; online_pages() settles the flag once they are.
	 */
	if (already_online)
		set_zone_contiguous(zone);
}

/* ------------------------------------------------------------------------
 * Zone contiguity, kept up to date without rescanning the zone
 *
 * zone->contiguous promises that every pageblock of the zone's span is
 * online memory of that zone; compaction then walks the span without
 * checking each pageblock.  A range onlined at an edge of a contiguous
 * (or empty) zone keeps the promise, but only from the end of the
 * online: the flag is cleared while the span grows over a memmap that is
 * not initialised yet, after walks that trusted it ended, and set again
 * once the range is online.  A removal breaks it: the flag is
 * cleared, walks that may have trusted it or the range end
 * (memmap_walkers_sync()), and only then does the span shrink and the
 * memmap get poisoned.  The flag
 * is not set again after the span shrinks, only when an empty zone fills
 * again; compaction checks its cached scan positions against the span, so
 * positions from an older span are never taken on trust.  A zone that
 * lost memory walks the checked way (one pfn_to_online_page() per
 * pageblock), which costs far less than rescanning the zone per block.
 */

/* Will [pfn, end), once online, leave @zone contiguous? (before the move) */
static bool extends_contiguous_zone(struct zone *zone, unsigned long pfn,
				    unsigned long end)
{
	if (zone_is_empty(zone))
		return true;
	return zone->contiguous &&
	       (pfn == zone_end_pfn(zone) || end == zone->zone_start_pfn);
}

/*
 * The first (@up) or last online pfn of @zone on its node within
 * [pfn, end), at subsection granularity, or 0 when there is none.
 */
static unsigned long edge_online_pfn(struct zone *zone, unsigned long pfn,
				     unsigned long end, bool up)
{
	unsigned long cur, n = (end - pfn) / PAGES_PER_SUBSECTION, i;
	int nid = zone_to_nid(zone);

	for (i = 0; i < n; i++) {
		cur = up ? pfn + i * PAGES_PER_SUBSECTION :
			   end - (i + 1) * PAGES_PER_SUBSECTION;
		if (pfn_to_online_page(cur) && pfn_to_nid(cur) == nid &&
		    page_zone(pfn_to_page(cur)) == zone)
			return up ? cur : cur + PAGES_PER_SUBSECTION - 1;
	}
	return 0;
}

/*
 * The span of @zone without [pfn, end), when the range sits at an edge:
 * *@start and *@spanned, computed without a lock (the layout cannot change
 * under mem_hotplug_lock held for writing).  Return: false when the span
 * stays as it is.
 */
static bool zone_span_without(struct zone *zone, unsigned long pfn,
			      unsigned long end, unsigned long *start,
			      unsigned long *spanned)
{
	unsigned long zstart = zone->zone_start_pfn, zend = zone_end_pfn(zone);
	unsigned long edge;

	if (pfn == zstart) {
		edge = edge_online_pfn(zone, end, zend, true);
		*start = edge;
		*spanned = edge ? zend - edge : 0;
		return true;
	}
	if (end == zend) {
		edge = edge_online_pfn(zone, zstart, pfn, false);
		*spanned = edge ? edge + 1 - zstart : 0;
		*start = edge ? zstart : 0;
		return true;
	}
	return false;
}

/* A node spans from its lowest to its highest non-empty zone. */
static void node_span_from_zones(struct pglist_data *pgdat)
{
	unsigned long start = ULONG_MAX, end = 0;
	int zid;

	for (zid = 0; zid < MAX_NR_ZONES; zid++) {
		struct zone *zone = &pgdat->node_zones[zid];

		if (!zone_is_empty(zone)) {
			start = min(start, zone->zone_start_pfn);
			end = max(end, zone_end_pfn(zone));
		}
	}
	if (!end)
		start = 0;
	pgdat->node_start_pfn = start;
	pgdat->node_spanned_pages = end - start;
}

/**
 * remove_pfn_range_from_zone() - take an offline range out of its zone
 * @zone: the zone.
 * @start_pfn: first pfn.
 * @nr_pages: number of pages.
 *
 * Waits for memmap walks that may have seen the range online (see
 * memmap_walk_begin()); then, for a regular zone, shrinks the zone's and
 * node's spans when the range was at an edge, and poisons the range's
 * memmap (DEBUG_VM).  The range's sections must be offline already.
 *
 * Context: Process context, mem_hotplug_lock held for writing; sleeps
 * until earlier memmap walks end, so never inside one.
 */
void remove_pfn_range_from_zone(struct zone *zone, unsigned long start_pfn,
				unsigned long nr_pages)
{
	unsigned long end = start_pfn + nr_pages, pfn, step, flags;
	unsigned long zstart, zspanned;
	struct pglist_data *pgdat = zone->zone_pgdat;

	/*
	 * New walks check each pageblock and skip this range; walks that
	 * began before may still use it, and the zone's span, until they end.
	 */
	clear_zone_contiguous(zone);
	memmap_walkers_sync();
	if (!zone_is_zone_device(zone) &&
	    zone_span_without(zone, start_pfn, end, &zstart, &zspanned)) {
		pgdat_resize_lock(pgdat, &flags);
		zone_span_writelock(zone);
		zone->zone_start_pfn = zstart;
		zone->spanned_pages = zspanned;
		zone_span_writeunlock(zone);
		node_span_from_zones(pgdat);
		pgdat_resize_unlock(pgdat, &flags);
	}
	for (pfn = start_pfn; pfn < end; pfn += step) {
		cond_resched();
		step = min(end - pfn, SECTION_ALIGN_UP(pfn + 1) - pfn);
		page_init_poison(pfn_to_page(pfn), sizeof(struct page) * step);
	}
}

/**
 * adjust_present_page_count() - account pages that went online or offline
 * @page: a page of the range (its zone and section decide the counters).
 * @group: the range's memory group, or NULL.
 * @nr_pages: pages gone online (positive) or offline (negative).
 *
 * Context: Process context, mem_hotplug_lock held for writing.
 */
void adjust_present_page_count(struct page *page, struct memory_group *group,
			       long nr_pages)
{
	struct zone *zone = page_zone(page);

	zone->present_pages += nr_pages;
	zone->zone_pgdat->node_present_pages += nr_pages;
	if (early_section(__pfn_to_section(page_to_pfn(page))))
		zone->present_early_pages += nr_pages;
	if (!group)
		return;
	if (zone_idx(zone) == ZONE_MOVABLE)
		group->present_movable_pages += nr_pages;
	else
		group->present_kernel_pages += nr_pages;
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

	release_to_buddy(pfn, end);
	adjust_present_page_count(pfn_to_page(pfn), group, arg->nr_pages);
	apply_online_states(arg);
	if (first_pages)
		build_all_zonelists(NULL);
	undo_isolate_page_range(pfn, end, MIGRATE_MOVABLE);
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
	struct memory_notify arg = { .start_pfn = pfn, .nr_pages = nr_pages };
	bool extends = extends_contiguous_zone(zone, pfn, pfn + nr_pages);
	int ret;

	mem_hotplug_assert_held();
	if (WARN_ON_ONCE(!nr_pages || !pageblock_aligned(pfn) ||
			 !IS_ALIGNED(pfn + nr_pages, PAGES_PER_SECTION)))
		return -EINVAL;

	/* isolated until every page is accounted, so none is allocated early */
	move_pfn_range_to_zone(zone, pfn, nr_pages, NULL, MIGRATE_ISOLATE);
	online_state_changes(zone, &arg);
	ret = memory_notify_or_cancel(MEM_GOING_ONLINE, MEM_CANCEL_ONLINE, &arg);
	if (ret) {
		pr_debug("online of pfns %#lx-%#lx vetoed: %d\n",
			 pfn, pfn + nr_pages - 1, ret);
		goto err_remove;
	}
	if (!populated_zone(zone)) {
		ret = zone_pagesets_new(zone);
		if (ret) {
			memory_notify(MEM_CANCEL_ONLINE, &arg);
			goto err_remove;
		}
	}
	populate_range(zone, group, &arg);
	/* every pfn of the grown span is online in this zone again */
	if (extends) {
		/* memmap, sections, span first: pairs with pageblock_pfn_to_page() */
		smp_store_release(&zone->contiguous, true);
	}
	refresh_after_online(zone);
	memory_notify(MEM_ONLINE, &arg);
	return 0;

err_remove:
	remove_pfn_range_from_zone(zone, pfn, nr_pages);
	return ret;
}
ALLOW_ERROR_INJECTION(online_pages, ERRNO);
