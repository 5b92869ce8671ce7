/* imapfe-dataplane settings table: see dp_config.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imapfe/err.h"
#include "dp_config.h"
#include "dp_svc_spec.h"

enum setting_type {
	T_STR,
	T_IP4,
	T_IP6,
	T_MAC,
	T_U32,
	T_U16,
	T_BOOL,
	T_HUGE,
	T_LCORES
};

struct setting {
	const char *key;
	enum setting_type type;
	size_t off;
	size_t size; /* for strings: buffer size */
	uint32_t min, max;
	const char *help;
};

#define F(field) offsetof(struct ife_dp_config, field)
#define S(field) sizeof(((struct ife_dp_config *)0)->field)

static const struct setting settings[] = {
	{"port", T_STR, F(port), S(port), 1, 0,
	 "DPDK vdev of the port, e.g. net_af_packet0,iface=ife-s0 (required)"},
	{"ip", T_IP4, F(ip4), 0, 0, 0,
	 "IPv4 address of the dataplane (required)"},
	{"ip6", T_IP6, F(ip6), 0, 0, 0,
	 "global IPv6 address of the dataplane; unset = IPv6 off (a link-local "
	 "address is derived from the MAC when set)"},
	{"mac", T_MAC, F(mac), 0, 0, 0,
	 "Ethernet address the dataplane answers for, e.g. 02:00:5e:10:00:02, "
	 "or 'port' for the port's own; a MAC of its own on a net_af_packet "
	 "interface keeps the kernel from routing the dataplane's frames "
	 "(docs/configuration.md) [port]"},
	{"lcores", T_LCORES, F(lcores), S(lcores), 1, 0,
	 "EAL lcore list; the first is the main lcore, the others are "
	 "workers (one RX/TX queue pair each); a single lcore runs one worker "
	 "on the main lcore [0]"},
	{"lcore-map", T_STR, F(lcore_map), S(lcore_map), 0, 0,
	 "EAL --lcores mapping of lcores to CPUs, e.g. 0@0,(1-2)@1 to run "
	 "two workers on CPU 1 (testing on small machines); overrides "
	 "lcores [unset]"},
	{"mbufs", T_U32, F(mbufs), 0, 1023, 1u << 24,
	 "mbufs in the pool [32767]"},
	{"rx-desc", T_U16, F(rx_desc), 0, 64, 16384,
	 "RX descriptors per queue [1024]"},
	{"tx-desc", T_U16, F(tx_desc), 0, 64, 16384,
	 "TX descriptors per queue [1024]"},
	{"burst", T_U16, F(burst), 0, 1, 256, "RX/TX burst size [32]"},
	{"huge", T_HUGE, F(huge), 0, 0, 0,
	 "hugepages: auto (use when reserved, else --no-huge), on, off [auto]"},
	{"mem-mb", T_U32, F(mem_mb), 0, 64, 1u << 20,
	 "memory in MB when running without hugepages [512]"},
	{"idle-sleep-us", T_U32, F(idle_sleep_us), 0, 0, 1000000,
	 "sleep this long after 64 empty polls; 0 = busy poll [0]"},
	{"tx-coalesce-us", T_U32, F(tx_coalesce_us), 0, 0, 10000,
	 "hold frames up to this long after the last TX burst so that bursts "
	 "grow under load (interrupt moderation for the peer); 0 = send at "
	 "the end of every poll [100]"},
	{"tcp-batch", T_BOOL, F(tcp_batch), 0, 0, 0,
	 "hold each connection's output until the end of the RX burst, so "
	 "that one ACK covers the burst and every answer carries it [on]"},
	{"arp-max-age", T_U32, F(arp_max_age_s), 0, 1, 86400,
	 "seconds a neighbour (ARP/NDP) cache entry stays valid [300]"},
	{"stats-file", T_STR, F(stats_file), S(stats_file), 0, 0,
	 "write JSON counters here every second and at exit [stdout at exit]"},
	{"conn-dump", T_STR, F(conn_dump), S(conn_dump), 0, 0,
	 "on SIGUSR1, write every TCP connection's state (one line each, "
	 "the first ~10,000 per worker) to this file [off]"},
	{"log-level", T_STR, F(log_level), S(log_level), 1, 0,
	 "EAL log level: emergency..debug [warning]"},
	{"services", T_STR, F(services), S(services), 0, 0,
	 "TCP test services, e.g. echo:7,discard:9,source:19 [none]"},
	{"fault", T_STR, F(fault), S(fault), 0, 0,
	 "fault injection between the port and the stack, e.g. "
	 "seed=7,rx.drop=5%,rx.reorder=2%,tx.dup=1% (see docs) [off]"},
	{"source-bytes", T_U32, F(source_bytes), 0, 0, 0xffffffffu,
	 "bytes the source service sends per connection [1048576]"},
	{"tcp-max-conns", T_U32, F(tcp_max_conns), 0, 64, 1u << 22,
	 "TCP connections (all states) per worker [65536]"},
	{"tcp-backlog", T_U32, F(tcp_backlog), 0, 1, 1u << 20,
	 "half-open connections per port before SYN cookies answer [1024]"},
	{"tcp-cc", T_STR, F(tcp_cc), S(tcp_cc), 1, 0,
	 "congestion control: newreno or cubic [newreno]"},
	{"tcp-rcvbuf", T_U32, F(tcp_rcvbuf), 0, 4096, 1u << 30,
	 "receive window per connection, bytes [262144]"},
	{"tcp-sndbuf", T_U32, F(tcp_sndbuf), 0, 4096, 1u << 30,
	 "send queue per connection, bytes [262144]"},
	{"garp", T_BOOL, F(garp), 0, 0, 0,
	 "send a gratuitous ARP at start [on]"},
	{"csum-offload", T_BOOL, F(csum_offload), 0, 0, 0,
	 "let the port compute and check TCP checksums when it can [on]"},
	{"prefault", T_BOOL, F(prefault), 0, 0, 0,
	 "write every page of the port's socket-mapped rings (net_af_packet) "
	 "once at start, so that the first traffic does not pay for it "
	 "[on]"},
	{"tso", T_BOOL, F(tso), 0, 0, 0,
	 "let the port cut TCP super-segments of up to 64 KB into segments "
	 "(TSO) when it can; needs csum-offload [on]"},
};

