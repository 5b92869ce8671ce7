/*
 * synflood — bounded SYN flood for the lab's SYN-cookie test (RFC 4987).
 * Sends --count TCP SYNs (random source ports below 32768, the start of
 * Linux's ephemeral range, so that real connections from the same host
 * never share a 4-tuple with a flood entry; random sequence numbers; from
 * this host's own address towards --addr) through a raw socket, at most
 * --rate per second, then stops. IPv4 and IPv6. Root only; run it in the
 * lab's client namespace, never towards an address outside the lab.
 *
 * usage: synflood --addr IP --port P --count N [--rate R]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_COUNT 10000000ull

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t
sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

static int
usage(const char *why)
{
	fprintf(stderr,
		"synflood: %s\nusage: synflood --addr IP --port P "
		"--count N [--rate R]\n",
		why);
	return 2;
}

int
main(int argc, char **argv)
{
	const char *addr = NULL;
	unsigned long port = 0;
	unsigned long long count = 0, rate = 100000;
	for (int i = 1; i + 1 < argc; i += 2) {
		char *end;
		errno = 0;
		if (!strcmp(argv[i], "--addr"))
			addr = argv[i + 1];
		else if (!strcmp(argv[i], "--port")) {
			port = strtoul(argv[i + 1], &end, 10);
			if (*end || port == 0 || port > 65535)
				return usage("bad --port");
		} else if (!strcmp(argv[i], "--count")) {
			count = strtoull(argv[i + 1], &end, 10);
			if (*end || errno || count == 0 || count > MAX_COUNT)
				return usage("bad --count (1..10000000)");
		} else if (!strcmp(argv[i], "--rate")) {
			rate = strtoull(argv[i + 1], &end, 10);
			if (*end || errno || rate == 0 || rate > 10000000)
				return usage("bad --rate");
		} else
			return usage("unknown option");
	}
	if ((argc - 1) % 2 || addr == NULL || port == 0 || count == 0)
		return usage("--addr, --port and --count are required");

	struct sockaddr_storage dst, src;
	socklen_t dl, sl = sizeof(src);
	memset(&dst, 0, sizeof(dst));
	memset(&src, 0, sizeof(src));
	struct sockaddr_in *d4 = (struct sockaddr_in *)&dst;
	struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&dst;
	if (inet_pton(AF_INET, addr, &d4->sin_addr) == 1) {
		d4->sin_family = AF_INET;
		dl = sizeof(*d4);
	} else if (inet_pton(AF_INET6, addr, &d6->sin6_addr) == 1) {
		d6->sin6_family = AF_INET6;
		dl = sizeof(*d6);
	} else {
		return usage("bad --addr");
	}
	/* Learn the source address the kernel would use towards dst. */
	int u = socket(dst.ss_family, SOCK_DGRAM, 0);
	if (u < 0 || connect(u, (struct sockaddr *)&dst, dl) < 0 ||
	    getsockname(u, (struct sockaddr *)&src, &sl) < 0) {
		fprintf(stderr, "synflood: no route to %s: %s\n", addr,
			strerror(errno));
		return 1;
	}
	close(u);
	int fd = socket(dst.ss_family, SOCK_RAW, IPPROTO_TCP);
	if (fd < 0) {
		fprintf(stderr, "synflood: raw socket: %s (root needed)\n",
			strerror(errno));
		return 1;
	}
	const uint8_t *sa, *da;
	size_t alen;
	if (dst.ss_family == AF_INET) {
		sa = (const uint8_t *)&((struct sockaddr_in *)&src)->sin_addr;
		da = (const uint8_t *)&d4->sin_addr;
		alen = 4;
	} else {
		sa = (const uint8_t *)&((struct sockaddr_in6 *)&src)->sin6_addr;
		da = (const uint8_t *)&d6->sin6_addr;
		alen = 16;
	}
	uint64_t seed = now_ns() | 1, t0 = now_ns();
	unsigned long long sent = 0, errors = 0;
	for (unsigned long long i = 0; i < count; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		/* MSS option so the SYN looks like a real client's. */
		uint8_t t[24] = {0};
		uint16_t sport = (uint16_t)(1024 + seed % (32768 - 1024));
		t[0] = (uint8_t)(sport >> 8);
		t[1] = (uint8_t)sport;
		t[2] = (uint8_t)(port >> 8);
		t[3] = (uint8_t)port;
		memcpy(t + 4, &seed, 4);
		t[12] = 6 << 4; /* 24-byte header */
		t[13] = 0x02;	/* SYN */
		t[14] = 0xff;
		t[15] = 0xff;
		t[20] = 2;
		t[21] = 4;
		t[22] = 0x05;
		t[23] = 0xb4; /* MSS 1460 */
		uint32_t s = sum16(0, sa, alen);
		s = sum16(s, da, alen);
		s += 6 + (uint32_t)sizeof(t);
		s = sum16(s, t, sizeof(t));
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		uint16_t c = (uint16_t)~s;
		t[16] = (uint8_t)(c >> 8);
		t[17] = (uint8_t)c;
		if (sendto(fd, t, sizeof(t), 0, (struct sockaddr *)&dst, dl) <
		    0)
			errors++;
		else
			sent++;
		/* Pace: never faster than --rate. */
		uint64_t due = t0 + (uint64_t)((i + 1) * 1e9 / (double)rate);
		while (now_ns() < due) {
			uint64_t left = due - now_ns();
			if (left > 200000) {
				struct timespec ts = {0, (long)(left - 100000)};
				nanosleep(&ts, NULL);
			}
		}
	}
	double secs = (double)(now_ns() - t0) / 1e9;
	printf("{\"sent\": %llu, \"errors\": %llu, \"seconds\": %.3f, "
	       "\"rate\": %.0f}\n",
	       sent, errors, secs, (double)sent / secs);
	return errors ? 1 : 0;
}
