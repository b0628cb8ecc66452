#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 6: a plugin pipeline where each plugin is sync or async, as
its author chose; the host runs them the same way in sync and async mode."""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_services import smartasync  # noqa: E402


class Plugin:
    name = 'base'


class Strip(Plugin):
    name = 'strip'

    @smartasync
    def process(self, text):
        return text.strip()


class Shout(Plugin):
    name = 'shout'

    @smartasync
    async def process(self, text):
        await asyncio.sleep(0.01)       # e.g. asks a remote service
        return text.upper()


class Sign(Plugin):
    name = 'sign'

    def __init__(self, signature):
        self.signature = signature

    @smartasync
    async def process(self, text):
        return '%s -- %s' % (text, self.signature)


class Host:
    def __init__(self, *plugins):
        self.plugins = plugins

    def run(self, text):
        for plugin in self.plugins:
            text = plugin.process(text)
        return text

    async def run_async(self, text):
        for plugin in self.plugins:
            text = await plugin.process(text)
        return text


if __name__ == '__main__':
    host = Host(Strip(), Shout(), Sign('host'))
    assert host.run('  hello  ') == 'HELLO -- host'
    assert asyncio.run(host.run_async(' bye ')) == 'BYE -- host'
    print('pipeline:', ' -> '.join(p.name for p in host.plugins))
