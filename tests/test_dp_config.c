/* Unit tests for the dataplane settings table (dataplane/app/dp_config.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dp_config.h"
#include "dp_txpolicy.h"
#include "imapfe/err.h"

static int
parse(struct ife_dp_config *cfg, char *err, const char *const *argv, int argc)
{
	ife_dp_config_defaults(cfg);
	return ife_dp_config_parse_args(cfg, argc, (char *const *)argv, err,
					256);
}

static void
test_dp_config_valid_command_line(void **state)
{
	(void)state;
	struct ife_dp_config cfg;
	char err[256] = "";
	const char *argv[] = {
		"x",	     "--port",	   "net_af_packet0,iface=v",
		"--ip",	     "198.18.0.2", "--lcores=0,1",
		"--burst",   "64",	   "--no-garp",
		"--huge=off"};
	assert_int_equal(parse(&cfg, err, argv, 10), 0);
	assert_string_equal(cfg.port, "net_af_packet0,iface=v");
	const uint8_t *b = (const uint8_t *)&cfg.ip4;
	assert_int_equal(b[0], 198);
	assert_int_equal(b[3], 2);
	assert_string_equal(cfg.lcores, "0,1");
	assert_int_equal(cfg.burst, 64);
	assert_false(cfg.garp);
	assert_int_equal(cfg.huge, IFE_DP_HUGE_OFF);
	assert_int_equal(ife_dp_config_validate(&cfg, err, sizeof(err)), 0);
}

/* --mac: "port" (the default, all zero) or a unicast address, any case. */
static void
test_dp_config_mac(void **state)
{
	(void)state;
	struct ife_dp_config cfg;
	char err[256] = "";
	static const uint8_t zero[6];
	ife_dp_config_defaults(&cfg);
	assert_memory_equal(cfg.mac, zero, 6);
	assert_int_equal(ife_dp_config_set(&cfg, "mac", "02:1F:e0:0a:B0:02",
					   "t", err, sizeof(err)),
			 0);
	static const uint8_t want[6] = {0x02, 0x1f, 0xe0, 0x0a, 0xb0, 0x02};
	assert_memory_equal(cfg.mac, want, 6);
	assert_int_equal(
		ife_dp_config_set(&cfg, "mac", "port", "t", err, sizeof(err)),
		0);
	assert_memory_equal(cfg.mac, zero, 6);
}

struct bad_case {
	const char *argv[4];
	int argc;
	const char *msg; /* expected substring of the error */
};

