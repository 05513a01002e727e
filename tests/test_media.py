"""Stored media is served with long-lived caching, and only from the media folder."""

from __future__ import annotations

from syndicate.media import MediaStore
from tests.factories import make_image


def test_stored_image_and_rendition_are_served(app, client, session) -> None:
    image = make_image(session, MediaStore(app.config["MEDIA_DIR"]))
    session.commit()
    response = client.get(f"/media/{image.storage_key}")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert "immutable" in response.headers["Cache-Control"]
    assert response.data[:8] == b"\x89PNG\r\n\x1a\n"
    response.close()
    rendition = client.get(f"/media/{image.renditions[0].storage_key}")
    assert rendition.status_code == 200
    rendition.close()


def test_paths_outside_the_media_folder_are_not_found(client) -> None:
    for path in ("/media/../config.py", "/media/%2e%2e/secret_key", "/media/images/missing.png"):
        assert client.get(path).status_code == 404
