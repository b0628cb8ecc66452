# SPDX-License-Identifier: LGPL-2.1-or-later
"""Local stand-ins for the network services of SmartAsync's scenario
guides: a small HTTP server on 127.0.0.1 run by asyncio on a thread of its
own, and an asyncio client for it."""

import asyncio
import threading

import gi

gi.require_version('SmartAsync', '1')
from gi.repository import SmartAsync  # noqa: E402

smartasync = SmartAsync.smartasync

PAGES = {
    '/': '<html><title>Home</title><a href="/a">A</a><a href="/b">B</a></html>',
    '/a': '<html><title>Page A</title><p>alpha</p></html>',
    '/b': '<html><title>Page B</title><p>beta</p></html>',
    '/users/1': '{"id": 1, "name": "Ada"}',
    '/users/2': '{"id": 2, "name": "Grace"}',
}


class LocalServer:
    """An HTTP/1.0 server for PAGES on 127.0.0.1, answering after a short
    delay as a remote service would."""

    def __init__(self, delay=0.05):
        self.delay = delay
        self.port = None
        # The most requests it was answering at once: >1 shows they ran side
        # by side, whatever the machine's load.
        self.in_flight = 0
        self.most_in_flight = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _handle(self, reader, writer):
        request = (await reader.readline()).decode()
        while (await reader.readline()) not in (b'\r\n', b''):
            pass
        path = request.split()[1] if len(request.split()) > 1 else '/'
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(self.delay)
        self.in_flight -= 1
        body = PAGES.get(path)
        status = '200 OK' if body is not None else '404 Not Found'
        body = (body or 'not found').encode()
        writer.write(b'HTTP/1.0 %s\r\nContent-Length: %d\r\n\r\n' % (status.encode(), len(body)) + body)
        await writer.drain()
        writer.close()

    def _run(self):
        loop = asyncio.new_event_loop()
        server = loop.run_until_complete(asyncio.start_server(self._handle, '127.0.0.1', 0))
        self.port = server.sockets[0].getsockname()[1]
        self._loop = loop
        self._ready.set()
        loop.run_forever()
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()

    def __enter__(self):
        self._thread.start()
        self._ready.wait()
        return self

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()


class HttpClient:
    """An async HTTP client, as httpx.AsyncClient would be."""

    def __init__(self, port):
        self.port = port

    @smartasync
    async def get(self, path):
        reader, writer = await asyncio.open_connection('127.0.0.1', self.port)
        writer.write(b'GET %s HTTP/1.0\r\n\r\n' % path.encode())
        await writer.drain()
        response = await reader.read()
        writer.close()
        await writer.wait_closed()
        head, _, body = response.partition(b'\r\n\r\n')
        status = int(head.split()[1])
        if status != 200:
            raise LookupError('%s: HTTP %d' % (path, status))
        return body.decode()
