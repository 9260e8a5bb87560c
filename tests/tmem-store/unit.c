// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the tmem store and dispatcher, built for userspace: every
 * command and error code, the pool limits, the get semantics, eviction
 * order and fairness, the cap on a client's ephemeral pages, eviction
 * passing over a client that yields nothing, refused frames, bounded
 * flushes, and that destroying clients gives back every page and byte.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "frames.h"

#define EPH         (TMEM_SPEC_VERSION << TMEM_POOL_VERSION_SHIFT)
#define PERSIST     (EPH | TMEM_POOL_PERSIST)
#define SHARED      (EPH | TMEM_POOL_SHARED)

static unsigned int failures;
static const char *current_test;

#define CHECK(cond) do {                                                  \
    if ( !(cond) )                                                        \
    {                                                                     \
        printf("# %s:%d: %s: check failed: %s\n", __FILE__, __LINE__,    \
               current_test, #cond);                                      \
        failures++;                                                       \
    }                                                                     \
} while ( 0 )

#define CHECK_EQ(a, b) do {                                               \
    long long a_ = (a), b_ = (b);                                         \
    if ( a_ != b_ )                                                       \
    {                                                                     \
        printf("# %s:%d: %s: %s == %lld, want %lld\n", __FILE__,         \
               __LINE__, current_test, #a, a_, b_);                       \
        failures++;                                                       \
    }                                                                     \
} while ( 0 )

static struct test_domain doms[3];

static long new_pool(struct tmem_client *c, uint32_t flags, uint64_t uuid)
{
    struct tmem_op op = { .cmd = TMEM_NEW_POOL };

    op.u.creat.flags = flags;
    op.u.creat.uuid[0] = uuid;
    op.u.creat.uuid[1] = ~uuid;
    return user_do_op(c, &op);
}

/* A pool a test starts with: its flags, and the uuid if it is shared. */
struct pool_spec {
    uint32_t flags;
    uint64_t uuid;
};

/* Pools in the order they are made, up to flags 0 (never valid ones). */
#define POOLS(...) ((const struct pool_spec[]){ __VA_ARGS__, { 0, 0 } })

/*
 * The pools @c starts with, made in turn: each must get the next id from
 * 0, so a test can say in one line which pool ids are of which kind.
 */
static void new_pools(struct tmem_client *c, const struct pool_spec *p)
{
    long id;

    for ( id = 0; p[id].flags; id++ )
        CHECK_EQ(new_pool(c, p[id].flags, p[id].uuid), id);
}

static long page_op(struct tmem_client *c, uint32_t cmd, int32_t pool,
                    uint64_t oid, uint32_t index, uint64_t cmfn)
{
    struct tmem_op op = { .cmd = cmd, .pool_id = pool };

    op.u.gen.oid.oid[0] = oid;
    op.u.gen.oid.oid[2] = oid * 7;
    op.u.gen.index = index;
    op.u.gen.cmfn = cmfn;
    return user_do_op(c, &op);
}

/* DESTROY_POOL @pool, issued again until done. */
static long user_do_op_destroy(struct tmem_client *c, int32_t pool)
{
    struct tmem_op op = { .cmd = TMEM_DESTROY_POOL, .pool_id = pool };

    return user_do_op(c, &op);
}

static long put(struct tmem_client *c, int32_t pool, uint64_t oid,
                uint32_t index, unsigned int frame, uint32_t seed)
{
    frame_fill(frame, seed);
    return page_op(c, TMEM_PUT_PAGE, pool, oid, index, frame);
}

/* A get into @frame: 1 only if it hit and brought back @seed's bytes. */
static long get(struct tmem_client *c, int32_t pool, uint64_t oid,
                uint32_t index, unsigned int frame, uint32_t seed)
{
    long rc;

    memset(frames[frame].bytes, 0xee, PAGE_SIZE);
    rc = page_op(c, TMEM_GET_PAGE, pool, oid, index, frame);
    if ( rc == 1 && !frame_check(frame, seed) )
        return -999;
    return rc;
}

/* Frames 0..99 are domain 0's, 100..199 domain 1's, 200..299 domain 2's. */
static struct tmem_client *setup(unsigned int n)
{
    unsigned int i, f;

    frames_reset();
    for ( i = 0; i < 3; i++ )
    {
        doms[i].id = i;
        doms[i].max_persistent = 1000000;
        doms[i].charged = 0;
        for ( f = 0; f < 100; f++ )
            frames[i * 100 + f].owner = &doms[i];
    }
    (void)n;
    return tmem_client_create(0, &doms[0]);
}

static void test_new_pool_flags(void)
{
    struct tmem_client *c = setup(1);

    CHECK_EQ(new_pool(c, EPH, 0), 0);
    CHECK_EQ(new_pool(c, PERSIST, 0), 1);
    CHECK_EQ(new_pool(c, SHARED, 42), 2);
    CHECK_EQ(new_pool(c, EPH | TMEM_POOL_PRECOMPRESSED, 0), -EPERM);
    CHECK_EQ(new_pool(c, EPH | (1U << TMEM_POOL_PAGESIZE_SHIFT), 0), -EPERM);
    CHECK_EQ(new_pool(c, EPH | (1U << 3), 0), -EPERM);
    CHECK_EQ(new_pool(c, EPH | (1U << 8), 0), -EPERM);
    CHECK_EQ(new_pool(c, EPH | (1U << 23), 0), -EPERM);
    CHECK_EQ(new_pool(c, 0, 0), -EPERM);
    CHECK_EQ(new_pool(c, 2U << TMEM_POOL_VERSION_SHIFT, 0), -EPERM);
    CHECK_EQ(new_pool(c, SHARED | TMEM_POOL_PERSIST, 1), -EPERM);
    CHECK_EQ(new_pool(c, EPH, 0), 3);
    tmem_client_destroy(c);
}

