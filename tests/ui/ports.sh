#!/usr/bin/env bash
# Ports and servers that come and go, as the engineer sees them in the
# terminal UI (tmux, 100x30): a track whose port is not there says "no
# input" and is not armed; it shows its port and arms once the port
# appears; the JACK server dies: the UI stays up with the NO JACK tally
# and the reason on its message line; a server again: STOPPED, tracks
# armed, and a take records.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
add_track "$S" kick redlight-source:out_1
add_track "$S" snare redlight-source:out_2
add_track "$S" vox late:out_1

ui_start 100 30 "$S" --no-osc
ui_wait "2/3 armed" 10
row=$(ui_row vox)
case "$row" in *"no input: out_1"*) ;; *) fail "vox not shown without input: '$row'" ;; esac
case "$row" in *" R "*) fail "vox shown armed: '$row'" ;; esac

"$REDLIGHT_SOURCE" --name late --channels 1 >"$E2E_TMP/late.log" 2>&1 &
E2E_PIDS+=($!)
ui_wait "3/3 armed" 10
row=$(ui_row vox)
case "$row" in *"late:out_1"*" R "*) ;; *) fail "vox not shown armed on its port: '$row'" ;; esac

kill -9 "$JACKD_PID"
wait "$JACKD_PID" 2>/dev/null
ui_wait "NO JACK" 10
ui_wait "waiting for a JACK server" 5
kill -0 "$UI_PID" 2>/dev/null || fail "the UI exited with the server"

start_jackd 48000 256
start_source 2
ui_wait "STOPPED" 20
ui_wait "2/3 armed" 15
ui_keys r
ui_wait "REC 001" 10
sleep 1
ui_keys ' '
ui_wait "STOPPED" 10
for _ in $(seq 50); do
	[ "$("$JSON_GET" "$S/session.json" takes.0.complete 2>/dev/null)" = true ] && break
	sleep 0.1
done
[ "$("$JSON_GET" "$S/session.json" takes.0.files.#)" = 2 ] || fail "take 1 has $("$JSON_GET" "$S/session.json" takes.0.files.#) files, not kick and snare"
"$VERIFY_TAKE" --expect-tracks 2 "$S/takes/001" >"$E2E_TMP/v" 2>&1 || fail "take 1 not exact: $(tail -2 "$E2E_TMP/v")"
ui_quit
echo ok
