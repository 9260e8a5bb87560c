/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tmem hypercall ABI (version 1) as guests use it: the operation
 * structure (in a 64-bit and a 32-bit guest's layout), command numbers,
 * pool flags and the two tmem-specific error values. Xen's public tmem.h
 * hides these from interface versions >= 4.13, so the store keeps its own
 * copy, checked against the guest layouts.
 */
#ifndef TMEM_ABI_H
#define TMEM_ABI_H

#define TMEM_CONTROL               0
#define TMEM_NEW_POOL              1
#define TMEM_DESTROY_POOL          2
#define TMEM_NEW_PAGE              3   /* retired sub-page op */
#define TMEM_PUT_PAGE              4
#define TMEM_GET_PAGE              5
#define TMEM_FLUSH_PAGE            6
#define TMEM_FLUSH_OBJECT          7
#define TMEM_READ                  8   /* retired */
#define TMEM_WRITE                 9   /* retired */
#define TMEM_XCHG                 10   /* retired */
#define TMEM_AUTH                101   /* toolstack only */
#define TMEM_RESTORE_NEW         102   /* toolstack only */

#define TMEM_SPEC_VERSION          1

#define TMEM_POOL_PERSIST          (1U << 0)
#define TMEM_POOL_SHARED           (1U << 1)
#define TMEM_POOL_PRECOMPRESSED    (1U << 2)
#define TMEM_POOL_PAGESIZE_SHIFT   4
#define TMEM_POOL_PAGESIZE_MASK    (0xfU << TMEM_POOL_PAGESIZE_SHIFT)
#define TMEM_POOL_RESERVED_MASK    (0xffffU << 8)
#define TMEM_POOL_VERSION_SHIFT    24
#define TMEM_POOL_VERSION_MASK     (0xffU << TMEM_POOL_VERSION_SHIFT)

#define TMEM_MAX_POOLS_PER_CLIENT  16
#define TMEM_MAX_SHARED_POOLS      16

/* Errors with no errno of their own. */
#define TMEM_EFROZEN             1000
#define TMEM_EEMPTY              1001

struct tmem_oid {
    uint64_t oid[3];
};

struct tmem_op {
    uint32_t cmd;
    int32_t pool_id;
    union {
        struct {                    /* TMEM_NEW_POOL */
            uint64_t uuid[2];
            uint32_t flags;
            uint32_t arg1;
        } creat;
        struct {                    /* every other command */
            struct tmem_oid oid;
            uint32_t index;
            uint32_t tmem_offset;   /* sub-page ops only: must be 0 */
            uint32_t pfn_offset;    /* sub-page ops only: must be 0 */
            uint32_t len;           /* sub-page ops only: must be 0 */
            uint64_t cmfn;          /* the caller's frame */
        } gen;
    } u;
};

/* The layout every 64-bit guest was built against: 56 bytes, cmfn at 48. */
typedef char tmem_op_size_check[sizeof(struct tmem_op) == 56 ? 1 : -1];
typedef char tmem_op_cmfn_check[
    __builtin_offsetof(struct tmem_op, u.gen.cmfn) == 48 ? 1 : -1];

/*
 * The same operation as a 32-bit guest (PV or HVM) lays it out: there
 * uint64_t is 4-aligned and cmfn, a xen_pfn_t, 32 bits wide, so the op is
 * 52 bytes long and ends with cmfn at 48. Every other field is where a
 * 64-bit guest has it. The 64-bit fields are kept as pairs of halves, low
 * half first (x86), so that the layout is exact without packing and reads
 * the same in a 32- and a 64-bit build.
 */
struct tmem_op_compat {
    uint32_t cmd;
    int32_t pool_id;
    union {
        struct {                    /* TMEM_NEW_POOL */
            uint32_t uuid[4];       /* uint64_t uuid[2] */
            uint32_t flags;
            uint32_t arg1;
        } creat;
        struct {                    /* every other command */
            uint32_t oid[6];        /* struct tmem_oid */
            uint32_t index;
            uint32_t tmem_offset;
            uint32_t pfn_offset;
            uint32_t len;
            uint32_t cmfn;
        } gen;
    } u;
};

typedef char tmem_op_compat_size_check[
    sizeof(struct tmem_op_compat) == 52 ? 1 : -1];
typedef char tmem_op_compat_cmfn_check[
    __builtin_offsetof(struct tmem_op_compat, u.gen.cmfn) == 48 ? 1 : -1];

/* A 32-bit guest's op in the native layout, cmfn zero-extended (op.c). */
void tmem_op_from_compat(struct tmem_op *op,
                         const struct tmem_op_compat *cop);

#endif /* TMEM_ABI_H */
