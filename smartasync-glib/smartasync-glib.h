/* smartasync-glib.h: the only header applications include
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#define SA_INSIDE
# include "sa-version.h"
# include "sa-enum-types.h"
# include "sa-context.h"
# include "sa-error.h"
# include "sa-pool.h"
# include "sa-function.h"
# include "sa-gather.h"
#undef SA_INSIDE
