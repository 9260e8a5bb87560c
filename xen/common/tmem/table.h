/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The store's hash tables (a pool's objects, an object's pages): chains
 * of entries hanging from a power-of-two array of buckets, which doubles
 * when the table averages more than two entries per bucket, so that an
 * op costs the same however much is stored.
 *
 * A doubling does not move every entry at once: at a million entries
 * that would hold a pool's lock for a third of a second, and a guest
 * decides when it happens. The old array stays beside the new one, and
 * each insert moves a few of its buckets over (table_step()); lookups
 * search the entry's bucket in the new array and, until it has moved,
 * in the old one. Two buckets moved per insert finish the move long
 * before the table can double again (that takes as many inserts as the
 * old array has buckets, times two).
 *
 * The bucket is the top bits of a 64-bit hash, so old bucket i becomes
 * new buckets 2i and 2i + 1. A table of one bucket keeps its chain in
 * place of the array, allocating nothing: most objects are small.
 */
#ifndef TMEM_TABLE_H
#define TMEM_TABLE_H

#include "env.h"

/* An entry's link in its chain; the first member of the entry. */
struct tmem_hnode {
    struct tmem_hnode *next;
};

struct tmem_table {
    union {
        struct tmem_hnode **b;      /* order > 0: 1 << order chains */
        struct tmem_hnode *one;     /* order 0: the only chain */
    };
    struct tmem_hnode **old;        /* half as many, being moved, or NULL */
    unsigned int moved;             /* old buckets moved so far */
    unsigned int order;
};

/* The hash of an entry, to move it (table_step()). */
typedef uint64_t (*tmem_hash_fn)(const struct tmem_hnode *n);

/* Bucket of hash @h in an array of 1 << @order. */
static inline unsigned int table_bucket(uint64_t h, unsigned int order)
{
    return order ? h >> (64 - order) : 0;
}

/* The chain where an entry of hash @h is put. */
static inline struct tmem_hnode **table_chain(struct tmem_table *t,
                                              uint64_t h)
{
    return t->order ? &t->b[table_bucket(h, t->order)] : &t->one;
}

/* The other chain it may still be on, until its old bucket moves; or NULL. */
static inline struct tmem_hnode **table_old_chain(struct tmem_table *t,
                                                  uint64_t h)
{
    unsigned int ob;

    if ( !t->old )
        return NULL;
    ob = table_bucket(h, t->order - 1);

    return ob >= t->moved ? &t->old[ob] : NULL;
}

/* Number of chains of the new array, for walks by bucket. */
static inline unsigned long table_size(const struct tmem_table *t)
{
    return 1UL << t->order;
}

/* Chain @i of the new array. */
static inline struct tmem_hnode **table_nth(struct tmem_table *t,
                                            unsigned long i)
{
    return t->order ? &t->b[i] : &t->one;
}

/* An empty table of 1 << @order buckets; false without memory. */
bool table_init(struct tmem_table *t, unsigned int order);
/* Free its arrays (its entries are the caller's). */
void table_free(struct tmem_table *t);
/*
 * After an insert that made it @nentries: move a few old buckets over,
 * or start a doubling if it is due (best effort: without memory, chains
 * grow longer).
 */
void table_after_insert(struct tmem_table *t, unsigned long nentries,
                        tmem_hash_fn hash);
/*
 * Move one old bucket over, for walkers that want the new array alone;
 * false when nothing is left to move.
 */
bool table_step(struct tmem_table *t, tmem_hash_fn hash);

#endif /* TMEM_TABLE_H */
