// SPDX-License-Identifier: GPL-2.0
/*
 * Offlining memory: emptying a memory block and taking it out of its
 * zone.
 */

/**
 * DOC: offlining a range of memory
 *
 * offline_pages() takes one memory block (minus its self-hosted memmap)
 * out of service:
 *
 * 1. checks: the range is System RAM without holes, in a single zone;
 * 2. the zone's per-CPU page lists are drained and bypassed, and every
 *    pageblock of the range is isolated, so no new allocation lands there;
 * 3. MEM_GOING_OFFLINE: subscribers may veto (their pages, say);
 * 4. evacuation, until every page of the range is free or skippable:
 *    free hugetlb folios are dissolved back into the buddy allocator
 *    first (so the range's own in-use hugetlb folios cannot migrate into
 *    them), then movable pages (LRU, non-LRU movable, hugetlb) migrate to
 *    other memory: other nodes first, the range's own node once they are
 *    full, or for a large folio once they have no free range of its size
 *    (hugetlb folios: other nodes only, unless there are none);
 * 5. the free pages leave the buddy allocator, the sections go offline,
 *    the zone and node lose the pages, watermarks and zonelists follow,
 *    kswapd and kcompactd stop on a node left without memory; MEM_OFFLINE;
 *    the range leaves the zone span, and once the memmap walks that may
 *    have seen it online are over, its memmap is poisoned (DEBUG_VM).
 *    With memory_hotplug.free_memmap_on_offline, drivers/base/memory.c
 *    then gives the memmap back (sparse_memmap_release()).
 *
 * Evacuation retries for as long as it makes progress or may make it:
 * pages pinned for a while (DMA, a pipe holding a page) keep it busy, and
 * any signal ends it with -EINTR, so a writer of "offline" can always be
 * interrupted.  An offline no signal reaches (an ACPI eject or a
 * virtio-mem unplug runs in a kworker) is bounded by
 * memory_hotplug.offline_timeout_ms instead: once that long has passed
 * since the offline began, evacuation stops after the migration batch in
 * flight and the offline fails with -EBUSY, the errno every in-kernel
 * caller already handles as "busy, try later" (virtio-mem warns on any
 * other).  0, the default, sets no bound.  The bound is checked between
 * batches: a batch that waits for a folio lock or for writeback waits as
 * long as that takes.  Pages that cannot be migrated (PageOffline pages a
 * driver still holds, slab pages) fail it at once with -EBUSY; the writer
 * may try again later.  A failure unwinds in reverse order: one in step 4
 * sends MEM_CANCEL_OFFLINE (for a veto in step 3 the notifier chain has
 * sent it), and one in step 3 or 4 then puts the pageblocks back and
 * turns the per-CPU lists on again.  The step that fails says why, in one
 * rate-limited line (a failure injected with fail_function skips the
 * step, and so its line), and in the block's record (its offline_errno,
 * offline_reason, offline_page and offline_pfn files); the pages that
 * blocked it go to the mhp_offline_blocked trace event.
 *
 * Cost: empty memory - the common case for unplug - isolates at the first
 * try and is recognised by one walk over the buddy free lists of the
 * range right after isolation; it then skips the LRU-cache shutdown (an
 * expedited RCU grace period plus a drain on every CPU).  Memory in use
 * pays for the shutdown: before a second isolation attempt when the first
 * one met folios still in per-CPU LRU batches, or before evacuation.  A
 * range that may hold a poisoned page is swept once in any case.  A page
 * scan visits each free buddy chunk and each large folio once, not each
 * pfn.  Memory in use migrates in batches, the upper half of the range
 * on a worker on another CPU, so two CPUs copy at once; a signal waits
 * for at most one batch on each CPU.
 *
 * Context: drivers/base/memory.c calls offline_pages() under the device
 * hotplug lock with mem_hotplug_lock held for writing.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/error-injection.h>
#include <linux/mm.h>
#include <linux/compaction.h>
#include <linux/cpuset.h>
#include <linux/hugetlb.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/migrate.h>
#include <linux/mmzone.h>
#include <linux/moduleparam.h>
#include <linux/page-isolation.h>
#include <linux/page_owner.h>
#include <linux/ratelimit.h>
#include <linux/sched/signal.h>
#include <linux/swap.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <linux/writeback.h>

#include <kunit/visibility.h>

#include "internal.h"
#include "tests/hotplug_kunit_helpers.h"

#include <trace/events/memory_hotplug.h>

/*
 * Where an offline's folios may migrate to: @first, and @then once @first
 * is full.  @then is every node with memory the writer's cpuset allows
 * (all of them if it allows none), the range's own node included when it
 * is allowed; @first is @then without the range's own node, unless that
 * leaves it empty.
 */
