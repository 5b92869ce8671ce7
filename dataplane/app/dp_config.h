/**
 * @file dp_config.h
 * @brief imapfe-dataplane settings: one table, fed by the command line now
 *        and by the configuration file later (docs/configuration.md).
 *
 * Every setting has a key ("ip", "port", ...). The command line option
 * --KEY VALUE (or --KEY=VALUE) and a future "KEY = VALUE" file line both end
 * in ife_dp_config_set(), so validation and error text live in one place.
 * No EAL needed: tested by tests/test_dp_config.c.
 */
#ifndef IFE_DP_CONFIG_H
#define IFE_DP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ife_dp_huge {
	IFE_DP_HUGE_AUTO =
		0,	 /**< use hugepages when reserved, else --no-huge */
	IFE_DP_HUGE_ON,	 /**< require hugepages */
	IFE_DP_HUGE_OFF, /**< always --no-huge */
};

struct ife_dp_config {
	char port[256];	     /**< DPDK vdev spec, e.g. net_af_packet0,iface=x */
	uint32_t ip4;	     /**< our IPv4 address, network order */
	uint8_t ip6[16];     /**< our IPv6 address; all zero = no IPv6 */
	uint8_t mac[6];	     /**< our MAC; all zero = the port's own */
	char lcores[64];     /**< EAL lcore list; first is the main lcore */
	char lcore_map[128]; /**< EAL --lcores map ("0@0,(1-2)@1"); overrides
				lcores */
	uint32_t mbufs;	     /**< mbufs in the pool */
	uint16_t rx_desc;    /**< RX ring size per queue */
	uint16_t tx_desc;    /**< TX ring size per queue */
	uint16_t burst;	     /**< RX/TX burst size */
	enum ife_dp_huge huge;	/**< hugepage policy */
	uint32_t mem_mb;	/**< memory with --no-huge */
	uint32_t idle_sleep_us; /**< >0: sleep this long after 64 empty polls */
	uint32_t tx_coalesce_us; /**< under load, a TX burst per this */
	bool tcp_batch;		 /**< TCP output waits for the burst's end */
	uint32_t arp_max_age_s;	 /**< ARP cache entry lifetime */
	char stats_file[256];	 /**< JSON counters written here every second
				      and at exit ("" = stdout at exit only) */
	char conn_dump[256];	 /**< on SIGUSR1, connections listed here
				      ("" = off) */
	char log_level[16];	 /**< EAL log level (error, warning, info...) */
	char services[128];	 /**< "echo:7,discard:9,source:19" or "" */
	char fault[256];	/**< fault-injection spec (fault.h); "" = off */
	uint32_t source_bytes;	/**< bytes the source service sends */
	uint32_t tcp_max_conns; /**< TCBs per worker */
	uint32_t tcp_backlog;	/**< SYN_RCVD per port before SYN cookies */
	char tcp_cc[16];	/**< newreno or cubic */
	uint32_t tcp_rcvbuf;	/**< receive window bytes per connection */
	uint32_t tcp_sndbuf;	/**< send queue bytes per connection */
	bool garp;		/**< send a gratuitous ARP at start */
	bool csum_offload;	/**< use the port's TCP checksum offloads */
	bool tso;		/**< and its TCP segmentation offload */
	bool prefault;		/**< write the port's rings once at start */
	bool help;		/**< --help was given */
};

/** Fill @p cfg with defaults (no port, no IP: both required). */
void ife_dp_config_defaults(struct ife_dp_config *cfg);

/**
 * Set one setting from its text form.
 * @param where  "--ip" or "file.conf:12", prefixed to the error message.
 * @param err    buffer for a one-line message on failure.
 * @return 0, or IFE_EUSAGE with @p err filled ("unknown setting", "invalid
 *         IPv4 address", "out of range 64..65535", ...).
 */
int ife_dp_config_set(struct ife_dp_config *cfg, const char *key,
		      const char *value, const char *where, char *err,
		      size_t errlen);

/**
 * Parse command-line options (argv[0] skipped). Accepts --KEY VALUE,
 * --KEY=VALUE, -h/--help. Boolean settings accept --KEY (true) and
 * --no-KEY (false).
 * @return 0, or IFE_EUSAGE with @p err filled.
 */
int ife_dp_config_parse_args(struct ife_dp_config *cfg, int argc,
			     char *const *argv, char *err, size_t errlen);

/**
 * Check settings that depend on each other and required ones.
 * @return 0, or IFE_EUSAGE with @p err filled.
 */
int ife_dp_config_validate(const struct ife_dp_config *cfg, char *err,
			   size_t errlen);

/** Matches the RTE_MAX_LCORE of Debian's DPDK build; EAL re-checks. */
#define IFE_DP_MAX_LCORE 128

/** Number of lcores named by cfg->lcores, or IFE_EUSAGE if malformed. */
int ife_dp_config_lcore_count(const char *lcores);

/** Mark each lcore named in @p lcores in @p set (1 = named).
 * @return how many, or IFE_EUSAGE if malformed. */
int ife_dp_config_lcore_set(const char *lcores,
			    unsigned char set[IFE_DP_MAX_LCORE]);

/** Write the option help (every key, its default and meaning) to @p f. */
void ife_dp_config_usage(void *f, const char *prog);

#endif /* IFE_DP_CONFIG_H */
