"""The plan of the demo's resource directory and referrals (data only; demo_linkage.py writes the records).

Riverside is fictional; it is placed on the map in south-eastern Pennsylvania (its phone numbers use the
area codes of that region, demo_text.PHONE_AREA_CODES), so distances between its neighbourhoods and the
services in the directory are real-looking: neighbourhoods within ~7 km of the centre, services within
~15 km. Directory phones are in the fictional 555-01xx block of area codes 484 and 610, which the
participants' phones do not use. Web and email addresses are under the reserved example.org domain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from alongside.linkage.models import ReferralStatus, ReferralUrgency, ServiceStatus, SharedItem

R = ReferralStatus
I = SharedItem  # noqa: E741 (short name for the tables below)

CITY = "Riverside"
STATE = "PA"
COUNTRY = "US"
CENTRE = (40.1180, -75.3440)  # latitude, longitude of Old Town
TAXONOMY_NAME = "Alongside demo taxonomy"
VERIFIER = "coordinator"  # the demo login who verifies directory entries

# Neighbourhood centres, km north and east of the centre (demo_text.LOCALITIES), with a postal code.
LOCALITY_KM: dict[str, tuple[float, float, str]] = {
    "Old Town": (0.0, 0.0, "19401"),
    "Eastside": (0.5, 3.2, "19401"),
    "Mill Creek": (2.8, 2.0, "19403"),
    "Northgate": (4.1, 0.3, "19403"),
    "Riverbend": (-2.0, -2.6, "19405"),
    "Southport": (-3.6, 0.8, "19401"),
    "Harbor View": (-1.4, 2.9, "19401"),
    "Westfield": (0.6, -4.2, "19403"),
    "Oak Hill": (3.0, -2.7, "19403"),
    "Lakeside": (5.2, 4.4, "19446"),
    "Cedar Park": (-4.8, -3.1, "19406"),
    "Fairmount": (1.6, 5.6, "19462"),
}


def coordinates(north_km: float, east_km: float) -> tuple[Decimal, Decimal]:
    """The point `north_km` north and `east_km` east of the centre, to six decimals (about 10 cm)."""
    lat = CENTRE[0] + north_km / 111.32
    lon = CENTRE[1] + east_km / (111.32 * math.cos(math.radians(CENTRE[0])))
    return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


def locality_coordinates(locality: str) -> tuple[Decimal, Decimal] | tuple[None, None]:
    """A participant's coordinates: their neighbourhood's centre (never a home address)."""
    if locality not in LOCALITY_KM:
        return None, None
    north, east, _ = LOCALITY_KM[locality]
    return coordinates(north, east)


# --- taxonomy --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    code: str
    name: str
    parent: str = ""
    description: str = ""


TAXONOMY: tuple[Term, ...] = (
    Term("food", "Food", description="Food to take home, meals and healthy food."),
    Term("food_pantry", "Food pantry", "food"),
    Term("healthy_food", "Healthy food", "food", "Produce, cooking classes, diabetes-friendly meals."),
    Term("farmers_market", "Farmers market", "food"),
    Term("physical_activity", "Physical activity", description="Places and groups to be active."),
    Term("walking_group", "Walking group", "physical_activity"),
    Term("parks", "Parks and trails", "physical_activity"),
    Term("ymca", "YMCA and fitness centres", "physical_activity"),
    Term("clinical_care", "Clinical care", description="Clinics and clinicians."),
    Term("primary_care", "Primary care clinic", "clinical_care"),
    Term("diabetes_education", "Diabetes education", "clinical_care"),
    Term("eye_exam", "Eye exam", "clinical_care"),
    Term("podiatry", "Podiatry and foot care", "clinical_care"),
    Term("dental", "Dental care", "clinical_care"),
    Term("mental_health", "Mental health", description="Counselling and crisis support."),
    Term("counselling", "Counselling", "mental_health"),
    Term("crisis_line", "Crisis line", "mental_health"),
    Term("transportation", "Transportation", description="Rides to appointments, fares."),
    Term("benefits", "Benefits", description="Help to apply for health insurance and food benefits."),
    Term("insurance_enrolment", "Health insurance enrolment", "benefits"),
    Term("food_benefits", "Food benefits (SNAP)", "benefits"),
    Term("housing", "Housing", description="Shelter, rent help, housing counselling."),
)


# --- organizations, locations, services -----------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A location: km north and east of the centre, and its street address."""

    key: str
    name: str
    north_km: float
    east_km: float
    address: str
    postal_code: str
    transportation: str = ""


@dataclass(frozen=True)
class Hours:
    byday: str
    opens: str  # "HH:MM"
    closes: str
    freq: str = "WEEKLY"
    description: str = ""


