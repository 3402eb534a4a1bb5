#!/usr/bin/env bash
# Scratch track and keeper playback. redlight records its own playback
# outputs back (a JACK self-connection: one period late) and every frame
# must be the file's frame at that timeline position:
# - a stereo 44.1 kHz scratch is imported once (48 kHz mono) and plays
#   on scratch_out from its offset;
# - the take of a track not recorded in this run plays on play_<track>
#   from its timeline position (the overdub hears the drums);
# - looped, the scratch plays gaplessly pass after pass.
. "$(dirname "$0")/lib.sh"
PERIOD=1024
start_jackd 48000 $PERIOD
S="$E2E_TMP/session"
C=rlpb
sox -n -r 44100 -c 2 "$E2E_TMP/demo.wav" synth 12 sine 220 sine 331 vol 0.5 \
	|| fail "sox could not make the scratch"
rec() { # OUT ARGS...
	local out=$1
	shift
	"$REDLIGHT" record --client-name $C --format float --no-click "$@" "$S" \
		>"$E2E_TMP/$out" 2>"$E2E_TMP/$out.err" \
		|| fail "record $* failed: $(cat "$E2E_TMP/$out.err")"
}
take_wav() { ls "$S"/takes/$(printf %03d "$1")/*.wav; }
# same FILE FROM REF REF_FROM FRAMES: sample-exact comparison
same() {
	"$WAV_DIFF" "$1" "$2" "$3" "$4" "$5" >"$E2E_TMP/diff.out" 2>&1 \
		|| fail "$1 from $2 differs from $3 from $4: $(cat "$E2E_TMP/diff.out")"
}

# 1. Import the scratch at offset 0.5 s and record scratch_out from bar 2.
rec out1 --input $C:scratch_out --scratch "$E2E_TMP/demo.wav" \
	--scratch-offset 24000f --start 2 --duration 3
[ -f "$S/scratch.wav" ] || fail "scratch not imported into the session"
[ "$(soxi -r "$S/scratch.wav")" = 48000 ] || fail "scratch not converted to 48 kHz"
[ "$(soxi -c "$S/scratch.wav")" = 1 ] || fail "scratch not mixed to mono"
len=$(soxi -s "$S/scratch.wav")
[ $((len - 576000)) -ge -2 ] && [ $((len - 576000)) -le 2 ] || fail "scratch length $len, want 576000"
[ "$(json_get "$S/session.json" settings.scratch)" = scratch.wav ] || fail "scratch not in the settings"
[ "$(json_get "$S/session.json" settings.scratch_offset)" = 24000 ] || fail "scratch offset not saved"
[ "$(json_get "$S/session.json" takes.0.start_frame)" = 96000 ] || fail "take 1 not at bar 2"
same "$(take_wav 1)" $PERIOD "$S/scratch.wav" $((96000 - 24000)) $((144000 - PERIOD))

# 2. Overdub: track scratch_out is not recorded now, so its take plays on
# play_scratch_out from timeline 96000; the session's scratch plays too.
rec out2 --input $C:play_scratch_out --start 2 --duration 2
[ "$(json_get "$S/session.json" takes.1.start_frame)" = 96000 ] || fail "take 2 not at bar 2"
same "$(take_wav 2)" $PERIOD "$(take_wav 1)" 0 $((96000 - PERIOD))
# ... and from the middle of that take: bar 2 beat 3 (timeline 144000)
rec out3 --input $C:play_scratch_out --start '2|3' --duration 1
[ "$(json_get "$S/session.json" takes.2.start_frame)" = 144000 ] || fail "take 3 not at 2|3"
same "$(take_wav 3)" $PERIOD "$(take_wav 1)" 48000 $((48000 - PERIOD))

# 3. Loop bars 2-3 twice: both passes play the scratch of those bars.
rec out4 --input $C:scratch_out --loop 2:3 --passes 2
expect_contains "$E2E_TMP/out4" "take 004: 1 tracks, 96000 frames"
expect_contains "$E2E_TMP/out4" "take 005: 1 tracks, 96000 frames"
same "$(take_wav 4)" $PERIOD "$S/scratch.wav" 72000 $((96000 - PERIOD))
same "$(take_wav 5)" $PERIOD "$S/scratch.wav" 72000 $((96000 - PERIOD))

# 4. The cue mix: the scratch at -6 dB, keepers muted, no click.
rec outC --input $C:cue_l --scratch-level -6 --keeper-level -inf --start 2 --duration 1
same_scaled() {
	"$WAV_DIFF" "$1" "$2" "$3" "$4" "$5" 1e-6 "$6" >"$E2E_TMP/diff.out" 2>&1 \
		|| fail "$1 is not $3 at scale $6: $(cat "$E2E_TMP/diff.out")"
}
same_scaled "$(ls "$(sed -n 's/.* files in \(.*\)$/\1/p' "$E2E_TMP/outC")"/*.wav)" $PERIOD "$S/scratch.wav" 72000 $((48000 - PERIOD)) \
	"$(awk 'BEGIN { printf "%.9f", 10 ^ (-6 / 20) }')"

# 4b. Those flags were for that run only; the same mix from the session's
# own levels (cue_scratch_db, each track's cue_db) needs no flags.
J="$S/session.json"
[ "$(json_get "$J" settings.cue_scratch_db)" = 0.0 ] || fail "--scratch-level was saved"
sed -i 's/"cue_scratch_db": 0.0/"cue_scratch_db": -6.0/' "$J"
for t in scratch_out play_scratch_out; do
	"$REDLIGHT" tracks set "$S" $t cue=off >/dev/null || fail "tracks set $t cue=off"
done
[ "$(json_get "$J" tracks.0.cue_db)" = null ] || fail "cue=off not saved"
rec outD --input $C:cue_l --start 2 --duration 1
same_scaled "$(ls "$(sed -n 's/.* files in \(.*\)$/\1/p' "$E2E_TMP/outD")"/*.wav)" $PERIOD "$S/scratch.wav" 72000 $((48000 - PERIOD)) \
	"$(awk 'BEGIN { printf "%.9f", 10 ^ (-6 / 20) }')"

# 4c. The cue is stereo: a keeper sits where its track's pan puts it in the
# bounce (constant power: hard left only left, centre cos(pi/4) each
# side), the scratch in the centre at its level on both sides. A session
# of its own: one track, "keys", whose keeper is the scratch recorded.
S2="$E2E_TMP/stereo-cue"
rec2() { # OUT ARGS...
	local out=$1
	shift
	"$REDLIGHT" record --client-name $C --format float --no-click "$@" "$S2" \
		>"$E2E_TMP/$out" 2>"$E2E_TMP/$out.err" \
		|| fail "record $* failed: $(cat "$E2E_TMP/$out.err")"
}
take2_wav() { ls "$S2"/takes/$(printf %03d "$1")/*"$2".wav; }
"$REDLIGHT" new "$S2" >/dev/null || fail "new $S2"
"$REDLIGHT" tracks add "$S2" keys --input $C:scratch_out >/dev/null || fail "tracks add keys"
rec2 c1 --input $C:scratch_out --scratch "$E2E_TMP/demo.wav" --start 2 --duration 3
KEYS=$(take2_wav 1 keys)
"$REDLIGHT" tracks set "$S2" keys pan=L100 >/dev/null || fail "pan keys left"
rec2 c2 --input $C:cue_l --input $C:cue_r --scratch-level -inf --start 2 --duration 1
same "$(take2_wav 2 cue_l)" $PERIOD "$KEYS" 0 $((48000 - PERIOD))
[ "$(json_get "$S2/session.json" takes.1.files.1.peak_dbfs)" = null ] \
	|| fail "a keeper panned hard left is heard on cue_r"
"$REDLIGHT" tracks set "$S2" keys pan=C >/dev/null || fail "pan keys centre"
rec2 c3 --input $C:cue_l --input $C:cue_r --scratch-level -inf --start 2 --duration 1
CENTRE=$(awk 'BEGIN { printf "%.9f", cos(atan2(1, 1)) }')
for side in cue_l cue_r; do
	same_scaled "$(take2_wav 3 $side)" $PERIOD "$KEYS" 0 $((48000 - PERIOD)) "$CENTRE"
done
rec2 c4 --input $C:cue_l --input $C:cue_r --keeper-level -inf --scratch-level -6 --start 2 --duration 1
for side in cue_l cue_r; do
	same_scaled "$(take2_wav 4 $side)" $PERIOD "$S2/scratch.wav" 96000 $((48000 - PERIOD)) \
		"$(awk 'BEGIN { printf "%.9f", 10 ^ (-6 / 20) }')"
done

# 5. A second import never overwrites the first.
sum=$(md5sum <"$S/scratch.wav")
rec out6 --input $C:scratch_out --scratch "$E2E_TMP/demo.wav" --duration 1
[ -f "$S/scratch-2.wav" ] || fail "second scratch not imported as scratch-2.wav"
[ "$(md5sum <"$S/scratch.wav")" = "$sum" ] || fail "scratch.wav was overwritten"
# 6. A scratch that does not exist: a clear error naming it.
"$REDLIGHT" record --client-name $C --input $C:scratch_out --scratch "$E2E_TMP/nope.wav" \
	--duration 1 "$S" >"$E2E_TMP/out7" 2>&1 && fail "missing scratch accepted"
expect_contains "$E2E_TMP/out7" "nope.wav"
# 7. The live recorder places the scratch as record does: `redlight run
# --scratch-offset` moves the session's scratch (bar 2 here) and saves it;
# a position it cannot read is refused, naming it.
P=$((20000 + RANDOM % 10000))
"$REDLIGHT" "$S" --headless --client-name rlrun --osc-port "$P" \
	--input rlrun:scratch_out --scratch-offset 2 >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err" &
RUN=$!
E2E_PIDS+=("$RUN")
wait_for "$E2E_TMP/run.err" "OSC on UDP port $P" 20
kill -TERM "$RUN"
wait "$RUN" || fail "run exited non-zero: $(cat "$E2E_TMP/run.err")"
[ "$(json_get "$S/session.json" settings.scratch_offset)" = 96000 ] \
	|| fail "run --scratch-offset 2 not saved: $(json_get "$S/session.json" settings.scratch_offset)"
"$REDLIGHT" "$S" --headless --no-osc --client-name rlrun --input rlrun:scratch_out \
	--scratch-offset 'bar two' >"$E2E_TMP/run2.out" 2>&1 && fail "a bad --scratch-offset was accepted"
expect_contains "$E2E_TMP/run2.out" "bar two"
[ "$(json_get "$S/session.json" settings.scratch_offset)" = 96000 ] \
	|| fail "a refused --scratch-offset changed the session"
echo "ok"
