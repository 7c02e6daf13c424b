// SPDX-License-Identifier: GPL-2.0
/*
 * Adding and removing physical memory at run time.
 */

/**
 * DOC: the life of a hot-plugged range
 *
 * A range of physical memory goes through four phases; this file owns the
 * first and the last, and the locks and the boot parameters they all share.
 * The zone a block goes online to, the online policy parameters and the
 * zone and node spans live in memory_hotplug_zone.c.
 *
 * add (add_memory() and friends)
 *	the range is claimed in iomem_resource, memblock learns it (where the
 *	architecture keeps memblock), the node gets a pgdat if it had none,
 *	the architecture maps it and sparsemem gives it a memmap (optionally
 *	carved out of the range itself: memmap_on_memory), the memory block
 *	devices appear, linked to the node, and the firmware memmap gets an
 *	entry.  Any failure unwinds every step already taken.  Then, outside
 *	mem_hotplug_lock, each block is onlined when auto-onlining is on.
 * online (memory_hotplug_online.c) and offline (memory_hotplug_offline.c)
 *	one memory block at a time, from drivers/base/memory.c.
 * remove (remove_memory() and friends)
 *	only when every block is offline: the steps of "add" in reverse, and
 *	the node goes offline when nothing (memory, blocks, CPUs) is left on
 *	it.
 *
 * Locking, outermost first:
 *
 * - device_hotplug_lock (lock_device_hotplug()): serializes add, remove
 *   and online/offline requests as a whole.  add_memory(), remove_memory()
 *   and offline_and_remove_memory() take it; the __-prefixed variants and
 *   add_memory_resource() expect the caller to hold it.
 * - mem_hotplug_lock, a per-CPU rwsem: writers (mem_hotplug_begin()) change
 *   the memory layout - sections, zones, nodes, memmaps; readers
 *   (get_online_mems()) keep it stable.  The CPU hotplug lock is taken
 *   before it, so the layout code may look at the online CPUs.
 * - pgdat_resize_lock() and the zone span seqlock, inside, for spans.
 *
 * Functions that need the write side assert it with
 * mem_hotplug_assert_held().
 *
 * Compaction's scanners walk struct pages they hold no reference on and
 * must not sleep on mem_hotplug_lock, yet the memmap they read may be
 * poisoned (offline) or freed (remove) under them.  The rule for such a
 * walker (compaction, the /proc pfn readers): call memmap_walk_begin()
 * before it decides that a pfn is online memory of its zone
 * (pfn_to_online_page(), or zone->contiguous together with the zone's
 * span), and memmap_walk_end() after its last read of a struct page it
 * found that way.  The section
 * between may sleep (cond_resched(), lock drops): it is an SRCU read-side
 * section (memmap_walk_srcu, in mm/sparse_hotplug.c with the memmaps it
 * guards), so a pfn found online stays readable to the end of it.  The
 * other side: an offline first marks its sections offline and clears
 * zone->contiguous, then waits for every walk that began earlier
 * (memmap_walkers_sync()), and only then shrinks the zone's span (a walk
 * may check a page's zone against it) and poisons the memmap; removal
 * frees only memmaps of ranges an offline has waited for in this way.  An
 * online clears zone->contiguous and, if it was set, waits the same way
 * before the zone's span grows over a memmap that is not initialised
 * yet.  Scan positions a walker keeps between two sections (compaction's
 * cached pfns) are only hints: the pfn is checked again in the next
 * section, and only the pageblock checked is read.  A contiguous zone
 * speaks for its current span only, so its shortcut still wants the pfn
 * inside the span and its section online.
 *
 * Fault injection: every step of add, online, offline and remove that can
 * fail is marked ALLOW_ERROR_INJECTION(), here, in the online and offline
 * files, in mm/sparse_hotplug.c, drivers/base/memory.c and the ACPI
 * memory device driver, so that fail_function can make it fail on demand.
 * Such a step leaves nothing behind that its caller does not undo when it
 * fails (an injected failure skips it entirely), and its caller undoes
 * the steps before it; a marked static function is noinline, or the probe
 * would miss the copies inlined into its callers.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/error-injection.h>
#include <linux/firmware-map.h>
#include <linux/ioport.h>
#include <linux/memblock.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/node.h>
#include <linux/percpu-rwsem.h>
#include <linux/sched/isolation.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/memory_hotplug.h>

/* ------------------------------------------------------------------------
 * Locks
 */

/* guard(device_hotplug)(): lock_device_hotplug() for a scope */
DEFINE_LOCK_GUARD_0(device_hotplug, lock_device_hotplug(), unlock_device_hotplug())

/* Protects the memory layout: sections, zone and node spans, memmaps. */
DEFINE_STATIC_PERCPU_RWSEM(mem_hotplug_lock);

/**
 * get_online_mems() - keep memory from going online or offline
 *
 * Context: Process context; may sleep.  Pairs with put_online_mems().
 */
void get_online_mems(void)
{
	percpu_down_read(&mem_hotplug_lock);
}

/**
 * put_online_mems() - end a get_online_mems() section
 *
 * Context: Process context.
 */
void put_online_mems(void)
{
	percpu_up_read(&mem_hotplug_lock);
}

/**
 * mem_hotplug_done() - end a mem_hotplug_begin() section
 *
 * Context: Process context, after mem_hotplug_begin().
 */
void mem_hotplug_done(void)
{
	percpu_up_write(&mem_hotplug_lock);
	cpus_read_unlock();
}

/**
 * mem_hotplug_assert_held() - complain (lockdep) unless the layout is locked
 *
 * Context: Any; checks mem_hotplug_lock is held, in either mode.
 */
void mem_hotplug_assert_held(void)
{
	percpu_rwsem_assert_held(&mem_hotplug_lock);
}

/**
 * mem_hotplug_begin() - start changing the memory layout
 *
 * Takes the CPU hotplug lock for reading, then mem_hotplug_lock for
 * writing.
 *
 * Context: Process context; may sleep.  Pairs with mem_hotplug_done().
 */
void mem_hotplug_begin(void)
{
	cpus_read_lock();
	percpu_down_write(&mem_hotplug_lock);
}

