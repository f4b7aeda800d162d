/*
 * members_rec.c - the member record as stored: its vocabularies, validation,
 * sealing of personal data, insert and update with history (and the
 * statistics counters, org_counts.c, in the same transaction). Every module
 * that writes a member (the registry, transfers, dues, development, import)
 * goes through here, so the counters and the history cannot be forgotten.
 */
#include "app.h"
#include "mod/access.h"
#include "mod/members_rec.h"
#include "mod/org_counts.h"

const char *const member_genders[] = {"male", "female", NULL};
const char *const member_categories[] = {"full", "probationary", NULL};
/* normal, retired and temporarily_out are in the party and on a roster
 * (core/roster.h); the others leave the roster (the record stays). */
const char *const member_statuses[] = {
    "normal", "retired", "temporarily_out", "transferred_out", "left", "deceased", NULL};
const char *const member_status_filters[] = {
    "active",          "all",  "normal",   "retired", "temporarily_out",
    "transferred_out", "left", "deceased", NULL};
const char *const member_added_hows[] = {"developed", "transferred_in", "other", NULL};
const char *const member_educations[] = {"研究生", "本科", "大专",   "中专", "高中",
                                         "初中",   "小学", "未上学", NULL};
const char *const member_occupations[] = {"农民",   "外出务工", "退休人员",     "个体经营",
                                          "村干部", "乡村教师", "乡村医生",     "合作社负责人",
                                          "养殖户", "企业员工", "机关事业单位", "学生",
                                          "军人",   "无业",     "其他",         NULL};
const char *const member_ethnicities[] = {
    "汉族",     "蒙古族",   "回族",       "藏族",     "维吾尔族",   "苗族",   "彝族",     "壮族",
    "布依族",   "朝鲜族",   "满族",       "侗族",     "瑶族",       "白族",   "土家族",   "哈尼族",
    "哈萨克族", "傣族",     "黎族",       "傈僳族",   "佤族",       "畲族",   "高山族",   "拉祜族",
    "水族",     "东乡族",   "纳西族",     "景颇族",   "柯尔克孜族", "土族",   "达斡尔族", "仫佬族",
    "羌族",     "布朗族",   "撒拉族",     "毛南族",   "仡佬族",     "锡伯族", "阿昌族",   "普米族",
    "塔吉克族", "怒族",     "乌孜别克族", "俄罗斯族", "鄂温克族",   "德昂族", "保安族",   "裕固族",
    "京族",     "塔塔尔族", "独龙族",     "鄂伦春族", "赫哲族",     "门巴族", "珞巴族",   "基诺族",
    NULL};
const char *const member_dues_bases[] = {"farmer",     "salary",      "retiree", "student",
                                         "unemployed", "subsistence", NULL};

bool member_enum_ok(const char *const *choices, const char *v)
{
    if (!v)
        return false;
    for (; *choices; choices++)
        if (!strcmp(*choices, v))
            return true;
    return false;
}

/* The date 18 years after birth (a 29 February birthday: 1 March). */
static void adult_date(const char *birth, char out[16])
{
    int y = 1900, m = 1, d = 1;
    date_parse(birth, &y, &m, &d);
    if (m == 2 && d == 29) {
        m = 3;
        d = 1;
    }
    snprintf(out, 16, "%04d-%02d-%02d", (y + 18) % 10000, m % 100, d % 100);
}

int64_t dues_standard_fen(const char *basis, int64_t income_fen)
{
    if (!strcmp(basis, "student") || !strcmp(basis, "unemployed") || !strcmp(basis, "subsistence"))
        return 20;
    if (!strcmp(basis, "farmer"))
        return -1; /* 20..100, chosen by the branch */
    if (income_fen <= 0)
        return 0;
    int permille;
    if (!strcmp(basis, "retiree"))
        permille = income_fen > 500000 ? 10 : 5;
    else
        permille = income_fen <= 300000    ? 5
                   : income_fen <= 500000  ? 10
                   : income_fen <= 1000000 ? 15
                                           : 20;
    int64_t fen = (income_fen * permille + 500) / 1000;
    return fen < 1 ? 1 : fen;
}

