"""Morgue's reading room: a Datasette plugin (templates, Atom feeds, charts) for the archive.

Registered through the `datasette` entry point in pyproject.toml, so `datasette serve` finds it
once the project is installed; its templates are in browse/templates/.
"""

from browse.plugin import (
    extra_template_vars,
    prepare_connection,
    prepare_jinja2_environment,
    register_output_renderer,
    register_routes,
    render_cell,
)

__all__ = [
    "extra_template_vars",
    "prepare_connection",
    "prepare_jinja2_environment",
    "register_output_renderer",
    "register_routes",
    "render_cell",
]
