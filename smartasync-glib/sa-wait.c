/* sa-wait.c: sync callers waiting in a private main context
 *
 * A sync caller of an async pair starts it with a private GMainContext
 * pushed as thread-default and iterates only that context until the pair
 * completes, so nothing of the caller's own contexts is ever dispatched.
 *
 * Private contexts are kept per thread and reused while they are provably
 * clean. Source IDs are allocated per context in increasing order: a
 * probe source attached (and destroyed at once) when a wait begins gets an
 * ID greater than every source attached before it, so looking up the IDs
 * between two probes shows whether anything attached since the previous
 * wait began (during it, or after it ended) is still attached. A context
 * with such a leftover is never waited in again; it is dropped, with its
 * leftovers, as a fresh context per call would be.
 *
 * A wait ends when its call is done and every async call started into its
 * context (a guest, sa_wait_adopt_guest()) has been delivered; a warning
 * names a wait that makes no progress for a while (the stall-warning
 * property); a deadline cancels the call, gives it a short grace period to
 * complete and then abandons it. An abandoned call may still complete
 * through the context it was started in: a context with nothing attached
 * is still waited in (its late completion is then dropped by whichever
 * wait on this thread dispatches it), one with leftovers goes to the drain
 * (sa-drain.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>

#include "sa-call-private.h"
#include "sa-drain-private.h"
#include "sa-wait-private.h"

/* How long a cancelled call gets to complete with G_IO_ERROR_CANCELLED
 * after its deadline, before it is abandoned: as long as the deadline
 * itself, up to this. */
#define GRACE_MAX_MSEC 100

#define DEFAULT_STALL_WARNING_MSEC 5000

/* Nesting depths that keep a context each: a sync call made inside a
 * callback that a private wait dispatches waits in a context of its own. */
#define CACHED_DEPTHS 4

typedef struct _WaitFrame WaitFrame;
struct _WaitFrame
{
  SaWaitContext *wc;
  GMainContext  *caller_context;  /* thread-default beneath, NULL: global */
  WaitFrame     *outer;
  guint          depth;
};

typedef struct
{
  SaWaitContext *cached[CACHED_DEPTHS];
  WaitFrame     *top;
} WaitThread;

typedef struct
{
  SaWaitContext *wc;
  guint          frame;
} Guest;

static void wait_thread_free (gpointer data);

static GPrivate wait_thread_key = G_PRIVATE_INIT (wait_thread_free);
/* The innermost wait of this thread, mirrored in plain TLS: every async
 * call asks whether it is a guest of one. */
static __thread WaitFrame *innermost_wait;

SaWaitContext *
sa_wait_context_ref (SaWaitContext *wc)
{
  g_atomic_ref_count_inc (&wc->ref_count);
  return wc;
}

void
sa_wait_context_unref (SaWaitContext *wc)
{
  if (!g_atomic_ref_count_dec (&wc->ref_count))
    return;

  g_clear_pointer (&wc->owner_context, g_main_context_unref);
  g_main_context_unref (wc->context);
  g_mutex_clear (&wc->lock);
  g_cond_clear (&wc->cond);
  g_free (wc);
}

SaWaitContext *
sa_wait_context_new (void)
{
  SaWaitContext *wc = g_new0 (SaWaitContext, 1);

  g_atomic_ref_count_init (&wc->ref_count);
  g_mutex_init (&wc->lock);
  g_cond_init (&wc->cond);
  wc->context = g_main_context_new ();
  wc->home = g_thread_self ();
  /* IDs start at 1: every source ever attached is in the window. */
  wc->window_start = 0;

  return wc;
}

/* Wakes the thread waiting in @wc, from the side completing a call. A
 * completion dispatched by that wait itself (the common case) needs no
 * wakeup: the waiting loop looks at the call after every iteration. */
void
sa_wait_context_wake (SaWaitContext *wc)
{
  if (!g_main_context_is_owner (wc->context))
    g_main_context_wakeup (wc->context);
}

/* An abandoned call started in @wc has been released: whoever drains @wc
 * may be able to let it go now. */
void
sa_wait_context_abandoned_done (SaWaitContext *wc)
{
  if (g_atomic_int_dec_and_test (&wc->n_abandoned))
    g_main_context_wakeup (wc->context);
}

static gboolean
probe_dispatch (gpointer data)
{
  return G_SOURCE_REMOVE;
}

