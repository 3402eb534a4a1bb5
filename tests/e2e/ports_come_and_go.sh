#!/usr/bin/env bash
# Ports that come and go, as a tracking day has them:
# - a session whose third track's port is not there opens anyway: the
#   track says "no input" (log and OSC feedback) and is not armed;
# - the port appears (a client starts): the track connects and is armed,
#   and the next take records it exactly from the take's first frame;
# - its client quits mid-take: that track records silence from that
#   frame on, session.json marks the frame (no_input_ranges) exactly
#   where the audio stops, and the other tracks are exact to the end;
# - the client starts again: the track connects and arms again.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
J="$S/session.json"
P=$((20000 + $(printf %s "$REDLIGHT-ports" | cksum | cut -d' ' -f1) % 10000))
osc() { oscsend 127.0.0.1 "$P" "$@" || fail "oscsend $*"; }

"$REDLIGHT" new "$S" >/dev/null || fail "new"
"$REDLIGHT" tracks add "$S" kick --input redlight-source:out_1 >/dev/null || fail "add kick"
"$REDLIGHT" tracks add "$S" snare --input redlight-source:out_2 >/dev/null || fail "add snare"
"$REDLIGHT" tracks add "$S" vox --input late:out_1 >/dev/null || fail "add vox"

"$REDLIGHT" "$S" --headless --osc-port "$P" >"$E2E_TMP/rec.out" 2>"$E2E_TMP/rec.err" &
REC=$!
E2E_PIDS+=("$REC")
# The session's log has every message (stderr only the warnings).
wait_log() { # wait_log TEXT SECONDS
	for _ in $(seq $(($2 * 10))); do
		grep -qF -- "$1" "$S/redlight.log" && return 0
		kill -0 "$REC" 2>/dev/null || fail "recorder exited: $(cat "$E2E_TMP/rec.err")"
		sleep 0.1
	done
	fail "no '$1' in the log: $(cat "$E2E_TMP/rec.err")"
}
for _ in $(seq 200); do grep -q "OSC on UDP port" "$E2E_TMP/rec.err" && break; sleep 0.1; done
expect_contains "$E2E_TMP/rec.err" "track vox: no input (late:out_1 is not there)"

# OSC feedback: vox has no input and is not armed; kick is armed.
"$OSC_CLIENT" watch 127.0.0.1 "$P" 300 --subscribe "" >"$E2E_TMP/fb" 2>&1 &
FB=$!
E2E_PIDS+=("$FB")
for _ in $(seq 50); do grep -q "/redlight/track/3/input" "$E2E_TMP/fb" && break; sleep 0.1; done
grep -q "/redlight/track/3/input i 0" "$E2E_TMP/fb" || fail "no '/redlight/track/3/input 0' feedback: $(grep track/3 "$E2E_TMP/fb")"
grep -q "/redlight/track/3/armed i 0" "$E2E_TMP/fb" || fail "vox armed without an input"
grep -q "/redlight/track/1/armed i 1" "$E2E_TMP/fb" || fail "kick not armed"

# The port appears: vox connects and is armed.
"$REDLIGHT_SOURCE" --name late --channels 1 --ready-file "$E2E_TMP/late.ready" >"$E2E_TMP/late.log" 2>&1 &
LATE=$!
E2E_PIDS+=("$LATE")
wait_log "track vox: input late:out_1 connected" 20
wait_log "track vox armed" 10
for _ in $(seq 50); do grep -q "/redlight/track/3/armed i 1" "$E2E_TMP/fb" && break; sleep 0.1; done
grep -q "/redlight/track/3/input i 1" "$E2E_TMP/fb" || fail "no '/redlight/track/3/input 1' feedback"
grep -q "/redlight/track/3/armed i 1" "$E2E_TMP/fb" || fail "vox not armed once its port came"

# A take; vox's client quits in the middle of it.
osc /redlight/record
for _ in $(seq 100); do
	f=$(ls "$S"/takes/001/03-*.wav 2>/dev/null | head -1)
	[ -n "$f" ] && [ "$(stat -c %s "$f")" -gt 100000 ] && break
	sleep 0.1
done
sleep 1
kill -TERM "$LATE"
wait "$LATE" 2>/dev/null
# JACK may disconnect the port before it is gone: either way it is lost.
wait_log "track vox: lost its input late:out_1" 10
sleep 1
osc /redlight/stop
for _ in $(seq 100); do
	[ "$(json_get "$J" takes.0.complete 2>/dev/null)" = true ] && break
	sleep 0.1
done
[ "$(json_get "$J" takes.0.complete)" = true ] || fail "take 1 not finished"
[ "$(json_get "$J" takes.0.files.#)" = 3 ] || fail "take 1 has $(json_get "$J" takes.0.files.#) files, not 3"
[ "$(json_get "$J" takes.0.files.0.no_input_ranges.# 2>/dev/null)" = "" ] || fail "kick marked without input"
[ "$(json_get "$J" takes.0.files.2.no_input_ranges.#)" = 1 ] || fail "vox's loss not marked: $(cat "$J")"
start=$(json_get "$J" takes.0.start_frame)
length=$(json_get "$J" takes.0.length)
from=$(( $(json_get "$J" takes.0.files.2.no_input_ranges.0.start) - start ))
silent=$(json_get "$J" takes.0.files.2.no_input_ranges.0.length)
[ "$from" -gt 48000 ] || fail "vox lost its input at frame $from, before the source quit"
[ $((from + silent)) = "$length" ] || fail "the mark ends at $((from + silent)), the take at $length"

# kick and snare exact from the first frame to the last; vox, the late
# source's counter, on the same frames as the others, exact up to the
# mark and digital silence from the mark to the end.
vox=$(basename "$S"/takes/001/03-*.wav)
echo "take 1: $(json_get "$J" takes.0.dropped_frames) dropped frames, $(json_get "$J" takes.0.xruns) xruns" >"$E2E_TMP/summary"
verify_take_run "$E2E_TMP/summary" "$S/takes/001" --expect-tracks 3 --expect-frames "$length" \
	--channel-of "$vox=0" --silent-from "$vox=$from"
# The same check fails with the mark a frame late or early.
for wrong in $((from + 1)) $((from - 1)); do
	"$VERIFY_TAKE" --channel-of "$vox=0" --silent-from "$vox=$wrong" "$S/takes/001" >/dev/null 2>&1 \
		&& fail "verify-take accepts a mark at $wrong, not $from"
done

# Its client starts again: vox connects again and is armed again.
"$REDLIGHT_SOURCE" --name late --channels 1 >"$E2E_TMP/late2.log" 2>&1 &
E2E_PIDS+=($!)
for _ in $(seq 100); do
	[ "$(grep -c "track vox: input late:out_1 connected" "$S/redlight.log")" = 2 ] && break
	sleep 0.1
done
[ "$(grep -c "track vox: input late:out_1 connected" "$S/redlight.log")" = 2 ] \
	|| fail "vox not connected again when its client came back: $(tail -5 "$S/redlight.log")"
[ "$(grep -c "track vox armed" "$S/redlight.log")" = 2 ] || sleep 1
[ "$(grep -c "track vox armed" "$S/redlight.log")" = 2 ] || fail "vox not armed again"
echo ok
