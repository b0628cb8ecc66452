/* sa-function.h: a callable that works from sync and async callers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (SA_INSIDE) && !defined (SA_COMPILATION)
# error "Only <smartasync-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sa-pool.h"
#include "sa-version.h"

G_BEGIN_DECLS

/**
 * SaMode:
 * @SA_MODE_AUTO: pick the path from the caller's context, see
 *   [func@context_is_async]
 * @SA_MODE_SYNC: treat every smart call as coming from a sync caller
 * @SA_MODE_ASYNC: treat every smart call as coming from an async caller
 *
 * How [method@Function.call] picks its path. The explicit entry points
 * ([method@Function.call_sync], [method@Function.call_async]) ignore it.
 *
 * Since: 0.1
 */
typedef enum
{
  SA_MODE_AUTO,
  SA_MODE_SYNC,
  SA_MODE_ASYNC,
} SaMode;

/**
 * SaFunctionKind:
 * @SA_FUNCTION_KIND_SYNC: the function wraps a blocking callable
 * @SA_FUNCTION_KIND_ASYNC: the function wraps a GIO-style async pair
 *
 * What an [class@Function] wraps.
 *
 * Since: 0.1
 */
typedef enum
{
  SA_FUNCTION_KIND_SYNC,
  SA_FUNCTION_KIND_ASYNC,
} SaFunctionKind;

/**
 * SaFunctionFlags:
 * @SA_FUNCTION_FLAGS_NONE: no flags
 * @SA_FUNCTION_FLAGS_CANCELLABLE: the blocking C function given to
 *   [ctor@Function.new_sync] takes a `GCancellable *` after its declared
 *   parameters
 * @SA_FUNCTION_FLAGS_THROWS: the blocking C function given to
 *   [ctor@Function.new_sync] takes a `GError **` as its last parameter.
 *   The #GError alone tells failure: a `gboolean` %FALSE returned without
 *   one is a value (secret_password_clear_sync(): "nothing removed"), as
 *   for a `_finish` function
 * @SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE: the `_finish` C function given to
 *   [ctor@Function.new_async] takes the first argument (the source object)
 *   before the [iface@Gio.AsyncResult], as g_file_read_finish() does
 * @SA_FUNCTION_FLAGS_RETURNS_UNOWNED: a pointer returned by the C function
 *   is owned by the callee (transfer none) and is copied; without this flag
 *   the result is taken over (transfer full), as GIO functions return it
 * @SA_FUNCTION_FLAGS_OWNER_THREAD: the callable only ever runs on the thread
 *   that created the function, dispatched by its
 *   [property@Function:main-context]; calls from elsewhere hop there. For
 *   callables written in a language that cannot run on other threads (GJS).
 *   Create the function on the thread that runs that context: a call that
 *   another thread's loop dispatches fails with %SA_ERROR_FAILED instead
 * @SA_FUNCTION_FLAGS_DEADLINE_SAFE: the caller keeps every %G_TYPE_POINTER
 *   argument valid until the callable has really finished, even after a
 *   deadline abandoned the call: only then may a function with such
 *   parameters have a deadline ([property@Function:timeout]). Since: 0.2
 *
 * Describe the callable an [class@Function] wraps.
 *
 * Since: 0.1
 */
typedef enum /*< flags >*/
{
  SA_FUNCTION_FLAGS_NONE                = 0,
  SA_FUNCTION_FLAGS_CANCELLABLE         = 1 << 0,
  SA_FUNCTION_FLAGS_THROWS              = 1 << 1,
  SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE = 1 << 2,
  SA_FUNCTION_FLAGS_RETURNS_UNOWNED     = 1 << 3,
  SA_FUNCTION_FLAGS_OWNER_THREAD        = 1 << 4,
  SA_FUNCTION_FLAGS_DEADLINE_SAFE       = 1 << 5,
} SaFunctionFlags;