static void test_pool_limits(void)
{
    struct tmem_client *c = setup(1);
    struct tmem_client *d = tmem_client_create(1, &doms[1]);
    struct tmem_client *e, *f, *g;
    unsigned int i;

    for ( i = 0; i < TMEM_MAX_POOLS_PER_CLIENT; i++ )
        CHECK_EQ(new_pool(c, EPH, 0), i);
    CHECK_EQ(new_pool(c, EPH, 0), -EPERM);
    CHECK_EQ(page_op(c, TMEM_DESTROY_POOL, 5, 0, 0, 0), 1);
    CHECK_EQ(page_op(c, TMEM_DESTROY_POOL, 5, 0, 0, 0), 0);
    CHECK_EQ(new_pool(c, EPH, 0), 5);
    tmem_client_destroy(c);

    /*
     * 16 shared pools in the host, at most 4 held by one client (made or
     * joined), so that one guest cannot take them all.
     */
    c = tmem_client_create(0, &doms[0]);
    e = tmem_client_create(2, &doms[2]);
    f = tmem_client_create(3, &doms[2]);
    for ( i = 0; i < 4; i++ )
        CHECK_EQ(new_pool(c, SHARED, 100 + i), i);
    CHECK_EQ(new_pool(c, SHARED, 104), -EPERM);
    CHECK_EQ(new_pool(c, SHARED, 100), -EPERM);  /* a join counts too */
    CHECK_EQ(new_pool(c, EPH, 0), 4);            /* private ones do not */
    for ( i = 0; i < 4; i++ )
    {
        CHECK_EQ(new_pool(d, SHARED, 200 + i), i);
        CHECK_EQ(new_pool(e, SHARED, 300 + i), i);
    }
    for ( i = 0; i < 3; i++ )
        CHECK_EQ(new_pool(f, SHARED, 400 + i), i);
    /* Joining one that exists needs no new slot. */
    CHECK_EQ(new_pool(f, SHARED, 100), 3);
    CHECK_EQ(new_pool(f, SHARED, 100), -EPERM);
    CHECK_EQ(global_now().shared_pools, 15);
    CHECK_EQ(new_pool(f, EPH, 0), 4);
    /* A pool left gives a client room for another. */
    CHECK_EQ(page_op(f, TMEM_DESTROY_POOL, 0, 0, 0, 0), 1);
    CHECK_EQ(global_now().shared_pools, 14);
    CHECK_EQ(new_pool(f, SHARED, 700), 0);
    CHECK_EQ(new_pool(d, SHARED, 500), -EPERM);
    /* The host's 16 are a limit of their own. */
    g = tmem_client_create(4, &doms[1]);
    CHECK_EQ(new_pool(g, SHARED, 800), 0);
    CHECK_EQ(global_now().shared_pools, 16);
    CHECK_EQ(new_pool(g, SHARED, 801), -EPERM);
    CHECK_EQ(page_op(c, TMEM_DESTROY_POOL, 0, 0, 0, 0), 1);
    CHECK_EQ(global_now().shared_pools, 16);     /* f still holds it */
    CHECK_EQ(page_op(f, TMEM_DESTROY_POOL, 3, 0, 0, 0), 1);
    CHECK_EQ(global_now().shared_pools, 15);
    CHECK_EQ(new_pool(c, SHARED, 600), 0);
    /*
     * A shared pool being emptied still counts: giving up on its
     * DESTROY_POOL frees no slot, nobody else can have it meanwhile.
     * (The host has room for one more.)
     */
    CHECK_EQ(page_op(g, TMEM_DESTROY_POOL, 0, 0, 0, 0), 1);
    CHECK_EQ(global_now().shared_pools, 15);
    for ( i = 0; i < 300; i++ )
        CHECK_EQ(put(c, 1, 1, i, 0, i), 1);
    preempt_every = 1;
    CHECK_EQ(tmem_do_op(c, &(struct tmem_op){ .cmd = TMEM_DESTROY_POOL,
                                              .pool_id = 1 }), -ERESTART);
    preempt_every = 0;
    CHECK_EQ(new_pool(c, SHARED, 601), -EPERM);
    CHECK_EQ(user_do_op_destroy(c, 1), 1);
    CHECK_EQ(new_pool(c, SHARED, 601), 1);
    tmem_client_destroy(c);
    tmem_client_destroy(d);
    tmem_client_destroy(e);
    tmem_client_destroy(f);
    tmem_client_destroy(g);
    CHECK_EQ(global_now().shared_pools, 0);
}

static void test_bad_pool_ids(void)
{
    struct tmem_client *c = setup(1);
    static const int32_t bad[] = { -1, 16, 17, 1000, INT_MIN, INT_MAX, 5 };
    static const uint32_t cmds[] = {
        TMEM_PUT_PAGE, TMEM_GET_PAGE, TMEM_FLUSH_PAGE, TMEM_FLUSH_OBJECT,
    };
    unsigned int i, j;

    CHECK_EQ(new_pool(c, EPH, 0), 0);
    for ( i = 0; i < sizeof(bad) / sizeof(bad[0]); i++ )
    {
        for ( j = 0; j < sizeof(cmds) / sizeof(cmds[0]); j++ )
            CHECK_EQ(page_op(c, cmds[j], bad[i], 1, 0, 0), -ENODEV);
        CHECK_EQ(page_op(c, TMEM_DESTROY_POOL, bad[i], 0, 0, 0),
                 bad[i] == 5 ? 0 : -ENODEV);
    }
    tmem_client_destroy(c);
}

static void test_other_commands(void)
{
    struct tmem_client *c = setup(1);
    static const uint32_t perm[] = {
        TMEM_CONTROL, TMEM_AUTH, TMEM_RESTORE_NEW,
    };
    static const uint32_t nosys[] = {
        TMEM_NEW_PAGE, TMEM_READ, TMEM_WRITE, TMEM_XCHG, 11, 100, 103,
        0x80000000U, 0xffffffffU,
    };
    unsigned int i;

    for ( i = 0; i < sizeof(perm) / sizeof(perm[0]); i++ )
        CHECK_EQ(page_op(c, perm[i], 0, 0, 0, 0), -EPERM);
    for ( i = 0; i < sizeof(nosys) / sizeof(nosys[0]); i++ )
        CHECK_EQ(page_op(c, nosys[i], 0, 0, 0, 0), -ENOSYS);
    tmem_client_destroy(c);
}

static void test_private_ephemeral_get_is_exclusive(void)
{
    struct tmem_client *c = setup(1);

    CHECK_EQ(new_pool(c, EPH, 0), 0);
    CHECK_EQ(get(c, 0, 1, 0, 1, 0), -TMEM_EEMPTY);
    CHECK_EQ(put(c, 0, 1, 0, 0, 11), 1);
    CHECK_EQ(put(c, 0, 1, 1, 0, 12), 1);
    CHECK_EQ(get(c, 0, 1, 0, 1, 11), 1);
    CHECK_EQ(get(c, 0, 1, 0, 1, 11), 0);        /* gone: a miss */
    CHECK_EQ(get(c, 0, 1, 1, 1, 12), 1);
    CHECK_EQ(get(c, 0, 1, 1, 1, 12), -TMEM_EEMPTY);
    CHECK_EQ(client_now(c).gets_hit, 2);
    CHECK_EQ(client_now(c).gets_miss, 3);
    CHECK_EQ(data_pages_live(), 0);
    tmem_client_destroy(c);
}

