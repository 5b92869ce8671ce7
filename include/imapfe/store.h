/**
 * @file store.h
 * @brief imapfe mailstore: one LMDB environment holding users, mailboxes,
 * messages, deduplicated message blobs and their pre-rendered IMAP
 * structures (schema in docs/mailstore.md).
 *
 * Processes and threads:
 * - exactly one writer, the control process: it collects mutations from all
 *   worker rings into an ife_store_batch and commits them in one LMDB write
 *   transaction (group commit, fsync'ed unless opened with
 *   IFE_STORE_NOSYNC). A batch that returned 0 from
 *   ife_store_batch_commit() is durable: acknowledge its operations then.
 * - any number of readers (dataplane workers, any process that opened the
 *   same directory): each keeps one ife_store_rtxn, resets it at the end of
 *   a poll round and renews it at the start of the next. Reads hand out
 *   views into the memory map and never allocate.
 *
 * Errors: 0 or a negative code: -errno, or IFE_* from imapfe/err.h
 * (IFE_ENOTFOUND, IFE_EEXIST, IFE_EQUOTA, IFE_EFULL, IFE_ELIMIT,
 * IFE_EBADNAME, IFE_ESTATE, IFE_ECORRUPT). ife_strerror() gives the text.
 */
#ifndef IMAPFE_STORE_H
#define IMAPFE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "imapfe/mime.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Schema version written in the meta database (docs/mailstore.md). */
#define IFE_STORE_SCHEMA_VERSION 2

/** Message flags (system flags of RFC 9051 2.3.2); \Recent is not stored. */
enum ife_store_flag {
	IFE_STORE_SEEN = 1u << 0,
	IFE_STORE_ANSWERED = 1u << 1,
	IFE_STORE_FLAGGED = 1u << 2,
	IFE_STORE_DELETED = 1u << 3,
	IFE_STORE_DRAFT = 1u << 4,
	IFE_STORE_FLAGS_ALL = 0x1f,
};

/** Mailbox attributes (RFC 6154 special use, subscription). */
enum ife_store_mbox_flag {
	IFE_STORE_MBOX_SUBSCRIBED = 1u << 0,
	IFE_STORE_MBOX_ALL = 1u << 1,
	IFE_STORE_MBOX_ARCHIVE = 1u << 2,
	IFE_STORE_MBOX_DRAFTS = 1u << 3,
	IFE_STORE_MBOX_FLAGGED = 1u << 4,
	IFE_STORE_MBOX_JUNK = 1u << 5,
	IFE_STORE_MBOX_SENT = 1u << 6,
	IFE_STORE_MBOX_TRASH = 1u << 7,
};

/** Limits on names (our rules, docs/mailstore.md). */
#define IFE_STORE_NAME_MAX     255 /**< bytes in a mailbox name */
#define IFE_STORE_DEPTH_MAX    16  /**< hierarchy levels */
#define IFE_STORE_USER_MAX     255 /**< bytes in a user name */
#define IFE_STORE_KEYWORDS_MAX 64  /**< keywords per mailbox */
#define IFE_STORE_SEP	       '/' /**< hierarchy separator */

/** Open options; zero fields take the defaults in brackets. */
struct ife_store_opts {
	size_t map_size;       /**< [1 GiB] initial map size */
	size_t map_max;	       /**< [map_size * 64] growth limit */
	uint32_t max_readers;  /**< [1024] LMDB reader slots */
	uint32_t max_msg_size; /**< [64 MiB] larger APPENDs: IFE_ELIMIT */
	uint32_t flags;	       /**< IFE_STORE_* open flags */
};

/** Open flags. */
enum ife_store_open_flag {
	IFE_STORE_RDONLY = 1u << 0, /**< reader only (dataplane) */
	IFE_STORE_NOSYNC = 1u << 1, /**< no fsync: tests/benchmarks only */
	IFE_STORE_CREATE = 1u << 2, /**< create the directory and schema */
};

struct ife_store;
struct ife_store_rtxn;
struct ife_store_batch;

