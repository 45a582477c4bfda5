"""Every string a person reads: residents, volunteers, coordinators and operators.

Kept in one module (the package's own) so the wording can be reviewed and changed in one
place; `from bot import texts` reads it. The package's other modules put these words
together: render.py (cards, lists, buttons, previews), notices.py (what an owed notice says
when sent), callbacks.py (button data), fit.py (Telegram's length limits), keyboards.py and
sending.py (the same as Telegram objects).
"""

from __future__ import annotations

from bot.domain.states import TicketStatus as S

# ---- kinds, states, reasons -------------------------------------------------------------

KIND_NAMES = {"wish": "微心愿", "complaint": "投诉/问题", "suggestion": "建议"}

# Residents read these in /my; volunteers in /tasks and details; the group in a closed post.
STATUS_NAMES = {
    S.SUBMITTED: "等人接手",
    S.ASSIGNED: "已交给志愿者，等对方接手",
    S.CLAIMED: "志愿者已接手",
    S.IN_PROGRESS: "正在办",
    S.RESOLVED: "志愿者说办好了，等您确认",
    S.REOPENED: "重新在办",
    S.CLOSED: "已办完",
    S.CANCELLED: "已撤回",
    S.CLOSED_UNRESOLVED: "已关闭（没办成）",
}
# A ticket waiting for a coordinator to pick its category (a volunteer pressed 认领 too early).
STATUS_AWAITING_TRIAGE = "等社区分类"
# The same states as volunteers and staff see them (a stale button's answer names the state
# from its presser's side: "等您确认" is the resident's view). Missing: STATUS_NAMES.
STATUS_NAMES_BY_ROLE = {
    "volunteer": {
        S.SUBMITTED: "等人接手",
        S.ASSIGNED: "已派给志愿者，等对方接单",
        S.CLAIMED: "已有志愿者接手",
        S.RESOLVED: "已办好，在等居民确认",
        S.CLOSED: "已办完",
        S.CANCELLED: "居民已撤回",
        S.CLOSED_UNRESOLVED: "社区已关闭",
    },
    "coordinator": {
        S.SUBMITTED: "待接单",
        S.ASSIGNED: "待志愿者接单",
        S.CLAIMED: "已接单",
        S.IN_PROGRESS: "办理中",
        S.RESOLVED: "待居民确认",
        S.REOPENED: "重新打开",
        S.CLOSED: "已结单",
        S.CANCELLED: "居民已撤回",
        S.CLOSED_UNRESOLVED: "已关闭（未解决）",
    },
}

# The office's names for why a ticket was closed: the coordinators' buttons and notices.
CLOSE_REASONS = {
    "not_our_duty": "不属于社区职责",
    "duplicate": "重复反映",
    "unable": "暂时无法解决",
}
# The same reasons said to the resident, as a whole sentence.
CLOSE_REASONS_FOR_RESIDENT = {
    "not_our_duty": "这件事要由别的单位来办",
    "duplicate": "之前已经有人反映过同一件事，会在那边一起办",
    "unable": "社区暂时还办不了",
}
# Words a coordinator may type after /close N that name a reason ("/close 12 重复").
CLOSE_REASON_WORDS = {
    "not_our_duty": ("not_our_duty", "不属于", "非社区", "职责", "不归"),
    "duplicate": ("duplicate", "重复", "同一件"),
    "unable": ("unable", "无法", "办不了", "暂时"),
}
CLOSE_EXAMPLE = "/close 12 重复"

# ---- domain errors (codes raised by the domain services; shown as polite refusals) -------

# Several of these reach residents (see RESIDENT_ERRORS below): plain words, "编号 N".
ERRORS = {
    "ticket_not_found": "没有找到编号 {number} 的事。请看看编号对不对。",
    "not_reporter": "这件事不是您反映的，不能这样做。",
    "not_volunteer": "只有本社区登记过的志愿者才能这样做。",
    "volunteer_inactive": "您的志愿者身份暂停了，请找社区工作人员。",
    "not_coordinator": "只有本社区的工作人员才能这样做。",
    "not_assignee": "这件事现在不在您手上，不用再点了。谢谢您！",
    "wrong_community": "这件事不归您服务的社区。",
    "already_taken": "来晚一步：#{number} 已经被 {name} 认领了。谢谢您的热心！",
    "bad_state": "编号 {number} 的事现在是「{status}」，不能{action}了。",
    # The same refusal after a button press: the button is stale, nothing is wrong.
    "bad_state_button": "编号 {number} 的事现在是「{status}」，这个按钮不用再点了。",
    "awaiting_triage": "编号 {number} 的事社区还在分类，分好后再认领。谢谢您！",
    "already_triaged": "工单 #{number} 已经归为「{category}」了，不用再选。",
    "changed_meanwhile": "编号 {number} 的事刚被别人处理过了。请看最新的消息再点。",
    "bad_rating": "请选 1 到 5 颗星。",
    "bad_reason": "关闭原因请选：{reasons}。",
    "bad_category": "没有这个类别：{code}。",
    "unknown_category": "没有这个类别：{code}。可以写：{names}。",
    "volunteer_full": "{name} 手上已经有 {limit} 件事了，请选别的志愿者。",
    "volunteer_not_found": "没有找到这位志愿者。",
    "draft_gone": "这条已经过时了。请把事情重新发给我。",
    "draft_submitted": "这件事已经提交了，编号 {number}。",
    "bad_building": "没有这个楼院，请点下面的按钮选。",
    "invite_invalid": "这个邀请链接已经用过或过期了。请向社区工作人员要一个新的链接。",
    "no_categories": "请至少选一个您愿意服务的类别。",
    "revisit_answered": "编号 {number} 的事，您已经回复过了，谢谢！",
}

# Shown after 不能 in ERRORS["bad_state"], to whoever pressed: plain verbs.
ACTION_NAMES = {
    "route": "分派",
    "accept": "接手",
    "decline": "转给别人",
    "claim": "认领",
    "release": "退回",
    "progress": "添加进展",
    "resolve": "标记办好",
    "confirm": "确认解决",
    "reject": "说还没解决",
    "rate": "打分",
    "comment": "打分",  # the comment that follows the stars is refused as the stars are
    "cancel": "撤回",
    "assign": "指派",
    "close": "关闭",
    "reopen": "重新打开",
    "triage": "分类",
    "auto_close": "自动办完",
    "offer_group": "发到群里认领",
    "accept_timeout": "超时没接，发到群里认领",
    "claim_timeout": "提醒网格长",
    "claim_escalate": "提醒社区",
    "progress_reminder": "提醒更新进展",
    "overdue": "超期提醒",
    "confirm_reminder": "提醒居民确认",
    "revisit": "回访",
    "revisit_ok": "回访：还好着",
    "revisit_reopen": "回访：又出问题",
}

# ---- configuration errors (read by whoever runs the bot) ---------------------------------

