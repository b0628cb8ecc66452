/* sa-function.c: a callable that works from sync and async callers
 *
 * The object, its constructors and its entry points. Which path a call
 * takes is decided in sa-dispatch.c; what is wrapped is one of the kinds
 * in sa-callable-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "sa-call-result-private.h"
#include "sa-callable-private.h"
#include "sa-collect-private.h"
#include "sa-context-private.h"
#include "sa-dispatch-private.h"
#include "sa-enum-types.h"
#include "sa-error.h"
#ifdef HAVE_GIREPOSITORY
#include "sa-introspected-private.h"
#endif
#include "sa-pool-private.h"
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
 * | sync   | async pair   | a private #GMainContext, pushed as thread-default, is iterated until the pair completes; the caller's contexts are never iterated |
 * | async  | async pair   | started at once; a #GTask completes in the caller's context |
 * | async  | blocking     | on a thread of its [property@Function:pool]; the loop keeps running |
 *
 * [method@Function.call_sync] always takes a sync-caller path and
 * [method@Function.call_async] an async-caller path, so a C library gets
 * a sync and an async API from one implementation.
 *
 * Functions are immutable after construction but for
 * [property@Function:mode], [property@Function:timeout],
 * [property@Function:stall-warning], [property@Function:pool] and
 * [property@Function:max-concurrency], and may be
 * called from any number of threads at once. Every call holds a reference
 * on its function, so dropping the last reference while calls are in
 * flight is safe.
 *
 * With `G_MESSAGES_DEBUG=SmartAsync`, each call logs the function's name,
 * the caller's context and the path taken.
 *
 * Since: 0.1
 */

enum {
  PROP_0,
  PROP_NAME,
  PROP_FLAGS,
  PROP_KIND,
  PROP_MODE,
  PROP_TIMEOUT,
  PROP_STALL_WARNING,
  PROP_RETURN_TYPE,
  PROP_MAIN_CONTEXT,
  PROP_POOL,
  PROP_MAX_CONCURRENCY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SaFunction, sa_function, G_TYPE_OBJECT)

/* Debug tracing: G_MESSAGES_DEBUG is read again when a function is made
 * and on every 64th call of a thread (reading the environment costs about
 * a third of a direct call). */
static gboolean debug_enabled;
/* Per thread, and plain TLS: a GPrivate's get and set cost more than the
 * rest of the check. */
static __thread guint direct_calls_since_look;

static gboolean
look_at_debug_setting (void)
{
  gboolean enabled = !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);

  g_atomic_int_set (&debug_enabled, enabled);
  return enabled;
}

gboolean
sa_function_debug_enabled (gboolean cheap)
{
  guint count;

  /* g_log_writer_default_would_drop() honours g_log_set_debug_enabled()
   * too, so that is looked at as often as the environment. */
  if (!cheap)
    return look_at_debug_setting ();

  count = direct_calls_since_look;
  direct_calls_since_look = (count + 1) % 64;
  if (count == 0)
    return look_at_debug_setting ();

  return g_atomic_int_get (&debug_enabled);
}

SaFunctionKind
sa_function_kind (SaFunction *self)
{
  return self->callable->klass->kind;
}

