// SPDX-License-Identifier: GPL-2.0
/*
 * Memory block devices: /sys/devices/system/memory.
 */

/**
 * DOC: memory block devices
 *
 * Memory is hot(un)plugged in sparsemem sections, and handed to user space
 * in memory blocks: ``sections_per_block`` aligned sections (128 MiB on most
 * x86 machines) under one device, ``/sys/devices/system/memory/memoryN``,
 * where N is the block id (physical address / block size).
 *
 * Layers.  This file owns the devices, their sysfs files, the memory
 * notifier chain and memory groups.  It never touches pages: onlining and
 * offlining a block is delegated to mm/: zone_for_pfn_range() in
 * memory_hotplug_zone.c, online_pages() and the memmap_on_memory helpers in
 * memory_hotplug_online.c, offline_pages() in
 * memory_hotplug_offline.c, and the memmap of an offline block
 * (sparse_memmap_release() after an offline, sparse_memmap_restore() before
 * an online) to sparse_hotplug.c.
 * The node links belong to drivers/base/node.c.
 *
 * Transitions.  A block is MEM_ONLINE, MEM_OFFLINE, or MEM_GOING_OFFLINE
 * while an offline runs.  Every change goes through the driver core
 * (device_online()/device_offline() -> memory_subsys_online()/_offline()),
 * so it holds the device hotplug lock and the block's device lock, and user
 * space sees "online"/"offline" uevents.  A sysfs "state" write picks the
 * online type for that one request.  A failed offline is kept in the block
 * (``offline_errno``, ``offline_reason``, ``offline_page`` and, root only
 * since they name physical addresses and kernel code, ``offline_pfn`` and,
 * with page_owner on, ``offline_page_stack``) and announced with a
 * "change" uevent carrying the errno and reason, but not the page.
 *
 * Provider.  A block added for a memory group whose driver named the
 * device the memory comes from (memory_group_set_provider(): the ACPI
 * memory device, the virtio-mem device, the dax device) links to it as
 * ``provider``.  The link is made before the block's "add" uevent, so a
 * udev rule sees it, and goes with the block.  Memory added without a
 * group, or for a group whose driver names no device, has no link.  A
 * group its driver never unregisters (memory it could not remove) keeps
 * its reference to the device; once the device is unregistered the
 * blocks left link to a sysfs entry that is gone.
 *
 * Data structures and their cost (n = number of blocks):
 *  - ``memory_blocks``: xarray, block id -> block.  find by id / section /
 *    pfn: O(log n) (in practice a couple of radix-tree levels); walking a
 *    range visits only the blocks present in it, O(k + log n) for k blocks;
 *    for_each_memory_block() is O(n).  Adding a block is O(log n), so
 *    hot-adding 64 GiB (512 blocks) costs no per-block scan of the others.
 *  - ``memory_groups``: allocating xarray, id -> group; dynamic groups carry
 *    a mark so the online policy walks only those.  With debugfs, the
 *    file ``memory_groups`` lists them.
 *  - ``memory_chain``: blocking notifier chain sorted by priority.
 *
 * Locking: the device hotplug lock (lock_device_hotplug()) serializes
 * adding and removing blocks, and every state change.  Groups are added
 * and removed under the xarray's own lock; the driver that registered a
 * group keeps it alive until it unregisters it.  A group's provider is
 * set once (cmpxchg()) by its driver before it adds memory, and read
 * when a block of the group is registered, under the device hotplug
 * lock.  memory_block.offline_why lives for one offline_pages() call,
 * under mem_hotplug_lock held for writing.  The block's device lock
 * (taken by the driver core) additionally covers @state, @online_type and
 * @zone; sysfs readers that race with a change read each field once.
 *
 * Lifetime: a block leaves ``memory_blocks`` before its device is
 * unregistered, and its memory is freed no sooner than an RCU grace period
 * after its last reference went (memory_block_release()).  So:
 *
 *  - code that only touches a block inside one RCU read-side critical
 *    section needs no reference: the hardware poison counters are updated
 *    that way, from any context;
 *  - find_memory_block() looks up under RCU too, and takes a reference
 *    only while the device's refcount is not yet zero;
 *  - the walkers run under the device hotplug lock, which keeps every
 *    block in the range registered while they take their references.
 *
 * No lookup takes the xarray's spinlock: it is not IRQ-safe, and memory
 * failure handling counts poison under IRQ-safe locks (hugetlb_lock).
 */

#include <linux/capability.h>
#include <linux/crash_core.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/error-injection.h>
#include <linux/init.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stackdepot.h>
#include <linux/stat.h>
#include <linux/xarray.h>

/* ------------------------------------------------------------------------
 * Data
 */

/* Sections in each block: a power of two fixed by memory_dev_init(). */
static unsigned long sections_per_block __ro_after_init;

/*
 * Every registered block by id.  Stores and erases happen under the device
 * hotplug lock; lookups may happen anywhere, under RCU (see "Lifetime" in
 * the DOC block).
 */
static DEFINE_XARRAY(memory_blocks);

/*
 * Every memory group by id (allocated ids).  Dynamic groups carry
 * MEMORY_GROUP_DYNAMIC.  Changed under the xarray's own lock: the ACPI
 * driver holds the device hotplug lock when it registers or unregisters
 * a group, but virtio-mem and dax/kmem do not.
 */
static DEFINE_XARRAY_FLAGS(memory_groups, XA_FLAGS_ALLOC);
#define MEMORY_GROUP_DYNAMIC	XA_MARK_1

#ifdef CONFIG_MEMORY_HOTREMOVE
/* Protects memory_block.offline_failure of every block. */
static DEFINE_SPINLOCK(offline_failure_lock);
#endif

/* Subscribers to block events, highest priority first. */
static BLOCKING_NOTIFIER_HEAD(memory_chain);

/* The names of enum mmop, as sysfs reads and writes them. */
static const struct {
	enum mmop type;
	const char *name;
} online_types[] = {
	{ MMOP_ONLINE_MOVABLE, "online_movable" },
	{ MMOP_ONLINE_KERNEL, "online_kernel" },
	{ MMOP_ONLINE, "online" },
	{ MMOP_OFFLINE, "offline" },
};

static int memory_subsys_online(struct device *dev);
static int memory_subsys_offline(struct device *dev);

static const struct bus_type memory_subsys = {
	.name = "memory",
	.dev_name = "memory",
	.online = memory_subsys_online,
	.offline = memory_subsys_offline,
};

/* ------------------------------------------------------------------------
 * Small helpers: ids, spans, names
 */

static inline struct memory_block *to_memory_block(struct device *dev)
{
	return container_of(dev, struct memory_block, dev);
}

