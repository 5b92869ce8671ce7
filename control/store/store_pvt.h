/*
 * Mailstore internals shared by store_*.c and tests/test_store.c.
 * Schema: docs/mailstore.md. Every key is big-endian so that LMDB's
 * memcmp order is numeric order; records are fixed little-endian host
 * structs read and written with memcpy (LMDB values are only 2-byte
 * aligned).
 */
#ifndef IFE_STORE_PVT_H
#define IFE_STORE_PVT_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "imapfe/mime.h"
#include "imapfe/store.h"
#include "mime_pvt.h"

/* Named databases, in dbi[] order. */
enum store_db {
	DB_META,     /* "version", counters -> u32/u64 */
	DB_USERS,    /* user name -> struct user_rec */
	DB_USERID,   /* user id BE4 -> user name */
	DB_MBOXNAME, /* user BE4 | name -> mbox id BE4 */
	DB_MBOX,     /* mbox id BE4 -> struct mbox_rec | name */
	DB_MSG,	     /* mbox BE4 | uid BE4 -> struct msg_rec */
	DB_UIDS,     /* mbox BE4 -> uid (u32 host, DUPSORT|DUPFIXED|INTDUP) */
	DB_MODSEQ,   /* mbox BE4 -> modseq BE8 | uid BE4 (DUPSORT|DUPFIXED):
			the modseq log, append-only, stale entries filtered */
	DB_EXPUNGED, /* mbox BE4 -> modseq BE8 | uid BE4 (DUPSORT|DUPFIXED) */
	DB_KEYWORDS, /* mbox BE4 | idx u8 -> keyword name */
	DB_BLOB,     /* blob id BE8 -> struct blob_rec */
	DB_PACK,     /* pack id BE8 -> pack_hdr | raw | index region | dir */
	DB_PACKMETA, /* pack id BE8 -> struct pack_rec */
	DB_COUNT
};

struct user_rec {
	uint32_t id;
	uint32_t flags;
	uint64_t quota_bytes, quota_msgs;
	uint64_t used_bytes, used_msgs;
};

struct mbox_rec {
	uint32_t user;
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint32_t flags;
	uint64_t highestmodseq;
	uint32_t messages, unseen, deleted;
	uint16_t name_len;
	uint16_t reserved;
	uint64_t size;
	/* followed by name_len bytes of name */
};

/* 68 bytes. pack/off/ioff repeat the blob's location so that a FETCH
 * needs no blob lookup; after a pack compaction the pack they name is
 * gone and readers follow blob_rec instead (pack ids are never reused). */
struct msg_rec {
	uint32_t flags;
	uint32_t size; /* raw bytes */
	uint64_t modseq;
	int64_t internal_date;
	int64_t save_date;
	uint64_t keywords;
	uint64_t blob;
	uint64_t pack;
	uint32_t off;	  /* raw bytes at pack value + off */
	uint32_t ioff;	  /* index at pack value + idx_base + ioff */
	uint32_t idx_len; /* index bytes */
} __attribute__((packed));

/* 28 bytes. The dedup key (store_hash8) is kept in the directory of the
 * pack the blob was written to, not here. */
struct blob_rec {
	uint64_t pack;
	uint32_t off, raw_len, ioff, idx_len, refcount;
} __attribute__((packed));

/* Pack directory entry: every blob written to the pack, in order. */
struct pack_dirent {
	uint64_t blob;
	uint64_t hash; /* store_hash8() of the raw bytes (dedup key) */
};

/*
 * The dedup index: a set-associative table in the writer's memory,
 * (hash, blob id) per slot, rebuilt at open from the pack directories.
 * It is a cache: a hit is confirmed against the blob record and the
 * bytes, so stale or evicted entries cost only a missed dedup. Replaces
 * an LMDB hash index whose random inserts rewrote most of its leaf pages
 * at every commit. 16 bytes a slot; DEDUP_MAX_SLOTS bounds the memory
 * (past it the oldest entry of a bucket is replaced).
 */
