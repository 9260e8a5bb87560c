// SPDX-License-Identifier: GPL-2.0-only
/*
 * FLUSH_OBJECT and DESTROY_POOL racing other vCPUs' puts, built with
 * AddressSanitizer. Both ops free a large object or pool in batches and
 * drop the pool's lock in between; whatever another vCPU does between two
 * batches, no page that was there when the op began may outlive it.
 *
 * First step by step: at every preempt point of the op, a second thread
 * puts pages -- to new indexes of the object being flushed, or to the
 * handles of the pool being destroyed, into a pool created or joined
 * meanwhile -- while the op waits for it. Then freely: one thread fills an
 * object and flushes it, over and over, while another puts to other
 * indexes of the same object and flushes it too, a third destroys and
 * creates the pools again now and then, and an evictor takes pages from
 * whatever objects, the ones being flushed among them.
 *
 * Once a flush or destroy has returned, a get never brings back a page
 * put before it began; a page put after it may be there or not, but a hit
 * brings back the latest put to its handle. At the end every data page
 * and metadata byte must have been given back.
 *
 * Usage: flush_race [ROUNDS]
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frames.h"

#define EPH             (TMEM_SPEC_VERSION << TMEM_POOL_VERSION_SHIFT)
#define PERSIST         (EPH | TMEM_POOL_PERSIST)
#define SHARED          (EPH | TMEM_POOL_SHARED)
#define UUID            0xf1a5ULL
#define OID             42
#define OLD             1000    /* pages there when the op begins */
#define NEW_EACH        16      /* pages put between two of its batches */
#define OBJS            4       /* objects of a pool being destroyed */
#define OLD_SEED(i)     (0x10000000U | (i))
#define NEW_SEED(i)     (0x20000000U | (i))

/* Free-running part: the flusher's indexes, and the putter's after them. */
#define MANY            800
#define PUTTER_INDEXES  64

static struct test_domain doms[2];
static struct tmem_client *clients[2];
static unsigned long errors;        /* atomic */

static void error(const char *fmt, long a, long b)
{
    if ( __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED) < 10 )
    {
        printf("# ");
        printf(fmt, a, b);
        printf("\n");
    }
}

static long op(struct tmem_client *c, uint32_t cmd, int32_t pool,
               uint64_t oid, uint32_t index, unsigned int frame)
{
    struct tmem_op o = { .cmd = cmd, .pool_id = pool };

    o.u.gen.oid.oid[0] = oid;
    o.u.gen.oid.oid[1] = ~oid;
    o.u.gen.index = index;
    o.u.gen.cmfn = frame;
    return user_do_op(c, &o);
}

static long new_pool(struct tmem_client *c, uint32_t flags)
{
    struct tmem_op o = { .cmd = TMEM_NEW_POOL };

    o.u.creat.flags = flags;
    if ( flags & TMEM_POOL_SHARED )
    {
        o.u.creat.uuid[0] = UUID;
        o.u.creat.uuid[1] = ~UUID;
    }
    return user_do_op(c, &o);
}

static long destroy_pool(struct tmem_client *c, int32_t pool)
{
    struct tmem_op o = { .cmd = TMEM_DESTROY_POOL, .pool_id = pool };

    return user_do_op(c, &o);
}

/* Frames 0..99 are client 0's, 100..199 client 1's: @frame of them. */
static unsigned int own_frame(const struct tmem_client *c, unsigned int frame)
{
    return c->id * 100 + frame;
}

static long put(struct tmem_client *c, int32_t pool, uint64_t oid,
                uint32_t index, unsigned int frame, uint32_t seed)
{
    frame = own_frame(c, frame);
    frame_fill(frame, seed);
    return op(c, TMEM_PUT_PAGE, pool, oid, index, frame);
}

enum got { MISS, OLD_BYTES, NEW_BYTES, OTHER_BYTES };

