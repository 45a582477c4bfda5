"""The command line, `python -m bot run | try | classify | volunteers import FILE.csv | recount |
db upgrade | db current` (bot/app/cli.py is its entry)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot import texts
from bot.app.clock import SystemClock
from bot.config import Config, ConfigError, config_path_of, load_config

if TYPE_CHECKING:
    from bot.classify.suggest import Suggestions
    from storage.db import Engine
    from storage.schema import SchemaState

EXIT_USAGE = 2
# The database's schema is not the code's (`python -m bot db upgrade`, or a newer release).
EXIT_SCHEMA = 1
# The labelled set --suggest measures proposals on (tuned on; the test split stays frozen).
DEFAULT_LABELS = Path(__file__).resolve().parents[2] / "tests/data/classifier/dev.jsonl"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=texts.CLI_DESCRIPTION)
    parser.add_argument("--config", help=texts.CLI_HELP_CONFIG)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help=texts.CLI_HELP_RUN)
    run.add_argument("--webhook", action="store_true", help=texts.CLI_HELP_WEBHOOK)
    classify = commands.add_parser("classify", help=texts.CLI_HELP_CLASSIFY)
    classify.add_argument("text", nargs="?", help=texts.CLI_HELP_TEXT)
    classify.add_argument("--jsonl", help=texts.CLI_HELP_JSONL)
    classify.add_argument("--eval", dest="eval_file", help=texts.CLI_HELP_EVAL)
    classify.add_argument("--texts", dest="texts_file", help=texts.CLI_HELP_TEXTS)
    classify.add_argument("--suggest", action="store_true", help=texts.CLI_HELP_SUGGEST)
    classify.add_argument("--labels", help=texts.CLI_HELP_LABELS)
    volunteers = commands.add_parser("volunteers", help=texts.CLI_HELP_VOLUNTEERS)
    volunteer_commands = volunteers.add_subparsers(dest="volunteers_command", required=True)
    importer = volunteer_commands.add_parser(
        "import", help=texts.CLI_HELP_IMPORT
    )
    importer.add_argument("file")
    commands.add_parser("recount", help=texts.CLI_HELP_RECOUNT)
    database = commands.add_parser("db", help=texts.CLI_HELP_DB)
    database_commands = database.add_subparsers(dest="db_command", required=True)
    database_commands.add_parser("upgrade", help=texts.CLI_HELP_DB_UPGRADE)
    database_commands.add_parser("current", help=texts.CLI_HELP_DB_CURRENT)
    playground = commands.add_parser("try", help=texts.CLI_HELP_TRY)
    playground.add_argument("--port", type=int, help=texts.CLI_HELP_TRY_PORT)
    playground.add_argument("--host", help=texts.CLI_HELP_TRY_HOST)
    playground.add_argument("--fresh", action="store_true", help=texts.CLI_HELP_TRY_FRESH)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout,
         err: TextIO = sys.stderr) -> int:
    args = _parser().parse_args(argv)
    try:
        # The playground never reads the environment: no token, no real database.
        config = load_config(args.config, env=_playground_env() if args.command == "try" else None)
    except ConfigError as exc:
        print(texts.CLI_CONFIG_ERROR.format(error=exc), file=err)
        return EXIT_USAGE
    if args.command == "classify":
        if args.suggest:
            if args.text is not None or args.jsonl is not None or args.eval_file is not None:
                print(texts.CLI_CLASSIFY_EVAL_USAGE, file=err)
                return EXIT_USAGE
            return _suggest(config, args.labels, out, err)
        if args.labels is not None:
            print(texts.CLI_LABELS_WITHOUT_SUGGEST, file=err)
            return EXIT_USAGE
        if args.texts_file is not None and args.eval_file is None:
            print(texts.CLI_TEXTS_WITHOUT_EVAL, file=err)
            return EXIT_USAGE
        if args.eval_file is not None:
            if args.text is not None or args.jsonl is not None:
                print(texts.CLI_CLASSIFY_EVAL_USAGE, file=err)
                return EXIT_USAGE
            return _evaluate(config, args.eval_file, args.texts_file, out, err)
        return _classify(config, args.text, args.jsonl, out, err)
    if args.command == "volunteers":
        return _import_volunteers(config, args.file, out, err)
    if args.command == "recount":
        return _recount(config, out, err)
    if args.command == "db":
        return _db(config, args.db_command, out, err)
    if args.command == "try":
        from bot.playground.run import run_try  # imports the web stack only when asked

        host = config.web.host if args.host is None else args.host
        port = config.web.port if args.port is None else args.port
        return run_try(config, host=host, port=port, fresh=args.fresh, out=out, err=err,
                       config_path=config_path_of(args.config, _playground_env()))
    return _run(config, config_path_of(args.config, os.environ), err, webhook=args.webhook)


def _playground_env() -> dict[str, str]:
    """Only which config file to read: never the token or the real database's address."""
    return {k: v for k, v in os.environ.items() if k == "BOT_CONFIG"}


