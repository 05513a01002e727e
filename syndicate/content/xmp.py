"""The IPTC photo metadata written into stored images, as an XMP packet.

Only what the structured rights say goes in: Creator (``dc:creator``), Credit Line
(``photoshop:Credit``), Copyright Notice (``dc:rights``), Web Statement of Rights
(``xmpRights:WebStatement``), Licensor URL (``plus:Licensor/plus:LicensorURL``) and the
caption (``dc:description``). Nothing of the uploaded file's own metadata survives (its
EXIF location, camera make and model are never read back): the pixels are re-encoded and
this packet is the file's only metadata.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from syndicate.content.licensing import ImageLicensing

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "plus": "http://ns.useplus.org/ldf/xmp/1.0/",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PACKET_BEGIN = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
PACKET_END = '<?xpacket end="r"?>'
# Characters XML 1.0 cannot carry at all; a caption is text, so they are simply dropped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _container(parent: ET.Element, name: str, kind: str) -> ET.Element:
    return ET.SubElement(ET.SubElement(parent, _q(name)), _q(f"rdf:{kind}"))


def _alt(parent: ET.Element, name: str, text: str) -> None:
    item = ET.SubElement(_container(parent, name, "Alt"), _q("rdf:li"))
    item.set(XML_LANG, "x-default")
    item.text = _clean(text)


def xmp_packet(licensing: ImageLicensing, caption: str) -> bytes:
    """The XMP packet (UTF-8) carrying ``licensing`` and ``caption``; absent facts are left
    out rather than written empty."""
    root = ET.Element(_q("x:xmpmeta"))
    rdf = ET.SubElement(root, _q("rdf:RDF"))
    about = ET.SubElement(rdf, _q("rdf:Description"))
    about.set(_q("rdf:about"), "")
    if licensing.creator_name:
        ET.SubElement(_container(about, "dc:creator", "Seq"), _q("rdf:li")).text = _clean(
            licensing.creator_name
        )
    if licensing.copyright_notice:
        _alt(about, "dc:rights", licensing.copyright_notice)
    if caption.strip():
        _alt(about, "dc:description", caption.strip())
    if licensing.credit_text:
        ET.SubElement(about, _q("photoshop:Credit")).text = _clean(licensing.credit_text)
    if licensing.license_url:
        ET.SubElement(about, _q("xmpRights:WebStatement")).text = _clean(licensing.license_url)
    if licensing.acquire_license_url:
        licensor = ET.SubElement(_container(about, "plus:Licensor", "Seq"), _q("rdf:li"))
        licensor.set(_q("rdf:parseType"), "Resource")
        ET.SubElement(licensor, _q("plus:LicensorURL")).text = _clean(licensing.acquire_license_url)
    body = ET.tostring(root, encoding="unicode")
    return f"{PACKET_BEGIN}\n{body}\n{PACKET_END}".encode()
