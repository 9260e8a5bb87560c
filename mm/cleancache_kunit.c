// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit test of the cleancache core with a recording backend: which folios
 * are put, which are invalidated instead, the key a file gets, gets, a
 * filesystem that opted in before any backend was there, the invalidation
 * bracket against a racing put, a generation change, and pools re-created
 * after a restore.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "cleancache_internal.h"

#define TEST_POOL 7

static struct {
	int init_fs, get, put, inval_page, inval_inode, inval_fs;
	int pool;
	struct cleancache_filekey key;
	pgoff_t index;
	int get_ret;
	/* Starts an invalidation of this mapping in the middle of a put. */
	struct address_space *begin_during_put;
} rec;

/* A new id each time, so that a test can tell pools apart. */
static int rec_init_fs(size_t pagesize)
{
	return TEST_POOL + rec.init_fs++;
}

static int rec_init_shared_fs(const uuid_t *uuid, size_t pagesize)
{
	rec.init_fs++;
	return TEST_POOL + 1;
}

static int rec_get_page(int pool, const struct cleancache_filekey *key,
			pgoff_t index, struct page *page)
{
	rec.get++;
	rec.pool = pool;
	rec.key = *key;
	rec.index = index;
	if (!rec.get_ret)
		memset_page(page, 0, 0xc5, PAGE_SIZE);
	return rec.get_ret;
}

static void rec_put_page(int pool, const struct cleancache_filekey *key,
			 pgoff_t index, struct page *page)
{
	rec.put++;
	rec.pool = pool;
	rec.key = *key;
	rec.index = index;
	if (rec.begin_during_put)
		cleancache_invalidate_begin(rec.begin_during_put);
}

static void rec_invalidate_page(int pool, const struct cleancache_filekey *key,
				pgoff_t index)
{
	rec.inval_page++;
	rec.index = index;
}

static void rec_invalidate_inode(int pool, const struct cleancache_filekey *key)
{
	rec.inval_inode++;
	rec.key = *key;
}

static void rec_invalidate_fs(int pool)
{
	rec.inval_fs++;
	rec.pool = pool;
}

static const struct cleancache_ops rec_ops = {
	.init_fs = rec_init_fs,
	.init_shared_fs = rec_init_shared_fs,
	.get_page = rec_get_page,
	.put_page = rec_put_page,
	.invalidate_page = rec_invalidate_page,
	.invalidate_inode = rec_invalidate_inode,
	.invalidate_fs = rec_invalidate_fs,
};

/* The test leaves /sys/kernel/debug/cleancache/ as it found it. */
static struct cleancache_stats saved_stats;

struct cc_test {
	const struct cleancache_ops *saved_ops;
	struct super_block *sb;
	struct inode *inode;
	struct folio *folio;
};

static int cc_init(struct kunit *test)
{
	struct cc_test *t;

	/*
	 * The recording backend replaces the real one for the whole test:
	 * with a backend or a filesystem live, that would lose their
	 * invalidations and feed their reads fake pages.
	 */
	if (cleancache_in_use())
		kunit_skip(test, "cleancache is in use: a backend or a filesystem is live");
	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	memset(&rec, 0, sizeof(rec));
	t->sb = kunit_kzalloc(test, sizeof(*t->sb), GFP_KERNEL);
	t->inode = kunit_kzalloc(test, sizeof(*t->inode), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->sb);
	KUNIT_ASSERT_NOT_NULL(test, t->inode);
	strscpy(t->sb->s_id, "cc-test", sizeof(t->sb->s_id));
	saved_stats = cleancache_stats;
	address_space_init_once(&t->inode->i_data);
	t->inode->i_sb = t->sb;
	t->inode->i_ino = 4242;
	t->inode->i_generation = 17;
	t->inode->i_mapping = &t->inode->i_data;
	t->inode->i_data.host = t->inode;
	t->folio = folio_alloc(GFP_KERNEL, 0);
	KUNIT_ASSERT_NOT_NULL(test, t->folio);
	t->folio->mapping = &t->inode->i_data;
	t->folio->index = 3;
	folio_mark_uptodate(t->folio);
	folio_set_mappedtodisk(t->folio);

	/* The recording backend stands in for whatever is registered. */
	t->saved_ops = cleancache_swap_ops(&rec_ops);
	cleancache_init_fs(t->sb);
	test->priv = t;
	return 0;
}

static void cc_exit(struct kunit *test)
{
	struct cc_test *t = test->priv;

	if (!t)
		return;		/* skipped, or init failed */
	cleancache_invalidate_fs(t->sb);
	cleancache_swap_ops(t->saved_ops);
	t->folio->mapping = NULL;
	folio_put(t->folio);
	cleancache_stats = saved_stats;
}

