/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tmem store: pools, the objects in them and their pages, and the
 * page ops.
 *
 * Objects hang from a per-pool hash table keyed by the 192-bit object id,
 * pages from a per-object hash table keyed by the page index; both tables
 * double when they average more than two entries per bucket, so the cost
 * of an op does not grow with the number of pages stored. Ephemeral pages
 * sit on an LRU list, their private pool's or, in a shared pool, the
 * client's that put them (evict.c).
 *
 * See store.h for the lock order.
 */

#include "private.h"

static ENV_DEFINE_SPINLOCK(shared_lock);
/* The host's shared pools, each in use from creation to emptied. */
static struct tmem_pool shared_pools[TMEM_MAX_SHARED_POOLS];
static bool shared_locks_ready;
unsigned long tmem_nr_shared_pools;

#define POOL_INITIAL_BUCKETS 64
/*
 * Descriptors a pool keeps for reuse: a put following a get or flush then
 * costs no trip through the allocator (and its lock, in Xen).
 */
#define POOL_SPARES 16

/*
 * The hashes are keyed, with keys drawn once per boot: a guest chooses its
 * object ids and page indexes, and with a fixed hash it could choose them
 * all in one chain and make every op walk all its pages. Both are
 * multiply-shift hashes (the object id taken as six 32-bit words), a
 * universal family: whatever ids a guest picks without knowing the keys,
 * two of them share a bucket about as often as random ones would. The
 * bucket is the hash's top bits, the ones this family spreads evenly.
 */
static struct {
    uint64_t oid_mul[6], oid_add;
    uint64_t index_mul, index_add;
} keys;
static bool keys_ready;

void tmem_hash_init(void)
{
    unsigned int i;

    if ( keys_ready )
        return;
    for ( i = 0; i < 6; i++ )
        keys.oid_mul[i] = env_random64();
    keys.oid_add = env_random64();
    keys.index_mul = env_random64();
    keys.index_add = env_random64();
    keys_ready = true;
}

static uint64_t oid_hash(const struct tmem_oid *oid)
{
    uint64_t h = keys.oid_add;
    unsigned int i;

    for ( i = 0; i < 3; i++ )
        h += keys.oid_mul[2 * i] * (uint32_t)oid->oid[i] +
             keys.oid_mul[2 * i + 1] * (oid->oid[i] >> 32);

    return h;
}

static uint64_t index_hash(uint32_t index)
{
    return keys.index_mul * index + keys.index_add;
}

/* Hash @h's bucket in a table of @n buckets, a power of two. */
static unsigned int bucket(uint64_t h, unsigned int n)
{
    return n > 1 ? h >> (64 - __builtin_ctz(n)) : 0;
}

static bool oid_equal(const struct tmem_oid *a, const struct tmem_oid *b)
{
    return a->oid[0] == b->oid[0] && a->oid[1] == b->oid[1] &&
           a->oid[2] == b->oid[2];
}

/* ---- objects and pages (pool lock held) ---- */

static struct tmem_page *page_desc_alloc(struct tmem_pool *p)
{
    struct tmem_page *pg = p->spare_pages;

    if ( !pg )
        return env_zalloc(struct tmem_page);
    p->spare_pages = pg->hnext;
    p->nspare_pages--;

    return pg;
}

static void page_desc_free(struct tmem_pool *p, struct tmem_page *pg)
{
    if ( p->nspare_pages >= POOL_SPARES )
    {
        env_free(pg);
        return;
    }
    pg->hnext = p->spare_pages;
    p->spare_pages = pg;
    p->nspare_pages++;
}

static struct tmem_object *obj_desc_alloc(struct tmem_pool *p)
{
    struct tmem_object *o = p->spare_objs;

    if ( !o )
        return env_zalloc(struct tmem_object);
    p->spare_objs = o->hnext;
    p->nspare_objs--;

    return o;
}

