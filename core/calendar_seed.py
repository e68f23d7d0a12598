"""Load official holiday schedules from the ``chinesecalendar`` package into CalendarYear/CalendarDay.

Admins can edit the result and add a year by hand when the State Council publishes it before the
package does (``manage.py load_calendar``)."""

from django.utils import timezone


def available_years() -> list[int]:
    from chinese_calendar import constants

    return sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})


def seed_calendar(year_model, day_model, years=None) -> list[int]:
    """Insert the package's holidays and make-up workdays for ``years`` (default: all it knows) that are
    not loaded yet. Returns the years loaded. Existing years are left alone: an admin may have edited them."""
    from chinese_calendar import constants

    loaded = []
    for year in years or available_years():
        if year_model.objects.filter(year=year).exists():
            continue
        for day, name in constants.holidays.items():
            if day.year == year and day.weekday() < 5:  # weekends are rest days anyway
                day_model.objects.update_or_create(date=day, defaults={"kind": "holiday", "name": str(name)})
        for day, name in constants.workdays.items():
            if day.year == year and day.weekday() >= 5:  # only weekend make-up days are exceptions
                day_model.objects.update_or_create(date=day, defaults={"kind": "workday", "name": str(name)})
        year_model.objects.create(year=year, source="chinesecalendar", loaded_at=timezone.now())
        loaded.append(year)
    return loaded
