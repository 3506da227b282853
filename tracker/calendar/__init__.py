"""The reporting calendar: each plan year's dates (assessments drafted by, reviewed by, the Board meeting) as people
see them, and the reminders sent before and after each date to those whose part is still missing."""


def register(app) -> None:
    """Let every template show the current year's calendar (the overview sits below this package's layer)."""
    from .services import calendar_of_year

    app.jinja_env.globals["reporting_calendar"] = calendar_of_year
