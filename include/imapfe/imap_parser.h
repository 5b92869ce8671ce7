/**
 * @file imap_parser.h
 * @brief Incremental, zero-copy IMAP client command parser (RFC 9051,
 *        RFC 3501 and the extensions listed in docs/imap-parser.md).
 *
 * A pure library: no sockets, no DPDK, no heap. The caller owns one
 * struct ife_imap_parser per connection (at most 256 bytes) and one arena
 * (caller memory) that holds everything the parser builds for a command.
 *
 * Life of a command
 * -----------------
 * The caller calls ife_imap_parser_feed() with whatever bytes it has (a TCP
 * segment, one byte, many commands). Each call consumes a prefix of the
 * input (reported in ev->consumed) and reports exactly one event:
 *
 *  - IFE_IMAP_EV_NEED_MORE: every byte was consumed (copied into the arena
 *    where a command spans calls); call again when more bytes arrive.
 *  - IFE_IMAP_EV_COMMAND: ev->cmd is a complete, typed command.
 *  - IFE_IMAP_EV_CONTINUE: the client sent a synchronising literal header
 *    "{n}"; send "+ <text>\r\n" (or call ife_imap_parser_reject() and answer
 *    the tag with NO/BAD: the client will then not send the literal).
 *  - IFE_IMAP_EV_APPEND: an APPEND message literal is about to start;
 *    ev->cmd->u.append.cur describes it (flags, date, size). If
 *    ev->append_sync, send "+" before the data comes, or reject it with
 *    ife_imap_parser_reject(). Data then arrives as LITERAL events (none
 *    for a zero-size message).
 *  - IFE_IMAP_EV_LITERAL: ev->data is a chunk of APPEND message data (a view
 *    into the input, never copied); ev->remaining bytes of that message are
 *    still to come. After the last chunk, the next APPEND message or the
 *    final IFE_IMAP_EV_COMMAND (cmd APPEND, all messages listed) follows.
 *  - IFE_IMAP_EV_AUTH_LINE / IFE_IMAP_EV_IDLE_DONE: a line in the mode set
 *    by ife_imap_parser_expect() (SASL continuation, IDLE's DONE).
 *  - IFE_IMAP_EV_ERROR: ev->err (IFE_EPROTO or IFE_ELIMIT), ev->text (fixed,
 *    client-safe), ev->tag (may be empty: answer untagged "*") and
 *    ev->action: IFE_IMAP_ACT_BAD (send "<tag> BAD <text>"; the parser has
 *    already resynchronised and the next line parses normally) or
 *    IFE_IMAP_ACT_BYE (send "* BYE <text>" and close: the stream cannot be
 *    resynchronised, e.g. a too-large non-synchronising literal). After
 *    ACT_BYE every further feed returns the same error and consumes nothing.
 *
 * Lifetimes (the rule every view follows)
 * ---------------------------------------
 * All pointers in an event (ev->cmd and everything it points to, ev->data,
 * ev->tag) are valid until the next call to ife_imap_parser_feed(),
 * ife_imap_parser_reject() or ife_imap_parser_reset(), AND, for views into
 * the input, until the caller discards the input bytes of that feed call.
 *  - A command whose bytes all arrived in the feed call that completes it
 *    (the common case) is parsed in place: its strings are views into the
 *    caller's input, except those that needed decoding (quoted strings with
 *    escapes, mailbox names in modified UTF-7), which live in the arena.
 *  - A command that spans feed calls, or that needed an EV_CONTINUE or
 *    EV_APPEND round trip, is copied into the arena as it arrives; all its
 *    views then point into the arena.
 *  - EV_LITERAL data is always a view into the current input.
 * Use ife_imap_str_in_arena() when in doubt.
 *
 * Threading: none. A parser is used by one thread at a time.
 */
#ifndef IMAPFE_IMAP_PARSER_H
#define IMAPFE_IMAP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imapfe/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- limits */

/** Largest max_depth accepted by init/set_limits. */
#define IFE_IMAP_MAX_DEPTH 256

/**
 * Limits; the session passes a tight set before authentication and a wider
 * one after (ife_imap_parser_set_limits()). The struct is referenced, not
 * copied: it must outlive its use by the parser.
 */
