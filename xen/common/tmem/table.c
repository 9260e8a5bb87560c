/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The store's hash tables, and how they grow without a pause: a doubling
 * moves the entries of the old array over a few buckets at a time, one
 * step per insert, instead of all at once under the pool's lock (see
 * table.h).
 */

#include "table.h"

/* Old buckets moved per insert while a doubling is under way. */
#define TABLE_STEPS_PER_INSERT 2

bool table_init(struct tmem_table *t, unsigned int order)
{
    t->old = NULL;
    t->moved = 0;
    t->order = order;
    if ( !order )
    {
        t->one = NULL;
        return true;
    }
    t->b = env_zalloc_array(struct tmem_hnode *, 1UL << order);

    return t->b != NULL;
}

void table_free(struct tmem_table *t)
{
    if ( t->old )
        env_free(t->old);
    if ( t->order )
        env_free(t->b);
    t->old = NULL;
    t->order = 0;
    t->one = NULL;
}

/* Put every entry of @chain into its bucket of @t's new array. */
static void rehash_chain(struct tmem_table *t, struct tmem_hnode *chain,
                         tmem_hash_fn hash)
{
    while ( chain )
    {
        struct tmem_hnode *n = chain, **head = table_chain(t, hash(n));

        chain = n->next;
        n->next = *head;
        *head = n;
    }
}

bool table_step(struct tmem_table *t, tmem_hash_fn hash)
{
    if ( !t->old )
        return false;
    rehash_chain(t, t->old[t->moved], hash);
    t->old[t->moved] = NULL;
    if ( ++t->moved == 1U << (t->order - 1) )
    {
        env_free(t->old);
        t->old = NULL;
        t->moved = 0;
    }

    return true;
}

/*
 * Double the array. From one bucket, whose chain holds three entries,
 * the move is done at once; otherwise it starts, and inserts finish it.
 */
static void table_double(struct tmem_table *t, tmem_hash_fn hash)
{
    struct tmem_hnode **b =
        env_zalloc_array(struct tmem_hnode *, 2UL << t->order);

    if ( !b )
        return;
    if ( !t->order )
    {
        struct tmem_hnode *chain = t->one;

        t->b = b;
        t->order = 1;
        rehash_chain(t, chain, hash);
        return;
    }
    t->old = t->b;
    t->moved = 0;
    t->b = b;
    t->order++;
}

void table_after_insert(struct tmem_table *t, unsigned long nentries,
                        tmem_hash_fn hash)
{
    unsigned int i;

    if ( t->old )
    {
        for ( i = 0; i < TABLE_STEPS_PER_INSERT && table_step(t, hash); i++ )
            ;
        return;
    }
    if ( nentries > 2 * table_size(t) && t->order < 31 )
        table_double(t, hash);
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
