// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized page-cache coherence stress: cleancache (tmem) must never
 * hand back a page that is not what the file holds.
 *
 * Several processes work on several files on the filesystem at
 * $TMEM_TEST_DIR (or -d DIR). Each round every file is owned by exactly
 * one process, which applies random ops to it and to an in-memory model of
 * its bytes, and checks every read against the model:
 *
 *   buffered reads and writes (some writes from a buffer that faults part
 *   way), MAP_SHARED reads and writes, O_DIRECT reads and writes (some
 *   from a MAP_SHARED mapping of the same file, some from a buffer one of
 *   whose pages, often the last, is PROT_NONE or unmapped, so that the
 *   write fails with EFAULT or is short), fallocate (allocate,
 *   PUNCH_HOLE, ZERO_RANGE, COLLAPSE_RANGE, INSERT_RANGE), ftruncate down
 *   and up, copy_file_range, EXT4_IOC_MOVE_EXT, posix_fadvise (DONTNEED,
 *   WILLNEED), fsync and friends, /proc/sys/vm/drop_caches, anonymous
 *   memory pressure, and long sequential reads.
 *
 * The files add up to more than the machine's memory, and pages are made
 * to leave the page cache often, so that later reads come back through
 * cleancache. After an O_DIRECT write that failed part way, what O_DIRECT
 * reads back (which bypasses every cache) becomes the model's content, and
 * buffered reads must then agree with it. The donor range of MOVE_EXT is
 * undefined afterwards, so it is rewritten or punched at once.
 *
 * A racing process meanwhile has buffered readers race O_DIRECT writers on
 * one page of a file of its own; once both are done and the page has been
 * dropped, a buffered read must return what O_DIRECT reads (the last
 * write). Between rounds the filesystem is unmounted and mounted again
 * (when it is a whole block device mounted at the directory, and we are
 * root), which also forgets its cleancache pool. At the end every file is
 * read back whole, with the caches dropped first.
 *
 * The output is TAP: a line per round, then a closing line with the count
 * of each op and their total, then four results: the random ops, the
 * races, the final read, and whether tmem took part (puts and hits; skipped
 * when tmem is not active). A mismatch prints the seed, the file, the
 * offset, the expected and read bytes, what an O_DIRECT read of the same
 * page returns, which earlier op wrote the bytes read, and the last ops on
 * that file (its op history ring), then the run stops.
 *
 * Usage: coherence_stress [options]       (--help: the same list)
 *   -s SEED   random seed (default: from the clock); printed at the start
 *   -t SECS   how long the random ops run (default 60)
 *   -p PROCS  processes doing random ops (default 3), plus the racer
 *   -f FILES  files per process (default 3)
 *   -m MIB    total initial size of the files (default: 5/4 of the
 *             memory, at most a third of the free space)
 *   -r SECS   length of a round (default 10)
 *   -o OPS    end each round after OPS ops per process instead of after
 *             -r seconds: with the same seed, the same ops run again
 *   -x OPS    leave out these ops (comma-separated names, as printed)
 *   -d DIR    directory to work in (default $TMEM_TEST_DIR)
 *   -R        no racing process
 *   -M        no umount and mount between rounds
 *   -v        print every op
 *   -h        this help
 *
 * The ops on each file follow from the seed alone; with -r, timing decides
 * how many of them run in a round, with -o it does not.
 *
 * Exit status: 0 when every read matched, 1 on a mismatch or an op that
 * failed unexpectedly, 4 (KSFT_SKIP) when it cannot run.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <time.h>
#include <linux/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include "../kselftest.h"
#include "tmem_util.h"

#ifndef EXT4_IOC_MOVE_EXT
struct move_extent {
	__u32 reserved;
	__u32 donor_fd;
	__u64 orig_start;
	__u64 donor_start;
	__u64 len;
	__u64 moved_len;
};

#define EXT4_IOC_MOVE_EXT	_IOWR('f', 15, struct move_extent)
#endif

#define MAX_PROCS	16
#define MAX_FPP		8
#define MAX_FILES	(MAX_PROCS * MAX_FPP)
#define MAX_SEGS	4096
#define HIST		64
#define HIST_SHOWN	24
#define MAX_IO		(1024 * 1024)
#define NEAR		(256 * 1024)
#define SECTOR		512
#define LIT_POOL	(16 * 1024 * 1024)
#define LIT_SEED	1
#define RACE_PAGES	64
#define NSEC		1000000000ULL
#define DROP_EVERY	(2 * NSEC)
#define HANG_SECS	300

enum op {
	OP_READ, OP_WRITE, OP_WRITE_FAULT, OP_MMAP_READ, OP_MMAP_WRITE,
	OP_DIO_READ, OP_DIO_WRITE, OP_DIO_WRITE_MMAP, OP_DIO_WRITE_FAULT,
	OP_ALLOC, OP_PUNCH, OP_ZERO, OP_COLLAPSE, OP_INSERT, OP_TRUNCATE,
	OP_COPY, OP_MOVE_EXT, OP_FADVISE, OP_DROP_CACHES, OP_SYNC, OP_SCAN,
	OP_PRESSURE, OP_REWRITE, OP_RACE, NR_OPS
};

static const char * const op_name[NR_OPS] = {
	"read", "write", "write_fault", "mmap_read", "mmap_write",
	"dio_read", "dio_write", "dio_write_mmap", "dio_write_fault",
	"alloc", "punch", "zero", "collapse", "insert", "truncate",
	"copy", "move_ext", "fadvise", "drop_caches", "sync", "scan",
	"pressure", "rewrite", "race",
};

/* How often each op is drawn; the last three are not drawn. */
static const unsigned int op_weight[NR_OPS] = {
	[OP_READ] = 14, [OP_WRITE] = 10, [OP_WRITE_FAULT] = 2,
	[OP_MMAP_READ] = 8, [OP_MMAP_WRITE] = 6, [OP_DIO_READ] = 8,
	[OP_DIO_WRITE] = 8, [OP_DIO_WRITE_MMAP] = 5,
	[OP_DIO_WRITE_FAULT] = 5, [OP_ALLOC] = 1, [OP_PUNCH] = 3,
	[OP_ZERO] = 3, [OP_COLLAPSE] = 2, [OP_INSERT] = 2, [OP_TRUNCATE] = 3,
	[OP_COPY] = 3, [OP_MOVE_EXT] = 2, [OP_FADVISE] = 8,
	[OP_DROP_CACHES] = 1, [OP_SYNC] = 2, [OP_SCAN] = 1, [OP_PRESSURE] = 1,
};

/*
 * A file's bytes from @start up to the next segment (or the end of the
 * file): zeros when @seed is 0, the literal pool at x + @delta when it is
 * LIT_SEED, else byte x + @delta of the stream of @seed (see gen()).
 */
struct seg {
	uint64_t start;
	uint64_t seed;
	uint64_t delta;
};

/* One op on a file, as the op history ring keeps it. */
struct hist {
	uint64_t seq;
	uint64_t off, len, off2;
	uint64_t seed;
	int64_t ret;
	uint32_t round;
	uint16_t proc, op;
	int16_t file1, file2;
	uint16_t err;
	uint32_t flags;
	uint32_t sect_new, sect_old, sect_lit;	/* settle()'s verdicts */
};

/* A file and its model, in memory shared by every process. */
struct file {
	char name[16];
	uint64_t size, max_size;
	uint64_t hot;			/* where the last op was: locality */
	uint64_t initial_seed;
	uint64_t nhist;
	uint32_t nseg;
	struct hist hist[HIST];
	struct seg seg[MAX_SEGS];
};

struct shared {
	uint64_t ops[MAX_PROCS + 2][NR_OPS];
	uint64_t lit_used;
	uint64_t last_drop;
	uint64_t move_ext_errors;
	uint64_t race_late_drops;
	uint64_t settled, sect_new, sect_old, sect_lit;
	int disabled[NR_OPS];
};

static struct {
	uint64_t seed, mib, ops_per_round;
	unsigned int seconds, procs, fpp, round_secs;
	const char *dir, *exclude;
	bool no_race, no_remount, verbose;
} opt = { .seconds = 60, .procs = 3, .fpp = 3, .round_secs = 10 };

static size_t page, bsize;
static char dev[256], fstype[64];
static bool can_remount, can_drop, dio_ok;
static uint64_t ram;
static struct shared *sh;
static unsigned char *lit;
static struct file *files;
static unsigned int nfiles;

/* The state of the process running: a worker, the racer or the checker. */
static struct {
	unsigned int id, round;
	const char *role;
	uint64_t rng, end, nops;
	unsigned int n;
	struct file *f[MAX_FILES];
	int fd[MAX_FILES], dfd[MAX_FILES];
	unsigned char *buf, *exp, *dbuf;
	struct hist *cur[8];
	const char *cur_file[8];
	unsigned int ncur;
} w;

static struct seg tmp_seg[MAX_SEGS];

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
	w.rng += 0x9e3779b97f4a7c15ULL;
	return mix64(w.rng);
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool one_in(unsigned int n)
{
	return rnd_below(n) == 0;
}

