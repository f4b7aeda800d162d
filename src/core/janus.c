/*
 * janus.c - requests to Janus's HTTP and Admin APIs (libcurl for HTTP,
 * jansson for the JSON). A request is a POST of one JSON object; Janus
 * answers {"janus": "success" | "error", ...}. A plugin request goes through
 * a session and a handle attached to the plugin, made for the call and
 * destroyed after it (a few requests of a millisecond each on loopback).
 */
#include "app.h"
#include "core/janus.h"

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#define JANUS_TIMEOUT_MS 3000
#define JANUS_MAX_ANSWER (256 * 1024)
#define AUDIOBRIDGE "janus.plugin.audiobridge"
#define VIDEOROOM "janus.plugin.videoroom"
/* A meeting's video: at most VIDEO_PUBLISHERS cameras at once, each capped at
 * VIDEO_BITRATE bits/s (240p at 15 frames a second). */
#define VIDEO_PUBLISHERS 9
#define VIDEO_BITRATE 150000
/* Who is talking: Janus tells everyone in the room when a participant's
 * audio, averaged over TALK_PACKETS packets of 20 ms, is louder than
 * TALK_LEVEL (-dBov: 0 the loudest, 127 silence), and when it no longer is. */
#define TALK_PACKETS 50
#define TALK_LEVEL 40

void janus_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (janus_configured())
        log_info("audio rooms: Janus at %s, %s", cfg.janus_url,
                 janus_events_on() ? "joins and leaves from its events"
                                   : "joins and leaves polled (no janus_events_secret)");
    else
        log_info("audio rooms are off (no janus_url in zhibu.conf)");
}

bool janus_configured(void)
{
    return cfg.janus_url[0] != '\0';
}

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
    struct buf *b = arg;
    if (b->len + size * n > JANUS_MAX_ANSWER)
        return 0; /* an answer that big is not Janus's: the transfer fails */
    buf_add(b, p, size * n);
    return size * n;
}

/* POSTs body (a JSON object; a transaction id and the secret are added) to
 * url; the parsed answer or NULL (unreachable, not JSON). */
static json_t *post(const char *url, json_t *body, const char *secret_key, const char *secret)
{
    char tx[17];
    unsigned char raw[8];
    randombytes_buf(raw, sizeof(raw));
    hex_encode(raw, sizeof(raw), tx);
    json_object_set_new(body, "transaction", json_string(tx));
    if (secret && *secret)
        json_object_set_new(body, secret_key, json_string(secret));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text)
        return NULL;
    CURL *c = curl_easy_init();
    struct buf answer;
    buf_init(&answer);
    json_t *out = NULL;
    if (c) {
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)JANUS_TIMEOUT_MS);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
        long status = 0;
        if (curl_easy_perform(c) == CURLE_OK &&
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 200)
            out = json_loadb(answer.data ? answer.data : "", answer.len, 0, NULL);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
    }
    buf_release(&answer);
    free(text);
    if (out && !json_is_object(out)) {
        json_decref(out);
        out = NULL;
    }
    return out;
}

/* "success" answers carry data.id for create and attach. */
static int64_t answer_id(json_t *a)
{
    const char *kind = json_string_value(json_object_get(a, "janus"));
    json_t *id = json_object_get(json_object_get(a, "data"), "id");
    return kind && !strcmp(kind, "success") && json_is_integer(id) ? json_integer_value(id) : 0;
}

struct janus_handle {
    int64_t session, handle;
    char base[300];
};

/* A session with a handle on plugin. */
static enum janus_result attach_to(struct janus_handle *h, const char *plugin)
{
    if (!janus_configured())
        return JANUS_NOT_SET_UP;
    json_t *a = post(cfg.janus_url, json_pack("{s:s}", "janus", "create"), "apisecret",
                     cfg.janus_api_secret);
    if (!a)
        return JANUS_DOWN;
    h->session = answer_id(a);
    json_decref(a);
    if (!h->session)
        return JANUS_REFUSED;
    snprintf(h->base, sizeof(h->base), "%s/%" PRId64, cfg.janus_url, h->session);
    a = post(h->base, json_pack("{s:s, s:s}", "janus", "attach", "plugin", plugin), "apisecret",
             cfg.janus_api_secret);
    h->handle = a ? answer_id(a) : 0;
    json_decref(a);
    return h->handle ? JANUS_OK : a ? JANUS_REFUSED : JANUS_DOWN;
}

