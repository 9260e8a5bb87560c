// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark of the tmem store in userspace: put+get round trips per second
 * next to plain 4 KiB memcpy pairs measured in the same run, at several
 * numbers of stored pages (the per-op cost must not grow with them), and
 * the metadata bytes each stored page costs. Then the longest time the
 * store works without a preemption point with a million pages stored:
 * the slowest single put (table doublings included), the slowest call
 * of a long op preempted at every chance, and the slowest reclaim call.
 */
#include <malloc.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "frames.h"

#define EPH     (TMEM_SPEC_VERSION << TMEM_POOL_VERSION_SHIFT)
#define ROUNDS  20000
#define REPS    31      /* medians of this many runs are printed */

static double clock_seconds(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

static long op(struct tmem_client *c, uint32_t cmd, int32_t pool,
               uint64_t oid, uint32_t index, uint64_t cmfn)
{
    struct tmem_op o = { .cmd = cmd, .pool_id = pool };

    o.u.gen.oid.oid[0] = oid;
    o.u.gen.index = index;
    o.u.gen.cmfn = cmfn;
    return user_do_op(c, &o);
}

/* Two page copies, as a put+get round trip makes. */
static double memcpy_pairs_per_sec(void)
{
    static unsigned char a[64][PAGE_SIZE], b[PAGE_SIZE];
    unsigned int i;
    double t = now();

    for ( i = 0; i < ROUNDS; i++ )
    {
        memcpy(a[i % 64], frames[i % 100].bytes, PAGE_SIZE);
        __asm__ volatile("" ::: "memory");
        memcpy(b, a[i % 64], PAGE_SIZE);
        __asm__ volatile("" ::: "memory");
    }
    return ROUNDS / (now() - t);
}

/* Round trips on handles not stored yet, @first on: put, then get. */
static double round_trips_per_sec(struct tmem_client *c,
                                  unsigned long per_object,
                                  unsigned long first, unsigned long *bad)
{
    unsigned long i;
    double t = now();

    for ( i = first; i < first + ROUNDS; i++ )
    {
        uint64_t oid = i / per_object;
        uint32_t index = i % per_object;

        *bad += op(c, TMEM_PUT_PAGE, 0, oid, index, i % 100) != 1;
        *bad += op(c, TMEM_GET_PAGE, 0, oid, index, (i + 1) % 100) != 1;
    }

    return ROUNDS / (now() - t);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v)
{
    qsort(v, REPS, sizeof(*v), cmp_double);
    return v[REPS / 2];
}

static void run(unsigned long stored, unsigned long per_object)
{
    static struct test_domain dom = { .max_persistent = ~0UL };
    struct tmem_op newp = { .cmd = TMEM_NEW_POOL };
    double rt[REPS], cp[REPS], ratio[REPS], meta;
    struct tmem_client *c;
    unsigned long meta0, i, first, bad = 0;
    unsigned int f, r;

    for ( f = 0; f < 100; f++ )
        frames[f].owner = &dom;
    c = tmem_client_create(0, &dom);
    newp.u.creat.flags = EPH;
    user_do_op(c, &newp);
    meta0 = meta_bytes_live();
    for ( i = 0; i < stored; i++ )
        op(c, TMEM_PUT_PAGE, 0, i / per_object, i % per_object, i % 100);
    meta = (double)(meta_bytes_live() - meta0) / stored;

    /* Fresh handles each time, past the stored ones (whole objects). */
    first = (stored / per_object + 1) * per_object;
    for ( r = 0; r < REPS; r++ )
    {
        cp[r] = memcpy_pairs_per_sec();
        rt[r] = round_trips_per_sec(c, per_object, first, &bad);
        ratio[r] = cp[r] / rt[r];
        first += (ROUNDS / per_object + 1) * per_object;
    }
    printf("%9lu %8lu %14.0f %14.0f %8.2f %10.1f%s\n", stored, per_object,
           median(rt), median(cp), median(ratio), meta,
           bad ? "  ERRORS" : "");
    tmem_client_destroy(c);
}

#define MILLION (1UL << 20)
#define PERSIST (EPH | TMEM_POOL_PERSIST)

static double slowest;

/*
 * The thread's CPU time: what the store spends, without the time the
 * system gives other processes while a call runs (on a busy machine that
 * would swamp what is measured).
 */
static double cpu_now(void)
{
    return clock_seconds(CLOCK_THREAD_CPUTIME_ID);
}

/* Time one call of @op into slowest; the op's result. */
static long timed(struct tmem_client *c, const struct tmem_op *o)
{
    double t = cpu_now();
    long rc = tmem_do_op(c, o);

    t = cpu_now() - t;
    if ( t > slowest )
        slowest = t;
    return rc;
}

/*
 * A million pages in @objects objects of pool 0 (flags @flags): the
 * slowest put, then the slowest call of @cmd (FLUSH_OBJECT of object 0,
 * or DESTROY_POOL) issued again until done, preempted at every chance.
 */
static void longest_ops(const char *what, uint32_t flags,
                        unsigned long objects, uint32_t cmd)
{
    static struct test_domain dom = { .max_persistent = ~0UL };
    struct tmem_op o = { .cmd = TMEM_NEW_POOL };
    struct tmem_client *c;
    unsigned long i, calls = 0;
    double put_ms;
    unsigned int f;
    long rc;

    for ( f = 0; f < 100; f++ )
        frames[f].owner = &dom;
    c = tmem_client_create(0, &dom);
    o.u.creat.flags = flags;
    user_do_op(c, &o);
    slowest = 0;
    memset(&o, 0, sizeof(o));
    o.cmd = TMEM_PUT_PAGE;
    for ( i = 0; i < MILLION; i++ )
    {
        o.u.gen.oid.oid[0] = i % objects;
        o.u.gen.index = i / objects;
        o.u.gen.cmfn = i % 100;
        if ( timed(c, &o) != 1 )
            printf("  put %lu failed\n", i);
    }
    put_ms = slowest * 1e3;

    slowest = 0;
    memset(&o, 0, sizeof(o));
    o.cmd = cmd;
    preempt_every = 1;
    do {
        rc = timed(c, &o);
        calls++;
    } while ( rc == -ERESTART );
    preempt_every = 0;
    printf("%-34s %10.3f %10.3f %8lu\n", what, put_ms, slowest * 1e3,
           calls);
    tmem_client_destroy(c);
}

/* The slowest of 10000 reclaim calls of @nr pages, a million stored. */
static void longest_reclaim(unsigned long nr)
{
    static struct test_domain dom = { .max_persistent = ~0UL };
    struct tmem_op o = { .cmd = TMEM_NEW_POOL };
    struct tmem_client *c;
    unsigned long i, freed = 0;
    unsigned int f;

    for ( f = 0; f < 100; f++ )
        frames[f].owner = &dom;
    c = tmem_client_create(0, &dom);
    o.u.creat.flags = EPH;
    user_do_op(c, &o);
    memset(&o, 0, sizeof(o));
    o.cmd = TMEM_PUT_PAGE;
    for ( i = 0; i < MILLION; i++ )
    {
        o.u.gen.oid.oid[0] = i / 1000;
        o.u.gen.index = i % 1000;
        o.u.gen.cmfn = i % 100;
        user_do_op(c, &o);
    }
    slowest = 0;
    for ( i = 0; i < 10000 && freed < MILLION; i++ )
    {
        double t = cpu_now();

        freed += tmem_evict_pages(nr);
        t = cpu_now() - t;
        if ( t > slowest )
            slowest = t;
    }
    printf("reclaim of %-4lu pages (x%lu)        %10.3f ms, %lu freed\n",
           nr, i, slowest * 1e3, freed);
    tmem_client_destroy(c);
}

static void longest(void)
{
    printf("\nlongest work between preemption points, 2^20 pages stored, "
           "in CPU time (target <= 1 ms)\n");
    printf("%-34s %10s %10s %8s\n", "", "put ms", "long op ms", "calls");
    longest_ops("1 object, FLUSH_OBJECT", PERSIST, 1, TMEM_FLUSH_OBJECT);
    longest_ops("2^20 objects, DESTROY_POOL", PERSIST, MILLION,
                TMEM_DESTROY_POOL);
    longest_ops("1024 objects, DESTROY_POOL (eph)", EPH, 1024,
                TMEM_DESTROY_POOL);
    longest_reclaim(1);
    longest_reclaim(512);
}

int main(int argc, char **argv)
{
    /*
     * No fast bins, big tables straight from mmap and back, and no
     * trimming: glibc otherwise consolidates every small chunk freed
     * before whenever a free makes a big one (half a second after a
     * million objects), a cost of this allocator and not of Xen's.
     */
    mallopt(M_MXFAST, 0);
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    /*
     * Nor huge pages: faulting one in may compact memory first, tens of
     * milliseconds charged to whichever put touched it.
     */
    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
    printf("tmem store benchmark (userspace, one thread)\n");
    printf("%9s %8s %14s %14s %8s %10s\n", "stored", "pages/obj",
           "put+get/s", "2x memcpy/s", "ratio", "meta B/pg");
    run(1000, 1000);
    run(65536, 1000);
    run(262144, 1000);
    run(262144, 16);
    run(65536, 1);
    printf("medians of %u runs, memcpys and round trips taking turns\n",
           REPS);
    printf("ratio = time of a put+get round trip / time of two 4 KiB "
           "memcpys (target <= 3)\n");
    printf("meta B/pg = metadata bytes per stored page (target <= 64)\n");
    if ( argc < 2 || strcmp(argv[1], "--no-longest") )
        longest();
    return 0;
}
