#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run-snippets.py: builds and runs every fenced code block of the given
# Markdown files, one TAP case each, and fails on any that does not work.
#
#   run-snippets.py --uninstalled BUILDDIR FILE.md...
#   run-snippets.py --installed PREFIX FILE.md...
#
# A block's info string says what it is:
#
#   c        a C program: compiled with `cc -Wall -Werror` and
#            `pkg-config --cflags --libs smartasync-glib-1`, then run
#   python   a program run with /usr/bin/python3
#   js       an ES module run with `gjs -m`
#   vala     a program compiled with `valac --pkg smartasync-glib-1`, then run
#   sh       shell commands, not run
#   text     output or other text, not run
#
# A block with no info string or another one fails: every block is either
# run or marked as not a program.
#
# Uninstalled, the library comes from BUILDDIR and the source tree, as
# `meson devenv -C BUILDDIR` sets it up (PKG_CONFIG_PATH=BUILDDIR/meson-uninstalled,
# LD_LIBRARY_PATH, GI_TYPELIB_PATH), plus PYTHONPATH=smartasync-glib/python
# of the source and build trees for the PyGObject override and its C part,
# and `--vapidir BUILDDIR/smartasync-glib` for valac. Installed, everything comes from PREFIX. The GJS module is imported
# by URL: the snippets use the default prefix's,
# file:///usr/local/share/smartasync-glib-1/js/smartasync.js, which is
# replaced by file://SRCDIR/smartasync-glib/js/smartasync.js uninstalled and
# by the one under PREFIX installed, as README.md tells readers to do.

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRCDIR = os.path.realpath(os.path.join(os.path.dirname(__file__), '..', '..'))
MODULE_URL = re.compile(r'file://[^\'"]*/share/smartasync-glib-1/js/smartasync\.js')
NOT_PROGRAMS = {'sh', 'text'}
TIMEOUT = 120


def blocks(path):
    """(line, info string, text) of each fenced block of @path."""
    with open(path) as f:
        lines = f.read().split('\n')
    i = 0
    while i < len(lines):
        m = re.match(r'^(\s*)```(.*)$', lines[i])
        if not m:
            i += 1
            continue
        indent, info, start = m.group(1), m.group(2).strip(), i + 1
        body = []
        i += 1
        while i < len(lines) and lines[i].strip() != '```':
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1
        yield start, info, '\n'.join(body) + '\n'


class Runner:
    def __init__(self, mode, where, tmp):
        self.tmp = tmp
        env = dict(os.environ)
        env['G_DEBUG'] = 'fatal-criticals'
        env['PYTHONDONTWRITEBYTECODE'] = '1'
        if mode == '--uninstalled':
            build = os.path.realpath(where)
            libdir = typelibdir = self.vapidir = os.path.join(build, 'smartasync-glib')
            env['PKG_CONFIG_PATH'] = os.path.join(build, 'meson-uninstalled')
            env['PYTHONPATH'] = os.pathsep.join([os.path.join(SRCDIR, 'smartasync-glib', 'python'),
                                                 os.path.join(build, 'smartasync-glib', 'python')])
            self.module = 'file://' + os.path.join(SRCDIR, 'smartasync-glib', 'js', 'smartasync.js')
        else:
            prefix = os.path.realpath(where)
            libdir = os.path.dirname(glob.glob(os.path.join(prefix, 'lib*', '**', 'libsmartasync-glib-1.so'),
                                               recursive=True)[0])
            typelibdir = os.path.join(libdir, 'girepository-1.0')
            env['PKG_CONFIG_PATH'] = os.path.join(libdir, 'pkgconfig')
            env['PYTHONPATH'] = glob.glob(os.path.join(prefix, 'lib', 'python3*', '*-packages'))[0]
            self.vapidir = os.path.join(prefix, 'share', 'vala', 'vapi')
            self.module = 'file://' + os.path.join(prefix, 'share', 'smartasync-glib-1', 'js', 'smartasync.js')
        env['LD_LIBRARY_PATH'] = libdir
        env['GI_TYPELIB_PATH'] = typelibdir
        self.env = env

    def run(self, argv, what):
        result = subprocess.run(argv, env=self.env, cwd=self.tmp, timeout=TIMEOUT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            raise RuntimeError(f'{what} failed ({result.returncode}):\n{result.stdout}')
        return result.stdout

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def c(self, text):
        source = self.write('snippet.c', text)
        flags = self.run(['pkg-config', '--cflags', '--libs', 'smartasync-glib-1'], 'pkg-config').split()
        self.run(['cc', '-Wall', '-Werror', '-o', 'snippet-c', source] + flags, 'cc')
        return self.run(['./snippet-c'], 'the program')

    def python(self, text):
        return self.run(['/usr/bin/python3', self.write('snippet.py', text)], 'python3')

    def js(self, text):
        if not MODULE_URL.search(text) and 'smartasync.js' in text:
            raise RuntimeError('imports smartasync.js by another URL than the documented one')
        return self.run(['gjs', '-m', self.write('snippet.js', MODULE_URL.sub(self.module, text))], 'gjs')

    def vala(self, text):
        source = self.write('snippet.vala', text)
        self.run(['valac', '--vapidir', self.vapidir, '--pkg', 'smartasync-glib-1',
                  '-X', '-w', '-o', 'snippet-vala', source], 'valac')
        return self.run(['./snippet-vala'], 'the program')


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ('--uninstalled', '--installed'):
        print('usage: run-snippets.py --uninstalled BUILDDIR|--installed PREFIX FILE.md...', file=sys.stderr)
        return 2
    mode, where, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    cases = [(path, line, info, text) for path in files for line, info, text in blocks(path)]
    print(f'1..{len(cases)}')
    failed = 0
    for n, (path, line, info, text) in enumerate(cases, 1):
        name = f'{os.path.relpath(path, SRCDIR)}:{line} ({info or "no info string"})'
        if info in NOT_PROGRAMS:
            print(f'ok {n} {name}: not a program')
            continue
        tmp = tempfile.mkdtemp(prefix='sa-snippet-')
        try:
            runner = Runner(mode, where, tmp)
            if info not in ('c', 'python', 'js', 'vala'):
                raise RuntimeError('unmarked block: give it c, python, js, vala, sh or text')
            output = getattr(runner, info)(text)
            print(f'ok {n} {name}')
            for out in output.splitlines():
                print(f'#   {out}')
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            failed += 1
            print(f'not ok {n} {name}')
            for out in str(e).splitlines():
                print(f'#   {out}')
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