static void test_persistent_and_shared_gets_keep_the_page(void)
{
    struct tmem_client *c = setup(1);
    struct tmem_client *d = tmem_client_create(1, &doms[1]);

    CHECK_EQ(new_pool(c, PERSIST, 0), 0);
    CHECK_EQ(put(c, 0, 9, 3, 0, 21), 1);
    CHECK_EQ(get(c, 0, 9, 3, 1, 21), 1);
    CHECK_EQ(get(c, 0, 9, 3, 1, 21), 1);

    CHECK_EQ(new_pool(c, SHARED, 77), 1);
    CHECK_EQ(new_pool(d, EPH, 0), 0);
    CHECK_EQ(new_pool(d, SHARED, 77), 1);
    CHECK_EQ(put(c, 1, 5, 0, 2, 31), 1);
    CHECK_EQ(get(d, 1, 5, 0, 100, 31), 1);
    CHECK_EQ(get(d, 1, 5, 0, 100, 31), 1);
    CHECK_EQ(get(c, 1, 5, 0, 3, 31), 1);
    /* d's pool 0 is its own: c's pages are not there. */
    CHECK_EQ(get(d, 0, 5, 0, 100, 31), -TMEM_EEMPTY);
    CHECK_EQ(get(d, 0, 9, 3, 100, 21), -TMEM_EEMPTY);
    tmem_client_destroy(c);
    /* c's pages in the shared pool went with it; the pool stays. */
    CHECK_EQ(get(d, 1, 5, 0, 100, 31), -TMEM_EEMPTY);
    CHECK_EQ(put(d, 1, 5, 0, 101, 32), 1);
    CHECK_EQ(get(d, 1, 5, 0, 100, 32), 1);
    tmem_client_destroy(d);
}

static void test_put_put_get(void)
{
    struct tmem_client *c = setup(1);
    int32_t pool;
    long rc;

    for ( pool = 0; pool < 2; pool++ )
    {
        CHECK_EQ(new_pool(c, pool ? PERSIST : EPH, 0), pool);
        CHECK_EQ(put(c, pool, 1, 0, 0, 41), 1);
        CHECK_EQ(put(c, pool, 1, 0, 0, 42), 1);
        CHECK_EQ(get(c, pool, 1, 0, 1, 42), 1);

        /* A second put that cannot be stored drops the first. */
        CHECK_EQ(put(c, pool, 2, 0, 0, 43), 1);
        frames[5].owner = &doms[1];
        CHECK_EQ(page_op(c, TMEM_PUT_PAGE, pool, 2, 0, 5), -EINVAL);
        frames[5].owner = &doms[0];
        CHECK_EQ(get(c, pool, 2, 0, 1, 43), pool ? 0 : -TMEM_EEMPTY);
        CHECK(get(c, pool, 2, 0, 1, 43) != 1);

        CHECK_EQ(put(c, pool, 3, 0, 0, 44), 1);
        data_pages_fail_after = 0;
        rc = put(c, pool, 3, 0, 0, 45);
        /* Ephemeral: making room may have evicted the old copy first. */
        CHECK(rc == -ENOSPC || (!pool && rc == -ENOMEM));
        data_pages_fail_after = -1;
        CHECK(get(c, pool, 3, 0, 1, 44) != 1);
        CHECK(get(c, pool, 3, 0, 1, 45) != 1);
    }
    tmem_client_destroy(c);
}

static void test_refused_frames(void)
{
    struct tmem_client *c = setup(1);
    unsigned long pages;

    CHECK_EQ(new_pool(c, EPH, 0), 0);
    CHECK_EQ(put(c, 0, 1, 0, 0, 51), 1);
    pages = data_pages_live();

    /* Another domain's frame, a frame out of range, a huge cmfn. */
    frame_fill(150, 52);
    CHECK_EQ(page_op(c, TMEM_PUT_PAGE, 0, 1, 1, 150), -EINVAL);
    CHECK_EQ(page_op(c, TMEM_PUT_PAGE, 0, 1, 1, FRAMES_TOTAL), -EINVAL);
    CHECK_EQ(page_op(c, TMEM_PUT_PAGE, 0, 1, 1, ~0ULL), -EINVAL);
    CHECK_EQ(page_op(c, TMEM_GET_PAGE, 0, 1, 0, 150), -EINVAL);
    CHECK(frame_check(150, 52));                /* untouched */
    CHECK_EQ(page_op(c, TMEM_GET_PAGE, 0, 1, 0, ~0ULL), -EINVAL);
    /* Refused before a data page is sought: the heap dry, nothing evicted. */
    data_pages_fail_after = 0;
    CHECK_EQ(page_op(c, TMEM_PUT_PAGE, 0, 2, 0, 150), -EINVAL);
    data_pages_fail_after = -1;
    CHECK_EQ(client_now(c).evictions, 0);

    /* A frame that is not writable RAM is not written. */
    frame_fill(7, 53);
    frames[7].readonly = true;
    CHECK_EQ(page_op(c, TMEM_GET_PAGE, 0, 1, 0, 7), -EINVAL);
    CHECK(frame_check(7, 53));
    CHECK_EQ(data_pages_live(), pages);
    /* ... and the page is still there for a proper get. */
    CHECK_EQ(get(c, 0, 1, 0, 1, 51), 1);
    tmem_client_destroy(c);
}

static void test_sub_page_fields_refused(void)
{
    struct tmem_client *c = setup(1);
    struct tmem_op op = { .cmd = TMEM_PUT_PAGE, .pool_id = 0 };

    CHECK_EQ(new_pool(c, EPH, 0), 0);
    op.u.gen.len = 1;
    CHECK_EQ(user_do_op(c, &op), -EINVAL);
    op.cmd = TMEM_GET_PAGE;
    op.u.gen.len = 0;
    op.u.gen.pfn_offset = 8;
    CHECK_EQ(user_do_op(c, &op), -EINVAL);
    op.u.gen.pfn_offset = 0;
    op.u.gen.tmem_offset = 4096;
    CHECK_EQ(user_do_op(c, &op), -EINVAL);
    CHECK_EQ(data_pages_live(), 0);
    tmem_client_destroy(c);
}