#define FIELD_FAIL(f, msg)                                                                         \
    do {                                                                                           \
        *field = (f);                                                                              \
        return (msg);                                                                              \
    } while (0)

const char *member_validate(struct member_rec *m, const char **field)
{
    char now[11], adult[16];
    date_today(now);
    if (!m->name || !*m->name)
        FIELD_FAIL("name", "the name is required");
    long nl = utf8_chars(m->name, strlen(m->name));
    if (nl < 1 || nl > 30)
        FIELD_FAIL("name", "a name has 1 to 30 characters");
    if (!member_enum_ok(member_genders, m->gender))
        FIELD_FAIL("gender", "gender is male or female");
    int y, mo, d;
    if (!m->birth_date || !date_parse(m->birth_date, &y, &mo, &d))
        FIELD_FAIL("birthDate", "the birth date is required (YYYY-MM-DD)");
    if (strcmp(m->birth_date, now) > 0)
        FIELD_FAIL("birthDate", "the birth date is in the future");
    if (m->id_number) {
        char norm[IDNUM_LEN + 1], birth[11];
        const char *why = idnum_check(m->id_number, norm, birth);
        if (why)
            FIELD_FAIL("idNumber", why);
        if (strcmp(birth, m->birth_date))
            FIELD_FAIL("idNumber", "the birth date in the ID number differs from the birth date");
        /* The 17th digit is odd for men, even for women. */
        bool odd = (norm[16] - '0') % 2 == 1;
        if (odd != !strcmp(m->gender, "male"))
            FIELD_FAIL("idNumber", "the ID number is for the other gender");
        memcpy(m->id_norm, norm, sizeof(norm));
        m->id_number = m->id_norm;
    }
    if (m->phone && !valid_phone(m->phone))
        FIELD_FAIL("phone", "a mobile number has 11 digits and starts with 13-19");
    if (m->ethnicity && !member_enum_ok(member_ethnicities, m->ethnicity))
        FIELD_FAIL("ethnicity", "not one of the 56 ethnic groups (e.g. 汉族)");
    if (m->education && !member_enum_ok(member_educations, m->education))
        FIELD_FAIL("education", "not a known education level (e.g. 初中)");
    if (!member_enum_ok(member_occupations, m->occupation))
        FIELD_FAIL("occupation", "not a known occupation (e.g. 农民, 外出务工, 其他)");
    if (m->native_place && utf8_chars(m->native_place, strlen(m->native_place)) > 60)
        FIELD_FAIL("nativePlace", "at most 60 characters");
    if (m->address && utf8_chars(m->address, strlen(m->address)) > 120)
        FIELD_FAIL("address", "at most 120 characters");
    if (!m->joined_at || !date_parse(m->joined_at, &y, &mo, &d))
        FIELD_FAIL("joinedAt", "the date of joining is required (YYYY-MM-DD)");
    adult_date(m->birth_date, adult);
    if (strcmp(m->joined_at, adult) < 0)
        FIELD_FAIL("joinedAt", "a member joins at 18 or older");
    if (strcmp(m->joined_at, now) > 0)
        FIELD_FAIL("joinedAt", "the date of joining is in the future");
    if (!member_enum_ok(member_categories, m->category))
        FIELD_FAIL("category", "category is full or probationary");
    if (!strcmp(m->category, "full")) {
        if (!m->full_at || !date_parse(m->full_at, &y, &mo, &d))
            FIELD_FAIL("fullAt", "a full member needs the date of full membership");
        if (strcmp(m->full_at, m->joined_at) <= 0)
            FIELD_FAIL("fullAt", "full membership comes after joining");
        if (strcmp(m->full_at, now) > 0)
            FIELD_FAIL("fullAt", "the date of full membership is in the future");
    } else if (m->full_at) {
        FIELD_FAIL("fullAt", "a probationary member has no date of full membership");
    }
    if (!member_enum_ok(member_statuses, m->status))
        FIELD_FAIL("status", "not a known status");
    if (!member_enum_ok(member_added_hows, m->added_how))
        FIELD_FAIL("addedHow", "addedHow is developed, transferred_in or other");
    if (m->migrant) {
        if (!m->migrant_place || !*m->migrant_place)
            FIELD_FAIL("migrantPlace", "a migrant member needs the place where they are");
        if (m->migrant_since &&
            (!date_parse(m->migrant_since, &y, &mo, &d) || strcmp(m->migrant_since, now) > 0))
            FIELD_FAIL("migrantSince", "not a past date");
    } else if (m->host_org_id) {
        FIELD_FAIL("hostOrgId", "only a migrant member has a host organisation");
    }
    if (m->lost_contact) {
        if (!m->lost_contact_since || !date_parse(m->lost_contact_since, &y, &mo, &d) ||
            strcmp(m->lost_contact_since, now) > 0)
            FIELD_FAIL("lostContactSince", "the date contact was lost is required");
    }
    if (!member_enum_ok(member_dues_bases, m->dues_basis))
        FIELD_FAIL("duesBasis", "not a known dues basis");
    if (!strcmp(m->dues_basis, "farmer") && (m->dues_fen < 20 || m->dues_fen > 100))
        FIELD_FAIL("duesFen", "farmer members pay 20 to 100 fen (0.2-1 yuan) a month");
    int64_t std = dues_standard_fen(m->dues_basis, 0);
    if (std > 0 && m->dues_fen != std)
        FIELD_FAIL("duesFen", "students, the unemployed and those on subsistence allowance "
                              "pay 20 fen a month");
    if (m->dues_fen < 1 || m->dues_fen > 10000000)
        FIELD_FAIL("duesFen", "the monthly dues are a positive amount in fen");
    return NULL;
}

