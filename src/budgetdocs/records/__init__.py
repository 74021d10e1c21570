"""Stage 1, records: the user's files in, validated records out.

``loader`` reads a YAML/JSON file into a typed record (``model`` for the 绩效目标申报表
editions, ``budget_model`` for the 部门/单位预算), remembering where every value came
from, and validates as much of it as can be validated (a broken part is left out and
the rest checked, so one run lists every problem); ``checks`` and ``budget`` find what types cannot rule out (totals, classification
names and codes); ``publish`` what the document would print wrong without a word
(blank or placeholder texts, figures not written, dates, texts it does not print);
``units`` resolves what a user typed; ``prior`` finds last year's figures.  ``importer`` and ``newyear`` write records: from the budget system's
workbooks, and a unit carried to the next year.  Every problem is an
:class:`budgetdocs.errors.Problem` naming file, line and column.
"""
