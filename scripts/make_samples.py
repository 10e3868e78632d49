"""Write the sample notebook in src/causerie/samples/ (our own fictional texts).

    python scripts/make_samples.py [output-folder]

Four short documents, one per kind of source, each fact stated once and plainly so that a
question about it is answered by exactly one passage:

- valmont-library.md       English  a town library's visitor guide (Markdown headings)
- guide-compost.docx       French   a municipal composting guide (Word heading styles)
- lumen-grinder-manual.pdf English  a coffee grinder manual (4 pages)
- atelier-pain.srt         French   transcript of a sourdough baking talk (20 cues)

The output is reproducible: fixed dates inside the PDF and the .docx, fixed zip timestamps.
Needs fpdf2 and python-docx.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

FIXED_DATE = dt.datetime(2024, 1, 15, 9, 0, 0, tzinfo=dt.UTC)
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "src" / "causerie" / "samples"

# --------------------------------------------------------------------------- Markdown (en)

LIBRARY_MD = """\
# Valmont Town Library: Visitor Guide

The Valmont Town Library stands at 14 Linden Street, next to the covered market. Everyone
may come in, read and use the computers; a library card is only needed to borrow.

## Opening hours

From Tuesday to Saturday the library keeps its regular hours:

- Tuesday: 9:00 to 18:00
- Wednesday: 9:00 to 20:00 (late opening)
- Thursday: 9:00 to 18:00
- Friday: 9:00 to 18:00
- Saturday: 9:30 to 17:00

### Sundays

On Sundays the library opens from 10:00 to 14:00. Only the ground-floor reading room and
the loan desk are staffed on Sundays.

### Mondays and public holidays

The library is closed on Mondays and on public holidays. The outdoor return box by the
main door takes books at any hour, every day of the year.

## Borrowing rules

A library card is free for residents of Valmont. People who live elsewhere pay 15 euros a
year for a card.

- You may borrow up to 12 items at the same time.
- Books are lent for 21 days.
- Magazines are lent for 14 days.
- DVDs and video games are lent for 7 days.
- A loan can be renewed twice, at the desk or online, unless another reader has reserved
  the item.

The late fee is 0.25 euros per item for each day after the due date, capped at 10 euros
per item. A lost or damaged item is charged at its replacement price plus a 5 euro handling
fee.

## The makerspace

The makerspace is on the first floor, in room 1.04. It holds two 3D printers, a laser
cutter, three sewing machines and a vinyl cutter.

Makerspace sessions are booked in slots of 2 hours, at most 2 slots per person per week,
at the loan desk or on the library website. Printing filament costs 0.10 euros per gram.

Before using the laser cutter, every member must attend a 45-minute safety induction,
held on the first Saturday of each month at 10:00. Children under 14 may use the
makerspace only with an adult.

## Wi-Fi

The free wireless network is called ValmontLibrary-Guest and has no password. After
connecting, accept the terms of use on the welcome page. A Wi-Fi session lasts 4 hours;
you can then log in again.

