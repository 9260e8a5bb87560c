// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eviction against a domain that keeps its pool's lock busy, built with
 * AddressSanitizer. Ephemeral pages are free memory lent out: when the
 * heap runs dry, Xen asks tmem for pages back and gives up as soon as a
 * call frees nothing. So a guest that could make eviction come back empty
 * -- by filling memory with ephemeral puts, then keeping its pool's lock
 * taken with puts and gets from a few vCPUs -- would make every other
 * allocation in the host fail while that memory counts as free.
 *
 * One domain holds BASE ephemeral pages, which nobody touches; HAMMERS
 * threads (its vCPUs) put and get other pages of the same pool without
 * a pause, while the main thread asks for one page back CALLS times. The
 * base pages never run out meanwhile, so every call must free a page. The
 * same again with the pages in a shared pool, which eviction reaches
 * through the domain's LRU of shared-pool pages.
 *
 * Usage: evict_busy [CALLS]
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "frames.h"

#define HAMMERS         3
#define BASE            4096
#define EPH             (TMEM_SPEC_VERSION << TMEM_POOL_VERSION_SHIFT)
#define SHARED          (EPH | TMEM_POOL_SHARED)
#define BASE_OID        1000

static struct test_domain dom;
static struct tmem_client *client;
static int32_t pool;
static bool pool_shared;
static unsigned long calls = 4000;
static bool stop;
static unsigned int running;            /* atomic: hammers started */
static unsigned long hammer_errors;     /* atomic */

static long op(uint32_t cmd, uint64_t oid, uint32_t index, unsigned int frame)
{
    struct tmem_op o = { .cmd = cmd, .pool_id = pool };

    o.u.gen.oid.oid[0] = oid;
    o.u.gen.index = index;
    o.u.gen.cmfn = frame;
    return user_do_op(client, &o);
}

/*
 * A vCPU of the domain: a put and a get of pages of its own, over and
 * over, each holding the pool's lock for a page copy. A shared-pool get
 * leaves the page, so a flush follows it there.
 */
static void *hammer(void *arg)
{
    unsigned long t = (unsigned long)arg, i, errors = 0;

    for ( i = 0; !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); i++ )
    {
        uint32_t index = i % 64;

        errors += op(TMEM_PUT_PAGE, t, index, t) != 1;
        /* A get may miss: an eviction may have taken the page. */
        errors += op(TMEM_GET_PAGE, t, index, t) < 0;
        if ( pool_shared )
            op(TMEM_FLUSH_PAGE, t, index, 0);
        if ( !i )
            __atomic_fetch_add(&running, 1, __ATOMIC_RELEASE);
    }
    __atomic_fetch_add(&hammer_errors, errors, __ATOMIC_RELAXED);

    return NULL;
}

/* CALLS one-page evictions against the hammers; how many freed nothing. */
static unsigned long run(const char *what, uint32_t flags)
{
    struct tmem_op newp = { .cmd = TMEM_NEW_POOL };
    pthread_t threads[HAMMERS];
    unsigned long i, empty = 0, freed = 0, left;

    client = tmem_client_create(0, &dom);
    newp.u.creat.flags = flags;
    newp.u.creat.uuid[0] = 0xb5;
    pool = client ? user_do_op(client, &newp) : -1;
    if ( pool < 0 )
    {
        printf("evict_busy: setup failed\n");
        exit(1);
    }
    pool_shared = flags & TMEM_POOL_SHARED;
    for ( i = 0; i < BASE; i++ )
        if ( op(TMEM_PUT_PAGE, BASE_OID + i / 64, i % 64, HAMMERS) != 1 )
            hammer_errors++;

    __atomic_store_n(&stop, false, __ATOMIC_RELEASE);
    __atomic_store_n(&running, 0, __ATOMIC_RELEASE);
    for ( i = 0; i < HAMMERS; i++ )
        pthread_create(&threads[i], NULL, hammer, (void *)i);
    while ( __atomic_load_n(&running, __ATOMIC_ACQUIRE) < HAMMERS )
        sched_yield();
    for ( i = 0; i < calls; i++ )
    {
        unsigned long got = tmem_evict_pages(1);

        freed += got;
        empty += !got;
    }
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    for ( i = 0; i < HAMMERS; i++ )
        pthread_join(threads[i], NULL);

    /* The base pages that were not evicted are all still there. */
    left = 0;
    for ( i = 0; i < BASE; i++ )
    {
        long rc = op(TMEM_GET_PAGE, BASE_OID + i / 64, i % 64, HAMMERS);

        left += rc == 1;
        if ( rc == 1 && !frame_check(HAMMERS, 0xba5e) )
            hammer_errors++;
    }
    printf("evict_busy: %s pool: %lu of %lu reclaim calls freed nothing "
           "(%lu pages freed, %lu of %u base pages left)\n", what, empty,
           calls, freed, left, BASE);
    if ( left + freed < BASE )
    {
        printf("# base pages lost\n");
        empty++;
    }
    tmem_client_destroy(client);

    return empty;
}

int main(int argc, char **argv)
{
    unsigned long pages0 = data_pages_live(), meta0 = meta_bytes_live();
    unsigned long failures = 0, i;

    if ( argc > 1 )
        calls = strtoul(argv[1], NULL, 0);
    if ( calls > BASE / 2 )
        calls = BASE / 2;
    dom.max_persistent = ~0UL;
    for ( i = 0; i <= HAMMERS; i++ )
        frames[i].owner = &dom;
    for ( i = 0; i < HAMMERS; i++ )
        frame_fill(i, 0x1000 + i);
    frame_fill(HAMMERS, 0xba5e);

    failures += run("private", EPH);
    failures += run("shared", SHARED);
    if ( hammer_errors )
        printf("# %lu ops failed\n", hammer_errors);
    if ( data_pages_live() != pages0 || meta_bytes_live() != meta0 )
    {
        printf("# not all given back: %lu pages, %lu metadata bytes\n",
               data_pages_live() - pages0, meta_bytes_live() - meta0);
        failures++;
    }
    failures += hammer_errors;
    printf("evict_busy: %s\n", failures ? "FAILED" : "ok");

    return failures ? 1 : 0;
}
