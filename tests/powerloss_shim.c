/*
 * In-process interposition of the write and flush calls of libc, for the
 * power-loss test (powerloss_shim.h, docs/durability.md).
 *
 * Why in-process rather than an LD_PRELOAD library: the functions below
 * are defined in the test executable, which is linked with
 * --export-dynamic, so the dynamic linker resolves liblmdb.so's
 * references to them exactly as it would to an LD_PRELOAD library's, but
 *  - the test needs no environment variable and no re-exec of itself;
 *  - in the ASan/UBSan build the sanitizer runtime (linked statically by
 *    clang) stays first in the lookup order: its own interceptors of these
 *    names are weak and ours replace them, so there is no "ASan runtime
 *    does not come first in initial library list" problem;
 *  - the real work is done by raw system calls (syscall(2)), never by
 *    dlsym(RTLD_NEXT), so the result does not depend on which runtime
 *    would come "next".
 * The test checks that the interposition works: the file rebuilt from the
 * log must equal the real data.mdb after every commit.
 *
 * _FILE_OFFSET_BITS is undone so that "pwrite" below defines the symbol
 * pwrite and not (through glibc's __REDIRECT) pwrite64.
 */
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "powerloss_shim.h"

/* Recording state; one watched file. */
static struct {
	int on;
	char path[4096];
	int have_ino;
	dev_t dev;
	ino_t ino;
	struct powerloss_ev *ev;
	size_t n, cap;
	uint8_t *arena;
	size_t used, acap;
	uint64_t calls[POWERLOSS_CALL_COUNT];
	uint64_t msyncs;
} rec;

static const char *const call_names[POWERLOSS_CALL_COUNT] = {
	[POWERLOSS_CALL_WRITE] = "write",
	[POWERLOSS_CALL_PWRITE] = "pwrite",
	[POWERLOSS_CALL_WRITEV] = "writev",
	[POWERLOSS_CALL_PWRITEV] = "pwritev",
	[POWERLOSS_CALL_FDATASYNC] = "fdatasync",
	[POWERLOSS_CALL_FSYNC] = "fsync",
	[POWERLOSS_CALL_SYNC_FILE_RANGE] = "sync_file_range",
	[POWERLOSS_CALL_SYNCFS] = "syncfs",
	[POWERLOSS_CALL_FTRUNCATE] = "ftruncate",
	[POWERLOSS_CALL_MSYNC] = "msync",
	[POWERLOSS_CALL_MARK] = "mark",
};

const char *
powerloss_call_name(unsigned call)
{
	return call < POWERLOSS_CALL_COUNT ? call_names[call] : "?";
}

static void
shim_oom(void)
{
	static const char m[] = "powerloss_shim: out of memory\n";
	(void)!syscall(SYS_write, 2, m, sizeof(m) - 1);
	abort();
}

static struct powerloss_ev *
shim_ev_add(uint8_t kind, uint8_t call)
{
	if (rec.n == rec.cap) {
		size_t cap = rec.cap ? rec.cap * 2 : 4096;
		void *p = realloc(rec.ev, cap * sizeof(*rec.ev));
		if (p == NULL)
			shim_oom();
		rec.ev = p;
		rec.cap = cap;
	}
	struct powerloss_ev *e = &rec.ev[rec.n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->call = call;
	return e;
}

static uint64_t
shim_arena_add(const void *p, size_t len)
{
	if (rec.used + len > rec.acap) {
		size_t cap = rec.acap ? rec.acap : (1u << 20);
		while (rec.used + len > cap)
			cap *= 2;
		void *q = realloc(rec.arena, cap);
		if (q == NULL)
			shim_oom();
		rec.arena = q;
		rec.acap = cap;
	}
	uint64_t at = rec.used;
	memcpy(rec.arena + at, p, len);
	rec.used += len;
	return at;
}

/* Is fd the watched file? Sets *dsync when writes through it are
 * synchronous (O_DSYNC; O_SYNC includes the O_DSYNC bit). */
static int
shim_watched(int fd, int *dsync)
{
	struct stat st;

	if (!rec.on || fd < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	if (!rec.have_ino) {
		struct stat p;
		if (stat(rec.path, &p) != 0)
			return 0;
		rec.dev = p.st_dev;
		rec.ino = p.st_ino;
		rec.have_ino = 1;
	}
	if (st.st_dev != rec.dev || st.st_ino != rec.ino)
		return 0;
	if (dsync != NULL) {
		int fl = fcntl(fd, F_GETFL);
		*dsync = fl >= 0 && (fl & O_DSYNC) == O_DSYNC;
	}
	return 1;
}

static void
shim_log_write(uint8_t call, int dsync, uint64_t off, const void *p, size_t len)
{
	if (len == 0)
		return;
	struct powerloss_ev *e = shim_ev_add(POWERLOSS_EV_WRITE, call);
	e->dsync = (uint8_t)dsync;
	e->off = off;
	e->len = len;
	e->data = shim_arena_add(p, len);
}

/* Gathered writes: log each buffer as one event at its own offset; a
 * partial write logs only the bytes the kernel took. */
static void
shim_log_iov(uint8_t call, int dsync, uint64_t off, const struct iovec *iov,
	     int cnt, size_t done)
{
	for (int i = 0; i < cnt && done > 0; i++) {
		size_t l = iov[i].iov_len < done ? iov[i].iov_len : done;
		shim_log_write(call, dsync, off, iov[i].iov_base, l);
		off += l;
		done -= l;
	}
}

/* Offset of a write through the file position: where it ended less what
 * it wrote (right also for O_APPEND). */
static uint64_t
shim_pos_before(int fd, size_t done)
{
	off_t end = lseek(fd, 0, SEEK_CUR);
	return end < 0 ? 0 : (uint64_t)end - done;
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	int ds = 0, w = shim_watched(fd, &ds);
	ssize_t r = syscall(SYS_write, fd, buf, n);
	rec.calls[POWERLOSS_CALL_WRITE] += w;
	if (w && r > 0)
		shim_log_write(POWERLOSS_CALL_WRITE, ds,
			       shim_pos_before(fd, (size_t)r), buf, (size_t)r);
	return r;
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	int ds = 0, w = shim_watched(fd, &ds);
	ssize_t r = syscall(SYS_pwrite64, fd, buf, n, off);
	rec.calls[POWERLOSS_CALL_PWRITE] += w;
	if (w && r > 0)
		shim_log_write(POWERLOSS_CALL_PWRITE, ds, (uint64_t)off, buf,
			       (size_t)r);
	return r;
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	return pwrite(fd, buf, n, (off_t)off);
}

ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
	int ds = 0, w = shim_watched(fd, &ds);
	ssize_t r = syscall(SYS_writev, fd, iov, cnt);
	rec.calls[POWERLOSS_CALL_WRITEV] += w;
	if (w && r > 0)
		shim_log_iov(POWERLOSS_CALL_WRITEV, ds,
			     shim_pos_before(fd, (size_t)r), iov, cnt,
			     (size_t)r);
	return r;
}

ssize_t
pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	int ds = 0, w = shim_watched(fd, &ds);
	/* the kernel takes the offset as (low, high) longs */
	ssize_t r = syscall(SYS_pwritev, fd, iov, cnt, (long)off,
			    (long)((uint64_t)off >> 32));
	rec.calls[POWERLOSS_CALL_PWRITEV] += w;
	if (w && r > 0)
		shim_log_iov(POWERLOSS_CALL_PWRITEV, ds, (uint64_t)off, iov,
			     cnt, (size_t)r);
	return r;
}