/* What a get of (@pool, @oid, @index) brings back. */
static enum got get(struct tmem_client *c, int32_t pool, uint64_t oid,
                    uint32_t index, unsigned int frame, uint32_t old_seed,
                    uint32_t new_seed)
{
    frame = own_frame(c, frame);
    memset(frames[frame].bytes, 0xee, PAGE_SIZE);
    if ( op(c, TMEM_GET_PAGE, pool, oid, index, frame) != 1 )
        return MISS;
    if ( frame_check(frame, old_seed) )
        return OLD_BYTES;
    return frame_check(frame, new_seed) ? NEW_BYTES : OTHER_BYTES;
}

static void setup(void)
{
    unsigned int i, f;

    frames_reset();
    for ( i = 0; i < 2; i++ )
    {
        doms[i].id = i;
        doms[i].max_persistent = ~0UL;
        for ( f = 0; f < 100; f++ )
            frames[i * 100 + f].owner = &doms[i];
        clients[i] = tmem_client_create(i, &doms[i]);
        if ( !clients[i] )
        {
            printf("flush_race: setup failed\n");
            exit(1);
        }
    }
}

static void teardown(void)
{
    unsigned int i;

    for ( i = 0; i < 2; i++ )
        tmem_client_destroy(clients[i]);
}

/* ---- step by step: a second vCPU runs between the op's batches ---- */

static pthread_mutex_t vcpu_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t vcpu_cond = PTHREAD_COND_INITIALIZER;
static void (*vcpu_work)(void);
static bool vcpu_exit;

static void *vcpu_run(void *arg)
{
    pthread_mutex_lock(&vcpu_lock);
    for ( ; ; )
    {
        void (*fn)(void);

        while ( !vcpu_work && !vcpu_exit )
            pthread_cond_wait(&vcpu_cond, &vcpu_lock);
        if ( !vcpu_work )
            break;
        fn = vcpu_work;
        pthread_mutex_unlock(&vcpu_lock);
        fn();
        pthread_mutex_lock(&vcpu_lock);
        vcpu_work = NULL;
        pthread_cond_broadcast(&vcpu_cond);
    }
    pthread_mutex_unlock(&vcpu_lock);

    return NULL;
}

/* Have the second vCPU run @fn, and wait until it has. */
static void on_second_vcpu(void (*fn)(void))
{
    pthread_mutex_lock(&vcpu_lock);
    vcpu_work = fn;
    pthread_cond_broadcast(&vcpu_cond);
    while ( vcpu_work )
        pthread_cond_wait(&vcpu_cond, &vcpu_lock);
    pthread_mutex_unlock(&vcpu_lock);
}

static void (*between_batches)(void);
static unsigned int steps;

static void step_hook(void)
{
    steps++;
    on_second_vcpu(between_batches);
}

/* Run @cmd on client 0's @pool, with @step run between its batches. */
static long op_in_steps(uint32_t cmd, int32_t pool, void (*step)(void))
{
    long rc;

    between_batches = step;
    steps = 0;
    preempt_hook = step_hook;
    rc = cmd == TMEM_DESTROY_POOL ? destroy_pool(clients[0], pool)
                                  : op(clients[0], cmd, pool, OID, 0, 0);
    preempt_hook = NULL;
    if ( !steps )
        error("op %ld: no batches (%ld pages): nothing raced it", cmd, OLD);

    return rc;
}

static int32_t flushed_pool;
static uint32_t next_index;

/* Pages at new indexes of the object being flushed. */
static void put_new_indexes(void)
{
    unsigned int k;

    for ( k = 0; k < NEW_EACH; k++, next_index++ )
        if ( put(clients[0], flushed_pool, OID, next_index, 1,
                 NEW_SEED(next_index)) != 1 )
            error("put of index %ld between batches failed", next_index, 0);
}

