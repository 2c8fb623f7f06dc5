#!/usr/bin/env python3
"""A user-space delay line between two TUN devices (this kernel has no netem).

Creates <in> and <out> (IFF_TUN | IFF_NO_PI), reads every IPv4 packet routed into <in>, holds it for a
drawn delay and writes it to <out>, where the kernel receives it as if it had arrived on <out>.
Delay = base + uniform(0, jitter), and with probability spike_ratio a spike of spike..2·spike on top;
each packet is drawn on its own (packets may be reordered, like the prober's simulation assumes).
Bounded: at most max_queue packets held (more are dropped) and it exits after lifetime_s. The devices
vanish with the process. Prints "ready" once both devices exist, then one stats line a second on stderr.

usage: delay-line.py '<json: {"in", "out", "baseMs", "jitterMs", "spikeRatio", "spikeMs", "seed",
                               "maxQueue", "lifetimeS"}>'
"""
import fcntl
import heapq
import json
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name: str) -> int:
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main() -> None:
    cfg = json.loads(sys.argv[1])
    rand = random.Random(cfg.get("seed", 1))
    base, jitter = cfg["baseMs"] / 1000, cfg["jitterMs"] / 1000
    spike_ratio, spike = cfg.get("spikeRatio", 0.0), cfg.get("spikeMs", 0) / 1000
    max_queue = cfg.get("maxQueue", 10000)
    end = time.monotonic() + cfg.get("lifetimeS", 3600)
    fd_in, fd_out = open_tun(cfg["in"]), open_tun(cfg["out"])
    print("ready", flush=True)
    held: list = []
    seq = passed = dropped = 0
    next_stats = time.monotonic() + 1
    while True:
        now = time.monotonic()
        if now >= end:
            return
        wait = min(end, next_stats, held[0][0] if held else end) - now
        readable, _, _ = select.select([fd_in], [], [], max(0.0, wait))
        if readable:
            # Drain what is there: one read per packet.
            for _ in range(256):
                try:
                    pkt = os.read(fd_in, 65535)
                except BlockingIOError:
                    break
                if len(held) >= max_queue:
                    dropped += 1
                    continue
                delay = base + rand.random() * jitter
                if rand.random() < spike_ratio:
                    delay += spike * (1 + rand.random())
                seq += 1
                heapq.heappush(held, (time.monotonic() + delay, seq, pkt))
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, _, pkt = heapq.heappop(held)
            try:
                os.write(fd_out, pkt)
                passed += 1
            except OSError:
                dropped += 1
        if now >= next_stats:
            print(json.dumps({"held": len(held), "passed": passed, "dropped": dropped}), file=sys.stderr, flush=True)
            next_stats = now + 1


if __name__ == "__main__":
    main()
