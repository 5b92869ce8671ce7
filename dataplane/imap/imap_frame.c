/*
 * Framing: the resumable state machine behind ife_imap_parser_feed().
 *
 * A command is a sequence of line segments separated by literals (RFC 9051
 * section 4.3): "tag SP name ... {n}" CRLF <n bytes> "..." CRLF. The framer
 * finds segment ends with memchr, recognises a literal header at the end of
 * a segment, enforces the limits, and hands one complete command text (data
 * of ordinary literals inline, APPEND message data left out) to the grammar
 * (imap_parser.c). The grammar never sees a partial command, so it needs no
 * resumable state of its own: resumability lives here, in a few integers.
 *
 * Where the text lives: if the whole command arrives in the feed call that
 * completes it, the grammar runs over the caller's input in place (zero
 * copy). Otherwise each piece is appended to the arena as it arrives.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "imap_pvt.h"

static_assert(sizeof(struct ife_imap_parser) <= 256,
	      "parser state must stay within 256 bytes");

const struct ife_imap_limits ife_imap_limits_preauth = {
	.max_line = 8192,
	.max_command = 16384,
	.max_literal = 8192,
	.max_nonsync = 4096,
	.max_append = 0,
	.max_depth = 8,
	.max_tag = 64,
	.max_args = 64,
	.max_append_msgs = 1,
	.utf8 = false,
};

const struct ife_imap_limits ife_imap_limits_postauth = {
	.max_line = 65536,
	.max_command = 262144,
	.max_literal = 65536,
	.max_nonsync = 65536,
	.max_append = UINT64_C(64) << 20,
	.max_depth = 64,
	.max_tag = 64,
	.max_args = 16384,
	.max_append_msgs = 1000,
	.utf8 = false,
};

static int
check_limits(const struct ife_imap_limits *lim, size_t size)
{
	if (lim == NULL || lim->max_command < lim->max_line ||
	    lim->max_line < 16 || lim->max_tag == 0 || lim->max_args == 0 ||
	    lim->max_depth > IFE_IMAP_MAX_DEPTH || size > UINT32_MAX ||
	    size < (size_t)lim->max_command + 1024)
		return -EINVAL;
	return 0;
}

static void
cmd_reset(struct ife_imap_parser *p)
{
	p->state = FR_TEXT;
	p->copying = 0;
	p->kind = 0;
	p->text_len = 0;
	p->line_len = 0;
	p->seg_start = 0;
	p->scan = 0;
	p->nmsgs = 0;
	p->cmd_bytes = 0;
	p->lit_left = 0;
	p->disc_st = 0;
	p->disc_num = 0;
}

int
ife_imap_parser_init(struct ife_imap_parser *p,
		     const struct ife_imap_limits *lim, void *arena,
		     size_t size)
{
	int r = check_limits(lim, size);
	if (r < 0 || arena == NULL)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->arena = arena;
	p->arena_size = (uint32_t)size;
	p->lim = lim;
	cmd_reset(p);
	return 0;
}

int
ife_imap_parser_set_limits(struct ife_imap_parser *p,
			   const struct ife_imap_limits *lim)
{
	int r = check_limits(lim, p->arena_size);
	if (r < 0)
		return r;
	p->lim = lim;
	return 0;
}

int
ife_imap_parser_set_arena(struct ife_imap_parser *p, void *arena, size_t size)
{
	/* smaller than the limits is allowed here: the command size is then
	 * bounded by the arena (cmd_limit) */
	if (arena == NULL || size < 2048 || size > UINT32_MAX ||
	    (p->copying && (size_t)p->text_len + 1024 > size))
		return -EINVAL;
	if (p->state == FR_WAIT_CONT || p->state == FR_APPEND_WAIT)
		return IFE_ESTATE;
	if (p->copying && (uint8_t *)arena != p->arena)
		memmove(arena, p->arena, p->text_len);
	p->arena = arena;
	p->arena_size = (uint32_t)size;
	return 0;
}

void
ife_imap_parser_set_utf8(struct ife_imap_parser *p, bool on)
{
	p->utf8 = on;
}

bool
ife_imap_parser_busy(const struct ife_imap_parser *p)
{
	return p->state != FR_TEXT || p->line_len != 0;
}

