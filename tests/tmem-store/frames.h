/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Simulated domains and guest frames for the userspace tmem tests.
 *
 * Frames 0 .. FRAMES_TOTAL-1 exist; each belongs to one test domain or to
 * nobody, and may be marked "not writable RAM" (a page table, say). The
 * env hooks refuse frames the calling domain does not own, count every
 * data page allocated and freed and every frame held, and can be told to
 * fail allocations.
 */
#ifndef TMEM_TEST_FRAMES_H
#define TMEM_TEST_FRAMES_H

#include <stddef.h>
#include "store.h"

#define FRAMES_TOTAL 1024

struct test_domain {
    unsigned int id;
    unsigned long max_persistent;   /* persistent pages it may hold */
    unsigned long charged;          /* persistent pages charged to it */
};

struct frame {
    struct test_domain *owner;
    bool readonly;                  /* not ordinary writable RAM */
    unsigned char bytes[PAGE_SIZE];
};

extern struct frame frames[FRAMES_TOTAL];

/* Counters and knobs for the env hooks. */
unsigned long data_pages_live(void);        /* allocated minus freed */
extern long data_pages_fail_after;          /* <0: never fail */
extern unsigned long frame_copies_refused;
unsigned long frames_held(void);            /* taken and not let go */
extern unsigned long preempt_points;
/*
 * env_preempt_check() asks for a preemption at every preempt_every-th
 * call (0: never); preempt_restarts counts them.
 */
extern unsigned long preempt_every;
extern unsigned long preempt_restarts;
/* tmem_do_op(), issued again while it asks to be, as Xen's continuation. */
long user_do_op(struct tmem_client *c, const struct tmem_op *op);
/* Run at every preempt point while set, where the store holds no lock. */
extern void (*preempt_hook)(void);
/*
 * Run at the store's race windows (env_race_window()) in place of a
 * yield while set, if race_windows_open is set too.
 */
extern void (*race_hook)(void);
unsigned long meta_bytes_live(void);        /* metadata bytes held */
extern bool meta_alloc_fail;
/* Metadata allocations fail until a data page is freed (a dry heap). */
extern bool meta_dry_until_page_free;

void frames_reset(void);
void frame_fill(unsigned int f, uint32_t seed);
bool frame_check(unsigned int f, uint32_t seed);

/* The store's counters, added up now. */
static inline struct tmem_global global_now(void)
{
    struct tmem_global g;

    tmem_global_read(&g);
    return g;
}

static inline struct tmem_counters client_now(const struct tmem_client *c)
{
    struct tmem_counters n;

    tmem_client_counters(c, &n);
    return n;
}

#endif /* TMEM_TEST_FRAMES_H */
