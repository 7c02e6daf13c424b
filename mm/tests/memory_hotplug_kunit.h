/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests for adding and removing memory (mm/memory_hotplug.c).
 *
 * Included at the end of memory_hotplug.c.  Range checks, resource names,
 * the memmap_on_memory parameter and the memmap geometry of several
 * machines (answers worked out by hand) are driven with tables; this
 * machine's memmap size is checked when it is a known geometry; and a range
 * far above RAM is really added and removed (never onlined, so its missing
 * backing is never touched) to show that add, a refused second add and
 * remove leave nothing behind.  Parameters a test changes are restored by
 * the test itself, under the device hotplug lock every hot-add takes.
 */
#ifndef _MM_TESTS_MEMORY_HOTPLUG_KUNIT_H
#define _MM_TESTS_MEMORY_HOTPLUG_KUNIT_H

#include <kunit/test.h>
#include <linux/sizes.h>

#define BLK ((u64)memory_block_size_bytes())

/* ---- whole-block ranges ---- */

struct block_range_case {
	const char *what;
	u64 start_blocks, size_blocks;	/* in blocks ... */
	u64 start_extra, size_extra;	/* ... plus bytes */
	int expect;
};

static const struct block_range_case block_range_cases[] = {
	{ "one block at 0", 0, 1, 0, 0, 0 },
	{ "three blocks at 4G", SZ_4G / SZ_128M, 3, 0, 0, 0 },
	{ "empty", 8, 0, 0, 0, -EINVAL },
	{ "start off by a page", 8, 1, PAGE_SIZE, 0, -EINVAL },
	{ "size off by a page", 8, 1, 0, PAGE_SIZE, -EINVAL },
	{ "size of half a block", 8, 0, 0, SZ_64M, -EINVAL },
};

static void block_range_desc(const struct block_range_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(block_range, block_range_cases, block_range_desc);

/* Add and remove accept whole memory blocks only. */
static void memhp_test_ranges_are_whole_blocks(struct kunit *test)
{
	const struct block_range_case *c = test->param_value;
	u64 start = c->start_blocks * BLK + c->start_extra;
	u64 size = c->size_blocks * BLK + c->size_extra;

	/* "size of half a block" only means that with blocks above 64M */
	if (c->size_extra && c->size_extra >= BLK)
		kunit_skip(test, "block size %#llx", BLK);
	KUNIT_EXPECT_EQ(test, c->expect, check_block_range(start, size));
}

/* ---- the pluggable range ---- */

/* The pluggable range is well formed and inside what sparsemem describes. */
static void memhp_test_pluggable_range_is_inside_physmem(struct kunit *test)
{
	struct range mapped = mhp_get_pluggable_range(true);
	struct range all = mhp_get_pluggable_range(false);

	KUNIT_EXPECT_LE(test, mapped.start, mapped.end);
	KUNIT_EXPECT_LE(test, mapped.end, (u64)PHYSMEM_END);
	KUNIT_EXPECT_EQ(test, 0ULL, all.start);
	KUNIT_EXPECT_EQ(test, (u64)PHYSMEM_END, all.end);
}

/* Empty, wrapping and out-of-range requests are refused. */
static void memhp_test_range_allowed_refuses_nonsense(struct kunit *test)
{
	struct range r = mhp_get_pluggable_range(true);

	KUNIT_EXPECT_TRUE(test, mhp_range_allowed(r.start, BLK, true));
	KUNIT_EXPECT_FALSE(test, mhp_range_allowed(r.start, 0, true));
	KUNIT_EXPECT_FALSE(test, mhp_range_allowed(U64_MAX - PAGE_SIZE + 1,
						   2 * PAGE_SIZE, true));
	KUNIT_EXPECT_FALSE(test, mhp_range_allowed(r.end + 1 - BLK, 2 * BLK,
						   true));
	KUNIT_EXPECT_TRUE(test, mhp_range_allowed(r.end + 1 - BLK, BLK, true));
}

/* ---- driver-managed resource names ---- */

struct name_case {
	const char *name;
	bool ok;
};

static const struct name_case name_cases[] = {
	{ "System RAM (kmem)", true },
	{ "System RAM (virtio_mem)", true },
	{ "System RAM ()", true },
	{ "System RAM", false },
	{ "System RAM (", false },
	{ "System RAM (kmem", false },
	{ "System RAM (kmem) ", false },
	{ "system RAM (kmem)", false },
	{ " System RAM (kmem)", false },
	{ "", false },
	{ NULL, false },
};

static void name_desc(const struct name_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "'%s' -> %s",
		 c->name ?: "(null)", c->ok ? "ok" : "refused");
}

