#!/usr/bin/env bash
# Transport details that no other test would notice breaking. redlight
# records its own click_out back (a JACK self-connection: one period late)
# as float, so every sample can be compared with what the map gives.
# 1. The count-in clicks even with --no-click, and the take after it is
#    silent; with --click the take clicks too. The count-in holds the
#    timeline and comes before the take, so it is seen through
#    --pre-record: the history that opens the take holds the last frames
#    before the record point -- the count-in and, before it, the stopped
#    transport -- contiguous with the live frames (pre_record.sh proves
#    the seam), so every count-in click has an exact file frame.
# 2. --click-level: at -12 dB click_out is the 0 dB click times
#    10^(-12/20), within float rounding; the level is for the run only.
# 3. --pre-roll really rolls from N bars before the record point: seen
#    through --pre-record again, longer than the pre-roll, the history
#    must hold the map's click of exactly the pre-roll bars (a ramp: no
#    two bars alike) and digital silence before them (the stopped
#    transport). An ignored pre-roll leaves silence where the bars should
#    click; a longer one clicks where silence should be.
# 4. --tempo 90 --meter 3/4 without a map: the click equals render-click
#    of the klick map "16 3/4 90", and, independently of the tempo map
#    code, its onsets are every 32000 frames with the accent every third.
# 5. While the scratch plays (a frame-counter scratch, captured by a
#    second recorder and decoded by verify-take: it plays frame by frame),
#    the OSC feedback's frame, bar|beat|tick and section always agree with
#    the map (computed here in awk from a constant-tempo map with
#    sections), and advance through its sections in order.
. "$(dirname "$0")/lib.sh"
PERIOD=1024
start_jackd 48000 $PERIOD
C=rltd

