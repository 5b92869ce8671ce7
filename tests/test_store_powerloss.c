/*
 * Power loss: the mailstore's promise "a batch acknowledged by
 * ife_store_batch_commit() survives power loss" tested by simulating the
 * disk in user space (method and limits in docs/durability.md).
 *
 * 1. Record. A workload of group commits (APPEND, STORE, COPY, MOVE,
 *    EXPUNGE, mailbox CREATE/RENAME/DELETE/SUBSCRIBE, a restart) runs on a
 *    real store while tests/powerloss_shim.c logs every write to data.mdb
 *    with its bytes, whether it went through an O_DSYNC descriptor, and
 *    every fdatasync/fsync. The test adds markers: "commit of batch b
 *    begins" and "batch b acknowledged", and after each acknowledgement
 *    takes a digest of the whole logical state (users, mailboxes,
 *    counters, every message's flags, keywords, modseq and SHA-256).
 *    The file rebuilt from the log must equal the real data.mdb after
 *    every commit: proof that the shim saw every write.
 * 2. Cut. Replaying the log models the disk at 512-byte sectors: the
 *    durable image (what fdatasync/fsync and O_DSYNC writes made durable)
 *    and, per sector, every version written since. At each cut point a
 *    child process builds an image a power loss could leave: the durable
 *    image plus a seeded choice among the pending versions (none, all,
 *    any version per sector, a random subset of whole writes, or the
 *    writes in issue order up to one torn write), and a file length
 *    anywhere from the durable one to the written one. The lock file is
 *    absent, stale or garbage.
 *    Cut points, per commit: right after its acknowledgement, after some
 *    of its page writes, between its fdatasync and its meta page, after
 *    the meta page, and during the (O_DSYNC) meta-page write.
 * 3. Verify. The child opens the image as a store: its state must be the
 *    last acknowledged one or, when a commit was in flight at the cut,
 *    the one that commit produced (nothing acknowledged lost, no batch
 *    half applied; the state's digest covers the SHA-256 of every
 *    message as read back); ife_store_check() finds nothing; a new batch
 *    commits and the check still passes.
 *
 * The disk model is tests/powerloss_model.c, the workload and the state
 * digest tests/powerloss_workload.c.
 *
 * Negative controls prove the harness can fail: a store opened with
 * IFE_STORE_NOSYNC, a model in which fdatasync makes nothing durable, and
 * one in which a single O_DSYNC meta-page write is dropped must each be
 * reported as lost or corrupt at some cut.
 *
 * Environment (for investigating, not needed by the test):
 *   IFE_POWERLOSS_SEED=n  other seeds for the workload and the cuts
 *   IFE_POWERLOSS_KEEP=1  keep the image of every failing cut
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "imapfe/err.h"
#include "imapfe/store.h"
#include "powerloss_model.h"
#include "powerloss_shim.h"
#include "powerloss_workload.h"
#include "store_pvt.h"

#define PL_BATCHES    64 /* workload batches after store and users */
#define PL_MIN_CUTS   200
#define PL_CUTS	      256
#define PL_PARALLEL   2
#define PL_SEED	      0x1fe5eed5u
#define PL_RESTART_AT (PL_BATCHES / 2)

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	assert_non_null(q);
	return q;
}

/* Grow *p (elements of size sz, capacity *cap) to hold need elements;
 * new memory is zeroed. */
static void
grow(void **p, size_t *cap, size_t need, size_t sz)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	*p = xrealloc(*p, c * sz);
	memset((char *)*p + *cap * sz, 0, (c - *cap) * sz);
	*cap = c;
}

static void
rmtree(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "powerloss: could not remove %s\n", dir);
}

