"""One module per page; each runs as a Streamlit page script (see ui/app.py and ui/nav.py).

Not named ``pages/``: Streamlit treats a ``pages/`` folder beside the entry script as a
legacy multipage app, and on a fresh server the first request for ``/paper`` would run
``pages/paper.py`` alone, without the entry script (no navigation, no language choice).
"""
