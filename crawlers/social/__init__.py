"""Readers of the social networks' API answers: pure functions from an answer to what it says.

One module per network (``bluesky``, ``mastodon``, ``youtube``, ``x``, ``facebook``, ``instagram``), the shapes
they all give (``answers``), the weekly snapshot made of them (``snapshot``) and the choice of reader by request
URL (``calls``). Nothing here knows the database or the clock.
"""
