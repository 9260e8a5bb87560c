/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Cleancache: a second chance for clean page-cache folios.
 *
 * When a clean, uptodate folio of a filesystem that opted in leaves the
 * page cache, cleancache offers it to a backend (a hypervisor's memory,
 * say), which may keep it or not. When the folio is read again, the
 * backend is asked before any I/O is issued. Whenever the data on disk
 * changes or the file goes away, the backend's copy is invalidated, so
 * that a get never returns stale data.
 *
 * See Documentation/mm/cleancache.rst.
 */
#ifndef _LINUX_CLEANCACHE_H
#define _LINUX_CLEANCACHE_H

#include <linux/fs.h>
#include <linux/jump_label.h>
#include <linux/mm_types.h>
#include <linux/uuid.h>

struct cleancache_fs;

/* An object (file) in a backend pool: survives inode number reuse. */
struct cleancache_filekey {
	u64 ino;
	u32 generation;
};

/*
 * A backend's operations. init_fs and init_shared_fs return a pool id
 * (>= 0) or a negative value when the backend will not cache that
 * filesystem. get_page returns 0 when it filled @page, anything else on a
 * miss. All but the init ops may be called with a spinlock held and
 * interrupts off: they must not sleep.
 */
struct cleancache_ops {
	int (*init_fs)(size_t pagesize);
	int (*init_shared_fs)(const uuid_t *uuid, size_t pagesize);
	int (*get_page)(int pool, const struct cleancache_filekey *key,
			pgoff_t index, struct page *page);
	void (*put_page)(int pool, const struct cleancache_filekey *key,
			 pgoff_t index, struct page *page);
	void (*invalidate_page)(int pool, const struct cleancache_filekey *key,
				pgoff_t index);
	void (*invalidate_inode)(int pool,
				 const struct cleancache_filekey *key);
	void (*invalidate_fs)(int pool);
};

#ifdef CONFIG_CLEANCACHE

DECLARE_STATIC_KEY_FALSE(cleancache_enabled);

int cleancache_register_ops(const struct cleancache_ops *ops);

/* For filesystems: opt in at mount, and leave at umount. */
void cleancache_init_fs(struct super_block *sb);
void cleancache_init_shared_fs(struct super_block *sb);
void cleancache_invalidate_fs(struct super_block *sb);

/* For backends whose pool ids no longer hold (e.g. after a restore). */
void cleancache_reset_pools(void);
void cleancache_pools_lost(void);
void cleancache_flush_reset(void);
void cleancache_set_generation(struct inode *inode, u32 generation);

int __cleancache_get_folio(struct folio *folio);
void __cleancache_put_folio(struct folio *folio);
void __cleancache_invalidate_folio(struct address_space *mapping,
				   struct folio *folio);
void __cleancache_invalidate_inode(struct address_space *mapping);
void __cleancache_invalidate_begin(struct address_space *mapping);
void __cleancache_invalidate_end(struct address_space *mapping);

/*
 * Restore a locked folio that is not uptodate from the backend: 0 if it
 * was (the folio is then filled but still locked and not uptodate).
 */
static inline int cleancache_get_folio(struct folio *folio)
{
	if (static_branch_unlikely(&cleancache_enabled))
		return __cleancache_get_folio(folio);
	return -ENODATA;
}

/*
 * A folio is leaving the page cache whose contents are not in doubt: keep
 * a copy if it is clean. Reclaim calls it with the mapping's i_pages lock
 * held; the final truncation of a still-linked inode, with the folio
 * locked and no other user of the mapping left.
 */
static inline void cleancache_put_folio(struct folio *folio)
{
	if (static_branch_unlikely(&cleancache_enabled))
		__cleancache_put_folio(folio);
}

static inline void cleancache_invalidate_folio(struct address_space *mapping,
					       struct folio *folio)
{
	if (static_branch_unlikely(&cleancache_enabled))
		__cleancache_invalidate_folio(mapping, folio);
}

/* The file's data changed or it is going away: forget all of it. */
static inline void cleancache_invalidate_inode(struct address_space *mapping)
{
	if (static_branch_unlikely(&cleancache_enabled))
		__cleancache_invalidate_inode(mapping);
}

/*
 * Bracket the removal of folios whose contents may be out of date (a
 * truncation, the invalidation around a direct write): the file's copies
 * are forgotten at the begin, and no put made before the end can be got.
 */
static inline void cleancache_invalidate_begin(struct address_space *mapping)
{
	/* Counted even before a backend registers: begin and end pair up. */
	__cleancache_invalidate_begin(mapping);
}

static inline void cleancache_invalidate_end(struct address_space *mapping)
{
	__cleancache_invalidate_end(mapping);
}

#else /* !CONFIG_CLEANCACHE */

static inline void cleancache_init_fs(struct super_block *sb) { }
static inline void cleancache_init_shared_fs(struct super_block *sb) { }
static inline void cleancache_invalidate_fs(struct super_block *sb) { }
static inline void cleancache_reset_pools(void) { }
static inline void cleancache_pools_lost(void) { }
static inline void cleancache_flush_reset(void) { }
static inline void cleancache_set_generation(struct inode *inode,
					     u32 generation)
{
	inode->i_generation = generation;
}

static inline int cleancache_get_folio(struct folio *folio)
{
	return -ENODATA;
}

static inline void cleancache_put_folio(struct folio *folio) { }
static inline void cleancache_invalidate_folio(struct address_space *mapping,
					       struct folio *folio) { }
static inline void cleancache_invalidate_inode(struct address_space *mapping) { }
static inline void cleancache_invalidate_begin(struct address_space *mapping) { }
static inline void cleancache_invalidate_end(struct address_space *mapping) { }

#endif /* CONFIG_CLEANCACHE */

#endif /* _LINUX_CLEANCACHE_H */
