#!/usr/bin/env bash
# `redlight takes`: listing (text and JSON), keep/rate/note saved to
# session.json, discard to trash/ and restore with byte-identical files,
# take numbers never reused, clear errors, headroom flags on a full-scale
# source, and changes refused while a recorder holds the session.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
J="$S/session.json"

record() { # record SESSION INPUTS NUMBER
	"$REDLIGHT" record --duration 1 --inputs "$2" "$1" \
		>"$E2E_TMP/rec.out" 2>"$E2E_TMP/rec.err" \
		|| fail "record failed: $(cat "$E2E_TMP/rec.err")"
	expect_contains "$E2E_TMP/rec.out" "take $3: 2 tracks, 48000 frames"
}
# takes ARGS...: run `redlight takes`, output in $E2E_TMP/t.out/t.err,
# exit status in $rc.
takes() {
	"$REDLIGHT" takes "$@" >"$E2E_TMP/t.out" 2>"$E2E_TMP/t.err"
	rc=$?
}
takes_ok() {
	takes "$@"
	[ "$rc" = 0 ] || fail "takes $* exited $rc: $(cat "$E2E_TMP/t.err")"
}
sums() { (cd "$1" && md5sum ./*.wav); }

for n in 001 002 003; do record "$S" 'redlight-source:' "$n"; done

# --- listing
takes_ok "$S"
[ "$(grep -c '^take ' "$E2E_TMP/t.out")" = 3 ] || fail "expected 3 takes: $(cat "$E2E_TMP/t.out")"
expect_contains "$E2E_TMP/t.out" "take 002"
expect_contains "$E2E_TMP/t.out" "start 0 frames (0.000 s), length 1.000 s (48000 frames), 2 tracks: out_1, out_2"
expect_contains "$E2E_TMP/t.out" "0 dropped frames"
takes_ok list "$S"
[ "$(grep -c '^take ' "$E2E_TMP/t.out")" = 3 ] || fail "list: expected 3 takes"

# --- keep: whole take, one track by name, one by number; one per track
takes_ok keep "$S" 2
expect_contains "$E2E_TMP/t.out" "take 002: keeper of out_1, out_2"
[ "$(json_get "$J" takes.1.files.0.keeper)" = true ] || fail "keep 2: out_1"
[ "$(json_get "$J" takes.1.files.1.keeper)" = true ] || fail "keep 2: out_2"
takes_ok keep "$S" 3 out_1
[ "$(json_get "$J" takes.2.files.0.keeper)" = true ] || fail "keep 3 out_1"
[ "$(json_get "$J" takes.1.files.0.keeper)" = false ] || fail "take 2 still keeps out_1"
[ "$(json_get "$J" takes.1.files.1.keeper)" = true ] || fail "take 2 lost out_2"
takes_ok keep "$S" 1 2
[ "$(json_get "$J" takes.0.files.1.keeper)" = true ] || fail "keep 1 track 2"
[ "$(json_get "$J" takes.1.files.1.keeper)" = false ] || fail "take 2 still keeps out_2"
takes_ok keep "$S" 002 out_2
[ "$(json_get "$J" takes.1.files.1.keeper)" = true ] || fail "keep 002 out_2"
[ "$(json_get "$J" takes.0.files.1.keeper)" = false ] || fail "take 1 still keeps out_2"

# --- rate, note
takes_ok rate "$S" 3 4
[ "$(json_get "$J" takes.2.rating)" = 4 ] || fail "rating"
[ "$(json_get "$J" takes.0.rating)" = 0 ] || fail "default rating"
takes_ok note "$S" 3 "late entry at bar 9, \"great\" feel"
[ "$(json_get "$J" takes.2.note)" = 'late entry at bar 9, "great" feel' ] || fail "note: $(json_get "$J" takes.2.note)"
takes_ok note "$S" 1 unquoted words work
[ "$(json_get "$J" takes.0.note)" = "unquoted words work" ] || fail "note words"
takes_ok note "$S" 1 ""
[ "$(json_get "$J" takes.0.note)" = "" ] || fail "note cleared"
takes_ok "$S"
expect_contains "$E2E_TMP/t.out" "****- (4/5)"
expect_contains "$E2E_TMP/t.out" "note: late entry at bar 9"
expect_contains "$E2E_TMP/t.out" "keeper of: out_1"
expect_contains "$E2E_TMP/t.out" "keeper of: out_2"

# --- JSON
takes_ok "$S" --json
python3 -c 'import json,sys
t = json.load(sys.stdin)
assert len(t) == 3, len(t)
assert [x["number"] for x in t] == [1, 2, 3]
assert t[2]["rating"] == 4 and t[2]["note"].startswith("late entry")
assert t[2]["keeper_tracks"] == ["out_1"], t[2]["keeper_tracks"]
assert t[1]["keeper_tracks"] == ["out_2"]
assert t[0]["start_frame"] == 0 and t[0]["length"] == 48000
assert t[0]["length_seconds"] == 1.0 and t[0]["sample_rate"] == 48000
assert t[0]["discarded"] is False and t[0]["complete"] is True
f = t[2]["files"][0]
assert f["track_name"] == "out_1" and f["headroom"] == "ok" and f["clips"] == 0
assert f["plays_back"] is True and t[2]["plays_back_tracks"] == ["out_1"]
' <"$E2E_TMP/t.out" || fail "--json: $(cat "$E2E_TMP/t.out")"

# --- discard 2: to trash/002, files identical; listing hides it
before=$(sums "$S/takes/002")
takes_ok discard "$S" 2
expect_contains "$E2E_TMP/t.out" "take 002: discarded"
[ -e "$S/takes/002" ] && fail "takes/002 still there"
[ -d "$S/trash/002" ] || fail "no trash/002"
[ "$(sums "$S/trash/002")" = "$before" ] || fail "trash/002 files differ"
[ "$(json_get "$J" takes.1.discarded)" = true ] || fail "discarded flag"
[ "$(json_get "$J" takes.1.trash_dir)" = trash/002 ] || fail "trash_dir"
[ "$(json_get "$J" takes.1.files.1.keeper)" = false ] || fail "discard kept the keeper flag"
takes_ok "$S"
[ "$(grep -c '^take ' "$E2E_TMP/t.out")" = 2 ] || fail "expected 2 takes after discard: $(cat "$E2E_TMP/t.out")"
grep -q '^take 002' "$E2E_TMP/t.out" && fail "discarded take listed"
expect_contains "$E2E_TMP/t.out" "1 discarded take not shown"
takes_ok "$S" --all
[ "$(grep -c '^take ' "$E2E_TMP/t.out")" = 3 ] || fail "expected 3 takes with --all"
expect_contains "$E2E_TMP/t.out" "[discarded: trash/002]"
takes_ok "$S" --json
python3 -c 'import json,sys; t = json.load(sys.stdin); assert [x["number"] for x in t] == [1, 3]' \
	<"$E2E_TMP/t.out" || fail "--json after discard: $(cat "$E2E_TMP/t.out")"
takes_ok "$S" --json --all
python3 -c 'import json,sys; t = json.load(sys.stdin); assert t[1]["discarded"] and t[1]["trash_dir"] == "trash/002"' \
	<"$E2E_TMP/t.out" || fail "--json --all after discard"
takes discard "$S" 2
[ "$rc" = 1 ] || fail "second discard exited $rc"
expect_contains "$E2E_TMP/t.err" "already discarded"
takes keep "$S" 2
[ "$rc" = 1 ] || fail "keep of a discarded take exited $rc"
expect_contains "$E2E_TMP/t.err" "discarded"

# --- restore 2: back, identical
takes_ok restore "$S" 2
expect_contains "$E2E_TMP/t.out" "take 002: restored"
[ -e "$S/trash/002" ] && fail "trash/002 still there"
[ "$(sums "$S/takes/002")" = "$before" ] || fail "restored files differ"
[ "$(json_get "$J" takes.1.discarded)" = false ] || fail "restored flag"
[ "$(json_get "$J" takes.1.trash_dir)" = "" ] || fail "restored trash_dir"
takes_ok "$S"
[ "$(grep -c '^take ' "$E2E_TMP/t.out")" = 3 ] || fail "expected 3 takes after restore"
takes restore "$S" 2
[ "$rc" = 1 ] || fail "restore of a kept take exited $rc"
expect_contains "$E2E_TMP/t.err" "not discarded"

# --- numbers are never reused: discard the highest, record again
takes_ok discard "$S" 3
record "$S" 'redlight-source:' 004
takes_ok restore "$S" 3
[ "$(json_get "$J" takes.#)" = 4 ] || fail "four takes"
[ "$(json_get "$J" takes.3.number)" = 4 ] || fail "take 4"

# --- errors: one clear line, exit 1 (run time) or 2 (usage)
takes keep "$S" 9
[ "$rc" = 1 ] || fail "keep 9 exited $rc"
expect_contains "$E2E_TMP/t.err" "no take 9"
[ "$(wc -l <"$E2E_TMP/t.err")" = 1 ] || fail "more than one line: $(cat "$E2E_TMP/t.err")"
takes keep "$S" 1 nosuch
[ "$rc" = 1 ] || fail "keep nosuch exited $rc"
expect_contains "$E2E_TMP/t.err" "no track 'nosuch'"
takes rate "$S" 1 7
[ "$rc" = 2 ] || fail "rate 7 exited $rc"
expect_contains "$E2E_TMP/t.err" "a rating is 0 (unrated) to 5, not '7'"
[ "$(json_get "$J" takes.0.rating)" = 0 ] || fail "rate 7 changed the rating"
takes rate "$S" x 3
[ "$rc" = 2 ] || fail "rate x exited $rc"
expect_contains "$E2E_TMP/t.err" "'x' is not a take number"
takes frobnicate
[ "$rc" = 1 ] || fail "takes on a missing dir exited $rc"
expect_contains "$E2E_TMP/t.err" "is not a redlight session"
[ -e frobnicate ] && fail "takes created a session"
takes rate "$S" 1
[ "$rc" = 2 ] || fail "rate without a rating exited $rc"
takes
[ "$rc" = 2 ] || fail "takes without arguments exited $rc"
takes headroom "$S" 1
[ "$rc" = 0 ] || fail "headroom exited $rc"
[ "$(grep -c ' dBFS ' "$E2E_TMP/t.out")" = 2 ] || fail "headroom lines: $(cat "$E2E_TMP/t.out")"
grep -q 'out_1 .* 0 clips  ok$' "$E2E_TMP/t.out" || fail "headroom of a counter: $(cat "$E2E_TMP/t.out")"

# --- headroom: a full-scale source clips
start_source 2 --signal fullscale --name fs-source
S2="$E2E_TMP/loud"
record "$S2" 'fs-source:' 001
takes_ok headroom "$S2" 1
[ "$(grep -c 'clip$' "$E2E_TMP/t.out")" = 2 ] || fail "full scale not flagged clip: $(cat "$E2E_TMP/t.out")"
grep -q '^out_1 .* 0.0 dBFS  [1-9][0-9]* clips  clip$' "$E2E_TMP/t.out" || fail "headroom line: $(cat "$E2E_TMP/t.out")"
takes_ok "$S2"
expect_contains "$E2E_TMP/t.out" "CLIP: out_1 "
expect_contains "$E2E_TMP/t.out" "; CLIP: out_2 "

# --- a recorder holds the session: changes are refused
hold_session "$S2" 'fs-source:' 002
takes rate "$S2" 1 3
[ "$rc" = 1 ] || fail "rate while recording exited $rc"
expect_contains "$E2E_TMP/t.err" "in use"
[ "$(json_get "$S2/session.json" takes.0.rating)" = 0 ] || fail "rated while locked"
takes_ok "$S2"   # reading is fine
release_session
takes_ok rate "$S2" 1 3
[ "$(json_get "$S2/session.json" takes.0.rating)" = 3 ] || fail "rating after the recorder left"
takes_ok discard "$S2" 2
[ -d "$S2/trash/002" ] || fail "no trash/002 in the second session"
echo "ok"
