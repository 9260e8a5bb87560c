// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target over the tmem op dispatcher: the input is a sequence
 * of ops from two clients with every field under the fuzzer's control
 * (command, pool id, flags, uuid, oid, index, sub-page fields, frame),
 * interleaved with evictions and client deaths. ASan and UBSan catch
 * memory and arithmetic errors; at the end every page must be freed.
 */
#include <stdio.h>
#include <string.h>

#include "frames.h"

#define CLIENTS 2

struct fuzz_op {
    uint8_t action;
    uint8_t client;
    uint8_t cmd;
    int8_t pool_id;
    uint32_t flags;
    uint8_t oid;
    uint8_t index;
    uint8_t subpage;
    uint8_t frame;
    uint64_t wild;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct test_domain doms[CLIENTS];
    struct tmem_client *clients[CLIENTS];
    unsigned int c, f;

    frames_reset();
    /*
     * Long ops are preempted now and then, and never issued again: a
     * guest may leave a continuation for another op.
     */
    preempt_every = 3;
    for ( c = 0; c < CLIENTS; c++ )
    {
        doms[c].id = c;
        doms[c].max_persistent = 64;
        doms[c].charged = 0;
        for ( f = 0; f < 100; f++ )
            frames[c * 100 + f].owner = &doms[c];
        frames[c * 100 + 99].readonly = true;
        clients[c] = tmem_client_create(c, &doms[c]);
    }

    for ( ; size >= sizeof(struct fuzz_op);
          data += sizeof(struct fuzz_op), size -= sizeof(struct fuzz_op) )
    {
        struct fuzz_op in;
        struct tmem_op op;

        memcpy(&in, data, sizeof(in));
        c = in.client % CLIENTS;
        switch ( in.action % 16 )
        {
        case 0:
            tmem_evict_pages(in.index);
            continue;
        case 1:
            if ( in.index == 0 )
            {
                tmem_client_destroy(clients[c]);
                clients[c] = tmem_client_create(c, &doms[c]);
            }
            continue;
        case 2:
            /* Every byte of the op as the fuzzer says. */
            memcpy(&op, &in, sizeof(op) < sizeof(in) ? sizeof(op) : sizeof(in));
            break;
        default:
            memset(&op, 0, sizeof(op));
            op.cmd = in.cmd % 12;
            op.pool_id = in.pool_id;
            if ( op.cmd == TMEM_NEW_POOL )
            {
                op.u.creat.flags = in.flags;
                op.u.creat.uuid[0] = in.oid % 20;
            }
            else
            {
                op.u.gen.oid.oid[0] = in.oid % 8;
                op.u.gen.oid.oid[2] = in.wild & 1;
                op.u.gen.index = in.index;
                op.u.gen.len = in.subpage == 1;
                op.u.gen.cmfn = in.frame < 240 ? in.frame : in.wild;
            }
            break;
        }
        (void)tmem_do_op(clients[c], &op);
    }

    for ( c = 0; c < CLIENTS; c++ )
        tmem_client_destroy(clients[c]);
    for ( c = 0; c < CLIENTS; c++ )
        if ( doms[c].charged )
        {
            fprintf(stderr, "domain %u still charged %lu pages\n", c,
                    doms[c].charged);
            __builtin_trap();
        }
    if ( data_pages_live() || global_now().count.objects ||
         global_now().shared_pools )
    {
        fprintf(stderr, "leak: %lu pages, %lu objects, %lu shared pools\n",
                data_pages_live(), global_now().count.objects,
                global_now().shared_pools);
        __builtin_trap();
    }
    return 0;
}