/**
 * Open (or with IFE_STORE_CREATE, create) the store in directory @p dir.
 *
 * @return 0; -ENOENT (no store and no IFE_STORE_CREATE); IFE_ESTATE
 *         (schema version other than this build's: newer, refused rather
 *         than guessed at; older, no migration from it yet);
 *         IFE_ECORRUPT; -errno from LMDB or the file system.
 */
int ife_store_open(const char *dir, const struct ife_store_opts *opts,
		   struct ife_store **out);

/** Close the store and set *s to NULL. All rtxns and batches of it must
 * have been destroyed. NULL-safe. */
void ife_store_close(struct ife_store **s);

/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */

/** A user record (copy). */
struct ife_store_user {
	uint32_t id;
	uint64_t quota_bytes; /**< 0 = unlimited */
	uint64_t quota_msgs;  /**< 0 = unlimited */
	uint64_t used_bytes;
	uint64_t used_msgs;
};

/** A mailbox record (copy; name is a view valid until reset/destroy). */
struct ife_store_mbox {
	uint32_t id;
	uint32_t user;
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highestmodseq;
	uint32_t messages;
	uint32_t unseen;
	uint32_t deleted; /**< messages with \Deleted */
	uint32_t flags;	  /**< enum ife_store_mbox_flag */
	uint64_t size;	  /**< sum of message sizes */
	const char *name; /**< view, not NUL-terminated */
	uint32_t name_len;
};

/** A message: metadata (copied) and views of its bytes and index. */
struct ife_store_msg {
	uint32_t uid;
	uint32_t flags;	   /**< enum ife_store_flag */
	uint64_t keywords; /**< bit i = keyword i of the mailbox */
	uint64_t modseq;
	int64_t internal_date; /**< seconds since the epoch */
	int64_t save_date;
	uint32_t size;	     /**< RFC822.SIZE is index.parts[0] vsizes */
	const uint8_t *data; /**< raw RFC 5322 bytes (view) */
	struct ife_mime_index_info index; /**< views into the map */
};

/**
 * Begin a read transaction. Allocates once; later rounds reuse it with
 * reset/renew and allocate nothing.
 *
 * @return 0, -ENOMEM, or an LMDB error (e.g. MDB_READERS_FULL as -EAGAIN).
 */
int ife_store_rtxn_begin(struct ife_store *s, struct ife_store_rtxn **out);

/** End the snapshot (views become invalid) but keep the objects. */
void ife_store_rtxn_reset(struct ife_store_rtxn *r);

/** Take a fresh snapshot after reset. Handles a map grown by the writer.
 * @return 0 or an LMDB error. */
int ife_store_rtxn_renew(struct ife_store_rtxn *r);

/** Destroy a read transaction and set *r to NULL. NULL-safe. */
void ife_store_rtxn_destroy(struct ife_store_rtxn **r);

/** Look a user up by name. @return 0 or IFE_ENOTFOUND. */
int ife_store_user_find(struct ife_store_rtxn *r, const char *name, size_t len,
			struct ife_store_user *out);

/** Look a mailbox up by name ("inbox" in any case is INBOX).
 * @return 0, IFE_ENOTFOUND or IFE_EBADNAME. */
int ife_store_mbox_find(struct ife_store_rtxn *r, uint32_t user,
			const char *name, size_t len,
			struct ife_store_mbox *out);

/** Get a mailbox by id. @return 0 or IFE_ENOTFOUND. */
int ife_store_mbox_get(struct ife_store_rtxn *r, uint32_t mbox,
		       struct ife_store_mbox *out);

/**
 * Iterate a user's mailboxes in name order: start with *pos = 0; each
 * call fills @p out and advances. @return 0, or IFE_ENOTFOUND at the end.
 * Uses the rtxn's own cursor: one iteration at a time per rtxn.
 */
int ife_store_mbox_next(struct ife_store_rtxn *r, uint32_t user, uint64_t *pos,
			struct ife_store_mbox *out);