/* ------------------------------------------------------------------------
 * Per-page work on a range, spread over CPUs
 *
 * Writing a range's memmap and handing its pages to the buddy allocator
 * touch every struct page once, independently of the others: the work
 * cuts into aligned chunks that CPUs can do at once.  The caller queues a
 * few workers on other CPUs, then takes chunks itself from a shared
 * counter, as the workers do, until none is left.  It then waits only for
 * the chunks a worker is in the middle of; a worker that had not started
 * is cancelled, with nothing left for it to do.  So the result never
 * depends on a worker being available (memory is often onlined because
 * there is none to spare for new threads), and a slow or preempted worker
 * delays the caller by one chunk at most.
 *
 * Boot-time deferred memmap init spreads the same work with
 * padata_do_multithreaded(), which is __init and waits for its helpers
 * whether or not they could start.
 */

/* More workers than this gain little: the stores share the memory bus. */
#define PFN_WORKERS_MAX		3
/* Below this, waking a worker costs about what the chunk would. */
#define PFN_CHUNK_MIN		(SZ_32M >> PAGE_SHIFT)

struct pfn_work {
	unsigned long start, end;
	unsigned long base;	/* @start rounded down to a chunk */
	unsigned long chunk;	/* pages per chunk, a power of two */
	atomic_long_t next;	/* index of the next chunk to take */
	mhp_pfn_work_fn fn;
	void *arg;
};

struct pfn_worker {
	struct work_struct work;
	struct pfn_work *pw;
};

static void pfn_work_init(struct pfn_work *pw, unsigned long start,
			  unsigned long end, unsigned long align,
			  mhp_pfn_work_fn fn, void *arg)
{
	pw->start = start;
	pw->end = end;
	pw->chunk = max_t(unsigned long, align, PFN_CHUNK_MIN);
	pw->base = ALIGN_DOWN(start, pw->chunk);
	atomic_long_set(&pw->next, 0);
	pw->fn = fn;
	pw->arg = arg;
}

static unsigned long pfn_work_chunks(const struct pfn_work *pw)
{
	return pw->end > pw->start ?
	       DIV_ROUND_UP(pw->end - pw->base, pw->chunk) : 0;
}

/* Chunk @k: [*lo, *hi), aligned inside the range, clipped at its ends. */
static void pfn_work_chunk(const struct pfn_work *pw, unsigned long k,
			   unsigned long *lo, unsigned long *hi)
{
	*lo = max(pw->start, pw->base + k * pw->chunk);
	*hi = min(pw->end, pw->base + (k + 1) * pw->chunk);
}

/* Take chunks until none is left. */
static void pfn_work_run(struct pfn_work *pw)
{
	unsigned long nr = pfn_work_chunks(pw), k, lo, hi;

	while ((k = atomic_long_fetch_inc(&pw->next)) < nr) {
		pfn_work_chunk(pw, k, &lo, &hi);
		pw->fn(lo, hi, pw->arg);
	}
}

static void pfn_worker_fn(struct work_struct *work)
{
	pfn_work_run(container_of(work, struct pfn_worker, work)->pw);
}

/* Workers worth waking: one per chunk beyond the caller's, per spare CPU. */
static unsigned int pfn_workers(unsigned long chunks, unsigned int cpus)
{
	if (chunks < 2 || cpus < 1)
		return 0;
	return min3(chunks - 1, (unsigned long)cpus,
		    (unsigned long)PFN_WORKERS_MAX);
}

/*
 * Up to @max online CPUs other than this one for the workers, of @nid
 * first (the memmap and the pages are there): housekeeping CPUs only, so
 * isolated CPUs (isolcpus=, nohz_full=) are left alone.
 */
static unsigned int pfn_work_cpus(int nid, int *cpus, unsigned int max)
{
	const struct cpumask *wq_ok = housekeeping_cpumask(HK_TYPE_WQ);
	int cpu, self = raw_smp_processor_id();
	unsigned int n = 0;
	bool near;

	for (near = true; ; near = false) {
		for_each_cpu_and(cpu, cpu_online_mask, wq_ok) {
			if (n == max)
				return n;
			if (cpu == self || (cpu_to_node(cpu) == nid) != near ||
			    !housekeeping_cpu(cpu, HK_TYPE_DOMAIN))
				continue;
			cpus[n++] = cpu;
		}
		if (!near)
			return n;
	}
}

/**
 * mhp_pfn_work() - run per-page work over a range on several CPUs
 * @nid: node of the range; workers run on its CPUs where it has any.
 * @start: first pfn.
 * @end: pfn after the last.
 * @align: chunk boundaries fall on multiples of this many pages (a power
 *	of two), so a chunk never splits what @fn does per aligned unit.
 * @fn: the work for [chunk start, chunk end).  Chunks are disjoint and
 *	run concurrently, in kworkers as well as in the caller: @fn must
 *	take no lock the caller holds, must not rely on current (its
 *	cgroup, cpuset or memalloc scope), and must not write state shared
 *	between chunks without synchronization.
 * @arg: passed to @fn.
 *
 * Returns when every chunk is done.
 *
 * Context: Process context, may sleep; the CPU hotplug lock held (the
 * online CPUs stay online).
 */
void mhp_pfn_work(int nid, unsigned long start, unsigned long end,
		  unsigned long align, mhp_pfn_work_fn fn, void *arg)
{
	struct pfn_worker workers[PFN_WORKERS_MAX];
	int cpus[PFN_WORKERS_MAX];
	struct pfn_work pw;
	unsigned int n, i;

	lockdep_assert_cpus_held();
	pfn_work_init(&pw, start, end, align, fn, arg);
	n = pfn_workers(pfn_work_chunks(&pw), num_online_cpus() - 1);
	n = pfn_work_cpus(nid, cpus, n);
	for (i = 0; i < n; i++) {
		workers[i].pw = &pw;
		INIT_WORK_ONSTACK(&workers[i].work, pfn_worker_fn);
		queue_work_on(cpus[i], system_wq, &workers[i].work);
	}
	pfn_work_run(&pw);
	/* all chunks are taken: wait for those in progress, drop the rest */
	for (i = 0; i < n; i++) {
		cancel_work_sync(&workers[i].work);
		destroy_work_on_stack(&workers[i].work);
	}
}

/* ------------------------------------------------------------------------
 * Parameters: movable_node, memhp_default_state=, memmap_on_memory
 */

bool movable_node_enabled;

static int __init parse_movable_node(char *unused)
{
	movable_node_enabled = true;
	return 0;
}
early_param("movable_node", parse_movable_node);

/* Hot-add beyond mem= is refused only while booting. */
u64 max_mem_size = U64_MAX;

/*
 * What auto-onlining does with new blocks; -1 until the command line sets
 * it or it is first asked for.  No lock: readers and the sysfs writer use
 * READ_ONCE()/WRITE_ONCE(), and either type a racing reader sees is valid.
 */