/* A seed for new data: never 0 (zeros) nor LIT_SEED. */
static uint64_t new_seed(void)
{
	return rnd() | 2;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t align_down(uint64_t x, uint64_t a)
{
	return x / a * a;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + ts.tv_nsec;
}

/* Bytes @pos.. of the stream of @seed: 8 bytes per hash of their word. */
static void gen(unsigned char *buf, size_t len, uint64_t seed, uint64_t pos)
{
	uint64_t h = mix64(seed + (pos >> 3) * 0x9e3779b97f4a7c15ULL);
	size_t i;

	for (i = 0; i < len; i++, pos++) {
		if (i && !(pos & 7))
			h = mix64(seed + (pos >> 3) * 0x9e3779b97f4a7c15ULL);
		buf[i] = h >> ((pos & 7) * 8);
	}
}

/* ---- the model: a file's bytes as a sorted array of segments ---- */

static uint64_t seg_end(const struct file *f, uint32_t i)
{
	return i + 1 < f->nseg ? f->seg[i + 1].start : f->size;
}

/* The segment holding byte @x (< size). */
static uint32_t seg_find(const struct file *f, uint64_t x)
{
	uint32_t lo = 0, hi = f->nseg;

	while (hi - lo > 1) {
		uint32_t mid = (lo + hi) / 2;

		if (f->seg[mid].start <= x)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static void seg_fill(const struct seg *s, uint64_t x, size_t len,
		     unsigned char *out)
{
	if (!s->seed)
		memset(out, 0, len);
	else if (s->seed == LIT_SEED)
		memcpy(out, lit + x + s->delta, len);
	else
		gen(out, len, s->seed, x + s->delta);
}

/* The model's bytes [off, off + len), all within the file. */
static void model_read(const struct file *f, uint64_t off, size_t len,
		       unsigned char *out)
{
	uint32_t i;

	if (!len)
		return;
	for (i = seg_find(f, off); len; i++) {
		size_t n = min_u64(len, seg_end(f, i) - off);

		seg_fill(&f->seg[i], off, n, out);
		out += n;
		off += n;
		len -= n;
	}
}

static __noreturn void model_full(const struct file *f)
{
	fprintf(stderr, "# %s: model of %s has no room left\n", w.role,
		f->name);
	_exit(2);
}

/* Make a segment start at @x; returns its index (nseg if x >= size). */
static uint32_t seg_split(struct file *f, uint64_t x)
{
	uint32_t i;

	if (x >= f->size)
		return f->nseg;
	i = seg_find(f, x);
	if (f->seg[i].start == x)
		return i;
	if (f->nseg >= MAX_SEGS)
		model_full(f);
	memmove(&f->seg[i + 2], &f->seg[i + 1],
		(f->nseg - i - 1) * sizeof(f->seg[0]));
	f->seg[i + 1] = f->seg[i];
	f->seg[i + 1].start = x;
	f->nseg++;
	return i + 1;
}

static bool seg_same(const struct seg *a, const struct seg *b)
{
	return a->seed == b->seed && (!a->seed || a->delta == b->delta);
}

static void seg_merge(struct file *f)
{
	uint32_t i, j = 0;

	for (i = 0; i < f->nseg; i++) {
		if (j && seg_same(&f->seg[j - 1], &f->seg[i]))
			continue;
		if (j && f->seg[j - 1].start == f->seg[i].start)
			j--;
		f->seg[j++] = f->seg[i];
	}
	f->nseg = j;
}

static void model_set_size(struct file *f, uint64_t size)
{
	if (size < f->size) {
		f->nseg = seg_split(f, size);
	} else if (size > f->size) {
		if (!f->nseg || f->seg[f->nseg - 1].seed) {
			if (f->nseg >= MAX_SEGS)
				model_full(f);
			f->seg[f->nseg++] = (struct seg){ f->size, 0, 0 };
		}
	}
	f->size = size;
}

/* Replace [a, b) (within the file) by the @k segments @s. */
static void model_replace(struct file *f, uint64_t a, uint64_t b,
			  const struct seg *s, uint32_t k)
{
	uint32_t ia, ib;

	if (a >= b)
		return;
	ia = seg_split(f, a);
	ib = seg_split(f, b);
	if (f->nseg - (ib - ia) + k > MAX_SEGS)
		model_full(f);
	memmove(&f->seg[ia + k], &f->seg[ib],
		(f->nseg - ib) * sizeof(f->seg[0]));
	memcpy(&f->seg[ia], s, k * sizeof(*s));
	f->nseg = f->nseg - (ib - ia) + k;
	seg_merge(f);
}

static void model_write(struct file *f, uint64_t off, uint64_t len,
			uint64_t seed, uint64_t delta)
{
	struct seg s = { off, seed, seed ? delta : 0 };

	if (!len)
		return;
	if (off + len > f->size)
		model_set_size(f, off + len);
	model_replace(f, off, off + len, &s, 1);
}

static void model_zero(struct file *f, uint64_t off, uint64_t len)
{
	uint64_t end = min_u64(off + len, f->size);

	if (off < end)
		model_write(f, off, end - off, 0, 0);
}

static void model_collapse(struct file *f, uint64_t off, uint64_t len)
{
	uint32_t ia = seg_split(f, off), ib = seg_split(f, off + len), i;

	memmove(&f->seg[ia], &f->seg[ib], (f->nseg - ib) * sizeof(f->seg[0]));
	f->nseg -= ib - ia;
	for (i = ia; i < f->nseg; i++) {
		f->seg[i].start -= len;
		f->seg[i].delta += len;
	}
	f->size -= len;
	seg_merge(f);
}

static void model_insert(struct file *f, uint64_t off, uint64_t len)
{
	uint32_t ia = seg_split(f, off), i;

	if (f->nseg >= MAX_SEGS)
		model_full(f);
	memmove(&f->seg[ia + 1], &f->seg[ia],
		(f->nseg - ia) * sizeof(f->seg[0]));
	f->nseg++;
	for (i = ia + 1; i < f->nseg; i++) {
		f->seg[i].start += len;
		f->seg[i].delta -= len;
	}
	f->seg[ia] = (struct seg){ off, 0, 0 };
	f->size += len;
	seg_merge(f);
}

/* How many segments [a, b) of @f spans. */
static uint32_t seg_count(const struct file *f, uint64_t a, uint64_t b)
{
	if (a >= b || a >= f->size)
		return 0;
	return seg_find(f, min_u64(b, f->size) - 1) - seg_find(f, a) + 1;
}

/* [soff, soff + len) of @s (within it) copied to @doff of @d. */
static void model_copy(struct file *s, uint64_t soff, struct file *d,
		       uint64_t doff, uint64_t len)
{
	uint32_t i, k = 0;

	if (!len)
		return;
	for (i = seg_find(s, soff); i < s->nseg && s->seg[i].start < soff + len;
	     i++, k++) {
		tmp_seg[k] = s->seg[i];
		if (tmp_seg[k].start < soff)
			tmp_seg[k].start = soff;
		tmp_seg[k].start = tmp_seg[k].start - soff + doff;
		tmp_seg[k].delta = tmp_seg[k].seed ?
			tmp_seg[k].delta + soff - doff : 0;
	}
	if (doff + len > d->size)
		model_set_size(d, doff + len);
	model_replace(d, doff, doff + len, tmp_seg, k);
}

/* Room in the literal pool for @len bytes: their offset, or -1. */
static int64_t lit_alloc(uint64_t len)
{
	uint64_t off = __atomic_fetch_add(&sh->lit_used, len, __ATOMIC_RELAXED);

	if (off + len > LIT_POOL)
		return -1;
	return off;
}

/* ---- reports ---- */

static char report_buf[1 << 16];
static size_t report_len;

static __printf(1, 2) void say(const char *fmt, ...)
{
	size_t room = sizeof(report_buf) - report_len;
	va_list ap;
	int n;

	if (room < 4)
		return;
	memcpy(report_buf + report_len, "# ", 2);
	report_len += 2;
	room -= 2;
	va_start(ap, fmt);
	n = vsnprintf(report_buf + report_len, room - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > room - 2)
		n = room - 2;
	report_len += n;
	report_buf[report_len++] = '\n';
}

static void say_flush(void)
{
	size_t done = 0;

	while (done < report_len) {
		ssize_t n = write(1, report_buf + done, report_len - done);

		if (n <= 0)
			break;
		done += n;
	}
	report_len = 0;
}

static const char *hex(const unsigned char *p, size_t n)
{
	static char out[4][3 * 32 + 1];
	static unsigned int which;
	char *s = out[which++ % 4];
	size_t i;

	if (n > 32)
		n = 32;
	for (i = 0; i < n; i++)
		sprintf(s + 3 * i, "%02x ", p[i]);
	s[n ? 3 * n - 1 : 0] = '\0';
	return s;
}

static const char *file_name(int idx)
{
	return idx >= 0 && (unsigned int)idx < nfiles ? files[idx].name : "-";
}

/*
 * One line per op: where (off and len; for two ranges, file@off len and
 * the other file@off2), the seed of the data written, the result.
 */
static void say_hist(const char *fname, const struct hist *h)
{
	char where[128], seed[32] = "", sect[80] = "";

	if (h->file2 >= 0)
		snprintf(where, sizeof(where), "%s@%#llx len=%#llx %s %s@%#llx",
			 file_name(h->file1), (unsigned long long)h->off,
			 (unsigned long long)h->len,
			 h->op == OP_MOVE_EXT ? "<->" : "->",
			 file_name(h->file2), (unsigned long long)h->off2);
	else if (h->op == OP_WRITE_FAULT || h->op == OP_DIO_WRITE_FAULT)
		snprintf(where, sizeof(where), "off=%#llx len=%#llx fault at +%#llx (%s)",
			 (unsigned long long)h->off, (unsigned long long)h->len,
			 (unsigned long long)h->off2,
			 h->flags ? "unmapped" : "PROT_NONE");
	else
		snprintf(where, sizeof(where), "off=%#llx len=%#llx",
			 (unsigned long long)h->off, (unsigned long long)h->len);
	if (h->seed)
		snprintf(seed, sizeof(seed), " seed=%016llx",
			 (unsigned long long)h->seed);
	if (h->sect_new + h->sect_old + h->sect_lit)
		snprintf(sect, sizeof(sect), "; O_DIRECT read %u new, %u old, %u other sectors",
			 h->sect_new, h->sect_old, h->sect_lit);
	say("  %s%s#%llu r%u %s%u %-15s %s%s -> %lld%s%s%s",
	    fname ? fname : "", fname ? " " : "",
	    (unsigned long long)h->seq, h->round,
	    h->proc > opt.procs ? "final" : h->proc == opt.procs ? "race" : "p",
	    h->proc, op_name[h->op], where, seed, (long long)h->ret,
	    h->err ? " " : "", h->err ? strerror(h->err) : "", sect);
}

static void say_history(const struct file *f)
{
	uint64_t i = f->nhist > HIST_SHOWN ? f->nhist - HIST_SHOWN : 0;

	say("last %llu ops on %s (of %llu; size now %#llx, %u segments):",
	    (unsigned long long)(f->nhist - i), f->name,
	    (unsigned long long)f->nhist, (unsigned long long)f->size,
	    f->nseg);
	for (; i < f->nhist; i++)
		say_hist(NULL, &f->hist[i % HIST]);
}

static void say_replay(void)
{
	say("replay: coherence_stress -s %llu -p %u -f %u -m %llu -r %u%s%s%s%s%s",
	    (unsigned long long)opt.seed, opt.procs, opt.fpp,
	    (unsigned long long)opt.mib, opt.round_secs,
	    opt.exclude ? " -x " : "", opt.exclude ? opt.exclude : "",
	    opt.ops_per_round ? " -o ..." : "",
	    opt.no_race ? " -R" : "", opt.no_remount ? " -M" : "");
}

static struct hist *rec(unsigned int i, enum op op, uint64_t off, uint64_t len)
{
	struct file *f = w.f[i];
	struct hist *h = &f->hist[f->nhist % HIST];

	memset(h, 0, sizeof(*h));
	h->seq = ++f->nhist;
	h->round = w.round;
	h->proc = w.id;
	h->op = op;
	h->off = off;
	h->len = len;
	h->file1 = f - files;
	h->file2 = -1;
	if (w.ncur < ARRAY_SIZE(w.cur)) {
		w.cur_file[w.ncur] = f->name;
		w.cur[w.ncur++] = h;
	}
	f->hot = off;
	return h;
}

static int file_idx(const struct file *f)
{
	return f - files;
}

/* An op on two files: a copy of its entry @h goes to w.f[@j]'s ring too. */
static void rec_also(unsigned int j, const struct hist *h)
{
	struct file *f = w.f[j];
	struct hist *h2 = &f->hist[f->nhist % HIST];

	if (h->file1 == file_idx(f))
		return;
	*h2 = *h;
	h2->seq = ++f->nhist;
	f->hot = h->off2;
}

static __noreturn void fail_errno(unsigned int i, const char *what)
{
	int err = errno;

	say("ERROR: seed %llu round %u %s %u: %s on %s: %s",
	    (unsigned long long)opt.seed, w.round, w.role, w.id, what,
	    w.f[i]->name, strerror(err));
	if (err == EIO) {
		say("the file has a writeback error: see the kernel log");
		say("(an O_DIRECT write that failed to invalidate the page cache leaves one)");
	}
	say_history(w.f[i]);
	say_replay();
	say_flush();
	_exit(2);
}

/* Which earlier data @got (read at file offset @off) looks like. */
static void say_origin(const struct file *f, uint64_t off,
		       const unsigned char *got, size_t n)
{
	unsigned char b[32];
	uint64_t i;
	size_t k;

	n = min_u64(n, sizeof(b));
	for (k = 0; k < n && !got[k]; k++)
		;
	if (k == n) {
		say("the bytes read are zeros");
		return;
	}
	for (i = f->nhist; i > 0 && i + HIST > f->nhist; i--) {
		const struct hist *h = &f->hist[(i - 1) % HIST];

		if (h->seed < 2 || off < h->off || off >= h->off + h->len)
			continue;
		gen(b, n, h->seed, off);
		if (!memcmp(b, got, n)) {
			say("the bytes read are those written by op #%llu:",
			    (unsigned long long)h->seq);
			say_hist(NULL, h);
			return;
		}
	}
	gen(b, n, f->initial_seed, off);
	if (!memcmp(b, got, n))
		say("the bytes read are the file's first content at that offset");
	else
		say("the bytes read are from no op in the history at that offset");
}

/*
 * A read at @off (@len asked, @n returned) of w.f[@i] did not match the
 * model, whose bytes are in w.exp: report it and end the process.
 */
static __noreturn void mismatch(unsigned int i, enum op how, uint64_t off,
				uint64_t len, const unsigned char *got,
				int64_t n)
{
	struct file *f = w.f[i];
	uint64_t want = off < f->size ? min_u64(len, f->size - off) : 0;
	uint64_t first = 0, last = 0, bad = 0, k, at, pg;
	unsigned char *d = w.dbuf;
	int64_t dn;

	say("MISMATCH: seed %llu round %u %s %u op %llu: %s of %s at %#llx len %#llx",
	    (unsigned long long)opt.seed, w.round, w.role, w.id,
	    (unsigned long long)w.nops, op_name[how], f->name,
	    (unsigned long long)off, (unsigned long long)len);
	if ((uint64_t)n != want) {
		say("read returned %lld bytes, the model expects %llu (size %#llx)",
		    (long long)n, (unsigned long long)want,
		    (unsigned long long)f->size);
		goto tail;
	}
	for (k = 0; k < want; k++) {
		if (w.exp[k] == got[k])
			continue;
		if (!bad++)
			first = k;
		last = k;
	}
	at = off + first;
	say("first wrong byte at %#llx (page %llu), %llu of %llu bytes wrong in [%#llx, %#llx]",
	    (unsigned long long)at, (unsigned long long)(at / page),
	    (unsigned long long)bad, (unsigned long long)want,
	    (unsigned long long)at, (unsigned long long)(off + last));
	k = min_u64(16, want - first);
	say("expected: %s", hex(w.exp + first, k));
	say("got:      %s", hex(got + first, k));
	say_origin(f, at, got + first, k);
	if (dio_ok && w.dfd[i] >= 0) {
		pg = align_down(at, page);
		dn = pread(w.dfd[i], d, page, pg);
		if (dn > (int64_t)(at - pg + k - 1)) {
			const unsigned char *p = d + (at - pg);

			say("O_DIRECT:  %s (%s)", hex(p, k),
			    !memcmp(p, w.exp + first, k) ?
			    "the disk has the expected bytes: a cache returned stale data" :
			    !memcmp(p, got + first, k) ?
			    "the disk has the bytes read too" :
			    "the disk has neither");
		}
	}
	if (read_counter(TMEM_DEBUGFS "hits") >= 0)
		say("tmem so far: %lld puts, %lld hits",
		    read_counter(TMEM_DEBUGFS "puts"), read_counter(TMEM_DEBUGFS "hits"));
tail:
	say_history(f);
	say_replay();
	say_flush();
	_exit(1);
}

/* Check @n bytes read at @off (of @len asked) against the model. */
static void check(unsigned int i, enum op how, uint64_t off, uint64_t len,
		  const unsigned char *got, int64_t n)
{
	struct file *f = w.f[i];
	uint64_t want = off < f->size ? min_u64(len, f->size - off) : 0;

	if (n < 0)
		fail_errno(i, op_name[how]);
	if ((uint64_t)n == want) {
		model_read(f, off, want, w.exp);
		if (!memcmp(w.exp, got, want))
			return;
	} else {
		model_read(f, off, min_u64(want, n), w.exp);
	}
	mismatch(i, how, off, len, got, n);
}

/* ---- helpers for the ops ---- */

static int64_t read_full(int fd, unsigned char *buf, uint64_t len,
			 uint64_t off)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!n)
			break;
		done += n;
	}
	return done;
}

