"""Who may do what: every (rule, method) of the URL map, classified.

tests/test_authz_matrix.py sends every rule and method (HEAD and OPTIONS aside: Flask answers
them from GET and the rule's methods) as every principal, and checks the answer against the
class given here. A rule missing from POLICY fails the suite: classify new routes here.

Principals: ``anonymous``; ``partner_a`` and ``partner_b`` (users of two publishers; URL
parameters always name partner A's objects); ``staff``; ``disabled_staff`` (a staff account
disabled after it signed in and received its API token). Web routes are called with the
principal's session cookie (and a valid CSRF token on forms), API routes with its API token.

``ALLOWED`` means any answer below 500, 2xx included; a set lists the only statuses the
principal may get (never a 2xx for a principal that must be refused).
"""

from __future__ import annotations

from typing import Final

ALLOWED: Final = frozenset(range(100, 500))

PRINCIPALS = ("anonymous", "partner_a", "partner_b", "staff", "disabled_staff")

# Where a refused browser is sent: the sign-in page (302 for GET, 302/303 after a POST).
TO_LOGIN = frozenset({302, 303})
NOT_YOURS = frozenset({404})

CLASSES: dict[str, dict[str, frozenset[int]]] = {
    # Anyone, signed in or not.
    "public": dict.fromkeys(PRINCIPALS, ALLOWED),
    # Desk staff only (the console's enforcement point); partners get 403.
    "staff": {
        "anonymous": TO_LOGIN,
        "partner_a": frozenset({403}),
        "partner_b": frozenset({403}),
        "staff": ALLOWED,
        "disabled_staff": TO_LOGIN,
    },
    # The partner portal, on the partner's own objects: another publisher's are "not there".
    "partner-own": {
        "anonymous": TO_LOGIN,
        "partner_a": ALLOWED,
        "partner_b": NOT_YOURS,
        "staff": frozenset({403}),
        "disabled_staff": TO_LOGIN,
    },
    # The partner portal, pages without an object (each partner sees its own).
    "partner": {
        "anonymous": TO_LOGIN,
        "partner_a": ALLOWED,
        "partner_b": ALLOWED,
        "staff": frozenset({403}),
        "disabled_staff": TO_LOGIN,
    },
    # Any signed-in account (its own password, signing out).
    "any-signed-in": {
        "anonymous": TO_LOGIN,
        "partner_a": ALLOWED,
        "partner_b": ALLOWED,
        "staff": ALLOWED,
        "disabled_staff": TO_LOGIN,
    },
    # Metrics: a client address or bearer token configured for them; no session counts.
    "metrics": dict.fromkeys(PRINCIPALS, frozenset({403})),
    # Partner feeds take a feed key only; a browser session is no credential there.
    "feed-key": dict.fromkeys(PRINCIPALS, frozenset({401})),
    # API, open to anyone; a bad (here: disabled) credential is still refused.
    "api-public": {
        "anonymous": ALLOWED,
        "partner_a": ALLOWED,
        "partner_b": ALLOWED,
        "staff": ALLOWED,
        "disabled_staff": frozenset({401}),
    },
    # API, readable by any valid credential (what each may see is filtered).
    "api-read": {
        "anonymous": frozenset({401}),
        "partner_a": ALLOWED,
        "partner_b": ALLOWED,
        "staff": ALLOWED,
        "disabled_staff": frozenset({401}),
    },
    # API, staff only.
    "api-staff": {
        "anonymous": frozenset({401}),
        "partner_a": frozenset({403}),
        "partner_b": frozenset({403}),
        "staff": ALLOWED,
        "disabled_staff": frozenset({401}),
    },
    # API, a partner's own objects (staff any); another publisher's object is "not there".
    "api-partner-own": {
        "anonymous": frozenset({401}),
        "partner_a": ALLOWED,
        "partner_b": NOT_YOURS,
        "staff": ALLOWED,
        "disabled_staff": frozenset({401}),
    },
    # API, what only a partner does for its own publisher (the desk does not act for it).
    "api-partner-only-own": {
        "anonymous": frozenset({401}),
        "partner_a": ALLOWED,
        "partner_b": NOT_YOURS,
        "staff": frozenset({403}),
        "disabled_staff": frozenset({401}),
    },
    # API, a partner's own settings and figures (each partner its own; the desk has the
    # console for these).
    "api-partner-only": {
        "anonymous": frozenset({401}),
        "partner_a": ALLOWED,
        "partner_b": ALLOWED,
        "staff": frozenset({403}),
        "disabled_staff": frozenset({401}),
    },
    # API, partner collections (each partner its own; staff all).
    "api-partner": {
        "anonymous": frozenset({401}),
        "partner_a": ALLOWED,
        "partner_b": ALLOWED,
        "staff": ALLOWED,
        "disabled_staff": frozenset({401}),
    },
}

