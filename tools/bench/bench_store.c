/*
 * Mailstore benchmark (docs/benchmarks/store.md).
 *
 *   bench_store [DIR] [--messages N] [--runs R] [--big N]
 *
 * Measures, each R times (median reported):
 *  import   N unique ~4 KiB messages, batches of 1,000, fsync per batch:
 *           serial (add, commit), pipelined (batch N+1 prepared in a
 *           thread while N commits), and without fsync; bytes written
 *           per message (/proc/self/io wchar)
 *  flags    STORE +FLAGS/-FLAGS \Seen over all N, 10,000 per batch, fsync
 *  fetch    ENVELOPE+BODYSTRUCTURE+FLAGS of one random message (read txn)
 *  uidlist  UID list of a mailbox of --big messages (default 1,000,000)
 *  overhead (map pages in use - unique raw bytes) / unique raw bytes
 *  fanout   one message delivered to 1,000 mailboxes: unique blobs
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imapfe/err.h"
#include "imapfe/store.h"

static double
now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), dcmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
die(const char *what, int ret)
{
	fprintf(stderr, "%s: %s\n", what, ife_strerror(ret));
	exit(1);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_store [DIR] [--messages N>=1000] "
			"[--runs 1..15] [--big 1..100000000]\n");
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
			"bench_store: %s: '%s' is not a number from %ld to "
			"%ld\n",
			opt, s, min, max);
		exit(2);
	}
	return v;
}

/* A ~4 KiB message, unique per n. */
static size_t
gen(uint32_t n, char *buf)
{
	int h = snprintf(
		buf, 600,
		"Return-Path: <sender%u@example.com>\r\n"
		"Received: from mx.example.com by mail.example.org "
		"with ESMTPS id %08x; Mon, 1 Jan 2024 10:00:00 +0000\r\n"
		"From: Sender %u <sender%u@example.com>\r\n"
		"To: Alice <alice@example.org>\r\n"
		"Subject: benchmark message number %u\r\n"
		"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
		"Message-ID: <%u.%08x@example.com>\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\n",
		n, n * 2654435761u, n, n, n, n, n * 40503u);
	size_t len = (size_t)h;
	uint32_t x = n * 2654435761u + 1;
	while (len < 4096 - 2) {
		for (int i = 0; i < 72 && len < 4096 - 2; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[len++] = (char)(" etaoinshrdlucmfwypvbgk"[x % 23]);
		}
		buf[len++] = '\r';
		buf[len++] = '\n';
	}
	return len;
}

struct env {
	struct ife_store *s;
	struct ife_store_batch *b;
	uint32_t user, inbox;
};

static void
setup(struct env *e, const char *dir, uint32_t flags)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		exit(1);
	struct ife_store_opts o = {.flags = IFE_STORE_CREATE | flags,
				   .map_size = (size_t)8 << 30};
	int ret = ife_store_open(dir, &o, &e->s);
	if (ret != 0)
		die("open", ret);
	if ((ret = ife_store_batch_create(e->s, &e->b)) != 0)
		die("batch", ret);
	struct ife_store_op op = {.type = IFE_STORE_OP_USER_CREATE,
				  .name = "bench",
				  .name_len = 5};
	ife_store_batch_add(e->b, &op);
	if ((ret = ife_store_batch_commit(e->b)) != 0)
		die("commit", ret);
	e->user = ife_store_batch_result(e->b, 0)->id;
	e->inbox = ife_store_batch_result(e->b, 0)->uid;
}

static void
teardown(struct env *e)
{
	ife_store_batch_destroy(&e->b);
	ife_store_close(&e->s);
}

/* Messages are generated before the clock starts: the import of files
 * already in memory is what is measured. */
static char *corpus;
static size_t *corpus_len;

static void
make_corpus(uint32_t n, uint32_t base)
{
	if (corpus == NULL) {
		corpus = malloc((size_t)n * 4096);
		corpus_len = malloc((size_t)n * sizeof(*corpus_len));
		if (corpus == NULL || corpus_len == NULL)
			die("corpus", -12);
	}
	for (uint32_t i = 0; i < n; i++)
		corpus_len[i] = gen(base + i, corpus + (size_t)i * 4096);
}

/* Bytes this process has passed to write(2)/pwritev(2) so far (LMDB
 * writes its dirty pages that way), from /proc/self/io; 0 if unknown. */
