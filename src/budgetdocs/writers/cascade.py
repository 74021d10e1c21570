"""The CSS cascade of a document, computed once per distinct set of matched rules.

WeasyPrint 70 merges, for every element, the declarations of every rule that matches
it, one declaration at a time (``StyleFor.__init__``): about thirty declarations an
element, a sixth of a part's lay-out.  Our documents are tables of a few kinds of cell:
hundreds of elements match the same rules in the same order, and the merge of the same
rules gives the same cascaded style.  :func:`install` replaces that constructor by the
same loop with the merge remembered per sequence of matched rules (per document, as
WeasyPrint's own sharing of computed styles is); elements with a ``style`` attribute
are merged as before.  The styles, and so the pages, are the same: ``test_cascade.py``
compares the PDFs with and without it.

Only WeasyPrint 70 is patched (the version ``pyproject.toml`` pins); another version
runs its own code.
"""

from __future__ import annotations

from math import inf

import weasyprint
from weasyprint.css import StyleFor, declaration_precedence, find_style_attributes
from weasyprint.css.validation import preprocess_declarations
from weasyprint.logger import PROGRESS_LOGGER

_UPSTREAM = StyleFor.__init__


def _init(self, html, sheets, presentational_hints, font_config, target_collector):
    """``StyleFor.__init__`` of WeasyPrint 70 (BSD licence), with cascaded styles shared
    between elements that match the same rules and have no ``style`` attribute."""
    self._cascaded_styles = cascaded_styles = {}
    self._computed_styles = computed_styles = {}
    self.initial_page_sizes = {"box": None, "area": None}
    self._sheets = sheets
    self.font_config = font_config

    PROGRESS_LOGGER.info("Step 3 - Applying CSS")
    layer_order = inf
    elements_declarations = {}
    for specificity, element, declarations, base_url in find_style_attributes(html.etree_element, presentational_hints, html.base_url):
        style = cascaded_styles.setdefault((element, None), {})
        elements_declarations[element] = tuple(declarations)
        for name, values, importance in preprocess_declarations(base_url, declarations):
            precedence = declaration_precedence("author", importance)
            weight = (precedence, layer_order, specificity)
            old_weight = style.get(name, (None, None))[1]
            if old_weight is None or old_weight <= weight:
                style[name] = values, weight

    layers = [None if not hasattr(sheet, "layers") else sheet.layers for sheet, _o, _s in sheets]
    merged: dict[tuple, dict] = {}  # matched rules -> {pseudo type: cascaded style}
    computed_cache = {}
    for element in html.wrapper_element.iter_subtree():
        etree_element = element.etree_element
        parent = element.parent.etree_element if element.parent else None
        parent_id = id(computed_styles[parent, None]) if element.parent else None
        element_declarations = elements_declarations.get(etree_element)
        matched = []
        selectors_keys = []
        for index, (sheet, _origin, _sheet_specificity) in enumerate(sheets):
            for selector in sheet.matcher.match(element):
                specificity, _order, pseudo_type, (declarations, layer) = selector
                layer_order = inf if layer is None else layers[index].index(layer)
                selectors_keys.append((sheet, specificity, id(declarations), layer_order))
                matched.append((index, specificity, pseudo_type, declarations, layer_order))
        key = tuple((index, specificity, pseudo_type, id(declarations), order) for index, specificity, pseudo_type, declarations, order in matched)
        if element_declarations is None and key in merged:
            for pseudo_type, style in merged[key].items():
                cascaded_styles[etree_element, pseudo_type] = style
        else:
            styles = {}
            for index, specificity, pseudo_type, declarations, order in matched:
                _sheet, origin, sheet_specificity = sheets[index]
                specificity = sheet_specificity or specificity
                style = styles.get(pseudo_type)
                if style is None:
                    style = styles[pseudo_type] = cascaded_styles.setdefault((etree_element, pseudo_type), {})
                for name, values, importance in declarations:
                    precedence = declaration_precedence(origin, importance)
                    weight = (precedence, order, specificity)
                    old_weight = style.get(name, (None, None))[1]
                    if old_weight is None or old_weight <= weight:
                        style[name] = values, weight
            if element_declarations is None:
                merged[key] = styles  # read-only from here: ComputedStyle only reads it

        cache_key = (parent_id, element_declarations, tuple(selectors_keys))
        if cache_key in computed_cache:
            computed_styles[etree_element, None] = computed_cache[cache_key]
        else:
            self.set_computed_styles(etree_element, root=html.etree_element, parent=parent, base_url=html.base_url, target_collector=target_collector)
            computed_cache[cache_key] = computed_styles[etree_element, None]

    for element, pseudo_type in cascaded_styles:
        if pseudo_type:
            self.set_computed_styles(element, pseudo_type=pseudo_type, root=html.etree_element, parent=element, base_url=html.base_url, target_collector=target_collector)
    self._cascaded_styles.clear()


def install() -> bool:
    """Use the shared cascade in this process (WeasyPrint 70 only); True when installed."""
    if not weasyprint.__version__.startswith("70."):
        return False
    StyleFor.__init__ = _init
    return True


def uninstall() -> None:
    """WeasyPrint's own cascade again (for comparing the two)."""
    StyleFor.__init__ = _UPSTREAM