static void obj_desc_free(struct tmem_pool *p, struct tmem_object *o)
{
    if ( p->nspare_objs >= POOL_SPARES )
    {
        env_free(o);
        return;
    }
    o->hnext = p->spare_objs;
    p->spare_objs = o;
    p->nspare_objs++;
}

/* Give the spare descriptors back, for a pool about to be freed. */
static void pool_free_spares(struct tmem_pool *p)
{
    while ( p->spare_pages )
    {
        struct tmem_page *pg = p->spare_pages;

        p->spare_pages = pg->hnext;
        env_free(pg);
    }
    while ( p->spare_objs )
    {
        struct tmem_object *o = p->spare_objs;

        p->spare_objs = o->hnext;
        env_free(o);
    }
    p->nspare_pages = p->nspare_objs = 0;
}

static struct tmem_object **obj_slot(struct tmem_pool *p,
                                     const struct tmem_oid *oid)
{
    struct tmem_object **op = &p->buckets[bucket(oid_hash(oid), p->nbuckets)];

    while ( *op && !oid_equal(&(*op)->oid, oid) )
        op = &(*op)->hnext;

    return op;
}

/* The object's page hash table; a small object's one chain is inline. */
static struct tmem_page **obj_buckets(struct tmem_object *o)
{
    return o->nbuckets == 1 ? &o->pages.chain : o->pages.buckets;
}

static struct tmem_page **page_slot(struct tmem_object *o, uint32_t index)
{
    struct tmem_page **pp =
        &obj_buckets(o)[bucket(index_hash(index), o->nbuckets)];

    while ( *pp && (*pp)->index != index )
        pp = &(*pp)->hnext;

    return pp;
}

/* Doubling a table is best effort: without memory, chains grow longer. */
static void obj_table_grow(struct tmem_pool *p)
{
    unsigned int i, n = p->nbuckets * 2;
    struct tmem_object **b = env_zalloc_array(struct tmem_object *, n);

    if ( !b )
        return;
    for ( i = 0; i < p->nbuckets; i++ )
        while ( p->buckets[i] )
        {
            struct tmem_object *o = p->buckets[i];
            unsigned int h = bucket(oid_hash(&o->oid), n);

            p->buckets[i] = o->hnext;
            o->hnext = b[h];
            b[h] = o;
        }
    env_free(p->buckets);
    p->buckets = b;
    p->nbuckets = n;
}

static void page_table_grow(struct tmem_object *o)
{
    unsigned int i, n = o->nbuckets * 2;
    struct tmem_page **b = env_zalloc_array(struct tmem_page *, n);
    struct tmem_page **old = obj_buckets(o);

    if ( !b )
        return;
    for ( i = 0; i < o->nbuckets; i++ )
        while ( old[i] )
        {
            struct tmem_page *pg = old[i];
            unsigned int h = bucket(index_hash(pg->index), n);

            old[i] = pg->hnext;
            pg->hnext = b[h];
            b[h] = pg;
        }
    if ( o->nbuckets > 1 )
        env_free(old);
    o->pages.buckets = b;
    o->nbuckets = n;
}

static struct tmem_object *obj_create(struct tmem_client *c,
                                      struct tmem_pool *p,
                                      const struct tmem_oid *oid)
{
    struct tmem_object *o = obj_desc_alloc(p);
    struct tmem_object **slot;

    if ( !o )
        return NULL;
    o->pool = p;
    o->oid = *oid;
    o->pages.chain = NULL;
    o->nbuckets = 1;
    o->npages = 0;
    slot = &p->buckets[bucket(oid_hash(oid), p->nbuckets)];
    o->hnext = *slot;
    *slot = o;
    p->nobjs++;
    COUNT(c, objects);
    if ( p->nobjs > 2 * p->nbuckets )
        obj_table_grow(p);

    return o;
}

