/*
 * Disk full (lab: needs root to mount a small tmpfs): the store lives on a
 * 4 MiB file system with a 64 MiB map; appends run until the file system is
 * full. The failing commit must return IFE_EFULL, every message
 * acknowledged before it must read back intact, the consistency check must
 * pass, and once space is freed (another file deleted) writing works again.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cmocka.h>

#include "imapfe/err.h"
#include "imapfe/store.h"

static char mnt[] = "/tmp/ife-store-full-XXXXXX";

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(mnt) == NULL)
		return -1;
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=4m") != 0) {
		fprintf(stderr, "mount tmpfs on %s: %s (needs root)\n", mnt,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	umount2(mnt, MNT_DETACH); /* also when a failed test left files open */
	rmdir(mnt);
	return 0;
}

static void
test_store_disk_full(void **state)
{
	(void)state;
	char dir[64], ballast[80];
	snprintf(dir, sizeof(dir), "%s/store", mnt);
	snprintf(ballast, sizeof(ballast), "%s/ballast", mnt);
	/* 512 KiB of ballast to free later */
	FILE *f = fopen(ballast, "w");
	assert_non_null(f);
	static char zero[512 * 1024];
	assert_int_equal(fwrite(zero, 1, sizeof(zero), f), sizeof(zero));
	fclose(f);

	struct ife_store *s;
	struct ife_store_opts o = {.flags = IFE_STORE_CREATE,
				   .map_size = 64u << 20,
				   .map_max = 64u << 20};
	assert_int_equal(ife_store_open(dir, &o, &s), 0);
	struct ife_store_batch *b;
	assert_int_equal(ife_store_batch_create(s, &b), 0);
	struct ife_store_op u = {.type = IFE_STORE_OP_USER_CREATE,
				 .name = "full",
				 .name_len = 4};
	ife_store_batch_add(b, &u);
	assert_int_equal(ife_store_batch_commit(b), 0);
	uint32_t inbox = ife_store_batch_result(b, 0)->uid;

	static char msg[64 * 1024];
	uint32_t acked = 0;
	int ret = 0;
	for (uint32_t i = 0; i < 200 && ret == 0; i++) {
		int n = snprintf(msg, sizeof(msg), "Subject: fill %u\r\n\r\n",
				 i);
		memset(msg + n, 'a' + (int)(i % 26), sizeof(msg) - (size_t)n);
		ife_store_batch_reset(b);
		struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
					  .mbox = inbox,
					  .data = msg,
					  .len = sizeof(msg)};
		ife_store_batch_add(b, &op);
		ret = ife_store_batch_commit(b);
		if (ret == 0) {
			assert_int_equal(ife_store_batch_result(b, 0)->status,
					 0);
			acked++;
		}
	}
	printf("disk full after %u acknowledged 64 KiB messages: %s\n", acked,
	       ife_strerror(ret));
	assert_int_equal(ret, IFE_EFULL);
	assert_true(acked > 5);

	/* everything acknowledged is intact, and the store is consistent */
	struct ife_store_rtxn *r;
	assert_int_equal(ife_store_rtxn_begin(s, &r), 0);
	for (uint32_t uid = 1; uid <= acked; uid++) {
		struct ife_store_msg m;
		assert_int_equal(ife_store_msg_get(r, inbox, uid, &m), 0);
		assert_int_equal(m.size, sizeof(msg));
		assert_int_equal(m.data[sizeof(msg) - 1], 'a' + (uid - 1) % 26);
	}
	ife_store_rtxn_destroy(&r);
	assert_int_equal(ife_store_check(s, NULL, NULL), 0);

	/* free space: writing works again */
	assert_int_equal(unlink(ballast), 0);
	ife_store_batch_reset(b);
	struct ife_store_op small = {.type = IFE_STORE_OP_APPEND,
				     .mbox = inbox,
				     .data = "Subject: after\r\n\r\nok\r\n",
				     .len = 22};
	ife_store_batch_add(b, &small);
	assert_int_equal(ife_store_batch_commit(b), 0);
	assert_int_equal(ife_store_batch_result(b, 0)->uid, acked + 1);
	ife_store_batch_destroy(&b);
	ife_store_close(&s);

	/* and after a reopen */
	assert_int_equal(ife_store_open(dir, NULL, &s), 0);
	assert_int_equal(ife_store_check(s, NULL, NULL), 0);
	ife_store_close(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_disk_full),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
