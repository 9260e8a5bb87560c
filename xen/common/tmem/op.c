/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tmem op dispatcher: every field a guest controls is checked here,
 * before the store sees it. Also the decoding of a 32-bit guest's op into
 * the native layout, kept here rather than in hypercall.c so that the
 * userspace tests can check it.
 */

#include "store.h"

static bool pool_id_valid(int32_t pool_id)
{
    return pool_id >= 0 && pool_id < TMEM_MAX_POOLS_PER_CLIENT;
}

/* A valid pool id, kept in range under speculation too. */
static unsigned int pool_id_clamped(int32_t pool_id)
{
    return env_index_nospec(pool_id, TMEM_MAX_POOLS_PER_CLIENT);
}

/* The page/object ops all name a pool the caller must hold. */
static long page_op(struct tmem_client *c, const struct tmem_op *op)
{
    const struct tmem_oid *oid = &op->u.gen.oid;
    unsigned int id = pool_id_clamped(op->pool_id);
    uint32_t index = op->u.gen.index;
    uint64_t cmfn = op->u.gen.cmfn;

    /* Sub-page transfers were retired with ABI version 1's users. */
    if ( (op->cmd == TMEM_PUT_PAGE || op->cmd == TMEM_GET_PAGE) &&
         (op->u.gen.tmem_offset || op->u.gen.pfn_offset || op->u.gen.len) )
        return -EINVAL;

    switch ( op->cmd )
    {
    case TMEM_PUT_PAGE:
        return tmem_page_put(c, id, oid, index, cmfn);
    case TMEM_GET_PAGE:
        return tmem_page_get(c, id, oid, index, cmfn);
    case TMEM_FLUSH_PAGE:
        return tmem_page_flush(c, id, oid, index);
    default:
        return tmem_object_flush(c, id, oid);
    }
}

long tmem_do_op(struct tmem_client *c, const struct tmem_op *op)
{
    switch ( op->cmd )
    {
    case TMEM_NEW_POOL:
        return tmem_pool_new(c, op->u.creat.flags, op->u.creat.uuid);

    case TMEM_DESTROY_POOL:
        if ( !pool_id_valid(op->pool_id) )
            return -ENODEV;
        return tmem_pool_destroy(c, pool_id_clamped(op->pool_id));

    case TMEM_PUT_PAGE:
    case TMEM_GET_PAGE:
    case TMEM_FLUSH_PAGE:
    case TMEM_FLUSH_OBJECT:
        if ( !pool_id_valid(op->pool_id) )
            return -ENODEV;
        return page_op(c, op);

    case TMEM_CONTROL:
    case TMEM_AUTH:
    case TMEM_RESTORE_NEW:
        /* The toolstack's, never a guest's. */
        return -EPERM;

    case TMEM_NEW_PAGE:
    case TMEM_READ:
    case TMEM_WRITE:
    case TMEM_XCHG:
    default:
        return -ENOSYS;
    }
}

/* A 64-bit field of a 32-bit guest's op: two halves, low first (x86). */
static uint64_t compat_u64(const uint32_t half[2])
{
    return half[0] | ((uint64_t)half[1] << 32);
}

void tmem_op_from_compat(struct tmem_op *op, const struct tmem_op_compat *cop)
{
    unsigned int i;

    /* What the command does not read stays zero, not stack contents. */
    *op = (struct tmem_op){
        .cmd = cop->cmd,
        .pool_id = cop->pool_id,
    };

    /* The view of the union that tmem_do_op() reads for this command. */
    if ( cop->cmd == TMEM_NEW_POOL )
    {
        op->u.creat.uuid[0] = compat_u64(&cop->u.creat.uuid[0]);
        op->u.creat.uuid[1] = compat_u64(&cop->u.creat.uuid[2]);
        op->u.creat.flags = cop->u.creat.flags;
        op->u.creat.arg1 = cop->u.creat.arg1;
        return;
    }

    for ( i = 0; i < 3; i++ )
        op->u.gen.oid.oid[i] = compat_u64(&cop->u.gen.oid[2 * i]);
    op->u.gen.index = cop->u.gen.index;
    op->u.gen.tmem_offset = cop->u.gen.tmem_offset;
    op->u.gen.pfn_offset = cop->u.gen.pfn_offset;
    op->u.gen.len = cop->u.gen.len;
    /* A 32-bit frame number: zero-extended, never sign-extended. */
    op->u.gen.cmfn = cop->u.gen.cmfn;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
