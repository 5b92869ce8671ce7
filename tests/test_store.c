/* Unit tests of the mailstore (control/store, include/imapfe/store.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "imapfe/err.h"
#include "imapfe/store.h"
#include "store_pvt.h"

struct fx {
	char dir[64];
	struct ife_store *s;
	struct ife_store_batch *b;
	struct ife_store_rtxn *r;
	uint32_t user, inbox;
};

static void
rmtree(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static int
commit1(struct fx *f, struct ife_store_op *op, struct ife_store_result *res)
{
	ife_store_batch_reset(f->b);
	int i = ife_store_batch_add(f->b, op);
	assert_true(i >= 0);
	int ret = ife_store_batch_commit(f->b);
	if (ret != 0)
		return ret;
	const struct ife_store_result *r = ife_store_batch_result(f->b, i);
	if (res != NULL)
		*res = *r;
	return r->status;
}

static int
open_fx(struct fx *f, size_t map, size_t max)
{
	struct ife_store_opts o = {
		.map_size = map,
		.map_max = max,
		.flags = IFE_STORE_CREATE | IFE_STORE_NOSYNC,
		.max_msg_size = 1 << 20,
	};
	int ret = ife_store_open(f->dir, &o, &f->s);
	if (ret != 0)
		return ret;
	assert_int_equal(ife_store_batch_create(f->s, &f->b), 0);
	return 0;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/ife-store-test-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	if (open_fx(f, 64u << 20, 1u << 30) != 0)
		return -1;
	struct ife_store_op op = {.type = IFE_STORE_OP_USER_CREATE,
				  .name = "alice",
				  .name_len = 5};
	struct ife_store_result res;
	if (commit1(f, &op, &res) != 0)
		return -1;
	f->user = res.id;
	f->inbox = res.uid;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	ife_store_rtxn_destroy(&f->r);
	ife_store_batch_destroy(&f->b);
	ife_store_close(&f->s);
	rmtree(f->dir);
	free(f);
	return 0;
}

static void
rtxn(struct fx *f)
{
	if (f->r == NULL)
		assert_int_equal(ife_store_rtxn_begin(f->s, &f->r), 0);
	else
		assert_int_equal(ife_store_rtxn_renew(f->r), 0);
}

static char *
make_msg(unsigned n, size_t *len)
{
	char *m = malloc(8192);
	int l = snprintf(m, 8192,
			 "From: Sender %u <s%u@example.com>\r\n"
			 "To: alice@example.org\r\n"
			 "Subject: message %u\r\n"
			 "Message-ID: <%u@example.com>\r\n"
			 "\r\nbody of message %u\r\n",
			 n, n, n, n, n);
	*len = (size_t)l;
	return m;
}

static uint32_t
append(struct fx *f, uint32_t mbox, unsigned n, uint32_t flags)
{
	size_t len;
	char *m = make_msg(n, &len);
	struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
				  .mbox = mbox,
				  .data = m,
				  .len = len,
				  .flags = flags};
	struct ife_store_result res;
	assert_int_equal(commit1(f, &op, &res), 0);
	free(m);
	return res.uid;
}

static uint32_t
mkbox(struct fx *f, const char *name)
{
	struct ife_store_op op = {.type = IFE_STORE_OP_MBOX_CREATE,
				  .user = f->user,
				  .name = name,
				  .name_len = strlen(name)};
	struct ife_store_result res;
	assert_int_equal(commit1(f, &op, &res), 0);
	return res.id;
}

static void
check_ok(struct fx *f)
{
	assert_int_equal(ife_store_check(f->s, NULL, NULL), 0);
}

static void
test_store_open_version(void **state)
{
	struct fx *f = *state;
	struct ife_store_stats st;
	assert_int_equal(ife_store_stat(f->s, &st), 0);
	assert_int_equal(st.schema_version, IFE_STORE_SCHEMA_VERSION);
	assert_int_equal(st.users, 1);
	/* a newer stamp is refused */
	MDB_txn *t;
	assert_int_equal(mdb_txn_begin(f->s->env, NULL, 0, &t), 0);
	assert_int_equal(store_meta_put_u64(t, f->s, "version", 99), 0);
	assert_int_equal(mdb_txn_commit(t), 0);
	ife_store_batch_destroy(&f->b);
	ife_store_close(&f->s);
	struct ife_store *s2;
	assert_int_equal(ife_store_open(f->dir, NULL, &s2), IFE_ESTATE);
	/* no store at all */
	assert_int_equal(ife_store_open("/tmp/ife-no-such-store", NULL, &s2),
			 -ENOENT);
	assert_int_equal(open_fx(f, 64u << 20, 1u << 30), IFE_ESTATE);
	/* an older stamp too: version 1 has no migration to 2 */
	{
		MDB_env *env;
		MDB_dbi meta;
		uint64_t one = 1;
		MDB_val k = {7, "version"}, v = {8, &one};
		assert_int_equal(mdb_env_create(&env), 0);
		assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
		assert_int_equal(mdb_env_open(env, f->dir, 0, 0640), 0);
		assert_int_equal(mdb_txn_begin(env, NULL, 0, &t), 0);
		assert_int_equal(mdb_dbi_open(t, "meta", 0, &meta), 0);
		assert_int_equal(mdb_put(t, meta, &k, &v, 0), 0);
		assert_int_equal(mdb_txn_commit(t), 0);
		mdb_env_close(env);
	}
	assert_int_equal(ife_store_open(f->dir, NULL, &s2), IFE_ESTATE);
	/* restore for teardown */
	struct ife_store_opts o = {.flags = IFE_STORE_NOSYNC};
	(void)o;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/*", f->dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(open_fx(f, 64u << 20, 1u << 30), 0);
}

static void
test_store_user_inbox(void **state)
{
	struct fx *f = *state;
	struct ife_store_op op = {.type = IFE_STORE_OP_USER_CREATE,
				  .name = "alice",
				  .name_len = 5};
	assert_int_equal(commit1(f, &op, NULL), IFE_EEXIST);
	op.name = "bad user";
	op.name_len = 8;
	assert_int_equal(commit1(f, &op, NULL), IFE_EBADNAME);
	rtxn(f);
	struct ife_store_user u;
	assert_int_equal(ife_store_user_find(f->r, "alice", 5, &u), 0);
	assert_int_equal(u.id, f->user);
	assert_int_equal(ife_store_user_find(f->r, "bob", 3, &u),
			 IFE_ENOTFOUND);
	struct ife_store_mbox mb;
	assert_int_equal(ife_store_mbox_find(f->r, f->user, "inBox", 5, &mb),
			 0);
	assert_int_equal(mb.id, f->inbox);
	assert_true(mb.flags & IFE_STORE_MBOX_SUBSCRIBED);
	assert_int_equal(mb.uidnext, 1);
	assert_true(mb.uidvalidity > 0);
	assert_memory_equal(mb.name, "INBOX", 5);
	ife_store_rtxn_reset(f->r);
}

static void
test_store_name_rules(void **state)
{
	(void)state;
	const char *why;
	static const char *bad[] = {"",	       "a//b", "/a",	    "a/",
				    "a/../b",  "..",   ".",	    "a/./b",
				    "x*",      "100%", "tab\there", "\xff\xfe",
				    "\xc0\xaf"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(
			ife_store_name_check(bad[i], strlen(bad[i]), &why),
			IFE_EBADNAME);
		assert_non_null(why);
	}
	char deep[64] = "a";
	for (int i = 0; i < 16; i++)
		strcat(deep, "/a");
	assert_int_equal(ife_store_name_check(deep, strlen(deep), &why),
			 IFE_EBADNAME);
	assert_string_equal(why, "more than 16 hierarchy levels");
	char lng[300];
	memset(lng, 'x', sizeof(lng));
	assert_int_equal(ife_store_name_check(lng, 256, &why), IFE_EBADNAME);
	assert_int_equal(ife_store_name_check(lng, 255, &why), 0);
	assert_int_equal(ife_store_name_check("Caf\xc3\xa9/Sent", 10, &why), 0);
	assert_int_equal(ife_store_name_check("..a/b.", 6, &why), 0);
}

static void
test_store_mailbox_ops(void **state)
{
	struct fx *f = *state;
	uint32_t c = mkbox(f, "a/b/c");
	struct ife_store_op op = {.type = IFE_STORE_OP_MBOX_CREATE,
				  .user = f->user,
				  .name = "a/b/c",
				  .name_len = 5};
	assert_int_equal(commit1(f, &op, NULL), IFE_EEXIST);
	op.name = "x/../y";
	op.name_len = 6;
	assert_int_equal(commit1(f, &op, NULL), IFE_EBADNAME);
	rtxn(f);
	struct ife_store_mbox mb;
	assert_int_equal(ife_store_mbox_find(f->r, f->user, "a", 1, &mb), 0);
	assert_int_equal(ife_store_mbox_find(f->r, f->user, "a/b", 3, &mb), 0);
	/* list in name order */
	uint64_t pos = 0;
	const char *want[] = {"INBOX", "a", "a/b", "a/b/c"};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(ife_store_mbox_next(f->r, f->user, &pos, &mb),
				 0);
		assert_int_equal(mb.name_len, strlen(want[i]));
		assert_memory_equal(mb.name, want[i], mb.name_len);
	}
	assert_int_equal(ife_store_mbox_next(f->r, f->user, &pos, &mb),
			 IFE_ENOTFOUND);
	ife_store_rtxn_reset(f->r);
	/* delete: INBOX never, parents only without children */
	op.type = IFE_STORE_OP_MBOX_DELETE;
	op.name = "inbox";
	op.name_len = 5;
	assert_int_equal(commit1(f, &op, NULL), IFE_ESTATE);
	op.name = "a/b";
	op.name_len = 3;
	assert_int_equal(commit1(f, &op, NULL), IFE_ESTATE);
	op.name = "nope";
	op.name_len = 4;
	assert_int_equal(commit1(f, &op, NULL), IFE_ENOTFOUND);
	/* rename moves the children */
	append(f, c, 1, 0);
	op.type = IFE_STORE_OP_MBOX_RENAME;
	op.name = "a";
	op.name_len = 1;
	op.new_name = "z/q";
	op.new_name_len = 3;
	assert_int_equal(commit1(f, &op, NULL), 0);
	op.name = "z";
	op.new_name = "z/q/r";
	op.new_name_len = 5;
	assert_int_equal(commit1(f, &op, NULL), IFE_EBADNAME);
	rtxn(f);
	assert_int_equal(ife_store_mbox_find(f->r, f->user, "a/b/c", 5, &mb),
			 IFE_ENOTFOUND);
	assert_int_equal(ife_store_mbox_find(f->r, f->user, "z/q/b/c", 7, &mb),
			 0);
	assert_int_equal(mb.id, c);
	assert_int_equal(mb.messages, 1);
	ife_store_rtxn_reset(f->r);
	/* renaming INBOX moves its messages and leaves an empty INBOX */
	append(f, f->inbox, 2, 0);
	op.name = "INBOX";
	op.name_len = 5;
	op.new_name = "old-inbox";
	op.new_name_len = 9;
	assert_int_equal(commit1(f, &op, NULL), 0);
	rtxn(f);
	assert_int_equal(
		ife_store_mbox_find(f->r, f->user, "old-inbox", 9, &mb), 0);
	assert_int_equal(mb.messages, 1);
	assert_int_equal(ife_store_mbox_find(f->r, f->user, "INBOX", 5, &mb),
			 0);
	assert_int_equal(mb.messages, 0);
	ife_store_rtxn_reset(f->r);
	/* subscribe */
	op.type = IFE_STORE_OP_SUBSCRIBE;
	op.name = "z/q";
	op.name_len = 3;
	op.flags = 1;
	assert_int_equal(commit1(f, &op, NULL), 0);
	rtxn(f);
	assert_int_equal(ife_store_mbox_find(f->r, f->user, "z/q", 3, &mb), 0);
	assert_true(mb.flags & IFE_STORE_MBOX_SUBSCRIBED);
	ife_store_rtxn_reset(f->r);
	/* delete a leaf with messages: blobs released */
	op.type = IFE_STORE_OP_MBOX_DELETE;
	op.name = "z/q/b/c";
	op.name_len = 7;
	assert_int_equal(commit1(f, &op, NULL), 0);
	check_ok(f);
}

