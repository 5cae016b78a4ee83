#!/usr/bin/env python3
"""Generate ILLUSTRATIVE (fictional) community assets for York and Birmingham.

Every group, organisation, person, address line, e-mail address, phone number
and web address written by this script is invented for demonstration. Only the
postcodes and their latitude/longitude are real: they are Code-Point Open
postcode centroids copied from the shared data folder, chosen so that each
in-person asset sits in the ward it is assigned to.

Usage (from the repository root):

    python3 scripts/make_demo_assets.py [--shared ../shared/data] [--out data/demo]

Standard library only. The output is deterministic: the same inputs and the
same SEED give byte-identical CSV files.
"""

import argparse
import csv
import datetime
import json
import os
import random
import re
import sys

SEED = 20240521

COLUMNS = [
    "source_id",
    "name",
    "organisation",
    "description",
    "categories",
    "audiences",
    "capabilities",
    "asset_type",
    "modes",
    "address",
    "postcode",
    "lat",
    "lon",
    "service_area_wards",
    "schedule",
    "cost_amount",
    "cost_description",
    "accessibility",
    "how_to_get_there",
    "contact_name",
    "email",
    "phone",
    "url",
    "visibility",
    "last_verified",
    "verification_method",
    "illustrative",
]

CATEGORIES = [
    "social-groups",
    "physical-activity",
    "arts-and-music",
    "learning",
    "faith-and-cultural",
    "community-meals-and-food",
    "money-and-benefits-advice",
    "carers-support",
    "mental-wellbeing",
    "peer-support",
    "befriending",
    "volunteering",
    "employment-support",
    "digital-inclusion",
    "transport",
    "housing-and-home",
    "information-and-advice",
    "green-spaces",
    "community-buildings",
    "health-support",
]
AUDIENCES = [
    "all-adults",
    "older-people",
    "learning-disabilities",
    "autistic-people",
    "mental-health",
    "physical-disabilities",
    "sensory-impairments",
    "dementia",
    "unpaid-carers",
    "young-adults",
]
CAPABILITIES = [
    "love-friendship-support",
    "future-without-concern",
    "feeling-valued",
    "enjoyment",
    "independence",
]
ASSET_TYPES = [
    "association",
    "voluntary-organisation",
    "public-institution",
    "physical-space",
    "local-enterprise",
]
ACCESS = [
    "wheelchair",
    "step-free",
    "accessible-toilet",
    "hearing-loop",
    "quiet-space",
    "large-print",
    "bsl",
]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}

# Minimum number of uses of every slug per city.
MIN_CAT, MIN_AUD, MIN_CAP = 8, 5, 10

CITIES = {
    "birmingham": {
        "label": "Birmingham",
        "lad": "E08000025",
        "prefix": "demo-bham",
        "total": 400,
        "min_per_ward": 4,
        "file": "community_assets_birmingham.csv",
        "buses": [
            "1",
            "2",
            "4",
            "6",
            "8A",
            "11A",
            "11C",
            "16",
            "23",
            "28",
            "35",
            "45",
            "50",
            "60",
            "67",
            "76",
            "82",
            "87",
            "94",
            "97",
            "X12",
            "X14",
            "X51",
        ],
    },
    "york": {
        "label": "York",
        "lad": "E06000014",
        "prefix": "demo-york",
        "total": 250,
        "min_per_ward": 8,
        "file": "community_assets_york.csv",
        "buses": ["1", "2", "4", "5", "5A", "6", "9", "10", "11", "12", "13", "15", "36", "59"],
    },
}

# Short, familiar place names used inside asset names for each 2024 ward.
LOCALITIES = {
    # Birmingham
    "Balsall Heath West": ["Balsall Heath"],
    "Bordesley & Highgate": ["Highgate", "Bordesley"],
    "Bournbrook & Selly Park": ["Bournbrook", "Selly Park"],
    "Bournville & Cotteridge": ["Bournville", "Cotteridge"],
    "Brandwood & King's Heath": ["Kings Heath", "Brandwood"],
    "Bromford & Hodge Hill": ["Hodge Hill", "Bromford"],
    "Druids Heath & Monyhull": ["Druids Heath", "Monyhull"],
    "Frankley Great Park": ["Frankley"],
    "Glebe Farm & Tile Cross": ["Glebe Farm", "Tile Cross"],
    "Hall Green North": ["Hall Green"],
    "Hall Green South": ["Hall Green", "Robin Hood"],
    "King's Norton North": ["King's Norton"],
    "King's Norton South": ["King's Norton", "Hawkesley"],
    "Longbridge & West Heath": ["Longbridge", "West Heath"],
    "North Edgbaston": ["Edgbaston", "Rotton Park"],
    "Rubery & Rednal": ["Rubery", "Rednal"],
    "Soho & Jewellery Quarter": ["Jewellery Quarter", "Soho"],
    "South Yardley": ["Yardley"],
    "Sparkbrook & Balsall Heath East": ["Sparkbrook", "Balsall Heath"],
    "Sutton Four Oaks": ["Four Oaks"],
    "Sutton Mere Green": ["Mere Green"],
    "Sutton Reddicap": ["Reddicap", "Falcon Lodge"],
    "Sutton Roughley": ["Roughley"],
    "Sutton Trinity": ["Sutton Coldfield"],
    "Sutton Vesey": ["Boldmere", "Sutton Coldfield"],
    "Sutton Walmley & Minworth": ["Walmley", "Minworth"],
    "Sutton Wylde Green": ["Wylde Green"],
    "Tyseley & Hay Mills": ["Tyseley", "Hay Mills"],
    "Weoley & Selly Oak": ["Weoley Castle", "Selly Oak"],
    "Yardley East": ["Yardley"],
    "Yardley West & Stechford": ["Stechford", "Yardley"],
    # York
    "Dringhouses & Woodthorpe": ["Dringhouses", "Woodthorpe"],
    "Fulford & Heslington": ["Fulford", "Heslington"],
    "Guildhall": ["Guildhall", "The Groves"],
    "Haxby & Wigginton": ["Haxby", "Wigginton"],
    "Heworth Without": ["Heworth"],
    "Hull Road": ["Hull Road", "Tang Hall"],
    "Huntington & New Earswick": ["Huntington", "New Earswick"],
    "Osbaldwick & Derwent": ["Osbaldwick", "Dunnington"],
    "Rawcliffe & Clifton Without": ["Rawcliffe", "Clifton Moor"],
    "Rural West York": ["Poppleton", "Rufforth", "Skelton"],
    "Westfield": ["Westfield", "Foxwood"],
    "Wheldrake": ["Wheldrake", "Elvington"],
    "Strensall": ["Strensall", "Stockton-on-the-Forest"],
}
RURAL_WARDS = {
    "Bishopthorpe",
    "Copmanthorpe",
    "Haxby & Wigginton",
    "Osbaldwick & Derwent",
    "Rural West York",
    "Strensall",
    "Wheldrake",
}

STREETS = [
    "Church Road",
    "Station Road",
    "High Street",
    "Victoria Road",
    "Park Road",
    "Mill Lane",
    "School Lane",
    "Green Lane",
    "Moor Lane",
    "Chapel Street",
    "Albert Road",
    "Grove Road",
    "Manor Road",
    "York Road",
    "Queen Street",
    "King Street",
    "Vicarage Road",
    "Stanley Road",
    "The Green",
    "Main Street",
    "Springfield Road",
    "Oak Tree Lane",
    "Beech Avenue",
    "Elm Grove",
    "Holly Lane",
    "Farm Road",
    "Orchard Way",
    "Westfield Road",
    "Alexandra Road",
    "Cherry Tree Walk",
    "Hawthorn Road",
    "Coronation Road",
    "Highfield Road",
    "Meadow Way",
    "Brook Street",
    "Willow Avenue",
    "Chestnut Drive",
    "Priory Road",
    "Bridge Street",
    "Greenway",
    "Poplar Road",
    "Ash Grove",
    "Lime Tree Avenue",
    "Woodland Road",
    "Heath Road",
    "Hall Lane",
    "Windmill Lane",
    "Rectory Lane",
    "Barley Close",
    "Foxglove Way",
    "Cedar Road",
]
SAINTS = [
    "Mary",
    "John",
    "Peter",
    "Paul",
    "Michael",
    "Andrew",
    "Margaret",
    "Luke",
    "Mark",
    "Chad",
    "Oswald",
    "Hilda",
    "Wilfrid",
    "Lawrence",
    "Barnabas",
    "Agnes",
    "Edmund",
    "Alban",
    "Columba",
    "Aidan",
    "Bede",
    "Thomas",
    "Stephen",
    "Nicholas",
    "Martin",
    "Anne",
    "Helen",
    "Giles",
    "James",
    "Catherine",
]
CAFE_ADJ = [
    "Copper",
    "Blue",
    "Green",
    "Kind",
    "Corner",
    "Little",
    "Daisy",
    "Acorn",
    "Willow",
    "Sunny",
    "Open",
    "Red Door",
]
FIRST_NAMES = [
    "Amira",
    "Ben",
    "Carol",
    "Declan",
    "Eleanor",
    "Farhana",
    "Gareth",
    "Harpreet",
    "Imran",
    "Janet",
    "Kwame",
    "Linda",
    "Marek",
    "Nadia",
    "Owen",
    "Priya",
    "Rosa",
    "Sanjay",
    "Tamsin",
    "Usha",
    "Vera",
    "Winston",
    "Yasmin",
    "Zofia",
    "Aidan",
    "Bernadette",
    "Chloe",
    "Dev",
    "Esther",
    "Femi",
    "Grace",
    "Hassan",
    "Isla",
    "Jas",
    "Kath",
    "Leon",
    "Maureen",
    "Noor",
    "Oksana",
    "Patrick",
    "Ruth",
    "Sadia",
    "Tom",
    "Valerie",
    "Wei",
    "Abdi",
    "Brenda",
    "Colin",
    "Delroy",
    "Ewa",
    "Fiona",
    "Gurdeep",
    "Hazel",
    "Ian",
    "Joyce",
    "Kiran",
    "Lorraine",
    "Mohammed",
    "Niamh",
    "Pauline",
]
SURNAMES = [
    "Ahmed",
    "Baker",
    "Campbell",
    "Dhillon",
    "Evans",
    "Francis",
    "Green",
    "Hussain",
    "Iqbal",
    "Johnson",
    "Kaur",
    "Lewis",
    "Murphy",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Rahman",
    "Singh",
    "Thompson",
    "Walsh",
    "Yusuf",
    "Zielinski",
    "Brown",
    "Clarke",
    "Davies",
    "Edwards",
    "Foster",
    "Gill",
    "Hughes",
    "Jones",
    "Khan",
    "Lee",
    "Mahmood",
    "Nelson",
    "Okafor",
    "Parker",
    "Roberts",
    "Shah",
    "Taylor",
    "Wilson",
    "Wright",
    "Hall",
    "Kowalski",
    "Mensah",
    "Chen",
    "Begum",
    "Sandhu",
    "Reid",
    "Ward",
]

# City-wide fictional organisations: key -> (Birmingham, York) (name, domain).
CITY_ORGS = {
    "age": (("Brum Silver Circle", "brum-silver-circle"), ("Minster Over-60s Network", "minster-over60s")),
    "carers": (("Second City Carers Network", "secondcity-carers"), ("York Carers Together", "yorkcarers-together")),
    "befriend": (
        ("Friendly Voices Birmingham", "friendlyvoices-bham"),
        ("Friendly Voices York", "friendlyvoices-york"),
    ),
    "advice": (
        ("Birmingham Community Advice Partnership", "bham-advice-partnership"),
        ("York Community Advice Partnership", "york-advice-partnership"),
    ),
    "digital": (("Digital Buddies Birmingham", "digitalbuddies-bham"), ("Digital Buddies York", "digitalbuddies-york")),
    "mh": (("Open Door Peer Collective", "opendoor-peers"), ("Ouse Peer Support Collective", "ouse-peers")),
    "walk": (("Brum Walk and Talk", "brum-walkandtalk"), ("Walk and Talk York", "walkandtalk-york")),
    "arts": (("Canalside Arts Collective", "canalside-arts"), ("Walmgate Arts Collective", "walmgate-arts")),
    "transport": (
        ("Brum Community Wheels", "brum-community-wheels"),
        ("York Community Wheels", "york-community-wheels"),
    ),
    "housing": (
        ("Warm and Well Homes Birmingham", "warmandwell-bham"),
        ("Warm and Well Homes York", "warmandwell-york"),
    ),
    "employment": (("Next Steps Work Hub", "nextsteps-workhub"), ("Next Steps Work Hub York", "nextsteps-york")),
    "ld": (
        ("Brighter Days Learning Disability Network", "brighterdays-bham"),
        ("Brighter Days York", "brighterdays-york"),
    ),
    "autism": (("Spectrum Social Birmingham", "spectrumsocial-bham"), ("Spectrum Social York", "spectrumsocial-york")),
    "sensory": (("Sight and Sound Birmingham", "sightandsound-bham"), ("Sight and Sound York", "sightandsound-york")),
    "fitness": (("Gold Moves Fitness", "goldmoves-fitness"), ("Vale Moves Fitness", "valemoves-fitness")),
    "health": (
        ("Birmingham Neighbourhood Health Team", "bham-neighbourhood-health"),
        ("York Neighbourhood Health Team", "york-neighbourhood-health"),
    ),
    "council": (
        ("Birmingham Housing Options Team", "bham-housing-options"),
        ("York Housing Options Team", "york-housing-options"),
    ),
    "safety": (
        ("Safe Harbour Women's Project", "safeharbour-bham"),
        ("Safe Harbour Women's Project York", "safeharbour-york"),
    ),
    "stroke": (("Stroke Friends Birmingham", "strokefriends-bham"), ("Stroke Friends York", "strokefriends-york")),
    "volunteer": (
        ("Birmingham Volunteer Connect", "bham-volunteer-connect"),
        ("York Volunteer Connect", "york-volunteer-connect"),
    ),
    "bereavement": (
        ("Gentle Steps Bereavement Support", "gentlesteps-bham"),
        ("Gentle Steps Bereavement Support York", "gentlesteps-york"),
    ),
    "memory": (
        ("Birmingham Memory Café Alliance", "bham-memorycafes"),
        ("York Memory Café Alliance", "york-memorycafes"),
    ),
    "cycle": (("Pedal Together Birmingham", "pedaltogether-bham"), ("Pedal Together York", "pedaltogether-york")),
    "sport": (("Inclusive Sport Birmingham", "inclusivesport-bham"), ("Inclusive Sport York", "inclusivesport-york")),
}

