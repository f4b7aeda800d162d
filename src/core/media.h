/*
 * media.h - the media queue: versions of stored files for weak links (page
 * images, thumbnails, 240p video, audio only, posters) made by external tools
 * on a thread of its own (src/core/media.c). Read by src/mod/files.c.
 */
#ifndef ZHIBU_MEDIA_H
#define ZHIBU_MEDIA_H

/* The media queue (media.c): versions for weak links made by external
 * tools on a thread of its own. enqueue records a job for a source content
 * of kind (pdf, image, audio, video; office: none) in db's transaction; wake
 * tells the thread; recover (a start-up job) requeues jobs a crash cut short. */
void files_media_enqueue(struct db *db, const char *sha256, const char *kind);
void files_media_wake(void);
int files_media_recover(struct db *db);
void files_media_start(void);
void files_media_stop(void);

#endif
