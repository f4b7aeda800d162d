/*
 * errors.h - every error code the API can answer, with its HTTP status and
 * a default message, in one table. docs/API.md lists the same table;
 * tests/unit/test_errors.c checks the codes are unique and well formed.
 * Add a code here, never inline.
 */
#ifndef ZHIBU_ERRORS_H
#define ZHIBU_ERRORS_H

#define ERROR_TABLE(X)                                                                             \
    X(ERR_BAD_JSON, 400, "request.bad_json", "the request body is not valid JSON")                 \
    X(ERR_INVALID, 400, "request.invalid", "a field is missing or invalid")                        \
    X(ERR_UNKNOWN_FIELD, 400, "request.unknown_field", "the request has an undeclared field")      \
    X(ERR_BAD_PATH, 400, "request.bad_path", "the path is malformed")                              \
    X(ERR_TOO_LARGE, 413, "request.too_large", "the request body is too large")                    \
    X(ERR_NOT_FOUND, 404, "request.not_found", "no such resource")                                 \
    X(ERR_METHOD, 405, "request.method_not_allowed", "method not allowed on this resource")        \
    X(ERR_IDEM_MISMATCH, 422, "request.idempotency_mismatch",                                      \
      "the Idempotency-Key was used before with another request")                                  \
    X(ERR_IDEM_KEY, 400, "request.bad_idempotency_key", "the Idempotency-Key is malformed")        \
    X(ERR_AUTH_REQUIRED, 401, "auth.required", "login required")                                   \
    X(ERR_BAD_CREDENTIALS, 401, "auth.bad_credentials", "wrong phone number or password")          \
    X(ERR_THROTTLED, 429, "auth.throttled", "too many attempts, try again later")                  \
    X(ERR_CSRF, 403, "auth.csrf", "a write from another site, or a missing or wrong X-CSRF-Token") \
    X(ERR_FORBIDDEN, 403, "auth.forbidden", "your roles do not allow this")                        \
    X(ERR_BUSY, 503, "server.busy", "the server is busy, try again")                               \
    X(ERR_INTERNAL, 500, "server.internal", "internal error")                                      \
    X(ERR_DB, 500, "server.db", "the store failed")                                                \
    X(ERR_ORG_NOT_FOUND, 404, "org.not_found", "no such organisation")                             \
    X(ERR_ORG_BAD_PARENT, 409, "org.bad_parent",                                                   \
      "this level cannot be placed under that organisation")                                       \
    X(ERR_ORG_CYCLE, 409, "org.cycle", "an organisation cannot move under its own subtree")        \
    X(ERR_ORG_NOT_EMPTY, 409, "org.not_empty",                                                     \
      "the organisation still has open organisations or members under it")                         \
    X(ERR_ORG_CLOSED, 409, "org.closed", "the organisation is closed")                             \
    X(ERR_ACCOUNT_NOT_FOUND, 404, "account.not_found", "no such account")                          \
    X(ERR_ROLE_NOT_FOUND, 404, "role.not_found", "no such role grant")                             \
    X(ERR_ROLE_EXISTS, 409, "role.exists", "the account already has this role there")              \
    X(ERR_MEMBER_NOT_FOUND, 404, "member.not_found", "no such member")                             \
    X(ERR_MEMBER_INVALID, 400, "member.invalid", "the member record is not valid")                 \
    X(ERR_MEMBER_DUPLICATE, 409, "member.duplicate", "another member record has this ID number")   \
    X(ERR_MEMBER_RECORD_NOT_FOUND, 404, "member.record_not_found", "no such sub-record")           \
    X(ERR_CORRECTION_NOT_FOUND, 404, "correction.not_found", "no such correction")                 \
    X(ERR_CORRECTION_STATE, 409, "correction.state", "the correction was already decided")         \
    X(ERR_TRANSFER_NOT_FOUND, 404, "transfer.not_found", "no such transfer")                       \
    X(ERR_TRANSFER_STATE, 409, "transfer.state", "the transfer is not in a state for this step")   \
    X(ERR_TRANSFER_OPEN_EXISTS, 409, "transfer.open_exists",                                       \
      "the member already has an open transfer")                                                   \
    X(ERR_TRANSFER_BAD_TARGET, 409, "transfer.bad_target",                                         \
      "the destination is not an open branch other than the member's own")                         \
    X(ERR_MEMBER_NOT_ON_ROSTER, 409, "member.not_on_roster",                                       \
      "the member is not on a roster (transferred out, left or deceased)")                         \
    X(ERR_DUES_GAP, 409, "dues.gap", "the payment leaves unpaid months before it")                 \
    X(ERR_DUES_OVERLAP, 409, "dues.overlap", "the payment covers months already paid")             \
    X(ERR_DUES_AMOUNT, 400, "dues.amount", "the amount is not the monthly standard times months")  \
    X(ERR_DUES_NOT_LATEST, 409, "dues.not_latest",                                                 \
      "only the member's latest payment can be reversed")                                          \
    X(ERR_DUES_NOT_FOUND, 404, "dues.not_found", "no such dues payment")                           \
    X(ERR_APPLICANT_NOT_FOUND, 404, "applicant.not_found", "no such applicant")                    \
    X(ERR_APPLICANT_STEP, 409, "applicant.step",                                                   \
      "this step does not fit the applicant's stage or dates")                                     \
    X(ERR_IMPORT_INVALID, 422, "import.invalid", "the file has errors; nothing was imported")      \
    X(ERR_NOTICE_NOT_FOUND, 404, "notice.not_found", "no such announcement")                       \
    X(ERR_NOTICE_INVALID, 400, "notice.invalid", "the announcement is not valid")                  \
    X(ERR_NOTICE_STATE, 409, "notice.state", "the announcement was retracted")                     \
    X(ERR_NOTICE_NO_ACK, 409, "notice.no_ack", "the announcement asks for no acknowledgement")     \
    X(ERR_LIVE_FULL, 503, "live.full", "too many live streams are open, use polling")

enum err_code {
#define X(id, status, code, msg) id,
    ERROR_TABLE(X)
#undef X
        ERR__COUNT
};

struct err_info {
    int status;
    const char *code;
    const char *message;
};

extern const struct err_info err_table[ERR__COUNT];

#endif