struct offline_targets {
	nodemask_t first;
	nodemask_t then;
};

/* One offline_pages() call. */
struct offline_op {
	unsigned long start;		/* first pfn */
	unsigned long end;		/* pfn after the last */
	struct zone *zone;
	struct memory_notify arg;	/* what subscribers are told */
	struct offline_targets targets;	/* where folios may migrate to */
	struct task_struct *writer;	/* who asked; its signal ends it */
	unsigned long deadline;		/* in jiffies, when @bounded */
	bool bounded;			/* offline_timeout_ms was set */
	/* why it failed, for the block's record; under @why_lock */
	struct memory_offline_failure why;
	bool why_final;			/* @why names a page that cannot go */
	spinlock_t why_lock;		/* the two halves of a sweep write @why */
	/*
	 * lru_cache_disable() is in force: taken by isolate() or evacuate()
	 * when they first meet memory in use, undone by allow_allocations()
	 * on every way out.
	 */
	bool lru_cache_off;
};

/*
 * Pages (not folios: a batch of THPs would be a whole block) isolated per
 * migrate_pages() call.  Large batches amortize the per-call cost; small
 * ones bound how long a signal waits - one batch on each CPU - and how
 * much sits off the LRU at once.
 */
#define OFFLINE_MIGRATE_BATCH	4096

/*
 * memory_hotplug.offline_timeout_ms: how long one offline may try
 * to empty its range, in milliseconds; 0: no bound.  Read once when an
 * offline begins, so a change applies to the offlines that begin after it.
 * At most a day, which any HZ turns into jiffies without overflow.
 */
#define OFFLINE_TIMEOUT_MAX_MS	(24U * 60 * 60 * 1000)
static unsigned int offline_timeout_ms __read_mostly;

static int offline_timeout_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, OFFLINE_TIMEOUT_MAX_MS);
}

static const struct kernel_param_ops offline_timeout_ops = {
	.set = offline_timeout_set,
	.get = param_get_uint,
};
module_param_cb(offline_timeout_ms, &offline_timeout_ops, &offline_timeout_ms,
		0644);
MODULE_PARM_DESC(offline_timeout_ms,
		 "fail an offline not done after this many ms (0: never)");

/* Limits the reports of folios that did not migrate, across all offlines. */
static DEFINE_RATELIMIT_STATE(offline_rs, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);

/* ------------------------------------------------------------------------
 * Checks before anything changes
 */

/*
 * The line a failed offline logs: the range, why, the errno.  Rate
 * limited, one limit for every reason.  A block that is offline already or
 * has no single zone is refused before offline_pages() and logs nothing.
 * The block's record gets the reason and errno.
 */
static void report_failure(struct offline_op *op, const char *why, int ret)
{
	pr_info_ratelimited("offline of [mem %#010llx-%#010llx] failed: %s (%d)\n",
			    PFN_PHYS(op->start), PFN_PHYS(op->end) - 1, why, ret);
	spin_lock(&op->why_lock);
	op->why.err = ret;
	op->why.reason = why;
	spin_unlock(&op->why_lock);
}

static int add_ram_pages(unsigned long pfn, unsigned long nr, void *arg)
{
	*(unsigned long *)arg += nr;
	return 0;
}

/* The range is System RAM without holes, and all of it in @zone. */
static int check_range(struct offline_op *op)
{
	unsigned long ram = 0;

	walk_system_ram_range(op->start, op->end - op->start, &ram,
			      add_ram_pages);
	if (ram != op->end - op->start) {
		report_failure(op, "it has holes", -EINVAL);
		return -EINVAL;
	}
	if (WARN_ON_ONCE(page_zone(pfn_to_page(op->start)) != op->zone ||
			 page_zone(pfn_to_page(op->end - 1)) != op->zone)) {
		report_failure(op, "it spans zones", -EINVAL);
		return -EINVAL;
	}
	return 0;
}

/* Which node states the node loses once the range is gone. */
static void offline_state_changes(struct offline_op *op)
{
	struct pglist_data *pgdat = op->zone->zone_pgdat;
	unsigned long nr = op->end - op->start;
	unsigned long normal = 0, movable;
	int zt;

	for (zt = 0; zt <= ZONE_NORMAL; zt++)
		normal += pgdat->node_zones[zt].present_pages;
	movable = pgdat->node_zones[ZONE_MOVABLE].present_pages;

	op->arg.status_change_nid = NUMA_NO_NODE;
	op->arg.status_change_nid_normal = NUMA_NO_NODE;
	if (normal + movable <= nr)
		op->arg.status_change_nid = pgdat->node_id;
	if (zone_idx(op->zone) <= ZONE_NORMAL && normal <= nr)
		op->arg.status_change_nid_normal = pgdat->node_id;
}