Laptops can print to the public printer by sending the file to print@valmont-library.example;
black-and-white pages cost 0.10 euros each.
"""

# --------------------------------------------------------------------------- subtitles (fr)

BREAD_CUES = [
    "Bonjour à toutes et à tous, et bienvenue à l'atelier pain de la Maison des Savoirs.",
    "Aujourd'hui, nous allons faire ensemble un pain au levain, de la farine jusqu'au four.",
    "On commence par le levain : il faut le rafraîchir de quatre à six heures avant de pétrir.",
    "Un levain prêt est bombé, plein de bulles, et il sent légèrement le yaourt.",
    "Pour la recette, je prends un kilo de farine de blé T80.",
    "Notre pâte a une hydratation de 70 %, c'est-à-dire 700 grammes d'eau pour un kilo de farine.",
    "On ajoute 200 grammes de levain, soit 20 % du poids de la farine.",
    "Le sel, c'est 20 grammes, donc 2 % du poids de la farine.",
    "On mélange la farine et l'eau, et on laisse reposer une heure : c'est l'autolyse.",
    "Ensuite on ajoute le levain et le sel, et on pétrit doucement pendant cinq minutes.",
    "Pendant les deux premières heures, on fait une série de rabats toutes les trente minutes.",
    "La pâte lève ensuite à température ambiante jusqu'à gagner environ la moitié de son volume.",
    "Au façonnage, on serre la boule sans la déchirer, puis on la pose dans un panier fariné.",
    "L'apprêt se fait au réfrigérateur : 12 heures à 4 °C.",
    "Ce long apprêt au froid donne plus de goût et une croûte qui cloque joliment.",
    "Le four doit être préchauffé à 250 °C, avec la cocotte en fonte à l'intérieur.",
    "On grigne le pain avec une lame, juste avant de l'enfourner.",
    "Cuisson : vingt minutes avec le couvercle, puis on l'enlève et on baisse à 230 °C "
    "pour vingt-cinq minutes.",
    "Le pain est cuit quand il sonne creux si l'on tape sous la croûte.",
    "Enfin, attendez une heure avant de le couper : la mie finit de cuire en refroidissant.",
]


def srt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def bread_srt() -> str:
    blocks = []
    start = 2.0
    for index, text in enumerate(BREAD_CUES, start=1):
        duration = 3.0 + len(text) / 18  # about the pace of speech
        end = start + duration
        blocks.append(f"{index}\n{srt_time(start)} --> {srt_time(end)}\n{text}\n")
        start = end + 0.5
    return "\n".join(blocks)


# --------------------------------------------------------------------------- Word (fr)

COMPOST_TITLE = "Guide du compostage à domicile"
COMPOST_INTRO = (
    "La Ville de Valmont encourage chaque foyer à composter ses déchets de cuisine et de "
    "jardin. Un tiers du contenu de nos poubelles peut devenir un engrais naturel."
)
COMPOST_SECTIONS: list[tuple[str, list[str], list[str]]] = [
    (
        "Ce qui va dans le composteur",
        ["On peut composter les déchets suivants :"],
        [
            "les épluchures de fruits et de légumes ;",
            "le marc de café avec son filtre en papier, et les sachets de thé ;",
            "les coquilles d'œufs écrasées ;",
            "les feuilles mortes et les petites branches broyées ;",
            "la tonte de gazon, en couches fines ;",
            "le carton brun non imprimé, déchiré en morceaux.",
        ],
    ),
    (
        "Ce qui ne va pas dans le composteur",
        ["Ne mettez jamais ces déchets dans le composteur :"],
        [
            "la viande, le poisson et les os ;",
            "les produits laitiers et les huiles de cuisson ;",
            "la litière des chats et les excréments d'animaux ;",
            "les plantes malades et les mauvaises herbes montées en graines ;",
            "les cendres de charbon de barbecue ;",
            "les sacs dits biodégradables, qui se décomposent trop lentement.",
        ],
    ),
    (
        "Combien de temps faut-il ?",
        [
            "Un compost mûr s'obtient en 6 à 9 mois. Il est prêt quand il est sombre, "
            "grumeleux et qu'il sent l'humus de la forêt.",
            "Pour aller plus vite, retournez le tas toutes les 2 à 3 semaines et gardez-le "
            "humide comme une éponge essorée.",
        ],
        [],
    ),
    (
        "Le composteur offert par la Ville",
        [
            "La Ville offre gratuitement un composteur en bois de 400 litres à chaque foyer "
            "de Valmont, à raison d'un composteur par foyer.",
            "Pour le recevoir, inscrivez-vous à l'accueil de la mairie ou sur le site de la "
            "Ville, puis suivez un atelier de prise en main de 30 minutes.",
            "Le composteur se retire au centre technique municipal, 3 rue des Artisans, le "
            "premier mercredi de chaque mois, de 14 h à 18 h.",
        ],
        [],
    ),
]
COMPOST_TABLE = [
    ("Matières vertes (azote)", "Matières brunes (carbone)"),
    ("épluchures, tonte de gazon, marc de café", "feuilles mortes, carton brun, broyat"),
]
COMPOST_TABLE_NOTE = (
    "Le bon mélange compte deux volumes de matières brunes pour un volume de matières vertes."
)


def compost_docx() -> bytes:
    import docx

    document = docx.Document()
    properties = document.core_properties
    properties.title = COMPOST_TITLE
    properties.author = "Ville de Valmont"
    properties.language = "fr-FR"
    properties.created = FIXED_DATE.replace(tzinfo=None)
    properties.modified = FIXED_DATE.replace(tzinfo=None)
    properties.last_modified_by = "Ville de Valmont"
    properties.revision = 1
    document.add_heading(COMPOST_TITLE, level=0)
    document.add_paragraph(COMPOST_INTRO)
    for heading, paragraphs, items in COMPOST_SECTIONS:
        document.add_heading(heading, level=1)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
        for item in items:
            document.add_paragraph(item, style="List Bullet")
    document.add_heading("Le bon équilibre", level=1)
    table = document.add_table(rows=len(COMPOST_TABLE), cols=2)
    for row, values in zip(table.rows, COMPOST_TABLE, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph(COMPOST_TABLE_NOTE)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip_dates(buffer.getvalue())


def _fixed_zip_dates(data: bytes) -> bytes:
    """Rewrite a zip with the same entries, in the same order, at a fixed timestamp."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=(2024, 1, 15, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(entry.filename))
    return output.getvalue()


