/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Transcendent Memory: the Xen side of the store.
 *
 * Xen's way into the portable store (store.c, evict.c, client.c, op.c):
 * the hypercall entry point, the "tmem" boot option, the per-domain
 * client, and the hooks through which the page allocator and domain
 * teardown take memory back. The store's way down into Xen, the env.h
 * hooks, is platform.c.
 */

#include <xen/errno.h>
#include <xen/guest_access.h>
#include <xen/hypercall.h>
#include <xen/init.h>
#include <xen/irq.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/param.h>
#include <xen/percpu.h>
#include <xen/sched.h>
#include <xen/tmem.h>
#include <xsm/xsm.h>

#include "domain.h"
#include "store.h"

/* Pages a dying domain gives back per step of domain_kill(). */
#define DESTROY_BUDGET 1024

bool __read_mostly opt_tmem;
boolean_param("tmem", opt_tmem);

/*
 * The most ephemeral memory one domain may hold, 0 for no cap. Eviction
 * gives it all back whenever the heap runs dry; the cap is for the
 * administrator who wants one domain unable to fill the host's free
 * memory at all, leaving room for other domains' pages and for what
 * cannot wait for eviction (allocations with interrupts off, tmem's own).
 */
static unsigned long __read_mostly opt_tmem_max_eph;
size_param("tmem_max_ephemeral", opt_tmem_max_eph);

/*
 * A shared pool lets the domains that know its uuid read each other's
 * pages. With "tmem_shared_auth", a domain may create or join one only
 * for a uuid the administrator allowed it (xen-tmem auth).
 */
boolean_param("tmem_shared_auth", tmem_shared_auth);

/*
 * Set while this CPU is inside tmem. Allocations tmem makes for itself
 * (its metadata through xmalloc) must not recurse into tmem_reclaim(),
 * which would take tmem's locks again.
 */
static DEFINE_PER_CPU(bool, tmem_busy);

struct tmem_client *tmem_domain_client(struct domain *d)
{
    struct tmem_client *c = read_atomic(&d->tmem_client);

    if ( c || d->is_dying )
        return c;

    c = tmem_client_create(d->domain_id, d);
    if ( !c )
        return NULL;
    if ( opt_tmem_max_eph )
        tmem_client_set_max_ephemeral(c, opt_tmem_max_eph >> PAGE_SHIFT);

    /* Two vCPUs may race to create it: the first one wins. */
    if ( cmpxchg(&d->tmem_client, NULL, c) != NULL )
    {
        tmem_client_destroy(c);
        c = read_atomic(&d->tmem_client);
    }

    return c;
}

/*
 * What both entry points check first. The security policy comes before
 * anything else: a domain it denies tmem learns nothing of it, not even
 * whether it is on.
 */
static long may_use_tmem(void)
{
    if ( xsm_tmem_op(XSM_HOOK) )
        return -EPERM;

    if ( !opt_tmem )
        return -ENODEV;

    return 0;
}

/* An op copied in, in the native layout, for the calling domain. */
static long run_op(const struct tmem_op *op,
                   XEN_GUEST_HANDLE_PARAM(void) uops)
{
    struct tmem_client *c = tmem_domain_client(current->domain);
    long ret;

    if ( !c )
        return -ENOMEM;

    this_cpu(tmem_busy) = true;
    ret = tmem_do_op(c, op);
    this_cpu(tmem_busy) = false;

    /*
     * A long op stopped between batches: the guest issues it again, into
     * the same entry point, do_ or compat_, as its width picks it.
     */
    if ( ret == -ERESTART )
        ret = hypercall_create_continuation(__HYPERVISOR_tmem_op, "h", uops);

    return ret;
}

typedef struct tmem_op tmem_op_t;
DEFINE_XEN_GUEST_HANDLE(tmem_op_t);

long do_tmem_op(XEN_GUEST_HANDLE_PARAM(void) uops)
{
    struct tmem_op op;
    long ret = may_use_tmem();

    if ( ret )
        return ret;

    if ( copy_from_guest(&op, guest_handle_cast(uops, tmem_op_t), 1) )
        return -EFAULT;

    return run_op(&op, uops);
}

#ifdef CONFIG_COMPAT
typedef struct tmem_op_compat tmem_op_compat_t;
DEFINE_XEN_GUEST_HANDLE(tmem_op_compat_t);

/*
 * 32-bit guests, PV and HVM: their op is 52 bytes, with a 32-bit cmfn
 * (tmem_abi.h). Exactly that much is copied in; the native copy would take
 * the 4 bytes after the guest's op for cmfn's high half.
 */
int compat_tmem_op(XEN_GUEST_HANDLE_PARAM(void) uops)
{
    struct tmem_op_compat cop;
    struct tmem_op op;
    long ret = may_use_tmem();

    if ( ret )
        return ret;

    if ( copy_from_guest(&cop, guest_handle_cast(uops, tmem_op_compat_t),
                         1) )
        return -EFAULT;

    tmem_op_from_compat(&op, &cop);

    return run_op(&op, uops);
}
#endif

int tmem_domain_destroy(struct domain *d)
{
    struct tmem_client *c = d->tmem_client;
    bool done;

    ASSERT(d->is_dying);
    if ( !c )
        return 0;

    this_cpu(tmem_busy) = true;
    done = tmem_client_destroy_step(c, DESTROY_BUDGET);
    this_cpu(tmem_busy) = false;
    if ( !done )
        return -ERESTART;
    d->tmem_client = NULL;

    return 0;
}

bool tmem_reclaim(unsigned long nr_pages)
{
    unsigned long freed;

    if ( !opt_tmem || this_cpu(tmem_busy) || in_irq() ||
         !local_irq_is_enabled() )
        return false;

    this_cpu(tmem_busy) = true;
    freed = tmem_evict_pages(nr_pages);
    this_cpu(tmem_busy) = false;

    return freed != 0;
}

unsigned long tmem_lent_pages(void)
{
    return opt_tmem ? tmem_freeable_pages() : 0;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
