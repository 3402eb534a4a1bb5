#!/usr/bin/env bash
# `redlight tracks`: tracks added with their inputs to a new session
# record through those inputs; moving and renaming tracks keeps every take
# file (and its keeper flag) with its track, in session.json and in
# `redlight takes --json`, and renames nothing on disk; a take recorded
# after a move lands on the moved tracks; settings are saved; refusals
# are one clear line and change nothing; changes are refused while a
# recorder holds the session.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
J="$S/session.json"
echo "adding tracks" >"$E2E_TMP/last"

# tracks ARGS...: run `redlight tracks`, output in $E2E_TMP/t.out/t.err,
# exit status in $rc.
tracks() {
	"$REDLIGHT" tracks "$@" >"$E2E_TMP/t.out" 2>"$E2E_TMP/t.err"
	rc=$?
}
tracks_ok() {
	tracks "$@"
	[ "$rc" = 0 ] || fail "tracks $* exited $rc: $(cat "$E2E_TMP/t.err")"
}
# tracks_fail STATUS TEXT ARGS...: refused with exit STATUS and TEXT on
# stderr (one line for a run-time error), session.json untouched.
tracks_fail() {
	local want=$1 text=$2 before
	shift 2
	before=$(md5sum <"$J")
	tracks "$@"
	[ "$rc" = "$want" ] || fail "tracks $* exited $rc, expected $want: $(cat "$E2E_TMP/t.err")"
	expect_contains "$E2E_TMP/t.err" "$text"
	if [ "$want" = 1 ] && [ "$(wc -l <"$E2E_TMP/t.err")" != 1 ]; then
		fail "tracks $*: more than one line: $(cat "$E2E_TMP/t.err")"
	fi
	[ "$(md5sum <"$J")" = "$before" ] || fail "refused tracks $* changed session.json"
}
record() { # record NUMBER TRACKS
	"$REDLIGHT" record --duration 1 --inputs 'redlight-source:' "$S" \
		>"$E2E_TMP/rec.out" 2>"$E2E_TMP/rec.err" \
		|| fail "record failed: $(cat "$E2E_TMP/rec.err")"
	expect_contains "$E2E_TMP/rec.out" "take $1: $2 tracks, 48000 frames"
}
sums() { (cd "$S" && find takes -name '*.wav' | sort | xargs md5sum); }
# check_files: every file of every take, in session.json and in `takes
# --json`, names the track its number points to; the keepers and what
# plays back are as given ("kick=1 snare-top=2": track=take, flagged).
check_files() {
	"$REDLIGHT" takes "$S" --json >"$E2E_TMP/takes.json" 2>"$E2E_TMP/takes.err" \
		|| fail "takes --json: $(cat "$E2E_TMP/takes.err")"
	"$REDLIGHT" tracks "$S" --json >"$E2E_TMP/tracks.json" 2>"$E2E_TMP/tracks.err" \
		|| fail "tracks --json: $(cat "$E2E_TMP/tracks.err")"
	python3 - "$J" "$E2E_TMP/takes.json" "$E2E_TMP/tracks.json" "$@" <<'EOF' \
		|| fail "files and tracks disagree after: $(cat "$E2E_TMP/last")"
import json, sys
session = json.load(open(sys.argv[1]))
takes = json.load(open(sys.argv[2]))
tracks = json.load(open(sys.argv[3]))
names = {t["number"]: t["name"] for t in session["tracks"]}
assert [t["name"] for t in tracks] == [names[n] for n in sorted(names)], tracks
for src in (session["takes"], takes):
    for t in src:
        for f in t["files"]:
            assert names[f["track"]] == f["track_name"], (t["number"], f)
            # paths keep the number and name the file was recorded with
            assert f["path"].startswith("takes/%03d/" % t["number"]), f
for want in sys.argv[4:]:
    name, take = want.split("=")
    tr = [t for t in tracks if t["name"] == name][0]
    flagged = take.endswith("!")
    take = int(take.rstrip("!"))
    assert tr["keeper_take"] == take, (name, tr)
    assert tr["keeper_flagged"] == flagged, (name, tr)
    t = [x for x in takes if x["number"] == take][0]
    assert name in t["plays_back_tracks"], (name, t["plays_back_tracks"])
    assert (name in t["keeper_tracks"]) == flagged, (name, t["keeper_tracks"])
    f = [f for f in t["files"] if f["track_name"] == name][0]
    assert f["track"] == tr["number"] and f["path"] == tr["keeper_path"], (f, tr)
EOF
}