/* Free an object with no pages left, out of its pool's table already. */
static void obj_free(struct tmem_client *c, struct tmem_pool *p,
                     struct tmem_object *o)
{
    ASSERT(!o->npages);
    p->nobjs--;
    TMEM_COUNT(c, objects, -1UL);
    if ( o->nbuckets > 1 )
        env_free(o->pages.buckets);
    obj_desc_free(p, o);
}

static void obj_destroy(struct tmem_client *c, struct tmem_pool *p,
                        struct tmem_object *o)
{
    struct tmem_object **slot = obj_slot(p, &o->oid);

    ASSERT(*slot == o);
    *slot = o->hnext;
    obj_free(c, p, o);
}

/*
 * The age of a page put or used now. Racing CPUs may give two pages the
 * same age: no harm.
 */
static uint32_t client_tick(struct tmem_client *c)
{
    uint32_t age = env_read_once(&c->clock);

    env_write_once(&c->clock, age + 1);

    return age;
}

static void page_insert(struct tmem_pool *p, struct tmem_object *o,
                        struct tmem_page *pg)
{
    struct tmem_page **slot =
        &obj_buckets(o)[bucket(index_hash(pg->index), o->nbuckets)];

    pg->obj = o;
    pg->hnext = *slot;
    *slot = pg;
    o->npages++;
    env_write_once(&p->npages, p->npages + 1);
    if ( o->npages > 2 * o->nbuckets )
        page_table_grow(o);

    if ( p->persistent )
    {
        /* Charged already, by the put. */
        link_init(&pg->lru);
        return;
    }

    pg->age = client_tick(pg->client);
    if ( p->shared )
    {
        env_spin_lock(&pg->client->lru_lock);
        link_add_tail(&pg->lru, &pg->client->lru);
        env_write_once(&pg->client->eph_pages, pg->client->eph_pages + 1);
        env_spin_unlock(&pg->client->lru_lock);
    }
    else
    {
        link_add_tail(&pg->lru, &p->lru);
        env_write_once(&p->lru_pages, p->lru_pages + 1);
    }
}

static void data_free(struct tmem_client *c, env_page_t *data)
{
    env_page_free(data);
    COUNT(c, pages_freed);
}

/*
 * Take a page off its LRU and out of its object (freeing the object when
 * it empties, unless it is held: see obj_hold()), then free it.
 *
 * A shared-pool page is on its client's LRU, whose walkers find the pool
 * through pg->obj holding only the LRU lock: so the page leaves the LRU
 * before its object may go. And the client is counted before its LRU
 * lock is dropped: once its LRU is empty a dying client may be freed.
 */
void tmem_page_remove(struct tmem_pool *p, struct tmem_page *pg)
{
    struct tmem_object *o = pg->obj;
    struct tmem_client *c = pg->client;
    struct tmem_page **slot = page_slot(o, pg->index);
    bool client_lru = p->shared;

    if ( client_lru )
    {
        env_spin_lock(&c->lru_lock);
        link_del(&pg->lru);
        env_write_once(&c->eph_pages, c->eph_pages - 1);
    }
    else if ( !p->persistent )
    {
        link_del(&pg->lru);
        env_write_once(&p->lru_pages, p->lru_pages - 1);
    }
    else
        env_count_add(&c->pers_pages, -1UL);

    ASSERT(*slot == pg);
    *slot = pg->hnext;
    o->npages--;
    env_write_once(&p->npages, p->npages - 1);
    if ( !o->npages )
        obj_destroy(c, p, o);
    data_free(c, pg->data);
    if ( client_lru )
        env_spin_unlock(&c->lru_lock);
    page_desc_free(p, pg);
}

static struct tmem_page *lru_head(struct tmem_client *c)
{
    return link_entry(c->lru.next, struct tmem_page, lru);
}

