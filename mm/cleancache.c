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
 *
 * Coherence rests on three rules (Documentation/mm/cleancache.rst has the
 * list of every path on which a folio leaves the page cache):
 *
 * - only reclaim puts, under the mapping's i_pages lock, and only a folio
 *   that is a clean copy of the disk; every other removal invalidates;
 * - a whole-file invalidation (truncation, direct I/O) is bracketed by
 *   cleancache_invalidate_begin() and _end(): the begin flushes the file,
 *   and a put that overlaps the bracket takes its own copy back before it
 *   drops the i_pages lock, so no old copy can be got once begin returned;
 * - page ops read their pool id under RCU, so that the pool ids can be
 *   replaced (cleancache_reset_pools()) without an op reaching a pool
 *   that now belongs to another filesystem.
 */
#include <linux/cleancache.h>
#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/hash.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "cleancache_internal.h"

static const struct cleancache_ops *cleancache_ops __read_mostly;

/* On once a backend registers: until then each hook is one branch. */
DEFINE_STATIC_KEY_FALSE(cleancache_enabled);
EXPORT_SYMBOL_GPL(cleancache_enabled);

/*
 * The filesystems that opted in and their pools. A mounted filesystem's
 * superblock points at its slot, so that a page op finds its pool without
 * a search; the slot outlives no mount, and the filesystem cannot be
 * unmounted while one of its folios is in hand. Changes are serialised by
 * cleancache_lock; page ops read a slot's pool id under RCU.
 */
struct cleancache_fs cleancache_fs[CLEANCACHE_MAX_FS];
EXPORT_SYMBOL_IF_KUNIT(cleancache_fs);
static DEFINE_MUTEX(cleancache_lock);

struct cleancache_stats cleancache_stats;
EXPORT_SYMBOL_IF_KUNIT(cleancache_stats);

/*
 * Pool ids withdrawn by cleancache_pools_lost() and not yet destroyed, by
 * slot (-1: none); and whether a reset is pending, during which no new
 * pool is created, so that none can be given an id about to be destroyed.
 */
static int cleancache_lost_pools[CLEANCACHE_MAX_FS] = {
	[0 ... CLEANCACHE_MAX_FS - 1] = -1
};

static bool cleancache_reset_pending;

/* Caller holds rcu_read_lock() until its op on the pool is done. */
static int cleancache_pool(const struct super_block *sb)
{
	const struct cleancache_fs *fs;

	if (!sb)
		return -1;
	fs = READ_ONCE(sb->s_cleancache);
	return fs ? READ_ONCE(fs->poolid) : -1;
}

/*
 * Whole-file invalidations in progress, by a hash of the mapping: a put
 * that sees one takes its copy back (a collision costs a put, no more).
 * One cache line each, as every truncation and direct write of an
 * opted-in filesystem, on any CPU, counts in one of them.
 */
#define CLEANCACHE_INVAL_BITS	6
static struct {
	atomic_t count;
} ____cacheline_aligned_in_smp cleancache_invalidating[1 << CLEANCACHE_INVAL_BITS];

static atomic_t *invalidating(const struct address_space *mapping)
{
	return &cleancache_invalidating[hash_ptr(mapping,
						 CLEANCACHE_INVAL_BITS)].count;
}

/*
 * Only files of opted-in filesystems are ever put, so only theirs need
 * counting. A superblock opts in before it has any file and leaves once
 * it has none, so begin and end of one bracket always agree on this.
 */
static bool cleancache_counts(const struct address_space *mapping)
{
	return mapping->host && READ_ONCE(mapping->host->i_sb->s_cleancache);
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
	/* A pending reset gives it a pool, after the old ids are gone. */
	if (cleancache_ops && !READ_ONCE(cleancache_reset_pending))
		cleancache_fs_pool(fs, cleancache_ops);
	fs->sb = sb;
	WRITE_ONCE(sb->s_cleancache, fs);
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
	int i, pool;

	mutex_lock(&cleancache_lock);
	for (i = 0; i < CLEANCACHE_MAX_FS; i++) {
		struct cleancache_fs *fs = &cleancache_fs[i];

		if (fs->sb != sb)
			continue;
		pool = fs->poolid;
		WRITE_ONCE(sb->s_cleancache, NULL);
		WRITE_ONCE(fs->poolid, -1);
		/* No op may reach the id once another filesystem has it. */
		synchronize_rcu();
		if (pool >= 0 && cleancache_ops) {
			cleancache_ops->invalidate_fs(pool);
			atomic_long_inc(&cleancache_stats.invalidate_fs);
		}
		fs->sb = NULL;
	}
	mutex_unlock(&cleancache_lock);
}
EXPORT_SYMBOL_GPL(cleancache_invalidate_fs);

/*
 * Stop page ops from using any pool id, and remember each withdrawn id
 * until it is destroyed (an id withdrawn before and not destroyed yet
 * stays the one remembered). A free slot's pool id means nothing.
 */
static void withdraw_pool_ids(void)
{
	int i, id;

	for (i = 0; i < CLEANCACHE_MAX_FS; i++) {
		if (!READ_ONCE(cleancache_fs[i].sb))
			continue;
		id = READ_ONCE(cleancache_fs[i].poolid);
		if (id >= 0 && READ_ONCE(cleancache_lost_pools[i]) < 0)
			WRITE_ONCE(cleancache_lost_pools[i], id);
		WRITE_ONCE(cleancache_fs[i].poolid, -1);
	}
}

/**
 * cleancache_reset_pools - give every filesystem a new pool
 *
 * For a backend that lost its pools, or whose pool ids may now name other
 * pools: after the guest was saved and restored, or migrated, its host
 * knows none of the ids it handed out. The old ids are withdrawn first and
 * every page op that may still use one is waited for, so that no op can
 * reach the pool another filesystem is given next; then the old pools are
 * destroyed (in case the host kept them, as after a cancelled suspend)
 * and new ones created.
 *
 * Context: process context; may sleep.
 */
void cleancache_reset_pools(void)
{
	const struct cleancache_ops *ops;
	int i, id;

	mutex_lock(&cleancache_lock);
	ops = cleancache_ops;
	withdraw_pool_ids();
	synchronize_rcu();
	for (i = 0; i < CLEANCACHE_MAX_FS; i++) {
		id = xchg(&cleancache_lost_pools[i], -1);
		if (ops && id >= 0)
			ops->invalidate_fs(id);
	}
	WRITE_ONCE(cleancache_reset_pending, false);
	for (i = 0; ops && i < CLEANCACHE_MAX_FS; i++)
		if (cleancache_fs[i].sb)
			cleancache_fs_pool(&cleancache_fs[i], ops);
	mutex_unlock(&cleancache_lock);
	atomic_long_inc(&cleancache_stats.pool_resets);
}
EXPORT_SYMBOL_GPL(cleancache_reset_pools);

static void cleancache_reset_fn(struct work_struct *work)
{
	cleancache_reset_pools();
}

static DECLARE_WORK(cleancache_reset_work, cleancache_reset_fn);

/* Where the reset runs: system_unbound_wq, unless a test holds it back. */
static struct workqueue_struct *cleancache_reset_wq;

/**
 * cleancache_pools_lost - the backend's pool ids no longer hold
 *
 * As cleancache_reset_pools(), for a caller that cannot sleep or wait for
 * RCU (Xen's resume notifier runs with the other CPUs' timers still
 * stopped): every id is withdrawn now, so that page ops stop using them at
 * once, and the rest of the reset runs from a workqueue that is not
 * frozen. Until it has run, filesystems are simply not cached.
 *
 * Context: any; does not sleep. Called with tasks frozen, so no
 * cleancache_lock holder is changing the table meanwhile.
 */
void cleancache_pools_lost(void)
{
	WRITE_ONCE(cleancache_reset_pending, true);
	withdraw_pool_ids();
	queue_work(cleancache_reset_wq ?: system_unbound_wq,
		   &cleancache_reset_work);
}
EXPORT_SYMBOL_GPL(cleancache_pools_lost);

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
 * The pool and key of a folio, or -1 when its file has no pool or its
 * index does not fit the backends' 32 bits. Called under rcu_read_lock().
 */
VISIBLE_IF_KUNIT int cleancache_folio_key(struct address_space *mapping,
					  pgoff_t index,
					  struct cleancache_filekey *key)
{
	struct inode *inode = mapping->host;
	int pool;

	if (!inode || index > U32_MAX)
		return -1;
	pool = cleancache_pool(inode->i_sb);
	if (pool < 0)
		return -1;
	key->ino = inode->i_ino;
	key->generation = inode->i_generation;
	return pool;
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_folio_key);

/*
 * May this file's folios be put and got? Not when its pages are not what
 * the disk holds in clear (encrypted or verity-checked files), when its
 * blocks are written behind the page cache (an active swap file, a DAX
 * file), or when a write to it failed: the disk may then hold older data
 * than a clean folio. Invalidations apply to every file all the same, so
 * that copies made before a file became one of these are still dropped.
 */
static bool cleancache_file_ok(struct address_space *mapping)
{
	struct inode *inode = mapping->host;

	return inode && !IS_ENCRYPTED(inode) && !IS_VERITY(inode) &&
	       !IS_SWAPFILE(inode) && !IS_DAX(inode) &&
	       !READ_ONCE(mapping->wb_err);
}

