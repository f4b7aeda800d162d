#include "app.h"

const struct err_info err_table[ERR__COUNT] = {
#define X(id, status, code, msg) [id] = {status, code, msg},
    ERROR_TABLE(X)
#undef X
};
