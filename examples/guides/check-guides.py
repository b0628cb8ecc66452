#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the programs of docs/guides/ and checks what they print (TAP).

    check-guides.py GUIDE

GUIDE is one of: cli, http, library, migration, plugins, repl, snippets. The
programs' paths come from the environment (examples/guides/meson.build).
"""

import os
import re
import subprocess
import sys
import tempfile

SRC = os.environ['SA_SOURCE_ROOT']
GJS = os.environ.get('GJS')
checks = []


def check(ok, what, detail=''):
    checks.append(ok)
    print('%s %d - %s' % ('ok' if ok else 'not ok', len(checks), what))
    if not ok and detail:
        print('\n'.join('# ' + line for line in detail.splitlines()))


def run(command, status=0, stdin=None, cwd=None):
    proc = subprocess.run(command, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=120, cwd=cwd)
    check(proc.returncode == status, '%s exits with %d' % (' '.join(command[-2:]), status),
          'exit status %d\n%s%s' % (proc.returncode, proc.stdout, proc.stderr))
    return proc.stdout


def program(name):
    return os.environ[name.upper().replace('-', '_')]


def guide_cli():
    with tempfile.TemporaryDirectory() as tmp:
        for name, size in [('b.txt', 300), ('a.txt', 300), ('big.bin', 70000), ('empty', 0)]:
            with open(os.path.join(tmp, name), 'wb') as f:
                f.write(b'x' * size)
        expected = ('     70000  big.bin\n       300  a.txt\n       300  b.txt\n'
                    '         0  empty\n4 entries, 70600 bytes\n')
        out = run([program('sa-ls'), tmp])
        check(out == expected, 'sa-ls lists the directory, largest first', out)
        out = run([GJS, '-m', os.path.join(SRC, 'examples/guides/sa-ls.js'), tmp])
        check(out == expected, 'sa-ls.js prints the same', out)
    for command in ([program('sa-ls')], [GJS, '-m', os.path.join(SRC, 'examples/guides/sa-ls.js')]):
        proc = subprocess.run(command + ['/nonexistent'], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=60)
        check(proc.returncode == 1 and 'No such file or directory' in proc.stderr,
              '%s reports a missing directory with GIO\'s error' % os.path.basename(command[-1]),
              proc.stderr)


def guide_library():
    files = [os.path.join(SRC, name) for name in ('README.md', 'COPYING', 'docs/design.md')]
    out = run([program('sa-wc')] + files)
    wc = subprocess.run(['wc', '-w'] + files, stdout=subprocess.PIPE, text=True).stdout
    expected = [line.split()[0] for line in wc.splitlines()[:len(files)]]
    got = [line.split()[0] for line in out.splitlines()[:len(files)]]
    check(got == expected, 'wc_counter_count_sync counts as wc -w does', out + wc)
    check(out.endswith("the async API agrees, with wc_counter_count_async's tag and name\n"),
          'the async API agrees and its results carry the library\'s tag and name', out)
    proc = subprocess.run([program('sa-wc'), '/nonexistent'], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=60)
    check(proc.returncode == 1 and 'No such file' in proc.stderr,
          'a missing file is reported by both APIs', proc.stderr)


def guide_migration():
    expected = ''.join('order %d: %d books, charged ch_%d, receipt sent\n' % (i, i % 3 + 2, 1000 + i)
                       for i in range(1, 7))
    out = run([program('sa-orders')])
    check(out == expected, 'the old batch entry point processes the orders', out)
    out = run([program('sa-orders'), '--service'])
    check(out == expected, 'the new service entry point gives the same lines', out)


def guide_plugins():
    text = 'hello plugin world'
    expected = ('upper: HELLO PLUGIN WORLD\nwords: 3 words\nreverse: dlrow nigulp olleh\n'
                'bytes: 18 bytes\n')
    out = run([program('sa-plugins'), text])
    check(out == expected, 'each plugin in turn from plain code', out)
    out = run([program('sa-plugins'), '--loop', text])
    check(out == expected, 'all plugins at once from a loop give the same', out)
    out = run([GJS, '-m', os.path.join(SRC, 'examples/guides/sa-plugins.js'), text])
    check(out == ('upper: HELLO PLUGIN WORLD\nbytes: 18 bytes\n'
                  'reverse: not from sync code (Function “reverse” is a JavaScript async '
                  'function: it needs a running main loop and cannot serve a sync caller)\n'
                  'upper: HELLO PLUGIN WORLD\nbytes: 18 bytes\nreverse: dlrow nigulp olleh\n'),
          'the GJS host runs JS plugins, sync and async', out)


def guide_http():
    out = run([program('sa-http')])
    check(out == ('200 hello ada\n200 hello grace\n200 hello barbara\n'
                  '6 of 6 concurrent requests answered\n'),
          'sync fetches from plain code, then six at once from a loop', out)


def guide_repl():
    size = str(os.path.getsize(os.path.join(SRC, 'COPYING')))

    def session(name):
        with open(os.path.join(SRC, 'examples/guides', name)) as f:
            return f.read()

    out = run(['/usr/bin/python3', '-i', '-q'], stdin=session('repl-session.py'), cwd=SRC)
    check(out.split() == [size, '5'], "Python's REPL gets values back", out)
    out = run(['/usr/bin/python3', '-q', '-m', 'asyncio'], stdin=session('repl-session-asyncio.py'),
              cwd=SRC)
    check(re.sub(r'(>>> |\.\.\. )', '', out).split() == ['5', '[2,', '4]'],
          "the asyncio REPL awaits the same function", out)
    out = run([GJS], stdin=session('repl-session.js'), cwd=SRC)
    results = [line for line in out.splitlines() if not line.startswith(('gjs>', '....'))]
    check(results == ['false', size, size], "gjs's console gets values back", out)


def guide_snippets():
    """Every code block of docs/guides/*.md but output ("text") and shell
    commands ("sh") is part of a program that the suite runs."""
    sources = ''
    for directory in ('examples/guides', 'examples/gtk'):
        for name in sorted(os.listdir(os.path.join(SRC, directory))):
            if name.endswith(('.c', '.h', '.js', '.py')):
                with open(os.path.join(SRC, directory, name)) as f:
                    sources += f.read()
    guides = os.path.join(SRC, 'docs/guides')
    for name in sorted(os.listdir(guides)):
        if not name.endswith('.md'):
            continue
        with open(os.path.join(guides, name)) as f:
            text = f.read()
        blocks = re.findall(r'^```(\w*)\n(.*?)^```$', text, re.S | re.M)
        code = [(lang, body) for lang, body in blocks if lang not in ('text', 'sh')]
        missing = [body for lang, body in code if body not in sources]
        # Shell blocks say how to run the programs: the files they name exist.
        missing += [path for lang, body in blocks if lang == 'sh'
                    for path in re.findall(r'(?<![\w/])(?:examples|docs)/[\w./-]+', body)
                    if not os.path.exists(os.path.join(SRC, path))]
        check(not missing, '%s: its %d code blocks are in the programs' % (name, len(code)),
              '\n----\n'.join(missing))


def main():
    guide = sys.argv[1]
    globals()['guide_' + guide]()
    print('1..%d' % len(checks))
    sys.exit(0 if checks and all(checks) else 1)


if __name__ == '__main__':
    main()
