-- Video in a meeting's room (src/mod/rooms.c): the host turns it on; Janus's
-- VideoRoom plugin then has a room of the same number beside the AudioBridge
-- room, and each member chooses to send and see video or to stay audio-only.
ALTER TABLE meeting_rooms ADD COLUMN video INTEGER NOT NULL DEFAULT 0;
