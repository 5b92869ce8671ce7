#!/bin/sh
# imapfe-store end to end: init, user-add, import-maildir (the generated
# MIME corpus, with Maildir flags), import-mbox (mboxrd unescaping), stat,
# check, dump, and the errors a user sees.
# usage: store_tool.sh IMAPFE_STORE GEN_CORPUS
set -eu
T=$1
G=$2
d=$(mktemp -d /tmp/ife-store-tool-XXXXXX)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$d/md/cur" "$d/md/new" "$d/md/tmp"
python3 "$G" "$d/corpus" 250 >/dev/null
i=0
for f in "$d"/corpus/*.eml; do
    i=$((i + 1))
    cp "$f" "$d/md/cur/$((1000000000 + i)).M${i}P1.host:2,S"
done
printf 'From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\n>From here\nx\n\nFrom a@b Mon Jan  1 00:00:01 2024\nSubject: two\n\ny\n' > "$d/box.mbox"

"$T" init "$d/s"
"$T" user-add "$d/s" alice | grep -q "user alice id 1" || fail user-add
"$T" user-add "$d/s" alice 2>"$d/err" && fail "duplicate user accepted"
grep -q "already exists" "$d/err" || fail "duplicate user message"
"$T" import-maildir "$d/s" alice "$d/md" | grep -q "imported 250 messages (0 refused)" || fail import-maildir
"$T" import-mbox "$d/s" alice "$d/box.mbox" Archive | grep -q "imported 2 messages" || fail import-mbox
"$T" import-mbox "$d/s" alice "$d/box.mbox" "bad/../name" 2>"$d/err" && fail "bad mailbox accepted"
grep -q "invalid name" "$d/err" || fail "bad mailbox message"
"$T" stat "$d/s" > "$d/stat"
grep -q "^messages 252$" "$d/stat" || fail "stat messages"
grep -q "^mailboxes 2$" "$d/stat" || fail "stat mailboxes"
"$T" check "$d/s" | grep -q "^0 problems$" || fail check
"$T" dump "$d/s" alice > "$d/dump"
grep -q 'mailbox "INBOX" .* messages 250 unseen 0' "$d/dump" || fail "dump INBOX (Maildir S flag = seen)"
grep -q 'mailbox "Archive" .* messages 2 unseen 2' "$d/dump" || fail "dump Archive"
grep -q 'ENVELOPE (NIL "one"' "$d/dump" || fail "dump envelope"
"$T" dump "$d/s" nobody 2>/dev/null && fail "unknown user accepted"
"$T" check "$d/nonexistent" 2>/dev/null && fail "missing store accepted"
echo "1 passed, 0 failed"
