/* sa-drain.c: contexts that abandoned calls may still complete in
 *
 * A call abandoned at its deadline may still complete through the private
 * context it was started in: a GTask returning from a worker thread
 * attaches its callback there, a pair's own sources live there. Something
 * must iterate that context, or the late completion, the call and the
 * context would never be released; and it must not cost a thread, a
 * descriptor or any CPU per abandoned call while nothing happens.
 *
 * Such a context is hosted by a GSource that polls its descriptors from
 * another context and dispatches it when it is ready: on the library's
 * drain thread, or, for an owner-thread function, on its owner's main
 * context, the only place its callable may run. Nothing polls while
 * nothing is ready, and a context whose sources are always ready is served
 * at a falling rate instead of taking a core and delaying the others.
 *
 * A context its home thread still waits in is only lent: hosted between
 * that thread's waits and taken back when the next one begins (so many
 * abandoned calls of one thread share one context), until its abandoned
 * calls are released. A context nobody will wait in again (it has
 * leftovers, or its thread is gone) is adopted: hosted until its abandoned
 * calls are released and nothing is attached to it any more.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-drain-private.h"

#include <string.h>

/* Consecutive iterations in which a hosted context is ready at once
 * before it is served at a lower rate, and that rate's bounds. */
#define BUSY_ROUNDS 16
#define THROTTLE_MIN_USEC (10 * G_TIME_SPAN_MILLISECOND)
#define THROTTLE_MAX_USEC (1 * G_TIME_SPAN_SECOND)

typedef struct
{
  GSource        source;
  SaWaitContext *wc;
  gboolean       acquired;
  gboolean       handed_back;
  int            max_priority;
  GPollFD       *fds;       /* registered with the outer context */
  GPollFD       *next_fds;  /* what the hosted context asks for now */
  int            n_fds;
  int            n_allocated;
  gboolean       registered;
  gboolean       inner_ready;
  guint          busy_rounds;
  gint64         throttle_usec;
  gboolean       throttled;
} DrainSource;

static GThread *drain_thread;

static void
unregister_fds (DrainSource *self)
{
  if (!self->registered)
    return;

  for (int i = 0; i < self->n_fds; i++)
    g_source_remove_poll (&self->source, &self->fds[i]);
  self->registered = FALSE;
}

static void
register_fds (DrainSource *self)
{
  for (int i = 0; i < self->n_fds; i++)
    g_source_add_poll (&self->source, &self->fds[i]);
  self->registered = TRUE;
}

/* Asks the hosted context what to poll. The set is registered with the
 * outer context only when it changed: adding or removing a poll wakes the
 * outer context up, which would make it spin. */
static void
query_fds (DrainSource *self,
           int         *inner_timeout)
{
  GMainContext *inner = self->wc->context;
  int n;

  while ((n = g_main_context_query (inner, self->max_priority, inner_timeout,
                                    self->next_fds, self->n_allocated)) > self->n_allocated)
    {
      unregister_fds (self);
      self->n_allocated = n;
      self->fds = g_renew (GPollFD, self->fds, n);
      self->next_fds = g_renew (GPollFD, self->next_fds, n);
    }

  if (self->registered && n == self->n_fds)
    {
      gboolean same = TRUE;

      for (int i = 0; i < n && same; i++)
        same = self->fds[i].fd == self->next_fds[i].fd &&
               self->fds[i].events == self->next_fds[i].events;
      if (same)
        return;
    }

  unregister_fds (self);
  memcpy (self->fds, self->next_fds, n * sizeof (GPollFD));
  self->n_fds = n;
}

static void
throttle (DrainSource *self)
{
  self->throttle_usec = self->throttle_usec == 0
    ? THROTTLE_MIN_USEC : MIN (self->throttle_usec * 2, THROTTLE_MAX_USEC);
  self->throttled = TRUE;
  unregister_fds (self);
  g_source_set_ready_time (&self->source, g_get_monotonic_time () + self->throttle_usec);
}

/* Stops hosting: the context is released for its home thread, or for
 * whoever holds it last. Under wc->lock. */
static void
hand_back (DrainSource *self)
{
  unregister_fds (self);
  if (self->acquired)
    {
      g_main_context_release (self->wc->context);
      self->acquired = FALSE;
    }
  self->handed_back = TRUE;
  self->wc->hosted = FALSE;
  self->wc->reclaim = FALSE;
  g_cond_broadcast (&self->wc->cond);
}

static gboolean
drain_prepare (GSource *source,
               int     *timeout)
{
  DrainSource *self = (DrainSource *) source;
  GMainContext *inner = self->wc->context;
  int inner_timeout;
  gboolean ready;

  self->inner_ready = FALSE;
  *timeout = -1;

  if (self->handed_back)
    return TRUE;

  g_mutex_lock (&self->wc->lock);
  if (self->wc->reclaim)
    {
      hand_back (self);
      g_mutex_unlock (&self->wc->lock);
      return TRUE;
    }
  g_mutex_unlock (&self->wc->lock);

  if (self->throttled)
    return FALSE;

  if (!self->acquired)
    self->acquired = g_main_context_acquire (inner);
  if (!self->acquired)
    {
      /* Only until the thread that waited in it has let go. */
      *timeout = 10;
      return FALSE;
    }

  ready = g_main_context_prepare (inner, &self->max_priority);
  query_fds (self, &inner_timeout);

  if (ready || inner_timeout == 0)
    {
      if (++self->busy_rounds > BUSY_ROUNDS)
        {
          throttle (self);
          return FALSE;
        }
      inner_timeout = 0;
    }
  else
    {
      self->busy_rounds = 0;
      self->throttle_usec = 0;
    }

  if (!self->registered)
    register_fds (self);
  *timeout = inner_timeout;
  return FALSE;
}

