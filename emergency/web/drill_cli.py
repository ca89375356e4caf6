"""Flask CLI for drill organisers: ``flask --app app drill validate|run|report|list``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from emergency.drills import DRILL_MARK, service
from emergency.drills.evaluation import STATUS_LABELS, report_dict
from emergency.drills.export import report_html, report_xlsx
from emergency.drills.scenario import (
    LIBRARY_DIR,
    InvalidScenario,
    Scenario,
    load_file,
    summary,
)
from emergency.web.clock import tz


def drill_commands() -> AppGroup:
    """``flask drill …`` (registered by emergency/web/cli.py)."""

    @click.group("drill", cls=AppGroup)
    def drill() -> None:
        """Drills (演练): validate, run and report scenarios."""

    @drill.command("list")
    def drill_list() -> None:
        """The scenario library (演练脚本示例)."""
        for sid, (scen, _text) in service.library().items():
            s = summary(scen)
            click.echo(f"{sid:36} {s['type_zh']} {s['duration']:>6}  {scen.title}")

    @drill.command("validate")
    @click.argument("file")
    @click.option("--engine/--no-engine", "use_engine", default=True, show_default=True,
                  help="Also check on the river network and the incident engine.")
    def drill_validate(file: str, use_engine: bool) -> None:
        """Check a scenario FILE (a path, or the id of a library scenario)."""
        scen, _text = _load(file)
        s = summary(scen)
        click.echo(f"✓ {scen.title} ({s['type_zh']}, {s['duration']}, {s['injects']} injects, "
                   f"{s['contingency']} contingency, {s['objectives']} objectives)")
        if not use_engine:
            return
        with current_app.extensions["database"].session() as session:
            findings = service.check_scenario(current_app.extensions["engine"].get(), scen,
                                              session)
        marks = {"error": "✗", "warning": "!", "info": "·"}
        for f in findings:
            click.echo(f"  {marks[f['level']]} {f['where']}: {f['message_zh']} / "
                       f"{f['message_en']}")
        if any(f["level"] == "error" for f in findings):
            raise SystemExit(1)

    @drill.command("run")
    @click.argument("file")
    @click.option("--speed", type=float, default=60.0, show_default=True,
                  help="Scenario seconds per wall second (1 real time, 10, 60; 0 stepped).")
    @click.option("--auto", is_flag=True,
                  help="Headless: scripted players complete the expected actions.")
    @click.option("--on-time", type=click.FloatRange(0, 1), default=0.8, show_default=True,
                  help="Share of expected actions the scripted players do on time.")
    @click.option("--seed", type=int, default=1, show_default=True)
    @click.option("--step", "step_minutes", type=click.FloatRange(min=1), default=None,
                  help="Scenario minutes per step of the headless clock (default: one wall "
                       "minute at --speed).")
    @click.option("--quiet", is_flag=True, help="Only the summary.")
    def drill_run(file: str, speed: float, auto: bool, on_time: float, seed: int,
                  step_minutes: float | None, quiet: bool) -> None:
        """Run scenario FILE. With --auto the run plays itself headless and reports."""
        scen, text = _load(file)
        ctx = current_app.extensions["engine"].get()
        database = current_app.extensions["database"]
        if not auto:
            with database.session() as session:
                run = service.start_drill(session, ctx, scen, text, actor="cli",
                                          wall=datetime.now(UTC), speed=speed)
                run_id = run.id
            click.echo(f"{DRILL_MARK} drill run {run_id} started at speed {speed:g}: "
                       f"drive it with POST /api/drills/runs/{run_id}/advance|step|pause|end")
            return
        step = step_minutes or max(speed, 1.0)
        run_id = service.auto_run(
            database, ctx, scen, text, players=service.AutoPlayers(on_time=on_time, seed=seed),
            step_minutes=step, actor="auto", echo=(lambda line: None) if quiet else click.echo)
        with database.session() as session:
            report = service.build_report(session, run_id, tz=tz())
        _print_summary(report_dict(report), run_id)

    @drill.command("report")
    @click.argument("run_id", type=int)
    @click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="Write the report as XLSX.")
    @click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="Write the printable HTML fragment.")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    def drill_report(run_id: int, xlsx_path: Path | None, html_path: Path | None,
                     as_json: bool) -> None:
        """The after-action report of drill run RUN_ID."""
        try:
            with current_app.extensions["database"].session() as session:
                report = service.build_report(session, run_id, tz=tz())
        except service.NotFound as err:
            raise click.ClickException(f"{err.message_zh} / {err.message_en}") from None
        body = report_dict(report)
        if as_json:
            click.echo(json.dumps(body, ensure_ascii=False, indent=1))
        else:
            _print_summary(body, run_id, details=True)
        if xlsx_path:
            xlsx_path.write_bytes(report_xlsx(report))
            click.echo(f"XLSX: {xlsx_path}")
        if html_path:
            html_path.write_text(report_html(report), "utf-8")
            click.echo(f"HTML: {html_path}")
    return drill



def _load(file: str) -> tuple[Scenario, str]:
    path = Path(file)
    if not path.is_file() and (LIBRARY_DIR / f"{file}.yaml").is_file():
        path = LIBRARY_DIR / f"{file}.yaml"
    if not path.is_file():
        raise click.ClickException(f"没有文件 {file} / no such file or library scenario: {file}")
    try:
        return load_file(path), path.read_text("utf-8")
    except InvalidScenario as err:
        for problem in err.problems:
            click.echo(f"✗ {problem}", err=True)
        raise click.ClickException(f"{err.message_zh} / {err.message_en}") from None


def _print_summary(body: dict, run_id: int, details: bool = False) -> None:
    c = body["counts"]
    click.echo(f"{DRILL_MARK} {body['title']}")
    click.echo(f"  ended {body['ended_at']} ({body['end_reason_zh']}), played "
               f"{body['duration_played']}")
    click.echo(f"  score {body['score'] if body['score'] is not None else '—'} "
               f"{body['grade_zh'] or ''} · on time {c['on_time']} · late {c['late']} · missed "
               f"{c['missed']} · not due {c['not_due']} · injects {c['injects_delivered']}")
    cov = body.get("coverage") or {}
    if cov and not cov["complete"]:
        click.echo(f"  未完成 incomplete: injects {cov['injects_delivered']}/"
                   f"{cov['injects_planned']} · actions {cov['actions_assessed']}/"
                   f"{cov['actions_planned']} · score on what was played "
                   f"{body['played_score'] if body['played_score'] is not None else '—'}")
        for reason in cov["reasons"]:
            click.echo(f"    - {reason['zh']} / {reason['en']}")
    for o in body["objectives"]:
        click.echo(f"  {o['id']}: {o['score'] if o['score'] is not None else '—'} "
                   f"{o['grade_zh'] or ''}  {o['text']}")
    if details:
        for a in body["actions"]:
            click.echo(f"    {a['inject_id']}/{a['action_id']} "
                       f"{STATUS_LABELS[a['status']][0]:4} 时限 {a['deadline_t'] or '—'} 完成 "
                       f"{a['done_t'] or '—'}  {a['text']}")
        for p in body["improvement_plan"]:
            click.echo(f"  改进: {p['item']}({p['owner']},{p['due']})")
    click.echo(f"run id: {run_id}")
