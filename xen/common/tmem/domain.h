/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What tmem's Xen-side files share (hypercall.c, sysctl.c, stats.c): the
 * boot option and a domain's client. The portable store does not see it.
 */
#ifndef TMEM_DOMAIN_H
#define TMEM_DOMAIN_H

#include <xen/types.h>

struct domain;
struct tmem_client;

/* The "tmem" boot option: is tmem on? */
extern bool opt_tmem;

/*
 * Domain @d's client, created by its first op (or by the administrator's);
 * NULL if there is no memory for one, or @d is dying.
 */
struct tmem_client *tmem_domain_client(struct domain *d);

#endif /* TMEM_DOMAIN_H */

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
