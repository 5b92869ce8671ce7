/*
 * Unit tests of the IMAP command parser (dataplane/imap). The case table
 * (imap_cases.h) is run whole, one byte at a time, split at every position
 * and from a buffer that ends on a guard page; the other tests check the
 * API contract: zero-copy views, APPEND streaming, reject, limits, modes.
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

#include "guard_page.h"
#include "imap_cases.h"
#include "imap_driver.h"
#include "imap_pvt.h"

#define NCASES (sizeof(imap_cases) / sizeof(imap_cases[0]))

static const struct ife_imap_limits small_limits = {
	.max_line = 64,
	.max_command = 256,
	.max_literal = 32,
	.max_nonsync = 16,
	.max_append = 100,
	.max_depth = 3,
	.max_tag = 8,
	.max_args = 10,
	.max_append_msgs = 2,
	.utf8 = false,
};

static size_t
arena_size(void)
{
	return (size_t)ife_imap_limits_postauth.max_command * 4;
}

/* Drop "OK <tag> <COMMAND> " from command lines. The transcript may hold
 * NUL (literal8 APPEND data in a canonical form): lengths, not strings.
 * The result's length goes to *olen. */
static char *
normalise(const char *t, size_t n, size_t *olen)
{
	char *o = malloc(n + 1);
	size_t k = 0;
	const char *p = t, *e = t + n;
	assert_non_null(o);
	while (p < e) {
		if (e - p >= 3 && memcmp(p, "OK ", 3) == 0 &&
		    (p == t || p[-1] == '\n')) {
			const char *s = memchr(p + 3, ' ', (size_t)(e - p - 3));
			s = s ? memchr(s + 1, ' ', (size_t)(e - s - 1)) : NULL;
			if (s)
				p = s + 1;
		}
		while (p < e && *p != '\n')
			o[k++] = *p++;
		if (p < e)
			o[k++] = *p++;
	}
	o[k] = '\0';
	*olen = k;
	return o;
}

/* Run one case: step 0 = whole, else chunks of `step`; split = first chunk
 * length (0: none); guard = input ends on a guard page. */
static char *
run_case(const struct imap_case *c, size_t step, size_t split, bool guard,
	 bool roundtrip, size_t *olen)
{
	size_t len = c->len ? c->len : strlen(c->in);
	size_t asz = arena_size();
	void *arena = malloc(asz);
	void *rt = malloc(asz);
	struct imap_drv d;
	struct guard_buf g = {0};
	const char *in = c->in;
	assert_non_null(arena);
	assert_non_null(rt);
	assert_int_equal(imap_drv_init(&d,
				       c->small ? &small_limits
						: &ife_imap_limits_postauth,
				       NULL, arena, asz),
			 0);
	d.roundtrip = roundtrip;
	d.rt_arena = rt;
	d.rt_size = asz;
	if (guard) {
		assert_int_equal(guard_buf_init(&g, c->in, len), 0);
		in = g.data;
	}
	if (split) {
		/* two separate buffers: the first is freed before the second
		 * is fed, so any view kept across feeds would be caught */
		char *a = malloc(split);
		assert_non_null(a);
		memcpy(a, in, split);
		imap_drv_run(&d, a, split, 0);
		const size_t il = strlen("INCOMPLETE\n");
		if (d.out.len >= il && memcmp(d.out.buf + d.out.len - il,
					      "INCOMPLETE\n", il) == 0) {
			/* the driver reports a partial command at the end of
			 * its input; for a split run that is not the end */
			d.out.len -= strlen("INCOMPLETE\n");
			d.out.buf[d.out.len] = '\0';
		}
		memset(a, 0xAA, split);
		free(a);
		if (!d.closed)
			imap_drv_run(&d, in + split, len - split, 0);
	} else {
		imap_drv_run(&d, in, len, step);
	}
	char *out = normalise(d.out.buf ? d.out.buf : "", d.out.len, olen);
	if (guard)
		guard_buf_free(&g);
	imap_drv_free(&d);
	free(arena);
	free(rt);
	return out;
}

static size_t failures;

static void
check_case(size_t i, size_t step, size_t split, bool guard, bool rt)
{
	const struct imap_case *c = &imap_cases[i];
	size_t n, want = c->outlen ? c->outlen : strlen(c->out);
	char *out = run_case(c, step, split, guard, rt, &n);
	if (n != want || memcmp(out, c->out, n) != 0) {
		print_error("case %zu (step %zu split %zu guard %d)\n"
			    "input:    %s\nexpected: %s\ngot:      %s\n",
			    i, step, split, guard, c->in, c->out, out);
		failures++;
	}
	free(out);
}

/* Report every failing case, then fail once. */
static void
end_cases(void)
{
	size_t n = failures;
	failures = 0;
	assert_int_equal(n, 0);
}

static void
test_imap_parser_cases_whole(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++)
		check_case(i, 0, 0, false, true);
	end_cases();
}

static void
test_imap_parser_cases_bytewise(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++)
		check_case(i, 1, 0, false, false);
	end_cases();
}

static void
test_imap_parser_cases_every_split(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		const struct imap_case *c = &imap_cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		for (size_t s = 1; s < len; s++)
			check_case(i, 0, s, false, false);
	}
	end_cases();
}

static void
test_imap_parser_cases_guard_page(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		check_case(i, 0, 0, true, false);
		check_case(i, 1, 0, true, false);
	}
	end_cases();
}