/* Whether every source attached to @wc since its window started is gone;
 * *@probe_id is the start of the next window. Attaching to a context this
 * thread owns, or that nobody owns, wakes nobody up. */
gboolean
sa_wait_context_is_clean (SaWaitContext *wc,
                          guint         *probe_id)
{
  GSource *probe = g_idle_source_new ();
  gboolean clean = TRUE;
  guint id;

  g_source_set_callback (probe, probe_dispatch, NULL, NULL);
  id = g_source_attach (probe, wc->context);
  g_source_destroy (probe);
  g_source_unref (probe);

  /* IDs wrap after G_MAXUINT sources: a window that does not grow is
   * taken for dirty. */
  if (id <= wc->window_start)
    clean = FALSE;
  for (guint i = wc->window_start + 1; clean && i < id; i++)
    if (g_main_context_find_source_by_id (wc->context, i) != NULL)
      clean = FALSE;

  *probe_id = id;
  return clean;
}

/* A context no wait will use again: released with whatever is attached to
 * it, as a fresh context per call would be, unless abandoned calls may
 * still complete through it. */
static void
retire (SaWaitContext *wc)
{
  if (g_atomic_int_get (&wc->n_abandoned) > 0)
    sa_drain_adopt (wc);
  sa_wait_context_unref (wc);
}

static void
wait_thread_free (gpointer data)
{
  WaitThread *thread = data;

  for (guint i = 0; i < CACHED_DEPTHS; i++)
    if (thread->cached[i] != NULL)
      retire (thread->cached[i]);
  g_free (thread);
}

static WaitThread *
wait_thread_get (void)
{
  WaitThread *thread = g_private_get (&wait_thread_key);

  if (G_UNLIKELY (thread == NULL))
    {
      thread = g_new0 (WaitThread, 1);
      g_private_set (&wait_thread_key, thread);
    }

  return thread;
}

static SaWaitContext *
acquire (WaitThread *thread,
         guint       depth)
{
  SaWaitContext *wc = NULL;
  guint probe_id;

  if (depth < CACHED_DEPTHS)
    wc = g_steal_pointer (&thread->cached[depth]);

  if (wc != NULL)
    {
      sa_drain_reclaim (wc);
      /* While abandoned calls may still complete in it, whatever they left
       * there (a timer, a source always ready) is theirs: the context is
       * taken back anyway, as a fresh one per abandoned call would cost a
       * descriptor each and pin it until the pair completes, maybe never. */
      if (sa_wait_context_is_clean (wc, &probe_id) ||
          g_atomic_int_get (&wc->n_abandoned) > 0)
        {
          wc->window_start = probe_id;
          return wc;
        }
      retire (wc);
    }

  return sa_wait_context_new ();
}

/* Keeps @wc for the next wait at @depth. While abandoned calls may still
 * complete in it, the drain iterates it until then. */
static void
release (WaitThread    *thread,
         guint          depth,
         SaWaitContext *wc)
{
  if (depth < CACHED_DEPTHS && thread->cached[depth] == NULL)
    {
      thread->cached[depth] = wc;
      if (g_atomic_int_get (&wc->n_abandoned) > 0)
        sa_drain_lend (wc);
    }
  else
    retire (wc);
}

/* A context for a wait that is not a frame of its own (a sync gather's),
 * from this thread's cache at the depth of the next frame, as provably
 * clean as sa_wait_run()'s; given back with sa_wait_context_give_back(). */
SaWaitContext *
sa_wait_context_borrow (guint *depth)
{
  WaitThread *thread = wait_thread_get ();

  *depth = thread->top != NULL ? thread->top->depth + 1 : 0;
  return acquire (thread, *depth);
}

void
sa_wait_context_give_back (SaWaitContext *wc,
                           guint          depth)
{
  release (wait_thread_get (), depth, wc);
}

int
sa_wait_default_stall_warning (void)
{
  const char *env = g_getenv ("SA_STALL_WARNING_MS");
  char *end;
  long value;

  if (env == NULL || *env == '\0')
    return DEFAULT_STALL_WARNING_MSEC;

  value = strtol (env, &end, 10);
  if (*end != '\0' || value < 0 || value > G_MAXINT)
    {
      g_warning ("SA_STALL_WARNING_MS=%s is not a number of milliseconds; "
                 "using %d", env, DEFAULT_STALL_WARNING_MSEC);
      return DEFAULT_STALL_WARNING_MSEC;
    }

  return (int) value;
}

