/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the tmem selftests. */
#ifndef TMEM_UTIL_H
#define TMEM_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static inline int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = !!fgets(buf, len, f);
	fclose(f);
	if (!ok)
		return -EIO;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Sectors read so far from the block device holding @dir. */
static inline long long sectors_read(const char *dir)
{
	char path[128], buf[256];
	unsigned long long f[3];
	struct stat st;

	if (stat(dir, &st))
		return -1;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/stat",
		 major(st.st_dev), minor(st.st_dev));
	if (read_line(path, buf, sizeof(buf)))
		return -1;
	if (sscanf(buf, "%llu %llu %llu", &f[0], &f[1], &f[2]) != 3)
		return -1;
	return f[2];
}

static inline int drop_all_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	int ret;

	sync();
	if (fd < 0)
		return -1;
	ret = write(fd, "3", 1) == 1 ? 0 : -1;
	close(fd);
	return ret;
}

static inline void fill(unsigned char *buf, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		memcpy(buf + i, &seed, 8);
	}
}

/* A counter from debugfs or sysfs, or -1 when it is not there. */
static inline long long read_counter(const char *path)
{
	char buf[64];

	if (read_line(path, buf, sizeof(buf)))
		return -1;
	return atoll(buf);
}

/* The tmem driver's counters in dom0. */
#define TMEM_DEBUGFS	"/sys/kernel/debug/tmem/"

/* Is the tmem driver backing cleancache, with Xen answering? */
static inline bool tmem_backs_cleancache(void)
{
	char cmdline[1024];

	if (read_line("/proc/cmdline", cmdline, sizeof(cmdline)))
		return false;
	if (strstr(cmdline, "tmem.cleancache=0"))
		return false;
	return read_counter(TMEM_DEBUGFS "pools") > 0 &&
	       read_counter(TMEM_DEBUGFS "xen_tmem_absent") == 0;
}

#endif /* TMEM_UTIL_H */