static int64_t write_full(int fd, const unsigned char *buf, uint64_t len,
			  uint64_t off)
{
	uint64_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, buf + done, len - done, off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return done ? (int64_t)done : -1;
		if (!n)
			break;
		done += n;
	}
	return done;
}

static uint64_t pick_len(uint64_t max)
{
	uint64_t r = rnd_below(100), len;

	if (r < 55)
		len = 1 + rnd_below(16384);
	else if (r < 90)
		len = 1 + rnd_below(128 * 1024);
	else
		len = 1 + rnd_below(MAX_IO);
	return len < max ? len : max;
}

/* An offset in [0, limit]: near the last op, anywhere, or near the end. */
static uint64_t pick_off(const struct file *f, uint64_t limit)
{
	uint64_t r = rnd_below(100), off;

	if (r < 45) {
		off = f->hot + rnd_below(2 * NEAR);
		off = off > NEAR ? off - NEAR : 0;
	} else if (r < 90) {
		off = rnd_below(limit + 1);
	} else {
		off = f->size + rnd_below(65536);
		off = off > 65536 ? off - 65536 : 0;
	}
	return off < limit ? off : limit;
}

static uint64_t dio_align(void)
{
	return one_in(4) ? SECTOR : page;
}

/* A buffered read of [off, off + len) checked; dropped from the cache first. */
static void verify(unsigned int i, uint64_t off, uint64_t len, bool drop)
{
	struct hist *h;
	int64_t n;

	len = min_u64(len, MAX_IO);
	if (drop)
		posix_fadvise(w.fd[i], off, len, POSIX_FADV_DONTNEED);
	h = rec(i, OP_READ, off, len);
	h->flags = drop;
	n = read_full(w.fd[i], w.buf, len, off);
	h->ret = n;
	sh->ops[w.id][OP_READ]++;
	check(i, OP_READ, off, len, w.buf, n);
}

/* Disable an op the filesystem turns out not to support. */
static bool unsupported(enum op op, int err)
{
	if (err != EOPNOTSUPP && err != ENOTTY && err != EXDEV)
		return false;
	if (!sh->disabled[op]) {
		sh->disabled[op] = 1;
		say("%s: %s here, not used from now on", op_name[op],
		    strerror(err));
		say_flush();
	}
	return true;
}

static bool drop_all(bool force)
{
	uint64_t t = now_ns(), last = __atomic_load_n(&sh->last_drop,
						      __ATOMIC_RELAXED);
	const char *what = one_in(4) ? "3" : "1";
	int fd;

	if (!can_drop)
		return false;
	if (!force && (t - last < DROP_EVERY ||
		       !__atomic_compare_exchange_n(&sh->last_drop, &last, t,
						    false, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED)))
		return false;
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0)
		return false;
	if (write(fd, what, 1) != 1)
		can_drop = false;
	else
		sh->ops[w.id][OP_DROP_CACHES]++;
	close(fd);
	return can_drop;
}

/*
 * An O_DIRECT write of [off, off + len) did not complete as asked: what
 * O_DIRECT reads back now is the content. Each sector is the new data
 * (@newbuf, the stream of @seed when it is not 0), the old, or else kept
 * as it is in the literal pool. Buffered reads must then agree.
 */
