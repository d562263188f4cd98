"""Per-student exams: papers from a spec and a roster, one answer key, grading of responses.

Variants. Every question of the spec has a *pool* of at least :data:`MIN_POOL` distinct variants,
seeded from the course secret and the question's position (so the instructor can regenerate
them). Each student's variant is drawn from the pool with an HMAC of the course secret and the
student id; when it equals the variant of the student seated just before (roster order, or the
``seat`` column when present) the next variant of the pool is taken, so two neighbours never get
the same numbers. The same secret, spec and roster always give the same papers.

Files written by :func:`make` under ``DIR``::

    papers/<student>.md, papers/<student>.html   one per student, no answers (hand these out)
    key/answer_key.md, key/answer_key.html       every student's variants with answers and solutions
    key/exam.json                                what grading needs (templates, seeds, points)

:func:`grade` reads ``key/exam.json`` and a responses CSV (``id`` plus one column per question
label, e.g. ``1.1``) and writes ``grades/scores.csv`` and ``grades/feedback/<student>.md``.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.i18n import LANGUAGES, N_, translator
from grader.practice import render as rd
from grader.practice.question import AnswerFormatError, Question, check, format_key
from grader.practice.templates import REGISTRY, generate
from grader.practice.text import DOMAIN, msg, render, render_lines

MIN_POOL = 4


class ExamError(ValueError):
    """The spec, roster or responses file is malformed (message says where)."""


@dataclass(frozen=True)
class Item:
    """One question slot of the exam: ``label`` (``"1.2"``), ``template``, ``points``, ``pool`` (variant seeds)."""

    label: str
    section: str
    template: str
    points: float
    pool: tuple[int, ...]


@dataclass(frozen=True)
class Student:
    """A roster row: ``id``, ``name``, ``lang`` and the output file stem ``file``."""

    id: str
    name: str
    lang: str
    file: str


def _hmac_int(secret: str, text: str) -> int:
    return int.from_bytes(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()[:8], "big")


def load_spec(path: Path, secret: str) -> tuple[dict, list[Item]]:
    """Read an exam spec (TOML) and build every question's variant pool.

    Spec: ``title``, optional ``lang`` (``en``/``ko``) and ``pool`` (default 4), then
    ``[[sections]]`` with ``title`` and ``[[sections.questions]]`` with ``template``, ``points``
    and optional ``pool``.

    Args:
        path: the spec file.
        secret: the course secret.
    Returns:
        ``(header, items)``: the spec's top-level keys and the question slots in order.
    Raises:
        ExamError: unreadable spec, unknown template, pool below :data:`MIN_POOL`, or a template
            that cannot produce that many distinct variants.
    """
    try:
        spec = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ExamError(f"cannot read the exam spec {path}: {exc}") from None
    generate("concept", 0)  # loads the registry
    items: list[Item] = []
    sections = spec.get("sections") or []
    if not sections:
        raise ExamError(f"{path}: no [[sections]]")
    for s, section in enumerate(sections, start=1):
        for q, question in enumerate(section.get("questions") or [], start=1):
            label = f"{s}.{q}"
            template = question.get("template")
            if template not in REGISTRY:
                raise ExamError(f"{path}: question {label}: unknown template {template!r} (see `deepgrade practice --list`)")
            pool = int(question.get("pool", spec.get("pool", MIN_POOL)))
            if pool < MIN_POOL:
                raise ExamError(f"{path}: question {label}: a pool needs at least {MIN_POOL} variants, got {pool}")
            try:
                points = float(question.get("points", 1))
            except (TypeError, ValueError):
                raise ExamError(f"{path}: question {label}: points must be a number") from None
            items.append(Item(label, str(section.get("title", "")), template, points, _pool(secret, label, template, pool)))
    if not items:
        raise ExamError(f"{path}: no questions")
    return spec, items


def _pool(secret: str, label: str, template: str, size: int) -> tuple[int, ...]:
    """``size`` seeds of distinct variants (different prompts and keys) of one question slot."""
    seeds: list[int] = []
    seen: set[str] = set()
    for attempt in range(size * 50):
        seed = _hmac_int(secret, f"pool:{label}:{template}:{attempt}") % 10**9
        q = generate(template, seed)
        fingerprint = render_lines(q.prompt, "en") + "|" + "|".join(render(c, "en") for c in q.choices)
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        seeds.append(seed)
        if len(seeds) == size:
            return tuple(seeds)
    raise ExamError(f"question {label}: template {template!r} gave only {len(seeds)} distinct variants")


def load_roster(path: Path, default_lang: str) -> list[Student]:
    """Read a roster CSV: columns ``id`` (required, unique), ``name``, ``lang``, ``seat`` (optional).

    Returns:
        Students in seating order (``seat`` when every row has one, else file order).
    Raises:
        ExamError: missing ``id`` column, empty or duplicate ids, unknown language.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise ExamError(f"cannot read the roster {path}: {exc}") from None
    if not rows or "id" not in rows[0]:
        raise ExamError(f"{path}: the roster needs an 'id' column")
    if all((r.get("seat") or "").strip() for r in rows):
        try:
            rows.sort(key=lambda r: float(r["seat"]))
        except ValueError:
            raise ExamError(f"{path}: seat must be a number") from None
    students, ids, files = [], set(), set()
    for n, row in enumerate(rows, start=2):
        sid = (row.get("id") or "").strip()
        if not sid or sid in ids:
            raise ExamError(f"{path}: line {n}: {'empty' if not sid else 'duplicate'} id {sid!r}")
        lang = (row.get("lang") or default_lang).strip() or default_lang
        if lang not in LANGUAGES:
            raise ExamError(f"{path}: line {n}: unknown language {lang!r}")
        ids.add(sid)
        file = _file_stem(sid)
        if file in files:
            raise ExamError(f"{path}: line {n}: id {sid!r} would share the output file {file!r} with another student")
        files.add(file)
        students.append(Student(sid, (row.get("name") or "").strip(), lang, file))
    return students


