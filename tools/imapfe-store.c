/*
 * imapfe-store: operator tool for the LMDB mailstore (docs/mailstore.md).
 *
 *   imapfe-store init DIR [--map-size BYTES]
 *   imapfe-store user-add DIR USER [--quota-bytes N] [--quota-messages N]
 *   imapfe-store import-maildir DIR USER MAILDIR [MAILBOX]
 *   imapfe-store import-mbox DIR USER MBOXFILE [MAILBOX]
 *   imapfe-store stat DIR
 *   imapfe-store check DIR
 *   imapfe-store dump DIR USER
 *   imapfe-store mime FILE ITEM...   (index one file, print FETCH items)
 *
 * Exit status: 0 success, 1 failure (message on stderr), 2 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "imapfe/err.h"
#include "imapfe/mime.h"

#include "imapfe/store.h"

static int
usage(void)
{
	fprintf(stderr,
		"usage: imapfe-store init DIR [--map-size BYTES]\n"
		"       imapfe-store user-add DIR USER [--quota-bytes N] "
		"[--quota-messages N]\n"
		"       imapfe-store import-maildir DIR USER MAILDIR "
		"[MAILBOX]\n"
		"       imapfe-store import-mbox DIR USER MBOX [MAILBOX]\n"
		"       imapfe-store stat DIR\n"
		"       imapfe-store check DIR\n"
		"       imapfe-store dump DIR USER\n"
		"       imapfe-store mime FILE ITEM...\n");
	return 2;
}

static int
read_file(const char *path, uint8_t **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	size_t cap = (size_t)st.st_size, n = 0;
	uint8_t *p = malloc(cap ? cap : 1);
	if (p == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (n < cap) {
		ssize_t r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*buf = p;
	*len = n;
	return 0;
}

/* Prints one FETCH item as "<len>\n<bytes>", the bytes being exactly what
 * an IMAP server puts inside "* n FETCH (...)" for it. */
static void
emit(const char *p, size_t n)
{
	printf("%zu\n", n);
	fwrite(p, 1, n, stdout);
}