static void
test_dp_config_bad_arguments_rejected(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{{"x", "--bogus", "1"}, 3, "--bogus: unknown option"},
		{{"x", "positional"}, 2, "unexpected argument"},
		{{"x", "--"}, 2, "unexpected argument"},
		{{"x", "--ip"}, 2, "'ip' needs a value"},
		{{"x", "--ip", "198.18.0.256"}, 3, "invalid IPv4 address"},
		{{"x", "--ip", "224.0.0.1"}, 3, "not a unicast host"},
		{{"x", "--ip", "127.0.0.1"}, 3, "not a unicast host"},
		{{"x", "--burst", "0"}, 3, "out of range (1..256)"},
		{{"x", "--burst", "300"}, 3, "out of range"},
		{{"x", "--burst", "-1"}, 3, "not a non-negative integer"},
		{{"x", "--burst", "12x"}, 3, "not a non-negative integer"},
		{{"x", "--mbufs", "99999999999999999999"}, 3, "not a non-neg"},
		{{"x", "--huge", "maybe"}, 3, "not auto, on or off"},
		{{"x", "--garp=perhaps"}, 2, "not a boolean"},
		{{"x", "--tso=perhaps"},
		 2,
		 "--tso=perhaps: 'perhaps' is not a bool"},
		{{"x", "--no-tso=1"}, 2, "unknown option"},
		{{"x", "--lcores", "0,,1"}, 3, "invalid lcore list"},
		{{"x", "--lcores", "3-1"}, 3, "invalid lcore list"},
		{{"x", "--lcores", "a"}, 3, "invalid lcore list"},
		{{"x", "--lcores", "0,"}, 3, "invalid lcore list"},
		{{"x", "--port", ""}, 3, "must not be empty"},
		{{"x", "--no-burst"}, 2, "unknown option"},
		{{"x", "--ip6", "2001:db8::zz"}, 3, "invalid IPv6 address"},
		{{"x", "--ip6", "::"}, 3, "not a unicast host"},
		{{"x", "--ip6", "ff02::1"}, 3, "not a unicast host"},
		{{"x", "--mac", "02:00:5e:10:00"}, 3, "invalid MAC address"},
		{{"x", "--mac", "02:00:5e:10:00:02:"},
		 3,
		 "invalid MAC address"},
		{{"x", "--mac", "02-00-5e-10-00-02"}, 3, "invalid MAC address"},
		{{"x", "--mac", "02:00:5e:10:0:02"}, 3, "invalid MAC address"},
		{{"x", "--mac", "g2:00:5e:10:00:02"}, 3, "invalid MAC address"},
		{{"x", "--mac", ""}, 3, "invalid MAC address"},
		{{"x", "--mac", "02:00:5e:10:00:02 x"},
		 3,
		 "invalid MAC address"},
		{{"x", "--mac", "01:00:5e:00:00:01"}, 3, "not a unicast MAC"},
		{{"x", "--mac", "00:00:00:00:00:00"}, 3, "not a unicast MAC"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ife_dp_config cfg;
		char err[256] = "";
		assert_int_equal(parse(&cfg, err, cases[i].argv, cases[i].argc),
				 IFE_EUSAGE);
		if (strstr(err, cases[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
				 cases[i].msg);
	}
}

/* tx-coalesce-us: parsed and bounded; the policy sends at once when
 * coalescing is off or the last burst is old enough (light load), holds
 * frames only while bursts come faster than that, never holds a full
 * batch, and has nothing to send with nothing queued. */
static void
test_dp_config_tx_coalesce(void **state)
{
	(void)state;
	struct ife_dp_config cfg;
	char err[256] = "";
	ife_dp_config_defaults(&cfg);
	assert_int_equal(cfg.tx_coalesce_us, 100);
	assert_int_equal(ife_dp_config_set(&cfg, "tx-coalesce-us", "0", "t",
					   err, sizeof(err)),
			 0);
	assert_int_equal(cfg.tx_coalesce_us, 0);
	assert_int_equal(ife_dp_config_set(&cfg, "tx-coalesce-us", "10001", "t",
					   err, sizeof(err)),
			 IFE_EUSAGE);
	assert_non_null(strstr(err, "out of range (0..10000)"));

	const uint64_t us = 1000;
	assert_false(ife_dp_tx_due(0, 500 * us, 0, 0));
	assert_true(ife_dp_tx_due(1, 500 * us, 499 * us, 0));
	/* light load: the last burst is 200 us old */
	assert_true(ife_dp_tx_due(1, 500 * us, 300 * us, 100 * us));
	/* under load: 30 us since the last burst, held ... */
	assert_false(ife_dp_tx_due(5, 500 * us, 470 * us, 100 * us));
	assert_false(ife_dp_tx_due(IFE_DP_TX_COALESCE_MAX - 1, 500 * us,
				   470 * us, 100 * us));
	/* ... unless a full batch waits, or the interval is over */
	assert_true(ife_dp_tx_due(IFE_DP_TX_COALESCE_MAX, 500 * us, 470 * us,
				  100 * us));
	assert_true(ife_dp_tx_due(5, 570 * us, 470 * us, 100 * us));
	assert_false(ife_dp_tx_due(0, 570 * us, 470 * us, 100 * us));
}

static void
test_dp_config_validate_requires_port_and_ip(void **state)
{
	(void)state;
	struct ife_dp_config cfg;
	char err[256];
	ife_dp_config_defaults(&cfg);
	assert_int_equal(ife_dp_config_validate(&cfg, err, sizeof(err)),
			 IFE_EUSAGE);
	assert_non_null(strstr(err, "--port: required"));
	assert_int_equal(ife_dp_config_set(&cfg, "port", "net_tap0", "t", err,
					   sizeof(err)),
			 0);
	assert_int_equal(ife_dp_config_validate(&cfg, err, sizeof(err)),
			 IFE_EUSAGE);
	assert_non_null(strstr(err, "--ip: required"));
	assert_int_equal(ife_dp_config_set(&cfg, "ip", "198.18.0.2", "t", err,
					   sizeof(err)),
			 0);
	assert_int_equal(ife_dp_config_validate(&cfg, err, sizeof(err)), 0);
	/* Too few mbufs for the rings of 3 workers. */
	assert_int_equal(
		ife_dp_config_set(&cfg, "lcores", "0-3", "t", err, sizeof(err)),
		0);
	assert_int_equal(
		ife_dp_config_set(&cfg, "mbufs", "2000", "t", err, sizeof(err)),
		0);
	assert_int_equal(ife_dp_config_validate(&cfg, err, sizeof(err)),
			 IFE_EUSAGE);
	assert_non_null(strstr(err, "cannot fill the rings"));
}

static void
test_dp_config_where_prefixes_errors(void **state)
{
	(void)state;
	/* The file parser of a later issue passes "file:line" as where. */
	struct ife_dp_config cfg;
	char err[256];
	ife_dp_config_defaults(&cfg);
	assert_int_equal(ife_dp_config_set(&cfg, "burst", "1000",
					   "imapfe.conf:7", err, sizeof(err)),
			 IFE_EUSAGE);
	assert_int_equal(strncmp(err, "imapfe.conf:7: ", 15), 0);
}

/* TSO: on by default, off with --no-tso, a boolean like the others (with
 * the same "where: ..." errors a configuration file line will get). */
static void
test_dp_config_tso_option(void **state)
{
	(void)state;
	struct ife_dp_config cfg;
	char err[256];
	ife_dp_config_defaults(&cfg);
	assert_true(cfg.tso);
	assert_true(cfg.csum_offload);
	const char *off[] = {"x", "--no-tso"};
	assert_int_equal(parse(&cfg, err, off, 2), 0);
	assert_false(cfg.tso);
	assert_true(cfg.csum_offload);
	const char *on[] = {"x", "--no-tso", "--tso"};
	assert_int_equal(parse(&cfg, err, on, 3), 0);
	assert_true(cfg.tso);
	const char *eq[] = {"x", "--tso=off"};
	assert_int_equal(parse(&cfg, err, eq, 2), 0);
	assert_false(cfg.tso);
	assert_int_equal(
		ife_dp_config_set(&cfg, "tso", "yes", "t", err, sizeof(err)),
		0);
	assert_true(cfg.tso);
	assert_int_equal(ife_dp_config_set(&cfg, "tso", "maybe",
					   "imapfe.conf:9", err, sizeof(err)),
			 IFE_EUSAGE);
	assert_string_equal(err, "imapfe.conf:9: 'maybe' is not a boolean "
				 "(on/off) for 'tso'");
	assert_true(cfg.tso); /* unchanged */
}

static void
test_dp_config_lcore_map_checked(void **state)
{
	(void)state;
	struct ife_dp_config cfg;
	char err[256];
	ife_dp_config_defaults(&cfg);
	ife_dp_config_set(&cfg, "port", "net_tap0", "t", err, sizeof(err));
	ife_dp_config_set(&cfg, "ip", "198.18.0.2", "t", err, sizeof(err));
	assert_int_equal(ife_dp_config_set(&cfg, "lcore-map", "garbage", "t",
					   err, sizeof(err)),
			 0);
	assert_int_equal(ife_dp_config_validate(&cfg, err, sizeof(err)),
			 IFE_EUSAGE);
	assert_non_null(strstr(err, "--lcore-map: cannot read 'garbage'"));
	assert_int_equal(ife_dp_config_set(&cfg, "lcore-map", "(1-)@1", "t",
					   err, sizeof(err)),
			 0);
	assert_int_equal(ife_dp_config_validate(&cfg, err, sizeof(err)),
			 IFE_EUSAGE);
	/* 0@0,(1-4)@1 is five lcores, so four workers: the default pool
	 * cannot fill their rings once the rings are large. */
	ife_dp_config_set(&cfg, "lcore-map", "0@0,(1-4)@1", "t", err,
			  sizeof(err));
	ife_dp_config_set(&cfg, "rx-desc", "8192", "t", err, sizeof(err));
	ife_dp_config_set(&cfg, "tx-desc", "8192", "t", err, sizeof(err));
	assert_int_equal(ife_dp_config_validate(&cfg, err, sizeof(err)),
			 IFE_EUSAGE);
	assert_non_null(strstr(err, "cannot fill the rings"));
	ife_dp_config_set(&cfg, "lcore-map", "0@0,1@1", "t", err, sizeof(err));
	assert_int_equal(ife_dp_config_validate(&cfg, err, sizeof(err)), 0);
}

static void
test_dp_config_services_and_cc_checked(void **state)
{
	(void)state;
	struct ife_dp_config cfg;
	char err[256];
	static const char *const bad[] = {"echo",	  "echo:",  "echo:0",
					  "echo:70000",	  "ftp:21", "echo:7,",
					  "echo:7,echo:7"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ife_dp_config_defaults(&cfg);
		ife_dp_config_set(&cfg, "port", "net_tap0", "t", err,
				  sizeof(err));
		ife_dp_config_set(&cfg, "ip", "198.18.0.2", "t", err,
				  sizeof(err));
		ife_dp_config_set(&cfg, "services", bad[i], "t", err,
				  sizeof(err));
		assert_int_equal(ife_dp_config_validate(&cfg, err, sizeof(err)),
				 IFE_EUSAGE);
		if (strncmp(err, "--services: ", 12) != 0)
			fail_msg("'%s': %s", bad[i], err);
	}
	ife_dp_config_set(&cfg, "services", "echo:7,discard:9,source:19", "t",
			  err, sizeof(err));
	assert_int_equal(ife_dp_config_validate(&cfg, err, sizeof(err)), 0);
	ife_dp_config_set(&cfg, "tcp-cc", "bbr", "t", err, sizeof(err));
	assert_int_equal(ife_dp_config_validate(&cfg, err, sizeof(err)),
			 IFE_EUSAGE);
	assert_non_null(strstr(err, "not newreno or cubic"));
}

static void
test_dp_config_lcore_count(void **state)
{
	(void)state;
	assert_int_equal(ife_dp_config_lcore_count("0"), 1);
	assert_int_equal(ife_dp_config_lcore_count("0,1"), 2);
	assert_int_equal(ife_dp_config_lcore_count("0-3,2"), 4);
	assert_int_equal(ife_dp_config_lcore_count(""), IFE_EUSAGE);
	assert_int_equal(ife_dp_config_lcore_count("500"), IFE_EUSAGE);
}

static void
test_dp_config_usage_lists_every_key(void **state)
{
	(void)state;
	char buf[8192];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	ife_dp_config_usage(f, "imapfe-dataplane");
	fclose(f);
	static const char *keys[] = {
		"--port",	"--ip",	  "--lcores",	    "--mbufs", "--huge",
		"--stats-file", "--garp", "--csum-offload", "--tso "};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_non_null(strstr(buf, keys[i]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dp_config_valid_command_line),
		cmocka_unit_test(test_dp_config_bad_arguments_rejected),
		cmocka_unit_test(test_dp_config_mac),
		cmocka_unit_test(test_dp_config_tx_coalesce),
		cmocka_unit_test(test_dp_config_validate_requires_port_and_ip),
		cmocka_unit_test(test_dp_config_where_prefixes_errors),
		cmocka_unit_test(test_dp_config_tso_option),
		cmocka_unit_test(test_dp_config_lcore_count),
		cmocka_unit_test(test_dp_config_lcore_map_checked),
		cmocka_unit_test(test_dp_config_services_and_cc_checked),
		cmocka_unit_test(test_dp_config_usage_lists_every_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
