// SPDX-License-Identifier: GPL-2.0-only
/*
 * Xen Transcendent Memory as a cleancache and frontswap backend.
 *
 * Each filesystem that opts in to cleancache gets a private ephemeral tmem
 * pool; clean folios leaving the page cache are put there, and reads ask
 * for them before going to the disk. Xen may drop any of these pages at
 * any time, and a get that hits removes the page from Xen.
 *
 * Each swap device gets a private persistent pool, which keeps a copy of
 * every page written to the device until the slot is freed. Xen charges
 * these pages to the domain, within its maximum: a put fails when the
 * domain is at it, and the page simply goes only to the disk, which
 * frontswap writes in any case (see mm/frontswap.c for why).
 *
 * Pool ids are only meaningful to the domain that got them: after the guest
 * is saved and restored, or migrated, its new domain has no pools, so every
 * filesystem gets a new one before anything runs again; and a kernel
 * started by kexec destroys the pools its predecessor left behind.
 *
 * Parameters: "tmem" on the kernel command line enables the driver when it
 * is built in (loading the module enables it too); tmem.cleancache=0 keeps
 * it from registering with cleancache, tmem.frontswap=0 from frontswap,
 * and tmem.selfballooning=0 keeps self-ballooning off (it is on in a
 * guest other than dom0 otherwise: drivers/xen/xen-selfballoon.c).
 */
#define pr_fmt(fmt) "xen-tmem: " fmt

#include <linux/cleancache.h>
#include <linux/debugfs.h>
#include <linux/frontswap.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/swap.h>
#include <linux/workqueue.h>
#include <kunit/static_stub.h>
#include <xen/xen.h>
#include <xen/xen-ops.h>
#include <xen/page.h>
#include <xen/tmem.h>
#include <xen/interface/tmem.h>
#include <asm/xen/hypercall.h>

static bool cleancache = true;
module_param(cleancache, bool, 0444);
MODULE_PARM_DESC(cleancache, "Back cleancache with Xen tmem (default 1)");

static bool frontswap = true;
module_param(frontswap, bool, 0444);
MODULE_PARM_DESC(frontswap, "Keep copies of swapped-out pages in Xen tmem (default 1)");

static bool selfballooning = true;
module_param(selfballooning, bool, 0444);
MODULE_PARM_DESC(selfballooning, "Self-balloon a guest other than dom0 (default 1)");

#ifndef MODULE
static bool tmem_enabled __initdata;

static int __init enable_tmem(char *s)
{
	/* __setup() matches a prefix: "tmem_foo" is somebody else's. */
	if (*s && *s != '=')
		return 0;
	tmem_enabled = !*s || !strcmp(s, "=1") || !strcmp(s, "=on");
	return 1;
}
__setup("tmem", enable_tmem);
#endif

/* Set once Xen answered that it has no tmem: no more hypercalls then. */
static bool xen_tmem_absent;

static struct {
	atomic_long_t puts, failed_puts, gets, hits, misses;
	atomic_long_t flush_page, flush_inode, flush_fs;
	atomic_long_t pools, failed_pools, stale_pools, resumes;
	atomic_long_t swap_puts, swap_failed_puts, swap_gets, swap_hits;
	atomic_long_t swap_flush_page, swap_pools;
} tmem_stats;

/* A domain has at most this many pools (ids 0 to 15). */
#define TMEM_MAX_POOLS	16

static int xen_tmem_op(struct tmem_op *op)
{
	KUNIT_STATIC_STUB_REDIRECT(xen_tmem_op, op);
	return HYPERVISOR_tmem_op(op);
}

static int tmem_page_op(u32 cmd, int pool, const struct cleancache_filekey *key,
			pgoff_t index, struct page *page)
{
	struct tmem_op op = { .cmd = cmd, .pool_id = pool };

	op.u.gen.oid.oid[0] = key->ino;
	op.u.gen.oid.oid[1] = key->generation;
	op.u.gen.index = index;
	if (page)
		op.u.gen.cmfn = xen_page_to_gfn(page);
	return xen_tmem_op(&op);
}

static int tmem_new_pool(u64 uuid_lo, u64 uuid_hi, u32 flags)
{
	struct tmem_op op = { .cmd = TMEM_NEW_POOL };
	int ret;

	if (READ_ONCE(xen_tmem_absent))
		return -1;
	op.u.creat.uuid[0] = uuid_lo;
	op.u.creat.uuid[1] = uuid_hi;
	op.u.creat.flags = flags | TMEM_SPEC_VERSION << TMEM_POOL_VERSION_SHIFT;
	ret = xen_tmem_op(&op);
	if (ret == -TMEM_NO_HYPERCALL || ret == -ENODEV) {
		/* This Xen has no tmem, or was booted without it. */
		if (!xchg(&xen_tmem_absent, true))
			pr_info("Xen has no tmem (%d): not using it\n", ret);
		return -1;
	}
	if (ret < 0) {
		atomic_long_inc(&tmem_stats.failed_pools);
		return -1;
	}
	atomic_long_inc(&tmem_stats.pools);
	return ret;
}

