"""Programme KPIs plan vs fact and targets: the rural development concept 2023–2027, With a Diploma to the
Village, Auyl – El Besigi and the border territories roadmap (review sections 1.5–1.7, 2.4).

Service API (reads the database): `programme_kpis(con, programme=None)`, `diploma_summary(con, by)`,
`auyl_summary(con)`. Pure functions: `aimaq.programmes.compute` (kpi_frame, diploma_table, auyl_table)."""

from aimaq.programmes.service import auyl_summary, diploma_summary, programme_kpis
from aimaq.programmes.spec import KpiSpec, load_kpi_spec

__all__ = ["KpiSpec", "auyl_summary", "diploma_summary", "load_kpi_spec", "programme_kpis"]
