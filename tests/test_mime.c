/* Unit tests of the MIME indexer (include/imapfe/mime.h). Expected strings
 * are Dovecot 2.3.19's answers for the same messages (tests/
 * store_dovecot_compare.py checks the full corpus against a live Dovecot in
 * the lab suite). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "imapfe/err.h"
#include "imapfe/mime.h"
#include "mime_pvt.h"

static struct ife_mime_builder *B;

static void
index_msg(const char *m, size_t len, struct ife_mime_index_info *info)
{
	const void *idx;
	size_t il;
	assert_int_equal(ife_mime_index(B, m, len, &idx, &il), 0);
	assert_int_equal(ife_mime_index_open(idx, il, info), 0);
}

/* ENVELOPE / BODY copied out of an index view (static buffers). */
static const char *
env_of(const struct ife_mime_index_info *in)
{
	static char buf[1 << 16];
	assert_true(ife_mime_envelope(in, buf, sizeof(buf)) ==
		    in->envelope_len);
	return buf;
}

static const char *
body_of(const struct ife_mime_index_info *in)
{
	static char buf[1 << 16];
	assert_true(ife_mime_body(in, buf, sizeof(buf)) == in->body_len);
	return buf;
}

static void
assert_str(const char *got, size_t gl, const char *want)
{
	if (gl != strlen(want) || memcmp(got, want, gl) != 0)
		fail_msg("got  %.*s\nwant %s", (int)gl, got, want);
}

static void
test_mime_simple(void **state)
{
	(void)state;
	const char *m = "From: A <a@b.c>\r\nTo: x@y.z\r\nSubject: hi there\r\n"
			"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nbody\r\n";
	struct ife_mime_index_info in;
	index_msg(m, strlen(m), &in);
	assert_str(
		env_of(&in), in.envelope_len,
		"\"Mon, 1 Jan 2024 00:00:00 +0000\" \"hi there\" ((\"A\" NIL "
		"\"a\" \"b.c\")) ((\"A\" NIL \"a\" \"b.c\")) ((\"A\" NIL "
		"\"a\" \"b.c\")) ((NIL NIL \"x\" \"y.z\")) NIL NIL NIL NIL");
	assert_str(in.bodystructure, in.bodystructure_len,
		   "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		   "\"7bit\" 6 1 NIL NIL NIL NIL)");
	assert_str(body_of(&in), in.body_len,
		   "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		   "\"7bit\" 6 1)");
	assert_int_equal(in.flags & IFE_MIME_F_BARE_LF, 0);
	struct ife_mime_slice s;
	assert_int_equal(ife_mime_section(&in, "1.MIME", 6, &s), 0);
	assert_int_equal(s.off, 0);
	assert_int_equal(s.len, 87);
	assert_int_equal(ife_mime_section(&in, "TEXT", 4, &s), 0);
	assert_int_equal(s.off, 87);
	assert_int_equal(s.len, 6);
}

static const char nested[] =
	"From: a@b\nSubject: x\nContent-Type: multipart/mixed; boundary=zz\n"
	"MIME-Version: 1.0\n\npre\n--zz\nContent-Type: text/plain\n\nhello\n"
	"--zz\nContent-Type: message/rfc822\n\nSubject: inner\n"
	"Content-Type: multipart/alternative; boundary=yy\n\n--yy\n\nalt1\n"
	"--yy--\n--zz--\nepi\n";