static void flush_object_in_steps(const char *kind, uint32_t flags)
{
    unsigned int i, old_back = 0, new_back = 0, other = 0;
    long rc;

    setup();
    flushed_pool = new_pool(clients[0], flags);
    for ( i = 0; i < OLD; i++ )
        if ( put(clients[0], flushed_pool, OID, i, 0, OLD_SEED(i)) != 1 )
            error("put of old index %ld failed", i, 0);
    next_index = OLD;

    rc = op_in_steps(TMEM_FLUSH_OBJECT, flushed_pool, put_new_indexes);
    if ( rc != 1 )
        error("FLUSH_OBJECT returned %ld", rc, 0);

    for ( i = 0; i < next_index; i++ )
        switch ( get(clients[0], flushed_pool, OID, i, 2, OLD_SEED(i),
                     NEW_SEED(i)) )
        {
        case MISS:
            break;
        case OLD_BYTES:
            old_back++;
            break;
        case NEW_BYTES:
            new_back++;
            break;
        default:
            other++;
        }
    printf("flush_race: FLUSH_OBJECT, %s pool, %u pages, %u put to new "
           "indexes in %u gaps between batches: %u old pages returned "
           "after it, %u new ones, %u wrong\n", kind, OLD, next_index - OLD,
           steps, old_back, new_back, other);
    if ( old_back )
        error("old pages still returned after FLUSH_OBJECT: %ld of %ld",
              old_back, OLD);
    if ( other )
        error("gets returned bytes never put to their handle: %ld", other, 0);
    teardown();
}

static int32_t renewed_pool;
static uint32_t next_handle;
static bool shared_case;

/*
 * While pool 0 is being destroyed: a new pool (joined again, if shared,
 * by the second client, as the destroyer was its last member) takes new
 * copies of the old handles; puts into the old pool's id find no pool.
 */
static void put_old_handles_anew(void)
{
    struct tmem_client *c = clients[shared_case];
    unsigned int k;

    if ( renewed_pool < 0 )
    {
        renewed_pool = new_pool(c, shared_case ? SHARED : PERSIST);
        if ( renewed_pool < 0 )
            error("new pool while one is destroyed: %ld", renewed_pool, 0);
    }
    if ( !shared_case &&
         put(c, 0, OID, OLD + next_handle, 1, NEW_SEED(0)) != -ENODEV )
        error("a put into a pool being destroyed did not fail", 0, 0);
    for ( k = 0; k < NEW_EACH && next_handle < OLD; k++, next_handle++ )
        if ( put(c, renewed_pool, OID + next_handle % OBJS,
                 next_handle / OBJS, 1, NEW_SEED(next_handle)) != 1 )
            error("put of handle %ld between batches failed", next_handle, 0);
}

/* What client @c's @pool holds of the old handles, into @n[enum got]. */
static void count_old_handles(struct tmem_client *c, int32_t pool,
                              unsigned int n[4])
{
    unsigned int i;

    for ( i = 0; i < OLD; i++ )
        n[get(c, pool, OID + i % OBJS, i / OBJS, 2, OLD_SEED(i),
              NEW_SEED(i))]++;
}