# ---------------------------------------------------------------------------
# Schedules: time slots
M1, M2, M3 = ("09:30", "11:30"), ("10:00", "12:00"), ("10:30", "11:30")
LUNCH, A1, A2 = ("12:00", "14:00"), ("13:30", "15:30"), ("14:00", "16:00")
E1, E2, E3 = ("18:00", "19:30"), ("18:30", "20:30"), ("19:00", "21:00")
OFFICE = {"mon": 1, "tue": 1, "wed": 1, "thu": 1, "fri": 1}
WEEKDAYS = {"mon": 1, "tue": 1, "wed": 1, "thu": 1, "fri": 1, "sat": 0.3, "sun": 0.15}
WEEKEND = {"mon": 0.3, "tue": 0.3, "wed": 0.3, "thu": 0.3, "fri": 0.3, "sat": 1.5, "sun": 1.5}
ANYDAY = dict.fromkeys(DAYS, 1)

FREE_DESCS = [
    "Free",
    "Free – donations welcome",
    "Free, just turn up",
    "Free; tea and biscuits provided",
    "Free – donation welcome",
]


def T(
    key,
    names,
    descs,
    cats,
    auds,
    caps,
    atype,
    venue,
    sched,
    cost,
    org,
    w=1.0,
    mins=1,
    modes=(("in_person",),),
    extra=(),
    vis="public",
    cities=("birmingham", "york"),
    frac=None,
    is_venue=False,
):
    """Describe one kind of asset. w may be a dict city -> weight."""
    return dict(
        key=key,
        names=names,
        descs=descs,
        cats=list(cats),
        auds=[list(a) for a in auds],
        caps=[list(c) for c in caps],
        atype=list(atype),
        venue=venue,
        sched=sched,
        cost=cost,
        org=list(org),
        w=w,
        mins=mins,
        modes=[list(m) for m in modes],
        extra=list(extra),
        vis=vis,
        cities=cities,
        frac=frac,
        is_venue=is_venue,
    )


def G(times, days=WEEKDAYS, n=(1, 1, 2)):
    return ("group", list(times), days, list(n))


ALL_PATTERNS = ("mon-fri", "mon-fri", "mon-sat", "tue-sun", "mon-sat")
OFFICE_PATTERNS = ("mon-fri", "mon-fri", "mon-sat")


def H(hours=(("09:00", "17:00"), ("09:30", "16:30"), ("10:00", "16:00")), patterns=ALL_PATTERNS):
    return ("hours", list(hours), list(patterns))


REMOTE = None
BHAM = ("birmingham",)
YORK = ("york",)