int
ife_imap_parser_expect(struct ife_imap_parser *p, enum ife_imap_mode m)
{
	if (ife_imap_parser_busy(p) || m > IFE_IMAP_MODE_IDLE)
		return IFE_ESTATE;
	p->mode = (uint8_t)m;
	return 0;
}

void
ife_imap_parser_reset(struct ife_imap_parser *p)
{
	if (p->state == FR_CLOSED)
		return;
	cmd_reset(p);
	p->mode = IFE_IMAP_MODE_COMMAND;
}

int
ife_imap_parser_reject(struct ife_imap_parser *p)
{
	if (p->state != FR_WAIT_CONT && p->state != FR_APPEND_WAIT)
		return IFE_ESTATE;
	uint64_t left = p->lit_left;
	bool sync = p->lit_sync;
	cmd_reset(p);
	if (!sync) {
		/* the data is on its way: skip it, then the rest of the line */
		p->state = FR_DISCARD_LIT;
		p->lit_left = left;
	}
	return 0;
}

bool
ife_imap_str_in_arena(const struct ife_imap_parser *p,
		      const struct ife_imap_str *s)
{
	const uint8_t *x = (const uint8_t *)s->ptr;
	return x != NULL && x >= p->arena && x < p->arena + p->arena_size;
}

/* ------------------------------------------------------------- helpers */

/* Largest command (text + ordinary literals): the limit, or what the arena
 * can hold with room for the parsed structures, whichever is smaller. */
static uint64_t
cmd_limit(const struct ife_imap_parser *p)
{
	uint64_t a = p->arena_size - 1024;
	return a < p->lim->max_command ? a : p->lim->max_command;
}

/* Tag at the start of a command text, for error replies; len 0 if none. */
static struct ife_imap_str
text_tag(const struct ife_imap_parser *p, const uint8_t *t, size_t n)
{
	struct ife_imap_str s = {0};
	size_t i = 0;
	while (i < n && (imap_ctype[t[i]] & IMAP_C_TAG))
		i++;
	/* a tag must be followed by SP (a cut line has no trusted tag) */
	if (i == 0 || i > p->lim->max_tag || i == n || t[i] != ' ')
		return s;
	s.ptr = (const char *)t;
	s.len = (uint32_t)i;
	return s;
}

/*
 * Literal header at the end of a line segment seg[0..n) (CRLF excluded):
 * "{digits}" / "{digits+}", optionally preceded by "~". The "{" must be
 * outside a quoted string (tracked from the segment start).
 */
static bool
find_literal(const uint8_t *seg, size_t n, uint64_t *size, bool *sync,
	     bool *lit8)
{
	if (n < 3 || seg[n - 1] != '}')
		return false;
	size_t i = n - 1;
	*sync = true;
	if (seg[i - 1] == '+') {
		*sync = false;
		i--;
	}
	size_t dend = i;
	while (i > 0 && seg[i - 1] >= '0' && seg[i - 1] <= '9')
		i--;
	if (i == dend || i == 0 || seg[i - 1] != '{' || dend - i > 19)
		return false;
	size_t brace = i - 1;
	uint64_t v = 0;
	for (size_t k = i; k < dend; k++)
		v = v * 10 + (uint64_t)(seg[k] - '0');
	if (v > UINT64_C(0x7fffffffffffffff))
		return false;
	bool inq = false;
	for (size_t k = 0; k < brace; k++) {
		if (inq && seg[k] == '\\' && k + 1 < brace)
			k++;
		else if (seg[k] == '"')
			inq = !inq;
	}
	if (inq)
		return false;
	*lit8 = brace > 0 && seg[brace - 1] == '~';
	*size = v;
	return true;
}

/* ---------------------------------------------------------------- feed */

struct feed_ctx {
	struct ife_imap_parser *p;
	const uint8_t *in;
	size_t len, pos;
	size_t cmd0; /* input offset where the command text starts */
	struct ife_imap_event *ev;
};

static const uint8_t *
text_base(const struct feed_ctx *c)
{
	return c->p->copying ? c->p->arena : c->in + c->cmd0;
}

static size_t
text_size(const struct feed_ctx *c)
{
	return c->p->copying ? c->p->text_len : c->pos - c->cmd0;
}

