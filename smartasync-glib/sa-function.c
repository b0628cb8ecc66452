/* sa-function.c: a callable that works from sync and async callers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gobject/gvaluecollector.h>
#include <string.h>

#include "sa-call-private.h"
#include "sa-call-result-private.h"
#include "sa-context.h"
#include "sa-enum-types.h"
#include "sa-error.h"
#include "sa-signature-private.h"

/**
 * SaFunction:
 *
 * A function that can be called from sync code and from async code alike.
 *
 * An `SaFunction` wraps either a blocking callable or a GIO-style async
 * pair (`_async` + `_finish`), with a typed signature: a return type and
 * parameter types, as a signal has. C functions are wrapped as they are and
 * called through libffi ([ctor@Function.new_sync],
 * [ctor@Function.new_async]); bindings implement [callback@SaSyncFunc] or
 * [callback@SaAsyncFunc] instead.
 *
 * [method@Function.call] (the *smart call*) looks at the caller's context
 * ([func@context_is_async]) on every call and takes one of four paths:
 *
 * | caller | wraps        | path                                                     |
 * |--------|--------------|----------------------------------------------------------|
 * | sync   | blocking     | direct call on the caller's thread                       |
 * | sync   | async pair   | a fresh private #GMainContext, pushed as thread-default, is iterated until the pair completes; the caller's contexts are never iterated |
 * | async  | async pair   | started at once; a #GTask completes in the caller's context |
 * | async  | blocking     | g_task_run_in_thread(); the loop keeps running            |
 *
 * [method@Function.call_sync] always takes a sync-caller path and
 * [method@Function.call_async] an async-caller path, so a C library gets
 * a sync and an async API from one implementation.
 *
 * Functions are immutable after construction but for
 * [property@Function:mode] and [property@Function:timeout], and may be
 * called from any number of threads at once. Every call holds a reference
 * on its function, so dropping the last reference while calls are in
 * flight is safe.
 *
 * With `G_MESSAGES_DEBUG=SmartAsync`, each call logs the function's name,
 * the caller's context and the path taken.
 *
 * Since: 0.1
 */

/* The four paths of the design, plus the hop that keeps owner-thread
 * callables (GJS) on their thread when an async caller calls them. */
typedef enum
{
  SA_PATH_DIRECT,           /* sync caller, blocking callable */
  SA_PATH_PRIVATE_CONTEXT,  /* sync caller, async pair */
  SA_PATH_ASYNC_PAIR,       /* async caller, async pair */
  SA_PATH_WORKER_THREAD,    /* async caller, blocking callable */
  SA_PATH_OWNER_THREAD,     /* async caller, owner-thread blocking callable */
} SaPath;

static const char * const path_names[] = {
  [SA_PATH_DIRECT] = "direct call",
  [SA_PATH_PRIVATE_CONTEXT] = "private context",
  [SA_PATH_ASYNC_PAIR] = "async pair",
  [SA_PATH_WORKER_THREAD] = "worker thread",
  [SA_PATH_OWNER_THREAD] = "owner thread",
};

enum {
  PROP_0,
  PROP_NAME,
  PROP_FLAGS,
  PROP_KIND,
  PROP_MODE,
  PROP_TIMEOUT,
  PROP_RETURN_TYPE,
  PROP_MAIN_CONTEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* G_MESSAGES_DEBUG is read once: checking it costs a getenv() per call. */
static gboolean sa_debug_enabled;

G_DEFINE_FINAL_TYPE (SaFunction, sa_function, G_TYPE_OBJECT)

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

static void
sa_function_finalize (GObject *object)
{
  SaFunction *self = SA_FUNCTION (object);

  if (self->user_data_destroy != NULL)
    {
      /* An owner-thread callable's data belongs to its thread too (a GJS
       * closure must not be released elsewhere). */
      if ((self->flags & SA_FUNCTION_FLAGS_OWNER_THREAD) &&
          !sa_function_is_owner_thread (self))
        {
          DeferredDestroy *deferred = g_new (DeferredDestroy, 1);
          GSource *source;

          deferred->data = self->user_data;
          deferred->destroy = self->user_data_destroy;

          /* Not g_main_context_invoke(): it runs the function at once on
           * any thread that can acquire the context, which for the global
           * default context is any thread while the owner is not iterating
           * it. */
          source = g_idle_source_new ();
          g_source_set_priority (source, G_PRIORITY_DEFAULT);
          g_source_set_callback (source, run_deferred_destroy, deferred, deferred_destroy_free);
          g_source_set_static_name (source, "[smartasync] release owner-thread data");
          g_source_attach (source, self->main_context);
          g_source_unref (source);
        }
      else
        self->user_data_destroy (self->user_data);
    }

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->param_types, g_free);
  g_clear_pointer (&self->param_vtables, g_free);
  g_clear_pointer (&self->ffi_arg_types, g_free);
  g_clear_pointer (&self->ffi_finish_types, g_free);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_pointer (&self->owner_thread, g_thread_unref);

  G_OBJECT_CLASS (sa_function_parent_class)->finalize (object);
}

