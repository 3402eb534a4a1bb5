#!/usr/bin/env bash
# Pre-record: the recorder keeps the last seconds of every track while
# nothing records; a take then begins with them, placed before the record
# point on the timeline, and the frames run on without a seam from the
# history into the live stream (the frame counter proves it).
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
"$REDLIGHT" record --no-click --inputs 'redlight-source:' --pre-record 1 --wait 2 \
	--start 96000f --duration 2 "$S" >"$E2E_TMP/out1" 2>"$E2E_TMP/err1" \
	|| fail "record failed: $(cat "$E2E_TMP/err1")"
expect_contains "$E2E_TMP/out1" "take 001: 2 tracks, 144000 frames"
[ "$(json_get "$S/session.json" takes.0.start_frame)" = 48000 ] || fail "pre-record not placed 1 s before the record point"
verify_take_run "$E2E_TMP/out1" "$S/takes/001" --expect-tracks 2 \
	--expect-frames 144000 --expect-time-ref 48000
# At the top of the song there is no room before the take: nothing of the
# history can be placed, the take starts at 0 with the live frames only.
"$REDLIGHT" record --no-click --inputs 'redlight-source:' --pre-record 1 --wait 2 \
	--duration 1 "$S" >"$E2E_TMP/out2" 2>"$E2E_TMP/err2" \
	|| fail "record failed: $(cat "$E2E_TMP/err2")"
expect_contains "$E2E_TMP/out2" "take 002: 2 tracks, 48000 frames"
verify_take_run "$E2E_TMP/out2" "$S/takes/002" --expect-tracks 2 \
	--expect-frames 48000 --expect-time-ref 0
# Five seconds of pre-record, recording from 10 s (480000f): the take
# begins 5 s (within a cycle) before the record point, and session.json's
# start_frame and the bext time reference both say so. The record point
# itself is exact: the live second follows the history in the same files
# (verify-take proves the counter runs on without a seam), so start +
# length is the record point plus the second recorded.
"$REDLIGHT" record --no-click --inputs 'redlight-source:' --pre-record 5 --wait 6 \
	--start 480000f --duration 1 "$S" >"$E2E_TMP/out3" 2>"$E2E_TMP/err3" \
	|| fail "record failed: $(cat "$E2E_TMP/err3")"
start=$(json_get "$S/session.json" takes.2.start_frame)
len=$(json_get "$S/session.json" takes.2.length)
d=$((start - 240000))
[ ${d#-} -le 256 ] || fail "5 s pre-record take starts at $start, want 240000 (+-256)"
[ $((start + len)) = 528000 ] || fail "take at $start, $len frames: does not end 1 s after the record point"
expect_contains "$E2E_TMP/out3" "take 003: 2 tracks, $len frames"
verify_take_run "$E2E_TMP/out3" "$S/takes/003" --expect-tracks 2 \
	--expect-frames "$len" --expect-time-ref "$start"
echo "ok"