static unsigned long pages_per_block(void)
{
	return PAGES_PER_SECTION * sections_per_block;
}

static unsigned long section_to_block_id(unsigned long section_nr)
{
	return section_nr / sections_per_block;
}

static unsigned long pfn_to_block_id(unsigned long pfn)
{
	return section_to_block_id(pfn_to_section_nr(pfn));
}

static unsigned long phys_to_block_id(u64 addr)
{
	return pfn_to_block_id(PFN_DOWN(addr));
}

static unsigned long block_id(const struct memory_block *mem)
{
	return section_to_block_id(mem->start_section_nr);
}

static unsigned long block_start_pfn(const struct memory_block *mem)
{
	return section_nr_to_pfn(mem->start_section_nr);
}

/*
 * The pfns of a block as onlining sees them: a memmap_on_memory block keeps
 * its own memmap in its first @nr_vmemmap pages, which never reach the
 * buddy allocator.
 */
struct block_span {
	unsigned long start_pfn;	/* first pfn of the block */
	unsigned long nr_pages;		/* all pages of the block */
	unsigned long nr_vmemmap;	/* leading pages holding the memmap */
};

static struct block_span span_of(const struct memory_block *mem)
{
	struct block_span span = {
		.start_pfn = block_start_pfn(mem),
		.nr_pages = pages_per_block(),
		.nr_vmemmap = mem->altmap ? mem->altmap->free : 0,
	};

	return span;
}

/* The event argument of MEM_PREPARE_ONLINE / MEM_FINISH_OFFLINE. */
static struct memory_notify span_notify(const struct block_span *span)
{
	struct memory_notify arg = {
		.altmap_start_pfn = span->start_pfn,
		.altmap_nr_pages = span->nr_vmemmap,
		.start_pfn = span->start_pfn + span->nr_vmemmap,
		.nr_pages = span->nr_pages - span->nr_vmemmap,
		.status_change_nid = NUMA_NO_NODE,
		.status_change_nid_normal = NUMA_NO_NODE,
	};

	return arg;
}

static const char *online_type_name(enum mmop type)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(online_types); i++)
		if (online_types[i].type == type)
			return online_types[i].name;
	return "unknown";
}

/**
 * mhp_online_type_from_str() - parse an online type as sysfs writes it
 * @str: "offline", "online", "online_kernel" or "online_movable", with at
 *	most one trailing newline; case matters.
 *
 * Context: Any context.
 * Return: the enum mmop value, or -EINVAL.
 */
int mhp_online_type_from_str(const char *str)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(online_types); i++)
		if (sysfs_streq(str, online_types[i].name))
			return online_types[i].type;
	return -EINVAL;
}

/* ------------------------------------------------------------------------
 * Notifier chain
 */

/**
 * memory_notify() - send a memory block event to every subscriber
 * @val: the event, an enum memory_block_state value.
 * @v: its struct memory_notify.
 *
 * Context: Process context, with mem_hotplug_lock held for writing.
 * Return: the last callback's NOTIFY_* value (use notifier_to_errno()).
 */
int memory_notify(unsigned long val, void *v)
{
	return blocking_notifier_call_chain(&memory_chain, val, v);
}

/* Documented with the prototypes in <linux/memory.h>. */
int register_memory_notifier(struct notifier_block *nb)
{
	int ret = blocking_notifier_chain_register(&memory_chain, nb);

	return ret;
}
EXPORT_SYMBOL(register_memory_notifier);

/*
 * Send @event down @chain; when a callback vetoes it, send @cancel to every
 * callback (also those after the one that vetoed) and return the veto as an
 * errno.
 */
static int memory_chain_notify_or_cancel(struct blocking_notifier_head *chain,
					 unsigned long event,
					 unsigned long cancel,
					 struct memory_notify *arg)
{
	int err = notifier_to_errno(blocking_notifier_call_chain(chain, event, arg));

	if (err)
		blocking_notifier_call_chain(chain, cancel, arg);
	return err;
}

/**
 * memory_notify_or_cancel() - send a vetoable event, cancel it on a veto
 * @event: MEM_GOING_ONLINE or MEM_GOING_OFFLINE.
 * @cancel: MEM_CANCEL_ONLINE or MEM_CANCEL_OFFLINE.
 * @arg: the event's struct memory_notify.
 *
 * On a veto every subscriber, also those after the one that vetoed, gets
 * @cancel before this returns.
 *
 * Context: Process context, with mem_hotplug_lock held for writing.
 * Return: 0, or the veto as an errno (-EPERM for NOTIFY_BAD).
 */
noinline int memory_notify_or_cancel(unsigned long event,
				     unsigned long cancel,
				     struct memory_notify *arg)
{
	return memory_chain_notify_or_cancel(&memory_chain, event, cancel, arg);
}
ALLOW_ERROR_INJECTION(memory_notify_or_cancel, ERRNO);

void unregister_memory_notifier(struct notifier_block *nb)
{
	if (blocking_notifier_chain_unregister(&memory_chain, nb))
		pr_debug("%ps was not a memory notifier\n", nb->notifier_call);
}
EXPORT_SYMBOL(unregister_memory_notifier);

/* ------------------------------------------------------------------------
 * Hardware poison counters (memory failure)
 */

#if defined(CONFIG_MEMORY_FAILURE) && defined(CONFIG_MEMORY_HOTPLUG)
static unsigned long memblk_nr_poison(struct memory_block *mem)
{
	return atomic_long_read(&mem->nr_hwpoison);
}

/*
 * Callers may hold spinlocks with interrupts disabled (hugetlb_lock), so
 * no lock and no device reference: the block found stays allocated until
 * rcu_read_unlock().
 */
static void memblk_poison_add(unsigned long pfn, long delta)
{
	struct memory_block *mem;

	rcu_read_lock();
	mem = xa_load(&memory_blocks, pfn_to_block_id(pfn));
	if (mem)
		atomic_long_add(delta, &mem->nr_hwpoison);
	rcu_read_unlock();
}

/**
 * memblk_nr_poison_inc() - count a newly poisoned page in its block
 * @pfn: the poisoned page.
 *
 * Context: Any; memory failure handling calls it under its own locks.
 */
void memblk_nr_poison_inc(unsigned long pfn)
{
	memblk_poison_add(pfn, 1);
}

/**
 * memblk_nr_poison_sub() - uncount poisoned pages of a block
 * @pfn: a page of the block.
 * @i: how many of its pages are no longer poisoned.
 *
 * Context: Any.
 */
void memblk_nr_poison_sub(unsigned long pfn, long i)
{
	memblk_poison_add(pfn, -i);
}
#else
static inline unsigned long memblk_nr_poison(struct memory_block *mem)
{
	return 0;
}
#endif