static void opting_in_gets_a_pool(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, rec.init_fs, 1);
}

static void clean_folio_is_put_with_its_key(struct kunit *test)
{
	struct cc_test *t = test->priv;

	cleancache_put_folio(t->folio);
	KUNIT_EXPECT_EQ(test, rec.put, 1);
	KUNIT_EXPECT_EQ(test, rec.inval_page, 0);
	KUNIT_EXPECT_EQ(test, rec.pool, TEST_POOL);
	KUNIT_EXPECT_EQ(test, rec.key.ino, 4242ULL);
	KUNIT_EXPECT_EQ(test, rec.key.generation, 17U);
	KUNIT_EXPECT_EQ(test, rec.index, 3UL);
}

static void a_reused_inode_number_is_another_file(struct kunit *test)
{
	struct cc_test *t = test->priv;
	struct cleancache_filekey first;

	cleancache_put_folio(t->folio);
	first = rec.key;
	t->inode->i_generation++;
	cleancache_put_folio(t->folio);
	KUNIT_EXPECT_EQ(test, rec.key.ino, first.ino);
	KUNIT_EXPECT_NE(test, rec.key.generation, first.generation);
}

static void unclean_folios_are_invalidated_not_put(struct kunit *test)
{
	struct cc_test *t = test->priv;

	folio_clear_mappedtodisk(t->folio);
	cleancache_put_folio(t->folio);
	folio_set_mappedtodisk(t->folio);
	folio_clear_uptodate(t->folio);
	cleancache_put_folio(t->folio);
	folio_mark_uptodate(t->folio);
	folio_set_dirty(t->folio);
	cleancache_put_folio(t->folio);
	folio_clear_dirty(t->folio);
	KUNIT_EXPECT_EQ(test, rec.put, 0);
	KUNIT_EXPECT_EQ(test, rec.inval_page, 3);
	KUNIT_EXPECT_EQ(test, rec.index, 3UL);
}

static void uncacheable_files_and_indexes_are_skipped(struct kunit *test)
{
	struct cc_test *t = test->priv;

	t->folio->index = (pgoff_t)U32_MAX + 1;
	cleancache_put_folio(t->folio);
	t->folio->index = 3;
	/* S_ENCRYPTED is 0 without CONFIG_FS_ENCRYPTION. */
	if (S_ENCRYPTED) {
		t->inode->i_flags |= S_ENCRYPTED;
		cleancache_put_folio(t->folio);
		t->inode->i_flags &= ~S_ENCRYPTED;
	}
	/* A filesystem that did not opt in. */
	t->inode->i_sb = NULL;
	cleancache_put_folio(t->folio);
	t->inode->i_sb = t->sb;
	KUNIT_EXPECT_EQ(test, rec.put, 0);
}

static void get_fills_the_folio_on_a_hit(struct kunit *test)
{
	struct cc_test *t = test->priv;
	u8 *p;

	folio_clear_uptodate(t->folio);
	folio_lock(t->folio);
	rec.get_ret = -1;
	KUNIT_EXPECT_NE(test, cleancache_get_folio(t->folio), 0);
	rec.get_ret = 0;
	KUNIT_EXPECT_EQ(test, cleancache_get_folio(t->folio), 0);
	folio_unlock(t->folio);
	KUNIT_EXPECT_EQ(test, rec.get, 2);
	KUNIT_EXPECT_EQ(test, rec.index, 3UL);
	p = kmap_local_folio(t->folio, 0);
	KUNIT_EXPECT_EQ(test, p[0], 0xc5);
	KUNIT_EXPECT_EQ(test, p[PAGE_SIZE - 1], 0xc5);
	kunmap_local(p);
}

static void invalidations_reach_the_backend(struct kunit *test)
{
	struct cc_test *t = test->priv;

	cleancache_invalidate_inode(&t->inode->i_data);
	KUNIT_EXPECT_EQ(test, rec.inval_inode, 1);
	KUNIT_EXPECT_EQ(test, rec.key.ino, 4242ULL);
	cleancache_invalidate_folio(&t->inode->i_data, t->folio);
	KUNIT_EXPECT_EQ(test, rec.inval_page, 1);
	cleancache_invalidate_fs(t->sb);
	KUNIT_EXPECT_EQ(test, rec.inval_fs, 1);
	KUNIT_EXPECT_EQ(test, rec.pool, TEST_POOL);
	/* After umount, nothing of it reaches the backend. */
	cleancache_put_folio(t->folio);
	KUNIT_EXPECT_EQ(test, rec.put, 0);
}