static void
sa_function_finalize (GObject *object)
{
  SaFunction *self = SA_FUNCTION (object);

  if (self->callable != NULL)
    self->callable->klass->finalize (self->callable, self);

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->param_types, g_free);
  g_clear_pointer (&self->param_vtables, g_free);
  g_clear_pointer (&self->result_types, g_free);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_pointer (&self->owner_thread, g_thread_unref);
  g_clear_object (&self->pool);
  g_slist_free_full (self->retired_pools, g_object_unref);
  sa_limit_free (self);

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
      g_value_set_enum (value, sa_function_get_kind (self));
      break;
    case PROP_MODE:
      g_value_set_enum (value, sa_function_get_mode (self));
      break;
    case PROP_TIMEOUT:
      g_value_set_int (value, sa_function_get_timeout (self));
      break;
    case PROP_STALL_WARNING:
      g_value_set_int (value, sa_function_get_stall_warning (self));
      break;
    case PROP_RETURN_TYPE:
      g_value_set_gtype (value, self->return_type);
      break;
    case PROP_MAIN_CONTEXT:
      g_value_set_boxed (value, self->main_context);
      break;
    case PROP_POOL:
      g_value_set_object (value, sa_function_get_pool (self));
      break;
    case PROP_MAX_CONCURRENCY:
      g_value_set_int (value, sa_function_get_max_concurrency (self));
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
    case PROP_STALL_WARNING:
      sa_function_set_stall_warning (self, g_value_get_int (value));
      break;
    case PROP_POOL:
      sa_function_set_pool (self, g_value_get_object (value));
      break;
    case PROP_MAX_CONCURRENCY:
      sa_function_set_max_concurrency (self, g_value_get_int (value));
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
   * default, waits forever. When it passes, the call is cancelled, given
   * a grace period to complete with %G_IO_ERROR_CANCELLED (as long as the
   * deadline, at most 100 ms), and then abandoned: the caller gets
   * %G_IO_ERROR_TIMED_OUT whatever the callable does. This is the
   * guard against the deadlock of sync-over-async: a pair that waits for
   * something only the caller's own, now blocked, main loop would deliver.
   *
   * An abandoned callable may still run, and write through the pointers
   * it was given: a function with %G_TYPE_POINTER parameters takes a
   * deadline only with %SA_FUNCTION_FLAGS_DEADLINE_SAFE.
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
   * SaFunction:stall-warning:
   *
   * After how many milliseconds without progress a sync caller waiting on
   * an async pair (or on an owner-thread callable) logs a warning naming
   * the function, the time waited and the likely causes; 0 never warns.
   * Progress is anything dispatched in the private context it waits in.
   * The default is 5000, or `SA_STALL_WARNING_MS` from the environment
   * when the function is made.
   *
   * Since: 0.2
   */
  properties[PROP_STALL_WARNING] =
    g_param_spec_int ("stall-warning", NULL, NULL,
                      0, G_MAXINT, 5000,
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

  /**
   * SaFunction:pool:
   *
   * The pool whose threads run the blocking callable for async callers;
   * %NULL stands for [func@Pool.get_default] (which reading the property
   * gives). A function whose calls can block for long is best given a
   * pool of its own. Calls already made stay in the pool they went to.
   *
   * Since: 0.2
   */
  properties[PROP_POOL] =
    g_param_spec_object ("pool", NULL, NULL,
                         SA_TYPE_POOL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * SaFunction:max-concurrency:
   *
   * How many async callers' calls of the function may be in flight at
   * once; 0 (the default) for any number. Calls beyond wait, in the order
   * they were made, without blocking anybody's loop, and start as earlier
   * ones complete; one cancelled while it waits ends at once with
   * %G_IO_ERROR_CANCELLED and never runs. A call holds its place from
   * when it starts until its callable completes.
   *
   * Sync callers run on their own thread and are not counted, nor are
   * calls of %SA_FUNCTION_FLAGS_OWNER_THREAD functions (which one thread
   * runs anyway), nor calls made while the limit was 0.
   *
   * Since: 0.2
   */
  properties[PROP_MAX_CONCURRENCY] =
    g_param_spec_int ("max-concurrency", NULL, NULL,
                      0, G_MAXINT, 0,
                      (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  sa_context_watch_applications ();
}

static void
sa_function_init (SaFunction *self)
{
  self->mode = SA_MODE_AUTO;
  self->timeout = -1;
  self->stall_warning = sa_wait_default_stall_warning ();
  self->return_type = G_TYPE_NONE;
  self->main_context = g_main_context_ref_thread_default ();
  self->owner_thread = g_thread_ref (g_thread_self ());

  look_at_debug_setting ();
}

/* Constructors */

static gboolean
check_type (const char *name,
            const char *what,
            GType       type)
{
  /* G_TYPE_BOXED, G_TYPE_ENUM, G_TYPE_FLAGS: accepted, a call would fail
   * later and obscurely, with no way to tell which type was meant. */
  if (G_TYPE_IS_VALUE_ABSTRACT (type))
    {
      g_critical ("Function “%s”: %s type %s is abstract, no value can have "
                  "it; declare the concrete type", name, what, g_type_name (type));
      return FALSE;
    }

  if (!sa_signature_type_is_supported (type))
    {
      if (strcmp (what, "return") == 0)
        g_critical ("Function “%s”: unsupported return type %s", name, g_type_name (type));
      else
        g_critical ("Function “%s”: %s has unsupported type %s", name, what, g_type_name (type));
      return FALSE;
    }

  return TRUE;
}

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

  if (return_type != G_TYPE_NONE && !check_type (name, "return", return_type))
    return FALSE;

  for (guint i = 0; i < n_params; i++)
    {
      g_autofree char *what = g_strdup_printf ("parameter %u", i + 1);

      if (!check_type (name, what, param_types[i]))
        return FALSE;
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

/* Every message and error names the function, so the name must be text. */
static gboolean
check_name (const char *name)
{
  if (!g_utf8_validate (name, -1, NULL))
    {
      g_autofree char *escaped = g_strescape (name, NULL);

      g_critical ("A function's name must be valid UTF-8, not “%s”", escaped);
      return FALSE;
    }

  return TRUE;
}

/* The object and its signature; the callable is set by the caller. */
static SaFunction *
sa_function_new_internal (const char      *name,
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
  self->return_type = return_type;
  self->n_params = n_params;
  self->param_types = g_memdup2 (param_types, n_params * sizeof (GType));
  self->param_vtables = g_new (const GTypeValueTable *, MAX (n_params, 1));
  for (guint i = 0; i < n_params; i++)
    {
      self->param_vtables[i] = g_type_value_table_peek (param_types[i]);
      if (G_TYPE_FUNDAMENTAL (param_types[i]) == G_TYPE_POINTER)
        self->has_raw_pointers = TRUE;
    }

  return self;
}

/* Takes over @callable, or fails the construction. */
static SaFunction *
with_callable (SaFunction *self,
               SaCallable *callable)
{
  if (callable == NULL)
    {
      g_object_unref (self);
      return NULL;
    }

  self->callable = callable;
  return self;
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
 *   %SA_FUNCTION_FLAGS_RETURNS_UNOWNED, %SA_FUNCTION_FLAGS_OWNER_THREAD,
 *   %SA_FUNCTION_FLAGS_DEADLINE_SAFE
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
 * %SA_FUNCTION_FLAGS_THROWS, a set error means failure; whatever @func
 * returns, %FALSE included, is its value (as libdex reads GIO's
 * convention: `secret_password_clear_sync()` returns %FALSE when there was
 * nothing to remove).
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

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (n_params <= SA_FUNCTION_MAX_PARAMS, NULL);

  va_start (var_args, n_params);
  param_types = collect_param_types (n_params, &var_args);
  va_end (var_args);

  if (!check_name (name) ||
      !check_flags (name, flags,
                    SA_FUNCTION_FLAGS_CANCELLABLE | SA_FUNCTION_FLAGS_THROWS |
                    SA_FUNCTION_FLAGS_RETURNS_UNOWNED | SA_FUNCTION_FLAGS_OWNER_THREAD |
                    SA_FUNCTION_FLAGS_DEADLINE_SAFE) ||
      !check_signature (name, return_type, param_types, n_params))
    return NULL;

  self = sa_function_new_internal (name, flags, return_type, param_types, n_params);
  return with_callable (self, sa_c_function_new (self, func));
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
 *   %SA_FUNCTION_FLAGS_RETURNS_UNOWNED, %SA_FUNCTION_FLAGS_OWNER_THREAD,
 *   %SA_FUNCTION_FLAGS_DEADLINE_SAFE
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
 * A set error from @finish_func means failure; whatever it returns,
 * %FALSE included, is the call's value (libsecret's
 * `secret_password_clear_finish()` returns %FALSE when there was nothing to
 * remove).
 *
 * A pair that is known not to call back fails at once with
 * %SA_ERROR_ARGUMENT_TYPE instead of leaving its caller waiting: with
 * %SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE, a %NULL first argument (the
 * object @async_func is a method of); and a critical logged while
 * @async_func runs (a failed g_return_if_fail() of GIO returns without
 * calling back).
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

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (async_func != NULL, NULL);
  g_return_val_if_fail (finish_func != NULL, NULL);
  g_return_val_if_fail (n_params <= SA_FUNCTION_MAX_PARAMS, NULL);
  g_return_val_if_fail (n_params > 0 || !(flags & SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE), NULL);

  va_start (var_args, n_params);
  param_types = collect_param_types (n_params, &var_args);
  va_end (var_args);

  if (!check_name (name) ||
      !check_flags (name, flags,
                    SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE |
                    SA_FUNCTION_FLAGS_RETURNS_UNOWNED | SA_FUNCTION_FLAGS_OWNER_THREAD |
                    SA_FUNCTION_FLAGS_DEADLINE_SAFE) ||
      !check_signature (name, return_type, param_types, n_params))
    return NULL;

  self = sa_function_new_internal (name, flags, return_type, param_types, n_params);
  return with_callable (self, sa_c_pair_new (self, async_func, finish_func));
}

/* A callable built elsewhere (sa-introspected.c), whose signature it
 * checked itself. */
SaFunction *
sa_function_new_from_callable (const char  *name,
                               GType        return_type,
                               const GType *param_types,
                               guint        n_params,
                               SaCallable  *callable)
{
  SaFunction *self = sa_function_new_internal (name, SA_FUNCTION_FLAGS_NONE,
                                               return_type, param_types, n_params);

  return with_callable (self, callable);
}

void
sa_function_set_result_types (SaFunction  *self,
                              const GType *result_types,
                              guint        n_results)
{
  self->result_types = g_memdup2 (result_types, n_results * sizeof (GType));
  self->n_results = n_results;
}

/**
 * sa_function_new_introspected: (constructor)
 * @namespace_: (nullable): a typelib's namespace, such as `"Gio"`; %NULL to
 *   look @name up as a C symbol in every typelib loaded so far
 * @version: (nullable): its version, such as `"2.0"`; %NULL for the
 *   latest one
 * @name: a function of the namespace (`"content_type_guess"`), a method
 *   or static function of one of its types (`"File.load_contents"`,
 *   `"File.new_for_path"`), or a C symbol (`"g_file_load_contents"`)
 * @error: return location for a #GError
 *
 * Wraps a function or async pair that a typelib describes, with its
 * signature read from the typelib instead of declared by hand.
 *
 * A function that takes a #GAsyncReadyCallback is an async pair with its
 * `_finish` partner (`File.load_contents_async` goes with
 * `File.load_contents_finish`); anything else is a blocking function. The
 * parameters are the callable's own, as Python and JavaScript see them: a
 * method's instance first, then its in arguments, without the array
 * lengths (taken from the arrays), the #GCancellable (the call's
 * cancellable goes there), the callback and its data. C arrays of strings
 * are %G_TYPE_STRV; C arrays of bytes, and #GByteArray, are
 * %G_TYPE_BYTE_ARRAY.
 *
 * The results are the return value (unless the typelib hides it) and
 * then the out arguments, in the order Python and GJS return them. With
 * one result, it is the function's value. With several, the value is a
 * #GValueArray of them, and sa_function_call_sync() takes one return
 * location per result: for `g_file_load_contents()`,
 *
 * ```c
 * g_autoptr(SaFunction) load =
 *   sa_function_new_introspected ("Gio", "2.0", "File.load_contents", &error);
 * gboolean ok;
 * g_autoptr(GByteArray) contents = NULL;
 * g_autofree char *etag = NULL;
 *
 * sa_function_call_sync (load, NULL, &error, file, &ok, &contents, &etag);
 * ```
 *
 * Ownership follows the typelib's transfer annotations, and a %NULL given
 * for an argument not marked nullable fails the call with
 * %SA_ERROR_ARGUMENT_TYPE instead of reaching the function. What a typelib
 * cannot describe well enough to call safely (callbacks other than the
 * async one, caller-allocated structures, lists and hash tables, arrays of
 * other types) is refused here with %SA_ERROR_UNSUPPORTED, and so is every
 * call when the library was built without libgirepository; an unknown
 * namespace or name with %SA_ERROR_NOT_FOUND.
 *
 * Returns: (transfer full) (nullable): a new function, or %NULL with
 *   @error set
 *
 * Since: 0.2
 */
SaFunction *
sa_function_new_introspected (const char  *namespace_,
                              const char  *version,
                              const char  *name,
                              GError     **error)
{
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

#ifdef HAVE_GIREPOSITORY
  return sa_introspected_new (namespace_, version, name, error);
#else
  g_set_error (error, SA_ERROR, SA_ERROR_UNSUPPORTED,
               "Cannot wrap %s: smartasync-glib was built without "
               "gobject-introspection", name);
  return NULL;
#endif
}

/**
 * sa_function_new_for_callable_info: (skip)
 * @callable_info: a `GIFunctionInfo` of libgirepository
 * @error: return location for a #GError
 *
 * Wraps the function or async pair @callable_info describes, as
 * sa_function_new_introspected() does by name.
 *
 * Returns: (transfer full) (nullable): a new function, or %NULL with
 *   @error set
 *
 * Since: 0.2
 */
SaFunction *
sa_function_new_for_callable_info (gpointer   callable_info,
                                   GError   **error)
{
  g_return_val_if_fail (callable_info != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

#ifdef HAVE_GIREPOSITORY
  return sa_introspected_new_for_info (callable_info, error);
#else
  g_set_error (error, SA_ERROR, SA_ERROR_UNSUPPORTED,
               "Cannot wrap a GICallableInfo: smartasync-glib was built "
               "without gobject-introspection");
  return NULL;
#endif
}

/**
 * sa_function_get_result_types:
 * @self: a function
 * @n_results: (out): return location for the number of results
 *
 * Gets the types of what a call gives back: none for a function without a
 * value, its return type for one value, and for an introspected function
 * with several results (a return value and out arguments) the type of
 * each; its value is then a #GValueArray of them, in this order.
 *
 * Returns: (array length=n_results) (transfer none): the result types
 *
 * Since: 0.2
 */
const GType *
sa_function_get_result_types (SaFunction *self,
                              guint      *n_results)
{
  g_return_val_if_fail (SA_IS_FUNCTION (self), NULL);
  g_return_val_if_fail (n_results != NULL, NULL);

  if (self->n_results > 1)
    {
      *n_results = self->n_results;
      return self->result_types;
    }

  *n_results = self->return_type == G_TYPE_NONE ? 0 : 1;
  return &self->return_type;
}

/**
 * sa_function_peek_results:
 * @self: a function
 * @value: a value of a call of @self, as call_sync or call_finish gave it
 * @n_results: (out): return location for the number of results
 *
 * Gets the results in @value one by one, whatever their number: none for
 * a function without a value, @value itself for one, and for an
 * introspected function with several results the values of the
 * #GValueArray it holds, without the deprecated #GValueArray API.
 *
 * Returns: (array length=n_results) (transfer none) (nullable): the
 *   results, owned by @value
 *
 * Since: 0.2
 */
const GValue *
sa_function_peek_results (SaFunction   *self,
                          const GValue *value,
                          guint        *n_results)
{
  g_return_val_if_fail (SA_IS_FUNCTION (self), NULL);
  g_return_val_if_fail (G_IS_VALUE (value), NULL);
  g_return_val_if_fail (n_results != NULL, NULL);

  if (self->n_results > 1)
    {
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      GValueArray *array;

      g_return_val_if_fail (G_VALUE_HOLDS (value, g_value_array_get_type ()), NULL);
      array = g_value_get_boxed (value);
      *n_results = array != NULL ? array->n_values : 0;
      return array != NULL ? array->values : NULL;
      G_GNUC_END_IGNORE_DEPRECATIONS
    }

  *n_results = self->return_type == G_TYPE_NONE ? 0 : 1;
  return *n_results > 0 ? value : NULL;
}

/* A binding's callable: the checks release @user_data when they refuse,
 * as (scope notified) hands it over. */
static SaFunction *
sa_function_new_value (const char      *name,
                       GType            return_type,
                       const GType     *param_types,
                       guint            n_params,
                       SaFunctionFlags  flags,
                       GDestroyNotify   destroy,
                       gpointer         user_data)
{
  if (!check_name (name) ||
      !check_flags (name, flags, SA_FUNCTION_FLAGS_OWNER_THREAD | SA_FUNCTION_FLAGS_DEADLINE_SAFE) ||
      !check_signature (name, return_type, param_types, n_params))
    {
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }

  return sa_function_new_internal (name, flags, return_type, param_types, n_params);
}

/**
 * sa_function_new_sync_full: (constructor)
 * @name: the function's name, for messages and errors
 * @return_type: the result's type, %G_TYPE_NONE for none
 * @param_types: (array length=n_params) (nullable): the parameter types
 * @n_params: the number of parameters
 * @flags: %SA_FUNCTION_FLAGS_NONE, or %SA_FUNCTION_FLAGS_OWNER_THREAD for
 *   a callable that must stay on the thread creating the function, and
 *   %SA_FUNCTION_FLAGS_DEADLINE_SAFE
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

  self = sa_function_new_value (name, return_type, param_types, n_params, flags,
                                destroy, user_data);
  if (self == NULL)
    return NULL;

  return with_callable (self, sa_value_function_new (self, func, user_data, destroy));
}

/**
 * sa_function_new_async_full: (constructor)
 * @name: the function's name, for messages and errors
 * @return_type: the result's type, %G_TYPE_NONE for none
 * @param_types: (array length=n_params) (nullable): the parameter types
 * @n_params: the number of parameters
 * @flags: %SA_FUNCTION_FLAGS_NONE, or %SA_FUNCTION_FLAGS_OWNER_THREAD for
 *   a callable that must be started on the thread creating the function,
 *   and %SA_FUNCTION_FLAGS_DEADLINE_SAFE
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

  self = sa_function_new_value (name, return_type, param_types, n_params, flags,
                                destroy, user_data);
  if (self == NULL)
    return NULL;

  return with_callable (self, sa_value_pair_new (self, func, user_data, destroy));
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

  return self->callable != NULL ? sa_function_kind (self) : SA_FUNCTION_KIND_SYNC;
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
 * Sets [property@Function:timeout]. A function with %G_TYPE_POINTER
 * parameters takes a deadline only with %SA_FUNCTION_FLAGS_DEADLINE_SAFE:
 * a call abandoned at its deadline could still write through them after
 * the caller has freed what they point to.
 *
 * Since: 0.1
 */
void
sa_function_set_timeout (SaFunction *self,
                         int         timeout_msec)
{
  g_return_if_fail (SA_IS_FUNCTION (self));
  g_return_if_fail (timeout_msec >= -1);
  g_return_if_fail (timeout_msec < 0 || !self->has_raw_pointers ||
                    (self->flags & SA_FUNCTION_FLAGS_DEADLINE_SAFE));

  if (g_atomic_int_exchange (&self->timeout, timeout_msec) != timeout_msec)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

/**
 * sa_function_get_stall_warning:
 * @self: a function
 *
 * Gets [property@Function:stall-warning].
 *
 * Returns: milliseconds without progress before a sync caller's wait is
 *   reported, or 0 for never
 *
 * Since: 0.2
 */
int
sa_function_get_stall_warning (SaFunction *self)
{
  g_return_val_if_fail (SA_IS_FUNCTION (self), 0);

  return g_atomic_int_get (&self->stall_warning);
}

/**
 * sa_function_set_stall_warning:
 * @self: a function
 * @stall_msec: milliseconds, or 0 for never
 *
 * Sets [property@Function:stall-warning].
 *
 * Since: 0.2
 */
void
sa_function_set_stall_warning (SaFunction *self,
                               int         stall_msec)
{
  g_return_if_fail (SA_IS_FUNCTION (self));
  g_return_if_fail (stall_msec >= 0);

  if (g_atomic_int_exchange (&self->stall_warning, stall_msec) != stall_msec)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STALL_WARNING]);
}

/**
 * sa_function_get_pool:
 * @self: a function
 *
 * Gets [property@Function:pool].
 *
 * Returns: (transfer none): the pool async callers' blocking calls run in
 *
 * Since: 0.2
 */
SaPool *
sa_function_get_pool (SaFunction *self)
{
  SaPool *pool;

  g_return_val_if_fail (SA_IS_FUNCTION (self), NULL);

  pool = g_atomic_pointer_get (&self->pool);
  return pool != NULL ? pool : sa_pool_get_default ();
}

/**
 * sa_function_set_pool:
 * @self: a function
 * @pool: (nullable): a pool, or %NULL for [func@Pool.get_default]
 *
 * Sets [property@Function:pool]. A call made while it changes goes to
 * either pool.
 *
 * Since: 0.2
 */
void
sa_function_set_pool (SaFunction *self,
                      SaPool     *pool)
{
  static GMutex lock;
  SaPool *old;
  gboolean changed;

  g_return_if_fail (SA_IS_FUNCTION (self));
  g_return_if_fail (pool == NULL || SA_IS_POOL (pool));

  g_mutex_lock (&lock);
  if (pool != NULL)
    g_object_ref (pool);
  old = g_atomic_pointer_exchange (&self->pool, pool);
  changed = old != pool;
  /* A call on another thread may have just read the old pool: it stays
   * alive as long as the function does. */
  if (old == pool)
    g_clear_object (&old);
  else if (old != NULL)
    self->retired_pools = g_slist_prepend (self->retired_pools, old);
  g_mutex_unlock (&lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POOL]);
}

/**
 * sa_function_get_max_concurrency:
 * @self: a function
 *
 * Gets [property@Function:max-concurrency].
 *
 * Returns: the most calls in flight at once, or 0 for any number
 *
 * Since: 0.2
 */
int
sa_function_get_max_concurrency (SaFunction *self)
{
  g_return_val_if_fail (SA_IS_FUNCTION (self), 0);

  return g_atomic_int_get (&self->max_concurrency);
}

/**
 * sa_function_set_max_concurrency:
 * @self: a function
 * @max_concurrency: the most calls in flight at once, or 0 for any number
 *
 * Sets [property@Function:max-concurrency]. Raising the limit starts as
 * many waiting calls as it makes room for.
 *
 * Since: 0.2
 */
void
sa_function_set_max_concurrency (SaFunction *self,
                                 int         max_concurrency)
{
  g_return_if_fail (SA_IS_FUNCTION (self));
  g_return_if_fail (max_concurrency >= 0);

  if (g_atomic_int_exchange (&self->max_concurrency, max_concurrency) == max_concurrency)
    return;

  sa_limit_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_CONCURRENCY]);
}

