#!/usr/bin/env bash
# OSC remote control, end to end: the headless recorder on a private
# dummy jackd, driven by real OSC clients (oscsend from liblo-tools and
# tests/tools/osc_client.c, a liblo client like a tablet app's).
# - a taken port is a clear error;
# - arming by number and by name, in our, Ardour's and REAPER's paths;
# - record/stop from OSC in all three dialects: every take verified
#   frame by frame (verify-take), markers and take edits saved;
# - feedback after /redlight/subscribe and /set_surface, stopping after
#   unsubscribe, expiring when pings go unanswered or the port closes;
# - malformed messages (wrong types and counts, unknown paths, out of
#   range tracks and takes, garbage bytes, broken bundles, oversized
#   packets) leave the recorder running and unchanged, logged at most a
#   line a second;
# - a flood of ~10000 packets a second during a take: zero dropped frames;
# - bind address, allow-list and read-only role.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 4
S="$E2E_TMP/session"
J="$S/session.json"
LOG="$S/redlight.log"
OC=$OSC_CLIENT
# A port of this test and this build (suites of other builds may run
# beside this one, each with its own jackd), below Linux's ephemeral
# ports (32768-) and above liblo's random ones (10000-19999).
P=$((20000 + $(printf %s "$REDLIGHT" | cksum | cut -d' ' -f1) % 10000))
P2=$((P + 1))

osc() { oscsend 127.0.0.1 "$P" "$@" || fail "oscsend $*"; }

# Lines of FILE after line MARK; wait_after FILE MARK TEXT SECONDS.
after() { tail -n +$(($2 + 1)) "$1"; }
lines() { wc -l <"$1"; }
wait_after() {
	local file=$1 mark=$2 text=$3 secs=$4
	for _ in $(seq $((secs * 10))); do
		after "$file" "$mark" | grep -qF -- "$text" && return 0
		sleep 0.1
	done
	fail "timed out waiting for '$text' in $file after line $mark: $(after "$file" "$mark" | grep -v 'time\|frame\|bbt\|meter\|disk\|ping' | tail -20)"
}

# The take (from 1) is finished and saved.
wait_take() {
	local i=$(($1 - 1))
	for _ in $(seq 100); do
		[ "$(json_get "$J" "takes.$i.complete" 2>/dev/null)" = true ] && return 0
		sleep 0.1
	done
	fail "take $1 was not finished: $(cat "$E2E_TMP/rec.err")"
}

# verify_take_run wants a summary line; the headless recorder's report
# of a take is its entry in session.json.
verify() { # verify TAKE TRACKS
	local i=$(($1 - 1))
	echo "take $1: $(json_get "$J" "takes.$i.dropped_frames") dropped frames, $(json_get "$J" "takes.$i.xruns") xruns" \
		>"$E2E_TMP/summary"
	verify_take_run "$E2E_TMP/summary" "$S/takes/$(printf %03d "$1")" --expect-tracks "$2"
}

RUNS=0
start_recorder() { # start_recorder EXTRA_ARGS...
	RUNS=$((RUNS + 1))
	[ -f "$E2E_TMP/rec.err" ] && mv "$E2E_TMP/rec.err" "$E2E_TMP/rec-$RUNS.err"
	"$REDLIGHT" "$S" --headless --osc-port "$P" --inputs 'redlight-source:' "$@" \
		>"$E2E_TMP/rec.out" 2>"$E2E_TMP/rec.err" &
	REC_PID=$!
	E2E_PIDS+=("$REC_PID")
	for _ in $(seq 200); do
		grep -qF "OSC on UDP port $P" "$E2E_TMP/rec.err" && return 0
		kill -0 "$REC_PID" 2>/dev/null || fail "recorder exited: $(cat "$E2E_TMP/rec.err")"
		sleep 0.1
	done
	fail "recorder did not start: $(cat "$E2E_TMP/rec.err")"
}

stop_recorder() {
	kill -TERM "$REC_PID"
	wait "$REC_PID" || fail "recorder exited $?: $(cat "$E2E_TMP/rec.err")"
}

num_is() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 == b + 0) }'; }
alive() { kill -0 "$REC_PID" 2>/dev/null || fail "recorder died: $(tail -5 "$E2E_TMP/rec.err")"; }