# --- a new session, tracks added from the shell
"$REDLIGHT" new "$S" >"$E2E_TMP/new.out" 2>&1 || fail "new: $(cat "$E2E_TMP/new.out")"
tracks_ok "$S"
expect_contains "$E2E_TMP/t.out" "no tracks"
tracks_ok add "$S" kick --input redlight-source:out_1 --group drums --colour red
expect_contains "$E2E_TMP/t.out" "track 1 (kick): input redlight-source:out_1, group drums, colour red"
tracks_ok add "$S" snare --input redlight-source:out_2 --group drums
tracks_ok add "$S" vox --colour '#00AAFF'
[ "$(json_get "$J" tracks.#)" = 3 ] || fail "three tracks"
[ "$(json_get "$J" tracks.0.source)" = redlight-source:out_1 ] || fail "kick input"
[ "$(json_get "$J" tracks.1.group)" = drums ] || fail "snare group"
[ "$(json_get "$J" tracks.2.colour)" = '#00aaff' ] || fail "vox colour: $(json_get "$J" tracks.2.colour)"
[ "$(json_get "$J" tracks.2.source)" = "" ] || fail "vox has an input"

# --- two takes through the tracks' inputs; kick keeps take 1
record 001 2
verify_take_run "$E2E_TMP/rec.out" "$S/takes/001"
record 002 2
[ "$(json_get "$J" takes.0.files.0.path)" = takes/001/01-kick.wav ] || fail "kick file: $(json_get "$J" takes.0.files.0.path)"
[ "$(json_get "$J" takes.0.files.1.path)" = takes/001/02-snare.wav ] || fail "snare file"
"$REDLIGHT" takes keep "$S" 1 kick >/dev/null || fail "keep 1 kick"
check_files kick=1! snare=2
before=$(sums)

tracks_ok "$S"
[ "$(wc -l <"$E2E_TMP/t.out")" = 4 ] || fail "header and 3 tracks: $(cat "$E2E_TMP/t.out")"
grep -q '^#  *name  *input  *group  *colour  *gain  *pan  *rec-safe  *plays$' "$E2E_TMP/t.out" \
	|| fail "list header: $(cat "$E2E_TMP/t.out")"
grep -q '^1  *kick  *redlight-source:out_1  *drums  *red  *+0.0 dB  *C  *off  *take 001 (keeper)$' "$E2E_TMP/t.out" \
	|| fail "kick line: $(cat "$E2E_TMP/t.out")"
grep -q '^2  *snare  .* take 002 (latest)$' "$E2E_TMP/t.out" || fail "snare line: $(cat "$E2E_TMP/t.out")"
grep -q '^3  *vox  *-  *-  *#00aaff  .*off  *-$' "$E2E_TMP/t.out" || fail "vox line: $(cat "$E2E_TMP/t.out")"
tracks_ok list "$S" --json
python3 -c 'import json,sys
t = json.load(sys.stdin)
assert [x["number"] for x in t] == [1, 2, 3]
k = t[0]
assert k["name"] == "kick" and k["source"] == "redlight-source:out_1"
assert k["group"] == "drums" and k["colour"] == "red" and k["gain_db"] == 0
assert k["pan"] == 0 and k["rec_safe"] is False and k["muted"] is False
assert k["keeper_take"] == 1 and k["keeper_flagged"] is True
assert k["keeper_path"] == "takes/001/01-kick.wav"
assert t[2]["keeper_take"] is None and t[2]["keeper_path"] is None
' <"$E2E_TMP/t.out" || fail "--json: $(cat "$E2E_TMP/t.out")"

