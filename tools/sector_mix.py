"""Write `src/hubsim/data/sector_mix_2010.csv`: each city's 2010 jobs by sector (ESTIMATE).

No source gives the 13 cities' jobs in hubsim's eight sectors, so the table is made by a stated
rule from the `tech_specialisation` column of `cities_2010.csv`:

1. Start from one mix for every city (ASSUMPTION, `BASE_MIX`): half the jobs in local services,
   about a fifth in manufacturing, the rest spread over the tradable service and tech sectors.
2. Each sector the city's specialisation names (the keywords of `KEYWORDS`) has its share
   multiplied by `SPECIALISATION_FACTOR` (2.5), once however many of its keywords appear.
3. The shares are normalised to sum to one.

Run `python tools/sector_mix.py` after changing the rule; a test checks the packaged table is
what this rule gives.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hubsim.scenario import (
    SECTORS,
)  # the sectors of the scenario schema (docs/model.md#firms-and-offices)

ROOT = Path(__file__).resolve().parent.parent
CITIES = ROOT / "src" / "hubsim" / "data" / "cities_2010.csv"
OUT = ROOT / "src" / "hubsim" / "data" / "sector_mix_2010.csv"
BASE_MIX = {  # ASSUMPTION: shares of a large Chinese city's jobs, before specialisation
    "internet": 0.06,
    "games_media": 0.025,
    "hardware": 0.06,
    "mobility": 0.05,
    "data": 0.025,
    "finance": 0.06,
    "manufacturing": 0.22,
    "local_services": 0.50,
}
SPECIALISATION_FACTOR = 2.5  # ASSUMPTION
# Keywords of the tech_specialisation column and the sector each points to. Sectors with no
# keyword of their own take the nearest one: biotech, aerospace and smart textiles count as
# manufacturing, port automation as hardware, beauty apps and digital economy as internet.
KEYWORDS = {
    "internet HQs": "internet",
    "AI": "internet",
    "e-commerce": "internet",
    "cloud": "internet",
    "software outsourcing": "internet",
    "software": "internet",
    "beauty apps": "internet",
    "digital economy": "internet",
    "games": "games_media",
    "AR/VR": "games_media",
    "hardware": "hardware",
    "telecom": "hardware",
    "chips": "hardware",
    "semiconductors": "hardware",
    "port automation": "hardware",
    "autos": "mobility",
    "mobility": "mobility",
    "optoelectronics": "mobility",
    "big data": "data",
    "data centres": "data",
    "finance": "finance",
    "fintech": "finance",
    "manufacturing": "manufacturing",
    "biotech": "manufacturing",
    "aerospace": "manufacturing",
    "smart textiles": "manufacturing",
}


def mix(specialisation: str) -> dict[str, float]:
    """The rule above for one city's `tech_specialisation` text ('a; b; c')."""
    named = {KEYWORDS[k.strip()] for k in specialisation.split(";") if k.strip()}
    raw = {s: BASE_MIX[s] * (SPECIALISATION_FACTOR if s in named else 1.0) for s in SECTORS}
    total = sum(raw.values())
    return {s: v / total for s, v in raw.items()}


def table_text() -> str:
    """The CSV the rule gives, as text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["city", "sector", "job_share_2010", "basis"])
    with CITIES.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            spec = row["tech_specialisation"]
            for sector, share in mix(spec).items():
                basis = (
                    f"ESTIMATE: tools/sector_mix.py rule from tech_specialisation '{spec}' "
                    "(cities_2010.csv)"
                )
                writer.writerow([row["city"], sector, f"{share:.4f}", basis])
    return out.getvalue()


if __name__ == "__main__":
    OUT.write_text(table_text(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