# --- a taken port is a clear error, and nothing else happens
oscdump "$P2" >/dev/null 2>&1 &
E2E_PIDS+=($!)
sleep 0.3
"$REDLIGHT" "$E2E_TMP/other" --headless --osc-port "$P2" --inputs 'redlight-source:' \
	>"$E2E_TMP/taken.out" 2>"$E2E_TMP/taken.err"
rc=$?
[ "$rc" = 1 ] || fail "a taken port exited $rc: $(cat "$E2E_TMP/taken.err")"
expect_contains "$E2E_TMP/taken.err" "UDP port $P2 is already in use"
[ -d "$E2E_TMP/other/takes/001" ] && fail "a take was started"

# A scratch track (a second of silence): /redlight/cue/scratch sets its
# level below, and the action refuses that in a session without one.
python3 - "$E2E_TMP/scratch.wav" <<'PY' || fail "could not write the scratch"
import sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(48000)
w.writeframes(b"\0\0" * 48000)
w.close()
PY
start_recorder --tempo-map "$(dirname "$0")/song.map" --scratch "$E2E_TMP/scratch.wav"
FA="$E2E_TMP/fb-redlight.txt"
$OC watch 127.0.0.1 "$P" 300 --subscribe meters >"$FA" &
E2E_PIDS+=($!)
wait_after "$FA" 0 '/redlight/tracks i 4' 5
wait_after "$FA" 0 '/redlight/transport s "stopped"' 1
wait_after "$FA" 0 '/redlight/track/1/name s "out_1"' 1
wait_after "$FA" 0 '/redlight/track/1/meter f' 1

# --- questions: ping and the whole state
$OC rtt 127.0.0.1 "$P" 50 ping >"$E2E_TMP/rtt" || fail "ping: $(cat "$E2E_TMP/rtt")"
$OC rtt 127.0.0.1 "$P" 3 query >"$E2E_TMP/rtt" || fail "query: $(cat "$E2E_TMP/rtt")"
$OC send --expect /redlight/pong 127.0.0.1 "$P" /redlight/ping i:42 s:hello >"$E2E_TMP/pong" \
	|| fail "no pong"
expect_contains "$E2E_TMP/pong" '/redlight/pong is 42 "hello"'

# --- arming: by number and by name, our paths, Ardour's, REAPER's
m=$(lines "$FA")
osc /redlight/track/arm ii 3 0
wait_after "$FA" "$m" '/redlight/track/3/armed i 0' 3
osc /redlight/track/out_4/arm i 0
wait_after "$FA" "$m" '/redlight/track/4/armed i 0' 3
m=$(lines "$FA")
osc /redlight/track/arm s out_4            # no switch: toggles
wait_after "$FA" "$m" '/redlight/track/4/armed i 1' 3
m=$(lines "$FA")
osc /strip/recenable ii 4 0                # Ardour: ssid yn
wait_after "$FA" "$m" '/redlight/track/4/armed i 0' 3
m=$(lines "$FA")
osc /track/4/recarm f 1.0                  # REAPER: a TouchOSC float
wait_after "$FA" "$m" '/redlight/track/4/armed i 1' 3
m=$(lines "$FA")
osc /track/2/recarm/toggle
wait_after "$FA" "$m" '/redlight/track/2/armed i 0' 3
m=$(lines "$FA")
osc /strip/recenable/2 f 1.0               # Ardour, ssid in the path
wait_after "$FA" "$m" '/redlight/track/2/armed i 1' 3
wait_after "$FA" 0 '/redlight/armed i 3' 3
m=$(lines "$FA")
osc /redlight/arm/all                      # the UI's A: arms the rest
wait_after "$FA" "$m" '/redlight/track/3/armed i 1' 3
osc /redlight/arm/all i 0
wait_after "$FA" "$m" '/redlight/armed i 0' 3
osc /redlight/arm/all i 1
wait_after "$FA" "$m" '/redlight/armed i 4' 3
m=$(lines "$FA")
osc /redlight/track/arm ii 3 0
wait_after "$FA" "$m" '/redlight/armed i 3' 3

