"""Every Scenario field has its widget in the dashboard, as the field declares (`field_widget`):
a field added without a sidebar entry (or a renamed widget key) fails here, naming the field."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from portfolio.scenario import Scenario, field_widget

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _keys(node: object, out: set[str]) -> set[str]:
    key = getattr(node, "key", None)
    if isinstance(key, str):
        out.add(key)
    children = getattr(node, "children", None)
    for child in (children.values() if isinstance(children, dict) else children or []):
        _keys(child, out)
    return out


def test_every_field_has_the_widget_it_declares():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    keys = _keys(at.sidebar, set()) | _keys(at.main, set())
    missing = {name: field_widget(name) for name in Scenario.model_fields
               if not any(k.startswith(field_widget(name)) for k in keys)}
    assert not missing, f"no widget for these fields (field: declared widget key): {missing}"
    # the sidebar's own entries are in the sidebar; the proposals' choices in the proposals table
    sidebar = _keys(at.sidebar, set())
    for name in Scenario.model_fields:
        if field_widget(name) != "proposals_editor":
            assert any(k.startswith(field_widget(name)) for k in sidebar), name


def test_the_widget_keys_are_distinct_where_the_fields_are():
    widgets = {name: field_widget(name) for name in Scenario.model_fields}
    shared = {w for w in widgets.values() if list(widgets.values()).count(w) > 1}
    assert shared == {"proposals_editor"}  # force_in, force_out and variants: the table's three-way choice
