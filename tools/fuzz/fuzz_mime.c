/*
 * libFuzzer target for the MIME indexer: any input must index without
 * crashing or reading outside the input, and every part and section
 * slice must lie inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imapfe/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ife_mime_builder *b;
	const void *idx;
	size_t il;
	struct ife_mime_index_info in;

	if (b == NULL && ife_mime_builder_create(NULL, &b) != 0)
		abort();
	if (ife_mime_index(b, data, size, &idx, &il) != 0)
		abort(); /* only resource limits may fail */
	if (ife_mime_index_open(idx, il, &in) != 0)
		abort();
	for (uint32_t i = 0; i < in.nparts; i++) {
		const struct ife_mime_part *p = &in.parts[i];
		if ((uint64_t)p->hdr_off + p->hdr_len + p->body_len > size)
			abort();
	}
	static const char *const secs[] = {
		"",	 "1",	 "2",	   "1.MIME",   "2.1",
		"1.2.3", "TEXT", "HEADER", "2.HEADER", "1.1.TEXT"};
	static uint8_t out[1 << 16];
	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		struct ife_mime_slice s;
		if (ife_mime_section(&in, secs[i], strlen(secs[i]), &s) != 0)
			abort();
		if ((uint64_t)s.off + s.len > size)
			abort();
		ife_mime_imap_copy(data + s.off, s.len, out, sizeof(out));
		if (s.missing || s.len > sizeof(out) / 2 - 2)
			continue;
		static const char *const names[] = {"subject", "FROM", "x"};
		static const size_t nl[] = {7, 4, 1};
		size_t n = ife_mime_header_filter(data + s.off, s.len, names,
						  nl, 3, (int)(i & 1), out,
						  sizeof(out));
		if (n > 2 * (size_t)s.len + 2)
			abort();
	}
	return 0;
}
