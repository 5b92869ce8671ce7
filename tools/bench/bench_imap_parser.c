/*
 * Benchmark of the IMAP command parser on one core.
 *
 *   bench_imap_parser [--runs N] [--commands N] [--append-mib N]
 *                     [--only noop|uidfetch]
 *
 * --only runs one workload once, quietly (for instruction counting under
 * valgrind --tool=callgrind, since perf counters are not available in VMs
 * without a PMU: run with two --commands values and divide the difference).
 *
 * Workloads (the targets in brackets):
 *   noop       "aN NOOP" pipelined in one buffer          [10 M/s]
 *   uidfetch   "aN UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS
 *              (FROM TO SUBJECT DATE)])"                  [2 M/s]
 *   noop-1460  NOOP stream cut into 1460-byte segments (commands split
 *              across segments are copied into the arena)
 *   append     APPEND literal pass-through, 1460-byte and 64 KiB
 *              segments: every byte reported as a view   [5 GB/s]
 *   memchr     reference floor: memchr for LF over the NOOP stream
 *   dovecot-*  peer: Dovecot 2.3's lib-imap parser (imap_parser_read_tag,
 *              _read_command_name, _read_args: generic, untyped arguments)
 *              over the same streams, when built with dovecot-dev
 *              (IFE_BENCH_DOVECOT; meson finds it)
 * Each figure is the median of --runs runs, measured in thread CPU time
 * (CLOCK_THREAD_CPUTIME_ID, so that time preempted by other processes on a
 * shared machine is not counted) and converted to cycles at the TSC rate
 * (measured against CLOCK_MONOTONIC); "best" is the fastest run and "wall"
 * the median by wall-clock time.
 */
/* Dovecot's lib.h typedefs bool itself: it must come before stdbool.h */
#ifdef IFE_BENCH_DOVECOT
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include "lib.h"
#include "istream.h"
#include "imap-parser.h"
#pragma GCC diagnostic pop
#endif

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "imapfe/imap_parser.h"

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this thread: on a shared machine, time spent preempted by
 * other processes is not ours (wall time and rdtsc include it). */
static double
cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double tsc_hz;

static void
calibrate(void)
{
	double t0 = now();
	uint64_t c0 = __rdtsc();
	while (now() - t0 < 0.2)
		;
	tsc_hz = (double)(__rdtsc() - c0) / (now() - t0);
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct result {
	double secs; /* wall */
	double cpu;  /* thread CPU time */
	uint64_t cycles;
	uint64_t items;
	uint64_t events;
};

static volatile uint64_t sink;

/* Parse the whole buffer `reps` times, feeding `seg` bytes at a time. */
static struct result
run_stream(struct ife_imap_parser *p, const char *buf, size_t len, size_t reps,
	   size_t seg)
{
	struct result r = {0};
	struct ife_imap_event ev;
	double t0 = now(), u0 = cpu_now();
	uint64_t c0 = __rdtsc();
	for (size_t k = 0; k < reps; k++) {
		size_t pos = 0;
		while (pos < len) {
			size_t end = seg && len - pos > seg ? pos + seg : len;
			size_t off = pos;
			while (off < end) {
				enum ife_imap_ev e = ife_imap_parser_feed(
					p, buf + off, end - off, &ev);
				off += ev.consumed;
				if (e == IFE_IMAP_EV_COMMAND) {
					r.items++;
					sink += ev.cmd->tag.len;
				} else if (e != IFE_IMAP_EV_NEED_MORE) {
					fprintf(stderr, "unexpected event %d\n",
						e);
					exit(1);
				} else {
					break;
				}
			}
			pos = end;
		}
	}
	r.cycles = __rdtsc() - c0;
	r.secs = now() - t0;
	r.cpu = cpu_now() - u0;
	return r;
}

static struct result
run_append(struct ife_imap_parser *p, const char *buf, size_t len, size_t seg)
{
	struct result r = {0};
	struct ife_imap_event ev;
	double t0 = now(), u0 = cpu_now();
	uint64_t c0 = __rdtsc();
	size_t pos = 0;
	while (pos < len) {
		size_t end = len - pos > seg ? pos + seg : len;
		size_t off = pos;
		while (off < end) {
			enum ife_imap_ev e = ife_imap_parser_feed(
				p, buf + off, end - off, &ev);
			off += ev.consumed;
			if (e == IFE_IMAP_EV_LITERAL) {
				r.items += ev.data.len;
				r.events++;
				sink += (uintptr_t)ev.data.ptr;
			} else if (e == IFE_IMAP_EV_NEED_MORE) {
				break;
			}
		}
		pos = end;
	}
	r.cycles = __rdtsc() - c0;
	r.secs = now() - t0;
	r.cpu = cpu_now() - u0;
	return r;
}

static struct result
run_memchr(const char *buf, size_t len, size_t reps)
{
	struct result r = {0};
	double t0 = now(), u0 = cpu_now();
	uint64_t c0 = __rdtsc();
	for (size_t k = 0; k < reps; k++) {
		const char *p = buf, *end = buf + len;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL)
				break;
			r.items++;
			sink += (uintptr_t)nl;
			p = nl + 1;
		}
	}
	r.cycles = __rdtsc() - c0;
	r.secs = now() - t0;
	r.cpu = cpu_now() - u0;
	return r;
}