static void
sa_function_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SaFunction *self = SA_FUNCTION (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_FLAGS:
      g_value_set_flags (value, self->flags);
      break;
    case PROP_KIND:
      g_value_set_enum (value, sa_function_kind (self));
      break;
    case PROP_MODE:
      g_value_set_enum (value, sa_function_get_mode (self));
      break;
    case PROP_TIMEOUT:
      g_value_set_int (value, sa_function_get_timeout (self));
      break;
    case PROP_RETURN_TYPE:
      g_value_set_gtype (value, self->return_type);
      break;
    case PROP_MAIN_CONTEXT:
      g_value_set_boxed (value, self->main_context);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sa_function_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SaFunction *self = SA_FUNCTION (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      self->interned_name = g_intern_string (self->name != NULL ? self->name : "");
      break;
    case PROP_FLAGS:
      self->flags = g_value_get_flags (value);
      break;
    case PROP_MODE:
      sa_function_set_mode (self, g_value_get_enum (value));
      break;
    case PROP_TIMEOUT:
      sa_function_set_timeout (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sa_function_class_init (SaFunctionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sa_function_finalize;
  object_class->get_property = sa_function_get_property;
  object_class->set_property = sa_function_set_property;

  /**
   * SaFunction:name:
   *
   * The function's name, used in every message and error about it.
   *
   * Since: 0.1
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         "anonymous",
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * SaFunction:flags:
   *
   * How the wrapped callable is called.
   *
   * Since: 0.1
   */
  properties[PROP_FLAGS] =
    g_param_spec_flags ("flags", NULL, NULL,
                        SA_TYPE_FUNCTION_FLAGS,
                        SA_FUNCTION_FLAGS_NONE,
                        (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS));

  /**
   * SaFunction:kind:
   *
   * Whether the function wraps a blocking callable or an async pair.
   *
   * Since: 0.1
   */
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       SA_TYPE_FUNCTION_KIND,
                       SA_FUNCTION_KIND_SYNC,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * SaFunction:mode:
   *
   * Forces the path of [method@Function.call]: %SA_MODE_AUTO (the
   * default) decides from the caller's context on every call.
   *
   * Since: 0.1
   */
  properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL,
                       SA_TYPE_MODE,
                       SA_MODE_AUTO,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  /**
   * SaFunction:timeout:
   *
   * A deadline, in milliseconds, for sync callers waiting on an async
   * pair (or on an owner-thread callable from another thread); -1, the
   * default, waits forever. When it passes, the call is cancelled and
   * abandoned and the caller gets %G_IO_ERROR_TIMED_OUT. This is the guard
   * against the deadlock of sync-over-async: a pair that waits for
   * something only the caller's own, now blocked, main loop would deliver.
   *
   * A direct call of a blocking callable cannot be interrupted and ignores
   * the deadline; async callers keep their loop and ignore it too.
   *
   * Since: 0.1
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_int ("timeout", NULL, NULL,
                      -1, G_MAXINT, -1,
                      (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS));

  /**
   * SaFunction:return-type:
   *
   * The type of the function's result, %G_TYPE_NONE for none.
   *
   * Since: 0.1
   */
  properties[PROP_RETURN_TYPE] =
    g_param_spec_gtype ("return-type", NULL, NULL,
                        G_TYPE_NONE,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * SaFunction:main-context:
   *
   * The thread-default main context when the function was created: where
   * %SA_FUNCTION_FLAGS_OWNER_THREAD callables run.
   *
   * Since: 0.1
   */
  properties[PROP_MAIN_CONTEXT] =
    g_param_spec_boxed ("main-context", NULL, NULL,
                        G_TYPE_MAIN_CONTEXT,
                        (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  sa_debug_enabled = !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
}

static void
sa_function_init (SaFunction *self)
{
  self->mode = SA_MODE_AUTO;
  self->timeout = -1;
  self->return_type = G_TYPE_NONE;
  self->main_context = g_main_context_ref_thread_default ();
  self->owner_thread = g_thread_ref (g_thread_self ());
}

/* Constructors */

static gboolean
check_signature (const char      *name,
                 GType            return_type,
                 const GType     *param_types,
                 guint            n_params)
{
  if (n_params > SA_FUNCTION_MAX_PARAMS)
    {
      g_critical ("Function “%s”: %u parameters, at most %u are supported",
                  name, n_params, SA_FUNCTION_MAX_PARAMS);
      return FALSE;
    }

  if (return_type != G_TYPE_NONE && !sa_signature_type_is_supported (return_type))
    {
      g_critical ("Function “%s”: unsupported return type %s",
                  name, g_type_name (return_type));
      return FALSE;
    }

  for (guint i = 0; i < n_params; i++)
    {
      if (!sa_signature_type_is_supported (param_types[i]))
        {
          g_critical ("Function “%s”: parameter %u has unsupported type %s",
                      name, i + 1, g_type_name (param_types[i]));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
check_flags (const char      *name,
             SaFunctionFlags  flags,
             SaFunctionFlags  allowed)
{
  if (flags & ~allowed)
    {
      g_autofree char *extra = g_flags_to_string (SA_TYPE_FUNCTION_FLAGS, flags & ~allowed);

      g_critical ("Function “%s”: flags %s do not apply to this kind of callable",
                  name, extra);
      return FALSE;
    }

  return TRUE;
}

static SaFunction *
sa_function_new_internal (const char      *name,
                          SaCallableType   callable_type,
                          SaFunctionFlags  flags,
                          GType            return_type,
                          const GType     *param_types,
                          guint            n_params)
{
  SaFunction *self;

  self = g_object_new (SA_TYPE_FUNCTION,
                       "name", name,
                       "flags", flags,
                       NULL);
  self->callable_type = callable_type;
  self->return_type = return_type;
  self->n_params = n_params;
  self->param_types = g_memdup2 (param_types, n_params * sizeof (GType));
  self->param_vtables = g_new (const GTypeValueTable *, MAX (n_params, 1));
  for (guint i = 0; i < n_params; i++)
    self->param_vtables[i] = g_type_value_table_peek (param_types[i]);

  return self;
}

static ffi_type **
ffi_types_for_params (SaFunction *self,
                      guint       n_extra)
{
  ffi_type **types = g_new (ffi_type *, self->n_params + n_extra);

  for (guint i = 0; i < self->n_params; i++)
    types[i] = sa_signature_ffi_type (self->param_types[i]);
  for (guint i = 0; i < n_extra; i++)
    types[self->n_params + i] = &ffi_type_pointer;

  return types;
}

static GType *
collect_param_types (guint    n_params,
                     va_list *var_args)
{
  GType *types = g_new (GType, MAX (n_params, 1));

  for (guint i = 0; i < n_params; i++)
    types[i] = va_arg (*var_args, GType);

  return types;
}

/**
 * sa_function_new_sync: (skip)
 * @name: the function's name, for messages and errors
 * @func: the blocking C function to wrap
 * @flags: what @func takes besides its parameters:
 *   %SA_FUNCTION_FLAGS_CANCELLABLE, %SA_FUNCTION_FLAGS_THROWS; and
 *   %SA_FUNCTION_FLAGS_RETURNS_UNOWNED, %SA_FUNCTION_FLAGS_OWNER_THREAD
 * @return_type: the type @func returns, %G_TYPE_NONE for void
 * @n_params: the number of parameters
 * @...: the #GType of each parameter
 *
 * Wraps a blocking C function as it is. @func is called as
 * `func (param1, ..., [cancellable], [error])` with the parameters as C
 * passes them (a string as `const char *`, an object as its pointer), so
 * for instance
 *
 * ```c
 * GBytes *fetch_blocking (FooClient    *self,
 *                         const char   *url,
 *                         GCancellable *cancellable,
 *                         GError      **error);
 *
 * fetch = sa_function_new_sync ("fetch", G_CALLBACK (fetch_blocking),
 *                               SA_FUNCTION_FLAGS_CANCELLABLE |
 *                               SA_FUNCTION_FLAGS_THROWS,
 *                               G_TYPE_BYTES, 2,
 *                               FOO_TYPE_CLIENT, G_TYPE_STRING);
 * ```
 *
 * A returned pointer is taken over (transfer full) unless
 * %SA_FUNCTION_FLAGS_RETURNS_UNOWNED is given. With
 * %SA_FUNCTION_FLAGS_THROWS, a set error means failure, and so does a
 * `gboolean` %FALSE.
 *
 * Returns: (transfer full): a new function
 *
 * Since: 0.1
 */
SaFunction *
sa_function_new_sync (const char      *name,
                      GCallback        func,
                      SaFunctionFlags  flags,
                      GType            return_type,
                      guint            n_params,
                      ...)
{
  g_autofree GType *param_types = NULL;
  SaFunction *self;
  va_list var_args;
  guint n_args;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (n_params <= SA_FUNCTION_MAX_PARAMS, NULL);

  va_start (var_args, n_params);
  param_types = collect_param_types (n_params, &var_args);
  va_end (var_args);

  if (!check_flags (name, flags,
                    SA_FUNCTION_FLAGS_CANCELLABLE | SA_FUNCTION_FLAGS_THROWS |
                    SA_FUNCTION_FLAGS_RETURNS_UNOWNED | SA_FUNCTION_FLAGS_OWNER_THREAD) ||
      !check_signature (name, return_type, param_types, n_params))
    return NULL;

  self = sa_function_new_internal (name, SA_CALLABLE_NATIVE_SYNC, flags,
                                   return_type, param_types, n_params);
  self->callable.native_sync.func = func;

  n_args = n_params + !!(flags & SA_FUNCTION_FLAGS_CANCELLABLE) + !!(flags & SA_FUNCTION_FLAGS_THROWS);
  self->ffi_arg_types = ffi_types_for_params (self, n_args - n_params);
  if (!sa_signature_prepare_cif (&self->callable.native_sync.cif,
                                 self->ffi_arg_types, n_args, return_type))
    {
      g_critical ("Function “%s”: libffi cannot describe its signature", name);
      g_object_unref (self);
      return NULL;
    }

  return self;
}

/**
 * sa_function_new_async: (skip)
 * @name: the function's name, for messages and errors
 * @async_func: the `_async` C function: its parameters, then a
 *   `GCancellable *`, a #GAsyncReadyCallback and its `gpointer`
 * @finish_func: the `_finish` C function: `GAsyncResult *` and `GError **`,
 *   preceded by the first parameter with
 *   %SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE
 * @flags: %SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
 *   %SA_FUNCTION_FLAGS_RETURNS_UNOWNED, %SA_FUNCTION_FLAGS_OWNER_THREAD
 * @return_type: the type @finish_func returns, %G_TYPE_NONE for void
 * @n_params: the number of parameters of @async_func before its cancellable
 * @...: the #GType of each parameter
 *
 * Wraps a GIO-style async pair as it is, for example
 *
 * ```c
 * read = sa_function_new_async ("read", G_CALLBACK (g_file_read_async),
 *                               G_CALLBACK (g_file_read_finish),
 *                               SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
 *                               G_TYPE_FILE_INPUT_STREAM, 2,
 *                               G_TYPE_FILE, G_TYPE_INT);
 * ```
 *
 * A `gboolean` %FALSE from @finish_func without an error is reported as a
 * failure naming the function.
 *
 * Returns: (transfer full): a new function
 *
 * Since: 0.1
 */
SaFunction *
sa_function_new_async (const char      *name,
                       GCallback        async_func,
                       GCallback        finish_func,
                       SaFunctionFlags  flags,
                       GType            return_type,
                       guint            n_params,
                       ...)
{
  g_autofree GType *param_types = NULL;
  SaFunction *self;
  va_list var_args;
  guint n_finish_args;
  gboolean ok;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (async_func != NULL, NULL);
  g_return_val_if_fail (finish_func != NULL, NULL);
  g_return_val_if_fail (n_params <= SA_FUNCTION_MAX_PARAMS, NULL);
  g_return_val_if_fail (n_params > 0 || !(flags & SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE), NULL);

  va_start (var_args, n_params);
  param_types = collect_param_types (n_params, &var_args);
  va_end (var_args);

  if (!check_flags (name, flags,
                    SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE |
                    SA_FUNCTION_FLAGS_RETURNS_UNOWNED | SA_FUNCTION_FLAGS_OWNER_THREAD) ||
      !check_signature (name, return_type, param_types, n_params))
    return NULL;

  self = sa_function_new_internal (name, SA_CALLABLE_NATIVE_ASYNC, flags,
                                   return_type, param_types, n_params);
  self->callable.native_async.async_func = async_func;
  self->callable.native_async.finish_func = finish_func;
  sa_function_prepare_pair_shapes (self);

  self->ffi_arg_types = ffi_types_for_params (self, 3);
  ok = ffi_prep_cif (&self->callable.native_async.async_cif, FFI_DEFAULT_ABI,
                     n_params + 3, &ffi_type_void, self->ffi_arg_types) == FFI_OK;

  n_finish_args = 2;
  self->ffi_finish_types = g_new (ffi_type *, 3);
  if (flags & SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE)
    {
      self->ffi_finish_types[0] = sa_signature_ffi_type (param_types[0]);
      n_finish_args = 3;
    }
  self->ffi_finish_types[n_finish_args - 2] = &ffi_type_pointer;
  self->ffi_finish_types[n_finish_args - 1] = &ffi_type_pointer;
  ok = ok && sa_signature_prepare_cif (&self->callable.native_async.finish_cif,
                                       self->ffi_finish_types, n_finish_args,
                                       return_type);
  if (!ok)
    {
      g_critical ("Function “%s”: libffi cannot describe its signature", name);
      g_object_unref (self);
      return NULL;
    }

  return self;
}

static SaFunction *
sa_function_new_value (const char      *name,
                       SaCallableType   callable_type,
                       GType            return_type,
                       const GType     *param_types,
                       guint            n_params,
                       SaFunctionFlags  flags,
                       gpointer         user_data,
                       GDestroyNotify   destroy)
{
  SaFunction *self;

  if (!check_flags (name, flags, SA_FUNCTION_FLAGS_OWNER_THREAD) ||
      !check_signature (name, return_type, param_types, n_params))
    {
      /* (scope notified): the data was handed over; a binding's closure
       * would leak if it were not released here. */
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }

  self = sa_function_new_internal (name, callable_type, flags,
                                   return_type, param_types, n_params);
  self->user_data = user_data;
  self->user_data_destroy = destroy;

  return self;
}

/**
 * sa_function_new_sync_full: (constructor)
 * @name: the function's name, for messages and errors
 * @return_type: the result's type, %G_TYPE_NONE for none
 * @param_types: (array length=n_params) (nullable): the parameter types
 * @n_params: the number of parameters
 * @flags: %SA_FUNCTION_FLAGS_NONE, or %SA_FUNCTION_FLAGS_OWNER_THREAD for
 *   a callable that must stay on the thread creating the function
 * @func: (scope notified) (closure user_data) (destroy destroy): the
 *   blocking callable
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Wraps a blocking callable written against [callback@SaSyncFunc], the
 * shape that bindings implement. Arguments reach @func converted to
 * @param_types; its result is converted to @return_type.
 *
 * Returns: (transfer full): a new function
 *
 * Since: 0.1
 */
SaFunction *
sa_function_new_sync_full (const char      *name,
                           GType            return_type,
                           const GType     *param_types,
                           guint            n_params,
                           SaFunctionFlags  flags,
                           SaSyncFunc       func,
                           gpointer         user_data,
                           GDestroyNotify   destroy)
{
  SaFunction *self;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (param_types != NULL || n_params == 0, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = sa_function_new_value (name, SA_CALLABLE_VALUE_SYNC, return_type,
                                param_types, n_params, flags, user_data, destroy);
  if (self != NULL)
    self->callable.value_sync.func = func;

  return self;
}

/**
 * sa_function_new_async_full: (constructor)
 * @name: the function's name, for messages and errors
 * @return_type: the result's type, %G_TYPE_NONE for none
 * @param_types: (array length=n_params) (nullable): the parameter types
 * @n_params: the number of parameters
 * @flags: %SA_FUNCTION_FLAGS_NONE, or %SA_FUNCTION_FLAGS_OWNER_THREAD for
 *   a callable that must be started on the thread creating the function
 * @func: (scope notified) (closure user_data) (destroy destroy): starts the
 *   operation and later completes the #GTask it is given
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Wraps an asynchronous callable written against [callback@SaAsyncFunc],
 * the shape bindings implement: it is handed a #GTask to complete with
 * g_task_return_value() or g_task_return_error(). A task dropped without
 * being completed fails the call with %SA_ERROR_FAILED.
 *
 * Returns: (transfer full): a new function
 *
 * Since: 0.1
 */
SaFunction *
sa_function_new_async_full (const char      *name,
                            GType            return_type,
                            const GType     *param_types,
                            guint            n_params,
                            SaFunctionFlags  flags,
                            SaAsyncFunc      func,
                            gpointer         user_data,
                            GDestroyNotify   destroy)
{
  SaFunction *self;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (param_types != NULL || n_params == 0, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = sa_function_new_value (name, SA_CALLABLE_VALUE_ASYNC, return_type,
                                param_types, n_params, flags, user_data, destroy);
  if (self != NULL)
    self->callable.value_async.func = func;

  return self;
}

/* Accessors */

/**
 * sa_function_get_name:
 * @self: a function
 *
 * Gets [property@Function:name].
 *
 * Returns: (transfer none): the function's name
 *
 * Since: 0.1
 */
const char *
sa_function_get_name (SaFunction *self)
{
  g_return_val_if_fail (SA_IS_FUNCTION (self), NULL);

  return self->name;
}

/**
 * sa_function_get_kind:
 * @self: a function
 *
 * Gets [property@Function:kind].
 *
 * Returns: whether @self wraps a blocking callable or an async pair
 *
 * Since: 0.1
 */
SaFunctionKind
sa_function_get_kind (SaFunction *self)
{
  g_return_val_if_fail (SA_IS_FUNCTION (self), SA_FUNCTION_KIND_SYNC);

  return sa_function_kind (self);
}

/**
 * sa_function_get_flags:
 * @self: a function
 *
 * Gets [property@Function:flags].
 *
 * Returns: the flags given at construction
 *
 * Since: 0.1
 */
SaFunctionFlags
sa_function_get_flags (SaFunction *self)
{
  g_return_val_if_fail (SA_IS_FUNCTION (self), SA_FUNCTION_FLAGS_NONE);

  return self->flags;
}

/**
 * sa_function_get_return_type:
 * @self: a function
 *
 * Gets [property@Function:return-type].
 *
 * Returns: the result's type, %G_TYPE_NONE for none
 *
 * Since: 0.1
 */
GType
sa_function_get_return_type (SaFunction *self)
{
  g_return_val_if_fail (SA_IS_FUNCTION (self), G_TYPE_INVALID);

  return self->return_type;
}

/**
 * sa_function_get_param_types:
 * @self: a function
 * @n_params: (out) (optional): the number of parameters
 *
 * Gets the parameter types of the function's signature.
 *
 * Returns: (array length=n_params) (transfer none): the parameter types
 *
 * Since: 0.1
 */
const GType *
sa_function_get_param_types (SaFunction *self,
                             guint      *n_params)
{
  g_return_val_if_fail (SA_IS_FUNCTION (self), NULL);

  if (n_params != NULL)
    *n_params = self->n_params;
  return self->param_types;
}

/**
 * sa_function_get_main_context:
 * @self: a function
 *
 * Gets [property@Function:main-context].
 *
 * Returns: (transfer none): the thread-default context when @self was made
 *
 * Since: 0.1
 */
GMainContext *
sa_function_get_main_context (SaFunction *self)
{
  g_return_val_if_fail (SA_IS_FUNCTION (self), NULL);

  return self->main_context;
}

/**
 * sa_function_get_mode:
 * @self: a function
 *
 * Gets [property@Function:mode].
 *
 * Returns: how [method@Function.call] picks its path
 *
 * Since: 0.1
 */
SaMode
sa_function_get_mode (SaFunction *self)
{
  g_return_val_if_fail (SA_IS_FUNCTION (self), SA_MODE_AUTO);

  return (SaMode) g_atomic_int_get (&self->mode);
}

/**
 * sa_function_set_mode:
 * @self: a function
 * @mode: the new mode
 *
 * Sets [property@Function:mode]. Safe to call while other threads call
 * @self; calls already started keep their path.
 *
 * Since: 0.1
 */
void
sa_function_set_mode (SaFunction *self,
                      SaMode      mode)
{
  g_return_if_fail (SA_IS_FUNCTION (self));
  g_return_if_fail (mode <= SA_MODE_ASYNC);

  if ((SaMode) g_atomic_int_exchange (&self->mode, mode) != mode)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
}

/**
 * sa_function_get_timeout:
 * @self: a function
 *
 * Gets [property@Function:timeout].
 *
 * Returns: the deadline for sync callers in milliseconds, or -1
 *
 * Since: 0.1
 */
int
sa_function_get_timeout (SaFunction *self)
{
  g_return_val_if_fail (SA_IS_FUNCTION (self), -1);

  return g_atomic_int_get (&self->timeout);
}

/**
 * sa_function_set_timeout:
 * @self: a function
 * @timeout_msec: a deadline in milliseconds, or -1 for none
 *
 * Sets [property@Function:timeout].
 *
 * Since: 0.1
 */
void
sa_function_set_timeout (SaFunction *self,
                         int         timeout_msec)
{
  g_return_if_fail (SA_IS_FUNCTION (self));
  g_return_if_fail (timeout_msec >= -1);

  if (g_atomic_int_exchange (&self->timeout, timeout_msec) != timeout_msec)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

/* The decision */

static inline gboolean
sa_function_caller_is_async (SaFunction *self)
{
  switch ((SaMode) g_atomic_int_get (&self->mode))
    {
    case SA_MODE_SYNC:
      return FALSE;
    case SA_MODE_ASYNC:
      return TRUE;
    case SA_MODE_AUTO:
    default:
      return sa_context_is_async ();
    }
}

/* Which path a call takes: the caller's context against what is wrapped.
 * An owner-thread callable only runs on its thread, dispatched by its
 * context, so every caller but a sync one already on that thread waits
 * for it there. */
static SaPath
sa_function_pick_path (SaFunction *self,
                       gboolean    async_caller)
{
  gboolean async_callable = sa_function_kind (self) == SA_FUNCTION_KIND_ASYNC;
  gboolean owner_thread_only = (self->flags & SA_FUNCTION_FLAGS_OWNER_THREAD) != 0;

  if (!async_caller && !async_callable)
    return (owner_thread_only && !sa_function_is_owner_thread (self))
      ? SA_PATH_PRIVATE_CONTEXT : SA_PATH_DIRECT;
  if (!async_caller)
    return SA_PATH_PRIVATE_CONTEXT;
  if (async_callable)
    return SA_PATH_ASYNC_PAIR;
  return owner_thread_only ? SA_PATH_OWNER_THREAD : SA_PATH_WORKER_THREAD;
}

static void
sa_function_trace (SaFunction *self,
                   const char *entry,
                   gboolean    async_caller,
                   SaPath      path)
{
  gboolean smart_call;
  SaMode mode;

  if (G_LIKELY (!sa_debug_enabled))
    return;

  /* The context as detected, which the explicit entry points and a forced
   * mode overrule: both are worth seeing when a call takes a surprising
   * path. */
  smart_call = strcmp (entry, "call") == 0 || strcmp (entry, "callv") == 0;
  mode = g_atomic_int_get (&self->mode);
  g_debug ("%s: %s from %s context%s, as %s caller, %s callable: %s",
           self->name, entry,
           sa_context_is_async () ? "an async" : "a sync",
           !smart_call || mode == SA_MODE_AUTO ? ""
             : mode == SA_MODE_SYNC ? " (mode: sync)" : " (mode: async)",
           async_caller ? "an async" : "a sync",
           sa_function_kind (self) == SA_FUNCTION_KIND_ASYNC ? "async" : "blocking",
           path_names[path]);
}

/* The paths */

/* Sync caller, blocking callable: a direct call on the caller's thread. */
static gboolean
sa_function_call_direct (SaFunction    *self,
                         GValue        *args,
                         GCancellable  *cancellable,
                         GValue        *result,
                         GError       **error)
{
  return sa_function_invoke_sync (self, args, cancellable, result, error);
}

static gboolean
deadline_reached (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* A sync caller's wait on its private context: what
 * g_main_context_iteration() does, minus a system call. When a source is
 * ready to dispatch and the only descriptor to poll is the context's own
 * wakeup (as for every pair that completes through its GTask), a poll()
 * with a zero timeout could only tell that another thread woke us, which
 * changes nothing: the call's state is looked at after every iteration,
 * and a pending wakeup is acknowledged by the next blocking poll. GLib
 * already skips the poll when there is no descriptor at all.
 *
 * The context must be pushed as thread-default, which acquires it, for
 * the whole wait; nothing else ever iterates it. */
typedef struct
{
  GMainContext *context;
  GPollFunc     poll_func;
  int           wakeup_fd;
  GPollFD      *fds;
  int           n_allocated;
  GPollFD       stack_fds[4];
} PrivateWait;

static void
private_wait_init (PrivateWait  *wait,
                   GMainContext *context)
{
  int timeout;

  wait->context = context;
  wait->fds = wait->stack_fds;
  wait->n_allocated = G_N_ELEMENTS (wait->stack_fds);

  wait->poll_func = g_main_context_get_poll_func (context);

  /* A new context polls one descriptor, its wakeup. If that ever changes,
   * -1 matches nothing and every iteration polls. */
  if (g_main_context_query (context, G_MAXINT, &timeout,
                            wait->fds, wait->n_allocated) == 1)
    wait->wakeup_fd = wait->fds[0].fd;
  else
    wait->wakeup_fd = -1;
}

static void
private_wait_iterate (PrivateWait *wait)
{
  int max_priority;
  int timeout;
  int n_fds;

  g_main_context_prepare (wait->context, &max_priority);

  while ((n_fds = g_main_context_query (wait->context, max_priority, &timeout,
                                        wait->fds, wait->n_allocated)) > wait->n_allocated)
    {
      if (wait->fds != wait->stack_fds)
        g_free (wait->fds);
      wait->fds = g_new (GPollFD, n_fds);
      wait->n_allocated = n_fds;
    }

  if (timeout != 0 ||
      n_fds > 1 ||
      (n_fds == 1 && wait->fds[0].fd != wait->wakeup_fd))
    wait->poll_func (wait->fds, n_fds, timeout);

  g_main_context_check (wait->context, max_priority, wait->fds, n_fds);
  g_main_context_dispatch (wait->context);
}

static void
private_wait_clear (PrivateWait *wait)
{
  if (wait->fds != wait->stack_fds)
    g_free (wait->fds);
}

/* Sync caller, async pair: start the pair with a fresh private context
 * pushed as thread-default and iterate only that context until it
 * completes. Fresh per call, so nothing an earlier call left behind (a
 * timeout, a late completion) is ever dispatched here; the caller's own
 * contexts are never iterated, so nothing of the caller re-enters.
 *
 * An owner-thread callable called from another thread waits here too, for
 * the answer from its thread.
 *
 * With @timeout_msec >= 0 the call is cancelled and abandoned at the
 * deadline: the caller gets G_IO_ERROR_TIMED_OUT and a late completion is
 * dropped. Returns FALSE only then; otherwise the outcome is in @call. */
static gboolean
sa_function_call_in_private_context (SaFunction  *self,
                                     SaCall      *call,
                                     int          timeout_msec,
                                     GError     **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) deadline = NULL;
  PrivateWait wait;
  gboolean timed_out = FALSE;
  gboolean abandoned;

  call->wait_context = g_main_context_ref (context);

  /* The callable never sees the caller's cancellable here, only one of the
   * call's own chained to it, unchained before the context goes (below). */
  if (timeout_msec >= 0 || call->cancellable != NULL)
    sa_call_own_cancellable (call);

  if (timeout_msec >= 0)
    {
      deadline = g_timeout_source_new (timeout_msec);
      g_source_set_callback (deadline, deadline_reached, &timed_out, NULL);
      g_source_set_static_name (deadline, "[smartasync] deadline");
      g_source_attach (deadline, context);
    }

  g_main_context_push_thread_default (context);
  private_wait_init (&wait, context);

  sa_function_start (self, call);

  while (g_atomic_int_get (&call->state) == SA_CALL_PENDING && !timed_out)
    private_wait_iterate (&wait);

  if (timed_out)
    {
      /* A cooperative callable may complete at once when cancelled. */
      g_cancellable_cancel (call->op_cancellable);
      while (g_atomic_int_get (&call->state) == SA_CALL_PENDING &&
             g_main_context_iteration (context, FALSE))
        ;
    }

  private_wait_clear (&wait);
  g_main_context_pop_thread_default (context);

  /* A callable's GCancellableSource (GIO's pollable streams and sockets
   * make them) stays connected to its cancellable until it is finalised,
   * and its handler locks the context it was attached to, which GLib does
   * not keep alive: a cancellation in another thread racing with the last
   * unref of our private context locked freed memory (GLib 2.74, seen with
   * ASan: a hang or a crash). The caller's cancellation only reaches the
   * callable through the chain; cutting it waits for one in flight, and
   * none can start after. */
  sa_call_unchain_cancellable (call);

  if (deadline != NULL)
    g_source_destroy (deadline);

  if (!timed_out)
    return TRUE;

  /* Once abandoned, the callable's side may still be writing its outcome:
   * look at nothing but the state. */
  abandoned = g_atomic_int_compare_and_exchange (&call->state, SA_CALL_PENDING,
                                                 SA_CALL_ABANDONED);
  if (abandoned)
    sa_call_drain_abandoned (call);
  if (abandoned ||
      (g_error_matches (call->error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
       !g_cancellable_is_cancelled (call->cancellable)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "Function “%s” did not complete within %d ms",
                   self->name, timeout_msec);
      return FALSE;
    }

  return TRUE;
}

/* Async caller, async pair: start it now, in the caller's thread-default
 * context; its completion returns the caller's GTask there. */
static void
sa_function_start_async_pair (SaFunction *self,
                              SaCall     *call)
{
  sa_function_start (self, call);
}

/* Async caller, blocking callable: on a GTask worker thread, so the
 * caller's loop keeps running; GTask returns to the caller's context. */
static void
sa_function_start_in_thread (SaFunction *self,
                             SaCall     *call)
{
  g_task_run_in_thread (call->task, sa_call_thread_func);
}

/* Async caller, owner-thread blocking callable: queued on the owner's
 * context (GJS cannot run JS on a worker), never run inside the call. */
static void
sa_function_start_on_owner (SaFunction *self,
                            SaCall     *call)
{
  sa_call_post_to_owner (call);
}

/* Runs a sync-caller path. Returns the call holding the outcome: @call
 * itself, or, when a deadline made us abandon @call to the callable's side
 * (which may still write to it), a new one holding G_IO_ERROR_TIMED_OUT. */
static SaCall *
sa_function_run_sync (SaFunction *self,
                      SaPath      path,
                      SaCall     *call,
                      int         timeout_msec)
{
  GError *error = NULL;
  SaCall *outcome;

  if (call->error != NULL ||
      g_cancellable_set_error_if_cancelled (call->cancellable, &call->error))
    return sa_call_ref (call);

  if (path == SA_PATH_DIRECT)
    {
      sa_function_call_direct (self, call->args, call->cancellable,
                               &call->result, &call->error);
      return sa_call_ref (call);
    }

  if (sa_function_call_in_private_context (self, call, timeout_msec, &error))
    return sa_call_ref (call);

  outcome = sa_call_new (self, NULL);
  outcome->error = error;
  return outcome;
}

/* Starts an async-caller path; the caller's task is returned on completion,
 * in the caller's context and never from inside this function. */
static GTask *
sa_function_run_async (SaFunction          *self,
                       SaPath               path,
                       SaCall              *call,
                       gpointer             source_object,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task = sa_call_new_task (call, source_object, callback, user_data);

  if (call->error != NULL ||
      g_cancellable_set_error_if_cancelled (call->cancellable, &call->error))
    {
      sa_call_complete (call);
      return task;
    }

  switch (path)
    {
    case SA_PATH_ASYNC_PAIR:
      sa_function_start_async_pair (self, call);
      break;
    case SA_PATH_WORKER_THREAD:
      sa_function_start_in_thread (self, call);
      break;
    case SA_PATH_OWNER_THREAD:
      sa_function_start_on_owner (self, call);
      break;
    case SA_PATH_DIRECT:
    case SA_PATH_PRIVATE_CONTEXT:
    default:
      g_assert_not_reached ();
    }

  return task;
}

/* Arguments */

/* G_VALUE_COLLECT_INIT() with the value table already at hand (what
 * G_VALUE_COLLECT_INIT2() of GLib 2.74 allows; GLib 2.72 is supported). */
static inline char *
collect_value (GValue                 *value,
               GType                   type,
               const GTypeValueTable  *table,
               va_list                *var_args,
               guint                   collect_flags)
{
  GTypeCValue collected[G_VALUE_COLLECT_FORMAT_MAX_LENGTH];
  guint n = 0;

  value->g_type = type;
  memset (value->data, 0, sizeof (value->data));

  for (const char *format = table->collect_format; *format != '\0'; format++)
    {
      GTypeCValue *c = &collected[n++];

      switch (*format)
        {
        case G_VALUE_COLLECT_INT:
          c->v_int = va_arg (*var_args, gint);
          break;
        case G_VALUE_COLLECT_LONG:
          c->v_long = va_arg (*var_args, glong);
          break;
        case G_VALUE_COLLECT_INT64:
          c->v_int64 = va_arg (*var_args, gint64);
          break;
        case G_VALUE_COLLECT_DOUBLE:
          c->v_double = va_arg (*var_args, gdouble);
          break;
        case G_VALUE_COLLECT_POINTER:
          c->v_pointer = va_arg (*var_args, gpointer);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  return table->collect_value (value, n, collected, collect_flags);
}

static gboolean
collect_args (SaFunction  *self,
              GValue      *args,
              va_list     *var_args,
              guint        collect_flags,
              GError     **error)
{
  for (guint i = 0; i < self->n_params; i++)
    {
      g_autofree char *message = NULL;

      message = collect_value (&args[i], self->param_types[i],
                               self->param_vtables[i], var_args, collect_flags);
      if (message != NULL)
        {
          /* The broken value is left alone, as g_signal_emit() does: it
           * may not be in a state that can be unset. */
          g_critical ("Function “%s”: argument %u: %s", self->name, i + 1, message);
          g_set_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE,
                       "Function “%s”: argument %u: %s", self->name, i + 1, message);
          while (i-- > 0)
            g_value_unset (&args[i]);
          return FALSE;
        }
    }

  return TRUE;
}

/* A call whose arguments are collected (copied, as it may outlive the
 * caller's frame) from @var_args; a collection error is its outcome. */
static SaCall *
new_call_collecting (SaFunction   *self,
                     GCancellable *cancellable,
                     va_list      *var_args)
{
  SaCall *call = sa_call_new (self, cancellable);

  collect_args (self, call->args, var_args, 0, &call->error);
  return call;
}

/* Stores a call's result through the C return location that follows the
 * arguments in @var_args, handing over ownership. */
static void
store_result (SaFunction *self,
              GValue     *result,
              va_list    *var_args)
{
  g_autofree char *message = NULL;

  if (self->return_type == G_TYPE_NONE)
    return;

  if (!G_IS_VALUE (result))
    sa_value_init_result (result, self->return_type);

  /* Contents the value does not own (an interned or static string, static
   * boxed data: what a binding's callable may set) are copied for the
   * caller, who will free them; the rest is handed over as it is. */
  if (result->data[1].v_uint & G_VALUE_NOCOPY_CONTENTS &&
      (G_VALUE_HOLDS_STRING (result) || G_VALUE_HOLDS_BOXED (result)))
    {
      G_VALUE_LCOPY (result, *var_args, 0, &message);
      g_value_unset (result);
    }
  else
    {
      G_VALUE_LCOPY (result, *var_args, G_VALUE_NOCOPY_CONTENTS, &message);
      if (message == NULL)
        memset (result, 0, sizeof (GValue));  /* the caller owns it now */
    }

  if (message != NULL)
    {
      g_critical ("Function “%s”: return location: %s", self->name, message);
      if (G_IS_VALUE (result))
        g_value_unset (result);
    }
}

static gboolean
check_callable (SaFunction *self)
{
  if (G_UNLIKELY (self->callable_type == SA_CALLABLE_NONE))
    {
      g_critical ("Function “%s” wraps nothing: create it with one of the "
                  "sa_function_new_*() constructors", self->name);
      return FALSE;
    }

  return TRUE;
}

/* Entry points */

static GAsyncResult *
sa_function_call_internal (SaFunction          *self,
                           const char          *entry,
                           SaCall              *call,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  gboolean async_caller = sa_function_caller_is_async (self);
  SaPath path = sa_function_pick_path (self, async_caller);
  g_autoptr(SaCall) outcome = NULL;
  SaCallResult *result;

  sa_function_trace (self, entry, async_caller, path);

  if (async_caller)
    return G_ASYNC_RESULT (sa_function_run_async (self, path, call, NULL, callback, user_data));

  outcome = sa_function_run_sync (self, path, call, sa_function_get_timeout (self));
  result = sa_call_result_new (outcome, user_data);
  if (callback != NULL)
    callback (G_OBJECT (self), G_ASYNC_RESULT (result), user_data);

  return G_ASYNC_RESULT (result);
}

/**
 * sa_function_call:
 * @self: a function
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (nullable): called with the result
 * @user_data: data for @callback
 * @...: the arguments, as C passes them
 *
 * The smart call: one code path that works in both contexts.
 *
 * In an **async context** (see [func@context_is_async]) it behaves as
 * [method@Function.call_async]: nothing blocks, and @callback runs later in
 * the caller's thread-default context. The returned #GTask is that call's
 * result.
 *
 * In a **sync context** it behaves as [method@Function.call_sync]: the call
 * has completed when this returns, and @callback, if given, has already
 * run, on this thread, before the return (there is no running loop that
 * could run it later).
 *
 * Either way @callback runs exactly once and gets a result to pass to
 * [method@Function.call_finish]; the returned result is the same object
 * and may be finished instead when @callback is %NULL. So
 *
 * ```c
 * g_autoptr(GAsyncResult) res = sa_function_call (fn, NULL, NULL, NULL, url);
 * ```
 *
 * is complete at once in sync code, and
 *
 * ```c
 * g_object_unref (sa_function_call (fn, NULL, on_fetched, self, url));
 * ```
 *
 * works from either context. [property@Function:mode] can force either
 * behaviour.
 *
 * Returns: (transfer full): the call's result, complete in a sync context
 *
 * Since: 0.1
 */
GAsyncResult *
sa_function_call (SaFunction          *self,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data,
                  ...)
{
  g_autoptr(SaCall) call = NULL;
  va_list var_args;

  g_return_val_if_fail (SA_IS_FUNCTION (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  if (!check_callable (self))
    return NULL;

  va_start (var_args, user_data);
  call = new_call_collecting (self, cancellable, &var_args);
  va_end (var_args);

  return sa_function_call_internal (self, "call", call, callback, user_data);
}

/**
 * sa_function_callv: (rename-to sa_function_call)
 * @self: a function
 * @args: (array length=n_args) (nullable): the arguments
 * @n_args: the number of arguments
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (nullable): called with the result
 * @user_data: data for @callback
 *
 * The smart call with arguments as #GValues, for bindings: see
 * [method@Function.call]. A wrong argument count or an argument that
 * cannot be converted without loss fails the call with %SA_ERROR.
 *
 * Returns: (transfer full): the call's result, complete in a sync context
 *
 * Since: 0.1
 */
GAsyncResult *
sa_function_callv (SaFunction          *self,
                   const GValue        *args,
                   guint                n_args,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(SaCall) call = NULL;

  g_return_val_if_fail (SA_IS_FUNCTION (self), NULL);
  g_return_val_if_fail (args != NULL || n_args == 0, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  if (!check_callable (self))
    return NULL;

  call = sa_call_new (self, cancellable);
  sa_signature_coerce_args (self->name, self->param_types, self->n_params,
                            args, n_args, call->args, &call->error);

  return sa_function_call_internal (self, "callv", call, callback, user_data);
}

static gboolean
sa_function_call_sync_internal (SaFunction    *self,
                                SaCall        *call,
                                int            timeout_msec,
                                GValue        *result,
                                GError       **error)
{
  SaPath path = sa_function_pick_path (self, FALSE);

  g_autoptr(SaCall) outcome = NULL;

  sa_function_trace (self, "call_sync", FALSE, path);

  outcome = sa_function_run_sync (self, path, call, timeout_msec);
  return sa_call_propagate (outcome, result, error);
}

/* sa_function_call_sync() and sa_function_call_sync_with_timeout(), once
 * their arguments are checked. */
static gboolean
sa_function_call_sync_valist (SaFunction    *self,
                              int            timeout_msec,
                              GCancellable  *cancellable,
                              GError       **error,
                              va_list       *var_args)
{
  GValue stack_args[SA_FUNCTION_MAX_PARAMS];
  g_auto(GValue) result = G_VALUE_INIT;
  g_autoptr(SaCall) call = NULL;
  SaPath path;
  gboolean ok;

  path = sa_function_pick_path (self, FALSE);
  sa_function_trace (self, "call_sync", FALSE, path);

  if (path == SA_PATH_DIRECT)
    {
      /* Nothing outlives this frame: borrow the arguments, allocate
       * nothing. */
      memset (stack_args, 0, self->n_params * sizeof (GValue));
      if (!collect_args (self, stack_args, var_args, G_VALUE_NOCOPY_CONTENTS, error))
        return FALSE;

      ok = !g_cancellable_set_error_if_cancelled (cancellable, error) &&
           sa_function_call_direct (self, stack_args, cancellable, &result, error);

      for (guint i = 0; i < self->n_params; i++)
        g_value_unset (&stack_args[i]);
    }
  else
    {
      g_autoptr(SaCall) outcome = NULL;

      call = sa_call_new (self, cancellable);
      if (!collect_args (self, call->args, var_args, 0, error))
        return FALSE;

      outcome = sa_function_run_sync (self, path, call, timeout_msec);
      ok = sa_call_propagate (outcome, &result, error);
    }

  store_result (self, &result, var_args);

  return ok;
}

/**
 * sa_function_call_sync:
 * @self: a function
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 * @...: the arguments as C passes them, then, unless the function returns
 *   nothing, a pointer to where the result goes (as with g_signal_emit())
 *
 * Calls @self and blocks until it completes, whatever the context:
 * directly for a blocking callable, by iterating a private main context
 * for an async pair. The caller's own main contexts are never iterated.
 *
 * ```c
 * g_autoptr(GBytes) bytes = NULL;
 *
 * if (!sa_function_call_sync (fetch, cancellable, &error, client, url, &bytes))
 *   return FALSE;
 * ```
 *
 * The result is handed over as the return type's C representation, owned
 * by the caller (a new reference, a newly allocated string); on failure it
 * is set to zero or %NULL.
 *
 * Returns: %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 0.1
 */
gboolean
sa_function_call_sync (SaFunction    *self,
                       GCancellable  *cancellable,
                       GError       **error,
                       ...)
{
  va_list var_args;
  gboolean ok;

  g_return_val_if_fail (SA_IS_FUNCTION (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!check_callable (self))
    return FALSE;

  va_start (var_args, error);
  ok = sa_function_call_sync_valist (self, sa_function_get_timeout (self),
                                     cancellable, error, &var_args);
  va_end (var_args);

  return ok;
}

/**
 * sa_function_call_sync_with_timeout:
 * @self: a function
 * @timeout_msec: a deadline for this call in milliseconds, or -1 for none,
 *   instead of [property@Function:timeout]
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 * @...: the arguments, then the result location, as for
 *   [method@Function.call_sync]
 *
 * [method@Function.call_sync] with a deadline of its own. A function is
 * often shared between threads and callers; the property would set the
 * deadline for all of them.
 *
 * An async pair (or an owner-thread callable called from another thread)
 * still running when the deadline passes is cancelled and abandoned, and
 * the call fails with %G_IO_ERROR_TIMED_OUT; see [property@Function:timeout].
 *
 * Returns: %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 0.1
 */
gboolean
sa_function_call_sync_with_timeout (SaFunction    *self,
                                    int            timeout_msec,
                                    GCancellable  *cancellable,
                                    GError       **error,
                                    ...)
{
  va_list var_args;
  gboolean ok;

  g_return_val_if_fail (SA_IS_FUNCTION (self), FALSE);
  g_return_val_if_fail (timeout_msec >= -1, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!check_callable (self))
    return FALSE;

  va_start (var_args, error);
  ok = sa_function_call_sync_valist (self, timeout_msec, cancellable, error, &var_args);
  va_end (var_args);

  return ok;
}

/**
 * sa_function_call_syncv: (rename-to sa_function_call_sync)
 * @self: a function
 * @args: (array length=n_args) (nullable): the arguments
 * @n_args: the number of arguments
 * @result: (out caller-allocates) (optional): the result; initialised to
 *   the return type (%G_TYPE_POINTER for none) on success and on failure
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * [method@Function.call_sync] with arguments as #GValues, for bindings.
 * A wrong argument count or an argument that cannot be converted without
 * loss fails with %SA_ERROR.
 *
 * Returns: (skip): %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 0.1
 */
gboolean
sa_function_call_syncv (SaFunction    *self,
                        const GValue  *args,
                        guint          n_args,
                        GValue        *result,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_return_val_if_fail (SA_IS_FUNCTION (self), FALSE);

  return sa_function_call_syncv_with_timeout (self, args, n_args,
                                              sa_function_get_timeout (self),
                                              result, cancellable, error);
}

/**
 * sa_function_call_syncv_with_timeout:
 * @self: a function
 * @args: (array length=n_args) (nullable): the arguments
 * @n_args: the number of arguments
 * @timeout_msec: a deadline for this call in milliseconds, or -1 for none,
 *   instead of [property@Function:timeout]
 * @result: (out caller-allocates) (optional): the result; initialised to
 *   the return type (%G_TYPE_POINTER for none) on success and on failure
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * [method@Function.call_syncv] with a deadline of its own: an async pair
 * still running when it passes is cancelled and abandoned, and the call
 * fails with %G_IO_ERROR_TIMED_OUT.
 *
 * Returns: (skip): %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 0.1
 */
gboolean
sa_function_call_syncv_with_timeout (SaFunction    *self,
                                     const GValue  *args,
                                     guint          n_args,
                                     int            timeout_msec,
                                     GValue        *result,
                                     GCancellable  *cancellable,
                                     GError       **error)
{
  g_autoptr(SaCall) call = NULL;

  g_return_val_if_fail (SA_IS_FUNCTION (self), FALSE);
  g_return_val_if_fail (args != NULL || n_args == 0, FALSE);
  g_return_val_if_fail (timeout_msec >= -1, FALSE);
  g_return_val_if_fail (result == NULL || G_VALUE_TYPE (result) == G_TYPE_INVALID, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!check_callable (self))
    return FALSE;

  call = sa_call_new (self, cancellable);
  if (!sa_signature_coerce_args (self->name, self->param_types, self->n_params,
                                 args, n_args, call->args, &call->error))
    return sa_call_propagate (call, result, error);

  return sa_function_call_sync_internal (self, call, timeout_msec, result, error);
}

static void
sa_function_call_async_internal (SaFunction          *self,
                                 const char          *entry,
                                 SaCall              *call,
                                 gpointer             source_object,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  SaPath path = sa_function_pick_path (self, TRUE);

  sa_function_trace (self, entry, TRUE, path);

  g_object_unref (sa_function_run_async (self, path, call, source_object, callback, user_data));
}

/**
 * sa_function_call_async:
 * @self: a function
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (nullable): called with the result
 * @user_data: data for @callback
 * @...: the arguments, as C passes them
 *
 * Calls @self without blocking, whatever the context, following GIO's
 * contract: @callback runs exactly once, in the thread-default main
 * context of the caller, never from inside this call. An async pair is
 * started at once; a blocking callable runs on a worker thread (or is
 * queued on its owner thread, see %SA_FUNCTION_FLAGS_OWNER_THREAD).
 *
 * Finish with [method@Function.call_finish].
 *
 * Since: 0.1
 */
void
sa_function_call_async (SaFunction          *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data,
                        ...)
{
  g_autoptr(SaCall) call = NULL;
  va_list var_args;

  g_return_if_fail (SA_IS_FUNCTION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  if (!check_callable (self))
    return;

  va_start (var_args, user_data);
  call = new_call_collecting (self, cancellable, &var_args);
  va_end (var_args);

  sa_function_call_async_internal (self, "call_async", call, NULL, callback, user_data);
}

/**
 * sa_function_call_async_with_source:
 * @self: a function
 * @source_object: (type GObject): the object the call is on behalf of
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (nullable): called with the result
 * @user_data: data for @callback
 * @...: the arguments, as C passes them
 *
 * [method@Function.call_async] on behalf of a library object: the result
 * handed to @callback has @source_object as its source object, as GIO
 * callers of that object's `_async` method expect. That object's `_finish`
 * can check the result with `g_task_is_valid (result, self)` and pass it to
 * [method@Function.call_finish].
 *
 * ```c
 * void
 * foo_fetch_async (Foo *self, const char *url, GCancellable *cancellable,
 *                  GAsyncReadyCallback callback, gpointer user_data)
 * {
 *   sa_function_call_async_with_source (self->fetch, self, cancellable,
 *                                       callback, user_data, self, url);
 * }
 * ```
 *
 * Since: 0.1
 */
void
sa_function_call_async_with_source (SaFunction          *self,
                                    gpointer             source_object,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data,
                                    ...)
{
  g_autoptr(SaCall) call = NULL;
  va_list var_args;

  g_return_if_fail (SA_IS_FUNCTION (self));
  g_return_if_fail (G_IS_OBJECT (source_object));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  if (!check_callable (self))
    return;

  va_start (var_args, user_data);
  call = new_call_collecting (self, cancellable, &var_args);
  va_end (var_args);

  sa_function_call_async_internal (self, "call_async", call, source_object, callback, user_data);
}

/**
 * sa_function_call_asyncv: (rename-to sa_function_call_async)
 * @self: a function
 * @args: (array length=n_args) (nullable): the arguments
 * @n_args: the number of arguments
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (nullable): called with the result
 * @user_data: data for @callback
 *
 * [method@Function.call_async] with arguments as #GValues, for bindings.
 * Argument errors arrive through @callback like any other failure.
 *
 * Since: 0.1
 */
void
sa_function_call_asyncv (SaFunction          *self,
                         const GValue        *args,
                         guint                n_args,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(SaCall) call = NULL;

  g_return_if_fail (SA_IS_FUNCTION (self));
  g_return_if_fail (args != NULL || n_args == 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  if (!check_callable (self))
    return;

  call = sa_call_new (self, cancellable);
  sa_signature_coerce_args (self->name, self->param_types, self->n_params,
                            args, n_args, call->args, &call->error);

  sa_function_call_async_internal (self, "call_asyncv", call, NULL, callback, user_data);
}

/**
 * sa_function_call_finish:
 * @self: a function
 * @result: the result passed to the callback of [method@Function.call_async]
 *   or [method@Function.call], or returned by [method@Function.call]
 * @value: (out caller-allocates) (optional): the call's result; initialised
 *   to the return type (%G_TYPE_POINTER for none) on success and on failure
 * @error: return location for a #GError
 *
 * Finishes a call. Errors from the callable arrive untouched (domain, code
 * and message); a cancelled call fails with %G_IO_ERROR_CANCELLED. A
 * result can be finished once.
 *
 * Returns: (skip): %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 0.1
 */
gboolean
sa_function_call_finish (SaFunction    *self,
                         GAsyncResult  *result,
                         GValue        *value,
                         GError       **error)
{
  gboolean is_task;
  SaCall *call;

  g_return_val_if_fail (SA_IS_FUNCTION (self), FALSE);
  g_return_val_if_fail (value == NULL || G_VALUE_TYPE (value) == G_TYPE_INVALID, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Class checks first: an interface check walks the type's interfaces. */
  is_task = G_TYPE_CHECK_INSTANCE_TYPE (result, G_TYPE_TASK);
  if (!is_task)
    {
      g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);
      g_return_val_if_fail (SA_IS_CALL_RESULT (result), FALSE);
      call = sa_call_result_call (SA_CALL_RESULT (result));
      g_return_val_if_fail (call->function == self, FALSE);
    }
  else
    {
      /* The source object is @self, or the object a call was made on
       * behalf of (sa_function_call_async_with_source()). */
      g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sa_function_call_async, FALSE);
      call = g_task_get_task_data (G_TASK (result));
      g_return_val_if_fail (call->function == self, FALSE);

      /* The smart call hands out its task before completion; finishing
       * it then would get a GTask critical and FALSE without an error. */
      if (g_atomic_int_get (&call->state) != SA_CALL_DONE)
        {
          g_critical ("Function “%s”: finish called before the call completed; "
                      "finish in the callback", self->name);
          return FALSE;
        }
    }

  if (call->finished)
    {
      g_critical ("Function “%s”: this result was already finished", self->name);
      return FALSE;
    }

  if (is_task && !g_task_propagate_boolean ((GTask *) result, error))
    {
      call->finished = TRUE;
      if (value != NULL)
        sa_value_init_result (value, self->return_type);
      return FALSE;
    }

  return sa_call_propagate (call, value, error);
}

/* The outcome of a call that filled @value: the value moved into a GValue
 * of its own (as g_boxed_free() frees one), or NULL after a failure. */
static GValue *
value_of_call (gboolean  ok,
               GValue   *value)
{
  GValue *boxed;

  if (!ok)
    {
      sa_value_clear (value);
      return NULL;
    }

  boxed = g_new0 (GValue, 1);
  *boxed = *value;
  return boxed;
}

/**
 * sa_function_call_syncv_value:
 * @self: a function
 * @args: (array length=n_args) (nullable): the arguments
 * @n_args: the number of arguments
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * [method@Function.call_syncv] with the result returned in a GValue of
 * its own, for bindings that do not release what they find in a
 * caller-allocated out GValue: GJS 1.74 leaks the string, boxed value or
 * object reference it holds, and handles a returned `GValue *` correctly.
 * The GJS helper module uses this; C code calls [method@Function.call_syncv]
 * or [method@Function.call_sync].
 *
 * Returns: (transfer full) (nullable): the result (of type %G_TYPE_POINTER
 *   and %NULL for a function that returns nothing; free it with
 *   `g_boxed_free (G_TYPE_VALUE, value)`), or %NULL with @error set
 *
 * Since: 0.1
 */
GValue *
sa_function_call_syncv_value (SaFunction    *self,
                              const GValue  *args,
                              guint          n_args,
                              GCancellable  *cancellable,
                              GError       **error)
{
  GValue value = G_VALUE_INIT;

  g_return_val_if_fail (SA_IS_FUNCTION (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return value_of_call (sa_function_call_syncv (self, args, n_args, &value,
                                                cancellable, error),
                        &value);
}

/**
 * sa_function_call_finish_value:
 * @self: a function
 * @result: the result passed to the callback of [method@Function.call_async]
 *   or [method@Function.call], or returned by [method@Function.call]
 * @error: return location for a #GError
 *
 * [method@Function.call_finish] with the result returned in a GValue of
 * its own, for bindings that do not release what they find in a
 * caller-allocated out GValue (see [method@Function.call_syncv_value]).
 *
 * Returns: (transfer full) (nullable): the result (of type %G_TYPE_POINTER
 *   and %NULL for a function that returns nothing; free it with
 *   `g_boxed_free (G_TYPE_VALUE, value)`), or %NULL with @error set
 *
 * Since: 0.1
 */
GValue *
sa_function_call_finish_value (SaFunction    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  GValue value = G_VALUE_INIT;

  g_return_val_if_fail (SA_IS_FUNCTION (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return value_of_call (sa_function_call_finish (self, result, &value, error),
                        &value);
}