/*
 * For the LRU's walkers (eviction, client teardown). The LRU tells which
 * pool its head is in, but the pool's lock comes first: so the LRU lock
 * is dropped, and taken again once the pool is locked. Meanwhile the head
 * may have left, or moved to the tail, and then another page is the head.
 * If that page is in the same pool, it will do as well: it is the oldest
 * now, and with its pool locked nobody else can take it away. The pool
 * found stays lockable while unlocked: shared pools are static.
 *
 * The object of a page on an LRU is still there (tmem_page_remove()),
 * so the head's pool can be read under the LRU lock alone.
 */
bool tmem_lru_lock_head(struct tmem_client *c, struct tmem_page **pgp,
                        struct tmem_pool **pp)
{
    struct tmem_page *pg = NULL;
    struct tmem_pool *p;

    env_spin_lock(&c->lru_lock);
    if ( link_empty(&c->lru) )
    {
        env_spin_unlock(&c->lru_lock);
        return false;
    }
    p = lru_head(c)->obj->pool;
    env_spin_unlock(&c->lru_lock);

    env_race_window();
    env_spin_lock(&p->lock);
    env_spin_lock(&c->lru_lock);
    if ( !link_empty(&c->lru) && lru_head(c)->obj->pool == p )
        pg = lru_head(c);
    else
    {
        env_spin_unlock(&c->lru_lock);
        env_spin_unlock(&p->lock);
    }
    *pgp = pg;
    *pp = p;

    return true;
}

/*
 * With the pool locked nobody else can remove the page, so the LRU lock
 * can go first (tmem_page_remove() takes it again).
 */
void tmem_lru_page_remove(struct tmem_client *c, struct tmem_pool *p,
                          struct tmem_page *pg)
{
    env_spin_unlock(&c->lru_lock);
    tmem_page_remove(p, pg);
    env_spin_unlock(&p->lock);
}

/*
 * An object emptied in batches (FLUSH_OBJECT; a pool's when no table
 * names it any more) is first taken out of its pool's table, in the same
 * hold of the pool's lock as the op began: from then on no get finds its
 * pages, and a put coming between two batches makes a new object, whose
 * pages the batches cannot take for old ones.
 *
 * Its pages stay where they are -- counted in the pool and their client,
 * on their LRU, evictable -- until a batch gets to them, so that taking
 * the object out costs the same however big it is. It is held: the one
 * emptying it keeps @cur on its page table, which nobody can add to any
 * more, so that a batch resumes where the last one stopped instead of
 * walking the buckets emptied already; and the hold counts as a page, so
 * that whoever takes its last page (an evictor too) leaves it to its
 * holder to free. Its pool keeps counting it in nobjs until then, and is
 * not retired before: evictors find the pool of a page still on an LRU
 * through its object, and the holder relocks the pool after each batch.
 */
static void obj_hold(struct tmem_object **slot, struct tmem_obj_cursor *cur)
{
    struct tmem_object *o = *slot;

    *slot = o->hnext;
    o->npages++;
    cur->obj = o;
    cur->bucket = 0;
}

/*
 * Do up to @max steps of emptying held object cur->obj, pool lock held: a
 * step removes a page or moves on to the next bucket (so that a batch
 * stays bounded in a big table whose pages were evicted); returns how
 * many. Once it has no page left the object is freed, counted against
 * client @c, and cur->obj cleared.
 */
static unsigned long obj_empty_batch(struct tmem_client *c,
                                     struct tmem_pool *p,
                                     struct tmem_obj_cursor *cur,
                                     unsigned long max)
{
    struct tmem_object *o = cur->obj;
    struct tmem_page **b = obj_buckets(o);
    unsigned long n = 0;

    for ( ; o->npages > 1 && n < max; n++ )
    {
        ASSERT(cur->bucket < o->nbuckets);
        if ( b[cur->bucket] )
            tmem_page_remove(p, b[cur->bucket]);
        else
            cur->bucket++;
    }
    if ( o->npages == 1 )
    {
        o->npages = 0;
        obj_free(c, p, o);
        cur->obj = NULL;
    }

    return n;
}

