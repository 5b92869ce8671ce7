/* Parser of the services setting: see dp_svc_spec.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_svc_spec.h"
#include "imapfe/err.h"

static const char *const kinds[] = {"echo", "discard", "source"};

const char *
ife_dp_svc_kind_name(unsigned kind)
{
	return kind < sizeof(kinds) / sizeof(kinds[0]) ? kinds[kind] : "?";
}

int
ife_dp_svc_parse(const char *spec, struct ife_dp_svc_port *ports, char *err,
		 size_t errlen)
{
	int n = 0;
	const char *p = spec;
	while (*p) {
		size_t len = strcspn(p, ",");
		char item[32];
		if (len == 0 || len >= sizeof(item))
			goto bad;
		memcpy(item, p, len);
		item[len] = '\0';
		char *colon = strchr(item, ':');
		if (colon == NULL)
			goto bad;
		*colon = '\0';
		int kind = -1;
		for (int k = 0; k < 3; k++)
			if (!strcmp(item, kinds[k]))
				kind = k;
		char *end;
		unsigned long port = strtoul(colon + 1, &end, 10);
		if (kind < 0 || *end || colon[1] == '\0' || port == 0 ||
		    port > 65535)
			goto bad;
		if (n == IFE_DP_SVC_MAX_PORTS) {
			snprintf(err, errlen, "at most %d service ports",
				 IFE_DP_SVC_MAX_PORTS);
			return IFE_EUSAGE;
		}
		for (int i = 0; i < n; i++) {
			if (ports[i].port == port) {
				snprintf(err, errlen, "port %lu given twice",
					 port);
				return IFE_EUSAGE;
			}
		}
		ports[n].kind = (uint8_t)kind;
		ports[n].port = (uint16_t)port;
		n++;
		p += len;
		if (*p == ',' && *++p == '\0')
			goto bad;
	}
	return n;
bad:
	snprintf(err, errlen,
		 "invalid service list '%s' (expected e.g. "
		 "echo:7,discard:9,source:19)",
		 spec);
	return IFE_EUSAGE;
}