static void
test_store_append_read(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *m = make_msg(7, &len);
	struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
				  .mbox = f->inbox,
				  .data = m,
				  .len = len,
				  .flags = IFE_STORE_FLAGGED,
				  .internal_date = 1700000000};
	struct ife_store_result res;
	assert_int_equal(commit1(f, &op, &res), 0);
	assert_int_equal(res.uid, 1);
	assert_true(res.uidvalidity > 0);
	assert_int_equal(res.modseq, 2);
	size_t nch;
	const struct ife_store_change *ch = ife_store_batch_changes(f->b, &nch);
	assert_int_equal(nch, 1);
	assert_int_equal(ch[0].kind, IFE_STORE_CHG_EXISTS);
	assert_int_equal(ch[0].mbox, f->inbox);
	assert_int_equal(ch[0].uid, 1);
	rtxn(f);
	struct ife_store_msg msg;
	assert_int_equal(ife_store_msg_get(f->r, f->inbox, 1, &msg), 0);
	assert_int_equal(msg.size, len);
	assert_memory_equal(msg.data, m, len);
	assert_int_equal(msg.flags, IFE_STORE_FLAGGED);
	assert_int_equal(msg.internal_date, 1700000000);
	const char env[] = "NIL \"message 7\" ((\"Sender 7\" NIL \"s7\" "
			   "\"example.com\"))";
	assert_true(msg.index.envelope_len > sizeof(env));
	char eb[1024];
	assert_int_equal(ife_mime_envelope(&msg.index, eb, sizeof(eb)),
			 msg.index.envelope_len);
	assert_memory_equal(eb, env, sizeof(env) - 1);
	struct ife_store_mbox mb;
	assert_int_equal(ife_store_mbox_get(f->r, f->inbox, &mb), 0);
	assert_int_equal(mb.messages, 1);
	assert_int_equal(mb.unseen, 1);
	assert_int_equal(mb.uidnext, 2);
	assert_int_equal(mb.size, len);
	assert_int_equal(ife_store_msg_get(f->r, f->inbox, 2, &msg),
			 IFE_ENOTFOUND);
	ife_store_rtxn_reset(f->r);
	/* too big */
	char *big = calloc(1, (1 << 20) + 1);
	op.data = big;
	op.len = (1 << 20) + 1;
	assert_int_equal(commit1(f, &op, NULL), IFE_ELIMIT);
	free(big);
	/* no such mailbox */
	op.data = m;
	op.len = len;
	op.mbox = 9999;
	assert_int_equal(commit1(f, &op, NULL), IFE_ENOTFOUND);
	free(m);
	check_ok(f);
}