static void
test_imap_parser_case_count(void **state)
{
	(void)state;
	/* the issue asks for at least 300 valid and invalid cases */
	size_t valid = 0, invalid = 0;
	for (size_t i = 0; i < NCASES; i++) {
		if (strstr(imap_cases[i].out, "BAD ") ||
		    strstr(imap_cases[i].out, "BYE "))
			invalid++;
		else
			valid++;
	}
	print_message("%zu cases: %zu valid, %zu invalid\n", NCASES, valid,
		      invalid);
	assert_true(NCASES >= 300);
	assert_true(valid >= 100 && invalid >= 100);
}

/* ------------------------------------------------------------- helpers */

struct fx {
	struct ife_imap_parser p;
	uint8_t *arena;
	size_t size;
};

static struct fx *
fx_new(const struct ife_imap_limits *lim)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->size = arena_size();
	f->arena = malloc(f->size);
	assert_non_null(f->arena);
	assert_int_equal(ife_imap_parser_init(&f->p, lim, f->arena, f->size),
			 0);
	return f;
}

static void
fx_free(struct fx *f)
{
	free(f->arena);
	free(f);
}

static enum ife_imap_ev
feed(struct fx *f, const char *s, size_t len, struct ife_imap_event *ev)
{
	return ife_imap_parser_feed(&f->p, s, len, ev);
}

static enum ife_imap_ev
feeds(struct fx *f, const char *s, struct ife_imap_event *ev)
{
	return feed(f, s, strlen(s), ev);
}

/* --------------------------------------------------------- API contract */

static void
test_imap_parser_state_size(void **state)
{
	(void)state;
	assert_true(sizeof(struct ife_imap_parser) <= 256);
}

static void
test_imap_parser_init_checks_arena(void **state)
{
	(void)state;
	struct ife_imap_parser p;
	static uint8_t small[1024];
	assert_int_equal(ife_imap_parser_init(&p, &ife_imap_limits_postauth,
					      small, sizeof(small)),
			 -EINVAL);
	assert_int_equal(ife_imap_parser_init(&p, &ife_imap_limits_preauth,
					      NULL, 1 << 20),
			 -EINVAL);
	struct ife_imap_limits bad = ife_imap_limits_preauth;
	bad.max_command = bad.max_line - 1;
	static uint8_t big[1 << 16];
	assert_int_equal(ife_imap_parser_init(&p, &bad, big, sizeof(big)),
			 -EINVAL);
}

static void
test_imap_parser_zero_copy_views(void **state)
{
	(void)state;
	struct fx *f = fx_new(&ife_imap_limits_postauth);
	struct ife_imap_event ev;
	char in[] = "a LOGIN user \"p\\\\w\"\r\n";
	assert_int_equal(feeds(f, in, &ev), IFE_IMAP_EV_COMMAND);
	assert_int_equal(ev.consumed, strlen(in));
	const struct ife_imap_command *c = ev.cmd;
	assert_int_equal(c->cmd, IFE_IMAP_CMD_LOGIN);
	/* in place: user and tag point into the input */
	assert_ptr_equal(c->u.login.user.ptr, in + 8);
	assert_ptr_equal(c->tag.ptr, in);
	assert_false(ife_imap_str_in_arena(&f->p, &c->u.login.user));
	/* an escaped quoted string had to be decoded: arena */
	assert_true(ife_imap_str_in_arena(&f->p, &c->u.login.pass));
	assert_int_equal(c->u.login.pass.len, 3);
	assert_memory_equal(c->u.login.pass.ptr, "p\\w", 3);

	/* the same command split across two feeds: copied into the arena */
	char a[] = "b LOGIN us", b[] = "er pass\r\n";
	assert_int_equal(feeds(f, a, &ev), IFE_IMAP_EV_NEED_MORE);
	assert_int_equal(ev.consumed, strlen(a));
	assert_true(ife_imap_parser_busy(&f->p));
	memset(a, 'Z', strlen(a));
	assert_int_equal(feeds(f, b, &ev), IFE_IMAP_EV_COMMAND);
	assert_true(ife_imap_str_in_arena(&f->p, &ev.cmd->u.login.user));
	assert_int_equal(ev.cmd->u.login.user.len, 4);
	assert_memory_equal(ev.cmd->u.login.user.ptr, "user", 4);
	assert_memory_equal(ev.cmd->tag.ptr, "b", 1);
	assert_false(ife_imap_parser_busy(&f->p));
	fx_free(f);
}

static void
test_imap_parser_pipelined_one_event_per_call(void **state)
{
	(void)state;
	struct fx *f = fx_new(&ife_imap_limits_postauth);
	struct ife_imap_event ev;
	const char *in = "a NOOP\r\nb NOOP\r\n";
	assert_int_equal(feeds(f, in, &ev), IFE_IMAP_EV_COMMAND);
	assert_int_equal(ev.consumed, 8);
	assert_memory_equal(ev.cmd->tag.ptr, "a", 1);
	assert_int_equal(feeds(f, in + 8, &ev), IFE_IMAP_EV_COMMAND);
	assert_int_equal(ev.consumed, 8);
	assert_memory_equal(ev.cmd->tag.ptr, "b", 1);
	assert_int_equal(feed(f, in + 16, 0, &ev), IFE_IMAP_EV_NEED_MORE);
	assert_int_equal(ev.consumed, 0);
	assert_int_equal(f->p.commands, 2);
	fx_free(f);
}