void
ife_dp_config_defaults(struct ife_dp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->lcores, sizeof(cfg->lcores), "0");
	cfg->mbufs = 32767;
	cfg->rx_desc = 1024;
	cfg->tx_desc = 1024;
	cfg->burst = 32;
	cfg->tx_coalesce_us = 100;
	cfg->tcp_batch = true;
	cfg->huge = IFE_DP_HUGE_AUTO;
	cfg->mem_mb = 512;
	cfg->source_bytes = 1u << 20;
	cfg->tcp_max_conns = 65536;
	cfg->tcp_backlog = 1024;
	cfg->tcp_rcvbuf = 262144;
	cfg->tcp_sndbuf = 262144;
	snprintf(cfg->tcp_cc, sizeof(cfg->tcp_cc), "newreno");
	cfg->arp_max_age_s = 300;
	snprintf(cfg->log_level, sizeof(cfg->log_level), "warning");
	cfg->garp = true;
	cfg->csum_offload = true;
	cfg->tso = true;
	cfg->prefault = true;
}

static int __attribute__((format(printf, 4, 5)))
fail(char *err, size_t errlen, const char *where, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", where, msg);
	return IFE_EUSAGE;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "port" (all zero: the port's own MAC) or six two-digit hex bytes joined
 * by ':', a unicast address. Not ether_aton_r(3): glibc's takes whatever
 * follows the sixth byte after a space ("02:00:5e:10:00:02 x"), and a
 * trailing ':' too. */
static int
parse_mac(const char *value, uint8_t *mac, const char *where, char *err,
	  size_t errlen)
{
	if (!strcmp(value, "port")) {
		memset(mac, 0, 6);
		return 0;
	}
	uint8_t b[6];
	for (unsigned i = 0; i < 6; i++) {
		const char *p = value + 3 * i;
		int hi = hexval(p[0]);
		int lo = hi < 0 ? -1 : hexval(p[1]);
		char sep = lo < 0 ? 'x' : p[2];
		if (lo < 0 || sep != (i < 5 ? ':' : '\0'))
			return fail(err, errlen, where,
				    "invalid MAC address '%s' (expected "
				    "six hex bytes like 02:00:5e:10:00:02, "
				    "or 'port')",
				    value);
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	static const uint8_t zero[6];
	if ((b[0] & 1) || !memcmp(b, zero, 6))
		return fail(err, errlen, where,
			    "'%s' is not a unicast MAC address", value);
	memcpy(mac, b, 6);
	return 0;
}

static const struct setting *
find(const char *key)
{
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (strcmp(settings[i].key, key) == 0)
			return &settings[i];
	return NULL;
}

int
ife_dp_config_lcore_count(const char *s)
{
	unsigned char seen[IFE_DP_MAX_LCORE];
	return ife_dp_config_lcore_set(s, seen);
}

int
ife_dp_config_lcore_set(const char *s, unsigned char seen[IFE_DP_MAX_LCORE])
{
	/* EAL -l syntax: a,b,c-d (no groups). Count distinct lcores. */
	int n = 0;
	memset(seen, 0, IFE_DP_MAX_LCORE);
	if (*s == '\0')
		return IFE_EUSAGE;
	while (*s) {
		char *end;
		errno = 0;
		long a = strtol(s, &end, 10);
		if (end == s || errno || a < 0 || a >= IFE_DP_MAX_LCORE)
			return IFE_EUSAGE;
		long b = a;
		s = end;
		if (*s == '-') {
			s++;
			b = strtol(s, &end, 10);
			if (end == s || errno || b < a || b >= IFE_DP_MAX_LCORE)
				return IFE_EUSAGE;
			s = end;
		}
		for (long i = a; i <= b; i++)
			if (!seen[i]++)
				n++;
		if (*s == ',') {
			s++;
			if (*s == '\0')
				return IFE_EUSAGE;
		} else if (*s != '\0') {
			return IFE_EUSAGE;
		}
	}
	return n;
}

int
ife_dp_config_set(struct ife_dp_config *cfg, const char *key, const char *value,
		  const char *where, char *err, size_t errlen)
{
	const struct setting *st = find(key);
	if (st == NULL)
		return fail(err, errlen, where, "unknown setting '%s'%s", key,
			    "");
	if (value == NULL)
		return fail(err, errlen, where, "'%s' needs a value%s", key,
			    "");
	void *field = (char *)cfg + st->off;
	char *end;
	unsigned long v;

	switch (st->type) {
	case T_STR:
	case T_LCORES:
		if (strlen(value) >= st->size)
			return fail(err, errlen, where, "'%s' is too long%s",
				    key, "");
		if (st->min > 0 && value[0] == '\0')
			return fail(err, errlen, where,
				    "'%s' must not be empty%s", key, "");
		if (st->type == T_LCORES &&
		    ife_dp_config_lcore_count(value) < 0)
			return fail(err, errlen, where,
				    "invalid lcore list '%s' (expected e.g. "
				    "0 or 0,1 or 0-3)%s",
				    value, "");
		snprintf(field, st->size, "%s", value);
		return 0;
	case T_IP4: {
		struct in_addr a;
		if (inet_pton(AF_INET, value, &a) != 1)
			return fail(err, errlen, where,
				    "invalid IPv4 address '%s'%s", value, "");
		const uint8_t *b = (const uint8_t *)&a.s_addr;
		if (a.s_addr == 0 || b[0] == 127 || b[0] >= 224)
			return fail(err, errlen, where,
				    "'%s' is not a unicast host address%s",
				    value, "");
		memcpy(field, &a.s_addr, 4);
		return 0;
	}
	case T_IP6: {
		struct in6_addr a;
		if (inet_pton(AF_INET6, value, &a) != 1)
			return fail(err, errlen, where,
				    "invalid IPv6 address '%s'", value);
		static const uint8_t zero[16];
		static const uint8_t loop[16] = {[15] = 1};
		if (a.s6_addr[0] == 0xff || !memcmp(a.s6_addr, zero, 16) ||
		    !memcmp(a.s6_addr, loop, 16))
			return fail(err, errlen, where,
				    "'%s' is not a unicast host address",
				    value);
		memcpy(field, a.s6_addr, 16);
		return 0;
	}
	case T_MAC:
		return parse_mac(value, field, where, err, errlen);
	case T_U32:
	case T_U16: {
		if (value[0] == '-' || value[0] == '\0')
			goto bad_num;
		errno = 0;
		v = strtoul(value, &end, 10);
		if (errno || *end != '\0')
			goto bad_num;
		if (v < st->min || v > st->max) {
			char range[64];
			snprintf(range, sizeof(range), "%u..%u", st->min,
				 st->max);
			return fail(err, errlen, where,
				    "value out of range (%s) for '%s'", range,
				    key);
		}
		if (st->type == T_U32)
			*(uint32_t *)field = (uint32_t)v;
		else
			*(uint16_t *)field = (uint16_t)v;
		return 0;
	bad_num:
		return fail(err, errlen, where,
			    "'%s' is not a non-negative integer (for '%s')",
			    value, key);
	}
	case T_BOOL:
		if (!strcmp(value, "1") || !strcmp(value, "on") ||
		    !strcmp(value, "yes") || !strcmp(value, "true"))
			*(bool *)field = true;
		else if (!strcmp(value, "0") || !strcmp(value, "off") ||
			 !strcmp(value, "no") || !strcmp(value, "false"))
			*(bool *)field = false;
		else
			return fail(err, errlen, where,
				    "'%s' is not a boolean (on/off) for '%s'",
				    value, key);
		return 0;
	case T_HUGE:
		if (!strcmp(value, "auto"))
			cfg->huge = IFE_DP_HUGE_AUTO;
		else if (!strcmp(value, "on"))
			cfg->huge = IFE_DP_HUGE_ON;
		else if (!strcmp(value, "off"))
			cfg->huge = IFE_DP_HUGE_OFF;
		else
			return fail(err, errlen, where,
				    "'%s' is not auto, on or off (for '%s')",
				    value, key);
		return 0;
	}
	return fail(err, errlen, where, "internal: bad setting type%s%s", "",
		    "");
}

int
ife_dp_config_parse_args(struct ife_dp_config *cfg, int argc, char *const *argv,
			 char *err, size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			cfg->help = true;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
			return fail(err, errlen, arg,
				    "unexpected argument (options are "
				    "--KEY VALUE; see --help)%s%s",
				    "", "");
		char key[64];
		const char *value = NULL;
		const char *eq = strchr(arg + 2, '=');
		size_t klen = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		if (klen >= sizeof(key))
			return fail(err, errlen, arg, "unknown option%s%s", "",
				    "");
		memcpy(key, arg + 2, klen);
		key[klen] = '\0';
		const struct setting *st = find(key);
		if (st == NULL && !strncmp(key, "no-", 3) && !eq) {
			st = find(key + 3);
			if (st != NULL && st->type == T_BOOL) {
				int rc = ife_dp_config_set(cfg, key + 3, "off",
							   arg, err, errlen);
				if (rc)
					return rc;
				continue;
			}
			st = NULL;
		}
		if (st == NULL)
			return fail(err, errlen, arg,
				    "unknown option (see --help)%s%s", "", "");
		if (eq)
			value = eq + 1;
		else if (st->type == T_BOOL)
			value = "on";
		else if (i + 1 < argc)
			value = argv[++i];
		int rc = ife_dp_config_set(cfg, key, value, arg, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

int
ife_dp_config_validate(const struct ife_dp_config *cfg, char *err,
		       size_t errlen)
{
	if (cfg->port[0] == '\0')
		return fail(err, errlen, "--port",
			    "required: the DPDK vdev to use, e.g. "
			    "net_af_packet0,iface=ife-s0%s%s",
			    "", "");
	if (cfg->ip4 == 0)
		return fail(err, errlen, "--ip",
			    "required: the dataplane's IPv4 address%s%s", "",
			    "");
	if (strcmp(cfg->tcp_cc, "newreno") != 0 &&
	    strcmp(cfg->tcp_cc, "cubic") != 0)
		return fail(err, errlen, "--tcp-cc",
			    "'%s' is not newreno or cubic", cfg->tcp_cc);
	struct ife_dp_svc_port ports[IFE_DP_SVC_MAX_PORTS];
	char why[160];
	if (cfg->services[0] &&
	    ife_dp_svc_parse(cfg->services, ports, why, sizeof(why)) < 0)
		return fail(err, errlen, "--services", "%s", why);
	int n = ife_dp_config_lcore_count(cfg->lcores);
	if (cfg->lcore_map[0]) {
		/* Count lcores as EAL will: "a@b" items and "(a-b)@c" groups.
		 */
		n = 0;
		for (const char *q = cfg->lcore_map; *q;) {
			char *end;
			long lo, hi;
			if (*q == '(') {
				lo = strtol(q + 1, &end, 10);
				hi = *end == '-' ? strtol(end + 1, &end, 10)
						 : lo;
				if (end == q + 1 || *end != ')' || hi < lo)
					return fail(err, errlen, "--lcore-map",
						    "cannot read '%s'",
						    cfg->lcore_map);
				n += (int)(hi - lo + 1);
			} else {
				(void)strtol(q, &end, 10);
				if (end == q)
					return fail(err, errlen, "--lcore-map",
						    "cannot read '%s'",
						    cfg->lcore_map);
				n++;
			}
			q = end + strcspn(end, ",");
			if (*q == ',')
				q++;
		}
	}
	uint32_t workers = n > 1 ? (uint32_t)n - 1 : 1;
	/* Each queue keeps rx_desc + tx_desc + a burst in flight. */
	uint64_t need = (uint64_t)workers * (cfg->rx_desc + cfg->tx_desc +
					     2u * cfg->burst) +
			512;
	if (cfg->mbufs < need) {
		char a[32], b[32];
		snprintf(a, sizeof(a), "%u", cfg->mbufs);
		snprintf(b, sizeof(b), "%llu", (unsigned long long)need);
		return fail(err, errlen, "--mbufs",
			    "%s mbufs cannot fill the rings; need at least %s",
			    a, b);
	}
	return 0;
}

void
ife_dp_config_usage(void *fp, const char *prog)
{
	FILE *f = fp;
	fprintf(f,
		"usage: %s --port VDEV --ip ADDR [options]\n"
		"Runs the imapfe dataplane on one DPDK port (see "
		"docs/configuration.md).\n\noptions (also accepted as "
		"--KEY=VALUE; booleans as --KEY / --no-KEY):\n",
		prog);
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		fprintf(f, "  --%-15s %s\n", settings[i].key, settings[i].help);
	fprintf(f, "  --%-15s %s\n", "help", "show this help");
	fprintf(f, "\nexit status: 0 clean shutdown, 1 runtime error, "
		   "2 usage error\n");
}
