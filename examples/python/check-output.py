#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs an example and checks what it prints.

Every example reads FILE from sync code through an async GIO operation
("read N bytes from sync code") and then, in a running main loop whose
timer prints "tick", computes FILE's SHA-256 with a blocking function
("checksum HEX after K ticks"). Usage:

    check-output.py FILE -- COMMAND...
"""

import hashlib
import os
import re
import subprocess
import sys

MIN_TICKS = 3


def fail(message, output):
    sys.stderr.write('%s\n--- output ---\n%s' % (message, output))
    sys.exit(1)


def main():
    sep = sys.argv.index('--')
    path = sys.argv[1]
    command = sys.argv[sep + 1:]
    with open(path, 'rb') as f:
        data = f.read()

    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=60, env=os.environ)
    output = proc.stdout.decode('utf-8', 'replace')
    sys.stdout.write(output)
    if proc.returncode != 0:
        fail('the example exited with %d' % proc.returncode, output)

    lines = output.splitlines()
    read = [m for m in (re.fullmatch(r'read (\d+) bytes from sync code', l) for l in lines) if m]
    if len(read) != 1 or int(read[0].group(1)) != len(data):
        fail('expected "read %d bytes from sync code"' % len(data), output)

    done = [i for i, l in enumerate(lines) if l.startswith('checksum ')]
    if len(done) != 1:
        fail('expected one "checksum" line', output)
    m = re.fullmatch(r'checksum ([0-9a-f]{64}) after (\d+) ticks', lines[done[0]])
    if not m or m.group(1) != hashlib.sha256(data).hexdigest():
        fail('expected "checksum %s after K ticks"' % hashlib.sha256(data).hexdigest(), output)
    ticks = sum(1 for l in lines[:done[0]] if l.startswith('tick'))
    if ticks < MIN_TICKS or ticks != int(m.group(2)):
        fail('the loop should have ticked at least %d times during the blocking call, '
             'and say so' % MIN_TICKS, output)
    print('# ok: %d bytes, checksum, %d ticks' % (len(data), ticks))


if __name__ == '__main__':
    main()
