-- The access figures of GET /orgs/{id}/access kept as counters (src/mod/access.c,
-- src/mod/org_counts.c) instead of computed per request from every action table.
--
-- accounts.last_action_at: the account's last real action (a notice read or
-- acknowledged, a post seen, a message written, a meeting checked in to),
-- moved forward by those writes (access_acted). On org_counts, for the members
-- on a roster, on their branch and every ancestor:
--   dim 'access', keys 'accounts' (not disabled), 'activated', 'acted'
--   (activated and acted at least once);
--   dim 'acted_day', key the Beijing day (YYYY-MM-DD) of the last action of
--   each activated account that acted: active in the last 30/90 days is a sum
--   over the last 30/90 day keys, however time moves.
-- Backfilled here; `zhibu org recount` recomputes both from the action tables.
ALTER TABLE accounts ADD COLUMN last_action_at INTEGER;

UPDATE accounts SET last_action_at = NULLIF(max(
    COALESCE((SELECT MAX(COALESCE(k.ack_at, k.read_at)) FROM notice_marks k
              WHERE k.account_id = accounts.id), 0),
    COALESCE((SELECT MAX(ps.seen_at) FROM post_seen ps WHERE ps.account_id = accounts.id), 0),
    COALESCE((SELECT MAX(tm.created_at) FROM thread_messages tm
              WHERE tm.author_id = accounts.id), 0),
    COALESCE((SELECT MAX(ma.at) FROM meeting_attendance ma
              WHERE ma.member_id = accounts.member_id AND ma.source IN ('checkin', 'remote')), 0)), 0)
WHERE member_id IS NOT NULL;

WITH RECURSIVE one (org_path, activated, acted) AS (
    SELECT m.org_path, a.activated_at IS NOT NULL,
           CASE WHEN a.activated_at IS NOT NULL AND a.last_action_at IS NOT NULL
                THEN date(a.last_action_at + 8 * 3600, 'unixepoch') END
    FROM members m JOIN accounts a ON a.member_id = m.id AND a.disabled_at IS NULL
    WHERE m.deleted_at IS NULL AND m.status IN ('normal', 'retired', 'temporarily_out')
      AND m.org_path <> ''
), split (rest, org_id, activated, acted) AS (
    SELECT substr(org_path, 2), NULL, activated, acted FROM one
    UNION ALL
    SELECT substr(rest, instr(rest, '/') + 1), CAST(substr(rest, 1, instr(rest, '/') - 1) AS INTEGER),
           activated, acted
    FROM split WHERE instr(rest, '/') > 0
), figures (org_id, dim, key, n) AS (
    SELECT org_id, 'access', 'accounts', COUNT(*) FROM split WHERE org_id IS NOT NULL GROUP BY 1
    UNION ALL
    SELECT org_id, 'access', 'activated', SUM(activated) FROM split WHERE org_id IS NOT NULL
    GROUP BY 1
    UNION ALL
    SELECT org_id, 'access', 'acted', COUNT(acted) FROM split WHERE org_id IS NOT NULL GROUP BY 1
    UNION ALL
    SELECT org_id, 'acted_day', acted, COUNT(*) FROM split
    WHERE org_id IS NOT NULL AND acted IS NOT NULL GROUP BY 1, 3
)
INSERT INTO org_counts (org_id, dim, key, n) SELECT org_id, dim, key, n FROM figures WHERE n <> 0;

-- Replies de-duplicated (src/mod/sms.c): a gateway that delivers the same
-- incoming SMS again (smsbox retrying its get-url after a timeout, Tencent
-- retrying its reply callback) must not open a second thread nor acknowledge
-- twice. dedupe is a keyed hash of the gateway's message id when it gives one
-- (Kannel's %I), else of the phone, the text and the gateway's time of the
-- message (Kannel's %T, Tencent's time); a reply with the dedupe of one
-- received within the window is answered and dropped. gateway_ref keeps the
-- gateway's message id as given (an opaque id, nothing personal) for tracing.
ALTER TABLE sms_inbox ADD COLUMN dedupe BLOB;
ALTER TABLE sms_inbox ADD COLUMN gateway_ref TEXT;
CREATE INDEX sms_inbox_dedupe ON sms_inbox (dedupe, received_at) WHERE dedupe IS NOT NULL;
