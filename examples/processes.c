/*
 * processes.c: rumpkit's process model in one short program.
 *
 * A rump kernel runs inside this program.  Each host thread makes its
 * system calls as some process of that kernel: by default as init
 * (pid 1, root); after rump_pub_lwproc_rfork() as a new child process;
 * rump_pub_lwproc_switch() moves the thread between processes.  Every
 * process has its own credentials, and its descriptor table is shared
 * with, copied from or independent of its parent's, as rfork's flag says.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

/* Stop with a message when a call that cannot fail here does. */
static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "processes: %s failed: %s\n", what,
			strerror(errno));
		exit(1);
	}
}

/* One line: who the calling thread is inside the kernel right now. */
static void
whoami(const char *label)
{
	printf("  %-22s pid %-4d ppid %-4d uid %-5u euid %u\n", label,
	       rump_sys_getpid(), rump_sys_getppid(), rump_sys_getuid(),
	       rump_sys_geteuid());
}

/* A child of the current process that runs as `uid'; the calling
 * thread is now in it.  Returns its lwp, to switch back to later. */
static struct lwp *
spawn_as(uid_t uid)
{
	check(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "rfork");
	check(rump_sys_setuid(uid) == 0, "setuid");
	return rump_pub_lwproc_curlwp();
}

static void
show_processes(void)
{
	struct lwp *alice, *bob, *alices_child;

	printf("\n1. Processes with their own users\n");
	whoami("implicit context:");

	alice = spawn_as(1000);
	whoami("alice (rfork+setuid):");
	alices_child = spawn_as(1000); /* rforked by alice: her child */
	whoami("alice's child:");

	rump_pub_lwproc_switch(NULL); /* back to init, to fork bob */
	bob = spawn_as(2000);
	whoami("bob:");

	printf("  bob tries setuid(1000): %s\n",
	       rump_sys_setuid(1000) == 0 ? "allowed" : strerror(errno));

	rump_pub_lwproc_switch(alice);
	whoami("alice again:");

	rump_pub_lwproc_releaselwp(); /* alice is gone */
	rump_pub_lwproc_switch(alices_child);
	whoami("alice's orphan:");
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(bob);
	rump_pub_lwproc_releaselwp();
	whoami("after releasing all:");
}

static void
show_private_credentials(void)
{
	struct lwp *admin, *worker;

	printf("\n2. Credentials are private to a process\n");
	check(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "rfork");
	admin = rump_pub_lwproc_curlwp();
	whoami("admin:");
	check(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "rfork");
	worker = rump_pub_lwproc_curlwp();
	whoami("worker (inherits):");
	check(rump_sys_setresuid(4000, 4000, 4000) == 0, "setresuid");
	whoami("worker drops to 4000:");
	rump_pub_lwproc_switch(admin);
	whoami("admin is still root:");

	rump_pub_lwproc_switch(worker);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(admin);
	rump_pub_lwproc_releaselwp();
}

/* What the current process (`who') sees of descriptor `fd'. */
static void
describe_fd(const char *who, int fd)
{
	off_t off = rump_sys_lseek(fd, 0, SEEK_CUR);
	char label[40];

	snprintf(label, sizeof(label), "%s sees fd %d:", who, fd);
	if (off >= 0)
		printf("    %-24s open, offset %lld\n", label, (long long)off);
	else
		printf("    %-24s %s\n", label, strerror(errno));
}

/* A child with descriptor table `flags' looks at the parent's `fd' and
 * dups it; then the parent looks for the child's new descriptor. */
static void
fork_and_look(struct lwp *parent, int fd, int flags, const char *how)
{
	int newfd;

	printf("  %s\n", how);
	check(rump_pub_lwproc_rfork(flags) == 0, "rfork");
	describe_fd("child", fd);
	newfd = rump_sys_dup(fd);
	if (newfd >= 0)
		printf("    %-24s fd %d\n", "child dups it to:", newfd);
	else
		printf("    %-24s %s\n",
		       "child cannot dup it:", strerror(errno));
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(parent);
	if (newfd >= 0) {
		describe_fd("parent", newfd);
		rump_sys_close(newfd); /* when the table was shared */
	}
}

static void
show_descriptor_tables(void)
{
	struct lwp *parent;
	int fd;

	printf("\n3. Descriptor tables: shared, copied, clean\n");
	check(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "rfork");
	parent = rump_pub_lwproc_curlwp();
	fd = rump_sys_memfd_create("demo", 0);
	check(fd >= 0, "memfd_create");
	check(rump_sys_write(fd, "hello", 5) == 5, "write");
	printf("  parent opens a memfd as fd %d and writes 5 bytes\n", fd);

	fork_and_look(parent, fd, 0, "rfork(0): one table, shared");
	fork_and_look(parent, fd, RUMP_RFFDG,
		      "rfork(RUMP_RFFDG): a copy, as fork(2) makes");
	fork_and_look(parent, fd, RUMP_RFCFDG,
		      "rfork(RUMP_RFCFDG): a clean table");

	rump_pub_lwproc_releaselwp();
}

int
main(void)
{
	int error = rump_init();

	if (error != 0) {
		fprintf(stderr, "rump_init: %s\n", strerror(error));
		return 1;
	}
	printf("rumpkit: processes and their credentials\n");
	show_processes();
	show_private_credentials();
	show_descriptor_tables();
	return 0;
}
