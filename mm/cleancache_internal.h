/* SPDX-License-Identifier: GPL-2.0-only */
/* Cleancache's state, shared with its KUnit test. */
#ifndef _MM_CLEANCACHE_INTERNAL_H
#define _MM_CLEANCACHE_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cleancache.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#define CLEANCACHE_MAX_FS	32

struct cleancache_fs {
	struct super_block *sb;	/* NULL: free slot */
	int poolid;		/* -1: no pool (yet) */
	bool shared;
	uuid_t uuid;
};

/* What /sys/kernel/debug/cleancache/ shows. */
struct cleancache_stats {
	atomic_long_t succ_gets;
	atomic_long_t failed_gets;
	atomic_long_t puts;
	atomic_long_t invalidate_pages;
	atomic_long_t invalidate_inodes;
	atomic_long_t invalidate_fs;
	atomic_long_t pool_resets;
};

extern struct cleancache_fs cleancache_fs[CLEANCACHE_MAX_FS];
extern struct cleancache_stats cleancache_stats;

VISIBLE_IF_KUNIT int cleancache_folio_key(struct address_space *mapping,
					  pgoff_t index,
					  struct cleancache_filekey *key);
#if IS_ENABLED(CONFIG_KUNIT)
const struct cleancache_ops *cleancache_swap_ops(const struct cleancache_ops *ops);
bool cleancache_in_use(void);
void cleancache_set_reset_wq(struct workqueue_struct *wq);
#endif

#endif /* _MM_CLEANCACHE_INTERNAL_H */