/* Entry points */

static gboolean
check_callable (SaFunction *self)
{
  if (G_UNLIKELY (self->callable == NULL))
    {
      g_critical ("Function “%s” wraps nothing: create it with one of the "
                  "sa_function_new_*() constructors", self->name);
      return FALSE;
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

  sa_collect_args (self, call->args, var_args, 0, &call->error);
  return call;
}

/* A call whose arguments are converted from a binding's GValues; a
 * conversion error is its outcome. */
static SaCall *
new_call_converting (SaFunction   *self,
                     const GValue *args,
                     guint         n_args,
                     GCancellable *cancellable)
{
  SaCall *call = sa_call_new (self, cancellable);

  sa_signature_coerce_args (self->name, self->param_types, self->n_params,
                            args, n_args, call->args, &call->error);
  return call;
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
  SaTaskSpec spec = { .callback = callback, .user_data = user_data };
  va_list var_args;

  g_return_val_if_fail (SA_IS_FUNCTION (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  if (!check_callable (self))
    return NULL;

  va_start (var_args, user_data);
  call = new_call_collecting (self, cancellable, &var_args);
  va_end (var_args);

  return sa_dispatch_smart (self, "call", call, &spec);
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
  SaTaskSpec spec = { .callback = callback, .user_data = user_data };

  g_return_val_if_fail (SA_IS_FUNCTION (self), NULL);
  g_return_val_if_fail (args != NULL || n_args == 0, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  if (!check_callable (self))
    return NULL;

  call = new_call_converting (self, args, n_args, cancellable);
  return sa_dispatch_smart (self, "callv", call, &spec);
}

/* A sync caller's direct call of arguments already converted: nothing
 * outlives this frame, so no call record is made. Takes @args. */
static gboolean
call_direct (SaFunction    *self,
             GValue        *args,
             GValue        *result,
             GCancellable  *cancellable,
             GError       **error)
{
  GValue value = G_VALUE_INIT;
  gboolean ok;

  ok = sa_dispatch_direct (self, args, cancellable, &value, error);
  for (guint i = 0; i < self->n_params; i++)
    sa_value_clear (&args[i]);

  if (!ok || result == NULL)
    {
      sa_value_clear (&value);
      if (!ok && result != NULL)
        sa_value_init_result (result, self->return_type);
      return ok;
    }

  *result = value;
  return TRUE;
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
  SaPath path;
  gboolean ok;

  path = sa_dispatch_sync_path (self, "call_sync");

  if (path == SA_PATH_DIRECT)
    {
      /* Nothing outlives this frame: borrow the arguments, allocate
       * nothing. */
      memset (stack_args, 0, self->n_params * sizeof (GValue));
      if (!sa_collect_args (self, stack_args, var_args, G_VALUE_NOCOPY_CONTENTS, error))
        return FALSE;

      ok = sa_dispatch_direct (self, stack_args, cancellable, &result, error);

      for (guint i = 0; i < self->n_params; i++)
        g_value_unset (&stack_args[i]);
    }
  else
    {
      g_autoptr(SaCall) call = sa_call_new (self, cancellable);
      g_autoptr(SaCall) outcome = NULL;

      if (!sa_collect_args (self, call->args, var_args, 0, error))
        return FALSE;

      outcome = sa_dispatch_run_sync (self, path, call, timeout_msec);
      ok = sa_call_propagate (outcome, &result, error);
    }

  sa_collect_store_result (self, &result, var_args);

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
 * fails with %G_IO_ERROR_TIMED_OUT. On a function with %G_TYPE_POINTER
 * parameters a deadline fails with %SA_ERROR_UNSAFE_DEADLINE unless it has
 * %SA_FUNCTION_FLAGS_DEADLINE_SAFE.
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
  GValue stack_args[SA_FUNCTION_MAX_PARAMS];
  g_autoptr(SaCall) call = NULL;
  g_autoptr(SaCall) outcome = NULL;
  SaPath path;

  g_return_val_if_fail (SA_IS_FUNCTION (self), FALSE);
  g_return_val_if_fail (args != NULL || n_args == 0, FALSE);
  g_return_val_if_fail (timeout_msec >= -1, FALSE);
  g_return_val_if_fail (result == NULL || G_VALUE_TYPE (result) == G_TYPE_INVALID, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!check_callable (self))
    return FALSE;

  memset (stack_args, 0, self->n_params * sizeof (GValue));
  if (!sa_signature_coerce_args (self->name, self->param_types, self->n_params,
                                 args, n_args, stack_args, error))
    {
      if (result != NULL)
        sa_value_init_result (result, self->return_type);
      return FALSE;
    }

  path = sa_dispatch_sync_path (self, "call_sync");
  if (path == SA_PATH_DIRECT)
    return call_direct (self, stack_args, result, cancellable, error);

  call = sa_call_new (self, cancellable);
  memcpy (call->args, stack_args, self->n_params * sizeof (GValue));
  outcome = sa_dispatch_run_sync (self, path, call, timeout_msec);
  return sa_call_propagate (outcome, result, error);
}

/* The varargs async entry points, once their own checks have passed. */
static void
call_async_collecting (SaFunction   *self,
                       GCancellable *cancellable,
                       SaTaskSpec   *spec,
                       va_list      *var_args)
{
  g_autoptr(SaCall) call = NULL;

  if (!check_callable (self))
    return;

  call = new_call_collecting (self, cancellable, var_args);
  sa_dispatch_async (self, "call_async", call, spec);
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
  SaTaskSpec spec = { .callback = callback, .user_data = user_data };
  va_list var_args;

  g_return_if_fail (SA_IS_FUNCTION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  va_start (var_args, user_data);
  call_async_collecting (self, cancellable, &spec, &var_args);
  va_end (var_args);
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
 * callers of that object's `_async` method expect (for the library's own
 * source tag as well, see [method@Function.call_async_full]). That object's `_finish`
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
  SaTaskSpec spec = {
    .source_object = source_object,
    .callback = callback,
    .user_data = user_data,
  };
  va_list var_args;

  g_return_if_fail (SA_IS_FUNCTION (self));
  g_return_if_fail (G_IS_OBJECT (source_object));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  va_start (var_args, user_data);
  call_async_collecting (self, cancellable, &spec, &var_args);
  va_end (var_args);
}

/**
 * sa_function_call_async_full: (skip)
 * @self: a function
 * @source_object: (type GObject) (nullable): the object the call is on
 *   behalf of, or %NULL for @self
 * @source_tag: (nullable): the result's source tag, as
 *   g_task_set_source_tag() sets it: normally the library's own `_async`
 *   function; %NULL for the one [method@Function.call_async] sets
 * @task_name: (nullable): the name of the result's task, which sysprof and
 *   debuggers show; %NULL for the function's name
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (nullable): called with the result
 * @user_data: data for @callback
 * @...: the arguments, as C passes them
 *
 * [method@Function.call_async] for a library that builds its own
 * `_async`/`_finish` API on @self: the result carries the library's
 * object as its source object and the library's function as its source
 * tag, so that its `_finish` can check it with g_async_result_is_tagged(),
 * and profilers and debuggers show the library's name for it.
 *
 * ```c
 * void
 * foo_client_fetch_async (FooClient           *self,
 *                         const char          *url,
 *                         GCancellable        *cancellable,
 *                         GAsyncReadyCallback  callback,
 *                         gpointer             user_data)
 * {
 *   sa_function_call_async_full (self->fetch, self, foo_client_fetch_async,
 *                                "foo_client_fetch_async", cancellable,
 *                                callback, user_data, self, url);
 * }
 *
 * GBytes *
 * foo_client_fetch_finish (FooClient     *self,
 *                          GAsyncResult  *result,
 *                          GError       **error)
 * {
 *   g_auto(GValue) value = G_VALUE_INIT;
 *
 *   g_return_val_if_fail (g_task_is_valid (result, self), NULL);
 *   g_return_val_if_fail (g_async_result_is_tagged (result, foo_client_fetch_async), NULL);
 *
 *   if (!sa_function_call_finish (self->fetch, result, &value, error))
 *     return NULL;
 *   return g_value_dup_boxed (&value);
 * }
 * ```
 *
 * Since: 0.2
 */
void
sa_function_call_async_full (SaFunction          *self,
                             gpointer             source_object,
                             gpointer             source_tag,
                             const char          *task_name,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data,
                             ...)
{
  SaTaskSpec spec = {
    .source_object = source_object,
    .source_tag = source_tag,
    .task_name = task_name,
    .callback = callback,
    .user_data = user_data,
    .tasked = TRUE,
  };
  va_list var_args;

  g_return_if_fail (SA_IS_FUNCTION (self));
  g_return_if_fail (source_object == NULL || G_IS_OBJECT (source_object));
  g_return_if_fail (task_name == NULL || g_utf8_validate (task_name, -1, NULL));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  va_start (var_args, user_data);
  call_async_collecting (self, cancellable, &spec, &var_args);
  va_end (var_args);
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
  SaTaskSpec spec = { .callback = callback, .user_data = user_data };

  g_return_if_fail (SA_IS_FUNCTION (self));
  g_return_if_fail (args != NULL || n_args == 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  if (!check_callable (self))
    return;

  call = new_call_converting (self, args, n_args, cancellable);
  sa_dispatch_async (self, "call_asyncv", call, &spec);
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
  gboolean is_call_result;
  gboolean is_task;
  SaCall *call;

  g_return_val_if_fail (SA_IS_FUNCTION (self), FALSE);
  g_return_val_if_fail (value == NULL || G_VALUE_TYPE (value) == G_TYPE_INVALID, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Our own result's type is final: comparing it is enough, where a
   * class check that fails is a call into GObject. Then class checks
   * before any interface check, which walks the type's interfaces. */
  is_call_result = result != NULL &&
                   G_TYPE_FROM_INSTANCE (result) == SA_TYPE_CALL_RESULT;
  is_task = !is_call_result && G_TYPE_CHECK_INSTANCE_TYPE (result, G_TYPE_TASK);
  if (!is_task)
    {
      if (G_UNLIKELY (!is_call_result))
        {
          g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);
          g_return_val_if_fail (SA_IS_CALL_RESULT (result), FALSE);
        }
      call = sa_call_result_call ((SaCallResult *) result);
      g_return_val_if_fail (call->function == self, FALSE);

      /* An async caller's result reports a cancelled cancellable as
       * cancelled, whatever the call's outcome, as a GTask would; a call
       * ended by its cancellable is never read. */
      if (!call->finished && call->cancellable != NULL &&
          sa_call_result_context ((SaCallResult *) result) != NULL &&
          g_cancellable_set_error_if_cancelled (call->cancellable, error))
        {
          call->finished = TRUE;
          if (value != NULL)
            sa_value_init_result (value, self->return_type);
          return FALSE;
        }
    }
  else
    {
      /* The source object is @self, or the object a call was made on
       * behalf of; the source tag is ours, or the library's. */
      call = sa_call_from_task (G_TASK (result));
      if (call == NULL)
        {
          g_critical ("%s: the result is not from a call of this library's "
                      "sa_function_call_async()", G_STRFUNC);
          return FALSE;
        }
      g_return_val_if_fail (call->function == self, FALSE);

      /* The smart call hands out its task before completion; finishing
       * it then would get a GTask critical and FALSE without an error. */
      if (g_atomic_int_get (&call->state) == SA_CALL_PENDING)
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
