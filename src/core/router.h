/*
 * router.h - route tables. Every module declares its routes as a plain
 * array; src/routes.c lists the arrays. Before a handler runs, the
 * dispatcher has matched method and path, validated path parameters, the
 * declared query and body fields (undeclared query parameters are dropped,
 * undeclared body fields rejected), checked login, CSRF and the route's
 * permission on its target organisation.
 */
#ifndef ZHIBU_ROUTER_H
#define ZHIBU_ROUTER_H

struct req;
typedef int (*handler_fn)(struct req *req);

enum param_type {
    P_ID,  /* positive int64 (JSON number or decimal string in a query) */
    P_INT, /* int64 within [min, max] */
    P_STR, /* UTF-8 string, length in characters within [min, max], no control chars */
    P_BOOL,
    P_ENUM,     /* one of choices */
    P_PHONE,    /* mainland mobile number, 11 digits, 1[3-9]... */
    P_DATE,     /* YYYY-MM-DD, a real date */
    P_PASSWORD, /* 8..128 characters, any printable */
    P_TIME,     /* an instant "YYYY-MM-DDTHH:MM[:SS[.fff]]Z" (UTC): i holds epoch seconds */
    P_IDS,      /* a JSON array of min..max distinct positive ids (body only): ids, n */
    P_STRS,     /* a JSON array of min..max strings of 1..200 characters (body only): strs, n */
    P_LIST,     /* a JSON array of [min, max] elements (body only); s holds it as compact JSON,
                   the handler checks the elements (prefer P_OBJECTS) */
    P_URL,      /* an http:// or https:// URL of at most max characters (default 500), no
                   spaces or control characters */
    P_ENUMS,    /* a JSON array of min..max distinct choices (body only): strs, n */
    P_OBJECTS,  /* a JSON array of min..max objects (body only), each validated against the
                   declared fields (no other keys): objs[i] holds one value per field */
    /* the last: src/cli/cmd_routes.c names each type */
};

#define P_REQUIRED 1u
#define P_MULTILINE 2u /* P_STR: line breaks and tabs allowed (minutes, agendas) */
#define P_NONBLANK                                                                                 \
    4u /* P_STR: spaces at both ends (ASCII and the ideographic U+3000)                            \
          are trimmed before the length check; a value left empty is                               \
          refused ("must not be blank") */
#define P_EACH                                                                                     \
    8u /* P_OBJECTS: each entry is judged on its own (an offline batch): an entry at fault         \
          does not refuse the body; it stays in the list with its fault in entries[i] */

struct param {
    const char *name;
    enum param_type type;
    unsigned flags;
    int64_t min, max;
    const char *const *choices; /* P_ENUM, P_ENUMS: NULL-terminated */
    const struct param *fields; /* P_OBJECTS: each object's fields, ended by {NULL} */
};

/* The paging fields of every list, inside a param array: {..., PAGE_PARAMS, {NULL}}. */
#define PAGE_LIMIT_MAX 200
#define PAGE_PARAMS                                                                                \
    {"after", P_STR, 0, 1, 200},                                                                   \
    {                                                                                              \
        "limit", P_INT, 0, 1, PAGE_LIMIT_MAX                                                       \
    }

/* Who may call a route. Permissions are granted by roles (see auth.h). */
enum scope {
    SCOPE_PUBLIC,    /* no login */
    SCOPE_LOGIN,     /* any logged-in account; perm, if set, on any organisation */
    SCOPE_PATH_ORG,  /* perm on the organisation {id} of the path */
    SCOPE_QUERY_ORG, /* perm on the organisation in query field scope_field */
    SCOPE_BODY_ORG,  /* perm on the organisation in body field scope_field */
    SCOPE_OBJECT,    /* an object of the route's kind: the path's {id} (or the body field
                        scope_field); perm on its organisation, or the route's party */
};

/*
 * How a caller takes part in an object, apart from any permission: a route
 * may name the parties it is open to (struct route.party). An object kind's
 * locate function says which of these the caller is.
 */
enum party {
    PARTY_SELF = 1u << 0,     /* the object is the caller's own member record, or about it */
    PARTY_EXPECTED = 1u << 1, /* expected at it (a meeting's attendee) */
    PARTY_AUDIENCE = 1u << 2, /* addressed to the caller (a notice, a poll, an activity) */
    PARTY_AUTHOR = 1u << 3,   /* the caller wrote or started it */
    /* the last: src/cli/cmd_routes.c names each party */
};

