#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 2: an async application calls a blocking library (sqlite3)
without freezing its event loop: each call is awaited and runs on the
loop's default executor."""

import asyncio
import os
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_services import smartasync  # noqa: E402


class Database:
    """A legacy blocking database layer; only the decorator is new."""

    def __init__(self):
        # Calls come from executor threads, one at a time per statement.
        self.connection = sqlite3.connect(':memory:', check_same_thread=False)
        self.lock = threading.Lock()
        self.spans = []       # when each query ran, for the check below
        with self.lock:
            self.connection.execute('CREATE TABLE users (id INTEGER, name TEXT)')
            self.connection.executemany('INSERT INTO users VALUES (?, ?)',
                                        [(1, 'Ada'), (2, 'Grace'), (3, 'Linus')])

    @smartasync
    def get_user(self, user_id, slow=0.3):
        began = time.monotonic()
        time.sleep(slow)      # a slow query
        self.spans.append((began, time.monotonic()))
        with self.lock:
            row = self.connection.execute(
                'SELECT name FROM users WHERE id = ?', (user_id,)).fetchone()
        return row[0] if row else None


async def main():
    db = Database()
    ticks = []

    async def heartbeat():
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    beating = asyncio.ensure_future(heartbeat())
    start = time.monotonic()
    names = await asyncio.gather(*(db.get_user(n) for n in (1, 2, 3)))
    elapsed = time.monotonic() - start
    beating.cancel()

    assert names == ['Ada', 'Grace', 'Linus'], names
    # Side by side, not one after another: every query began before any
    # ended, however loaded the machine; and the loop kept running.
    assert max(b for b, _ in db.spans) < min(e for _, e in db.spans), db.spans
    assert len(ticks) >= 2, ticks
    print('users:', ', '.join(names), '- heartbeat ticked %d times in %.2f s'
          % (len(ticks), elapsed))
    return db


if __name__ == '__main__':
    db = asyncio.run(main())
    # The same method from sync code afterwards: a plain call.
    assert db.get_user(2, slow=0) == 'Grace'
