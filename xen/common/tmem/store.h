/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tmem store: clients (one per domain), their pools, the objects in a
 * pool and the pages of an object, with ephemeral pages on LRU lists from
 * which they are evicted: a private pool's own list, under the pool's
 * lock, and one per client for the pages it put in shared pools.
 *
 * Locking, outermost first:
 *   clients_lock         - the list of clients: eviction holds it while it
 *                          takes pool and LRU locks, so that the client it
 *                          takes pages from stays; nobody takes it with
 *                          another tmem lock held;
 *   client->pools_lock   - changes to the client's pool table (NEW_POOL,
 *                          DESTROY_POOL);
 *   shared_lock          - the host's shared pools (NEW_POOL and pool
 *                          teardown only);
 *   pool->lock           - the pool's objects, pages and (private
 *                          ephemeral pools) LRU;
 *   client->lru_lock     - the client's LRU of shared-pool pages.
 * No lock is ever only tried: a guest can keep its own pools' locks busy
 * from a few vCPUs for as long as it likes, and eviction must get its
 * pages all the same. The locks are fair, so its turn comes, and soon:
 * whoever holds a pool lock waits for nothing that the allocator which
 * called eviction may hold, as guest frames are looked up before a pool
 * lock is taken and let go after it (env.h). So walkers of a client's LRU
 * of shared-pool pages find a page's pool under the LRU lock, drop it,
 * lock the pool and the LRU again in order, and check that the head is
 * still in that pool (tmem_lru_lock_head()). No global lock is taken on
 * the put/get/flush path.
 *
 * Page ops read the pool table without a lock. That is safe because pool
 * structures are never freed while their client lives: a client's private
 * pools are part of the client and the host's shared pools are static, so
 * a pointer read from the table can always be locked. Once the pool is
 * locked, the table still naming it proves that it is the pool asked for,
 * as whoever takes a pool out of the table empties it under that lock
 * afterwards, and sets a pool up under it before putting it in.
 */
#ifndef TMEM_STORE_H
#define TMEM_STORE_H

#include "env.h"
#include "table.h"
#include "tmem_abi.h"

struct tmem_client;
struct tmem_pool;
struct tmem_object;

/* An intrusive doubly linked list: the store's LRU lists. */
struct tmem_link {
    struct tmem_link *prev, *next;
};

/*
 * One stored page: 56 bytes on a 64-bit host, plus the hash bucket it
 * hangs from (at most two pages per bucket on average).
 */
struct tmem_page {
    struct tmem_hnode hnode;        /* object's hash chain: first */
    struct tmem_object *obj;
    struct tmem_link lru;           /* ephemeral: its pool's or client's */
    struct tmem_client *client;     /* who put it (charged) */
    env_page_t *data;
    uint32_t index;
    /*
     * Ephemeral: when it was put, in the client's puts, to evict the
     * oldest of the heads of a client's lists. Wraps: pages 2^31 puts
     * apart may be taken in the wrong order, which costs nothing else.
     */
    uint32_t age;
};

/* One object: 72 bytes on a 64-bit host. */
struct tmem_object {
    struct tmem_hnode hnode;        /* pool's hash chain, or held list */
    struct tmem_pool *pool;
    union {
        struct tmem_oid oid;        /* in its pool's table */
        /*
         * Held out of the table to be emptied (store.c: obj_hold()),
         * when nobody looks it up by its id any more: the first bucket
         * of its page table that may still hold pages.
         */
        unsigned int resume;
    };
    struct tmem_table pages;
    unsigned int npages;            /* plus one while held (store.c) */
};

static inline struct tmem_page *page_of(const struct tmem_hnode *n)
{
    return n ? (struct tmem_page *)((char *)n -
               __builtin_offsetof(struct tmem_page, hnode)) : NULL;
}

static inline struct tmem_object *obj_of(const struct tmem_hnode *n)
{
    return n ? (struct tmem_object *)((char *)n -
               __builtin_offsetof(struct tmem_object, hnode)) : NULL;
}

