#!/usr/bin/env bash
# Keeper changes heard at once, and listen-back, in the live recorder.
# The sources are frame counters: a take's files hold the source frames
# it was recorded at, so what a play port carries tells which take plays.
# A second redlight ("rlcap") records the play ports; verify-take proves
# the capture is a run of consecutive source frames and says the first.
# - take 1 of out_1 and out_2 (kept) is made before the recorder starts;
#   out_3 has nothing to play then: no play_out_3 port;
# - take 2 is recorded live: out_3 gets play_out_3 when it finishes, and
#   plays take 2 (its first take) without a restart;
# - take 2 chosen as out_1's keeper while rolling: heard from the next
#   locate; take 1 chosen again while stopped: heard at the next play;
# - /redlight/take/play 1: take 1 on out_1 and out_2 although they are
#   armed, then at the take's end the transport stops and returns.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 3
S="$E2E_TMP/session"
J="$S/session.json"
P=$((20000 + ($(printf %s "$REDLIGHT" | cksum | cut -d' ' -f1) + 29) % 10000))
osc() { oscsend 127.0.0.1 "$P" "$@" || fail "oscsend $*"; }
first_source_frame() {
	sed -n 's/^verify-take: OK .* first_source_frame=\([0-9]*\) .*/\1/p' "$E2E_TMP/verify.out"
}
# capture NAME PORT: 1 s of that port; CAP: its first source frame, or
# "silent".
capture() {
	local name=$1
	"$REDLIGHT" record --client-name rlcap --format float --input "$2" \
		--duration 1 "$E2E_TMP/$name" >"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err" \
		|| fail "capture $name: $(cat "$E2E_TMP/$name.err")"
	if [ "$(json_get "$E2E_TMP/$name/session.json" takes.0.files.0.peak_dbfs)" = null ]; then
		CAP=silent
		return
	fi
	verify_take_run "$E2E_TMP/$name.out" "$E2E_TMP/$name/takes/001" --expect-tracks 1
	CAP=$(first_source_frame)
}
# inside FIRST LEN: $CAP lies in source frames [FIRST, FIRST + LEN - 1 s)
inside() {
	[ "$CAP" != silent ] && [ "$CAP" -ge "$1" ] && [ "$CAP" -lt $(($1 + $2 - 48000)) ]
}

# Take 1: out_1 and out_2, 6 s, kept by hand.
"$REDLIGHT" record --inputs 'redlight-source:out_[12]$' --duration 6 "$S" >"$E2E_TMP/out1" \
	2>"$E2E_TMP/err1" || fail "record: $(cat "$E2E_TMP/err1")"
verify_take_run "$E2E_TMP/out1" "$S/takes/001" --expect-tracks 2
T1=$(first_source_frame)
T1_LEN=$(json_get "$J" takes.0.length)
"$REDLIGHT" takes keep "$S" 1 >/dev/null || fail "takes keep 1"

"$REDLIGHT" "$S" --headless --client-name rllb --osc-port "$P" \
	--inputs 'redlight-source:' >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err" &
RUN=$!
E2E_PIDS+=("$RUN")
for _ in $(seq 200); do
	grep -qF "OSC on UDP port $P" "$E2E_TMP/run.err" && break
	kill -0 "$RUN" 2>/dev/null || fail "recorder exited: $(cat "$E2E_TMP/run.err")"
	sleep 0.1
done
grep -qF "OSC on UDP port $P" "$E2E_TMP/run.err" || fail "recorder not up: $(cat "$E2E_TMP/run.err")"
ports=$(jack_lsp 2>/dev/null)
grep -qx rllb:play_out_1 <<<"$ports" || fail "no play_out_1: $ports"
grep -qx rllb:play_out_3 <<<"$ports" && fail "play_out_3 before out_3 has a take"

# Take 2, live, all three armed.
osc /redlight/record
sleep 3
osc /redlight/stop
for _ in $(seq 100); do
	[ "$(json_get "$J" takes.1.complete 2>/dev/null)" = true ] && break
	sleep 0.1
