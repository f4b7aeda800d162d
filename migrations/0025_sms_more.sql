-- More of what goes out by SMS (src/mod/dues.c, src/mod/sms.c; docs/OPERATIONS.md "SMS").
--
-- The dues arrears message goes out once per arrears episode: when a member
-- is DUES_WARN_MONTHS (3) months behind and not yet lapsed, the job queues it
-- and stamps dues_sms_at (whether or not the member's choice let an SMS
-- through); the stamp is cleared once the member is less than 3 months
-- behind again, which ends the episode. The partial indexes keep the job's
-- two scans to the members it may act on.
ALTER TABLE members ADD COLUMN dues_sms_at INTEGER;
CREATE INDEX members_dues_sms_due ON members (dues_paid_through)
    WHERE dues_sms_at IS NULL AND deleted_at IS NULL;
CREATE INDEX members_dues_sms_new ON members (joined_at)
    WHERE dues_paid_through IS NULL AND dues_sms_at IS NULL AND deleted_at IS NULL;
CREATE INDEX members_dues_sms_done ON members (dues_paid_through) WHERE dues_sms_at IS NOT NULL;