static void settle(unsigned int i, uint64_t off, uint64_t len,
		   const unsigned char *newbuf, uint64_t seed, struct hist *h)
{
	static unsigned char cls[MAX_IO / SECTOR];
	unsigned char old[SECTOR];
	struct file *f = w.f[i];
	uint64_t end, x, a;
	struct stat st;
	int64_t n, lo;

	if (fstat(w.fd[i], &st))
		fail_errno(i, "fstat");
	if ((uint64_t)st.st_size != f->size) {
		if ((uint64_t)st.st_size > f->max_size + MAX_IO) {
			errno = EFBIG;
			fail_errno(i, "size after a failed O_DIRECT write");
		}
		model_set_size(f, st.st_size);
	}
	end = min_u64(off + len, f->size);
	if (off >= end)
		return;
	n = pread(w.dfd[i], w.dbuf, align_up(end - off, SECTOR), off);
	if (n < (int64_t)(end - off)) {
		if (n < 0)
			fail_errno(i, "O_DIRECT read back");
		check(i, OP_DIO_READ, off, end - off, w.dbuf, n);
	}
	for (x = off; x < end; x += SECTOR) {
		uint64_t m = min_u64(SECTOR, end - x);
		const unsigned char *got = w.dbuf + (x - off);

		model_read(f, x, m, old);
		if (!memcmp(got, newbuf + (x - off), m)) {
			cls[(x - off) / SECTOR] = 1;
			h->sect_new++;
		} else if (!memcmp(got, old, m)) {
			cls[(x - off) / SECTOR] = 0;
			h->sect_old++;
		} else {
			cls[(x - off) / SECTOR] = 2;
			h->sect_lit++;
		}
	}
	sh->settled++;
	sh->sect_new += h->sect_new;
	sh->sect_old += h->sect_old;
	sh->sect_lit += h->sect_lit;
	for (a = off; a < end; a = x) {
		unsigned char c = cls[(a - off) / SECTOR];

		for (x = a; x < end && cls[(x - off) / SECTOR] == c; x += SECTOR)
			;
		x = min_u64(x, end);
		if (c == 0)
			continue;
		if (c == 1 && seed) {
			model_write(f, a, x - a, seed, 0);
			continue;
		}
		lo = lit_alloc(x - a);
		if (lo < 0) {
			/* No room to remember it: write it over, known. */
			uint64_t s = new_seed();

			gen(w.exp, x - a, s, a);
			if (write_full(w.fd[i], w.exp, x - a, a) != (int64_t)(x - a))
				fail_errno(i, "rewrite after failed O_DIRECT write");
			model_write(f, a, x - a, s, 0);
			continue;
		}
		memcpy(lit + lo, w.dbuf + (a - off), x - a);
		model_write(f, a, x - a, LIT_SEED, lo - a);
	}
}

/* A mapping of @npages with page @bad (> 0) PROT_NONE or unmapped. */
static unsigned char *fault_buf(size_t npages, size_t bad, uint32_t *how)
{
	unsigned char *p = mmap(NULL, npages * page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	*how = rnd_below(2);
	if (*how)
		munmap(p + bad * page, page);
	else
		mprotect(p + bad * page, page, PROT_NONE);
	return p;
}

/* ---- the ops ---- */

static void op_read(unsigned int i)
{
	struct file *f = w.f[i];
	uint64_t off = pick_off(f, f->size + 4096), len = pick_len(MAX_IO);
	struct hist *h = rec(i, OP_READ, off, len);
	int64_t n = read_full(w.fd[i], w.buf, len, off);

	h->ret = n;
	check(i, OP_READ, off, len, w.buf, n);
}

static void op_write(unsigned int i)
{
	struct file *f = w.f[i];
	uint64_t off = pick_off(f, f->max_size - 1);
	uint64_t len = pick_len(f->max_size - off), seed = new_seed();
	struct hist *h = rec(i, OP_WRITE, off, len);
	int64_t n;

	h->seed = seed;
	gen(w.buf, len, seed, off);
	n = write_full(w.fd[i], w.buf, len, off);
	h->ret = n;
	if (n != (int64_t)len)
		fail_errno(i, "write");
	model_write(f, off, len, seed, 0);
}

/* A buffered write whose source faults part way: the count is exact. */
static void op_write_fault(unsigned int i)
{
	struct file *f = w.f[i];
	size_t npages = 2 + rnd_below(8), bad = 1 + rnd_below(npages - 1);
	uint64_t b0 = rnd_below(page), good = bad * page - b0;
	uint64_t len = good + 1 + rnd_below(page), off, seed = new_seed();
	unsigned char *p;
	struct hist *h;
	uint32_t how;
	int64_t n;

	if (f->max_size < len + 1)
		return;
	off = pick_off(f, f->max_size - len);
	p = fault_buf(npages, bad, &how);
	if (!p)
		fail_errno(i, "mmap");
	h = rec(i, OP_WRITE_FAULT, off, len);
	h->seed = seed;
	h->off2 = good;
	h->flags = how;
	gen(p + b0, good, seed, off);
	n = pwrite(w.fd[i], p + b0, len, off);
	h->ret = n;
	h->err = n < 0 ? errno : 0;
	munmap(p, npages * page);
	errno = h->err;
	if (n < 0 && errno != EFAULT)
		fail_errno(i, "write from a faulting buffer");
	if (n > (int64_t)good) {
		errno = EIO;
		fail_errno(i, "write from a faulting buffer wrote too much");
	}
	if (n > 0)
		model_write(f, off, n, seed, 0);
	if (one_in(2))
		verify(i, off, len, one_in(2));
}

/* Map [off, off + len) (within the file); *@base is where off is. */
static unsigned char *map_range(unsigned int i, uint64_t off, uint64_t len,
				int prot, unsigned char **base, size_t *mlen)
{
	uint64_t pa = align_down(off, page);
	unsigned char *m;

	*mlen = align_up(off + len, page) - pa;
	m = mmap(NULL, *mlen, prot, MAP_SHARED, w.fd[i], pa);
	if (m == MAP_FAILED)
		fail_errno(i, "mmap");
	*base = m + (off - pa);
	return m;
}

static void op_mmap_read(unsigned int i)
{
	struct file *f = w.f[i];
	uint64_t off, len;
	unsigned char *m, *p;
	struct hist *h;
	size_t ml;

	if (!f->size)
		return;
	off = pick_off(f, f->size - 1);
	len = pick_len(f->size - off);
	h = rec(i, OP_MMAP_READ, off, len);
	m = map_range(i, off, len, PROT_READ, &p, &ml);
	if (one_in(4))
		madvise(m, ml, one_in(2) ? MADV_RANDOM : MADV_SEQUENTIAL);
	memcpy(w.buf, p, len);
	munmap(m, ml);
	h->ret = len;
	check(i, OP_MMAP_READ, off, len, w.buf, len);
}

static void op_mmap_write(unsigned int i)
{
	struct file *f = w.f[i];
	uint64_t off, len, seed = new_seed();
	unsigned char *m, *p;
	struct hist *h;
	size_t ml;

	if (!f->size)
		return;
	off = pick_off(f, f->size - 1);
	len = pick_len(f->size - off);
	h = rec(i, OP_MMAP_WRITE, off, len);
	h->seed = seed;
	m = map_range(i, off, len, PROT_READ | PROT_WRITE, &p, &ml);
	gen(p, len, seed, off);
	h->flags = one_in(3);
	if (h->flags && msync(m, ml, MS_SYNC))
		fail_errno(i, "msync");
	munmap(m, ml);
	h->ret = len;
	model_write(f, off, len, seed, 0);
}

static void op_dio_read(unsigned int i)
{
	struct file *f = w.f[i];
	uint64_t al = dio_align();
	uint64_t off = align_down(pick_off(f, f->size + 8192), al);
	uint64_t len = align_up(pick_len(MAX_IO), al);
	struct hist *h = rec(i, OP_DIO_READ, off, len);
	int64_t n = pread(w.dfd[i], w.buf, len, off);

	h->ret = n;
	check(i, OP_DIO_READ, off, len, w.buf, n);
}

/* Before an O_DIRECT write: sometimes have the range in the page cache. */
static void dio_before(unsigned int i, uint64_t off, uint64_t len)
{
	if (one_in(2) && off < w.f[i]->size)
		verify(i, off, len, false);
}

/* After it: sometimes read it back through the caches. */
static void dio_after(unsigned int i, uint64_t off, uint64_t len)
{
	if (one_in(2))
		verify(i, off, len, one_in(2));
}

static void op_dio_write(unsigned int i)
{
	struct file *f = w.f[i];
	uint64_t al = dio_align(), off, len, seed = new_seed();
	struct hist *h;
	int64_t n;

	off = align_down(pick_off(f, f->max_size - page), al);
	len = align_up(pick_len(f->max_size - off), al);
	if (off + len > f->max_size)
		return;
	dio_before(i, off, len);
	h = rec(i, OP_DIO_WRITE, off, len);
	h->seed = seed;
	gen(w.buf, len, seed, off);
	n = pwrite(w.dfd[i], w.buf, len, off);
	h->ret = n;
	if (n < 0)
		fail_errno(i, "O_DIRECT write");
	if (n == (int64_t)len)
		model_write(f, off, len, seed, 0);
	else
		settle(i, off, len, w.buf, seed, h);
	dio_after(i, off, len);
}

/*
 * An O_DIRECT write whose source is a MAP_SHARED mapping of another range
 * of the same file, often just next to it, often not in the page cache
 * (so that faulting it in reads ahead into the range being written), and
 * sometimes dirtied through the mapping first.
 */
static void op_dio_write_mmap(unsigned int i)
{
	struct file *f = w.f[i];
	uint64_t full = align_down(f->size, page), src, dst, len;
	unsigned char *m;
	struct hist *h;
	int64_t n;
	int tries;

	if (full < 2 * page)
		return;
	len = page * (1 + rnd_below(min_u64(16, full / page / 2)));
	src = align_down(pick_off(f, full - len), page);
	for (tries = 0; tries < 8; tries++) {
		if (one_in(3))
			dst = align_down(rnd_below(f->size + 1), page);
		else if (one_in(2))
			dst = src + len + page * rnd_below(16);
		else
			dst = src - min_u64(src, len + page * rnd_below(16));
		if (dst + len <= f->max_size &&
		    (dst + len <= src || dst >= src + len))
			break;
	}
	if (tries == 8)
		return;
	if (one_in(2))
		posix_fadvise(w.fd[i], src, len, POSIX_FADV_DONTNEED);
	dio_before(i, dst, len);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, w.fd[i], src);
	if (m == MAP_FAILED)
		fail_errno(i, "mmap");
	if (one_in(3)) {
		uint64_t s = new_seed();

		h = rec(i, OP_MMAP_WRITE, src, len);
		h->seed = s;
		gen(m, len, s, src);
		h->ret = len;
		model_write(f, src, len, s, 0);
	}
	h = rec(i, OP_DIO_WRITE_MMAP, src, len);
	h->off2 = dst;
	h->file2 = file_idx(f);
	f->hot = dst;
	n = pwrite(w.dfd[i], m, len, dst);
	h->ret = n;
	h->err = n < 0 ? errno : 0;
	if (n < 0) {
		munmap(m, len);
		fail_errno(i, "O_DIRECT write from a mapping of the file");
	}
	if (n == (int64_t)len) {
		munmap(m, len);
		model_copy(f, src, f, dst, len);
	} else {
		model_read(f, src, len, w.buf);
		munmap(m, len);
		settle(i, dst, len, w.buf, 0, h);
	}
	dio_after(i, dst, len);
}

