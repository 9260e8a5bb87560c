/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the store's own files share: store.c (pools, objects, pages and
 * the page ops), evict.c (eviction) and client.c (clients and counters).
 * Nothing outside them includes this.
 */
#ifndef TMEM_PRIVATE_H
#define TMEM_PRIVATE_H

#include "store.h"

/*
 * Steps per batch of long flushes, between preemption points: a step
 * removes a page, or moves on to the next bucket of a table being emptied.
 */
#define FLUSH_BATCH 256

#define COUNT(c, field) TMEM_COUNT(c, field, 1)

#define link_entry(l, type, member) \
    ((type *)((char *)(l) - __builtin_offsetof(type, member)))

static inline void link_init(struct tmem_link *l)
{
    l->prev = l->next = l;
}

static inline bool link_empty(const struct tmem_link *l)
{
    return l->next == l;
}

static inline void link_add_tail(struct tmem_link *l, struct tmem_link *head)
{
    l->prev = head->prev;
    l->next = head;
    head->prev->next = l;
    head->prev = l;
}

static inline void link_del(struct tmem_link *l)
{
    l->prev->next = l->next;
    l->next->prev = l->prev;
    link_init(l);
}

/* client.c: the clients eviction may pick from. */
extern env_spinlock_t tmem_clients_lock;
extern struct tmem_link tmem_clients_list;

/*
 * client.c: may client @c create or join the shared pool @uuid (its
 * pools_lock held)? Always, unless tmem_shared_auth asks for the
 * administrator's leave.
 */
bool tmem_client_may_share(const struct tmem_client *c,
                           const uint64_t uuid[2]);

/* store.c */
extern unsigned long tmem_nr_shared_pools;      /* under shared_lock */
/* Draw the hash keys, once, before the first client (clients lock held). */
void tmem_hash_init(void);
/*
 * Take a page out of its object and LRU and free it (pool lock held);
 * an evictor may have taken a shared-pool page off its LRU already.
 */
void tmem_page_remove(struct tmem_pool *p, struct tmem_page *pg);
/*
 * Lock the pool of the page at the head of client @c's LRU of shared-pool
 * pages, then the LRU. False if the LRU is empty. Otherwise true, with
 * *@pp the pool and *@pgp the head: then in that pool and both locks
 * held, or NULL and neither held if the head moved to another pool
 * meanwhile.
 */
bool tmem_lru_lock_head(struct tmem_client *c, struct tmem_page **pgp,
                        struct tmem_pool **pp);
/*
 * Remove client @c's shared-pool page @pg, its pool @p and LRU locked as
 * tmem_lru_lock_head() leaves them; drops both locks.
 */
void tmem_lru_page_remove(struct tmem_client *c, struct tmem_pool *p,
                          struct tmem_page *pg);
/*
 * Do up to @budget steps (see FLUSH_BATCH) of emptying a pool no table
 * names any more, the objects that go counted against client @c; true
 * once it is empty, which it is not while a flush still holds one of its
 * objects.
 */
bool tmem_pool_drain_batch(struct tmem_client *c, struct tmem_pool *p,
                           unsigned long budget);
/* Give back what an emptied pool holds, and the pool for reuse. */
void tmem_pool_retire(struct tmem_client *c, struct tmem_pool *p);
/* Drop a hold on a pool taken out of a table; true if it was the last. */
bool tmem_pool_release(struct tmem_pool *p);

/*
 * evict.c: evict client @c's oldest ephemeral pages past its cap, for a
 * put of its own that holds no lock.
 */
void tmem_evict_over_cap(struct tmem_client *c);

#endif /* TMEM_PRIVATE_H */
/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */

