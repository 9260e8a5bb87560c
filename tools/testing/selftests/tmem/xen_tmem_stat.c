// SPDX-License-Identifier: GPL-2.0
/*
 * xen_tmem_stat: print Xen's tmem counters from dom0.
 *
 *   xen_tmem_stat [NAME...]
 *
 * Reads /tmem/NAME from the hypervisor file system (hypercall hypfs_op,
 * through privcmd) and prints "NAME VALUE" per line; without NAMEs, every
 * counter tmem exports. Exits 2 when hypfs or tmem's directory is missing
 * (Xen without CONFIG_HYPFS or CONFIG_TMEM), 1 on any other error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/types.h>

#include "../kselftest.h"

/*
 * From the kernel's uapi/xen/privcmd.h, which needs headers the kernel
 * does not export.
 */
struct privcmd_hypercall {
	__u64 op;
	__u64 arg[5];
};

#define IOCTL_PRIVCMD_HYPERCALL \
	_IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))

/* From Xen's public/xen.h and public/hypfs.h. */
#define HYPERVISOR_hypfs_op	42
#define XEN_HYPFS_OP_read	1
#define XEN_HYPFS_TYPE_UINT	3

struct xen_hypfs_direntry {
	uint8_t type;
	uint8_t encoding;
	uint16_t pad;
	uint32_t content_len;
	uint32_t max_write_len;
};

static const char *const counters[] = {
	"ephemeral_pages", "persistent_pages", "pages_allocated",
	"pages_freed", "objects", "clients", "shared_pools", "puts",
	"puts_failed", "gets", "gets_hit", "gets_miss", "flush_page",
	"flush_object", "pools_created", "pools_destroyed", "evictions",
};

static int privcmd_open(void)
{
	int fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fd = open("/proc/xen/privcmd", O_RDWR | O_CLOEXEC);
	return fd;
}

/* Read one unsigned leaf; a negative Xen errno on failure. */
static long read_counter(int fd, const char *name, uint64_t *value)
{
	static union {
		struct xen_hypfs_direntry e;
		unsigned char bytes[256];
	} buf;
	static char path[128];
	struct privcmd_hypercall call = { .op = HYPERVISOR_hypfs_op };
	long rc;

	snprintf(path, sizeof(path), "/tmem/%s", name);
	memset(&buf, 0, sizeof(buf));
	call.arg[0] = XEN_HYPFS_OP_read;
	call.arg[1] = (uintptr_t)path;
	call.arg[2] = strlen(path) + 1;
	call.arg[3] = (uintptr_t)&buf;
	call.arg[4] = sizeof(buf);
	rc = ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &call);
	if (rc < 0)
		return -errno;
	if (buf.e.type != XEN_HYPFS_TYPE_UINT ||
	    buf.e.content_len > sizeof(*value))
		return -EINVAL;
	*value = 0;
	memcpy(value, buf.bytes + sizeof(buf.e), buf.e.content_len);
	return 0;
}

int main(int argc, char **argv)
{
	const char *const *names = counters;
	int n = ARRAY_SIZE(counters);
	int fd, i;

	if (argc > 1) {
		names = (const char *const *)argv + 1;
		n = argc - 1;
	}
	fd = privcmd_open();
	if (fd < 0) {
		perror("xen_tmem_stat: privcmd");
		return 2;
	}
	/* The hypervisor writes into these: keep them resident. */
	mlockall(MCL_CURRENT);
	for (i = 0; i < n; i++) {
		uint64_t value;
		long rc = read_counter(fd, names[i], &value);

		if (rc) {
			fprintf(stderr, "xen_tmem_stat: /tmem/%s: %s\n", names[i],
				strerror(-rc));
			/* Xen without hypfs has no such hypercall. */
			return rc == -ENOENT || rc == -ENOSYS ? 2 : 1;
		}
		printf("%s %llu\n", names[i], (unsigned long long)value);
	}
	close(fd);
	return 0;
}
