#!/usr/bin/env bash
# Stereo tracks: a track with two input ports (a template line NAME LEFT
# RIGHT) records one interleaved two-channel file per take, through two
# JACK inputs in_<track>.L/.R, every frame of both channels exact (the
# frame counter proves it), on the same frames as the mono tracks --
# pre-record included. Half a stereo pair is refused with a clear error;
# a bounce keeps the stereo track's two sides apart.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 3
S="$E2E_TMP/session"
printf 'keys redlight-source:out_1 redlight-source:out_2\nvox redlight-source:out_3\n' \
	>"$E2E_TMP/band.tmpl"
"$REDLIGHT" new "$S" --template "$E2E_TMP/band.tmpl" >"$E2E_TMP/new.out" 2>&1 \
	|| fail "new: $(cat "$E2E_TMP/new.out")"
[ "$(json_get "$S/session.json" tracks.0.source_right)" = redlight-source:out_2 ] \
	|| fail "the template's right port is not in session.json"

rec() { # OUT ARGS...
	local out=$1
	shift
	"$REDLIGHT" record --no-click "$@" "$S" >"$E2E_TMP/$out" 2>"$E2E_TMP/$out.err" \
		|| fail "record $* failed: $(cat "$E2E_TMP/$out.err")"
}

# 1. Two tracks, three ports; the ports are there while it records.
"$REDLIGHT" record --no-click --inputs 'redlight-source:' --duration 3 "$S" \
	>"$E2E_TMP/out1" 2>"$E2E_TMP/out1.err" &
REC=$!
E2E_PIDS+=("$REC")
for _ in $(seq 50); do
	jack_lsp 2>/dev/null | grep -q '^redlight:in_keys.R$' && break
	sleep 0.1
done
jack_lsp >"$E2E_TMP/ports" 2>&1
wait "$REC" || fail "record failed: $(cat "$E2E_TMP/out1.err")"
for p in in_keys.L in_keys.R in_vox; do
	grep -qx "redlight:$p" "$E2E_TMP/ports" || fail "no port redlight:$p: $(cat "$E2E_TMP/ports")"
done
expect_contains "$E2E_TMP/out1" "take 001: 2 tracks, 144000 frames"
[ "$(soxi -c "$S/takes/001/01-keys.wav" 2>/dev/null)" = 2 ] || fail "keys is not a stereo file"
[ "$(soxi -c "$S/takes/001/02-vox.wav" 2>/dev/null)" = 1 ] || fail "vox is not mono"
verify_take_run "$E2E_TMP/out1" "$S/takes/001" --expect-tracks 2 \
	--expect-frames 144000 --channel-of 02-vox.wav=2 --expect-time-ref 0

# 2. Pre-record: both channels' history comes before the live frames,
# without a seam.
rec out2 --inputs 'redlight-source:' --pre-record 1 --wait 2 --start 96000f --duration 1
expect_contains "$E2E_TMP/out2" "take 002: 2 tracks, 96000 frames"
verify_take_run "$E2E_TMP/out2" "$S/takes/002" --expect-tracks 2 \
	--expect-frames 96000 --channel-of 02-vox.wav=2 --expect-time-ref 48000

# 3. Half a pair: refused, naming the track and both ports; nothing made.
"$REDLIGHT" record --no-click --input redlight-source:out_1 --duration 1 "$S" \
	>"$E2E_TMP/out3" 2>"$E2E_TMP/out3.err" && fail "half a stereo pair recorded"
expect_contains "$E2E_TMP/out3.err" "track keys is stereo (redlight-source:out_1 + redlight-source:out_2)"
[ ! -d "$S/takes/003" ] || fail "a refused record made take 003"

# 4. The bounce keeps the sides apart: keys centred at 0 dB is its left
# channel on the left and its right on the right, exactly (vox muted).
# The keepers are take 2, from timeline 48000: so is the bounce.
"$REDLIGHT" tracks set "$S" vox gain=mute >/dev/null 2>"$E2E_TMP/set.err" \
	|| fail "tracks set: $(cat "$E2E_TMP/set.err")"
"$REDLIGHT" bounce "$S" --format float -o "$E2E_TMP/mix.wav" >"$E2E_TMP/b.out" 2>&1 \
	|| fail "bounce: $(cat "$E2E_TMP/b.out")"
expect_contains "$E2E_TMP/b.out" "from 1.000 s (96000 frames)"
K="$S/takes/002/01-keys.wav"
for c in 1 2; do
	sox "$E2E_TMP/mix.wav" "$E2E_TMP/mix$c.wav" remix $c 2>/dev/null
	sox "$K" -e floating-point "$E2E_TMP/keys$c.wav" remix $c 2>/dev/null
	"$WAV_DIFF" "$E2E_TMP/mix$c.wav" 0 "$E2E_TMP/keys$c.wav" 0 96000 \
		>"$E2E_TMP/diff.out" 2>&1 || fail "bounce side $c is not keys channel $c: $(cat "$E2E_TMP/diff.out")"
done
echo "ok"
