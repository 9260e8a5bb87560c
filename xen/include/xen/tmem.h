/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Transcendent Memory: what the rest of Xen needs to know about tmem.
 *
 * The hypercall itself (do_tmem_op) is declared by the generated
 * hypercall table; these are the hooks into the domain lifecycle and the
 * page allocator.
 */
#ifndef __XEN_TMEM_H__
#define __XEN_TMEM_H__

#include <xen/types.h>

struct domain;

#ifdef CONFIG_TMEM

/*
 * Free every tmem pool and page of a dying domain. Returns -ERESTART while
 * there is more to free (the caller continues later), 0 when done.
 */
int tmem_domain_destroy(struct domain *d);

/*
 * Give up to @nr_pages ephemeral pages back to the heap. Returns true if
 * anything was freed. Safe to call from any allocation context; it does
 * nothing when called from within tmem itself.
 */
bool tmem_reclaim(unsigned long nr_pages);

/* Ephemeral pages tmem holds: free memory the heap can have back. */
unsigned long tmem_lent_pages(void);

/*
 * XEN_SYSCTL_tmem_op, the administrator's control. -ERESTART: issue it
 * again (a continuation).
 */
struct xen_sysctl_tmem_op;
long tmem_sysctl(struct xen_sysctl_tmem_op *op);

#else

static inline int tmem_domain_destroy(struct domain *d)
{
    return 0;
}

static inline bool tmem_reclaim(unsigned long nr_pages)
{
    return false;
}

static inline unsigned long tmem_lent_pages(void)
{
    return 0;
}

#endif /* CONFIG_TMEM */

#endif /* __XEN_TMEM_H__ */

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