CONFIG_NOT_FOUND = "找不到配置文件 {path}。请检查 BOT_CONFIG 环境变量或复制仓库里的 config.toml。"
CONFIG_BAD_TOML = "配置文件 {path} 不是合法的 TOML：{error}"
CONFIG_ERROR_LINE = "配置文件 {path} 中的 {key}：{problem}"
CONFIG_EXPECT_DURATION = "应为时长，例如 \"45s\"、\"10m\"、\"2h\"、\"7d\"（正整数加单位 s/m/h/d）"
CONFIG_EXPECT_TIME = "应为一天中的时刻，例如 \"08:30\"（24 小时制 HH:MM）"
CONFIG_EXPECT_CODE = "应为 1–32 个字母、数字、下划线或连字符组成的代码"
CONFIG_BAD_TIMEZONE = "未知的时区 \"{tz}\"，例如应写 \"Asia/Shanghai\""
CONFIG_MISSING_CATEGORIES = "缺少分类：{codes}（13 个分类代码都必须配置）"
CONFIG_UNKNOWN_CATEGORY = "未知的分类代码：{codes}（只能使用 domain.md 中的 13 个代码）"
CONFIG_UNKNOWN_CATEGORY_IN = "{key} 中有未知的分类代码：{codes}"
CONFIG_NO_COMMUNITIES = "至少要配置一个 [[communities]] 社区"
CONFIG_DUPLICATE_CODE = "社区代码 {code} 重复"
CONFIG_DUPLICATE_BUILDING = "社区 {community} 的楼院代码与已有楼院重复（楼院代码在所有社区中必须唯一）"
CONFIG_EXPECT_ONE_OF = "应为以下之一：{values}"
CONFIG_METRICS_TOKEN_SHORT = "metrics_token 至少要 {n} 个字符，前后不能有空格（留空则只有本机能访问 /metrics 和 /healthz）"
CONFIG_SWEEP_STALE_TOO_SHORT = (
    "ops.sweep_stale_after 至少要是 followups.sweep_interval（{interval}）的两倍，"
    "否则巡检正常时 /healthz 也会报告过期"
)
CONFIG_BAD_WEB_PORT_ENV = "环境变量 WEB_PORT 应为 0–65535 的端口号，实际为 \"{value}\""
CONFIG_TOKEN_IN_FILE = (
    "配置文件 {path} 中不能写 token：机器人令牌只从环境变量 TELEGRAM_BOT_TOKEN 读取。"
)
CONFIG_ERROR_TYPES = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知的配置项（拼写错误？）",
    "int_type": "应为整数",
    "float_type": "应为数字",
    "string_type": "应为字符串（用引号括起来）",
    "bool_type": "应为 true 或 false",
    "tuple_type": "应为列表 [ ... ]",
    "list_type": "应为列表 [ ... ]",
    "dict_type": "应为表 { ... }",
    "model_type": "应为表 [ ... ] 段落",
    "too_short": "不能为空",
    "too_long": "项数太多（词对只能写两个词，如 [\"电梯\", \"困\"]）",
    "greater_than_equal": "数值太小",
    "greater_than": "应大于 0",
    "finite_number": "应为有限的数字（不能写 inf 或 nan）",
    "less_than_equal": "数值太大",
    "int_from_float": "应为整数",
}

# ---- command line -----------------------------------------------------------------------

NO_TOKEN = (
    "没有找到 Telegram 机器人令牌（token）。\n"
    "1. 在 Telegram 里找 @BotFather，发送 /newbot 创建机器人，复制它给出的令牌；\n"
    "2. 把令牌放进环境变量再启动，例如：\n"
    "   export TELEGRAM_BOT_TOKEN=123456:ABC-DEF...\n"
    "   python -m bot run\n"
    "令牌只放在环境变量里，不要写进 config.toml，也不要提交到代码仓库。\n"
    "No Telegram bot token: create one with @BotFather and set TELEGRAM_BOT_TOKEN."
)
CLI_DESCRIPTION = "社区微心愿与问题反馈机器人"
CLI_HELP_CONFIG = "配置文件路径（默认 BOT_CONFIG 或仓库中的 config.toml）"
CLI_HELP_RUN = "启动机器人（需要环境变量 TELEGRAM_BOT_TOKEN）"
CLI_HELP_CLASSIFY = "对一段文字分类，输出 JSON"
CLI_HELP_TEXT = "要分类的文字"
CLI_HELP_JSONL = '每行一个 {"text": ...} 的文件；"-" 表示标准输入'
CLI_HELP_VOLUNTEERS = "志愿者名单"
CLI_HELP_RECOUNT = "按工单重新统计简报用的每日计数（手工改过数据库里的工单之后使用）"
CLI_RECOUNT_DONE = "已按 {tickets} 件工单重新统计简报计数。"
CLI_HELP_IMPORT = "导入 CSV：telegram_id,name,unit,community,categories,buildings"
CLI_HELP_DB = "数据库结构：升级、查看版本（Alembic 迁移）"
CLI_HELP_DB_UPGRADE = "把数据库升级到本版程序的结构，保留全部数据（升级前请先备份）"
CLI_HELP_DB_CURRENT = "显示数据库的结构版本，以及是否与程序一致（一致时退出码为 0）"
# `python -m bot db upgrade`: what it did, by what it found.
DB_CREATED = "空数据库：已建好全部表（结构版本 {head}）。"
DB_ADOPTED = "已把旧版程序建的数据库升级到结构版本 {head}，原有数据全部保留。"
DB_UPGRADED = "数据库已从结构版本 {revision} 升级到 {head}，原有数据全部保留。"
DB_ALREADY_CURRENT = "数据库已是结构版本 {head}，与程序一致，无需升级。"
# `python -m bot db current`: one line per state.
DB_STATE_CURRENT = "数据库结构版本：{revision}，与程序一致。"
DB_STATE_EMPTY = "数据库是空的（程序的结构版本为 {head}）：python -m bot run 或 python -m bot db upgrade 会建表。"
DB_STATE_PREVIOUS = "数据库由旧版程序建立，还没有结构版本（程序为 {head}）：请先备份，再运行 python -m bot db upgrade"
DB_STATE_BEHIND = "数据库结构版本：{revision}，落后于程序（{head}）：请先备份，再运行 python -m bot db upgrade"
DB_STATE_AHEAD = "数据库结构版本：{revision}，比本程序新（本程序为 {head}）：请换用更新版本的程序。"
# `python -m bot run` (and the other commands that open the database) refusing it: one line.
DB_REFUSED_BEHIND = "数据库结构落后于程序（数据库 {revision}，程序 {head}），没有启动：请先备份，再运行 python -m bot db upgrade"
DB_REFUSED_AHEAD = "数据库结构比本程序新（数据库 {revision}，程序 {head}），没有启动：请换用更新版本的程序。"
DB_NO_REVISION = "旧版，无版本号"
CLI_CLASSIFY_USAGE = "请给出要分类的文字，或用 --jsonl 文件（二选一）。"
CONFIG_TOP_LEVEL = "（顶层）"
CLI_CONFIG_ERROR = "配置有误，机器人没有启动：\n{error}"
CLI_FILE_NOT_FOUND = "找不到文件：{path}"
CLI_BAD_JSONL = "{path} 第 {line} 行不是 {{\"text\": ...}} 形式的 JSON：{error}"
IMPORT_ROW_ERROR = "第 {line} 行：{problem}"
IMPORT_FAILED = "导入失败，没有写入任何数据。请修改以下问题后重试：\n{errors}"
IMPORT_DONE = "导入完成：新增 {created} 名，更新 {updated} 名志愿者。"
IMPORT_BAD_HEADER = "表头应为 {expected}，实际为 {actual}"
IMPORT_BAD_ID = "telegram_id 应为数字，实际为 \"{value}\""
IMPORT_EMPTY_NAME = "姓名不能为空"
IMPORT_UNKNOWN_COMMUNITY = "未知的社区代码 \"{value}\""
IMPORT_UNKNOWN_CATEGORY = "未知的分类代码 \"{value}\""
IMPORT_UNKNOWN_BUILDING = "社区 {community} 中没有楼院代码 \"{value}\""
IMPORT_NO_CATEGORIES = "至少要填一个服务分类"
IMPORT_DUPLICATE_ID = "telegram_id {value} 在第 {first} 行已出现过"
IMPORT_WRONG_COLUMNS = "应有 {expected} 列，实际为 {actual} 列"
IMPORT_NOT_UTF8 = "文件不是 UTF-8 编码，请另存为 UTF-8 的 CSV 后重试"

# ---- conversation: everyone ----------------------------------------------------------------

BOT_COMMANDS_PRIVATE = [
    ("start", "开始"),
    ("report", "反映问题"),
    ("wish", "说个心愿"),
    ("my", "我反映过的事"),
    ("cancel", "撤回还没人接手的事，如 /cancel 12"),
    ("privacy", "隐私说明"),
    ("help", "怎么用"),
]
BOT_COMMANDS_VOLUNTEER = [("tasks", "我手上的任务")]
BOT_COMMANDS_COORDINATOR = [
    ("assign", "派单：/assign 编号"),
    ("close", "关闭：/close 编号 原因"),
    ("reopen", "重新打开：/reopen 编号"),
    ("overdue", "超期工单"),
    ("unclaimed", "无人认领的工单"),
    ("volunteers", "志愿者名单"),
    ("stats", "统计与三率：/stats 天数"),
    ("classify", "试一试分类：/classify 文字"),
    ("invite", "生成志愿者邀请链接"),
    ("digest", "立即查看今日简报"),
]
BOT_COMMANDS_GROUP = [("help", "在群里怎么认领任务")]

