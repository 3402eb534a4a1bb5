#!/usr/bin/env bash
# Record-ready and the punch range over OSC, end to end: the headless
# recorder on a private dummy jackd, an Ardour-layout surface (feedback
# bit 16) and a redlight subscriber.
# - /rec_enable_toggle arms record-ready (feedback /rec_enable_toggle 1)
#   and records nothing by itself; /transport_play then records a take,
#   /transport_stop ends it and record-ready stays on (no
#   /rec_enable_toggle 0); the take is verified frame by frame;
# - the punch range set over OSC at the play head and at a typed
#   position (feedback /redlight/punch/range, Ardour's /toggle_punch_in
#   and /toggle_punch_out): play with record-ready records exactly
#   bar 3 to bar 5 and rolls on; kept in session.json;
# - after a restart (record-ready is per run, the punch range is not),
#   with the session's count-in of one bar: play counts in, then records.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
J="$S/session.json"
OC=$OSC_CLIENT
# A port of this test and build, as osc.sh chooses its own.
P=$((20000 + $(printf %s "$REDLIGHT/ready" | cksum | cut -d' ' -f1) % 10000))
BAR=96000 # 120 bpm in 4/4 (no tempo map): two seconds a bar

osc() { oscsend 127.0.0.1 "$P" "$@" || fail "oscsend $*"; }
after() { tail -n +$(($2 + 1)) "$1"; }
lines() { wc -l <"$1"; }
wait_after() {
	local file=$1 mark=$2 text=$3 secs=$4
	for _ in $(seq $((secs * 10))); do
		after "$file" "$mark" | grep -qF -- "$text" && return 0
		sleep 0.1
	done
	fail "timed out waiting for '$text' in $file after line $mark: $(after "$file" "$mark" | grep -v 'time\|frame\|bbt\|position\|disk' | tail -20)"
}
wait_take() {
	local i=$(($1 - 1))
	for _ in $(seq 100); do
		[ "$(json_get "$J" "takes.$i.complete" 2>/dev/null)" = true ] && return 0
		sleep 0.1
	done
	fail "take $1 was not finished: $(tail -5 "$E2E_TMP/rec.err")"
}
verify() { # verify TAKE TRACKS
	local i=$(($1 - 1))
	echo "take $1: $(json_get "$J" "takes.$i.dropped_frames") dropped frames, $(json_get "$J" "takes.$i.xruns") xruns" \
		>"$E2E_TMP/summary"
	verify_take_run "$E2E_TMP/summary" "$S/takes/$(printf %03d "$1")" --expect-tracks "$2"
}
start_recorder() {
	[ -f "$E2E_TMP/rec.err" ] && mv "$E2E_TMP/rec.err" "$E2E_TMP/rec-1.err"
	"$REDLIGHT" "$S" --headless --osc-port "$P" --inputs 'redlight-source:' \
		>"$E2E_TMP/rec.out" 2>"$E2E_TMP/rec.err" &
	REC_PID=$!
	E2E_PIDS+=("$REC_PID")
	wait_for "$E2E_TMP/rec.err" "OSC on UDP port $P" 20
}
stop_recorder() {
	kill -TERM "$REC_PID"
	wait "$REC_PID" || fail "recorder exited $?: $(cat "$E2E_TMP/rec.err")"
}
no_line_after() { # no_line_after FILE MARK TEXT WHY
	after "$1" "$2" | grep -qF -- "$3" && fail "$4"
	return 0
}

start_recorder
FA="$E2E_TMP/fb-redlight.txt"
FB="$E2E_TMP/fb-ardour.txt"
$OC watch 127.0.0.1 "$P" 150 --subscribe "" >"$FA" &
E2E_PIDS+=($!)
$OC watch 127.0.0.1 "$P" 150 --ardour 16 >"$FB" &
E2E_PIDS+=($!)
wait_after "$FB" 0 '/rec_enable_toggle i 0' 5
wait_after "$FB" 0 '/toggle_punch_in i 0' 1
wait_after "$FA" 0 '/redlight/record/ready i 0' 5
wait_after "$FA" 0 '/redlight/punch/range hh -1 -1' 1

