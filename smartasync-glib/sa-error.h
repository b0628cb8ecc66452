/* sa-error.h: the SA_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (SA_INSIDE) && !defined (SA_COMPILATION)
# error "Only <smartasync-glib.h> can be included directly."
#endif

#include <glib.h>

#include "sa-version.h"

G_BEGIN_DECLS

/**
 * SA_ERROR:
 *
 * The error domain of smartasync-glib itself. Errors raised by wrapped
 * functions keep their own domain; cancellation and deadlines use
 * %G_IO_ERROR_CANCELLED and %G_IO_ERROR_TIMED_OUT.
 *
 * Since: 0.1
 */
#define SA_ERROR (sa_error_quark ())

/**
 * SaError:
 * @SA_ERROR_FAILED: a value-based callable ([callback@SyncFunc]) reported
 *   failure without setting a #GError (a bug in the callable, or a binding
 *   that lost the error)
 * @SA_ERROR_ARGUMENT_COUNT: the call passed a number of arguments that does
 *   not match the function's signature
 * @SA_ERROR_ARGUMENT_TYPE: an argument could not be converted to the type
 *   the signature declares without losing information
 * @SA_ERROR_RESULT_TYPE: the callable produced a result that could not be
 *   converted to the declared return type
 * @SA_ERROR_UNSAFE_DEADLINE: a deadline was asked of a function with
 *   %G_TYPE_POINTER parameters that lacks %SA_FUNCTION_FLAGS_DEADLINE_SAFE:
 *   a call abandoned at its deadline could write through them after the
 *   caller freed what they point to. Since: 0.2
 * @SA_ERROR_NOT_FOUND: sa_function_new_introspected() found no typelib or no
 *   function of that name. Since: 0.2
 * @SA_ERROR_UNSUPPORTED: the callable cannot be wrapped: its typelib
 *   describes something that cannot be called safely (a callback other than
 *   an async function's, a caller-allocated structure, a list), or the
 *   library was built without gobject-introspection. Since: 0.2
 *
 * Error codes in the %SA_ERROR domain.
 *
 * Since: 0.1
 */
typedef enum
{
  SA_ERROR_FAILED,
  SA_ERROR_ARGUMENT_COUNT,
  SA_ERROR_ARGUMENT_TYPE,
  SA_ERROR_RESULT_TYPE,
  SA_ERROR_UNSAFE_DEADLINE,
  SA_ERROR_NOT_FOUND,
  SA_ERROR_UNSUPPORTED,
} SaError;

SA_AVAILABLE_IN_ALL
GQuark sa_error_quark (void);

G_END_DECLS
