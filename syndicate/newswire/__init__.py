"""The newswire lifecycle after publication: embargoes, kills, notices, webhooks, pickups."""
