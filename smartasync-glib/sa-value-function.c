/* sa-value-function.c: a blocking callable written in a binding
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-callable-private.h"
#include "sa-error.h"

typedef struct
{
  SaCallable       parent;
  SaSyncFunc       func;
  SaUserData       data;
} SaValueFunction;

typedef struct
{
  gpointer       data;
  GDestroyNotify destroy;
} DeferredDestroy;

static gboolean
run_deferred_destroy (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

/* The release itself is the source's destroy notify: it runs after the
 * dispatch on the owner thread, or, should the context go away before
 * dispatching it, when the context is freed, so the data is never lost. */
static void
deferred_destroy_free (gpointer user_data)
{
  DeferredDestroy *deferred = user_data;

  deferred->destroy (deferred->data);
  g_free (deferred);
}

/* Releases the data of a binding's callable. An owner-thread callable's
 * data belongs to its thread too (a GJS closure must not be released
 * elsewhere). */
void
sa_user_data_release (SaUserData *data,
                      SaFunction *function)
{
  if (data->destroy == NULL)
    return;

  if (sa_function_owner_thread_only (function) && !sa_function_is_owner_thread (function))
    {
      DeferredDestroy *deferred = g_new (DeferredDestroy, 1);
      GSource *source;

      deferred->data = data->user_data;
      deferred->destroy = data->destroy;

      /* Not g_main_context_invoke(): it runs the function at once on any
       * thread that can acquire the context, which for the global default
       * context is any thread while the owner is not iterating it. */
      source = g_idle_source_new ();
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, run_deferred_destroy, deferred, deferred_destroy_free);
      g_source_set_static_name (source, "[smartasync] release owner-thread data");
      g_source_attach (source, function->main_context);
      g_source_unref (source);
    }
  else
    data->destroy (data->user_data);

  data->destroy = NULL;
}

/* Bindings get the GValue shape; their quirks are handled here: a callback
 * may return TRUE *and* set an error (GJS), or FALSE with no error (a
 * Python exception that was not a GLib.Error, a GJS thread refusal). */
static gboolean
sa_value_function_invoke (SaCallable    *callable,
                          SaFunction    *self,
                          GValue        *args,
                          GCancellable  *cancellable,
                          GValue        *result,
                          GError       **error)
{
  SaValueFunction *value_function = (SaValueFunction *) callable;
  g_auto(GValue) returned = G_VALUE_INIT;
  GError *local_error = NULL;
  gboolean ok;

  sa_value_init_result (&returned, self->return_type);
  ok = value_function->func (args, self->n_params, &returned, cancellable,
                             value_function->data.user_data, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (!ok)
    {
      g_set_error (error, SA_ERROR, SA_ERROR_FAILED,
                   "Function “%s” failed without setting an error", self->name);
      return FALSE;
    }

  if (self->return_type == G_TYPE_NONE)
    {
      sa_value_init_result (result, G_TYPE_NONE);
      return TRUE;
    }

  if (!G_IS_VALUE (&returned))
    {
      g_set_error (error, SA_ERROR, SA_ERROR_RESULT_TYPE,
                   "Function “%s” returned no value, expected %s",
                   self->name, g_type_name (self->return_type));
      return FALSE;
    }

  if (!sa_value_coerce (&returned, self->return_type, result,
                        SA_ERROR_RESULT_TYPE, error))
    {
      g_prefix_error (error, "Function “%s”: result: ", self->name);
      return FALSE;
    }

  return TRUE;
}

static void
sa_value_function_finalize (SaCallable *callable,
                            SaFunction *function)
{
  SaValueFunction *self = (SaValueFunction *) callable;

  sa_user_data_release (&self->data, function);
  g_free (self);
}

static const SaCallableClass sa_value_function_class = {
  .description = "blocking",
  .kind = SA_FUNCTION_KIND_SYNC,
  .invoke = sa_value_function_invoke,
  .finalize = sa_value_function_finalize,
};

SaCallable *
sa_value_function_new (SaFunction     *function,
                       SaSyncFunc      func,
                       gpointer        user_data,
                       GDestroyNotify  destroy)
{
  SaValueFunction *self = g_new0 (SaValueFunction, 1);

  self->parent.klass = &sa_value_function_class;
  self->func = func;
  self->data.user_data = user_data;
  self->data.destroy = destroy;

  return &self->parent;
}
