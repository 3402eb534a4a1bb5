#!/usr/bin/env bash
# redlight unchanged under PipeWire's JACK layer (pw-jack): a private
# PipeWire daemon (no session manager, no D-Bus, no systemd; its
# Dummy-Driver clocks the graph at 48 kHz / 1024 frames) in a runtime
# directory of this test's own, the frame-counter source and the
# recorder both run under pw-jack.
# 1. --duration 3 --split-at 1.5 of four ports: two takes that tile the
#    3 s, every frame of every track exact, take 2 going on from take 1's
#    last source frame.
# 2. Then without flags: the session's tracks, no track added.
# 3. The live recorder (`redlight SESSION --headless`): a take started
#    and stopped over OSC, verified the same way.
# No jackd at all: if libjack were jackd2's, nothing would connect --
# and the test also checks the processes mapped PipeWire's libjack.
. "$(dirname "$0")/lib.sh"
for tool in pipewire pw-jack; do
	command -v $tool >/dev/null || fail "$tool not installed (scripts/deps installs pipewire and pipewire-jack)"
done

# The daemon's graph thread runs SCHED_FIFO (module-rt; the JACK
# clients' own config asks for it too), as jackd's does in the other
# tests: without it, on a busy machine, a client late for a cycle leaves
# a period of silence on its links and no xrun is reported.
# Everything PipeWire keeps (its socket, its lock) stays in here; the
# daemon's name is the test's, so nothing reaches another PipeWire.
export XDG_RUNTIME_DIR="$E2E_TMP/run" PIPEWIRE_RUNTIME_DIR="$E2E_TMP/run"
export PIPEWIRE_REMOTE="rl-$E2E_NAME-$$"
unset JACK_DEFAULT_SERVER PIPEWIRE_CONFIG_DIR
mkdir -m 700 "$XDG_RUNTIME_DIR"
# PipeWire 0.3.65's libjack keeps each registered port's memory after
# jack_client_close() (a five-line client that registers, unregisters
# and closes leaks the same 265216 bytes): not redlight's leak.
printf 'leak:pipewire-0.3/jack/libjack.so\nleak:libpipewire-0.3.so\n' >"$E2E_TMP/lsan.supp"
export LSAN_OPTIONS="${LSAN_OPTIONS:-}:suppressions=$E2E_TMP/lsan.supp:print_suppressions=0"

cat >"$E2E_TMP/pipewire.conf" <<CONF
context.properties = {
    core.daemon = true
    core.name = $PIPEWIRE_REMOTE
    support.dbus = false
    default.clock.rate = 48000
    default.clock.quantum = 1024
    default.clock.min-quantum = 1024
    default.clock.max-quantum = 1024
}
context.spa-libs = {
    audio.convert.* = audioconvert/libspa-audioconvert
    support.* = support/libspa-support
}
context.modules = [
    { name = libpipewire-module-rt
      args = { rt.prio = 70 nice.level = -11 }
      flags = [ ifexists nofail ] }
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-metadata }
    { name = libpipewire-module-spa-node-factory }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-access }
    { name = libpipewire-module-adapter }
    { name = libpipewire-module-link-factory }
]
context.objects = [
    { factory = metadata args = { metadata.name = default } }
    { factory = spa-node-factory
        args = {
            factory.name = support.node.driver
            node.name = Dummy-Driver
            node.group = pipewire.dummy
            priority.driver = 20000
        }
    }
]
CONF
pipewire -c "$E2E_TMP/pipewire.conf" >"$E2E_TMP/pipewire.log" 2>&1 &
E2E_PIDS+=("$!")
PW_PID=$!
for _ in $(seq 100); do
	[ "$(pw-jack jack_samplerate 2>/dev/null)" = 48000 ] && break
	kill -0 "$PW_PID" 2>/dev/null || fail "pipewire exited: $(cat "$E2E_TMP/pipewire.log")"
	sleep 0.1
done
[ "$(pw-jack jack_samplerate 2>/dev/null)" = 48000 ] \
	|| fail "no JACK server through pw-jack: $(tail -5 "$E2E_TMP/pipewire.log")"
[ "$(pw-jack jack_bufsize 2>/dev/null)" = 1024 ] || fail "pw-jack buffer size is $(pw-jack jack_bufsize 2>&1), not the configured 1024"
E2E_PERIOD=1024

# uses_pipewire_libjack PID: the process runs on PipeWire's libjack.
uses_pipewire_libjack() {
	grep -q 'pipewire-0.3/jack/libjack.so' "/proc/$1/maps" \
		|| fail "pid $1 does not run on PipeWire's libjack: $(grep libjack "/proc/$1/maps" | head -1)"
}

pw-jack "$REDLIGHT_SOURCE" --channels 4 --ready-file "$E2E_TMP/source.ready" \
	>"$E2E_TMP/source.log" 2>&1 &
SOURCE_PID=$!
E2E_PIDS+=("$SOURCE_PID")
for _ in $(seq 100); do
	[ -f "$E2E_TMP/source.ready" ] && break
	kill -0 "$SOURCE_PID" 2>/dev/null || fail "source exited: $(cat "$E2E_TMP/source.log")"
	sleep 0.1
done
[ -f "$E2E_TMP/source.ready" ] || fail "source did not come up"
uses_pipewire_libjack "$SOURCE_PID"
expect_contains "$E2E_TMP/source.ready" "sample_rate 48000"

S="$E2E_TMP/session"
# 1. Two takes split at 1.5 s; the recorder is checked for its libjack
# while it records.
pw-jack "$REDLIGHT" record --no-click --duration 3 --split-at 1.5 \
	--inputs 'redlight-source:' "$S" >"$E2E_TMP/out1" 2>"$E2E_TMP/err1" &
REC=$!
E2E_PIDS+=("$REC")
wait_for "$E2E_TMP/out1" "recording take 001" 20
uses_pipewire_libjack "$REC"
wait "$REC" || fail "record under pw-jack failed: $(cat "$E2E_TMP/err1")"
# The split lands where the recorder's loop saw 1.5 s go by: the two
# takes tile the 3 s exactly, wherever it fell.
expect_contains "$E2E_TMP/out1" "take 001: 4 tracks,"
expect_contains "$E2E_TMP/out1" "take 002: 4 tracks,"
len1=$(json_get "$S/session.json" takes.0.length)
len2=$(json_get "$S/session.json" takes.1.length)
[ $((len1 + len2)) = 144000 ] || fail "takes of $len1 + $len2 frames, not 3 s"
[ "$(json_get "$S/session.json" takes.1.start_frame)" = "$len1" ] || fail "take 2 does not start where take 1 ends"
[ "$(json_get "$S/session.json" takes.0.sample_rate)" = 48000 ] || fail "take 1 not at 48 kHz"
grep "^take 001: " "$E2E_TMP/out1" >"$E2E_TMP/out1.1"
grep "^take 002: " "$E2E_TMP/out1" >"$E2E_TMP/out1.2"
verify_take_run "$E2E_TMP/out1.1" "$S/takes/001" --expect-tracks 4 \
	--expect-frames "$len1" --expect-time-ref 0
first=$(sed -n 's/^verify-take: OK .* first_source_frame=\([0-9]*\) .*/\1/p' "$E2E_TMP/verify.out")
[ -n "$first" ] || fail "no first_source_frame: $(cat "$E2E_TMP/verify.out")"
# Where take 1 has an xrun marker the source's counter jumped inside it
# (the audio is kept as it arrived): then take 2 cannot be expected to
# go on from take 1's first frame plus its length.
more=()
[ "$(json_get "$S/session.json" takes.0.xrun_markers.#)" = 0 ] \
	&& more=(--expect-first-source-frame $((first + len1)))
verify_take_run "$E2E_TMP/out1.2" "$S/takes/002" --expect-tracks 4 \
	--expect-frames "$len2" --expect-time-ref "$len1" "${more[@]}"

# 2. No flags: the four session tracks, none added.
pw-jack "$REDLIGHT" record --no-click --duration 1 "$S" >"$E2E_TMP/out2" 2>"$E2E_TMP/err2" \
	|| fail "second record under pw-jack failed: $(cat "$E2E_TMP/err2")"
expect_contains "$E2E_TMP/out2" "take 003: 4 tracks, 48000 frames"
grep -q "added track" "$E2E_TMP/err2" && fail "a track was added: $(cat "$E2E_TMP/err2")"
verify_take_run "$E2E_TMP/out2" "$S/takes/003" --expect-tracks 4 --expect-frames 48000

# 3. The live recorder, headless, driven over OSC: take 004 of the
# session's tracks, started and stopped by messages.
P=$((20000 + $(printf %s "$REDLIGHT-pw" | cksum | cut -d' ' -f1) % 10000))
pw-jack "$REDLIGHT" "$S" --headless --osc-port "$P" >"$E2E_TMP/live.out" 2>"$E2E_TMP/live.err" &
LIVE=$!
E2E_PIDS+=("$LIVE")
wait_for "$E2E_TMP/live.err" "OSC on UDP port $P" 20
uses_pipewire_libjack "$LIVE"
oscsend 127.0.0.1 "$P" /redlight/record || fail "oscsend record"
for _ in $(seq 100); do [ -d "$S/takes/004" ] && break; sleep 0.1; done
sleep 1
oscsend 127.0.0.1 "$P" /redlight/stop || fail "oscsend stop"
for _ in $(seq 100); do
	[ "$(json_get "$S/session.json" takes.3.complete 2>/dev/null)" = true ] && break
	sleep 0.1
done
[ "$(json_get "$S/session.json" takes.3.complete 2>/dev/null)" = true ] \
	|| fail "take 004 not finished: $(cat "$E2E_TMP/live.err")"
kill -INT "$LIVE"
wait "$LIVE" || fail "live recorder under pw-jack failed: $(cat "$E2E_TMP/live.err")"
echo "take 4: $(json_get "$S/session.json" takes.3.dropped_frames) dropped frames, $(json_get "$S/session.json" takes.3.xruns) xruns" \
	>"$E2E_TMP/out3"
verify_take_run "$E2E_TMP/out3" "$S/takes/004" --expect-tracks 4
echo "ok"
