// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark of the tmem store in userspace: put+get round trips per second
 * next to plain 4 KiB memcpy pairs measured in the same run, at several
 * numbers of stored pages (the per-op cost must not grow with them), and
 * the metadata bytes each stored page costs.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "frames.h"

#define EPH     (TMEM_SPEC_VERSION << TMEM_POOL_VERSION_SHIFT)
#define ROUNDS  20000
#define REPS    31      /* medians of this many runs are printed */

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long op(struct tmem_client *c, uint32_t cmd, int32_t pool,
               uint64_t oid, uint32_t index, uint64_t cmfn)
{
    struct tmem_op o = { .cmd = cmd, .pool_id = pool };

    o.u.gen.oid.oid[0] = oid;
    o.u.gen.index = index;
    o.u.gen.cmfn = cmfn;
    return tmem_do_op(c, &o);
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
    tmem_do_op(c, &newp);
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

int main(void)
{
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
    return 0;
}