/* Move the command text seen so far (input) into the arena. */
static void
to_arena(struct feed_ctx *c)
{
	struct ife_imap_parser *p = c->p;
	if (p->copying)
		return;
	memcpy(p->arena, c->in + c->cmd0, c->pos - c->cmd0);
	p->text_len = (uint32_t)(c->pos - c->cmd0);
	p->copying = 1;
}

static enum ife_imap_ev
error_ev(struct feed_ctx *c, int code, const char *text, bool bye, uint32_t off)
{
	struct ife_imap_parser *p = c->p;
	struct ife_imap_event *ev = c->ev;
	ev->err = code;
	ev->text = text;
	ev->err_offset = off;
	ev->action = bye ? IFE_IMAP_ACT_BYE : IFE_IMAP_ACT_BAD;
	if (p->mode == IFE_IMAP_MODE_COMMAND)
		ev->tag = text_tag(p, text_base(c), text_size(c));
	ev->consumed = c->pos;
	p->errors++;
	p->mode = IFE_IMAP_MODE_COMMAND;
	if (bye) {
		p->state = FR_CLOSED;
		p->bye_text = text;
		p->bye_err = code;
	}
	return IFE_IMAP_EV_ERROR;
}

static void
lex_init(struct imap_lex *lx, struct ife_imap_parser *p, const uint8_t *t,
	 size_t n, uint32_t base)
{
	memset(lx, 0, sizeof(*lx));
	lx->start = lx->p = t;
	lx->end = t + n;
	lx->ps = p;
	lx->base = base;
	lx->utf8 = p->lim->utf8 || p->utf8;
}

/* The grammar over the complete command text. */
static enum ife_imap_ev
complete_command(struct feed_ctx *c)
{
	struct ife_imap_parser *p = c->p;
	struct imap_lex lx;
	const uint8_t *t = text_base(c);
	size_t n = text_size(c);
	lex_init(&lx, p, t, n, p->copying ? p->text_len : 0);
	lx.elide = p->kind == 2;
	struct ife_imap_command *cmd = imap_alloc(&lx, sizeof(*cmd));
	if (cmd == NULL || !imap_parse_command(&lx, cmd)) {
		enum ife_imap_ev r =
			error_ev(c, lx.code, lx.err, false, lx.err_off);
		cmd_reset(p);
		return r;
	}
	p->commands++;
	c->ev->cmd = cmd;
	c->ev->consumed = c->pos;
	cmd_reset(p);
	return IFE_IMAP_EV_COMMAND;
}

static enum ife_imap_ev
special_line(struct feed_ctx *c)
{
	struct ife_imap_parser *p = c->p;
	const uint8_t *t = text_base(c);
	size_t n = text_size(c) - 2;
	struct ife_imap_event *ev = c->ev;
	uint8_t mode = p->mode;
	if (mode == IFE_IMAP_MODE_IDLE) {
		if (n != 4 || strncasecmp((const char *)t, "DONE", 4) != 0) {
			enum ife_imap_ev r = error_ev(
				c, IFE_EPROTO, "Expected DONE", false, 0);
			cmd_reset(p);
			return r;
		}
		p->mode = IFE_IMAP_MODE_COMMAND;
		ev->consumed = c->pos;
		cmd_reset(p);
		return IFE_IMAP_EV_IDLE_DONE;
	}
	/* SASL response: base64 (RFC 4648, padded) or "*" to cancel */
	bool ok = true;
	if (n == 1 && t[0] == '*') {
		ev->auth_cancel = true;
	} else if (n % 4 != 0) {
		ok = false;
	} else {
		for (size_t i = 0; i < n && ok; i++) {
			uint8_t ch = t[i];
			bool b64 = (ch >= 'A' && ch <= 'Z') ||
				   (ch >= 'a' && ch <= 'z') ||
				   (ch >= '0' && ch <= '9') || ch == '+' ||
				   ch == '/';
			if (ch == '=')
				ok = i >= n - 2 &&
				     (i == n - 1 || t[n - 1] == '=');
			else
				ok = b64;
		}
	}
	if (!ok) {
		enum ife_imap_ev r = error_ev(
			c, IFE_EPROTO, "Invalid base64 response", false, 0);
		cmd_reset(p);
		return r;
	}
	ev->data.ptr = (const char *)t;
	ev->data.len = (uint32_t)n;
	ev->data.kind = IFE_IMAP_STR_ATOM;
	ev->consumed = c->pos;
	p->mode = IFE_IMAP_MODE_COMMAND;
	cmd_reset(p);
	return IFE_IMAP_EV_AUTH_LINE;
}

