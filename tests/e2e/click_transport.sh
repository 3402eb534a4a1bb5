#!/usr/bin/env bash
# The transport and the click, end to end: redlight records its own
# click_out (a JACK self-connection, which JACK delivers exactly one period
# later) and the recording must equal, sample for sample, the click the
# tempo map gives for those timeline frames. Cases: start at a section with
# a count-in, punch in/out at bars, pre-roll, latency compensation through
# a simulated interface, loop recording (a take per pass), and a stop
# before the punch-in (no take; its empty directory goes to trash/).
. "$(dirname "$0")/lib.sh"
PERIOD=1024
start_jackd 48000 $PERIOD
S="$E2E_TMP/session"
# Ramps, meter changes, a pattern with rests: bar 1 intro, bar 3 verse,
# bar 5 chorus, bar 7 outro.
cp "$(dirname "$0")/song.map" "$E2E_TMP/song.map"
"$RENDER_CLICK" "$E2E_TMP/song.map" "$E2E_TMP/map.wav" --sound beep >/dev/null \
	|| fail "render-click failed"
CLIENT=rlclick
rec() { # OUT ARGS...: record our own click back, float so it is exact
	local out=$1
	shift
	"$REDLIGHT" record --client-name $CLIENT --input $CLIENT:click_out \
		--format float --click "$@" "$S" >"$E2E_TMP/$out" 2>"$E2E_TMP/$out.err" \
		|| fail "record $* failed: $(cat "$E2E_TMP/$out.err")"
}
check_take() { click_take_matches_map "$S" "$1" "$E2E_TMP/map.wav" $PERIOD; }
frame_at() { # seconds -> frame, rounded once
	awk -v s="$1" 'BEGIN { printf "%d\n", s * 48000 + 0.5 }'
}
VERSE=192000                                   # 8 beats at 120
CHORUS=$(frame_at "$(awk 'BEGIN { print 4 + 9 * log(1.4) }')")

# 1. Locate to a section, one bar of count-in, then 5 s of take. The map
# given is copied into the new session: later runs use it from there.
rec out1 --tempo-map "$E2E_TMP/song.map" --start verse --count-in 1 --duration 5
cmp -s "$E2E_TMP/song.map" "$S/tempo.map" || fail "tempo map not copied into the session"
expect_contains "$E2E_TMP/out1" "take 001: 1 tracks, 240000 frames"
[ "$(json_get "$S/session.json" takes.0.start_frame)" = $VERSE ] || fail "take 1 not at the verse"
check_take 0

# 2. Punch in at bar 3 and out at bar 5, rolling from bar 2.
rec out2 --start 2 --punch 3:5
[ "$(json_get "$S/session.json" takes.1.start_frame)" = $VERSE ] || fail "punch-in not at bar 3"
[ "$(json_get "$S/session.json" takes.1.length)" = $((CHORUS - VERSE)) ] \
	|| fail "punch length $(json_get "$S/session.json" takes.1.length), want $((CHORUS - VERSE))"
check_take 1

# 3. Pre-roll: one bar before bar 5 (the chorus), then 2 s of take.
rec out3 --start 5 --pre-roll 1 --duration 2
[ "$(json_get "$S/session.json" takes.2.start_frame)" = "$CHORUS" ] || fail "pre-roll take not at bar 5"
check_take 2

# 4. Latency compensation: the click goes out through a "room" whose
# headphone side has 300 frames of playback latency and whose microphone
# side has 212 frames of capture latency (tests/tools/latency_room.c). The take
# moves 512 frames earlier, so what the performer played in time with the
# click lands on the click's frames again.
"$LATENCY_ROOM" 300 212 --name room --ready-file "$E2E_TMP/room.ready" \
	>"$E2E_TMP/room.log" 2>&1 &
E2E_PIDS+=($!)
for _ in $(seq 50); do [ -f "$E2E_TMP/room.ready" ] && break; sleep 0.1; done
[ -f "$E2E_TMP/room.ready" ] || fail "latency-room did not start: $(cat "$E2E_TMP/room.log")"
"$REDLIGHT" record --client-name $CLIENT --input room:out --click-to room:in \
	--format float --click --start 3 --duration 3 "$S" >"$E2E_TMP/out4" 2>"$E2E_TMP/out4.err" \
	|| fail "record through the room failed: $(cat "$E2E_TMP/out4.err")"
[ "$(json_get "$S/session.json" takes.3.latency_correction)" = 512 ] \
	|| fail "latency correction $(json_get "$S/session.json" takes.3.latency_correction), want 512"
[ "$(json_get "$S/session.json" takes.3.start_frame)" = $((VERSE - 512)) ] || fail "compensated start"
check_take 3

# 5. Loop recording: three passes over bars 3-5, each its own take,
# gapless, each exactly the click of those bars.
rec outL --loop 3:5 --passes 3
for n in 5 6 7; do
	expect_contains "$E2E_TMP/outL" "take 00$n: 1 tracks, $((CHORUS - VERSE)) frames"
	[ "$(json_get "$S/session.json" takes.$((n - 1)).start_frame)" = $VERSE ] || fail "pass take $n not at bar 3"
done
check_take 4
check_take 5
check_take 6
[ -d "$S/trash/008" ] && [ -d "$S/trash/009" ] || fail "unused pass takes not in trash/"

# 6. Stopped before the punch-in: no take, nothing deleted.
"$REDLIGHT" record --client-name $CLIENT --input $CLIENT:click_out --punch outro: \
	"$S" >"$E2E_TMP/out5" 2>"$E2E_TMP/out5.err" &
pid=$!
E2E_PIDS+=("$pid")
sleep 3
kill -INT $pid
wait $pid || fail "record with a stop before the punch-in failed: $(cat "$E2E_TMP/out5.err")"
expect_contains "$E2E_TMP/out5" "no take recorded"
[ -d "$S/trash/010" ] || fail "empty take 010 not moved to trash/"
[ ! -e "$S/takes/010" ] || fail "takes/010 still there"
[ "$(json_get "$S/session.json" takes.#)" = 7 ] || fail "session lists a take that never started"
# Numbers are never reused: the next take is 011.
rec out6 --duration 1
expect_contains "$E2E_TMP/out6" "take 011:"
echo "ok"
