/*
 * Command dispatch (RFC 9051 section 9: command = tag SP (command-any /
 * command-auth / command-nonauth / command-select) CRLF) and the commands
 * small enough to live here. The grammar runs over one complete command
 * text; it is a sequence of calls, never recursive (nested constructs use
 * explicit stacks in their own files).
 *
 * The parser checks syntax only. Which commands are allowed in which
 * session state (e.g. FETCH before SELECT) is the session's business.
 */
#include <string.h>

#include "imap_pvt.h"

static const char *const cmd_names[IFE_IMAP_CMD_COUNT_] = {
	[IFE_IMAP_CMD_NONE] = "?",
	[IFE_IMAP_CMD_CAPABILITY] = "CAPABILITY",
	[IFE_IMAP_CMD_NOOP] = "NOOP",
	[IFE_IMAP_CMD_LOGOUT] = "LOGOUT",
	[IFE_IMAP_CMD_STARTTLS] = "STARTTLS",
	[IFE_IMAP_CMD_AUTHENTICATE] = "AUTHENTICATE",
	[IFE_IMAP_CMD_LOGIN] = "LOGIN",
	[IFE_IMAP_CMD_ENABLE] = "ENABLE",
	[IFE_IMAP_CMD_SELECT] = "SELECT",
	[IFE_IMAP_CMD_EXAMINE] = "EXAMINE",
	[IFE_IMAP_CMD_CREATE] = "CREATE",
	[IFE_IMAP_CMD_DELETE] = "DELETE",
	[IFE_IMAP_CMD_RENAME] = "RENAME",
	[IFE_IMAP_CMD_SUBSCRIBE] = "SUBSCRIBE",
	[IFE_IMAP_CMD_UNSUBSCRIBE] = "UNSUBSCRIBE",
	[IFE_IMAP_CMD_LIST] = "LIST",
	[IFE_IMAP_CMD_LSUB] = "LSUB",
	[IFE_IMAP_CMD_NAMESPACE] = "NAMESPACE",
	[IFE_IMAP_CMD_STATUS] = "STATUS",
	[IFE_IMAP_CMD_APPEND] = "APPEND",
	[IFE_IMAP_CMD_IDLE] = "IDLE",
	[IFE_IMAP_CMD_CHECK] = "CHECK",
	[IFE_IMAP_CMD_CLOSE] = "CLOSE",
	[IFE_IMAP_CMD_UNSELECT] = "UNSELECT",
	[IFE_IMAP_CMD_EXPUNGE] = "EXPUNGE",
	[IFE_IMAP_CMD_SEARCH] = "SEARCH",
	[IFE_IMAP_CMD_SORT] = "SORT",
	[IFE_IMAP_CMD_THREAD] = "THREAD",
	[IFE_IMAP_CMD_FETCH] = "FETCH",
	[IFE_IMAP_CMD_STORE] = "STORE",
	[IFE_IMAP_CMD_COPY] = "COPY",
	[IFE_IMAP_CMD_MOVE] = "MOVE",
	[IFE_IMAP_CMD_ID] = "ID",
	[IFE_IMAP_CMD_GETQUOTA] = "GETQUOTA",
	[IFE_IMAP_CMD_GETQUOTAROOT] = "GETQUOTAROOT",
	[IFE_IMAP_CMD_SETQUOTA] = "SETQUOTA",
	[IFE_IMAP_CMD_COMPRESS] = "COMPRESS",
	[IFE_IMAP_CMD_NOTIFY] = "NOTIFY",
};

const char *
ife_imap_cmd_name(enum ife_imap_cmd cmd)
{
	if ((unsigned)cmd >= IFE_IMAP_CMD_COUNT_)
		return "?";
	return cmd_names[cmd];
}

#define CMD_UID ((enum ife_imap_cmd)IFE_IMAP_CMD_COUNT_)

