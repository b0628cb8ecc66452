/* sa-limit.c: max-concurrency, calls of one function in flight at once
 *
 * Async callers' calls beyond a function's max-concurrency wait in a
 * queue of the function, in the order they were made, without blocking
 * anybody's loop; a slot is given back when a call completes, once its
 * outcome is on its way to the caller (so with a limit of one, callbacks
 * come in the order the calls were made), and the oldest waiting call is
 * started then.
 * A call its caller cancels while it waits ends at once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-pool-private.h"

typedef struct _SaLimit SaLimit;
struct _SaLimit
{
  GMutex  lock;
  guint   running;
  GQueue  waiting;  /* of SaQueued */
};

static SaLimit *
get_limit (SaFunction *function)
{
  SaLimit *limit = g_atomic_pointer_get (&function->limit);

  if (G_UNLIKELY (limit == NULL))
    {
      SaLimit *made = g_new0 (SaLimit, 1);

      g_mutex_init (&made->lock);
      g_queue_init (&made->waiting);
      if (g_atomic_pointer_compare_and_exchange (&function->limit, NULL, made))
        return made;

      g_mutex_clear (&made->lock);
      g_free (made);
      limit = g_atomic_pointer_get (&function->limit);
    }

  return limit;
}

static gboolean
has_room (SaFunction *function,
          SaLimit    *limit)
{
  int max = g_atomic_int_get (&function->max_concurrency);

  return max <= 0 || limit->running < (guint) max;
}

static gboolean
start_in_context (gpointer data)
{
  SaQueued *queued = data;
  GMainContext *context = g_task_get_context (sa_queued_call (queued)->task);

  /* A pair started here completes in the caller's context, as it would
   * have had it started at once. */
  g_main_context_push_thread_default (context);
  sa_queued_start (queued);
  g_main_context_pop_thread_default (context);

  return G_SOURCE_REMOVE;
}

static void
start (SaQueued *queued,
       gboolean  in_context)
{
  GSource *source;

  if (!in_context)
    {
      sa_queued_start (queued);
      sa_queued_unref (queued);
      return;
    }

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, start_in_context, queued,
                         (GDestroyNotify) sa_queued_unref);
  g_source_set_static_name (source, "[smartasync] start a queued call");
  g_source_attach (source, g_task_get_context (sa_queued_call (queued)->task));
  g_source_unref (source);
}

/* Takes the waiting calls that now have room, in order, under the lock;
 * they are started by the caller after unlocking. */
static GSList *
grant_locked (SaFunction *function,
              SaLimit    *limit)
{
  GSList *granted = NULL;

  while (has_room (function, limit) && !g_queue_is_empty (&limit->waiting))
    {
      SaQueued *queued = g_queue_pop_head (&limit->waiting);

      if (!sa_queued_take (queued))
        {
          sa_queued_unref (queued);
          continue;
        }

      limit->running++;
      g_atomic_int_set (&sa_queued_call (queued)->holds_slot, TRUE);
      granted = g_slist_prepend (granted, queued);
    }

  return g_slist_reverse (granted);
}

static void
start_granted (GSList *granted)
{
  for (GSList *l = granted; l != NULL; l = l->next)
    {
      SaQueued *queued = l->data;

      start (queued, sa_queued_in_context (queued));
    }
  g_slist_free (granted);
}

gboolean
sa_limit_enter (SaFunction        *function,
                SaCall            *call,
                SaQueuedStartFunc  start_func,
                gboolean           in_context)
{
  SaLimit *limit = get_limit (function);
  SaQueued *queued;
  GSList *granted;

  g_mutex_lock (&limit->lock);
  if (has_room (function, limit) && g_queue_is_empty (&limit->waiting))
    {
      limit->running++;
      g_atomic_int_set (&call->holds_slot, TRUE);
      g_mutex_unlock (&limit->lock);
      return TRUE;
    }
  g_mutex_unlock (&limit->lock);

  /* Connected to the caller's cancellable before it is queued, outside
   * the lock: a cancellation already made ends the call at once. */
  queued = sa_queued_new (call, start_func, in_context);

  g_mutex_lock (&limit->lock);
  g_queue_push_tail (&limit->waiting, queued);
  /* Room may have been made between the two locks. */
  granted = grant_locked (function, limit);
  g_mutex_unlock (&limit->lock);

  start_granted (granted);
  return FALSE;
}

void
sa_limit_leave (SaFunction *function)
{
  SaLimit *limit = get_limit (function);
  GSList *granted;

  g_mutex_lock (&limit->lock);
  limit->running--;
  granted = grant_locked (function, limit);
  g_mutex_unlock (&limit->lock);

  start_granted (granted);
}

/* max-concurrency changed: a greater (or no) limit lets waiting calls go. */
void
sa_limit_update (SaFunction *function)
{
  SaLimit *limit = get_limit (function);
  GSList *granted;

  g_mutex_lock (&limit->lock);
  granted = grant_locked (function, limit);
  g_mutex_unlock (&limit->lock);

  start_granted (granted);
}

/* Every waiting call holds a reference on its function: none is left. */
void
sa_limit_free (SaFunction *function)
{
  SaLimit *limit = function->limit;

  if (limit == NULL)
    return;

  g_assert (g_queue_is_empty (&limit->waiting));
  g_mutex_clear (&limit->lock);
  g_free (limit);
}
