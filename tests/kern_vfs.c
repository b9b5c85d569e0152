/*
 * kern_vfs.c: white-box tests of the interfaces the VFS offers other
 * subsystems: the device switch (opening device nodes of any file
 * system), the FIFO hook, socket names (vfs_bind_socket,
 * vfs_lookup_socket), internal mounts and the vnode reference rules.
 */
#include <criterion/criterion.h>
#include <rump/rump.h>

#include "../vfs/devsw.h"
#include "../vfs/vfs.h"

/* Linux x86_64 numbers (the kernel's own headers would clash with the
 * test framework's libc ones). */
#define SYS_read 0
#define SYS_open 2
#define SYS_close 3
#define SYS_unlink 87
#define SYS_symlink 88
#define SYS_chmod 90
#define SYS_setresuid 117
#define SYS_mknod 133

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(kern_vfs, .init = boot);

/* A raw system call: the result or -errno. */
static long
sys(long nr, long a0, long a1, long a2, long a3)
{
	long args[6] = { a0, a1, a2, a3 };

	return rump_syscall(nr, args);
}

/* ---- a fake device -------------------------------------------------------- */

static int dev_opens;
static vdev_t dev_last;

static int
fake_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	char c = (char)(uintptr_t)fp->f_data;

	while (uio->uio_resid > 0)
		if (uiomove(&c, 1, uio) != 0)
			return EFAULT;
	return 0;
}

static const struct fileops fake_ops = {
	.fo_read = fake_read,
	.fo_write = fake_read,
	.fo_stat = vn_fo_stat,
};

static int
fake_open(vdev_t dev, struct vnode *vp, unsigned flags, struct file *fp)
{
	__atomic_add_fetch(&dev_opens, 1, __ATOMIC_RELAXED);
	dev_last = dev;
	if (VMINOR(dev) == 3)
		return EBUSY;
	fp->f_ops = &fake_ops;
	fp->f_data = (void *)(uintptr_t)('a' + VMINOR(dev));
	return 0;
}

static const struct devsw fake_devsw = {
	.d_name = "fake",
	.d_open = fake_open,
};