static int
cmd_mime(int argc, char **argv)
{
	uint8_t *msg = NULL;
	size_t len = 0;
	int ret;

	if (argc < 3)
		return usage();
	if ((ret = read_file(argv[2], &msg, &len)) != 0) {
		fprintf(stderr, "%s: %s\n", argv[2], ife_strerror(ret));
		return 1;
	}
	struct ife_mime_builder *b;
	const void *idx;
	size_t il;
	struct ife_mime_index_info info;
	if ((ret = ife_mime_builder_create(NULL, &b)) != 0 ||
	    (ret = ife_mime_index(b, msg, len, &idx, &il)) != 0 ||
	    (ret = ife_mime_index_open(idx, il, &info)) != 0) {
		fprintf(stderr, "%s: %s\n", argv[2], ife_strerror(ret));
		return 1;
	}
	size_t cap = 2 * len + 4 * il + 4096;
	char *out = malloc(cap + 64);
	for (int i = 3; i < argc && out != NULL; i++) {
		const char *it = argv[i];
		int n = 0;
		if (strcmp(it, "ENVELOPE") == 0) {
			n = snprintf(out, cap, "ENVELOPE (");
			n += (int)ife_mime_envelope(&info, out + n, cap - n);
			out[n++] = ')';
		} else if (strcmp(it, "BODYSTRUCTURE") == 0) {
			n = snprintf(out, cap, "BODYSTRUCTURE %.*s",
				     (int)info.bodystructure_len,
				     info.bodystructure);
		} else if (strcmp(it, "BODY") == 0) {
			n = snprintf(out, cap, "BODY ");
			n += (int)ife_mime_body(&info, out + n, cap - n);
		} else if (strcmp(it, "RFC822.SIZE") == 0) {
			n = snprintf(out, cap, "RFC822.SIZE %u",
				     info.parts[0].hdr_vsize +
					     info.parts[0].body_vsize);
		} else if (strncmp(it, "BODY.PEEK[", 10) == 0 &&
			   strstr(it, " (") != NULL &&
			   it[strlen(it) - 1] == ']') {
			/* BODY.PEEK[sec (NAME ...)]: HEADER.FIELDS[.NOT] */
			const char *sec = it + 10;
			const char *sp = strstr(sec, " (");
			size_t sl = (size_t)(sp - sec);
			struct ife_mime_slice s;
			ret = ife_mime_section(&info, sec, sl, &s);
			if (ret != 0 ||
			    (s.kind != IFE_MIME_SEC_HEADER_FIELDS &&
			     s.kind != IFE_MIME_SEC_HEADER_FIELDS_NOT)) {
				fprintf(stderr, "%s: bad section\n", it);
				free(out);
				return 1;
			}
			const char *names[64];
			size_t nl[64];
			unsigned nn = 0;
			char list[512];
			snprintf(list, sizeof(list), "%.*s",
				 (int)(strlen(sp + 2) - 2), sp + 2);
			for (char *tok = strtok(list, " "); tok && nn < 64;
			     tok = strtok(NULL, " ")) {
				for (char *c = tok; *c; c++)
					if (*c >= 'a' && *c <= 'z')
						*c = (char)(*c - 32);
				names[nn] = tok;
				nl[nn++] = strlen(tok);
			}
			char up[600];
			size_t ul = 0;
			for (unsigned j = 0; j < nn; j++)
				ul += (size_t)snprintf(up + ul, sizeof(up) - ul,
						       "%s%s", j ? " " : "",
						       names[j]);
			uint8_t *tmp = malloc(2 * (size_t)s.len + 2);
			size_t fl = 0;
			if (!s.missing)
				fl = ife_mime_header_filter(
					msg + s.off, s.len, names, nl, nn,
					s.kind ==
						IFE_MIME_SEC_HEADER_FIELDS_NOT,
					tmp, 2 * (size_t)s.len + 2);
			n = snprintf(out, cap, "BODY[%.*s (%s)] {%zu}\r\n",
				     (int)sl, sec, up, fl);
			memcpy(out + n, tmp, fl);
			n += (int)fl;
			free(tmp);
		} else if (strncmp(it, "BODY.PEEK[", 10) == 0 &&
			   it[strlen(it) - 1] == ']') {
			const char *sec = it + 10;
			size_t sl = strlen(sec) - 1;
			struct ife_mime_slice s;
			ret = ife_mime_section(&info, sec, sl, &s);
			if (ret != 0) {
				fprintf(stderr, "%s: bad section\n", it);
				free(out);
				return 1;
			}
			n = snprintf(out, cap, "BODY[%.*s] {%u}\r\n", (int)sl,
				     sec, s.vsize);
			n += (int)ife_mime_imap_copy(msg + s.off, s.len,
						     (uint8_t *)out + n,
						     cap - (size_t)n);
		} else {
			fprintf(stderr, "unknown item %s\n", it);
			free(out);
			return 1;
		}
		emit(out, (size_t)n);
	}
	free(out);
	free(msg);
	ife_mime_builder_destroy(&b);
	return 0;
}

/* ---- store commands ---- */

static struct ife_store *
open_store(const char *dir, uint32_t flags, size_t map)
{
	struct ife_store *s;
	struct ife_store_opts o = {.flags = flags, .map_size = map};
	int ret = ife_store_open(dir, &o, &s);
	if (ret == IFE_ESTATE) {
		/* docs/mailstore.md, "Version stamp and migration rule" */
		fprintf(stderr,
			"%s: store schema version is not %d (this build's) and "
			"cannot be migrated: export it with the build that "
			"wrote it and import it again\n",
			dir, IFE_STORE_SCHEMA_VERSION);
		return NULL;
	}
	if (ret != 0) {
		fprintf(stderr, "%s: %s\n", dir, ife_strerror(ret));
		return NULL;
	}
	return s;
}

static int
run1(struct ife_store *s, const struct ife_store_op *op,
     struct ife_store_result *res)
{
	struct ife_store_batch *b;
	int ret = ife_store_batch_create(s, &b);
	if (ret == 0 && ife_store_batch_add(b, op) < 0)
		ret = -ENOMEM;
	if (ret == 0)
		ret = ife_store_batch_commit(b);
	if (ret == 0) {
		*res = *ife_store_batch_result(b, 0);
		ret = res->status;
	}
	ife_store_batch_destroy(&b);
	return ret;
}

/* The value of option argv[i] as a whole decimal number: 0, or -1 after
 * a message (the caller answers with usage()). */
