/*
 * bench_net: cost of ife_net_input() per frame on one core, for the three
 * common verdicts (ICMP echo answered, ARP request answered, TCP handed up)
 * and one drop (bad IPv4 checksum). Reports ns and TSC cycles per frame,
 * median of --runs runs.
 *
 * usage: bench_net [--frames N] [--runs R]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "net.h"

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static const uint8_t us[6] = {2, 0, 0, 0, 0, 2}, peer[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t our_ip[4] = {198, 18, 0, 2}, peer_ip[4] = {198, 18, 0, 1};

static size_t
mk_ip(uint8_t *f, uint8_t proto, size_t plen, int bad)
{
	memcpy(f, us, 6);
	memcpy(f + 6, peer, 6);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + plen));
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, peer_ip, 4);
	memcpy(ip + 16, our_ip, 4);
	uint8_t *p = ip + 20;
	for (size_t i = 0; i < plen; i++)
		p[i] = (uint8_t)i;
	if (proto == 1) {
		p[0] = 8;
		p[1] = 0;
		p[2] = p[3] = 0;
		uint16_t c = ife_net_cksum(p, (uint32_t)plen);
		memcpy(p + 2, &c, 2);
	}
	uint16_t c = ife_net_cksum(ip, 20);
	memcpy(ip + 10, &c, 2);
	if (bad)
		ip[10] ^= 0xff;
	return 14 + 20 + plen;
}

static size_t
mk_arp(uint8_t *f)
{
	memset(f, 0xff, 6);
	memcpy(f + 6, peer, 6);
	put16(f + 12, 0x0806);
	uint8_t *a = f + 14;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, peer, 6);
	memcpy(a + 14, peer_ip, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, our_ip, 4);
	return 42;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	long frames = 5000000, runs = 5;
	for (int i = 1; i + 1 < argc; i += 2) {
		char *end;
		if (!strcmp(argv[i], "--frames"))
			frames = strtol(argv[i + 1], &end, 10);
		else if (!strcmp(argv[i], "--runs"))
			runs = strtol(argv[i + 1], &end, 10);
		else
			end = argv[i + 1];
		if (*end != '\0') {
			fprintf(stderr,
				"usage: bench_net [--frames N] [--runs R]\n");
			return 2;
		}
	}
	if (frames < 1 || runs < 1 || runs > 99) {
		fprintf(stderr, "bench_net: bad --frames/--runs\n");
		return 2;
	}
	static struct ife_net net;
	struct ife_net_cfg cfg = {.l4_protos = 1ull << 6};
	memcpy(cfg.mac, us, 6);
	memcpy(&cfg.ip4, our_ip, 4);
	ife_net_init(&net, &cfg);

	struct {
		const char *name;
		uint8_t frame[128];
		size_t len;
	} cases[4];
	cases[0].name = "icmp_echo_64B";
	cases[0].len = mk_ip(cases[0].frame, 1, 64, 0);
	cases[1].name = "arp_request";
	cases[1].len = mk_arp(cases[1].frame);
	cases[2].name = "tcp_to_l4";
	cases[2].len = mk_ip(cases[2].frame, 6, 20, 0);
	cases[3].name = "drop_bad_ip_csum";
	cases[3].len = mk_ip(cases[3].frame, 1, 64, 1);

	printf("%-18s %12s %12s %14s\n", "case", "ns/frame", "cycles/frame",
	       "Mframes/s");
	for (int c = 0; c < 4; c++) {
		double ns[99], cyc[99];
		uint8_t work[128];
		for (long r = 0; r < runs; r++) {
			uint64_t t0 = now_ns(), c0 = __rdtsc();
			for (long i = 0; i < frames; i++) {
				uint32_t rlen;
				struct ife_net_rx rx;
				/* Replies rewrite in place: restore each time,
				 * as a fresh mbuf would be. */
				memcpy(work, cases[c].frame, cases[c].len);
				ife_net_input(&net, work,
					      (uint32_t)cases[c].len,
					      sizeof(work), &rlen, &rx);
			}
			uint64_t c1 = __rdtsc(), t1 = now_ns();
			ns[r] = (double)(t1 - t0) / (double)frames;
			cyc[r] = (double)(c1 - c0) / (double)frames;
		}
		qsort(ns, (size_t)runs, sizeof(double), cmp_d);
		qsort(cyc, (size_t)runs, sizeof(double), cmp_d);
		printf("%-18s %12.1f %12.1f %14.2f\n", cases[c].name,
		       ns[runs / 2], cyc[runs / 2], 1000.0 / ns[runs / 2]);
	}
	return 0;
}
