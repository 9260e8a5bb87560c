/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tmem store's environment in userspace: pthread locks, malloc, and
 * data pages and guest frames simulated by frames.c.
 */
#ifndef TMEM_ENV_USER_H
#define TMEM_ENV_USER_H

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define ASSERT(x) assert(x)

#define PAGE_SIZE 4096

/*
 * A lock shaped like Xen's: a ticket spinlock is one atomic add to take
 * and a plain store to release, so that the benchmark weighs what the
 * hypervisor would.
 */
typedef struct {
    unsigned int next, owner;
} env_spinlock_t;

#define ENV_SPINLOCK_UNLOCKED { 0, 0 }

/* Locks this thread has taken: a test measures one step's work by it. */
extern __thread unsigned long user_locks_taken;

static inline void env_spin_init(env_spinlock_t *l)
{
    l->next = l->owner = 0;
}

/*
 * Unlike a hypervisor's CPUs, test threads outnumber the host's: a waiter
 * yields now and then, or it could spin out the time slice of a holder
 * (or of the next in line) that is not running.
 */
static inline void env_spin_lock(env_spinlock_t *l)
{
    unsigned int t = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQUIRE);
    unsigned int spins = 0;

    user_locks_taken++;
    while ( __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != t )
    {
        if ( ++spins % 64 == 0 )
            sched_yield();
        else
            __builtin_ia32_pause();
    }
}

static inline void env_spin_unlock(env_spinlock_t *l)
{
    unsigned int o = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);

    __atomic_store_n(&l->owner, o + 1, __ATOMIC_RELEASE);
}

typedef struct user_page {
    unsigned char bytes[PAGE_SIZE];
} env_page_t;

/* A guest frame, as frames.h simulates them. */
typedef struct frame env_frame_t;

#define ENV_DEFINE_SPINLOCK(l)  env_spinlock_t l = ENV_SPINLOCK_UNLOCKED

void *user_zalloc(size_t size, size_t align);
void user_free(void *p);
#define env_zalloc(type) \
    ((type *)user_zalloc(sizeof(type), __alignof__(type)))
#define env_zalloc_array(type, n) \
    ((type *)user_zalloc(sizeof(type) * (n), __alignof__(type)))
#define env_free(p)               user_free(p)

/* Acquire and release, as x86's plain loads and stores are in Xen. */
#define env_read_once(p)     __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define env_write_once(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define env_fetch_add(p, v)  __atomic_fetch_add(p, v, __ATOMIC_RELAXED)
#define env_count_add(p, v)  ((void)env_fetch_add(p, v))

/*
 * Each thread is a CPU: threads get numbers in the order they first ask,
 * and a test may run at most ENV_USER_CPUS of them.
 */
#define ENV_USER_CPUS        64
#define ENV_CACHE_ALIGNED    __attribute__((aligned(64)))
extern __thread unsigned int user_cpu_plus_one;
unsigned int user_cpu_first(void);

static inline unsigned int user_cpu(void)
{
    unsigned int me = user_cpu_plus_one;

    return me ? me - 1 : user_cpu_first();
}
#define env_cpu()            user_cpu()
#define env_nr_cpus()        ENV_USER_CPUS

void user_preempt_point(void);
bool user_preempt_check(void);
#define env_preempt_point()     user_preempt_point()
#define env_preempt_check()     user_preempt_check()
#ifndef ERESTART
#define ERESTART 85
#endif
#define env_index_nospec(i, n)  (i)

/* The same sequence in every run, so that a failing run can be replayed. */
uint64_t user_random64(void);
#define env_random64()          user_random64()

/* Set by the SMP test: race windows then yield the CPU now and then. */
extern bool race_windows_open;
void user_race_window(void);

static inline void env_race_window(void)
{
    if ( race_windows_open )
        user_race_window();
}

#endif /* TMEM_ENV_USER_H */
