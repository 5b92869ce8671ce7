/*
 * imapfe-dataplane: EAL and port set-up, worker launch, clean shutdown.
 *
 * The main lcore does set-up, then (when there are worker lcores) writes the
 * stats file once a second and waits for SIGINT/SIGTERM; with a single lcore
 * it runs the one worker itself. See docs/architecture.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <sched.h>
#include <sys/random.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "imapfe/err.h"
#include "dp_config.h"
#include "dp_prefault.h"
#include "dp_worker.h"
#include "fault.h"
#include "tcp.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2
#define MAX_WORKERS  64

static volatile int stop_flag;
static volatile uint32_t dump_sig; /* SIGUSR1s so far (--conn-dump) */

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
on_dump_signal(int sig)
{
	(void)sig;
	dump_sig++;
}

/* --conn-dump writes PATH.tmp then renames it: find out at start-up,
 * not at the first SIGUSR1, when that cannot work. */
static int
conn_dump_writable(const char *path)
{
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr,
			"imapfe-dataplane: --conn-dump %s: cannot "
			"create %s: %s\n",
			path, tmp, strerror(errno));
		return -1;
	}
	fclose(f);
	unlink(tmp);
	return 0;
}

/* Per worker: room for the header and ~10,000 connection lines. */
#define CONN_DUMP_BYTES (4u << 20)

/* Control thread: when every worker has served the latest SIGUSR1 (or
 * after a second), write their dumps to cfg->conn_dump. */
static void
collect_dumps(const struct ife_dp_config *cfg, struct ife_dp_worker *w,
	      unsigned nw, uint32_t *written)
{
	uint32_t want = dump_sig;
	if (want == *written)
		return;
	if (cfg->conn_dump[0] == '\0') {
		fprintf(stderr, "imapfe-dataplane: SIGUSR1 ignored: no "
				"--conn-dump file\n");
		*written = want;
		return;
	}
	for (int tries = 0; tries < 1000; tries++) {
		unsigned ready = 0;
		for (unsigned i = 0; i < nw; i++)
			ready += ife_dp_dump_served(&w[i], want);
		if (ready == nw)
			break;
		usleep(1000);
	}
	int rc = ife_dp_dump_write(cfg->conn_dump, w, nw, want);
	if (rc != 0)
		fprintf(stderr, "imapfe-dataplane: --conn-dump %s: %s\n",
			cfg->conn_dump, strerror(-rc));
	for (unsigned i = 0; i < nw; i++)
		__atomic_store_n(
			&w[i].dump_ack,
			__atomic_load_n(&w[i].dump_done, __ATOMIC_ACQUIRE),
			__ATOMIC_RELEASE);
	*written = want;
}

/* Hugepages usable? Needs a hugetlbfs mount and enough free pages. */
static int
hugepages_available(uint32_t need_mb)
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[512];
	int mounted = 0;
	if (f != NULL) {
		while (fgets(line, sizeof(line), f))
			if (strstr(line, " hugetlbfs ") != NULL)
				mounted = 1;
		fclose(f);
	}
	if (!mounted)
		return 0;
	unsigned long free_pages = 0, size_kb = 0;
	f = fopen("/proc/meminfo", "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "HugePages_Free:", 15))
			free_pages = strtoul(line + 15, NULL, 10);
		else if (!strncmp(line, "Hugepagesize:", 13))
			size_kb = strtoul(line + 13, NULL, 10);
	}
	fclose(f);
	return free_pages * size_kb / 1024 >= need_mb;
}

/* For net_af_packet / net_tap: name the interface in errors early. */
static int
check_iface(const char *port, char *err, size_t errlen)
{
	const char *p = strstr(port, "iface=");
	if (p == NULL || strncmp(port, "net_af_packet", 13) != 0)
		return 0;
	char name[IF_NAMESIZE + 1];
	size_t n = strcspn(p + 6, ",");
	if (n == 0 || n >= sizeof(name)) {
		snprintf(err, errlen, "--port: bad iface= in '%s'", port);
		return -1;
	}
	memcpy(name, p + 6, n);
	name[n] = '\0';
	if (if_nametoindex(name) == 0) {
		snprintf(
			err, errlen,
			"--port: interface '%s' does not exist in this network "
			"namespace (run tools/lab up, and start the dataplane "
			"with ip netns exec ife-srv)",
			name);
		return -1;
	}
	return 0;
}

/* Every lcore must be a CPU this process may run on: EAL's own error for
 * this case is a bare "Invalid argument". */