# The first message a resident ever sees: what the bot does, what to press (decisions.md 12:
# up to five short lines with the privacy lines; the buttons below it, no commands).
START = (
    "您好！我是社区的小助手 🏠\n"
    "有烦心事或小心愿，直接打字告诉我，也可以发照片。\n"
    "我交给志愿者或社区去办，办好了请您说一声。\n"
    "您的名字、电话、门牌只给办事的人看。\n"
    "也可以点下面的按钮。"
)
BTN_START_REPORT = "📝 反映问题"
BTN_START_WISH = "🌱 说个心愿"
BTN_START_MY = "📋 我反映过的事"
BTN_START_PRIVACY = "🔒 隐私说明"
# /privacy and the 隐私说明 button: what is kept and who sees it.
PRIVACY = (
    "🔒 隐私说明\n"
    "我会保存：您发来的文字、照片、位置和语音，您愿意留的手机号，您住的楼院。\n"
    "能看到全部的：接手这件事的志愿者，和社区工作人员。\n"
    "志愿者群里只看到编号、类别、楼院和简短内容，里面的手机号会打码。\n"
    "这些只用来办您反映的事。"
)
START_BUILDING = "记住了，您住在 {community}·{building}。以后反映问题就不用再选楼院了。"
START_UNKNOWN_BUILDING = "这个二维码上的楼院我不认识，可能换过了。照常发消息就行，我会请您选楼院。"
HELP = (
    "怎么用：\n"
    "• 直接打字说事，比如“3号楼楼道灯坏了三天了”。也可以发照片、位置、语音。\n"
    "• 我会请您看一眼，没问题就点「✅ 确认提交」。\n"
    "• 想看办得怎么样，发 /my。想撤回还没人接手的事，发 /cancel 加编号。\n"
    "• 志愿者：发 /tasks 看手上的任务。\n"
    "• 有煤气味、着火、有人被困电梯这类危险，请先打 119、110 或 120，再告诉我。"
)
GROUP_HELP = "本群用于认领居民的微心愿和问题：看到任务点「🙋 认领」即可。详情和联系方式会私聊发给认领人。"
PRIVATE_ONLY = "这件事请在和我的私聊里做。"
UNKNOWN_COMMAND = "我不认识这个指令。有事直接打字告诉我就行，或者发 /help 看怎么用。"
UNSUPPORTED_MESSAGE = "这种消息我还看不懂。请打字说说是什么事，也可以发照片、位置或语音。"
NOT_MEANINGFUL = "没太看懂 😊 请打字说说是什么事，比如“5号楼门口垃圾堆了好几天”。"
ERROR_TRY_AGAIN = "抱歉，刚才没办成。请过一会儿再试一次。"
BUTTON_NOT_UNDERSTOOD = "这个按钮已经不能用了，请看最新的消息。"
REFUSED = "{message}"
ASK_TEXT_FOR_MEDIA = "收到了 👍 请再打一句话，说说是什么事，我好找对的人。"
ADDED_TO_DRAFT = "已经加到您刚才说的事里了。"
COMMAND_NEEDS_NUMBER = "请在后面写上编号，比如：{example}"
WISH_PROMPT = "请说说您的心愿，比如“想借一辆轮椅给老伴用”。"
REPORT_PROMPT = "请说说遇到了什么事，也可以发照片和位置。"

# ---- residents ---------------------------------------------------------------------------

# No "类型" line: the kind is the classifier's guess, and a wish must never read as a
# complaint. The category is shown because the resident can change it.
PREVIEW = (
    "我听明白的是：\n"
    "类别：{category}{urgent}\n"
    "楼院：{building}\n"
    "{attachments}"
    "内容：{summary}\n\n"
    "没问题请点「✅ 确认提交」。类别不对，点「🔁 换个类别」。"
)
PREVIEW_URGENT = "（⚠️ 紧急，会马上告诉社区）"
PREVIEW_ATTACHMENTS = "附件：{items}\n"
PREVIEW_PHOTOS = "照片 {n} 张"
PREVIEW_LOCATION = "位置"
PREVIEW_VOICE = "语音（社区工作人员会听）"
PREVIEW_NO_TEXT = "（没有文字）"
# An older preview of a draft that has a newer one below (its buttons are gone).
PREVIEW_REPLACED = "这条已更新，请看下面最新的一条。"
BUILDING_UNKNOWN = "还没选"
BTN_CONFIRM = "✅ 确认提交"
BTN_OTHER_CATEGORY = "🔁 换个类别"
BTN_DISCARD = "✖️ 不提交了"
# The building of the matter (the resident's own, or one named in the text): another one.
BTN_CHANGE_BUILDING = "🏠 换个楼院"
PICK_MATTER_BUILDING = "这件事在哪个楼院？"
PICK_CATEGORY = "请选一个类别："
PICK_COMMUNITY = "您住在哪个社区？"
PICK_BUILDING = "您住在哪个楼院？"
DISCARDED = "好的，这条不提交了。有事随时再告诉我。"
SUBMITTED = "已提交，编号 {number}（{category}）。\n{next_step}"
ASK_PHONE = "想让志愿者打电话给您，可以点下面的按钮留手机号。\n不留也行。只有办事的人能看到。"
NEXT_VOLUNTEER = "已交给结对的党员志愿者。有人接手，我就告诉您是谁。"
NEXT_GROUP = "已发给社区的志愿者们。有人接手，我就告诉您。"
NEXT_TRIAGE = "社区工作人员会先看一下，再找人来办。请稍等。"
NEXT_URGENT = "⚠️ 已马上告诉社区工作人员。有危险请先打 119、110 或 120。"
BTN_SHARE_PHONE = "📞 留手机号"
BTN_NO_PHONE = "不用了"
PHONE_SAVED = "手机号记下了。只有办事的志愿者和社区工作人员能看到。"
PHONE_NOT_OWN = "请点下面的按钮，留您自己的手机号。"
PHONE_SKIPPED = "好的，不留也可以。"
MY_EMPTY = "您还没有反映过事情。有事直接打字告诉我就行。"
MY_HEADER = "您反映过的事（最近 {n} 件）："
MY_LINE = "编号 {number} · {category} · {status} · {summary}"
CANCELLED = "好的，编号 {number} 的事撤回了。"

NOTICE_CLAIMED = "您反映的事（编号 {number}）有人接手了：{volunteer}（{unit}）。会尽快办。"
NOTICE_PROGRESS = "您反映的事（编号 {number}）有新进展：{note}"
NOTICE_RESOLVED = (
    "您反映的事（编号 {number}），志愿者说办好了：{summary}\n真的解决了吗？请点下面的按钮。"
)
BTN_RESOLVED_YES = "👍 解决了"
BTN_RESOLVED_NO = "👎 还没解决"
ASK_REJECT_REASON = "哪里还没好？请简单说说，我转告志愿者。"
REOPENED_FOR_RESIDENT = "好的，我转告志愿者了，会接着办（编号 {number}）。"
REOPENED_TO_OFFICE_FOR_RESIDENT = "好的，已交给社区工作人员接着办（编号 {number}）。"
ASK_RATING = "谢谢您！编号 {number} 的事办完了。请给这次服务打个分："
# 解决了 pressed on a reminder after the matter was already closed (auto-closed, or answered).
ALREADY_CLOSED_THANKS = "谢谢您告诉我们！编号 {number} 的事已经办完了。"
RATED = "谢谢您打分！想说几句也可以直接打字，不说也行。"
COMMENT_SAVED = "您的话收到了，谢谢！"
NOTICE_RELEASED = "您反映的事（编号 {number}）：原来的志愿者办不了，正在另找人。"
# {note} is CLOSED_NOTE or empty: the coordinator's own words, only when they add something.
NOTICE_CLOSED_UNRESOLVED = "关于您反映的事（编号 {number}）：{reason}。\n{note}{help}"
# The last line of that notice, by reason: where to turn next.
CLOSE_HELP_FOR_RESIDENT = {
    "not_our_duty": "这类事一般找物业、水电燃气公司、城管，或打 12345。不知道找谁，社区帮您问。",
    "duplicate": "有疑问可以找社区。",
    "unable": "有疑问可以找社区。",
}
CLOSED_NOTE = "社区的话：{note}\n"
NOTICE_REOPENED_BY_OFFICE = "社区决定接着办您反映的事（编号 {number}）。"

