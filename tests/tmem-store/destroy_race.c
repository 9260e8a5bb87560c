// SPDX-License-Identifier: GPL-2.0-only
/*
 * A dying domain's teardown against another domain's gets, built with
 * AddressSanitizer. Xen frees a dying domain's tmem in steps of a budget,
 * each made with domctl_lock held; a step must stay bounded whatever
 * other domains do, and the steps must come to an end.
 *
 * The dying domain put PAGES pages into two shared pools, in turns, and
 * another domain that joined both gets them, in the order they were put,
 * for as long as the teardown lasts. A shared-pool get makes its page the
 * youngest of its putter's LRU, so each of those gets moves the dying
 * domain's LRU head, from which the teardown takes its pages.
 *
 * The teardown runs in steps of BUDGET. The locks one step takes are
 * counted: at most LOCKS_PER_PAGE for each page of its budget, plus a
 * few for the step itself. And as the getter only gets, each page must
 * cost one unit of budget, so that the steps number PAGES / BUDGET and a
 * few more. The longest step's time is printed, but the machine may be
 * busy: the bounds are on what is counted.
 *
 * Usage: destroy_race [PAGES]
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "frames.h"

#define BUDGET          16
/* The LRU lock twice and the pool's lock to find a page, then removing it. */
#define LOCKS_PER_PAGE  4
/* The clients lock, the LRU lock, the shared-pool lock for each pool. */
#define LOCKS_PER_STEP  16
#define EPH             (TMEM_SPEC_VERSION << TMEM_POOL_VERSION_SHIFT)
#define SHARED          (EPH | TMEM_POOL_SHARED)
/* Past this, the getter stops and the teardown is made to finish. */
#define MAX_SECONDS     20

static struct test_domain doms[2];
static struct tmem_client *clients[2];
static int32_t pools[2][2];             /* [domain][which] */
static unsigned long pages = 4096;
static bool stop;
static bool started;
static unsigned long gets_hit;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Page @i of the dying domain: which pool, oid and index. */
static long page_op(unsigned int d, uint32_t cmd, unsigned long i)
{
    struct tmem_op o = { .cmd = cmd, .pool_id = pools[d][i % 2] };

    o.u.gen.oid.oid[0] = i / 2 / 64;
    o.u.gen.index = i / 2 % 64;
    o.u.gen.cmfn = d;
    return user_do_op(clients[d], &o);
}

static void *getter(void *arg)
{
    unsigned long i;

    for ( i = 0; !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); i++ )
    {
        gets_hit += page_op(1, TMEM_GET_PAGE, i % pages) == 1;
        if ( !i )
            __atomic_store_n(&started, true, __ATOMIC_RELEASE);
    }

    return NULL;
}

int main(int argc, char **argv)
{
    unsigned long pages0 = data_pages_live(), meta0 = meta_bytes_live();
    unsigned long i, steps = 0, max_locks = 0, bound, failures = 0;
    struct tmem_op newp = { .cmd = TMEM_NEW_POOL };
    double t0, max_ms = 0;
    bool done = false, timed_out = false;
    pthread_t thread;
    unsigned int d;

    if ( argc > 1 )
        pages = strtoul(argv[1], NULL, 0);
    newp.u.creat.flags = SHARED;
    for ( d = 0; d < 2; d++ )
    {
        doms[d].id = d;
        frames[d].owner = &doms[d];
        clients[d] = tmem_client_create(d, &doms[d]);
        for ( i = 0; i < 2; i++ )
        {
            newp.u.creat.uuid[0] = 0xd1e + i;
            pools[d][i] = clients[d] ? user_do_op(clients[d], &newp) : -1;
            if ( pools[d][i] < 0 )
            {
                printf("destroy_race: setup failed\n");
                return 1;
            }
        }
    }
    frame_fill(0, 0xd1e);
    for ( i = 0; i < pages; i++ )
        if ( page_op(0, TMEM_PUT_PAGE, i) != 1 )
        {
            printf("destroy_race: put failed\n");
            return 1;
        }

    pthread_create(&thread, NULL, getter, NULL);
    while ( !__atomic_load_n(&started, __ATOMIC_ACQUIRE) )
        sched_yield();
    t0 = now();
    while ( !done )
    {
        unsigned long locks = user_locks_taken;
        double t = now();

        if ( !timed_out && t - t0 > MAX_SECONDS )
        {
            /* Let it finish, to see what it gave back. */
            timed_out = true;
            __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
        }
        done = tmem_client_destroy_step(clients[0], BUDGET);
        t = now() - t;
        locks = user_locks_taken - locks;
        if ( !timed_out )
        {
            steps++;
            if ( locks > max_locks )
                max_locks = locks;
            if ( t * 1000 > max_ms )
                max_ms = t * 1000;
        }
    }
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    pthread_join(thread, NULL);

    bound = LOCKS_PER_PAGE * BUDGET + LOCKS_PER_STEP;
    printf("destroy_race: %lu pages in steps of %u against %lu hits of "
           "another domain's gets: %lu steps, at most %lu locks (bound %lu) "
           "and %.3f ms in one step%s\n", pages, BUDGET, gets_hit, steps,
           max_locks, bound, max_ms,
           timed_out ? ", not finished while the gets ran" : "");
    if ( max_locks > bound )
    {
        printf("# a step took more locks than its budget allows\n");
        failures++;
    }
    if ( timed_out || steps > pages / BUDGET + 4 )
    {
        printf("# the teardown did not end in %lu steps\n",
               pages / BUDGET + 4);
        failures++;
    }

    tmem_client_destroy(clients[1]);
    if ( data_pages_live() != pages0 || meta_bytes_live() != meta0 )
    {
        printf("# not all given back: %lu pages, %lu metadata bytes\n",
               data_pages_live() - pages0, meta_bytes_live() - meta0);
        failures++;
    }
    printf("destroy_race: %s\n", failures ? "FAILED" : "ok");

    return failures ? 1 : 0;
}