/*
 * An O_DIRECT write whose buffer's page @bad is PROT_NONE or unmapped: it
 * fails with EFAULT or is short, and the range is what O_DIRECT reads.
 */
static void op_dio_write_fault(unsigned int i)
{
	struct file *f = w.f[i];
	size_t npages = 2 + rnd_below(15);
	size_t bad = one_in(2) ? npages - 1 : 1 + rnd_below(npages - 1);
	uint64_t len = npages * page, off, seed = new_seed();
	unsigned char *p;
	struct hist *h;
	uint32_t how;
	int64_t n;

	if (f->max_size < len + page)
		return;
	off = align_down(pick_off(f, f->max_size - len), page);
	p = fault_buf(npages, bad, &how);
	if (!p)
		fail_errno(i, "mmap");
	gen(p, bad * page, seed, off);
	gen(w.exp, len, seed, off);
	memcpy(w.buf, w.exp, len);
	dio_before(i, off, len);
	h = rec(i, OP_DIO_WRITE_FAULT, off, len);
	h->seed = seed;
	h->off2 = bad * page;
	h->flags = how;
	n = pwrite(w.dfd[i], p, len, off);
	h->ret = n;
	h->err = n < 0 ? errno : 0;
	munmap(p, npages * page);
	errno = h->err;
	if (n < 0 && errno != EFAULT)
		fail_errno(i, "O_DIRECT write from a faulting buffer");
	if (n > (int64_t)(bad * page)) {
		errno = EIO;
		fail_errno(i, "O_DIRECT write from a faulting buffer wrote too much");
	}
	gen(w.buf, len, seed, off);
	settle(i, off, len, w.buf, seed, h);
	/* The range must now read, through the caches, as O_DIRECT read it. */
	verify(i, off, len, one_in(2));
}

static void op_alloc(unsigned int i)
{
	struct file *f = w.f[i];
	uint64_t off = pick_off(f, f->max_size - 1);
	uint64_t len = pick_len(f->max_size - off);
	int keep = one_in(2) ? FALLOC_FL_KEEP_SIZE : 0;
	struct hist *h = rec(i, OP_ALLOC, off, len);

	h->flags = keep;
	h->ret = fallocate(w.fd[i], keep, off, len);
	if (h->ret) {
		if (unsupported(OP_ALLOC, errno))
			return;
		fail_errno(i, "fallocate");
	}
	if (!keep && off + len > f->size)
		model_set_size(f, off + len);
}

static void op_punch_zero(unsigned int i, enum op op)
{
	struct file *f = w.f[i];
	uint64_t off = pick_off(f, f->max_size - 1);
	uint64_t len = pick_len(f->max_size - off);
	int mode = op == OP_PUNCH ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE :
		   FALLOC_FL_ZERO_RANGE | (one_in(2) ? FALLOC_FL_KEEP_SIZE : 0);
	struct hist *h;

	if (one_in(4) == 0) {
		uint64_t end = align_up(off + len, bsize);

		off = align_down(off, bsize);
		len = min_u64(end, f->max_size) - off;
		if (!len)
			return;
	}
	h = rec(i, op, off, len);
	h->flags = mode;
	h->ret = fallocate(w.fd[i], mode, off, len);
	if (h->ret) {
		if (unsupported(op, errno))
			return;
		fail_errno(i, op_name[op]);
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > f->size)
		model_set_size(f, off + len);
	model_zero(f, off, len);
	if (one_in(4))
		verify(i, off, len, false);
}

static void op_collapse(unsigned int i)
{
	struct file *f = w.f[i];
	uint64_t nb = f->size / bsize, lb, ob;
	struct hist *h;

	if (nb < 2)
		return;
	lb = 1 + rnd_below(min_u64(64, nb - 1));
	ob = align_down(pick_off(f, f->size), bsize) / bsize;
	if (ob + lb >= nb)
		ob = rnd_below(nb - lb);
	if ((ob + lb) * bsize >= f->size)
		return;
	h = rec(i, OP_COLLAPSE, ob * bsize, lb * bsize);
	h->ret = fallocate(w.fd[i], FALLOC_FL_COLLAPSE_RANGE, ob * bsize,
			   lb * bsize);
	if (h->ret) {
		if (unsupported(OP_COLLAPSE, errno))
			return;
		fail_errno(i, "collapse range");
	}
	model_collapse(f, ob * bsize, lb * bsize);
	if (one_in(4))
		verify(i, ob * bsize, 2 * lb * bsize, false);
}

static void op_insert(unsigned int i)
{
	struct file *f = w.f[i];
	uint64_t len = bsize * (1 + rnd_below(64)), off;
	struct hist *h;

	if (f->size < bsize || f->size + len > f->max_size)
		return;
	off = align_down(pick_off(f, f->size - 1), bsize);
	h = rec(i, OP_INSERT, off, len);
	h->ret = fallocate(w.fd[i], FALLOC_FL_INSERT_RANGE, off, len);
	if (h->ret) {
		if (unsupported(OP_INSERT, errno))
			return;
		fail_errno(i, "insert range");
	}
	model_insert(f, off, len);
	if (one_in(4))
		verify(i, off, 2 * len, false);
}

static void op_truncate(unsigned int i)
{
	struct file *f = w.f[i];
	uint64_t size;
	struct hist *h;

	if (one_in(2))
		size = rnd_below(f->size + 1);
	else
		size = f->size + rnd_below(f->max_size - f->size + 1);
	if (one_in(2))
		size = align_down(size, page);
	h = rec(i, OP_TRUNCATE, size, 0);
	h->ret = ftruncate(w.fd[i], size);
	if (h->ret)
		fail_errno(i, "ftruncate");
	model_set_size(f, size);
	if (one_in(4) && size)
		verify(i, align_down(size - 1, page), 2 * page, false);
}

static void op_copy(unsigned int i)
{
	unsigned int j = rnd_below(w.n);
	struct file *s = w.f[i], *d = w.f[j];
	uint64_t soff, doff = 0, len, rem;
	loff_t so, dof;
	struct hist *h;
	int tries;

	if (!s->size)
		return;
	soff = pick_off(s, s->size - 1);
	len = pick_len(s->size - soff);
	for (tries = 0; tries < 8; tries++) {
		doff = one_in(2) ? pick_off(d, d->size) : rnd_below(d->size + 1);
		if (doff + len > d->max_size)
			continue;
		if (s != d || doff + len <= soff || doff >= soff + len)
			break;
	}
	if (tries == 8)
		return;
	if (d->nseg + seg_count(s, soff, soff + len) + 8 > MAX_SEGS)
		return;
	h = rec(i, OP_COPY, soff, len);
	h->off2 = doff;
	h->file2 = file_idx(d);
	so = soff;
	dof = doff;
	for (rem = len; rem;) {
		ssize_t n = copy_file_range(w.fd[i], &so, w.fd[j], &dof, rem, 0);

		if (n < 0) {
			h->err = errno;
			break;
		}
		if (!n)
			break;
		rem -= n;
	}
	h->ret = h->err ? -1 : (int64_t)(len - rem);
	rec_also(j, h);
	if (h->err) {
		errno = h->err;
		if (rem == len && unsupported(OP_COPY, errno))
			return;
		fail_errno(j, "copy_file_range");
	}
	if (rem) {
		errno = EIO;
		fail_errno(j, "copy_file_range stopped short");
	}
	model_copy(s, soff, d, doff, len);
	if (one_in(4))
		verify(j, doff, len, false);
}

/*
 * EXT4_IOC_MOVE_EXT swaps the blocks of [os, os + len) of w.f[i] (the
 * original, whose data stays as it was) with those of the donor w.f[j]
 * at ds (whose data there is undefined afterwards: rewritten or punched).
 */
static void op_move_ext(unsigned int i)
{
	unsigned int j = rnd_below(w.n);
	struct file *o = w.f[i], *d = w.f[j];
	uint64_t ob = o->size / bsize, db = d->size / bsize, os, ds, len;
	struct move_extent me = { 0 };
	struct hist *h;
	int ret, err;

	if (i == j || !ob || !db || bsize != page)
		return;
	os = rnd_below(ob);
	ds = one_in(2) ? min_u64(os, db - 1) : rnd_below(db);
	len = 1 + rnd_below(min_u64(64, min_u64(ob - os, db - ds)));
	/* A donor with holes cannot be swapped in: allocate them. */
	if (fallocate(w.fd[j], FALLOC_FL_KEEP_SIZE, ds * bsize, len * bsize))
		fail_errno(j, "fallocate the donor");
	h = rec(i, OP_MOVE_EXT, os * bsize, len * bsize);
	h->off2 = ds * bsize;
	h->file2 = file_idx(d);
	me.donor_fd = w.fd[j];
	me.orig_start = os;
	me.donor_start = ds;
	me.len = len;
	ret = ioctl(w.fd[i], EXT4_IOC_MOVE_EXT, &me);
	err = ret ? errno : 0;
	h->ret = ret ? ret : (int64_t)me.moved_len;
	h->err = err;
	rec_also(j, h);
	if (ret) {
		if (unsupported(OP_MOVE_EXT, err))
			return;
		sh->move_ext_errors++;
	}
	/* The donor's range: make it defined again. */
	if (one_in(2)) {
		uint64_t seed = new_seed();

		h = rec(j, OP_WRITE, ds * bsize, len * bsize);
		h->seed = seed;
		gen(w.buf, len * bsize, seed, ds * bsize);
		h->ret = write_full(w.fd[j], w.buf, len * bsize, ds * bsize);
		if (h->ret != (int64_t)(len * bsize))
			fail_errno(j, "rewrite the donor");
		model_write(d, ds * bsize, len * bsize, seed, 0);
	} else {
		h = rec(j, OP_PUNCH, ds * bsize, len * bsize);
		h->ret = fallocate(w.fd[j], FALLOC_FL_PUNCH_HOLE |
				   FALLOC_FL_KEEP_SIZE, ds * bsize,
				   len * bsize);
		if (h->ret)
			fail_errno(j, "punch the donor");
		model_zero(d, ds * bsize, len * bsize);
	}
	if (one_in(2))
		verify(i, os * bsize, len * bsize, one_in(2));
}

