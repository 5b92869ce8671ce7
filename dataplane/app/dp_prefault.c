/* Prefault the port's socket-mapped rings (see dp_prefault.h). */
#include "dp_prefault.h"

#include <inttypes.h>
#include <string.h>

int
ife_dp_maps_socket_line(const char *line, uintptr_t *lo, uintptr_t *hi)
{
	/* "lo-hi perms offset dev inode [path]" */
	uintmax_t a, b;
	char perms[8];
	int path = 0;
	if (sscanf(line, "%jx-%jx %7s %*s %*s %*s %n", &a, &b, perms, &path) <
		    3 ||
	    path == 0 || b < a || strlen(perms) != 4)
		return -1;
	if (perms[0] != 'r' || perms[1] != 'w' || perms[3] != 's')
		return 0;
	if (strncmp(line + path, "socket:[", 8) != 0)
		return 0;
	*lo = (uintptr_t)a;
	*hi = (uintptr_t)b;
	return 1;
}

size_t
ife_dp_prefault_range(uintptr_t lo, uintptr_t hi, size_t page)
{
	size_t n = 0;
	for (uintptr_t x = lo; x < hi; x += page, n++)
		__atomic_fetch_or((uint64_t *)x, 0, __ATOMIC_RELAXED);
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