static void
test_imap_parser_append_streams_input_views(void **state)
{
	(void)state;
	struct fx *f = fx_new(&ife_imap_limits_postauth);
	struct ife_imap_event ev;
	char in[] =
		"a APPEND Sent (\\Seen) {10+}\r\n0123456789 {4}\r\nwxyz\r\n";
	size_t pos = 0, len = strlen(in);
	assert_int_equal(feed(f, in, len, &ev), IFE_IMAP_EV_APPEND);
	pos += ev.consumed;
	const struct ife_imap_append *a = &ev.cmd->u.append;
	assert_int_equal(a->index, 0);
	assert_int_equal(a->cur.size, 10);
	assert_false(ev.append_sync);
	assert_true(a->cur.has_flags);
	assert_int_equal(a->cur.flags.system, IFE_IMAP_FLAG_SEEN);
	assert_int_equal(a->mbox.name.len, 4);
	assert_memory_equal(a->mbox.name.ptr, "Sent", 4);
	/* data: a view into the input, never copied */
	assert_int_equal(feed(f, in + pos, 5, &ev), IFE_IMAP_EV_LITERAL);
	assert_ptr_equal(ev.data.ptr, in + pos);
	assert_int_equal(ev.data.len, 5);
	assert_int_equal(ev.remaining, 5);
	pos += ev.consumed;
	assert_int_equal(feed(f, in + pos, len - pos, &ev),
			 IFE_IMAP_EV_LITERAL);
	assert_ptr_equal(ev.data.ptr, in + pos);
	assert_int_equal(ev.data.len, 5);
	assert_int_equal(ev.remaining, 0);
	pos += ev.consumed;
	/* second message: synchronising */
	assert_int_equal(feed(f, in + pos, len - pos, &ev), IFE_IMAP_EV_APPEND);
	assert_true(ev.append_sync);
	assert_int_equal(ev.cmd->u.append.index, 1);
	assert_false(ev.cmd->u.append.cur.has_flags);
	pos += ev.consumed;
	assert_int_equal(feed(f, in + pos, len - pos, &ev),
			 IFE_IMAP_EV_LITERAL);
	assert_memory_equal(ev.data.ptr, "wxyz", 4);
	pos += ev.consumed;
	assert_int_equal(feed(f, in + pos, len - pos, &ev),
			 IFE_IMAP_EV_COMMAND);
	pos += ev.consumed;
	assert_int_equal(pos, len);
	a = &ev.cmd->u.append;
	assert_int_equal(ev.cmd->cmd, IFE_IMAP_CMD_APPEND);
	assert_int_equal(a->nmsgs, 2);
	assert_int_equal(a->msgs[0].size, 10);
	assert_int_equal(a->msgs[1].size, 4);
	assert_true(a->msgs[1].sync);
	fx_free(f);
}

static void
test_imap_parser_reject_sync_literal(void **state)
{
	(void)state;
	struct fx *f = fx_new(&ife_imap_limits_postauth);
	struct ife_imap_event ev;
	assert_int_equal(ife_imap_parser_reject(&f->p), IFE_ESTATE);
	assert_int_equal(feeds(f, "a APPEND Nope {5}\r\n", &ev),
			 IFE_IMAP_EV_APPEND);
	assert_int_equal(ife_imap_parser_reject(&f->p), 0);
	/* the client does not send the data: next is a new command */
	assert_int_equal(feeds(f, "b NOOP\r\n", &ev), IFE_IMAP_EV_COMMAND);
	assert_memory_equal(ev.cmd->tag.ptr, "b", 1);
	assert_int_equal(feeds(f, "c LOGIN {3}\r\n", &ev),
			 IFE_IMAP_EV_CONTINUE);
	assert_int_equal(ife_imap_parser_reject(&f->p), 0);
	assert_int_equal(feeds(f, "d NOOP\r\n", &ev), IFE_IMAP_EV_COMMAND);
	assert_memory_equal(ev.cmd->tag.ptr, "d", 1);
	fx_free(f);
}

static void
test_imap_parser_reject_nonsync_literal(void **state)
{
	(void)state;
	struct fx *f = fx_new(&ife_imap_limits_postauth);
	struct ife_imap_event ev;
	const char *in = "a APPEND Nope {5+}\r\nhel";
	assert_int_equal(feeds(f, in, &ev), IFE_IMAP_EV_APPEND);
	assert_int_equal(ife_imap_parser_reject(&f->p), 0);
	assert_int_equal(feeds(f, in + ev.consumed, &ev),
			 IFE_IMAP_EV_NEED_MORE);
	/* rest of the data, a second (skipped) literal, then a command */
	assert_int_equal(feeds(f, "lo {2+}\r\nxy\r\nb NOOP\r\n", &ev),
			 IFE_IMAP_EV_COMMAND);
	assert_memory_equal(ev.cmd->tag.ptr, "b", 1);
	fx_free(f);
}

static void
test_imap_parser_limits_switch_after_login(void **state)
{
	(void)state;
	struct fx *f = fx_new(&ife_imap_limits_preauth);
	struct ife_imap_event ev;
	/* before authentication: no APPEND data, small literals */
	assert_int_equal(feeds(f, "a APPEND INBOX {5}\r\n", &ev),
			 IFE_IMAP_EV_ERROR);
	assert_int_equal(ev.action, IFE_IMAP_ACT_BAD);
	assert_int_equal(ev.err, IFE_ELIMIT);
	assert_string_equal(ev.text, "Message too large");
	assert_int_equal(feeds(f, "a LOGIN {9000}\r\n", &ev),
			 IFE_IMAP_EV_ERROR);
	assert_string_equal(ev.text, "Literal too large");
	assert_int_equal(feeds(f, "b LOGIN u p\r\n", &ev), IFE_IMAP_EV_COMMAND);
	assert_int_equal(
		ife_imap_parser_set_limits(&f->p, &ife_imap_limits_postauth),
		0);
	assert_int_equal(feeds(f, "c LOGIN {9000}\r\n", &ev),
			 IFE_IMAP_EV_CONTINUE);
	assert_int_equal(ife_imap_parser_reject(&f->p), 0);
	assert_int_equal(feeds(f, "d APPEND INBOX {5}\r\n", &ev),
			 IFE_IMAP_EV_APPEND);
	fx_free(f);
}