/* ------------------------------------------------------------------------
 * Online and offline of one block
 */

/*
 * Bring the span's pages into @zone: first the memmap_on_memory pages, then
 * the rest to the buddy allocator; the memmap pages are accounted once the
 * rest succeeded.  Undoes itself on failure.
 */
static int online_span(struct memory_block *mem, const struct block_span *span,
		       struct zone *zone)
{
	unsigned long first = span->start_pfn + span->nr_vmemmap;
	unsigned long count = span->nr_pages - span->nr_vmemmap;
	int ret;

	if (span->nr_vmemmap) {
		ret = mhp_init_memmap_on_memory(span->start_pfn, span->nr_vmemmap,
						zone, mem->altmap->inaccessible);
		if (ret)
			return ret;
	}
	ret = online_pages(first, count, zone, mem->group);
	if (ret)
		goto err_deinit_memmap;
	if (span->nr_vmemmap)
		adjust_present_page_count(pfn_to_page(span->start_pfn),
					  mem->group, span->nr_vmemmap);
	return 0;

err_deinit_memmap:
	if (span->nr_vmemmap)
		mhp_deinit_memmap_on_memory(span->start_pfn, span->nr_vmemmap);
	return ret;
}

/*
 * Online @mem as mem->online_type asks; mem_hotplug_lock held for writing
 * (memory_block_online() takes it; online_pages() asserts it).
 */
static int __memory_block_online(struct memory_block *mem)
{
	struct block_span span = span_of(mem);
	struct memory_notify arg = span_notify(&span);
	struct zone *zone;
	int rebuilt, ret;

	zone = zone_for_pfn_range(mem->online_type, mem->nid, mem->group,
				  span.start_pfn, span.nr_pages);
	/* a memmap released while offline comes back first (1: it did) */
	rebuilt = sparse_memmap_restore(zone_to_nid(zone), span.start_pfn,
					span.nr_pages);
	if (rebuilt < 0)
		return rebuilt;
	ret = notifier_to_errno(memory_notify(MEM_PREPARE_ONLINE, &arg));
	if (ret)
		goto release_memmap;
	ret = online_span(mem, &span, zone);
	if (ret)
		goto finish_offline;
	/* pairs with READ_ONCE() in valid_zones_show() */
	WRITE_ONCE(mem->zone, zone);
	return 0;

finish_offline:
	/* PREPARE_ONLINE subscribers undo what they prepared */
	memory_notify(MEM_FINISH_OFFLINE, &arg);
release_memmap:
	if (rebuilt)
		sparse_memmap_release(span.start_pfn, span.nr_pages);
	return ret;
}

#ifdef CONFIG_MEMORY_HOTREMOVE
/*
 * Where offline_pages() explains the offline of @mem that is starting, or
 * NULL once it is over; the caller holds mem_hotplug_lock for writing.
 */
static void set_offline_why(struct memory_block *mem,
			    struct memory_offline_failure *why)
{
	mem->offline_why = why;
}

/**
 * memory_block_explain_offline() - tell a block why its offline failed
 * @start_pfn: first pfn of the range offline_pages() was asked to take.
 * @why: the errno, reason and blocking page; all zero after a success.
 *
 * The block's offline (memory_block_offline()) keeps @why and turns it
 * into the block's record and change uevent once it is over.  A range
 * offlined by anyone else has no one waiting for an answer.
 *
 * Context: offline_pages(), with mem_hotplug_lock held for writing.
 */
void memory_block_explain_offline(unsigned long start_pfn,
				  const struct memory_offline_failure *why)
{
	struct memory_block *mem;

	mem = xa_load(&memory_blocks, pfn_to_block_id(start_pfn));
	if (mem && mem->offline_why)
		*mem->offline_why = *why;
}
#else
static inline void set_offline_why(struct memory_block *mem,
				   struct memory_offline_failure *why)
{
}
#endif

/*
 * Offline @mem, whose pages all sit in mem->zone; mem_hotplug_lock held for
 * writing (memory_block_offline() takes it; offline_pages() asserts it).
 */
static int __memory_block_offline(struct memory_block *mem)
{
	struct block_span span = span_of(mem);
	struct memory_notify arg = span_notify(&span);
	struct page *first = pfn_to_page(span.start_pfn);
	int ret;

	/* the memmap pages leave the zone first, so it can shrink to empty */
	if (span.nr_vmemmap)
		adjust_present_page_count(first, mem->group, -span.nr_vmemmap);
	ret = offline_pages(arg.start_pfn, arg.nr_pages, mem->zone, mem->group);
	if (ret)
		goto restore_present_count;
	if (span.nr_vmemmap)
		mhp_deinit_memmap_on_memory(span.start_pfn, span.nr_vmemmap);
	/* a memmap kept in the block itself costs the kernel nothing */
	else if (mhp_free_memmap_on_offline())
		sparse_memmap_release(span.start_pfn, span.nr_pages);
	/* pairs with READ_ONCE() in valid_zones_show() */
	WRITE_ONCE(mem->zone, NULL);
	memory_notify(MEM_FINISH_OFFLINE, &arg);
	return 0;

restore_present_count:
	if (span.nr_vmemmap)
		adjust_present_page_count(first, mem->group, span.nr_vmemmap);
	return ret;
}

static noinline int memory_block_online(struct memory_block *mem)
{
	int ret;

	if (memblk_nr_poison(mem))
		return -EHWPOISON;
	mem_hotplug_begin();
	ret = __memory_block_online(mem);
	mem_hotplug_done();
	return ret;
}
ALLOW_ERROR_INJECTION(memory_block_online, ERRNO);

static noinline int memory_block_offline(struct memory_block *mem,
					 struct memory_offline_failure *why)
{
	int ret;

	/* a block spanning zones or nodes has no single zone to leave */
	if (!mem->zone)
		return -EINVAL;
	mem_hotplug_begin();
	set_offline_why(mem, why);
	ret = __memory_block_offline(mem);
	set_offline_why(mem, NULL);
	mem_hotplug_done();
	return ret;
}
ALLOW_ERROR_INJECTION(memory_block_offline, ERRNO);

#ifdef CONFIG_MEMORY_HOTREMOVE
/*
 * Keep @why as the block's last offline failure (an offline that failed
 * before offline_pages() looked at the pages left @why empty and clears it
 * too), and on a failure tell user space.  The uevent carries
 * the errno and the reason, not the page: any process may listen to
 * uevents, and a pfn is a physical address.
 */