/* ---- reading and writing records ---- */

#define REC_COLS(F, C)                                                                             \
    F(REC_COL_ID, "id")                                                                            \
    C(REC_COL_ORG_ID, "org_id")                                                                    \
    C(REC_COL_GROUP_ID, "group_id")                                                                \
    C(REC_COL_ORG_PATH, "org_path")                                                                \
    C(REC_COL_NAME, "name")                                                                        \
    C(REC_COL_GENDER, "gender")                                                                    \
    C(REC_COL_ETHNICITY, "ethnicity")                                                              \
    C(REC_COL_BIRTH_DATE, "birth_date")                                                            \
    C(REC_COL_NATIVE_PLACE, "native_place")                                                        \
    C(REC_COL_EDUCATION, "education")                                                              \
    C(REC_COL_OCCUPATION, "occupation")                                                            \
    C(REC_COL_JOINED_AT, "joined_at")                                                              \
    C(REC_COL_FULL_AT, "full_at")                                                                  \
    C(REC_COL_CATEGORY, "category")                                                                \
    C(REC_COL_STATUS, "status")                                                                    \
    C(REC_COL_ADDED_HOW, "added_how")                                                              \
    C(REC_COL_MIGRANT, "migrant")                                                                  \
    C(REC_COL_MIGRANT_PLACE, "migrant_place")                                                      \
    C(REC_COL_MIGRANT_SINCE, "migrant_since")                                                      \
    C(REC_COL_HOST_ORG_ID, "host_org_id")                                                          \
    C(REC_COL_LOST_CONTACT, "lost_contact")                                                        \
    C(REC_COL_LOST_CONTACT_SINCE, "lost_contact_since")                                            \
    C(REC_COL_DUES_BASIS, "dues_basis")                                                            \
    C(REC_COL_DUES_FEN, "dues_fen")                                                                \
    C(REC_COL_DUES_PAID_THROUGH, "dues_paid_through")                                              \
    C(REC_COL_ID_SEALED, "id_sealed")                                                              \
    C(REC_COL_PHONE_SEALED, "phone_sealed")                                                        \
    C(REC_COL_ADDRESS_SEALED, "address_sealed")                                                    \
    C(REC_COL_ID_MASK, "id_mask")                                                                  \
    C(REC_COL_PHONE_MASK, "phone_mask")                                                            \
    C(REC_COL_STATUS_SINCE, "status_since")                                                        \
    C(REC_COL_SEQ, "seq")                                                                          \
    C(REC_COL_UPDATED_AT, "updated_at")
