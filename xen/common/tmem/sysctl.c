/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Transcendent Memory: the host administrator's control, XEN_SYSCTL_tmem_op
 * (dom0's xen-tmem command). It lists the clients with their pools and
 * counters, and sets a domain's weight, its cap on ephemeral pages, its
 * frozen state, the shared-pool uuids it may use, or flushes its
 * ephemeral pages. do_sysctl() has checked the caller's privilege (XSM).
 *
 * Every call holds the domctl lock: domain_kill() frees a client under it,
 * so a client found here stays while the call runs, and one created here
 * cannot be created for a domain already being torn down. A call that
 * cannot get the lock at once is continued, as domctls are. Work per
 * call is bounded: at most LIST_MAX clients, FLUSH_MAX pages, and a flush
 * also stops between batches when another vCPU needs this one. Fields a
 * command does not use must be zero, so that they can mean something
 * later.
 */

#include <xen/domain.h>
#include <xen/errno.h>
#include <xen/guest_access.h>
#include <xen/sched.h>
#include <xen/tmem.h>
#include <public/sysctl.h>

#include "domain.h"
#include "store.h"

#define LIST_MAX 64
/* As many as one reclaim from the page allocator: tmem_reclaim()'s batch. */
#define FLUSH_MAX 512

static void client_info(struct tmem_client *c,
                        struct xen_sysctl_tmem_client *info)
{
    struct tmem_pool_info pools[TMEM_MAX_POOLS_PER_CLIENT];
    uint64_t auth[TMEM_MAX_AUTH][2];
    struct tmem_counters n;
    unsigned int i;

    BUILD_BUG_ON(TMEM_MAX_POOLS_PER_CLIENT != XEN_SYSCTL_TMEM_MAX_POOLS);
    BUILD_BUG_ON(TMEM_MAX_AUTH != XEN_SYSCTL_TMEM_MAX_AUTH);

    memset(info, 0, sizeof(*info));
    tmem_client_counters(c, &n);
    info->domid = c->id;
    info->flags = read_atomic(&c->frozen) ? XEN_SYSCTL_TMEM_FROZEN : 0;
    info->weight = read_atomic(&c->weight);
    info->cap = read_atomic(&c->max_eph);
    if ( info->cap == TMEM_NO_CAP )
        info->cap = XEN_SYSCTL_TMEM_NO_CAP;
    info->eph_pages = tmem_client_eph_pages(c);
    info->pers_pages = read_atomic(&c->pers_pages);
    info->puts = n.puts;
    info->puts_failed = n.puts_failed;
    info->gets = n.gets;
    info->gets_hit = n.gets_hit;
    info->flushes = n.flush_page + n.flush_object;
    info->evictions = n.evictions;

    info->nr_pools = tmem_client_pools(c, pools);
    for ( i = 0; i < info->nr_pools; i++ )
    {
        info->pools[i].id = pools[i].id;
        info->pools[i].flags = (pools[i].persistent ? TMEM_POOL_PERSIST : 0) |
                               (pools[i].shared ? TMEM_POOL_SHARED : 0);
        info->pools[i].pages = pools[i].pages;
        info->pools[i].uuid[0] = pools[i].uuid[0];
        info->pools[i].uuid[1] = pools[i].uuid[1];
    }
    info->nr_auth = tmem_client_auth_list(c, auth);
    for ( i = 0; i < info->nr_auth; i++ )
    {
        info->auth[i][0] = auth[i][0];
        info->auth[i][1] = auth[i][1];
    }
}

/* The clients of live domains from op->domid up, at most op->nr of them. */
static long list_clients(struct xen_sysctl_tmem_op *op)
{
    struct xen_sysctl_tmem_client info;
    unsigned int n = 0, max = min_t(unsigned int, op->nr, LIST_MAX);
    struct domain *d;
    long rc = 0;

    rcu_read_lock(&domlist_read_lock);
    for_each_domain ( d )
    {
        struct tmem_client *c = read_atomic(&d->tmem_client);

        if ( d->domain_id < op->domid || !c || d->is_dying )
            continue;
        if ( n == max || (n && hypercall_preempt_check()) )
            break;
        client_info(c, &info);
        if ( copy_to_guest_offset(op->clients, n, &info, 1) )
        {
            rc = -EFAULT;
            break;
        }
        n++;
    }
    rcu_read_unlock(&domlist_read_lock);
    op->nr = n;

    return rc;
}

static long control_client(struct xen_sysctl_tmem_op *op,
                           struct tmem_client *c)
{
    switch ( op->cmd )
    {
    case XEN_SYSCTL_TMEM_OP_SET_WEIGHT:
        if ( !op->arg || op->arg > TMEM_MAX_WEIGHT )
            return -EINVAL;
        tmem_client_set_weight(c, op->arg);
        return 0;

    case XEN_SYSCTL_TMEM_OP_SET_CAP:
    {
        unsigned long cap = op->arg >= TMEM_NO_CAP ? TMEM_NO_CAP : op->arg;
        unsigned long held;

        tmem_client_set_max_ephemeral(c, cap);
        /*
         * What it holds over the cap goes now, FLUSH_MAX pages a call,
         * rather than at its next puts: @arg says how much is left, and
         * the caller sets the cap again until none is.
         */
        held = tmem_client_eph_pages(c);
        if ( held > cap )
            held -= tmem_client_flush(c, min_t(unsigned long, held - cap,
                                               FLUSH_MAX));
        op->arg = held > cap ? held - cap : 0;
        return 0;
    }

    case XEN_SYSCTL_TMEM_OP_FREEZE:
    case XEN_SYSCTL_TMEM_OP_THAW:
        tmem_client_set_frozen(c, op->cmd == XEN_SYSCTL_TMEM_OP_FREEZE);
        return 0;

    case XEN_SYSCTL_TMEM_OP_FLUSH:
        op->arg = tmem_client_flush(c, min_t(uint64_t, op->arg, FLUSH_MAX));
        return 0;

    case XEN_SYSCTL_TMEM_OP_AUTH:
        if ( op->arg > 1 )
            return -EINVAL;
        return tmem_client_auth(c, op->uuid, op->arg);
    }

    return -EOPNOTSUPP;
}

/* Are the fields command op->cmd does not use zero? */
static bool unused_fields_zero(const struct xen_sysctl_tmem_op *op)
{
    bool list = op->cmd == XEN_SYSCTL_TMEM_OP_LIST;
    bool uses_arg = op->cmd == XEN_SYSCTL_TMEM_OP_SET_WEIGHT ||
                    op->cmd == XEN_SYSCTL_TMEM_OP_SET_CAP ||
                    op->cmd == XEN_SYSCTL_TMEM_OP_FLUSH ||
                    op->cmd == XEN_SYSCTL_TMEM_OP_AUTH;

    if ( op->pad || op->pad2 || (!uses_arg && op->arg) )
        return false;
    if ( op->cmd != XEN_SYSCTL_TMEM_OP_AUTH && (op->uuid[0] || op->uuid[1]) )
        return false;

    return list || (!op->nr && guest_handle_is_null(op->clients));
}

long tmem_sysctl(struct xen_sysctl_tmem_op *op)
{
    struct tmem_client *c;
    struct domain *d;
    long rc;

    if ( !opt_tmem )
        return -ENODEV;
    if ( op->cmd < XEN_SYSCTL_TMEM_OP_LIST ||
         op->cmd > XEN_SYSCTL_TMEM_OP_AUTH )
        return -EOPNOTSUPP;
    if ( !unused_fields_zero(op) )
        return -EINVAL;

    if ( !domctl_lock_acquire() )
        return -ERESTART;

    if ( op->cmd == XEN_SYSCTL_TMEM_OP_LIST )
    {
        rc = list_clients(op);
        goto out;
    }

    rc = -ESRCH;
    d = rcu_lock_domain_by_id(op->domid);
    if ( !d )
        goto out;
    /* domain_kill() sets it under the domctl lock, which we hold. */
    if ( d->is_dying )
        goto unlock;
    rc = 0;
    c = read_atomic(&d->tmem_client);
    /* No client: nothing to flush or thaw, and none made for that. */
    if ( !c && (op->cmd == XEN_SYSCTL_TMEM_OP_FLUSH ||
                op->cmd == XEN_SYSCTL_TMEM_OP_THAW) )
    {
        op->arg = 0;
        goto unlock;
    }
    if ( !c )
        c = tmem_domain_client(d);
    rc = c ? control_client(op, c) : -ENOMEM;
 unlock:
    rcu_unlock_domain(d);

 out:
    domctl_lock_release();

    return rc;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
