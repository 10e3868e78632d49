"""A fictional CV and postings (English and French), written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

CV_EN = """# Claire Martin

Data engineer — Lyon — claire.martin@example.org

## Experience

### Data engineer, Finlytics (03/2019 – present)

- Built 40 batch data pipelines with Airflow and dbt on PostgreSQL
- Designed a star schema for the sales data warehouse (Snowflake)
- Cut the nightly load from 6 h to 50 min

### BI analyst, Rhône Logistique (09/2016 – 02/2019)

- Wrote SQL reports and Power BI dashboards for 12 regional managers

## Education

MSc in Computer Science, Université Lyon 1, 2016

## Skills

Python, SQL, Airflow, dbt, Docker, Git

## Languages

French (native), English (C1)
"""

JOB_EN = """# Senior Data Engineer — Acme Analytics

We are a fast-growing company that loves Python.

## Requirements

- 5+ years of experience in data engineering
- Strong Python and SQL
- Apache Airflow
- Dimensional modelling
- Fluent English (C1)

## Nice to have

- Kubernetes
- Apache Spark

## Benefits

- Ten days of Scala training a year
"""

JOB_FR = """# Ingénieur·e données confirmé·e — Banque Rhodanienne

## Votre profil

- Au moins 12 ans d'expérience en ingénierie des données
- Maîtrise de SQL et de la modélisation dimensionnelle
- Expérience d'Apache Airflow indispensable
- Anglais courant (C1) et allemand (B2)
- La connaissance de Kafka serait un plus
"""

RECIPE = """# Tarte aux pommes

## Ingrédients

- 4 pommes
- 200 g de farine

## Préparation

Éplucher les pommes, les couper en lamelles et cuire 35 minutes à 180 °C.
"""

JOB_DE = """# Datenbankentwickler (m/w/d)

## Anforderungen

- Mindestens 5 Jahre Berufserfahrung mit Python und SQL
- Sehr gute Deutschkenntnisse und gute Englischkenntnisse
- Erfahrung mit Apache Airflow ist von Vorteil

## Wir bieten

Ein tolles Team in Berlin und flexible Arbeitszeiten.
"""


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def cv_file(tmp_path: Path) -> str:
    return write(tmp_path, "claire.md", CV_EN)


@pytest.fixture
def job_file(tmp_path: Path) -> str:
    return write(tmp_path, "acme.md", JOB_EN)


@pytest.fixture
def job_fr_file(tmp_path: Path) -> str:
    return write(tmp_path, "banque.md", JOB_FR)


# Scripted model replies for tailoring line 5 of CV_EN: an invention, then a faithful rewording
INVENTED_LINE_5 = "Led a team of 5 building 40 Apache Airflow pipelines"
FAITHFUL_LINE_5 = "Built 40 batch data pipelines on PostgreSQL with Apache Airflow and dbt"
