// SPDX-License-Identifier: GPL-2.0
/*
 * What one allocation a guest asks for can make Xen's tmem give back.
 *
 * Xen takes ephemeral tmem pages back when its heap cannot satisfy an
 * allocation. A guest can ask for memory no eviction can provide: here
 * dom0 asks, through privcmd, for one page below 8 KiB of machine memory
 * (XENMEM_increase_reservation with XENMEMF_address_bits(13)). With tmem
 * filled first, that request must not empty tmem: at most a few pages may
 * be evicted for it. Skipped where tmem is not active.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#include "../kselftest.h"
#include "tmem_util.h"

#define CHUNK		(1024 * 1024)
#define FILL_MIB	128
/* Evictions tolerated for the request (Xen tries 4 times, 1 page each). */
#define MAX_EVICTED	64

struct privcmd_hypercall {
	uint64_t op;
	uint64_t arg[5];
};

#define IOCTL_PRIVCMD_HYPERCALL \
	_IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
#define HYPERVISOR_memory_op		12
#define XENMEM_increase_reservation	0
#define DOMID_SELF			0x7ff0U

/* struct xen_memory_reservation, x86-64 layout. */
struct reservation {
	uint64_t extent_start;	/* NULL: Xen reports no frame numbers */
	uint64_t nr_extents;
	uint32_t extent_order;
	uint32_t mem_flags;	/* low 8 bits: highest address bit */
	uint16_t domid;
};

/* Xen's count of ephemeral tmem pages, from its hypfs. */
static long long eph_pages(void)
{
	FILE *f = popen("./xen_tmem_stat ephemeral_pages", "r");
	char name[64];
	long long n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%63s %lld", name, &n) != 2)
		n = -1;
	pclose(f);
	return n;
}

/* Put FILL_MIB of clean pages of @path into tmem. */
static int fill_tmem(const char *path)
{
	char *buf = malloc(CHUNK);
	int fd, i, ret = -1;

	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0 || !buf)
		goto out;
	for (i = 0; i < FILL_MIB; i++) {
		fill((unsigned char *)buf, CHUNK, i);
		if (write(fd, buf, CHUNK) != CHUNK)
			goto out;
	}
	if (fsync(fd) || drop_all_caches())
		goto out;
	for (i = 0; i < FILL_MIB; i++)
		if (pread(fd, buf, CHUNK, (off_t)i * CHUNK) != CHUNK)
			goto out;
	ret = drop_all_caches();
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

int main(void)
{
	struct privcmd_hypercall call = { .op = HYPERVISOR_memory_op };
	struct reservation *res;
	const char *dir = getenv("TMEM_TEST_DIR");
	long long before, after;
	char path[256];
	struct timespec t0, t1;
	long ret;
	int fd;

	ksft_print_header();
	ksft_set_plan(1);
	if (!dir)
		ksft_exit_skip("TMEM_TEST_DIR is not set\n");
	fd = open("/dev/xen/privcmd", O_RDWR);
	if (fd < 0)
		ksft_exit_skip("no /dev/xen/privcmd: %s\n", strerror(errno));
	if (!tmem_backs_cleancache())
		ksft_exit_skip("tmem is not active\n");
	/* The file stays until the end: its deletion would empty tmem. */
	snprintf(path, sizeof(path), "%s/reclaim.dat", dir);
	if (fill_tmem(path))
		ksft_exit_fail_msg("filling tmem: %s\n", strerror(errno));
	before = eph_pages();
	if (before < FILL_MIB * 256 / 2) {
		unlink(path);
		ksft_exit_fail_msg("tmem holds only %lld pages after the fill\n",
				   before);
	}

	res = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	if (res == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	memset(res, 0, sizeof(*res));
	res->nr_extents = 1;
	res->mem_flags = 13;
	res->domid = DOMID_SELF;
	call.arg[0] = XENMEM_increase_reservation;
	call.arg[1] = (uintptr_t)res;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &call);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	after = eph_pages();
	ksft_print_msg("a page below 8 KiB: %ld extents (errno %d) in %.1f ms\n",
		       ret, ret < 0 ? errno : 0,
		       (t1.tv_sec - t0.tv_sec) * 1e3 +
		       (t1.tv_nsec - t0.tv_nsec) / 1e6);
	ksft_print_msg("tmem's ephemeral pages %lld -> %lld\n", before, after);
	ksft_test_result(after >= 0 && before - after <= MAX_EVICTED,
			 "an allocation no eviction can satisfy evicted %lld pages (at most %d)\n",
			 before - after, MAX_EVICTED);
	close(fd);
	unlink(path);
	ksft_finished();
}
