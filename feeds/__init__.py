"""Feed building: prepared items to RSS, Atom and JSON Feed bytes. No Flask, no database."""
