"""Syndicate: the news desk's publishing and syndication service.

Importing this package does no work; build the web application with
:func:`syndicate.app.create_app`.
"""
