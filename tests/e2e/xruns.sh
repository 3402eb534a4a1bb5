#!/usr/bin/env bash
# Xruns: the take keeps its exact length and its tracks stay aligned, the
# audio is kept as it arrived, and every discontinuity of the source's
# counter lies within one period of an xrun marker in session.json
# (verify_take_run):
# 1. 64 tracks at a 16-frame period on this 2-core machine: xruns come as
#    they come;
# 2. a source that overruns its cycle by 50 ms every 300 cycles after
#    reading JACK's clock (as a thread the OS preempted there would): the
#    server's clock moves on, redlight sees the jump in that cycle, the
#    source's audio jumps in the next one. Every such jump must be within
#    one period of a marker, and there must be markers.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 16
start_source 64
S="$E2E_TMP/session"
"$REDLIGHT" record --duration 4 --inputs 'redlight-source:' "$S" \
	>"$E2E_TMP/out" 2>"$E2E_TMP/err" || fail "record failed: $(cat "$E2E_TMP/err")"
expect_contains "$E2E_TMP/out" "take 001: 64 tracks, 192000 frames (4.000 s), 0 dropped frames"
verify_take_run "$E2E_TMP/out" "$S/takes/001" --expect-tracks 64 --expect-frames 192000
json_get "$S/session.json" takes.0.xrun_markers >/dev/null || fail "no xrun_markers in session.json"

kill "$SOURCE_PID" "$JACKD_PID"
wait "$SOURCE_PID" "$JACKD_PID" 2>/dev/null
start_jackd 48000 64
start_source 8 --stall 300:50000
"$REDLIGHT" record --duration 6 --inputs 'redlight-source:' "$S" \
	>"$E2E_TMP/out2" 2>"$E2E_TMP/err2" || fail "record failed: $(cat "$E2E_TMP/err2")"
expect_contains "$E2E_TMP/out2" "take 002: 8 tracks, 288000 frames (6.000 s), 0 dropped frames"
[ "$(json_get "$S/session.json" takes.1.xrun_markers.#)" -ge 3 ] \
	|| fail "a stalling source made $(json_get "$S/session.json" takes.1.xrun_markers.#) xrun markers, want some"
verify_take_run "$E2E_TMP/out2" "$S/takes/002" --expect-tracks 8 --expect-frames 288000
echo ok
