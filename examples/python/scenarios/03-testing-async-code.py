#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 3: testing async code with plain sync tests: no event loop
fixture, no asyncio.run(), the exception as raised."""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_services import smartasync  # noqa: E402


class Cart:
    def __init__(self):
        self.items = {}

    @smartasync
    async def add(self, name, price, quantity=1):
        await asyncio.sleep(0)        # as if it checked a remote stock
        if quantity <= 0:
            raise ValueError('quantity must be positive')
        self.items[name] = (price, quantity)

    @smartasync
    async def total(self):
        await asyncio.sleep(0)
        return sum(price * quantity for price, quantity in self.items.values())


def test_total():
    cart = Cart()
    cart.add('book', 12.5, quantity=2)
    cart.add('pen', 1.5)
    assert cart.total() == 26.5


def test_bad_quantity():
    try:
        Cart().add('book', 12.5, quantity=0)
    except ValueError as error:
        assert 'positive' in str(error)
    else:
        raise AssertionError('no ValueError')


def test_same_code_awaited():
    async def scenario():
        cart = Cart()
        await cart.add('mug', 8)
        return await cart.total()
    assert asyncio.run(scenario()) == 8


if __name__ == '__main__':
    tests = [test_total, test_bad_quantity, test_same_code_awaited]
    for test in tests:
        test()
    print('%d tests passed' % len(tests))