# --- record and stop, our paths; a marker while recording
m=$(lines "$FA")
osc /redlight/record
wait_after "$FA" "$m" '/redlight/recording i 1' 5
wait_after "$FA" "$m" '/redlight/take i 1' 1
wait_after "$FA" "$m" '/redlight/transport s "recording"' 1
sleep 1
osc /redlight/marker s verse
sleep 0.5
osc /redlight/stop
wait_take 1
wait_after "$FA" "$m" '/redlight/take/last i 1' 3
verify 1 3
for f in 01-out_1 02-out_2 04-out_4; do
	[ -f "$S/takes/001/$f.wav" ] || fail "take 1 has no $f.wav: $(ls "$S/takes/001")"
done
[ -e "$S/takes/001/03-out_3.wav" ] && fail "take 1 recorded the disarmed track 3"
[ "$(json_get "$J" takes.0.markers.0.name)" = verse ] || fail "marker: $(json_get "$J" takes.0.markers.#)"

# --- Ardour: a surface with master, strip and bar|beat feedback
FB="$E2E_TMP/fb-ardour.txt"
$OC watch 127.0.0.1 "$P" 300 --ardour 49 >"$FB" &
E2E_PIDS+=($!)
wait_after "$FB" 0 '/transport_stop i 1' 5
wait_after "$FB" 0 '/strip/name is 1 "out_1"' 1
wait_after "$FB" 0 '/strip/recenable if 3 0' 1
wait_after "$FB" 0 '/position/bbt s "001|0' 1
grep -q '^/redlight/' "$FB" && fail "an Ardour surface got redlight's paths"
# Ardour's record button is record-ready: play records (record_ready.sh
# tests it in full).
m=$(lines "$FA"); mb=$(lines "$FB")
osc /rec_enable_toggle
wait_after "$FB" "$mb" '/rec_enable_toggle i 1' 3
osc /transport_play
wait_after "$FA" "$m" '/redlight/recording i 1' 5
wait_after "$FB" "$mb" '/record_tally i 1' 2
wait_after "$FB" "$mb" '/transport_play i 1' 1
osc /rec_enable_toggle f 0.0               # the button's release: ignored
osc /transport_play f 0.0
sleep 0.6
after "$FA" "$m" | grep -qF '/redlight/recording i 0' && fail "a button release stopped the take"
osc /add_marker
sleep 0.5
osc /transport_stop
wait_take 2
wait_after "$FB" "$mb" '/record_tally i 0' 3
verify 2 3
osc /rec_enable_toggle                     # record-ready off again
wait_after "$FB" "$mb" '/rec_enable_toggle i 0' 3
[ "$(json_get "$J" takes.1.markers.#)" = 1 ] || fail "Ardour /add_marker: no marker in take 2"
m=$(lines "$FA")
osc /toggle_roll
wait_after "$FA" "$m" '/redlight/transport s "rolling"' 3
sleep 0.3
osc /toggle_roll
wait_after "$FA" "$m" '/redlight/transport s "stopped"' 3
m=$(lines "$FA")
osc /goto_start
wait_after "$FA" "$m" '/redlight/time s "00:00:00.000"' 3
$OC send --expect /record_enabled 127.0.0.1 "$P" /record_enabled >"$E2E_TMP/re" || fail "/record_enabled"
expect_contains "$E2E_TMP/re" '/record_enabled i 0'

# --- REAPER: its names, and its feedback after subscribing with "reaper"
FC="$E2E_TMP/fb-reaper.txt"
$OC watch 127.0.0.1 "$P" 300 --subscribe reaper,timeout=0 >"$FC" &
E2E_PIDS+=($!)
wait_after "$FC" 0 '/track/1/name s "out_1"' 5
wait_after "$FC" 0 '/stop f 1' 1
wait_after "$FC" 0 '/track/3/recarm f 0' 1
grep -q '^/redlight/track' "$FC" && fail "a REAPER client got redlight's track paths"
m=$(lines "$FA"); mc=$(lines "$FC")
osc /record
wait_after "$FA" "$m" '/redlight/recording i 1' 5
wait_after "$FC" "$mc" '/record f 1' 2
sleep 1
osc /stop f 1.0
wait_take 3
wait_after "$FC" "$mc" '/record f 0' 3
verify 3 3
m=$(lines "$FA"); mc=$(lines "$FC")
osc /play f 0.0                            # release: nothing
sleep 0.4
after "$FA" "$m" | grep -qF 'transport s "rolling"' && fail "/play 0 rolled"
osc /play f 1.0
wait_after "$FC" "$mc" '/play f 1' 3
wait_after "$FC" "$mc" '/beat/str s' 1
osc /stop
wait_after "$FC" "$mc" '/stop f 1' 3
m=$(lines "$FA")
osc /time f 2.0
wait_after "$FA" "$m" '/redlight/frame h 96000' 3
m=$(lines "$FA")
osc /action/40042                          # REAPER: go to start
wait_after "$FA" "$m" '/redlight/frame h 0' 3