done
[ "$(json_get "$J" takes.1.complete)" = true ] || fail "take 2 not finished"
# The headless recorder's report of a take is its entry in session.json.
echo "take 2: $(json_get "$J" takes.1.dropped_frames) dropped frames, $(json_get "$J" takes.1.xruns) xruns" \
	>"$E2E_TMP/out2"
verify_take_run "$E2E_TMP/out2" "$S/takes/002" --expect-tracks 3
T2=$(first_source_frame)
T2_LEN=$(json_get "$J" takes.1.length)
wait_for "$S/redlight.log" "new play port: play_out_3" 10
jack_lsp 2>/dev/null | grep -qx rllb:play_out_3 || fail "no play_out_3 after take 2"

# Disarm out_1 and out_3 (armed, their keepers are silent) and play from
# the start: out_1 plays its keeper take 1, out_3 its only take, 2.
osc /redlight/track/arm ii 1 0
osc /redlight/track/arm ii 3 0
osc /redlight/locate i 0
osc /redlight/play
sleep 0.5
capture k1 rllb:play_out_1
inside "$T1" "$T1_LEN" || fail "play_out_1 plays source frame $CAP, not take 1 ($T1 + $T1_LEN)"
osc /redlight/locate i "$(json_get "$J" takes.1.start_frame)"
sleep 0.5
capture k3 rllb:play_out_3
inside "$T2" "$T2_LEN" || fail "play_out_3 plays source frame $CAP, not take 2 ($T2 + $T2_LEN)"

# While rolling: take 2 is out_1's keeper from the next locate.
osc /redlight/take/keep ii 2 1
osc /redlight/locate i "$(json_get "$J" takes.1.start_frame)"
sleep 0.5
capture k2 rllb:play_out_1
inside "$T2" "$T2_LEN" || fail "after keep 2 + locate, play_out_1 plays source frame $CAP, not take 2 ($T2 + $T2_LEN)"

# While stopped: take 1 again, heard at the next play without a locate.
osc /redlight/stop
sleep 0.3
osc /redlight/locate i 0
sleep 0.3
osc /redlight/take/keep ii 1 1
sleep 0.3
osc /redlight/play
sleep 0.5
capture k1b rllb:play_out_1
inside "$T1" "$T1_LEN" || fail "after keep 1 while stopped, play_out_1 plays source frame $CAP, not take 1"
osc /redlight/stop

# Listen-back: from 1 s, all armed again; take 1 plays on its armed
# tracks, the transport stops at its end and returns to 48000.
osc /redlight/arm/all i 1
osc /redlight/locate i 48000
sleep 0.3
osc /redlight/take/play i 1
sleep 0.3
capture lb1 rllb:play_out_2
inside "$T1" "$T1_LEN" || fail "listen-back: play_out_2 plays source frame $CAP, not take 1 ($T1 + $T1_LEN)"
wait_for "$S/redlight.log" "listened to take 001: the keepers play again, the transport is back at 1|3|0" 15
# Take 1 alone, stopped early: the same return; out_3 silent meanwhile.
osc /redlight/take/play ii 1 1
sleep 0.3
capture lb3 rllb:play_out_3
[ "$CAP" = silent ] || fail "listening alone, play_out_3 plays (frame $CAP)"
osc /redlight/stop
wait_for "$S/redlight.log" "listening to take 001 alone" 5
[ "$(grep -c 'transport is back at 1|3|0' "$S/redlight.log")" = 2 ] \
	|| { sleep 1; [ "$(grep -c 'transport is back at 1|3|0' "$S/redlight.log")" = 2 ]; } \
	|| fail "no return after the stop: $(tail -5 "$S/redlight.log")"

kill -TERM "$RUN"
wait "$RUN" || fail "recorder exit $?: $(cat "$E2E_TMP/run.err")"
echo ok