static void test_flushes(void)
{
    struct tmem_client *c = setup(1);
    unsigned int i;

    CHECK_EQ(new_pool(c, PERSIST, 0), 0);
    CHECK_EQ(page_op(c, TMEM_FLUSH_PAGE, 0, 1, 0, 0), 1);
    CHECK_EQ(page_op(c, TMEM_FLUSH_OBJECT, 0, 1, 0, 0), 1);
    for ( i = 0; i < 10; i++ )
    {
        CHECK_EQ(put(c, 0, 1, i, 0, 60 + i), 1);
        CHECK_EQ(put(c, 0, 2, i, 0, 80 + i), 1);
    }
    CHECK_EQ(page_op(c, TMEM_FLUSH_PAGE, 0, 1, 4, 0), 1);
    CHECK_EQ(get(c, 0, 1, 4, 1, 64), 0);
    CHECK_EQ(get(c, 0, 1, 5, 1, 65), 1);
    CHECK_EQ(page_op(c, TMEM_FLUSH_OBJECT, 0, 1, 0, 0), 1);
    for ( i = 0; i < 10; i++ )
    {
        CHECK_EQ(get(c, 0, 1, i, 1, 60 + i), 0);
        CHECK_EQ(get(c, 0, 2, i, 1, 80 + i), 1);
    }
    CHECK_EQ(data_pages_live(), 10);
    CHECK_EQ(global_now().count.objects, 1);
    tmem_client_destroy(c);
}

static void test_memory_limits(void)
{
    struct tmem_client *c = setup(1);
    unsigned int i;

    doms[0].max_persistent = 5;
    CHECK_EQ(new_pool(c, PERSIST, 0), 0);
    CHECK_EQ(new_pool(c, EPH, 0), 1);
    for ( i = 0; i < 5; i++ )
        CHECK_EQ(put(c, 0, 1, i, 0, i), 1);
    CHECK_EQ(put(c, 0, 1, 5, 0, 5), -ENOMEM);
    CHECK_EQ(client_now(c).puts_failed, 1);
    /*
     * Every page held is charged to the domain, as Xen counts it in
     * tot_pages: one it cannot charge is not kept, and one it replaces
     * pays for its successor, so a domain at its allowance can still
     * overwrite what it holds.
     */
    CHECK_EQ(doms[0].charged, 5);
    CHECK_EQ(put(c, 0, 1, 2, 0, 50), 1);
    CHECK_EQ(get(c, 0, 1, 2, 1, 50), 1);
    CHECK_EQ(doms[0].charged, 5);
    CHECK_EQ(page_op(c, TMEM_FLUSH_PAGE, 0, 1, 3, 0), 1);
    CHECK_EQ(doms[0].charged, 4);
    CHECK_EQ(put(c, 0, 1, 5, 0, 5), 1);
    CHECK_EQ(doms[0].charged, 5);

    /* Ephemeral: out of memory, the oldest page makes room. */
    for ( i = 0; i < 4; i++ )
        CHECK_EQ(put(c, 1, 1, i, 0, 100 + i), 1);
    data_pages_fail_after = 1;
    CHECK_EQ(put(c, 1, 1, 4, 0, 104), 1);
    data_pages_fail_after = 0;
    CHECK_EQ(put(c, 1, 1, 5, 0, 105), -ENOMEM);
    data_pages_fail_after = -1;
    CHECK_EQ(client_now(c).evictions, 1);
    CHECK_EQ(get(c, 1, 1, 0, 1, 100), 0);
    CHECK_EQ(get(c, 1, 1, 1, 1, 101), 1);

    /* No memory for metadata either. */
    meta_alloc_fail = true;
    CHECK_EQ(put(c, 1, 9, 0, 0, 1), -ENOMEM);
    CHECK_EQ(new_pool(c, EPH, 0), -ENOMEM);
    meta_alloc_fail = false;
    tmem_client_destroy(c);
    CHECK_EQ(data_pages_live(), 0);
    CHECK_EQ(doms[0].charged, 0);
}

static void test_eviction_order(void)
{
    struct tmem_client *c = setup(1);
    unsigned int i;

    CHECK_EQ(new_pool(c, EPH, 0), 0);
    CHECK_EQ(new_pool(c, PERSIST, 0), 1);
    for ( i = 0; i < 10; i++ )
        CHECK_EQ(put(c, 0, i % 3, i, 0, 200 + i), 1);
    CHECK_EQ(put(c, 1, 1, 0, 0, 300), 1);
    CHECK_EQ(tmem_freeable_pages(), 10);
    CHECK_EQ(tmem_evict_pages(3), 3);
    for ( i = 0; i < 10; i++ )
        CHECK_EQ(get(c, 0, i % 3, i, 1, 200 + i), i < 3 ? 0 : 1);
    /* Persistent pages are never evicted. */
    CHECK_EQ(tmem_evict_pages(100), 0);
    CHECK_EQ(get(c, 1, 1, 0, 1, 300), 1);
    tmem_client_destroy(c);
}

/* A client's oldest pages go first, whichever of its pools they are in. */
static void test_eviction_order_across_pools(void)
{
    struct tmem_client *c = setup(1);
    unsigned int i;

    CHECK_EQ(new_pool(c, EPH, 0), 0);
    CHECK_EQ(new_pool(c, EPH, 0), 1);
    CHECK_EQ(new_pool(c, SHARED, 9), 2);
    for ( i = 0; i < 12; i++ )
        CHECK_EQ(put(c, i % 3, 1, i, 0, 200 + i), 1);
    CHECK_EQ(tmem_evict_pages(5), 5);
    CHECK_EQ(client_now(c).evictions, 5);
    for ( i = 0; i < 12; i++ )
        CHECK_EQ(get(c, i % 3, 1, i, 1, 200 + i), i < 5 ? 0 : 1);
    tmem_client_destroy(c);
}

/* The longest chain of a table, old buckets not moved yet included. */
static unsigned int longest_chain(struct tmem_table *t)
{
    unsigned long i, n, longest = 0;
    const struct tmem_hnode *e;

    for ( i = 0; i < table_size(t); i++ )
    {
        for ( n = 0, e = *table_nth(t, i); e; e = e->next )
            n++;
        longest = n > longest ? n : longest;
    }
    for ( i = t->moved; t->old && i < table_size(t) / 2; i++ )
    {
        for ( n = 0, e = t->old[i]; e; e = e->next )
            n++;
        longest = n > longest ? n : longest;
    }

    return longest;
}

/*
 * Ids and indexes chosen to share a bucket under a fixed hash still
 * spread: here ones that differ only in their top bits (which a fixed
 * multiplicative hash folds together, or drops).
 */
