/*
 * Disk model of the power-loss test (docs/durability.md): replays the
 * log of tests/powerloss_shim.c and, at any point of it, builds a file a
 * power cut could leave on a disk with 512-byte atomic sectors and a
 * volatile cache that honours flushes.
 *
 * State kept while replaying:
 *  - the durable image: every sector as the last durability point left it
 *    (fdatasync/fsync: the whole file and its size; a write through an
 *    O_DSYNC descriptor: that write's sectors and the size it implies);
 *  - the pending versions: for each sector, every content it had in the
 *    page cache since it was last durable, each tied to the write that
 *    produced it;
 *  - the test's markers: the last batch whose commit began and the last
 *    one acknowledged.
 */
#ifndef POWERLOSS_MODEL_H
#define POWERLOSS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "powerloss_shim.h"

#define POWERLOSS_SECTOR 512u

/** Markers the test logs (powerloss_shim_mark); arg = batch number. */
enum powerloss_mark {
	POWERLOSS_MARK_BEGIN = 1, /**< commit of batch arg begins */
	POWERLOSS_MARK_ACK = 2,	  /**< batch arg acknowledged */
};

/** What reaches the disk of the writes not yet durable at a cut. */
enum powerloss_mode {
	POWERLOSS_MODE_DURABLE_ONLY, /**< none of them */
	POWERLOSS_MODE_ALL,	     /**< all (what kill -9 leaves) */
	POWERLOSS_MODE_SECTOR,	     /**< per sector, any version or none */
	POWERLOSS_MODE_WRITES,	     /**< a random subset of whole writes */
	POWERLOSS_MODE_ORDERED,	     /**< in issue order up to a torn one */
	POWERLOSS_MODE_COUNT,
};

/** Faults injected into the model by the negative controls. */
enum powerloss_fault {
	POWERLOSS_FAULT_NONE,
	POWERLOSS_FAULT_NO_FDATASYNC, /**< fdatasync/fsync make nothing
					 durable (O_DSYNC writes still do) */
	POWERLOSS_FAULT_DROP_DSYNC,   /**< one O_DSYNC write is not durable */
};

/** A pending version of one sector: its content after one write. */
struct powerloss_ver {
	uint32_t sector;
	int32_t prev; /**< older pending version of the sector, -1 none */
	uint32_t write;
	uint8_t alive; /**< 0: a later durable write superseded it */
	uint64_t end;  /**< file length this version implies */
};

/** A write not yet durable: its sector versions. */
struct powerloss_pw {
	uint32_t first, n;
};

/** The model. Zero it, then set fault/drop_ev and acked = begun = -1
 * (powerloss_model_init does that). */
struct powerloss_model {
	/* set once */
	enum powerloss_fault fault;
	size_t drop_ev; /**< POWERLOSS_FAULT_DROP_DSYNC: that event */
	/* the file */
	uint8_t *dur, *lat; /**< durable and latest (page cache) images */
	size_t capsec;	    /**< sectors allocated in dur, lat, head */
	uint64_t dlen, llen;
	/* writes not yet durable */
	int32_t *head; /**< newest pending version per sector, -1 none */
	struct powerloss_ver *ver;
	uint8_t *blk; /**< POWERLOSS_SECTOR bytes per version */
	size_t nver, capver, capblk;
	struct powerloss_pw *pw;
	size_t npw, cappw;
	uint32_t *dirty; /**< sectors that have had pending versions */
	size_t ndirty, capdirty;
	/* markers */
	int32_t acked; /**< last acknowledged batch, -1 none */
	int32_t begun; /**< last batch whose commit began, -1 none */
};

/** What an image holds, for the test's statistics. */
struct powerloss_image_info {
	uint64_t len;		  /**< file length chosen */
	uint32_t pending_sectors; /**< sectors with a pending version */
	uint32_t taken;		  /**< of them, given one in the image */
	uint32_t torn;		  /**< writes that reached the disk in part */
};

void powerloss_model_init(struct powerloss_model *m, enum powerloss_fault f,
			  size_t drop_ev);
void powerloss_model_deinit(struct powerloss_model *m);

/**
 * Apply event @p i of a log (its bytes in @p arena).
 * @return 0, or -1 for an event the model does not handle (ftruncate).
 */
int powerloss_model_event(struct powerloss_model *m,
			  const struct powerloss_ev *e, size_t i,
			  const uint8_t *arena);

/**
 * Apply event @p e as still under way when the power is cut: a write,
 * even through an O_DSYNC descriptor, is pending (may reach the disk in
 * part); a flush has not completed (nothing changes).
 * @return 0, or -1 for an event the model does not handle.
 */
int powerloss_model_inflight(struct powerloss_model *m,
			     const struct powerloss_ev *e,
			     const uint8_t *arena);

/**
 * Build a file a power cut at this point could leave: the durable image
 * plus, by @p mode and @p seed, some of the pending versions; with
 * probability 1/4 the size reached the disk and the data did not (the
 * file is longer, with zeros). *out is malloc'ed, inf->len bytes are
 * meaningful.
 */
void powerloss_model_image(const struct powerloss_model *m,
			   enum powerloss_mode mode, uint64_t seed,
			   uint8_t **out, struct powerloss_image_info *inf);

const char *powerloss_mode_name(unsigned mode);

/** realloc that aborts when out of memory (test helpers). */
void *powerloss_realloc(void *p, size_t n);

/** Grow *p (elements of size sz, capacity *cap) to hold need elements;
 * new memory is zeroed. Aborts when out of memory. */
void powerloss_grow(void **p, size_t *cap, size_t need, size_t sz);

/* Deterministic random numbers shared with the test (xorshift64*). */
static inline uint64_t
powerloss_rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

/** A generator state from two numbers (never 0). */
static inline uint64_t
powerloss_rng_seed(uint64_t a, uint64_t b)
{
	uint64_t s = (a + 1) * 0x9E3779B97F4A7C15ull ^
		     (b + 7) * 0xBF58476D1CE4E5B9ull;
	s ^= s >> 31;
	return s ? s : 1;
}

/** Uniform in [0, n), 0 when n is 0. */
static inline uint32_t
powerloss_rng_below(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)(powerloss_rng_next(s) % n) : 0;
}

#endif /* POWERLOSS_MODEL_H */
