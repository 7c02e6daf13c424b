/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory hot(un)plug API.
 *
 * Who calls what:
 *  - drivers that discover memory (ACPI, virtio-mem, dax/kmem, balloons)
 *    add and remove physical ranges: add_memory() and friends,
 *    remove_memory(), offline_and_remove_memory();
 *  - drivers/base/memory.c onlines and offlines blocks: online_pages(),
 *    offline_pages(), zone_for_pfn_range() and the memmap_on_memory helpers;
 *  - architectures implement arch_add_memory()/arch_remove_memory() on top
 *    of __add_pages()/__remove_pages();
 *  - the rest of mm reads: pfn_to_online_page(), get_online_mems(), the
 *    zone span seqlock and the pgdat resize lock.
 */
#ifndef __LINUX_MEMORY_HOTPLUG_H
#define __LINUX_MEMORY_HOTPLUG_H

#include <linux/bug.h>
#include <linux/mmzone.h>
#include <linux/notifier.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>

struct dev_pagemap;
struct memory_group;
struct mem_section;
struct page;
struct pglist_data;
struct resource;
struct vmem_altmap;
struct zone;

/* What to do with a memory block: the values of its online_type. */
enum mmop {
	MMOP_OFFLINE = 0,	/* take it offline */
	MMOP_ONLINE,		/* online, zone chosen by the online policy */
	MMOP_ONLINE_KERNEL,	/* online into a kernel zone (e.g. Normal) */
	MMOP_ONLINE_MOVABLE,	/* online into ZONE_MOVABLE */
};

/*
 * Usable also without memory hotplug: architectures may narrow the range
 * of physical addresses the kernel can map for their own reasons.
 */
struct range arch_get_mappable_range(void);

#if defined(CONFIG_MEMORY_HOTPLUG) || defined(CONFIG_DEFERRED_STRUCT_PAGE_INIT)
/*
 * pgdat->node_size_lock: taken (irqsave) around changes of a node's and
 * its zones' spans, outside the zone span write lock.  Present page counts
 * change under mem_hotplug_lock alone.
 */
static inline void pgdat_resize_init(struct pglist_data *pgdat)
{
	spin_lock_init(&pgdat->node_size_lock);
}

static inline void pgdat_resize_lock(struct pglist_data *pgdat,
				     unsigned long *flags)
{
	spin_lock_irqsave(&pgdat->node_size_lock, *flags);
}

static inline void pgdat_resize_unlock(struct pglist_data *pgdat,
				       unsigned long *flags)
{
	spin_unlock_irqrestore(&pgdat->node_size_lock, *flags);
}
#else
static inline void pgdat_resize_init(struct pglist_data *pgdat) {}
static inline void pgdat_resize_lock(struct pglist_data *p, unsigned long *f) {}
static inline void pgdat_resize_unlock(struct pglist_data *p, unsigned long *f) {}
#endif

#ifdef CONFIG_MEMORY_HOTPLUG

/*
 * Flags of add_memory() and friends (mhp_t):
 *
 * MHP_MERGE_RESOURCE: the new "System RAM" resource may be merged with
 *	mergeable neighbours; after add_memory_resource() the caller must not
 *	touch its resource again.
 * MHP_MEMMAP_ON_MEMORY: put the memmap of the range inside the range itself
 *	(at the start of each block) when the architecture and alignment
 *	allow; a request, not a promise.
 * MHP_NID_IS_MGID: the nid argument is a memory group id; the group names
 *	the node.
 * MHP_OFFLINE_INACCESSIBLE: with MHP_MEMMAP_ON_MEMORY, the range cannot be
 *	touched until it goes online (its provider makes it accessible at
 *	MEM_PREPARE_ONLINE), so the memmap is not written when it is added.
 */
typedef int __bitwise mhp_t;
#define __MHP_FLAG(bit)			((__force mhp_t)BIT(bit))
#define MHP_NONE			((__force mhp_t)0)
#define MHP_MERGE_RESOURCE		__MHP_FLAG(0)
#define MHP_MEMMAP_ON_MEMORY		__MHP_FLAG(1)
#define MHP_NID_IS_MGID			__MHP_FLAG(2)
#define MHP_OFFLINE_INACCESSIBLE	__MHP_FLAG(3)

/* ---- adding and removing physical ranges ---- */
int add_memory(int nid, u64 start, u64 size, mhp_t mhp_flags);
int __add_memory(int nid, u64 start, u64 size, mhp_t mhp_flags);
int add_memory_driver_managed(int nid, u64 start, u64 size,
			      const char *resource_name, mhp_t mhp_flags);
int add_memory_resource(int nid, struct resource *resource, mhp_t mhp_flags);
bool mhp_range_allowed(u64 start, u64 size, bool need_mapping);
struct range mhp_get_pluggable_range(bool need_mapping);
bool mhp_supports_memmap_on_memory(void);
extern u64 max_mem_size;

/* ---- the layers below: arch mappings, sections, zones ---- */