/* What the dispatcher learns about the object a SCOPE_OBJECT route acts on. */
struct object_ref {
    int64_t id;
    int64_t org_id;       /* the organisation it belongs to */
    const char *org_path; /* its path (arena) */
    int64_t org2_id;      /* a second organisation it belongs to (a transfer's receiving
                             branch, a migrant's host organisation), 0 if none */
    const char *org2_path;
    unsigned party; /* enum party bits: how the caller takes part in it */
    int perm_min;   /* a permission this object asks of everyone but its parties on top of
                       the route's (a poll of chosen voters: poll.admin); 0: none */
};

/*
 * An object kind: declared once by its module, named by its routes. The
 * dispatcher resolves the id, checks the route's permission on the object's
 * organisation (or its party), and answers not_found exactly as for a
 * missing object; the handler then loads the fields it needs.
 */
struct object_kind {
    const char *name; /* "meeting" */
    int not_found;    /* enum err_code: missing, or out of the caller's reach */
    /* Who sees an object: see_perm on its organisation, or a party in
     * see_party. A route flagged ROUTE_SEEN_FORBIDS answers forbidden (403)
     * to a caller who sees the object but may not do what the route does;
     * everyone else who may not gets not_found. */
    int see_perm;
    unsigned see_party;
    int forbidden;
    /* Finds object id in the request's transaction: fills ref (organisations
     * and the caller's party bits) and returns true; false when there is no
     * such live object. Never checks a permission. */
    bool (*locate)(struct req *req, int64_t id, struct object_ref *ref);
};

/* On which organisation of the object a SCOPE_OBJECT route checks perm. */
enum object_side {
    SIDE_ORG,    /* org_id */
    SIDE_EITHER, /* org_id or org2_id */
    SIDE_PARENT, /* the parent of org_id (the organisation above it; a root: itself) */
    SIDE_ORG2,   /* org2_id */
};

enum route_flags {
    ROUTE_NO_IDEM = 1u << 1,      /* never store responses for Idempotency-Key (secrets in them) */
    ROUTE_RAW = 1u << 2,          /* a 2xx answer is a file (req_send_file), errors are JSON */
    ROUTE_UPLOAD = 1u << 3,       /* the body is a file of up to max_upload bytes, spooled to
                                     req->body_fd and authorised before it is read: a login
                                     and the target in the path or the query, no JSON body */
    ROUTE_CACHE = 1u << 4,        /* a GET whose answer depends on the request only, not on the
                                     caller: answers are cached until the next write (rcache.h);
                                     only with a permission on SCOPE_PATH_ORG / SCOPE_QUERY_ORG
                                     or on the path's object (SCOPE_OBJECT). An answer that is
                                     the exception (an audited lookup that needs more than the
                                     route's permission) sets req->no_cache */
    ROUTE_ENROL = 1u << 5,        /* open to a session that still owes a second factor (an admin
                                     role without TOTP under admin_second_factor = required) */
    ROUTE_IDEM_NO_BODY = 1u << 6, /* the Idempotency-Key fingerprint leaves the body out: it
                                     holds a secret ballot that no stored hash may reveal */
    ROUTE_SEEN_FORBIDS = 1u << 8, /* SCOPE_OBJECT: a caller who sees the object but may not do
                                     this gets the kind's forbidden code (403), not not_found */
    ROUTE_AUDIT_READ = 1u << 9,   /* reads the audit log: first waits (a moment at most) for
                                     the denials still being written after their answers */
    ROUTE_READ_FIRST = 1u << 10,  /* prepare runs in a read transaction of its own, the handler
                                     in the write transaction after it (the key checked again):
                                     for a write whose long part may only read, such as a dry
                                     run, so that it holds no write lock meanwhile */
    ROUTE_BARE = 1u << 11,        /* a 2xx answer is the handler's JSON as written, without
                                     the {"data": ...} envelope: a gateway's callback whose
                                     answer the gateway defines; errors are JSON as usual */
    ROUTE_CACHE_MINE = 1u << 7,   /* a GET whose answer depends on the request and the caller
                                     only (a home feed, GET /me): cached per account until the
                                     next write or change of sessions and roles (seqs 'auth');
                                     every write that changes it takes a change sequence; a
                                     clock-dependent answer says when it expires
                                     (req_valid_until); only on SCOPE_LOGIN */
};

