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
ui_quit
echo "ok"
