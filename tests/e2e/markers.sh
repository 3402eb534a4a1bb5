#!/usr/bin/env bash
# Markers on the timeline, as a user sets and uses them:
# - while stopped, over OSC: Ardour's /add_marker at the play head (after
#   a locate), /redlight/marker/add at a position, /redlight/locate to a
#   marker by name; /redlight/markers lists them;
# - from the shell: `redlight markers add|list|rename|move|remove`
#   (refused while the recorder holds the session);
# - a marker as a position: `redlight record --start NAME` starts the
#   take on the marker's frame (session.json and the files' BWF time
#   reference), `--punch A:B` records exactly between two markers.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
J="$S/session.json"
P=$((20000 + ($(printf %s "$REDLIGHT" | cksum | cut -d' ' -f1) + 5003) % 10000))
# 120 bpm 4/4 (the default map): a bar is 96000 frames.
BAR=96000

osc() { oscsend 127.0.0.1 "$P" "$@" || fail "oscsend $*"; }
markers() { # markers ARGS...: output in m.out/m.err, status in $rc
	"$REDLIGHT" markers "$@" >"$E2E_TMP/m.out" 2>"$E2E_TMP/m.err"
	rc=$?
}
markers_ok() {
	markers "$@"
	[ "$rc" = 0 ] || fail "markers $* exited $rc: $(cat "$E2E_TMP/m.err")"
}
# frame_of NAME: the frame session.json gives marker NAME.
frame_of() {
	python3 -c 'import json,sys
m = {x["name"]: x["frame"] for x in json.load(open(sys.argv[1]))["markers"]}
print(m.get(sys.argv[2], "none"))' "$J" "$1"
}
wait_marker() { # wait_marker NAME FRAME
	for _ in $(seq 50); do
		[ "$(frame_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "marker '$1' at $(frame_of "$1"), want $2: $(tail -3 "$E2E_TMP/rec.err")"
}

# --- stopped, over OSC
"$REDLIGHT" "$S" --headless --osc-port "$P" --inputs 'redlight-source:' \
	>"$E2E_TMP/rec.out" 2>"$E2E_TMP/rec.err" &
REC_PID=$!
E2E_PIDS+=("$REC_PID")
wait_for "$E2E_TMP/rec.err" "OSC on UDP port $P" 20
osc /redlight/locate s 5
osc /add_marker s verse                 # Ardour's, stopped: at the play head
osc /add_marker                         # a button: "marker 2"
osc /redlight/marker/add ss here 7s
wait_marker verse $((4 * BAR))
wait_marker "marker 2" $((4 * BAR))
wait_marker here $((7 * 48000))
osc /redlight/locate s here             # a marker is a position
osc /redlight/marker/add s intro        # no position: the play head
wait_marker intro $((7 * 48000))
osc /redlight/marker/move ss intro 0f
wait_marker intro 0
"$OSC_CLIENT" send --expect /redlight/markers 127.0.0.1 "$P" /redlight/markers \
	>"$E2E_TMP/q.out" || fail "no answer to /redlight/markers"
expect_contains "$E2E_TMP/q.out" "/redlight/markers i 4"
"$OSC_CLIENT" send --expect /redlight/marker/info 127.0.0.1 "$P" /redlight/markers \
	>"$E2E_TMP/q.out" || fail "no /redlight/marker/info"
expect_contains "$E2E_TMP/q.out" '"intro" 0 "1|1|0" 0'
# The shell's commands wait for the recorder to let go of the session.
markers add "$S" late 1f
[ "$rc" != 0 ] || fail "markers add succeeded while the recorder holds the session"
kill -TERM "$REC_PID"
wait "$REC_PID" || fail "recorder exited $?: $(cat "$E2E_TMP/rec.err")"
grep -q 'marker "verse" at 5|1|0' "$S/redlight.log" || fail "the marker was not logged: $(tail "$S/redlight.log")"

# --- from the shell
markers_ok add "$S" chorus 6
expect_contains "$E2E_TMP/m.out" "marker \"chorus\" at 6|1|0 (frame $((5 * BAR)), 10.000 s)"
markers_ok rename "$S" "marker 2" bridge
markers_ok move "$S" bridge '5|3'
expect_contains "$E2E_TMP/m.out" "marker \"bridge\" at 5|3|0 (frame $((4 * BAR + BAR / 2))"
markers_ok remove "$S" here
grep -q 'marker "here" removed; it was at 4|3|0 (frame 336000)' "$S/redlight.log" \
	|| fail "the removal was not logged: $(tail -3 "$S/redlight.log")"
markers add "$S" 17 0f
[ "$rc" = 1 ] || fail "a marker called 17 was accepted"
expect_contains "$E2E_TMP/m.err" "reads as a position"
markers rename "$S" bridge verse
[ "$rc" = 1 ] || fail "two markers called verse"
expect_contains "$E2E_TMP/m.err" 'already a marker "verse"'
markers move "$S" nosuch 1
[ "$rc" = 1 ] || fail "moved a marker that is not there"
expect_contains "$E2E_TMP/m.err" 'no marker "nosuch"'
markers_ok list "$S"
expect_contains "$E2E_TMP/m.out" "bridge"
[ "$(grep -c '|' "$E2E_TMP/m.out")" = 4 ] || fail "list: $(cat "$E2E_TMP/m.out")"
markers_ok "$S" --json
python3 -c 'import json,sys
m = json.load(sys.stdin)
got = [(x["name"], x["frame"], x["position"]) for x in m]
want = [("intro", 0, "1|1|0"), ("verse", 384000, "5|1|0"),
        ("bridge", 432000, "5|3|0"), ("chorus", 480000, "6|1|0")]
assert got == want, got' <"$E2E_TMP/m.out" || fail "json: $(cat "$E2E_TMP/m.out")"

# --- a marker as a position
"$REDLIGHT" record --no-click --duration 1 --inputs 'redlight-source:' \
	--start bridge "$S" >"$E2E_TMP/r1.out" 2>"$E2E_TMP/r1.err" \
	|| fail "record --start bridge: $(cat "$E2E_TMP/r1.err")"
[ "$(json_get "$J" takes.0.start_frame)" = $((4 * BAR + BAR / 2)) ] \
	|| fail "the take starts at $(json_get "$J" takes.0.start_frame), want the marker's frame"
verify_take_run "$E2E_TMP/r1.out" "$S/takes/001" --expect-tracks 2 \
	--expect-time-ref $((4 * BAR + BAR / 2))
"$REDLIGHT" record --no-click --inputs 'redlight-source:' --start verse \
	--punch bridge:chorus --duration 3 "$S" >"$E2E_TMP/r2.out" 2>"$E2E_TMP/r2.err" \
	|| fail "record --punch bridge:chorus: $(cat "$E2E_TMP/r2.err")"
[ "$(json_get "$J" takes.1.start_frame)" = $((4 * BAR + BAR / 2)) ] || fail "punch-in not at bridge"
[ "$(json_get "$J" takes.1.length)" = $((BAR / 2)) ] || fail "punch range: $(json_get "$J" takes.1.length) frames"
verify_take_run "$E2E_TMP/r2.out" "$S/takes/002" --expect-tracks 2
"$REDLIGHT" record --duration 1 --inputs 'redlight-source:' --start nosuch "$S" \
	>"$E2E_TMP/r3.out" 2>"$E2E_TMP/r3.err" && fail "--start nosuch recorded"
expect_contains "$E2E_TMP/r3.err" "a section or a marker"
echo "markers: ok"