static void offline_failure_set(struct memory_block *mem,
				const struct memory_offline_failure *why)
{
	char err[32], reason[96];
	char *envp[3] = { err };

	spin_lock(&offline_failure_lock);
	mem->offline_failure = *why;
	spin_unlock(&offline_failure_lock);
	if (!why->err)
		return;
	snprintf(err, sizeof(err), "OFFLINE_ERRNO=%d", why->err);
	if (why->reason) {
		snprintf(reason, sizeof(reason), "OFFLINE_REASON=%s", why->reason);
		envp[1] = reason;
	}
	kobject_uevent_env(&mem->dev.kobj, KOBJ_CHANGE, envp);
}
#else
static inline void offline_failure_set(struct memory_block *mem,
				       const struct memory_offline_failure *why)
{
}
#endif

/* bus_type.online: called by device_online() with the device locked. */
static int memory_subsys_online(struct device *dev)
{
	struct memory_block *mem = to_memory_block(dev);
	int ret;

	device_lock_assert(dev);
	if (mem->state == MEM_ONLINE)
		return 0;
	if (mem->state != MEM_OFFLINE)
		return -EINVAL;
	/* device_online() without a state write means plain "online" */
	if (mem->online_type == MMOP_OFFLINE)
		mem->online_type = MMOP_ONLINE;
	ret = memory_block_online(mem);
	if (!ret)
		WRITE_ONCE(mem->state, MEM_ONLINE);
	/* the type was for this request only */
	mem->online_type = MMOP_OFFLINE;
	return ret;
}

/* bus_type.offline: called by device_offline() with the device locked. */
static int memory_subsys_offline(struct device *dev)
{
	struct memory_block *mem = to_memory_block(dev);
	struct memory_offline_failure why = {};
	int ret;

	device_lock_assert(dev);
	if (mem->state == MEM_OFFLINE)
		return 0;
	if (mem->state != MEM_ONLINE)
		return -EINVAL;
	WRITE_ONCE(mem->state, MEM_GOING_OFFLINE);
	ret = memory_block_offline(mem, &why);
	WRITE_ONCE(mem->state, ret ? MEM_ONLINE : MEM_OFFLINE);
	/* refused before the pages were looked at: an errno, no reason */
	if (ret && !why.err)
		why = (struct memory_offline_failure){ .err = ret };
	offline_failure_set(mem, &why);
	return ret;
}

/* ------------------------------------------------------------------------
 * sysfs: memoryN/
 */

/* One decimal number and a newline, the format of most read-only files. */
static ssize_t emit_decimal(char *buf, int value)
{
	return sysfs_emit(buf, "%d\n", value);
}

static ssize_t phys_index_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%08lx\n", block_id(to_memory_block(dev)));
}
static DEVICE_ATTR_RO(phys_index);

/* CONFIG_MEMORY_HOTREMOVE, for old tools: it tells nothing about a block. */
static ssize_t removable_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return emit_decimal(buf, IS_ENABLED(CONFIG_MEMORY_HOTREMOVE));
}
static DEVICE_ATTR_RO(removable);

/* Legacy (s390 storage increments); 0 everywhere else. */
static ssize_t phys_device_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	unsigned long pfn = block_start_pfn(to_memory_block(dev));

	return emit_decimal(buf, arch_get_memory_phys_device(pfn));
}
static DEVICE_ATTR_RO(phys_device);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	enum memory_block_state state = to_memory_block(dev)->state;

	switch (state) {
	case MEM_ONLINE:
		return sysfs_emit(buf, "online\n");
	case MEM_OFFLINE:
		return sysfs_emit(buf, "offline\n");
	case MEM_GOING_OFFLINE:
		return sysfs_emit(buf, "going-offline\n");
	default:
		WARN_ON_ONCE(1);
		return sysfs_emit(buf, "ERROR-UNKNOWN-%d\n", state);
	}
}

/*
 * Parse first, so bad input fails before any lock.  "Already in that
 * state" (device_online/offline() returning 1) is -EINVAL, as the ABI
 * document says.
 */
static ssize_t state_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct memory_block *mem = to_memory_block(dev);
	int type = mhp_online_type_from_str(buf);
	int ret;

	if (type < 0)
		return type;
	ret = lock_device_hotplug_sysfs();
	if (ret)
		return ret;
	if (type == MMOP_OFFLINE) {
		ret = device_offline(dev);
	} else {
		/* protected by the device hotplug lock until device_online() */
		mem->online_type = type;
		ret = device_online(dev);
	}
	unlock_device_hotplug();
	if (ret > 0)
		return -EINVAL;
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(state);

#ifdef CONFIG_MEMORY_HOTREMOVE
static struct zone *zone_for_block(struct memory_block *mem, enum mmop type)
{
	return zone_for_pfn_range(type, mem->nid, mem->group,
				  block_start_pfn(mem), pages_per_block());
}

/*
 * Online: the block's zone, or "none" when it spans zones.  Offline: the
 * zone a plain "online" would pick, then each other zone online_kernel /
 * online_movable would pick.  No lock: an offline may clear the zone at any
 * time, so it is read once.
 */
static ssize_t valid_zones_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct memory_block *mem = to_memory_block(dev);
	struct zone *plain, *other;
	int len;

	if (READ_ONCE(mem->state) == MEM_ONLINE) {
		struct zone *zone = READ_ONCE(mem->zone);

		return sysfs_emit(buf, "%s\n", zone ? zone->name : "none");
	}

	plain = zone_for_block(mem, MMOP_ONLINE);
	len = sysfs_emit(buf, "%s", plain->name);
	other = zone_for_block(mem, MMOP_ONLINE_KERNEL);
	if (other != plain)
		len += sysfs_emit_at(buf, len, " %s", other->name);
	other = zone_for_block(mem, MMOP_ONLINE_MOVABLE);
	if (other != plain)
		len += sysfs_emit_at(buf, len, " %s", other->name);
	return len + sysfs_emit_at(buf, len, "\n");
}
static DEVICE_ATTR_RO(valid_zones);

/* A copy of the block's last offline failure, taken under its lock. */
static struct memory_offline_failure offline_failure_of(struct device *dev)
{
	struct memory_offline_failure f;

	spin_lock(&offline_failure_lock);
	f = to_memory_block(dev)->offline_failure;
	spin_unlock(&offline_failure_lock);
	return f;
}

/*
 * Why the block's last offline failed, one value per file: the errno (0
 * when it did not fail), the reason and the page (empty when there is
 * none).  The pfn is for root only: it is a physical address.
 */
static ssize_t offline_errno_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return emit_decimal(buf, offline_failure_of(dev).err);
}
static DEVICE_ATTR_RO(offline_errno);

static ssize_t offline_reason_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct memory_offline_failure f = offline_failure_of(dev);

	return f.reason ? sysfs_emit(buf, "%s\n", f.reason) : 0;
}
static DEVICE_ATTR_RO(offline_reason);