static void
test_imap_parser_bye_is_sticky(void **state)
{
	(void)state;
	struct fx *f = fx_new(&ife_imap_limits_preauth);
	struct ife_imap_event ev;
	assert_int_equal(feeds(f, "a LOGIN {5000+}\r\n", &ev),
			 IFE_IMAP_EV_ERROR);
	assert_int_equal(ev.action, IFE_IMAP_ACT_BYE);
	assert_int_equal(ev.err, IFE_ELIMIT);
	assert_int_equal(feeds(f, "b NOOP\r\n", &ev), IFE_IMAP_EV_ERROR);
	assert_int_equal(ev.action, IFE_IMAP_ACT_BYE);
	assert_int_equal(ev.consumed, 0);
	fx_free(f);
}

static void
test_imap_parser_expect_modes(void **state)
{
	(void)state;
	struct fx *f = fx_new(&ife_imap_limits_preauth);
	struct ife_imap_event ev;
	assert_int_equal(feeds(f, "a NO", &ev), IFE_IMAP_EV_NEED_MORE);
	assert_int_equal(ife_imap_parser_expect(&f->p, IFE_IMAP_MODE_IDLE),
			 IFE_ESTATE);
	ife_imap_parser_reset(&f->p);
	assert_false(ife_imap_parser_busy(&f->p));
	assert_int_equal(ife_imap_parser_expect(&f->p, IFE_IMAP_MODE_AUTH_LINE),
			 0);
	assert_int_equal(feeds(f, "dXNlcg==\r\n", &ev), IFE_IMAP_EV_AUTH_LINE);
	assert_int_equal(ev.data.len, 8);
	assert_false(ev.auth_cancel);
	/* one-shot: back to commands */
	assert_int_equal(feeds(f, "a NOOP\r\n", &ev), IFE_IMAP_EV_COMMAND);
	assert_int_equal(ife_imap_parser_expect(&f->p, IFE_IMAP_MODE_IDLE), 0);
	assert_int_equal(feeds(f, "DO", &ev), IFE_IMAP_EV_NEED_MORE);
	assert_int_equal(feeds(f, "NE\r\n", &ev), IFE_IMAP_EV_IDLE_DONE);
	assert_int_equal(feeds(f, "DONE\r\n", &ev), IFE_IMAP_EV_ERROR);
	assert_string_equal(ev.text, "Missing command");
	fx_free(f);
}

static void
test_imap_parser_mutf7(void **state)
{
	(void)state;
	char out[64];
	long n = ife_imap_mutf7_decode("&AMk-t&AOk-", 11, out, sizeof(out));
	assert_int_equal(n, 5);
	assert_memory_equal(out, "\xc3\x89t\xc3\xa9", 5);
	n = ife_imap_mutf7_decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-", 31, out,
				  sizeof(out));
	assert_true(n > 0);
	assert_memory_equal(out,
			    "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
			    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
			    (size_t)n);
	char enc[64];
	long m = ife_imap_mutf7_encode(out, (size_t)n, enc, sizeof(enc));
	assert_int_equal(m, 31);
	assert_memory_equal(enc, "~peter/mail/&U,BTFw-/&ZeVnLIqe-", 31);
	/* supplementary plane (U+1F600) round trip */
	m = ife_imap_mutf7_encode("\xf0\x9f\x98\x80", 4, enc, sizeof(enc));
	assert_true(m > 0);
	n = ife_imap_mutf7_decode(enc, (size_t)m, out, sizeof(out));
	assert_int_equal(n, 4);
	assert_memory_equal(out, "\xf0\x9f\x98\x80", 4);
	assert_int_equal(ife_imap_mutf7_encode("a&b", 3, enc, sizeof(enc)), 4);
	assert_memory_equal(enc, "a&-b", 4);
	assert_int_equal(ife_imap_mutf7_decode("&AGE-", 5, out, 64), -1);
	assert_int_equal(ife_imap_mutf7_decode("\xc3\xa9", 2, out, 64), -1);
	assert_int_equal(ife_imap_mutf7_decode("abc", 3, out, 2), -2);
	assert_int_equal(ife_imap_mutf7_encode("\xff", 1, enc, 64), -1);
	assert_int_equal(ife_imap_mutf7_encode("a\tb", 3, enc, 64), -1);
	assert_true(ife_imap_utf8_valid("\xe2\x82\xac", 3));
	assert_false(ife_imap_utf8_valid("\xe2\x82", 2));
	assert_false(ife_imap_utf8_valid("\xf4\x90\x80\x80", 4));
}