KUNIT_ARRAY_PARAM(name, name_cases, name_desc);

/* Driver-managed memory must be named "System RAM (<driver>)". */
static void memhp_test_driver_managed_names(struct kunit *test)
{
	const struct name_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, c->ok, driver_managed_name(c->name));
}

/* A bad name is refused before anything is claimed. */
static void memhp_test_driver_managed_add_refuses_bad_name(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, -EINVAL,
			add_memory_driver_managed(0, 0, BLK, "kmem", MHP_NONE));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			add_memory_driver_managed(0, 0, BLK, NULL, MHP_NONE));
}

/* ---- memory_hotplug.memmap_on_memory ---- */

/*
 * memmap_mode and default_online_type are read by every hot-add, under the
 * device hotplug lock: a test that changes them takes that lock, gathers
 * what it checks and puts the old value back before it lets go, and only
 * then judges (no assertion may leave with the lock held).
 */

#ifdef CONFIG_MHP_MEMMAP_ON_MEMORY
struct mode_case {
	const char *input;
	int ret;
	const char *reads;	/* what the parameter shows afterwards */
};

static const struct mode_case mode_cases[] = {
	{ "force", 0, "force\n" },
	{ "FORCE", 0, "force\n" },
	{ "force\n", 0, "force\n" },
	{ "1", 0, "Y\n" },
	{ "y", 0, "Y\n" },
	{ "on", 0, "Y\n" },
	{ "0", 0, "N\n" },
	{ "N", 0, "N\n" },
	{ "off", 0, "N\n" },
	{ "2", -EINVAL, NULL },
	{ "maybe", -EINVAL, NULL },
	{ "", -EINVAL, NULL },
};

static void mode_desc(const struct mode_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "'%.12s' -> %d", c->input, c->ret);
}

KUNIT_ARRAY_PARAM(mode, mode_cases, mode_desc);

/*
 * memmap_on_memory takes a boolean or "force"; anything else changes
 * nothing, whichever mode was set before.
 */
static void memhp_test_memmap_on_memory_parses(struct kunit *test)
{
	static const enum memmap_mode starts[] = {
		MEMMAP_ON_MEMORY, MEMMAP_ON_MEMORY_FORCE,
	};
	const struct mode_case *c = test->param_value;
	enum memmap_mode old, after;
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned int i;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < ARRAY_SIZE(starts); i++) {
		lock_device_hotplug();
		old = memmap_mode;
		memmap_mode = starts[i];
		ret = memmap_mode_set(c->input, NULL);
		after = memmap_mode;
		memmap_mode_get(buf, NULL);
		memmap_mode = old;
		unlock_device_hotplug();

		KUNIT_EXPECT_EQ(test, c->ret, ret);
		if (c->ret)
			KUNIT_EXPECT_EQ(test, starts[i], after);
		else
			KUNIT_EXPECT_STREQ(test, c->reads, buf);
	}
}
#endif

/* ---- memmap_on_memory geometry ---- */

/*
 * Known answers, worked out by hand: pages of memmap per block with
 * memmap_on_memory=1 and =force, and whether each mode can be used (the
 * architecture's own condition aside).
 */
struct geometry_case {
	const char *what;
	struct memmap_geometry g;
	unsigned long on_pages, force_pages;
	bool on_fits, force_fits;
};

