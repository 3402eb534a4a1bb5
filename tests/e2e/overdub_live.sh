#!/usr/bin/env bash
# The overdub in the live recorder: every track with a keeper gets a
# play_<track> port, also the tracks this run records. While a track is
# armed its keeper is silent (the performer hears the input, not the take
# being replaced); disarmed from the control API (here over OSC, as from
# the UI), it plays its keeper from the timeline, frame by frame.
# A second redlight ("rlcap") records those ports; the keeper is the
# source's frame counter, so its playback must be a run of consecutive
# source frames (verify-take) lying inside the keeper take.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
J="$S/session.json"
P=$((20000 + ($(printf %s "$REDLIGHT" | cksum | cut -d' ' -f1) + 17) % 10000))
osc() { oscsend 127.0.0.1 "$P" "$@" || fail "oscsend $*"; }
first_source_frame() {
	sed -n 's/^verify-take: OK .* first_source_frame=\([0-9]*\) .*/\1/p' "$E2E_TMP/verify.out"
}

# Take 1: the "drums" (out_1) and "bass" (out_2), 8 s from frame 0.
"$REDLIGHT" record --inputs 'redlight-source:' --duration 8 "$S" >"$E2E_TMP/out1" \
	2>"$E2E_TMP/err1" || fail "record: $(cat "$E2E_TMP/err1")"
verify_take_run "$E2E_TMP/out1" "$S/takes/001" --expect-tracks 2
KEEPER_FIRST=$(first_source_frame)
KEEPER_LEN=$(json_get "$J" takes.0.length)

# The live recorder on the same inputs: both tracks armed, both keepers
# have ports.
"$REDLIGHT" "$S" --headless --client-name rlod --osc-port "$P" \
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
for p in rlod:in_out_1 rlod:play_out_1 rlod:play_out_2; do
	grep -qx "$p" <<<"$ports" || fail "no port $p: $ports"
done

capture() { # capture NAME PORT...: 1 s of those ports into session NAME
	local name=$1 args=()
	shift
	for p in "$@"; do args+=(--input "$p"); done
	"$REDLIGHT" record --client-name rlcap --format float "${args[@]}" \
		--duration 1 "$E2E_TMP/$name" >"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err" \
		|| fail "capture $name: $(cat "$E2E_TMP/$name.err")"
}

osc /redlight/play
sleep 0.3
# Armed: both keepers silent, though rolling inside the take.
capture armed rlod:play_out_1 rlod:play_out_2
for k in 0 1; do
	[ "$(json_get "$E2E_TMP/armed/session.json" takes.0.files.$k.peak_dbfs)" = null ] \
		|| fail "armed track's keeper is not silent (file $k)"
done

# Disarm the drums: their keeper plays, from where the transport is.
osc /redlight/locate i 0
osc /redlight/track/arm i 1 i 0
sleep 0.3
capture disarmed rlod:play_out_1
verify_take_run "$E2E_TMP/disarmed.out" "$E2E_TMP/disarmed/takes/001" --expect-tracks 1
f=$(first_source_frame)
[ "$f" -ge "$KEEPER_FIRST" ] && [ "$f" -lt $((KEEPER_FIRST + KEEPER_LEN - 48000)) ] \
	|| fail "play_out_1 plays source frame $f, not inside the keeper ($KEEPER_FIRST + $KEEPER_LEN)"
# The bass, still armed, stays silent.
capture bass rlod:play_out_2
[ "$(json_get "$E2E_TMP/bass/session.json" takes.0.files.0.peak_dbfs)" = null ] \
	|| fail "the armed bass's keeper plays"

kill -TERM "$RUN"
wait "$RUN" || fail "recorder exit $?: $(cat "$E2E_TMP/run.err")"
echo ok
