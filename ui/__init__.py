"""User interfaces: the ``paperkg`` command line and the Streamlit app."""