static void test_hash_flooding_spreads(void)
{
    struct tmem_client *c = setup(1);
    struct tmem_op op = { .cmd = TMEM_PUT_PAGE, .pool_id = 0 };
    struct tmem_pool *p;
    struct tmem_object *o = NULL;
    struct tmem_oid big = { { 0, 0, 1 } };
    unsigned int i;

    CHECK_EQ(new_pool(c, PERSIST, 0), 0);
    p = c->pools[0];
    for ( i = 0; i < 2048; i++ )
    {
        op.u.gen.oid.oid[2] = (uint64_t)i << 52;
        CHECK_EQ(user_do_op(c, &op), 1);
    }
    op.u.gen.oid.oid[2] = 1;
    for ( i = 0; i < 2048; i++ )
    {
        op.u.gen.index = i << 21;
        CHECK_EQ(user_do_op(c, &op), 1);
    }
    CHECK_EQ(p->nobjs, 2049);
    for ( i = 0; i < table_size(&p->objs) * 3 / 2 && !o; i++ )
    {
        const struct tmem_hnode *e = i < table_size(&p->objs) ?
            *table_nth(&p->objs, i) :
            p->objs.old && i - table_size(&p->objs) >= p->objs.moved ?
            p->objs.old[i - table_size(&p->objs)] : NULL;

        for ( o = obj_of(e); o; o = obj_of(o->hnode.next) )
            if ( !memcmp(&o->oid, &big, sizeof(big)) )
                break;
    }
    CHECK(o != NULL);
    CHECK_EQ(o ? o->npages : 0, 2048);
    CHECK(longest_chain(&p->objs) <= 16);
    CHECK(o && longest_chain(&o->pages) <= 16);
    tmem_client_destroy(c);
}

static unsigned long eph(const struct tmem_client *c)
{
    return tmem_client_eph_pages(c);
}

static void test_eviction_fairness(void)
{
    struct tmem_client *c = setup(2);
    struct tmem_client *d = tmem_client_create(1, &doms[1]);
    unsigned int i;

    new_pools(c, POOLS({ EPH, 0 }));
    new_pools(d, POOLS({ EPH, 0 }));
    for ( i = 0; i < 60; i++ )
        CHECK_EQ(put(c, 0, 1, i, 0, i), 1);
    for ( i = 0; i < 20; i++ )
        CHECK_EQ(put(d, 0, 1, i, 100, i), 1);
    CHECK_EQ(tmem_evict_pages(40), 40);
    CHECK_EQ(eph(c), 20);
    CHECK_EQ(eph(d), 20);
    CHECK_EQ(tmem_evict_pages(10), 10);
    CHECK(eph(c) >= 14 && eph(c) <= 16);

    /* Weight 3:1 -> c keeps about three times as much as d. */
    tmem_client_set_weight(c, 300);
    tmem_evict_pages(eph(c) + eph(d) - 20);
    CHECK(eph(c) >= 14 && eph(c) <= 16);
    CHECK_EQ(eph(c) + eph(d), 20);
    CHECK_EQ(client_now(c).evictions + client_now(d).evictions, 60);
    tmem_client_destroy(c);
    tmem_client_destroy(d);
}

/*
 * Once tmem has filled the heap, a NEW_POOL makes room for its object
 * table by evicting: the filesystem of a guest started then gets a pool.
 * One that is refused anyway evicts nothing.
 */
static void test_new_pool_on_a_dry_heap(void)
{
    struct tmem_client *c = setup(1);
    unsigned int i;

    new_pools(c, POOLS({ EPH, 0 }));
    for ( i = 0; i < 20; i++ )
        CHECK_EQ(put(c, 0, 1, i, 0, i), 1);
    meta_dry_until_page_free = true;
    CHECK_EQ(new_pool(c, EPH, 0), 1);
    CHECK_EQ(client_now(c).evictions, 4);
    CHECK_EQ(eph(c), 16);

    for ( i = 2; i < TMEM_MAX_POOLS_PER_CLIENT; i++ )
        CHECK_EQ(new_pool(c, PERSIST, 0), i);
    meta_dry_until_page_free = true;
    CHECK_EQ(new_pool(c, EPH, 0), -EPERM);
    CHECK_EQ(client_now(c).evictions, 4);
    meta_dry_until_page_free = false;
    tmem_client_destroy(c);
}

/*
 * A client's ephemeral pages stay within its cap: a put past it evicts the
 * client's oldest, whichever pool they are in, and nobody else's.
 */
static void test_ephemeral_cap(void)
{
    struct tmem_client *c = setup(2);
    struct tmem_client *d = tmem_client_create(1, &doms[1]);
    unsigned int i;

    new_pools(c, POOLS({ EPH, 0 }, { SHARED, 3 }, { PERSIST, 0 }));
    new_pools(d, POOLS({ EPH, 0 }));
    tmem_client_set_max_ephemeral(c, 10);
    for ( i = 0; i < 30; i++ )
    {
        CHECK_EQ(put(c, i % 2, 1, i, 0, i), 1);
        CHECK(eph(c) <= 10);
    }
    CHECK_EQ(eph(c), 10);
    CHECK_EQ(client_now(c).evictions, 20);
    for ( i = 0; i < 20; i++ )
        CHECK_EQ(put(d, 0, 1, i, 100, i), 1);
    CHECK_EQ(eph(d), 20);
    /* Persistent pages are the domain's own memory: not capped here. */
    for ( i = 0; i < 20; i++ )
        CHECK_EQ(put(c, 2, 1, i, 0, 100 + i), 1);
    CHECK_EQ(eph(c), 10);

    /* A lower cap is reached at the next put, which keeps the newest. */
    tmem_client_set_max_ephemeral(c, 4);
    CHECK_EQ(put(c, 0, 2, 0, 0, 99), 1);
    CHECK_EQ(eph(c), 4);
    for ( i = 0; i < 30; i++ )
        CHECK_EQ(get(c, i % 2, 1, i, 1, i), i >= 27);
    CHECK_EQ(get(c, 0, 2, 0, 1, 99), 1);
    for ( i = 0; i < 20; i++ )
        CHECK_EQ(get(c, 2, 1, i, 1, 100 + i), 1);
    CHECK_EQ(eph(d), 20);

    /* The private pages got are gone, the shared ones (27, 29) stay. */
    CHECK_EQ(eph(c), 2);
    tmem_client_set_max_ephemeral(c, TMEM_NO_CAP);
    for ( i = 0; i < 30; i++ )
        CHECK_EQ(put(c, 0, 3, i, 0, i), 1);
    CHECK_EQ(eph(c), 32);
    CHECK_EQ(client_now(c).evictions, 27);
    tmem_client_destroy(c);
    tmem_client_destroy(d);
}

static struct tmem_client *hook_victim, *hook_getter;

