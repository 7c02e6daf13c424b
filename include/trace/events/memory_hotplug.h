/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: memory hot(un)plug trace events
 *
 * One event per call of the steps that work on the memory itself, as it
 * ends, whether it succeeded or not: mhp_add for add_memory_resource()
 * (every add, once its resource is claimed) and mhp_remove for the
 * removal of a range whose blocks are offline, with the physical range,
 * node and memory group; mhp_online and mhp_offline for the pages of a
 * block (without the block's own memory map under memmap_on_memory),
 * with zone, node and group.  Each carries the result (0 or a negative
 * errno) and how long it took, in nanoseconds.  A request refused before
 * that (a resource conflict, a block already in that state or with no
 * single zone, poisoned pages, a failure injected into the step itself)
 * has no event.  Auto-online after an add shows as the mhp_online events
 * that follow the mhp_add.
 *
 * mhp_offline_blocked names a page that kept an offline from finishing:
 * what stopped it (reason), what the page is (kind), its flags, its
 * pageblock's migratetype (MIGRATE_ISOLATE while the offline moves
 * pages), its reference count and map count, read without a reference
 * when it was met unless the offline held the page.  A pinned page that
 * keeps an offline retrying shows up once per failed migration batch,
 * from either CPU of the sweep (the upper half's events carry a kworker's
 * name).
 *
 * A group is the id memory_group_register_static() or
 * memory_group_register_dynamic() returned, or -1 for none; the node is
 * NUMA_NO_NODE when an add named a group that does not exist.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM memory_hotplug

#if !defined(_TRACE_MEMORY_HOTPLUG_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_MEMORY_HOTPLUG_H

#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/tracepoint.h>
#include <trace/events/mmflags.h>

DECLARE_EVENT_CLASS(mhp_range,

	TP_PROTO(u64 start, u64 size, int nid, int group, int ret, u64 ns),

	TP_ARGS(start, size, nid, group, ret, ns),

	TP_STRUCT__entry(
		__field(u64, start)
		__field(u64, size)
		__field(int, nid)
		__field(int, group)
		__field(int, ret)
		__field(u64, ns)
	),

	TP_fast_assign(
		__entry->start = start;
		__entry->size = size;
		__entry->nid = nid;
		__entry->group = group;
		__entry->ret = ret;
		__entry->ns = ns;
	),

	TP_printk("range=%#llx-%#llx size=%#llx nid=%d group=%d ret=%d duration_ns=%llu",
		  __entry->start, __entry->start + __entry->size - 1,
		  __entry->size, __entry->nid, __entry->group, __entry->ret,
		  __entry->ns)
);

DEFINE_EVENT(mhp_range, mhp_add,
	TP_PROTO(u64 start, u64 size, int nid, int group, int ret, u64 ns),
	TP_ARGS(start, size, nid, group, ret, ns)
);

#ifdef CONFIG_MEMORY_HOTREMOVE
DEFINE_EVENT(mhp_range, mhp_remove,
	TP_PROTO(u64 start, u64 size, int nid, int group, int ret, u64 ns),
	TP_ARGS(start, size, nid, group, ret, ns)
);
#endif

DECLARE_EVENT_CLASS(mhp_pages,

	TP_PROTO(unsigned long pfn, unsigned long nr_pages,
		 struct zone *zone, int group, int ret, u64 ns),

	TP_ARGS(pfn, nr_pages, zone, group, ret, ns),

	TP_STRUCT__entry(
		__field(unsigned long, pfn)
		__field(unsigned long, nr_pages)
		__string(zone, zone->name)
		__field(int, nid)
		__field(int, group)
		__field(int, ret)
		__field(u64, ns)
	),

	TP_fast_assign(
		__entry->pfn = pfn;
		__entry->nr_pages = nr_pages;
		__assign_str(zone);
		__entry->nid = zone_to_nid(zone);
		__entry->group = group;
		__entry->ret = ret;
		__entry->ns = ns;
	),

	TP_printk("pfn=%#lx-%#lx nr_pages=%lu zone=%s nid=%d group=%d ret=%d duration_ns=%llu",
		  __entry->pfn, __entry->pfn + __entry->nr_pages - 1,
		  __entry->nr_pages, __get_str(zone), __entry->nid,
		  __entry->group, __entry->ret, __entry->ns)
);

DEFINE_EVENT(mhp_pages, mhp_online,
	TP_PROTO(unsigned long pfn, unsigned long nr_pages,
		 struct zone *zone, int group, int ret, u64 ns),
	TP_ARGS(pfn, nr_pages, zone, group, ret, ns)
);

#ifdef CONFIG_MEMORY_HOTREMOVE
DEFINE_EVENT(mhp_pages, mhp_offline,
	TP_PROTO(unsigned long pfn, unsigned long nr_pages,
		 struct zone *zone, int group, int ret, u64 ns),
	TP_ARGS(pfn, nr_pages, zone, group, ret, ns)
);

TRACE_EVENT(mhp_offline_blocked,

	TP_PROTO(const struct page *page, const char *reason,
		 const char *kind, int mapcount),

	TP_ARGS(page, reason, kind, mapcount),

	TP_STRUCT__entry(
		__field(unsigned long, pfn)
		__field(unsigned long, flags)
		__field(int, migratetype)
		__field(int, refcount)
		__field(int, mapcount)
		__string(reason, reason)
		__string(kind, kind)
	),

	TP_fast_assign(
		__entry->pfn = page_to_pfn(page);
		__entry->flags = page->flags;
		__entry->migratetype = get_pageblock_migratetype(page);
		__entry->refcount = page_ref_count(page);
		__entry->mapcount = mapcount;
		__assign_str(reason);
		__assign_str(kind);
	),

	TP_printk("pfn=0x%lx reason=\"%s\" kind=%s flags=%s migratetype=%d refcount=%d mapcount=%d",
		  __entry->pfn, __get_str(reason), __get_str(kind),
		  show_page_flags(__entry->flags & PAGEFLAGS_MASK),
		  __entry->migratetype, __entry->refcount, __entry->mapcount)
);
#endif /* CONFIG_MEMORY_HOTREMOVE */

#endif /* _TRACE_MEMORY_HOTPLUG_H */

#include <trace/define_trace.h>