/* Error at a literal header: sync literals are not coming, non-sync are. */
static enum ife_imap_ev
literal_error(struct feed_ctx *c, int code, const char *text, bool sync,
	      uint64_t n)
{
	struct ife_imap_parser *p = c->p;
	if (!sync && n > p->lim->max_nonsync)
		return error_ev(c, IFE_ELIMIT, "Literal too large", true, 0);
	enum ife_imap_ev r = error_ev(c, code, text, false, 0);
	cmd_reset(p);
	if (!sync) {
		p->state = FR_DISCARD_LIT;
		p->lit_left = n;
	}
	return r;
}

/* APPEND: is this literal a message? Parse the text so far as a prefix. */
static enum ife_imap_ev
append_literal(struct feed_ctx *c, uint64_t n, bool sync, bool lit8,
	       bool *ordinary)
{
	struct ife_imap_parser *p = c->p;
	struct imap_lex lx;
	to_arena(c);
	lex_init(&lx, p, p->arena, p->text_len, p->text_len);
	lx.elide = true;
	lx.prefix = true;
	struct ife_imap_command *cmd = imap_alloc(&lx, sizeof(*cmd));
	if (cmd != NULL)
		imap_parse_command(&lx, cmd);
	if (lx.prefix_other) {
		*ordinary = true;
		return IFE_IMAP_EV_NEED_MORE;
	}
	if (!lx.prefix_hit)
		return literal_error(c, lx.code ? lx.code : IFE_EPROTO,
				     lx.err ? lx.err : "Invalid arguments",
				     sync, n);
	if (n > p->lim->max_append) {
		if (!sync)
			return error_ev(c, IFE_ELIMIT, "Message too large",
					true, 0);
		return literal_error(c, IFE_ELIMIT, "Message too large", sync,
				     n);
	}
	if (p->nmsgs >= p->lim->max_append_msgs)
		return literal_error(c, IFE_ELIMIT, "Too many messages", sync,
				     n);
	(void)lit8;
	p->nmsgs++;
	p->lit_left = n;
	p->lit_sync = sync;
	p->state = FR_APPEND_WAIT;
	c->ev->cmd = cmd;
	c->ev->append_sync = sync;
	c->ev->consumed = c->pos;
	return IFE_IMAP_EV_APPEND;
}

/* A line segment ended (LF just consumed). */
static enum ife_imap_ev
line_end(struct feed_ctx *c, bool *cont)
{
	struct ife_imap_parser *p = c->p;
	const uint8_t *t = text_base(c);
	size_t n = text_size(c);
	*cont = false;
	/* the CR must belong to this segment, not to literal data */
	if (n < p->seg_start + 2 || t[n - 2] != '\r') {
		enum ife_imap_ev r =
			error_ev(c, IFE_EPROTO, "Line must end with CRLF",
				 false, (uint32_t)(n - 1));
		cmd_reset(p);
		return r;
	}
	if (p->mode != IFE_IMAP_MODE_COMMAND)
		return special_line(c);
	if (n == 2) {
		enum ife_imap_ev r =
			error_ev(c, IFE_EPROTO, "Empty command line", false, 0);
		cmd_reset(p);
		return r;
	}
	uint64_t lsize;
	bool sync, lit8;
	if (!find_literal(t + p->seg_start, n - 2 - p->seg_start, &lsize, &sync,
			  &lit8))
		return complete_command(c);

	/* a literal follows: which command is this? */
	if (p->kind == 0) {
		enum ife_imap_cmd cmd;
		bool uid;
		uint32_t tl;
		const uint8_t *after;
		if (!imap_parse_name(t, t + n, &cmd, &uid, &tl, &after))
			return literal_error(c, IFE_EPROTO,
					     tl == 0 ? "Invalid tag"
						     : "Unknown command",
					     sync, lsize);
		if (tl > p->lim->max_tag)
			return literal_error(c, IFE_ELIMIT, "Tag too long",
					     sync, lsize);
		p->kind = cmd == IFE_IMAP_CMD_APPEND ? 2 : 1;
	}
	if (p->kind == 2) {
		bool ordinary = false;
		enum ife_imap_ev r =
			append_literal(c, lsize, sync, lit8, &ordinary);
		if (!ordinary)
			return r;
	}
	if (!sync && lsize > p->lim->max_nonsync)
		return error_ev(c, IFE_ELIMIT,
				"Non-synchronizing literal too large", true, 0);
	if (lsize > p->lim->max_literal || p->cmd_bytes + lsize > cmd_limit(p))
		return literal_error(c, IFE_ELIMIT, "Literal too large", sync,
				     lsize);
	if (sync && p->kind == 1) {
		/* refuse before the client sends the data: the text so far
		 * must be a valid prefix ending where a string may start */
		struct imap_lex lx;
		lex_init(&lx, p, text_base(c), text_size(c),
			 p->copying ? p->text_len : 0);
		lx.prefix = true;
		struct ife_imap_command *cmd = imap_alloc(&lx, sizeof(*cmd));
		if (cmd != NULL)
			imap_parse_command(&lx, cmd);
		if (!lx.prefix_other)
			return literal_error(c, lx.code ? lx.code : IFE_EPROTO,
					     lx.err ? lx.err
						    : "Invalid arguments",
					     true, lsize);
	}
	p->cmd_bytes += lsize;
	p->lit_left = lsize;
	p->lit_sync = sync;
	if (sync) {
		to_arena(c);
		p->state = FR_WAIT_CONT;
		c->ev->consumed = c->pos;
		return IFE_IMAP_EV_CONTINUE;
	}
	p->state = FR_LITERAL;
	*cont = true;
	return IFE_IMAP_EV_NEED_MORE;
}