/** Get one message. Views valid until the rtxn is reset or destroyed.
 * @return 0, IFE_ENOTFOUND, IFE_ECORRUPT. */
int ife_store_msg_get(struct ife_store_rtxn *r, uint32_t mbox, uint32_t uid,
		      struct ife_store_msg *out);

/**
 * Iterate messages in UID order from *uid (inclusive): fills @p out and
 * sets *uid to the next UID to ask for. @return 0, or IFE_ENOTFOUND when
 * no message has a UID >= *uid.
 */
int ife_store_msg_next(struct ife_store_rtxn *r, uint32_t mbox, uint32_t *uid,
		       struct ife_store_msg *out);

/**
 * Copy the mailbox's UIDs, ascending, into @p out (up to @p cap).
 * @param n receives the number of UIDs in the mailbox (may exceed cap:
 *        call again with a larger array).
 * @return 0 or IFE_ENOTFOUND (no such mailbox).
 */
int ife_store_uids(struct ife_store_rtxn *r, uint32_t mbox, uint32_t *out,
		   size_t cap, size_t *n);

/** One change for CONDSTORE/QRESYNC. */
struct ife_store_modseq_ent {
	uint32_t uid;
	uint64_t modseq;
};

/**
 * Messages changed after a point, in (modseq, uid) order, for CONDSTORE
 * CHANGEDSINCE; with @p expunged set, UIDs expunged after it, for QRESYNC
 * VANISHED (EARLIER). Returns entries with (modseq, uid) > (since,
 * after_uid): start with after_uid = UINT32_MAX, continue with the last
 * entry returned. Fills up to @p cap entries and returns their count
 * (0 at the end), or a negative error.
 *
 * Each message appears once, with its current modseq: the modseq log
 * keeps superseded entries (at most about one per message more than the
 * messages) and they are skipped here, each at the cost of a message
 * lookup; the scan starts at @p since, never at the mailbox's start.
 */
int ife_store_changes_since(struct ife_store_rtxn *r, uint32_t mbox,
			    uint64_t since, uint32_t after_uid, int expunged,
			    struct ife_store_modseq_ent *out, size_t cap);

/** Keyword name of index @p idx in a mailbox (view). @return 0 or
 * IFE_ENOTFOUND. */
int ife_store_keyword_name(struct ife_store_rtxn *r, uint32_t mbox,
			   unsigned idx, const char **name, size_t *len);

/* ------------------------------------------------------------------ */
/* Writing: batches and group commit                                  */
/* ------------------------------------------------------------------ */

enum ife_store_op_type {
	IFE_STORE_OP_USER_CREATE, /**< name; quota_bytes/msgs */
	IFE_STORE_OP_USER_DELETE, /**< user */
	IFE_STORE_OP_SET_QUOTA,	  /**< user; quota_bytes/msgs */
	IFE_STORE_OP_MBOX_CREATE, /**< user, name; mbox_flags (special use) */
	IFE_STORE_OP_MBOX_DELETE, /**< user, name */
	IFE_STORE_OP_MBOX_RENAME, /**< user, name -> new_name */
	IFE_STORE_OP_SUBSCRIBE,	  /**< user, name; subscribe 1/0 */
	IFE_STORE_OP_APPEND,	  /**< mbox, data/len, flags, keywords, date */
	IFE_STORE_OP_COPY,	  /**< mbox -> dst_mbox, uids */
	IFE_STORE_OP_MOVE,	  /**< mbox -> dst_mbox, uids */
	IFE_STORE_OP_STORE,	  /**< mbox, uids, store_mode, flags, kw */
	IFE_STORE_OP_EXPUNGE,	  /**< mbox, uids or all (\Deleted only) */
};

enum ife_store_mode {
	IFE_STORE_SET,	  /**< FLAGS */
	IFE_STORE_ADD,	  /**< +FLAGS */
	IFE_STORE_REMOVE, /**< -FLAGS */
};

/**
 * One operation. Everything it points to (names, data, uids, keywords)
 * must stay valid until ife_store_batch_commit() returns.
 */
