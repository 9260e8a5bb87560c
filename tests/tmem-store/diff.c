// SPDX-License-Identifier: GPL-2.0-only
/*
 * Differential test: random op sequences on the tmem store and on a plain
 * reference model side by side. The store may drop ephemeral pages (it is
 * made to evict at random moments), but every result code must be the
 * model's, and a get that hits must bring back exactly the bytes of the
 * latest put to that handle -- never an older copy, never another's.
 *
 * Usage: diff [SEED [OPS]]; without a seed, a fixed list of seeds runs.
 */
#include <stdio.h>
#include <string.h>

#include "frames.h"

#define CLIENTS     3
#define SLOTS       TMEM_MAX_POOLS_PER_CLIENT
#define MPOOLS      (CLIENTS * SLOTS + TMEM_MAX_SHARED_POOLS)
#define OIDS        6
#define INDEXES     12

#define EPH         (TMEM_SPEC_VERSION << TMEM_POOL_VERSION_SHIFT)

struct mpool {
    bool used, persistent, shared;
    uint64_t uuid;
    unsigned int refs;
    uint32_t seed[OIDS][INDEXES];    /* 0: nothing stored */
};

static struct mpool mpools[MPOOLS];
static int slot_pool[CLIENTS][SLOTS];     /* -1: free */
static struct tmem_client *clients[CLIENTS];
static struct test_domain doms[CLIENTS];
static uint64_t rng;
static uint32_t next_seed = 1;
static unsigned long nops, hits, drops;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11) % n;
}

static int fail(const char *what, long got, long want)
{
    printf("# op %lu: %s: got %ld, want %ld\n", nops, what, got, want);
    return 1;
}

static void model_client_reset(unsigned int c)
{
    unsigned int s;

    for ( s = 0; s < SLOTS; s++ )
        slot_pool[c][s] = -1;
}

static void model_pool_release(int mp)
{
    if ( !--mpools[mp].refs )
        memset(&mpools[mp], 0, sizeof(mpools[mp]));
}

/* Ephemeral pages of a dying client may vanish from shared pools too. */
static void model_client_destroy(unsigned int c)
{
    unsigned int s;

    for ( s = 0; s < SLOTS; s++ )
        if ( slot_pool[c][s] >= 0 )
            model_pool_release(slot_pool[c][s]);
    model_client_reset(c);
}

static long do_op(unsigned int c, uint32_t cmd, int32_t pool, unsigned int oid,
                  unsigned int index, uint64_t cmfn)
{
    struct tmem_op op = { .cmd = cmd, .pool_id = pool };

    op.u.gen.oid.oid[0] = oid;
    op.u.gen.oid.oid[1] = oid ^ 0x5555;
    op.u.gen.index = index;
    op.u.gen.cmfn = cmfn;
    return user_do_op(clients[c], &op);
}

static int step_new_pool(unsigned int c)
{
    static const uint32_t flags[] = {
        EPH, EPH, EPH | TMEM_POOL_PERSIST, EPH | TMEM_POOL_SHARED,
        EPH | TMEM_POOL_SHARED, EPH | TMEM_POOL_PRECOMPRESSED,
        EPH | TMEM_POOL_SHARED | TMEM_POOL_PERSIST, 0, EPH | 0x100,
    };
    uint32_t f = flags[rnd(sizeof(flags) / sizeof(flags[0]))];
    bool shared = f & TMEM_POOL_SHARED, persist = f & TMEM_POOL_PERSIST;
    bool valid = f == EPH || f == (EPH | TMEM_POOL_PERSIST) ||
                 f == (EPH | TMEM_POOL_SHARED);
    struct tmem_op op = { .cmd = TMEM_NEW_POOL };
    uint64_t uuid = rnd(20);
    int slot = -1, mp = -1, freemp = -1;
    unsigned int s, i;
    long want, got;

    for ( s = 0; s < SLOTS && slot < 0; s++ )
        if ( slot_pool[c][s] < 0 )
            slot = s;
    for ( i = 0; i < MPOOLS; i++ )
    {
        if ( mpools[i].used && mpools[i].shared && shared &&
             mpools[i].uuid == uuid )
            mp = i;
        if ( !mpools[i].used && freemp < 0 )
            freemp = i;
    }
    if ( shared && mp < 0 )
    {
        unsigned int nshared = 0;

        for ( i = 0; i < MPOOLS; i++ )
            nshared += mpools[i].used && mpools[i].shared;
        if ( nshared == TMEM_MAX_SHARED_POOLS )
            valid = false;
    }
    if ( shared )
    {
        /* At most 4 shared pools held by one client, joined or made. */
        unsigned int held = 0;

        for ( s = 0; s < SLOTS; s++ )
            held += slot_pool[c][s] >= 0 && mpools[slot_pool[c][s]].shared;
        if ( held >= 4 )
            valid = false;
    }
    want = valid && slot >= 0 ? slot : -EPERM;

    op.u.creat.flags = f;
    op.u.creat.uuid[0] = uuid;
    op.u.creat.uuid[1] = uuid * 3;
    got = user_do_op(clients[c], &op);
    if ( got != want )
        return fail("new pool", got, want);
    if ( got < 0 )
        return 0;
    if ( mp < 0 )
    {
        mp = freemp;
        mpools[mp].used = true;
        mpools[mp].persistent = persist;
        mpools[mp].shared = shared;
        mpools[mp].uuid = uuid;
    }
    mpools[mp].refs++;
    slot_pool[c][slot] = mp;
    return 0;
}