# ---- volunteers --------------------------------------------------------------------------

TICKET_CARD = (
    "工单 #{number} · {category}{urgent}\n"
    "楼院：{building}\n"
    "{summary}"
)
URGENT_MARK = " ⚠️紧急"
NOTICE_OFFER = "有一件事想请您来办：\n{card}\n\n能接吗？接单后就能看到居民的联系方式。"
BTN_ACCEPT = "✅ 接单"
BTN_DECLINE = "↪️ 转给他人"
GROUP_POST = "🙋 待认领\n{card}"
GROUP_TAKEN = "✅ 已被 {volunteer}（{unit}）认领\n{card}"
GROUP_ASSIGNED = "📌 社区已指派给 {volunteer}（{unit}），等其接单\n{card}"
GROUP_CLOSED = "（{status}）\n{card}"
BTN_CLAIM = "🙋 认领"
DETAILS = (
    "工单 #{number} 详情 · {category}{urgent}\n"
    "状态：{status}\n"
    "楼院：{building}\n"
    "居民：{name}  电话：{phone}\n"
    "内容：{text}\n"
    "办结时限：{due}"
)
PHONE_UNKNOWN = "未留"
BTN_PROGRESS = "📝 添加进展"
BTN_RESOLVE = "✅ 已办结"
BTN_RELEASE = "↩️ 退回"
ASK_PROGRESS = "请写一句进展，我转告居民。比如“已联系物业，明天上午来修”。"
ASK_RESOLVE = "请用一句话说说怎么办好的。我转告居民，请他确认。"
PROGRESS_SAVED = "进展记下了，也告诉居民了。"
RESOLVE_SAVED = "已标记办好，正在请居民确认。谢谢您！"
RELEASED = "已退回 #{number}，会另找人来办。"
ACCEPTED = "您接下了 #{number}，详情发给您了。"
DECLINED = "好的，#{number} 转给别人了。"
CLAIMED_OK = "认领成功！#{number} 的详情已私聊发给您。"
CLAIM_START_PRIVATE = "认领成功！请先私聊我发送 /start，我才能把详情发给您。"
NOTICE_CONFIRMED = "#{number}：居民说已经解决了 🎉 谢谢您！"
NOTICE_RATED = "#{number}：居民打了 {stars} 分。{comment}"
NOTICE_COMMENTED = "#{number}：居民留言：{comment}"
NOTICE_REOPENED = "#{number}：居民说还没解决：{reason}\n请接着办。"
NOTICE_REOPENED_BY_OFFICE_TO_VOLUNTEER = "#{number} 社区重新打开了{note}，请接着办。"
NOTICE_REOPENED_TO_OFFICE = "#{number} 居民第二次说还没解决，已交给社区工作人员。谢谢您的付出。"
NOTICE_WITHDRAWN = "#{number} 居民撤回了，不用再办了。"
NOTICE_UNASSIGNED = "#{number} 社区改派给别人了，您不用再办了。"
NOTICE_CLOSED_BY_OFFICE = "#{number} 社区关闭了（{reason}），不用再办了。"
TASKS_EMPTY = "您手上暂时没有任务。谢谢您！"
TASKS_HEADER = "您手上的任务："
TASK_LINE = "#{number} {category} · {status} · {summary}"
OTHER_VOLUNTEER = "其他志愿者"  # a claimer whose record is gone
NOT_A_VOLUNTEER = "您还不是登记的志愿者。请向社区工作人员要一个邀请链接。"

JOIN_WELCOME = "欢迎加入{community}的双报到志愿者队伍！请先告诉我您的姓名："
ASK_UNIT = "您的报到单位是？（如“区税务局第二党支部”）"
PICK_SERVICES = "请选择您愿意服务的类别（可多选，选好后点「完成」）："
BTN_DONE = "完成"
JOINED = "登记完成！您服务的类别：{categories}。有任务时我会私聊您，志愿者群里也可以认领。"

# ---- coordinators ------------------------------------------------------------------------

NOTICE_TRIAGE = "需要分类的新事项：\n{card}\n居民原话：{text}\n请选择类别："
NOTICE_URGENT = "⚠️ 紧急事项 #{number}\n{card}\n居民：{name}  电话：{phone}\n请立即处置！"
NOTICE_NO_VOLUNTEER = "工单 #{number} 没有合适的志愿者，且未配置志愿者群，请派单：/assign {number}"
NOTICE_GROUP_UNREACHABLE = (
    "⚠️ 工单 #{number} 没能发到志愿者群：机器人可能被移出群或被禁言了。"
    "请检查群设置，并直接派单：/assign {number}"
)
NOTICE_LEADER_UNREACHABLE = (
    "工单 #{number} 的催办没能发给网格长：ta 可能还没在 Telegram 里打开过本机器人，或屏蔽了它。"
    "请提醒网格长私聊机器人发送 /start；这件工单请直接派单：/assign {number}"
)
NOTICE_UNREACHABLE = "工单 #{number}：{name} 屏蔽了机器人，消息发不出去了，请电话联系或改派。"
NOTICE_REOPENED_ESCALATED = "工单 #{number} 被居民第二次退回（{reason}），请改派：/assign {number}"
INVITE_LINK = "志愿者邀请链接（仅能使用一次，{days} 天内有效）：\n{link}"
PICK_VOLUNTEER = "把工单 #{number} 派给谁？（括号内为手上任务数）"
NO_VOLUNTEERS = "本社区还没有可派的志愿者。"
ASSIGNED = "已把工单 #{number} 派给 {volunteer}。"
PICK_REASON = "请选择关闭工单 #{number} 的原因："
CLOSED = "工单 #{number} 已关闭（{reason}）。"
REOPENED = "工单 #{number} 已重新打开。"
TRIAGED = "工单 #{number} 已归为「{category}」。"
OVERDUE_EMPTY = "没有超期的工单。"
OVERDUE_HEADER = "超期工单（最久的在前）："
UNCLAIMED_EMPTY = "没有待认领的工单。"
UNCLAIMED_HEADER = "待认领的工单（最早的在前）："
# One line of the overdue and unclaimed lists, in /overdue, /unclaimed and the digest.
OVERDUE_LINE = "#{number} {category} · {assignee} · {late}"
LATE_DAYS = "超期 {days} 天"
LATE_UNDER_A_DAY = "超期不到 1 天"
NOBODY = "无人负责"
UNCLAIMED_LINE = "#{number} {category} · {building} · {waited}{triage}"
WAITED = "已等 {span}"  # span: bot/texts/render.py describe_span
NEEDS_TRIAGE_MARK = " · 待分类"
NO_BUILDING = "楼院未填"
CLASSIFY_USAGE = "用法：/classify 楼道灯坏了三天了"
VOLUNTEERS_EMPTY = "还没有登记的志愿者。可以 /invite 生成邀请链接，或用命令行导入名单。"
VOLUNTEERS_HEADER = "志愿者（手上任务 / 上限）："
VOLUNTEER_LINE = "{name}（{unit}）{open}/{max} · {categories}{inactive}"
INACTIVE_MARK = " · 未启用"
STATS = (
    # Up to now, today included (the digest's window ends yesterday: DIGEST_RATES_HEADER).
    "{community} 最近 {days} 天（到现在）：\n"
    "新增 {new}，接单 {claimed}，办结 {resolved}，结单 {closed}，关闭（未解决）{closed_unresolved}，"
    "撤回 {cancelled}\n"
    "当前未结：{backlog}\n"
    "响应率：{response}\n解决率：{resolution}\n满意率：{satisfaction}"
)
CLASSIFY_RESULT = "类别：{category}\n类型：{kind}\n紧急：{urgent}\n命中词：{matched}"
YES, NO = "是", "否"
NONE_MATCHED = "（无）"
NOT_COORDINATOR_COMMAND = "这个命令只有社区工作人员可以使用。"
STATS_USAGE = "天数请写数字，比如：/stats 7（不写就是最近 30 天）。"
# What 网格长 may use: the lists, the numbers, a ticket's details (acting stays the office's).
BOT_COMMANDS_LEADER = [
    ("overdue", "超期工单"),
    ("unclaimed", "无人认领的工单"),
    ("stats", "统计与三率：/stats 天数"),
    ("ticket", "查看工单全文：/ticket 编号"),
]

