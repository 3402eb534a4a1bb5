#!/usr/bin/env bash
# `redlight record SESSION` on a session whose tracks have inputs records
# those tracks -- armed, not rec-safe -- as `redlight SESSION` does, on a
# server with more ports than the session has inputs: no track added,
# each file holds exactly the source channel its track is patched to.
# --input chooses ports explicitly; a port with no track gets one, and
# the command names it (stderr and the session's log). A session with no
# track inputs still records every port, naming every track it adds.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 6
S="$E2E_TMP/session"

"$REDLIGHT" new "$S" --template band >"$E2E_TMP/new.out" 2>&1 || fail "new: $(cat "$E2E_TMP/new.out")"
tracks() {
	"$REDLIGHT" tracks "$@" >"$E2E_TMP/tracks.out" 2>&1 \
		|| fail "tracks $*: $(cat "$E2E_TMP/tracks.out")"
}
# Crossed on purpose: a track records its own input, not the port order.
tracks input "$S" kick redlight-source:out_5
tracks input "$S" snare redlight-source:out_2
tracks input "$S" vox redlight-source:out_4
tracks input "$S" hihat redlight-source:out_1
tracks set "$S" hihat rec-safe=on
for t in tom1 tom2 oh-l oh-r bass-di gtr keys; do
	tracks input "$S" "$t" none
done
[ "$(json_get "$S/session.json" tracks.#)" = 11 ] || fail "band template is not 11 tracks"

rec() { # OUT ARGS...
	local out=$1
	shift
	"$REDLIGHT" record --no-click "$@" "$S" >"$E2E_TMP/$out" 2>"$E2E_TMP/$out.err" \
		|| fail "record $* failed: $(cat "$E2E_TMP/$out.err")"
}

# 1. No flags: the three armed tracks with inputs, nothing else.
rec out1 --duration 2
expect_contains "$E2E_TMP/out1" "take 001: 3 tracks, 96000 frames"
grep -q "added track" "$E2E_TMP/out1.err" && fail "record added a track: $(cat "$E2E_TMP/out1.err")"
[ "$(json_get "$S/session.json" tracks.#)" = 11 ] || fail "record changed the track count"
[ "$(cd "$S/takes/001" && echo *.wav)" = "01-kick.wav 02-snare.wav 11-vox.wav" ] \
	|| fail "take 001 has $(cd "$S/takes/001" && echo *.wav)"
verify_take_run "$E2E_TMP/out1" "$S/takes/001" --expect-tracks 3 --expect-frames 96000 \
	--channel-of 01-kick.wav=4 --channel-of 02-snare.wav=1 --channel-of 11-vox.wav=3

# 2. --input: kick's port records into kick; out_6 has no track, gets
# one, and the command says so.
rec out2 --duration 1 --input redlight-source:out_6 --input redlight-source:out_5
expect_contains "$E2E_TMP/out2" "take 002: 2 tracks, 48000 frames"
expect_contains "$E2E_TMP/out2.err" "redlight: added track 12 'out_6' for port redlight-source:out_6"
[ "$(grep -c "added track" "$E2E_TMP/out2.err")" = 1 ] || fail "more than one added: $(cat "$E2E_TMP/out2.err")"
expect_contains "$S/redlight.log" "added track 12 'out_6' for port redlight-source:out_6"
[ "$(json_get "$S/session.json" tracks.#)" = 12 ] || fail "track out_6 not in session.json"
[ "$(cd "$S/takes/002" && echo *.wav)" = "01-kick.wav 12-out_6.wav" ] \
	|| fail "take 002 has $(cd "$S/takes/002" && echo *.wav)"
verify_take_run "$E2E_TMP/out2" "$S/takes/002" --expect-tracks 2 --expect-frames 48000 \
	--channel-of 01-kick.wav=4 --channel-of 12-out_6.wav=5

# 3. The new track is a session track now: recorded without flags too.
rec out3 --duration 1
expect_contains "$E2E_TMP/out3" "take 003: 4 tracks, 48000 frames"
grep -q "added track" "$E2E_TMP/out3.err" && fail "record added a track: $(cat "$E2E_TMP/out3.err")"
verify_take_run "$E2E_TMP/out3" "$S/takes/003" --expect-tracks 4 --expect-frames 48000 \
	--channel-of 01-kick.wav=4 --channel-of 02-snare.wav=1 --channel-of 11-vox.wav=3 \
	--channel-of 12-out_6.wav=5

# 4. A session without track inputs: every port, each new track named.
E="$E2E_TMP/empty"
"$REDLIGHT" record --no-click --duration 1 "$E" >"$E2E_TMP/out4" 2>"$E2E_TMP/out4.err" \
	|| fail "record empty: $(cat "$E2E_TMP/out4.err")"
expect_contains "$E2E_TMP/out4" "take 001: 6 tracks, 48000 frames"
for i in 1 2 3 4 5 6; do
	expect_contains "$E2E_TMP/out4.err" "redlight: added track $i 'out_$i' for port redlight-source:out_$i"
done
verify_take_run "$E2E_TMP/out4" "$E/takes/001" --expect-tracks 6 --expect-frames 48000

# 5. The live recorder shares the choice and says the same.
L="$E2E_TMP/live"
"$REDLIGHT" "$L" --headless --no-osc --input redlight-source:out_3 \
	>"$E2E_TMP/live.out" 2>"$E2E_TMP/live.err" &
LIVE=$!
E2E_PIDS+=("$LIVE")
wait_for "$E2E_TMP/live.err" "redlight: added track 1 'out_3' for port redlight-source:out_3" 20
kill -INT "$LIVE"
wait "$LIVE" || fail "live recorder failed: $(cat "$E2E_TMP/live.err")"
"$REDLIGHT" "$E2E_TMP/empty2" --headless --no-osc >"$E2E_TMP/live2.out" 2>"$E2E_TMP/live2.err" \
	&& fail "live recorder ran a session without track inputs"
expect_contains "$E2E_TMP/live2.err" "has no track inputs"
echo "ok"