static int
opt_u64(int argc, char **argv, int i, uint64_t *v)
{
	const char *opt = argv[i], *s = i + 1 < argc ? argv[i + 1] : NULL;
	if (s == NULL) {
		fprintf(stderr, "imapfe-store: %s: missing value\n", opt);
		return -1;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	/* strtoull takes "-1" as ULLONG_MAX: digits only */
	if (errno != 0 || end == s || *end != '\0' || s[0] < '0' ||
	    s[0] > '9') {
		fprintf(stderr, "imapfe-store: %s: '%s' is not a number\n", opt,
			s);
		return -1;
	}
	*v = n;
	return 0;
}

static int
cmd_init(int argc, char **argv)
{
	uint64_t map = 0;
	if (argc < 3)
		return usage();
	for (int i = 3; i < argc; i += 2) {
		if (strcmp(argv[i], "--map-size") != 0) {
			fprintf(stderr, "imapfe-store: unknown option %s\n",
				argv[i]);
			return usage();
		}
		if (opt_u64(argc, argv, i, &map) != 0)
			return usage();
	}
	struct ife_store *s =
		open_store(argv[2], IFE_STORE_CREATE, (size_t)map);
	if (s == NULL)
		return 1;
	ife_store_close(&s);
	return 0;
}

static int
cmd_user_add(int argc, char **argv)
{
	if (argc < 4)
		return usage();
	struct ife_store_op op = {.type = IFE_STORE_OP_USER_CREATE,
				  .name = argv[3],
				  .name_len = strlen(argv[3])};
	for (int i = 4; i < argc; i += 2) {
		uint64_t *to = NULL;
		if (strcmp(argv[i], "--quota-bytes") == 0)
			to = &op.quota_bytes;
		else if (strcmp(argv[i], "--quota-messages") == 0)
			to = &op.quota_msgs;
		if (to == NULL) {
			fprintf(stderr, "imapfe-store: unknown option %s\n",
				argv[i]);
			return usage();
		}
		if (opt_u64(argc, argv, i, to) != 0)
			return usage();
	}
	struct ife_store *s = open_store(argv[2], 0, 0);
	if (s == NULL)
		return 1;
	struct ife_store_result res;
	int ret = run1(s, &op, &res);
	ife_store_close(&s);
	if (ret != 0) {
		fprintf(stderr, "user-add %s: %s\n", argv[3],
			ife_strerror(ret));
		return 1;
	}
	printf("user %s id %u\n", argv[3], res.id);
	return 0;
}

/* Finds (or creates) USER's mailbox NAME. */
static int
target_mbox(struct ife_store *s, const char *user, const char *name,
	    uint32_t *mbox)
{
	struct ife_store_rtxn *r;
	struct ife_store_user u;
	struct ife_store_mbox mb;
	int ret = ife_store_rtxn_begin(s, &r);
	if (ret != 0)
		return ret;
	ret = ife_store_user_find(r, user, strlen(user), &u);
	if (ret == 0)
		ret = ife_store_mbox_find(r, u.id, name, strlen(name), &mb);
	ife_store_rtxn_destroy(&r);
	if (ret == 0) {
		*mbox = mb.id;
		return 0;
	}
	if (ret != IFE_ENOTFOUND)
		return ret;
	if (u.id == 0)
		return ret;
	struct ife_store_op op = {.type = IFE_STORE_OP_MBOX_CREATE,
				  .user = u.id,
				  .name = name,
				  .name_len = strlen(name)};
	struct ife_store_result res;
	if ((ret = run1(s, &op, &res)) != 0)
		return ret;
	*mbox = res.id;
	return 0;
}

struct importer {
	struct ife_store *s;
	struct ife_store_batch *b;
	uint32_t mbox;
	uint64_t done, failed, total, bytes;
	unsigned inbatch;
	bool tty;
	struct timespec t0;
	uint8_t *bufs[1024];
	size_t lens[1024];
	bool owned[1024];
};

static double
elapsed(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
progress(struct importer *im, bool last)
{
	if (!im->tty)
		return;
	double el = elapsed(&im->t0);
	int width = 30,
	    fill = im->total ? (int)(width * im->done / im->total) : 0;
	fprintf(stderr, "\r[%.*s%*s] %" PRIu64 "/%" PRIu64 " %.0f msg/s", fill,
		"##############################", width - fill, "", im->done,
		im->total, el > 0 ? (double)im->done / el : 0.0);
	if (last)
		fputc('\n', stderr);
}

static int
import_flush(struct importer *im)
{
	if (im->inbatch == 0)
		return 0;
	int ret = ife_store_batch_commit(im->b);
	if (ret != 0) {
		fprintf(stderr, "\ncommit: %s\n", ife_strerror(ret));
		return ret;
	}
	for (unsigned i = 0; i < im->inbatch; i++) {
		const struct ife_store_result *r =
			ife_store_batch_result(im->b, i);
		if (r->status != 0) {
			im->failed++;
			fprintf(stderr, "\nmessage %" PRIu64 ": %s\n",
				im->done + i + 1, ife_strerror(r->status));
		}
		if (im->owned[i])
			free(im->bufs[i]);
	}
	im->done += im->inbatch;
	im->inbatch = 0;
	ife_store_batch_reset(im->b);
	progress(im, false);
	return 0;
}

static int
import_one(struct importer *im, uint8_t *data, size_t len, bool owned,
	   uint32_t flags, int64_t date)
{
	struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
				  .mbox = im->mbox,
				  .data = data,
				  .len = len,
				  .flags = flags,
				  .internal_date = date};
	im->bufs[im->inbatch] = data;
	im->lens[im->inbatch] = len;
	im->owned[im->inbatch] = owned;
	if (ife_store_batch_add(im->b, &op) < 0)
		return -ENOMEM;
	im->bytes += len;
	if (++im->inbatch == 1024)
		return import_flush(im);
	return 0;
}

static int
import_begin(struct importer *im, int argc, char **argv)
{
	memset(im, 0, sizeof(*im));
	const char *box = argc > 5 ? argv[5] : "INBOX";
	im->s = open_store(argv[2], 0, 0);
	if (im->s == NULL)
		return 1;
	int ret = target_mbox(im->s, argv[3], box, &im->mbox);
	if (ret == 0)
		ret = ife_store_batch_create(im->s, &im->b);
	if (ret != 0) {
		fprintf(stderr, "%s/%s: %s\n", argv[3], box, ife_strerror(ret));
		ife_store_close(&im->s);
		return 1;
	}
	im->tty = isatty(2);
	clock_gettime(CLOCK_MONOTONIC, &im->t0);
	return 0;
}

static int
import_end(struct importer *im, int ret)
{
	if (ret == 0)
		ret = import_flush(im);
	progress(im, true);
	double el = elapsed(&im->t0);
	printf("imported %" PRIu64 " messages (%" PRIu64 " refused), %" PRIu64
	       " bytes in %.3f s: %.0f msg/s\n",
	       im->done - im->failed, im->failed, im->bytes, el,
	       el > 0 ? (double)im->done / el : 0.0);
	ife_store_batch_destroy(&im->b);
	ife_store_close(&im->s);
	return ret == 0 && im->failed == 0 ? 0 : 1;
}

/* Maildir info flags ":2,DFRST" (https://cr.yp.to/proto/maildir.html) */
static uint32_t
maildir_flags(const char *name)
{
	const char *p = strstr(name, ":2,");
	uint32_t f = 0;
	if (p == NULL)
		return 0;
	for (p += 3; *p; p++) {
		switch (*p) {
		case 'S':
			f |= IFE_STORE_SEEN;
			break;
		case 'R':
			f |= IFE_STORE_ANSWERED;
			break;
		case 'F':
			f |= IFE_STORE_FLAGGED;
			break;
		case 'T':
			f |= IFE_STORE_DELETED;
			break;
		case 'D':
			f |= IFE_STORE_DRAFT;
			break;
		}
	}
	return f;
}

static int
cmd_import_maildir(int argc, char **argv)
{
	struct importer im;
	if (argc < 5)
		return usage();
	if (import_begin(&im, argc, argv) != 0)
		return 1;
	static const char *const subs[] = {"cur", "new"};
	size_t n = 0;
	for (int d = 0; d < 2; d++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", argv[4], subs[d]);
		DIR *dp = opendir(path);
		if (dp == NULL)
			continue;
		struct dirent *de;
		while ((de = readdir(dp)) != NULL)
			n += de->d_name[0] != '.';
		closedir(dp);
	}
	int ret = 0;
	im.total = n;
	/* Maildir names start with the delivery time: name order is
	 * delivery order */
	for (int d = 0; d < 2 && ret == 0; d++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", argv[4], subs[d]);
		struct dirent **list;
		int m = scandir(path, &list, NULL, alphasort);
		if (m < 0)
			continue;
		for (int i = 0; i < m; i++) {
			struct dirent *de = list[i];
			if (de->d_name[0] != '.' && ret == 0) {
				char fp[8192];
				snprintf(fp, sizeof(fp), "%s/%s", path,
					 de->d_name);
				uint8_t *buf = NULL;
				size_t len = 0;
				struct stat st;
				int r = read_file(fp, &buf, &len);
				if (r != 0) {
					fprintf(stderr, "%s: %s\n", fp,
						ife_strerror(r));
					im.failed++;
				} else {
					/* the file's mtime is its delivery
					 * time; gone since the read: 0, the
					 * import time, as for mbox */
					time_t date = stat(fp, &st) == 0
							      ? st.st_mtime
							      : 0;
					ret = import_one(
						&im, buf, len, true,
						maildir_flags(de->d_name),
						date);
				}
			}
			free(de);
		}
		free(list);
	}
	return import_end(&im, ret);
}

/* mboxrd (RFC 4155): messages start at "From " lines; ">From " lines
 * lose one '>'. */
static int
cmd_import_mbox(int argc, char **argv)
{
	struct importer im;
	if (argc < 5)
		return usage();
	int fd = open(argv[4], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[4]);
		return 1;
	}
	struct stat st;
	fstat(fd, &st);
	size_t size = (size_t)st.st_size;
	const char *p =
		size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : "";
	close(fd);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (import_begin(&im, argc, argv) != 0)
		return 1;
	/* count for the progress bar */
	for (size_t i = 0; i < size; i++)
		if ((i == 0 || p[i - 1] == '\n') && size - i >= 5 &&
		    memcmp(p + i, "From ", 5) == 0)
			im.total++;
	int ret = 0;
	size_t pos = 0;
	while (pos < size && ret == 0) {
		if (size - pos < 5 || memcmp(p + pos, "From ", 5) != 0) {
			fprintf(stderr,
				"%s: not an mbox (no From line at %zu)\n",
				argv[4], pos);
			ret = IFE_EPROTO;
			break;
		}
		const char *nl = memchr(p + pos, '\n', size - pos);
		size_t start = nl ? (size_t)(nl - p) + 1 : size, end = start;
		for (;;) {
			const char *q = memchr(p + end, '\n', size - end);
			if (q == NULL) {
				end = size;
				break;
			}
			end = (size_t)(q - p) + 1;
			if (size - end >= 5 && memcmp(p + end, "From ", 5) == 0)
				break;
		}
		pos = end;
		/* the blank line before the next From belongs to the format */
		size_t mend = end;
		if (end < size && mend - start >= 1 && p[mend - 1] == '\n') {
			mend--;
			if (mend > start && p[mend - 1] == '\r')
				mend--;
		}
		uint8_t *buf = malloc(mend - start + 1);
		size_t o = 0;
		for (size_t i = start; i < mend;) {
			const char *q = memchr(p + i, '\n', mend - i);
			size_t le = q ? (size_t)(q - p) + 1 : mend;
			size_t j = i;
			while (j < le && p[j] == '>')
				j++;
			if (j > i && le - j >= 5 &&
			    memcmp(p + j, "From ", 5) == 0)
				i++;
			memcpy(buf + o, p + i, le - i);
			o += le - i;
			i = le;
		}
		ret = import_one(&im, buf, o, true, 0, 0);
	}
	if (size)
		munmap((void *)p, size);
	return import_end(&im, ret);
}