static int
read_file(const char *path, uint8_t **out, size_t *len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return -errno;
	}
	*len = (size_t)st.st_size;
	*out = xrealloc(NULL, *len);
	size_t got = 0;
	while (got < *len) {
		ssize_t r = pread(fd, *out + got, *len - got, (off_t)got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return got == *len ? 0 : -EIO;
}

static int
write_file(const char *path, const void *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	if (fd < 0)
		return -errno;
	size_t done = 0;
	while (done < len) {
		ssize_t r = write(fd, (const char *)p + done, len - done);
		if (r <= 0) {
			close(fd);
			return -EIO;
		}
		done += (size_t)r;
	}
	return close(fd) == 0 ? 0 : -errno;
}

/* ------------------------------------------------------------------ */
/* Recording                                                           */
/* ------------------------------------------------------------------ */

struct pl_rec {
	struct powerloss_ev *ev; /* owned copies of the shim's log */
	size_t nev;
	uint8_t *arena;
	uint64_t calls[POWERLOSS_CALL_COUNT];
	uint64_t dsync_writes;
	struct powerloss_state *st; /* st[b]: state after batch b was acked */
	size_t nst;
	uint8_t *lock; /* lock.mdb as the writer left it */
	size_t lock_len;
	uint32_t open_flags;
};

static char base_dir[256];
static uint64_t base_seed = PL_SEED;
static bool keep_failed;

/* The file as the log says it is, compared with the real one. */
struct pl_mirror {
	uint8_t *p;
	size_t len, cap;
	size_t applied;
};

static void
mirror_check(struct pl_mirror *mi, const char *path)
{
	struct powerloss_log lg;
	powerloss_shim_log(&lg);
	for (; mi->applied < lg.n; mi->applied++) {
		const struct powerloss_ev *e = &lg.ev[mi->applied];
		if (e->kind == POWERLOSS_EV_WRITE) {
			grow((void **)&mi->p, &mi->cap, e->off + e->len, 1);
			memcpy(mi->p + e->off, lg.arena + e->data, e->len);
			if (e->off + e->len > mi->len)
				mi->len = e->off + e->len;
		} else if (e->kind == POWERLOSS_EV_TRUNC) {
			grow((void **)&mi->p, &mi->cap, e->off, 1);
			if (e->off < mi->len)
				memset(mi->p + e->off, 0, mi->len - e->off);
			mi->len = e->off;
		}
	}
	uint8_t *real = NULL;
	size_t rl = 0;
	assert_int_equal(read_file(path, &real, &rl), 0);
	if (rl != mi->len || memcmp(real, mi->p, rl) != 0) {
		size_t at = 0;
		while (at < rl && at < mi->len && real[at] == mi->p[at])
			at++;
		fail_msg("powerloss: data.mdb (%zu bytes) differs from the "
			 "file rebuilt from the shim's log (%zu bytes) at "
			 "byte %zu: a write to the file escaped the shim "
			 "(new call, or MDB_WRITEMAP?)",
			 rl, mi->len, at);
	}
	free(real);
}

static void
rec_ack(struct pl_rec *rc, struct ife_store *s, uint32_t b,
	struct pl_mirror *mi, const char *data_path)
{
	powerloss_shim_mark(POWERLOSS_MARK_ACK, b);
	assert_int_equal(rc->nst, b);
	rc->st = xrealloc(rc->st, (rc->nst + 1) * sizeof(*rc->st));
	assert_int_equal(powerloss_state_capture(s, &rc->st[rc->nst]), 0);
	rc->nst++;
	mirror_check(mi, data_path);
}

/* After a commit: every APPEND that succeeded reads back as generated
 * (this ties the SHA-256 in the recorded states to the generator). */
static void
rec_verify_appends(struct ife_store *s, struct ife_store_batch *bt,
		   const struct powerloss_batch *b)
{
	struct ife_store_rtxn *r;
	assert_int_equal(ife_store_rtxn_begin(s, &r), 0);
	for (unsigned i = 0; i < b->n; i++) {
		const struct ife_store_result *res =
			ife_store_batch_result(bt, i);
		if (b->op[i].type != IFE_STORE_OP_APPEND || res->status != 0)
			continue;
		struct ife_store_msg m;
		int ret = ife_store_msg_get(r, b->op[i].mbox, res->uid, &m);
		bool gone_later = false;
		for (unsigned k = i + 1; k < b->n; k++) {
			uint32_t t = b->op[k].type;
			gone_later |= t == IFE_STORE_OP_MBOX_DELETE ||
				      t == IFE_STORE_OP_MBOX_RENAME ||
				      t == IFE_STORE_OP_EXPUNGE ||
				      t == IFE_STORE_OP_MOVE;
		}
		if (ret == IFE_ENOTFOUND && gone_later)
			continue; /* a later operation of the batch took it */
		assert_int_equal(ret, 0);
		assert_int_equal(m.size, b->len[i]);
		assert_memory_equal(m.data, b->msg[i], b->len[i]);
	}
	ife_store_rtxn_destroy(&r);
}

/* Run the workload on a fresh store in dir while the shim records. */
static void
record(struct pl_rec *rc, const char *dir, uint32_t batches,
       uint32_t open_flags, uint64_t seed)
{
	char data_path[1024], lock_path[1024];
	struct pl_mirror mi = {0};
	struct powerloss_workload w = {.rng = powerloss_rng_seed(seed, 0x776c),
				       .next_seed = 1};
	struct powerloss_batch *b = calloc(1, sizeof(*b));
	struct ife_store *s = NULL;
	struct ife_store_batch *bt = NULL;
	/* a small map, so that the store grows it during the workload */
	struct ife_store_opts o = {.map_size = 512u << 10,
				   .flags = IFE_STORE_CREATE | open_flags};

	assert_non_null(b);
	for (unsigned i = 0; i < POWERLOSS_MAX_OPS; i++)
		b->msg[i] = xrealloc(NULL, POWERLOSS_MSG_MAX);
	memset(rc, 0, sizeof(*rc));
	rc->open_flags = open_flags;
	snprintf(data_path, sizeof(data_path), "%s/data.mdb", dir);
	snprintf(lock_path, sizeof(lock_path), "%s/lock.mdb", dir);
	powerloss_shim_start(data_path);

	/* batch 0: the store is created */
	powerloss_shim_mark(POWERLOSS_MARK_BEGIN, 0);
	assert_int_equal(ife_store_open(dir, &o, &s), 0);
	assert_int_equal(ife_store_batch_create(s, &bt), 0);
	rec_ack(rc, s, 0, &mi, data_path);

	/* batch 1: the users (bob with a message quota) */
	struct ife_store_op uop[2] = {
		{.type = IFE_STORE_OP_USER_CREATE,
		 .name = powerloss_users[0],
		 .name_len = strlen(powerloss_users[0])},
		{.type = IFE_STORE_OP_USER_CREATE,
		 .name = powerloss_users[1],
		 .name_len = strlen(powerloss_users[1]),
		 .quota_msgs = 60},
	};
	ife_store_batch_reset(bt);
	assert_true(ife_store_batch_add(bt, &uop[0]) >= 0);
	assert_true(ife_store_batch_add(bt, &uop[1]) >= 0);
	powerloss_shim_mark(POWERLOSS_MARK_BEGIN, 1);
	assert_int_equal(ife_store_batch_commit(bt), 0);
	assert_int_equal(ife_store_batch_result(bt, 0)->status, 0);
	assert_int_equal(ife_store_batch_result(bt, 1)->status, 0);
	rec_ack(rc, s, 1, &mi, data_path);

	for (uint32_t n = 2; n < 2 + batches; n++) {
		if (n == 2 + PL_RESTART_AT) {
			/* a restart of the writer between two batches */
			powerloss_shim_mark(POWERLOSS_MARK_BEGIN, n);
			ife_store_batch_destroy(&bt);
			ife_store_close(&s);
			o.flags = open_flags;
			assert_int_equal(ife_store_open(dir, &o, &s), 0);
			assert_int_equal(ife_store_batch_create(s, &bt), 0);
			rec_ack(rc, s, n, &mi, data_path);
			continue;
		}
		powerloss_wl_batch(&w, &rc->st[rc->nst - 1], b);
		ife_store_batch_reset(bt);
		for (unsigned i = 0; i < b->n; i++)
			assert_true(ife_store_batch_add(bt, &b->op[i]) >= 0);
		powerloss_shim_mark(POWERLOSS_MARK_BEGIN, n);
		int ret = ife_store_batch_commit(bt);
		if (ret != 0)
			fail_msg("powerloss: batch %u commit: %s", n,
				 ife_strerror(ret));
		rec_ack(rc, s, n, &mi, data_path);
		rec_verify_appends(s, bt, b);
	}
	powerloss_shim_stop();
	ife_store_batch_destroy(&bt);
	ife_store_close(&s);

	struct powerloss_log lg;
	powerloss_shim_log(&lg);
	rc->nev = lg.n;
	rc->ev = xrealloc(NULL, lg.n * sizeof(*lg.ev));
	memcpy(rc->ev, lg.ev, lg.n * sizeof(*lg.ev));
	size_t alen = 0;
	for (size_t i = 0; i < lg.n; i++) {
		if (lg.ev[i].kind == POWERLOSS_EV_WRITE) {
			alen = lg.ev[i].data + lg.ev[i].len;
			rc->dsync_writes += lg.ev[i].dsync;
		}
	}
	rc->arena = xrealloc(NULL, alen);
	memcpy(rc->arena, lg.arena, alen);
	memcpy(rc->calls, lg.calls, sizeof(rc->calls));
	/* LMDB writes this file only through the calls modelled here */
	assert_int_equal(lg.calls[POWERLOSS_CALL_FTRUNCATE], 0);
	assert_int_equal(lg.calls[POWERLOSS_CALL_SYNC_FILE_RANGE], 0);
	assert_int_equal(lg.msyncs, 0);
	powerloss_shim_reset();
	assert_int_equal(read_file(lock_path, &rc->lock, &rc->lock_len), 0);

	for (unsigned i = 0; i < POWERLOSS_MAX_OPS; i++)
		free(b->msg[i]);
	free(b);
	free(mi.p);
}

static void
rec_free(struct pl_rec *rc)
{
	for (size_t i = 0; i < rc->nst; i++)
		powerloss_state_free(&rc->st[i]);
	free(rc->st);
	free(rc->ev);
	free(rc->arena);
	free(rc->lock);
	memset(rc, 0, sizeof(*rc));
}

/* ------------------------------------------------------------------ */
/* Cuts                                                                */
/* ------------------------------------------------------------------ */

enum pl_cat {
	CAT_AFTER_ACK,	 /* right after an acknowledgement */
	CAT_MID_DATA,	 /* after some data-page writes of a commit */
	CAT_AFTER_SYNC,	 /* after fdatasync, before the meta page */
	CAT_BEFORE_ACK,	 /* meta page written, not yet acknowledged */
	CAT_DURING_META, /* the O_DSYNC meta-page write under way */
	CAT_RANDOM,	 /* anywhere */
	CAT_COUNT,
};

static const char *const cat_names[CAT_COUNT] = {
	"after-ack",  "mid-data",    "after-fdatasync",
	"after-meta", "during-meta", "random"};

/* Outcomes: >= RES_FAIL are failures. */
enum pl_res {
	RES_ACKED = 0,	  /* state = last acknowledged batch */
	RES_INFLIGHT = 1, /* state = the batch being committed */
	RES_NOSTORE = 2,  /* nothing acknowledged yet; open refused */
	RES_FAIL = 10,
	RES_OPEN = 10,	 /* store does not open */
	RES_LOST = 11,	 /* an older state: acknowledged batches lost */
	RES_STATE = 12,	 /* matches no committed state */
	RES_INTACT = 13, /* a message missing or its SHA-256 differs */
	RES_CHECK = 14,	 /* ife_store_check reports problems */
	RES_WRITE = 15,	 /* a new batch does not commit */
	RES_CHECK2 = 16, /* check fails after the new batch */
	RES_CRASH = 17,	 /* the reader died on a signal */
	RES_SETUP = 18,	 /* harness error */
	RES_MAX = 19,
};

static const char *const res_names[RES_MAX] = {
	[RES_ACKED] = "recovered acknowledged state",
	[RES_INFLIGHT] = "recovered in-flight commit",
	[RES_NOSTORE] = "no store yet (nothing acknowledged)",
	[RES_OPEN] = "FAIL store does not open",
	[RES_LOST] = "FAIL acknowledged batches lost",
	[RES_STATE] = "FAIL state of no commit",
	[RES_INTACT] = "FAIL acknowledged message missing or damaged",
	[RES_CHECK] = "FAIL ife_store_check",
	[RES_WRITE] = "FAIL new batch refused",
	[RES_CHECK2] = "FAIL check after new batch",
	[RES_CRASH] = "FAIL reader crashed",
	[RES_SETUP] = "FAIL harness",
};

struct pl_cut {
	size_t pos; /* events [0, pos) happened */
	uint8_t cat, mode, lockv;
	uint64_t seed;
	int res;
};

struct pl_summary {
	size_t cuts;
	size_t by_res[RES_MAX];
	size_t by_cat[CAT_COUNT];
	size_t by_mode[POWERLOSS_MODE_COUNT];
	size_t failures;
	size_t with_pending; /* cuts with pending sectors on the model */
	size_t took_pending; /* cuts whose image has some pending sectors */
	size_t torn;	     /* cuts with a torn write */
	int first_fail;	     /* index of the first failing cut, -1 */
};

static int
cut_cmp(const void *a, const void *b)
{
	const struct pl_cut *x = a, *y = b;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Which cut points to take around each commit. */
struct pl_plan {
	unsigned mid;	     /* mid-data cuts per commit (distinct) */
	bool after_sync;     /* the cut between fdatasync and meta page */
	unsigned meta_every; /* the after-meta cut of one batch in n */
	bool during_meta;    /* a cut in the meta-page write of the others */
	size_t want;	     /* then random positions up to this many */
};

static void
cut_add(struct pl_cut *c, size_t *n, uint8_t *used, size_t pos, int cat)
{
	/* a cut during event pos is another cut than the one before it */
	uint8_t bit = cat == CAT_DURING_META ? 2 : 1;
	if (pos == 0 || (used[pos] & bit))
		return;
	used[pos] |= bit;
	c[(*n)++] = (struct pl_cut){.pos = pos, .cat = (uint8_t)cat};
}

/* Choose cut points by plan: for every batch the points of its commit
 * (right after its acknowledgement always), then random positions;
 * distinct positions, each with its own seed, mode and lock file. */
static size_t
cuts_choose(const struct pl_rec *rc, uint64_t seed, const struct pl_plan *pl,
	    struct pl_cut **out)
{
	size_t cap = pl->want + (4 + pl->mid) * rc->nst + 8;
	struct pl_cut *c = xrealloc(NULL, cap * sizeof(*c));
	uint8_t *used = calloc(rc->nev + 1, 1);
	uint64_t rng = powerloss_rng_seed(seed, 0x637574);
	size_t n = 0;

	assert_non_null(used);
	for (size_t i = 0; i < rc->nev; i++) {
		const struct powerloss_ev *e = &rc->ev[i];
		if (e->kind != POWERLOSS_EV_MARK ||
		    e->mark != POWERLOSS_MARK_BEGIN)
			continue;
		size_t end = i + 1, sync = 0, nw = 0, meta = 0;
		while (end < rc->nev && rc->ev[end].kind != POWERLOSS_EV_MARK) {
			const struct powerloss_ev *x = &rc->ev[end];
			if (x->kind == POWERLOSS_EV_SYNC && !sync)
				sync = end;
			if (x->kind == POWERLOSS_EV_WRITE && !sync)
				nw++;
			if (x->kind == POWERLOSS_EV_WRITE && x->dsync)
				meta = end;
			end++;
		}
		/* end is the batch's ACK marker: events [0, end) are the
		 * whole commit, not yet acknowledged */
		cut_add(c, &n, used, end + 1, CAT_AFTER_ACK);
		if (pl->meta_every && e->off % pl->meta_every == 0)
			cut_add(c, &n, used, end, CAT_BEFORE_ACK);
		else if (pl->during_meta && meta)
			cut_add(c, &n, used, meta, CAT_DURING_META);
		if (pl->after_sync && sync)
			cut_add(c, &n, used, sync + 1, CAT_AFTER_SYNC);
		/* after k of the commit's nw page writes, 0 < k < nw */
		for (unsigned k = 0; k < pl->mid && nw > 1; k++)
			cut_add(c, &n, used,
				i + 2 +
					powerloss_rng_below(&rng,
							    (uint32_t)nw - 1),
				CAT_MID_DATA);
	}
	for (size_t tries = 0; n < pl->want && tries < 100000; tries++)
		cut_add(c, &n, used,
			1 + powerloss_rng_below(&rng, (uint32_t)rc->nev),
			CAT_RANDOM);
	free(used);
	qsort(c, n, sizeof(*c), cut_cmp);
	for (size_t i = 0; i < n; i++) {
		c[i].seed = powerloss_rng_seed(seed, c[i].pos);
		uint64_t r = c[i].seed;
		c[i].mode =
			(uint8_t)powerloss_rng_below(&r, POWERLOSS_MODE_COUNT);
		c[i].lockv = (uint8_t)powerloss_rng_below(&r, 3);
	}
	*out = c;
	return n;
}

/* ------------------------------------------------------------------ */
/* Verification (in a child process)                                   */
/* ------------------------------------------------------------------ */

static bool child_verbose;

static void
on_fatal_signal(int sig)
{
	/* async-signal-safe: no stdio */
	char m[] = "powerloss: reader died on signal ..\n";
	if (child_verbose) {
		m[33] = (char)('0' + sig / 10 % 10);
		m[34] = (char)('0' + sig % 10);
		(void)!write(2, m, sizeof(m) - 1);
	}
	_exit(RES_CRASH);
}

struct check_ctx {
	bool verbose;
	unsigned lines;
};

static void
check_report(void *ctx, const char *line)
{
	struct check_ctx *c = ctx;
	if (c->verbose && c->lines++ < 5)
		fprintf(stderr, "  check: %s\n", line);
}

/* What differs between an expected state and the recovered one; returns
 * the number of its messages missing or with other bytes (SHA-256). */
static unsigned
state_diff(const struct powerloss_state *want,
	   const struct powerloss_state *got, bool verbose)
{
	unsigned shown = 0, damaged = 0;
	for (size_t i = 0; i < want->nmsg; i++) {
		const struct powerloss_msg *w = &want->msg[i];
		const struct powerloss_mbox *wm =
			powerloss_state_mbox(want, w->mbox);
		const struct powerloss_msg *g = NULL;
		const char *what;
		for (size_t k = 0; k < got->nmsg && g == NULL; k++)
			if (got->msg[k].mbox == w->mbox &&
			    got->msg[k].uid == w->uid)
				g = &got->msg[k];
		bool bad = g == NULL || memcmp(g->sha, w->sha, 32) != 0;
		if (g == NULL)
			what = "missing";
		else if (bad)
			what = "SHA-256 differs";
		else if (g->flags != w->flags)
			what = "flags differ";
		else
			continue;
		damaged += bad;
		if (verbose && shown++ < 5)
			fprintf(stderr, "  %s: %s uid %u\n", what,
				wm ? wm->name : "?", w->uid);
	}
	if (verbose && shown == 0)
		fprintf(stderr,
			"  messages equal (%zu); mailboxes %zu/%zu: "
			"counters, names or indexes differ\n",
			want->nmsg, want->nmb, got->nmb);
	return damaged;
}

/* A new batch after recovery: append, create a mailbox, flag. */
static int
verify_new_write(struct ife_store *s, const struct powerloss_state *st)
{
	struct ife_store_batch *b;
	static char msg[POWERLOSS_MSG_MAX];
	size_t len = powerloss_gen_msg(999999, msg);
	struct ife_store_op op[3];
	uint32_t first = 0; /* must live until the commit */
	unsigned n = 0;
	int ret;

	if (ife_store_batch_create(s, &b) != 0)
		return -1;
	memset(op, 0, sizeof(op));
	if (st->user[0] == 0) {
		op[n++] =
			(struct ife_store_op){.type = IFE_STORE_OP_USER_CREATE,
					      .name = "carol",
					      .name_len = 5};
	} else {
		uint32_t inbox = 0;
		for (size_t i = 0; i < st->nmb; i++)
			if (st->mb[i].user == 0 &&
			    strcmp(st->mb[i].name, "INBOX") == 0) {
				inbox = st->mb[i].id;
				if (st->mb[i].nmsg)
					first = st->msg[st->mb[i].first].uid;
			}
		if (inbox == 0) {
			ife_store_batch_destroy(&b);
			return IFE_ENOTFOUND;
		}
		op[n++] = (struct ife_store_op){.type = IFE_STORE_OP_APPEND,
						.mbox = inbox,
						.data = msg,
						.len = len};
		op[n++] =
			(struct ife_store_op){.type = IFE_STORE_OP_MBOX_CREATE,
					      .user = st->user[0],
					      .name = "after-power-loss",
					      .name_len = 16};
		if (first)
			op[n++] = (struct ife_store_op){
				.type = IFE_STORE_OP_STORE,
				.mbox = inbox,
				.uids = &first,
				.nuids = 1,
				.store_mode = IFE_STORE_ADD,
				.flags = IFE_STORE_FLAGGED};
	}
	for (unsigned i = 0; i < n; i++)
		ife_store_batch_add(b, &op[i]);
	ret = ife_store_batch_commit(b);
	for (unsigned i = 0; ret == 0 && i < n; i++)
		ret = ife_store_batch_result(b, i)->status;
	if (ret == 0 && st->user[0] != 0) {
		struct ife_store_rtxn *r;
		struct ife_store_msg m;
		uint32_t uid = ife_store_batch_result(b, 0)->uid;
		if ((ret = ife_store_rtxn_begin(s, &r)) == 0) {
			ret = ife_store_msg_get(r, op[0].mbox, uid, &m);
			if (ret == 0 &&
			    (m.size != len || memcmp(m.data, msg, len) != 0))
				ret = IFE_ECORRUPT;
			ife_store_rtxn_destroy(&r);
		}
	}
	ife_store_batch_destroy(&b);
	return ret;
}

static int
verify_cut(const struct pl_rec *rc, struct powerloss_model *m,
	   const struct pl_cut *c, const char *dir, int info_fd, bool verbose)
{
	char path[1024];
	uint8_t *img;
	struct powerloss_image_info inf;
	struct ife_store *s = NULL;
	struct powerloss_state got;
	int32_t j = m->acked;
	bool inflight = m->begun > m->acked;
	int res;

	child_verbose = verbose;
	/* a write under way at the cut: on the disk in part or not at
	 * all, whatever its descriptor promised on return */
	if (c->cat == CAT_DURING_META &&
	    powerloss_model_inflight(m, &rc->ev[c->pos], rc->arena) != 0)
		return RES_SETUP;
	signal(SIGBUS, on_fatal_signal);
	signal(SIGSEGV, on_fatal_signal);
	if (mkdir(dir, 0750) != 0)
		return RES_SETUP;
	powerloss_model_image(m, (enum powerloss_mode)c->mode, c->seed, &img,
			      &inf);
	if (write(info_fd, &inf, sizeof(inf)) != (ssize_t)sizeof(inf))
		return RES_SETUP;
	close(info_fd);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (write_file(path, img, (size_t)inf.len) != 0)
		return RES_SETUP;
	free(img);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	if (c->lockv == 1 && write_file(path, rc->lock, rc->lock_len) != 0)
		return RES_SETUP;
	if (c->lockv == 2) {
		/* garbage of a random size */
		uint64_t r = c->seed;
		size_t gl = 1 + powerloss_rng_below(&r, 16384);
		uint8_t *g = xrealloc(NULL, gl);
		for (size_t i = 0; i < gl; i++)
			g[i] = (uint8_t)powerloss_rng_next(&r);
		if (write_file(path, g, gl) != 0)
			return RES_SETUP;
		free(g);
	}

	int ret = ife_store_open(dir, NULL, &s);
	if (ret != 0) {
		if (j < 0)
			return RES_NOSTORE;
		if (verbose)
			fprintf(stderr, "  open: %s\n", ife_strerror(ret));
		return RES_OPEN;
	}
	if ((ret = powerloss_state_capture(s, &got)) != 0) {
		if (verbose)
			fprintf(stderr, "  reading the state: %s\n",
				ife_strerror(ret));
		ife_store_close(&s);
		return RES_STATE;
	}
	/* the digest covers every message's SHA-256 computed from the
	 * recovered bytes: equal digests mean every acknowledged message
	 * is there and intact */
	if (j >= 0 && memcmp(got.digest, rc->st[j].digest, 32) == 0) {
		res = RES_ACKED;
	} else if (inflight && (size_t)j + 1 < rc->nst &&
		   memcmp(got.digest, rc->st[j + 1].digest, 32) == 0) {
		res = RES_INFLIGHT;
	} else {
		int32_t older = -1;
		for (int32_t i = 0; i < j; i++)
			if (memcmp(got.digest, rc->st[i].digest, 32) == 0)
				older = i;
		res = older >= 0 ? RES_LOST : RES_STATE;
		if (verbose && older >= 0)
			fprintf(stderr,
				"  state is batch %d's: acknowledged "
				"batches %d..%d lost\n",
				older, older + 1, j);
		else if (state_diff(&rc->st[j < 0 ? 0 : j], &got, verbose))
			res = RES_INTACT;
	}
	struct check_ctx cc = {.verbose = verbose};
	long bad = ife_store_check(s, check_report, &cc);
	if (bad != 0 && res < RES_FAIL) {
		if (verbose)
			fprintf(stderr, "  ife_store_check: %ld\n", bad);
		res = RES_CHECK;
	}
	if (res < RES_FAIL) {
		if ((ret = verify_new_write(s, &got)) != 0) {
			if (verbose)
				fprintf(stderr, "  new batch: %s\n",
					ife_strerror(ret));
			res = RES_WRITE;
		} else if (ife_store_check(s, check_report, &cc) != 0) {
			res = RES_CHECK2;
		}
	}
	powerloss_state_free(&got);
	ife_store_close(&s);
	return res;
}

/* ------------------------------------------------------------------ */
/* Running the cuts                                                    */
/* ------------------------------------------------------------------ */

struct pl_run {
	const struct pl_rec *rc;
	struct pl_cut *cut;
	size_t ncut;
	const char *tag;
	bool verbose_fail;  /* print details of every failure */
	size_t verbose_max; /* else of the first few */
};

struct pl_child {
	pid_t pid;
	size_t cut;
	int fd; /* the child sends its pl_image_info here */
};

static void
cut_dir(char *out, size_t n, const char *tag, size_t i)
{
	snprintf(out, n, "%s/%s-cut%zu", base_dir, tag, i);
}

static void
cut_dir_remove(const char *dir)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	if (rmdir(dir) != 0 && errno != ENOENT)
		fprintf(stderr, "powerloss: rmdir %s: %s\n", dir,
			strerror(errno));
}

static void
reap(struct pl_run *run, struct pl_child *ch, struct pl_summary *sum)
{
	int st;
	char dir[512];
	struct pl_cut *c = &run->cut[ch->cut];
	if (waitpid(ch->pid, &st, 0) != ch->pid)
		fail_msg("powerloss: waitpid: %s", strerror(errno));
	if (WIFEXITED(st))
		c->res = WEXITSTATUS(st);
	else
		c->res = RES_CRASH;
	if (c->res < 0 || c->res >= RES_MAX ||
	    (c->res > RES_NOSTORE && c->res < RES_FAIL))
		c->res = RES_SETUP;
	sum->by_res[c->res]++;
	cut_dir(dir, sizeof(dir), run->tag, ch->cut);
	if (c->res >= RES_FAIL) {
		if (sum->failures == 0)
			sum->first_fail = (int)ch->cut;
		sum->failures++;
		if (run->verbose_fail || sum->failures <= run->verbose_max)
			fprintf(stderr,
				"powerloss %s: cut %zu (event %zu of %zu, %s, "
				"%s, seed %#llx, lock %u): %s%s%s\n",
				run->tag, ch->cut, c->pos, run->rc->nev,
				cat_names[c->cat], powerloss_mode_name(c->mode),
				(unsigned long long)c->seed, (unsigned)c->lockv,
				res_names[c->res],
				keep_failed ? "; image kept in " : "",
				keep_failed ? dir : "");
	}
	struct powerloss_image_info inf;
	if (read(ch->fd, &inf, sizeof(inf)) == (ssize_t)sizeof(inf)) {
		sum->with_pending += inf.pending_sectors > 0;
		sum->took_pending += inf.taken > 0;
		sum->torn += inf.torn > 0;
	}
	close(ch->fd);
	if (c->res < RES_FAIL || !keep_failed)
		cut_dir_remove(dir);
	ch->pid = 0;
}

/* Replay the log once; at each cut fork a child that builds the image
 * and verifies it (a crash of LMDB on a corrupt image is a result, not
 * the end of the test). PL_PARALLEL children at a time. */
static void
run_cuts(struct pl_run *run, enum powerloss_fault fault, size_t drop_ev,
	 struct pl_summary *sum)
{
	const struct pl_rec *rc = run->rc;
	struct powerloss_model m;
	struct pl_child ch[PL_PARALLEL] = {0};
	size_t next = 0;

	powerloss_model_init(&m, fault, drop_ev);
	memset(sum, 0, sizeof(*sum));
	sum->first_fail = -1;
	fflush(stdout);
	fflush(stderr);
	for (size_t i = 0; i <= rc->nev; i++) {
		while (next < run->ncut && run->cut[next].pos == i) {
			struct pl_cut *c = &run->cut[next];
			int slot = -1;
			for (int k = 0; k < PL_PARALLEL && slot < 0; k++)
				if (ch[k].pid == 0)
					slot = k;
			if (slot < 0) {
				/* wait for the oldest */
				slot = 0;
				for (int k = 1; k < PL_PARALLEL; k++)
					if (ch[k].cut < ch[slot].cut)
						slot = k;
				reap(run, &ch[slot], sum);
			}
			sum->cuts++;
			sum->by_cat[c->cat]++;
			sum->by_mode[c->mode]++;
			char dir[512];
			cut_dir(dir, sizeof(dir), run->tag, next);
			bool verbose = run->verbose_fail ||
				       sum->failures < run->verbose_max;
			int p[2];
			assert_int_equal(pipe2(p, O_CLOEXEC), 0);
			pid_t pid = fork();
			assert_true(pid >= 0);
			if (pid == 0) {
				close(p[0]);
				_exit(verify_cut(rc, &m, c, dir, p[1],
						 verbose));
			}
			close(p[1]);
			ch[slot].fd = p[0];
			ch[slot].pid = pid;
			ch[slot].cut = next;
			next++;
		}
		if (i < rc->nev)
			if (powerloss_model_event(&m, &rc->ev[i], i,
						  rc->arena) != 0)
				fail_msg("powerloss: event %zu (%s) not "
					 "modelled",
					 i,
					 powerloss_call_name(rc->ev[i].call));
	}
	for (int k = 0; k < PL_PARALLEL; k++)
		if (ch[k].pid != 0)
			reap(run, &ch[k], sum);
	powerloss_model_deinit(&m);
}

static void
summary_print(const char *tag, const struct pl_rec *rc,
	      const struct pl_summary *s, double secs)
{
	printf("powerloss %s: %zu cuts over %zu events (%zu batches) in "
	       "%.1f s\n",
	       tag, s->cuts, rc->nev, rc->nst, secs);
	printf("  cut points:");
	for (int k = 0; k < CAT_COUNT; k++)
		printf(" %s %zu", cat_names[k], s->by_cat[k]);
	printf("\n  pending writes:");
	for (int k = 0; k < POWERLOSS_MODE_COUNT; k++)
		printf(" %s %zu", powerloss_mode_name((unsigned)k),
		       s->by_mode[k]);
	printf("\n  %zu cuts with writes not yet durable, %zu images with "
	       "some of them, %zu with a torn write\n",
	       s->with_pending, s->took_pending, s->torn);
	printf("  results:");
	for (int k = 0; k < RES_MAX; k++)
		if (s->by_res[k])
			printf(" [%s: %zu]", res_names[k], s->by_res[k]);
	printf("\n");
	fflush(stdout);
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static struct pl_rec main_rec;

static int
group_setup(void **state)
{
	(void)state;
	/* big buffers from fresh mappings, not from a heap the forked
	 * readers would have to copy page by page (LMDB callocs 3 MiB per
	 * open) */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	const char *e = getenv("IFE_POWERLOSS_SEED");
	if (e != NULL && *e)
		base_seed = strtoull(e, NULL, 0);
	e = getenv("IFE_POWERLOSS_KEEP");
	keep_failed = e != NULL && *e && *e != '0';
	/* tmpfs when there is one: the cuts write hundreds of images */
	struct stat st;
	const char *root = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
					   access("/dev/shm", W_OK) == 0
				   ? "/dev/shm"
				   : "/tmp";
	snprintf(base_dir, sizeof(base_dir), "%s/ife-powerloss-XXXXXX", root);
	if (mkdtemp(base_dir) == NULL)
		return -1;
	printf("powerloss: seed %#llx, work in %s\n",
	       (unsigned long long)base_seed, base_dir);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	rec_free(&main_rec);
	if (!keep_failed)
		rmtree(base_dir);
	return 0;
}

static bool main_rec_ok;

static void
record_main(void)
{
	if (main_rec_ok)
		return;
	if (main_rec.nst != 0)
		fail_msg("powerloss: the recording failed in an earlier test");
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/rec-main", base_dir);
	double t0 = now_s();
	record(&main_rec, dir, PL_BATCHES, 0, base_seed);
	printf("powerloss: recorded %zu batches, %zu events in %.1f s; on "
	       "data.mdb:",
	       main_rec.nst, main_rec.nev, now_s() - t0);
	for (int k = 0; k < POWERLOSS_CALL_MARK; k++)
		if (main_rec.calls[k])
			printf(" %s %llu", powerloss_call_name((unsigned)k),
			       (unsigned long long)main_rec.calls[k]);
	/* the O_DSYNC writes (LMDB's meta page): sizes and whether each
	 * fits in one sector, the atomic unit of the model */
	uint64_t dmin = UINT64_MAX, dmax = 0, dsect = 0, fsize = 0;
	for (size_t i = 0; i < main_rec.nev; i++) {
		const struct powerloss_ev *e = &main_rec.ev[i];
		if (e->kind != POWERLOSS_EV_WRITE)
			continue;
		if (e->off + e->len > fsize)
			fsize = e->off + e->len;
		if (!e->dsync)
			continue;
		dmin = e->len < dmin ? e->len : dmin;
		dmax = e->len > dmax ? e->len : dmax;
		dsect += e->off / POWERLOSS_SECTOR ==
			 (e->off + e->len - 1) / POWERLOSS_SECTOR;
	}
	printf("\n  O_DSYNC writes %llu of %llu..%llu bytes, %llu inside one "
	       "sector; data.mdb %llu KiB\n",
	       (unsigned long long)main_rec.dsync_writes,
	       (unsigned long long)dmin, (unsigned long long)dmax,
	       (unsigned long long)dsect, (unsigned long long)(fsize >> 10));
	/* what LMDB's commit looks like in the log (docs/durability.md):
	 * every commit that wrote pages flushed them, then wrote the meta
	 * page through an O_DSYNC descriptor, last */
	size_t commits = 0;
	for (size_t i = 0; i < main_rec.nev; i++) {
		const struct powerloss_ev *e = &main_rec.ev[i];
		if (e->kind != POWERLOSS_EV_MARK ||
		    e->mark != POWERLOSS_MARK_BEGIN)
			continue;
		size_t end = i + 1, sync = 0, last = 0;
		for (; end < main_rec.nev &&
		       main_rec.ev[end].kind != POWERLOSS_EV_MARK;
		     end++) {
			if (main_rec.ev[end].kind == POWERLOSS_EV_SYNC)
				sync = end;
			else
				last = end;
		}
		if (last == 0)
			continue; /* nothing changed: LMDB wrote nothing */
		commits++;
		if (!(sync > i && last > sync && main_rec.ev[last].dsync))
			fail_msg("powerloss: batch %llu: no fdatasync before "
				 "a last, O_DSYNC write (events %zu..%zu)",
				 (unsigned long long)e->off, i, end);
	}
	assert_true(commits >= PL_BATCHES / 2);
	main_rec_ok = true;
}

/* The test: >= 200 cuts, every one recovers an acceptable state. */
static void
test_store_powerloss_cuts(void **state)
{
	(void)state;
	record_main();
	struct pl_run run = {
		.rc = &main_rec, .tag = "main", .verbose_fail = true};
	struct pl_plan plan = {.mid = 2,
			       .after_sync = true,
			       .meta_every = 2,
			       .during_meta = true,
			       .want = PL_CUTS};
	run.ncut = cuts_choose(&main_rec, base_seed, &plan, &run.cut);
	assert_true(run.ncut >= PL_MIN_CUTS);
	struct pl_summary sum;
	double t0 = now_s();
	run_cuts(&run, POWERLOSS_FAULT_NONE, 0, &sum);
	summary_print("main", &main_rec, &sum, now_s() - t0);
	free(run.cut);
	assert_int_equal(sum.cuts, run.ncut);
	if (sum.failures != 0)
		fail_msg("powerloss: %zu of %zu cuts lost acknowledged data "
			 "or left a corrupt store (first: cut %d; rerun with "
			 "IFE_POWERLOSS_KEEP=1 to keep the images)",
			 sum.failures, sum.cuts, sum.first_fail);
	/* the harness really explored: images with pending writes, torn
	 * writes, and both outcomes of an in-flight commit */
	assert_true(sum.took_pending > 0);
	assert_true(sum.torn > 0);
	assert_true(sum.by_res[RES_ACKED] > 0);
	assert_true(sum.by_res[RES_INFLIGHT] > 0);
}

/* Negative control 1: the same workload on a store opened with
 * IFE_STORE_NOSYNC (no fdatasync, meta page through the plain fd). */
static void
test_store_powerloss_control_nosync(void **state)
{
	(void)state;
	struct pl_rec rc;
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/rec-nosync", base_dir);
	record(&rc, dir, 24, IFE_STORE_NOSYNC, base_seed + 1);
	/* no durability point at all */
	assert_int_equal(rc.calls[POWERLOSS_CALL_FDATASYNC] +
				 rc.calls[POWERLOSS_CALL_FSYNC],
			 0);
	assert_int_equal(rc.dsync_writes, 0);
	struct pl_run run = {.rc = &rc, .tag = "nosync", .verbose_max = 3};
	struct pl_plan plan = {.meta_every = 1};
	run.ncut = cuts_choose(&rc, base_seed + 1, &plan, &run.cut);
	struct pl_summary sum;
	double t0 = now_s();
	run_cuts(&run, POWERLOSS_FAULT_NONE, 0, &sum);
	summary_print("control nosync", &rc, &sum, now_s() - t0);
	free(run.cut);
	rec_free(&rc);
	if (sum.failures == 0)
		fail_msg("powerloss: the harness did not notice a store "
			 "without fsync");
}

/* Negative control 2: the recorded workload, but fdatasync makes nothing
 * durable (the O_DSYNC meta-page writes still do): a meta page can point
 * to data pages the disk never got. */
static void
test_store_powerloss_control_no_fdatasync(void **state)
{
	(void)state;
	record_main();
	struct pl_run run = {
		.rc = &main_rec, .tag = "nofdatasync", .verbose_max = 3};
	struct pl_plan plan = {.meta_every = 1};
	run.ncut = cuts_choose(&main_rec, base_seed + 2, &plan, &run.cut);
	/* the first 24 cuts are enough to show it */
	if (run.ncut > 24)
		run.ncut = 24;
	for (size_t i = 0; i < run.ncut; i++)
		run.cut[i].mode = i % 2 ? POWERLOSS_MODE_SECTOR
					: POWERLOSS_MODE_DURABLE_ONLY;
	struct pl_summary sum;
	double t0 = now_s();
	run_cuts(&run, POWERLOSS_FAULT_NO_FDATASYNC, 0, &sum);
	summary_print("control no-fdatasync", &main_rec, &sum, now_s() - t0);
	free(run.cut);
	if (sum.failures == 0)
		fail_msg("powerloss: the harness did not notice commits "
			 "without fdatasync");
}

/* Negative control 3: one durable write dropped, the O_DSYNC meta-page
 * write of a batch (the first from batch 10 on that wrote one). At the cut
 * right after batch 10 was acknowledged, with nothing pending reaching the
 * disk, the store must be found to have lost it. */
static void
test_store_powerloss_control_drop_meta(void **state)
{
	(void)state;
	record_main();
	/* the first batch from 10 on whose commit wrote a meta page */
	size_t begin = 0, ack = 0, drop = 0;
	for (size_t i = 0; i < main_rec.nev && !(ack && drop); i++) {
		const struct powerloss_ev *e = &main_rec.ev[i];
		if (e->kind == POWERLOSS_EV_MARK && e->off >= 10) {
			if (e->mark == POWERLOSS_MARK_BEGIN) {
				begin = i;
				ack = drop = 0;
			} else {
				ack = i;
			}
		}
		if (begin && !ack && e->kind == POWERLOSS_EV_WRITE && e->dsync)
			drop = i;
	}
	assert_true(begin && ack && drop);
	printf("powerloss: dropping the O_DSYNC write of batch %llu "
	       "(event %zu)\n",
	       (unsigned long long)main_rec.ev[ack].off, drop);
	struct pl_cut cut[3] = {
		{.pos = ack + 1, .cat = CAT_AFTER_ACK},
		{.pos = ack + 1 + (ack + 1 < main_rec.nev), .cat = CAT_RANDOM},
		{.pos = drop + 1, .cat = CAT_BEFORE_ACK},
	};
	qsort(cut, 3, sizeof(cut[0]), cut_cmp);
	for (int i = 0; i < 3; i++)
		cut[i].seed = powerloss_rng_seed(base_seed, cut[i].pos);
	struct pl_run run = {.rc = &main_rec,
			     .cut = cut,
			     .ncut = 3,
			     .tag = "dropmeta",
			     .verbose_fail = true};
	struct pl_summary sum;
	run_cuts(&run, POWERLOSS_FAULT_DROP_DSYNC, drop, &sum);
	summary_print("control drop-meta", &main_rec, &sum, 0);
	/* the acknowledged batch is gone: the old meta page wins */
	for (int i = 0; i < 3; i++)
		if (cut[i].pos == ack + 1)
			assert_int_equal(cut[i].res, RES_LOST);
	assert_true(sum.failures > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_powerloss_cuts),
		cmocka_unit_test(test_store_powerloss_control_nosync),
		cmocka_unit_test(test_store_powerloss_control_no_fdatasync),
		cmocka_unit_test(test_store_powerloss_control_drop_meta),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
