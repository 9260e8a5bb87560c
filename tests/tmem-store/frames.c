// SPDX-License-Identifier: GPL-2.0-only
/* The env hooks of the userspace tmem store, over simulated frames. */
#include <assert.h>
#include <sched.h>
#include <string.h>

#include "frames.h"

struct frame frames[FRAMES_TOTAL];
/* Per thread, so that counting costs the benchmark no atomic operation. */
static unsigned long pages_live[ENV_USER_CPUS];
static unsigned long meta_live[ENV_USER_CPUS];
static unsigned long held[ENV_USER_CPUS];
long data_pages_fail_after = -1;
unsigned long frame_copies_refused;
unsigned long preempt_points;
void (*preempt_hook)(void);
void (*race_hook)(void);
bool meta_alloc_fail;
bool meta_dry_until_page_free;

/*
 * Metadata blocks carry their size so that the tests can count bytes, in
 * a header before the block that also keeps the alignment its type asks
 * for (per-CPU counters want a cache line of their own): the header's
 * last word is its own length, the one before it the block's size.
 */
void *user_zalloc(size_t size, size_t align)
{
    size_t head = align > 2 * sizeof(size_t) ? align : 2 * sizeof(size_t);
    char *p;

    if ( meta_alloc_fail ||
         __atomic_load_n(&meta_dry_until_page_free, __ATOMIC_RELAXED) )
        return NULL;
    if ( head == 2 * sizeof(size_t) )
        p = calloc(1, head + size);
    else
    {
        p = aligned_alloc(head, (head + size + head - 1) & ~(head - 1));
        if ( p )
            memset(p, 0, head + size);
    }
    if ( !p )
        return NULL;
    p += head;
    ((size_t *)p)[-1] = head;
    ((size_t *)p)[-2] = size;
    meta_live[user_cpu()] += size;
    return p;
}

void user_free(void *ptr)
{
    size_t *p = ptr;

    if ( !p )
        return;
    meta_live[user_cpu()] -= p[-2];
    free((char *)p - p[-1]);
}

__thread unsigned int user_cpu_plus_one;
__thread unsigned long user_locks_taken;

unsigned int user_cpu_first(void)
{
    static unsigned int next;
    unsigned int me = __atomic_add_fetch(&next, 1, __ATOMIC_RELAXED);

    assert(me <= ENV_USER_CPUS);
    user_cpu_plus_one = me;

    return me - 1;
}

static unsigned long sum(const unsigned long *per_thread)
{
    unsigned long n = 0;
    unsigned int i;

    for ( i = 0; i < ENV_USER_CPUS; i++ )
        n += __atomic_load_n(&per_thread[i], __ATOMIC_RELAXED);

    return n;
}

unsigned long data_pages_live(void)
{
    return sum(pages_live);
}

unsigned long meta_bytes_live(void)
{
    return sum(meta_live);
}

unsigned long frames_held(void)
{
    return sum(held);
}

bool race_windows_open;

uint64_t user_random64(void)
{
    static uint64_t state = 0x7e3f1d2c4b5a6978ULL;
    uint64_t z = __atomic_add_fetch(&state, 0x9e3779b97f4a7c15ULL,
                                    __ATOMIC_RELAXED);

    /* splitmix64's output function */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;

    return z ^ (z >> 31);
}

void user_race_window(void)
{
    static __thread unsigned int calls;

    if ( race_hook )
        race_hook();
    else if ( ++calls % 4 == 0 )
        sched_yield();
}

void user_preempt_point(void)
{
    __atomic_fetch_add(&preempt_points, 1, __ATOMIC_RELAXED);
    if ( preempt_hook )
        preempt_hook();
}

unsigned long preempt_every;
unsigned long preempt_restarts;
static unsigned long preempt_checks;

/*
 * Where a hypercall may be preempted: a preempt point as well, and every
 * preempt_every-th time a request to stop and be issued again.
 */
bool user_preempt_check(void)
{
    unsigned long n = __atomic_add_fetch(&preempt_checks, 1,
                                         __ATOMIC_RELAXED);

    user_preempt_point();
    if ( !preempt_every || n % preempt_every )
        return false;
    __atomic_fetch_add(&preempt_restarts, 1, __ATOMIC_RELAXED);
    return true;
}

long user_do_op(struct tmem_client *c, const struct tmem_op *op)
{
    long rc;

    while ( (rc = tmem_do_op(c, op)) == -ERESTART )
        ;
    return rc;
}