static void
test_imap_parser_mailbox_decoded(void **state)
{
	(void)state;
	struct fx *f = fx_new(&ife_imap_limits_postauth);
	struct ife_imap_event ev;
	assert_int_equal(feeds(f, "a SELECT &AMk-t&AOk-\r\n", &ev),
			 IFE_IMAP_EV_COMMAND);
	const struct ife_imap_mailbox *m = &ev.cmd->u.select.mbox;
	assert_false(m->inbox);
	assert_int_equal(m->raw.len, 11);
	assert_int_equal(m->name.len, 5);
	assert_memory_equal(m->name.ptr, "\xc3\x89t\xc3\xa9", 5);
	assert_int_equal(feeds(f, "a SELECT iNbOx\r\n", &ev),
			 IFE_IMAP_EV_COMMAND);
	assert_true(ev.cmd->u.select.mbox.inbox);
	assert_string_equal(ev.cmd->u.select.mbox.name.ptr, "INBOX");
	fx_free(f);

	/* the same switch per parser (after ENABLE UTF8=ACCEPT) */
	f = fx_new(&ife_imap_limits_postauth);
	assert_int_equal(feeds(f, "a SELECT \"caf\xc3\xa9\"\r\n", &ev),
			 IFE_IMAP_EV_ERROR);
	ife_imap_parser_set_utf8(&f->p, true);
	assert_int_equal(feeds(f, "a SELECT \"caf\xc3\xa9\"\r\n", &ev),
			 IFE_IMAP_EV_COMMAND);
	assert_int_equal(ev.cmd->u.select.mbox.name.len, 5);
	fx_free(f);

	/* UTF8=ACCEPT / IMAP4rev2: UTF-8 names, no modified UTF-7 */
	struct ife_imap_limits u = ife_imap_limits_postauth;
	u.utf8 = true;
	f = fx_new(&u);
	assert_int_equal(feeds(f, "a SELECT \"caf\xc3\xa9\"\r\n", &ev),
			 IFE_IMAP_EV_COMMAND);
	assert_int_equal(ev.cmd->u.select.mbox.name.len, 5);
	assert_int_equal(feeds(f, "a SELECT {2+}\r\n\xc3\x28\r\n", &ev),
			 IFE_IMAP_EV_ERROR);
	assert_string_equal(ev.text, "Invalid mailbox name");
	fx_free(f);
}

static void
test_imap_parser_search_program(void **state)
{
	(void)state;
	struct fx *f = fx_new(&ife_imap_limits_postauth);
	struct ife_imap_event ev;
	assert_int_equal(feeds(f,
			       "a UID SEARCH RETURN (MIN COUNT) CHARSET "
			       "UTF-8 OR (FROM x 1:5) NOT SEEN LARGER 10\r\n",
			       &ev),
			 IFE_IMAP_EV_COMMAND);
	const struct ife_imap_search *s = &ev.cmd->u.search;
	assert_true(ev.cmd->uid);
	assert_true(s->has_return);
	assert_int_equal(s->ret, IFE_IMAP_SRET_MIN | IFE_IMAP_SRET_COUNT);
	assert_memory_equal(s->charset.ptr, "UTF-8", 5);
	/* AND[OR[AND[FROM, SEQSET], NOT[SEEN]], LARGER] */
	assert_int_equal(s->nkeys, 8);
	const struct ife_imap_search_key *k = s->keys;
	assert_int_equal(k[0].op, IFE_IMAP_SK_AND);
	assert_int_equal(k[0].nchild, 2);
	assert_int_equal(k[0].end, 8);
	assert_int_equal(k[1].op, IFE_IMAP_SK_OR);
	assert_int_equal(k[1].nchild, 2);
	assert_int_equal(k[1].end, 7);
	assert_int_equal(k[2].op, IFE_IMAP_SK_AND);
	assert_int_equal(k[2].end, 5);
	assert_int_equal(k[3].op, IFE_IMAP_SK_FROM);
	assert_int_equal(k[4].op, IFE_IMAP_SK_SEQSET);
	assert_int_equal(k[4].u.set.n, 1);
	assert_int_equal(k[4].u.set.r[0].lo, 1);
	assert_int_equal(k[4].u.set.r[0].hi, 5);
	assert_int_equal(k[5].op, IFE_IMAP_SK_NOT);
	assert_int_equal(k[5].end, 7);
	assert_int_equal(k[6].op, IFE_IMAP_SK_SEEN);
	assert_int_equal(k[7].op, IFE_IMAP_SK_LARGER);
	assert_int_equal(k[7].u.num, 10);
	fx_free(f);
}

static void
test_imap_parser_search_depth_limit(void **state)
{
	(void)state;
	struct fx *f = fx_new(&ife_imap_limits_postauth);
	struct ife_imap_event ev;
	char in[400];
	for (unsigned depth = 64; depth <= 65; depth++) {
		size_t n = (size_t)snprintf(in, sizeof(in), "a SEARCH ");
		for (unsigned i = 0; i < depth; i++)
			in[n++] = '(';
		n += (size_t)snprintf(in + n, sizeof(in) - n, "SEEN");
		for (unsigned i = 0; i < depth; i++)
			in[n++] = ')';
		memcpy(in + n, "\r\n", 3);
		enum ife_imap_ev k = feeds(f, in, &ev);
		if (depth == 64) {
			assert_int_equal(k, IFE_IMAP_EV_COMMAND);
		} else {
			assert_int_equal(k, IFE_IMAP_EV_ERROR);
			assert_int_equal(ev.err, IFE_ELIMIT);
			assert_string_equal(ev.text, "Nesting too deep");
		}
	}
	/* 10000 NOTs: bounded, no recursion */
	size_t big = 10 + 4 * 10000 + 8;
	char *s = malloc(big);
	assert_non_null(s);
	size_t n = (size_t)snprintf(s, big, "a SEARCH ");
	for (int i = 0; i < 10000; i++) {
		memcpy(s + n, "NOT ", 4);
		n += 4;
	}
	memcpy(s + n, "SEEN\r\n", 7);
	assert_int_equal(feeds(f, s, &ev), IFE_IMAP_EV_ERROR);
	assert_string_equal(ev.text, "Nesting too deep");
	free(s);
	fx_free(f);
}

