#!/usr/bin/env bash
# Keeper per section and the rough mix, end to end, on takes recorded by
# the real recorder from the frame-counter source (every take holds
# different sample values, so a comp's frames say which take they came
# from):
# - a comp with hard cuts is, frame for frame, the chosen take in each
#   section and the base take elsewhere; with crossfades it is so outside
#   the fades;
# - the active comp is what the track plays back in the next run (recorded
#   back through a JACK self-connection);
# - use/off/keep switch between comp and keeper; bad choices are refused
#   with clear errors and change nothing; a comp number is never reused;
# - a bounce of a full-scale square wave with known gains and pans peaks
#   where the pan law says (read back with sox), the report's verdict
#   follows the -6..-3 dBFS target, and nothing is ever written over.
. "$(dirname "$0")/lib.sh"
PERIOD=1024
start_jackd 48000 $PERIOD
start_source 2
S="$E2E_TMP/session"
J="$S/session.json"
C=rlcb
# 120 BPM 4/4: a bar is 96000 frames. intro [0, 96000), verse [96000,
# 288000), chorus [288000, 480000); the map ends at 10 s.
printf 'intro: 1 120\nverse: 2 120\nchorus: 2 120\n' >"$E2E_TMP/song.map"
rec() { # OUT ARGS...
	local out=$1
	shift
	"$REDLIGHT" record --client-name $C --format float --no-click "$@" "$S" \
		>"$E2E_TMP/$out" 2>"$E2E_TMP/$out.err" \
		|| fail "record $* failed: $(cat "$E2E_TMP/$out.err")"
}
run() { # ARGS...: redlight, output in $E2E_TMP/r.out/r.err, status in $rc
	"$REDLIGHT" "$@" >"$E2E_TMP/r.out" 2>"$E2E_TMP/r.err"
	rc=$?
}
run_ok() {
	run "$@"
	[ "$rc" = 0 ] || fail "redlight $* exited $rc: $(cat "$E2E_TMP/r.err")"
}
run_fails() { # STATUS TEXT ARGS...: exits STATUS, stderr says TEXT
	local want=$1 text=$2
	shift 2
	run "$@"
	[ "$rc" = "$want" ] || fail "redlight $* exited $rc, want $want: $(cat "$E2E_TMP/r.err")"
	expect_contains "$E2E_TMP/r.err" "$text"
}
take_wav() { ls "$S"/takes/$(printf %03d "$1")/${2:-01}-*.wav; }
same() { # FILE FROM REF REF_FROM FRAMES: sample-exact
	"$WAV_DIFF" "$1" "$2" "$3" "$4" "$5" >"$E2E_TMP/diff.out" 2>&1 \
		|| fail "$1 from $2 differs from $3 from $4: $(cat "$E2E_TMP/diff.out")"
}

rec out1 --inputs 'redlight-source:' --tempo-map "$E2E_TMP/song.map" --duration 10
rec out2 --inputs 'redlight-source:' --duration 10
rec out3 --inputs 'redlight-source:' --duration 10
run_ok takes keep "$S" 1

# --- 1. hard cuts: every frame is its take's
run_ok comp "$S" out_1 verse=2 chorus=3 --fade 0
expect_contains "$E2E_TMP/r.out" "comp 001  out_1  comps/001-01-out_1.wav  [plays back]"
C1="$S/comps/001-01-out_1.wav"
[ "$(soxi -s "$C1" 2>/dev/null)" = 480000 ] || fail "comp 1 is $(soxi -s "$C1") frames"
[ "$(json_get "$J" comps.0.pieces.#)" = 3 ] || fail "comp 1 pieces: $(cat "$E2E_TMP/r.out")"
[ "$(json_get "$J" comps.0.base_take)" = 1 ] || fail "the keeper is the base take"
[ "$(json_get "$J" comps.0.pieces.1.section)" = verse ] || fail "piece 2 is not the verse"
[ "$(json_get "$J" comps.0.pieces.1.from)" = 96000 ] || fail "verse from"
[ "$(json_get "$J" comps.0.pieces.2.take)" = 3 ] || fail "chorus take"
same "$C1" 0 "$(take_wav 1)" 0 96000
same "$C1" 96000 "$(take_wav 2)" 96000 192000
same "$C1" 288000 "$(take_wav 3)" 288000 192000
# The takes are never touched, and take 1 (the keeper) no longer plays.
run_ok takes "$S" --json
[ "$(json_get "$E2E_TMP/r.out" 0.files.0.plays_back)" = false ] || fail "take 1 still plays out_1 under a comp"
[ "$(json_get "$E2E_TMP/r.out" 0.files.1.plays_back)" = true ] || fail "take 1 no longer plays out_2"

