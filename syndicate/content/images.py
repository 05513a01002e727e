"""Image intake: verify uploads with Pillow, strip metadata, store renditions, record rights."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from syndicate import audit
from syndicate.content.models import Image, ImageRendition
from syndicate.content.rights import RightsClass
from syndicate.media import MediaStore

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class ImageRejected(ValueError):
    """An upload was refused; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class UploadLimits:
    """Size, pixel and rendition settings for uploads."""

    max_bytes: int = 15 * 1024 * 1024
    max_pixels: int = 40_000_000
    rendition_widths: tuple[int, ...] = (480, 960, 1600)
    jpeg_quality: int = 84


@dataclass
class ImageRights:
    """The credit and rights fields that every image must carry."""

    rights_class: RightsClass
    creator: str = ""
    organization: str = ""
    license_url: str = ""
    source_url: str = ""
    partner_allowed: bool = True
    partner_allowed_until: datetime | None = None

    def validate(self) -> dict[str, str]:
        """Return field → message for every missing or inconsistent rights field."""
        problems: dict[str, str] = {}
        if not self.creator.strip() and not self.organization.strip():
            problems["creator"] = (
                "Give the creator, the organisation, or both: the credit needs one."
            )
        if self.rights_class is RightsClass.CREATIVE_COMMONS and not self.license_url.strip():
            problems["license_url"] = "A Creative Commons image needs its licence URL."
        for name in ("license_url", "source_url"):
            value = getattr(self, name).strip()
            if value and not value.startswith(("https://", "http://")):
                problems[name] = "Use a full http:// or https:// address."
        return problems


def inspect_upload(data: bytes, limits: UploadLimits) -> PILImage.Image:
    """Open and verify an upload, refusing what is not an accepted image or is too large."""
    if not data:
        raise ImageRejected("The file is empty.")
    if len(data) > limits.max_bytes:
        raise ImageRejected(
            f"The file is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{limits.max_bytes / 1_048_576:.0f} MB."
        )
    try:
        with PILImage.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("The file is not a JPEG, PNG or WebP image.") from exc
    except PILImage.DecompressionBombError as exc:
        raise ImageRejected("The image has too many pixels.") from exc
    if fmt not in ACCEPTED_FORMATS:
        raise ImageRejected(f"{fmt or 'This'} files are not accepted; use JPEG, PNG or WebP.")
    if width * height > limits.max_pixels:
        raise ImageRejected(
            f"The image is {width}×{height} pixels; the limit is {limits.max_pixels:,} pixels."
        )
    # verify() leaves the image unusable: open it again to decode it fully.
    try:
        image = PILImage.open(io.BytesIO(data))
        image.load()
    except (OSError, ValueError, PILImage.DecompressionBombError) as exc:
        raise ImageRejected("The image is damaged and cannot be decoded.") from exc
    return image


def _encode(image: PILImage.Image, fmt: str, quality: int) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=quality)
    return out.getvalue()


def ingest_image(
    session: Session,
    store: MediaStore,
    data: bytes,
    rights: ImageRights,
    *,
    alt_text: str,
    caption: str = "",
    limits: UploadLimits | None = None,
    actor_id: int | None = None,
) -> Image:
    """Verify, clean and store an upload with its renditions, and record its rights.

    The stored original is re-encoded without its metadata (EXIF location and the
    like never leave the building). Raises :class:`ImageRejected` before anything is
    written when the file or the rights are not acceptable.
    """
    limits = limits or UploadLimits()
    problems = rights.validate()
    if not alt_text.strip():
        problems["alt_text"] = "Describe the image for readers who cannot see it."
    if problems:
        first_field, first_message = next(iter(problems.items()))
        error = ImageRejected(first_message, first_field)
        error.problems = problems  # type: ignore[attr-defined]
        raise error
    image = inspect_upload(data, limits)
    fmt = image.format or "JPEG"
    image = ImageOps.exif_transpose(image)
    if fmt == "JPEG" or image.mode not in {"RGB", "RGBA", "L", "LA", "P"}:
        image = image.convert("RGB")
        fmt = "JPEG"
    clean = _encode(image, fmt, limits.jpeg_quality)
    digest = hashlib.sha256(clean).hexdigest()
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[fmt]
    key = f"images/{digest[:2]}/{digest}.{ext}"
    store.save(key, clean)
    record = Image(
        storage_key=key,
        sha256=digest,
        media_type=ACCEPTED_FORMATS[fmt],
        width=image.width,
        height=image.height,
        byte_size=len(clean),
        alt_text=alt_text.strip(),
        caption=caption.strip(),
        creator=rights.creator.strip(),
        organization=rights.organization.strip(),
        rights_class=rights.rights_class,
        license_url=rights.license_url.strip(),
        source_url=rights.source_url.strip(),
        partner_allowed=rights.partner_allowed,
        partner_allowed_until=rights.partner_allowed_until,
    )
    for width in sorted(set(limits.rendition_widths)):
        if width >= image.width:
            continue
        height = round(image.height * width / image.width)
        resized = image.resize((width, height), PILImage.Resampling.LANCZOS)
        payload = _encode(resized, "JPEG" if fmt == "JPEG" else fmt, limits.jpeg_quality)
        rendition_key = f"images/{digest[:2]}/{digest}-{width}.{ext}"
        store.save(rendition_key, payload)
        record.renditions.append(
            ImageRendition(
                width=width,
                height=height,
                storage_key=rendition_key,
                media_type=ACCEPTED_FORMATS[fmt],
            )
        )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="image.create",
        object_type="image",
        object_id=record.id,
        after=rights_snapshot(record),
    )
    return record


def rights_snapshot(image: Image) -> dict[str, object]:
    """The rights fields of ``image`` as plain values, for the audit trail."""
    return {
        "rights_class": image.rights_class.value,
        "creator": image.creator,
        "organization": image.organization,
        "license_url": image.license_url,
        "source_url": image.source_url,
        "partner_allowed": image.partner_allowed,
        "partner_allowed_until": (
            image.partner_allowed_until.isoformat() if image.partner_allowed_until else None
        ),
        "caption": image.caption,
        "alt_text": image.alt_text,
    }


def update_image_rights(
    session: Session,
    image: Image,
    rights: ImageRights,
    *,
    alt_text: str,
    caption: str,
    actor_id: int | None,
) -> Image:
    """Change an image's alt text, caption and rights, recording the before and after.

    Raises :class:`ImageRejected` (with ``problems`` for every field) and changes
    nothing when a rights field is missing or inconsistent.
    """
    problems = rights.validate()
    if not alt_text.strip():
        problems["alt_text"] = "Describe the image for readers who cannot see it."
    if problems:
        first_field, first_message = next(iter(problems.items()))
        error = ImageRejected(first_message, first_field)
        error.problems = problems  # type: ignore[attr-defined]
        raise error
    before = rights_snapshot(image)
    image.alt_text = alt_text.strip()
    image.caption = caption.strip()
    image.creator = rights.creator.strip()
    image.organization = rights.organization.strip()
    image.rights_class = rights.rights_class
    image.license_url = rights.license_url.strip()
    image.source_url = rights.source_url.strip()
    image.partner_allowed = rights.partner_allowed
    image.partner_allowed_until = rights.partner_allowed_until
    after = rights_snapshot(image)
    if after != before:
        session.flush()
        audit.record(
            session,
            actor_id=actor_id,
            action="image.rights_update",
            object_type="image",
            object_id=image.id,
            before=before,
            after=after,
        )
    return image