/* The getter gets the victim's oldest shared-pool page: its LRU head moves. */
static void move_victims_head(void)
{
    static bool inside;
    const struct tmem_link *head = hook_victim->lru.next;
    const struct tmem_page *pg;
    unsigned int id;

    if ( inside || head == &hook_victim->lru )
        return;
    inside = true;
    pg = (const struct tmem_page *)((const char *)head -
                                    offsetof(struct tmem_page, lru));
    for ( id = 0; id < TMEM_MAX_POOLS_PER_CLIENT; id++ )
        if ( hook_getter->pools[id] == pg->obj->pool )
            break;
    CHECK_EQ(page_op(hook_getter, TMEM_GET_PAGE, id, pg->obj->oid.oid[0],
                     pg->index, 101), 1);
    inside = false;
}

/*
 * A victim that yields nothing is passed over for the next one. Here each
 * try at the head of a client's shared-pool LRU finds it moved to another
 * pool: another domain gets that page just then.
 */
static void test_eviction_passes_over_a_victim(void)
{
    struct tmem_client *c = setup(3);
    struct tmem_client *d = tmem_client_create(1, &doms[1]);
    struct tmem_client *e = tmem_client_create(2, &doms[2]);
    unsigned int i;

    new_pools(c, POOLS({ SHARED, 1 }, { SHARED, 2 }));
    new_pools(d, POOLS({ SHARED, 1 }, { SHARED, 2 }));
    new_pools(e, POOLS({ EPH, 0 }));
    for ( i = 0; i < 4; i++ )
        CHECK_EQ(put(c, i % 2, 1, i, 0, i), 1);
    for ( i = 0; i < 2; i++ )
        CHECK_EQ(put(e, 0, 1, i, 200, i), 1);

    hook_victim = c;
    hook_getter = d;
    race_hook = move_victims_head;
    race_windows_open = true;
    CHECK_EQ(tmem_evict_pages(1), 1);
    race_windows_open = false;
    race_hook = NULL;
    CHECK_EQ(eph(c), 4);
    CHECK_EQ(eph(e), 1);
    /* Left alone, its oldest goes. */
    CHECK_EQ(tmem_evict_pages(1), 1);
    CHECK_EQ(eph(c), 3);
    tmem_client_destroy(c);
    tmem_client_destroy(d);
    tmem_client_destroy(e);
    CHECK_EQ(data_pages_live(), 0);
}

static void test_destroy_frees_everything(void)
{
    unsigned long meta = meta_bytes_live();
    struct tmem_client *c = setup(2);
    struct tmem_client *d = tmem_client_create(1, &doms[1]);
    unsigned int i;

    new_pools(c, POOLS({ EPH, 0 }, { PERSIST, 0 }, { SHARED, 5 }));
    new_pools(d, POOLS({ SHARED, 5 }));
    for ( i = 0; i < 300; i++ )
    {
        CHECK_EQ(put(c, i % 3, i / 7, i, 0, i), 1);
        CHECK_EQ(put(d, 0, i / 5, i + 1000, 100, i), 1);
    }
    CHECK_EQ(data_pages_live(), 600);
    CHECK_EQ(global_now().count.pages_allocated -
             global_now().count.pages_freed, 600);
    tmem_client_destroy(c);
    CHECK_EQ(data_pages_live(), 300);
    tmem_client_destroy(d);
    CHECK_EQ(data_pages_live(), 0);
    CHECK_EQ(global_now().count.pages_allocated,
             global_now().count.pages_freed);
    CHECK_EQ(global_now().eph_pages, 0);
    CHECK_EQ(global_now().pers_pages, 0);
    CHECK_EQ(global_now().count.objects, 0);
    CHECK_EQ(global_now().clients, 0);
    CHECK_EQ(meta_bytes_live(), meta);
}

/*
 * One call of a long op that may stop early (-ERESTART): its rc. The
 * pages it freed go into *@most if more than any call before, for the
 * test to check the most that one call did.
 */
static long preempted_op(struct tmem_client *c, const struct tmem_op *op,
                         unsigned long *most)
{
    unsigned long live = data_pages_live();
    long rc = tmem_do_op(c, op);

    if ( live - data_pages_live() > *most )
        *most = live - data_pages_live();
    return rc;
}

/*
 * Long ops yield: asked to be preempted at every chance, FLUSH_OBJECT
 * and DESTROY_POOL stop after a batch with -ERESTART, and issued again
 * carry on where they stopped, each call doing a bounded share. What an
 * op gives up on (a guest need not issue it again) is finished by the
 * next one on the pool, or by the client's teardown; an id being emptied
 * is not given out again.
 */
static void test_long_ops_are_continued(void)
{
    struct tmem_client *c = setup(1);
    struct tmem_op flush = { .cmd = TMEM_FLUSH_OBJECT, .pool_id = 0 };
    struct tmem_op destroy = { .cmd = TMEM_DESTROY_POOL, .pool_id = 0 };
    unsigned long most = 0;
    unsigned int i, calls = 0;
    long rc;

    flush.u.gen.oid.oid[0] = 1;
    flush.u.gen.oid.oid[2] = 7;
    CHECK_EQ(new_pool(c, PERSIST, 0), 0);
    for ( i = 0; i < 10000; i++ )
        CHECK_EQ(put(c, 0, 1, i, 0, i), 1);
    preempt_every = 1;
    do {
        rc = preempted_op(c, &flush, &most);
        calls++;
        /* Out of sight from the first call on. */
        CHECK(get(c, 0, 1, 9999, 1, 9999) == 0 ||
              get(c, 0, 1, 9999, 1, 9999) == -TMEM_EEMPTY);
    } while ( rc == -ERESTART && calls < 1000 );
    CHECK_EQ(rc, 1);
    CHECK(calls >= 10000 / 256);
    CHECK(most <= 256);
    CHECK_EQ(data_pages_live(), 0);
    CHECK_EQ(doms[0].charged, 0);

    /* A flush given up on is finished by the next flush on the pool. */
    for ( i = 0; i < 1000; i++ )
        CHECK_EQ(put(c, 0, 1, i, 0, i), 1);
    CHECK_EQ(tmem_do_op(c, &flush), -ERESTART);
    preempt_every = 0;
    CHECK_EQ(page_op(c, TMEM_FLUSH_OBJECT, 0, 2, 0, 0), 1);
    CHECK_EQ(data_pages_live(), 0);

    /* DESTROY_POOL alike; the id stays taken until the pool is gone. */
    for ( i = 0; i < 10000; i++ )
        CHECK_EQ(put(c, 0, i, 0, 0, i), 1);
    preempt_every = 1;
    calls = 0;
    most = 0;
    do {
        rc = preempted_op(c, &destroy, &most);
        calls++;
        CHECK_EQ(get(c, 0, 1, 0, 1, 1), -ENODEV);
        if ( calls == 2 )
            CHECK_EQ(new_pool(c, EPH, 0), 1);
    } while ( rc == -ERESTART && calls < 1000 );
    CHECK_EQ(rc, 1);
    CHECK(calls >= 10000 / 256);
    CHECK(most <= 256);
    CHECK_EQ(data_pages_live(), 0);
    CHECK_EQ(tmem_do_op(c, &destroy), 0);
    CHECK_EQ(new_pool(c, PERSIST, 0), 0);

    /*
     * A flush given up on is finished by puts into the pool too, so that
     * a guest cannot pile up held objects by never flushing again.
     */
    flush.pool_id = 1;
    for ( i = 0; i < 1000; i++ )
        CHECK_EQ(put(c, 1, 1, i, 0, i), 1);
    preempt_every = 1;
    CHECK_EQ(tmem_do_op(c, &flush), -ERESTART);
    preempt_every = 0;
    CHECK(c->pools[1]->held != NULL);
    for ( i = 0; i < 1000 && c->pools[1]->held; i++ )
        CHECK_EQ(put(c, 1, 5, i, 0, i), 1);
    CHECK(c->pools[1]->held == NULL);
    CHECK_EQ(data_pages_live(), i);
    CHECK_EQ(page_op(c, TMEM_DESTROY_POOL, 1, 0, 0, 0), 1);
    preempt_every = 1;

    /* Given up on, it is finished by the client's teardown. */
    for ( i = 0; i < 1000; i++ )
        CHECK_EQ(put(c, 0, i, 0, 0, i), 1);
    CHECK_EQ(tmem_do_op(c, &destroy), -ERESTART);
    CHECK(data_pages_live() > 0);
    preempt_every = 0;
    tmem_client_destroy(c);
    CHECK_EQ(data_pages_live(), 0);
    CHECK_EQ(doms[0].charged, 0);
    CHECK_EQ(global_now().count.objects, 0);
}

