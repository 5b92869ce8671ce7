/*
 * imapfe-parse: show the IMAP command parser from outside.
 *
 * Reads a client-to-server IMAP stream (with literals) on stdin and prints
 * one line per event (format in tests/imap_driver.h):
 *   OK <tag> <COMMAND> <canonical>   /  BAD <tag|*> <reason>  /  + <text>
 * The canonical form parses again to the same canonical form. It is IMAP
 * text, so a literal ("{n+}" or "~{n+}" at a line end) is followed by CRLF
 * and its n bytes: APPEND messages are printed with their data, so an
 * APPEND's OK "line" spans as many lines as its messages hold.
 *
 *   imapfe-parse [--preauth] [--step N] [--max-line N] [--max-literal N]
 *                [--max-command N] [--max-depth N] [--max-tag N]
 *                [--max-args N] [--max-nonsync N] [--max-append N]
 *                [--max-data N] [--utf8] [FILE] < stream
 *
 * --preauth starts with the pre-authentication limits and switches to the
 * post-authentication ones after LOGIN/AUTHENTICATE; --step N feeds the
 * parser N bytes at a time (1 shows that splits do not matter). Limit
 * options override the post-auth set (or both sets with --preauth).
 * FILE is read instead of stdin when given. --max-data N bounds the
 * message data kept for one (MULTI)APPEND (default: the larger max_append
 * of the limits in use, 64 MiB); an APPEND over it is parsed but printed
 * as "NO <tag> APPEND data over the N-byte limit" (exit status 1).
 * Exit status: 0 if every command parsed, 1 if any BAD/BYE, 2 on usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_driver.h"

static void
usage(void)
{
	fprintf(stderr,
		"usage: imapfe-parse [--preauth] [--step N] [--utf8]\n"
		"       [--max-line N] [--max-literal N] [--max-command N]\n"
		"       [--max-depth N] [--max-tag N] [--max-args N]\n"
		"       [--max-nonsync N] [--max-append N] [--max-data N]\n"
		"       [FILE] < stream\n");
	exit(2);
}

static unsigned long long
num(const char *s)
{
	char *e;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 10);
	if (errno || *e || e == s)
		usage();
	return v;
}

static void
set_limit(struct ife_imap_limits *l, const char *opt, unsigned long long v)
{
	if (strcmp(opt, "--max-line") == 0)
		l->max_line = (uint32_t)v;
	else if (strcmp(opt, "--max-literal") == 0)
		l->max_literal = (uint32_t)v;
	else if (strcmp(opt, "--max-command") == 0)
		l->max_command = (uint32_t)v;
	else if (strcmp(opt, "--max-depth") == 0)
		l->max_depth = (uint16_t)v;
	else if (strcmp(opt, "--max-tag") == 0)
		l->max_tag = (uint16_t)v;
	else if (strcmp(opt, "--max-args") == 0)
		l->max_args = (uint32_t)v;
	else if (strcmp(opt, "--max-nonsync") == 0)
		l->max_nonsync = (uint32_t)v;
	else if (strcmp(opt, "--max-append") == 0)
		l->max_append = v;
	else
		usage();
}

int
main(int argc, char **argv)
{
	struct ife_imap_limits pre = ife_imap_limits_preauth;
	struct ife_imap_limits post = ife_imap_limits_postauth;
	bool preauth = false;
	size_t step = 0;
	unsigned long long max_data = 0;
	bool have_max_data = false; /* else from max_append */
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--preauth") == 0) {
			preauth = true;
		} else if (strcmp(argv[i], "--utf8") == 0) {
			pre.utf8 = post.utf8 = true;
		} else if (strcmp(argv[i], "--step") == 0 && i + 1 < argc) {
			step = (size_t)num(argv[++i]);
		} else if (strcmp(argv[i], "--max-data") == 0 && i + 1 < argc) {
			max_data = num(argv[++i]);
			have_max_data = true;
		} else if (strncmp(argv[i], "--max-", 6) == 0 && i + 1 < argc) {
			unsigned long long v = num(argv[i + 1]);
			set_limit(&post, argv[i], v);
			set_limit(&pre, argv[i], v);
			i++;
		} else if (argv[i][0] != '-' && path == NULL) {
			path = argv[i];
		} else {
			usage();
		}
	}
	FILE *src = stdin;
	if (path != NULL && (src = fopen(path, "rb")) == NULL) {
		perror(path);
		return 2;
	}
	if (post.max_command < post.max_line)
		post.max_command = post.max_line;
	if (pre.max_command < pre.max_line)
		pre.max_command = pre.max_line;

	size_t cap = 1 << 16, len = 0, n;
	char *in = malloc(cap);
	while (in != NULL && (n = fread(in + len, 1, cap - len, src)) > 0) {
		len += n;
		if (len == cap) {
			char *nb = realloc(in, cap * 2);
			if (nb == NULL) {
				free(in);
				in = NULL;
				break;
			}
			in = nb;
			cap *= 2;
		}
	}
	if (src != stdin)
		fclose(src);
	if (in == NULL) {
		fprintf(stderr, "imapfe-parse: out of memory\n");
		return 2;
	}
	size_t asz =
		(size_t)(post.max_command > pre.max_command ? post.max_command
							    : pre.max_command) *
			4 +
		65536;
	void *arena = malloc(asz);
	struct imap_drv d;
	if (arena == NULL ||
	    imap_drv_init(&d, preauth ? &pre : &post, preauth ? &post : NULL,
			  arena, asz) != 0) {
		fprintf(stderr, "imapfe-parse: invalid limits\n");
		return 2;
	}
	d.data_max = 200;
	if (!have_max_data)
		max_data = post.max_append > pre.max_append ? post.max_append
							    : pre.max_append;
	d.data_cap = max_data < SIZE_MAX ? (size_t)max_data : SIZE_MAX;
	imap_drv_run(&d, in, len, step);
	fwrite(d.out.buf ? d.out.buf : "", 1, d.out.len, stdout);
	int bad = d.errors != 0;
	imap_drv_free(&d);
	free(arena);
	free(in);
	return bad ? 1 : 0;
}
