// SPDX-License-Identifier: GPL-2.0-only
/*
 * tmem under XSM FLASK, run in dom0 of a hypervisor booted with
 * "flask=enforcing tmem" (tests/tmem-xsm/run): dom0 may use tmem under
 * the default policy; once it loads the same policy without the tmem_op
 * grant, every tmem operation is refused with -EPERM, before anything
 * else is looked at (an object op on a pool that does not exist is
 * -EPERM, not -ENODEV); with the default policy loaded again it may use tmem
 * again. Hypercalls go through privcmd. The administrator's control
 * (xen-tmem, XEN_SYSCTL_tmem_op) needs dom0's tmem_control: the deny
 * policy lacks that grant too.
 *
 *   tmem_xsm DEFAULT_POLICY DENY_POLICY
 *
 * Prints one "ok"/"not ok" line per check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct privcmd_hypercall {
    uint64_t op;
    uint64_t arg[5];
};

#define IOCTL_PRIVCMD_HYPERCALL \
    _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))

#define HYPERVISOR_xsm_op       27
#define HYPERVISOR_tmem_op      38

/* public/xsm/flask_op.h, x86-64 layout. */
#define XEN_FLASK_INTERFACE_VERSION 1
#define FLASK_LOAD              1
#define FLASK_GETENFORCE        2

struct flask_op {
    uint32_t cmd;
    uint32_t interface_version;
    union {
        struct {
            uint64_t buffer;    /* XEN_GUEST_HANDLE(char) */
            uint32_t size;
        } load;
        uint8_t pad[64];        /* as large as Xen's union, and then some */
    } u;
};

/* The tmem ABI (version 1), x86-64 layout: 56 bytes. */
#define TMEM_NEW_POOL           1
#define TMEM_DESTROY_POOL       2
#define TMEM_FLUSH_OBJECT       7
#define TMEM_EPHEMERAL_PRIVATE  0x01000000U

struct tmem_op {
    uint32_t cmd;
    int32_t pool_id;
    union {
        struct {
            uint64_t uuid[2];
            uint32_t flags;
            uint32_t arg1;
        } creat;
        struct {
            uint64_t oid[3];
            uint32_t index, tmem_offset, pfn_offset, len;
            uint64_t cmfn;
        } gen;
    } u;
};

static int privcmd;
static unsigned int checks, failed;
/* Hypercall arguments: locked, so that Xen never meets a fault in them. */
static void *arg_page;

static void check(int ok, const char *what)
{
    checks++;
    if ( !ok )
        failed++;
    printf("%s %u - %s\n", ok ? "ok" : "not ok", checks, what);
    fflush(stdout);
}

/* The hypercall's result: >= 0, or -errno. */
static long hypercall(unsigned int op, void *arg)
{
    struct privcmd_hypercall call = { .op = op, .arg[0] = (uintptr_t)arg };
    long ret = ioctl(privcmd, IOCTL_PRIVCMD_HYPERCALL, &call);

    return ret < 0 ? -errno : ret;
}

static long tmem(uint32_t cmd, int32_t pool_id)
{
    struct tmem_op *op = arg_page;

    memset(op, 0, sizeof(*op));
    op->cmd = cmd;
    op->pool_id = pool_id;
    if ( cmd == TMEM_NEW_POOL )
        op->u.creat.flags = TMEM_EPHEMERAL_PRIVATE;
    else
        op->u.gen.oid[0] = 1;
    return hypercall(HYPERVISOR_tmem_op, op);
}

static long flask_getenforce(void)
{
    struct flask_op *op = arg_page;

    memset(op, 0, sizeof(*op));
    op->cmd = FLASK_GETENFORCE;
    op->interface_version = XEN_FLASK_INTERFACE_VERSION;
    return hypercall(HYPERVISOR_xsm_op, op);
}

