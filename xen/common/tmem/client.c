/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Clients, one per domain: their creation, their budgeted teardown when
 * the domain dies, and the counters they keep.
 *
 * See store.h for the lock order.
 */

#include "private.h"

ENV_DEFINE_SPINLOCK(tmem_clients_lock);
/* Clients eviction may pick from. */
struct tmem_link tmem_clients_list = { &tmem_clients_list, &tmem_clients_list };
/* All clients, dying ones included, and what destroyed ones counted. */
static struct tmem_link all_clients = { &all_clients, &all_clients };
static struct tmem_counters retired;
static unsigned long nr_clients;

/* ---- counters ---- */

static void counters_add(struct tmem_counters *sum,
                         const struct tmem_counters *n)
{
    sum->puts += env_read_once(&n->puts);
    sum->puts_failed += env_read_once(&n->puts_failed);
    sum->gets += env_read_once(&n->gets);
    sum->gets_hit += env_read_once(&n->gets_hit);
    sum->gets_miss += env_read_once(&n->gets_miss);
    sum->flush_page += env_read_once(&n->flush_page);
    sum->flush_object += env_read_once(&n->flush_object);
    sum->pools_created += env_read_once(&n->pools_created);
    sum->pools_destroyed += env_read_once(&n->pools_destroyed);
    sum->evictions += env_read_once(&n->evictions);
    sum->pages_allocated += env_read_once(&n->pages_allocated);
    sum->pages_freed += env_read_once(&n->pages_freed);
    sum->objects += env_read_once(&n->objects);
}

static void client_counters_add(struct tmem_counters *sum,
                                const struct tmem_client *c)
{
    unsigned int cpu;

    for ( cpu = 0; cpu < env_nr_cpus(); cpu++ )
        counters_add(sum, &c->count[cpu].n);
}

unsigned long tmem_client_eph_pages(const struct tmem_client *c)
{
    unsigned long n = env_read_once(&c->eph_pages);
    unsigned int id;

    for ( id = 0; id < TMEM_MAX_POOLS_PER_CLIENT; id++ )
        n += env_read_once(&c->own[id].lru_pages);

    return n;
}

void tmem_client_counters(const struct tmem_client *c,
                          struct tmem_counters *n)
{
    *n = (struct tmem_counters){ 0 };
    client_counters_add(n, c);
}

void tmem_global_read(struct tmem_global *g)
{
    struct tmem_link *l;

    *g = (struct tmem_global){ 0 };
    env_spin_lock(&tmem_clients_lock);
    g->count = retired;
    g->clients = nr_clients;
    for ( l = all_clients.next; l != &all_clients; l = l->next )
    {
        const struct tmem_client *c = link_entry(l, struct tmem_client, all);

        g->eph_pages += tmem_client_eph_pages(c);
        g->pers_pages += env_read_once(&c->pers_pages);
        client_counters_add(&g->count, c);
    }
    env_spin_unlock(&tmem_clients_lock);
    g->shared_pools = env_read_once(&tmem_nr_shared_pools);
}

/* ---- clients ---- */

struct tmem_client *tmem_client_create(unsigned int id, void *owner)
{
    struct tmem_client *c = env_zalloc(struct tmem_client);
    unsigned int i;

    if ( !c )
        return NULL;
    c->count = env_zalloc_array(struct tmem_cpu_counters, env_nr_cpus());
    if ( !c->count )
    {
        env_free(c);
        return NULL;
    }
    c->owner = owner;
    c->id = id;
    c->weight = TMEM_DEFAULT_WEIGHT;
    c->max_eph = TMEM_NO_CAP;
    env_spin_init(&c->pools_lock);
    for ( i = 0; i < TMEM_MAX_POOLS_PER_CLIENT; i++ )
    {
        env_spin_init(&c->own[i].lock);
        link_init(&c->own[i].lru);
    }
    env_spin_init(&c->lru_lock);
    link_init(&c->lru);

    env_spin_lock(&tmem_clients_lock);
    tmem_hash_init();
    link_add_tail(&c->clients, &tmem_clients_list);
    link_add_tail(&c->all, &all_clients);
    nr_clients++;
    env_spin_unlock(&tmem_clients_lock);

    return c;
}

void tmem_client_set_weight(struct tmem_client *c, unsigned int weight)
{
    env_write_once(&c->weight, weight ? weight : 1);
}

void tmem_client_set_max_ephemeral(struct tmem_client *c,
                                   unsigned long pages)
{
    env_write_once(&c->max_eph, pages);
}

void tmem_client_set_frozen(struct tmem_client *c, bool frozen)
{
    env_write_once(&c->frozen, frozen);
}

static bool uuid_eq(const uint64_t a[2], const uint64_t b[2])
{
    return a[0] == b[0] && a[1] == b[1];
}

bool tmem_client_may_share(const struct tmem_client *c,
                           const uint64_t uuid[2])
{
    unsigned int i;

    if ( !env_read_once(&tmem_shared_auth) )
        return true;
    for ( i = 0; i < c->nr_auth; i++ )
        if ( uuid_eq(c->auth[i], uuid) )
            return true;

    return false;
}

