// SPDX-License-Identifier: GPL-2.0-only
/*
 * loop-dio DEV...: turn direct I/O on for each loop device (dom0's side of
 * W6, pipeline/bench-density.sh; busybox's losetup cannot). A guest's
 * data disk is an image on dom0's test disk behind a loop device; with
 * direct I/O its reads go to the disk, not to dom0's page cache, which
 * would otherwise serve the guests' re-reads for free in every mode.
 */
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);

		if (fd < 0 || ioctl(fd, LOOP_SET_DIRECT_IO, 1UL) < 0) {
			perror(argv[i]);
			rc = 1;
		}
		if (fd >= 0)
			close(fd);
	}
	return rc;
}
