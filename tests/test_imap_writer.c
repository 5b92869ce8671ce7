/*
 * Unit tests of the IMAP response writer: exact output for the choices it
 * makes, and, for random content, that its output parses (with the
 * test-only response parser, and with our command parser where the same
 * grammar applies) back to exactly what it was given.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "imap_resp_parser.h"
#include "imapfe/imap_parser.h"
#include "imapfe/imap_writer.h"

static char buf[1 << 16];

static const char *
out(struct ife_imap_writer *w)
{
	size_t n;
	assert_int_equal(ife_imap_writer_finish(w, &n), 0);
	buf[n] = '\0';
	return buf;
}

static void
test_imap_writer_choices(void **state)
{
	(void)state;
	struct ife_imap_writer w;
	struct {
		const char *in;
		size_t n;
		const char *astr, *str;
	} t[] = {
		{"abc", 3, "abc", "\"abc\""},
		{"a]b", 3, "a]b", "\"a]b\""},
		{"", 0, "\"\"", "\"\""},
		{"a b", 3, "\"a b\"", "\"a b\""},
		{"a\"b\\", 4, "\"a\\\"b\\\\\"", "\"a\\\"b\\\\\""},
		{"a(b)", 4, "\"a(b)\"", "\"a(b)\""},
		{"x%*{", 4, "\"x%*{\"", "\"x%*{\""},
		{"a\r\nb", 4, "{4}\r\na\r\nb", "{4}\r\na\r\nb"},
		{"caf\xc3\xa9", 5, "{5}\r\ncaf\xc3\xa9", "{5}\r\ncaf\xc3\xa9"},
		{"NIL", 3, "NIL", "\"NIL\""},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ife_imap_writer_init(&w, buf, sizeof(buf) - 1);
		ife_imap_w_astring(&w, t[i].in, t[i].n);
		assert_string_equal(out(&w), t[i].astr);
		ife_imap_writer_init(&w, buf, sizeof(buf) - 1);
		ife_imap_w_string(&w, t[i].in, t[i].n);
		assert_string_equal(out(&w), t[i].str);
	}
	ife_imap_writer_init(&w, buf, sizeof(buf) - 1);
	ife_imap_w_nstring(&w, NULL, 0);
	ife_imap_w_raw(&w, " ", 1);
	ife_imap_w_nstring(&w, "NIL", 3);
	assert_string_equal(out(&w), "NIL \"NIL\"");
	/* UTF-8 client: UTF-8 may be quoted */
	ife_imap_writer_init(&w, buf, sizeof(buf) - 1);
	ife_imap_writer_set_utf8(&w, true);
	ife_imap_w_string(&w, "caf\xc3\xa9", 5);
	ife_imap_w_raw(&w, " ", 1);
	ife_imap_w_string(&w, "\xff", 1);
	assert_string_equal(out(&w), "\"caf\xc3\xa9\" {1}\r\n\xff");
	/* long strings go as literals */
	char big[2000];
	memset(big, 'x', sizeof(big));
	big[0] = ' ';
	ife_imap_writer_init(&w, buf, sizeof(buf) - 1);
	ife_imap_w_string(&w, big, sizeof(big));
	assert_memory_equal(out(&w), "{2000}\r\n ", 9);
}

