/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Cleancache: a second chance for clean page-cache folios.
 *
 * When a clean, uptodate folio of a filesystem that opted in is evicted
 * from the page cache, cleancache offers a copy to a backend (memory the
 * kernel does not otherwise have, such as Xen's Transcendent Memory),
 * which may keep it or not. When the folio is read again, the backend is
 * asked before any I/O is issued. Whenever a file's data changes behind
 * the page cache or the file goes away, the backend's copies are
 * invalidated, so that a get never returns stale data.
 *
 * See Documentation/mm/cleancache.rst.
 */
#ifndef _LINUX_CLEANCACHE_H
#define _LINUX_CLEANCACHE_H

#include <linux/fs.h>
#include <linux/jump_label.h>
#include <linux/mm_types.h>
#include <linux/types.h>
#include <linux/uuid.h>

/* Values of sb->cleancache_poolid that are not a backend's pool id. */
#define CLEANCACHE_NO_POOL		(-1)	/* not taking part */
#define CLEANCACHE_NO_BACKEND		(-2)	/* opted in, no backend yet */
#define CLEANCACHE_NO_BACKEND_SHARED	(-3)	/* the same, shared pool */

/* Ranges longer than this are invalidated as a whole file. */
#define CLEANCACHE_RANGE_PAGES		16

/*
 * A file in a pool: the inode number and generation, so that a new file
 * that reuses an inode number is another object.
 */
struct cleancache_filekey {
	u64 ino;
	u32 generation;
};

/**
 * struct cleancache_ops - a cleancache backend
 * @init_fs: create a private pool for a filesystem; return its id (>= 0),
 *	or a negative errno to leave that filesystem out.
 * @init_shared_fs: the same for a pool that several kernels may share,
 *	named by the filesystem's uuid.
 * @get_folio: fill the locked order-0 @folio with the copy of (@key,
 *	@index) and return 0, or return a negative errno on a miss. The
 *	folio is neither marked uptodate nor unlocked.
 * @put_folio: keep a copy of the locked, clean, uptodate order-0 @folio,
 *	or not. A copy held under the same key and index must never be
 *	returned afterwards, whether this one is kept or not.
 * @invalidate_page: forget (@key, @index).
 * @invalidate_inode: forget every page of @key.
 * @invalidate_fs: forget the pool and everything in it.
 *
 * All but the two init ops may be called in atomic context (put_folio with
 * interrupts off): they must not sleep. Page indexes never exceed U32_MAX.
 */
struct cleancache_ops {
	int (*init_fs)(size_t pagesize);
	int (*init_shared_fs)(const uuid_t *uuid, size_t pagesize);
	int (*get_folio)(int pool, const struct cleancache_filekey *key,
			 pgoff_t index, struct folio *folio);
	void (*put_folio)(int pool, const struct cleancache_filekey *key,
			  pgoff_t index, struct folio *folio);
	void (*invalidate_page)(int pool, const struct cleancache_filekey *key,
				pgoff_t index);
	void (*invalidate_inode)(int pool,
				 const struct cleancache_filekey *key);
	void (*invalidate_fs)(int pool);
};

#ifdef CONFIG_CLEANCACHE

DECLARE_STATIC_KEY_FALSE(cleancache_enabled);

int cleancache_register_ops(const struct cleancache_ops *ops);

/* For filesystems: opt in once fill_super has succeeded. */
void cleancache_init_fs(struct super_block *sb);
void cleancache_init_shared_fs(struct super_block *sb);

void __cleancache_invalidate_fs(struct super_block *sb);
int __cleancache_get_folio(struct folio *folio);
void __cleancache_put_folio(struct folio *folio);
void __cleancache_invalidate_folio(struct address_space *mapping,
				   struct folio *folio);
void __cleancache_invalidate_range(struct address_space *mapping,
				   pgoff_t start, pgoff_t end);
void __cleancache_truncate_range(struct address_space *mapping,
				 loff_t lstart, loff_t lend);
void __cleancache_invalidate_inode(struct address_space *mapping);

/* A new superblock takes no part until its filesystem opts in. */
static inline void cleancache_init_sb(struct super_block *sb)
{
	sb->cleancache_poolid = CLEANCACHE_NO_POOL;
}

/* The filesystem is going away (umount): drop its pool. */
static inline void cleancache_invalidate_fs(struct super_block *sb)
{
	if (static_branch_unlikely(&cleancache_enabled))
		__cleancache_invalidate_fs(sb);
}

/**
 * cleancache_get_folio - restore a folio from cleancache
 * @folio: a locked folio, not uptodate, about to be read from the disk
 *
 * Return: 0 if the backend filled the folio (the caller then ends the
 * read as a successful one), or a negative errno: read it from the disk.
 */
static inline int cleancache_get_folio(struct folio *folio)
{
	if (static_branch_unlikely(&cleancache_enabled))
		return __cleancache_get_folio(folio);
	return -ENODATA;
}

/*
 * A locked folio is being evicted from the page cache: the backend may keep
 * a copy if the folio is a clean copy of the disk, and must forget the
 * copy it has otherwise.
 */
static inline void cleancache_put_folio(struct folio *folio)
{
	if (static_branch_unlikely(&cleancache_enabled))
		__cleancache_put_folio(folio);
}

/* The data of @folio's pages is no longer what the backend may hold. */
static inline void cleancache_invalidate_folio(struct address_space *mapping,
					       struct folio *folio)
{
	if (static_branch_unlikely(&cleancache_enabled))
		__cleancache_invalidate_folio(mapping, folio);
}

/* Pages @start to @end (inclusive) changed on disk or went away. */
static inline void cleancache_invalidate_range(struct address_space *mapping,
					       pgoff_t start, pgoff_t end)
{
	if (static_branch_unlikely(&cleancache_enabled))
		__cleancache_invalidate_range(mapping, start, end);
}

/*
 * Bytes @lstart to @lend (inclusive, -1: to the end) are being truncated
 * away or punched out: invalidate the pages holding them, unless @mapping
 * is that of a still linked inode leaving the inode cache, whose data on
 * disk stays what cleancache holds.
 */
static inline void cleancache_truncate_range(struct address_space *mapping,
					     loff_t lstart, loff_t lend)
{
	if (static_branch_unlikely(&cleancache_enabled))
		__cleancache_truncate_range(mapping, lstart, lend);
}

/* The whole file changed or is going away. */
static inline void cleancache_invalidate_inode(struct address_space *mapping)
{
	if (static_branch_unlikely(&cleancache_enabled))
		__cleancache_invalidate_inode(mapping);
}

#else /* !CONFIG_CLEANCACHE */

static inline void cleancache_init_sb(struct super_block *sb) { }
static inline void cleancache_init_fs(struct super_block *sb) { }
static inline void cleancache_init_shared_fs(struct super_block *sb) { }
static inline void cleancache_invalidate_fs(struct super_block *sb) { }

static inline int cleancache_get_folio(struct folio *folio)
{
	return -ENODATA;
}

static inline void cleancache_put_folio(struct folio *folio) { }
static inline void cleancache_invalidate_folio(struct address_space *mapping,
					       struct folio *folio) { }
static inline void cleancache_invalidate_range(struct address_space *mapping,
					       pgoff_t start, pgoff_t end) { }
static inline void cleancache_truncate_range(struct address_space *mapping,
					     loff_t lstart, loff_t lend) { }
static inline void cleancache_invalidate_inode(struct address_space *mapping) { }

#endif /* CONFIG_CLEANCACHE */

#endif /* _LINUX_CLEANCACHE_H */