static uint64_t
wchar(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	char line[128];
	uint64_t v = 0;
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "wchar: ", 7) == 0) {
			v = strtoull(line + 7, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static double
bench_import(struct env *e, uint32_t n, double *wpm)
{
	uint64_t w0 = wchar();
	double t0 = now();
	for (uint32_t i = 0; i < n; i += 1000) {
		ife_store_batch_reset(e->b);
		for (uint32_t j = 0; j < 1000 && i + j < n; j++) {
			struct ife_store_op op = {
				.type = IFE_STORE_OP_APPEND,
				.mbox = e->inbox,
				.data = corpus + (size_t)(i + j) * 4096,
				.len = corpus_len[i + j]};
			ife_store_batch_add(e->b, &op);
		}
		int ret = ife_store_batch_commit(e->b);
		if (ret != 0)
			die("import commit", ret);
		if (ife_store_batch_result(e->b, 0)->status != 0)
			die("append", ife_store_batch_result(e->b, 0)->status);
	}
	double dt = now() - t0;
	*wpm = (double)(wchar() - w0) / n;
	return (double)n / dt;
}

/* The import as a control process would run it: while batch N commits
 * (and waits for its fsync), another thread prepares batch N+1 (hashes
 * and MIME-indexes its messages: ife_store_batch_prepare). */
static void *
prepare_thread(void *arg)
{
	int ret = ife_store_batch_prepare(arg);
	if (ret != 0)
		die("prepare", ret);
	return NULL;
}

static void
fill(struct env *e, struct ife_store_batch *b, uint32_t i, uint32_t n)
{
	ife_store_batch_reset(b);
	for (uint32_t j = 0; j < 1000 && i + j < n; j++) {
		struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
					  .mbox = e->inbox,
					  .data = corpus +
						  (size_t)(i + j) * 4096,
					  .len = corpus_len[i + j]};
		if (ife_store_batch_add(b, &op) < 0)
			die("add", -ENOMEM);
	}
}

static double
bench_import_pipelined(struct env *e, uint32_t n)
{
	struct ife_store_batch *b[2];
	int ret;
	if ((ret = ife_store_batch_create(e->s, &b[0])) != 0 ||
	    (ret = ife_store_batch_create(e->s, &b[1])) != 0)
		die("batch", ret);
	double t0 = now();
	fill(e, b[0], 0, n);
	if ((ret = ife_store_batch_prepare(b[0])) != 0)
		die("prepare", ret);
	for (uint32_t i = 0, k = 0; i < n; i += 1000, k ^= 1) {
		pthread_t th;
		bool more = i + 1000 < n;
		if (more) {
			fill(e, b[k ^ 1], i + 1000, n);
			if (pthread_create(&th, NULL, prepare_thread,
					   b[k ^ 1]) != 0)
				die("thread", -EAGAIN);
		}
		if ((ret = ife_store_batch_commit(b[k])) != 0)
			die("import commit", ret);
		if (ife_store_batch_result(b[k], 0)->status != 0)
			die("append", ife_store_batch_result(b[k], 0)->status);
		if (more)
			pthread_join(th, NULL);
	}
	double r = (double)n / (now() - t0);
	ife_store_batch_destroy(&b[0]);
	ife_store_batch_destroy(&b[1]);
	return r;
}

static double
bench_flags(struct env *e, uint32_t n)
{
	uint32_t *uids = malloc(10000 * sizeof(*uids));
	double t0 = now();
	uint64_t updates = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < n; i += 10000) {
			uint32_t k = 0;
			for (; k < 10000 && i + k < n; k++)
				uids[k] = i + k + 1;
			ife_store_batch_reset(e->b);
			struct ife_store_op op = {
				.type = IFE_STORE_OP_STORE,
				.mbox = e->inbox,
				.uids = uids,
				.nuids = k,
				.store_mode =
					pass ? IFE_STORE_REMOVE : IFE_STORE_ADD,
				.flags = IFE_STORE_SEEN};
			ife_store_batch_add(e->b, &op);
			int ret = ife_store_batch_commit(e->b);
			if (ret != 0)
				die("flags commit", ret);
			updates += ife_store_batch_result(e->b, 0)->nchanges;
		}
	}
	free(uids);
	return (double)updates / (now() - t0);
}

/* What FETCH (FLAGS ENVELOPE BODYSTRUCTURE) copies into a response:
 * the envelope is copied out of the index, BODYSTRUCTURE is a view that
 * is copied too. */
