/**
 * @file mime.h
 * @brief imapfe MIME indexer: parses an RFC 5322 / MIME message once and
 * produces a self-contained, position-independent "index" blob holding the
 * IMAP ENVELOPE, BODYSTRUCTURE and BODY strings (rendered exactly as Dovecot
 * 2.3 renders them) and the offsets of every section, so that a FETCH of
 * BODY[section]<partial> is a slice of the raw message.
 *
 * The index is what the mailstore keeps in its render cache (store.h); the
 * IMAP session layer reads it through the accessors below without copying.
 *
 * Malformed input is never rejected: it is indexed best-effort, the way
 * Dovecot does (docs/mailstore.md lists every known difference). The only
 * errors are resource limits (IFE_ELIMIT) and out-of-memory (-ENOMEM).
 *
 * Threading: an ife_mime_builder is single-threaded; index blobs are
 * immutable and may be read from any thread.
 */
#ifndef IMAPFE_MIME_H
#define IMAPFE_MIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Index format version stamped in every index blob. */
#define IFE_MIME_INDEX_VERSION 2

/** Index flags (ife_mime_index_info.flags). */
enum ife_mime_flags {
	/** Some line ends in a bare LF: a BODY[] slice must be sent with LF
	 * converted to CRLF (its IMAP size is the slice's vsize). */
	IFE_MIME_F_BARE_LF = 1u << 0,
	/** The message contains NUL bytes. */
	IFE_MIME_F_HAS_NUL = 1u << 1,
	/** A resource limit cut the MIME tree short (depth or part count);
	 * the remaining bytes were indexed as an opaque body. */
	IFE_MIME_F_TRUNCATED = 1u << 2,
};

/** Part flags (ife_mime_part.flags). */
enum ife_mime_part_flags {
	IFE_MIME_PART_MULTIPART = 1u << 0,
	IFE_MIME_PART_RFC822 = 1u << 1,
	IFE_MIME_PART_TEXT = 1u << 2,
	IFE_MIME_PART_IS_MIME = 1u << 3,
	IFE_MIME_PART_DIGEST = 1u << 4,
};

/** No part (parent of the root, end of a sibling list). */
#define IFE_MIME_NONE UINT32_MAX

/** One MIME part, as stored in the index (little-endian host order). */
struct ife_mime_part {
	uint32_t hdr_off;   /**< physical offset of the part's header */
	uint32_t hdr_len;   /**< physical header size, blank line included */
	uint32_t body_len;  /**< physical body size (body at hdr_off+hdr_len) */
	uint32_t hdr_vsize; /**< header size with every line end as CRLF */
	uint32_t body_vsize; /**< body size with every line end as CRLF */
	uint32_t body_lines; /**< LF count in the body */
	uint32_t parent;     /**< index of the parent part or IFE_MIME_NONE */
	uint32_t child;	     /**< first child or IFE_MIME_NONE */
	uint32_t next;	     /**< next sibling or IFE_MIME_NONE */
	uint32_t flags;	     /**< enum ife_mime_part_flags */
};

/**
 * A read-only view of an index blob; valid while the blob is.
 *
 * BODYSTRUCTURE is a view. ENVELOPE and BODY are stored compactly (Sender
 * and Reply-To equal to From by reference, BODY as the parts of
 * BODYSTRUCTURE it keeps) and are copied out by ife_mime_envelope() and
 * ife_mime_body(); envelope_len and body_len are their sizes.
 */
struct ife_mime_index_info {
	uint32_t flags;			   /**< enum ife_mime_flags */
	uint32_t nparts;		   /**< parts[0] is the message */
	const struct ife_mime_part *parts; /**< view (4-byte aligned) */
	const char *bodystructure;	   /**< with its outer parens (view) */
	uint32_t bodystructure_len;
	uint32_t envelope_len; /**< ENVELOPE without the outer parens */
	uint32_t body_len;     /**< non-extensible BODY, outer parens */
	/* private to ife_mime_envelope() / ife_mime_body() */
	uint32_t env_pool_len;
	uint32_t env_nins;
	uint32_t body_ncuts;
	const char *env_pool;
	const uint8_t *env_ins;
	const uint8_t *body_cuts;
	const char *body_explicit;
};

/** Limits for the indexer. Zero fields take the defaults in brackets. */
struct ife_mime_limits {
	uint32_t max_parts; /**< [10000] MIME parts per message */
	uint32_t max_depth; /**< [100] nesting of multipart/rfc822 */
};

/** Reusable indexer state (growable scratch buffers). Opaque. */
struct ife_mime_builder;

/**
 * Create a builder. Its buffers grow to the largest message seen and are
 * reused, so a long import allocates only a few times.
 *
 * @param lim limits, or NULL for defaults.
 * @param out receives the builder.
 * @return 0, or -ENOMEM.
 */
int ife_mime_builder_create(const struct ife_mime_limits *lim,
			    struct ife_mime_builder **out);

/** Destroy a builder and set *b to NULL. NULL-safe. */
void ife_mime_builder_destroy(struct ife_mime_builder **b);