static int default_online_type = -1;

static enum mmop kconfig_online_type(void)
{
	if (IS_ENABLED(CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_MOVABLE))
		return MMOP_ONLINE_MOVABLE;
	if (IS_ENABLED(CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_KERNEL))
		return MMOP_ONLINE_KERNEL;
	if (IS_ENABLED(CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO))
		return MMOP_ONLINE;
	return MMOP_OFFLINE;
}

/**
 * mhp_get_default_online_type() - what auto-onlining does with new blocks
 *
 * Context: Any.
 * Return: the online type from memhp_default_state=, the last
 * auto_online_blocks write, or the Kconfig default, in that order.
 */
enum mmop mhp_get_default_online_type(void)
{
	int type = READ_ONCE(default_online_type);

	if (type >= 0)
		return type;
	/* the first reader settles the default, unless a write came first */
	cmpxchg(&default_online_type, -1, kconfig_online_type());
	return READ_ONCE(default_online_type);
}

/**
 * mhp_set_default_online_type() - set what auto-onlining does
 * @online_type: the new default.
 *
 * Context: Any; drivers/base/memory.c calls it from a sysfs write, without
 * a lock.
 */
void mhp_set_default_online_type(enum mmop online_type)
{
	WRITE_ONCE(default_online_type, online_type);
}

static int __init parse_default_state(char *str)
{
	int type = mhp_online_type_from_str(str);

	if (type < 0)
		pr_warn("memhp_default_state=%s not understood, ignored\n", str);
	else
		default_online_type = type;
	return 1;
}
__setup("memhp_default_state=", parse_default_state);

enum memmap_mode {
	MEMMAP_IN_BOOT_MEMORY,
	MEMMAP_ON_MEMORY,
	MEMMAP_ON_MEMORY_FORCE,	/* pad the memmap up to whole pageblocks */
};

/* memory_hotplug.memmap_on_memory, read-only once booted */
static enum memmap_mode memmap_mode __read_mostly;

/*
 * What a block's own memmap depends on, as plain numbers, so that the
 * arithmetic below can be checked against known geometries of other
 * machines too.
 */
struct memmap_geometry {
	unsigned long block_pages;	/* pages in a memory block */
	unsigned long page_bytes;	/* PAGE_SIZE */
	unsigned long struct_bytes;	/* sizeof(struct page) */
	unsigned long pageblock_pages;	/* pageblock_nr_pages */
};

/* The geometry of this kernel and machine. */
static struct memmap_geometry this_geometry(void)
{
	return (struct memmap_geometry) {
		.block_pages = PHYS_PFN(memory_block_size_bytes()),
		.page_bytes = PAGE_SIZE,
		.struct_bytes = sizeof(struct page),
		.pageblock_pages = pageblock_nr_pages,
	};
}

/* Bytes of struct page a whole block needs. */
static unsigned long geometry_memmap_bytes(const struct memmap_geometry *g)
{
	return g->block_pages * g->struct_bytes;
}

/* Pages of a block that hold its memmap; MEMMAP_ON_MEMORY_FORCE pads them. */
static unsigned long geometry_memmap_pages(const struct memmap_geometry *g,
					   enum memmap_mode mode)
{
	unsigned long pages = DIV_ROUND_UP(geometry_memmap_bytes(g),
					   g->page_bytes);

	return mode == MEMMAP_ON_MEMORY_FORCE ?
		roundup(pages, g->pageblock_pages) : pages;
}

/*
 * Whether a block can carry its memmap, the architecture aside: the memmap
 * is whole pages, ends on a pageblock boundary (so the rest of the block
 * can be onlined), and leaves some of the block usable.
 */
static bool geometry_fits_memmap(const struct memmap_geometry *g,
				 enum memmap_mode mode)
{
	unsigned long pages = geometry_memmap_pages(g, mode);

	if (mode == MEMMAP_IN_BOOT_MEMORY)
		return false;
	if (geometry_memmap_bytes(g) % g->page_bytes ||
	    pages % g->pageblock_pages)
		return false;
	return pages < g->block_pages;
}

/* Pages of a block that hold its own memmap under memmap_on_memory. */
static unsigned long block_memmap_pages(void)
{
	struct memmap_geometry g = this_geometry();

	return geometry_memmap_pages(&g, memmap_mode);
}

#ifdef CONFIG_MHP_MEMMAP_ON_MEMORY
static int memmap_mode_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret;

	if (sysfs_streq(val, "force") || sysfs_streq(val, "FORCE")) {
		struct memmap_geometry g = this_geometry();

		memmap_mode = MEMMAP_ON_MEMORY_FORCE;
		pr_info_once("memmap_on_memory=force: %lu pages per block unused\n",
			     geometry_memmap_pages(&g, MEMMAP_ON_MEMORY_FORCE) -
			     geometry_memmap_pages(&g, MEMMAP_ON_MEMORY));
		return 0;
	}
	ret = kstrtobool(val, &on);
	if (ret)
		return ret;
	memmap_mode = on ? MEMMAP_ON_MEMORY : MEMMAP_IN_BOOT_MEMORY;
	return 0;
}

static int memmap_mode_get(char *buffer, const struct kernel_param *kp)
{
	if (memmap_mode == MEMMAP_ON_MEMORY_FORCE)
		return sprintf(buffer, "force\n");
	return sprintf(buffer, "%c\n",
			  memmap_mode == MEMMAP_ON_MEMORY ? 'Y' : 'N');
}

static const struct kernel_param_ops memmap_mode_ops = {
	.set = memmap_mode_set,
	.get = memmap_mode_get,
};
module_param_cb(memmap_on_memory, &memmap_mode_ops, NULL, 0444);
MODULE_PARM_DESC(memmap_on_memory,
		 "Hot-added memory carries its own memmap (Y/N/force; force may leave pages of each block unused)");
#endif

#ifndef arch_supports_memmap_on_memory
/* Default: the memmap of a block must fill whole PMD mappings. */
static bool arch_supports_memmap_on_memory(unsigned long vmemmap_size)
{
	return IS_ALIGNED(vmemmap_size, PMD_SIZE);
}
#endif

/**
 * mhp_supports_memmap_on_memory() - can new blocks carry their own memmap?
 *
 * True when memmap_on_memory is on and its geometry works: the memmap of a
 * block is whole pages, ends on a pageblock boundary (so the rest of the
 * block can be onlined), leaves some of the block usable, and the
 * architecture can map it from the block (by default: whole PMDs).
 *
 * Context: Any.
 * Return: true if MHP_MEMMAP_ON_MEMORY requests will be honoured.
 */
