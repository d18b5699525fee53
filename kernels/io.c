/*
 * hp-io - I/O-bound work, serial vs concurrent: High Performance Python
 * ch. 8 (serial downloads vs an event loop with many requests in flight).
 *
 * The kernel starts its own delay server in a forked child, listening on
 * 127.0.0.1 (an ephemeral port; no network): each connection sends one
 * byte, the server waits --delay ms and answers with the byte plus one.
 * The client makes --requests requests:
 *
 *   serial      one after another, blocking connect/write/read
 *               (fetch_serial -> request_blocking): wall ~ requests x delay
 *   concurrent  one thread, non-blocking sockets, up to --inflight requests
 *               at once under poll() (fetch_concurrent): wall ~ requests x
 *               delay / inflight
 *
 * Lesson: both use almost no CPU; a CPU profile shows nothing. With
 * `hpprof run --off-cpu` the client's wall time is blocked in I/O (read,
 * poll), and the concurrent variant blocks far less of it than the serial
 * one for the same requests. Truth: the client's fetch phase times itself
 * (wall_ns, CLOCK_MONOTONIC; cpu_s, the thread's CPU time); the check: every
 * answer is its request's byte plus one.
 */
#include "kernels/kcommon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum variant { V_SERIAL, V_CONCURRENT };

static const struct kvariant variants[] = {
	{ "serial", "requests one after another, blocking reads" },
	{ "concurrent", "--inflight requests at once in one thread under poll()" },
	{ NULL, NULL },
};

#define MAX_INFLIGHT 256

static long delay_ms;

/* --- the delay server (a forked child) --- */

static void *serve_one(void *arg)
{
	int fd = (int)(long)arg;
	unsigned char c;
	struct timespec ts = { delay_ms / 1000, (delay_ms % 1000) * 1000000L };
	if (read(fd, &c, 1) == 1) {
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		c++;
		if (write(fd, &c, 1) != 1)
			perror("io server: write");
	}
	close(fd);
	return NULL;
}

KERNEL_FN static void serve(int lfd)
{
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		pthread_t t;
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			_exit(0);
		}
		if (pthread_create(&t, NULL, serve_one, (void *)(long)fd) == 0)
			pthread_detach(t);
		else
			close(fd);
	}
}

/* Listen on 127.0.0.1:0, fork the server; *port is where it listens. */
static pid_t start_server(struct sockaddr_in *addr)
{
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(*addr);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)addr, sizeof(*addr)) ||
	    listen(lfd, 512) || getsockname(lfd, (struct sockaddr *)addr, &len)) {
		perror("io: cannot listen on 127.0.0.1");
		exit(1);
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("io: fork");
		exit(1);
	}
	if (pid == 0)
		serve(lfd);
	close(lfd);
	return pid;
}

/* --- the client --- */

static int connect_to(const struct sockaddr_in *addr, int nonblock)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request, blocking: the answer byte, or -1. */
KERNEL_FN static int request_blocking(const struct sockaddr_in *addr, unsigned char c)
{
	int fd = connect_to(addr, 0), r = -1;
	unsigned char a;
	if (fd < 0)
		return -1;
	if (write(fd, &c, 1) == 1 && read(fd, &a, 1) == 1)   /* HOT: blocked on the server */
		r = a;
	close(fd);
	return r;
}

KERNEL_FN static long fetch_serial(const struct sockaddr_in *addr, long n)
{
	long ok = 0;
	for (long i = 0; i < n; i++)
		ok += request_blocking(addr, (unsigned char)i) == (unsigned char)(i + 1);
	return ok;
}

struct slot {
	int fd;
	long req;
	int sent;
};

KERNEL_FN static long fetch_concurrent(const struct sockaddr_in *addr, long n, long inflight)
{
	struct slot s[MAX_INFLIGHT];
	struct pollfd p[MAX_INFLIGHT];
	long next = 0, done = 0, ok = 0;
	int active = 0;
	while (done < n) {
		while (active < inflight && next < n) {
			int fd = connect_to(addr, 1);
			if (fd < 0) {
				done++, next++;       /* counted as failed */
				continue;
			}
			s[active++] = (struct slot){ fd, next++, 0 };
		}
		for (int i = 0; i < active; i++)
			p[i] = (struct pollfd){ s[i].fd, s[i].sent ? POLLIN : POLLOUT, 0 };
		if (poll(p, (nfds_t)active, -1) < 0)   /* HOT: waiting for the answers */
			continue;
		for (int i = active - 1; i >= 0; i--) {
			unsigned char c = (unsigned char)s[i].req, a;
			if (!p[i].revents)
				continue;
			if (!s[i].sent && (p[i].revents & POLLOUT)) {
				s[i].sent = write(s[i].fd, &c, 1) == 1;
				if (s[i].sent)
					continue;
			} else if (s[i].sent && (p[i].revents & POLLIN) && read(s[i].fd, &a, 1) == 1) {
				ok += a == (unsigned char)(c + 1);
			}
			close(s[i].fd);
			s[i] = s[--active];
			done++;
		}
	}
	return ok;
}

int main(int argc, char **argv)
{
	long requests = 0, inflight = 0;
	const struct kopt opts[] = {
		{ "requests", KOPT_LONG, &requests, "requests to make (default 200, --small 40)" },
		{ "delay", KOPT_LONG, &delay_ms, "ms the server waits before each answer (default 10)" },
		{ "inflight", KOPT_LONG, &inflight, "concurrent: requests in flight at once (default 20)" },
		{ NULL, 0, NULL, NULL },
	};
	const struct kspec spec = {
		"io", "I/O-bound requests to a local delay server: serial vs concurrent",
		"HPP ch. 8", variants, opts,
		"The delay server is a child process on 127.0.0.1 started by the kernel.",
	};
	struct ktruth mark;
	bool small;
	ktruth_now(&mark);
	int v = kargs_parse(&spec, argc, argv, &small);
	requests = requests ? requests : small ? 40 : 200;
	delay_ms = delay_ms ? delay_ms : 10;
	inflight = inflight ? inflight : 20;
	if (inflight > MAX_INFLIGHT)
		inflight = MAX_INFLIGHT;
	signal(SIGPIPE, SIG_IGN);

	struct sockaddr_in addr;
	pid_t server = start_server(&addr);
	ktruth_phase("io", "setup", &mark);
	double t0 = kclock();
	long ok = v == V_SERIAL ? fetch_serial(&addr, requests)
				: fetch_concurrent(&addr, requests, inflight);
	double wall = kclock() - t0;
	struct ktruth fetch;
	ktruth_since(&fetch, &mark);
	ktruth_print("io", "phase", "fetch", ktruth_tid(), &fetch, "wall_ns=%.0f", wall * 1e9);
	ktruth_now(&mark);
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	printf("io: %s, %ld requests of %ld ms in %.3f s (%.1f requests/s)\n", variants[v].name,
	       requests, delay_ms, wall, (double)requests / wall);
	int rc = kvalidate("io", ok == requests, "%ld answers correct (expected %ld)", ok, requests);
	ktruth_process("io", "main", NULL);
	return rc;
}
