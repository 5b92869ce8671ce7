/* Prefault the port's socket-mapped rings (see dp_prefault.h). */
#include "dp_prefault.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

/* A hex field ending in sep; its value in *v, the byte after sep returned
 * (NULL when malformed). */
static const char *
hex_field(const char *s, char sep, uintmax_t *v)
{
	char *end;
	if (!isxdigit((unsigned char)*s))
		return NULL;
	errno = 0;
	*v = strtoumax(s, &end, 16);
	if (errno != 0 || *end != sep)
		return NULL;
	return end + 1;
}

int
ife_dp_maps_socket_line(const char *line, uintptr_t *lo, uintptr_t *hi)
{
	/* "lo-hi perms offset dev inode [path]" */
	uintmax_t a, b;
	const char *s = hex_field(line, '-', &a);
	if (s != NULL)
		s = hex_field(s, ' ', &b);
	if (s == NULL || b < a)
		return -1;
	const char *perms = s;
	if (strspn(perms, "rwxsp-") != 4 || perms[4] != ' ')
		return -1;
	s = perms + 5;
	for (int f = 0; f < 3; f++) { /* offset, dev, inode */
		size_t n = strcspn(s, " \n");
		if (n == 0)
			return -1;
		s += n;
		s += strspn(s, " ");
	}
	if (perms[0] != 'r' || perms[1] != 'w' || perms[3] != 's')
		return 0;
	if (strncmp(s, "socket:[", 8) != 0)
		return 0;
	*lo = (uintptr_t)a;
	*hi = (uintptr_t)b;
	return 1;
}

size_t
ife_dp_prefault_range(uintptr_t lo, uintptr_t hi, size_t page)
{
	size_t n = 0;
	/* A compare-and-swap of the value with itself: a write the kernel's
	 * concurrent stores cannot be lost to. Not an atomic OR of zero:
	 * clang turns that into a plain load, or drops it (even volatile),
	 * and a read fault maps no page for writing; the unit test caught it
	 * in the clang ASAN build. */
	for (uintptr_t x = lo; x < hi; x += page, n++) {
		uint64_t *w = (uint64_t *)x;
		uint64_t v = __atomic_load_n(w, __ATOMIC_RELAXED);
		while (!__atomic_compare_exchange_n(
			w, &v, v, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
	return n;
}

int64_t
ife_dp_prefault_sockets(FILE *maps, size_t page)
{
	char line[4096 + 256]; /* PATH_MAX and the fields before it */
	int64_t bytes = 0;
	while (fgets(line, sizeof(line), maps) != NULL) {
		uintptr_t lo, hi;
		int rc = ife_dp_maps_socket_line(line, &lo, &hi);
		if (rc < 0)
			return -1;
		if (rc == 1)
			bytes += (int64_t)(ife_dp_prefault_range(lo, hi, page) *
					   page);
	}
	return bytes;
}
