/* bench-common.h: what every benchmark program shares
 *
 * A benchmark program measures one dispatch path of SaFunction against
 * hand-written GLib code doing the same work, in the same process, rounds
 * interleaved (the order rotates every round), and reports the median
 * ns/op of each and the median of the per-round ratios.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <smartasync-glib.h>

G_BEGIN_DECLS

/* Runs @n operations and returns a checksum of their results: every
 * implementation of a path must return the same one for the same @n. */
typedef guint64 (*BenchRunFunc) (gpointer data,
                                 guint64  n);

typedef struct _BenchSuite BenchSuite;

typedef enum
{
  BENCH_CLOCK_THREAD_CPU,
  BENCH_CLOCK_WALL,
} BenchClock;

BenchSuite *bench_suite_new      (const char   *path,
                                  const char   *title,
                                  int           argc,
                                  char        **argv,
                                  guint64       default_iterations,
                                  guint         default_rounds);
void        bench_suite_set_clock (BenchSuite  *suite,
                                   BenchClock   clock);
void        bench_suite_add      (BenchSuite   *suite,
                                  const char   *impl,
                                  const char   *description,
                                  BenchRunFunc  func,
                                  gpointer      data);
void        bench_suite_run      (BenchSuite   *suite);
void        bench_suite_compare  (BenchSuite   *suite,
                                  const char   *impl,
                                  const char   *baseline,
                                  double        target,
                                  double        stretch);
int         bench_suite_finish   (BenchSuite   *suite);

/* Resident memory of this process (/proc/self/status) and bytes in use
 * in the main malloc arena (mallinfo2()). */
typedef struct
{
  gsize rss_kib;
  gsize hwm_kib;
  gsize heap_bytes;
} BenchMemory;

void        bench_memory_sample  (BenchMemory  *memory);
gboolean    bench_strict         (void);
guint64     bench_parse_count    (const char   *arg,
                                  guint64       default_value);
void        bench_print_machine  (void);

/* The callables every path wraps. They add two integers and do nothing
 * else, so that what is measured is the cost of getting there and back. */
int         bench_add            (int           a,
                                  int           b);
int         bench_add_closure_cb (int           a,
                                  int           b,
                                  gpointer      user_data);
void        bench_add_async      (int           a,
                                  int           b,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer      user_data);
int         bench_add_finish     (GAsyncResult *result,
                                  GError      **error);

/* The hand-written GTask wrapper's half: completes the wrapper's task
 * (@user_data, whose reference it takes) with bench_add_finish()'s
 * outcome, as any GIO library's wrapper of another pair does. */
void        bench_wrapper_add_done (GObject      *source_object,
                                    GAsyncResult *result,
                                    gpointer      user_data);

/* A blocking callable that waits until bench_gate_open() (for holding
 * calls in flight on worker threads). */
int         bench_gated_add      (int           a,
                                  int           b);
void        bench_gate_close     (void);
void        bench_gate_open      (void);

/* A real GIO pair that needs no thread: one byte from a memory stream,
 * g_input_stream_read_bytes_async() / _finish(). bench_stream_new() makes
 * a stream of @n bytes, byte i being i % 251. */
GInputStream *bench_stream_new   (guint64       n);
guint64     bench_bytes_sum      (GBytes       *bytes);

/* sa_function_new_sync() / sa_function_new_async() of the above. */
SaFunction *bench_function_sync  (void);
SaFunction *bench_function_async (void);
SaFunction *bench_function_gated (void);
SaFunction *bench_function_read_bytes (void);

/* SaFunction's side of the sync-caller benchmarks: @n calls of an adding
 * function (bench_function_sync() or bench_function_async()) with
 * sa_function_call_sync (), or with the smart call in a sync context,
 * complete on return, and sa_function_call_finish (). BenchRunFunc shape,
 * @data being the function; they return the sum of the results. */
guint64     bench_run_call_sync  (gpointer      data,
                                  guint64       n);
guint64     bench_run_smart_call (gpointer      data,
                                  guint64       n);

/* Chains for the async-caller benchmarks: inside a running main loop, each
 * completion starts the next call, @n calls in all. A program's step
 * functions start call number chain->next or, past the last, quit
 * (bench_chain_done()); bench_chain_run() runs a BenchChainKind. */
typedef struct _BenchChain BenchChain;
struct _BenchChain
{
  GMainLoop    *loop;
  SaFunction   *fn;
  GObject      *owner;
  void        (*step) (BenchChain *chain);
  GInputStream *stream;   /* chains that read: bench_stream_new (n) */
  guint64       next;
  guint64       n;
  guint64       sum;
};

typedef struct
{
  SaFunction *fn;
  GObject    *owner;
  void      (*step) (BenchChain *chain);
  gboolean    reads;
} BenchChainKind;

/* Whether the chain is done; if so, quits its loop. */
static inline gboolean
bench_chain_done (BenchChain *chain)
{
  if (chain->next < chain->n)
    return FALSE;

  g_main_loop_quit (chain->loop);
  return TRUE;
}

guint64     bench_chain_run      (gpointer      kind,
                                  guint64       n);

/* SaFunction's steps for an adding function: sa_function_call_async (),
 * or the smart call in an async context, each + sa_function_call_finish (). */
void        bench_chain_call_async_step (BenchChain *chain);
void        bench_chain_smart_call_step (BenchChain *chain);
/* The hand-written g_task_run_in_thread () wrapper's step. */
void        bench_chain_thread_step     (BenchChain *chain);

G_END_DECLS