bool mhp_supports_memmap_on_memory(void)
{
	struct memmap_geometry g = this_geometry();

	return geometry_fits_memmap(&g, memmap_mode) &&
	       arch_supports_memmap_on_memory(geometry_memmap_bytes(&g));
}
EXPORT_SYMBOL_GPL(mhp_supports_memmap_on_memory);

/* ------------------------------------------------------------------------
 * Which physical ranges can be plugged
 */

/**
 * arch_get_mappable_range() - physical range the linear map can cover
 *
 * Architectures with a limit override this weak default (everything).
 *
 * Context: Any.
 * Return: an inclusive range.
 */
struct range __weak arch_get_mappable_range(void)
{
	return (struct range){ .start = 0, .end = U64_MAX };
}

/**
 * mhp_get_pluggable_range() - physical range hot-plugged memory may use
 * @need_mapping: the memory will be in the linear map.
 *
 * Context: Any.
 * Return: an inclusive range, capped at the largest physical address
 * sparsemem can describe; empty ({0, 0}) when the mappable range starts
 * beyond it.
 */
struct range mhp_get_pluggable_range(bool need_mapping)
{
	const u64 top = PHYSMEM_END;
	struct range r = { .start = 0, .end = top };

	if (!need_mapping)
		return r;
	r = arch_get_mappable_range();
	if (r.start > top)
		return (struct range){ .start = 0, .end = 0 };
	r.end = min_t(u64, r.end, top);
	return r;
}
EXPORT_SYMBOL_GPL(mhp_get_pluggable_range);

/**
 * mhp_range_allowed() - may [@start, @start + @size) be hot-plugged?
 * @start: physical start address.
 * @size: size in bytes.
 * @need_mapping: the memory will be in the linear map.
 *
 * Context: Any.
 * Return: true if the range is non-empty and inside
 * mhp_get_pluggable_range(); otherwise false, with a warning.
 */
bool mhp_range_allowed(u64 start, u64 size, bool need_mapping)
{
	struct range r = mhp_get_pluggable_range(need_mapping);
	u64 last = start + size - 1;

	if (size && last >= start && start >= r.start && last <= r.end)
		return true;
	pr_warn("range [%#llx-%#llx] outside the pluggable range [%#llx-%#llx]\n",
		start, last, r.start, r.end);
	return false;
}

/* Add, online and remove work in whole memory blocks. */
static int check_block_range(u64 start, u64 size)
{
	u64 block = memory_block_size_bytes();

	if (size && IS_ALIGNED(start | size, block))
		return 0;
	pr_err("range start %#llx size %#llx is not in whole %#llx-byte blocks\n",
	       start, size, block);
	return -EINVAL;
}

/* ------------------------------------------------------------------------
 * Sections: what arch_add_memory() / arch_remove_memory() call
 */

/* Smallest unit sparsemem can add or remove: subsection or section. */
static unsigned long section_unit(void)
{
	return IS_ENABLED(CONFIG_SPARSEMEM_VMEMMAP) ?
		PAGES_PER_SUBSECTION : PAGES_PER_SECTION;
}

static bool pfn_range_misaligned(unsigned long pfn, unsigned long nr_pages,
				 const char *who)
{
	return WARN(!IS_ALIGNED(pfn | nr_pages, section_unit()),
		    "%s: pfns %#lx+%#lx not in sparsemem units\n",
		    who, pfn, nr_pages);
}

/* Pages from @pfn up to the next section boundary, at most @end. */
static unsigned long to_section_end(unsigned long pfn, unsigned long end)
{
	return min(end, SECTION_ALIGN_UP(pfn + 1)) - pfn;
}

static bool altmap_fits(struct vmem_altmap *altmap, unsigned long pfn,
			unsigned long nr_pages)
{
	return altmap->base_pfn == pfn &&
	       vmem_altmap_offset(altmap) <= nr_pages;
}

/**
 * __add_pages() - give a pfn range a memmap, section by section
 * @nid: node the memmap is allocated on.
 * @pfn: first pfn, subsection aligned.
 * @nr_pages: number of pages, subsection aligned.
 * @params: page protection, and optional altmap and ZONE_DEVICE pagemap.
 *
 * The sections stay offline.  All or nothing: when one section cannot be
 * added, the ones this call added before it are removed again, so the
 * caller has nothing of the range to undo (arch_add_memory() callers do
 * not call arch_remove_memory() after a failure).
 *
 * Context: Process context, mem_hotplug_lock held for writing.
 * Return: 0, -EINVAL for a bad range, pgprot or altmap, or the error of
 * sparse_add_section().
 */
int __add_pages(int nid, unsigned long pfn, unsigned long nr_pages,
		struct mhp_params *params)
{
	const unsigned long start = pfn, end = pfn + nr_pages;
	unsigned long chunk;
	int ret = 0;

	mem_hotplug_assert_held();
	if (WARN_ON_ONCE(!pgprot_val(params->pgprot)))
		return -EINVAL;
	if (params->altmap && !altmap_fits(params->altmap, pfn, nr_pages)) {
		pr_warn_once("altmap does not fit pfns %#lx+%#lx\n", pfn, nr_pages);
		return -EINVAL;
	}
	if (pfn_range_misaligned(pfn, nr_pages, __func__))
		return -EINVAL;
	if (params->altmap)
		params->altmap->alloc = 0;

	for (; pfn < end; pfn += chunk) {
		chunk = to_section_end(pfn, end);
		ret = sparse_add_section(nid, pfn, chunk, params->altmap,
					 params->pgmap);
		if (ret)
			break;
		cond_resched();
	}
	vmemmap_populate_print_last();
	if (ret && pfn > start)
		__remove_pages(start, pfn - start, params->altmap, params->pgmap);
	return ret;
}

/**
 * __remove_pages() - drop the memmap of a pfn range, section by section
 * @pfn: first pfn, subsection aligned.
 * @nr_pages: number of pages, subsection aligned.
 * @altmap: where the memmap came from, or NULL.
 * @pgmap: the ZONE_DEVICE pagemap, or NULL.
 *
 * The range must already be offline and out of every zone.
 *
 * Context: Process context, mem_hotplug_lock held for writing.
 */
void __remove_pages(unsigned long pfn, unsigned long nr_pages,
		    struct vmem_altmap *altmap, struct dev_pagemap *pgmap)
{
	const unsigned long end = pfn + nr_pages;
	unsigned long chunk;