#ifdef IFE_BENCH_DOVECOT
/* Dovecot's parser the way src/imap/imap-client.c drives it: tag, command
 * name, all arguments of the line, skip the line end, reset. */
static struct result
run_dovecot(const char *buf, size_t len, size_t reps)
{
	struct result r = {0};
	double t0 = now(), u0 = cpu_now();
	uint64_t c0 = __rdtsc();
	for (size_t k = 0; k < reps; k++) {
		struct istream *in = i_stream_create_from_data(buf, len);
		struct imap_parser *p =
			imap_parser_create(in, NULL, 65536, NULL);
		(void)i_stream_read(in);
		for (;;) {
			const char *tag, *name;
			const struct imap_arg *args;
			if (imap_parser_read_tag(p, &tag) <= 0 ||
			    imap_parser_read_command_name(p, &name) <= 0)
				break;
			if (imap_parser_read_args(p, 0, 0, &args) < 0) {
				fprintf(stderr, "dovecot: %s\n",
					imap_parser_get_error(p, NULL));
				exit(1);
			}
			r.items++;
			size_t sz;
			const unsigned char *d = i_stream_get_data(in, &sz);
			const unsigned char *nl = memchr(d, '\n', sz);
			if (nl == NULL)
				break;
			i_stream_skip(in, (size_t)(nl - d) + 1);
			imap_parser_reset(p);
		}
		imap_parser_unref(&p);
		i_stream_unref(&in);
	}
	r.cycles = __rdtsc() - c0;
	r.secs = now() - t0;
	r.cpu = cpu_now() - u0;
	return r;
}
#endif

/* n commands "a<i><rest>" */
static char *
make_stream(const char *rest, size_t n, size_t *len)
{
	size_t cap = n * (strlen(rest) + 16) + 1;
	char *b = malloc(cap);
	size_t k = 0;
	if (b == NULL)
		exit(1);
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(b + k, cap - k, "a%u%s", (unsigned)i,
				      rest);
	*len = k;
	return b;
}

static void
report(const char *name, struct result *rs, int runs, const char *unit,
       double scale)
{
	double rate[64], wrate[64], cyc[64], ns[64];
	bool bytes = strcmp(unit, "GB/s") == 0;
	for (int i = 0; i < runs; i++) {
		double it = (double)rs[i].items;
		rate[i] = it / rs[i].cpu / scale;
		wrate[i] = it / rs[i].secs / scale;
		/* cycles of CPU time at the TSC rate */
		cyc[i] = rs[i].cpu * tsc_hz / it;
		ns[i] = rs[i].cpu * 1e9 / it;
	}
	qsort(rate, (size_t)runs, sizeof(double), cmp);
	qsort(wrate, (size_t)runs, sizeof(double), cmp);
	qsort(cyc, (size_t)runs, sizeof(double), cmp);
	qsort(ns, (size_t)runs, sizeof(double), cmp);
	printf("%-13s %9.2f %-7s %8.2f ns/%s %8.1f cycles/%s | best %.2f | "
	       "wall median %.2f\n",
	       name, rate[runs / 2], unit, ns[runs / 2], bytes ? "B" : "cmd",
	       cyc[runs / 2], bytes ? "B" : "cmd", rate[runs - 1],
	       wrate[runs / 2]);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_imap_parser [--runs 1..64] "
			"[--commands N] [--append-mib 1..1048576]\n"
			"                         [--only noop|uidfetch]\n");
	exit(2);
}

