/* test_learning_quiz.c - src/mod/learning_quiz.c: checking a bank's questions and
 * marking a person's answers (learn_question_check, learn_answer_right). */
#include "app.h"
#include "mod/learning.h"
#include "unit.h"

static const char *check(const char *type, const char *answer, size_t nopts, const char **key,
                         const char **field)
{
    struct learn_question q = {.type = type, .stem = "题", .answer = answer};
    static const char *const opts[] = {"甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"};
    for (size_t i = 0; i < nopts; i++)
        q.options[q.noptions++] = opts[i];
    *key = NULL;
    return learn_question_check(&unit_arena, &q, key, field);
}

static void test_question_check(void **state)
{
    (void)state;
    const char *key, *field;
    assert_null(check("single", "b", 3, &key, &field));
    assert_string_equal(key, "B");
    assert_null(check("multiple", "C, a ,B", 4, &key, &field));
    assert_string_equal(key, "ABC");
    assert_null(check("truefalse", "对", 0, &key, &field));
    assert_string_equal(key, "true");
    assert_null(check("truefalse", "×", 0, &key, &field));
    assert_string_equal(key, "false");
    assert_null(check("fill", "服务|服务人民", 0, &key, &field));
    assert_string_equal(key, "服务|服务人民");

    /* what does not fit its type, with the field at fault */
    assert_non_null(check("single", "A", 1, &key, &field));
    assert_string_equal(field, "options");
    assert_non_null(check("single", "AB", 3, &key, &field));
    assert_string_equal(field, "answer");
    assert_non_null(check("single", "D", 3, &key, &field));
    assert_non_null(check("multiple", "A1", 3, &key, &field));
    assert_non_null(check("truefalse", "也许", 0, &key, &field));
    assert_non_null(check("truefalse", "对", 2, &key, &field));
    assert_string_equal(field, "options");
    assert_non_null(check("fill", "", 0, &key, &field));
}

static void test_answer_right(void **state)
{
    (void)state;
    struct arena *a = &unit_arena;
    assert_true(learn_answer_right(a, "single", "B", 3, "b"));
    assert_false(learn_answer_right(a, "single", "B", 3, "C"));
    assert_false(learn_answer_right(a, "single", "B", 3, ""));
    assert_false(learn_answer_right(a, "single", "B", 3, "Z"));
    assert_true(learn_answer_right(a, "multiple", "AC", 4, "CA"));
    assert_true(learn_answer_right(a, "multiple", "AC", 4, "a, c"));
    assert_false(learn_answer_right(a, "multiple", "AC", 4, "A"));
    assert_false(learn_answer_right(a, "multiple", "AC", 4, "ABC"));
    assert_true(learn_answer_right(a, "truefalse", "true", 0, "正确"));
    assert_true(learn_answer_right(a, "truefalse", "false", 0, "错"));
    assert_false(learn_answer_right(a, "truefalse", "false", 0, "对"));
    assert_true(learn_answer_right(a, "fill", "服务|服务人民", 0, " 服务人民 "));
    assert_true(learn_answer_right(a, "fill", "服务 | 服务人民", 0, "服务"));
    assert_false(learn_answer_right(a, "fill", "服务|服务人民", 0, "服"));
    assert_false(learn_answer_right(a, "fill", "服务", 0, "   "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_question_check),
        cmocka_unit_test(test_answer_right),
    };
    return cmocka_run_group_tests(tests, unit_arena_setup, unit_arena_teardown);
}