/* A write to it failed: the disk may hold older data than the folio. */
static void a_file_with_a_writeback_error_is_not_cached(struct kunit *test)
{
	struct cc_test *t = test->priv;

	errseq_set(&t->inode->i_data.wb_err, -EIO);
	cleancache_put_folio(t->folio);
	KUNIT_EXPECT_EQ(test, rec.put, 0);
	KUNIT_EXPECT_EQ(test, rec.inval_page, 1);
	folio_clear_uptodate(t->folio);
	folio_lock(t->folio);
	KUNIT_EXPECT_NE(test, cleancache_get_folio(t->folio), 0);
	folio_unlock(t->folio);
	KUNIT_EXPECT_EQ(test, rec.get, 0);
}

/* Not cached, but their copies from before are still invalidated. */
static void swap_and_verity_files_are_invalidated_not_cached(struct kunit *test)
{
	static const unsigned int flags[] = { S_SWAPFILE, S_VERITY };
	struct cc_test *t = test->priv;
	int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		memset(&rec, 0, sizeof(rec));
		t->inode->i_flags |= flags[i];
		/* IS_SWAPFILE() is never true without CONFIG_SWAP. */
		if (!IS_SWAPFILE(t->inode) && !IS_VERITY(t->inode)) {
			t->inode->i_flags &= ~flags[i];
			continue;
		}
		cleancache_put_folio(t->folio);
		cleancache_invalidate_inode(&t->inode->i_data);
		cleancache_invalidate_folio(&t->inode->i_data, t->folio);
		t->inode->i_flags &= ~flags[i];
		KUNIT_EXPECT_EQ(test, rec.put, 0);
		KUNIT_EXPECT_EQ(test, rec.inval_inode, 1);
		KUNIT_EXPECT_EQ(test, rec.inval_page, 2);
	}
}

static void a_put_inside_an_invalidation_is_not_kept(struct kunit *test)
{
	struct cc_test *t = test->priv;
	struct address_space *mapping = &t->inode->i_data;

	cleancache_invalidate_begin(mapping);
	KUNIT_EXPECT_EQ(test, rec.inval_inode, 1);
	cleancache_put_folio(t->folio);
	cleancache_invalidate_end(mapping);
	KUNIT_EXPECT_EQ(test, rec.put, 0);
	KUNIT_EXPECT_EQ(test, rec.inval_page, 1);
	/* After the end, puts are kept again. */
	cleancache_put_folio(t->folio);
	KUNIT_EXPECT_EQ(test, rec.put, 1);
	KUNIT_EXPECT_EQ(test, rec.inval_page, 1);
}

/*
 * An invalidation that begins while a put is in the backend: either the
 * begin's flush comes after the put, or the put takes its copy back.
 * Here the flush came first, so the put must take it back.
 */
static void a_put_racing_an_invalidation_takes_its_copy_back(struct kunit *test)
{
	struct cc_test *t = test->priv;
	struct address_space *mapping = &t->inode->i_data;

	rec.begin_during_put = mapping;
	cleancache_put_folio(t->folio);
	rec.begin_during_put = NULL;
	KUNIT_EXPECT_EQ(test, rec.put, 1);
	KUNIT_EXPECT_EQ(test, rec.inval_inode, 1);
	KUNIT_EXPECT_EQ(test, rec.inval_page, 1);
	KUNIT_EXPECT_EQ(test, rec.index, 3UL);
	cleancache_invalidate_end(mapping);
}

static void a_new_generation_forgets_the_old_copies(struct kunit *test)
{
	struct cc_test *t = test->priv;

	cleancache_set_generation(t->inode, 99);
	KUNIT_EXPECT_EQ(test, t->inode->i_generation, 99U);
	KUNIT_EXPECT_EQ(test, rec.inval_inode, 1);
	KUNIT_EXPECT_EQ(test, rec.key.generation, 17U);
	cleancache_put_folio(t->folio);
	KUNIT_EXPECT_EQ(test, rec.key.generation, 99U);
}

/* Keeps an ordered workqueue busy until the test lets it go. */
struct held_queue {
	struct work_struct work;
	struct completion release;
};

static void held_queue_wait(struct work_struct *work)
{
	struct held_queue *h = container_of(work, struct held_queue, work);

	wait_for_completion(&h->release);
}

/*
 * Xen's resume notifier cannot wait: the ids are withdrawn at once, and a
 * mount meanwhile gets no pool until the reset has destroyed the old ones.
 * The reset is held back behind another work item, so that the state
 * between the two is seen whatever the CPUs do meanwhile.
 */
