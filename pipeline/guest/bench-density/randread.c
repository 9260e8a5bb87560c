// SPDX-License-Identifier: GPL-2.0-only
/*
 * randread: W6's random reader (pipeline/bench-density.sh), a static
 * program for a guest whose busybox has no fio.
 *
 *   randread gen FILE MIB          write FILE: MIB MiB of 128 KiB blocks,
 *                                  each filled from its own number
 *   randread read FILE NREADS SEED read NREADS blocks of FILE at offsets
 *                                  from a fixed pseudo-random sequence,
 *                                  skewed towards the start of the file
 *                                  (block = n * u^2, u uniform in [0,1):
 *                                  half the reads fall in its first
 *                                  quarter), and check every byte of each
 *
 * Every block is generated from its number alone, so a page from the
 * wrong place or the wrong file fails the check: "randread: N bad
 * blocks" and exit status 1.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK (128 << 10)

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static void fill(uint64_t *buf, uint64_t blk)
{
	uint64_t s = mix(blk + 1);

	for (size_t i = 0; i < BLOCK / 8; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		buf[i] = s ^ (blk << 40);
	}
}

int main(int argc, char **argv)
{
	static uint64_t buf[BLOCK / 8], want[BLOCK / 8];
	int fd;

	if (argc == 4 && !strcmp(argv[1], "gen")) {
		uint64_t n = strtoull(argv[3], NULL, 10) * (1 << 20) / BLOCK;

		fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			perror(argv[2]);
			return 2;
		}
		for (uint64_t b = 0; b < n; b++) {
			fill(buf, b);
			if (write(fd, buf, BLOCK) != BLOCK) {
				perror("write");
				return 2;
			}
		}
		return close(fd) ? 2 : 0;
	}
	if (argc == 5 && !strcmp(argv[1], "read")) {
		uint64_t nreads = strtoull(argv[3], NULL, 10);
		uint64_t seed = strtoull(argv[4], NULL, 10), bad = 0, n;
		off_t size;

		fd = open(argv[2], O_RDONLY);
		if (fd < 0) {
			perror(argv[2]);
			return 2;
		}
		size = lseek(fd, 0, SEEK_END);
		n = size / BLOCK;
		if (!n) {
			fprintf(stderr, "randread: %s is empty\n", argv[2]);
			return 2;
		}
		for (uint64_t i = 0; i < nreads; i++) {
			double u = (mix(seed * 1000003 + i) >> 11) * 0x1.0p-53;
			uint64_t b = (uint64_t)(n * u * u);

			if (b >= n)
				b = n - 1;
			if (pread(fd, buf, BLOCK, (off_t)b * BLOCK) != BLOCK) {
				perror("pread");
				return 2;
			}
			fill(want, b);
			if (memcmp(buf, want, BLOCK))
				bad++;
		}
		printf("randread: %llu reads of %llu blocks, %llu bad blocks\n",
		       (unsigned long long)nreads, (unsigned long long)n,
		       (unsigned long long)bad);
		return bad ? 1 : 0;
	}
	fprintf(stderr, "usage: randread gen FILE MIB | read FILE NREADS SEED\n");
	return 2;
}