static int
check_lcores(const char *lcores, char *err, size_t errlen)
{
	unsigned char set[IFE_DP_MAX_LCORE];
	cpu_set_t cpus;
	if (ife_dp_config_lcore_set(lcores, set) < 0 ||
	    sched_getaffinity(0, sizeof(cpus), &cpus) != 0)
		return 0; /* validated earlier; EAL will say more */
	for (int i = 0; i < IFE_DP_MAX_LCORE; i++) {
		if (set[i] && !CPU_ISSET(i, &cpus)) {
			snprintf(err, errlen,
				 "--lcores: CPU %d is not available to this "
				 "process (%d online)",
				 i, CPU_COUNT(&cpus));
			return -1;
		}
	}
	return 0;
}

/* ife_tcp_stats fields, by name, for the JSON counters. */
static const struct {
	const char *name;
	size_t off;
} tcp_stat_fields[] = {
#define TCP_STAT_FIELD(f) {#f, offsetof(struct ife_tcp_stats, f)},
	IFE_TCP_STATS_FIELDS(TCP_STAT_FIELD)
#undef TCP_STAT_FIELD
};

static void
write_stats(FILE *f, struct ife_dp_worker *w, unsigned nw, uint16_t port,
	    const struct rte_mempool *pool)
{
	fprintf(f, "{\"workers\": %u, \"counters\": {", nw);
	/* The PMD's own counters: what the NIC (or the kernel socket under
	 * net_af_packet) saw, missed for want of ring space or mbufs, and
	 * failed to send. */
	struct rte_eth_stats es;
	if (rte_eth_stats_get(port, &es) != 0)
		memset(&es, 0, sizeof(es));
	fprintf(f,
		"\"port_ipackets\": %llu, \"port_opackets\": %llu, "
		"\"port_imissed\": %llu, \"port_ierrors\": %llu, "
		"\"port_oerrors\": %llu, \"port_rx_nombuf\": %llu, ",
		(unsigned long long)es.ipackets,
		(unsigned long long)es.opackets, (unsigned long long)es.imissed,
		(unsigned long long)es.ierrors, (unsigned long long)es.oerrors,
		(unsigned long long)es.rx_nombuf);
	const char *sep = "";
	for (int c = 0; c < IFE_NET_CNT_MAX; c++) {
		uint64_t sum = 0;
		for (unsigned i = 0; i < nw; i++)
			sum += __atomic_load_n(&w[i].net.cnt[c],
					       __ATOMIC_RELAXED);
		fprintf(f, "%s\"%s\": %llu", sep, ife_net_counter_name(c),
			(unsigned long long)sum);
		sep = ", ";
	}
	for (int c = 0; c < IFE_DP_CNT_MAX; c++) {
		uint64_t sum = 0;
		for (unsigned i = 0; i < nw; i++)
			sum += __atomic_load_n(&w[i].cnt[c], __ATOMIC_RELAXED);
		fprintf(f, ", \"%s\": %llu", ife_dp_counter_name(c),
			(unsigned long long)sum);
	}
	for (int c = 0; c < IFE_DP_SVC_CNT_MAX; c++) {
		uint64_t sum = 0;
		for (unsigned i = 0; i < nw; i++)
			sum += __atomic_load_n(&w[i].svc.cnt[c],
					       __ATOMIC_RELAXED);
		fprintf(f, ", \"%s\": %llu", ife_dp_svc_counter_name(c),
			(unsigned long long)sum);
	}
	for (size_t k = 0;
	     k < sizeof(tcp_stat_fields) / sizeof(tcp_stat_fields[0]); k++) {
		uint64_t sum = 0;
		for (unsigned i = 0; i < nw; i++) {
			if (w[i].tcp == NULL)
				continue;
			const char *st = (const char *)ife_tcp_stats(w[i].tcp);
			sum += __atomic_load_n(
				(const uint64_t *)(st + tcp_stat_fields[k].off),
				__ATOMIC_RELAXED);
		}
		fprintf(f, ", \"tcp_%s\": %llu", tcp_stat_fields[k].name,
			(unsigned long long)sum);
	}
	static const char *const dir_name[2] = {"rx", "tx"};
	for (int d = 0; d < 2; d++) {
		uint64_t v[4] = {0};
		for (unsigned i = 0; i < nw; i++) {
			if (w[i].fault == NULL)
				continue;
			const struct ife_fault_stats *fs = ife_fault_stats(
				w[i].fault, (enum ife_fault_dir)d);
			v[0] += fs->dropped;
			v[1] += fs->duplicated;
			v[2] += fs->reordered;
			v[3] += fs->delayed;
		}
		fprintf(f,
			", \"fault_%s_dropped\": %llu, "
			"\"fault_%s_duplicated\": "
			"%llu, \"fault_%s_reordered\": %llu, "
			"\"fault_%s_delayed\": %llu",
			dir_name[d], (unsigned long long)v[0], dir_name[d],
			(unsigned long long)v[1], dir_name[d],
			(unsigned long long)v[2], dir_name[d],
			(unsigned long long)v[3]);
	}
	uint64_t conns = 0, rx_held = 0, tx_held = 0;
	for (unsigned i = 0; i < nw; i++)
		if (w[i].tcp != NULL) {
			uint32_t rx, tx;
			conns += ife_tcp_conn_count(w[i].tcp);
			ife_tcp_mbufs_held(w[i].tcp, &rx, &tx);
			rx_held += rx;
			tx_held += tx;
		}
	/* Gauges: connections, the mbufs the TCP queues hold and the
	 * mbufs left in the pool (its ring plus the lcore caches). */
	fprintf(f,
		", \"tcp_conns_now\": %llu, \"tcp_rx_mbufs_now\": %llu, "
		"\"tcp_tx_mbufs_now\": %llu, \"mbufs_free_now\": %u}, "
		"\"per_worker\": [",
		(unsigned long long)conns, (unsigned long long)rx_held,
		(unsigned long long)tx_held,
		pool ? rte_mempool_avail_count(pool) : 0);
	for (unsigned i = 0; i < nw; i++) {
		const struct ife_tcp_stats *ts =
			w[i].tcp ? ife_tcp_stats(w[i].tcp) : NULL;
		fprintf(f,
			"%s{\"lcore\": %u, \"queue\": %u, \"rx_frames\": %llu, "
			"\"tcp_conn_accepted\": %llu}",
			i ? ", " : "", w[i].lcore, w[i].queue,
			(unsigned long long)__atomic_load_n(
				&w[i].net.cnt[IFE_NET_CNT_RX],
				__ATOMIC_RELAXED),
			(unsigned long long)(ts ? __atomic_load_n(
							  &ts->conn_accepted,
							  __ATOMIC_RELAXED)
						: 0));
	}
	fprintf(f, "]}\n");
}

