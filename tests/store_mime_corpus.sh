#!/bin/sh
# Replays the whole generated MIME corpus (tools/gen-mime-corpus.py) through
# the fuzz target's checks (no crash, every slice inside the message); in
# sanitizer builds this is the memory-safety test of the indexer on all 250
# edge cases.  usage: store_mime_corpus.sh FUZZ_MIME GEN_CORPUS [ARGS...]
# (ARGS, e.g. -runs=0, go to a libFuzzer binary before the directory)
set -eu
tool=$1
gen=$2
shift 2
d=$(mktemp -d /tmp/ife-mime-corpus-XXXXXX)
trap 'rm -rf "$d"' EXIT
python3 "$gen" "$d" 250 >/dev/null
"$tool" "$@" "$d"
