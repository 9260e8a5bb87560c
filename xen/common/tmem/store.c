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
bool tmem_shared_auth;
/* The host's shared pools, each in use from creation to emptied. */
static struct tmem_pool shared_pools[TMEM_MAX_SHARED_POOLS];
static bool shared_locks_ready;
unsigned long tmem_nr_shared_pools;

/*
 * Steps of emptying held objects each put into their pool does: more
 * than the one page a put adds, so that puts alone finish them.
 */
#define HELD_STEPS_PER_PUT 4

/* A new pool's object table: 64 buckets. */
#define POOL_INITIAL_ORDER 6
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
    p->spare_pages = page_of(pg->hnode.next);
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
    pg->hnode.next = p->spare_pages ? &p->spare_pages->hnode : NULL;
    p->spare_pages = pg;
    p->nspare_pages++;
}

static struct tmem_object *obj_desc_alloc(struct tmem_pool *p)
{
    struct tmem_object *o = p->spare_objs;

    if ( !o )
        return env_zalloc(struct tmem_object);
    p->spare_objs = obj_of(o->hnode.next);
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
    o->hnode.next = p->spare_objs ? &p->spare_objs->hnode : NULL;
    p->spare_objs = o;
    p->nspare_objs++;
}

/* Give the spare descriptors back, for a pool about to be freed. */
static void pool_free_spares(struct tmem_pool *p)
{
    while ( p->spare_pages )
    {
        struct tmem_page *pg = p->spare_pages;

        p->spare_pages = page_of(pg->hnode.next);
        env_free(pg);
    }
    while ( p->spare_objs )
    {
        struct tmem_object *o = p->spare_objs;

        p->spare_objs = obj_of(o->hnode.next);
        env_free(o);
    }
    p->nspare_pages = p->nspare_objs = 0;
}

static uint64_t obj_node_hash(const struct tmem_hnode *n)
{
    return oid_hash(&obj_of(n)->oid);
}

static uint64_t page_node_hash(const struct tmem_hnode *n)
{
    return index_hash(page_of(n)->index);
}

/*
 * The link that points at the object @oid in pool @p (or the end of its
 * chain, NULL, if there is none): in its bucket, or its old bucket while
 * a doubling moves it (table.h).
 */
static struct tmem_hnode **obj_slot(struct tmem_pool *p,
                                    const struct tmem_oid *oid)
{
    uint64_t h = oid_hash(oid);
    struct tmem_hnode **np = table_chain(&p->objs, h), **old;

    while ( *np && !oid_equal(&obj_of(*np)->oid, oid) )
        np = &(*np)->next;
    if ( !*np && (old = table_old_chain(&p->objs, h)) != NULL )
        for ( np = old; *np && !oid_equal(&obj_of(*np)->oid, oid); )
            np = &(*np)->next;

    return np;
}

/* The same for page @index of object @o. */
static struct tmem_hnode **page_slot(struct tmem_object *o, uint32_t index)
{
    uint64_t h = index_hash(index);
    struct tmem_hnode **np = table_chain(&o->pages, h), **old;

    while ( *np && page_of(*np)->index != index )
        np = &(*np)->next;
    if ( !*np && (old = table_old_chain(&o->pages, h)) != NULL )
        for ( np = old; *np && page_of(*np)->index != index; )
            np = &(*np)->next;

    return np;
}

static struct tmem_object *obj_create(struct tmem_client *c,
                                      struct tmem_pool *p,
                                      const struct tmem_oid *oid)
{
    struct tmem_object *o = obj_desc_alloc(p);
    struct tmem_hnode **slot;

    if ( !o )
        return NULL;
    o->pool = p;
    o->oid = *oid;
    table_init(&o->pages, 0);
    o->npages = 0;
    slot = table_chain(&p->objs, oid_hash(oid));
    o->hnode.next = *slot;
    *slot = &o->hnode;
    p->nobjs++;
    COUNT(c, objects);
    table_after_insert(&p->objs, p->nobjs, obj_node_hash);

    return o;
}