struct ife_imap_limits {
	uint32_t max_line;    /**< command text, literal data excluded */
	uint32_t max_command; /**< text + non-APPEND literal data */
	uint32_t max_literal; /**< one non-APPEND literal */
	uint32_t max_nonsync; /**< one {n+} literal (LITERAL- = 4096) */
	uint64_t max_append;  /**< one APPEND message literal */
	uint16_t max_depth;   /**< nesting, at most IFE_IMAP_MAX_DEPTH */
	uint16_t max_tag;     /**< tag length */
	uint32_t max_args;    /**< items per command (strings, list items) */
	uint32_t max_append_msgs; /**< messages in one MULTIAPPEND */
	bool utf8;		  /**< UTF8=ACCEPT / IMAP4rev2: UTF-8 names */
};

/** Sensible defaults before authentication (small). */
extern const struct ife_imap_limits ife_imap_limits_preauth;
/** Sensible defaults after authentication. */
extern const struct ife_imap_limits ife_imap_limits_postauth;

/* ----------------------------------------------------------------- views */

/** How a string was written on the wire. */
enum ife_imap_str_kind {
	IFE_IMAP_STR_ATOM = 0,
	IFE_IMAP_STR_QUOTED,
	IFE_IMAP_STR_LITERAL,
	IFE_IMAP_STR_NIL, /**< nstring NIL: ptr NULL, len 0 */
};

/** A byte string: a view into the input or the arena (see Lifetimes). */
struct ife_imap_str {
	const char *ptr;
	uint32_t len;
	uint8_t kind;	/**< enum ife_imap_str_kind */
	uint8_t lit8;	/**< written as ~{n} (literal8) */
	uint8_t binary; /**< contains NUL (only possible in literal8) */
};

/** A mailbox name: as written, and decoded to UTF-8. */
struct ife_imap_mailbox {
	struct ife_imap_str raw;  /**< wire form (modified UTF-7 or UTF-8) */
	struct ife_imap_str name; /**< UTF-8; "INBOX" for any-case inbox */
	bool inbox;		  /**< exactly INBOX (case-insensitive) */
};

/** '*' in a sequence set. Sequence numbers and UIDs are >= 1. */
#define IFE_IMAP_SEQ_STAR 0u

/** One element of a sequence set, as written: lo may be > hi. */
struct ife_imap_seq_range {
	uint32_t lo, hi; /**< equal for a single number */
};

struct ife_imap_seqset {
	const struct ife_imap_seq_range *r;
	uint32_t n;
	bool saved; /**< "$" (SEARCHRES, RFC 5182): n == 0 */
};

/** date (day only: has_time 0) or date-time. */
struct ife_imap_date {
	uint16_t year;
	uint8_t mon; /**< 1..12 */
	uint8_t day;
	uint8_t hour, min, sec;
	uint8_t has_time;
	int16_t zone; /**< minutes east of UTC */
};

/** System flags recognised in a flag list (bit mask). */
enum ife_imap_sysflag {
	IFE_IMAP_FLAG_ANSWERED = 1 << 0,
	IFE_IMAP_FLAG_FLAGGED = 1 << 1,
	IFE_IMAP_FLAG_DELETED = 1 << 2,
	IFE_IMAP_FLAG_SEEN = 1 << 3,
	IFE_IMAP_FLAG_DRAFT = 1 << 4,
	IFE_IMAP_FLAG_RECENT = 1 << 5,
	IFE_IMAP_FLAG_OTHER_EXT = 1 << 6, /**< another "\atom" */
};

struct ife_imap_flags {
	const struct ife_imap_str *f; /**< every flag as written */
	uint32_t n;
	uint32_t system; /**< enum ife_imap_sysflag mask */
};

/* --------------------------------------------------------------- commands */

enum ife_imap_cmd {
	IFE_IMAP_CMD_NONE = 0,
	IFE_IMAP_CMD_CAPABILITY,
	IFE_IMAP_CMD_NOOP,
	IFE_IMAP_CMD_LOGOUT,
	IFE_IMAP_CMD_STARTTLS,
	IFE_IMAP_CMD_AUTHENTICATE,
	IFE_IMAP_CMD_LOGIN,
	IFE_IMAP_CMD_ENABLE,
	IFE_IMAP_CMD_SELECT,
	IFE_IMAP_CMD_EXAMINE,
	IFE_IMAP_CMD_CREATE,
	IFE_IMAP_CMD_DELETE,
	IFE_IMAP_CMD_RENAME,
	IFE_IMAP_CMD_SUBSCRIBE,
	IFE_IMAP_CMD_UNSUBSCRIBE,
	IFE_IMAP_CMD_LIST,
	IFE_IMAP_CMD_LSUB,
	IFE_IMAP_CMD_NAMESPACE,
	IFE_IMAP_CMD_STATUS,
	IFE_IMAP_CMD_APPEND,
	IFE_IMAP_CMD_IDLE,
	IFE_IMAP_CMD_CHECK,
	IFE_IMAP_CMD_CLOSE,
	IFE_IMAP_CMD_UNSELECT,
	IFE_IMAP_CMD_EXPUNGE,
	IFE_IMAP_CMD_SEARCH,
	IFE_IMAP_CMD_SORT,
	IFE_IMAP_CMD_THREAD,
	IFE_IMAP_CMD_FETCH,
	IFE_IMAP_CMD_STORE,
	IFE_IMAP_CMD_COPY,
	IFE_IMAP_CMD_MOVE,
	IFE_IMAP_CMD_ID,
	IFE_IMAP_CMD_GETQUOTA,
	IFE_IMAP_CMD_GETQUOTAROOT,
	IFE_IMAP_CMD_SETQUOTA,
	IFE_IMAP_CMD_COMPRESS,
	IFE_IMAP_CMD_NOTIFY,
	IFE_IMAP_CMD_COUNT_
};

