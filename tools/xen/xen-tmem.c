// SPDX-License-Identifier: GPL-2.0-only
/*
 * xen-tmem: the host administrator's control of Xen's Transcendent Memory,
 * run in dom0. It lists the domains using tmem (clients) with their pools
 * and counters, and sets a domain's weight, its cap on ephemeral pages,
 * its frozen state, the shared-pool uuids it may use, or flushes its
 * ephemeral pages: XEN_SYSCTL_tmem_op through the privcmd driver. Xen
 * answers a domain that is not privileged with EPERM (XSM).
 *
 * It needs no Xen library: the sysctl is in Xen's public headers, and the
 * hypercall's buffers come from /dev/xen/hypercall, whose pages Xen can
 * always read and write (or, without it, locked memory).
 */
#define __XEN_TOOLS__ 1
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/sysctl.h>
#include <xen/tmem.h>

/*
 * Linux's privcmd ABI (include/uapi/xen/privcmd.h), stable since 2.6; the
 * installed header wants the kernel's xen/interface/xen.h.
 */
struct privcmd_hypercall {
	uint64_t op;
	uint64_t arg[5];
};

#define IOCTL_PRIVCMD_HYPERCALL \
	_IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))

#define CLIENTS_PER_CALL 64
#define TMEM_EFROZEN 1000

static const char *prog = "xen-tmem";
static int privcmd = -1;

struct buffers {
	struct xen_sysctl sysctl;
	struct xen_sysctl_tmem_client clients[CLIENTS_PER_CALL];
};

