/* bench-sequential.c: resident memory over a million sequential calls
 *
 * For each path, 10,000 calls to warm up (types, classes, worker threads,
 * malloc's free lists), then the resident set (VmRSS, and the high-water
 * mark VmHWM) and the heap in use are sampled, a million more calls are
 * made one after the other, and they are sampled again. Whatever a call
 * leaks, or leaves to grow, shows as growth.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "bench-common.h"

#define TARGET_GROWTH_KIB 1024
#define WARMUP_CALLS 10000

static guint64
run_calls (const char *path,
           SaFunction *fn,
           gboolean    smart,
           guint64     n)
{
  guint64 sum;
  guint64 expected = 0;

  /* The same call loops and chains as the ratio benchmarks. */
  if (g_str_has_prefix (path, "sync-"))
    {
      sum = smart ? bench_run_smart_call (fn, n) : bench_run_call_sync (fn, n);
    }
  else
    {
      BenchChainKind kind = { fn, NULL, smart ? bench_chain_smart_call_step
                                              : bench_chain_call_async_step, FALSE };

      sum = bench_chain_run (&kind, n);
    }

  for (guint64 i = 0; i < n; i++)
    expected += (guint) ((int) i + 1);
  if (sum != expected)
    g_error ("%s: wrong results", path);

  return sum;
}

static const char * const all_paths[] = {
  "sync-sync", "sync-async", "async-async", "async-sync",
  "sync-sync/smart", "sync-async/smart", "async-async/smart", "async-sync/smart",
};

typedef struct
{
  char    *path;
  gint64   growth_kib;
  gint64   hwm_growth_kib;
  gint64   heap_growth;
  double   ns_per_op;
} Result;

int
main (int    argc,
      char **argv)
{
  g_autoptr(SaFunction) sync_fn = bench_function_sync ();
  g_autoptr(SaFunction) async_fn = bench_function_async ();
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) results = g_array_new (FALSE, TRUE, sizeof (Result));
  gboolean missed = FALSE;
  guint64 n;

  if (argc > 1 && (g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "--help")))
    {
      g_printerr ("Usage: %s [CALLS [PATH...]]\n"
                  "PATH: sync-sync, sync-async, async-async, async-sync, each\n"
                  "through the explicit entry point, or with /smart through\n"
                  "sa_function_call(); all eight by default. CALLS: 1000000.\n",
                  argv[0]);
      return 2;
    }

  n = bench_parse_count (argc > 1 ? argv[1] : NULL, 1000000);
  for (int i = 2; i < argc; i++)
    {
      gboolean known = FALSE;

      for (guint k = 0; k < G_N_ELEMENTS (all_paths); k++)
        known |= g_str_equal (argv[i], all_paths[k]);
      if (!known)
        {
          g_printerr ("Unknown path “%s”\n", argv[i]);
          return 2;
        }
      g_ptr_array_add (paths, g_strdup (argv[i]));
    }
  if (paths->len == 0)
    {
      for (guint k = 0; k < G_N_ELEMENTS (all_paths); k++)
        g_ptr_array_add (paths, g_strdup (all_paths[k]));
    }

  bench_print_machine ();
  g_print ("# %" G_GUINT64_FORMAT " sequential calls per path after %" G_GUINT64_FORMAT " to warm up\n",
           n, MIN ((guint64) WARMUP_CALLS, n));

  for (guint k = 0; k < paths->len; k++)
    {
      const char *path = g_ptr_array_index (paths, k);
      gboolean smart = g_str_has_suffix (path, "/smart");
      SaFunction *fn = g_str_has_suffix (path, "-async") || strstr (path, "-async/") != NULL
        ? async_fn : sync_fn;
      BenchMemory before;
      BenchMemory after;
      gint64 start;
      Result result;

      /* Fewer for a smoke test with a tiny count. */
      run_calls (path, fn, smart, MIN (WARMUP_CALLS, n));

      bench_memory_sample (&before);
      start = g_get_monotonic_time ();
      run_calls (path, fn, smart, n);
      result.ns_per_op = (double) (g_get_monotonic_time () - start) * 1000 / n;
      bench_memory_sample (&after);

      result.path = g_strdup (path);
      result.growth_kib = (gint64) after.rss_kib - (gint64) before.rss_kib;
      result.hwm_growth_kib = (gint64) after.hwm_kib - (gint64) before.hwm_kib;
      result.heap_growth = (gint64) after.heap_bytes - (gint64) before.heap_bytes;
      g_array_append_val (results, result);

      g_print ("bench path=sequential-%s impl=smartasync calls=%" G_GUINT64_FORMAT
               " ns_per_op=%.1f rss_before_kib=%zu rss_after_kib=%zu rss_growth_kib=%" G_GINT64_FORMAT
               " hwm_before_kib=%zu hwm_after_kib=%zu hwm_growth_kib=%" G_GINT64_FORMAT
               " heap_growth_bytes=%" G_GINT64_FORMAT " target_kib=%d status=%s\n",
               path, n, result.ns_per_op,
               before.rss_kib, after.rss_kib, result.growth_kib,
               before.hwm_kib, after.hwm_kib, result.hwm_growth_kib,
               result.heap_growth, TARGET_GROWTH_KIB,
               result.growth_kib <= TARGET_GROWTH_KIB ? "met" : "missed");
      missed |= result.growth_kib > TARGET_GROWTH_KIB;
    }

  g_print ("\n%" G_GUINT64_FORMAT " sequential calls: growth after warm-up\n", n);
  g_print ("  %-20s %8s  %10s  %10s  %12s  %8s  %s\n", "path", "ns/op",
           "VmRSS KiB", "VmHWM KiB", "heap bytes", "target", "status");
  for (guint k = 0; k < results->len; k++)
    {
      Result *r = &g_array_index (results, Result, k);

      g_print ("  %-20s %8.1f  %+10" G_GINT64_FORMAT "  %+10" G_GINT64_FORMAT
               "  %+12" G_GINT64_FORMAT "  %8s  %s\n",
               r->path, r->ns_per_op, r->growth_kib, r->hwm_growth_kib,
               r->heap_growth, "<= 1024",
               r->growth_kib <= TARGET_GROWTH_KIB ? "met" : "missed");
      g_free (r->path);
    }
  g_print ("\n");

  return missed && bench_strict () ? 1 : 0;
}
