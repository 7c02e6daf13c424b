// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI memory devices (PNP0C80): hot-add and eject of firmware-described
 * memory.
 */

/**
 * DOC: PNP0C80 memory devices
 *
 * The ACPI scan core calls memdev_attach() for every PNP0C80 device it
 * finds, at boot and on a firmware Device Check (QEMU device_add pc-dimm),
 * and memdev_detach() when the device goes (eject).  Before a detach the
 * core offlines every memory block bound to the device (its
 * physical_node links) and gives up with -EBUSY - the device stays, the
 * blocks are onlined again - if one refuses.  _EJ0 then takes the memory
 * away, so every block that holds memory of the device must be bound, also
 * blocks the device did not add; an unbound block would stay online.
 *
 * attach
 *	1. _CRS: every memory range, merged when contiguous with the same
 *	   attributes, sorted.  Firmware mistakes are reported and the
 *	   offending range is dropped, not the device: a range that overlaps
 *	   another of the device, an empty range, and the parts of a range
 *	   outside whole memory blocks (hot-plug works in blocks; the aligned
 *	   middle is still added).
 *	2. _STA must say present, enabled and functioning, else the device is
 *	   left alone (not an error: its memory may come later).
 *	3. the node from _PXM (on the device or an ancestor), else from the
 *	   address; one static memory group for the whole device, so
 *	   online_policy=auto-movable judges the DIMM as a whole.
 *	4. each range is added (memmap_on_memory where enabled) and its blocks
 *	   are bound to the device, from the top down, the order an eject
 *	   then offlines them in: MEMDEV_ADDED.  When not all of them can be
 *	   bound, the range is taken back (offlined, as auto-onlining may have
 *	   onlined it, and removed); if it is in use already it stays added,
 *	   bound as far as possible, for detach to remove.
 *	   A range the kernel has, wholly or in part, already (-EEXIST: boot
 *	   memory, say) is not added: every boot block (one in no memory
 *	   group) the kernel has under it, partly covered ones included, is
 *	   bound instead: MEMDEV_BOUND.  Blocks another driver added
 *	   (virtio-mem, dax/kmem: they have a group) stay that driver's.
 *	   A range that cannot be used is logged and skipped; a device none of
 *	   whose ranges could be used fails to attach, with nothing left
 *	   behind.
 * detach
 *	every range is unbound and its memory removed, also memory the device
 *	only bound: the _EJ0 that follows takes it away, and an offline block
 *	left over it could be onlined again.  Removal goes by runs of blocks
 *	that still exist, each unbound just before it is removed: all that is
 *	left of an added range, and of a bound range exactly the blocks bound
 *	to the device (a partly covered block goes as a whole, as part of its
 *	memory goes; a block of another device stays).  While one of those
 *	blocks is online (a surprise removal, a block that could not be bound)
 *	none of the range is removed, with a warning; an added range left in
 *	place keeps the memory group.
 *
 * Context: the scan core calls both with acpi_scan_lock held, and, for
 * hot-plug events, the device hotplug lock, so the __-prefixed memory
 * hotplug calls are used.  At boot nothing else runs; a table loaded at
 * run time attaches with acpi_scan_lock only (the scan core's rule, not
 * this driver's).  Offlining a block needs only its device lock, which
 * device_offline() takes.
 */

#include <linux/acpi.h>
#include <linux/error-injection.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "internal.h"

static const struct acpi_device_id memdev_ids[] = {
	{ "PNP0C80", 0 },
	{ "", 0 },
};

#ifdef CONFIG_ACPI_HOTPLUG_MEMORY

/* What a device does with one of its ranges. */
enum memdev_use {
	MEMDEV_UNUSED,		/* nothing, or not any more */
	MEMDEV_ADDED,		/* added by the device; removed at detach */
	MEMDEV_BOUND,		/* the kernel had it: bound; removed at detach */
};

/* One memory range of a device. */
struct memdev_range {
	u64 fw_start;		/* as _CRS says */
	u64 fw_size;
	u64 start;		/* the whole blocks inside it */
	u64 size;
	u16 caching;		/* _CRS attributes, for merging */
	u16 write_protect;
	enum memdev_use use;
};

