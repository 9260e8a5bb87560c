// SPDX-License-Identifier: GPL-2.0
/*
 * The ground the tmem tests stand on: this is a Xen dom0, the test disk is
 * an ext4 filesystem at $TMEM_TEST_DIR, and after the page cache is dropped
 * a file's pages come back from the disk (its read counter rises) with the
 * bytes that were written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../kselftest.h"
#include "tmem_util.h"

#define EXT4_SUPER_MAGIC	0xEF53
#define FILE_MIB		64
#define CHUNK			(1024 * 1024)

static void test_is_dom0(void)
{
	char type[32], caps[64];

	if (read_line("/sys/hypervisor/type", type, sizeof(type)) ||
	    strcmp(type, "xen")) {
		ksft_test_result_fail("running on Xen\n");
		return;
	}
	if (read_line("/proc/xen/capabilities", caps, sizeof(caps)) ||
	    !strstr(caps, "control_d")) {
		ksft_test_result_fail("running as dom0 (capabilities '%s')\n", caps);
		return;
	}
	ksft_test_result_pass("running as Xen dom0\n");
}

static void test_disk_is_ext4(const char *dir)
{
	struct statfs sfs;

	if (statfs(dir, &sfs) || sfs.f_type != EXT4_SUPER_MAGIC)
		ksft_test_result_fail("%s is ext4\n", dir);
	else
		ksft_test_result_pass("%s is ext4\n", dir);
}

static void test_reread_from_disk(const char *dir)
{
	unsigned char *want = malloc(CHUNK), *got = malloc(CHUNK);
	long long before, after;
	char path[256];
	int fd, i, bad = 0;

	snprintf(path, sizeof(path), "%s/env-test.dat", dir);
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0 || !want || !got) {
		ksft_test_result_fail("create %s: %s\n", path, strerror(errno));
		goto out;
	}
	for (i = 0; i < FILE_MIB; i++) {
		fill(want, CHUNK, i);
		if (write(fd, want, CHUNK) != CHUNK) {
			ksft_test_result_fail("write: %s\n", strerror(errno));
			goto out;
		}
	}
	if (fsync(fd) || drop_all_caches()) {
		ksft_test_result_fail("fsync and drop caches\n");
		goto out;
	}
	before = sectors_read(dir);
	for (i = 0; i < FILE_MIB; i++) {
		fill(want, CHUNK, i);
		if (pread(fd, got, CHUNK, (off_t)i * CHUNK) != CHUNK ||
		    memcmp(want, got, CHUNK))
			bad++;
	}
	after = sectors_read(dir);
	if (bad)
		ksft_test_result_fail("%d MiB of %d read back wrong\n", bad, FILE_MIB);
	else if (before < 0 || after - before < FILE_MIB * 2048LL)
		ksft_test_result_fail("re-read hit the disk: %lld sectors, want >= %d\n",
				      after - before, FILE_MIB * 2048);
	else
		ksft_test_result_pass("re-read %d MiB from disk (%lld sectors), data intact\n",
				      FILE_MIB, after - before);
out:
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	free(want);
	free(got);
}

int main(void)
{
	const char *dir = getenv("TMEM_TEST_DIR");

	ksft_print_header();
	ksft_set_plan(3);
	if (!dir)
		dir = "/mnt/test";
	test_is_dom0();
	test_disk_is_ext4(dir);
	test_reread_from_disk(dir);
	ksft_finished();
}
