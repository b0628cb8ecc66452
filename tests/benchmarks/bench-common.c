/* bench-common.c: the harness and the callables every benchmark shares
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef HAVE_MALLINFO2
# include <malloc.h>
#endif

#include "bench-common.h"

typedef struct
{
  char         *impl;
  char         *description;
  BenchRunFunc  func;
  gpointer      data;
  double       *ns_per_op;  /* one per round */
  guint64       checksum;
} BenchImpl;

typedef struct
{
  char   *impl;
  char   *baseline;
  double  ratio;
  double  target;
  double  stretch;
} BenchComparison;

struct _BenchSuite
{
  char      *path;
  char      *title;
  guint64    iterations;
  guint      rounds;
  BenchClock clock;
  GPtrArray *impls;        /* BenchImpl */
  GArray    *comparisons;  /* BenchComparison */
  gboolean   failed;
};

static guint64
now_ns (BenchClock clock)
{
  struct timespec ts;

  clock_gettime (clock == BENCH_CLOCK_WALL ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
  return (guint64) ts.tv_sec * G_GUINT64_CONSTANT (1000000000) + (guint64) ts.tv_nsec;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (const double *values,
        guint         n)
{
  g_autofree double *sorted = g_memdup2 (values, n * sizeof (double));

  qsort (sorted, n, sizeof (double), compare_doubles);
  if (n % 2 == 1)
    return sorted[n / 2];
  return (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static void
bench_impl_free (gpointer data)
{
  BenchImpl *impl = data;

  g_free (impl->impl);
  g_free (impl->description);
  g_free (impl->ns_per_op);
  g_free (impl);
}

gboolean
bench_strict (void)
{
  const char *strict = g_getenv ("SA_BENCH_STRICT");

  return strict != NULL && strict[0] != '\0' && strcmp (strict, "0") != 0;
}

guint64
bench_parse_count (const char *arg,
                   guint64     default_value)
{
  guint64 value;

  if (arg == NULL)
    return default_value;

  if (!g_ascii_string_to_unsigned (arg, 10, 1, G_MAXUINT32, &value, NULL))
    {
      g_printerr ("Not a count: “%s”\n", arg);
      exit (2);
    }

  return value;
}

static char *
read_cpu_model (void)
{
  g_autofree char *cpuinfo = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    return g_strdup ("unknown");

  lines = g_strsplit (cpuinfo, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "model name"))
        {
          const char *colon = strchr (lines[i], ':');

          if (colon != NULL)
            return g_strstrip (g_strdup (colon + 1));
        }
    }

  return g_strdup ("unknown");
}

void
bench_print_machine (void)
{
  g_autofree char *cpu = read_cpu_model ();

  g_print ("# machine: %s, %u cores; GLib %u.%u.%u; build %s (optimization %s)\n",
           cpu, g_get_num_processors (),
           glib_major_version, glib_minor_version, glib_micro_version,
           BENCH_BUILDTYPE, BENCH_OPTIMIZATION);
}

BenchSuite *
bench_suite_new (const char  *path,
                 const char  *title,
                 int          argc,
                 char       **argv,
                 guint64      default_iterations,
                 guint        default_rounds)
{
  BenchSuite *suite = g_new0 (BenchSuite, 1);

  if (argc > 3 || (argc > 1 && (strcmp (argv[1], "-h") == 0 ||
                                strcmp (argv[1], "--help") == 0)))
    {
      g_printerr ("Usage: %s [ITERATIONS-PER-ROUND [ROUNDS]]\n"
                  "Measures the %s path (%s) against hand-written GLib code.\n"
                  "Defaults: %" G_GUINT64_FORMAT " iterations, %u rounds.\n"
                  "SA_BENCH_STRICT=1 makes a missed target fail the run.\n",
                  argv[0], path, title, default_iterations, default_rounds);
      exit (2);
    }

  suite->path = g_strdup (path);
  suite->title = g_strdup (title);
  suite->iterations = bench_parse_count (argc > 1 ? argv[1] : NULL, default_iterations);
  suite->rounds = (guint) bench_parse_count (argc > 2 ? argv[2] : NULL, default_rounds);
  suite->impls = g_ptr_array_new_with_free_func (bench_impl_free);
  suite->comparisons = g_array_new (FALSE, TRUE, sizeof (BenchComparison));

  bench_print_machine ();

  return suite;
}

/* Single-threaded paths are timed in this thread's CPU time, which leaves
 * out the time other processes on the machine take from us; paths that
 * wait for another thread need the wall clock. */
void
bench_suite_set_clock (BenchSuite *suite,
                       BenchClock  clock)
{
  suite->clock = clock;
}

void
bench_suite_add (BenchSuite   *suite,
                 const char   *impl,
                 const char   *description,
                 BenchRunFunc  func,
                 gpointer      data)
{
  BenchImpl *entry = g_new0 (BenchImpl, 1);

  entry->impl = g_strdup (impl);
  entry->description = g_strdup (description);
  entry->func = func;
  entry->data = data;
  entry->ns_per_op = g_new0 (double, suite->rounds);
  g_ptr_array_add (suite->impls, entry);
}

static BenchImpl *
find_impl (BenchSuite *suite,
           const char *name)
{
  for (guint i = 0; i < suite->impls->len; i++)
    {
      BenchImpl *impl = g_ptr_array_index (suite->impls, i);

      if (strcmp (impl->impl, name) == 0)
        return impl;
    }

  g_error ("No implementation “%s” in this benchmark", name);
}

static void
check_checksum (BenchSuite *suite,
                BenchImpl  *impl,
                guint64     checksum,
                guint64     expected)
{
  if (checksum == expected)
    return;

  g_printerr ("FAIL: %s/%s computed checksum %" G_GUINT64_FORMAT
              ", expected %" G_GUINT64_FORMAT "\n",
              suite->path, impl->impl, checksum, expected);
  suite->failed = TRUE;
}

void
bench_suite_run (BenchSuite *suite)
{
  guint n_impls = suite->impls->len;
  guint64 warmup = MAX (suite->iterations / 10, 1);
  guint64 expected = 0;

  g_print ("# %s (%s): %u rounds of %" G_GUINT64_FORMAT " operations per implementation, interleaved; clock: %s\n",
           suite->title, suite->path, suite->rounds, suite->iterations,
           suite->clock == BENCH_CLOCK_WALL ? "wall (monotonic)" : "thread CPU time");

  /* Warm caches, the type system, the thread pool and malloc's free
   * lists; check that every implementation computes the same thing. */
  for (guint i = 0; i < n_impls; i++)
    {
      BenchImpl *impl = g_ptr_array_index (suite->impls, i);
      guint64 checksum = impl->func (impl->data, warmup);

      if (i == 0)
        expected = checksum;
      check_checksum (suite, impl, checksum, expected);
    }

  for (guint round = 0; round < suite->rounds; round++)
    {
      for (guint k = 0; k < n_impls; k++)
        {
          BenchImpl *impl = g_ptr_array_index (suite->impls, (round + k) % n_impls);
          guint64 start;
          guint64 elapsed;
          guint64 checksum;

          start = now_ns (suite->clock);
          checksum = impl->func (impl->data, suite->iterations);
          elapsed = now_ns (suite->clock) - start;

          impl->ns_per_op[round] = (double) elapsed / (double) suite->iterations;
          if (g_getenv ("SA_BENCH_VERBOSE") != NULL)
            g_print ("# round %u %s: %.1f ns/op\n", round, impl->impl, impl->ns_per_op[round]);
          if (round == 0 && k == 0)
            expected = checksum;
          check_checksum (suite, impl, checksum, expected);
        }
    }

  for (guint i = 0; i < n_impls; i++)
    {
      BenchImpl *impl = g_ptr_array_index (suite->impls, i);
      g_autofree double *sorted = g_memdup2 (impl->ns_per_op, suite->rounds * sizeof (double));

      qsort (sorted, suite->rounds, sizeof (double), compare_doubles);
      g_print ("bench path=%s impl=%s ns_per_op=%.1f min=%.1f max=%.1f rounds=%u iterations=%" G_GUINT64_FORMAT "\n",
               suite->path, impl->impl, median (impl->ns_per_op, suite->rounds),
               sorted[0], sorted[suite->rounds - 1], suite->rounds, suite->iterations);
    }
}

static const char *
status_of (const BenchComparison *comparison)
{
  if (comparison->target <= 0)
    return "info";
  return comparison->ratio <= comparison->target ? "met" : "missed";
}

/* The ratio is the median of the per-round ratios: both sides of a round
 * ran within a few hundred milliseconds of each other, so a slow phase of
 * the machine cancels out. @target <= 0: no target, for information;
 * @stretch <= 0: no stretch target. */
void
bench_suite_compare (BenchSuite *suite,
                     const char *impl,
                     const char *baseline,
                     double      target,
                     double      stretch)
{
  BenchImpl *a = find_impl (suite, impl);
  BenchImpl *b = find_impl (suite, baseline);
  g_autofree double *ratios = g_new (double, suite->rounds);
  BenchComparison comparison;

  for (guint round = 0; round < suite->rounds; round++)
    ratios[round] = a->ns_per_op[round] / b->ns_per_op[round];

  comparison.impl = a->impl;
  comparison.baseline = b->impl;
  comparison.ratio = median (ratios, suite->rounds);
  comparison.target = target;
  comparison.stretch = stretch;
  g_array_append_val (suite->comparisons, comparison);

  if (stretch > 0)
    g_print ("bench path=%s impl=%s vs=%s ratio=%.3f target=%.2f status=%s stretch=%.2f stretch_status=%s\n",
             suite->path, impl, baseline, comparison.ratio, target,
             status_of (&comparison), stretch,
             comparison.ratio <= stretch ? "met" : "missed");
  else if (target > 0)
    g_print ("bench path=%s impl=%s vs=%s ratio=%.3f target=%.2f status=%s\n",
             suite->path, impl, baseline, comparison.ratio, target,
             status_of (&comparison));
  else
    g_print ("bench path=%s impl=%s vs=%s ratio=%.3f\n",
             suite->path, impl, baseline, comparison.ratio);
}

int
bench_suite_finish (BenchSuite *suite)
{
  gboolean missed = FALSE;
  int status;

  g_print ("\n%s (%s)\n", suite->title, suite->path);
  g_print ("  %-22s %12s  %s\n", "implementation", "ns/op", "what it does");
  for (guint i = 0; i < suite->impls->len; i++)
    {
      BenchImpl *impl = g_ptr_array_index (suite->impls, i);

      g_print ("  %-22s %12.1f  %s\n", impl->impl,
               median (impl->ns_per_op, suite->rounds), impl->description);
    }

  g_print ("  %-36s %8s  %8s  %s\n", "ratio (median of rounds)", "ratio", "target", "status");
  for (guint i = 0; i < suite->comparisons->len; i++)
    {
      const BenchComparison *c = &g_array_index (suite->comparisons, BenchComparison, i);
      g_autofree char *label = g_strdup_printf ("%s / %s", c->impl, c->baseline);
      g_autofree char *target = c->target > 0 ? g_strdup_printf ("<= %.2f", c->target) : g_strdup ("-");

      g_print ("  %-36s %8.3f  %8s  %s\n", label, c->ratio, target, status_of (c));
      if (c->stretch > 0)
        {
          g_autofree char *stretch = g_strdup_printf ("<= %.2f", c->stretch);

          g_print ("  %-36s %8s  %8s  %s\n", "  stretch target", "", stretch,
                   c->ratio <= c->stretch ? "met" : "missed");
        }
      if (c->target > 0 && c->ratio > c->target)
        missed = TRUE;
    }
  g_print ("\n");

  if (suite->failed)
    status = 1;
  else if (missed && bench_strict ())
    status = 1;
  else
    status = 0;

  g_ptr_array_unref (suite->impls);
  g_array_unref (suite->comparisons);
  g_free (suite->path);
  g_free (suite->title);
  g_free (suite);

  return status;
}

/* Memory */

static gsize
read_status_kib (const char *status,
                 const char *key)
{
  const char *line = strstr (status, key);

  if (line == NULL)
    return 0;

  return (gsize) g_ascii_strtoull (line + strlen (key), NULL, 10);
}

void
bench_memory_sample (BenchMemory *memory)
{
  g_autofree char *status = NULL;

  memset (memory, 0, sizeof (*memory));

  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    {
      memory->rss_kib = read_status_kib (status, "VmRSS:");
      memory->hwm_kib = read_status_kib (status, "VmHWM:");
    }

#ifdef HAVE_MALLINFO2
  {
    struct mallinfo2 info = mallinfo2 ();

    /* Blocks in use from the heap, and large ones glibc maps on their own
     * (a table grown past 128 KiB, say), which uordblks leaves out. */
    memory->heap_bytes = info.uordblks + info.hblkhd;
  }
#endif
}

/* The callables */

G_GNUC_NO_INLINE int
bench_add (int a,
           int b)
{
  return a + b;
}

G_GNUC_NO_INLINE int
bench_add_closure_cb (int      a,
                      int      b,
                      gpointer user_data)
{
  return a + b;
}

/* The smallest well-behaved GIO async function: it completes through its
 * GTask, so the callback runs from the caller's thread-default context in
 * a later iteration, never from inside this call. */
void
bench_add_async (int                  a,
                 int                  b,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bench_add_async);
  g_task_return_int (task, a + b);
}

int
bench_add_finish (GAsyncResult  *result,
                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), 0);

  return (int) g_task_propagate_int (G_TASK (result), error);
}

