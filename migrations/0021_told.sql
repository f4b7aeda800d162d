-- Issue 15's last two items: announcements told in person (当面传达) and
-- voice messages in the two-way channel.

-- A secretary told a member a notice in person (members without a phone or
-- an account): keyed by member, as notice_marks is keyed by account. The read
-- report counts a member told in person apart from those who read it in the
-- app; one who also read it in the app counts once, as read in the app. Undone
-- (the row deleted, audited) only by the one who recorded it, within a day.
CREATE TABLE notice_told (
    notice_id INTEGER NOT NULL REFERENCES notices (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    told_by INTEGER NOT NULL REFERENCES accounts (id),
    told_at INTEGER NOT NULL,
    PRIMARY KEY (notice_id, member_id)
) WITHOUT ROWID;

-- A voice message: a stored audio file of the message's author (files), with
-- its length in seconds as the recorder measured it (1-60; shown before
-- playing, the container of a phone's recording often states none). The text
-- of a voice message may be empty.
ALTER TABLE thread_messages ADD COLUMN voice_file_id INTEGER REFERENCES files (id);
ALTER TABLE thread_messages ADD COLUMN voice_secs INTEGER;
