"""The demo's sample content: invented sections, people, outlets, pictures and stories.

Every name, town, agency, company and event here is made up. The loader reads these
structures and builds the rows through the real domain code; nothing here touches the
database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from syndicate.content.rights import RightsClass
from syndicate.demo.pictures import (
    Aerial,
    Barriers,
    Boats,
    Building,
    Clouds,
    Fence,
    Fields,
    Ground,
    Haze,
    Island,
    Picture,
    Ridge,
    Sandbags,
    Sky,
    Skyline,
    Stars,
    Sun,
    Trees,
    Vehicles,
    Water,
)

DESK = "The Lantern Desk"


@dataclass(frozen=True)
class SectionData:
    """A section of the site."""

    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class AuthorData:
    """A reporter or editor with a byline and a public page."""

    slug: str
    name: str
    title: str
    bio: str


@dataclass(frozen=True)
class AccountData:
    """A person who signs in: the demo editor or a partner's user."""

    email: str
    name: str


@dataclass(frozen=True)
class PublisherData:
    """A partner outlet that republishes the desk's stories, with its one user."""

    slug: str
    name: str
    website: str
    outlet_type: str
    monthly_audience: int
    contact_name: str
    contact_email: str
    user: AccountData
    # The licence the demo grants: all stories, or the listed section slugs.
    licence_sections: tuple[str, ...] = ()
    embargo_entitled: bool = False


@dataclass(frozen=True)
class ImageData:
    """A generated picture with its alt text, caption and rights.

    ``key`` names the picture inside this module; ``lapsed`` is how long ago the
    permission for partners ended, for a photo whose permission has run out.
    """

    key: str
    picture: Picture
    alt_text: str
    caption: str
    rights_class: RightsClass
    creator: str = ""
    organization: str = ""
    license_url: str = ""
    source_url: str = ""
    partner_allowed: bool = True
    lapsed: timedelta | None = None


@dataclass(frozen=True)
class Placement:
    """An image in an article, optionally with a caption written for that story."""

    image: str
    caption: str = ""


@dataclass(frozen=True)
class ArticleData:
    """A story. ``release`` is relative to the load time: negative is in the past,
    positive is scheduled, ``None`` stays a draft."""

    slug: str
    headline: str
    dek: str
    section: str
    authors: tuple[str, ...]
    dateline: str
    tags: tuple[str, ...]
    body: str
    release: timedelta | None
    lead: Placement
    inline: tuple[Placement, ...] = ()
    syndicate: bool = True
    comments_open: bool = True
    correction: str = ""


def ago(days: int = 0, hours: int = 0) -> timedelta:
    """A release time in the past, relative to when the demo is loaded."""
    return -timedelta(days=days, hours=hours)


def ahead(days: int = 0, hours: int = 0) -> timedelta:
    """A release time in the future: the story is scheduled."""
    return timedelta(days=days, hours=hours)


EDITOR = AccountData(email="editor@lanterndesk.example", name="Nell Hartigan")

SECTIONS: tuple[SectionData, ...] = (
    SectionData(
        "environment", "Environment", "Rivers, land, air and the people who depend on them."
    ),
    SectionData("justice", "Justice", "Courts, jails, policing and the law as it is practised."),
    SectionData("health", "Health", "Clinics, hospitals, public health and the cost of care."),
    SectionData(
        "local-government",
        "Local Government",
        "Councils, budgets and the decisions made in town halls.",
    ),
)

