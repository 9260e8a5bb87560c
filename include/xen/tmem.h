/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the Xen balloon driver and the tmem driver share: self-ballooning,
 * which tmem starts (drivers/xen/xen-selfballoon.c), and whose knobs sit
 * beside the balloon's in /sys/devices/system/xen_memory/xen_memory0/.
 */
#ifndef _XEN_TMEM_H
#define _XEN_TMEM_H

#include <linux/types.h>

struct device;

#ifdef CONFIG_XEN_SELFBALLOONING
int xen_selfballoon_register(struct device *dev);
bool xen_selfballoon_host_target(unsigned long pages);
int xen_selfballoon_start(void);
#else
static inline int xen_selfballoon_register(struct device *dev)
{
	return 0;
}

static inline bool xen_selfballoon_host_target(unsigned long pages)
{
	return false;
}

static inline int xen_selfballoon_start(void)
{
	return -ENODEV;
}
#endif

#endif /* _XEN_TMEM_H */
