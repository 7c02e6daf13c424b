// SPDX-License-Identifier: GPL-2.0
/*
 * Zones of hot-plugged memory: the zone a range goes online to, and the
 * zone and node spans as ranges join and leave them.
 */

/**
 * DOC: choosing the zone of an onlined memory block
 *
 * A block written "online_kernel" goes to the kernel zone its pfns fall in
 * (ZONE_DMA / ZONE_DMA32 when the block lies in their span, else
 * ZONE_NORMAL); "online_movable" goes to ZONE_MOVABLE.  Plain "online"
 * asks the online policy, memory_hotplug.online_policy:
 *
 * contig-zones (default)
 *	keep zones contiguous: when the block touches exactly one of the
 *	node's kernel zone and ZONE_MOVABLE, take that one; otherwise
 *	ZONE_MOVABLE with movable_node, else the kernel zone.
 *
 * auto-movable
 *	ZONE_MOVABLE as long as movable memory stays within
 *	memory_hotplug.auto_movable_ratio percent of the kernel memory that
 *	can serve it: boot-time kernel memory, plus the kernel part of
 *	dynamic groups (virtio-mem), minus what other dynamic groups already
 *	need for their own movable memory.  The check is system wide and, with
 *	memory_hotplug.auto_movable_numa_aware, also per node.  A static group
 *	(a DIMM) is judged as a whole, so it never ends up split between
 *	zones; a dynamic group is judged per unit.
 *
 * The arithmetic of that check, movable_fits_ratio(), is a pure function
 * the KUnit suite drives with tables; gathering its inputs walks the
 * node's zones and the dynamic memory groups.
 *
 * Context: the zone choice runs with mem_hotplug_lock held for an online,
 * and with no lock for a read of sysfs valid_zones, which only reports:
 * zone counters and group sizes may change under that reader, which makes
 * its answer as stale as any sysfs read.  The span and contiguity
 * functions below need mem_hotplug_lock held for writing.
 */

#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "internal.h"

/* ------------------------------------------------------------------------
 * Parameters
 */

enum online_policy {
	POLICY_CONTIG_ZONES,
	POLICY_AUTO_MOVABLE,
};

static const char * const policy_names[] = {
	"contig-zones",
	"auto-movable",
};

/* memory_hotplug.online_policy: an enum online_policy; read locklessly. */
static int online_policy __read_mostly = POLICY_CONTIG_ZONES;

static int policy_parse(const char *val)
{
	return sysfs_match_string(policy_names, val);
}

static int online_policy_set(const char *val, const struct kernel_param *kp)
{
	int policy = policy_parse(val);

	if (policy < 0)
		return policy;
	WRITE_ONCE(*(int *)kp->arg, policy);
	return 0;
}

static int online_policy_get(char *buffer, const struct kernel_param *kp)
{
	return sprintf(buffer, "%s\n", policy_names[READ_ONCE(*(int *)kp->arg)]);
}

static const struct kernel_param_ops online_policy_ops = {
	.set = online_policy_set,
	.get = online_policy_get,
};
module_param_cb(online_policy, &online_policy_ops, &online_policy, 0644);
MODULE_PARM_DESC(online_policy,
		 "zone of plainly onlined memory: \"contig-zones\" (default) or \"auto-movable\"");

/* memory_hotplug.auto_movable_ratio: MOVABLE:KERNEL limit in percent. */
static unsigned int auto_movable_ratio __read_mostly = 301;
module_param(auto_movable_ratio, uint, 0644);
MODULE_PARM_DESC(auto_movable_ratio,
		 "auto-movable: most MOVABLE memory, in percent of KERNEL memory (default 301)");

#ifdef CONFIG_NUMA
/* memory_hotplug.auto_movable_numa_aware: also check the block's node. */
static bool auto_movable_numa_aware __read_mostly = true;
module_param(auto_movable_numa_aware, bool, 0644);
MODULE_PARM_DESC(auto_movable_numa_aware,
		 "auto-movable: apply the ratio per node too (default true)");

static bool numa_aware(void)
{
	return READ_ONCE(auto_movable_numa_aware);
}
#else
static bool numa_aware(void)
{
	return false;
}
#endif

/* ------------------------------------------------------------------------
 * The ratio check
 */

/* What the zones of a node (or of all nodes) hold. */
struct movable_stats {
	unsigned long kernel_early;	/* boot-time pages of kernel zones */
	unsigned long movable;		/* ZONE_MOVABLE pages, plus CMA */
};

/* What the dynamic groups other than the one being onlined account for. */
struct group_claims {
	unsigned long movable;		/* their ZONE_MOVABLE pages */
	unsigned long kernel_needed;	/* early kernel pages they rely on */
};