/* ------------------------------------------------------------------------
 * Evacuation
 */

enum page_kind { PAGE_SKIP, PAGE_MOVABLE, PAGE_STUCK };

/* What @page is, in a word, for the mhp_offline_blocked event. */
static const char *page_kind_name(const struct page *page)
{
	if (PageBuddy(page))
		return "buddy";
	if (PageSlab(page))
		return "slab";
	if (PageOffline(page))
		return "driver-offline";
	if (PageTable(page))
		return "page-table";
	if (PageHuge(page))
		return "hugetlb";
	/* a folio isolated for migration is off the LRU: ask its mapping */
	if (PageAnon(page))
		return "anon";
	if (__PageMovable(page))
		return "movable";
	if (PageLRU(page) || page_folio(page)->mapping)
		return "file";
	if (PageReserved(page))
		return "reserved";
	return page_ref_count(page) ? "kernel" : "free";
}

/*
 * The map count of one page no reference holds, read once: racy, but
 * never through a folio that may be split or freed meanwhile.
 */
static int unheld_mapcount(const struct page *page)
{
	unsigned int count = atomic_read(&page->_mapcount) + 1;

	return page_mapcount_is_type(count) ? 0 : count;
}

/*
 * @page kept the offline from finishing: tell the tracer, and the caller's
 * record.  A @final page (isolation refused it, or it cannot move) stays
 * in the record; otherwise the last page that failed to migrate does.
 * With page_owner on, the record also keeps the stack that allocated it.
 * @mapcount: read by the caller, which knows whether it holds the page.
 * Under @why_lock, so that the event and the record name the same page
 * as the same kind even when both halves of a sweep get here.
 */
static void blocked(struct offline_op *op, const struct page *page,
		    const char *reason, int mapcount, bool final)
{
	const char *kind = page_kind_name(page);

	spin_lock(&op->why_lock);
	trace_mhp_offline_blocked(page, reason, kind, mapcount);
	if (final || !op->why_final) {
		op->why.pfn = page_to_pfn(page);
		op->why.page_kind = kind;
		op->why.alloc_stack = page_owner_alloc_stack(page);
		op->why_final = final;
	}
	spin_unlock(&op->why_lock);
}

/* A failure that no page explains: drop the page a pass named before. */
static void no_blocker(struct offline_op *op)
{
	spin_lock(&op->why_lock);
	op->why.page_kind = NULL;
	op->why.pfn = 0;
	op->why.alloc_stack = 0;
	op->why_final = false;
	spin_unlock(&op->why_lock);
}

/*
 * Steps of the page scan.  What it reads without a reference may be stale,
 * so every step ends where the chunk or folio it saw ends, and is never
 * shorter than one pfn nor longer than the rest of the range.
 */

/**
 * chunk_tail() - pfns from @pfn to the end of its aligned chunk
 * @pfn: a pfn inside the chunk.
 * @order: the chunk's order, as read from its head (maybe stale).
 *
 * Context: Any.
 * Return: the pfns from @pfn to the end of its naturally aligned chunk of
 * 2^@order pages: at least one.
 */
VISIBLE_IF_KUNIT unsigned long chunk_tail(unsigned long pfn, unsigned int order)
{
	return (1UL << order) - (pfn & ((1UL << order) - 1));
}
EXPORT_SYMBOL_IF_KUNIT(chunk_tail);

/**
 * tail_or_one() - pfns from @pfn to a folio's end
 * @pfn: where the scan is.
 * @end: the end of the folio it saw there (maybe stale).
 *
 * Context: Any.
 * Return: @end - @pfn, or 1 when @end is not ahead of @pfn.
 */
VISIBLE_IF_KUNIT unsigned long tail_or_one(unsigned long pfn, unsigned long end)
{
	return end > pfn ? end - pfn : 1;
}
EXPORT_SYMBOL_IF_KUNIT(tail_or_one);

/**
 * sweep_step() - the scan's next step
 * @span: how far what the scan saw at @pfn reaches.
 * @pfn: where the scan is, inside the range.
 * @end: the end of the range.
 *
 * Context: Any.
 * Return: @span limited to [1, @end - @pfn].
 */
VISIBLE_IF_KUNIT unsigned long sweep_step(unsigned long span, unsigned long pfn,
					  unsigned long end)
{
	return clamp(span, 1UL, end - pfn);
}
EXPORT_SYMBOL_IF_KUNIT(sweep_step);