static void
test_imap_writer_responses(void **state)
{
	(void)state;
	struct ife_imap_writer w;
	ife_imap_writer_init(&w, buf, sizeof(buf) - 1);
	ife_imap_w_tagged(&w, "a1", 2, "OK");
	ife_imap_w_code(&w, "UIDNEXT 5", 9);
	ife_imap_w_text(&w, "done\r\nx", 7);
	ife_imap_w_crlf(&w);
	ife_imap_w_continue(&w, "[go]", 4);
	ife_imap_w_untagged(&w);
	ife_imap_w_raw(&w, "FLAGS ", 6);
	struct ife_imap_str fl[] = {{"\\Seen", 5, 0, 0, 0},
				    {"$Junk", 5, 0, 0, 0},
				    {"\\*", 2, 0, 0, 0}};
	ife_imap_w_flags(&w, fl, 3);
	ife_imap_w_crlf(&w);
	assert_string_equal(out(&w), "a1 OK [UIDNEXT 5] done??x\r\n"
				     "+ (go]\r\n"
				     "* FLAGS (\\Seen $Junk \\*)\r\n");
	/* each line parses */
	const char *p = buf;
	size_t n = strlen(buf);
	struct rp_resp r;
	for (int k = 0; k < 3; k++) {
		assert_true(rp_parse(p, n, &r));
		p += r.used;
		n -= r.used;
		rp_free(&r);
	}
	assert_int_equal(n, 0);

	ife_imap_writer_init(&w, buf, sizeof(buf) - 1);
	struct ife_imap_seq_range rg[] = {
		{1, 1}, {3, 5}, {7, IFE_IMAP_SEQ_STAR}};
	ife_imap_w_seqset(&w, rg, 3);
	ife_imap_w_raw(&w, " ", 1);
	struct ife_imap_date d = {2021, 1, 5, 10, 0, 0, 1, -300};
	ife_imap_w_date_time(&w, &d);
	ife_imap_w_raw(&w, " ", 1);
	ife_imap_w_number(&w, UINT64_C(18446744073709551615));
	assert_string_equal(out(&w), "1,3:5,7:* \"05-Jan-2021 10:00:00 -0500\" "
				     "18446744073709551615");
}

static void
test_imap_writer_rejects_invalid(void **state)
{
	(void)state;
	struct ife_imap_writer w;
	size_t n;
	ife_imap_writer_init(&w, buf, sizeof(buf));
	ife_imap_w_atom(&w, "a b", 3);
	assert_int_equal(ife_imap_writer_finish(&w, &n), -EINVAL);
	ife_imap_writer_init(&w, buf, sizeof(buf));
	ife_imap_w_tagged(&w, "a", 1, "MAYBE");
	assert_int_equal(ife_imap_writer_finish(&w, &n), -EINVAL);
	ife_imap_writer_init(&w, buf, sizeof(buf));
	ife_imap_w_tagged(&w, "a+", 2, "OK");
	assert_int_equal(ife_imap_writer_finish(&w, &n), -EINVAL);
	ife_imap_writer_init(&w, buf, sizeof(buf));
	ife_imap_w_code(&w, "X]Y", 3);
	assert_int_equal(ife_imap_writer_finish(&w, &n), -EINVAL);
	ife_imap_writer_init(&w, buf, sizeof(buf));
	struct ife_imap_str bad = {"a b", 3, 0, 0, 0};
	ife_imap_w_flags(&w, &bad, 1);
	assert_int_equal(ife_imap_writer_finish(&w, &n), -EINVAL);
	ife_imap_writer_init(&w, buf, sizeof(buf));
	ife_imap_w_string(&w, "a\0b", 3);
	assert_int_equal(ife_imap_writer_finish(&w, &n), -EINVAL);
	ife_imap_writer_init(&w, buf, sizeof(buf));
	ife_imap_w_mailbox(&w, "a\xff", 2);
	assert_int_equal(ife_imap_writer_finish(&w, &n), -EINVAL);
	ife_imap_writer_init(&w, buf, sizeof(buf));
	ife_imap_w_seqset(&w, NULL, 0);
	assert_int_equal(ife_imap_writer_finish(&w, &n), -EINVAL);
	/* sticky: later calls do nothing */
	ife_imap_w_raw(&w, "x", 1);
	assert_int_equal(ife_imap_writer_finish(&w, &n), -EINVAL);
	/* literal8 may hold NUL */
	ife_imap_writer_init(&w, buf, sizeof(buf) - 1);
	ife_imap_w_literal8(&w, "a\0b", 3);
	assert_int_equal(ife_imap_writer_finish(&w, &n), 0);
	assert_int_equal(n, 9);
	assert_memory_equal(buf, "~{3}\r\na\0b", 9);
}