static void
test_imap_parser_fetch_typed(void **state)
{
	(void)state;
	struct fx *f = fx_new(&ife_imap_limits_postauth);
	struct ife_imap_event ev;
	assert_int_equal(feeds(f,
			       "a UID FETCH 1:*,7 (FLAGS BODY.PEEK[1.2."
			       "HEADER.FIELDS (FROM TO)]<5.10> BINARY[3]) "
			       "(CHANGEDSINCE 99 VANISHED)\r\n",
			       &ev),
			 IFE_IMAP_EV_COMMAND);
	const struct ife_imap_fetch *fe = &ev.cmd->u.fetch;
	assert_int_equal(fe->set.n, 2);
	assert_int_equal(fe->set.r[0].lo, 1);
	assert_int_equal(fe->set.r[0].hi, IFE_IMAP_SEQ_STAR);
	assert_int_equal(fe->set.r[1].lo, 7);
	assert_int_equal(fe->natts, 3);
	assert_int_equal(fe->atts[0].item, IFE_IMAP_FETCH_FLAGS);
	const struct ife_imap_fetch_att *b = &fe->atts[1];
	assert_int_equal(b->item, IFE_IMAP_FETCH_BODY_SECTION);
	assert_true(b->peek);
	assert_int_equal(b->nparts, 2);
	assert_int_equal(b->parts[0], 1);
	assert_int_equal(b->parts[1], 2);
	assert_int_equal(b->section, IFE_IMAP_SECT_HEADER_FIELDS);
	assert_int_equal(b->nfields, 2);
	assert_memory_equal(b->fields[1].ptr, "TO", 2);
	assert_true(b->has_partial);
	assert_int_equal(b->partial_off, 5);
	assert_int_equal(b->partial_len, 10);
	assert_int_equal(fe->atts[2].item, IFE_IMAP_FETCH_BINARY);
	assert_true(fe->has_changedsince);
	assert_int_equal(fe->changedsince, 99);
	assert_true(fe->vanished);

	assert_int_equal(feeds(f, "a FETCH 1 FULL\r\n", &ev),
			 IFE_IMAP_EV_COMMAND);
	assert_int_equal(ev.cmd->u.fetch.macro, IFE_IMAP_MACRO_FULL);
	assert_int_equal(ev.cmd->u.fetch.natts, 5);
	assert_int_equal(ev.cmd->u.fetch.atts[4].item, IFE_IMAP_FETCH_BODY);

	assert_int_equal(feeds(f,
			       "a STORE 2 -FLAGS.SILENT (\\Seen \\Deleted "
			       "$Junk)\r\n",
			       &ev),
			 IFE_IMAP_EV_COMMAND);
	const struct ife_imap_store *st = &ev.cmd->u.store;
	assert_int_equal(st->op, -1);
	assert_true(st->silent);
	assert_int_equal(st->flags.n, 3);
	assert_int_equal(st->flags.system,
			 IFE_IMAP_FLAG_SEEN | IFE_IMAP_FLAG_DELETED);
	fx_free(f);
}

static void
test_imap_parser_dates_typed(void **state)
{
	(void)state;
	struct fx *f = fx_new(&ife_imap_limits_postauth);
	struct ife_imap_event ev;
	assert_int_equal(feeds(f,
			       "a APPEND INBOX \"28-Feb-2024 23:05:09 "
			       "-0730\" {0+}\r\n",
			       &ev),
			 IFE_IMAP_EV_APPEND);
	const struct ife_imap_date *d = &ev.cmd->u.append.cur.date;
	assert_int_equal(d->year, 2024);
	assert_int_equal(d->mon, 2);
	assert_int_equal(d->day, 28);
	assert_int_equal(d->hour, 23);
	assert_int_equal(d->min, 5);
	assert_int_equal(d->sec, 9);
	assert_int_equal(d->zone, -450);
	assert_int_equal(feed(f, "\r\n", 2, &ev), IFE_IMAP_EV_COMMAND);
	fx_free(f);
}

static void
test_imap_parser_big_literal_chunks(void **state)
{
	(void)state;
	/* a 1 MiB APPEND fed in 1500-byte segments: all bytes arrive once,
	 * as views into each segment, and the arena is never written */
	struct fx *f = fx_new(&ife_imap_limits_postauth);
	struct ife_imap_event ev;
	size_t msg = 1 << 20;
	char hdr[64];
	int hl = snprintf(hdr, sizeof(hdr), "a APPEND INBOX {%zu+}\r\n", msg);
	size_t total = (size_t)hl + msg + 2;
	char *in = malloc(total);
	assert_non_null(in);
	memcpy(in, hdr, (size_t)hl);
	for (size_t i = 0; i < msg; i++)
		in[hl + i] = (char)('a' + i % 26);
	memcpy(in + hl + msg, "\r\n", 2);
	size_t pos = 0, got = 0;
	uint64_t sum = 0;
	bool done = false;
	while (pos < total && !done) {
		size_t seg = total - pos < 1500 ? total - pos : 1500;
		size_t off = 0;
		while (off < seg) {
			enum ife_imap_ev k =
				feed(f, in + pos + off, seg - off, &ev);
			if (k == IFE_IMAP_EV_LITERAL) {
				assert_true(ev.data.ptr >= in + pos + off);
				assert_true(ev.data.ptr + ev.data.len <=
					    in + pos + seg);
				for (uint32_t i = 0; i < ev.data.len; i++)
					sum += (uint8_t)ev.data.ptr[i];
				got += ev.data.len;
			} else if (k == IFE_IMAP_EV_COMMAND) {
				done = true;
			} else {
				assert_true(k == IFE_IMAP_EV_APPEND ||
					    k == IFE_IMAP_EV_NEED_MORE);
			}
			off += ev.consumed;
			if (k == IFE_IMAP_EV_NEED_MORE)
				break;
		}
		pos += seg;
	}
	assert_true(done);
	assert_int_equal(got, msg);
	uint64_t want = 0;
	for (size_t i = 0; i < msg; i++)
		want += (uint8_t)('a' + i % 26);
	assert_int_equal(sum, want);
	free(in);
	fx_free(f);
}