/** Upper-case command name ("FETCH"); "?" for out-of-range values. */
const char *ife_imap_cmd_name(enum ife_imap_cmd cmd);

/* FETCH (RFC 9051 6.4.5, RFC 3516, 7162, 8474, 8970, 8514) */
enum ife_imap_fetch_item {
	IFE_IMAP_FETCH_ENVELOPE = 1,
	IFE_IMAP_FETCH_FLAGS,
	IFE_IMAP_FETCH_INTERNALDATE,
	IFE_IMAP_FETCH_RFC822,
	IFE_IMAP_FETCH_RFC822_HEADER,
	IFE_IMAP_FETCH_RFC822_SIZE,
	IFE_IMAP_FETCH_RFC822_TEXT,
	IFE_IMAP_FETCH_BODY, /**< BODY without section */
	IFE_IMAP_FETCH_BODYSTRUCTURE,
	IFE_IMAP_FETCH_UID,
	IFE_IMAP_FETCH_BODY_SECTION, /**< BODY[...] / BODY.PEEK[...] */
	IFE_IMAP_FETCH_BINARY,	     /**< BINARY[...] / BINARY.PEEK[...] */
	IFE_IMAP_FETCH_BINARY_SIZE,
	IFE_IMAP_FETCH_MODSEQ,
	IFE_IMAP_FETCH_PREVIEW,
	IFE_IMAP_FETCH_EMAILID,
	IFE_IMAP_FETCH_THREADID,
	IFE_IMAP_FETCH_SAVEDATE,
};

enum ife_imap_section_text {
	IFE_IMAP_SECT_NONE = 0, /**< whole message or part */
	IFE_IMAP_SECT_HEADER,
	IFE_IMAP_SECT_HEADER_FIELDS,
	IFE_IMAP_SECT_HEADER_FIELDS_NOT,
	IFE_IMAP_SECT_TEXT,
	IFE_IMAP_SECT_MIME,
};

#define IFE_IMAP_MAX_PARTS 16 /**< section-part depth we accept */

struct ife_imap_fetch_att {
	uint8_t item;	     /**< enum ife_imap_fetch_item */
	uint8_t section;     /**< enum ife_imap_section_text */
	uint8_t peek;	     /**< BODY.PEEK / BINARY.PEEK */
	uint8_t has_partial; /**< <off.len> given */
	uint8_t lazy;	     /**< PREVIEW (LAZY) */
	uint8_t nparts;	     /**< section-part numbers */
	uint16_t nfields;    /**< HEADER.FIELDS names */
	const uint32_t *parts;
	const struct ife_imap_str *fields;
	uint64_t partial_off, partial_len;
};

enum ife_imap_fetch_macro {
	IFE_IMAP_MACRO_NONE = 0,
	IFE_IMAP_MACRO_ALL,
	IFE_IMAP_MACRO_FAST,
	IFE_IMAP_MACRO_FULL,
};

struct ife_imap_fetch {
	struct ife_imap_seqset set;
	const struct ife_imap_fetch_att *atts; /**< macros are expanded */
	uint32_t natts;
	uint8_t macro; /**< enum ife_imap_fetch_macro, or 0 */
	uint8_t paren; /**< items were written as a list */
	bool has_changedsince;
	bool vanished; /**< UID FETCH ... (VANISHED) (QRESYNC) */
	uint64_t changedsince;
};