static int tmem_cleancache_init_fs(size_t pagesize)
{
	if (pagesize != PAGE_SIZE || PAGE_SIZE != 4096)
		return -1;
	return tmem_new_pool(0, 0, 0);
}

static int tmem_cleancache_init_shared_fs(const uuid_t *uuid, size_t pagesize)
{
	u64 lo, hi;

	if (pagesize != PAGE_SIZE || PAGE_SIZE != 4096)
		return -1;
	memcpy(&lo, &uuid->b[0], sizeof(lo));
	memcpy(&hi, &uuid->b[8], sizeof(hi));
	return tmem_new_pool(lo, hi, TMEM_POOL_SHARED);
}

static int tmem_cleancache_get_page(int pool,
				    const struct cleancache_filekey *key,
				    pgoff_t index, struct page *page)
{
	int ret;

	atomic_long_inc(&tmem_stats.gets);
	ret = tmem_page_op(TMEM_GET_PAGE, pool, key, index, page);
	if (ret == 1) {
		atomic_long_inc(&tmem_stats.hits);
		return 0;
	}
	atomic_long_inc(&tmem_stats.misses);
	return -1;
}

static void tmem_cleancache_put_page(int pool,
				     const struct cleancache_filekey *key,
				     pgoff_t index, struct page *page)
{
	atomic_long_inc(&tmem_stats.puts);
	if (tmem_page_op(TMEM_PUT_PAGE, pool, key, index, page) != 1)
		atomic_long_inc(&tmem_stats.failed_puts);
}

static void tmem_cleancache_invalidate_page(int pool,
					    const struct cleancache_filekey *key,
					    pgoff_t index)
{
	atomic_long_inc(&tmem_stats.flush_page);
	tmem_page_op(TMEM_FLUSH_PAGE, pool, key, index, NULL);
}

static void tmem_cleancache_invalidate_inode(int pool,
					     const struct cleancache_filekey *key)
{
	atomic_long_inc(&tmem_stats.flush_inode);
	tmem_page_op(TMEM_FLUSH_OBJECT, pool, key, 0, NULL);
}

static int tmem_destroy_pool(int pool)
{
	struct tmem_op op = { .cmd = TMEM_DESTROY_POOL, .pool_id = pool };

	return xen_tmem_op(&op);
}

static void tmem_cleancache_invalidate_fs(int pool)
{
	atomic_long_inc(&tmem_stats.flush_fs);
	tmem_destroy_pool(pool);
}

/*
 * A kernel started by kexec (or kdump) inherits its domain, and with it
 * the pools of the kernel before, which nobody would ever free. This
 * kernel has made none yet, so every pool the domain has is stale.
 */
static void tmem_destroy_stale_pools(void)
{
	int id, ret, n = 0;

	for (id = 0; id < TMEM_MAX_POOLS; id++) {
		ret = tmem_destroy_pool(id);
		if (ret < 0)
			break;		/* no tmem: nothing was left either */
		n += ret == 1;
	}
	if (n) {
		atomic_long_add(n, &tmem_stats.stale_pools);
		pr_info("destroyed %d pools left by a previous kernel\n", n);
	}
}

/*
 * Swap pages: a persistent pool per swap device, objects of 64 slots (a
 * page's neighbours are often swapped out together, and an object costs
 * Xen more than a page).
 */
#define TMEM_SWAP_OBJ_SHIFT	6

static DEFINE_MUTEX(tmem_swap_lock);	/* pool creation and destruction */
static int tmem_swap_pools[MAX_SWAPFILES] = {
	[0 ... MAX_SWAPFILES - 1] = -1
};

/* After a resume, until tmem_swap_reset_fn() gave the devices new pools. */
static bool tmem_swap_reset_pending;

static DECLARE_BITMAP(tmem_swap_types, MAX_SWAPFILES);

static int tmem_swap_op(u32 cmd, unsigned int type, pgoff_t offset,
			struct page *page)
{
	int pool = READ_ONCE(tmem_swap_pools[type]);
	struct tmem_op op = { .cmd = cmd, .pool_id = pool };

	if (pool < 0)
		return -ENODEV;
	op.u.gen.oid.oid[0] = offset >> TMEM_SWAP_OBJ_SHIFT;
	op.u.gen.index = offset & ((1UL << TMEM_SWAP_OBJ_SHIFT) - 1);
	if (page)
		op.u.gen.cmfn = xen_page_to_gfn(page);
	return xen_tmem_op(&op);
}

