/* The service list setting ("echo:7,discard:9,source:19"); EAL-free so
 * that dp_config validates it. */
#ifndef IFE_DP_SVC_SPEC_H
#define IFE_DP_SVC_SPEC_H

#include <stddef.h>
#include <stdint.h>

enum ife_dp_svc_kind {
	IFE_DP_SVC_ECHO = 0,
	IFE_DP_SVC_DISCARD,
	IFE_DP_SVC_SOURCE,
};

#define IFE_DP_SVC_MAX_PORTS 8

/* The listener context: what a port serves. */
struct ife_dp_svc_port {
	uint8_t kind;
	uint16_t port;
};

/* "echo", "discard", "source"; "?" for anything else. */
const char *ife_dp_svc_kind_name(unsigned kind);

/*
 * Parse "echo:7,discard:9,source:19" into @p ports.
 * @return the number of ports, or IFE_EUSAGE with @p err filled.
 */
int ife_dp_svc_parse(const char *spec, struct ife_dp_svc_port *ports, char *err,
		     size_t errlen);

#endif
