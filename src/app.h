/*
 * app.h - the central header every zhibu .c file includes first.
 *
 * It pulls in the C library, the small infrastructure every module uses
 * (memory, buffers, JSON writer, logging, errors, requests, routes, the
 * store) and nothing from the third-party libraries except through those.
 */
#ifndef ZHIBU_APP_H
#define ZHIBU_APP_H

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ZHIBU_VERSION "0.1.0"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF_LIKE(f, a)
#define NORETURN
#endif

/* A bug: something the code proves cannot happen did. Logs and aborts. */
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)
NORETURN void bug_at(const char *file, int line, const char *fmt, ...) PRINTF_LIKE(3, 4);

#include "core/util.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/errors.h"
#include "db/db.h"
#include "core/config.h"
#include "core/router.h"
#include "core/req.h"
#include "core/page.h"
#include "core/auth.h"
#include "core/audit.h"
#include "core/pdata.h"
#include "core/idnum.h"

#endif
