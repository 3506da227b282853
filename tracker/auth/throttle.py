"""Login throttling: failed password checks counted in the shared limiter store, never a lock-out.

Three counters, each a fixed window: per account and client address (an attacker's address stops being
tried on that account, the owner's address is not), per address (one address guessing many accounts) and per
account (many addresses guessing one). Only attempts whose password was actually checked and wrong count, so
throttled attempts do not extend the attacker's own window or eat into the owner's account-wide allowance.
"""
from flask import current_app
from limits import parse

from ..extensions import limiter


def _counters(email: str, address: str) -> list[tuple]:
    """The (limit, key parts) of every counter an attempt on this account from this address touches."""
    account = email.strip().lower()
    config = current_app.config
    return [(parse(config["LOGIN_LIMIT_ACCOUNT_ADDRESS"]), "login-account-address", account, address),
            (parse(config["LOGIN_LIMIT_ADDRESS"]), "login-address", address),
            (parse(config["LOGIN_LIMIT_ACCOUNT"]), "login-account", account)]


def allowed(email: str, address: str) -> bool:
    """Tell whether a password may be checked for this account from this address now."""
    return all(limiter.limiter.test(rule, *keys) for rule, *keys in _counters(email, address))


def failed(email: str, address: str) -> None:
    """Count a wrong password (or an unknown account: the two must look alike)."""
    for rule, *keys in _counters(email, address):
        limiter.limiter.hit(rule, *keys)


def succeeded(email: str, address: str) -> None:
    """The owner got in from this address: their earlier typos from it no longer count."""
    rule, *keys = _counters(email, address)[0]
    limiter.limiter.clear(rule, *keys)
