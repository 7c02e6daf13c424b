// SPDX-License-Identifier: GPL-2.0
/*
 * Sparsemem sections that come and go at run time, for
 * CONFIG_SPARSEMEM_VMEMMAP; the memmap release switch and the memmap
 * walkers' SRCU, for every memory hotplug kernel.
 */

/**
 * DOC: hot-plugged sections
 *
 * Under memory blocks sit sparsemem sections (PAGES_PER_SECTION pfns), and
 * under those, subsections (PAGES_PER_SUBSECTION): the unit ZONE_DEVICE can
 * add.  A section's mem_section_usage carries its subsection map - which
 * subsections have a memmap - and its pageblock flags.  __add_pages() and
 * __remove_pages() split a range at section boundaries and call us once per
 * section with a subsection-aligned part of it.
 *
 * Adding a part: the usage is allocated with the section's first part;
 * the part's subsections are claimed in the map (-EEXIST when one is
 * taken already); the part's memmap is populated in the vmemmap (from the
 * altmap when memmap_on_memory lends one) and poisoned until onlining
 * initialises it; the section is marked present and its memmap installed.
 * Any failure undoes exactly the steps taken.
 *
 * Removing a part: its subsections are released (a part that is not fully
 * claimed is refused with a warning) and its memmap freed.  Sections
 * present at boot keep their boot memmap until the whole section empties,
 * because it was allocated in one piece.  When the map empties the section
 * stops being valid first, then loses its usage, then its memmap pointer.
 *
 * Offline sections without a memmap (memory_hotplug.free_memmap_on_offline):
 * a whole section that is offline may give its memmap back
 * (sparse_memmap_release()) and stay present, with SECTION_HAS_MEM_MAP and
 * the memmap pointer cleared, so pfn_valid() says no for its pfns, as for
 * a hole, and pfn_to_online_page() says no as for any offline pfn.  Its
 * usage, subsection map and flags stay, so a later online rebuilds the
 * memmap (sparse_memmap_restore()) exactly as hot-add made it, and a
 * removal has only the rest to undo.  A hot-add may leave a new section in
 * that state from the start.  A memmap taken from an altmap is never
 * given back: it lives in the offline memory itself.  A boot section's
 * first memmap counts in nr_memmap_boot_pages, a rebuilt one (from the
 * page allocator) in nr_memmap_pages: rebuilt_boot_memmaps says which, so
 * each release takes back what was counted.
 *
 * The rules for pfn walkers.  The section's usage (pfn_valid(),
 * pfn_to_online_page()): looked at only under rcu_read_lock() and only
 * after seeing a valid section.  The usage is freed with kfree_rcu() after
 * SECTION_HAS_MEM_MAP is cleared, so a walker that saw the section valid
 * still reads a live usage (the use-after-free of CVE-2023-52489).  Usages
 * that came from the boot allocation (PageReserved) are never freed; a
 * section added again later reuses them.  The struct pages themselves
 * (compaction): read only inside a memmap_walk_begin() section that
 * checked the pfn online (or valid); a memmap is freed here only after it
 * stopped being valid and every such section that may have seen it valid
 * ended (memmap_walkers_sync()), and so did every RCU reader that checked
 * pfn_valid() with preemption disabled.
 *
 * Context: all of it runs with mem_hotplug_lock held for writing, but
 * for the switch (any context) and memmap_walkers_sync().
 */

#include <linux/bitmap.h>
#include <linux/error-injection.h>
#include <linux/memory_hotplug.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/vmstat.h>
#include <linux/xarray.h>

#include <kunit/visibility.h>

#include "internal.h"
#include "tests/hotplug_kunit_helpers.h"

/* the switch is a memory_hotplug parameter, like the rest of the policy */
#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "memory_hotplug."

/* ------------------------------------------------------------------------
 * The memmap release switch and the memmap walkers
 */

