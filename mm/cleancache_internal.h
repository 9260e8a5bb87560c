/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Cleancache internals, shared with its KUnit test: every operation of the
 * core works on a struct cleancache_backend, the registered one or a test's.
 */
#ifndef _MM_CLEANCACHE_INTERNAL_H
#define _MM_CLEANCACHE_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cleancache.h>

/* What /sys/kernel/mm/cleancache/ shows. */
struct cleancache_stats {
	atomic_long_t puts;		/* folios offered to the backend */
	atomic_long_t gets;		/* reads that asked the backend */
	atomic_long_t hits;		/* ... and were served by it */
	atomic_long_t misses;		/* ... and went to the disk */
	atomic_long_t invalidate_pages;	/* single pages invalidated */
	atomic_long_t invalidate_inodes; /* whole files invalidated */
	atomic_long_t invalidate_fs;	/* pools dropped at umount */
	atomic_long_t pools;		/* filesystems given a pool */
	atomic_long_t failed_pools;	/* filesystems the backend refused */
};

struct cleancache_backend {
	const struct cleancache_ops *ops;	/* NULL: none registered */
	struct cleancache_stats stats;
};

#if IS_ENABLED(CONFIG_KUNIT)
int cleancache_key(struct address_space *mapping, pgoff_t index,
		   struct cleancache_filekey *key);
void cleancache_opt_in(struct cleancache_backend *cb, struct super_block *sb,
		       bool shared);
void cleancache_attach_sb(struct super_block *sb, void *backend);
void cleancache_fs_gone(struct cleancache_backend *cb, struct super_block *sb);
int cleancache_do_get(struct cleancache_backend *cb, struct folio *folio);
void cleancache_do_put(struct cleancache_backend *cb, struct folio *folio);
void cleancache_flush_pages(struct cleancache_backend *cb,
			    struct address_space *mapping,
			    pgoff_t start, pgoff_t end);
void cleancache_do_truncate(struct cleancache_backend *cb,
			    struct address_space *mapping,
			    loff_t lstart, loff_t lend);
void cleancache_flush_inode(struct cleancache_backend *cb,
			    struct address_space *mapping);
#endif

#endif /* _MM_CLEANCACHE_INTERNAL_H */
