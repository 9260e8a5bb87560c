/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tmem's counters for the host's administrator: the 'k' debug key prints
 * the global and per-domain ones on the console, and hypfs shows the
 * global ones under /tmem/ (xenhypfs cat /tmem/puts, ...).
 */

#include <xen/hypfs.h>
#include <xen/init.h>
#include <xen/keyhandler.h>
#include <xen/lib.h>
#include <xen/spinlock.h>

#include "domain.h"
#include "store.h"

static void print_counters(const char *who, const struct tmem_counters *n)
{
    printk("%s puts %lu (failed %lu) gets %lu (hit %lu miss %lu) "
           "flush page %lu object %lu pools +%lu -%lu evicted %lu\n", who,
           n->puts, n->puts_failed, n->gets, n->gets_hit, n->gets_miss,
           n->flush_page, n->flush_object, n->pools_created,
           n->pools_destroyed, n->evictions);
}

static void cf_check print_client(const struct tmem_client *c, void *arg)
{
    struct tmem_counters n;
    char who[24];
    unsigned int i, pools = 0;

    for ( i = 0; i < TMEM_MAX_POOLS_PER_CLIENT; i++ )
        pools += !!read_atomic(&c->pools[i]);
    snprintf(who, sizeof(who), "  d%u:", c->id);
    printk("  d%u: %u pools, %lu ephemeral and %lu persistent pages, "
           "weight %u\n", c->id, pools, tmem_client_eph_pages(c),
           read_atomic(&c->pers_pages), c->weight);
    tmem_client_counters(c, &n);
    print_counters(who, &n);
}

static void cf_check dump_tmem(unsigned char key)
{
    struct tmem_global g;

    tmem_global_read(&g);
    printk("tmem: %s; %lu clients, %lu shared pools, %lu objects\n",
           opt_tmem ? "enabled" : "disabled (boot option 'tmem')",
           g.clients, g.shared_pools, g.count.objects);
    printk("tmem: %lu ephemeral and %lu persistent pages held; "
           "pages allocated %lu, freed %lu\n", g.eph_pages, g.pers_pages,
           g.count.pages_allocated, g.count.pages_freed);
    print_counters("tmem: all:", &g.count);
    tmem_for_each_client(print_client, NULL);
}

#ifdef CONFIG_HYPFS
/*
 * The counters are spread over clients and CPUs: each read adds them up
 * afresh into a snapshot, from which the leaf is then read as usual.
 */
static struct tmem_global snapshot;
static DEFINE_SPINLOCK(snapshot_lock);

static int cf_check read_counter(const struct hypfs_entry *entry,
                                 XEN_GUEST_HANDLE_PARAM(void) uaddr)
{
    int rc;

    spin_lock(&snapshot_lock);
    tmem_global_read(&snapshot);
    rc = hypfs_read_leaf(entry, uaddr);
    spin_unlock(&snapshot_lock);

    return rc;
}

static const struct hypfs_funcs counter_funcs = {
    .enter = hypfs_node_enter,
    .exit = hypfs_node_exit,
    .read = read_counter,
    .write = hypfs_write_deny,
    .getsize = hypfs_getsize,
    .findentry = hypfs_leaf_findentry,
};

static HYPFS_DIR_INIT(tmem_dir, "tmem");

#define TMEM_LEAF(var, name, field)                                    \
    static HYPFS_FIXEDSIZE_INIT(var, XEN_HYPFS_TYPE_UINT, name,         \
                                snapshot.field, &counter_funcs, 0)

static HYPFS_BOOL_INIT(tmem_enabled, "enabled", opt_tmem);
TMEM_LEAF(tmem_eph_pages, "ephemeral_pages", eph_pages);
TMEM_LEAF(tmem_pers_pages, "persistent_pages", pers_pages);
TMEM_LEAF(tmem_allocated, "pages_allocated", count.pages_allocated);
TMEM_LEAF(tmem_freed, "pages_freed", count.pages_freed);
TMEM_LEAF(tmem_objects, "objects", count.objects);
TMEM_LEAF(tmem_clients, "clients", clients);
TMEM_LEAF(tmem_shared, "shared_pools", shared_pools);
TMEM_LEAF(tmem_puts, "puts", count.puts);
TMEM_LEAF(tmem_puts_failed, "puts_failed", count.puts_failed);
TMEM_LEAF(tmem_gets, "gets", count.gets);
TMEM_LEAF(tmem_gets_hit, "gets_hit", count.gets_hit);
TMEM_LEAF(tmem_gets_miss, "gets_miss", count.gets_miss);
TMEM_LEAF(tmem_flush_page, "flush_page", count.flush_page);
TMEM_LEAF(tmem_flush_object, "flush_object", count.flush_object);
TMEM_LEAF(tmem_pools_created, "pools_created", count.pools_created);
TMEM_LEAF(tmem_pools_destroyed, "pools_destroyed", count.pools_destroyed);
TMEM_LEAF(tmem_evictions, "evictions", count.evictions);

static struct hypfs_entry_leaf *const tmem_leaves[] __initconst = {
    &tmem_enabled, &tmem_eph_pages, &tmem_pers_pages, &tmem_allocated,
    &tmem_freed, &tmem_objects, &tmem_clients, &tmem_shared, &tmem_puts,
    &tmem_puts_failed, &tmem_gets, &tmem_gets_hit, &tmem_gets_miss,
    &tmem_flush_page, &tmem_flush_object, &tmem_pools_created,
    &tmem_pools_destroyed, &tmem_evictions,
};

static void __init tmem_hypfs_init(void)
{
    unsigned int i;

    hypfs_add_dir(&hypfs_root, &tmem_dir, true);
    for ( i = 0; i < ARRAY_SIZE(tmem_leaves); i++ )
        hypfs_add_leaf(&tmem_dir, tmem_leaves[i], true);
}
#else
static void __init tmem_hypfs_init(void)
{
}
#endif

/*
 * The debug key: 'k', which no other handler of Xen 4.17 uses ('t', the
 * obvious one, is read_clocks, and a second registration of a key is an
 * ASSERT in a debug build). Only with tmem on, as there is nothing to
 * dump otherwise.
 */
#define TMEM_DEBUG_KEY 'k'

static int __init cf_check tmem_stats_init(void)
{
    if ( opt_tmem )
        register_keyhandler(TMEM_DEBUG_KEY, dump_tmem,
                            "dump tmem statistics", 1);
    tmem_hypfs_init();

    return 0;
}
__initcall(tmem_stats_init);

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
