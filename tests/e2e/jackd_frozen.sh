#!/usr/bin/env bash
# The JACK server freezes mid-take without dying (SIGSTOP: a hung driver,
# a debugger). Asked to stop, the recorder cannot get its stop through the
# audio thread; it must not wait forever: after CONTROL_STALL_MS it
# finishes the take at what reached it, says why, and exits non-zero with
# every file finalized and exact up to its end.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
record_until_stopped "$S"
sleep 2.5
kill -STOP "$JACKD_PID"
sleep 0.5
kill -TERM "$REC"
# 3 s of stall guard, then closing the JACK client against a frozen
# server (libjack's own request timeout) and finishing two files.
for _ in $(seq 200); do kill -0 "$REC" 2>/dev/null || break; sleep 0.1; done
still=0
kill -0 "$REC" 2>/dev/null && still=1
kill -CONT "$JACKD_PID"
[ "$still" = 0 ] || fail "redlight still running 20 s after being told to stop under a frozen server"
wait "$REC"
rc=$?
[ "$rc" != 0 ] || fail "exit 0 although the take was cut by a frozen server"
expect_contains "$E2E_TMP/err" "JACK stopped running redlight's audio"
expect_contains "$E2E_TMP/out" "take 001: 2 tracks"
verify_take_run "$E2E_TMP/out" "$S/takes/001" --expect-tracks 2 --min-frames 48000
[ "$(json_get "$S/session.json" takes.0.complete)" = true ] || fail "not finalized"
grep -q "JACK stopped running" "$S/session.json" || fail "the take's reason is not in session.json"
echo ok
