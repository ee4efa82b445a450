"""The directory's controlled vocabularies: listing kinds, tumor sites, specialties, services."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One entry of a vocabulary: a stable slug and the label people read."""

    slug: str
    label: str


@dataclass(frozen=True)
class TumorSite(Term):
    """A primary site where NETs form, with where it sits and who usually treats it."""

    region: str  # body-diagram region: neck, chest, abdomen, pelvis, skin, whole-body
    specialties: tuple[str, ...]


KINDS: tuple[Term, ...] = (
    Term("doctor", "NET doctor"),
    Term("program", "NET treatment program"),
    Term("support_group", "NET support group"),
)

# One definition, shared by search filters, import validation, the body diagram and the
# education pages. Order is head to toe, then the sites that are not one place.
TUMOR_SITES: tuple[TumorSite, ...] = (
    TumorSite(
        "medullary-thyroid",
        "Medullary thyroid",
        "neck",
        ("endocrinology", "endocrine-surgery", "medical-oncology"),
    ),
    TumorSite(
        "thymus", "Thymus", "chest", ("thoracic-surgery", "medical-oncology", "radiation-oncology")
    ),
    TumorSite("lung", "Lung", "chest", ("pulmonology", "thoracic-surgery", "medical-oncology")),
    TumorSite(
        "stomach",
        "Stomach",
        "abdomen",
        ("gastroenterology", "surgical-oncology", "medical-oncology"),
    ),
    TumorSite(
        "pancreas",
        "Pancreas",
        "abdomen",
        ("surgical-oncology", "medical-oncology", "endocrinology", "gastroenterology"),
    ),
    TumorSite(
        "adrenal-paraganglia",
        "Adrenal glands and paraganglia",
        "abdomen",
        ("endocrinology", "endocrine-surgery", "nuclear-medicine"),
    ),
    TumorSite(
        "small-intestine",
        "Small intestine",
        "abdomen",
        ("surgical-oncology", "medical-oncology", "gastroenterology"),
    ),
    TumorSite("appendix", "Appendix", "pelvis", ("surgical-oncology", "gastroenterology")),
    TumorSite(
        "colon", "Colon", "abdomen", ("gastroenterology", "surgical-oncology", "medical-oncology")
    ),
    TumorSite("rectum", "Rectum", "pelvis", ("gastroenterology", "surgical-oncology")),
    TumorSite(
        "merkel-cell",
        "Merkel cell (skin)",
        "skin",
        ("dermatology", "surgical-oncology", "radiation-oncology", "medical-oncology"),
    ),
    TumorSite(
        "unknown-primary",
        "Unknown primary",
        "whole-body",
        ("medical-oncology", "nuclear-medicine", "pathology"),
    ),
)

SPECIALTIES: tuple[Term, ...] = (
    Term("medical-oncology", "Medical oncology"),
    Term("surgical-oncology", "Surgical oncology"),
    Term("gastroenterology", "Gastroenterology"),
    Term("endocrinology", "Endocrinology"),
    Term("nuclear-medicine", "Nuclear medicine"),
    Term("interventional-radiology", "Interventional radiology"),
    Term("pathology", "Pathology"),
    Term("radiation-oncology", "Radiation oncology"),
    Term("pulmonology", "Pulmonology"),
    Term("thoracic-surgery", "Thoracic surgery"),
    Term("endocrine-surgery", "Endocrine surgery"),
    Term("dermatology", "Dermatology"),
)

SERVICES: tuple[Term, ...] = (
    Term("prrt", "PRRT (Lu-177 DOTATATE)"),
    Term("dotatate-pet", "Ga-68/Cu-64 DOTATATE PET"),
    Term("tumor-board", "NET tumor board"),
    Term("clinical-trials", "Clinical trials"),
    Term("liver-directed-therapy", "Liver-directed therapy"),
    Term("genetic-counseling", "Genetic counseling"),
    Term("endoscopic-ultrasound", "Endoscopic ultrasound"),
    Term("nutrition", "Nutrition support"),
)


def labels(terms: tuple[Term, ...]) -> dict[str, str]:
    """Map each slug of a vocabulary to its label."""
    return {t.slug: t.label for t in terms}


def site(slug: str) -> TumorSite | None:
    """Return the tumor site with this slug, or None."""
    return next((s for s in TUMOR_SITES if s.slug == slug), None)