/* A whole decimal number in [min, max], or a message and exit status 2. */
static long
arg_num(const char *opt, const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr,
			"bench_imap_parser: %s: '%s' is not a number from %ld "
			"to %ld\n",
			opt, s, min, max);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	int runs = 5;
	size_t ncmd = 2000000, mib = 256;
	const char *only = NULL;
	for (int i = 1; i < argc; i += 2) {
		const char *opt = argv[i];
		if (i + 1 >= argc) {
			fprintf(stderr,
				"bench_imap_parser: %s: missing value\n", opt);
			usage();
		}
		const char *val = argv[i + 1];
		/* runs: the result arrays hold 64; append: MiB << 20 must
		 * fit in size_t and max_append */
		if (strcmp(opt, "--runs") == 0)
			runs = (int)arg_num(opt, val, 1, 64);
		else if (strcmp(opt, "--commands") == 0)
			ncmd = (size_t)arg_num(opt, val, 1, LONG_MAX);
		else if (strcmp(opt, "--append-mib") == 0)
			mib = (size_t)arg_num(opt, val, 1, 1L << 20);
		else if (strcmp(opt, "--only") == 0 &&
			 (strcmp(val, "noop") == 0 ||
			  strcmp(val, "uidfetch") == 0))
			only = val;
		else {
			fprintf(stderr, "bench_imap_parser: bad option %s %s\n",
				opt, val);
			usage();
		}
	}
	if (only == NULL)
		calibrate();
	else
		tsc_hz = 1;
	printf("parser state %zu bytes; TSC %.3f GHz\n",
	       sizeof(struct ife_imap_parser), tsc_hz / 1e9);

	struct ife_imap_limits lim = ife_imap_limits_postauth;
	lim.max_append = (uint64_t)mib << 20;
	size_t asz = (size_t)lim.max_command * 4;
	void *arena = malloc(asz);
	struct ife_imap_parser p;
	if (arena == NULL || ife_imap_parser_init(&p, &lim, arena, asz) != 0)
		return 1;

	size_t block = 100000, nlen, flen;
	char *noop = make_stream(" NOOP\r\n", block, &nlen);
	char *fetch = make_stream(" UID FETCH 1:* (FLAGS BODY.PEEK[HEADER."
				  "FIELDS (FROM TO SUBJECT DATE)])\r\n",
				  block, &flen);
	size_t reps = ncmd / block ? ncmd / block : 1;
	struct result rs[64];
	if (only != NULL) {
		bool f = strcmp(only, "uidfetch") == 0;
		/* exactly ncmd commands (a prefix of the block) */
		const char *b = f ? fetch : noop;
		size_t len = f ? flen : nlen, cut = 0, lines = 0;
		size_t want = ncmd < block ? ncmd : block;
		while (cut < len && lines < want)
			if (b[cut++] == '\n')
				lines++;
		struct result r =
			run_stream(&p, b, cut, ncmd < block ? 1 : reps, 0);
		printf("%s: %llu commands\n", only,
		       (unsigned long long)r.items);
		return 0;
	}

	for (int i = 0; i < runs; i++)
		rs[i] = run_stream(&p, noop, nlen, reps, 0);
	report("noop", rs, runs, "Mcmd/s", 1e6);
	for (int i = 0; i < runs; i++)
		rs[i] = run_stream(&p, fetch, flen, reps, 0);
	report("uidfetch", rs, runs, "Mcmd/s", 1e6);
	for (int i = 0; i < runs; i++)
		rs[i] = run_stream(&p, noop, nlen, reps, 1460);
	report("noop-1460", rs, runs, "Mcmd/s", 1e6);
	for (int i = 0; i < runs; i++)
		rs[i] = run_stream(&p, fetch, flen, reps, 1460);
	report("uidfetch-1460", rs, runs, "Mcmd/s", 1e6);
	for (int i = 0; i < runs; i++)
		rs[i] = run_memchr(noop, nlen, reps);
	report("memchr-floor", rs, runs, "Mline/s", 1e6);
#ifdef IFE_BENCH_DOVECOT
	lib_init();
	for (int i = 0; i < runs; i++)
		rs[i] = run_dovecot(noop, nlen, reps);
	report("dovecot-noop", rs, runs, "Mcmd/s", 1e6);
	for (int i = 0; i < runs; i++)
		rs[i] = run_dovecot(fetch, flen, reps);
	report("dovecot-uidf", rs, runs, "Mcmd/s", 1e6);
	lib_deinit();
#endif

	size_t msg = mib << 20;
	char hdr[64];
	int hl = snprintf(hdr, sizeof(hdr), "a APPEND INBOX {%zu+}\r\n", msg);
	size_t alen = (size_t)hl + msg + 2;
	char *app = malloc(alen);
	if (app == NULL)
		return 1;
	/* app is a counted byte stream, not a C string: no NUL */
	memcpy(app, hdr, (size_t)hl);
	memset(app + hl, 'x', msg);
	app[hl + msg] = '\r';
	app[hl + msg + 1] = '\n';
	size_t segs[] = {1460, 65536};
	for (int s = 0; s < 2; s++) {
		for (int i = 0; i < runs; i++)
			rs[i] = run_append(&p, app, alen, segs[s]);
		report(segs[s] == 1460 ? "append-1460" : "append-64k", rs, runs,
		       "GB/s", 1e9);
		double cpe[64];
		for (int i = 0; i < runs; i++)
			cpe[i] = rs[i].cpu * tsc_hz / (double)rs[i].events;
		qsort(cpe, (size_t)runs, sizeof(double), cmp);
		printf("%-12s %10.1f cycles per LITERAL event (one per "
		       "segment)\n",
		       "", cpe[runs / 2]);
	}
	free(app);
	free(noop);
	free(fetch);
	free(arena);
	return (int)(sink & 0);
}