	mem_hotplug_assert_held();
	if (pfn_range_misaligned(pfn, nr_pages, __func__))
		return;
	for (; pfn < end; pfn += chunk) {
		chunk = to_section_end(pfn, end);
		sparse_remove_section(pfn, chunk, altmap, pgmap);
		cond_resched();
	}
}

/* The section of @pfn if it exists and is online, else NULL. */
static struct mem_section *online_section_of(unsigned long pfn)
{
	unsigned long nr = pfn_to_section_nr(pfn);
	struct mem_section *ms = nr < NR_MEM_SECTIONS ? __nr_to_section(nr) : NULL;

	return ms && online_section(ms) ? ms : NULL;
}

/* A section shared with ZONE_DEVICE: only the pagemap knows each pfn. */
static bool pfn_is_device_offline(unsigned long pfn)
{
	struct dev_pagemap *pgmap = get_dev_pagemap(pfn, NULL);

	put_dev_pagemap(pgmap);
	return pgmap;
}

/**
 * pfn_to_online_page() - the struct page of @pfn if it is online memory
 * @pfn: page frame number.
 *
 * Unlike pfn_valid(), this also says the memmap is initialised and the
 * page belongs to a zone of online memory (not ZONE_DEVICE, not an
 * offline block).  The caller must still expect the page to go offline
 * later unless it holds get_online_mems().
 *
 * Context: Any.
 * Return: the page, or NULL.
 */
struct page *pfn_to_online_page(unsigned long pfn)
{
	struct mem_section *ms = online_section_of(pfn);
	bool online;

	/* the usage behind pfn_section_valid() is freed by kfree_rcu() */
	scoped_guard(rcu)
		online = ms && pfn_section_valid(ms, pfn);
	if (online && IS_ENABLED(CONFIG_HAVE_ARCH_PFN_VALID))
		online = pfn_valid(pfn);
	if (online && online_device_section(ms))
		online = !pfn_is_device_offline(pfn);
	return online ? pfn_to_page(pfn) : NULL;
}
EXPORT_SYMBOL_GPL(pfn_to_online_page);

/* ------------------------------------------------------------------------
 * Nodes
 */

/*
 * Give an offline node a usable pgdat: empty zones and fallback lists.
 * The caller publishes it later.  Return: 0 or -ENOMEM.
 */
static noinline int prepare_node(int nid)
{
	struct pglist_data *pgdat = NODE_DATA(nid);

	if (free_area_init_core_hotplug(pgdat)) {
		pr_err("node %d: no memory for its per-CPU statistics\n", nid);
		return -ENOMEM;
	}
	build_all_zonelists(pgdat);
	return 0;
}
ALLOW_ERROR_INJECTION(prepare_node, ERRNO);

/* Mark a prepared node online and give it its sysfs device. */
static noinline int publish_node(int nid)
{
	int ret;

	node_set_online(nid);
	ret = __register_one_node(nid);
	if (ret) {
		pr_err("node %d: sysfs registration failed: %d\n", nid, ret);
		node_set_offline(nid);
	}
	return ret;
}
ALLOW_ERROR_INJECTION(publish_node, ERRNO);

/**
 * try_online_node() - bring a node without memory online
 * @nid: the node, e.g. of a CPU being brought up.
 *
 * Context: Process context; takes mem_hotplug_lock.
 * Return: 0 when the node is online (already, or now); -ENOMEM, or the
 * error of the node's sysfs registration.
 */
int try_online_node(int nid)
{
	int ret = 0;

	mem_hotplug_begin();
	if (!node_online(nid))
		ret = prepare_node(nid) ?: publish_node(nid);
	mem_hotplug_done();
	return ret;
}

#ifdef CONFIG_MEMORY_HOTREMOVE
/* A node keeps living while any present CPU sits on it. */
static bool node_has_cpus(int nid)
{
	int cpu;

	for_each_present_cpu(cpu)
		if (cpu_to_node(cpu) == nid)
			return true;
	return false;
}

static int block_on_node(struct memory_block *mem, void *arg)
{
	return mem->nid == *(int *)arg;
}

/**
 * try_offline_node() - take a node offline once nothing is left on it
 * @nid: the node.
 *
 * The node stays when it still spans pages (online memory, ZONE_DEVICE),
 * owns a memory block (even an offline one), or has a present CPU.
 *
 * Context: Process context, device hotplug lock held.
 */
void try_offline_node(int nid)
{
	bool in_use = node_spanned_pages(nid) || node_has_cpus(nid) ||
		      for_each_memory_block(&nid, block_on_node);

	if (in_use)
		return;
	node_set_offline(nid);
	unregister_one_node(nid);
}
EXPORT_SYMBOL(try_offline_node);
#endif /* CONFIG_MEMORY_HOTREMOVE */

/* ------------------------------------------------------------------------
 * Hot-add
 */

/* One add_memory_resource() call, as its steps see it. */
struct hotadd {
	int nid;
	u64 start;
	u64 size;
	mhp_t flags;
	struct memory_group *group;
	struct resource *res;
	bool new_node;		/* prepare_node() had to set the node up */
};

static noinline struct vmem_altmap *block_altmap_new(u64 start, mhp_t flags)
{
	const struct vmem_altmap layout = {
		.base_pfn = PHYS_PFN(start),
		.end_pfn = PHYS_PFN(start + memory_block_size_bytes() - 1),
		.free = block_memmap_pages(),
		.inaccessible = !!(flags & MHP_OFFLINE_INACCESSIBLE),
	};

	return kmemdup(&layout, sizeof(layout), GFP_KERNEL);
}
ALLOW_ERROR_INJECTION(block_altmap_new, NULL);

/* Map @size bytes at @start and create their memory block devices. */
static noinline int map_with_devices(const struct hotadd *ha, u64 start,
				     u64 size, struct vmem_altmap *altmap)
{
	struct mhp_params params = {
		.pgprot = pgprot_mhp(PAGE_KERNEL),
		.altmap = altmap,
	};
	int ret;

	ret = arch_add_memory(ha->nid, start, size, &params);
	if (ret)
		return ret;
	ret = create_memory_block_devices(start, size, altmap, ha->group);
	if (ret)
		arch_remove_memory(start, size, altmap, NULL);
	return ret;
}
ALLOW_ERROR_INJECTION(map_with_devices, ERRNO);