# ---- follow-ups (bot/services/followups.py): reminders, 催办, 督办, 回头看 ----------------------------

# How long, in every notice and list (bot/texts/render.py describe_span).
SPAN_MINUTES = "{n}分钟"
SPAN_HOURS = "{n}小时"
SPAN_DAYS = "{n}天"
SPAN_DAYS_HOURS = "{days}天{hours}小时"
NOTICE_OFFER_LAPSED = "#{number} 过了 {hours} 没人接，已发到志愿者群里请大家认领。"
NOTICE_CHASE_LEADER = (
    "⏰ 催办：工单 #{number} 已等待 {waited} 仍无人认领。\n{card}\n"
    "请网格长帮忙找人认领，或联系社区派单。"
)
NOTICE_CHASE_OFFICE = "⏰ 催办：工单 #{number} 已等待 {waited} 仍无人认领。\n{card}\n请派单：/assign {number}"
NOTICE_PROGRESS_REMINDER = "#{number} 已经 {waited} 没有新进展了。办到哪一步了？点「添加进展」告诉居民一声。"
NOTICE_OVERDUE_OFFICE = (
    "🔴 督办：工单 #{number} 已超过办理时限（{limit}）。\n{card}\n当前：{status}，经办人：{holder}。"
    "\n可改派：/assign {number}"
)
NOTICE_OVERDUE_VOLUNTEER = "🔴 #{number} 已超过办理时限（{limit}），社区也收到了提醒。请尽快办好，或点「添加进展」说明情况。"
# To a resident whose matter nobody has taken by its time limit (once; the office is told too).
NOTICE_OVERDUE_RESIDENT = (
    "您反映的事（编号 {number}）还在找人办，比预计的慢了，让您久等了。\n"
    "社区工作人员已经知道了，会尽快安排。"
)
NOTICE_CONFIRM_REMINDER = (
    "您反映的事（编号 {number}），志愿者 {waited}前说办好了。\n"
    "现在问题解决了吗？点下面的按钮告诉我们就行。\n"
    "没空回也没关系，{days} 天后我们就当办好了。"
)
NOTICE_AUTO_CLOSED = "您反映的事（编号 {number}），我们就当已经办好了。\n如果其实还没好，点下面的按钮告诉我们。"
NOTICE_AUTO_CLOSED_VOLUNTEER = "#{number}：居民一直没回复，已按办好处理。谢谢您！"
NOTICE_REVISIT = "回访：您反映的事（编号 {number}，{category}）办好 {days} 天了。\n现在还好吗？"
BTN_REVISIT_OK = "👍 还好着"
BTN_REVISIT_BAD = "👎 又出问题了"
REVISIT_THANKS = "谢谢您告诉我们！编号 {number} 的事还好着，真好。"
REVISIT_REOPENED = "好的，会请志愿者再来看看（编号 {number}）。"
# The reopen note a volunteer reads after the resident's 又出问题了 on the 回访.
REVISIT_REASON = "回访时发现又出问题了"
HOLDER_NONE = "无人认领"

# ---- which of the above residents read (tests/unit/test_wording.py checks them) ----------

# Messages sent to residents: short (at most RESIDENT_MAX_LINES lines) and in plain words.
RESIDENT_MESSAGES = (
    "START_BUILDING", "START_UNKNOWN_BUILDING", "PRIVATE_ONLY", "UNKNOWN_COMMAND",
    "UNSUPPORTED_MESSAGE", "NOT_MEANINGFUL", "ERROR_TRY_AGAIN", "BUTTON_NOT_UNDERSTOOD",
    "ASK_TEXT_FOR_MEDIA", "ADDED_TO_DRAFT", "COMMAND_NEEDS_NUMBER", "WISH_PROMPT",
    "REPORT_PROMPT", "PICK_CATEGORY", "PICK_COMMUNITY", "PICK_BUILDING", "DISCARDED",
    "SUBMITTED", "ASK_PHONE", "NEXT_VOLUNTEER", "NEXT_GROUP", "NEXT_TRIAGE", "NEXT_URGENT",
    "PHONE_SAVED", "PHONE_NOT_OWN", "PHONE_SKIPPED", "MY_EMPTY", "MY_HEADER", "MY_LINE",
    "CANCELLED", "NOTICE_CLAIMED", "NOTICE_PROGRESS", "NOTICE_RESOLVED", "ASK_REJECT_REASON",
    "REOPENED_FOR_RESIDENT", "REOPENED_TO_OFFICE_FOR_RESIDENT", "ASK_RATING", "RATED",
    "COMMENT_SAVED", "NOTICE_RELEASED", "NOTICE_CLOSED_UNRESOLVED", "CLOSED_NOTE",
    "NOTICE_REOPENED_BY_OFFICE", "NOTICE_CONFIRM_REMINDER", "NOTICE_AUTO_CLOSED",
    "NOTICE_OVERDUE_RESIDENT",
    "NOTICE_REVISIT", "REVISIT_THANKS", "REVISIT_REOPENED", "ALREADY_CLOSED_THANKS",
)
RESIDENT_MAX_LINES = 3
# Longer on purpose: the greeting (decisions.md 12: five short lines), the help, the privacy
# note and the preview (a short form the resident checks). Plain words still.
RESIDENT_LONG_MESSAGES = {"START": 5, "PRIVACY": 6, "HELP": 6, "PREVIEW": 8}
# Button labels and names a resident reads.
RESIDENT_LABELS = (
    "BTN_START_REPORT", "BTN_START_WISH", "BTN_START_MY", "BTN_START_PRIVACY", "BTN_CONFIRM",
    "BTN_OTHER_CATEGORY", "BTN_DISCARD", "BTN_CHANGE_BUILDING", "PICK_MATTER_BUILDING",
    "BTN_SHARE_PHONE", "BTN_NO_PHONE", "BTN_RESOLVED_YES",
    "BTN_RESOLVED_NO", "BTN_REVISIT_OK", "BTN_REVISIT_BAD", "PREVIEW_URGENT",
    "PREVIEW_ATTACHMENTS", "PREVIEW_PHOTOS", "PREVIEW_LOCATION", "PREVIEW_VOICE",
    "PREVIEW_NO_TEXT", "PREVIEW_REPLACED", "BUILDING_UNKNOWN", "STATUS_AWAITING_TRIAGE", "SPAN_MINUTES",
    "SPAN_HOURS", "SPAN_DAYS", "SPAN_DAYS_HOURS",
)
# Dictionaries whose every value a resident may read (ACTION_NAMES: after 不能 in bad_state).
RESIDENT_NAME_TABLES = ("STATUS_NAMES", "CLOSE_REASONS_FOR_RESIDENT", "CLOSE_HELP_FOR_RESIDENT",
                        "ACTION_NAMES")
