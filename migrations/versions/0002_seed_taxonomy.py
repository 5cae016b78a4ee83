"""seed the AssetMap taxonomy: categories, audiences, what-matters capabilities, asset types

Ids are UUIDv5 of a stable URI, so every installation publishes the same ids through the
Open Referral UK /taxonomies and /taxonomy_terms endpoints.

Revision ID: 0002
Revises: 0001
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BASE_URI = "https://assetmap.org.uk/taxonomy"

TAXONOMIES = [
    (
        "category",
        "AssetMap categories",
        "What an asset offers.",
        [
            ("social-groups", "Social groups and clubs", "Clubs, coffee mornings and groups to meet people."),
            ("physical-activity", "Physical activity", "Walking groups, exercise classes, dance and sport."),
            ("arts-and-music", "Arts and music", "Singing, music, crafts, drama and creative groups."),
            ("learning", "Learning", "Classes, courses, talks and skills sessions."),
            ("faith-and-cultural", "Faith and cultural groups", "Places of worship and cultural community groups."),
            (
                "community-meals-and-food",
                "Community meals and food",
                "Lunch clubs, community cafés, food banks and pantries.",
            ),
            ("money-and-benefits-advice", "Money and benefits advice", "Help with benefits, debt and budgeting."),
            ("carers-support", "Carers' support", "Support, breaks and groups for unpaid carers."),
            ("mental-wellbeing", "Mental wellbeing", "Groups and services that support mental health and wellbeing."),
            ("peer-support", "Peer support", "People with shared experience supporting each other."),
            ("befriending", "Befriending", "Regular visits or calls from a volunteer befriender."),
            ("volunteering", "Volunteering", "Ways to give time and help others."),
            ("employment-support", "Employment support", "Help to find or keep work."),
            ("digital-inclusion", "Digital inclusion", "Help to get online and use devices."),
            ("transport", "Transport", "Community transport and help getting about."),
            ("housing-and-home", "Housing and home", "Help with housing, repairs and staying safe at home."),
            ("information-and-advice", "Information and advice", "General information, signposting and advice."),
            ("green-spaces", "Green spaces", "Parks, gardens, allotments and nature."),
            ("community-buildings", "Community buildings and meeting spaces", "Halls, centres and rooms to meet."),
            ("health-support", "Health support", "Health checks, clinics and living-well support."),
        ],
    ),
    (
        "audience",
        "Who it is for",
        "Who an asset is for.",
        [
            ("all-adults", "All adults", "Open to any adult."),
            ("older-people", "Older people", "Mainly for people aged 65 and over."),
            ("learning-disabilities", "People with learning disabilities", ""),
            ("autistic-people", "Autistic people", ""),
            ("mental-health", "People with mental health needs", ""),
            ("physical-disabilities", "People with physical disabilities", ""),
            ("sensory-impairments", "People with sensory impairments", ""),
            ("dementia", "People living with dementia", ""),
            ("unpaid-carers", "Unpaid carers", ""),
            ("young-adults", "Young adults", "Mainly for people aged 18 to 25."),
        ],
    ),
    (
        "capability",
        "What matters (ICECAP-O capabilities)",
        "The five ICECAP-O capabilities an asset can support.",
        [
            ("love-friendship-support", "Love, friendship and support", "ICECAP-O attachment."),
            ("future-without-concern", "Thinking about the future without concern", "ICECAP-O security."),
            ("feeling-valued", "Doing things that make you feel valued", "ICECAP-O role."),
            ("enjoyment", "Enjoyment and pleasure", "ICECAP-O enjoyment."),
            ("independence", "Independence", "ICECAP-O control."),
        ],
    ),
    (
        "asset_type",
        "Asset type (ABCD)",
        "The asset-based community development type of an asset.",
        [
            ("association", "Association or informal group", "A group of people who meet, often run by volunteers."),
            (
                "voluntary-organisation",
                "Voluntary organisation",
                "A charity or voluntary and community sector organisation.",
            ),
            ("public-institution", "Public institution", "A library, school, health centre or other public service."),
            ("physical-space", "Physical space", "A park, hall, garden or other place."),
            ("local-enterprise", "Local enterprise", "A local business or social enterprise."),
        ],
    ),
]


def _id(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([BASE_URI, *parts])))


def upgrade() -> None:
    conn = op.get_bind()
    for code, name, description, terms in TAXONOMIES:
        tax_id = _id(code)
        conn.execute(
            sa.text(
                "INSERT INTO taxonomy (id, code, name, description, uri, version) "
                "VALUES (:id, :code, :name, :description, :uri, '1')"
            ),
            {"id": tax_id, "code": code, "name": name, "description": description, "uri": f"{BASE_URI}/{code}"},
        )
        for order, (term_code, term_name, term_desc) in enumerate(terms):
            conn.execute(
                sa.text(
                    "INSERT INTO taxonomy_term (id, taxonomy_id, code, name, description, term_order) "
                    "VALUES (:id, :tax, :code, :name, :description, :ord)"
                ),
                {
                    "id": _id(code, term_code),
                    "tax": tax_id,
                    "code": term_code,
                    "name": term_name,
                    "description": term_desc,
                    "ord": order,
                },
            )


def downgrade() -> None:
    op.execute("DELETE FROM taxonomy_term")
    op.execute("DELETE FROM taxonomy")
