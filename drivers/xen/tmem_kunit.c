// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit test of the Xen tmem cleancache backend, with the hypercall
 * replaced by a static stub: how each cleancache op is marshalled into a
 * tmem op, and what the driver does with every answer Xen can give,
 * errors included. Built into tmem.c, whose static functions it tests.
 */
#include <kunit/test.h>
#include <kunit/static_stub.h>

static struct {
	struct tmem_op last;
	int calls;
	int ret;
} fake;

static int fake_xen_tmem_op(struct tmem_op *op)
{
	fake.last = *op;
	fake.calls++;
	return fake.ret;
}

static bool saved_absent;
static typeof(tmem_stats) saved_stats;

static int tmem_test_init(struct kunit *test)
{
	memset(&fake, 0, sizeof(fake));
	saved_absent = READ_ONCE(xen_tmem_absent);
	saved_stats = tmem_stats;
	kunit_activate_static_stub(test, xen_tmem_op, fake_xen_tmem_op);
	WRITE_ONCE(xen_tmem_absent, false);
	return 0;
}

static void tmem_test_exit(struct kunit *test)
{
	/*
	 * The real driver may be in use: leave it as the test found it, its
	 * counters too, which would otherwise show the fake pools and the
	 * fake failures to whoever reads /sys/kernel/debug/tmem/ later.
	 */
	WRITE_ONCE(xen_tmem_absent, saved_absent);
	tmem_stats = saved_stats;
}

static const struct cleancache_filekey test_key = {
	.ino = 0x123456789aULL, .generation = 77,
};

static void init_fs_makes_a_private_ephemeral_pool(struct kunit *test)
{
	long pools = atomic_long_read(&tmem_stats.pools);

	fake.ret = 5;
	KUNIT_EXPECT_EQ(test, tmem_cleancache_init_fs(PAGE_SIZE), 5);
	KUNIT_EXPECT_EQ(test, fake.last.cmd, TMEM_NEW_POOL);
	KUNIT_EXPECT_EQ(test, fake.last.u.creat.flags, 0x01000000U);
	KUNIT_EXPECT_EQ(test, fake.last.u.creat.uuid[0], 0ULL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tmem_stats.pools), pools + 1);
	KUNIT_EXPECT_EQ(test, tmem_cleancache_init_fs(8192), -1);
	KUNIT_EXPECT_EQ(test, fake.calls, 1);
}

static void init_shared_fs_passes_the_uuid(struct kunit *test)
{
	uuid_t uuid;
	u64 lo;

	uuid_gen(&uuid);
	memcpy(&lo, &uuid.b[0], sizeof(lo));
	fake.ret = 2;
	KUNIT_EXPECT_EQ(test, tmem_cleancache_init_shared_fs(&uuid, PAGE_SIZE),
			2);
	KUNIT_EXPECT_EQ(test, fake.last.u.creat.flags, 0x01000002U);
	KUNIT_EXPECT_EQ(test, fake.last.u.creat.uuid[0], lo);
}

static void failed_new_pool_leaves_the_fs_without_tmem(struct kunit *test)
{
	long failed = atomic_long_read(&tmem_stats.failed_pools);

	fake.ret = -EPERM;
	KUNIT_EXPECT_EQ(test, tmem_cleancache_init_fs(PAGE_SIZE), -1);
	fake.ret = -ENOMEM;
	KUNIT_EXPECT_EQ(test, tmem_cleancache_init_fs(PAGE_SIZE), -1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tmem_stats.failed_pools),
			failed + 2);
	/* Other filesystems still try. */
	KUNIT_EXPECT_FALSE(test, READ_ONCE(xen_tmem_absent));
	fake.ret = 0;
	KUNIT_EXPECT_EQ(test, tmem_cleancache_init_fs(PAGE_SIZE), 0);
}

static void xen_without_tmem_stops_all_hypercalls(struct kunit *test)
{
	static const int answers[] = { -TMEM_NO_HYPERCALL, -ENODEV };
	int i;

	for (i = 0; i < ARRAY_SIZE(answers); i++) {
		WRITE_ONCE(xen_tmem_absent, false);
		fake.calls = 0;
		fake.ret = answers[i];
		KUNIT_EXPECT_EQ(test, tmem_cleancache_init_fs(PAGE_SIZE), -1);
		KUNIT_EXPECT_TRUE(test, READ_ONCE(xen_tmem_absent));
		fake.ret = 3;
		KUNIT_EXPECT_EQ(test, tmem_cleancache_init_fs(PAGE_SIZE), -1);
		KUNIT_EXPECT_EQ(test, fake.calls, 1);
	}
}