static ssize_t offline_pfn_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct memory_offline_failure f = offline_failure_of(dev);

	return f.page_kind ? sysfs_emit(buf, "0x%lx\n", f.pfn) : 0;
}
static DEVICE_ATTR_ADMIN_RO(offline_pfn);

static ssize_t offline_page_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct memory_offline_failure f = offline_failure_of(dev);

	return f.page_kind ? sysfs_emit(buf, "%s\n", f.page_kind) : 0;
}
static DEVICE_ATTR_RO(offline_page);

/*
 * The stack that allocated that page, one frame a line, when page_owner
 * tracked it as allocated; empty otherwise (only page_owner stores a
 * handle).  A frame reads symbol+offset/size, or its bare address when
 * the kernel has no symbol for it.  Root only, as offline_pfn.
 */
static ssize_t offline_page_stack_show(struct device *dev,
				       struct device_attribute *attr, char *buf)
{
	struct memory_offline_failure f = offline_failure_of(dev);
	unsigned long *frames;
	unsigned int i, n;
	int len = 0, w;

	if (!IS_ENABLED(CONFIG_STACKDEPOT) || !f.page_kind || !f.alloc_stack)
		return 0;
	n = stack_depot_fetch(f.alloc_stack, &frames);
	for (i = 0; i < n; i++) {
		w = sysfs_emit_at(buf, len, "%pS\n", (void *)frames[i]);
		/* A frame the page has no room for is left out whole. */
		if (!w || buf[len + w - 1] != '\n')
			break;
		len += w;
	}
	return len;
}
static DEVICE_ATTR_ADMIN_RO(offline_page_stack);
#endif

static struct attribute *memory_block_attrs[] = {
	&dev_attr_state.attr,
#ifdef CONFIG_MEMORY_HOTREMOVE
	&dev_attr_valid_zones.attr,
	&dev_attr_offline_errno.attr,
	&dev_attr_offline_reason.attr,
	&dev_attr_offline_pfn.attr,
	&dev_attr_offline_page.attr,
	&dev_attr_offline_page_stack.attr,
#endif
	&dev_attr_phys_index.attr,
	&dev_attr_phys_device.attr,
	&dev_attr_removable.attr,
	NULL
};
ATTRIBUTE_GROUPS(memory_block);

/* ------------------------------------------------------------------------
 * sysfs: /sys/devices/system/memory/
 */

/* The online type given to blocks as they are added. */
static ssize_t auto_online_blocks_show(struct device *dev,
				       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  online_type_name(mhp_get_default_online_type()));
}

static ssize_t auto_online_blocks_store(struct device *dev,
					struct device_attribute *attr,
					const char *buf, size_t count)
{
	int type = mhp_online_type_from_str(buf);

	if (type < 0)
		return type;
	mhp_set_default_online_type(type);
	return count;
}
static DEVICE_ATTR_RW(auto_online_blocks);

/* Bytes per block in hex without 0x: lsmem and chmem parse it so. */
static ssize_t block_size_bytes_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	unsigned long bytes = memory_block_size_bytes();

	return sysfs_emit(buf, "%lx\n", bytes);
}
static DEVICE_ATTR_RO(block_size_bytes);

/*
 * A probe address: a number in C notation (0x hex, 0 octal, decimal) that is
 * block aligned.  -EINVAL for garbage or misalignment, -ERANGE on overflow.
 */
static int __maybe_unused probe_addr_parse(const char *buf, u64 *addr)
{
	int ret = kstrtoull(buf, 0, addr);

	if (ret)
		return ret;
	return IS_ALIGNED(*addr, memory_block_size_bytes()) ? 0 : -EINVAL;
}

#ifdef CONFIG_ARCH_MEMORY_PROBE
/*
 * Add one block of memory at an address firmware did not report.  Nothing
 * checks that RAM is really there: this is a tool for testing and for
 * platforms that discover memory in user space.
 */
static ssize_t probe_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	u64 addr;
	int ret;

	ret = probe_addr_parse(buf, &addr);
	if (ret)
		return ret;
	ret = lock_device_hotplug_sysfs();
	if (ret)
		return ret;
	ret = __add_memory(memory_add_physaddr_to_nid(addr), addr,
			   memory_block_size_bytes(), MHP_NONE);
	unlock_device_hotplug();
	return ret ? ret : count;
}
static DEVICE_ATTR_WO(probe);
#endif

#ifdef CONFIG_MEMORY_FAILURE
/* A physical address in C notation, as a pfn. */
static int page_addr_parse(const char *buf, unsigned long *pfn)
{
	u64 addr;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (kstrtoull(buf, 0, &addr) < 0)
		return -EINVAL;
	*pfn = addr >> PAGE_SHIFT;
	return 0;
}

static ssize_t soft_offline_page_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	unsigned long pfn;
	int ret;

	ret = page_addr_parse(buf, &pfn);
	if (ret)
		return ret;
	ret = soft_offline_page(pfn, 0);
	return ret ? ret : count;
}
static DEVICE_ATTR_WO(soft_offline_page);

static ssize_t hard_offline_page_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	unsigned long pfn;
	int ret;

	ret = page_addr_parse(buf, &pfn);
	if (ret)
		return ret;
	ret = memory_failure(pfn, MF_SW_SIMULATED);
	/* nothing to do for this kind of page is not an error here */
	if (ret == -EOPNOTSUPP)
		ret = 0;
	return ret ? ret : count;
}
static DEVICE_ATTR_WO(hard_offline_page);
#endif

#ifdef CONFIG_CRASH_HOTPLUG
static ssize_t crash_hotplug_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	/* 1: a loaded crash kernel copes with hotplug by itself */
	return emit_decimal(buf, crash_check_hotplug_support());
}
static DEVICE_ATTR_RO(crash_hotplug);
#endif

static struct attribute *memory_root_attrs[] = {
#ifdef CONFIG_CRASH_HOTPLUG
	&dev_attr_crash_hotplug.attr,
#endif
#ifdef CONFIG_MEMORY_FAILURE
	&dev_attr_hard_offline_page.attr,
	&dev_attr_soft_offline_page.attr,
#endif
#ifdef CONFIG_ARCH_MEMORY_PROBE
	&dev_attr_probe.attr,
#endif
	&dev_attr_auto_online_blocks.attr,
	&dev_attr_block_size_bytes.attr,
	NULL
};
ATTRIBUTE_GROUPS(memory_root);

/* ------------------------------------------------------------------------
 * Block registry
 */

/**
 * memory_block_size_bytes() - the size of every memory block
 *
 * This default is one section; architectures override it.
 *
 * Context: Any.
 * Return: the block size in bytes, a power of two of whole sections.
 */
