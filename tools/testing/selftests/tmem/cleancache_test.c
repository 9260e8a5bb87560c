// SPDX-License-Identifier: GPL-2.0
/*
 * Cleancache backed by Xen tmem, on ext4 at $TMEM_TEST_DIR (the whole
 * block device, mounted there, so that it can be remounted):
 *
 * - a file larger than free memory, read twice with the page cache
 *   dropped in between, reads back intact; with tmem active the second
 *   pass hits tmem and reads far fewer sectors;
 * - after an overwrite, truncate and extend, hole punch, O_DIRECT write,
 *   unlink and re-create, and umount and mount, a read never returns the
 *   old bytes, though they were in tmem;
 * - with tmem off (Linux booted with tmem.cleancache=0 or without "tmem",
 *   or Xen without tmem) no tmem op is issued and all of this still holds.
 */
#define _GNU_SOURCE
#include <sys/mount.h>
#include <stdbool.h>
#include <sys/sysinfo.h>

#include "../kselftest.h"
#include "tmem_util.h"

#define CHUNK		(1024 * 1024)

static const char *dir;
static char dev[64];
static bool tmem_active;

static long long tmem_ops(void)
{
	static const char * const names[] = {
		"puts", "gets", "flush_page", "flush_inode", "pools",
	};
	long long n, sum = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		char path[128];

		snprintf(path, sizeof(path), TMEM_DEBUGFS "%s", names[i]);
		n = read_counter(path);
		if (n > 0)
			sum += n;
	}
	return sum;
}

/* Write @mib MiB of pattern @seed, over the old contents unless @trunc. */
static int write_file(const char *path, size_t mib, uint64_t seed, bool trunc)
{
	unsigned char *buf = malloc(CHUNK);
	int fd = open(path, O_CREAT | O_WRONLY | (trunc ? O_TRUNC : 0), 0644);
	size_t i;
	int ret = -1;

	if (fd < 0 || !buf)
		goto out;
	for (i = 0; i < mib; i++) {
		fill(buf, CHUNK, seed + i);
		if (write(fd, buf, CHUNK) != CHUNK)
			goto out;
	}
	ret = fsync(fd);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* MiB of the file that do not hold their pattern (-1: cannot read). */
static int check_file(const char *path, size_t mib, uint64_t seed)
{
	unsigned char *want = malloc(CHUNK), *got = malloc(CHUNK);
	int fd = open(path, O_RDONLY);
	int bad = 0;
	size_t i;

	if (fd < 0 || !want || !got) {
		bad = -1;
		goto out;
	}
	for (i = 0; i < mib; i++) {
		fill(want, CHUNK, seed + i);
		if (pread(fd, got, CHUNK, (off_t)i * CHUNK) != CHUNK ||
		    memcmp(want, got, CHUNK))
			bad++;
	}
out:
	if (fd >= 0)
		close(fd);
	free(want);
	free(got);
	return bad;
}

/* Read a file once from disk, then drop it: its pages go to tmem. */
static int read_then_drop(const char *path, size_t mib, uint64_t seed)
{
	if (drop_all_caches() || check_file(path, mib, seed))
		return -1;
	return drop_all_caches();
}

static void test_larger_than_memory(void)
{
	struct sysinfo si;
	long long s0, s1, s2, hits0, hits;
	size_t mib;
	char path[256];
	int bad1, bad2;

	sysinfo(&si);
	/* A quarter more than all of the guest's memory. */
	mib = (size_t)si.totalram * si.mem_unit / CHUNK * 5 / 4;
	snprintf(path, sizeof(path), "%s/big.dat", dir);
	if (write_file(path, mib, 1, true) || drop_all_caches()) {
		ksft_test_result_fail("write %zu MiB: %s\n", mib, strerror(errno));
		return;
	}
	s0 = sectors_read(dir);
	bad1 = check_file(path, mib, 1);
	drop_all_caches();
	s1 = sectors_read(dir);
	hits0 = read_counter(TMEM_DEBUGFS "hits");
	bad2 = check_file(path, mib, 1);
	s2 = sectors_read(dir);
	hits = read_counter(TMEM_DEBUGFS "hits") - hits0;
	unlink(path);

	ksft_print_msg("%zu MiB: pass 1 read %lld sectors, pass 2 %lld; %lld tmem hits\n",
		       mib, s1 - s0, s2 - s1, tmem_active ? hits : 0);
	if (bad1 || bad2)
		ksft_test_result_fail("%d and %d MiB read back wrong\n", bad1, bad2);
	else if (tmem_active && (hits <= 0 || (s2 - s1) * 2 > s1 - s0))
		ksft_test_result_fail("tmem on, pass 2 read %lld sectors of %lld, %lld hits\n",
				      s2 - s1, s1 - s0, hits);
	else if (!tmem_active && s2 - s1 < (long long)mib * 2048 / 2)
		ksft_test_result_fail("without tmem, pass 2 read only %lld sectors\n",
				      s2 - s1);
	else
		ksft_test_result_pass("file of %zu MiB (more than memory) read twice, intact%s\n",
				      mib, tmem_active ? ", pass 2 from tmem" : "");
}

/*
 * Each coherence case: a 4 MiB file with pattern 1 read and dropped (so
 * that its pages are in tmem), then changed behind tmem's back; after the
 * page cache is dropped again, what is read must be the new contents.
 */
enum change { OVERWRITE, TRUNCATE_EXTEND, PUNCH_HOLE, DIRECT_WRITE, RECREATE,
	      REMOUNT };

static const char * const change_name[] = {
	"overwrite", "truncate then extend", "hole punch", "O_DIRECT write",
	"unlink and re-create", "umount and mount",
};

static int apply_change(enum change c, const char *path, ino_t *ino)
{
	unsigned char *buf;
	struct stat st;
	int fd, ret = -1;

	switch (c) {
	case OVERWRITE:
		return write_file(path, 4, 100, false);
	case TRUNCATE_EXTEND:
		if (truncate(path, 0) || truncate(path, 4 * CHUNK))
			return -1;
		return 0;
	case PUNCH_HOLE:
		fd = open(path, O_RDWR);
		if (fd < 0)
			return -1;
		ret = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				CHUNK, 2 * CHUNK);
		close(fd);
		return ret;
	case DIRECT_WRITE:
		if (posix_memalign((void **)&buf, 4096, CHUNK))
			return -1;
		fill(buf, CHUNK, 100 + 2);
		fd = open(path, O_WRONLY | O_DIRECT);
		if (fd >= 0) {
			ret = pwrite(fd, buf, CHUNK, 2 * CHUNK) == CHUNK ? 0 : -1;
			close(fd);
		}
		free(buf);
		return ret;
	case RECREATE:
		if (stat(path, &st) || unlink(path))
			return -1;
		*ino = st.st_ino;
		ret = write_file(path, 4, 100, true);
		if (!ret && !stat(path, &st) && st.st_ino != *ino)
			*ino = 0;	/* the number was not reused this time */
		return ret;
	case REMOUNT:
		if (umount(dir) || mount(dev, dir, "ext4", 0, NULL))
			return -1;
		return 0;
	}
	return -1;
}

