// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cleancache: a second chance for clean page-cache folios.
 *
 * The page cache calls in here when a folio leaves it (put, or invalidate
 * when the folio is not a clean copy of the disk), when a folio is about to
 * be read (get), and when a file's or a filesystem's data changes or goes
 * away (invalidate). Only filesystems that opted in with cleancache_init_fs()
 * take part; each gets a pool from the backend, possibly later, when the
 * backend registers. Only order-0 folios are cached: a large folio leaving
 * the cache invalidates its pages instead.
 */
#include <linux/cleancache.h>
#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <kunit/visibility.h>

#include "cleancache_internal.h"

static const struct cleancache_ops *cleancache_ops __read_mostly;

/* On once a backend registers: until then each hook is one branch. */
DEFINE_STATIC_KEY_FALSE(cleancache_enabled);
EXPORT_SYMBOL_GPL(cleancache_enabled);

/*
 * The filesystems that opted in and their pools. A slot's sb is set while
 * that filesystem is mounted and never moves, so lookups need no lock:
 * the filesystem cannot be unmounted while one of its folios is in hand.
 * Changes are serialised by cleancache_lock.
 */
struct cleancache_fs cleancache_fs[CLEANCACHE_MAX_FS];
EXPORT_SYMBOL_IF_KUNIT(cleancache_fs);
static DEFINE_MUTEX(cleancache_lock);

struct cleancache_stats cleancache_stats;
EXPORT_SYMBOL_IF_KUNIT(cleancache_stats);

static int cleancache_pool(const struct super_block *sb)
{
	int i;

	if (!sb)
		return -1;
	for (i = 0; i < CLEANCACHE_MAX_FS; i++)
		if (READ_ONCE(cleancache_fs[i].sb) == sb)
			return READ_ONCE(cleancache_fs[i].poolid);
	return -1;
}

/* Ask the backend for a pool for slot @fs (cleancache_lock held). */
static void cleancache_fs_pool(struct cleancache_fs *fs,
			       const struct cleancache_ops *ops)
{
	int pool;

	if (fs->shared)
		pool = ops->init_shared_fs(&fs->uuid, PAGE_SIZE);
	else
		pool = ops->init_fs(PAGE_SIZE);
	WRITE_ONCE(fs->poolid, pool < 0 ? -1 : pool);
}

static void cleancache_add_fs(struct super_block *sb, bool shared)
{
	struct cleancache_fs *fs = NULL;
	int i;

	mutex_lock(&cleancache_lock);
	for (i = 0; i < CLEANCACHE_MAX_FS && !fs; i++)
		if (!cleancache_fs[i].sb)
			fs = &cleancache_fs[i];
	if (!fs) {
		mutex_unlock(&cleancache_lock);
		pr_warn_once("cleancache: more than %d filesystems, %s not cached\n",
			     CLEANCACHE_MAX_FS, sb->s_id);
		return;
	}
	fs->poolid = -1;
	fs->shared = shared;
	uuid_copy(&fs->uuid, &sb->s_uuid);
	if (cleancache_ops)
		cleancache_fs_pool(fs, cleancache_ops);
	WRITE_ONCE(fs->sb, sb);
	mutex_unlock(&cleancache_lock);
}

/**
 * cleancache_init_fs - let a filesystem's clean folios be cached
 * @sb: the filesystem, from its fill_super
 */
void cleancache_init_fs(struct super_block *sb)
{
	cleancache_add_fs(sb, false);
}
EXPORT_SYMBOL_GPL(cleancache_init_fs);

/**
 * cleancache_init_shared_fs - the same, in a pool shared by its uuid
 * @sb: the filesystem, with s_uuid set
 *
 * For cluster filesystems whose nodes, in several guests, see the same
 * data: a backend may then share one pool between them.
 */
void cleancache_init_shared_fs(struct super_block *sb)
{
	cleancache_add_fs(sb, true);
}
EXPORT_SYMBOL_GPL(cleancache_init_shared_fs);

/**
 * cleancache_invalidate_fs - forget a filesystem at umount
 * @sb: the filesystem
 */
void cleancache_invalidate_fs(struct super_block *sb)
{
	int i;

	mutex_lock(&cleancache_lock);
	for (i = 0; i < CLEANCACHE_MAX_FS; i++) {
		struct cleancache_fs *fs = &cleancache_fs[i];

		if (fs->sb != sb)
			continue;
		if (fs->poolid >= 0 && cleancache_ops) {
			cleancache_ops->invalidate_fs(fs->poolid);
			atomic_long_inc(&cleancache_stats.invalidate_fs);
		}
		WRITE_ONCE(fs->sb, NULL);
		fs->poolid = -1;
	}
	mutex_unlock(&cleancache_lock);
}
EXPORT_SYMBOL_GPL(cleancache_invalidate_fs);

/**
 * cleancache_register_ops - install the backend
 * @ops: its operations; there can be only one backend
 *
 * Filesystems mounted before get their pools now.
 *
 * Return: 0, or -EBUSY if a backend is already registered.
 */
int cleancache_register_ops(const struct cleancache_ops *ops)
{
	int i;

	mutex_lock(&cleancache_lock);
	if (cleancache_ops) {
		mutex_unlock(&cleancache_lock);
		return -EBUSY;
	}
	for (i = 0; i < CLEANCACHE_MAX_FS; i++)
		if (cleancache_fs[i].sb)
			cleancache_fs_pool(&cleancache_fs[i], ops);
	WRITE_ONCE(cleancache_ops, ops);
	mutex_unlock(&cleancache_lock);
	static_branch_enable(&cleancache_enabled);
	return 0;
}
EXPORT_SYMBOL_GPL(cleancache_register_ops);

