"""Progress against a target and the status colour that follows from it, direction-aware.

Pure arithmetic on Decimals: no database, no request. A missing target or a missing actual gives no
progress and no status (the page then says "no data" rather than guessing a colour).
"""
from dataclasses import dataclass
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_FLOOR,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    Underflow,
    localcontext,
)

from flask import current_app

ON_TRACK = "on_track"
NEEDS_ATTENTION = "needs_attention"
OFF_TRACK = "off_track"

DEFAULT_ON_TRACK_AT = Decimal("0.85")
DEFAULT_ATTENTION_AT = Decimal("0.50")
# Far beyond target is still just "far beyond": a cap keeps tables and charts readable.
PROGRESS_CAP = Decimal(10)
_QUANTUM = Decimal("0.0001")
_ZERO = Decimal(0)
_ONE = Decimal(1)


@dataclass(frozen=True)
class Evaluation:
    """Progress as a share of the target (1 = target reached) and the status it gives."""

    progress: Decimal | None
    status: str | None


NO_DATA = Evaluation(None, None)


def _decimal(value) -> Decimal | None:
    """Turn a number into a finite Decimal, or None when missing or not a finite number."""
    if value is None:
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _status(progress: Decimal, on_track_at: Decimal, attention_at: Decimal) -> str:
    """The colour for a progress value."""
    if progress >= on_track_at:
        return ON_TRACK
    if progress >= attention_at:
        return NEEDS_ATTENTION
    return OFF_TRACK


def _clamp(progress: Decimal) -> Decimal:
    """Keep progress within [0, PROGRESS_CAP]."""
    if progress.is_nan() or progress < _ZERO:
        return _ZERO
    return min(progress, PROGRESS_CAP)


def _shortfall(distance: Decimal, scale: Decimal) -> Decimal:
    """1 minus the distance to the target relative to a scale, floored at 0 (a zero scale gives 0)."""
    if scale <= _ZERO:
        return _ZERO
    return max(_ZERO, _ONE - distance / scale)


def _higher(target: Decimal, actual: Decimal) -> Decimal:
    """Higher is better: the share of the target reached."""
    if target > _ZERO:
        return actual / target
    if actual >= target:  # a zero or negative target is reached by anything at or above it
        return _ONE
    return _shortfall(target - actual, abs(target))


def _lower(target: Decimal, actual: Decimal) -> Decimal:
    """Lower is better: target over actual, so that staying under the target gives 1 or more."""
    if actual > _ZERO and target >= _ZERO:
        return target / actual
    if actual <= _ZERO and actual <= target:  # at or below a target that is itself zero or more
        return _ONE
    return _shortfall(actual - target, abs(target))


def _range(low: Decimal, high: Decimal | None, actual: Decimal) -> Decimal:
    """Stay within [low, high]: 1 inside, falling with the distance outside relative to the width."""
    high = low if high is None else high
    if high < low:
        low, high = high, low
    if low <= actual <= high:
        return _ONE
    distance, bound = (low - actual, low) if actual < low else (actual - high, high)
    width = high - low
    return _shortfall(distance, width if width > _ZERO else abs(bound))


def evaluate(direction: str, target, target_max, actual, *, on_track_at=DEFAULT_ON_TRACK_AT,
             attention_at=DEFAULT_ATTENTION_AT) -> Evaluation:
    """Compute progress and status of an actual against a target (no status from missing data)."""
    target_d, actual_d = _decimal(target), _decimal(actual)
    if target_d is None or actual_d is None:
        return NO_DATA
    on_track_at = _decimal(on_track_at) if _decimal(on_track_at) is not None else DEFAULT_ON_TRACK_AT
    attention_at = _decimal(attention_at) if _decimal(attention_at) is not None else DEFAULT_ATTENTION_AT
    # A wide exponent range: huge or tiny inputs divide without overflow, then the clamp brings them back.
    with localcontext() as ctx:
        ctx.prec = 28
        ctx.Emax, ctx.Emin = MAX_EMAX, MIN_EMIN
        for signal in (Overflow, Underflow, DivisionByZero, InvalidOperation):
            ctx.traps[signal] = False  # an overflow becomes Infinity, which the clamp turns into the cap
        if direction == "lower":
            raw = _lower(target_d, actual_d)
        elif direction == "range":
            raw = _range(target_d, _decimal(target_max), actual_d)
        else:
            raw = _higher(target_d, actual_d)
        progress = _clamp(raw)
        status = _status(progress, on_track_at, attention_at)
        # Rounded down for display, so that a target missed by a hair never shows as 100 %.
        shown = progress.quantize(_QUANTUM, rounding=ROUND_FLOOR)
    return Evaluation(shown, status)


def thresholds() -> tuple[Decimal, Decimal]:
    """Read the on-track and needs-attention thresholds from the configuration."""
    config = current_app.config
    on_track = _decimal(config.get("STATUS_ON_TRACK_AT"))
    attention = _decimal(config.get("STATUS_ATTENTION_AT"))
    return (on_track if on_track is not None else DEFAULT_ON_TRACK_AT,
            attention if attention is not None else DEFAULT_ATTENTION_AT)


def evaluate_configured(direction: str, target, target_max, actual) -> Evaluation:
    """Evaluate with the thresholds of the running application."""
    on_track_at, attention_at = thresholds()
    return evaluate(direction, target, target_max, actual, on_track_at=on_track_at, attention_at=attention_at)
