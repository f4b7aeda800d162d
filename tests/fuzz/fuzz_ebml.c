/*
 * fuzz_ebml.c - the WebM track check of uploads (core/ebml.h). ebml_audio_only
 * on arbitrary bytes must not crash nor read past them (ASan: the input is
 * copied into a buffer of exactly its size), and gives the same answer twice.
 */
#include "app.h"
#include "core/ebml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *p = xmalloc(size ? size : 1);
    memcpy(p, data, size);
    bool a = ebml_audio_only(p, size);
    if (a != ebml_audio_only(p, size))
        abort();
    free(p);
    return 0;
}