static void
dump_stats(const struct ife_dp_config *cfg, struct ife_dp_worker *w,
	   unsigned nw, uint16_t port, const struct rte_mempool *pool)
{
	if (cfg->stats_file[0] == '\0') {
		write_stats(stdout, w, nw, port, pool);
		fflush(stdout);
		return;
	}
	/* Write then rename, so readers never see half a file. */
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s.tmp", cfg->stats_file);
	FILE *f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "imapfe-dataplane: %s: %s\n", tmp,
			strerror(errno));
		return;
	}
	write_stats(f, w, nw, port, pool);
	if (fclose(f) == 0)
		rename(tmp, cfg->stats_file);
}

/* The TX offloads port_setup() turned on, for the TCP stack and the net
 * layer. */
struct port_tx {
	bool tcp_csum;	       /* TCP checksums */
	bool tso_v4, tso_v6;   /* TCP segmentation, per family */
	uint16_t tso_max_segs; /* mbufs per packet; 0 = no limit */
	uint16_t tso_max_pkts; /* segments per super-segment; 0 = any */
	uint16_t tso_mtu_less; /* what the port's TSO MTU check adds */
};

/* net_tap's TSO is librte_gso in the PMD (DPDK 22.11, checked against its
 * tx_burst): TCP/IPv4 only (an IPv6 super-segment leaves as one giant
 * frame), at most 64 segments per super-segment (MAX_GSO_MBUFS; more is
 * refused), and a segment is refused when l2_len + l3_len + l4_len +
 * tso_segsz exceeds the MTU, Ethernet header included. A refused packet
 * also stops the rest of its burst. */
#define TAP_GSO_MAX_SEGS 64

