/*
 * tcpload — a bounded TCP client for the lab and the TCP benchmarks.
 * It runs in the client namespace on the Linux kernel stack and drives a
 * server (imapfe-dataplane's test services, or tools/tcpload/kecho for the
 * kernel baseline). Every mode stops by itself: after --count operations or
 * --duration seconds, whichever comes first, and gives up after --timeout
 * seconds without progress or after --deadline seconds in all (default
 * 300), whichever comes first. Prints one JSON object with the results.
 *
 * Modes (--mode):
 *   echo     --conns C connections at once, each sends --bytes B of
 *            deterministic pseudo-random data, half-closes, and reads the
 *            echo until EOF; SHA-256 of sent and received must match
 *            (--verify sha256, the default), or every received byte must
 *            equal the byte sent at its offset (--verify bytes: an exact
 *            compare against the pattern below, a fraction of SHA-256's
 *            cost, so that a benchmark measures the server more and the
 *            client less).
 *   rr       --conns C connections, each repeats: send --msg bytes, wait for
 *            them back; reports requests/s and latency percentiles.
 *   cps      --conns C at a time: connect, send --msg bytes, read them back,
 *            close; reports connections/s and connect+rr latency.
 *   discard  like echo, but only sends (server discards), then closes.
 *   source   reads until EOF from each connection, counts bytes.
 *   rst      connect, send --bytes, then abort with RST (SO_LINGER 0).
 *
 * usage: tcpload --mode M --addr IP --port P [--conns C] [--bytes B]
 *                [--msg N] [--count N] [--duration S] [--timeout S] [--deadline
 * S]
 *                [--cc cubic|reno|bbr...] [--verify sha256|bytes]
 * The JSON's "syscalls" counts recv and send calls that moved data, those
 * that found none (EAGAIN), and epoll_wait calls that returned events: how
 * much the client's kernel crossings cost per byte against each server.
 * Exit status: 0 all operations verified, 1 a verification or connection
 * failed (reported in the JSON), 2 usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum mode { M_ECHO, M_RR, M_CPS, M_DISCARD, M_SOURCE, M_RST };

struct opts {
	enum mode mode;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int conns;
	uint64_t bytes;
	uint32_t msg;
	uint64_t count;
	double duration;
	double timeout;
	double deadline;
	const char *cc;	   /* kernel congestion control, NULL = the default */
	bool verify_bytes; /* echo: compare with the pattern, not SHA-256 */
};

enum cstate { C_IDLE, C_CONNECTING, C_RUN, C_DRAIN, C_DONE };

