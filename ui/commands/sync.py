"""Placeholder: commands of this group are being written."""


def register(sub) -> None:
    pass