bool tmem_pool_drain_batch(struct tmem_client *c, struct tmem_pool *p,
                           unsigned long budget)
{
    bool empty;

    /*
     * Nobody adds objects to a pool no table names, so the buckets passed
     * stay empty: the drain takes the objects in bucket order, each held
     * while its pages go, and never looks at a bucket twice.
     */
    env_spin_lock(&p->lock);
    while ( budget )
    {
        if ( p->drain.obj )
            budget -= obj_empty_batch(c, p, &p->drain, budget);
        else if ( p->drain_bucket == p->nbuckets )
            break;
        else if ( p->buckets[p->drain_bucket] )
            obj_hold(&p->buckets[p->drain_bucket], &p->drain);
        else
        {
            p->drain_bucket++;
            budget--;
        }
    }
    /* An object a flush holds still counts: the flush frees it. */
    empty = !p->nobjs;
    env_spin_unlock(&p->lock);

    return empty;
}

/*
 * Give back what an emptied pool still holds, and the structure itself
 * for reuse (under the lock that guards its in_use).
 */
void tmem_pool_retire(struct tmem_client *c, struct tmem_pool *p)
{
    env_spin_lock(&p->lock);
    ASSERT(!p->npages && !p->nobjs && link_empty(&p->lru) &&
           !p->drain.obj);
    pool_free_spares(p);
    env_free(p->buckets);
    p->buckets = NULL;
    p->nbuckets = 0;
    env_spin_unlock(&p->lock);

    if ( p->shared )
    {
        env_spin_lock(&shared_lock);
        p->in_use = false;
        env_write_once(&tmem_nr_shared_pools, tmem_nr_shared_pools - 1);
        env_spin_unlock(&shared_lock);
    }
    else
    {
        env_spin_lock(&c->pools_lock);
        p->in_use = false;
        env_spin_unlock(&c->pools_lock);
    }
    COUNT(c, pools_destroyed);
}

/* Empty and retire a pool no table names any more. */
static void pool_destroy(struct tmem_client *c, struct tmem_pool *p)
{
    while ( !tmem_pool_drain_batch(c, p, FLUSH_BATCH) )
        env_preempt_point();
    tmem_pool_retire(c, p);
}

/*
 * Drop one client's hold on a pool it has taken out of its table; true
 * if that was the last one (then the caller empties and retires the pool).
 */
bool tmem_pool_release(struct tmem_pool *p)
{
    bool last = true;

    if ( p->shared )
    {
        env_spin_lock(&shared_lock);
        last = !--p->refs;
        env_spin_unlock(&shared_lock);
    }

    return last;
}

/* ---- pools ---- */

/*
 * Make @p, a structure not in use, a new empty pool. Done under its lock:
 * a page op that read an older table may be about to lock it.
 */
static bool pool_setup(struct tmem_pool *p, bool persistent, bool shared,
                       const uint64_t uuid[2])
{
    struct tmem_object **buckets =
        env_zalloc_array(struct tmem_object *, POOL_INITIAL_BUCKETS);

    if ( !buckets )
        return false;
    env_spin_lock(&p->lock);
    ASSERT(!p->in_use && !p->npages && !p->nspare_pages);
    p->in_use = true;
    p->buckets = buckets;
    p->nbuckets = POOL_INITIAL_BUCKETS;
    p->nobjs = 0;
    p->drain_bucket = 0;
    p->drain.obj = NULL;
    p->persistent = persistent;
    p->shared = shared;
    p->uuid[0] = uuid[0];
    p->uuid[1] = uuid[1];
    p->refs = 1;
    env_spin_unlock(&p->lock);

    return true;
}