enum rec_col { DB_COLUMN_ENUM(REC_COLS) };
#define REC_COLUMNS DB_COLUMNS(REC_COLS)

static const char *col(struct arena *a, struct db_stmt *st, int i)
{
    return db_isnull(st, i) ? NULL : arena_strdup(a, db_text(st, i));
}

static const char *open_col(struct arena *a, struct db_stmt *st, int i, const char *domain)
{
    size_t n;
    const unsigned char *b = db_blob(st, i, &n);
    return b && n ? pdata_open(a, domain, b, n) : NULL;
}

bool member_load(struct db *db, struct arena *a, int64_t id, struct member_rec *m, bool personal)
{
    memset(m, 0, sizeof(*m));
    struct db_stmt *st = db_query(
        db, "SELECT " REC_COLUMNS " FROM members WHERE id = ? AND deleted_at IS NULL", "i", id);
    bool found = db_next(st);
    if (found) {
        m->id = db_int(st, REC_COL_ID);
        m->org_id = db_int(st, REC_COL_ORG_ID);
        m->group_id = db_int(st, REC_COL_GROUP_ID);
        m->org_path = col(a, st, REC_COL_ORG_PATH);
        m->name = col(a, st, REC_COL_NAME);
        m->gender = col(a, st, REC_COL_GENDER);
        m->ethnicity = col(a, st, REC_COL_ETHNICITY);
        m->birth_date = col(a, st, REC_COL_BIRTH_DATE);
        m->native_place = col(a, st, REC_COL_NATIVE_PLACE);
        m->education = col(a, st, REC_COL_EDUCATION);
        m->occupation = col(a, st, REC_COL_OCCUPATION);
        m->joined_at = col(a, st, REC_COL_JOINED_AT);
        m->full_at = col(a, st, REC_COL_FULL_AT);
        m->category = col(a, st, REC_COL_CATEGORY);
        m->status = col(a, st, REC_COL_STATUS);
        m->added_how = col(a, st, REC_COL_ADDED_HOW);
        m->migrant = db_int(st, REC_COL_MIGRANT) != 0;
        m->migrant_place = col(a, st, REC_COL_MIGRANT_PLACE);
        m->migrant_since = col(a, st, REC_COL_MIGRANT_SINCE);
        m->host_org_id = db_int(st, REC_COL_HOST_ORG_ID);
        m->lost_contact = db_int(st, REC_COL_LOST_CONTACT) != 0;
        m->lost_contact_since = col(a, st, REC_COL_LOST_CONTACT_SINCE);
        m->dues_basis = col(a, st, REC_COL_DUES_BASIS);
        m->dues_fen = db_int(st, REC_COL_DUES_FEN);
        m->dues_paid_through = col(a, st, REC_COL_DUES_PAID_THROUGH);
        if (personal) {
            m->id_number = open_col(a, st, REC_COL_ID_SEALED, "member.id");
            m->phone = open_col(a, st, REC_COL_PHONE_SEALED, "member.phone");
            m->address = open_col(a, st, REC_COL_ADDRESS_SEALED, "member.address");
        }
        m->id_mask = col(a, st, REC_COL_ID_MASK);
        m->phone_mask = col(a, st, REC_COL_PHONE_MASK);
        m->status_since = col(a, st, REC_COL_STATUS_SINCE);
        m->seq = db_int(st, REC_COL_SEQ);
        m->updated_at = db_int(st, REC_COL_UPDATED_AT);
    }
    db_done(st);
    return found;
}

/* Binds a sealed value or NULL. */
struct sealed {
    unsigned char *blob;
    size_t len;
    unsigned char hash[PDATA_HASH_BYTES];
    bool has;
};

