#!/usr/bin/env bash
# JACK transport. As timebase master, redlight publishes bar|beat|tick,
# meter and tempo from the tempo map (checked against the map for every
# position seen) and rolls JACK's transport for its take; following,
# it waits for another client to locate and start the transport and
# records from exactly that frame. Either way the take is redlight's own
# click recorded back, and must equal the map's click sample for sample.
. "$(dirname "$0")/lib.sh"
PERIOD=1024
start_jackd 48000 $PERIOD
S="$E2E_TMP/session"
mkdir -p "$S"
cp "$(dirname "$0")/song.map" "$S/tempo.map"
"$RENDER_CLICK" "$S/tempo.map" "$E2E_TMP/map.wav" --sound beep >/dev/null \
	|| fail "render-click failed"
CLIENT=rltp
rec_bg() { # OUT ARGS...: record our own click back in the background
	local out=$1
	shift
	"$REDLIGHT" record --client-name $CLIENT --input $CLIENT:click_out \
		--format float --click "$@" "$S" >"$E2E_TMP/$out" 2>"$E2E_TMP/$out.err" &
	REC_PID=$!
	E2E_PIDS+=("$REC_PID")
}

# 1. Master: redlight locates JACK to bar 3 (the verse: a ramp in 3/4),
# starts it, and every position JACK shows is the map's.
rec_bg out1 --jack-transport master --start 3 --duration 6
"$TRANSPORT_CTL" wait-rolling 10 || fail "JACK transport never rolled: $(cat "$E2E_TMP/out1.err")"
"$TRANSPORT_CTL" check-bbt "$S/tempo.map" 4 >"$E2E_TMP/bbt" 2>&1 \
	|| fail "BBT published as master is not the map's: $(cat "$E2E_TMP/bbt")"
wait $REC_PID || fail "record as master failed: $(cat "$E2E_TMP/out1.err")"
[ "$(json_get "$S/session.json" takes.0.start_frame)" = 192000 ] || fail "master take not at bar 3"
click_take_matches_map "$S" 0 "$E2E_TMP/map.wav" $PERIOD
"$TRANSPORT_CTL" stop

# 2. Follow: redlight waits; another client locates and starts JACK's
# transport; the take starts on that frame.
rec_bg out2 --jack-transport follow --duration 2
sleep 1.5
grep -q . "$E2E_TMP/out2" && fail "recorded before the transport rolled: $(cat "$E2E_TMP/out2")"
"$TRANSPORT_CTL" locate 96000
sleep 0.3
"$TRANSPORT_CTL" start
wait $REC_PID || fail "record following JACK failed: $(cat "$E2E_TMP/out2.err")"
"$TRANSPORT_CTL" stop
[ "$(json_get "$S/session.json" takes.1.start_frame)" = 96000 ] \
	|| fail "follow take at $(json_get "$S/session.json" takes.1.start_frame), want 96000"
expect_contains "$E2E_TMP/out2" "take 002: 1 tracks, 96000 frames"
click_take_matches_map "$S" 1 "$E2E_TMP/map.wav" $PERIOD

# 3. A count-in cannot work when JACK's transport rolls at once: refused.
"$REDLIGHT" record --client-name $CLIENT --input $CLIENT:click_out \
	--jack-transport follow --count-in 1 --duration 1 "$S" >"$E2E_TMP/out3" 2>&1 \
	&& fail "count-in with JACK transport accepted"
expect_contains "$E2E_TMP/out3" "count-in needs redlight's own transport"
echo "ok"
