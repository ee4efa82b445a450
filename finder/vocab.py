"""The directory's controlled vocabularies: listing kinds, tumor sites, specialties, services
and languages, each term with the other names spreadsheets give it."""

from __future__ import annotations

import difflib
import functools
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Term:
    """One entry of a vocabulary: a stable slug, the label people read, and other names for it
    that imports accept (brand names, abbreviations, common phrasings)."""

    slug: str
    label: str
    synonyms: tuple[str, ...] = field(default=(), kw_only=True)


@dataclass(frozen=True)
class TumorSite(Term):
    """A primary site where NETs form, with where it sits and who usually treats it."""

    region: str  # body-diagram region: neck, chest, abdomen, pelvis, skin, whole-body
    specialties: tuple[str, ...]


KINDS: tuple[Term, ...] = (
    Term("doctor", "NET doctor", synonyms=("Doctor", "Physician", "Provider")),
    Term(
        "program",
        "NET treatment program",
        synonyms=("Program", "Treatment program", "Center", "Clinic"),
    ),
    Term("support_group", "NET support group", synonyms=("Support group", "Group")),
)

# One definition, shared by search filters, import validation, the body diagram and the
# education pages. Order is head to toe, then the sites that are not one place.
TUMOR_SITES: tuple[TumorSite, ...] = (
    TumorSite(
        "medullary-thyroid",
        "Medullary thyroid",
        "neck",
        ("endocrinology", "endocrine-surgery", "medical-oncology"),
        synonyms=("MTC", "Medullary thyroid cancer", "Medullary thyroid carcinoma"),
    ),
    TumorSite(
        "thymus",
        "Thymus",
        "chest",
        ("thoracic-surgery", "medical-oncology", "radiation-oncology"),
        synonyms=("Thymic",),
    ),
    TumorSite(
        "lung",
        "Lung",
        "chest",
        ("pulmonology", "thoracic-surgery", "medical-oncology"),
        synonyms=("Bronchial", "Bronchopulmonary", "Pulmonary", "Lung carcinoid"),
    ),
    TumorSite(
        "stomach",
        "Stomach",
        "abdomen",
        ("gastroenterology", "surgical-oncology", "medical-oncology"),
        synonyms=("Gastric",),
    ),
    TumorSite(
        "pancreas",
        "Pancreas",
        "abdomen",
        ("surgical-oncology", "medical-oncology", "endocrinology", "gastroenterology"),
        synonyms=("Pancreatic", "pNET", "PanNET", "Islet cell"),
    ),
    TumorSite(
        "adrenal-paraganglia",
        "Adrenal glands and paraganglia",
        "abdomen",
        ("endocrinology", "endocrine-surgery", "nuclear-medicine"),
        synonyms=("Adrenal", "Pheochromocytoma", "Paraganglioma", "Pheo", "PPGL"),
    ),
    TumorSite(
        "small-intestine",
        "Small intestine",
        "abdomen",
        ("surgical-oncology", "medical-oncology", "gastroenterology"),
        synonyms=("Small bowel", "Small intestinal", "Ileum", "Ileal", "Jejunum", "Duodenum"),
    ),
    TumorSite(
        "appendix",
        "Appendix",
        "pelvis",
        ("surgical-oncology", "gastroenterology"),
        synonyms=("Appendiceal",),
    ),
    TumorSite(
        "colon",
        "Colon",
        "abdomen",
        ("gastroenterology", "surgical-oncology", "medical-oncology"),
        synonyms=("Colonic",),
    ),
    TumorSite(
        "rectum",
        "Rectum",
        "pelvis",
        ("gastroenterology", "surgical-oncology"),
        synonyms=("Rectal",),
    ),
    TumorSite(
        "merkel-cell",
        "Merkel cell (skin)",
        "skin",
        ("dermatology", "surgical-oncology", "radiation-oncology", "medical-oncology"),
        synonyms=("Merkel cell carcinoma", "Skin"),
    ),
    TumorSite(
        "unknown-primary",
        "Unknown primary",
        "whole-body",
        ("medical-oncology", "nuclear-medicine", "pathology"),
        synonyms=("CUP", "Primary unknown"),
    ),
)

