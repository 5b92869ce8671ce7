/* Error-code text: see include/imapfe/err.h. */
#include <string.h>

#include "imapfe/err.h"

static const char *const err_text[] = {
	[0] = "try again (more input needed)",
	[1] = "protocol error",
	[2] = "limit exceeded",
	[3] = "truncated input",
	[4] = "bad checksum",
	[5] = "invalid state for this operation",
	[6] = "not found",
	[7] = "already exists",
	[8] = "quota exceeded",
	[9] = "storage full",
	[10] = "corrupt data",
	[11] = "conditional operation failed",
	[12] = "invalid name",
	[13] = "invalid argument or setting",
};

const char *
ife_strerror(int err)
{
	if (err == 0)
		return "success";
	if (err <= IFE_ERR_BASE && err > IFE_ERR_LAST) {
		unsigned idx = (unsigned)(IFE_ERR_BASE - err);
		if (idx < sizeof(err_text) / sizeof(err_text[0]) &&
		    err_text[idx])
			return err_text[idx];
		return "unknown error";
	}
	if (err < 0 && err > -4096)
		return strerror(-err);
	return "unknown error";
}
