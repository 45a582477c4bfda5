"""Every string a person reads: residents, volunteers, coordinators and operators.

Kept in one module so the wording can be reviewed and changed in one place.
"""

from __future__ import annotations

# ---- kinds, states, reasons -------------------------------------------------------------

KIND_NAMES = {"wish": "微心愿", "complaint": "投诉/问题", "suggestion": "建议"}

STATUS_NAMES = {
    "submitted": "待接单",
    "assigned": "已派单，待志愿者接单",
    "claimed": "已接单",
    "in_progress": "办理中",
    "resolved": "已办结，待您确认",
    "reopened": "已重新打开",
    "closed": "已结单",
    "cancelled": "已撤回",
    "closed_unresolved": "已关闭（未解决）",
}

CLOSE_REASONS = {
    "not_our_duty": "不属于社区职责",
    "duplicate": "重复反映",
    "unable": "暂时无法解决",
}

# ---- domain errors (codes raised by the domain services; shown as polite refusals) -------

ERRORS = {
    "ticket_not_found": "没有找到工单 #{number}。请核对编号。",
    "not_reporter": "这张工单不是您提交的，不能这样操作。",
    "not_volunteer": "只有本社区已登记的志愿者才能这样操作。",
    "volunteer_inactive": "您的志愿者身份目前已停用，请联系社区工作人员。",
    "not_coordinator": "只有本社区的工作人员才能这样操作。",
    "not_assignee": "这张工单不在您名下，不能这样操作。",
    "wrong_community": "这张工单不属于您服务的社区。",
    "already_taken": "来晚一步：工单 #{number} 已经被 {name} 认领了。谢谢您的热心！",
    "bad_state": "工单 #{number} 当前状态是「{status}」，不能{action}。",
    "changed_meanwhile": "工单 #{number} 刚刚已被其他人处理，请刷新后再试。",
    "bad_rating": "评分请选 1 到 5 颗星。",
    "bad_reason": "关闭原因请选择：{reasons}。",
    "bad_category": "没有这个分类：{code}。",
    "volunteer_full": "{name} 手上的任务已满（{limit} 件），请选择其他志愿者。",
    "volunteer_not_found": "没有找到这位志愿者。",
    "draft_gone": "这条草稿已经失效了。请重新发一条消息描述问题或心愿。",
    "draft_submitted": "这条已经提交过了，工单编号 #{number}。",
    "bad_building": "没有这个楼院，请从按钮里选择。",
    "invite_invalid": "这个邀请链接已经用过或过期了。请向社区工作人员要一个新的链接。",
    "no_categories": "请至少选择一个您愿意服务的类别。",
    "revisit_answered": "工单 #{number} 的回头看已经收到您的回复了，谢谢！",
}

