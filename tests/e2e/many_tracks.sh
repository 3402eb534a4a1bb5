#!/usr/bin/env bash
# 64 tracks at 48 kHz with 64-frame periods: every frame of every track.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 64
start_source 64
S="$E2E_TMP/session"
"$REDLIGHT" record --duration 4 --inputs 'redlight-source:' "$S" \
	>"$E2E_TMP/out" 2>"$E2E_TMP/err" || fail "record failed: $(cat "$E2E_TMP/err")"
expect_contains "$E2E_TMP/out" "take 001: 64 tracks, 192000 frames (4.000 s)"
# Natural order: out_2 is track 2, out_10 is track 10.
[ -f "$S/takes/001/10-out_10.wav" ] || fail "natural order: $(ls "$S/takes/001" | head)"
verify_take_run "$E2E_TMP/out" "$S/takes/001" --expect-tracks 64 --expect-frames 192000
echo ok