ssize_t
pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
	return pwritev(fd, iov, cnt, (off_t)off);
}

static int
shim_sync(int fd, long nr, uint8_t call)
{
	int w = shim_watched(fd, NULL);
	int r = (int)syscall(nr, fd);
	rec.calls[call] += w;
	if (w && r == 0)
		shim_ev_add(POWERLOSS_EV_SYNC, call);
	return r;
}

int
fdatasync(int fd)
{
	return shim_sync(fd, SYS_fdatasync, POWERLOSS_CALL_FDATASYNC);
}

int
fsync(int fd)
{
	return shim_sync(fd, SYS_fsync, POWERLOSS_CALL_FSYNC);
}

int
syncfs(int fd)
{
	/* any file on the same file system: flushes the watched one too */
	int r = (int)syscall(SYS_syncfs, fd);
	rec.calls[POWERLOSS_CALL_SYNCFS] += rec.on;
	if (rec.on && r == 0)
		shim_ev_add(POWERLOSS_EV_SYNC, POWERLOSS_CALL_SYNCFS);
	return r;
}

void
sync(void)
{
	syscall(SYS_sync);
	rec.calls[POWERLOSS_CALL_SYNCFS] += rec.on;
	if (rec.on)
		shim_ev_add(POWERLOSS_EV_SYNC, POWERLOSS_CALL_SYNCFS);
}

/* sync_file_range starts or waits for write-back of a range but flushes
 * neither metadata nor the disk cache: not a durability point. Counted,
 * so that a store starting to rely on it is noticed. */
int
sync_file_range(int fd, off64_t off, off64_t n, unsigned int flags)
{
	int w = shim_watched(fd, NULL);
	int r = (int)syscall(SYS_sync_file_range, fd, off, n, flags);
	if (w)
		rec.calls[POWERLOSS_CALL_SYNC_FILE_RANGE]++;
	return r;
}

int
ftruncate(int fd, off_t len)
{
	int w = shim_watched(fd, NULL);
	int r = (int)syscall(SYS_ftruncate, fd, len);
	rec.calls[POWERLOSS_CALL_FTRUNCATE] += w;
	if (w && r == 0) {
		struct powerloss_ev *e = shim_ev_add(POWERLOSS_EV_TRUNC,
						     POWERLOSS_CALL_FTRUNCATE);
		e->off = (uint64_t)len;
	}
	return r;
}

int
ftruncate64(int fd, off64_t len)
{
	return ftruncate(fd, (off_t)len);
}

int
msync(void *addr, size_t len, int flags)
{
	if (rec.on)
		rec.msyncs++;
	return (int)syscall(SYS_msync, addr, len, flags);
}

void
powerloss_shim_start(const char *path)
{
	powerloss_shim_reset();
	snprintf(rec.path, sizeof(rec.path), "%s", path);
	rec.on = 1;
}

void
powerloss_shim_stop(void)
{
	rec.on = 0;
}

void
powerloss_shim_mark(uint32_t mark, uint64_t arg)
{
	struct powerloss_ev *e =
		shim_ev_add(POWERLOSS_EV_MARK, POWERLOSS_CALL_MARK);
	e->mark = mark;
	e->off = arg;
}

void
powerloss_shim_log(struct powerloss_log *out)
{
	out->ev = rec.ev;
	out->n = rec.n;
	out->arena = rec.arena;
	memcpy(out->calls, rec.calls, sizeof(out->calls));
	out->msyncs = rec.msyncs;
}

void
powerloss_shim_reset(void)
{
	free(rec.ev);
	free(rec.arena);
	memset(&rec, 0, sizeof(rec));
}