# --------------------------------------------------------------------------- PDF (en)

GRINDER_PAGES: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Lumen Grinder L40 - Owner's Manual",
        [
            (
                "About your grinder",
                "Thank you for choosing the Lumen Grinder L40, a conical burr grinder for "
                "home use. Read this manual before the first use and keep it for later.",
            ),
            (
                "The grind dial",
                "The grind dial has 40 settings. Setting 1 is the finest grind and setting "
                "40 is the coarsest. Turn the dial only while the motor is running, so "
                "that no beans are trapped between the burrs.",
            ),
            (
                "Safety",
                "Unplug the grinder before you open the bean hopper or remove the burrs. "
                "Never put your fingers into the grinding chamber. Grind coffee beans only.",
            ),
        ],
    ),
    (
        "Grind settings for concentrated coffee",
        [
            (
                "Espresso",
                "For espresso, use grind settings 3 to 8. Start at setting 5; if the shot "
                "runs faster than 25 seconds, move one setting finer.",
            ),
            (
                "Moka pot",
                "For a stovetop moka pot, use grind settings 10 to 14. The coffee should "
                "feel like fine table salt.",
            ),
            (
                "AeroPress",
                "For the AeroPress, use grind settings 12 to 18, with a steeping time of "
                "one to two minutes.",
            ),
        ],
    ),
    (
        "Grind settings for filter and immersion coffee",
        [
            (
                "Pour-over",
                "For pour-over cones such as the V60, use grind settings 18 to 24.",
            ),
            (
                "Chemex",
                "For a Chemex, which has a thicker paper filter, use grind settings 24 to 28.",
            ),
            (
                "French press",
                "For a French press, use grind settings 30 to 36 and let the coffee steep "
                "for four minutes.",
            ),
            (
                "Cold brew",
                "For cold brew, use the coarsest grind settings, 36 to 40, and steep the "
                "coffee in cold water for 16 hours in the refrigerator.",
            ),
        ],
    ),
    (
        "Care and warranty",
        [
            (
                "Cleaning",
                "Clean the burrs every 2 weeks. Unplug the grinder, empty the hopper, lift "
                "out the upper burr and brush both burrs with the supplied brush. Never "
                "wash the burrs with water and never use rice to clean the grinder.",
            ),
            (
                "Warranty",
                "The Lumen Grinder L40 carries a warranty of 3 years from the date of "
                "purchase. The warranty covers the motor and the burrs. It does not cover "
                "damage caused by grinding anything other than coffee beans.",
            ),
            (
                "Customer service",
                "To make a warranty claim, keep your receipt and write to "
                "support@lumen-grinders.example with the serial number printed under the "
                "base.",
            ),
        ],
    ),
]


def grinder_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title("Lumen Grinder L40 - Owner's Manual")
    pdf.set_author("Lumen Grinders")
    pdf.set_auto_page_break(auto=True, margin=20)
    for page_title, blocks in GRINDER_PAGES:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 18)
        pdf.multi_cell(0, 10, page_title, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        for heading, body in blocks:
            pdf.set_font("Helvetica", "B", 13)
            pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    return bytes(pdf.output())


# --------------------------------------------------------------------------- main


def write_samples(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    outputs = {
        "valmont-library.md": LIBRARY_MD.encode("utf-8"),
        "guide-compost.docx": compost_docx(),
        "lumen-grinder-manual.pdf": grinder_pdf(),
        "atelier-pain.srt": bread_srt().encode("utf-8"),
    }
    written = []
    for name, data in outputs.items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    for path in write_samples(folder):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
