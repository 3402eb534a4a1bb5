#!/usr/bin/env bash
# A session as a week of tracking leaves it: 1000 takes of 32 tracks
# (tests/tools/make-session --sparse: real take folders, small real WAVs
# where redlight reads them, 19 of the takes in trash/), the newest of them a folder session.json does
# not name, as a crash between a take's start and the saver's write of
# its entry leaves it: `redlight recover` adopts it from its files.
# `redlight takes` lists every take; a new take recorded into the 1000
# on all 32 tracks is exact, becomes take 1001 in session.json, and
# leaves the text of the 1000 before it byte for byte as it was
# (session.json is rewritten at every save: nothing of the old takes may
# be lost or changed on the way). The figures are scripts/bench
# --long-session-only's; nothing here is timed.
. "$(dirname "$0")/lib.sh"
S="$E2E_TMP/session"
J="$S/session.json"
"$MAKE_SESSION" "$S" --takes 1000 --tracks 32 --orphans 1 --sparse >"$E2E_TMP/make" 2>&1 \
	|| fail "make-session: $(cat "$E2E_TMP/make")"
[ "$(ls "$S/takes" | wc -l)" = 981 ] || fail "take folders: $(ls "$S/takes" | wc -l)"
[ "$(ls "$S/trash" | wc -l)" = 19 ] || fail "trash: $(ls "$S/trash" | wc -l)"
[ "$(json_get "$J" takes.#)" = 999 ] || fail "entries: $(json_get "$J" takes.#)"

# --- the folder without an entry, adopted
"$REDLIGHT" recover "$S" >"$E2E_TMP/rec" 2>&1 || fail "recover: $(cat "$E2E_TMP/rec")"
expect_contains "$E2E_TMP/rec" "take 1000: not in session.json, adopted from takes/1000: 32 files, 480 frames on every track"
[ "$(json_get "$J" takes.999.number)" = 1000 ] || fail "take 1000 not adopted"
[ "$(json_get "$J" takes.999.recovered)" = true ] || fail "take 1000 not marked recovered"
[ "$(json_get "$J" takes.999.files.31.path)" = takes/1000/32-out_32.wav ] || fail "take 1000's files"
"$REDLIGHT" recover "$S" >"$E2E_TMP/rec" 2>&1 || fail "recover again: $(cat "$E2E_TMP/rec")"
expect_contains "$E2E_TMP/rec" "nothing to recover"
cp "$J" "$E2E_TMP/before.json"

# --- listing: every take, the discarded ones with --all
"$REDLIGHT" takes "$S" >"$E2E_TMP/list" 2>"$E2E_TMP/list.err" \
	|| fail "takes: $(cat "$E2E_TMP/list.err")"
[ "$(grep -c '^take ' "$E2E_TMP/list")" = 981 ] || fail "takes listed: $(grep -c '^take ' "$E2E_TMP/list")"
"$REDLIGHT" takes "$S" --all >"$E2E_TMP/list" 2>"$E2E_TMP/list.err" \
	|| fail "takes --all: $(cat "$E2E_TMP/list.err")"
[ "$(grep -c '^take ' "$E2E_TMP/list")" = 1000 ] || fail "takes --all listed: $(grep -c '^take ' "$E2E_TMP/list")"
expect_contains "$E2E_TMP/list" "take 1000  "
expect_contains "$E2E_TMP/list" "[discarded: trash/050]"
"$REDLIGHT" takes "$S" --all --json >"$E2E_TMP/list.json" 2>"$E2E_TMP/list.err" \
	|| fail "takes --json: $(cat "$E2E_TMP/list.err")"
[ "$(json_get "$E2E_TMP/list.json" '#')" = 1000 ] || fail "JSON listing: $(json_get "$E2E_TMP/list.json" '#')"
[ "$(json_get "$E2E_TMP/list.json" 999.files.#)" = 32 ] || fail "take 1000's files in the JSON listing"
cmp -s "$J" "$E2E_TMP/before.json" || fail "listing changed session.json"

# --- a new take on every track
start_jackd 48000 256
start_source 32
"$REDLIGHT" record --duration 1 "$S" >"$E2E_TMP/out" 2>"$E2E_TMP/err" \
	|| fail "record failed: $(cat "$E2E_TMP/err")"
expect_contains "$E2E_TMP/out" "take 1001: 32 tracks, 48000 frames"
verify_take_run "$E2E_TMP/out" "$S/takes/1001" --expect-tracks 32 --expect-frames 48000
[ "$(json_get "$J" takes.#)" = 1001 ] || fail "takes in session.json: $(json_get "$J" takes.#)"
[ "$(json_get "$J" takes.1000.number)" = 1001 ] || fail "take 1001's entry"
[ "$(json_get "$J" takes.1000.complete)" = true ] || fail "take 1001 not complete"
[ "$(json_get "$J" takes.1000.files.#)" = 32 ] || fail "take 1001's files"
[ "$(json_get "$J" takes.1000.files.31.path)" = takes/1001/32-out_32.wav ] || fail "take 1001's last file"

# The 1000 takes before it, byte for byte: every line of the takes
# array up to the last take's closing brace, which gains a comma.
comps=$(grep -n '^  "comps": ' "$E2E_TMP/before.json" | cut -d: -f1)
[ -n "$comps" ] || fail "no comps line in session.json"
head -n $((comps - 3)) "$E2E_TMP/before.json" >"$E2E_TMP/old.part"
head -n $((comps - 3)) "$J" >"$E2E_TMP/new.part"
cmp -s "$E2E_TMP/old.part" "$E2E_TMP/new.part" \
	|| fail "the 1000 old takes changed: $(diff "$E2E_TMP/old.part" "$E2E_TMP/new.part" | head -5)"
[ "$(sed -n "$((comps - 2))p" "$J")" = "    }," ] || fail "take 1000's end: $(sed -n "$((comps - 2))p" "$J")"
[ "$(sed -n "$((comps - 1))p" "$J")" = "    {" ] || fail "take 1001's start"
# Still one member a line, two spaces a level: readable by hand.
[ "$(sed -n "$((comps))p" "$J")" = '      "number": 1001,' ] || fail "take 1001 not laid out: $(sed -n "$((comps))p" "$J")"

# --- and listed with the others
"$REDLIGHT" takes "$S" --all >"$E2E_TMP/list" 2>"$E2E_TMP/list.err" \
	|| fail "takes after recording: $(cat "$E2E_TMP/list.err")"
[ "$(grep -c '^take ' "$E2E_TMP/list")" = 1001 ] || fail "takes listed after recording"
expect_contains "$E2E_TMP/list" "take 1001  "
echo ok