# --- feedback comes in bundles no bigger than a Wi-Fi datagram (or one
# message a datagram with "single"), each bundle well formed
python3 - "$P" <<'PY' || fail "feedback datagrams"
import socket, struct, sys, time
def osc(path, *strings):
    def pad(b): return b + b"\0" * (4 - len(b) % 4)
    return pad(path.encode()) + pad(b"," + b"s" * len(strings)) + \
        b"".join(pad(x.encode()) for x in strings)
def walk(d):
    if d.startswith(b"#bundle\0"):
        at, n = 16, 0
        while at < len(d):
            size, = struct.unpack(">I", d[at:at + 4]); at += 4
            assert size % 4 == 0 and at + size <= len(d), "bad element"
            n += walk(d[at:at + size]); at += size
        return n
    assert d[:1] == b"/", d[:16]
    return 1
for opts, bundles in (("meters", True), ("meters,single", False)):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0)); s.settimeout(0.3)
    s.sendto(osc("/redlight/subscribe", opts), ("127.0.0.1", int(sys.argv[1])))
    sizes, msgs, end = [], 0, time.time() + 1.0
    while time.time() < end:
        try: d = s.recv(65536)
        except socket.timeout: continue
        sizes.append(len(d)); msgs += walk(d)
        assert d.startswith(b"#bundle") == (bundles and walk(d) > 1) or not bundles
    s.sendto(osc("/redlight/unsubscribe"), ("127.0.0.1", int(sys.argv[1])))
    assert msgs > 30, (opts, msgs)
    assert max(sizes) <= 1400, (opts, max(sizes))
    if bundles: assert len(sizes) < msgs / 4, (len(sizes), msgs)
    else: assert len(sizes) == msgs, (len(sizes), msgs)
    print(opts, len(sizes), "datagrams,", msgs, "messages")
PY

# --- the rest of our address space: locate, loop, click, takes, cue
m=$(lines "$FA")
osc /redlight/locate s 3
wait_after "$FA" "$m" '/redlight/bbt s "3|1|0"' 3
osc /redlight/locate/bar i 2
wait_after "$FA" "$m" '/redlight/bbt s "2|1|0"' 3
osc /redlight/locate/jump i 2
wait_after "$FA" "$m" '/redlight/bbt s "4|1|0"' 3
osc /redlight/locate h 48000
wait_after "$FA" "$m" '/redlight/frame h 48000' 3
osc /redlight/locate/start
wait_after "$FA" "$m" '/redlight/frame h 0' 3
# Sections of the song map: by name, next, previous; a punch-in at the
# verse and out at the chorus records exactly that stretch.
m=$(lines "$FA")
osc /redlight/locate/section s chorus
wait_after "$FA" "$m" '/redlight/section s "chorus"' 3
chorus=$(after "$FA" "$m" | sed -n 's|^/redlight/frame h ||p' | tail -1)
m=$(lines "$FA")
osc /redlight/locate/section/prev
wait_after "$FA" "$m" '/redlight/section s "verse"' 3
wait_after "$FA" "$m" '/redlight/bbt s "3|1|0"' 1
verse=$(after "$FA" "$m" | sed -n 's|^/redlight/frame h ||p' | tail -1)
m=$(lines "$FA")
osc /redlight/locate/section/next
wait_after "$FA" "$m" '/redlight/bbt s "5|1|0"' 3
[ "$verse" -gt 0 ] && [ "$chorus" -gt "$verse" ] || fail "section frames: verse $verse chorus $chorus"
osc /redlight/locate/bar i 2
m=$(lines "$FA")
osc /redlight/record/punch ss verse chorus
wait_after "$FA" "$m" '/redlight/recording i 1' 6
wait_after "$FA" "$m" '/redlight/recording i 0' 10
osc /redlight/stop
wait_take 4
[ "$(json_get "$J" takes.3.start_frame)" = "$verse" ] || fail "punch-in at $(json_get "$J" takes.3.start_frame), not the verse ($verse)"
[ "$(json_get "$J" takes.3.length)" = $((chorus - verse)) ] || fail "punch length $(json_get "$J" takes.3.length), not $((chorus - verse))"
verify 4 3

