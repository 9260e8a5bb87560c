// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit test of the frontswap core with a recording backend that keeps
 * copies in a small array: what a store keeps, what a failed store, a
 * freed slot, a large folio, a lost copy, a shrink and swapoff drop, and
 * that a load never returns what an older store kept.
 */
#include <kunit/test.h>
#include <linux/frontswap.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/swapops.h>

#include "frontswap_internal.h"

#define TEST_TYPE	(MAX_SWAPFILES - 1)
#define TEST_SLOTS	64

static struct {
	int init, store, load, inval_page, inval_area;
	int init_ret, store_ret;
	bool held[TEST_SLOTS];
	u8 byte[TEST_SLOTS];	/* a copy is a page of this byte */
} rec;

static int rec_init(unsigned int type)
{
	rec.init++;
	return rec.init_ret;
}

static int rec_store(unsigned int type, pgoff_t offset, struct page *page)
{
	u8 *p;

	rec.store++;
	if (rec.store_ret)
		return rec.store_ret;
	p = kmap_local_page(page);
	rec.byte[offset] = p[0];
	kunmap_local(p);
	rec.held[offset] = true;
	return 0;
}

static int rec_load(unsigned int type, pgoff_t offset, struct page *page)
{
	rec.load++;
	if (!rec.held[offset])
		return -1;
	memset_page(page, 0, rec.byte[offset], PAGE_SIZE);
	return 0;
}

static void rec_invalidate_page(unsigned int type, pgoff_t offset)
{
	rec.inval_page++;
	rec.held[offset] = false;
}

static void rec_invalidate_area(unsigned int type)
{
	rec.inval_area++;
}

static const struct frontswap_ops rec_ops = {
	.init = rec_init,
	.store = rec_store,
	.load = rec_load,
	.invalidate_page = rec_invalidate_page,
	.invalidate_area = rec_invalidate_area,
};

struct fs_test {
	struct folio *folio;
};

static int fs_test_init(struct kunit *test)
{
	struct fs_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	/* Counts, shrinks and forgets span every device: only ours may be. */
	if (total_swap_pages)
		kunit_skip(test, "a swap device is on");
	memset(&rec, 0, sizeof(rec));
	t->folio = folio_alloc(GFP_KERNEL, 0);
	if (!t->folio)
		return -ENOMEM;
	frontswap_swapon_ops(TEST_TYPE, TEST_SLOTS, &rec_ops);
	test->priv = t;
	return 0;
}

static void fs_test_exit(struct kunit *test)
{
	struct fs_test *t = test->priv;

	if (!t)
		return;
	frontswap_swapoff(TEST_TYPE);
	folio_put(t->folio);
}

/* Give the folio a slot and contents, as swap_writepage() sees it. */
static void fill(struct folio *folio, pgoff_t offset, u8 byte)
{
	folio->swap = swp_entry(TEST_TYPE, offset);
	memset_page(folio_page(folio, 0), 0, byte, PAGE_SIZE);
	folio_clear_uptodate(folio);
}

static u8 first_byte(struct folio *folio)
{
	u8 *p = kmap_local_folio(folio, 0);
	u8 b = p[0];

	kunmap_local(p);
	return b;
}

static void a_store_is_kept_and_loaded(struct kunit *test)
{
	struct fs_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, rec.init, 1);
	fill(t->folio, 5, 0xa1);
	KUNIT_EXPECT_TRUE(test, frontswap_store(t->folio));
	KUNIT_EXPECT_EQ(test, frontswap_stored_pages(), 1UL);
	fill(t->folio, 5, 0);
	KUNIT_EXPECT_TRUE(test, frontswap_load(t->folio));
	KUNIT_EXPECT_TRUE(test, folio_test_uptodate(t->folio));
	KUNIT_EXPECT_EQ(test, first_byte(t->folio), 0xa1);
	/* The copy stays: a clean folio reclaimed again is not rewritten. */
	KUNIT_EXPECT_EQ(test, frontswap_stored_pages(), 1UL);
	KUNIT_EXPECT_EQ(test, rec.inval_page, 0);
}

static void a_slot_never_stored_is_not_asked_for(struct kunit *test)
{
	struct fs_test *t = test->priv;

	fill(t->folio, 6, 0);
	KUNIT_EXPECT_FALSE(test, frontswap_load(t->folio));
	KUNIT_EXPECT_EQ(test, rec.load, 0);
	KUNIT_EXPECT_FALSE(test, folio_test_uptodate(t->folio));
}

/* Put-put-get: the first copy must not come back once a second failed. */
static void a_failed_store_drops_the_older_copy(struct kunit *test)
{
	struct fs_test *t = test->priv;

	fill(t->folio, 7, 0xb1);
	frontswap_store(t->folio);
	rec.store_ret = -ENOMEM;
	fill(t->folio, 7, 0xb2);
	KUNIT_EXPECT_TRUE(test, frontswap_store(t->folio));
	KUNIT_EXPECT_EQ(test, rec.inval_page, 1);
	KUNIT_EXPECT_EQ(test, frontswap_stored_pages(), 0UL);
	KUNIT_EXPECT_FALSE(test, frontswap_load(t->folio));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&frontswap_stats.failed_stores) > 0, true);
}