struct conn {
	int fd;
	enum cstate st;
	uint64_t id;
	uint64_t sent, rcvd;
	uint64_t t_start; /* ns: connect or request start */
	uint64_t base;	  /* data: offset of byte 0 in the pattern */
	uint64_t bad_at;  /* --verify bytes: first wrong offset + 1, or 0 */
	EVP_MD_CTX *tx_md, *rx_md;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The bytes a connection sends are a pure function of (connection id,
 * stream offset): byte o of connection c is pattern[(base_c + o) % PAT_LEN],
 * where the pattern is splitmix64 output made once at start-up and base_c
 * differs per connection. PAT_LEN is prime, so no power-of-two shift of a
 * stream (a lost or repeated 2^k block) maps it onto itself, and the SHA-256
 * of each direction plus the byte counts catch any other damage. send()
 * takes the bytes straight from the pattern: no per-send work, so short
 * writes cost the client nothing extra. */
#define PAT_LEN	   1048573u /* prime */
#define SEND_CHUNK (64u * 1024)

static uint64_t
splitmix64(uint64_t k)
{
	uint64_t z = (k + 1) * 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* PAT_LEN bytes plus a copy of the first SEND_CHUNK after them, so that
 * any SEND_CHUNK window starting inside the pattern is contiguous. */
static uint8_t *
pattern_new(void)
{
	uint8_t *p = malloc(PAT_LEN + SEND_CHUNK);
	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < PAT_LEN; i += 8) {
		uint64_t v = splitmix64(i / 8);
		size_t take = PAT_LEN - i < 8 ? PAT_LEN - i : 8;
		memcpy(p + i, &v, take);
	}
	memcpy(p + PAT_LEN, p, SEND_CHUNK);
	return p;
}

static int
usage(const char *why)
{
	fprintf(stderr,
		"tcpload: %s\nusage: tcpload --mode "
		"echo|rr|cps|discard|source|rst "
		"--addr IP --port P [--conns C] [--bytes B] [--msg N] "
		"[--count N] [--duration S] [--timeout S] [--deadline S] [--cc "
		"NAME] [--verify sha256|bytes]\n",
		why);
	return 2;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*s == '-' || *s == '\0')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	const char *addr = NULL;
	uint64_t port = 0, v;
	memset(o, 0, sizeof(*o));
	o->mode = M_ECHO;
	o->conns = 1;
	o->bytes = 1 << 20;
	o->msg = 64;
	o->count = 0;
	o->duration = 10;
	o->timeout = 10;
	o->deadline = 300;
	for (int i = 1; i < argc; i++) {
		const char *k = argv[i],
			   *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (val == NULL)
			return usage("option needs a value");
		i++;
		if (!strcmp(k, "--mode")) {
			static const char *names[] = {"echo",	"rr",
						      "cps",	"discard",
						      "source", "rst"};
			int m = -1;
			for (int j = 0; j < 6; j++)
				if (!strcmp(val, names[j]))
					m = j;
			if (m < 0)
				return usage("unknown --mode");
			o->mode = (enum mode)m;
		} else if (!strcmp(k, "--addr")) {
			addr = val;
		} else if (!strcmp(k, "--port")) {
			if (parse_u64(val, &port) || port == 0 || port > 65535)
				return usage("bad --port");
		} else if (!strcmp(k, "--conns")) {
			if (parse_u64(val, &v) || v == 0 || v > 100000)
				return usage("bad --conns (1..100000)");
			o->conns = (int)v;
		} else if (!strcmp(k, "--bytes")) {
			if (parse_u64(val, &o->bytes))
				return usage("bad --bytes");
		} else if (!strcmp(k, "--msg")) {
			if (parse_u64(val, &v) || v == 0 || v > 65536)
				return usage("bad --msg (1..65536)");
			o->msg = (uint32_t)v;
		} else if (!strcmp(k, "--count")) {
			if (parse_u64(val, &o->count))
				return usage("bad --count");
		} else if (!strcmp(k, "--duration")) {
			if (parse_u64(val, &v) || v == 0 || v > 3600)
				return usage("bad --duration (1..3600 s)");
			o->duration = (double)v;
		} else if (!strcmp(k, "--timeout")) {
			if (parse_u64(val, &v) || v == 0 || v > 600)
				return usage("bad --timeout (1..600 s)");
			o->timeout = (double)v;
		} else if (!strcmp(k, "--cc")) {
			if (strlen(val) == 0 || strlen(val) >= 16)
				return usage("bad --cc (a kernel congestion "
					     "control name)");
			o->cc = val;
		} else if (!strcmp(k, "--verify")) {
			if (!strcmp(val, "sha256"))
				o->verify_bytes = false;
			else if (!strcmp(val, "bytes"))
				o->verify_bytes = true;
			else
				return usage("bad --verify (sha256 or bytes)");
		} else if (!strcmp(k, "--deadline")) {
			if (parse_u64(val, &v) || v == 0 || v > 3600)
				return usage("bad --deadline (1..3600 s)");
			o->deadline = (double)v;
		} else {
			return usage("unknown option");
		}
	}
	if (addr == NULL || port == 0)
		return usage("--addr and --port are required");
	struct sockaddr_in *s4 = (struct sockaddr_in *)&o->addr;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&o->addr;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		o->addrlen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		o->addrlen = sizeof(*s6);
	} else {
		return usage("bad --addr");
	}
	if (o->cc != NULL) {
		/* fail now, not once per connection */
		int fd = socket(o->addr.ss_family, SOCK_STREAM, 0);
		int rc = fd < 0 ? -1
				: setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION,
					     o->cc, (socklen_t)strlen(o->cc));
		int err = errno;
		if (fd >= 0)
			close(fd);
		if (rc != 0) {
			fprintf(stderr, "tcpload: --cc %s: %s\n", o->cc,
				strerror(err));
			return 2;
		}
	}
	return 0;
}