static void
test_store_group_commit_isolation(void **state)
{
	struct fx *f = *state;
	size_t len[40];
	char *m[40];
	ife_store_batch_reset(f->b);
	for (int i = 0; i < 40; i++) {
		m[i] = make_msg((unsigned)i, &len[i]);
		struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
					  .mbox = i == 17 ? 4242 : f->inbox,
					  .data = m[i],
					  .len = len[i]};
		assert_int_equal(ife_store_batch_add(f->b, &op), i);
	}
	struct ife_store_op bad = {.type = IFE_STORE_OP_MBOX_CREATE,
				   .user = f->user,
				   .name = "a/../b",
				   .name_len = 6};
	assert_int_equal(ife_store_batch_add(f->b, &bad), 40);
	assert_int_equal(ife_store_batch_commit(f->b), 0);
	uint32_t next = 1;
	for (int i = 0; i < 40; i++) {
		const struct ife_store_result *r =
			ife_store_batch_result(f->b, (unsigned)i);
		if (i == 17) {
			assert_int_equal(r->status, IFE_ENOTFOUND);
			assert_int_equal(r->nchanges, 0);
			continue;
		}
		assert_int_equal(r->status, 0);
		assert_int_equal(r->uid, next++);
		assert_int_equal(r->nchanges, 1);
	}
	assert_int_equal(ife_store_batch_result(f->b, 40)->status,
			 IFE_EBADNAME);
	assert_null(ife_store_batch_result(f->b, 41));
	size_t nch;
	ife_store_batch_changes(f->b, &nch);
	assert_int_equal(nch, 39);
	rtxn(f);
	for (uint32_t u = 1; u < next; u++) {
		struct ife_store_msg msg;
		assert_int_equal(ife_store_msg_get(f->r, f->inbox, u, &msg), 0);
		int i = (int)u - 1 + (u > 17 ? 1 : 0);
		assert_int_equal(msg.size, len[i]);
		assert_memory_equal(msg.data, m[i], len[i]);
	}
	ife_store_rtxn_reset(f->r);
	for (int i = 0; i < 40; i++)
		free(m[i]);
	check_ok(f);
}

static void
test_store_dedup_refcount(void **state)
{
	struct fx *f = *state;
	uint32_t boxes[1000];
	size_t len;
	char *m = make_msg(1, &len);
	/* one message delivered to 1,000 mailboxes is stored once */
	ife_store_batch_reset(f->b);
	char names[1000][8];
	for (int i = 0; i < 1000; i++) {
		snprintf(names[i], sizeof(names[i]), "m%d", i);
		struct ife_store_op op = {.type = IFE_STORE_OP_MBOX_CREATE,
					  .user = f->user,
					  .name = names[i],
					  .name_len = strlen(names[i])};
		ife_store_batch_add(f->b, &op);
	}
	assert_int_equal(ife_store_batch_commit(f->b), 0);
	for (int i = 0; i < 1000; i++)
		boxes[i] = ife_store_batch_result(f->b, (unsigned)i)->id;
	ife_store_batch_reset(f->b);
	for (int i = 0; i < 1000; i++) {
		struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
					  .mbox = boxes[i],
					  .data = m,
					  .len = len,
					  .flags = IFE_STORE_DELETED};
		ife_store_batch_add(f->b, &op);
	}
	assert_int_equal(ife_store_batch_commit(f->b), 0);
	struct ife_store_stats st;
	assert_int_equal(ife_store_stat(f->s, &st), 0);
	assert_int_equal(st.messages, 1000);
	assert_int_equal(st.blobs, 1);
	assert_int_equal(st.blob_bytes, len);
	check_ok(f);
	/* expunge all but one: the blob stays; then the last: gone */
	ife_store_batch_reset(f->b);
	for (int i = 0; i < 999; i++) {
		struct ife_store_op op = {.type = IFE_STORE_OP_EXPUNGE,
					  .mbox = boxes[i]};
		ife_store_batch_add(f->b, &op);
	}
	assert_int_equal(ife_store_batch_commit(f->b), 0);
	assert_int_equal(ife_store_stat(f->s, &st), 0);
	assert_int_equal(st.blobs, 1);
	check_ok(f);
	struct ife_store_op op = {.type = IFE_STORE_OP_EXPUNGE,
				  .mbox = boxes[999]};
	struct ife_store_result res;
	assert_int_equal(commit1(f, &op, &res), 0);
	assert_int_equal(res.nmodified, 1);
	assert_int_equal(res.modified[0], 1);
	assert_int_equal(ife_store_stat(f->s, &st), 0);
	assert_int_equal(st.blobs, 0);
	assert_int_equal(st.pack_bytes, 0);
	free(m);
	check_ok(f);
}

static void
test_store_copy_move(void **state)
{
	struct fx *f = *state;
	uint32_t dst = mkbox(f, "Archive");
	for (unsigned i = 0; i < 5; i++)
		append(f, f->inbox, i, i == 2 ? IFE_STORE_SEEN : 0);
	uint32_t uids[] = {2, 3, 99};
	struct ife_store_op op = {.type = IFE_STORE_OP_COPY,
				  .mbox = f->inbox,
				  .dst_mbox = dst,
				  .uids = uids,
				  .nuids = 3};
	struct ife_store_result res;
	assert_int_equal(commit1(f, &op, &res), 0);
	assert_int_equal(res.ncopied, 2);
	assert_int_equal(res.src_uids[0], 2);
	assert_int_equal(res.src_uids[1], 3);
	assert_int_equal(res.dst_uids[0], 1);
	assert_int_equal(res.dst_uids[1], 2);
	op.type = IFE_STORE_OP_MOVE;
	uint32_t mv[] = {1, 4};
	op.uids = mv;
	op.nuids = 2;
	assert_int_equal(commit1(f, &op, &res), 0);
	assert_int_equal(res.ncopied, 2);
	assert_int_equal(res.dst_uids[0], 3);
	assert_int_equal(res.dst_uids[1], 4);
	size_t nch;
	const struct ife_store_change *ch = ife_store_batch_changes(f->b, &nch);
	assert_int_equal(nch, 4); /* EXISTS+EXPUNGE per message */
	assert_int_equal(ch[0].kind, IFE_STORE_CHG_EXISTS);
	assert_int_equal(ch[1].kind, IFE_STORE_CHG_EXPUNGE);
	rtxn(f);
	struct ife_store_mbox a, b;
	assert_int_equal(ife_store_mbox_get(f->r, f->inbox, &a), 0);
	assert_int_equal(ife_store_mbox_get(f->r, dst, &b), 0);
	assert_int_equal(a.messages, 3);
	assert_int_equal(b.messages, 4);
	assert_int_equal(b.unseen, 3);
	struct ife_store_user u;
	assert_int_equal(ife_store_user_find(f->r, "alice", 5, &u), 0);
	assert_int_equal(u.used_msgs, 7);
	/* VANISHED (EARLIER) data */
	struct ife_store_modseq_ent e[8];
	int n = ife_store_changes_since(f->r, f->inbox, 0, UINT32_MAX, 1, e, 8);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].uid, 1);
	assert_int_equal(e[1].uid, 4);
	ife_store_rtxn_reset(f->r);
	op.dst_mbox = f->inbox;
	assert_int_equal(commit1(f, &op, NULL), IFE_ESTATE);
	check_ok(f);
}

static void
test_store_flags_condstore(void **state)
{
	struct fx *f = *state;
	for (unsigned i = 0; i < 4; i++)
		append(f, f->inbox, i, 0);
	uint32_t uids[] = {1, 2, 3, 4};
	const char *kw[] = {"$Forwarded", "work"};
	struct ife_store_op op = {.type = IFE_STORE_OP_STORE,
				  .mbox = f->inbox,
				  .uids = uids,
				  .nuids = 2,
				  .store_mode = IFE_STORE_ADD,
				  .flags = IFE_STORE_SEEN | IFE_STORE_DELETED,
				  .keywords = kw,
				  .nkeywords = 2};
	struct ife_store_result res;
	assert_int_equal(commit1(f, &op, &res), 0);
	uint64_t m1 = res.modseq;
	assert_int_equal(m1, 6);
	assert_int_equal(res.nchanges, 2);
	/* UNCHANGEDSINCE: 1 and 2 changed at m1 > 5 */
	op.uids = uids;
	op.nuids = 4;
	op.store_mode = IFE_STORE_REMOVE;
	op.flags = IFE_STORE_SEEN;
	op.nkeywords = 0;
	op.unchangedsince = 5;
	assert_int_equal(commit1(f, &op, &res), 0);
	assert_int_equal(res.nmodified, 2);
	assert_int_equal(res.modified[0], 1);
	assert_int_equal(res.modified[1], 2);
	assert_int_equal(res.nchanges, 0); /* 3, 4 had no \Seen */
	assert_int_equal(res.modseq, m1);
	rtxn(f);
	struct ife_store_msg msg;
	assert_int_equal(ife_store_msg_get(f->r, f->inbox, 1, &msg), 0);
	assert_int_equal(msg.flags, IFE_STORE_SEEN | IFE_STORE_DELETED);
	assert_int_equal(msg.keywords, 3);
	assert_int_equal(msg.modseq, m1);
	const char *kn;
	size_t kl;
	assert_int_equal(ife_store_keyword_name(f->r, f->inbox, 1, &kn, &kl),
			 0);
	assert_int_equal(kl, 4);
	assert_memory_equal(kn, "work", 4);
	struct ife_store_modseq_ent e[8];
	int n = ife_store_changes_since(f->r, f->inbox, 5, UINT32_MAX, 0, e, 8);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].uid, 1);
	assert_int_equal(e[0].modseq, m1);
	/* paging by the last entry */
	n = ife_store_changes_since(f->r, f->inbox, e[0].modseq, e[0].uid, 0, e,
				    8);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].uid, 2);
	struct ife_store_mbox mb;
	assert_int_equal(ife_store_mbox_get(f->r, f->inbox, &mb), 0);
	assert_int_equal(mb.unseen, 2);
	assert_int_equal(mb.deleted, 2);
	assert_int_equal(mb.highestmodseq, m1);
	ife_store_rtxn_reset(f->r);
	/* EXPUNGE takes only \Deleted ones */
	op.type = IFE_STORE_OP_EXPUNGE;
	op.nuids = 0;
	assert_int_equal(commit1(f, &op, &res), 0);
	assert_int_equal(res.nmodified, 2);
	rtxn(f);
	assert_int_equal(ife_store_mbox_get(f->r, f->inbox, &mb), 0);
	assert_int_equal(mb.messages, 2);
	assert_int_equal(mb.deleted, 0);
	ife_store_rtxn_reset(f->r);
	check_ok(f);
}

static void
test_store_uid_list_order(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *m = make_msg(0, &len);
	ife_store_batch_reset(f->b);
	for (int i = 0; i < 3000; i++) {
		struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
					  .mbox = f->inbox,
					  .data = m,
					  .len = len};
		ife_store_batch_add(f->b, &op);
	}
	assert_int_equal(ife_store_batch_commit(f->b), 0);
	uint32_t ex[] = {256, 257, 1000};
	struct ife_store_op st = {.type = IFE_STORE_OP_STORE,
				  .mbox = f->inbox,
				  .uids = ex,
				  .nuids = 3,
				  .flags = IFE_STORE_DELETED};
	assert_int_equal(commit1(f, &st, NULL), 0);
	st.type = IFE_STORE_OP_EXPUNGE;
	assert_int_equal(commit1(f, &st, NULL), 0);
	rtxn(f);
	static uint32_t uids[4000];
	size_t n;
	assert_int_equal(ife_store_uids(f->r, f->inbox, uids, 4000, &n), 0);
	assert_int_equal(n, 2997);
	for (size_t i = 1; i < n; i++)
		assert_true(uids[i] > uids[i - 1]);
	assert_int_equal(uids[255], 258);
	/* a short array: count still reported */
	assert_int_equal(ife_store_uids(f->r, f->inbox, uids, 10, &n), 0);
	assert_int_equal(n, 2997);
	assert_int_equal(uids[9], 10);
	/* iteration in numeric order across the byte boundary */
	uint32_t next = 250, seen = 0, prev = 0;
	struct ife_store_msg msg;
	while (ife_store_msg_next(f->r, f->inbox, &next, &msg) == 0 &&
	       seen < 20) {
		assert_true(msg.uid > prev);
		prev = msg.uid;
		seen++;
	}
	assert_int_equal(prev, 271);
	assert_int_equal(ife_store_uids(f->r, 777, uids, 4000, &n),
			 IFE_ENOTFOUND);
	ife_store_rtxn_reset(f->r);
	free(m);
	check_ok(f);
}

static void
test_store_snapshot_renew(void **state)
{
	struct fx *f = *state;
	append(f, f->inbox, 1, 0);
	rtxn(f);
	struct ife_store_msg msg;
	assert_int_equal(ife_store_msg_get(f->r, f->inbox, 1, &msg), 0);
	const uint8_t *view = msg.data;
	uint8_t copy[64];
	memcpy(copy, view, sizeof(copy));
	/* the writer expunges it; our snapshot still sees the bytes */
	uint32_t u = 1;
	struct ife_store_op op = {.type = IFE_STORE_OP_STORE,
				  .mbox = f->inbox,
				  .uids = &u,
				  .nuids = 1,
				  .flags = IFE_STORE_DELETED};
	assert_int_equal(commit1(f, &op, NULL), 0);
	op.type = IFE_STORE_OP_EXPUNGE;
	assert_int_equal(commit1(f, &op, NULL), 0);
	append(f, f->inbox, 2, 0);
	assert_int_equal(ife_store_msg_get(f->r, f->inbox, 1, &msg), 0);
	assert_memory_equal(view, copy, sizeof(copy));
	assert_int_equal(ife_store_msg_get(f->r, f->inbox, 2, &msg),
			 IFE_ENOTFOUND);
	ife_store_rtxn_reset(f->r);
	assert_int_equal(ife_store_msg_get(f->r, f->inbox, 1, &msg),
			 IFE_ESTATE);
	assert_int_equal(ife_store_rtxn_renew(f->r), 0);
	assert_int_equal(ife_store_msg_get(f->r, f->inbox, 1, &msg),
			 IFE_ENOTFOUND);
	assert_int_equal(ife_store_msg_get(f->r, f->inbox, 2, &msg), 0);
	ife_store_rtxn_reset(f->r);
}

static void
test_store_quota(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *m = make_msg(1, &len);
	struct ife_store_op q = {.type = IFE_STORE_OP_SET_QUOTA,
				 .user = f->user,
				 .quota_msgs = 2};
	assert_int_equal(commit1(f, &q, NULL), 0);
	ife_store_batch_reset(f->b);
	for (int i = 0; i < 3; i++) {
		struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
					  .mbox = f->inbox,
					  .data = m,
					  .len = len};
		ife_store_batch_add(f->b, &op);
	}
	assert_int_equal(ife_store_batch_commit(f->b), 0);
	assert_int_equal(ife_store_batch_result(f->b, 0)->status, 0);
	assert_int_equal(ife_store_batch_result(f->b, 1)->status, 0);
	assert_int_equal(ife_store_batch_result(f->b, 2)->status, IFE_EQUOTA);
	uint32_t dst = mkbox(f, "Other");
	uint32_t u[] = {1};
	struct ife_store_op cp = {.type = IFE_STORE_OP_COPY,
				  .mbox = f->inbox,
				  .dst_mbox = dst,
				  .uids = u,
				  .nuids = 1};
	assert_int_equal(commit1(f, &cp, NULL), IFE_EQUOTA);
	cp.type = IFE_STORE_OP_MOVE; /* moves do not add usage */
	assert_int_equal(commit1(f, &cp, NULL), 0);
	free(m);
	check_ok(f);
}

static void
test_store_map_full_and_growth(void **state)
{
	struct fx *f = *state;
	ife_store_batch_destroy(&f->b);
	ife_store_close(&f->s);
	rmtree(f->dir);
	assert_non_null(mkdtemp(strcpy(f->dir, "/tmp/ife-store-test-XXXXXX")));
	/* 1 MiB map that may grow to 8 MiB */
	assert_int_equal(open_fx(f, 1u << 20, 8u << 20), 0);
	struct ife_store_op u = {
		.type = IFE_STORE_OP_USER_CREATE, .name = "bob", .name_len = 3};
	struct ife_store_result res;
	assert_int_equal(commit1(f, &u, &res), 0);
	uint32_t inbox = res.uid;
	char *big = malloc(512 * 1024);
	memset(big, 'a', 512 * 1024);
	memcpy(big, "Subject: big\r\n\r\n", 16);
	int ok = 0, full = 0;
	for (int i = 0; i < 40 && !full; i++) {
		big[20] = (char)('a' + i % 26);
		big[21] = (char)('a' + i / 26);
		struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
					  .mbox = inbox,
					  .data = big,
					  .len = 512 * 1024};
		int ret = commit1(f, &op, &res);
		if (ret == 0)
			ok++;
		else if (ret == IFE_EFULL)
			full = 1;
		else
			fail_msg("unexpected %d", ret);
	}
	assert_true(full);
	assert_true(ok > 2); /* it grew past the initial 1 MiB */
	struct ife_store_stats st;
	assert_int_equal(ife_store_stat(f->s, &st), 0);
	assert_int_equal(st.map_size, 8u << 20);
	assert_int_equal(st.messages, (uint64_t)ok);
	/* nothing acknowledged was lost, and the store is consistent */
	check_ok(f);
	rtxn(f);
	for (int i = 1; i <= ok; i++) {
		struct ife_store_msg msg;
		assert_int_equal(
			ife_store_msg_get(f->r, inbox, (uint32_t)i, &msg), 0);
		assert_int_equal(msg.data[20], 'a' + (i - 1) % 26);
	}
	ife_store_rtxn_reset(f->r);
	free(big);
}

static void
test_store_user_delete(void **state)
{
	struct fx *f = *state;
	mkbox(f, "x/y");
	append(f, f->inbox, 1, 0);
	struct ife_store_op op = {.type = IFE_STORE_OP_USER_DELETE,
				  .user = f->user};
	assert_int_equal(commit1(f, &op, NULL), 0);
	struct ife_store_stats st;
	assert_int_equal(ife_store_stat(f->s, &st), 0);
	assert_int_equal(st.users, 0);
	assert_int_equal(st.mailboxes, 0);
	assert_int_equal(st.messages, 0);
	assert_int_equal(st.blobs, 0);
	assert_int_equal(commit1(f, &op, NULL), IFE_ENOTFOUND);
	check_ok(f);
}

static void
report_line(void *ctx, const char *line)
{
	(*(int *)ctx)++;
	(void)line;
}

static void
test_store_check_detects_damage(void **state)
{
	struct fx *f = *state;
	append(f, f->inbox, 1, 0);
	check_ok(f);
	/* damage a counter behind the library's back */
	MDB_txn *t;
	struct mbox_rec mr;
	const char *name;
	char nb[16];
	assert_int_equal(mdb_txn_begin(f->s->env, NULL, 0, &t), 0);
	assert_int_equal(store_get_mbox(t, f->s, f->inbox, &mr, &name), 0);
	memcpy(nb, name, mr.name_len);
	mr.messages = 5;
	assert_int_equal(store_put_mbox(t, f->s, f->inbox, &mr, nb), 0);
	assert_int_equal(mdb_txn_commit(t), 0);
	int lines = 0;
	assert_int_equal(ife_store_check(f->s, report_line, &lines), 1);
	assert_int_equal(lines, 1);
}

static void
test_store_expunge_bad_record(void **state)
{
	struct fx *f = *state;
	uint32_t uid = append(f, f->inbox, 1, 0);
	/* cut the message record short behind the library's back: the
	 * EXPUNGE scan over every message must refuse it, not read past
	 * its end (flags 0: a scan that did read on would skip it) */
	MDB_txn *t;
	uint8_t kb[8], cut[4] = {0};
	MDB_val k = {sizeof(kb), kb}, v = {sizeof(cut), cut};
	be32(kb, f->inbox);
	be32(kb + 4, uid);
	assert_int_equal(mdb_txn_begin(f->s->env, NULL, 0, &t), 0);
	assert_int_equal(mdb_put(t, f->s->dbi[DB_MSG], &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(t), 0);
	struct ife_store_op op = {.type = IFE_STORE_OP_EXPUNGE,
				  .mbox = f->inbox};
	assert_int_equal(commit1(f, &op, NULL), IFE_ECORRUPT);
}

/* ---- modseq log, pack compaction, dedup index, prepare ---- */

/* Entries of a mailbox's modseq log, stale ones included. */
static size_t
log_count(struct fx *f, uint32_t mbox)
{
	MDB_txn *t;
	MDB_cursor *c;
	uint8_t kb[4];
	MDB_val k = {4, kb}, v;
	size_t n = 0;
	be32(kb, mbox);
	assert_int_equal(mdb_txn_begin(f->s->env, NULL, MDB_RDONLY, &t), 0);
	assert_int_equal(mdb_cursor_open(t, f->s->dbi[DB_MODSEQ], &c), 0);
	if (mdb_cursor_get(c, &k, &v, MDB_SET) == 0)
		assert_int_equal(mdb_cursor_count(c, &n), 0);
	mdb_cursor_close(c);
	mdb_txn_abort(t);
	return n;
}

/* CHANGEDSINCE computed the slow way: every message with a modseq above
 * since, in (modseq, uid) order. */
static int
changes_brute(struct fx *f, uint32_t mbox, uint64_t since,
	      struct ife_store_modseq_ent *out, int cap)
{
	uint32_t uid = 1;
	struct ife_store_msg m;
	int n = 0;
	while (ife_store_msg_next(f->r, mbox, &uid, &m) == 0) {
		if (m.modseq > since) {
			assert_true(n < cap);
			int j = n++;
			while (j > 0 && (out[j - 1].modseq > m.modseq ||
					 (out[j - 1].modseq == m.modseq &&
					  out[j - 1].uid > m.uid))) {
				out[j] = out[j - 1];
				j--;
			}
			out[j].uid = m.uid;
			out[j].modseq = m.modseq;
		}
		if (m.uid == UINT32_MAX)
			break;
	}
	return n;
}

/* changes_since paged one entry at a time equals the brute force. */
static void
assert_changes_exact(struct fx *f, uint32_t mbox, uint64_t since)
{
	static struct ife_store_modseq_ent want[512], got[512];
	rtxn(f);
	int nw = changes_brute(f, mbox, since, want, 512);
	int ng = 0;
	uint64_t ms = since;
	uint32_t after = UINT32_MAX;
	for (;;) {
		int n = ife_store_changes_since(f->r, mbox, ms, after, 0,
						got + ng, 1);
		assert_true(n >= 0);
		if (n == 0)
			break;
		ms = got[ng].modseq;
		after = got[ng].uid;
		ng++;
		assert_true(ng <= nw);
	}
	assert_int_equal(ng, nw);
	for (int i = 0; i < nw; i++) {
		assert_int_equal(got[i].uid, want[i].uid);
		assert_int_equal(got[i].modseq, want[i].modseq);
	}
	/* and in one call */
	int n = ife_store_changes_since(f->r, mbox, since, UINT32_MAX, 0, got,
					512);
	assert_int_equal(n, nw);
	ife_store_rtxn_reset(f->r);
}

static void
test_store_modseq_log(void **state)
{
	struct fx *f = *state;
	for (unsigned i = 0; i < 10; i++)
		append(f, f->inbox, i, 0);
	assert_int_equal(log_count(f, f->inbox), 10);
	/* flag changes append, never delete: stale entries pile up */
	uint32_t u3[] = {3}, u37[] = {3, 7};
	struct ife_store_op op = {.type = IFE_STORE_OP_STORE,
				  .mbox = f->inbox,
				  .uids = u3,
				  .nuids = 1,
				  .flags = IFE_STORE_FLAGGED};
	for (int i = 0; i < 6; i++) {
		op.store_mode = i & 1 ? IFE_STORE_REMOVE : IFE_STORE_ADD;
		assert_int_equal(commit1(f, &op, NULL), 0);
	}
	assert_int_equal(log_count(f, f->inbox), 16);
	/* each message once, with its current modseq: uid 3 appears once
	 * although the log holds 7 entries for it */
	assert_changes_exact(f, f->inbox, 0);
	assert_changes_exact(f, f->inbox, 5);
	assert_changes_exact(f, f->inbox, 12);
	rtxn(f);
	struct ife_store_modseq_ent e[32];
	/* appends took modseqs 2..11, the six STOREs 12..17 */
	int n = ife_store_changes_since(f->r, f->inbox, 11, UINT32_MAX, 0, e,
					32);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].uid, 3);
	assert_int_equal(e[0].modseq, 17);
	n = ife_store_changes_since(f->r, f->inbox, 10, UINT32_MAX, 0, e, 32);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].uid, 10);
	assert_int_equal(e[1].uid, 3);
	ife_store_rtxn_reset(f->r);
	/* an expunged message leaves its log entries, never reported */
	op.uids = u37;
	op.nuids = 2;
	op.store_mode = IFE_STORE_ADD;
	op.flags = IFE_STORE_DELETED;
	assert_int_equal(commit1(f, &op, NULL), 0);
	struct ife_store_op ex = {.type = IFE_STORE_OP_EXPUNGE,
				  .mbox = f->inbox};
	assert_int_equal(commit1(f, &ex, NULL), 0);
	assert_changes_exact(f, f->inbox, 0);
	rtxn(f);
	n = ife_store_changes_since(f->r, f->inbox, 0, UINT32_MAX, 1, e, 32);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].uid, 3);
	assert_int_equal(e[1].uid, 7);
	ife_store_rtxn_reset(f->r);
	check_ok(f);
	/* past 2 x messages + slack the log is rebuilt: exactly one entry
	 * per message, and the answers do not change */
	uint32_t u1[] = {1};
	op.uids = u1;
	op.nuids = 1;
	op.flags = IFE_STORE_SEEN;
	size_t before = log_count(f, f->inbox), max = 2 * 8 + MODSEQ_LOG_SLACK;
	bool compacted = false;
	for (int i = 0; i < 200 && !compacted; i++) {
		op.store_mode = i & 1 ? IFE_STORE_REMOVE : IFE_STORE_ADD;
		assert_int_equal(commit1(f, &op, NULL), 0);
		size_t c = log_count(f, f->inbox);
		assert_true(c <= max);
		compacted = c < before;
		before = c;
	}
	assert_true(compacted);
	assert_int_equal(log_count(f, f->inbox), 8);
	assert_changes_exact(f, f->inbox, 0);
	assert_changes_exact(f, f->inbox, 20);
	check_ok(f);
	/* a forced rebuild of a mailbox with one entry per message keeps
	 * it; MOVE out compacts the source when it shrinks */
	uint32_t box = mkbox(f, "moved");
	uint32_t all[] = {1, 2, 4, 5, 6};
	struct ife_store_op mv = {.type = IFE_STORE_OP_MOVE,
				  .mbox = f->inbox,
				  .dst_mbox = box,
				  .uids = all,
				  .nuids = 5};
	assert_int_equal(commit1(f, &mv, NULL), 0);
	assert_changes_exact(f, f->inbox, 0);
	assert_changes_exact(f, box, 0);
	check_ok(f);
}

static void
test_store_modseq_log_check(void **state)
{
	struct fx *f = *state;
	for (unsigned i = 0; i < 3; i++)
		append(f, f->inbox, i, 0);
	check_ok(f);
	/* drop a message's live entry behind the library's back */
	MDB_txn *t;
	uint8_t kb[4], vb[12];
	MDB_val k = {4, kb}, v = {12, vb};
	be32(kb, f->inbox);
	be64(vb, 3); /* uid 2 was appended at modseq 3 */
	be32(vb + 8, 2);
	assert_int_equal(mdb_txn_begin(f->s->env, NULL, 0, &t), 0);
	assert_int_equal(mdb_del(t, f->s->dbi[DB_MODSEQ], &k, &v), 0);
	assert_int_equal(mdb_txn_commit(t), 0);
	int lines = 0;
	assert_int_equal(ife_store_check(f->s, report_line, &lines), 1);
}

static struct pack_rec
packmeta(struct fx *f, uint64_t pack, int *found)
{
	MDB_txn *t;
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;
	struct pack_rec pr = {0, 0, 0};
	be64(kb, pack);
	assert_int_equal(mdb_txn_begin(f->s->env, NULL, MDB_RDONLY, &t), 0);
	*found = mdb_get(t, f->s->dbi[DB_PACKMETA], &k, &v) == 0;
	if (*found)
		memcpy(&pr, v.mv_data, sizeof(pr));
	mdb_txn_abort(t);
	return pr;
}

static struct blob_rec
blob_of(struct fx *f, uint32_t mbox, uint32_t uid)
{
	MDB_txn *t;
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;
	struct msg_rec m;
	struct blob_rec br;
	be32(kb, mbox);
	be32(kb + 4, uid);
	assert_int_equal(mdb_txn_begin(f->s->env, NULL, MDB_RDONLY, &t), 0);
	assert_int_equal(mdb_get(t, f->s->dbi[DB_MSG], &k, &v), 0);
	memcpy(&m, v.mv_data, sizeof(m));
	assert_int_equal(store_blob_get(t, f->s, m.blob, &br), 0);
	mdb_txn_abort(t);
	return br;
}

/* Message n of the compaction test, read back and compared. */
static void
assert_msg(struct fx *f, uint32_t mbox, uint32_t uid, unsigned n)
{
	size_t len;
	char *want = make_msg(n, &len);
	struct ife_store_msg m;
	char env[512], exp_subj[32];
	rtxn(f);
	assert_int_equal(ife_store_msg_get(f->r, mbox, uid, &m), 0);
	assert_int_equal(m.size, len);
	assert_memory_equal(m.data, want, len);
	size_t el = ife_mime_envelope(&m.index, env, sizeof(env));
	assert_true(el < sizeof(env));
	env[el] = '\0';
	snprintf(exp_subj, sizeof(exp_subj), "\"message %u\"", n);
	assert_non_null(strstr(env, exp_subj));
	ife_store_rtxn_reset(f->r);
	free(want);
}

static void
test_store_pack_compaction(void **state)
{
	struct fx *f = *state;
	/* 20 messages in one batch: one pack */
	char *msgs[20];
	ife_store_batch_reset(f->b);
	for (unsigned i = 0; i < 20; i++) {
		size_t len;
		msgs[i] = make_msg(100 + i, &len);
		struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
					  .mbox = f->inbox,
					  .data = msgs[i],
					  .len = len};
		ife_store_batch_add(f->b, &op);
	}
	assert_int_equal(ife_store_batch_commit(f->b), 0);
	for (unsigned i = 0; i < 20; i++)
		free(msgs[i]);
	uint64_t old_pack = blob_of(f, f->inbox, 1).pack;
	assert_int_equal(blob_of(f, f->inbox, 20).pack, old_pack);
	/* uids 1 and 2 also in another mailbox: refcount 2 */
	uint32_t box = mkbox(f, "keep");
	uint32_t cu[] = {1, 2};
	struct ife_store_op cp = {.type = IFE_STORE_OP_COPY,
				  .mbox = f->inbox,
				  .dst_mbox = box,
				  .uids = cu,
				  .nuids = 2};
	assert_int_equal(commit1(f, &cp, NULL), 0);
	assert_int_equal(blob_of(f, f->inbox, 1).refcount, 2);
	/* expunge 9 of 20: still above half live, nothing moves */
	uint32_t del[20];
	for (unsigned i = 0; i < 9; i++)
		del[i] = 3 + i;
	struct ife_store_op st = {.type = IFE_STORE_OP_STORE,
				  .mbox = f->inbox,
				  .uids = del,
				  .nuids = 9,
				  .store_mode = IFE_STORE_ADD,
				  .flags = IFE_STORE_DELETED};
	assert_int_equal(commit1(f, &st, NULL), 0);
	struct ife_store_op ex = {.type = IFE_STORE_OP_EXPUNGE,
				  .mbox = f->inbox};
	assert_int_equal(commit1(f, &ex, NULL), 0);
	int found;
	struct pack_rec pr = packmeta(f, old_pack, &found);
	assert_true(found);
	assert_true(pr.live * 2 >= pr.written);
	struct ife_store_stats st0;
	assert_int_equal(ife_store_stat(f->s, &st0), 0);
	assert_true(st0.dead_bytes > 0);
	check_ok(f);
	/* 3 more: below half, the pack is rewritten in that batch */
	for (unsigned i = 0; i < 3; i++)
		del[i] = 12 + i;
	st.nuids = 3;
	assert_int_equal(commit1(f, &st, NULL), 0);
	assert_int_equal(commit1(f, &ex, NULL), 0);
	packmeta(f, old_pack, &found);
	assert_false(found);
	struct ife_store_stats st1;
	assert_int_equal(ife_store_stat(f->s, &st1), 0);
	assert_int_equal(st1.dead_bytes, 0);
	assert_int_equal(st1.blobs, 8);
	assert_int_equal(st1.messages, 10);
	/* refcounts and bytes survive the move; the message records still
	 * name the old pack and are read through the blob records */
	struct blob_rec b1 = blob_of(f, f->inbox, 1);
	assert_true(b1.pack != old_pack);
	assert_int_equal(b1.refcount, 2);
	assert_int_equal(blob_of(f, f->inbox, 20).refcount, 1);
	assert_int_equal(blob_of(f, f->inbox, 20).pack, b1.pack);
	assert_msg(f, f->inbox, 1, 100);
	assert_msg(f, f->inbox, 2, 101);
	assert_msg(f, box, 1, 100);
	for (uint32_t u = 15; u <= 20; u++)
		assert_msg(f, f->inbox, u, 100 + u - 1);
	pr = packmeta(f, b1.pack, &found);
	assert_true(found);
	assert_int_equal(pr.live, pr.written);
	assert_true(pr.total > pr.written);
	check_ok(f);
	/* a COPY of a moved message takes the new location; dropping the
	 * originals keeps the copies readable */
	uint32_t c20[] = {20};
	cp.uids = c20;
	cp.nuids = 1;
	assert_int_equal(commit1(f, &cp, NULL), 0);
	assert_int_equal(blob_of(f, f->inbox, 20).refcount, 2);
	assert_msg(f, box, 3, 119);
	/* dedup after a reopen: the index is rebuilt from the pack
	 * directories (the moved blobs are in the new pack's) */
	ife_store_rtxn_destroy(&f->r);
	ife_store_batch_destroy(&f->b);
	ife_store_close(&f->s);
	assert_int_equal(open_fx(f, 64u << 20, 1u << 30), 0);
	assert_int_equal(ife_store_stat(f->s, &st1), 0);
	uint64_t blobs = st1.blobs;
	uint32_t u = append(f, box, 115, 0); /* the bytes of inbox uid 16 */
	assert_int_equal(ife_store_stat(f->s, &st1), 0);
	assert_int_equal(st1.blobs, blobs);
	assert_int_equal(blob_of(f, box, u).refcount, 2);
	check_ok(f);
	/* expunge everything: every pack goes */
	uint32_t boxes[] = {f->inbox, box};
	for (int i = 0; i < 2; i++) {
		static uint32_t uids[64];
		size_t n;
		rtxn(f);
		assert_int_equal(ife_store_uids(f->r, boxes[i], uids, 64, &n),
				 0);
		ife_store_rtxn_reset(f->r);
		st.mbox = ex.mbox = boxes[i];
		st.uids = uids;
		st.nuids = (uint32_t)n;
		assert_int_equal(commit1(f, &st, NULL), 0);
		assert_int_equal(commit1(f, &ex, NULL), 0);
	}
	assert_int_equal(ife_store_stat(f->s, &st1), 0);
	assert_int_equal(st1.blobs, 0);
	assert_int_equal(st1.pack_bytes, 0);
	check_ok(f);
}