static int
cmd_stat(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	struct ife_store *s = open_store(argv[2], IFE_STORE_RDONLY, 0);
	if (s == NULL)
		return 1;
	struct ife_store_stats st;
	int ret = ife_store_stat(s, &st);
	ife_store_close(&s);
	if (ret != 0) {
		fprintf(stderr, "stat: %s\n", ife_strerror(ret));
		return 1;
	}
	printf("schema_version %u\nusers %" PRIu64 "\nmailboxes %" PRIu64
	       "\nmessages %" PRIu64 "\nunique_blobs %" PRIu64
	       "\nblob_bytes %" PRIu64 "\nindex_bytes %" PRIu64
	       "\npack_bytes %" PRIu64 "\ndead_bytes %" PRIu64
	       "\nmap_size %" PRIu64 "\nfile_bytes %" PRIu64
	       "\nused_bytes %" PRIu64 "\n",
	       st.schema_version, st.users, st.mailboxes, st.messages, st.blobs,
	       st.blob_bytes, st.index_bytes, st.pack_bytes, st.dead_bytes,
	       st.map_size, st.file_bytes, st.used_bytes);
	if (st.blob_bytes)
		printf("overhead %.1f%%\n",
		       100.0 * ((double)st.used_bytes - (double)st.blob_bytes) /
			       (double)st.blob_bytes);
	return 0;
}