static void seal(struct arena *a, const char *domain, const char *v, struct sealed *s)
{
    memset(s, 0, sizeof(*s));
    if (!v || !*v)
        return;
    s->blob = pdata_seal(a, domain, v, &s->len);
    pdata_hash(domain, v, s->hash);
    s->has = true;
}

int64_t member_find_by_id_number(struct db *db, const char *id_number, int64_t except)
{
    return member_id_holder(db, NULL, id_number, except, NULL);
}

int64_t member_id_holder(struct db *db, struct arena *a, const char *id_number, int64_t except,
                         const char **path)
{
    unsigned char h[PDATA_HASH_BYTES];
    pdata_hash("member.id", id_number, h);
    int64_t found = 0;
    struct db_stmt *st = db_query(db,
                                  "SELECT id, org_path FROM members WHERE id_hash = ? AND "
                                  "deleted_at IS NULL AND id <> ?",
                                  "bi", h, sizeof(h), except);
    if (db_next(st)) {
        found = db_int(st, 0);
        if (path)
            *path = arena_strdup(a, db_text(st, 1));
    }
    db_done(st);
    return found;
}

bool member_id_in_reach(const struct principal *who, int64_t holder, const char *path)
{
    return !who || (holder && who->member_id == holder) ||
           principal_can(who, PERM_PDATA_REVEAL, path);
}

/* Writes every column of m: the personal fields only when write_personal. */
static void member_store(struct db *db, struct arena *a, struct member_rec *m, bool write_personal,
                         int64_t ts)
{
    int64_t seq = db_next_seq(db);
    struct sealed id = {0}, phone = {0}, addr = {0};
    if (write_personal || !m->id) {
        seal(a, "member.id", m->id_number, &id);
        seal(a, "member.phone", m->phone, &phone);
        seal(a, "member.address", m->address, &addr);
        m->id_mask = m->id_number ? idnum_mask(a, m->id_number) : NULL;
        m->phone_mask = m->phone ? pdata_mask_phone(a, m->phone) : NULL;
    }
    if (!m->id) {
        /* One statement for a new record (bulk imports run through here). */
        db_exec(db,
                "INSERT INTO members (org_id, group_id, org_path, name, gender, ethnicity, "
                "birth_date, native_place, education, occupation, joined_at, full_at, category, "
                "status, added_how, migrant, migrant_place, migrant_since, host_org_id, "
                "lost_contact, lost_contact_since, dues_basis, dues_fen, dues_paid_through, "
                "status_since, id_hash, id_sealed, id_mask, phone_hash, phone_sealed, phone_mask, "
                "address_sealed, created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "iIsssssssssssssissIississbbsbbsbiii", m->org_id, m->group_id, m->org_path, m->name,
                m->gender, m->ethnicity, m->birth_date, m->native_place, m->education,
                m->occupation, m->joined_at, m->full_at, m->category, m->status, m->added_how,
                (int64_t)m->migrant, m->migrant ? m->migrant_place : NULL,
                m->migrant ? m->migrant_since : NULL, m->migrant ? m->host_org_id : 0,
                (int64_t)m->lost_contact, m->lost_contact ? m->lost_contact_since : NULL,
                m->dues_basis, m->dues_fen, m->dues_paid_through, m->status_since,
                id.has ? id.hash : NULL, id.has ? sizeof(id.hash) : 0, id.blob, id.len, m->id_mask,
                phone.has ? phone.hash : NULL, phone.has ? sizeof(phone.hash) : 0, phone.blob,
                phone.len, m->phone_mask, addr.blob, addr.len, ts, ts, seq);
        m->id = db_last_id(db);
        m->seq = seq;
        m->updated_at = ts;
        return;
    }
    db_exec(db,
            "UPDATE members SET org_id = ?, group_id = ?, org_path = ?, name = ?, gender = ?, "
            "ethnicity = ?, birth_date = ?, native_place = ?, education = ?, occupation = ?, "
            "joined_at = ?, full_at = ?, category = ?, status = ?, added_how = ?, migrant = ?, "
            "migrant_place = ?, migrant_since = ?, host_org_id = ?, lost_contact = ?, "
            "lost_contact_since = ?, dues_basis = ?, dues_fen = ?, dues_paid_through = ?, "
            "status_since = ?, updated_at = ?, seq = ? WHERE id = ?",
            "iIsssssssssssssissIississiii", m->org_id, m->group_id, m->org_path, m->name, m->gender,
            m->ethnicity, m->birth_date, m->native_place, m->education, m->occupation, m->joined_at,
            m->full_at, m->category, m->status, m->added_how, (int64_t)m->migrant,
            m->migrant ? m->migrant_place : NULL, m->migrant ? m->migrant_since : NULL,
            m->migrant ? m->host_org_id : 0, (int64_t)m->lost_contact,
            m->lost_contact ? m->lost_contact_since : NULL, m->dues_basis, m->dues_fen,
            m->dues_paid_through, m->status_since, ts, seq, m->id);
    m->seq = seq;
    m->updated_at = ts;
    if (!write_personal)
        return;
    db_exec(db,
            "UPDATE members SET id_hash = ?, id_sealed = ?, id_mask = ?, phone_hash = ?, "
            "phone_sealed = ?, phone_mask = ?, address_sealed = ? WHERE id = ?",
            "bbsbbsbi", id.has ? id.hash : NULL, id.has ? sizeof(id.hash) : 0, id.blob, id.len,
            m->id_mask, phone.has ? phone.hash : NULL, phone.has ? sizeof(phone.hash) : 0,
            phone.blob, phone.len, m->phone_mask, addr.blob, addr.len, m->id);
}

