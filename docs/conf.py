"""Sphinx configuration of the provider's documentation site (`make docs`).

MyST Markdown pages, the furo theme, an API reference generated from the docstrings of
`airflow_provider_jodo` (sphinx-autoapi, which reads the source and imports nothing), and
diagrams drawn at build time from the Graphviz sources in `docs/diagrams/`. Nothing is fetched
from the network, at build time or when a reader opens a page.
"""

from __future__ import annotations

from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

project = "airflow-provider-jodo"
author = "airflow-provider-jodo contributors"
copyright = "airflow-provider-jodo contributors"
release = PYPROJECT["version"]
version = release

extensions = ["myst_parser", "autoapi.extension", "sphinx.ext.graphviz"]

# The pages are Markdown; the API reference that autoapi writes at build time is reST (it names
# its files with the first suffix listed).
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "README.md"]

# Headings up to level 3 get anchors, so that pages link to each other's sections
# (`connection.md#extra-fields`) in Sphinx and on GitHub alike.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

# The API reference: the provider only (the sandbox is a test double with its own distribution).
autoapi_dirs = [str(ROOT / "airflow_provider_jodo")]
autoapi_root = "api"
autoapi_type = "python"
autoapi_add_toctree_entry = False
autoapi_options = ["members", "undoc-members", "show-inheritance", "show-module-summary", "imported-members"]
autoapi_member_order = "bysource"
autoapi_python_class_content = "both"
autoapi_keep_files = False

# `make docs` builds nitpicky (-n): every reference must resolve. References into the provider
# must resolve in this site; those to the standard library, Airflow and the type variables of
# annotations have no target here, since nothing is fetched (no intersphinx), and are let be.
nitpick_ignore_regex = [
    (r"py:.*", r"(collections\.abc|datetime|enum|logging|urllib|typing|pathlib|socket|requests|airflow)\..*"),
    # Airflow's own names, re-exported by compat/airflow.py.
    (r"py:.*", r"airflow_provider_jodo\.compat\.airflow\.[A-Z]\w*"),
    (r"py:.*", r"_[A-Z]\w*|JodoError|AirflowFailException|AirflowException|TaskDeferred"),
]
# The provider re-exports Airflow's names from `compat/airflow.py`; autoapi, which reads only the
# provider's source, cannot follow them into Airflow.
suppress_warnings = ["autoapi.python_import_resolution"]

# Docstrings are written in Airflow's reST form (`:param name:`), with single backticks for
# names: read those as code, not as references to resolve.
default_role = "code"

# Diagrams: SVG drawn by Graphviz's `dot` (Debian's `graphviz` package; `make docs` installs it).
graphviz_output_format = "svg"

html_theme = "furo"
html_title = f"airflow-provider-jodo {release}"
html_static_path = ["_static"]
html_show_sourcelink = False
