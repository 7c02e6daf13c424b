/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory block devices and the memory notifier chain.
 *
 * Physical memory that can be hot(un)plugged is managed in memory blocks:
 * fixed-size, aligned runs of sparsemem sections, one device each under
 * /sys/devices/system/memory/memoryN.  A block is the unit user space
 * onlines and offlines; subsystems that must follow those transitions hook
 * the memory notifier chain.  Blocks that come from one device (a DIMM, a
 * virtio-mem region, a dax range) can be tied together in a memory group,
 * which the online policy uses to decide zones.
 *
 * Implemented by drivers/base/memory.c.
 */
#ifndef _LINUX_MEMORY_H_
#define _LINUX_MEMORY_H_

#include <linux/compiler.h>
#include <linux/memory_hotplug.h>
#include <linux/mutex.h>
#include <linux/node.h>
#include <linux/stackdepot.h>

/* The smallest block is one sparsemem section. */
#define MIN_MEMORY_BLOCK_SIZE     BIT(SECTION_SIZE_BITS)

/* Serializes kernel text patching (not memory related; lives here). */
extern struct mutex text_mutex;

/*
 * States of a memory block, and the events of the memory notifier chain.
 * Only the first three are ever a block's state (its "state" file shows
 * them); the values are what notifier callbacks receive as @action, so they
 * are fixed.
 */
enum memory_block_state {
	MEM_ONLINE = 0,		/* state: pages are in the page allocator */
	MEM_GOING_OFFLINE = 1,	/* state: offline in progress */
	MEM_OFFLINE = 2,	/* state: present, no pages in use */
	MEM_GOING_ONLINE = 3,	/* event: about to hand pages to the buddy */
	MEM_CANCEL_ONLINE = 4,	/* event: a GOING_ONLINE was vetoed */
	MEM_CANCEL_OFFLINE = 5,	/* event: an offline failed after GOING_OFFLINE */
	MEM_PREPARE_ONLINE = 6,	/* event: before the memmap is initialized */
	MEM_FINISH_OFFLINE = 7,	/* event: after the memmap is torn down */
};

/**
 * struct memory_group - memory blocks that belong to one device
 * @is_dynamic: false for a static group (its size is known up front, e.g. a
 *	DIMM), true for a dynamic one (memory comes and goes in units, e.g.
 *	virtio-mem).
 * @s: static groups only.
 * @s.max_pages: the most pages the group will ever hold.
 * @d: dynamic groups only.
 * @d.unit_pages: pages per unit of add/remove; a power of two, at least one
 *	memory block, and the alignment of every unit in physical memory.
 * @nid: node of every block in the group.
 * @id: the id registration returned; set once, before the group is
 *	published.
 * @present_kernel_pages: online pages of the group outside ZONE_MOVABLE.
 * @present_movable_pages: online pages of the group in ZONE_MOVABLE.
 * @memory_blocks: the member blocks, linked through memory_block.group_next.
 * @provider: the device the group's memory comes from, with a reference,
 *	or NULL; set once by memory_group_set_provider() before the first
 *	block joins, put when the group is unregistered.
 *
 * A block is in at most one group.  After registration the present page
 * counts change under mem_hotplug_lock held for writing and are read
 * without a lock (a snapshot); @memory_blocks changes under the device
 * hotplug lock.
 */
struct memory_group {
	bool is_dynamic;
	union {
		struct { unsigned long max_pages; } s;	/* !is_dynamic */
		struct { unsigned long unit_pages; } d;	/* is_dynamic */
	};
	int nid;
	int id;
	unsigned long present_kernel_pages;
	unsigned long present_movable_pages;
	struct list_head memory_blocks;
	struct device *provider;
};

/**
 * struct memory_offline_failure - why the last offline of a block failed
 * @err: its negative errno; 0 when none failed since the block came, or the
 *	last offline succeeded.
 * @alloc_stack: the stack depot handle of the stack that allocated the page
 *	named by @pfn, when page_owner tracked it as allocated at the time;
 *	else 0.
 * @reason: what stopped it, a string constant (the kernel log line says
 *	the same); NULL while @err is 0.
 * @pfn: the page that kept the offline from finishing: one isolation
 *	refused or one that cannot move if there was such a page, else the
 *	last one that failed to migrate (also when a signal or the timeout
 *	then ended the offline); meaningful only when @page_kind is set.
 * @page_kind: what that page was ("anon", "slab", "reserved", ...), a
 *	string constant, or NULL when no page was to blame (a subscriber's
 *	veto, holes, a hugetlb page that could not be dissolved).
 */
struct memory_offline_failure {
	int err;
	depot_stack_handle_t alloc_stack;
	const char *reason;
	unsigned long pfn;
	const char *page_kind;
};