WEEKDAYS = "MO,TU,WE,TH,FR"
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"
OFFICE = (Hours(WEEKDAYS, "09:00", "17:00"),)


@dataclass(frozen=True)
class ServicePlan:
    key: str
    name: str
    categories: tuple[str, ...]
    description: str
    languages: tuple[str, ...] = ("en", "es")
    hours: tuple[Hours, ...] = OFFICE
    verified_days_ago: int | None = 30  # None: never verified
    is_clinical: bool = False
    status: str = ServiceStatus.ACTIVE
    alert: str = ""
    fees: str = "Free."
    eligibility: str = ""
    application: str = ""
    places: tuple[str, ...] = ()  # location keys; empty: all of the organization's locations
    phone: str = ""  # E.164; empty: the organization's


@dataclass(frozen=True)
class OrganizationPlan:
    key: str
    name: str
    description: str
    phone: str
    places: tuple[Place, ...]
    services: tuple[ServicePlan, ...]
    website: str = ""
    email: str = ""


def _web(slug: str) -> str:
    return f"https://{slug}.example.org"


def _mail(slug: str) -> str:
    return f"info@{slug}.example.org"


ORGANIZATIONS: tuple[OrganizationPlan, ...] = (
    OrganizationPlan(
        "food_bank", "Riverside Area Food Bank", "Food pantries and fresh produce for anyone in need.",
        "+14845550101",
        (Place("food_bank_main", "Riverside Food Bank warehouse", 0.3, 0.6, "210 Main Street", "19401",
               "Bus 90 and 96 stop at Main and Cherry."),
         Place("st_annes", "St. Anne's Parish Hall", 0.7, 3.4, "58 Walnut Street", "19401")),
        (ServicePlan("riverside_pantry", "Riverside Food Pantry", ("food_pantry", "healthy_food"),
                     "A week of groceries, with fresh produce and diabetes-friendly choices on a separate shelf.",
                     hours=(Hours("TU,TH", "10:00", "14:00"), Hours("SA", "09:00", "12:00")),
                     verified_days_ago=21, eligibility="Anyone living in Riverside; no documents needed.",
                     places=("food_bank_main",)),
         ServicePlan("eastside_pantry", "Eastside Community Pantry", ("food_pantry",),
                     "Evening pantry in the parish hall; bring a bag.", hours=(Hours("WE", "16:00", "19:00"),),
                     verified_days_ago=240, places=("st_annes",))),
        _web("riversidefoodbank"), _mail("riversidefoodbank"),
    ),
    OrganizationPlan(
        "market", "Mill Creek Farmers Market", "Local growers every Saturday from May to November.",
        "+14845550102",
        (Place("market_square", "Mill Creek Square", 2.9, 2.2, "1 Mill Creek Square", "19403"),),
        (ServicePlan("farmers_market", "Mill Creek Farmers Market", ("farmers_market", "healthy_food"),
                     "Fruit and vegetables from local farms. SNAP benefits are doubled up to $20 a visit.",
                     hours=(Hours("SA", "08:00", "13:00", description="May to November"),),
                     verified_days_ago=12, fees="Market prices; SNAP doubled."),),
        _web("millcreekmarket"),
    ),
    OrganizationPlan(
        "harvest_table", "Harvest Table Community Kitchen", "Free meals and cooking classes.", "+14845550103",
        (Place("harvest_table", "Harvest Table", -0.4, 0.9, "77 Church Street", "19401"),),
        (ServicePlan("community_meals", "Free community lunch", ("food",),
                     "A hot lunch on weekdays; a low-sugar option every day.",
                     hours=(Hours(WEEKDAYS, "11:30", "13:00"),), verified_days_ago=60),
         ServicePlan("cooking_classes", "Cooking for Health classes", ("healthy_food",),
                     "Four evening classes on cooking for diabetes and blood pressure, on a budget.",
                     hours=(Hours("WE", "18:00", "19:30"),), verified_days_ago=60,
                     application="Sign up by phone; 12 places per course.")),
        _web("harvesttable"), _mail("harvesttable"),
    ),
    OrganizationPlan(
        "northgate_grows", "Northgate Grows", "An urban farm and produce prescription program.", "+14845550104",
        (Place("northgate_farm", "Northgate Grows farm", 4.3, 0.1, "400 Sterigere Street", "19403"),),
        (ServicePlan("produce_rx", "Fresh Food Prescription", ("healthy_food",),
                     "Twelve weeks of free vegetables for people with diabetes or high blood pressure.",
                     hours=(Hours("TH", "14:00", "18:00"),), verified_days_ago=95,
                     eligibility="Referral from a clinic provider; an HbA1c or blood pressure reading in the "
                                 "last 3 months.", application="The clinic sends the referral form."),
         ServicePlan("garden_plots", "Community garden plots", ("healthy_food", "parks"),
                     "Raised beds for a season; tools and seeds provided.", languages=("en",),
                     hours=(Hours(EVERY_DAY, "07:00", "20:00", description="April to October"),),
                     verified_days_ago=None)),
        _web("northgategrows"),
    ),
    OrganizationPlan(
        "nueva_vida", "Iglesia Nueva Vida", "A Spanish-speaking congregation with a food pantry.", "+14845550105",
        (Place("nueva_vida", "Iglesia Nueva Vida", -1.8, -2.3, "15 River Road", "19405"),),
        (ServicePlan("despensa", "Despensa Nueva Vida (food pantry)", ("food_pantry",),
                     "Food pantry on Saturday mornings; volunteers speak Spanish.", languages=("es", "en"),
                     hours=(Hours("SA", "09:00", "11:00"),), verified_days_ago=35),),
    ),
    OrganizationPlan(
        "meals_on_wheels", "Meals on Wheels of Riverside", "Meals delivered at home.", "+14845550106",
        (Place("mow_kitchen", "Meals on Wheels kitchen", -3.3, 1.1, "9 Harbor Drive", "19401"),),
        (ServicePlan("home_meals", "Home-delivered meals", ("food",),
                     "A hot lunch delivered on weekdays, with diabetic and low-salt menus.", languages=("en",),
                     verified_days_ago=300, fees="Suggested donation $3 a meal.",
                     eligibility="60 or older, or homebound after a hospital stay."),),
        _web("riversidemeals"),
    ),
    OrganizationPlan(
        "ymca", "Riverside Family YMCA", "Fitness, swimming and health programs.", "+14845550107",
        (Place("ymca_westfield", "Riverside YMCA, Westfield", 0.8, -4.0, "1200 Ridge Pike", "19403",
               "Bus 96 stops at the door."),
         Place("ymca_lakeside", "Lakeside YMCA", 9.5, 7.1, "3300 Skippack Pike", "19446")),
        (ServicePlan("ymca_dpp", "Diabetes Prevention Program", ("ymca", "healthy_food"),
                     "A year-long group program for people with prediabetes: eating, activity, weight.",
                     hours=(Hours("MO", "18:00", "19:00"),), verified_days_ago=40,
                     eligibility="Prediabetes (blood test or risk test); 18 or older.",
                     fees="Sliding scale; covered by some insurance.", places=("ymca_westfield",)),
         ServicePlan("ymca_fitness", "Gentle Fitness for Older Adults", ("ymca",),
                     "Strength, balance and walking classes for beginners, three mornings a week.",
                     hours=(Hours("MO,WE,FR", "10:00", "11:00"),), verified_days_ago=40,
                     fees="Free with membership; financial help available."),
         ServicePlan("ymca_swim", "Open swim and gym", ("ymca",), "Pool and gym open to members.",
                     hours=(Hours(WEEKDAYS, "05:30", "21:00"), Hours("SA,SU", "07:00", "18:00")),
                     verified_days_ago=400, fees="Membership; financial help available.")),
        _web("riversideymca"), _mail("riversideymca"),
    ),
    OrganizationPlan(
        "parks", "Riverside Parks and Recreation", "The town's parks, trails and recreation programs.",
        "+16105550101",
        (Place("riverfront_park", "Riverfront Park", -1.2, -1.0, "Riverfront Park, Lafayette Street", "19401"),
         Place("oak_hill_park", "Oak Hill Park", 3.2, -2.5, "Oak Hill Avenue and Elm Street", "19403")),
        (ServicePlan("riverfront_trail", "Riverfront Trail", ("parks",),
                     "A flat 5-mile paved trail along the river with benches every half mile.",
                     languages=("en",), hours=(Hours(EVERY_DAY, "06:00", "21:00"),), verified_days_ago=200,
                     places=("riverfront_park",)),
         ServicePlan("walk_with_neighbor", "Walk with a Neighbor", ("walking_group",),
                     "A friendly 45-minute walk led by a volunteer; all paces welcome.",
                     hours=(Hours("TU,TH", "09:00", "10:00"),), verified_days_ago=15)),
        _web("riversidepa-parks"),
    ),
    OrganizationPlan(
        "casa_latina", "Casa Latina de Riverside", "A community centre for Latino families.", "+16105550102",
        (Place("casa_latina", "Casa Latina", -1.9, -2.8, "230 DeKalb Street", "19405"),),
        (ServicePlan("caminando", "Caminando Juntos (walking group)", ("walking_group",),
                     "Grupo de caminata con promotoras, martes y jueves temprano en el parque Riverbend.",
                     languages=("es",), hours=(Hours("TU,TH", "07:30", "08:30"),), verified_days_ago=8),
         ServicePlan("casa_benefits", "Benefits help in Spanish", ("insurance_enrolment", "food_benefits"),
                     "Help to apply for Medicaid, Marketplace insurance and SNAP, in Spanish.",
                     languages=("es", "en"), hours=(Hours("MO,WE", "10:00", "16:00"),), verified_days_ago=50)),
        _web("casalatina-riverside"), _mail("casalatina-riverside"),
    ),
    OrganizationPlan(
        "harbor_plaza", "Harbor View Plaza", "A shopping centre that opens early for walkers.", "+16105550103",
        (Place("harbor_plaza", "Harbor View Plaza", -1.6, 3.1, "500 Harbor Drive", "19401"),),
        (ServicePlan("mall_walkers", "Mall walkers", ("walking_group",),
                     "Indoor walking before the shops open; a loop is 0.6 miles.", languages=("en",),
                     hours=(Hours("MO,TU,WE,TH,FR,SA", "07:00", "09:00"),), verified_days_ago=None),),
    ),
    OrganizationPlan(
        "family_health", "Riverside Family Health Center", "A community health centre (sliding-fee scale).",
        "+16105550104",
        (Place("fhc_main", "Family Health Center", 0.2, -0.3, "1100 Main Street", "19401",
               "Bus 90 stops at Main and Markley."),),
        (ServicePlan("fhc_primary_care", "Primary care clinic", ("primary_care",),
                     "Adult primary care; new patients seen within two weeks.", languages=("en", "es", "vi"),
                     hours=(Hours(WEEKDAYS, "08:00", "18:00"), Hours("SA", "09:00", "12:00")),
                     verified_days_ago=10, is_clinical=True, fees="Sliding scale; no one turned away."),
         ServicePlan("fhc_dsmes", "Diabetes self-management education", ("diabetes_education",),
                     "Classes and one-to-one visits with a certified diabetes care and education specialist.",
                     hours=(Hours("TU,TH", "13:00", "16:00"),), verified_days_ago=10, is_clinical=True,
                     application="A referral from any clinician."),
         ServicePlan("fhc_dental", "Dental clinic", ("dental",), "Check-ups, cleanings, fillings, extractions.",
                     verified_days_ago=190, is_clinical=True, fees="Sliding scale.")),
        _web("riversidefhc"), _mail("riversidefhc"),
    ),
    OrganizationPlan(
        "free_clinic", "Eastside Community Clinic", "A volunteer-run free clinic.", "+16105550105",
        (Place("free_clinic", "Eastside Community Clinic", 0.4, 3.0, "340 Airy Street", "19401"),),
        (ServicePlan("free_primary_care", "Free evening clinic", ("primary_care",),
                     "Walk-in primary care for people without insurance.",
                     hours=(Hours("TU,TH", "17:00", "20:00"),), verified_days_ago=70, is_clinical=True,
                     eligibility="No health insurance."),
         ServicePlan("eastside_foot_care", "Foot care clinic", ("podiatry",),
                     "A volunteer podiatrist checks feet, trims nails and treats calluses.",
                     hours=(Hours("2SA", "09:00", "12:00", freq="MONTHLY", description="Second Saturday"),),
                     verified_days_ago=70, is_clinical=True)),
    ),
    OrganizationPlan(
        "hospital", "Riverside Regional Hospital", "The regional hospital's outpatient clinics.", "+16105550106",
        (Place("hospital", "Riverside Regional Hospital, outpatient building", 6.8, -5.9, "559 West Germantown Pike",
               "19403", "Hospital shuttle from Old Town every 30 minutes."),),
        (ServicePlan("hospital_eye_exam", "Diabetic eye exam (retinal screening)", ("eye_exam",),
                     "A yearly eye exam with retinal photographs for people with diabetes.",
                     verified_days_ago=25, is_clinical=True, fees="Billed to insurance; financial help available."),
         ServicePlan("hospital_podiatry", "Podiatry clinic", ("podiatry",), "Foot exams, wound care, orthotics.",
                     hours=(Hours("MO,WE", "08:00", "16:00"),), verified_days_ago=25, is_clinical=True,
                     application="A referral from a clinician."),
         ServicePlan("hospital_diabetes_classes", "Diabetes education classes", ("diabetes_education",),
                     "A four-week class series on insulin, meters and meal planning.", languages=("en",),
                     hours=(Hours("TH", "18:00", "20:00"),), verified_days_ago=None, is_clinical=True)),
        _web("riversideregional"),
    ),
    OrganizationPlan(
        "clear_vision", "Clear Vision Eye Care", "Optometrists; glasses at low cost.", "+16105550107",
        (Place("clear_vision", "Clear Vision Eye Care", 2.6, 1.7, "88 Mill Creek Road", "19403"),),
        (ServicePlan("clear_vision_exam", "Eye exams and glasses", ("eye_exam",),
                     "Eye exams, dilated exams for diabetes, glasses from $40.", verified_days_ago=420,
                     is_clinical=True, fees="Sliding scale."),),
    ),
    OrganizationPlan(
        "smile", "Smile Riverside Dental", "A non-profit dental practice.", "+16105550108",
        (Place("smile", "Smile Riverside", -3.4, 0.6, "150 Southport Avenue", "19401"),),
        (ServicePlan("smile_dental", "Community dental clinic", ("dental",),
                     "Cleanings, fillings and dentures for adults on Medicaid or without insurance.",
                     verified_days_ago=14, is_clinical=True, status=ServiceStatus.TEMPORARILY_CLOSED,
                     alert="Closed for renovation; reopening in about two months. Emergencies: call the Family "
                           "Health Center's dental clinic.", fees="Medicaid; sliding scale."),),
    ),
    OrganizationPlan(
        "counseling_center", "Riverside Counseling Center", "Outpatient mental health care.", "+16105550109",
        (Place("counseling", "Riverside Counseling Center", 1.1, 0.4, "415 Swede Street", "19401"),),
        (ServicePlan("counselling", "Individual counselling", ("counselling",),
                     "Counselling for depression, anxiety and the stress of living with a chronic condition.",
                     languages=("en", "es", "ar"),
                     hours=(Hours(WEEKDAYS, "09:00", "20:00"),), verified_days_ago=45,
                     fees="Medicaid, Medicare, most insurance; sliding scale."),
         ServicePlan("diabetes_distress_group", "Diabetes distress group", ("counselling",),
                     "An eight-week group with a therapist for people worn out by diabetes.", languages=("en",),
                     hours=(Hours("WE", "17:30", "19:00"),), verified_days_ago=260)),
        _web("riversidecounseling"),
    ),
    OrganizationPlan(
        "crisis", "Riverside County Crisis Line", "Crisis support by phone, day and night.", "+16105550111",
        (Place("crisis_office", "Crisis services office", 0.9, -0.6, "1 Courthouse Plaza", "19401"),),
        (ServicePlan("crisis_line", "24/7 crisis line", ("crisis_line",),
                     "Call any time to talk to a trained counsellor; they can send a mobile crisis team. "
                     "In an emergency call 911; the national line is 988.", languages=("en", "es", "vi", "zh"),
                     hours=(Hours(EVERY_DAY, "00:00", "23:59", description="24 hours a day"),),
                     verified_days_ago=5),),
    ),
    OrganizationPlan(
        "aafs", "Asian American Family Services", "Counselling and support in Asian languages.", "+16105550112",
        (Place("aafs", "Asian American Family Services", 5.0, 4.1, "2 Lakeside Plaza", "19446"),),
        (ServicePlan("aafs_counselling", "Counselling in Vietnamese and Chinese", ("counselling",),
                     "Counsellors who speak Vietnamese, Mandarin and Cantonese.", languages=("vi", "zh", "en"),
                     verified_days_ago=80),),
    ),
    OrganizationPlan(
        "transit", "Riverside Transit Authority", "Buses and shared rides.", "+16105550113",
        (Place("transit_centre", "Riverside Transit Center", 0.1, 0.2, "100 Main Street", "19401"),),
        (ServicePlan("shared_ride", "Shared ride to medical appointments", ("transportation",),
                     "Door-to-door van to medical appointments in the county; book two days ahead.",
                     hours=(Hours(WEEKDAYS, "06:00", "18:00"),), verified_days_ago=30, fees="$2 each way.",
                     eligibility="65 or older, or a disability; under 65 with Medicaid for medical trips."),
         ServicePlan("reduced_fare", "Reduced fare card", ("transportation",),
                     "Half-price bus fares for people with a disability or on Medicare.", verified_days_ago=365)),
        _web("riversidetransit"),
    ),
    OrganizationPlan(
        "neighbors", "Neighbors in Motion", "Volunteer drivers for older neighbours.", "+16105550114",
        (Place("neighbors", "Neighbors in Motion office", 1.7, 5.4, "12 Fairmount Avenue", "19462"),),
        (ServicePlan("volunteer_rides", "Volunteer rides", ("transportation",),
                     "A volunteer drives you to the doctor, the pharmacy or the grocery store and waits.",
                     verified_days_ago=None, fees="Free; donations welcome; some drivers speak Spanish.",
                     eligibility="60 or older, or recovering from surgery.",
                     application="Call three days ahead."),),
    ),
    OrganizationPlan(
        "benefits_hub", "Riverside Benefits Hub", "Free help to apply for benefits.", "+16105550115",
        (Place("benefits_hub", "Benefits Hub at the Library", 0.5, 0.5, "220 DeKalb Street", "19401"),),
        (ServicePlan("benefits_insurance", "Health insurance enrolment help", ("insurance_enrolment",),
                     "Certified navigators help you apply or renew Medicaid or Marketplace coverage.",
                     verified_days_ago=18, application="Call for an appointment; bring ID and pay stubs."),
         ServicePlan("benefits_snap", "SNAP application help", ("food_benefits",),
                     "Help to apply for SNAP food benefits online or on paper.", verified_days_ago=18)),
        _web("benefitshub"), _mail("benefitshub"),
    ),
    OrganizationPlan(
        "county_assistance", "County Assistance Office", "The state's benefits office for the county.",
        "+16105550116",
        (Place("county_assistance", "County Assistance Office", -0.8, -1.4, "1931 New Hope Street", "19401"),),
        (ServicePlan("county_snap", "Food assistance (SNAP)", ("food_benefits",),
                     "Apply for SNAP in person; interviews by phone.", verified_days_ago=500),
         ServicePlan("county_medicaid", "Medical assistance (Medicaid)", ("insurance_enrolment",),
                     "Apply for or renew Medicaid.", verified_days_ago=500)),
    ),
    OrganizationPlan(
        "housing_partnership", "Riverside Housing Partnership", "Affordable housing and rent help.",
        "+16105550117",
        (Place("housing", "Housing Partnership office", -0.6, 1.8, "45 Marshall Street", "19401"),),
        (ServicePlan("rent_help", "Emergency rental assistance", ("housing",),
                     "One-time help with back rent or a security deposit.", verified_days_ago=120,
                     eligibility="Income below 80% of the area median; an eviction notice or late rent."),
         ServicePlan("housing_counselling", "Housing counselling", ("housing",),
                     "Help with budgets, leases, and finding affordable housing.", verified_days_ago=None)),
        _web("riversidehousing"),
    ),
    OrganizationPlan(
        "good_shepherd", "Good Shepherd Shelter", "Emergency shelter for adults.", "+16105550118",
        (Place("shelter", "Good Shepherd Shelter", -2.4, 0.2, "600 Lafayette Street", "19401"),),
        (ServicePlan("shelter", "Emergency shelter", ("housing",),
                     "Beds, meals and case management; refrigerated storage for insulin.",
                     hours=(Hours(EVERY_DAY, "00:00", "23:59", description="24 hours a day"),),
                     verified_days_ago=90),),
    ),
    OrganizationPlan(
        "library", "Riverside Public Library", "Books, computers and free classes.", "+16105550119",
        (Place("library", "Riverside Public Library", 0.5, 0.5, "220 DeKalb Street, 2nd floor", "19401"),),
        (ServicePlan("library_computers", "Computer help for online applications", ("benefits",),
                     "A librarian helps you use a computer to apply for benefits or use a patient portal.",
                     hours=(Hours("MO,TU,WE,TH", "10:00", "19:00"), Hours("SA", "10:00", "14:00")),
                     verified_days_ago=150),),
    ),
)  # fmt: skip