/**
 * struct mhp_params - how arch_add_memory() maps a new range
 * @pgprot: protection of the new direct-map page tables (required).
 * @altmap: where the memmap comes from, or NULL for regular allocations.
 * @pgmap: the ZONE_DEVICE owner of the range, or NULL.
 */
struct mhp_params {
	pgprot_t pgprot;
	struct vmem_altmap *altmap;
	struct dev_pagemap *pgmap;
};

int arch_add_memory(int nid, u64 start, u64 size, struct mhp_params *params);
void arch_remove_memory(u64 start, u64 size, struct vmem_altmap *altmap,
			struct dev_pagemap *pgmap);
int arch_create_linear_mapping(int nid, u64 start, u64 size,
			       struct mhp_params *params);
void arch_remove_linear_mapping(u64 start, u64 size);
int __add_pages(int nid, unsigned long start_pfn, unsigned long nr_pages,
		struct mhp_params *params);
void __remove_pages(unsigned long start_pfn, unsigned long nr_pages,
		    struct vmem_altmap *altmap, struct dev_pagemap *pgmap);
#ifdef CONFIG_ARCH_HAS_ADD_PAGES
int add_pages(int nid, unsigned long start_pfn, unsigned long nr_pages,
	      struct mhp_params *params);
#else
static inline int add_pages(int nid, unsigned long start_pfn,
			    unsigned long nr_pages, struct mhp_params *params)
{
	return __add_pages(nid, start_pfn, nr_pages, params);
}
#endif
int sparse_add_section(int nid, unsigned long pfn, unsigned long nr_pages,
		       struct vmem_altmap *altmap, struct dev_pagemap *pgmap);
void sparse_remove_section(unsigned long pfn, unsigned long nr_pages,
			   struct vmem_altmap *altmap, struct dev_pagemap *pgmap);
bool mhp_free_memmap_on_offline(void);
#ifdef CONFIG_SPARSEMEM_VMEMMAP
void sparse_memmap_release(unsigned long pfn, unsigned long nr_pages);
int sparse_memmap_restore(int nid, unsigned long pfn, unsigned long nr_pages);
#else
/* a memmap that is not virtually mapped is never given back */
static inline void sparse_memmap_release(unsigned long pfn,
					 unsigned long nr_pages)
{
}

static inline int sparse_memmap_restore(int nid, unsigned long pfn,
					unsigned long nr_pages)
{
	return 0;
}
#endif
struct page *sparse_decode_mem_map(unsigned long coded_mem_map,
				   unsigned long pnum);
void move_pfn_range_to_zone(struct zone *zone, unsigned long start_pfn,
			    unsigned long nr_pages, struct vmem_altmap *altmap,
			    int migratetype);
void remove_pfn_range_from_zone(struct zone *zone, unsigned long start_pfn,
				unsigned long nr_pages);
int __ref free_area_init_core_hotplug(struct pglist_data *pgdat);

/* ---- onlining (drivers/base/memory.c and memory providers) ---- */
struct zone *zone_for_pfn_range(enum mmop online_type, int nid,
				struct memory_group *group,
				unsigned long start_pfn, unsigned long nr_pages);
int online_pages(unsigned long pfn, unsigned long nr_pages,
		 struct zone *zone, struct memory_group *group);
int mhp_init_memmap_on_memory(unsigned long pfn, unsigned long nr_pages,
			      struct zone *zone, bool mhp_off_inaccessible);
void mhp_deinit_memmap_on_memory(unsigned long pfn, unsigned long nr_pages);
void adjust_present_page_count(struct page *page, struct memory_group *group,
			       long nr_pages);
int mhp_online_type_from_str(const char *str);
enum mmop mhp_get_default_online_type(void);
void mhp_set_default_online_type(enum mmop online_type);
int try_online_node(int nid);

/*
 * How a freshly onlined page reaches the page allocator.  One driver at a
 * time (virtio-mem, hv_balloon, xen balloon) may replace the generic way.
 */
typedef void (*online_page_callback_t)(struct page *page, unsigned int order);
void generic_online_page(struct page *page, unsigned int order);
int set_online_page_callback(online_page_callback_t callback);
int restore_online_page_callback(online_page_callback_t callback);

/* ---- offlining helpers of the page allocator ---- */
unsigned long __offline_isolated_pages(unsigned long start_pfn,
				       unsigned long end_pfn);

/* ---- locks and lookups for the rest of the kernel ---- */
struct page *pfn_to_online_page(unsigned long pfn);
/* a walk over struct pages it holds no reference on (compaction) */
extern struct srcu_struct memmap_walk_srcu;

/**
 * memmap_walk_begin() - start reading struct pages of online memory
 *
 * From here to memmap_walk_end(), a pfn seen online (pfn_to_online_page(),
 * or inside a contiguous zone's span) keeps a readable, unpoisoned memmap;
 * see the DOC block of mm/memory_hotplug.c.
 *
 * Context: Any context that may call srcu_read_lock(); the section may
 * sleep, but must never wait for mem_hotplug_lock, the device hotplug
 * lock or the CPU hotplug lock, which an offline holds while it waits for
 * the section to end.
 * Return: a cookie for memmap_walk_end().
 */