static void a_freed_slot_drops_its_copy(struct kunit *test)
{
	struct fs_test *t = test->priv;

	fill(t->folio, 8, 0xc1);
	frontswap_store(t->folio);
	frontswap_invalidate(swp_entry(TEST_TYPE, 8));
	KUNIT_EXPECT_EQ(test, rec.inval_page, 1);
	KUNIT_EXPECT_FALSE(test, rec.held[8]);
	/* Freeing a slot without a copy costs the backend nothing. */
	frontswap_invalidate(swp_entry(TEST_TYPE, 9));
	KUNIT_EXPECT_EQ(test, rec.inval_page, 1);
	fill(t->folio, 8, 0);
	KUNIT_EXPECT_FALSE(test, frontswap_load(t->folio));
}

static void a_large_folio_goes_to_the_disk_only(struct kunit *test)
{
	struct fs_test *t = test->priv;
	struct folio *large = folio_alloc(GFP_KERNEL, 2);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, large);
	for (i = 0; i < 4; i++) {
		fill(t->folio, 16 + i, 0xd0 + i);
		frontswap_store(t->folio);
	}
	KUNIT_EXPECT_EQ(test, frontswap_stored_pages(), 4UL);
	large->swap = swp_entry(TEST_TYPE, 16);
	KUNIT_EXPECT_TRUE(test, frontswap_store(large));
	KUNIT_EXPECT_EQ(test, rec.store, 4);
	KUNIT_EXPECT_EQ(test, frontswap_stored_pages(), 0UL);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_FALSE(test, rec.held[16 + i]);
	KUNIT_EXPECT_FALSE(test, frontswap_load(large));
	folio_put(large);
}

static void a_copy_the_backend_lost_is_read_from_disk(struct kunit *test)
{
	struct fs_test *t = test->priv;

	fill(t->folio, 10, 0xe1);
	frontswap_store(t->folio);
	rec.held[10] = false;
	fill(t->folio, 10, 0);
	KUNIT_EXPECT_FALSE(test, frontswap_load(t->folio));
	KUNIT_EXPECT_EQ(test, rec.load, 1);
	KUNIT_EXPECT_EQ(test, frontswap_stored_pages(), 0UL);
}

static void shrink_gives_copies_back(struct kunit *test)
{
	struct fs_test *t = test->priv;
	int i;

	for (i = 0; i < 10; i++) {
		fill(t->folio, 30 + i, i);
		frontswap_store(t->folio);
	}
	KUNIT_EXPECT_EQ(test, frontswap_shrink(4), 4UL);
	KUNIT_EXPECT_EQ(test, frontswap_stored_pages(), 6UL);
	KUNIT_EXPECT_EQ(test, rec.inval_page, 4);
	/* The cursor moved on: the next four are the next slots. */
	KUNIT_EXPECT_FALSE(test, rec.held[33]);
	KUNIT_EXPECT_TRUE(test, rec.held[34]);
	KUNIT_EXPECT_EQ(test, frontswap_shrink(100), 6UL);
	KUNIT_EXPECT_EQ(test, frontswap_stored_pages(), 0UL);
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_FALSE(test, rec.held[30 + i]);
}

static void forget_all_after_a_lost_pool(struct kunit *test)
{
	struct fs_test *t = test->priv;

	fill(t->folio, 40, 0xf1);
	frontswap_store(t->folio);
	fill(t->folio, 41, 0xf2);
	frontswap_store(t->folio);
	frontswap_forget_all();
	KUNIT_EXPECT_EQ(test, frontswap_stored_pages(), 0UL);
	KUNIT_EXPECT_FALSE(test, frontswap_load(t->folio));
	KUNIT_EXPECT_EQ(test, rec.load, 0);
}

static void swapoff_drops_the_device(struct kunit *test)
{
	struct fs_test *t = test->priv;

	fill(t->folio, 42, 0x11);
	frontswap_store(t->folio);
	frontswap_swapoff(TEST_TYPE);
	KUNIT_EXPECT_EQ(test, rec.inval_area, 1);
	KUNIT_EXPECT_EQ(test, frontswap_stored_pages(), 0UL);
	/* No longer frontswap's: the folio may go to zswap. */
	KUNIT_EXPECT_FALSE(test, frontswap_store(t->folio));
}

static void a_device_the_backend_refuses_is_not_used(struct kunit *test)
{
	struct fs_test *t = test->priv;

	frontswap_swapoff(TEST_TYPE);
	rec.init_ret = -ENOSPC;
	frontswap_swapon_ops(TEST_TYPE, TEST_SLOTS, &rec_ops);
	fill(t->folio, 3, 0x22);
	KUNIT_EXPECT_FALSE(test, frontswap_store(t->folio));
	KUNIT_EXPECT_EQ(test, rec.store, 0);
}

static struct kunit_case frontswap_cases[] = {
	KUNIT_CASE(a_store_is_kept_and_loaded),
	KUNIT_CASE(a_slot_never_stored_is_not_asked_for),
	KUNIT_CASE(a_failed_store_drops_the_older_copy),
	KUNIT_CASE(a_freed_slot_drops_its_copy),
	KUNIT_CASE(a_large_folio_goes_to_the_disk_only),
	KUNIT_CASE(a_copy_the_backend_lost_is_read_from_disk),
	KUNIT_CASE(shrink_gives_copies_back),
	KUNIT_CASE(forget_all_after_a_lost_pool),
	KUNIT_CASE(swapoff_drops_the_device),
	KUNIT_CASE(a_device_the_backend_refuses_is_not_used),
	{}
};

static struct kunit_suite frontswap_suite = {
	.name = "frontswap",
	.init = fs_test_init,
	.exit = fs_test_exit,
	.test_cases = frontswap_cases,
};

kunit_test_suite(frontswap_suite);

MODULE_DESCRIPTION("KUnit test of frontswap");
MODULE_LICENSE("GPL");
