/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Transcendent Memory: the Xen side of the store.
 *
 * This file is what ties the portable store (store.c, evict.c, client.c,
 * op.c) to the hypervisor: the hypercall entry point, the "tmem" boot
 * option, the per-domain client, the guest frames a put reads and a get
 * writes, the data pages tmem keeps, and the hooks through which the page
 * allocator and domain teardown take memory back.
 */

#include <xen/domain_page.h>
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
#include <asm/p2m.h>

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
 * Set while this CPU is inside tmem. Allocations tmem makes for itself
 * (its metadata through xmalloc) must not recurse into tmem_reclaim(),
 * which would take tmem's locks again.
 */
static DEFINE_PER_CPU(bool, tmem_busy);

/* The domain's client, created by its first op. */
static struct tmem_client *get_client(struct domain *d)
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
static long run_op(const struct tmem_op *op)
{
    struct tmem_client *c = get_client(current->domain);
    long ret;

    if ( !c )
        return -ENOMEM;

    this_cpu(tmem_busy) = true;
    ret = tmem_do_op(c, op);
    this_cpu(tmem_busy) = false;

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

    return run_op(&op);
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

    return run_op(&op);
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
 * The frame a guest names in cmfn: a machine frame for PV guests, a guest
 * frame for HVM ones. It must be ordinary RAM the caller owns; a frame to
 * be written must also be writable by the guest (for PV: not a page table,
 * descriptor table or other typed page). Anything else is refused before
 * it is touched. Looking it up takes the domain's p2m lock, so it is done
 * before any tmem lock is taken (env.h).
 */
env_frame_t *env_frame_get(void *owner, uint64_t cmfn, bool writing)
{
    struct domain *d = owner;
    struct page_info *page;
    p2m_type_t t;

    if ( cmfn != (unsigned long)cmfn )
        return NULL;

    page = get_page_from_gfn(d, cmfn, &t, P2M_ALLOC);
    if ( !page )
        return NULL;

    if ( t != p2m_ram_rw || is_xen_heap_page(page) )
    {
        put_page(page);
        return NULL;
    }

    if ( writing && is_pv_domain(d) &&
         !get_page_type(page, PGT_writable_page) )
    {
        put_page(page);
        return NULL;
    }

    return page;
}

void env_frame_put(void *owner, env_frame_t *frame, bool writing,
                   bool written)
{
    struct domain *d = owner;

    if ( written )
        paging_mark_dirty(d, page_to_mfn(frame));
    if ( writing && is_pv_domain(d) )
        put_page_type(frame);
    put_page(frame);
}

static void copy_frame(struct page_info *to, const struct page_info *from)
{
    void *dst = __map_domain_page(to);
    const void *src = __map_domain_page(from);

    copy_page(dst, src);
    unmap_domain_page(src);
    unmap_domain_page(dst);
}

void env_copy_from_frame(const env_frame_t *frame, env_page_t *data)
{
    copy_frame(data, frame);
}

void env_copy_to_frame(env_frame_t *frame, const env_page_t *data)
{
    copy_frame(frame, data);
}

/*
 * Data pages: ephemeral ones are plain free memory, owned by nobody;
 * persistent ones are counted against their domain's allocation, so a
 * domain cannot use tmem to grow beyond its max_pages.
 */
env_page_t *env_page_alloc(void)
{
    return alloc_domheap_page(NULL, MEMF_no_tmem);
}

bool env_may_hold_persistent(void *owner, unsigned long held)
{
    const struct domain *d = owner;

    return domain_tot_pages(d) + held < d->max_pages;
}

void env_page_free(env_page_t *page)
{
    free_domheap_page(page);
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