static void
append_text(struct feed_ctx *c, size_t take)
{
	struct ife_imap_parser *p = c->p;
	if (p->copying) {
		memcpy(p->arena + p->text_len, c->in + c->pos, take);
		p->text_len += (uint32_t)take;
	}
	c->pos += take;
}

/*
 * One byte (not LF) through the recogniser of a "{n+}" CR line end, used
 * while skipping a bad line: disc_st 1 = digits after "{", 2 = "+", 3 =
 * "}", 4 = CR. It depends on everything since the last "{" (the digits may
 * be any number of leading zeros), so disc_prime replays the whole segment
 * already consumed: the state must not depend on where the input was split.
 */
static void
disc_step(struct ife_imap_parser *p, uint8_t ch)
{
	switch (p->disc_st) {
	case 1:
		if (ch >= '0' && ch <= '9' &&
		    p->disc_num < UINT64_C(100000000000000000)) {
			p->disc_num = p->disc_num * 10 + (ch - '0');
			return;
		}
		p->disc_st = ch == '+' ? 2 : 0;
		break;
	case 2:
		p->disc_st = ch == '}' ? 3 : 0;
		break;
	case 3:
		p->disc_st = ch == '\r' ? 4 : 0;
		break;
	default:
		p->disc_st = 0;
	}
	if (p->disc_st == 0 && ch == '{') {
		p->disc_st = 1;
		p->disc_num = 0;
	}
}

/* Start skipping a line of which t[seg..n) was already consumed. */
static void
disc_prime(struct ife_imap_parser *p, const uint8_t *t, size_t seg, size_t n)
{
	p->disc_st = 0;
	p->disc_num = 0;
	for (size_t i = seg; i < n; i++)
		disc_step(p, t[i]);
}

/* Skip the rest of a bad line; a "{n+}" at its end means n more bytes. */
static bool
discard(struct feed_ctx *c)
{
	struct ife_imap_parser *p = c->p;
	while (c->pos < c->len) {
		uint8_t ch = c->in[c->pos++];
		if (ch != '\n') {
			disc_step(p, ch);
			continue;
		}
		bool lit = p->disc_st == 4;
		uint64_t n = p->disc_num;
		p->disc_st = 0;
		p->disc_num = 0;
		if (!lit) {
			cmd_reset(p);
			c->cmd0 = c->pos;
			return true;
		}
		p->state = FR_DISCARD_LIT;
		p->lit_left = n;
		return true;
	}
	return false;
}

