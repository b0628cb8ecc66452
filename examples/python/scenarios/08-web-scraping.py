#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 8: fetch pages concurrently (async I/O) and parse them (sync,
CPU-bound) off the loop; the same scraper also runs from a script."""

import asyncio
import html.parser
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_services import HttpClient, LocalServer, smartasync  # noqa: E402


class TitleParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.title = ''
        self.links = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self._in_title = tag == 'title'
        if tag == 'a':
            self.links.extend(value for name, value in attrs if name == 'href')

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag):
        self._in_title = False


class Scraper:
    def __init__(self, port):
        self.http = HttpClient(port)

    @smartasync
    def parse(self, page):
        parser = TitleParser()
        parser.feed(page)
        return parser.title, parser.links

    @smartasync
    async def crawl(self, start):
        title, links = await self.parse(await self.http.get(start))
        pages = await asyncio.gather(*(self.http.get(link) for link in links))
        parsed = await asyncio.gather(*(self.parse(page) for page in pages))
        return [title] + [t for t, _ in parsed]


if __name__ == '__main__':
    with LocalServer(delay=0.3) as server:
        scraper = Scraper(server.port)
        start = time.monotonic()
        titles = scraper.crawl('/')           # from a script: a plain call
        elapsed = time.monotonic() - start
        assert titles == ['Home', 'Page A', 'Page B'], titles
        # Two rounds of requests, the second one's pages fetched side by side.
        assert server.most_in_flight == 2, server.most_in_flight

        async def app():
            return await scraper.crawl('/')    # from async code: awaited
        assert asyncio.run(app()) == titles
    print('titles:', ', '.join(titles))