struct ife_store_op {
	uint32_t type; /**< enum ife_store_op_type */
	uint32_t user; /**< user id (all but USER_CREATE) */
	const char *name;
	size_t name_len;
	const char *new_name; /**< RENAME target */
	size_t new_name_len;
	uint32_t mbox;	   /**< mailbox id for message operations */
	uint32_t dst_mbox; /**< COPY/MOVE target */
	const void *data;  /**< APPEND message bytes */
	size_t len;
	int64_t internal_date;	     /**< APPEND; 0 = now */
	uint32_t flags;		     /**< APPEND/STORE flags; mbox flags on
					MBOX_CREATE; 1/0 for SUBSCRIBE */
	uint32_t store_mode;	     /**< enum ife_store_mode */
	const char *const *keywords; /**< APPEND/STORE keyword names */
	uint32_t nkeywords;
	const uint32_t *uids;	 /**< COPY/MOVE/STORE/EXPUNGE; ascending */
	uint32_t nuids;		 /**< EXPUNGE: 0 = every \Deleted message */
	uint64_t unchangedsince; /**< STORE: 0 = unconditional */
	uint64_t quota_bytes, quota_msgs;
};

/** Kinds of change records. */
enum ife_store_change_kind {
	IFE_STORE_CHG_EXISTS = 1,  /**< a message was added (uid) */
	IFE_STORE_CHG_EXPUNGE = 2, /**< a message was removed (uid) */
	IFE_STORE_CHG_FLAGS = 3,   /**< flags/keywords changed (uid) */
	IFE_STORE_CHG_MAILBOX = 4, /**< mailbox created/deleted/renamed */
	IFE_STORE_CHG_USER = 5,	   /**< user created/deleted/quota */
};

/**
 * A change record, fixed size (40 bytes) so that it fits a notification
 * ring slot. The control process posts each to the workers holding a
 * session on (user, mbox); IDLE/NOOP turn them into EXISTS / EXPUNGE /
 * FETCH (FLAGS MODSEQ) responses.
 */
struct ife_store_change {
	uint8_t kind; /**< enum ife_store_change_kind */
	uint8_t op;   /**< enum ife_store_op_type that caused it */
	uint16_t reserved;
	uint32_t user;
	uint32_t mbox;
	uint32_t uid;	 /**< 0 for mailbox/user records */
	uint64_t modseq; /**< the mailbox's modseq after the change */
	uint64_t keywords;
	uint32_t flags; /**< message flags after the change */
	uint32_t aux;	/**< MAILBOX: new mailbox id on RENAME */
};

/** The result of one operation; arrays are owned by the batch and valid
 * until ife_store_batch_reset() or destroy. */
struct ife_store_result {
	int status;		  /**< 0 or an error code for this operation */
	uint32_t id;		  /**< created user / mailbox id */
	uint32_t uidvalidity;	  /**< APPENDUID / COPYUID */
	uint32_t uid;		  /**< APPEND: assigned UID */
	uint64_t modseq;	  /**< new HIGHESTMODSEQ of the mailbox */
	const uint32_t *src_uids; /**< COPY/MOVE: UIDs copied (ascending) */
	const uint32_t *dst_uids; /**< COPY/MOVE: their new UIDs */
	uint32_t ncopied;
	const uint32_t *modified; /**< STORE: UNCHANGEDSINCE failures;
				     EXPUNGE: UIDs expunged */
	uint32_t nmodified;
	uint32_t first_change; /**< index in ife_store_batch_changes() */
	uint32_t nchanges;
};

/** Create a reusable batch. @return 0 or -ENOMEM. */
int ife_store_batch_create(struct ife_store *s, struct ife_store_batch **out);

/** Destroy a batch and set *b to NULL. NULL-safe. */
void ife_store_batch_destroy(struct ife_store_batch **b);

/** Forget all operations and results; keeps the memory. */
void ife_store_batch_reset(struct ife_store_batch *b);