/* MiB of the 4 that do not hold what they should after the change. */
static int check_after(enum change c, const char *path)
{
	unsigned char *got = malloc(CHUNK), *want = malloc(CHUNK);
	int fd = open(path, O_RDONLY), bad = 0, i;

	if (fd < 0 || !got || !want) {
		bad = -1;
		goto out;
	}
	for (i = 0; i < 4; i++) {
		if (c == TRUNCATE_EXTEND || (c == PUNCH_HOLE && (i == 1 || i == 2)))
			memset(want, 0, CHUNK);
		else if (c == OVERWRITE || c == RECREATE ||
			 (c == DIRECT_WRITE && i == 2))
			fill(want, CHUNK, 100 + i);
		else
			fill(want, CHUNK, 1 + i);
		if (pread(fd, got, CHUNK, (off_t)i * CHUNK) != CHUNK ||
		    memcmp(want, got, CHUNK))
			bad++;
	}
out:
	if (fd >= 0)
		close(fd);
	free(got);
	free(want);
	return bad;
}

static void test_coherence(enum change c)
{
	long long puts0 = read_counter(TMEM_DEBUGFS "puts"), puts;
	char path[256];
	ino_t ino = 0;
	int bad;

	snprintf(path, sizeof(path), "%s/coherence.dat", dir);
	if (write_file(path, 4, 1, true) || read_then_drop(path, 4, 1)) {
		ksft_test_result_fail("%s: setting up: %s\n", change_name[c],
				      strerror(errno));
		return;
	}
	puts = read_counter(TMEM_DEBUGFS "puts") - puts0;
	if (apply_change(c, path, &ino) || drop_all_caches()) {
		ksft_test_result_fail("%s: %s\n", change_name[c], strerror(errno));
		unlink(path);
		return;
	}
	bad = check_after(c, path);
	unlink(path);
	if (bad)
		ksft_test_result_fail("%s: %d MiB of 4 read back stale or wrong\n",
				      change_name[c], bad);
	else if (tmem_active && puts < 1024)
		ksft_test_result_fail("%s: only %lld pages went to tmem first\n",
				      change_name[c], puts);
	else
		ksft_test_result_pass("%s: new contents read back%s%s\n",
				      change_name[c],
				      tmem_active ? ", old ones were in tmem" : "",
				      c == RECREATE && ino ? ", inode number reused" : "");
}

static void test_off_means_no_ops(long long ops_at_start)
{
	long long ops = tmem_ops();

	if (tmem_active)
		ksft_test_result_skip("tmem is active\n");
	else if (ops != ops_at_start)
		ksft_test_result_fail("tmem off, yet %lld tmem ops were issued\n",
				      ops - ops_at_start);
	else
		ksft_test_result_pass("tmem off: no tmem op issued\n");
}

static int find_device(void)
{
	char line[512], mnt[256], fs[64];
	FILE *f = fopen("/proc/mounts", "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%63s %255s %63s", dev, mnt, fs) == 3 &&
			!strcmp(mnt, dir) && !strcmp(fs, "ext4");
	fclose(f);
	return found;
}

int main(void)
{
	long long ops_at_start;
	int c;

	dir = getenv("TMEM_TEST_DIR");
	ksft_print_header();
	if (!dir || !find_device())
		ksft_exit_skip("TMEM_TEST_DIR is not an ext4 mount point\n");
	tmem_active = tmem_backs_cleancache();
	ops_at_start = tmem_ops();
	ksft_print_msg("tmem %s\n", tmem_active ? "active" : "not active");
	ksft_set_plan(8);
	test_larger_than_memory();
	for (c = OVERWRITE; c <= REMOUNT; c++)
		test_coherence(c);
	test_off_means_no_ops(ops_at_start);
	ksft_finished();
}
