"""Image intake: verify uploads with Pillow, strip metadata, store renditions, record rights."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError
from PIL.PngImagePlugin import PngInfo
from sqlalchemy.orm import Session

from syndicate import audit
from syndicate.content.licensing import ImageLicensing, image_licensing, passes_on
from syndicate.content.models import Image, ImageRendition
from syndicate.content.rights import RightsClass
from syndicate.content.xmp import xmp_packet
from syndicate.media import MediaStore

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# The longest text each descriptive and rights field of an image may hold.
TEXT_LIMITS = {
    "alt_text": 500,
    "caption": 4000,
    "creator": 200,
    "organization": 200,
    "license_url": 500,
    "source_url": 500,
}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# The iTXt keyword under which PNG files carry XMP.
PNG_XMP_KEY = "XML:com.adobe.xmp"


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


def _encode(image: PILImage.Image, fmt: str, quality: int | str, xmp: bytes) -> bytes:
    """Encode ``image`` with ``xmp`` as its only metadata (``quality="keep"`` re-saves a
    decoded JPEG with its own quantisation tables)."""
    out = io.BytesIO()
    if fmt == "JPEG":
        if quality != "keep":
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True, xmp=xmp)
    elif fmt == "PNG":
        info = PngInfo()
        info.add_itxt(PNG_XMP_KEY, xmp.decode())
        image.save(out, "PNG", optimize=True, pnginfo=info)
    else:
        lossy = quality if isinstance(quality, int) else UploadLimits.jpeg_quality
        image.save(out, "WEBP", quality=lossy, xmp=xmp)
    return out.getvalue()


def embedded_licensing(image: Image, terms_url: str) -> ImageLicensing:
    """The licensing facts of a stored image, as its files carry them."""
    return image_licensing(
        rights_class=image.rights_class,
        creator=image.creator,
        organization=image.organization,
        license_url=image.license_url,
        source_url=image.source_url,
        offered=passes_on(image.rights_class, image.partner_allowed),
        terms_url=terms_url,
    )


def embedded_packet(image: Image, terms_url: str) -> bytes:
    """The XMP packet an image's files carry: its rights and its caption."""
    return xmp_packet(embedded_licensing(image, terms_url), image.caption)


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
    terms_url: str = "",
) -> Image:
    """Verify, clean and store an upload with its renditions, and record its rights.

    The stored original and every rendition are re-encoded with the image's rights and
    caption as their only metadata (:mod:`syndicate.content.xmp`; ``terms_url`` is the
    absolute address of the republishing terms): EXIF location, camera make and model
    never leave the building. Raises :class:`ImageRejected` before anything is written
    when the file or the rights are not acceptable.
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
    record = Image(
        # The upload's own digest: the same file uploaded twice is recognisable, whatever
        # rights each copy carries (the stored files differ by their metadata).
        sha256=hashlib.sha256(data).hexdigest(),
        media_type=ACCEPTED_FORMATS[fmt],
        width=image.width,
        height=image.height,
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
    packet = embedded_packet(record, terms_url)
    clean = _encode(image, fmt, limits.jpeg_quality, packet)
    digest = _place(store, record, clean, fmt)
    for width in sorted(set(limits.rendition_widths)):
        if width >= image.width:
            continue
        height = round(image.height * width / image.width)
        resized = image.resize((width, height), PILImage.Resampling.LANCZOS)
        rendition_key = _rendition_key(digest, width, fmt)
        store.save(rendition_key, _encode(resized, fmt, limits.jpeg_quality, packet))
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


def _rendition_key(digest: str, width: int, fmt: str) -> str:
    return f"images/{digest[:2]}/{digest}-{width}.{EXTENSIONS[fmt]}"


def _place(store: MediaStore, record: Image, original: bytes, fmt: str) -> str:
    """Store ``original`` under its content address and point ``record`` at it."""
    digest = hashlib.sha256(original).hexdigest()
    record.storage_key = f"images/{digest[:2]}/{digest}.{EXTENSIONS[fmt]}"
    record.byte_size = len(original)
    store.save(record.storage_key, original)
    return digest


def stored_packet(data: bytes) -> bytes | None:
    """The XMP packet a stored file carries, as written (``None`` when it has none)."""
    with PILImage.open(io.BytesIO(data)) as opened:
        found = opened.info.get("xmp", opened.info.get(PNG_XMP_KEY))
    if isinstance(found, str):
        return found.encode()
    return found if isinstance(found, bytes) else None


def _repacked(data: bytes, packet: bytes, quality: int) -> tuple[bytes, str]:
    """``data`` re-saved with ``packet`` as its metadata: a JPEG keeps its own quantisation
    (no visible loss), a PNG is lossless, a WebP is encoded again at ``quality``."""
    with PILImage.open(io.BytesIO(data)) as opened:
        opened.load()
        fmt = opened.format or "JPEG"
        return _encode(opened, fmt, "keep" if fmt == "JPEG" else quality, packet), fmt


def embed_rights(
    store: MediaStore, image: Image, *, terms_url: str, limits: UploadLimits | None = None
) -> bool:
    """Make the stored files of ``image`` carry its current rights and caption.

    Files are content-addressed and served as immutable, so changed files go under new
    keys (the old ones stay for whoever already holds their address). Returns whether
    anything was rewritten; a file that already carries the right packet is left alone,
    and so is an image whose stored file is missing (there is nothing to rewrite).
    """
    quality = (limits or UploadLimits()).jpeg_quality
    packet = embedded_packet(image, terms_url)
    if not store.exists(image.storage_key):
        return False
    original = store.path(image.storage_key).read_bytes()
    if stored_packet(original) == packet:
        return False
    rewritten, fmt = _repacked(original, packet, quality)
    renditions = [
        (rendition, _repacked(store.path(rendition.storage_key).read_bytes(), packet, quality))
        for rendition in image.renditions
        if store.exists(rendition.storage_key)
    ]
    digest = _place(store, image, rewritten, fmt)
    for rendition, (payload, _fmt) in renditions:
        rendition.storage_key = _rendition_key(digest, rendition.width, fmt)
        store.save(rendition.storage_key, payload)
    return True


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
    store: MediaStore | None = None,
    terms_url: str = "",
    limits: UploadLimits | None = None,
) -> Image:
    """Change an image's alt text, caption and rights, recording the before and after.

    With ``store``, the stored files are rewritten to carry the new rights and caption
    (:func:`embed_rights`). Raises :class:`ImageRejected` (with ``problems`` for every
    field) and changes nothing when a rights field is missing or inconsistent.
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
        if store is not None:
            embed_rights(store, image, terms_url=terms_url, limits=limits)
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