void member_history_add(struct db *db, struct arena *a, int64_t member_id, int64_t actor,
                        const char *kind, int64_t org_id, const char *detail_json, const char *note)
{
    size_t len = 0;
    unsigned char *sealed = note && *note ? pdata_seal(a, "member.note", note, &len) : NULL;
    db_exec(db,
            "INSERT INTO member_history (member_id, at, actor_id, kind, org_id, detail, "
            "note_sealed) VALUES (?, ?, ?, ?, ?, ?, ?)",
            "iiIsIsb", member_id, now_sec(), actor, kind, org_id, detail_json, sealed, len);
}

int64_t member_insert_ex(struct db *db, struct arena *a, struct member_rec *m, int64_t actor,
                         const char *how, bool counters)
{
    m->id = 0;
    member_store(db, a, m, true, now_sec());
    if (counters) {
        org_counts_member(db, m, +1);
        char month[8];
        snprintf(month, sizeof(month), "%.7s", m->joined_at);
        org_counts_add(db, m->org_path, "joined", month, 1);
    }
    member_history_add(db, a, m->id, actor, how, m->org_id, NULL, NULL);
    /* Its account, not usable until activated; a bulk load leaves them to the
     * member_accounts job (access.c), as it leaves the counters to a recount. */
    if (counters)
        access_member_sync(db, a, m, NULL);
    return db_failed(db) ? 0 : m->id;
}

int64_t member_insert(struct db *db, struct arena *a, struct member_rec *m, int64_t actor,
                      const char *how)
{
    return member_insert_ex(db, a, m, actor, how, true);
}

/* Whether two optional strings differ. */
static bool differs(const char *x, const char *y)
{
    if (!x || !y)
        return x != y;
    return strcmp(x, y) != 0;
}