struct ife_imap_store {
	struct ife_imap_seqset set;
	int8_t op;   /**< 0 FLAGS, +1 +FLAGS, -1 -FLAGS */
	bool silent; /**< .SILENT */
	bool paren;  /**< flags written as a list */
	bool has_unchangedsince;
	uint64_t unchangedsince;
	struct ife_imap_flags flags;
};

/* SEARCH keys (RFC 9051 6.4.4, 7162 MODSEQ, 5032 WITHIN, 8474 OBJECTID) */
enum ife_imap_skey {
	IFE_IMAP_SK_AND = 1, /**< parenthesised list / top level */
	IFE_IMAP_SK_OR,
	IFE_IMAP_SK_NOT,
	IFE_IMAP_SK_ALL,
	IFE_IMAP_SK_ANSWERED,
	IFE_IMAP_SK_BCC,
	IFE_IMAP_SK_BEFORE,
	IFE_IMAP_SK_BODY,
	IFE_IMAP_SK_CC,
	IFE_IMAP_SK_DELETED,
	IFE_IMAP_SK_DRAFT,
	IFE_IMAP_SK_FLAGGED,
	IFE_IMAP_SK_FROM,
	IFE_IMAP_SK_HEADER,
	IFE_IMAP_SK_KEYWORD,
	IFE_IMAP_SK_LARGER,
	IFE_IMAP_SK_NEW,
	IFE_IMAP_SK_OLD,
	IFE_IMAP_SK_ON,
	IFE_IMAP_SK_RECENT,
	IFE_IMAP_SK_SEEN,
	IFE_IMAP_SK_SENTBEFORE,
	IFE_IMAP_SK_SENTON,
	IFE_IMAP_SK_SENTSINCE,
	IFE_IMAP_SK_SINCE,
	IFE_IMAP_SK_SMALLER,
	IFE_IMAP_SK_SUBJECT,
	IFE_IMAP_SK_TEXT,
	IFE_IMAP_SK_TO,
	IFE_IMAP_SK_UID,
	IFE_IMAP_SK_UNANSWERED,
	IFE_IMAP_SK_UNDELETED,
	IFE_IMAP_SK_UNDRAFT,
	IFE_IMAP_SK_UNFLAGGED,
	IFE_IMAP_SK_UNKEYWORD,
	IFE_IMAP_SK_UNSEEN,
	IFE_IMAP_SK_SEQSET,
	IFE_IMAP_SK_MODSEQ,
	IFE_IMAP_SK_OLDER,
	IFE_IMAP_SK_YOUNGER,
	IFE_IMAP_SK_EMAILID,
	IFE_IMAP_SK_THREADID,
	IFE_IMAP_SK_COUNT_
};

/**
 * One node of a search program. The program is a flat array in prefix
 * order; keys[0] is an AND node holding the top-level keys. A node's
 * children follow it; `end` is the index just past its subtree, so a
 * sibling walk is `for (i = first; i < parent.end; i = keys[i].end)`.
 */
struct ife_imap_search_key {
	uint8_t op;	    /**< enum ife_imap_skey */
	uint8_t entry_type; /**< MODSEQ: 0 none, 1 priv, 2 shared, 3 all */
	uint16_t nchild;    /**< AND: n, OR: 2, NOT: 1 */
	uint32_t end;
	union {
		struct ife_imap_str s; /**< string / keyword / objectid */
		struct {
			struct ife_imap_str name, value;
		} hdr;
		struct ife_imap_seqset set; /**< UID, SEQSET */
		struct ife_imap_date date;
		uint64_t num; /**< LARGER, SMALLER, OLDER, YOUNGER */
		struct {
			struct ife_imap_str entry;
			uint64_t value;
		} modseq;
	} u;
};

/** ESEARCH RETURN options (RFC 4731, 5182). */
enum ife_imap_search_ret {
	IFE_IMAP_SRET_MIN = 1 << 0,
	IFE_IMAP_SRET_MAX = 1 << 1,
	IFE_IMAP_SRET_ALL = 1 << 2,
	IFE_IMAP_SRET_COUNT = 1 << 3,
	IFE_IMAP_SRET_SAVE = 1 << 4,
};

/** SORT keys (RFC 5256, 5957). */
enum ife_imap_sort_key {
	IFE_IMAP_SORT_ARRIVAL = 1,
	IFE_IMAP_SORT_CC,
	IFE_IMAP_SORT_DATE,
	IFE_IMAP_SORT_FROM,
	IFE_IMAP_SORT_SIZE,
	IFE_IMAP_SORT_SUBJECT,
	IFE_IMAP_SORT_TO,
	IFE_IMAP_SORT_DISPLAYFROM,
	IFE_IMAP_SORT_DISPLAYTO,
};
#define IFE_IMAP_SORT_REVERSE 0x80

