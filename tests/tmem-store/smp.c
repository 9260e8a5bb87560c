// SPDX-License-Identifier: GPL-2.0-only
/*
 * SMP stress test, built with ThreadSanitizer: several domains' vCPUs
 * (threads) drive the store at once -- private ephemeral and persistent
 * pools, one shared pool they all joined, pools destroyed and created
 * again -- while another thread evicts and, at the end, the domains die
 * one by one with the evictor still running.
 *
 * Each worker owns its private pools, so it keeps an exact model of them:
 * a get that hits must bring back the bytes of the latest put to that
 * handle, a persistent page must never be lost. Pages in the shared pool
 * carry their handle's bytes, whoever put them.
 *
 * One more domain has two vCPUs racing over its pool table: one destroys
 * pools and creates new ones of any kind (the shared pool too) all the
 * time, the other runs page ops on whatever pool ids exist at that moment.
 * All of that domain's pages carry their handle's bytes as in the shared
 * pool, so a hit must bring those back, whichever pool answered.
 *
 * At the end every data page and metadata byte must have been given back.
 *
 * Usage: smp [OPS_PER_THREAD]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"

#define WORKERS         4
#define DOMAINS         (WORKERS + 1)   /* the last one is the racers' */
#define FRAMES_EACH     (FRAMES_TOTAL / DOMAINS)
#define RACE_POOLS      4
#define OIDS            8
#define INDEXES         32
#define EPH             (TMEM_SPEC_VERSION << TMEM_POOL_VERSION_SHIFT)
#define PERSIST         (EPH | TMEM_POOL_PERSIST)
#define SHARED          (EPH | TMEM_POOL_SHARED)
#define SHARED_UUID     0x5eedULL

struct worker {
    unsigned int id;
    struct test_domain dom;
    struct tmem_client *c;
    int32_t eph, pers, shared;
    uint32_t eph_seed[OIDS][INDEXES];       /* 0: nothing stored */
    uint32_t pers_seed[OIDS][INDEXES];
    uint64_t rng;
    unsigned long ops, errors;
};

static struct worker workers[WORKERS];
/* The racing domain's vCPUs: [0] page ops, [1] pool churn. */
static struct worker racers[2];
static unsigned long race_hits;     /* atomic */
static unsigned long ops_per_thread = 200000;
static bool stop_evictor;
static unsigned long evicted;

static uint32_t rnd(struct worker *w, uint32_t n)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return (uint32_t)(w->rng >> 11) % n;
}

static long op(struct worker *w, uint32_t cmd, int32_t pool, uint64_t oid,
               uint32_t index, unsigned int frame)
{
    struct tmem_op o = { .cmd = cmd, .pool_id = pool };

    o.u.gen.oid.oid[0] = oid;
    o.u.gen.index = index;
    o.u.gen.cmfn = frame;
    return user_do_op(w->c, &o);
}

static long new_pool(struct worker *w, uint32_t flags)
{
    struct tmem_op o = { .cmd = TMEM_NEW_POOL };

    o.u.creat.flags = flags;
    o.u.creat.uuid[0] = SHARED_UUID;
    o.u.creat.uuid[1] = ~SHARED_UUID;
    return user_do_op(w->c, &o);
}

static void error(struct worker *w, const char *what, long got)
{
    if ( w->errors++ < 5 )
        printf("# worker %u op %lu: %s (%ld)\n", w->id, w->ops, what, got);
}

/* The bytes a shared-pool handle always holds, whoever put them. */
static uint32_t shared_seed(uint32_t oid, uint32_t index)
{
    return 0x80000000U | (oid << 8) | index;
}

static void private_op(struct worker *w, unsigned int frame, bool persistent)
{
    uint32_t (*seed)[INDEXES] = persistent ? w->pers_seed : w->eph_seed;
    int32_t pool = persistent ? w->pers : w->eph;
    uint32_t oid = rnd(w, OIDS), index = rnd(w, INDEXES);
    uint32_t *want = &seed[oid][index];
    long rc;

    switch ( rnd(w, 8) )
    {
    case 0: case 1: case 2:
    {
        uint32_t s = (w->id << 24) | (uint32_t)(w->ops & 0xffffff) | 1;

        frame_fill(frame, s);
        rc = op(w, TMEM_PUT_PAGE, pool, oid, index, frame);
        /* A failed put loses the old copy too. */
        *want = rc == 1 ? s : 0;
        if ( rc != 1 && persistent )
            error(w, "persistent put failed", rc);
        break;
    }
    case 3: case 4: case 5:
        rc = op(w, TMEM_GET_PAGE, pool, oid, index, frame);
        if ( rc == 1 )
        {
            if ( !*want || !frame_check(frame, *want) )
                error(w, "get returned wrong bytes", *want);
            if ( !persistent )
                *want = 0;              /* exclusive */
        }
        else if ( rc != 0 && rc != -TMEM_EEMPTY )
            error(w, "get failed", rc);
        else if ( persistent && *want )
            error(w, "persistent page lost", rc);
        break;
    case 6:
        op(w, TMEM_FLUSH_PAGE, pool, oid, index, 0);
        *want = 0;
        break;
    default:
        op(w, TMEM_FLUSH_OBJECT, pool, oid, 0, 0);
        for ( index = 0; index < INDEXES; index++ )
            seed[oid][index] = 0;
        break;
    }
}