/* Guests */

static void
guest_delivered (GObject    *task,
                 GParamSpec *pspec,
                 gpointer    data)
{
  Guest *guest = data;

  if (g_atomic_int_get ((int *) &guest->wc->frame) == (int) guest->frame &&
      g_atomic_int_dec_and_test (&guest->wc->frame_guests))
    sa_wait_context_wake (guest->wc);
}

static void
guest_free (gpointer  data,
            GClosure *closure)
{
  Guest *guest = data;

  sa_wait_context_unref (guest->wc);
  g_free (guest);
}

/* Whether this thread is waiting in a private context (a sync caller's
 * wait), which a call started now may need to know about. */
gboolean
sa_wait_in_progress (void)
{
  return innermost_wait != NULL;
}

/* An async call whose task delivers in the context a sync caller of this
 * thread is waiting in: that wait goes on until the task has delivered,
 * or its callback would be lost with the wait (a call made by a finalizer
 * or by the pair itself, for example). */
void
sa_wait_adopt_guest (SaCall *call,
                     GTask  *task)
{
  GMainContext *target;

  if (G_LIKELY (innermost_wait == NULL))
    return;

  target = g_task_get_context (task);
  for (WaitFrame *frame = innermost_wait; frame != NULL; frame = frame->outer)
    {
      if (frame->wc->context == target)
        {
          Guest *guest = g_new (Guest, 1);

          guest->wc = sa_wait_context_ref (frame->wc);
          guest->frame = frame->wc->frame;
          g_atomic_int_inc (&frame->wc->frame_guests);
          g_signal_connect_data (task, "notify::completed",
                                 G_CALLBACK (guest_delivered), guest,
                                 guest_free, 0);
          return;
        }
    }
}

/* Iterating */

/* What g_main_context_iteration() does, minus system calls it need not
 * make, and with a bound on how long it may block: when a source is ready
 * to dispatch and the only descriptor to poll is the context's own wakeup
 * (as for every pair that completes through its GTask), a poll() with a
 * zero timeout could only tell that another thread woke us, which changes
 * nothing: the call is looked at after every iteration, and a pending
 * wakeup is acknowledged by the next blocking poll. */
typedef struct
{
  GMainContext *context;
  GPollFunc     poll_func;
  int           wakeup_fd;
  GPollFD      *fds;
  int           n_allocated;
  GPollFD       stack_fds[4];
} Poller;

static void
poller_init (Poller       *poller,
             GMainContext *context)
{
  int timeout;

  poller->context = context;
  poller->fds = poller->stack_fds;
  poller->n_allocated = G_N_ELEMENTS (poller->stack_fds);
  poller->poll_func = g_main_context_get_poll_func (context);

  /* A clean context polls one descriptor, its wakeup. If that ever
   * changes, -1 matches nothing and every iteration polls. */
  if (g_main_context_query (context, G_MAXINT, &timeout,
                            poller->fds, poller->n_allocated) == 1)
    poller->wakeup_fd = poller->fds[0].fd;
  else
    poller->wakeup_fd = -1;
}

static void
poller_clear (Poller *poller)
{
  if (poller->fds != poller->stack_fds)
    g_free (poller->fds);
}

/* Milliseconds until @until, rounded up, for poll(). */
static int
msec_until (gint64 now,
            gint64 until)
{
  gint64 msec = (until - now + 999) / 1000;

  return (int) CLAMP (msec, 0, G_MAXINT);
}

/* One iteration that blocks at most until @until (0: no bound). Returns
 * whether it dispatched anything. */
static gboolean
poller_iterate (Poller *poller,
                gint64  until)
{
  int max_priority;
  int timeout;
  int n_fds;
  gboolean ready;

  g_main_context_prepare (poller->context, &max_priority);

  while ((n_fds = g_main_context_query (poller->context, max_priority, &timeout,
                                        poller->fds, poller->n_allocated)) > poller->n_allocated)
    {
      if (poller->fds != poller->stack_fds)
        g_free (poller->fds);
      poller->fds = g_new (GPollFD, n_fds);
      poller->n_allocated = n_fds;
    }

  if (until != 0 && timeout != 0)
    {
      int bound = msec_until (g_get_monotonic_time (), until);

      if (timeout < 0 || bound < timeout)
        timeout = bound;
    }

  if (timeout != 0 ||
      n_fds > 1 ||
      (n_fds == 1 && poller->fds[0].fd != poller->wakeup_fd))
    poller->poll_func (poller->fds, n_fds, timeout);

  ready = g_main_context_check (poller->context, max_priority, poller->fds, n_fds);
  g_main_context_dispatch (poller->context);

  return ready;
}

