/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Eviction of ephemeral pages: from the client furthest above its
 * weighted share, that client's oldest pages first; and a client's own
 * oldest pages when one of its puts takes it past its cap.
 *
 * Ephemeral pages are free memory lent out, and the heap takes them back
 * through here whenever it runs dry, giving up when a call frees nothing.
 * So eviction waits for the locks it needs rather than trying them (a
 * guest can keep its pools' locks taken from a few vCPUs for as long as
 * it likes), and when one client yields nothing it goes on to the next.
 *
 * See store.h for the lock order.
 */

#include "private.h"

/* Pages evicted from one victim before choosing again. */
#define EVICT_BATCH 32

/* Whether age @a is before age @b (ages wrap). */
static bool age_before(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

/* The age of the oldest page on @lru, if any; its lock held. */
static bool head_age(const struct tmem_link *lru, uint32_t *age)
{
    if ( link_empty(lru) )
        return false;
    *age = link_entry(lru->next, struct tmem_page, lru)->age;

    return true;
}

/* The age of the head of private pool @p's LRU; false if it is empty. */
static bool pool_head_age(struct tmem_pool *p, uint32_t *age)
{
    bool found;

    if ( !env_read_once(&p->lru_pages) )
        return false;
    env_spin_lock(&p->lock);
    found = head_age(&p->lru, age);
    env_spin_unlock(&p->lock);

    return found;
}

/* The age of the head of client @c's LRU of shared-pool pages. */
static bool shared_head_age(struct tmem_client *c, uint32_t *age)
{
    bool found;

    env_spin_lock(&c->lru_lock);
    found = head_age(&c->lru, age);
    env_spin_unlock(&c->lru_lock);

    return found;
}

/*
 * Evict up to @nr pages from the head of private pool @p's LRU, the first
 * one whatever its age, then while they are not younger than @until.
 */
static unsigned long evict_pool_head(struct tmem_client *c,
                                     struct tmem_pool *p, uint32_t until,
                                     unsigned long nr)
{
    unsigned long done = 0;

    env_spin_lock(&p->lock);
    while ( done < nr && !link_empty(&p->lru) )
    {
        struct tmem_page *pg = link_entry(p->lru.next, struct tmem_page, lru);

        if ( done && age_before(until, pg->age) )
            break;
        tmem_page_remove(p, pg);
        COUNT(c, evictions);
        done++;
    }
    env_spin_unlock(&p->lock);

    return done;
}

/*
 * The same from client @c's LRU of shared-pool pages. Each page is found
 * with its pool's lock taken before the LRU's (tmem_lru_lock_head()); a
 * few tries in a row that find the head moved to another pool give up.
 */
static unsigned long evict_shared_head(struct tmem_client *c,
                                       uint32_t until, unsigned long nr)
{
    unsigned long done = 0;
    unsigned int moved = 0;

    while ( done < nr && moved < 8 )
    {
        struct tmem_page *pg;
        struct tmem_pool *p;

        if ( !tmem_lru_lock_head(c, &pg, &p) )
            break;
        if ( !pg )
        {
            moved++;
            continue;
        }
        if ( done && age_before(until, pg->age) )
        {
            env_spin_unlock(&c->lru_lock);
            env_spin_unlock(&p->lock);
            break;
        }
        tmem_lru_page_remove(c, p, pg);
        COUNT(c, evictions);
        done++;
        moved = 0;
    }

    return done;
}

/*
 * Evict up to @nr of client @c's oldest ephemeral pages. The caller keeps
 * @c alive: it holds tmem_clients_lock, or it is a put of @c's own (a
 * client is only destroyed once its domain runs no more). The oldest is
 * at the head of one of its lists (its private ephemeral pools' and its
 * shared-pool one): evict from the list whose head is oldest until it is
 * older than the next oldest head no more, then look again.
 */
static unsigned long evict_from(struct tmem_client *c, unsigned long nr)
{
    unsigned long done = 0;
    unsigned int idle = 0;

    while ( done < nr && idle < 8 )
    {
        struct tmem_pool *oldest = NULL;
        uint32_t age, first = 0, second = 0;
        unsigned int id, found = 0;
        unsigned long got;

        /* Ids past the pools' stand for the shared-pool list. */
        for ( id = 0; id <= TMEM_MAX_POOLS_PER_CLIENT; id++ )
        {
            struct tmem_pool *p = id < TMEM_MAX_POOLS_PER_CLIENT ?
                                  &c->own[id] : NULL;

            if ( !(p ? pool_head_age(p, &age) : shared_head_age(c, &age)) )
                continue;
            if ( !found || age_before(age, first) )
            {
                second = first;
                first = age;
                oldest = p;
            }
            else if ( found == 1 || age_before(age, second) )
                second = age;
            found++;
        }
        if ( !found )
            break;
        if ( found == 1 )
            /* Alone: no age stops it. */
            second = first + 0x7fffffffU;

        got = oldest ? evict_pool_head(c, oldest, second, nr - done)
                     : evict_shared_head(c, second, nr - done);
        idle = got ? 0 : idle + 1;
        done += got;
    }

    return done;
}

/*
 * The client furthest above its weighted share of ephemeral pages, and
 * how many it can lose before another one is further above (at least 1);
 * clients that yielded nothing in this @pass are left out.
 */
static struct tmem_client *evict_victim(unsigned long *quota,
                                        unsigned long pass)
{
    struct tmem_client *victim = NULL;
    unsigned long worst = 0, runner_up = 0;
    unsigned int victim_weight = 1;
    struct tmem_link *l;

    for ( l = tmem_clients_list.next; l != &tmem_clients_list; l = l->next )
    {
        struct tmem_client *c = link_entry(l, struct tmem_client, clients);
        unsigned long pages = tmem_client_eph_pages(c);
        unsigned int weight = env_read_once(&c->weight);
        unsigned long score = pages * 256 / weight;

        if ( !pages || c->evict_pass == pass )
            continue;
        if ( !victim || score > worst )
        {
            runner_up = worst;
            victim = c;
            victim_weight = weight;
            worst = score;
        }
        else if ( score > runner_up )
            runner_up = score;
    }
    if ( victim )
        *quota = (worst - runner_up) * victim_weight / 256 + 1;

    return victim;
}

/*
 * The victim's pages may all go before its locks are had (its own gets
 * and flushes), or its LRU head keep moving: then the next victim is
 * asked, so a call only frees nothing when no client yields anything.
 * Each round frees a page or passes over a client, so the call ends.
 */
unsigned long tmem_evict_pages(unsigned long nr)
{
    /* Numbers the calls, for evict_pass (both under tmem_clients_lock). */
    static unsigned long pass;
    unsigned long freed = 0;

    env_spin_lock(&tmem_clients_lock);
    pass++;
    while ( freed < nr )
    {
        unsigned long quota = 0, got;
        struct tmem_client *c = evict_victim(&quota, pass);

        if ( !c )
            break;
        if ( quota > nr - freed )
            quota = nr - freed;
        got = evict_from(c, quota < EVICT_BATCH ? quota : EVICT_BATCH);
        if ( !got )
            c->evict_pass = pass;
        freed += got;
    }
    env_spin_unlock(&tmem_clients_lock);

    return freed;
}

/*
 * The cap bounds how much of the host's free memory one domain can fill
 * however fast it puts, without waiting for the heap to run dry; the
 * pages it keeps are its newest. Racing puts may go past it by a page
 * each before one of them evicts, or evict a few pages too many: as any
 * ephemeral page, those could have gone at any time.
 */
void tmem_evict_over_cap(struct tmem_client *c)
{
    unsigned long max = env_read_once(&c->max_eph);
    unsigned long held = tmem_client_eph_pages(c);

    if ( held > max )
        evict_from(c, held - max < EVICT_BATCH ? held - max : EVICT_BATCH);
}

/*
 * The administrator's flush: the client's oldest pages, as eviction
 * takes them, counted as evictions. The clients lock is taken a batch at
 * a time, and the caller is asked between batches whether to stop: a
 * guest can make each page cost a lock of every pool it has, and keep
 * those locks busy. The caller keeps @c alive and not dying.
 */
unsigned long tmem_client_flush(struct tmem_client *c, unsigned long nr)
{
    unsigned long done = 0, got;

    ASSERT(!c->dying);
    do {
        env_spin_lock(&tmem_clients_lock);
        got = evict_from(c, nr - done < EVICT_BATCH ? nr - done
                                                    : EVICT_BATCH);
        env_spin_unlock(&tmem_clients_lock);
        done += got;
    } while ( got && done < nr && !env_preempt_check() );

    return done;
}

unsigned long tmem_freeable_pages(void)
{
    unsigned long n = 0;
    struct tmem_link *l;

    env_spin_lock(&tmem_clients_lock);
    for ( l = tmem_clients_list.next; l != &tmem_clients_list; l = l->next )
        n += tmem_client_eph_pages(link_entry(l, struct tmem_client,
                                              clients));
    env_spin_unlock(&tmem_clients_lock);

    return n;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */

