// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cleancache: a second chance for clean page-cache folios.
 *
 * Page reclaim (and drop_caches, fadvise, inode reclaim, which all evict
 * through __remove_mapping()) offers each clean folio it evicts to the
 * backend; a filesystem's read path asks the backend for a folio before
 * reading it from the disk; truncation, hole punching, invalidation,
 * direct writes, deletion and umount invalidate what the backend holds.
 *
 * Each filesystem that opts in gets a pool from the backend, kept in
 * sb->cleancache_poolid: at mount, or when the backend registers if it was
 * mounted before. A negative pool id (no backend, or the backend refused)
 * makes every operation on that filesystem a no-op. Only order-0 folios
 * are stored and restored; a large folio leaving the page cache has its
 * pages invalidated instead.
 *
 * The pool id is read under RCU by every operation, and umount clears it
 * and waits for a grace period before the pool is destroyed, so that no
 * operation can reach a pool id that the backend may since have reused.
 */
#include <linux/cleancache.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/sysfs.h>
#include <kunit/visibility.h>

#include "cleancache_internal.h"

/* Flipped on once, when a backend registers: until then a hook is a nop. */
DEFINE_STATIC_KEY_FALSE(cleancache_enabled);
EXPORT_SYMBOL_GPL(cleancache_enabled);

static struct cleancache_backend cleancache_backend;

/*
 * The pool of the file behind @mapping and its key, or a negative value
 * when the page at @index is not to be cached: no pool, an index beyond
 * the backends' 32 bits, or a file whose page cache does not hold what the
 * disk holds (encrypted: it holds the plain text, which must not leave the
 * guest; verity: a restored page would skip verification). The caller
 * holds the RCU read lock.
 */
VISIBLE_IF_KUNIT int cleancache_key(struct address_space *mapping,
				    pgoff_t index,
				    struct cleancache_filekey *key)
{
	struct inode *inode = mapping ? mapping->host : NULL;
	int pool;

	if (!inode || upper_32_bits(index))
		return CLEANCACHE_NO_POOL;
	pool = READ_ONCE(inode->i_sb->cleancache_poolid);
	if (pool < 0 || IS_ENCRYPTED(inode) || IS_VERITY(inode))
		return CLEANCACHE_NO_POOL;
	key->ino = inode->i_ino;
	key->generation = inode->i_generation;
	return pool;
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_key);

static void cleancache_new_pool(struct cleancache_backend *cb,
				const struct cleancache_ops *ops,
				struct super_block *sb, bool shared)
{
	int pool;

	if (shared)
		pool = ops->init_shared_fs(&sb->s_uuid, PAGE_SIZE);
	else
		pool = ops->init_fs(PAGE_SIZE);
	if (pool < 0) {
		atomic_long_inc(&cb->stats.failed_pools);
		pool = CLEANCACHE_NO_POOL;
	} else {
		atomic_long_inc(&cb->stats.pools);
	}
	WRITE_ONCE(sb->cleancache_poolid, pool);
}

/*
 * A filesystem opts in from its fill_super, under s_umount. Without a
 * backend it waits for one: cleancache_register_ops() walks the
 * superblocks, and that walk waits for each to be fully mounted (SB_BORN),
 * so it sees the mark left here.
 */
VISIBLE_IF_KUNIT void cleancache_opt_in(struct cleancache_backend *cb,
					struct super_block *sb, bool shared)
{
	const struct cleancache_ops *ops = smp_load_acquire(&cb->ops);

	if (WARN_ON_ONCE(sb->cleancache_poolid != CLEANCACHE_NO_POOL))
		return;
	if (ops)
		cleancache_new_pool(cb, ops, sb, shared);
	else
		WRITE_ONCE(sb->cleancache_poolid,
			   shared ? CLEANCACHE_NO_BACKEND_SHARED :
				    CLEANCACHE_NO_BACKEND);
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_opt_in);

/* Give a filesystem that opted in before the backend came its pool. */
VISIBLE_IF_KUNIT void cleancache_attach_sb(struct super_block *sb,
					   void *backend)
{
	struct cleancache_backend *cb = backend;
	const struct cleancache_ops *ops = smp_load_acquire(&cb->ops);
	int pool = READ_ONCE(sb->cleancache_poolid);

	if (ops && (pool == CLEANCACHE_NO_BACKEND ||
		    pool == CLEANCACHE_NO_BACKEND_SHARED))
		cleancache_new_pool(cb, ops, sb,
				    pool == CLEANCACHE_NO_BACKEND_SHARED);
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_attach_sb);

/* Umount: the filesystem leaves, and its pool goes. */
VISIBLE_IF_KUNIT void cleancache_fs_gone(struct cleancache_backend *cb,
					 struct super_block *sb)
{
	const struct cleancache_ops *ops = smp_load_acquire(&cb->ops);
	int pool = READ_ONCE(sb->cleancache_poolid);

	WRITE_ONCE(sb->cleancache_poolid, CLEANCACHE_NO_POOL);
	if (pool < 0 || !ops)
		return;
	/* No operation may still be using the pool id when it goes. */
	synchronize_rcu();
	ops->invalidate_fs(pool);
	atomic_long_inc(&cb->stats.invalidate_fs);
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_fs_gone);

VISIBLE_IF_KUNIT int cleancache_do_get(struct cleancache_backend *cb,
				       struct folio *folio)
{
	const struct cleancache_ops *ops;
	struct cleancache_filekey key;
	int pool, ret = -ENODATA;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	if (folio_test_large(folio))
		return -ENODATA;
	rcu_read_lock();
	ops = READ_ONCE(cb->ops);
	pool = cleancache_key(folio->mapping, folio->index, &key);
	if (ops && pool >= 0) {
		atomic_long_inc(&cb->stats.gets);
		if (ops->get_folio(pool, &key, folio->index, folio)) {
			atomic_long_inc(&cb->stats.misses);
		} else {
			atomic_long_inc(&cb->stats.hits);
			ret = 0;
		}
	}
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_do_get);

/*
 * Forget pages @start to @end (inclusive) of @mapping's file: one by one
 * when there are few, else the whole file. Nothing beyond index U32_MAX
 * is ever stored.
 */
VISIBLE_IF_KUNIT void cleancache_flush_pages(struct cleancache_backend *cb,
					     struct address_space *mapping,
					     pgoff_t start, pgoff_t end)
{
	const struct cleancache_ops *ops;
	struct cleancache_filekey key;
	unsigned long n;
	int pool;

	if (upper_32_bits(start) || end < start)
		return;
	if (upper_32_bits(end))
		end = U32_MAX;
	rcu_read_lock();
	ops = READ_ONCE(cb->ops);
	pool = cleancache_key(mapping, start, &key);
	if (!ops || pool < 0)
		goto out;
	if (end - start >= CLEANCACHE_RANGE_PAGES) {
		ops->invalidate_inode(pool, &key);
		atomic_long_inc(&cb->stats.invalidate_inodes);
		goto out;
	}
	for (n = end - start + 1; n; n--, start++) {
		ops->invalidate_page(pool, &key, start);
		atomic_long_inc(&cb->stats.invalidate_pages);
	}
out:
	rcu_read_unlock();
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_flush_pages);

VISIBLE_IF_KUNIT void cleancache_do_put(struct cleancache_backend *cb,
					struct folio *folio)
{
	struct address_space *mapping = folio->mapping;
	const struct cleancache_ops *ops;
	struct cleancache_filekey key;
	int pool;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	/*
	 * Only a clean, uptodate, order-0 copy of what the disk holds may be
	 * kept; for anything else, what the backend holds is out of date.
	 */
	if (folio_test_large(folio) || !folio_test_uptodate(folio) ||
	    !folio_test_mappedtodisk(folio) || folio_test_dirty(folio) ||
	    folio_test_hwpoison(folio)) {
		cleancache_flush_pages(cb, mapping, folio->index,
				       folio->index + folio_nr_pages(folio) - 1);
		return;
	}
	rcu_read_lock();
	ops = READ_ONCE(cb->ops);
	pool = cleancache_key(mapping, folio->index, &key);
	if (ops && pool >= 0) {
		ops->put_folio(pool, &key, folio->index, folio);
		atomic_long_inc(&cb->stats.puts);
	}
	rcu_read_unlock();
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_do_put);

VISIBLE_IF_KUNIT void cleancache_do_truncate(struct cleancache_backend *cb,
					     struct address_space *mapping,
					     loff_t lstart, loff_t lend)
{
	struct inode *inode = mapping->host;

	/*
	 * A linked inode leaving the inode cache keeps its copies: its data
	 * on disk is what they hold, and should its inode number be reused,
	 * the new file has another generation, hence another key.
	 */
	if (mapping_exiting(mapping) && inode && inode->i_nlink)
		return;
	cleancache_flush_pages(cb, mapping, lstart >> PAGE_SHIFT,
			       lend < 0 ? ULONG_MAX : lend >> PAGE_SHIFT);
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_do_truncate);

VISIBLE_IF_KUNIT void cleancache_flush_inode(struct cleancache_backend *cb,
					     struct address_space *mapping)
{
	cleancache_flush_pages(cb, mapping, 0, ULONG_MAX);
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_flush_inode);

/**
 * cleancache_register_ops - install the cleancache backend
 * @ops: its operations
 *
 * There is one backend, and it stays. Filesystems that opted in before
 * get their pools now.
 *
 * Return: 0, or -EBUSY when a backend is already registered.
 */