struct tmem_pool {
    env_spinlock_t lock;
    bool in_use;                    /* set up, or still being emptied */
    struct tmem_table objs;
    unsigned int nobjs;             /* in objs, or held */
    unsigned long npages;
    struct tmem_link lru;           /* private ephemeral: oldest first */
    unsigned long lru_pages;        /* on lru; read without the lock */
    bool persistent;
    bool shared;
    uint64_t uuid[2];
    unsigned int refs;              /* clients holding it (shared_lock) */
    /* Objects being emptied, out of the table (store.c: obj_hold()). */
    struct tmem_object *held;
    /* Being emptied once no table names it: the first bucket to look at. */
    unsigned int drain_bucket;
    /* A few freed descriptors kept for reuse, chained through hnode. */
    struct tmem_page *spare_pages;
    struct tmem_object *spare_objs;
    unsigned int nspare_pages, nspare_objs;
};

/*
 * Counters. Each client keeps one set per CPU, bumped with plain
 * increments by the CPU doing the op, so that counting costs no atomic
 * operation on the put/get path; readers add the sets up. Everything only
 * ever grows except objects, which is a running difference (created minus
 * destroyed) and only means something summed over all clients.
 */
struct tmem_counters {
    unsigned long puts;
    unsigned long puts_failed;
    unsigned long gets;
    unsigned long gets_hit;
    unsigned long gets_miss;
    unsigned long flush_page;
    unsigned long flush_object;
    unsigned long pools_created;
    unsigned long pools_destroyed;
    unsigned long evictions;
    unsigned long pages_allocated;  /* data pages taken */
    unsigned long pages_freed;      /* data pages given back */
    unsigned long objects;
};

/* One CPU's set, alone in its cache lines. */
struct tmem_cpu_counters {
    struct tmem_counters n;
} ENV_CACHE_ALIGNED;

/* Shared-pool uuids the administrator may allow one client. */
#define TMEM_MAX_AUTH 8

struct tmem_client {
    void *owner;                    /* the environment's domain */
    unsigned int id;
    unsigned int weight;
    env_spinlock_t pools_lock;
    struct tmem_pool *pools[TMEM_MAX_POOLS_PER_CLIENT];    /* by pool id */
    struct tmem_pool own[TMEM_MAX_POOLS_PER_CLIENT];   /* private ones */
    /*
     * pools_lock: the pool each id had until DESTROY_POOL (or client
     * destroy) took it out of the table, while it is being emptied; the
     * id is not given out again meanwhile. A DESTROY_POOL emptying one
     * holds its bit in retiring_busy, so that one vCPU at a time does.
     */
    struct tmem_pool *retiring[TMEM_MAX_POOLS_PER_CLIENT];
    unsigned int retiring_busy;
    env_spinlock_t lru_lock;
    struct tmem_link lru;           /* its shared-pool pages, oldest first */
    unsigned long eph_pages;        /* on lru (written under lru_lock) */
    bool dying;                     /* being destroyed (under lru_lock) */
    uint32_t clock;                 /* the next ephemeral page's age */
    unsigned long max_eph;          /* ephemeral pages it may hold */
    bool frozen;                    /* its puts refused (administrator) */
    /* pools_lock: the shared-pool uuids it may use (tmem_shared_auth) */
    uint64_t auth[TMEM_MAX_AUTH][2];
    unsigned int nr_auth;
    unsigned long evict_pass;       /* clients_lock: see evict.c */
    unsigned long pers_pages;       /* persistent, charged (atomic) */
    struct tmem_cpu_counters *count;    /* [env_nr_cpus()] */
    struct tmem_link clients;       /* clients_lock: evictable clients */
    struct tmem_link all;           /* clients_lock: dying ones too */
};

/* Count @v more @field for client @c on this CPU. */
#define TMEM_COUNT(c, field, v) do {                                  \
    unsigned long *n_ = &(c)->count[env_cpu()].n.field;               \
                                                                      \
    env_write_once(n_, *n_ + (v));                                   \
} while ( 0 )

/* Host-wide numbers, as tmem_global_read() adds them up. */
struct tmem_global {
    unsigned long eph_pages;        /* ephemeral pages held */
    unsigned long pers_pages;       /* persistent pages held */
    unsigned long clients;
    unsigned long shared_pools;
    struct tmem_counters count;     /* all clients, destroyed ones too */
};

/* Snapshots: exact when the store is quiet, close estimates otherwise. */
unsigned long tmem_client_eph_pages(const struct tmem_client *c);
void tmem_global_read(struct tmem_global *g);
void tmem_client_counters(const struct tmem_client *c,
                          struct tmem_counters *n);