static int
port_setup(const struct ife_dp_config *cfg, uint16_t port, uint16_t nq,
	   struct rte_mempool *pool, struct port_tx *tx, char *err,
	   size_t errlen)
{
	struct rte_eth_dev_info info;
	int rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: no device info: %s", port,
			 rte_strerror(-rc));
		return -1;
	}
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		snprintf(err, errlen,
			 "port %u (%s) has %u RX / %u TX queues but %u workers "
			 "were asked for (for net_af_packet add qpairs=%u)",
			 port, info.driver_name, info.max_rx_queues,
			 info.max_tx_queues, nq, nq);
		return -1;
	}
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	if (nq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP) &
			info.flow_type_rss_offloads;
	}
	/* Checksum offloads where the port has them (the TCP stack computes
	 * them in software otherwise, and checks RX flags it is given). */
	memset(tx, 0, sizeof(*tx));
	if (cfg->csum_offload) {
		uint64_t want = RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
		if ((info.tx_offload_capa & want) == want) {
			conf.txmode.offloads |= want;
			tx->tcp_csum = true;
		}
		/* the TCP stack reads RX_L4_CKSUM_*; the net layer checks
		 * IPv4 header checksums itself (20 bytes) */
		conf.rxmode.offloads |=
			info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	}
	/* TCP segmentation offload: the stack hands new data over in
	 * super-segments of up to 64 KB (mbuf chains) that the port cuts
	 * into segments, computing the IPv4 and TCP checksums of each. A
	 * wire segment spans at most 3 mbufs (header, and its payload across
	 * two 2 KiB mbufs): a port that takes fewer per segment is not
	 * used. */
	uint64_t tso =
		RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
		RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	uint16_t mtu_segs = info.tx_desc_lim.nb_mtu_seg_max;
	if (cfg->tso && tx->tcp_csum && (info.tx_offload_capa & tso) == tso &&
	    (mtu_segs == 0 || mtu_segs >= 3)) {
		bool tap = strcmp(info.driver_name, "net_tap") == 0;
		conf.txmode.offloads |= tso;
		tx->tso_v4 = true;
		tx->tso_v6 = !tap; /* librte_gso: TCP/IPv4 only */
		tx->tso_max_segs = info.tx_desc_lim.nb_seg_max;
		if (tap) {
			tx->tso_max_pkts = TAP_GSO_MAX_SEGS;
			tx->tso_mtu_less = RTE_ETHER_HDR_LEN;
		}
	}
	rc = rte_eth_dev_configure(port, nq, nq, &conf);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: configure failed: %s", port,
			 rte_strerror(-rc));
		return -1;
	}
	uint16_t rxd = cfg->rx_desc, txd = cfg->tx_desc;
	rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
	int sock = rte_eth_dev_socket_id(port);
	for (uint16_t q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, rxd, (unsigned)sock, NULL,
					    pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, txd,
						    (unsigned)sock, NULL);
		if (rc != 0) {
			snprintf(err, errlen,
				 "port %u queue %u: setup failed: %s", port, q,
				 rte_strerror(-rc));
			return -1;
		}
	}
	rc = rte_eth_dev_start(port);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: start failed: %s", port,
			 rte_strerror(-rc));
		return -1;
	}
	/* The net layer filters by MAC itself; promiscuous mode lets it see
	 * and count frames not for us instead of the PMD hiding them. */
	rte_eth_promiscuous_enable(port);
	return 0;
}

#define POOL_CACHE 256u /* mbufs cached per lcore by the pool */