/* Latency samples: a bounded reservoir, enough for percentiles. */
#define MAX_SAMPLES (1u << 20)
static uint32_t *samples;
static uint64_t nsamples, seen_samples;

static void
sample(uint64_t ns)
{
	uint32_t us10 =
		ns / 100 > UINT32_MAX ? UINT32_MAX : (uint32_t)(ns / 100);
	seen_samples++;
	if (nsamples < MAX_SAMPLES)
		samples[nsamples++] = us10;
	else {
		uint64_t r = (uint64_t)rand() % seen_samples;
		if (r < MAX_SAMPLES)
			samples[r] = us10;
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static double
pct(double p)
{
	if (nsamples == 0)
		return 0;
	size_t i = (size_t)(p * (double)(nsamples - 1));
	return samples[i] / 10.0; /* microseconds */
}

struct run {
	struct opts *o;
	int ep;
	struct conn *c;
	uint64_t started, completed, failed, verify_failed;
	uint64_t bytes_tx, bytes_rx;
	/* system calls: recv/send that moved data, that found none (EAGAIN),
	 * epoll_wait that returned events */
	uint64_t recvs, recvs_empty, sends, sends_full, waits;
	uint64_t t0, last_progress;
	char first_error[160];
	uint8_t *buf;
	size_t buflen;
	uint8_t *pattern; /* echo/discard data, see pattern_new */
};

static void
fail_conn(struct run *r, struct conn *c, const char *what, int err)
{
	if (r->first_error[0] == '\0')
		snprintf(r->first_error, sizeof(r->first_error), "%s: %s", what,
			 err ? strerror(err) : "unexpected");
	r->failed++;
	close(c->fd);
	c->fd = -1;
	c->st = C_IDLE;
}

static bool
may_start(struct run *r)
{
	if (r->o->count && r->started >= r->o->count)
		return false;
	return (double)(now_ns() - r->t0) / 1e9 < r->o->duration;
}

static void
start_conn(struct run *r, struct conn *c)
{
	c->fd = socket(r->o->addr.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		fail_conn(r, c, "socket", errno);
		return;
	}
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (r->o->cc != NULL &&
	    setsockopt(c->fd, IPPROTO_TCP, TCP_CONGESTION, r->o->cc,
		       (socklen_t)strlen(r->o->cc)) != 0) {
		fail_conn(r, c, "TCP_CONGESTION", errno);
		return;
	}
	c->id = r->started++;
	c->base = (c->id * 0xd1b54a32d192ed03ull) % PAT_LEN;
	c->sent = c->rcvd = 0;
	c->bad_at = 0;
	c->t_start = now_ns();
	EVP_DigestInit_ex(c->tx_md, EVP_sha256(), NULL);
	EVP_DigestInit_ex(c->rx_md, EVP_sha256(), NULL);
	if (connect(c->fd, (struct sockaddr *)&r->o->addr, r->o->addrlen) < 0 &&
	    errno != EINPROGRESS) {
		fail_conn(r, c, "connect", errno);
		return;
	}
	c->st = C_CONNECTING;
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
	epoll_ctl(r->ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void
finish_conn(struct run *r, struct conn *c, bool ok)
{
	if (ok) {
		r->completed++;
		r->last_progress = now_ns();
		/* Bulk modes: the latency sample is the connection's whole
		 * life, connect to EOF (rr and cps sample per exchange). */
		if (r->o->mode == M_ECHO || r->o->mode == M_DISCARD ||
		    r->o->mode == M_SOURCE)
			sample(r->last_progress - c->t_start);
	}
	close(c->fd);
	c->fd = -1;
	c->st = C_IDLE;
}

/* Bytes this connection still has to send in the current exchange. */
static uint64_t
to_send(const struct run *r, const struct conn *c)
{
	switch (r->o->mode) {
	case M_ECHO:
	case M_DISCARD:
	case M_RST:
		return r->o->bytes - c->sent;
	case M_RR:
	case M_CPS:
		return c->sent < c->rcvd + r->o->msg
			       ? c->rcvd + r->o->msg - c->sent
			       : 0;
	default:
		return 0;
	}
}

static void
on_writable(struct run *r, struct conn *c)
{
	uint64_t n = to_send(r, c);
	while (n > 0) {
		size_t chunk = n < SEND_CHUNK ? (size_t)n : SEND_CHUNK;
		const uint8_t *p;
		if (r->o->mode == M_RR || r->o->mode == M_CPS) {
			memset(r->buf, 'a' + (int)(c->sent % 26), chunk);
			p = r->buf;
		} else {
			p = r->pattern + (c->base + c->sent) % PAT_LEN;
		}
		ssize_t w = send(c->fd, p, chunk, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN) {
				r->sends_full++;
				return;
			}
			fail_conn(r, c, "send", errno);
			return;
		}
		if (!r->o->verify_bytes)
			EVP_DigestUpdate(c->tx_md, p, (size_t)w);
		r->sends++;
		c->sent += (uint64_t)w;
		r->bytes_tx += (uint64_t)w;
		r->last_progress = now_ns();
		n = to_send(r, c);
	}
	if (r->o->mode == M_ECHO || r->o->mode == M_DISCARD) {
		if (c->st == C_RUN) {
			shutdown(c->fd, SHUT_WR);
			c->st = C_DRAIN;
		}
	} else if (r->o->mode == M_RST) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		finish_conn(r, c, true);
	}
}

/* --verify bytes: r->buf holds the @p n bytes received at offset c->rcvd;
 * they must be the ones sent there. Bytes past what was sent are wrong
 * too (c->rcvd > c->sent fails at EOF). n <= SEND_CHUNK, so the pattern
 * window is contiguous (pattern_new). */
static void
check_bytes(struct run *r, struct conn *c, size_t n)
{
	if (c->bad_at != 0)
		return;
	const uint8_t *want = r->pattern + (c->base + c->rcvd) % PAT_LEN;
	if (memcmp(r->buf, want, n) == 0)
		return;
	size_t i = 0;
	while (r->buf[i] == want[i])
		i++;
	c->bad_at = c->rcvd + i + 1;
}

/* --verify bytes at EOF: everything sent came back, and nothing else. */
static bool
bytes_verified(struct run *r, struct conn *c)
{
	if (c->rcvd == c->sent && c->bad_at == 0)
		return true;
	r->verify_failed++;
	if (r->first_error[0])
		return false;
	int k = snprintf(r->first_error, sizeof(r->first_error),
			 "conn %llu: sent %llu received %llu",
			 (unsigned long long)c->id, (unsigned long long)c->sent,
			 (unsigned long long)c->rcvd);
	if (c->bad_at != 0 && k > 0 && (size_t)k < sizeof(r->first_error))
		snprintf(r->first_error + k, sizeof(r->first_error) - (size_t)k,
			 ", first wrong byte at %llu",
			 (unsigned long long)(c->bad_at - 1));
	return false;
}

static void
on_readable(struct run *r, struct conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, r->buf, r->buflen, 0);
		if (n < 0) {
			if (errno == EAGAIN) {
				r->recvs_empty++;
				return;
			}
			fail_conn(r, c, "recv", errno);
			return;
		}
		if (n == 0) {
			/* EOF */
			bool ok = true;
			if (r->o->mode == M_ECHO && r->o->verify_bytes) {
				ok = bytes_verified(r, c);
			} else if (r->o->mode == M_ECHO) {
				uint8_t a[32], b[32];
				unsigned la, lb;
				EVP_DigestFinal_ex(c->tx_md, a, &la);
				EVP_DigestFinal_ex(c->rx_md, b, &lb);
				if (c->rcvd != c->sent ||
				    memcmp(a, b, 32) != 0) {
					r->verify_failed++;
					ok = false;
					if (!r->first_error[0])
						snprintf(r->first_error,
							 sizeof(r->first_error),
							 "conn %llu: sent %llu "
							 "received %llu, "
							 "SHA-256 "
							 "%s",
							 (unsigned long long)
								 c->id,
							 (unsigned long long)
								 c->sent,
							 (unsigned long long)
								 c->rcvd,
							 memcmp(a, b, 32)
								 ? "differs"
								 : "equal");
				}
			} else if (r->o->mode == M_RR || r->o->mode == M_CPS) {
				fail_conn(r, c, "peer closed early", 0);
				return;
			}
			finish_conn(r, c, ok);
			return;
		}
		r->bytes_rx += (uint64_t)n;
		r->recvs++;
		r->last_progress = now_ns();
		if (r->o->mode == M_ECHO && r->o->verify_bytes)
			check_bytes(r, c, (size_t)n);
		else if (r->o->mode == M_ECHO)
			EVP_DigestUpdate(c->rx_md, r->buf, (size_t)n);
		c->rcvd += (uint64_t)n;
		if ((r->o->mode == M_RR || r->o->mode == M_CPS) &&
		    c->rcvd == c->sent && c->rcvd % r->o->msg == 0) {
			uint64_t t = now_ns();
			sample(t - c->t_start);
			if (r->o->mode == M_CPS) {
				finish_conn(r, c, true);
				return;
			}
			r->completed++;
			if (!may_start(r)) {
				finish_conn(r, c, false);
				return;
			}
			r->started++;
			c->t_start = t;
			on_writable(r, c);
			if (c->fd < 0)
				return;
		}
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	samples = malloc(sizeof(uint32_t) * MAX_SAMPLES);
	struct run r = {.o = &o};
	r.buflen = SEND_CHUNK; /* rr/cps messages are built in it */
	r.buf = malloc(r.buflen);
	r.pattern = pattern_new();
	r.c = calloc((size_t)o.conns, sizeof(*r.c));
	r.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!samples || !r.buf || !r.pattern || !r.c || r.ep < 0) {
		fprintf(stderr, "tcpload: out of memory\n");
		free(samples);
		free(r.buf);
		free(r.pattern);
		free(r.c);
		if (r.ep >= 0)
			close(r.ep);
		return 1;
	}
	for (int i = 0; i < o.conns; i++) {
		r.c[i].fd = -1;
		r.c[i].tx_md = EVP_MD_CTX_new();
		r.c[i].rx_md = EVP_MD_CTX_new();
	}
	r.t0 = r.last_progress = now_ns();
	if (o.count == 0 && (o.mode == M_ECHO || o.mode == M_DISCARD ||
			     o.mode == M_SOURCE || o.mode == M_RST))
		o.count = (uint64_t)o.conns; /* one pass by default */

	struct epoll_event evs[256];
	bool timed_out = false;
	for (;;) {
		int active = 0;
		for (int i = 0; i < o.conns; i++) {
			struct conn *c = &r.c[i];
			if (c->st == C_IDLE && may_start(&r))
				start_conn(&r, c);
			if (c->st != C_IDLE)
				active++;
		}
		if (active == 0)
			break;
		uint64_t now = now_ns();
		if ((double)(now - r.last_progress) / 1e9 > o.timeout ||
		    (double)(now - r.t0) / 1e9 > o.deadline) {
			timed_out = true;
			break;
		}
		int n = epoll_wait(r.ep, evs, 256, 50);
		if (n > 0)
			r.waits++;
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c->fd < 0)
				continue;
			if (c->st == C_CONNECTING) {
				int err = 0;
				socklen_t el = sizeof(err);
				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err,
					   &el);
				if (err) {
					fail_conn(&r, c, "connect", err);
					continue;
				}
				c->st = C_RUN;
				r.last_progress = now_ns();
				struct epoll_event ev = {
					.events = EPOLLIN | EPOLLOUT | EPOLLET,
					.data.ptr = c};
				epoll_ctl(r.ep, EPOLL_CTL_MOD, c->fd, &ev);
				if (o.mode == M_SOURCE) {
					shutdown(c->fd, SHUT_WR);
					c->st = C_DRAIN;
				}
			}
			if (c->fd >= 0 && (evs[i].events & EPOLLOUT) &&
			    c->st == C_RUN)
				on_writable(&r, c);
			if (c->fd >= 0 &&
			    (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				on_readable(&r, c);
		}
	}
	double secs = (double)(now_ns() - r.t0) / 1e9;
	qsort(samples, nsamples, sizeof(uint32_t), cmp_u32);
	static const char *mname[] = {"echo",	 "rr",	   "cps",
				      "discard", "source", "rst"};
	uint64_t unfinished = 0;
	for (int i = 0; i < o.conns; i++)
		if (r.c[i].st != C_IDLE)
			unfinished++;
	printf("{\"mode\": \"%s\", \"conns\": %d, \"seconds\": %.3f, "
	       "\"started\": %llu, \"completed\": %llu, \"failed\": %llu, "
	       "\"verify_failed\": %llu, \"unfinished\": %llu, "
	       "\"timed_out\": %s, \"bytes_tx\": %llu, \"bytes_rx\": %llu, "
	       "\"ops_per_s\": %.1f, \"mbit_per_s\": %.1f, "
	       "\"lat_us\": {\"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, "
	       "\"p999\": %.1f, \"max\": %.1f, \"n\": %llu}, "
	       "\"syscalls\": {\"recv\": %llu, \"recv_eagain\": %llu, "
	       "\"send\": %llu, \"send_eagain\": %llu, \"epoll_wait\": %llu}, "
	       "\"verify\": \"%s\", \"first_error\": \"%s\"}\n",
	       mname[o.mode], o.conns, secs, (unsigned long long)r.started,
	       (unsigned long long)r.completed, (unsigned long long)r.failed,
	       (unsigned long long)r.verify_failed,
	       (unsigned long long)unfinished, timed_out ? "true" : "false",
	       (unsigned long long)r.bytes_tx, (unsigned long long)r.bytes_rx,
	       (double)r.completed / secs,
	       (double)(r.bytes_tx + r.bytes_rx) * 8 / secs / 1e6, pct(0.5),
	       pct(0.9), pct(0.99), pct(0.999), pct(1.0),
	       (unsigned long long)seen_samples, (unsigned long long)r.recvs,
	       (unsigned long long)r.recvs_empty, (unsigned long long)r.sends,
	       (unsigned long long)r.sends_full, (unsigned long long)r.waits,
	       o.verify_bytes ? "bytes" : "sha256", r.first_error);
	fflush(stdout);
	for (int i = 0; i < o.conns; i++) {
		if (r.c[i].fd >= 0)
			close(r.c[i].fd);
		EVP_MD_CTX_free(r.c[i].tx_md);
		EVP_MD_CTX_free(r.c[i].rx_md);
	}
	free(r.c);
	free(r.buf);
	free(r.pattern);
	free(samples);
	close(r.ep);
	return (r.failed || r.verify_failed || timed_out || unfinished) ? 1 : 0;
}
