#!/usr/bin/env python3
"""Check Perk policies against grammar/perk.lark, the Lark translation of grammar/perk.ebnf.

Usage:
    python3 grammar/check_grammar.py [--accept FILE_OR_DIR...] [--reject FILE_OR_DIR...]

Directories are searched recursively for *.perk files. Every --accept file must parse and every
--reject file must fail to parse. A reject file whose first line is an expectation comment,

    # expect: <what is wrong> at LINE:COLUMN[; <second error> at LINE:COLUMN ...]

must moreover fail at the first LINE:COLUMN given (1-based; columns count Unicode scalars; an
error at the end of the file is at the position just past its last character). Lark stops at the
first error, so later positions are documentation for the Swift parser, which recovers.

With no arguments, checks `--accept policies Tests/Golden/grammar-valid Tests/Golden/checker --reject
Tests/Golden/parser`, relative to the repository root (the parent of this script's directory).

Prints one line per failure and finally `N passed, N failed`; exits 0 only if nothing failed.
Requires Lark: python3 -m pip install -r grammar/requirements.txt
"""

import argparse
import re
import sys
from pathlib import Path

try:
    from lark import Lark
    from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput
    from lark.lexer import PatternStr
except ImportError:
    print("check_grammar.py needs Lark: python3 -m pip install -r grammar/requirements.txt", file=sys.stderr)
    sys.exit(2)

GRAMMAR_DIR = Path(__file__).resolve().parent
REPO_ROOT = GRAMMAR_DIR.parent
GRAMMAR = GRAMMAR_DIR / "perk.lark"

DEFAULT_ACCEPT = ["policies", "Tests/Golden/grammar-valid", "Tests/Golden/checker"]
DEFAULT_REJECT = ["Tests/Golden/parser"]

EXPECT_LINE = re.compile(r"^\s*(?:#|//)\s*expect:(.*)$")
EXPECT_POSITION = re.compile(r"\bat (\d+):(\d+)\b")


def make_parser():
    return Lark.open(str(GRAMMAR), parser="earley", lexer="dynamic", start="policy")


def collect(paths, base):
    """The .perk files named by `paths` (files, or directories searched recursively), and the
    paths that do not exist."""
    files, missing = [], []
    for raw in paths:
        path = Path(raw)
        if not path.is_absolute():
            path = base / path
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.perk") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(raw)
    return files, missing


def display(path):
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def describe_terminal(parser, name):
    """`"=="` for an anonymous literal terminal, the terminal's name otherwise."""
    try:
        pattern = parser.get_terminal(name).pattern
    except KeyError:
        return name
    if isinstance(pattern, PatternStr):
        return '"%s"' % pattern.value
    return name


def error_position(error, text):
    """The 1-based (line, column) of a Lark error; the end of the text for an early end-of-input."""
    if isinstance(error, UnexpectedEOF) or getattr(error, "line", -1) in (-1, None):
        line = text.count("\n") + 1
        column = len(text) - (text.rfind("\n") + 1) + 1
        return line, column
    return error.line, error.column


def summarize(parser, error, text):
    """Lark's error on one line: position, message and what was expected."""
    line, column = error_position(error, text)
    if isinstance(error, UnexpectedCharacters):
        message = "no terminal matches %r here" % error.char
        expected = error.allowed or set()
    elif isinstance(error, UnexpectedEOF):
        message = "unexpected end of input"
        expected = set(error.expected or [])
    elif isinstance(error, UnexpectedInput):
        message = str(error).strip().splitlines()[0]
        expected = set(getattr(error, "expected", None) or [])
    else:
        return line, column, "%s: %s" % (type(error).__name__, " ".join(str(error).split()))
    names = sorted({describe_terminal(parser, name) for name in expected})
    if names:
        message += "; expected one of: " + ", ".join(names)
    return line, column, "%s: %s" % (type(error).__name__, message)


def expected_first_error(text):
    """The first `at LINE:COLUMN` of the file's `# expect:` comment, if it has one."""
    first_line = text.split("\n", 1)[0]
    match = EXPECT_LINE.match(first_line)
    if not match:
        return None
    position = EXPECT_POSITION.search(match.group(1))
    return (int(position.group(1)), int(position.group(2))) if position else None


def check(parser, path, should_parse):
    """None if `path` behaves as required, otherwise a one-line reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return "cannot read: %s" % error
    try:
        parser.parse(text)
    except LarkError as error:
        line, column, message = summarize(parser, error, text)
        if should_parse:
            return "%d:%d: should parse, but %s" % (line, column, message)
        expected = expected_first_error(text)
        if expected and expected != (line, column):
            return "%d:%d: rejected, but the first error should be at %d:%d (# expect:); Lark says %s" % (
                line, column, expected[0], expected[1], message)
        return None
    if not should_parse:
        return "parsed, but should have been rejected"
    return None


def main(argv):
    parser_args = argparse.ArgumentParser(
        description="Check Perk policies against grammar/perk.lark (a translation of grammar/perk.ebnf).")
    parser_args.add_argument("--accept", nargs="*", default=None, metavar="FILE_OR_DIR",
                             help="files or directories of *.perk that must parse")
    parser_args.add_argument("--reject", nargs="*", default=None, metavar="FILE_OR_DIR",
                             help="files or directories of *.perk that must not parse")
    args = parser_args.parse_args(argv)

    if args.accept is None and args.reject is None:
        accept_paths, reject_paths, base = DEFAULT_ACCEPT, DEFAULT_REJECT, REPO_ROOT
    else:
        accept_paths, reject_paths, base = args.accept or [], args.reject or [], Path.cwd()

    parser = make_parser()
    passed = failed = 0
    for paths, should_parse in ((accept_paths, True), (reject_paths, False)):
        files, missing = collect(paths, base)
        for raw in missing:
            failed += 1
            print("%s: no such file or directory" % raw)
        for path in files:
            reason = check(parser, path, should_parse)
            if reason is None:
                passed += 1
            else:
                failed += 1
                print("%s: %s" % (display(path), reason))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