#define TMEM_DEFAULT_WEIGHT 100
#define TMEM_MAX_WEIGHT 65535

struct tmem_client *tmem_client_create(unsigned int id, void *owner);
/*
 * Free up to @budget pages of the client; returns true once the client
 * and everything it held are gone (then @c must not be used again).
 */
bool tmem_client_destroy_step(struct tmem_client *c, unsigned long budget);
void tmem_client_destroy(struct tmem_client *c);
void tmem_client_set_weight(struct tmem_client *c, unsigned int weight);
/*
 * Cap client @c's ephemeral pages at @pages (TMEM_NO_CAP, the default:
 * none): a put that takes it past its cap evicts its oldest ones. A cap
 * set below what it holds is reached at its next puts.
 */
#define TMEM_NO_CAP (~0UL)
void tmem_client_set_max_ephemeral(struct tmem_client *c,
                                   unsigned long pages);
/*
 * Freeze client @c (its puts fail with -EFROZEN, and drop any older copy
 * of the page they name, as every failed put does) or thaw it.
 */
void tmem_client_set_frozen(struct tmem_client *c, bool frozen);
/*
 * Drop up to @nr of client @c's ephemeral pages, oldest first; returns
 * how many went: fewer once it holds none, or when env_preempt_check()
 * asks between batches. @c must stay alive and not dying meanwhile.
 */
unsigned long tmem_client_flush(struct tmem_client *c, unsigned long nr);

/*
 * Shared pools. With tmem_shared_auth set (the "tmem_shared_auth" boot
 * option), a client may create or join a shared pool only for a uuid the
 * administrator allowed it: tmem_client_auth(c, uuid, true) allows one,
 * up to TMEM_MAX_AUTH (-ENOSPC past that), false withdraws it (-ENOENT if
 * it was not allowed). Withdrawing does not take the client out of a
 * pool it is in; it cannot join again.
 */
extern bool tmem_shared_auth;
int tmem_client_auth(struct tmem_client *c, const uint64_t uuid[2],
                     bool allow);

/* What the administrator's list shows of one pool of a client. */
struct tmem_pool_info {
    unsigned int id;
    bool persistent;
    bool shared;
    uint64_t uuid[2];
    unsigned long pages;
};
/*
 * Fill @info (room for TMEM_MAX_POOLS_PER_CLIENT) with client @c's pools,
 * by id; returns how many. Page counts are a snapshot.
 */
unsigned int tmem_client_pools(struct tmem_client *c,
                               struct tmem_pool_info *info);
/* Copy the uuids client @c may use into @uuids (TMEM_MAX_AUTH); how many. */
unsigned int tmem_client_auth_list(struct tmem_client *c,
                                   uint64_t (*uuids)[2]);

/*
 * The hypercall: validate and carry out one op for client @c. An op whose
 * work is long (FLUSH_OBJECT, DESTROY_POOL) returns -ERESTART when the
 * environment asks for it to be preempted (env_preempt_check()); issued
 * again, the same op carries on where it stopped.
 */
long tmem_do_op(struct tmem_client *c, const struct tmem_op *op);

/* Give up to @nr ephemeral pages back; returns how many were freed. */
unsigned long tmem_evict_pages(unsigned long nr);
unsigned long tmem_freeable_pages(void);

/* Call @fn for each client (under clients_lock: @fn must not block). */
void tmem_for_each_client(void (*fn)(const struct tmem_client *c, void *arg),
                          void *arg);

/* store.c internals used by op.c */
long tmem_pool_new(struct tmem_client *c, uint32_t flags,
                   const uint64_t uuid[2]);
long tmem_pool_destroy(struct tmem_client *c, unsigned int id);
/* Page ops on pool @id (below TMEM_MAX_POOLS_PER_CLIENT); -ENODEV if none. */
long tmem_page_put(struct tmem_client *c, unsigned int id,
                   const struct tmem_oid *oid, uint32_t index, uint64_t cmfn);
long tmem_page_get(struct tmem_client *c, unsigned int id,
                   const struct tmem_oid *oid, uint32_t index, uint64_t cmfn);
long tmem_page_flush(struct tmem_client *c, unsigned int id,
                     const struct tmem_oid *oid, uint32_t index);
long tmem_object_flush(struct tmem_client *c, unsigned int id,
                       const struct tmem_oid *oid);

#endif /* TMEM_STORE_H */