/** SEARCH, SORT and THREAD. */
struct ife_imap_search {
	bool has_return;	     /**< RETURN (...) given (ESEARCH) */
	uint8_t ret;		     /**< enum ife_imap_search_ret mask */
	struct ife_imap_str charset; /**< len 0 when absent */
	const struct ife_imap_search_key *keys;
	uint32_t nkeys;
	const uint8_t *sort; /**< SORT: key | IFE_IMAP_SORT_REVERSE */
	uint32_t nsort;
	struct ife_imap_str thread_alg; /**< THREAD algorithm (atom) */
};

struct ife_imap_select {
	struct ife_imap_mailbox mbox;
	bool condstore;
	bool qresync;
	bool has_known_uids;
	bool has_seq_match;
	uint32_t uidvalidity;
	uint64_t modseq;
	struct ife_imap_seqset known_uids;
	struct ife_imap_seqset match_seqs, match_uids;
};

/** LIST-EXTENDED selection options (RFC 5258, 6154). */
enum ife_imap_list_sel {
	IFE_IMAP_LSEL_SUBSCRIBED = 1 << 0,
	IFE_IMAP_LSEL_REMOTE = 1 << 1,
	IFE_IMAP_LSEL_RECURSIVEMATCH = 1 << 2,
	IFE_IMAP_LSEL_SPECIAL_USE = 1 << 3,
};
/** LIST return options (RFC 5258, 5819, 6154). */
enum ife_imap_list_ret {
	IFE_IMAP_LRET_SUBSCRIBED = 1 << 0,
	IFE_IMAP_LRET_CHILDREN = 1 << 1,
	IFE_IMAP_LRET_SPECIAL_USE = 1 << 2,
	IFE_IMAP_LRET_STATUS = 1 << 3,
	IFE_IMAP_LRET_MYRIGHTS = 1 << 4,
};

/** STATUS items (RFC 9051, 7162, 8438, 7889, 8474). */
enum ife_imap_status_att {
	IFE_IMAP_STATUS_MESSAGES = 1 << 0,
	IFE_IMAP_STATUS_UIDNEXT = 1 << 1,
	IFE_IMAP_STATUS_UIDVALIDITY = 1 << 2,
	IFE_IMAP_STATUS_UNSEEN = 1 << 3,
	IFE_IMAP_STATUS_DELETED = 1 << 4,
	IFE_IMAP_STATUS_SIZE = 1 << 5,
	IFE_IMAP_STATUS_RECENT = 1 << 6,
	IFE_IMAP_STATUS_HIGHESTMODSEQ = 1 << 7,
	IFE_IMAP_STATUS_APPENDLIMIT = 1 << 8,
	IFE_IMAP_STATUS_MAILBOXID = 1 << 9,
	IFE_IMAP_STATUS_DELETED_STORAGE = 1 << 10,
};

struct ife_imap_list {
	bool extended;	   /**< selection options or RETURN given */
	bool has_select;   /**< "(" selection options ")" written */
	bool pattern_list; /**< "(" patterns ")" written */
	uint8_t sel;	   /**< enum ife_imap_list_sel */
	uint8_t ret;	   /**< enum ife_imap_list_ret */
	bool has_return;
	uint16_t status; /**< RETURN (STATUS (...)): status att mask */
	struct ife_imap_mailbox ref;
	const struct ife_imap_mailbox *pat; /**< patterns (may hold % *) */
	uint32_t npat;
};

/** SPECIAL-USE attributes (RFC 6154) for CREATE (USE (...)). */
enum ife_imap_use {
	IFE_IMAP_USE_ALL = 1 << 0,
	IFE_IMAP_USE_ARCHIVE = 1 << 1,
	IFE_IMAP_USE_DRAFTS = 1 << 2,
	IFE_IMAP_USE_FLAGGED = 1 << 3,
	IFE_IMAP_USE_JUNK = 1 << 4,
	IFE_IMAP_USE_SENT = 1 << 5,
	IFE_IMAP_USE_TRASH = 1 << 6,
	IFE_IMAP_USE_IMPORTANT = 1 << 7, /**< RFC 8457 */
	IFE_IMAP_USE_OTHER = 1 << 8,	 /**< unknown: answer NO [USEATTR] */
};