Test(kern_vfs, device_switch)
{
	char buf[4];
	long fd;

	cr_assert_eq(devsw_register(VMKDEV(200, 0), 4, &fake_devsw), 0);
	cr_assert_eq(devsw_register(VMKDEV(200, 3), 2, &fake_devsw), EBUSY);
	cr_assert_eq(devsw_register(VMKDEV(200, 4), 0, &fake_devsw), EINVAL);
	cr_assert_eq(devsw_lookup(VMKDEV(200, 2), false), &fake_devsw);
	cr_assert_null(devsw_lookup(VMKDEV(200, 2), true));
	cr_assert_null(devsw_lookup(VMKDEV(200, 4), false));

	cr_assert_eq(sys(SYS_mknod, (long)"/fake1", 020644, VMKDEV(200, 1), 0),
		     0);
	cr_assert_eq(sys(SYS_mknod, (long)"/fake3", 020644, VMKDEV(200, 3), 0),
		     0);
	cr_assert_eq(sys(SYS_mknod, (long)"/fake9", 020644, VMKDEV(200, 9), 0),
		     0);
	cr_assert_eq(sys(SYS_mknod, (long)"/blk1", 060644, VMKDEV(200, 1), 0),
		     0);
	fd = sys(SYS_open, (long)"/fake1", 2, 0, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(dev_last, VMKDEV(200, 1));
	cr_assert_eq(sys(SYS_read, fd, (long)buf, 3, 0), 3);
	cr_assert_eq(buf[0], 'b');
	cr_assert_eq(sys(SYS_close, fd, 0, 0, 0), 0);
	/* The driver's error, no driver, wrong kind. */
	cr_assert_eq(sys(SYS_open, (long)"/fake3", 2, 0, 0), -EBUSY);
	cr_assert_eq(sys(SYS_open, (long)"/fake9", 2, 0, 0), -ENXIO);
	cr_assert_eq(sys(SYS_open, (long)"/blk1", 2, 0, 0), -ENXIO);
	/* O_PATH does not reach the driver. */
	int before = dev_opens;
	fd = sys(SYS_open, (long)"/fake1", 010000000, 0, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(dev_opens, before);
	sys(SYS_close, fd, 0, 0, 0);
}

/* ---- the FIFO hook ------------------------------------------------------ */

static struct vnode *fifo_seen;

static int
fake_fifo_open(struct vnode *vp, unsigned flags, struct file *fp)
{
	cr_assert_eq(vp->v_type, VFIFO);
	cr_assert_eq(fp->f_vnode, vp);
	fifo_seen = vp;
	fp->f_ops = &fake_ops;
	fp->f_data = (void *)(uintptr_t)'f';
	return 0;
}

static int reclaimed;

static void
fake_reclaim(struct vnode *vp)
{
	reclaimed++;
}

static const struct vfs_ipc_hooks fake_hooks = {
	.fifo_open = fake_fifo_open,
	.vnode_reclaim = fake_reclaim,
};

Test(kern_vfs, fifo_hook)
{
	char c;
	long fd;

	cr_assert_eq(sys(SYS_mknod, (long)"/ff", 010644, 0, 0), 0);
	vfs_set_ipc_hooks(NULL);
	cr_assert_eq(sys(SYS_open, (long)"/ff", 0, 0, 0), -ENXIO);
	vfs_set_ipc_hooks(&fake_hooks);
	fd = sys(SYS_open, (long)"/ff", 0, 0, 0);
	cr_assert_geq(fd, 0);
	cr_assert_not_null(fifo_seen);
	cr_assert_eq(sys(SYS_read, fd, (long)&c, 1, 0), 1);
	cr_assert_eq(c, 'f');
	/* v_ipc set: the reclaim hook runs when the vnode goes. */
	fifo_seen->v_ipc = &reclaimed;
	cr_assert_eq(sys(SYS_unlink, (long)"/ff", 0, 0, 0), 0);
	cr_assert_eq(reclaimed, 0);
	cr_assert_eq(sys(SYS_close, fd, 0, 0, 0), 0);
	cr_assert_eq(reclaimed, 1);
}

/* ---- socket names --------------------------------------------------------- */

Test(kern_vfs, socket_names)
{
	struct lwp *l;
	struct vnode *vp, *vp2;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	l = rump_pub_lwproc_curlwp();
	cr_assert_not_null(l);
	cr_assert_eq(vfs_bind_socket(l, AT_FDCWD, "/sock", 0777, &vp), 0);
	cr_assert_eq(vp->v_type, VSOCK);
	cr_assert_eq(vfs_bind_socket(l, AT_FDCWD, "/sock", 0777, &vp2), EEXIST);
	cr_assert_eq(sys(SYS_symlink, (long)"/nowhere", (long)"/dangle", 0, 0),
		     0);
	cr_assert_eq(vfs_bind_socket(l, AT_FDCWD, "/dangle", 0777, &vp2),
		     EEXIST);
	cr_assert_eq(vfs_bind_socket(l, AT_FDCWD, "/no/sock", 0777, &vp2),
		     ENOENT);
	cr_assert_eq(vfs_lookup_socket(l, "/sock", &vp2), 0);
	cr_assert_eq(vp2, vp);
	vnode_rele(vp2);
	cr_assert_eq(sys(SYS_symlink, (long)"/sock", (long)"/sl", 0, 0), 0);
	cr_assert_eq(vfs_lookup_socket(l, "/sl", &vp2), 0);
	vnode_rele(vp2);
	cr_assert_eq(vfs_lookup_socket(l, "/nope", &vp2), ENOENT);
	cr_assert_eq(vfs_lookup_socket(l, "/dev", &vp2), ECONNREFUSED);
	/* Write permission is needed to connect, and on the directory to
	 * bind. */
	cr_assert_eq(sys(SYS_chmod, (long)"/sock", 0755, 0, 0), 0);
	cr_assert_eq(sys(SYS_setresuid, 1000, 1000, 1000, 0), 0);
	cr_assert_eq(vfs_lookup_socket(l, "/sock", &vp2), EACCES);
	cr_assert_eq(vfs_bind_socket(l, AT_FDCWD, "/s2", 0777, &vp2), EACCES);
	vnode_rele(vp);
	rump_pub_lwproc_releaselwp();
}

/* ---- internal mounts ------------------------------------------------------- */

Test(kern_vfs, internal_mount)
{
	struct vnode *vp;
	struct lwp *l;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	l = rump_pub_lwproc_curlwp();

	cr_assert_eq(vfs_mount_internal("nosuch", "x", "/dev", 0, NULL),
		     ENODEV);
	cr_assert_eq(vfs_mount_internal("tmpfs", "x", "/nope", 0, NULL),
		     ENOENT);
	cr_assert_eq(
		vfs_mount_internal("tmpfs", "devtmp", "/dev", 0, "mode=0755"),
		0);
	cr_assert_eq(namei(l, AT_FDCWD, "/dev", NI_FOLLOW, &vp), 0);
	cr_assert_eq(vp, vp->v_mount->mnt_root);
	cr_assert_str_eq(vp->v_mount->mnt_fstype, "tmpfs");
	vnode_rele(vp);
	cr_assert_not_null(vfs_find_fstype("tmpfs"));
	cr_assert_eq(vfs_register_fstype(vfs_find_fstype("tmpfs")), EEXIST);
	rump_pub_lwproc_releaselwp();
}

/* ---- reference counts come back -------------------------------------------- */

Test(kern_vfs, references_balance)
{
	struct vnode *d, *root, *f;
	unsigned d0, r0, f0;
	struct lwp *l;
	long fd;
	char buf[512]; /* a struct stat fits */

	cr_assert_eq(sys(83 /* mkdir */, (long)"/rb", 0755, 0, 0), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	l = rump_pub_lwproc_curlwp();
	cr_assert_eq(namei(l, AT_FDCWD, "/rb", 0, &d), 0);
	cr_assert_eq(namei(l, AT_FDCWD, "/", 0, &root), 0);
	cr_assert_eq(sys(80 /* chdir */, (long)"/rb", 0, 0, 0), 0);
	fd = sys(SYS_open, (long)"f", 0102, 0644, 0);
	cr_assert_geq(fd, 0);
	sys(SYS_close, fd, 0, 0, 0);
	cr_assert_eq(namei(l, AT_FDCWD, "/rb/f", 0, &f), 0);
	d0 = d->v_usecount;
	r0 = root->v_usecount;
	f0 = f->v_usecount;
	/* Opens of every kind, stats, failed calls: all references back. */
	static const char *const paths[] = { ".",     "/rb", "f",
					     "/rb/f", "..",  "/",
					     "nope",  "f/x", "../rb/./f" };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		long flags[] = { 0, 0200000, 010000000, 0102, 0302, 01 };
		for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
			fd = sys(SYS_open, (long)paths[i], flags[k], 0644, 0);
			if (fd >= 0)
				sys(SYS_close, fd, 0, 0, 0);
		}
		sys(4 /* stat */, (long)paths[i], (long)buf, 0, 0);
		sys(21 /* access */, (long)paths[i], 4, 0, 0);
		sys(89 /* readlink */, (long)paths[i], (long)buf, 10, 0);
		sys(83 /* mkdir */, (long)paths[i], 0755, 0, 0);
	}
	fd = sys(SYS_open, (long)".", 020200002 /* O_TMPFILE|O_RDWR */, 0600,
		 0);
	cr_assert_geq(fd, 0);
	sys(SYS_close, fd, 0, 0, 0);
	sys(79 /* getcwd */, (long)buf, sizeof(buf), 0, 0);
	cr_assert_eq(d->v_usecount, d0);
	cr_assert_eq(root->v_usecount, r0);
	cr_assert_eq(f->v_usecount, f0);
	vnode_rele(f);
	vnode_rele(d);
	vnode_rele(root);
	rump_pub_lwproc_releaselwp();
}
