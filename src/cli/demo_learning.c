/*
 * demo_learning.c - the demo county's learning (mod/learning.c,
 * mod/learning_quiz.c): short lessons of every kind and a course for
 * members, a question bank with a practice quiz, a self-test and this
 * month's exam, and the staff training track, whose first course is
 * zhibu's own user guide in Chinese, with completion recorded for the staff
 * who took it. Rows are inserted as the handlers insert them, dated by whole
 * Beijing days back from today.
 */
#include "app.h"
#include "cli/demo_history.h"

enum { COUNTY_ADMIN, AUDITOR, TOWNSHIP_ADMIN, SECRETARY, SECRETARY2, MEMBER, MIGRANT };

static int64_t days_ago(int64_t days, int hh)
{
    int64_t t = beijing_day_start(day_today() - days) + hh * 3600;
    return t < now_sec() ? t : now_sec();
}

static int64_t lesson_add(struct db *db, const struct demo_cast *c, int64_t org, const char *path,
                          const char *kind, const char *track, const char *title, const char *body,
                          int64_t minutes, const char *level, const char *topics, int64_t t)
{
    db_exec(db,
            "INSERT INTO lessons (org_id, org_path, kind, track, title, body, minutes, level, "
            "topics, author_id, published_at, created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "isssssissiiiii", org, path, kind, track, title, body, minutes, level, topics,
            c->account[COUNTY_ADMIN], t, t, t, db_next_seq(db));
    return db_last_id(db);
}

static int64_t course_add(struct db *db, const struct demo_cast *c, const char *track,
                          const char *title, const char *summary, const int64_t *lessons, size_t n,
                          int64_t t)
{
    db_exec(db,
            "INSERT INTO courses (org_id, org_path, track, title, summary, level, author_id, "
            "published_at, created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, 'intro', ?, ?, ?, "
            "?, ?)",
            "issssiiiii", c->county, c->county_path, track, title, summary,
            c->account[COUNTY_ADMIN], t, t, t, db_next_seq(db));
    int64_t id = db_last_id(db);
    for (size_t i = 0; i < n; i++)
        db_exec(db, "INSERT INTO course_lessons (course_id, position, lesson_id) VALUES (?, ?, ?)",
                "iii", id, (int64_t)i + 1, lessons[i]);
    return id;
}

static void progress(struct db *db, const struct demo_cast *c, int who, int64_t lesson,
                     int64_t position, bool finished, int64_t t)
{
    db_exec(db,
            "INSERT INTO lesson_progress (account_id, lesson_id, member_id, position, opened_at, "
            "finished_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            "iiIiiIii", c->account[who], lesson, c->member[who], position, t, finished ? t : 0, t,
            db_next_seq(db));
}

/* The user guide: what a secretary and content staff do with zhibu. */
static const struct guide_page {
    const char *title, *text;
    int minutes;
} guide[] = {
    {"第一课：登录、首页与大字模式",
     "用手机号和密码登录。首页最上面是要你处理的事：待确认的通知、快到期的会议、群众的留言。\n"
     "字太小？在“我的”里打开大字模式，所有页面的字和按钮都会变大。\n"
     "在自己的手机上登录一次就会一直保持登录；换手机时记得退出。\n"
     "![首页：要处理的事在最上面](/guide/1-home.png)",
     3},
    {"第二课：发布通知，看谁读了谁确认了",
     "在“通知”里点“发布”，写清标题和正文，选择发给全体党员、某些角色或指定的人。\n"
     "需要确认的通知可以设截止日期，过了截止日期系统会提醒还没确认的人。\n"
     "在通知的“回执”里按支部查看已读和已确认的人数，没有手机的党员可以当面传达后由书记登记。\n"
     "![发布通知](/guide/2-notice-new.png)",
     4},
    {"第三课：组织会议、签到和记录",
     "三会一课在“组织生活”里安排：选类型、时间、地点或线上链接。\n"
     "开会前20分钟到开会后20分钟可以签到；请假在开会前20分钟截止。\n"
     "会后写好会议记录再关闭会议；关闭后记录锁定，只能追加说明。没有网络时也能记录，联网后自动上传"
     "。\n"
     "![安排一次会议](/guide/3-meeting-new.png)",
     4},
    {"第四课：学习内容、题库和纸质答卷",
     "在“学习”里发布短文、音频课、图文故事，写明时长和难度，让党员自己选择。\n"
     "题库可以用Excel导入：第一行写 "
     "题型、题干、选项A、选项B……、答案、解析；有错的行会逐行列出，一行都不会导入。\n"
     "考试可以打印成纸质试卷，党员在村部作答后，由书记在“录入纸质答卷”里录入，系统只计一次。\n"
     "![学习管理：审核、导入题库、出题](/guide/4-learn-org.png)",
     5},
    {"第五课：用手机录一节3分钟的音频课",
     "找一个安静的房间，手机离嘴一拃远，先写好要讲的三点。\n"
     "开头一句说清楚讲什么，中间每点举一个本村的例子，最后一句说清楚要大家记住什么。\n"
     "录好后在“学习”里发布为音频课，并把讲稿贴在正文里，方便不方便听的人阅读。\n"
     "![学习：党员自己选择要学的课](/guide/5-learn.png)",
     3},
    {"第六课：看懂统计，不排名次",
     "学习统计只看每个支部有多少人参加、多少人学完，哪些课大家学完了、哪些课学到一半就放下了。\n"
     "系统不给个人排名、不算积分、不统计学习时长：学习是党员自己的选择，统计用来改进内容。\n"
     "![学习统计：只有人数，没有排名](/guide/6-figures.png)",
     3},
};

/* The question bank of the demo and its quizzes. */
static void demo_quizzes(struct db *db, const struct demo_cast *c, int64_t t)
{
    static const struct {
        const char *type, *stem, *options, *answer, *explanation;
    } qs[] = {
        {"single", "农民党员每月交纳党费多少？", "[\"0.2元到1元\",\"5元\",\"工资的1%\"]", "A",
         "农民党员每月交纳0.2元到1元。"},
        {"multiple", "“三会一课”中的“三会”是哪三个会？",
         "[\"支部党员大会\",\"支部委员会\",\"党小组会\",\"村民代表大会\"]", "ABC",
         "三会是支部党员大会、支部委员会和党小组会，一课是党课。"},
        {"truefalse", "预备党员的预备期为一年。", "[]", "true", "党章规定预备期为一年。"},
        {"truefalse", "党员可以不参加党的组织生活。", "[]", "false",
         "参加党的组织生活是党员的义务。"},
        {"fill", "党的根本宗旨是全心全意为人民____。", "[]", "服务",
         "全心全意为人民服务是党的根本宗旨。"},
        {"single", "支部委员会多长时间召开一次？", "[\"每月\",\"每季度\",\"每年\"]", "A",
         "支委会一般每月召开一次。"},
    };
    db_exec(db,
            "INSERT INTO question_banks (org_id, org_path, title, author_id, created_at, "
            "updated_at, seq) VALUES (?, ?, '党章党规基础题库', ?, ?, ?, ?)",
            "isiiii", c->county, c->county_path, c->account[COUNTY_ADMIN], t, t, db_next_seq(db));
    int64_t bank = db_last_id(db);
    for (size_t i = 0; i < ARRAY_SIZE(qs); i++)
        db_exec(db,
                "INSERT INTO questions (bank_id, position, type, stem, options, answer, "
                "explanation, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                "iisssssi", bank, (int64_t)i + 1, qs[i].type, qs[i].stem, qs[i].options,
                qs[i].answer, qs[i].explanation, t);
    static const struct {
        const char *mode, *title;
        int64_t limit;
        bool township;
    } quizzes[] = {
        {"practice", "党章党规随手练", 0, false},
        {"selftest", "党员基本知识自测", 0, false},
        {"exam", "本月党章党规知识测试", 20 * 60, true},
    };
    for (size_t i = 0; i < ARRAY_SIZE(quizzes); i++) {
        int64_t org = quizzes[i].township ? c->township : c->county;
        const char *path = quizzes[i].township ? c->township_path : c->county_path;
        int64_t author =
            quizzes[i].township ? c->account[TOWNSHIP_ADMIN] : c->account[COUNTY_ADMIN];
        db_exec(db,
                "INSERT INTO quizzes (org_id, org_path, bank_id, mode, title, time_limit, "
                "author_id, published_at, created_at, updated_at, seq) VALUES (?, ?, ?, ?, ?, ?, "
                "?, ?, ?, ?, ?)",
                "isissIiiiii", org, path, bank, quizzes[i].mode, quizzes[i].title, quizzes[i].limit,
                author, t, t, t, db_next_seq(db));
        int64_t quiz = db_last_id(db);
        db_exec(db,
                "INSERT INTO quiz_questions (quiz_id, position, question_id) SELECT ?, position, "
                "id FROM questions WHERE bank_id = ?",
                "ii", quiz, bank);
    }
}

