#!/usr/bin/env bash
# The JACK server dies mid-take: the files are finalized and readable,
# every frame up to the end is exact, a clear message, exit non-zero.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
record_until_stopped "$S"
sleep 2.5
kill -9 "$JACKD_PID"
for _ in $(seq 100); do kill -0 "$REC" 2>/dev/null || break; sleep 0.1; done
kill -0 "$REC" 2>/dev/null && fail "redlight still running 10 s after jackd died"
wait "$REC"
rc=$?
[ "$rc" != 0 ] || fail "exit 0 after the server died"
expect_contains "$E2E_TMP/err" "JACK server"
expect_contains "$E2E_TMP/out" "take 001: 2 tracks"
verify_take_run "$E2E_TMP/out" "$S/takes/001" --expect-tracks 2 --min-frames 48000
[ "$(json_get "$S/session.json" takes.0.complete)" = true ] || fail "not finalized"
echo ok