struct ife_imap_append_msg {
	struct ife_imap_flags flags;
	bool has_flags;
	bool has_date;
	bool lit8; /**< ~{n} (BINARY) */
	bool sync; /**< {n} rather than {n+} */
	struct ife_imap_date date;
	uint64_t size;
};

struct ife_imap_append {
	struct ife_imap_mailbox mbox;
	/** EV_APPEND: the message about to stream. */
	struct ife_imap_append_msg cur;
	uint32_t index; /**< EV_APPEND: 0-based message number */
	/** EV_COMMAND: every message of the (MULTI)APPEND. */
	const struct ife_imap_append_msg *msgs;
	uint32_t nmsgs;
};

/** NOTIFY (RFC 5465). */
enum ife_imap_notify_filter {
	IFE_IMAP_NF_SELECTED = 1,
	IFE_IMAP_NF_SELECTED_DELAYED,
	IFE_IMAP_NF_INBOXES,
	IFE_IMAP_NF_PERSONAL,
	IFE_IMAP_NF_SUBSCRIBED,
	IFE_IMAP_NF_SUBTREE,
	IFE_IMAP_NF_MAILBOXES,
};
enum ife_imap_notify_event {
	IFE_IMAP_NE_MESSAGENEW = 1 << 0,
	IFE_IMAP_NE_MESSAGEEXPUNGE = 1 << 1,
	IFE_IMAP_NE_FLAGCHANGE = 1 << 2,
	IFE_IMAP_NE_ANNOTATIONCHANGE = 1 << 3,
	IFE_IMAP_NE_MAILBOXNAME = 1 << 4,
	IFE_IMAP_NE_SUBSCRIPTIONCHANGE = 1 << 5,
	IFE_IMAP_NE_MAILBOXMETADATACHANGE = 1 << 6,
	IFE_IMAP_NE_SERVERMETADATACHANGE = 1 << 7,
};
struct ife_imap_notify_group {
	uint8_t filter;	 /**< enum ife_imap_notify_filter */
	bool none;	 /**< events NONE */
	bool mbox_list;	 /**< mailboxes written as a list */
	uint16_t events; /**< enum ife_imap_notify_event mask */
	const struct ife_imap_mailbox *mboxes;
	uint32_t nmboxes;
	const struct ife_imap_fetch_att *new_atts; /**< MessageNew (...) */
	uint32_t nnew_atts;
};
struct ife_imap_notify {
	bool none;   /**< NOTIFY NONE */
	bool status; /**< SET STATUS */
	const struct ife_imap_notify_group *groups;
	uint32_t ngroups;
};

struct ife_imap_kv {
	struct ife_imap_str key, value; /**< ID: value may be NIL */
};

struct ife_imap_setquota_res {
	struct ife_imap_str name;
	uint64_t limit;
};

/** A parsed command. Which union member is set follows `cmd`. */
struct ife_imap_command {
	struct ife_imap_str tag;
	enum ife_imap_cmd cmd;
	bool uid; /**< UID prefix (COPY MOVE FETCH SEARCH STORE EXPUNGE
		     SORT THREAD) */
	union {
		struct {
			struct ife_imap_str mech;
			struct ife_imap_str ir; /**< SASL-IR */
			bool has_ir;		/**< ir given ("=" = empty) */
		} auth;
		struct {
			struct ife_imap_str user, pass;
		} login;
		struct {
			const struct ife_imap_str *caps;
			uint32_t n;
		} enable;
		struct ife_imap_select select; /**< SELECT, EXAMINE */
		struct {
			struct ife_imap_mailbox mbox;
			uint16_t use; /**< enum ife_imap_use mask */
			bool has_use;
			const struct ife_imap_str *attrs; /**< as written */
			uint32_t nattrs;
		} create;
		struct ife_imap_mailbox mbox; /**< DELETE, (UN)SUBSCRIBE,
						 GETQUOTAROOT */
		struct {
			struct ife_imap_mailbox from, to;
		} rename;
		struct ife_imap_list list; /**< LIST, LSUB */
		struct {
			struct ife_imap_mailbox mbox;
			uint16_t atts; /**< enum ife_imap_status_att */
		} status;
		struct ife_imap_append append;
		struct ife_imap_search search; /**< SEARCH, SORT, THREAD */
		struct ife_imap_fetch fetch;
		struct ife_imap_store store;
		struct {
			struct ife_imap_seqset set; /**< COPY, MOVE, UID
						       EXPUNGE */
			struct ife_imap_mailbox mbox;
		} copy;
		struct {
			const struct ife_imap_kv *kv;
			uint32_t n;
			bool nil;
		} id;
		struct {
			struct ife_imap_str root;
			const struct ife_imap_setquota_res *res;
			uint32_t n;
		} quota; /**< GETQUOTA, SETQUOTA */
		struct {
			struct ife_imap_str alg;
		} compress;
		struct ife_imap_notify notify;
	} u;
};