/* A session with a handle on the AudioBridge plugin. */
static enum janus_result attach(struct janus_handle *h)
{
    return attach_to(h, AUDIOBRIDGE);
}

static void detach(struct janus_handle *h)
{
    if (h->session)
        json_decref(post(h->base, json_pack("{s:s}", "janus", "destroy"), "apisecret",
                         cfg.janus_api_secret));
}

/* A synchronous AudioBridge request: its plugindata.data, or NULL. */
static json_t *plugin_request(struct janus_handle *h, json_t *request)
{
    char url[340];
    snprintf(url, sizeof(url), "%s/%" PRId64, h->base, h->handle);
    json_t *a = post(url, json_pack("{s:s, s:o}", "janus", "message", "body", request), "apisecret",
                     cfg.janus_api_secret);
    json_t *data = json_object_get(json_object_get(a, "plugindata"), "data");
    json_t *out = json_is_object(data) ? json_incref(data) : NULL;
    json_decref(a);
    return out;
}

/* A plugin's answer that is an error (error_code or error set). */
static bool plugin_error(json_t *d)
{
    return !d || json_object_get(d, "error_code") || json_object_get(d, "error");
}

/* Makes plugin's room unless it exists: create is the plugin's "create"
 * request for it (taken: freed either way). */
static enum janus_result room_ensure(const char *plugin, int64_t room, json_t *create)
{
    struct janus_handle h = {0};
    enum janus_result r = attach_to(&h, plugin);
    if (r == JANUS_OK) {
        json_t *d = plugin_request(
            &h, json_pack("{s:s, s:I}", "request", "exists", "room", (json_int_t)room));
        if (!d) {
            r = JANUS_DOWN;
        } else if (!json_is_true(json_object_get(d, "exists"))) {
            json_decref(d);
            d = plugin_request(&h, json_incref(create));
            r = plugin_error(d) ? JANUS_REFUSED : JANUS_OK;
        }
        json_decref(d);
    }
    detach(&h);
    json_decref(create);
    return r;
}

/* Lets token use plugin (the Admin API's verb: "add_token" makes the token,
 * "allow_token" adds a plugin to one made already) and enter its room. */
static enum janus_result token_admit(const char *plugin, const char *verb, int64_t room,
                                     const char *secret, const char *token)
{
    if (!janus_configured())
        return JANUS_NOT_SET_UP;
    json_t *a =
        post(cfg.janus_admin_url,
             json_pack("{s:s, s:s, s:[s]}", "janus", verb, "token", token, "plugins", plugin),
             "admin_secret", cfg.janus_admin_secret);
    if (!a)
        return JANUS_DOWN;
    const char *kind = json_string_value(json_object_get(a, "janus"));
    bool ok = kind && !strcmp(kind, "success");
    json_decref(a);
    if (!ok)
        return JANUS_REFUSED;
    struct janus_handle h = {0};
    enum janus_result r = attach_to(&h, plugin);
    if (r == JANUS_OK) {
        json_t *d = plugin_request(&h, json_pack("{s:s, s:s, s:s, s:I, s:[s]}", "request",
                                                 "allowed", "secret", secret, "action", "add",
                                                 "room", (json_int_t)room, "allowed", token));
        r = !d ? JANUS_DOWN : plugin_error(d) ? JANUS_REFUSED : JANUS_OK;
        json_decref(d);
    }
    detach(&h);
    return r;
}