# --- move vox to the top: the files follow their tracks
tracks_ok move "$S" vox 1
echo "move vox 1" >"$E2E_TMP/last"
expect_contains "$E2E_TMP/t.out" "order: 1 vox, 2 kick, 3 snare"
[ "$(json_get "$J" tracks.0.name)" = vox ] || fail "vox not first"
[ "$(json_get "$J" takes.0.files.0.track)" = 2 ] || fail "kick file not renumbered"
[ "$(json_get "$J" takes.0.files.0.track_name)" = kick ] || fail "kick file name"
[ "$(json_get "$J" takes.0.files.0.path)" = takes/001/01-kick.wav ] || fail "kick path changed"
[ "$(json_get "$J" takes.1.files.1.track)" = 3 ] || fail "snare file not renumbered"
[ "$(json_get "$J" takes.0.files.0.keeper)" = true ] || fail "kick keeper flag lost"
check_files kick=1! snare=2
[ "$(sums)" = "$before" ] || fail "a move touched the files on disk"

# --- rename: take files follow the name, paths do not
tracks_ok rename "$S" snare snare-top
echo "rename snare" >"$E2E_TMP/last"
expect_contains "$E2E_TMP/t.out" "track 3 (snare-top):"
[ "$(json_get "$J" takes.0.files.1.track_name)" = snare-top ] || fail "take 1 file name"
[ "$(json_get "$J" takes.1.files.1.track_name)" = snare-top ] || fail "take 2 file name"
[ "$(json_get "$J" takes.1.files.1.path)" = takes/002/02-snare.wav ] || fail "snare path changed"
check_files kick=1! snare-top=2
"$REDLIGHT" takes "$S" >"$E2E_TMP/takes.out" || fail "takes"
expect_contains "$E2E_TMP/takes.out" "2 tracks: kick, snare-top"
"$REDLIGHT" takes keep "$S" 2 snare-top >/dev/null || fail "keep 2 snare-top"
check_files kick=1! snare-top=2!
# by number: snare-top (3) to position 2
tracks_ok move "$S" 3 2
echo "move 3 2" >"$E2E_TMP/last"
expect_contains "$E2E_TMP/t.out" "order: 1 vox, 2 snare-top, 3 kick"
check_files kick=1! snare-top=2!
[ "$(sums)" = "$before" ] || fail "a rename or move touched the files on disk"
[ -e "$S/takes/001/02-snare-top.wav" ] && fail "a file was renamed"

# --- a take after the moves records onto the moved tracks
record 003 2
# kick (now track 3) still records out_1 (source channel 0), snare-top
# (track 2) out_2: the inputs moved with their tracks.
verify_take_run "$E2E_TMP/rec.out" "$S/takes/003" \
	--channel-of 03-kick.wav=0 --channel-of 02-snare-top.wav=1
echo "take 3" >"$E2E_TMP/last"
python3 -c 'import json,sys
t = json.load(open(sys.argv[1]))["takes"][2]
f = {x["track_name"]: (x["track"], x["path"]) for x in t["files"]}
assert f == {"kick": (3, "takes/003/03-kick.wav"),
             "snare-top": (2, "takes/003/02-snare-top.wav")}, f
' "$J" || fail "take 3 files: $(json_get "$J" takes.2.files)"
# the flagged keepers still win over the newer take
check_files kick=1! snare-top=2!

# --- settings
tracks_ok set "$S" kick gain=-4.5dB pan=L25 rec-safe=on colour=#FF0000 group=kit
expect_contains "$E2E_TMP/t.out" "track 3 (kick): input redlight-source:out_1, group kit, colour #ff0000, gain -4.5 dB, pan L25, rec-safe on, plays take 001 (keeper)"
[ "$(json_get "$J" tracks.2.gain_db)" = -4.5 ] || fail "gain"
[ "$(json_get "$J" tracks.2.pan)" = -0.25 ] || fail "pan"
[ "$(json_get "$J" tracks.2.rec_safe)" = true ] || fail "rec-safe"
[ "$(json_get "$J" tracks.2.colour)" = '#ff0000' ] || fail "colour"
[ "$(json_get "$J" tracks.2.group)" = kit ] || fail "group"
# a rec-safe track is not armed: the next take has only snare-top
record 004 1
[ "$(json_get "$J" takes.3.files.#)" = 1 ] || fail "rec-safe kick recorded"
[ "$(json_get "$J" takes.3.files.0.track_name)" = snare-top ] || fail "take 4 file"
tracks_ok set "$S" 3 gain=mute pan=0.5
[ "$(json_get "$J" tracks.2.gain_db)" = null ] || fail "mute: $(json_get "$J" tracks.2.gain_db)"
[ "$(json_get "$J" tracks.2.pan)" = 0.5 ] || fail "pan 0.5"
expect_contains "$E2E_TMP/t.out" "gain muted, pan R50"
tracks_ok set "$S" kick gain=0 pan=C rec-safe=off colour=none group=
[ "$(json_get "$J" tracks.2.gain_db)" = 0.0 ] || fail "gain 0"
[ "$(json_get "$J" tracks.2.colour)" = "" ] || fail "colour cleared"
[ "$(json_get "$J" tracks.2.group)" = "" ] || fail "group cleared"
[ "$(json_get "$J" tracks.2.rec_safe)" = false ] || fail "rec-safe off"
tracks_ok input "$S" vox system:capture_1
[ "$(json_get "$J" tracks.0.source)" = system:capture_1 ] || fail "vox input"
tracks_ok input "$S" vox none
[ "$(json_get "$J" tracks.0.source)" = "" ] || fail "vox input cleared"