/*
 * What a page of the isolated range needs, judged without a reference:
 * the answer may be stale, evacuate() re-checks the whole range anyway.
 * *@span is set to how many pfns the answer covers (a buddy chunk, a
 * hugetlb folio that cannot migrate, or 1).
 */
static enum page_kind classify(struct page *page, unsigned long *span)
{
	unsigned int order;

	*span = 1;
	if (PageBuddy(page)) {
		order = buddy_order_unsafe(page);
		if (order <= MAX_PAGE_ORDER)
			*span = chunk_tail(page_to_pfn(page), order);
		return PAGE_SKIP;
	}
	/*
	 * Slab cannot be migrated: fail now, the writer may retry once it
	 * is freed.  Its fields overlay page->mapping and can pass for a
	 * movable page's.  Isolation refuses slab; this catches a stale,
	 * lock-free read of it there racing with the slab's allocation.
	 */
	if (PageSlab(page))
		return PAGE_STUCK;
	if (PageLRU(page) || __PageMovable(page))
		return PAGE_MOVABLE;
	/* a driver's page it did not give back on MEM_GOING_OFFLINE */
	if (PageOffline(page) && page_count(page))
		return PAGE_STUCK;
	if (PageHuge(page)) {
		struct folio *folio = page_folio(page);

		if (folio_test_hugetlb_migratable(folio))
			return PAGE_MOVABLE;
		*span = tail_or_one(page_to_pfn(page),
				    folio_pfn(folio) + folio_nr_pages(folio));
	}
	return PAGE_SKIP;
}

/* Memory failure got there first: unmap what we can, never migrate it. */
static void drop_poisoned(struct folio *folio, unsigned long pfn)
{
	if (folio_test_large(folio) && !folio_test_hugetlb(folio))
		return;
	if (folio_test_lru(folio) && !folio_isolate_lru(folio))
		return;
	if (folio_mapped(folio)) {
		folio_lock(folio);
		unmap_poisoned_folio(folio, pfn, false);
		folio_unlock(folio);
	}
}

/*
 * Queue the folio of @pfn for migration.  Return: pfns covered (the
 * folio's tail from @pfn on, or 1 when it changed under us).
 */
static unsigned long queue_folio(unsigned long pfn, struct list_head *list)
{
	struct page *page = pfn_to_page(pfn);
	struct folio *folio = page_folio(page);
	unsigned long span = 1;

	if (!folio_try_get(folio))
		return span;
	if (page_folio(page) != folio)
		goto put;
	span = folio_pfn(folio) + folio_nr_pages(folio) - pfn;
	if (folio_contain_hwpoisoned_page(folio))
		drop_poisoned(folio, pfn);
	else if (!isolate_folio_to_list(folio, list) && __ratelimit(&offline_rs))
		dump_page(page, "offline: page could not be isolated");
put:
	folio_put(folio);
	return span;
}

/*
 * Where the range's folios may go, decided once in the writer's context so
 * both halves of a sweep agree: memory nodes the writer's cpuset allows,
 * preferably not the range's own node (it may be going away as a whole),
 * but that node too when the others are full (see offline_target()).  The
 * writer's mempolicy is not consulted (an explicit node mask is, on either
 * CPU).
 */
static void choose_targets(struct offline_op *op)
{
	struct offline_targets *t = &op->targets;
	int nid = zone_to_nid(op->zone);

	nodes_and(t->then, node_states[N_MEMORY], cpuset_current_mems_allowed);
	if (nodes_empty(t->then))
		t->then = node_states[N_MEMORY];
	t->first = t->then;
	node_clear(nid, t->first);
	if (nodes_empty(t->first))
		node_set(nid, t->first);
}

/* One batch's allocation of migration targets. */
struct offline_alloc {
	struct migration_target_control mtc;
	const struct offline_targets *targets;
	bool first_full;	/* a small folio found no room in targets->first */
};

/*
 * A target for @src: in the first choice of nodes, and once that had no
 * room for a small folio of this batch, in the second (the range's own
 * node too; the range's pageblocks are isolated, so the buddy allocator
 * gives nothing back from it).  A large folio tries the first choice
 * every time, since its failure may only mean that no free range there
 * is large enough; it then goes to the second on its own, as splitting
 * it can fail where moving it would not.  Hugetlb folios stay with the
 * first choice: a free hugetlb folio of the range itself, which
 * isolation does not keep from the pool, could otherwise be picked.
 */
static struct folio *offline_target(struct folio *src, unsigned long private)
{
	struct offline_alloc *a = (struct offline_alloc *)private;
	const struct offline_targets *t = a->targets;
	bool hugetlb = folio_test_hugetlb(src);
	bool large = folio_test_large(src);
	struct folio *dst;