/*
 * The pool and key of a folio, or -1 when it is not to be cached: its
 * filesystem has no pool, its index does not fit the backends' 32 bits,
 * or its contents are not what the disk holds in clear (encrypted or
 * verity-checked files).
 */
VISIBLE_IF_KUNIT int cleancache_folio_key(struct address_space *mapping,
					  pgoff_t index,
					  struct cleancache_filekey *key)
{
	struct inode *inode = mapping->host;
	int pool;

	if (!inode || index > U32_MAX || IS_ENCRYPTED(inode) ||
	    IS_VERITY(inode))
		return -1;
	pool = cleancache_pool(inode->i_sb);
	if (pool < 0)
		return -1;
	key->ino = inode->i_ino;
	key->generation = inode->i_generation;
	return pool;
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_folio_key);

int __cleancache_get_folio(struct folio *folio)
{
	const struct cleancache_ops *ops = READ_ONCE(cleancache_ops);
	struct cleancache_filekey key;
	int pool, ret;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	if (!ops || folio_test_large(folio))
		return -ENODATA;
	pool = cleancache_folio_key(folio->mapping, folio->index, &key);
	if (pool < 0)
		return -ENODATA;
	ret = ops->get_page(pool, &key, folio->index, &folio->page);
	if (ret) {
		atomic_long_inc(&cleancache_stats.failed_gets);
		return -ENODATA;
	}
	atomic_long_inc(&cleancache_stats.succ_gets);
	return 0;
}
EXPORT_SYMBOL_GPL(__cleancache_get_folio);

void __cleancache_put_folio(struct folio *folio)
{
	const struct cleancache_ops *ops = READ_ONCE(cleancache_ops);
	struct address_space *mapping = folio->mapping;
	struct cleancache_filekey key;
	int pool;

	if (!ops)
		return;
	/* Only a clean copy of what is on disk may be kept. */
	if (folio_test_large(folio) || !folio_test_uptodate(folio) ||
	    !folio_test_mappedtodisk(folio) || folio_test_dirty(folio)) {
		__cleancache_invalidate_folio(mapping, folio);
		return;
	}
	pool = cleancache_folio_key(mapping, folio->index, &key);
	if (pool < 0)
		return;
	ops->put_page(pool, &key, folio->index, &folio->page);
	atomic_long_inc(&cleancache_stats.puts);
}
EXPORT_SYMBOL_GPL(__cleancache_put_folio);

void __cleancache_invalidate_folio(struct address_space *mapping,
				   struct folio *folio)
{
	const struct cleancache_ops *ops = READ_ONCE(cleancache_ops);
	struct cleancache_filekey key;
	long i, n = folio_nr_pages(folio);
	int pool;

	if (!ops)
		return;
	for (i = 0; i < n; i++) {
		pool = cleancache_folio_key(mapping, folio->index + i, &key);
		if (pool < 0)
			return;
		ops->invalidate_page(pool, &key, folio->index + i);
		atomic_long_inc(&cleancache_stats.invalidate_pages);
	}
}
EXPORT_SYMBOL_GPL(__cleancache_invalidate_folio);

void __cleancache_invalidate_inode(struct address_space *mapping)
{
	const struct cleancache_ops *ops = READ_ONCE(cleancache_ops);
	struct cleancache_filekey key;
	int pool;

	if (!ops)
		return;
	pool = cleancache_folio_key(mapping, 0, &key);
	if (pool < 0)
		return;
	ops->invalidate_inode(pool, &key);
	atomic_long_inc(&cleancache_stats.invalidate_inodes);
}
EXPORT_SYMBOL_GPL(__cleancache_invalidate_inode);

#ifdef CONFIG_KUNIT
/* Let a test run the hooks against its own backend, then put ours back. */
const struct cleancache_ops *cleancache_swap_ops(const struct cleancache_ops *ops)
{
	const struct cleancache_ops *old;

	int i;

	mutex_lock(&cleancache_lock);
	old = cleancache_ops;
	if (ops)
		for (i = 0; i < CLEANCACHE_MAX_FS; i++)
			if (cleancache_fs[i].sb && cleancache_fs[i].poolid < 0)
				cleancache_fs_pool(&cleancache_fs[i], ops);
	WRITE_ONCE(cleancache_ops, ops);
	mutex_unlock(&cleancache_lock);
	if (ops)
		static_branch_enable(&cleancache_enabled);
	return old;
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_swap_ops);
#endif

static int cleancache_stat_get(void *data, u64 *val)
{
	*val = atomic_long_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(cleancache_stat_fops, cleancache_stat_get, NULL,
			 "%llu\n");

static int __init cleancache_debugfs_init(void)
{
	static const struct {
		const char *name;
		atomic_long_t *counter;
	} files[] = {
		{ "succ_gets", &cleancache_stats.succ_gets },
		{ "failed_gets", &cleancache_stats.failed_gets },
		{ "puts", &cleancache_stats.puts },
		{ "invalidate_pages", &cleancache_stats.invalidate_pages },
		{ "invalidate_inodes", &cleancache_stats.invalidate_inodes },
		{ "invalidate_fs", &cleancache_stats.invalidate_fs },
	};
	struct dentry *dir = debugfs_create_dir("cleancache", NULL);
	int i;

	for (i = 0; i < ARRAY_SIZE(files); i++)
		debugfs_create_file_unsafe(files[i].name, 0444, dir,
					   files[i].counter,
					   &cleancache_stat_fops);
	return 0;
}
late_initcall(cleancache_debugfs_init);