static int step(void)
{
    unsigned int c = rnd(CLIENTS), oid = rnd(OIDS), index = rnd(INDEXES);
    int32_t slot = rnd(SLOTS + 2) - 1;
    int mp = slot >= 0 && slot < SLOTS ? slot_pool[c][slot] : -1;
    unsigned int frame = c * 100 + rnd(100);
    unsigned int r = rnd(100);
    long got, want = mp < 0 ? -ENODEV : 1;
    struct mpool *p = mp >= 0 ? &mpools[mp] : NULL;

    nops++;
    if ( r < 8 )
        return step_new_pool(c);
    if ( r < 11 )
    {
        got = do_op(c, TMEM_DESTROY_POOL, slot, 0, 0, 0);
        want = slot < 0 || slot >= SLOTS ? -ENODEV : mp >= 0;
        if ( got != want )
            return fail("destroy pool", got, want);
        if ( mp >= 0 )
        {
            model_pool_release(mp);
            slot_pool[c][slot] = -1;
        }
        return 0;
    }
    if ( r < 50 )
    {
        uint32_t seed = next_seed++;

        frame_fill(frame, seed);
        got = do_op(c, TMEM_PUT_PAGE, slot, oid, index, frame);
        if ( got != want )
            return fail("put", got, want);
        if ( p )
            p->seed[oid][index] = seed;
        return 0;
    }
    if ( r < 80 )
    {
        memset(frames[frame].bytes, 0xa5, PAGE_SIZE);
        got = do_op(c, TMEM_GET_PAGE, slot, oid, index, frame);
        if ( !p )
            return got == -ENODEV ? 0 : fail("get, no pool", got, -ENODEV);
        if ( got == 1 )
        {
            hits++;
            if ( !p->seed[oid][index] )
                return fail("get hit with nothing stored", got, 0);
            if ( !frame_check(frame, p->seed[oid][index]) )
                return fail("get returned the wrong bytes", got, 1);
            if ( !p->persistent && !p->shared )
                p->seed[oid][index] = 0;
            return 0;
        }
        if ( got != 0 && got != -TMEM_EEMPTY )
            return fail("get", got, 0);
        if ( p->seed[oid][index] )
        {
            if ( p->persistent )
                return fail("persistent page lost", got, 1);
            drops++;
            p->seed[oid][index] = 0;
        }
        return 0;
    }
    if ( r < 88 )
    {
        got = do_op(c, TMEM_FLUSH_PAGE, slot, oid, index, 0);
        if ( got != want )
            return fail("flush page", got, want);
        if ( p )
            p->seed[oid][index] = 0;
        return 0;
    }
    if ( r < 92 )
    {
        got = do_op(c, TMEM_FLUSH_OBJECT, slot, oid, 0, 0);
        if ( got != want )
            return fail("flush object", got, want);
        if ( p )
            memset(p->seed[oid], 0, sizeof(p->seed[oid]));
        return 0;
    }
    if ( r < 97 )
    {
        tmem_evict_pages(rnd(8));
        return 0;
    }
    if ( r < 98 )
    {
        /* Refused frame: another client's. The old copy must be gone. */
        got = do_op(c, TMEM_PUT_PAGE, slot, oid, index,
                    ((c + 1) % CLIENTS) * 100);
        want = mp < 0 ? -ENODEV : -EINVAL;
        if ( got != want )
            return fail("put from a foreign frame", got, want);
        if ( p )
            p->seed[oid][index] = 0;
        return 0;
    }
    tmem_client_destroy(clients[c]);
    model_client_destroy(c);
    clients[c] = tmem_client_create(c, &doms[c]);
    return 0;
}

static int run(uint64_t seed, unsigned long ops)
{
    unsigned int c, f, i;
    int rc = 0;

    rng = seed * 0x9e3779b97f4a7c15ULL + 1;
    frames_reset();
    memset(mpools, 0, sizeof(mpools));
    for ( c = 0; c < CLIENTS; c++ )
    {
        doms[c].id = c;
        doms[c].max_persistent = ~0UL;
        for ( f = 0; f < 100; f++ )
            frames[c * 100 + f].owner = &doms[c];
        model_client_reset(c);
        clients[c] = tmem_client_create(c, &doms[c]);
    }
    for ( i = 0; i < ops && !rc; i++ )
        rc = step();
    for ( c = 0; c < CLIENTS; c++ )
        tmem_client_destroy(clients[c]);
    if ( !rc && data_pages_live() )
        rc = fail("pages left after every client died", data_pages_live(), 0);
    if ( !rc && frames_held() )
        rc = fail("guest frames still held", frames_held(), 0);
    printf("%s seed %llu: %lu ops, %lu hits, %lu ephemeral drops\n",
           rc ? "not ok" : "ok", (unsigned long long)seed, nops, hits, drops);
    nops = hits = drops = 0;
    return rc;
}

int main(int argc, char **argv)
{
    static const uint64_t seeds[] = { 1, 2, 3, 42, 1000, 4242, 65537, 99991 };
    unsigned long ops = argc > 2 ? strtoul(argv[2], NULL, 0) : 200000;
    unsigned int i, passed = 0, failed = 0;

    if ( argc > 1 && argv[1][0] )
    {
        if ( run(strtoull(argv[1], NULL, 0), ops) )
            failed++;
        else
            passed++;
    }
    for ( i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++ )
    {
        if ( run(seeds[i], ops) )
            failed++;
        else
            passed++;
    }
    printf("differential: %u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
