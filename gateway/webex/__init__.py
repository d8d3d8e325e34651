"""WebEx Training Center XML API (DESIGN.md §4): ``POST /WBXService/XMLService``."""
PATH = "/WBXService/XMLService"
