#!/usr/bin/env bash
# 96 kHz, 16-bit files: rate and format carried through, every frame exact.
. "$(dirname "$0")/lib.sh"
start_jackd 96000 128
start_source 4 --signal counter16
S="$E2E_TMP/session"
"$REDLIGHT" record --duration 2 --format pcm16 --inputs 'redlight-source:' "$S" \
	>"$E2E_TMP/out" 2>"$E2E_TMP/err" || fail "record failed: $(cat "$E2E_TMP/err")"
expect_contains "$E2E_TMP/out" "take 001: 4 tracks, 192000 frames (2.000 s)"
verify_take_run "$E2E_TMP/out" "$S/takes/001" --bits 16 --expect-tracks 4 --expect-frames 192000
[ "$(json_get "$S/session.json" takes.0.sample_rate)" = 96000 ] || fail "rate"
[ "$(json_get "$S/session.json" takes.0.format)" = pcm16 ] || fail "format"
echo ok
