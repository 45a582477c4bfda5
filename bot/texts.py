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

# ---- domain errors (codes raised by bot.tickets; shown as polite refusals) ---------------

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
CONFIG_DUPLICATE_CODE = "社区代码 {code} 重复"
CONFIG_DUPLICATE_BUILDING = "社区 {community} 中有重复的楼院代码"
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
