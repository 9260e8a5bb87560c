// SPDX-License-Identifier: GPL-2.0-only
/*
 * The 32-bit guest's struct tmem_op, as compat_tmem_op() decodes it
 * (tmem_op_from_compat(), op.c). A 32-bit guest's op is 52 bytes, cmfn a
 * 32-bit field at offset 48; the native op is 56, cmfn 64 bits wide. Each
 * image here is written byte by byte at the offsets the ABI gives, into a
 * heap buffer of exactly 52 bytes, so that AddressSanitizer stops a
 * decoder that reads the native size (cmfn's high half would be 4 bytes
 * past the guest's op), and every field of the decoded op is checked.
 */
#include <stdio.h>
#include <string.h>

#include "store.h"

#define COMPAT_SIZE 52

static unsigned int failures;
static const char *current_test;

#define CHECK_EQ(a, b) do {                                               \
    unsigned long long a_ = (a), b_ = (b);                                \
    if ( a_ != b_ )                                                       \
    {                                                                     \
        printf("# %s:%d: %s: %s == %#llx, want %#llx\n", __FILE__,       \
               __LINE__, current_test, #a, a_, b_);                       \
        failures++;                                                       \
    }                                                                     \
} while ( 0 )

/* Little-endian stores at a byte offset, as an i386 guest makes them. */
static void put32(unsigned char *img, unsigned int off, uint32_t v)
{
    unsigned int i;

    for ( i = 0; i < 4; i++ )
        img[off + i] = v >> (8 * i);
}

static void put64(unsigned char *img, unsigned int off, uint64_t v)
{
    put32(img, off, v);
    put32(img, off + 4, v >> 32);
}

/*
 * A fresh image of exactly the compat size, every byte set so that a
 * field the decoder leaves out or takes from the wrong place shows.
 */
static unsigned char *new_image(void)
{
    unsigned char *img = malloc(COMPAT_SIZE);

    if ( !img )
        abort();
    memset(img, 0xa5, COMPAT_SIZE);
    return img;
}

static void decode(struct tmem_op *op, const unsigned char *img)
{
    /* Garbage in, so that a field the decoder does not write shows too. */
    memset(op, 0x5a, sizeof(*op));
    tmem_op_from_compat(op, (const struct tmem_op_compat *)img);
}

/* A page op: every gen field, cmfn with bit 31 set. */
static void test_gen(uint32_t cmd, uint32_t cmfn)
{
    static const uint64_t oid[3] = {
        0x8877665544332211ULL, 0x00ff00ff00ff00ffULL, 0xfedcba9876543210ULL,
    };
    unsigned char *img = new_image();
    struct tmem_op op;

    put32(img, 0, cmd);
    put32(img, 4, (uint32_t)-7);
    put64(img, 8, oid[0]);
    put64(img, 16, oid[1]);
    put64(img, 24, oid[2]);
    put32(img, 32, 0xdeadbeefU);
    put32(img, 36, 0x11111111U);
    put32(img, 40, 0x22222222U);
    put32(img, 44, 0x33333333U);
    put32(img, 48, cmfn);

    decode(&op, img);
    CHECK_EQ(op.cmd, cmd);
    CHECK_EQ(op.pool_id, -7);
    CHECK_EQ(op.u.gen.oid.oid[0], oid[0]);
    CHECK_EQ(op.u.gen.oid.oid[1], oid[1]);
    CHECK_EQ(op.u.gen.oid.oid[2], oid[2]);
    CHECK_EQ(op.u.gen.index, 0xdeadbeefU);
    CHECK_EQ(op.u.gen.tmem_offset, 0x11111111U);
    CHECK_EQ(op.u.gen.pfn_offset, 0x22222222U);
    CHECK_EQ(op.u.gen.len, 0x33333333U);
    /* Zero-extended: no sign, nothing from past the guest's op. */
    CHECK_EQ(op.u.gen.cmfn, (uint64_t)cmfn);
    free(img);
}

/* NEW_POOL: every creat field. */
static void test_creat(void)
{
    unsigned char *img = new_image();
    struct tmem_op op;

    put32(img, 0, TMEM_NEW_POOL);
    put32(img, 4, 0x7fffffff);
    put64(img, 8, 0x0123456789abcdefULL);
    put64(img, 16, 0xf0e1d2c3b4a59687ULL);
    put32(img, 24, 0x01000002U);
    put32(img, 28, 0xcafef00dU);
    /* Bytes 32-51 mean nothing to NEW_POOL: left at 0xa5. */

    decode(&op, img);
    CHECK_EQ(op.cmd, TMEM_NEW_POOL);
    CHECK_EQ(op.pool_id, 0x7fffffff);
    CHECK_EQ(op.u.creat.uuid[0], 0x0123456789abcdefULL);
    CHECK_EQ(op.u.creat.uuid[1], 0xf0e1d2c3b4a59687ULL);
    CHECK_EQ(op.u.creat.flags, 0x01000002U);
    CHECK_EQ(op.u.creat.arg1, 0xcafef00dU);
    free(img);
}

#define RUN(name, call) do {                                              \
    unsigned int before_ = failures;                                      \
    current_test = name;                                                  \
    call;                                                                 \
    printf("%s compat: %s\n", failures == before_ ? "ok" : "FAIL", name); \
} while ( 0 )

int main(void)
{
    RUN("PUT_PAGE, cmfn 0x80000001", test_gen(TMEM_PUT_PAGE, 0x80000001U));
    RUN("GET_PAGE, cmfn 0xffffffff", test_gen(TMEM_GET_PAGE, 0xffffffffU));
    RUN("FLUSH_OBJECT, cmfn 0", test_gen(TMEM_FLUSH_OBJECT, 0));
    RUN("NEW_POOL, uuid, flags and arg1", test_creat());
    printf("compat: %u check(s) failed\n", failures);
    return failures ? 1 : 0;
}
