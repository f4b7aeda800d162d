#include "app.h"
#include "core/static.h"

#include <dirent.h>
#include <sodium.h>
#include <sys/stat.h>

static struct static_file *files;
static size_t nfiles;

static const struct {
    const char *ext;
    const char *type;
} mime_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *mime_for(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < ARRAY_SIZE(mime_types); i++)
        if (!strcmp(dot, mime_types[i].ext))
            return mime_types[i].type;
    return "application/octet-stream";
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b);
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    return (unsigned char *)buf_detach(&b, len);
}

static int load_dir(const char *root, const char *rel, char *err, size_t errlen)
{
    char dirpath[1024];
    snprintf(dirpath, sizeof(dirpath), "%s%s", root, rel);
    DIR *d = opendir(dirpath);
    if (!d) {
        snprintf(err, errlen, "%s: %s", dirpath, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char relpath[1024], full[2048];
        snprintf(relpath, sizeof(relpath), "%s/%s", rel, e->d_name);
        snprintf(full, sizeof(full), "%s%s", root, relpath);
        struct stat st;
        if (stat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            rc = load_dir(root, relpath, err, errlen);
            continue;
        }
        size_t n = strlen(relpath);
        if (!S_ISREG(st.st_mode) || (n > 3 && !strcmp(relpath + n - 3, ".gz")))
            continue;
        struct static_file *f;
        files = xrealloc(files, (nfiles + 1) * sizeof(*files));
        f = &files[nfiles++];
        memset(f, 0, sizeof(*f));
        f->path = xstrdup(relpath);
        f->data = read_file(full, &f->len);
        if (!f->data) {
            snprintf(err, errlen, "%s: %s", full, strerror(errno));
            rc = -1;
            continue;
        }
        char gzpath[2100];
        snprintf(gzpath, sizeof(gzpath), "%s.gz", full);
        f->gz = read_file(gzpath, &f->gzlen);
        unsigned char h[16];
        crypto_generichash(h, sizeof(h), f->data, f->len, NULL, 0);
        f->etag[0] = '"';
        hex_encode(h, sizeof(h), f->etag + 1);
        strcat(f->etag, "\"");
        struct tm tm;
        gmtime_r(&st.st_mtime, &tm);
        strftime(f->last_modified, sizeof(f->last_modified), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        f->type = mime_for(relpath);
        f->immutable = !strncmp(relpath, "/assets/", 8);
    }
    closedir(d);
    return rc;
}

long static_init(const char *root, char *err, size_t errlen)
{
    static_release();
    if (load_dir(root, "", err, errlen) != 0)
        return -1;
    return (long)nfiles;
}

void static_release(void)
{
    for (size_t i = 0; i < nfiles; i++) {
        free(files[i].path);
        free(files[i].data);
        free(files[i].gz);
    }
    free(files);
    files = NULL;
    nfiles = 0;
}

const struct static_file *static_find(const char *path)
{
    if (!strcmp(path, "/"))
        path = "/index.html";
    for (size_t i = 0; i < nfiles; i++)
        if (!strcmp(files[i].path, path))
            return &files[i];
    return NULL;
}