#define DEDUP_WAYS	4
#define DEDUP_MIN_SLOTS (1u << 16)
#define DEDUP_MAX_SLOTS (1u << 23) /* 128 MiB */
struct store_dedup {
	struct pack_dirent *slot; /* nbuckets * DEDUP_WAYS, blob 0 = free */
	uint32_t nbuckets;	  /* power of 2 */
	uint64_t used;
};

struct pack_rec {
	uint64_t live;	  /* BLOB_SPACE of the blobs still referenced */
	uint64_t total;	  /* size of the pack value */
	uint64_t written; /* BLOB_SPACE of every blob written to it */
};

/* A pack value: this header, the raw messages back to back, padding to
 * 8, the index region (each index padded to 4), then the directory:
 * (blob id, hash) of every blob written to it, for compaction and for
 * rebuilding the dedup index. */
struct pack_hdr {
	uint32_t magic;
	uint32_t nblobs;
	uint32_t idx_base; /* offset of the index region */
	uint32_t dir_off;  /* offset of the directory (struct pack_dirent) */
};
#define PACK_MAGIC 0x4b504649u /* "IFPK" */

/* A blob's bytes in pack accounting: raw + index padded to 4. */
#define BLOB_SPACE(raw, idx) ((uint64_t)(raw) + (((uint64_t)(idx) + 3) & ~3ull))
/* Rewrite a pack whose live bytes fell below this fraction of it. */
#define PACK_COMPACT_NUM 1
#define PACK_COMPACT_DEN 2
/* Rebuild a mailbox's modseq log past 2 x messages + this slack. */
#define MODSEQ_LOG_SLACK 64

/* A resolved pack, cached per read transaction. */
struct pack_view {
	uint64_t id;
	const uint8_t *p;
	size_t len;
	uint32_t idx_base;
};
#define PACK_CACHE 16

#define ALIGN8(x) (((x) + 7u) & ~(size_t)7u)
#define PACK_MAX  (16u << 20) /* start a new pack past this */

struct ife_store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	struct ife_store_opts opts;
	size_t map_size;
	bool rdonly;
	struct ife_mime_builder *mime;
	struct store_dedup dedup; /* writer only */
};

struct ife_store_rtxn {
	struct ife_store *s;
	MDB_txn *txn;
	MDB_cursor *cur_msg, *cur_uids, *cur_modseq, *cur_exp, *cur_name;
	bool active;
	struct pack_view pc[PACK_CACHE]; /* cleared on reset */
};

/* Raw bytes of the pack being built: p, or copy.p + coff when p is
 * NULL; at raw offset off. */
struct pack_seg {
	const uint8_t *p;
	size_t coff;
	uint32_t off, len;
};

/* A queued operation and its result. */
struct bop {
	struct ife_store_op op;
	struct ife_store_result res;
	uint32_t u32_first; /* results arrays in b->u32 */
	/* APPEND done ahead by ife_store_batch_prepare(): the dedup hash
	 * and the MIME index at b->pidx + pidx_off */
	bool prepared;
	uint64_t hash;
	size_t pidx_off, pidx_len;
};

/* A mailbox and its owner, loaded for message operations; the batch
 * keeps the last one and writes it back once (store_write.c). */
struct mctx {
	uint32_t id;
	struct mbox_rec r;
	char name[IFE_STORE_NAME_MAX];
	struct user_rec ur;
	char uname[IFE_STORE_USER_MAX];
	size_t uname_len;
};