int cleancache_register_ops(const struct cleancache_ops *ops)
{
	if (cmpxchg(&cleancache_backend.ops, NULL, ops))
		return -EBUSY;
	static_branch_enable(&cleancache_enabled);
	iterate_supers(cleancache_attach_sb, &cleancache_backend);
	return 0;
}
EXPORT_SYMBOL_GPL(cleancache_register_ops);

/**
 * cleancache_init_fs - let a filesystem's clean folios be cached
 * @sb: the filesystem, at the end of a successful fill_super
 */
void cleancache_init_fs(struct super_block *sb)
{
	cleancache_opt_in(&cleancache_backend, sb, false);
}
EXPORT_SYMBOL_GPL(cleancache_init_fs);

/**
 * cleancache_init_shared_fs - the same, in a pool shared by uuid
 * @sb: the filesystem, with its s_uuid set
 *
 * For cluster filesystems whose nodes, in several guests, see the same
 * data, which then invalidate on other nodes' writes themselves.
 */
void cleancache_init_shared_fs(struct super_block *sb)
{
	cleancache_opt_in(&cleancache_backend, sb, true);
}
EXPORT_SYMBOL_GPL(cleancache_init_shared_fs);

void __cleancache_invalidate_fs(struct super_block *sb)
{
	cleancache_fs_gone(&cleancache_backend, sb);
}
EXPORT_SYMBOL_GPL(__cleancache_invalidate_fs);

int __cleancache_get_folio(struct folio *folio)
{
	return cleancache_do_get(&cleancache_backend, folio);
}
EXPORT_SYMBOL_GPL(__cleancache_get_folio);

void __cleancache_put_folio(struct folio *folio)
{
	cleancache_do_put(&cleancache_backend, folio);
}
EXPORT_SYMBOL_GPL(__cleancache_put_folio);

void __cleancache_invalidate_folio(struct address_space *mapping,
				   struct folio *folio)
{
	cleancache_flush_pages(&cleancache_backend, mapping, folio->index,
			       folio->index + folio_nr_pages(folio) - 1);
}
EXPORT_SYMBOL_GPL(__cleancache_invalidate_folio);

void __cleancache_invalidate_range(struct address_space *mapping,
				   pgoff_t start, pgoff_t end)
{
	cleancache_flush_pages(&cleancache_backend, mapping, start, end);
}
EXPORT_SYMBOL_GPL(__cleancache_invalidate_range);

void __cleancache_truncate_range(struct address_space *mapping,
				 loff_t lstart, loff_t lend)
{
	cleancache_do_truncate(&cleancache_backend, mapping, lstart, lend);
}
EXPORT_SYMBOL_GPL(__cleancache_truncate_range);

void __cleancache_invalidate_inode(struct address_space *mapping)
{
	cleancache_flush_inode(&cleancache_backend, mapping);
}
EXPORT_SYMBOL_GPL(__cleancache_invalidate_inode);

#ifdef CONFIG_SYSFS
static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", !!READ_ONCE(cleancache_backend.ops));
}
static struct kobj_attribute enabled_attr = __ATTR_RO(enabled);

#define CLEANCACHE_STAT(_name)						\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%ld\n",					\
		atomic_long_read(&cleancache_backend.stats._name));	\
}									\
static struct kobj_attribute _name##_attr = __ATTR_RO(_name)

CLEANCACHE_STAT(puts);
CLEANCACHE_STAT(gets);
CLEANCACHE_STAT(hits);
CLEANCACHE_STAT(misses);
CLEANCACHE_STAT(invalidate_pages);
CLEANCACHE_STAT(invalidate_inodes);
CLEANCACHE_STAT(invalidate_fs);
CLEANCACHE_STAT(pools);
CLEANCACHE_STAT(failed_pools);

static struct attribute *cleancache_attrs[] = {
	&enabled_attr.attr,
	&puts_attr.attr,
	&gets_attr.attr,
	&hits_attr.attr,
	&misses_attr.attr,
	&invalidate_pages_attr.attr,
	&invalidate_inodes_attr.attr,
	&invalidate_fs_attr.attr,
	&pools_attr.attr,
	&failed_pools_attr.attr,
	NULL,
};

static const struct attribute_group cleancache_attr_group = {
	.attrs = cleancache_attrs,
	.name = "cleancache",
};

static int __init cleancache_sysfs_init(void)
{
	int err = sysfs_create_group(mm_kobj, &cleancache_attr_group);

	if (err)
		pr_warn("cleancache: no sysfs statistics (%d)\n", err);
	return 0;
}
subsys_initcall(cleancache_sysfs_init);
#endif /* CONFIG_SYSFS */
