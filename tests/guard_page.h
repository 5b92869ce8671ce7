/*
 * Guard-page harness (after picohttpparser/h2o): place a buffer so that its
 * last byte is the last byte of a readable page, followed by a PROT_NONE
 * page. Any read past the end faults at once, even without ASAN.
 */
#ifndef GUARD_PAGE_H
#define GUARD_PAGE_H

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct guard_buf {
	void *map;
	size_t map_len;
	char *data; /* len bytes ending at the guard page */
};

static inline int
guard_buf_init(struct guard_buf *g, const void *src, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t body = (len + pg - 1) / pg * pg;
	if (body == 0)
		body = pg;
	g->map_len = body + pg;
	g->map = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->map == MAP_FAILED)
		return -1;
	if (mprotect((char *)g->map + body, pg, PROT_NONE) != 0) {
		munmap(g->map, g->map_len);
		return -1;
	}
	g->data = (char *)g->map + body - len;
	if (len)
		memcpy(g->data, src, len);
	return 0;
}

static inline void
guard_buf_free(struct guard_buf *g)
{
	munmap(g->map, g->map_len);
	g->map = NULL;
}

#endif /* GUARD_PAGE_H */
