"""Import every model module so that the metadata is complete (migrations, tests)."""

from licenses import models as license_models
from syndicate import audit
from syndicate.accounts import models as account_models
from syndicate.comments import models as comment_models
from syndicate.content import models as content_models
from syndicate.newswire import models as newswire_models
from syndicate.orm import Base
from syndicate.outbox import models as outbox_models
from syndicate.syndication import models as syndication_models

__all__ = [
    "Base",
    "account_models",
    "audit",
    "comment_models",
    "content_models",
    "license_models",
    "newswire_models",
    "outbox_models",
    "syndication_models",
]
