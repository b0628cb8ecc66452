#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 1: a sync application (a script, a CLI) uses async libraries
without asyncio.run() anywhere: an async HTTP client, and a GIO file read
wrapped as a Function."""

import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_services import HttpClient, LocalServer  # noqa: E402

from gi.repository import GLib, Gio, SmartAsync  # noqa: E402

load_contents = SmartAsync.async_pair(
    Gio.File.load_contents_async,
    lambda file, result: file.load_contents_finish(result)[1],
    returns=object, params=[Gio.File], name='load_contents')


def main():
    with LocalServer() as server, tempfile.NamedTemporaryFile(suffix='.json') as config:
        config.write(b'{"users": [1, 2]}')
        config.flush()

        # Plain sync code: each call gives its value.
        wanted = json.loads(load_contents(Gio.File.new_for_path(config.name)))
        client = HttpClient(server.port)
        names = [json.loads(client.get('/users/%d' % n))['name'] for n in wanted['users']]
        assert names == ['Ada', 'Grace'], names

        try:
            client.get('/users/3')
        except LookupError as error:     # the exception as raised
            assert 'HTTP 404' in str(error)
        else:
            raise AssertionError('no error for a missing page')

        missing = Gio.File.new_for_path(config.name + '.missing')
        try:
            load_contents(missing)
        except GLib.Error as error:
            assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)
        print('users:', ', '.join(names))


if __name__ == '__main__':
    main()
