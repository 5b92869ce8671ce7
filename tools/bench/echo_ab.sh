#!/bin/bash
# Alternating A/B series of the lab echo: the Linux kernel (kecho, epoll,
# 198.18.0.3) against one or more imapfe-dataplane binaries (198.18.0.2),
# one after the other in every round, with the same client (tcpload in
# ife-cli) and the placement of tcp_vs_kernel.py --placement split: client
# and its softirqs on CPU 0, the server (kecho or the dataplane's worker)
# and its RX softirq (RPS) on CPU 1. On a shared, noisy host only such
# paired rounds compare (docs/benchmarks.md); tcp_vs_kernel.py runs the
# whole set of profiles, this one profile many times.
#
# usage: echo_ab.sh [-r ROUNDS] [-b BYTES] [-c CONNS] [DATAPLANE...]
#   DATAPLANE  imapfe-dataplane binaries to compare (default:
#              build/dataplane/app/imapfe-dataplane); 'kernel' is always
#              first in each round
# Prints one line per run ("rN NAME MBIT/S") and, at the end, the median of
# each and the median of the per-round ratios to the kernel. Needs root
# (netns); takes the lab (tools/lab) up and down itself.
set -eu
ROUNDS=10
BYTES=8388608
CONNS=100
while getopts r:b:c: o; do
	case $o in
	r) ROUNDS=$OPTARG ;;
	b) BYTES=$OPTARG ;;
	c) CONNS=$OPTARG ;;
	*) sed -n '2,17p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -gt 0 ] || set -- "$ROOT/build/dataplane/app/imapfe-dataplane"
for dp in "$@"; do
	[ -x "$dp" ] || { echo "echo_ab: $dp: not an executable" >&2; exit 2; }
done
TOOLS=$ROOT/build/tools/tcpload
for t in tcpload kecho; do
	[ -x "$TOOLS/$t" ] || { echo "echo_ab: $TOOLS/$t missing (ninja -C build)" >&2; exit 2; }
done
for v in "$ROUNDS" "$BYTES" "$CONNS"; do
	case $v in '' | *[!0-9]*) echo "echo_ab: -r/-b/-c take numbers" >&2; exit 2 ;; esac
done
if [ "$ROUNDS" -lt 1 ] || [ "$ROUNDS" -gt 100 ] || [ "$BYTES" -lt 1 ] ||
	[ "$CONNS" -lt 1 ] || [ "$CONNS" -gt 10000 ]; then
	echo "echo_ab: -r 1..100, -b at least 1, -c 1..10000" >&2
	exit 2
fi

OUT=$(mktemp /tmp/ife-echo-ab-XXXXXX)
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	"$ROOT/tools/lab" down >/dev/null 2>&1 || true
	rm -f "$OUT"
}
trap cleanup EXIT

IFE_LAB_HUGEPAGES=${IFE_LAB_HUGEPAGES:-640} "$ROOT/tools/lab" up >/dev/null
ip netns exec ife-srv ip addr add 198.18.0.3/24 dev ife-s0
ip netns exec ife-cli sh -c 'echo 1 > /sys/class/net/ife-c0/queues/rx-0/rps_cpus'
ip netns exec ife-srv sh -c 'echo 2 > /sys/class/net/ife-s0/queues/rx-0/rps_cpus'

load() { # ADDR BYTES -> Mbit/s of one tcpload run (bounded: --timeout)
	ip netns exec ife-cli taskset -c 0 "$TOOLS/tcpload" --addr "$1" \
		--port 7 --cc cubic --verify bytes --mode echo \
		--conns "$CONNS" --bytes "$2" --timeout 120 |
		python3 -c 'import json,sys
try: r = json.load(sys.stdin)
except ValueError: sys.exit("echo_ab: tcpload gave no result")
if r["failed"] or r["verify_failed"] or r["unfinished"]:
    sys.exit("echo_ab: load failed: %s" % r)
print(round(r["mbit_per_s"]))'
}

for r in $(seq "$ROUNDS"); do
	i=0
	for cfg in kernel "$@"; do
		if [ "$cfg" = kernel ]; then
			ip netns exec ife-srv taskset -c 1 "$TOOLS/kecho" --mode echo \
				--port 7 --addr 198.18.0.3 --duration 600 >/dev/null 2>&1 &
			addr=198.18.0.3 name=kernel
		else
			ip netns exec ife-srv "$cfg" --port net_af_packet0,iface=ife-s0 \
				--ip 198.18.0.2 --lcores 0,1 --services echo:7 \
				--mbufs 131071 --mac 02:1f:e0:00:00:02 \
				--log-level error >/dev/null 2>&1 &
			addr=198.18.0.2 name=imapfe$i
			i=$((i + 1))
		fi
		SRV=$!
		sleep 2
		load $addr 1048576 >/dev/null # warm-up: the first load pays for cold rings
		v=$(load $addr "$BYTES") # a failed load ends the series (set -e)
		echo "r$r $name $v" | tee -a "$OUT"
		kill "$SRV"
		wait "$SRV" 2>/dev/null || true
		SRV=
	done
done

python3 - "$OUT" "$@" <<'PY'
import statistics as st, sys
runs = {}
for line in open(sys.argv[1]):
    r, name, v = line.split()
    runs.setdefault(name, {})[r] = int(v)
k = runs["kernel"]
print("kernel: median %d Mbit/s over %d rounds" % (st.median(k.values()), len(k)))
for i, path in enumerate(sys.argv[2:]):
    d = runs.get("imapfe%d" % i, {})
    rat = [d[r] / k[r] for r in d if r in k]
    if not rat:
        continue
    print("imapfe%d (%s): median %d Mbit/s, median ratio to the kernel %.3f, "
          "ahead in %d of %d rounds" % (i, path, st.median(d.values()),
          st.median(rat), sum(x > 1 for x in rat), len(rat)))
PY
