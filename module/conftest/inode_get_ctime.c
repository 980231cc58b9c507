// SPDX-License-Identifier: GPL-2.0
/*
 * inode_get_ctime(): an inode's change time through an accessor (6.6,
 * when i_ctime was made private; the field is split in two since 6.11).
 */
#include <linux/fs.h>

struct timespec64 ka_probe(const struct inode *inode)
{
	return inode_get_ctime(inode);
}
