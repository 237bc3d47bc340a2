"""A ready-made email program: "Weekly tips for 12 weeks", short practical diabetes self-management tips in
English and Spanish. Coordinators start from it and change anything (it is copied, not linked)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultSequence:
    name: str
    functions: tuple[str, ...]
    steps: tuple[tuple[int, str, str], ...]  # (days after start, subject, body)


def _steps(tips: list[tuple[str, str]], greeting: str, footer: str) -> tuple[tuple[int, str, str], ...]:
    return tuple((7 * week, subject, f"{greeting}\n\n{tip}\n\n{footer}") for week, (subject, tip) in enumerate(tips))


ENGLISH_TIPS = [
    (
        "Week 1: one small step",
        "Pick one small change you are sure you can make this week, like a 10-minute walk after dinner on "
        "three days. Small plans you keep beat big plans you drop.",
    ),
    (
        "Week 2: know your numbers",
        "Write down your blood sugar readings with the time and what you ate. Bring the notes to your next "
        "visit: patterns help your care team more than single numbers.",
    ),
    (
        "Week 3: half a plate of vegetables",
        "Fill half your plate with vegetables, a quarter with protein and a quarter with starch. No weighing "
        "needed: the plate does the measuring.",
    ),
    (
        "Week 4: move a little, often",
        "Sitting for long stretches raises blood sugar. Stand up and move for a few minutes every half hour, "
        "even during TV adverts.",
    ),
    (
        "Week 5: medicines on time",
        "Tie your medicines to something you do every day, like brushing your teeth. A weekly pill box makes "
        "a missed dose easy to spot.",
    ),
    (
        "Week 6: look at your feet",
        "Check your feet every day for cuts, blisters or colour changes. If something does not heal in a few "
        "days, call your clinic.",
    ),
    (
        "Week 7: drinks count",
        "Sweet drinks raise blood sugar fast. Try water, sparkling water with lemon, or unsweetened tea instead.",
    ),
    (
        "Week 8: know the signs of low sugar",
        "Shaking, sweating or confusion can mean low blood sugar. Keep glucose tablets or juice with you, and "
        "tell someone close what to do.",
    ),
    (
        "Week 9: sleep and stress",
        "Poor sleep and stress can raise blood sugar. A regular bedtime and a few slow breaths when you feel "
        "tense both help.",
    ),
    (
        "Week 10: you are not alone",
        "Living with diabetes is easier with company. Talk to your peer supporter, a friend or a group about "
        "what is hard this week.",
    ),
    (
        "Week 11: plan for the hard days",
        "Think ahead about a day that throws you off (a party, a trip, a busy shift) and decide one thing you "
        "will do to stay on track.",
    ),
    (
        "Week 12: keep going",
        "Look back at what worked in these 12 weeks and keep one or two habits. Ask your care team about your "
        "next check-up and A1C test.",
    ),
]

SPANISH_TIPS = [
    (
        "Semana 1: un paso pequeño",
        "Elija un cambio pequeño que esté seguro de poder hacer esta semana, como caminar 10 minutos después "
        "de cenar tres días. Un plan pequeño que se cumple vale más que uno grande que se abandona.",
    ),
    (
        "Semana 2: conozca sus números",
        "Anote sus niveles de azúcar con la hora y lo que comió. Lleve las notas a su próxima cita: los "
        "patrones ayudan más a su equipo de salud que un solo número.",
    ),
    (
        "Semana 3: medio plato de verduras",
        "Llene la mitad del plato con verduras, un cuarto con proteína y un cuarto con almidón. No hace falta "
        "pesar: el plato mide por usted.",
    ),
    (
        "Semana 4: muévase poco y seguido",
        "Estar sentado mucho tiempo sube el azúcar. Levántese y muévase unos minutos cada media hora, incluso "
        "durante los anuncios de la tele.",
    ),
    (
        "Semana 5: medicinas a tiempo",
        "Una sus medicinas a algo que hace cada día, como lavarse los dientes. Un pastillero semanal le ayuda "
        "a ver si olvidó una dosis.",
    ),
    (
        "Semana 6: revise sus pies",
        "Mire sus pies cada día por si hay cortaduras, ampollas o cambios de color. Si algo no sana en pocos "
        "días, llame a su clínica.",
    ),
    (
        "Semana 7: las bebidas cuentan",
        "Las bebidas dulces suben el azúcar muy rápido. Pruebe agua, agua mineral con limón o té sin azúcar.",
    ),
    (
        "Semana 8: señales de azúcar baja",
        "Temblor, sudor o confusión pueden ser azúcar baja. Lleve tabletas de glucosa o jugo consigo y "
        "explique a alguien cercano qué hacer.",
    ),
    (
        "Semana 9: sueño y estrés",
        "Dormir mal y el estrés pueden subir el azúcar. Acostarse a la misma hora y respirar despacio cuando "
        "se sienta tenso le ayudan.",
    ),
    (
        "Semana 10: no está solo",
        "Vivir con diabetes es más fácil acompañado. Hable con su compañero de apoyo, un amigo o un grupo "
        "sobre lo que le cuesta esta semana.",
    ),
    (
        "Semana 11: prepárese para los días difíciles",
        "Piense en un día que le saca de su rutina (una fiesta, un viaje, un turno largo) y decida una cosa "
        "que hará para seguir su plan.",
    ),
    (
        "Semana 12: siga adelante",
        "Repase lo que le funcionó en estas 12 semanas y conserve uno o dos hábitos. Pregunte a su equipo de "
        "salud por su próximo control y prueba de A1C.",
    ),
]

DEFAULTS: dict[str, DefaultSequence] = {
    "en": DefaultSequence(
        name="Weekly tips for 12 weeks",
        functions=("daily_management", "ongoing"),
        steps=_steps(
            ENGLISH_TIPS,
            "Hello {{ first_name }},",
            "Your peer support team\n\nTo stop these emails: {{ unsubscribe_url }}",
        ),
    ),
    "es": DefaultSequence(
        name="Consejos semanales durante 12 semanas",
        functions=("daily_management", "ongoing"),
        steps=_steps(
            SPANISH_TIPS,
            "Hola, {{ first_name }}:",
            "Su equipo de apoyo entre pares\n\nPara dejar de recibir estos correos: {{ unsubscribe_url }}",
        ),
    ),
}
