"""`codeassist prompts list|show NAME`: the effective prompt templates (a user override or the built-in
one), their versions, and any override that is broken (it names the file; the built-in one is used)."""

from __future__ import annotations

import json

import click

from codeassist.cli.main import cli


@cli.group("prompts")
def prompts_group() -> None:
    """Prompt templates: built-in ones and your overrides (see README: Prompt templates)."""


@prompts_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def prompts_list(as_json: bool) -> None:
    """Every template with its effective version and where it comes from."""
    from codeassist.prompting import load_template, template_names, template_problems, user_prompts_dir

    rows = []
    for name in template_names():
        template = load_template(name)
        rows.append({"name": name, "version": template.version, "source": template.source})
    problems = template_problems()
    if as_json:
        click.echo(json.dumps({"templates": rows, "overrides_dir": str(user_prompts_dir()), "problems": problems},
                              indent=2))
        return
    width = max(len(r["name"]) for r in rows)
    for row in rows:
        click.echo(f"{row['name']:<{width}}  {row['version']:<10} {row['source']}")
    click.echo(f"\nOverrides: put NAME.md in {user_prompts_dir()} (start from `codeassist prompts show NAME`).")
    for problem in problems:
        click.echo(f"Warning: {problem}", err=True)


@prompts_group.command("show")
@click.argument("name")
def prompts_show(name: str) -> None:
    """Print the effective template NAME (header included: a ready starting point for an override)."""
    from codeassist.prompting import load_template, template_problems

    template = load_template(name)
    version = template.version.removeprefix("user:")
    click.echo(f"---\nname: {template.name}\nversion: {version}\n---\n{template.text}", nl=False)
    click.echo(f"\n# effective version {template.version}, from {template.source}", err=True)
    for problem in template_problems():
        click.echo(f"Warning: {problem}", err=True)
