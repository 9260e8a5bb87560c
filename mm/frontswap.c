// SPDX-License-Identifier: GPL-2.0-only
/*
 * Frontswap: copies of swapped-out pages kept by a backend (Xen's tmem), so
 * that a swap-in finds them without reading the swap device.
 *
 * The swap device is always written as well: frontswap is write-through.
 * A backend's memory may be lost at any time (a guest saved and restored
 * on a host that does not carry its tmem pages, an administrator flushing
 * it, a host that needs the memory back), so a copy here is never the only
 * one, and every miss, lost pool or failed store falls back to the disk.
 * What frontswap saves is the reads, which are what a swapping task waits
 * for; writes were asynchronous anyway.
 *
 * Coherence: a bit per swap slot says that the backend may hold a copy.
 * It is set after a store, and cleared, with the copy dropped, when a
 * store of the slot fails, when the slot is freed (the same places zswap
 * is told), when the backend gives memory back (frontswap_shrink()), and
 * for the whole device at swapoff. A copy is replaced before the new
 * contents reach the disk, so a load never returns older data than the
 * disk's. Stores and loads of one slot are serialised by the swap cache's
 * folio lock; a zero-filled folio is only recorded in the swap device's
 * zeromap, which swap_read_folio() asks first.
 *
 * A device belongs to frontswap or to zswap: one swapped on while a
 * backend is registered is frontswap's, and zswap never sees its pages.
 */
#define pr_fmt(fmt) "frontswap: " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/frontswap.h>
#include <linux/highmem.h>
#include <linux/jump_label.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <kunit/visibility.h>

#include "frontswap_internal.h"

static const struct frontswap_ops *frontswap_ops __read_mostly;
static DEFINE_STATIC_KEY_FALSE(frontswap_enabled);

/* Per swap type; published with RCU, so that swapoff can wait for users. */
static struct frontswap_area __rcu *frontswap_areas[MAX_SWAPFILES];

struct frontswap_stats frontswap_stats;
EXPORT_SYMBOL_IF_KUNIT(frontswap_stats);

/**
 * frontswap_register_ops - install the backend
 * @ops: its operations; there can be only one backend
 *
 * Only devices swapped on from now on use it.
 *
 * Return: 0, or -EBUSY if a backend is already registered.
 */
int frontswap_register_ops(const struct frontswap_ops *ops)
{
	if (cmpxchg(&frontswap_ops, NULL, ops))
		return -EBUSY;
	static_branch_enable(&frontswap_enabled);
	return 0;
}
EXPORT_SYMBOL_GPL(frontswap_register_ops);

static struct frontswap_area *frontswap_area(unsigned int type)
{
	if (!static_branch_unlikely(&frontswap_enabled) || type >= MAX_SWAPFILES)
		return NULL;
	return rcu_dereference(frontswap_areas[type]);
}

/* Forget the copy of one slot, if there may be one. */
static bool frontswap_drop(struct frontswap_area *area, unsigned int type,
			   pgoff_t offset)
{
	if (offset >= area->nr_pages || !test_and_clear_bit(offset, area->map))
		return false;
	area->ops->invalidate_page(type, offset);
	atomic_long_dec(&area->stored);
	atomic_long_inc(&frontswap_stats.invalidates);
	return true;
}

/* The same for every slot of a folio. */
static void frontswap_drop_folio(struct frontswap_area *area, unsigned int type,
				 pgoff_t offset, long nr)
{
	long i;

	for (i = 0; i < nr; i++)
		frontswap_drop(area, type, offset + i);
}

/**
 * frontswap_store - offer a folio that is being swapped out
 * @folio: locked, in the swap cache, about to be written to its slots
 *
 * A copy of an order-0 folio is kept if the backend can; any older copy of
 * the folio's slots is dropped otherwise. Either way the caller writes the
 * folio to the swap device.
 *
 * Return: true if the device is frontswap's (the folio must then not go
 * to zswap), whether a copy was kept or not.
 */
bool frontswap_store(struct folio *folio)
{
	unsigned int type = swp_type(folio->swap);
	pgoff_t offset = swp_offset(folio->swap);
	long nr = folio_nr_pages(folio);
	struct frontswap_area *area;

	rcu_read_lock();
	area = frontswap_area(type);
	if (!area) {
		rcu_read_unlock();
		return false;
	}
	if (nr == 1 && offset < area->nr_pages) {
		atomic_long_inc(&frontswap_stats.stores);
		if (!area->ops->store(type, offset, folio_page(folio, 0))) {
			if (!test_and_set_bit(offset, area->map))
				atomic_long_inc(&area->stored);
			rcu_read_unlock();
			return true;
		}
		atomic_long_inc(&frontswap_stats.failed_stores);
	}
	frontswap_drop_folio(area, type, offset, nr);
	rcu_read_unlock();
	return true;
}

