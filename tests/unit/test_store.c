/* test_store.c - src/core/store.c: the local backend of the file store. */
#include "app.h"
#include "core/store.h"
#include "unit.h"

#include <fcntl.h>

static const char sha_abc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

static char *write_file(const char *dir, const char *name, const char *text)
{
    char *p = unit_path(dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static void test_hash_ok(void **state)
{
    (void)state;
    assert_true(store_hash_ok(sha_abc));
    assert_false(store_hash_ok("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
    assert_false(store_hash_ok("../../../../etc/passwd"));
    assert_false(store_hash_ok(""));
    assert_false(store_hash_ok(NULL));
    char longer[70];
    snprintf(longer, sizeof(longer), "%s0", sha_abc);
    assert_false(store_hash_ok(longer));
}

static void test_hash_fd(void **state)
{
    (void)state;
    char *dir = unit_tmpdir();
    char *p = write_file(dir, "f", "abc");
    int fd = open(p, O_RDONLY);
    char hex[STORE_HASH_HEX];
    assert_int_equal(store_hash_fd(fd, 3, hex), 0);
    assert_string_equal(hex, sha_abc);
    /* Asking for more than the file holds is an error, not a short hash. */
    assert_int_equal(store_hash_fd(fd, 4, hex), -1);
    close(fd);
    free(p);
    unit_rmdir(dir);
}

static int64_t blob_count;
static bool count_blob(const char *sha, int64_t mtime, void *arg)
{
    (void)mtime;
    assert_true(store_hash_ok(sha));
    assert_string_equal(sha, (const char *)arg);
    blob_count++;
    return true;
}

static void test_local_put_open_remove(void **state)
{
    (void)state;
    char *dir = unit_tmpdir();
    char *root = unit_path(dir, "files");
    struct store s;
    assert_int_equal(store_init_local(&s, root), 0);

    char *a = write_file(dir, "a", "abc");
    bool dup = true;
    assert_int_equal(store_put_path(&s, a, sha_abc, &dup), 0);
    assert_false(dup);
    assert_int_equal(access(a, F_OK), -1); /* consumed */
    char *blob =
        unit_path(root, "ba/78/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(access(blob, F_OK), 0);

    /* The same bytes again: one blob, the new copy dropped. */
    char *b = write_file(dir, "b", "abc");
    assert_int_equal(store_put_path(&s, b, sha_abc, &dup), 0);
    assert_true(dup);
    assert_int_equal(access(b, F_OK), -1);

    int64_t size = 0;
    int fd = store_open(&s, sha_abc, &size);
    assert_true(fd >= 0);
    assert_int_equal(size, 3);
    char buf[4] = {0};
    assert_int_equal(read(fd, buf, 3), 3);
    assert_string_equal(buf, "abc");
    close(fd);
    assert_int_equal(store_stat(&s, sha_abc, &size), 0);
    /* A range: the local blob itself, its bytes at their own offsets. */
    size = 0;
    fd = store_open_range(&s, sha_abc, 1, 1, &size);
    assert_true(fd >= 0);
    assert_int_equal(size, 3);
    assert_int_equal(pread(fd, buf, 1, 1), 1);
    assert_int_equal(buf[0], 'b');
    close(fd);
    /* A tool's path to it: the blob itself, whatever scratch directory is offered. */
    char path[700];
    assert_int_equal(store_local_path(&s, sha_abc, dir, path, sizeof(path)), 0);
    assert_string_equal(path, blob);

    blob_count = 0;
    assert_int_equal(s.ops->each(&s, count_blob, (void *)sha_abc), 0);
    assert_int_equal(blob_count, 1);

    /* Names that are not hashes never reach the file system. */
    assert_int_equal(store_open(&s, "../../x", &size), -1);
    assert_int_equal(errno, EINVAL);

    assert_int_equal(store_remove(&s, sha_abc), 0);
    assert_int_equal(store_remove(&s, sha_abc), 0); /* gone already: fine */
    assert_int_equal(store_open(&s, sha_abc, &size), -1);
    assert_int_equal(errno, ENOENT);

    char partial[700];
    store_partial_path(&s, 42, partial, sizeof(partial));
    assert_non_null(strstr(partial, "/partial/42"));
    free(a);
    free(b);
    free(blob);
    free(root);
    unit_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_ok),
        cmocka_unit_test(test_hash_fd),
        cmocka_unit_test(test_local_put_open_remove),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