SPECIALTIES: tuple[Term, ...] = (
    Term(
        "medical-oncology",
        "Medical oncology",
        synonyms=("Medical oncologist", "Oncology", "Hematology/oncology", "Hem/Onc"),
    ),
    Term("surgical-oncology", "Surgical oncology", synonyms=("Surgical oncologist",)),
    Term("gastroenterology", "Gastroenterology", synonyms=("Gastroenterologist", "GI")),
    Term("endocrinology", "Endocrinology", synonyms=("Endocrinologist",)),
    Term("nuclear-medicine", "Nuclear medicine", synonyms=("Nuclear medicine physician",)),
    Term(
        "interventional-radiology",
        "Interventional radiology",
        synonyms=("Interventional radiologist", "IR"),
    ),
    Term("pathology", "Pathology", synonyms=("Pathologist",)),
    Term(
        "radiation-oncology",
        "Radiation oncology",
        synonyms=("Radiation oncologist", "Radiotherapy"),
    ),
    Term("pulmonology", "Pulmonology", synonyms=("Pulmonologist", "Pulmonary medicine")),
    Term("thoracic-surgery", "Thoracic surgery", synonyms=("Thoracic surgeon",)),
    Term("endocrine-surgery", "Endocrine surgery", synonyms=("Endocrine surgeon",)),
    Term("dermatology", "Dermatology", synonyms=("Dermatologist",)),
)

SERVICES: tuple[Term, ...] = (
    Term(
        "prrt",
        "PRRT (Lu-177 DOTATATE)",
        synonyms=(
            "PRRT",
            "Lutathera",
            "Lu-177 DOTATATE",
            "Lutetium-177 DOTATATE",
            "177Lu-DOTATATE",
            "Peptide receptor radionuclide therapy",
        ),
    ),
    Term(
        "dotatate-pet",
        "Ga-68/Cu-64 DOTATATE PET",
        synonyms=(
            "Ga-68 DOTATATE PET",
            "Ga-68 DOTATATE",
            "Gallium-68 DOTATATE",
            "NETSPOT",
            "Cu-64 DOTATATE",
            "Copper-64 DOTATATE",
            "Detectnet",
            "DOTATATE PET",
            "DOTATATE PET/CT",
            "Somatostatin receptor PET",
            "SSTR PET",
        ),
    ),
    Term(
        "tumor-board",
        "NET tumor board",
        synonyms=("Tumor board", "Tumour board", "Multidisciplinary tumor board"),
    ),
    Term("clinical-trials", "Clinical trials", synonyms=("Clinical trial", "Trials")),
    Term(
        "liver-directed-therapy",
        "Liver-directed therapy",
        synonyms=(
            "TACE",
            "Chemoembolization",
            "Radioembolization",
            "Y-90",
            "SIRT",
            "Hepatic artery embolization",
        ),
    ),
    Term("genetic-counseling", "Genetic counseling", synonyms=("Genetic counselling",)),
    Term("endoscopic-ultrasound", "Endoscopic ultrasound", synonyms=("EUS",)),
    Term(
        "nutrition",
        "Nutrition support",
        synonyms=("Nutrition", "Dietitian", "Dietician", "Nutritionist"),
    ),
)

