/* sa-consumer-reader.h: a library of the consumer's whose API uses
 * smartasync-glib types, for a GIR that includes SmartAsync-1. */
#pragma once

#include <smartasync-glib.h>

G_BEGIN_DECLS

SaFunction *sa_consumer_reader_new_function (void);

G_END_DECLS
