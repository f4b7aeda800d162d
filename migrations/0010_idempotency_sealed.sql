-- Stored answers of writes sent with an Idempotency-Key are sealed like every
-- other personal data (a correction's answer holds the proposed ID number):
-- body_sealed holds the answer (XChaCha20-Poly1305, domain "idempotency.body");
-- body stays '' for new rows. Rows written before this migration are sealed by
-- the server when it starts (idem_seal_legacy) and expire after 60 days anyway.
ALTER TABLE idempotency ADD COLUMN body_sealed BLOB;
