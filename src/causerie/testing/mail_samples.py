"""A fictional mailbox for the mail assistant's tests and benchmark (bench/mail_bench.py):
31 messages in French and English, written for Causerie (no third-party text), with the
answers a person would give written by hand next to it (EXPECTED).

    messages = fictional_mailbox()           # [EmailMessage], oldest first
    write_mbox(messages, path)               # or write_maildir(messages, folder)
    EXPECTED.threads, EXPECTED.action_items  # the hand list the benchmark scores against

The owner is Claire Dubois <claire@atelier-lumen.fr>, a freelance designer. In it: a deadline
renegotiated (vendredi prochain -> le 13 mars), a quoted-printable message, an HTML-only
newsletter, a reply whose client dropped In-Reply-To and References (threaded by subject), a
message in ISO-8859-1, multipart/alternative, a PDF attachment, quoted replies and signatures.
"""

from __future__ import annotations

import mailbox
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

ME = "claire@atelier-lumen.fr"
CLAIRE = ("Claire Dubois", ME)
PAUL = ("Paul Martin", "paul@boulangerie-martin.fr")
SARAH = ("Sarah Lee", "sarah@northwind.example")
TOM = ("Tom Becker", "tom@northwind.example")
PRINT = ("PrintShop Accounts", "accounts@printshop.example")
DESIGNMAG = ("La lettre du design", "lettre@designmag.example")
JULIEN = ("Julien Roy", "julien@collectif-graphique.fr")
MARCO = ("Marco Rossi", "marco@rossi-photo.example")
HELENE = ("Hélène Morel", "helene.morel@jardins-saone.fr")
ANNA = ("Anna Novak", "anna@designdays.example")
TIPS = ("Figma Weekly Tips", "tips@weeklytips.example")
SOPHIE = ("Sophie Petit", "sophie.petit@librairie-petit.fr")
DAN = ("Dan Okafor", "dan@studio-okafor.example")

_PARIS = timezone(timedelta(hours=1))


def _when(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=_PARIS)