/**
 * struct memory_block - one memory block device
 * @dev: the device under /sys/devices/system/memory.
 * @start_section_nr: first sparsemem section of the block.
 * @nid: node of the block (the last one seen for a boot block that spans
 *	several nodes).
 * @state: MEM_ONLINE, MEM_GOING_OFFLINE or MEM_OFFLINE; changed only with
 *	the device hotplug lock and the block's device lock held.
 * @online_type: how the online request in progress wants the block onlined
 *	(MMOP_OFFLINE when none is); written and read under the device
 *	hotplug lock.
 * @zone: the one zone that manages every page of the block while it is
 *	online; NULL while offline, or when it spans zones or nodes (such a
 *	block cannot be offlined).  Written under mem_hotplug_lock (online,
 *	offline) or, for boot blocks, the device hotplug lock;
 *	valid_zones_show() reads it with READ_ONCE().
 * @altmap: where the block's own memmap lives when memmap_on_memory placed
 *	it inside the block; NULL otherwise.  Set when the block is created,
 *	and changed only while it is offline, under the device hotplug lock.
 * @group: the group the block belongs to, or NULL; set when the block is
 *	created and cleared when it goes, under the device hotplug lock.
 * @group_next: entry in @group's memory_blocks list.
 * @nr_hwpoison: hardware-poisoned pages in the block.
 * @offline_failure: why the block's last offline failed; written by the
 *	offline (device lock held), read by its sysfs files, both under a
 *	lock of drivers/base/memory.c.
 * @offline_why: where offline_pages() explains the offline in progress, or
 *	NULL; set and cleared by that offline under mem_hotplug_lock held
 *	for writing.
 * @rcu: defers the free of the block by an RCU grace period after its
 *	last reference is gone, so lookups need no lock (see
 *	find_memory_block()).
 */
struct memory_block {
	struct device dev;
	unsigned long start_section_nr;
	int nid;
	enum memory_block_state state;
	enum mmop online_type;
	struct zone *zone;
	struct vmem_altmap *altmap;
	struct memory_group *group;
	struct list_head group_next;
#if defined(CONFIG_MEMORY_FAILURE) && defined(CONFIG_MEMORY_HOTPLUG)
	atomic_long_t nr_hwpoison;
#endif
#ifdef CONFIG_MEMORY_HOTREMOVE
	struct memory_offline_failure offline_failure;
	struct memory_offline_failure *offline_why;
#endif
	struct rcu_head rcu;
};

/* Arch hooks: the block size, and the legacy phys_device value. */
unsigned long memory_block_size_bytes(void);
int set_memory_block_size_order(unsigned int order);
int arch_get_memory_phys_device(unsigned long start_pfn);

/**
 * struct memory_notify - what a memory notifier callback is told
 * @start_pfn: first pfn that goes online/offline (after the memmap pages).
 * @nr_pages: number of pages that go online/offline.
 * @status_change_nid: the node whose N_MEMORY state changes with this
 *	event, or NUMA_NO_NODE.
 * @status_change_nid_normal: the node whose N_NORMAL_MEMORY state changes
 *	with this event, or NUMA_NO_NODE.
 * @altmap_start_pfn: MEM_PREPARE_ONLINE and MEM_FINISH_OFFLINE only: first
 *	pfn of the block, where a memmap_on_memory memmap starts.
 * @altmap_nr_pages: those two events only: pages of that memmap (0 if none).
 */
struct memory_notify {
	unsigned long start_pfn;
	unsigned long nr_pages;
	int status_change_nid;
	int status_change_nid_normal;
	unsigned long altmap_start_pfn;
	unsigned long altmap_nr_pages;
};

struct mem_section;
struct notifier_block;

/*
 * Notifier priorities: a callback with a higher value runs first; equal
 * values run in registration order.
 */
#define KSM_CALLBACK_PRI	100
#define MEMTIER_HOTPLUG_PRI	100
#define CPUSET_CALLBACK_PRI	10
#define MM_COMPUTE_BATCH_PRI	10
#define CXL_CALLBACK_PRI	5
#define HMAT_CALLBACK_PRI	2
#define SLAB_CALLBACK_PRI	1
#define DEFAULT_CALLBACK_PRI	0

#ifndef CONFIG_MEMORY_HOTPLUG
/* Without memory hotplug there are no block devices and no events. */
static inline int hotplug_memory_notifier(notifier_fn_t fn, int pri)
{
	return 0;
}

static inline int register_memory_notifier(struct notifier_block *nb)
{
	return 0;
}

static inline int memory_notify(unsigned long val, void *v)
{
	return 0;
}

static inline void unregister_memory_notifier(struct notifier_block *nb)
{
}

static inline void memory_dev_init(void)
{
}
#else /* CONFIG_MEMORY_HOTPLUG */

/**
 * register_memory_notifier() - subscribe to memory block events
 * @nb: the callback, with its priority set.
 *
 * The callback is called for every event of enum memory_block_state that a
 * block goes through, with a struct memory_notify.  From MEM_GOING_ONLINE,
 * MEM_GOING_OFFLINE or MEM_PREPARE_ONLINE it may veto with NOTIFY_BAD or
 * notifier_from_errno(), and the operation fails.  After a MEM_GOING_*
 * veto every callback is sent the matching cancel event, including those
 * that never saw the first one; after a MEM_PREPARE_ONLINE veto no
 * callback is sent anything more.
 *
 * Context: Process context, may sleep.
 * Return: 0, or -EEXIST if @nb is already registered.
 */
int register_memory_notifier(struct notifier_block *nb);

