"""The demo's stories: invented events in invented towns, written for this demo.

Release times are relative to the moment the demo is loaded, so the site always looks
freshly reported. Image keys refer to :data:`syndicate.demo.content.IMAGES`.
"""

from __future__ import annotations

from syndicate.demo.content import ArticleData, Placement, ago, ahead

ARTICLES: tuple[ArticleData, ...] = (
    ArticleData(
        slug="harlow-bend-weighs-moving-its-riverfront",
        headline="After its third flood in six years, Harlow Bend weighs moving its riverfront",
        dek="A buyout plan would pay 143 households to leave the Sallow River floodplain. "
        "Not everyone wants to go.",
        section="environment",
        authors=("odalys-ferreira", "desmond-achterberg"),
        dateline="Harlow Bend",
        tags=("Flooding", "Sallow River", "Climate adaptation", "Harlow Bend"),
        release=ago(days=2, hours=3),
        lead=Placement("levee"),
        inline=(
            Placement("floodplain"),
            Placement(
                "sandbags",
                "Volunteers stacked sandbags along Front Street for the third time in six years.",
            ),
        ),
        body="""\
The water reached the second step of the Grange Hall on a Tuesday morning, the same step it
reached six years ago and again two winters back. By noon, volunteers were stacking sandbags
along Front Street, and by evening the town council had called an emergency session.

That session ended with a question nobody in Harlow Bend had wanted to ask out loud: should the
lowest part of town simply move?

## A buyout on the table

Under a draft plan presented to the council last week, the town would apply for federal
hazard-mitigation money to buy 143 homes and 11 businesses in the Sallow River floodplain at
their pre-flood market value. The land would be cleared and turned into a riverside park
designed to flood. The application, prepared with help from the Federal Flood Mapping Office,
puts the cost at $31.6 million, with the town's share capped at $2.4 million.

"We have rebuilt the same blocks three times," said Deputy Mayor Ruth Ambrose-Kell, who chairs
the town's flood committee. "Each time we told people it was the last time. I don't want to say
that again unless it's true."

New maps from the mapping office put 61 percent of downtown Harlow Bend inside the area with a
one-in-a-hundred chance of flooding in any year, up from 38 percent on the maps they replace.
That change alone could raise flood-insurance premiums for some owners by several hundred
dollars a year.

## "This is where my father fished"

Not everyone is ready to leave. At a packed public meeting on Thursday, 42 residents spoke, and
about half opposed the plan. Lionel Batts, 71, who has lived on Water Street for more than four
decades, said he would rather raise his house on pilings than sell it.

> This is where my father fished and where my kids learned to swim. You can't buy that back
> with a check.

Town engineer Priya Castellanos said raising homes is an option for some, but the oldest houses
on the lowest blocks sit on rubble foundations that would not carry the load. The buyout would
be voluntary, she said, though a patchwork of empty lots and remaining homes would make it
harder to turn the area into a working floodplain.

The council is expected to vote next month on whether to submit the application. If it does,
the first offers would not reach homeowners for at least 18 months.
""",
    ),
    ArticleData(
        slug="smoke-season-arrives-early-in-the-esker-valley",
        headline="Smoke season arrives six weeks early in the Esker Valley",
        dek="Air monitors recorded unhealthy readings on nine days this month, as the Greyling "
        "Fire burned through 18,000 acres of the Tarn Hills.",
        section="environment",
        authors=("odalys-ferreira",),
        dateline="Halberd Pass",
        tags=("Wildfire", "Air quality", "Esker Valley", "Schools"),
        release=ago(days=5, hours=7),
        lead=Placement("smoke"),
        body="""\
For the ninth time this month, the air-quality monitor on the roof of the Halberd Pass fire
station turned red on Sunday, the level at which the air is considered unhealthy for everyone,
not only for children, older people and those with asthma.

The smoke is coming from the Greyling Fire, which started eleven days ago in the Tarn Hills,
40 miles to the west, and had burned about 18,000 acres by Monday morning. Fire crews reported
it 35 percent contained.

Until recently, valley residents thought of smoke as a late-summer problem. Records kept by the
regional air district show that in the decade to 2015 the first unhealthy smoke day arrived, on
average, in the last week of July. In four of the past five years it came six weeks or more
earlier.

## Recess moves indoors

The Esker Valley Unified School District has moved recess and physical-education classes
indoors on six days this month, and has ordered 240 portable air purifiers for classrooms
without modern ventilation, at a cost of about $96,000.

"Teachers are checking the air-quality map before they check the weather," said Colm Ferreday,
a spokesperson for the district. "That's new."

Doctors at the valley's two urgent-care clinics said visits for breathing problems rose on the
worst days. Dr. Anita Roszak, who practises at the Halberd Pass clinic, advised residents to keep
windows closed on red days, run a purifier in one room, and save outdoor errands for the early
morning, when readings tend to be lowest.

Fire officials said they expect to contain the fire within two weeks if the winds stay calm.
""",
    ),
    ArticleData(
        slug="calder-springs-rations-water-as-reservoir-falls",
        headline="With its reservoir at 31 percent, Calder Springs rations water for the first "
        "time in a generation",
        dek="Households may water lawns only twice a week, and the town's largest user, a "
        "bottling plant, faces its first cap.",
        section="environment",
        authors=("hana-okafor", "odalys-ferreira"),
        dateline="Calder Springs",
        tags=("Drought", "Drinking water", "Calder Springs"),
        release=ago(days=9, hours=2),
        lead=Placement("reservoir"),
        body="""\
Calder Springs will limit outdoor watering to two mornings a week starting Monday, after the
Ashdown Reservoir, which supplies the town's 22,000 residents, fell to 31 percent of its
capacity.

It is the first time the town has imposed mandatory restrictions in 34 years. During that
earlier drought, the reservoir bottomed out at 24 percent.

## What the rules say

- Lawns and gardens may be watered on Tuesday and Saturday mornings only, before 9 a.m.
- Washing cars at home is banned; commercial car washes that recycle their water may stay open.
- Fines start at $50 for a first violation and rise to $500 for a fourth.

Public-works director Samuel Okonjo-Reyes said the rules should cut demand by about 15 percent
over the summer. "Outdoor watering is roughly a third of what we pump in July," he said.
"That's where the savings are."

The restrictions also reach the town's largest customer for the first time. Clearbrook
Bottling, which draws about 410,000 gallons a day under a contract signed 13 years ago, will be
capped at 340,000 gallons. The company said in a statement that it "supports the town's
conservation goals" and does not expect layoffs.

A Lantern Desk analysis of 30 years of reservoir readings found that the reservoir's spring
peak has fallen in 11 of the past 15 years, as the snowpack in the hills above it has thinned.
The town publishes the readings every week on its website.
""",
    ),
    ArticleData(
        slug="tansy-island-heron-colony-recovers",
        headline="Volunteers count 212 heron nests on Tansy Island, the most in two decades",
        dek="The colony nearly vanished after a fuel spill. A quiet shoreline and a no-landing "
        "rule helped bring it back.",
        section="environment",
        authors=("odalys-ferreira",),
        dateline="Port Amity",
        tags=("Wildlife", "Birds", "Port Amity"),
        release=ago(days=16, hours=4),
        lead=Placement("herons"),
        body="""\
Seventeen volunteers in four kayaks spent Saturday morning circling Tansy Island with
binoculars and clickers, and by noon they had a number nobody expected: 212 active great blue
heron nests, the highest count since the Port Amity Audubon Circle began its survey 22 years
ago.

Two decades ago the colony was nearly gone. A barge leaked about 9,000 gallons of diesel into
the channel north of the island, and the next spring volunteers found 14 nests.

"We honestly thought we were counting the end of it," said Wilhelmina Szabo, 68, who has taken
part in every survey. "Now we run out of room on the tally sheet."

## Leave the birds alone

Biologists credit two changes. The county banned landing on the island during the nesting
season, from late February to the end of July, and the harbour authority moved the channel
markers so that boat traffic passes at least 300 yards from the shore.

> The herons did the hard part. We mostly learned to stay out of the way.

That was the verdict of Dr. Kwame Ashby-Rolle, a wildlife ecologist at Esker Valley College who
reviews the count each year. He cautioned that one good year is not a trend, and said warmer
winters may be helping the colony as much as the rules are.
""",
    ),
    ArticleData(
        slug="oriel-county-bail-hearings-last-four-minutes",
        headline="Bail hearings in Oriel County last four minutes on average, court records show",
        dek="A Lantern Desk review of 2,318 hearings found that defendants without a lawyer were "
        "twice as likely to be held on cash bail.",
        section="justice",
        authors=("tobias-wren", "hana-okafor"),
        dateline="Bramwell",
        tags=("Courts", "Bail", "Oriel County", "Data"),
        release=ago(days=4, hours=1),
        lead=Placement("courthouse"),
        inline=(Placement("justice-center"),),
        correction="An earlier version of this story said the review covered 2,381 hearings. "
        "It covered 2,318.",
        body="""\
Most people arrested in Oriel County spend less time before a judge deciding whether they go
home than they spend waiting to be called into the courtroom.

A Lantern Desk review of audio recordings and docket entries for 2,318 first-appearance
hearings held over six months found that the median hearing lasted 4 minutes and 10 seconds.
One in five lasted less than two minutes.

## Who gets a lawyer

Oriel County does not guarantee a lawyer at first appearance. In the hearings reviewed, 61
percent of defendants appeared without one. Those defendants were held on cash bail 44 percent
of the time, compared with 21 percent of defendants who had a lawyer beside them, even after
accounting for the seriousness of the charge.

"Two minutes is not enough time to learn someone's name, let alone whether they have a job or
children waiting for them," said Adaeze Morrow, who ran the county's public defender's office
until last year.

Chief Judge Harold Quist said in a written response that the county's judges "consider every
relevant factor in every case" and that the court is "exploring ways to expand access to
counsel at first appearance" within its budget.

## How we did this

We requested the recordings under the state's open-records law and timed each hearing from the
moment the defendant's name was called to the moment the judge announced a decision. Two
reporters timed each hearing independently; where their times differed by more than ten
seconds, a third listened again.

The full dataset, with names removed, is available to other newsrooms on request.
""",
    ),
    ArticleData(
        slug="public-defenders-carry-twice-recommended-caseload",
        headline="Oriel County's public defenders carry twice the recommended caseload",
        dek="Eleven lawyers handled 3,960 cases last year. Two more have since quit, and the "
        "county has not replaced them.",
        section="justice",
        authors=("tobias-wren", "june-calloway"),
        dateline="Bramwell",
        tags=("Public defence", "Courts", "Oriel County"),
        release=ago(days=11, hours=4),
        lead=Placement("defender-office"),
        body="""\
On a typical Monday, Leticia Varga arrives at the Oriel County Public Defender's Office on
Mercer Street with 131 open cases and a list of nine clients she has to see before court.

She is one of nine lawyers left in an office budgeted for 13. Last year, 11 of them handled
3,960 cases between them, according to figures the office reported to the state: about 360
cases each, roughly double the load that national standards suggest for a lawyer handling a mix
of felonies and misdemeanours.

"You triage," Varga said. "The client whose trial is Thursday gets your evening. The client
whose trial is next month gets a phone call, if you're lucky."

## A budget that has not kept up

The office's budget has grown 6 percent in five years, while the district attorney's office
grew 19 percent over the same period, county records show. Starting pay for a public defender
is $58,400, about $9,000 less than for a new prosecutor down the hall.

County Administrator Glen Ostrowski said the county "values the work of the public defender"
and would consider a request for two more positions during budget talks this autumn.

The pressure shows in the courtroom. Judges granted 212 requests to delay trials last year
because a defence lawyer was not ready, up from 87 three years earlier. Each delay can mean
weeks more in jail for a client who cannot make bail.
""",
    ),
    ArticleData(
        slug="jury-acquits-former-port-amity-harbor-official",
        headline="Jury acquits former Port Amity harbour official in dock-lease bribery case",
        dek="After two days of deliberation, jurors found Gerald Pryce not guilty on all four "
        "counts.",
        section="justice",
        authors=("tobias-wren",),
        dateline="Port Amity",
        tags=("Courts", "Port Amity", "Corruption"),
        release=ago(days=7, hours=6),
        lead=Placement("harbor"),
        comments_open=False,
        body="""\
A jury on Wednesday found Gerald Pryce, the former deputy director of the Port Amity Harbour
Authority, not guilty of accepting bribes in exchange for favourable dock leases.

Pryce, 58, had been charged with four counts of bribery and official misconduct. Prosecutors
said he accepted $46,000 in cash and a used fishing boat from the owner of a seafood processing
company that later won a 20-year lease on Pier 4 at below-market rent.

The defence argued that the payments were repayment of a personal loan, and that the lease
terms had been approved by the full harbour board, not by Pryce alone. Several board members
testified that they had voted for the lease after reviewing a market appraisal.

Jurors deliberated for about 11 hours over two days. Pryce embraced his wife and two daughters
after the verdict was read, and left the courthouse without speaking to reporters.

"We respect the jury's decision," said District Attorney Loretta Finch-Abara in a statement.
The harbour authority said it had already changed its leasing rules so that no single official
can negotiate a lease alone.

Pryce resigned from the authority two years ago, shortly after the investigation became public.
""",
    ),
    ArticleData(
        slug="inside-the-linden-cross-detention-contract",
        headline="Inside the contract that keeps the Linden Cross detention center full",
        dek="A guaranteed-occupancy clause has cost Oriel County $1.9 million for beds that sat "
        "empty, records show.",
        section="justice",
        authors=("june-calloway", "tobias-wren"),
        dateline="Linden Cross",
        tags=("Jails", "Contracts", "Oriel County", "Linden Cross"),
        release=ahead(days=2, hours=3),
        lead=Placement("detention"),
        body="""\
When Oriel County signed a ten-year contract with Stonegate Correctional Services to run the
Linden Cross detention center, the deal promised the county 400 beds at a fixed daily rate.
It also promised the company something: payment for at least 360 of those beds every night,
whether or not anyone slept in them.

Invoices obtained by The Lantern Desk show that the county has paid for 27,400 empty bed-nights
over the past four years, at $69.50 each, about $1.9 million in all.

## A clause few noticed

The guaranteed-occupancy clause appears on page 41 of the 96-page contract. Three of the five
county commissioners who voted for the contract said they did not recall it being discussed.

"Nobody stood up and said, 'By the way, we're promising to keep this place full,'" said
Commissioner Ines Halvorsen, who voted for the deal and now wants it renegotiated.

Stonegate said in a statement that minimum-occupancy terms are "standard in the industry" and
allow the company to staff the facility safely. The contract runs for four more years.
""",
    ),
    ArticleData(
        slug="greyhaven-hospital-closes-maternity-ward",
        headline="Greyhaven hospital closes its maternity ward; the nearest delivery room is now "
        "58 miles away",
        dek="Esker Valley Regional Health says it delivered too few babies to staff the unit "
        "safely. Expectant parents are making new plans.",
        section="health",
        authors=("amara-lindqvist",),
        dateline="Greyhaven",
        tags=("Maternity care", "Rural health", "Hospitals", "Esker Valley"),
        release=ago(days=3, hours=9),
        lead=Placement("hospital"),
        body="""\
Greyhaven Community Hospital delivered its last baby on Friday, a seven-pound girl named Elsie,
at 4:12 in the morning. By the afternoon, the labour beds had been wheeled into storage.

The hospital's owner, Esker Valley Regional Health, said the maternity ward delivered 148
babies last year, too few to keep nurses and doctors trained for emergencies. Rules the health
system follows call for a round-the-clock obstetrician and anaesthetist, which it said it could
no longer recruit.

For the roughly 300 women in the hospital's area who give birth each year, the nearest
delivery room is now at St. Brennan's in Harrowgate, 58 miles away over a two-lane mountain
road that closes several times each winter.

## Planning for the drive

"I have a bag in the car and a list of friends' couches in Harrowgate," said Delphine Asare,
who is 31 weeks pregnant with her second child. Her first labour lasted under three hours.

The health system said it will keep prenatal and postnatal clinics open in Greyhaven, and has
trained emergency-room staff to handle births that cannot wait. It is also paying for a
"stay-close" programme that covers up to five nights in a Harrowgate hotel for patients near
their due dates.

> A hotel room is not a plan for a snowstorm at 2 a.m.

That was how Nadia Kovac, a midwife who worked on the ward for 17 years, put it. She is one of
six nurses and midwives who took jobs elsewhere rather than move to other departments.
""",
    ),
    ArticleData(
        slug="heat-on-the-night-shift-in-roanfield",
        headline="Heat on the night shift: Roanfield warehouse workers report dizziness and "
        "fainting",
        dek="Indoor temperatures at a regional distribution center topped 90 degrees after "
        "midnight on eight nights, according to workers' own readings.",
        section="health",
        authors=("amara-lindqvist", "hana-okafor"),
        dateline="Roanfield",
        tags=("Heat", "Workplace safety", "Roanfield"),
        release=ago(days=13, hours=2),
        lead=Placement("warehouse"),
        body="""\
At 1:30 on a Thursday morning, the thermometer clipped to Marcus Dolan's safety vest read 93
degrees. He had been loading trailers at the Tollgate distribution center in Roanfield since
10 p.m.

Dolan is one of 14 night-shift workers who agreed to log temperatures for The Lantern Desk over
five weeks, using identical digital thermometers. On eight nights, at least one reading after
midnight topped 90 degrees inside the building. The highest was 96.

Nine of the workers said they had felt dizzy or nauseous at work during that period. Two said
they had fainted, and one was taken to hospital by ambulance.

## Fans, water and a 10-minute break

Tollgate Logistics said in a statement that it follows all state heat-safety rules, provides
free water and electrolyte drinks, and has installed 40 industrial fans since last summer. It
said its own sensors, mounted near the ceiling, showed lower temperatures than the workers'
readings.

Workers said the fans help near the dock doors but not in the middle aisles, and that the
10-minute rest breaks added during heat alerts are often skipped when trucks are running late.

The state has no indoor heat standard. A bill that would require employers to keep indoor
workplaces below 87 degrees, or provide extra breaks when they cannot, has stalled in committee
for two sessions.
""",
    ),
    ArticleData(
        slug="mobile-dental-clinic-sees-400-children",
        headline="A dental clinic on wheels saw 400 children in its first month",
        dek="Oriel County's mobile clinic visits schools where half the students have never "
        "seen a dentist.",
        section="health",
        authors=("amara-lindqvist",),
        dateline="Bramwell",
        tags=("Dental care", "Children", "Oriel County"),
        release=ago(days=19, hours=5),
        lead=Placement("dental-van"),
        body="""\
The van parked outside Ashgrove Elementary School on Tuesday has two dental chairs, an X-ray
machine, a hygienist, a dentist, and a waiting list.

In its first month on the road, the Oriel County Health Department's mobile dental clinic saw
400 children at seven schools. Staff found untreated tooth decay in 38 percent of them, and
referred 61 for urgent care.

"For about half of these kids, this is the first time anyone has looked in their mouth," said
Dr. Farah Lindgren-Oduya, the clinic's dentist. "We're finding problems that have been hurting
for months."

## Why a van

Only three dentists in the county accept public insurance, and the nearest of them is a
45-minute drive from the county's eastern schools. The van was bought with a $410,000 state
grant and costs about $280,000 a year to run, paid for by the county and billed in part to
insurance.

Parents sign a consent form at the start of the school year; cleanings, sealants and fillings
are free for families without insurance. The clinic plans to visit every elementary school in
the county twice a year.
""",
    ),
    ArticleData(
        slug="roanfield-approves-lead-pipe-replacement",
        headline="Roanfield approves $4.2 million to replace its last 1,100 lead service lines",
        dek="Crews will start on the east side, where testing found the highest lead levels, "
        "and aim to finish within three years.",
        section="local-government",
        authors=("desmond-achterberg",),
        dateline="Roanfield",
        tags=("Drinking water", "Lead pipes", "Roanfield", "Budgets"),
        release=ago(days=1, hours=5),
        lead=Placement("roadworks"),
        inline=(Placement("roanfield-aerial"),),
        body="""\
The Roanfield City Council voted 6–1 on Tuesday to spend $4.2 million replacing the town's
remaining 1,100 lead service lines, the pipes that carry water from the main under the street
into people's homes.

Most of the money, $3.1 million, comes from a low-interest state loan, part of which will be
forgiven. The rest will come from the water utility's reserves, and the council did not raise
water rates to pay for it.

## East side first

Crews will start on the east side, where 9 of the 40 homes tested last year had lead levels
above the federal action level. Work on each block takes about two weeks; residents will get a
letter a month before the crews arrive and a free water filter until the work is done.

"This is the kind of thing that's easy to put off for another year, and another," said
Councilmember Beatriz Ndiaye, who sponsored the measure. "We've put it off for 40."

The lone vote against came from Councilmember Rolf Engström, who said he supported replacing
the pipes but wanted the city to bid the work out in smaller contracts so that local plumbers
could compete.

Homeowners will not be charged for the portion of the line on their property, a change from a
pilot last year in which they paid up to $1,500.
""",
    ),
    ArticleData(
        slug="port-amity-budget-leans-on-parking-tickets",
        headline="Port Amity's budget leans on parking tickets to close a $3 million gap",
        dek="The city expects to collect 46 percent more in fines next year. Council members "
        "disagree on whether that is fair.",
        section="local-government",
        authors=("desmond-achterberg", "june-calloway"),
        dateline="Port Amity",
        tags=("Budgets", "Parking", "Port Amity"),
        release=ago(days=8, hours=3),
        lead=Placement("port-amity-street"),
        syndicate=False,
        body="""\
Port Amity's proposed budget for next year counts on $4.7 million from parking fines, up from
$3.2 million this year, a 46 percent increase that would close half of the city's projected
shortfall.

To get there, the budget extends meter hours on Quay Street and around the harbour until
10 p.m., raises the fine for an expired meter from $35 to $45, and adds four parking
enforcement officers.

## "A tax on visitors"

Mayor Constance Iwu-Pellegrini defended the plan as a fair way to raise money from the
thousands of summer visitors who use city streets without paying city taxes. "Nine out of ten
tickets on Quay Street go to cars registered outside Port Amity," she said.

Council members who oppose the plan say it will fall hardest on harbour workers and restaurant
staff who start and finish late. "The people parking at 9:30 at night are not tourists," said
Councilmember Dmitri Abernathy-Sow. "They're dishwashers."

The council will hold a public hearing on the budget next Tuesday and must adopt it by the end
of next month.
""",
    ),
    ArticleData(
        slug="tamsin-flats-considers-four-day-week",
        headline="Tamsin Flats considers a four-day week for town hall staff",
        dek="The pilot would keep offices open longer Monday to Thursday and close them on "
        "Fridays.",
        section="local-government",
        authors=("desmond-achterberg",),
        dateline="Tamsin Flats",
        tags=("Town hall", "Workforce", "Tamsin Flats"),
        release=None,
        lead=Placement("town-hall"),
        body="""\
Tamsin Flats could become the first town in the county to close its town hall on Fridays, under
a six-month pilot the select board will discuss next week.

Under the proposal, the clerk's office, the assessor and the building department would open
from 7:30 a.m. to 6 p.m. Monday to Thursday, two and a half hours longer than now. Staff would
work four 10-hour days instead of five eight-hour days.

Town Manager Philippa Odum said the change is meant to help the town keep staff. Four of its 23
employees left last year for jobs in larger towns, and two positions have been open for more
than six months.

## What residents would notice

Police, fire and the transfer station would keep their current hours. Permit applications and
tax payments could still be made online at any time, and the town would keep a drop box at the
front door for paperwork on Fridays.

The select board will hear public comment before it votes.
""",
    ),
)
