#!/usr/bin/env bash
# The text captures of the main view in doc/ (doc/screen-80x24.txt,
# doc/screen-200x50.txt), made from the real program: a band of 15 tracks
# (groups, colours) from the simulated band, the example song's tempo
# map, a take already recorded and rated, and the second take recording
# from the verse. Written on every run, so they show the UI as it is.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 18 --name band --signal band
S="$E2E_TMP/session"
# track:band port:group:colour
for spec in kick:kick:drums:red snare:snare:drums:red hihat:hihat:drums:red \
	tom1:kick-2:drums:red tom2:snare-2:drums:red oh-l:oh-l:drums:orange \
	oh-r:oh-r:drums:orange room-l:oh-l-2:drums:orange room-r:oh-r-2:drums:orange \
	bass:bass-di:bass:blue gtr:gtr:guitars:green gtr-2:gtr-2:guitars:green \
	keys:keys:keys:purple vox:vox:vocals:yellow bgv:vox-2:vocals:yellow; do
	IFS=: read -r name port group colour <<<"$spec"
	add_track "$S" "$name" "band:$port" "$group" "$colour"
done

ui_start 80 24 "$S" --tempo-map "$SOURCE_ROOT/doc/example.map" --no-osc
ui_wait "15/15 armed" 10
# Take 1 from the verse, rated and noted; then take 2 recording.
ui_keys g "verse1" Enter
ui_wait "verse1" 5
ui_keys r
ui_wait "REC 001" 10
sleep 2
ui_keys Space
ui_wait "last take 001" 15
ui_keys t 3 e "drums solid, vox late in bar 12" Enter Escape
ui_wait "R M" 5
ui_keys g "verse1" Enter
sleep 0.5
ui_keys r
ui_wait "REC 002" 10
sleep 2.5
ui_screen "$E2E_TMP/screen-80x24.txt"
grep -q "REC 002" "$E2E_TMP/screen-80x24.txt" || fail "80x24 capture is not recording"
[ "$(wc -l <"$E2E_TMP/screen-80x24.txt")" = 24 ] || fail "80x24 capture: $(wc -l <"$E2E_TMP/screen-80x24.txt") lines"

tmx resize-window -t ui -x 200 -y 50
ui_wait "group" 5
sleep 1
ui_screen "$E2E_TMP/screen-200x50.txt"
grep -q "REC 002" "$E2E_TMP/screen-200x50.txt" || fail "200x50 capture is not recording"
[ "$(wc -l <"$E2E_TMP/screen-200x50.txt")" = 50 ] || fail "200x50 capture: $(wc -l <"$E2E_TMP/screen-200x50.txt") lines"
for f in 80x24 200x50; do
	grep -q "band:kick\|kick" "$E2E_TMP/screen-$f.txt" || fail "no kick in the $f capture"
	cp "$E2E_TMP/screen-$f.txt" "$SOURCE_ROOT/doc/screen-$f.txt" \
		|| fail "cannot write doc/screen-$f.txt"
done
ui_quit
echo "ok: doc/screen-80x24.txt doc/screen-200x50.txt"
