"""Ways in and out of the product: other tools' formats, next to the native JSON format.

Exports read a model and write bytes (``registry.EXPORTS``); imports translate a file into the
native document and hand it to ``threatmodel.native.native_import_data`` (``registry.IMPORTS``),
so an import from any tool is all-or-nothing, goes through the single diagram write path and
answers errors that name the place in the file that is wrong.
"""