# The refusals a resident can meet (ERRORS[...]).
RESIDENT_ERRORS = (
    "ticket_not_found", "not_reporter", "bad_state", "bad_state_button", "changed_meanwhile",
    "bad_rating",
    "draft_gone", "draft_submitted", "bad_building", "revisit_answered",
)
# Office words a resident does not know; say 您反映的事, 回访, 提醒 instead.
OFFICE_WORDS = ("工单", "回头看", "催办", "督办", "结单", "派单", "草稿")

# ---- statistics ------------------------------------------------------------------------------

RATE_TEXT = "{percent:.1f}%（{numerator}/{denominator}）"
RATE_NO_DATA = "—（暂无数据）"

# --- Daily digest (bot/digest/numbers.py, bot/digest/chart.py) ---

DIGEST_TITLE = "📋 {community} 每日简报 · {date}"
DIGEST_DATE = "{month}月{day}日（{weekday}）"
DIGEST_WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
DIGEST_YESTERDAY = (
    "昨日 {date}：新增 {new}，接单 {claimed}，办结 {resolved}，结单 {closed}，"
    "关闭（未解决）{closed_unresolved}，撤回 {cancelled}"
)
DIGEST_BACKLOG = "当前未结 {total} 件：{parts}"
DIGEST_BACKLOG_NONE = "当前没有未结的工单。"
DIGEST_BACKLOG_PART = "{status} {count}"
DIGEST_BACKLOG_SEPARATOR = "，"
# Coordinator-facing names of the open statuses (STATUS_NAMES speaks to the resident).
DIGEST_STATUS_NAMES = {
    S.SUBMITTED: "待接单",
    S.ASSIGNED: "待志愿者接单",
    S.CLAIMED: "已接单",
    S.IN_PROGRESS: "办理中",
    S.RESOLVED: "待居民确认",
    S.REOPENED: "重新打开",
}
# Both windows end yesterday (the digest is of the day before); /stats counts up to now.
DIGEST_RATES_HEADER = "三率（昨日 ｜ 截至昨日的近 {days} 天）："
DIGEST_RATE_LINE = "{name}：{day} ｜ {period}"
DIGEST_RESPONSE = "响应率"
DIGEST_RESOLUTION = "解决率"
DIGEST_SATISFACTION = "满意率"
DIGEST_TOP_YESTERDAY = "昨日新增最多：{items}"
DIGEST_TOP_PERIOD = "近 {days} 天新增最多：{items}"
DIGEST_TOP_ITEM = "{name} {count}"
DIGEST_TOP_SEPARATOR = "、"
DIGEST_TOP_NONE = "无"
DIGEST_OVERDUE_HEADER = "⏰ 超期 {total} 件（最久的在前）："
DIGEST_OVERDUE_NONE = "⏰ 没有超期的工单。"
DIGEST_UNCLAIMED_HEADER = "🙋 待认领 {total} 件（最早的在前）："
DIGEST_UNCLAIMED_NONE = "🙋 没有待认领的工单。"
DIGEST_MORE = "……另有 {n} 件"
DIGEST_VOLUNTEERS_HEADER = "👥 志愿者（昨日接单 / 昨日办结 / 手上任务）："
DIGEST_VOLUNTEER_LINE = "{name}（{unit}）{claimed} / {resolved} / {open}{inactive}"
DIGEST_VOLUNTEER_INACTIVE = " · 已停用"
DIGEST_VOLUNTEERS_NONE = "👥 昨日没有志愿者接单或办结，也没有人手上有任务。"
DIGEST_MORE_VOLUNTEERS = "……另有 {n} 位志愿者"
DIGEST_TRUNCATED = "……（内容过长，后面从略）"

CHART_TITLE = "{community} 近 {days} 天工单（{first}–{last}）"
CHART_DAY = "{month}/{day}"
CHART_X_LABEL = "日期"
CHART_Y_LABEL = "每日件数"
CHART_Y2_LABEL = "未结件数"
CHART_NEW = "新增"
CHART_CLOSED = "结单"
CHART_BACKLOG = "未结（当日结束时）"
CHART_FONT_MISSING = (
    "找不到图表用的中文字体文件 {path}（随 mplfonts 包安装）。"
    "请在项目目录重新运行 README 中的安装命令：.venv/bin/pip install -e .\n"
    "The CJK font for the digest chart is missing: run the README set-up command "
    "(.venv/bin/pip install -e .)."
)

# ---- the playground (`python -m bot try`, bot/playground, bot/web) ------------------------

CLI_HELP_TRY = "不用 Telegram，在浏览器里试用整个流程（本机演示，数据单独存放）"
CLI_HELP_TRY_PORT = "网页端口（默认取 config.toml 的 [web] port，即 8080）"
CLI_HELP_TRY_HOST = "监听地址（默认 [web] host，即 127.0.0.1：只有本机能打开）"
CLI_HELP_TRY_FRESH = "清空演示数据，从头开始"
TRY_READY = "试用环境已启动：请用浏览器打开 {url}\n（按 Ctrl+C 结束；演示数据存在 {db}）"
TRY_HOST_WARNING = (
    "注意：试用环境监听在 {host}，同一网络里的其他人也能打开这个页面。"
    "演示用，不要在这里填写真实的个人信息。"
)
RUN_PORT_BUSY = (
    "机器人没有启动：网页端口 {host}:{port} 无法监听（{error}）。/healthz 和 /metrics 在这个端口上；"
    "请在 config.toml 的 [web] port 换一个端口（或设置环境变量 WEB_PORT；0 表示任意空闲端口）。"
)
POLL_CONFLICT = (
    "机器人停止了：另一个进程正在用同一个机器人令牌接收消息（Telegram 回复 409 Conflict）。"
    "轮询模式只能运行一个进程：请先停掉另一个。\n"
    "Stopped: another process is polling with this bot token (409 Conflict). Polling runs as "
    "one process only: stop the other one first."
)
POLL_TOKEN_REFUSED = (
    "机器人停止了：Telegram 不接受这个机器人令牌（{error}）。请检查 TELEGRAM_BOT_TOKEN。"
)
TRY_PORT_BUSY = "端口 {port} 已被占用。请换一个端口，例如：python -m bot try --port 8081"
NO_TOKEN_TRY_HINT = (
    "\n想先不用 Telegram 看看效果？运行：python -m bot try ，然后用浏览器打开 http://127.0.0.1:8080"
)

# Demo people of the playground: (Telegram id, name, role label, unit, categories, buildings).
PLAYGROUND_VOLUNTEERS = (
    # Nobody serves 环境卫生: a rubbish complaint goes straight to the group for open claim.
    (20001, "李建国", "区税务局第二党支部", ("repairs", "safety"), ("b1", "b2", "b3")),
    (20002, "王芳", "市第一医院党总支", ("elderly", "children", "hardship", "culture"), ()),
    (20003, "赵磊", "区城管局党支部",
     ("parking", "greening", "construction", "property", "disputes"), ("b5", "b6")),
)
PLAYGROUND_RESIDENTS = (
    # (Telegram id, name shown, building code of the QR code they "scan", phone for 分享手机号)
    (30001, "刘奶奶", "b1", "+8613800000001"),
    (30002, "陈师傅", "b5", "+8613800000002"),
    (30003, "小周", "az1", "+8613800000003"),
)
PLAYGROUND_LEADER_NAMES = ("吴网格长", "郑网格长")
PLAYGROUND_COORDINATOR_NAMES = ("张主任", "陈书记")
PLAYGROUND_ROLE_RESIDENT = "居民"
PLAYGROUND_ROLE_VOLUNTEER = "党员志愿者 · {unit}"
PLAYGROUND_ROLE_LEADER = "网格长 · {grid}"
PLAYGROUND_ROLE_COORDINATOR = "社区工作人员"
PLAYGROUND_GROUP_NAME = "{community}志愿者群"
PLAYGROUND_TIME = "{month}月{day}日 {weekday} {hour:02d}:{minute:02d}"