/**
 * SaSyncFunc:
 * @args: (array length=n_args): the arguments, already converted to the
 *   function's parameter types
 * @n_args: the number of arguments
 * @result: (out caller-allocates): already initialised to the function's
 *   return type (to %G_TYPE_POINTER for a void function); set it on success
 * @cancellable: (nullable): the call's cancellable
 * @user_data: the data given with the callable
 * @error: return location for the failure
 *
 * A blocking callable for [ctor@Function.new_sync_full]: the shape bindings
 * implement. It runs on the caller's thread or, for an async caller, on a
 * worker thread (see %SA_FUNCTION_FLAGS_OWNER_THREAD).
 *
 * Returns: %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 0.1
 */
typedef gboolean (*SaSyncFunc) (GValue        *args,
                                guint          n_args,
                                GValue        *result,
                                GCancellable  *cancellable,
                                gpointer       user_data,
                                GError       **error);

/**
 * SaAsyncFunc:
 * @args: (array length=n_args): the arguments, already converted to the
 *   function's parameter types
 * @n_args: the number of arguments
 * @cancellable: (nullable): the call's cancellable
 * @task: the task to complete, once, with g_task_return_value() or
 *   g_task_return_error(), from any thread; keep a reference to complete it
 *   later
 * @user_data: the data given with the callable
 *
 * An asynchronous callable for [ctor@Function.new_async_full]: the shape
 * bindings implement (a callback taking a #GAsyncReadyCallback cannot be
 * written in GJS). It is started in the thread-default main context that
 * should see its completion.
 *
 * Since: 0.1
 */
typedef void (*SaAsyncFunc) (GValue        *args,
                             guint          n_args,
                             GCancellable  *cancellable,
                             GTask         *task,
                             gpointer       user_data);

#define SA_TYPE_FUNCTION (sa_function_get_type ())

SA_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SaFunction, sa_function, SA, FUNCTION, GObject)

SA_AVAILABLE_IN_ALL
SaFunction     *sa_function_new_sync           (const char           *name,
                                                GCallback             func,
                                                SaFunctionFlags       flags,
                                                GType                 return_type,
                                                guint                 n_params,
                                                ...);
SA_AVAILABLE_IN_ALL
SaFunction     *sa_function_new_async          (const char           *name,
                                                GCallback             async_func,
                                                GCallback             finish_func,
                                                SaFunctionFlags       flags,
                                                GType                 return_type,
                                                guint                 n_params,
                                                ...);
SA_AVAILABLE_IN_ALL
SaFunction     *sa_function_new_sync_full      (const char           *name,
                                                GType                 return_type,
                                                const GType          *param_types,
                                                guint                 n_params,
                                                SaFunctionFlags       flags,
                                                SaSyncFunc            func,
                                                gpointer              user_data,
                                                GDestroyNotify        destroy);
SA_AVAILABLE_IN_ALL
SaFunction     *sa_function_new_async_full     (const char           *name,
                                                GType                 return_type,
                                                const GType          *param_types,
                                                guint                 n_params,
                                                SaFunctionFlags       flags,
                                                SaAsyncFunc           func,
                                                gpointer              user_data,
                                                GDestroyNotify        destroy);

SA_AVAILABLE_IN_0_2
SaFunction     *sa_function_new_introspected   (const char           *namespace_,
                                                const char           *version,
                                                const char           *name,
                                                GError              **error);
SA_AVAILABLE_IN_0_2
SaFunction     *sa_function_new_for_callable_info
                                               (gpointer              callable_info,
                                                GError              **error);

SA_AVAILABLE_IN_ALL
const char     *sa_function_get_name           (SaFunction           *self);
SA_AVAILABLE_IN_ALL
SaFunctionKind  sa_function_get_kind           (SaFunction           *self);
SA_AVAILABLE_IN_ALL
SaFunctionFlags sa_function_get_flags          (SaFunction           *self);
SA_AVAILABLE_IN_ALL
GType           sa_function_get_return_type    (SaFunction           *self);
SA_AVAILABLE_IN_ALL
const GType    *sa_function_get_param_types    (SaFunction           *self,
                                                guint                *n_params);
SA_AVAILABLE_IN_0_2
const GType    *sa_function_get_result_types   (SaFunction           *self,
                                                guint                *n_results);
SA_AVAILABLE_IN_0_2
const GValue   *sa_function_peek_results       (SaFunction           *self,
                                                const GValue         *value,
                                                guint                *n_results);