/* Upper-case name of length n -> command; CMD_UID for "UID"; 0 unknown. */
static enum ife_imap_cmd
lookup(const char *w, size_t n)
{
	/* candidates by first letter, so that a name costs one or a few
	 * compares instead of a walk over every command */
#define C(x) IFE_IMAP_CMD_##x
	static const uint8_t cand[26][9] = {
		['A' - 'A'] = {C(APPEND), C(AUTHENTICATE)},
		['C' - 'A'] = {C(CAPABILITY), C(CREATE), C(CHECK), C(CLOSE),
			       C(COPY), C(COMPRESS)},
		['D' - 'A'] = {C(DELETE)},
		['E' - 'A'] = {C(EXPUNGE), C(ENABLE), C(EXAMINE)},
		['F' - 'A'] = {C(FETCH)},
		['G' - 'A'] = {C(GETQUOTA), C(GETQUOTAROOT)},
		['I' - 'A'] = {C(IDLE), C(ID)},
		['L' - 'A'] = {C(LOGIN), C(LOGOUT), C(LIST), C(LSUB)},
		['M' - 'A'] = {C(MOVE)},
		['N' - 'A'] = {C(NOOP), C(NAMESPACE), C(NOTIFY)},
		['R' - 'A'] = {C(RENAME)},
		['S' - 'A'] = {C(SELECT), C(STORE), C(SEARCH), C(STATUS),
			       C(SORT), C(SUBSCRIBE), C(STARTTLS), C(SETQUOTA)},
		['T' - 'A'] = {C(THREAD)},
		['U' - 'A'] = {C(UNSELECT), C(UNSUBSCRIBE)},
	};
#undef C
	if (n == 3 && memcmp(w, "UID", 3) == 0)
		return CMD_UID;
	if (n == 0 || w[0] < 'A' || w[0] > 'Z')
		return IFE_IMAP_CMD_NONE;
	const uint8_t *c = cand[w[0] - 'A'];
	for (unsigned i = 0; i < 9 && c[i]; i++) {
		const char *s = cmd_names[c[i]];
		/* strncmp stops at s's NUL, so s[n] is only read when s has
		 * at least n characters */
		if (strncmp(s, w, n) == 0 && s[n] == '\0')
			return (enum ife_imap_cmd)c[i];
	}
	return IFE_IMAP_CMD_NONE;
}

static bool
uid_allowed(enum ife_imap_cmd c)
{
	return c == IFE_IMAP_CMD_COPY || c == IFE_IMAP_CMD_MOVE ||
	       c == IFE_IMAP_CMD_FETCH || c == IFE_IMAP_CMD_SEARCH ||
	       c == IFE_IMAP_CMD_STORE || c == IFE_IMAP_CMD_EXPUNGE ||
	       c == IFE_IMAP_CMD_SORT || c == IFE_IMAP_CMD_THREAD;
}

/* Keyword of at most cap-1 chars, upper-cased; 0 if none or too long. */
static size_t
name_word(const uint8_t **pp, const uint8_t *end, char *buf, size_t cap)
{
	const uint8_t *p = *pp;
	size_t n = 0;
	while (p < end &&
	       ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))) {
		if (n + 1 >= cap)
			return 0;
		buf[n++] = (char)(*p >= 'a' ? *p - 32 : *p);
		p++;
	}
	buf[n] = '\0';
	*pp = p;
	return n;
}

bool
imap_parse_name(const uint8_t *p, const uint8_t *end, enum ife_imap_cmd *cmd,
		bool *uid, uint32_t *taglen, const uint8_t **after)
{
	const uint8_t *b = p;
	char w[16];
	*uid = false;
	*cmd = IFE_IMAP_CMD_NONE;
	while (p < end && (imap_ctype[*p] & IMAP_C_TAG))
		p++;
	*taglen = (uint32_t)(p - b);
	if (p == b || p >= end || *p != ' ') {
		*taglen = 0;
		return false;
	}
	p++;
	size_t n = name_word(&p, end, w, sizeof(w));
	enum ife_imap_cmd c = n ? lookup(w, n) : IFE_IMAP_CMD_NONE;
	if (c == CMD_UID) {
		if (p >= end || *p != ' ')
			return false;
		p++;
		n = name_word(&p, end, w, sizeof(w));
		c = n ? lookup(w, n) : IFE_IMAP_CMD_NONE;
		if (!uid_allowed(c))
			return false;
		*uid = true;
	}
	*cmd = c;
	*after = p;
	return c != IFE_IMAP_CMD_NONE;
}