static void shared_op(struct worker *w, unsigned int frame)
{
    uint32_t oid = rnd(w, OIDS), index = rnd(w, INDEXES);
    long rc;

    switch ( rnd(w, 3) )
    {
    case 0:
        frame_fill(frame, shared_seed(oid, index));
        rc = op(w, TMEM_PUT_PAGE, w->shared, oid, index, frame);
        if ( rc != 1 )
            error(w, "shared put failed", rc);
        break;
    case 1:
        rc = op(w, TMEM_GET_PAGE, w->shared, oid, index, frame);
        if ( rc == 1 && !frame_check(frame, shared_seed(oid, index)) )
            error(w, "shared get returned wrong bytes", rc);
        break;
    default:
        op(w, TMEM_FLUSH_PAGE, w->shared, oid, index, 0);
        break;
    }
}

static void renew_private_pools(struct worker *w)
{
    struct tmem_op o = { .cmd = TMEM_DESTROY_POOL };

    o.pool_id = w->eph;
    user_do_op(w->c, &o);
    o.pool_id = w->pers;
    user_do_op(w->c, &o);
    w->eph = new_pool(w, EPH);
    w->pers = new_pool(w, PERSIST);
    if ( w->eph < 0 || w->pers < 0 )
        error(w, "pool re-creation failed", w->eph < 0 ? w->eph : w->pers);
    memset(w->eph_seed, 0, sizeof(w->eph_seed));
    memset(w->pers_seed, 0, sizeof(w->pers_seed));
}

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    unsigned int first = (w->id - 1) * FRAMES_EACH;

    w->c = tmem_client_create(w->id, &w->dom);
    w->eph = new_pool(w, EPH);
    w->pers = new_pool(w, PERSIST);
    w->shared = new_pool(w, SHARED);
    if ( !w->c || w->eph < 0 || w->pers < 0 || w->shared < 0 )
    {
        error(w, "setup failed", 0);
        return NULL;
    }
    for ( w->ops = 0; w->ops < ops_per_thread; w->ops++ )
    {
        unsigned int frame = first + rnd(w, FRAMES_EACH);
        uint32_t r = rnd(w, 1000);

        if ( r == 0 )
            renew_private_pools(w);
        else if ( r < 450 )
            private_op(w, frame, false);
        else if ( r < 800 )
            private_op(w, frame, true);
        else
            shared_op(w, frame);
    }

    return NULL;
}

static void race_page_op(struct worker *w, unsigned int frame)
{
    int32_t pool = rnd(w, RACE_POOLS);
    uint32_t oid = rnd(w, OIDS), index = rnd(w, INDEXES);
    long rc;

    switch ( rnd(w, 4) )
    {
    case 0:
        frame_fill(frame, shared_seed(oid, index));
        rc = op(w, TMEM_PUT_PAGE, pool, oid, index, frame);
        if ( rc != 1 && rc != -ENODEV )
            error(w, "racing put failed", rc);
        break;
    case 1:
        rc = op(w, TMEM_GET_PAGE, pool, oid, index, frame);
        if ( rc == 1 )
            __atomic_fetch_add(&race_hits, 1, __ATOMIC_RELAXED);
        if ( rc == 1 && !frame_check(frame, shared_seed(oid, index)) )
            error(w, "racing get returned wrong bytes", rc);
        else if ( rc < 0 && rc != -ENODEV && rc != -TMEM_EEMPTY )
            error(w, "racing get failed", rc);
        break;
    case 2:
        rc = op(w, TMEM_FLUSH_PAGE, pool, oid, index, 0);
        if ( rc != 1 && rc != -ENODEV )
            error(w, "racing flush failed", rc);
        break;
    default:
        rc = op(w, TMEM_FLUSH_OBJECT, pool, oid, 0, 0);
        if ( rc != 1 && rc != -ENODEV )
            error(w, "racing object flush failed", rc);
        break;
    }
}

