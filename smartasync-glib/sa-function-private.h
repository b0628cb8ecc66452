/* sa-function-private.h: what the library's files share about SaFunction
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <ffi.h>

#include "sa-function.h"

G_BEGIN_DECLS

#define SA_FUNCTION_MAX_PARAMS 32

/* How the callable is implemented: C functions through libffi, or the
 * GValue-based callbacks that bindings implement. */
typedef enum
{
  SA_CALLABLE_NONE,
  SA_CALLABLE_NATIVE_SYNC,
  SA_CALLABLE_NATIVE_ASYNC,
  SA_CALLABLE_VALUE_SYNC,
  SA_CALLABLE_VALUE_ASYNC,
} SaCallableType;

struct _SaFunction
{
  GObject          parent_instance;

  char            *name;
  const char      *interned_name;  /* for reports that outlive the function */
  SaFunctionFlags  flags;
  GType            return_type;
  GType           *param_types;
  guint            n_params;
  /* The value table of each parameter type, looked up once: collecting
   * C arguments then needs no type-system lookup per argument. */
  const GTypeValueTable **param_vtables;

  /* The thread-default context at construction and its thread: where
   * SA_FUNCTION_FLAGS_OWNER_THREAD callables run. */
  GMainContext    *main_context;
  GThread         *owner_thread;

  int              mode;     /* SaMode, atomic */
  int              timeout;  /* milliseconds or -1, atomic */

  SaCallableType   callable_type;
  union
  {
    struct
    {
      GCallback  func;
      ffi_cif    cif;
    } native_sync;
    struct
    {
      GCallback  async_func;
      GCallback  finish_func;
      ffi_cif    async_cif;
      ffi_cif    finish_cif;
      /* How to call the pair without libffi (sa-invoke.c), or 0 and -1 */
      guint      start_shape;
      int        finish_shape;
    } native_async;
    struct
    {
      SaSyncFunc func;
    } value_sync;
    struct
    {
      SaAsyncFunc func;
    } value_async;
  } callable;
  ffi_type       **ffi_arg_types;
  ffi_type       **ffi_finish_types;
  gpointer         user_data;
  GDestroyNotify   user_data_destroy;
};

static inline SaFunctionKind
sa_function_kind (SaFunction *self)
{
  return (self->callable_type == SA_CALLABLE_NATIVE_ASYNC ||
          self->callable_type == SA_CALLABLE_VALUE_ASYNC)
    ? SA_FUNCTION_KIND_ASYNC : SA_FUNCTION_KIND_SYNC;
}

static inline gboolean
sa_function_is_owner_thread (SaFunction *self)
{
  return self->owner_thread == g_thread_self ();
}

G_END_DECLS
