#!/bin/sh
# Import of the same Maildir: imapfe-store import-maildir against Dovecot's
# `doveadm import`, timed in the same run (docs/benchmarks/store.md).
#
# usage: bench_store_import_vs_dovecot.sh IMAPFE_STORE [MESSAGES] [RUNS]
# Needs root and dovecot-core (doveadm drops privileges to 'nobody').
set -eu
TOOL=$1
N=${2:-50000}
RUNS=${3:-3}
command -v doveadm >/dev/null || { echo "FAIL: doveadm missing (apt-get install dovecot-core)"; exit 1; }
W=$(mktemp -d /tmp/ife-bench-import-XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 755 "$W"

python3 - "$W/src" "$N" <<'PY'
import os, random, sys
d, n = sys.argv[1], int(sys.argv[2])
for s in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(d, s))
rnd = random.Random(1)
words = "the of and to in is was for on that with as by at from this".split()
for i in range(n):
    hdr = ("From: Sender %d <s%d@example.com>\r\nTo: alice@example.org\r\n"
           "Subject: import benchmark %d\r\nDate: Mon, 1 Jan 2024 10:00:00 "
           "+0000\r\nMessage-ID: <%d@example.com>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n" % (i, i, i, i))
    body = []
    size = len(hdr)
    while size < 4096 - 80:
        line = " ".join(rnd.choice(words) for _ in range(12)) + "\r\n"
        body.append(line)
        size += len(line)
    with open(os.path.join(d, "cur", "%d.M%dP1.bench:2," % (1600000000 + i, i)), "w") as f:
        f.write(hdr + "".join(body))
PY
chown -R nobody:nogroup "$W"

med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: > "$W/ours"; : > "$W/dove"
for r in $(seq "$RUNS"); do
    rm -rf "$W/store"
    "$TOOL" init "$W/store" --map-size 4294967296 >/dev/null
    "$TOOL" user-add "$W/store" alice >/dev/null
    sync
    t0=$(date +%s.%N)
    "$TOOL" import-maildir "$W/store" alice "$W/src" >/dev/null
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk -v n="$N" '{printf "%.0f\n", n/($2-$1)}' >> "$W/ours"

    rm -rf "$W/dst" "$W/run" "$W/state"
    mkdir -p "$W/dst"; chown nobody:nogroup "$W/dst"
    cat > "$W/dovecot.conf" <<CONF
mail_location = maildir:$W/dst
base_dir = $W/run
state_dir = $W/state
log_path = $W/log
protocols = imap
ssl = no
mail_uid = nobody
mail_gid = nogroup
maildir_copy_with_hardlinks = no
CONF
    sync
    t0=$(date +%s.%N)
    env -i USER=nobody HOME="$W" PATH=/usr/bin:/bin doveadm -c "$W/dovecot.conf" import "maildir:$W/src" "" all
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk -v n="$N" '{printf "%.0f\n", n/($2-$1)}' >> "$W/dove"
    got=$(find "$W/dst/cur" "$W/dst/new" -type f | wc -l)
    [ "$got" -eq "$N" ] || { echo "FAIL: doveadm imported $got of $N"; exit 1; }
    echo "run $r: imapfe-store $(tail -1 "$W/ours") msg/s, doveadm import $(tail -1 "$W/dove") msg/s"
done
echo "median of $RUNS runs, $N messages of ~4 KiB:"
echo "imapfe-store import-maildir  $(med < "$W/ours") msg/s"
echo "doveadm import               $(med < "$W/dove") msg/s"
