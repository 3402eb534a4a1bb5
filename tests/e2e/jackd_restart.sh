#!/usr/bin/env bash
# The JACK server dies under a running `redlight SESSION --headless` and
# comes back: the interrupted take is finalized and exact up to where it
# got, the recorder stays up (OSC answers, the log says it waits), starts
# again on the new server by itself, and the next take is exact.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
J="$S/session.json"
P=$((20000 + $(printf %s "$REDLIGHT-restart" | cksum | cut -d' ' -f1) % 10000))
osc() { oscsend 127.0.0.1 "$P" "$@" || fail "oscsend $*"; }
wait_log() { # wait_log TEXT SECONDS: the session's log has every message
	for _ in $(seq $(($2 * 10))); do
		grep -qF -- "$1" "$S/redlight.log" 2>/dev/null && return 0
		kill -0 "$REC" 2>/dev/null || fail "recorder exited: $(cat "$E2E_TMP/rec.err")"
		sleep 0.1
	done
	fail "no '$1' in the log: $(cat "$S/redlight.log")"
}
wait_take() { # wait_take N: take N (from 1) finished and saved
	for _ in $(seq 150); do
		[ "$(json_get "$J" "takes.$(($1 - 1)).complete" 2>/dev/null)" = true ] && return 0
		sleep 0.1
	done
	fail "take $1 not finished: $(cat "$E2E_TMP/rec.err")"
}
summary() { # summary N: a summary line for verify_take_run
	local i=$(($1 - 1))
	echo "take $1: $(json_get "$J" "takes.$i.dropped_frames") dropped frames, $(json_get "$J" "takes.$i.xruns") xruns" >"$E2E_TMP/summary"
}

"$REDLIGHT" new "$S" >/dev/null || fail "new"
"$REDLIGHT" tracks add "$S" one --input redlight-source:out_1 >/dev/null || fail "add one"
"$REDLIGHT" tracks add "$S" two --input redlight-source:out_2 >/dev/null || fail "add two"
"$REDLIGHT" "$S" --headless --osc-port "$P" >"$E2E_TMP/rec.out" 2>"$E2E_TMP/rec.err" &
REC=$!
E2E_PIDS+=("$REC")
for _ in $(seq 200); do grep -q "OSC on UDP port" "$E2E_TMP/rec.err" && break; sleep 0.1; done

osc /redlight/record
for _ in $(seq 100); do
	f=$(ls "$S"/takes/001/01-*.wav 2>/dev/null | head -1)
	[ -n "$f" ] && [ "$(stat -c %s "$f")" -gt 100000 ] && break
	sleep 0.1
done
sleep 1
kill -9 "$JACKD_PID"
wait "$JACKD_PID" 2>/dev/null
wait_take 1
wait_log "waiting for a JACK server" 10
[ "$(json_get "$J" takes.0.end_reason)" != "" ] || fail "take 1 has no end reason"
summary 1
verify_take_run "$E2E_TMP/summary" "$S/takes/001" --expect-tracks 2 --min-frames 48000
# Still up, and says why nothing can roll.
"$OSC_CLIENT" send --expect /redlight/pong 127.0.0.1 "$P" /redlight/ping >/dev/null \
	|| fail "no pong while the server is gone"
osc /redlight/play
wait_log "no JACK server: waiting for one to come back" 5
sleep 2
kill -0 "$REC" 2>/dev/null || fail "recorder exited when the server died: $(cat "$E2E_TMP/rec.err")"
grep -q "Cannot connect to server" "$E2E_TMP/rec.err" && fail "libjack's retry noise on stderr"

# A server again (the same name), and the band's ports.
start_jackd 48000 256
start_source 2
wait_log "JACK server is back" 15
# Started before its ports were there, the tracks wait for them.
if sed -n '/waiting for a JACK server/,$p' "$S/redlight.log" | grep -q "track two: no input"; then
	wait_log "track two armed" 15
fi
osc /redlight/record
sleep 2
osc /redlight/stop
wait_take 2
summary 2
verify_take_run "$E2E_TMP/summary" "$S/takes/002" --expect-tracks 2 --min-frames 48000
[ "$(json_get "$J" takes.1.end_reason)" = "" ] || fail "take 2 ended: $(json_get "$J" takes.1.end_reason)"
kill -TERM "$REC"
wait "$REC" || fail "exit status $? after SIGTERM"
echo ok