# --- referrals and look-ups ---------------------------------------------------------------------------

PROFESSIONAL = "professional"  # a referral's `to`: the demo professional, not a directory service
SUPPORTER = "supporter"  # who records a step: the supporter who made the referral ...
COORDINATOR = "coordinator"  # ... the coordinator (incoming referrals) or the professional


@dataclass(frozen=True)
class Step:
    """A status change `days_ago` days before today at `hour:minute` (local time), recorded by `by`."""

    status: str
    days_ago: int
    hour: int
    minute: int = 0
    by: str = SUPPORTER
    note: str = ""


@dataclass(frozen=True)
class ReferralPlan:
    """One referral of a participant of `program` (demo.PROGRAMS key) whose primary supporter is `supporter`:
    the first of them (by enrolment) enrolled before the first step, who speaks a language of the service and
    has no referral planned yet; the demo's `participant` login when `login`."""

    key: str
    supporter: str
    program: str
    to: str  # a ServicePlan key or PROFESSIONAL
    reason: str
    steps: tuple[Step, ...]
    urgency: str = ReferralUrgency.ROUTINE
    shared: tuple[str, ...] = (I.NAME_AND_CONTACT, I.REASON, I.LANGUAGE)
    appointment: tuple[int, int, int] | None = None  # days from today (negative: past), hour, minute
    login: bool = False


