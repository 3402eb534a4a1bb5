#!/usr/bin/env bash
# Keeper per section in the terminal UI: takes recorded headless and a
# comp made with `redlight comp` show in the takes view (per track too);
# Enter on the comp sets it aside (the track plays its keeper take again)
# and puts it back to use, saved in session.json; the track list's keeper
# column follows (c1, then the take).
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
# 120 BPM 4/4, a bar is 2 s: intro, verse, chorus.
printf 'intro: 1 120\nverse: 1 120\nchorus: 1 120\n' >"$E2E_TMP/song.map"
for i in 1 2; do
	"$REDLIGHT" record --no-click --duration 6 --inputs 'redlight-source:' \
		--tempo-map "$E2E_TMP/song.map" "$S" >"$E2E_TMP/rec$i" 2>&1 \
		|| fail "record $i: $(cat "$E2E_TMP/rec$i")"
done
"$REDLIGHT" comp "$S" out_1 verse=1 >"$E2E_TMP/comp" 2>&1 || fail "comp: $(cat "$E2E_TMP/comp")"
[ "$(json_get "$S/session.json" comps.0.active)" = true ] || fail "comp 1 not active"

ui_start 80 24 "$S" --no-osc
ui_wait "2/2 armed" 10
ui_row out_1 | grep -qE ' c1 *$' || fail "out_1 does not show comp 1: '$(ui_row out_1)'"
ui_row out_2 | grep -qE ' 2 *$' || fail "out_2 does not show take 2: '$(ui_row out_2)'"

ui_keys t
ui_wait "takes of every track" 5
ui_expect "(2 takes, 1 comps"
ui_screen
grep -qE '^ ?c001 +1 out_1 +base [0-9]+ +ACTIVE +verse=1' "$E2E_TMP/screen" \
	|| fail "comp 1 not listed:
$(cat "$E2E_TMP/screen")"
# Per track: out_2 has no comp, out_1 has it.
ui_keys Right Right
ui_wait "takes of track 2 (out_2)" 5
ui_expect_not "c001"
ui_keys Left
ui_wait "takes of track 1 (out_1)" 5
ui_expect "c001"
# The comp is the last row: End, Enter sets it aside, Enter again uses it.
ui_keys End
ui_wait ">c001" 5
ui_keys Enter
ui_wait "set aside: the keeper take plays" 5
ui_screen
grep -qE '^>c001 .* off ' "$E2E_TMP/screen" || fail "comp 1 not off:
$(cat "$E2E_TMP/screen")"
[ "$(json_get "$S/session.json" comps.0.active)" = false ] || fail "comp 1 still active in session.json"
ui_keys Escape
ui_wait "R M" 5
ui_row out_1 | grep -qE ' 2 *$' || fail "out_1 does not fall back to take 2: '$(ui_row out_1)'"
ui_keys t End Enter
ui_wait "comp 001 plays on its track" 5
[ "$(json_get "$S/session.json" comps.0.active)" = true ] || fail "comp 1 not active again"
# Keeper per section from the UI: in out_1's list, take 2 for the chorus,
# rendered with C: comp 2, that piece, and it is what out_1 plays.
ui_wait "takes of track 1 (out_1)" 5
ui_keys C
ui_wait "choose sections first" 5
ui_keys Up s
ui_wait "Section for take" 5
ui_screen
sel=$(sed -n 's/.*Section for take \([0-9]*\) on out_1.*/\1/p' "$E2E_TMP/screen" | head -1)
[ -n "$sel" ] || fail "no section prompt:
$(cat "$E2E_TMP/screen")"
ui_keys c h o r u s Enter
ui_wait "chorus from take $sel" 5
# The pending choice shows in the title line until C renders it.
ui_wait "comp: chorus=$((10#$sel)) (C renders)" 5
ui_keys C
ui_wait "comp 002 of out_1 made" 10
ui_wait_gone "(C renders)" 5
J="$S/session.json"
[ "$(json_get "$J" comps.1.number)" = 2 ] || fail "no comp 2 in session.json"
[ "$(json_get "$J" comps.1.active)" = true ] || fail "comp 2 not active"
[ "$(json_get "$J" comps.0.active)" = false ] || fail "comp 1 still active"
n=$(json_get "$J" comps.1.pieces.#)
last=$((n - 1))
found=0
for k in $(seq 0 $last); do
	[ "$(json_get "$J" comps.1.pieces.$k.section)" = chorus ] && \
		[ "$(json_get "$J" comps.1.pieces.$k.take)" = "$((10#$sel))" ] && found=1
done
[ $found = 1 ] || fail "comp 2 has no chorus piece from take $sel: $(cat "$J")"
[ -f "$S/comps/002-01-out_1.wav" ] || fail "comp 2's file is missing"
ui_expect "c002"
# A section the map does not have: refused, nothing made.
ui_keys s
ui_wait "Section for take" 5
ui_keys b r i d g e Enter
# The status line shows its start; the session log has all of it.
ui_wait "error: section:" 5
wait_for "$S/redlight.log" "bridge" 5
[ "$(json_get "$J" comps.#)" = 2 ] || fail "a refused section made a comp"
ui_quit
echo "ok"
