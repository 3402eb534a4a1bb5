#!/usr/bin/env bash
# Disk full on a small tmpfs: every track stops on the same frame, every
# file is finalized and readable, the error names the path, exit non-zero.
. "$(dirname "$0")/lib.sh"
mkdir -p "$E2E_TMP/small"
mount -t tmpfs -o size=3m tmpfs "$E2E_TMP/small" || fail "cannot mount tmpfs (needs root)"
E2E_MOUNTS+=("$E2E_TMP/small")
start_jackd 48000 256
start_source 8
S="$E2E_TMP/small/session"
"$REDLIGHT" record --duration 30 --inputs 'redlight-source:' "$S" \
	>"$E2E_TMP/out" 2>"$E2E_TMP/err"
rc=$?
[ "$rc" != 0 ] || fail "exit status 0 on a full disk"
expect_contains "$E2E_TMP/err" "disk full"
expect_contains "$E2E_TMP/err" "$S/takes/001/"
expect_contains "$E2E_TMP/out" "take 001: 8 tracks"
verify_take_run "$E2E_TMP/out" "$S/takes/001" --expect-tracks 8 --min-frames 24000
[ "$(json_get "$S/session.json" takes.0.complete)" = true ] || fail "take not finalized in session.json"
json_get "$S/session.json" takes.0.end_reason | grep -q "disk full" || fail "end_reason"
echo ok
