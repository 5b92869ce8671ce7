/**
 * @file err.h
 * @brief imapfe error codes, shared by every module and process.
 *
 * Convention (docs/architecture.md, STYLE.md rule 4): a function returns 0 or
 * a non-negative progress count on success, and a negative value on failure:
 * either a negated errno (-ENOMEM, -EINVAL, ...) or one of the project codes
 * below, which live in one reserved range [IFE_ERR_BASE - 999, IFE_ERR_BASE]
 * so that they can never collide with errno values (Linux errno < 4096).
 * Detail beyond the code (which byte, which line) lives in the object that
 * failed; ife_strerror() gives the fixed text for a code.
 */
#ifndef IMAPFE_ERR_H
#define IMAPFE_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

/** Top of the reserved project range (negative). */
#define IFE_ERR_BASE (-10000)

/** Project error codes. Values are stable; append only. */
enum ife_err {
	IFE_OK = 0,
	/** Incremental call: more input (or output space) needed; not an error.
	 */
	IFE_AGAIN = IFE_ERR_BASE - 0,
	/** Input violates the protocol or format (detail in the object). */
	IFE_EPROTO = IFE_ERR_BASE - 1,
	/** A configured limit was exceeded (line, literal, depth, size...). */
	IFE_ELIMIT = IFE_ERR_BASE - 2,
	/** Input was truncated: a header or field ends before its length. */
	IFE_ETRUNC = IFE_ERR_BASE - 3,
	/** A checksum did not verify. */
	IFE_ECSUM = IFE_ERR_BASE - 4,
	/** The object is in a state that does not allow the call. */
	IFE_ESTATE = IFE_ERR_BASE - 5,
	/** The named thing does not exist (user, mailbox, message...). */
	IFE_ENOTFOUND = IFE_ERR_BASE - 6,
	/** The named thing already exists. */
	IFE_EEXIST = IFE_ERR_BASE - 7,
	/** A quota would be exceeded. */
	IFE_EQUOTA = IFE_ERR_BASE - 8,
	/** Storage full (LMDB map full or disk full); nothing acknowledged
	   lost. */
	IFE_EFULL = IFE_ERR_BASE - 9,
	/** Stored data failed a consistency check. */
	IFE_ECORRUPT = IFE_ERR_BASE - 10,
	/** A conditional operation's condition failed (e.g. UNCHANGEDSINCE). */
	IFE_ECONFLICT = IFE_ERR_BASE - 11,
	/** Invalid name (mailbox, user) by RFC or by our rules. */
	IFE_EBADNAME = IFE_ERR_BASE - 12,
	/** A command-line or configuration value is invalid. */
	IFE_EUSAGE = IFE_ERR_BASE - 13,
	/** One past the last code; keep last. */
	IFE_ERR_LAST = IFE_ERR_BASE - 14,
};

/**
 * Fixed, client-safe text for an error code.
 *
 * @param err 0, a negated errno, or an ife_err code.
 * @return a static string; never NULL. Unknown codes give "unknown error".
 */
const char *ife_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* IMAPFE_ERR_H */