/* ----------------------------------------------------------------- parser */

enum ife_imap_ev {
	IFE_IMAP_EV_NEED_MORE = 0,
	IFE_IMAP_EV_COMMAND,
	IFE_IMAP_EV_CONTINUE,
	IFE_IMAP_EV_APPEND,
	IFE_IMAP_EV_LITERAL,
	IFE_IMAP_EV_AUTH_LINE,
	IFE_IMAP_EV_IDLE_DONE,
	IFE_IMAP_EV_ERROR,
};

enum ife_imap_action {
	IFE_IMAP_ACT_BAD = 1, /**< tagged (or "*") BAD; parser resynced */
	IFE_IMAP_ACT_BYE,     /**< "* BYE" and close the connection */
};

struct ife_imap_event {
	size_t consumed; /**< input bytes used by this call */
	const struct ife_imap_command *cmd; /**< COMMAND, APPEND */
	struct ife_imap_str data;	    /**< LITERAL chunk, AUTH_LINE */
	uint64_t remaining;		    /**< LITERAL: bytes still to come */
	bool append_sync;		    /**< APPEND: send "+" first */
	bool auth_cancel;		    /**< AUTH_LINE was "*" */
	/* EV_ERROR */
	int err;		 /**< IFE_EPROTO or IFE_ELIMIT */
	uint8_t action;		 /**< enum ife_imap_action */
	const char *text;	 /**< fixed, client-safe reason */
	struct ife_imap_str tag; /**< empty: answer untagged */
	uint32_t err_offset;	 /**< byte offset in the command (for logs) */
};

/** What the next line is, besides a command (ife_imap_parser_expect()). */
enum ife_imap_mode {
	IFE_IMAP_MODE_COMMAND = 0,
	IFE_IMAP_MODE_AUTH_LINE, /**< SASL response or "*" (RFC 9051 6.2.2) */
	IFE_IMAP_MODE_IDLE,	 /**< "DONE" (RFC 2177) */
};

/**
 * Parser state: at most 256 bytes (static_assert in imap_frame.c). The
 * fields are private; it is public only so that callers can embed it.
 */
struct ife_imap_parser {
	/* set once */
	uint8_t *arena;
	uint32_t arena_size;
	/* changed by the session */
	const struct ife_imap_limits *lim;
	uint8_t mode;
	/* framing state, per command */
	uint8_t state;
	uint8_t copying;  /* command text lives in the arena */
	uint8_t kind;	  /* 0 unknown, 1 ordinary, 2 APPEND */
	uint8_t lit_sync; /* literal being received is {n} */
	uint8_t disc_st;  /* discard: literal-header recogniser state */
	uint8_t lit8;
	uint8_t utf8;	    /* set by ife_imap_parser_set_utf8() */
	uint32_t text_len;  /* bytes of command text in the arena */
	uint32_t line_len;  /* text bytes (literal data excluded) */
	uint32_t seg_start; /* start of the current line segment */
	uint32_t scan;	    /* where the LF search resumes */
	uint32_t nmsgs;	    /* APPEND messages so far */
	uint64_t cmd_bytes; /* text + literal bytes */
	uint64_t lit_left;  /* literal bytes still expected */
	uint64_t disc_num;  /* discard: literal size being read */
	/* sticky BYE */
	const char *bye_text;
	int bye_err;
	/* statistics */
	uint64_t commands;
	uint64_t errors;
};

/**
 * Initialise a parser.
 *
 * @param p      caller storage
 * @param lim    limits (referenced, not copied)
 * @param arena  caller memory for command copies and parsed arguments; it
 *               must hold at least lim->max_command bytes plus room for
 *               parsed structures (4 x max_command is ample)
 * @param size   arena size in bytes (< 4 GiB)
 * @return 0, or -EINVAL if the arena is smaller than lim->max_command + 1024.
 */
int ife_imap_parser_init(struct ife_imap_parser *p,
			 const struct ife_imap_limits *lim, void *arena,
			 size_t size);

/**
 * Switch limits (e.g. after LOGIN). Takes effect at the next command.
 * @return 0, or -EINVAL as for init.
 */
int ife_imap_parser_set_limits(struct ife_imap_parser *p,
			       const struct ife_imap_limits *lim);

