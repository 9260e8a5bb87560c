/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the tmem store needs from where it runs. The store (store.c,
 * evict.c, client.c, op.c) uses only these names, so that the same source
 * builds into Xen and into the userspace tests (tests/tmem-store/
 * env-user.h).
 *
 * Locks:     env_spinlock_t and its operations (no trylock: store.h).
 * Memory:    env_zalloc()/env_zalloc_array()/env_free() for metadata, may
 *            fail; data pages are env_page_t, from env_page_alloc().
 * Shared:    env_read_once()/env_write_once() read and write a value whole
 *            (a counter, a pointer) that others read or write without the
 *            lock, if any, that orders the writers; with acquire and
 *            release ordering (x86's loads and stores have it), on which
 *            a pool published in a client's table relies;
 * Counters:  env_count_add() adds atomically to an unsigned long,
 *            env_fetch_add() too and returns the value it found;
 *            env_cpu() is the running CPU, below env_nr_cpus(), for
 *            per-CPU counters bumped without atomics (stable for the length
 *            of an increment: counters are never touched in interrupts);
 *            ENV_CACHE_ALIGNED keeps a CPU's counters off others' lines.
 * Preempt:   env_preempt_point() lets the rest of the system run between
 *            bounded batches of work (no lock may be held);
 *            env_preempt_check(), between the batches of a hypercall,
 *            tells that it should stop and be issued again (-ERESTART).
 * Bounds:    env_index_nospec(i, n) clamps a checked guest index under
 *            speculation.
 * Random:    env_random64(), 64 random bits (for the hash keys).
 * Races:     env_race_window() marks where the code must cope with other
 *            CPUs changing things under it; tests may let other threads
 *            run there, to widen the window. Nothing in Xen.
 *
 * The hooks the environment implements (platform.c in Xen):
 *   env_page_alloc() - a data page, or NULL;
 *   env_page_free(page);
 *   env_persistent_charge(owner) - count one more persistent page against
 *       the owner's allocation; false, counting nothing, if it is full;
 *   env_persistent_uncharge(owner, pages) - count @pages fewer;
 *   env_frame_get(owner, cmfn, writing) - the caller's frame @cmfn, held
 *       until env_frame_put(); NULL, untouched, when it is not the
 *       caller's RAM (writable RAM, for @writing);
 *   env_frame_put(owner, frame, writing, written) - let go of a frame
 *       env_frame_get() gave for @writing, marked dirty if @written;
 *   env_copy_from_frame(frame, page) / env_copy_to_frame(frame, page) -
 *       copy one page between a held frame and a data page.
 * The copies, charges and uncharges are made with a pool lock held, and
 * so may take no lock of the host's but short ones held by nobody who
 * allocates memory (Xen's domain page_alloc_lock is one):
 * eviction, which runs inside any allocation in the host (hypercall.c:
 * tmem_reclaim()), may be waiting for that pool lock while the allocator
 * holds its own locks, a domain's p2m lock say. Looking a frame up and
 * letting it go may take such locks; they are called with no tmem lock
 * held.
 */
#ifndef TMEM_ENV_H
#define TMEM_ENV_H

#ifdef __XEN__

#include <xen/cache.h>
#include <xen/cpumask.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/list.h>
#include <xen/mm.h>
#include <xen/nospec.h>
#include <xen/random.h>
#include <xen/softirq.h>
#include <xen/spinlock.h>
#include <xen/sched.h>
#include <xen/smp.h>
#include <xen/types.h>
#include <xen/xmalloc.h>
#include <asm/event.h>

typedef spinlock_t env_spinlock_t;
typedef struct page_info env_page_t;
typedef struct page_info env_frame_t;

#define ENV_DEFINE_SPINLOCK(l)  DEFINE_SPINLOCK(l)
#define env_spin_init(l)        spin_lock_init(l)
#define env_spin_lock(l)        spin_lock(l)
#define env_spin_unlock(l)      spin_unlock(l)

#define env_zalloc(type)        xzalloc(type)
#define env_zalloc_array(type, n) xzalloc_array(type, n)
#define env_free(p)             xfree(p)

#define env_read_once(p)        read_atomic(p)
#define env_write_once(p, v)    write_atomic(p, v)
#define env_fetch_add(p, v)     arch_fetch_and_add(p, v)
#define env_count_add(p, v)     ((void)env_fetch_add(p, v))
#define env_cpu()               smp_processor_id()
#define env_nr_cpus()           nr_cpu_ids
#define ENV_CACHE_ALIGNED       __cacheline_aligned

#define env_preempt_point()     process_pending_softirqs()
#define env_preempt_check()     hypercall_preempt_check()
#define env_index_nospec(i, n)  array_index_nospec(i, n)
#define env_race_window()       ((void)0)
#define env_random64()          (((uint64_t)get_random() << 32) | get_random())

#else

#include "env-user.h"

#endif /* __XEN__ */

env_page_t *env_page_alloc(void);
void env_page_free(env_page_t *page);
bool env_persistent_charge(void *owner);
void env_persistent_uncharge(void *owner, unsigned long pages);
env_frame_t *env_frame_get(void *owner, uint64_t cmfn, bool writing);
void env_frame_put(void *owner, env_frame_t *frame, bool writing,
                   bool written);
void env_copy_from_frame(const env_frame_t *frame, env_page_t *dst);
void env_copy_to_frame(env_frame_t *frame, const env_page_t *src);

#endif /* TMEM_ENV_H */