static gboolean
drain_check (GSource *source)
{
  DrainSource *self = (DrainSource *) source;

  if (self->throttled || !self->acquired || self->handed_back)
    return FALSE;

  self->inner_ready = g_main_context_check (self->wc->context, self->max_priority,
                                            self->fds, self->n_fds);
  return self->inner_ready;
}

static gboolean
drain_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  DrainSource *self = (DrainSource *) source;
  SaWaitContext *wc = self->wc;
  gboolean done = FALSE;
  guint probe_id;

  if (self->handed_back)
    return G_SOURCE_REMOVE;

  if (self->throttled)
    {
      /* One more busy round is allowed before the next, longer pause. */
      self->throttled = FALSE;
      self->busy_rounds = BUSY_ROUNDS - 1;
      g_source_set_ready_time (source, -1);
      return G_SOURCE_CONTINUE;
    }

  if (self->inner_ready)
    {
      /* Whatever the late completion starts lands here too. */
      g_main_context_push_thread_default (wc->context);
      g_main_context_dispatch (wc->context);
      g_main_context_pop_thread_default (wc->context);
      self->inner_ready = FALSE;
    }

  /* A lent context goes back to its home once its abandoned calls are
   * released; an adopted one is let go of once nothing is left in it. */
  g_mutex_lock (&wc->lock);
  if (g_atomic_int_get (&wc->n_abandoned) == 0 &&
      (!wc->home_gone || sa_wait_context_is_clean (wc, &probe_id)))
    {
      hand_back (self);
      done = TRUE;
    }
  g_mutex_unlock (&wc->lock);

  return done ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
drain_finalize (GSource *source)
{
  DrainSource *self = (DrainSource *) source;

  if (self->acquired && g_main_context_is_owner (self->wc->context))
    g_main_context_release (self->wc->context);
  g_free (self->fds);
  g_free (self->next_fds);
  sa_wait_context_unref (self->wc);
}

static GSourceFuncs drain_funcs = {
  .prepare = drain_prepare,
  .check = drain_check,
  .dispatch = drain_dispatch,
  .finalize = drain_finalize,
};

static gpointer
drain_thread_func (gpointer data)
{
  GMainContext *context = data;

  g_main_context_push_thread_default (context);
  for (;;)
    g_main_context_iteration (context, TRUE);

  return NULL;
}

static GMainContext *
drain_thread_context (void)
{
  static gsize initialized = 0;
  static GMainContext *context;

  if (g_once_init_enter (&initialized))
    {
      context = g_main_context_new ();
      drain_thread = g_thread_new ("sa-drain", drain_thread_func, context);
      g_once_init_leave (&initialized, 1);
    }

  return context;
}

static GMainContext *
host_of (SaWaitContext *wc)
{
  return wc->owner_context != NULL ? wc->owner_context : drain_thread_context ();
}

/* Under wc->lock. */
static void
host (SaWaitContext *wc)
{
  GSource *source;

  if (wc->hosted)
    return;

  source = g_source_new (&drain_funcs, sizeof (DrainSource));
  ((DrainSource *) source)->wc = sa_wait_context_ref (wc);
  g_source_set_static_name (source, "[smartasync] drain an abandoned call's context");
  wc->hosted = TRUE;
  g_source_attach (source, host_of (wc));
  g_source_unref (source);
}

/* Hosts @wc, which nobody owns, until its home thread waits in it again
 * (sa_drain_reclaim()) or its abandoned calls are released. Only contexts
 * the drain thread hosts are lent: an owner's context is its home's own,
 * which cannot wait for itself, and neither can the drain thread. */
void
sa_drain_lend (SaWaitContext *wc)
{
  if (wc->owner_context != NULL || g_thread_self () == drain_thread)
    return;

  g_mutex_lock (&wc->lock);
  host (wc);
  g_mutex_unlock (&wc->lock);
}

/* Takes a lent context back for a wait of its home thread; returns once
 * the drain has let go of it. */
void
sa_drain_reclaim (SaWaitContext *wc)
{
  g_mutex_lock (&wc->lock);
  if (wc->hosted)
    {
      wc->reclaim = TRUE;
      g_main_context_wakeup (host_of (wc));
      while (wc->hosted)
        g_cond_wait (&wc->cond, &wc->lock);
    }
  g_mutex_unlock (&wc->lock);
}

/* Hosts @wc (taking a reference) for good: until its abandoned calls are
 * released and nothing is attached to it. */
void
sa_drain_adopt (SaWaitContext *wc)
{
  g_mutex_lock (&wc->lock);
  wc->home_gone = TRUE;
  wc->reclaim = FALSE;
  host (wc);
  g_mutex_unlock (&wc->lock);
}