AUTHORS: tuple[AuthorData, ...] = (
    AuthorData(
        "odalys-ferreira",
        "Odalys Ferreira",
        "Senior Environment Reporter",
        "Odalys Ferreira covers rivers, land use and climate adaptation across the Riverlands. "
        "Before joining The Lantern Desk she spent nine years at a regional daily. She grew up "
        "on a dairy farm outside Cedar Ferry.",
    ),
    AuthorData(
        "tobias-wren",
        "Tobias Wren",
        "Justice Correspondent",
        "Tobias Wren reports on courts, jails and public defence. He has sat through more than "
        "600 arraignments and still reads the overnight docket before breakfast. He worked as a "
        "paralegal in Oriel County before becoming a reporter.",
    ),
    AuthorData(
        "amara-lindqvist",
        "Amara Lindqvist",
        "Health Reporter",
        "Amara Lindqvist covers public health and the economics of rural care. She trained as a "
        "nurse and worked six years on a hospital ward before turning to journalism. She is "
        "based in the Esker Valley.",
    ),
    AuthorData(
        "desmond-achterberg",
        "Desmond Achterberg",
        "Local Government Reporter",
        "Desmond Achterberg watches town councils, budgets and zoning boards so readers do not "
        "have to. He keeps a spreadsheet of every public meeting he has attended, which now "
        "runs to 1,400 rows.",
    ),
    AuthorData(
        "hana-okafor",
        "Hana Okafor",
        "Data Reporter",
        "Hana Okafor builds the datasets behind the desk's investigations, from court dockets to "
        "reservoir gauges, and publishes them for other newsrooms to reuse. She previously "
        "worked as a statistician for a county planning office.",
    ),
    AuthorData(
        "june-calloway",
        "June Calloway",
        "Investigations Editor",
        "June Calloway edits the desk's investigative projects. She has led reporting teams in "
        "three newsrooms and teaches a workshop on public-records requests every spring.",
    ),
)

PUBLISHERS: tuple[PublisherData, ...] = (
    PublisherData(
        slug="harlow-bend-courier",
        name="The Harlow Bend Courier",
        website="https://www.harlowbendcourier.example",
        outlet_type="newspaper",
        monthly_audience=48_000,
        contact_name="Maeve Dunleavy",
        contact_email="maeve.dunleavy@harlowbendcourier.example",
        user=AccountData("maeve.dunleavy@harlowbendcourier.example", "Maeve Dunleavy"),
        licence_sections=("environment", "local-government"),
    ),
    PublisherData(
        slug="riverlands-public-radio",
        name="Riverlands Public Radio",
        website="https://www.riverlandsradio.example",
        outlet_type="broadcaster",
        monthly_audience=215_000,
        contact_name="Idris Marchetti",
        contact_email="idris.marchetti@riverlandsradio.example",
        user=AccountData("idris.marchetti@riverlandsradio.example", "Idris Marchetti"),
        embargo_entitled=True,
    ),
)

STAFF_A = "Ines Marwood"
STAFF_B = "Kofi Brandt"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
CC_BY_SA = "https://creativecommons.org/licenses/by-sa/2.0/"

OVERCAST = Sky(top=(118, 134, 156), middle=(166, 176, 188), horizon=(206, 208, 206), horizon_y=0.5)
CLEAR = Sky(top=(64, 128, 204), middle=(122, 174, 226), horizon=(206, 226, 238), horizon_y=0.62)
WARM = Sky(top=(92, 132, 190), middle=(214, 180, 150), horizon=(246, 206, 158), horizon_y=0.66)
BRICK = ((150, 76, 58), (168, 96, 70), (128, 70, 56), (182, 132, 98), (110, 96, 90))
PASTEL = ((226, 180, 150), (150, 190, 200), (236, 214, 150), (190, 160, 200), (240, 236, 226))
CARS = ((172, 38, 42), (214, 216, 222), (38, 62, 118), (60, 60, 64), (226, 190, 60))

