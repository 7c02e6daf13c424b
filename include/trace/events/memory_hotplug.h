/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: memory hot(un)plug trace events
 *
 * One event per operation on a range, emitted when it ends, whether it
 * succeeded or not: mhp_add and mhp_remove for a physical range (the
 * node, and the memory group when the range belongs to one),
 * mhp_online and mhp_offline for the pfns of a block (with its zone,
 * node and group).  Each carries the operation's result (0 or a
 * negative errno) and how long it took, in nanoseconds.  Auto-online
 * after an add is reported as the mhp_online events that follow the
 * mhp_add; a removal is reported once its blocks are offline.
 *
 * mhp_offline_blocked is emitted for a page that kept an offline from
 * emptying its range in one pass: what stopped it (reason), what the
 * page is (kind), and its flags, pageblock migratetype, reference count
 * and the map count of its folio, as read without a reference when it
 * was met.  A
 * pinned page that keeps an offline retrying shows up once per pass.
 *
 * A group is the id memory_group_register_static() or
 * memory_group_register_dynamic() returned, or -1 for none.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM memory_hotplug

#if !defined(_TRACE_MEMORY_HOTPLUG_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_MEMORY_HOTPLUG_H

#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/tracepoint.h>
#include <trace/events/mmflags.h>

DECLARE_EVENT_CLASS(mhp_range,

	TP_PROTO(u64 start, u64 size, int nid,
		 const struct memory_group *group, int ret, u64 ns),

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
		__entry->group = group ? group->id : -1;
		__entry->ret = ret;
		__entry->ns = ns;
	),

	TP_printk("range=%#llx-%#llx size=%#llx nid=%d group=%d ret=%d duration_ns=%llu",
		  __entry->start, __entry->start + __entry->size - 1,
		  __entry->size, __entry->nid, __entry->group, __entry->ret,
		  __entry->ns)
);

DEFINE_EVENT(mhp_range, mhp_add,
	TP_PROTO(u64 start, u64 size, int nid,
		 const struct memory_group *group, int ret, u64 ns),
	TP_ARGS(start, size, nid, group, ret, ns)
);

DEFINE_EVENT(mhp_range, mhp_remove,
	TP_PROTO(u64 start, u64 size, int nid,
		 const struct memory_group *group, int ret, u64 ns),
	TP_ARGS(start, size, nid, group, ret, ns)
);

DECLARE_EVENT_CLASS(mhp_pages,

	TP_PROTO(unsigned long pfn, unsigned long nr_pages,
		 struct zone *zone, const struct memory_group *group,
		 int ret, u64 ns),

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
		__entry->group = group ? group->id : -1;
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
		 struct zone *zone, const struct memory_group *group,
		 int ret, u64 ns),
	TP_ARGS(pfn, nr_pages, zone, group, ret, ns)
);

DEFINE_EVENT(mhp_pages, mhp_offline,
	TP_PROTO(unsigned long pfn, unsigned long nr_pages,
		 struct zone *zone, const struct memory_group *group,
		 int ret, u64 ns),
	TP_ARGS(pfn, nr_pages, zone, group, ret, ns)
);

TRACE_EVENT(mhp_offline_blocked,

	TP_PROTO(const struct page *page, const char *reason,
		 const char *kind),

	TP_ARGS(page, reason, kind),

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
		__entry->mapcount = page_has_type(page) ? 0 :
				    folio_mapcount(page_folio(page));
		__assign_str(reason);
		__assign_str(kind);
	),

	TP_printk("pfn=%#lx reason=\"%s\" kind=%s flags=%s migratetype=%d refcount=%d mapcount=%d",
		  __entry->pfn, __get_str(reason), __get_str(kind),
		  show_page_flags(__entry->flags & PAGEFLAGS_MASK),
		  __entry->migratetype, __entry->refcount, __entry->mapcount)
);

#endif /* _TRACE_MEMORY_HOTPLUG_H */

#include <trace/define_trace.h>
