/*
 * devfs.h: the device file system mounted on /dev, and the drivers of
 * the memory and console devices.
 *
 * Drivers (devices.c) are registered in the device switch (devsw.h) at
 * boot, so a device node anywhere (devfs, or one made with mknod in a
 * tmpfs) reaches them by number, as on Linux:
 *   1:3 null    1:5 zero    1:7 full    1:8 random    1:9 urandom
 *   5:0 tty     5:1 console
 * tty and console read the host's standard input and write its standard
 * output through the hypercall layer (rumpuser_iovread/iovwrite on
 * RUMPUSER_FD_STDIN/STDOUT).  Both are always reported ready by poll:
 * a read that finds no input blocks in the host.
 *
 * devfs (devfs.c) shows those nodes in one directory, with an empty
 * directory "shm" on which boot mounts a tmpfs (mode 1777, as Linux's
 * /dev/shm, where shm_open and sem_open keep their objects).  Its nodes
 * are fixed: names cannot be created or removed there (EPERM); their
 * permissions, owners and times can be changed.  Every mount has its
 * own nodes.
 */
#ifndef RUMP_VFS_DEVFS_H
#define RUMP_VFS_DEVFS_H

#include "../vfs.h"

extern const struct vfsops devfs_vfsops;

/*
 * devfs_init: at boot, after vfs_init: register the drivers and the
 * "devfs" type, mount devfs on /dev and a tmpfs on /dev/shm, and open
 * /dev/console as descriptors 0, 1 and 2 of init (pid 1).  0 or an
 * errno.
 */
int devfs_init(void);

/* The drivers alone (devfs_init calls it). */
int devices_init(void);

#endif /* RUMP_VFS_DEVFS_H */