/* A shared pool with this uuid, joined, or a new one; NULL if none. */
static struct tmem_pool *shared_pool_join(const uint64_t uuid[2],
                                          long *err)
{
    struct tmem_pool *p = NULL, *free_pool = NULL;
    unsigned int i;

    env_spin_lock(&shared_lock);
    if ( !shared_locks_ready )
    {
        for ( i = 0; i < TMEM_MAX_SHARED_POOLS; i++ )
        {
            env_spin_init(&shared_pools[i].lock);
            link_init(&shared_pools[i].lru);
        }
        shared_locks_ready = true;
    }
    for ( i = 0; i < TMEM_MAX_SHARED_POOLS; i++ )
    {
        struct tmem_pool *s = &shared_pools[i];

        if ( !s->in_use )
        {
            if ( !free_pool )
                free_pool = s;
        }
        /* One whose last member left is being emptied: not joinable. */
        else if ( s->refs && s->uuid[0] == uuid[0] && s->uuid[1] == uuid[1] )
        {
            s->refs++;
            p = s;
            break;
        }
    }
    if ( !p )
    {
        *err = -EPERM;
        if ( free_pool )
        {
            *err = -ENOMEM;
            if ( pool_setup(free_pool, false, true, uuid) )
            {
                p = free_pool;
                env_write_once(&tmem_nr_shared_pools,
                               tmem_nr_shared_pools + 1);
            }
        }
    }
    env_spin_unlock(&shared_lock);

    return p;
}

/*
 * Shared pools one client may hold, created or joined: the host has 16,
 * and one guest must not be able to take them all from the others.
 */
#define TMEM_MAX_SHARED_PER_CLIENT 4

/* Shared pools @c holds; its pools_lock held. */
static unsigned int shared_held(const struct tmem_client *c)
{
    unsigned int id, n = 0;

    for ( id = 0; id < TMEM_MAX_POOLS_PER_CLIENT; id++ )
        n += c->pools[id] && c->pools[id]->shared;

    return n;
}

long tmem_pool_new(struct tmem_client *c, uint32_t flags,
                   const uint64_t uuid[2])
{
    const uint32_t known = TMEM_POOL_PERSIST | TMEM_POOL_SHARED |
                           TMEM_POOL_VERSION_MASK;
    bool persistent = flags & TMEM_POOL_PERSIST;
    bool shared = flags & TMEM_POOL_SHARED;
    struct tmem_pool *p = NULL;
    unsigned int id;
    long err = -ENOMEM;

    /*
     * Only version 1, 4 KiB pages, no compression, no reserved bits, and
     * no shared persistent pools.
     */
    if ( (flags & ~known) ||
         (flags & TMEM_POOL_VERSION_MASK) >> TMEM_POOL_VERSION_SHIFT !=
         TMEM_SPEC_VERSION ||
         (persistent && shared) )
        return -EPERM;

    env_spin_lock(&c->pools_lock);
    /* An id whose last pool is still being emptied is not free yet. */
    for ( id = 0; id < TMEM_MAX_POOLS_PER_CLIENT; id++ )
        if ( !c->pools[id] && !c->own[id].in_use )
            break;
    if ( id == TMEM_MAX_POOLS_PER_CLIENT ||
         (shared && shared_held(c) >= TMEM_MAX_SHARED_PER_CLIENT) )
    {
        env_spin_unlock(&c->pools_lock);
        return -EPERM;
    }
    if ( shared )
        p = shared_pool_join(uuid, &err);
    else if ( pool_setup(&c->own[id], persistent, false, uuid) )
        p = &c->own[id];
    if ( p )
        env_write_once(&c->pools[id], p);
    env_spin_unlock(&c->pools_lock);

    if ( !p )
        return err;
    COUNT(c, pools_created);

    return id;
}

long tmem_pool_destroy(struct tmem_client *c, unsigned int id)
{
    struct tmem_pool *p;

    env_spin_lock(&c->pools_lock);
    p = c->pools[id];
    env_write_once(&c->pools[id], NULL);
    env_spin_unlock(&c->pools_lock);

    if ( !p )
        return 0;
    if ( tmem_pool_release(p) )
        pool_destroy(c, p);

    return 1;
}