ACTION_NAMES = {
    "route": "派单",
    "accept": "接单",
    "decline": "转给他人",
    "claim": "认领",
    "release": "退回",
    "progress": "添加进展",
    "resolve": "办结",
    "confirm": "确认解决",
    "reject": "反馈未解决",
    "rate": "评价",
    "cancel": "撤回",
    "assign": "指派",
    "close": "关闭",
    "reopen": "重新打开",
    "triage": "分类",
    "auto_close": "自动结单",
    "offer_group": "发到群里认领",
    "accept_timeout": "超时未接单，转群认领",
    "claim_timeout": "催办（网格长）",
    "claim_escalate": "催办（社区）",
    "progress_reminder": "提醒更新进展",
    "overdue": "超期督办",
    "confirm_reminder": "提醒居民确认",
    "revisit": "回头看",
    "revisit_ok": "回头看：仍然解决",
    "revisit_reopen": "回头看：又出问题",
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
    ("start", "开始使用"),
    ("report", "反映问题或投诉"),
    ("wish", "提交微心愿"),
    ("my", "我提交的事项"),
    ("cancel", "撤回未被认领的事项，如 /cancel 12"),
    ("help", "使用帮助"),
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

START = (
    "您好，我是社区的“微心愿·随手拍”小助手 🏠\n\n"
    "有什么烦心事、小心愿或好建议，直接打字发给我就行，也可以发照片、位置或语音。"
    "我会把它交给结对的党员志愿者或社区工作人员，办好以后请您来确认、打分。\n\n"
    "个人信息说明：您的姓名、电话和门牌号只给接单的志愿者和社区工作人员看；"
    "志愿者群里只显示编号、类别、摘要和楼院，文字里的手机号会打码。\n\n"
    "常用：/my 查看我提交的事项，/help 查看帮助。"
)
START_BUILDING = "已记住您住在 {community}·{building}。以后反映问题就不用再选楼院了。"
START_UNKNOWN_BUILDING = "这个二维码里的楼院代码不认识，可能已经更换。您照常发消息就可以，我会请您选楼院。"
HELP = (
    "怎么用：\n"
    "• 直接发文字说明问题或心愿，如“3号楼楼道灯坏了三天了”；可以加照片、位置、语音。\n"
    "• 发送后我会显示识别的类别，确认无误点「✅ 确认提交」。\n"
    "• /my 查看进度；/cancel 编号 撤回还没人认领的事项。\n"
    "• 志愿者：/tasks 查看手上的任务。\n"
    "• 遇到煤气味、着火、有人被困电梯等危险，请先拨打 119/110/120，再告诉我。"
)
GROUP_HELP = "本群用于认领居民的微心愿和问题：看到任务点「🙋 认领」即可。详情和联系方式会私聊发给认领人。"
PRIVATE_ONLY = "这个操作请在与我的私聊里进行。"
UNKNOWN_COMMAND = "没有这个命令。可以直接发文字告诉我问题或心愿，或发 /help 查看帮助。"
UNSUPPORTED_MESSAGE = "暂时只能处理文字、照片、位置和语音。请用文字描述一下您的问题或心愿吧。"
NOT_MEANINGFUL = "没太看懂 😊 请用文字说说遇到了什么问题或有什么心愿，比如“5号楼门口垃圾堆了好几天”。"
ERROR_TRY_AGAIN = "抱歉，刚才出了点问题，没有处理成功。请稍后再试一次。"
BUTTON_NOT_UNDERSTOOD = "这个按钮已经失效了，请重新操作。"
REFUSED = "{message}"
ASK_TEXT_FOR_MEDIA = "收到了 👍 请再用一句话说说是什么问题或心愿，我好分给合适的人。"
ADDED_TO_DRAFT = "已添加到您刚才的草稿里。"
COMMAND_NEEDS_NUMBER = "请在命令后写上工单编号，例如：{example}"
WISH_PROMPT = "请说说您的微心愿，比如“想给行动不便的老伴借一辆轮椅”。"
REPORT_PROMPT = "请说说遇到了什么问题，可以加照片和位置。"

# ---- residents ---------------------------------------------------------------------------

PREVIEW = (
    "我理解的是：\n"
    "类别：{category}\n"
    "类型：{kind}{urgent}\n"
    "楼院：{building}\n"
    "{attachments}"
    "内容：{summary}\n\n"
    "没问题请点「✅ 确认提交」；类别不对可以点「🔁 换个类别」。"
)
PREVIEW_URGENT = "（⚠️ 紧急，会立即通知社区工作人员）"
PREVIEW_ATTACHMENTS = "附件：{items}\n"
PREVIEW_PHOTOS = "照片 {n} 张"
PREVIEW_LOCATION = "位置"
PREVIEW_VOICE = "语音（由社区工作人员听后分类）"
PREVIEW_NO_TEXT = "（无文字）"
BUILDING_UNKNOWN = "未选择"
BTN_CONFIRM = "✅ 确认提交"
BTN_OTHER_CATEGORY = "🔁 换个类别"
BTN_DISCARD = "✖️ 不提交了"
PICK_CATEGORY = "请选择类别："
PICK_COMMUNITY = "您住在哪个社区？"
PICK_BUILDING = "您住在哪个楼院？"
DISCARDED = "好的，这条没有提交。有需要随时再发给我。"
SUBMITTED = "已提交，工单编号 #{number}（{category}）。\n{next_step}"
ASK_PHONE = "如需志愿者电话联系您，可以点下方按钮分享手机号（可不分享，只有接单志愿者和社区工作人员能看到）。"
NEXT_VOLUNTEER = "已派给结对的党员志愿者，接单后我会告诉您是谁。"
NEXT_GROUP = "已发到社区志愿者群等待认领，有人认领后我会告诉您。"
NEXT_TRIAGE = "社区工作人员会先看一下再分派，请稍等。"
NEXT_URGENT = "⚠️ 已立即通知社区工作人员。如有危险请先拨打 119/110/120。"
BTN_SHARE_PHONE = "📞 分享手机号"
BTN_NO_PHONE = "不用了"
PHONE_SAVED = "已记下您的手机号，只有接单志愿者和社区工作人员能看到。"
PHONE_NOT_OWN = "请用下方按钮分享您自己的手机号。"
PHONE_SKIPPED = "好的，不分享也可以。"
MY_EMPTY = "您还没有提交过事项。直接发文字告诉我就可以。"
MY_HEADER = "您提交的事项（最近 {n} 条）："
MY_LINE = "#{number} {category} · {status} · {summary}"
CANCELLED = "工单 #{number} 已撤回。"

NOTICE_CLAIMED = "工单 #{number}：{volunteer}（{unit}）已接单，会尽快处理。"
NOTICE_PROGRESS = "工单 #{number} 有新进展：{note}"
NOTICE_RESOLVED = (
    "工单 #{number}：志愿者说已经办好了——{summary}\n请您确认一下，真的解决了吗？"
)
BTN_RESOLVED_YES = "👍 已解决"
BTN_RESOLVED_NO = "👎 未解决"
ASK_REJECT_REASON = "哪里还没解决？请简单说说，我会转给志愿者。"
REOPENED_FOR_RESIDENT = "工单 #{number} 已重新打开，已转告志愿者继续处理。"
REOPENED_TO_OFFICE_FOR_RESIDENT = "工单 #{number} 已重新打开，并转交社区工作人员跟进。"
ASK_RATING = "工单 #{number} 已结单，谢谢您！请给这次服务打个分："
RATED = "谢谢您的评价！想说点什么也可以直接打字（可不填）。"
COMMENT_SAVED = "已收到您的留言，谢谢！"
NOTICE_RELEASED = "工单 #{number}：原志愿者暂时办不了，已重新为您派单。"
NOTICE_CLOSED_UNRESOLVED = "工单 #{number} 已由社区关闭：{reason}。{note}如有疑问请联系社区。"
NOTICE_REOPENED_BY_OFFICE = "工单 #{number} 已由社区重新打开，会继续跟进。"

# ---- volunteers --------------------------------------------------------------------------

TICKET_CARD = (
    "工单 #{number} · {category}{urgent}\n"
    "楼院：{building}\n"
    "{summary}"
)
URGENT_MARK = " ⚠️紧急"
NOTICE_OFFER = "有一件事派给您：\n{card}\n\n能接吗？接单后会看到居民的联系方式。"
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
ASK_PROGRESS = "请输入进展（会转告居民），如“已联系物业，明天上午来修”。"
ASK_RESOLVE = "请用一句话说说怎么办好的（会转告居民并请他确认）。"
PROGRESS_SAVED = "进展已记录并转告居民。"
RESOLVE_SAVED = "已标记办结，正在请居民确认。谢谢您！"
RELEASED = "已退回工单 #{number}，会重新派给其他人。"
ACCEPTED = "您已接单 #{number}，详情已发给您。"
DECLINED = "好的，工单 #{number} 已转给他人。"
CLAIMED_OK = "认领成功！工单 #{number} 的详情已私聊发给您。"
CLAIM_START_PRIVATE = "认领成功！请先私聊我发送 /start，我才能把详情发给您。"
NOTICE_CONFIRMED = "工单 #{number}：居民确认已解决 🎉 谢谢您！"
NOTICE_RATED = "工单 #{number}：居民打了 {stars} 分。{comment}"
NOTICE_COMMENTED = "工单 #{number}：居民留言：{comment}"
NOTICE_REOPENED = "工单 #{number}：居民反馈还没解决——{reason}\n请继续跟进。"
NOTICE_REOPENED_BY_OFFICE_TO_VOLUNTEER = "工单 #{number} 已由社区重新打开{note}，请继续跟进。"
NOTICE_REOPENED_TO_OFFICE = "工单 #{number} 被居民第二次退回，已转交社区工作人员。谢谢您的付出。"
NOTICE_WITHDRAWN = "工单 #{number} 已被居民撤回，不用再处理了。"
NOTICE_UNASSIGNED = "工单 #{number} 已由社区改派给其他人，您不用再处理了。"
NOTICE_CLOSED_BY_OFFICE = "工单 #{number} 已由社区关闭（{reason}），不用再处理了。"
TASKS_EMPTY = "您手上暂时没有任务。谢谢您！"
TASKS_HEADER = "您手上的任务："
TASK_LINE = "#{number} {category} · {status} · {summary}"
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
OVERDUE_LINE = "#{number} {category} · {assignee} · 超期 {days} 天"
UNCLAIMED_EMPTY = "没有待认领的工单。"
UNCLAIMED_HEADER = "待认领的工单（最早的在前）："
UNCLAIMED_LINE = "#{number} {category} · {building} · {since}{triage}"
WAITED_HOURS = "已等 {hours} 小时"
WAITED_DAYS = "已等 {days} 天"
CLASSIFY_USAGE = "用法：/classify 楼道灯坏了三天了"
NEEDS_TRIAGE_MARK = " · 待分类"
VOLUNTEERS_EMPTY = "还没有登记的志愿者。可以 /invite 生成邀请链接，或用命令行导入名单。"
VOLUNTEERS_HEADER = "志愿者（手上任务 / 上限）："
VOLUNTEER_LINE = "{name}（{unit}）{open}/{max} · {categories}{inactive}"
INACTIVE_MARK = " · 未启用"
NOBODY = "无人"
STATS = (
    "{community} 最近 {days} 天：\n"
    "新增 {new}，接单 {claimed}，办结 {resolved}，结单 {closed}，关闭（未解决）{closed_unresolved}，"
    "撤回 {cancelled}\n"
    "当前未结：{backlog}\n"
    "响应率：{response}\n解决率：{resolution}\n满意率：{satisfaction}"
)
CLASSIFY_RESULT = "类别：{category}\n类型：{kind}\n紧急：{urgent}\n命中词：{matched}"
YES, NO = "是", "否"
NONE_MATCHED = "（无）"
NOT_COORDINATOR_COMMAND = "这个命令只有社区工作人员可以使用。"

# ---- follow-ups (bot/followups.py): reminders, 催办, 督办, 回头看 ----------------------------

SPAN_MINUTES = "{n}分钟"
SPAN_HOURS = "{n}小时"
SPAN_DAYS = "{n}天"
SPAN_DAYS_HOURS = "{days}天{hours}小时"
NOTICE_OFFER_LAPSED = "工单 #{number} 超过 {hours} 没有接单，已发到志愿者群里供大家认领。"
NOTICE_CHASE_LEADER = (
    "⏰ 催办：工单 #{number} 已等待 {waited} 仍无人认领。\n{card}\n"
    "请网格长帮忙找人认领，或联系社区派单。"
)
NOTICE_CHASE_OFFICE = "⏰ 催办：工单 #{number} 已等待 {waited} 仍无人认领。\n{card}\n请派单：/assign {number}"
NOTICE_PROGRESS_REMINDER = "工单 #{number} 已有 {waited} 没有更新进展了。办到哪一步了？点「添加进展」告诉居民一声。"
NOTICE_OVERDUE_OFFICE = (
    "🔴 督办：工单 #{number} 已超过办理时限（{limit}）。\n{card}\n当前：{status}，经办人：{holder}。"
    "\n可改派：/assign {number}"
)
NOTICE_OVERDUE_VOLUNTEER = "🔴 工单 #{number} 已超过办理时限（{limit}），社区已收到督办提醒。请尽快办结或说明情况。"
NOTICE_CONFIRM_REMINDER = (
    "工单 #{number} 志愿者办结已有 {waited}，问题解决了吗？请点下面的按钮告诉我们。"
    "\n（{days} 天内没有回复，将按“已解决”结单。）"
)
NOTICE_AUTO_CLOSED = "工单 #{number} 您一直没有回复，已按“已解决”结单。如果其实没解决，点下面的按钮告诉我们。"
NOTICE_AUTO_CLOSED_VOLUNTEER = "工单 #{number}：居民未回复，已自动结单。谢谢您！"
NOTICE_REVISIT = "回头看：工单 #{number}（{category}）办好 {days} 天了，现在还好吗？"
BTN_REVISIT_OK = "👍 还好着"
BTN_REVISIT_BAD = "👎 又出问题了"
REVISIT_THANKS = "谢谢反馈！工单 #{number} 记为持续有效。"
REVISIT_REOPENED = "已重新打开工单 #{number}，会请志愿者再来看看。"
REVISIT_REASON = "又出问题了（回头看）"
HOLDER_NONE = "无人认领"

# ---- statistics ------------------------------------------------------------------------------

RATE_TEXT = "{percent:.1f}%（{numerator}/{denominator}）"
RATE_NO_DATA = "—（暂无数据）"

# --- Daily digest (bot/digest.py, bot/chart.py) ---

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
    "submitted": "待接单",
    "assigned": "待志愿者接单",
    "claimed": "已接单",
    "in_progress": "办理中",
    "resolved": "待居民确认",
    "reopened": "重新打开",
}
DIGEST_RATES_HEADER = "三率（昨日 ｜ 近 {days} 天）："
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
DIGEST_OVERDUE_LINE = "#{number} {category} · {assignee} · {late}"
DIGEST_LATE_DAYS = "超期 {days} 天"
DIGEST_LATE_UNDER_A_DAY = "超期不到 1 天"
DIGEST_NOBODY = "无人负责"
DIGEST_UNCLAIMED_HEADER = "🙋 待认领 {total} 件（最早的在前）："
DIGEST_UNCLAIMED_NONE = "🙋 没有待认领的工单。"
DIGEST_UNCLAIMED_LINE = "#{number} {category} · {building} · {waited}{triage}"
DIGEST_WAITED_HOURS = "已等 {hours} 小时"
DIGEST_WAITED_DAYS = "已等 {days} 天"
DIGEST_TRIAGE_MARK = " · 待分类"
DIGEST_NO_BUILDING = "楼院未填"
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
