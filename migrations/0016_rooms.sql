-- Audio rooms of meetings (Janus AudioBridge, src/mod/rooms.c). A meeting
-- with audio_room = 1 has a room in Janus whose number is the meeting's id;
-- members expected at it get a pass: a token Janus admits for that room and
-- a participant number of their own, by which zhibu, looking at who is in
-- the room every room_poll_s seconds, records from when to when they were
-- there.
ALTER TABLE meetings ADD COLUMN audio_room INTEGER NOT NULL DEFAULT 0;

CREATE TABLE meeting_rooms (
    meeting_id INTEGER PRIMARY KEY REFERENCES meetings (id),
    secret TEXT NOT NULL,                 -- manages the room in Janus
    created_at INTEGER NOT NULL
);

-- One pass per member and meeting. The token is what the member's browser
-- shows Janus; it is removed from Janus (and the row deleted) once it
-- expires.
CREATE TABLE room_passes (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    participant INTEGER NOT NULL UNIQUE,  -- the member's id in the room (random)
    token TEXT NOT NULL UNIQUE,
    expires_at INTEGER NOT NULL,
    hand_at INTEGER,                      -- a raised hand: when
    hand_seq INTEGER,                     -- and its place in the speaker queue (change sequence)
    created_at INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, member_id)
);
CREATE INDEX room_passes_expiry ON room_passes (expires_at);

-- Who was in the room, from when to when (left_at NULL: there now; seen_at
-- the last time the room was seen with them in it).
CREATE TABLE room_intervals (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    joined_at INTEGER NOT NULL,
    seen_at INTEGER NOT NULL,
    left_at INTEGER
);
CREATE INDEX room_intervals_meeting ON room_intervals (meeting_id, member_id, joined_at);
