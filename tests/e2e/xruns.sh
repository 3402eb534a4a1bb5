#!/usr/bin/env bash
# Provoke xruns (64 tracks at a 16-frame period on this 2-core machine):
# the take keeps its exact length and its tracks stay aligned, the audio
# is kept as it arrived, and every discontinuity of the source's counter
# sits exactly on an xrun marker in session.json (verify_take_run).
. "$(dirname "$0")/lib.sh"
start_jackd 48000 16
start_source 64
S="$E2E_TMP/session"
"$REDLIGHT" record --duration 4 --inputs 'redlight-source:' "$S" \
	>"$E2E_TMP/out" 2>"$E2E_TMP/err" || fail "record failed: $(cat "$E2E_TMP/err")"
expect_contains "$E2E_TMP/out" "take 001: 64 tracks, 192000 frames (4.000 s), 0 dropped frames"
verify_take_run "$E2E_TMP/out" "$S/takes/001" --expect-tracks 64 --expect-frames 192000
json_get "$S/session.json" takes.0.xrun_markers >/dev/null || fail "no xrun_markers in session.json"
echo ok