static const struct geometry_case geometry_cases[] = {
	/* 32768 x 64 bytes = 2 MiB = 512 pages = one pageblock */
	{ "x86-64, 128M blocks", { .block_pages = 32768, .page_bytes = SZ_4K,
	    .struct_bytes = 64, .pageblock_pages = 512 }, 512, 512, true, true },
	/* 524288 x 64 bytes = 32 MiB = 8192 pages = 16 pageblocks */
	{ "x86-64, 2G blocks", { .block_pages = 524288, .page_bytes = SZ_4K,
	    .struct_bytes = 64, .pageblock_pages = 512 }, 8192, 8192, true, true },
	/* 32768 x 56 bytes = 448 pages: force pads it to 512 */
	{ "56-byte struct page", { .block_pages = 32768, .page_bytes = SZ_4K,
	    .struct_bytes = 56, .pageblock_pages = 512 }, 448, 512, false, true },
	/* 32768 x 72 bytes = 576 pages: force pads it to 1024 */
	{ "72-byte struct page", { .block_pages = 32768, .page_bytes = SZ_4K,
	    .struct_bytes = 72, .pageblock_pages = 512 }, 576, 1024, false, true },
	/* 32760 x 64 bytes = 511.875 pages: 512 pages, but not whole ones */
	{ "memmap not whole pages", { .block_pages = 32760, .page_bytes = SZ_4K,
	    .struct_bytes = 64, .pageblock_pages = 512 }, 512, 512, false, false },
	/* 100 x 64 bytes = 6400 bytes, not whole pages: 2 pages, no use */
	{ "tiny block, memmap not whole pages", { .block_pages = 100, .page_bytes = SZ_4K,
	    .struct_bytes = 64, .pageblock_pages = 512 }, 2, 512, false, false },
	/* 256 x 64 bytes = 4 pages; padded to 512 it is more than the block */
	{ "1M blocks", { .block_pages = 256, .page_bytes = SZ_4K,
	    .struct_bytes = 64, .pageblock_pages = 512 }, 4, 512, false, false },
	/* 8192 x 64 bytes = 8 pages of 64K; a pageblock is the whole block */
	{ "64K pages, 512M blocks", { .block_pages = 8192, .page_bytes = SZ_64K,
	    .struct_bytes = 64, .pageblock_pages = 8192 }, 8, 8192, false, false },
};

static void geometry_desc(const struct geometry_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(geometry, geometry_cases, geometry_desc);

/* A block's memmap size and usability follow from its geometry alone. */
static void memhp_test_memmap_geometry(struct kunit *test)
{
	const struct geometry_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, c->on_pages,
			geometry_memmap_pages(&c->g, MEMMAP_ON_MEMORY));
	KUNIT_EXPECT_EQ(test, c->force_pages,
			geometry_memmap_pages(&c->g, MEMMAP_ON_MEMORY_FORCE));
	KUNIT_EXPECT_EQ(test, c->on_fits,
			geometry_fits_memmap(&c->g, MEMMAP_ON_MEMORY));
	KUNIT_EXPECT_EQ(test, c->force_fits,
			geometry_fits_memmap(&c->g, MEMMAP_ON_MEMORY_FORCE));
	KUNIT_EXPECT_FALSE(test, geometry_fits_memmap(&c->g, MEMMAP_IN_BOOT_MEMORY));
}

/*
 * This machine, when it is the first geometry of the table: on x86-64 a
 * 128M block of 4K pages with a 64-byte struct page keeps its memmap in
 * 512 pages, and (2 MiB being one PMD) can carry it.
 */
static bool known_machine(void)
{
	return IS_ENABLED(CONFIG_X86_64) && BLK == SZ_128M &&
	       sizeof(struct page) == 64 && pageblock_nr_pages == 512;
}

#define UNKNOWN_MACHINE "not x86-64 with 128M blocks, 64-byte pages, 2M pageblocks"

static void memhp_test_this_machine_memmap(struct kunit *test)
{
	unsigned long on_pages, force_pages;
	bool on_ok, force_ok, boot_ok;
	enum memmap_mode old;

	if (!known_machine())
		kunit_skip(test, UNKNOWN_MACHINE);
	lock_device_hotplug();
	old = memmap_mode;
	memmap_mode = MEMMAP_ON_MEMORY;
	on_pages = block_memmap_pages();
	on_ok = mhp_supports_memmap_on_memory();
	memmap_mode = MEMMAP_ON_MEMORY_FORCE;
	force_pages = block_memmap_pages();
	force_ok = mhp_supports_memmap_on_memory();
	memmap_mode = MEMMAP_IN_BOOT_MEMORY;
	boot_ok = mhp_supports_memmap_on_memory();
	memmap_mode = old;
	unlock_device_hotplug();

	KUNIT_EXPECT_EQ(test, 512UL, on_pages);
	KUNIT_EXPECT_TRUE(test, on_ok);
	KUNIT_EXPECT_EQ(test, 512UL, force_pages);
	KUNIT_EXPECT_TRUE(test, force_ok);
	KUNIT_EXPECT_FALSE(test, boot_ok);
}

/*
 * A block's altmap spans the block and lends it its memmap pages (512 on
 * the known machine).
 */
