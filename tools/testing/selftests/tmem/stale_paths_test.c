// SPDX-License-Identifier: GPL-2.0
/*
 * Ways in which a file's data can change behind the page cache, each of
 * which once let cleancache hand back the old data. For every case a small
 * file is written, read and dropped from the page cache (so that its pages
 * are in tmem when tmem is active), then changed in one particular way;
 * after the page cache is dropped again, every page read through the page
 * cache must equal the same page read with O_DIRECT, which bypasses both
 * the page cache and cleancache. A page that differs is printed as
 *
 *   <case>  page N: buffered 'x' disk 'y' -> STALE
 *
 * The cases hold with or without tmem; with tmem off they pass trivially,
 * which is what a kernel without cleancache does too. Runs on the ext4
 * filesystem at $TMEM_TEST_DIR.
 */
#define _GNU_SOURCE
#include <linux/fs.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "tmem_util.h"

#define PG		4096
#define NPAGES		4

/* ext4's "swap the extents of two files", as e4defrag uses it. */
struct ext4_move_extent {
	uint32_t reserved;
	uint32_t donor_fd;
	uint64_t orig_start;
	uint64_t donor_start;
	uint64_t len;
	uint64_t moved_len;
};

#define EXT4_IOC_MOVE_EXT	_IOWR('f', 15, struct ext4_move_extent)

static const char *dir;
static char *page, *disk;	/* aligned pages, for O_DIRECT */

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* Write @n pages, page i filled with the byte @first + i % 26; fsync. */
static int write_pages(const char *path, int n, char first)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600), i, ret = 0;

	if (fd < 0)
		return -1;
	for (i = 0; i < n && !ret; i++) {
		memset(page, first + i % 26, PG);
		if (pwrite(fd, page, PG, (off_t)i * PG) != PG)
			ret = -1;
	}
	if (!ret)
		ret = fsync(fd);
	close(fd);
	return ret;
}

/* Read the whole file through the page cache. */
static int read_all(const char *path)
{
	int fd = open(path, O_RDONLY), ret = 0;

	if (fd < 0)
		return -1;
	while ((ret = read(fd, page, PG)) > 0)
		;
	close(fd);
	return ret;
}

/*
 * Read it from the disk, then drop it: with tmem, its pages are now there
 * (only folios read from the disk are known to be mapped to it, and so put).
 */
static int read_and_drop(const char *path)
{
	return drop_all_caches() || read_all(path) || drop_all_caches() ? -1 : 0;
}

/*
 * Pages of @path whose buffered read differs from the disk: first as the
 * page cache has them now (a folio left there not uptodate is read again,
 * maybe from tmem), then with the page cache dropped, so that buffered
 * reads may come from tmem. -1 if the file cannot be read.
 */
static int stale_pages_now(const char *name, const char *path, bool drop)
{
	int bfd, dfd, stale = 0, i;
	struct stat st;

	if (drop && drop_all_caches())
		return -1;
	bfd = open(path, O_RDONLY);
	dfd = open(path, O_RDONLY | O_DIRECT);
	if (bfd < 0 || dfd < 0 || fstat(bfd, &st)) {
		stale = -1;
		goto out;
	}
	for (i = 0; i < st.st_size / PG; i++) {
		if (pread(dfd, disk, PG, (off_t)i * PG) != PG ||
		    pread(bfd, page, PG, (off_t)i * PG) != PG) {
			stale = -1;
			break;
		}
		if (memcmp(page, disk, PG) && stale++ < 4)
			ksft_print_msg("%-22s page %d: buffered '%c' disk '%c' -> STALE%s\n",
				       name, i, page[0], disk[0],
				       drop ? "" : " (before a drop)");
	}
out:
	if (bfd >= 0)
		close(bfd);
	if (dfd >= 0)
		close(dfd);
	return stale;
}

static int stale_pages(const char *name, const char *path)
{
	int now = stale_pages_now(name, path, false);
	int dropped = stale_pages_now(name, path, true);

	if (now < 0 || dropped < 0)
		return -1;
	return now > dropped ? now : dropped;
}

/*
 * An O_DIRECT write whose source is a shared mapping of the same file:
 * faulting the source caches pages that the write then changes.
 */