static void
test_imap_writer_overflow_is_sticky(void **state)
{
	(void)state;
	struct ife_imap_writer w;
	char small[16];
	size_t n;
	memset(small, 'Z', sizeof(small));
	ife_imap_writer_init(&w, small, 8);
	ife_imap_w_raw(&w, "12345", 5);
	ife_imap_w_astring(&w, "abcd", 4);
	ife_imap_w_raw(&w, "x", 1);
	assert_int_equal(ife_imap_writer_finish(&w, &n), -ENOSPC);
	for (int i = 8; i < 16; i++)
		assert_int_equal(small[i], 'Z');
}

static void
test_imap_writer_iovec_references_literals(void **state)
{
	(void)state;
	struct ife_imap_writer w;
	struct iovec iov[4];
	static const char body[] = "0123456789abcdef0123456789abcdef";
	size_t n;
	ife_imap_writer_init_iov(&w, buf, sizeof(buf), iov, 4, 16);
	ife_imap_w_raw(&w, "* 1 FETCH (BODY[] ", 18);
	ife_imap_w_literal(&w, body, 32);
	ife_imap_w_raw(&w, " X ", 3);
	ife_imap_w_literal(&w, "tiny", 4); /* below ref_min: copied */
	ife_imap_w_raw(&w, ")\r\n", 3);
	assert_int_equal(ife_imap_writer_finish(&w, &n), 0);
	assert_int_equal(n, 3);
	assert_ptr_equal(iov[1].iov_base, body);
	assert_int_equal(iov[1].iov_len, 32);
	char all[256];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(all + k, iov[i].iov_base, iov[i].iov_len);
		k += iov[i].iov_len;
	}
	struct rp_resp r;
	assert_true(rp_parse(all, k, &r));
	assert_int_equal(r.used, k);
	assert_int_equal(r.tok[3].kind, RP_LITERAL);
	assert_int_equal(r.tok[3].len, 32);
	assert_memory_equal(r.tok[3].val, body, 32);
	rp_free(&r);
	/* too few iovecs: -ENOSPC */
	ife_imap_writer_init_iov(&w, buf, sizeof(buf), iov, 1, 16);
	ife_imap_w_raw(&w, "x ", 2);
	ife_imap_w_literal(&w, body, 32);
	assert_int_equal(ife_imap_writer_finish(&w, &n), -ENOSPC);
}

static uint64_t rng = 88172645463325252ULL;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static size_t
random_string(char *s, size_t max, bool nul)
{
	static const char alpha[] = "aZ09 ()\"\\{}%*]\r\n\t~+-.&/\xc3\xa9\x7f";
	size_t n = next() % max;
	for (size_t i = 0; i < n; i++) {
		uint32_t r = next() % 64;
		if (r < sizeof(alpha) - 1)
			s[i] = alpha[r];
		else if (r < 60)
			s[i] = (char)(0x20 + next() % 95);
		else
			s[i] = (char)(nul ? next() % 256 : 1 + next() % 255);
	}
	return n;
}