/**
 * Give the parser another arena, between feed calls (not while an
 * EV_CONTINUE or EV_APPEND answer is pending). The part of a command
 * received so far (if any) is copied over. This lets a session parse every
 * connection with one per-core scratch arena and move a connection to a
 * private buffer only while it holds a partial command:
 *
 *   ev = feed(p, seg, n); ...                 (arena = per-core scratch)
 *   if (ife_imap_parser_busy(p)) set_arena(p, conn_buf, conn_buf_size);
 *   ... later, once not busy:  set_arena(p, scratch, scratch_size);
 *
 * The new arena may be smaller than max_command + 1024 (at least 2048
 * bytes): commands are then limited to its size minus 1024 (BAD "Command
 * line too long" / "Literal too large" beyond). Views returned earlier
 * become invalid.
 * @return 0; -EINVAL if the arena cannot hold the partial command plus
 *         1024 bytes (or is under 2048); IFE_ESTATE if a literal decision
 *         is pending.
 */
int ife_imap_parser_set_arena(struct ife_imap_parser *p, void *arena,
			      size_t size);

/**
 * Tell the parser that the next line is not a command: a SASL response
 * (after the session sent "+ challenge") or IDLE's "DONE". One-shot: after
 * that line the parser expects commands again. Call only between commands.
 * @return 0, or IFE_ESTATE if a command is partly received.
 */
int ife_imap_parser_expect(struct ife_imap_parser *p, enum ife_imap_mode m);

/**
 * Consume input and report one event (see the file comment).
 *
 * @param p    the parser
 * @param data input bytes (may be NULL if len is 0)
 * @param len  input length
 * @param ev   out: the event; ev->consumed bytes of data were used, the
 *             caller passes the rest (data + consumed) in the next call
 * @return ev's kind (enum ife_imap_ev).
 */
enum ife_imap_ev ife_imap_parser_feed(struct ife_imap_parser *p,
				      const void *data, size_t len,
				      struct ife_imap_event *ev);

/**
 * Refuse the literal announced by the last EV_CONTINUE or EV_APPEND (the
 * session answers the tag with NO or BAD itself). A synchronising literal
 * will not be sent by the client, so the next byte starts a new command; a
 * non-synchronising one is skipped, then the rest of the line.
 * @return 0, or IFE_ESTATE if no literal decision is pending.
 */
int ife_imap_parser_reject(struct ife_imap_parser *p);

/**
 * Mailbox names are UTF-8 from now on (after ENABLE UTF8=ACCEPT or
 * IMAP4rev2, RFC 6855 / 9051): no modified UTF-7 decoding, UTF-8
 * validated. Same effect as limits.utf8, without a separate limits set.
 */
void ife_imap_parser_set_utf8(struct ife_imap_parser *p, bool on);

/** Drop any partial command (e.g. after STARTTLS or COMPRESS). */
void ife_imap_parser_reset(struct ife_imap_parser *p);

/** Whether a command is partly received (line or literal in progress). */
bool ife_imap_parser_busy(const struct ife_imap_parser *p);

/** Whether s points into the parser's arena (else into the input). */
bool ife_imap_str_in_arena(const struct ife_imap_parser *p,
			   const struct ife_imap_str *s);

/**
 * Write the canonical form of a command (one line, no CRLF; strings that
 * need it become {n+} literals, so the text may then contain CRLF). Parsing
 * the canonical form gives the same canonical form. APPEND message literals
 * are written as "{size+}" headers without the data.
 *
 * @return the length the full text needs (like snprintf); the output is
 *         NUL-terminated when cap > 0.
 */
size_t ife_imap_command_format(const struct ife_imap_command *cmd, char *buf,
			       size_t cap);

/**
 * Decode a modified UTF-7 mailbox name (RFC 3501 5.1.3) to UTF-8.
 * @return output length, or -1 if invalid (bad base64, ASCII encoded in
 *         base64, bad UTF-16, 8-bit or control characters), or -2 if out is
 *         too small (the output never exceeds 2 * len + 4 bytes).
 */
long ife_imap_mutf7_decode(const char *in, size_t len, char *out, size_t cap);

/**
 * Encode UTF-8 to modified UTF-7.
 * @return output length, -1 for invalid UTF-8, -2 if out is too small.
 */
long ife_imap_mutf7_encode(const char *in, size_t len, char *out, size_t cap);

/** Validate UTF-8 (RFC 3629: no overlongs, surrogates, > U+10FFFF). */
bool ife_imap_utf8_valid(const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* IMAPFE_IMAP_PARSER_H */
