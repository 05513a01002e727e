"""The public site: front page, articles, sections, authors, search and public feeds."""
