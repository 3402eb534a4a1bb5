#!/usr/bin/env bash
# The takes view of a session of 1000 takes of 32 tracks (made by
# tests/tools/make-session --sparse): the newest first, End reaches take 001,
# a track's filter narrows it; a take recorded from the UI into it comes
# first in the view and is take 1001 in session.json, exact. The timing
# of all this is scripts/bench --long-session-only's.
. "$(dirname "$0")/lib.sh"
S="$E2E_TMP/session"
J="$S/session.json"
"$MAKE_SESSION" "$S" --takes 1000 --tracks 32 --sparse >"$E2E_TMP/make" 2>&1 \
	|| fail "make-session: $(cat "$E2E_TMP/make")"
start_jackd 48000 256
start_source 32

ui_start 80 24 "$S" --no-osc
ui_wait "32/32 armed" 20
ui_keys t
ui_wait "takes of every track" 10
ui_screen
grep -qE '^> ?1000 ' "$E2E_TMP/screen" || fail "take 1000 not first:
$(cat "$E2E_TMP/screen")"
grep -qE '^ *999 ' "$E2E_TMP/screen" || fail "take 999 not second:
$(cat "$E2E_TMP/screen")"
# End: the oldest, 1000 rows down (there are no comps below it).
ui_keys End
ui_wait ">001 " 5
ui_expect "take 001  2025-03-01 10:01:30"
# Track 5's takes only: all of them have one.
for _ in 1 2 3 4 5; do ui_keys Right; done
ui_wait "takes of track 5 (out_5)" 5
ui_expect "1000 takes"
for _ in 1 2 3 4 5; do ui_keys Left; done
ui_wait "takes of every track" 5
ui_keys Escape
ui_wait "R M" 5

# A take from the UI, into the 1000.
ui_keys r
ui_wait "REC 1001" 10
sleep 1
ui_keys Space
ui_wait "last take 1001" 30
# "last take" is shown once session.json holds the take.
[ "$(json_get "$J" takes.#)" = 1001 ] || fail "takes in session.json: $(json_get "$J" takes.#)"
[ "$(json_get "$J" takes.1000.complete)" = true ] || fail "take 1001 not complete"
"$VERIFY_TAKE" --expect-tracks 32 "$S/takes/1001" >"$E2E_TMP/verify" 2>&1 \
	|| fail "take 1001 not exact: $(tail -3 "$E2E_TMP/verify")"
ui_keys t
ui_wait "1001 takes" 10
# The selection stayed on take 001: a page up at a time to the top.
ui_keys $(for _ in $(seq 90); do printf 'PPage '; done)
ui_wait ">1001 " 10
ui_keys Escape
ui_quit
echo ok