unsigned long __weak memory_block_size_bytes(void)
{
	return MIN_MEMORY_BLOCK_SIZE;
}
EXPORT_SYMBOL_GPL(memory_block_size_bytes);

/**
 * arch_get_memory_phys_device() - the legacy phys_device of a block
 * @start_pfn: first pfn of the block.
 *
 * This default reports 0; an architecture may override it (see
 * phys_device_show()).
 *
 * Context: Process context.
 * Return: the value the block's phys_device file shows.
 */
int __weak arch_get_memory_phys_device(unsigned long start_pfn)
{
	return 0;
}

/* Lookups under RCU may still see the block: free it after a grace period. */
static void memory_block_release(struct device *dev)
{
	struct memory_block *mem = to_memory_block(dev);

	kfree_rcu(mem, rcu);
}

/*
 * The block with this id, with a device reference; NULL if none.  A block
 * whose refcount already dropped to zero is on its way out and is not
 * returned: a reference on it could not keep it alive.
 */
static struct memory_block *find_memory_block_by_id(unsigned long id)
{
	struct memory_block *mem;

	rcu_read_lock();
	mem = xa_load(&memory_blocks, id);
	if (mem && !kobject_get_unless_zero(&mem->dev.kobj))
		mem = NULL;
	rcu_read_unlock();
	return mem;
}

/**
 * find_memory_block() - the block that holds a section
 * @section_nr: a sparsemem section number.
 *
 * The reference keeps the block's memory, not its registration or state:
 * callers that read or change those hold the device hotplug lock.
 *
 * Context: Any context; takes no lock.
 * Return: the block with a device reference (put_device() it), or NULL.
 */
struct memory_block *find_memory_block(unsigned long section_nr)
{
	return find_memory_block_by_id(section_to_block_id(section_nr));
}

/* The block's link to the device its memory came from, if it has one. */
static noinline int link_provider(struct memory_block *mem,
				  const struct memory_group *group)
{
	if (!group || !group->provider)
		return 0;
	return sysfs_create_link(&mem->dev.kobj, &group->provider->kobj,
				 "provider");
}
ALLOW_ERROR_INJECTION(link_provider, ERRNO);

/*
 * Initialise, index, publish, link to the provider, join the group, then
 * announce one block device.  The id is taken in the xarray before the
 * device is added, so a duplicate fails with -EEXIST without ever showing
 * up in sysfs.
 */
static noinline int register_memory_block(unsigned long id,
					  enum memory_block_state state,
					  struct vmem_altmap *altmap,
					  struct memory_group *group)
{
	struct memory_block *mem;
	int ret;

	mem = kzalloc(sizeof(*mem), GFP_KERNEL);
	if (!mem)
		return -ENOMEM;
	mem->dev.bus = &memory_subsys;
	mem->dev.id = id;
	mem->dev.groups = memory_block_groups;
	mem->dev.release = memory_block_release;
	mem->dev.offline = state == MEM_OFFLINE;
	device_initialize(&mem->dev);
	INIT_LIST_HEAD(&mem->group_next);
	mem->altmap = altmap;
	mem->nid = NUMA_NO_NODE;
	mem->state = state;
	mem->start_section_nr = id * sections_per_block;

	ret = xa_insert(&memory_blocks, id, mem, GFP_KERNEL);
	if (ret) {
		/* xa_insert() says -EBUSY for an id in use */
		if (ret == -EBUSY)
			ret = -EEXIST;
		goto err_put;
	}
	/* the "add" uevent waits until the block is complete */
	dev_set_uevent_suppress(&mem->dev, true);
	ret = device_add(&mem->dev);
	if (ret)
		goto err_erase;
	ret = link_provider(mem, group);
	if (ret)
		goto err_del;
	if (group) {
		mem->group = group;
		list_add(&mem->group_next, &group->memory_blocks);
	}
	dev_set_uevent_suppress(&mem->dev, false);
	kobject_uevent(&mem->dev.kobj, KOBJ_ADD);
	return 0;

err_del:
	/* as unregister_memory_block(): unindexed first; no uevent went out */
	xa_erase(&memory_blocks, id);
	device_del(&mem->dev);
	goto err_put;
err_erase:
	xa_erase(&memory_blocks, id);
err_put:
	put_device(&mem->dev);
	return ret;
}
ALLOW_ERROR_INJECTION(register_memory_block, ERRNO);

/* Unpublish, unindex and drop a block; the device hotplug lock is held. */
static void unregister_memory_block(struct memory_block *mem)
{
	if (WARN_ON_ONCE(mem->dev.bus != &memory_subsys))
		return;
	WARN_ON_ONCE(xa_erase(&memory_blocks, mem->dev.id) != mem);
	if (mem->group) {
		list_del(&mem->group_next);
		mem->group = NULL;
	}
	device_unregister(&mem->dev);
}

static struct zone *early_zone_of_block(struct memory_block *mem, int nid);

/* A boot block is registered when any of its sections is present. */
static int __init register_boot_memory_block(unsigned long first_section)
{
	unsigned long nr;

	for (nr = first_section; nr < first_section + sections_per_block; nr++) {
		if (!present_section_nr(nr))
			continue;
		return register_memory_block(section_to_block_id(first_section),
					     MEM_ONLINE, NULL, NULL);
	}
	return 0;
}

/* Validate the block size; panics on a size the block math cannot use. */
static void __init memory_block_size_init(void)
{
	unsigned long bytes = memory_block_size_bytes();

	if (!is_power_of_2(bytes) || bytes < MIN_MEMORY_BLOCK_SIZE)
		panic("memory block size %#lx: not a power of two of at least one section\n",
		      bytes);
	sections_per_block = bytes / MIN_MEMORY_BLOCK_SIZE;
}

/**
 * memory_dev_init() - register the memory bus and the boot memory blocks
 *
 * Every block with present memory at boot starts out online.  Runs once,
 * single threaded, from driver_init(); any failure here is fatal.
 *
 * Context: Boot, process context.
 */
void __init memory_dev_init(void)
{
	unsigned long nr;
	int ret;

	memory_block_size_init();
	ret = subsys_system_register(&memory_subsys, memory_root_groups);
	if (ret)
		panic("cannot register the memory bus: %d\n", ret);
	for (nr = 0; nr <= __highest_present_section_nr; nr += sections_per_block) {
		ret = register_boot_memory_block(nr);
		if (ret)
			panic("cannot register memory block %lu: %d\n",
			      section_to_block_id(nr), ret);
	}
#ifndef CONFIG_NUMA
	{
		struct memory_block *mem;
		unsigned long id;

		xa_for_each(&memory_blocks, id, mem)
			mem->zone = early_zone_of_block(mem, NUMA_NO_NODE);
	}
#endif
}