static struct buffers *buf;

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: %s list [-p]            clients, with -p their pools and allowed uuids\n"
		"       %s set-weight DOMID N    weight N (1..65535, default 100)\n"
		"       %s set-cap DOMID PAGES   cap its ephemeral pages (\"none\": no cap)\n"
		"       %s freeze DOMID          refuse its puts\n"
		"       %s thaw DOMID            take its puts again\n"
		"       %s flush DOMID           drop its ephemeral pages\n"
		"       %s auth DOMID UUID       allow it shared pool UUID\n"
		"       %s auth -r DOMID UUID    withdraw that\n"
		"DOMID is a domain's number (xl domid NAME); \"all\" for every client\n"
		"(freeze, thaw, flush).\n",
		prog, prog, prog, prog, prog, prog, prog, prog);
}

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static void setup(void)
{
	int fd;

	privcmd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	if (privcmd < 0)
		die("cannot open /dev/xen/privcmd: %s (not in a Xen domain?)",
		    strerror(errno));
	fd = open("/dev/xen/hypercall", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		buf = mmap(NULL, sizeof(*buf), PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		close(fd);
		if (buf == MAP_FAILED)
			buf = NULL;
	}
	if (!buf) {
		buf = mmap(NULL, sizeof(*buf), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
		if (buf == MAP_FAILED)
			die("cannot get hypercall buffers: %s", strerror(errno));
	}
}

/* One XEN_SYSCTL_tmem_op; 0, or -errno as Xen or privcmd said. */
static int tmem_sysctl(struct xen_sysctl_tmem_op *op)
{
	struct privcmd_hypercall call = {
		.op = __HYPERVISOR_sysctl,
		.arg = { (uintptr_t)&buf->sysctl },
	};
	int rc;

	memset(&buf->sysctl, 0, sizeof(buf->sysctl));
	buf->sysctl.cmd = XEN_SYSCTL_tmem_op;
	buf->sysctl.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	buf->sysctl.u.tmem_op = *op;
	rc = ioctl(privcmd, IOCTL_PRIVCMD_HYPERCALL, &call);
	*op = buf->sysctl.u.tmem_op;

	return rc < 0 ? -errno : 0;
}

static const char *error_text(int err)
{
	switch (err) {
	case -EPERM:
		return "not allowed (only a privileged domain may control tmem)";
	case -EACCES:
		return "denied by the XSM policy (or a tool built for another Xen)";
	case -ENODEV:
		return "tmem is off (boot Xen with \"tmem\")";
	case -ESRCH:
		return "no such domain";
	case -EOPNOTSUPP:
		return "this Xen does not know that command";
	case -ENOSPC:
		return "too many uuids allowed already";
	case -ENOENT:
		return "that uuid was not allowed";
	default:
		return strerror(-err);
	}
}

static void check(int rc, const char *what)
{
	if (rc) {
		fprintf(stderr, "%s: %s: %s\n", prog, what, error_text(rc));
		exit(1);
	}
}

/* Decimal digits only: no sign, space, base prefix or suffix. */
static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static unsigned int parse_domid(const char *s)
{
	unsigned long v;

	errno = 0;
	v = all_digits(s) ? strtoul(s, NULL, 10) : DOMID_FIRST_RESERVED;
	if (errno || v >= DOMID_FIRST_RESERVED)
		die("'%s' is not a domain number", s);
	return v;
}

static uint64_t parse_u64(const char *s, uint64_t max)
{
	unsigned long long v;

	if (!all_digits(s))
		die("'%s' is not a number", s);
	errno = 0;
	v = strtoull(s, NULL, 10);
	if (errno || v > max)
		die("'%s' is not a number in range", s);
	return v;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A uuid as text, xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx or 32 hex digits:
 * its 16 bytes in order, the first 8 the low word, as Linux's driver hands
 * a filesystem's uuid to NEW_POOL.
 */
static void parse_uuid(const char *s, uint64_t uuid[2])
{
	bool dashed = strlen(s) == 36;
	unsigned char b[16];
	unsigned int i;
	const char *p = s;

	if (!dashed && strlen(s) != 32)
		die("'%s' is not a uuid", s);
	for (i = 0; i < 16; i++) {
		int hi, lo;

		if (dashed && (i == 4 || i == 6 || i == 8 || i == 10) &&
		    *p++ != '-')
			die("'%s' is not a uuid", s);
		hi = hex_digit(p[0]);
		lo = hi < 0 ? -1 : hex_digit(p[1]);
		if (lo < 0)
			die("'%s' is not a uuid", s);
		b[i] = hi << 4 | lo;
		p += 2;
	}
	memcpy(&uuid[0], &b[0], 8);
	memcpy(&uuid[1], &b[8], 8);
}

static void print_uuid(const uint64_t uuid[2])
{
	unsigned char b[16];
	unsigned int i;

	memcpy(&b[0], &uuid[0], 8);
	memcpy(&b[8], &uuid[1], 8);
	for (i = 0; i < 16; i++)
		printf("%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "",
		       b[i]);
}

typedef void (*client_fn)(const struct xen_sysctl_tmem_client *c, void *arg);

/*
 * Every client, CLIENTS_PER_CALL at most a call, from the next domain
 * number on until Xen reports none; fn is called for each, and may issue
 * sysctls of its own (the batch is copied first).
 */
static unsigned int walk_clients(client_fn fn, void *arg)
{
	static struct xen_sysctl_tmem_client batch[CLIENTS_PER_CALL];
	unsigned int next = 0, total = 0, i, n;
	struct xen_sysctl_tmem_op op;

	while (next < DOMID_FIRST_RESERVED) {
		memset(&op, 0, sizeof(op));
		op.cmd = XEN_SYSCTL_TMEM_OP_LIST;
		op.domid = next;
		op.nr = CLIENTS_PER_CALL;
		set_xen_guest_handle(op.clients, buf->clients);
		check(tmem_sysctl(&op), "list");
		n = op.nr < CLIENTS_PER_CALL ? op.nr : CLIENTS_PER_CALL;
		if (!n)
			break;
		memcpy(batch, buf->clients, n * sizeof(batch[0]));
		for (i = 0; i < n; i++) {
			fn(&batch[i], arg);
			next = batch[i].domid + 1;
		}
		total += n;
	}
	return total;
}

/* Ephemeral pages domain @domid holds now; 0 if it has no client. */
static int client_eph(unsigned int domid, uint64_t *pages)
{
	struct xen_sysctl_tmem_op op;
	int rc;

	memset(&op, 0, sizeof(op));
	op.cmd = XEN_SYSCTL_TMEM_OP_LIST;
	op.domid = domid;
	op.nr = 1;
	set_xen_guest_handle(op.clients, buf->clients);
	rc = tmem_sysctl(&op);
	*pages = !rc && op.nr && buf->clients[0].domid == domid ?
		 buf->clients[0].eph_pages : 0;
	return rc;
}

static void print_client(const struct xen_sysctl_tmem_client *c, void *arg)
{
	bool pools = *(bool *)arg;
	char cap[24] = "none";
	unsigned int i;

	if (c->cap != XEN_SYSCTL_TMEM_NO_CAP)
		snprintf(cap, sizeof(cap), "%llu", (unsigned long long)c->cap);
	printf("%5u %6u %10s %6s %10llu %10llu %10llu %10llu %10llu %10llu %10llu %10llu %5u\n",
	       c->domid, c->weight, cap,
	       c->flags & XEN_SYSCTL_TMEM_FROZEN ? "yes" : "no",
	       (unsigned long long)c->eph_pages,
	       (unsigned long long)c->pers_pages, (unsigned long long)c->puts,
	       (unsigned long long)c->puts_failed, (unsigned long long)c->gets,
	       (unsigned long long)c->gets_hit, (unsigned long long)c->flushes,
	       (unsigned long long)c->evictions, c->nr_pools);
	if (!pools)
		return;
	for (i = 0; i < c->nr_pools && i < XEN_SYSCTL_TMEM_MAX_POOLS; i++) {
		const struct xen_sysctl_tmem_pool *p = &c->pools[i];

		printf("      pool %2u %-10s %-7s %10llu pages",
		       p->id, p->flags & TMEM_POOL_PERSIST ? "persistent" : "ephemeral",
		       p->flags & TMEM_POOL_SHARED ? "shared" : "private",
		       (unsigned long long)p->pages);
		if (p->flags & TMEM_POOL_SHARED) {
			printf(" uuid ");
			print_uuid(p->uuid);
		}
		printf("\n");
	}
	for (i = 0; i < c->nr_auth && i < XEN_SYSCTL_TMEM_MAX_AUTH; i++) {
		printf("      may share ");
		print_uuid(c->auth[i]);
		printf("\n");
	}
}

static int cmd_list(int argc, char **argv)
{
	bool pools = false;
	uint64_t pages;

	if (argc == 2 && !strcmp(argv[1], "-p"))
		pools = true;
	else if (argc != 1)
		return print_usage(stderr), 2;
	/* Xen's answer first: no header above a refusal. */
	check(client_eph(0, &pages), "list");
	printf("%5s %6s %10s %6s %10s %10s %10s %10s %10s %10s %10s %10s %5s\n",
	       "dom", "weight", "cap", "frozen", "eph_pages", "pers_pages",
	       "puts", "puts_fail", "gets", "hits", "flushes", "evictions",
	       "pools");
	walk_clients(print_client, &pools);
	return 0;
}

/*
 * One command on one domain; FLUSH and SET_CAP again until done. Xen does
 * a bounded batch a call. A flush drops what the domain held when it
 * began, so that a guest that keeps putting cannot keep it going; a cap
 * is given up on once three calls in a row bring nothing below it.
 */
static int control(uint32_t cmd, unsigned int domid, uint64_t arg,
		   const uint64_t uuid[2], const char *what)
{
	struct xen_sysctl_tmem_op op;
	uint64_t flushed = 0, left = arg, last = UINT64_MAX;
	unsigned int stuck = 0;
	int rc = 0;

	if (cmd == XEN_SYSCTL_TMEM_OP_FLUSH)
		rc = client_eph(domid, &left);
	while (!rc) {
		if (cmd == XEN_SYSCTL_TMEM_OP_FLUSH && !left)
			break;
		memset(&op, 0, sizeof(op));
		op.cmd = cmd;
		op.domid = domid;
		op.arg = cmd == XEN_SYSCTL_TMEM_OP_FLUSH ? left : arg;
		if (uuid) {
			op.uuid[0] = uuid[0];
			op.uuid[1] = uuid[1];
		}
		rc = tmem_sysctl(&op);
		if (rc || cmd == XEN_SYSCTL_TMEM_OP_FLUSH) {
			if (rc || !op.arg || op.arg > left)
				break;
			flushed += op.arg;
			left -= op.arg;
			continue;
		}
		if (cmd != XEN_SYSCTL_TMEM_OP_SET_CAP || !op.arg)
			break;
		/* op.arg: pages still over the cap. */
		stuck = op.arg < last ? 0 : stuck + 1;
		last = op.arg;
		if (stuck == 3) {
			fprintf(stderr, "%s: %s domain %u: %llu pages still over the cap\n",
				prog, what, domid, (unsigned long long)op.arg);
			return 1;
		}
	}
	if (rc) {
		fprintf(stderr, "%s: %s domain %u: %s\n", prog, what, domid,
			error_text(rc));
		return 1;
	}
	if (cmd == XEN_SYSCTL_TMEM_OP_FLUSH)
		printf("domain %u: %llu pages flushed\n", domid,
		       (unsigned long long)flushed);
	return 0;
}

struct all_arg {
	uint32_t cmd;
	const char *what;
	int rc;
};

static void control_one(const struct xen_sysctl_tmem_client *c, void *arg)
{
	struct all_arg *a = arg;

	a->rc |= control(a->cmd, c->domid, 0, NULL, a->what);
}

static int cmd_domain(uint32_t cmd, const char *what, int argc, char **argv)
{
	struct all_arg a = { cmd, what, 0 };

	if (argc != 2)
		return print_usage(stderr), 2;
	if (!strcmp(argv[1], "all")) {
		walk_clients(control_one, &a);
		return a.rc;
	}
	return control(cmd, parse_domid(argv[1]), 0, NULL, what);
}

int main(int argc, char **argv)
{
	const char *cmd;
	uint64_t uuid[2];

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	argc--;
	argv++;
	if (strcmp(cmd, "list") && strcmp(cmd, "set-weight") &&
	    strcmp(cmd, "set-cap") && strcmp(cmd, "freeze") &&
	    strcmp(cmd, "thaw") && strcmp(cmd, "flush") && strcmp(cmd, "auth")) {
		fprintf(stderr, "%s: no command '%s'\n", prog, cmd);
		print_usage(stderr);
		return 2;
	}
	setup();

	if (!strcmp(cmd, "list"))
		return cmd_list(argc, argv);
	if (!strcmp(cmd, "freeze"))
		return cmd_domain(XEN_SYSCTL_TMEM_OP_FREEZE, "freeze", argc, argv);
	if (!strcmp(cmd, "thaw"))
		return cmd_domain(XEN_SYSCTL_TMEM_OP_THAW, "thaw", argc, argv);
	if (!strcmp(cmd, "flush"))
		return cmd_domain(XEN_SYSCTL_TMEM_OP_FLUSH, "flush", argc, argv);
	if (!strcmp(cmd, "set-weight")) {
		if (argc != 3)
			return print_usage(stderr), 2;
		return control(XEN_SYSCTL_TMEM_OP_SET_WEIGHT, parse_domid(argv[1]),
			       parse_u64(argv[2], 65535), NULL, "set-weight");
	}
	if (!strcmp(cmd, "set-cap")) {
		if (argc != 3)
			return print_usage(stderr), 2;
		return control(XEN_SYSCTL_TMEM_OP_SET_CAP, parse_domid(argv[1]),
			       !strcmp(argv[2], "none") ? XEN_SYSCTL_TMEM_NO_CAP :
			       parse_u64(argv[2], XEN_SYSCTL_TMEM_NO_CAP - 1),
			       NULL, "set-cap");
	}
	/* auth [-r] DOMID UUID */
	if (argc == 4 && !strcmp(argv[1], "-r")) {
		parse_uuid(argv[3], uuid);
		return control(XEN_SYSCTL_TMEM_OP_AUTH, parse_domid(argv[2]), 0,
			       uuid, "auth -r");
	}
	if (argc != 3)
		return print_usage(stderr), 2;
	parse_uuid(argv[2], uuid);
	return control(XEN_SYSCTL_TMEM_OP_AUTH, parse_domid(argv[1]), 1, uuid,
		       "auth");
}
