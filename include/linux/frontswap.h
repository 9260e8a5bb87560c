/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Frontswap: keep copies of swapped-out pages in memory that the kernel
 * does not own (a hypervisor's), so that a swap-in need not read the
 * disk. The swap device is always written too (write-through): a backend
 * may lose or drop any copy at any time, and a miss is never an error.
 * See Documentation/mm/frontswap.rst.
 */
#ifndef _LINUX_FRONTSWAP_H
#define _LINUX_FRONTSWAP_H

#include <linux/swap.h>
#include <linux/types.h>

struct folio;
struct page;

/*
 * A backend's operations, keyed by swap type and page offset. Stores and
 * loads of one offset are serialised by the swap cache's folio lock; an
 * invalidation may come from a context that holds a spinlock.
 */
struct frontswap_ops {
	/* A device was swapped on: 0 if the backend takes its pages. */
	int (*init)(unsigned int type);
	/* 0 if a copy of @page is kept for (@type, @offset). */
	int (*store)(unsigned int type, pgoff_t offset, struct page *page);
	/* 0 if @page was filled with the copy kept for (@type, @offset). */
	int (*load)(unsigned int type, pgoff_t offset, struct page *page);
	/* Drop the copy of (@type, @offset); must not sleep. */
	void (*invalidate_page)(unsigned int type, pgoff_t offset);
	/* Drop every copy of the device; may sleep. */
	void (*invalidate_area)(unsigned int type);
};

#ifdef CONFIG_FRONTSWAP
int frontswap_register_ops(const struct frontswap_ops *ops);
bool frontswap_store(struct folio *folio);
bool frontswap_load(struct folio *folio);
void frontswap_invalidate(swp_entry_t entry);
void frontswap_swapon(unsigned int type, unsigned long nr_pages);
void frontswap_swapoff(unsigned int type);
unsigned long frontswap_stored_pages(void);
unsigned long frontswap_shrink(unsigned long nr);
void frontswap_forget_all(void);
#else
static inline int frontswap_register_ops(const struct frontswap_ops *ops)
{
	return -ENODEV;
}

static inline bool frontswap_store(struct folio *folio)
{
	return false;
}

static inline bool frontswap_load(struct folio *folio)
{
	return false;
}

static inline void frontswap_invalidate(swp_entry_t entry) {}
static inline void frontswap_swapon(unsigned int type, unsigned long nr) {}
static inline void frontswap_swapoff(unsigned int type) {}

static inline unsigned long frontswap_stored_pages(void)
{
	return 0;
}

static inline unsigned long frontswap_shrink(unsigned long nr)
{
	return 0;
}

static inline void frontswap_forget_all(void) {}
#endif

#endif /* _LINUX_FRONTSWAP_H */
