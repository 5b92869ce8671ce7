/*
 * kecho — the Linux-kernel baseline for the TCP benchmarks: a
 * single-threaded epoll server (one core, as one dataplane worker) with the
 * same test services as imapfe-dataplane: echo, discard, and source (send
 * --bytes then close). It stops by itself after --duration seconds, or on
 * SIGINT/SIGTERM, and prints one JSON line: connections, bytes, and the CPU
 * seconds it used (user + system), for side-by-side comparisons.
 *
 * usage: kecho --mode echo|discard|source --port P [--addr IP]
 *              [--bytes N] [--duration S] [--backlog N] [--corrupt-at N]
 *
 * --corrupt-at N (tests only): echo returns byte N of each stream changed,
 * a server that answers with the right length but wrong data, so that the
 * lab can prove tcpload's verification catches it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF 65536

enum mode { K_ECHO, K_DISCARD, K_SOURCE };

struct kconn {
	struct kconn *prev, *next; /* every live connection, for exit */
	int fd;
	uint32_t head, tail; /* echo: bytes [head, tail) of buf wait to go */
	uint64_t left;	     /* source: bytes still to send */
	uint64_t off;	     /* echo: stream offset of the next byte read */
	int peer_done;
	uint8_t buf[BUF];
};

static volatile sig_atomic_t stop;

static void
on_sig(int s)
{
	(void)s;
	stop = 1;
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
usage(const char *why)
{
	fprintf(stderr,
		"kecho: %s\nusage: kecho --mode echo|discard|source --port P "
		"[--addr IP] [--bytes N] [--duration S] [--backlog N] "
		"[--corrupt-at N]\n",
		why);
	return 2;
}

static uint64_t accepted, closed, bytes_in, bytes_out;
static int64_t corrupt_at = -1; /* --corrupt-at, or -1 */
static struct kconn *live;

static void
kclose(int ep, struct kconn *k)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, k->fd, NULL);
	close(k->fd);
	if (k->prev)
		k->prev->next = k->next;
	else
		live = k->next;
	if (k->next)
		k->next->prev = k->prev;
	free(k);
	closed++;
}

static void
set_interest(int ep, struct kconn *k, uint32_t ev)
{
	struct epoll_event e = {.events = ev, .data.ptr = k};
	epoll_ctl(ep, EPOLL_CTL_MOD, k->fd, &e);
}

/* Returns -1 when the connection was closed. */
static int
service(int ep, struct kconn *k, enum mode m)
{
	if (m == K_SOURCE) {
		while (k->left > 0) {
			size_t n = k->left < BUF ? (size_t)k->left : BUF;
			ssize_t w = send(k->fd, k->buf, n, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno == EAGAIN)
					return 0;
				kclose(ep, k);
				return -1;
			}
			k->left -= (uint64_t)w;
			bytes_out += (uint64_t)w;
		}
		kclose(ep, k);
		return -1;
	}
	for (;;) {
		/* Flush pending echo data first. */
		while (k->head < k->tail) {
			ssize_t w = send(k->fd, k->buf + k->head,
					 k->tail - k->head, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno == EAGAIN) {
					set_interest(ep, k, EPOLLOUT);
					return 0;
				}
				kclose(ep, k);
				return -1;
			}
			k->head += (uint32_t)w;
			bytes_out += (uint64_t)w;
		}
		k->head = k->tail = 0;
		if (k->peer_done) {
			kclose(ep, k);
			return -1;
		}
		ssize_t r = recv(k->fd, k->buf, BUF, 0);
		if (r < 0) {
			if (errno == EAGAIN) {
				set_interest(ep, k, EPOLLIN);
				return 0;
			}
			kclose(ep, k);
			return -1;
		}
		if (r == 0) {
			k->peer_done = 1;
			continue;
		}
		bytes_in += (uint64_t)r;
		if (corrupt_at >= 0 && (uint64_t)corrupt_at >= k->off &&
		    (uint64_t)corrupt_at < k->off + (uint64_t)r)
			k->buf[(uint64_t)corrupt_at - k->off] ^= 0x5a;
		k->off += (uint64_t)r;
		if (m == K_ECHO)
			k->tail = (uint32_t)r;
	}
}