/**
 * unregister_memory_notifier() - stop receiving memory block events
 * @nb: a callback registered with register_memory_notifier().
 *
 * Context: Process context, may sleep.
 */
void unregister_memory_notifier(struct notifier_block *nb);

/*
 * Register a callback with a static notifier_block of its own, named after
 * the function; the block lives in __meminitdata like its users.
 */
#define hotplug_memory_notifier(fn, pri) ({				\
	static struct notifier_block fn##_mem_nb __meminitdata =	\
		{ .notifier_call = fn, .priority = pri };		\
	register_memory_notifier(&fn##_mem_nb);				\
})

/* Send one event down the chain (memory hotplug core only). */
int memory_notify(unsigned long val, void *v);
int memory_notify_or_cancel(unsigned long event, unsigned long cancel,
			    struct memory_notify *arg);

#ifdef CONFIG_MEMORY_HOTREMOVE
/* offline_pages() leaves why it failed with the block (core only). */
void memory_block_explain_offline(unsigned long start_pfn,
				  const struct memory_offline_failure *why);
#endif

/* Boot: the memory bus and a device per present block. */
void memory_dev_init(void);

/*
 * Block devices of a hot-added / hot-removed range.  The caller holds the
 * device hotplug lock; range and size are block aligned.
 */
int create_memory_block_devices(unsigned long start, unsigned long size,
				struct vmem_altmap *altmap,
				struct memory_group *group);
void remove_memory_block_devices(unsigned long start, unsigned long size);

/*
 * Lookups.  find_memory_block() returns the block holding a section with a
 * device reference the caller must put; it may be called anywhere, but
 * only the device hotplug lock keeps the block's fields still.  The
 * walkers, under the device hotplug lock, call @func for each block
 * (range: overlapping [start, start + size)) in ascending order
 * (walk_memory_blocks_down(): descending), and stop at a non-zero return,
 * which they pass back.
 */
typedef int (*walk_memory_blocks_func_t)(struct memory_block *, void *);
struct memory_block *find_memory_block(unsigned long section_nr);
int for_each_memory_block(void *arg, walk_memory_blocks_func_t func);
int walk_memory_blocks(unsigned long start, unsigned long size,
		       void *arg, walk_memory_blocks_func_t func);
int walk_memory_blocks_down(unsigned long start, unsigned long size,
			    void *arg, walk_memory_blocks_func_t func);

#ifdef CONFIG_NUMA
/* node.c: the block has (some) memory of @nid. */
void memory_block_add_nid(struct memory_block *mem, int nid,
			  enum meminit_context context);
#endif

/**
 * memory_group_register_static() - register a group of known size
 * @nid: node of all the group's memory; must be a possible node.
 * @max_pages: the most pages the group will hold; not 0.
 *
 * Context: Process context, may sleep.
 * Return: the group id (>= 0) to pass as nid with MHP_NID_IS_MGID, or
 * -EINVAL for a bad argument, -ENOMEM, -EBUSY when ids run out.
 */
int memory_group_register_static(int nid, unsigned long max_pages);

/**
 * memory_group_register_dynamic() - register a group that grows in units
 * @nid: node of all the group's memory; must be a possible node.
 * @unit_pages: pages per unit; a power of two of at least one block.
 *
 * Context: Process context, may sleep.
 * Return: the group id (>= 0), or -EINVAL, -ENOMEM, -EBUSY as for
 * memory_group_register_static().
 */
int memory_group_register_dynamic(int nid, unsigned long unit_pages);

/**
 * memory_group_set_provider() - name the device a group's memory comes from
 * @mgid: the id a register call returned.
 * @dev: the device; the group holds a reference to it until it is
 *	unregistered.  It must stay in sysfs while memory is added to the
 *	group: a block that cannot link to it is not added (-ENOENT).
 *
 * Every block later added to the group links to @dev as "provider" in
 * sysfs, so user space can tell which device each block came from.
 *
 * Context: Process context, before the caller adds memory to the group
 * (whether the group has blocks is checked without the lock that guards
 * them: a hint for a caller that gets the order wrong).
 * Return: 0, -EINVAL for an unknown id or no device, -EBUSY when the group
 * has blocks or a provider already.
 */
int memory_group_set_provider(int mgid, struct device *dev);

/**
 * memory_group_unregister() - forget an empty memory group
 * @mgid: the id a register call returned.
 *
 * Drops the group's reference to its provider, if it has one; a group
 * that is never unregistered keeps the device.
 *
 * Context: Process context; the caller serializes against hot(un)plug.
 * Return: 0, -EINVAL for an unknown id, -EBUSY while blocks are in it.
 */
int memory_group_unregister(int mgid);

/* Group lookups for the online policy (memory hotplug core only). */
typedef int (*walk_memory_groups_func_t)(struct memory_group *, void *);
struct memory_group *memory_group_find_by_id(int mgid);
int walk_dynamic_memory_groups(int nid, walk_memory_groups_func_t func,
			       struct memory_group *excluded, void *arg);

#endif	/* CONFIG_MEMORY_HOTPLUG */

#endif /* _LINUX_MEMORY_H_ */
