// SPDX-License-Identifier: GPL-2.0-only
/*
 * shared_join UUID: the domain it runs in (dom0, through privcmd) asks
 * Xen for the shared ephemeral pool UUID (tmem NEW_POOL), prints the
 * result, a pool id or -errno, and gives a pool it got back at once
 * (DESTROY_POOL). tests/tmem-admin checks with it that tmem_shared_auth
 * lets a domain into a shared pool only once "xen-tmem auth" allowed it.
 * The uuid's text maps to the op's two words as Linux's driver maps a
 * filesystem's uuid: its 16 bytes in order, the first 8 the low word.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

struct privcmd_hypercall {
	uint64_t op;
	uint64_t arg[5];
};

#define IOCTL_PRIVCMD_HYPERCALL \
	_IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
#define HYPERVISOR_tmem_op 38
#define TMEM_NEW_POOL 1
#define TMEM_DESTROY_POOL 2
#define TMEM_EPHEMERAL_SHARED 0x01000002U

struct tmem_op {
	uint32_t cmd;
	int32_t pool_id;
	struct {
		uint64_t uuid[2];
		uint32_t flags;
		uint32_t arg1;
	} creat;
	uint8_t pad[24];
};

static long tmem(int fd, struct tmem_op *op)
{
	struct privcmd_hypercall call = {
		.op = HYPERVISOR_tmem_op,
		.arg = { (uintptr_t)op },
	};
	long rc = ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &call);

	return rc < 0 ? -errno : rc;
}

int main(int argc, char **argv)
{
	unsigned char b[16];
	unsigned int i = 0, n;
	const char *p;
	struct tmem_op *op;
	long rc;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: shared_join UUID\n");
		return 2;
	}
	for (p = argv[1]; *p && i < 16; p += 2) {
		if (*p == '-')
			p++;
		if (sscanf(p, "%2x", &n) != 1)
			break;
		b[i++] = n;
	}
	if (i != 16) {
		fprintf(stderr, "shared_join: '%s' is not a uuid\n", argv[1]);
		return 2;
	}
	fd = open("/dev/xen/privcmd", O_RDWR);
	if (fd < 0) {
		perror("shared_join: /dev/xen/privcmd");
		return 1;
	}
	/* Locked, so that Xen never meets a fault in it. */
	op = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	if (op == MAP_FAILED) {
		perror("shared_join: mmap");
		return 1;
	}
	memset(op, 0, sizeof(*op));
	op->cmd = TMEM_NEW_POOL;
	op->creat.flags = TMEM_EPHEMERAL_SHARED;
	memcpy(&op->creat.uuid[0], &b[0], 8);
	memcpy(&op->creat.uuid[1], &b[8], 8);
	rc = tmem(fd, op);
	printf("%ld\n", rc);
	if (rc >= 0) {
		memset(op, 0, sizeof(*op));
		op->cmd = TMEM_DESTROY_POOL;
		op->pool_id = rc;
		tmem(fd, op);
	}
	return 0;
}