static void
test_mime_nested_sections(void **state)
{
	(void)state;
	struct ife_mime_index_info in;
	index_msg(nested, strlen(nested), &in);
	assert_true(in.flags & IFE_MIME_F_BARE_LF);
	assert_str(in.bodystructure, in.bodystructure_len,
		   "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		   "\"7bit\" 5 0 NIL NIL NIL NIL)(\"message\" \"rfc822\" NIL "
		   "NIL NIL \"7bit\" 90 (NIL \"inner\" NIL NIL NIL NIL NIL NIL "
		   "NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") "
		   "NIL NIL \"7bit\" 4 0 NIL NIL NIL NIL) \"alternative\" "
		   "(\"boundary\" \"yy\") NIL NIL NIL) 7 NIL NIL NIL NIL) "
		   "\"mixed\" (\"boundary\" \"zz\") NIL NIL NIL)");
	static const struct {
		const char *sec;
		const char *data;
		uint32_t vsize;
	} want[] = {
		{"2.1", "alt1", 4},
		{"2.1.1", "alt1", 4},
		{"3", "", 0},
		{"1.HEADER", "", 0},
		{"2.2", "", 0},
		{"2.1.MIME", "\n", 2},
		{"1", "hello", 5},
		{"2.TEXT", "--yy\n\nalt1\n--yy--\n", 22},
		{"2.HEADER",
		 "Subject: inner\nContent-Type: multipart/alternative; "
		 "boundary=yy\n\n",
		 68},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct ife_mime_slice s;
		assert_int_equal(ife_mime_section(&in, want[i].sec,
						  strlen(want[i].sec), &s),
				 0);
		if (s.len != strlen(want[i].data) ||
		    memcmp(nested + s.off, want[i].data, s.len) != 0 ||
		    s.vsize != want[i].vsize)
			fail_msg("%s: got %.*s (%u)", want[i].sec, (int)s.len,
				 nested + s.off, s.vsize);
	}
	uint8_t out[64];
	struct ife_mime_slice s;
	ife_mime_section(&in, "2.TEXT", 6, &s);
	size_t n = ife_mime_imap_copy((const uint8_t *)nested + s.off, s.len,
				      out, sizeof(out));
	assert_int_equal(n, s.vsize);
	assert_memory_equal(out, "--yy\r\n\r\nalt1\r\n--yy--\r\n", 22);
}

static void
test_mime_section_syntax(void **state)
{
	(void)state;
	struct ife_mime_index_info in;
	index_msg(nested, strlen(nested), &in);
	static const char *bad[] = {"0",       "1..2",	"1.",	       "MIME",
				    "HEADERX", "1.FOO", "99999999999", "1.0"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ife_mime_slice s;
		if (ife_mime_section(&in, bad[i], strlen(bad[i]), &s) !=
		    IFE_EPROTO)
			fail_msg("accepted %s", bad[i]);
	}
	struct ife_mime_slice s;
	assert_int_equal(ife_mime_section(&in, "header.fields", 13, &s), 0);
	assert_int_equal(s.kind, IFE_MIME_SEC_HEADER_FIELDS);
	assert_int_equal(ife_mime_section(&in, "", 0, &s), 0);
	assert_int_equal(s.len, strlen(nested));
}

static void
test_mime_quoting(void **state)
{
	(void)state;
	struct mbuf o = {0};
	imapq_nstring(&o, "a\"b\\c", 5, false);
	assert_str(o.p, o.len, "\"a\\\"b\\\\c\"");
	mbuf_reset(&o);
	imapq_nstring(&o, "\"\"\"\"\"", 5, false); /* 5 specials: literal */
	assert_str(o.p, o.len, "{5}\r\n\"\"\"\"\"");
	mbuf_reset(&o);
	imapq_nstring(&o, NULL, 0, true);
	assert_str(o.p, o.len, "NIL");
	mbuf_reset(&o);
	imapq_for_humans(&o, "  a\t\tb  \r\n c ", 13);
	assert_str(o.p, o.len, "{5}\r\na b c");
	mbuf_reset(&o);
	imapq_for_humans(&o, " \t ", 3);
	assert_str(o.p, o.len, "\"\"");
	mbuf_free(&o);
}

/* Every prefix of a message, and single-byte corruptions of it, index
 * without error and every part stays inside the input. */
static void
check_bounds(const char *m, size_t len)
{
	struct ife_mime_index_info in;
	index_msg(m, len, &in);
	for (uint32_t i = 0; i < in.nparts; i++) {
		const struct ife_mime_part *p = &in.parts[i];
		assert_true((uint64_t)p->hdr_off + p->hdr_len + p->body_len <=
			    len);
		assert_true(p->hdr_vsize >= p->hdr_len);
		assert_true(p->body_vsize >= p->body_len);
	}
	static const char *secs[] = {"1",    "1.MIME", "2.1",  "2.1.HEADER",
				     "TEXT", "HEADER", "3.2.1"};
	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		struct ife_mime_slice s;
		assert_int_equal(
			ife_mime_section(&in, secs[i], strlen(secs[i]), &s), 0);
		assert_true((uint64_t)s.off + s.len <= len);
	}
}

