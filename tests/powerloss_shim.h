/*
 * In-process write recorder for the power-loss test
 * (tests/test_store_powerloss.c, method in docs/durability.md).
 *
 * tests/powerloss_shim.c defines write, pwrite, pwrite64, writev, pwritev,
 * pwritev64, fdatasync, fsync, ftruncate, ftruncate64, sync_file_range,
 * syncfs, sync and msync in the test executable. The dynamic linker binds
 * liblmdb.so's calls to these definitions (the executable comes first in
 * the global lookup scope), so every file write and every flush LMDB makes
 * passes through here: each performs the real system call and, while
 * recording, logs what happened to the one file being watched.
 *
 * Not thread-safe by design: the store has one writer and the test runs it
 * on one thread.
 */
#ifndef POWERLOSS_SHIM_H
#define POWERLOSS_SHIM_H

#include <stddef.h>
#include <stdint.h>

/** Kinds of logged events. */
enum powerloss_ev_kind {
	POWERLOSS_EV_WRITE = 1, /**< bytes written at off (data in arena) */
	POWERLOSS_EV_SYNC = 2,	/**< fdatasync/fsync/syncfs/sync: all writes
				   to the file before it are durable */
	POWERLOSS_EV_TRUNC = 3, /**< ftruncate to off */
	POWERLOSS_EV_MARK = 4,	/**< a test marker (mark, arg) */
};

/** Which call produced an event (for statistics and reports). */
enum powerloss_call {
	POWERLOSS_CALL_WRITE,
	POWERLOSS_CALL_PWRITE,
	POWERLOSS_CALL_WRITEV,
	POWERLOSS_CALL_PWRITEV,
	POWERLOSS_CALL_FDATASYNC,
	POWERLOSS_CALL_FSYNC,
	POWERLOSS_CALL_SYNC_FILE_RANGE,
	POWERLOSS_CALL_SYNCFS,
	POWERLOSS_CALL_FTRUNCATE,
	POWERLOSS_CALL_MSYNC,
	POWERLOSS_CALL_MARK,
	POWERLOSS_CALL_COUNT,
};

/** One logged event. */
struct powerloss_ev {
	uint8_t kind;  /**< enum powerloss_ev_kind */
	uint8_t call;  /**< enum powerloss_call */
	uint8_t dsync; /**< WRITE through an O_DSYNC/O_SYNC descriptor:
			  durable when the call returned */
	uint8_t pad;
	uint32_t mark; /**< MARK: the test's marker kind */
	uint64_t off;  /**< WRITE: file offset; TRUNC: new size;
			  MARK: argument */
	uint64_t len;  /**< WRITE: bytes written */
	uint64_t data; /**< WRITE: offset of the bytes in the arena */
};

/** The recording: valid until the next powerloss_shim_start/reset. */
struct powerloss_log {
	const struct powerloss_ev *ev;
	size_t n;
	const uint8_t *arena;
	/** calls made on the watched file, by enum powerloss_call (a
	 * writev of n buffers is one call and n WRITE events) */
	uint64_t calls[POWERLOSS_CALL_COUNT];
	/** msync calls seen anywhere while recording: the file is never
	 * mapped writable by LMDB without MDB_WRITEMAP, so any is suspect */
	uint64_t msyncs;
};

/**
 * Start recording the calls on the file at @p path (it need not exist
 * yet: it is matched by device and inode once it does). Discards any
 * earlier recording.
 */
void powerloss_shim_start(const char *path);

/** Stop recording (the log is kept). */
void powerloss_shim_stop(void);

/** Append a marker event (the test's own bookkeeping: commit begun,
 * acknowledged...). */
void powerloss_shim_mark(uint32_t mark, uint64_t arg);

/** The recording so far. */
void powerloss_shim_log(struct powerloss_log *out);

/** Free the recording. */
void powerloss_shim_reset(void);

/** Name of an enum powerloss_call value. */
const char *powerloss_call_name(unsigned call);

#endif /* POWERLOSS_SHIM_H */