/**
 * frontswap_load - fill a folio that is being swapped in from its copy
 * @folio: locked, not uptodate, with its swap entry set
 *
 * The copy stays with the backend: if the folio is reclaimed again while
 * still clean, nothing is written and the copy still matches the slot.
 * Large folios are read from the disk, their copies dropped.
 *
 * Return: true if the folio was filled and marked uptodate.
 */
bool frontswap_load(struct folio *folio)
{
	unsigned int type = swp_type(folio->swap);
	pgoff_t offset = swp_offset(folio->swap);
	long nr = folio_nr_pages(folio);
	struct frontswap_area *area;
	bool hit = false;

	rcu_read_lock();
	area = frontswap_area(type);
	if (!area || offset >= area->nr_pages)
		goto out;
	if (nr > 1) {
		frontswap_drop_folio(area, type, offset, nr);
		goto out;
	}
	if (!test_bit(offset, area->map))
		goto out;
	atomic_long_inc(&frontswap_stats.loads);
	if (area->ops->load(type, offset, folio_page(folio, 0))) {
		/* Lost by the backend: the disk has it. */
		frontswap_drop(area, type, offset);
		goto out;
	}
	atomic_long_inc(&frontswap_stats.succ_loads);
	folio_mark_uptodate(folio);
	hit = true;
out:
	rcu_read_unlock();
	return hit;
}

/**
 * frontswap_invalidate - a swap slot was freed
 * @entry: the slot
 *
 * Context: may hold spinlocks; does not sleep.
 */
void frontswap_invalidate(swp_entry_t entry)
{
	struct frontswap_area *area;

	rcu_read_lock();
	area = frontswap_area(swp_type(entry));
	if (area)
		frontswap_drop(area, swp_type(entry), swp_offset(entry));
	rcu_read_unlock();
}

/**
 * frontswap_swapon - a swap device is being enabled
 * @type: its swap type
 * @nr_pages: its number of slots
 *
 * The device is frontswap's if a backend is registered and takes it;
 * otherwise it is simply written to, as without frontswap.
 */
void frontswap_swapon(unsigned int type, unsigned long nr_pages)
{
	frontswap_swapon_ops(type, nr_pages, READ_ONCE(frontswap_ops));
}

/*
 * The device keeps the backend it was swapped on with: a KUnit test can
 * swap on a device of its own with its own backend, and nothing else
 * sees it.
 */
VISIBLE_IF_KUNIT void frontswap_swapon_ops(unsigned int type,
					   unsigned long nr_pages,
					   const struct frontswap_ops *ops)
{
	struct frontswap_area *area;

	if (!ops || type >= MAX_SWAPFILES)
		return;
	static_branch_enable(&frontswap_enabled);
	area = kzalloc(sizeof(*area), GFP_KERNEL);
	if (!area)
		goto nomem;
	area->map = kvcalloc(BITS_TO_LONGS(nr_pages), sizeof(long), GFP_KERNEL);
	if (!area->map)
		goto nomem;
	area->nr_pages = nr_pages;
	area->ops = ops;
	if (ops->init(type)) {
		pr_info("no backend pool for swap type %u: not used\n", type);
		goto free;
	}
	rcu_assign_pointer(frontswap_areas[type], area);
	return;
nomem:
	pr_warn("no memory for swap type %u: not used\n", type);
free:
	if (area)
		kvfree(area->map);
	kfree(area);
}
EXPORT_SYMBOL_IF_KUNIT(frontswap_swapon_ops);

/**
 * frontswap_swapoff - a swap device was disabled
 * @type: its swap type
 *
 * Every slot was freed already; the backend drops whatever is left.
 */
void frontswap_swapoff(unsigned int type)
{
	struct frontswap_area *area;

	if (type >= MAX_SWAPFILES)
		return;
	area = rcu_replace_pointer(frontswap_areas[type], NULL, true);
	if (!area)
		return;
	synchronize_rcu();
	area->ops->invalidate_area(type);
	kvfree(area->map);
	kfree(area);
}

/**
 * frontswap_stored_pages - the number of copies the backend may hold
 */
