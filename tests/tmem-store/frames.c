// SPDX-License-Identifier: GPL-2.0-only
/* The env hooks of the userspace tmem store, over simulated frames. */
#include <sched.h>
#include <string.h>

#include "frames.h"

struct frame frames[FRAMES_TOTAL];
unsigned long data_pages_live;
long data_pages_fail_after = -1;
unsigned long frame_copies_refused;
unsigned long preempt_points;
unsigned long meta_bytes_live;
bool meta_alloc_fail;

/* Metadata blocks carry their size so that the tests can count bytes. */
void *user_zalloc(size_t size)
{
    size_t *p;

    if ( meta_alloc_fail )
        return NULL;
    p = calloc(1, size + sizeof(size_t) * 2);
    if ( !p )
        return NULL;
    p[0] = size;
    __atomic_fetch_add(&meta_bytes_live, size, __ATOMIC_RELAXED);
    return p + 2;
}

void user_free(void *ptr)
{
    size_t *p = ptr;

    if ( !p )
        return;
    p -= 2;
    __atomic_fetch_sub(&meta_bytes_live, p[0], __ATOMIC_RELAXED);
    free(p);
}

void user_preempt_point(void)
{
    __atomic_fetch_add(&preempt_points, 1, __ATOMIC_RELAXED);
}

/*
 * Freed data pages are kept on a per-thread list for reuse, as a hypervisor's heap
 * would hand them out again, so that the benchmark measures the store and
 * not the C library's aligned_alloc().
 */
static __thread env_page_t *free_pages[4096];
static __thread unsigned int nr_free;

env_page_t *env_page_alloc(void *owner, bool persistent, unsigned long held)
{
    struct test_domain *d = owner;
    env_page_t *pg = NULL;

    if ( persistent && held >= d->max_persistent )
        return NULL;
    if ( data_pages_fail_after == 0 )
        return NULL;
    if ( data_pages_fail_after > 0 )
        data_pages_fail_after--;
    if ( nr_free )
        pg = free_pages[--nr_free];
    if ( !pg )
        pg = aligned_alloc(PAGE_SIZE, sizeof(*pg));
    if ( pg )
        __atomic_fetch_add(&data_pages_live, 1, __ATOMIC_RELAXED);
    return pg;
}

void env_page_free(env_page_t *page)
{
    __atomic_fetch_sub(&data_pages_live, 1, __ATOMIC_RELAXED);
    if ( nr_free < sizeof(free_pages) / sizeof(free_pages[0]) )
    {
        free_pages[nr_free++] = page;
        page = NULL;
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

int env_copy_from_frame(void *owner, uint64_t cmfn, env_page_t *dst)
{
    struct frame *f = frame_of(owner, cmfn, false);

    if ( !f )
        return -EINVAL;
    memcpy(dst->bytes, f->bytes, PAGE_SIZE);
    return 0;
}

int env_copy_to_frame(void *owner, uint64_t cmfn, const env_page_t *src)
{
    struct frame *f = frame_of(owner, cmfn, true);

    if ( !f )
        return -EINVAL;
    memcpy(f->bytes, src->bytes, PAGE_SIZE);
    return 0;
}

void frames_reset(void)
{
    memset(frames, 0, sizeof(frames));
    data_pages_fail_after = -1;
    meta_alloc_fail = false;
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
