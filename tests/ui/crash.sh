#!/usr/bin/env bash
# The terminal is given back on every way out: a crash signal (SIGSEGV,
# SIGABRT: endwin, then the signal's own disposition -- here the
# sanitizer's report), SIGTERM while recording (the take is finished
# cleanly first), the terminal closing under it (SIGHUP: the take is
# finished too); and without a terminal the live recorder says so.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
add_track "$S" one redlight-source:out_1
add_track "$S" two redlight-source:out_2
UI_ALLOW_REPORTS=1 # the crash signals below make sanitizer reports

for sig in SEGV ABRT; do
	rm -f "$E2E_TMP"/asan.* "$E2E_TMP"/ubsan.*
	ui_start 80 24 "$S" --no-osc
	ui_wait "2/2 armed" 10
	kill -"$sig" "$UI_PID"
	ui_wait redlight-exited 20
	[ "$(cat "$E2E_TMP/ui.rc")" != 0 ] || fail "SIG$sig: exit status 0"
	ui_terminal_restored
	# The signal reached its old disposition: the sanitizer's handler
	# (or, without one, the default: death by the signal).
	if ls "$E2E_TMP"/asan.* >/dev/null 2>&1; then
		grep -qi "$sig\|deadly\|abort" "$E2E_TMP"/asan.* \
			|| fail "SIG$sig: report: $(cat "$E2E_TMP"/asan.*)"
	else
		[ "$(cat "$E2E_TMP/ui.rc")" -ge 128 ] || fail "SIG$sig: exit $(cat "$E2E_TMP/ui.rc")"
	fi
	tmx kill-server
	sleep 0.5
	"$REDLIGHT" recover "$S" >"$E2E_TMP/recover.out" 2>&1 \
		|| fail "recover after SIG$sig: $(cat "$E2E_TMP/recover.out")"
done
rm -f "$E2E_TMP"/asan.* "$E2E_TMP"/ubsan.*
UI_ALLOW_REPORTS=0

# SIGTERM while recording: the take ends and is saved, exit 0.
ui_start 80 24 "$S" --no-osc
ui_wait "2/2 armed" 10
ui_keys r
ui_wait "REC 001" 10
sleep 1
kill -TERM "$UI_PID"
ui_wait redlight-exited 30
[ "$(cat "$E2E_TMP/ui.rc")" = 0 ] || fail "SIGTERM: exit $(cat "$E2E_TMP/ui.rc")"
ui_terminal_restored
[ "$(json_get "$S/session.json" takes.0.complete)" = true ] || fail "take 001 not finished"
"$VERIFY_TAKE" --expect-tracks 2 "$S/takes/001" >"$E2E_TMP/verify" 2>&1 \
	|| fail "take 001 not exact: $(cat "$E2E_TMP/verify")"
tmx kill-server
sleep 0.5

# The terminal closes while recording (tmux gone): SIGHUP; the take is
# finished, the session lock released, nothing left running.
ui_start 80 24 "$S" --no-osc
ui_wait "2/2 armed" 10
ui_keys r
ui_wait "REC 002" 10
sleep 1
pid=$UI_PID
tmx kill-server
for _ in $(seq 300); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "redlight still running after its terminal closed"
[ ! -e "$S/.redlight.lock" ] || fail "session lock left behind: $(cat "$S/.redlight.lock")"
[ "$(json_get "$S/session.json" takes.1.complete)" = true ] || fail "take 002 not finished"
grep -q "the terminal closed" "$S/redlight.log" || fail "no log line: $(cat "$S/redlight.log")"

# Not a terminal: one clear line, exit 1, the session left clean.
"$REDLIGHT" "$S" --no-osc </dev/null >"$E2E_TMP/notty.out" 2>"$E2E_TMP/notty.err"
rc=$?
[ "$rc" = 1 ] || fail "without a terminal: exit $rc"
expect_contains "$E2E_TMP/notty.err" "needs a terminal"
expect_contains "$E2E_TMP/notty.err" "--headless"
[ ! -e "$S/.redlight.lock" ] || fail "session lock left behind without a terminal"
echo "ok"