m=$(lines "$FA")
osc /redlight/loop iss 1 1 2
wait_after "$FA" "$m" '/redlight/loop i 1' 3
osc /redlight/loop i 0
wait_after "$FA" "$m" '/redlight/loop i 0' 3
m=$(lines "$FA")
osc /redlight/loop i 1                     # off kept the range: loops it again
wait_after "$FA" "$m" '/redlight/loop i 1' 3
osc /redlight/loop i 0
wait_after "$FA" "$m" '/redlight/loop i 0' 3
m=$(lines "$FA")
osc /redlight/click i 0
wait_after "$FA" "$m" '/redlight/click i 0' 3
m=$(lines "$FA")
osc /redlight/click                        # toggles
wait_after "$FA" "$m" '/redlight/click i 1' 3
osc /redlight/take/rate ii 1 4
osc /redlight/take/note is 0 "best so far"   # 0: the last take
osc /redlight/take/keep is 2 out_1
osc /redlight/track/1/cue f -3
osc /redlight/cue/scratch f -6
osc /redlight/track/monitor iif 2 1 -10
sleep 1.5
[ "$(json_get "$J" takes.0.rating)" = 4 ] || fail "rate: $(json_get "$J" takes.0.rating)"
[ "$(json_get "$J" takes.3.note)" = "best so far" ] || fail "note of the last take: $(json_get "$J" takes.3.note)"
[ "$(json_get "$J" takes.1.files.0.keeper)" = true ] || fail "keep 2 out_1"
num_is "$(json_get "$J" tracks.0.cue_db)" -3 || fail "track 1 cue: $(json_get "$J" tracks.0.cue_db)"
num_is "$(json_get "$J" settings.cue_scratch_db)" -6 || fail "scratch cue: $(json_get "$J" settings.cue_scratch_db)"
[ "$(json_get "$J" tracks.1.monitor)" = true ] || fail "monitor track 2"
num_is "$(json_get "$J" tracks.1.monitor_db)" -10 || fail "monitor level track 2: $(json_get "$J" tracks.1.monitor_db)"
osc /redlight/track/monitor ii 2 0
osc /redlight/meters/reset
grep "osc: " "$LOG" | grep -v "subscribed\|ended" | grep -q . &&
	fail "well-formed commands were refused: $(grep 'osc: ' "$LOG" | grep -v 'subscribed\|ended')"
osc /redlight/take/discard i 3
sleep 0.5
[ -d "$S/trash/003" ] || fail "discard 3: no trash/003"
osc /redlight/take/restore i 3
sleep 0.5
[ -d "$S/takes/003" ] || fail "restore 3: no takes/003"

# --- feedback stops after unsubscribe (rolling: there is news all along)
FD="$E2E_TMP/fb-unsub.txt"
$OC watch 127.0.0.1 "$P" 4 --subscribe "" --unsubscribe-after 1.5 >"$FD" &
WD=$!
sleep 0.3
osc /redlight/play
wait "$WD"
osc /redlight/stop
sed '/^# unsubscribed/q' "$FD" | grep -q '^/redlight/time' || fail "no feedback while subscribed: $(head "$FD")"
late=$(sed '1,/^# unsubscribed/d' "$FD" | grep -c '^/redlight/time')
[ "$late" -le 1 ] || fail "$late time updates after unsubscribing"
wait_for "$LOG" "(unsubscribed)" 3

