// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eviction racing the removal of pages from a shared pool, built with
 * AddressSanitizer. Evictors walk a client's LRU of shared-pool pages and
 * reach each page's pool through its object; meanwhile other threads put
 * one-page objects and flush half of them again (a put replaces the rest
 * a round later), so objects keep being freed.
 * Every object must outlive the LRU entry of its last page: an evictor
 * that reads a freed object is a heap-use-after-free here.
 *
 * Every attempt reads the object of the page at the head of the LRU with
 * only the LRU's lock held, which is where the race is; then it waits for
 * the pool's lock, which the putters keep busy, and by then the head may
 * be another page. At the end every data page and metadata byte must be
 * given back.
 *
 * Usage: evict_race [ROUNDS_PER_THREAD]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "frames.h"

#define PUTTERS         4
#define EVICTORS        4
#define BATCH           64
#define SHARED          ((TMEM_SPEC_VERSION << TMEM_POOL_VERSION_SHIFT) | \
                         TMEM_POOL_SHARED)

static struct test_domain doms[2];
static struct tmem_client *clients[2];
static unsigned long rounds = 2000;
static bool stop;

static long op(uint32_t cmd, uint64_t oid, unsigned int frame)
{
    struct tmem_op o = { .cmd = cmd, .pool_id = 0 };

    o.u.gen.oid.oid[0] = oid;
    o.u.gen.cmfn = frame;
    return user_do_op(clients[0], &o);
}

static void *putter(void *arg)
{
    unsigned long t = (unsigned long)arg, r, k, errors = 0;

    for ( r = 0; r < rounds; r++ )
    {
        for ( k = 0; k < BATCH; k++ )
            errors += op(TMEM_PUT_PAGE, t << 32 | k, t) != 1;
        /* Half stay for the evictors, until the next round's put. */
        for ( k = 0; k < BATCH; k += 2 )
            errors += op(TMEM_FLUSH_PAGE, t << 32 | k, 0) != 1;
    }

    return (void *)errors;
}

static void *evictor(void *arg)
{
    unsigned long evicted = 0;

    while ( !__atomic_load_n(&stop, __ATOMIC_ACQUIRE) )
        evicted += tmem_evict_pages(1);

    return (void *)evicted;
}

int main(int argc, char **argv)
{
    struct tmem_op newp = { .cmd = TMEM_NEW_POOL };
    pthread_t put[PUTTERS], ev[EVICTORS];
    unsigned long i, errors = 0, evicted = 0, meta0, pages0;
    void *ret;

    if ( argc > 1 )
        rounds = strtoul(argv[1], NULL, 0);
    pages0 = data_pages_live();
    meta0 = meta_bytes_live();
    for ( i = 0; i < PUTTERS; i++ )
        frames[i].owner = &doms[0];
    newp.u.creat.flags = SHARED;
    newp.u.creat.uuid[0] = 1;
    for ( i = 0; i < 2; i++ )
    {
        doms[i].id = i;
        clients[i] = tmem_client_create(i, &doms[i]);
        if ( !clients[i] || user_do_op(clients[i], &newp) != 0 )
        {
            printf("evict_race: setup failed\n");
            return 1;
        }
    }

    for ( i = 0; i < EVICTORS; i++ )
        pthread_create(&ev[i], NULL, evictor, NULL);
    for ( i = 0; i < PUTTERS; i++ )
        pthread_create(&put[i], NULL, putter, (void *)i);
    for ( i = 0; i < PUTTERS; i++ )
    {
        pthread_join(put[i], &ret);
        errors += (unsigned long)ret;
    }
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    for ( i = 0; i < EVICTORS; i++ )
    {
        pthread_join(ev[i], &ret);
        evicted += (unsigned long)ret;
    }
    for ( i = 0; i < 2; i++ )
        tmem_client_destroy(clients[i]);

    printf("evict_race: %lu put+flush rounds of %u pages, %lu evicted, "
           "%lu ops failed\n", PUTTERS * rounds, BATCH, evicted, errors);
    if ( data_pages_live() != pages0 || meta_bytes_live() != meta0 )
    {
        printf("# not all given back: %lu pages, %lu metadata bytes\n",
               data_pages_live() - pages0, meta_bytes_live() - meta0);
        errors++;
    }
    printf("evict_race: %s\n", errors ? "FAILED" : "ok");

    return errors ? 1 : 0;
}
