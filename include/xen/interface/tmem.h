/* SPDX-License-Identifier: MIT */
/*
 * Transcendent Memory: the hypercall interface (tmem ABI version 1).
 *
 * A guest passes one struct tmem_op to hypercall 38. Page operations name
 * a pool (returned by TMEM_NEW_POOL), a 192-bit object id, a page index
 * and the guest frame to copy from or to: the machine frame for a PV
 * guest, the guest frame for an HVM one.
 */
#ifndef __XEN_PUBLIC_TMEM_H__
#define __XEN_PUBLIC_TMEM_H__

#include <linux/types.h>

#define TMEM_CONTROL			0
#define TMEM_NEW_POOL			1
#define TMEM_DESTROY_POOL		2
#define TMEM_NEW_PAGE			3	/* retired */
#define TMEM_PUT_PAGE			4
#define TMEM_GET_PAGE			5
#define TMEM_FLUSH_PAGE			6
#define TMEM_FLUSH_OBJECT		7
#define TMEM_READ			8	/* retired */
#define TMEM_WRITE			9	/* retired */
#define TMEM_XCHG			10	/* retired */
#define TMEM_AUTH			101	/* toolstack only */
#define TMEM_RESTORE_NEW		102	/* toolstack only */

#define TMEM_SPEC_VERSION		1

/* NEW_POOL flags */
#define TMEM_POOL_PERSIST		0x1
#define TMEM_POOL_SHARED		0x2
#define TMEM_POOL_PRECOMPRESSED		0x4
#define TMEM_POOL_PAGESIZE_SHIFT	4
#define TMEM_POOL_VERSION_SHIFT		24

/* What a Xen without tmem answers: "no such hypercall" (ENOSYS) */
#define TMEM_NO_HYPERCALL		38

/* Results with no errno of their own */
#define TMEM_EFROZEN			1000
#define TMEM_EEMPTY			1001

struct tmem_oid {
	u64 oid[3];
};

struct tmem_op {
	u32 cmd;
	s32 pool_id;
	union {
		struct {		/* TMEM_NEW_POOL */
			u64 uuid[2];
			u32 flags;
			u32 arg1;
		} creat;
		struct {		/* all other commands */
			struct tmem_oid oid;
			u32 index;
			u32 tmem_offset;	/* must be 0 */
			u32 pfn_offset;		/* must be 0 */
			u32 len;		/* must be 0 */
			u64 cmfn;		/* the caller's frame */
		} gen;
	} u;
};

#endif /* __XEN_PUBLIC_TMEM_H__ */
