#!/usr/bin/env bash
# Splits and markers while recording, and takes of separate runs.
# 1. --split-at 1 --split-at 2 --duration 3: three takes that tile the
#    pass exactly. Each take's files are exact, take N+1 starts on the
#    timeline frame after take N's last (no gap, no overlap), the lengths
#    add up to the pass, and the frame counter proves the audio runs on
#    from one take into the next without a lost or repeated frame.
#    --marker-at 0.5=verse --marker-at 1.5 land in takes 1 and 2, within a
#    JACK period (plus the latency correction) of where they were set;
#    in a loop a marker goes to the pass recording then.
# 2. The same live: SIGUSR1 splits a running recorder, SIGUSR2 adds a
#    marker ("marker N"), once it says it is recording.
# 3. Three separate record runs into one session: three takes, each with
#    its number, start frame, length and one exact file per track.
. "$(dirname "$0")/lib.sh"
PERIOD=1024
RATE=48000
start_jackd $RATE $PERIOD
start_source 2

# take_line OUT N: the summary line of take N (verify_take_run wants one).
take_line() {
	grep "^take $(printf %03d "$2"): " "$1" >"$1.$2" || fail "no summary line for take $2 in $1: $(cat "$1")"
}
# first_source_frame: of the take verify_take_run checked last.
first_source_frame() {
	sed -n 's/^verify-take: OK .* first_source_frame=\([0-9]*\) .*/\1/p' "$E2E_TMP/verify.out"
}
# check_tiling SESSION OUT FIRST COUNT TOTAL: takes FIRST..FIRST+COUNT-1
# (indexes from 0 in session.json) follow each other without a gap or an
# overlap on the timeline and in the source's frames, and add up to TOTAL.
check_tiling() {
	local s=$1 out=$2 first=$3 count=$4 total=$5
	local j="$s/session.json" i n start len prev_end="" prev_src="" src sum=0
	for i in $(seq "$first" $((first + count - 1))); do
		n=$((i + 1))
		start=$(json_get "$j" takes.$i.start_frame)
		len=$(json_get "$j" takes.$i.length)
		[ "$(json_get "$j" takes.$i.number)" = $n ] || fail "take $n not at index $i"
		[ "$(json_get "$j" takes.$i.complete)" = true ] || fail "take $n not complete"
		[ "$(json_get "$j" takes.$i.files.#)" = 2 ] || fail "take $n: not one file per track"
		[ "$len" -gt 0 ] || fail "take $n is empty"
		expect_contains "$out" "take $(printf %03d $n): 2 tracks, $len frames"
		take_line "$out" $n
		local cont=()
		if [ -n "$prev_end" ]; then
			[ "$start" = "$prev_end" ] || fail "take $n starts at $start, take $((n - 1)) ended before $prev_end"
			cont=(--expect-first-source-frame "$prev_src")
		fi
		verify_take_run "$out.$n" "$s/takes/$(printf %03d $n)" --expect-tracks 2 \
			--expect-frames "$len" --expect-time-ref "$start" "${cont[@]}"
		src=$(first_source_frame)
		[ -n "$src" ] || fail "no first_source_frame for take $n: $(cat "$E2E_TMP/verify.out")"
		prev_end=$((start + len))
		prev_src=$((src + len))
		sum=$((sum + len))
	done
	[ "$sum" = "$total" ] || fail "takes $((first + 1))-$((first + count)) add up to $sum frames, the pass was $total"
}
# check_marker SESSION TAKE_INDEX MARKER_INDEX NAME EXPECTED: a marker of
# that name within a period (plus the latency correction) of EXPECTED,
# inside its take.
check_marker() {
	local j="$1/session.json" i=$2 k=$3 name=$4 want=$5 frame got corr start len
	got=$(json_get "$j" takes.$i.markers.$k.name) || fail "take $((i + 1)) has no marker $k"
	[ "$got" = "$name" ] || fail "marker $k of take $((i + 1)) is '$got', want '$name'"
	frame=$(json_get "$j" takes.$i.markers.$k.frame)
	corr=$(json_get "$j" takes.$i.latency_correction)
	start=$(json_get "$j" takes.$i.start_frame)
	len=$(json_get "$j" takes.$i.length)
	local d=$((frame - want))
	[ ${d#-} -le $((PERIOD + corr)) ] || fail "marker '$name' at $frame, want $want (+-$((PERIOD + corr)))"
	[ "$frame" -ge "$start" ] && [ "$frame" -lt $((start + len)) ] \
		|| fail "marker '$name' at $frame is outside take $((i + 1)) [$start, $((start + len)))"
}

# --- 1. timed splits and markers
S="$E2E_TMP/timed"
"$REDLIGHT" record --no-click --inputs 'redlight-source:' --duration 3 \
	--split-at 1 --split-at 2 --marker-at 0.5=verse --marker-at 1.5 "$S" \
	>"$E2E_TMP/out1" 2>"$E2E_TMP/err1" || fail "record failed: $(cat "$E2E_TMP/err1")"
grep -E "marker:|new take:" "$E2E_TMP/err1" && fail "record complained: $(cat "$E2E_TMP/err1")"
[ "$(json_get "$S/session.json" takes.#)" = 3 ] || fail "expected 3 takes: $(cat "$E2E_TMP/out1")"
[ "$(json_get "$S/session.json" takes.0.start_frame)" = 0 ] || fail "take 1 not at 0"
check_tiling "$S" "$E2E_TMP/out1" 0 3 $((3 * RATE))
# The splits are "now" when asked (the next cycle): near 1 s and 2 s.
for i in 1 2; do
	start=$(json_get "$S/session.json" takes.$i.start_frame)
	d=$((start - i * RATE))
	[ $d -ge 0 ] && [ $d -le $((RATE / 10)) ] || fail "split $i at frame $start, asked for $((i * RATE))"
done
[ -e "$S/trash/004" ] && fail "an unused take number was reserved"
[ "$(json_get "$S/session.json" takes.0.markers.#)" = 1 ] || fail "take 1: want one marker"
[ "$(json_get "$S/session.json" takes.1.markers.#)" = 1 ] || fail "take 2: want one marker"
[ "$(json_get "$S/session.json" takes.2.markers.#)" = 0 ] || fail "take 3: want no marker"
check_marker "$S" 0 0 verse $((RATE / 2))
check_marker "$S" 1 0 "marker 2" $((RATE * 3 / 2))
# Each is on the timeline too, on the same frame, with its take.
for k in 0 1; do
	[ "$(json_get "$S/session.json" markers.$k.frame)" = "$(json_get "$S/session.json" takes.$k.markers.0.frame)" ] \
		|| fail "timeline marker $k is not on its take's frame"
	[ "$(json_get "$S/session.json" markers.$k.take)" = $((k + 1)) ] || fail "timeline marker $k: take"
done
# One line per marker, with the frame that was saved.
expect_contains "$E2E_TMP/out1" "marker \"verse\": take 001, timeline frame $(json_get "$S/session.json" takes.0.markers.0.frame) "
expect_contains "$E2E_TMP/out1" "marker \"marker 2\": take 002, timeline frame $(json_get "$S/session.json" takes.1.markers.0.frame) "

# A marker in a loop belongs to the pass recording then, at that pass's
# timeline position (passes share the loop's frames).
S="$E2E_TMP/loop"
"$REDLIGHT" record --no-click --inputs 'redlight-source:' --loop 0f:48000f \
	--passes 3 --marker-at 1.5=second "$S" >"$E2E_TMP/outL" 2>"$E2E_TMP/errL" \
	|| fail "loop record failed: $(cat "$E2E_TMP/errL")"
for i in 0 1 2; do
	[ "$(json_get "$S/session.json" takes.$i.length)" = 48000 ] || fail "pass $((i + 1)) length"
	[ "$(json_get "$S/session.json" takes.$i.markers.#)" = $((i == 1)) ] || fail "pass $((i + 1)): markers"
done
check_marker "$S" 1 0 second $((RATE / 2))

# --- 2. SIGUSR1 splits, SIGUSR2 marks a running recorder
S="$E2E_TMP/signals"
"$REDLIGHT" record --no-click --inputs 'redlight-source:' --duration 4 "$S" \
	>"$E2E_TMP/out2" 2>"$E2E_TMP/err2" &
REC=$!
E2E_PIDS+=("$REC")
wait_for "$E2E_TMP/out2" "recording take 001" 20
sleep 1
kill -USR1 $REC
wait_for "$E2E_TMP/out2" "recording take 002" 5
sleep 0.5
kill -USR2 $REC
wait_for "$E2E_TMP/out2" 'marker "marker 1": take 002' 5
wait $REC || fail "record with signals failed: $(cat "$E2E_TMP/err2")"
grep -E "marker:|new take:" "$E2E_TMP/err2" && fail "record complained: $(cat "$E2E_TMP/err2")"
[ "$(json_get "$S/session.json" takes.#)" = 2 ] || fail "expected 2 takes: $(cat "$E2E_TMP/out2")"
check_tiling "$S" "$E2E_TMP/out2" 0 2 $((4 * RATE))
[ "$(json_get "$S/session.json" takes.0.markers.#)" = 0 ] || fail "take 1: want no marker"
[ "$(json_get "$S/session.json" takes.1.markers.#)" = 1 ] || fail "take 2: want one marker"
mframe=$(json_get "$S/session.json" takes.1.markers.0.frame)
expect_contains "$E2E_TMP/out2" "marker \"marker 1\": take 002, timeline frame $mframe "
check_marker "$S" 1 0 "marker 1" "$mframe"
# While nothing records (rolling, long before the punch-in) a split is
# refused and a marker marks the timeline alone; the recorder goes on.
"$REDLIGHT" record --no-click --inputs 'redlight-source:' --punch 1000s: \
	"$E2E_TMP/idle" >"$E2E_TMP/out3" 2>"$E2E_TMP/err3" &
REC=$!
E2E_PIDS+=("$REC")
sleep 1
kill -USR1 $REC
wait_for "$E2E_TMP/err3" "new take: a new take needs a take recording" 20
kill -USR2 $REC
wait_for "$E2E_TMP/out3" 'marker "marker 1": timeline frame' 5
kill -0 $REC 2>/dev/null || fail "the recorder did not go on: $(cat "$E2E_TMP/err3")"
kill -INT $REC
wait $REC || fail "record signalled while not recording failed: $(cat "$E2E_TMP/err3")"
expect_contains "$E2E_TMP/out3" "no take recorded"
[ "$(json_get "$E2E_TMP/idle/session.json" markers.0.name)" = "marker 1" ] \
	|| fail "the marker set while rolling is not on the timeline"
[ "$(json_get "$E2E_TMP/idle/session.json" markers.#)" = 1 ] || fail "want one timeline marker"

# --- 3. three separate runs, one session: three takes
S="$E2E_TMP/runs"
run=0
for spec in "0f 1 48000" "96000f 2 96000" "240000f 1.5 72000"; do
	set -- $spec
	run=$((run + 1))
	"$REDLIGHT" record --no-click --inputs 'redlight-source:' --start "$1" \
		--duration "$2" "$S" >"$E2E_TMP/run$run" 2>"$E2E_TMP/run$run.err" \
		|| fail "run $run failed: $(cat "$E2E_TMP/run$run.err")"
	n=$(printf %03d $run)
	expect_contains "$E2E_TMP/run$run" "take $n: 2 tracks, $3 frames"
	verify_take_run "$E2E_TMP/run$run" "$S/takes/$n" --expect-tracks 2 \
		--expect-frames "$3" --expect-time-ref "${1%f}"
	eval "sum$run=\$(cat \"\$S\"/takes/$n/*.wav | md5sum)"
done
J="$S/session.json"
[ "$(json_get "$J" takes.#)" = 3 ] || fail "expected 3 takes"
i=0
for spec in "0 48000" "96000 96000" "240000 72000"; do
	set -- $spec
	n=$((i + 1))
	[ "$(json_get "$J" takes.$i.number)" = $n ] || fail "take $n: number"
	[ "$(json_get "$J" takes.$i.start_frame)" = "$1" ] || fail "take $n: start frame $(json_get "$J" takes.$i.start_frame), want $1"
	[ "$(json_get "$J" takes.$i.length)" = "$2" ] || fail "take $n: length"
	[ "$(json_get "$J" takes.$i.complete)" = true ] || fail "take $n: not complete"
	[ "$(json_get "$J" takes.$i.files.#)" = 2 ] || fail "take $n: files"
	for k in 0 1; do
		[ "$(json_get "$J" takes.$i.files.$k.track)" = $((k + 1)) ] || fail "take $n file $k: track"
		[ "$(json_get "$J" takes.$i.files.$k.path)" = "takes/$(printf %03d $n)/0$((k + 1))-out_$((k + 1)).wav" ] \
			|| fail "take $n file $k: path $(json_get "$J" takes.$i.files.$k.path)"
	done
	[ "$(ls "$S/takes/$(printf %03d $n)" | wc -l)" = 2 ] || fail "take $n: not two files on disk"
	i=$((i + 1))
done
# Later runs leave earlier takes alone.
for run in 1 2 3; do
	eval "want=\$sum$run"
	[ "$(cat "$S"/takes/$(printf %03d $run)/*.wav | md5sum)" = "$want" ] || fail "take $run changed"
done
echo "ok"