static uint64_t
fetch_out(const struct ife_store_msg *m)
{
	static char out[8192];
	size_t n = ife_mime_envelope(&m->index, out, sizeof(out));
	size_t bl = m->index.bodystructure_len;
	if (n < sizeof(out) && bl <= sizeof(out) - n)
		memcpy(out + n, m->index.bodystructure, bl);
	return m->flags + (uint8_t)out[0] + (uint8_t)out[n + bl - 1] + n + bl;
}

static double
bench_fetch(struct env *e, uint32_t n, double *cold, double *seq)
{
	struct ife_store_rtxn *r;
	int ret = ife_store_rtxn_begin(e->s, &r);
	if (ret != 0)
		die("rtxn", ret);
	uint32_t x = 12345;
	const uint32_t iters = 1000000;
	uint64_t sink = 0;
	/* warm: a serving process has its map resident; first touches of
	 * each page are page faults, measured separately */
	double tw = now();
	for (uint32_t u = 1; u <= n; u++) {
		struct ife_store_msg m;
		if (ife_store_msg_get(r, e->inbox, u, &m) == 0)
			sink += fetch_out(&m);
	}
	*cold = (now() - tw) / n * 1e9;
	double t0 = now();
	for (uint32_t i = 0; i < iters; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		struct ife_store_msg m;
		if ((ret = ife_store_msg_get(r, e->inbox, 1 + x % n, &m)) != 0)
			die("msg_get", ret);
		sink += fetch_out(&m);
	}
	double dt = now() - t0;
	/* FETCH 1:* order: every message once, in UID order */
	double ts = now();
	for (int pass = 0; pass < 5; pass++) {
		for (uint32_t u = 1; u <= n; u++) {
			struct ife_store_msg m;
			if ((ret = ife_store_msg_get(r, e->inbox, u, &m)) != 0)
				die("msg_get", ret);
			sink += fetch_out(&m);
		}
	}
	*seq = (now() - ts) / (5.0 * n) * 1e9;
	if (sink == 42)
		puts("");
	ife_store_rtxn_destroy(&r);
	return dt / iters * 1e9;
}

static void
bench_uidlist(const char *dir, uint32_t big, int runs, double *ms)
{
	struct env e;
	setup(&e, dir, IFE_STORE_NOSYNC);
	char buf[4096];
	size_t len = gen(1, buf);
	for (uint32_t i = 0; i < big; i += 10000) {
		ife_store_batch_reset(e.b);
		for (uint32_t j = 0; j < 10000 && i + j < big; j++) {
			struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
						  .mbox = e.inbox,
						  .data = buf,
						  .len = len};
			ife_store_batch_add(e.b, &op);
		}
		int ret = ife_store_batch_commit(e.b);
		if (ret != 0)
			die("big commit", ret);
	}
	uint32_t *uids = malloc((size_t)big * sizeof(*uids));
	struct ife_store_rtxn *r;
	ife_store_rtxn_begin(e.s, &r);
	for (int i = 0; i < runs; i++) {
		size_t n;
		ife_store_rtxn_renew(r);
		double t0 = now();
		int ret = ife_store_uids(r, e.inbox, uids, big, &n);
		ms[i] = (now() - t0) * 1e3;
		if (ret != 0 || n != big || uids[big - 1] != big)
			die("uids", ret ? ret : IFE_ECORRUPT);
		ife_store_rtxn_reset(r);
	}
	ife_store_rtxn_destroy(&r);
	free(uids);
	teardown(&e);
}