/* One TCP stack per worker, all memory taken now; services listen on it. */
static int
tcp_setup(const struct ife_dp_config *cfg, struct ife_dp_worker *workers,
	  unsigned nw, struct rte_mempool *pool, uint16_t port,
	  const struct port_tx *tx)
{
	struct ife_dp_svc_port ports[IFE_DP_SVC_MAX_PORTS];
	char err[160];
	int nports = 0;
	if (cfg->services[0]) {
		nports = ife_dp_svc_parse(cfg->services, ports, err,
					  sizeof(err));
		if (nports < 0) { /* validated before; keep the check */
			fprintf(stderr, "imapfe-dataplane: --services: %s\n",
				err);
			return -1;
		}
	}
	struct ife_tcp_params p;
	memset(&p, 0, sizeof(p));
	p.mp = pool;
	p.ip_output = ife_dp_worker_ip_output;
	p.event = ife_dp_svc_event;
	p.max_conns = cfg->tcp_max_conns;
	p.rcv_buf = cfg->tcp_rcvbuf;
	p.tx_csum_offload = tx->tcp_csum;
	p.tx_tso_v4 = tx->tso_v4;
	p.tx_tso_v6 = tx->tso_v6;
	p.tso_max_segs = tx->tso_max_segs;
	p.tso_max_pkts = tx->tso_max_pkts;
	p.snd_buf = cfg->tcp_sndbuf;
	p.socket_id = rte_eth_dev_socket_id(port);
	p.cc = strcmp(cfg->tcp_cc, "cubic") == 0 ? IFE_TCP_CC_CUBIC
						 : IFE_TCP_CC_NEWRENO;
	/* The workers share one pool: what the rings and the per-lcore
	 * caches hold is set aside, each stack gets an equal share of the
	 * rest, and of its share the receive queues may hold 1/2 and the
	 * send queues 3/8 (the last 1/8: output segments on their way to
	 * the NIC, what a service holds between a read and a write). */
	uint64_t ring = (uint64_t)cfg->rx_desc + cfg->tx_desc +
			2u * cfg->burst + POOL_CACHE * 3 / 2; /* cache max */
	uint64_t reserve = ring * nw + 512;
	uint64_t share = cfg->mbufs > reserve ? (cfg->mbufs - reserve) / nw : 0;
	p.rx_mbuf_max = (uint32_t)(share / 2 > 16 ? share / 2 : 16);
	p.tx_mbuf_max = (uint32_t)(share / 8 * 3 > 16 ? share / 8 * 3 : 16);
	uint16_t mtu = 1500;
	if (rte_eth_dev_get_mtu(port, &mtu) == 0 && mtu >= 576)
		p.mtu = mtu;
	if (tx->tso_mtu_less != 0)
		p.tso_mtu =
			(uint16_t)((p.mtu ? p.mtu : 1500) - tx->tso_mtu_less);
	if (getrandom(p.secret, sizeof(p.secret), 0) != sizeof(p.secret)) {
		fprintf(stderr, "imapfe-dataplane: getrandom: %s\n",
			strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < nw; i++) {
		struct ife_dp_worker *w = &workers[i];
		p.output_ctx = w;
		p.app = &w->svc;
		int rc = ife_tcp_stack_create(&p, &w->tcp);
		if (rc != 0) {
			fprintf(stderr,
				"imapfe-dataplane: TCP stack for %u "
				"connections: "
				"%s (lower --tcp-max-conns or give more "
				"memory)\n",
				cfg->tcp_max_conns, ife_strerror(rc));
			return -1;
		}
		struct ife_dp_svc_conn *svc_pool = rte_zmalloc_socket(
			"ife_svc", sizeof(*svc_pool) * cfg->tcp_max_conns,
			RTE_CACHE_LINE_SIZE, p.socket_id);
		if (svc_pool == NULL) {
			fprintf(stderr, "imapfe-dataplane: out of memory for "
					"service state\n");
			return -1;
		}
		rc = ife_dp_svc_init(&w->svc, w->tcp, &w->now_ns, ports,
				     (unsigned)nports, cfg->tcp_backlog,
				     cfg->source_bytes, svc_pool,
				     cfg->tcp_max_conns);
		if (rc != 0) {
			fprintf(stderr, "imapfe-dataplane: listen: %s\n",
				ife_strerror(rc));
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct ife_dp_config cfg;
	char err[512];

	ife_dp_config_defaults(&cfg);
	if (ife_dp_config_parse_args(&cfg, argc, argv, err, sizeof(err)) ||
	    (!cfg.help && ife_dp_config_validate(&cfg, err, sizeof(err)))) {
		fprintf(stderr, "imapfe-dataplane: %s\n", err);
		fprintf(stderr, "try 'imapfe-dataplane --help'\n");
		return EXIT_USAGE;
	}
	if (cfg.help) {
		ife_dp_config_usage(stdout, "imapfe-dataplane");
		return 0;
	}
	if (cfg.conn_dump[0] && conn_dump_writable(cfg.conn_dump) != 0)
		return EXIT_RUNTIME;
	struct ife_fault_params fault;
	if (ife_fault_parse(cfg.fault, &fault, err, sizeof(err)) != 0) {
		fprintf(stderr, "imapfe-dataplane: --fault: %s\n", err);
		return EXIT_USAGE;
	}
	if ((!cfg.lcore_map[0] &&
	     check_lcores(cfg.lcores, err, sizeof(err)) != 0) ||
	    check_iface(cfg.port, err, sizeof(err)) != 0) {
		fprintf(stderr, "imapfe-dataplane: %s\n", err);
		return EXIT_RUNTIME;
	}
	if (geteuid() != 0)
		fprintf(stderr, "imapfe-dataplane: warning: not root; "
				"af_packet and tap ports need CAP_NET_RAW/"
				"CAP_NET_ADMIN\n");

	int no_huge = 0;
	if (cfg.huge == IFE_DP_HUGE_OFF) {
		no_huge = 1;
	} else if (!hugepages_available(cfg.mem_mb / 2)) {
		if (cfg.huge == IFE_DP_HUGE_ON) {
			fprintf(stderr,
				"imapfe-dataplane: --huge on, but no hugetlbfs "
				"mount with %u MB of free hugepages (tools/lab "
				"up "
				"reserves them; or use --huge auto)\n",
				cfg.mem_mb / 2);
			return EXIT_RUNTIME;
		}
		no_huge = 1;
		fprintf(stderr, "imapfe-dataplane: no hugepages reserved; "
				"running with --no-huge\n");
	}

	char mem[16], vdev[300];
	snprintf(mem, sizeof(mem), "%u", cfg.mem_mb);
	/* net_af_packet's default ring (512 frames) overflows under a few
	 * hundred TCP flows and turns into loss that the PMD does not count
	 * (imissed stays 0): 1000 kernel flows opening at once send 10,000
	 * segments in one burst, and 8192 frames lost ~13% of a 1000-flow
	 * echo. Give it 32768 frames (64 MiB per queue) unless the spec
	 * sizes the ring itself (docs/configuration.md). Blocks of 128 KiB
	 * (64 frames each) rather than one page: the kernel finds a frame
	 * through a table of 512 blocks instead of 16384 pages (8 MiB echo:
	 * ahead in 4 of 4 A/B rounds by 13-137 Mbit/s of about 4000, level
	 * within noise in 5 others; docs/benchmarks.md, session 11). */
	if (strncmp(cfg.port, "net_af_packet", 13) == 0 &&
	    strstr(cfg.port, "framecnt=") == NULL)
		snprintf(vdev, sizeof(vdev), "%s,%s", cfg.port,
			 "framecnt=32768,blocksz=131072,framesz=2048");
	else
		snprintf(vdev, sizeof(vdev), "%s", cfg.port);
	char *eal_argv[32];
	int eal_argc = 0;
	eal_argv[eal_argc++] = argv[0];
	eal_argv[eal_argc++] = "--no-pci";
	eal_argv[eal_argc++] = "--no-telemetry";
	eal_argv[eal_argc++] = "--vdev";
	eal_argv[eal_argc++] = vdev;
	if (cfg.lcore_map[0]) {
		eal_argv[eal_argc++] = "--lcores";
		eal_argv[eal_argc++] = cfg.lcore_map;
	} else {
		eal_argv[eal_argc++] = "-l";
		eal_argv[eal_argc++] = cfg.lcores;
	}
	eal_argv[eal_argc++] = "--log-level";
	eal_argv[eal_argc++] = cfg.log_level;
	char prefix[32];
	if (no_huge) {
		/* --in-memory implies memory modes that --no-huge cannot use;
		 * --no-shconf and a per-process prefix keep instances apart. */
		snprintf(prefix, sizeof(prefix), "ife%d", (int)getpid());
		eal_argv[eal_argc++] = "--no-huge";
		eal_argv[eal_argc++] = "--no-shconf";
		eal_argv[eal_argc++] = "--file-prefix";
		eal_argv[eal_argc++] = prefix;
		eal_argv[eal_argc++] = "-m";
		eal_argv[eal_argc++] = mem;
	} else {
		eal_argv[eal_argc++] = "--in-memory";
	}
	eal_argv[eal_argc] = NULL;

	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr,
			"imapfe-dataplane: EAL initialisation failed: "
			"%s\n",
			rte_strerror(rte_errno));
		return EXIT_RUNTIME;
	}

	int rc = EXIT_RUNTIME;
	struct ife_dp_worker *workers = NULL;
	uint16_t port = 0;
	int port_started = 0;
	unsigned nlcores = 0, nw = 0;

	if (rte_eth_dev_count_avail() != 1) {
		fprintf(stderr,
			"imapfe-dataplane: expected 1 port from '%s', found %u "
			"(is the interface there and are you root?)\n",
			cfg.port, rte_eth_dev_count_avail());
		goto out;
	}
	RTE_ETH_FOREACH_DEV(port) break;

	nlcores = rte_lcore_count();
	nw = nlcores > 1 ? nlcores - 1 : 1;
	if (nw > MAX_WORKERS) {
		fprintf(stderr, "imapfe-dataplane: at most %d workers\n",
			MAX_WORKERS);
		goto out;
	}
	struct rte_mempool *pool = rte_pktmbuf_pool_create(
		"ife_mbufs", cfg.mbufs, POOL_CACHE, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, rte_eth_dev_socket_id(port));
	if (pool == NULL) {
		fprintf(stderr,
			"imapfe-dataplane: cannot create a pool of %u mbufs: "
			"%s (raise --mem-mb or reserve more hugepages)\n",
			cfg.mbufs, rte_strerror(rte_errno));
		goto out;
	}
	struct port_tx tx;
	if (port_setup(&cfg, port, (uint16_t)nw, pool, &tx, err, sizeof(err))) {
		fprintf(stderr, "imapfe-dataplane: %s\n", err);
		goto out;
	}
	port_started = 1;
	/* The af_packet rings' first writes cost (dp_prefault.h): pay now. */
	char prefault_note[48] = "";
	if (cfg.prefault) {
		FILE *maps = fopen("/proc/self/maps", "r");
		int64_t pf = 0;
		if (maps == NULL) {
			fprintf(stderr,
				"imapfe-dataplane: warning: /proc/self/maps: "
				"%s: port rings not prefaulted\n",
				strerror(errno));
		} else {
			pf = ife_dp_prefault_sockets(
				maps, (size_t)sysconf(_SC_PAGESIZE));
			fclose(maps);
			if (pf < 0)
				fprintf(stderr,
					"imapfe-dataplane: warning: "
					"/proc/self/maps: a line not in the "
					"maps format: port rings after it not "
					"prefaulted\n");
		}
		if (pf > 0)
			snprintf(prefault_note, sizeof(prefault_note),
				 ", %" PRId64 " MiB of rings prefaulted",
				 pf >> 20);
	}

	struct rte_ether_addr mac;
	rte_eth_macaddr_get(port, &mac);
	static const uint8_t no_mac[6];
	if (memcmp(cfg.mac, no_mac, 6) != 0) {
		/* A MAC of our own (--mac). The port is promiscuous already;
		 * where it filters in hardware, also add the address. On
		 * net_af_packet the kernel now sees our frames as addressed
		 * to another host and drops them at once instead of looking
		 * up a route for each one. */
		memcpy(mac.addr_bytes, cfg.mac, 6);
		int mrc = rte_eth_dev_mac_addr_add(port, &mac, 0);
		if (mrc != 0 && mrc != -ENOTSUP)
			fprintf(stderr,
				"imapfe-dataplane: warning: --mac: the port "
				"does not take the address (%s); relying on "
				"promiscuous mode\n",
				rte_strerror(-mrc));
	}
	workers = rte_zmalloc("ife_workers", sizeof(*workers) * nw,
			      RTE_CACHE_LINE_SIZE);
	if (workers == NULL) {
		fprintf(stderr, "imapfe-dataplane: out of memory\n");
		goto out;
	}
	struct ife_net_cfg ncfg = {
		.ip4 = cfg.ip4,
		.l4_protos = 1ull << 6, /* TCP */
		.neigh_max_age = (uint64_t)cfg.arp_max_age_s * rte_get_tsc_hz(),
		.solicit_interval = rte_get_tsc_hz(),
		/* with IPv4 TSO the stack flags every IPv4 segment
		 * RTE_MBUF_F_TX_IP_CKSUM and the port sums the headers */
		.tx_ip4_cksum_offload = tx.tso_v4,
	};
	memcpy(ncfg.ip6, cfg.ip6, 16);
	memcpy(ncfg.mac, mac.addr_bytes, 6);
	for (unsigned i = 0; i < nw; i++) {
		struct ife_dp_worker *w = &workers[i];
		if (ife_net_init(&w->net, &ncfg) != 0) {
			fprintf(stderr,
				"imapfe-dataplane: port MAC "
				"%02x:%02x:%02x:%02x:%02x:%02x is not "
				"a unicast address\n",
				mac.addr_bytes[0], mac.addr_bytes[1],
				mac.addr_bytes[2], mac.addr_bytes[3],
				mac.addr_bytes[4], mac.addr_bytes[5]);
			goto out;
		}
		w->port = port;
		w->queue = (uint16_t)i;
		w->burst = cfg.burst;
		w->idle_sleep_us = cfg.idle_sleep_us;
		w->tx_coalesce_ns = (uint64_t)cfg.tx_coalesce_us * 1000;
		w->tcp_batch = cfg.tcp_batch;
		w->pool = pool;
		w->stop = &stop_flag;
		w->dump_sig = &dump_sig;
		if (cfg.conn_dump[0]) {
			w->dump_cap = CONN_DUMP_BYTES;
			w->dump_buf =
				rte_malloc("ife_conn_dump", w->dump_cap, 0);
			if (w->dump_buf == NULL) {
				fprintf(stderr, "imapfe-dataplane: out of "
						"memory for --conn-dump\n");
				goto out;
			}
			if (nlcores == 1)
				w->dump_path = cfg.conn_dump;
		}
		w->send_garp = cfg.garp && i == 0;
		w->ns_per_tsc_q32 =
			(uint64_t)(((unsigned __int128)1000000000u << 32) /
				   rte_get_tsc_hz());
	}

	if (tcp_setup(&cfg, workers, nw, pool, port, &tx) != 0)
		goto out;
	/* Every TX offload (TSO needs the TCP checksum one) goes through
	 * the port's prepare step. */
	for (unsigned i = 0; i < nw; i++)
		workers[i].tx_prepare = tx.tcp_csum;
	if (cfg.fault[0] != '\0' && strcmp(cfg.fault, "off") != 0) {
		for (unsigned i = 0; i < nw; i++) {
			/* Each worker draws its own sequence from the seed. */
			struct ife_fault_params fp = fault;
			fp.seed += i;
			int frc = ife_fault_create(&fp,
						   rte_eth_dev_socket_id(port),
						   &workers[i].fault);
			if (frc != 0) {
				fprintf(stderr,
					"imapfe-dataplane: --fault: %s\n",
					ife_strerror(frc));
				goto out;
			}
		}
		fprintf(stderr, "imapfe-dataplane: fault injection on: %s\n",
			cfg.fault);
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* Without --conn-dump the control thread says so (SIGUSR1's
	 * default action would kill the process). */
	signal(SIGUSR1, on_dump_signal);
	char ipbuf[16];
	const uint8_t *ib = (const uint8_t *)&cfg.ip4;
	snprintf(ipbuf, sizeof(ipbuf), "%u.%u.%u.%u", ib[0], ib[1], ib[2],
		 ib[3]);
	fprintf(stderr,
		"imapfe-dataplane: port %u up, %s at "
		"%02x:%02x:%02x:%02x:%02x:%02x, %u worker(s)%s%s%s%s\n",
		port, ipbuf, mac.addr_bytes[0], mac.addr_bytes[1],
		mac.addr_bytes[2], mac.addr_bytes[3], mac.addr_bytes[4],
		mac.addr_bytes[5], nw, no_huge ? ", no hugepages" : "",
		tx.tcp_csum ? ", TCP checksums offloaded" : "",
		!tx.tso_v4  ? ""
		: tx.tso_v6 ? ", TSO"
			    : ", TSO (IPv4 only)",
		prefault_note);

	if (nlcores == 1) {
		ife_dp_worker_run(&workers[0]);
	} else {
		unsigned i = 0, lc;
		RTE_LCORE_FOREACH_WORKER(lc)
		{
			workers[i].lcore = lc;
			rte_eal_remote_launch(ife_dp_worker_run, &workers[i],
					      lc);
			i++;
		}
		uint64_t last = 0;
		uint32_t dumps_written = 0;
		while (!stop_flag) {
			usleep(100 * 1000);
			collect_dumps(&cfg, workers, nw, &dumps_written);
			uint64_t now = rte_get_tsc_cycles();
			if (cfg.stats_file[0] &&
			    now - last >= rte_get_tsc_hz()) {
				dump_stats(&cfg, workers, nw, port, pool);
				last = now;
			}
		}
		rte_eal_mp_wait_lcore();
	}
	fprintf(stderr, "imapfe-dataplane: shutting down\n");
	dump_stats(&cfg, workers, nw, port, pool);
	rc = 0;
out:
	if (workers != NULL) {
		for (unsigned i = 0; i < nw; i++) {
			ife_fault_destroy(&workers[i].fault);
			ife_tcp_stack_destroy(&workers[i].tcp);
			rte_free(workers[i].svc.pool);
			rte_free(workers[i].dump_buf);
		}
		rte_free(workers);
	}
	if (port_started) {
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	rte_eal_cleanup();
	return rc;
}