struct route {
    const char *method;
    const char *path; /* "/api/v1/orgs/{id}/children": {id} segments are P_ID; a {key}
                         segment is a secret of ROUTE_KEY_MIN..MAX unreserved characters
                         (router_key), never logged: the log line shows the pattern */
    handler_fn handler;
    enum scope scope;
    int perm;                  /* enum perm from auth.h; PERM_NONE for none */
    const char *scope_field;   /* SCOPE_QUERY_ORG / SCOPE_BODY_ORG; SCOPE_OBJECT: the body
                                  field holding the object's id (NULL: the path's {id}) */
    const struct param *query; /* ended by {NULL} or NULL for none */
    const struct param *body;
    unsigned flags;
    /* SCOPE_OBJECT: the object's kind, the parties the route is open to
     * besides perm (enum party bits; 0: perm only) and where perm is checked. */
    const struct object_kind *kind;
    unsigned party;
    enum object_side side;
    /*
     * A two-phase route (slow work such as checking a password, which must
     * hold no transaction): prepare runs in a read transaction after every
     * check of admit (the caller, inputs, permission, Idempotency-Key) and
     * keeps what the slow work needs in req->state; outside then runs on the
     * slow lane (core/slow.h) with no transaction open and must not touch
     * the store; then handler runs in the route's write transaction as usual.
     * Each returns 0 (or a 2xx) to go on, else an error status from
     * req_fail. NULL outside: an ordinary route (prepare, if any, runs in the
     * handler's transaction just before it, or with ROUTE_READ_FIRST in a
     * read transaction of its own).
     */
    handler_fn prepare;
    handler_fn outside;
};

/* The whole API, assembled in routes.c from every module's table. */
extern const struct route *const route_tables[];

/* A value after validation. */
struct value {
    const char *name;
    enum param_type type;
    bool present;
    bool null;               /* the body sent null (to clear an optional field); present is false */
    int64_t i;               /* P_ID, P_INT, P_BOOL */
    const char *s;           /* P_STR, P_ENUM, P_PHONE, P_DATE, P_PASSWORD, P_TIME (arena) */
    const int64_t *ids;      /* P_IDS (arena) */
    const char *const *strs; /* P_STRS, P_ENUMS (arena) */
    const struct value *const *objs;   /* P_OBJECTS: objs[i][k] is field k of object i */
    const struct value_entry *entries; /* P_OBJECTS with P_EACH: one per object */
    size_t n;                          /* P_IDS, P_STRS, P_ENUMS, P_OBJECTS: number of elements */
};

/* An entry of a P_OBJECTS list with P_EACH, as the dispatcher found it. */
struct value_entry {
    const char *error; /* its first fault ("status is not one of ..."), NULL if none */
    const char *field; /* the field at fault, NULL when it is the entry itself (not an object) */
    const char *canon; /* the entry as canonical JSON (compact, keys sorted): its fingerprint */
};

/* P_OBJECTS: the field `name` of object i of v (a value with present false
 * when the object has none). */
const struct value *value_field(const struct value *v, const struct param *p, size_t i,
                                const char *name);

#define ROUTE_MAX_PATH_PARAMS 4
#define ROUTE_KEY_MIN 16
#define ROUTE_KEY_MAX 128

/* Builds the lookup structures; call once at start-up. Aborts on a bad table. */
void router_init(void);
/* Number of routes, and route i: for metrics and the authorization matrix. */
size_t router_count(void);
const struct route *router_at(size_t i);
/* Index of r in the flat list. */
size_t router_index(const struct route *r);

enum match_result { MATCH_OK, MATCH_NO_PATH, MATCH_NO_METHOD, MATCH_BAD_PARAM };
/*
 * Finds the route for method + path. On MATCH_OK, *out is the route and
 * ids[] the path parameters in order.
 */
enum match_result router_match(const char *method, const char *path, const struct route **out,
                               int64_t ids[ROUTE_MAX_PATH_PARAMS], int *nids);

/* The {key} segment of path under pattern into out (n bytes): false when the
 * pattern has none or it does not fit. */
bool router_key(const char *pattern, const char *path, char *out, size_t n);

/* The methods routed for path, as "GET, POST" (for the Allow header). */
void router_allowed(const char *path, char *out, size_t n);

/* Validators shared by routes and the command line. */
bool valid_phone(const char *s);
/* Characters (code points) in a valid UTF-8 string, or -1 if not valid UTF-8
 * or if it holds control characters. */
long utf8_chars(const char *s, size_t n);
/* The same, allowing line breaks and tabs (P_MULTILINE). */
long utf8_chars_multiline(const char *s, size_t n);

#endif
