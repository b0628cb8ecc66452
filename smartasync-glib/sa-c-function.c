/* sa-c-function.c: a blocking C function, called through libffi
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-callable-private.h"

typedef struct
{
  SaCallable  parent;
  GCallback   func;
  ffi_cif     cif;
  ffi_type  **arg_types;
} SaCFunction;

ffi_type **
sa_c_ffi_types (SaFunction *function,
                guint       n_extra)
{
  ffi_type **types = g_new (ffi_type *, function->n_params + n_extra);

  for (guint i = 0; i < function->n_params; i++)
    types[i] = sa_signature_ffi_type (function->param_types[i]);
  for (guint i = 0; i < n_extra; i++)
    types[function->n_params + i] = &ffi_type_pointer;

  return types;
}

guint
sa_c_fill_slots (SaFunction *function,
                 GValue     *args,
                 SaSlot     *slots,
                 void      **values)
{
  for (guint i = 0; i < function->n_params; i++)
    {
      sa_slot_from_value (&slots[i], &args[i]);
      values[i] = &slots[i];
    }

  return function->n_params;
}

gboolean
sa_c_take_return (SaFunction  *function,
                  SaSlot      *ret,
                  GError      *local_error,
                  GValue      *result,
                  GError     **error)
{
  if (function->return_type == G_TYPE_NONE)
    sa_value_init_result (result, G_TYPE_NONE);
  else
    sa_value_from_slot (result, function->return_type, ret,
                        !(function->flags & SA_FUNCTION_FLAGS_RETURNS_UNOWNED));

  if (local_error != NULL)
    {
      g_value_unset (result);
      g_propagate_error (error, local_error);
      return FALSE;
    }

  return TRUE;
}

static gboolean
sa_c_function_invoke (SaCallable    *callable,
                      SaFunction    *function,
                      GValue        *args,
                      GCancellable  *cancellable,
                      GValue        *result,
                      GError       **error)
{
  SaCFunction *self = (SaCFunction *) callable;
  SaSlot slots[SA_FUNCTION_MAX_PARAMS + 2];
  void *values[SA_FUNCTION_MAX_PARAMS + 2];
  SaSlot ret = { 0 };
  GError *local_error = NULL;
  guint n;

  n = sa_c_fill_slots (function, args, slots, values);
  if (function->flags & SA_FUNCTION_FLAGS_CANCELLABLE)
    {
      slots[n].v_pointer = cancellable;
      values[n] = &slots[n];
      n++;
    }
  if (function->flags & SA_FUNCTION_FLAGS_THROWS)
    {
      slots[n].v_pointer = &local_error;
      values[n] = &slots[n];
      n++;
    }

  ffi_call (&self->cif, FFI_FN (self->func), &ret, values);

  return sa_c_take_return (function, &ret, local_error, result, error);
}

static void
sa_c_function_finalize (SaCallable *callable,
                        SaFunction *function)
{
  SaCFunction *self = (SaCFunction *) callable;

  g_free (self->arg_types);
  g_free (self);
}

static const SaCallableClass sa_c_function_class = {
  .description = "blocking",
  .kind = SA_FUNCTION_KIND_SYNC,
  .invoke = sa_c_function_invoke,
  .finalize = sa_c_function_finalize,
};

SaCallable *
sa_c_function_new (SaFunction *function,
                   GCallback   func)
{
  SaCFunction *self = g_new0 (SaCFunction, 1);
  guint n_extra;

  self->parent.klass = &sa_c_function_class;
  self->func = func;

  n_extra = !!(function->flags & SA_FUNCTION_FLAGS_CANCELLABLE) +
            !!(function->flags & SA_FUNCTION_FLAGS_THROWS);
  self->arg_types = sa_c_ffi_types (function, n_extra);
  if (!sa_signature_prepare_cif (&self->cif, self->arg_types,
                                 function->n_params + n_extra, function->return_type))
    {
      g_critical ("Function “%s”: libffi cannot describe its signature", function->name);
      sa_c_function_finalize (&self->parent, function);
      return NULL;
    }

  return &self->parent;
}