IMAGES: tuple[ImageData, ...] = (
    ImageData(
        key="levee",
        picture=Picture(
            seed=101,
            sky=OVERCAST,
            elements=(
                Sun(
                    x=0.74,
                    y=0.2,
                    radius=30,
                    color=(250, 246, 232),
                    glow=(255, 236, 200),
                    glow_strength=0.45,
                ),
                Clouds(
                    count=9, top=0.02, bottom=0.34, color=(228, 230, 232), opacity=0.8, size=1.4
                ),
                Ridge(y=0.44, color=(146, 156, 160), roughness=0.03, softness=2.5),
                Building(
                    x=0.18,
                    width=0.05,
                    height=0.05,
                    color=(214, 206, 190),
                    ground=0.5,
                    roof="gable",
                    windows="none",
                ),
                Building(
                    x=0.26,
                    width=0.06,
                    height=0.06,
                    color=(180, 150, 120),
                    ground=0.5,
                    roof="gable",
                    windows="none",
                ),
                Building(
                    x=0.64,
                    width=0.05,
                    height=0.05,
                    color=(226, 222, 210),
                    ground=0.5,
                    roof="gable",
                    windows="none",
                ),
                Trees(
                    y=0.5,
                    count=36,
                    colors=((70, 92, 68), (84, 104, 72), (96, 112, 80)),
                    size=0.7,
                    spread=0.01,
                ),
                Water(
                    y=0.5,
                    near=(100, 86, 60),
                    far=(164, 156, 134),
                    ripples=320,
                    sparkle=(236, 230, 210),
                    sparkle_x=0.74,
                ),
                Ridge(
                    y=0.76, color=(104, 128, 66), roughness=0.012, softness=1.2, shade=(70, 96, 48)
                ),
                Fence(y=0.93, height=0.06, color=(62, 54, 46)),
            ),
        ),
        alt_text="A grassy levee in the foreground holds back the brown, swollen Sallow River; "
        "houses and trees line the far bank under a grey sky.",
        caption="The Sallow River runs high against the Front Street levee in Harlow Bend, two "
        "days after the crest.",
        rights_class=RightsClass.STAFF,
        creator=STAFF_A,
        organization=DESK,
    ),
    ImageData(
        key="floodplain",
        picture=Picture(
            seed=102,
            sky=OVERCAST,
            elements=(
                Aerial(
                    palette=(
                        (92, 112, 66),
                        (104, 128, 70),
                        (138, 144, 86),
                        (160, 140, 96),
                        (90, 118, 72),
                        (176, 164, 112),
                    ),
                    river=(128, 112, 86),
                    river_width=0.06,
                    flood=True,
                ),
                Haze(color=(200, 204, 206), opacity=0.12),
            ),
            vignette=0.2,
        ),
        alt_text="An aerial view of farm fields in a patchwork of greens and browns, with wide "
        "brown floodwater spreading out from a river channel.",
        caption="Floodwater spreads across farmland south of Harlow Bend in a survey image taken "
        "from a mapping flight.",
        rights_class=RightsClass.PUBLIC_DOMAIN,
        organization="Federal Flood Mapping Office",
        source_url="https://imagery.floodmapping.example.gov/sallow-river/survey-12",
    ),
    ImageData(
        key="sandbags",
        picture=Picture(
            seed=103,
            sky=OVERCAST,
            elements=(
                Clouds(count=7, top=0.0, bottom=0.3, color=(220, 222, 226), opacity=0.7, size=1.6),
                Building(x=0.0, width=0.2, height=0.34, color=(150, 76, 58), ground=0.66),
                Building(
                    x=0.21,
                    width=0.17,
                    height=0.28,
                    color=(214, 200, 170),
                    ground=0.66,
                    roof="gable",
                ),
                Building(x=0.39, width=0.22, height=0.38, color=(120, 110, 104), ground=0.66),
                Building(
                    x=0.62, width=0.16, height=0.3, color=(182, 132, 98), ground=0.66, roof="gable"
                ),
                Building(x=0.79, width=0.22, height=0.35, color=(168, 96, 70), ground=0.66),
                Water(y=0.66, near=(112, 94, 70), far=(150, 136, 110), ripples=260),
                Sandbags(y=0.96, rows=4, color=(180, 154, 108)),
            ),
        ),
        alt_text="A wall of sandbags in the foreground; beyond it, floodwater covers a street "
        "lined with brick and clapboard shopfronts.",
        caption="Volunteers' sandbags hold back water on Front Street in Harlow Bend.",
        rights_class=RightsClass.PARTNER,
        creator="Felix Amador",
        organization="The Harlow Bend Courier",
        partner_allowed=False,
    ),
    ImageData(
        key="smoke",
        picture=Picture(
            seed=104,
            sky=Sky(
                top=(96, 70, 60), middle=(190, 120, 70), horizon=(226, 170, 110), horizon_y=0.62
            ),
            elements=(
                Sun(
                    x=0.68,
                    y=0.36,
                    radius=34,
                    color=(255, 122, 64),
                    glow=(240, 120, 60),
                    glow_strength=0.6,
                ),
                Clouds(count=7, top=0.15, bottom=0.5, color=(150, 110, 90), opacity=0.6, size=2.2),
                Ridge(y=0.55, color=(156, 108, 84), roughness=0.06, softness=3),
                Ridge(y=0.66, color=(110, 76, 62), roughness=0.07, softness=1.5),
                Trees(
                    y=0.76,
                    count=70,
                    colors=((40, 30, 26), (48, 36, 30)),
                    kind="conifer",
                    size=1.0,
                    spread=0.015,
                ),
                Ridge(y=0.8, color=(38, 30, 26), roughness=0.03, softness=1),
                Haze(color=(200, 140, 100), opacity=0.14),
            ),
        ),
        alt_text="Smoke turns the sky orange-brown over layered ridges; a red sun glows through "
        "the haze above a line of dark pines.",
        caption="Smoke from the Greyling Fire dims the sun over the Tarn Hills.",
        rights_class=RightsClass.AGENCY,
        creator="Marta Quill",
        organization="Continental Wire",
    ),
    ImageData(
        key="reservoir",
        picture=Picture(
            seed=105,
            sky=CLEAR,
            elements=(
                Sun(x=0.2, y=0.14, radius=40, glow_strength=0.4),
                Clouds(count=4, top=0.1, bottom=0.3, opacity=0.7),
                Ridge(y=0.52, color=(186, 160, 112), roughness=0.07, softness=2),
                Ridge(y=0.58, color=(204, 176, 120), roughness=0.03, softness=1.2),
                Ground(y=0.6, to=0.67, color=(226, 214, 186), far_color=(216, 204, 176)),
                Water(
                    y=0.67,
                    near=(44, 92, 130),
                    far=(96, 150, 186),
                    ripples=200,
                    sparkle=(236, 244, 250),
                    sparkle_x=0.22,
                ),
                Ground(y=0.9, to=1.0, color=(170, 140, 96), far_color=(196, 170, 120)),
            ),
        ),
        alt_text="A low reservoir under a clear sky, with a wide pale band of exposed shoreline "
        "between the water and dry golden hills.",
        caption="A pale ring of exposed shoreline marks how far the Ashdown Reservoir has fallen.",
        rights_class=RightsClass.CREATIVE_COMMONS,
        creator="Juniper Oyelaran",
        license_url=CC_BY,
        source_url="https://photos.example.org/juniper-oyelaran/ashdown-reservoir",
    ),
    ImageData(
        key="herons",
        picture=Picture(
            seed=106,
            sky=Sky(
                top=(70, 92, 146), middle=(226, 152, 140), horizon=(250, 204, 160), horizon_y=0.58
            ),
            elements=(
                Sun(x=0.3, y=0.55, radius=44, color=(255, 236, 200), glow=(255, 190, 140)),
                Clouds(
                    count=5, top=0.1, bottom=0.35, color=(240, 170, 160), opacity=0.55, size=1.3
                ),
                Water(
                    y=0.58,
                    near=(58, 66, 96),
                    far=(226, 178, 160),
                    ripples=240,
                    sparkle=(255, 226, 190),
                    sparkle_x=0.3,
                ),
                Island(x=0.62, width=0.5, y=0.6, height=0.05, color=(56, 52, 58)),
                Trees(
                    y=0.6,
                    count=18,
                    colors=((50, 46, 54), (60, 54, 60)),
                    size=0.9,
                    spread=0.006,
                    x_from=0.42,
                    x_to=0.82,
                ),
            ),
        ),
        alt_text="A low island topped with dark trees sits in calm water at dawn, the sky pink "
        "and gold behind it.",
        caption="Dawn over Tansy Island, where herons nest in the treetops each spring.",
        rights_class=RightsClass.STAFF,
        creator=STAFF_A,
        organization=DESK,
        lapsed=timedelta(days=12),
    ),
    ImageData(
        key="courthouse",
        picture=Picture(
            seed=107,
            sky=CLEAR,
            elements=(
                Clouds(count=5, top=0.05, bottom=0.3, opacity=0.8),
                Building(
                    x=0.24,
                    width=0.52,
                    height=0.4,
                    color=(232, 224, 206),
                    ground=0.78,
                    roof="pediment",
                    windows="columns",
                ),
                Trees(
                    y=0.8,
                    count=3,
                    colors=((70, 110, 62), (82, 120, 70)),
                    size=2.4,
                    x_from=0.0,
                    x_to=0.2,
                    spread=0.0,
                ),
                Trees(
                    y=0.8,
                    count=3,
                    colors=((70, 110, 62), (82, 120, 70)),
                    size=2.4,
                    x_from=0.8,
                    x_to=1.0,
                    spread=0.0,
                ),
                Ground(y=0.78, to=1.0, color=(170, 166, 158), far_color=(196, 192, 184)),
            ),
        ),
        alt_text="A pale stone courthouse with a row of columns and a triangular pediment under "
        "a blue sky, flanked by trees.",
        caption="The Oriel County Courthouse in Bramwell, where most bail hearings are held.",
        rights_class=RightsClass.STAFF,
        creator=STAFF_B,
        organization=DESK,
    ),
    ImageData(
        key="justice-center",
        picture=Picture(
            seed=108,
            sky=Sky(top=(140, 170, 200), horizon=(224, 230, 232), horizon_y=0.6),
            elements=(
                Building(
                    x=0.08,
                    width=0.84,
                    height=0.42,
                    color=(150, 160, 170),
                    ground=0.74,
                    window_color=(70, 96, 120),
                ),
                Ground(y=0.74, to=1.0, color=(92, 94, 98), far_color=(130, 132, 136)),
                Vehicles(y=0.92, count=4, colors=CARS),
            ),
        ),
        alt_text="A long, modern four-storey building of grey panels and dark windows behind a "
        "parking lot with a few cars.",
        caption="The Oriel County Justice Center, which holds the jail and the first-appearance "
        "courtroom.",
        rights_class=RightsClass.HANDOUT,
        organization="Oriel County Courts",
    ),
    ImageData(
        key="defender-office",
        picture=Picture(
            seed=109,
            sky=WARM,
            elements=(
                Sun(x=0.86, y=0.42, radius=38, glow_strength=0.5),
                Skyline(ground=0.76, count=16, palette=BRICK, max_height=0.4),
                Ground(y=0.76, to=1.0, color=(70, 68, 70), far_color=(112, 106, 104)),
                Vehicles(y=0.95, count=3, colors=CARS),
                Haze(color=(255, 200, 150), opacity=0.12),
            ),
        ),
        alt_text="A row of brick office buildings in late-afternoon light, with cars parked on "
        "the street in front.",
        caption="The block of Mercer Street that houses the Oriel County Public Defender's Office.",
        rights_class=RightsClass.STAFF,
        creator=STAFF_B,
        organization=DESK,
    ),
    ImageData(
        key="harbor",
        picture=Picture(
            seed=110,
            sky=Sky(
                top=(60, 56, 106), middle=(196, 110, 120), horizon=(250, 176, 110), horizon_y=0.55
            ),
            elements=(
                Sun(x=0.56, y=0.5, radius=36, color=(255, 210, 150), glow=(255, 150, 90)),
                Skyline(
                    ground=0.56,
                    count=30,
                    palette=((70, 58, 84), (84, 66, 92), (60, 52, 76)),
                    max_height=0.12,
                    lit=True,
                ),
                Water(
                    y=0.56,
                    near=(40, 40, 72),
                    far=(210, 130, 110),
                    ripples=260,
                    sparkle=(255, 200, 140),
                    sparkle_x=0.56,
                ),
                Boats(y=0.84, count=4, colors=((230, 230, 226), (200, 60, 50), (40, 80, 130))),
            ),
        ),
        alt_text="Fishing boats moored in a harbour at dusk; the lights of a low waterfront "
        "town glow beneath an orange and violet sky.",
        caption="Boats in Port Amity harbour, where dock leases were at the centre of the trial.",
        rights_class=RightsClass.PARTNER,
        creator="Sol Batista",
        organization="Riverlands Public Radio",
    ),
    ImageData(
        key="detention",
        picture=Picture(
            seed=111,
            sky=Sky(top=(150, 160, 172), horizon=(214, 214, 210), horizon_y=0.55),
            elements=(
                Clouds(count=8, top=0.0, bottom=0.35, color=(226, 226, 228), opacity=0.7, size=1.6),
                Building(
                    x=0.3,
                    width=0.5,
                    height=0.07,
                    color=(172, 170, 164),
                    ground=0.57,
                    windows="none",
                ),
                Fields(y=0.57, colors=((150, 150, 92), (120, 130, 76), (168, 156, 102))),
                Fence(y=0.88, height=0.12, color=(80, 80, 84)),
            ),
        ),
        alt_text="A long, low windowless building on flat farmland, seen through a tall wire "
        "fence under a pale overcast sky.",
        caption="The Linden Cross detention center sits on former farmland east of the town.",
        rights_class=RightsClass.CREATIVE_COMMONS,
        creator="Dario Velasquez-Roe",
        license_url=CC_BY_SA,
        source_url="https://photos.example.org/dvroe/linden-cross",
    ),
    ImageData(
        key="hospital",
        picture=Picture(
            seed=112,
            sky=CLEAR,
            elements=(
                Clouds(count=4, top=0.05, bottom=0.25, opacity=0.7),
                Ridge(y=0.5, color=(120, 150, 120), roughness=0.05, softness=2.5),
                Trees(y=0.7, count=10, colors=((60, 100, 60), (74, 112, 66)), size=1.3),
                Building(
                    x=0.22,
                    width=0.56,
                    height=0.26,
                    color=(238, 236, 230),
                    ground=0.72,
                    sign=(190, 40, 44),
                    window_color=(96, 120, 140),
                ),
                Ground(y=0.72, to=1.0, color=(88, 90, 94), far_color=(124, 126, 128)),
                Vehicles(y=0.9, count=4, colors=CARS, scale=0.9),
            ),
        ),
        alt_text="A white two-storey hospital building with a red cross on its front, trees on "
        "either side and cars in the parking lot.",
        caption="Greyhaven Community Hospital, whose maternity ward delivered its last baby on "
        "Friday.",
        rights_class=RightsClass.HANDOUT,
        organization="Esker Valley Regional Health",
    ),
    ImageData(
        key="warehouse",
        picture=Picture(
            seed=113,
            sky=Sky(top=(10, 14, 36), middle=(28, 34, 70), horizon=(78, 64, 92), horizon_y=0.62),
            elements=(
                Stars(count=260, bottom=0.5),
                Building(
                    x=0.04, width=0.5, height=0.2, color=(70, 74, 84), ground=0.72, windows="lit"
                ),
                Building(
                    x=0.57, width=0.4, height=0.24, color=(84, 84, 92), ground=0.72, windows="lit"
                ),
                Ground(y=0.72, to=1.0, color=(34, 34, 38), far_color=(60, 58, 64)),
                Haze(color=(255, 170, 80), opacity=0.12, top=0.62, bottom=0.8),
                Vehicles(y=0.88, count=3, colors=CARS),
            ),
        ),
        alt_text="Two large warehouse buildings at night, their windows lit yellow under a "
        "starry sky, with cars in the lot.",
        caption="The night shift at the Tollgate distribution center in Roanfield.",
        rights_class=RightsClass.STAFF,
        creator=STAFF_A,
        organization=DESK,
    ),
    ImageData(
        key="dental-van",
        picture=Picture(
            seed=114,
            sky=CLEAR,
            elements=(
                Sun(x=0.82, y=0.12, radius=40, glow_strength=0.4),
                Clouds(count=3, top=0.08, bottom=0.25, opacity=0.6),
                Trees(y=0.68, count=8, colors=((66, 110, 62), (84, 124, 70)), size=1.4),
                Building(
                    x=0.12,
                    width=0.76,
                    height=0.24,
                    color=(168, 96, 70),
                    ground=0.7,
                    roof="gable",
                    window_color=(60, 76, 92),
                ),
                Ground(y=0.7, to=1.0, color=(110, 112, 116), far_color=(150, 150, 152)),
                Vehicles(y=0.93, count=1, colors=((236, 240, 240),), scale=1.6, van=True),
            ),
        ),
        alt_text="A white van with a teal stripe parked in front of a red-brick school building "
        "on a sunny day.",
        caption="The Oriel County mobile dental clinic outside Ashgrove Elementary School.",
        rights_class=RightsClass.HANDOUT,
        organization="Oriel County Health Department",
    ),
    ImageData(
        key="roadworks",
        picture=Picture(
            seed=115,
            sky=Sky(
                top=(110, 150, 200), middle=(180, 200, 220), horizon=(232, 226, 214), horizon_y=0.6
            ),
            elements=(
                Sun(x=0.12, y=0.2, radius=36, glow_strength=0.5),
                Building(
                    x=0.02, width=0.18, height=0.2, color=(200, 210, 214), ground=0.66, roof="gable"
                ),
                Building(
                    x=0.24, width=0.2, height=0.22, color=(236, 214, 150), ground=0.66, roof="gable"
                ),
                Building(
                    x=0.48, width=0.18, height=0.2, color=(150, 176, 160), ground=0.66, roof="gable"
                ),
                Building(
                    x=0.7, width=0.2, height=0.22, color=(226, 180, 150), ground=0.66, roof="gable"
                ),
                Trees(y=0.68, count=5, colors=((70, 110, 62),), size=1.2),
                Ground(y=0.66, to=0.72, color=(100, 140, 74)),
                Ground(y=0.72, to=1.0, color=(82, 82, 86), far_color=(120, 120, 124)),
                Barriers(y=0.92, count=4),
            ),
        ),
        alt_text="Orange-and-white striped roadwork barriers on a residential street lined with "
        "pastel wooden houses.",
        caption="Barriers mark a trench on Garnet Street, where crews replaced lead service lines "
        "in a pilot last year.",
        rights_class=RightsClass.STAFF,
        creator=STAFF_B,
        organization=DESK,
    ),
    ImageData(
        key="roanfield-aerial",
        picture=Picture(
            seed=116,
            sky=CLEAR,
            elements=(
                Aerial(
                    palette=(
                        (120, 122, 118),
                        (104, 136, 84),
                        (176, 90, 70),
                        (160, 160, 164),
                        (200, 190, 170),
                        (96, 96, 104),
                    ),
                    river=(70, 104, 128),
                    river_width=0.035,
                    grid=True,
                ),
                Haze(color=(210, 216, 220), opacity=0.1),
            ),
            vignette=0.2,
        ),
        alt_text="An aerial view of a small town's street grid: blocks of houses with red and "
        "grey roofs, trees and a creek winding through.",
        caption="Roanfield's east side from the air. Most of the remaining lead lines run under "
        "these blocks.",
        rights_class=RightsClass.PUBLIC_DOMAIN,
        organization="National Geodetic Imaging Program",
        source_url="https://imagery.geodetic.example.gov/tiles/roanfield-east",
    ),
    ImageData(
        key="port-amity-street",
        picture=Picture(
            seed=117,
            sky=CLEAR,
            elements=(
                Clouds(count=4, top=0.05, bottom=0.25, opacity=0.75),
                Skyline(ground=0.7, count=16, palette=PASTEL, max_height=0.34),
                Ground(y=0.7, to=1.0, color=(96, 96, 100), far_color=(140, 140, 144)),
                Vehicles(y=0.9, count=4, colors=CARS),
            ),
        ),
        alt_text="Pastel-painted shopfronts along a harbour-town street with cars parked nose to "
        "tail at the kerb.",
        caption="Parking on Quay Street in Port Amity, where meters now run until 10 p.m.",
        rights_class=RightsClass.STAFF,
        creator=STAFF_A,
        organization=DESK,
    ),
    ImageData(
        key="town-hall",
        picture=Picture(
            seed=118,
            sky=Sky(
                top=(84, 130, 196), middle=(150, 184, 220), horizon=(226, 222, 206), horizon_y=0.62
            ),
            elements=(
                Clouds(count=4, top=0.05, bottom=0.22, opacity=0.7),
                Building(
                    x=0.3,
                    width=0.4,
                    height=0.28,
                    color=(196, 150, 118),
                    ground=0.76,
                    roof="tower",
                    window_color=(70, 80, 96),
                ),
                Trees(
                    y=0.78,
                    count=3,
                    colors=((204, 120, 40), (184, 72, 40), (222, 170, 60)),
                    size=2.2,
                    x_from=0.0,
                    x_to=0.28,
                    spread=0.0,
                ),
                Trees(
                    y=0.78,
                    count=3,
                    colors=((204, 120, 40), (184, 72, 40), (222, 170, 60)),
                    size=2.2,
                    x_from=0.72,
                    x_to=1.0,
                    spread=0.0,
                ),
                Ground(y=0.76, to=1.0, color=(96, 124, 66), far_color=(124, 146, 84)),
            ),
        ),
        alt_text="A red-brick town hall with a white clock tower, framed by trees in orange and "
        "red autumn colours.",
        caption="Tamsin Flats Town Hall, open Monday to Friday for now.",
        rights_class=RightsClass.STAFF,
        creator=STAFF_B,
        organization=DESK,
    ),
)


# A request still waiting for a decision, so the staff queue has something in it.
PENDING_REQUEST: dict[str, object] = {
    "organization": "The Cinder Falls Ledger",
    "website": "https://cinderfallsledger.example",
    "contact_name": "Oksana Pell",
    "contact_email": "oksana.pell@cinderfallsledger.example",
    "outlet_type": "online",
    "monthly_audience": 6_500,
    "scope": {"kind": "sections", "sections": ["health"]},
    "intended_use": "Weekly health page on our website, with a link back to every story.",
    "message": "We are a two-person newsroom covering the upper valley.",
}

# An application from an address of an existing partner's domain: staff see the match and
# must choose where a licence would go; it never joins the partner by itself.
MATCHING_REQUEST: dict[str, object] = {
    "organization": "Harlow Bend Courier Digital",
    "website": "https://harlowbendcourier.example/digital",
    "contact_name": "Rory Quill",
    "contact_email": "rory.quill@harlowbendcourier.example",
    "outlet_type": "online",
    "monthly_audience": 52_000,
    "scope": {"kind": "all"},
    "intended_use": "Our new digital edition, with every story you syndicate.",
    "message": "We are the Courier's new digital team.",
}