/* AUTHENTICATE SP auth-type [SP (base64 / "=")]  (RFC 9051, 4959) */
static bool
cmd_authenticate(struct imap_lex *lx, struct ife_imap_command *c)
{
	if (!imap_sp(lx) || !imap_atom(lx, &c->u.auth.mech))
		return false;
	if (!imap_eat(lx, ' '))
		return imap_eol(lx);
	c->u.auth.has_ir = true;
	const uint8_t *b = lx->p;
	if (imap_eat(lx, '=')) {
		c->u.auth.ir.ptr = (const char *)b;
		c->u.auth.ir.len = 0;
		return imap_eol(lx);
	}
	size_t pad = 0;
	while (lx->p < lx->end) {
		uint8_t ch = *lx->p;
		if (ch == '=') {
			pad++;
		} else if (pad == 0 && ((ch >= 'A' && ch <= 'Z') ||
					(ch >= 'a' && ch <= 'z') ||
					(ch >= '0' && ch <= '9') || ch == '+' ||
					ch == '/')) {
		} else {
			break;
		}
		lx->p++;
	}
	size_t n = (size_t)(lx->p - b);
	if (n == 0 || n % 4 != 0 || pad > 2)
		return IMAP_BAD(lx, "Invalid base64 initial response");
	c->u.auth.ir.ptr = (const char *)b;
	c->u.auth.ir.len = (uint32_t)n;
	return imap_eol(lx);
}

/* ENABLE 1*(SP capability)  (RFC 5161) */
static bool
cmd_enable(struct imap_lex *lx, struct ife_imap_command *c)
{
	void *vec = NULL;
	uint32_t cap = 0;
	do {
		if (!imap_sp(lx))
			return false;
		struct ife_imap_str *s = imap_vec_push(lx, &vec, &c->u.enable.n,
						       &cap, sizeof(*s));
		if (s == NULL || !imap_atom(lx, s))
			return false;
	} while (!imap_at_eol(lx));
	c->u.enable.caps = vec;
	return imap_eol(lx);
}

