/*
 * echo.c: an echo server and its clients, all rump processes of one
 * kernel, each on its own host thread.
 *
 * The server process listens on an AF_UNIX stream socket in the
 * abstract namespace and serves every connection from one epoll loop.
 * Each client process (made with rfork and a clean descriptor table)
 * connects, sends a few lines and checks that each comes back.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define NCLIENTS 4
#define NLINES 3
#define NAME "echo-server"

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "echo: %s failed: %s\n", what, strerror(errno));
		exit(1);
	}
}

static socklen_t
server_addr(struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path + 1, NAME, strlen(NAME)); /* abstract */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   strlen(NAME));
}

struct client {
	struct lwp *l;
	int id;
	int ok;
};

static void *
client_main(void *arg)
{
	struct client *c = arg;
	struct sockaddr_un sun;
	socklen_t len = server_addr(&sun);
	char line[64], back[64];
	int s, i;

	rump_pub_lwproc_switch(c->l);
	s = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	check(s >= 0, "socket");
	check(rump_sys_connect(s, (struct sockaddr *)&sun, len) == 0,
	      "connect");
	for (i = 0; i < NLINES; i++) {
		int n = snprintf(line, sizeof(line), "line %d from pid %d", i,
				 rump_sys_getpid());
		check(rump_sys_send(s, line, (size_t)n, 0) == n, "send");
		check(rump_sys_recv(s, back, (size_t)n, MSG_WAITALL) == n,
		      "recv");
		if (memcmp(line, back, (size_t)n) != 0)
			break;
		printf("  client %d (pid %d): sent and got back \"%.*s\"\n",
		       c->id, rump_sys_getpid(), n, back);
	}
	c->ok = i == NLINES;
	rump_pub_lwproc_releaselwp(); /* the process exits, closing s */
	return NULL;
}

/* The server: accept and echo from one epoll loop until every client
 * has come and gone. */
static void
serve(int lsock)
{
	struct epoll_event ev, out[8];
	int ep = rump_sys_epoll_create1(0), gone = 0, accepted = 0;
	char buf[256];

	check(ep >= 0, "epoll_create1");
	ev.events = EPOLLIN;
	ev.data.fd = lsock;
	check(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, lsock, &ev) == 0,
	      "epoll_ctl");
	while (gone < NCLIENTS) {
		int n = rump_sys_epoll_wait(ep, out, 8, 5000);
		check(n > 0, "epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = out[i].data.fd;
			if (fd == lsock) {
				int c = rump_sys_accept4(lsock, NULL, NULL,
							 SOCK_CLOEXEC);
				check(c >= 0, "accept4");
				ev.events = EPOLLIN;
				ev.data.fd = c;
				check(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, c,
							 &ev) == 0,
				      "epoll_ctl");
				printf("  server (pid %d): connection %d on "
				       "fd %d\n",
				       rump_sys_getpid(), ++accepted, c);
				continue;
			}
			ssize_t r = rump_sys_recv(fd, buf, sizeof(buf), 0);
			if (r <= 0) {
				/* The client's process is gone: close ours
				 * (epoll forgets it with the file). */
				rump_sys_close(fd);
				gone++;
				continue;
			}
			check(rump_sys_send(fd, buf, (size_t)r, 0) == r,
			      "echo send");
		}
	}
	rump_sys_close(ep);
}

int
main(void)
{
	struct client c[NCLIENTS];
	pthread_t t[NCLIENTS];
	struct sockaddr_un sun;
	socklen_t len = server_addr(&sun);
	struct lwp *server;
	int s;

	check(rump_init() == 0, "rump_init");
	/* The server process: a child of init with its own table. */
	check(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "rfork");
	server = rump_pub_lwproc_curlwp();
	s = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	check(s >= 0, "socket");
	check(rump_sys_bind(s, (struct sockaddr *)&sun, len) == 0, "bind");
	check(rump_sys_listen(s, NCLIENTS) == 0, "listen");
	printf("echo server: pid %d listening on \"@%s\"\n", rump_sys_getpid(),
	       NAME);
	/* Clients: children of the server with clean tables. */
	for (int i = 0; i < NCLIENTS; i++) {
		check(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "rfork");
		c[i].l = rump_pub_lwproc_curlwp();
		c[i].id = i;
		c[i].ok = 0;
		rump_pub_lwproc_switch(server);
	}
	for (int i = 0; i < NCLIENTS; i++)
		check(pthread_create(&t[i], NULL, client_main, &c[i]) == 0,
		      "pthread_create");
	serve(s);
	for (int i = 0; i < NCLIENTS; i++) {
		pthread_join(t[i], NULL);
		if (!c[i].ok) {
			fprintf(stderr, "echo: client %d failed\n", i);
			return 1;
		}
	}
	rump_pub_lwproc_releaselwp();
	printf("echo: %d clients served, all lines came back\n", NCLIENTS);
	return 0;
}