static void memhp_test_block_altmap_spans_the_block(struct kunit *test)
{
	struct vmem_altmap *a, *b;
	enum memmap_mode old;

	if (!known_machine())
		kunit_skip(test, UNKNOWN_MACHINE);
	lock_device_hotplug();
	old = memmap_mode;
	memmap_mode = MEMMAP_ON_MEMORY;
	a = block_altmap_new(4 * BLK, MHP_OFFLINE_INACCESSIBLE);
	b = block_altmap_new(4 * BLK, MHP_NONE);
	memmap_mode = old;
	unlock_device_hotplug();

	if (a && b) {
		KUNIT_EXPECT_EQ(test, PHYS_PFN(4 * BLK), a->base_pfn);
		KUNIT_EXPECT_EQ(test, PHYS_PFN(5 * BLK) - 1, a->end_pfn);
		KUNIT_EXPECT_EQ(test, 512UL, a->free);
		KUNIT_EXPECT_EQ(test, 0UL, a->alloc);
		KUNIT_EXPECT_TRUE(test, a->inaccessible);
		KUNIT_EXPECT_FALSE(test, b->inaccessible);
	} else {
		KUNIT_FAIL(test, "block_altmap_new() returned NULL");
	}
	kfree(a);
	kfree(b);
}

/* ---- default online type ---- */

/* Each Kconfig choice of the default, and the online type it stands for. */
static const struct {
	bool chosen;
	enum mmop means;
} kconfig_defaults[] = {
	{ IS_ENABLED(CONFIG_MHP_DEFAULT_ONLINE_TYPE_OFFLINE), MMOP_OFFLINE },
	{ IS_ENABLED(CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO), MMOP_ONLINE },
	{ IS_ENABLED(CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_KERNEL), MMOP_ONLINE_KERNEL },
	{ IS_ENABLED(CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_MOVABLE), MMOP_ONLINE_MOVABLE },
};

/*
 * With nothing set, the default is the one Kconfig choice; a write of
 * auto_online_blocks (or memhp_default_state=) wins over it.
 */
static void memhp_test_default_online_type_follows_setter(struct kunit *test)
{
	enum mmop expect = MMOP_OFFLINE, unset, movable, offline;
	unsigned int i, chosen = 0;
	int old;

	for (i = 0; i < ARRAY_SIZE(kconfig_defaults); i++) {
		if (kconfig_defaults[i].chosen) {
			chosen++;
			expect = kconfig_defaults[i].means;
		}
	}
	KUNIT_ASSERT_EQ(test, 1U, chosen);

	lock_device_hotplug();
	old = default_online_type;
	default_online_type = -1;
	unset = mhp_get_default_online_type();
	mhp_set_default_online_type(MMOP_ONLINE_MOVABLE);
	movable = mhp_get_default_online_type();
	mhp_set_default_online_type(MMOP_OFFLINE);
	offline = mhp_get_default_online_type();
	default_online_type = old;
	unlock_device_hotplug();

	KUNIT_EXPECT_EQ(test, expect, unset);
	KUNIT_EXPECT_EQ(test, MMOP_ONLINE_MOVABLE, movable);
	KUNIT_EXPECT_EQ(test, MMOP_OFFLINE, offline);
}

/* ---- pfn_to_online_page ---- */

/* Kernel memory is online; pfns beyond every section are not. */
static void memhp_test_pfn_to_online_page(struct kunit *test)
{
	void *buf = kunit_kmalloc(test, 64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_PTR_EQ(test, virt_to_page(buf),
			    pfn_to_online_page(page_to_pfn(virt_to_page(buf))));
	KUNIT_EXPECT_NULL(test, pfn_to_online_page(section_nr_to_pfn(NR_MEM_SECTIONS)));
	KUNIT_EXPECT_NULL(test, pfn_to_online_page(ULONG_MAX));
}

/* ---- per-page work spread over CPUs ---- */

struct workers_case {
	const char *what;
	unsigned long chunks;
	unsigned int spare_cpus;
	unsigned int expect;
};

static const struct workers_case workers_cases[] = {
	{ "no spare CPU, no worker", 64, 0, 0 },
	{ "one chunk is the caller's alone", 1, 8, 0 },
	{ "an empty range wakes nobody", 0, 8, 0 },
	{ "two chunks on two CPUs: one worker", 2, 1, 1 },
	{ "no worker without a chunk for it", 3, 8, 2 },
	{ "many CPUs get at most the cap", 1024, 63, PFN_WORKERS_MAX },
};

static void workers_desc(const struct workers_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->what);
}

KUNIT_ARRAY_PARAM(workers, workers_cases, workers_desc);

static void memhp_test_workers_per_chunk_and_cpu(struct kunit *test)
{
	const struct workers_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, c->expect,
			pfn_workers(c->chunks, c->spare_cpus));
}