static void destroy_pool_in_steps(const char *kind, uint32_t flags)
{
    unsigned int i, in_new[4] = { 0 }, in_id[4] = { 0 };
    struct tmem_client *other;
    int32_t again;
    long rc;

    setup();
    shared_case = flags & TMEM_POOL_SHARED;
    other = clients[shared_case];
    if ( new_pool(clients[0], flags) != 0 ||
         (shared_case && new_pool(clients[1], flags) != 0) )
        error("pool setup failed", 0, 0);
    for ( i = 0; i < OLD; i++ )
        if ( put(clients[0], 0, OID + i % OBJS, i / OBJS, 0,
                 OLD_SEED(i)) != 1 )
            error("put of old handle %ld failed", i, 0);
    /* The other member leaves first: the destroy below drains the pool. */
    if ( shared_case && destroy_pool(clients[1], 0) != 1 )
        error("leaving the shared pool failed", 0, 0);
    renewed_pool = -1;
    next_handle = 0;

    rc = op_in_steps(TMEM_DESTROY_POOL, 0, put_old_handles_anew);
    if ( rc != 1 )
        error("DESTROY_POOL returned %ld", rc, 0);

    /* The id again: a new private pool, or the one joined meanwhile. */
    again = new_pool(clients[0], flags);
    if ( again != 0 )
        error("pool id %ld after the destroy, want 0", again, 0);
    count_old_handles(other, renewed_pool, in_new);
    count_old_handles(clients[0], again, in_id);
    printf("flush_race: DESTROY_POOL, %s pool, %u pages, %u put again in "
           "%u gaps between batches: %u old pages returned after it, "
           "%u new ones, %u wrong\n", kind, OLD, next_handle, steps,
           in_new[OLD_BYTES] + in_id[OLD_BYTES],
           in_new[NEW_BYTES] + in_id[NEW_BYTES],
           in_new[OTHER_BYTES] + in_id[OTHER_BYTES]);
    if ( in_new[OLD_BYTES] + in_id[OLD_BYTES] )
        error("old pages still returned after DESTROY_POOL: %ld of %ld",
              in_new[OLD_BYTES] + in_id[OLD_BYTES], OLD);
    if ( in_new[OTHER_BYTES] + in_id[OTHER_BYTES] )
        error("gets returned bytes never put to their handle: %ld",
              in_new[OTHER_BYTES] + in_id[OTHER_BYTES], 0);
    /* Nobody evicts here: every page put meanwhile must still be there. */
    if ( in_new[NEW_BYTES] != next_handle ||
         (shared_case && in_id[NEW_BYTES] != next_handle) )
        error("pages put while the pool was destroyed were lost: %ld of %ld",
              next_handle - in_new[NEW_BYTES], next_handle);
    teardown();
}

/* ---- freely running ---- */

static unsigned long rounds = 100;
static bool flusher_done, evictor_stop;

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s >> 11;
}

/* Pool 0 is ephemeral, pool 1 persistent; the churner keeps them so. */
static const uint32_t kinds[2] = { EPH, PERSIST };

/*
 * Fill the object in one pool or the other, flush it, and check that
 * none of it is left (only this thread puts to these indexes).
 */
static void *flusher(void *arg)
{
    struct tmem_client *c = clients[0];
    unsigned long r;
    uint32_t i, n;

    for ( r = 0; r < rounds; r++ )
    {
        int32_t pool = r & 1;

        n = 300 + r * 37 % (MANY - 300);
        for ( i = 0; i < n; i++ )
            put(c, pool, OID, i, 10, OLD_SEED(i));
        op(c, TMEM_FLUSH_OBJECT, pool, OID, 0, 0);
        for ( i = 0; i < n; i++ )
            if ( get(c, pool, OID, i, 11, OLD_SEED(i), 0) != MISS )
                error("round %ld: index %ld there after FLUSH_OBJECT", r, i);
    }
    __atomic_store_n(&flusher_done, true, __ATOMIC_RELEASE);

    return NULL;
}

/*
 * Put to indexes past the flusher's, of the same object; get them back
 * (the latest put's bytes, or nothing) and flush the object now and then.
 */
static void *putter(void *arg)
{
    struct tmem_client *c = clients[0];
    uint32_t want[PUTTER_INDEXES] = { 0 }, gen = 0;
    uint64_t s = 0x9e3779b97f4a7c15ULL;

    while ( !__atomic_load_n(&flusher_done, __ATOMIC_ACQUIRE) )
    {
        uint32_t k = rnd(&s) % PUTTER_INDEXES, r = rnd(&s) % 100, j;
        int32_t pool = k & 1;
        uint32_t seed = NEW_SEED(++gen & 0xffffff);
        enum got got;

        if ( r < 60 )
            want[k] = put(c, pool, OID, MANY + k, 20, seed) == 1 ? seed : 0;
        else if ( r < 98 )
        {
            got = get(c, pool, OID, MANY + k, 21, 0, want[k]);
            if ( got != MISS && (!want[k] || got != NEW_BYTES) )
                error("index %ld: a get brought back what it did not put "
                      "last (%ld)", MANY + k, got);
            if ( got != MISS && kinds[pool] == EPH )
                want[k] = 0;    /* exclusive */
        }
        else
        {
            op(c, TMEM_FLUSH_OBJECT, pool, OID, 0, 0);
            for ( j = pool; j < PUTTER_INDEXES; j += 2 )
                want[j] = 0;
        }
    }

    return NULL;
}

