/*
 * fuzz_json_escape.c - jw_escape and the writer on arbitrary bytes. Whatever the input,
 * the output must parse with jansson as a string (abort() if not); when the input is
 * valid UTF-8 the string read back must be the input exactly. The input is also used as
 * an object key and value through the writer, which must give one valid object.
 */
#include "app.h"

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    struct buf b;
    buf_init(&b);
    jw_escape(&b, in, size);
    if (b.len != strlen(b.data))
        abort(); /* NUL bytes must have been escaped */

    json_error_t err;
    json_t *j = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!j || !json_is_string(j)) {
        fprintf(stderr, "jw_escape output is not a JSON string: %s\n(%s)\n", b.data, err.text);
        abort();
    }
    /* jansson accepts exactly the valid UTF-8 inputs in json_stringn. */
    json_t *orig = json_stringn(in, size);
    if (orig) {
        if (json_string_length(j) != size || memcmp(json_string_value(j), in, size) != 0)
            abort();
        json_decref(orig);
    } else {
        /* Invalid bytes became U+FFFD: never shorter than the valid parts allow, and
         * every byte of the result is valid UTF-8 (jansson checked that). */
        if (json_string_length(j) == 0 && size > 0)
            abort();
    }
    json_decref(j);

    /* Through the writer: {"<in>":["<in>",<size>,null]} */
    char *key = xmalloc(size + 1);
    memcpy(key, data, size);
    key[size] = '\0';
    struct jw w;
    buf_reset(&b);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, key);
    jw_arr_begin(&w);
    jw_strn(&w, in, size);
    jw_int(&w, (int64_t)size);
    jw_str(&w, NULL);
    jw_arr_end(&w);
    jw_obj_end(&w);
    j = json_loadb(b.data, b.len, JSON_ALLOW_NUL, &err);
    if (!j || !json_is_object(j) || json_object_size(j) != 1) {
        fprintf(stderr, "writer output is not one object: %s\n(%s)\n", b.data,
                j ? "wrong shape" : err.text);
        abort();
    }
    json_t *arr = json_object_iter_value(json_object_iter(j));
    if (!json_is_array(arr) || json_array_size(arr) != 3 ||
        json_integer_value(json_array_get(arr, 1)) != (json_int_t)size ||
        !json_is_null(json_array_get(arr, 2)))
        abort();
    json_decref(j);
    free(key);
    buf_release(&b);
    return 0;
}
