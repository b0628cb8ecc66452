# site-dir.py: prints the directory under PREFIX that this Python searches
# for packages (sys.path), or nothing if it searches none. Used by meson to
# install the PyGObject override where PyGObject finds it.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import sys

prefix = os.path.realpath(sys.argv[1])

for entry in sys.path:
    if not entry:
        continue
    path = os.path.realpath(entry)
    relative = os.path.relpath(path, prefix).split(os.sep)
    # prefix/lib*/.../site-packages: /usr/local/lib/... is not under /usr
    if (relative[0] in ('lib', 'lib64') and
            relative[-1] in ('dist-packages', 'site-packages')):
        print(path)
        break
