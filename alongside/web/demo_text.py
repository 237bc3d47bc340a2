"""Words for the demo data: names, places, topics, notes and concern reasons (no Faker: small lists,
drawn with a seeded random.Random so every run produces the same people)."""

from __future__ import annotations

SPANISH_WOMEN = (
    "María", "Guadalupe", "Rosa", "Carmen", "Ana", "Lucía", "Elena", "Sofía", "Isabel", "Teresa", "Yolanda",
    "Marisol", "Patricia", "Verónica", "Adriana", "Alejandra", "Beatriz", "Claudia", "Dolores", "Esperanza",
    "Gabriela", "Juana", "Leticia", "Norma", "Silvia", "Mercedes", "Consuelo", "Rocío",
)  # fmt: skip
SPANISH_MEN = (
    "José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "Francisco", "Manuel", "Pedro", "Ramón", "Alejandro",
    "Raúl", "Héctor", "Javier", "Arturo", "Enrique", "Roberto", "Fernando", "Sergio", "Rafael", "Ernesto",
)  # fmt: skip
SPANISH_FAMILY = (
    "García", "Martínez", "Rodríguez", "López", "Hernández", "González", "Pérez", "Sánchez", "Ramírez", "Torres",
    "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz", "Ortiz", "Gutiérrez", "Chávez", "Ramos",
    "Mendoza", "Castillo", "Vargas", "Romero", "Herrera", "Medina", "Aguilar", "Vega", "Castro", "Delgado",
    "Fuentes", "Salazar", "Espinoza",
)  # fmt: skip
ENGLISH_WOMEN = (
    "Linda", "Barbara", "Dorothy", "Gloria", "Denise", "Sharon", "Karen", "Brenda", "Tanya", "Angela",
    "Michelle", "Latoya", "Tamika", "Yvonne", "Joyce", "Helen", "Janet", "Ruth", "Diane", "Carol", "Debra",
    "Grace", "Mei", "Priya", "Aisha", "Fatima", "Nkechi", "Olga", "Irene", "Martha", "Shirley", "Wanda",
    "Jasmine", "Crystal", "Monique", "Rachel", "Susan", "Bernadette", "Loretta", "Hye-jin",
)  # fmt: skip
ENGLISH_MEN = (
    "James", "Robert", "Michael", "William", "David", "Richard", "Charles", "Joseph", "Thomas", "Daniel",
    "Anthony", "Donald", "Kenneth", "Ronald", "Gary", "Larry", "Dennis", "Curtis", "Darnell", "Tyrone",
    "Andre", "Marcus", "Reginald", "Earl", "Leon", "Vernon", "Hiroshi", "Wei", "Raj", "Samir", "Tunde",
    "Kwame", "Ivan", "Stanley", "Harold", "Eugene", "Gerald", "Raymond",
)  # fmt: skip
ENGLISH_FAMILY = (
    "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas",
    "Moore", "Jackson", "White", "Harris", "Martin", "Thompson", "Robinson", "Clark", "Lewis", "Walker",
    "Hall", "Allen", "Young", "King", "Wright", "Scott", "Baker", "Adams", "Nelson", "Mitchell", "Campbell",
    "Roberts", "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murphy",
    "Cook", "Rogers", "Okafor", "Nguyen", "Chen", "Patel", "Kim", "Kowalski", "O'Brien", "Sullivan",
    "Washington", "Jefferson", "Bennett", "Price", "Hughes", "Foster", "Haddad", "Mensah", "Novak",
)  # fmt: skip

# Neighbourhoods of the fictional town of Riverside.
LOCALITIES = (
    "Eastside", "Mill Creek", "Northgate", "Old Town", "Riverbend", "Southport", "Harbor View", "Westfield",
    "Oak Hill", "Lakeside", "Cedar Park", "Fairmount",
)  # fmt: skip

# E.164 numbers in the 555-0100..0199 block, which is reserved for fiction yet valid to libphonenumber.
PHONE_AREA_CODES = ("215", "267", "484", "610")

BEST_TIME_NOTES = (
    "After 6 pm; works days at the bakery.",
    "Not on Sundays (church).",
    "Call the landline first, then the cell.",
    "Mornings before dialysis on Tuesdays and Thursdays.",
    "Daughter helps with the phone in the evenings.",
    "Prefers WhatsApp-style short texts.",
    "Night shifts: never before noon.",
)

# Short topic phrases for each activity; a contact's topics line is drawn from its activities.
TOPICS: dict[str, tuple[str, ...]] = {
    "diet": ("portion sizes", "reading food labels", "cooking for the family", "holiday meals", "cutting soda"),
    "physical_activity": ("walking after dinner", "chair exercises", "walking group at the park", "step counts"),
    "medicines": ("metformin timing", "pill organiser", "refills", "side effects to ask about"),
    "self_monitoring": ("glucose log", "blood pressure readings", "weight log", "when to check glucose"),
    "problem_solving": ("barriers to walking", "eating out", "night-time snacking", "cost of test strips"),
    "action_plan": ("weekly action plan", "reviewing last week's plan", "making the plan smaller"),
    "foot_care": ("daily foot checks", "shoes that fit", "foot exam booked"),
    "listening": ("a hard week", "feeling overwhelmed", "worries about the future"),
    "encouragement": ("progress since last month", "lower A1c", "kept the walking going"),
    "coping": ("stress at work", "diabetes distress", "sleep and worry"),
    "isolation": ("living alone", "meeting others in the group", "getting out of the house"),
    "family": ("family meals", "support from a spouse", "caring for grandchildren"),
    "clinical_referral": ("referral to the nurse", "eye exam referral", "podiatry referral"),
    "community_resource": ("food pantry", "free exercise class", "transport vouchers", "utility assistance"),
    "navigation": ("insurance renewal", "finding a primary care doctor", "pharmacy assistance program"),
    "appointment_support": ("appointment reminder", "ride to the clinic", "A1c test due"),
    "questions_for_clinician": ("questions for the doctor", "what to ask about the new medicine"),
    "proactive_check_in": ("regular check-in",),
    "follow_up_plan": ("next call agreed",),
    "re_engagement": ("getting back in touch after a gap",),
    "maintenance": ("keeping habits going",),
}

REACHED_NOTES = (
    "Sounded in good spirits; most readings in range this week.",
    "Talked through what got in the way last week and what could work instead.",
    "Mostly listened; it was a hard week at home.",
    "Went over the glucose log together; fasting readings coming down.",
    "Discussed the upcoming clinic visit and wrote down questions.",
    "Celebrated three weeks of walking after dinner.",
    "Shared tips from other participants about eating out.",
)
UNREACHED_NOTES: dict[str, tuple[str, ...]] = {
    "no_answer": ("No answer.", "No answer; will try again in two days.", "Rang out, no voicemail set up."),
    "left_message": ("Left a voicemail with my call-back times.", "Left a message with a family member."),
    "wrong_number": ("Number reached someone else; asked the coordinator to check the record.",),
    "declined": ("Picked up but not a good time; asked to call next week.", "Said today is not a good day for a call."),
}

PAUSE_REASONS = (
    "Hip surgery; resume in about six weeks.",
    "Travelling to family in Puerto Rico for two months.",
    "Caring for a sick parent; asked for a break.",
    "Started a new job with long hours; will call when settled.",
)
WITHDRAWAL_REASONS = (
    "Moved out of the area.",
    "Too busy with work and family.",
    "Prefers to manage on their own now.",
    "Joined a program at her own clinic instead.",
)
LOST_REASONS = (
    "No answer to four calls and a letter over three weeks.",
    "Phone disconnected; no answer at the address on file.",
)
