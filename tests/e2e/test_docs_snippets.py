# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docs run as they are written: the README's gate example and ad hoc commands, and every playbook
snippet of the gate guide and of the offline-testing guide, each run the way the guide says (its own
`how to run` command: tests/emulator/with_emulator.py, ansible-playbook -i localhost,), pass or fail as
the text says, and print the output the text shows.

The snippets are read from the files, so an edited snippet is what is tested. Each code block carries
a comment just before it (in RST ``.. headroom-snippet: SPEC``, in Markdown
``<!-- headroom-snippet: SPEC -->``). SPEC is a comma-separated list:

  play                  a whole playbook
  requirements          a ``quota_gate_requirements:`` list: it replaces the role's list in the file's
                        first play
  tasks                 tasks: they replace the ``roles:`` and ``tasks:`` of the file's first play
  adhoc                 ad hoc commands, one a line, each run after the how-to-run command's ``--``
  passes / fails        what the run must do (fails: the gate, or the play's own rescue, stops it)
  run with ARGS         more arguments for ansible-playbook (``run with --tags provision``)
  inventory             an INI inventory for the next play, given in place of ``-i localhost,``
  output                lines the run of the snippet before must print (``...`` stands for any text);
                        with ``replace "A" with "B" [once]`` or ``without task "NAME"``, of that
                        snippet changed so, and ``passes`` / ``fails`` for that run
  how to run            the command the file runs its plays with (a file without one: the offline guide's)
  data                  not run (CI files, a report, a scenario, settings for the real cloud)

Every code block of the two guides must carry one, so that a new snippet cannot go untested.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
GATE_GUIDE = ROOT / "docs" / "docsite" / "rst" / "guide_quota_gate.rst"
OFFLINE_GUIDE = ROOT / "docs" / "docsite" / "rst" / "guide_offline_testing.rst"
GUIDES = (GATE_GUIDE, OFFLINE_GUIDE)

RUNNABLE = ("play", "requirements", "tasks", "adhoc")
KINDS = RUNNABLE + ("inventory", "output", "how to run", "data")
# A read that went for a cloud's public endpoint, which a module builds from the region when it has no endpoint: its
# host name, or the failure to resolve one (the emulator is reached by address; the tests run without DNS).
REAL_CLOUD = re.compile(r"[\w.-]*(aliyuncs\.com|myhuaweicloud\.com)|DNSFailure: [^\"\n]*")


class ReachedRealCloud(AssertionError):
    """A read went to a cloud's public endpoint instead of the emulator: the example, run as the offline guide
    says, does not reach the emulator."""


@dataclass
class Block:
    path: Path
    line: int
    section: str
    lang: str
    text: str
    spec: str | None


@dataclass
class Snippet:
    block: Block
    kind: str
    outcome: str | None = None
    extra_args: list = field(default_factory=list)
    replace: tuple | None = None
    without_task: str | None = None
    inventory: str | None = None
    outputs: list = field(default_factory=list)  # (output Snippet) of the run as written, or of a variant


# --- reading the files ----------------------------------------------------------------------------------------

def slug(title):
    return re.sub(r"[^a-z0-9_]+", "-", title.lower()).strip("-")


def rst_blocks(path):
    lines = path.read_text().splitlines()
    blocks, section, spec = [], "", None
    for number, line in enumerate(lines):
        if number + 1 < len(lines) and line.strip() and re.fullmatch(r"([-=~^])\1{2,}", lines[number + 1].strip()) \
                and len(lines[number + 1].strip()) >= len(line.strip()):
            section = slug(line)
        marker = re.match(r"\s*\.\. headroom-snippet: (.+)$", line)
        if marker:
            spec = marker.group(1).strip()
            continue
        directive = re.match(r"(\s*)\.\. code-block:: (\S+)", line)
        if directive:
            indent = len(directive.group(1))
            body = []
            for following in lines[number + 1:]:
                if following.strip() and len(following) - len(following.lstrip()) <= indent:
                    break
                body.append(following)
            blocks.append(Block(path, number + 1, section, directive.group(2),
                                textwrap.dedent("\n".join(body)).strip("\n") + "\n", spec))
            spec = None
        elif line.strip():
            spec = None if not line.lstrip().startswith("..") else spec
    return blocks


def md_blocks(path):
    lines = path.read_text().splitlines()
    blocks, section, spec, number = [], "", None, 0
    while number < len(lines):
        line = lines[number]
        if line.startswith("#") and not line.startswith("#!"):
            section = slug(line.lstrip("#"))
        marker = re.fullmatch(r"<!-- headroom-snippet: (.+?) -->", line.strip())
        fence = re.match(r"```(\S*)", line)
        if marker:
            spec = marker.group(1).strip()
        elif fence:
            end = lines.index("```", number + 1)
            blocks.append(Block(path, number + 1, section, fence.group(1) or "text",
                                "\n".join(lines[number + 1:end]) + "\n", spec))
            spec, number = None, end
        elif line.strip():
            spec = None
        number += 1
    return blocks


def blocks_of(path):
    return md_blocks(path) if path.suffix == ".md" else rst_blocks(path)


def parse_spec(block):
    spec, snippet = block.spec, None
    replace = re.search(r'replace "(.*?)" with "(.*?)"( once)?', spec)
    without = re.search(r'without task "(.*?)"', spec)
    extra = re.search(r"run with ([^,]+)", spec)
    rest = spec
    for match in (replace, without, extra):
        if match:
            rest = rest.replace(match.group(0), "")
    words = [word.strip() for word in rest.split(",") if word.strip()]
    kinds = [word for word in words if word in KINDS]
    assert len(kinds) == 1, "%s:%d: one kind of %s in %r" % (block.path.name, block.line, KINDS, spec)
    unknown = [word for word in words if word not in KINDS + ("passes", "fails")]
    assert not unknown, "%s:%d: unknown words %s in %r" % (block.path.name, block.line, unknown, spec)
    snippet = Snippet(block, kinds[0])
    snippet.outcome = "passes" if "passes" in words else "fails" if "fails" in words else None
    snippet.extra_args = shlex.split(extra.group(1)) if extra else []
    snippet.replace = (replace.group(1), replace.group(2), bool(replace.group(3))) if replace else None
    snippet.without_task = without.group(1) if without else None
    return snippet


def snippets_of(path):
    """The runnable snippets of a file, each with its inventory and outputs, and the file's how-to-run command."""
    runnable, how_to_run, inventory = [], None, None
    for block in blocks_of(path):
        if block.spec is None:
            continue
        snippet = parse_spec(block)
        if snippet.kind == "how to run":
            how_to_run = how_to_run or block.text
        elif snippet.kind == "inventory":
            inventory = block.text
        elif snippet.kind == "output":
            assert runnable, "%s:%d: an output block before any snippet" % (path.name, block.line)
            runnable[-1].outputs.append(snippet)
        elif snippet.kind in RUNNABLE:
            assert snippet.outcome, "%s:%d: say whether the snippet passes or fails" % (path.name, block.line)
            snippet.inventory, inventory = inventory, None
            runnable.append(snippet)
    return runnable, how_to_run


def ids(snippets):
    """A stable name for each snippet: the file, its section and its number in the section."""
    names, counts = [], {}
    for snippet in snippets:
        key = "%s:%s" % (snippet.block.path.stem, snippet.block.section)
        counts[key] = counts.get(key, 0) + 1
        names.append("%s:%d" % (key, counts[key]))
    return names


def cases():
    """(id, file, snippet, variant output or None), one per run: each snippet as written, and each variant an
    output block shows."""
    result = []
    for path in (README,) + GUIDES:
        snippets, unused_how_to_run = snippets_of(path)
        for name, snippet in zip(ids(snippets), snippets):
            result.append((name, path, snippet, None))
            for number, output in enumerate(snippet.outputs, 1):
                if output.replace or output.without_task:
                    result.append(("%s:output-%d" % (name, number), path, snippet, output))
    return result


CASES = cases()


# --- running them ---------------------------------------------------------------------------------------------

def first_play(path):
    plays = [s for s in snippets_of(path)[0] if s.kind == "play"]
    return yaml.safe_load(plays[0].block.text)


def playbook_of(path, snippet, variant):
    """The playbook the snippet stands for: itself, or the file's first play with the fragment in it."""
    text = snippet.block.text
    if variant and variant.replace:
        old, new, once = variant.replace
        assert old in text, "%s:%d: %r is not in the snippet" % (path.name, variant.block.line, old)
        text = text.replace(old, new, 1 if once else -1)
    fragment = yaml.safe_load(text)
    if snippet.kind == "play":
        plays = fragment
    else:
        play = first_play(path)[0]
        if snippet.kind == "requirements":
            role = [r for r in play["roles"] if r["role"] == "headroom.cloud.quota_gate"][0]
            role["vars"]["quota_gate_requirements"] = fragment["quota_gate_requirements"]
        else:
            play.pop("roles", None)
            play["tasks"] = fragment["tasks"] if isinstance(fragment, dict) else fragment
        plays = [play]
    if variant and variant.without_task:
        tasks = plays[0]["tasks"]
        assert any(t.get("name") == variant.without_task for t in tasks), variant.without_task
        plays[0]["tasks"] = [t for t in tasks if t.get("name") != variant.without_task]
    return yaml.safe_dump(plays, sort_keys=False, allow_unicode=True, width=1000)


def how_to_run(path):
    command = snippets_of(path)[1] or snippets_of(OFFLINE_GUIDE)[1]
    return shlex.split(command.replace("\\\n", " "))


def wrapper_part(command):
    return command[:command.index("--") + 1]


def run(command, run_env):
    return subprocess.run(command, env=run_env, cwd=str(ROOT), capture_output=True, text=True, timeout=600,
                          check=False)


def flat(text):
    """The output as the text shows it: JSON-escaped newlines and quotes undone, whitespace collapsed."""
    return " ".join(text.replace("\\n", "\n").replace('\\"', '"').split())


def assert_prints(output, block):
    for line in block.text.splitlines():
        if line.strip():
            pattern = ".*?".join(re.escape(part) for part in " ".join(line.split()).split("..."))
            assert re.search(pattern, output), "%s:%d: not in the output: %s\n%s" % (
                block.path.name, block.line, line, output[-4000:])


def judge(proc, outcome, context):
    output = proc.stdout + proc.stderr
    real = REAL_CLOUD.search(output)
    if real:
        raise ReachedRealCloud("%s read from the real cloud (%s)\n%s" % (context, real.group(0), output[-3000:]))
    assert "could not be read" not in output, "%s: a read failed\n%s" % (context, output[-4000:])
    if outcome == "passes":
        assert proc.returncode == 0, "%s: expected to pass, rc=%d\n%s" % (context, proc.returncode, output[-4000:])
    else:
        assert proc.returncode != 0, "%s: expected to fail\n%s" % (context, output[-4000:])
    return flat(output)


@pytest.mark.parametrize("name, path, snippet, variant", [pytest.param(*case, id=case[0]) for case in CASES])
def test_snippet_runs_as_the_text_says(name, path, snippet, variant, run_env, tmp_path):
    command = how_to_run(path)
    context = "%s:%d (%s)" % (path.name, (variant or snippet).block.line, name)
    if snippet.kind == "adhoc":
        outputs = []
        for line in snippet.block.text.splitlines():
            proc = run(wrapper_part(command) + shlex.split(line), run_env)
            outputs.append(judge(proc, snippet.outcome, "%s: %s" % (context, line)))
            assert (" | SUCCESS" if snippet.outcome == "passes" else " | FAILED") in proc.stdout, proc.stdout
        output = " ".join(outputs)
    else:
        playbook = tmp_path / [word for word in command if word.endswith(".yml")][0]
        playbook.write_text(playbook_of(path, snippet, variant))
        command = [str(playbook) if word.endswith(".yml") else word for word in command]
        if snippet.inventory:
            (tmp_path / "inventory.ini").write_text(snippet.inventory)
            command[command.index("localhost,")] = str(tmp_path / "inventory.ini")
        proc = run(command + snippet.extra_args, run_env)
        output = judge(proc, (variant.outcome if variant else None) or snippet.outcome, context)
        if "headroom.cloud.quota_gate" in playbook.read_text():
            # Whatever the outcome, the gate ran: a play that skipped it proves nothing.
            assert "TASK [headroom.cloud.quota_gate : Plan this host's quota reads]" in output, output[-3000:]
    for block in ([variant] if variant else [o for o in snippet.outputs if not (o.replace or o.without_task)]):
        assert_prints(output, block.block)


# --- the rules of the markers themselves ----------------------------------------------------------------------

@pytest.mark.parametrize("path", GUIDES, ids=lambda p: p.name)
def test_every_code_block_of_the_guides_is_marked(path):
    unmarked = ["%s:%d (%s)" % (path.name, b.line, b.lang) for b in blocks_of(path) if b.spec is None]
    assert not unmarked, "mark these with .. headroom-snippet: (see this file's docstring): %s" % unmarked


def test_the_readme_gate_example_and_ad_hoc_commands_are_run():
    kinds = sorted({(s.block.section, s.kind) for s in snippets_of(README)[0]})
    assert ("gate-a-provisioning-play", "play") in kinds and ("the-modules-on-their-own", "adhoc") in kinds, kinds


def test_markers_are_read_as_written(tmp_path):
    page = tmp_path / "page.rst"
    page.write_text(textwrap.dedent("""
        Title
        =====

        .. headroom-snippet: requirements, fails, run with --tags provision

        .. code-block:: yaml

            quota_gate_requirements:
              - {service: kms, resource_type: key, need: 3}

        .. headroom-snippet: output, passes, replace "need: 3" with "need: 1" once

        .. code-block:: text

            OK ... need 1

        .. code-block:: yaml

            unmarked: true
    """))
    blocks = rst_blocks(page)
    assert [(b.section, b.lang, b.spec) for b in blocks] == [
        ("title", "yaml", "requirements, fails, run with --tags provision"),
        ("title", "text", 'output, passes, replace "need: 3" with "need: 1" once'),
        ("title", "yaml", None)]
    assert blocks[0].text == "quota_gate_requirements:\n  - {service: kms, resource_type: key, need: 3}\n"
    snippets, unused = snippets_of(page)
    assert [(s.kind, s.outcome, s.extra_args, len(s.outputs)) for s in snippets] == [
        ("requirements", "fails", ["--tags", "provision"], 1)]
    assert snippets[0].outputs[0].replace == ("need: 3", "need: 1", True)
    assert snippets[0].outputs[0].outcome == "passes"
    with pytest.raises(AssertionError, match="not in the output: OK ... need 1"):
        assert_prints("OK kms key need 3", blocks[1])
    assert_prints(flat('"msg": "OK kms key on kst-1 \\u2014 need 1"'), blocks[1])