	if (!a->first_full || hugetlb || large) {
		a->mtc.nmask = (nodemask_t *)&t->first;	/* only read */
		dst = alloc_migration_target(src, (unsigned long)&a->mtc);
		if (dst || hugetlb || nodes_equal(t->first, t->then))
			return dst;
		if (!large)
			a->first_full = true;
	}
	a->mtc.nmask = (nodemask_t *)&t->then;
	return alloc_migration_target(src, (unsigned long)&a->mtc);
}

/*
 * Move the folios on @list to @targets, nearest to their node first.  A
 * failed allocation is no news - the sweep retries, and says so here -
 * so the allocator does not report it.
 */
static void migrate_list(struct list_head *list, struct offline_op *op)
{
	const struct offline_targets *targets = &op->targets;
	struct folio *first = list_first_entry(list, struct folio, lru);
	struct offline_alloc a = {
		.mtc = {
			.nid = folio_nid(first),
			.gfp_mask = GFP_USER | __GFP_MOVABLE |
				    __GFP_RETRY_MAYFAIL | __GFP_NOWARN,
			.reason = MR_MEMORY_HOTPLUG,
		},
		.targets = targets,
	};
	int ret;

	ret = migrate_pages(list, offline_target, NULL, (unsigned long)&a,
			    MIGRATE_SYNC, MR_MEMORY_HOTPLUG, NULL);
	if (!ret)
		return;
	/* what is left on @list is isolated, and so still referenced */
	if (!list_empty(list)) {
		struct folio *left = list_first_entry(list, struct folio, lru);

		blocked(op, &left->page, ret == -ENOMEM ?
			"no memory to migrate to" : "did not migrate",
			folio_mapcount(left), false);
	}
	if (ret == -ENOMEM && __ratelimit(&offline_rs))
		pr_info("offline: no free memory to migrate to on nodes %*pbl, first pfn %#lx\n",
			nodemask_pr_args(&targets->then),
			folio_pfn(list_first_entry(list, struct folio, lru)));
	else if (ret > 0 && __ratelimit(&offline_rs))
		pr_info("offline: %d folio(s) did not migrate this round, first pfn %#lx\n",
			ret, folio_pfn(list_first_entry(list, struct folio, lru)));
	putback_movable_pages(list);
}

/* The offline's time is up (never when it is not bounded). */
static bool expired(const struct offline_op *op)
{
	return op->bounded && time_after(jiffies, op->deadline);
}

/*
 * Whether a sweep stops after the batch it just moved: -EINTR when the
 * writer (on whichever CPU this half runs) has a signal pending or @stop
 * is true (the other half failed), -ETIMEDOUT when the time is up, else 0.
 */
static int sweep_stop(const struct offline_op *op, const bool *stop)
{
	if (signal_pending(op->writer) || READ_ONCE(*stop))
		return -EINTR;
	return expired(op) ? -ETIMEDOUT : 0;
}

/*
 * Sweep [@start, @end) of @op once: isolate movable folios in batches and
 * migrate each batch to the op's targets.  The sweep only moves forward,
 * at least one pfn a step, and stops after a batch as sweep_stop() says.
 * Return: 0, -EBUSY on a page that cannot move, -ETIMEDOUT when the time
 * is up, -EINTR on a signal or on @stop.
 */
static int migrate_pfns(struct offline_op *op, unsigned long start,
			unsigned long end, const bool *stop)
{
	unsigned long pfn = start, span, queued = 0;
	LIST_HEAD(list);
	int ret = 0;

	for (; pfn < end && !ret; pfn += span) {
		cond_resched();
		switch (classify(pfn_to_page(pfn), &span)) {
		case PAGE_STUCK:
			blocked(op, pfn_to_page(pfn), "cannot move",
				unheld_mapcount(pfn_to_page(pfn)), true);
			ret = -EBUSY;
			span = 1;
			continue;
		case PAGE_MOVABLE:
			span = queue_folio(pfn, &list);
			queued += span;
			break;
		case PAGE_SKIP:
			break;
		}
		span = sweep_step(span, pfn, end);
		if (queued < OFFLINE_MIGRATE_BATCH && pfn + span < end)
			continue;
		if (!list_empty(&list))
			migrate_list(&list, op);
		queued = 0;
		ret = sweep_stop(op, stop);
	}
	if (!list_empty(&list))
		putback_movable_pages(&list);
	return ret;
}

/*
 * The upper half of a range, swept by a worker on another CPU while the
 * caller sweeps the lower half: two CPUs copy at once.  Sweeps of disjoint
 * ranges are independent (compaction runs them on every CPU at once); the
 * worker takes no lock that could wait for mem_hotplug_lock, which the
 * caller holds while it waits for the worker.
 */
