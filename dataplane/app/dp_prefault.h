/**
 * @file dp_prefault.h
 * @brief Touch every page of the port's socket-mapped rings at start-up.
 *
 * net_af_packet maps a PACKET_RX_RING and a PACKET_TX_RING per queue (64
 * MiB each at the default 32768 frames of 2 KiB). The kernel inserts every
 * page into the mapping up front, so the process takes no page fault on
 * them, yet on the lab's virtual machines the first user-space write to
 * each page still costs a trip through the hypervisor: a fresh dataplane's
 * first 100 x 1 MiB echo ran at half the speed of the next
 * (docs/benchmarks.md, session 9). Writing each page once before traffic
 * moves that cost to start-up.
 *
 * The write is an atomic compare-and-swap of a word with itself: it
 * changes no byte, and a frame the kernel fills at the same moment loses
 * nothing (a plain read-then-write of the same value could undo the
 * kernel's write in between). So it is safe on RX frames the kernel owns
 * and at any time after the port starts. The mappings are found in
 * /proc/self/maps by their "socket:[inode]" path. No EAL needed: tested
 * by tests/test_dp_prefault.c.
 */
#ifndef IFE_DP_PREFAULT_H
#define IFE_DP_PREFAULT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/**
 * Parse one /proc/<pid>/maps line. Returns 1 and sets [*lo, *hi) when it
 * is a readable and writable shared mapping of a socket, 0 for any other
 * mapping, -1 for a line that is not in the maps format.
 */
int ife_dp_maps_socket_line(const char *line, uintptr_t *lo, uintptr_t *hi);

/**
 * Write every page of [lo, hi) once with an atomic compare-and-swap of
 * its first word with itself; page is the page size (a power of two; lo
 * and hi are multiples of it). Returns the pages touched.
 */
size_t ife_dp_prefault_range(uintptr_t lo, uintptr_t hi, size_t page);

/**
 * Prefault every socket mapping listed in maps (an open /proc/self/maps,
 * or any stream in that format). Returns the bytes touched, or -1 when
 * a line is malformed (nothing after it is touched).
 */
int64_t ife_dp_prefault_sockets(FILE *maps, size_t page);

#endif
