"""The licensing domain: publishers, eligibility, requests, licences and feed keys. No Flask."""
