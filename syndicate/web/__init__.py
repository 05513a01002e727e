"""Web plumbing shared by every blueprint: sessions, errors, headers and caching."""
