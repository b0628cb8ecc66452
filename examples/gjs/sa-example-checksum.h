/* sa-example-checksum.h: a C library's blocking function, for the GJS example
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <smartasync-glib.h>

G_BEGIN_DECLS

SaFunction *sa_example_new_slow_checksum (void);

G_END_DECLS