# --- subscriptions expire: unanswered pings, a closed port
$OC watch 127.0.0.1 "$P" 4 --subscribe timeout=1 --no-pong >"$E2E_TMP/fb-nopong.txt" &
WE=$!
$OC watch 127.0.0.1 "$P" 4 --subscribe timeout=1 >"$E2E_TMP/fb-pong.txt" &
WF=$!
sleep 0.3
pong_port=$(sed -n 's/^# listening on //p' "$E2E_TMP/fb-pong.txt")
wait_for "$LOG" "stopped answering pings" 4
wait "$WE" "$WF"
[ "$(grep -c "^/redlight/ping" "$E2E_TMP/fb-pong.txt")" -ge 5 ] || fail "the client answering pings was not pinged along: $(grep -c ping "$E2E_TMP/fb-pong.txt")"
grep "stopped answering" "$LOG" | grep -q ":$pong_port " && fail "the client that answered pings expired"
$OC watch 127.0.0.1 "$P" 0.5 --subscribe timeout=0 >/dev/null
osc /redlight/play                         # feedback to a closed port
wait_for "$LOG" "(its port is closed)" 4
osc /redlight/stop
sleep 0.5

# --- malformed input: logged, rate-limited, and nothing changes
alive
sleep 1.2
sum_before=$(md5sum <"$J")
takes_before=$(json_get "$J" takes.#)
log_before=$(lines "$LOG")
m=$(lines "$FA")
osc /redlight/nope
osc /nope i 1
osc /redlight/take/rate ss x y
osc /redlight/locate/bar s x
osc /redlight/track/arm ff 1.5 1
osc /redlight/take/rate i 1
osc /redlight/loop
osc /redlight/track/arm ii 99 1
osc /strip/recenable ii 0 1
osc /track/99/recarm i 1
osc /redlight/track/nosuch/arm i 0
osc /redlight/take/rate ii 99 3
osc /redlight/take/rate ii 1 7
osc /redlight/cue/scratch f 9
osc /redlight/record f 0.5
osc /redlight/record s now
osc /redlight/play ii 1 1
osc /redlight/track/3/arm i 2
osc /set_surface s x
printf '\x00\x01garbage bytes, not OSC at all' >"/dev/udp/127.0.0.1/$P"
printf '/redlight/record' >"/dev/udp/127.0.0.1/$P"
$OC garbage 127.0.0.1 "$P" >/dev/null
$OC send 127.0.0.1 "$P" '/redlight/track/*/arm' i:1
sleep 1.5
alive
[ "$(md5sum <"$J")" = "$sum_before" ] || fail "bad input changed session.json"
[ "$(json_get "$J" takes.#)" = "$takes_before" ] || fail "bad input made a take"
after "$FA" "$m" | grep -E '/armed |/redlight/transport |/redlight/loop |/redlight/click ' \
	&& fail "bad input changed the recorder's state"
bad_lines=$(after "$LOG" "$log_before" | grep -c 'osc: ')
[ "$bad_lines" -ge 2 ] && [ "$bad_lines" -le 6 ] || fail "$bad_lines log lines for ~30 bad packets in ~0.5 s (want 2-6): $(after "$LOG" "$log_before")"
after "$LOG" "$log_before" | grep -q "more bad messages ignored" || fail "no count of the suppressed lines: $(after "$LOG" "$log_before")"
$OC rtt 127.0.0.1 "$P" 20 ping >"$E2E_TMP/rtt" || fail "ping after bad input: $(cat "$E2E_TMP/rtt")"

# --- a flood during a take: nothing reaches the recording
m=$(lines "$FA")
log_before=$(lines "$LOG")
osc /redlight/record
wait_after "$FA" "$m" '/redlight/recording i 1' 5
$OC flood 127.0.0.1 "$P" 6 5000 >"$E2E_TMP/flood1" &
F1=$!
$OC flood 127.0.0.1 "$P" 6 5000 >"$E2E_TMP/flood2" &
F2=$!
wait "$F1" "$F2" || fail "flood client failed"
alive
$OC rtt 127.0.0.1 "$P" 5 ping >"$E2E_TMP/rtt" || fail "ping after the flood: $(cat "$E2E_TMP/rtt")"
after "$FA" "$m" | grep -qF '/redlight/recording i 0' && fail "the flood stopped the take"
osc /redlight/stop
wait_take 5
verify 5 3
[ "$(json_get "$J" takes.4.dropped_frames)" = 0 ] || fail "dropped frames in the flooded take"
cat "$E2E_TMP/flood1" "$E2E_TMP/flood2"
flood_lines=$(after "$LOG" "$log_before" | grep -c 'osc: ')
[ "$flood_lines" -le 40 ] || fail "$flood_lines log lines for a 6 s flood"
stop_recorder

# --- access: bind address, allow-list, read-only role
"$REDLIGHT" "$S" --headless --osc-port "$P" --osc-allow 'tablet.local' \
	--inputs 'redlight-source:' >"$E2E_TMP/bad.out" 2>"$E2E_TMP/bad.err"
[ $? = 1 ] || fail "--osc-allow tablet.local was accepted"
expect_contains "$E2E_TMP/bad.err" "--osc-allow: 'tablet.local' is not an address"
"$REDLIGHT" "$S" --headless --osc-port "$P" --osc-bind 10.255.255.254 \
	--inputs 'redlight-source:' >"$E2E_TMP/bad.out" 2>"$E2E_TMP/bad.err"
[ $? = 1 ] || fail "--osc-bind to a foreign address was accepted"
expect_contains "$E2E_TMP/bad.err" "not an address of this machine"

start_recorder --osc-bind 127.0.0.1 --osc-allow 127.0.0.1 --osc-read-only 127.0.0.2
takes_before=$(json_get "$J" takes.#)
$OC send --from 127.0.0.1 --expect /redlight/pong 127.0.0.1 "$P" /redlight/ping >/dev/null \
	|| fail "the allowed client got no pong"
$OC send --from 127.0.0.2 --expect /redlight/pong 127.0.0.1 "$P" /redlight/ping >/dev/null \
	|| fail "the read-only client got no pong"
$OC send --from 127.0.0.2 --expect /redlight/query/end 127.0.0.1 "$P" /redlight/query >/dev/null \
	|| fail "the read-only client got no answer to its query"
$OC send --from 127.0.0.2 127.0.0.1 "$P" /redlight/record
$OC send --from 127.0.0.2 127.0.0.1 "$P" /redlight/track/arm i:1 i:0
sleep 1
[ "$(json_get "$J" takes.#)" = "$takes_before" ] || fail "a read-only client recorded a take"
wait_for "$LOG" "that client is read-only" 2
sleep 1.1 # one line a second: let the next one through
$OC send --from 127.0.0.3 --expect /redlight/pong 127.0.0.1 "$P" /redlight/ping >/dev/null
[ $? = 3 ] || fail "a client outside the allow-list got an answer"
wait_for "$LOG" "127.0.0.3" 2
expect_contains "$LOG" "not in the allow-list"
$OC send --expect /redlight/pong 127.0.0.2 "$P" /redlight/ping >/dev/null
[ $? = 3 ] || fail "the server answered on an address it was not bound to"
$OC send --from 127.0.0.1 127.0.0.1 "$P" /redlight/record
sleep 1.5
$OC send --from 127.0.0.1 127.0.0.1 "$P" /redlight/stop
wait_take $((takes_before + 1))
verify $((takes_before + 1)) 4
stop_recorder
# The session's osc_port setting is the port when no --osc-port is given;
# the headless recorder prints a summary line a take.
P3=$((P + 2))
mv "$E2E_TMP/rec.err" "$E2E_TMP/rec-before-setting.err"
sed -i "s/\"osc_port\": 0/\"osc_port\": $P3/" "$J"
"$REDLIGHT" "$S" --headless --inputs 'redlight-source:' \
	>"$E2E_TMP/set.out" 2>"$E2E_TMP/rec.err" &
REC_PID=$!
E2E_PIDS+=("$REC_PID")
wait_for "$E2E_TMP/rec.err" "OSC on UDP port $P3" 10
$OC send --expect /redlight/pong 127.0.0.1 "$P3" /redlight/ping >/dev/null \
	|| fail "no pong on the session's osc_port"
$OC send 127.0.0.1 "$P3" /redlight/record
sleep 1
$OC send 127.0.0.1 "$P3" /redlight/stop
wait_for "$E2E_TMP/set.out" "dropped frames" 10
expect_contains "$E2E_TMP/set.out" "take $(printf %03d $(json_get "$J" takes.#)): 4 tracks"
stop_recorder
# The sanitizers print what they find and carry on: nothing may be there.
grep -h "runtime error\|Sanitizer" "$E2E_TMP"/rec*.err && fail "sanitizer reports"
echo "ok"