TEMPLATES = [
    # --- food and social ---------------------------------------------------
    T(
        "lunch_club",
        ["{loc} Lunch Club", "{Day} Lunch Club at {venue}", "{loc} Over-60s Lunch Club", "{loc} Friendship Lunch"],
        [
            "A hot two-course lunch followed by tea, a chat and sometimes a quiz or bingo. Most people who come are over 60 and live locally; new faces are always welcome.",
            "Home-cooked lunch served at the table by friendly volunteers, with pudding and a cuppa. Let the organiser know about any dietary needs when you book.",
            "A relaxed lunch for older neighbours, with a raffle and occasional entertainment. Volunteers can sometimes arrange a lift if you find it hard to get out.",
        ],
        ["community-meals-and-food", "social-groups"],
        [["older-people"]],
        [["love-friendship-support", "enjoyment"], ["love-friendship-support", "feeling-valued"]],
        ["voluntary-organisation", "association"],
        ["church_hall", "centre", "methodist", "hall"],
        G([LUNCH, ("12:00", "14:30"), ("12:30", "14:00")], dict(WEEKDAYS, sun=0.4), (1, 1, 1, 2)),
        (
            "paid",
            [3.5, 4, 4.5, 5],
            [
                "£{p} for a two-course lunch",
                "£{p} including tea and pudding",
                "£{p} per lunch; please book by the Friday before",
            ],
        ),
        ["trust", "church", "city:age"],
        w=7,
        mins=3,
    ),
    T(
        "community_cafe",
        ["{loc} Pay-As-You-Feel Café", "{loc} Community Café", "The Open Table, {loc}"],
        [
            "A community café where you pay what you can for a hot meal made from surplus food. Everyone is welcome, and there is always someone to chat to.",
            "Soup, sandwiches and cake cooked by local volunteers, with a warm space to sit and read the paper. Pay what you feel; nobody is turned away.",
        ],
        ["community-meals-and-food", "volunteering"],
        [["all-adults"]],
        [["feeling-valued", "future-without-concern"], ["love-friendship-support", "enjoyment"]],
        ["voluntary-organisation", "local-enterprise"],
        ["cafe", "centre", "church_hall"],
        G([("11:00", "14:00"), ("12:00", "15:00"), ("17:30", "19:30")], ANYDAY, (1, 2, 2, 3)),
        ("free", ["Pay as you feel", "Free – donations welcome"]),
        ["trust", "church", "pat:{loc} Community Kitchen"],
        w=4,
        mins=2,
    ),
    T(
        "food_pantry",
        ["{loc} Food Pantry", "{loc} Community Larder", "{loc} Food Club"],
        [
            "A membership food pantry: pay £{price} a visit and choose around £15 worth of groceries, including fresh fruit and veg. Money and energy advice is often available on the same day.",
            "Affordable weekly shop for local households, with chilled, frozen and store-cupboard food. Join on your first visit; bring proof of address if you have it.",
        ],
        ["community-meals-and-food", "money-and-benefits-advice"],
        [["all-adults"]],
        [["future-without-concern"], ["future-without-concern", "independence"]],
        ["voluntary-organisation"],
        ["church_hall", "centre", "hall"],
        G([A2, M2, ("16:00", "18:00")], WEEKDAYS, (1, 2)),
        ("paid", [3.5, 4, 5], ["£{p} per visit (membership)", "£{p} a week membership"]),
        ["trust", "church"],
        w=3,
        mins=2,
    ),
    T(
        "interfaith_lunch",
        ["Interfaith Friendship Lunch, {loc}", "{loc} Shared Table Lunch"],
        [
            "Neighbours of all faiths and none share a simple vegetarian lunch and conversation. A good way to meet people from different communities.",
            "A monthly-themed shared lunch hosted in turn by local faith groups, with food from around the world. Everyone is welcome.",
        ],
        ["faith-and-cultural", "community-meals-and-food", "social-groups"],
        [["all-adults"]],
        [["love-friendship-support", "feeling-valued"]],
        ["association"],
        ["church_hall", "centre", "methodist"],
        G([LUNCH, ("12:30", "14:30")], dict(WEEKDAYS, sun=1), (1,)),
        ("free", FREE_DESCS),
        ["church", "trust"],
        w=1.5,
    ),
    # --- physical activity -------------------------------------------------
    T(
        "walking",
        ["Walk and Talk {venue}", "{loc} Health Walk", "{Day} Stroll around {venue}", "Nordic Walking at {venue}"],
        [
            "A friendly, gentle walk of about an hour at an easy pace, finishing with a hot drink. Walk leaders are trained volunteers and nobody gets left behind.",
            "Meet at the main gate for a 45-minute walk followed by a chat. Good for anyone wanting to get a bit more active and meet people.",
        ],
        ["physical-activity", "green-spaces"],
        [["all-adults"], ["older-people"], ["all-adults", "mental-health"]],
        [["enjoyment", "independence"], ["love-friendship-support", "enjoyment"]],
        ["association", "voluntary-organisation"],
        ["park"],
        G([M2, M3, ("09:30", "10:30"), ("13:30", "14:30")], dict(WEEKDAYS, sat=1, sun=1), (1, 1, 2)),
        ("mix", 0.6, [1, 2], ["£{p} towards refreshments afterwards", "£{p} per walk, first walk free"]),
        ["city:walk", "friends", "trust"],
        w=6,
        mins=3,
    ),
    T(
        "zumba",
        ["Zumba Gold at {venue}", "{Day} Zumba Gold at {loc}", "Zumba Gold class, {loc}", "Seated Zumba at {venue}"],
        [
            "Zumba Gold is a gentler, low-impact version of zumba: easy-to-follow Latin dance moves set to upbeat music, done at your own pace. Perfect for beginners, older adults and anyone returning to exercise.",
            "A fun, friendly zumba class with simple steps and lots of laughter; chairs are available if you need a rest. Wear comfortable shoes and bring a bottle of water.",
        ],
        ["physical-activity", "arts-and-music"],
        [["older-people"], ["all-adults"]],
        [["enjoyment", "independence"], ["enjoyment"]],
        ["local-enterprise"],
        ["centre", "hall", "church_hall", "sports"],
        G([M2, M3, ("18:30", "19:30"), ("11:00", "12:00")], WEEKDAYS, (1, 1, 2)),
        ("paid", [4, 4.5, 5], ["£{p} per class, pay on the door", "£{p} per session; first class free"]),
        ["city:fitness", "pat:{loc} Dance and Fitness"],
        w=3,
        mins=2,
    ),
    T(
        "chair_exercise",
        ["Seated Exercise at {venue}", "Chair-Based Exercise, {loc}", "{loc} Gentle Movers"],
        [
            "Gentle chair-based exercise to music to help strength, balance and flexibility. Suitable if you use a wheelchair or walking aid; the instructor adapts every move.",
            "A sociable seated exercise class followed by tea. You can go at your own pace and nobody is expected to get down on the floor.",
        ],
        ["physical-activity", "health-support"],
        [["older-people", "physical-disabilities"], ["physical-disabilities"], ["older-people"]],
        [["independence", "enjoyment"]],
        ["voluntary-organisation", "local-enterprise"],
        ["centre", "church_hall", "hall", "methodist"],
        G([M2, M3, A1], WEEKDAYS, (1, 1, 2)),
        ("mix", 0.2, [2, 2.5, 3], ["£{p} per session", "£{p} including a hot drink"]),
        ["city:age", "city:fitness", "trust"],
        w=4,
        mins=2,
    ),
    T(
        "tai_chi",
        ["Tai Chi for Beginners, {loc}", "{loc} Tai Chi and Qigong"],
        [
            "Slow, flowing tai chi movements to improve balance and calm the mind. Beginners are welcome and you can sit for parts of the class.",
            "A friendly qigong and tai chi class with breathing exercises and gentle stretches. Wear loose clothing and flat shoes.",
        ],
        ["physical-activity", "mental-wellbeing"],
        [["all-adults"], ["older-people"]],
        [["enjoyment", "independence"]],
        ["local-enterprise", "association"],
        ["centre", "hall", "church_hall", "park"],
        G([M2, E1, ("09:30", "10:30")], dict(WEEKDAYS, sat=1), (1, 1, 2)),
        ("paid", [3, 4, 5], ["£{p} per class", "£{p} a session, pay as you go"]),
        ["city:fitness", "pat:{loc} Tai Chi Club"],
        w=2,
    ),
    T(
        "wheelchair_sports",
        ["Wheelchair Sports Session, {loc}", "Inclusive Sports Night at {venue}"],
        [
            "Wheelchair basketball, boccia and table tennis for disabled adults of all abilities. Sports wheelchairs are provided and coaches are on hand.",
            "A relaxed inclusive sports session where disabled and non-disabled adults play together. Try something new each week; no experience needed.",
        ],
        ["physical-activity", "social-groups"],
        [["physical-disabilities"], ["physical-disabilities", "young-adults"]],
        [["enjoyment", "independence"]],
        ["voluntary-organisation"],
        ["sports"],
        G([E2, ("18:00", "20:00"), M2], dict(WEEKDAYS, sat=1.5), (1,)),
        ("paid", [2, 3], ["£{p} per session", "£{p}; support workers free"]),
        ["city:sport"],
        w=1.5,
    ),
    T(
        "cycle_confidence",
        ["Cycle Confidence Sessions, {loc}", "Ride Out from {venue}"],
        [
            "Free bike-handling and route-planning sessions in a traffic-free space, with loan bikes and helmets. Build the confidence to cycle to the shops, work or the doctor's.",
            "Short, slow-paced group rides on quiet roads and paths led by trained volunteers. Learn safe local routes and meet other new riders.",
        ],
        ["transport", "physical-activity"],
        [["all-adults"], ["young-adults"]],
        [["independence", "enjoyment"]],
        ["voluntary-organisation"],
        ["park"],
        G([M2, ("10:00", "12:30"), E1], WEEKEND, (1,)),
        ("free", ["Free, including bike loan", "Free"]),
        ["city:cycle"],
        w=2,
        mins=2,
    ),
    T(
        "adapted_cycling",
        ["Adapted Cycling at {venue}", "All-Ability Cycling, {loc}"],
        [
            "Hand cycles, side-by-side tandems and trikes for people who can't use a standard bike. Staff help you find the right cycle and carers can ride too.",
            "Inclusive cycling on a flat, traffic-free circuit with a wide range of adapted bikes. Book your first session so we can have the right bike ready.",
        ],
        ["physical-activity", "transport"],
        [["physical-disabilities", "learning-disabilities"], ["learning-disabilities"]],
        [["independence", "enjoyment"]],
        ["voluntary-organisation"],
        ["park"],
        G([M2, A2], dict(WEEKDAYS, sat=1.5, sun=1), (1, 2)),
        ("paid", [3, 4], ["£{p} per session; carers ride free", "£{p} a session"]),
        ["city:cycle"],
        w=1.2,
    ),
    # --- men's sheds, crafts, arts ----------------------------------------
    T(
        "mens_shed",
        ["{loc} Men's Shed", "Men's Shed, {loc}", "{loc} Community Shed"],
        [
            "A workshop where men (and anyone else who'd like to) make, mend and chat over a cuppa. Woodwork, repairs and small community projects; no experience needed.",
            "Drop in to the shed for practical projects, tool skills and good company. Members repair donated bikes and build planters for local schools.",
        ],
        ["social-groups", "volunteering", "mental-wellbeing"],
        [["older-people"], ["all-adults"], ["all-adults", "mental-health"]],
        [["feeling-valued", "love-friendship-support"], ["feeling-valued", "enjoyment"]],
        ["association"],
        ["unit", "hall"],
        G([("10:00", "13:00"), ("13:00", "16:00"), ("09:30", "12:30")], WEEKDAYS, (1, 2, 2, 3)),
        ("mix", 0.25, [2, 3], ["£{p} a session towards tea and materials", "£{p} per visit"]),
        ["pat:{loc} Men's Shed Association"],
        w=3,
        mins=2,
    ),
    T(
        "knit_natter",
        ["Knit and Natter, {loc}", "{loc} Knit and Natter", "Stitch and Chat at {venue}", "{loc} Craft Club"],
        [
            "Bring your knitting, crochet or sewing, or learn from scratch with spare needles and wool. A warm, chatty group with plenty of tea.",
            "A friendly craft circle making blankets and hats for local charities. Beginners welcome; materials provided.",
        ],
        ["arts-and-music", "social-groups"],
        [["older-people"], ["all-adults"]],
        [["enjoyment", "love-friendship-support"]],
        ["association"],
        ["church_hall", "cafe", "centre", "methodist"],
        G([M2, A1, A2, E1], WEEKDAYS, (1, 1, 2)),
        ("mix", 0.3, [1, 1.5, 2], ["£{p} including tea", "£{p} towards room hire"]),
        ["church", "trust", "none"],
        w=4,
        mins=2,
    ),
    T(
        "choir",
        ["{loc} Community Choir", "{loc} Singing Group", "Sing Out {loc}"],
        [
            "A no-audition community choir singing pop, gospel and folk songs. You don't need to read music; just come along and give it a try.",
            "A warm, welcoming singing group that performs at local care homes and summer fairs. Song sheets and recordings are shared so you can practise at home.",
        ],
        ["arts-and-music", "social-groups"],
        [["all-adults"]],
        [["enjoyment", "feeling-valued"], ["enjoyment", "love-friendship-support"]],
        ["association"],
        ["church_hall", "methodist", "centre"],
        G([E2, E3, ("19:00", "20:30"), A1], WEEKDAYS, (1,)),
        ("paid", [3, 4, 5], ["£{p} a session; first two sessions free", "£{p} per week"]),
        ["city:arts", "church", "trust"],
        w=3,
        mins=2,
        modes=(("in_person",), ("in_person",), ("in_person", "online")),
    ),
    T(
        "art_wellbeing",
        ["Art for Wellbeing, {loc}", "{loc} Creative Minds", "Paint and Chat at {venue}"],
        [
            "Relaxed art sessions using paint, collage and printmaking, led by a local artist. No skill needed: the focus is on enjoying yourself and unwinding.",
            "A calm creative group for people who want to look after their mental health through art. Materials are provided and there is no pressure to share your work.",
        ],
        ["arts-and-music", "mental-wellbeing"],
        [["mental-health"], ["all-adults"], ["all-adults", "mental-health"]],
        [["enjoyment", "feeling-valued"]],
        ["voluntary-organisation", "association"],
        ["centre", "cafe", "church_hall"],
        G([A1, A2, M2], WEEKDAYS, (1,)),
        ("mix", 0.45, [2, 3], ["£{p} including materials", "£{p} a session"]),
        ["city:arts", "city:mh"],
        w=3,
        mins=2,
        extra=["quiet-space"],
    ),
    T(
        "singing_memory",
        ["Singing for Memory, {loc}", "{loc} Songs and Smiles"],
        [
            "Familiar songs from the 1950s onwards, sung together for fun, for people living with dementia and their carers. Song sheets in large print; tea afterwards.",
            "A joyful singing session using well-loved tunes to spark memories and conversation. Carers and family members are encouraged to join in.",
        ],
        ["arts-and-music", "mental-wellbeing"],
        [["dementia", "unpaid-carers"]],
        [["enjoyment", "love-friendship-support"]],
        ["voluntary-organisation"],
        ["church_hall", "centre", "methodist"],
        G([A1, M2], WEEKDAYS, (1,)),
        ("mix", 0.4, [1, 2], ["£{p} per person, carers free"]),
        ["city:memory", "city:arts"],
        w=2,
        extra=["large-print"],
    ),
    # --- dementia and carers ----------------------------------------------
    T(
        "memory_cafe",
        ["{loc} Memory Café", "Memory Café at {venue}", "Forget-Me-Not Café, {loc}"],
        [
            "A relaxed café for people living with dementia and the people who care for them, with music, reminiscence and a chance to talk to others in the same boat.",
            "Drop in for tea, cake and activities such as singing and memory games. Volunteers can point families towards local dementia support.",
        ],
        ["carers-support", "social-groups", "health-support"],
        [["dementia", "unpaid-carers"], ["dementia"]],
        [["love-friendship-support", "future-without-concern"], ["love-friendship-support", "enjoyment"]],
        ["voluntary-organisation"],
        ["church_hall", "centre", "methodist", "cafe"],
        G([M2, A1, A2], WEEKDAYS, (1,)),
        ("mix", 0.4, [1, 2, 2.5], ["£{p} including tea and cake"]),
        ["city:memory", "church", "trust"],
        w=4,
        mins=2,
        extra=["quiet-space"],
    ),
    T(
        "carers_group",
        [
            "Carers' Coffee Morning, {loc}",
            "{loc} Carers' Group",
            "Carers' Cuppa at {venue}",
            "{Day} Carers' Drop-in, {loc}",
        ],
        [
            "A friendly coffee morning for anyone looking after a family member or friend. Share tips, have a break and get information about carers' assessments and respite.",
            "Time out for unpaid carers, with a chat, occasional speakers and pampering sessions. You can bring the person you care for if you need to.",
        ],
        ["carers-support", "peer-support"],
        [["unpaid-carers"]],
        [["love-friendship-support", "future-without-concern"], ["feeling-valued", "love-friendship-support"]],
        ["voluntary-organisation"],
        ["church_hall", "centre", "cafe", "methodist"],
        G([M2, ("10:30", "12:00"), E1], WEEKDAYS, (1,)),
        ("mix", 0.75, [1, 2], ["£{p} for tea and cake"]),
        ["city:carers"],
        w=4,
        mins=2,
        modes=(("in_person",), ("in_person",), ("in_person", "online")),
    ),
    T(
        "young_carers",
        ["Young Adult Carers' Meet-up, {loc}", "{loc} Carers Under 25"],
        [
            "A sociable evening for carers aged 18 to 25 who look after a parent, brother, sister or partner. Pizza, games and a chance to talk to people who get it.",
            "Young adult carers meet to relax, share experiences and get help with college, work and benefits. Bus fares can be refunded.",
        ],
        ["carers-support", "social-groups"],
        [["unpaid-carers", "young-adults"]],
        [["love-friendship-support", "enjoyment"]],
        ["voluntary-organisation"],
        ["centre", "cafe"],
        G([E1, ("17:30", "19:30")], WEEKDAYS, (1,)),
        ("free", ["Free, food provided", "Free"]),
        ["city:carers"],
        w=1.2,
    ),
    T(
        "carers_online",
        ["Carers' Online Evening Chat", "Carers Connect Online", "Carers' Lunchtime Catch-up Online"],
        [
            "A relaxed video call for unpaid carers who can't easily get out. Join from home, camera on or off, and share the ups and downs with people who understand.",
            "An online peer group for carers run by trained volunteers, with a different topic most weeks, from sleep to benefits.",
        ],
        ["carers-support", "peer-support"],
        [["unpaid-carers"]],
        [["love-friendship-support", "future-without-concern"]],
        ["voluntary-organisation"],
        REMOTE,
        G([E2, E3, ("19:30", "20:30"), LUNCH], WEEKDAYS, (1,)),
        ("free", ["Free"]),
        ["city:carers"],
        w=1.2,
        modes=(("online",),),
    ),
    # --- advice ------------------------------------------------------------
    T(
        "advice_dropin",
        [
            "Citizens' Advice drop-in at {venue}",
            "{loc} Money and Benefits Advice Drop-in",
            "{Day} Advice Surgery, {loc}",
        ],
        [
            "Free, confidential help with benefits, debt, housing and form-filling from trained advisers. Bring any letters you have; no appointment needed.",
            "Drop in for help with Universal Credit, PIP forms, council tax and bills. Advisers can refer you on for specialist debt or legal advice.",
        ],
        ["money-and-benefits-advice", "information-and-advice"],
        [["all-adults"]],
        [["future-without-concern", "independence"], ["future-without-concern"]],
        ["voluntary-organisation"],
        ["centre", "church_hall", "health", "cafe"],
        G([M2, ("09:30", "12:30"), A2, ("13:00", "16:00")], OFFICE, (1, 2)),
        ("free", ["Free", "Free and confidential"]),
        ["city:advice"],
        w=4,
        mins=2,
    ),
    T(
        "advice_centre",
        ["{loc} Advice Centre", "Community Advice Hub, {loc}"],
        [
            "A high-street advice centre offering help with benefits, debt, housing and employment rights. Call ahead for an appointment or drop in during opening hours.",
            "Trained advisers help with money, housing and consumer problems, face to face or by phone. Interpreters can be booked in advance.",
        ],
        ["money-and-benefits-advice", "information-and-advice", "housing-and-home"],
        [["all-adults"]],
        [["future-without-concern", "independence"]],
        ["voluntary-organisation"],
        ["office"],
        H(patterns=OFFICE_PATTERNS),
        ("free", ["Free and confidential"]),
        ["city:advice"],
        w=1.5,
        modes=(("in_person", "phone"),),
    ),
    T(
        "advice_phone",
        ["{city} Benefits Advice Helpline", "Money Worries Phone Line", "Pension Credit Check Phone Service"],
        [
            "Ring for free, confidential advice on benefits, debt and bills. An adviser can fill in forms with you over the phone and call you back at a time that suits.",
            "A phone service that checks whether you are getting all the benefits you are entitled to. Most calls take about 30 minutes.",
        ],
        ["money-and-benefits-advice", "information-and-advice"],
        [["all-adults"], ["older-people"]],
        [["future-without-concern", "independence"]],
        ["voluntary-organisation"],
        REMOTE,
        H((("09:00", "17:00"), ("10:00", "16:00")), OFFICE_PATTERNS),
        ("free", ["Free (calls charged at local rate)", "Free"]),
        ["city:advice"],
        w=1.5,
        modes=(("phone",),),
    ),
    T(
        "warm_homes",
        ["Warm Homes Advice Surgery, {loc}", "{loc} Energy Bills Clinic"],
        [
            "Bring a recent energy bill and get help to switch tariffs, claim grants and cut draughts. Advisers can arrange a free home visit for small energy-saving measures.",
            "One-to-one advice on keeping warm for less, dealing with energy debt and damp. Free draught-proofing packs while stocks last.",
        ],
        ["housing-and-home", "money-and-benefits-advice"],
        [["older-people"], ["all-adults"]],
        [["future-without-concern"]],
        ["voluntary-organisation"],
        ["centre", "church_hall", "cafe"],
        G([M2, A2], OFFICE, (1,)),
        ("free", ["Free"]),
        ["city:housing"],
        w=2,
    ),
    T(
        "handyperson",
        ["{loc} Handyperson and Home Safety Service", "Small Repairs and Home Safety, {loc}"],
        [
            "Small repairs, grab rails, key safes and home safety checks for older and disabled people. Ring or call in to book a visit.",
            "A trusted handyperson service that fits rails and smoke alarms, fixes dripping taps and helps people stay safe and independent at home.",
        ],
        ["housing-and-home", "health-support"],
        [["older-people", "physical-disabilities"], ["older-people"]],
        [["independence", "future-without-concern"]],
        ["voluntary-organisation"],
        ["office", "unit"],
        H(patterns=OFFICE_PATTERNS),
        ("mix", 0.3, [10, 15], ["Free for people on pension credit; otherwise £{p} an hour plus materials"]),
        ["city:housing"],
        w=1.5,
        modes=(("in_person", "phone"),),
    ),
    T(
        "housing_options",
        ["Housing Options Surgery, {loc}", "{loc} Housing Advice Clinic"],
        [
            "Talk to a housing officer about homelessness, rent arrears, repairs or finding somewhere more suitable to live. Drop in or book a slot.",
            "Face-to-face housing advice covering council and housing association homes, private renting and adaptations.",
        ],
        ["housing-and-home", "information-and-advice"],
        [["all-adults"]],
        [["future-without-concern"]],
        ["public-institution"],
        ["centre", "office"],
        G([M2, ("09:30", "12:30"), A2], OFFICE, (1, 2)),
        ("free", ["Free"]),
        ["city:council"],
        w=1.5,
    ),
    T(
        "tenants",
        ["{loc} Tenants' and Residents' Association", "{loc} Residents' Forum"],
        [
            "Local residents meet to raise repairs, parking and safety issues with landlords and the council, and to plan community events. Everyone living in the area is welcome.",
            "An open residents' meeting with a short agenda and plenty of time for questions. Helps with litter picks, summer fun days and tenants' rights.",
        ],
        ["housing-and-home", "information-and-advice"],
        [["all-adults"]],
        [["feeling-valued", "independence"]],
        ["association"],
        ["centre", "hall", "church_hall"],
        G([E1, E2, ("18:30", "20:00")], WEEKDAYS, (1,)),
        ("free", ["Free"]),
        ["self"],
        w=2,
    ),
    # --- buildings and spaces ---------------------------------------------
    T(
        "community_centre",
        ["{venue}"],
        [
            "A busy community centre with a café, meeting rooms and a hall, hosting clubs and classes through the week. Pop in to see what's on or ask about room hire.",
            "Run by local volunteers, the centre is home to lunch clubs, fitness classes, advice surgeries and children's activities. Rooms can be hired at community rates.",
        ],
        ["community-buildings", "social-groups"],
        [["all-adults"]],
        [["love-friendship-support", "feeling-valued"]],
        ["physical-space"],
        ["centre"],
        H((("09:00", "21:00"), ("09:00", "17:00"), ("08:30", "22:00"))),
        ("free", ["Free to drop in; room hire from £12 an hour", "Free to visit; rooms for hire"]),
        ["trust", "trust", "none"],
        w=5,
        mins=3,
        is_venue=True,
    ),
    T(
        "hall",
        ["{venue}"],
        [
            "A traditional hall with a kitchen and small car park, used by local groups through the week and available to hire for parties and meetings.",
            "A well-used hall with a main room, a smaller meeting room and a kitchen. Regular users include a toddler group, a slimming club and a dance school.",
            "A simple hall available to community groups and families at low cost. Open for bookings only; ring to arrange a viewing.",
        ],
        ["community-buildings"],
        [["all-adults"]],
        [["feeling-valued"], ["love-friendship-support"]],
        ["physical-space"],
        ["hall", "church_hall"],
        ("maybe_none", 0.4, H((("09:00", "22:00"), ("09:00", "21:00")))),
        ("paid", [10, 12, 15, 18], ["Hire from £{p} an hour", "Room hire £{p} an hour; community groups discounted"]),
        ["none"],
        w=5,
        mins=2,
        is_venue=True,
    ),
    T(
        "park",
        ["{venue}"],
        [
            "A large, well-used park with a playground, paths and benches. Open all the time; the café toilets are open in the daytime.",
            "A local green space with a nature trail, open grassland and a small pond. Open all the time, with level tarmac paths around the main loop.",
            "Gates open daily from early morning until dusk. Flower beds, a bowling green, a children's play area and plenty of benches.",
        ],
        ["green-spaces", "physical-activity"],
        [["all-adults"]],
        [["enjoyment", "independence"]],
        ["physical-space"],
        ["park"],
        ("park",),
        ("free", ["Free"]),
        ["none"],
        w=6,
        mins=3,
        is_venue=True,
    ),
    T(
        "community_garden",
        ["{venue}"],
        [
            "Volunteers grow fruit, veg and flowers together; no gardening experience needed and tools are provided. A relaxed, outdoor way to meet people.",
            "A shared growing space with raised beds, a polytunnel and a wildlife pond. Produce goes to the volunteers and the local food pantry.",
        ],
        ["green-spaces", "volunteering", "mental-wellbeing"],
        [["all-adults"], ["all-adults", "learning-disabilities"], ["mental-health"]],
        [["feeling-valued", "enjoyment"], ["enjoyment", "love-friendship-support"]],
        ["association"],
        ["garden"],
        G([M2, ("10:00", "13:00"), A2], dict(WEEKDAYS, sat=1.5, sun=0.8), (1, 2)),
        ("mix", 0.55, [2, 3], ["£{p} a session including tea", "£{p} per session towards seeds and tools"]),
        ["trust", "pat:{loc} Growers", "none"],
        w=3,
        mins=2,
        is_venue=True,
    ),
    T(
        "friends_volunteer",
        ["Friends of {venue} Volunteer Morning", "{venue} Conservation Volunteers"],
        [
            "Help look after the park: litter picking, planting bulbs, clearing paths and building bird boxes. Gloves and tools provided, tea and biscuits afterwards.",
            "Practical conservation work in the park with a friendly crew of regulars. Come for an hour or the whole session.",
        ],
        ["green-spaces", "volunteering"],
        [["all-adults"]],
        [["feeling-valued", "enjoyment"]],
        ["association"],
        ["park"],
        G([("10:00", "12:30"), M2], WEEKEND, (1,)),
        ("free", ["Free"]),
        ["friends"],
        w=2,
    ),
    # --- befriending and mental wellbeing ----------------------------------
    T(
        "befriend_phone",
        [
            "Telephone Befriending – {city}",
            "Chatterbox Phone Friends",
            "{loc} Friendly Call Service",
            "Check-in and Chat Phone Calls",
        ],
        [
            "A trained volunteer rings you once or twice a week for a friendly chat at a time that suits you. For anyone who feels lonely or cut off, especially older people living alone.",
            "Regular phone calls from the same volunteer, who gets to know you and your interests. Ring the office to refer yourself or someone you know.",
        ],
        ["befriending", "mental-wellbeing"],
        [["older-people"], ["older-people", "physical-disabilities"]],
        [["love-friendship-support", "feeling-valued"]],
        ["voluntary-organisation"],
        REMOTE,
        H((("10:00", "16:00"), ("09:30", "16:30"))),
        ("free", ["Free"]),
        ["city:befriend", "city:age"],
        w=2.5,
        mins=2,
        modes=(("phone",),),
    ),
    T(
        "befriend_visit",
        ["{loc} Good Neighbours Home Visiting", "Home Visiting Befriending, {loc}"],
        [
            "A volunteer visits you at home for an hour a week for a chat, a game of cards or a short walk. Visits are arranged at times to suit you.",
            "Friendly volunteers visit older and housebound neighbours at home and help them get back out to local groups. Visits are arranged to suit you.",
        ],
        ["befriending", "volunteering"],
        [["older-people"], ["dementia"], ["older-people", "physical-disabilities"]],
        [["love-friendship-support", "feeling-valued"]],
        ["voluntary-organisation"],
        ["office", "church_hall"],
        ("none",),
        ("free", ["Free"]),
        ["city:befriend", "church", "trust"],
        w=2,
    ),
    T(
        "online_coffee",
        ["Online Coffee and Chat", "Virtual Tea Party", "Online Quiz and Natter"],
        [
            "A cheerful video call with a quiz, a chat and a different guest most weeks. Volunteers can lend a tablet and show you how to join.",
            "Make a cuppa and join neighbours online for an hour of conversation. Easy to join by video or by dialling in from a landline.",
        ],
        ["social-groups", "befriending"],
        [["older-people"]],
        [["love-friendship-support", "enjoyment"]],
        ["voluntary-organisation"],
        REMOTE,
        G([M2, A2, ("11:00", "12:00")], WEEKDAYS, (1, 2)),
        ("free", ["Free"]),
        ["city:age", "city:befriend"],
        w=1.2,
        modes=(("online",), ("online", "phone")),
    ),
    T(
        "online_peer",
        [
            "Online Anxiety Peer Support",
            "{city} Hearing Voices Online Group",
            "Low Mood Online Peer Circle",
            "Online Men's Talking Group",
        ],
        [
            "A video call where people with lived experience of anxiety and low mood support each other. Cameras optional; a trained facilitator keeps the group safe and friendly.",
            "An online peer group for sharing what helps, what doesn't and how the week has gone. Not a crisis service; the facilitator can signpost to urgent help.",
        ],
        ["peer-support", "mental-wellbeing"],
        [["mental-health"], ["mental-health", "young-adults"]],
        [["love-friendship-support", "future-without-concern"], ["feeling-valued", "love-friendship-support"]],
        ["voluntary-organisation"],
        REMOTE,
        G([E2, E3, ("19:30", "21:00"), A2], ANYDAY, (1,)),
        ("free", ["Free"]),
        ["city:mh"],
        w=2,
        mins=2,
        modes=(("online",),),
    ),
    T(
        "recovery_cafe",
        ["{loc} Recovery Café", "Open Minds Café, {loc}", "{loc} Wellbeing Café"],
        [
            "A safe, friendly café run by people with lived experience of mental ill health and addiction. Drop in for a brew, a board game or a chat.",
            "An informal space to connect with others on their recovery journey, with peer mentors on hand and information about local support.",
        ],
        ["mental-wellbeing", "peer-support", "social-groups"],
        [["mental-health"]],
        [["love-friendship-support", "feeling-valued"]],
        ["voluntary-organisation"],
        ["cafe", "centre", "church_hall"],
        G([A2, ("17:00", "19:00"), ("18:00", "20:00")], dict(WEEKDAYS, sat=1), (1, 2)),
        ("mix", 0.6, [1, 1.5], ["£{p} for a drink and a snack", "Drinks from £{p}"]),
        ["city:mh"],
        w=2,
        extra=["quiet-space"],
    ),
    T(
        "bereavement",
        ["Bereavement Café, {loc}", "{loc} Time to Talk Bereavement Group"],
        [
            "A gentle, informal space to talk about someone who has died, with tea, cake and trained volunteers. Come as often or as rarely as you like.",
            "A small peer support group for people who have been bereaved, however long ago. You are welcome to listen without speaking.",
        ],
        ["peer-support", "mental-wellbeing"],
        [["all-adults"]],
        [["love-friendship-support", "future-without-concern"]],
        ["voluntary-organisation"],
        ["church_hall", "cafe", "methodist"],
        G([M2, A2, E1], WEEKDAYS, (1,)),
        ("free", FREE_DESCS),
        ["city:bereavement", "church"],
        w=2,
        extra=["quiet-space"],
    ),
    # --- learning, digital, employment -------------------------------------
    T(
        "digital_buddies",
        [
            "Digital Buddies at {venue}",
            "{loc} Tablet and Smartphone Help",
            "Get Online Drop-in, {loc}",
            "Tech Tea Party, {loc}",
        ],
        [
            "Bring your phone, tablet or laptop and get one-to-one help from patient volunteers: video calls, online shopping, the NHS App and spotting scams. Loan tablets available.",
            "Friendly, jargon-free help to get online, with free data SIM cards for people on low incomes. No question is too basic.",
        ],
        ["digital-inclusion", "learning"],
        [["older-people"], ["all-adults"]],
        [["independence", "future-without-concern"], ["independence"]],
        ["voluntary-organisation"],
        ["centre", "cafe", "church_hall", "office"],
        G([M2, A1, A2], WEEKDAYS, (1, 1, 2)),
        ("mix", 0.65, [1, 2], ["£{p} per session; tablet loans free", "£{p} including tea"]),
        ["city:digital", "trust"],
        w=4,
        mins=2,
    ),
    T(
        "online_digital",
        ["Online Digital Skills Club", "Scam Aware Online Workshops"],
        [
            "Short live online sessions on using email, video calls and online banking safely. Recordings are shared afterwards for people who can't make the time.",
            "Learn how to spot scam texts, emails and calls in a friendly online workshop with time for questions.",
        ],
        ["digital-inclusion", "learning"],
        [["older-people"], ["all-adults"]],
        [["independence", "future-without-concern"]],
        ["voluntary-organisation"],
        REMOTE,
        G([A2, M2], WEEKDAYS, (1,)),
        ("free", ["Free"]),
        ["city:digital"],
        w=1,
        modes=(("online",),),
    ),
    T(
        "job_club",
        ["{loc} Job Club", "Work Ready {loc}", "{loc} CV and Careers Drop-in"],
        [
            "Help with CVs, job searching, application forms and interview practice, with computers and free printing. Friendly coaches can meet you one to one.",
            "A weekly job club with advice on training, volunteering and returning to work after illness or caring. Bring a CV if you have one.",
        ],
        ["employment-support", "learning"],
        [["all-adults"], ["young-adults"]],
        [["future-without-concern", "feeling-valued"]],
        ["voluntary-organisation"],
        ["centre", "office", "cafe"],
        G([M2, A2, ("13:00", "15:00")], OFFICE, (1, 2)),
        ("free", ["Free"]),
        ["city:employment", "trust"],
        w=3,
        mins=2,
    ),
    T(
        "young_jobs",
        ["Next Steps for 18–25s, {loc}", "{loc} Youth Volunteering and Work Hub"],
        [
            "Young adults get help to find training, apprenticeships and volunteering, with a mentor who sticks with them. Drop in or bring a friend.",
            "A relaxed hub for 18 to 25 year olds wanting work experience, with short courses, volunteering placements and help with bus passes.",
        ],
        ["employment-support", "volunteering"],
        [["young-adults"]],
        [["future-without-concern", "feeling-valued"]],
        ["voluntary-organisation"],
        ["centre", "office"],
        G([A2, E1], OFFICE, (1, 2)),
        ("free", ["Free"]),
        ["city:employment"],
        w=1.5,
    ),
    T(
        "young_cook",
        ["{loc} Young Adults' Cook and Eat", "Cook, Eat, Chat for 18–25s, {loc}"],
        [
            "Learn to cook cheap, healthy meals and then eat together. For young adults living independently for the first time; all ingredients provided.",
            "A friendly cooking club where young adults try new recipes, share a meal and take leftovers home.",
        ],
        ["community-meals-and-food", "learning"],
        [["young-adults"], ["young-adults", "learning-disabilities"]],
        [["independence", "enjoyment"]],
        ["voluntary-organisation"],
        ["centre", "church_hall"],
        G([E1, ("17:30", "19:30")], WEEKDAYS, (1,)),
        ("free", ["Free"]),
        ["trust", "city:ld"],
        w=1.5,
    ),
    T(
        "esol",
        ["{loc} English Conversation Club", "Conversation Café for New Arrivals, {loc}"],
        [
            "Practise speaking English in a relaxed group with volunteer tutors, and find out about local services. All levels welcome; children's corner available.",
            "A friendly conversation club for people learning English, with games, topics from everyday life and free tea.",
        ],
        ["learning", "social-groups"],
        [["all-adults"], ["all-adults", "young-adults"]],
        [["independence", "love-friendship-support"]],
        ["voluntary-organisation", "association"],
        ["centre", "church_hall", "cafe"],
        G([M2, E1, A2], dict(WEEKDAYS, sat=1), (1, 2)),
        ("free", ["Free"]),
        ["church", "trust", "city:volunteer"],
        w=2,
    ),
    T(
        "reading",
        ["{loc} Reading Group", "Shared Reading at {venue}"],
        [
            "A short story or poem is read aloud and then talked about together. No preparation needed, and you don't have to read aloud if you'd rather not.",
            "A friendly book group choosing a new novel each month, with large-print and audio copies available.",
        ],
        ["learning", "mental-wellbeing"],
        [["all-adults"], ["older-people"]],
        [["enjoyment", "love-friendship-support"]],
        ["association"],
        ["cafe", "church_hall", "centre"],
        G([A1, E2, M2], WEEKDAYS, (1,)),
        ("mix", 0.5, [1, 2], ["£{p} including tea", "£{p} a session"]),
        ["church", "trust", "city:arts"],
        w=2,
        extra=["large-print"],
    ),
    T(
        "learning_circle",
        ["{loc} Over-50s Learning Circle", "{loc} Local History Society"],
        [
            "Members share skills and interests through talks, outings and small study groups, from local history to languages. Run by and for older learners.",
            "Illustrated talks on the history of the area, with old photographs and maps. Visitors are welcome to come to a couple of meetings before joining.",
        ],
        ["learning", "social-groups"],
        [["older-people"]],
        [["enjoyment", "feeling-valued"]],
        ["association"],
        ["church_hall", "methodist", "hall", "centre"],
        G([A1, A2, E2], WEEKDAYS, (1,)),
        ("paid", [2, 3], ["£{p} for visitors; members £15 a year", "£{p} per meeting"]),
        ["self"],
        w=2,
    ),
    T(
        "volunteer_dropin",
        ["Volunteer Centre Drop-in, {loc}", "Find Your Volunteering Role, {loc}"],
        [
            "Chat to an adviser about volunteering roles that suit your interests, skills and time. Good for people new to the area, retired or looking to build confidence.",
            "Browse local volunteering opportunities and get help with applications and DBS checks.",
        ],
        ["volunteering", "information-and-advice"],
        [["all-adults"], ["young-adults"]],
        [["feeling-valued"]],
        ["voluntary-organisation"],
        ["centre", "office", "cafe"],
        G([M2, A2], OFFICE, (1,)),
        ("free", ["Free"]),
        ["city:volunteer"],
        w=1.5,
    ),
    T(
        "repair_cafe",
        ["{loc} Repair Café"],
        [
            "Bring broken lamps, clothes, bikes and small appliances and fix them with the help of volunteer repairers. Have a cup of tea while you wait.",
            "Volunteer fixers help you repair household items instead of throwing them away, and show you how to do it yourself.",
        ],
        ["volunteering", "housing-and-home"],
        [["all-adults"]],
        [["feeling-valued", "enjoyment"]],
        ["association"],
        ["church_hall", "centre", "hall"],
        G([("10:00", "13:00"), ("10:00", "12:30")], dict(WEEKDAYS, sat=3), (1,)),
        ("free", ["Free – donations welcome"]),
        ["trust", "self"],
        w=1.5,
    ),
    # --- transport ---------------------------------------------------------
    T(
        "community_transport",
        [
            "{city} Community Wheels Dial-a-Ride",
            "Door-to-Door Minibus Booking Line",
            "Accessible Community Transport, {loc}",
        ],
        [
            "Door-to-door minibus journeys for people who can't easily use buses, to the shops, clubs, appointments and day centres. Book by phone at least two days ahead.",
            "Wheelchair-accessible minibuses with trained drivers who help you from your front door. Membership is free; journeys are charged per trip.",
        ],
        ["transport"],
        [["older-people", "physical-disabilities"], ["physical-disabilities"]],
        [["independence"], ["independence", "future-without-concern"]],
        ["voluntary-organisation"],
        REMOTE,
        H((("09:00", "16:00"), ("09:00", "17:00")), OFFICE_PATTERNS),
        ("paid", [2, 3, 4], ["£{p} per single journey", "£{p} each way; book 48 hours ahead"]),
        ["city:transport"],
        w=1.5,
        mins=1,
        modes=(("phone",),),
    ),
    T(
        "volunteer_car",
        ["{loc} Volunteer Car Scheme", "Good Neighbours Car Scheme, {loc}"],
        [
            "Volunteer drivers take people to GP and hospital appointments, the shops and visiting friends, in their own cars. Ring the coordinator to book.",
            "A lift with a friendly local driver when you can't manage the bus. You pay a mileage charge to cover the driver's fuel.",
        ],
        ["transport", "volunteering"],
        [["older-people"]],
        [["independence", "future-without-concern"]],
        ["voluntary-organisation"],
        REMOTE,
        H((("09:00", "13:00"), ("09:30", "15:30")), OFFICE_PATTERNS),
        ("paid", [0.45, 0.5], ["£{p} per mile", "£{p} a mile, minimum £3"]),
        ["city:transport", "trust"],
        w=1.5,
        mins=1,
        modes=(("phone",),),
    ),
    T(
        "shopping_bus",
        ["{loc} Shopping Bus Trip", "{Day} Supermarket Minibus, {loc}"],
        [
            "A minibus collects you from home, takes you to the supermarket and helps carry your bags back. A sociable trip with a cuppa at the café.",
            "A weekly accessible minibus from the community centre to the local market and supermarket, with a driver and a volunteer helper.",
        ],
        ["transport", "social-groups"],
        [["older-people"], ["older-people", "physical-disabilities"]],
        [["independence", "enjoyment"]],
        ["voluntary-organisation"],
        ["centre", "church_hall"],
        G([M2, ("09:30", "13:00")], WEEKDAYS, (1,)),
        ("paid", [2, 3], ["£{p} return", "£{p} per trip"]),
        ["city:transport", "trust"],
        w=1.5,
        mins=1,
    ),
    # --- health, sensory, disability ---------------------------------------
    T(
        "bp_check",
        ["Blood Pressure Check Drop-in, {loc}", "{loc} Health MOT Drop-in"],
        [
            "Free blood pressure, pulse and weight checks from a health and wellbeing coach, with advice on next steps. No appointment needed.",
            "Quick health checks and friendly advice on stopping smoking, eating well and getting active, with referrals to local groups.",
        ],
        ["health-support", "information-and-advice"],
        [["all-adults"]],
        [["future-without-concern", "independence"]],
        ["public-institution"],
        ["health", "cafe", "centre"],
        G([M2, A2], dict(WEEKDAYS, sat=0.6), (1,)),
        ("free", ["Free"]),
        ["city:health"],
        w=2,
    ),
    T(
        "sight_loss",
        ["{loc} Sight Loss Support Group", "Low Vision Social, {loc}"],
        [
            "A friendly group for people living with sight loss, with speakers, equipment demonstrations and a chance to share tips. Guides can meet you at the bus stop.",
            "Meet others with sight loss for a chat and information about talking books, magnifiers and benefits.",
        ],
        ["peer-support", "health-support"],
        [["sensory-impairments"], ["sensory-impairments", "older-people"]],
        [["love-friendship-support", "independence"]],
        ["voluntary-organisation"],
        ["centre", "church_hall", "methodist"],
        G([M2, A1], WEEKDAYS, (1,)),
        ("mix", 0.6, [1, 1.5], ["£{p} for tea and biscuits"]),
        ["city:sensory"],
        w=1.5,
        extra=["large-print"],
    ),
    T(
        "deaf_club",
        ["Deaf Social Club (BSL), {loc}", "{loc} BSL Coffee and Chat"],
        [
            "A social club for Deaf BSL users and anyone learning to sign, with games nights, trips and guest speakers. All events are signed.",
            "Relaxed coffee and conversation in British Sign Language. Beginner signers are welcome to come and practise.",
        ],
        ["social-groups", "peer-support"],
        [["sensory-impairments"]],
        [["love-friendship-support", "enjoyment"]],
        ["association"],
        ["centre", "cafe"],
        G([E2, A2, ("19:00", "22:00")], dict(WEEKDAYS, fri=2, sat=1.5), (1,)),
        ("mix", 0.5, [2, 3], ["£{p} for members' nights"]),
        ["city:sensory"],
        w=1.5,
        extra=["bsl", "hearing-loop"],
    ),
    T(
        "hearing_aid",
        ["Hearing Aid Maintenance Drop-in, {loc}", "{loc} Hearing Help Clinic"],
        [
            "Trained volunteers retube and clean NHS hearing aids, replace batteries and give advice on equipment. Bring your brown book if you have one.",
            "Free help to keep your hearing aids working well, with information about equipment and hearing loss support.",
        ],
        ["health-support"],
        [["sensory-impairments", "older-people"], ["sensory-impairments"]],
        [["independence"]],
        ["voluntary-organisation"],
        ["health", "centre", "church_hall"],
        G([M2, A2], OFFICE, (1,)),
        ("free", ["Free"]),
        ["city:sensory"],
        w=1.5,
        extra=["hearing-loop"],
    ),
    T(
        "ld_disco",
        ["{Day} Night Disco for Adults with Learning Disabilities, {loc}", "{loc} Inclusive Club Night"],
        [
            "A lively disco night with a DJ, karaoke and a quiet room for a break, for adults with learning disabilities and their friends. Support workers come free.",
            "Dance, sing and catch up with friends at a fully inclusive club night. Soft drinks and snacks available.",
        ],
        ["social-groups", "arts-and-music"],
        [["learning-disabilities"], ["learning-disabilities", "autistic-people"]],
        [["enjoyment", "love-friendship-support"]],
        ["voluntary-organisation"],
        ["centre", "hall"],
        G([("18:30", "21:00"), ("19:00", "21:30")], {"fri": 3, "sat": 2, "thu": 1}, (1,)),
        ("paid", [3, 4], ["£{p}; carers and support workers free"]),
        ["city:ld"],
        w=1.5,
        extra=["quiet-space"],
    ),
    T(
        "self_advocacy",
        ["{loc} Self-Advocacy Group", "Speaking Up Group, {loc}"],
        [
            "Adults with learning disabilities meet to talk about what matters to them and speak up to local services. Easy-read information and support are provided.",
            "A self-advocacy group where members learn about their rights, plan campaigns and build confidence speaking in meetings.",
        ],
        ["peer-support", "information-and-advice"],
        [["learning-disabilities"], ["learning-disabilities", "autistic-people"]],
        [["feeling-valued", "independence"]],
        ["voluntary-organisation"],
        ["centre", "office"],
        G([A2, M2], OFFICE, (1,)),
        ("free", ["Free"]),
        ["city:ld"],
        w=1.5,
    ),
    T(
        "autistic_social",
        ["Autistic Adults' Social Evening, {loc}", "{loc} Quiet Board Games Night"],
        [
            "A low-pressure social for autistic adults with board games, crafts and a quiet room. There's no expectation to chat; you can just come and play.",
            "A calm, structured evening run by autistic volunteers. The lights are kept low and the room stays quiet.",
        ],
        ["social-groups", "peer-support"],
        [["autistic-people"], ["autistic-people", "young-adults"]],
        [["love-friendship-support", "enjoyment"]],
        ["voluntary-organisation"],
        ["centre", "cafe", "church_hall"],
        G([E2, ("18:00", "20:00")], WEEKDAYS, (1,)),
        ("mix", 0.5, [2], ["£{p} towards snacks"]),
        ["city:autism"],
        w=2,
        extra=["quiet-space"],
    ),
    T(
        "autism_online",
        ["Online Autistic Adults' Peer Group", "Autistic Adults Online Chat"],
        [
            "A text and video peer group run by autistic adults, with a clear structure and the option to type instead of speak.",
            "Autistic adults meet online to share experiences and tips on work, benefits and everyday life.",
        ],
        ["peer-support", "mental-wellbeing"],
        [["autistic-people"]],
        [["love-friendship-support", "feeling-valued"]],
        ["voluntary-organisation"],
        REMOTE,
        G([E2, ("19:30", "21:00")], ANYDAY, (1,)),
        ("free", ["Free"]),
        ["city:autism"],
        w=1,
        modes=(("online",),),
    ),
    T(
        "stroke",
        ["{loc} Stroke Survivors' Group", "Life After Stroke Café, {loc}"],
        [
            "Stroke survivors and their families meet for support, gentle exercise and speech practice. Volunteers who have had a stroke themselves run the group.",
            "A sociable café for people rebuilding their lives after a stroke, with visiting speakers and communication support.",
        ],
        ["peer-support", "health-support"],
        [["physical-disabilities"], ["physical-disabilities", "unpaid-carers"]],
        [["love-friendship-support", "independence"]],
        ["voluntary-organisation"],
        ["centre", "church_hall", "health"],
        G([M2, A2], WEEKDAYS, (1,)),
        ("mix", 0.6, [1, 2], ["£{p} including refreshments"]),
        ["city:stroke"],
        w=1.5,
    ),
    # --- faith and cultural ------------------------------------------------
    T(
        "gurdwara_langar",
        ["{venue} Elders' Langar", "{loc} Sikh Elders' Sangat"],
        [
            "Free vegetarian langar served by volunteers, followed by time for elders to talk, read the paper and join a gentle exercise session. Everyone is welcome, whatever their faith.",
            "A weekly gathering for Sikh elders with kirtan, a shared meal and health talks in Punjabi and English.",
        ],
        ["faith-and-cultural", "community-meals-and-food"],
        [["older-people"], ["all-adults"]],
        [["love-friendship-support", "feeling-valued"]],
        ["association"],
        ["gurdwara"],
        G([LUNCH, ("11:00", "14:00")], dict(WEEKDAYS, sun=2), (1,)),
        ("free", ["Free"]),
        ["pat:{loc} Gurdwara Sewa Committee"],
        w={"birmingham": 2},
        cities=BHAM,
    ),
    T(
        "caribbean",
        ["{loc} Caribbean Elders' Dominoes Club", "Windrush Elders' Social, {loc}"],
        [
            "Dominoes, cards and conversation over Caribbean food and tea. A warm welcome for older people from the Windrush generation and their friends.",
            "A lively social club with music, reminiscence, trips out and a hot meal, run by and for Caribbean elders.",
        ],
        ["faith-and-cultural", "social-groups"],
        [["older-people"]],
        [["enjoyment", "love-friendship-support"]],
        ["association"],
        ["centre", "church_hall"],
        G([A1, A2], WEEKDAYS, (1, 2)),
        ("paid", [2, 3], ["£{p} including tea", "£{p} with a hot meal"]),
        ["pat:{loc} Caribbean Elders Association"],
        w={"birmingham": 2},
        cities=BHAM,
    ),
    T(
        "sisters",
        ["Muslim Sisters' Wellbeing Circle, {loc}", "{loc} Women's Tea and Talk"],
        [
            "A women-only circle for tea, talks and gentle exercise, with sessions on health, money and family life. Talks are in English, Urdu and Bengali.",
            "A welcoming space for women to meet, learn and support each other, with a crèche on site.",
        ],
        ["faith-and-cultural", "mental-wellbeing"],
        [["all-adults"]],
        [["love-friendship-support", "feeling-valued"]],
        ["association"],
        ["mosque", "centre"],
        G([M2, A1], WEEKDAYS, (1,)),
        ("free", ["Free"]),
        ["pat:{loc} Islamic Centre Women's Committee"],
        w={"birmingham": 2, "york": 0.5},
    ),
    T(
        "satsang",
        ["Hindu Elders' Satsang, {loc}", "{venue} Elders' Bhajan Group"],
        [
            "Devotional songs, prayers and a shared vegetarian meal for older members of the Hindu community and their friends.",
            "Elders meet for bhajans, yoga and conversation in Gujarati, Hindi and English, followed by prasad.",
        ],
        ["faith-and-cultural", "arts-and-music"],
        [["older-people"]],
        [["enjoyment", "love-friendship-support"]],
        ["association"],
        ["mandir"],
        G([M2, A1], dict(WEEKDAYS, sun=2), (1,)),
        ("free", ["Free"]),
        ["pat:{loc} Mandir Trust"],
        w={"birmingham": 1},
        cities=BHAM,
    ),
    T(
        "irish",
        ["Irish Pensioners' Tea Dance, {loc}", "{loc} Irish Elders' Club"],
        [
            "Old-time dancing, music and tea for older members of the Irish community and friends. Come to dance or just to listen and chat.",
            "A social club with live céilí music, a raffle and a hot lunch, run by volunteers from the Irish community.",
        ],
        ["faith-and-cultural", "arts-and-music", "physical-activity"],
        [["older-people"]],
        [["enjoyment", "love-friendship-support"]],
        ["association"],
        ["centre", "hall", "church_hall"],
        G([A1, A2], WEEKDAYS, (1,)),
        ("paid", [3, 4], ["£{p} including tea"]),
        ["pat:{loc} Irish Community Club"],
        w={"birmingham": 1.2, "york": 0.5},
    ),
    T(
        "church_coffee",
        ["Coffee Morning at {venue}", "{venue} Warm Welcome Café"],
        [
            "A relaxed coffee morning open to everyone in the neighbourhood, with home-made cakes and a book swap. You don't have to be a churchgoer.",
            "Hot drinks, toast and friendly faces in a warm space. People of all faiths and none come along.",
        ],
        ["faith-and-cultural", "social-groups"],
        [["all-adults"], ["older-people"]],
        [["love-friendship-support", "enjoyment"]],
        ["association"],
        ["church_hall", "methodist"],
        G([M2, M1, ("10:00", "12:30")], dict(WEEKDAYS, sat=1.5), (1,)),
        ("mix", 0.5, [1, 1.5], ["£{p} for tea and cake", "£{p} for a hot drink and toast"]),
        ["church"],
        w=3,
    ),
    T(
        "polish",
        ["Polish {Day} Club, {loc}", "{loc} Polish Community Social"],
        [
            "A Saturday club for the Polish community with coffee, cake, newspapers and help with English letters. Friends from other backgrounds are welcome.",
            "Polish-speaking residents meet to socialise, celebrate festivals and share information about local services.",
        ],
        ["faith-and-cultural", "learning"],
        [["all-adults"]],
        [["love-friendship-support", "feeling-valued"]],
        ["association"],
        ["church_hall", "centre"],
        G([M2, ("10:00", "13:00")], {"sat": 4, "sun": 1}, (1,)),
        ("mix", 0.5, [2], ["£{p} including coffee and cake"]),
        ["pat:{city} Polish Community Association"],
        w=1,
    ),
    T(
        "chinese",
        ["Chinese Elders' Mahjong Afternoon, {loc}", "{loc} Chinese Community Lunch Club"],
        [
            "Mahjong, tai chi and Cantonese conversation for older Chinese residents, with tea and snacks. New members are very welcome.",
            "A sociable afternoon with traditional games and a shared meal, plus help reading letters and forms.",
        ],
        ["faith-and-cultural", "social-groups"],
        [["older-people"]],
        [["enjoyment", "love-friendship-support"]],
        ["association"],
        ["centre", "church_hall"],
        G([LUNCH, ("12:30", "15:00")], dict(WEEKDAYS, sun=1), (1,)),
        ("paid", [2, 3], ["£{p} including tea"]),
        ["pat:{city} Chinese Community Association"],
        w=1,
    ),
    T(
        "quaker",
        ["Open Afternoon at {venue}", "{venue} Quiet Garden Afternoon"],
        [
            "A quiet, reflective space with tea, a small library and a peaceful garden. Visitors of any faith or none are welcome to drop in.",
            "Silence, conversation and tea in the meeting house garden; a calm place to take a break.",
        ],
        ["faith-and-cultural", "mental-wellbeing"],
        [["all-adults"]],
        [["enjoyment", "feeling-valued"]],
        ["association"],
        ["quaker"],
        G([A1, A2], dict(WEEKDAYS, sun=2), (1,)),
        ("free", ["Free"]),
        ["pat:{loc} Quaker Meeting"],
        w={"york": 1.5},
        cities=YORK,
    ),
    T(
        "asian_elders",
        ["Asian Elders' Day Centre, {loc}"],
        [
            "A day centre for older South Asian people with hot halal and vegetarian meals, exercise, games and health talks in Punjabi, Urdu and Bengali.",
            "Elders come for company, a cooked lunch and activities, with staff who speak community languages. Transport can be arranged.",
        ],
        ["faith-and-cultural", "social-groups", "health-support"],
        [["older-people"], ["older-people", "dementia"]],
        [["love-friendship-support", "independence"]],
        ["voluntary-organisation"],
        ["centre"],
        H((("10:00", "15:00"), ("09:30", "15:30"))),
        ("paid", [5, 6], ["£{p} a day including lunch"]),
        ["pat:{loc} Asian Elders Association"],
        w={"birmingham": 1.2},
        cities=BHAM,
    ),
    # --- practitioners-only (referral) -------------------------------------
    T(
        "falls_prac",
        ["Strength and Balance Programme (referral only), {loc}", "{loc} Falls Prevention Group"],
        [
            "A 12-week strength and balance course for people who have had a fall or are worried about falling. Places are by referral from a GP, physiotherapist or social prescriber.",
            "Small-group exercise led by a physiotherapy assistant to build leg strength and confidence. Referral needed; practitioners should use the referral form.",
        ],
        ["health-support", "physical-activity"],
        [["older-people"]],
        [["independence", "future-without-concern"]],
        ["public-institution"],
        ["health", "centre", "sports"],
        G([M2, A1], OFFICE, (1, 2)),
        ("free", ["Free on referral"]),
        ["city:health"],
        vis="practitioners",
        frac=0.01,
    ),
    T(
        "social_prescribing",
        ["Social Prescribing Link Worker Clinic, {loc}", "{loc} Community Connector Clinic"],
        [
            "Link workers see patients referred by the GP practice to talk about what matters to them and connect them with local groups and services.",
            "Appointments with a community connector for people who are lonely, stressed or struggling with money or housing. Referral from a GP or practitioner.",
        ],
        ["health-support", "information-and-advice", "mental-wellbeing"],
        [["all-adults"]],
        [["future-without-concern", "feeling-valued"]],
        ["public-institution"],
        ["health"],
        G([M2, A2], OFFICE, (2, 3)),
        ("free", ["Free on referral"]),
        ["city:health"],
        vis="practitioners",
        frac=0.01,
    ),
    T(
        "supported_emp",
        ["Supported Employment Programme (referral only), {loc}"],
        [
            "Job coaches support people with learning disabilities and autistic people to find and keep paid work. Referrals from social workers and support providers.",
            "One-to-one job coaching, work tasters and in-work support. Referral via a care coordinator or practitioner.",
        ],
        ["employment-support"],
        [["learning-disabilities", "autistic-people"], ["learning-disabilities"]],
        [["independence", "feeling-valued"]],
        ["voluntary-organisation"],
        ["office", "centre"],
        G([M2, A2], OFFICE, (2, 3)),
        ("free", ["Free on referral"]),
        ["city:ld"],
        vis="practitioners",
        frac=0.008,
    ),
    T(
        "travel_training",
        ["Travel Training for Independent Journeys, {loc}"],
        [
            "A travel trainer works one to one with people to learn a regular bus or train journey until they can do it alone. Referral from a practitioner.",
            "Step-by-step travel training for adults with learning disabilities or autism, starting from the person's own front door.",
        ],
        ["transport", "learning"],
        [["learning-disabilities"], ["learning-disabilities", "autistic-people"]],
        [["independence"]],
        ["voluntary-organisation"],
        ["office", "centre"],
        G([M2, A2], OFFICE, (2, 3)),
        ("free", ["Free on referral"]),
        ["city:ld"],
        vis="practitioners",
        frac=0.008,
    ),
    T(
        "hoarding",
        ["Hoarding Support Group (referral only), {loc}"],
        [
            "A small, confidential peer group for people who find it hard to let go of possessions, run with a housing support worker. Referral via a practitioner.",
            "Practical and emotional support to make homes safer, at a pace set by each member. Referral needed.",
        ],
        ["peer-support", "housing-and-home", "mental-wellbeing"],
        [["mental-health"]],
        [["future-without-concern", "feeling-valued"]],
        ["voluntary-organisation"],
        ["centre", "office"],
        G([A2, E1], OFFICE, (1,)),
        ("free", ["Free on referral"]),
        ["city:mh"],
        vis="practitioners",
        frac=0.007,
    ),
    T(
        "home_from_hospital",
        ["Home from Hospital Support, {loc}"],
        [
            "Short-term practical support for older people after a hospital stay: shopping, prescriptions, a check-in call and help to reconnect with local groups. Professional referral only.",
            "Six weeks of help at home after discharge, arranged by hospital or community staff.",
        ],
        ["health-support", "befriending", "housing-and-home"],
        [["older-people"]],
        [["independence", "future-without-concern"]],
        ["voluntary-organisation"],
        ["office"],
        H((("09:00", "17:00"),), OFFICE_PATTERNS),
        ("free", ["Free on referral"]),
        ["city:age"],
        vis="practitioners",
        frac=0.008,
        modes=(("in_person", "phone"),),
    ),
    # --- confidential ------------------------------------------------------
    T(
        "refuge_dropin",
        ["Women's Refuge Drop-in", "{Day} Women's Safety Drop-in", "Women's Refuge Outreach Drop-in"],
        [
            "A women-only drop-in for anyone affected by domestic abuse, offering safety planning, housing advice and someone to listen. The address is shared only after first contact.",
            "Confidential practical and emotional support from refuge outreach workers. Children's space available; ring first so we can meet you safely.",
        ],
        ["housing-and-home", "information-and-advice", "peer-support"],
        [["all-adults"], ["all-adults", "mental-health"]],
        [["future-without-concern", "love-friendship-support"]],
        ["voluntary-organisation"],
        ["confidential"],
        G([M2, A2], WEEKDAYS, (1,)),
        ("free", ["Free and confidential"]),
        ["city:safety"],
        vis="confidential",
        frac=0.015,
        extra=["quiet-space"],
    ),
    T(
        "da_group",
        ["Domestic Abuse Support Group", "{Day} Domestic Abuse Recovery Group", "Survivors' Peer Support Circle"],
        [
            "A closed, confidential support group for survivors of domestic abuse, helping people understand what happened and rebuild confidence.",
            "A safe, facilitated group where survivors support each other. Places after an initial phone conversation; venue details shared then.",
        ],
        ["peer-support", "mental-wellbeing"],
        [["all-adults"], ["all-adults", "mental-health"]],
        [["future-without-concern", "feeling-valued"]],
        ["voluntary-organisation"],
        ["confidential"],
        G([M2, E1, A2], WEEKDAYS, (1,)),
        ("free", ["Free and confidential"]),
        ["city:safety"],
        vis="confidential",
        frac=0.015,
        extra=["quiet-space"],
    ),
]
TEMPLATE_BY_KEY = {t["key"]: t for t in TEMPLATES}