/* Read without a lock: each offline or hot-add acts on the value it reads. */
static bool free_memmap_on_offline;
module_param(free_memmap_on_offline, bool, 0644);
MODULE_PARM_DESC(free_memmap_on_offline,
		 "Offline memory gives back its memmap, rebuilt when it is onlined (default N)");

/**
 * mhp_free_memmap_on_offline() - do offline blocks release their memmap?
 *
 * memory_hotplug.free_memmap_on_offline: blocks that go offline, and
 * memory added offline, keep no memmap (unless it lives in the block
 * itself, memmap_on_memory); onlining rebuilds it.  A block follows the
 * switch as it was when the block went offline or was added.
 *
 * Only a virtually mapped memmap can be given back: without
 * CONFIG_SPARSEMEM_VMEMMAP the answer is always no.
 *
 * Context: Any.
 * Return: the switch.
 */
bool mhp_free_memmap_on_offline(void)
{
	return IS_ENABLED(CONFIG_SPARSEMEM_VMEMMAP) &&
	       READ_ONCE(free_memmap_on_offline);
}

/*
 * Walks over struct pages nobody holds a reference on (memmap_walk_begin()):
 * the rule is in the DOC block of mm/memory_hotplug.c.
 */
DEFINE_SRCU(memmap_walk_srcu);

/**
 * memmap_walkers_sync() - wait for every memmap walk that has begun
 *
 * Called after a range stopped looking online (section flags, zone
 * contiguity) and before its span shrinks and its memmap is poisoned or
 * freed.
 *
 * Context: Process context; sleeps.  Not inside a memmap walk.
 */
void memmap_walkers_sync(void)
{
	/*
	 * Expedited: an offline of a block with memmap_on_memory waits
	 * twice in a row (its pages, then its memmap pages), and a second
	 * synchronize_srcu() that soon after the first takes a paced grace
	 * period, jiffies long.  SRCU's expedited wait only polls the
	 * readers' counters, without pauses; it disturbs no other CPU.
	 */
	synchronize_srcu_expedited(&memmap_walk_srcu);
}

#ifdef CONFIG_SPARSEMEM_VMEMMAP	/* else mm/sparse.c adds and removes sections */

/* ------------------------------------------------------------------------
 * Online / offline flags
 */

static void set_sections_online(unsigned long pfn, unsigned long end,
				bool online)
{
	struct mem_section *ms;

	for (; pfn < end; pfn += PAGES_PER_SECTION) {
		ms = __pfn_to_section(pfn);
		if (online)
			ms->section_mem_map |= SECTION_IS_ONLINE;
		else
			ms->section_mem_map &= ~SECTION_IS_ONLINE;
	}
}

/**
 * online_mem_sections() - mark the sections of a pfn range online
 * @start_pfn: first pfn, section aligned.
 * @end_pfn: pfn after the last.
 *
 * Context: mem_hotplug_lock held for writing.
 */
void online_mem_sections(unsigned long start_pfn, unsigned long end_pfn)
{
	set_sections_online(start_pfn, end_pfn, true);
}

/**
 * offline_mem_sections() - mark the sections of a pfn range offline
 * @start_pfn: first pfn, section aligned.
 * @end_pfn: pfn after the last.
 *
 * Context: mem_hotplug_lock held for writing.
 */
void offline_mem_sections(unsigned long start_pfn, unsigned long end_pfn)
{
	set_sections_online(start_pfn, end_pfn, false);
}

/* ------------------------------------------------------------------------
 * The subsection map
 */

/**
 * subsection_mask() - the subsections of a part of one section
 * @mask: the bitmap to fill (SUBSECTIONS_PER_SECTION bits).
 * @pfn: the part's first pfn.
 * @nr: its pfns, inside @pfn's section (0: none).
 *
 * Context: Any.
 */