/*
 * The chunks of a range tile it in order, each non-empty, their inner
 * boundaries aligned, even when the range itself is not - with the
 * alignments the callers use.
 */
static void memhp_test_chunks_tile_the_range(struct kunit *test)
{
	const unsigned long aligns[] = { pageblock_nr_pages, MAX_ORDER_NR_PAGES };
	unsigned long lo, hi, prev, k, start, end, align;
	struct pfn_work pw;
	unsigned int a, s;

	for (a = 0; a < ARRAY_SIZE(aligns); a++) {
		align = aligns[a];
		for (s = 0; s < 3; s++) {
			/* aligned; aligned to a chunk; off by a page and more */
			start = s == 0 ? 0 : s == 1 ? 64 * PFN_CHUNK_MIN :
				64 * PFN_CHUNK_MIN + align + 7;
			end = start + 3 * max(align, PFN_CHUNK_MIN) + 5;
			pfn_work_init(&pw, start, end, align, NULL, NULL);
			prev = start;
			for (k = 0; k < pfn_work_chunks(&pw); k++) {
				pfn_work_chunk(&pw, k, &lo, &hi);
				KUNIT_EXPECT_EQ(test, prev, lo);
				KUNIT_EXPECT_LT(test, lo, hi);
				KUNIT_EXPECT_TRUE(test, hi == end || IS_ALIGNED(hi, align));
				prev = hi;
			}
			KUNIT_EXPECT_EQ(test, end, prev);
		}
	}
}

#define UNIT_PAGES	512
#define UNITS		(4 * PFN_CHUNK_MIN / UNIT_PAGES)

struct visits {
	atomic_t unit[UNITS];
	atomic_t calls;
};

static void visit_units(unsigned long start, unsigned long end, void *arg)
{
	struct visits *v = arg;
	unsigned long u;

	atomic_inc(&v->calls);
	for (u = start / UNIT_PAGES; u < end / UNIT_PAGES; u++)
		atomic_inc(&v->unit[u]);
}

/* Every page of the range is worked on once, in one call per chunk. */
static void memhp_test_pfn_work_visits_each_page_once(struct kunit *test)
{
	struct visits *v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	unsigned int u;

	KUNIT_ASSERT_NOT_NULL(test, v);
	cpus_read_lock();
	mhp_pfn_work(numa_node_id(), 0, UNITS * UNIT_PAGES, UNIT_PAGES,
		     visit_units, v);
	cpus_read_unlock();

	KUNIT_EXPECT_EQ(test, 4, atomic_read(&v->calls));
	for (u = 0; u < UNITS; u++)
		KUNIT_EXPECT_EQ_MSG(test, 1, atomic_read(&v->unit[u]),
				    "unit %u", u);
}

/* ---- a real add and remove, never onlined ---- */

#ifdef CONFIG_MEMORY_HOTREMOVE
static int count_block(struct memory_block *mem, void *arg)
{
	(*(unsigned long *)arg)++;
	return 0;
}

static unsigned long nr_blocks(void)
{
	unsigned long n = 0;

	for_each_memory_block(&n, count_block);
	return n;
}

/*
 * Two free blocks of physical address space, searched downwards from the
 * top of what is both pluggable and in iomem_resource (the CPU's physical
 * address width): PCI windows and DIMM areas sit in between.
 */
static u64 scratch_range(struct kunit *test)
{
	struct range r = mhp_get_pluggable_range(true);
	u64 top = min_t(u64, r.end, iomem_resource.end);
	u64 start = ALIGN_DOWN(top + 1, BLK) - 2 * BLK;
	int tries;

	for (tries = 0; tries < 4096 && start >= r.start; tries++, start -= 2 * BLK)
		if (region_intersects(start, 2 * BLK, IORESOURCE_MEM,
				      IORES_DESC_NONE) == REGION_DISJOINT)
			return start;
	kunit_skip(test, "no free physical range below %#llx", top);
	return 0;
}

/*
 * Until boot ends, mem= caps hot-add as well as boot memory: an add above
 * it is refused with -E2BIG and leaves nothing behind.  The rest of a case
 * that adds memory there needs a boot without mem=, or a run after boot.
 */
