/*
 * files.c: the kernel's file systems in one short program.
 *
 * After rump_init() the root is a writable tmpfs.  This program builds a
 * small tree in it (directories, files with data, a symlink, a hard
 * link), lists it recursively with getdents64 and stat, then shows an
 * unprivileged process (made with rump_pub_lwproc_rfork and given uid
 * 1000) being refused what its permissions do not allow.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "files: %s failed: %s\n", what,
			strerror(errno));
		exit(1);
	}
}

static void
mkfile(const char *path, mode_t mode, const char *data)
{
	int fd = rump_sys_open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);

	check(fd >= 0, path);
	check(rump_sys_write(fd, data, strlen(data)) == (ssize_t)strlen(data),
	      "write");
	check(rump_sys_close(fd) == 0, "close");
	check(rump_sys_chmod(path, mode) == 0, "chmod");
}

static void
modestr(mode_t m, char *s)
{
	const char *t = "?";

	if (S_ISDIR(m))
		t = "d";
	else if (S_ISLNK(m))
		t = "l";
	else if (S_ISREG(m))
		t = "-";
	else if (S_ISCHR(m))
		t = "c";
	else if (S_ISBLK(m))
		t = "b";
	else if (S_ISFIFO(m))
		t = "p";
	else if (S_ISSOCK(m))
		t = "s";
	snprintf(s, 11, "%s%c%c%c%c%c%c%c%c%c", t, m & 0400 ? 'r' : '-',
		 m & 0200 ? 'w' : '-', m & 0100 ? 'x' : '-',
		 m & 040 ? 'r' : '-', m & 020 ? 'w' : '-', m & 010 ? 'x' : '-',
		 m & 04 ? 'r' : '-', m & 02 ? 'w' : '-',
		 m & 01 ? (m & 01000 ? 't' : 'x') : '-');
}

/* List `dir' recursively, ls -l style. */
static void
list(const char *dir, int depth)
{
	char buf[4096], path[512], ls[11], target[256];
	struct stat st;
	ssize_t n;
	int fd = rump_sys_open(dir, O_RDONLY | O_DIRECTORY);

	check(fd >= 0, dir);
	while ((n = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t o = 0; o < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + o);

			o += d->d_reclen;
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s",
				 strcmp(dir, "/") ? dir : "", d->d_name);
			check(rump_sys_lstat(path, &st) == 0, "lstat");
			modestr(st.st_mode, ls);
			printf("  %s %2lu %4u %4u %6ld  %*s%s", ls,
			       (unsigned long)st.st_nlink, st.st_uid, st.st_gid,
			       (long)st.st_size, depth * 2, "", d->d_name);
			if (S_ISLNK(st.st_mode)) {
				ssize_t l = rump_sys_readlink(path, target,
							      sizeof(target));
				printf(" -> %.*s", (int)(l > 0 ? l : 0),
				       target);
			}
			putchar('\n');
			if (S_ISDIR(st.st_mode))
				list(path, depth + 1);
		}
	}
	check(n == 0, "getdents64");
	rump_sys_close(fd);
}

static void
attempt(const char *what, int rv)
{
	printf("  %-44s %s\n", what, rv < 0 ? strerror(errno) : "allowed");
}

int
main(void)
{
	char buf[64];
	int fd;

	check(rump_init() == 0, "rump_init");
	printf("== a tree on the root tmpfs\n");
	check(rump_sys_mkdir("/home", 0755) == 0, "mkdir /home");
	check(rump_sys_mkdir("/home/alice", 0700) == 0, "mkdir alice");
	check(rump_sys_chown("/home/alice", 1001, 1001) == 0, "chown");
	mkfile("/home/alice/diary", 0600, "dear diary\n");
	check(rump_sys_chown("/home/alice/diary", 1001, 1001) == 0, "chown");
	check(rump_sys_mkdir("/etc", 0755) == 0, "mkdir /etc");
	mkfile("/etc/motd", 0644, "welcome to rumpkit\n");
	mkfile("/etc/shadow", 0600, "root:*:0:0\n");
	check(rump_sys_symlink("/etc/motd", "/motd") == 0, "symlink");
	check(rump_sys_link("/etc/motd", "/etc/motd.bak") == 0, "link");
	check(rump_sys_mkdir("/tmp", 01777) == 0, "mkdir /tmp");
	check(rump_sys_chmod("/tmp", 01777) == 0, "chmod /tmp");
	list("/", 0);

	printf("== uid 1000 (an rfork'd process) tries things\n");
	check(rump_pub_lwproc_rfork(RUMP_RFFDG) == 0, "rfork");
	check(rump_sys_setresgid(1000, 1000, 1000) == 0, "setresgid");
	check(rump_sys_setresuid(1000, 1000, 1000) == 0, "setresuid");
	fd = rump_sys_open("/motd", O_RDONLY);
	attempt("read /motd (through the symlink)", fd);
	if (fd >= 0) {
		ssize_t n = rump_sys_read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		printf("    it says: %s", buf);
		rump_sys_close(fd);
	}
	attempt("read /etc/shadow (0600 root)",
		rump_sys_open("/etc/shadow", O_RDONLY));
	attempt("write /etc/motd (0644 root)",
		rump_sys_open("/etc/motd", O_WRONLY));
	attempt("create /etc/new (directory 0755 root)",
		rump_sys_open("/etc/new", O_CREAT | O_WRONLY, 0644));
	attempt("look into /home/alice (0700 uid 1001)",
		rump_sys_stat("/home/alice/diary", &(struct stat){ 0 }));
	attempt("chmod /etc/motd (not the owner)",
		rump_sys_chmod("/etc/motd", 0666));
	attempt("mkdir /tmp/mine (sticky 1777)",
		rump_sys_mkdir("/tmp/mine", 0755));
	attempt("unlink /etc/motd.bak", rump_sys_unlink("/etc/motd.bak"));
	attempt("mount a tmpfs on /tmp/mine",
		rump_sys_mount("none", "/tmp/mine", "tmpfs", 0, NULL));
	rump_pub_lwproc_releaselwp();

	printf("== root can, except executing a file with no x bit\n");
	attempt("read /home/alice/diary",
		rump_sys_open("/home/alice/diary", O_RDONLY));
	attempt("access(/etc/motd, X_OK)", rump_sys_access("/etc/motd", X_OK));
	return 0;
}