bool
imap_parse_command(struct imap_lex *lx, struct ife_imap_command *c)
{
	memset(c, 0, sizeof(*c));
	const uint8_t *b = lx->p;
	while (lx->p < lx->end && (imap_ctype[*lx->p] & IMAP_C_TAG))
		lx->p++;
	if (lx->p == b)
		return IMAP_BAD(lx, "Invalid tag");
	if ((size_t)(lx->p - b) > lx->ps->lim->max_tag)
		return imap_fail(lx, IFE_ELIMIT, "Tag too long");
	c->tag.ptr = (const char *)b;
	c->tag.len = (uint32_t)(lx->p - b);
	if (!imap_eat(lx, ' '))
		return IMAP_BAD(lx, imap_at_eol(lx) ? "Missing command"
						    : "Invalid tag");
	char w[16];
	size_t n = name_word(&lx->p, lx->end, w, sizeof(w));
	enum ife_imap_cmd cmd = n ? lookup(w, n) : IFE_IMAP_CMD_NONE;
	if (cmd == CMD_UID) {
		if (!imap_sp(lx))
			return false;
		n = name_word(&lx->p, lx->end, w, sizeof(w));
		cmd = n ? lookup(w, n) : IFE_IMAP_CMD_NONE;
		if (!uid_allowed(cmd))
			return IMAP_BAD(lx, "Invalid UID command");
		c->uid = true;
	}
	if (cmd == IFE_IMAP_CMD_NONE)
		return IMAP_BAD(lx, "Unknown command");
	c->cmd = cmd;
	switch (cmd) {
	case IFE_IMAP_CMD_CAPABILITY:
	case IFE_IMAP_CMD_NOOP:
	case IFE_IMAP_CMD_LOGOUT:
	case IFE_IMAP_CMD_STARTTLS:
	case IFE_IMAP_CMD_NAMESPACE:
	case IFE_IMAP_CMD_IDLE:
	case IFE_IMAP_CMD_CHECK:
	case IFE_IMAP_CMD_CLOSE:
	case IFE_IMAP_CMD_UNSELECT:
		return imap_eol(lx);
	case IFE_IMAP_CMD_EXPUNGE:
		if (!c->uid)
			return imap_eol(lx);
		/* UID EXPUNGE SP sequence-set (RFC 4315) */
		return imap_sp(lx) && imap_seqset(lx, &c->u.copy.set) &&
		       imap_eol(lx);
	case IFE_IMAP_CMD_AUTHENTICATE:
		return cmd_authenticate(lx, c);
	case IFE_IMAP_CMD_LOGIN:
		return imap_sp(lx) && imap_astring(lx, &c->u.login.user) &&
		       imap_sp(lx) && imap_astring(lx, &c->u.login.pass) &&
		       imap_eol(lx);
	case IFE_IMAP_CMD_ENABLE:
		return cmd_enable(lx, c);
	case IFE_IMAP_CMD_SELECT:
	case IFE_IMAP_CMD_EXAMINE:
		return imap_cmd_select(lx, c);
	case IFE_IMAP_CMD_CREATE:
		return imap_cmd_create(lx, c);
	case IFE_IMAP_CMD_DELETE:
	case IFE_IMAP_CMD_SUBSCRIBE:
	case IFE_IMAP_CMD_UNSUBSCRIBE:
	case IFE_IMAP_CMD_GETQUOTAROOT:
		return imap_sp(lx) && imap_mailbox(lx, &c->u.mbox) &&
		       imap_eol(lx);
	case IFE_IMAP_CMD_RENAME:
		return imap_sp(lx) && imap_mailbox(lx, &c->u.rename.from) &&
		       imap_sp(lx) && imap_mailbox(lx, &c->u.rename.to) &&
		       imap_eol(lx);
	case IFE_IMAP_CMD_LIST:
		return imap_cmd_list(lx, c);
	case IFE_IMAP_CMD_LSUB:
		return imap_cmd_lsub(lx, c);
	case IFE_IMAP_CMD_STATUS:
		return imap_cmd_status(lx, c);
	case IFE_IMAP_CMD_APPEND:
		return imap_cmd_append(lx, c);
	case IFE_IMAP_CMD_SEARCH:
		return imap_cmd_search(lx, c);
	case IFE_IMAP_CMD_SORT:
		return imap_cmd_sort(lx, c);
	case IFE_IMAP_CMD_THREAD:
		return imap_cmd_thread(lx, c);
	case IFE_IMAP_CMD_FETCH:
		return imap_cmd_fetch(lx, c);
	case IFE_IMAP_CMD_STORE:
		return imap_cmd_store(lx, c);
	case IFE_IMAP_CMD_COPY:
	case IFE_IMAP_CMD_MOVE:
		return imap_cmd_copy(lx, c);
	case IFE_IMAP_CMD_ID:
		return imap_cmd_id(lx, c);
	case IFE_IMAP_CMD_GETQUOTA:
		return imap_sp(lx) && imap_astring(lx, &c->u.quota.root) &&
		       imap_eol(lx);
	case IFE_IMAP_CMD_SETQUOTA:
		return imap_cmd_setquota(lx, c);
	case IFE_IMAP_CMD_COMPRESS:
		return imap_sp(lx) && imap_atom(lx, &c->u.compress.alg) &&
		       imap_eol(lx);
	case IFE_IMAP_CMD_NOTIFY:
		return imap_cmd_notify(lx, c);
	default:
		return IMAP_BAD(lx, "Unknown command");
	}
}