static void op_fadvise(unsigned int i)
{
	struct file *f = w.f[i];
	uint64_t off = pick_off(f, f->size), len = pick_len(MAX_IO);
	uint64_t r = rnd_below(4);
	int advice = r == 3 ? POSIX_FADV_WILLNEED : POSIX_FADV_DONTNEED;
	struct hist *h;

	if (r == 2) {
		off = 0;
		len = 0;
	}
	if (advice == POSIX_FADV_DONTNEED && one_in(2))
		fdatasync(w.fd[i]);
	h = rec(i, OP_FADVISE, off, len);
	h->flags = advice;
	h->ret = posix_fadvise(w.fd[i], off, len, advice);
	if (h->ret) {
		errno = h->ret;
		fail_errno(i, "posix_fadvise");
	}
	/* Read it back: through cleancache, if it kept the pages. */
	if (r != 2 && one_in(2))
		verify(i, off, len, false);
}

static void op_sync(unsigned int i)
{
	struct hist *h = rec(i, OP_SYNC, 0, 0);

	h->flags = rnd_below(4);
	switch (h->flags) {
	case 0:
		h->ret = fsync(w.fd[i]);
		break;
	case 1:
		h->ret = fdatasync(w.fd[i]);
		break;
	case 2:
		h->ret = syncfs(w.fd[i]);
		break;
	default:
		h->ret = sync_file_range(w.fd[i], 0, 0, SYNC_FILE_RANGE_WRITE);
		break;
	}
	if (h->ret)
		fail_errno(i, "sync");
}

/* A long sequential read: readahead, and other pages pushed out. */
static void op_scan(unsigned int i)
{
	struct file *f = w.f[i];
	uint64_t len = min_u64(f->size, 16 * MAX_IO), off, end;

	off = align_down(rnd_below(f->size - len + 1), page);
	for (end = off + len; off < end; off += MAX_IO / 4) {
		uint64_t n = min_u64(MAX_IO / 4, end - off);
		struct hist *h = rec(i, OP_SCAN, off, n);

		h->ret = read_full(w.fd[i], w.buf, n, off);
		check(i, OP_SCAN, off, n, w.buf, h->ret);
	}
}

/* Anonymous memory, touched and freed, to push the page cache out. */
static void op_pressure(void)
{
	size_t len = min_u64(ram / 4 / (opt.procs + 1), 96ULL << 20);
	unsigned char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	memset(p, 0x5a, len);
	munmap(p, len);
}

/* The whole file written anew, sequentially: one segment again. */
static void op_rewrite(unsigned int i)
{
	struct file *f = w.f[i];
	uint64_t seed = new_seed(), off;
	struct hist *h = rec(i, OP_REWRITE, 0, f->size);

	h->seed = seed;
	for (off = 0; off < f->size; off += MAX_IO) {
		uint64_t n = min_u64(MAX_IO, f->size - off);

		gen(w.buf, n, seed, off);
		if (write_full(w.fd[i], w.buf, n, off) != (int64_t)n)
			fail_errno(i, "rewrite");
	}
	h->ret = f->size;
	if (f->size)
		model_write(f, 0, f->size, seed, 0);
}

static enum op pick_op(void)
{
	unsigned int total = 0, r, k;

	for (k = 0; k < NR_OPS; k++)
		total += sh->disabled[k] ? 0 : op_weight[k];
	r = rnd_below(total);
	for (k = 0; k < NR_OPS; k++) {
		unsigned int wgt = sh->disabled[k] ? 0 : op_weight[k];

		if (r < wgt)
			break;
		r -= wgt;
	}
	return k;
}

static void one_op(void)
{
	unsigned int i = rnd_below(w.n), k;
	enum op op = pick_op();

	w.ncur = 0;
	if (w.f[i]->nseg > MAX_SEGS / 2)
		op = OP_REWRITE;
	if (op != OP_DROP_CACHES)
		sh->ops[w.id][op]++;
	switch (op) {
	case OP_READ:
		op_read(i);
		break;
	case OP_WRITE:
		op_write(i);
		break;
	case OP_WRITE_FAULT:
		op_write_fault(i);
		break;
	case OP_MMAP_READ:
		op_mmap_read(i);
		break;
	case OP_MMAP_WRITE:
		op_mmap_write(i);
		break;
	case OP_DIO_READ:
		op_dio_read(i);
		break;
	case OP_DIO_WRITE:
		op_dio_write(i);
		break;
	case OP_DIO_WRITE_MMAP:
		op_dio_write_mmap(i);
		break;
	case OP_DIO_WRITE_FAULT:
		op_dio_write_fault(i);
		break;
	case OP_ALLOC:
		op_alloc(i);
		break;
	case OP_PUNCH:
	case OP_ZERO:
		op_punch_zero(i, op);
		break;
	case OP_COLLAPSE:
		op_collapse(i);
		break;
	case OP_INSERT:
		op_insert(i);
		break;
	case OP_TRUNCATE:
		op_truncate(i);
		break;
	case OP_COPY:
		op_copy(i);
		break;
	case OP_MOVE_EXT:
		op_move_ext(i);
		break;
	case OP_FADVISE:
		op_fadvise(i);
		break;
	case OP_DROP_CACHES:
		if (drop_all(false))
			verify(i, pick_off(w.f[i], w.f[i]->size), MAX_IO, false);
		break;
	case OP_SYNC:
		op_sync(i);
		break;
	case OP_SCAN:
		op_scan(i);
		break;
	case OP_PRESSURE:
		op_pressure();
		break;
	default:
		op_rewrite(i);
		break;
	}
	if (opt.verbose) {
		for (k = 0; k < w.ncur; k++)
			say_hist(w.cur_file[k], w.cur[k]);
		say_flush();
	}
}

static void open_files(void)
{
	unsigned int i;
	char path[PATH_MAX];

	for (i = 0; i < w.n; i++) {
		snprintf(path, sizeof(path), "%s/%s", opt.dir, w.f[i]->name);
		w.fd[i] = open(path, O_RDWR);
		if (w.fd[i] < 0)
			fail_errno(i, "open");
		w.dfd[i] = dio_ok ? open(path, O_RDWR | O_DIRECT) : -1;
		if (dio_ok && w.dfd[i] < 0)
			fail_errno(i, "open O_DIRECT");
	}
}

static void close_files(void)
{
	unsigned int i;

	for (i = 0; i < w.n; i++) {
		close(w.fd[i]);
		if (w.dfd[i] >= 0)
			close(w.dfd[i]);
	}
}

static void alloc_buffers(void)
{
	if (posix_memalign((void **)&w.buf, page, MAX_IO + page) ||
	    posix_memalign((void **)&w.exp, page, MAX_IO + page) ||
	    posix_memalign((void **)&w.dbuf, page, MAX_IO + page)) {
		fprintf(stderr, "# out of memory\n");
		_exit(2);
	}
}

static int worker(unsigned int id, unsigned int round, const unsigned int *fi,
		  uint64_t end)
{
	unsigned int i;

	w.id = id;
	w.role = "proc";
	w.round = round;
	w.rng = mix64(opt.seed ^ mix64(((uint64_t)round << 8) + id + 1));
	w.end = end;
	w.n = opt.fpp;
	for (i = 0; i < w.n; i++)
		w.f[i] = &files[fi[i]];
	alloc_buffers();
	open_files();
	while (opt.ops_per_round ? w.nops < opt.ops_per_round :
	       now_ns() < w.end) {
		one_op();
		w.nops++;
	}
	close_files();
	return 0;
}

/* ---- the racer: buffered readers against O_DIRECT writers ---- */

struct race_page {
	uint64_t seed, delta;
};

static __noreturn void race_reader(int fd, uint64_t p)
{
	unsigned char *m;
	uint64_t lo;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	w.rng ^= 0x5555555555555555ULL;
	for (;;) {
		switch (rnd_below(6)) {
		case 0:
		case 1:
			if (pread(fd, w.buf, page, p * page) < 0)
				_exit(2);
			break;
		case 2:
			lo = p > 4 ? p - 4 : 0;
			if (pread(fd, w.buf, 8 * page, lo * page) < 0)
				_exit(2);
			break;
		case 3:
			m = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, p * page);
			if (m != MAP_FAILED) {
				memcpy(w.buf, m, page);
				munmap(m, page);
			}
			break;
		case 4:
			posix_fadvise(fd, p * page, page, POSIX_FADV_DONTNEED);
			break;
		default:
			sched_yield();
			break;
		}
	}
}

static void race_fill(const struct race_page *pg, uint64_t p,
		      unsigned char *out)
{
	gen(out, page, pg[p].seed, p * page + pg[p].delta);
}

static __noreturn void race_stale(const char *path, uint64_t p,
				  const unsigned char *got, const char *kind,
				  const char *what, const struct race_page *ver,
				  unsigned int nver)
{
	unsigned char *b = w.dbuf + page;
	uint64_t k, first = 0, bad = 0;
	unsigned int v;

	for (k = 0; k < page; k++) {
		if (got[k] == w.exp[k])
			continue;
		if (!bad++)
			first = k;
	}
	say("%s: seed %llu round %u racer: %s page %llu: %s", kind,
	    (unsigned long long)opt.seed, w.round, path,
	    (unsigned long long)p, what);
	say("%llu of %zu bytes wrong, the first at %#llx",
	    (unsigned long long)bad, page,
	    (unsigned long long)(p * page + first));
	say("expected: %s", hex(w.exp + first, min_u64(16, page - first)));
	say("got:      %s", hex(got + first, min_u64(16, page - first)));
	for (v = 0; v < nver; v++) {
		gen(b, page, ver[v].seed, p * page + ver[v].delta);
		if (!memcmp(b, got, page)) {
			say("the page read is version %u of %u of this race (%s)",
			    v, nver - 1, v ? "an earlier O_DIRECT write" :
			    "its content before the race");
			break;
		}
	}
	if (read_counter(TMEM_DEBUGFS "hits") >= 0)
		say("tmem so far: %lld puts, %lld hits",
		    read_counter(TMEM_DEBUGFS "puts"), read_counter(TMEM_DEBUGFS "hits"));
	say("race %llu: %u O_DIRECT writes of page %llu while a buffered reader read it",
	    (unsigned long long)w.nops, nver - 1, (unsigned long long)p);
	say_replay();
	say_flush();
	_exit(1);
}

