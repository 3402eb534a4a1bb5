#!/usr/bin/env bash
# OSC remote control (being written).
. "$(dirname "$0")/lib.sh"
echo "ok"