# The guided tour: (milestone, title, what to press next).
PLAYGROUND_TOUR = (
    ("submitted", "居民下单", "选“刘奶奶”，点“开始”，再打字说一件事，比如“楼下垃圾堆了好几天”，可以加张照片；然后点“确认提交”。"),
    ("claimed", "党员接单", "选“李建国”，在右边的志愿者群里点“认领”（派给他本人的事，在他的私聊里点“接单”）。"),
    ("worked", "共建做单", "还是李建国：点“添加进展”写一句，再点“已办结”说说怎么办好的。"),
    ("closed", "居民结单", "回到刘奶奶：点“解决了”，再给个星。"),
    ("lapsed", "没人接的事会发到群里", "选“陈师傅”说一件事，比如“楼道灯坏了”，提交；再点上面的“一小时后”两次：派给的志愿者一直没接，这件事就发到志愿者群里。"),
    ("revisit", "回访", "点“一周后”两次：办好两周后，机器人会问刘奶奶“现在还好吗”。"),
    ("digest", "每日简报", "点“明天早上”：8:30 社区工作人员（张主任）会收到简报和图表。"),
)
PLAYGROUND_TOUR_DONE = "✅"
# (The masks a group post shows instead of names and numbers, 某某 / 某 / ***, are part of the
# masking rules: bot/domain/privacy_names.py and privacy_numbers.py.)

# ---- issue 10 pending input, floods and blocks ----------------------------------------------

CONFIG_BLOCK_KEY_IN_FILE = (
    "配置文件 {path} 中不能写 block_key：这个密钥只从环境变量 BOT_BLOCK_KEY 读取。"
)
# 跳过 (the answer may be left out) / 取消 (the action needs it) under a question.
BTN_SKIP = "跳过"
BTN_CANCEL_QUESTION = "取消"
SKIPPED = "好的，跳过了。"
QUESTION_CANCELLED = "好的，已取消。"
QUESTION_OVER = "这个问题已经过去了，不用再点了。"
# A text that may be a new matter arrived while the bot waited for an answer.
WHICH_IS_IT = "收到了。这段话是{what}，\n还是一件新的事？请点下面的按钮。"
WHICH_WHAT = {
    "comment": "给刚才那件事的留言",
    "reject_reason": "说刚才那件事哪里没解决",
    "progress": "#{number} 的进展",
    "resolve": "#{number} 的办结说明",
    "reg_name": "您的姓名",
    "reg_unit": "您的报到单位",
}
BTN_IS_ANSWER = {
    "comment": "这是评价留言",
    "reject_reason": "这是没解决的原因",
    "progress": "这是进展",
    "resolve": "这是办结说明",
    "reg_name": "这是我的姓名",
    "reg_unit": "这是我的单位",
}
BTN_IS_NEW = "这是新问题"
ALREADY_NOTED = "已经记下了，谢谢。"
# Floods: the answer to 确认提交 beyond [abuse] max_submissions (the draft is kept).
TOO_MANY_SUBMISSIONS = (
    "您这会儿已经交了 {n} 件事，我们都收到了，正在办。\n"
    "这一条先给您留着，请在 {time} 以后再点「{button}」。"
)
TOO_MANY_DAY = "{month}月{day}日 "
# A blocked resident writes: no reproach, where to go instead.
BLOCKED_REPLY = "这里暂时不能接收您的消息。\n有事请直接到社区居委会，或打电话给社区，谢谢您。"
BLOCK_DONE = "已限制 #{number} 的提交人：ta 再发来的消息不会派出去。\n解除：/unblock {number}"
BLOCK_ALREADY = "#{number} 的提交人之前已经被限制了。"
UNBLOCK_DONE = "已解除对 #{number} 提交人的限制。"
UNBLOCK_NOT_BLOCKED = "#{number} 的提交人没有被限制。"
ERRORS.update({
    "question_over": "这个问题已经过去了。有事直接发给我就行。",
    "blocked": BLOCKED_REPLY,
    "no_reporter": "#{number} 找不到提交的居民。",
})
ACTION_NAMES.update({"block": "限制提交", "unblock": "解除限制"})
BOT_COMMANDS_COORDINATOR += [
    ("block", "限制某件事的提交人：/block 编号"),
    ("unblock", "解除限制：/unblock 编号"),
]
# ---- issue 10 limits: every message fits Telegram's limits ---------------------------------

TRIMMED_MARK = "…"
# A trimmed summary says where the rest is, for whoever reads it (decisions.md 11).
MORE_AFTER_CLAIM = "…（认领后可看全文）"
MORE_AFTER_ACCEPT = "…（接单后可看全文）"
MORE_IN_TICKET = "…（全文见 /ticket {number}）"
BOT_COMMANDS_TICKET = [("ticket", "查看工单全文：/ticket 编号")]
TICKET_VIEW = (
    "工单 #{number} · {category}{urgent} · {kind}\n"
    "状态：{status}\n"
    "楼院：{building}\n"
    "居民：{name}  电话：{phone}\n"
    "提交：{created}  办结时限：{due}\n"
    "经办：{holder}\n"
    "{extra}"
    "内容：{text}"
)
TICKET_VIEW_HOLDER = "{name}（{unit}）"
TICKET_VIEW_NOBODY = "暂无"
TICKET_VIEW_ATTACHMENTS = "附件：{items}\n"
TICKET_VIEW_RESOLUTION = "办结说明：{note}\n"
TICKET_VIEW_RATING = "居民评分：{stars} 分\n"
DIGEST_FAILED_HEADER = "⚠️ 发送失败 {total} 条（请看一下这些工单，必要时改派）："
DIGEST_FAILED_LINE = "#{number} {what}：{why}"
# What an owed message was, by its notice code (anything else: SEND_FAILED_OTHER).
SEND_FAILED_WHAT = {
    "details": "给志愿者的详情",
    "offer": "派单消息",
    "group_post": "群里的待认领帖",
    "group_update": "群帖的更新",
    "triage": "待分类提醒",
    "urgent_alert": "紧急提醒",
    "resolved": "请居民确认的消息",
    "reopened": "重新打开的通知",
}
SEND_FAILED_OTHER = "通知"
# Why, from Telegram's answer (first match wins; anything else: SEND_FAILED_WHY_OTHER).
SEND_FAILED_WHY = (
    ("too long", "内容太长"),
    ("chat not found", "找不到这个对话"),
    ("message to edit not found", "原消息已被删除"),
    ("file", "照片或语音已失效"),
    ("render", "内容无法生成"),
)
SEND_FAILED_WHY_OTHER = "Telegram 拒收"
# What the playground page says when it refuses something (the page shows these as they are).
PLAYGROUND_ERRORS = {
    "unknown_person": "页面上没有这个人，请刷新页面。",
    "not_in_chat": "居民不在志愿者群里。",
    "empty_text": "请先打几个字。",
    "unknown_kind": "这种消息发不了。",
    "not_an_image": "只能发图片（照片）。",
    "photo_size": "照片是空的，或者太大了（最大 10 MB）。",
    "bad_press": "这个按钮按不了。",
    "no_message": "这条消息已经不在了，请刷新页面。",
    "unknown_step": "时间只能往后走：一小时后、明天早上或一周后。",
    "no_file": "没有这个文件。",
}

# /help for volunteers and coordinators (residents get HELP): what they can do, in short lines.
HELP_VOLUNTEER = (
    "志愿者怎么用：\n"
    "• 派给您的事，私聊里点「✅ 接单」；志愿者群里的事，点「🙋 认领」。\n"
    "• 接手后，在我发来的那条消息下点「📝 添加进展」「✅ 已办结」，我会转告居民。\n"
    "• 发 /tasks 看手上的任务。"
)
HELP_COORDINATOR_HEAD = "社区工作人员可以用这些命令："
HELP_COORDINATOR_LINE = "• {description}：/{command}"
HELP_COORDINATOR_USAGE = "• {description}"  # the description shows the command itself
HELP_LEADER_HEAD = "网格长可以用这些命令查看情况（派单、关闭请找社区工作人员）："