static void
test_imap_parser_append_format_data(void **state)
{
	(void)state;
	/* the canonical form of an APPEND carries the data it is given; a
	 * data length that is not the sum of the sizes gives headers only */
	struct fx *f = fx_new(&ife_imap_limits_postauth);
	struct ife_imap_event ev;
	char in[] = "a APPEND INBOX (\\Seen) {3}\r\nabc ~{2+}\r\nx\0\r\n";
	size_t pos = 0, len = sizeof(in) - 1;
	enum ife_imap_ev k;
	do {
		k = feed(f, in + pos, len - pos, &ev);
		pos += ev.consumed;
	} while (k == IFE_IMAP_EV_APPEND || k == IFE_IMAP_EV_LITERAL);
	assert_int_equal(k, IFE_IMAP_EV_COMMAND);
	assert_int_equal(pos, len);
	const struct ife_imap_command *c = ev.cmd;
	char buf[128];
	static const char hdrs[] = "a APPEND INBOX (\\Seen) {3+} ~{2+}";
	static const char full[] =
		"a APPEND INBOX (\\Seen) {3+}\r\nabc ~{2+}\r\nx\0";
	assert_int_equal(ife_imap_command_format(c, buf, sizeof(buf)),
			 strlen(hdrs));
	assert_string_equal(buf, hdrs);
	assert_int_equal(imap_command_format_data(c, NULL, 0, buf, sizeof(buf)),
			 strlen(hdrs));
	assert_int_equal(
		imap_command_format_data(c, "abcx", 4, buf, sizeof(buf)),
		strlen(hdrs));
	assert_int_equal(
		imap_command_format_data(c, "abcx\0?", 6, buf, sizeof(buf)),
		strlen(hdrs));
	assert_int_equal(
		imap_command_format_data(c, "abcx\0", 5, buf, sizeof(buf)),
		sizeof(full) - 1);
	assert_memory_equal(buf, full, sizeof(full));
	/* too small: the length it needs, truncated and NUL-terminated */
	assert_int_equal(imap_command_format_data(c, "abcx\0", 5, buf, 20),
			 sizeof(full) - 1);
	assert_int_equal(strlen(buf), 19);
	fx_free(f);
}

static void
test_imap_parser_append_data_cap(void **state)
{
	(void)state;
	/* the driver (and imapfe-parse) keeps at most data_cap bytes of one
	 * APPEND's messages: over it, NO and no canonical form, the stream
	 * stays in step */
	size_t asz = arena_size();
	void *arena = malloc(asz);
	void *rt = malloc(asz);
	struct imap_drv d;
	assert_non_null(arena);
	assert_non_null(rt);
	assert_int_equal(
		imap_drv_init(&d, &ife_imap_limits_postauth, NULL, arena, asz),
		0);
	d.roundtrip = true;
	d.rt_arena = rt;
	d.rt_size = asz;
	d.data_cap = 5;
	const char *in = "a APPEND INBOX {3+}\r\nabc {3+}\r\ndef {1+}\r\ng\r\n"
			 "b APPEND INBOX {2+}\r\nxy {3}\r\nabc\r\n"
			 "c NOOP\r\n";
	imap_drv_run(&d, in, strlen(in), 0);
	assert_string_equal(
		d.out.buf, "APPEND 0 3\nDATA \"abc\"\nAPPEND 1 3\n"
			   "NO a APPEND data over the 5-byte limit\n"
			   "APPEND 2 1\n"
			   "APPEND 0 2\nDATA \"xy\"\nAPPEND 1 3\n"
			   "+ Ready for literal data\nDATA \"abc\"\n"
			   "OK b APPEND b APPEND INBOX {2+}\r\nxy {3+}\r\nabc\n"
			   "OK c NOOP c NOOP\n");
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.rt_failures, 0);
	imap_drv_free(&d);
	free(arena);
	free(rt);
}

static void
test_imap_parser_append_canonical_big(void **state)
{
	(void)state;
	/* a 1 MiB message in 1500-byte segments: the canonical form holds
	 * all of it and parses back to itself */
	size_t asz = arena_size();
	void *arena = malloc(asz);
	void *rt = malloc(asz);
	struct imap_drv d;
	size_t msg = 1 << 20;
	char hdr[64];
	int hl = snprintf(hdr, sizeof(hdr), "a APPEND INBOX ~{%zu+}\r\n", msg);
	size_t total = (size_t)hl + msg + 2;
	char *in = malloc(total);
	assert_non_null(arena);
	assert_non_null(rt);
	assert_non_null(in);
	memcpy(in, hdr, (size_t)hl);
	for (size_t i = 0; i < msg; i++)
		in[hl + i] = (char)(i * 7 % 256);
	memcpy(in + hl + msg, "\r\n", 2);
	assert_int_equal(
		imap_drv_init(&d, &ife_imap_limits_postauth, NULL, arena, asz),
		0);
	d.roundtrip = true;
	d.rt_arena = rt;
	d.rt_size = asz;
	d.data_max = 0;
	imap_drv_run(&d, in, total, 1500);
	assert_int_equal(d.rt_failures, 0);
	assert_int_equal(d.errors, 0);
	static const char head[] = "APPEND 0 1048576\nDATA \"...\"\n"
				   "OK a APPEND a APPEND INBOX ~{1048576+}\r\n";
	assert_int_equal(d.out.len, sizeof(head) - 1 + msg + 1);
	assert_memory_equal(d.out.buf, head, sizeof(head) - 1);
	assert_memory_equal(d.out.buf + sizeof(head) - 1, in + hl, msg);
	imap_drv_free(&d);
	free(in);
	free(arena);
	free(rt);
}