/* Destroy one pool and create it again, now and then. */
static void *churner(void *arg)
{
    unsigned long n = 0;

    while ( !__atomic_load_n(&flusher_done, __ATOMIC_ACQUIRE) )
    {
        int32_t pool = n++ & 1;
        long rc = destroy_pool(clients[0], pool);

        if ( rc != 1 )
            error("churn: DESTROY_POOL %ld returned %ld", pool, rc);
        rc = new_pool(clients[0], kinds[pool]);
        if ( rc != pool )
            error("churn: NEW_POOL gave %ld, want %ld", rc, pool);
        usleep(2000);
    }

    return NULL;
}

static void *evictor(void *arg)
{
    unsigned long evicted = 0;

    while ( !__atomic_load_n(&evictor_stop, __ATOMIC_ACQUIRE) )
        evicted += tmem_evict_pages(4);

    return (void *)evicted;
}

static void give_way(void)
{
    sched_yield();
}

static void run_freely(void)
{
    pthread_t f, p, ch, ev;
    void *evicted;

    setup();
    if ( new_pool(clients[0], kinds[0]) != 0 ||
         new_pool(clients[0], kinds[1]) != 1 )
        error("pool setup failed", 0, 0);
    /*
     * Others then get to run where the store looks up a pool, and between
     * the batches of a long op.
     */
    race_windows_open = true;
    preempt_hook = give_way;
    pthread_create(&ev, NULL, evictor, NULL);
    pthread_create(&p, NULL, putter, NULL);
    pthread_create(&ch, NULL, churner, NULL);
    pthread_create(&f, NULL, flusher, NULL);
    pthread_join(f, NULL);
    pthread_join(p, NULL);
    pthread_join(ch, NULL);
    __atomic_store_n(&evictor_stop, true, __ATOMIC_RELEASE);
    pthread_join(ev, &evicted);
    race_windows_open = false;
    preempt_hook = NULL;
    printf("flush_race: %lu rounds of put and FLUSH_OBJECT against puts, "
           "flushes, pool churn and eviction (%lu evicted)\n", rounds,
           (unsigned long)evicted);
    teardown();
}

int main(int argc, char **argv)
{
    unsigned long pages0 = data_pages_live(), meta0 = meta_bytes_live();
    pthread_t vcpu;

    if ( argc > 1 )
        rounds = strtoul(argv[1], NULL, 0);
    pthread_create(&vcpu, NULL, vcpu_run, NULL);
    flush_object_in_steps("persistent", PERSIST);
    flush_object_in_steps("ephemeral", EPH);
    flush_object_in_steps("shared", SHARED);
    destroy_pool_in_steps("persistent", PERSIST);
    destroy_pool_in_steps("shared", SHARED);
    pthread_mutex_lock(&vcpu_lock);
    vcpu_exit = true;
    pthread_cond_broadcast(&vcpu_cond);
    pthread_mutex_unlock(&vcpu_lock);
    pthread_join(vcpu, NULL);

    run_freely();

    if ( data_pages_live() != pages0 || meta_bytes_live() != meta0 ||
         global_now().count.objects || global_now().clients )
        error("not all given back: %ld pages, %ld metadata bytes",
              data_pages_live() - pages0, meta_bytes_live() - meta0);
    printf("flush_race: %s\n", errors ? "FAILED" : "ok");

    return errors ? 1 : 0;
}