int __cleancache_get_folio(struct folio *folio)
{
	const struct cleancache_ops *ops = READ_ONCE(cleancache_ops);
	struct cleancache_filekey key;
	int pool, ret;

	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);
	if (!ops || folio_test_large(folio) ||
	    !cleancache_file_ok(folio->mapping))
		return -ENODATA;
	rcu_read_lock();
	pool = cleancache_folio_key(folio->mapping, folio->index, &key);
	ret = pool < 0 ? -ENODATA :
	      ops->get_page(pool, &key, folio->index, &folio->page);
	rcu_read_unlock();
	if (pool < 0)
		return -ENODATA;
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
	atomic_t *inval = invalidating(mapping);
	struct cleancache_filekey key;
	int pool;

	if (!ops)
		return;
	/* Only a clean copy of what is on disk may be kept. */
	if (folio_test_large(folio) || !folio_test_uptodate(folio) ||
	    !folio_test_mappedtodisk(folio) || folio_test_dirty(folio) ||
	    !cleancache_file_ok(mapping) || atomic_read(inval)) {
		__cleancache_invalidate_folio(mapping, folio);
		return;
	}
	rcu_read_lock();
	pool = cleancache_folio_key(mapping, folio->index, &key);
	if (pool >= 0) {
		ops->put_page(pool, &key, folio->index, &folio->page);
		atomic_long_inc(&cleancache_stats.puts);
		/*
		 * Pairs with cleancache_invalidate_begin(): either it sees
		 * this copy and flushes it, or this sees it and drops the
		 * copy again, before the i_pages lock lets anyone look up
		 * this index (and get the copy) again.
		 */
		smp_mb();
		if (atomic_read(inval)) {
			ops->invalidate_page(pool, &key, folio->index);
			atomic_long_inc(&cleancache_stats.invalidate_pages);
		}
	}
	rcu_read_unlock();
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
	rcu_read_lock();
	for (i = 0; i < n; i++) {
		pool = cleancache_folio_key(mapping, folio->index + i, &key);
		if (pool < 0)
			break;
		ops->invalidate_page(pool, &key, folio->index + i);
		atomic_long_inc(&cleancache_stats.invalidate_pages);
	}
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(__cleancache_invalidate_folio);

void __cleancache_invalidate_inode(struct address_space *mapping)
{
	const struct cleancache_ops *ops = READ_ONCE(cleancache_ops);
	struct cleancache_filekey key;
	int pool;

	if (!ops)
		return;
	rcu_read_lock();
	pool = cleancache_folio_key(mapping, 0, &key);
	if (pool >= 0) {
		ops->invalidate_inode(pool, &key);
		atomic_long_inc(&cleancache_stats.invalidate_inodes);
	}
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(__cleancache_invalidate_inode);

void __cleancache_invalidate_begin(struct address_space *mapping)
{
	if (!cleancache_counts(mapping))
		return;
	atomic_inc(invalidating(mapping));
	/* Pairs with the barrier after a put: see __cleancache_put_folio(). */
	smp_mb__after_atomic();
	/* Not the static-branch wrapper: a put may already see it enabled. */
	__cleancache_invalidate_inode(mapping);
}
EXPORT_SYMBOL_GPL(__cleancache_invalidate_begin);

void __cleancache_invalidate_end(struct address_space *mapping)
{
	if (cleancache_counts(mapping))
		atomic_dec(invalidating(mapping));
}
EXPORT_SYMBOL_GPL(__cleancache_invalidate_end);

/**
 * cleancache_set_generation - change an inode's generation
 * @inode: the inode
 * @generation: its new i_generation
 *
 * The generation is part of the file's cleancache key, so the copies kept
 * under the old one are forgotten: setting it back must not bring them
 * back. The change is made under the i_pages lock, which every put holds,
 * so that no put can use the old key after the flush.
 */
void cleancache_set_generation(struct inode *inode, u32 generation)
{
	struct address_space *mapping = inode->i_mapping;
	const struct cleancache_ops *ops;
	struct cleancache_filekey key;
	int pool;

	xa_lock_irq(&mapping->i_pages);
	rcu_read_lock();
	ops = READ_ONCE(cleancache_ops);
	pool = ops ? cleancache_folio_key(mapping, 0, &key) : -1;
	inode->i_generation = generation;
	xa_unlock_irq(&mapping->i_pages);
	if (pool >= 0) {
		ops->invalidate_inode(pool, &key);
		atomic_long_inc(&cleancache_stats.invalidate_inodes);
	}
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(cleancache_set_generation);

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * Is cleancache live: a backend registered, or a filesystem opted in? A
 * test then must not swap the backend out under them.
 */
bool cleancache_in_use(void)
{
	int i;

	if (READ_ONCE(cleancache_ops))
		return true;
	for (i = 0; i < CLEANCACHE_MAX_FS; i++)
		if (READ_ONCE(cleancache_fs[i].sb))
			return true;
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_in_use);

/*
 * Run the reset that cleancache_pools_lost() queues on @wq (NULL: the
 * default), so that a test can hold it back and see the state before it.
 */
void cleancache_set_reset_wq(struct workqueue_struct *wq)
{
	cleancache_reset_wq = wq;
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_set_reset_wq);

/**
 * cleancache_flush_reset - wait for the reset cleancache_pools_lost() queued
 *
 * For a backend that has pools of its own to re-create: once this
 * returns, cleancache destroyed every old pool id it had, so that none of
 * them can take away a pool the backend creates next.
 *
 * Context: process context; may sleep.
 */
void cleancache_flush_reset(void)
{
	flush_work(&cleancache_reset_work);
}
EXPORT_SYMBOL_GPL(cleancache_flush_reset);

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
		{ "pool_resets", &cleancache_stats.pool_resets },
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
