"""Reading observations: the latest revision by default, or as the database stood at an earlier revision or
import (nothing is ever overwritten, so every earlier state can be read back)."""

from __future__ import annotations

from aimaq.errors import AimaqError
from aimaq.i18n import _


def observations_sql(*, max_revision: int | None = None, as_of_import: int | None = None) -> str:
    """A SQL subquery with the columns of `observation`: per key, the newest revision allowed."""
    if max_revision is None and as_of_import is None:
        return "observation_latest"
    conditions = []
    if max_revision is not None:
        if int(max_revision) < 1:
            raise AimaqError(_("a revision number starts at 1"))
        conditions.append(f"revision <= {int(max_revision)}")
    if as_of_import is not None:
        conditions.append(f"import_id <= {int(as_of_import)}")
    return f"""(SELECT * FROM observation WHERE {' AND '.join(conditions)}
               QUALIFY row_number() OVER (PARTITION BY kato, indicator, period, breakdown
                                          ORDER BY revision DESC) = 1)"""