/* Detach the altmap from the block at @start; the caller frees it. */
static struct vmem_altmap *detach_block_altmap(u64 start)
{
	struct vmem_altmap *altmap = NULL;
	struct memory_block *mem;

	mem = find_memory_block(pfn_to_section_nr(PHYS_PFN(start)));
	if (WARN_ON_ONCE(!mem))
		return NULL;
	swap(altmap, mem->altmap);
	put_device(&mem->dev);
	return altmap;
}

/* Undo map_with_devices() for one block that carries its own memmap. */
static void unmap_self_hosted_block(u64 start)
{
	struct vmem_altmap *altmap = detach_block_altmap(start);
	unsigned long size = memory_block_size_bytes();

	if (!altmap)
		return;
	remove_memory_block_devices(start, size);
	arch_remove_memory(start, size, altmap, NULL);
	WARN(altmap->alloc, "memmap of block at %#llx not fully freed\n", start);
	kfree(altmap);
}

static void unmap_self_hosted(u64 start, u64 size)
{
	u64 block = memory_block_size_bytes();
	u64 addr;

	for (addr = start; addr < start + size; addr += block)
		unmap_self_hosted_block(addr);
}

/* memmap_on_memory: each block gets its own altmap, mapped one by one. */
static int map_self_hosted(const struct hotadd *ha)
{
	u64 block = memory_block_size_bytes();
	struct vmem_altmap *altmap;
	u64 addr;
	int ret = 0;

	for (addr = ha->start; addr < ha->start + ha->size; addr += block) {
		altmap = block_altmap_new(addr, ha->flags);
		ret = altmap ? map_with_devices(ha, addr, block, altmap) : -ENOMEM;
		if (ret) {
			kfree(altmap);
			break;
		}
	}
	if (ret)
		unmap_self_hosted(ha->start, addr - ha->start);
	return ret;
}

static bool wants_self_hosted_memmap(const struct hotadd *ha)
{
	return (ha->flags & MHP_MEMMAP_ON_MEMORY) &&
	       mhp_supports_memmap_on_memory();
}

static int map_range(const struct hotadd *ha)
{
	if (wants_self_hosted_memmap(ha))
		return map_self_hosted(ha);
	return map_with_devices(ha, ha->start, ha->size, NULL);
}

static noinline int memblock_learn(const struct hotadd *ha)
{
	enum memblock_flags flags = MEMBLOCK_NONE;

	if (!IS_ENABLED(CONFIG_ARCH_KEEP_MEMBLOCK))
		return 0;
	if (ha->res->flags & IORESOURCE_SYSRAM_DRIVER_MANAGED)
		flags = MEMBLOCK_DRIVER_MANAGED;
	return memblock_add_node(ha->start, ha->size, ha->nid, flags);
}
ALLOW_ERROR_INJECTION(memblock_learn, ERRNO);

static void memblock_forget(u64 start, u64 size)
{
	if (IS_ENABLED(CONFIG_ARCH_KEEP_MEMBLOCK))
		memblock_remove(start, size);
}

static void unmap_range(u64 start, u64 size, bool self_hosted)
{
	if (self_hosted) {
		unmap_self_hosted(start, size);
		return;
	}
	remove_memory_block_devices(start, size);
	arch_remove_memory(start, size, NULL, NULL);
}

/* Every step of a hot-add that needs mem_hotplug_lock, all or nothing. */
static int __hotadd(struct hotadd *ha)
{
	int ret;

	mem_hotplug_assert_held();
	ret = memblock_learn(ha);
	if (ret)
		return ret;
	ha->new_node = !node_online(ha->nid);
	if (ha->new_node) {
		ret = prepare_node(ha->nid);
		if (ret)
			goto forget_memblock;
	}
	ret = map_range(ha);
	if (ret)
		goto forget_memblock;
	if (ha->new_node) {
		ret = publish_node(ha->nid);
		if (ret)
			goto unmap;
	}
	register_memory_blocks_under_node(ha->nid, PHYS_PFN(ha->start),
					  PHYS_PFN(ha->start + ha->size),
					  MEMINIT_HOTPLUG);
	if (!strcmp(ha->res->name, "System RAM"))
		firmware_map_add_hotplug(ha->start, ha->start + ha->size,
					 "System RAM");
	return 0;

unmap:
	unmap_range(ha->start, ha->size, wants_self_hosted_memmap(ha));
forget_memblock:
	/* a prepared node's pgdat stays: it is reused when the node comes */
	memblock_forget(ha->start, ha->size);
	return ret;
}

static int auto_online_block(struct memory_block *mem, void *arg)
{
	mem->online_type = mhp_get_default_online_type();
	return device_online(&mem->dev);
}

static noinline int resolve_target(struct hotadd *ha)
{
	if (ha->flags & MHP_NID_IS_MGID) {
		ha->group = memory_group_find_by_id(ha->nid);
		if (!ha->group)
			return -EINVAL;
		ha->nid = ha->group->nid;
	}
	if (WARN(!node_possible(ha->nid), "node %d is not possible\n", ha->nid))
		return -EINVAL;
	return 0;
}
ALLOW_ERROR_INJECTION(resolve_target, ERRNO);

/* The node and group the mhp_add event names, resolved or not. */
static int hotadd_trace_nid(const struct hotadd *ha)
{
	if (ha->group)
		return ha->group->nid;
	return ha->flags & MHP_NID_IS_MGID ? NUMA_NO_NODE : ha->nid;
}

static int hotadd_trace_group(const struct hotadd *ha)
{
	if (ha->group)
		return ha->group->id;
	return ha->flags & MHP_NID_IS_MGID ? ha->nid : -1;
}

/**
 * add_memory_resource() - add the memory of an already claimed resource
 * @nid: node id, or a memory group id with %MHP_NID_IS_MGID.
 * @res: the busy System RAM resource covering the range, whole blocks.
 * @mhp_flags: %MHP_MERGE_RESOURCE, %MHP_MEMMAP_ON_MEMORY,
 *	%MHP_NID_IS_MGID, %MHP_OFFLINE_INACCESSIBLE.
 *
 * Adds the range (see the DOC block above), then onlines its blocks when
 * auto-onlining is on; a block that fails to online stays offline and does
 * not fail the call.  On error nothing of the range is left, except the
 * resource, which stays the caller's.
 *
 * Context: Process context, device hotplug lock held.
 * Return: 0; -EINVAL for a range not in whole blocks, an unknown group or
 * an impossible node; -ENOMEM; or the error of a lower layer.
 */
