// SPDX-License-Identifier: GPL-2.0-only
/*
 * Self-ballooning: a guest gives the host the memory it is not using.
 *
 * Every interval the guest sets its own balloon target to what it needs:
 * the memory committed to its processes (Committed_AS), the kernel's
 * reserve and a reserve of its own for bursts. It goes down by a fraction
 * of the gap at each step and up all at once, never below a floor and
 * never above what the host set through xenstore's memory/target, which
 * becomes a ceiling instead of the target. What it then has to evict goes
 * to tmem: clean file pages to cleancache, swapped pages to frontswap.
 *
 * Committed_AS alone cannot see a working set that outgrows memory while
 * its commitments stand still (a file set read again and again). Refaults
 * can: a page evicted and needed again soon after. When the refaults of an
 * interval exceed a share of memory, the step goes up by an eighth of
 * memory instead of down, whatever Committed_AS says.
 *
 * Frontswap's copies are charged to the guest by Xen, within the same
 * maximum as its memory. Before the balloon grows, copies are dropped to
 * make room (the swap device has every page), and once the guest has not
 * swapped for a while they are dropped a little at a time (self-shrinking),
 * so that memory it no longer needs goes back to the host.
 *
 * The knobs and counters are in /sys/devices/system/xen_memory/xen_memory0/
 * selfballoon/; see Documentation/admin-guide/xen-tmem.rst.
 */
#define pr_fmt(fmt) "xen-selfballoon: " fmt

#include <linux/device.h>
#include <linux/frontswap.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/swap.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>
#include <xen/balloon.h>
#include <xen/tmem.h>
#include <xen/xen.h>
#include <xen/interface/memory.h>
#include <asm/xen/hypercall.h>

#define MB2PAGES(mb)	((unsigned long)(mb) << (20 - PAGE_SHIFT))
#define PAGES2MB(pages)	((unsigned long)(pages) >> (20 - PAGE_SHIFT))

/* Knobs, all in sysfs. */
static bool selfballooning;
static unsigned int interval = 5;		/* seconds between steps */
static unsigned int downhysteresis = 8;		/* 1/N of the gap per step */
static unsigned int uphysteresis = 1;
static unsigned int min_usable_mb;		/* 0: the piecewise floor */
static unsigned int reserved_mb;		/* 0: 10% of the ceiling */
static unsigned int refault_permille = 10;	/* of memory, per interval */
static unsigned int selfshrink_hysteresis = 12;	/* idle intervals */
static unsigned int selfshrink_inertia = 8;	/* 1/N of the copies */

/* What the host set through xenstore; 0 until it did. */
static unsigned long host_target;

/* Counters. */
static unsigned long steps_down, steps_up, pressure_steps;
static unsigned long lowest_target, frontswap_dropped_for_room, selfshrunk;
static unsigned long last_goal;

/* State between steps. */
static unsigned long last_refaults, last_swap_activity;
static unsigned int idle_intervals;

static void selfballoon_process(struct work_struct *work);
static DECLARE_DELAYED_WORK(selfballoon_worker, selfballoon_process);

static unsigned long ceiling_pages(void)
{
	unsigned long c = READ_ONCE(host_target);

	return c ? c : balloon_stats.current_pages;
}

/*
 * Below this a guest runs badly whatever it commits: all of a tiny guest,
 * then less and less of each further MiB (the curve of the old driver,
 * which guests ran with for years).
 */
static unsigned long floor_pages(void)
{
	unsigned long useful = ceiling_pages() - min(ceiling_pages(),
						     totalreserve_pages);

	if (min_usable_mb)
		return totalreserve_pages + MB2PAGES(min_usable_mb);
	if (useful < MB2PAGES(16))
		return ceiling_pages();
	if (useful < MB2PAGES(64))
		return totalreserve_pages + MB2PAGES(16) +
			(useful - MB2PAGES(16)) / 2;
	if (useful < MB2PAGES(512))
		return totalreserve_pages + MB2PAGES(40) +
			(useful - MB2PAGES(40)) / 8;
	return totalreserve_pages + MB2PAGES(99) + (useful - MB2PAGES(99)) / 32;
}

static unsigned long refaults(void)
{
	return global_node_page_state(WORKINGSET_REFAULT_ANON) +
		global_node_page_state(WORKINGSET_REFAULT_FILE);
}

/* Changes whenever the guest swaps out to frontswap or swaps in. */
static unsigned long swap_activity(void)
{
	return frontswap_stored_pages() +
		global_node_page_state(WORKINGSET_REFAULT_ANON);
}

/* Pages the domain may still be given: its maximum less what it holds. */
static long domain_headroom(void)
{
	domid_t domid = DOMID_SELF;
	long max, cur;

	max = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &domid);
	cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &domid);
	if (max < 0 || cur < 0)
		return LONG_MAX;
	return max - cur;
}