def _run(config: Config, path: Path, err: TextIO, webhook: bool = False) -> int:
    if not config.token:
        print(texts.NO_TOKEN + texts.NO_TOKEN_TRY_HINT, file=err)
        return EXIT_USAGE
    if webhook and not config.web.public_url:
        print(texts.WEBHOOK_NO_PUBLIC_URL, file=err)
        return EXIT_USAGE
    if webhook and not config.webhook_secret:
        print(texts.WEBHOOK_NO_SECRET, file=err)
        return EXIT_USAGE
    from bot.app.application import run_bot  # imports telegram only when the bot really starts
    from storage.schema import SchemaMismatch

    try:
        return run_bot(config, path, err, webhook=webhook)
    except SchemaMismatch as exc:
        print(_refusal(exc.state), file=err)
        return EXIT_SCHEMA


def _db(config: Config, command: str, out: TextIO, err: TextIO) -> int:
    """`db upgrade`: bring the database to the code's schema, keeping every row; `db current`:
    where it stands (exit 0 only when it is the code's)."""
    from storage.db import make_engine
    from storage.schema import SchemaMismatch, SchemaStatus, schema_state, upgrade_schema

    engine = make_engine(config.bot.database_url)
    try:
        if command == "current":
            state = schema_state(engine)
            print(_state_line(state), file=out)
            return 0 if state.up_to_date else EXIT_SCHEMA
        try:
            before = upgrade_schema(engine)
        except SchemaMismatch as exc:
            print(_refusal(exc.state), file=err)
            return EXIT_SCHEMA
    finally:
        engine.dispose()
    done = {SchemaStatus.EMPTY: texts.DB_CREATED, SchemaStatus.PREVIOUS_RELEASE: texts.DB_ADOPTED,
            SchemaStatus.BEHIND: texts.DB_UPGRADED, SchemaStatus.CURRENT: texts.DB_ALREADY_CURRENT}
    print(done[before.status].format(revision=before.revision, head=before.head), file=out)
    return 0


def _state_line(state: SchemaState) -> str:
    from storage.schema import SchemaStatus

    template = {SchemaStatus.CURRENT: texts.DB_STATE_CURRENT,
                SchemaStatus.EMPTY: texts.DB_STATE_EMPTY,
                SchemaStatus.PREVIOUS_RELEASE: texts.DB_STATE_PREVIOUS,
                SchemaStatus.BEHIND: texts.DB_STATE_BEHIND,
                SchemaStatus.AHEAD: texts.DB_STATE_AHEAD}[state.status]
    return template.format(revision=state.revision, head=state.head)


def _refusal(state: SchemaState) -> str:
    """One line: why the database was not opened, and what to run."""
    from storage.schema import SchemaStatus

    template = (texts.DB_REFUSED_AHEAD if state.status is SchemaStatus.AHEAD
                else texts.DB_REFUSED_BEHIND)
    return template.format(revision=state.revision or texts.DB_NO_REVISION, head=state.head)


def _open_database(config: Config, err: TextIO) -> Engine | None:
    """The configured database, as `run` opens it: an empty one gets the schema; one behind or
    ahead of the code is refused (one line on `err`, and None)."""
    from storage.db import make_engine
    from storage.schema import SchemaMismatch, ensure_schema

    engine = make_engine(config.bot.database_url)
    try:
        ensure_schema(engine)
    except SchemaMismatch as exc:
        engine.dispose()
        print(_refusal(exc.state), file=err)
        return None
    return engine


def _classify(config: Config, text: str | None, jsonl: str | None, out: TextIO,
              err: TextIO) -> int:
    from bot.classify import Classifier

    if (text is None) == (jsonl is None):
        print(texts.CLI_CLASSIFY_USAGE, file=err)
        return EXIT_USAGE
    classifier = Classifier(config)
    if text is not None:
        print(json.dumps(classifier.classify(text).as_dict(), ensure_ascii=False), file=out)
        return 0
    assert jsonl is not None
    try:
        # Closed by the `with source:` below; stdin is a file too.
        source = sys.stdin if jsonl == "-" else Path(jsonl).open(encoding="utf-8")  # noqa: SIM115
    except OSError:
        print(texts.CLI_FILE_NOT_FOUND.format(path=jsonl), file=err)
        return EXIT_USAGE
    failed = False
    with source:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                message = item["text"]
                if not isinstance(message, str):
                    raise TypeError("text is not a string")
            except (ValueError, KeyError, TypeError) as exc:
                # Keep one output line per input line so results stay aligned with inputs.
                problem = texts.CLI_BAD_JSONL.format(path=jsonl, line=number, error=exc)
                print(json.dumps({"line": number, "error": problem}, ensure_ascii=False),
                      file=out)
                failed = True
                continue
            print(json.dumps(classifier.classify(message).as_dict(), ensure_ascii=False),
                  file=out)
    return 1 if failed else 0