/* Swap pool @id for a new one of any kind. */
static void race_renew_pool(struct worker *w, int32_t id)
{
    static const uint32_t kinds[] = { EPH, PERSIST, SHARED };
    struct tmem_op o = { .cmd = TMEM_DESTROY_POOL, .pool_id = id };
    long rc = user_do_op(w->c, &o);

    if ( rc != 1 )
        error(w, "racing pool destroy failed", rc);
    /* The id just destroyed is the only free one. */
    rc = new_pool(w, kinds[rnd(w, 3)]);
    if ( rc != id )
        error(w, "racing pool creation failed", rc);
}

/* Both vCPUs run page ops; the second also renews a pool now and then. */
static void *race_run(void *arg)
{
    struct worker *w = arg;
    unsigned int first = WORKERS * FRAMES_EACH + (w - racers) * 8;

    for ( w->ops = 0; w->ops < ops_per_thread; w->ops++ )
    {
        if ( w == &racers[1] && !rnd(w, 16) )
            race_renew_pool(w, rnd(w, RACE_POOLS));
        else
            race_page_op(w, first + rnd(w, 8));
    }

    return NULL;
}

static void *evictor_run(void *arg)
{
    while ( !__atomic_load_n(&stop_evictor, __ATOMIC_ACQUIRE) )
        evicted += tmem_evict_pages(8);

    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t threads[WORKERS], race[2], evictor;
    unsigned long pages0, meta0, errors = 0, ops = 0;
    struct tmem_global g;
    unsigned int i, f;

    if ( argc > 1 )
        ops_per_thread = strtoul(argv[1], NULL, 0);
    pages0 = data_pages_live();
    meta0 = meta_bytes_live();
    for ( i = 0; i < WORKERS; i++ )
    {
        workers[i].id = i + 1;
        workers[i].dom.id = i + 1;
        workers[i].dom.max_persistent = ~0UL;
        workers[i].rng = 0x9e3779b97f4a7c15ULL * (i + 1);
        for ( f = 0; f < FRAMES_EACH; f++ )
            frames[i * FRAMES_EACH + f].owner = &workers[i].dom;
    }

    racers[0].id = racers[1].id = racers[0].dom.id = DOMAINS;
    racers[0].dom.max_persistent = ~0UL;
    racers[0].rng = 0x2545f4914f6cdd1dULL;
    racers[1].rng = 0x9e3779b97f4a7c15ULL * DOMAINS;
    for ( f = 0; f < FRAMES_EACH; f++ )
        frames[WORKERS * FRAMES_EACH + f].owner = &racers[0].dom;
    racers[0].c = racers[1].c = tmem_client_create(DOMAINS, &racers[0].dom);
    for ( i = 0; i < RACE_POOLS; i++ )
        if ( !racers[0].c || new_pool(&racers[0], EPH) != i )
            error(&racers[0], "racing setup failed", i);

    race_windows_open = true;
    pthread_create(&evictor, NULL, evictor_run, NULL);
    for ( i = 0; i < WORKERS; i++ )
        pthread_create(&threads[i], NULL, worker_run, &workers[i]);
    for ( i = 0; i < 2; i++ )
        pthread_create(&race[i], NULL, race_run, &racers[i]);
    for ( i = 0; i < WORKERS; i++ )
        pthread_join(threads[i], NULL);
    for ( i = 0; i < 2; i++ )
    {
        pthread_join(race[i], NULL);
        errors += racers[i].errors;
        ops += racers[i].ops;
    }
    if ( racers[0].c )
        tmem_client_destroy(racers[0].c);

    /* The domains die while the evictor still runs. */
    for ( i = 0; i < WORKERS; i++ )
    {
        if ( workers[i].c )
            tmem_client_destroy(workers[i].c);
        errors += workers[i].errors;
        ops += workers[i].ops;
    }
    __atomic_store_n(&stop_evictor, true, __ATOMIC_RELEASE);
    pthread_join(evictor, NULL);

    tmem_global_read(&g);
    printf("smp: %u threads, %lu ops, %lu puts, %lu gets (%lu hits, %lu "
           "racing), %lu evicted\n", WORKERS + 2, ops, g.count.puts,
           g.count.gets, g.count.gets_hit, race_hits, evicted);
    if ( data_pages_live() != pages0 || meta_bytes_live() != meta0 ||
         g.clients || g.count.objects || g.eph_pages || g.pers_pages ||
         frames_held() )
    {
        printf("# not all given back: %lu pages, %lu metadata bytes, "
               "%lu clients, %lu objects, %lu frames\n",
               data_pages_live() - pages0, meta_bytes_live() - meta0,
               g.clients, g.count.objects, frames_held());
        errors++;
    }
    if ( !race_hits )
    {
        printf("# the racing domain's gets never hit\n");
        errors++;
    }
    if ( !evicted )
    {
        printf("# the evictor never evicted anything\n");
        errors++;
    }
    printf("smp: %s\n", errors ? "FAILED" : "ok");

    return errors ? 1 : 0;
}
