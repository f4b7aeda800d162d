-- Failed sign-ins are counted, not listed: a window (one hour, per phone or
-- trusted device) lists its first failure in the audit log when the phone
-- has an account, and when the window ends housekeeping writes one row with
-- what it counted (failures, and answers refused as throttled); windows of
-- numbers without an account end as one row for all of them.
ALTER TABLE login_failures ADD COLUMN throttled INTEGER NOT NULL DEFAULT 0;
