#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 7: one service shared by a threaded sync server (as a WSGI
app would be) and an asyncio server, both on 127.0.0.1."""

import asyncio
import os
import socketserver
import sqlite3
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_services import smartasync  # noqa: E402


class Inventory:
    """The shared service: a blocking store and an async check."""

    def __init__(self):
        self.db = sqlite3.connect(':memory:', check_same_thread=False)
        self.lock = threading.Lock()
        with self.lock:
            self.db.execute('CREATE TABLE stock (item TEXT, count INTEGER)')
            self.db.executemany('INSERT INTO stock VALUES (?, ?)', [('apple', 3), ('pear', 0)])

    @smartasync
    def count(self, item):
        with self.lock:
            row = self.db.execute('SELECT count FROM stock WHERE item = ?', (item,)).fetchone()
        return row[0] if row else 0

    @smartasync
    async def available(self, item):
        return await self.count(item) > 0


inventory = Inventory()


class SyncHandler(socketserver.StreamRequestHandler):
    """The sync framework's handler: plain calls."""

    def handle(self):
        item = self.rfile.readline().decode().strip()
        answer = 'yes' if inventory.available(item) else 'no'
        self.wfile.write(('%s %d\n' % (answer, inventory.count(item))).encode())


async def async_handler(reader, writer):
    """The async framework's handler: the same methods, awaited."""
    item = (await reader.readline()).decode().strip()
    answer = 'yes' if await inventory.available(item) else 'no'
    writer.write(('%s %d\n' % (answer, await inventory.count(item))).encode())
    await writer.drain()
    writer.close()


async def ask(port, item):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    writer.write(item.encode() + b'\n')
    line = await reader.readline()
    writer.close()
    return line.decode().strip()


async def main(sync_port):
    server = await asyncio.start_server(async_handler, '127.0.0.1', 0)
    async_port = server.sockets[0].getsockname()[1]
    async with server:
        answers = await asyncio.gather(ask(sync_port, 'apple'), ask(async_port, 'apple'),
                                       ask(sync_port, 'pear'), ask(async_port, 'plum'))
    return answers


if __name__ == '__main__':
    with socketserver.ThreadingTCPServer(('127.0.0.1', 0), SyncHandler) as sync_server:
        thread = threading.Thread(target=sync_server.serve_forever, daemon=True)
        thread.start()
        answers = asyncio.run(main(sync_server.server_address[1]))
        sync_server.shutdown()
    assert answers == ['yes 3', 'yes 3', 'no 0', 'no 0'], answers
    print('sync and async servers agree:', answers)
