/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the memory hotplug files that their KUnit suites test from a
 * module: static without CONFIG_KUNIT; with it, global and exported to the
 * EXPORTED_FOR_KUNIT_TESTING namespace (<kunit/visibility.h>).
 */
#ifndef _MM_TESTS_HOTPLUG_KUNIT_HELPERS_H
#define _MM_TESTS_HOTPLUG_KUNIT_HELPERS_H

#if IS_ENABLED(CONFIG_KUNIT)
struct dev_pagemap;
struct vmem_altmap;

/* mm/memory_hotplug_offline.c: the steps of an offline's page scan */
unsigned long chunk_tail(unsigned long pfn, unsigned int order);
unsigned long tail_or_one(unsigned long pfn, unsigned long end);
unsigned long sweep_step(unsigned long span, unsigned long pfn,
			 unsigned long end);

/* mm/sparse_hotplug.c: the subsection map and the memmap of a part */
void subsection_mask(unsigned long *mask, unsigned long pfn, unsigned long nr);
int subsections_claim(unsigned long *map, unsigned long pfn, unsigned long nr);
int subsections_release(unsigned long *map, unsigned long pfn,
			unsigned long nr);
unsigned long part_memmap_pages(unsigned long pfn, unsigned long nr,
				struct vmem_altmap *altmap,
				struct dev_pagemap *pgmap);
bool memmap_releasable(struct mem_section *ms);
void memmap_invalidate(struct mem_section *ms);
bool memmap_invalidated(struct mem_section *ms);
bool memmap_released(struct mem_section *ms);
#endif

#endif /* _MM_TESTS_HOTPLUG_KUNIT_HELPERS_H */
