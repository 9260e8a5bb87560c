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
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#define ASSERT(x) assert(x)

#define PAGE_SIZE 4096

typedef pthread_mutex_t env_spinlock_t;
typedef pthread_rwlock_t env_rwlock_t;
typedef struct user_page {
    unsigned char bytes[PAGE_SIZE];
} env_page_t;

#define ENV_DEFINE_SPINLOCK(l)  pthread_mutex_t l = PTHREAD_MUTEX_INITIALIZER
#define env_spin_init(l)        pthread_mutex_init(l, NULL)
#define env_spin_lock(l)        pthread_mutex_lock(l)
#define env_spin_trylock(l)     (pthread_mutex_trylock(l) == 0)
#define env_spin_unlock(l)      pthread_mutex_unlock(l)
#define env_rwlock_init(l)      pthread_rwlock_init(l, NULL)
#define env_read_lock(l)        pthread_rwlock_rdlock(l)
#define env_read_unlock(l)      pthread_rwlock_unlock(l)
#define env_write_lock(l)       pthread_rwlock_wrlock(l)
#define env_write_unlock(l)     pthread_rwlock_unlock(l)

void *user_zalloc(size_t size);
void user_free(void *p);
#define env_zalloc(type)          ((type *)user_zalloc(sizeof(type)))
#define env_zalloc_array(type, n) ((type *)user_zalloc(sizeof(type) * (n)))
#define env_free(p)               user_free(p)

#define env_count_add(p, v)  ((void)__atomic_fetch_add(p, v, __ATOMIC_RELAXED))
#define env_count_read(p)    __atomic_load_n(p, __ATOMIC_RELAXED)

void user_preempt_point(void);
#define env_preempt_point()     user_preempt_point()
#define env_index_nospec(i, n)  (i)

#endif /* TMEM_ENV_USER_H */
