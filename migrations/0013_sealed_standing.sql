-- Text that reveals a member's or an applicant's political standing is sealed
-- like the other personal data (XChaCha20-Poly1305, key in DATA/secret.key):
-- the title and issuer of a sub-record (a penalty's "严重警告处分" and the
-- discipline commission that gave it), why an applicant's development ended
-- (a failed political review), and the notes on each development step. New
-- rows keep title = '' and the other plain columns NULL; rows written before
-- this migration are sealed by the server when it starts. What stays in clear,
-- and why, is in docs/SECURITY.md.
ALTER TABLE member_records ADD COLUMN title_sealed BLOB;
ALTER TABLE member_records ADD COLUMN issuer_sealed BLOB;
ALTER TABLE applicants ADD COLUMN end_reason_sealed BLOB;
ALTER TABLE applicant_steps ADD COLUMN note_sealed BLOB;
