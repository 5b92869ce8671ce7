/*
 * Durability: a child process imports messages in fsync'ed batches and
 * reports every acknowledged batch on a pipe; the parent SIGKILLs it at a
 * random moment, 25 times. After each kill the store is reopened: every
 * acknowledged message must be present with the right SHA-256, and the
 * consistency check must find nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "imapfe/err.h"
#include "imapfe/store.h"
#include "store_pvt.h"

#define ROUNDS 25

struct ack {
	uint32_t uid;
	uint32_t seed;
};

static uint64_t
xs(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Deterministic message of 1-8 KiB for a seed. */
static size_t
gen(uint32_t seed, char *buf)
{
	uint64_t st = seed * 0x9E3779B97F4A7C15ull + 1;
	size_t len = 1024 + xs(&st) % (7 * 1024);
	int h = snprintf(buf, 200,
			 "From: durability@example.com\r\nSubject: seed %u\r\n"
			 "\r\n",
			 seed);
	for (size_t i = (size_t)h; i < len; i++)
		buf[i] = (i % 78 == 77) ? '\n' : (char)('a' + xs(&st) % 26);
	return len;
}

static void
child(const char *dir, int fd, uint32_t seed0)
{
	struct ife_store *s;
	struct ife_store_opts o = {.flags = IFE_STORE_CREATE,
				   .map_size = 256u << 20};
	if (ife_store_open(dir, &o, &s) != 0)
		_exit(2);
	struct ife_store_rtxn *r;
	struct ife_store_user u;
	struct ife_store_batch *b;
	if (ife_store_batch_create(s, &b) != 0 ||
	    ife_store_rtxn_begin(s, &r) != 0)
		_exit(3);
	int ret = ife_store_user_find(r, "dur", 3, &u);
	ife_store_rtxn_reset(r);
	if (ret == IFE_ENOTFOUND) {
		struct ife_store_op op = {.type = IFE_STORE_OP_USER_CREATE,
					  .name = "dur",
					  .name_len = 3};
		ife_store_batch_add(b, &op);
		if (ife_store_batch_commit(b) != 0 ||
		    ife_store_batch_result(b, 0)->status != 0)
			_exit(4);
	}
	if (ife_store_rtxn_renew(r) != 0 ||
	    ife_store_user_find(r, "dur", 3, &u) != 0)
		_exit(5);
	struct ife_store_mbox mb;
	if (ife_store_mbox_find(r, u.id, "INBOX", 5, &mb) != 0)
		_exit(6);
	ife_store_rtxn_reset(r);
	static char bufs[32][8192];
	uint32_t seed = seed0;
	for (;;) {
		ife_store_batch_reset(b);
		unsigned n = 1 + seed % 32;
		for (unsigned i = 0; i < n; i++) {
			size_t len = gen(seed + i, bufs[i]);
			struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
						  .mbox = mb.id,
						  .data = bufs[i],
						  .len = len};
			ife_store_batch_add(b, &op);
		}
		if (ife_store_batch_commit(b) != 0)
			_exit(7);
		struct ack a[32];
		for (unsigned i = 0; i < n; i++) {
			a[i].uid = ife_store_batch_result(b, i)->uid;
			a[i].seed = seed + i;
		}
		/* acknowledged only now: the commit is durable */
		if (write(fd, a, n * sizeof(a[0])) !=
		    (ssize_t)(n * sizeof(a[0])))
			_exit(8);
		seed += n;
	}
}

static void
report(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "check: %s\n", line);
}

static void
test_store_durability_kill9(void **state)
{
	(void)state;
	char dir[] = "/tmp/ife-store-dur-XXXXXX";
	assert_non_null(mkdtemp(dir));
	static struct ack acked[1 << 20];
	size_t nacked = 0;
	unsigned kills = 0, mid_write = 0;
	srand((unsigned)time(NULL));

	for (int round = 0; round < ROUNDS; round++) {
		int p[2];
		assert_int_equal(pipe(p), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			child(dir, p[1], (uint32_t)round * 1000000u);
		}
		close(p[1]);
		/* wait until the child is importing (its first ack), then
		 * kill it at a random moment of its work */
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		assert_int_equal(poll(&pfd, 1, 20000), 1);
		struct timespec ts = {0, (rand() % 60) * 1000000L};
		nanosleep(&ts, NULL);
		assert_int_equal(kill(pid, SIGKILL), 0);
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		/* killed, not exited on its own with an error */
		assert_true(WIFSIGNALED(st));
		kills++;
		size_t before = nacked;
		for (;;) {
			ssize_t r =
				read(p[0], (char *)&acked[nacked],
				     sizeof(acked) - nacked * sizeof(acked[0]));
			if (r <= 0)
				break;
			assert_int_equal(r % (ssize_t)sizeof(acked[0]), 0);
			nacked += (size_t)r / sizeof(acked[0]);
		}
		close(p[0]);
		if (nacked > before)
			mid_write++;

		/* reopen: everything acknowledged is there and intact */
		struct ife_store *s;
		int oret = ife_store_open(dir, NULL, &s);
		if (oret == -ENOENT && nacked == 0)
			continue; /* killed before the store was created */
		assert_int_equal(oret, 0);
		struct ife_store_rtxn *r;
		assert_int_equal(ife_store_rtxn_begin(s, &r), 0);
		struct ife_store_user u;
		struct ife_store_mbox mb;
		if (nacked > 0) {
			assert_int_equal(ife_store_user_find(r, "dur", 3, &u),
					 0);
			assert_int_equal(
				ife_store_mbox_find(r, u.id, "INBOX", 5, &mb),
				0);
			assert_true(mb.messages >= nacked);
		}
		static char buf[8192];
		for (size_t i = 0; i < nacked; i++) {
			struct ife_store_msg m;
			assert_int_equal(
				ife_store_msg_get(r, mb.id, acked[i].uid, &m),
				0);
			size_t len = gen(acked[i].seed, buf);
			uint8_t want[32], got[32];
			store_sha256(buf, len, want);
			store_sha256(m.data, m.size, got);
			assert_int_equal(m.size, len);
			assert_memory_equal(got, want, 32);
		}
		ife_store_rtxn_destroy(&r);
		assert_int_equal(ife_store_check(s, report, NULL), 0);
		ife_store_close(&s);
	}
	printf("durability: %u kills (%u while acknowledging), %zu "
	       "acknowledged messages verified after each\n",
	       kills, mid_write, nacked);
	assert_int_equal(kills, ROUNDS);
	assert_int_equal(mid_write, ROUNDS);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_durability_kill9),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
