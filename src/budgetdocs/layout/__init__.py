"""Stage 2, layout: validated records in, one HTML layout per document out.

``narrative`` turns the computed tables and last year's figures into sentences
(rounding, 增加/减少/持平) and is tested without templates; ``projectnotes`` writes the
项目经费情况说明; ``html`` renders the sandboxed Jinja templates into the layout that
every writer (:mod:`budgetdocs.writers`) reads.
"""