# Languages are stored by their English name, so a language's slug is that name. The list is
# the languages most spoken at home in the US (Census ACS), and American Sign Language.
LANGUAGES: tuple[Term, ...] = tuple(
    Term(name, name, synonyms=tuple(other))
    for name, *other in (
        ("English",),
        ("Spanish", "Español", "Castellano"),
        ("Chinese", "中文"),
        ("Mandarin", "Chinese (Mandarin)", "Putonghua", "普通话"),
        ("Cantonese", "Chinese (Cantonese)", "廣東話"),
        ("Tagalog", "Filipino"),
        ("Vietnamese", "Tiếng Việt"),
        ("Arabic", "العربية"),
        ("French", "Français"),
        ("Korean", "한국어"),
        ("Russian", "Русский"),
        ("Haitian Creole", "Kreyòl", "Kreyol ayisyen"),
        ("German", "Deutsch"),
        ("Hindi", "हिन्दी"),
        ("Portuguese", "Português"),
        ("Italian", "Italiano"),
        ("Polish", "Polski"),
        ("Urdu",),
        ("Japanese", "日本語"),
        ("Persian", "Farsi", "فارسی"),
        ("Gujarati",),
        ("Telugu",),
        ("Bengali", "Bangla"),
        ("Tamil",),
        ("Punjabi", "Panjabi"),
        ("Greek", "Ελληνικά"),
        ("Hebrew", "עברית"),
        ("Armenian",),
        ("Somali", "Soomaali"),
        ("Amharic",),
        ("Yiddish",),
        ("Ukrainian", "Українська"),
        ("Nepali",),
        ("Burmese",),
        ("Khmer", "Cambodian"),
        ("Hmong",),
        ("Lao", "Laotian"),
        ("Thai",),
        ("Navajo", "Diné"),
        ("Swahili", "Kiswahili"),
        ("Yoruba",),
        ("Igbo",),
        ("Tigrinya",),
        ("Albanian",),
        ("Bosnian/Croatian/Serbian", "Bosnian", "Croatian", "Serbian", "Serbo-Croatian"),
        ("Romanian",),
        ("Dutch",),
        ("Turkish",),
        ("Indonesian",),
        ("Malayalam",),
        ("Marathi",),
        ("Pashto",),
        ("Dari",),
        ("Karen",),
        ("Chuukese",),
        ("Marshallese",),
        ("Samoan",),
        ("Hawaiian",),
        ("Ilocano",),
        ("Cape Verdean Creole", "Kriolu"),
        ("American Sign Language", "ASL", "Sign language"),
    )
)


def labels(terms: tuple[Term, ...]) -> dict[str, str]:
    """Map each slug of a vocabulary to its label."""
    return {t.slug: t.label for t in terms}


def site(slug: str) -> TumorSite | None:
    """Return the tumor site with this slug, or None."""
    return next((s for s in TUMOR_SITES if s.slug == slug), None)


def spelling(text: str) -> str:
    """What a name is matched on: letters and digits only, accents dropped, any case
    ("Ga-68 DOTATATE PET" and "ga68 dotatate pet" are one; "Español" is "espanol")."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in plain if c.isalnum())


@functools.cache
def _spellings(terms: tuple[Term, ...]) -> dict[str, Term]:
    known: dict[str, Term] = {}
    for t in terms:
        for name in (t.slug, t.label, *t.synonyms):
            known.setdefault(spelling(name), t)
    return known


def find(terms: tuple[Term, ...], text: str) -> Term | None:
    """The term a slug, label or synonym names, or None."""
    return _spellings(terms).get(spelling(text))


def closest(terms: tuple[Term, ...], text: str) -> Term | None:
    """The term whose name is spelt most like `text`, for a "did you mean"; None if none is."""
    known = _spellings(terms)
    match = difflib.get_close_matches(spelling(text), list(known), n=1, cutoff=0.75)
    return known[match[0]] if match else None


def markdown_table(vocabularies: dict[str, tuple[Term, ...]]) -> str:
    """Every term of each CSV column's vocabulary with its label and synonyms, as the Markdown
    table data/README.md shows (a test keeps the two the same)."""
    rows = ["| column | value | label | also accepted |", "|---|---|---|---|"]
    for column, terms in vocabularies.items():
        for t in terms:
            label = "" if t.label == t.slug else t.label
            rows.append(f"| `{column}` | `{t.slug}` | {label} | {', '.join(t.synonyms)} |")
    return "\n".join(rows)