int tmem_client_auth(struct tmem_client *c, const uint64_t uuid[2],
                     bool allow)
{
    unsigned int i;
    int rc = allow ? -ENOSPC : -ENOENT;

    env_spin_lock(&c->pools_lock);
    for ( i = 0; i < c->nr_auth; i++ )
        if ( uuid_eq(c->auth[i], uuid) )
            break;
    if ( i < c->nr_auth )
    {
        /* Allowed already, or withdrawn: the last one takes its place. */
        if ( !allow )
        {
            c->nr_auth--;
            c->auth[i][0] = c->auth[c->nr_auth][0];
            c->auth[i][1] = c->auth[c->nr_auth][1];
        }
        rc = 0;
    }
    else if ( allow && c->nr_auth < TMEM_MAX_AUTH )
    {
        c->auth[c->nr_auth][0] = uuid[0];
        c->auth[c->nr_auth][1] = uuid[1];
        c->nr_auth++;
        rc = 0;
    }
    env_spin_unlock(&c->pools_lock);

    return rc;
}

unsigned int tmem_client_auth_list(struct tmem_client *c,
                                   uint64_t (*uuids)[2])
{
    unsigned int i, n;

    env_spin_lock(&c->pools_lock);
    n = c->nr_auth;
    for ( i = 0; i < n; i++ )
    {
        uuids[i][0] = c->auth[i][0];
        uuids[i][1] = c->auth[i][1];
    }
    env_spin_unlock(&c->pools_lock);

    return n;
}

unsigned int tmem_client_pools(struct tmem_client *c,
                               struct tmem_pool_info *info)
{
    unsigned int id, n = 0;

    env_spin_lock(&c->pools_lock);
    for ( id = 0; id < TMEM_MAX_POOLS_PER_CLIENT; id++ )
    {
        const struct tmem_pool *p = c->pools[id];

        if ( !p )
            continue;
        info[n].id = id;
        info[n].persistent = p->persistent;
        info[n].shared = p->shared;
        info[n].uuid[0] = p->uuid[0];
        info[n].uuid[1] = p->uuid[1];
        info[n].pages = env_read_once(&p->npages);
        n++;
    }
    env_spin_unlock(&c->pools_lock);

    return n;
}

bool tmem_client_destroy_step(struct tmem_client *c, unsigned long budget)
{
    unsigned int id;

    /*
     * Once off the list, no evictor can pick the client any more. Once
     * dying, its shared-pool pages keep their places on its LRU when other
     * domains get them (tmem_page_get()).
     */
    env_spin_lock(&tmem_clients_lock);
    if ( !link_empty(&c->clients) )
        link_del(&c->clients);
    env_spin_unlock(&tmem_clients_lock);
    if ( !c->dying )
    {
        env_spin_lock(&c->lru_lock);
        c->dying = true;
        env_spin_unlock(&c->lru_lock);
    }

    /*
     * Its pages in shared pools, each pool's lock taken before the LRU's
     * (tmem_lru_lock_head()). Every try costs budget, one that finds the
     * head moved to another pool too, so that a step stays bounded
     * whatever other domains do. And the tries come to an end: a dying
     * client puts no pages and nobody moves its pages any more, so its
     * LRU only changes as pages leave it, and a try that finds the head
     * moved saw one leave.
     */
    while ( budget )
    {
        struct tmem_page *pg;
        struct tmem_pool *p;

        if ( !tmem_lru_lock_head(c, &pg, &p) )
            break;
        budget--;
        if ( pg )
            tmem_lru_page_remove(c, p, pg);
    }
    if ( !budget )
        return false;

    /*
     * Then its pools, one at a time: what is left in them is persistent.
     * A shared pool others still hold is only left. No op of the client
     * runs any more, so no DESTROY_POOL holds a retiring one.
     */
    for ( id = 0; id < TMEM_MAX_POOLS_PER_CLIENT; id++ )
    {
        struct tmem_pool *p = c->retiring[id];
        unsigned long batch;

        ASSERT(!(c->retiring_busy & (1U << id)));
        if ( !p )
        {
            p = c->pools[id];
            if ( !p )
                continue;
            c->pools[id] = NULL;
            if ( !tmem_pool_release(p) )
                continue;
            c->retiring[id] = p;
        }
        do {
            if ( !budget )
                return false;
            batch = budget < FLUSH_BATCH ? budget : FLUSH_BATCH;
            budget -= batch;
        } while ( !tmem_pool_drain_batch(c, p, batch) );
        c->retiring[id] = NULL;
        tmem_pool_retire(c, p);
    }
    for ( id = 0; id < TMEM_MAX_POOLS_PER_CLIENT; id++ )
        ASSERT(!c->own[id].in_use);

    /*
     * Wait out whoever took our last page off the LRU in a shared pool:
     * it still holds our LRU lock. Then what we counted stays in the
     * host's totals.
     */
    env_spin_lock(&c->lru_lock);
    env_spin_unlock(&c->lru_lock);
    env_spin_lock(&tmem_clients_lock);
    link_del(&c->all);
    nr_clients--;
    client_counters_add(&retired, c);
    env_spin_unlock(&tmem_clients_lock);
    env_free(c->count);
    env_free(c);

    return true;
}

void tmem_client_destroy(struct tmem_client *c)
{
    while ( !tmem_client_destroy_step(c, FLUSH_BATCH) )
        env_preempt_point();
}

void tmem_for_each_client(void (*fn)(const struct tmem_client *c, void *arg),
                          void *arg)
{
    struct tmem_link *l;

    env_spin_lock(&tmem_clients_lock);
    for ( l = tmem_clients_list.next; l != &tmem_clients_list; l = l->next )
        fn(link_entry(l, struct tmem_client, clients), arg);
    env_spin_unlock(&tmem_clients_lock);
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */

