/*
 * Mailstore environment: open/close, schema version and migration rule,
 * named databases, LMDB error mapping, meta counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "imapfe/err.h"
#include "store_pvt.h"

__thread int store_map_full;

int
store_err(int rc)
{
	if (rc == MDB_MAP_FULL)
		store_map_full = 1;
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return IFE_ENOTFOUND;
	case MDB_KEYEXIST:
		return IFE_EEXIST;
	case MDB_MAP_FULL:
	case ENOSPC:
	case EDQUOT:
		return IFE_EFULL;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_BAD_DBI:
		return IFE_ECORRUPT;
	case MDB_READERS_FULL:
	case MDB_MAP_RESIZED:
		return -EAGAIN;
	case MDB_TXN_FULL:
	case MDB_CURSOR_FULL:
	case MDB_PAGE_FULL:
	case MDB_BAD_VALSIZE:
		return IFE_ELIMIT;
	default:
		if (rc > 0 && rc < 4096)
			return -rc;
		return -EIO;
	}
}

int
store_meta_get_u64(MDB_txn *t, struct ife_store *s, const char *k, uint64_t *v)
{
	MDB_val key = {strlen(k), (void *)k}, val;
	int rc = mdb_get(t, s->dbi[DB_META], &key, &val);
	if (rc != 0)
		return store_err(rc);
	if (val.mv_size != sizeof(*v))
		return IFE_ECORRUPT;
	memcpy(v, val.mv_data, sizeof(*v));
	return 0;
}

int
store_meta_put_u64(MDB_txn *t, struct ife_store *s, const char *k, uint64_t v)
{
	MDB_val key = {strlen(k), (void *)k}, val = {sizeof(v), &v};
	return store_err(mdb_put(t, s->dbi[DB_META], &key, &val, 0));
}

/* Allocate the next value of counter k (ids are never reused). */
int
store_next_id(MDB_txn *t, struct ife_store *s, const char *k, uint64_t first,
	      uint64_t *id)
{
	uint64_t v = 0;
	int ret = store_meta_get_u64(t, s, k, &v);
	if (ret == IFE_ENOTFOUND)
		v = first;
	else if (ret != 0)
		return ret;
	*id = v;
	return store_meta_put_u64(t, s, k, v + 1);
}

static const struct {
	const char *name;
	unsigned flags;
} db_def[DB_COUNT] = {
	[DB_META] = {"meta", 0},
	[DB_USERS] = {"users", 0},
	[DB_USERID] = {"userid", 0},
	[DB_MBOXNAME] = {"mboxname", 0},
	[DB_MBOX] = {"mbox", 0},
	[DB_MSG] = {"msg", 0},
	[DB_UIDS] = {"uids", MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERDUP},
	[DB_MODSEQ] = {"modseq", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_EXPUNGED] = {"expunged", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_KEYWORDS] = {"keywords", 0},
	[DB_BLOB] = {"blob", 0},
	[DB_PACK] = {"pack", 0},
	[DB_PACKMETA] = {"packmeta", 0},
};

/*
 * Migration rule (docs/mailstore.md): a store stamped with an older
 * version is migrated in one write transaction by the migrate_from_N()
 * steps, in order, before anything else runs; a newer stamp is refused
 * (IFE_ESTATE) so that an old binary never writes a schema it does not
 * know. Version 2 changed record layouts, key formats, database flags
 * and the index blob; there is no step from 1: a version 1 store is
 * refused with IFE_ESTATE (export and re-import it), which is acceptable
 * while no production store exists.
 */
static int
store_schema(struct ife_store *s, MDB_txn *t, bool create)
{
	uint64_t v = 0;
	int ret = store_meta_get_u64(t, s, "version", &v);

	if (ret == IFE_ENOTFOUND) {
		if (!create)
			return -ENOENT;
		if ((ret = store_meta_put_u64(t, s, "version",
					      IFE_STORE_SCHEMA_VERSION)) != 0)
			return ret;
		/* UIDVALIDITY values start at the creation time, as
		 * Dovecot's do, and only grow */
		return store_meta_put_u64(t, s, "next_uidvalidity",
					  (uint64_t)time(NULL));
	}
	if (ret != 0)
		return ret;
	if (v > IFE_STORE_SCHEMA_VERSION)
		return IFE_ESTATE;
	if (v < 1)
		return IFE_ECORRUPT;
	if (v < IFE_STORE_SCHEMA_VERSION)
		return IFE_ESTATE; /* no migration from version 1 */
	return 0;
}

/* fsync @p dir and the directory that holds it. */
static int
store_sync_dirs(const char *dir)
{
	char parent[PATH_MAX];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(parent))
		return -ENAMETOOLONG;
	memcpy(parent, dir, n + 1);
	while (n > 1 && parent[n - 1] == '/')
		parent[--n] = '\0';
	char *slash = strrchr(parent, '/');
	if (slash == NULL)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	const char *paths[2] = {dir, parent};
	for (int i = 0; i < 2; i++) {
		int fd = open(paths[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		int rc = fsync(fd) == 0 ? 0 : -errno;
		close(fd);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
ife_store_open(const char *dir, const struct ife_store_opts *opts,
	       struct ife_store **out)
{
	struct ife_store *s = calloc(1, sizeof(*s));
	MDB_txn *t = NULL;
	int rc, ret;

	if (s == NULL)
		return -ENOMEM;
	if (opts != NULL)
		s->opts = *opts;
	if (s->opts.map_size == 0)
		s->opts.map_size = (size_t)1 << 30;
	if (s->opts.map_max == 0)
		s->opts.map_max = s->opts.map_size * 64;
	if (s->opts.max_readers == 0)
		s->opts.max_readers = 1024;
	if (s->opts.max_msg_size == 0)
		s->opts.max_msg_size = 64u << 20;
	s->rdonly = (s->opts.flags & IFE_STORE_RDONLY) != 0;
	bool create = !s->rdonly && (s->opts.flags & IFE_STORE_CREATE);

	if (create && mkdir(dir, 0750) != 0 && errno != EEXIST) {
		ret = -errno;
		free(s);
		return ret;
	}
	if ((rc = mdb_env_create(&s->env)) != 0) {
		free(s);
		return store_err(rc);
	}
	unsigned fl = MDB_NOTLS;
	if (s->rdonly)
		fl |= MDB_RDONLY;
	if (s->opts.flags & IFE_STORE_NOSYNC)
		fl |= MDB_NOSYNC;
	if ((rc = mdb_env_set_maxdbs(s->env, DB_COUNT + 2)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, s->opts.max_readers)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, s->opts.map_size)) != 0 ||
	    (rc = mdb_env_open(s->env, dir, fl, 0640)) != 0) {
		ret = store_err(rc);
		goto fail;
	}
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	s->map_size = info.me_mapsize;
	if ((rc = mdb_txn_begin(s->env, NULL, s->rdonly ? MDB_RDONLY : 0,
				&t)) != 0) {
		ret = store_err(rc);
		goto fail;
	}
	/* the version first: other versions' databases may have other
	 * flags, which LMDB would refuse with MDB_INCOMPATIBLE */
	for (int i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(t, db_def[i].name,
				  db_def[i].flags | (create ? MDB_CREATE : 0),
				  &s->dbi[i]);
		if (rc != 0) {
			ret = rc == MDB_NOTFOUND ? -ENOENT : store_err(rc);
			goto fail;
		}
		if (i == DB_META && (ret = store_schema(s, t, create)) != 0)
			goto fail;
	}
	if ((rc = mdb_txn_commit(t)) != 0) {
		t = NULL;
		ret = store_err(rc);
		goto fail;
	}
	t = NULL;
	/* LMDB syncs the data file, never the directory entries: make the
	 * new files (and the directory itself) durable before anything is
	 * acknowledged (docs/durability.md). */
	if (create && !(s->opts.flags & IFE_STORE_NOSYNC) &&
	    (ret = store_sync_dirs(dir)) != 0)
		goto fail;
	if (!s->rdonly && (ret = ife_mime_builder_create(NULL, &s->mime)) != 0)
		goto fail;
	if (!s->rdonly) {
		/* the writer's dedup index, from the pack directories */
		if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t)) != 0) {
			ret = store_err(rc);
			goto fail;
		}
		ret = store_dedup_load(s, t);
		mdb_txn_abort(t);
		t = NULL;
		if (ret != 0)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	if (t != NULL)
		mdb_txn_abort(t);
	ife_mime_builder_destroy(&s->mime);
	store_dedup_free(&s->dedup);
	mdb_env_close(s->env);
	free(s);
	return ret;
}

void
ife_store_close(struct ife_store **sp)
{
	struct ife_store *s = sp ? *sp : NULL;
	if (s == NULL)
		return;
	ife_mime_builder_destroy(&s->mime);
	store_dedup_free(&s->dedup);
	mdb_env_close(s->env);
	free(s);
	*sp = NULL;
}

int
ife_store_stat(struct ife_store *s, struct ife_store_stats *st)
{
	MDB_txn *t;
	MDB_stat ms;
	MDB_envinfo ei;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t)) != 0)
		return store_err(rc);
	mdb_stat(t, s->dbi[DB_USERS], &ms);
	st->users = ms.ms_entries;
	mdb_stat(t, s->dbi[DB_MBOX], &ms);
	st->mailboxes = ms.ms_entries;
	mdb_stat(t, s->dbi[DB_MSG], &ms);
	st->messages = ms.ms_entries;
	mdb_stat(t, s->dbi[DB_BLOB], &ms);
	st->blobs = ms.ms_entries;

	MDB_cursor *c;
	MDB_val k, v;
	if (mdb_cursor_open(t, s->dbi[DB_BLOB], &c) == 0) {
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			struct blob_rec br;
			if (v.mv_size != sizeof(br))
				continue;
			memcpy(&br, v.mv_data, sizeof(br));
			st->blob_bytes += br.raw_len;
			st->index_bytes += br.idx_len;
		}
		mdb_cursor_close(c);
	}
	uint64_t live = 0, written = 0;
	if (mdb_cursor_open(t, s->dbi[DB_PACKMETA], &c) == 0) {
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			struct pack_rec pr;
			if (v.mv_size != sizeof(pr))
				continue;
			memcpy(&pr, v.mv_data, sizeof(pr));
			st->pack_bytes += pr.total;
			written += pr.written;
			live += pr.live;
		}
		mdb_cursor_close(c);
	}
	/* dead: bytes of blobs no message refers to any more (pack headers,
	 * padding and directories are in pack_bytes, not here) */
	st->dead_bytes = written - live;
	mdb_env_info(s->env, &ei);
	mdb_env_stat(s->env, &ms);
	st->map_size = ei.me_mapsize;
	st->file_bytes = (uint64_t)(ei.me_last_pgno + 1) * ms.ms_psize;
	/* pages on LMDB's free list (database 0) are reusable, not used:
	 * each record is a page-number list whose first word is its length */
	uint64_t free_pages = 0;
	if (mdb_cursor_open(t, 0, &c) == 0) {
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			size_t n;
			if (v.mv_size >= sizeof(n)) {
				memcpy(&n, v.mv_data, sizeof(n));
				free_pages += n;
			}
		}
		mdb_cursor_close(c);
	}
	st->used_bytes = st->file_bytes - free_pages * ms.ms_psize;
	uint64_t ver = 0;
	store_meta_get_u64(t, s, "version", &ver);
	st->schema_version = (uint32_t)ver;
	mdb_txn_abort(t);
	return 0;
}