/* Growing by @pages: drop frontswap copies that hold the room. */
static void make_room(unsigned long pages)
{
	long headroom = domain_headroom();
	unsigned long need;

	if (headroom < 0)
		headroom = 0;
	if (pages <= headroom)
		return;
	need = min(pages - headroom, frontswap_stored_pages());
	if (need)
		frontswap_dropped_for_room += frontswap_shrink(need);
}

/* Copies nobody asked for in a while go back to the host. */
static void selfshrink(void)
{
	unsigned long now = swap_activity(), stored = frontswap_stored_pages();

	if (now != last_swap_activity || !stored) {
		last_swap_activity = now;
		idle_intervals = 0;
		return;
	}
	if (++idle_intervals < selfshrink_hysteresis)
		return;
	selfshrunk += frontswap_shrink(max(stored / max(selfshrink_inertia, 1U),
					   1UL));
	last_swap_activity = swap_activity();
}

static void selfballoon_step(void)
{
	unsigned long cur = totalram_pages(), held = balloon_stats.current_pages;
	unsigned long goal, target, reserve, r = refaults();
	unsigned long ceiling = ceiling_pages(), base;
	bool pressure;

	/*
	 * In the balloon's pages, which count those the kernel never had as
	 * RAM (its image, the memmap) too, as the host's target does.
	 */
	reserve = reserved_mb ? MB2PAGES(reserved_mb) : ceiling / 10;
	goal = vm_memory_committed() + totalreserve_pages + reserve +
		(held - min(held, cur));
	pressure = r - last_refaults > (unsigned long)cur * refault_permille / 1000;
	last_refaults = r;

	if (pressure) {
		goal = max(goal, held + cur / 8);
		pressure_steps++;
	}
	WRITE_ONCE(last_goal, goal);
	/* From the last target, which the balloon may not have reached. */
	base = balloon_stats.target_pages;
	if (goal < base && !pressure)
		target = base - (base - goal) / max(downhysteresis, 1U);
	else if (goal > base)
		target = base + (goal - base) / max(uphysteresis, 1U);
	else
		target = base;
	target = clamp(target, min(floor_pages(), ceiling), ceiling);
	/* The host may have lowered its target meanwhile. */
	target = min(target, ceiling_pages());

	if (target > base) {
		if (target > held)
			make_room(target - held);
		steps_up++;
	} else if (target < base) {
		steps_down++;
	}
	if (target != base)
		balloon_set_new_target(target);
	if (!lowest_target || target < lowest_target)
		lowest_target = target;
	selfshrink();
}

static void selfballoon_process(struct work_struct *work)
{
	if (!READ_ONCE(selfballooning))
		return;
	selfballoon_step();
	schedule_delayed_work(&selfballoon_worker,
			      msecs_to_jiffies(max(interval, 1U) * MSEC_PER_SEC));
}

/**
 * xen_selfballoon_host_target - the host set memory/target
 * @pages: the target, in pages
 *
 * Return: true if self-ballooning is on and takes it as its ceiling (the
 * balloon then goes down to it at once if it was above); false if the
 * balloon driver should set it as its target.
 */
bool xen_selfballoon_host_target(unsigned long pages)
{
	WRITE_ONCE(host_target, pages);
	if (!READ_ONCE(selfballooning))
		return false;
	if (balloon_stats.target_pages > pages)
		balloon_set_new_target(pages);
	return true;
}

/**
 * xen_selfballoon_start - turn self-ballooning on
 *
 * Not in dom0, whose memory is the host's to manage.
 *
 * Return: 0, or -ENODEV where it does not apply.
 */
int xen_selfballoon_start(void)
{
	if (!xen_domain() || xen_initial_domain())
		return -ENODEV;
	WRITE_ONCE(selfballooning, true);
	last_refaults = refaults();
	schedule_delayed_work(&selfballoon_worker,
			      msecs_to_jiffies(max(interval, 1U) * MSEC_PER_SEC));
	pr_info("on: every %u s, floor %lu MiB, ceiling %lu MiB\n", interval,
		PAGES2MB(floor_pages()), PAGES2MB(ceiling_pages()));
	return 0;
}
EXPORT_SYMBOL_GPL(xen_selfballoon_start);

static ssize_t selfballooning_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(selfballooning));
}

static ssize_t selfballooning_store(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t count)
{
	bool on;
	int err = kstrtobool(buf, &on);

	if (err)
		return err;
	if (on && !READ_ONCE(selfballooning)) {
		err = xen_selfballoon_start();
		if (err)
			return err;
	} else if (!on && READ_ONCE(selfballooning)) {
		WRITE_ONCE(selfballooning, false);
		cancel_delayed_work_sync(&selfballoon_worker);
		/* Back to what the host asked for. */
		make_room(ceiling_pages() - min(ceiling_pages(),
						balloon_stats.current_pages));
		balloon_set_new_target(ceiling_pages());
	}
	return count;
}
static DEVICE_ATTR_RW(selfballooning);

