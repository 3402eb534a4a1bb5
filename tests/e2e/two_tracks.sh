#!/usr/bin/env bash
# Two tracks at 48 kHz: exact frames, same start, bext present, session.json
# complete; a second run makes take 002 and leaves take 001 untouched.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"

"$REDLIGHT" record --duration 3 --inputs 'redlight-source:out_' "$S" \
	>"$E2E_TMP/out1" 2>"$E2E_TMP/err1" || fail "record failed: $(cat "$E2E_TMP/err1")"
expect_contains "$E2E_TMP/out1" "take 001: 2 tracks, 144000 frames (3.000 s)"
[ -f "$S/takes/001/01-out_1.wav" ] || fail "no 01-out_1.wav"
[ -f "$S/takes/001/02-out_2.wav" ] || fail "no 02-out_2.wav"
verify_take_run "$E2E_TMP/out1" "$S/takes/001" --expect-tracks 2 \
	--expect-frames 144000 --expect-time-ref 0

[ "$(json_get "$S/session.json" takes.0.number)" = 1 ] || fail "take number"
[ "$(json_get "$S/session.json" takes.0.length)" = 144000 ] || fail "take length"
[ "$(json_get "$S/session.json" takes.0.complete)" = true ] || fail "take complete"
[ "$(json_get "$S/session.json" takes.0.sample_rate)" = 48000 ] || fail "rate"
[ "$(json_get "$S/session.json" takes.0.format)" = pcm24 ] || fail "format"
[ "$(json_get "$S/session.json" takes.0.files.#)" = 2 ] || fail "two files"
[ "$(json_get "$S/session.json" takes.0.files.1.path)" = takes/001/02-out_2.wav ] || fail "path"
[ "$(json_get "$S/session.json" tracks.1.source)" = redlight-source:out_2 ] || fail "source"
peak=$(json_get "$S/session.json" takes.0.files.0.peak_dbfs)
# The counter's codes stay within +-2^21 of 2^23: at most -12.04 dBFS.
awk -v p="$peak" 'BEGIN { exit !(p <= -12.04 && p > -60) }' || fail "peak_dbfs $peak"

sum1=$(cat "$S"/takes/001/*.wav | md5sum)
"$REDLIGHT" record --duration 1 --format float --inputs 'redlight-source:out_' "$S" \
	>"$E2E_TMP/out2" 2>"$E2E_TMP/err2" || fail "second record failed: $(cat "$E2E_TMP/err2")"
expect_contains "$E2E_TMP/out2" "take 002: 2 tracks, 48000 frames"
[ "$(cat "$S"/takes/001/*.wav | md5sum)" = "$sum1" ] || fail "take 001 changed"
# Each headless run records from the top of the song: timeline frame 0.
verify_take_run "$E2E_TMP/out2" "$S/takes/002" --expect-tracks 2 \
	--expect-frames 48000 --expect-time-ref 0
[ "$(json_get "$S/session.json" takes.#)" = 2 ] || fail "two takes"
[ "$(json_get "$S/session.json" takes.1.format)" = float ] || fail "float format"
echo "ok"
