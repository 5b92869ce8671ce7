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
	DB_MODSEQ,   /* mbox BE4 | modseq BE8 | uid BE4 -> "" */
	DB_EXPUNGED, /* mbox BE4 | modseq BE8 | uid BE4 -> "" */
	DB_KEYWORDS, /* mbox BE4 | idx u8 -> keyword name */
	DB_BLOB,     /* blob id BE8 -> struct blob_rec */
	DB_BLOBHASH, /* sha256[32] -> blob id (u64 host) */
	DB_PACK,     /* pack id BE8 -> blob bytes and indexes, 8-aligned */
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

struct msg_rec {
	uint32_t flags;
	uint32_t size; /* raw bytes */
	uint64_t modseq;
	int64_t internal_date;
	int64_t save_date;
	uint64_t keywords;
	uint64_t blob;
	uint64_t pack;
	uint32_t off;	  /* raw bytes at pack + off */
	uint32_t idx_len; /* index at pack + off + ALIGN8(size) */
};

struct blob_rec {
	uint8_t sha[32];
	uint64_t pack;
	uint32_t off, raw_len, idx_len, refcount;
};

struct pack_rec {
	uint64_t live; /* bytes of blobs still referenced */
	uint64_t total;
};

#define ALIGN8(x) (((x) + 7u) & ~(size_t)7u)
#define PACK_MAX  (16u << 20) /* start a new pack past this */

struct ife_store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	struct ife_store_opts opts;
	size_t map_size;
	bool rdonly;
	struct ife_mime_builder *mime;
};

struct ife_store_rtxn {
	struct ife_store *s;
	MDB_txn *txn;
	MDB_cursor *cur_msg, *cur_uids, *cur_modseq, *cur_exp, *cur_name;
	bool active;
};

/* A queued operation and its result. */
struct bop {
	struct ife_store_op op;
	struct ife_store_result res;
	uint32_t u32_first; /* results arrays in b->u32 */
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
	struct mbuf pack; /* bytes of the pack being built */
	uint64_t pack_id; /* 0: none started */
	uint64_t pack_live;
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
int store_fill_msg(struct ife_store *s, MDB_txn *t, uint32_t uid,
		   const struct msg_rec *m, struct ife_store_msg *out);

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

/* store_blob.c */
int store_blob_add(struct ife_store_batch *b, const void *data, size_t len,
		   struct msg_rec *m);
int store_blob_ref(struct ife_store_batch *b, uint64_t blob);
int store_blob_unref(struct ife_store_batch *b, uint64_t blob);
int store_pack_flush(struct ife_store_batch *b);
int store_pack_view(MDB_txn *t, struct ife_store *s, uint64_t pack, MDB_val *v);
void store_sha256(const void *data, size_t len, uint8_t out[32]);

#endif /* IFE_STORE_PVT_H */