_CLINICAL = (I.NAME_AND_CONTACT, I.DATE_OF_BIRTH, I.CONDITIONS, I.REASON, I.READINGS, I.LANGUAGE)

REFERRALS: tuple[ReferralPlan, ...] = (
    # Rosa's (the `supporter` login's) caseload: two stalled referrals on her Today list, a draft, and the
    # `participant` login's referrals (one closed, one with an appointment coming).
    ReferralPlan("stalled_sent", "supporter", "coaches", "eastside_foot_care",
                 "Thick callus on the left heel for a few weeks; no podiatrist. Asked for the monthly foot care day.",
                 (Step(R.SENT, 20, 11, 10, note="Called the clinic and left the referral on their voicemail."),),
                 shared=_CLINICAL),
    ReferralPlan("stalled_accepted", "supporter", "telephone", "benefits_insurance",
                 "Lost Medicaid at renewal; needs help to re-apply before the next clinic visit.",
                 (Step(R.SENT, 26, 14, 30),
                  Step(R.ACCEPTED, 20, 10, 15, note="The Hub said a navigator would call to book a time.")),
                 shared=(I.NAME_AND_CONTACT, I.REASON, I.LANGUAGE, I.DATE_OF_BIRTH)),
    ReferralPlan("draft", "supporter", "coaches", "walk_with_neighbor",
                 "Wants company to walk in the mornings; ask whether the Tuesday group has room.",
                 (Step(R.DRAFT, 1, 16, 40, note="Will send once Tuesdays are confirmed."),)),
    ReferralPlan("login_completed", "supporter", "coaches", "walk_with_neighbor",
                 "Would like a walking group to keep up the 30-minute walks of the action plan.",
                 (Step(R.SENT, 75, 15, 5),
                  Step(R.ACCEPTED, 73, 10, 30, note="The group's volunteer leader called back."),
                  Step(R.COMPLETED, 60, 17, 0, note="Walks with the group on Tuesdays and Thursdays now.")),
                 login=True),
    ReferralPlan("login_scheduled", "supporter", "coaches", "hospital_eye_exam",
                 "Due for the yearly diabetic eye exam; the last one was two years ago.",
                 (Step(R.SENT, 12, 13, 20), Step(R.ACCEPTED, 9, 11, 0, note="Hospital scheduling called back."),
                  Step(R.SCHEDULED, 6, 15, 45, note="Booked; a family member will drive.")),
                 shared=_CLINICAL, appointment=(8, 9, 40), login=True),
    # Referrals to the demo professional (clinical lead of the promotoras program): her inbox has one to answer,
    # one booked, and one closed in the last 30 days.
    ReferralPlan("professional_completed", "maria.hernandez", "promotoras", PROFESSIONAL,
                 "Readings over 250 before breakfast for two weeks while taking metformin as prescribed; asks "
                 "whether the medicines should change.",
                 (Step(R.SENT, 24, 12, 0),
                  Step(R.ACCEPTED, 23, 9, 10, by=PROFESSIONAL, note="Booked into Thursday's clinic."),
                  Step(R.SCHEDULED, 23, 9, 15, by=PROFESSIONAL),
                  Step(R.COMPLETED, 17, 12, 30, by=PROFESSIONAL,
                       note="Seen; medicines adjusted, recheck in 3 months. Thank you for the referral.")),
                 urgency=ReferralUrgency.SOON, shared=_CLINICAL, appointment=(-17, 10, 0)),
    ReferralPlan("professional_sent", "ana.torres", "promotoras", PROFESSIONAL,
                 "Dizzy when standing up; blood pressure 98/60 at today's home visit. Takes three blood "
                 "pressure medicines.",
                 (Step(R.SENT, 1, 15, 20, note="Advised getting up slowly, and calling 911 after any fainting."),),
                 urgency=ReferralUrgency.SOON, shared=_CLINICAL),
    ReferralPlan("professional_scheduled", "denise.walker", "promotoras", PROFESSIONAL,
                 "Would like to check blood sugar at home; needs a meter prescription and teaching.",
                 (Step(R.SENT, 9, 14, 0), Step(R.ACCEPTED, 8, 8, 45, by=PROFESSIONAL),
                  Step(R.SCHEDULED, 3, 16, 10, by=PROFESSIONAL, note="Nurse visit to start the meter.")),
                 shared=_CLINICAL, appointment=(4, 14, 30)),
    # Clinics and community services in the directory.
    ReferralPlan("eye_no_show", "maria.hernandez", "promotoras", "hospital_eye_exam",
                 "Diabetic eye exam overdue; blurry vision when reading.",
                 (Step(R.SENT, 40, 11, 30), Step(R.ACCEPTED, 37, 10, 0, note="Hospital scheduling called back."),
                  Step(R.SCHEDULED, 36, 15, 0),
                  Step(R.NO_SHOW, 8, 10, 20, note="Missed: the ride fell through. Rebooking with a volunteer driver.")),
                 shared=_CLINICAL, appointment=(-9, 9, 0)),
    ReferralPlan("pantry_completed", "ana.torres", "promotoras", "despensa",
                 "Running out of food at the end of the month; wants more vegetables.",
                 (Step(R.SENT, 30, 11, 0), Step(R.ACCEPTED, 30, 16, 30, note="The pantry said to come Saturday."),
                  Step(R.COMPLETED, 23, 12, 15, note="Picked up food on Saturday; will go every month."))),
    ReferralPlan("produce_declined", "maria.hernandez", "promotoras", "produce_rx",
                 "Would benefit from fresh vegetables; cost is the barrier.",
                 (Step(R.SENT, 45, 13, 40),
                  Step(R.DECLINED, 41, 10, 5, note="They take referrals from clinic providers only; asked the clinic "
                                                   "to send one.")),
                 shared=(I.NAME_AND_CONTACT, I.CONDITIONS, I.REASON, I.LANGUAGE)),
    ReferralPlan("dental_cancelled", "ana.torres", "promotoras", "smile_dental",
                 "Tooth pain when chewing; no dentist since moving here.",
                 (Step(R.SENT, 50, 10, 0), Step(R.ACCEPTED, 47, 14, 0),
                  Step(R.CANCELLED, 14, 11, 30, note="The clinic closed for renovation; gave the number of the Family "
                                                     "Health Center's dental clinic instead.")),
                 shared=_CLINICAL),
    ReferralPlan("counselling_completed", "linh.nguyen", "telephone", "counselling",
                 "Low mood for months, sleeping badly; would like to talk to a counsellor.",
                 (Step(R.SENT, 90, 17, 10), Step(R.ACCEPTED, 88, 9, 30),
                  Step(R.SCHEDULED, 85, 11, 0, note="First appointment booked."),
                  Step(R.COMPLETED, 78, 18, 20, note="Went to the first session; will keep going every two weeks.")),
                 shared=(I.NAME_AND_CONTACT, I.CONDITIONS, I.REASON), appointment=(-78, 16, 0)),
    ReferralPlan("ymca_scheduled", "james.carter", "coaches", "ymca_fitness",
                 "Wants to build strength safely; worried about sore knees.",
                 (Step(R.SENT, 10, 18, 0), Step(R.ACCEPTED, 8, 12, 0),
                  Step(R.SCHEDULED, 5, 10, 30, note="Orientation with a trainer.")),
                 appointment=(3, 10, 0)),
)  # fmt: skip

