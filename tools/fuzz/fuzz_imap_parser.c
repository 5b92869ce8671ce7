/*
 * libFuzzer target for the IMAP command parser and response writer.
 *
 * Byte 0 picks the limits (post-auth, pre-auth, tiny), UTF-8 mode and
 * which literals the "session" refuses; the rest is a client stream. The stream
 * is parsed whole, one byte at a time and in 7-byte chunks: the three
 * transcripts must be identical (the parser is split-independent), every
 * canonical form (APPEND included, with its message data) must parse back to
 * itself, and nothing may crash, hang or read out of bounds. Transcripts are
 * compared by length, not as strings: literal8 data may hold NUL. The same
 * bytes then go through the writer as an astring and must read back
 * unchanged.
 *
 * Replayed over the seed corpus in every build (tools/fuzz/standalone_main.c)
 * and fuzzed for fuzz_seconds in the clang -Dfuzz=true build.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_driver.h"
#include "imapfe/imap_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct ife_imap_limits tiny = {
	.max_line = 48,
	.max_command = 128,
	.max_literal = 24,
	.max_nonsync = 12,
	.max_append = 64,
	.max_depth = 3,
	.max_tag = 8,
	.max_args = 12,
	.max_append_msgs = 2,
};

/* arenas for the largest limits, allocated once */
static uint8_t arena[1 << 20], rta[1 << 20];

static char *
transcript(const struct ife_imap_limits *lim, const char *in, size_t n,
	   size_t step, bool rt, uint32_t reject, size_t *tlen)
{
	size_t asz = sizeof(arena);
	struct imap_drv d;
	if (imap_drv_init(&d, lim, NULL, arena, asz) != 0)
		abort();
	d.roundtrip = rt;
	d.reject_bits = reject;
	d.rt_arena = rta;
	d.rt_size = asz;
	imap_drv_run(&d, in, n, step);
	char *t = malloc(d.out.len + 1);
	if (t == NULL)
		abort();
	memcpy(t, d.out.buf ? d.out.buf : "", d.out.len);
	t[d.out.len] = '\0';
	*tlen = d.out.len;
	if (d.rt_failures) {
		fprintf(stderr, "canonical form does not round-trip:\n%s\n", t);
		abort();
	}
	imap_drv_free(&d);
	return t;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct ife_imap_limits lim;
	switch (data[0] & 3) {
	case 0:
	case 3:
		lim = ife_imap_limits_postauth;
		break;
	case 1:
		lim = ife_imap_limits_preauth;
		break;
	default:
		lim = tiny;
		break;
	}
	lim.utf8 = (data[0] & 4) != 0;
	const char *in = (const char *)data + 1;
	size_t n = size - 1;
	/* bits 3-7 of byte 0: refuse some literals (reject path) */
	uint32_t rej = (data[0] >> 3) * 0x08421084u;
	size_t na, nb, nc;
	char *a = transcript(&lim, in, n, 0, true, rej, &na);
	char *b = transcript(&lim, in, n, 1, false, rej, &nb);
	char *c = transcript(&lim, in, n, 7, false, rej, &nc);
	if (na != nb || na != nc || memcmp(a, b, na) != 0 ||
	    memcmp(a, c, na) != 0) {
		fprintf(stderr,
			"split changes the result:\n--- whole\n%s\n"
			"--- bytewise\n%s\n--- 7\n%s\n",
			a, b, c);
		abort();
	}
	free(a);
	free(b);
	free(c);

	/* writer: any bytes as an astring read back unchanged */
	if (n < 4096 && memchr(in, 0, n) == NULL) {
		size_t cap = 2 * n + 64; /* worst case: every byte escaped */
		char *buf = malloc(cap);
		size_t asz = sizeof(arena);
		if (buf == NULL)
			abort();
		struct ife_imap_writer w;
		size_t len;
		ife_imap_writer_init(&w, buf, cap);
		ife_imap_writer_set_utf8(&w, lim.utf8);
		ife_imap_w_raw(&w, "t GETQUOTA ", 11);
		ife_imap_w_astring(&w, in, n);
		ife_imap_w_crlf(&w);
		if (ife_imap_writer_finish(&w, &len) != 0)
			abort();
		struct ife_imap_parser p;
		struct ife_imap_limits pl = ife_imap_limits_postauth;
		pl.utf8 = true;
		if (ife_imap_parser_init(&p, &pl, arena, asz) != 0)
			abort();
		struct ife_imap_event ev;
		size_t pos = 0;
		enum ife_imap_ev k;
		do {
			k = ife_imap_parser_feed(&p, buf + pos, len - pos, &ev);
			pos += ev.consumed;
		} while (k == IFE_IMAP_EV_CONTINUE);
		if (n <= pl.max_literal &&
		    (k != IFE_IMAP_EV_COMMAND ||
		     ev.cmd->u.quota.root.len != n ||
		     memcmp(ev.cmd->u.quota.root.ptr, in, n) != 0)) {
			fprintf(stderr, "writer output did not read back\n");
			abort();
		}
		free(buf);
	}
	return 0;
}