int
main(int argc, char **argv)
{
	const char *dir = "/tmp/ife-bench-store";
	uint32_t n = 50000, big = 1000000;
	int runs = 3;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		bool known = strcmp(opt, "--messages") == 0 ||
			     strcmp(opt, "--runs") == 0 ||
			     strcmp(opt, "--big") == 0;
		if (!known && opt[0] == '-') {
			fprintf(stderr, "bench_store: unknown option %s\n",
				opt);
			usage();
		}
		if (!known) {
			dir = opt;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "bench_store: %s: missing value\n",
				opt);
			usage();
		}
		const char *val = argv[++i];
		/* the result arrays hold 15 runs; the import batches are
		 * 1,000 messages; --big's UIDs and its 10,000-step fill loop
		 * stay well inside uint32_t */
		if (strcmp(opt, "--messages") == 0)
			n = (uint32_t)arg_num(opt, val, 1000, UINT32_MAX);
		else if (strcmp(opt, "--runs") == 0)
			runs = (int)arg_num(opt, val, 1, 15);
		else
			big = (uint32_t)arg_num(opt, val, 1, 100000000);
	}
	double imp[15], flg[15], fet[15], uid[15], ovh[15], cold[15];
	double seqf[15], imp_ns[15], wpm[15], wpm_ns, pip[15];
	for (int r = 0; r < runs; r++) {
		struct env e;
		make_corpus(n, (uint32_t)r * n);
		/* the same import without fsync: the CPU-bound ceiling */
		setup(&e, dir, IFE_STORE_NOSYNC);
		imp_ns[r] = bench_import(&e, n, &wpm_ns);
		teardown(&e);
		/* pipelined: prepare of batch N+1 beside the commit of N */
		setup(&e, dir, 0);
		pip[r] = bench_import_pipelined(&e, n);
		teardown(&e);
		setup(&e, dir, 0);
		imp[r] = bench_import(&e, n, &wpm[r]);
		/* storage right after the import */
		struct ife_store_stats st;
		ife_store_stat(e.s, &st);
		flg[r] = bench_flags(&e, n);
		fet[r] = bench_fetch(&e, n, &cold[r], &seqf[r]);
		ovh[r] = 100.0 *
			 ((double)st.used_bytes - (double)st.blob_bytes) /
			 (double)st.blob_bytes;
		printf("run %d: import %.0f msg/s (pipelined %.0f, no fsync "
		       "%.0f, "
		       "%.0f bytes written/msg), flags %.0f "
		       "upd/s, fetch "
		       "%.0f ns random / %.0f ns in UID order / %.0f ns first "
		       "touch, overhead %.1f%% (raw %" PRIu64 ", index %" PRIu64
		       ", pages in use %" PRIu64 ")\n",
		       r + 1, imp[r], pip[r], imp_ns[r], wpm[r], flg[r], fet[r],
		       seqf[r], cold[r], ovh[r], st.blob_bytes, st.index_bytes,
		       st.used_bytes);
		teardown(&e);
	}
	bench_uidlist(dir, big, runs, uid);
	for (int r = 0; r < runs; r++)
		printf("run %d: uid list of %u: %.2f ms\n", r + 1, big, uid[r]);

	/* fan-out: one message to 1,000 mailboxes */
	struct env e;
	setup(&e, dir, 0);
	char names[1000][8];
	ife_store_batch_reset(e.b);
	for (int i = 0; i < 1000; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d", i);
		struct ife_store_op op = {.type = IFE_STORE_OP_MBOX_CREATE,
					  .user = e.user,
					  .name = names[i],
					  .name_len = strlen(names[i])};
		ife_store_batch_add(e.b, &op);
	}
	ife_store_batch_commit(e.b);
	uint32_t ids[1000];
	for (int i = 0; i < 1000; i++)
		ids[i] = ife_store_batch_result(e.b, (unsigned)i)->id;
	char buf[4096];
	size_t len = gen(7, buf);
	ife_store_batch_reset(e.b);
	for (int i = 0; i < 1000; i++) {
		struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
					  .mbox = ids[i],
					  .data = buf,
					  .len = len};
		ife_store_batch_add(e.b, &op);
	}
	ife_store_batch_commit(e.b);
	struct ife_store_stats st;
	ife_store_stat(e.s, &st);
	teardown(&e);

	printf("\nmedian of %d runs, %u messages of 4096 bytes:\n", runs, n);
	printf("import (batch 1000, fsync)   %10.0f msg/s, %.0f bytes written "
	       "per message\n",
	       median(imp, runs), median(wpm, runs));
	printf("  same, pipelined            %10.0f msg/s (batch N+1 prepared "
	       "in a thread while N commits)\n",
	       median(pip, runs));
	printf("  same, no fsync             %10.0f msg/s\n",
	       median(imp_ns, runs));
	printf("flag updates (batch 10000)   %10.0f upd/s\n",
	       median(flg, runs));
	printf("ENVELOPE+BODYSTRUCTURE+FLAGS %10.0f ns random UID, %.0f ns in "
	       "UID order (resident map; first touch %.0f ns)\n",
	       median(fet, runs), median(seqf, runs), median(cold, runs));
	printf("UID list of %u          %10.2f ms\n", big, median(uid, runs));
	printf("storage overhead             %10.1f %%\n", median(ovh, runs));
	printf("1 message to 1000 mailboxes  %10" PRIu64 " messages, %" PRIu64
	       " unique blob(s), %" PRIu64 " raw bytes\n",
	       st.messages, st.blobs, st.blob_bytes);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
