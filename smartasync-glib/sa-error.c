/* sa-error.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-error.h"

/**
 * sa_error_quark:
 *
 * The quark behind %SA_ERROR.
 *
 * Returns: the error domain of smartasync-glib
 *
 * Since: 0.1
 */
G_DEFINE_QUARK (sa-error-quark, sa_error)