/* The stall warning */

/* Whether @context has sources ready to dispatch: a hint that the pair
 * waits for them. Only if this thread can look (it owns the context, or
 * nobody does). */
static gboolean
has_ready_sources (GMainContext *context)
{
  return g_main_context_pending (context);
}

static void
warn_stalled (WaitFrame *frame,
              SaCall    *call,
              gint64     waited_usec)
{
  g_autoptr(GString) causes = g_string_new (NULL);
  GMainContext *global = g_main_context_default ();
  GMainContext *caller = frame->caller_context != NULL ? frame->caller_context : global;

  if (has_ready_sources (caller))
    g_string_append_printf (causes,
                            " Sources are ready to dispatch on the caller's "
                            "thread-default main context (%s), which a sync call "
                            "never iterates: the pair probably completes through it "
                            "(g_idle_add(), a signal of an object living there, a "
                            "GTask created there), and that context only runs once "
                            "this call returns.",
                            caller == global ? "the global default one" : "pushed by the caller");
  else if (caller != global && has_ready_sources (global))
    g_string_append (causes,
                     " Sources are ready to dispatch on the global default main "
                     "context, which a sync call never iterates: the pair probably "
                     "completes through it (g_idle_add(), a GDBusProxy made on "
                     "the main thread).");
  else
    g_string_append (causes,
                     " Likely causes: the pair waits for the caller's own main "
                     "loop (g_idle_add(), a D-Bus signal, an object of the main "
                     "thread), it never calls back (a failed precondition, a "
                     "lost callback), or it is only slow.");

  g_warning ("Function “%s”: a sync call has waited %.1f s for it without any "
             "progress and may never complete.%s Give it a deadline (the "
             "timeout property) to bound the wait; the stall-warning property "
             "or SA_STALL_WARNING_MS sets when this warning comes (0: never).",
             call->function->name, waited_usec / (double) G_USEC_PER_SEC,
             causes->str);
}

/* Waiting */

static gboolean
call_pending (SaCall *call)
{
  return g_atomic_int_get (&call->state) == SA_CALL_PENDING;
}

/* Iterates until the call is done and the frame's guests are delivered,
 * or the deadline (0: none) passes. Returns FALSE at the deadline. */
static gboolean
wait_loop (WaitFrame *frame,
           Poller    *poller,
           SaCall    *call,
           gint64     deadline,
           int        stall_msec)
{
  SaWaitContext *wc = frame->wc;
  gint64 quiet_since = 0;
  gboolean warned = stall_msec <= 0;

  while (call_pending (call) || g_atomic_int_get (&wc->frame_guests) > 0)
    {
      gint64 until = deadline;

      if (deadline != 0 || !warned)
        {
          gint64 now = g_get_monotonic_time ();

          if (deadline != 0 && now >= deadline)
            return FALSE;

          if (!warned)
            {
              if (quiet_since == 0)
                quiet_since = now;
              if (now - quiet_since >= (gint64) stall_msec * 1000)
                {
                  warn_stalled (frame, call, now - quiet_since);
                  warned = TRUE;
                }
              else if (until == 0 || quiet_since + (gint64) stall_msec * 1000 < until)
                until = quiet_since + (gint64) stall_msec * 1000;
            }
        }

      if (poller_iterate (poller, until))
        quiet_since = 0;
    }

  return TRUE;
}

/* After the deadline: the callable is cancelled and gets the grace period
 * to complete with G_IO_ERROR_CANCELLED, as GIO's contract has it. An
 * always-ready source cannot stretch it. */
static void
grace (Poller *poller,
       SaCall *call,
       int     timeout_msec)
{
  gint64 end = g_get_monotonic_time () +
               MIN (timeout_msec, GRACE_MAX_MSEC) * G_TIME_SPAN_MILLISECOND;

  g_cancellable_cancel (call->op_cancellable);
  do
    poller_iterate (poller, end);
  while (call_pending (call) && g_get_monotonic_time () < end);
}