def _file_stem(sid: str) -> str:
    """A safe, unique file name for a student id: the id itself when plain, else slug + hash."""
    if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", sid):
        return sid
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", sid).strip("-")[:40] or "student"
    return f"{slug}-{hashlib.sha256(sid.encode()).hexdigest()[:8]}"


def assign(secret: str, items: list[Item], students: list[Student]) -> dict[str, list[int]]:
    """Each student's variant index per question (see the module docstring).

    Returns:
        ``student id → [pool index per item]``; neighbours in seating order differ on every item.
    """
    out: dict[str, list[int]] = {}
    previous: list[int] | None = None
    for student in students:
        picks = []
        for j, item in enumerate(items):
            v = _hmac_int(secret, f"pick:{student.id}:{item.label}") % len(item.pool)
            if previous is not None and previous[j] == v:
                v = (v + 1) % len(item.pool)
            picks.append(v)
        out[student.id] = picks
        previous = picks
    return out


def make(spec_path: Path, roster_path: Path, out_dir: Path, secret: str) -> dict:
    """Write every paper, the answer key and the grading manifest (see the module docstring).

    Args:
        spec_path: exam spec (TOML).
        roster_path: roster (CSV).
        out_dir: output folder (created).
        secret: course secret.
    Returns:
        The manifest written to ``key/exam.json``.
    Raises:
        ExamError: malformed spec or roster.
    """
    spec, items = load_spec(spec_path, secret)
    lang = spec.get("lang", "en")
    if lang not in LANGUAGES:
        raise ExamError(f"{spec_path}: unknown language {lang!r}")
    students = load_roster(roster_path, lang)
    picks = assign(secret, items, students)
    title = str(spec.get("title", "Exam"))
    papers, key = Path(out_dir) / "papers", Path(out_dir) / "key"
    papers.mkdir(parents=True, exist_ok=True)
    key.mkdir(parents=True, exist_ok=True)
    key_md, key_html = [f"# {title}"], [f"<h1>{_e(title)}</h1>"]
    manifest = {"title": title, "items": [vars(i) | {"pool": list(i.pool)} for i in items], "students": []}
    for student in students:
        tr = translator(student.lang, DOMAIN)
        questions = [generate(item.template, item.pool[v]) for item, v in zip(items, picks[student.id])]
        md, body = _paper(title, student, items, questions, tr)
        (papers / f"{student.file}.md").write_text(md, encoding="utf-8")
        (papers / f"{student.file}.html").write_text(rd.page(f"{title} — {student.name or student.id}", body, student.lang), encoding="utf-8")
        km, kh = _key_entry(student, items, questions, tr)
        key_md.append(km)
        key_html.append(kh)
        manifest["students"].append(vars(student) | {"variants": [item.pool[v] for item, v in zip(items, picks[student.id])]})
    (key / "answer_key.md").write_text("\n\n".join(key_md) + "\n", encoding="utf-8")
    (key / "answer_key.html").write_text(rd.page(f"{title} — key", "\n".join(key_html), lang), encoding="utf-8")
    (key / "exam.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _e(text: str) -> str:
    import html

    return html.escape(text)


def _paper(title: str, student: Student, items: list[Item], questions: list[Question], tr) -> tuple[str, str]:
    t = lambda m, **f: render(msg(m, **f), tr)  # noqa: E731
    total = sum(i.points for i in items)
    name_label, id_label, answer_label = t(N_("Name")), t(N_("Student id")), t(N_("Answer"))
    md = [f"# {title}", f"{name_label}: {student.name}  ", f"{id_label}: {student.id}  ",
          t(N_("Total: {points} points. Write each answer in the box; shapes as (2, 3, 4), matrices row by row as 1 2; 3 4."), points=f"{total:g}")]
    html_parts = [f"<h1>{_e(title)}</h1>", f'<table class="meta"><tr><td>{_e(name_label)}</td><td>{_e(student.name)}</td></tr>'
                  f'<tr><td>{_e(id_label)}</td><td>{_e(student.id)}</td></tr></table>', f"<p>{_e(md[3])}</p>"]
    section = None
    for item, q in zip(items, questions):
        if item.section != section:
            section = item.section
            md.append(f"## {section}")
            html_parts.append(f"<h2>{_e(section)}</h2>")
        head = t(N_("Question {label} ({points} points)"), label=item.label, points=f"{item.points:g}")
        md += [f"### {head}", rd.markdown(q.prompt, tr)]
        if q.choices:
            md.append(rd.choices_markdown(q.choices, tr))
        md.append(f"{answer_label}: ______________________")
        html_parts.append(f'<div class="q"><h3>{_e(head)}</h3>{rd.html_lines(q.prompt, tr)}{rd.choices_html(q.choices, tr)}'
                          f'<div class="answer">{_e(answer_label)}:</div></div>')
    return "\n\n".join(md) + "\n", "\n".join(html_parts)


def _key_entry(student: Student, items: list[Item], questions: list[Question], tr) -> tuple[str, str]:
    md = [f"## {student.id} {student.name}".rstrip()]
    hp = [f"<h2>{_e(student.id)} {_e(student.name)}</h2>"]
    for item, q in zip(items, questions):
        answer, label = format_key(q), render(msg(N_("Answer")), tr)
        md += [f"### {item.label} — {render(msg(REGISTRY[q.template].title), tr)} `{q.uid}`",
               f"**{label}: {answer}**", rd.markdown(q.solution, tr)]
        hp.append(f'<div class="q"><h3>{_e(item.label)} <code>{_e(q.uid)}</code></h3><p class="key">{_e(answer)}</p>{rd.html_lines(q.solution, tr)}</div>')
    return "\n\n".join(md), "\n".join(hp)


@dataclass(frozen=True)
class Mark:
    """One graded answer: ``label``, ``marks`` earned, ``points`` possible, ``answer`` as typed, ``status``."""

    label: str
    marks: float
    points: float
    answer: str
    status: str  # "correct", "wrong", "unreadable", "missing"


def grade(out_dir: Path, responses_path: Path) -> dict[str, list[Mark]]:
    """Mark every student's responses and write the scores CSV and per-student feedback.

    Args:
        out_dir: the folder :func:`make` wrote (reads ``key/exam.json``).
        responses_path: CSV with ``id`` and one column per question label; blank = no answer.
    Returns:
        ``student id → marks per question`` for every student of the roster (students with no
        row get "missing" marks).
    Raises:
        ExamError: no manifest, or a responses file without an ``id`` column or with
            duplicate ids or ids not on the roster.
    """
    out_dir = Path(out_dir)
    try:
        manifest = json.loads((out_dir / "key" / "exam.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExamError(f"no exam manifest in {out_dir}/key/exam.json ({exc}); run `deepgrade exam make` first") from None
    items = manifest["items"]
    with open(responses_path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    if rows and "id" not in rows[0]:
        raise ExamError(f"{responses_path}: needs an 'id' column")
    by_id: dict[str, dict] = {}
    roster = {s["id"] for s in manifest["students"]}
    for n, row in enumerate(rows, start=2):
        sid = (row.get("id") or "").strip()
        if sid in by_id:
            raise ExamError(f"{responses_path}: line {n}: duplicate id {sid!r}")
        if sid not in roster:
            raise ExamError(f"{responses_path}: line {n}: id {sid!r} is not on the exam's roster")
        by_id[sid] = row
    grades_dir = out_dir / "grades"
    (grades_dir / "feedback").mkdir(parents=True, exist_ok=True)
    results: dict[str, list[Mark]] = {}
    for student in manifest["students"]:
        row = by_id.get(student["id"], {})
        marks, feedback = [], []
        tr = translator(student["lang"], DOMAIN)
        for item, seed in zip(items, student["variants"]):
            q = generate(item["template"], seed)
            answer = (row.get(item["label"]) or "").strip()
            note = None
            if not answer:
                mark = Mark(item["label"], 0.0, item["points"], "", "missing")
            else:
                try:
                    ok = check(q, answer).correct
                    mark = Mark(item["label"], item["points"] if ok else 0.0, item["points"], answer, "correct" if ok else "wrong")
                except AnswerFormatError as exc:
                    mark, note = Mark(item["label"], 0.0, item["points"], answer, "unreadable"), exc.message
            marks.append(mark)
            feedback.append(_feedback_entry(item, q, mark, note, tr))
        results[student["id"]] = marks
        total = sum(m.marks for m in marks)
        head = render(msg(N_("Feedback for {id}: {total} of {max} points"), id=student["id"], total=f"{total:g}", max=f"{sum(m.points for m in marks):g}"), tr)
        (grades_dir / "feedback" / f"{student['file']}.md").write_text(f"# {manifest['title']}\n\n{head}\n\n" + "\n\n".join(feedback) + "\n", encoding="utf-8")
    with open(grades_dir / "scores.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", *[i["label"] for i in items], "total", "max"])
        for student in manifest["students"]:
            marks = results[student["id"]]
            w.writerow([student["id"], student["name"], *[f"{m.marks:g}" for m in marks], f"{sum(m.marks for m in marks):g}", f"{sum(m.points for m in marks):g}"])
    return results


STATUS = {"correct": N_("correct"), "wrong": N_("wrong"), "unreadable": N_("could not be read"), "missing": N_("no answer")}


def _feedback_entry(item: dict, q: Question, mark: Mark, note, tr) -> str:
    t = lambda m, **f: render(msg(m, **f), tr)  # noqa: E731
    head = t(N_("Question {label} ({points} points)"), label=item["label"], points=f"{item['points']:g}")
    lines = [f"## {head}",
             rd.markdown(q.prompt, tr)]
    if q.choices:
        lines.append(rd.choices_markdown(q.choices, tr))
    lines.append(t(N_("Your answer: {answer} — {status}, {marks} points."), answer=mark.answer or "—", status=msg(STATUS[mark.status]), marks=f"{mark.marks:g}"))
    if note is not None:
        lines.append(render(note, tr))
    lines += [t(N_("Correct answer: {key}"), key=format_key(q)), t(N_("Worked solution:")), rd.markdown(q.solution, tr)]
    return "\n\n".join(lines)