/*
 * Client @c's pool @id, locked; NULL if there is none. See store.h for
 * why reading the table without a lock is safe.
 */
static struct tmem_pool *pool_lock(struct tmem_client *c, unsigned int id)
{
    struct tmem_pool *p = env_read_once(&c->pools[id]);

    if ( !p )
        return NULL;
    env_race_window();
    env_spin_lock(&p->lock);
    /* Taken out (and maybe replaced) meanwhile: as if it had been first. */
    if ( env_read_once(&c->pools[id]) != p )
    {
        env_spin_unlock(&p->lock);
        return NULL;
    }

    return p;
}

/* ---- pages ---- */

static struct tmem_page *page_find(struct tmem_pool *p,
                                   const struct tmem_oid *oid, uint32_t index)
{
    struct tmem_object *o = *obj_slot(p, oid);

    return o ? *page_slot(o, index) : NULL;
}

/*
 * A data page for a put. Ephemeral memory is the host's, so a put may
 * evict the oldest ephemeral page to make room; a persistent page is the
 * domain's, within its allocation, and may too.
 */
static env_page_t *data_alloc(struct tmem_client *c)
{
    env_page_t *data = env_page_alloc();

    if ( !data && tmem_evict_pages(1) )
        data = env_page_alloc();
    if ( data )
        COUNT(c, pages_allocated);

    return data;
}

long tmem_page_put(struct tmem_client *c, unsigned int id,
                   const struct tmem_oid *oid, uint32_t index, uint64_t cmfn)
{
    struct tmem_page *pg = NULL, *old;
    struct tmem_object *o;
    struct tmem_pool *p;
    env_page_t *data;
    bool charged = false, capped;
    long rc = -ENODEV, copy_rc = 0;

    if ( !env_read_once(&c->pools[id]) )
        return -ENODEV;
    COUNT(c, puts);
    /* Before taking the pool's lock: eviction may need it. */
    data = data_alloc(c);
    /* The copy too: looking the frame up may take the host's locks (env.h). */
    if ( data )
    {
        env_frame_t *f = env_frame_get(c->owner, cmfn, false);

        if ( f )
        {
            env_copy_from_frame(f, data);
            env_frame_put(c->owner, f, false, false);
        }
        else
            copy_rc = -EINVAL;
    }

    p = pool_lock(c, id);
    if ( !p )
        goto fail_unlocked;
    if ( data && p->persistent )
    {
        /*
         * Charged before it is checked, so that vCPUs putting into
         * several pools at once cannot together go past the allowance.
         */
        charged = env_may_hold_persistent(c->owner,
                                          env_fetch_add(&c->pers_pages, 1));
        if ( !charged )
        {
            env_count_add(&c->pers_pages, -1UL);
            data_free(c, data);
            data = NULL;
        }
    }
    pg = data ? page_desc_alloc(p) : NULL;
    o = *obj_slot(p, oid);
    old = o ? *page_slot(o, index) : NULL;
    rc = data && pg ? copy_rc : -ENOMEM;
    /* Whatever happens, the old copy must never be returned again. */
    if ( old )
    {
        /* The object goes away with its last page. */
        if ( o->npages == 1 )
            o = NULL;
        tmem_page_remove(p, old);
        if ( rc == -ENOMEM )
            rc = -ENOSPC;
    }
    if ( rc )
        goto fail;

    if ( !o )
        o = obj_create(c, p, oid);
    if ( !o )
    {
        rc = -ENOMEM;
        goto fail;
    }
    pg->index = index;
    pg->client = c;
    pg->data = data;
    page_insert(p, o, pg);
    capped = !p->persistent && env_read_once(&c->max_eph) != TMEM_NO_CAP;
    env_spin_unlock(&p->lock);
    /* Eviction takes pool locks: ours is dropped. */
    if ( capped )
        tmem_evict_over_cap(c);

    return 1;

 fail:
    if ( charged )
        env_count_add(&c->pers_pages, -1UL);
    if ( pg )
        page_desc_free(p, pg);
    env_spin_unlock(&p->lock);
 fail_unlocked:
    if ( data )
        data_free(c, data);
    COUNT(c, puts_failed);

    return rc;
}

