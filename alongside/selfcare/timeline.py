"""Timeline entries: filled in below."""


def register_sources() -> None:
    pass
