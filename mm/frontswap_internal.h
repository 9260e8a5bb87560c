/* SPDX-License-Identifier: GPL-2.0-only */
/* Frontswap's state, shared with its KUnit test. */
#ifndef _MM_FRONTSWAP_INTERNAL_H
#define _MM_FRONTSWAP_INTERNAL_H

#include <linux/atomic.h>
#include <linux/frontswap.h>
#include <kunit/visibility.h>

/* A swap device that is frontswap's. */
struct frontswap_area {
	unsigned long *map;	/* a bit per slot: the backend may have a copy */
	unsigned long nr_pages;
	atomic_long_t stored;	/* bits set in map */
	pgoff_t cursor;		/* where frontswap_shrink() goes on */
	const struct frontswap_ops *ops;
};

/* What /sys/kernel/debug/frontswap/ shows. */
struct frontswap_stats {
	atomic_long_t stores;
	atomic_long_t failed_stores;
	atomic_long_t loads;
	atomic_long_t succ_loads;
	atomic_long_t invalidates;
	atomic_long_t shrunk;
};

extern struct frontswap_stats frontswap_stats;

VISIBLE_IF_KUNIT void frontswap_swapon_ops(unsigned int type,
					   unsigned long nr_pages,
					   const struct frontswap_ops *ops);

#endif /* _MM_FRONTSWAP_INTERNAL_H */