static void skip_if_capped_by_mem(struct kunit *test, u64 start, u64 size)
{
	int ret;

	if (system_state >= SYSTEM_RUNNING || start + size <= max_mem_size)
		return;
	ret = add_memory(first_online_node, start, size, MHP_NONE);
	if (!ret)
		remove_memory(start, size);
	KUNIT_ASSERT_EQ(test, -E2BIG, ret);
	KUNIT_ASSERT_EQ(test, REGION_DISJOINT,
			region_intersects(start, size, IORESOURCE_MEM,
					  IORES_DESC_NONE));
	kunit_skip(test, "mem= caps hot-add until boot ends (at %#llx)",
		   max_mem_size);
}

static void restore_online_type_offline(void *old)
{
	mhp_set_default_online_type((enum mmop)(uintptr_t)old);
}

/* Adding, a refused overlapping add, and removal leave nothing behind. */
static void memhp_test_add_then_remove_leaves_no_trace(struct kunit *test)
{
	uintptr_t old_type = mhp_get_default_online_type();
	u64 start = scratch_range(test);
	unsigned long blocks = nr_blocks();
	int nid = first_online_node;

	skip_if_capped_by_mem(test, start, 2 * BLK);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, restore_online_type_offline,
						  (void *)old_type));
	mhp_set_default_online_type(MMOP_OFFLINE);

	KUNIT_EXPECT_EQ(test, -EINVAL, remove_memory(start, 2 * BLK));
	KUNIT_ASSERT_EQ(test, 0, add_memory(nid, start, 2 * BLK, MHP_NONE));
	KUNIT_EXPECT_EQ(test, blocks + 2, nr_blocks());
	KUNIT_EXPECT_EQ(test, -EEXIST, add_memory(nid, start + BLK, BLK, MHP_NONE));
	KUNIT_EXPECT_EQ(test, blocks + 2, nr_blocks());
	KUNIT_EXPECT_EQ(test, -EINVAL, remove_memory(start, BLK / 2));
	KUNIT_EXPECT_EQ(test, 0, remove_memory(start, 2 * BLK));
	KUNIT_EXPECT_EQ(test, blocks, nr_blocks());
	KUNIT_EXPECT_EQ(test, REGION_DISJOINT,
			region_intersects(start, 2 * BLK, IORESOURCE_MEM,
					  IORES_DESC_NONE));
}

/* An unknown memory group is refused, and the claimed range released. */
static void memhp_test_unknown_group_is_refused(struct kunit *test)
{
	u64 start = scratch_range(test);

	skip_if_capped_by_mem(test, start, BLK);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			add_memory(INT_MAX, start, BLK, MHP_NID_IS_MGID));
	KUNIT_EXPECT_EQ(test, REGION_DISJOINT,
			region_intersects(start, BLK, IORESOURCE_MEM,
					  IORES_DESC_NONE));
}
#endif

static struct kunit_case memhp_test_cases[] = {
	KUNIT_CASE_PARAM(memhp_test_ranges_are_whole_blocks, block_range_gen_params),
	KUNIT_CASE(memhp_test_pluggable_range_is_inside_physmem),
	KUNIT_CASE(memhp_test_range_allowed_refuses_nonsense),
	KUNIT_CASE_PARAM(memhp_test_driver_managed_names, name_gen_params),
	KUNIT_CASE(memhp_test_driver_managed_add_refuses_bad_name),
#ifdef CONFIG_MHP_MEMMAP_ON_MEMORY
	KUNIT_CASE_PARAM(memhp_test_memmap_on_memory_parses, mode_gen_params),
#endif
	KUNIT_CASE_PARAM(memhp_test_memmap_geometry, geometry_gen_params),
	KUNIT_CASE(memhp_test_this_machine_memmap),
	KUNIT_CASE(memhp_test_block_altmap_spans_the_block),
	KUNIT_CASE(memhp_test_default_online_type_follows_setter),
	KUNIT_CASE(memhp_test_pfn_to_online_page),
	KUNIT_CASE_PARAM(memhp_test_workers_per_chunk_and_cpu, workers_gen_params),
	KUNIT_CASE(memhp_test_chunks_tile_the_range),
	KUNIT_CASE(memhp_test_pfn_work_visits_each_page_once),
#ifdef CONFIG_MEMORY_HOTREMOVE
	KUNIT_CASE(memhp_test_add_then_remove_leaves_no_trace),
	KUNIT_CASE(memhp_test_unknown_group_is_refused),
#endif
	{}
};

static struct kunit_suite memhp_test_suite = {
	.name = "memory_hotplug",
	.test_cases = memhp_test_cases,
};

kunit_test_suite(memhp_test_suite);

#endif /* _MM_TESTS_MEMORY_HOTPLUG_KUNIT_H */
