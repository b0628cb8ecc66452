/* bench-in-flight.c: memory per call in flight
 *
 * From inside the running default loop, start N calls at once (10,000 by
 * default), none of which can complete before the loop runs again; measure
 * the heap in use and the resident set before and after starting them,
 * then let them all complete. For the async pair, completion waits for
 * the next loop iteration; for the blocking callable, the worker threads
 * wait on a gate that opens after the measurement.
 *
 * Every GSlice allocation is made a malloc() (G_SLICE=always-malloc, set
 * by meson, or by re-executing when run by hand) so that mallinfo2() sees
 * all of it: with the slab allocator, GObjects come from slabs allocated
 * earlier and the count would be too low.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "bench-common.h"

#define TARGET_BYTES_PER_CALL 1024

typedef struct _Batch Batch;
struct _Batch
{
  const char  *path;
  const char  *impl;
  SaFunction  *fn;
  GObject     *owner;
  void       (*start) (Batch *batch, int i);
  gboolean     gated;
  guint        n;
  guint        completed;
  guint64      sum;
  BenchMemory  before;
  BenchMemory  after;
  GMainLoop   *loop;
};

static void
batch_completed (Batch *batch,
                 int    value)
{
  batch->sum += (guint) value;
  if (++batch->completed == batch->n)
    g_main_loop_quit (batch->loop);
}

/* Hand-written: a GTask wrapper of the pair */

static void
gtask_done (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gssize value;

  value = g_task_propagate_int (G_TASK (result), &error);
  g_assert_no_error (error);
  batch_completed (user_data, (int) value);
}

static void
start_gtask_pair (Batch *batch,
                  int    i)
{
  GTask *task = g_task_new (batch->owner, NULL, gtask_done, batch);

  g_task_set_source_tag (task, start_gtask_pair);
  bench_add_async (i, 1, NULL, bench_wrapper_add_done, task);
}

/* Hand-written: g_task_run_in_thread() of the blocking function */

typedef struct
{
  int a;
  int b;
} AddArgs;

static void
add_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  AddArgs *args = task_data;

  g_task_return_int (task, bench_gated_add (args->a, args->b));
}

static void
start_gtask_thread (Batch *batch,
                    int    i)
{
  g_autoptr(GTask) task = g_task_new (batch->owner, NULL, gtask_done, batch);
  AddArgs *args = g_new (AddArgs, 1);

  args->a = i;
  args->b = 1;
  g_task_set_source_tag (task, start_gtask_thread);
  g_task_set_task_data (task, args, g_free);
  g_task_run_in_thread (task, add_thread);
}

/* SaFunction */

static void
smartasync_done (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Batch *batch = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  if (!sa_function_call_finish (batch->fn, result, &value, &error))
    g_error ("call failed: %s", error->message);
  batch_completed (batch, g_value_get_int (&value));
}

static void
start_smartasync (Batch *batch,
                  int    i)
{
  sa_function_call_async (batch->fn, NULL, smartasync_done, batch, i, 1);
}

static void
start_smartasync_call (Batch *batch,
                       int    i)
{
  g_object_unref (sa_function_call (batch->fn, NULL, smartasync_done, batch, i, 1));
}

static gboolean
start_batch (gpointer user_data)
{
  Batch *batch = user_data;

  bench_memory_sample (&batch->before);
  for (guint i = 0; i < batch->n; i++)
    batch->start (batch, (int) i);
  bench_memory_sample (&batch->after);

  if (batch->completed != 0)
    g_error ("%s/%s: a call completed inside the loop callback that started it",
             batch->path, batch->impl);
  if (batch->gated)
    bench_gate_open ();

  return G_SOURCE_REMOVE;
}

static double
run_batch (Batch    *batch,
           gboolean  report)
{
  double per_call;
  gssize rss_growth;
  guint64 expected = 0;

  if (batch->gated)
    bench_gate_close ();

  batch->loop = g_main_loop_new (NULL, FALSE);
  g_idle_add (start_batch, batch);
  g_main_loop_run (batch->loop);
  g_main_loop_unref (batch->loop);

  for (guint i = 0; i < batch->n; i++)
    expected += i + 1;
  if (batch->sum != expected)
    g_error ("%s/%s: wrong results", batch->path, batch->impl);

  per_call = ((double) batch->after.heap_bytes - (double) batch->before.heap_bytes) / batch->n;
  rss_growth = (gssize) batch->after.rss_kib - (gssize) batch->before.rss_kib;

  /* Resident memory only grows when malloc needs new pages: the first
   * batch pays for the ones later batches reuse. Informational. */
  if (report)
    g_print ("# in flight: path=%s impl=%s calls=%u heap_bytes_per_call=%.0f rss_growth_bytes_per_call=%.0f\n",
             batch->path, batch->impl, batch->n, per_call,
             (double) rss_growth * 1024 / batch->n);

  return per_call;
}

/* GSlice reads G_SLICE before main() runs. meson sets it; run by hand,
 * the program starts itself again with it. The path comes from readlink(),
 * which valgrind answers with the program's own path (an exec of
 * /proc/self/exe would start valgrind's launcher instead). */