/*
 * Remove the devices that exist among the @nr blocks from id @first on.
 * A count rather than an end id: with nothing to remove (@nr == 0, also
 * from block 0) no last id is computed, so none can wrap to ULONG_MAX.
 */
static void unregister_blocks(unsigned long first, unsigned long nr)
{
	struct memory_block *mem;
	unsigned long id;

	if (!nr)
		return;
	xa_for_each_range(&memory_blocks, id, mem, first, first + nr - 1)
		unregister_memory_block(mem);
}

/**
 * create_memory_block_devices() - add offline block devices for a range
 * @start: physical start, block aligned.
 * @size: bytes, block aligned.
 * @altmap: memmap_on_memory placement shared by the blocks, or NULL.
 * @group: the group the blocks join, or NULL.
 *
 * All or nothing: when one block cannot be registered, the ones already
 * added in this call are removed again.
 *
 * Context: Process context, under the device hotplug lock.
 * Return: 0, -EINVAL for an unaligned range, -EEXIST if a block already
 * exists, -ENOMEM, or the driver core's or sysfs's error (-ENOENT when the
 * group's provider is no longer in sysfs).
 */
int create_memory_block_devices(unsigned long start, unsigned long size,
				struct vmem_altmap *altmap,
				struct memory_group *group)
{
	unsigned long first = phys_to_block_id(start);
	unsigned long end = phys_to_block_id(start + size);
	unsigned long id;
	int ret;

	if (WARN_ON_ONCE(!IS_ALIGNED(start | size, memory_block_size_bytes())))
		return -EINVAL;
	for (id = first; id < end; id++) {
		ret = register_memory_block(id, MEM_OFFLINE, altmap, group);
		if (ret) {
			/* only those this call registered: ids first..id - 1 */
			unregister_blocks(first, id - first);
			return ret;
		}
	}
	return 0;
}

/**
 * remove_memory_block_devices() - remove the block devices of a range
 * @start: physical start, block aligned.
 * @size: bytes, block aligned.
 *
 * The blocks must be offline.  Their node links and poison counts go with
 * them.
 *
 * Context: Process context, under the device hotplug lock.
 */
void remove_memory_block_devices(unsigned long start, unsigned long size)
{
	unsigned long first = phys_to_block_id(start);
	unsigned long end = phys_to_block_id(start + size);
	struct memory_block *mem;
	unsigned long id;

	if (WARN_ON_ONCE(!IS_ALIGNED(start | size, memory_block_size_bytes())))
		return;
	for (id = first; id < end; id++) {
		mem = xa_load(&memory_blocks, id);
		if (WARN_ON_ONCE(!mem))
			continue;
		num_poisoned_pages_sub(-1UL, memblk_nr_poison(mem));
		unregister_memory_block_under_nodes(mem);
		unregister_memory_block(mem);
	}
}

/* ------------------------------------------------------------------------
 * Walks
 */

/* Call @func on @mem, holding a reference. */
static int visit_block(struct memory_block *mem, void *arg,
		       walk_memory_blocks_func_t func)
{
	int ret;

	get_device(&mem->dev);
	ret = func(mem, arg);
	put_device(&mem->dev);
	return ret;
}