enum janus_result janus_room_ensure(int64_t room, const char *secret, const char *description)
{
    /* Private (not listed), token-only, 16 kHz: speech, small on a weak link;
     * who is talking sent to everyone in it. */
    return room_ensure(
        AUDIOBRIDGE, room,
        json_pack("{s:s, s:I, s:s, s:s, s:b, s:[], s:i, s:b, s:i, s:i}", "request", "create",
                  "room", (json_int_t)room, "secret", secret, "description", description,
                  "is_private", 1, "allowed", "sampling_rate", 16000, "audiolevel_event", 1,
                  "audio_active_packets", TALK_PACKETS, "audio_level_average", TALK_LEVEL));
}

enum janus_result janus_token_admit(int64_t room, const char *secret, const char *token)
{
    return token_admit(AUDIOBRIDGE, "add_token", room, secret, token);
}

/* ---- video: the VideoRoom plugin ---- */

enum janus_result janus_video_ensure(int64_t room, const char *secret, const char *description)
{
    /* Private, token-only, VP8 (every phone decodes it), the bitrate capped
     * for every publisher whatever its browser asks. */
    return room_ensure(VIDEOROOM, room,
                       json_pack("{s:s, s:I, s:s, s:s, s:b, s:[], s:i, s:i, s:b, s:s, s:i}",
                                 "request", "create", "room", (json_int_t)room, "secret", secret,
                                 "description", description, "is_private", 1, "allowed",
                                 "publishers", VIDEO_PUBLISHERS, "bitrate", VIDEO_BITRATE,
                                 "bitrate_cap", 1, "videocodec", "vp8", "fir_freq", 10));
}

enum janus_result janus_video_admit(int64_t room, const char *secret, const char *token)
{
    return token_admit(VIDEOROOM, "allow_token", room, secret, token);
}

enum janus_result janus_video_destroy(int64_t room, const char *secret)
{
    struct janus_handle h = {0};
    enum janus_result r = attach_to(&h, VIDEOROOM);
    if (r == JANUS_OK) {
        json_t *d = plugin_request(&h, json_pack("{s:s, s:I, s:s}", "request", "destroy", "room",
                                                 (json_int_t)room, "secret", secret));
        /* No such room (never made, or Janus restarted): gone all the same. */
        json_t *code = json_object_get(d, "error_code");
        r = !d ? JANUS_DOWN
            : plugin_error(d) && !(json_is_integer(code) && json_integer_value(code) == 426)
                ? JANUS_REFUSED
                : JANUS_OK;
        json_decref(d);
    }
    detach(&h);
    return r;
}

enum janus_result janus_token_remove(const char *token)
{
    if (!janus_configured())
        return JANUS_NOT_SET_UP;
    json_t *a =
        post(cfg.janus_admin_url, json_pack("{s:s, s:s}", "janus", "remove_token", "token", token),
             "admin_secret", cfg.janus_admin_secret);
    if (!a)
        return JANUS_DOWN;
    /* A token Janus no longer knows (it restarted) is removed all the same. */
    json_decref(a);
    return JANUS_OK;
}

/* A host's request about one participant: kick, mute, unmute. */
static enum janus_result participant_request(const char *request, int64_t room, const char *secret,
                                             int64_t participant)
{
    struct janus_handle h = {0};
    enum janus_result r = attach(&h);
    if (r == JANUS_OK) {
        json_t *d = plugin_request(&h, json_pack("{s:s, s:s, s:I, s:I}", "request", request,
                                                 "secret", secret, "room", (json_int_t)room, "id",
                                                 (json_int_t)participant));
        r = !d ? JANUS_DOWN : plugin_error(d) ? JANUS_REFUSED : JANUS_OK;
        json_decref(d);
    }
    detach(&h);
    return r;
}

enum janus_result janus_room_kick(int64_t room, const char *secret, int64_t participant)
{
    return participant_request("kick", room, secret, participant);
}

enum janus_result janus_room_mute(int64_t room, const char *secret, int64_t participant, bool muted)
{
    return participant_request(muted ? "mute" : "unmute", room, secret, participant);
}

enum janus_result janus_parse_participants(const char *body, size_t len, int64_t *ids, size_t max,
                                           size_t *n)
{
    *n = 0;
    json_t *d = json_loadb(body, len, 0, NULL);
    if (!json_is_object(d)) {
        json_decref(d);
        return JANUS_DOWN;
    }
    enum janus_result r = JANUS_OK;
    json_t *code = json_object_get(d, "error_code");
    json_t *list = json_object_get(d, "participants");
    if (json_is_integer(code))
        r = json_integer_value(code) == 485 ? JANUS_NO_ROOM : JANUS_REFUSED; /* no such room */
    else if (!json_is_array(list))
        r = JANUS_REFUSED;
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p)
    {
        json_t *id = json_object_get(p, "id");
        if (r != JANUS_OK || *n >= max)
            break;
        if (json_is_integer(id) && json_integer_value(id) > 0)
            ids[(*n)++] = json_integer_value(id);
    }
    json_decref(d);
    return r;
}

enum janus_result janus_room_participants(int64_t room, int64_t *ids, size_t max, size_t *n)
{
    *n = 0;
    struct janus_handle h = {0};
    enum janus_result r = attach(&h);
    if (r == JANUS_OK) {
        json_t *d = plugin_request(
            &h, json_pack("{s:s, s:I}", "request", "listparticipants", "room", (json_int_t)room));
        char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
        r = text ? janus_parse_participants(text, strlen(text), ids, max, n) : JANUS_DOWN;
        free(text);
        json_decref(d);
    }
    detach(&h);
    return r;
}

/* ---- the event handler's posts ---- */

bool janus_events_on(void)
{
    return janus_configured() && cfg.janus_events_secret[0] != '\0';
}

bool janus_events_authorized(const char *authorization)
{
    if (!janus_events_on() || !authorization)
        return false;
    char plain[sizeof(cfg.janus_events_secret) + 8];
    int len = snprintf(plain, sizeof(plain), "janus:%s", cfg.janus_events_secret);
    char want[6 + sodium_base64_ENCODED_LEN(sizeof(plain), sodium_base64_VARIANT_ORIGINAL)];
    memcpy(want, "Basic ", 6);
    sodium_bin2base64(want + 6, sizeof(want) - 6, (const unsigned char *)plain, (size_t)len,
                      sodium_base64_VARIANT_ORIGINAL);
    size_t n = strlen(want);
    return strlen(authorization) == n && mem_equal_ct(authorization, want, n);
}

/* One event of the handler's: {"type": 64, "event": {"plugin":
 * "janus.plugin.audiobridge", "data": {"event": "joined", "room": 7, "id": 9}}}. */
static bool event_parse(json_t *e, struct janus_event *out)
{
    json_t *ev = json_object_get(e, "event");
    const char *plugin = json_string_value(json_object_get(ev, "plugin"));
    json_t *data = json_object_get(ev, "data");
    if (!plugin || strcmp(plugin, AUDIOBRIDGE) || !json_is_object(data))
        return false;
    const char *what = json_string_value(json_object_get(data, "event"));
    json_t *room = json_object_get(data, "room");
    json_t *id = json_object_get(data, "id");
    if (!what || !json_is_integer(room) || !json_is_integer(id) || json_integer_value(room) <= 0 ||
        json_integer_value(id) <= 0)
        return false;
    if (!strcmp(what, "joined"))
        out->kind = JANUS_EVENT_JOINED;
    else if (!strcmp(what, "left"))
        out->kind = JANUS_EVENT_LEFT;
    else
        return false;
    out->room = json_integer_value(room);
    out->participant = json_integer_value(id);
    return true;
}

bool janus_parse_events(const char *body, size_t len, struct janus_event *ev, size_t max, size_t *n)
{
    *n = 0;
    json_t *d = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    bool ok = json_is_object(d) || json_is_array(d);
    if (json_is_object(d)) {
        if (max && event_parse(d, &ev[0]))
            *n = 1;
    } else if (ok) {
        size_t i;
        json_t *e;
        json_array_foreach(d, i, e)
        {
            if (*n >= max)
                break;
            if (!json_is_object(e)) {
                ok = false;
                *n = 0;
                break;
            }
            if (event_parse(e, &ev[*n]))
                (*n)++;
        }
    }
    json_decref(d);
    return ok;
}
