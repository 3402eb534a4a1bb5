#!/usr/bin/env bash
# One process per session: a second recorder is refused and names the
# first one's pid; a clean stop removes the lock; a kill -9 leaves it, the
# next record calls it stale and points at `redlight recover`, which clears
# it (after checking its process is gone) and repairs the take.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
LOCK="$S/.redlight.lock"

# wait_lock PID: until PID's lock file is there (and PID still runs).
wait_lock() {
	for _ in $(seq 100); do
		[ -s "$LOCK" ] && return 0
		kill -0 "$1" 2>/dev/null || fail "recorder exited: $(cat "$E2E_TMP"/err*)"
		sleep 0.1
	done
	fail "no lock file $LOCK"
}

# wait_take_file N: until take N's first file is on disk.
wait_take_file() {
	for _ in $(seq 100); do
		ls "$S/takes/$(printf %03d "$1")"/*.wav >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "take $1 did not start"
}

# 1. A running recorder holds the session.
"$REDLIGHT" record --inputs 'redlight-source:' "$S" >"$E2E_TMP/out1" 2>"$E2E_TMP/err1" &
REC=$!
E2E_PIDS+=("$REC")
wait_lock "$REC"
[ "$(cut -d' ' -f1 "$LOCK")" = "$REC" ] || fail "lock names pid $(cut -d' ' -f1 "$LOCK"), not $REC"
[ "$(cut -d' ' -f4 "$LOCK")" = record ] || fail "lock is not a record lock: $(cat "$LOCK")"
wait_take_file 1

"$REDLIGHT" record --duration 1 --client-name second --inputs 'redlight-source:' "$S" \
	>"$E2E_TMP/o2" 2>"$E2E_TMP/e2"
rc=$?
[ $rc = 1 ] || fail "second recorder exited $rc, not 1: $(cat "$E2E_TMP/e2")"
expect_contains "$E2E_TMP/e2" "in use by redlight pid $REC"
[ "$(wc -l <"$E2E_TMP/e2")" = 1 ] || fail "not one line: $(cat "$E2E_TMP/e2")"
[ ! -d "$S/takes/002" ] || fail "second recorder reserved a take"
jack_lsp 2>/dev/null | grep -q '^second:' && fail "second recorder registered with JACK"
# recover must not touch a take that is being recorded.
"$REDLIGHT" recover "$S" >"$E2E_TMP/r0" 2>&1 && fail "recover ran on a session in use"
expect_contains "$E2E_TMP/r0" "in use by pid $REC"
expect_contains "$E2E_TMP/r0" "stop it first"
[ "$(cut -d' ' -f1 "$LOCK")" = "$REC" ] || fail "lock changed while in use"
[ "$(json_get "$S/session.json" takes.0.complete)" = false ] || fail "take 1 complete while recording"

sleep 1
kill -INT "$REC"
wait "$REC"
rc=$?
[ $rc = 0 ] || fail "first recorder exited $rc after SIGINT: $(cat "$E2E_TMP/err1")"
expect_contains "$E2E_TMP/out1" "take 001: 2 tracks"
[ ! -e "$LOCK" ] || fail "lock left after a clean stop: $(cat "$LOCK")"
verify_take_run "$E2E_TMP/out1" "$S/takes/001" --expect-tracks 2

# 2. kill -9 mid-take: the lock stays and is stale.
"$REDLIGHT" record --inputs 'redlight-source:' "$S" >"$E2E_TMP/out3" 2>"$E2E_TMP/err3" &
REC=$!
E2E_PIDS+=("$REC")
wait_lock "$REC"
wait_take_file 2
sleep 2.5
kill -9 "$REC"
wait "$REC" 2>/dev/null
[ -f "$LOCK" ] || fail "kill -9 left no lock"
[ "$(cut -d' ' -f1 "$LOCK")" = "$REC" ] || fail "lock is not the killed recorder's"
cp "$LOCK" "$E2E_TMP/lock.before"

"$REDLIGHT" record --duration 1 --inputs 'redlight-source:' "$S" >"$E2E_TMP/o4" 2>"$E2E_TMP/e4"
rc=$?
[ $rc = 1 ] || fail "record on a stale lock exited $rc, not 1: $(cat "$E2E_TMP/e4")"
expect_contains "$E2E_TMP/e4" "stale lock"
expect_contains "$E2E_TMP/e4" "pid $REC"
expect_contains "$E2E_TMP/e4" "redlight recover"
cmp -s "$LOCK" "$E2E_TMP/lock.before" || fail "a stale lock was taken over"
[ ! -d "$S/takes/003" ] || fail "record reserved a take despite the stale lock"

"$REDLIGHT" recover "$S" >"$E2E_TMP/rec" 2>&1 || fail "recover failed: $(cat "$E2E_TMP/rec")"
expect_contains "$E2E_TMP/rec" "cleared a stale lock left by pid $REC"
expect_contains "$E2E_TMP/rec" "take 002: recovered"
[ ! -e "$LOCK" ] || fail "recover left a lock: $(cat "$LOCK")"
"$VERIFY_TAKE" --unequal-lengths --min-frames 96000 "$S/takes/002" \
	|| fail "recovered files not exact"
[ "$(json_get "$S/session.json" takes.1.recovered)" = true ] || fail "take 2 not marked recovered"
[ "$(json_get "$S/session.json" takes.1.complete)" = true ] || fail "take 2 not complete"

# 3. And the session records again.
"$REDLIGHT" record --duration 1 --inputs 'redlight-source:' "$S" >"$E2E_TMP/out5" 2>"$E2E_TMP/err5" \
	|| fail "record after recover failed: $(cat "$E2E_TMP/err5")"
expect_contains "$E2E_TMP/out5" "take 003: 2 tracks, 48000 frames"
verify_take_run "$E2E_TMP/out5" "$S/takes/003" --expect-tracks 2 --expect-frames 48000
[ ! -e "$LOCK" ] || fail "lock left after record"
echo ok