# --- 2. crossfades of 10 ms (480 frames) centred on each join
run_ok comp "$S" out_1 verse=2
C2="$S/comps/002-01-out_1.wav"
[ "$(json_get "$J" comps.0.active)" = false ] || fail "comp 1 still active"
[ "$(json_get "$J" comps.1.active)" = true ] || fail "comp 2 not active"
[ "$(json_get "$J" comps.1.fade_frames)" = 480 ] || fail "default fade is not 10 ms"
same "$C2" 0 "$(take_wav 1)" 0 95760
same "$C2" 96240 "$(take_wav 2)" 96240 191520
same "$C2" 288240 "$(take_wav 1)" 288240 191760
"$WAV_DIFF" "$C2" 95760 "$(take_wav 1)" 95760 480 >/dev/null 2>&1 \
	&& fail "no crossfade at the verse: the fade equals take 1"

# --- 3. the active comp plays back on play_out_1 (one period late)
rec out4 --input $C:play_out_1 --duration 5
[ "$(json_get "$J" takes.3.start_frame)" = 0 ] || fail "take 4 not at 0"
same "$(take_wav 4 03)" $PERIOD "$C2" 0 $((240000 - PERIOD))

# --- 4. use / off / keep
run_ok comp off "$S" 2
expect_contains "$E2E_TMP/r.out" "comp 002: set aside, out_1 plays its keeper take"
[ "$(json_get "$J" comps.1.active)" = false ] || fail "comp off"
run_ok comp use "$S" 1
[ "$(json_get "$J" comps.0.active)" = true ] || fail "comp use"
run_ok takes keep "$S" 3 out_1
[ "$(json_get "$J" comps.0.active)" = false ] || fail "keeping a take did not set the comp aside"
run_ok comp list "$S"
[ "$(grep -c '^comp ' "$E2E_TMP/r.out")" = 2 ] || fail "comp list: $(cat "$E2E_TMP/r.out")"
run_ok comp list "$S" --json
[ "$(json_get "$E2E_TMP/r.out" 1.pieces.1.take)" = 2 ] || fail "comp list --json"

# --- 5. refusals change nothing
sum=$(md5sum <"$J")
run_fails 1 "bridge" comp "$S" out_1 bridge=2
expect_contains "$E2E_TMP/r.err" "verse"
run_fails 1 "no take 9" comp "$S" out_1 verse=9
run_fails 1 "no track 'vox'" comp "$S" vox verse=2
run_fails 1 "chosen twice" comp "$S" out_1 verse=2 verse=3
run_fails 2 "not SECTION=TAKE" comp "$S" out_1 verse
run_fails 2 "not a take number" comp "$S" out_1 verse=two
run_fails 2 "--fade" comp "$S" out_1 verse=2 --fade 5000
[ "$(md5sum <"$J")" = "$sum" ] || fail "a refused comp changed session.json"
run_ok takes discard "$S" 2
sum=$(md5sum <"$J")
run_fails 1 "take 2 is discarded" comp "$S" out_1 verse=2
[ "$(md5sum <"$J")" = "$sum" ] || fail "a refused comp changed session.json"
[ "$(ls "$S/comps" | wc -l)" = 2 ] || fail "a refused comp left a file: $(ls "$S/comps")"
run_ok takes restore "$S" 2
# A file under comps/ that session.json does not know keeps its number.
echo stray >"$S/comps/007-01-out_1.wav"
run_ok comp "$S" out_1 chorus=2
expect_contains "$E2E_TMP/r.out" "comp 008  out_1"
[ "$(cat "$S/comps/007-01-out_1.wav")" = stray ] || fail "a stray file was written over"