/* Free an object with no pages left, out of its pool's table already. */
static void obj_free(struct tmem_client *c, struct tmem_pool *p,
                     struct tmem_object *o)
{
    ASSERT(!o->npages);
    p->nobjs--;
    TMEM_COUNT(c, objects, -1UL);
    table_free(&o->pages);
    obj_desc_free(p, o);
}

static void obj_destroy(struct tmem_client *c, struct tmem_pool *p,
                        struct tmem_object *o)
{
    struct tmem_hnode **slot = obj_slot(p, &o->oid);

    ASSERT(*slot == &o->hnode);
    *slot = o->hnode.next;
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
    struct tmem_hnode **slot = table_chain(&o->pages, index_hash(pg->index));

    pg->obj = o;
    pg->hnode.next = *slot;
    *slot = &pg->hnode;
    o->npages++;
    env_write_once(&p->npages, p->npages + 1);
    table_after_insert(&o->pages, o->npages, page_node_hash);

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

/*
 * A persistent page is the domain's memory (env.h): counted against its
 * allocation while tmem holds it, and in its client for the statistics.
 */
static bool persistent_charge(struct tmem_client *c)
{
    if ( !env_persistent_charge(c->owner) )
        return false;
    env_count_add(&c->pers_pages, 1);

    return true;
}

static void persistent_uncharge(struct tmem_client *c)
{
    env_count_add(&c->pers_pages, -1UL);
    env_persistent_uncharge(c->owner, 1);
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
    struct tmem_hnode **slot = page_slot(o, pg->index);
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
        persistent_uncharge(c);

    ASSERT(*slot == &pg->hnode);
    *slot = pg->hnode.next;
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
 * the object out costs the same however big it is. It is held, on its
 * pool's list of held objects, so that whoever empties the pool's held
 * objects next (the same op issued again after a preemption, another
 * flush, the pool's teardown) carries on with it: that one op gave up
 * does not leave it behind. Its id is not needed any more, and keeps
 * instead where on its page table, which nobody can add to, the next
 * batch resumes, so that no bucket is walked twice. The hold counts as a
 * page, so that whoever takes its last page (an evictor too) leaves it
 * to be freed by whoever empties it. Its pool keeps counting it in nobjs
 * until then, and is not retired before: evictors find the pool of a page
 * still on an LRU through its object.
 */
static void obj_hold(struct tmem_pool *p, struct tmem_hnode **slot)
{
    struct tmem_object *o = obj_of(*slot);

    *slot = o->hnode.next;
    o->npages++;
    o->resume = 0;
    o->hnode.next = p->held ? &p->held->hnode : NULL;
    p->held = o;
}

/*
 * Do up to @max steps of emptying the pool's held objects, its lock held:
 * a step removes a page, moves on to the next bucket (so that a batch
 * stays bounded in a big table whose pages were evicted) or frees an
 * object with no page left, counted against client @c. Returns how many.
 */
static unsigned long held_empty_batch(struct tmem_client *c,
                                      struct tmem_pool *p, unsigned long max)
{
    unsigned long n = 0;

    while ( p->held && n < max )
    {
        struct tmem_object *o = p->held;

        /* Any doubling is finished first: then one array holds them all. */
        for ( ; o->npages > 1 && n < max; n++ )
        {
            struct tmem_hnode **chain;

            if ( table_step(&o->pages, page_node_hash) )
                continue;
            ASSERT(o->resume < table_size(&o->pages));
            chain = table_nth(&o->pages, o->resume);
            if ( *chain )
                tmem_page_remove(p, page_of(*chain));
            else
                o->resume++;
        }
        if ( o->npages == 1 && n < max )
        {
            p->held = obj_of(o->hnode.next);
            o->npages = 0;
            obj_free(c, p, o);
            n++;
        }
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
        struct tmem_hnode **chain;

        if ( p->held )
        {
            budget -= held_empty_batch(c, p, budget);
            continue;
        }
        /* Any doubling is finished first, as for an object's pages. */
        if ( table_step(&p->objs, obj_node_hash) )
        {
            budget--;
            continue;
        }
        if ( p->drain_bucket == table_size(&p->objs) )
            break;
        chain = table_nth(&p->objs, p->drain_bucket);
        if ( *chain )
            obj_hold(p, chain);
        else
        {
            p->drain_bucket++;
            budget--;
        }
    }
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
    ASSERT(!p->npages && !p->nobjs && link_empty(&p->lru) && !p->held);
    pool_free_spares(p);
    table_free(&p->objs);
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
    struct tmem_table objs;

    if ( !table_init(&objs, POOL_INITIAL_ORDER) )
        return false;
    env_spin_lock(&p->lock);
    ASSERT(!p->in_use && !p->npages && !p->nspare_pages);
    p->in_use = true;
    p->objs = objs;
    p->nobjs = 0;
    p->drain_bucket = 0;
    p->held = NULL;
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

/*
 * Shared pools @c holds, its pools_lock held: those in its table, and
 * those it is emptying, which nobody else can join or reuse until it has
 * (a guest giving up on its DESTROY_POOL must not free a slot that way).
 */
static unsigned int shared_held(const struct tmem_client *c)
{
    unsigned int id, n = 0;

    for ( id = 0; id < TMEM_MAX_POOLS_PER_CLIENT; id++ )
        n += (c->pools[id] && c->pools[id]->shared) ||
             (c->retiring[id] && c->retiring[id]->shared);

    return n;
}

/*
 * NEW_POOL once: its id, -EPERM, or -ENOMEM if the new pool's object
 * table could not be had.
 */
static long pool_new(struct tmem_client *c, uint32_t flags,
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
        if ( !c->pools[id] && !c->own[id].in_use && !c->retiring[id] )
            break;
    if ( id == TMEM_MAX_POOLS_PER_CLIENT ||
         (shared && (shared_held(c) >= TMEM_MAX_SHARED_PER_CLIENT ||
                     !tmem_client_may_share(c, uuid))) )
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

/*
 * Once tmem has filled the host's free memory, the heap has nothing for a
 * new pool's object table, and Xen does not take pages back from tmem for
 * an allocation made inside a tmem op (hypercall.c): a guest that mounted
 * a filesystem then would go without a pool for good. So a NEW_POOL that
 * failed for memory evicts a few pages, with no lock held, and is made
 * again: 4 times at most.
 */
long tmem_pool_new(struct tmem_client *c, uint32_t flags,
                   const uint64_t uuid[2])
{
    unsigned int tries = 0;
    long rc;

    while ( (rc = pool_new(c, flags, uuid)) == -ENOMEM && tries++ < 4 &&
            tmem_evict_pages(4) )
        continue;

    return rc;
}

/*
 * DESTROY_POOL takes the pool out of the table at once, and then empties
 * it in batches, preempted when the environment asks: issued again, it
 * carries on with the pool it left in retiring[id]. The id is not given
 * out again until the pool is retired, so that the op issued again finds
 * the same pool; and one vCPU at a time empties it (retiring_busy), so
 * that only one retires it.
 */
long tmem_pool_destroy(struct tmem_client *c, unsigned int id)
{
    struct tmem_pool *p;
    bool last;

    env_spin_lock(&c->pools_lock);
    if ( c->retiring_busy & (1U << id) )
    {
        /* Another vCPU is at it: this one is issued again meanwhile. */
        env_spin_unlock(&c->pools_lock);
        return -ERESTART;
    }
    p = c->retiring[id];
    if ( !p )
    {
        p = c->pools[id];
        if ( !p )
        {
            env_spin_unlock(&c->pools_lock);
            return 0;
        }
        env_write_once(&c->pools[id], NULL);
        last = tmem_pool_release(p);
        if ( !last )
        {
            /* A shared pool others still hold is only left. */
            env_spin_unlock(&c->pools_lock);
            return 1;
        }
        c->retiring[id] = p;
    }
    c->retiring_busy |= 1U << id;
    env_spin_unlock(&c->pools_lock);

    while ( !tmem_pool_drain_batch(c, p, FLUSH_BATCH) )
        if ( env_preempt_check() )
        {
            env_spin_lock(&c->pools_lock);
            c->retiring_busy &= ~(1U << id);
            env_spin_unlock(&c->pools_lock);
            return -ERESTART;
        }

    env_spin_lock(&c->pools_lock);
    c->retiring[id] = NULL;
    c->retiring_busy &= ~(1U << id);
    env_spin_unlock(&c->pools_lock);
    tmem_pool_retire(c, p);

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
    struct tmem_object *o = obj_of(*obj_slot(p, oid));

    return o ? page_of(*page_slot(o, index)) : NULL;
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
    env_page_t *data = NULL;
    bool charged = false, capped, frozen;
    long rc = -ENODEV, frame_rc = 0;

    if ( !env_read_once(&c->pools[id]) )
        return -ENODEV;
    COUNT(c, puts);
    /* A frozen client's put only drops the older copy, as a failed one. */
    frozen = env_read_once(&c->frozen);
    /*
     * Before taking the pool's lock: looking the frame up may take the
     * host's locks (env.h), and eviction for the data page pool locks.
     * The frame first, so that a put of a frame not the guest's fails
     * before it has anybody's page evicted.
     */
    if ( !frozen )
    {
        env_frame_t *f = env_frame_get(c->owner, cmfn, false);

        if ( f )
        {
            data = data_alloc(c);
            if ( data )
                env_copy_from_frame(f, data);
            env_frame_put(c->owner, f, false, false);
        }
        else
            frame_rc = -EINVAL;
    }

    p = pool_lock(c, id);
    if ( !p )
        goto fail_unlocked;
    o = obj_of(*obj_slot(p, oid));
    old = o ? page_of(*page_slot(o, index)) : NULL;
    /* Whatever happens, the old copy must never be returned again. */
    if ( old )
    {
        /* The object goes away with its last page. */
        if ( o->npages == 1 )
            o = NULL;
        tmem_page_remove(p, old);
    }
    /*
     * Charged before it is kept, and after the old copy is gone: a
     * domain at its allowance can still replace a page it holds.
     */
    if ( data && p->persistent )
    {
        charged = persistent_charge(c);
        if ( !charged )
        {
            data_free(c, data);
            data = NULL;
        }
    }
    pg = data ? page_desc_alloc(p) : NULL;
    rc = data && pg ? 0 : -ENOMEM;
    if ( old && rc == -ENOMEM )
        rc = -ENOSPC;
    if ( frame_rc )
        rc = frame_rc;
    if ( frozen )
        rc = -TMEM_EFROZEN;
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
    /*
     * Each put also empties a little of what flushes gave up on: held
     * objects keep their tables until emptied, and a guest that gives up
     * its flushes and only puts must not grow that without bound.
     */
    if ( p->held )
        held_empty_batch(c, p, HELD_STEPS_PER_PUT);
    capped = !p->persistent && env_read_once(&c->max_eph) != TMEM_NO_CAP;
    env_spin_unlock(&p->lock);
    /* Eviction takes pool locks: ours is dropped. */
    if ( capped )
        tmem_evict_over_cap(c);

    return 1;

 fail:
    if ( charged )
        persistent_uncharge(c);
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
    struct tmem_hnode **slot;

    if ( !p )
        return -ENODEV;
    slot = obj_slot(p, oid);
    /* Issued again after a preemption, it finds its object held already. */
    if ( *slot || !p->held )
        COUNT(c, flush_object);
    if ( *slot )
        obj_hold(p, slot);

    /*
     * The pool's held objects, this one and any a preempted op left, in
     * batches. The pool is locked again as it is, whether a table still
     * names it or not: it lives as long as our client, or for ever if
     * shared, and a pool emptied and retired meanwhile holds nothing.
     */
    for ( ; ; )
    {
        bool more;

        held_empty_batch(c, p, FLUSH_BATCH);
        more = p->held;
        env_spin_unlock(&p->lock);
        if ( !more )
            return 1;
        if ( env_preempt_check() )
            return -ERESTART;
        env_spin_lock(&p->lock);
    }
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */

