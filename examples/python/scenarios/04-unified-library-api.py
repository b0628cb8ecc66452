#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 4: a library with one async implementation and one API for
sync and async users; the users' code below is all there is."""

import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_services import HttpClient, LocalServer, smartasync  # noqa: E402


class UserService:
    """The library: written once, async inside."""

    def __init__(self, port):
        self.http = HttpClient(port)

    @smartasync
    async def get_user(self, user_id):
        return json.loads(await self.http.get('/users/%d' % user_id))

    @smartasync
    async def get_users(self, *user_ids):
        return await asyncio.gather(*(self.get_user(n) for n in user_ids))


def sync_user(port):
    service = UserService(port)
    return service.get_user(1)['name'], [u['name'] for u in service.get_users(1, 2)]


async def async_user(port):
    service = UserService(port)
    return (await service.get_user(2))['name'], [u['name'] for u in await service.get_users(2, 1)]


if __name__ == '__main__':
    with LocalServer() as server:
        assert sync_user(server.port) == ('Ada', ['Ada', 'Grace'])
        assert asyncio.run(async_user(server.port)) == ('Grace', ['Grace', 'Ada'])
    print('one API, both kinds of caller')
