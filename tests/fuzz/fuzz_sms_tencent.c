/*
 * fuzz_sms_tencent.c - the bodies of Tencent Cloud SMS's callbacks
 * (core/sms.h): what sms_tencent_parse_reports and sms_tencent_parse_reply
 * read from arbitrary bytes must not crash; every report kept has a sid that
 * fits and an 11-digit mainland mobile, never more than max; a reply kept has
 * the same mobile rule and terminated strings.
 */
#include "app.h"
#include "core/sms.h"

static bool mobile_ok(const char *m)
{
    return strlen(m) == 11 && m[0] == '1' && strspn(m, "0123456789") == 11;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sms_tencent_report r[4];
    int n = sms_tencent_parse_reports((const char *)data, size, r, 4);
    if (n < -1 || n > 4)
        abort();
    for (int i = 0; i < n; i++)
        if (!r[i].sid[0] || strnlen(r[i].sid, sizeof(r[i].sid)) == sizeof(r[i].sid) ||
            !mobile_ok(r[i].mobile))
            abort();
    static struct sms_tencent_reply reply;
    if (sms_tencent_parse_reply((const char *)data, size, &reply) == 0) {
        if (!mobile_ok(reply.mobile) ||
            strnlen(reply.sign, sizeof(reply.sign)) == sizeof(reply.sign) ||
            strnlen(reply.text, sizeof(reply.text)) == sizeof(reply.text) || reply.time < 0)
            abort();
    }
    return 0;
}