/*
 * May @nr_pages more movable pages go online?  @own_kernel is the kernel
 * memory of the dynamic group being onlined (it backs its own movable
 * memory).  Pure arithmetic, so KUnit can drive it.
 */
static bool movable_fits_ratio(const struct movable_stats *st,
			       const struct group_claims *claims,
			       unsigned long own_kernel,
			       unsigned long nr_pages, unsigned int ratio)
{
	unsigned long kernel, movable;

	if (st->kernel_early <= claims->kernel_needed)
		return false;
	kernel = st->kernel_early - claims->kernel_needed + own_kernel;
	movable = st->movable - claims->movable + nr_pages;
	return movable <= (unsigned long)ratio * kernel / 100;
}

static void add_zone_stats(struct movable_stats *st, struct zone *zone)
{
	if (zone_idx(zone) == ZONE_MOVABLE) {
		st->movable += zone->present_pages;
		return;
	}
	st->kernel_early += zone->present_early_pages;
	/* CMA pages (never hot-added) behave like movable memory */
	st->kernel_early -= zone_cma_pages(zone);
	st->movable += zone_cma_pages(zone);
}

static void gather_stats(struct movable_stats *st, int nid)
{
	struct zone *zone;

	if (nid == NUMA_NO_NODE) {
		for_each_populated_zone(zone)
			add_zone_stats(st, zone);
		return;
	}
	for (zone = NODE_DATA(nid)->node_zones;
	     zone < NODE_DATA(nid)->node_zones + MAX_NR_ZONES; zone++)
		if (populated_zone(zone))
			add_zone_stats(st, zone);
}

/* walk_dynamic_memory_groups() callback: what @group claims. */
static int claim_group(struct memory_group *group, void *arg)
{
	unsigned int ratio = READ_ONCE(auto_movable_ratio);
	struct group_claims *claims = arg;
	unsigned long backing;

	if (!ratio)
		return 0;
	claims->movable += group->present_movable_pages;
	/* kernel memory its movable memory needs, beyond what it brought */
	backing = group->present_movable_pages * 100 / ratio;
	if (backing > group->present_kernel_pages)
		claims->kernel_needed += backing - group->present_kernel_pages;
	return 0;
}

/* The ratio check for node @nid (NUMA_NO_NODE: the whole system). */
static bool movable_allowed(int nid, struct memory_group *group,
			    unsigned long nr_pages, unsigned int ratio)
{
	struct group_claims claims = {};
	struct movable_stats st = {};
	unsigned long own_kernel = 0;

	gather_stats(&st, nid);
	walk_dynamic_memory_groups(nid, claim_group, group, &claims);
	if (group && group->is_dynamic)
		own_kernel = group->present_kernel_pages;
	return movable_fits_ratio(&st, &claims, own_kernel, nr_pages, ratio);
}

/*
 * Movable pages a dynamic group's unit at @pfn would bring: the unit minus
 * what of it is already online; -1 when part of it is online in a kernel
 * zone (the unit then stays kernel).
 */
static long dynamic_unit_plan(struct memory_group *group, unsigned long pfn)
{
	unsigned long unit = group->d.unit_pages;
	unsigned long first = ALIGN_DOWN(pfn, unit);
	unsigned long cur, online = 0;
	struct page *page;

	for (cur = first; cur < first + unit; cur += PAGES_PER_SECTION) {
		page = pfn_to_online_page(cur);
		if (!page)
			continue;
		if (!is_zone_movable_page(page))
			return -1;
		online += PAGES_PER_SECTION;
	}
	return unit - online;
}

/*
 * Movable pages to check the ratio for when onlining [pfn, pfn + nr_pages),
 * or -1 when the group already went to a kernel zone and must stay there.
 */
static long movable_plan(struct memory_group *group, unsigned long pfn,
			 unsigned long nr_pages)
{
	if (!group)
		return nr_pages;
	if (!group->is_dynamic) {
		/* a DIMM is judged whole, and never split between zones */
		if (group->present_kernel_pages)
			return -1;
		return group->s.max_pages - group->present_movable_pages;
	}
	if (group->d.unit_pages == nr_pages)
		return nr_pages;
	return dynamic_unit_plan(group, pfn);
}

/* ------------------------------------------------------------------------
 * Zone choice
 */

static struct zone *movable_zone_of(int nid)
{
	return &NODE_DATA(nid)->node_zones[ZONE_MOVABLE];
}

/* The lowest kernel zone below Normal that spans the range, else Normal. */
static struct zone *kernel_zone_for(int nid, unsigned long pfn,
				    unsigned long nr_pages)
{
	struct zone *zones = NODE_DATA(nid)->node_zones;
	enum zone_type zid;

	for (zid = 0; zid < ZONE_NORMAL; zid++)
		if (zone_intersects(&zones[zid], pfn, nr_pages))
			return &zones[zid];
	return &zones[ZONE_NORMAL];
}