int
main(int argc, char **argv)
{
	enum mode m = K_ECHO;
	const char *addr = "0.0.0.0";
	long port = 0, backlog = 4096;
	double duration = 60;
	uint64_t bytes = 1 << 20;
	for (int i = 1; i + 1 < argc; i += 2) {
		char *end;
		const char *k = argv[i], *v = argv[i + 1];
		errno = 0;
		if (!strcmp(k, "--mode")) {
			if (!strcmp(v, "echo"))
				m = K_ECHO;
			else if (!strcmp(v, "discard"))
				m = K_DISCARD;
			else if (!strcmp(v, "source"))
				m = K_SOURCE;
			else
				return usage("bad --mode");
		} else if (!strcmp(k, "--port")) {
			port = strtol(v, &end, 10);
			if (*end || port < 1 || port > 65535)
				return usage("bad --port");
		} else if (!strcmp(k, "--addr")) {
			addr = v;
		} else if (!strcmp(k, "--bytes")) {
			bytes = strtoull(v, &end, 10);
			if (*end || errno)
				return usage("bad --bytes");
		} else if (!strcmp(k, "--duration")) {
			duration = strtod(v, &end);
			if (*end || duration <= 0 || duration > 3600)
				return usage("bad --duration (0..3600 s)");
		} else if (!strcmp(k, "--corrupt-at")) {
			long long c = strtoll(v, &end, 10);
			if (end == v || *end || errno || c < 0)
				return usage("bad --corrupt-at");
			corrupt_at = c;
		} else if (!strcmp(k, "--backlog")) {
			backlog = strtol(v, &end, 10);
			if (*end || backlog < 1 || backlog > 65535)
				return usage("bad --backlog");
		} else {
			return usage("unknown option");
		}
	}
	if ((argc - 1) % 2 || port == 0)
		return usage("--port is required; options take values");

	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*s6);
	} else {
		return usage("bad --addr");
	}
	int lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&ss, sl) < 0 ||
	    listen(lfd, (int)backlog) < 0) {
		fprintf(stderr, "kecho: %s:%ld: %s\n", addr, port,
			strerror(errno));
		return 1;
	}
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	int ep = epoll_create1(0);
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e);
	fprintf(stderr, "kecho: listening on %s:%ld\n", addr, port);

	double t_end = now_s() + duration;
	struct epoll_event evs[256];
	while (!stop && now_s() < t_end) {
		int n = epoll_wait(ep, evs, 256, 100);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				int fd;
				while ((fd = accept4(lfd, NULL, NULL,
						     SOCK_NONBLOCK)) >= 0) {
					struct kconn *k = malloc(sizeof(*k));
					if (k == NULL) {
						close(fd);
						continue;
					}
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
						   &one, sizeof(one));
					k->fd = fd;
					k->prev = NULL;
					k->next = live;
					if (live)
						live->prev = k;
					live = k;
					k->head = k->tail = 0;
					k->peer_done = 0;
					k->off = 0;
					k->left = bytes;
					if (m == K_SOURCE)
						memset(k->buf, 's', BUF);
					accepted++;
					struct epoll_event ce = {
						.events = m == K_SOURCE
								  ? EPOLLOUT
								  : EPOLLIN,
						.data.ptr = k};
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ce);
				}
				continue;
			}
			service(ep, evs[i].data.ptr, m);
		}
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	for (struct kconn *k = live, *next; k != NULL; k = next) {
		next = k->next;
		close(k->fd);
		free(k);
		closed++;
	}
	live = NULL;
	close(ep);
	close(lfd);
	printf("{\"accepted\": %llu, \"closed\": %llu, \"bytes_in\": %llu, "
	       "\"bytes_out\": %llu, \"cpu_s\": %.3f}\n",
	       (unsigned long long)accepted, (unsigned long long)closed,
	       (unsigned long long)bytes_in, (unsigned long long)bytes_out,
	       cpu);
	return 0;
}