# Venue naming by kind. Placeholders: {loc} {saint} {stem} {adj}.
VENUE_NAMES = {
    "centre": ["{loc} Community Centre", "{loc} Neighbourhood Centre", "{stem} Community Centre", "The {loc} Hub"],
    "church_hall": ["St {saint}'s Church Hall", "St {saint}'s Parish Centre"],
    "methodist": [
        "{loc} Methodist Church",
        "{stem} Baptist Church Hall",
        "{loc} United Reformed Church Hall",
        "{stem} Methodist Church Hall",
    ],
    "hall_rural": ["{loc} Village Hall", "{loc} Memorial Hall"],
    "hall": ["{loc} Community Hall", "{stem} Scout and Guide Hut", "{stem} Hall"],
    "sports": ["{loc} Sports Pavilion", "{loc} Leisure Centre", "{stem} Sports Hall"],
    "park": ["{loc} Park", "{loc} Recreation Ground", "{stem} Playing Fields", "{loc} Nature Reserve", "{stem} Park"],
    "park_rural": ["{loc} Village Green", "{loc} Playing Fields", "{loc} Millennium Green"],
    "garden": [
        "{loc} Community Garden",
        "{loc} Growing Space",
        "{loc} Community Allotment",
        "{stem} Community Orchard",
    ],
    "unit": ["{stem} Workshops", "The Old Stables"],
    "cafe": ["The {adj} Cup Café", "{loc} Community Café", "The {adj} Teapot", "{stem} Café"],
    "health": ["{loc} Health Centre", "{loc} Medical Centre", "{stem} Surgery", "{loc} Primary Care Centre"],
    "gurdwara": ["{loc} Gurdwara"],
    "mosque": ["{loc} Islamic Centre", "{stem} Mosque and Community Centre"],
    "mandir": ["{loc} Hindu Community Centre", "{loc} Mandir"],
    "quaker": ["{loc} Friends Meeting House"],
}
# Nicer stems for venue names ("Willow Community Centre", "Priory Hall").
STEMS = [
    "Victoria",
    "Albert",
    "Manor",
    "Grove",
    "Priory",
    "Springfield",
    "Westfield",
    "Highfield",
    "Alexandra",
    "Stanley",
    "Coronation",
    "Hawthorn",
    "Willow",
    "Chestnut",
    "Cedar",
    "Beech",
    "Elm",
    "Holly",
    "Oak Tree",
    "Orchard",
    "Meadow",
    "Brookside",
    "Windmill",
    "Woodland",
    "Heath",
    "Poplar",
    "Lime Tree",
    "Cherry Tree",
    "Foxglove",
    "Rectory",
    "Vicarage",
    "Ashgrove",
    "Moorside",
    "Chapel Fields",
    "Millbrook",
]

