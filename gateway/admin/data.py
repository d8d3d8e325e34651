"""placeholder: data at run time"""


def register(app) -> None:
    pass
