#!/usr/bin/env bash
# A day of uptime in a few seconds: JACK's frame clock and transport
# position are 32 bits and wrap after 2^32 frames (24.8 hours at 48 kHz).
# tests/tools/clock_wrap.so shows redlight both shifted so that they wrap
# inside a take, on a real jackd, from the real source (which reads the
# real clock). 1. The frame clock wraps 2 s after redlight's first cycle,
# during a 5 s take: every frame exact, no xrun marker JACK did not
# report. 2. Following JACK's transport, the position wraps 1 s into a
# 3 s take: one take of 3 s from 2^32 - 48000, every frame exact, not
# cut at the wrap.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
J="$S/session.json"
# ASan's runtime must come first; the shim only wraps JACK's calls.
shim() { LD_PRELOAD="$CLOCK_WRAP_SO" CLOCK_WRAP_LOG="$E2E_TMP/wrap.log" "$@"; }
# markers_ok INDEX OUT: no more xrun markers than JACK reported xruns.
markers_ok() {
	local markers xruns
	markers=$(json_get "$J" "takes.$1.xrun_markers.#")
	xruns=$(sed -n 's/.* \([0-9]*\) xruns.*/\1/p' "$2")
	[ "$markers" -le "${xruns:-0}" ] \
		|| fail "take $(($1 + 1)): $markers xrun markers, JACK reported $xruns xruns: $(json_get "$J" "takes.$1.xrun_markers")"
}

# --- 1. The frame clock
CLOCK_WRAP_IN=96000 shim "$REDLIGHT" record --duration 5 --inputs 'redlight-source:' "$S" \
	>"$E2E_TMP/out1" 2>"$E2E_TMP/err1" || fail "record failed: $(cat "$E2E_TMP/err1")"
expect_contains "$E2E_TMP/out1" "take 001: 2 tracks, 240000 frames"
verify_take_run "$E2E_TMP/out1" "$S/takes/001" --expect-tracks 2 --expect-frames 240000
markers_ok 0 "$E2E_TMP/out1"
read -r _ _ real _ first _ _ _ wrapped <"$E2E_TMP/wrap.log"
[ "$first" = $((4294967296 - 96000)) ] || fail "shim: $(cat "$E2E_TMP/wrap.log")"
[ "$wrapped" = 1 ] || fail "the clock redlight saw did not wrap: $(cat "$E2E_TMP/wrap.log")"
# The wrap inside the take: the source's counter is the real clock.
"$VERIFY_TAKE" --expect-tracks 2 "$S/takes/001" >"$E2E_TMP/v1" 2>&1 || fail "verify: $(cat "$E2E_TMP/v1")"
start=$(sed -n 's/^verify-take: OK .*first_source_frame=\([0-9]*\).*/\1/p' "$E2E_TMP/v1")
at=$(( (real + 96000) % 4194304 )) # the counter is the clock mod 2^22
[ -n "$start" ] && [ "$at" -gt "$start" ] && [ "$at" -lt $((start + 240000)) ] \
	|| fail "the wrap (source frame $at) is not inside the take (from $start, 240000 frames)"

# --- 2. The transport position, followed
"$TRANSPORT_CTL" locate 0
CLOCK_WRAP_IN=48000 CLOCK_WRAP_TRANSPORT=1 shim "$REDLIGHT" record --jack-transport follow \
	--duration 3 --inputs 'redlight-source:' "$S" >"$E2E_TMP/out2" 2>"$E2E_TMP/err2" &
REC=$!
E2E_PIDS+=("$REC")
sleep 1.5
grep -q . "$E2E_TMP/out2" && fail "recorded before the transport rolled: $(cat "$E2E_TMP/out2")"
"$TRANSPORT_CTL" start
wait $REC || fail "record following JACK failed: $(cat "$E2E_TMP/err2")"
"$TRANSPORT_CTL" stop
expect_contains "$E2E_TMP/out2" "take 002: 2 tracks, 144000 frames"
[ "$(json_get "$J" takes.1.start_frame)" = $((4294967296 - 48000)) ] \
	|| fail "take 002 at $(json_get "$J" takes.1.start_frame), want 2^32 - 48000"
[ -z "$(json_get "$J" takes.1.end_reason)" ] || fail "take 002 ended: $(json_get "$J" takes.1.end_reason)"
verify_take_run "$E2E_TMP/out2" "$S/takes/002" --expect-tracks 2 --expect-frames 144000 \
	--expect-time-ref $((4294967296 - 48000))
markers_ok 1 "$E2E_TMP/out2"
grep -q "^position .* wrapped 1$" "$E2E_TMP/wrap.log" \
	|| fail "the position redlight saw did not wrap: $(cat "$E2E_TMP/wrap.log")"
echo ok
