"""City quality-of-life rating (review section 1.3): 0–10 scores per factor and overall, ranks, changes, the survey
risk map, data vs methodology effects, uncertainty. Methodology: specs/rating/; see docs/rating.md."""

from aimaq.rating.service import build_synthetic_rating_data, compute_rating

__all__ = ["build_synthetic_rating_data", "compute_rating"]