POLICY: dict[tuple[str, str], str] = {
    # Public site
    ("/", "GET"): "public",
    ("/articles/<slug>", "GET"): "public",
    ("/articles/<slug>/comments", "GET"): "public",
    ("/articles/<slug>/comments", "POST"): "public",
    ("/articles/<slug>/comments/held", "GET"): "public",
    ("/comments/confirm/<token>", "GET"): "public",
    ("/comments/confirm/<token>", "POST"): "public",
    ("/authors/<slug>", "GET"): "public",
    ("/sections/<slug>", "GET"): "public",
    ("/search", "GET"): "public",
    ("/tags/<slug>", "GET"): "public",
    ("/republish", "GET"): "public",
    ("/republish/apply", "GET"): "public",
    ("/republish/apply", "POST"): "public",
    ("/republish/thanks/<token>", "GET"): "public",
    ("/feeds/public.atom", "GET"): "public",
    ("/feeds/public.rss", "GET"): "public",
    ("/media/<path:key>", "GET"): "public",
    ("/static/<path:filename>", "GET"): "public",
    ("/px/<token>.gif", "GET"): "public",
    ("/sitemap.xml", "GET"): "public",
    ("/sitemaps/pages.xml", "GET"): "public",
    ("/sitemaps/tags.xml", "GET"): "public",
    ("/sitemaps/news.xml", "GET"): "public",
    ("/sitemaps/articles-<period>.xml", "GET"): "public",
    ("/robots.txt", "GET"): "public",
    # Operations: probes for anyone; metrics only for allowed addresses or the metrics token
    # (neither is configured here, so every principal is refused).
    ("/healthz", "GET"): "public",
    ("/readyz", "GET"): "public",
    ("/metrics", "GET"): "metrics",
    # Accounts
    ("/login", "GET"): "public",
    ("/login", "POST"): "public",
    ("/account/setup/<token>", "GET"): "public",
    ("/account/setup/<token>", "POST"): "public",
    ("/logout", "POST"): "any-signed-in",
    ("/account/password", "GET"): "any-signed-in",
    ("/account/password", "POST"): "any-signed-in",
    # Partner feeds
    ("/feeds/partner.atom", "GET"): "feed-key",
    ("/feeds/partner.json", "GET"): "feed-key",
    ("/feeds/partner.rss", "GET"): "feed-key",
    # Partner portal
    ("/portal/", "GET"): "partner",
    ("/portal/keys", "GET"): "partner",
    ("/portal/keys", "POST"): "partner",
    ("/portal/keys/<int:key_id>/revoke", "GET"): "partner-own",
    ("/portal/keys/<int:key_id>/revoke", "POST"): "partner-own",
    ("/portal/keys/<int:key_id>/rotate", "GET"): "partner-own",
    ("/portal/keys/<int:key_id>/rotate", "POST"): "partner-own",
    ("/portal/tokens", "GET"): "partner",
    ("/portal/tokens", "POST"): "partner",
    ("/portal/tokens/<int:token_id>/revoke", "GET"): "partner-own",
    ("/portal/tokens/<int:token_id>/revoke", "POST"): "partner-own",
    ("/portal/licences", "GET"): "partner",
    ("/portal/licences/<int:licence_id>", "GET"): "partner-own",
    ("/portal/licences/<int:licence_id>/accept", "POST"): "partner-own",
    ("/portal/requests", "GET"): "partner",
    ("/portal/requests", "POST"): "partner",
    ("/portal/requests/new", "GET"): "partner",
    ("/portal/requests/<int:request_id>", "GET"): "partner-own",
    ("/portal/requests/<int:request_id>/withdraw", "POST"): "partner-own",
    ("/portal/members", "GET"): "partner",
    ("/portal/members/<int:request_id>/confirm", "POST"): "partner-own",
    ("/portal/members/<int:request_id>/decline", "POST"): "partner-own",
    ("/portal/notices", "GET"): "partner",
    ("/portal/notices/acknowledge", "POST"): "partner",
    ("/portal/desk", "GET"): "partner",
    ("/portal/desk/<slug>", "GET"): "partner",
    ("/portal/desk/<slug>/copy", "POST"): "partner",
    ("/portal/pickups", "GET"): "partner",
    ("/portal/pickups.csv", "GET"): "partner",
    ("/portal/pickups/copies.csv", "GET"): "partner",
    ("/portal/pickups/chart.svg", "GET"): "partner",
    ("/portal/webhook", "GET"): "partner",
    ("/portal/webhook", "POST"): "partner",
    ("/portal/webhook/remove", "POST"): "partner",
    # Staff console
    ("/staff/", "GET"): "staff",
    ("/staff/reauth", "GET"): "staff",
    ("/staff/reauth", "POST"): "staff",
    ("/staff/articles", "GET"): "staff",
    ("/staff/articles/new", "GET"): "staff",
    ("/staff/articles/new", "POST"): "staff",
    ("/staff/articles/new/preview", "POST"): "staff",
    ("/staff/articles/<int:article_id>", "GET"): "staff",
    ("/staff/articles/<int:article_id>", "POST"): "staff",
    ("/staff/articles/<int:article_id>/corrections", "POST"): "staff",
    ("/staff/articles/<int:article_id>/images", "POST"): "staff",
    ("/staff/articles/<int:article_id>/images/<int:image_id>/detach", "POST"): "staff",
    ("/staff/articles/<int:article_id>/preview", "POST"): "staff",
    ("/staff/articles/<int:article_id>/publish", "POST"): "staff",
    ("/staff/articles/<int:article_id>/unpublish", "POST"): "staff",
    ("/staff/articles/<int:article_id>/kill", "GET"): "staff",
    ("/staff/articles/<int:article_id>/kill", "POST"): "staff",
    ("/staff/notices", "GET"): "staff",
    ("/staff/notices/articles/<int:article_id>", "GET"): "staff",
    ("/staff/pickups", "GET"): "staff",
    ("/staff/pickups.csv", "GET"): "staff",
    ("/staff/pickups/fetches.csv", "GET"): "staff",
    ("/staff/pickups/copies.csv", "GET"): "staff",
    ("/staff/pickups/chart.svg", "GET"): "staff",
    ("/staff/audit", "GET"): "staff",
    ("/staff/outbox", "GET"): "staff",
    ("/staff/outbox/<int:message_id>", "GET"): "staff",
    ("/staff/comments", "GET"): "staff",
    ("/staff/comments/<int:comment_id>/<any(approve, spam, delete):action>", "POST"): "staff",
    ("/staff/images", "GET"): "staff",
    ("/staff/images/upload", "GET"): "staff",
    ("/staff/images/upload", "POST"): "staff",
    ("/staff/images/<int:image_id>", "GET"): "staff",
    ("/staff/images/<int:image_id>", "POST"): "staff",
    ("/staff/licences", "GET"): "staff",
    ("/staff/licences/<int:licence_id>", "GET"): "staff",
    ("/staff/licences/<int:licence_id>/renew", "POST"): "staff",
    ("/staff/licences/<int:licence_id>/resume", "POST"): "staff",
    ("/staff/licences/<int:licence_id>/revoke", "POST"): "staff",
    ("/staff/licences/<int:licence_id>/suspend", "POST"): "staff",
    ("/staff/license-requests", "GET"): "staff",
    ("/staff/license-requests/<int:request_id>", "GET"): "staff",
    ("/staff/license-requests/<int:request_id>/approve", "GET"): "staff",
    ("/staff/license-requests/<int:request_id>/approve", "POST"): "staff",
    ("/staff/license-requests/<int:request_id>/ask-info", "POST"): "staff",
    ("/staff/license-requests/<int:request_id>/reject", "POST"): "staff",
    ("/staff/publishers", "GET"): "staff",
    ("/staff/publishers/<int:publisher_id>", "GET"): "staff",
    ("/staff/publishers/<int:publisher_id>/keys/<int:key_id>/revoke", "POST"): "staff",
    ("/staff/users", "GET"): "staff",
    ("/staff/users/<int:user_id>", "GET"): "staff",
    ("/staff/users/<int:user_id>/disable", "GET"): "staff",
    ("/staff/users/<int:user_id>/disable", "POST"): "staff",
    ("/staff/users/<int:user_id>/tokens/<int:token_id>/revoke", "POST"): "staff",
    ("/staff/tokens", "POST"): "staff",
    # JSON API
    ("/api/v1/openapi.json", "GET"): "api-public",
    ("/api/v1/license-requests", "POST"): "api-public",
    ("/api/v1/license-requests", "GET"): "api-partner",
    ("/api/v1/license-requests/<int:request_id>", "GET"): "api-partner-own",
    ("/api/v1/license-requests/<int:request_id>/approve", "POST"): "api-staff",
    ("/api/v1/license-requests/<int:request_id>/reject", "POST"): "api-staff",
    ("/api/v1/articles", "GET"): "api-read",
    ("/api/v1/articles", "POST"): "api-staff",
    ("/api/v1/articles/<slug>", "GET"): "api-read",
    ("/api/v1/articles/<slug>", "PATCH"): "api-staff",
    ("/api/v1/articles/<slug>/publish", "POST"): "api-staff",
    ("/api/v1/articles/<slug>/unpublish", "POST"): "api-staff",
    ("/api/v1/images", "POST"): "api-staff",
    ("/api/v1/images/<int:image_id>", "GET"): "api-staff",
    ("/api/v1/feed-keys", "GET"): "api-partner",
    ("/api/v1/feed-keys", "POST"): "api-partner",
    ("/api/v1/feed-keys/<int:key_id>", "GET"): "api-partner-own",
    ("/api/v1/feed-keys/<int:key_id>", "DELETE"): "api-partner-own",
    ("/api/v1/feed-keys/<int:key_id>/rotate", "POST"): "api-partner-own",
    ("/api/v1/licenses", "GET"): "api-partner",
    ("/api/v1/licenses/<int:licence_id>", "GET"): "api-partner-own",
    ("/api/v1/licenses/<int:licence_id>/revoke", "POST"): "api-staff",
    ("/api/v1/articles/<slug>/embargo", "POST"): "api-staff",
    ("/api/v1/articles/<slug>/corrections", "POST"): "api-staff",
    ("/api/v1/articles/<slug>/kill", "POST"): "api-staff",
    ("/api/v1/notices", "GET"): "api-partner",
    ("/api/v1/notices/<int:notice_id>", "GET"): "api-partner-own",
    ("/api/v1/notices/<int:notice_id>/acknowledge", "POST"): "api-partner-only-own",
    ("/api/v1/tokens", "GET"): "api-partner",
    ("/api/v1/tokens/<int:token_id>", "DELETE"): "api-partner-own",
    ("/api/v1/comments", "GET"): "api-staff",
    ("/api/v1/comments/<int:comment_id>/moderate", "POST"): "api-staff",
    ("/api/v1/webhook", "GET"): "api-partner-only",
    ("/api/v1/webhook", "PUT"): "api-partner-only",
    ("/api/v1/pickups", "GET"): "api-partner-only",
}