/* A writable knob: a number in [lo, hi]. */
struct selfballoon_knob {
	struct device_attribute attr;
	unsigned int *var;
	unsigned int lo, hi;
};

static ssize_t knob_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct selfballoon_knob *k = container_of(attr, struct selfballoon_knob,
						  attr);

	return sysfs_emit(buf, "%u\n", READ_ONCE(*k->var));
}

static ssize_t knob_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct selfballoon_knob *k = container_of(attr, struct selfballoon_knob,
						  attr);
	unsigned int val;
	int err = kstrtouint(buf, 10, &val);

	if (err)
		return err;
	if (val < k->lo || val > k->hi)
		return -EINVAL;
	WRITE_ONCE(*k->var, val);
	/* A new interval counts from now, not from the last step. */
	if (k->var == &interval && READ_ONCE(selfballooning))
		mod_delayed_work(system_wq, &selfballoon_worker,
				 msecs_to_jiffies(val * MSEC_PER_SEC));
	return count;
}

#define SELFBALLOON_KNOB(_name, _var, _lo, _hi)				\
	static struct selfballoon_knob knob_##_name = {			\
		.attr = __ATTR(_name, 0644, knob_show, knob_store),	\
		.var = &(_var), .lo = (_lo), .hi = (_hi),		\
	}

SELFBALLOON_KNOB(selfballoon_interval, interval, 1, 3600);
SELFBALLOON_KNOB(selfballoon_downhysteresis, downhysteresis, 1, 1024);
SELFBALLOON_KNOB(selfballoon_uphysteresis, uphysteresis, 1, 1024);
SELFBALLOON_KNOB(selfballoon_min_usable_mb, min_usable_mb, 0, UINT_MAX);
SELFBALLOON_KNOB(selfballoon_reserved_mb, reserved_mb, 0, UINT_MAX);
SELFBALLOON_KNOB(selfballoon_refault_permille, refault_permille, 1, 1000);
SELFBALLOON_KNOB(selfshrink_hysteresis, selfshrink_hysteresis, 1, 3600);
SELFBALLOON_KNOB(selfshrink_inertia, selfshrink_inertia, 1, 1024);

/* A read-only counter or value, in pages unless the name says MiB. */
#define SELFBALLOON_VALUE(name, expr)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lu\n", (unsigned long)(expr));		\
}									\
static DEVICE_ATTR_RO(name)

SELFBALLOON_VALUE(steps_down, READ_ONCE(steps_down));
SELFBALLOON_VALUE(steps_up, READ_ONCE(steps_up));
SELFBALLOON_VALUE(pressure_steps, READ_ONCE(pressure_steps));
SELFBALLOON_VALUE(goal_mb, PAGES2MB(READ_ONCE(last_goal)));
SELFBALLOON_VALUE(lowest_target_mb, PAGES2MB(READ_ONCE(lowest_target)));
SELFBALLOON_VALUE(ceiling_mb, PAGES2MB(ceiling_pages()));
SELFBALLOON_VALUE(floor_mb, PAGES2MB(floor_pages()));
SELFBALLOON_VALUE(given_back_mb,
		  PAGES2MB(ceiling_pages() - min(ceiling_pages(),
						 balloon_stats.current_pages)));
SELFBALLOON_VALUE(frontswap_dropped_for_room,
		  READ_ONCE(frontswap_dropped_for_room));
SELFBALLOON_VALUE(selfshrunk, READ_ONCE(selfshrunk));

static struct attribute *selfballoon_attrs[] = {
	&dev_attr_selfballooning.attr,
	&knob_selfballoon_interval.attr.attr,
	&knob_selfballoon_downhysteresis.attr.attr,
	&knob_selfballoon_uphysteresis.attr.attr,
	&knob_selfballoon_min_usable_mb.attr.attr,
	&knob_selfballoon_reserved_mb.attr.attr,
	&knob_selfballoon_refault_permille.attr.attr,
	&knob_selfshrink_hysteresis.attr.attr,
	&knob_selfshrink_inertia.attr.attr,
	&dev_attr_steps_down.attr,
	&dev_attr_steps_up.attr,
	&dev_attr_pressure_steps.attr,
	&dev_attr_goal_mb.attr,
	&dev_attr_lowest_target_mb.attr,
	&dev_attr_ceiling_mb.attr,
	&dev_attr_floor_mb.attr,
	&dev_attr_given_back_mb.attr,
	&dev_attr_frontswap_dropped_for_room.attr,
	&dev_attr_selfshrunk.attr,
	NULL
};

static const struct attribute_group selfballoon_group = {
	.name = "selfballoon",
	.attrs = selfballoon_attrs,
};

/**
 * xen_selfballoon_register - add the knobs to the balloon's device
 * @dev: xen_memory0
 *
 * Return: 0 or the error of sysfs_create_group().
 */
int xen_selfballoon_register(struct device *dev)
{
	if (xen_initial_domain())
		return 0;
	return sysfs_create_group(&dev->kobj, &selfballoon_group);
}
