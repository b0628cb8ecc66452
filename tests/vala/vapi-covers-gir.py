#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# vapi-covers-gir.py GIR VAPI: fails (TAP) when the VAPI lacks a constructor,
# method, function, property or enum member of the GIR, other than the few
# left out on purpose below. A new C entry point or error code then cannot
# silently miss Vala: SmartAsync-1-custom.vala spells some of them by hand.

import re
import sys
import xml.etree.ElementTree as ET

NS = {'g': 'http://www.gtk.org/introspection/core/1.0',
      'c': 'http://www.gtk.org/introspection/c/1.0'}
C_ID = '{%s}identifier' % NS['c']
C_TYPE = '{%s}type' % NS['c']

# C entry points the VAPI leaves out, and why.
LEFT_OUT = {
    'sa_function_call': 'the smart call: Vala code knows whether it is in a coroutine',
    'sa_function_callv': 'the smart call, as sa_function_call',
    'sa_function_call_sync': 'C varargs convenience; Vala has call_sync (Value[])',
    'sa_function_call_sync_with_timeout': 'C varargs convenience; Vala has call_sync_with_timeout (Value[])',
    'sa_function_call_async': 'C varargs convenience; Vala has call_async (Value[])',
    'sa_function_call_syncv_value': "for GJS, which leaks out GValues; Vala's call_sync returns the Value",
    'sa_function_call_finish_value': 'for GJS, as call_syncv_value',
    'sa_gather_add': 'C varargs convenience; Vala has add (Value[])',
    'sa_gather_get_result': 'C varargs convenience; Vala has get_outcome',
    'sa_gather_get_outcome_value': 'for GJS, as call_syncv_value',
    'sa_function_new_for_callable_info': 'takes a libgirepository GIFunctionInfo (skipped in the GIR); Vala has Function.introspected',
}


def vapi_symbols(text):
    """C identifiers, property names and enum members the VAPI declares."""
    callables, properties, members = set(), set(), {}
    cname = None
    container = []          # (kind, c name)
    for line in text.splitlines():
        line = line.strip()
        m = re.search(r'\bcname = "(\w+)"', line)
        if line.startswith('[') and m:
            cname = m.group(1)
            continue
        if line.startswith('['):
            continue
        m = re.match(r'public (?:sealed )?(class|enum|errordomain) (\w+)', line)
        if m:
            container.append((m.group(1), cname or 'Sa' + m.group(2)))
            members[container[-1][1]] = set()
            cname = None
            continue
        if line == '}':
            if container:
                container.pop()
            continue
        kind = container[-1] if container else None
        # A class's methods are sa_<class>_<name>, in snake case.
        prefix = (re.sub(r'(?<!^)(?=[A-Z])', '_', kind[1][2:]).lower()
                  if kind and kind[0] == 'class' else 'function')
        m = re.match(r'public (\w+)\.@?(\w+) \(', line)
        if m:
            callables.add(cname or f'sa_{prefix}_new_' + m.group(2))
        elif re.match(r'(public|protected) (\w+) \(', line) and kind and kind[0] == 'class':
            callables.add(cname or f'sa_{prefix}_new')
        elif m := re.match(r'public [\w.?\[\]* ]+ (\w+) \{', line):
            properties.add(m.group(1))
        elif m := re.match(r'public (?:static )?(?:async )?[\w.?\[\]* ]+ (\w+) \(', line):
            if kind and kind[0] == 'class':
                callables.add(cname or f'sa_{prefix}_' + m.group(1))
                # A Vala async method is the _async and _finish pair.
                if ' async ' in line and m.group(1).endswith('_async'):
                    callables.add(f'sa_{prefix}_' + m.group(1)[:-len('_async')] + '_finish')
            elif kind is None:
                callables.add(cname or 'sa_' + m.group(1))
            else:
                callables.add(cname)
        elif kind and kind[0] in ('enum', 'errordomain') and re.match(r'[A-Z_]+[,;]?$', line):
            members[kind[1]].add(line.rstrip(',;'))
        cname = None
    return callables, properties, members


def main():
    gir = ET.parse(sys.argv[1]).getroot()
    with open(sys.argv[2]) as f:
        callables, properties, members = vapi_symbols(f.read())

    checks = []
    for element in gir.iter():
        tag = element.tag.split('}')[1]
        if tag in ('constructor', 'method', 'function') and element.get(C_ID):
            ident = element.get(C_ID)
            if ident in LEFT_OUT:
                checks.append((f'{ident} left out: {LEFT_OUT[ident]}', ident not in callables))
            else:
                checks.append((f'{ident} is in the VAPI', ident in callables))
        elif tag == 'property':
            name = element.get('name').replace('-', '_')
            checks.append((f'property {name} is in the VAPI', name in properties))
        elif tag in ('enumeration', 'bitfield'):
            ctype = element.get(C_TYPE)
            for member in element.findall('g:member', NS):
                name = member.get('name').upper()
                checks.append((f'{ctype} {name} is in the VAPI', name in members.get(ctype, ())))

    print(f'1..{len(checks)}')
    failed = 0
    for i, (what, ok) in enumerate(checks, 1):
        print(f'{"ok" if ok else "not ok"} {i} {what}')
        failed += not ok
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