static int tmem_frontswap_init(unsigned int type)
{
	int pool;

	if (type >= MAX_SWAPFILES)
		return -EINVAL;
	mutex_lock(&tmem_swap_lock);
	if (READ_ONCE(tmem_swap_reset_pending)) {
		/* Old ids are still being destroyed: the reset makes it one. */
		set_bit(type, tmem_swap_types);
		mutex_unlock(&tmem_swap_lock);
		return 0;
	}
	pool = tmem_new_pool(0, 0, TMEM_POOL_PERSIST);
	if (pool >= 0) {
		WRITE_ONCE(tmem_swap_pools[type], pool);
		set_bit(type, tmem_swap_types);
		atomic_long_inc(&tmem_stats.swap_pools);
	}
	mutex_unlock(&tmem_swap_lock);
	return pool >= 0 ? 0 : -ENOSPC;
}

static int tmem_frontswap_store(unsigned int type, pgoff_t offset,
				struct page *page)
{
	atomic_long_inc(&tmem_stats.swap_puts);
	if (tmem_swap_op(TMEM_PUT_PAGE, type, offset, page) == 1)
		return 0;
	atomic_long_inc(&tmem_stats.swap_failed_puts);
	return -ENOMEM;
}

static int tmem_frontswap_load(unsigned int type, pgoff_t offset,
			       struct page *page)
{
	atomic_long_inc(&tmem_stats.swap_gets);
	if (tmem_swap_op(TMEM_GET_PAGE, type, offset, page) != 1)
		return -ENOENT;
	atomic_long_inc(&tmem_stats.swap_hits);
	return 0;
}

static void tmem_frontswap_invalidate_page(unsigned int type, pgoff_t offset)
{
	atomic_long_inc(&tmem_stats.swap_flush_page);
	tmem_swap_op(TMEM_FLUSH_PAGE, type, offset, NULL);
}

static void tmem_frontswap_invalidate_area(unsigned int type)
{
	int pool;

	mutex_lock(&tmem_swap_lock);
	pool = xchg(&tmem_swap_pools[type], -1);
	clear_bit(type, tmem_swap_types);
	if (pool >= 0)
		tmem_destroy_pool(pool);
	mutex_unlock(&tmem_swap_lock);
}

static const struct frontswap_ops tmem_frontswap_ops = {
	.init = tmem_frontswap_init,
	.store = tmem_frontswap_store,
	.load = tmem_frontswap_load,
	.invalidate_page = tmem_frontswap_invalidate_page,
	.invalidate_area = tmem_frontswap_invalidate_area,
};

/*
 * Once waiting is possible after a resume: new pools for the devices, but
 * only once no page op can still use an old id, and once cleancache has
 * destroyed its old ids, any of which Xen may give out again now.
 */
static void tmem_swap_reset_fn(struct work_struct *work)
{
	unsigned int type;
	int pool;

	if (cleancache)
		cleancache_flush_reset();
	else
		synchronize_rcu();
	mutex_lock(&tmem_swap_lock);
	for_each_set_bit(type, tmem_swap_types, MAX_SWAPFILES) {
		pool = tmem_new_pool(0, 0, TMEM_POOL_PERSIST);
		WRITE_ONCE(tmem_swap_pools[type], pool);
		if (pool >= 0)
			atomic_long_inc(&tmem_stats.swap_pools);
	}
	WRITE_ONCE(tmem_swap_reset_pending, false);
	mutex_unlock(&tmem_swap_lock);
}

static DECLARE_WORK(tmem_swap_reset_work, tmem_swap_reset_fn);

/*
 * The swap pools' ids are withdrawn and destroyed at once, before
 * cleancache's reset creates any pool (in case the suspend was cancelled
 * and they are still there): puts fail and gets miss, every slot is read
 * from the disk, which has them all, and frontswap forgets what the pools
 * held.
 */
static void tmem_swap_pools_lost(void)
{
	unsigned int type;
	int pool;

	WRITE_ONCE(tmem_swap_reset_pending, true);
	for (type = 0; type < MAX_SWAPFILES; type++) {
		pool = xchg(&tmem_swap_pools[type], -1);
		if (pool >= 0)
			tmem_destroy_pool(pool);
	}
	frontswap_forget_all();
	queue_work(system_unbound_wq, &tmem_swap_reset_work);
}

/*
 * Called after the domain was suspended, with every process and kernel
 * thread still frozen and the other vCPUs' timers not yet restarted:
 * restored or migrated, the domain is a new one and knows none of our
 * pool ids; if the suspend was cancelled, the old pools are still there.
 * Either way the ids are withdrawn now, before anything runs again; the
 * swap pools are destroyed at once, cleancache destroys its old pools and
 * gives every filesystem a new one from a workqueue, once waiting is
 * possible, and only then do the swap devices get new pools.
 */