long tmem_page_get(struct tmem_client *c, unsigned int id,
                   const struct tmem_oid *oid, uint32_t index, uint64_t cmfn)
{
    struct tmem_pool *p;
    struct tmem_page *pg;
    env_frame_t *f;
    long rc = -ENODEV;

    if ( !env_read_once(&c->pools[id]) )
        return -ENODEV;
    /* Held before the pool's lock is taken, let go after (env.h). */
    f = env_frame_get(c->owner, cmfn, true);
    p = pool_lock(c, id);
    if ( !p )
        goto out;
    COUNT(c, gets);
    pg = page_find(p, oid, index);
    if ( !pg )
    {
        rc = p->npages ? 0 : -TMEM_EEMPTY;
        env_spin_unlock(&p->lock);
        COUNT(c, gets_miss);
        goto out;
    }

    /* A refused frame leaves the page where it was. */
    rc = -EINVAL;
    if ( !f )
    {
        env_spin_unlock(&p->lock);
        goto out;
    }
    env_copy_to_frame(f, pg->data);

    if ( !p->persistent && !p->shared )
        /* Private ephemeral: the guest now holds the only copy. */
        tmem_page_remove(p, pg);
    else if ( !p->persistent )
    {
        struct tmem_client *owner = pg->client;

        /*
         * Shared: recently used, so last to go. Unless the page's client
         * is dying: its teardown counts on its LRU changing only as pages
         * leave it (tmem_client_destroy_step()).
         */
        env_spin_lock(&owner->lru_lock);
        if ( !owner->dying )
        {
            link_del(&pg->lru);
            link_add_tail(&pg->lru, &owner->lru);
            pg->age = client_tick(owner);
        }
        env_spin_unlock(&owner->lru_lock);
    }
    env_spin_unlock(&p->lock);
    COUNT(c, gets_hit);
    rc = 1;

 out:
    if ( f )
        env_frame_put(c->owner, f, true, rc == 1);

    return rc;
}

long tmem_page_flush(struct tmem_client *c, unsigned int id,
                     const struct tmem_oid *oid, uint32_t index)
{
    struct tmem_pool *p = pool_lock(c, id);
    struct tmem_page *pg;

    if ( !p )
        return -ENODEV;
    COUNT(c, flush_page);
    pg = page_find(p, oid, index);
    if ( pg )
        tmem_page_remove(p, pg);
    env_spin_unlock(&p->lock);

    return 1;
}

long tmem_object_flush(struct tmem_client *c, unsigned int id,
                       const struct tmem_oid *oid)
{
    struct tmem_pool *p = pool_lock(c, id);
    struct tmem_object **slot;
    struct tmem_obj_cursor cur;

    if ( !p )
        return -ENODEV;
    COUNT(c, flush_object);
    slot = obj_slot(p, oid);
    if ( !*slot )
    {
        env_spin_unlock(&p->lock);
        return 1;
    }
    obj_hold(slot, &cur);

    /*
     * In batches, letting the system breathe in between with no lock
     * held. The pool is locked again as it is, whether a table still names
     * it or not: the object held keeps it from being retired, and it lives
     * as long as our client, or for ever if shared.
     */
    for ( ; ; )
    {
        obj_empty_batch(c, p, &cur, FLUSH_BATCH);
        env_spin_unlock(&p->lock);
        if ( !cur.obj )
            break;
        env_preempt_point();
        env_spin_lock(&p->lock);
    }

    return 1;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */

