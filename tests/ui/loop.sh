#!/usr/bin/env bash
# Looping from the terminal UI, with the actions the keys call: L sets a
# range and loops it, r records a take per pass, E stops where the pass
# in progress ends (every pass whole, gapless, one bar long); l turns the
# loop off and, later, on again over the range it kept.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
add_track "$S" kick "redlight-source:out_1"
add_track "$S" snare "redlight-source:out_2"

ui_start 80 24 "$S" --no-osc
ui_wait "2/2 armed" 10

# A loop over bar 1 (120 bpm, 4/4: two seconds).
ui_keys L
ui_wait "Loop START:END or a section:" 5
ui_keys "1:2" Enter
ui_wait "LOOP 1|1-2|1" 5

# Record: each pass a take; E ends it where the pass in progress ends.
ui_keys r
ui_wait "REC 001" 10
ui_keys E
ui_wait "STOPPED" 15
ui_wait "last take 001" 5
takes=$(json_get "$S/session.json" takes.#)
[ "$takes" = 1 ] || fail "E ended after $takes takes, not at the end of the first pass"
[ "$(json_get "$S/session.json" takes.0.length)" = 96000 ] \
	|| fail "the pass is $(json_get "$S/session.json" takes.0.length) frames, not one bar (96000)"
[ "$(json_get "$S/session.json" takes.0.start_frame)" = 0 ] \
	|| fail "the pass starts at $(json_get "$S/session.json" takes.0.start_frame), not at the loop's start"
"$VERIFY_TAKE" --expect-tracks 2 "$S/takes/001" >"$E2E_TMP/verify" 2>&1 \
	|| fail "take 001 not exact: $(cat "$E2E_TMP/verify")"

# l: off (the range is kept), on again over the same range.
ui_keys l
ui_wait_gone "LOOP 1|1-2|1" 5
ui_keys l
ui_wait "LOOP 1|1-2|1" 5

# E when nothing loops and records: refused, said why, nothing stops.
ui_keys l
ui_wait_gone "LOOP" 5
ui_keys E
ui_wait "stop after this pass:" 5

ui_quit
