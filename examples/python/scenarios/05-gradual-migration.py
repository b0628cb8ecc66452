#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 5: migrating a class to async one method at a time; its sync
callers never change, and new async callers await every method."""

import asyncio
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_services import smartasync  # noqa: E402


class ReportStore:
    def __init__(self, directory):
        self.directory = directory

    # Step 1: still sync.
    @smartasync
    def path(self, name):
        return os.path.join(self.directory, name + '.txt')

    # Step 2: migrated to async.
    @smartasync
    async def save(self, name, text):
        # In async code the sync method is awaited like the others.
        with open(await self.path(name), 'w') as f:
            f.write(text)

    # Step 3: not migrated yet.
    @smartasync
    def load(self, name):
        with open(self.path(name)) as f:
            return f.read()


def legacy_caller(store):
    """Written before the migration; unchanged."""
    store.save('q1', 'sales up')
    return store.load('q1')


async def new_caller(store):
    """Written after: awaits whatever each method is today."""
    await store.save('q2', 'sales flat')
    return await store.load('q2'), await store.path('q2')


if __name__ == '__main__':
    with tempfile.TemporaryDirectory() as directory:
        store = ReportStore(directory)
        assert legacy_caller(store) == 'sales up'
        text, path = asyncio.run(new_caller(store))
        assert text == 'sales flat' and path.endswith('q2.txt')
    print('legacy and new callers both work mid-migration')
