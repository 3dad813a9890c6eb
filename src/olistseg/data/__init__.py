"""Source data: the table schema, input formats and the synthetic generator.

Owns: what an Olist table is (``schema``), how a folder, zip or SQLite file is read
(``sources``), the synthetic shop (``synthetic``). May import: the leaves (``errors``,
``atomic``) only; it is the bottom of the flow.
"""