/* driver_data of a bound PNP0C80 device. */
struct memdev {
	struct acpi_device *adev;
	int mgid;			/* static memory group, or -1 */
	unsigned int nr;		/* ranges in @range */
	unsigned int cap;
	struct memdev_range *range;
};

/* ------------------------------------------------------------------------
 * _CRS
 */

static int memdev_append(struct memdev *md, const struct memdev_range *r)
{
	struct memdev_range *grown;

	if (md->nr == md->cap) {
		grown = krealloc_array(md->range, md->cap + 4, sizeof(*r),
				       GFP_KERNEL);
		if (!grown)
			return -ENOMEM;
		md->range = grown;
		md->cap += 4;
	}
	md->range[md->nr++] = *r;
	return 0;
}

/* Extend the last range when @r continues it with the same attributes. */
static bool memdev_extend(struct memdev *md, const struct memdev_range *r)
{
	struct memdev_range *last = md->nr ? &md->range[md->nr - 1] : NULL;

	if (!last || last->start + last->size != r->start ||
	    last->caching != r->caching ||
	    last->write_protect != r->write_protect)
		return false;
	last->size += r->size;
	return true;
}

static acpi_status memdev_crs_entry(struct acpi_resource *res, void *data)
{
	struct acpi_resource_address64 a;
	struct memdev *md = data;
	struct memdev_range r = { };

	if (ACPI_FAILURE(acpi_resource_to_address64(res, &a)) ||
	    a.resource_type != ACPI_MEMORY_RANGE)
		return AE_OK;
	if (!a.address.address_length) {
		dev_warn(&md->adev->dev, FW_BUG "empty memory range at %#llx ignored\n",
			 a.address.minimum);
		return AE_OK;
	}
	r.start = a.address.minimum;
	r.size = a.address.address_length;
	r.caching = a.info.mem.caching;
	r.write_protect = a.info.mem.write_protect;
	if (memdev_extend(md, &r))
		return AE_OK;
	return memdev_append(md, &r) ? AE_NO_MEMORY : AE_OK;
}