static void test_long_flushes_are_bounded(void)
{
    struct tmem_client *c = setup(1);
    unsigned long before;
    unsigned int i, steps = 0;

    CHECK_EQ(new_pool(c, PERSIST, 0), 0);
    for ( i = 0; i < 10000; i++ )
        CHECK_EQ(put(c, 0, 1, i, 0, i), 1);
    before = preempt_points;
    CHECK_EQ(page_op(c, TMEM_FLUSH_OBJECT, 0, 1, 0, 0), 1);
    CHECK(preempt_points - before >= 10000 / 256 - 1);
    CHECK_EQ(data_pages_live(), 0);

    for ( i = 0; i < 10000; i++ )
        CHECK_EQ(put(c, 0, i, 0, 0, i), 1);
    before = preempt_points;
    CHECK_EQ(page_op(c, TMEM_DESTROY_POOL, 0, 0, 0, 0), 1);
    CHECK(preempt_points - before >= 10000 / 256 - 1);

    CHECK_EQ(new_pool(c, PERSIST, 0), 0);
    for ( i = 0; i < 1000; i++ )
        CHECK_EQ(put(c, 0, 1, i, 0, i), 1);
    while ( !tmem_client_destroy_step(c, 100) )
        steps++;
    CHECK(steps >= 9);
    CHECK_EQ(data_pages_live(), 0);
}

static void test_many_objects_and_pages(void)
{
    struct tmem_client *c = setup(1);
    unsigned int i, bad = 0;

    CHECK_EQ(new_pool(c, PERSIST, 0), 0);
    for ( i = 0; i < 30000; i++ )
        CHECK_EQ(put(c, 0, i % 5000, i / 5000 * 1000003, 0, i), 1);
    for ( i = 0; i < 30000; i++ )
        bad += get(c, 0, i % 5000, i / 5000 * 1000003, 1, i) != 1;
    CHECK_EQ(bad, 0);
    tmem_client_destroy(c);
}

/*
 * The administrator's freeze: a frozen client's puts fail with -EFROZEN
 * and drop the older copy they would have replaced (put-put-get); gets,
 * flushes and new pools go on; thawed, puts are taken again.
 */
static void test_frozen_client(void)
{
    struct tmem_client *c = setup(1);
    int32_t pool;

    for ( pool = 0; pool < 2; pool++ )
        CHECK_EQ(new_pool(c, pool ? PERSIST : EPH, 0), pool);
    for ( pool = 0; pool < 2; pool++ )
    {
        CHECK_EQ(put(c, pool, 1, 0, 0, 10), 1);
        CHECK_EQ(put(c, pool, 1, 1, 0, 11), 1);
    }
    tmem_client_set_frozen(c, true);
    for ( pool = 0; pool < 2; pool++ )
    {
        CHECK_EQ(put(c, pool, 1, 0, 0, 20), -TMEM_EFROZEN);
        CHECK(get(c, pool, 1, 0, 1, 10) != 1);
        CHECK(get(c, pool, 1, 0, 1, 20) != 1);
        CHECK_EQ(put(c, pool, 2, 0, 0, 21), -TMEM_EFROZEN);
        CHECK(get(c, pool, 2, 0, 1, 21) != 1);
        /* What it held before stays its own. */
        CHECK_EQ(get(c, pool, 1, 1, 1, 11), 1);
    }
    CHECK_EQ(new_pool(c, EPH, 0), 2);
    CHECK_EQ(page_op(c, TMEM_FLUSH_OBJECT, 0, 1, 0, 0), 1);
    CHECK_EQ(client_now(c).puts_failed, 4);
    tmem_client_set_frozen(c, false);
    for ( pool = 0; pool < 2; pool++ )
    {
        CHECK_EQ(put(c, pool, 1, 0, 0, 30), 1);
        CHECK_EQ(get(c, pool, 1, 0, 1, 30), 1);
    }
    tmem_client_destroy(c);
}

/*
 * The administrator's flush: the client's oldest ephemeral pages, at most
 * as many as asked, counted as evictions; nobody else's pages, and never
 * persistent ones.
 */