# ---- issue 11 classifier rules and evaluation ----
CONFIG_BAD_KIND_PHRASE = (
    "「{key}」应写成 \"类型:词语\"，类型是 wish、complaint 或 suggestion，例如 \"wish:几点\""
)
CONFIG_EXPECT_POSITIVE = "「{key}」的权重应大于 0"
CONFIG_SITUATION_WEIGHT = (
    "情景「{name}」：写了 category 就要写大于 0 的 weight，没写 category 就不要写 weight"
)
CONFIG_SITUATION_NOOP = "情景「{name}」既没有 category 也没有 urgent = true，不起作用"
CONFIG_EMPTY_WORD = "情景「{name}」的 objects / states 里有空字符串"
CONFIG_EMPTY_REPLACE = "replace 里不能有空的词（左边要写被替换的错别字或方言）"
CLI_HELP_EVAL = "带标注的 JSONL（每行 text、category、kind、urgent，可选 also）：输出准确率、混淆矩阵和错例"
CLI_HELP_TEXTS = "与 --eval 搭配：标注文件只有 id 时，从这个 JSONL（每行 id、text）取正文"
CLI_CLASSIFY_EVAL_USAGE = "请只选一种：一段文字、--jsonl 文件或 --eval 标注文件。"
CLI_TEXTS_WITHOUT_EVAL = "--texts 只能和 --eval 一起用。"
CLI_EVAL_NO_TEXT = "{path} 第 {line} 行没有 text，且 --texts 里找不到 id「{id}」"
CLI_EVAL_BAD_LINE = "{path} 第 {line} 行有误：{error}"
EVAL_HEADER = "评估 {path}：{n} 条"
EVAL_CATEGORY = "分类准确率（主分类等于标注或其 also）：{right}/{n} = {share:.3f}"
EVAL_ALSO_GIVEN = "分类器给出第二分类（also）：{given}/{n} = {share:.3f}（不计入准确率）"
EVAL_KIND = "类型准确率：{right}/{n} = {share:.3f}"
EVAL_URGENT = "紧急：召回 {recall}，精确 {precision}（标注紧急 {labelled}，判为紧急 {flagged}，判对 {hit}）"
EVAL_URGENT_SHARE = "判为紧急的占比：{flagged}/{n} = {share:.3f}"
EVAL_PER_CATEGORY = "各分类（精确 / 召回 / 标注条数）："
EVAL_CATEGORY_LINE = "  {code:<13} {precision:>6} {recall:>6} {support:>5}"
EVAL_CONFUSION = "混淆矩阵（行 = 标注，列 = 分类器）："
EVAL_MISSES = "错例（{n} 条）："
EVAL_MISS_LINE = "  [{what}] {id} 应为 {want}，得到 {got}｜{text}"
EVAL_MISS_CATEGORY = "分类"
EVAL_MISS_KIND = "类型"
EVAL_MISS_URGENT_MISSED = "漏报紧急"
EVAL_MISS_URGENT_FALSE = "误报紧急"
EVAL_NOT_AVAILABLE = "—"

# ---- issue 11 explainable and correctable (§3), keywords without a restart (§5) ----
# What decided a classification, one short reason each (bot/classify/explain.py).
REASON_URGENT = "{word} → 紧急"
REASON_HEDGED = "{hedge}…{word} → 不算紧急"
REASON_CATEGORY = "{word}{times} → {category}"
REASON_TIMES = " ×{n}"
REASONS_LINE = "依据：{reasons}"
REASONS_NONE = "依据：没有命中关键词"
REASONS_SEPARATOR = "；"
# /recat: a coordinator gives a ticket another category (stored as a correction).
RECAT_EXAMPLE = "/recat 12 设施维修"
RECAT_PICK = "请选择工单 #{number} 的新类别："
RECAT_DONE = "工单 #{number} 已从「{before}」改为「{category}」。已记下这次更正，供改进分类规则。"
RECAT_SAME = "工单 #{number} 本来就是「{category}」，没有改动。"
BOT_COMMANDS_COORDINATOR += [("recat", "改类别：/recat 编号 类别名称")]
# A broken edit of config.toml (bot/app/classifier_holder.py), to the coordinators, once per content.
CONFIG_RELOAD_FAILED = (
    "⚠️ config.toml 刚被修改，但改后的文件有错，机器人仍按原来的分类规则工作。\n"
    "请改正后保存，保存后自动生效：\n{error}"
)
# python -m bot classify --suggest (bot/classify/suggest.py)
CLI_HELP_SUGGEST = "读取数据库里协调员改过类别的记录，提出关键词和权重的修改建议（不会改动 config.toml）"
CLI_HELP_LABELS = "与 --suggest 搭配：衡量建议用的标注集（默认 tests/data/classifier/dev.jsonl）"
CLI_LABELS_WITHOUT_SUGGEST = "--labels 只能和 --suggest 一起用。"
SUGGEST_NO_CORRECTIONS = "数据库里还没有改类别的记录：协调员用分类按钮或 /recat 改过类别后才会有。"
SUGGEST_HEADER = (
    "改类别记录 {n} 条；标注集 {labels}：现在的准确率 {accuracy:.3f}，"
    "这些记录现在分对 {fixed}/{n} 条。\n建议（能改对的记录多的在前）："
)
SUGGEST_ADD = (
    "  在「{category}」（{code}）加关键词「{word}」，权重 {after:g}（{support} 条记录里出现）："
    "准确率 {accuracy:.3f}（{delta:+.3f}），记录分对 {fixed}/{n}"
)
SUGGEST_RAISE = (
    "  把「{category}」（{code}）的关键词「{word}」权重 {before:g} → {after:g}"
    "（{support} 条记录里它本该起作用）：准确率 {accuracy:.3f}（{delta:+.3f}），记录分对 {fixed}/{n}"
)
SUGGEST_LOWER = (
    "  把「{category}」（{code}）的关键词「{word}」权重 {before:g} → {after:g}"
    "（{support} 条记录因它分错）：准确率 {accuracy:.3f}（{delta:+.3f}），记录分对 {fixed}/{n}"
)
SUGGEST_NONE = "  没有可提的建议：记录太少，或现在的规则已全部分对。"
SUGGEST_FOOTER = (
    "以上只是建议，规则没有任何改动。要采纳，请编辑 config.toml 的 "
    "[categories.代码.keywords]，保存后下一条消息就按新规则分类。"
)

# Webhook mode (issue 13 §2): `python -m bot run --webhook`.
CLI_HELP_WEBHOOK = (
    "用 webhook 接收消息（Telegram 把更新推送到 [web] public_url；需要环境变量 "
    "TELEGRAM_WEBHOOK_SECRET）；可以多个进程共用一个 PostgreSQL 数据库"
)
CONFIG_BAD_PUBLIC_URL = (
    "public_url 应为 http(s)://主机[:端口][/路径] 形式的地址，不带 ? 或 #，实际为 \"{value}\""
)
CONFIG_BAD_WEBHOOK_SECRET = (
    "环境变量 TELEGRAM_WEBHOOK_SECRET 应为 16–256 个字符，只能用 A-Z、a-z、0-9、_ 和 -"
    "（Telegram 的规定）"
)
CONFIG_WEBHOOK_SECRET_IN_FILE = (
    "配置文件 {path} 中不能写 webhook_secret：它只从环境变量 TELEGRAM_WEBHOOK_SECRET 读取。"
)
WEBHOOK_NO_PUBLIC_URL = (
    "机器人没有启动：webhook 模式需要 [web] public_url（或环境变量 WEB_PUBLIC_URL），"
    "即 Telegram 访问本机网页端口的 https 地址。"
)
WEBHOOK_NO_SECRET = (
    "机器人没有启动：webhook 模式需要环境变量 TELEGRAM_WEBHOOK_SECRET（16–256 个字符，"
    "只用 A-Z、a-z、0-9、_ 和 -），Telegram 每次推送都会带上它。"
)
WEBHOOK_SET_FAILED = (
    "机器人停止了：Telegram 拒绝设置 webhook {url}（{error}）。Telegram 只接受 443、80、88、"
    "8443 端口上的 https 地址。\n"
    "Stopped: Telegram refused the webhook {url} ({error})."
)
