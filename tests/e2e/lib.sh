# SPDX-License-Identifier: GPL-3.0-or-later
# Shared harness of the end-to-end tests: a private dummy jackd per test,
# the project's own test source, and cleanup of everything on exit.
#
# Environment (set by tests/meson.build): REDLIGHT, REDLIGHT_SOURCE,
# VERIFY_TAKE, SLOW_WRITE_SO.
set -u

E2E_NAME=$(basename "$0" .sh)
E2E_TMP=$(mktemp -d "/tmp/redlight-e2e-$E2E_NAME.XXXXXX")
E2E_PIDS=()
E2E_MOUNTS=()
export JACK_NO_AUDIO_RESERVATION=1
# The shim and ASan both want to be first in line; the shim only wraps
# write(), so the order does not matter here.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0:detect_leaks=1"

e2e_cleanup() {
	local pid
	for pid in "${E2E_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	# A jackd that is SIGKILLed keeps its slot in JACK's server registry;
	# give everything time to exit properly first.
	for _ in $(seq 50); do
		local alive=0
		for pid in "${E2E_PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for pid in "${E2E_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for m in "${E2E_MOUNTS[@]}"; do
		umount "$m" 2>/dev/null
	done
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "kept $E2E_TMP"
	else
		rm -rf "$E2E_TMP"
	fi
}
trap e2e_cleanup EXIT

fail() {
	echo "FAIL [$E2E_NAME]: $*" >&2
	[ -f "$E2E_TMP/jackd.log" ] && { echo "--- jackd log"; tail -5 "$E2E_TMP/jackd.log"; } >&2
	exit 1
}

# start_jackd RATE PERIOD: private dummy server, exported as the default.
start_jackd() {
	local rate=$1 period=$2
	E2E_PERIOD=$period
	# jack2 has 8 server slots and frees a dead server's slot only when a
	# server of the same name starts: so one stable name per test and
	# build (a test that kills jackd -9 gets its slot back next run), and
	# different builds' suites may still run side by side.
	export JACK_DEFAULT_SERVER="rl-$E2E_NAME-$(printf %s "$REDLIGHT" | md5sum | cut -c1-6)"
	# jack2's registry has 8 slots, and a server that did not shut down
	# cleanly keeps its slot. All taken: with no jackd running at all
	# they are all dead and the registry can go (jack-reset); otherwise
	# another suite's servers run beside this one -- wait for one to end,
	# up to 60 s.
	local try
	for try in $(seq 60); do
		jackd -S -n "$JACK_DEFAULT_SERVER" -d dummy -r "$rate" -p "$period" \
			-C 0 -P 0 >"$E2E_TMP/jackd.log" 2>&1 &
		JACKD_PID=$!
		local up=0
		for _ in $(seq 100); do
			jack_lsp >/dev/null 2>&1 && { up=1; break; }
			kill -0 "$JACKD_PID" 2>/dev/null || break
			sleep 0.1
		done
		if [ $up = 1 ]; then
			E2E_PIDS+=("$JACKD_PID")
			return 0
		fi
		wait "$JACKD_PID" 2>/dev/null
		grep -q "Too many servers" "$E2E_TMP/jackd.log" || break
		if pgrep -x jackd >/dev/null; then
			sleep 1
		else
			"$(dirname "${BASH_SOURCE[0]}")/jack-reset"
		fi
	done
	kill -0 "$JACKD_PID" 2>/dev/null && { E2E_PIDS+=("$JACKD_PID"); fail "jackd did not come up"; }
	fail "jackd exited: $(cat "$E2E_TMP/jackd.log")"
}

# start_source CHANNELS [extra args]: the frame-counter source, ready when
# its ports exist.
# record_until_stopped SESSION: a headless take of every source port into
# SESSION, in the background until a signal ends it (the tests that kill
# the recorder or the server mid-take); REC is its pid, the summary goes
# to $E2E_TMP/out, errors to $E2E_TMP/err. Returns once the take's first
# samples are in its first file, so that the caller's sleep is recording
# time and not the recorder's start-up (slow under ASan on a busy host).
record_until_stopped() {
	"$REDLIGHT" record --inputs 'redlight-source:' "$1" >"$E2E_TMP/out" 2>"$E2E_TMP/err" &
	REC=$!
	E2E_PIDS+=("$REC")
	local f size
	for _ in $(seq 200); do
		f=$(ls "$1"/takes/001/01-*.wav 2>/dev/null | head -1)
		size=$( [ -n "$f" ] && stat -c %s "$f" 2>/dev/null || echo 0)
		[ "$size" -gt 4096 ] && return 0 # past any header
		kill -0 "$REC" 2>/dev/null || fail "recorder exited: $(cat "$E2E_TMP/err")"
		sleep 0.05
	done
	fail "no samples on disk 10 s after starting the recorder"
}

start_source() {
	local channels=$1
	shift
	rm -f "$E2E_TMP/source.ready"
	"$REDLIGHT_SOURCE" --channels "$channels" --ready-file "$E2E_TMP/source.ready" \
		"$@" >"$E2E_TMP/source.log" 2>&1 &
	SOURCE_PID=$!
	E2E_PIDS+=("$SOURCE_PID")
	for _ in $(seq 100); do
		[ -f "$E2E_TMP/source.ready" ] && return 0
		kill -0 "$SOURCE_PID" 2>/dev/null || fail "source exited: $(cat "$E2E_TMP/source.log")"
		sleep 0.1
	done
	fail "source did not come up"
}

# expect_contains FILE TEXT
expect_contains() {
	grep -qF -- "$2" "$1" || fail "expected '$2' in $1, got: $(cat "$1")"
}

# json_get FILE PATH: one value of a JSON file (tests/tools/json_get.c).
json_get() {
	"$JSON_GET" "$1" "$2"
}

# wait_for FILE TEXT SECONDS
wait_for() {
	local file=$1 text=$2 secs=$3
	for _ in $(seq $((secs * 10))); do
		grep -qF -- "$text" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "timed out waiting for '$text' in $file: $(cat "$file" 2>/dev/null)"
}

# verify_take_run SUMMARY_FILE TAKE_DIR [verify-take args]: check a take
# against its summary line and session.json.
# - Every frame must be exact, except: where JACK reported an xrun the
#   recorder writes an xrun marker, and only there (or up to one period
#   before or after it, see doc/architecture.md) may the source's counter jump (the audio is
#   kept as it arrived, see engine_mark_xrun()).
# - Dropped frames (a ring that overflowed) are allowed only where the test
#   provokes them (ALLOW_DROPS=1); then the silence padded into the files
#   must be exactly the frames reported dropped, and the counter must
#   resume exactly after each gap: nothing lost silently, alignment kept.
verify_take_run() {
	local summary=$1 dir=$2
	shift 2
	local dropped xruns padded session number args=() n i start
	dropped=$(sed -n 's/.* \([0-9]*\) dropped frames.*/\1/p' "$summary")
	xruns=$(sed -n 's/.* \([0-9]*\) xruns.*/\1/p' "$summary")
	[ -n "$dropped" ] && [ -n "$xruns" ] || fail "no summary line in $summary: $(cat "$summary")"
	session="$dir/../../session.json"
	number=$((10#$(basename "$dir")))
	i=$((number - 1))
	[ "$(json_get "$session" "takes.$i.number")" = "$number" ] || fail "take $number not at index $i"
	start=$(json_get "$session" "takes.$i.start_frame")
	n=$(json_get "$session" "takes.$i.xrun_markers.#")
	for k in $(seq 0 $((n - 1))); do
		args+=(--jump-at $(( $(json_get "$session" "takes.$i.xrun_markers.$k.frame") - start )))
	done
	# A marker is where redlight saw JACK's clock jump; in a late cycle
	# the source's audio can jump a cycle later or earlier.
	args+=(--jump-slack "${E2E_PERIOD:-0}")
	if [ "$dropped" != 0 ]; then
		[ "${ALLOW_DROPS:-0}" = 1 ] || fail "$dropped frames dropped: $(cat "$summary")"
		args+=(--allow-dropped)
	fi
	"$VERIFY_TAKE" "${args[@]}" "$@" "$dir" >"$E2E_TMP/verify.out" 2>&1 \
		|| fail "take not exact: $(tail -3 "$E2E_TMP/verify.out")"
	if [ "$dropped" != 0 ]; then
		padded=$(sed -n 's/^verify-take: OK .*padded_frames=\([0-9]*\)$/\1/p' "$E2E_TMP/verify.out")
		[ "$padded" = "$dropped" ] || fail "padded $padded frames but reported $dropped dropped"
	fi
	[ "$n" = 0 ] || echo "note: $xruns xruns, $n xrun markers in take $number"
	return 0
}

# click_take_matches_map SESSION INDEX MAP_WAV DELAY: take INDEX (from 0)
# of SESSION recorded redlight's own click; its audio must equal, sample
# for sample, the map's click (render-click output) at the take's timeline
# frames, DELAY frames late (a JACK self-connection delivers one period
# later). A take with an xrun cannot be compared exactly: fail clearly.
click_take_matches_map() {
	local session=$1 i=$2 map=$3 delay=$4 start length markers
	start=$(json_get "$session/session.json" "takes.$i.start_frame")
	length=$(json_get "$session/session.json" "takes.$i.length")
	markers=$(json_get "$session/session.json" "takes.$i.xrun_markers.#")
	[ "$markers" = 0 ] || fail "take $((i + 1)) had an xrun; its click cannot be compared exactly"
	"$WAV_DIFF" "$(ls "$session"/takes/$(printf %03d $((i + 1)))/*.wav)" "$delay" \
		"$map" "$start" $((length - delay)) >"$E2E_TMP/diff.out" 2>&1 \
		|| fail "take $((i + 1)) click differs from the map: $(cat "$E2E_TMP/diff.out")"
}

# hold_session SESSION INPUTS NNN: a background `redlight record` of the
# ports matching INPUTS holds SESSION while it records take NNN (pid in
# HOLD_PID). Where the recorder does not lock the session itself, a lock
# file in its name stands in. release_session stops it and checks it
# ended well.
hold_session() {
	local session=$1 inputs=$2 take=$3
	"$REDLIGHT" record --inputs "$inputs" "$session" >"$E2E_TMP/bg.out" 2>"$E2E_TMP/bg.err" &
	HOLD_PID=$!
	HOLD_SESSION=$session
	HOLD_FAKE_LOCK=0
	E2E_PIDS+=("$HOLD_PID")
	for _ in $(seq 100); do
		[ -d "$session/takes/$take" ] && break
		sleep 0.1
	done
	[ -d "$session/takes/$take" ] || fail "background record did not start: $(cat "$E2E_TMP/bg.err")"
	if [ ! -e "$session/.redlight.lock" ]; then
		echo "$HOLD_PID $(hostname) 2026-11-22T00:00:00+0000 record" >"$session/.redlight.lock"
		HOLD_FAKE_LOCK=1
	fi
}
release_session() {
	kill -INT "$HOLD_PID"
	wait "$HOLD_PID" || fail "background record failed: $(cat "$E2E_TMP/bg.err")"
	if [ "$HOLD_FAKE_LOCK" = 1 ]; then
		rm -f "$HOLD_SESSION/.redlight.lock"
	fi
}