# --- record-ready: nothing records until play
m=$(lines "$FA"); mb=$(lines "$FB")
osc /rec_enable_toggle
wait_after "$FB" "$mb" '/rec_enable_toggle i 1' 3
wait_after "$FA" "$m" '/redlight/record/ready i 1' 1
sleep 0.6
no_line_after "$FA" "$m" '/redlight/recording i 1' "record-ready recorded before play"
[ -d "$S/takes/001" ] && fail "record-ready made a take before play"
osc /transport_play
wait_after "$FA" "$m" '/redlight/recording i 1' 5
wait_after "$FB" "$mb" '/record_tally i 1' 2
osc /rec_enable_toggle f 0.0               # a release: nothing
sleep 1.5
osc /transport_stop
wait_take 1
wait_after "$FB" "$mb" '/record_tally i 0' 3
wait_after "$FB" "$mb" '/transport_stop i 1' 1
sleep 0.4
no_line_after "$FB" "$mb" '/rec_enable_toggle i 0' "stop turned record-ready off"
no_line_after "$FA" "$m" '/redlight/record/ready i 0' "stop turned record-ready off"
verify 1 2
len=$(json_get "$J" takes.0.length)
[ "$len" -gt 48000 ] || fail "take 1 is $len frames long"

# --- the punch range: in at the play head (after a locate), out typed
m=$(lines "$FA"); mb=$(lines "$FB")
osc /redlight/locate s 3
wait_after "$FA" "$m" '/redlight/bbt s "3|1|0"' 3
osc /redlight/punch/in
wait_after "$FA" "$m" "/redlight/punch/range hh $((2 * BAR)) -1" 3
wait_after "$FB" "$mb" '/toggle_punch_in i 1' 1
osc /redlight/punch/out s 5
wait_after "$FA" "$m" "/redlight/punch/range hh $((2 * BAR)) $((4 * BAR))" 3
wait_after "$FB" "$mb" '/toggle_punch_out i 1' 1
wait_after "$FA" "$m" '/redlight/punch/on i 1' 1
osc /goto_start
wait_after "$FA" "$m" '/redlight/frame h 0' 3
# Record-ready is still on: play records the punch range, rolls on.
m=$(lines "$FA")
osc /transport_play
wait_after "$FA" "$m" '/redlight/recording i 1' 10
wait_after "$FA" "$m" '/redlight/recording i 0' 10
wait_take 2
wait_after "$FA" "$m" '/redlight/transport s "rolling"' 1
osc /transport_stop
wait_after "$FA" "$m" '/redlight/transport s "stopped"' 3
[ "$(json_get "$J" takes.1.start_frame)" = $((2 * BAR)) ] || fail "punch-in at $(json_get "$J" takes.1.start_frame), want $((2 * BAR))"
[ "$(json_get "$J" takes.1.length)" = $((2 * BAR)) ] || fail "punch take $(json_get "$J" takes.1.length) frames long, want $((2 * BAR))"
verify 2 2
# Ardour's switches turn the ends off; the range stays in the session.
mb=$(lines "$FB")
osc /toggle_punch_out
wait_after "$FB" "$mb" '/toggle_punch_out i 0' 3
[ "$(json_get "$J" settings.punch_in)" = $((2 * BAR)) ] || fail "punch_in not saved: $(json_get "$J" settings.punch_in)"
[ "$(json_get "$J" settings.punch_out)" = $((4 * BAR)) ] || fail "punch_out not saved"
[ "$(json_get "$J" settings.punch_out_on)" = false ] || fail "punch_out_on not saved off"
osc /redlight/punch/clear
osc /rec_enable_toggle
wait_after "$FB" "$mb" '/rec_enable_toggle i 0' 3
sleep 0.3
[ "$(json_get "$J" settings.punch_in)" = null ] || fail "punch_in not cleared: $(json_get "$J" settings.punch_in)"
stop_recorder

# --- a new run: record-ready is off again, the session counts in a bar
sed -i 's/"count_in_bars": 0/"count_in_bars": 1/' "$J"
start_recorder
FC="$E2E_TMP/fb-ardour2.txt"
$OC watch 127.0.0.1 "$P" 60 --ardour 16 >"$FC" &
E2E_PIDS+=($!)
FD="$E2E_TMP/fb-redlight2.txt"
$OC watch 127.0.0.1 "$P" 60 --subscribe "" >"$FD" &
E2E_PIDS+=($!)
wait_after "$FC" 0 '/rec_enable_toggle i 0' 5
wait_after "$FD" 0 '/redlight/transport s "stopped"' 5
m=$(lines "$FD")
osc /rec_enable_toggle
wait_after "$FC" 0 '/rec_enable_toggle i 1' 3
osc /toggle_roll
wait_after "$FD" "$m" '/redlight/transport s "count-in"' 3
wait_after "$FD" "$m" '/redlight/recording i 1' 6
sleep 1
osc /toggle_roll
wait_take 3
verify 3 2
[ "$(json_get "$J" takes.2.start_frame)" = 0 ] || fail "take 3 starts at $(json_get "$J" takes.2.start_frame)"
stop_recorder
grep -h "runtime error\|Sanitizer" "$E2E_TMP"/rec*.err && fail "sanitizer reports"
echo "ok"
