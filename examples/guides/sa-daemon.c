/* sa-daemon.c: a daemon whose main loop calls blocking libraries (sqlite3's
 * C API, a blocking subprocess) without stalling.
 *
 * Its loop beats a heartbeat every 20 ms (a watchdog would kill a daemon
 * that stops beating) while it imports rows into an SQLite database, then
 * runs a report query and archives the database with gzip, both at once.
 * Every blocking call is a smart call from a loop callback: it runs on a
 * worker thread and its callback runs back in the loop.
 *
 *   sa-daemon              exits 1 if the heartbeat stalled
 *   sa-daemon --blocking   the same calls made on the loop's thread (what
 *                          a plain call does): the heartbeat stalls
 *
 * The guide: docs/guides/daemon.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sqlite3.h>
#include <glib/gstdio.h>

#include <smartasync-glib.h>

static GQuark sqlite_error_quark (void);
G_DEFINE_QUARK (sa-daemon-sqlite-error-quark, sqlite_error)

/* The blocking functions, as any C library has them. A sqlite3 connection
 * must not be used by two threads at once: each call opens its own. */

static gboolean
db_exec (const char  *path,
         const char  *sql,
         GError     **error)
{
  sqlite3 *db = NULL;
  char *message = NULL;
  int rc;

  rc = sqlite3_open (path, &db);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, sql, NULL, NULL, &message);
  if (rc != SQLITE_OK)
    g_set_error (error, sqlite_error_quark (), rc, "%s: %s", path,
                 message != NULL ? message : sqlite3_errmsg (db));
  sqlite3_free (message);
  sqlite3_close (db);
  return rc == SQLITE_OK;
}

static gint64
db_query_int (const char  *path,
              const char  *sql,
              GError     **error)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  gint64 value = 0;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, sql, -1, &statement, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (statement);
  if (rc == SQLITE_ROW)
    value = sqlite3_column_int64 (statement, 0);
  else
    g_set_error (error, sqlite_error_quark (), rc, "%s: %s", path, sqlite3_errmsg (db));
  sqlite3_finalize (statement);
  sqlite3_close (db);
  return value;
}

static gboolean
archive (const char  *path,
         GError     **error)
{
  const char *argv[] = { "gzip", "--keep", "--force", path, NULL };
  int status;

  return g_spawn_sync (NULL, (char **) argv, NULL,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                       NULL, NULL, NULL, NULL, &status, error) &&
         g_spawn_check_wait_status (status, error);
}

typedef struct
{
  GMainLoop *loop;
  char *db_path;
  SaFunction *exec;
  SaFunction *query;
  SaFunction *archive;
  guint pending;
  int status;

  guint beats;
  gint64 last_beat;
  gint64 longest_gap;
} Daemon;

static gboolean
heartbeat (gpointer user_data)
{
  Daemon *daemon = user_data;
  gint64 now = g_get_monotonic_time ();

  daemon->beats++;
  daemon->longest_gap = MAX (daemon->longest_gap, now - daemon->last_beat);
  daemon->last_beat = now;
  return G_SOURCE_CONTINUE;
}

static void
job_done (Daemon     *daemon,
          const char *job,
          GError     *error)
{
  if (error != NULL)
    {
      g_printerr ("sa-daemon: %s: %s\n", job, error->message);
      daemon->status = 1;
    }
  if (--daemon->pending == 0)
    g_main_loop_quit (daemon->loop);
}

static void
on_report (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Daemon *daemon = user_data;
  g_auto(GValue) count = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  if (sa_function_call_finish (SA_FUNCTION (source), result, &count, &error))
    g_print ("report: %" G_GINT64_FORMAT " rows are multiples of 7\n", g_value_get_int64 (&count));
  job_done (daemon, "report", error);
}

static void
on_archived (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Daemon *daemon = user_data;
  g_autoptr(GError) error = NULL;

  if (sa_function_call_finish (SA_FUNCTION (source), result, NULL, &error))
    g_print ("archived the database\n");
  job_done (daemon, "archive", error);
}

static void
on_imported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Daemon *daemon = user_data;
  g_autoptr(GError) error = NULL;

  if (!sa_function_call_finish (SA_FUNCTION (source), result, NULL, &error))
    {
      job_done (daemon, "import", error);
      return;
    }
  g_print ("imported 1000000 rows\n");

  /* Two blocking calls at once, each on its own worker thread. */
  daemon->pending += 2;
  g_object_unref (sa_function_call (daemon->query, NULL, on_report, daemon, daemon->db_path,
                                    "SELECT count(*) FROM numbers WHERE x % 7 = 0"));
  g_object_unref (sa_function_call (daemon->archive, NULL, on_archived, daemon,
                                    daemon->db_path));
  job_done (daemon, "import", NULL);
}

static gboolean
start (gpointer user_data)
{
  Daemon *daemon = user_data;

  daemon->pending = 1;
  g_object_unref (sa_function_call (daemon->exec, NULL, on_imported, daemon, daemon->db_path,
                                    "CREATE TABLE numbers (x INTEGER);"
                                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL"
                                    "  SELECT x + 1 FROM c WHERE x < 1000000)"
                                    "INSERT INTO numbers SELECT x FROM c;"));
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  Daemon daemon = { 0, };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sa-daemon-XXXXXX", &error);
  g_autofree char *gz = NULL;
  gboolean blocking = argc > 1 && g_str_equal (argv[1], "--blocking");
  guint beats;

  g_assert_no_error (error);
  daemon.db_path = g_build_filename (dir, "numbers.db", NULL);
  daemon.exec = sa_function_new_sync ("db_exec", G_CALLBACK (db_exec),
                                      SA_FUNCTION_FLAGS_THROWS,
                                      G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_STRING);
  daemon.query = sa_function_new_sync ("db_query_int", G_CALLBACK (db_query_int),
                                       SA_FUNCTION_FLAGS_THROWS,
                                       G_TYPE_INT64, 2, G_TYPE_STRING, G_TYPE_STRING);
  daemon.archive = sa_function_new_sync ("archive", G_CALLBACK (archive),
                                         SA_FUNCTION_FLAGS_THROWS,
                                         G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  if (blocking)
    {
      sa_function_set_mode (daemon.exec, SA_MODE_SYNC);
      sa_function_set_mode (daemon.query, SA_MODE_SYNC);
      sa_function_set_mode (daemon.archive, SA_MODE_SYNC);
    }

  daemon.loop = g_main_loop_new (NULL, FALSE);
  daemon.last_beat = g_get_monotonic_time ();
  g_timeout_add (20, heartbeat, &daemon);
  g_idle_add (start, &daemon);
  g_main_loop_run (daemon.loop);

  /* While the work ran, the heartbeat should have beaten every 20 ms; the
   * longest gap is reported, the check is generous for loaded machines. */
  heartbeat (&daemon);
  beats = daemon.beats - 1;
  g_print ("heartbeat: %u beats while the work ran, longest gap %" G_GINT64_FORMAT " ms\n",
           beats, daemon.longest_gap / 1000);
  if (beats < 5)
    {
      g_printerr ("sa-daemon: the heartbeat stalled\n");
      daemon.status = 1;
    }

  gz = g_strconcat (daemon.db_path, ".gz", NULL);
  g_unlink (gz);
  g_unlink (daemon.db_path);
  g_rmdir (dir);
  g_main_loop_unref (daemon.loop);
  g_object_unref (daemon.exec);
  g_object_unref (daemon.query);
  g_object_unref (daemon.archive);
  g_free (daemon.db_path);
  return daemon.status;
}