/* Starts @call with @start in a private context and waits for it, with a
 * deadline when @timeout_msec >= 0. Returns TRUE when the outcome is in
 * @call; FALSE with G_IO_ERROR_TIMED_OUT, or G_IO_ERROR_CANCELLED when a
 * cancellation ended a hop at once, and then the call is left to the
 * callable's side. */
gboolean
sa_wait_run (SaCall           *call,
             SaWaitStartFunc   start,
             int               timeout_msec,
             GError          **error)
{
  WaitThread *thread = wait_thread_get ();
  SaFunction *function = call->function;
  WaitFrame frame;
  Poller poller;
  gint64 deadline = 0;
  gboolean in_time;
  gboolean abandoned = FALSE;
  gboolean goes_to_drain = FALSE;

  frame.depth = thread->top != NULL ? thread->top->depth + 1 : 0;
  frame.caller_context = g_main_context_get_thread_default ();
  frame.outer = thread->top;
  frame.wc = acquire (thread, frame.depth);

  g_atomic_int_inc ((int *) &frame.wc->frame);
  g_atomic_int_set (&frame.wc->frame_guests, 0);
  call->wait = sa_wait_context_ref (frame.wc);

  /* The callable never sees the caller's cancellable here, only one of the
   * call's own chained to it, unchained before the wait ends (below). */
  if (timeout_msec >= 0 || call->cancellable != NULL)
    sa_call_own_cancellable (call);
  if (timeout_msec >= 0)
    deadline = g_get_monotonic_time () + (gint64) timeout_msec * G_TIME_SPAN_MILLISECOND;

  g_main_context_push_thread_default (frame.wc->context);
  thread->top = &frame;
  innermost_wait = &frame;
  poller_init (&poller, frame.wc->context);

  start (call);

  in_time = wait_loop (&frame, &poller, call, deadline,
                       g_atomic_int_get (&function->stall_warning));
  if (!in_time)
    grace (&poller, call, timeout_msec);

  /* A callable's GCancellableSource (GIO's pollable streams and sockets
   * make them) stays connected to its cancellable until it is finalised,
   * and its handler locks the context it was attached to: the caller's
   * cancellation only reaches the callable through the chain, which is
   * cut, waiting for a cancellation in flight, while the context is
   * alive. */
  sa_call_unchain_cancellable (call);

  if (!in_time &&
      g_atomic_int_compare_and_exchange (&call->state, SA_CALL_PENDING, SA_CALL_ABANDONED))
    {
      abandoned = TRUE;
      sa_call_settled (call);
      g_atomic_int_inc (&frame.wc->n_abandoned);
      if (sa_function_owner_thread_only (function) && frame.wc->owner_context == NULL)
        frame.wc->owner_context = g_main_context_ref (function->main_context);
    }

  /* An abandoned call that keeps a source ready in its context would make
   * every later wait here spin, and slow the release of the others that
   * share it: that context goes to the drain on its own. Whatever else an
   * abandoned call left (a timer, a source waiting for I/O) stays, and
   * this thread's later waits share the context, rather than pin one
   * context, and its descriptor, per abandoned call. */
  if (abandoned && g_main_context_pending (frame.wc->context))
    goes_to_drain = TRUE;
  /* Owner-thread code left there must run on the owner's own context,
   * which hosts the context for good: it is never lent. */
  if (abandoned && frame.wc->owner_context != NULL)
    goes_to_drain = TRUE;

  poller_clear (&poller);
  thread->top = frame.outer;
  innermost_wait = frame.outer;
  g_main_context_pop_thread_default (frame.wc->context);

  if (goes_to_drain)
    retire (g_steal_pointer (&frame.wc));
  if (frame.wc != NULL)
    release (thread, frame.depth, frame.wc);

  if (abandoned ||
      (!in_time && g_atomic_int_get (&call->state) == SA_CALL_DONE &&
       g_error_matches (call->error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
       !g_cancellable_is_cancelled (call->cancellable)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "Function “%s” did not complete within %d ms",
                   function->name, timeout_msec);
      return FALSE;
    }

  if (g_atomic_int_get (&call->state) == SA_CALL_CANCELLED)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                   "Function “%s” was cancelled", function->name);
      return FALSE;
    }

  return TRUE;
}