static void
print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("problem: %s\n", line);
}

static int
cmd_check(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	struct ife_store *s = open_store(argv[2], IFE_STORE_RDONLY, 0);
	if (s == NULL)
		return 1;
	long n = ife_store_check(s, print_line, NULL);
	ife_store_close(&s);
	if (n < 0) {
		fprintf(stderr, "check: %s\n", ife_strerror((int)n));
		return 1;
	}
	printf("%ld problems\n", n);
	return n == 0 ? 0 : 1;
}

static int
cmd_dump(int argc, char **argv)
{
	if (argc < 4)
		return usage();
	struct ife_store *s = open_store(argv[2], IFE_STORE_RDONLY, 0);
	if (s == NULL)
		return 1;
	struct ife_store_rtxn *r;
	struct ife_store_user u;
	int ret = ife_store_rtxn_begin(s, &r);
	if (ret == 0)
		ret = ife_store_user_find(r, argv[3], strlen(argv[3]), &u);
	if (ret != 0) {
		fprintf(stderr, "%s: %s\n", argv[3], ife_strerror(ret));
		ife_store_rtxn_destroy(&r);
		ife_store_close(&s);
		return 1;
	}
	printf("user %s id %u quota %" PRIu64 "/%" PRIu64 " used %" PRIu64
	       " bytes %" PRIu64 " messages\n",
	       argv[3], u.id, u.quota_bytes, u.quota_msgs, u.used_bytes,
	       u.used_msgs);
	uint64_t pos = 0;
	struct ife_store_mbox mb;
	/* the mailbox iterator and message reads share nothing but r */
	uint32_t ids[4096];
	size_t nb = 0;
	while (nb < 4096 && ife_store_mbox_next(r, u.id, &pos, &mb) == 0)
		ids[nb++] = mb.id;
	for (size_t i = 0; i < nb; i++) {
		ife_store_mbox_get(r, ids[i], &mb);
		printf("mailbox \"%.*s\" id %u uidvalidity %u uidnext %u "
		       "highestmodseq %" PRIu64 " messages %u unseen %u%s\n",
		       (int)mb.name_len, mb.name, mb.id, mb.uidvalidity,
		       mb.uidnext, mb.highestmodseq, mb.messages, mb.unseen,
		       mb.flags & IFE_STORE_MBOX_SUBSCRIBED ? " subscribed"
							    : "");
		uint32_t uid = 1;
		struct ife_store_msg m;
		while (ife_store_msg_next(r, mb.id, &uid, &m) == 0) {
			static char env[1 << 20];
			size_t el =
				ife_mime_envelope(&m.index, env, sizeof(env));
			if (el > sizeof(env))
				el = sizeof(env);
			printf("  uid %u flags 0x%x modseq %" PRIu64
			       " size %u ENVELOPE (%.*s)\n",
			       m.uid, m.flags, m.modseq, m.size, (int)el, env);
			if (m.uid == UINT32_MAX)
				break;
		}
	}
	ife_store_rtxn_destroy(&r);
	ife_store_close(&s);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"init", cmd_init},
		{"user-add", cmd_user_add},
		{"import-maildir", cmd_import_maildir},
		{"import-mbox", cmd_import_mbox},
		{"stat", cmd_stat},
		{"check", cmd_check},
		{"dump", cmd_dump},
		{"mime", cmd_mime},
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc, argv);
	return usage();
}
