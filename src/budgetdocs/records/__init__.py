"""Stage 1, records: the user's files in, validated records out.

``loader`` reads a YAML/JSON file into a typed record (``model`` for the 绩效目标申报表
editions, ``budget_model`` for the 部门/单位预算), remembering where every value came
from; ``checks`` and ``budget`` find what types cannot rule out (totals, classification
names and codes); ``units`` resolves what a user typed; ``prior`` finds last year's
figures.  ``importer`` and ``newyear`` write records: from the budget system's
workbooks, and a unit carried to the next year.  Every problem is an
:class:`budgetdocs.errors.Problem` naming file, line and column.
"""