static void
put_packmeta(struct fx *f, uint64_t pack, const struct pack_rec *pr)
{
	MDB_txn *t;
	uint8_t kb[8];
	MDB_val k = {8, kb}, v = {sizeof(*pr), (void *)pr};
	be64(kb, pack);
	assert_int_equal(mdb_txn_begin(f->s->env, NULL, 0, &t), 0);
	if (pr == NULL)
		assert_int_equal(mdb_del(t, f->s->dbi[DB_PACKMETA], &k, NULL),
				 0);
	else
		assert_int_equal(mdb_put(t, f->s->dbi[DB_PACKMETA], &k, &v, 0),
				 0);
	assert_int_equal(mdb_txn_commit(t), 0);
}

static void
test_store_check_pack_accounting(void **state)
{
	struct fx *f = *state;
	append(f, f->inbox, 1, 0);
	append(f, f->inbox, 2, 0);
	check_ok(f);
	uint64_t pack = blob_of(f, f->inbox, 1).pack;
	int found, lines = 0;
	struct pack_rec good = packmeta(f, pack, &found), bad = good;
	assert_true(found);
	/* live bytes off by 8 (as a lost unref would leave them) */
	bad.live -= 8;
	put_packmeta(f, pack, &bad);
	assert_int_equal(ife_store_check(f->s, report_line, &lines), 1);
	/* total that is not the pack's size */
	bad = good;
	bad.total += 4096;
	put_packmeta(f, pack, &bad);
	assert_int_equal(ife_store_check(f->s, report_line, &lines), 1);
	/* no metadata at all: blobs without it, a pack without it */
	put_packmeta(f, pack, NULL);
	assert_int_equal(ife_store_check(f->s, report_line, &lines), 2);
	put_packmeta(f, pack, &good);
	check_ok(f);
	/* damaged bytes no longer match the directory's hash */
	MDB_txn *t;
	MDB_val k, v;
	uint8_t kb[8];
	struct blob_rec br = blob_of(f, f->inbox, 1);
	be64(kb, pack);
	k.mv_size = 8;
	k.mv_data = kb;
	assert_int_equal(mdb_txn_begin(f->s->env, NULL, 0, &t), 0);
	assert_int_equal(mdb_get(t, f->s->dbi[DB_PACK], &k, &v), 0);
	uint8_t *copy = malloc(v.mv_size);
	memcpy(copy, v.mv_data, v.mv_size);
	copy[sizeof(struct pack_hdr) + br.off + 2] ^= 1;
	v.mv_data = copy;
	assert_int_equal(mdb_put(t, f->s->dbi[DB_PACK], &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(t), 0);
	free(copy);
	assert_int_equal(ife_store_check(f->s, report_line, &lines), 1);
}

static void
test_store_dedup_confirms_bytes(void **state)
{
	struct fx *f = *state;
	uint32_t a = append(f, f->inbox, 1, 0);
	struct blob_rec ba = blob_of(f, f->inbox, a);
	/* a stale or colliding entry: message 2's hash names message 1's
	 * blob; the bytes differ, so message 2 must get its own blob */
	size_t len;
	char *m2 = make_msg(2, &len);
	MDB_txn *t;
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;
	uint64_t id = 0;
	assert_int_equal(mdb_txn_begin(f->s->env, NULL, MDB_RDONLY, &t), 0);
	MDB_cursor *c;
	assert_int_equal(mdb_cursor_open(t, f->s->dbi[DB_BLOB], &c), 0);
	assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
	id = rd64(k.mv_data);
	mdb_cursor_close(c);
	mdb_txn_abort(t);
	(void)kb;
	store_dedup_insert(&f->s->dedup, store_hash8(m2, len), id);
	uint32_t b = append(f, f->inbox, 2, 0);
	struct blob_rec bb = blob_of(f, f->inbox, b);
	assert_int_equal(blob_of(f, f->inbox, a).refcount, 1);
	assert_int_equal(bb.refcount, 1);
	assert_true(bb.off != ba.off || bb.pack != ba.pack);
	assert_msg(f, f->inbox, b, 2);
	/* and the same bytes again do dedup */
	uint32_t c2 = append(f, f->inbox, 2, 0);
	assert_int_equal(blob_of(f, f->inbox, c2).refcount, 2);
	free(m2);
	check_ok(f);
}

static void
test_store_batch_prepare(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *m[3];
	for (int i = 0; i < 3; i++)
		m[i] = make_msg(i == 2 ? 0 : (unsigned)i, &len);
	ife_store_batch_reset(f->b);
	for (int i = 0; i < 2; i++) {
		struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
					  .mbox = f->inbox,
					  .data = m[i],
					  .len = strlen(m[i])};
		ife_store_batch_add(f->b, &op);
	}
	assert_int_equal(ife_store_batch_prepare(f->b), 0);
	/* added after prepare: done by commit; same bytes as m[0] */
	struct ife_store_op op = {.type = IFE_STORE_OP_APPEND,
				  .mbox = f->inbox,
				  .data = m[2],
				  .len = strlen(m[2])};
	ife_store_batch_add(f->b, &op);
	assert_int_equal(ife_store_batch_prepare(f->b), 0); /* idempotent */
	assert_int_equal(ife_store_batch_commit(f->b), 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(ife_store_batch_result(f->b, i)->status, 0);
	assert_int_equal(ife_store_batch_prepare(f->b), IFE_ESTATE);
	assert_msg(f, f->inbox, 1, 0);
	assert_msg(f, f->inbox, 2, 1);
	assert_msg(f, f->inbox, 3, 0);
	struct ife_store_stats st;
	assert_int_equal(ife_store_stat(f->s, &st), 0);
	assert_int_equal(st.blobs, 2);
	/* prepared and unprepared indexes are the same bytes */
	rtxn(f);
	struct ife_store_msg a, b;
	assert_int_equal(ife_store_msg_get(f->r, f->inbox, 2, &a), 0);
	const void *idx;
	size_t il;
	struct ife_mime_builder *mb;
	assert_int_equal(ife_mime_builder_create(NULL, &mb), 0);
	assert_int_equal(ife_mime_index(mb, m[1], strlen(m[1]), &idx, &il), 0);
	struct ife_mime_index_info in;
	assert_int_equal(ife_mime_index_open(idx, il, &in), 0);
	assert_int_equal(in.bodystructure_len, a.index.bodystructure_len);
	assert_memory_equal(in.bodystructure, a.index.bodystructure,
			    in.bodystructure_len);
	(void)b;
	ife_mime_builder_destroy(&mb);
	ife_store_rtxn_reset(f->r);
	for (int i = 0; i < 3; i++)
		free(m[i]);
	check_ok(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_open_version, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_user_inbox, setup,
						teardown),
		cmocka_unit_test(test_store_name_rules),
		cmocka_unit_test_setup_teardown(test_store_mailbox_ops, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_append_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_store_group_commit_isolation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_dedup_refcount,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_copy_move, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_flags_condstore,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_uid_list_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_snapshot_renew,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_quota, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_map_full_and_growth,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_user_delete, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_check_detects_damage,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_expunge_bad_record,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_modseq_log, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_store_modseq_log_check,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_pack_compaction,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_store_check_pack_accounting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_dedup_confirms_bytes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_batch_prepare, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
