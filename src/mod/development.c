/*
 * development.c - the member development pipeline (发展党员).
 */
#include "app.h"
#include "mod/mod.h"

const struct route development_routes[] = {
    {NULL},
};