struct ife_store_batch {
	struct ife_store *s;
	struct bop *ops;
	uint32_t nops, capops;
	struct ife_store_change *chg;
	uint32_t nchg, capchg;
	uint32_t *u32; /* uid arrays of results */
	size_t nu32, capu32;
	/* during commit */
	MDB_txn *txn;
	/* the pack being built: raw bytes as segments (views of the
	 * operations' data, or of copy for blobs moved by compaction),
	 * indexes and blob ids in buffers */
	struct pack_seg *seg;
	uint32_t nseg, capseg;
	size_t raw_len;
	struct mbuf copy, idx, dir;
	uint64_t pack_id; /* 0: none started */
	uint64_t pack_live;
	uint64_t *compact; /* packs that fell below the live threshold */
	uint32_t ncompact, capcompact;
	/* ife_store_batch_prepare(): its own indexer and the indexes */
	struct ife_mime_builder *mime;
	struct mbuf pidx;
	uint64_t next_blob, next_pack; /* cached counters, 0 = not loaded */
	struct mctx mc;		       /* cached mailbox of message ops */
	bool mc_valid, mc_dirty, mc_user_dirty;
	int64_t now;
	bool committed;
};

/* keys */
static inline void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
be64(uint8_t *p, uint64_t v)
{
	be32(p, (uint32_t)(v >> 32));
	be32(p + 4, (uint32_t)v);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

/* store_env.c */
extern __thread int store_map_full; /* set when LMDB said MDB_MAP_FULL */
int store_err(int mdb_rc);
int store_meta_get_u64(MDB_txn *t, struct ife_store *s, const char *k,
		       uint64_t *v);
int store_meta_put_u64(MDB_txn *t, struct ife_store *s, const char *k,
		       uint64_t v);
int store_next_id(MDB_txn *t, struct ife_store *s, const char *k,
		  uint64_t first, uint64_t *id);

/* store_read.c */
int store_get_mbox(MDB_txn *t, struct ife_store *s, uint32_t id,
		   struct mbox_rec *rec, const char **name);
int store_get_user_by_id(MDB_txn *t, struct ife_store *s, uint32_t id,
			 struct user_rec *rec, MDB_val *name);
int store_fill_msg(struct ife_store *s, MDB_txn *t, struct pack_view *cache,
		   uint32_t uid, const struct msg_rec *m,
		   struct ife_store_msg *out);

/* store_mailbox.c */
int store_name_canon(const char *name, size_t len, char *out, size_t *olen,
		     const char **why);
int store_op_mailbox(struct ife_store_batch *b, struct bop *o);
int store_op_user(struct ife_store_batch *b, struct bop *o);
int store_put_mbox(MDB_txn *t, struct ife_store *s, uint32_t id,
		   const struct mbox_rec *rec, const char *name);

/* store_write.c */
int store_op_message(struct ife_store_batch *b, struct bop *o);
struct ife_store_change *store_chg_add(struct ife_store_batch *b, struct bop *o,
				       uint8_t kind);
int store_expunge_all(struct ife_store_batch *b, uint32_t mbox,
		      struct mbox_rec *mr, struct user_rec *ur);
int store_batch_counter(struct ife_store_batch *b, uint64_t *cache,
			const char *name, uint64_t *id);
int store_modseq_log_compact(struct ife_store_batch *b, uint32_t mbox,
			     uint32_t messages, bool force);

/* store_blob.c */
int store_blob_add(struct ife_store_batch *b, const struct bop *o,
		   struct msg_rec *m);
int store_blob_ref(struct ife_store_batch *b, uint64_t blob, struct msg_rec *m);
int store_blob_unref(struct ife_store_batch *b, uint64_t blob);
int store_blob_get(MDB_txn *t, struct ife_store *s, uint64_t id,
		   struct blob_rec *br);
int store_pack_compact_all(struct ife_store_batch *b);
int store_pack_compact(struct ife_store_batch *b, uint64_t pack);
int store_pack_flush(struct ife_store_batch *b);
void store_pack_reset(struct ife_store_batch *b);
int store_pack_get(MDB_txn *t, struct ife_store *s, uint64_t pack,
		   struct pack_view *pv);
void store_sha256(const void *data, size_t len, uint8_t out[32]);
uint64_t store_hash8(const void *data, size_t len);
int store_dedup_load(struct ife_store *s, MDB_txn *t);
void store_dedup_free(struct store_dedup *d);
void store_dedup_insert(struct store_dedup *d, uint64_t hash, uint64_t blob);

#endif /* IFE_STORE_PVT_H */