/* Call @func on each block with ids in [first, last], ascending. */
static int walk_block_ids(unsigned long first, unsigned long last, void *arg,
			  walk_memory_blocks_func_t func)
{
	struct memory_block *mem;
	unsigned long id;
	int ret;

	xa_for_each_range(&memory_blocks, id, mem, first, last) {
		ret = visit_block(mem, arg, func);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * walk_memory_blocks() - call a function on each block of a range
 * @start: physical start of the range.
 * @size: bytes; 0 walks nothing.
 * @arg: passed to @func.
 * @func: called for each existing block overlapping the range, ascending;
 *	a non-zero return stops the walk.
 *
 * Costs O(k + log n) for k blocks in the range: holes are skipped.
 *
 * Context: Process context, under the device hotplug lock.
 * Return: 0, or the first non-zero value @func returned.
 */
int walk_memory_blocks(unsigned long start, unsigned long size,
		       void *arg, walk_memory_blocks_func_t func)
{
	if (!size)
		return 0;
	return walk_block_ids(phys_to_block_id(start),
			      phys_to_block_id(start + size - 1), arg, func);
}

/**
 * walk_memory_blocks_down() - walk_memory_blocks(), from the top block down
 * @start: physical start of the range.
 * @size: bytes; 0 walks nothing.
 * @arg: passed to @func.
 * @func: called for each existing block overlapping the range, descending;
 *	a non-zero return stops the walk.
 *
 * For offlining a range that goes as a whole.  A heuristic: memory never
 * used since it was onlined is handed out by the page allocator in the
 * order it was onlined, the bottom of a range onlined upwards first, so
 * offlining from the top tends to move the pages in use into blocks that
 * go last rather than into the next block to go.  Pages freed since, or
 * a shuffled free list (page_alloc.shuffle), blur that order.
 *
 * Costs O(k log n) for the k block ids of the range, holes included.
 *
 * Context: Process context, under the device hotplug lock.
 * Return: 0, or the first non-zero value @func returned.
 */
int walk_memory_blocks_down(unsigned long start, unsigned long size,
			    void *arg, walk_memory_blocks_func_t func)
{
	unsigned long first, id;
	struct memory_block *mem;
	int ret;

	if (!size)
		return 0;
	first = phys_to_block_id(start);
	for (id = phys_to_block_id(start + size - 1) + 1; id-- > first; ) {
		mem = xa_load(&memory_blocks, id);
		if (!mem)
			continue;
		ret = visit_block(mem, arg, func);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * for_each_memory_block() - call a function on every block
 * @arg: passed to @func.
 * @func: called for each block, ascending by id; a non-zero return stops.
 *
 * Context: Process context, under the device hotplug lock.
 * Return: 0, or the first non-zero value @func returned.
 */
int for_each_memory_block(void *arg, walk_memory_blocks_func_t func)
{
	return walk_block_ids(0, ULONG_MAX, arg, func);
}

/* ------------------------------------------------------------------------
 * NUMA: which node and zone a boot block belongs to
 */

/*
 * For boot memory the zones are final when node devices register, so the
 * block's zone is the one populated zone of @nid that intersects it, or
 * NULL when several do.
 */
static struct zone *early_zone_of_block(struct memory_block *mem, int nid)
{
	unsigned long pfn = block_start_pfn(mem);
	struct zone *zone, *found = NULL;

	for (zone = NODE_DATA(nid)->node_zones;
	     zone < NODE_DATA(nid)->node_zones + MAX_NR_ZONES; zone++) {
		if (!populated_zone(zone) ||
		    !zone_intersects(zone, pfn, pages_per_block()))
			continue;
		if (found)
			return NULL;
		found = zone;
	}
	return found;
}

#ifdef CONFIG_NUMA
/**
 * memory_block_add_nid() - record that a block has memory of a node
 * @mem: the block.
 * @nid: the node.
 * @context: MEMINIT_EARLY for boot memory, MEMINIT_HOTPLUG otherwise.
 *
 * For boot memory this also settles mem->zone: the node's single zone in
 * the block, or NULL once a second node shows up in the same block (such a
 * block cannot be offlined).  A block keeps the last node it was told of.
 *
 * Context: Process context (node registration).
 */
void memory_block_add_nid(struct memory_block *mem, int nid,
			  enum meminit_context context)
{
	if (context == MEMINIT_EARLY && mem->nid != nid)
		mem->zone = mem->nid == NUMA_NO_NODE ?
			early_zone_of_block(mem, nid) : NULL;
	mem->nid = nid;
}
#endif

/* ------------------------------------------------------------------------
 * Memory groups
 */

static noinline int memory_group_add(const struct memory_group *proto)
{
	struct memory_group *group;
	u32 id;
	int ret;

	if (!node_possible(proto->nid))
		return -EINVAL;
	group = kmemdup(proto, sizeof(*group), GFP_KERNEL);
	if (!group)
		return -ENOMEM;
	INIT_LIST_HEAD(&group->memory_blocks);
	/* reserve the id, name the group with it, then publish it */
	ret = xa_alloc(&memory_groups, &id, NULL, xa_limit_31b, GFP_KERNEL);
	if (ret) {
		kfree(group);
		return ret;
	}
	group->id = id;
	/* into the slot xa_alloc() made: needs no memory, cannot fail */
	xa_store(&memory_groups, id, group, GFP_KERNEL);
	if (group->is_dynamic)
		xa_set_mark(&memory_groups, id, MEMORY_GROUP_DYNAMIC);
	return id;
}
ALLOW_ERROR_INJECTION(memory_group_add, ERRNO);

int memory_group_register_static(int nid, unsigned long max_pages)
{
	struct memory_group proto = { .nid = nid, .s.max_pages = max_pages };

	if (!max_pages)
		return -EINVAL;
	return memory_group_add(&proto);
}
EXPORT_SYMBOL_GPL(memory_group_register_static);

int memory_group_register_dynamic(int nid, unsigned long unit_pages)
{
	struct memory_group proto = {
		.nid = nid,
		.is_dynamic = true,
		.d.unit_pages = unit_pages,
	};

	if (!is_power_of_2(unit_pages) || unit_pages < pages_per_block())
		return -EINVAL;
	return memory_group_add(&proto);
}
EXPORT_SYMBOL_GPL(memory_group_register_dynamic);

/**
 * memory_group_find_by_id() - look up a memory group
 * @mgid: a group id.
 *
 * Context: Any.  The group stays valid while the driver that registered
 * it keeps it registered: callers pass their own group's id, or that of
 * a block they hold.
 * Return: the group, or NULL.
 */
struct memory_group *memory_group_find_by_id(int mgid)
{
	return mgid < 0 ? NULL : xa_load(&memory_groups, mgid);
}

int memory_group_set_provider(int mgid, struct device *dev)
{
	struct memory_group *group = memory_group_find_by_id(mgid);

	if (!group || !dev)
		return -EINVAL;
	if (!list_empty(&group->memory_blocks))
		return -EBUSY;
	get_device(dev);
	if (cmpxchg(&group->provider, NULL, dev)) {
		put_device(dev);
		return -EBUSY;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(memory_group_set_provider);

int memory_group_unregister(int mgid)
{
	struct memory_group *group = memory_group_find_by_id(mgid);

	if (!group)
		return -EINVAL;
	if (!list_empty(&group->memory_blocks))
		return -EBUSY;
	xa_erase(&memory_groups, mgid);
	put_device(group->provider);
	kfree(group);
	return 0;
}
EXPORT_SYMBOL_GPL(memory_group_unregister);

/**
 * walk_dynamic_memory_groups() - call a function on dynamic memory groups
 * @nid: only groups of this node, or NUMA_NO_NODE for all.
 * @func: called per group; a non-zero return stops the walk.
 * @excluded: a group to skip, or NULL.
 * @arg: passed to @func.
 *
 * Context: Under the device hotplug lock, as every caller is (onlining a
 * block).  That lock does not keep another driver's group alive: a driver
 * that unregisters its dynamic group without it can race with the walk.
 * Return: 0, or the first non-zero value @func returned.
 */
int walk_dynamic_memory_groups(int nid, walk_memory_groups_func_t func,
			       struct memory_group *excluded, void *arg)
{
	struct memory_group *group;
	unsigned long id;
	int ret;

	xa_for_each_marked(&memory_groups, id, group, MEMORY_GROUP_DYNAMIC) {
		if (group == excluded)
			continue;
		if (IS_ENABLED(CONFIG_NUMA) && nid != NUMA_NO_NODE &&
		    group->nid != nid)
			continue;
		ret = func(group, arg);
		if (ret)
			return ret;
	}
	return 0;
}

#ifdef CONFIG_DEBUG_FS
/*
 * debugfs "memory_groups": one line per group, with its id, node, kind and
 * size, and the pages it has online, so that a test can tell that a failed
 * hot-add or removal left no group behind.  The xarray lock keeps a group
 * from being freed while it is printed: it is erased under that lock
 * before it is freed.
 */
static int memory_groups_show(struct seq_file *m, void *unused)
{
	struct memory_group *group;
	unsigned long id;

	xa_lock(&memory_groups);
	xa_for_each(&memory_groups, id, group) {
		unsigned long kernel, movable;

		/* changed under mem_hotplug_lock, not held here: a snapshot */
		kernel = data_race(group->present_kernel_pages);
		/* the same */
		movable = data_race(group->present_movable_pages);
		seq_printf(m, "%lu node %d %s %lu present kernel %lu movable %lu\n",
			   id, group->nid,
			   group->is_dynamic ? "dynamic unit" : "static max",
			   group->is_dynamic ? group->d.unit_pages :
					       group->s.max_pages,
			   kernel, movable);
	}
	xa_unlock(&memory_groups);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(memory_groups);

static int __init memory_groups_debugfs_init(void)
{
	debugfs_create_file("memory_groups", 0400, NULL, NULL,
			    &memory_groups_fops);
	return 0;
}
late_initcall(memory_groups_debugfs_init);
#endif

#ifdef CONFIG_MEMORY_BLOCK_KUNIT_TEST
#include "test/memory_block_kunit.h"
#endif