static void lost_pools_are_withdrawn_then_replaced(struct kunit *test)
{
	struct cc_test *t = test->priv;
	struct super_block *sb2 = kunit_kzalloc(test, sizeof(*sb2), GFP_KERNEL);
	struct workqueue_struct *wq;
	struct held_queue held;

	KUNIT_ASSERT_NOT_NULL(test, sb2);
	wq = alloc_ordered_workqueue("cleancache_kunit", 0);
	KUNIT_ASSERT_NOT_NULL(test, wq);
	INIT_WORK_ONSTACK(&held.work, held_queue_wait);
	init_completion(&held.release);
	queue_work(wq, &held.work);
	cleancache_set_reset_wq(wq);

	cleancache_pools_lost();
	cleancache_put_folio(t->folio);
	KUNIT_EXPECT_EQ(test, rec.put, 0);
	cleancache_init_fs(sb2);
	KUNIT_EXPECT_EQ(test, rec.init_fs, 1);
	KUNIT_EXPECT_EQ(test, rec.inval_fs, 0);

	complete(&held.release);
	cleancache_flush_reset();
	cleancache_set_reset_wq(NULL);
	destroy_workqueue(wq);
	destroy_work_on_stack(&held.work);
	KUNIT_EXPECT_EQ(test, rec.inval_fs, 1);
	KUNIT_EXPECT_EQ(test, rec.init_fs, 3);
	cleancache_put_folio(t->folio);
	KUNIT_EXPECT_EQ(test, rec.put, 1);
	KUNIT_EXPECT_NE(test, rec.pool, TEST_POOL);
	cleancache_invalidate_fs(sb2);
}

/* After a restore: the old pool is destroyed, a new one used. */
static void reset_gives_every_filesystem_a_new_pool(struct kunit *test)
{
	struct cc_test *t = test->priv;

	cleancache_reset_pools();
	KUNIT_EXPECT_EQ(test, rec.inval_fs, 1);
	KUNIT_EXPECT_EQ(test, rec.pool, TEST_POOL);
	KUNIT_EXPECT_EQ(test, rec.init_fs, 2);
	cleancache_put_folio(t->folio);
	KUNIT_EXPECT_EQ(test, rec.put, 1);
	KUNIT_EXPECT_EQ(test, rec.pool, TEST_POOL + 1);
}

static void fs_mounted_before_the_backend_gets_a_pool_later(struct kunit *test)
{
	struct cc_test *t = test->priv;
	struct super_block *sb2 = kunit_kzalloc(test, sizeof(*sb2), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sb2);
	cleancache_swap_ops(NULL);
	cleancache_init_fs(sb2);
	KUNIT_EXPECT_EQ(test, rec.init_fs, 1);
	cleancache_swap_ops(&rec_ops);
	KUNIT_EXPECT_EQ(test, rec.init_fs, 2);
	t->inode->i_sb = sb2;
	cleancache_put_folio(t->folio);
	t->inode->i_sb = t->sb;
	KUNIT_EXPECT_EQ(test, rec.put, 1);
	cleancache_invalidate_fs(sb2);
}

static struct kunit_case cleancache_cases[] = {
	KUNIT_CASE(opting_in_gets_a_pool),
	KUNIT_CASE(clean_folio_is_put_with_its_key),
	KUNIT_CASE(a_reused_inode_number_is_another_file),
	KUNIT_CASE(unclean_folios_are_invalidated_not_put),
	KUNIT_CASE(uncacheable_files_and_indexes_are_skipped),
	KUNIT_CASE(get_fills_the_folio_on_a_hit),
	KUNIT_CASE(invalidations_reach_the_backend),
	KUNIT_CASE(fs_mounted_before_the_backend_gets_a_pool_later),
	KUNIT_CASE(a_file_with_a_writeback_error_is_not_cached),
	KUNIT_CASE(swap_and_verity_files_are_invalidated_not_cached),
	KUNIT_CASE(a_put_inside_an_invalidation_is_not_kept),
	KUNIT_CASE(a_put_racing_an_invalidation_takes_its_copy_back),
	KUNIT_CASE(a_new_generation_forgets_the_old_copies),
	KUNIT_CASE(reset_gives_every_filesystem_a_new_pool),
	KUNIT_CASE(lost_pools_are_withdrawn_then_replaced),
	{}
};

static struct kunit_suite cleancache_suite = {
	.name = "cleancache",
	.init = cc_init,
	.exit = cc_exit,
	.test_cases = cleancache_cases,
};

kunit_test_suite(cleancache_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit test of cleancache");
MODULE_LICENSE("GPL");
