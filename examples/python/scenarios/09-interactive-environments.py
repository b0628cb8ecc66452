#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 9: interactive use (a REPL, a notebook cell): async functions
called line by line, no await and no asyncio.run(). The lines run in
Python's own interactive interpreter."""

import code
import io
import os
import sys
from contextlib import redirect_stdout

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SESSION = """\
import json
from local_services import HttpClient, LocalServer, smartasync
server = LocalServer().__enter__()
client = HttpClient(server.port)
json.loads(client.get('/users/1'))['name']
@smartasync
async def names(*ids):
    return [json.loads(await client.get('/users/%d' % n))['name'] for n in ids]

names(1, 2)
server.__exit__(None, None, None)
"""

if __name__ == '__main__':
    console = code.InteractiveConsole(locals={})
    out = io.StringIO()
    with redirect_stdout(out):
        for line in SESSION.splitlines():
            console.push(line)
    shown = out.getvalue().split('\n')
    assert "'Ada'" in shown and "['Ada', 'Grace']" in shown, shown
    print('the session showed:', ' and '.join(s for s in shown if s))
