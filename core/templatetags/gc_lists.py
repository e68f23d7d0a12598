"""Rows of viewflow's list pages rendered in Python, once per cell (issue 8's benchmark: page growth with rows).

viewflow's ``views/list.html`` renders each cell through the template engine: a loop step, the column's
``column_type()`` called again for every cell, the value resolved, localised and escaped. At 25 rows of five
columns that was a good part of an inbox or queue page's Python time. ``list_rows`` yields what the template's
row loop did, each row's cells as one safe string, byte for byte the markup the template wrote
(``tests/core/test_list_rows.py`` renders a page both ways)."""

from django import template
from django.template.base import render_value_in_context
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def list_rows(context, page, list_view):
    """``(obj, cells)`` for each row of ``page``: viewflow's ``list_page_data`` with the row's ``<td>`` cells
    joined. A column's type is asked once per page (it depends on the column, not on the row)."""
    types = {id(column): column.column_type() for column in list_view.list_columns.values()}
    for obj, row in list_view.get_page_data(page):
        yield obj, mark_safe(format_html_join(
            "", '<td class="vf-list__table-cell-{}">{}</td>',
            ((types[id(column)], render_value_in_context(value, context)) for column, value in row)))