static struct zone *contig_zone_for(int nid, unsigned long pfn,
				    unsigned long nr_pages)
{
	struct zone *kernel = kernel_zone_for(nid, pfn, nr_pages);
	struct zone *movable = movable_zone_of(nid);
	bool touches_kernel = zone_intersects(kernel, pfn, nr_pages);
	bool touches_movable = zone_intersects(movable, pfn, nr_pages);

	if (touches_kernel != touches_movable)
		return touches_kernel ? kernel : movable;
	return movable_node_is_enabled() ? movable : kernel;
}

static struct zone *auto_movable_zone_for(int nid, struct memory_group *group,
					  unsigned long pfn,
					  unsigned long nr_pages)
{
	unsigned int ratio = READ_ONCE(auto_movable_ratio);
	long plan = ratio ? movable_plan(group, pfn, nr_pages) : -1;

	if (plan >= 0 && movable_allowed(NUMA_NO_NODE, group, plan, ratio) &&
	    (!numa_aware() || movable_allowed(nid, group, plan, ratio)))
		return movable_zone_of(nid);
	return kernel_zone_for(nid, pfn, nr_pages);
}

/**
 * zone_for_pfn_range() - the zone a range of a memory block goes online to
 * @online_type: MMOP_ONLINE, MMOP_ONLINE_KERNEL or MMOP_ONLINE_MOVABLE.
 * @nid: node of the range.
 * @group: memory group of the range, or NULL.
 * @start_pfn: first pfn.
 * @nr_pages: number of pages.
 *
 * Context: Process context; mem_hotplug_lock held for an online, no lock
 * for a report (sysfs valid_zones), whose answer may then be stale.
 * Return: the zone; never NULL.
 */
struct zone *zone_for_pfn_range(enum mmop online_type, int nid,
				struct memory_group *group,
				unsigned long start_pfn, unsigned long nr_pages)
{
	switch (online_type) {
	case MMOP_ONLINE_KERNEL:
		return kernel_zone_for(nid, start_pfn, nr_pages);
	case MMOP_ONLINE_MOVABLE:
		return movable_zone_of(nid);
	default:
		break;
	}
	if (READ_ONCE(online_policy) == POLICY_AUTO_MOVABLE)
		return auto_movable_zone_for(nid, group, start_pfn, nr_pages);
	return contig_zone_for(nid, start_pfn, nr_pages);
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

struct memmap_init_args {
	int nid;
	enum zone_type zone_idx;
	struct vmem_altmap *altmap;
	int migratetype;
};

static void init_memmap_chunk(unsigned long pfn, unsigned long end, void *arg)
{
	const struct memmap_init_args *a = arg;

	memmap_init_range(end - pfn, a->nid, a->zone_idx, pfn, 0,
			  MEMINIT_HOTPLUG, a->altmap, a->migratetype);
}

/*
 * Write the memmap of [pfn, pfn + nr_pages), on several CPUs when the
 * range is large.  ZONE_DEVICE memmaps are written later, by their owner.
 */
static void init_memmap(struct zone *zone, unsigned long pfn,
			unsigned long nr_pages, struct vmem_altmap *altmap,
			int migratetype)
{
	struct memmap_init_args a = {
		.nid = zone_to_nid(zone), .zone_idx = zone_idx(zone),
		.altmap = altmap, .migratetype = migratetype,
	};

	if (zone_is_zone_device(zone)) {
		init_memmap_chunk(pfn, pfn + nr_pages, &a);
		return;
	}
	/* raised once here: the chunks must not race on it */
	if (highest_memmap_pfn < pfn + nr_pages - 1)
		highest_memmap_pfn = pfn + nr_pages - 1;
	mhp_pfn_work(a.nid, pfn, pfn + nr_pages, pageblock_nr_pages,
		     init_memmap_chunk, &a);
}

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
	init_memmap(zone, start_pfn, nr_pages, altmap, migratetype);
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
 * once the range is online.  A removal breaks it: the flag is cleared,
 * walks that may have trusted it or the range end (memmap_walkers_sync()),
 * and only then does the span shrink and the memmap get poisoned.  The
 * flag is not set again after the span shrinks, only when an empty zone
 * fills again; compaction checks its cached scan positions against the
 * span, so positions from an older span are never taken on trust.  A zone
 * that lost memory walks the checked way (one pfn_to_online_page() per
 * pageblock), which costs far less than rescanning the zone per block.
 */

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

#ifdef CONFIG_MEMORY_HOTPLUG_ZONE_KUNIT_TEST
#include "tests/memory_hotplug_zone_kunit.h"
#endif