int add_memory_resource(int nid, struct resource *res, mhp_t mhp_flags)
{
	struct hotadd ha = {
		.nid = nid, .start = res->start, .size = resource_size(res),
		.flags = mhp_flags, .res = res,
	};
	u64 t0 = ktime_get_ns();
	int ret;

	ret = check_block_range(ha.start, ha.size);
	if (!ret)
		ret = resolve_target(&ha);
	if (!ret) {
		mem_hotplug_begin();
		ret = __hotadd(&ha);
		mem_hotplug_done();
	}
	trace_mhp_add(ha.start, ha.size, hotadd_trace_nid(&ha),
		      hotadd_trace_group(&ha), ret, ktime_get_ns() - t0);
	if (ret)
		return ret;

	if (mhp_flags & MHP_MERGE_RESOURCE)
		merge_system_ram_resource(res);
	if (mhp_get_default_online_type() != MMOP_OFFLINE)
		walk_memory_blocks(ha.start, ha.size, NULL, auto_online_block);
	return 0;
}

/* Claim [start, start + size) in iomem_resource as (busy) System RAM. */
static noinline struct resource *claim_range(u64 start, u64 size,
					     const char *name)
{
	unsigned long flags = IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY;
	struct resource *res;

	if (strcmp(name, "System RAM"))
		flags |= IORESOURCE_SYSRAM_DRIVER_MANAGED;
	if (!mhp_range_allowed(start, size, true))
		return ERR_PTR(-E2BIG);
	/* mem= limits what the firmware gives us at boot, not hot-plug */
	if (system_state < SYSTEM_RUNNING && start + size > max_mem_size)
		return ERR_PTR(-E2BIG);
	res = __request_region(&iomem_resource, start, size, name, flags);
	if (!res) {
		pr_debug("[%#llx-%#llx] is already claimed\n",
			 start, start + size - 1);
		return ERR_PTR(-EEXIST);
	}
	return res;
}
ALLOW_ERROR_INJECTION(claim_range, ERRNO);

static void unclaim_range(struct resource *res)
{
	release_resource(res);
	kfree(res);
}

static int claim_and_add(int nid, u64 start, u64 size, const char *name,
			 mhp_t mhp_flags)
{
	struct resource *res = claim_range(start, size, name);
	int ret;

	if (IS_ERR(res))
		return PTR_ERR(res);
	ret = add_memory_resource(nid, res, mhp_flags);
	if (ret)
		unclaim_range(res);
	return ret;
}

/**
 * __add_memory() - add firmware-described System RAM
 * @nid: node id (or group id with %MHP_NID_IS_MGID).
 * @start: physical start, block aligned.
 * @size: size in bytes, whole blocks.
 * @mhp_flags: see add_memory_resource().
 *
 * Context: Process context, device hotplug lock held.
 * Return: 0; -E2BIG outside the pluggable range; -EEXIST when the range is
 * already claimed; or an error of add_memory_resource().
 */
int __add_memory(int nid, u64 start, u64 size, mhp_t mhp_flags)
{
	return claim_and_add(nid, start, size, "System RAM", mhp_flags);
}

/**
 * add_memory() - add firmware-described System RAM
 * @nid: node id (or group id with %MHP_NID_IS_MGID).
 * @start: physical start, block aligned.
 * @size: size in bytes, whole blocks.
 * @mhp_flags: see add_memory_resource().
 *
 * Context: Process context; takes the device hotplug lock.
 * Return: as __add_memory().
 */
int add_memory(int nid, u64 start, u64 size, mhp_t mhp_flags)
{
	guard(device_hotplug)();
	return __add_memory(nid, start, size, mhp_flags);
}
EXPORT_SYMBOL_GPL(add_memory);

static bool driver_managed_name(const char *name)
{
	static const char prefix[] = "System RAM (";
	size_t len = name ? strlen(name) : 0;

	return len > sizeof(prefix) - 1 &&
	       !strncmp(name, prefix, sizeof(prefix) - 1) &&
	       name[len - 1] == ')';
}

/**
 * add_memory_driver_managed() - add System RAM that a driver manages
 * @nid: node id (or group id with %MHP_NID_IS_MGID).
 * @start: physical start, block aligned.
 * @size: size in bytes, whole blocks.
 * @resource_name: "System RAM (<driver>)", as /proc/iomem shows it.
 * @mhp_flags: see add_memory_resource().
 *
 * Such memory (virtio-mem, dax/kmem) gets no firmware memmap entry and its
 * resource is flagged driver-managed, so kexec leaves it alone: after a
 * reboot the driver decides again what it is.
 *
 * Context: Process context; takes the device hotplug lock.
 * Return: -EINVAL for a name not of that form, otherwise as __add_memory().
 */
int add_memory_driver_managed(int nid, u64 start, u64 size,
			      const char *resource_name, mhp_t mhp_flags)
{
	if (!driver_managed_name(resource_name))
		return -EINVAL;
	guard(device_hotplug)();
	return claim_and_add(nid, start, size, resource_name, mhp_flags);
}
EXPORT_SYMBOL_GPL(add_memory_driver_managed);

/* ------------------------------------------------------------------------
 * Hot-remove
 */
#ifdef CONFIG_MEMORY_HOTREMOVE

/* What the blocks of a range to remove look like. */
struct removal_survey {
	int nid;			/* node of the last block seen */
	int group;			/* its group's id, or -1 */
	unsigned long blocks;
	unsigned long self_hosted;	/* blocks carrying their own memmap */
};

static int survey_block(struct memory_block *mem, void *arg)
{
	struct removal_survey *s = arg;
	phys_addr_t start = PFN_PHYS(section_nr_to_pfn(mem->start_section_nr));

	if (mem->state != MEM_OFFLINE) {
		pr_warn("cannot remove [%pa+%#lx]: the block is online\n",
			&start, memory_block_size_bytes());
		return -EBUSY;
	}
	s->nid = mem->nid;
	s->group = mem->group ? mem->group->id : -1;
	s->blocks++;
	s->self_hosted += !!mem->altmap;
	return 0;
}

/* Every step of a removal that needs mem_hotplug_lock. */
static void __remove_offline_range(u64 start, u64 size,
				   const struct removal_survey *s)
{
	mem_hotplug_assert_held();
	unmap_range(start, size, s->self_hosted);
	memblock_forget(start, size);
	release_mem_region_adjustable(start, size);
	if (s->nid != NUMA_NO_NODE)
		try_offline_node(s->nid);
}

