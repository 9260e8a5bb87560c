// SPDX-License-Identifier: GPL-2.0-only
/*
 * swapcheck MIB [ROUNDS] [WAIT_FILE]: fill MIB MiB of anonymous memory
 * with a pattern that differs in every word of every page and from round
 * to round; then ROUNDS times (default 2) read every page back, count the
 * pages that differ from the last round's pattern, and write the next
 * round's. In a guest with less memory than MIB, most pages make the round
 * trip through swap (and frontswap) in between, and each round rewrites
 * the slots they had: a copy of an older round would be caught. With
 * WAIT_FILE, it waits after filling until that file exists (the guest may
 * be saved and restored meanwhile). Prints one line per round; exits 1 if
 * any page came back wrong.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define WORDS (PAGE / sizeof(uint64_t))

static uint64_t pattern(uint64_t page, uint64_t word, uint64_t round)
{
	return (page * 0x9E3779B97F4A7C15ULL) ^ (word * 0xBF58476D1CE4E5B9ULL) ^
	       (round << 56) ^ 0x5a5a5a5a5a5a5a5aULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long mib, pages, p, w, bad = 0, bad_round;
	int rounds, r;
	const char *wait_file;
	uint64_t *mem;
	double t;

	if (argc < 2) {
		fprintf(stderr, "usage: swapcheck MIB [ROUNDS] [WAIT_FILE]\n");
		return 2;
	}
	mib = strtoul(argv[1], NULL, 0);
	rounds = argc > 2 ? atoi(argv[2]) : 2;
	wait_file = argc > 3 ? argv[3] : NULL;
	pages = mib << 8;
	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("swapcheck: mmap");
		return 2;
	}
	/* Huge pages would go to the disk whole, past frontswap. */
	madvise(mem, pages * PAGE, MADV_NOHUGEPAGE);

	t = now();
	for (p = 0; p < pages; p++)
		for (w = 0; w < WORDS; w++)
			mem[p * WORDS + w] = pattern(p, w, 0);
	printf("swapcheck: filled %lu MiB in %.1f s\n", mib, now() - t);
	fflush(stdout);

	if (wait_file) {
		printf("swapcheck: waiting for %s\n", wait_file);
		fflush(stdout);
		while (access(wait_file, F_OK))
			sleep(1);
	}
	for (r = 1; r <= rounds; r++) {
		t = now();
		bad_round = 0;
		for (p = 0; p < pages; p++) {
			uint64_t *page = mem + p * WORDS;

			for (w = 0; w < WORDS; w++)
				if (page[w] != pattern(p, w, r - 1)) {
					bad_round++;
					break;
				}
			for (w = 0; w < WORDS; w++)
				page[w] = pattern(p, w, r);
		}
		printf("swapcheck: round %d: %lu of %lu pages wrong, %.1f s\n",
		       r, bad_round, pages, now() - t);
		fflush(stdout);
		bad += bad_round;
	}
	printf("swapcheck: %lu pages wrong\n", bad);
	return bad ? 1 : 0;
}
