"""The review-board report: what goes into it (``data``, ``context``) and how it becomes a PDF (``pdf``)."""
