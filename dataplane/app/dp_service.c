/*
 * echo / discard / source on the user-space TCP stack (see dp_service.h).
 *
 * Echo is zero copy: the received mbuf chain is queued for sending as it
 * is. When the send queue is full the chain waits in the connection's
 * state and nothing more is read, so the receive window closes and the
 * peer is slowed down (backpressure), rather than anything being dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dp_service.h"
#include "imapfe/err.h"

static const char *const svc_names[IFE_DP_SVC_CNT_MAX] = {
#define IFE_DP_SVC_X_NAME(id, name) [IFE_DP_SVC_CNT_##id] = name,
	IFE_DP_SVC_COUNTERS(IFE_DP_SVC_X_NAME)
#undef IFE_DP_SVC_X_NAME
};

const char *
ife_dp_svc_counter_name(enum ife_dp_svc_counter c)
{
	return (unsigned)c < IFE_DP_SVC_CNT_MAX ? svc_names[c] : "unknown";
}

int
ife_dp_svc_init(struct ife_dp_services *s, struct ife_tcp_stack *tcp,
		const uint64_t *now, const struct ife_dp_svc_port *ports,
		unsigned nports, uint32_t backlog, uint64_t source_bytes,
		struct ife_dp_svc_conn *pool, uint32_t nconns)
{
	memset(s, 0, sizeof(*s));
	s->tcp = tcp;
	s->now = now;
	s->source_bytes = source_bytes;
	s->pool = pool;
	s->npool = nconns;
	for (uint32_t i = 0; i < nconns; i++) {
		pool[i].next_free = s->free;
		s->free = &pool[i];
	}
	for (unsigned i = 0; i < nports && i < IFE_DP_SVC_MAX_PORTS; i++) {
		s->ports[i] = ports[i];
		int rc = ife_tcp_listen(tcp, ports[i].port, backlog,
					&s->ports[i]);
		if (rc)
			return rc;
		s->nports++;
	}
	return 0;
}

static void
finish(struct ife_dp_services *s, struct ife_tcp_conn *c,
       struct ife_dp_svc_conn *sc)
{
	if (!sc->shut) {
		sc->shut = 1;
		ife_tcp_shutdown(s->tcp, c, *s->now);
	}
}

/* Detach from the front of chain @p m as many whole segments as fit in
 * @p space bytes. Returns the front part (NULL if even the first segment
 * does not fit); *rest gets the remainder (NULL if none). */
static struct rte_mbuf *
chain_take(struct rte_mbuf *m, uint32_t space, struct rte_mbuf **rest)
{
	*rest = NULL;
	if (m->pkt_len <= space)
		return m;
	uint32_t len = 0;
	uint16_t segs = 0;
	struct rte_mbuf *last = NULL, *seg = m;
	while (seg != NULL && len + seg->data_len <= space) {
		len += seg->data_len;
		segs++;
		last = seg;
		seg = seg->next;
	}
	if (last == NULL)
		return NULL;
	if (seg == NULL) /* pkt_len overstated the segments: take them all */
		return m;
	/* seg is the first segment of the remainder. */
	seg->pkt_len = m->pkt_len - len;
	seg->nb_segs = (uint16_t)(m->nb_segs - segs);
	last->next = NULL;
	m->pkt_len = len;
	m->nb_segs = segs;
	*rest = seg;
	return m;
}

/* Send what fits of sc->pending; true when all of it went. */
static bool
echo_flush(struct ife_dp_services *s, struct ife_tcp_conn *c,
	   struct ife_dp_svc_conn *sc)
{
	while (sc->pending != NULL) {
		struct rte_mbuf *rest;
		struct rte_mbuf *part = chain_take(
			sc->pending, ife_tcp_send_space(s->tcp, c), &rest);
		if (part == NULL) {
			/* Not even one segment fits: offer the whole chain so
			 * that the stack answers IFE_AGAIN and arms WRITABLE.
			 */
			part = sc->pending;
			rest = NULL;
		}
		uint32_t len = part->pkt_len;
		int rc = ife_tcp_send(s->tcp, c, part, *s->now);
		if (rc == IFE_AGAIN) {
			/* Glue back: part then rest (rare: space shrank). */
			if (rest != NULL)
				rte_pktmbuf_chain(part, rest);
			sc->pending = part;
			return false;
		}
		if (rc < 0) {
			rte_pktmbuf_free(part);
			if (rest != NULL)
				rte_pktmbuf_free(rest);
			sc->pending = NULL;
			s->cnt[IFE_DP_SVC_CNT_SEND_ERRORS]++;
			return true;
		}
		s->cnt[IFE_DP_SVC_CNT_BYTES_ECHOED] += len;
		sc->pending = rest;
	}
	return true;
}

static void
run_echo(struct ife_dp_services *s, struct ife_tcp_conn *c,
	 struct ife_dp_svc_conn *sc)
{
	for (;;) {
		if (!echo_flush(s, c, sc))
			return; /* wait for WRITABLE */
		/* Read only what the send queue takes now: the rest stays in
		 * the receive queue, where the window accounts for it (at
		 * least one mbuf is read, so that EOF is still seen). */
		uint32_t space = ife_tcp_send_space(s->tcp, c);
		struct rte_mbuf *m;
		int rc = ife_tcp_recv_max(s->tcp, c, &m, space ? space : 1,
					  *s->now);
		if (rc == 0)
			return;
		if (rc < 0) { /* -EPIPE: the peer closed and all was read */
			finish(s, c, sc);
			return;
		}
		sc->pending = m;
	}
}

static void
run_discard(struct ife_dp_services *s, struct ife_tcp_conn *c,
	    struct ife_dp_svc_conn *sc)
{
	for (;;) {
		struct rte_mbuf *m;
		int rc = ife_tcp_recv(s->tcp, c, &m, *s->now);
		if (rc == 0)
			return;
		if (rc < 0) {
			finish(s, c, sc);
			return;
		}
		s->cnt[IFE_DP_SVC_CNT_BYTES_DISCARDED] += (uint64_t)rc;
		rte_pktmbuf_free(m);
	}
}

static void
run_source(struct ife_dp_services *s, struct ife_tcp_conn *c,
	   struct ife_dp_svc_conn *sc)
{
	static const char pattern[4096] = {[0 ... 4095] = 's'};
	struct rte_mbuf *m;
	/* Whatever the peer sends is read and dropped. */
	while (ife_tcp_recv(s->tcp, c, &m, *s->now) > 0)
		rte_pktmbuf_free(m);
	while (sc->left > 0) {
		size_t n = sc->left < sizeof(pattern) ? (size_t)sc->left
						      : sizeof(pattern);
		int w = ife_tcp_write(s->tcp, c, pattern, n, *s->now);
		if (w <= 0) {
			if (w != IFE_AGAIN)
				s->cnt[IFE_DP_SVC_CNT_SEND_ERRORS]++;
			return;
		}
		sc->left -= (uint64_t)w;
		s->cnt[IFE_DP_SVC_CNT_BYTES_SOURCED] += (uint64_t)w;
	}
	finish(s, c, sc);
}

void
ife_dp_svc_event(void *app, struct ife_tcp_conn *c, void *conn_ctx,
		 unsigned events)
{
	struct ife_dp_services *s = app;
	struct ife_dp_svc_conn *sc = conn_ctx;

	if (events & IFE_TCP_EV_ACCEPTED) {
		const struct ife_dp_svc_port *port = conn_ctx;
		sc = s->free;
		if (sc == NULL) {
			s->cnt[IFE_DP_SVC_CNT_REFUSED_NO_STATE]++;
			ife_tcp_abort(s->tcp, c, *s->now);
			return;
		}
		s->free = sc->next_free;
		memset(sc, 0, sizeof(*sc));
		sc->conn = c;
		sc->kind = port->kind;
		sc->left = sc->kind == IFE_DP_SVC_SOURCE ? s->source_bytes : 0;
		ife_tcp_conn_set_ctx(c, sc);
		s->cnt[IFE_DP_SVC_CNT_ACCEPTED]++;
	}
	if (sc == NULL)
		return;
	if (events & IFE_TCP_EV_FINAL) {
		/* The handle dies when we return; unread data is the
		 * stack's to free, data we held is ours. */
		if (sc->pending != NULL)
			rte_pktmbuf_free(sc->pending);
		sc->pending = NULL;
		sc->conn = NULL;
		sc->next_free = s->free;
		s->free = sc;
		s->cnt[IFE_DP_SVC_CNT_FINISHED]++;
		return;
	}
	switch (sc->kind) {
	case IFE_DP_SVC_ECHO:
		run_echo(s, c, sc);
		break;
	case IFE_DP_SVC_DISCARD:
		run_discard(s, c, sc);
		break;
	default:
		run_source(s, c, sc);
		break;
	}
}

int
ife_dp_svc_conn_str(const struct ife_dp_services *s,
		    const struct ife_tcp_conn *c, char *buf, size_t len)
{
	const void *ctx = ife_tcp_conn_ctx(c);
	/* Before ACCEPTED the context is the listener's port; after FINAL
	 * (TIME_WAIT) it is a slot that may serve another connection. */
	uintptr_t at = (uintptr_t)ctx, lo = (uintptr_t)s->pool;
	if (at < lo || at >= lo + (uintptr_t)s->npool * sizeof(*s->pool))
		return snprintf(buf, len, "-");
	const struct ife_dp_svc_conn *sc = ctx;
	if (sc->conn != c)
		return snprintf(buf, len, "-");
	return snprintf(buf, len, "%s pending=%u left=%llu shut=%u",
			ife_dp_svc_kind_name(sc->kind),
			sc->pending ? sc->pending->pkt_len : 0,
			(unsigned long long)sc->left, sc->shut);
}