/* Whether the offline range of @s can go; fills @s. */
static int survey_range(u64 start, u64 size, struct removal_survey *s)
{
	int ret;

	ret = check_block_range(start, size);
	if (ret)
		return ret;
	ret = walk_memory_blocks(start, size, s, survey_block);
	if (ret)
		return ret;
	/* a range that was never added as a whole is not ours to remove */
	if (s->blocks != size / memory_block_size_bytes())
		return -EINVAL;
	/* blocks either all carry their memmap or none does */
	if (WARN_ON_ONCE(s->self_hosted && s->self_hosted != s->blocks))
		return -EINVAL;
	return 0;
}

static int try_remove_memory(u64 start, u64 size)
{
	struct removal_survey s = { .nid = NUMA_NO_NODE, .group = -1 };
	u64 t0 = ktime_get_ns();
	int ret;

	ret = survey_range(start, size, &s);
	if (!ret) {
		firmware_map_remove(start, start + size, "System RAM");
		mem_hotplug_begin();
		__remove_offline_range(start, size, &s);
		mem_hotplug_done();
	}
	trace_mhp_remove(start, size, s.nid, s.group, ret, ktime_get_ns() - t0);
	return ret;
}

/*
 * The removal that may fail, and so the one fault injection fails: that
 * of offline_and_remove_memory(), whose callers get their blocks back
 * online.  remove_memory() and __remove_memory() are asked to remove
 * offline memory their caller added: firmware ejects it whatever they
 * say, and virtio-mem takes a failure for a bug.
 */
static noinline int try_remove_refusable(u64 start, u64 size)
{
	return try_remove_memory(start, size);
}
ALLOW_ERROR_INJECTION(try_remove_refusable, ERRNO);

/**
 * __remove_memory() - remove a range whose blocks are all offline
 * @start: physical start, block aligned.
 * @size: size in bytes, whole blocks.
 *
 * For callers that offlined the blocks themselves (ACPI eject).  A range
 * that cannot be removed (a block came online again, a memmap page is
 * still referenced) is reported with a warning and left in place.
 *
 * Context: Process context, device hotplug lock held.
 */
void __remove_memory(u64 start, u64 size)
{
	int ret = try_remove_memory(start, size);

	WARN(ret, "range [%#llx+%#llx] left in place: %d\n", start, size, ret);
}

/**
 * remove_memory() - remove a range whose blocks are all offline
 * @start: physical start, block aligned.
 * @size: size in bytes, whole blocks.
 *
 * Context: Process context; takes the device hotplug lock.
 * Return: 0; -EBUSY when a block is online; -EINVAL for a range not in
 * whole blocks or not (entirely) present.
 */
int remove_memory(u64 start, u64 size)
{
	guard(device_hotplug)();
	return try_remove_memory(start, size);
}
EXPORT_SYMBOL_GPL(remove_memory);

/*
 * offline_and_remove_memory() remembers how each block was online, so that
 * a failure part way can put the range back as it was.
 */
struct offline_pass {
	u8 *was;		/* per block, from @start: mmop before the pass */
	u64 start;		/* physical start of the range */
};

static u8 *pass_slot(struct offline_pass *pass, struct memory_block *mem)
{
	u64 addr = PFN_PHYS(section_nr_to_pfn(mem->start_section_nr));

	return &pass->was[(addr - pass->start) / memory_block_size_bytes()];
}

static enum mmop online_type_of(struct memory_block *mem)
{
	unsigned long pfn = section_nr_to_pfn(mem->start_section_nr);
	struct page *page = pfn_to_online_page(pfn);

	if (page && zone_idx(page_zone(page)) == ZONE_MOVABLE)
		return MMOP_ONLINE_MOVABLE;
	return MMOP_ONLINE_KERNEL;
}

static int offline_one(struct memory_block *mem, void *arg)
{
	struct offline_pass *pass = arg;
	enum mmop type = online_type_of(mem);
	int ret = device_offline(&mem->dev);

	/* > 0: it already was offline; nothing to restore */
	if (!ret)
		*pass_slot(pass, mem) = type;
	return min(ret, 0);
}

static int reonline_one(struct memory_block *mem, void *arg)
{
	enum mmop type = *pass_slot(arg, mem);
	int ret;

	if (type == MMOP_OFFLINE)
		return 0;
	mem->online_type = type;
	ret = device_online(&mem->dev);
	if (ret < 0)
		pr_warn("memory%u: could not be onlined again: %d\n",
			mem->dev.id, ret);
	return 0;
}

/*
 * Caller holds the device hotplug lock.  Offlines from the top block down
 * (see walk_memory_blocks_down()).  A failure onlines again the blocks it
 * offlined.
 */
static int offline_then_remove(u64 start, u64 size, struct offline_pass *pass)
{
	int ret;

	ret = walk_memory_blocks_down(start, size, pass, offline_one);
	if (ret)
		goto reonline;
	ret = try_remove_refusable(start, size);
	if (ret)
		goto reonline;
	return 0;

reonline:
	walk_memory_blocks(start, size, pass, reonline_one);
	return ret;
}

/**
 * offline_and_remove_memory() - offline every block of a range, remove it
 * @start: physical start, block aligned.
 * @size: size in bytes, whole blocks.
 *
 * Meant for drivers that know the memory is unused (virtio-mem unplug);
 * offlining memory still in use may take long.  If any block cannot be
 * offlined, or the range cannot be removed, the blocks offlined so far are
 * onlined again, into the zone kind they had.
 *
 * Context: Process context; takes the device hotplug lock.
 * Return: 0; -EINVAL for a range not in whole blocks; -ENOMEM; the error
 * of offlining a block (-EBUSY, -EINTR, ...); or the error of the removal.
 */
int offline_and_remove_memory(u64 start, u64 size)
{
	struct offline_pass pass = { };
	int ret;

	ret = check_block_range(start, size);
	if (ret)
		return ret;
	/* zeroed: MMOP_OFFLINE, i.e. "do not touch" for unvisited blocks */
	pass.start = start;
	pass.was = kcalloc(size / memory_block_size_bytes(), 1, GFP_KERNEL);
	if (!pass.was)
		return -ENOMEM;

	scoped_guard(device_hotplug)
		ret = offline_then_remove(start, size, &pass);
	kfree(pass.was);
	return ret;
}
EXPORT_SYMBOL_GPL(offline_and_remove_memory);

#endif /* CONFIG_MEMORY_HOTREMOVE */

#ifdef CONFIG_MEMORY_HOTPLUG_KUNIT_TEST
#include "tests/memory_hotplug_kunit.h"
#endif