/*
 * Freed data pages are kept on a per-thread list for reuse, as a
 * hypervisor's heap would hand them out again, so that the benchmark
 * measures the store and not the C library's aligned_alloc() and free().
 * The tests keep only a few, so that the sanitizers see most freed pages
 * freed; the benchmark (NDEBUG) keeps them all, chained through their
 * first bytes.
 */
#ifdef NDEBUG
#define FREE_PAGES_KEPT (~0UL)
#else
#define FREE_PAGES_KEPT 4096UL
#endif
static __thread env_page_t *free_pages;
static __thread unsigned long nr_free;

env_page_t *env_page_alloc(void)
{
    env_page_t *pg = NULL;

    if ( data_pages_fail_after == 0 )
        return NULL;
    if ( data_pages_fail_after > 0 )
        data_pages_fail_after--;
    if ( nr_free )
    {
        pg = free_pages;
        memcpy(&free_pages, pg, sizeof(free_pages));
        nr_free--;
    }
    if ( !pg )
        pg = aligned_alloc(PAGE_SIZE, sizeof(*pg));
    if ( pg )
        pages_live[user_cpu()]++;
    return pg;
}

/* As Xen counts them in tot_pages: never past the allowance, even racing. */
bool env_persistent_charge(void *owner)
{
    struct test_domain *d = owner;
    unsigned long n = __atomic_load_n(&d->charged, __ATOMIC_RELAXED);

    do
        if ( n >= d->max_persistent )
            return false;
    while ( !__atomic_compare_exchange_n(&d->charged, &n, n + 1, false,
                                         __ATOMIC_RELAXED, __ATOMIC_RELAXED) );
    return true;
}

void env_persistent_uncharge(void *owner, unsigned long pages)
{
    struct test_domain *d = owner;

    assert(__atomic_load_n(&d->charged, __ATOMIC_RELAXED) >= pages);
    __atomic_fetch_sub(&d->charged, pages, __ATOMIC_RELAXED);
}

void env_page_free(env_page_t *page)
{
    pages_live[user_cpu()]--;
    /* Read first: every thread frees pages, and the tests set it alone. */
    if ( __atomic_load_n(&meta_dry_until_page_free, __ATOMIC_RELAXED) )
        __atomic_store_n(&meta_dry_until_page_free, false, __ATOMIC_RELAXED);
    if ( nr_free < FREE_PAGES_KEPT )
    {
        memcpy(page, &free_pages, sizeof(free_pages));
        free_pages = page;
        nr_free++;
        return;
    }
    free(page);
}

static struct frame *frame_of(void *owner, uint64_t cmfn, bool writing)
{
    if ( cmfn >= FRAMES_TOTAL || frames[cmfn].owner != owner ||
         (writing && frames[cmfn].readonly) )
    {
        __atomic_fetch_add(&frame_copies_refused, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    return &frames[cmfn];
}

env_frame_t *env_frame_get(void *owner, uint64_t cmfn, bool writing)
{
    struct frame *f = frame_of(owner, cmfn, writing);

    if ( f )
        held[user_cpu()]++;
    return f;
}

void env_frame_put(void *owner, env_frame_t *f, bool writing, bool written)
{
    assert(f->owner == owner && (!writing || !f->readonly));
    held[user_cpu()]--;
}

void env_copy_from_frame(const env_frame_t *f, env_page_t *dst)
{
    memcpy(dst->bytes, f->bytes, PAGE_SIZE);
}

void env_copy_to_frame(env_frame_t *f, const env_page_t *src)
{
    memcpy(f->bytes, src->bytes, PAGE_SIZE);
}

void frames_reset(void)
{
    memset(frames, 0, sizeof(frames));
    data_pages_fail_after = -1;
    meta_alloc_fail = false;
    meta_dry_until_page_free = false;
}

/* A page of bytes derived from @seed, different for every seed. */
static void fill_bytes(unsigned char *buf, uint32_t seed)
{
    uint32_t x = seed * 2654435761U + 1;
    unsigned int i;

    for ( i = 0; i < PAGE_SIZE; i += 4 )
    {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        memcpy(&buf[i], &x, 4);
    }
    memcpy(buf, &seed, sizeof(seed));
}

void frame_fill(unsigned int f, uint32_t seed)
{
    fill_bytes(frames[f].bytes, seed);
}

bool frame_check(unsigned int f, uint32_t seed)
{
    unsigned char want[PAGE_SIZE];

    fill_bytes(want, seed);
    return !memcmp(want, frames[f].bytes, PAGE_SIZE);
}