rec() { # SESSION OUT ARGS...: record our own click_out back, float
	local s=$1 out=$2
	shift 2
	"$REDLIGHT" record --client-name $C --input $C:click_out --format float \
		"$@" "$s" >"$E2E_TMP/$out" 2>"$E2E_TMP/$out.err" \
		|| fail "record $* failed: $(cat "$E2E_TMP/$out.err")"
}
take_wav() { ls "$1"/takes/$(printf %03d "$2")/*.wav; }
# diff A FROM_A B FROM_B FRAMES [TOL SCALE] WHAT: wav-diff, or fail
diff_or_fail() {
	local what=${*: -1}
	"$WAV_DIFF" "${@:1:$(($# - 1))}" >"$E2E_TMP/diff.out" 2>&1 \
		|| fail "$what: $(cat "$E2E_TMP/diff.out")"
}
# nonzero FILE FROM FRAMES: how many samples of the range are not 0
nonzero() {
	sox "$1" -t dat - trim "${2}s" "${3}s" 2>/dev/null |
		awk '!/^;/ && $2 + 0 != 0 { n++ } END { print n + 0 }'
}
# onsets FILE: "frame first_sample" for each click: a sample that is not
# 0 at the file's start or after at least 1000 zeros
onsets() {
	sox "$1" -t dat - 2>/dev/null | awk '!/^;/ {
		v = $2 + 0
		if (v != 0 && (i == 0 || z >= 1000)) print i, v
		z = v == 0 ? z + 1 : 0
		i++ }'
}
frame_at() { awk -v s="$1" 'BEGIN { printf "%d\n", s * 48000 + 0.5 }'; }
num_is() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 == b + 0) }'; }

cp "$(dirname "$0")/song.map" "$E2E_TMP/song.map"
"$RENDER_CLICK" "$E2E_TMP/song.map" "$E2E_TMP/map.wav" --sound beep >/dev/null \
	|| fail "render-click song.map failed"
VERSE=192000                                   # bar 3: 8 beats at 120
CHORUS=$(frame_at "$(awk 'BEGIN { print 4 + 9 * log(1.4) }')")   # bar 5

# --- 1. count-in with the click off, and on
# The chorus is 6/8 at 90: the count-in is one bar of it, six eighths of
# 16000 frames, accent first -- the click of the klick map "1 6/8 90".
printf '1 6/8 90\n' >"$E2E_TMP/countin.map"
"$RENDER_CLICK" "$E2E_TMP/countin.map" "$E2E_TMP/countin.wav" --sound beep >/dev/null \
	|| fail "render-click countin.map failed"
COUNT=96000
S="$E2E_TMP/session"
# 3 s of pre-record = 1 s of the stopped transport, then the count-in.
rec "$S" ci1 --tempo-map "$E2E_TMP/song.map" --no-click --start chorus \
	--count-in 1 --pre-record 3 --wait 2 --duration 2
start=$(json_get "$S/session.json" takes.0.start_frame)
len=$(json_get "$S/session.json" takes.0.length)
pre=$((CHORUS - start))
[ $((pre - 144000)) -ge -$PERIOD ] && [ $((pre - 144000)) -le $PERIOD ] \
	|| fail "3 s pre-record: take 1 starts at $start, $pre frames before the chorus ($CHORUS)"
[ "$len" = $((pre + 96000)) ] || fail "take 1: $len frames, want $pre of history + 96000"
expect_contains "$E2E_TMP/ci1" "take 001: 1 tracks, $len frames"
[ "$(json_get "$S/session.json" takes.0.xrun_markers.#)" = 0 ] || fail "take 1 had an xrun"
T1=$(take_wav "$S" 1)
# File frame of count-in frame 0: the history's last COUNT frames are
# the count-in, heard one period late.
ci=$((pre - COUNT + PERIOD))
n=$(nonzero "$T1" $((pre + PERIOD)) $((len - pre - PERIOD)))
[ "$n" = 0 ] || fail "--no-click: $n non-zero samples in the take after the count-in"
n=$(nonzero "$T1" 0 $ci)
[ "$n" = 0 ] || fail "$n non-zero samples before the count-in (the transport was stopped)"
# The whole file, sample for sample: silence, the count-in bar's clicks
# on their exact frames, silence (countin.wav reads as 0 outside itself).
diff_or_fail "$T1" 0 "$E2E_TMP/countin.wav" $((-ci)) "$len" \
	"--no-click: take 1 is not [silence, the count-in bar, silence]"
# The contrast: with --click the same count-in, then the chorus clicks.
rec "$S" ci2 --click --start chorus --count-in 1 --pre-record 3 --wait 2 --duration 2
start=$(json_get "$S/session.json" takes.1.start_frame)
len=$(json_get "$S/session.json" takes.1.length)
pre=$((CHORUS - start))
[ $((pre - 144000)) -ge -$PERIOD ] && [ $((pre - 144000)) -le $PERIOD ] \
	|| fail "take 2 starts at $start, $pre frames before the chorus"
[ "$(json_get "$S/session.json" takes.1.xrun_markers.#)" = 0 ] || fail "take 2 had an xrun"
T2=$(take_wav "$S" 2)
ci=$((pre - COUNT + PERIOD))
diff_or_fail "$T2" 0 "$E2E_TMP/countin.wav" $((-ci)) $((pre + PERIOD)) \
	"--click: the count-in in take 2's history differs"
diff_or_fail "$T2" $((pre + PERIOD)) "$E2E_TMP/map.wav" "$CHORUS" $((len - pre - PERIOD)) \
	"--click: take 2 after the count-in is not the chorus click"
echo "count-in: clicks with --no-click, silent take; with --click the take clicks"

# A silent count-in, when asked for (--count-in-click off, or the
# session's count_in_click: false) with the click off: the same take,
# the timeline held just as long, and not one sample of click anywhere.
Q="$E2E_TMP/silent"
silent_take() { # INDEX OUT ARGS...
	local i=$1 out=$2
	shift 2
	rec "$Q" "$out" --tempo-map "$E2E_TMP/song.map" --no-click --start chorus \
		--count-in 1 --pre-record 3 --wait 2 --duration 2 "$@"
	local st ln
	st=$(json_get "$Q/session.json" takes.$i.start_frame)
	ln=$(json_get "$Q/session.json" takes.$i.length)
	[ $((CHORUS - st - 144000)) -ge -$PERIOD ] && [ $((CHORUS - st - 144000)) -le $PERIOD ] \
		|| fail "$out: the take starts at $st: the count-in did not hold the chorus"
	[ "$ln" = $((CHORUS - st + 96000)) ] || fail "$out: $ln frames"
	n=$(nonzero "$(take_wav "$Q" $((i + 1)))" 0 "$ln")
	[ "$n" = 0 ] || fail "$out: $n non-zero samples in a silent count-in's take"
}
silent_take 0 sil1 --count-in-click off
[ "$(json_get "$Q/session.json" settings.count_in_click)" = true ] \
	|| fail "--count-in-click was saved in the session"
sed -i 's/"count_in_click": true/"count_in_click": false/' "$Q/session.json"
silent_take 1 sil2
# ... and a record that asks for it clicks again through that setting.
rec "$Q" sil3 --no-click --start chorus --count-in 1 --pre-record 3 --wait 2 \
	--duration 2 --count-in-click on
n=$(nonzero "$(take_wav "$Q" 3)" 0 "$(json_get "$Q/session.json" takes.2.length)")
[ "$n" -gt 0 ] || fail "--count-in-click on: the count-in is silent"
echo "count-in: silent when asked (flag, session setting), clicking when asked"

# --- 2. --click-level, this run only
db0=$(json_get "$S/session.json" settings.click_level_db)
rec "$S" lv0 --click --click-level 0 --start verse --duration 2
rec "$S" lv12 --click --click-level -12 --start verse --duration 2
for i in 2 3; do
	[ "$(json_get "$S/session.json" takes.$i.start_frame)" = $VERSE ] || fail "take $((i + 1)) not at the verse"
	[ "$(json_get "$S/session.json" takes.$i.xrun_markers.#)" = 0 ] || fail "take $((i + 1)) had an xrun"
done
click_take_matches_map "$S" 2 "$E2E_TMP/map.wav" $PERIOD     # 0 dB: unity
len=$(json_get "$S/session.json" takes.3.length)
[ "$len" = 96000 ] || fail "take 4: $len frames"
# Float rounding: click_out is raw * (float)gain, the reference is
# (float)(raw * gain in double): they differ by a few 1e-8 at most.
diff_or_fail "$(take_wav "$S" 4)" 0 "$(take_wav "$S" 3)" 0 "$len" 1e-6 \
	"$(awk 'BEGIN { printf "%.15g", 10 ^ (-12 / 20) }')" \
	"--click-level -12: take 4 is not take 3 at 10^(-12/20)"
num_is "$(json_get "$S/session.json" settings.click_level_db)" "$db0" \
	|| fail "--click-level was saved: click_level_db $(json_get "$S/session.json" settings.click_level_db), was $db0"
echo "click level: -12 dB is the 0 dB click times $(awk 'BEGIN { printf "%.6f", 10 ^ (-12 / 20) }')"

# --- 3. pre-roll rolls from two bars before the record point
# Record point: bar 5 (the chorus); two bars of pre-roll: the transport
# rolls from bar 3 (the verse, a 100-140 ramp in 3/4, X.x). 4 s of
# pre-record is longer than those bars: the history begins with the
# stopped transport.
rec "$S" pr --click --start 5 --pre-roll 2 --pre-record 4 --wait 4 --duration 1
start=$(json_get "$S/session.json" takes.4.start_frame)
len=$(json_get "$S/session.json" takes.4.length)
[ "$(json_get "$S/session.json" takes.4.xrun_markers.#)" = 0 ] || fail "take 5 had an xrun"
pre=$((CHORUS - start))
[ "$len" = $((pre + 48000)) ] || fail "take 5: $len frames, want $pre of history + 48000"
rolled=$((CHORUS - VERSE))
stopped=$((pre - rolled))
[ "$stopped" -gt 0 ] || fail "4 s of pre-record ($pre frames) do not reach back past the pre-roll ($rolled frames)"
T5=$(take_wav "$S" 5)
n=$(nonzero "$T5" 0 $((stopped + PERIOD)))
[ "$n" = 0 ] || fail "pre-roll: $n non-zero samples before bar 3 (it rolled from earlier than 2 bars)"
# From the frame the transport started: the click of bars 3, 4 and the
# take, continuously (an ignored pre-roll: silence here; any other
# start: a ramp's beats on other frames).
diff_or_fail "$T5" $((stopped + PERIOD)) "$E2E_TMP/map.wav" $VERSE $((len - stopped - PERIOD)) \
	"pre-roll: take 5's history is not the click of bars 3-4 rolling into bar 5"
echo "pre-roll: the transport rolled from bar 3 ($rolled frames before bar 5)"

# --- 4. the default map from --tempo and --meter
S4="$E2E_TMP/session4"
rec "$S4" dm --tempo 90 --meter 3/4 --click --start 3 --duration 3
[ ! -e "$S4/tempo.map" ] || fail "a tempo.map appeared in a session without a map"
# Bar 3 of 3/4 at 90 is 6 beats of 32000 frames in (4/4: 256000; 120
# bpm: 144000).
[ "$(json_get "$S4/session.json" takes.0.start_frame)" = 192000 ] \
	|| fail "bar 3 of 3/4 at 90 is at $(json_get "$S4/session.json" takes.0.start_frame), want 192000"
printf '16 3/4 90\n' >"$E2E_TMP/d90.map"
"$RENDER_CLICK" "$E2E_TMP/d90.map" "$E2E_TMP/d90.wav" --sound beep >/dev/null \
	|| fail "render-click d90.map failed"
click_take_matches_map "$S4" 0 "$E2E_TMP/d90.wav" $PERIOD
len=$(json_get "$S4/session.json" takes.0.length)
onsets "$(take_wav "$S4" 1)" >"$E2E_TMP/onsets"
# The beep's first sample is its peak: 0.5 accented, 0.35 normal.
awk -v p=$PERIOD -v len="$len" '
	{ a = $2 < 0 ? -$2 : $2
	  want = p + 32000 * n
	  if ($1 != want) { print "onset " n " at " $1 ", want " want; bad = 1 }
	  acc = n % 3 == 0
	  if (acc && a != 0.5 || !acc && (a < 0.349 || a > 0.351)) {
		print "onset " n " at " $1 ": first sample " $2 (acc ? ", want the accent 0.5" : ", want a normal beat 0.35"); bad = 1 }
	  n++ }
	END { if (n != int((len - p - 1) / 32000) + 1) { print n " onsets in " len " frames"; bad = 1 }
	      exit bad }' "$E2E_TMP/onsets" >"$E2E_TMP/onsets.bad" \
	|| fail "--tempo 90 --meter 3/4 click: $(cat "$E2E_TMP/onsets.bad")"
echo "default map: 90 bpm 3/4, $(wc -l <"$E2E_TMP/onsets") onsets on their frames"

# --- 5. bar|beat|tick and section over OSC while the scratch plays
start_source 1
S5="$E2E_TMP/session5"
OC=$OSC_CLIENT
P=$((20000 + ($(printf %s "$REDLIGHT" | cksum | cut -d' ' -f1) + 4321) % 10000))
osc() { oscsend 127.0.0.1 "$P" "$@" || fail "oscsend $*"; }
lines() { wc -l <"$1"; }
wait_after() { # FILE MARK TEXT SECONDS
	for _ in $(seq $(($4 * 10))); do
		tail -n +$(($2 + 1)) "$1" | grep -qF -- "$3" && return 0
		sleep 0.1
	done
	fail "timed out waiting for '$3' in $1 after line $2: $(tail -n +$(($2 + 1)) "$1" | tail -20)"
}
# 120 bpm throughout: a beat is 24000 frames.
cat >"$E2E_TMP/sections.map" <<'EOF'
intro:  2 4/4 120
verse:  2 3/4 120
chorus: 4 4/4 120
EOF
# The scratch: redlight-source's frame counter (channel 0, 24-bit codes,
# sim_source.h) from scratch frame 0, 12 s.
python3 - "$E2E_TMP/counter.wav" 576000 <<'PY' || fail "could not write the counter scratch"
import sys, wave
n = int(sys.argv[2])
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1); w.setsampwidth(3); w.setframerate(48000)
w.writeframes(b"".join((((i % (1 << 22)) - (1 << 21)) & 0xFFFFFF).to_bytes(3, "little")
                       for i in range(n)))
w.close()
PY
"$REDLIGHT" run "$S5" --headless --osc-port "$P" --client-name rlrun \
	--inputs 'redlight-source:' --tempo-map "$E2E_TMP/sections.map" \
	--scratch "$E2E_TMP/counter.wav" >"$E2E_TMP/run.out" 2>"$E2E_TMP/run.err" &
RUN_PID=$!
E2E_PIDS+=("$RUN_PID")
wait_for "$E2E_TMP/run.err" "OSC on UDP port $P" 20
[ -f "$S5/scratch.wav" ] || fail "the scratch was not imported"
FB="$E2E_TMP/fb.txt"
$OC watch 127.0.0.1 "$P" 30 --subscribe timeout=0 >"$FB" &
WATCH_PID=$!
E2E_PIDS+=("$WATCH_PID")
wait_after "$FB" 0 '/redlight/transport s "stopped"' 5
m=$(lines "$FB")
osc /redlight/locate/bar i 2
wait_after "$FB" "$m" '/redlight/frame h 96000' 3
m=$(lines "$FB")
osc /redlight/play
wait_after "$FB" "$m" '/redlight/transport s "rolling"' 3
sleep 0.5
# A second recorder captures scratch_out for a second, meanwhile.
mark_a=$(lines "$FB")
"$REDLIGHT" record --client-name rlcap --input rlrun:scratch_out --format float \
	--no-click --duration 1 "$E2E_TMP/cap" >"$E2E_TMP/cap.out" 2>"$E2E_TMP/cap.err" \
	|| fail "capturing scratch_out failed: $(cat "$E2E_TMP/cap.err")"
mark_b=$(lines "$FB")
wait_after "$FB" "$m" '/redlight/section s "chorus"' 8
sleep 0.5
m=$(lines "$FB")
osc /redlight/stop
wait_after "$FB" "$m" '/redlight/transport s "stopped"' 3
sleep 0.3
kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null

# The scratch (offset 0) played on scratch_out frame by frame, at the
# transport's position: the captured counter runs on without a break and
# started between the frames reported before and after the capture.
"$VERIFY_TAKE" --expect-tracks 1 --expect-frames 48000 "$E2E_TMP/cap/takes/001" \
	>"$E2E_TMP/cap.verify" 2>&1 || fail "scratch_out did not play the scratch frame by frame: $(tail -3 "$E2E_TMP/cap.verify")"
n0=$(sed -n 's/^verify-take: OK .*first_source_frame=\([0-9]*\).*/\1/p' "$E2E_TMP/cap.verify")
fa=$(head -n "$mark_a" "$FB" | sed -n 's|^/redlight/frame h ||p' | tail -1)
fb=$(tail -n +$((mark_b + 1)) "$FB" | sed -n 's|^/redlight/frame h ||p' | head -1)
[[ "$n0" =~ ^[0-9]+$ && "$fa" =~ ^[0-9]+$ && "$fb" =~ ^[0-9]+$ ]] || fail "no frames to compare the scratch with: n0=$n0 before=$fa after=$fb"
[ "$n0" -ge $((fa - PERIOD)) ] && [ $((n0 + 48000)) -le $((fb + PERIOD)) ] \
	|| fail "scratch frames $n0..$((n0 + 48000)) captured, transport at $fa before and $fb after"

grep '^/redlight/underruns i [1-9]' "$FB" && fail "the disk reader was late for the scratch"
# Each feedback update's frame with its bar|beat|tick and the section
# then (feedback sends what changed: bbt follows its frame in the update,
# the section is sent when it changes).
awk '
	/^\/redlight\/frame h / { if (have) print f, b, "[" s "]"; f = $3; have = 1 }
	/^\/redlight\/bbt s /   { b = $3; gsub(/"/, "", b) }
	/^\/redlight\/section s/ { s = $0; sub(/^[^"]*"/, "", s); sub(/"$/, "", s) }
	END { if (have) print f, b, "[" s "]" }' "$FB" >"$E2E_TMP/positions"
# bar|beat|tick and section of a frame of sections.map. The tick is
# floor(position in beats * 1920); where that is a whole number the
# float arithmetic may land one tick lower.
CHECK='
function check(f, got, sec,   g, bar, beat, d, bpb, name, tick, lo) {
	if (f < 192000) { g = f; bar = 1; bpb = 4; name = "intro" }
	else if (f < 336000) { g = f - 192000; bar = 3; bpb = 3; name = "verse" }
	else if (f < 720000) { g = f - 336000; bar = 5; bpb = 4; name = "chorus" }
	else { print "frame " f " is past the map"; return 1 }
	bar += int(g / (bpb * 24000))
	beat = 1 + int((g % (bpb * 24000)) / 24000)
	d = g % 24000
	tick = int(d * 2 / 25)
	lo = d * 2 % 25 == 0 && tick > 0 ? tick - 1 : tick
	split(got, p, "|")
	if (p[1] != bar || p[2] != beat || p[3] < lo || p[3] > tick || sec != "[" name "]") {
		print "frame " f ": shown " got " " sec ", the map says " bar "|" beat "|" tick " [" name "]"
		return 1
	}
	return 0
}'
awk "$CHECK"'
	{ bad += check($1, $2, $3)
	  if (NR > 1 && $1 < last) { print "frame went back: " last " -> " $1; bad++ }
	  last = $1
	  if ($3 != prev) { order = order " " $3; prev = $3 }
	  if ($1 > 96000) moving++ }
	END { print "sections:" order
	      if (order != " [intro] [verse] [chorus]") { print "sections not intro, verse, chorus in order"; bad++ }
	      if (moving < 20) { print moving " updates while rolling"; bad++ }
	      exit bad != 0 }' "$E2E_TMP/positions" >"$E2E_TMP/positions.check" \
	|| fail "position feedback disagrees with the map: $(head -20 "$E2E_TMP/positions.check")"
echo "while rolling: $(awk '$1 > 96000' "$E2E_TMP/positions" | wc -l) updates agree with the map, $(tail -1 "$E2E_TMP/positions.check")"
# Stopped: the query answers the same position.
q() { $OC send --expect "$1" 127.0.0.1 "$P" /redlight/query || fail "no $1 in the query answer"; }
qf=$(q /redlight/frame | sed -n 's|^/redlight/frame h ||p')
sleep 0.1
qb=$(q /redlight/bbt | sed -n 's|^/redlight/bbt s "\(.*\)"$|\1|p')
sleep 0.1
qs=$(q /redlight/section | sed -n 's|^/redlight/section s "\(.*\)"$|\1|p')
[ -n "$qf" ] && [ "$qf" -gt 336000 ] || fail "queried frame '$qf': not in the chorus"
awk -v f="$qf" -v b="$qb" -v s="[$qs]" "$CHECK"' BEGIN { exit check(f, b, s) }' >"$E2E_TMP/q.check" \
	|| fail "query: $(cat "$E2E_TMP/q.check")"
kill -TERM "$RUN_PID"
wait "$RUN_PID" || fail "the headless recorder exited $?: $(tail -5 "$E2E_TMP/run.err")"
grep -h "runtime error\|Sanitizer" "$E2E_TMP"/*.err && fail "sanitizer reports"
echo "ok"
