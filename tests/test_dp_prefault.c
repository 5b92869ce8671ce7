/* Unit tests for the start-up prefault of socket rings
 * (dataplane/app/dp_prefault.c). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "dp_prefault.h"

static void
test_prefault_maps_lines(void **state)
{
	(void)state;
	uintptr_t lo = 0, hi = 0;
	assert_int_equal(ife_dp_maps_socket_line(
				 "7f0000000000-7f0004000000 rw-s 00000000 "
				 "00:08 123456                     "
				 "socket:[123456]\n",
				 &lo, &hi),
			 1);
	assert_int_equal(lo, (uintptr_t)0x7f0000000000ull);
	assert_int_equal(hi, (uintptr_t)0x7f0004000000ull);
	/* not sockets, or not shared and writable */
	const char *no[] = {
		"55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0 "
		"                 [heap]\n",
		"7f1000000000-7f1000001000 rw-p 00000000 00:00 0 \n",
		"7f1000000000-7f1000001000 rw-p 00000000 00:00 0",
		"7f1000000000-7f1000001000 r-xp 00001000 fe:01 42 "
		"/usr/lib/libc.so.6\n",
		"7f1000000000-7f1000001000 rw-p 00000000 00:08 9 socket:[9]\n",
		"7f1000000000-7f1000001000 r--s 00000000 00:08 9 socket:[9]\n",
		"7f1000000000-7f1000001000 rw-s 00000000 00:01 9 /memfd:x\n",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_int_equal(ife_dp_maps_socket_line(no[i], &lo, &hi), 0);
	/* not the maps format */
	const char *bad[] = {
		"",
		"garbage\n",
		"7f1000000000-\n",
		"7f1000000000-7f1000001000 rw-s\n",
		"7f1000001000-7f1000000000 rw-s 0 00:08 9 socket:[9]\n",
		"7f1000000000-7f1000001000 rw-s-x 0 00:08 9 socket:[9]\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ife_dp_maps_socket_line(bad[i], &lo, &hi), -1);
}

/* A write to a read-only page raises SIGSEGV: the tests make a mapping
 * read-only to see whether the prefault writes it (a read would pass). */
static sigjmp_buf segv_env;
static volatile sig_atomic_t segv_seen;

static void
on_segv(int sig)
{
	(void)sig;
	segv_seen = 1;
	siglongjmp(segv_env, 1);
}

/* Catch SIGSEGV from here on (the old action in *old). */
static void
trap_segv(struct sigaction *old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGSEGV, &sa, old), 0);
	segv_seen = 0;
}

/* ife_dp_prefault_range(); returns 1 when it wrote to a read-only page */
static int
range_faults(unsigned char *p, size_t len, size_t page)
{
	struct sigaction old;
	trap_segv(&old);
	if (sigsetjmp(segv_env, 1) == 0)
		ife_dp_prefault_range((uintptr_t)p, (uintptr_t)(p + len), page);
	sigaction(SIGSEGV, &old, NULL);
	return segv_seen;
}

/* ife_dp_prefault_sockets() on text; *ret its result unless it faulted */
static int
walk_faults(const char *text, size_t page, int64_t *ret)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	assert_non_null(f);
	struct sigaction old;
	trap_segv(&old);
	if (sigsetjmp(segv_env, 1) == 0)
		*ret = ife_dp_prefault_sockets(f, page);
	sigaction(SIGSEGV, &old, NULL);
	fclose(f);
	return segv_seen;
}

static unsigned char *
map_pages(size_t len)
{
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	return p;
}

static void
test_prefault_range_writes_nothing(void **state)
{
	(void)state;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len = 16 * page;
	unsigned char *p = map_pages(len);
	assert_int_equal(
		ife_dp_prefault_range((uintptr_t)p, (uintptr_t)(p + len), page),
		16);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(p[i], 0);
	/* data already there is left as it was */
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + 1);
	assert_int_equal(range_faults(p, len, page), 0);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(p[i], (unsigned char)(i * 7 + 1));
	/* and it is a write, not a read: a read-only page faults */
	assert_int_equal(mprotect(p + 5 * page, page, PROT_READ), 0);
	assert_int_equal(range_faults(p, len, page), 1);
	munmap(p, len);
}

static void
test_prefault_sockets_from_maps(void **state)
{
	(void)state;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len = 8 * page;
	unsigned char *a = map_pages(len), *b = map_pages(len);
	/* a stands for a socket ring, b (read-only) for another mapping */
	assert_int_equal(mprotect(b, len, PROT_READ), 0);
	char text[1024];
	snprintf(text, sizeof(text),
		 "%jx-%jx r-xp 00000000 fe:01 42 /usr/bin/x\n"
		 "%jx-%jx rw-s 00000000 00:08 77 socket:[77]\n"
		 "%jx-%jx rw-p 00000000 00:00 0 \n",
		 (uintmax_t)0x400000, (uintmax_t)0x401000,
		 (uintmax_t)(uintptr_t)a, (uintmax_t)(uintptr_t)(a + len),
		 (uintmax_t)(uintptr_t)b, (uintmax_t)(uintptr_t)(b + len));
	int64_t ret = 0;
	assert_int_equal(walk_faults(text, page, &ret), 0); /* b untouched */
	assert_int_equal(ret, (int64_t)len);
	/* a was written */
	assert_int_equal(mprotect(a, len, PROT_READ), 0);
	assert_int_equal(walk_faults(text, page, &ret), 1);

	/* a malformed line stops the walk before anything after it */
	snprintf(text, sizeof(text),
		 "not a maps line\n"
		 "%jx-%jx rw-s 00000000 00:08 78 socket:[78]\n",
		 (uintmax_t)(uintptr_t)b, (uintmax_t)(uintptr_t)(b + len));
	ret = 0;
	assert_int_equal(walk_faults(text, page, &ret), 0);
	assert_int_equal(ret, -1);

	/* the process's own maps parse from start to end */
	FILE *f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	assert_true(ife_dp_prefault_sockets(f, page) >= 0);
	fclose(f);
	munmap(a, len);
	munmap(b, len);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefault_maps_lines),
		cmocka_unit_test(test_prefault_range_writes_nothing),
		cmocka_unit_test(test_prefault_sockets_from_maps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