struct upper_half {
	struct work_struct work;
	struct offline_op *op;
	unsigned long start;
	const bool *stop;
	int ret;
};

static void upper_half_fn(struct work_struct *work)
{
	struct upper_half *h = container_of(work, struct upper_half, work);

	h->ret = migrate_pfns(h->op, h->start, h->op->end, h->stop);
}

/*
 * One sweep over the range, on two CPUs when there are two.
 * Return: 0, -EBUSY on a page that cannot move, -ETIMEDOUT when the time
 * is up, -EINTR on a signal.
 */
static noinline int migrate_range(struct offline_op *op)
{
	unsigned long mid = ALIGN_DOWN(op->start + (op->end - op->start) / 2,
				       pageblock_nr_pages);
	bool stop = false;
	struct upper_half upper = { .op = op, .start = mid, .stop = &stop };
	int ret;

	if (num_online_cpus() < 2 || mid <= op->start)
		return migrate_pfns(op, op->start, op->end, &stop);
	INIT_WORK_ONSTACK(&upper.work, upper_half_fn);
	queue_work(system_unbound_wq, &upper.work);
	ret = migrate_pfns(op, op->start, mid, &stop);
	WRITE_ONCE(stop, ret != 0);
	flush_work(&upper.work);
	destroy_work_on_stack(&upper.work);
	/* a signal to us wins; the worker's -EINTR only echoes our stop */
	if (ret == -EINTR || !upper.ret || upper.ret == -EINTR)
		return ret;
	/* a page that cannot move says more than the time running out */
	return ret == -EBUSY ? ret : upper.ret;
}
ALLOW_ERROR_INJECTION(migrate_range, ERRNO);

#ifdef CONFIG_HUGETLB_PAGE
static unsigned long smallest_huge_page(void)
{
	unsigned int order = MAX_PAGE_ORDER;
	struct hstate *h;

	for_each_hstate(h)
		order = min(order, huge_page_order(h));
	return 1UL << order;
}

/*
 * Give the free hugetlb folios of the range back to the buddy allocator
 * before anything migrates: left in the pool they would be the first
 * targets for the range's own in-use hugetlb folios, which would then
 * never leave, and the offline would retry until a signal.  In-use folios
 * are left for migration.  Return: 0, or -EBUSY for a free folio that must stay
 * (the pool has no other page for a reservation).
 */
static noinline int dissolve_free_huge(const struct offline_op *op)
{
	unsigned long step = smallest_huge_page(), pfn;
	struct folio *folio;

	if (!hugepages_supported())
		return 0;
	for (pfn = ALIGN(op->start, step); pfn < op->end; pfn += step) {
		folio = pfn_folio(pfn);
		if (!folio_test_hugetlb(folio) || folio_ref_count(folio))
			continue;
		if (dissolve_free_hugetlb_folio(folio))
			return -EBUSY;
	}
	return 0;
}
ALLOW_ERROR_INJECTION(dissolve_free_huge, ERRNO);
#else
static int dissolve_free_huge(const struct offline_op *op)
{
	return 0;
}
#endif

/*
 * Memory failure may have left a poisoned folio mapped or on an LRU list;
 * test_pages_isolated() counts a poisoned page as done, so such a range
 * is swept once even when everything else is free.  The count is global
 * and almost always zero.
 */
static bool poison_seen(void)
{
#ifdef CONFIG_MEMORY_FAILURE
	return atomic_long_read(&num_poisoned_pages);
#else
	return false;
#endif
}

/*
 * Until every page is free or skippable; see the DOC block.  A failure
 * names its cause here, where it is known; its caller only unwinds.
 */
static noinline int evacuate(struct offline_op *op)
{
	bool sweep = poison_seen();
	int ret;

	while (sweep || test_pages_isolated(op->start, op->end, MEMORY_OFFLINE)) {
		/* a sweep forced by poison has not seen the range yet */
		bool forced = sweep;

		sweep = false;
		if (signal_pending(current)) {
			report_failure(op, "interrupted by a signal", -EINTR);
			return -EINTR;
		}
		if (expired(op) && !forced)
			goto timed_out;
		/* pages in use: per-CPU LRU caches must not hide any of them */
		if (!op->lru_cache_off) {
			lru_cache_disable();
			op->lru_cache_off = true;
		}
		ret = dissolve_free_huge(op);
		if (ret) {
			no_blocker(op);
			report_failure(op, "a free hugetlb page cannot be dissolved",
				       ret);
			return ret;
		}
		ret = migrate_range(op);
		/*
		 * Time ran out, maybe right after the sweep emptied the range.
		 * A poisoned page counts as gone, yet may be mapped in the part
		 * the sweep did not reach: with poison about, time out anyway.
		 */
		if (ret == -ETIMEDOUT) {
			if (!poison_seen() &&
			    !test_pages_isolated(op->start, op->end,
						 MEMORY_OFFLINE))
				return 0;
			goto timed_out;
		}
		if (ret) {
			report_failure(op, ret == -EINTR ?
				       "interrupted by a signal" :
				       "a page cannot move", ret);
			return ret;
		}
		cond_resched();
	}
	return 0;

timed_out:
	/* busy, as a page that cannot move: what every caller expects */
	report_failure(op, "offline_timeout_ms passed", -EBUSY);
	return -EBUSY;
}
ALLOW_ERROR_INJECTION(evacuate, ERRNO);