static int memdev_range_cmp(const void *a, const void *b)
{
	const struct memdev_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Drop range @i, reporting @why. */
static void memdev_drop(struct memdev *md, unsigned int i, const char *why)
{
	struct memdev_range *r = &md->range[i];

	dev_warn(&md->adev->dev, FW_BUG "memory range [%#llx-%#llx] %s; ignored\n",
		 r->start, r->start + r->size - 1, why);
	memmove(r, r + 1, (md->nr - i - 1) * sizeof(*r));
	md->nr--;
}

/*
 * Trim @r to whole memory blocks, keeping what _CRS said; false when
 * nothing is left.
 */
static bool memdev_trim(struct memdev *md, struct memdev_range *r)
{
	u64 block = memory_block_size_bytes();
	u64 start = round_up(r->start, block);
	u64 end = round_down(r->start + r->size, block);

	r->fw_start = r->start;
	r->fw_size = r->size;
	if (start >= end)
		return false;
	if (start != r->start || end != r->start + r->size)
		dev_warn(&md->adev->dev, FW_BUG
			 "memory range [%#llx-%#llx] not in whole blocks; using [%#llx-%#llx]\n",
			 r->start, r->start + r->size - 1, start, end - 1);
	r->start = start;
	r->size = end - start;
	return true;
}

/* Sorted, without overlaps, in whole blocks. */
static void memdev_sanitize(struct memdev *md)
{
	unsigned int i = 0;

	sort(md->range, md->nr, sizeof(*md->range), memdev_range_cmp, NULL);
	while (i < md->nr) {
		struct memdev_range *r = &md->range[i];

		if (i && r->start < r[-1].fw_start + r[-1].fw_size)
			memdev_drop(md, i, "overlaps another range of the device");
		else if (!memdev_trim(md, r))
			memdev_drop(md, i, "holds no whole memory block");
		else
			i++;
	}
}

static noinline int memdev_read_crs(struct memdev *md)
{
	acpi_status status;

	status = acpi_walk_resources(md->adev->handle, METHOD_NAME__CRS,
				     memdev_crs_entry, md);
	if (ACPI_FAILURE(status)) {
		dev_err(&md->adev->dev, "_CRS could not be read: %s\n",
			acpi_format_exception(status));
		return status == AE_NO_MEMORY ? -ENOMEM : -EINVAL;
	}
	memdev_sanitize(md);
	return 0;
}
ALLOW_ERROR_INJECTION(memdev_read_crs, ERRNO);

/* ------------------------------------------------------------------------
 * Binding memory blocks to the device
 */

/*
 * Where the blocks of a range lie: those it added, or, when it was only
 * bound, every block the kernel has that overlaps what _CRS says.
 */
static void memdev_span(const struct memdev_range *r, u64 *start, u64 *end)
{
	if (r->use == MEMDEV_BOUND) {
		*start = r->fw_start;
		*end = r->fw_start + r->fw_size;
	} else {
		*start = r->start;
		*end = r->start + r->size;
	}
}

static int memdev_walk(const struct memdev_range *r, void *arg,
		       walk_memory_blocks_func_t func)
{
	u64 start, end;

	memdev_span(r, &start, &end);
	return walk_memory_blocks(start, end - start, arg, func);
}

/*
 * How binding the blocks of one range went.  The walk goes on past a block
 * that fails, so the first failure is kept here rather than returned by
 * the callback; memdev_bind() returns it.
 */
struct memdev_binding {
	struct acpi_device *adev;
	unsigned int bound;	/* blocks bound to @adev, before or now */
	int err;		/* the first failure, or 0 */
};

/*
 * Bind one block.  One bound to this device already (two ranges may share
 * a partly covered block) is fine; one bound to another device is a
 * firmware conflict and stays with that device.  Failures do not stop the
 * walk: every block that can be bound is.
 */
static int memdev_bind_block(struct memory_block *mem, void *arg)
{
	struct memdev_binding *b = arg;
	struct acpi_device *owner = ACPI_COMPANION(&mem->dev);
	int ret = 0;

	if (!owner) {
		ret = acpi_bind_one(&mem->dev, b->adev);
		if (ret)
			dev_err(&b->adev->dev, "memory%u could not be bound: %d\n",
				mem->dev.id, ret);
	} else if (owner != b->adev) {
		dev_warn(&b->adev->dev, FW_BUG "memory%u belongs to %s already\n",
			 mem->dev.id, dev_name(&owner->dev));
		ret = -EBUSY;
	}
	if (ret) {
		if (!b->err)
			b->err = ret;
		return 0;
	}
	b->bound++;
	return 0;
}

/* Only our own links: a block may belong to another device. */
static int memdev_unbind_block(struct memory_block *mem, void *adev)
{
	if (ACPI_COMPANION(&mem->dev) == adev)
		acpi_unbind_one(&mem->dev);
	return 0;
}

/*
 * The blocks of @r from the top down.  Binding goes this way: the ACPI
 * core offlines a device's physical nodes in the order of their link
 * numbers, and acpi_bind_one() numbers them in the order they are bound
 * (each gets the lowest free number; this driver binds a range's blocks
 * in one go, so there are no gaps to fill).  An eject then offlines the
 * range from its top (see walk_memory_blocks_down() for why that order).
 * PNP0C80:NN/physical_node thus links to the top block of the top range.
 */
static void memdev_walk_down(const struct memdev_range *r, void *arg,
			     walk_memory_blocks_func_t func)
{
	u64 start, end;

	memdev_span(r, &start, &end);
	walk_memory_blocks_down(start, end - start, arg, func);
}

/* Bind every block of @r that can be; return the first failure, or 0. */
static int memdev_bind(struct memdev *md, const struct memdev_range *r,
		       struct memdev_binding *b)
{
	*b = (struct memdev_binding){ .adev = md->adev };
	memdev_walk_down(r, b, memdev_bind_block);
	return b->err;
}

/*
 * Memory the kernel had before the device attached: boot memory, which has
 * no memory group.  A block in a group belongs to the driver that added it
 * (virtio-mem, dax/kmem) and is left to that driver.
 */
static int memdev_bind_boot_block(struct memory_block *mem, void *arg)
{
	return mem->group ? 0 : memdev_bind_block(mem, arg);
}

static void memdev_unbind(struct memdev *md, const struct memdev_range *r)
{
	memdev_walk(r, md->adev, memdev_unbind_block);
}

/* ------------------------------------------------------------------------
 * Adding and removing the memory of a range
 */

/* device_offline() returns 1 for a block that is offline already. */
static int memdev_offline_block(struct memory_block *mem, void *unused)
{
	return min(device_offline(&mem->dev), 0);
}

/*
 * Remove a range just added.  Auto-onlining may have onlined its blocks,
 * and only offline blocks can be removed, so they are offlined first; a
 * block that refuses (kernel memory landed in it already) keeps the range.
 */
static int memdev_take_back(const struct memdev_range *r)
{
	int ret = walk_memory_blocks(r->start, r->size, NULL,
				     memdev_offline_block);

	if (!ret)
		__remove_memory(r->start, r->size);
	return ret;
}

/*
 * Bind a range the device just added.  An unbound block would stay online
 * through an eject, so a range that cannot be bound completely is taken
 * back.  If it is in use already it stays added, bound as far as it can
 * be, and detach removes it.
 */
static int memdev_bind_added(struct memdev *md, struct memdev_range *r)
{
	struct memdev_binding b;
	int err, ret;

	r->use = MEMDEV_ADDED;
	err = memdev_bind(md, r, &b);
	if (!err)
		return 0;
	memdev_unbind(md, r);
	ret = memdev_take_back(r);
	if (!ret) {
		r->use = MEMDEV_UNUSED;
		return err;
	}
	memdev_bind(md, r, &b);
	dev_warn(&md->adev->dev,
		 "memory range [%#llx-%#llx] is in use and stays, %u of %llu blocks bound\n",
		 r->start, r->start + r->size - 1, b.bound,
		 r->size / memory_block_size_bytes());
	return 0;
}

/*
 * Bind a range the kernel has, in whole or in part, already: every block
 * of it that exists, so that an eject offlines them before _EJ0.  The
 * device did not add them, but detach removes them all the same.
 */
static int memdev_bind_present(struct memdev *md, struct memdev_range *r)
{
	struct memdev_binding b;

	r->use = MEMDEV_BOUND;
	b = (struct memdev_binding){ .adev = md->adev };
	memdev_walk_down(r, &b, memdev_bind_boot_block);
	if (!b.bound) {
		/* claimed, but not by memory blocks (or not ours to bind) */
		r->use = MEMDEV_UNUSED;
		return b.err ? b.err : -EEXIST;
	}
	dev_dbg(&md->adev->dev, "memory range [%#llx-%#llx] present already: %u blocks bound\n",
		r->fw_start, r->fw_start + r->fw_size - 1, b.bound);
	return 0;
}

/* Add the range, or bind it where the kernel has it already. */
static int memdev_claim_range(struct memdev *md, struct memdev_range *r)
{
	int ret = __add_memory(md->mgid, r->start, r->size,
			       MHP_NID_IS_MGID | MHP_MEMMAP_ON_MEMORY);

	if (ret == -EEXIST)
		return memdev_bind_present(md, r);
	if (ret)
		return ret;
	return memdev_bind_added(md, r);
}

static noinline int memdev_use_range(struct memdev *md, struct memdev_range *r)
{
	int ret = memdev_claim_range(md, r);

	if (ret)
		dev_err(&md->adev->dev, "memory range [%#llx-%#llx] not used: %d\n",
			r->start, r->start + r->size - 1, ret);
	return ret;
}
ALLOW_ERROR_INJECTION(memdev_use_range, ERRNO);

/*
 * The blocks of a range that detach removes, and a run of them without a
 * gap: [start, start + size).
 */
struct memdev_run {
	struct acpi_device *owner;	/* only blocks bound to it; NULL: all */
	unsigned int online;		/* of those blocks, online ones */
	u64 start;
	u64 size;
};

static bool memdev_run_takes(const struct memdev_run *run,
			     struct memory_block *mem)
{
	return !run->owner || ACPI_COMPANION(&mem->dev) == run->owner;
}

static int memdev_count_online(struct memory_block *mem, void *arg)
{
	struct memdev_run *run = arg;

	if (memdev_run_takes(run, mem) && mem->state != MEM_OFFLINE)
		run->online++;
	return 0;
}

static int memdev_extend_run(struct memory_block *mem, void *arg)
{
	struct memdev_run *run = arg;
	u64 start = PFN_PHYS(section_nr_to_pfn(mem->start_section_nr));

	if (!memdev_run_takes(run, mem))
		return run->size ? 1 : 0;	/* skipped; ends a run */
	if (!run->size)
		run->start = start;
	else if (run->start + run->size != start)
		return 1;	/* a gap: the run ends before this block */
	run->size += memory_block_size_bytes();
	return 0;
}

/*
 * Unbind a range and remove its memory, in runs of blocks that still exist
 * (a block removed behind the device's back holds up nothing else; the
 * removal refuses a range that is not wholly present).  An added range
 * loses every block left of it, a bound one exactly the blocks bound to
 * the device.  While one of them is online (a surprise removal, a block
 * that could not be bound) the range is only unbound.  A range left in
 * place keeps its memory group.
 */
static void memdev_remove(struct memdev *md, const struct memdev_range *r)
{
	struct memdev_run run = { };
	u64 addr, end;

	if (r->use == MEMDEV_BOUND)
		run.owner = md->adev;
	memdev_span(r, &addr, &end);
	memdev_walk(r, &run, memdev_count_online);
	if (run.online) {
		dev_warn(&md->adev->dev, "memory range [%#llx-%#llx] left in place: %u blocks online\n",
			 addr, end - 1, run.online);
		memdev_unbind(md, r);
		return;
	}
	while (addr < end) {
		run.start = 0;
		run.size = 0;
		walk_memory_blocks(addr, end - addr, &run, memdev_extend_run);
		if (!run.size)
			break;
		if (r->use == MEMDEV_ADDED &&
		    (run.start != addr || run.start + run.size != end))
			dev_warn(&md->adev->dev, "memory range [%#llx-%#llx] lost blocks; removing [%#llx-%#llx]\n",
				 r->start, end - 1, run.start,
				 run.start + run.size - 1);
		walk_memory_blocks(run.start, run.size, md->adev,
				   memdev_unbind_block);
		__remove_memory(run.start, run.size);
		addr = run.start + run.size;
	}
}

/* ------------------------------------------------------------------------
 * attach and detach
 */

static u64 memdev_total(const struct memdev *md)
{
	u64 total = 0;
	unsigned int i;

	for (i = 0; i < md->nr; i++)
		total += md->range[i].size;
	return total;
}

/* _PXM of the device or an ancestor; else where its first range lives. */
static int memdev_node(const struct memdev *md)
{
	int nid = acpi_get_node(md->adev->handle);

	if (nid == NUMA_NO_NODE || !node_possible(nid))
		nid = memory_add_physaddr_to_nid(md->range[0].start);
	return nid;
}

static void memdev_release_ranges(struct memdev *md)
{
	unsigned int i;

	for (i = 0; i < md->nr; i++) {
		struct memdev_range *r = &md->range[i];

		if (r->use == MEMDEV_UNUSED)
			continue;
		memdev_remove(md, r);
		r->use = MEMDEV_UNUSED;
	}
}

static void memdev_free(struct memdev *md)
{
	/* a group with memory left in it stays registered: its blocks use it */
	if (md->mgid >= 0 && memory_group_unregister(md->mgid))
		dev_warn(&md->adev->dev, "memory group %d still has memory\n",
			 md->mgid);
	md->adev->driver_data = NULL;
	kfree(md->range);
	kfree(md);
}

/*
 * Add and bind every range: 0 if at least one is in use, else the first
 * range's error; -EINVAL for a device without a usable range, or the
 * error of registering the device's memory group.
 */
static noinline int memdev_enable(struct memdev *md)
{
	unsigned int i, used = 0;
	int nid, ret, first_err = 0;

	if (!md->nr) {
		dev_err(&md->adev->dev, "no usable memory range\n");
		return -EINVAL;
	}
	nid = memdev_node(md);
	md->mgid = memory_group_register_static(nid, PHYS_PFN(memdev_total(md)));
	if (md->mgid < 0)
		return md->mgid;
	/* its blocks link to this device (the group is put with md) */
	ret = memory_group_set_provider(md->mgid, &md->adev->dev);
	if (ret)
		return ret;
	/*
	 * From the top range down, as each range binds its blocks: an eject
	 * offlines the device's blocks in the order they were bound.
	 */
	for (i = md->nr; i-- > 0; ) {
		ret = memdev_use_range(md, &md->range[i]);
		if (!ret)
			used++;
		else
			first_err = ret;	/* the lowest range's wins */
	}
	if (!used) {
		dev_err(&md->adev->dev, "none of its memory could be added\n");
		return first_err;
	}
	dev_dbg(&md->adev->dev, "%u of %u range(s), %llu MiB, node %d\n",
		used, md->nr, memdev_total(md) >> 20, nid);
	return 0;
}
ALLOW_ERROR_INJECTION(memdev_enable, ERRNO);

static bool memdev_present(struct acpi_device *adev)
{
	unsigned long long sta;

	if (ACPI_FAILURE(acpi_evaluate_integer(adev->handle, METHOD_NAME__STA,
					       NULL, &sta)))
		return false;
	return (sta & ACPI_STA_DEVICE_PRESENT) &&
	       (sta & ACPI_STA_DEVICE_ENABLED) &&
	       (sta & ACPI_STA_DEVICE_FUNCTIONING);
}

/* Return: 1 when bound, 0 when the device is not (yet) usable, or -errno. */
static int memdev_attach(struct acpi_device *adev,
			 const struct acpi_device_id *unused)
{
	struct memdev *md = kzalloc(sizeof(*md), GFP_KERNEL);
	int ret;

	if (!md)
		return -ENOMEM;
	md->adev = adev;
	md->mgid = -1;
	adev->driver_data = md;
	strscpy(acpi_device_name(adev), "Hotplug Mem Device",
		sizeof(acpi_device_name(adev)));
	strscpy(acpi_device_class(adev), "memory",
		sizeof(acpi_device_class(adev)));

	ret = memdev_read_crs(md);
	if (ret)
		goto free_memdev;
	if (!memdev_present(adev)) {
		/* not usable yet: leave it alone, without an error */
		memdev_free(md);
		return 0;
	}
	ret = memdev_enable(md);
	if (ret)
		goto free_memdev;
	return 1;

free_memdev:
	memdev_free(md);
	dev_err(&adev->dev, "memory device not attached: %d\n", ret);
	return ret;
}

static void memdev_detach(struct acpi_device *adev)
{
	struct memdev *md = acpi_driver_data(adev);

	if (!md)
		return;
	memdev_release_ranges(md);
	memdev_free(md);
}

/* .attach is set at init, unless acpi_no_memhotplug */
static struct acpi_scan_handler memdev_handler = {
	.hotplug.enabled = true,
	.detach = memdev_detach,
	.ids = memdev_ids,
};

static bool memhotplug_disabled __initdata;

static int __init parse_no_memhotplug(char *unused)
{
	memhotplug_disabled = true;
	return 1;
}
__setup("acpi_no_memhotplug", parse_no_memhotplug);

/**
 * acpi_memory_hotplug_init() - register the PNP0C80 scan handler
 *
 * With acpi_no_memhotplug the devices are claimed but never attached, so
 * no other driver binds them.  Otherwise hot-plug is on and can be turned
 * off in /sys/firmware/acpi/hotplug/memory/enabled.
 *
 * Context: Boot, from acpi_scan_init().
 */
void __init acpi_memory_hotplug_init(void)
{
	memdev_handler.attach = memhotplug_disabled ? NULL : memdev_attach;
	if (memhotplug_disabled)
		acpi_scan_add_handler(&memdev_handler);
	else
		acpi_scan_add_handler_with_hotplug(&memdev_handler, "memory");
}

#else /* !CONFIG_ACPI_HOTPLUG_MEMORY */

static struct acpi_scan_handler memdev_handler = {
	.ids = memdev_ids,
};

/* Without hot-plug support PNP0C80 devices are only claimed. */
void __init acpi_memory_hotplug_init(void)
{
	acpi_scan_add_handler(&memdev_handler);
}

#endif /* CONFIG_ACPI_HOTPLUG_MEMORY */