static void
test_mime_bad_input(void **state)
{
	(void)state;
	size_t len = strlen(nested);
	char *m = malloc(len);
	for (size_t l = 0; l <= len; l++)
		check_bounds(nested, l);
	unsigned seed = 1;
	for (int round = 0; round < 3000; round++) {
		memcpy(m, nested, len);
		for (int k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			static const char pick[] = "-\n\r:;\"=()<>@\\ \t\0x";
			m[at] = pick[(seed >> 20) % (sizeof(pick) - 1)];
		}
		check_bounds(m, len);
	}
	free(m);
}

/* The message ends right at a PROT_NONE page: any over-read crashes. */
static void
test_mime_guard_page(void **state)
{
	(void)state;
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *area = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(area != MAP_FAILED);
	assert_int_equal(mprotect(area + pg, (size_t)pg, PROT_NONE), 0);
	size_t len = strlen(nested);
	for (size_t l = 0; l <= len; l++) {
		uint8_t *m = area + pg - l;
		memcpy(m, nested, l);
		check_bounds((const char *)m, l);
	}
	static const char tail[] = "Subject: (unclosed comment\nFrom: \"x";
	memcpy(area + pg - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	check_bounds((const char *)area + pg - (sizeof(tail) - 1),
		     sizeof(tail) - 1);
	munmap(area, (size_t)pg * 2);
}

static void
test_mime_limits(void **state)
{
	(void)state;
	struct mbuf m = {0};
	mbuf_adds(&m, "MIME-Version: 1.0\n");
	for (int i = 0; i < 300; i++) {
		char h[80];
		snprintf(h, sizeof(h),
			 "Content-Type: multipart/mixed; "
			 "boundary=b%03d\n\n--b%03d\n",
			 i, i);
		mbuf_adds(&m, h);
	}
	mbuf_adds(&m, "\nleaf\n");
	struct ife_mime_index_info in;
	index_msg(m.p, m.len, &in);
	assert_true(in.flags & IFE_MIME_F_TRUNCATED);
	if (in.nparts > 100)
		fail_msg("%u parts", in.nparts);
	mbuf_free(&m);
	/* many parts */
	struct ife_mime_limits lim = {.max_parts = 50};
	struct ife_mime_builder *b2;
	assert_int_equal(ife_mime_builder_create(&lim, &b2), 0);
	struct mbuf w = {0};
	mbuf_adds(&w, "Content-Type: multipart/mixed; boundary=q\n\n");
	for (int i = 0; i < 500; i++)
		mbuf_adds(&w, "--q\n\nx\n");
	const void *idx;
	size_t il;
	assert_int_equal(ife_mime_index(b2, w.p, w.len, &idx, &il), 0);
	assert_int_equal(ife_mime_index_open(idx, il, &in), 0);
	assert_true(in.nparts <= 50);
	assert_true(in.flags & IFE_MIME_F_TRUNCATED);
	ife_mime_builder_destroy(&b2);
	mbuf_free(&w);
}

static void
test_mime_index_open_rejects(void **state)
{
	(void)state;
	const void *idx;
	size_t il;
	assert_int_equal(ife_mime_index(B, nested, strlen(nested), &idx, &il),
			 0);
	uint8_t *copy = malloc(il + 8);
	memcpy(copy, idx, il);
	struct ife_mime_index_info in;
	assert_int_equal(ife_mime_index_open(copy, il - 1, &in), IFE_ECORRUPT);
	assert_int_equal(ife_mime_index_open(copy, 4, &in), IFE_ECORRUPT);
	copy[0] ^= 1;
	assert_int_equal(ife_mime_index_open(copy, il, &in), IFE_ECORRUPT);
	free(copy);
	assert_int_equal(ife_mime_index_open(NULL, 0, &in), IFE_ECORRUPT);
}

/* Index v2 stores BODY as cuts of BODYSTRUCTURE and Sender / Reply-To
 * equal to From by reference; what comes out must be the same strings. */
static void
test_mime_compact_strings(void **state)
{
	(void)state;
	struct ife_mime_index_info in;
	/* nested: BODY is BODYSTRUCTURE without every part's extension */
	index_msg(nested, strlen(nested), &in);
	assert_null(in.body_explicit);
	assert_true(in.body_ncuts >= 4);
	assert_str(body_of(&in), in.body_len,
		   "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		   "\"7bit\" 5 0)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" "
		   "90 (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) "
		   "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		   "\"7bit\" 4 0) \"alternative\") 7) \"mixed\")");
	/* Dovecot's constant BODY for a plain 7-bit message is not a cut
	 * of "US-ASCII": stored whole */
	const char *up = "From: a@b.c\r\nContent-Type: text/plain; "
			 "charset=US-ASCII\r\n\r\nx\r\n";
	index_msg(up, strlen(up), &in);
	assert_non_null(in.body_explicit);
	assert_str(body_of(&in), in.body_len,
		   "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		   "\"7bit\" 3 1)");
	assert_int_equal(in.env_nins, 2); /* Sender, Reply-To = From */
	/* Sender of its own, Reply-To absent: one reference */
	const char *snd = "From: A <a@b.c>\r\nSender: S <s@b.c>\r\n"
			  "Subject: s\r\n\r\nx\r\n";
	index_msg(snd, strlen(snd), &in);
	assert_int_equal(in.env_nins, 1);
	assert_str(env_of(&in), in.envelope_len,
		   "NIL \"s\" ((\"A\" NIL \"a\" \"b.c\")) ((\"S\" NIL \"s\" "
		   "\"b.c\")) ((\"A\" NIL \"a\" \"b.c\")) NIL NIL NIL NIL NIL");
	/* Reply-To of its own */
	const char *rt = "From: A <a@b.c>\r\nReply-To: r@b.c\r\n\r\nx\r\n";
	index_msg(rt, strlen(rt), &in);
	assert_int_equal(in.env_nins, 1);
	assert_str(env_of(&in), in.envelope_len,
		   "NIL NIL ((\"A\" NIL \"a\" \"b.c\")) ((\"A\" NIL \"a\" "
		   "\"b.c\")) ((NIL NIL \"r\" \"b.c\")) NIL NIL NIL NIL NIL");
	/* no From: nothing to refer to */
	const char *nf = "Subject: q\r\n\r\nx\r\n";
	index_msg(nf, strlen(nf), &in);
	assert_int_equal(in.env_nins, 0);
	assert_str(env_of(&in), in.envelope_len,
		   "NIL \"q\" NIL NIL NIL NIL NIL NIL NIL NIL");
	/* a short buffer gets a prefix, the length is still returned */
	const char *m = "From: A <a@b.c>\r\nSubject: hi\r\n\r\nbody\r\n";
	index_msg(m, strlen(m), &in);
	char small[10];
	assert_int_equal(ife_mime_envelope(&in, small, sizeof(small)),
			 in.envelope_len);
	assert_memory_equal(small, "NIL \"hi\" (", sizeof(small));
	assert_int_equal(ife_mime_body(&in, small, 3), in.body_len);
	assert_memory_equal(small, "(\"t", 3);
}

/* Damaged insertions and cuts never make the copy read outside. */
static void
test_mime_compact_damaged(void **state)
{
	(void)state;
	const void *idx;
	size_t il;
	struct ife_mime_index_info in;
	assert_int_equal(ife_mime_index(B, nested, strlen(nested), &idx, &il),
			 0);
	uint32_t *copy = malloc(il);
	memcpy(copy, idx, il);
	assert_int_equal(ife_mime_index_open(copy, il, &in), 0);
	uint32_t bad[3] = {UINT32_MAX - 2, UINT32_MAX, 7};
	memcpy((void *)(uintptr_t)in.body_cuts, bad, 8);
	char out[4096];
	size_t n = ife_mime_body(&in, out, sizeof(out));
	assert_true(n <= in.bodystructure_len);
	const char *m = "From: A <a@b.c>\r\nSubject: hi\r\n\r\nbody\r\n";
	assert_int_equal(ife_mime_index(B, m, strlen(m), &idx, &il), 0);
	free(copy);
	copy = malloc(il);
	memcpy(copy, idx, il);
	assert_int_equal(ife_mime_index_open(copy, il, &in), 0);
	assert_int_equal(in.env_nins, 2);
	memcpy((void *)(uintptr_t)in.env_ins, bad, 12);
	n = ife_mime_envelope(&in, out, sizeof(out));
	assert_true(n <= in.env_pool_len);
	free(copy);
}

/* Expected bytes are Dovecot 2.3.19's answers for the same messages. */
static void
test_mime_header_fields(void **state)
{
	(void)state;
	const char *m = "From: a@b\r\nSubject: hi\r\n there\r\nX-A: 1\n"
			"subject: second\r\nNoColonLine\r\nContent-Type: "
			"text/plain\r\n\r\nbody\r\n";
	struct ife_mime_index_info in;
	struct ife_mime_slice s;
	uint8_t out[512];
	index_msg(m, strlen(m), &in);
	assert_int_equal(ife_mime_section(&in, "HEADER.FIELDS", 13, &s), 0);
	const char *f1[] = {"SUBJECT", "X-A"};
	size_t l1[] = {7, 3};
	size_t n = ife_mime_header_filter((const uint8_t *)m + s.off, s.len, f1,
					  l1, 2, 0, out, sizeof(out));
	assert_str((char *)out, n,
		   "Subject: hi\r\n there\r\nX-A: 1\r\nsubject: "
		   "second\r\n\r\n");
	const char *f2[] = {"subject"};
	size_t l2[] = {7};
	n = ife_mime_header_filter((const uint8_t *)m + s.off, s.len, f2, l2, 1,
				   1, out, sizeof(out));
	assert_str((char *)out, n,
		   "From: a@b\r\nX-A: 1\r\nNoColonLine\r\nContent-Type: "
		   "text/plain\r\n\r\n");
	const char *f3[] = {"NoColonLine"};
	size_t l3[] = {11};
	n = ife_mime_header_filter((const uint8_t *)m + s.off, s.len, f3, l3, 1,
				   0, out, sizeof(out));
	assert_str((char *)out, n, "\r\n");
	/* no blank line, no final LF */
	const char *m2 = "Subject: no eoh";
	index_msg(m2, strlen(m2), &in);
	ife_mime_section(&in, "HEADER.FIELDS", 13, &s);
	n = ife_mime_header_filter((const uint8_t *)m2 + s.off, s.len, f2, l2,
				   1, 0, out, sizeof(out));
	assert_str((char *)out, n, "Subject: no eoh\r\n\r\n");
	n = ife_mime_header_filter((const uint8_t *)m2 + s.off, s.len, f2, l2,
				   1, 1, out, sizeof(out));
	assert_int_equal(n, 0);
	/* a part that does not exist */
	assert_int_equal(ife_mime_section(&in, "2.HEADER.FIELDS", 15, &s), 0);
	assert_int_equal(s.missing, 1);
}

static int
setup(void **state)
{
	(void)state;
	return ife_mime_builder_create(NULL, &B);
}

static int
teardown(void **state)
{
	(void)state;
	ife_mime_builder_destroy(&B);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mime_simple),
		cmocka_unit_test(test_mime_nested_sections),
		cmocka_unit_test(test_mime_section_syntax),
		cmocka_unit_test(test_mime_quoting),
		cmocka_unit_test(test_mime_bad_input),
		cmocka_unit_test(test_mime_guard_page),
		cmocka_unit_test(test_mime_limits),
		cmocka_unit_test(test_mime_index_open_rejects),
		cmocka_unit_test(test_mime_header_fields),
		cmocka_unit_test(test_mime_compact_strings),
		cmocka_unit_test(test_mime_compact_damaged),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