/* ------------------------------------------------------------------------
 * Steps 2 and 5, and the way back
 */

static void allow_allocations(struct offline_op *op)
{
	if (op->lru_cache_off)
		lru_cache_enable();
	op->lru_cache_off = false;
	zone_pcp_enable(op->zone);
}

static int isolate_range(struct offline_op *op, int report)
{
	return start_isolate_page_range(op->start, op->end, MIGRATE_MOVABLE,
					MEMORY_OFFLINE | report,
					GFP_USER | __GFP_MOVABLE |
					__GFP_RETRY_MAYFAIL);
}

/*
 * Whether isolation for an offline of @op refuses @page, by the rules it
 * applies: a CMA pageblock, a reserved page, and outside ZONE_MOVABLE a
 * slab page, a large folio neither on an LRU nor movable, or a referenced
 * page that is none of LRU, movable, poisoned or a driver's offline page.
 * Read without a reference: a hint for the report, not a decision.  A
 * hugetlb page counts as movable here, since its size would be read from
 * a folio no one holds, and a pageblock someone else isolated meanwhile
 * (alloc_contig_range()) names no page.
 */
static bool refused_by_isolation(const struct offline_op *op,
				 struct page *page)
{
	if (is_migrate_cma_page(page) || PageReserved(page))
		return true;
	if (zone_idx(op->zone) == ZONE_MOVABLE || PageHuge(page))
		return false;
	if (PageSlab(page))
		return true;
	if (PageTransCompound(page))
		return !PageLRU(page) && !__PageMovable(compound_head(page));
	if (!page_ref_count(page) || PageHWPoison(page) || PageOffline(page))
		return false;
	return !PageLRU(page) && !__PageMovable(page);
}

/* Name the first page of @op that isolation refuses, to whoever asks. */
static void blocked_isolation(struct offline_op *op)
{
	unsigned long pfn;
	struct page *page;

	for (pfn = op->start; pfn < op->end; pfn++) {
		page = pfn_to_page(pfn);
		if (refused_by_isolation(op, page)) {
			blocked(op, page, "could not be isolated",
				unheld_mapcount(page), true);
			return;
		}
		if (!(pfn % PAGES_PER_SECTION))
			cond_resched();
	}
}

/*
 * Isolation takes a folio that waits in a per-CPU LRU batch (referenced,
 * not on the LRU yet) for an unmovable page.  When it fails, the batches
 * are flushed and kept off (lru_cache_disable(), which evacuation would
 * do anyway for memory in use) and isolation is tried once more; empty
 * memory isolates at the first try and never pays for the flush.
 */
static noinline int isolate(struct offline_op *op)
{
	int ret;

	zone_pcp_disable(op->zone);
	ret = isolate_range(op, 0);
	if (ret == -EBUSY) {
		lru_cache_disable();
		op->lru_cache_off = true;
		ret = isolate_range(op, REPORT_FAILURE);
	}
	if (ret) {
		/* while the LRU batches and per-CPU lists are still off */
		blocked_isolation(op);
		allow_allocations(op);
		report_failure(op, "pages could not be isolated", ret);
	}
	return ret;
}
ALLOW_ERROR_INJECTION(isolate, ERRNO);

static void unisolate(struct offline_op *op)
{
	undo_isolate_page_range(op->start, op->end, MIGRATE_MOVABLE);
	allow_allocations(op);
}

/* A subscriber's veto is reported here; the chain already cancelled. */
static int notify_going_offline(struct offline_op *op)
{
	int ret = memory_notify_or_cancel(MEM_GOING_OFFLINE,
					  MEM_CANCEL_OFFLINE, &op->arg);

	if (ret)
		report_failure(op, "a subscriber refused", ret);
	return ret;
}

