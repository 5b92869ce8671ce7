/*
 * Modified UTF-7 (RFC 3501 section 5.1.3, kept by RFC 9051 for IMAP4rev1
 * clients). Strict: printable ASCII must not be base64-encoded, a shift
 * must end with "-", padding bits must be zero, surrogates must pair.
 * Control characters are rejected in either direction (mailbox names).
 */
#include <stdint.h>

#include "imap_pvt.h"

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
b64val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

static int
put_utf8(char *out, size_t cap, size_t *o, uint32_t cp)
{
	uint8_t b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | (cp >> 6));
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | (cp >> 12));
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | (cp >> 18));
		b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (cap - *o < n)
		return -2;
	for (size_t i = 0; i < n; i++)
		out[(*o)++] = (char)b[i];
	return 0;
}

long
ife_imap_mutf7_decode(const char *in, size_t len, char *out, size_t cap)
{
	size_t i = 0, o = 0;
	while (i < len) {
		uint8_t c = (uint8_t)in[i];
		if (c < 0x20 || c > 0x7e)
			return -1;
		if (c != '&') {
			if (o >= cap)
				return -2;
			out[o++] = (char)c;
			i++;
			continue;
		}
		i++;
		if (i < len && in[i] == '-') {
			if (o >= cap)
				return -2;
			out[o++] = '&';
			i++;
			continue;
		}
		uint32_t bits = 0, hi = 0;
		int nbits = 0;
		while (i < len && in[i] != '-') {
			int v = b64val((uint8_t)in[i]);
			if (v < 0)
				return -1;
			bits = ((bits << 6) | (uint32_t)v) & 0x3fffff;
			nbits += 6;
			i++;
			if (nbits < 16)
				continue;
			nbits -= 16;
			uint32_t u = (bits >> nbits) & 0xffff;
			bits &= (1u << nbits) - 1;
			uint32_t cp;
			if (hi) {
				if (u < 0xdc00 || u > 0xdfff)
					return -1;
				cp = 0x10000 + ((hi - 0xd800) << 10) +
				     (u - 0xdc00);
				hi = 0;
			} else if (u >= 0xd800 && u <= 0xdbff) {
				hi = u;
				continue;
			} else if (u >= 0xdc00 && u <= 0xdfff) {
				return -1;
			} else {
				if (u < 0x80)
					return -1;
				cp = u;
			}
			int r = put_utf8(out, cap, &o, cp);
			if (r < 0)
				return r;
		}
		/* need the closing '-', no pending surrogate, < 6 spare zero
		 * bits, and at least one character in the shift */
		if (i >= len || hi || nbits >= 6 || bits != 0 ||
		    (uint8_t)in[i - 1] == '&')
			return -1;
		i++;
		/* two adjacent shifts would be one (not canonical) */
		if (i < len && in[i] == '&' &&
		    !(i + 1 < len && in[i + 1] == '-'))
			return -1;
	}
	return (long)o;
}

/* Next code point of valid UTF-8; 0 with *n = 0 if invalid. */
static uint32_t
utf8_next(const uint8_t *p, size_t left, size_t *n)
{
	uint8_t c = p[0];
	uint32_t cp;
	size_t k;
	*n = 0;
	if (c < 0x80) {
		*n = 1;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		k = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (left < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*n = k;
	return cp;
}

long
ife_imap_mutf7_encode(const char *in, size_t len, char *out, size_t cap)
{
	const uint8_t *p = (const uint8_t *)in;
	size_t i = 0, o = 0;
#define PUT(ch)                        \
	do {                           \
		if (o >= cap)          \
			return -2;     \
		out[o++] = (char)(ch); \
	} while (0)
	while (i < len) {
		size_t n;
		uint32_t cp = utf8_next(p + i, len - i, &n);
		if (n == 0 || cp < 0x20 || cp == 0x7f)
			return -1;
		if (cp < 0x80) {
			PUT(cp);
			if (cp == '&')
				PUT('-');
			i += n;
			continue;
		}
		PUT('&');
		uint32_t bits = 0;
		int nbits = 0;
		while (i < len) {
			cp = utf8_next(p + i, len - i, &n);
			if (n == 0)
				return -1;
			if (cp < 0x80)
				break;
			uint16_t units[2];
			int nu = 1;
			if (cp >= 0x10000) {
				units[0] = (uint16_t)(0xd800 +
						      ((cp - 0x10000) >> 10));
				units[1] = (uint16_t)(0xdc00 +
						      ((cp - 0x10000) & 0x3ff));
				nu = 2;
			} else {
				units[0] = (uint16_t)cp;
			}
			for (int u = 0; u < nu; u++) {
				bits = (bits << 16) | units[u];
				nbits += 16;
				while (nbits >= 6) {
					nbits -= 6;
					PUT(b64chars[(bits >> nbits) & 0x3f]);
				}
				bits &= (1u << nbits) - 1;
			}
			i += n;
		}
		if (nbits > 0)
			PUT(b64chars[(bits << (6 - nbits)) & 0x3f]);
		PUT('-');
	}
#undef PUT
	return (long)o;
}
