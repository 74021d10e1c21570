"""The CSS cascade of a document: each stylesheet parsed once a process, each set of
matched rules merged once a document.

WeasyPrint 70 merges, for every element, the declarations of every rule that matches
it, one declaration at a time (``StyleFor.__init__``): about thirty declarations an
element, a sixth of a part's lay-out.  Our documents are tables of a few kinds of cell:
hundreds of elements match the same rules in the same order, and the merge of the same
rules gives the same cascaded style.  :func:`install` replaces that constructor by the
same loop with the merge remembered per sequence of matched rules (per document, as
WeasyPrint's own sharing of computed styles is); elements with a ``style`` attribute
are merged as before.  The styles, and so the pages, are the same: ``test_cascade.py``
compares the PDFs with and without it.

Every part is a document of its own, and each parsed the same ``style.css`` again (30 ms
of a part, 5 % of a render): :func:`_find_stylesheets` keeps a stylesheet's parse (its
selector matcher and its ``@page`` rules) by its address and the SHA-256 of its text, so a
changed file is parsed again.  A stylesheet with ``@import``, ``@font-face``,
``@counter-style``, ``@color-profile`` or ``@layer`` (which change more than the matcher and
the page rules) is parsed every time, as WeasyPrint does.

Only WeasyPrint 70 is patched (the version ``pyproject.toml`` pins); another version
runs its own code.
"""

from __future__ import annotations

import hashlib
import re
from math import inf

import weasyprint
import weasyprint.css as wcss
from weasyprint import CSS
from weasyprint.css import StyleFor, declaration_precedence, find_style_attributes, get_child_text, media_queries
from weasyprint.css.validation import preprocess_declarations
from weasyprint.logger import PROGRESS_LOGGER
from weasyprint.urls import URLFetchingError, fetch

_UPSTREAM = StyleFor.__init__
_UPSTREAM_FIND = wcss.find_stylesheets


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


class _Parsed:
    """What the cascade reads of a stylesheet (``weasyprint.CSS``): its matcher, and the
    document's lists of ``@page`` rules and layers, this sheet's added to them."""

    def __init__(self, matcher, page_rules: list, layers: list):
        self.matcher = matcher
        self.page_rules = page_rules
        self.layers = layers


_SHEETS: dict[tuple, tuple] = {}  # (address, media, SHA-256 of the text) -> (matcher, page rules)
_OWN_STATE = re.compile(rb"@(import|font-face|counter-style|color-profile|layer)\b", re.IGNORECASE)


def _sheet(key, text: bytes, parse, page_rules: list, layers: list):
    """The stylesheet of ``text``: parsed by ``parse(page_rules, layers)`` once, then reused."""
    if _OWN_STATE.search(text):
        return parse(page_rules, layers)
    key = (*key, hashlib.sha256(text).hexdigest())
    found = _SHEETS.get(key)
    if found is None:
        own_rules: list = []
        sheet = parse(own_rules, [])
        if len(_SHEETS) > 64:
            _SHEETS.clear()
        found = _SHEETS[key] = (sheet.matcher, own_rules)
    matcher, own_rules = found
    page_rules.extend(own_rules)
    return _Parsed(matcher, page_rules, layers)


def _find_stylesheets(wrapper_element, device_media_type, url_fetcher, base_url, font_config, counter_style, color_profiles, page_rules, layers):
    """``weasyprint.css.find_stylesheets`` of WeasyPrint 70 (BSD licence), each sheet
    parsed once a process (see :func:`_sheet`)."""
    from weasyprint.html import element_has_link_type, parse_url

    def common(**source):
        return lambda rules, own_layers: CSS(
            **source, url_fetcher=url_fetcher, media_type=device_media_type, font_config=font_config,
            counter_style=counter_style, color_profiles=color_profiles, page_rules=rules, layers=own_layers)

    for wrapper in wrapper_element.query_all("style", "link"):
        element = wrapper.etree_element
        mime_type = element.get("type", "text/css").split(";", 1)[0].strip()
        if mime_type != "text/css":
            continue
        media_attr = element.get("media", "").strip() or "all"
        media = [media_type.strip() for media_type in media_attr.split(",")]
        if not media_queries.evaluate_media_query(media, device_media_type):
            continue
        if element.tag == "style":
            content = get_child_text(element)
            yield _sheet(("style", base_url, device_media_type), content.encode("utf-8"),
                         common(string=content, base_url=base_url), page_rules, layers)
        elif element.tag == "link" and element.get("href"):
            if not element_has_link_type(element, "stylesheet") or element_has_link_type(element, "alternate"):
                continue
            href = parse_url(element.get("href"), base_url)
            if href is None:
                continue
            try:
                with fetch(url_fetcher, href) as response:
                    text = response.read()
                yield _sheet(("link", href, device_media_type), text, common(url=href, _check_mime_type=True), page_rules, layers)
            except URLFetchingError as exception:
                wcss.LOGGER.error("Failed to load stylesheet at %s: %s", href, exception)


def install() -> bool:
    """Use the shared cascade in this process (WeasyPrint 70 only); True when installed."""
    if not weasyprint.__version__.startswith("70."):
        return False
    StyleFor.__init__ = _init
    wcss.find_stylesheets = _find_stylesheets
    return True


def uninstall() -> None:
    """WeasyPrint's own cascade again (for comparing the two)."""
    StyleFor.__init__ = _UPSTREAM
    wcss.find_stylesheets = _UPSTREAM_FIND