/* The node and the rest of mm forget the (now empty) range. */
static void forget_pages(struct offline_op *op, struct memory_group *group,
			 unsigned long managed)
{
	struct page *first = pfn_to_page(op->start);
	const struct memory_notify *arg = &op->arg;

	adjust_managed_page_count(first, -managed);
	adjust_present_page_count(first, group, -(long)(op->end - op->start));
	init_per_zone_wmark_min();
	/* fallback lists are rebuilt from the node states: clear them first */
	if (arg->status_change_nid_normal != NUMA_NO_NODE)
		node_clear_state(arg->status_change_nid_normal, N_NORMAL_MEMORY);
	if (arg->status_change_nid != NUMA_NO_NODE)
		node_clear_state(arg->status_change_nid, N_MEMORY);
	if (!populated_zone(op->zone)) {
		zone_pcp_reset(op->zone);
		build_all_zonelists(NULL);
	}
	if (arg->status_change_nid != NUMA_NO_NODE) {
		kcompactd_stop(arg->status_change_nid);
		kswapd_stop(arg->status_change_nid);
	}
	writeback_set_ratelimit();
}

static void take_offline(struct offline_op *op, struct memory_group *group)
{
	unsigned long nr = op->end - op->start;
	unsigned long managed, flags;

	managed = __offline_isolated_pages(op->start, op->end);
	/* the pageblocks stay marked isolated; onlining resets them */
	spin_lock_irqsave(&op->zone->lock, flags);
	op->zone->nr_isolate_pageblock -= nr / pageblock_nr_pages;
	spin_unlock_irqrestore(&op->zone->lock, flags);
	allow_allocations(op);
	forget_pages(op, group, managed);
	memory_notify(MEM_OFFLINE, &op->arg);
	remove_pfn_range_from_zone(op->zone, op->start, nr);
}

/* The steps of an offline of a checked range, each saying why it failed. */
static int offline_steps(struct offline_op *op, struct memory_group *group)
{
	int ret;

	ret = check_range(op);
	if (ret)
		return ret;
	choose_targets(op);
	ret = isolate(op);
	if (ret)
		return ret;
	offline_state_changes(op);
	ret = notify_going_offline(op);
	if (ret)
		goto undo_isolation;
	ret = evacuate(op);
	if (ret)
		goto cancel_offline;
	take_offline(op, group);
	return 0;

cancel_offline:
	memory_notify(MEM_CANCEL_OFFLINE, &op->arg);
undo_isolation:
	unisolate(op);
	return ret;
}

/**
 * offline_pages() - take a range of a memory block offline
 * @start_pfn: first pfn; pageblock aligned.
 * @nr_pages: number of pages; the range ends on a section boundary.
 * @zone: the zone the whole range is in.
 * @group: the block's memory group, or NULL.
 *
 * Why it failed (or that it did not) goes to the block's record through
 * memory_block_explain_offline().
 *
 * Context: Process context, mem_hotplug_lock held for writing, under the
 * device hotplug lock.  May take long while pages migrate; any signal
 * interrupts it, and memory_hotplug.offline_timeout_ms bounds it.
 * Return: 0; -EINVAL for a misaligned range, a range with holes or in
 * several zones; -EBUSY when a page cannot be isolated or moved, or when
 * offline_timeout_ms passed; -EINTR on a signal; or a MEM_GOING_OFFLINE
 * veto.  On failure the range is online as before.
 */
noinline int offline_pages(unsigned long start_pfn, unsigned long nr_pages,
			   struct zone *zone, struct memory_group *group)
{
	unsigned int timeout_ms = READ_ONCE(offline_timeout_ms);
	struct offline_op op = {
		.start = start_pfn, .end = start_pfn + nr_pages, .zone = zone,
		.arg = { .start_pfn = start_pfn, .nr_pages = nr_pages },
		.writer = current,
		.deadline = jiffies + msecs_to_jiffies(timeout_ms),
		.bounded = timeout_ms != 0,
	};
	u64 t0 = ktime_get_ns();
	int ret;

	mem_hotplug_assert_held();
	spin_lock_init(&op.why_lock);
	if (WARN_ON_ONCE(!nr_pages || !pageblock_aligned(start_pfn) ||
			 !IS_ALIGNED(op.end, PAGES_PER_SECTION)))
		ret = -EINVAL;
	else
		ret = offline_steps(&op, group);
	/* pages that failed a pass but moved in the end explain nothing */
	if (!ret)
		op.why = (struct memory_offline_failure){};
	memory_block_explain_offline(start_pfn, &op.why);
	trace_mhp_offline(start_pfn, nr_pages, zone, group ? group->id : -1,
			  ret, ktime_get_ns() - t0);
	return ret;
}
ALLOW_ERROR_INJECTION(offline_pages, ERRNO);