static int tmem_resume(struct notifier_block *nb, unsigned long action,
		       void *data)
{
	atomic_long_inc(&tmem_stats.resumes);
	if (READ_ONCE(xen_tmem_absent))
		return NOTIFY_DONE;
	/* Swap's ids first: cleancache's reset creates pools. */
	if (frontswap)
		tmem_swap_pools_lost();
	if (cleancache)
		cleancache_pools_lost();
	return NOTIFY_DONE;
}

static struct notifier_block tmem_resume_nb = {
	.notifier_call = tmem_resume,
};

static const struct cleancache_ops tmem_cleancache_ops = {
	.init_fs = tmem_cleancache_init_fs,
	.init_shared_fs = tmem_cleancache_init_shared_fs,
	.get_page = tmem_cleancache_get_page,
	.put_page = tmem_cleancache_put_page,
	.invalidate_page = tmem_cleancache_invalidate_page,
	.invalidate_inode = tmem_cleancache_invalidate_inode,
	.invalidate_fs = tmem_cleancache_invalidate_fs,
};

static int tmem_stat_get(void *data, u64 *val)
{
	*val = atomic_long_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tmem_stat_fops, tmem_stat_get, NULL, "%llu\n");

static int tmem_absent_get(void *data, u64 *val)
{
	*val = READ_ONCE(xen_tmem_absent);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tmem_absent_fops, tmem_absent_get, NULL, "%llu\n");

static void __init tmem_debugfs_init(void)
{
	static const struct {
		const char *name;
		atomic_long_t *counter;
	} files[] = {
		{ "puts", &tmem_stats.puts },
		{ "failed_puts", &tmem_stats.failed_puts },
		{ "gets", &tmem_stats.gets },
		{ "hits", &tmem_stats.hits },
		{ "misses", &tmem_stats.misses },
		{ "flush_page", &tmem_stats.flush_page },
		{ "flush_inode", &tmem_stats.flush_inode },
		{ "flush_fs", &tmem_stats.flush_fs },
		{ "pools", &tmem_stats.pools },
		{ "failed_pools", &tmem_stats.failed_pools },
		{ "stale_pools", &tmem_stats.stale_pools },
		{ "resumes", &tmem_stats.resumes },
		{ "swap_puts", &tmem_stats.swap_puts },
		{ "swap_failed_puts", &tmem_stats.swap_failed_puts },
		{ "swap_gets", &tmem_stats.swap_gets },
		{ "swap_hits", &tmem_stats.swap_hits },
		{ "swap_flush_page", &tmem_stats.swap_flush_page },
		{ "swap_pools", &tmem_stats.swap_pools },
	};
	struct dentry *dir = debugfs_create_dir("tmem", NULL);
	int i;

	for (i = 0; i < ARRAY_SIZE(files); i++)
		debugfs_create_file_unsafe(files[i].name, 0444, dir,
					   files[i].counter, &tmem_stat_fops);
	debugfs_create_file_unsafe("xen_tmem_absent", 0444, dir, NULL,
				   &tmem_absent_fops);
}

static int __init xen_tmem_init(void)
{
	int ret;

	if (!xen_domain())
		return -ENODEV;
#ifndef MODULE
	if (!tmem_enabled)
		return 0;
#endif
	if (!IS_ENABLED(CONFIG_FRONTSWAP))
		frontswap = false;
	if (cleancache || frontswap)
		tmem_destroy_stale_pools();
	if (cleancache) {
		ret = cleancache_register_ops(&tmem_cleancache_ops);
		if (ret) {
			pr_warn("cleancache already has a backend (%d)\n", ret);
			return ret;
		}
		pr_info("cleancache backed by Xen tmem\n");
	}
	if (frontswap && frontswap_register_ops(&tmem_frontswap_ops)) {
		pr_warn("frontswap already has a backend\n");
		frontswap = false;
	}
	if (frontswap)
		pr_info("frontswap backed by Xen tmem\n");
	/* Only now: the files must not outlive a failed init. */
	tmem_debugfs_init();
	if (cleancache || frontswap)
		xen_resume_notifier_register(&tmem_resume_nb);
	if (selfballooning)
		xen_selfballoon_start();
	return 0;
}
module_init(xen_tmem_init);

/* No module_exit: cleancache and frontswap backends cannot be unregistered. */
MODULE_DESCRIPTION("Xen Transcendent Memory backend for cleancache and frontswap");
MODULE_LICENSE("GPL");

#ifdef CONFIG_XEN_TMEM_KUNIT_TEST
#include "tmem_kunit.c"
#endif