# An incoming referral: a clinic's FHIR ServiceRequest that placed someone in a program as "referred".
INCOMING_PROGRAM = "promotoras"
INCOMING_FROM = "Riverside Family Health Center"
INCOMING_REASON = (
    "Newly diagnosed type 2 diabetes, HbA1c 9.1%. Prefers Spanish. Please offer home visits from a promotora."
)


@dataclass(frozen=True)
class LookupPlan:
    """A service shared with a participant of `program`: at a reached contact that served linkage in the last
    90 days (`days_ago` None), or on its own `days_ago` days ago to someone with no other linkage in 30 days."""

    program: str
    service: str
    note: str
    days_ago: int | None = None


LOOKUPS: tuple[LookupPlan, ...] = (
    LookupPlan("online", "riverside_pantry", "Emailed the pantry's hours and address.", 5),
    LookupPlan("online", "walk_with_neighbor", "Sent the walking group's times; may try Thursday.", 12),
    LookupPlan("online", "benefits_snap", "Sent the SNAP help desk's number.", 20),
    LookupPlan("circle", "diabetes_distress_group", "Asked after the circle about a group with a therapist.", 9),
    LookupPlan("telephone", "crisis_line", "Gave the crisis line number to keep on the fridge.", 16),
    LookupPlan("telephone", "farmers_market", "The market doubles SNAP on Saturdays."),
    LookupPlan("telephone", "shared_ride", "Read out how to book the shared ride for the next clinic visit."),
    LookupPlan("coaches", "ymca_fitness", "Shared the YMCA's gentle fitness class times."),
    LookupPlan("promotoras", "despensa", "Le di el horario de la despensa."),
    LookupPlan("promotoras", "casa_benefits", "Le di el número de Casa Latina para renovar Medicaid."),
    LookupPlan("promotoras", "caminando", "Le di el horario del grupo de caminata del martes."),
    LookupPlan("group_visits", "fhc_dsmes", "Gave the diabetes education classes' phone number.", 25),
)
# The `participant` login's own look-up, and a ride for the person who missed their eye exam.
LOGIN_LOOKUP = LookupPlan("coaches", "farmers_market", "Shared the market's times; it takes SNAP.", 30)
NO_SHOW_LOOKUP = LookupPlan("promotoras", "volunteer_rides", "Volunteer ride for the rebooked eye exam.", 8)

# Per-program stall thresholds that differ from the defaults (14 days; 2 when urgent): promotoras navigate
# closely, so their referrals count as stalled sooner.
REFERRAL_SETTINGS: dict[str, tuple[int, int]] = {"promotoras": (10, 2)}