PARKING = [
    "free parking behind the hall",
    "limited on-street parking",
    "small car park with two blue badge bays",
    "no parking on site; pay-and-display car park nearby",
    "cycle racks by the entrance",
    "blue badge parking by the door",
    "free car park next door",
]


def slugify(text):
    text = text.lower().replace("'", "").replace("’", "").replace("&", "and")
    text = re.sub(r"[^a-z0-9]+", "-", text)
    return text.strip("-")


def short_slug(text, maxlen=32):
    """Slug cut at a word boundary, for fictional domain names."""
    out = ""
    for part in slugify(text).split("-"):
        cand = part if not out else out + "-" + part
        if len(cand) > maxlen and out:
            break
        out = cand
    return out


def fmt_price(p):
    return str(int(p)) if float(p) == int(p) else "%.2f" % p


def weighted_choice(rng, weights):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def rand_date(rng, start, end):
    a, b = start.toordinal(), end.toordinal()
    return datetime.date.fromordinal(rng.randint(a, b)).isoformat()


# ---------------------------------------------------------------------------
def load_inputs(shared):
    pc_path = os.path.join(shared, "postcodes", "codepoint_open_postcodes_birmingham_york.csv")
    postcodes = {}
    with open(pc_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            postcodes.setdefault(row["ward_code"], []).append(row)
    wards = {}
    for city in CITIES:
        path = os.path.join(shared, "boundaries", "wards_2024_%s.geojson" % city)
        with open(path, encoding="utf-8") as f:
            gj = json.load(f)
        lst = []
        for feat in gj["features"]:
            p = feat["properties"]
            assert p["LAD24CD"] == CITIES[city]["lad"], p
            lst.append({"code": p["WD24CD"], "name": p["WD24NM"]})
        lst.sort(key=lambda w: w["code"])
        wards[city] = lst
    return postcodes, wards


class CityBuilder:
    def __init__(self, city, wards, postcodes, plan, seed):
        self.city = city
        self.cfg = CITIES[city]
        self.label = self.cfg["label"]
        self.rng = random.Random("%s-%s" % (seed, city))
        self.wards = wards
        self.ward_by_code = {w["code"]: w for w in wards}
        self.plan = plan
        # Candidate postcodes per ward: prefer positional quality 10.
        self.pcs = {}
        for w in wards:
            rows = postcodes.get(w["code"], [])
            rows = [r for r in rows if r["lad_code"] == self.cfg["lad"]]
            best = sorted([r for r in rows if r["positional_quality"] == "10"], key=lambda r: r["postcode"])
            self.pcs[w["code"]] = best or sorted(rows, key=lambda r: r["postcode"])
        self.used_pcs = set()
        # Ward centroids (mean of postcode centroids) for remote service areas.
        self.centroid = {}
        for w in wards:
            rows = self.pcs[w["code"]]
            self.centroid[w["code"]] = (
                sum(float(r["latitude"]) for r in rows) / len(rows),
                sum(float(r["longitude"]) for r in rows) / len(rows),
            )
        self.ward_info = {}
        for w in wards:
            self.ward_info[w["code"]] = {
                "locs": LOCALITIES.get(w["name"], [w["name"]]),
                "saint": None,
                "trust": None,
                "venues": {},
                "rural": w["name"] in RURAL_WARDS,
            }
        self.orgs = {}
        phones = list(range(1000))
        self.rng.shuffle(phones)
        self.phone_pool = phones
        self.names_used = set()

    # -- contacts --------------------------------------------------------
    def new_phone(self):
        n = self.phone_pool.pop()
        if self.city == "birmingham":
            return "0121 496 %04d" % n
        if n % 2 == 0:
            return "0113 496 %04d" % n
        return "020 7946 %04d" % n

    def person(self):
        return "%s %s" % (self.rng.choice(FIRST_NAMES), self.rng.choice(SURNAMES))

    def org(self, name, domain, ncontacts=1):
        if name not in self.orgs:
            rng = self.rng
            self.orgs[name] = {
                "name": name,
                "domain": domain + ".example.org",
                "email": "%s@%s.example.org" % (rng.choice(["hello", "info", "contact", "enquiries"]), domain),
                "phone": self.new_phone(),
                "url": ("https://%s.example.org/" % domain) if rng.random() < 0.75 else "",
                "contacts": [self.person() for _ in range(ncontacts)],
            }
        return self.orgs[name]

    # -- ward helpers ----------------------------------------------------
    def saint(self, ward):
        info = self.ward_info[ward]
        if info["saint"] is None:
            info["saint"] = self.rng.choice(SAINTS)
        return info["saint"]

    def trust(self, ward):
        info = self.ward_info[ward]
        if info["trust"] is None:
            loc = info["locs"][0]
            style, suffix = self.rng.choice(
                [
                    ("{loc} Community Trust", "trust"),
                    ("{loc} Community Association", "association"),
                    ("{loc} Neighbourhood Partnership", "partnership"),
                    ("{loc} Together", "together"),
                ]
            )
            name = style.format(loc=loc)
            info["trust"] = self.org(name, "%s-%s" % (slugify(loc).replace("-", ""), suffix), 2)
        return info["trust"]

    def new_postcode(self, ward):
        cands = [r for r in self.pcs[ward] if r["postcode"] not in self.used_pcs]
        if not cands:
            cands = self.pcs[ward]
        r = self.rng.choice(cands)
        self.used_pcs.add(r["postcode"])
        return r

    def make_access(self, kind):
        rng = self.rng
        acc = []
        p_wheel = {"park": 0.6, "unit": 0.35, "gurdwara": 0.5, "confidential": 0.6}.get(kind, 0.56)
        if rng.random() < p_wheel:
            acc.append("wheelchair")
            if rng.random() < 0.9:
                acc.append("step-free")
            if rng.random() < (0.45 if kind == "park" else 0.8):
                acc.append("accessible-toilet")
        elif rng.random() < 0.25:
            acc.append("step-free")
        if kind not in ("park", "garden") and rng.random() < 0.3:
            acc.append("hearing-loop")
        return acc

    def make_directions(self, ward, street, kind):
        rng = self.rng
        loc = rng.choice(self.ward_info[ward]["locs"])
        bus = rng.choice(self.cfg["buses"])
        stop = rng.choice(
            [
                "%s High Street" % loc,
                "%s shops" % loc,
                street,
                "%s centre" % loc,
                "%s %s" % (loc, rng.choice(["Green", "Library", "Post Office", "Cross"])),
            ]
        )
        mins = rng.choice([1, 2, 3, 4, 5, 6, 8, 10])
        walk = "1 minute's walk" if mins == 1 else "%d minutes' walk" % mins
        if kind == "park":
            return "Main entrance on %s; bus %s stops %s away." % (street, bus, walk)
        if self.city == "york" and rng.random() < 0.15 and not self.ward_info[ward]["rural"]:
            return "%d minutes' walk from %s centre; bus %s stops nearby; %s." % (
                mins + 5,
                loc,
                bus,
                rng.choice(PARKING),
            )
        return "Bus %s to %s, %s; %s." % (bus, stop, walk, rng.choice(PARKING))

    def venue(self, ward, kinds, fresh=False, preferred_loc=None):
        """Pick (or create) a venue of one of `kinds` in `ward`."""
        rng = self.rng
        info = self.ward_info[ward]
        kind = rng.choice(kinds)
        existing = info["venues"].setdefault(kind, [])
        if existing and not fresh and rng.random() < 0.7:
            same = [v for v in existing if v["loc"] == preferred_loc]
            return rng.choice(same or existing)
        used_names = {v["name"] for lst in info["venues"].values() for v in lst}
        for _ in range(20):
            loc = rng.choice(info["locs"])
            if preferred_loc and kind != "confidential" and rng.random() < 0.85:
                loc = preferred_loc
            street = rng.choice(STREETS)
            stem = rng.choice(STEMS)
            vk = kind
            if kind in ("hall", "park") and info["rural"]:
                vk = kind + "_rural" if rng.random() < 0.6 else kind
            if kind == "confidential":
                name = ""
                break
            if kind == "office":
                name = "%d %s" % (rng.randint(2, 240), street)
            else:
                pat = rng.choice(VENUE_NAMES[vk])
                name = pat.format(
                    loc=loc, saint=self.saint(ward) if "{saint}" in pat else "", stem=stem, adj=rng.choice(CAFE_ADJ)
                ).replace("The The ", "The ")
            if name not in used_names and name not in self.names_used:
                break
        else:
            # Ran out of new names: use the existing place of that name.
            for lst in info["venues"].values():
                for v in lst:
                    if v["name"] == name:
                        return v
        pc = self.new_postcode(ward)
        number = "%d " % rng.randint(1, 250) if rng.random() < 0.55 else ""
        if kind == "confidential":
            address = "Confidential venue – details given on referral"
            directions = "Directions are given when you are referred."
        elif kind == "office":
            address = "%s, %s" % (rng.choice(["Ground floor", "First floor", "Suite 2", "Unit 1"]), name)
            directions = self.make_directions(ward, street, kind)
        elif kind == "park":
            address = "%s, %s" % (name, rng.choice(["Main gate, %s" % street, "%s entrance" % street]))
            directions = self.make_directions(ward, street, kind)
        elif kind == "unit":
            address = "Unit %d, %s" % (
                rng.randint(1, 12),
                name if name != "The Old Stables" else "The Old Stables, " + street,
            )
            directions = self.make_directions(ward, street, kind)
        else:
            address = "%s, %s%s" % (name, number, street)
            directions = self.make_directions(ward, street, kind)
        v = {
            "kind": kind,
            "name": name,
            "street": street,
            "loc": loc,
            "address": address,
            "postcode": pc["postcode"],
            "lat": pc["latitude"],
            "lon": pc["longitude"],
            "access": self.make_access(kind),
            "directions": directions,
            "listed": False,
        }
        existing.append(v)
        return v

    # -- per-asset pieces --------------------------------------------------
    def schedule(self, spec, single=False):
        rng = self.rng
        kind = spec[0]
        if kind == "none":
            return ""
        if kind == "group":
            _, times, days, nweights = spec
            n = 1 if single else rng.choice(nweights)
            chosen = []
            pool = dict(days)
            for _ in range(n):
                if not pool:
                    break
                d = weighted_choice(rng, pool)
                chosen.append(d)
                del pool[d]
            chosen.sort(key=DAYS.index)
            t = rng.choice(times)
            items = []
            for d in chosen:
                if rng.random() < 0.25:
                    t = rng.choice(times)
                items.append("%s %s-%s" % (d, t[0], t[1]))
            return ";".join(items)
        if kind == "hours":
            hours = rng.choice(spec[1])
            pattern = rng.choice(spec[2])
            days = {"mon-fri": DAYS[:5], "mon-sat": DAYS[:6], "tue-sun": DAYS[1:]}[pattern]
            items = []
            for d in days:
                if d in ("sat", "sun"):
                    h = rng.choice([("10:00", "14:00"), ("09:00", "13:00"), ("10:00", "16:00")])
                else:
                    h = hours
                items.append("%s %s-%s" % (d, h[0], h[1]))
            return ";".join(items)
        if kind == "maybe_none":
            return "" if rng.random() < spec[1] else self.schedule(spec[2], single)
        if kind == "park":
            if rng.random() < 0.75:
                return ""
            close = rng.choice(["20:00", "19:00", "21:00"])
            return ";".join("%s 07:30-%s" % (d, close) for d in DAYS)
        raise ValueError(spec)

    def cost(self, spec):
        rng = self.rng
        kind = spec[0]
        if kind == "free":
            return "0", rng.choice(spec[1])
        if kind == "mix":
            if rng.random() < spec[1]:
                return "0", rng.choice(FREE_DESCS)
            prices, descs = spec[2], spec[3]
        else:
            prices, descs = spec[1], spec[2]
        p = rng.choice(prices)
        pt = fmt_price(p)
        ptxt = ("%dp" % round(p * 100)) if p < 1 else "£" + pt
        return pt, rng.choice(descs).replace("£{p}", ptxt)

    def organisation(self, spec, ward, loc, venue, name):
        rng = self.rng
        choice = rng.choice(spec)
        if choice == "none":
            return None
        if choice == "trust":
            return self.trust(ward)
        if choice == "church":
            if venue and venue["kind"] == "methodist":
                cname = venue["name"][:-5] if venue["name"].endswith(" Hall") else venue["name"]
                return self.org(cname, slugify(cname).replace("-church", ""), 1)
            saint = self.saint(ward)
            cloc = self.ward_info[ward]["locs"][0]
            if venue and venue["kind"] == "church_hall":
                cloc = venue["loc"]
            return self.org(
                "St %s's Church, %s" % (saint, cloc), "st%s-%s" % (slugify(saint), slugify(cloc).replace("-", "")), 1
            )
        if choice == "friends":
            pname = venue["name"] if venue and venue["kind"] == "park" else "%s Park" % loc
            return self.org("Friends of %s" % pname, "friendsof-" + slugify(pname), 1)
        if choice == "self":
            return self.org(name, short_slug(name), 1)
        if choice.startswith("city:"):
            key = choice[5:]
            oname, domain = CITY_ORGS[key][0 if self.city == "birmingham" else 1]
            return self.org(oname, domain, 3)
        if choice.startswith("pat:"):
            oname = choice[4:].format(loc=loc, city=self.label)
            return self.org(oname, short_slug(oname), 1)
        raise ValueError(choice)

    def service_area(self, home):
        rng = self.rng
        if rng.random() < 0.15:
            return [w["code"] for w in self.wards]
        k = rng.randint(1, 6)
        hlat, hlon = self.centroid[home]
        others = sorted(
            self.centroid,
            key=lambda c: ((self.centroid[c][0] - hlat) ** 2 + ((self.centroid[c][1] - hlon) * 0.62) ** 2, c),
        )
        return sorted(others[:k])

    def unique_name(self, make, suffixes):
        for _ in range(12):
            name = make()
            if name not in self.names_used:
                self.names_used.add(name)
                return name
        base = make()
        for name in suffixes():
            if name not in self.names_used:
                self.names_used.add(name)
                return name
        i = 2
        while "%s (%d)" % (base, i) in self.names_used:
            i += 1
        name = "%s (%d)" % (base, i)
        self.names_used.add(name)
        return name

    # -- build -------------------------------------------------------------
    def build(self):
        rng = self.rng
        items = []
        for key, n in self.plan.items():
            items.extend([key] * n)
        in_person = [k for k in items if TEMPLATE_BY_KEY[k]["venue"] is not REMOTE]
        remote = [k for k in items if TEMPLATE_BY_KEY[k]["venue"] is REMOTE]
        rng.shuffle(in_person)
        # Ward slots: everyone gets the minimum, the rest go to bigger wards more often.
        m = self.cfg["min_per_ward"]
        slots = [w["code"] for w in self.wards for _ in range(m)]
        extra = len(in_person) - len(slots)
        if extra < 0:
            raise SystemExit("%s: not enough in-person assets for %d per ward" % (self.city, m))
        weights = [len(self.pcs[w["code"]]) ** 0.5 for w in self.wards]
        slots += rng.choices([w["code"] for w in self.wards], weights=weights, k=extra)
        rng.shuffle(slots)
        rows = []
        for key, ward in zip(in_person, slots):
            rows.append(self.make_row(TEMPLATE_BY_KEY[key], ward))
        for key in remote:
            rows.append(self.make_row(TEMPLATE_BY_KEY[key], rng.choice(self.wards)["code"]))
        self.apply_verification(rows)
        ward_name = {w["code"]: w["name"] for w in self.wards}
        rows.sort(key=lambda r: (r["_ward"] is None, ward_name.get(r["_ward"] or "", ""), r["name"].lower(), r["name"]))
        for i, r in enumerate(rows, 1):
            r["source_id"] = "%s-%04d" % (self.cfg["prefix"], i)
        return rows

    def make_row(self, t, ward):  # noqa: C901 - complexity 26
        rng = self.rng
        info = self.ward_info[ward]
        remote = t["venue"] is REMOTE
        loc = rng.choice(info["locs"])
        venue = None
        if not remote:
            venue = self.venue(ward, t["venue"], fresh=t["is_venue"], preferred_loc=loc)
            if t["is_venue"]:
                # The asset is the place itself: don't list the same place twice.
                tries = 0
                while venue["listed"] and tries < 10:
                    venue = self.venue(ward, t["venue"], fresh=True, preferred_loc=loc)
                    tries += 1
                venue["listed"] = True
            loc = venue["loc"]
        modes = rng.choice(t["modes"])
        area = self.service_area(ward) if remote else []
        city_wide = len(area) == len(self.wards)
        state = {}

        def make_name():
            pat = rng.choice(t["names"])
            single = "{Day}" in pat
            sched = self.schedule(t["sched"], single=single)
            state["sched"] = sched
            day = DAY_NAMES[sched.split()[0]] if sched else ""
            vname = venue["name"] if venue else ""
            return pat.format(loc=loc, venue=vname, city=self.label, Day=day)

        def suffixes():
            sched = state["sched"]
            day = DAY_NAMES[sched.split()[0]] if sched else ""
            out = []
            if not venue:
                if city_wide:
                    out.append("%s – %s" % (state["base"], self.label))
                out.append("%s – %s area" % (state["base"], loc))
            elif day and t["sched"][0] == "group":
                part = (
                    "mornings"
                    if sched.split()[1] < "12:00"
                    else "afternoons"
                    if sched.split()[1] < "17:00"
                    else "evenings"
                )
                out.append("%s – %s %s" % (state["base"], day, part))
            out.append("%s, %s" % (state["base"], loc))
            return out

        def make_name_keep():
            n = make_name()
            state["base"] = n
            return n

        name = self.unique_name(make_name_keep, suffixes)
        schedule = state["sched"]
        cost_amount, cost_desc = self.cost(t["cost"])
        desc = rng.choice(t["descs"])
        if t["key"] in ("park", "hall"):
            # Make the description match the (possibly empty) schedule.
            marks = ("Open all the time", "Open for bookings only")
            opts = [d for d in t["descs"] if any(m in d for m in marks) == (schedule == "")]
            desc = rng.choice(opts)
        desc = desc.replace("{price}", fmt_price(float(cost_amount)) if cost_amount else "3.50")
        if cost_amount and t["key"] not in ("park", "refuge_dropin", "da_group") and rng.random() < 0.06:
            cost_amount, cost_desc = "", rng.choice(["", "Please ask the organiser about costs"])
        org = self.organisation(t["org"], ward, loc, venue, name)
        aud = rng.choice(t["auds"])
        caps = rng.choice(t["caps"])
        atype = rng.choice(t["atype"])
        # Contacts
        if org:
            contact = rng.choice(org["contacts"])
            email, phone, url = org["email"], org["phone"], org["url"]
        elif t["key"] == "park":
            parks = self.org("%s parks team" % self.label, "%s-parks" % self.city, 2)
            contact, email, phone, url = "", parks["email"], parks["phone"], ""
        else:
            dom = slugify(name)
            if len(dom) > 30:
                dom = "%s-%s" % (slugify(loc).replace("-", ""), t["key"].replace("_", ""))
            booking = self.org("%s bookings" % name, dom, 1)
            box = "bookings@" if t["is_venue"] else "hello@"
            contact, email, phone, url = booking["contacts"][0], box + booking["domain"], booking["phone"], ""
        if "phone" in modes:
            pass  # phone lines always keep their number
        elif rng.random() < 0.08:
            phone = ""
        elif rng.random() < 0.05:
            email = ""
        # Accessibility
        acc = []
        if venue:
            acc = list(venue["access"])
            for x in t["extra"]:
                if rng.random() < 0.8:
                    acc.append(x)
            if rng.random() < 0.08:
                acc.append("large-print")
        else:
            if "online" in modes and rng.random() < 0.2:
                acc.append("bsl")
            if rng.random() < 0.2:
                acc.append("large-print")
            for x in t["extra"]:
                if x in ("large-print", "bsl") and rng.random() < 0.8:
                    acc.append(x)
        acc = [a for a in ACCESS if a in acc]
        row = {
            "name": name,
            "organisation": org["name"] if org else "",
            "description": desc.format(loc=loc, city=self.label) if "{" in desc else desc,
            "categories": ";".join(t["cats"]),
            "audiences": ";".join(aud),
            "capabilities": ";".join(caps),
            "asset_type": atype,
            "modes": ";".join(modes),
            "address": venue["address"] if venue else "",
            "postcode": venue["postcode"] if venue else "",
            "lat": venue["lat"] if venue else "",
            "lon": venue["lon"] if venue else "",
            "service_area_wards": ";".join(area),
            "schedule": schedule,
            "cost_amount": cost_amount,
            "cost_description": cost_desc,
            "accessibility": ";".join(acc),
            "how_to_get_there": venue["directions"] if venue else "",
            "contact_name": contact,
            "email": email,
            "phone": phone,
            "url": url,
            "visibility": t["vis"],
            "illustrative": "yes",
            "_ward": None if remote else ward,
            "_remote": remote,
        }
        return row

    def apply_verification(self, rows):
        """Exact shares: 2% never verified, 6% stale (>12 months), 12% 6-11 months old."""
        rng = self.rng
        n = len(rows)
        order = list(range(n))
        rng.shuffle(order)
        k_never, k_stale, k_mid = round(0.02 * n), round(0.06 * n), round(0.12 * n)
        band = {}
        for pos, i in enumerate(order):
            if pos < k_never:
                band[i] = "never"
            elif pos < k_never + k_stale:
                band[i] = "stale"
            elif pos < k_never + k_stale + k_mid:
                band[i] = "mid"
            else:
                band[i] = "recent"
        for i, r in enumerate(rows):
            if band[i] == "never":
                r["last_verified"], r["verification_method"] = "", ""
                continue
            if band[i] == "stale":
                d = rand_date(rng, datetime.date(2024, 1, 1), datetime.date(2025, 9, 30))
            elif band[i] == "mid":
                d = rand_date(rng, datetime.date(2026, 1, 1), datetime.date(2026, 5, 20))
            else:
                # Recent (under 6 months): inside the 2026-03-01..2026-11-15 window
                # but kept clear of the 6-11-month band above.
                d = rand_date(rng, datetime.date(2026, 5, 21), datetime.date(2026, 11, 15))
            methods = {"visited": 3, "phoned": 3, "emailed": 2.5, "self-reported": 1.5}
            if r["_remote"]:
                methods.pop("visited")
            r["last_verified"], r["verification_method"] = d, weighted_choice(rng, methods)


# ---------------------------------------------------------------------------
def city_weight(t, city):
    w = t["w"]
    if isinstance(w, dict):
        return w.get(city, 0)
    return w if city in t["cities"] else 0


def make_plan(city, total, bumps):
    """Number of assets of each template for one city."""
    plan = {}
    for t in TEMPLATES:
        if city not in t["cities"] or (isinstance(t["w"], dict) and city not in t["w"]):
            continue
        if t["frac"] is not None:
            plan[t["key"]] = max(1, int(t["frac"] * total + 0.5))
        else:
            plan[t["key"]] = t["mins"]
    for k, n in bumps.items():
        plan[k] = plan.get(k, 0) + n
    rest = total - sum(plan.values())
    free = [t for t in TEMPLATES if t["key"] in plan and t["frac"] is None]
    wsum = sum(city_weight(t, city) for t in free)
    shares = [(t["key"], rest * city_weight(t, city) / wsum) for t in free]
    for k, s in shares:
        plan[k] += int(s)
    left = total - sum(plan.values())
    order = sorted(shares, key=lambda ks: (-(ks[1] - int(ks[1])), ks[0]))
    for k, _ in order[:left]:
        plan[k] += 1
    return plan


def coverage(rows):
    cnt = {
        "cat": dict.fromkeys(CATEGORIES, 0),
        "aud": dict.fromkeys(AUDIENCES, 0),
        "cap": dict.fromkeys(CAPABILITIES, 0),
    }
    for r in rows:
        for col, key in (("categories", "cat"), ("audiences", "aud"), ("capabilities", "cap")):
            for s in r[col].split(";"):
                cnt[key][s] += 1
    return cnt


def deficits(rows):
    cnt = coverage(rows)
    need = []
    for key, lim in (("cat", MIN_CAT), ("aud", MIN_AUD), ("cap", MIN_CAP)):
        for s, n in cnt[key].items():
            if n < lim:
                need.append((key, s))
    return need


def guaranteed(t, key, slug):
    if key == "cat":
        return slug in t["cats"]
    opts = t["auds"] if key == "aud" else t["caps"]
    return all(slug in o for o in opts)


def build_city(city, wards, postcodes, seed):
    total = CITIES[city]["total"]
    bumps = {}
    for _ in range(60):
        plan = make_plan(city, total, bumps)
        rows = CityBuilder(city, wards[city], postcodes, plan, seed).build()
        need = deficits(rows)
        if not need:
            return rows, plan
        key, slug = need[0]
        cands = [t for t in TEMPLATES if t["key"] in plan and t["frac"] is None and guaranteed(t, key, slug)]
        if not cands:
            raise SystemExit("%s: no template guarantees %s %s" % (city, key, slug))
        best = min(cands, key=lambda t: (plan[t["key"]], t["key"]))
        bumps[best["key"]] = bumps.get(best["key"], 0) + 1
    raise SystemExit("%s: could not reach slug coverage" % city)


def write_csv(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, quoting=csv.QUOTE_MINIMAL, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)


def main(argv=None):
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--shared",
        default=os.path.join(repo, "..", "shared", "data"),
        help="shared data folder (default: ../shared/data relative to the repo root)",
    )
    ap.add_argument(
        "--out", default=os.path.join(repo, "data", "demo"), help="output folder (default: data/demo in the repo)"
    )
    ap.add_argument("--seed", type=int, default=SEED, help="random seed (default %d)" % SEED)
    args = ap.parse_args(argv)
    postcodes, wards = load_inputs(args.shared)
    for city in CITIES:
        rows, plan = build_city(city, wards, postcodes, args.seed)
        path = os.path.join(args.out, CITIES[city]["file"])
        write_csv(path, rows)
        print("%s: %d rows -> %s" % (city, len(rows), os.path.relpath(path)), file=sys.stderr)


if __name__ == "__main__":
    main()