SA_AVAILABLE_IN_ALL
GMainContext   *sa_function_get_main_context   (SaFunction           *self);
SA_AVAILABLE_IN_ALL
SaMode          sa_function_get_mode           (SaFunction           *self);
SA_AVAILABLE_IN_ALL
void            sa_function_set_mode           (SaFunction           *self,
                                                SaMode                mode);
SA_AVAILABLE_IN_ALL
int             sa_function_get_timeout        (SaFunction           *self);
SA_AVAILABLE_IN_ALL
void            sa_function_set_timeout        (SaFunction           *self,
                                                int                   timeout_msec);
SA_AVAILABLE_IN_0_2
int             sa_function_get_stall_warning  (SaFunction           *self);
SA_AVAILABLE_IN_0_2
void            sa_function_set_stall_warning  (SaFunction           *self,
                                                int                   stall_msec);
SA_AVAILABLE_IN_0_2
SaPool         *sa_function_get_pool           (SaFunction           *self);
SA_AVAILABLE_IN_0_2
void            sa_function_set_pool           (SaFunction           *self,
                                                SaPool               *pool);
SA_AVAILABLE_IN_0_2
int             sa_function_get_max_concurrency (SaFunction          *self);
SA_AVAILABLE_IN_0_2
void            sa_function_set_max_concurrency (SaFunction          *self,
                                                int                   max_concurrency);

SA_AVAILABLE_IN_ALL
GAsyncResult   *sa_function_call               (SaFunction           *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data,
                                                ...) G_GNUC_WARN_UNUSED_RESULT;
SA_AVAILABLE_IN_ALL
GAsyncResult   *sa_function_callv              (SaFunction           *self,
                                                const GValue         *args,
                                                guint                 n_args,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data) G_GNUC_WARN_UNUSED_RESULT;

SA_AVAILABLE_IN_ALL
gboolean        sa_function_call_sync          (SaFunction           *self,
                                                GCancellable         *cancellable,
                                                GError              **error,
                                                ...);
SA_AVAILABLE_IN_ALL
gboolean        sa_function_call_sync_with_timeout
                                               (SaFunction           *self,
                                                int                   timeout_msec,
                                                GCancellable         *cancellable,
                                                GError              **error,
                                                ...);
SA_AVAILABLE_IN_ALL
gboolean        sa_function_call_syncv         (SaFunction           *self,
                                                const GValue         *args,
                                                guint                 n_args,
                                                GValue               *result,
                                                GCancellable         *cancellable,
                                                GError              **error);
SA_AVAILABLE_IN_ALL
gboolean        sa_function_call_syncv_with_timeout
                                               (SaFunction           *self,
                                                const GValue         *args,
                                                guint                 n_args,
                                                int                   timeout_msec,
                                                GValue               *result,
                                                GCancellable         *cancellable,
                                                GError              **error);

SA_AVAILABLE_IN_ALL
void            sa_function_call_async         (SaFunction           *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data,
                                                ...);
SA_AVAILABLE_IN_ALL
void            sa_function_call_async_with_source
                                               (SaFunction           *self,
                                                gpointer              source_object,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data,
                                                ...);
SA_AVAILABLE_IN_0_2
void            sa_function_call_async_full    (SaFunction           *self,
                                                gpointer              source_object,
                                                gpointer              source_tag,
                                                const char           *task_name,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data,
                                                ...);
SA_AVAILABLE_IN_ALL
void            sa_function_call_asyncv        (SaFunction           *self,
                                                const GValue         *args,
                                                guint                 n_args,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
SA_AVAILABLE_IN_ALL
gboolean        sa_function_call_finish        (SaFunction           *self,
                                                GAsyncResult         *result,
                                                GValue               *value,
                                                GError              **error);

SA_AVAILABLE_IN_ALL
GValue         *sa_function_call_syncv_value   (SaFunction           *self,
                                                const GValue         *args,
                                                guint                 n_args,
                                                GCancellable         *cancellable,
                                                GError              **error);
SA_AVAILABLE_IN_ALL
GValue         *sa_function_call_finish_value  (SaFunction           *self,
                                                GAsyncResult         *result,
                                                GError              **error);

G_END_DECLS