static void put_marshals_the_page(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL);
	long failed = atomic_long_read(&tmem_stats.failed_puts);

	KUNIT_ASSERT_NOT_NULL(test, page);
	fake.ret = 1;
	tmem_cleancache_put_page(4, &test_key, 0xfffffffe, page);
	KUNIT_EXPECT_EQ(test, fake.last.cmd, TMEM_PUT_PAGE);
	KUNIT_EXPECT_EQ(test, fake.last.pool_id, 4);
	KUNIT_EXPECT_EQ(test, fake.last.u.gen.oid.oid[0], test_key.ino);
	KUNIT_EXPECT_EQ(test, fake.last.u.gen.oid.oid[1], 77ULL);
	KUNIT_EXPECT_EQ(test, fake.last.u.gen.oid.oid[2], 0ULL);
	KUNIT_EXPECT_EQ(test, fake.last.u.gen.index, 0xfffffffeU);
	KUNIT_EXPECT_EQ(test, fake.last.u.gen.cmfn, (u64)xen_page_to_gfn(page));
	KUNIT_EXPECT_EQ(test, fake.last.u.gen.len, 0U);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tmem_stats.failed_puts), failed);

	/* Dropped puts: Xen out of memory, or just not keeping it. */
	fake.ret = -ENOMEM;
	tmem_cleancache_put_page(4, &test_key, 1, page);
	fake.ret = 0;
	tmem_cleancache_put_page(4, &test_key, 1, page);
	fake.ret = -ENOSPC;
	tmem_cleancache_put_page(4, &test_key, 1, page);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tmem_stats.failed_puts),
			failed + 3);
	__free_page(page);
}

static void only_a_hit_is_a_hit(struct kunit *test)
{
	static const int misses[] = { 0, -TMEM_EEMPTY, -ENODEV, -EINVAL,
				      -TMEM_EFROZEN, 2 };
	struct page *page = alloc_page(GFP_KERNEL);
	long hits = atomic_long_read(&tmem_stats.hits);
	long missed = atomic_long_read(&tmem_stats.misses);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, page);
	fake.ret = 1;
	KUNIT_EXPECT_EQ(test, tmem_cleancache_get_page(1, &test_key, 3, page),
			0);
	KUNIT_EXPECT_EQ(test, fake.last.cmd, TMEM_GET_PAGE);
	KUNIT_EXPECT_EQ(test, fake.last.u.gen.cmfn, (u64)xen_page_to_gfn(page));
	for (i = 0; i < ARRAY_SIZE(misses); i++) {
		fake.ret = misses[i];
		KUNIT_EXPECT_NE(test,
				tmem_cleancache_get_page(1, &test_key, 3, page),
				0);
	}
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tmem_stats.hits), hits + 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tmem_stats.misses),
			missed + ARRAY_SIZE(misses));
	__free_page(page);
}

static void invalidations_are_flushes(struct kunit *test)
{
	fake.ret = 1;
	tmem_cleancache_invalidate_page(6, &test_key, 9);
	KUNIT_EXPECT_EQ(test, fake.last.cmd, TMEM_FLUSH_PAGE);
	KUNIT_EXPECT_EQ(test, fake.last.pool_id, 6);
	KUNIT_EXPECT_EQ(test, fake.last.u.gen.index, 9U);
	KUNIT_EXPECT_EQ(test, fake.last.u.gen.cmfn, 0ULL);
	tmem_cleancache_invalidate_inode(6, &test_key);
	KUNIT_EXPECT_EQ(test, fake.last.cmd, TMEM_FLUSH_OBJECT);
	KUNIT_EXPECT_EQ(test, fake.last.u.gen.oid.oid[0], test_key.ino);
	fake.ret = 0;
	tmem_cleancache_invalidate_fs(6);
	KUNIT_EXPECT_EQ(test, fake.last.cmd, TMEM_DESTROY_POOL);
	KUNIT_EXPECT_EQ(test, fake.last.pool_id, 6);
	KUNIT_EXPECT_EQ(test, fake.calls, 3);
}

/* After kexec: every pool id the domain may hold is destroyed, once. */
static void stale_pools_of_a_previous_kernel_are_destroyed(struct kunit *test)
{
	long stale = atomic_long_read(&tmem_stats.stale_pools);

	fake.ret = 1;
	tmem_destroy_stale_pools();
	KUNIT_EXPECT_EQ(test, fake.calls, TMEM_MAX_POOLS);
	KUNIT_EXPECT_EQ(test, fake.last.cmd, TMEM_DESTROY_POOL);
	KUNIT_EXPECT_EQ(test, fake.last.pool_id, TMEM_MAX_POOLS - 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tmem_stats.stale_pools),
			stale + TMEM_MAX_POOLS);
	/* A Xen without tmem is asked once. */
	fake.calls = 0;
	fake.ret = -ENODEV;
	tmem_destroy_stale_pools();
	KUNIT_EXPECT_EQ(test, fake.calls, 1);
}

static struct kunit_case xen_tmem_cleancache_cases[] = {
	KUNIT_CASE(init_fs_makes_a_private_ephemeral_pool),
	KUNIT_CASE(init_shared_fs_passes_the_uuid),
	KUNIT_CASE(failed_new_pool_leaves_the_fs_without_tmem),
	KUNIT_CASE(xen_without_tmem_stops_all_hypercalls),
	KUNIT_CASE(put_marshals_the_page),
	KUNIT_CASE(only_a_hit_is_a_hit),
	KUNIT_CASE(invalidations_are_flushes),
	KUNIT_CASE(stale_pools_of_a_previous_kernel_are_destroyed),
	{}
};

static struct kunit_suite xen_tmem_cleancache_suite = {
	.name = "xen_tmem_cleancache",
	.init = tmem_test_init,
	.exit = tmem_test_exit,
	.test_cases = xen_tmem_cleancache_cases,
};

kunit_test_suite(xen_tmem_cleancache_suite);
