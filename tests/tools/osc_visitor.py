#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""osc_visitor: an OSC client that comes and goes, for scripts/soak.

Over and over until killed (SIGTERM) or --seconds have passed: open a UDP
socket, subscribe to redlight's feedback (with meters on every other
visit), stay a random while answering its pings and asking for the whole
state every few seconds, then unsubscribe and close the socket, the way a
tablet does when the drummer picks it up and puts it down.

What it proves: a query is answered completely (a /redlight/query/end
whose count matches the messages before it), feedback arrives while
subscribed. On exit it prints one line of counts:
  osc-visitor: visits=V queries=Q answered=A incomplete=I feedback=F
and exits 1 if a query went unanswered or came back incomplete.

Only the standard library: OSC 1.0 is small enough to write here, and the
soak must not depend on a Python package Debian may not have.
"""
import argparse
import random
import signal
import socket
import struct
import sys
import time


def pad(b):
    return b + b"\0" * (4 - len(b) % 4)


def message(address, *args):
    tags = ","
    data = b""
    for a in args:
        if isinstance(a, int):
            tags += "i"
            data += struct.pack(">i", a)
        else:
            tags += "s"
            data += pad(str(a).encode())
    return pad(address.encode()) + pad(tags.encode()) + data


def read_string(b, i):
    end = b.index(b"\0", i)
    return b[i:end].decode(errors="replace"), (end // 4 + 1) * 4


def messages(packet):
    """(address, tags, args) of every message in a packet or bundle."""
    if packet.startswith(b"#bundle\0"):
        i = 16
        while i + 4 <= len(packet):
            (size,) = struct.unpack(">i", packet[i:i + 4])
            yield from messages(packet[i + 4:i + 4 + size])
            i += 4 + size
        return
    address, i = read_string(packet, 0)
    tags, i = read_string(packet, i)
    args = []
    for t in tags[1:]:
        if t == "i":
            args.append(struct.unpack(">i", packet[i:i + 4])[0])
            i += 4
        elif t == "f":
            args.append(struct.unpack(">f", packet[i:i + 4])[0])
            i += 4
        elif t == "h":
            args.append(struct.unpack(">q", packet[i:i + 8])[0])
            i += 8
        elif t == "d":
            args.append(struct.unpack(">d", packet[i:i + 8])[0])
            i += 8
        elif t == "s":
            s, i = read_string(packet, i)
            args.append(s)
        # T, F, N, I carry no data.
    yield address, tags, args


class Visitor:
    def __init__(self, port, seed):
        self.target = ("127.0.0.1", port)
        self.rng = random.Random(seed)
        self.visits = self.queries = self.answered = 0
        self.incomplete = self.feedback = 0

    def visit(self, deadline):
        """One visit: subscribe, stay, unsubscribe."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.2)
        self.visits += 1
        options = ("meters",) if self.visits % 2 else ()
        sock.sendto(message("/redlight/subscribe", *options), self.target)
        stay = time.monotonic() + self.rng.uniform(20, 90)
        next_query = time.monotonic() + 1
        pending = None  # messages seen since the last query was sent
        while time.monotonic() < min(stay, deadline) and not stopping:
            if time.monotonic() >= next_query and pending is None:
                sock.sendto(message("/redlight/query"), self.target)
                self.queries += 1
                pending = 0
                query_sent = time.monotonic()
                next_query = query_sent + self.rng.uniform(3, 10)
            if pending is not None and time.monotonic() - query_sent > 5:
                pending = None  # unanswered: counted at the end
            try:
                packet = sock.recv(65536)
            except socket.timeout:
                continue
            for address, _, args in messages(packet):
                if address == "/redlight/ping":
                    sock.sendto(message("/redlight/pong", *args),
                                self.target)
                elif address == "/redlight/query/end":
                    if pending is not None:
                        self.answered += 1
                        # The count is of the state messages only; the
                        # feedback that arrives meanwhile adds to ours.
                        if args and pending < args[0]:
                            self.incomplete += 1
                    pending = None
                else:
                    self.feedback += 1
                    if pending is not None:
                        pending += 1
        sock.sendto(message("/redlight/unsubscribe"), self.target)
        sock.close()


stopping = False


def stop(*_):
    global stopping
    stopping = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--seconds", type=float, default=3600)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    signal.signal(signal.SIGTERM, stop)
    v = Visitor(a.port, a.seed)
    deadline = time.monotonic() + a.seconds
    while not stopping and time.monotonic() < deadline:
        v.visit(deadline)
        time.sleep(v.rng.uniform(1, 10))
    unanswered = v.queries - v.answered
    print("osc-visitor: visits=%d queries=%d answered=%d incomplete=%d "
          "feedback=%d" % (v.visits, v.queries, v.answered, v.incomplete,
                           v.feedback))
    # The last query may be cut short by the stop.
    return 1 if unanswered > 1 or v.incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