static int case_dio_mmap_source(const char *path)
{
	char *map;
	int fd;
	ssize_t n;

	if (write_pages(path, NPAGES, '0') || read_and_drop(path))
		return -1;
	fd = open(path, O_RDWR | O_DIRECT);
	if (fd < 0)
		return -1;
	map = mmap(NULL, NPAGES * PG, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		close(fd);
		return -1;
	}
	/* Pages 1 and 2 become pages 0 and 1. */
	n = pwrite(fd, map + PG, 2 * PG, 0);
	munmap(map, NPAGES * PG);
	close(fd);
	return n == 2 * PG ? 0 : -1;
}

/*
 * An O_DIRECT write whose user buffer faults on its last page: the first
 * pages reach the disk and the write fails (or comes back short).
 */
static int case_dio_fails_part_way(const char *path)
{
	char *buf;
	int fd;

	/* Cached from the disk, so that the invalidation before it puts. */
	if (write_pages(path, NPAGES, 'A') || read_and_drop(path) ||
	    read_all(path))
		return -1;
	buf = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return -1;
	memset(buf, 'B', 2 * PG);
	mprotect(buf + 2 * PG, PG, PROT_NONE);
	fd = open(path, O_WRONLY | O_DIRECT);
	if (fd >= 0) {
		/* Whatever it returns, some blocks may have changed. */
		if (pwrite(fd, buf, 3 * PG, 0) < 0 && errno != EFAULT)
			ksft_print_msg("dio write: %s\n", strerror(errno));
		close(fd);
	}
	munmap(buf, 3 * PG);
	return fd < 0 ? -1 : 0;
}

/*
 * A linked inode evicted while its pages are cached: FS_DAX_FL on a
 * filesystem without DAX marks it "don't cache", so closing it evicts it
 * with the folios written since their old copies went to tmem.
 */
