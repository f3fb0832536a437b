"""One module per page; each runs as a Streamlit page script (see ui/app.py)."""