const char *member_changed_fields(struct arena *a, const struct member_rec *o,
                                  const struct member_rec *m)
{
    struct buf b;
    buf_init_arena(&b, a);
#define CH(cond, name)                                                                             \
    if (cond) {                                                                                    \
        if (b.len)                                                                                 \
            buf_addch(&b, ',');                                                                    \
        buf_addstr(&b, name);                                                                      \
    }
    CH(differs(o->name, m->name), "name");
    CH(differs(o->gender, m->gender), "gender");
    CH(differs(o->ethnicity, m->ethnicity), "ethnicity");
    CH(differs(o->birth_date, m->birth_date), "birthDate");
    CH(differs(o->id_number, m->id_number), "idNumber");
    CH(differs(o->native_place, m->native_place), "nativePlace");
    CH(differs(o->education, m->education), "education");
    CH(differs(o->occupation, m->occupation), "occupation");
    CH(differs(o->phone, m->phone), "phone");
    CH(differs(o->address, m->address), "address");
    CH(differs(o->joined_at, m->joined_at), "joinedAt");
    CH(differs(o->full_at, m->full_at), "fullAt");
    CH(differs(o->category, m->category), "category");
    CH(differs(o->status, m->status), "status");
    CH(differs(o->added_how, m->added_how), "addedHow");
    CH(o->group_id != m->group_id, "groupId");
    CH(o->org_id != m->org_id, "orgId");
    CH(o->migrant != m->migrant || differs(o->migrant_place, m->migrant_place) ||
           differs(o->migrant_since, m->migrant_since) || o->host_org_id != m->host_org_id,
       "migrant");
    CH(o->lost_contact != m->lost_contact || differs(o->lost_contact_since, m->lost_contact_since),
       "lostContact");
    CH(differs(o->dues_basis, m->dues_basis) || o->dues_fen != m->dues_fen, "dues");
    CH(differs(o->dues_paid_through, m->dues_paid_through), "duesPaidThrough");
#undef CH
    return b.len ? b.data : NULL;
}

int member_update(struct db *db, struct arena *a, const struct member_rec *old,
                  struct member_rec *m, int64_t actor, const char *kind, const char *reason)
{
    const char *fields = member_changed_fields(a, old, m);
    if (!fields)
        return 0;
    bool personal = differs(old->id_number, m->id_number) || differs(old->phone, m->phone) ||
                    differs(old->address, m->address);
    org_counts_member(db, old, -1);
    member_store(db, a, m, personal, now_sec());
    org_counts_member(db, m, +1);
    /* Joins are counted in the month of joining at the member's branch. */
    if (differs(old->joined_at, m->joined_at) || differs(old->org_path, m->org_path)) {
        char from[8], to[8];
        snprintf(from, sizeof(from), "%.7s", old->joined_at);
        snprintf(to, sizeof(to), "%.7s", m->joined_at);
        org_counts_add(db, old->org_path, "joined", from, -1);
        org_counts_add(db, m->org_path, "joined", to, 1);
    }
    struct buf b;
    struct jw j;
    buf_init_arena(&b, a);
    jw_init(&j, &b);
    jw_obj_begin(&j);
    jw_kv_str(&j, "fields", fields);
    if (differs(old->status, m->status)) {
        jw_kv_str(&j, "from", old->status);
        jw_kv_str(&j, "to", m->status);
    }
    jw_obj_end(&j);
    member_history_add(db, a, m->id, actor, kind, m->org_id, b.data, reason);
    access_member_sync(db, a, m, old); /* the account follows name, phone, branch, status */
    return db_failed(db);
}

int member_records_seal_legacy(struct db *db)
{
    struct arena a;
    arena_init(&a);
    int n = 0;
    struct db_stmt *st = db_query(db,
                                  "SELECT id, title, issuer FROM member_records WHERE "
                                  "title_sealed IS NULL",
                                  "");
    while (db_next(st)) {
        size_t tlen, ilen = 0;
        unsigned char *title = pdata_seal(&a, "member.note", db_text(st, 1), &tlen);
        unsigned char *issuer =
            db_isnull(st, 2) ? NULL : pdata_seal(&a, "member.note", db_text(st, 2), &ilen);
        db_exec(db,
                "UPDATE member_records SET title = '', issuer = NULL, title_sealed = ?, "
                "issuer_sealed = ? WHERE id = ?",
                "bbi", title, tlen, issuer, ilen, db_int(st, 0));
        n++;
    }
    db_done(st);
    arena_release(&a);
    return db_failed(db) ? -1 : n;
}
