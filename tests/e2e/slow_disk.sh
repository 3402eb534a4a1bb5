#!/usr/bin/env bash
# A disk too slow for the data rate (LD_PRELOAD shim delays write()): the
# audio thread never blocks, dropped frames are counted and reported with
# their positions, the writer pads exactly that much silence, alignment
# holds.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
# 100 ms per write() of ~8 KB is ~80 KB/s; two 24-bit tracks need 288 KB/s.
SLOW_WRITE_US=100000 SLOW_WRITE_MATCH=/takes/ LD_PRELOAD="$SLOW_WRITE_SO" \
	"$REDLIGHT" record --duration 2 --buffer-seconds 0.1 --inputs 'redlight-source:' "$S" \
	>"$E2E_TMP/out" 2>"$E2E_TMP/err" || fail "record failed: $(cat "$E2E_TMP/err")"
expect_contains "$E2E_TMP/out" "take 001: 2 tracks, 96000 frames"
grep -q " 0 dropped frames" "$E2E_TMP/out" && fail "expected dropped frames: $(cat "$E2E_TMP/out")"
ALLOW_DROPS=1 verify_take_run "$E2E_TMP/out" "$S/takes/001" \
	--expect-tracks 2 --expect-frames 96000
dropped=$(json_get "$S/session.json" takes.0.dropped_frames)
[ "$dropped" -gt 0 ] || fail "session.json dropped_frames=$dropped"
n=$(json_get "$S/session.json" takes.0.files.0.dropped_ranges.#)
[ "$n" -gt 0 ] || fail "no dropped ranges in session.json"
echo "ok ($dropped frames dropped and padded)"