void
bench_wrapper_add_done (GObject      *source_object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  int sum;

  sum = bench_add_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, sum);
}

static GMutex gate_mutex;
static GCond gate_cond;
static gboolean gate_closed;

void
bench_gate_close (void)
{
  g_mutex_lock (&gate_mutex);
  gate_closed = TRUE;
  g_mutex_unlock (&gate_mutex);
}

void
bench_gate_open (void)
{
  g_mutex_lock (&gate_mutex);
  gate_closed = FALSE;
  g_cond_broadcast (&gate_cond);
  g_mutex_unlock (&gate_mutex);
}

int
bench_gated_add (int a,
                 int b)
{
  g_mutex_lock (&gate_mutex);
  while (gate_closed)
    g_cond_wait (&gate_cond, &gate_mutex);
  g_mutex_unlock (&gate_mutex);

  return a + b;
}

SaFunction *
bench_function_sync (void)
{
  return sa_function_new_sync ("add", G_CALLBACK (bench_add),
                               SA_FUNCTION_FLAGS_NONE,
                               G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
}

SaFunction *
bench_function_async (void)
{
  return sa_function_new_async ("add_async", G_CALLBACK (bench_add_async),
                                G_CALLBACK (bench_add_finish),
                                SA_FUNCTION_FLAGS_NONE,
                                G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
}

SaFunction *
bench_function_gated (void)
{
  return sa_function_new_sync ("gated_add", G_CALLBACK (bench_gated_add),
                               SA_FUNCTION_FLAGS_NONE,
                               G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
}

GInputStream *
bench_stream_new (guint64 n)
{
  guint8 *data = g_malloc (MAX (n, 1));

  for (guint64 i = 0; i < n; i++)
    data[i] = (guint8) (i % 251);

  return g_memory_input_stream_new_from_data (data, (gssize) n, g_free);
}

guint64
bench_bytes_sum (GBytes *bytes)
{
  const guint8 *data;
  gsize size;
  guint64 sum = 0;

  data = g_bytes_get_data (bytes, &size);
  for (gsize i = 0; i < size; i++)
    sum += data[i];

  return sum;
}

SaFunction *
bench_function_read_bytes (void)
{
  return sa_function_new_async ("read_bytes", G_CALLBACK (g_input_stream_read_bytes_async),
                                G_CALLBACK (g_input_stream_read_bytes_finish),
                                SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                G_TYPE_BYTES, 3,
                                G_TYPE_INPUT_STREAM, G_TYPE_ULONG, G_TYPE_INT);
}

guint64
bench_run_call_sync (gpointer data,
                     guint64  n)
{
  SaFunction *fn = data;
  guint64 sum = 0;

  for (guint64 i = 0; i < n; i++)
    {
      int result = 0;

      if (!sa_function_call_sync (fn, NULL, NULL, (int) i, 1, &result))
        g_error ("call_sync failed");
      sum += (guint) result;
    }

  return sum;
}

guint64
bench_run_smart_call (gpointer data,
                      guint64  n)
{
  SaFunction *fn = data;
  guint64 sum = 0;

  for (guint64 i = 0; i < n; i++)
    {
      g_autoptr(GAsyncResult) res = NULL;
      g_auto(GValue) ret = G_VALUE_INIT;

      res = sa_function_call (fn, NULL, NULL, NULL, (int) i, 1);
      if (!sa_function_call_finish (fn, res, &ret, NULL))
        g_error ("call failed");
      sum += (guint) g_value_get_int (&ret);
    }

  return sum;
}

static gboolean
start_chain (gpointer user_data)
{
  BenchChain *chain = user_data;

  chain->step (chain);
  return G_SOURCE_REMOVE;
}

guint64
bench_chain_run (gpointer data,
                 guint64  n)
{
  const BenchChainKind *kind = data;
  BenchChain chain = { 0 };

  chain.loop = g_main_loop_new (NULL, FALSE);
  chain.fn = kind->fn;
  chain.owner = kind->owner;
  chain.step = kind->step;
  chain.n = n;
  if (kind->reads)
    chain.stream = bench_stream_new (n);

  /* Start from inside the loop: an async context. */
  g_idle_add (start_chain, &chain);
  g_main_loop_run (chain.loop);
  g_main_loop_unref (chain.loop);
  g_clear_object (&chain.stream);

  g_assert_cmpuint (chain.next, ==, n);
  return chain.sum;
}

/* Adds the result of a finished call to the chain's sum. */
static void
chain_take_result (BenchChain   *chain,
                   GAsyncResult *result)
{
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  if (!sa_function_call_finish (chain->fn, result, &value, &error))
    g_error ("call failed: %s", error->message);
  chain->sum += (guint) g_value_get_int (&value);
}

/* Takes a call's result and starts the chain's next call. */
static void
chain_call_done (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  BenchChain *chain = user_data;

  chain_take_result (chain, result);
  chain->step (chain);
}

void
bench_chain_call_async_step (BenchChain *chain)
{
  if (bench_chain_done (chain))
    return;

  sa_function_call_async (chain->fn, NULL, chain_call_done, chain,
                          (int) chain->next++, 1);
}

void
bench_chain_smart_call_step (BenchChain *chain)
{
  if (bench_chain_done (chain))
    return;

  g_object_unref (sa_function_call (chain->fn, NULL, chain_call_done,
                                    chain, (int) chain->next++, 1));
}

/* The hand-written g_task_run_in_thread () wrapper of bench_add () (what a
 * GIO library writes to offer an async version of blocking code), and a
 * chain of its calls */

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

  g_task_return_int (task, bench_add (args->a, args->b));
}

static void
wrapper_add_async (GObject             *owner,
                   int                  a,
                   int                  b,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AddArgs *args;

  task = g_task_new (owner, cancellable, callback, user_data);
  g_task_set_source_tag (task, wrapper_add_async);
  args = g_new (AddArgs, 1);
  args->a = a;
  args->b = b;
  g_task_set_task_data (task, args, g_free);
  g_task_run_in_thread (task, add_thread);
}

static int
wrapper_add_finish (GObject       *owner,
                    GAsyncResult  *result,
                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, owner), 0);
  g_return_val_if_fail (g_async_result_is_tagged (result, wrapper_add_async), 0);

  return (int) g_task_propagate_int (G_TASK (result), error);
}

static void
thread_chain_done (GObject      *source_object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  BenchChain *chain = user_data;
  g_autoptr(GError) error = NULL;

  chain->sum += (guint) wrapper_add_finish (chain->owner, result, &error);
  g_assert_no_error (error);
  bench_chain_thread_step (chain);
}

void
bench_chain_thread_step (BenchChain *chain)
{
  if (bench_chain_done (chain))
    return;

  wrapper_add_async (chain->owner, (int) chain->next++, 1, NULL,
                     thread_chain_done, chain);
}
