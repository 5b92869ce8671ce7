/*
 * Test-only IMAP response parser (server -> client), strict on syntax:
 *   response = ("+" [SP text] / tag SP status SP resp-text /
 *               "*" SP (status SP resp-text / data)) CRLF
 * data is a generic token sequence: atoms, numbers, flags ("\atom",
 * "\*"), NIL, quoted strings, literals, literal8 and (nested) lists, each
 * separated by one SP. It decodes strings so that a test can check that
 * what the writer produced reads back as what it was given.
 */
#ifndef IMAP_RESP_PARSER_H
#define IMAP_RESP_PARSER_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "imap_pvt.h"

enum { RP_ATOM = 1, RP_QUOTED, RP_LITERAL, RP_NIL, RP_FLAG };

struct rp_tok {
	int kind;
	char *val; /* decoded, NUL-terminated (may hold NUL for literal8) */
	size_t len;
	int depth;
};

struct rp_resp {
	char kind; /* '+', '*', 't' */
	struct rp_tok tok[64];
	size_t ntok;
	size_t used; /* bytes of input consumed */
};

static inline void
rp_free(struct rp_resp *r)
{
	for (size_t i = 0; i < r->ntok; i++)
		free(r->tok[i].val);
	r->ntok = 0;
}

static inline bool
rp_add(struct rp_resp *r, int kind, const char *s, size_t n, int depth)
{
	if (r->ntok == 64)
		return false;
	struct rp_tok *t = &r->tok[r->ntok++];
	t->kind = kind;
	t->val = malloc(n + 1);
	if (t->val == NULL)
		return false;
	memcpy(t->val, s, n);
	t->val[n] = '\0';
	t->len = n;
	t->depth = depth;
	return true;
}

/* text up to CRLF: TEXT-CHARs only (no CR, LF, NUL, 8-bit) */
static inline bool
rp_text(const char *p, size_t n, size_t *i)
{
	while (*i < n && p[*i] != '\r') {
		unsigned char c = (unsigned char)p[*i];
		if (c == 0 || c == '\n' || c >= 0x80)
			return false;
		(*i)++;
	}
	return *i + 1 < n && p[*i] == '\r' && p[*i + 1] == '\n';
}

static inline bool
rp_resp_text(const char *p, size_t n, size_t *i)
{
	if (*i < n && p[*i] == '[') {
		(*i)++;
		size_t a = *i;
		while (*i < n &&
		       (imap_ctype[(unsigned char)p[*i]] & IMAP_C_ATOM))
			(*i)++;
		if (*i == a)
			return false;
		while (*i < n && p[*i] != ']') {
			unsigned char c = (unsigned char)p[*i];
			if (c < 0x20 || c >= 0x7f)
				return false;
			(*i)++;
		}
		if (*i + 1 >= n || p[*i + 1] != ' ')
			return false;
		*i += 2;
	}
	if (*i < n && p[*i] == '[')
		return false;
	return rp_text(p, n, i);
}

/* Parse one response at p[0..n). */
static inline bool
rp_parse(const char *p, size_t n, struct rp_resp *r)
{
	size_t i = 0;
	int depth = 0;
	memset(r, 0, sizeof(*r));
	if (n >= 1 && p[0] == '+') {
		r->kind = '+';
		i = 1;
		if (i < n && p[i] == ' ')
			i++;
		if (!rp_text(p, n, &i))
			return false;
		r->used = i + 2;
		return true;
	}
	bool untagged = n >= 2 && p[0] == '*' && p[1] == ' ';
	if (untagged) {
		r->kind = '*';
		i = 2;
	} else {
		r->kind = 't';
		while (i < n && (imap_ctype[(unsigned char)p[i]] & IMAP_C_TAG))
			i++;
		if (i == 0 || i >= n || p[i] != ' ')
			return false;
		i++;
	}
	static const char *const st[] = {"OK ", "NO ", "BAD ", "BYE ",
					 "PREAUTH "};
	for (int k = 0; k < 5; k++) {
		size_t l = strlen(st[k]);
		if (n - i >= l && memcmp(p + i, st[k], l) == 0 &&
		    (untagged || k < 3)) {
			i += l;
			if (!rp_resp_text(p, n, &i))
				return false;
			r->used = i + 2;
			return true;
		}
	}
	if (!untagged)
		return false;
	/* generic data */
	for (;;) {
		if (i >= n)
			return false;
		char c = p[i];
		if (c == '(') {
			depth++;
			i++;
			if (i < n && p[i] == ')') {
				depth--;
				i++;
				goto after;
			}
			continue;
		}
		if (c == '"') {
			char *buf = malloc(n);
			size_t k = 0;
			if (buf == NULL)
				return false;
			i++;
			while (i < n && p[i] != '"') {
				unsigned char q = (unsigned char)p[i];
				if (q == '\\') {
					if (i + 1 >= n || (p[i + 1] != '"' &&
							   p[i + 1] != '\\')) {
						free(buf);
						return false;
					}
					i++;
				} else if (q == 0 || q == '\r' || q == '\n') {
					free(buf);
					return false;
				}
				buf[k++] = p[i++];
			}
			if (i >= n) {
				free(buf);
				return false;
			}
			i++;
			bool ok = rp_add(r, RP_QUOTED, buf, k, depth);
			free(buf);
			if (!ok)
				return false;
		} else if (c == '{' ||
			   (c == '~' && i + 1 < n && p[i + 1] == '{')) {
			bool l8 = c == '~';
			if (l8 && (++i >= n || p[i] != '{'))
				return false;
			i++;
			size_t len = 0, d0 = i;
			while (i < n && p[i] >= '0' && p[i] <= '9')
				len = len * 10 + (size_t)(p[i++] - '0');
			if (i == d0 || n - i < 3 || p[i] != '}' ||
			    p[i + 1] != '\r' || p[i + 2] != '\n')
				return false;
			i += 3;
			if (n - i < len)
				return false;
			if (!l8 && memchr(p + i, 0, len) != NULL)
				return false;
			if (!rp_add(r, RP_LITERAL, p + i, len, depth))
				return false;
			i += len;
		} else if (c == '\\') {
			size_t a = i++;
			if (i < n && p[i] == '*')
				i++;
			else
				while (i < n &&
				       (imap_ctype[(unsigned char)p[i]] &
					IMAP_C_ATOM))
					i++;
			if (i - a < 2 ||
			    !rp_add(r, RP_FLAG, p + a, i - a, depth))
				return false;
		} else {
			size_t a = i;
			while (i < n && (imap_ctype[(unsigned char)p[i]] &
					 IMAP_C_ASTRING))
				i++;
			if (i == a)
				return false;
			bool nil =
				i - a == 3 && strncasecmp(p + a, "NIL", 3) == 0;
			if (!rp_add(r, nil ? RP_NIL : RP_ATOM, p + a, i - a,
				    depth))
				return false;
		}
	after:
		while (i < n && p[i] == ')') {
			if (depth == 0)
				return false;
			depth--;
			i++;
		}
		if (i + 1 < n && p[i] == '\r' && p[i + 1] == '\n') {
			if (depth != 0)
				return false;
			r->used = i + 2;
			return true;
		}
		if (i >= n || p[i] != ' ')
			return false;
		i++;
	}
}

#endif /* IMAP_RESP_PARSER_H */