VISIBLE_IF_KUNIT void subsection_mask(unsigned long *mask, unsigned long pfn,
				      unsigned long nr)
{
	unsigned int first = subsection_map_index(pfn);
	unsigned int last = subsection_map_index(pfn + nr - 1);

	bitmap_zero(mask, SUBSECTIONS_PER_SECTION);
	if (nr)
		bitmap_set(mask, first, last - first + 1);
}
EXPORT_SYMBOL_IF_KUNIT(subsection_mask);

/**
 * subsections_claim() - mark a part's subsections present
 * @map: a section's subsection map.
 * @pfn: the part's first pfn.
 * @nr: its pfns, inside @pfn's section.
 *
 * Context: The caller owns @map (mem_hotplug_lock, or a local bitmap).
 * Return: 0; -EINVAL for an empty part, -EEXIST (@map untouched) when one
 * of its subsections is taken already.
 */
VISIBLE_IF_KUNIT int subsections_claim(unsigned long *map, unsigned long pfn,
				       unsigned long nr)
{
	DECLARE_BITMAP(part, SUBSECTIONS_PER_SECTION);

	subsection_mask(part, pfn, nr);
	if (bitmap_empty(part, SUBSECTIONS_PER_SECTION))
		return -EINVAL;
	if (bitmap_intersects(part, map, SUBSECTIONS_PER_SECTION))
		return -EEXIST;
	bitmap_or(map, map, part, SUBSECTIONS_PER_SECTION);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(subsections_claim);

/**
 * subsections_release() - mark a part's subsections absent
 * @map: a section's subsection map, or NULL.
 * @pfn: the part's first pfn.
 * @nr: its pfns, inside @pfn's section.
 *
 * Context: The caller owns @map (mem_hotplug_lock, or a local bitmap).
 * Return: 0; -EINVAL (@map untouched) unless all of them were present.
 */
VISIBLE_IF_KUNIT int subsections_release(unsigned long *map, unsigned long pfn,
					 unsigned long nr)
{
	DECLARE_BITMAP(part, SUBSECTIONS_PER_SECTION);

	subsection_mask(part, pfn, nr);
	if (!map || !bitmap_subset(part, map, SUBSECTIONS_PER_SECTION))
		return -EINVAL;
	bitmap_andnot(map, map, part, SUBSECTIONS_PER_SECTION);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(subsections_release);

static unsigned long *usage_map(struct mem_section *ms)
{
	return ms->usage ? ms->usage->subsection_map : NULL;
}

/* ------------------------------------------------------------------------
 * The memmap of a part
 */

/**
 * part_memmap_pages() - the vmemmap pages a part of a section costs
 * @pfn: the part's first pfn.
 * @nr: its pfns.
 * @altmap: where its memmap goes, or NULL.
 * @pgmap: its ZONE_DEVICE map, or NULL.
 *
 * Context: Any.
 * Return: pages of memmap: fewer with compound ZONE_DEVICE pages, whose
 * tail struct pages share their vmemmap.
 */
VISIBLE_IF_KUNIT unsigned long part_memmap_pages(unsigned long pfn,
						 unsigned long nr,
						 struct vmem_altmap *altmap,
						 struct dev_pagemap *pgmap)
{
	unsigned int order = pgmap ? pgmap->vmemmap_shift : 0;

	if (!vmemmap_can_optimize(altmap, pgmap))
		return DIV_ROUND_UP(nr * sizeof(struct page), PAGE_SIZE);
	/* compound pages share their tail struct pages' vmemmap */
	if (order < PFN_SECTION_SHIFT)
		return VMEMMAP_RESERVE_NR * (nr >> order);
	return IS_ALIGNED(pfn, 1UL << order) ? VMEMMAP_RESERVE_NR : 0;
}
EXPORT_SYMBOL_IF_KUNIT(part_memmap_pages);

/*
 * Sections present at boot whose memmap was given back and rebuilt: the
 * new one came from the page allocator.  Written under mem_hotplug_lock.
 */
static DEFINE_XARRAY(rebuilt_boot_memmaps);

/*
 * Count @pages of memmap for the section of @pfn where it came from: the
 * boot allocator (nr_memmap_boot_pages) or the page allocator.
 */
static void memmap_account(unsigned long pfn, long pages)
{
	if (early_section(__pfn_to_section(pfn)) &&
	    !xa_load(&rebuilt_boot_memmaps, pfn_to_section_nr(pfn)))
		memmap_boot_pages_add(pages);
	else
		memmap_pages_add(pages);
}

/* The memmap of the section of @pfn was freed: forget where it came from. */
static void memmap_forget(unsigned long pfn)
{
	xa_erase(&rebuilt_boot_memmaps, pfn_to_section_nr(pfn));
}

static noinline struct page *memmap_get(int nid, unsigned long pfn,
					unsigned long nr,
					struct vmem_altmap *altmap,
					struct dev_pagemap *pgmap)
{
	struct page *memmap = __populate_section_memmap(pfn, nr, nid, altmap,
							pgmap);
	unsigned long first = (unsigned long)pfn_to_page(pfn);

	if (!memmap) {
		/* a failed populate may have mapped some of it */
		vmemmap_free(first, first + nr * sizeof(struct page), altmap);
		return NULL;
	}
	memmap_account(pfn, part_memmap_pages(pfn, nr, altmap, pgmap));
	return memmap;
}
ALLOW_ERROR_INJECTION(memmap_get, NULL);

static void memmap_put(unsigned long pfn, unsigned long nr,
		       struct vmem_altmap *altmap, struct dev_pagemap *pgmap)
{
	unsigned long first = (unsigned long)pfn_to_page(pfn);

	memmap_account(pfn, -(long)part_memmap_pages(pfn, nr, altmap, pgmap));
	vmemmap_free(first, first + nr * sizeof(struct page), altmap);
}

/* ------------------------------------------------------------------------
 * Activating and deactivating a part of a section
 */

/**
 * memmap_released() - is a section present without a memmap?
 * @ms: the section.
 *
 * Its memmap was released, or, for a deferred hot-add, never populated: no
 * SECTION_HAS_MEM_MAP and no memmap pointer.
 *
 * Context: mem_hotplug_lock, or a section of the caller's own (KUnit).
 * Return: true if so.
 */
VISIBLE_IF_KUNIT bool memmap_released(struct mem_section *ms)
{
	return present_section(ms) && !valid_section(ms) &&
	       !(ms->section_mem_map & SECTION_MAP_MASK);
}
EXPORT_SYMBOL_IF_KUNIT(memmap_released);

/* The section lost its last subsection: retire it, walkers first. */
static void section_retire(struct mem_section *ms)
{
	struct mem_section_usage *usage = ms->usage;

	ms->section_mem_map &= ~SECTION_HAS_MEM_MAP;
	/* boot usages share pages with their neighbours: kept for reuse */
	if (!PageReserved(virt_to_page(usage))) {
		WRITE_ONCE(ms->usage, NULL);
		kfree_rcu(usage, rcu);
	}
}

static void section_deactivate(unsigned long pfn, unsigned long nr,
			       struct vmem_altmap *altmap,
			       struct dev_pagemap *pgmap)
{
	struct mem_section *ms = __pfn_to_section(pfn);
	bool boot = early_section(ms);
	bool released = memmap_released(ms);
	bool empty;

	if (WARN(subsections_release(usage_map(ms), pfn, nr),
		 "pfns %#lx+%#lx were not (all) added\n", pfn, nr))
		return;
	empty = bitmap_empty(usage_map(ms), SUBSECTIONS_PER_SECTION);
	if (empty)
		section_retire(ms);
	/* a boot section's memmap was allocated in one piece: freed so */
	if (!released && !boot)
		memmap_put(pfn, nr, altmap, pgmap);
	else if (!released && empty)
		memmap_put(SECTION_ALIGN_DOWN(pfn), PAGES_PER_SECTION, NULL, NULL);
	if (empty) {
		memmap_forget(pfn);
		ms->section_mem_map = 0;
	}
}

static noinline int section_activate(int nid, unsigned long pfn,
				     unsigned long nr, bool defer_memmap,
				     struct vmem_altmap *altmap,
				     struct dev_pagemap *pgmap)
{
	struct mem_section *ms = __pfn_to_section(pfn);
	struct mem_section_usage *fresh = NULL;
	int ret;

	if (!ms->usage) {
		fresh = kzalloc(mem_section_usage_size(), GFP_KERNEL);
		if (!fresh)
			return -ENOMEM;
		ms->usage = fresh;
	}
	ret = subsections_claim(usage_map(ms), pfn, nr);
	if (ret)
		goto free_usage;
	/* a boot section's memmap covers all of it, holes included */
	if (early_section(ms) && nr < PAGES_PER_SECTION)
		return 0;
	if (defer_memmap)
		return 0;
	if (!memmap_get(nid, pfn, nr, altmap, pgmap)) {
		ret = -ENOMEM;
		goto release_subsections;
	}
	return 0;

release_subsections:
	subsections_release(usage_map(ms), pfn, nr);
free_usage:
	if (fresh) {
		ms->usage = NULL;
		kfree(fresh);
	}
	return ret;
}
ALLOW_ERROR_INJECTION(section_activate, ERRNO);

/* Mark section @nr present and install its memmap pointer. */
static void section_publish(unsigned long nr)
{
	struct mem_section *ms = __nr_to_section(nr);
	struct page *first = pfn_to_page(section_nr_to_pfn(nr));

	__section_mark_present(ms, nr);
	sparse_init_one_section(ms, nr, first, ms->usage, 0);
}

/**
 * sparse_add_section() - give part of a section a memmap and make it present
 * @nid: node to allocate the memmap on.
 * @start_pfn: first pfn, subsection aligned.
 * @nr_pages: number of pfns, subsection aligned, within one section.
 * @altmap: where the memmap comes from (memmap_on_memory), or NULL.
 * @pgmap: ZONE_DEVICE pagemap (compound page geometry), or NULL.
 *
 * The struct pages stay poisoned until onlining initialises them (unless
 * the altmap's memory is not accessible yet).  With
 * memory_hotplug.free_memmap_on_offline on, a whole new section of
 * memory (neither altmap nor pgmap) gets no memmap until it is onlined
 * (sparse_memmap_restore()): it is present, its memmap released.
 *
 * Context: Process context, mem_hotplug_lock held for writing.
 * Return: 0; -EEXIST if part of the range is present already; -ENOMEM.
 */
noinline int sparse_add_section(int nid, unsigned long start_pfn,
				unsigned long nr_pages,
				struct vmem_altmap *altmap,
				struct dev_pagemap *pgmap)
{
	bool poison = !altmap || !altmap->inaccessible;
	unsigned long nr = pfn_to_section_nr(start_pfn);
	bool defer_memmap;
	int ret;

	ret = sparse_index_init(nr, nid);
	if (ret < 0)
		return ret;
	/* memmap_on_memory and ZONE_DEVICE memmaps stay */
	defer_memmap = mhp_free_memmap_on_offline() && !altmap && !pgmap &&
		       nr_pages == PAGES_PER_SECTION &&
		       !early_section(__nr_to_section(nr));
	ret = section_activate(nid, start_pfn, nr_pages, defer_memmap, altmap,
			       pgmap);
	if (ret)
		return ret;
	if (defer_memmap) {
		/* present, no memmap: pfn_valid() says no until onlining */
		__section_mark_present(__nr_to_section(nr), nr);
		return 0;
	}
	if (poison)
		page_init_poison(pfn_to_page(start_pfn),
				 sizeof(struct page) * nr_pages);
	section_publish(nr);
	return 0;
}
ALLOW_ERROR_INJECTION(sparse_add_section, ERRNO);

/**
 * sparse_remove_section() - drop part of a section and its memmap
 * @pfn: first pfn, subsection aligned.
 * @nr_pages: number of pfns, subsection aligned, within one section.
 * @altmap: where the memmap came from, or NULL.
 * @pgmap: ZONE_DEVICE pagemap, or NULL.
 *
 * The part must be offline and out of every zone.  A part that was never
 * added is refused with a warning.
 *
 * Context: Process context, mem_hotplug_lock held for writing.
 */
void sparse_remove_section(unsigned long pfn, unsigned long nr_pages,
			   struct vmem_altmap *altmap, struct dev_pagemap *pgmap)
{
	if (WARN_ON_ONCE(!present_section(__pfn_to_section(pfn))))
		return;
	section_deactivate(pfn, nr_pages, altmap, pgmap);
}

/* ------------------------------------------------------------------------
 * Releasing the memmap of offline sections, and rebuilding it
 */

/**
 * memmap_releasable() - can a section give its memmap back?
 * @ms: the section.
 *
 * Context: mem_hotplug_lock, or a section of the caller's own (KUnit).
 * Return: true when it is offline, whole (every subsection present) and
 * has its memmap.
 */
VISIBLE_IF_KUNIT bool memmap_releasable(struct mem_section *ms)
{
	unsigned long *map = usage_map(ms);

	return valid_section(ms) && !online_section(ms) && map &&
	       bitmap_full(map, SUBSECTIONS_PER_SECTION);
}
EXPORT_SYMBOL_IF_KUNIT(memmap_releasable);

/**
 * memmap_invalidate() - first step of a release
 * @ms: the section; readers stop trusting its memmap (pfn_valid() false).
 *
 * Context: mem_hotplug_lock held for writing, or a section of the caller's
 * own (KUnit).
 */
VISIBLE_IF_KUNIT void memmap_invalidate(struct mem_section *ms)
{
	WRITE_ONCE(ms->section_mem_map,
		   ms->section_mem_map & ~SECTION_HAS_MEM_MAP);
}
EXPORT_SYMBOL_IF_KUNIT(memmap_invalidate);

/**
 * memmap_invalidated() - is a section's release half done?
 * @ms: the section.
 *
 * Context: mem_hotplug_lock, or a section of the caller's own (KUnit).
 * Return: true when it is invalidated and its memmap not yet freed (the
 * memmap pointer is still there).
 */
VISIBLE_IF_KUNIT bool memmap_invalidated(struct mem_section *ms)
{
	return present_section(ms) && !valid_section(ms) &&
	       (ms->section_mem_map & SECTION_MAP_MASK);
}
EXPORT_SYMBOL_IF_KUNIT(memmap_invalidated);

/* Second step: free the memmap of an invalidated section. */
static void memmap_free(unsigned long section_pfn)
{
	struct mem_section *ms = __pfn_to_section(section_pfn);

	memmap_put(section_pfn, PAGES_PER_SECTION, NULL, NULL);
	memmap_forget(section_pfn);
	WRITE_ONCE(ms->section_mem_map,
		   ms->section_mem_map & ~SECTION_MAP_MASK);
}

/**
 * sparse_memmap_release() - free the memmap of the offline sections of a range
 * @pfn: first pfn, section aligned.
 * @nr_pages: number of pfns, whole sections.
 *
 * The sections stay present; pfn_valid() answers false for their pfns until
 * sparse_memmap_restore() rebuilds the memmap, as pfn_to_online_page()
 * already does for offline memory.  In three steps: every section whose
 * memmap goes is invalidated (SECTION_HAS_MEM_MAP cleared); then readers
 * that may have seen it valid are waited for, RCU readers (pfn_valid()
 * inside a read-side section) and memmap walks (memmap_walkers_sync());
 * then the memmaps are freed.  Sections that are online, not whole (a boot
 * section with holes) or released already are left as they are.
 *
 * Context: Process context, mem_hotplug_lock held for writing (the block's
 * offline or failed online); sleeps.
 */
void sparse_memmap_release(unsigned long pfn, unsigned long nr_pages)
{
	unsigned long end = pfn + nr_pages, cur;
	bool any = false;

	for (cur = pfn; cur < end; cur += PAGES_PER_SECTION) {
		if (!memmap_releasable(__pfn_to_section(cur)))
			continue;
		memmap_invalidate(__pfn_to_section(cur));
		any = true;
	}
	if (!any)
		return;
	synchronize_rcu_expedited();
	memmap_walkers_sync();
	for (cur = pfn; cur < end; cur += PAGES_PER_SECTION) {
		if (memmap_invalidated(__pfn_to_section(cur)))
			memmap_free(cur);
		cond_resched();
	}
}

/* Undo the populates of a restore that failed at @failed. */
static void memmap_unpopulate(unsigned long pfn, unsigned long failed)
{
	for (; pfn < failed; pfn += PAGES_PER_SECTION) {
		if (!memmap_released(__pfn_to_section(pfn)))
			continue;
		memmap_put(pfn, PAGES_PER_SECTION, NULL, NULL);
		memmap_forget(pfn);
	}
}

/*
 * Populate the memmap of released section @pfn; a boot section's is
 * noted as coming from the page allocator first, so it is counted so.
 */
static int memmap_repopulate(int nid, unsigned long pfn)
{
	int ret;

	if (early_section(__pfn_to_section(pfn))) {
		ret = xa_err(xa_store(&rebuilt_boot_memmaps,
				      pfn_to_section_nr(pfn), xa_mk_value(1),
				      GFP_KERNEL));
		if (ret)
			return ret;
	}
	if (!memmap_get(nid, pfn, PAGES_PER_SECTION, NULL, NULL)) {
		memmap_forget(pfn);
		return -ENOMEM;
	}
	page_init_poison(pfn_to_page(pfn),
			 sizeof(struct page) * PAGES_PER_SECTION);
	return 0;
}

/**
 * sparse_memmap_restore() - rebuild the memmap of released sections
 * @nid: node to allocate the memmap on.
 * @pfn: first pfn, section aligned.
 * @nr_pages: number of pfns, whole sections.
 *
 * Every released section of the range gets a memmap again, poisoned as at
 * hot-add, and becomes valid; onlining then initialises it.  All or
 * nothing: on failure the memmaps populated by this call are freed and
 * the sections stay released.
 *
 * Context: Process context, mem_hotplug_lock held for writing (the block's
 * online).
 * Return: 1 when a section was rebuilt, 0 when none was released, -ENOMEM.
 */
noinline int sparse_memmap_restore(int nid, unsigned long pfn,
				   unsigned long nr_pages)
{
	unsigned long end = pfn + nr_pages, cur;
	bool any = false;
	int ret;

	for (cur = pfn; cur < end; cur += PAGES_PER_SECTION) {
		if (!memmap_released(__pfn_to_section(cur)))
			continue;
		ret = memmap_repopulate(nid, cur);
		if (ret) {
			memmap_unpopulate(pfn, cur);
			return ret;
		}
		any = true;
	}
	/* the memmaps are mapped and poisoned before any reader trusts them */
	smp_wmb();
	for (cur = pfn; cur < end; cur += PAGES_PER_SECTION)
		if (memmap_released(__pfn_to_section(cur)))
			section_publish(pfn_to_section_nr(cur));
	return any;
}
ALLOW_ERROR_INJECTION(sparse_memmap_restore, ERRNO);

#endif /* CONFIG_SPARSEMEM_VMEMMAP */