/**
 * Parse a message and build its index blob.
 *
 * @param b a builder.
 * @param msg the raw message; need not be NUL-terminated.
 * @param len its size; must be below 4 GiB.
 * @param idx_out receives a pointer to the index blob, owned by the builder
 *        and valid until the next call on it or its destruction.
 * @param idx_len receives the blob's size.
 * @return 0 (also for malformed messages), IFE_ELIMIT if len >= 4 GiB,
 *         or -ENOMEM.
 */
int ife_mime_index(struct ife_mime_builder *b, const void *msg, size_t len,
		   const void **idx_out, size_t *idx_len);

/**
 * Validate an index blob and fill a view of it. Cheap (bounds checks only):
 * safe to call on every read.
 *
 * @return 0, or IFE_ECORRUPT if the blob is malformed or of another
 *         version.
 */
int ife_mime_index_open(const void *idx, size_t idx_len,
			struct ife_mime_index_info *info);

/**
 * Copy the ENVELOPE string (without its outer parens) to @p dst.
 *
 * @param info a view from ife_mime_index_open().
 * @param dst output, @p cap bytes; at most cap bytes are written.
 * @return the string's length (info->envelope_len); the copy is whole
 *         when that is <= cap.
 */
size_t ife_mime_envelope(const struct ife_mime_index_info *info, char *dst,
			 size_t cap);

/**
 * Copy the non-extensible BODY string (with its outer parens) to @p dst.
 * Same contract as ife_mime_envelope(); the length is info->body_len.
 */
size_t ife_mime_body(const struct ife_mime_index_info *info, char *dst,
		     size_t cap);

/** What a section names (RFC 9051 section 6.4.5). */
enum ife_mime_section_kind {
	IFE_MIME_SEC_ALL,		/**< "" : the whole message */
	IFE_MIME_SEC_BODY,		/**< "1.2" : the part's body */
	IFE_MIME_SEC_HEADER,		/**< "HEADER", "1.HEADER" */
	IFE_MIME_SEC_HEADER_FIELDS,	/**< "HEADER.FIELDS": filter header */
	IFE_MIME_SEC_HEADER_FIELDS_NOT, /**< "HEADER.FIELDS.NOT" */
	IFE_MIME_SEC_TEXT,		/**< "TEXT", "1.TEXT" */
	IFE_MIME_SEC_MIME,		/**< "1.MIME" */
};

/** The result of a section lookup: a slice of the raw message. */
struct ife_mime_slice {
	uint32_t off;	  /**< physical offset in the raw message */
	uint32_t len;	  /**< physical length */
	uint32_t vsize;	  /**< IMAP size (line ends as CRLF) */
	uint32_t kind;	  /**< enum ife_mime_section_kind */
	uint32_t missing; /**< 1: no such part (answer an empty string,
			     also for HEADER.FIELDS) */
};

/**
 * Resolve a section specification to a slice, as Dovecot does: a part
 * number that does not exist gives an empty slice (len 0), which IMAP
 * answers as an empty string; a syntax error is refused.
 *
 * @param info a view from ife_mime_index_open().
 * @param sec the section text between the brackets, e.g. "1.2.MIME" or
 *        "HEADER.FIELDS" (the field list itself is not part of sec; the
 *        caller filters the header slice for the *_FIELDS kinds).
 * @param sec_len its length.
 * @param out receives the slice.
 * @return 0, or IFE_EPROTO for a malformed section.
 */
int ife_mime_section(const struct ife_mime_index_info *info, const char *sec,
		     size_t sec_len, struct ife_mime_slice *out);

/**
 * Copy a slice as Dovecot sends it: bare LF becomes CRLF and NUL becomes
 * 0x80. For messages with neither IFE_MIME_F_BARE_LF nor
 * IFE_MIME_F_HAS_NUL the slice can be sent as is, zero-copy.
 *
 * @param src the slice's bytes; @param len their count.
 * @param dst output, at least @p dst_cap bytes.
 * @return bytes written (stops at dst_cap, never splits a CRLF).
 */
size_t ife_mime_imap_copy(const uint8_t *src, size_t len, uint8_t *dst,
			  size_t dst_cap);

/**
 * Build the answer to BODY[...HEADER.FIELDS (names)] (or .NOT with
 * @p negate) from a header slice, byte for byte as Dovecot 2.3 does: the
 * whole matching header lines (continuation lines included, names compared
 * without case), NUL as 0x80. HEADER.FIELDS ends every line in CRLF and
 * always adds a blank line; HEADER.FIELDS.NOT turns LF into CRLF, keeps a
 * last line without line end as it is, and adds the blank line only if
 * the header had one.
 *
 * @param h the header slice (ife_mime_section() with a *_FIELDS kind).
 * @param names field names (not NUL-terminated), @p name_len their sizes,
 *        @p n their count.
 * @param dst output; @p cap its size. 2 * len + 2 bytes always suffice.
 * @return bytes written (the IMAP literal size when cap sufficed).
 */
size_t ife_mime_header_filter(const uint8_t *h, size_t len,
			      const char *const *names, const size_t *name_len,
			      unsigned n, int negate, uint8_t *dst, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* IMAPFE_MIME_H */
