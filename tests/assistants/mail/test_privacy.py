"""Cloud or local provider, and the masking of addresses, phone numbers and IBANs."""

from __future__ import annotations

import pytest

from causerie.assistants.mail.privacy import Redactor, is_cloud
from causerie.config import load_settings


@pytest.mark.parametrize(
    ("provider", "base_url", "cloud"),
    [
        ("llamacpp", "", False),
        ("fake", "", False),
        ("openai", "", True),
        ("anthropic", "", True),
        ("gemini", "", True),
        ("openai", "http://localhost:11434/v1", False),
        ("openai", "http://127.0.0.1:8000/v1", False),
        ("openai", "http://192.168.1.20:8000/v1", False),
        ("openai", "http://gpu-box.lan:8000/v1", False),
        ("openai", "https://openrouter.example/api/v1", True),
        ("openai", "http://8.8.8.8/v1", True),
    ],
)
def test_cloud_or_local(provider: str, base_url: str, cloud: bool) -> None:
    assert is_cloud(load_settings(provider=provider, base_url=base_url)) is cloud


def test_masking_is_consistent_and_restored() -> None:
    text = (
        "Appelez le 04 78 12 34 56 ou le +33 6 12 34 56 78 ; écrivez à helene@jardins.fr "
        "(ou helene@jardins.fr). IBAN FR76 3000 6000 0112 3456 7890 189."
    )
    redactor = Redactor()
    masked = redactor.mask(text)
    assert masked == (
        "Appelez le [PHONE_1] ou le [PHONE_2] ; écrivez à [EMAIL_1] (ou [EMAIL_1]). IBAN [IBAN_1]."
    )
    assert redactor.unmask(masked) == text
    assert redactor.unmask("Unknown [PHONE_9] stays.") == "Unknown [PHONE_9] stays."


def test_dates_amounts_and_invoice_numbers_are_not_masked() -> None:
    text = "Facture 2026-014 de 340,00 € le 13/03/2026 à 10:00 ; 1,800 EUR ; Date: 2026-03-11 14:20"
    assert Redactor().mask(text) == text