# --- refusals: one line, exit 1, nothing changed
tracks_fail 1 "no track 'nosuch'" rename "$S" nosuch x
tracks_fail 1 "no track '9'" set "$S" 9 pan=0
tracks_fail 1 'already named "kick"' rename "$S" vox kick
tracks_fail 1 'already named "kick"' add "$S" kick
tracks_fail 1 "not a colour" set "$S" kick colour=mauve
tracks_fail 1 "not a colour" add "$S" bass --colour mauve
tracks_fail 1 "pan 2 is out of range" set "$S" kick pan=2
tracks_fail 1 "pan 2 is out of range" set "$S" kick group=toms pan=2
tracks_fail 1 "+24 dB" set "$S" kick gain=30
tracks_fail 1 "contains a '/'" rename "$S" kick kick/in
tracks_fail 1 "already the input of track 3 (kick)" input "$S" vox redlight-source:out_1
tracks_fail 1 "CLIENT:PORT" input "$S" vox capture_1
tracks_fail 1 "to position 9" move "$S" kick 9
# usage: exit 2
tracks_fail 2 "missing arguments" move "$S" kick
tracks_fail 2 "'first' is not a track position" move "$S" kick first
tracks_fail 2 "which setting" set "$S" kick
tracks_fail 2 "unknown setting 'volume'" set "$S" kick volume=3
tracks_fail 2 "'loud' is not a level" set "$S" kick gain=loud
tracks_fail 2 "'left' is not a position" set "$S" kick pan=left
tracks_fail 2 "'maybe' is not on or off" set "$S" kick rec-safe=maybe
tracks_fail 2 "not a SETTING=VALUE" set "$S" kick mute
tracks_fail 2 "too many arguments" rename "$S" kick a b
tracks
[ "$rc" = 2 ] || fail "tracks without arguments exited $rc"
tracks frobnicate
[ "$rc" = 1 ] || fail "tracks on a missing dir exited $rc"
expect_contains "$E2E_TMP/t.err" "is not a redlight session"
[ -e frobnicate ] && fail "tracks created a session"
tracks add "$E2E_TMP/nosession" kick
[ "$rc" = 1 ] || fail "add to a missing session exited $rc"
[ -e "$E2E_TMP/nosession" ] && fail "add created a session"

# --- a recorder holds the session: changes are refused, reading is fine
hold_session "$S" 'redlight-source:' 005
tracks rename "$S" kick bd
[ "$rc" = 1 ] || fail "rename while recording exited $rc"
expect_contains "$E2E_TMP/t.err" "in use"
tracks move "$S" kick 1
[ "$rc" = 1 ] || fail "move while recording exited $rc"
tracks set "$S" kick pan=1
[ "$rc" = 1 ] || fail "set while recording exited $rc"
[ "$(json_get "$J" tracks.2.name)" = kick ] || fail "renamed or moved while locked"
[ "$(json_get "$J" tracks.2.pan)" = 0.0 ] || fail "set while locked"
tracks_ok "$S"
release_session
tracks_ok rename "$S" kick bd
[ "$(json_get "$J" tracks.2.name)" = bd ] || fail "rename after the recorder left"
echo "rename after the recorder" >"$E2E_TMP/last"
check_files bd=1! snare-top=2!
echo "ok"