def _evaluate(config: Config, labels: str, texts_file: str | None, out: TextIO,
              err: TextIO) -> int:
    from bot.classify import Classifier
    from bot.classify.evaluate import LabelsError, evaluate, load_labelled, render

    for path in filter(None, (labels, texts_file)):
        if not Path(path).is_file():
            print(texts.CLI_FILE_NOT_FOUND.format(path=path), file=err)
            return EXIT_USAGE
    try:
        items = load_labelled(labels, texts_file)
    except LabelsError as exc:
        print(exc, file=err)
        return EXIT_USAGE
    report = evaluate(Classifier(config), items)
    print("\n".join(render(report, labels)), file=out)
    return 0


def _suggest(config: Config, labels: str | None, out: TextIO, err: TextIO) -> int:
    """Proposals from the corrections stored in the configured database (DATABASE_URL)."""
    from bot.classify.evaluate import LabelsError, load_labelled
    from bot.classify.suggest import Correction, suggest
    from storage.db import uow_factory
    from storage.queries import category_corrections

    path = Path(labels) if labels else DEFAULT_LABELS
    if not path.is_file():
        print(texts.CLI_FILE_NOT_FOUND.format(path=path), file=err)
        return EXIT_USAGE
    try:
        items = load_labelled(path)
    except LabelsError as exc:
        print(exc, file=err)
        return EXIT_USAGE
    engine = _open_database(config, err)
    if engine is None:
        return EXIT_SCHEMA
    try:
        with uow_factory(engine)() as uow:
            rows = [Correction(r.text, r.from_category, r.to_category)
                    for r in category_corrections(uow.session)]
    finally:
        engine.dispose()
    if not rows:
        print(texts.SUGGEST_NO_CORRECTIONS, file=out)
        return 0
    print("\n".join(render_suggestions(config, suggest(config, rows, items), str(path))),
          file=out)
    return 0


def render_suggestions(config: Config, found: Suggestions, labels: str) -> list[str]:
    lines = [texts.SUGGEST_HEADER.format(n=found.corrections, labels=labels,
                                         accuracy=found.accuracy, fixed=found.fixed)]
    for p in found.proposals:
        template = {"add": texts.SUGGEST_ADD, "raise": texts.SUGGEST_RAISE,
                    "lower": texts.SUGGEST_LOWER}[p.action]
        lines.append(template.format(
            category=config.category_name(p.category), code=p.category, word=p.word,
            before=p.before, after=p.after, support=p.support, accuracy=p.accuracy,
            delta=p.accuracy - found.accuracy, fixed=p.fixed, n=found.corrections))
    if not found.proposals:
        lines.append(texts.SUGGEST_NONE)
    lines.append(texts.SUGGEST_FOOTER)
    return lines


def _import_volunteers(config: Config, file: str, out: TextIO, err: TextIO) -> int:
    from bot.services.deps import Deps
    from bot.services.roster import ImportFailed, import_volunteers
    from storage.db import uow_factory

    try:
        content = Path(file).read_text(encoding="utf-8")
    except FileNotFoundError:
        print(texts.CLI_FILE_NOT_FOUND.format(path=file), file=err)
        return EXIT_USAGE
    except UnicodeDecodeError:
        print(texts.IMPORT_FAILED.format(errors=texts.IMPORT_NOT_UTF8), file=err)
        return EXIT_USAGE
    engine = _open_database(config, err)
    if engine is None:
        return EXIT_SCHEMA
    try:
        result = import_volunteers(Deps(config, uow_factory(engine), SystemClock()), content)
    except ImportFailed as exc:
        print(texts.IMPORT_FAILED.format(errors="\n".join(exc.errors)), file=err)
        return EXIT_USAGE
    finally:
        engine.dispose()
    print(texts.IMPORT_DONE.format(created=result.created, updated=result.updated), file=out)
    return 0


def _recount(config: Config, out: TextIO, err: TextIO) -> int:
    """Count the digest's tallies again from the tickets (after someone edited tickets by hand)."""
    from storage.tallies import rebuild_tallies

    engine = _open_database(config, err)
    if engine is None:
        return EXIT_SCHEMA
    try:
        with engine.begin() as conn:
            tickets = rebuild_tallies(conn, config.tz, SystemClock().now())
    finally:
        engine.dispose()
    print(texts.CLI_RECOUNT_DONE.format(tickets=tickets), file=out)
    return 0