void demo_learning(struct db *db, struct arena *a, const struct demo_cast *c)
{
    (void)a;
    int64_t t = days_ago(20, 9);
    int64_t member[4];
    member[0] =
        lesson_add(db, c, c->county, c->county_path, "audio", "member", "三分钟听懂：党费怎么交",
                   "（音频讲稿）党费按月交纳。农民党员每月交纳0.2元到1元，"
                   "外出务工的党员可以在流入地的党组织交纳，也可以请人代交。",
                   3, "intro", "[\"党费\",\"党章\"]", t);
    member[1] =
        lesson_add(db, c, c->county, c->county_path, "article", "member", "“三会一课”是什么",
                   "三会是支部党员大会、支部委员会和党小组会，一课是党课。"
                   "支委会和党小组会每月一次，党员大会和党课至少每季度一次。",
                   4, "intro", "[\"组织生活\"]", t);
    member[2] =
        lesson_add(db, c, c->county, c->county_path, "story", "member", "图说：我们村的主题党日",
                   "第一幅：早上八点，党员们来到村部。\n第二幅：重温入党誓词。\n"
                   "第三幅：一起清理村口的水渠。",
                   5, "intro", "[\"主题党日\",\"村里的事\"]", t);
    member[3] =
        lesson_add(db, c, c->county, c->county_path, "video", "member", "新时代文明实践站里的一天",
                   "（视频说明）跟随志愿者走进文明实践站：理论宣讲、"
                   "健康义诊、农技培训。视频上传后可在这里播放。",
                   6, "basic", "[\"文明实践\"]", t);
    course_add(db, c, "member", "党员基本知识", "三节小课，听一听、看一看就懂。", member, 3, t);
    db_exec(db,
            "INSERT INTO course_recommends (course_id, org_id, org_path, note, account_id, "
            "created_at) SELECT id, ?, ?, '这门课短，大家有空听一听', ?, ? FROM courses WHERE "
            "title = '党员基本知识'",
            "isii", c->village, c->village_path, c->account[SECRETARY], days_ago(10, 10));
    progress(db, c, MEMBER, member[1], 0, true, days_ago(6, 20));
    progress(db, c, MEMBER, member[0], 95, false, days_ago(2, 21));

    int64_t staff[ARRAY_SIZE(guide)];
    for (size_t i = 0; i < ARRAY_SIZE(guide); i++)
        staff[i] = lesson_add(db, c, c->county, c->county_path, i == 4 ? "audio" : "article",
                              "staff", guide[i].title, guide[i].text, guide[i].minutes, "intro",
                              "[\"使用指南\"]", t);
    course_add(db, c, "staff", "支部上网第一课：zhibu 使用指南",
               "给支部书记和内容管理员：登录、发通知、开会、发布学习内容、录音频课、看统计。",
               staff, ARRAY_SIZE(guide), t);
    /* completion recorded for staff: the village secretary took the whole
     * guide, the township admin the first two lessons */
    for (size_t i = 0; i < ARRAY_SIZE(guide); i++)
        progress(db, c, SECRETARY, staff[i], 0, true, days_ago(15 - (int64_t)i, 20));
    progress(db, c, TOWNSHIP_ADMIN, staff[0], 0, true, days_ago(12, 9));
    progress(db, c, TOWNSHIP_ADMIN, staff[1], 0, true, days_ago(11, 9));
    demo_quizzes(db, c, t);
}