static void
test_imap_parser_set_arena_moves_partial_command(void **state)
{
	(void)state;
	struct fx *f = fx_new(&ife_imap_limits_postauth);
	struct ife_imap_event ev;
	size_t sz = arena_size();
	uint8_t *other = malloc(sz + 1);
	assert_non_null(other);
	assert_int_equal(feeds(f, "a LOGIN us", &ev), IFE_IMAP_EV_NEED_MORE);
	assert_true(ife_imap_parser_busy(&f->p));
	assert_int_equal(ife_imap_parser_set_arena(&f->p, other, 1000),
			 -EINVAL);
	/* an odd address: structures must still be aligned */
	assert_int_equal(ife_imap_parser_set_arena(&f->p, other + 1, sz), 0);
	memset(f->arena, 0x55, f->size);
	assert_int_equal(feeds(f, "er pass\r\n", &ev), IFE_IMAP_EV_COMMAND);
	assert_true(ife_imap_str_in_arena(&f->p, &ev.cmd->u.login.user));
	assert_memory_equal(ev.cmd->u.login.user.ptr, "user", 4);
	assert_int_equal((uintptr_t)ev.cmd % 8, 0);
	assert_int_equal(
		feeds(f, "b UID FETCH 1:5,7 (FLAGS BODY[1.2])\r\n", &ev),
		IFE_IMAP_EV_COMMAND);
	assert_int_equal((uintptr_t)ev.cmd->u.fetch.set.r % 4, 0);
	assert_int_equal(ev.cmd->u.fetch.natts, 2);
	assert_int_equal(feeds(f, "c LOGIN {3}\r\n", &ev),
			 IFE_IMAP_EV_CONTINUE);
	assert_int_equal(ife_imap_parser_set_arena(&f->p, f->arena, f->size),
			 IFE_ESTATE);
	assert_int_equal(ife_imap_parser_reject(&f->p), 0);
	/* a small private arena bounds the command size */
	assert_int_equal(ife_imap_parser_set_arena(&f->p, other, 4096), 0);
	char big[5000];
	memset(big, 'x', sizeof(big));
	memcpy(big, "d LOGIN ", 8);
	assert_int_equal(feed(f, big, sizeof(big), &ev), IFE_IMAP_EV_ERROR);
	assert_int_equal(ev.err, IFE_ELIMIT);
	assert_int_equal(
		feed(f, big + ev.consumed, sizeof(big) - ev.consumed, &ev),
		IFE_IMAP_EV_NEED_MORE);
	assert_int_equal(feeds(f, "\r\ne NOOP\r\n", &ev), IFE_IMAP_EV_COMMAND);
	assert_memory_equal(ev.cmd->tag.ptr, "e", 1);
	assert_int_equal(feeds(f, "f LOGIN {4000}\r\n", &ev),
			 IFE_IMAP_EV_ERROR);
	assert_string_equal(ev.text, "Literal too large");
	free(other);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_imap_parser_case_count),
		cmocka_unit_test(test_imap_parser_cases_whole),
		cmocka_unit_test(test_imap_parser_cases_bytewise),
		cmocka_unit_test(test_imap_parser_cases_every_split),
		cmocka_unit_test(test_imap_parser_cases_guard_page),
		cmocka_unit_test(test_imap_parser_state_size),
		cmocka_unit_test(test_imap_parser_init_checks_arena),
		cmocka_unit_test(test_imap_parser_zero_copy_views),
		cmocka_unit_test(test_imap_parser_pipelined_one_event_per_call),
		cmocka_unit_test(test_imap_parser_append_streams_input_views),
		cmocka_unit_test(test_imap_parser_reject_sync_literal),
		cmocka_unit_test(test_imap_parser_reject_nonsync_literal),
		cmocka_unit_test(test_imap_parser_limits_switch_after_login),
		cmocka_unit_test(test_imap_parser_bye_is_sticky),
		cmocka_unit_test(test_imap_parser_expect_modes),
		cmocka_unit_test(test_imap_parser_mutf7),
		cmocka_unit_test(test_imap_parser_mailbox_decoded),
		cmocka_unit_test(test_imap_parser_search_program),
		cmocka_unit_test(test_imap_parser_search_depth_limit),
		cmocka_unit_test(test_imap_parser_fetch_typed),
		cmocka_unit_test(test_imap_parser_dates_typed),
		cmocka_unit_test(test_imap_parser_big_literal_chunks),
		cmocka_unit_test(test_imap_parser_append_format_data),
		cmocka_unit_test(test_imap_parser_append_data_cap),
		cmocka_unit_test(test_imap_parser_append_canonical_big),
		cmocka_unit_test(
			test_imap_parser_set_arena_moves_partial_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