static void
reexec_with_malloc (char **argv)
{
  const char *slice = g_getenv ("G_SLICE");
  g_autofree char *self = NULL;
  g_autoptr(GError) error = NULL;

  if (slice != NULL && strstr (slice, "always-malloc") != NULL)
    return;

  self = g_file_read_link ("/proc/self/exe", &error);
  if (self == NULL)
    {
      g_printerr ("Could not find this program to re-execute it with "
                  "G_SLICE=always-malloc: %s\n", error->message);
      return;
    }

  g_setenv ("G_SLICE", "always-malloc", TRUE);
  execv (self, argv);
  g_printerr ("Could not re-execute with G_SLICE=always-malloc: %s\n", g_strerror (errno));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SaFunction) pair = NULL;
  g_autoptr(SaFunction) gated = NULL;
  g_autoptr(GObject) owner = NULL;
  gboolean missed = FALSE;
  guint n;
  struct
  {
    const char *path;
    const char *impl;
    void      (*start) (Batch *batch, int i);
    gboolean    gated;
    const char *baseline;
  } batches[] = {
    { "async-async", "gtask-wrapper", start_gtask_pair, FALSE, NULL },
    { "async-async", "smartasync", start_smartasync, FALSE, "gtask-wrapper" },
    { "async-async", "smartasync-call", start_smartasync_call, FALSE, "gtask-wrapper" },
    { "async-sync", "run-in-thread", start_gtask_thread, TRUE, NULL },
    { "async-sync", "smartasync", start_smartasync, TRUE, "run-in-thread" },
    { "async-sync", "smartasync-call", start_smartasync_call, TRUE, "run-in-thread" },
  };
  double per_call[G_N_ELEMENTS (batches)];
  double ratios[G_N_ELEMENTS (batches)];

  if (argc > 2)
    {
      g_printerr ("Usage: %s [CALLS-IN-FLIGHT]\n", argv[0]);
      return 2;
    }
  reexec_with_malloc (argv);

  n = (guint) bench_parse_count (argc > 1 ? argv[1] : NULL, 10000);
  pair = bench_function_async ();
  gated = bench_function_gated ();
  owner = g_object_new (G_TYPE_OBJECT, NULL);

  bench_print_machine ();
  g_print ("# %u calls in flight at once, started from one loop callback; G_SLICE=%s\n",
           n, g_getenv ("G_SLICE"));

  for (guint k = 0; k < G_N_ELEMENTS (batches); k++)
    {
      Batch batch = { 0 };

      batch.path = batches[k].path;
      batch.impl = batches[k].impl;
      batch.fn = batches[k].gated ? gated : pair;
      batch.owner = owner;
      batch.start = batches[k].start;
      batch.gated = batches[k].gated;

      /* A small batch first, so that one-time costs (types, classes,
       * worker threads) are not counted per call. */
      batch.n = MIN (n, 100);
      run_batch (&batch, FALSE);
      memset (&batch.before, 0, sizeof (BenchMemory));
      batch.completed = 0;
      batch.sum = 0;

      batch.n = n;
      per_call[k] = run_batch (&batch, TRUE);
    }

  for (guint k = 0; k < G_N_ELEMENTS (batches); k++)
    {
      ratios[k] = 1.0;
      for (guint b = 0; b < G_N_ELEMENTS (batches); b++)
        {
          if (batches[k].baseline != NULL &&
              g_str_equal (batches[b].path, batches[k].path) &&
              g_str_equal (batches[b].impl, batches[k].baseline))
            ratios[k] = per_call[k] / per_call[b];
        }

      if (batches[k].baseline == NULL)
        g_print ("bench path=in-flight-%s impl=%s heap_bytes_per_call=%.0f\n",
                 batches[k].path, batches[k].impl, per_call[k]);
      else
        g_print ("bench path=in-flight-%s impl=%s heap_bytes_per_call=%.0f vs=%s ratio=%.3f target=%d status=%s\n",
                 batches[k].path, batches[k].impl, per_call[k],
                 batches[k].baseline, ratios[k], TARGET_BYTES_PER_CALL,
                 per_call[k] <= TARGET_BYTES_PER_CALL ? "met" : "missed");
    }

  g_print ("\nCalls in flight at once (%u): heap bytes per call\n", n);
  g_print ("  %-12s %-16s %8s  %8s  %8s  %s\n", "path", "implementation", "bytes",
           "ratio", "target", "status");
  for (guint k = 0; k < G_N_ELEMENTS (batches); k++)
    {
      const char *status = "info";

      if (batches[k].baseline != NULL)
        {
          status = per_call[k] <= TARGET_BYTES_PER_CALL ? "met" : "missed";
          missed |= per_call[k] > TARGET_BYTES_PER_CALL;
        }
      g_print ("  %-12s %-16s %8.0f  %8.3f  %8s  %s\n", batches[k].path, batches[k].impl,
               per_call[k], ratios[k],
               batches[k].baseline == NULL ? "-" : "<= 1024", status);
    }
  g_print ("\n");

  return missed && bench_strict () ? 1 : 0;
}