/**
 * Queue an operation. Its inputs are validated when the batch commits, so
 * that one operation's error never affects the others.
 *
 * @return the operation's index (>= 0) or -ENOMEM.
 */
int ife_store_batch_add(struct ife_store_batch *b,
			const struct ife_store_op *op);

/**
 * Optional: do the CPU work of the queued APPENDs ahead of the commit
 * (the dedup hash and the MIME index of each message), outside any
 * transaction. It touches only this batch and the operations' data, so
 * the control process can prepare the next batch in another thread while
 * the previous one commits (its fsync then overlaps this work). A batch
 * must not be prepared and committed at the same time; operations added
 * after prepare are done by commit as usual. Changes no result.
 *
 * @return 0, -ENOMEM, or IFE_ESTATE (batch already committed).
 */
int ife_store_batch_prepare(struct ife_store_batch *b);

/**
 * Run every queued operation in one write transaction and commit it
 * (fsync unless IFE_STORE_NOSYNC). Each operation gets its own result:
 * an operation that fails validation (bad name, quota, not found...) has
 * a non-zero status and changed nothing, the others are applied.
 *
 * When the map is full the transaction is aborted, the map grown (up to
 * ife_store_opts.map_max) and the batch run again; nothing is lost.
 *
 * @return 0 when the transaction is durable (check each result's status),
 *         or an error that applies to every operation and left the store
 *         unchanged: IFE_EFULL (map limit or disk full), -EIO, ...
 */
int ife_store_batch_commit(struct ife_store_batch *b);

/** Result of operation @p idx after commit, or NULL if out of range. */
const struct ife_store_result *
ife_store_batch_result(const struct ife_store_batch *b, unsigned idx);

/** All change records of the committed batch, in order. */
const struct ife_store_change *
ife_store_batch_changes(const struct ife_store_batch *b, size_t *n);

/* ------------------------------------------------------------------ */
/* Administration                                                      */
/* ------------------------------------------------------------------ */

/** Store-wide figures (ife_store_stat). */
struct ife_store_stats {
	uint64_t users, mailboxes, messages;
	uint64_t blobs;	      /**< unique message bodies */
	uint64_t blob_bytes;  /**< raw bytes of unique bodies */
	uint64_t index_bytes; /**< pre-rendered index bytes */
	uint64_t pack_bytes;  /**< bytes in packs (live + dead + headers) */
	uint64_t dead_bytes;  /**< pack bytes of blobs no message refers to
				 (reclaimed when a pack falls below half
				 live) */
	uint64_t map_size;    /**< current map size */
	uint64_t file_bytes;  /**< pages up to the last one used */
	uint64_t used_bytes;  /**< file_bytes less LMDB free pages */
	uint32_t schema_version;
};

/** Compute store figures (one read transaction). */
int ife_store_stat(struct ife_store *s, struct ife_store_stats *out);

/**
 * Consistency check: counters (messages, unseen, deleted, size, quota
 * usage), blob reference counts, the UID list, modseq log (every
 * message's entry present, no entry above HIGHESTMODSEQ, no more entries
 * than the compaction threshold) and name index against the message
 * records, that every blob's index parses, and pack accounting: each
 * pack's live bytes equal the blobs in it, its total equals its size,
 * every live blob is in its directory with the hash of its bytes, no pack
 * without metadata or live blob.
 *
 * @param report called with a line for each problem (may be NULL).
 * @return the number of problems (0 = consistent), or a negative error.
 */
long ife_store_check(struct ife_store *s,
		     void (*report)(void *ctx, const char *line), void *ctx);

/**
 * Validate a mailbox name by our rules: UTF-8 text, no control characters,
 * no '*' or '%', no empty, "." or ".." level, at most IFE_STORE_NAME_MAX
 * bytes and IFE_STORE_DEPTH_MAX levels.
 *
 * @param why receives a fixed reason on failure (may be NULL).
 * @return 0 or IFE_EBADNAME.
 */
int ife_store_name_check(const char *name, size_t len, const char **why);

#ifdef __cplusplus
}
#endif

#endif /* IMAPFE_STORE_H */
