/*
 * validate.h - turning untrusted input into the typed values a route
 * declared. Used by the dispatcher and by the fuzz targets.
 */
#ifndef ZHIBU_VALIDATE_H
#define ZHIBU_VALIDATE_H

#include <jansson.h>

/* Validates one query-string value; false with a reason in *why. */
bool value_from_string(struct arena *a, const struct param *p, const char *s, struct value *out,
                       const char **why);
/* Validates one JSON value; false with a reason in *why. */
bool value_from_json(struct arena *a, const struct param *p, const json_t *j, struct value *out,
                     const char **why);
/* Reads a stored JSON object (text) against declared fields, as a body
 * would be read: one value per field in *out (arena), JSON null as null, a
 * missing or no longer valid value as absent. Returns the number of fields. */
size_t values_from_json_text(struct arena *a, const struct param *decl, const char *json,
                             struct value **out);
/* Fill req->query / req->body from the connection and req->body_raw; 0 or an error status. */
int req_validate_query(struct req *req);
int req_validate_body(struct req *req);

#endif