static int race_main(unsigned int round, uint64_t end)
{
	struct race_page pg[RACE_PAGES], ver[8];
	unsigned char *src, *got;
	char path[PATH_MAX];
	uint64_t p, q, s;
	unsigned int k, nw;
	pid_t child;
	int fd, dfd;

	w.id = opt.procs;
	w.role = "racer";
	w.round = round;
	w.rng = mix64(opt.seed ^ mix64(((uint64_t)round << 8) + 0xff));
	alloc_buffers();
	snprintf(path, sizeof(path), "%s/race.dat", opt.dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	dfd = open(path, O_RDWR | O_DIRECT);
	if (fd < 0 || dfd < 0) {
		say("%s: open %s: %s", w.role, path, strerror(errno));
		say_flush();
		return 2;
	}
	s = new_seed();
	for (p = 0; p < RACE_PAGES; p++)
		pg[p] = (struct race_page){ s, 0 };
	gen(w.buf, RACE_PAGES * page, s, 0);
	if (write_full(fd, w.buf, RACE_PAGES * page, 0) !=
	    (int64_t)(RACE_PAGES * page) || fsync(fd))
		goto err;
	got = w.buf;
	while (opt.ops_per_round ? w.nops < opt.ops_per_round / 4 :
	       now_ns() < end) {
		p = rnd_below(RACE_PAGES);
		nw = 1 + rnd_below(4);
		ver[0] = pg[p];
		if (one_in(2) && pread(fd, got, page, p * page) < 0)
			goto err;
		fflush(stdout);
		child = fork();
		if (child < 0)
			goto err;
		if (!child)
			race_reader(fd, p);
		for (k = 1; k <= nw; k++) {
			int64_t n;

			if (one_in(3)) {
				/* The source: a neighbour page, mapped. */
				q = p + 1 + rnd_below(3);
				if (q >= RACE_PAGES)
					q = p - 1 - rnd_below(3);
				if (one_in(2))
					posix_fadvise(fd, q * page, page,
						      POSIX_FADV_DONTNEED);
				src = mmap(NULL, page, PROT_READ, MAP_SHARED,
					   fd, q * page);
				if (src == MAP_FAILED)
					goto err_child;
				n = pwrite(dfd, src, page, p * page);
				munmap(src, page);
				pg[p].seed = pg[q].seed;
				pg[p].delta = pg[q].delta + (q - p) * page;
			} else {
				pg[p] = (struct race_page){ new_seed(), 0 };
				race_fill(pg, p, w.dbuf);
				n = pwrite(dfd, w.dbuf, page, p * page);
			}
			if (n != (int64_t)page)
				goto err_child;
			ver[k] = pg[p];
			/* A pause of random length: the reader gets its turn. */
			for (s = rnd_below(20000); s; s--)
				__asm__ __volatile__("" ::: "memory");
		}
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		w.nops++;
		sh->ops[w.id][OP_RACE]++;

		race_fill(pg, p, w.exp);
		if (pread(dfd, w.dbuf, page, p * page) != (int64_t)page)
			goto err;
		if (memcmp(w.dbuf, w.exp, page))
			race_stale(path, p, w.dbuf, "MISMATCH",
				   "O_DIRECT read returned other data than the last O_DIRECT write",
				   ver, nw + 1);
		posix_fadvise(fd, p * page, page, POSIX_FADV_DONTNEED);
		if (one_in(4))
			drop_all(false);
		if (pread(fd, got, page, p * page) != (int64_t)page)
			goto err;
		if (!memcmp(got, w.exp, page))
			continue;
		/*
		 * A page the O_DIRECT write could not invalidate may still be
		 * cached: drop everything and read once more. Without a
		 * second cache, that reads the disk.
		 */
		drop_all(true);
		posix_fadvise(fd, p * page, page, POSIX_FADV_DONTNEED);
		if (pread(fd, got, page, p * page) != (int64_t)page)
			goto err;
		if (memcmp(got, w.exp, page))
			race_stale(path, p, got, "STALE",
				   "a buffered read after dropping the page returned stale data; O_DIRECT reads the last write",
				   ver, nw + 1);
		sh->race_late_drops++;
	}
	close(fd);
	close(dfd);
	unlink(path);
	return 0;
err_child:
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
err:
	say("%s: round %u: %s", w.role, round, strerror(errno));
	say_flush();
	return 2;
}

/* ---- the final check, in a process of its own ---- */

static int final_check(void)
{
	unsigned int fi;
	uint64_t off;

	w.id = opt.procs + 1;
	w.role = "final";
	w.round = UINT_MAX;
	w.n = 1;
	alloc_buffers();
	drop_all(true);
	for (fi = 0; fi < nfiles; fi++) {
		w.f[0] = &files[fi];
		open_files();
		posix_fadvise(w.fd[0], 0, 0, POSIX_FADV_DONTNEED);
		for (off = 0; off < w.f[0]->size; off += MAX_IO) {
			struct hist *h = rec(0, OP_SCAN, off, MAX_IO);

			h->ret = read_full(w.fd[0], w.buf, MAX_IO, off);
			check(0, OP_SCAN, off, MAX_IO, w.buf, h->ret);
		}
		close_files();
	}
	return 0;
}

/* ---- the parent: files, rounds, remounts, results ---- */

static bool find_mount(void)
{
	char line[1024], d[256], mnt[PATH_MAX], fs[64];
	char real[PATH_MAX];
	FILE *f = fopen("/proc/mounts", "r");
	bool found = false;

	if (!f || !realpath(opt.dir, real))
		goto out;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s %4095s %63s", d, mnt, fs) != 3 ||
		    strcmp(mnt, real))
			continue;
		snprintf(dev, sizeof(dev), "%s", d);
		snprintf(fstype, sizeof(fstype), "%s", fs);
		found = true;
	}
out:
	if (f)
		fclose(f);
	return found;
}

static int remount(void)
{
	int tries;

	for (tries = 0; umount(opt.dir); tries++) {
		if (errno != EBUSY || tries == 50)
			return -1;
		usleep(100000);
	}
	return mount(dev, opt.dir, fstype, 0, NULL);
}

static void *shared_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int make_files(void)
{
	uint64_t total = opt.mib << 20, avg = total / nfiles, off, size;
	char path[PATH_MAX];
	unsigned int i;
	int fd;

	w.role = "setup";
	for (i = 0; i < nfiles; i++) {
		struct file *f = &files[i];
		uint64_t seed = new_seed();

		snprintf(f->name, sizeof(f->name), "cs.%03u", i);
		f->size = align_down(avg / 2 + rnd_below(avg + 1), page);
		if (one_in(2))
			f->size += rnd_below(page);
		f->max_size = 2 * avg;
		snprintf(path, sizeof(path), "%s/%s", opt.dir, f->name);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return -1;
		for (off = 0; off < f->size; off += MAX_IO) {
			uint64_t n = min_u64(MAX_IO, f->size - off);

			gen(w.buf, n, seed, off);
			if (write_full(fd, w.buf, n, off) != (int64_t)n) {
				close(fd);
				return -1;
			}
		}
		if (fsync(fd) || close(fd))
			return -1;
		size = f->size;
		f->size = 0;
		f->nseg = 0;
		model_write(f, 0, size, seed, 0);
		f->initial_seed = seed;
	}
	return 0;
}

static void usage(const char *prog)
{
	printf("Usage: %s [-s seed] [-t secs] [-p procs] [-f files] [-m MiB] [-r secs]\n"
	       "          [-o ops] [-x op,...] [-d dir] [-R] [-M] [-v]\n"
	       "Random ops by several processes on files in $TMEM_TEST_DIR (or -d),\n"
	       "every read checked against a model of the files; a racer has buffered\n"
	       "readers race O_DIRECT writers; umount and mount between rounds.\n"
	       "  -s SEED   random seed (default: from the clock)\n"
	       "  -t SECS   how long the random ops run (default 60)\n"
	       "  -p PROCS  processes doing random ops (default 3, at most %d)\n"
	       "  -f FILES  files per process (default 3, at most %d)\n"
	       "  -m MIB    total initial size of the files (default: 5/4 of the\n"
	       "            memory, at most a third of the free space)\n"
	       "  -r SECS   length of a round (default 10)\n"
	       "  -o OPS    end rounds after OPS ops per process, not -r seconds\n"
	       "  -x OPS    leave out these ops (names as in the ops line, comma-separated)\n"
	       "  -d DIR    directory (default $TMEM_TEST_DIR)\n"
	       "  -R        no racing process\n"
	       "  -M        no umount and mount between rounds\n"
	       "  -v        print every op\n"
	       "Exit status: 0 clean, 1 mismatch or failed op, 4 cannot run.\n",
	       prog, MAX_PROCS, MAX_FPP);
}

/*
 * Wait for the @n processes of a round. The first to fail has the others
 * killed; its index goes to *@who. Returns its status (0: all went well).
 */
static int wait_all(pid_t *pids, unsigned int n, uint64_t deadline,
		    unsigned int *who)
{
	unsigned int left = n, k;
	int worst = 0, status, code;
	pid_t pid;

	while (left) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0)
			break;
		if (!pid) {
			if (!worst && deadline && now_ns() > deadline) {
				ksft_print_msg("still running %d s after the round's end: hung?\n",
					       HANG_SECS);
				worst = 3;
				for (k = 0; k < n; k++)
					if (pids[k] > 0)
						kill(pids[k], SIGKILL);
			}
			usleep(20000);
			continue;
		}
		for (k = 0; k < n && pids[k] != pid; k++)
			;
		if (k == n)
			continue;
		pids[k] = 0;
		left--;
		code = WIFEXITED(status) ? WEXITSTATUS(status) :
		       128 + WTERMSIG(status);
		if (!code || worst)
			continue;
		if (WIFSIGNALED(status))
			ksft_print_msg("%s %u killed by signal %d\n",
				       k == opt.procs ? "racer" : "proc", k,
				       WTERMSIG(status));
		worst = code;
		*who = k;
		for (k = 0; k < n; k++)
			if (pids[k] > 0)
				kill(pids[k], SIGKILL);
	}
	return worst;
}

static uint64_t count_ops(enum op op)
{
	uint64_t n = 0;
	unsigned int p;

	for (p = 0; p < MAX_PROCS + 2; p++)
		n += sh->ops[p][op];
	return n;
}

static uint64_t total_ops(void)
{
	uint64_t n = 0;
	unsigned int k;

	for (k = 0; k < NR_OPS; k++)
		n += count_ops(k);
	return n;
}

static void print_ops(double secs)
{
	char line[2048];
	size_t len = 0;
	unsigned int k;

	for (k = 0; k < NR_OPS; k++)
		len += snprintf(line + len, sizeof(line) - len, "%s=%llu ",
				op_name[k], (unsigned long long)count_ops(k));
	ksft_print_msg("ops: %stotal=%llu in %.0f s\n", line,
		       (unsigned long long)total_ops(), secs);
}