static long flask_load(const char *path)
{
    struct flask_op *op = arg_page;
    struct stat st;
    void *buf;
    long ret;
    int fd = open(path, O_RDONLY);

    if ( fd < 0 || fstat(fd, &st) )
    {
        perror(path);
        return -errno;
    }
    buf = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE, -1, 0);
    if ( buf == MAP_FAILED || read(fd, buf, st.st_size) != st.st_size )
    {
        perror(path);
        close(fd);
        return -EIO;
    }
    close(fd);

    memset(op, 0, sizeof(*op));
    op->cmd = FLASK_LOAD;
    op->interface_version = XEN_FLASK_INTERFACE_VERSION;
    op->u.load.buffer = (uintptr_t)buf;
    op->u.load.size = st.st_size;
    ret = hypercall(HYPERVISOR_xsm_op, op);
    munmap(buf, st.st_size);
    return ret;
}

/*
 * dom0 makes a pool and destroys it: allowed. An object op on a pool that
 * does not exist is -ENODEV, which shows the -EPERM below is the policy's.
 */
static void tmem_allowed(const char *policy)
{
    char what[128];
    long pool = tmem(TMEM_FLUSH_OBJECT, 15);

    snprintf(what, sizeof(what),
             "%s: FLUSH_OBJECT on no pool gives -ENODEV (got %ld)",
             policy, pool);
    check(pool == -ENODEV, what);

    pool = tmem(TMEM_NEW_POOL, 0);
    snprintf(what, sizeof(what), "%s: NEW_POOL gives a pool (got %ld)",
             policy, pool);
    check(pool >= 0, what);
    if ( pool >= 0 )
    {
        long ret = tmem(TMEM_DESTROY_POOL, pool);

        snprintf(what, sizeof(what), "%s: DESTROY_POOL %ld gives 1 (got %ld)",
                 policy, pool, ret);
        check(ret == 1, what);
    }
}

/*
 * The administrator's control, XEN_SYSCTL_tmem_op, through dom0's
 * xen-tmem: its exit status (0 when Xen answered the list).
 */
static int xen_tmem_list(void)
{
    int rc = system("xen-tmem list > /tmp/xen-tmem.out 2>&1");

    if ( rc )
        system("sed 's/^/# xen-tmem: /' /tmp/xen-tmem.out");
    return rc;
}

int main(int argc, char **argv)
{
    char what[128];
    long ret;

    if ( argc != 3 )
    {
        fprintf(stderr, "usage: %s DEFAULT_POLICY DENY_POLICY\n", argv[0]);
        return 2;
    }
    privcmd = open("/dev/xen/privcmd", O_RDWR);
    if ( privcmd < 0 )
    {
        perror("/dev/xen/privcmd");
        return 2;
    }
    arg_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE,
                    -1, 0);
    if ( arg_page == MAP_FAILED )
    {
        perror("mmap");
        return 2;
    }

    ret = flask_getenforce();
    snprintf(what, sizeof(what), "FLASK is enforcing (getenforce %ld)", ret);
    check(ret == 1, what);

    tmem_allowed("default policy");
    check(xen_tmem_list() == 0,
          "default policy: dom0's xen-tmem list works (tmem_control)");

    ret = flask_load(argv[2]);
    snprintf(what, sizeof(what), "policy without tmem_op loaded (%ld)", ret);
    check(ret == 0, what);
    ret = tmem(TMEM_NEW_POOL, 0);
    snprintf(what, sizeof(what),
             "policy without tmem_op: NEW_POOL gives -EPERM (got %ld)", ret);
    check(ret == -EPERM, what);
    /* Denied before the pool id is looked at, which would be -ENODEV. */
    ret = tmem(TMEM_FLUSH_OBJECT, 15);
    snprintf(what, sizeof(what),
             "policy without tmem_op: FLUSH_OBJECT on no pool gives -EPERM "
             "(got %ld)", ret);
    check(ret == -EPERM, what);
    check(xen_tmem_list() != 0,
          "policy without tmem_control: dom0's xen-tmem list is refused");

    ret = flask_load(argv[1]);
    snprintf(what, sizeof(what), "default policy loaded again (%ld)", ret);
    check(ret == 0, what);
    tmem_allowed("default policy again");
    check(xen_tmem_list() == 0,
          "default policy again: dom0's xen-tmem list works");

    printf("tmem_xsm: %u of %u checks failed\n", failed, checks);
    return failed ? 1 : 0;
}
