/* sa-context.c: the context rule
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-context.h"
#include "sa-context-private.h"

/* The application whose start-up handlers may be running: the last one
 * whose startup was emitted, until its shutdown is. Several applications
 * may live in one process (one after the other in a test run, say), so the
 * default application is not a safe guess. */
static GWeakRef starting_app;
static gint any_app_started;

static gboolean
on_shutdown (GSignalInvocationHint *hint,
             guint                  n_param_values,
             const GValue          *param_values,
             gpointer               data)
{
  g_autoptr(GApplication) app = g_weak_ref_get (&starting_app);

  if (app == g_value_get_object (&param_values[0]))
    {
      g_weak_ref_set (&starting_app, NULL);
      g_atomic_int_set (&any_app_started, FALSE);
    }
  return TRUE;
}

static gboolean
on_startup (GSignalInvocationHint *hint,
            guint                  n_param_values,
            const GValue          *param_values,
            gpointer               data)
{
  g_weak_ref_set (&starting_app, g_value_get_object (&param_values[0]));
  g_atomic_int_set (&any_app_started, TRUE);
  return TRUE;
}

/* Emission hooks run before any handler connected to the signal, so a
 * shutdown handler is never taken for a start-up one. They must be in
 * place before an application starts, which may be before any SaFunction
 * exists: the library installs them when it is loaded. */
void
sa_context_watch_applications (void)
{
  static gsize installed = 0;

  if (g_once_init_enter (&installed))
    {
      g_type_class_ref (G_TYPE_APPLICATION);
      g_signal_add_emission_hook (g_signal_lookup ("shutdown", G_TYPE_APPLICATION), 0,
                                  on_shutdown, NULL, NULL);
      g_signal_add_emission_hook (g_signal_lookup ("startup", G_TYPE_APPLICATION), 0,
                                  on_startup, NULL, NULL);
      g_once_init_leave (&installed, 1);
    }
}

__attribute__ ((constructor)) static void
watch_applications_on_load (void)
{
  sa_context_watch_applications ();
}

/* g_application_run() acquires the global default context and emits the
 * primary instance's startup, activate, open and command-line before its
 * loop first iterates that context: code there runs outside any dispatch,
 * yet everything delivered to the default context will be dispatched as
 * soon as it returns, as long as the application is held. */
static gboolean
in_application_startup (GApplication **application)
{
  GMainContext *thread_default;
  GApplication *app;

  if (G_LIKELY (!g_atomic_int_get (&any_app_started)))
    return FALSE;

  thread_default = g_main_context_get_thread_default ();
  if (thread_default != NULL && thread_default != g_main_context_default ())
    return FALSE;

  if (!g_main_context_is_owner (g_main_context_default ()))
    return FALSE;

  app = g_weak_ref_get (&starting_app);
  if (app == NULL)
    return FALSE;

  /* Borrowed: whoever runs the application holds it during its handlers. */
  g_object_unref (app);
  if (!g_application_get_is_registered (app) || g_application_get_is_remote (app))
    return FALSE;

  *application = app;
  return TRUE;
}

/* The application whose start-up handlers the caller is in, if any: a
 * call made there holds it. Cheap when no application has started, as
 * every explicit async call asks. */
GApplication *
sa_context_starting_application (void)
{
  GApplication *application = NULL;

  if (G_LIKELY (!g_atomic_int_get (&any_app_started)) || g_main_depth () > 0)
    return NULL;

  in_application_startup (&application);
  return application;
}

SaContextKind
sa_context_classify (GApplication **application)
{
  GMainContext *thread_default;
  GSource *dispatching;

  *application = NULL;

  /* g_main_depth() > 0 only inside g_main_context_dispatch(), i.e. inside
   * a source callback of some context on this thread. */
  if (g_main_depth () == 0)
    return in_application_startup (application)
      ? SA_CONTEXT_APPLICATION_STARTUP : SA_CONTEXT_SYNC;

  /* The context whose callback this thread is running: owned by this
   * thread, as dispatching needs it acquired. Async if and only if it is
   * the thread-default one, where results are delivered. */
  dispatching = g_main_current_source ();
  if (dispatching == NULL)
    return SA_CONTEXT_SYNC;

  thread_default = g_main_context_get_thread_default ();
  if (thread_default == NULL)
    thread_default = g_main_context_default ();

  return g_source_get_context (dispatching) == thread_default
    ? SA_CONTEXT_DISPATCH : SA_CONTEXT_SYNC;
}

/**
 * sa_context_is_async:
 *
 * Tells whether the calling thread is in an *async context*: a result
 * delivered to its thread-default main context will be dispatched as soon
 * as the current code returns, so blocking would stall a running loop and
 * starting an operation is safe. That is the case
 *
 * - while the thread is being dispatched by a [struct@GLib.MainContext]
 *   that it owns and that is its thread-default context (a callback of a
 *   running loop);
 * - in the start-up handlers of the primary instance of a running
 *   [class@Gio.Application] (`startup`, `activate`, `open`,
 *   `command-line`): g_application_run() has acquired the global default
 *   context and iterates it as soon as they return. A call made there
 *   holds the application until it is delivered, so the loop runs at
 *   least that long. Not in `shutdown`, after which nothing is iterated,
 *   nor in a `startup` emitted by a g_application_register() made before
 *   g_application_run().
 *
 * Everything else is a *sync context*: plain code before any loop runs or
 * after it ended, a worker thread (for example a [class@Gio.Task] thread),
 * a thread that iterates a context it has not pushed as thread-default (a
 * result sent to the thread-default context would not be dispatched, even
 * when an outer loop owns that one), or a context pushed and not (yet)
 * iterated, in plain code or inside a callback of another context: the
 * call then blocks in a private context of its own instead of sending its
 * result to a context that may never be iterated.
 *
 * An async call made inside another call's private loop (a callback that
 * loop dispatches) is in an async context: that loop's context is pushed
 * and being dispatched, so the call attaches to it.
 *
 * The answer is computed on every call (it costs tens of nanoseconds) and
 * never cached, so a thread moves freely between the two.
 *
 * Returns: %TRUE in an async context
 *
 * Since: 0.1
 */
gboolean
sa_context_is_async (void)
{
  GApplication *application;

  return sa_context_classify (&application) != SA_CONTEXT_SYNC;
}