static bool probe_dio(void)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/cs.probe", opt.dir);
	fd = open(path, O_RDWR | O_CREAT | O_DIRECT, 0644);
	if (fd >= 0)
		close(fd);
	unlink(path);
	return fd >= 0;
}

static void remove_files(void)
{
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%s", opt.dir, files[i].name);
		unlink(path);
	}
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opt.seed = mix64(now_ns() ^ getpid()) % 1000000000;
	while ((c = getopt_long(argc, argv, "s:t:p:f:m:r:o:x:d:RMvh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 's':
			opt.seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			opt.seconds = atoi(optarg);
			break;
		case 'p':
			opt.procs = atoi(optarg);
			break;
		case 'f':
			opt.fpp = atoi(optarg);
			break;
		case 'm':
			opt.mib = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			opt.round_secs = atoi(optarg);
			break;
		case 'o':
			opt.ops_per_round = strtoull(optarg, NULL, 0);
			break;
		case 'x':
			opt.exclude = optarg;
			break;
		case 'd':
			opt.dir = optarg;
			break;
		case 'R':
			opt.no_race = true;
			break;
		case 'M':
			opt.no_remount = true;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			usage(argv[0]);
			exit(KSFT_FAIL);
		}
	}
	if (opt.procs < 1 || opt.procs > MAX_PROCS || opt.fpp < 1 ||
	    opt.fpp > MAX_FPP || opt.seconds < 1 || opt.round_secs < 1) {
		usage(argv[0]);
		exit(KSFT_FAIL);
	}
	if (!opt.dir)
		opt.dir = getenv("TMEM_TEST_DIR");
}

/* -x: leave out the ops named. */
static void exclude_ops(void)
{
	char *list, *name, *save = NULL;
	unsigned int k;

	if (!opt.exclude)
		return;
	list = strdup(opt.exclude);
	for (name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < NR_OPS && strcmp(name, op_name[k]); k++)
			;
		if (k == NR_OPS || !op_weight[k])
			ksft_exit_fail_msg("-x: no op %s to leave out\n", name);
		sh->disabled[k] = 1;
	}
	free(list);
	ksft_print_msg("ops left out: %s\n", opt.exclude);
}

/* Find out what this machine and filesystem allow. */
static void setup(void)
{
	uint64_t space, cap;
	struct statvfs vfs;
	struct sysinfo si;
	bool mounted;

	if (!opt.dir)
		ksft_exit_skip("no directory: set TMEM_TEST_DIR or give -d\n");
	if (statvfs(opt.dir, &vfs))
		ksft_exit_skip("%s: %s\n", opt.dir, strerror(errno));
	page = sysconf(_SC_PAGESIZE);
	bsize = vfs.f_bsize;
	if (sysinfo(&si))
		ksft_exit_skip("sysinfo: %s\n", strerror(errno));
	ram = (uint64_t)si.totalram * si.mem_unit;
	space = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	cap = space / 3 >> 20;
	if (!opt.mib)
		opt.mib = min_u64(ram * 5 / 4 >> 20, cap);
	if (opt.mib > cap) {
		ksft_print_msg("-m %llu: more than a third of the free space, %llu MiB used\n",
			       (unsigned long long)opt.mib,
			       (unsigned long long)cap);
		opt.mib = cap;
	}
	nfiles = opt.procs * opt.fpp;
	if ((opt.mib << 20) / nfiles < 64 * page)
		ksft_exit_skip("%llu MiB is too little for %u files\n",
			       (unsigned long long)opt.mib, nfiles);
	mounted = find_mount();
	can_remount = !opt.no_remount && mounted && !geteuid() &&
		      !strncmp(dev, "/dev/", 5);
	can_drop = !access("/proc/sys/vm/drop_caches", W_OK);
	dio_ok = probe_dio();
	sh = shared_map(sizeof(*sh));
	lit = shared_map(LIT_POOL);
	files = shared_map(nfiles * sizeof(*files));
	if (!sh || !lit || !files)
		ksft_exit_skip("no shared memory: %s\n", strerror(errno));
	if (!dio_ok) {
		sh->disabled[OP_DIO_READ] = 1;
		sh->disabled[OP_DIO_WRITE] = 1;
		sh->disabled[OP_DIO_WRITE_MMAP] = 1;
		sh->disabled[OP_DIO_WRITE_FAULT] = 1;
		opt.no_race = true;
	}
	if (!can_drop)
		sh->disabled[OP_DROP_CACHES] = 1;
	if (bsize != page)
		sh->disabled[OP_MOVE_EXT] = 1;
	exclude_ops();
	ksft_print_msg("seed %llu, %u s in rounds of %u s\n",
		       (unsigned long long)opt.seed, opt.seconds, opt.round_secs);
	ksft_print_msg("%u procs x %u files, %llu MiB (RAM %llu MiB)%s\n",
		       opt.procs, opt.fpp, (unsigned long long)opt.mib,
		       (unsigned long long)(ram >> 20),
		       opt.no_race ? ", no racer" : ", and a racer");
	ksft_print_msg("%s: %s %s, block %zu; %s; drop_caches %s; O_DIRECT %s\n",
		       opt.dir, mounted ? fstype : "", mounted ? dev : "",
		       bsize, can_remount ? "umount and mount between rounds" :
		       "no remounts", can_drop ? "yes" : "no",
		       dio_ok ? "yes" : "no");
}

int main(int argc, char **argv)
{
	long long puts0, hits0, puts = 0, hits = 0;
	unsigned int round, p, k, n, who = UINT_MAX, perm[MAX_FILES];
	uint64_t start, stop, end, ops0, total = 0;
	pid_t pids[MAX_PROCS + 1];
	int status = 0, fin = -1;
	bool tmem;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	ksft_print_header();
	setup();
	tmem = tmem_backs_cleancache();
	ksft_print_msg("tmem %s\n", tmem ? "active" : "not active");
	ksft_set_plan(4);

	w.rng = mix64(opt.seed);
	alloc_buffers();
	start = now_ns();
	if (make_files())
		ksft_exit_fail_msg("creating the files: %s\n", strerror(errno));
	ksft_print_msg("%u files written in %.0f s\n", nfiles,
		       (now_ns() - start) / 1e9);
	puts0 = read_counter(TMEM_DEBUGFS "puts");
	hits0 = read_counter(TMEM_DEBUGFS "hits");

	start = now_ns();
	stop = start + opt.seconds * NSEC;
	for (round = 0; !status && now_ns() < stop; round++) {
		end = min_u64(now_ns() + opt.round_secs * NSEC, stop);
		ops0 = total_ops();
		w.rng = mix64(opt.seed ^ mix64(round));
		for (k = 0; k < nfiles; k++)
			perm[k] = k;
		for (k = nfiles - 1; k > 0; k--) {
			unsigned int j = rnd_below(k + 1), t = perm[k];

			perm[k] = perm[j];
			perm[j] = t;
		}
		fflush(stdout);
		n = 0;
		for (p = 0; p <= opt.procs; p++) {
			if (p == opt.procs && opt.no_race)
				break;
			pids[n] = fork();
			if (pids[n] < 0) {
				ksft_print_msg("fork: %s\n", strerror(errno));
				status = 2;
				break;
			}
			if (!pids[n])
				_exit(p < opt.procs ?
				      worker(p, round, perm + p * opt.fpp, end) :
				      race_main(round, end));
			n++;
		}
		status = wait_all(pids, n, opt.ops_per_round ? 0 :
				  end + HANG_SECS * NSEC, &who) ?: status;
		if (status)
			break;
		if (can_remount && now_ns() < stop && remount()) {
			ksft_print_msg("umount and mount %s: %s\n", opt.dir,
				       strerror(errno));
			if (errno != EBUSY) {
				status = 2;
				break;
			}
			can_remount = false;
		}
		ksft_print_msg("round %u: %llu ops, %llu races in all%s\n", round,
			       (unsigned long long)(total_ops() - ops0),
			       (unsigned long long)count_ops(OP_RACE),
			       can_remount && now_ns() < stop ?
			       "; umount, mount" : "");
	}

	if (!status) {
		for (k = 0; k < nfiles; k++)
			total += files[k].size;
		end = now_ns();
		fflush(stdout);
		pids[0] = fork();
		if (!pids[0])
			_exit(final_check());
		fin = wait_all(pids, 1, 0, &k);
		end = now_ns() - end;
	}
	print_ops((now_ns() - start) / 1e9);
	ksft_print_msg("O_DIRECT writes failed: %llu; sectors new %llu, old %llu, other %llu\n",
		       (unsigned long long)sh->settled,
		       (unsigned long long)sh->sect_new,
		       (unsigned long long)sh->sect_old,
		       (unsigned long long)sh->sect_lit);
	if (sh->move_ext_errors)
		ksft_print_msg("move_ext failed %llu times (EBUSY and the like)\n",
			       (unsigned long long)sh->move_ext_errors);
	if (sh->race_late_drops)
		ksft_print_msg("%llu raced pages were still cached after one drop\n",
			       (unsigned long long)sh->race_late_drops);
	if (tmem) {
		puts = read_counter(TMEM_DEBUGFS "puts") - puts0;
		hits = read_counter(TMEM_DEBUGFS "hits") - hits0;
		ksft_print_msg("tmem: %lld puts, %lld hits\n", puts, hits);
	}

	ksft_test_result(!status || who == opt.procs,
			 "random ops on %u files by %u processes, every read as modelled\n",
			 nfiles, opt.procs);
	if (opt.no_race)
		ksft_test_result_skip("buffered reads racing O_DIRECT writes: no racer\n");
	else
		ksft_test_result(who != opt.procs,
				 "buffered reads racing O_DIRECT writes: %llu races, each page checked\n",
				 (unsigned long long)count_ops(OP_RACE));
	if (fin < 0)
		ksft_test_result_skip("all files read back: not reached\n");
	else
		ksft_test_result(!fin, "all files read back, caches dropped: %llu MiB in %.0f s\n",
				 (unsigned long long)(total >> 20), end / 1e9);
	if (!tmem)
		ksft_test_result_skip("tmem took part: tmem not active\n");
	else
		ksft_test_result(puts > 0 && hits > 0,
				 "tmem took part: %lld puts, %lld hits\n",
				 puts, hits);
	if (!status && !fin)
		remove_files();
	ksft_finished();
}
