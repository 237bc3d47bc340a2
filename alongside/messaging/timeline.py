"""Messages on the participant timeline."""


def register_sources() -> None:
    pass
