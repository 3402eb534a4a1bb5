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
#    one period of a marker, and there must be markers. The take starts
#    at 10 s on the timeline, so that its timeline frames (where markers
#    belong) differ from the engine clock's and from frames counted from
#    the take's start.
# In both, session.json keeps the xruns the summary line reported, and
# every marker lies on the take's own frames (markers_within_take).
. "$(dirname "$0")/lib.sh"

# markers_within_take SESSION_JSON INDEX: every xrun marker of take INDEX
# (from 0) is on a timeline frame of the take, [start_frame, start_frame +
# length], in recording order. verify-take only asks that each jump of
# the audio has a marker near it; a marker on the engine clock instead of
# the timeline, or shifted by the wrong latency, points the engineer to
# the wrong place, and past the take's end to no place at all.
markers_within_take() {
	local session=$1 i=$2 start end n k frame last
	start=$(json_get "$session" "takes.$i.start_frame") || fail "no take $((i + 1))"
	end=$((start + $(json_get "$session" "takes.$i.length")))
	n=$(json_get "$session" "takes.$i.xrun_markers.#") || fail "take $((i + 1)) has no xrun_markers array"
	last=$start
	for k in $(seq 0 $((n - 1))); do
		frame=$(json_get "$session" "takes.$i.xrun_markers.$k.frame")
		[ "$frame" -ge "$start" ] && [ "$frame" -le "$end" ] \
			|| fail "take $((i + 1)): xrun marker $k at frame $frame is outside the take [$start, $end]"
		[ "$frame" -ge "$last" ] \
			|| fail "take $((i + 1)): xrun marker $k at frame $frame comes before marker $((k - 1)) at $last"
		last=$frame
	done
}

# xruns_saved SUMMARY_FILE SESSION_JSON INDEX: the take's xruns in
# session.json are those of its summary line.
xruns_saved() {
	local said saved
	said=$(sed -n 's/.* \([0-9]*\) xruns.*/\1/p' "$1")
	saved=$(json_get "$2" "takes.$3.xruns")
	[ -n "$said" ] && [ "$said" = "$saved" ] \
		|| fail "take $(($3 + 1)): summary says '$said' xruns, session.json $saved"
}

start_jackd 48000 16
start_source 64
S="$E2E_TMP/session"
"$REDLIGHT" record --duration 4 --inputs 'redlight-source:' "$S" \
	>"$E2E_TMP/out" 2>"$E2E_TMP/err" || fail "record failed: $(cat "$E2E_TMP/err")"
expect_contains "$E2E_TMP/out" "take 001: 64 tracks, 192000 frames (4.000 s), 0 dropped frames"
xruns_saved "$E2E_TMP/out" "$S/session.json" 0
markers_within_take "$S/session.json" 0
verify_take_run "$E2E_TMP/out" "$S/takes/001" --expect-tracks 64 --expect-frames 192000

kill "$SOURCE_PID" "$JACKD_PID"
wait "$SOURCE_PID" "$JACKD_PID" 2>/dev/null
start_jackd 48000 64
start_source 8 --stall 300:50000
"$REDLIGHT" record --duration 6 --start 10s --inputs 'redlight-source:' "$S" \
	>"$E2E_TMP/out2" 2>"$E2E_TMP/err2" || fail "record failed: $(cat "$E2E_TMP/err2")"
expect_contains "$E2E_TMP/out2" "take 002: 8 tracks, 288000 frames (6.000 s), 0 dropped frames"
[ "$(json_get "$S/session.json" takes.1.xrun_markers.#)" -ge 3 ] \
	|| fail "a stalling source made $(json_get "$S/session.json" takes.1.xrun_markers.#) xrun markers, want some"
xruns_saved "$E2E_TMP/out2" "$S/session.json" 1
markers_within_take "$S/session.json" 1
verify_take_run "$E2E_TMP/out2" "$S/takes/002" --expect-tracks 8 --expect-frames 288000
echo ok