static void test_client_flush(void)
{
    struct tmem_client *c = setup(2);
    struct tmem_client *d = tmem_client_create(1, &doms[1]);
    unsigned long n;
    unsigned int i;

    new_pools(c, POOLS({ EPH, 0 }, { SHARED, 5 }, { PERSIST, 0 }));
    new_pools(d, POOLS({ EPH, 0 }));
    for ( i = 0; i < 20; i++ )
    {
        CHECK_EQ(put(c, i % 2, 1, i, 0, i), 1);
        CHECK_EQ(put(c, 2, 1, i, 0, 100 + i), 1);
        CHECK_EQ(put(d, 0, 1, i, 100, i), 1);
    }
    CHECK_EQ(tmem_client_flush(c, 5), 5);
    CHECK_EQ(eph(c), 15);
    CHECK_EQ(client_now(c).evictions, 5);
    for ( i = 0; i < 5; i++ )
        CHECK(get(c, i % 2, 1, i, 1, i) != 1);
    CHECK_EQ(tmem_client_flush(c, 1000), 15);
    CHECK_EQ(tmem_client_flush(c, 1000), 0);
    CHECK_EQ(eph(c), 0);
    CHECK_EQ(eph(d), 20);
    for ( i = 0; i < 20; i++ )
        CHECK_EQ(get(c, 2, 1, i, 1, 100 + i), 1);

    /*
     * It stops between batches when asked to: a guest can make each page
     * cost a lock of every pool it has, and keep those locks busy.
     */
    for ( i = 0; i < 200; i++ )
        CHECK_EQ(put(c, 0, 2, i, 0, i), 1);
    preempt_every = 1;
    n = tmem_client_flush(c, 1000);
    preempt_every = 0;
    CHECK(n > 0 && n < 200);
    CHECK_EQ(eph(c), 200 - n);
    CHECK_EQ(tmem_client_flush(c, 1000), 200 - n);
    tmem_client_destroy(c);
    tmem_client_destroy(d);
}

/*
 * With tmem_shared_auth, a client creates or joins a shared pool only for
 * a uuid it was allowed; withdrawing leaves it in the pool but keeps it
 * from joining again. Private pools need no leave.
 */
static void test_shared_auth(void)
{
    struct tmem_client *c = setup(2);
    struct tmem_client *d = tmem_client_create(1, &doms[1]);
    struct tmem_pool_info info[TMEM_MAX_POOLS_PER_CLIENT];
    uint64_t uuids[TMEM_MAX_AUTH][2];
    const uint64_t u7[2] = { 7, ~7ULL }, u8[2] = { 8, ~8ULL };
    unsigned int i;

    tmem_shared_auth = true;
    CHECK_EQ(new_pool(c, SHARED, 7), -EPERM);
    CHECK_EQ(new_pool(c, EPH, 0), 0);
    CHECK_EQ(tmem_client_auth(c, u7, true), 0);
    CHECK_EQ(tmem_client_auth(c, u7, true), 0);
    CHECK_EQ(tmem_client_auth_list(c, uuids), 1);
    CHECK_EQ(new_pool(c, SHARED, 7), 1);
    CHECK_EQ(new_pool(c, SHARED, 8), -EPERM);
    /* d knows the uuid but was not allowed it: no way into c's pages. */
    CHECK_EQ(put(c, 1, 1, 0, 0, 70), 1);
    CHECK_EQ(new_pool(d, SHARED, 7), -EPERM);
    CHECK_EQ(tmem_client_auth(d, u7, true), 0);
    CHECK_EQ(new_pool(d, SHARED, 7), 0);
    CHECK_EQ(get(d, 0, 1, 0, 101, 70), 1);
    CHECK_EQ(tmem_client_auth(d, u7, false), 0);
    CHECK_EQ(tmem_client_auth(d, u7, false), -ENOENT);
    CHECK_EQ(tmem_client_auth_list(d, uuids), 0);
    /* Still in it; a second join is refused. */
    CHECK_EQ(get(d, 0, 1, 0, 101, 70), 1);
    CHECK_EQ(new_pool(d, SHARED, 7), -EPERM);

    CHECK_EQ(tmem_client_auth(c, u8, true), 0);
    for ( i = 2; i < TMEM_MAX_AUTH; i++ )
    {
        const uint64_t u[2] = { 100 + i, 0 };

        CHECK_EQ(tmem_client_auth(c, u, true), 0);
    }
    CHECK_EQ(tmem_client_auth(c, (const uint64_t[2]){ 99, 0 }, true),
             -ENOSPC);
    CHECK_EQ(tmem_client_auth_list(c, uuids), TMEM_MAX_AUTH);
    CHECK(uuids[1][0] == 8 && uuids[1][1] == ~8ULL);
    CHECK_EQ(new_pool(c, SHARED, 8), 2);

    /* The list of pools: ids, kinds, uuids and pages. */
    CHECK_EQ(tmem_client_pools(c, info), 3);
    CHECK(info[0].id == 0 && !info[0].shared && !info[0].persistent);
    CHECK(info[1].id == 1 && info[1].shared && info[1].uuid[0] == 7);
    CHECK_EQ(info[1].pages, 1);
    CHECK(info[2].id == 2 && info[2].uuid[1] == ~8ULL);
    CHECK_EQ(info[2].pages, 0);

    tmem_shared_auth = false;
    CHECK_EQ(new_pool(d, SHARED, 9), 1);
    tmem_client_destroy(c);
    tmem_client_destroy(d);
}

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
#define T(x) { #x, test_##x }
    T(new_pool_flags),
    T(pool_limits),
    T(frozen_client),
    T(client_flush),
    T(shared_auth),
    T(bad_pool_ids),
    T(other_commands),
    T(private_ephemeral_get_is_exclusive),
    T(persistent_and_shared_gets_keep_the_page),
    T(put_put_get),
    T(refused_frames),
    T(sub_page_fields_refused),
    T(flushes),
    T(memory_limits),
    T(eviction_order),
    T(eviction_order_across_pools),
    T(hash_flooding_spreads),
    T(eviction_fairness),
    T(ephemeral_cap),
    T(new_pool_on_a_dry_heap),
    T(eviction_passes_over_a_victim),
    T(destroy_frees_everything),
    T(long_flushes_are_bounded),
    T(long_ops_are_continued),
    T(many_objects_and_pages),
#undef T
};

int main(void)
{
    unsigned int i, passed = 0, failed = 0;
    unsigned int n = sizeof(tests) / sizeof(tests[0]);

    printf("TAP version 13\n1..%u\n", n);
    for ( i = 0; i < n; i++ )
    {
        unsigned int before = failures;

        current_test = tests[i].name;
        tests[i].fn();
        CHECK_EQ(frames_held(), 0);
        if ( failures == before )
        {
            passed++;
            printf("ok %u %s\n", i + 1, tests[i].name);
        }
        else
        {
            failed++;
            printf("not ok %u %s\n", i + 1, tests[i].name);
        }
    }
    printf("unit: %u passed, %u failed\n", passed, failed);

    return failed ? 1 : 0;
}