@dataclass(frozen=True)
class Mail:
    key: str  # short name: "A1"
    sender: tuple[str, str]
    to: tuple[tuple[str, str], ...]
    when: datetime
    subject: str
    body: str
    reply_to: str | None = None  # key of the message replied to (In-Reply-To + References)
    cc: tuple[tuple[str, str], ...] = ()
    headers_dropped: bool = False  # a client that drops In-Reply-To / References
    html_only: bool = False
    html: str | None = None  # an HTML alternative to the text
    charset: str = "utf-8"
    transfer: str | None = None  # "quoted-printable" / "base64"
    bulk: bool = False
    attachment: tuple[str, bytes] | None = None


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def _tiny_pdf(text: str) -> bytes:
    """A one-page PDF holding `text` (Helvetica, no compression), written by hand."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


MAILS: tuple[Mail, ...] = (
    # --- A: FR, a deadline renegotiated (vendredi prochain = 6 March -> 13 March), then a new one
    Mail(
        "A1",
        PAUL,
        (CLAIRE,),
        _when(2, 9, 14),
        "Maquettes du site de la boulangerie",
        "Bonjour Claire,\n\nPouvez-vous nous envoyer les maquettes de la page d'accueil "
        "avant vendredi prochain ? Le budget validé par la direction est de 2 400 euros.\n\n"
        "Cordialement,\nPaul Martin\nBoulangerie Martin\n04 72 00 11 22",
    ),
    Mail(
        "A2",
        CLAIRE,
        (PAUL,),
        _when(3, 10, 5),
        "Re: Maquettes du site de la boulangerie",
        "Bonjour Paul,\n\nMerci pour votre message. Je ne pourrai pas tenir vendredi : je "
        "propose de livrer les maquettes le 13 mars.\n\nBien à vous,\nClaire\n\n-- \n"
        "Claire Dubois · Atelier Lumen · 06 11 22 33 44",
        reply_to="A1",
    ),
    Mail(
        "A3",
        PAUL,
        (CLAIRE,),
        _when(4, 8, 40),
        "Re: Maquettes du site de la boulangerie",
        "Bonjour Claire,\n\nD'accord pour le 13 mars. Merci de prévoir aussi une version "
        "mobile des maquettes.\n\nCordialement,\nPaul",
        reply_to="A2",
    ),
    Mail(
        "A4",
        PAUL,
        (CLAIRE,),
        _when(10, 16, 2),
        "Re: Maquettes du site de la boulangerie",
        "Bonjour Claire,\n\nPetite précision : notre imprimeur a besoin des fichiers du logo "
        "au plus tard le mercredi 18 mars. Pouvez-vous nous les envoyer ?\n\n"
        "Cordialement,\nPaul",
        reply_to="A3",
    ),
    # --- B: EN, a workshop; a reply in ISO-8859-1; a PDF quote attached
    Mail(
        "B1",
        SARAH,
        (CLAIRE,),
        _when(5, 11, 30),
        "Design workshop in Lyon",
        "Hi Claire,\n\nWe'd like you to run our design workshop on April 14 in Lyon. Could "
        "you send us your quote by next Wednesday?\n\nBest,\nSarah\nNorthwind Events",
        cc=(TOM,),
    ),
    Mail(
        "B2",
        CLAIRE,
        (SARAH,),
        _when(6, 9, 12),
        "Re: Design workshop in Lyon",
        "Hi Sarah,\n\nHappy to! I'll send the quote by Wednesday. How many people will "
        "attend?\n\nBest regards,\nClaire",
        reply_to="B1",
        cc=(TOM,),
    ),
    Mail(
        "B3",
        SARAH,
        (CLAIRE,),
        _when(9, 14, 0),
        "Re: Design workshop in Lyon",
        "Hi Claire,\n\nAbout 25 people. Tom will book the room.\n\nBest,\nSarah",
        reply_to="B2",
        cc=(TOM,),
    ),
    Mail(
        "B4",
        TOM,
        (SARAH, CLAIRE),
        _when(9, 17, 45),
        "Re: Design workshop in Lyon",
        "Hello,\n\nThe room at Café Müller is booked for the whole day, coffee included.\n\nTom",
        reply_to="B3",
        charset="iso-8859-1",
    ),
    Mail(
        "B5",
        CLAIRE,
        (SARAH,),
        _when(11, 10, 20),
        "Re: Design workshop in Lyon",
        "Hi Sarah,\n\nPlease find my quote attached: 1,800 EUR for the day, materials "
        "included.\n\nBest regards,\nClaire",
        reply_to="B4",
        cc=(TOM,),
        attachment=(
            "quote-northwind.pdf",
            _tiny_pdf("Quote for Northwind Events: design workshop, 1800 EUR."),
        ),
    ),
    # --- C: EN, quoted-printable, a payment reminder
    Mail(
        "C1",
        PRINT,
        (CLAIRE,),
        _when(12, 8, 0),
        "Invoice 2026-014 is overdue",
        "Dear Ms Dubois,\n\nOur records show that invoice 2026-014 (340.00 €) for the "
        "printing of your business cards is still unpaid. Could you settle it within 10 days? "
        "If you have already paid, please ignore this reminder.\n\nRegards,\nAccounts team\n"
        "PrintShop",
        transfer="quoted-printable",
    ),
    # --- D: FR newsletter, HTML only (two issues)
    Mail(
        "D1",
        DESIGNMAG,
        (CLAIRE,),
        _when(1, 7, 0),
        "La lettre du design — mars 2026",
        "",
        html_only=True,
        bulk=True,
        html="<html><body><h1>La lettre du design</h1><p>Ce mois-ci : les typographies "
        "variables et le retour des couleurs pastel.</p><p><a href='https://designmag.example/"
        "desabonnement'>Se désabonner</a></p></body></html>",
    ),
    Mail(
        "D2",
        DESIGNMAG,
        (CLAIRE,),
        _when(15, 7, 0),
        "La lettre du design — édition spéciale",
        "",
        html_only=True,
        bulk=True,
        html="<html><body><h1>Édition spéciale</h1><p>Notre dossier sur l'accessibilité "
        "des sites de commerce de proximité.</p></body></html>",
    ),
    # --- E: FR, tu, a lunch
    Mail(
        "E1",
        JULIEN,
        (CLAIRE,),
        _when(9, 18, 30),
        "Déjeuner jeudi ?",
        "Salut Claire,\n\nOn déjeune ensemble jeudi ? Tu es dispo ?\n\nJulien",
    ),
    Mail(
        "E2",
        CLAIRE,
        (JULIEN,),
        _when(9, 19, 2),
        "Re: Déjeuner jeudi ?",
        "Salut Julien,\n\nOui, avec plaisir ! Midi et demi au Café des Arts ?\n\n"
        "À bientôt,\nClaire",
        reply_to="E1",
    ),
    Mail(
        "E3",
        JULIEN,
        (CLAIRE,),
        _when(10, 8, 15),
        "Re: Déjeuner jeudi ?",
        "Parfait, à jeudi !\n\nJulien",
        reply_to="E2",
    ),
    # --- F: EN, a reply without In-Reply-To / References (subject fallback)
    Mail(
        "F1",
        MARCO,
        (CLAIRE,),
        _when(13, 15, 0),
        "Photo shoot schedule",
        "Hi Claire,\n\nThe photo shoot for the bakery catalogue is planned for Tuesday "
        "March 24. Can you be there at 9am?\n\nCheers,\nMarco",
    ),
    Mail(
        "F2",
        CLAIRE,
        (MARCO,),
        _when(13, 17, 30),
        "Re: Photo shoot schedule",
        "Hi Marco,\n\nYes, I'll be there at 9am.\n\nBest regards,\nClaire",
        headers_dropped=True,
    ),
    Mail(
        "F3",
        MARCO,
        (CLAIRE,),
        _when(14, 9, 10),
        "Re: Photo shoot schedule",
        "Great, see you then. Please bring the printed moodboard.\n\nMarco",
        reply_to="F2",
    ),
    # --- G: FR, vous, a quote request with a signature block
    Mail(
        "G1",
        HELENE,
        (CLAIRE,),
        _when(11, 14, 20),
        "Devis pour une identité visuelle",
        "Madame Dubois,\n\nNous souhaiterions un devis pour une identité visuelle complète "
        "(logo, charte graphique et cartes de visite). Pourriez-vous nous le faire parvenir "
        "d'ici le 20 mars ?\n\nBien cordialement,\nHélène Morel\nDirectrice, Les Jardins de "
        "Saône\n04 78 12 34 56\nhelene.morel@jardins-saone.fr",
    ),
    Mail(
        "G2",
        CLAIRE,
        (HELENE,),
        _when(12, 9, 0),
        "Re: Devis pour une identité visuelle",
        "Madame Morel,\n\nMerci pour votre demande. Je vous envoie le devis d'ici le 20 mars. "
        "Pourriez-vous me préciser le nombre de cartes de visite ?\n\nBien à vous,\n"
        "Claire Dubois",
        reply_to="G1",
    ),
    Mail(
        "G3",
        HELENE,
        (CLAIRE,),
        _when(12, 11, 45),
        "Re: Devis pour une identité visuelle",
        "Bonjour,\n\nIl nous faudrait 500 cartes. Merci !\n\nHélène Morel",
        reply_to="G2",
    ),
    # --- I: EN, multipart/alternative, a talk
    Mail(
        "I1",
        ANNA,
        (CLAIRE,),
        _when(16, 10, 0),
        "Talk at DesignDays",
        "Hi Claire,\n\nWould you give a 20-minute talk at DesignDays on May 6? Let us know by "
        "March 27.\n\nKind regards,\nAnna Novak",
        html="<p>Hi Claire,</p><p>Would you give a <b>20-minute talk</b> at DesignDays on "
        "May 6? Let us know by March 27.</p><p>Kind regards,<br>Anna Novak</p>",
    ),
    Mail(
        "I2",
        CLAIRE,
        (ANNA,),
        _when(16, 12, 30),
        "Re: Talk at DesignDays",
        "Hi Anna,\n\nI'd love to. I'll confirm the topic by March 20.\n\nBest regards,\nClaire",
        reply_to="I1",
    ),
    Mail(
        "I3",
        ANNA,
        (CLAIRE,),
        _when(17, 9, 5),
        "Re: Talk at DesignDays",
        "Wonderful! Could you also send us a short bio (100 words) and a photo?\n\n"
        "Kind regards,\nAnna",
        reply_to="I2",
    ),
    # --- J: EN newsletter, plain text (two issues)
    Mail(
        "J1",
        TIPS,
        (CLAIRE,),
        _when(4, 6, 0),
        "Figma tips #41: auto layout",
        "This week: five auto layout tricks for responsive cards.\n\nUnsubscribe: "
        "https://weeklytips.example/u",
        bulk=True,
    ),
    Mail(
        "J2",
        TIPS,
        (CLAIRE,),
        _when(11, 6, 0),
        "Figma tips #42: variables",
        "This week: variables for light and dark themes.\n\nUnsubscribe: "
        "https://weeklytips.example/u",
        bulk=True,
    ),
    # --- K: FR, I asked for a payment: waiting on others
    Mail(
        "K1",
        CLAIRE,
        (SOPHIE,),
        _when(6, 15, 0),
        "Facture 2026-009",
        "Bonjour Madame Petit,\n\nSauf erreur de ma part, la facture 2026-009 de 950 euros "
        "reste impayée. Pourriez-vous me dire quand le virement sera fait ?\n\n"
        "Bien à vous,\nClaire Dubois",
    ),
    Mail(
        "K2",
        SOPHIE,
        (CLAIRE,),
        _when(9, 10, 0),
        "Re: Facture 2026-009",
        "Bonjour,\n\nLe virement partira lundi prochain.\n\nCordialement,\nSophie Petit\n"
        "Librairie Petit",
        reply_to="K1",
    ),
    Mail(
        "K3",
        CLAIRE,
        (SOPHIE,),
        _when(9, 11, 0),
        "Re: Facture 2026-009",
        "Merci beaucoup !\n\nBonne journée,\nClaire",
        reply_to="K2",
    ),
    # --- L: EN, I am in Cc only: for information
    Mail(
        "L1",
        DAN,
        (("Studio team", "team@studio-okafor.example"),),
        _when(18, 9, 0),
        "Portfolio review moved",
        "Team,\n\nThe portfolio review moves to Friday March 27 "
        "at 3pm, room 2. Nothing is needed from our external reviewers.\n\nDan",
        cc=(CLAIRE,),
    ),
    Mail(
        "L2",
        DAN,
        (("Studio team", "team@studio-okafor.example"),),
        _when(19, 9, 0),
        "Re: Portfolio review moved",
        "Reminder: printed copies for the team only.\n\nDan",
        reply_to="L1",
        cc=(CLAIRE,),
    ),
)


def message_id(key: str) -> str:
    return f"<{key.lower()}.2026@causerie-fiction.example>"


def _person(pair: tuple[str, str]) -> str:
    from email.headerregistry import Address

    return str(Address(pair[0], addr_spec=pair[1]))


def _build(mail: Mail, by_key: dict[str, Mail]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = _person(mail.sender)
    message["To"] = ", ".join(_person(p) for p in mail.to)
    if mail.cc:
        message["Cc"] = ", ".join(_person(p) for p in mail.cc)
    message["Date"] = format_datetime(mail.when)
    message["Subject"] = mail.subject
    message["Message-ID"] = message_id(mail.key)
    if mail.reply_to and not mail.headers_dropped:
        chain: list[str] = []
        key: str | None = mail.reply_to
        while key:
            chain.insert(0, message_id(key))
            key = by_key[key].reply_to
        message["In-Reply-To"] = message_id(mail.reply_to)
        message["References"] = " ".join(chain)
    if mail.bulk:
        message["List-Unsubscribe"] = f"<mailto:unsubscribe@{mail.sender[1].split('@')[1]}>"
        message["List-Id"] = f"<news.{mail.sender[1].split('@')[1]}>"
    body = mail.body
    if mail.reply_to and not mail.html_only:
        parent = by_key[mail.reply_to]
        if mail.when.hour % 2:  # English and French quote headers, as mail programs write them
            intro = f"On {format_datetime(parent.when)}, {parent.sender[0]} wrote:"
        else:
            intro = f"Le {parent.when:%d/%m/%Y à %H:%M}, {parent.sender[0]} a écrit :"
        body = f"{body}\n\n{intro}\n{_quote(parent.body)}\n"
    if mail.html_only:
        message.set_content(mail.html or "", subtype="html")
    else:
        message.set_content(body, charset=mail.charset, cte=mail.transfer)
        if mail.html:
            message.add_alternative(mail.html, subtype="html")
    if mail.attachment:
        name, data = mail.attachment
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message


def fictional_mailbox() -> list[EmailMessage]:
    """The 31 messages, oldest first."""
    by_key = {m.key: m for m in MAILS}
    ordered = sorted(MAILS, key=lambda m: m.when)
    return [_build(m, by_key) for m in ordered]


def as_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=SMTP)


def write_mbox(messages: list[EmailMessage], path: Path) -> Path:
    box = mailbox.mbox(path, create=True)
    try:
        for message in messages:
            box.add(as_bytes(message))
    finally:
        box.close()
    return path


def write_maildir(messages: list[EmailMessage], folder: Path) -> Path:
    box = mailbox.Maildir(folder, create=True)
    for message in messages:
        box.add(as_bytes(message))
    return folder


@dataclass(frozen=True)
class ActionItem:
    thread: str  # key of the thread's first message
    words: tuple[str, ...]  # one of these (folded) must be in the item's text
    due: str | None


@dataclass(frozen=True)
class Expected:
    threads: tuple[tuple[str, ...], ...]  # message keys per thread
    status: dict[str, str]  # first key -> status
    language: dict[str, str]  # first key -> language
    action_items: tuple[ActionItem, ...]
    deadlines: dict[str, tuple[str, ...]]  # first key -> dates (YYYY-MM-DD) stated or agreed
    style: dict[str, dict[str, str]]  # language -> what the owner's own messages show


EXPECTED = Expected(
    threads=(
        ("A1", "A2", "A3", "A4"),
        ("B1", "B2", "B3", "B4", "B5"),
        ("C1",),
        ("D1",),
        ("D2",),
        ("E1", "E2", "E3"),
        ("F1", "F2", "F3"),
        ("G1", "G2", "G3"),
        ("I1", "I2", "I3"),
        ("J1",),
        ("J2",),
        ("K1", "K2", "K3"),
        ("L1", "L2"),
    ),
    status={
        "A1": "needs_reply",
        "B1": "waiting",
        "C1": "needs_reply",
        "D1": "newsletter",
        "D2": "newsletter",
        "E1": "info",
        "F1": "needs_reply",
        "G1": "info",
        "I1": "needs_reply",
        "J1": "newsletter",
        "J2": "newsletter",
        "K1": "waiting",
        "L1": "info",
    },
    language={
        "A1": "fr",
        "B1": "en",
        "C1": "en",
        "D1": "fr",
        "D2": "fr",
        "E1": "fr",
        "F1": "en",
        "G1": "fr",
        "I1": "en",
        "J1": "en",
        "J2": "en",
        "K1": "fr",
        "L1": "en",
    },
    action_items=(
        ActionItem("A1", ("maquette",), "2026-03-13"),  # 6 March was renegotiated to 13 March
        ActionItem("A1", ("logo",), "2026-03-18"),
        ActionItem("C1", ("invoice", "pay", "settle"), "2026-03-22"),
        ActionItem("F1", ("moodboard",), "2026-03-24"),
        ActionItem("G1", ("devis",), "2026-03-20"),
        ActionItem("I1", ("topic",), "2026-03-20"),
        ActionItem("I1", ("bio", "photo"), None),
    ),
    deadlines={
        "A1": ("2026-03-13", "2026-03-18"),
        "B1": ("2026-03-11", "2026-04-14"),
        "C1": ("2026-03-22",),
        "F1": ("2026-03-24",),
        "G1": ("2026-03-20",),
        "I1": ("2026-03-20", "2026-03-27", "2026-05-06"),
        "K1": ("2026-03-16",),
        "L1": ("2026-03-27",),
    },
    style={
        "fr": {"address": "vous", "sign_off": "Bien à vous,"},
        "en": {"sign_off": "Best regards,"},
    },
)
