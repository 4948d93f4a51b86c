"""A webhook URL with credentials is refused: receivers check the signature."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.optouts.webhooks import subscribe


def test_credentials_in_a_webhook_url_are_refused(db: Session) -> None:
    with pytest.raises(ValueError, match="no credentials"):
        subscribe(db, "withdrawals", "https://hooks.example.org/in?token=s3cret")
    with pytest.raises(ValueError, match="no credentials"):
        subscribe(db, "withdrawals", "https://u:p@hooks.example.org/in")
    sub, _ = subscribe(db, "withdrawals", "https://hooks.example.org/in")
    assert sub.url == "https://hooks.example.org/in"
