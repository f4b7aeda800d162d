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
    X(ERR_IDEM_REVOKED, 403, "request.idempotency_revoked",                                        \
      "a role this request was made with has been revoked since: its answer is not replayed")      \
    X(ERR_AUTH_REQUIRED, 401, "auth.required", "login required")                                   \
    X(ERR_BAD_CREDENTIALS, 401, "auth.bad_credentials", "wrong phone number or password")          \
    X(ERR_THROTTLED, 429, "auth.throttled", "too many attempts, try again later")                  \
    X(ERR_CSRF, 403, "auth.csrf", "a write from another site, or a missing or wrong X-CSRF-Token") \
    X(ERR_FORBIDDEN, 403, "auth.forbidden", "your roles do not allow this")                        \
    X(ERR_RATE_LIMITED, 429, "request.rate_limited",                                               \
      "too many of these requests this hour, try again later")                                     \
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
    X(ERR_MEMBER_NEEDS_REVIEW, 409, "member.needs_review",                                         \
      "this ID number cannot be registered here without an administrator's review (a member "      \
      "who moves comes through a transfer)")                                                       \
    X(ERR_MEMBER_EXACT_SEARCH, 403, "member.exact_search",                                         \
      "searching by a whole ID number or phone number needs pdata.reveal")                         \
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
    X(ERR_CODE_REQUIRED, 401, "auth.code_required",                                                \
      "this account has a second factor: send the code from the authenticator app")                \
    X(ERR_BAD_CODE, 401, "auth.bad_code", "the code is wrong or was used already")                 \
    X(ERR_BAD_SMS_CODE, 401, "auth.bad_sms_code",                                                  \
      "wrong phone number or SMS code, or the code expired or was used")                           \
    X(ERR_ACTIVATION_BAD_CODE, 400, "activation.bad_code",                                         \
      "the activation code is wrong, used, replaced or expired")                                   \
    X(ERR_ACTIVATION_PHONE_REQUIRED, 400, "activation.phone_required",                             \
      "no phone number is on the record: give the one to sign in with")                            \
    X(ERR_ACTIVATION_PHONE_TAKEN, 409, "activation.phone_taken",                                   \
      "another account signs in with this phone number")                                           \
    X(ERR_ACTIVATION_TOO_MANY, 422, "activation.too_many",                                         \
      "more than 500 members at once: choose a branch or some members")                            \
    X(ERR_ACTIVATION_ACTIVE, 409, "activation.active",                                             \
      "the member uses their account: confirm that they lost their phone (lostPhone)")             \
    X(ERR_ACTIVATION_NO_PHONE, 409, "activation.no_phone",                                         \
      "no phone number is on the member's record to send the code to")                             \
    X(ERR_ACTIVATION_SMS_REFUSED, 503, "activation.sms_refused",                                   \
      "the SMS could not be queued (quota, gateway off): hand out a slip instead")                 \
    X(ERR_ENROL_SECOND_FACTOR, 403, "auth.enrol_second_factor",                                    \
      "your role needs a second factor: enrol one under Account first")                            \
    X(ERR_TOTP_INVALID_CODE, 400, "totp.bad_code", "the code is wrong or was used already")        \
    X(ERR_TOTP_ACTIVE, 409, "totp.active", "the second factor is on already; disable it first")    \
    X(ERR_TOTP_NOT_STARTED, 409, "totp.not_started", "start the enrolment first")                  \
    X(ERR_TOTP_OFF, 409, "totp.off", "the second factor is not on")                                \
    X(ERR_ACTIVITY_NOT_FOUND, 404, "activity.not_found", "no such activity")                       \
    X(ERR_ACTIVITY_FULL, 409, "activity.full", "the activity is full")                             \
    X(ERR_ACTIVITY_CLOSED, 409, "activity.closed",                                                 \
      "sign-up is closed: the deadline has passed or the activity was cancelled")                  \
    X(ERR_ACTIVITY_STATE, 409, "activity.state", "the activity is not in a state for this step")   \
    X(ERR_ACTIVITY_NOT_ELIGIBLE, 403, "activity.not_eligible",                                     \
      "only members of the branch (or migrant members it hosts) sign up")                          \
    X(ERR_ACTIVITY_SIGNED_UP, 409, "activity.signed_up", "you are already signed up")              \
    X(ERR_POLL_NOT_FOUND, 404, "poll.not_found", "no such poll")                                   \
    X(ERR_POLL_OPTIONS, 400, "poll.options", "the poll's options are missing or not valid")        \
    X(ERR_POLL_NOT_OPEN, 409, "poll.not_open", "the poll is not open for voting now")              \
    X(ERR_POLL_NOT_ELIGIBLE, 403, "poll.not_eligible",                                             \
      "you are not on this poll's list of voters")                                                 \
    X(ERR_POLL_VOTED, 409, "poll.voted", "you have voted in this poll already")                    \
    X(ERR_POLL_BAD_CHOICE, 400, "poll.bad_choice",                                                 \
      "the choices do not fit the poll (unknown option, too few or too many)")                     \
    X(ERR_POLL_RESULTS_HIDDEN, 409, "poll.results_hidden",                                         \
      "the results are shown only after the poll closes")                                          \
    X(ERR_MEETING_NOT_FOUND, 404, "meeting.not_found", "no such meeting")                          \
    X(ERR_MEETING_CLOSED, 409, "meeting.closed",                                                   \
      "the meeting is closed: its record is locked (append a note instead)")                       \
    X(ERR_MEETING_OPEN, 409, "meeting.open", "the meeting is not closed yet")                      \
    X(ERR_MEETING_NOT_EXPECTED, 403, "meeting.not_expected",                                       \
      "you are not among the expected attendees of this meeting")                                  \
    X(ERR_MEETING_WINDOW, 409, "meeting.window",                                                   \
      "check-in is open only in the window around the start")                                      \
    X(ERR_MEETING_CODE, 409, "meeting.code", "the check-in code is wrong or has expired")          \
    X(ERR_MEETING_LEAVE_CUTOFF, 409, "meeting.leave_cutoff",                                       \
      "leave can no longer be requested: the cut-off before the start has passed")                 \
    X(ERR_MEETING_STATE, 409, "meeting.state", "this does not fit the attendance record's state")  \
    X(ERR_MEETING_NO_MINUTES, 409, "meeting.no_minutes", "a meeting is closed with its minutes")   \
    X(ERR_SYNC_NO_ROLE_THEN, 403, "sync.no_role_then",                                             \
      "the account held no role running the branch's meetings when the change was captured")       \
    X(ERR_MEETING_CODE_THROTTLED, 429, "meeting.code_throttled",                                   \
      "too many wrong check-in codes: try again in a few minutes")                                 \
    X(ERR_ROOM_OFF, 409, "room.off", "this meeting has no audio room")                             \
    X(ERR_ROOM_NOT_OPEN, 409, "room.not_open",                                                     \
      "the audio room opens 30 minutes before the start and closes an hour after the end")         \
    X(ERR_ROOM_NO_MEMBER, 409, "room.no_member",                                                   \
      "only an account with a member record takes part in a meeting's audio room")                 \
    X(ERR_ROOM_NO_PASS, 404, "room.no_pass",                                                       \
      "no such participant: the member has not taken a place in this room")                        \
    X(ERR_ROOM_UNAVAILABLE, 503, "room.unavailable",                                               \
      "the audio room cannot be reached now: attend in person or by the meeting's link")           \
    X(ERR_THREAD_NOT_FOUND, 404, "thread.not_found", "no such thread")                             \
    X(ERR_THREAD_CLOSED, 409, "thread.closed", "the thread is closed")                             \
    X(ERR_THREAD_NO_MEMBER, 409, "thread.no_member",                                               \
      "only an account with a member record on a roster can write to its branch")                  \
    X(ERR_THREAD_NO_RECIPIENTS, 409, "thread.no_recipients", "no member matches the recipients")   \
    X(ERR_THREAD_VOICE_NOT_AUDIO, 409, "thread.voice_not_audio",                                   \
      "a voice message must be an audio recording")                                                \
    X(ERR_POST_NOT_FOUND, 404, "post.not_found", "no such post")                                   \
    X(ERR_POST_STATE, 409, "post.state", "the post is not in a state for this decision")           \
    X(ERR_POST_REPORTED, 409, "post.reported", "you already have an open report on this post")     \
    X(ERR_POST_CORRECTION_NOT_FOUND, 404, "post.correction_not_found", "no such correction")       \
    X(ERR_WORD_EXISTS, 409, "wordlist.exists", "the word is already on the list")                  \
    X(ERR_WORD_NOT_FOUND, 404, "wordlist.not_found", "no such word on the list")                   \
    X(ERR_SEARCH_QUERY, 400, "search.bad_query", "the query has nothing to search for")            \
    X(ERR_NOTICE_NOT_FOUND, 404, "notice.not_found", "no such announcement")                       \
    X(ERR_NOTICE_STATE, 409, "notice.state", "the announcement was retracted")                     \
    X(ERR_NOTICE_NO_ACK, 409, "notice.no_ack", "the announcement asks for no acknowledgement")     \
    X(ERR_NOTICE_TOLD_UNDO, 403, "notice.told_undo",                                               \
      "only who recorded it may undo a record of telling in person, within a day")                 \
    X(ERR_LESSON_NOT_FOUND, 404, "lesson.not_found", "no such lesson")                             \
    X(ERR_LESSON_STATE, 409, "lesson.state", "the lesson is not waiting for review")               \
    X(ERR_COURSE_NOT_FOUND, 404, "course.not_found", "no such course")                             \
    X(ERR_COURSE_STATE, 409, "course.state", "the course is not waiting for review")               \
    X(ERR_COURSE_LESSON, 409, "course.lesson",                                                     \
      "a lesson of a course must reach everyone the course reaches (published on its "             \
      "organisation or above)")                                                                    \
    X(ERR_BANK_NOT_FOUND, 404, "bank.not_found", "no such question bank")                          \
    X(ERR_BANK_STATE, 409, "bank.state",                                                           \
      "the question bank is not waiting for review, or waits for it (no quiz is set from it yet)") \
    X(ERR_QUESTION_INVALID, 400, "question.invalid",                                               \
      "the question does not fit its type (options, answer)")                                      \
    X(ERR_QUIZ_NOT_FOUND, 404, "quiz.not_found", "no such quiz")                                   \
    X(ERR_QUIZ_STATE, 409, "quiz.state", "the quiz is not waiting for review")                     \
    X(ERR_QUIZ_CLOSED, 409, "quiz.closed", "the exam is not open for starting now")                \
    X(ERR_QUIZ_NOT_STARTED, 409, "quiz.not_started", "start the exam first")                       \
    X(ERR_QUIZ_DEADLINE, 409, "quiz.deadline_passed",                                              \
      "the exam's time is up: a submission after the deadline is not counted")                     \
    X(ERR_QUIZ_SUBMITTED, 409, "quiz.submitted",                                                   \
      "this exam was submitted already (online or from paper): it counts once")                    \
    X(ERR_QUIZ_NOT_EXAM, 409, "quiz.not_exam", "only an exam is started, or entered from paper")   \
    X(ERR_QUIZ_NO_MEMBER, 409, "quiz.no_member",                                                   \
      "an exam is taken by a person with a member record or a role under its organisation")        \
    X(ERR_SMS_NO_PHONE, 409, "sms.no_phone",                                                       \
      "no phone number on the member's record or account: SMS cannot reach them")                  \
    X(ERR_LIVE_FULL, 503, "live.full", "too many live streams are open, use polling")              \
    X(ERR_LIVE_ACCOUNT_FULL, 429, "live.account_limit",                                            \
      "this account has as many live streams open as it may: close one, or use polling")           \
    X(ERR_METRICS_FORBIDDEN, 403, "metrics.forbidden",                                             \
      "the metrics need the metrics token, or a connection from the server's own machine")         \
    X(ERR_FILE_NOT_FOUND, 404, "file.not_found", "no such file")                                   \
    X(ERR_UPLOAD_NOT_FOUND, 404, "upload.not_found", "no such upload in progress")                 \
    X(ERR_UPLOAD_OFFSET, 409, "upload.offset",                                                     \
      "the chunk does not start where the upload stands: ask for its offset and resume there")     \
    X(ERR_UPLOAD_TUS_VERSION, 412, "upload.tus_version",                                           \
      "this server speaks tus 1.0.0 only (its Tus-Version header)")                                \
    X(ERR_UPLOAD_CONTENT_TYPE, 415, "upload.content_type",                                         \
      "a tus chunk is sent as application/offset+octet-stream")                                    \
    X(ERR_UPLOAD_LOCKED, 423, "upload.locked",                                                     \
      "another chunk of this upload is being written: ask for its offset and resume there")        \
    X(ERR_UPLOAD_OVERRUN, 413, "upload.overrun",                                                   \
      "the chunk goes past the size the upload announced")                                         \
    X(ERR_UPLOAD_CHECKSUM, 460, "upload.checksum_mismatch",                                        \
      "the chunk does not match its Upload-Checksum: send it again")                               \
    X(ERR_FILE_EMPTY, 400, "file.empty", "an empty file cannot be stored")                         \
    X(ERR_FILE_TOO_LARGE, 413, "file.too_large", "the file is larger than a file may be")          \
    X(ERR_FILE_QUOTA, 413, "file.quota", "the organisation's storage quota would be exceeded")     \
    X(ERR_FILE_TYPE, 415, "file.type_refused",                                                     \
      "this kind of file is not accepted (PDF, Office documents, images, audio and video are)")    \
    X(ERR_FILE_CONTAINER, 415, "file.container_refused",                                           \
      "the document's container is malformed or expands too much (a zip bomb)")                    \
    X(ERR_FILE_RANGE, 416, "file.range_not_satisfiable", "the range starts past the file's end")   \
    X(ERR_FILE_NOT_ATTACHABLE, 409, "file.not_attachable",                                         \
      "the file is not yours or not in the organisation this is published to")                     \
    X(ERR_FILE_STORE_DOWN, 503, "file.store_unavailable",                                          \
      "the file store cannot be reached now: try again later")

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