# --- 6. bounce: full-scale square waves, known gains and pans
start_source 2 --signal fullscale --name fs-source
B="$E2E_TMP/band"
"$REDLIGHT" record --no-click --duration 1 --inputs 'fs-source:' "$B" \
	>"$E2E_TMP/b.out" 2>"$E2E_TMP/b.err" || fail "record: $(cat "$E2E_TMP/b.err")"
peak() { # FILE CHANNEL: peak level in dBFS, measured by sox
	sox "$1" -n remix "$2" stats 2>&1 | awk '/^Pk lev dB/ { print $4 }'
}
near() { # A B TOL
	awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !(d <= t && -d <= t) }' \
		|| fail "$1 is not $2 (±$3)"
}
# Unity, centre: each track -3.01 dB per side, two in phase: +3 dBFS.
run_ok bounce "$B"
expect_contains "$E2E_TMP/r.out" "$B/bounces/bounce-001.wav: 2 tracks, 1.000 s from 0.000 s (48000 frames), pcm24"
expect_contains "$E2E_TMP/r.out" ": clipped (target -6 to -3 dBFS)"
expect_contains "$E2E_TMP/r.err" "warning:"
[ "$(soxi -c "$B/bounces/bounce-001.wav")" = 2 ] || fail "a bounce is stereo"
# Hard left and hard right at -4 dB: -4 dBFS on each side, nothing across.
run_ok tracks set "$B" out_1 gain=-4 pan=-1
run_ok tracks set "$B" out_2 gain=-4 pan=1
run_ok bounce "$B" --format float
expect_contains "$E2E_TMP/r.out" "peak L -4.0 dBFS, R -4.0 dBFS: ok"
near "$(peak "$B/bounces/bounce-002.wav" 1)" -4.00 0.02
near "$(peak "$B/bounces/bounce-002.wav" 2)" -4.00 0.02
# One track muted, the other centre at +1 dB: -2.01 dBFS both sides: hot.
run_ok tracks set "$B" out_1 gain=1 pan=0
run_ok tracks set "$B" out_2 gain=mute
run_ok bounce "$B" -o "$E2E_TMP/mix.wav"
expect_contains "$E2E_TMP/r.out" "peak L -2.0 dBFS, R -2.0 dBFS: hot"
near "$(peak "$E2E_TMP/mix.wav" 1)" -2.01 0.02
near "$(peak "$E2E_TMP/mix.wav" 2)" -2.01 0.02
# -12 dB centre: -15 dBFS: low.
run_ok tracks set "$B" out_1 gain=-12
run_ok bounce "$B"
expect_contains "$E2E_TMP/r.out" "bounce-003.wav"
expect_contains "$E2E_TMP/r.out" ": low"
# Never over an existing file.
sum=$(md5sum <"$E2E_TMP/mix.wav")
run_fails 1 "already exists" bounce "$B" -o "$E2E_TMP/mix.wav"
[ "$(md5sum <"$E2E_TMP/mix.wav")" = "$sum" ] || fail "bounce wrote over a file"
run_fails 2 "pcm24 or float" bounce "$B" --format pcm16
# The comp session bounces its comp for out_1.
run_ok comp use "$S" 8
run_ok bounce "$S"
expect_contains "$E2E_TMP/r.out" "comp 008"
echo "ok"
