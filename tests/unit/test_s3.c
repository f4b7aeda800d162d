/* test_s3.c - src/core/store_s3.c: the AWS Signature V4 signer, against AWS's
 * published examples (the Signature V4 test suite, and the S3 API reference's
 * "Examples: Signature Calculations in AWS Signature Version 4"). */
#include "app.h"
#include "core/store.h"
#include "unit.h"

#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* The test suite's credentials, region, service and time. */
#define SUITE_KEY "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_DATE "20150830T123600Z"
#define SUITE_CRED                                                                                 \
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "

/* The S3 reference's. */
#define S3_KEY "AKIAIOSFODNN7EXAMPLE"
#define S3_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define S3_DATE "20130524T000000Z"
#define S3_CRED                                                                                    \
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "

static void suite(const char *path, const char *query, const char *const *headers, size_t n,
                  const char *want)
{
    char out[512];
    struct s3_request r = {"GET", path, query, headers, n, EMPTY};
    assert_int_equal(
        s3_sign(&r, SUITE_KEY, SUITE_SECRET, "us-east-1", "service", SUITE_DATE, out, sizeof(out)),
        0);
    assert_string_equal(out, want);
}

static void test_suite_get_vanilla(void **state)
{
    (void)state;
    const char *h[] = {"host:example.amazonaws.com", ("x-amz-date:" SUITE_DATE)};
    suite("/", "", h, 2,
          SUITE_CRED "SignedHeaders=host;x-amz-date, "
                     "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

static void test_suite_query_order(void **state)
{
    (void)state;
    /* get-vanilla-query-order-key-case: ?Param2=value2&Param1=value1, sorted. */
    const char *h[] = {"host:example.amazonaws.com", ("x-amz-date:" SUITE_DATE)};
    suite("/", "Param1=value1&Param2=value2", h, 2,
          SUITE_CRED "SignedHeaders=host;x-amz-date, "
                     "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

static void s3_example(const char *method, const char *path, const char *query,
                       const char *const *headers, size_t n, const char *payload, const char *want)
{
    char out[512];
    struct s3_request r = {method, path, query, headers, n, payload};
    assert_int_equal(s3_sign(&r, S3_KEY, S3_SECRET, "us-east-1", "s3", S3_DATE, out, sizeof(out)),
                     0);
    assert_string_equal(out, want);
}

static void test_s3_get_object_range(void **state)
{
    (void)state;
    const char *h[] = {"host:examplebucket.s3.amazonaws.com", "range:bytes=0-9",
                       ("x-amz-content-sha256:" EMPTY), ("x-amz-date:" S3_DATE)};
    s3_example("GET", "/test.txt", "", h, 4, EMPTY,
               S3_CRED
               "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
               "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

static void test_s3_put_object(void **state)
{
    (void)state;
    /* "Welcome to Amazon S3." to /test$file.text (the '$' percent-encoded). */
    const char *sum = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
    const char *h[] = {
        "date:Fri, 24 May 2013 00:00:00 GMT", "host:examplebucket.s3.amazonaws.com",
        "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
        ("x-amz-date:" S3_DATE), "x-amz-storage-class:REDUCED_REDUNDANCY"};
    s3_example("PUT", "/test%24file.text", "", h, 5, sum,
               S3_CRED
               "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
               "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

static void test_s3_bucket_queries(void **state)
{
    (void)state;
    const char *h[] = {"host:examplebucket.s3.amazonaws.com", ("x-amz-content-sha256:" EMPTY),
                       ("x-amz-date:" S3_DATE)};
    /* GET Bucket lifecycle: a parameter without a value keeps its '='. */
    s3_example("GET", "/", "lifecycle=", h, 3, EMPTY,
               S3_CRED
               "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
               "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
    /* GET Bucket (list objects). */
    s3_example("GET", "/", "max-keys=2&prefix=J", h, 3, EMPTY,
               S3_CRED
               "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
               "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

static void test_value_trim_and_short_buffer(void **state)
{
    (void)state;
    /* Spaces around a value and runs inside it do not change the signature. */
    const char *plain[] = {"host:example.amazonaws.com", "my-header1:a b c",
                           ("x-amz-date:" SUITE_DATE)};
    const char *spaced[] = {"host:example.amazonaws.com", "my-header1:  a   b  c  ",
                            ("x-amz-date:" SUITE_DATE)};
    char one[512], two[512], tiny[40];
    struct s3_request r1 = {"GET", "/", "", plain, 3, EMPTY};
    struct s3_request r2 = {"GET", "/", "", spaced, 3, EMPTY};
    assert_int_equal(
        s3_sign(&r1, SUITE_KEY, SUITE_SECRET, "us-east-1", "service", SUITE_DATE, one, sizeof(one)),
        0);
    assert_int_equal(
        s3_sign(&r2, SUITE_KEY, SUITE_SECRET, "us-east-1", "service", SUITE_DATE, two, sizeof(two)),
        0);
    assert_string_equal(one, two);
    /* The secret is in no part of the header. */
    assert_null(strstr(one, SUITE_SECRET));
    assert_int_equal(s3_sign(&r1, SUITE_KEY, SUITE_SECRET, "us-east-1", "service", SUITE_DATE, tiny,
                             sizeof(tiny)),
                     -1);
}

struct seen {
    int n;
    char sha[3][STORE_HASH_HEX];
    int64_t mtime[3];
};

static bool collect(const char *sha, int64_t mtime, void *arg)
{
    struct seen *s = arg;
    snprintf(s->sha[s->n], STORE_HASH_HEX, "%s", sha);
    s->mtime[s->n++] = mtime;
    return s->n < 3;
}

static void test_parse_list(void **state)
{
    (void)state;
    static const char page[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>zhibu</Name>"
        "<IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcx/+=</NextContinuationToken>"
        "<Contents><Key>ba/78/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad</"
        "Key>"
        "<LastModified>2026-12-31T16:00:00.000Z</LastModified><Size>3</Size></Contents>"
        "<Contents><Key>notes.txt</Key><LastModified>2026-12-06T09:30:00.000Z</LastModified>"
        "</Contents><Contents><Key>ba/79/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff6"
        "1f20015ad</Key><LastModified>2026-12-06T09:30:00.000Z</LastModified></Contents>"
        "</ListBucketResult>";
    struct seen s = {0};
    char token[64];
    bool more = false;
    assert_int_equal(s3_parse_list(page, strlen(page), collect, &s, token, sizeof(token), &more),
                     0);
    /* Only the key that is a blob's place: not a stray file, not a hash filed elsewhere. */
    assert_int_equal(s.n, 1);
    assert_string_equal(s.sha[0],
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(s.mtime[0], 1798732800); /* 2026-12-31T16:00:00Z: Beijing's new year */
    assert_true(more);
    assert_string_equal(token, "1ueGcx/+=");
    /* The last page; a page cut short anywhere reads without harm. */
    static const char last[] =
        "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>";
    assert_int_equal(s3_parse_list(last, strlen(last), collect, &s, token, sizeof(token), &more),
                     0);
    assert_false(more);
    for (size_t cut = 0; cut < strlen(page); cut += 7)
        s3_parse_list(page, cut, collect, &(struct seen){0}, token, sizeof(token), &more);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suite_get_vanilla),
        cmocka_unit_test(test_suite_query_order),
        cmocka_unit_test(test_s3_get_object_range),
        cmocka_unit_test(test_s3_put_object),
        cmocka_unit_test(test_s3_bucket_queries),
        cmocka_unit_test(test_value_trim_and_short_buffer),
        cmocka_unit_test(test_parse_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