static inline int memmap_walk_begin(void)
{
	return srcu_read_lock(&memmap_walk_srcu);
}

/**
 * memmap_walk_end() - end a memmap_walk_begin() section
 * @cookie: what memmap_walk_begin() returned.
 *
 * Context: The task that called memmap_walk_begin().
 */
static inline void memmap_walk_end(int cookie)
{
	srcu_read_unlock(&memmap_walk_srcu, cookie);
}

void memmap_walkers_sync(void);
/* for mm/ only: per-page work on [start, end), several CPUs at once */
typedef void (*mhp_pfn_work_fn)(unsigned long start, unsigned long end,
				void *arg);
void mhp_pfn_work(int nid, unsigned long start, unsigned long end,
		  unsigned long align, mhp_pfn_work_fn fn, void *arg);
/* mem_hotplug_lock: read side keeps memory from going online/offline */
void get_online_mems(void);
void put_online_mems(void);
/* its write side, held by every online, offline, add and remove */
void mem_hotplug_begin(void);
void mem_hotplug_done(void);
void mem_hotplug_assert_held(void);

/* movable_node on the command line: hotpluggable memory stays movable */
extern bool movable_node_enabled;
static inline bool movable_node_is_enabled(void)
{
	return movable_node_enabled;
}

/* zone->span_seqlock: readers retry while a zone's span changes */
static inline unsigned int zone_span_seqbegin(struct zone *zone)
{
	return read_seqbegin(&zone->span_seqlock);
}

static inline int zone_span_seqretry(struct zone *zone, unsigned int iv)
{
	return read_seqretry(&zone->span_seqlock, iv);
}

/* ... and its writers, with pgdat_resize_lock() held */
static inline void zone_span_writelock(struct zone *zone) { write_seqlock(&zone->span_seqlock); }
static inline void zone_span_writeunlock(struct zone *z) { write_sequnlock(&z->span_seqlock); }
static inline void zone_seqlock_init(struct zone *zone) { seqlock_init(&zone->span_seqlock); }

/* pgdat->kswapd_lock: serializes starting and stopping kswapd */
static inline void pgdat_kswapd_lock_init(pg_data_t *pgdat) { mutex_init(&pgdat->kswapd_lock); }
static inline void pgdat_kswapd_lock(pg_data_t *pgdat) { mutex_lock(&pgdat->kswapd_lock); }
static inline void pgdat_kswapd_unlock(pg_data_t *pgdat) { mutex_unlock(&pgdat->kswapd_lock); }

#else /* !CONFIG_MEMORY_HOTPLUG */

/* Without hotplug every valid pfn is online memory. */
#define pfn_to_online_page(pfn)					\
({								\
	unsigned long __pfn = (pfn);				\
	pfn_valid(__pfn) ? pfn_to_page(__pfn) : NULL;		\
})

static inline int memmap_walk_begin(void) { return 0; }
static inline void memmap_walk_end(int cookie) {}
static inline void get_online_mems(void) {}
static inline void put_online_mems(void) {}
static inline void mem_hotplug_begin(void) {}
static inline void mem_hotplug_done(void) {}
static inline void mem_hotplug_assert_held(void) {}
static inline void zone_seqlock_init(struct zone *zone) {}
static inline void zone_span_writelock(struct zone *zone) {}
static inline void zone_span_writeunlock(struct zone *zone) {}
static inline void pgdat_kswapd_lock_init(pg_data_t *pgdat) {}
static inline void pgdat_kswapd_lock(pg_data_t *pgdat) {}
static inline void pgdat_kswapd_unlock(pg_data_t *pgdat) {}

static inline unsigned int zone_span_seqbegin(struct zone *zone)
{
	return 0;
}

static inline int zone_span_seqretry(struct zone *zone, unsigned int iv)
{
	return 0;
}

static inline bool movable_node_is_enabled(void)
{
	return false;
}

static inline bool mhp_supports_memmap_on_memory(void)
{
	return false;
}

static inline int try_online_node(int nid)
{
	return 0;
}
#endif /* CONFIG_MEMORY_HOTPLUG */

#ifdef CONFIG_MEMORY_HOTREMOVE
int offline_pages(unsigned long start_pfn, unsigned long nr_pages,
		  struct zone *zone, struct memory_group *group);
int remove_memory(u64 start, u64 size);
void __remove_memory(u64 start, u64 size);
int offline_and_remove_memory(u64 start, u64 size);
void try_offline_node(int nid);
#else
/* Without hot-remove nothing goes offline or away. */
static inline void try_offline_node(int nid) {}
static inline void __remove_memory(u64 start, u64 size) {}

static inline int remove_memory(u64 start, u64 size)
{
	return -EBUSY;
}

static inline int offline_pages(unsigned long start_pfn, unsigned long nr_pages,
				struct zone *zone, struct memory_group *group)
{
	return -EINVAL;
}
#endif /* CONFIG_MEMORY_HOTREMOVE */

#endif /* __LINUX_MEMORY_HOTPLUG_H */
