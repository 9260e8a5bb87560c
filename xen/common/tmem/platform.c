/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Transcendent Memory: the platform under the store in Xen, the hooks
 * env.h names. The store (store.c, evict.c, client.c, op.c) is portable
 * and built in userspace too (tests/tmem-store); here is what it needs of
 * a hypervisor: the guest frames a put reads and a get writes, checked
 * for ownership and type; the data pages tmem keeps; and the charge of a
 * persistent page to its domain's allocation. The hypercall entry point
 * and the hooks Xen calls are in hypercall.c.
 */

#include <xen/domain_page.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/spinlock.h>
#include <asm/p2m.h>
#include <asm/paging.h>

#include "env.h"

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

    /*
     * Log-dirty RAM is ordinary RAM while the domain is being migrated:
     * only the guest's own writes fault, and ours mark it dirty below.
     */
    if ( (t != p2m_ram_rw && t != p2m_ram_logdirty) ||
         is_xen_heap_page(page) )
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
 * Data pages: ephemeral ones are plain free memory, owned by nobody, lent
 * by the host and taken back whenever it needs them.
 */
env_page_t *env_page_alloc(void)
{
    return alloc_domheap_page(NULL, MEMF_no_tmem);
}

/*
 * A persistent page is the domain's memory, as much as one in its p2m: it
 * is counted in tot_pages, under the same lock and against the same
 * max_pages as the domain's own allocations (assign_pages()). So a guest
 * that puts N pages can populate N fewer, and ballooning down to put more
 * gains it nothing; the toolstack sees the pages in the domain's memory.
 */
bool env_persistent_charge(void *owner)
{
    struct domain *d = owner;
    bool ok;

    spin_lock(&d->page_alloc_lock);
    ok = !d->is_dying && domain_tot_pages(d) < d->max_pages;
    /* A domain holding pages holds a reference, as assign_pages() takes. */
    if ( ok && domain_adjust_tot_pages(d, 1) == 1 )
        get_knownalive_domain(d);
    spin_unlock(&d->page_alloc_lock);

    return ok;
}

void env_persistent_uncharge(void *owner, unsigned long pages)
{
    struct domain *d = owner;
    bool last;

    spin_lock(&d->page_alloc_lock);
    last = !domain_adjust_tot_pages(d, -(long)pages);
    spin_unlock(&d->page_alloc_lock);
    /* As free_domheap_pages() does for the domain's last page. */
    if ( last )
        put_domain(d);
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
