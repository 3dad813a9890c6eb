"""What a campaign costs and what it is powered for: the documented defaults, in BRL.

A costs file (``--costs FILE``, TOML or JSON) overrides any key below; unknown keys and
another currency are refused. Example::

    channel = "email"
    [cost_per_contact]
    email = 0.03
    [offer]            # the discount, as a share of order value, per segment key
    core = 0.0

Defaults, and why:

- ``cost_per_contact`` (BRL per message): email 0.02, SMS 0.12, WhatsApp 0.40, push 0.005:
  list prices of Brazilian e-mail and messaging providers at volume, rounded up.
- ``offer``: the discount a campaign's buyers get, as a share of their order value: 10% by
  default; 0 for the newsletter (``core``) and the service-recovery contacts are costed as a
  voucher of the same 10%.
- ``margin``: the contribution margin on a marketplace's order value (commission and fees),
  25%, with which the break-even lift is computed.
- ``planning_lift``: the relative lift in purchases a campaign is expected, and powered, to
  detect: +20%.
- ``horizon_days``: the window in which purchases count as the campaign's (90 days).
- ``alpha`` 0.05 (two-sided) and ``power`` 0.8 for the minimum detectable lift.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from olistseg.errors import InputError
from olistseg.stability.contract import CURRENCY, read_costs_file

CHANNELS = ("email", "sms", "whatsapp", "push")


@dataclass(frozen=True)
class CampaignCosts:
    """The costs and statistical settings of a campaign plan (see the module docstring)."""

    currency: str = CURRENCY
    channel: str = "email"
    cost_per_contact: dict[str, float] = field(
        default_factory=lambda: {"email": 0.02, "sms": 0.12, "whatsapp": 0.40, "push": 0.005}
    )
    default_offer: float = 0.10
    offer: dict[str, float] = field(default_factory=lambda: {"core": 0.0})
    margin: float = 0.25
    planning_lift: float = 0.20
    horizon_days: int = 90
    alpha: float = 0.05
    power: float = 0.80

    def __post_init__(self) -> None:
        checks = [
            (self.channel in CHANNELS, f"channel {self.channel!r}: one of {', '.join(CHANNELS)}"),
            (0 <= self.default_offer < 1, "default_offer is a share of order value, 0 to 1"),
            (all(0 <= v < 1 for v in self.offer.values()), "offer shares are 0 to 1"),
            (0 < self.margin <= 1, "margin is a share of order value, above 0 and at most 1"),
            (self.planning_lift > 0, "planning_lift is a relative lift above 0 (0.2 = +20%)"),
            (7 <= self.horizon_days <= 365, "horizon_days is 7 to 365"),
            (
                0 < self.alpha < 0.5 and 0.5 <= self.power < 1,
                "alpha in (0, 0.5), power in [0.5, 1)",
            ),
            (all(v >= 0 for v in self.cost_per_contact.values()), "costs per contact are >= 0"),
        ]
        failed = [message for ok, message in checks if not ok]
        if failed:
            raise InputError("campaign costs: " + "; ".join(failed) + ".")

    def contact_cost(self, channel: str | None = None) -> float:
        """BRL per contact on ``channel`` (default: the plan's)."""
        return float(self.cost_per_contact[channel or self.channel])

    def offer_share(self, segment_key: str) -> float:
        """The discount share of order value a segment's campaign offers."""
        return float(self.offer.get(segment_key, self.default_offer))

    def to_dict(self) -> dict:
        return asdict(self)


def load_campaign_costs(path: Path | None) -> CampaignCosts:
    """:class:`CampaignCosts` from a TOML or JSON file (``None``: the defaults)."""
    if path is None:
        return CampaignCosts()
    given = read_costs_file(Path(path), "campaigns", set(CampaignCosts.__dataclass_fields__))
    defaults = CampaignCosts()
    for key in ("cost_per_contact", "offer"):
        if key in given:
            given[key] = {**getattr(defaults, key), **given[key]}
    try:
        return CampaignCosts(**given)
    except TypeError as exc:
        raise InputError(f"--costs {path}: {exc}.") from exc
