// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI memory devices (PNP0C80): hot-add and eject of firmware-described
 * memory (memhp).
 *
 * Copyright (C) 2026 The memhp authors
 */

/**
 * DOC: PNP0C80 memory devices
 *
 * The ACPI scan core calls memdev_attach() for every PNP0C80 device it
 * finds, at boot and on a firmware Device Check (QEMU device_add pc-dimm),
 * and memdev_detach() when the device goes (eject).  Before a detach the
 * core offlines every memory block bound to the device (its
 * physical_node links) and gives up with -EBUSY - the device stays, the
 * blocks are onlined again - if one refuses; that is why every block of an
 * added range must be bound.
 *
 * attach
 *	1. _CRS: every memory range, merged when contiguous with the same
 *	   attributes, sorted.  Firmware mistakes are reported and the
 *	   offending range is dropped, not the device: a range that overlaps
 *	   another of the device, an empty range, and the parts of a range
 *	   outside whole memory blocks (hot-plug works in blocks; the aligned
 *	   middle is still used).
 *	2. _STA must say present, enabled and functioning, else the device is
 *	   left alone (not an error: its memory may come later).
 *	3. the node from _PXM (on the device or an ancestor), else from the
 *	   address; one static memory group for the whole device, so
 *	   online_policy=auto-movable judges the DIMM as a whole.
 *	4. each range is added (memmap_on_memory where enabled) and its blocks
 *	   are bound to the device.  A range the kernel already has (-EEXIST:
 *	   described by the memory map at boot) is only bound.  A range that
 *	   fails is logged and skipped; a device none of whose ranges could be
 *	   used fails to attach, with nothing left behind.
 * detach
 *	every range is unbound and removed; the group goes last.
 *
 * Context: the scan core calls both under the device hotplug lock and
 * acpi_scan_lock, so the __-prefixed memory hotplug calls are used.
 */

#define pr_fmt(fmt) "memhp-acpi: " fmt

#include <linux/acpi.h>
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

/* One memory range of a device, as it is used (whole blocks). */
struct memdev_range {
	u64 start;
	u64 size;
	u16 caching;		/* _CRS attributes, for merging */
	u16 write_protect;
	bool in_use;		/* added (or already present) and bound */
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

/* Trim @r to whole memory blocks; false when nothing is left. */
static bool memdev_trim(struct memdev *md, struct memdev_range *r)
{
	u64 block = memory_block_size_bytes();
	u64 start = round_up(r->start, block);
	u64 end = round_down(r->start + r->size, block);

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

		if (i && r->start < r[-1].start + r[-1].size)
			memdev_drop(md, i, "overlaps another range of the device");
		else if (!memdev_trim(md, r))
			memdev_drop(md, i, "holds no whole memory block");
		else
			i++;
	}
}

static int memdev_read_crs(struct memdev *md)
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

/* ------------------------------------------------------------------------
 * Binding memory blocks to the device
 */

static int memdev_bind_block(struct memory_block *mem, void *adev)
{
	return acpi_bind_one(&mem->dev, adev);
}

/* Only our own links: a block may belong to another device. */
static int memdev_unbind_block(struct memory_block *mem, void *adev)
{
	if (ACPI_COMPANION(&mem->dev) == adev)
		acpi_unbind_one(&mem->dev);
	return 0;
}

static void memdev_unbind(struct memdev *md, const struct memdev_range *r)
{
	walk_memory_blocks(r->start, r->size, md->adev, memdev_unbind_block);
}

static int memdev_bind(struct memdev *md, const struct memdev_range *r)
{
	int ret = walk_memory_blocks(r->start, r->size, md->adev,
				     memdev_bind_block);

	if (ret)
		memdev_unbind(md, r);
	return ret;
}

static int memdev_count_block(struct memory_block *mem, void *count)
{
	(*(u64 *)count)++;
	return 0;
}

/* Does the kernel have every block of @r already? */
static bool memdev_all_present(const struct memdev_range *r)
{
	u64 blocks = 0;

	walk_memory_blocks(r->start, r->size, &blocks, memdev_count_block);
	return blocks == r->size / memory_block_size_bytes();
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

static int memdev_add_range(struct memdev *md, struct memdev_range *r)
{
	int ret = __add_memory(md->mgid, r->start, r->size,
			       MHP_NID_IS_MGID | MHP_MEMMAP_ON_MEMORY);
	bool added = !ret;

	/* the kernel has all of it already (boot memory map): bind only */
	if (ret == -EEXIST && memdev_all_present(r))
		ret = 0;
	if (!ret)
		ret = memdev_bind(md, r);
	if (ret) {
		dev_err(&md->adev->dev, "memory range [%#llx-%#llx] not used: %d\n",
			r->start, r->start + r->size - 1, ret);
		if (added)
			__remove_memory(r->start, r->size);
		return ret;
	}
	r->in_use = true;
	return 0;
}

static void memdev_remove_ranges(struct memdev *md)
{
	unsigned int i;

	for (i = 0; i < md->nr; i++) {
		struct memdev_range *r = &md->range[i];

		if (!r->in_use)
			continue;
		memdev_unbind(md, r);
		__remove_memory(r->start, r->size);
		r->in_use = false;
	}
}

static void memdev_free(struct memdev *md)
{
	if (md->mgid >= 0 && memory_group_unregister(md->mgid))
		dev_warn(&md->adev->dev, "memory group %d still has memory\n",
			 md->mgid);
	md->adev->driver_data = NULL;
	kfree(md->range);
	kfree(md);
}

/* Add and bind every range; 0 if at least one is in use. */
static int memdev_enable(struct memdev *md)
{
	unsigned int i, used = 0;
	int nid;

	if (!md->nr) {
		dev_err(&md->adev->dev, "no usable memory range\n");
		return -EINVAL;
	}
	nid = memdev_node(md);
	md->mgid = memory_group_register_static(nid, PHYS_PFN(memdev_total(md)));
	if (md->mgid < 0)
		return md->mgid;
	for (i = 0; i < md->nr; i++)
		used += !memdev_add_range(md, &md->range[i]);
	if (!used) {
		dev_err(&md->adev->dev, "none of its memory could be added\n");
		return -EINVAL;
	}
	dev_dbg(&md->adev->dev, "%u of %u range(s), %llu MiB, node %d\n",
		used, md->nr, memdev_total(md) >> 20, nid);
	return 0;
}

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
	if (!ret && !memdev_present(adev))
		ret = 1;	/* leave it alone, without an error */
	if (!ret)
		ret = memdev_enable(md);
	if (ret) {
		memdev_free(md);
		return ret > 0 ? 0 : ret;
	}
	return 1;
}

static void memdev_detach(struct acpi_device *adev)
{
	struct memdev *md = acpi_driver_data(adev);

	if (!md)
		return;
	memdev_remove_ranges(md);
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
