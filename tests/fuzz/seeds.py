#!/usr/bin/env python3
"""seeds.py DIR - starting inputs for the perf_record fuzzer (fuzz_perf_record.c):
records as the kernel writes them (a full sample with a group read,
callchain, registers and stack copy; COMM, MMAP2, FORK, EXIT, LOST with a
sample_id trailer), each behind the 17-byte prefix the target reads
(sample_type, read_format, register count)."""
import os
import struct
import sys

S = dict(IP=1 << 0, TID=1 << 1, TIME=1 << 2, ADDR=1 << 3, READ=1 << 4, CALLCHAIN=1 << 5,
         ID=1 << 6, CPU=1 << 7, PERIOD=1 << 8, STREAM_ID=1 << 9, RAW=1 << 10,
         REGS_USER=1 << 12, STACK_USER=1 << 13, IDENTIFIER=1 << 16)
F = dict(ENABLED=1, RUNNING=2, ID=4, GROUP=8)
ST = S['IDENTIFIER'] | S['IP'] | S['TID'] | S['TIME'] | S['READ'] | S['CALLCHAIN'] | \
    S['REGS_USER'] | S['STACK_USER']
RF = F['GROUP'] | F['ID'] | F['ENABLED'] | F['RUNNING']
NREGS = 3


def rec(rtype, body, misc=2):
    return struct.pack('<IHH', rtype, misc, 8 + len(body)) + body


def prefix(st, rf, nregs):
    return struct.pack('<QQB', st, rf, nregs)


def q(*v):
    return struct.pack('<' + 'Q' * len(v), *v)


def trailer():  # sample_id_all: TID, TIME, IDENTIFIER (in that order for ST)
    return q((1235 << 32) | 1234, 5000000, 77)


def sample():
    body = q(77, 0x401000, (1235 << 32) | 1234, 5000000)
    body += q(2, 900, 800, 111, 78, 222, 79)
    body += q(3, 0xfffffffffffffe00, 0x401000, 0x402000)
    body += q(2, 10, 20, 30)
    body += q(64) + bytes(range(64)) + q(40)
    return rec(9, body)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seeds = {
        'sample': prefix(ST, RF, NREGS) + sample(),
        'sample_small': prefix(S['IP'] | S['TID'] | S['TIME'] | S['PERIOD'], 0, 0) +
        rec(9, q(0x401000, (7 << 32) | 7, 99, 1)),
        'comm': prefix(ST, RF, NREGS) + rec(3, struct.pack('<II', 1234, 1235) + b'julia\0\0\0' +
                                            trailer(), misc=0x2000),
        'mmap2': prefix(ST, RF, NREGS) + rec(10, struct.pack('<II', 1234, 1235) +
                                             q(0x400000, 0x1000, 0) + struct.pack('<IIQQ', 8, 1, 42, 0) +
                                             struct.pack('<II', 5, 2) + b'/usr/bin/x\0\0\0\0\0\0' + trailer()),
        'fork': prefix(ST, RF, NREGS) + rec(7, struct.pack('<IIII', 1236, 1234, 1236, 1235) +
                                            q(6000000) + trailer()),
        'exit': prefix(ST, RF, NREGS) + rec(4, struct.pack('<IIII', 1236, 1234, 1236, 1235) +
                                            q(7000000) + trailer()),
        'lost': prefix(ST, RF, NREGS) + rec(2, q(77, 12) + trailer()),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, 'seed_' + name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