unsigned long frontswap_stored_pages(void)
{
	struct frontswap_area *area;
	unsigned long n = 0;
	unsigned int type;

	rcu_read_lock();
	for (type = 0; type < MAX_SWAPFILES; type++) {
		area = frontswap_area(type);
		if (area)
			n += atomic_long_read(&area->stored);
	}
	rcu_read_unlock();
	return n;
}
EXPORT_SYMBOL_GPL(frontswap_stored_pages);

/* Copies dropped under one RCU read section, between reschedules. */
#define FRONTSWAP_SHRINK_BATCH	256

/* Up to @nr of one device's copies, from its cursor on, round once. */
static unsigned long frontswap_shrink_area(unsigned int type,
					   unsigned long nr)
{
	struct frontswap_area *area;
	unsigned long done = 0, batch;
	bool wrapped = false;
	pgoff_t offset;

	do {
		batch = 0;
		rcu_read_lock();
		area = frontswap_area(type);
		if (!area) {
			rcu_read_unlock();
			break;
		}
		offset = READ_ONCE(area->cursor);
		while (done < nr && batch < FRONTSWAP_SHRINK_BATCH) {
			offset = find_next_bit(area->map, area->nr_pages, offset);
			if (offset >= area->nr_pages) {
				if (wrapped)
					break;
				wrapped = true;
				offset = 0;
				continue;
			}
			if (frontswap_drop(area, type, offset))
				done++;
			batch++;
			offset++;
		}
		WRITE_ONCE(area->cursor, offset < area->nr_pages ? offset : 0);
		rcu_read_unlock();
		cond_resched();
	} while (done < nr && batch == FRONTSWAP_SHRINK_BATCH);
	return done;
}

/**
 * frontswap_shrink - give up to @nr copies back to the backend
 * @nr: how many
 *
 * For a guest that needs the memory its copies are charged to: the disk
 * has every page, so a slot whose copy is dropped is read from there.
 * Each device's slots go in turn, from a cursor that moves on from call
 * to call.
 *
 * Context: process context; may sleep.
 * Return: the number of copies dropped.
 */
unsigned long frontswap_shrink(unsigned long nr)
{
	unsigned long done = 0;
	unsigned int type;

	for (type = 0; type < MAX_SWAPFILES && done < nr; type++)
		done += frontswap_shrink_area(type, nr - done);
	atomic_long_add(done, &frontswap_stats.shrunk);
	return done;
}
EXPORT_SYMBOL_GPL(frontswap_shrink);

/**
 * frontswap_forget_all - the backend lost every copy
 *
 * After a guest was restored, its pools are new and empty: the bits say
 * nothing any more. Stores racing with this either fail (the backend has
 * no pool yet) or are for the new pools and set their bits afterwards.
 *
 * Context: any; does not sleep.
 */
void frontswap_forget_all(void)
{
	struct frontswap_area *area;
	unsigned long i, old;
	unsigned int type;

	rcu_read_lock();
	for (type = 0; type < MAX_SWAPFILES; type++) {
		area = frontswap_area(type);
		if (!area)
			continue;
		for (i = 0; i < BITS_TO_LONGS(area->nr_pages); i++) {
			old = xchg(&area->map[i], 0);
			atomic_long_sub(hweight_long(old), &area->stored);
		}
	}
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(frontswap_forget_all);

static int frontswap_stat_get(void *data, u64 *val)
{
	*val = atomic_long_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(frontswap_stat_fops, frontswap_stat_get, NULL, "%llu\n");

static int frontswap_stored_get(void *data, u64 *val)
{
	*val = frontswap_stored_pages();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(frontswap_stored_fops, frontswap_stored_get, NULL,
			 "%llu\n");

static int __init frontswap_debugfs_init(void)
{
	static const struct {
		const char *name;
		atomic_long_t *counter;
	} files[] = {
		{ "stores", &frontswap_stats.stores },
		{ "failed_stores", &frontswap_stats.failed_stores },
		{ "loads", &frontswap_stats.loads },
		{ "succ_loads", &frontswap_stats.succ_loads },
		{ "invalidates", &frontswap_stats.invalidates },
		{ "shrunk", &frontswap_stats.shrunk },
	};
	struct dentry *dir = debugfs_create_dir("frontswap", NULL);
	int i;

	for (i = 0; i < ARRAY_SIZE(files); i++)
		debugfs_create_file_unsafe(files[i].name, 0444, dir,
					   files[i].counter,
					   &frontswap_stat_fops);
	debugfs_create_file_unsafe("stored_pages", 0444, dir, NULL,
				   &frontswap_stored_fops);
	return 0;
}
late_initcall(frontswap_debugfs_init);
