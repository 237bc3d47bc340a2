"""Referrals and shared look-ups on the participant timeline."""


def register_sources() -> None:
    pass