enum ife_imap_ev
ife_imap_parser_feed(struct ife_imap_parser *p, const void *data, size_t len,
		     struct ife_imap_event *ev)
{
	struct feed_ctx c = {p, data, len, 0, 0, ev};
	memset(ev, 0, sizeof(*ev));
	if (p->state == FR_CLOSED) {
		ev->err = p->bye_err;
		ev->text = p->bye_text;
		ev->action = IFE_IMAP_ACT_BYE;
		return IFE_IMAP_EV_ERROR;
	}
	const struct ife_imap_limits *lim = p->lim;
	for (;;) {
		size_t avail = len - c.pos;
		switch (p->state) {
		case FR_TEXT: {
			if (avail == 0)
				goto need_more;
			const uint8_t *nl = memchr(c.in + c.pos, '\n', avail);
			size_t take =
				nl ? (size_t)(nl - (c.in + c.pos)) + 1 : avail;
			if (p->line_len + take > (size_t)lim->max_line + 2 ||
			    p->cmd_bytes + take > cmd_limit(p)) {
				/* report now (tag from what we have), then
				 * skip to the end of the line */
				struct ife_imap_str tag;
				if (p->copying) {
					size_t k = take < 128 ? take : 128;
					memcpy(p->arena + p->text_len,
					       c.in + c.pos, k);
					tag = text_tag(p, p->arena,
						       p->text_len + k);
				} else {
					tag = text_tag(p, c.in + c.cmd0,
						       c.pos + take - c.cmd0);
				}
				uint8_t mode = p->mode;
				enum ife_imap_ev r = error_ev(
					&c, IFE_ELIMIT, "Command line too long",
					false, p->line_len);
				const uint8_t *t = text_base(&c);
				size_t tn = text_size(&c), seg = p->seg_start;
				cmd_reset(p);
				p->state = FR_DISCARD;
				disc_prime(p, t, seg, tn);
				if (mode == IFE_IMAP_MODE_COMMAND)
					ev->tag = tag;
				return r;
			}
			append_text(&c, take);
			p->line_len += (uint32_t)take;
			p->cmd_bytes += take;
			if (nl == NULL)
				goto need_more;
			bool cont;
			enum ife_imap_ev r = line_end(&c, &cont);
			if (!cont)
				return r;
			break;
		}
		case FR_LITERAL: {
			if (avail == 0)
				goto need_more;
			size_t take = avail < p->lit_left ? avail
							  : (size_t)p->lit_left;
			append_text(&c, take);
			p->lit_left -= take;
			if (p->lit_left == 0) {
				p->state = FR_TEXT;
				p->seg_start = (uint32_t)text_size(&c);
			}
			break;
		}
		case FR_WAIT_CONT:
			p->state = FR_LITERAL;
			break;
		case FR_APPEND_WAIT:
			p->state = FR_APPEND_LIT;
			break;
		case FR_APPEND_LIT: {
			if (p->lit_left == 0) {
				p->state = FR_TEXT;
				p->seg_start = p->text_len;
				break;
			}
			if (avail == 0)
				goto need_more;
			size_t take = avail < p->lit_left ? avail
							  : (size_t)p->lit_left;
			ev->data.ptr = (const char *)c.in + c.pos;
			ev->data.len = (uint32_t)(take > UINT32_MAX ? UINT32_MAX
								    : take);
			take = ev->data.len;
			ev->data.kind = IFE_IMAP_STR_LITERAL;
			c.pos += take;
			p->lit_left -= take;
			ev->remaining = p->lit_left;
			if (p->lit_left == 0) {
				p->state = FR_TEXT;
				p->seg_start = p->text_len;
			}
			ev->consumed = c.pos;
			return IFE_IMAP_EV_LITERAL;
		}
		case FR_DISCARD:
			if (!discard(&c))
				goto need_more;
			break;
		case FR_DISCARD_LIT: {
			if (avail == 0)
				goto need_more;
			size_t take = avail < p->lit_left ? avail
							  : (size_t)p->lit_left;
			c.pos += take;
			p->lit_left -= take;
			if (p->lit_left == 0)
				p->state = FR_DISCARD;
			break;
		}
		default:
			return error_ev(&c, IFE_EPROTO, "Internal error", true,
					0);
		}
	}
need_more:
	if ((p->state == FR_TEXT || p->state == FR_LITERAL) && c.pos > c.cmd0)
		to_arena(&c);
	ev->consumed = c.pos;
	return IFE_IMAP_EV_NEED_MORE;
}
