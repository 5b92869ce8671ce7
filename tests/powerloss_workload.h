/*
 * Workload and logical state of the power-loss test
 * (tests/test_store_powerloss.c, docs/durability.md): the messages, the
 * batches of store operations, and the state a client could observe,
 * hashed so that two stores can be compared by one digest.
 */
#ifndef POWERLOSS_WORKLOAD_H
#define POWERLOSS_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imapfe/store.h"

#define POWERLOSS_MAX_OPS  6	       /* operations per batch */
#define POWERLOSS_MAX_UIDS 24	       /* UIDs per COPY/STORE/... */
#define POWERLOSS_MSG_MAX  (48u << 10) /* buffer for one message */

/* The two users of the workload; states index them 0 and 1. */
extern const char *const powerloss_users[2];

/* A mailbox of a captured state. */
struct powerloss_mbox {
	uint32_t user; /* index in powerloss_users */
	uint32_t id;
	uint32_t first, nmsg; /* its messages in powerloss_state.msg */
	char name[IFE_STORE_NAME_MAX + 1];
};

/* A message of a captured state: what identifies it and its bytes. */
struct powerloss_msg {
	uint32_t mbox, uid, flags, size;
	uint8_t sha[32];
};

/* Everything a client could observe, and its digest. */
struct powerloss_state {
	uint8_t digest[32];
	uint32_t user[2]; /* ids, 0: no such user */
	struct powerloss_mbox *mb;
	size_t nmb, capmb;
	struct powerloss_msg *msg;
	size_t nmsg, capmsg;
};

/* One batch of operations and the memory they point to (which must
 * live until the commit returns). */
struct powerloss_batch {
	struct ife_store_op op[POWERLOSS_MAX_OPS];
	uint32_t seed[POWERLOSS_MAX_OPS]; /* APPEND */
	size_t len[POWERLOSS_MAX_OPS];
	char *msg[POWERLOSS_MAX_OPS];
	uint32_t uids[POWERLOSS_MAX_OPS][POWERLOSS_MAX_UIDS];
	char name[POWERLOSS_MAX_OPS][2][IFE_STORE_NAME_MAX + 1];
	const char *kw[POWERLOSS_MAX_OPS][2];
	unsigned n;
};

/* The generator: seeded, deterministic. */
struct powerloss_workload {
	uint64_t rng;
	uint32_t next_seed;
	uint32_t names;
};

/* Deterministic message for a seed, written to buf (POWERLOSS_MSG_MAX
 * bytes): mostly 0.4-6 KiB, some 8-40 KiB (LMDB overflow pages), every
 * fourth one multipart. Returns its length. */
size_t powerloss_gen_msg(uint32_t seed, char *buf);

/* Read the whole logical state of a store into st (allocates; free with
 * powerloss_state_free) and hash it into st->digest. Returns 0 or the
 * store's error. */
int powerloss_state_capture(struct ife_store *s, struct powerloss_state *st);

void powerloss_state_free(struct powerloss_state *st);

/* The mailbox with that id in st, or NULL. */
const struct powerloss_mbox *
powerloss_state_mbox(const struct powerloss_state *st, uint32_t id);

/* Fill b with 1..POWERLOSS_MAX_OPS operations against state st: APPEND,
 * STORE, COPY, MOVE, EXPUNGE, mailbox CREATE/RENAME/DELETE/SUBSCRIBE.
 * b->msg[] must point to POWERLOSS_MSG_MAX-byte buffers. */
void powerloss_wl_batch(struct powerloss_workload *w,
			const struct powerloss_state *st,
			struct powerloss_batch *b);

#endif /* POWERLOSS_WORKLOAD_H */