static int case_dontcache_eviction(const char *path)
{
	int fd, flags, ret = -1;

	if (write_pages(path, 2, 'A') || read_and_drop(path))
		return -1;
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	memset(page, 'B', PG);
	if (pwrite(fd, page, PG, 0) != PG || pwrite(fd, page, PG, PG) != PG ||
	    fsync(fd))
		goto out;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags))
		goto out;
	flags |= FS_DAX_FL;
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags)) {
		ret = 1;	/* cannot mark it: skip */
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

/*
 * EXT4_IOC_MOVE_EXT: the original file's data moves into the donor's
 * blocks and the donor is left with the original's old blocks.
 */
static int case_move_extent(const char *path)
{
	char donor[256];
	struct ext4_move_extent me = { .len = NPAGES };
	int ofd, dfd, ret = -1;

	snprintf(donor, sizeof(donor), "%s.donor", path);
	if (write_pages(path, NPAGES, 'a') || write_pages(donor, NPAGES, 'A') ||
	    read_and_drop(path) || read_and_drop(donor))
		return -1;
	ofd = open(path, O_RDWR);
	dfd = open(donor, O_RDWR);
	if (ofd >= 0 && dfd >= 0) {
		me.donor_fd = dfd;
		ret = ioctl(ofd, EXT4_IOC_MOVE_EXT, &me) ? 1 : 0;
		if (ret)
			ksft_print_msg("move extent: %s\n", strerror(errno));
	}
	if (ofd >= 0)
		close(ofd);
	if (dfd >= 0)
		close(dfd);
	if (!ret) {
		int bad = stale_pages("move extent (donor)", donor);

		ret = bad ? (bad < 0 ? -1 : 2) : 0;
	}
	unlink(donor);
	return ret;
}

/*
 * FS_IOC_SETVERSION changes the generation, part of cleancache's key:
 * old copies must not come back when the old generation is set again.
 */
static int case_setversion(const char *path)
{
	long gen, other;
	int fd, ret = -1;

	if (write_pages(path, NPAGES, 'A') || read_and_drop(path))
		return -1;
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	if (ioctl(fd, FS_IOC_GETVERSION, &gen))
		goto out;
	other = gen + 1;
	if (ioctl(fd, FS_IOC_SETVERSION, &other)) {
		ret = 1;
		goto out;
	}
	memset(page, 'B', PG);
	for (ret = 0; ret < NPAGES; ret++)
		if (pwrite(fd, page, PG, (off_t)ret * PG) != PG)
			break;
	ret = ret == NPAGES && !fsync(fd) && !drop_all_caches() &&
	      !ioctl(fd, FS_IOC_SETVERSION, &gen) ? 0 : -1;
out:
	close(fd);
	return ret;
}

/* A swap header for a swap file of @n pages. */
static void swap_header(char *buf, int n)
{
	uint32_t *u = (uint32_t *)(buf + 1024);

	memset(buf, 0, PG);
	u[0] = 1;		/* version */
	u[1] = n - 1;		/* last page */
	memcpy(buf + PG - 10, "SWAPSPACE2", 10);
}

/*
 * A swap file: swap I/O goes around the page cache, so copies of the
 * file read before swapon must not survive what swap wrote.
 */
static int case_swapfile(const char *path)
{
	const int n = 256, anon = 128;
	char *mem;
	int fd, i, ret;

	if (write_pages(path, n, 'A') || read_and_drop(path))
		return -1;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	swap_header(page, n);
	ret = pwrite(fd, page, PG, 0) == PG && !fsync(fd) ? 0 : -1;
	close(fd);
	if (ret)
		return -1;
	/* The header is read through the page cache by swapon. */
	if (swapon(path, 0))
		return 1;
	mem = mmap(NULL, anon * PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem != MAP_FAILED) {
		for (i = 0; i < anon; i++)
			memset(mem + i * PG, 'S', PG);
		if (madvise(mem, anon * PG, MADV_PAGEOUT))
			ksft_print_msg("MADV_PAGEOUT: %s\n", strerror(errno));
		munmap(mem, anon * PG);
	}
	if (swapoff(path))
		return -1;
	return 0;
}

/*
 * A buffered reader racing O_DIRECT writers: once both are done, what the
 * page cache and tmem hold must be what the last write left on disk.
 */
static int case_dio_vs_buffered_reader(const char *path)
{
	pid_t reader;
	int fd, i, status;

	if (write_pages(path, NPAGES, 'a') || read_and_drop(path))
		return -1;
	reader = fork();
	if (reader < 0)
		return -1;
	if (!reader) {
		int rfd = open(path, O_RDONLY);

		for (;;) {
			if (pread(rfd, page, PG, 0) < 0)
				_exit(1);
			posix_fadvise(rfd, 0, 0, POSIX_FADV_DONTNEED);
		}
	}
	fd = open(path, O_WRONLY | O_DIRECT);
	for (i = 0; fd >= 0 && i < 2000; i++) {
		memset(page, 'a' + i % 26, PG);
		if (pwrite(fd, page, PG, 0) != PG)
			break;
	}
	kill(reader, SIGKILL);
	waitpid(reader, &status, 0);
	if (fd >= 0)
		close(fd);
	return i == 2000 ? 0 : -1;
}

static const struct {
	const char *name;
	int (*change)(const char *path);
} cases[] = {
	{ "dio, mmap source", case_dio_mmap_source },
	{ "dio, fails part way", case_dio_fails_part_way },
	{ "dio vs buffered reader", case_dio_vs_buffered_reader },
	{ "dontcache eviction", case_dontcache_eviction },
	{ "move extent", case_move_extent },
	{ "setversion", case_setversion },
	{ "swapfile", case_swapfile },
};

static void run_case(int c)
{
	const char *name = cases[c].name;
	char path[256];
	int ret, stale;

	path_of(path, sizeof(path), "stale.dat");
	unlink(path);
	ret = cases[c].change(path);
	if (ret == 1) {
		ksft_test_result_skip("%s: not supported here\n", name);
	} else if (ret < 0) {
		ksft_test_result_fail("%s: setting up: %s\n", name,
				      strerror(errno));
	} else {
		stale = ret == 2 ? 1 : stale_pages(name, path);
		if (stale < 0)
			ksft_test_result_fail("%s: cannot read back: %s\n",
					      name, strerror(errno));
		else
			ksft_test_result(!stale, "%s: %d stale pages\n", name,
					 stale);
	}
	unlink(path);
}

int main(void)
{
	struct stat st;
	size_t c;

	dir = getenv("TMEM_TEST_DIR");
	ksft_print_header();
	if (!dir || stat(dir, &st) || !S_ISDIR(st.st_mode))
		ksft_exit_skip("TMEM_TEST_DIR is not set to a directory\n");
	if (posix_memalign((void **)&page, PG, PG) ||
	    posix_memalign((void **)&disk, PG, PG))
		ksft_exit_fail_msg("out of memory\n");
	ksft_set_plan(ARRAY_SIZE(cases));
	for (c = 0; c < ARRAY_SIZE(cases); c++)
		run_case(c);
	ksft_finished();
}
