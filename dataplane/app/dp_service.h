/*
 * Test services on the user-space TCP stack (issue 5): echo (RFC 862),
 * discard (RFC 863) and a source of N bytes. They exist to prove and
 * measure the stack against the Linux kernel; the IMAP service replaces
 * them on its own ports later.
 */
#ifndef IFE_DP_SERVICE_H
#define IFE_DP_SERVICE_H

#include <stdint.h>

#include "dp_svc_spec.h"
#include "tcp.h"

/* Per-connection service state, from a pool sized at start-up. */
struct ife_dp_svc_conn {
	struct ife_dp_svc_conn *next_free;
	struct ife_tcp_conn *conn; /* the connection; NULL when free */
	struct rte_mbuf *pending;  /* echo data waiting for send space */
	uint64_t left;		   /* source: bytes still to send */
	uint8_t kind;
	uint8_t shut; /* our FIN was requested */
};

#define IFE_DP_SVC_COUNTERS(X)                      \
	X(ACCEPTED, "svc_accepted")                 \
	X(FINISHED, "svc_finished")                 \
	X(REFUSED_NO_STATE, "svc_refused_no_state") \
	X(BYTES_ECHOED, "svc_bytes_echoed")         \
	X(BYTES_DISCARDED, "svc_bytes_discarded")   \
	X(BYTES_SOURCED, "svc_bytes_sourced")       \
	X(SEND_ERRORS, "svc_send_errors")

enum ife_dp_svc_counter {
#define IFE_DP_SVC_X_ENUM(id, name) IFE_DP_SVC_CNT_##id,
	IFE_DP_SVC_COUNTERS(IFE_DP_SVC_X_ENUM)
#undef IFE_DP_SVC_X_ENUM
		IFE_DP_SVC_CNT_MAX
};

const char *ife_dp_svc_counter_name(enum ife_dp_svc_counter c);

/* One per worker. */
struct ife_dp_services {
	struct ife_tcp_stack *tcp;
	const uint64_t *now; /* the worker's clock, ns */
	uint64_t source_bytes;
	struct ife_dp_svc_port ports[IFE_DP_SVC_MAX_PORTS];
	unsigned nports;
	struct ife_dp_svc_conn *pool;
	uint32_t npool;
	struct ife_dp_svc_conn *free;
	uint64_t cnt[IFE_DP_SVC_CNT_MAX];
};

/* Prepare @p s with a state pool of @p pool (nconns entries, caller's
 * memory) and listen on every port. @return 0 or the ife_tcp_listen error. */
int ife_dp_svc_init(struct ife_dp_services *s, struct ife_tcp_stack *tcp,
		    const uint64_t *now, const struct ife_dp_svc_port *ports,
		    unsigned nports, uint32_t backlog, uint64_t source_bytes,
		    struct ife_dp_svc_conn *pool, uint32_t nconns);

/* The ife_tcp_event_fn of the services (app = struct ife_dp_services). */
void ife_dp_svc_event(void *app, struct ife_tcp_conn *c, void *conn_ctx,
		      unsigned events);

/* The service's state of @p c in words ("echo pending=N ...", or "-"
 * when no service owns it yet or any more), snprintf style. */
int ife_dp_svc_conn_str(const struct ife_dp_services *s,
			const struct ife_tcp_conn *c, char *buf, size_t len);

#endif