static void
test_imap_writer_random_roundtrip(void **state)
{
	(void)state;
	char a[64], b[64], c[64];
	size_t arena_sz = (size_t)ife_imap_limits_postauth.max_command * 2;
	void *arena = malloc(arena_sz);
	assert_non_null(arena);
	for (int it = 0; it < 20000; it++) {
		size_t na = random_string(a, sizeof(a), false);
		size_t nb = random_string(b, sizeof(b), false);
		size_t nc = random_string(c, sizeof(c), false);
		struct ife_imap_writer w;
		size_t n;
		ife_imap_writer_init(&w, buf, sizeof(buf));
		ife_imap_writer_set_utf8(&w, it & 1);
		ife_imap_w_untagged(&w);
		ife_imap_w_raw(&w, "X ", 2);
		ife_imap_w_astring(&w, a, na);
		ife_imap_w_raw(&w, " (", 2);
		ife_imap_w_string(&w, b, nb);
		ife_imap_w_raw(&w, " ", 1);
		ife_imap_w_nstring(&w, (it & 2) ? NULL : c, nc);
		ife_imap_w_raw(&w, ")", 1);
		ife_imap_w_crlf(&w);
		assert_int_equal(ife_imap_writer_finish(&w, &n), 0);
		struct rp_resp r;
		if (!rp_parse(buf, n, &r))
			fail_msg("unparsable: %.*s", (int)n, buf);
		assert_int_equal(r.used, n);
		assert_int_equal(r.ntok, 4);
		assert_int_equal(r.tok[1].len, na);
		assert_memory_equal(r.tok[1].val, a, na);
		assert_int_equal(r.tok[2].kind == RP_ATOM, 0);
		assert_int_equal(r.tok[2].len, nb);
		assert_memory_equal(r.tok[2].val, b, nb);
		if (it & 2) {
			assert_int_equal(r.tok[3].kind, RP_NIL);
		} else {
			assert_int_equal(r.tok[3].kind == RP_NIL, 0);
			assert_memory_equal(r.tok[3].val, c, nc);
		}
		rp_free(&r);

		/* the same strings as command arguments read back by our
		 * command parser (server literals are {n}: answer "+") */
		ife_imap_writer_init(&w, buf, sizeof(buf));
		ife_imap_w_raw(&w, "t LOGIN ", 8);
		ife_imap_w_astring(&w, a, na);
		ife_imap_w_raw(&w, " ", 1);
		ife_imap_w_string(&w, b, nb);
		ife_imap_w_crlf(&w);
		assert_int_equal(ife_imap_writer_finish(&w, &n), 0);
		struct ife_imap_parser p;
		struct ife_imap_limits lim = ife_imap_limits_postauth;
		lim.utf8 = true;
		assert_int_equal(
			ife_imap_parser_init(&p, &lim, arena, arena_sz), 0);
		struct ife_imap_event ev;
		size_t pos = 0;
		enum ife_imap_ev k;
		do {
			k = ife_imap_parser_feed(&p, buf + pos, n - pos, &ev);
			pos += ev.consumed;
		} while (k == IFE_IMAP_EV_CONTINUE);
		if (k != IFE_IMAP_EV_COMMAND)
			fail_msg("parser refused writer output: %.*s (%s)",
				 (int)n, buf, ev.text ? ev.text : "");
		assert_int_equal(ev.cmd->u.login.user.len, na);
		assert_memory_equal(ev.cmd->u.login.user.ptr, a, na);
		assert_int_equal(ev.cmd->u.login.pass.len, nb);
		assert_memory_equal(ev.cmd->u.login.pass.ptr, b, nb);
	}
	free(arena);
}

static void
test_imap_writer_mailbox_names(void **state)
{
	(void)state;
	struct ife_imap_writer w;
	size_t n;
	ife_imap_writer_init(&w, buf, sizeof(buf) - 1);
	ife_imap_w_mailbox(&w, "inbox", 5);
	ife_imap_w_raw(&w, " ", 1);
	ife_imap_w_mailbox(&w, "\xc3\x89t\xc3\xa9", 5);
	ife_imap_w_raw(&w, " ", 1);
	ife_imap_w_mailbox(&w, "A&B C", 5);
	assert_string_equal(out(&w), "INBOX &AMk-t&AOk- \"A&-B C\"");
	ife_imap_writer_init(&w, buf, sizeof(buf) - 1);
	ife_imap_writer_set_utf8(&w, true);
	ife_imap_w_mailbox(&w, "\xc3\x89t\xc3\xa9", 5);
	assert_string_equal(out(&w), "\"\xc3\x89t\xc3\xa9\"");
	ife_imap_writer_init(&w, buf, sizeof(buf) - 1);
	ife_imap_w_mailbox(&w, "a\tb", 3);
	assert_int_equal(ife_imap_writer_finish(&w, &n), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_imap_writer_choices),
		cmocka_unit_test(test_imap_writer_responses),
		cmocka_unit_test(test_imap_writer_rejects_invalid),
		cmocka_unit_test(test_imap_writer_overflow_is_sticky),
		cmocka_unit_test(test_imap_writer_iovec_references_literals),
		cmocka_unit_test(test_imap_writer_random_roundtrip),
		cmocka_unit_test(test_imap_writer_mailbox_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
