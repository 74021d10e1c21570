"""budgetdocs: Shanghai budget documents from records, as PDF, DOCX and XLSX.

The stages, in the order a render runs them:

records   ``loader`` (files → located mappings), ``model`` / ``budget_model``
          (typed records), ``checks`` and ``budget`` (validation, computed tables),
          ``prior`` (last year's figures), ``narrative`` and ``projectnotes``
          (numbers → sentences);
layout    ``layout`` (Jinja templates in ``templates/`` → one HTML layout),
          ``tree`` (that HTML → the document tree the DOCX/XLSX writers read),
          ``paginate`` (merged labels repeated across page breaks);
output    ``writers`` (pdf, docx, xlsx), ``pdfparts`` and ``jobs`` (parts laid
          out in parallel and cached, then assembled), ``build`` (what is
          written where) and ``cli`` (the ``render`` command).
"""
